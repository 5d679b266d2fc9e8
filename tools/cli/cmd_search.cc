// loupe search --db DIR [--limit N] [--offset N] [--format text|json] QUERY
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "cli/common.h"
#include "loupe/query_parser.h"

namespace loupe::cli {

int RunSearch(const SearchArgs& a) {
  std::string query = Join(a.query_parts, " ");
  if (a.format != "text" && a.format != "json") {
    std::cerr << "loupe: search: --format must be text or json, not '" << a.format << "'\n";
    return kExitUsage;
  }
  auto analyzer = Analyzer::Create();
  if (!analyzer.ok()) return Fail("analyzer", analyzer.status());
  PlanOptions plan;
  std::vector<std::string> resolved;
  plan.resolved = &resolved;
  SortOrder order = a.sort == "date"    ? SortOrder::kDateAscending
                    : a.sort == "-date" ? SortOrder::kDateDescending
                                        : SortOrder::kRelevance;
  plan.sort = &order;
  Days now;
  if (!ParseNow(a.now, "search", &now)) return kExitUsage;
  plan.now = now;
  plan.lenient = a.lenient;
  std::vector<Diagnostic> diagnostics;
  plan.diagnostics = &diagnostics;
  std::string reading;
  plan.reading = &reading;
  // The index is opened first for its gazetteer (actor aliases); failing to
  // open it is reported after the query is checked.
  auto index = Index::Open(a.db, {.read_only = true});
  std::unique_ptr<Gazetteer> gazetteer = index.ok() ? LoadGazetteer(**index) : nullptr;
  plan.gazetteer = gazetteer.get();
  auto q = CompileQuery(query, **analyzer, plan);
  if (a.format != "json") PrintDiagnostics(query, diagnostics);  // JSON carries them
  if (!q.ok()) {
    if (a.format == "json")
      PrintJson({{"query", query}, {"error", q.status().message()}, {"diagnostics", DiagnosticsJson(query, diagnostics)}});
    return kExitUsage;
  }
  if (reading != query && a.format != "json") std::cerr << "loupe: searching for: " << reading << "\n";
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  auto res = (*index)->Search(*q, {.limit = a.limit, .offset = a.offset, .sort = order});
  if (!res.ok()) return Fail("search failed", res.status());
  for (const std::string& w : res->warnings) std::cerr << "loupe: warning: " << w << "\n";
  if (!resolved.empty() && a.format != "json") {
    std::cerr << "loupe: relative dates counted back from " << FormatIsoDate(now)
              << (a.now.empty() ? " (today; set another day with --now)" : "") << ":";
    for (const std::string& r : resolved) std::cerr << " " << r << ";";
    std::cerr << "\n";
  }

  if (a.format == "json") {
    nlohmann::ordered_json hits = nlohmann::ordered_json::array();
    for (const Hit& h : res->hits) {
      nlohmann::ordered_json hit = ArticleJson(h.document);
      hit["score"] = h.score;
      hits.push_back(std::move(hit));
    }
    nlohmann::ordered_json out = {{"query", query}};
    if (reading != query) out["reading"] = reading;
    out["total"] = res->total;
    out["hits"] = hits;
    if (!diagnostics.empty()) out["diagnostics"] = DiagnosticsJson(query, diagnostics);
    if (!res->warnings.empty()) out["warnings"] = res->warnings;
    if (!resolved.empty()) out["resolved_dates"] = resolved;
    PrintJson(out);
  } else {
    size_t rank = a.offset;
    for (const Hit& h : res->hits) {
      const Document& d = h.document;
      char score[32];
      std::snprintf(score, sizeof score, "%.3f", h.score);
      std::cout << ++rank << ". " << (d.date ? FormatIsoDate(*d.date) : std::string("(undated) ")) << "  "
                << d.title << "\n";
      if (!d.actors.empty()) std::cout << "   actors: " << Join(d.actors, "; ") << "\n";
      if (!d.topics.empty()) std::cout << "   topics: " << Join(d.topics, "; ") << "\n";
      std::cout << "   " << d.id << "  score " << score << "\n";
    }
    if (res->total > 0) {
      std::cout << (res->hits.empty() ? "no hits on this page; " : "") << res->total << " hit"
                << (res->total == 1 ? "" : "s") << " in total";
      if (!res->hits.empty()) std::cout << ", showing " << a.offset + 1 << "-" << a.offset + res->hits.size();
      std::cout << "\n";
    }
  }
  if (res->total == 0) {
    std::cerr << "loupe: no documents match: " << query << "\n";
    return kExitNoHits;
  }
  return kExitOk;
}

}  // namespace loupe::cli
