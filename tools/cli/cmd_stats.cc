// loupe stats --db DIR [--format text|json]
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/results.h"
#include "cli/text_output.h"
#include "loupe/custom_fields.h"
#include "loupe/query_parser.h"  // ReadIndexAnalysis

namespace loupe::cli {

Status ReadStats(const Index& index, const std::string& db, bool tables, StatsResult* r) {
  auto st = index.Stats();
  if (!st.ok()) return st.status();
  *r = {.db = db, .stats = std::move(*st), .tables = tables};
  // What `loupe index` tagged the articles with (indexes tagged before this
  // was recorded, or never tagged, have nothing to say).
  if (auto stored = index.GetMetadata("tagging"); stored.ok()) {
    auto j = Json::parse(*stored, nullptr, false);
    if (j.is_object()) r->tagging = std::move(j);
  } else if (!stored.status().IsNotFound()) {
    return stored.status();
  }
  // The fields the corpus declared (headers, JSON fields, the language),
  // searchable as name:value.
  auto custom = ListCustomFields(index);
  if (!custom.ok()) return custom.status();
  r->custom_fields = std::move(*custom);
  // How the documents were analyzed: the stemmers their titles and bodies
  // were stemmed with, which query words are stemmed with too.
  auto analysis = ReadIndexAnalysis(index);
  if (!analysis.ok()) return analysis.status();
  r->languages = analysis->languages;
  r->fold_diacritics = analysis->fold_diacritics;
  return Status::OK();
}

int RunStats(const StatsArgs& a) {
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  StatsResult r;
  if (Status s = ReadStats(**index, a.db, a.tables, &r); !s.ok()) return Fail("cannot read index " + a.db, s);
  if (a.format == "json")
    PrintJson(ToJson(r));
  else
    PrintStats(r, std::cout);
  return kExitOk;
}

}  // namespace loupe::cli
