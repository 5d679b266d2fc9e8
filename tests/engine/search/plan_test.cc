// Two pieces of the planner on their own, over a small real index: the Weight
// (search/weight.h), which scores one part with the statistics it is given
// rather than the part's own, and the Expander (search/expand.h), which reads
// a part's dictionary for a plan: entries, prefix and fuzzy expansions with
// their cap, and the query's limits on expansions, dictionary reads and memory.
// Last, a capped prefix searched in a collection and in one index.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/split.h"
#include "index/format.h"
#include "loupe/index.h"
#include "search/expand.h"
#include "search/iterators.h"
#include "search/scoring.h"
#include "search/weight.h"
#include "support/test_util.h"
#include "util/calendar.h"

using namespace loupe;
using loupe::plan_internal::Expander;
using loupe::plan_internal::Found;
using loupe::plan_internal::PlanMemory;
using loupe::test::TempDir;

namespace {

Document Doc(std::string id, std::string body, std::vector<std::string> actors) {
  Document d;
  d.id = std::move(id);
  d.title = "Note";
  d.body = std::move(body);
  d.actors = std::move(actors);
  return d;
}

// Documents 1..7. Body (stemmed): gold 1 2 7, market 1 4 6 7, bank 2 3 6,
// rate 2 3, "gold market" 1 7, tariff(s) 4 5, tarp 7. Actors (not stemmed):
// caa 5 documents, cad 4, cab 3, cabx 1, cac 1, cba 1, xyz 1.
std::vector<Document> Corpus() {
  return {Doc("d1", "gold market rally lifts gold miners", {"caa", "cab"}),
          Doc("d2", "gold price and bank rate", {"caa", "cad"}),
          Doc("d3", "central bank holds rate steady", {"caa", "cad", "cab"}),
          Doc("d4", "market tariffs hit trade", {"caa", "cad", "cac"}),
          Doc("d5", "tariff talks stall in trade row", {"caa", "cad", "cab", "cabx"}),
          Doc("d6", "bank shares fall on market news", {"cba", "xyz"}),
          Doc("d7", "tarp covers gold market stall", {})};
}

// A plain index of Corpus() and a read snapshot of its commit.
struct Stored {
  TempDir dir;
  std::unique_ptr<Index> index;
  SplitSnapshot snap;
  Stored() {
    auto opened = Index::Open(dir.sub("index"), {.create_if_missing = true});
    REQUIRE(opened.ok());
    index = std::move(*opened);
    auto w = index->NewWriter();
    REQUIRE(w.ok());
    for (const Document& d : Corpus()) REQUIRE((*w)->Add(d).ok());
    REQUIRE((*w)->Commit().ok());
    auto s = dynamic_cast<const SplitReader&>(*index).Snapshot();
    REQUIRE(s.ok());
    snap = std::move(*s);
  }
  const storage::Txn& txn() const { return *snap.txn; }
  const DocTable& table() const { return *snap.table; }
};

// The index's own dictionary entry of a term, read directly (not through the
// code under test).
TermStatistics::PartEntry OwnEntry(const storage::Txn& txn, Field f, const std::string& term) {
  TermStatistics::PartEntry e;
  std::string_view v;
  Status s = txn.Get(storage::Db::kTerms, format::TermKey(f, term), &v);
  if (s.IsNotFound()) return e;
  REQUIRE(s.ok());
  REQUIRE(format::DecodeTermInfo(v, &e.info));
  e.found = true;
  return e;
}

// Statistics for one index that answer with its own frequencies, entries and
// expansions, except where a test says otherwise; they record the part
// numbers Entry is asked for.
class TestTerms final : public TermStatistics {
 public:
  // A leaf's text does not show its cap.
  static std::string Key(const Query& leaf) {
    return leaf.ToString() + "/" + std::to_string(leaf.max_expansions()) + "/" + std::to_string(leaf.max_edits());
  }
  explicit TestTerms(const Stored& part) : part_(part) {}

