// Golden tests of the corpus file readers: text, Markdown, JSON lines and
// e-mail, text clean-up and encodings (header dates are in dates_test.cc).
#include "loupe/ingest/formats.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ingest/readers.h"  // CleanText
#include "loupe/ingest/walk.h"
#include "support/test_util.h"

using namespace loupe;
using namespace loupe::ingest;

namespace {

std::string Day(const std::optional<Days>& d) { return d ? FormatIsoDate(*d) : "none"; }

// `bytes` parsed as the file `name` (its id and path), which must give one document.
ParsedFile ParseOne(std::string_view bytes, Format format, const std::string& name) {
  ParsedFile p = ParseFile(bytes, format, name, name).value();
  REQUIRE(p.docs.size() == 1);
  return p;
}

}  // namespace

TEST_CASE("text is cleaned: BOM, line ends, invalid UTF-8 with offsets") {
  std::vector<std::string> w;
  CHECK(CleanText("\xEF\xBB\xBFTitle\r\nline\rend", &w).value() == "Title\nline\nend");
  CHECK(w.empty());
  CHECK(CleanText("caf\xC3\xA9 \xE4\xB8\xAD", &w).value() == "caf\xC3\xA9 \xE4\xB8\xAD");
  CHECK(w.empty());
  std::string bad = CleanText(
                        "ab\xFF"
                        "cd\xC3(e\xED\xA0\x80"
                        "f\xF0\x9F\x98",
                        &w)
                        .value();
  CHECK(bad ==
        "ab\xEF\xBF\xBD"
        "cd\xEF\xBF\xBD(e\xEF\xBF\xBD"
        "f\xEF\xBF\xBD");
  REQUIRE(w.size() == 4);
  CHECK(w[0] == "byte 2: invalid UTF-8; replaced by U+FFFD");
  CHECK(w[1] == "byte 5: invalid UTF-8; replaced by U+FFFD");
  CHECK(w[2] == "byte 8: invalid UTF-8; replaced by U+FFFD");
  CHECK(w[3] == "byte 12: invalid UTF-8; replaced by U+FFFD");
  w.clear();
  std::string many(100, '\xFF');
  CleanText(many, &w).value();
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
  auto p = ParseFile("Tariffs Rise\nAuthor: Jane Roe\nDate: Thu, 22 Aug 2002 12:36:23 +0100\n\nBody text.",
                     Format::kText, "a.txt", "/x/a.txt")
               .value();
  REQUIRE(p.docs.size() == 1);
  CHECK(p.docs[0].title == "Tariffs Rise");
  CHECK(p.docs[0].author == "Jane Roe");
  CHECK(Day(p.docs[0].date) == "2002-08-22");
  CHECK(p.docs[0].body == "Body text.");
  auto plain = ParseFile("Just a title line\nand the body follows\n", Format::kText, "b.txt", "b.txt").value();
  CHECK(plain.docs[0].title == "Just a title line");
  CHECK(plain.docs[0].body == "and the body follows");
  auto dated = ParseFile("T\nDate: September 15, 2025\n\nB", Format::kText, "c.txt", "c.txt").value();
  CHECK(Day(dated.docs[0].date) == "2025-09-15");
  auto invalid = ParseFile("T\xFF\n\nB", Format::kText, "d.txt", "d.txt").value();
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
  auto p = ParseOne(md, Format::kMarkdown, "g.md");
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

  auto heading = ParseFile("# A Heading Title\n\nText.", Format::kMarkdown, "h.md", "h.md").value();
  CHECK(heading.docs[0].title == "A Heading Title");
  CHECK(heading.docs[0].body == "Text.");
  auto open = ParseFile("---\ntitle: x\nno end", Format::kMarkdown, "o.md", "o.md").value();
  REQUIRE(open.warnings.size() == 1);
  CHECK(open.warnings[0] == "line 1: front matter has no closing '---'; read as text");
  auto bad_date = ParseFile("---\ndate: soon\n---\nT\n", Format::kMarkdown, "d.md", "d.md").value();
  REQUIRE(bad_date.warnings.size() == 1);
  CHECK(bad_date.warnings[0].rfind("line 2: unparseable date 'soon'", 0) == 0);
  CHECK_FALSE(bad_date.docs[0].date);
}

