#include "cli/chart.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "util/utf8.h"

namespace loupe::cli {
namespace {

// ---------------------------------------------------------------------------
// UTF-8 and display columns
// ---------------------------------------------------------------------------

constexpr uint32_t kReplacement = 0xFFFD;

// Decodes the code point at s[*i] and advances *i past it. A malformed byte yields U+FFFD
// and consumes one byte, so decoding always makes progress and never reads past the end.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  size_t len;
  const int32_t cp = Utf8At(s, *i, &len);
  *i += len ? len : 1;
  return cp == kBadUtf8 ? kReplacement : static_cast<uint32_t>(cp);
}

void AppendUtf8(uint32_t cp, std::string* out) {
  uint8_t buf[U8_MAX_LENGTH];
  size_t n = 0;
  U8_APPEND_UNSAFE(buf, n, cp);
  out->append(reinterpret_cast<const char*>(buf), n);
}

// Labels and names come from indexed documents. Raw control characters could drive the
// terminal (escape sequences) or make the SVG ill-formed XML, and bidi overrides would
// scramble the label column, so they are replaced; whitespace controls become spaces.
std::string Clean(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = NextCodePoint(s, &i);
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      cp = ' ';
    } else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || (cp >= 0x202A && cp <= 0x202E) ||
               (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFFFE || cp == 0xFFFF) {
      cp = kReplacement;
    }
    AppendUtf8(cp, &out);
  }
  return out;
}

int DisplayWidth(std::string_view s) { return static_cast<int>(DisplayColumns(s)); }

// s cut to at most max_cols columns, ending in "…" when something was cut.
std::string Truncate(const std::string& s, int max_cols) {
  if (DisplayWidth(s) <= max_cols) return s;
  if (max_cols <= 0) return "";
  std::string out;
  int w = 0;
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    int cw = CodePointColumns(static_cast<int32_t>(NextCodePoint(s, &i)));
    if (w + cw > max_cols - 1) break;
    out.append(s, start, i - start);
    w += cw;
  }
  return out + "…";
}

std::string PadRight(const std::string& s, int cols) {
  return s + std::string(static_cast<size_t>(std::max(0, cols - DisplayWidth(s))), ' ');
}

// ---------------------------------------------------------------------------
// Chart data, normalised once for both renderers
// ---------------------------------------------------------------------------

struct Table {
  std::vector<std::string> labels;            // cleaned
  std::vector<std::string> names;             // cleaned, one per series (at least one)
  std::vector<std::vector<uint64_t>> values;  // [series][bucket], exactly labels.size() wide
  std::vector<uint64_t> totals;               // per bucket
  uint64_t max = 0;                           // largest total
};

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

// Tolerates callers that break the documented shape (no series, short or long value
// vectors) by treating missing values as zero, since a chart is never worth a crash.
Table Normalize(const Chart& chart) {
  Table t;
  for (const std::string& l : chart.labels) t.labels.push_back(Clean(l));
  size_t n = t.labels.size();
  for (const ChartSeries& s : chart.series) {
    t.names.push_back(Clean(s.name));
    std::vector<uint64_t> v = s.values;
    v.resize(n, 0);
    t.values.push_back(std::move(v));
  }
  if (t.names.empty()) {
    t.names.emplace_back();
    t.values.emplace_back(n, 0);
  }
  t.totals.assign(n, 0);
  for (const auto& v : t.values)
    for (size_t i = 0; i < n; ++i) t.totals[i] = SaturatingAdd(t.totals[i], v[i]);
  for (uint64_t total : t.totals) t.max = std::max(t.max, total);
  return t;
}

std::string Caption(const std::string& unit) { return unit.empty() ? "articles" : "articles per " + unit; }

// ---------------------------------------------------------------------------
// Terminal
// ---------------------------------------------------------------------------

