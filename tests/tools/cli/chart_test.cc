// Tests of the CLI's bar charts: terminal rendering and SVG documents, including a real
// rasterisation of the SVG with rsvg-convert.
#include "cli/chart.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "loupe/analyzer.h"
#include "loupe/query_parser.h"
#include "loupe/snippet.h"
#include "support/test_util.h"

namespace {

using loupe::cli::Chart;
using loupe::cli::RenderSvg;
using loupe::cli::RenderTerminalChart;

// --- Independent UTF-8 helpers (deliberately not the ones under test) -------------------

std::vector<uint32_t> CodePoints(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1Fu : len == 3 ? c & 0x0Fu : c & 0x07u;
    for (size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool IsWide(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xFF00 && cp <= 0xFF60);
}

bool IsBlock(uint32_t cp) { return cp >= 0x2580 && cp <= 0x259F; }

// Removes ANSI SGR sequences so colour output can be measured like plain output.
std::string StripAnsi(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
      i += 2;
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    out += s[i];
  }
  return out;
}

int Columns(const std::string& s) {
  int w = 0;
  for (uint32_t cp : CodePoints(s)) w += IsWide(cp) ? 2 : 1;
  return w;
}

// Display column of the first occurrence of code point `mark`, or -1.
int ColumnOf(const std::string& line, uint32_t mark) {
  int w = 0;
  for (uint32_t cp : CodePoints(line)) {
    if (cp == mark) return w;
    w += IsWide(cp) ? 2 : 1;
  }
  return -1;
}

// Bar length in eighths of a column: █ is 8, ▉ 7, ... ▏ 1.
int Eighths(const std::string& line) {
  int e = 0;
  for (uint32_t cp : CodePoints(line)) {
    if (cp == 0x2588) {
      e += 8;
    } else if (cp >= 0x2589 && cp <= 0x258F) {
      e += 0x2590 - cp;
    }
  }
  return e;
}

int BlockColumns(const std::string& line) {
  int n = 0;
  for (uint32_t cp : CodePoints(line))
    if (IsBlock(cp)) ++n;
  return n;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The line that starts with label followed by a space (bar lines pad their label).
std::string LineFor(const std::vector<std::string>& lines, const std::string& label) {
  for (const std::string& l : lines)
    if (l.compare(0, label.size() + 1, label + " ") == 0) return l;
  FAIL("no line for label " << label);
  return "";
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + needle.size())) ++n;
  return n;
}