TEST_CASE("JSON lines: one article per line, bad lines reported and skipped") {
  const char* jl =
      "{\"id\": \"n1\", \"title\": \"One\", \"date\": \"2025-09-15\", \"author\": \"A\", \"actors\": [\"Scott "
      "Bessent\"], "
      "\"topics\": [\"tariffs\"], \"body\": \"First body.\", \"url\": \"https://example.com/1\"}\n"
      "\n"
      "{not json}\n"
      "[1, 2]\n"
      "{\"title\": \"No id\", \"text\": \"Second body.\", \"date\": \"15 Sep 2025\"}\n"
      "{\"id\": 7, \"body\": \"Numeric id.\"}\n"
      "{\"id\": \"empty\"}\n";
  auto p = ParseFile(jl, Format::kJsonLines, "feed.jsonl", "/d/feed.jsonl").value();
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

// The e-mail reader is built when GMime 3 is found (LOUPE_WITHOUT_GMIME is
// defined for the tests otherwise).
#ifndef LOUPE_WITHOUT_GMIME
namespace {

// A message whose text part is nested `depth` multiparts deep (no boundary
// is the start of another).
std::string NestedMail(int depth) {
  auto boundary = [](int i) { return "level-" + std::to_string(i) + "-of-the-nest"; };
  std::string m = "From: a@example.com\nSubject: Deep\nMIME-Version: 1.0\n";
  for (int i = 0; i < depth; ++i)
    m += "Content-Type: multipart/mixed; boundary=\"" + boundary(i) + "\"\n\n--" + boundary(i) + "\n";
  m += "Content-Type: text/plain\n\nThe deep text.\n";
  for (int i = depth - 1; i >= 0; --i) m += "--" + boundary(i) + "--\n";
  return m;
}

Document OneMail(const std::string& mail, std::vector<std::string>* warnings = nullptr) {
  auto p = ParseFile(mail, Format::kEmail, "m.eml", "m.eml").value();
  if (warnings) *warnings = p.warnings;
  return p.docs.empty() ? Document() : p.docs[0];
}

}  // namespace

// `loupe index` reads files on several threads: the first messages may come
// at once (GMime is initialized by whichever comes first).
// Lines are read by simdjson when it is built in, and by nlohmann/json when
// simdjson refuses one; either way an article is filled as nlohmann's map
// gives it: keys in order, the last of equal keys winning, values that are
// not strings written as nlohmann writes them. The big integer and the deep
// nesting are lines only the fallback reads: they must not be lost.
TEST_CASE("JSON lines: duplicate keys, numbers, nesting and lines only the fallback reads") {
  const std::string deep = std::string(2000, '[') + std::string(2000, ']');
  const std::string jl =
      "{\"title\": \"T1\", \"title\": \"T2\", \"body\": \"b\", \"text\": \"t\"}\n"
      "{\"title\": \"Big\", \"views\": 123456789012345678901234567890}\n"
      "{\"title\": \"D\", \"score\": 1.50, \"n\": -3, \"flag\": true, \"none\": null, \"meta\": {\"b\": 1, \"a\": [1, "
      "2.0]}}\n"
      "{\"ID\": \"x\", \"title\": \"Up\"}\n"
      "{\"actors\": [\"A\", \"B\"], \"actors\": [\"C\"], \"topics\": \"p; q\", \"title\": \"Dup\"}\n"
      "{\"title\": \"Deep\", \"x\": " +
      deep + "}\n";
  auto p = ParseFile(jl, Format::kJsonLines, "f.jsonl", "f.jsonl").value();
  CHECK(p.warnings.empty());
  REQUIRE(p.docs.size() == 6);
  CHECK(p.docs[0].title == "T2");
  CHECK(p.docs[0].body == "t");  // body, then text: the later key
  CHECK(p.docs[1].title == "Big");
  REQUIRE(p.docs[1].extra.size() == 1);
  CHECK(p.docs[1].extra[0] == std::pair<std::string, std::string>{"views", "1.2345678901234568e+29"});
  using Extra = std::vector<std::pair<std::string, std::string>>;
  CHECK(p.docs[2].extra ==
        Extra{{"flag", "true"}, {"meta", "{\"a\":[1,2.0],\"b\":1}"}, {"n", "-3"}, {"none", ""}, {"score", "1.5"}});
  CHECK(p.docs[3].id == "f.jsonl#4");  // "ID" is not "id", and is not kept either
  CHECK(p.docs[3].extra.empty());
  CHECK(p.docs[4].actors == std::vector<std::string>{"C"});
  CHECK(p.docs[4].topics == std::vector<std::string>{"p", "q"});
  CHECK(p.docs[5].title == "Deep");
  REQUIRE(p.docs[5].extra.size() == 1);
  CHECK(p.docs[5].extra[0].second == deep);
}

TEST_CASE("JSON lines: a part of a file gives what the whole file gives for its lines") {
  const std::string head = "{\"title\": \"One\"}\n{\"title\": \"Two\"}\n";
  const std::string tail =
      "{\"title\": \"Three\"}\n{oops\n\xEF\xBB\xBF{\"title\": \"Five\"}\n"
      "{\"id\": \"six\", \"title\": \"S\xFFx\"}\n";
  ParsedFile whole = ParseFile(head + tail, Format::kJsonLines, "f.jsonl", "/p/f.jsonl").value();
  ParsedFile part = ParseJsonLines(tail, {3, head.size()}, "f.jsonl", "/p/f.jsonl").value();
  REQUIRE(part.docs.size() == 3);
  CHECK(part.docs[0].id == "f.jsonl#3");
  CHECK(part.docs[1].id == "f.jsonl#5");  // a BOM starting a line that is not the first is the JSON parser's
  CHECK(part.docs[2].id == "six");
  REQUIRE(whole.docs.size() == 5);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(part.docs[i].id == whole.docs[i + 2].id);
    CHECK(part.docs[i].title == whole.docs[i + 2].title);
  }
  CHECK(part.warnings == whole.warnings);
  CHECK(part.warnings ==
        std::vector<std::string>{"byte 105: invalid UTF-8; replaced by U+FFFD", "line 4: not valid JSON; skipped"});
}