// kEighths[k] is a left-aligned block k/8 of a column wide.
constexpr const char* kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"};
// Fills told apart without colour. Shades have no partial forms, so bars drawn with them
// are rounded to whole columns.
constexpr const char* kFills[] = {"█", "▓", "▒", "░", "▚", "▞", "▄", "▀"};
// ANSI 256-colour approximations of the SVG palette below, in the same order, so a series
// looks alike in both outputs.
constexpr int kAnsiColors[] = {32, 214, 36, 175, 74, 166, 227, 246, 24, 136, 29, 132, 67, 130, 142, 240};
constexpr size_t kPaletteSize = sizeof(kAnsiColors) / sizeof(kAnsiColors[0]);
constexpr size_t kFillCount = sizeof(kFills) / sizeof(kFills[0]);
constexpr const char* kReset = "\x1b[0m";

std::string Sgr(int fg, int bg) {
  std::string s = "\x1b[38;5;" + std::to_string(fg);
  if (bg >= 0) s += ";48;5;" + std::to_string(bg);
  return s + "m";
}

// The first series whose cumulative end is past unit u (series with no units never match).
size_t SeriesAt(const std::vector<int64_t>& ends, int64_t u) {
  for (size_t s = 0; s < ends.size(); ++s)
    if (ends[s] > u) return s;
  return ends.size() - 1;
}

// One bar. ends[s] is where series s stops, in units of 1/units_per_cell column (8 for
// eighth blocks, 1 for whole columns); series s starts where s - 1 ends.
std::string DrawBar(const std::vector<int64_t>& ends, int64_t units_per_cell, bool color) {
  const int64_t end = ends.back();
  const bool several = ends.size() > 1;
  std::string out, state;
  for (int64_t lo = 0; lo < end; lo += units_per_cell) {
    const int64_t hi = std::min(lo + units_per_cell, end);
    const size_t first = SeriesAt(ends, lo), last = SeriesAt(ends, hi - 1);
    std::string glyph, sgr;
    if (units_per_cell == 1) {
      glyph = several ? kFills[first % kFillCount] : kEighths[8];
    } else if (first == last || !color) {
      glyph = kEighths[hi - lo];
      if (color) sgr = Sgr(kAnsiColors[first % kPaletteSize], -1);
    } else if (hi - lo == units_per_cell) {
      // A full column where one series gives way to the next: the eighth block draws the
      // first in the foreground colour and the background colour shows the next through.
      glyph = kEighths[ends[first] - lo];
      sgr = Sgr(kAnsiColors[first % kPaletteSize], kAnsiColors[last % kPaletteSize]);
    } else {
      // The partial last column has no background to spare; it takes the larger share.
      size_t major = ends[first] - lo >= hi - ends[first] ? first : last;
      glyph = kEighths[hi - lo];
      sgr = Sgr(kAnsiColors[major % kPaletteSize], -1);
    }
    if (sgr != state) {
      if (!state.empty() && state.find(";48;") != std::string::npos) out += kReset;
      out += sgr;
      state = sgr;
    }
    out += glyph;
  }
  if (!state.empty()) out += kReset;
  return out;
}

// Writes s into row at column col (ASCII only), growing the row as needed.
void Place(std::string* row, size_t col, const std::string& s) {
  if (row->size() < col + s.size()) row->resize(col + s.size(), ' ');
  row->replace(col, s.size(), s);
}

// The series' legend label: its name, or "series N" (1-based) when it has none.
std::string SeriesName(const Table& t, size_t s) {
  return t.names[s].empty() ? "series " + std::to_string(s + 1) : t.names[s];
}

// A named series gets a legend even when it is the only one: which value the bars count is
// then still said.
bool HasLegend(const Table& t) { return t.names.size() > 1 || !t.names[0].empty(); }

// The columns of a terminal chart line: label, " │", bar, " ", count.
struct TermLayout {
  int width = 1;       // columns of the longest bar
  int label_w = 0;     // the widest label
  int count_w = 1;     // the widest total
  int line_w = 0;      // the whole line
  std::string indent;  // blanks as wide as the label column and its space
};