  std::map<std::string, uint64_t> df;                      // frequencies reported instead of the index's
  std::set<std::pair<uint32_t, std::string>> absent;       // (part, term) reported as not in that part
  std::map<std::string, std::vector<std::string>> chosen;  // by Key(leaf): expansions reported
  bool keep_entries = true;                                // false: Entry answers null
  std::vector<uint32_t> parts;                             // the parts Entry was asked for

  Result<uint64_t> Df(Field field, const std::string& term) override {
    if (auto it = df.find(term); it != df.end()) return it->second;
    TermStatistics::PartEntry e = OwnEntry(part_.txn(), field, term);
    return uint64_t{e.found ? e.info.df : 0};
  }

  Result<const std::vector<std::string>*> Expansion(const Query& leaf) override {
    const std::string key = Key(leaf);
    if (auto it = chosen.find(key); it != chosen.end()) return &it->second;
    // What the index alone would search: the same terms, the same cap.
    auto terms = SearchedTerms(leaf, part_.txn(), part_.table(), nullptr);
    if (!terms.ok()) return terms.status();
    std::vector<std::string>& out = chosen[key];
    for (const auto& [term, n] : *terms) out.push_back(term);
    return &out;
  }

  Result<const PartEntry*> Entry(uint32_t part, Field field, const std::string& term) override {
    parts.push_back(part);
    if (!keep_entries) return static_cast<const PartEntry*>(nullptr);
    PartEntry e;
    if (!absent.count({part, term})) e = OwnEntry(part_.txn(), field, term);
    return &(entries_[{part, term}] = e);
  }

 private:
  const Stored& part_;
  std::map<std::pair<uint32_t, std::string>, PartEntry> entries_;
};

using Scores = std::vector<std::pair<uint32_t, double>>;

// Every match of `w`'s scorer for part number `part`, with its score.
Scores Run(const Weight& w, uint32_t part, const Stored& s) {
  Status error;
  std::vector<std::string> warnings;
  PlanBudget budget;
  auto it = w.Scorer(part, s.txn(), s.table(), /*scoring=*/true, &error, &warnings, &budget);
  INFO(w.query().ToString() << ": " << it.status().message());
  REQUIRE(it.ok());
  Scores out;
  for ((*it)->Next(); (*it)->doc() != kEndDoc; (*it)->Next()) out.emplace_back((*it)->doc(), (*it)->Score());
  REQUIRE(error.ok());
  return out;
}

std::vector<uint32_t> Docs(const Scores& scores) {
  std::vector<uint32_t> out;
  for (const auto& [doc, score] : scores) out.push_back(doc);
  return out;
}

std::vector<std::string> Terms(const std::vector<Found>& found) {
  std::vector<std::string> out;
  for (const Found& f : found) out.push_back(f.term);
  return out;
}

Query Gold() { return Query::Term(Field::kBody, "gold"); }
Query Bank() { return Query::Term(Field::kBody, "bank"); }

}  // namespace

TEST_CASE("a weight scored with an index's own statistics scores exactly as one without a context") {
  Stored s;
  TestTerms terms(s);
  const ScoringContext context{&s.table().scoring, &terms, 0};
  const std::vector<Query> queries = {
      Gold(),
      Query::Or({Gold(), Bank()}),
      Query::And({Query::Term(Field::kBody, "market"), Gold()}),
      Query::Phrase(Field::kBody, {"gold", "market"}),
      Query::Phrase(Field::kBody, {"bank", "rate"}),
      Query::Prefix(Field::kBody, "tar"),
      Query::Prefix(Field::kBody, "ral"),  // rally, stemmed ralli
      Query::Prefix(Field::kBody, "tar", 1),
      Query::Prefix(Field::kActor, "ca"),
      Query::Prefix(Field::kActor, "ca", 2),
      Query::Fuzzy(Field::kActor, "cab", 1),
      Query::Or({Query::Term(Field::kActor, "caa"), Query::Prefix(Field::kBody, "mar")}),
  };
  for (const Query& q : queries) {
    INFO(q.ToString());
    const Scores own = Run(Weight(q, nullptr), 0, s);
    const Scores shared = Run(Weight(q, &context), 0, s);
    CHECK_FALSE(own.empty());
    REQUIRE(own.size() == shared.size());
    for (size_t i = 0; i < own.size(); ++i) {
      CHECK(own[i].first == shared[i].first);
      CHECK(own[i].second == shared[i].second);  // bit for bit: the same statistics
    }
  }
  // The planner took its entries from the statistics, for part 0.
  CHECK_FALSE(terms.parts.empty());
  CHECK(std::set<uint32_t>(terms.parts.begin(), terms.parts.end()) == std::set<uint32_t>{0});
}

