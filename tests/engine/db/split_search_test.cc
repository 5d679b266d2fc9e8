// The two phases of a collection's search run split by split
// (loupe/split_search.h): statistics gathered from each split, summed
// (through Encode and Decode, as they travel between processes), and each
// split searched with the sums, merged by the search's order, give what the
// collection's own search gives: the same hits in the same order, the same
// scores to the bit, totals and facets.
#include "loupe/split_search.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "loupe/index.h"
#include "loupe/language.h"
#include "support/index_util.h"
#include "support/test_util.h"

namespace loupe {
namespace {

using test::MakeDoc;
using test::TempDir;

Document Dated(std::string id, const char* date, std::string body) {
  Document d = MakeDoc(std::move(id), "Title", std::move(body));
  Days day = 0;
  REQUIRE(ParseIsoDate(date, &day));
  d.date = day;
  d.actors = {"Scott Bessent"};
  return d;
}

struct Merged {
  uint64_t total = 0;
  std::vector<std::pair<std::string, double>> hits;  // id, score
  std::vector<std::string> warnings;
  std::map<std::string, uint64_t> actors;
};

// Phases 1 and 2 over `splits` (in the collection's order), merged.
Merged SearchApart(const std::vector<std::unique_ptr<Index>>& splits, const Query& q, size_t limit) {
  QueryStatistics sum;
  for (const auto& s : splits) {
    auto part = GatherStatistics(*s, q);
    INFO((part.ok() ? std::string() : part.status().ToString()));
    REQUIRE(part.ok());
    auto shipped = QueryStatistics::Decode(part->Encode());
    REQUIRE(shipped.ok());
    sum.Add(*shipped);
  }
  if (sum.NeedsExpansions()) {
    sum.ChooseExpansions();
    QueryStatistics again;
    for (const auto& s : splits) {
      auto part = GatherStatistics(*s, q, &sum);
      REQUIRE(part.ok());
      again.Add(*part);
    }
    CHECK_FALSE(again.NeedsExpansions());
    sum = again;
  }
  struct Entry {
    double score;
    Days date;
    size_t split;
    uint32_t doc;
    std::string id;
  };
  std::vector<Entry> all;
  Merged out;
  SearchOptions options{.limit = limit};
  options.facets.push_back({.field = FacetField::kActor, .top = 1000});
  for (size_t i = 0; i < splits.size(); ++i) {
    auto res = SearchWithStatistics(*splits[i], q, sum, options);
    INFO((res.ok() ? std::string() : res.status().ToString()));
    REQUIRE(res.ok());
    out.total += res->total;
    if (i == 0) out.warnings = res->warnings;
    for (const Hit& h : res->hits) all.push_back({h.score, *h.document.date, i, h.doc_id, h.document.id});
    for (const FacetCount& c : res->facets[0].counts) out.actors[c.value] += c.count;
  }
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.date != b.date) return a.date < b.date;
    if (a.split != b.split) return a.split < b.split;
    return a.doc < b.doc;
  });
  for (size_t i = 0; i < all.size() && i < limit; ++i) out.hits.emplace_back(all[i].id, all[i].score);
  return out;
}