TEST_CASE("e-mail: read on several threads at once") {
  const std::string mail =
      "From: =?utf-8?Q?Ren=C3=A9?= <r@example.com>\nSubject: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=\n"
      "Date: Thu, 22 Aug 2002 12:36:23 +0100\nContent-Type: text/plain; charset=iso-8859-16\n\n\xAA"
      "ase\n";
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        Document d = OneMail(mail);
        if (d.title == "Hello world" && d.author == "Ren\xC3\xA9" &&
            d.body ==
                "\xC8\x98"
                "ase" &&
            d.date)
          ++good;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(good == 200);
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
  auto p = ParseOne(simple, Format::kEmail, "m/1.eml");
  const Document& d = p.docs[0];
  CHECK(d.title == "Tariffs \xE2\x80\x94 update");
  CHECK(d.author == "Jane Roe");
  CHECK(Day(d.date) == "2002-08-22");
  CHECK(d.body == "Caf\xC3\xA9 owners fear tariffs.");
  // The headers mail users search by are kept too (custom fields, to:...).
  CHECK(d.extra == std::vector<std::pair<std::string, std::string>>{{"Message-ID", "<1@example.com>"},
                                                                    {"To", "list@example.com"}});
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
  auto m = ParseFile(multi, Format::kEmail, "2.eml", "2.eml").value();
  CHECK(m.docs[0].title == "R\xC3\xA9sum\xC3\xA9 of talks");
  CHECK(m.docs[0].author == "bob@example.com");
  CHECK(Day(m.docs[0].date) == "2025-09-15");
  CHECK(m.docs[0].body == "Plain text version");

  const char* html_only =
      "Subject: Hi\nContent-Type: text/html\n\n<html><body>Hello &amp; welcome<br>again</body></html>\n";
  CHECK(ParseFile(html_only, Format::kEmail, "3.eml", "3.eml").value().docs[0].body == "Hello & welcome\nagain");

  auto bad = ParseFile("Subject: x\nDate: someday\nContent-Type: text/plain; charset=x-unknown-cs\n\nbody\xE9",
                       Format::kEmail, "4.eml", "4.eml")
                 .value();
  REQUIRE(bad.warnings.size() == 3);
  CHECK(bad.warnings[0] == "unparseable Date header 'someday'; the message is left undated");
  CHECK(bad.warnings[1] == "unknown charset 'x-unknown-cs'; read as UTF-8");
  CHECK(bad.warnings[2] == "byte 4: invalid UTF-8; replaced by U+FFFD");
  CHECK(bad.docs[0].body == "body\xEF\xBF\xBD");
}

