// The CLI's shared helpers (tools/cli/common.cc): repeated warnings counted,
// ids shown and read back, text made safe for a terminal.
#include <catch2/catch.hpp>

#include "cli/common.h"

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
