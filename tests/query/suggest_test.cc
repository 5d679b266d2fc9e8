// Did you mean: corrections of misspelt query words from an index of corpus/.
#include "loupe/suggest.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "loupe/index.h"
#include "loupe/ingest/article.h"
#include "loupe/ingest/walk.h"
#include "support/test_util.h"

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
    const ingest::WalkResult walk = ingest::Walk({std::string(LOUPE_SOURCE_DIR) + "/corpus"}, {}).value();
    for (const auto& f : walk.files) {
      if (f.format != ingest::Format::kText) continue;
      std::ifstream in(f.path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::vector<std::string> warnings;
      REQUIRE((*w)->Add(ingest::ParseArticle(ss.str(), f.id, f.path, &warnings).value()).ok());
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

TEST_CASE("a suggestion is a word the index holds as written, and its hits are its own") {
  // "succession" is stemmed "success", the stem of a word far more common
  // here; "secession" is written once. Stems would propose the common stem and
  // show it as "succession", whose hits are the articles about success.
  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    const char* texts[] = {
        "Our success this year was great.",
        "A successful harvest came in.",
        "Success and more success.",
        "They worked and saw success.",
        "The successes of the nation.",
        "The succession of governors.",
        "Secession was debated in the hall.",
        "Tariffs on grain were lowered.",
        "The tariffs on iron stay.",
        "New tariffs were proposed.",
        "The ship carries grain.",
        "A cart carries iron.",
        "He carries the flag.",
        "She carried the vote.",
        "They carry on.",
        "Trains carry coal.",
        "We carried the day.",
        "It carries weight.",
    };
    int n = 0;
    for (const char* t : texts) {
      Document d;
      d.id = "d" + std::to_string(++n);
      d.body = t;
      REQUIRE((*w)->Add(d).ok());
    }
    REQUIRE((*w)->Commit().ok());
  }
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto suggest = [&](const char* q) {
    auto s = SuggestCorrection(q, **index, **analyzer);
    REQUIRE(s.ok());
    return s->query;
  };
  auto hits = [&](const std::string& q) {
    auto c = CompileQuery(q, **analyzer);
    REQUIRE(c.ok());
    auto r = (*index)->Search(*c, {.limit = 0});
    REQUIRE(r.ok());
    return r->total;
  };
  CHECK(suggest("seccession") == "secession");
  CHECK(hits("secession") == 1);
  // A doubled letter misplaced is closer than two other letters, however
  // common the stem of the other word ("carri": carries, carried, carry).
  CHECK(suggest("tarrifs") == "tariffs");
  CHECK(hits("tariffs") == 3);
}

namespace {

// The corpus index, counting the dictionary look-ups and searches made through it.
class CountingIndex : public Index {
 public:
  explicit CountingIndex(const Index& base) : base_(base) {}
  Result<std::unique_ptr<Writer>> NewWriter() override { return Status::InvalidArgument("read only"); }
  Result<SearchResults> Search(const Query& q, const SearchOptions& o) const override {
    ++lookups;
    return base_.Search(q, o);
  }
  Result<Document> GetDocument(const std::string& id) const override { return base_.GetDocument(id); }
  Result<IndexStats> Stats() const override { return base_.Stats(); }
  Result<Explanation> Explain(const Query& q, const std::string& id) const override { return base_.Explain(q, id); }
  Result<std::string> GetMetadata(std::string_view key) const override { return base_.GetMetadata(key); }
  Result<std::vector<std::pair<std::string, std::string>>> ListMetadata(std::string_view p) const override {
    return base_.ListMetadata(p);
  }
  Result<std::vector<std::pair<std::string, uint64_t>>> Expansions(const Query& q,
                                                                   std::vector<std::string>* w) const override {
    ++lookups;
    if (q.kind() == Query::Kind::kFuzzy && q.max_edits() == 0) ++whole_field_scans;
    return base_.Expansions(q, w);
  }
  Result<uint64_t> DocFreq(Field f, std::string_view term) const override {
    ++lookups;
    return base_.DocFreq(f, term);
  }
  Status ScanTerms(Field f, std::string_view prefix,
                   const std::function<bool(std::string_view, uint64_t)>& fn) const override {
    ++lookups;
    return base_.ScanTerms(f, prefix, fn);
  }
  Result<std::vector<std::pair<std::string, uint64_t>>> Words(const Query& q) const override {
    ++lookups;
    return base_.Words(q);
  }
  Result<CheckReport> Check() const override { return base_.Check(); }
  Status Backup(const std::string& dest) const override { return base_.Backup(dest); }
  Result<std::shared_ptr<const Gazetteer>> GetGazetteer() const override { return base_.GetGazetteer(); }
  const std::string& dir() const override { return base_.dir(); }
  mutable size_t lookups = 0;
  // Look-ups of one term's documents that read the field's whole dictionary.
  mutable size_t whole_field_scans = 0;

 private:
  const Index& base_;
};

}  // namespace

TEST_CASE("did you mean bounds its work and the suggestion's length") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  CountingIndex index(CorpusIndex());
  // 6,000 words ORed, none in the index (about 50 KB): any suggestion would
  // be longer than the limit, so none is made, and no look-up either.
  std::string huge = "tarrifs";
  for (int i = 0; i < 6000; ++i) huge += " OR zq" + std::to_string(i);
  REQUIRE(huge.size() > kMaxSuggestionBytes);
  auto s = SuggestCorrection(huge, index, **analyzer);
  REQUIRE(s.ok());
  CHECK(s->query.empty());
  CHECK(index.lookups == 0);

  // 60 different words in under 1,000 bytes: only the first
  // kMaxSuggestWords are tried, with at most kMaxSuggestLookups look-ups.
  std::string many = "tarrifs OR chna";
  for (int i = 0; i < 57; ++i) many += " OR zq" + std::to_string(i);
  many += " OR soybeens";
  REQUIRE(many.size() <= kMaxSuggestionBytes);
  index.lookups = 0;
  auto m = SuggestCorrection(many, index, **analyzer);
  REQUIRE(m.ok());
  CHECK(index.lookups > 0);
  CHECK(index.lookups <= kMaxSuggestLookups);
  CHECK(m->query.rfind("tariffs OR china OR zq0 OR", 0) == 0);  // the first words are corrected
  CHECK(m->query.size() <= kMaxSuggestionBytes);
  CHECK(m->changes.size() == 2);
  CHECK(m->query.find("OR soybeens") != std::string::npos);  // words past the cap are left as typed
  CHECK(Suggest("soybeens").query == "soybeans");            // (alone, it is corrected)
  // A word's documents are one dictionary look-up (Index::DocFreq), not a
  // zero-edit fuzzy expansion over the field's whole dictionary.
  CHECK(index.whole_field_scans == 0);

  // A word repeated is looked up once and corrected everywhere.
  index.lookups = 0;
  auto r = SuggestCorrection("chna OR chna OR chna OR chna OR chna OR chna OR chna OR chna OR chna OR chna OR chna",
                             index, **analyzer);
  REQUIRE(r.ok());
  CHECK(r->query == "china OR china OR china OR china OR china OR china OR china OR china OR china OR china OR china");
  const size_t once = index.lookups;
  index.lookups = 0;
  REQUIRE(SuggestCorrection("chna", index, **analyzer).ok());
  CHECK(once == index.lookups);
}
