// Snippets: passage selection and highlight offsets (loupe/snippet.h).
#include "loupe/snippet.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "loupe/analyzer.h"
#include "loupe/query_parser.h"
#include "loupe/tagger.h"

using namespace loupe;

namespace {

Query Compile(const std::string& text) {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto q = CompileQuery(text, **analyzer);
  INFO(text);
  REQUIRE(q.ok());
  return *q;
}

std::unique_ptr<Snippeter> For(const Query& q, SnippetOptions o = {}) {
  auto s = Snippeter::Create(q, o);
  REQUIRE(s.ok());
  return std::move(*s);
}

// The highlighted pieces of a snippet, in order.
std::vector<std::string> Marked(const Snippet& s) {
  std::vector<std::string> out;
  uint32_t last = 0;
  for (const Highlight& h : s.highlights) {
    REQUIRE(h.begin < h.end);
    REQUIRE(h.end <= s.text.size());
    REQUIRE(h.begin >= last);  // ascending, not overlapping
    last = h.end;
    out.push_back(s.text.substr(h.begin, h.end - h.begin));
  }
  return out;
}

// Display columns (a CJK character is two).
size_t Columns(const std::string& s) {
  size_t cols = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;
    cols += c >= 0xE3 && c <= 0xE9 ? 2 : 1;  // the CJK blocks used below
  }
  return cols;
}

const std::string kBody =
    "The markets opened quietly on Monday. Officials met in Geneva to discuss shipping rules and port fees.\n\n"
    "Treasury Secretary Scott Bessent said the new tariffs would stay until trade talks resume. "
    "He added that China had been told.\n\n"
    "Analysts expect little change before the summer. Exporters in China said the tariff on steel hurt most.";

}  // namespace

TEST_CASE("a stemmed word marks every form with its stem, in the best sentence") {
  auto s = For(Compile("tariffs"))->Passages(kBody).value();
  CHECK(s.matched);
  // The sentence naming tariffs first, grown by its paragraph's next sentence;
  // a second passage only when it matches something new (here nothing).
  CHECK(s.text ==
        "Treasury Secretary Scott Bessent said the new tariffs would stay until trade talks resume. "
        "He added that China had been told.");
  CHECK(Marked(s) == std::vector<std::string>{"tariffs"});
}

TEST_CASE("a second passage shows what the first does not, in text order with an ellipsis between") {
  auto s = For(Compile("steel Geneva"))->Passages(kBody).value();
  CHECK(s.text ==
        "The markets opened quietly on Monday. Officials met in Geneva to discuss shipping rules and port fees. "
        "\xE2\x80\xA6 "
        "Analysts expect little change before the summer. Exporters in China said the tariff on steel hurt most.");
  CHECK(Marked(s) == std::vector<std::string>{"Geneva", "steel"});
  // Passages that follow each other in the text are joined without one.
  auto adjacent = For(Compile("tariffs Geneva"))->Passages(kBody).value();
  CHECK(adjacent.text.find("\xE2\x80\xA6") == std::string::npos);
  CHECK(Marked(adjacent) == std::vector<std::string>{"Geneva", "tariffs"});
  auto one = For(Compile("tariffs Geneva"), {.target_columns = 200, .max_passages = 1})->Passages(kBody).value();
  CHECK(Marked(one).size() == 1);
}

TEST_CASE("a phrase is marked only where its words stand together") {
  auto s = For(Compile("\"trade talks\" steel"))->Passages(kBody).value();
  std::vector<std::string> m = Marked(s);
  CHECK(m == std::vector<std::string>{"trade talks", "steel"});
  // "trade" alone elsewhere is not marked.
  auto lone = For(Compile("\"trade rules\""))->Passages(kBody).value();
  CHECK(Marked(lone).empty());
  CHECK_FALSE(lone.matched);
}

TEST_CASE("words under NOT are never marked") {
  auto s = For(Compile("tariffs -China"))->Passages(kBody).value();
  for (const std::string& m : Marked(s)) CHECK(m != "China");
  CHECK(Marked(s) == std::vector<std::string>{"tariffs"});
}

