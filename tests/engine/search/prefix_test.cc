// Prefixes are prefixes of the words as written: `educat*` finds education,
// educational and educate although their stem, "educ", is shorter than the
// prefix. Checked against a whole-word scan of the stored text of a few short
// speech-like articles (written for this test), across commits, replacements
// and deletions.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <map>
#include <set>

#include "loupe/index.h"
#include "loupe/query_parser.h"
#include "support/index_util.h"
#include "support/test_util.h"

using namespace loupe;

namespace {

Document Speech(const std::string& id, const std::string& title, const std::string& body) {
  Document d;
  d.id = id;
  d.title = title;
  d.body = body;
  return d;
}

// Made-up addresses in the manner of a yearly message to a legislature.
std::vector<Document> Speeches() {
  return {
      Speech("s1", "Message on education",
             "Education is the ground of our freedom. Every child deserves an educational system that works, "
             "and we will educate the young as our parents were educated. Regulation alone cannot do it."),
      Speech("s2", "Message on the economy",
             "The economy grew this year. Regulators say the regulatory burden fell, and regular families saw "
             "success. Our success is not luck; it is work."),
      Speech("s3", "Message on the frontier",
             "Immigrants built these towns. Immigration laws must be fair, and those who immigrate must be "
             "welcomed. The succession of good harvests was a blessing."),
      Speech("s4", "Message on liberty",
             "Emancipation was the great work of a generation; the emancipated citizens voted. Successive "
             "congresses were happy to regulate commerce, and happier still to see it thrive."),
      Speech("s5", "Message on peace",
             "Happiness is the aim of government. The economies of the world trade with us. A successful "
             "treaty was signed; the tariff was lowered and tariffs on grain were ended."),
      Speech("s6", "Message on schools",
             "Teachers and educators asked for more. The schools of the regular army were opened to all. "
             "Economic growth depends on learning."),
  };
}

// The documents one of whose words in `field_text`, lower-cased, starts with
// `prefix`: a word is a run of letters, digits and apostrophes.
std::set<std::string> Scan(const std::vector<Document>& docs, const std::string& prefix, bool title) {
  std::set<std::string> out;
  for (const Document& d : docs) {
    const std::string& text = title ? d.title : d.body;
    std::string word;
    auto done = [&] {
      if (word.compare(0, prefix.size(), prefix) == 0 && word.size() >= prefix.size()) out.insert(d.id);
      word.clear();
    };
    for (char c : text) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'')
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      else
        done();
    }
    done();
  }
  return out;
}

const char* const kPrefixes[] = {"educat",  "educ",     "immigra",  "emancipat", "regulat", "regul",   "regular",
                                 "success", "successi", "successf", "happi",     "happy",   "economi", "economy",
                                 "tariffs", "tariff",   "tarif",    "message",   "e",       "s"};

// Each prefix in the body (as the engine query: the language has no body:
// field), in the title, and bare (title, body, actor and topic; these
// articles have no actors or topics).
void CheckAll(const Index& index, const std::vector<Document>& live, Analyzer& analyzer) {
  for (const char* p : kPrefixes) {
    for (int where : {0, 1, 2}) {
      std::string text = std::string(where == 1 ? "title:" : "") + p + "*";
      INFO("query: " << text << (where == 0 ? " in the body" : ""));
      auto q = CompileQuery(text, analyzer);
      REQUIRE(q.ok());
      if (where == 0) q = Query::Prefix(Field::kBody, p);
      std::set<std::string> want = Scan(live, p, where == 1);
      if (where == 2)
        for (const std::string& id : Scan(live, p, true)) want.insert(id);
      auto r = index.Search(*q, {.limit = 100});
      REQUIRE(r.ok());
      std::set<std::string> got;
      for (const Hit& h : r->hits) got.insert(h.document.id);
      CHECK(got == want);
      CHECK(r->total == got.size());
      // Counting alone may take another path (bitsets).
      auto counted = index.Search(*q, {.limit = 0, .load_documents = false});
      REQUIRE(counted.ok());
      CHECK(counted->total == got.size());
    }
  }
}

}  // namespace