// --- A minimal XML well-formedness check -----------------------------------------------
// Elements must nest and close by name, attribute values must be quoted, and '<' or a bare
// '&' may not appear in text or attribute values. Returns "" or a description of the fault.
std::string XmlFault(const std::string& x) {
  std::vector<std::string> open;
  auto entity_ok = [&](size_t amp) {
    for (const char* e : {"amp;", "lt;", "gt;", "quot;", "apos;"})
      if (x.compare(amp + 1, std::char_traits<char>::length(e), e) == 0) return true;
    return false;
  };
  size_t i = 0;
  while (i < x.size()) {
    if (x[i] == '&' && !entity_ok(i)) return "bare & at " + std::to_string(i);
    if (x[i] == '>') return "stray > at " + std::to_string(i);
    if (x[i] != '<') {
      ++i;
      continue;
    }
    if (x.compare(i, 2, "<?") == 0) {
      size_t end = x.find("?>", i);
      if (end == std::string::npos) return "unterminated declaration";
      i = end + 2;
      continue;
    }
    bool closing = x.compare(i, 2, "</") == 0;
    size_t p = i + (closing ? 2 : 1);
    size_t name_end = x.find_first_of(" \t\n/>", p);
    if (name_end == std::string::npos || name_end == p) return "bad tag at " + std::to_string(i);
    std::string name = x.substr(p, name_end - p);
    p = name_end;
    bool self_closing = false;
    for (;;) {
      if (p >= x.size()) return "unterminated tag " + name;
      char c = x[p];
      if (c == '>') break;
      if (c == '/' && p + 1 < x.size() && x[p + 1] == '>') {
        self_closing = true;
        ++p;
        break;
      }
      if (c == '"' || c == '\'') return "unexpected quote in tag " + name;
      if (c == '=') {
        ++p;
        if (p >= x.size() || x[p] != '"') return "unquoted attribute in " + name;
        size_t close = x.find('"', p + 1);
        if (close == std::string::npos) return "unterminated attribute in " + name;
        for (size_t k = p + 1; k < close; ++k) {
          if (x[k] == '<') return "< in attribute of " + name;
          if (x[k] == '&' && !entity_ok(k)) return "bare & in attribute of " + name;
        }
        p = close + 1;
        continue;
      }
      ++p;
    }
    if (closing) {
      if (open.empty() || open.back() != name) return "mismatched </" + name + ">";
      open.pop_back();
    } else if (!self_closing) {
      open.push_back(name);
    }
    i = p + 1;
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  return "";
}

// The y tick labels: the texts of the group anchored at the end (right-aligned numbers).
std::vector<uint64_t> TickValues(const std::string& svg) {
  std::vector<uint64_t> out;
  size_t g = svg.find("text-anchor=\"end\">");
  if (g == std::string::npos) return out;
  size_t end = svg.find("</g>", g);
  for (size_t p = svg.find("<text", g); p != std::string::npos && p < end; p = svg.find("<text", p + 1)) {
    size_t a = svg.find('>', p) + 1, b = svg.find("</text>", a);
    std::string digits;
    for (char c : svg.substr(a, b - a))
      if (c != ',') digits += c;
    out.push_back(std::stoull(digits));
  }
  return out;
}

Chart Months(std::vector<uint64_t> values) {
  Chart c;
  c.title = "actor:Bessent — articles per month";
  c.unit = "month";
  for (size_t i = 0; i < values.size(); ++i)
    c.labels.push_back("2025-" + std::string(i < 9 ? "0" : "") + std::to_string(i + 1));
  c.series = {{"", std::move(values)}};
  return c;
}

}  // namespace

// --- Terminal -------------------------------------------------------------------------------

TEST_CASE("terminal chart scales the largest bucket to the width", "[chart]") {
  const int width = 30;
  const std::string out = RenderTerminalChart(Months({40, 20, 0, 13}), width, false);
  const auto lines = Lines(out);
  INFO(out);

  const std::string max = LineFor(lines, "2025-01"), half = LineFor(lines, "2025-02"), zero = LineFor(lines, "2025-03"),
                    part = LineFor(lines, "2025-04");
  CHECK(BlockColumns(max) == width);
  CHECK(Eighths(max) == width * 8);
  CHECK(BlockColumns(half) == width / 2);
  CHECK(Eighths(half) == width * 4);
  CHECK(BlockColumns(zero) == 0);
  // 13/40 of 30 columns is 9.75: nine full blocks and a three-quarter (six-eighths) block.
  CHECK(Eighths(part) == 78);
  CHECK(part.find("▊") != std::string::npos);

  CHECK(EndsWith(max, " 40"));
  CHECK(EndsWith(half, " 20"));
  CHECK(EndsWith(zero, "│ 0"));
  CHECK(EndsWith(part, " 13"));

  // Every bar line and the axis corner share the axis column.
  const int axis = ColumnOf(max, 0x2502);
  CHECK(axis == 8);
  for (const std::string& l : {half, zero, part}) CHECK(ColumnOf(l, 0x2502) == axis);
  bool corner = false;
  for (const std::string& l : lines) corner = corner || ColumnOf(l, 0x2514) == axis;
  CHECK(corner);

  CHECK(out.find("articles per month") != std::string::npos);
  CHECK(out.find("actor:Bessent — articles per month") == 0);
  CHECK(out.find('\x1b') == std::string::npos);
  for (const std::string& l : lines) CHECK(Columns(l) <= 7 + width + 2 + 3);
}

TEST_CASE("terminal chart marks 0, the middle and the maximum on the axis", "[chart]") {
  const auto lines = Lines(RenderTerminalChart(Months({10, 3, 7}), 40, false));
  std::string numbers;
  for (size_t i = 0; i + 1 < lines.size(); ++i)
    if (ColumnOf(lines[i], 0x2514) >= 0) numbers = lines[i + 1];
  INFO(numbers);
  std::istringstream in(numbers);
  std::vector<std::string> marks{std::istream_iterator<std::string>(in), {}};
  CHECK(marks == std::vector<std::string>{"0", "5", "10"});
}