TEST_CASE("actor names and their aliases are marked in the text, adjacent words as one mark") {
  // What the planner builds for actor:Bessent with a gazetteer: the alias phrases.
  Query q = Query::Or({Query::Phrase(Field::kActor, {"treasury", "secretary", "scott", "bessent"}),
                       Query::Phrase(Field::kActor, {"贝", "森", "特"})});
  auto s = For(q)->Passages(kBody).value();
  CHECK(Marked(s) == std::vector<std::string>{"Treasury Secretary Scott Bessent"});
  const std::string zh =
      "中美双方在马德里举行会谈。财政部长贝森特表示，双方取得了积极进展。分析人士认为，关税休战即将到期。";
  auto z = For(q)->Passages(zh).value();
  CHECK(Marked(z) == std::vector<std::string>{"贝森特"});
  CHECK(z.text.find("财政部长贝森特表示") != std::string::npos);
  // A name's parts joined by a middle dot are one mark.
  Query full = Query::Phrase(Field::kActor, {"斯", "科", "特", "贝", "森", "特"});
  auto dotted = For(full)->Passages("美国财政部长斯科特·贝森特表示，会谈富有成效。").value();
  CHECK(Marked(dotted) == std::vector<std::string>{"斯科特·贝森特"});
}

TEST_CASE("CJK text: offsets are bytes of the snippet and length is counted in display columns") {
  std::string zh;
  for (int i = 0; i < 12; ++i) zh += "双方在会谈中讨论了贸易问题和出口管制问题，";
  zh += "关税维持不变。";
  auto s = For(Compile("关税"), {.target_columns = 60, .max_passages = 2})->Passages(zh).value();
  REQUIRE(s.matched);
  CHECK(Marked(s) == std::vector<std::string>{"关税"});
  // Cut inside one long sentence: an ellipsis before, within about the target.
  CHECK(s.text.rfind("\xE2\x80\xA6", 0) == 0);
  CHECK(Columns(s.text) <= 60 + 2);
}

TEST_CASE("a long sentence is cut around its first match at word boundaries") {
  std::string body = "Intro sentence here. ";
  for (int i = 0; i < 30; ++i) body += "word" + std::to_string(i) + " ";
  body += "the tariff rose ";
  for (int i = 30; i < 60; ++i) body += "word" + std::to_string(i) + " ";
  body += "end.";
  auto s = For(Compile("tariff"), {.target_columns = 80, .max_passages = 1})->Passages(body).value();
  CHECK(Marked(s) == std::vector<std::string>{"tariff"});
  CHECK(s.text.rfind("\xE2\x80\xA6", 0) == 0);  // cut before
  CHECK(s.text.size() > 3);
  CHECK(s.text.compare(s.text.size() - 3, 3, "\xE2\x80\xA6") == 0);  // and after
  CHECK(Columns(s.text) <= 80 + 2);
  // Whole words only: every piece between spaces is a word of the body.
  std::string inner = s.text.substr(3, s.text.size() - 6);
  CHECK(inner.front() != ' ');
  CHECK(inner.find("word") != std::string::npos);
  CHECK(body.find(inner) != std::string::npos);
}

TEST_CASE("no match: the opening of the text, unmarked") {
  auto s = For(Compile("date:2025"))->Passages(kBody).value();
  CHECK_FALSE(s.matched);
  CHECK(s.highlights.empty());
  CHECK(s.text ==
        "The markets opened quietly on Monday. Officials met in Geneva to discuss shipping rules and port fees.");
  CHECK(For(Compile("tariffs"))->Passages("").value().text.empty());
}

TEST_CASE("prefix, fuzzy and exact words mark what the search matched") {
  CHECK(Marked(For(Compile("tarif*"))->Passages(kBody).value()) == std::vector<std::string>{"tariffs"});
  CHECK(Marked(For(Compile("tarrifs~"))->Passages(kBody).value()) == std::vector<std::string>{"tariffs"});
  const std::string text = "The US said us. The us delegation met the US team.";
  auto exact = For(Compile("=US"))->HighlightAll(text).value();
  CHECK(Marked(exact) == std::vector<std::string>{"US", "US"});
  CHECK(exact.highlights[0].begin == 4);
  auto folded = For(Compile("=us"))->HighlightAll(text).value();
  CHECK(Marked(folded).size() == 4);
}

TEST_CASE("HighlightAll keeps the whole text and collapses whitespace") {
  auto s = For(Compile("title:tariffs OR china"))
               ->HighlightAll("  U.S. Doubles\n Fentanyl Tariff on Chinese   Goods ")
               .value();
  CHECK(s.text == "U.S. Doubles Fentanyl Tariff on Chinese Goods");
  CHECK(Marked(s) == std::vector<std::string>{"Tariff"});
  CHECK(s.highlights[0].begin == 22);
  CHECK(s.matched);
}

