// Corpus article reader and directory walk.
#include <catch2/catch.hpp>
#include <fstream>

#include "loupe/ingest/article.h"
#include "loupe/ingest/walk.h"
#include "support/test_util.h"

using namespace loupe;
using loupe::ingest::ParseArticle;

TEST_CASE("full header article") {
  std::vector<std::string> w;
  Document d =
      ParseArticle(
          "Geneva truce\nAuthor: Ana Ruiz\nDate: 2025-05-12\nActors: Scott Bessent; He Lifeng ;\n"
          "Topics: tariffs; trade talks\nLanguage: en\nSource: Loupe Newsroom\n\nFirst paragraph.\n\nSecond.\n",
          "a/x.txt", "/c/a/x.txt", &w)
          .value();
  CHECK(w.empty());
  CHECK(d.id == "a/x.txt");
  CHECK(d.path == "/c/a/x.txt");
  CHECK(d.title == "Geneva truce");
  CHECK(d.author == "Ana Ruiz");
  REQUIRE(d.date);
  CHECK(FormatIsoDate(*d.date) == "2025-05-12");
  CHECK(d.actors == std::vector<std::string>{"Scott Bessent", "He Lifeng"});
  CHECK(d.topics == std::vector<std::string>{"tariffs", "trade talks"});
  CHECK(d.language == "en");
  CHECK(d.extra == std::vector<std::pair<std::string, std::string>>{{"Source", "Loupe Newsroom"}});
  CHECK(d.body == "First paragraph.\n\nSecond.");
}

TEST_CASE("plain dump: title and author only") {
  std::vector<std::string> w;
  Document d = ParseArticle("Port fees bite\nAuthor: Kim Lee\n\nShips pay more.\n", "p.txt", "p.txt", &w).value();
  CHECK(d.title == "Port fees bite");
  CHECK(d.author == "Kim Lee");
  CHECK_FALSE(d.date);
  CHECK(d.actors.empty());
  CHECK(d.body == "Ships pay more.");
}

TEST_CASE("no headers at all: the first line is the title") {
  std::vector<std::string> w;
  Document d = ParseArticle("Just a title\nAnd then: a body line that looks odd\nmore\n", "n.txt", "n.txt", &w).value();
  CHECK(d.title == "Just a title");
  CHECK(d.extra.size() == 1);  // "And then: ..." reads as a header; documented behaviour
  Document e = ParseArticle("Title line\nplain body text\n", "m.txt", "m.txt", &w).value();
  CHECK(e.body == "plain body text");
}

TEST_CASE("BOM, CRLF and a bad date") {
  std::vector<std::string> w;
  Document d = ParseArticle("\xEF\xBB\xBFTitle\r\nDate: 2025-13-01\r\n\r\nBody\r\n", "b.txt", "b.txt", &w).value();
  CHECK(d.title == "Title");
  CHECK_FALSE(d.date);
  REQUIRE(w.size() == 1);
  CHECK(w[0] ==
        "line 2: unparseable date '2025-13-01' (expected e.g. 2025-09-15, Mon, 15 Sep 2025 10:00:00 +0000 or "
        "September 15, 2025); the article is left undated");
  CHECK(d.body == "Body");
}

TEST_CASE("a year or a month as the date: its first day, and the precision") {
  std::vector<std::string> w;
  Document d = ParseArticle("T\nDate: 1790-06\nSource: Gazette\n\nB", "t.txt", "t.txt", &w).value();
  CHECK(w.empty());
  REQUIRE(d.date);
  CHECK(FormatIsoDate(*d.date) == "1790-06-01");
  CHECK(d.extra ==
        std::vector<std::pair<std::string, std::string>>{{"Date-Precision", "month"}, {"Source", "Gazette"}});
  Document y = ParseArticle("T\nDate: 1790\n\nB", "y.txt", "y.txt", &w).value();
  REQUIRE(y.date);
  CHECK(FormatIsoDate(*y.date) == "1790-01-01");
  CHECK(y.extra == std::vector<std::pair<std::string, std::string>>{{"Date-Precision", "year"}});
  CHECK(w.empty());
}

TEST_CASE("ISO timestamps keep their day") {
  std::vector<std::string> w;
  Document d = ParseArticle("T\nDate: 2025-09-17T08:00:00Z\n\nB", "t.txt", "t.txt", &w).value();
  REQUIRE(d.date);
  CHECK(FormatIsoDate(*d.date) == "2025-09-17");
}

TEST_CASE("empty file gives an empty document, not a crash") {
  std::vector<std::string> w;
  Document d = ParseArticle("", "e.txt", "e.txt", &w).value();
  CHECK(d.title.empty());
  CHECK(d.body.empty());
}

