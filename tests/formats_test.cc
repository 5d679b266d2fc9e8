// Golden tests of the corpus file readers: text, Markdown, JSON lines and
// e-mail, header dates, and text clean-up.
#include <catch2/catch.hpp>

#include "loupe/ingest/formats.h"

using namespace loupe;
using namespace loupe::ingest;

namespace {

std::string Day(const std::optional<Days>& d) { return d ? FormatIsoDate(*d) : "none"; }

}  // namespace

TEST_CASE("header dates in the usual forms, as UTC days") {
  struct Row {
    const char* text;
    const char* day;
  };
  const Row rows[] = {
      {"2025-09-15", "2025-09-15"},
      {"  2025-09-15  ", "2025-09-15"},
      {"2025-09-15T10:00:00Z", "2025-09-15"},
      {"2025-09-15T23:30:00-05:00", "2025-09-16"},  // 04:30 UTC the next day
      {"2025-09-15T01:30:00+02:00", "2025-09-14"},
      {"2025-09-15 10:00", "2025-09-15"},
      {"2025-09-15T10:00:00.123+0000", "2025-09-15"},
      {"Thu, 22 Aug 2002 12:36:23 +0100", "2002-08-22"},
      {"Thu, 22 Aug 2002 00:36:23 +0100", "2002-08-21"},
      {"22 Aug 2002 23:59:59 -0800", "2002-08-23"},
      {"Mon, 2 Sep 2002 10:00:00 -0700 (PDT)", "2002-09-02"},
      {"Wed, 4 Sep 2002 13:26:47 EDT", "2002-09-04"},
      {"September 15, 2025", "2025-09-15"},
      {"Sep 15 2025", "2025-09-15"},
      {"Sept. 15, 2025", "2025-09-15"},
      {"15 Sep 2025", "2025-09-15"},
      {"15 September 2025", "2025-09-15"},
      {"September 15th, 2025", "2025-09-15"},
      {"2024-02-29", "2024-02-29"},
      {"2025-02-29", "none"},
      {"2025-13-01", "none"},
      {"September 31, 2025", "none"},
      {"yesterday", "none"},
      {"15/09/2025", "none"},
      {"", "none"},
      {"2025-09-15T25:00:00Z", "none"},
      {"Thu, 22 Aug 2002 12:36:23 +9999", "none"},
  };
  for (const Row& r : rows) {
    INFO("date: " << r.text);
    CHECK(Day(ParseHeaderDate(r.text)) == r.day);
  }
}

TEST_CASE("text is cleaned: BOM, line ends, invalid UTF-8 with offsets") {
  std::vector<std::string> w;
  CHECK(CleanText("\xEF\xBB\xBFTitle\r\nline\rend", &w) == "Title\nline\nend");
  CHECK(w.empty());
  CHECK(CleanText("caf\xC3\xA9 \xE4\xB8\xAD", &w) == "caf\xC3\xA9 \xE4\xB8\xAD");
  CHECK(w.empty());
  std::string bad = CleanText("ab\xFF" "cd\xC3(e\xED\xA0\x80" "f\xF0\x9F\x98", &w);
  CHECK(bad == "ab\xEF\xBF\xBD" "cd\xEF\xBF\xBD(e\xEF\xBF\xBD" "f\xEF\xBF\xBD");
  REQUIRE(w.size() == 4);
  CHECK(w[0] == "byte 2: invalid UTF-8; replaced by U+FFFD");
  CHECK(w[1] == "byte 5: invalid UTF-8; replaced by U+FFFD");
  CHECK(w[2] == "byte 8: invalid UTF-8; replaced by U+FFFD");
  CHECK(w[3] == "byte 12: invalid UTF-8; replaced by U+FFFD");
  w.clear();
  std::string many(100, '\xFF');
  CleanText(many, &w);
  REQUIRE(w.size() == 11);
  CHECK(w.back() == "90 more invalid UTF-8 sequences replaced");
}

TEST_CASE("formats by extension") {
  CHECK(FormatOf("a/b.txt") == Format::kText);
  CHECK(FormatOf("a/b.MD") == Format::kMarkdown);
  CHECK(FormatOf("b.markdown") == Format::kMarkdown);
  CHECK(FormatOf("b.jsonl") == Format::kJsonLines);
  CHECK(FormatOf("b.ndjson") == Format::kJsonLines);
  CHECK(FormatOf("b.eml") == Format::kEmail);
  CHECK_FALSE(FormatOf("b.pdf"));
  CHECK_FALSE(FormatOf("dir.txt/file"));
  CHECK_FALSE(FormatOf("README"));
}

