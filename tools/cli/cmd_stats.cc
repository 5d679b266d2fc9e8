// loupe stats --db DIR [--format text|json]
#include <iostream>

#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/results.h"
#include "cli/text_output.h"
#include "loupe/custom_fields.h"
#include "loupe/query_parser.h"  // ReadIndexAnalysis

namespace loupe::cli {

int RunStats(const StatsArgs& a) {
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  auto st = (*index)->Stats();
  if (!st.ok()) return Fail("cannot read index " + a.db, st.status());
  StatsResult r{.db = a.db, .stats = std::move(*st), .tables = a.tables};
  // What `loupe index` tagged the articles with (indexes tagged before this
  // was recorded, or never tagged, have nothing to say).
  if (auto stored = (*index)->GetMetadata("tagging"); stored.ok()) {
    auto j = Json::parse(*stored, nullptr, false);
    if (j.is_object()) r.tagging = std::move(j);
  } else if (!stored.status().IsNotFound()) {
    return Fail("cannot read index " + a.db, stored.status());
  }
  // The fields the corpus declared (headers, JSON fields, the language),
  // searchable as name:value.
  auto custom = ListCustomFields(**index);
  if (!custom.ok()) return Fail("cannot read index " + a.db, custom.status());
  r.custom_fields = std::move(*custom);
  // How the documents were analyzed: the stemmers their titles and bodies
  // were stemmed with, which query words are stemmed with too.
  auto analysis = ReadIndexAnalysis(**index);
  if (!analysis.ok()) return Fail("cannot read index " + a.db, analysis.status());
  r.languages = analysis->languages;
  r.fold_diacritics = analysis->fold_diacritics;
  if (a.format == "json")
    PrintJson(ToJson(r));
  else
    PrintStats(r, std::cout);
  return kExitOk;
}

}  // namespace loupe::cli
