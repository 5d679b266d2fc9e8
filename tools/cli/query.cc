// Compiling a query for an index: the setup search, timeline and explain share.
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/text_output.h"

namespace loupe::cli {

Status ReadQueryContext(const Index& index, QueryContext* out) {
  out->gazetteer = LoadGazetteer(index);
  out->custom_fields = CustomFieldNames(index);
  auto analysis = ReadIndexAnalysis(index);
  if (!analysis.ok()) return analysis.status();
  out->languages = analysis->languages;
  out->analyzer_options = analysis->analyzer_options();
  return Status::OK();
}

PlanOptions PlanFor(const QueryContext& context, Days now) {
  PlanOptions plan;
  plan.now = now;
  plan.gazetteer = context.gazetteer.get();
  plan.custom_fields = context.custom_fields;
  plan.stemming_languages = context.languages;
  return plan;
}

Result<Query> CompileForIndex(const std::string& text, Analyzer& analyzer, const QueryContext& context, Days now,
                              bool lenient, QueryReading* reading) {
  PlanOptions plan = PlanFor(context, now);
  plan.resolved = &reading->resolved;
  plan.sort = &reading->sort;
  plan.lenient = lenient;
  plan.diagnostics = &reading->diagnostics;
  plan.reading = &reading->reading;
  return CompileQuery(text, analyzer, plan);
}

Status PrepareOn(std::shared_ptr<const Index> index, const QueryContext& context, const std::string& text, Days now,
                 bool now_given, bool lenient, const std::string& sort, PreparedQuery* out) {
  out->text = text;
  out->read.sort = sort == "date"    ? SortOrder::kDateAscending
                   : sort == "-date" ? SortOrder::kDateDescending
                                     : SortOrder::kRelevance;
  out->now = now;
  out->now_given = now_given;
  out->context = context;
  auto analyzer = Analyzer::Create(context.analyzer_options);
  if (!analyzer.ok()) return analyzer.status();
  auto q = CompileForIndex(text, **analyzer, context, now, lenient, &out->read);
  if (!q.ok()) return q.status();
  out->query = std::move(*q);
  out->index = std::move(index);
  return Status::OK();
}

int PrepareQuery(const std::string& cmd, const std::string& db, const std::vector<std::string>& query_parts,
                 const std::string& now, bool lenient, bool json, const std::string& sort, PreparedQuery* out,
                 bool json_lines) {
  out->text = Join(query_parts, " ");
  out->read.sort = sort == "date"    ? SortOrder::kDateAscending
                   : sort == "-date" ? SortOrder::kDateDescending
                                     : SortOrder::kRelevance;
  if (!ParseNow(now, cmd.c_str(), &out->now)) return kExitUsage;
  out->now_given = !now.empty();
  // The index is opened first for its gazetteer (actor aliases) and for how
  // it analyzed its articles (the languages they were stemmed in); failing to
  // open it is reported after the query is checked.
  auto index = Index::Open(db, {.read_only = true});
  if (index.ok()) {
    if (Status s = ReadQueryContext(**index, &out->context); !s.ok()) return Fail("cannot read index " + db, s);
  }
  auto analyzer = Analyzer::Create(out->context.analyzer_options);
  if (!analyzer.ok()) return Fail("analyzer", analyzer.status());
  auto q = CompileForIndex(out->text, **analyzer, out->context, out->now, lenient, &out->read);
  if (!json) PrintDiagnostics(out->text, out->read.diagnostics);  // JSON carries them
  if (!q.ok()) {
    if (json) {
      Json rejected = RejectedQueryJson(out->text, q.status(), out->read.diagnostics, json_lines);
      if (json_lines)
        PrintJsonLine(rejected);
      else
        PrintJson(rejected);
    }
    return kExitUsage;
  }
  out->query = std::move(*q);
  if (!json) PrintReading(out->text, out->read, std::cerr);
  if (!index.ok()) return Fail("cannot open index " + db, index.status());
  out->index = std::move(*index);
  if (!json) PrintResolvedDates(out->read, out->now, out->now_given, std::cerr);
  return -1;
}

}  // namespace loupe::cli