TEST_CASE("text: headers, a plain dump, RFC 2822 dates") {
  auto p = ParseFile("Tariffs Rise\nAuthor: Jane Roe\nDate: Thu, 22 Aug 2002 12:36:23 +0100\n\nBody text.", Format::kText,
                     "a.txt", "/x/a.txt");
  REQUIRE(p.docs.size() == 1);
  CHECK(p.docs[0].title == "Tariffs Rise");
  CHECK(p.docs[0].author == "Jane Roe");
  CHECK(Day(p.docs[0].date) == "2002-08-22");
  CHECK(p.docs[0].body == "Body text.");
  auto plain = ParseFile("Just a title line\nand the body follows\n", Format::kText, "b.txt", "b.txt");
  CHECK(plain.docs[0].title == "Just a title line");
  CHECK(plain.docs[0].body == "and the body follows");
  auto dated = ParseFile("T\nDate: September 15, 2025\n\nB", Format::kText, "c.txt", "c.txt");
  CHECK(Day(dated.docs[0].date) == "2025-09-15");
  auto invalid = ParseFile("T\xFF\n\nB", Format::kText, "d.txt", "d.txt");
  REQUIRE(invalid.warnings.size() == 1);
  CHECK(invalid.warnings[0] == "byte 1: invalid UTF-8; replaced by U+FFFD");
  CHECK(invalid.docs[0].title == "T\xEF\xBF\xBD");
}

TEST_CASE("markdown with front matter") {
  const char* md =
      "---\n"
      "title: \"Geneva Truce Holds\"\n"
      "date: 2025-05-12\n"
      "author: Dana Whitcombe\n"
      "actors: [Scott Bessent, He Lifeng]\n"
      "topics:\n"
      "  - tariffs\n"
      "  - trade talks\n"
      "source: Loupe Newsroom\n"
      "---\n"
      "\n"
      "# Ignored heading? No: the front matter gave the title\n"
      "\n"
      "Body paragraph.\n";
  auto p = ParseFile(md, Format::kMarkdown, "g.md", "g.md");
  REQUIRE(p.docs.size() == 1);
  const Document& d = p.docs[0];
  CHECK(d.title == "Geneva Truce Holds");
  CHECK(Day(d.date) == "2025-05-12");
  CHECK(d.author == "Dana Whitcombe");
  CHECK(d.actors == std::vector<std::string>{"Scott Bessent", "He Lifeng"});
  CHECK(d.topics == std::vector<std::string>{"tariffs", "trade talks"});
  REQUIRE(d.extra.size() == 1);
  CHECK(d.extra[0] == std::pair<std::string, std::string>{"source", "Loupe Newsroom"});
  CHECK(d.body.find("Body paragraph.") != std::string::npos);
  CHECK(p.warnings.empty());

  auto heading = ParseFile("# A Heading Title\n\nText.", Format::kMarkdown, "h.md", "h.md");
  CHECK(heading.docs[0].title == "A Heading Title");
  CHECK(heading.docs[0].body == "Text.");
  auto open = ParseFile("---\ntitle: x\nno end", Format::kMarkdown, "o.md", "o.md");
  REQUIRE(open.warnings.size() == 1);
  CHECK(open.warnings[0] == "line 1: front matter has no closing '---'; read as text");
  auto bad_date = ParseFile("---\ndate: soon\n---\nT\n", Format::kMarkdown, "d.md", "d.md");
  REQUIRE(bad_date.warnings.size() == 1);
  CHECK(bad_date.warnings[0].rfind("line 2: unparseable date 'soon'", 0) == 0);
  CHECK_FALSE(bad_date.docs[0].date);
}

TEST_CASE("JSON lines: one article per line, bad lines reported and skipped") {
  const char* jl =
      "{\"id\": \"n1\", \"title\": \"One\", \"date\": \"2025-09-15\", \"author\": \"A\", \"actors\": [\"Scott Bessent\"], "
      "\"topics\": [\"tariffs\"], \"body\": \"First body.\", \"url\": \"https://example.com/1\"}\n"
      "\n"
      "{not json}\n"
      "[1, 2]\n"
      "{\"title\": \"No id\", \"text\": \"Second body.\", \"date\": \"15 Sep 2025\"}\n"
      "{\"id\": 7, \"body\": \"Numeric id.\"}\n"
      "{\"id\": \"empty\"}\n";
  auto p = ParseFile(jl, Format::kJsonLines, "feed.jsonl", "/d/feed.jsonl");
  REQUIRE(p.docs.size() == 3);
  CHECK(p.docs[0].id == "n1");
  CHECK(p.docs[0].title == "One");
  CHECK(Day(p.docs[0].date) == "2025-09-15");
  CHECK(p.docs[0].actors == std::vector<std::string>{"Scott Bessent"});
  CHECK(p.docs[0].topics == std::vector<std::string>{"tariffs"});
  CHECK(p.docs[0].body == "First body.");
  REQUIRE(p.docs[0].extra.size() == 1);
  CHECK(p.docs[0].extra[0].second == "https://example.com/1");
  CHECK(p.docs[0].path == "/d/feed.jsonl");
  CHECK(p.docs[1].id == "feed.jsonl#5");
  CHECK(p.docs[1].body == "Second body.");
  CHECK(Day(p.docs[1].date) == "2025-09-15");
  CHECK(p.docs[2].id == "7");
  REQUIRE(p.warnings.size() == 3);
  CHECK(p.warnings[0] == "line 3: not valid JSON; skipped");
  CHECK(p.warnings[1] == "line 4: not a JSON object; skipped");
  CHECK(p.warnings[2] == "line 7: no title and no body; skipped");
}