TEST_CASE("a weight scores with its context's statistics, not the part's own") {
  Stored s;
  TestTerms terms(s);
  const ScoringContext context{&s.table().scoring, &terms, 0};
  REQUIRE(OwnEntry(s.txn(), Field::kBody, "gold").info.df == 3);
  terms.df["gold"] = 6;  // the collection's: more documents hold it

  SECTION("a term with a larger document frequency scores lower; other terms do not change") {
    const Query gold = Gold(), bank = Bank(), either = Query::Or({Gold(), Bank()});
    const Scores own_gold = Run(Weight(gold, nullptr), 0, s), shared_gold = Run(Weight(gold, &context), 0, s);
    REQUIRE(Docs(own_gold) == std::vector<uint32_t>{1, 2, 7});
    REQUIRE(Docs(shared_gold) == Docs(own_gold));
    for (size_t i = 0; i < own_gold.size(); ++i) CHECK(shared_gold[i].second < own_gold[i].second);

    const Scores own_bank = Run(Weight(bank, nullptr), 0, s), shared_bank = Run(Weight(bank, &context), 0, s);
    REQUIRE(Docs(own_bank) == std::vector<uint32_t>{2, 3, 6});
    CHECK(shared_bank == own_bank);

    // In an OR: the documents with gold score lower, those with bank alone the same.
    const Scores own_or = Run(Weight(either, nullptr), 0, s), shared_or = Run(Weight(either, &context), 0, s);
    REQUIRE(Docs(own_or) == std::vector<uint32_t>{1, 2, 3, 6, 7});
    REQUIRE(Docs(shared_or) == Docs(own_or));
    for (size_t i = 0; i < own_or.size(); ++i) {
      const uint32_t doc = own_or[i].first;
      INFO("document " << doc);
      if (doc == 3 || doc == 6)
        CHECK(shared_or[i].second == own_or[i].second);
      else
        CHECK(shared_or[i].second < own_or[i].second);
    }
  }

  SECTION("the context's collection statistics are used: more documents of the same lengths raise every score") {
    ScoringStats more;
    uint64_t lengths[kNumFields];
    for (int f = 0; f < kNumFields; ++f) lengths[f] = s.table().total_lengths[f] * 10;
    more.Set(s.table().scoring.live_docs * 10, lengths);
    TestTerms plain(s);
    const ScoringContext bigger{&more, &plain, 0};
    const Query bank = Bank();
    const Scores own = Run(Weight(bank, nullptr), 0, s), shared = Run(Weight(bank, &bigger), 0, s);
    REQUIRE(Docs(shared) == Docs(own));
    for (size_t i = 0; i < own.size(); ++i) CHECK(shared[i].second > own[i].second);
  }
}

