#include "cli/json_output.h"

#include <algorithm>
#include <climits>

namespace loupe::cli {

Json ArticleJson(const Document& d) {
  return {{"id", ShownId(d.id, false)}, {"path", ShownId(d.path, false)},
          {"title", d.title},           {"date", d.date ? Json(FormatIsoDate(*d.date)) : Json(nullptr)},
          {"author", d.author},         {"actors", d.actors},
          {"topics", d.topics}};
}

Json ToJson(const IndexResult& r) {
  Json skipped = Json::array(), warnings = Json::array();
  for (const FileNote& k : r.skipped)
    skipped.push_back({{"path", ShownId(k.path, false)}, {"reason", ShownId(k.message, false)}});
  for (const FileNote& w : r.warnings)
    warnings.push_back({{"path", ShownId(w.path, false)}, {"message", ShownId(w.message, false)}});
  Json out = {{"files",
               {{"added", r.added},
                {"updated", r.updated},
                {"deleted", r.deleted},
                {"unchanged", r.unchanged},
                {"skipped", r.skipped.size()},
                {"hidden", r.hidden},
                {"other_formats", r.other_formats}}},
              {"articles", {{"indexed", r.articles}, {"removed", r.removed}}},
              {"bytes_read", r.bytes_read},
              {"milliseconds", r.milliseconds},
              {"skipped", skipped},
              {"warnings", warnings},
              {"index",
               {{"path", r.db},
                {"documents", r.index.documents},
                {"terms", r.index.terms},
                {"size_bytes", r.index.size_bytes}}}};
  out["tagging"] = Json::object();
  for (const auto& [key, from] : r.tagging) out["tagging"][key] = from;
  if (r.report_candidates) {
    out["candidates"] = Json::array();
    for (const auto& [name, count] : r.candidates) out["candidates"].push_back({{"name", name}, {"articles", count}});
  }
  return out;
}

Json SnippetJson(const Snippet& s) {
  // Offsets for JSON readers are in Unicode code points (Python's str
  // indices); the library's are bytes.
  auto cp = [&](size_t byte) {
    size_t n = 0;
    for (size_t i = 0; i < byte && i < s.text.size(); ++i) n += (static_cast<unsigned char>(s.text[i]) & 0xC0) != 0x80;
    return n;
  };
  Json hl = Json::array();
  for (const Highlight& h : s.highlights)
    hl.push_back({{"start", cp(h.begin)}, {"end", cp(h.end)}, {"text", s.text.substr(h.begin, h.end - h.begin)}});
  return {{"text", s.text}, {"highlights", hl}, {"matched", s.matched}};
}

// Date facets list every non-empty bucket but leave out the empty ones between an outlier
// and the rest, so that one wrong year does not add two thousand lines.
Json FacetsJson(const std::vector<FacetResult>& facets) {
  Json out = Json::object();
  for (const FacetResult& f : facets) {
    const bool date = f.name.rfind("date", 0) == 0;
    Json counts = Json::array();
    auto add = [&](const FacetCount& c) {
      Json j = {{"value", c.value}, {"count", c.count}};
      if (date) j["from"] = FormatIsoDate(c.first_day);
      counts.push_back(std::move(j));
    };
    DateListing d;
    if (date) {
      d = ListDates(f);
      for (size_t i = 0; i < f.counts.size(); ++i)
        if ((i >= d.lo && i < d.hi) || std::count(d.outliers.begin(), d.outliers.end(), i)) add(f.counts[i]);
    } else {
      for (const FacetCount& c : f.counts) add(c);
    }
    out[f.name] = {{"counts", counts}, {"distinct", f.distinct}, {"missing", f.missing}};
    if (f.gaps_left_out) out[f.name]["empty_buckets_left_out"] = true;
    if (!d.outliers.empty()) {
      Json o = Json::array();
      for (size_t i : d.outliers) o.push_back(f.counts[i].value);
      out[f.name]["outliers"] = o;
    }
  }
  return out;
}

Json HitJson(const SearchHit& h, bool collapse) {
  Json hit = ArticleJson(h.hit.document);
  hit["score"] = h.hit.score;
  if (h.snippet) hit["snippet"] = SnippetJson(*h.snippet);
  if (collapse) hit["copies"] = h.hit.copies;
  return hit;
}

namespace {

// The search's summary: everything but the hits, which `hits` (when set) are
// placed among as --format json has them.
Json SearchSummary(const SearchResult& r, const Json* hits) {
  Json out = Json::object();
  if (!hits) out["type"] = "summary";
  out["query"] = r.query;
  if (r.reading != r.query) out["reading"] = r.reading;
  out["total"] = r.total;
  if (hits) out["hits"] = *hits;
  if (r.facets_asked) out["facets"] = FacetsJson(r.facets);
  out["next_cursor"] = r.next_cursor.empty() ? Json(nullptr) : Json(r.next_cursor);
  out["generation"] = r.generation;
  if (!r.suggestion.query.empty())
    out["did_you_mean"] = {
        {"query", r.suggestion.query}, {"total", r.suggestion_total}, {"changes", r.suggestion.changes}};
  if (!r.diagnostics.empty()) out["diagnostics"] = DiagnosticsJson(r.query, r.diagnostics);
  if (!r.warnings.empty()) out["warnings"] = CountRepeats(r.warnings);
  if (!r.resolved_dates.empty()) out["resolved_dates"] = r.resolved_dates;
  return out;
}

}  // namespace

Json ToJson(const SearchResult& r) {
  Json hits = Json::array();
  for (const SearchHit& h : r.hits) hits.push_back(HitJson(h, r.collapse));
  return SearchSummary(r, &hits);
}

std::vector<Json> ToJsonLines(const SearchResult& r) {
  std::vector<Json> lines;
  for (const SearchHit& h : r.hits) {
    Json line = {{"type", "hit"}};
    line.update(HitJson(h, r.collapse));
    lines.push_back(std::move(line));
  }
  lines.push_back(SearchSummary(r, nullptr));
  return lines;
}

Json RejectedQueryJson(const std::string& query, const Status& error, const std::vector<Diagnostic>& diagnostics,
                       bool json_lines) {
  Json rejected = Json::object();
  if (json_lines) rejected["type"] = "error";
  rejected["query"] = query;
  rejected["error"] = error.message();
  rejected["diagnostics"] = DiagnosticsJson(query, diagnostics);
  return rejected;
}

Json ToJson(const TimelineResult& r) {
  const FacetResult& f = r.dates;
  const DateListing& dates = r.listing;
  Json buckets = Json::array();
  for (size_t i = 0; i < f.counts.size(); ++i) {
    if ((i < dates.lo || i >= dates.hi) && !std::count(dates.outliers.begin(), dates.outliers.end(), i)) continue;
    const FacetCount& c = f.counts[i];
    Json b = {{"bucket", c.value}, {"from", FormatIsoDate(c.first_day)}, {"count", c.count}};
    if (!f.split_values.empty()) {
      Json by = Json::object();
      for (size_t k = 0; k < f.split_values.size(); ++k) by[f.split_values[k]] = c.split[k];
      b["by_" + r.facet] = by;
      b["other"] = c.split_none;  // articles naming none of them
    }
    buckets.push_back(std::move(b));
  }
  Json out = {{"query", r.query}, {"by", r.by}, {"total", r.total}, {"undated", f.missing}, {"buckets", buckets}};
  if (f.gaps_left_out) out["empty_buckets_left_out"] = true;
  if (!dates.outliers.empty()) {
    Json o = Json::array();
    for (size_t i : dates.outliers) o.push_back(f.counts[i].value);
    out["outliers"] = o;
  }
  if (!r.facet.empty()) out[r.facet] = f.split_values;
  if (!r.svg.empty()) out["svg"] = r.svg;
  if (!r.diagnostics.empty()) out["diagnostics"] = DiagnosticsJson(r.query, r.diagnostics);
  return out;
}

namespace {

Json PlanJson(const PlanNode& n) {
  Json node = {{"node", n.node}};
  if (n.matches >= 0) {
    node["matches"] = n.matches;
    if (!n.warnings.empty()) node["warnings"] = n.warnings;
  }
  if (n.expands) {
    Json list = Json::array();
    for (const auto& [term, df] : n.expansions) list.push_back({{"term", term}, {"documents", df}});
    node["expansions"] = list;
  }
  if (!n.children.empty()) {
    Json kids = Json::array();
    for (const PlanNode& c : n.children) kids.push_back(PlanJson(c));
    node["children"] = kids;
  }
  return node;
}

Json TermJson(const TermReading& t) {
  Json terms = Json::object();
  for (const auto& [field, words] : t.terms) terms[field] = words;
  Json entry = {{"text", t.shown}, {"field", t.field}, {"terms", terms}, {"stemmed", t.stemmed}};
  if (!t.actor.empty()) entry["actor"] = t.actor;
  if (!t.by_language.empty()) {
    Json per_language = Json::object();
    for (const auto& [field, languages] : t.by_language) {
      Json by = Json::object();
      for (const auto& [language, words] : languages) by[language] = words;
      per_language[field] = by;
    }
    entry["terms_by_language"] = per_language;
  }
  return entry;
}

}  // namespace

Json ExplanationJson(const Explanation& e) {
  Json j = {{"node", e.node}, {"matched", e.matched}, {"score", e.score}};
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.children.empty()) {
    j["children"] = Json::array();
    for (const Explanation& c : e.children) j["children"].push_back(ExplanationJson(c));
  }
  return j;
}