TEST_CASE("e-mail: headers, encoded words, quoted-printable, base64, charsets, multipart") {
  const char* simple =
      "From: \"Jane Roe\" <jane@example.com>\r\n"
      "To: list@example.com\r\n"
      "Subject: =?utf-8?B?VGFyaWZmcyDigJQgdXBkYXRl?=\r\n"
      "Date: Thu, 22 Aug 2002 12:36:23 +0100\r\n"
      "Message-ID: <1@example.com>\r\n"
      "Content-Type: text/plain; charset=\"iso-8859-1\"\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Caf=E9 owners fear tari=\r\n"
      "ffs.\r\n";
  auto p = ParseFile(simple, Format::kEmail, "m/1.eml", "m/1.eml");
  REQUIRE(p.docs.size() == 1);
  const Document& d = p.docs[0];
  CHECK(d.title == "Tariffs \xE2\x80\x94 update");
  CHECK(d.author == "Jane Roe");
  CHECK(Day(d.date) == "2002-08-22");
  CHECK(d.body == "Caf\xC3\xA9 owners fear tariffs.");
  CHECK(p.warnings.empty());

  const char* multi =
      "From: bob@example.com\n"
      "Subject: =?iso-8859-1?Q?R=E9sum=E9_of?= =?iso-8859-1?Q?_talks?=\n"
      "Date: 15 Sep 2025 10:00:00 -0000\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/alternative;\n"
      "\tboundary=\"XYZ\"\n"
      "\n"
      "preamble\n"
      "--XYZ\n"
      "Content-Type: text/html; charset=utf-8\n"
      "\n"
      "<p>HTML <b>version</b></p>\n"
      "--XYZ\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "UGxhaW4gdGV4dCB2ZXJzaW9u\n"
      "--XYZ--\n";
  auto m = ParseFile(multi, Format::kEmail, "2.eml", "2.eml");
  CHECK(m.docs[0].title == "R\xC3\xA9sum\xC3\xA9 of talks");
  CHECK(m.docs[0].author == "bob@example.com");
  CHECK(Day(m.docs[0].date) == "2025-09-15");
  CHECK(m.docs[0].body == "Plain text version");

  const char* html_only =
      "Subject: Hi\nContent-Type: text/html\n\n<html><body>Hello &amp; welcome<br>again</body></html>\n";
  CHECK(ParseFile(html_only, Format::kEmail, "3.eml", "3.eml").docs[0].body == "Hello & welcome\nagain");

  auto bad = ParseFile("Subject: x\nDate: someday\nContent-Type: text/plain; charset=x-unknown-cs\n\nbody\xE9",
                       Format::kEmail, "4.eml", "4.eml");
  REQUIRE(bad.warnings.size() == 3);
  CHECK(bad.warnings[0] == "unparseable Date header 'someday'; the message is left undated");
  CHECK(bad.warnings[1] == "unknown charset 'x-unknown-cs'; read as UTF-8");
  CHECK(bad.warnings[2] == "byte 4: invalid UTF-8; replaced by U+FFFD");
  CHECK(bad.docs[0].body == "body\xEF\xBF\xBD");
}

TEST_CASE("text and markdown in a declared charset are converted") {
  auto p = ParseFile("Caf\xE9 Owners\nCharset: iso-8859-1\n\nCr\xE8me br\xFBl\xE9" "e and \x93quotes\x94.", Format::kText,
                     "l.txt", "l.txt");
  REQUIRE(p.docs.size() == 1);
  CHECK(p.docs[0].title == "Caf\xC3\xA9 Owners");
  // iso-8859-1 has no curly quotes: 0x93 and 0x94 are C1 controls, kept as such.
  CHECK(p.docs[0].body.rfind("Cr\xC3\xA8me br\xC3\xBBl\xC3\xA9\x65", 0) == 0);
  CHECK(p.warnings.empty());
  auto w = ParseFile("Quotes\nEncoding: windows-1252\n\n\x93Hello\x94", Format::kText, "w.txt", "w.txt");
  CHECK(w.docs[0].body == "\xE2\x80\x9CHello\xE2\x80\x9D");
  auto md = ParseFile("---\ntitle: Stra\xDF\x65\ncharset: latin1\n---\nbody", Format::kMarkdown, "m.md", "m.md");
  CHECK(md.docs[0].title == "Stra\xC3\x9F\x65");
  auto unknown = ParseFile("T\nCharset: x-klingon\n\nB\xFF", Format::kText, "u.txt", "u.txt");
  REQUIRE(unknown.warnings.size() == 2);
  CHECK(unknown.warnings[0] == "unknown charset 'x-klingon'; read as UTF-8");
}
