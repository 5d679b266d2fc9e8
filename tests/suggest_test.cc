// Did you mean: corrections of misspelt query words from an index of corpus/.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "loupe/index.h"
#include "loupe/ingest/article.h"
#include "loupe/suggest.h"
#include "test_util.h"

using namespace loupe;

namespace {

// The corpus, indexed once for all the cases.
const Index& CorpusIndex() {
  static loupe::test::TempDir dir;
  static std::unique_ptr<Index> index = [] {
    auto idx = Index::Open(dir.sub("idx"), {.create_if_missing = true});
    REQUIRE(idx.ok());
    auto w = (*idx)->NewWriter();
    REQUIRE(w.ok());
    std::vector<std::string> errors;
    size_t skipped = 0;
    for (const auto& f : ingest::ListCorpus({std::string(LOUPE_SOURCE_DIR) + "/corpus"}, &errors, &skipped)) {
      std::ifstream in(f.path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::vector<std::string> warnings;
      REQUIRE((*w)->Add(ingest::ParseArticle(ss.str(), f.id, f.path, &warnings)).ok());
    }
    REQUIRE((*w)->Commit().ok());
    w->reset();
    return std::move(*idx);
  }();
  return *index;
}

struct FakeGazetteer : Gazetteer {
  std::vector<std::string> NamesOf(std::string_view name) const override {
    if (name == "Besent") return {"Besent Holdings"};  // a (made-up) actor whose name looks like a typo
    return {};
  }
};

Suggestion Suggest(const std::string& query, const Gazetteer* g = nullptr) {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto s = SuggestCorrection(query, CorpusIndex(), **analyzer, g);
  INFO(query);
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("misspelt words and field values are corrected from the index") {
  struct Case {
    const char* query;
    const char* expect;
  } cases[] = {
      {"actor:Besent AND topic:tarrifs", "actor:Bessent AND topic:tariffs"},
      {"actor:Besent AND topic:tarrifs before:2025-09-17", "actor:Bessent AND topic:tariffs before:2025-09-17"},
      {"tarrifs chna", "tariffs china"},
      {"\"trade tlaks\"", "\"trade talks\""},  // a swap of two letters is one edit
      {"Bessnt", "Bessent"},                   // capitalization kept
      {"treasurey secretery", "treasury secretary"},
      {"tariffs OR chna", "tariffs OR china"},
  };
  for (const Case& c : cases) {
    Suggestion s = Suggest(c.query);
    INFO(c.query);
    CHECK(s.query == c.expect);
  }
  CHECK(Suggest("tarrifs").changes == std::vector<std::string>{"tarrifs -> tariffs"});
}

TEST_CASE("nothing to correct: right words, excluded words, prefixes, fuzzy and exact words, names") {
  for (const char* q : {"actor:Bessent AND topic:tariffs", "tariffs -chna", "tarif*", "tarrifs~", "=Tarrifs",
                        "He Lifeng", "beijing", "zzzzzzzz", "关税", "ab"}) {
    INFO(q);
    Suggestion s = Suggest(q);
    CHECK(s.query.empty());
    CHECK(s.changes.empty());
  }
  FakeGazetteer g;
  CHECK(Suggest("actor:Besent", &g).query.empty());  // a name the gazetteer knows
  CHECK(Suggest("actor:Besent").query == "actor:Bessent");
}

TEST_CASE("a query that does not parse has no suggestion") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto s = SuggestCorrection("(tarrifs", CorpusIndex(), **analyzer);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == StatusCode::kQuerySyntax);
}

TEST_CASE("the replacement is the written form closest to what was typed") {
  CHECK(Suggest("soybeens").query == "soybeans");  // not "soybean": both have the stem, one edit is closer
}
