// loupe timeline --db DIR [--by day|week|month|year] [--facet actor|topic|author]
//                [--top N] [--svg FILE] [--format text|json] QUERY
//
// The volume of matches over time: a date facet over every match of the
// query (optionally split per actor, topic or author), drawn as a bar chart.
// An article counts under each of its values, so split bars can add up to
// more than the bucket's articles; the chart says so. Far outliers (see
// ListDates) are named under the chart rather than drawn.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <span>

#include "cli/chart.h"
#include "cli/common.h"

namespace loupe::cli {
namespace {

// More bars than a screen or two holds: the chart is still drawn whole (a chart with bars
// left out would mislead), with a warning that a wider unit draws fewer.
constexpr size_t kManyBars = 200;

}  // namespace

int RunTimeline(const TimelineArgs& a) {
  const bool json = a.format == "json";
  PreparedQuery p;
  if (int rc = PrepareQuery("timeline", a.db, a.query_parts, a.now, a.lenient, json, "relevance", &p); rc >= 0)
    return rc;
  FacetRequest r;
  r.field = FacetField::kDate;
  r.unit = a.by == "day" ? DateUnit::kDay : a.by == "week" ? DateUnit::kWeek : a.by == "year" ? DateUnit::kYear
                                                                                            : DateUnit::kMonth;
  if (!a.facet.empty()) {
    r.split = true;
    r.split_field = a.facet == "topic" ? FacetField::kTopic : a.facet == "author" ? FacetField::kAuthor
                                                                                   : FacetField::kActor;
    r.split_top = a.top;
  }
  SearchOptions options{.limit = 0};
  options.facets = {r};
  options.facet_name = ActorNames(p.gazetteer.get());
  auto res = p.index->Search(p.query, options);
  if (!res.ok()) return Fail("search failed", res.status());
  if (!json)
    for (const std::string& w : CountRepeats(res->warnings)) std::cerr << "loupe: warning: " << w << "\n";
  const FacetResult& f = res->facets.at(0);
  // Far outliers (one article dated in the year 102) are named apart, not drawn with the
  // empty buckets between them and the rest.
  const DateListing dates = ListDates(f);
  if (!json && dates.hi - dates.lo > kManyBars) {
    const char* wider = a.by == "day" ? "week, month or year" : a.by == "week" ? "month or year" : "year";
    std::cerr << "loupe: warning: " << dates.hi - dates.lo << " bars"
              << (a.by == "year" ? "" : std::string("; --by ") + wider + " draws fewer") << "\n";
  }
  if (f.gaps_left_out && !json)
    std::cerr << "loupe: warning: the matches span more than 5000 " << a.by
              << "s: only the non-empty ones are drawn, so the bars are not evenly spaced in time; use a wider --by\n";

  // One series per split value, plus "other" for the matches of the rest and
  // of none; without a split, one series of the totals.
  Chart chart;
  chart.title = p.text + " \xE2\x80\x94 articles per " + a.by;  // —
  chart.unit = a.by;
  const std::span<const FacetCount> drawn(f.counts.data() + dates.lo, dates.hi - dates.lo);
  for (const FacetCount& c : drawn) chart.labels.push_back(c.value);
  if (f.split_values.empty()) {
    ChartSeries s;
    for (const FacetCount& c : drawn) s.values.push_back(c.count);
    chart.series.push_back(std::move(s));
  } else {
    for (size_t k = 0; k < f.split_values.size(); ++k) {
      ChartSeries s;
      s.name = TerminalSafe(f.split_values[k]);
      for (const FacetCount& c : drawn) s.values.push_back(c.split[k]);
      chart.series.push_back(std::move(s));
    }
    // Each value's segments hold every article naming it, so an article naming
    // two of them is drawn twice; "other" holds the bucket's articles naming none.
    ChartSeries other{"other", {}};
    bool any = false;
    for (const FacetCount& c : drawn) {
      other.values.push_back(c.split_none);
      any |= c.split_none > 0;
    }
    if (any) chart.series.push_back(std::move(other));
    // An article has one author, but may name several actors or topics.
    if (a.facet != "author")
      chart.note = "an article counts under each of its " + a.facet + "s; bars may add up to more than the total";
  }

  if (!a.svg.empty()) {
    std::ofstream out(a.svg, std::ios::binary | std::ios::trunc);
    out << RenderSvg(chart);
    out.close();
    if (!out) {
      std::cerr << "loupe: timeline: cannot write " << a.svg << " (check the folder exists and is writable)\n";
      return kExitIndex;
    }
  }
  if (json) {
    nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
    for (size_t i = 0; i < f.counts.size(); ++i) {
      if ((i < dates.lo || i >= dates.hi) && !std::count(dates.outliers.begin(), dates.outliers.end(), i)) continue;
      const FacetCount& c = f.counts[i];
      nlohmann::ordered_json b = {{"bucket", c.value}, {"from", FormatIsoDate(c.first_day)}, {"count", c.count}};
      if (!f.split_values.empty()) {
        nlohmann::ordered_json by = nlohmann::ordered_json::object();
        for (size_t k = 0; k < f.split_values.size(); ++k) by[f.split_values[k]] = c.split[k];
        b["by_" + a.facet] = by;
        b["other"] = c.split_none;  // articles naming none of them
      }
      buckets.push_back(std::move(b));
    }
    nlohmann::ordered_json out = {{"query", p.text}, {"by", a.by}, {"total", res->total},
                                  {"undated", f.missing}, {"buckets", buckets}};
    if (f.gaps_left_out) out["empty_buckets_left_out"] = true;
    if (!dates.outliers.empty()) {
      nlohmann::ordered_json o = nlohmann::ordered_json::array();
      for (size_t i : dates.outliers) o.push_back(f.counts[i].value);
      out["outliers"] = o;
    }
    if (!a.facet.empty()) out[a.facet] = f.split_values;
    if (!a.svg.empty()) out["svg"] = a.svg;
    if (!p.diagnostics.empty()) out["diagnostics"] = DiagnosticsJson(p.text, p.diagnostics);
    PrintJson(out);
  } else {
    std::cout << RenderTerminalChart(chart, a.width, UseColor(a.color));
    if (!dates.outliers.empty()) {
      std::cout << "outliers (not drawn): ";
      for (size_t k = 0; k < dates.outliers.size(); ++k)
        std::cout << (k ? ", " : "") << TerminalSafe(f.counts[dates.outliers[k]].value) << " ("
                  << f.counts[dates.outliers[k]].count << ")";
      std::cout << "\n";
    }
    std::cout << res->total << " matching article" << (res->total == 1 ? "" : "s");
    if (f.missing) std::cout << ", " << f.missing << " undated (not drawn)";
    std::cout << "\n";
    if (!a.svg.empty()) std::cout << "wrote " << a.svg << "\n";
  }
  if (res->total == 0) {
    if (!json) std::cerr << "loupe: no documents match: " << p.text << "\n";
    return kExitNoHits;
  }
  return kExitOk;
}

}  // namespace loupe::cli