TEST_CASE("invalid UTF-8 and odd input never break a snippet") {
  std::string bad = "tariffs \xFF\xFE broken \xE2\x80 text. Another tariff sentence.";
  auto s = For(Compile("tariffs"))->Passages(bad).value();
  for (const std::string& m : Marked(s)) CHECK((m == "tariffs" || m == "tariff"));
  auto huge = For(Compile("tariff"))->Passages(std::string(100000, 'x') + " tariff").value();
  CHECK(Columns(huge.text) <= 200 + 2);
}

TEST_CASE("two cut passages: one ellipsis between them, never two") {
  std::string body;
  for (int i = 0; i < 40; ++i) body += "filler" + std::to_string(i) + " ";
  body += "alpha ";
  for (int i = 40; i < 80; ++i) body += "filler" + std::to_string(i) + " ";
  body += "end. Next ";
  for (int i = 0; i < 40; ++i) body += "word" + std::to_string(i) + " ";
  body += "beta ";
  for (int i = 40; i < 80; ++i) body += "word" + std::to_string(i) + " ";
  body += "stop.";
  auto s = For(Compile("alpha beta"), {.target_columns = 60, .max_passages = 2})->Passages(body).value();
  REQUIRE(Marked(s) == std::vector<std::string>{"alpha", "beta"});
  const std::string dots = "\xE2\x80\xA6";
  CHECK(s.text.rfind(dots, 0) == 0);
  CHECK(s.text.compare(s.text.size() - 3, 3, dots) == 0);
  CHECK(s.text.find(dots + " " + dots) == std::string::npos);
  CHECK(s.text.find(" " + dots + " ") != std::string::npos);
  size_t count = 0;
  for (size_t at = s.text.find(dots); at != std::string::npos; at = s.text.find(dots, at + 3)) ++count;
  CHECK(count == 3);  // before, between, after
}

TEST_CASE("a very long sentence is cut around its match (one pass over it)") {
  std::string body;
  for (int i = 0; i < 60000; ++i) body += "cargo ";
  body += "embargo";
  for (int i = 0; i < 10; ++i) body += " cargo";
  auto s = For(Compile("embargo"))->Passages(body).value();
  CHECK(Marked(s) == std::vector<std::string>{"embargo"});
  CHECK(Columns(s.text) <= 200 + 2);
}

TEST_CASE("a hit's words are stemmed in its language, to meet the query's stems") {
  auto s = For(Query::Term(Field::kBody, "n\xC3\xA9goci"));  // the French stem of négocier
  const std::string text = "Les n\xC3\xA9gociateurs reprennent les n\xC3\xA9gociations.";
  CHECK(Marked(s->Passages(text).value()).empty());  // stemmed as English: négociateur, négociat
  REQUIRE(s->SetStemmerLanguage("french").ok());
  CHECK(Marked(s->Passages(text).value()) == std::vector<std::string>{"n\xC3\xA9gociateurs", "n\xC3\xA9gociations"});
  CHECK(s->SetStemmerLanguage("klingon").code() == StatusCode::kInvalidArgument);
}

TEST_CASE("actor:NAME searches the canonical name; the gazetteer's other names are marked as written") {
  std::vector<std::string> errors;
  auto gazetteer = Tagger::Create(
                       "Scott Bessent | person | Bessent | "
                       "\xE6\x96\xAF\xE7\xA7\x91\xE7\x89\xB9\xC2\xB7\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9 "
                       "| \xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9\n",  // 斯科特·贝森特, 贝森特
                       "", &errors)
                       .value();
  REQUIRE(gazetteer);
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  PlanOptions plan;
  plan.gazetteer = gazetteer.get();
  auto q = CompileQuery("actor:\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9", **analyzer, plan);  // actor:贝森特
  REQUIRE(q.ok());
  CHECK(q->ToString() == "actor:\"scott bessent\"");
  const std::string zh = "中美双方在马德里举行会谈。财政部长贝森特表示，双方取得了积极进展。";
  // Without the gazetteer only the canonical name is looked for; with it, every name.
  CHECK(Marked(For(*q)->Passages(zh).value()).empty());
  CHECK(Marked(For(*q, {.gazetteer = gazetteer.get()})->Passages(zh).value()) == std::vector<std::string>{"贝森特"});
  CHECK(Marked(For(*q, {.gazetteer = gazetteer.get()})->Passages(kBody).value()) ==
        std::vector<std::string>{"Scott Bessent"});
}