TEST_CASE("terminal chart draws each eighth block", "[chart]") {
  // With a maximum of 8 and one column, a count of k is exactly k eighths.
  Chart c;
  c.unit = "day";
  for (int k = 1; k <= 8; ++k) c.labels.push_back("d" + std::to_string(k));
  c.series = {{"", {1, 2, 3, 4, 5, 6, 7, 8}}};
  const auto lines = Lines(RenderTerminalChart(c, 1, false));
  const char* glyphs[] = {"▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"};
  for (int k = 1; k <= 8; ++k) {
    const std::string l = LineFor(lines, "d" + std::to_string(k));
    INFO(l);
    CHECK(l.find(glyphs[k - 1]) != std::string::npos);
    CHECK(Eighths(l) == k);
  }
}

TEST_CASE("terminal chart never shows a non-zero count as empty", "[chart]") {
  const auto lines = Lines(RenderTerminalChart(Months({100000, 1}), 10, false));
  CHECK(Eighths(LineFor(lines, "2025-02")) == 1);
}

TEST_CASE("terminal chart colours several series and names them in a legend", "[chart]") {
  Chart c = Months({4, 0, 12});
  c.series = {{"Scott Bessent", {4, 0, 6}}, {"Janet Yellen", {1, 0, 6}}};
  const int width = 24;

  const std::string colored = RenderTerminalChart(c, width, true);
  INFO(colored);
  CHECK(colored.find("\x1b[") != std::string::npos);
  CHECK(EndsWith(LineFor(Lines(colored), "2025-01"), "\x1b[0m 5"));
  const std::string plain_colored = StripAnsi(colored);
  const auto lines = Lines(plain_colored);
  size_t legend = plain_colored.find("Scott Bessent");
  CHECK(legend != std::string::npos);
  CHECK(plain_colored.find("Janet Yellen") != std::string::npos);
  CHECK(legend < plain_colored.find("2025-01"));
  // Stacked: the largest total fills the width; the others scale with it.
  CHECK(Eighths(LineFor(lines, "2025-03")) == width * 8);
  CHECK(Eighths(LineFor(lines, "2025-01")) == width * 8 * 5 / 12);
  CHECK(EndsWith(LineFor(lines, "2025-03"), " 12"));

  // Without colour the series are told apart by fill characters, named in the legend.
  const std::string plain = RenderTerminalChart(c, width, false);
  INFO(plain);
  CHECK(plain.find('\x1b') == std::string::npos);
  CHECK(plain.find("█ Scott Bessent") != std::string::npos);
  CHECK(plain.find("▓ Janet Yellen") != std::string::npos);
  const std::string top = LineFor(Lines(plain), "2025-03");
  CHECK(BlockColumns(top) == width);
  CHECK(Count(top, "█") == static_cast<size_t>(width / 2));
  CHECK(Count(top, "▓") == static_cast<size_t>(width / 2));
}

TEST_CASE("a single named series keeps its legend, and a note is shown under it", "[chart]") {
  Chart c = Months({0, 0, 0});
  c.series = {{"He Lifeng", {1, 2, 3}}};
  c.note = "an article counts under each of its actors";
  for (bool color : {false, true}) {
    const std::string out = StripAnsi(RenderTerminalChart(c, 60, color));
    INFO(out);
    const size_t legend = out.find("█ He Lifeng");
    CHECK(legend != std::string::npos);
    const size_t note = out.find("an article counts under each of its actors");
    CHECK(note != std::string::npos);
    CHECK(legend < note);
    CHECK(note < out.find("2025-01"));
  }
  const std::string svg = RenderSvg(c);
  INFO(svg);
  CHECK(XmlFault(svg) == "");
  CHECK(svg.find(">He Lifeng</text>") != std::string::npos);
  CHECK(svg.find(">an article counts under each of its actors</text>") != std::string::npos);
  // An unnamed single series still has no legend.
  const auto unnamed = Lines(RenderTerminalChart(Months({1, 2, 3}), 20, false));
  REQUIRE(unnamed.size() > 1);
  CHECK(unnamed[1].rfind("2025-01", 0) == 0);
}