TEST_CASE("a weight plans each part with that part's entries from the statistics") {
  Stored s;
  TestTerms terms(s);
  // Part 3's dictionary, as the statistics read it, has no "gold"; part 5's does.
  terms.absent.insert({3, "gold"});
  const ScoringContext context{&s.table().scoring, &terms, 0};
  const Query gold = Gold(), phrase = Query::Phrase(Field::kBody, {"gold", "market"}), bank = Bank();
  const Weight wg(gold, &context), wp(phrase, &context), wb(bank, &context);

  CHECK(Run(wg, 3, s).empty());  // the index has gold, but the plan did not read it again
  CHECK(Run(wp, 3, s).empty());
  CHECK(Docs(Run(wb, 3, s)) == std::vector<uint32_t>{2, 3, 6});
  CHECK(std::set<uint32_t>(terms.parts.begin(), terms.parts.end()) == std::set<uint32_t>{3});

  terms.parts.clear();
  CHECK(Docs(Run(wg, 5, s)) == std::vector<uint32_t>{1, 2, 7});
  CHECK(Docs(Run(wp, 5, s)) == std::vector<uint32_t>{1, 7});
  CHECK(std::set<uint32_t>(terms.parts.begin(), terms.parts.end()) == std::set<uint32_t>{5});

  // Statistics that keep no entries: the planner reads the part's dictionary.
  terms.keep_entries = false;
  CHECK(Docs(Run(wg, 3, s)) == std::vector<uint32_t>{1, 2, 7});
}

TEST_CASE("the expander looks terms up in the index, or takes the statistics' entries and frequencies") {
  Stored s;
  PlanBudget budget;
  PlanMemory memory{&budget};
  Expander own(s.txn(), nullptr, nullptr, &memory);
  auto gold = own.Lookup(Field::kBody, "gold");
  REQUIRE(gold.ok());
  CHECK(gold->found);
  CHECK(gold->info.df == 3);
  auto caa = own.Lookup(Field::kActor, "caa");
  REQUIRE(caa.ok());
  CHECK(caa->found);
  CHECK(caa->info.df == 5);
  auto missing = own.Lookup(Field::kBody, "silver");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->found);
  auto own_df = own.ScoringDf(Field::kBody, "gold", gold->info);
  REQUIRE(own_df.ok());
  CHECK(*own_df == 3);

  TestTerms terms(s);
  terms.absent.insert({4, "gold"});
  terms.df["gold"] = 40;
  const ScoringContext context{nullptr, &terms, 4};
  Expander split(s.txn(), &context, nullptr, &memory);
  auto hidden = split.Lookup(Field::kBody, "gold");
  REQUIRE(hidden.ok());
  CHECK_FALSE(hidden->found);
  auto kept = split.Lookup(Field::kBody, "bank");
  REQUIRE(kept.ok());
  CHECK(kept->found);
  CHECK(kept->info.df == 3);
  CHECK(terms.parts == std::vector<uint32_t>{4, 4});
  auto split_df = split.ScoringDf(Field::kBody, "gold", gold->info);
  REQUIRE(split_df.ok());
  CHECK(*split_df == 40);
  // Statistics without entries: read from the dictionary.
  terms.keep_entries = false;
  auto read = split.Lookup(Field::kBody, "gold");
  REQUIRE(read.ok());
  CHECK(read->found);
  CHECK(read->info.df == 3);
}

TEST_CASE("prefix and fuzzy leaves expand to the most frequent terms, in term order, with one warning when capped") {
  Stored s;
  PlanBudget budget;
  PlanMemory memory{&budget};
  std::vector<std::string> warnings;
  Expander ex(s.txn(), nullptr, &warnings, &memory);

  auto all = ex.Expand(Query::Prefix(Field::kActor, "ca"));
  REQUIRE(all.ok());
  CHECK(Terms(**all) == std::vector<std::string>{"caa", "cab", "cabx", "cac", "cad"});
  for (const Found& f : **all) CHECK(f.info.df == OwnEntry(s.txn(), Field::kActor, f.term).info.df);
  CHECK(warnings.empty());

  // Capped: the most frequent (caa 5, cad 4, cab 3), in term order.
  const Query three = Query::Prefix(Field::kActor, "ca", 3);
  auto top = ex.Expand(three);
  REQUIRE(top.ok());
  CHECK(Terms(**top) == std::vector<std::string>{"caa", "cab", "cad"});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "'" + three.ToString() +
                           "' matches 5 terms; only the 3 most frequent were searched (type more of the word to "
                           "narrow it)");
  // Equal frequencies (cabx and cac, 1 each): the first in term order stays.
  auto four = ex.Expand(Query::Prefix(Field::kActor, "ca", 4));
  REQUIRE(four.ok());
  CHECK(Terms(**four) == std::vector<std::string>{"caa", "cab", "cabx", "cad"});
  CHECK(warnings.size() == 2);

  // Fuzzy: the terms within one edit of "cab" (not cba: two), capped the same way.
  auto near = ex.Expand(Query::Fuzzy(Field::kActor, "cab", 1));
  REQUIRE(near.ok());
  CHECK(Terms(**near) == std::vector<std::string>{"caa", "cab", "cabx", "cac", "cad"});
  warnings.clear();
  auto near2 = ex.Expand(Query::Fuzzy(Field::kActor, "cab", 1, 2));
  REQUIRE(near2.ok());
  CHECK(Terms(**near2) == std::vector<std::string>{"caa", "cad"});
  CHECK(warnings.size() == 1);

  // Expansions(): the same terms, most frequent first.
  auto listed = ex.Expansions(three);
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::pair<std::string, uint64_t>>{{"caa", 5}, {"cad", 4}, {"cab", 3}});
}