TEST_CASE("the walk lists files by root then id, with relative ids, skipping hidden ones") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.sub("root/sub"));
  std::filesystem::create_directories(dir.sub("root/.hidden"));
  for (const char* f :
       {"root/b.txt", "root/sub/a.txt", "root/.hidden/x.txt", "root/.dot.txt", "root/notes.md", "root/data.csv"})
    std::ofstream(dir.sub(f)) << "T\n";
  auto walk = ingest::Walk({dir.sub("root"), dir.sub("root/b.txt"), dir.sub("missing")}, {}).value();
  REQUIRE(walk.files.size() == 4);
  CHECK(walk.files[0].id == "b.txt");
  CHECK(walk.files[1].id == "notes.md");
  CHECK(walk.files[1].format == ingest::Format::kMarkdown);
  CHECK(walk.files[2].id == "sub/a.txt");
  CHECK(walk.files[2].path == dir.sub("root/sub/a.txt"));
  CHECK(walk.files[2].format == ingest::Format::kText);
  CHECK(walk.files[3].id == "b.txt");  // a file given directly: its name
  CHECK(walk.files[3].root.empty());
  CHECK(walk.hidden == 2);  // .hidden (not entered) and .dot.txt
  CHECK(walk.other == 1);   // data.csv
  CHECK(walk.skipped.empty());
  REQUIRE(walk.errors.size() == 1);
  CHECK(walk.errors[0] == dir.sub("missing") + ": No such file or directory");
}

// The layouts of saved articles: a header block may follow the title after
// blank lines (golden cases: the input, then what is read).
TEST_CASE("article layouts: headers after the title, with or without blank lines") {
  struct Golden {
    const char* text;
    const char* title;
    const char* author;
    const char* date;  // "" for undated
    const char* body;
    size_t warnings;
  };
  const Golden cases[] = {
      {"Title only\n", "Title only", "", "", "", 0},
      {"T\nAuthor: Jane Doe\nDate: 2025-09-15\n\nBody.\n", "T", "Jane Doe", "2025-09-15", "Body.", 0},
      {"U.S. and China Hold Trade Talks in Madrid\n\nAuthor: Shanghai BenCham\n\nThe United States and China "
       "wrapped up talks.\n",
       "U.S. and China Hold Trade Talks in Madrid", "Shanghai BenCham", "",
       "The United States and China wrapped up talks.", 0},
      {"T\n\n\nAuthor: A B\nPublished: 2025-09-14\nSource: Wire\n\nBody.\n", "T", "A B", "2025-09-14", "Body.", 0},
      {"T\n\nBy Jane Doe\n\nBody.\n", "T", "Jane Doe", "", "Body.", 0},
      {"T\n\nBy: Jane Doe\nDate: 2025-09-15\n\nBody.\n", "T", "Jane Doe", "2025-09-15", "Body.", 0},
      {"\xEF\xBB\xBFT\r\n\r\nAuthor: Kim Lee\r\nDate: 2025-09-15\r\n\r\nBody.\r\n", "T", "Kim Lee", "2025-09-15",
       "Body.", 0},
      // A first paragraph that merely contains a colon is body.
      {"T\n\nThe outcome: a truce of 90 days.\n\nMore.\n", "T", "", "", "The outcome: a truce of 90 days.\n\nMore.", 0},
      // "By" starting a sentence is no byline.
      {"T\n\nBy Monday the talks had ended.\n", "T", "", "", "By Monday the talks had ended.", 0},
      // Header-like lines after the body has begun stay body, with a warning.
      {"T\n\nThe talks ended.\n\nAuthor: Jane Doe\nDate: 2025-09-15\n\nMore.\n", "T", "", "",
       "The talks ended.\n\nAuthor: Jane Doe\nDate: 2025-09-15\n\nMore.", 1},
      {"T\nAuthor: A\n\nDate: 2025-09-15\n\nBody.\n", "T", "A", "", "Date: 2025-09-15\n\nBody.", 1},
  };
  for (const Golden& g : cases) {
    INFO(g.text);
    std::vector<std::string> w;
    Document d = ParseArticle(g.text, "a.txt", "a.txt", &w).value();
    CHECK(d.title == g.title);
    CHECK(d.author == g.author);
    CHECK((d.date ? loupe::FormatIsoDate(*d.date) : std::string()) == g.date);
    CHECK(d.body == g.body);
    CHECK(w.size() == g.warnings);
    if (g.warnings) CHECK(w[0].find("looks like a header block but follows") != std::string::npos);
  }
}