TEST_CASE("terminal chart keeps escape sequences in the data off the terminal", "[chart]") {
  Chart c = Months({3, 1});
  c.labels[0] = "evil\x1b[2J";
  c.series = {{"a\x1b]0;title\x07", {3, 1}}, {"b", {0, 1}}};
  const std::string out = RenderTerminalChart(c, 10, false);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find('\x07') == std::string::npos);
}

TEST_CASE("terminal chart aligns wide labels by display columns", "[chart]") {
  Chart c;
  c.unit = "month";
  c.labels = {"习近平", "Bessent", "李强", "2025-W38"};
  c.series = {{"", {5, 10, 0, 1}}};
  const std::string out = RenderTerminalChart(c, 20, false);
  INFO(out);
  const auto lines = Lines(out);
  const int axis = ColumnOf(LineFor(lines, "Bessent"), 0x2502);
  CHECK(axis == 9);  // "2025-W38" is the widest label at 8 columns
  for (const char* label : {"习近平", "李强", "2025-W38"}) CHECK(ColumnOf(LineFor(lines, label), 0x2502) == axis);
}

TEST_CASE("terminal chart handles empty data", "[chart]") {
  const std::string zeros = RenderTerminalChart(Months({0, 0}), 20, false);
  INFO(zeros);
  for (const char* label : {"2025-01", "2025-02"}) {
    const std::string l = LineFor(Lines(zeros), label);
    CHECK(EndsWith(l, "│ 0"));
    CHECK(BlockColumns(l) == 0);
  }
  const std::string none = RenderTerminalChart(Months({}), 20, false);
  CHECK(none.find("no matches") != std::string::npos);
}

// --- SVG ------------------------------------------------------------------------------------

TEST_CASE("svg is a well-formed standalone document of the requested size", "[chart]") {
  const std::string svg = RenderSvg(Months({3, 0, 12}), 800, 400);
  INFO(svg);
  CHECK((svg.rfind("<?xml", 0) == 0 || svg.rfind("<svg", 0) == 0));
  CHECK(svg.find("xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  CHECK(svg.find("width=\"800\" height=\"400\"") != std::string::npos);
  CHECK(svg.find("viewBox=\"0 0 800 400\"") != std::string::npos);
  CHECK(XmlFault(svg) == "");
  CHECK(EndsWith(svg, "</svg>\n"));
  // The background and one bar per non-zero bucket.
  CHECK(Count(svg, "<rect") == 1 + 2);
  CHECK(svg.find("fill=\"#ffffff\"") != std::string::npos);
  CHECK(svg.find("<title>2025-03: 12</title>") != std::string::npos);
  CHECK(svg.find("<title>2025-01: 3</title>") != std::string::npos);
  CHECK(svg.find("2025-02:") == std::string::npos);
  CHECK(svg.find(">articles per month<") != std::string::npos);
  CHECK(svg.find("no matches") == std::string::npos);
}

TEST_CASE("svg stacks series with a legend and a colour each", "[chart]") {
  Chart c = Months({0, 0, 0});
  c.series = {{"Scott Bessent", {1, 0, 2}}, {"Janet Yellen", {0, 0, 5}}};
  const std::string svg = RenderSvg(c);
  INFO(svg);
  CHECK(XmlFault(svg) == "");
  // Background, three non-zero segments and two legend swatches.
  CHECK(Count(svg, "<rect") == 1 + 3 + 2);
  CHECK(svg.find(">Scott Bessent</text>") != std::string::npos);
  CHECK(svg.find(">Janet Yellen</text>") != std::string::npos);
  CHECK(svg.find("<title>2025-03, Janet Yellen: 5</title>") != std::string::npos);
  CHECK(Count(svg, "fill=\"#0072B2\"") == 1 + 2);
  CHECK(Count(svg, "fill=\"#E69F00\"") == 1 + 1);
}