TermLayout LayoutTerminal(const Table& t, int width) {
  TermLayout l;
  l.width = width;
  for (const std::string& label : t.labels) l.label_w = std::max(l.label_w, DisplayWidth(label));
  for (uint64_t total : t.totals) l.count_w = std::max(l.count_w, static_cast<int>(std::to_string(total).size()));
  l.line_w = l.label_w + 2 + width + 1 + l.count_w;
  l.indent.assign(static_cast<size_t>(l.label_w + 1), ' ');
  return l;
}

// Where the legend and the note go: indented past the label column when that leaves them
// at least 20 columns, else over the whole line width.
struct TextColumn {
  int avail;         // columns for text
  std::string lead;  // put before each line
};

TextColumn LegendColumn(const TermLayout& l) {
  const int avail = l.line_w - static_cast<int>(l.indent.size()) >= 20 ? l.line_w - l.label_w - 1 : l.line_w;
  return {avail, avail == l.line_w ? "" : l.indent};
}

// One swatch and name per series. Items wrap to the line width; an item too long for a line
// of its own is shortened.
void AppendTerminalLegend(const Table& t, const TermLayout& l, bool color, std::string* out) {
  const TextColumn column = LegendColumn(l);
  std::string line;
  int used = 0;
  for (size_t s = 0; s < t.names.size(); ++s) {
    const std::string name = Truncate(SeriesName(t, s), column.avail - 2);
    const int item_w = 2 + DisplayWidth(name);
    const std::string swatch = color ? Sgr(kAnsiColors[s % kPaletteSize], -1) + "█" + kReset : kFills[s % kFillCount];
    if (used > 0 && used + 2 + item_w > column.avail) {
      *out += column.lead + line + "\n";
      line.clear();
      used = 0;
    }
    if (used > 0) {
      line += "  ";
      used += 2;
    }
    line += swatch + " " + name;
    used += item_w;
  }
  *out += column.lead + line + "\n";
}

// The note (already cleaned), wrapped at spaces to the line width, under the legend.
void AppendTerminalNote(const std::string& note, const TermLayout& l, std::string* out) {
  if (note.empty()) return;
  const TextColumn column = LegendColumn(l);
  std::string line;
  size_t start = 0;
  while (start < note.size()) {
    size_t space = note.find(' ', start);
    if (space == std::string::npos) space = note.size();
    const std::string word = note.substr(start, space - start);
    start = space + 1;
    if (!line.empty() && DisplayWidth(line) + 1 + DisplayWidth(word) > column.avail) {
      *out += column.lead + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + Truncate(word, column.avail);
  }
  if (!line.empty()) *out += column.lead + line + "\n";
}

// Where each series' segment of bucket i's bar ends, in the bar's units: `full` is the length
// of the largest total. REQUIRES: t.totals[i] > 0.
std::vector<int64_t> SegmentEnds(const Table& t, size_t i, long double full) {
  std::vector<int64_t> ends;
  uint64_t cum = 0;
  for (const auto& v : t.values) {
    cum = SaturatingAdd(cum, v[i]);
    ends.push_back(std::llround(static_cast<long double>(cum) * full / static_cast<long double>(t.max)));
  }
  // A non-zero count must never look like a zero one.
  ends.back() = std::max<int64_t>(ends.back(), 1);
  return ends;
}

// One line per bucket: label, axis line, bar, total.
void AppendTerminalBars(const Table& t, const TermLayout& l, bool color, std::string* out) {
  // Without colour, several series are told apart by shade characters, which come only
  // in whole columns; otherwise bars are measured in eighths of a column.
  const int64_t units_per_cell = t.names.size() > 1 && !color ? 1 : 8;
  const long double full = static_cast<long double>(l.width) * units_per_cell;
  for (size_t i = 0; i < t.labels.size(); ++i) {
    std::string line = PadRight(t.labels[i], l.label_w) + " │";
    if (t.totals[i] > 0) line += DrawBar(SegmentEnds(t, i, full), units_per_cell, color);
    *out += line + " " + std::to_string(t.totals[i]) + "\n";
  }
}

// Marks the maximum, and the middle when it fits between 0 and the maximum, on the axis rule
// (one entry per bar column) and in the numbers line under it. Column 0 of `numbers` is the
// axis corner; bar column c is column c + 1 and ends at the maximum's boundary.
void MarkAxis(uint64_t max, int width, std::vector<std::string>* rule, std::string* numbers) {
  if (max == 0) return;
  const std::string max_s = std::to_string(max);
  const size_t max_col = std::max<size_t>(2, static_cast<size_t>(width) + 1 - std::min<size_t>(max_s.size(), width));
  Place(numbers, max_col, max_s);
  rule->back() = "┬";
  const uint64_t mid = max / 2;
  const int64_t mid_cell = std::llround(static_cast<long double>(mid) * width / max) - 1;
  if (mid > 0 && mid_cell >= 0 && mid_cell < width - 1) {
    const std::string mid_s = std::to_string(mid);
    const int64_t start = mid_cell + 1 - static_cast<int64_t>(mid_s.size() - 1) / 2;
    if (start >= 2 && start + static_cast<int64_t>(mid_s.size()) < static_cast<int64_t>(max_col)) {
      Place(numbers, static_cast<size_t>(start), mid_s);
      (*rule)[static_cast<size_t>(mid_cell)] = "┬";
    }
  }
}

// The axis under the bars with 0, the middle and the maximum marked, then the caption.
void AppendTerminalAxis(const Table& t, const TermLayout& l, const std::string& unit, std::string* out) {
  std::vector<std::string> rule(static_cast<size_t>(l.width), "─");
  std::string numbers = "0";
  MarkAxis(t.max, l.width, &rule, &numbers);
  *out += l.indent + "└";
  for (const std::string& r : rule) *out += r;
  *out += "\n" + l.indent + numbers + "\n";
  const std::string caption = Caption(unit);
  const int caption_w = DisplayWidth(caption);
  *out += (l.label_w + 1 + caption_w <= l.line_w
               ? l.indent
               : std::string(static_cast<size_t>(std::max(0, l.line_w - caption_w)), ' ')) +
          Truncate(caption, l.line_w) + "\n";
}

}  // namespace

