// loupe check [--db DIR] [--format text|json]
//
// Reads the whole index and reports what is damaged or inconsistent (see
// Index::Check). Exit 0 when sound, 3 when a problem was found.
#include <iostream>

#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/results.h"
#include "cli/text_output.h"

namespace loupe::cli {

int RunCheck(const CheckArgs& a) {
  const bool json = a.format == "json";
  CheckResult r{.db = a.db};
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) {
    r.error = "cannot open the index: " + index.status().message();
    if (json) PrintJson(ToJson(r));
    return Fail("check: cannot open index " + a.db, index.status());
  }
  auto report = (*index)->Check();
  if (!report.ok()) {
    r.error = report.status().message();
    if (json) PrintJson(ToJson(r));
    return Fail("check: " + a.db, report.status());
  }
  r.report = std::move(*report);
  if (json)
    PrintJson(ToJson(r));
  else
    PrintCheck(r, std::cout, std::cerr);
  return r.report->ok() ? kExitOk : kExitIndex;
}

}  // namespace loupe::cli