TEST_CASE("e-mail: multipart of any depth keeps its text") {
  for (int depth : {1, 8, 9, 20, 200, 1024}) {
    INFO("depth " << depth);
    std::vector<std::string> w;
    CHECK(OneMail(NestedMail(depth), &w).body == "The deep text.");
    CHECK(w.empty());
  }
  // Deeper than GMime reads: not silently.
  std::vector<std::string> w;
  CHECK(OneMail(NestedMail(2000), &w).body.empty());
  CHECK(w == std::vector<std::string>{
                 "a multipart part has no parts (nested too deep, or its boundary is missing); not read"});
}

TEST_CASE("e-mail: MIME parameters, encoded words and charsets") {
  // RFC 2231: a boundary in two pieces, a charset in the extended form.
  CHECK(OneMail("Subject: x\nContent-Type: multipart/mixed; boundary*0=\"ab\"; boundary*1=\"cd\"\n\n"
                "--abcd\nContent-Type: text/plain\n\nHello.\n--abcd--\n")
            .body == "Hello.");
  CHECK(OneMail("Subject: x\nContent-Type: text/plain; charset*=''iso-8859-1\n\nCaf\xE9\n").body == "Caf\xC3\xA9");
  // Adjacent base64 words, each padded, and a character split between two words.
  CHECK(OneMail("Subject: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=\n\nb\n").title == "Hello world");
  CHECK(OneMail("Subject: =?utf-8?B?w6k=?=\n =?utf-8?B?w6k=?= and =?UTF-8?Q?caf=C3=A9?=\n\nb\n").title ==
        "\xC3\xA9\xC3\xA9 and caf\xC3\xA9");
  CHECK(OneMail("Subject: =?shift_jis?Q?=93?= =?shift_jis?Q?=8C=8B=9E?=\n\nb\n").title == "\xE6\x9D\xB1\xE4\xBA\xAC");
  // Raw 8-bit headers: UTF-8, else windows-1252.
  CHECK(OneMail("Subject: Caf\xE9 \x93talks\x94\nFrom: Ren\xC3\xA9 <r@example.com>\n\nb\n").title ==
        "Caf\xC3\xA9 \xE2\x80\x9Ctalks\xE2\x80\x9D");
  CHECK(OneMail("Subject: Caf\xE9 \x93talks\x94\nFrom: Ren\xC3\xA9 <r@example.com>\n\nb\n").author == "Ren\xC3\xA9");
  // A charset ICU does not know but the system's iconv does (Romanian).
  std::vector<std::string> w;
  CHECK(OneMail("Subject: x\nContent-Type: text/plain; charset=iso-8859-16\n\n\xAA"
                "ase \xDE\xE2ri\n",
                &w)
            .body ==
        "\xC8\x98"
        "ase \xC8\x9A\xC3\xA2ri");
  CHECK(w.empty());
}

