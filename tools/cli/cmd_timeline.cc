// loupe timeline --db DIR [--by day|week|month|year] [--facet actor|topic|author]
//                [--top N] [--svg FILE] [--format text|json] QUERY
//
// The volume of matches over time: a date facet over every match of the
// query (optionally split per actor, topic or author), drawn as a bar chart.
// An article counts under each of its values, so split bars can add up to
// more than the bucket's articles; the chart says so. Far outliers (see
// ListDates) are named under the chart rather than drawn.
#include <fstream>
#include <iostream>
#include <span>

#include "cli/chart.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/results.h"
#include "cli/text_output.h"

namespace loupe::cli {
namespace {

// The date facet --by and --facet ask for.
FacetRequest DateFacet(const TimelineArgs& a) {
  FacetRequest r;
  r.field = FacetField::kDate;
  r.unit = a.by == "day"    ? DateUnit::kDay
           : a.by == "week" ? DateUnit::kWeek
           : a.by == "year" ? DateUnit::kYear
                            : DateUnit::kMonth;
  if (!a.facet.empty()) {
    r.split = true;
    r.split_field = a.facet == "topic"    ? FacetField::kTopic
                    : a.facet == "author" ? FacetField::kAuthor
                                          : FacetField::kActor;
    r.split_top = a.top;
  }
  return r;
}

// One series per split value, plus "other" for the matches of the rest and
// of none; without a split, one series of the totals. Far outliers (one
// article dated in the year 102) are named apart, not drawn with the empty
// buckets between them and the rest.
Chart ChartOf(const TimelineResult& r) {
  const FacetResult& f = r.dates;
  Chart chart;
  chart.title = r.query + " \xE2\x80\x94 articles per " + r.by;  // —
  chart.unit = r.by;
  const std::span<const FacetCount> drawn(f.counts.data() + r.listing.lo, r.listing.hi - r.listing.lo);
  for (const FacetCount& c : drawn) chart.labels.push_back(c.value);
  if (f.split_values.empty()) {
    ChartSeries s;
    for (const FacetCount& c : drawn) s.values.push_back(c.count);
    chart.series.push_back(std::move(s));
    return chart;
  }
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
  if (r.facet != "author")
    chart.note = "an article counts under each of its " + r.facet + "s; bars may add up to more than the total";
  return chart;
}

}  // namespace

Status TimelinePrepared(const TimelineArgs& a, const PreparedQuery& p, TimelineResult* r) {
  SearchOptions options{.limit = 0};
  options.facets = {DateFacet(a)};
  options.deadline = a.deadline;
  options.facet_name = ActorNames(p.context.gazetteer.get());
  auto res = p.index->Search(p.query, options);
  if (!res.ok()) return res.status();
  *r = {.query = p.text,
        .by = a.by,
        .facet = a.facet,
        .diagnostics = p.read.diagnostics,
        .total = res->total,
        .dates = std::move(res->facets.at(0)),
        .warnings = std::move(res->warnings)};
  r->listing = ListDates(r->dates);
  r->chart = ChartOf(*r);
  return Status::OK();
}

int RunTimeline(const TimelineArgs& a) {
  const bool json = a.format == "json";
  PreparedQuery p;
  if (int rc = PrepareQuery("timeline", a.db, a.query_parts, a.now, a.lenient, json, "relevance", &p); rc >= 0)
    return rc;
  TimelineResult r;
  if (Status s = TimelinePrepared(a, p, &r); !s.ok()) return Fail("search failed", s);
  if (!json) PrintTimelineWarnings(r, std::cerr);

  if (!a.svg.empty()) {
    std::ofstream out(a.svg, std::ios::binary | std::ios::trunc);
    out << RenderSvg(r.chart);
    out.close();
    if (!out) {
      std::cerr << "loupe: timeline: cannot write " << a.svg << " (check the folder exists and is writable)\n";
      return kExitIndex;
    }
    r.svg = a.svg;
  }
  if (json)
    PrintJson(ToJson(r));
  else
    PrintTimeline(r, a.width, UseColor(a.color), std::cout);
  if (r.total == 0) {
    if (!json) PrintNoMatches(p.text, std::cerr);
    return kExitNoHits;
  }
  return kExitOk;
}

}  // namespace loupe::cli