TEST_CASE("a leaf repeated in a query is expanded once and counted once") {
  Stored s;
  PlanBudget budget;
  PlanMemory memory{&budget};
  std::vector<std::string> warnings;
  Expander ex(s.txn(), nullptr, &warnings, &memory);
  auto first = ex.Expand(Query::Prefix(Field::kActor, "ca", 2));
  REQUIRE(first.ok());
  CHECK((*first)->size() == 2);
  CHECK(budget.expansions == 2);
  CHECK(budget.scanned == 5);  // caa, cab, cabx, cac, cad
  CHECK(warnings.size() == 1);
  const uint64_t kept = memory.kept;
  CHECK(kept > 0);

  // The same leaf again (another Query object): the same list, nothing read or counted again.
  auto again = ex.Expand(Query::Prefix(Field::kActor, "ca", 2));
  REQUIRE(again.ok());
  CHECK(*again == *first);
  CHECK(budget.expansions == 2);
  CHECK(budget.scanned == 5);
  CHECK(warnings.size() == 1);
  CHECK(memory.kept == kept);

  // Another cap is another leaf.
  auto other = ex.Expand(Query::Prefix(Field::kActor, "ca", 3));
  REQUIRE(other.ok());
  CHECK(budget.expansions == 5);
  CHECK(budget.scanned == 10);
}

TEST_CASE("with statistics, a split searches the terms the collection chose that it holds") {
  Stored s;
  TestTerms terms(s);
  const Query leaf = Query::Prefix(Field::kActor, "ca", 2);
  terms.chosen[TestTerms::Key(leaf)] = {"cac", "zzz", "caa"};  // zzz: a term of another split only
  const ScoringContext context{nullptr, &terms, 1};
  PlanBudget budget;
  PlanMemory memory{&budget};
  std::vector<std::string> warnings;
  Expander ex(s.txn(), &context, &warnings, &memory);
  auto found = ex.Expand(leaf);
  REQUIRE(found.ok());
  CHECK(Terms(**found) == std::vector<std::string>{"caa", "cac"});
  CHECK(warnings.empty());  // the collection warned of its cap, once
  CHECK(budget.scanned == 0);
  CHECK(std::set<uint32_t>(terms.parts.begin(), terms.parts.end()) == std::set<uint32_t>{1});

  // A prefix of a stemmed field: the stems the collection chose, of those this split holds.
  const Query stemmed = Query::Prefix(Field::kBody, "tar", 1);
  terms.chosen[TestTerms::Key(stemmed)] = {"tarp"};
  auto stems = ex.Expand(stemmed);
  REQUIRE(stems.ok());
  CHECK(Terms(**stems) == std::vector<std::string>{"tarp"});
  CHECK(warnings.empty());
}