TEST_CASE("split by split, the two phases give the collection's search", "[split_search]") {
  TempDir tmp;
  const std::string dir = tmp.path() + "/c";
  // `tar*` capped at one term: tarp leads in January, tariff over both
  // months (a cap per split would search tarp in January).
  std::vector<Document> docs = {
      Dated("a1", "2025-01-03", "tarp over the trade yard"),
      Dated("a2", "2025-01-09", "a tarp and a tariff on trade"),
      Dated("a3", "2025-01-20", "tariff news from the trade office"),
      Dated("b1", "2025-02-02", "tariff and trade again"),
      Dated("b2", "2025-02-10", "the tariff rose, trade fell, tariff talk"),
      Dated("b3", "2025-02-11", "tariff"),
      Dated("c1", "2025-03-01", "trade trade trade and nothing else"),
      Dated("c2", "2025-03-05", "quiet markets"),
  };
  std::vector<Query> queries = {
      Query::Term(Field::kBody, "trade"),
      Query::Or({Query::Term(Field::kBody, "trade"), Query::Term(Field::kBody, "tariff")}),
      Query::Prefix(Field::kBody, "tar", 1),
      Query::Prefix(Field::kActor, "scott", 4),
      Query::Fuzzy(Field::kBody, "trad", 1),
      Query::Phrase(Field::kBody, {"tariff", "talk"}),
      Query::And({Query::Term(Field::kBody, "trade"), Query::Not(Query::Term(Field::kBody, "tarp"))}),
      Query::All(),
  };
  std::vector<SearchResults> expected;
  std::vector<std::string> split_names;
  {
    auto c = Index::Open(dir, {.create_if_missing = true, .partition = Partition::kMonth});
    REQUIRE(c.ok());
    test::AddAndCommit(**c, docs);
    for (const Query& q : queries) {
      SearchOptions options{.limit = 20};
      options.facets.push_back({.field = FacetField::kActor, .top = 1000});
      auto r = (*c)->Search(q, options);
      REQUIRE(r.ok());
      expected.push_back(std::move(*r));
    }
    auto st = (*c)->Stats();
    REQUIRE(st.ok());
    for (const SplitStats& s : st->splits) split_names.push_back(s.name);
  }
  REQUIRE(split_names.size() == 3);
  // One open of an index per process: the collection is closed, its splits
  // opened by their folders.
  std::vector<std::unique_ptr<Index>> splits;
  for (const std::string& name : split_names) {
    auto s = Index::Open(dir + "/splits/" + name);
    REQUIRE(s.ok());
    splits.push_back(std::move(*s));
  }
  for (size_t i = 0; i < queries.size(); ++i) {
    INFO(queries[i].ToString());
    Merged got = SearchApart(splits, queries[i], 20);
    CHECK(got.total == expected[i].total);
    REQUIRE(got.hits.size() == expected[i].hits.size());
    for (size_t j = 0; j < got.hits.size(); ++j) {
      CHECK(got.hits[j].first == expected[i].hits[j].document.id);
      CHECK(got.hits[j].second == expected[i].hits[j].score);  // to the bit
    }
    CHECK(got.warnings == expected[i].warnings);
    std::map<std::string, uint64_t> actors;
    for (const FacetCount& c : expected[i].facets[0].counts) actors[c.value] = c.count;
    CHECK(got.actors == actors);
  }
  // Without documents, hits carry their dates; FetchDocuments loads them.
  {
    SearchOptions bare{.limit = 20, .load_documents = false};
    QueryStatistics sum;
    for (const auto& s : splits) {
      auto part = GatherStatistics(*s, queries[0]);
      REQUIRE(part.ok());
      sum.Add(*part);
    }
    auto page = SearchWithStatistics(*splits[1], queries[0], sum, bare);
    REQUIRE(page.ok());
    REQUIRE(page->hits.size() == 2);
    std::vector<uint32_t> ids;
    for (const Hit& h : page->hits) {
      CHECK(h.document.id.empty());
      CHECK(h.document.date.has_value());
      ids.push_back(h.doc_id);
    }
    auto fetched = FetchDocuments(*splits[1], ids);
    REQUIRE(fetched.ok());
    REQUIRE(fetched->size() == 2);
    auto full = SearchWithStatistics(*splits[1], queries[0], sum, {.limit = 20});
    REQUIRE(full.ok());
    for (size_t j = 0; j < 2; ++j) {
      CHECK((*fetched)[j].id == full->hits[j].document.id);
      CHECK((*fetched)[j].date == page->hits[j].document.date);
      CHECK((*fetched)[j].body == full->hits[j].document.body);
    }
    auto gone = FetchDocuments(*splits[1], {999999});
    CHECK(gone.status().code() == StatusCode::kNotFound);
  }
  // The capped prefix searched tariff, not tarp, and said so.
  Merged tar = SearchApart(splits, queries[2], 20);
  CHECK(tar.hits.size() == 5);
  REQUIRE(tar.warnings.size() == 1);
  CHECK(tar.warnings[0].find("only the 1 most frequent") != std::string::npos);

  // A split's own statistics score differently: the test can tell.
  auto own = splits[0]->Search(queries[0], {.limit = 20});
  REQUIRE(own.ok());
  CHECK(own->hits[0].score != expected[0].hits[0].score);
}