Json ToJson(const ExplainResult& r) {
  Json out = {{"query", r.query}};
  if (r.reading != r.query) out["reading"] = r.reading;
  out["syntax"] = r.syntax;
  Json terms = Json::array();
  for (const TermReading& t : r.terms) terms.push_back(TermJson(t));
  out["terms"] = terms;
  out["plan"] = PlanJson(r.plan);
  out["sort"] = SortName(r.sort);
  if (!r.diagnostics.empty()) out["diagnostics"] = DiagnosticsJson(r.query, r.diagnostics);
  if (!r.resolved_dates.empty()) out["resolved_dates"] = r.resolved_dates;
  if (r.has_index) out["index"] = r.db;
  if (r.explanation)
    out["document"] = {{"id", ShownId(ParseId(r.doc), false)},
                       {"matched", r.explanation->matched},
                       {"score", r.explanation->score},
                       {"explanation", ExplanationJson(*r.explanation)}};
  return out;
}

Json ToJson(const StatsResult& r) {
  const IndexStats& st = r.stats;
  Json j = {{"documents", st.documents},           {"terms", st.terms},           {"size_bytes", st.size_bytes},
            {"format_version", st.format_version}, {"generation", st.generation}, {"path", r.db}};
  j["languages"] = r.languages;
  j["fold_diacritics"] = r.fold_diacritics;
  j["custom_fields"] = Json::array();
  for (const CustomField& f : r.custom_fields)
    j["custom_fields"].push_back({{"name", f.name}, {"documents", f.documents}});
  if (!r.tagging.empty()) j["tagging"] = r.tagging;
  if (st.unlocked) j["unlocked"] = true;
  j["tables"] = Json::array();
  for (const TableStats& t : st.tables)
    j["tables"].push_back(
        {{"name", t.name}, {"entries", t.entries}, {"bytes", t.bytes}, {"bytes_per_document", t.bytes_per_document}});
  if (!st.partition.empty()) {
    j["partition"] = st.partition;
    j["splits"] = Json::array();
    for (const SplitStats& sp : st.splits)
      j["splits"].push_back({{"name", sp.name},
                             {"first", sp.first == INT32_MIN ? Json(nullptr) : Json(FormatIsoDate(sp.first))},
                             {"last", sp.last == INT32_MIN ? Json(nullptr) : Json(FormatIsoDate(sp.last))},
                             {"documents", sp.documents},
                             {"size_bytes", sp.size_bytes},
                             {"generation", sp.generation},
                             {"sealed", sp.sealed}});
  }
  return j;
}

