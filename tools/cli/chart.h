// Bar charts of match counts over ordered time buckets, for the CLI: a Unicode
// block-character chart for terminals and a standalone SVG document for files.
//
//   #include "cli/chart.h"
//
//   loupe::cli::Chart chart;
//   chart.title = "actor:Bessent — articles per month";
//   chart.unit = "month";
//   chart.labels = {"2025-01", "2025-02", "2025-03"};
//   chart.series = {{"", {4, 0, 12}}};
//   std::cout << loupe::cli::RenderTerminalChart(chart, 40, /*color=*/isatty(1));
//   std::ofstream("chart.svg") << loupe::cli::RenderSvg(chart);
//
// Both renderers are pure functions of their arguments. Labels and series names
// may be arbitrary UTF-8 from the index: invalid sequences and control characters
// are replaced before output, so neither a terminal nor an XML parser ever sees
// them raw.
#ifndef LOUPE_TOOLS_CLI_CHART_H_
#define LOUPE_TOOLS_CLI_CHART_H_

#include <cstdint>
#include <string>
#include <vector>

namespace loupe::cli {

// A bar chart of counts over ordered buckets (e.g. months), optionally stacked by series.
struct ChartSeries {
  std::string name;              // legend label, e.g. "Scott Bessent"; "" when there is one series
  std::vector<uint64_t> values;  // one per bucket (same size as Chart::labels)
};

struct Chart {
  std::string title;                // e.g. "actor:Bessent — articles per month"
  std::string unit;                 // bucket unit word for the axis caption, e.g. "month"
  std::vector<std::string> labels;  // bucket labels in order, e.g. "2025-01", "2025-W38", "2025-09-15", "2025"
  std::vector<ChartSeries> series;  // stacked in this order; at least one
  // A line under the legend saying how to read the bars, e.g. that segments may overlap; "" for none.
  std::string note;
};

// Horizontal bars, one line per bucket: label column, a vertical axis line, the bar drawn with
// Unicode block elements (full block plus the eighth blocks ▏▎▍▌▋▊▉ for the fractional end),
// scaled so the largest bucket total fills `width` columns of bar, and the total count at the
// end of each bar. Below: an axis line with 0, the middle and the maximum marked, and a caption
// ("articles per <unit>"). With several series, each series gets its own colour (ANSI 256-colour)
// when `color` is true, and distinct fill characters (█ ▓ ▒ ░ ...) when false, plus a legend line
// naming each series with its colour/fill; a single series gets the legend too when it has a name.
// The note, if any, follows the legend, wrapped at spaces. Zero buckets still get a line (label, axis, "0").
// No line is wider than label width + width + count width + 3 display columns; the title is
// shortened and the legend wrapped to fit.
std::string RenderTerminalChart(const Chart& chart, int width, bool color);

// A standalone SVG 1.1 document (xmlns set, width/height attributes = the given pixels, a viewBox):
// white background, the title at the top, vertical stacked bars, a y axis with 4-6 "nice" ticks
// (1, 2, 5 x 10^n steps) and horizontal grid lines, x-axis labels (thinned so they never overlap:
// every k-th label when there are many; rotated -45° when long), axis captions, a legend when
// there are several series or one with a name, the note under it, a distinct colour per series from a fixed
// colour-blind-safe palette (Okabe-Ito), and a <title> tooltip per bar segment ("2025-09: 12"). All text is
// XML-escaped. Valid with empty data too: all zeros or zero buckets draw the axes and "no matches".
std::string RenderSvg(const Chart& chart, int width = 960, int height = 480);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_CHART_H_