TEST_CASE("CollectionSplitName names the split a collection's writer puts a document in", "[split_search]") {
  const char* dates[] = {"2025-01-31", "2025-02-01", "1969-12-31", "2024-12-31", "0001-01-01", "9999-12-31", ""};
  for (Partition p : {Partition::kMonth, Partition::kYear}) {
    TempDir tmp;
    auto c = Index::Open(tmp.path() + "/c", {.create_if_missing = true, .partition = p});
    REQUIRE(c.ok());
    std::vector<Document> docs;
    std::vector<std::string> names;
    for (const char* date : dates) {
      Document d = MakeDoc(std::string("d") + date, "Title", "body");
      if (*date) {
        Days day = 0;
        REQUIRE(ParseIsoDate(date, &day));
        d.date = day;
      }
      names.push_back(CollectionSplitName(p, d.date));
      docs.push_back(std::move(d));
    }
    test::AddAndCommit(**c, docs);
    auto res = (*c)->Search(Query::All(), {.limit = 100});
    REQUIRE(res.ok());
    REQUIRE(res->hits.size() == docs.size());
    for (const Hit& h : res->hits)
      for (size_t i = 0; i < docs.size(); ++i)
        if (h.document.id == docs[i].id) CHECK(h.split == names[i]);
    CHECK(names[0] == (p == Partition::kMonth ? "2025-01" : "2025"));
    CHECK(names.back() == "undated");
  }
  CHECK(CollectionSplitName(Partition::kNone, std::nullopt) == "all");
}

TEST_CASE("statistics refuse what they cannot serve", "[split_search]") {
  TempDir tmp;
  auto c = Index::Open(tmp.path() + "/c", {.create_if_missing = true, .partition = Partition::kMonth});
  REQUIRE(c.ok());
  test::AddAndCommit(**c, {Dated("a1", "2025-01-03", "trade tariff")});
  const Query q = Query::Term(Field::kBody, "trade");
  auto on_collection = GatherStatistics(**c, q);
  REQUIRE_FALSE(on_collection.ok());
  CHECK(on_collection.status().code() == StatusCode::kInvalidArgument);
  CHECK(on_collection.status().message().find("splits") != std::string::npos);
  c->reset();

  auto split = Index::Open(tmp.path() + "/c/splits/2025-01");
  REQUIRE(split.ok());
  auto stats = GatherStatistics(**split, q);
  REQUIRE(stats.ok());
  CHECK(stats->documents == 1);
  // Statistics of one query do not serve another.
  auto other = SearchWithStatistics(**split, Query::Term(Field::kBody, "tariff"), *stats);
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message().find("another query") != std::string::npos);
  // Unchosen expansions are refused, and so is a cursor.
  auto prefix = GatherStatistics(**split, Query::Prefix(Field::kBody, "tra"));
  REQUIRE(prefix.ok());
  CHECK(prefix->NeedsExpansions());
  CHECK_FALSE(SearchWithStatistics(**split, Query::Prefix(Field::kBody, "tra"), *prefix).ok());
  CHECK_FALSE(SearchWithStatistics(**split, q, *stats, {.after = "c4.x"}).ok());
  // Damaged bytes are a status.
  std::string bytes = stats->Encode();
  CHECK(QueryStatistics::Decode(bytes).ok());
  CHECK(QueryStatistics::Decode(bytes.substr(0, bytes.size() - 1)).status().code() == StatusCode::kCorruption);
  CHECK(QueryStatistics::Decode("nonsense").status().code() == StatusCode::kCorruption);
}

}  // namespace
}  // namespace loupe
