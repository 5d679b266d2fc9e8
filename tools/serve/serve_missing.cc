// loupe serve, in a build without cpp-httplib: says how to get it.
#include <iostream>

#include "cli/common.h"

namespace loupe::cli {

int RunServe(const ServeArgs&) {
  std::cerr << "loupe: serve: this loupe was built without cpp-httplib, the HTTP library `loupe serve` runs on; "
               "install it (Debian: apt-get install libcpp-httplib-dev, or tools/install-deps.sh) and build loupe "
               "again\n";
  return kExitUsage;
}

}  // namespace loupe::cli