TEST_CASE("e-mail: authors, attachments, HTML and odd messages") {
  CHECK(OneMail("From: jane@example.com (Jane Roe)\nSubject: s\n\nb\n").author == "Jane Roe");
  CHECK(OneMail("From: \"=?utf-8?Q?Jos=C3=A9?= Roe\" <j@example.com>\nSubject: s\n\nb\n").author == "Jos\xC3\xA9 Roe");
  CHECK(OneMail("From: <only@example.com>\nSubject: s\n\nb\n").author == "only@example.com");
  // An attachment is never the body, even when it is text.
  const char* attached =
      "Subject: Report\nContent-Type: multipart/mixed; boundary=\"M\"\n\n"
      "--M\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"notes.txt\"\n\nAttached notes.\n"
      "--M\nContent-Type: text/html; charset=utf-8\n\n<p>The <i>report</i> body.</p>\n--M--\n";
  CHECK(OneMail(attached).body == "The report body.");
  // multipart/alternative: the plain text wins wherever it is.
  const char* alternative =
      "Subject: Alt\nContent-Type: multipart/alternative; boundary=\"A\"\n\n"
      "--A\nContent-Type: text/html\n\n<p>HTML</p>\n"
      "--A\nContent-Type: multipart/related; boundary=\"R\"\n\n"
      "--R\nContent-Type: text/plain\n\nPlain.\n--R--\n--A--\n";
  CHECK(OneMail(alternative).body == "Plain.");
  // A message in an mbox file starts with a "From " line.
  Document mbox = OneMail(
      "From 12345@example.com  Thu Aug 22 12:36:23 2002\nReturn-Path: <a@example.com>\nFrom: Kim Lee <k@example.com>\n"
      "Subject: Quarterly\nDate: Thu, 22 Aug 2002 12:36:23 +0100\nMessage-ID: <q@example.com>\n\nNumbers.\n");
  CHECK(mbox.title == "Quarterly");
  CHECK(mbox.author == "Kim Lee");
  CHECK(Day(mbox.date) == "2002-08-22");
  CHECK(mbox.body == "Numbers.");
  // A Date ParseHeaderDate does not read, GMime's e-mail date parser may.
  CHECK(Day(OneMail("Subject: s\nDate: 22-Aug-2002\n\nb\n").date) == "2002-08-22");
  // No header at all: the text is the body, with a warning.
  std::vector<std::string> w;
  Document bare = OneMail("just some text\nand more\n", &w);
  CHECK(bare.body == "just some text\nand more");
  REQUIRE(w.size() == 1);
  CHECK(w[0] == "no e-mail headers found; read as a body only");
}
#else
TEST_CASE("e-mail: without GMime, .eml files are skipped with the reason") {
  auto p = ParseFile("Subject: x\n\nbody\n", Format::kEmail, "m.eml", "m.eml").value();
  CHECK(p.docs.empty());
  REQUIRE(p.warnings.size() == 1);
  CHECK(p.warnings[0] == "e-mail reader not built: install libgmime-3.0-dev and rebuild");
  test::TempDir dir;
  std::ofstream(dir.sub("m.eml")) << "Subject: x\n\nbody\n";
  std::ofstream(dir.sub("a.txt")) << "T\n";
  auto walk = Walk({dir.path()}, {}).value();
  REQUIRE(walk.files.size() == 1);
  REQUIRE(walk.skipped.size() == 1);
  CHECK(walk.skipped[0].path == dir.sub("m.eml"));
  CHECK(walk.skipped[0].reason == "e-mail reader not built: install libgmime-3.0-dev and rebuild");
}
#endif  // LOUPE_WITHOUT_GMIME

TEST_CASE("text and markdown in a declared charset are converted") {
  auto p = ParseFile(
               "Caf\xE9 Owners\nCharset: iso-8859-1\n\nCr\xE8me br\xFBl\xE9"
               "e and \x93quotes\x94.",
               Format::kText, "l.txt", "l.txt")
               .value();
  REQUIRE(p.docs.size() == 1);
  CHECK(p.docs[0].title == "Caf\xC3\xA9 Owners");
  // iso-8859-1 has no curly quotes: 0x93 and 0x94 are C1 controls, kept as such.
  CHECK(p.docs[0].body.rfind("Cr\xC3\xA8me br\xC3\xBBl\xC3\xA9\x65", 0) == 0);
  CHECK(p.warnings.empty());
  auto w = ParseFile("Quotes\nEncoding: windows-1252\n\n\x93Hello\x94", Format::kText, "w.txt", "w.txt").value();
  CHECK(w.docs[0].body == "\xE2\x80\x9CHello\xE2\x80\x9D");
  auto md =
      ParseFile("---\ntitle: Stra\xDF\x65\ncharset: latin1\n---\nbody", Format::kMarkdown, "m.md", "m.md").value();
  CHECK(md.docs[0].title == "Stra\xC3\x9F\x65");
  auto unknown = ParseFile("T\nCharset: x-klingon\n\nB\xFF", Format::kText, "u.txt", "u.txt").value();
  REQUIRE(unknown.warnings.size() == 2);
  CHECK(unknown.warnings[0] == "unknown charset 'x-klingon'; read as UTF-8");
}

