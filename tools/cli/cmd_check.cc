// loupe check [--db DIR] [--format text|json]
//
// Reads the whole index and reports what is damaged or inconsistent (see
// Index::Check). Exit 0 when sound, 3 when a problem was found.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"

namespace loupe::cli {

int RunCheck(const CheckArgs& a) {
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) {
    if (a.format == "json")
      PrintJson({{"db", a.db}, {"ok", false}, {"problems", {"cannot open the index: " + index.status().message()}}});
    return Fail("check: cannot open index " + a.db, index.status());
  }
  auto report = (*index)->Check();
  if (!report.ok()) {
    if (a.format == "json") PrintJson({{"db", a.db}, {"ok", false}, {"problems", {report.status().message()}}});
    return Fail("check: " + a.db, report.status());
  }
  const CheckReport& r = *report;
  if (a.format == "json") {
    PrintJson({{"db", a.db},
               {"ok", r.ok()},
               {"problems", r.problems},
               {"more_problems", r.more_problems},
               {"documents", r.documents},
               {"terms", r.terms},
               {"postings", r.postings},
               {"values", r.values}});
  } else {
    std::cout << "checked " << a.db << ": " << r.documents << " documents, " << r.terms << " terms, " << r.postings
              << " postings, " << r.values << " stored values with their checksums\n";
    for (const std::string& p : r.problems) std::cout << "  problem: " << p << "\n";
    if (r.more_problems) std::cout << "  ... and " << r.more_problems << " more problems\n";
    if (r.ok()) {
      std::cout << "no problems found\n";
    } else {
      std::cerr << "loupe: check: " << r.problems.size() + r.more_problems
                << " problems: the index is damaged; restore a backup (loupe backup) or rebuild it (loupe index)\n";
    }
  }
  return r.ok() ? kExitOk : kExitIndex;
}

}  // namespace loupe::cli