Json ToJson(const ShowResult& r) {
  const Document& d = r.document;
  Json extra = Json::object();
  for (const auto& [k, v] : d.extra) extra[k] = v;
  Json out = ArticleJson(d);
  out["language"] = d.language;
  out["extra"] = extra;
  out["body"] = d.body;
  return out;
}

Json ToJson(const CheckResult& r) {
  if (!r.report) return {{"db", r.db}, {"ok", false}, {"problems", {r.error}}};
  const CheckReport& c = *r.report;
  return {{"db", r.db},
          {"ok", c.ok()},
          {"problems", c.problems},
          {"more_problems", c.more_problems},
          {"documents", c.documents},
          {"terms", c.terms},
          {"postings", c.postings},
          {"values", c.values}};
}

Json ToJson(const CompactResult& r) {
  return {{"db", r.db},
          {"documents", r.report.documents},
          {"dropped", r.report.dropped},
          {"bytes_before", r.report.bytes_before},
          {"bytes_after", r.report.bytes_after},
          {"milliseconds", r.milliseconds}};
}

Json ToJson(const MergeResult& r) {
  return {{"db", r.db},
          {"into", r.into},
          {"splits", r.splits},
          {"documents", r.report.documents},
          {"bytes_before", r.report.bytes_before},
          {"bytes_after", r.report.bytes_after},
          {"milliseconds", r.milliseconds}};
}

Json ToJson(const BackupResult& r) {
  Json out = {{"db", r.db},
              {"dest", r.dest},
              {"documents", r.copy.documents},
              {"generation", r.copy.generation},
              {"size_bytes", r.copy.size_bytes},
              {"milliseconds", r.milliseconds}};
  if (r.checked)
    out["check"] = {{"ok", r.check.ok()}, {"problems", r.check.problems}, {"more_problems", r.check.more_problems}};
  return out;
}

}  // namespace loupe::cli