TEST_CASE("a prefix matches the words as written, not their stems") {
  std::vector<Document> docs = Speeches();
  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    for (size_t i = 0; i < docs.size(); ++i) {
      REQUIRE((*w)->Add(docs[i]).ok());
      if (i == 2) REQUIRE((*w)->Commit().ok());  // two commits: the dictionary is updated, not only created
    }
    REQUIRE((*w)->Commit().ok());
  }
  // What grep would say, first in the figures of the problem it fixes.
  CHECK(Scan(docs, "educat", false) == std::set<std::string>{"s1", "s6"});
  CHECK(Scan(docs, "successi", false) == std::set<std::string>{"s3", "s4"});
  CheckAll(**index, docs, **analyzer);

  // What a prefix expands to is the words as written, with their documents.
  auto exp = (*index)->Expansions(Query::Prefix(Field::kBody, "educat"));
  REQUIRE(exp.ok());
  std::map<std::string, uint64_t> words(exp->begin(), exp->end());
  CHECK(words == std::map<std::string, uint64_t>{
                     {"education", 1}, {"educational", 1}, {"educate", 1}, {"educated", 1}, {"educators", 1}});

  // Replace and delete: words that only those versions had are forgotten, so
  // a stem that keeps other words does not match the prefix through them.
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    docs[2] = Speech("s3", "Message on the frontier", "Immigrants built these towns. Success came to them.");
    REQUIRE((*w)->Add(docs[2]).ok());
    REQUIRE((*w)->Delete("s4").ok());
    docs.erase(docs.begin() + 3);
    REQUIRE((*w)->Commit().ok());
  }
  CHECK(Scan(docs, "successi", false).empty());
  CheckAll(**index, docs, **analyzer);
  exp = (*index)->Expansions(Query::Prefix(Field::kBody, "successi"));
  REQUIRE(exp.ok());
  CHECK(exp->empty());
}

TEST_CASE("a whole word with a star finds itself and the longer words, not the other words of its stem") {
  std::vector<Document> docs = Speeches();
  test::TempDir dir;
  auto index = test::NewIndex(dir, docs);
  test::QueryCompiler compile;
  auto ids = [&](const char* text) { return test::HitIds(*index, compile(text)); };
  // "economies" shares the stem of "economy" but does not start with it.
  CHECK(ids("economy*") == std::set<std::string>{"s2"});
  CHECK(ids("economies") == std::set<std::string>{"s2", "s5"});
  // "happy" is stemmed "happi", which is no prefix of it.
  CHECK(ids("happi*") == std::set<std::string>{"s4", "s5"});
  CHECK(ids("happy*") == std::set<std::string>{"s4"});
}

TEST_CASE("a stem that gains and loses written forms commit by commit stays exact") {
  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  std::vector<Document> live;
  // One commit per step: add (id, body) or delete (id, "").
  auto step = [&](const std::string& id, const std::string& body) {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    live.erase(std::remove_if(live.begin(), live.end(), [&](const Document& d) { return d.id == id; }), live.end());
    if (body.empty()) {
      REQUIRE((*w)->Delete(id).ok());
    } else {
      live.push_back(Speech(id, "", body));
      REQUIRE((*w)->Add(live.back()).ok());
    }
    REQUIRE((*w)->Commit().ok());
    for (const char* p : {"tariff", "tariffs", "tarif", "happy", "happi", "happier"}) {
      INFO("after " << id << ": " << p << "*");
      auto r = (*index)->Search(Query::Prefix(Field::kBody, p), {.limit = 100});
      REQUIRE(r.ok());
      std::set<std::string> got;
      for (const Hit& h : r->hits) got.insert(h.document.id);
      CHECK(got == Scan(live, p, false));
    }
  };
  step("a", "The tariff was set. We are happy.");
  step("b", "Tariffs rose, and nobody was happier.");
  step("b", "");
  step("c", "Tariffs again.");
  step("a", "A tariff and tariffs, happier days.");
  step("c", "");
  step("a", "");
  step("d", "Happy tariff.");
}
