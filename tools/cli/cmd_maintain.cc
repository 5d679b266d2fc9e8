// loupe compact [--db DIR] [--format text|json]
// loupe backup  [--db DIR] [--no-check] [--format text|json] DEST
// loupe seal    [--db DIR] [--format text|json] SPLIT...
// loupe merge   [--db DIR] [--format text|json] SPLIT... --into NAME
// loupe convert [--db DIR] [--format text|json] --to collection|index
//
// Maintenance: rewriting an index without its deleted documents, and a hot,
// consistent copy of it.
#include <chrono>
#include <iostream>

#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/results.h"
#include "cli/text_output.h"

namespace loupe::cli {
namespace {

long MillisecondsSince(std::chrono::steady_clock::time_point t0) {
  return static_cast<long>(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1000);
}

}  // namespace

int RunCompact(const MaintainArgs& a) {
  auto t0 = std::chrono::steady_clock::now();
  auto report = CompactIndex(a.db);  // a collection: each split that is not sealed
  if (!report.ok()) return Fail("compact: " + a.db, report.status());
  const CompactResult r{.db = a.db, .report = *report, .milliseconds = MillisecondsSince(t0)};
  if (a.format == "json")
    PrintJson(ToJson(r));
  else
    PrintCompact(r, std::cout);
  return kExitOk;
}

int RunSeal(const MaintainArgs& a) {
  Json out = {{"db", a.db}, {"splits", Json::array()}};
  for (const std::string& split : a.splits) {
    auto t0 = std::chrono::steady_clock::now();
    auto report = SealSplit(a.db, split);
    if (!report.ok()) return Fail("seal: " + a.db, report.status());
    const CompactResult r{.db = a.db, .report = *report, .milliseconds = MillisecondsSince(t0)};
    if (a.format == "json") {
      Json j = ToJson(r);
      j.erase("db");
      out["splits"].push_back(Json{{"name", split}});
      out["splits"].back().update(j);
    } else {
      PrintSeal(split, r, std::cout);
    }
  }
  if (a.format == "json") PrintJson(out);
  return kExitOk;
}

int RunMerge(const MaintainArgs& a) {
  auto t0 = std::chrono::steady_clock::now();
  auto report = MergeSplits(a.db, a.splits, a.into);
  if (!report.ok()) return Fail("merge: " + a.db, report.status());
  const MergeResult r{
      .db = a.db, .into = a.into, .splits = a.splits, .report = *report, .milliseconds = MillisecondsSince(t0)};
  if (a.format == "json")
    PrintJson(ToJson(r));
  else
    PrintMerge(r, std::cout);
  return kExitOk;
}

int RunConvert(const MaintainArgs& a) {
  auto t0 = std::chrono::steady_clock::now();
  Status s = a.to == "collection" ? ConvertToCollection(a.db) : ConvertToIndex(a.db);
  if (!s.ok()) return Fail("convert: " + a.db, s);
  auto index = Index::Open(a.db, {.read_only = true});
  auto stats = index.ok() ? (*index)->Stats() : Result<IndexStats>(index.status());
  if (!stats.ok()) return Fail("convert: " + a.db + " does not open after the conversion", stats.status());
  const long ms = MillisecondsSince(t0);
  if (a.format == "json") {
    PrintJson(Json{{"db", a.db},
                   {"to", a.to},
                   {"documents", stats->documents},
                   {"splits", stats->splits.size()},
                   {"milliseconds", ms}});
  } else {
    std::cout << "converted " << a.db << " to "
              << (a.to == "collection" ? "a collection of one split" : "a plain index") << ": " << stats->documents
              << " documents in " << ms << " ms\n";
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
  BackupResult r{.db = a.db, .dest = a.dest, .copy = *stats, .checked = !a.no_check};
  if (r.checked) {
    auto check = (*copy)->Check();
    if (!check.ok()) return Fail("backup: checking the copy in " + a.dest, check.status());
    r.check = *check;
  }
  r.milliseconds = MillisecondsSince(t0);
  if (a.format == "json")
    PrintJson(ToJson(r));
  else
    PrintBackup(r, std::cout);
  return r.check.ok() ? kExitOk : kExitIndex;
}

}  // namespace loupe::cli
