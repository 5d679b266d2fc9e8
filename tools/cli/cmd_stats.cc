// loupe stats --db DIR [--format text|json]
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/common.h"

namespace loupe::cli {

int RunStats(const StatsArgs& a) {
  if (a.format != "text" && a.format != "json") {
    std::cerr << "loupe: stats: --format must be text or json, not '" << a.format << "'\n";
    return kExitUsage;
  }
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  auto st = (*index)->Stats();
  if (!st.ok()) return Fail("cannot read index " + a.db, st.status());
  if (a.format == "json") {
    nlohmann::ordered_json j = {{"documents", st->documents},   {"terms", st->terms},
                        {"size_bytes", st->size_bytes}, {"format_version", st->format_version},
                        {"generation", st->generation}, {"path", a.db}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "index:          " << a.db << "\n"
              << "documents:      " << st->documents << "\n"
              << "terms:          " << st->terms << "\n"
              << "size on disk:   " << st->size_bytes << " bytes (" << st->size_bytes / 1024 << " KiB)\n"
              << "format version: " << st->format_version << "\n"
              << "commits:        " << st->generation << "\n";
  }
  return kExitOk;
}

}  // namespace loupe::cli
