// loupe compact [--db DIR] [--format text|json]
// loupe backup  [--db DIR] [--no-check] [--format text|json] DEST
//
// Maintenance: rewriting an index without its deleted documents, and a hot,
// consistent copy of it.
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"

namespace loupe::cli {
namespace {

std::string Size(uint64_t bytes) {
  char buf[32];
  if (bytes >= (uint64_t{1} << 20))
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  else
    std::snprintf(buf, sizeof buf, "%llu KiB", static_cast<unsigned long long>(bytes >> 10));
  return buf;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int RunCompact(const MaintainArgs& a) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = CompactIndex(a.db);
  if (!r.ok()) return Fail("compact: " + a.db, r.status());
  long ms = static_cast<long>(Since(t0) * 1000);
  if (a.format == "json") {
    PrintJson({{"db", a.db},
               {"documents", r->documents},
               {"dropped", r->dropped},
               {"bytes_before", r->bytes_before},
               {"bytes_after", r->bytes_after},
               {"milliseconds", ms}});
  } else {
    std::cout << "compacted " << a.db << ": " << r->documents << " documents kept, " << r->dropped
              << " deleted or replaced versions dropped; " << Size(r->bytes_before) << " -> " << Size(r->bytes_after)
              << " in " << ms << " ms\n";
  }
  return kExitOk;
}

int RunBackup(const MaintainArgs& a) {
  auto t0 = std::chrono::steady_clock::now();
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) return Fail("backup: cannot open index " + a.db, index.status());
  Status s = (*index)->Backup(a.dest);
  if (!s.ok()) return Fail("backup: " + a.db + " -> " + a.dest, s);
  auto copy = Index::Open(a.dest, {.read_only = true});
  if (!copy.ok()) return Fail("backup: the copy in " + a.dest + " does not open", copy.status());
  auto stats = (*copy)->Stats();
  if (!stats.ok()) return Fail("backup: the copy in " + a.dest + " cannot be read", stats.status());
  CheckReport check;
  if (!a.no_check) {
    auto r = (*copy)->Check();
    if (!r.ok()) return Fail("backup: checking the copy in " + a.dest, r.status());
    check = *r;
  }
  long ms = static_cast<long>(Since(t0) * 1000);
  if (a.format == "json") {
    nlohmann::ordered_json out = {{"db", a.db},   {"dest", a.dest}, {"documents", stats->documents},
                                  {"generation", stats->generation}, {"size_bytes", stats->size_bytes},
                                  {"milliseconds", ms}};
    if (!a.no_check)
      out["check"] = {{"ok", check.ok()}, {"problems", check.problems}, {"more_problems", check.more_problems}};
    PrintJson(out);
  } else {
    std::cout << "backed up " << a.db << " to " << a.dest << ": " << stats->documents << " documents, commit "
              << stats->generation << ", " << Size(stats->size_bytes) << " in " << ms << " ms"
              << (a.no_check ? "" : check.ok() ? "; the copy checks clean" : "; THE COPY FAILS ITS CHECK") << "\n";
    for (const std::string& p : check.problems) std::cout << "  problem: " << p << "\n";
    if (check.more_problems) std::cout << "  ... and " << check.more_problems << " more problems\n";
  }
  return check.ok() ? kExitOk : kExitIndex;
}

}  // namespace loupe::cli
