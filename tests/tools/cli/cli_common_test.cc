// The CLI's shared helpers (tools/cli/common.cc): repeated warnings counted,
// ids shown and read back, text made safe for a terminal.
#include <catch2/catch.hpp>

#include "cli/common.h"
#include "util/calendar.h"

using loupe::cli::CountRepeats;
using loupe::cli::ParseId;
using loupe::cli::ShownId;
using loupe::cli::TerminalSafe;

TEST_CASE("a warning given many times is listed once, with its count") {
  std::vector<std::string> w(576, "'zq*' matches 1100 terms");
  w.insert(w.begin() + 3, "another");
  auto out = CountRepeats(w);
  REQUIRE(out.size() == 2);
  CHECK(out[0] == "'zq*' matches 1100 terms (576 times)");
  CHECK(out[1] == "another");
  CHECK(CountRepeats({"once"}) == std::vector<std::string>{"once"});
  CHECK(CountRepeats({}).empty());
}

TEST_CASE("ids with any bytes round-trip through their shown form") {
  for (std::string id : {std::string("plain/a.txt"), std::string("caf\xC3\xA9.txt"), std::string("bad\xFF\xFEname.txt"),
                         std::string("back\\slash.txt"), std::string("esc\x1b[2J.txt"), std::string("new\nline.txt")}) {
    INFO(id);
    const std::string text = ShownId(id, true), json = ShownId(id, false);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\n') == std::string::npos);
    CHECK(ParseId(text) == id);
    CHECK(ParseId(json) == id);
  }
  CHECK(TerminalSafe("a\x1b[31mred") == "a\\x1b[31mred");
  CHECK(TerminalSafe("two\nlines", true) == "two\nlines");
}

TEST_CASE("date facets set apart only far buckets at the ends, holding at most 1% of the matches") {
  using loupe::FacetCount;
  using loupe::FacetResult;
  // Non-empty years as (year, count); the facet lists only those (as past 5,000 buckets).
  auto years = [](std::vector<std::pair<int, uint64_t>> ys) {
    FacetResult f;
    f.name = "date:year";
    for (auto [y, n] : ys) {
      FacetCount c;
      c.value = std::to_string(y);
      c.count = n;
      c.first_day = loupe::DaysFromCivil(y, 1, 1);
      f.counts.push_back(c);
    }
    return f;
  };
  auto outliers = [](const FacetResult& f) {
    std::vector<std::string> out;
    for (size_t i : loupe::cli::ListDates(f).outliers) out.push_back(f.counts[i].value);
    return out;
  };
  // One mistyped year among thirty-six.
  std::vector<std::pair<int, uint64_t>> ys = {{102, 1}};
  for (int y = 1990; y <= 2025; ++y) ys.emplace_back(y, 3);
  FacetResult f = years(ys);
  CHECK(outliers(f) == std::vector<std::string>{"102"});
  CHECK(loupe::cli::ListDates(f).lo == 1);
  CHECK(loupe::cli::ListDates(f).hi == f.counts.size());
  // Both ends, far apart from the rest, while the two hold at most 1% of the matches.
  ys.emplace_back(9999, 1);
  CHECK(outliers(years(ys)) == std::vector<std::string>{"9999"});  // 2 of 110
  for (auto& [y, n] : ys)
    if (y >= 1990 && y <= 2025) n = 10;
  CHECK(outliers(years(ys)) == std::vector<std::string>{"102", "9999"});  // 2 of 362
  // Adjacent years, or years spread evenly, are never set apart.
  CHECK(outliers(years({{2024, 1}, {2025, 1}})).empty());
  CHECK(outliers(years({{1900, 1}, {1950, 1}, {2000, 1}, {2025, 5}})).empty());
  // Far, but more matches than 1% of the dated ones (at least one): not an outlier.
  CHECK(outliers(years({{102, 2}, {2024, 50}, {2025, 50}})).empty());
  CHECK(outliers(years({{102, 1}, {2024, 50}, {2025, 50}})) == std::vector<std::string>{"102"});
  CHECK(outliers(years({})).empty());
  CHECK(outliers(years({{102, 1}})).empty());
}