// Text that is not UTF-8 and declares no charset: detected (uchardet), when
// the detection can be trusted; else replaced as before.
#ifndef LOUPE_WITHOUT_UCHARDET
TEST_CASE("text of unknown encoding is detected and converted") {
  const std::string latin1 =
      "Caf\xE9 Owners Fear Tariffs\nAuthor: Ren\xE9 Dupr\xE9\n\nIn Montr\xE9"
      "al, caf\xE9 owners say cr\xE8me "
      "br\xFBl\xE9"
      "e and p\xE2t\xE9 cost more \xE0 cause des \x93tarifs\x94.\n";
  auto p = ParseOne(latin1, Format::kText, "l.txt");
  CHECK(p.docs[0].title == "Caf\xC3\xA9 Owners Fear Tariffs");
  CHECK(p.docs[0].author == "Ren\xC3\xA9 Dupr\xC3\xA9");
  CHECK(p.docs[0].body ==
        "In Montr\xC3\xA9"
        "al, caf\xC3\xA9 owners say cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
        "e and p\xC3\xA2t\xC3\xA9 cost more \xC3\xA0 cause des \xE2\x80\x9Ctarifs\xE2\x80\x9D.");
  CHECK(p.warnings ==
        std::vector<std::string>{"not valid UTF-8 and no charset declared; read as windows-1252 (detected)"});

  // "東京で米中の貿易交渉が再開された。両国は関税の引き下げについて合意した。" in Shift_JIS.
  const std::string sjis =
      "\x93\x8c\x8b\x9e\x82\xc5\x95\xc4\x92\x86\x82\xcc\x96\x66\x88\xd5\x8c\xf0\x8f\xc2\x82\xaa\x8d\xc4\x8a\x4a\x82\xb3"
      "\x82\xea\x82\xbd\x81\x42\x97\xbc\x8d\x91\x82\xcd\x8a\xd6\x90\xc5\x82\xcc\x88\xf8\x82\xab\x89\xba\x82\xb0\x82\xc9"
      "\x82\xc2\x82\xa2\x82\xc4\x8d\x87\x88\xd3\x82\xb5\x82\xbd\x81\x42";
  auto j = ParseOne("---\ntitle: Tokyo talks\n---\n" + sjis + "\n", Format::kMarkdown, "j.md");
  CHECK(j.docs[0].title == "Tokyo talks");
  CHECK(j.docs[0].body ==
        "\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xA7\xE7\xB1\xB3\xE4\xB8\xAD\xE3\x81\xAE\xE8\xB2\xBF\xE6\x98\x93\xE4\xBA\xA4"
        "\xE6\xB8\x89\xE3\x81\x8C\xE5\x86\x8D\xE9\x96\x8B\xE3\x81\x95\xE3\x82\x8C\xE3\x81\x9F\xE3\x80\x82\xE4\xB8\xA1"
        "\xE5\x9B\xBD\xE3\x81\xAF\xE9\x96\xA2\xE7\xA8\x8E\xE3\x81\xAE\xE5\xBC\x95\xE3\x81\x8D\xE4\xB8\x8B\xE3\x81\x92"
        "\xE3\x81\xAB\xE3\x81\xA4\xE3\x81\x84\xE3\x81\xA6\xE5\x90\x88\xE6\x84\x8F\xE3\x81\x97\xE3\x81\x9F\xE3\x80\x82");
  CHECK(j.warnings ==
        std::vector<std::string>{"not valid UTF-8 and no charset declared; read as shift_jis (detected)"});
}
#endif  // LOUPE_WITHOUT_UCHARDET

TEST_CASE("text of unknown encoding that cannot be told stays as before") {
  // Too few non-UTF-8 bytes to tell an encoding.
  auto one = ParseFile("Caf\xE9\n\nB", Format::kText, "o.txt", "o.txt").value();
  CHECK(one.docs[0].title == "Caf\xEF\xBF\xBD");
  CHECK(one.warnings == std::vector<std::string>{"byte 3: invalid UTF-8; replaced by U+FFFD"});
  // UTF-8 with a few stray bytes stays UTF-8.
  auto damaged = ParseFile(
                     "Caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
                     "e p\xC3\xA2t\xC3\xA9 \xFF\xFE\xFD\n\nB",
                     Format::kText, "d.txt", "d.txt")
                     .value();
  CHECK(damaged.docs[0].title ==
        "Caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
        "e p\xC3\xA2t\xC3\xA9 "
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(damaged.warnings.size() == 3);
  // JSON lines must be UTF-8: no detection.
  auto jl = ParseFile(
                "{\"title\": \"Caf\xE9 cr\xE8me br\xFBl\xE9"
                "e p\xE2t\xE9 \xE0 c\xF4t\xE9\"}",
                Format::kJsonLines, "j.jsonl", "j.jsonl")
                .value();
  CHECK(jl.warnings.size() == 9);
}