TEST_CASE("a prefix of a stemmed field expands through its written forms") {
  Stored s;
  PlanBudget budget;
  PlanMemory memory{&budget};
  std::vector<std::string> warnings;
  Expander ex(s.txn(), nullptr, &warnings, &memory);

  // tar: the stem of tariff and tariffs, every form of it starting with tar, and tarp.
  auto tar = ex.Expand(Query::Prefix(Field::kBody, "tar"));
  REQUIRE(tar.ok());
  REQUIRE((*tar)->size() == 2);
  const Found& tariff = (**tar)[0];
  CHECK(tariff.term.rfind("tarif", 0) == 0);
  CHECK(tariff.info.df == 2);  // documents 4 and 5
  CHECK_FALSE(tariff.verify);
  CHECK((**tar)[1].term == "tarp");
  CHECK_FALSE((**tar)[1].verify);
  CHECK(budget.scanned > 0);

  // tariffs: the same stem, but not every form of it starts with the prefix;
  // its documents are checked for the forms that do.
  auto plural = ex.Expand(Query::Prefix(Field::kBody, "tariffs"));
  REQUIRE(plural.ok());
  REQUIRE((*plural)->size() == 1);
  CHECK((**plural)[0].term == tariff.term);
  CHECK((**plural)[0].verify);
  CHECK((**plural)[0].forms == std::vector<std::string>{"tariffs"});

  CHECK(warnings.empty());

  // The cap counts stems: a cap of one keeps the stem in the most documents.
  auto capped = ex.Expand(Query::Prefix(Field::kBody, "tar", 1));
  REQUIRE(capped.ok());
  CHECK(Terms(**capped) == std::vector<std::string>{tariff.term});
  CHECK(warnings.size() == 1);
  CHECK(budget.expansions == 4);
}

TEST_CASE("the plan's memory is charged and refused at the query's words") {
  PlanBudget budget;
  budget.max_bytes = 1000;
  PlanMemory memory{&budget};
  const Query where = Query::Term(Field::kBody, "gold").WithSource(7, 4);
  CHECK(memory.Charge(600, where).ok());
  CHECK(budget.bytes == 600);
  memory.kept = 100;
  CHECK(memory.Charge(300, where).ok());  // 1000: at the limit, not past it
  CHECK(budget.bytes == 1000);
  Status refused = memory.Charge(1, where);
  CHECK(refused.code() == StatusCode::kInvalidArgument);
  CHECK(refused.message() ==
        "the query would take more than 1000 bytes of memory to run, the limit for one query (passed at '" +
            where.ToString() + "'); search for fewer words, prefixes or parts at once");
  CHECK(refused.offset() == 7);
  CHECK(refused.length() == 4);
  CHECK(budget.bytes == 1001);

  // A query built by hand has no words to point at.
  Status plain = memory.Charge(1, Query::Term(Field::kBody, "gold"));
  CHECK(plain.code() == StatusCode::kInvalidArgument);
  CHECK(plain.offset() == Status::kNoOffset);

  CHECK(PlanMemory::FormatBytes(uint64_t{3} << 20) == "3 MiB");
  CHECK(PlanMemory::FormatBytes(5 * 1024) == "5 KiB");
  CHECK(PlanMemory::FormatBytes(1000) == "1000 bytes");
  CHECK(PlanMemory::Shorten(std::string(200, 'a')) == std::string(117, 'a') + "...");
  CHECK(PlanMemory::Shorten("short") == "short");
}