TEST_CASE("svg y axis has 4 to 6 nice ticks covering the maximum", "[chart]") {
  for (uint64_t max : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{7}, uint64_t{12}, uint64_t{25}, uint64_t{99},
                       uint64_t{101}, uint64_t{1234}, uint64_t{1000001}}) {
    const std::vector<uint64_t> ticks = TickValues(RenderSvg(Months({max / 2, max})));
    INFO("max " << max);
    REQUIRE(ticks.size() >= 4);
    CHECK(ticks.size() <= 6);
    CHECK(ticks.front() == 0);
    CHECK(ticks.back() >= max);
    const uint64_t step = ticks[1];
    uint64_t mantissa = step;
    while (mantissa % 10 == 0) mantissa /= 10;
    CHECK((mantissa == 1 || mantissa == 2 || mantissa == 5));
    for (size_t i = 0; i < ticks.size(); ++i) CHECK(ticks[i] == step * i);
    // Nothing wasted: the maximum reaches past the second-to-last tick.
    if (max > 3) CHECK(max > ticks[ticks.size() - 2]);
  }
}

TEST_CASE("svg escapes text", "[chart]") {
  Chart c = Months({1, 2});
  c.title = "a <&> \"b\" 'c'";
  c.labels[1] = "x<y&z";
  c.unit = "mo<nth";
  const std::string svg = RenderSvg(c);
  INFO(svg);
  CHECK(XmlFault(svg) == "");
  CHECK(svg.find("a &lt;&amp;&gt; &quot;b&quot; &apos;c&apos;") != std::string::npos);
  CHECK(svg.find("<title>x&lt;y&amp;z: 2</title>") != std::string::npos);
  CHECK(svg.find("<&>") == std::string::npos);
  CHECK(svg.find("x<y") == std::string::npos);
}

TEST_CASE("svg replaces control characters and invalid UTF-8", "[chart]") {
  Chart c = Months({1, 2});
  c.labels[0] = std::string("bad\x01\xff\xc3", 6);
  const std::string svg = RenderSvg(c);
  size_t controls = 0;
  for (unsigned char ch : svg) controls += ch < 0x20 && ch != '\n';
  CHECK(controls == 0);
  CHECK(XmlFault(svg) == "");
  CHECK(svg.find("bad\xEF\xBF\xBD") != std::string::npos);  // U+FFFD
}

TEST_CASE("svg thins and rotates crowded x labels", "[chart]") {
  Chart days;
  days.unit = "day";
  std::vector<uint64_t> v;
  for (int i = 0; i < 120; ++i) {
    char label[16];
    std::snprintf(label, sizeof label, "2025-%02d-%02d", 5 + i / 30, 1 + i % 30);
    days.labels.push_back(label);
    v.push_back(static_cast<uint64_t>(i % 17));
  }
  days.series = {{"", v}};
  const std::string svg = RenderSvg(days);
  CHECK(XmlFault(svg) == "");
  const size_t shown = Count(svg, "rotate(-45");
  CHECK(shown >= 5);
  CHECK(shown <= 40);
  CHECK(svg.find(">2025-05-01</text>") != std::string::npos);  // the first is always shown

  // A few short labels fit level, all of them.
  const std::string few = RenderSvg(Months({1, 2, 3}));
  CHECK(Count(few, "rotate(-45") == 0);
  for (const char* label : {">2025-01</text>", ">2025-02</text>", ">2025-03</text>"})
    CHECK(few.find(label) != std::string::npos);
}

TEST_CASE("svg is valid with empty data", "[chart]") {
  for (const Chart& c : {Months({0, 0, 0}), Months({})}) {
    const std::string svg = RenderSvg(c);
    INFO(svg);
    CHECK(XmlFault(svg) == "");
    CHECK(svg.find("no matches") != std::string::npos);
    CHECK(Count(svg, "<rect") == 1);
    CHECK(svg.find("<line") != std::string::npos);  // axes
  }
  Chart no_series = Months({});
  no_series.series.clear();
  CHECK(XmlFault(RenderSvg(no_series)) == "");
}

// --- Rasterising with rsvg-convert --------------------------------------------------------