std::string RenderTerminalChart(const Chart& chart, int width, bool color) {
  const Table t = Normalize(chart);
  const TermLayout layout = LayoutTerminal(t, std::max(width, 1));
  std::string out;
  const std::string title = Clean(chart.title);
  if (!title.empty()) out += Truncate(title, layout.line_w) + "\n";
  if (t.labels.empty()) return out + "no matches\n";
  if (HasLegend(t)) AppendTerminalLegend(t, layout, color, &out);
  AppendTerminalNote(Clean(chart.note), layout, &out);
  AppendTerminalBars(t, layout, color, &out);
  AppendTerminalAxis(t, layout, Clean(chart.unit), &out);
  return out;
}

namespace {

// ---------------------------------------------------------------------------
// SVG
// ---------------------------------------------------------------------------

// Okabe & Ito's colour-blind-safe palette, with grey instead of black so the eighth series
// does not read as an axis, then the same hues darkened: the second eight differ from the
// first in lightness, which colour-blind readers see too. Past sixteen series colours repeat.
constexpr const char* kSvgColors[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                                      "#F0E442", "#8C8C8C", "#00446B", "#8A5F00", "#005F45", "#7A4964",
                                      "#33698A", "#803800", "#908928", "#545454"};
static_assert(sizeof(kSvgColors) / sizeof(kSvgColors[0]) == kPaletteSize, "one terminal colour per SVG colour");

std::string Escape(const std::string& raw) {
  std::string out;
  for (char c : Clean(raw)) {
    const char* entity = c == '&'    ? "&amp;"
                         : c == '<'  ? "&lt;"
                         : c == '>'  ? "&gt;"
                         : c == '"'  ? "&quot;"
                         : c == '\'' ? "&apos;"
                                     : nullptr;
    if (entity) {
      out += entity;
    } else {
      out += c;
    }
  }
  return out;
}

// A coordinate with at most two decimals, written without the C locale's help (the
// program's locale might use a decimal comma).
std::string Num(double x) {
  if (!std::isfinite(x)) return "0";
  long long v = std::llround(x * 100);
  std::string s = v < 0 ? "-" : "";
  unsigned long long a = v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  s += std::to_string(a / 100);
  unsigned long long frac = a % 100;
  if (frac != 0) {
    s += '.';
    s += static_cast<char>('0' + frac / 10);
    if (frac % 10 != 0) s += static_cast<char>('0' + frac % 10);
  }
  return s;
}

// 12345 -> "12,345", for tick labels.
std::string Grouped(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Rough rendered width of text: about 0.62 em per column in common sans-serif fonts (wide
// characters count two columns). Used only to keep labels apart, so erring wide is fine.
double TextPx(const std::string& s, double font_px) { return DisplayWidth(s) * 0.62 * font_px; }

std::string FitPx(const std::string& s, double max_px, double font_px) {
  return Truncate(s, static_cast<int>(max_px / (0.62 * font_px)));
}

struct Ticks {
  uint64_t step = 1;
  int count = 3;  // intervals; the ticks are 0, step, ..., count * step
};

// The smallest 1-2-5 step that covers max in at most five intervals. The step before it
// needed six or more, and steps grow at most 2.5-fold, so this leaves at least three
// intervals (four ticks) -- except for maxima below 3, which are padded out to 0..3
// because counts have no fractional ticks.
Ticks NiceTicks(uint64_t max) {
  Ticks t;
  if (max <= 3) return t;
  static constexpr uint64_t kMantissas[] = {1, 2, 5};
  for (uint64_t p = 1;; p *= 10) {
    for (uint64_t m : kMantissas) {
      uint64_t step = m * p;
      uint64_t intervals = max / step + (max % step != 0);
      if (intervals <= 5) {
        t.step = step;
        t.count = static_cast<int>(std::max<uint64_t>(intervals, 3));
        return t;
      }
    }
    if (p > UINT64_MAX / 100) break;
  }
  t.step = max / 5 + 1;
  t.count = 5;
  return t;
}

// The label step to use when at least min_every is needed: for calendar units a step that
// keeps shown labels on a familiar cadence (weekly days, quarterly months), else 1-2-5.
size_t LabelStep(size_t min_every, std::string unit) {
  if (min_every <= 1) return 1;
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  std::vector<size_t> steps;
  if (unit == "day")
    steps = {1, 2, 7, 14, 28};
  else if (unit == "week")
    steps = {1, 2, 4, 13, 26, 52};
  else if (unit == "month")
    steps = {1, 2, 3, 6, 12};
  else if (unit == "hour")
    steps = {1, 2, 3, 6, 12, 24};
  if (!steps.empty()) {
    for (size_t k : steps)
      if (k >= min_every) return k;
    return (min_every + steps.back() - 1) / steps.back() * steps.back();
  }
  for (size_t p = 1; p <= SIZE_MAX / 10; p *= 10)
    for (size_t m : {1, 2, 5})
      if (m * p >= min_every) return m * p;
  return min_every;
}

constexpr double kPad = 12, kTitlePx = 16, kFontPx = 12, kSmallPx = 11;

// The XML declaration, the <svg> element and the white background.
std::string SvgOpen(double w, double h) {
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + Num(w) + "\" height=\"" + Num(h) +
         "\" viewBox=\"0 0 " + Num(w) + " " + Num(h) +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"" + Num(kFontPx) + "\">\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + Num(w) + "\" height=\"" + Num(h) + "\" fill=\"#ffffff\"/>\n";
  return svg;
}

// The legend from height y down, wrapped into rows; returns the height under it.
double AppendSvgLegend(const Table& t, double w, double y, std::string* svg) {
  constexpr double kSwatch = 10, kRow = 18, kGap = 18;
  double x = kPad;
  for (size_t s = 0; s < t.names.size(); ++s) {
    const std::string name = FitPx(SeriesName(t, s), std::max(40.0, w - 2 * kPad - kSwatch - 6), kFontPx);
    const double item = kSwatch + 6 + TextPx(name, kFontPx);
    if (x > kPad && x + item > w - kPad) {
      x = kPad;
      y += kRow;
    }
    *svg += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y + 3) + "\" width=\"" + Num(kSwatch) + "\" height=\"" +
            Num(kSwatch) + "\" fill=\"" + kSvgColors[s % kPaletteSize] + "\"/>";
    *svg += "<text x=\"" + Num(x + kSwatch + 6) + "\" y=\"" + Num(y + 12) + "\" fill=\"#222222\">" + Escape(name) +
            "</text>\n";
    x += item + kGap;
  }
  y += kRow + 4;
  return y;
}

// The header: title, legend and note, each when there is one; returns the height under it.
double AppendSvgHeader(const Chart& chart, const Table& t, double w, std::string* svg) {
  double y = kPad;
  const std::string title = Clean(chart.title);
  if (!title.empty()) {
    *svg += "<text x=\"" + Num(w / 2) + "\" y=\"" + Num(y + kTitlePx) + "\" text-anchor=\"middle\" font-size=\"" +
            Num(kTitlePx) + "\" font-weight=\"bold\" fill=\"#222222\">" + Escape(FitPx(title, w - 2 * kPad, kTitlePx)) +
            "</text>\n";
    y += kTitlePx + 10;
  }
  if (HasLegend(t)) y = AppendSvgLegend(t, w, y, svg);
  const std::string note = Clean(chart.note);
  if (!note.empty()) {
    *svg += "<text x=\"" + Num(kPad) + "\" y=\"" + Num(y + 12) + "\" fill=\"#555555\">" +
            Escape(FitPx(note, w - 2 * kPad, kFontPx)) + "</text>\n";
    y += 18 + 4;
  }
  return y;
}

// Where everything below the header goes, worked out before anything of it is drawn.
struct SvgLayout {
  double w = 0, h = 0;                   // the image
  double top = 0, y1 = 0, plot_h = 0;    // the plot area's top, its baseline (the x axis), and height
  double x0 = 0, x1 = 0;                 // the y axis and the plot area's right edge
  double caption_x = 0;                  // baseline of the rotated y caption
  double slot = 0;                       // the width each bucket gets
  Ticks ticks;                           // y ticks
  std::vector<std::string> tick_labels;  // one per y tick, from 0 up
  std::vector<std::string> shown;        // x labels as drawn (shortened), one per bucket
  size_t every = 1;                      // every k-th x label is drawn
  bool rotate = false;                   // x labels turned 45 degrees
};

// The y ticks and their labels, and the width of the widest label.
double LayoutYTicks(uint64_t max, SvgLayout* l) {
  l->ticks = NiceTicks(max);
  double tick_w = 0;
  for (int i = 0; i <= l->ticks.count; ++i) {
    l->tick_labels.push_back(Grouped(l->ticks.step * static_cast<uint64_t>(i)));
    tick_w = std::max(tick_w, TextPx(l->tick_labels.back(), kSmallPx));
  }
  return tick_w;
}

// The x labels, thinned and, when long, rotated, given x0 and x1 (x0 moves right when the
// first rotated label needs the room); returns the height the labels take under the axis.
double LayoutXLabels(const Table& t, const std::string& unit, SvgLayout* l) {
  const size_t n = t.labels.size();
  double label_w = 0;
  for (const std::string& label : t.labels) {
    l->shown.push_back(FitPx(label, 110, kSmallPx));
    label_w = std::max(label_w, TextPx(l->shown.back(), kSmallPx));
  }
  l->slot = n > 0 ? (l->x1 - l->x0) / static_cast<double>(n) : l->x1 - l->x0;
  // Rotated labels are a baseline apart when their anchors are this far apart horizontally.
  constexpr double kRotatedSpacing = 2 * kSmallPx;
  if (n > 0 && label_w + 6 > l->slot) {
    // Short labels (years, week numbers) read best level even if few are left; longer ones
    // turn 45 degrees, which lets neighbours sit about a line height apart.
    if (label_w <= 3 * kFontPx) {
      l->every = LabelStep(static_cast<size_t>(std::ceil((label_w + 6) / l->slot)), unit);
    } else {
      l->rotate = true;
      // The first label hangs left of its bar; widen the margin rather than clip it.
      const double overhang = label_w * 0.7071 - l->slot / 2 + kPad;
      if (overhang > l->x0) {
        l->x0 = std::min(overhang, l->x1 - 1);
        l->slot = (l->x1 - l->x0) / static_cast<double>(n);
      }
      l->every = LabelStep(static_cast<size_t>(std::ceil(kRotatedSpacing / l->slot)), unit);
    }
  }
  return n == 0 ? 0 : l->rotate ? 8 + (label_w + kSmallPx) * 0.7071 : 8 + kSmallPx + 4;
}

// The plot area under the header (which ends at header_y): left of it the y caption and tick
// labels, under it the x labels and the x caption.
SvgLayout LayoutSvg(const Table& t, const std::string& unit, double w, double h, double header_y) {
  SvgLayout l;
  l.w = w;
  l.h = h;
  l.top = header_y + 8;  // room for the half of the top tick label above its grid line
  const double tick_w = LayoutYTicks(t.max, &l);
  l.caption_x = kPad + kFontPx;
  l.x0 = l.caption_x + 8 + tick_w + 8;
  l.x1 = std::max(l.x0 + 1, w - kPad);
  const double labels_h = LayoutXLabels(t, unit, &l);
  const double x_caption_h = unit.empty() ? 0 : kFontPx + 8;
  l.y1 = std::max(l.top + 1, h - kPad - x_caption_h - labels_h);
  l.plot_h = l.y1 - l.top;
  return l;
}

// Horizontal grid lines and the y tick labels.
void AppendSvgGrid(const SvgLayout& l, std::string* svg) {
  *svg += "<g font-size=\"" + Num(kSmallPx) + "\" fill=\"#555555\" text-anchor=\"end\">\n";
  for (int i = 0; i <= l.ticks.count; ++i) {
    const double gy = l.y1 - l.plot_h * i / l.ticks.count;
    if (i > 0)
      *svg += "<line x1=\"" + Num(l.x0) + "\" y1=\"" + Num(gy) + "\" x2=\"" + Num(l.x1) + "\" y2=\"" + Num(gy) +
              "\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>";
    *svg +=
        "<text x=\"" + Num(l.x0 - 6) + "\" y=\"" + Num(gy + kSmallPx * 0.35) + "\">" + l.tick_labels[i] + "</text>\n";
  }
  *svg += "</g>\n";
}

// Bars, stacked bottom-up in series order, each segment with its own tooltip.
void AppendSvgBars(const Table& t, const SvgLayout& l, std::string* svg) {
  const long double axis_top = static_cast<long double>(l.ticks.step) * l.ticks.count;
  *svg += "<g stroke=\"none\">\n";
  const double gap = l.slot >= 4 ? l.slot * 0.2 : 0;
  for (size_t i = 0; i < t.labels.size(); ++i) {
    double base = l.y1;
    for (size_t s = 0; s < t.values.size(); ++s) {
      const uint64_t v = t.values[s][i];
      if (v == 0) continue;
      // At least a pixel, so a count of 1 next to thousands is still visible.
      const double bh = std::max(1.0, static_cast<double>(static_cast<long double>(v) / axis_top * l.plot_h));
      std::string tip = t.labels[i];
      if (t.names.size() > 1 || !t.names[s].empty()) tip += ", " + SeriesName(t, s);
      tip += ": " + std::to_string(v);
      *svg += "<rect x=\"" + Num(l.x0 + l.slot * static_cast<double>(i) + gap / 2) + "\" y=\"" + Num(base - bh) +
              "\" width=\"" + Num(l.slot - gap) + "\" height=\"" + Num(bh) + "\" fill=\"" +
              kSvgColors[s % kPaletteSize] + "\"><title>" + Escape(tip) + "</title></rect>\n";
      base -= bh;
    }
  }
  *svg += "</g>\n";
}

// The axes, drawn over the bars so the baseline stays crisp.
void AppendSvgAxes(const SvgLayout& l, std::string* svg) {
  *svg += "<line x1=\"" + Num(l.x0) + "\" y1=\"" + Num(l.top) + "\" x2=\"" + Num(l.x0) + "\" y2=\"" + Num(l.y1) +
          "\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
  *svg += "<line x1=\"" + Num(l.x0) + "\" y1=\"" + Num(l.y1) + "\" x2=\"" + Num(l.x1) + "\" y2=\"" + Num(l.y1) +
          "\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
}

// The x labels shown, with a tick under each one.
void AppendSvgXLabels(const SvgLayout& l, std::string* svg) {
  if (l.shown.empty()) return;
  *svg += "<g font-size=\"" + Num(kSmallPx) + "\" fill=\"#333333\" text-anchor=\"" +
          std::string(l.rotate ? "end" : "middle") + "\">\n";
  for (size_t i = 0; i < l.shown.size(); i += l.every) {
    const double cx = l.x0 + l.slot * (static_cast<double>(i) + 0.5);
    *svg += "<line x1=\"" + Num(cx) + "\" y1=\"" + Num(l.y1) + "\" x2=\"" + Num(cx) + "\" y2=\"" + Num(l.y1 + 4) +
            "\" stroke=\"#333333\" stroke-width=\"1\"/>";
    if (l.rotate) {
      const double ly = l.y1 + 10;
      *svg += "<text x=\"" + Num(cx + 3) + "\" y=\"" + Num(ly) + "\" transform=\"rotate(-45 " + Num(cx + 3) + " " +
              Num(ly) + ")\">" + Escape(l.shown[i]) + "</text>\n";
    } else {
      *svg += "<text x=\"" + Num(cx) + "\" y=\"" + Num(l.y1 + 8 + kSmallPx) + "\">" + Escape(l.shown[i]) + "</text>\n";
    }
  }
  *svg += "</g>\n";
}

// The captions: the bucket unit under the x axis, the count up the y axis; and "no matches"
// across an empty plot.
void AppendSvgCaptions(const std::string& unit, uint64_t max, const SvgLayout& l, std::string* svg) {
  if (!unit.empty())
    *svg += "<text x=\"" + Num((l.x0 + l.x1) / 2) + "\" y=\"" + Num(l.h - kPad) +
            "\" text-anchor=\"middle\" fill=\"#333333\">" + Escape(FitPx(unit, l.x1 - l.x0, kFontPx)) + "</text>\n";
  const double cy = (l.top + l.y1) / 2;
  *svg += "<text x=\"" + Num(l.caption_x) + "\" y=\"" + Num(cy) + "\" transform=\"rotate(-90 " + Num(l.caption_x) +
          " " + Num(cy) + ")\" text-anchor=\"middle\" fill=\"#333333\">" +
          Escape(FitPx(Caption(unit), std::max(l.plot_h, 1.0), kFontPx)) + "</text>\n";
  if (max == 0)
    *svg += "<text x=\"" + Num((l.x0 + l.x1) / 2) + "\" y=\"" + Num(cy) + "\" text-anchor=\"middle\" font-size=\"" +
            Num(kTitlePx) + "\" fill=\"#888888\">no matches</text>\n";
}

}  // namespace

std::string RenderSvg(const Chart& chart, int width, int height) {
  const Table t = Normalize(chart);
  const double w = std::max(width, 1), h = std::max(height, 1);
  std::string svg = SvgOpen(w, h);
  const double header_y = AppendSvgHeader(chart, t, w, &svg);
  const std::string unit = Clean(chart.unit);
  const SvgLayout layout = LayoutSvg(t, unit, w, h, header_y);
  AppendSvgGrid(layout, &svg);
  AppendSvgBars(t, layout, &svg);
  AppendSvgAxes(layout, &svg);
  AppendSvgXLabels(layout, &svg);
  AppendSvgCaptions(unit, t.max, layout, &svg);
  svg += "</svg>\n";
  return svg;
}

}  // namespace loupe::cli