TEST_CASE("expanding past the query's limits is refused at the leaf that passed them") {
  Stored s;

  SECTION("expansions") {
    PlanBudget budget;
    budget.max_expansions = 7;
    PlanMemory memory{&budget};
    Expander ex(s.txn(), nullptr, nullptr, &memory);
    REQUIRE(ex.Expand(Query::Prefix(Field::kActor, "ca")).ok());  // 5
    const Query fuzzy = Query::Fuzzy(Field::kActor, "cab", 1).WithSource(12, 5);
    auto refused = ex.Expand(fuzzy);  // 5 more
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK(refused.status().message() == "the query expands to more than 7 terms, the limit for one query (passed at '" +
                                            fuzzy.ToString() +
                                            "'); make its prefixes and fuzzy words longer or use fewer of them");
    CHECK(refused.status().offset() == 12);
    CHECK(refused.status().length() == 5);
    // The same leaf a second time costs nothing: within the limit still.
    CHECK(ex.Expand(Query::Prefix(Field::kActor, "ca")).ok());
  }

  SECTION("dictionary entries read") {
    PlanBudget budget;
    budget.max_scanned = 4;
    PlanMemory memory{&budget};
    Expander ex(s.txn(), nullptr, nullptr, &memory);
    const Query prefix = Query::Prefix(Field::kActor, "ca").WithSource(3, 3);
    auto refused = ex.Expand(prefix);  // reads 5
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK(refused.status().message() ==
          "the query reads more than 4 dictionary entries to expand its prefixes and fuzzy words, the limit for one "
          "query (passed at '" +
              prefix.ToString() + "'); use fewer fuzzy words, or longer prefixes");
    CHECK(refused.status().offset() == 3);

    PlanBudget enough;
    enough.max_scanned = 5;
    PlanMemory memory5{&enough};
    Expander ex5(s.txn(), nullptr, nullptr, &memory5);
    CHECK(ex5.Expand(prefix).ok());

    // A prefix of a stemmed field counts the written forms it reads.
    PlanBudget one;
    one.max_scanned = 1;
    PlanMemory memory1{&one};
    Expander ex1(s.txn(), nullptr, nullptr, &memory1);
    auto forms = ex1.Expand(Query::Prefix(Field::kBody, "tar"));
    REQUIRE_FALSE(forms.ok());
    CHECK(forms.status().message().find("dictionary entries") != std::string::npos);
  }

  SECTION("memory") {
    PlanBudget budget;
    budget.max_bytes = 64;  // less than one list of expansions
    PlanMemory memory{&budget};
    Expander ex(s.txn(), nullptr, nullptr, &memory);
    const Query prefix = Query::Prefix(Field::kActor, "ca").WithSource(0, 3);
    auto refused = ex.Expand(prefix);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK(refused.status().message().find("more than 64 bytes of memory") != std::string::npos);
    CHECK(refused.status().offset() == 0);
  }
}

// A stemmed field's prefix is capped by its stems (the most frequent kept).
// In a collection the cap applies to the collection, as for other prefixes:
// each split keeping its own most frequent stems would search other words
// than one index of the same documents does.
TEST_CASE("a capped prefix of a stemmed field searches the same stems in a collection as in one index") {
  TempDir tmp;
  auto dated = [](std::string id, std::string body, int month) {
    Document d = Doc(std::move(id), std::move(body), {});
    d.date = DaysFromCivil(2025, month, 5);
    return d;
  };
  // tariff: 4 documents, tarp 2, tarot 1; but in January's split tarp is the
  // most frequent, and February's has no tarp.
  const std::vector<Document> docs = {dated("a1", "tarp sale", 1),   dated("a2", "tarp news", 1),
                                      dated("a3", "tariff talk", 1), dated("b1", "tariff row", 2),
                                      dated("b2", "tariff deal", 2), dated("b3", "tariff plans", 2),
                                      dated("b4", "tarot cards", 2)};
  struct Searched {
    std::vector<std::string> hits;  // "id score", by id (the score to the last bit)
    std::vector<std::string> warnings;
  };
  auto search = [&](const std::string& dir, Partition partition, const Query& q) {
    auto index = Index::Open(dir, {.create_if_missing = true, .partition = partition});
    REQUIRE(index.ok());
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    for (const Document& d : docs) REQUIRE((*w)->Add(d).ok());
    REQUIRE((*w)->Commit().ok());
    auto r = (*index)->Search(q, {.limit = 20});
    REQUIRE(r.ok());
    Searched out;
    for (const Hit& h : r->hits) {
      char score[32];
      std::snprintf(score, sizeof score, "%.17g", h.score);
      out.hits.push_back(h.document.id + " " + score);
    }
    std::sort(out.hits.begin(), out.hits.end());
    out.warnings = r->warnings;
    return out;
  };
  for (uint32_t cap : {1u, 2u}) {
    INFO("cap " << cap);
    const Query q = Query::Prefix(Field::kBody, "tar", cap);
    const Searched one = search(tmp.sub("one-" + std::to_string(cap)), Partition::kNone, q);
    const Searched col = search(tmp.sub("col-" + std::to_string(cap)), Partition::kMonth, q);
    CHECK(one.hits.size() == (cap == 1 ? 4 : 6));
    CHECK(col.hits == one.hits);  // the same documents, the same scores
    CHECK(one.warnings.size() == 1);
    CHECK(col.warnings == one.warnings);
  }
}