namespace {

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

using loupe::test::TempDir;

uint32_t BigEndian32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Renders svg to PNG and checks the image: exit status, signature, IHDR size, not trivially small.
void CheckRenders(const TempDir& dir, const std::string& rsvg, const std::string& name, const std::string& svg,
                  uint32_t width, uint32_t height) {
  const std::string svg_path = dir.sub(name + ".svg"), png_path = dir.sub(name + ".png"),
                    err_path = dir.sub(name + ".err");
  loupe::test::WriteFile(svg_path, svg);
  const std::string cmd = "'" + rsvg + "' '" + svg_path + "' -o '" + png_path + "' 2>'" + err_path + "'";
  const int status = std::system(cmd.c_str());
  INFO(name << ": " << cmd << "\n" << loupe::test::Slurp(err_path));
  REQUIRE(status != -1);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const std::string png = loupe::test::Slurp(png_path);
  REQUIRE(png.size() > 1000);
  CHECK(png.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0);
  CHECK(png.compare(12, 4, "IHDR") == 0);
  CHECK(BigEndian32(png, 16) == width);
  CHECK(BigEndian32(png, 20) == height);
}

}  // namespace

TEST_CASE("svg renders to a PNG of the requested size with rsvg-convert", "[chart]") {
  const std::string rsvg = FindOnPath("rsvg-convert");
  if (rsvg.empty())
    FAIL("rsvg-convert not found on PATH; install Debian's librsvg2-bin (apt-get install librsvg2-bin)");
  TempDir dir;

  CheckRenders(dir, rsvg, "single", RenderSvg(Months({3, 0, 12, 7, 1, 25, 18, 9})), 960, 480);

  Chart stacked = Months({0, 0, 0, 0});
  stacked.title = "people <&> \"quotes\"";
  stacked.series = {{"Scott Bessent", {3, 0, 12, 7}}, {"Janet Yellen", {10, 8, 5, 4}}, {"习近平", {1, 2, 3, 4}}};
  CheckRenders(dir, rsvg, "stacked", RenderSvg(stacked, 640, 360), 640, 360);

  CheckRenders(dir, rsvg, "empty", RenderSvg(Months({}), 640, 360), 640, 360);
  CheckRenders(dir, rsvg, "zeros", RenderSvg(Months({0, 0, 0})), 960, 480);
}

// The chart's label column and the snippets' passage length count the same
// columns for the same text: combining accents (none), CJK and emoji (two).
TEST_CASE("chart labels and snippets give a string the same display width", "[chart]") {
  const std::string wide =
      "E\xCC\x81"
      "E\xCC\x81"
      "\xE4\xB8\xAD\xF0\x9F\x98\x80\xF0\x9F\x9A\x80";  // ÉÉ中😀🚀, É decomposed
  const std::string ascii = "abcdefghijklmnopqrst";    // 20 columns
  Chart c;
  c.unit = "month";
  c.labels = {wide, ascii};
  c.series = {{"", {1, 2}}};
  const std::string out = RenderTerminalChart(c, 60, false);
  INFO(out);
  const auto lines = Lines(out);
  // Each label is padded with spaces to the widest (the ASCII one) before the axis.
  auto pad = [&](const std::string& label) {
    const std::string line = LineFor(lines, label);
    const size_t at = line.find(label), axis = line.find("\xE2\x94\x82");  // U+2502
    REQUIRE(at != std::string::npos);
    REQUIRE(axis != std::string::npos);
    return static_cast<int>(axis - at - label.size());
  };
  const int chart_cols = 20 - (pad(wide) - pad(ascii));
  INFO("chart width " << chart_cols);

  // A passage grows by the next sentence only while the whole stays within the
  // target: "Tariffs rose. " is 14 columns, then the string and its full stop.
  auto analyzer = loupe::Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto q = loupe::CompileQuery("tariffs", **analyzer);
  REQUIRE(q.ok());
  const std::string text = "Tariffs rose. " + wide + ".";
  auto passage = [&](int target) {
    auto s = loupe::Snippeter::Create(*q, {.target_columns = static_cast<size_t>(target), .max_passages = 1});
    REQUIRE(s.ok());
    return (*s)->Passages(text).value().text;
  };
  CHECK(passage(14 + chart_cols + 1) == text);                 // both sentences fit at the chart's width
  CHECK(passage(14 + chart_cols + 1 - 1) == "Tariffs rose.");  // and not one column less
}
