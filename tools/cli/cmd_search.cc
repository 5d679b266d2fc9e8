// loupe search --db DIR [--limit N] [--offset N] [--format text|json] QUERY
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/common.h"
#include "loupe/query_parser.h"

namespace loupe::cli {

namespace {

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += v[i];
  }
  return s;
}

}  // namespace

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
  if (a.now.empty()) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    now = static_cast<Days>(secs.count() / 86400);  // today, UTC
  } else if (!ParseIsoDate(a.now, &now)) {
    std::cerr << "loupe: search: --now expects a day as YYYY-MM-DD (e.g. --now 2025-09-20), not '" << a.now << "'\n";
    return kExitUsage;
  }
  plan.now = now;
  auto q = CompileQuery(query, **analyzer, plan);
  if (!q.ok()) {
    PrintQueryError(query, q.status());
    return kExitUsage;
  }
  auto index = Index::Open(a.db, {.read_only = true});
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
      const Document& d = h.document;
      hits.push_back({{"id", d.id},
                      {"path", d.path},
                      {"title", d.title},
                      {"date", d.date ? nlohmann::ordered_json(FormatIsoDate(*d.date)) : nlohmann::ordered_json(nullptr)},
                      {"author", d.author},
                      {"actors", d.actors},
                      {"topics", d.topics},
                      {"score", h.score}});
    }
    nlohmann::ordered_json out = {{"query", query}, {"total", res->total}, {"hits", hits}};
    if (!res->warnings.empty()) out["warnings"] = res->warnings;
    if (!resolved.empty()) out["resolved_dates"] = resolved;
    std::cout << out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
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