TEST_CASE("a search stops at its deadline, with kDeadlineExceeded and no partial answer") {
  Stored s;
  using Clock = std::chrono::steady_clock;
  const std::vector<Query> queries = {
      Gold(),
      Query::And({Query::Term(Field::kBody, "market"), Gold()}),
      Query::Or({Gold(), Bank()}),
      Query::Phrase(Field::kBody, {"gold", "market"}),
      Query::Prefix(Field::kBody, "tar"),
      Query::All(),
  };
  for (const Query& q : queries) {
    INFO(q.ToString());
    SearchOptions none;
    auto all = s.index->Search(q, none);
    REQUIRE(all.ok());
    CHECK(all->total > 0);
    // A deadline not yet reached changes nothing.
    SearchOptions later;
    later.deadline = Clock::now() + std::chrono::hours(1);
    auto same = s.index->Search(q, later);
    REQUIRE(same.ok());
    CHECK(same->total == all->total);
    CHECK(same->hits.size() == all->hits.size());
    // One already passed stops every kind of search: hits, a count, facets, collapse.
    for (int kind = 0; kind < 4; ++kind) {
      SearchOptions past;
      past.deadline = Clock::now() - std::chrono::milliseconds(1);
      if (kind == 1) past.limit = 0;
      if (kind == 2) past.facets = {FacetRequest{.field = FacetField::kActor}};
      if (kind == 3) past.collapse = true;
      auto stopped = s.index->Search(q, past);
      REQUIRE_FALSE(stopped.ok());
      CHECK(stopped.status().code() == StatusCode::kDeadlineExceeded);
      CHECK(stopped.status().message().find("deadline") != std::string::npos);
    }
  }
}

TEST_CASE("the leaves of a planned search end it once the deadline passes") {
  Stored s;
  using Clock = std::chrono::steady_clock;
  const std::vector<Query> queries = {
      Gold(),
      Query::And({Query::Term(Field::kBody, "market"), Gold()}),
      Query::Or({Gold(), Bank()}),
      Query::Phrase(Field::kBody, {"gold", "market"}),
      Query::Prefix(Field::kBody, "tar"),
  };
  for (const Query& q : queries) {
    INFO(q.ToString());
    const Scores whole = Run(Weight(q, nullptr), 0, s);
    REQUIRE_FALSE(whole.empty());
    for (bool moved : {false, true}) {
      Status error;
      std::vector<std::string> warnings;
      DeadlineCheck deadline(Clock::now() + std::chrono::hours(1));
      PlanBudget budget;
      budget.deadline = &deadline;
      auto it = Weight(q, nullptr).Scorer(0, s.txn(), s.table(), /*scoring=*/true, &error, &warnings, &budget);
      REQUIRE(it.ok());
      // Past the deadline after the plan is built: the first block a leaf
      // reads ends the tree, and the error says why.
      if (moved) deadline.MoveTo(Clock::now() - std::chrono::milliseconds(1));
      size_t n = 0;
      for ((*it)->Next(); (*it)->doc() != kEndDoc; (*it)->Next()) ++n;
      if (moved) {
        CHECK(n == 0);
        CHECK(error.code() == StatusCode::kDeadlineExceeded);
      } else {
        CHECK(n == whole.size());
        CHECK(error.ok());
      }
    }
  }
}
