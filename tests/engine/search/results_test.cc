// What a search returns besides its top hits: facets and date histograms
// (checked against counting the matches one by one), paging cursors (across
// commits), near-duplicate collapse and the date buckets.
#include "search/results.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "index/fingerprint.h"
#include "loupe/index.h"
#include "loupe/query_parser.h"
#include "support/test_util.h"
#include "util/calendar.h"

using namespace loupe;
using loupe::test::TempDir;

namespace {

const std::vector<std::string> kActors = {"Scott Bessent", "He Lifeng",      "Donald Trump",
                                          "Xi Jinping",    "Jamieson Greer", "何立峰"};
const std::vector<std::string> kTopics = {"tariffs", "trade talks", "rare earths", "chips"};
const std::vector<std::string> kAuthors = {"", "Wire Desk", "A. Writer", "B. Writer"};
const std::vector<std::string> kWords = {"alpha", "beta",  "gamma", "delta", "epsilon", "zeta",
                                         "eta",   "theta", "iota",  "kappa", "lambda",  "mu"};

std::unique_ptr<Index> OpenNew(const TempDir& dir, bool tagging = true) {
  auto idx = Index::Open(dir.sub("idx"), {.create_if_missing = true, .tagging = tagging});
  REQUIRE(idx.ok());
  return std::move(*idx);
}

Document RandomDoc(std::mt19937& rng, int i) {
  Document d;
  d.id = "doc" + std::to_string(i);
  d.title = "title " + kWords[rng() % kWords.size()];
  for (int w = 0; w < 20; ++w) d.body += kWords[rng() % kWords.size()] + " ";
  std::set<std::string> actors;
  for (int a = static_cast<int>(rng() % 4); a > 0; --a) actors.insert(kActors[rng() % kActors.size()]);
  d.actors.assign(actors.begin(), actors.end());
  if (rng() % 3) d.topics.push_back(kTopics[rng() % kTopics.size()]);
  d.author = kAuthors[rng() % kAuthors.size()];
  if (rng() % 10) d.date = DaysFromCivil(2024, 1, 1) + static_cast<Days>(rng() % 700);
  return d;
}

// Every match of q, best first, with its stored fields.
std::vector<Hit> AllHits(const Index& idx, const Query& q, SortOrder sort = SortOrder::kRelevance) {
  auto r = idx.Search(q, {.limit = 100000, .sort = sort});
  REQUIRE(r.ok());
  REQUIRE(r->hits.size() == r->total);
  return r->hits;
}

}  // namespace

TEST_CASE("date buckets: ISO weeks, months and years, with their labels") {
  CHECK(BucketLabel(BucketStart(DaysFromCivil(2025, 9, 17), DateUnit::kWeek), DateUnit::kWeek) == "2025-W38");
  CHECK(BucketStart(DaysFromCivil(2025, 9, 17), DateUnit::kWeek) == DaysFromCivil(2025, 9, 15));  // a Monday
  CHECK(BucketLabel(BucketStart(DaysFromCivil(2024, 12, 30), DateUnit::kWeek), DateUnit::kWeek) == "2025-W01");
  CHECK(BucketLabel(BucketStart(DaysFromCivil(2021, 1, 3), DateUnit::kWeek), DateUnit::kWeek) == "2020-W53");
  CHECK(BucketLabel(BucketStart(DaysFromCivil(1969, 12, 31), DateUnit::kWeek), DateUnit::kWeek) == "1970-W01");
  CHECK(BucketLabel(BucketStart(DaysFromCivil(2025, 2, 28), DateUnit::kMonth), DateUnit::kMonth) == "2025-02");
  CHECK(BucketLabel(BucketStart(DaysFromCivil(2025, 2, 28), DateUnit::kYear), DateUnit::kYear) == "2025");
  CHECK(BucketLabel(DaysFromCivil(2025, 2, 28), DateUnit::kDay) == "2025-02-28");
  CHECK(NextBucket(DaysFromCivil(2024, 12, 1), DateUnit::kMonth) == DaysFromCivil(2025, 1, 1));
  CHECK(NextBucket(DaysFromCivil(2024, 1, 1), DateUnit::kYear) == DaysFromCivil(2025, 1, 1));
  // Every day falls in the bucket that starts at or before it and ends after it.
  for (Days d = DaysFromCivil(2019, 12, 20); d < DaysFromCivil(2021, 1, 10); ++d)
    for (DateUnit u : {DateUnit::kDay, DateUnit::kWeek, DateUnit::kMonth, DateUnit::kYear}) {
      Days b = BucketStart(d, u);
      REQUIRE(b <= d);
      REQUIRE(NextBucket(b, u) > d);
      REQUIRE(BucketStart(b, u) == b);
    }
}

TEST_CASE("facets count every match, as counting the matches one by one does") {
  TempDir dir;
  auto idx = OpenNew(dir);
  std::mt19937 rng(7);
  {
    auto w = idx->NewWriter();
    REQUIRE(w.ok());
    for (int i = 0; i < 400; ++i) REQUIRE((*w)->Add(RandomDoc(rng, i)).ok());
    REQUIRE((*w)->Commit().ok());
    // Replace and delete some, so that dead documents exist.
    for (int i = 0; i < 40; ++i) REQUIRE((*w)->Add(RandomDoc(rng, i * 3)).ok());
    for (int i = 0; i < 20; ++i) REQUIRE((*w)->Delete("doc" + std::to_string(i * 7 + 1)).ok());
    REQUIRE((*w)->Commit().ok());
  }
  std::vector<Query> queries = {Query::All(),
                                Query::Term(Field::kBody, "alpha"),
                                Query::And({Query::Term(Field::kBody, "beta"), Query::Term(Field::kBody, "gamma")}),
                                Query::Phrase(Field::kActor, {"scott", "bessent"}),
                                Query::DateRange(DaysFromCivil(2024, 6, 1), DaysFromCivil(2024, 12, 31)),
                                Query::Term(Field::kBody, "nothing")};
  for (const Query& q : queries) {
    INFO(q.ToString());
    std::vector<Hit> hits = AllHits(*idx, q);
    // Brute force.
    std::map<std::string, uint64_t> actors, topics, authors, months, weeks;
    std::map<std::pair<std::string, std::string>, uint64_t> month_actor;
    uint64_t undated = 0, no_actor = 0;
    for (const Hit& h : hits) {
      const Document& d = h.document;
      for (const std::string& a : d.actors) ++actors[a];
      if (d.actors.empty()) ++no_actor;
      for (const std::string& t : d.topics) ++topics[t];
      if (!d.author.empty()) ++authors[d.author];
      if (!d.date) {
        ++undated;
        continue;
      }
      months[BucketLabel(BucketStart(*d.date, DateUnit::kMonth), DateUnit::kMonth)]++;
      weeks[BucketLabel(BucketStart(*d.date, DateUnit::kWeek), DateUnit::kWeek)]++;
    }
    FacetRequest month{.field = FacetField::kDate,
                       .unit = DateUnit::kMonth,
                       .top = 10,
                       .split = true,
                       .split_field = FacetField::kActor,
                       .split_top = 3};
    SearchOptions o{.limit = 5};
    o.facets = {{.field = FacetField::kActor, .top = 100},
                {.field = FacetField::kTopic, .top = 2},
                {.field = FacetField::kAuthor},
                month,
                {.field = FacetField::kDate, .unit = DateUnit::kWeek}};
    auto r = idx->Search(q, o);
    REQUIRE(r.ok());
    CHECK(r->total == hits.size());
    REQUIRE(r->facets.size() == 5);
    const FacetResult& fa = r->facets[0];
    CHECK(fa.name == "actor");
    CHECK(fa.distinct == actors.size());
    CHECK(fa.missing == no_actor);
    REQUIRE(fa.counts.size() == actors.size());
    for (size_t i = 0; i < fa.counts.size(); ++i) {
      CHECK(fa.counts[i].count == actors[fa.counts[i].value]);
      if (i) CHECK(fa.counts[i - 1].count >= fa.counts[i].count);  // most frequent first
    }
    const FacetResult& ft = r->facets[1];
    CHECK(ft.counts.size() == std::min<size_t>(2, topics.size()));
    CHECK(ft.distinct == topics.size());
    for (const FacetCount& c : ft.counts) CHECK(c.count == topics[c.value]);
    if (!ft.counts.empty()) {
      uint64_t most = 0;
      for (const auto& [t, n] : topics) most = std::max(most, n);
      CHECK(ft.counts[0].count == most);
    }
    for (const FacetCount& c : r->facets[2].counts) CHECK(c.count == authors[c.value]);
    CHECK(r->facets[2].distinct == authors.size());
    // Date histogram: every month from the first to the last, empty ones included.
    const FacetResult& fm = r->facets[3];
    CHECK(fm.name == "date:month");
    CHECK(fm.missing == undated);
    CHECK(fm.distinct == months.size());
    uint64_t sum = 0;
    for (size_t i = 0; i < fm.counts.size(); ++i) {
      const FacetCount& c = fm.counts[i];
      CHECK(c.count == (months.count(c.value) ? months[c.value] : 0));
      CHECK(BucketLabel(c.first_day, DateUnit::kMonth) == c.value);
      if (i) CHECK(c.first_day == NextBucket(fm.counts[i - 1].first_day, DateUnit::kMonth));
      sum += c.count;
      // The split: each match under every split value it names.
      REQUIRE(c.split.size() == fm.split_values.size());
      for (uint64_t n : c.split) CHECK(n <= c.count);
      CHECK(c.split_none <= c.count);
    }
    CHECK(sum + undated == hits.size());
    if (!months.empty()) {
      CHECK(fm.counts.front().value == months.begin()->first);
      CHECK(fm.counts.back().value == months.rbegin()->first);
    }
    // Split values: the three actors the most dated matches name, ties by name.
    std::vector<std::string> chosen;
    {
      std::map<std::string, uint64_t> named;
      for (const Hit& h : hits)
        if (h.document.date)
          for (const std::string& a : std::set<std::string>(h.document.actors.begin(), h.document.actors.end()))
            ++named[a];
      std::vector<std::pair<std::string, uint64_t>> order(named.begin(), named.end());
      std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
      for (size_t k = 0; k < order.size() && k < 3; ++k) chosen.push_back(order[k].first);
    }
    CHECK(fm.split_values == chosen);
    // Split counts by brute force.
    for (const FacetCount& c : fm.counts) {
      std::vector<uint64_t> expect(fm.split_values.size(), 0);
      uint64_t none = 0;
      for (const Hit& h : hits) {
        if (!h.document.date ||
            BucketLabel(BucketStart(*h.document.date, DateUnit::kMonth), DateUnit::kMonth) != c.value)
          continue;
        bool any = false;
        for (size_t k = 0; k < fm.split_values.size(); ++k)
          if (std::count(h.document.actors.begin(), h.document.actors.end(), fm.split_values[k])) {
            ++expect[k];
            any = true;
          }
        none += !any;
      }
      CHECK(c.split == expect);
      CHECK(c.split_none == none);
    }
    for (const FacetCount& c : r->facets[4].counts) CHECK(c.count == (weeks.count(c.value) ? weeks[c.value] : 0));
  }
}

TEST_CASE("facet names: aliases of one actor count as one, a match once") {
  TempDir dir;
  auto idx = OpenNew(dir, /*tagging=*/false);  // the actors as given, aliases and all
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  auto doc = [](std::string id, std::vector<std::string> actors) {
    Document d;
    d.id = std::move(id);
    d.body = "talks";
    d.actors = std::move(actors);
    return d;
  };
  REQUIRE((*w)->Add(doc("a", {"He Lifeng"})).ok());
  REQUIRE((*w)->Add(doc("b", {"\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0"})).ok());  // 何立峰
  REQUIRE((*w)->Add(doc("c", {"He Lifeng", "\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0", "Scott Bessent"})).ok());
  REQUIRE((*w)->Commit().ok());
  SearchOptions o;
  o.facets = {{.field = FacetField::kActor}};
  auto raw = idx->Search(Query::All(), o);
  REQUIRE(raw.ok());
  REQUIRE(raw->facets[0].counts.size() == 3);
  CHECK(raw->facets[0].counts[0].count == 2);
  o.facet_name = [](FacetField f, const std::string& v) -> std::string {
    REQUIRE(f == FacetField::kActor);
    return v == "\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0" ? "He Lifeng" : "";
  };
  auto named = idx->Search(Query::All(), o);
  REQUIRE(named.ok());
  const FacetResult& f = named->facets[0];
  REQUIRE(f.counts.size() == 2);
  CHECK(f.counts[0].value == "He Lifeng");
  CHECK(f.counts[0].count == 3);  // c names him twice and counts once
  CHECK(f.counts[1].value == "Scott Bessent");
  CHECK(f.distinct == 2);
}

TEST_CASE("a cursor pages through every hit once, in order, even while the index changes") {
  TempDir dir;
  auto idx = OpenNew(dir);
  std::mt19937 rng(11);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  for (int i = 0; i < 120; ++i) REQUIRE((*w)->Add(RandomDoc(rng, i)).ok());
  REQUIRE((*w)->Commit().ok());
  const Query q = Query::Or({Query::Term(Field::kBody, "alpha"), Query::Term(Field::kBody, "beta")});
  for (SortOrder sort : {SortOrder::kRelevance, SortOrder::kDateAscending, SortOrder::kDateDescending}) {
    INFO(static_cast<int>(sort));
    std::vector<Hit> all = AllHits(*idx, q, sort);
    REQUIRE(all.size() > 20);
    // Unchanged index: the pages are exactly the full list cut in pieces.
    std::vector<uint32_t> paged;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      SearchOptions o{.limit = 7, .sort = sort};
      o.after = cursor;
      auto r = idx->Search(q, o);
      REQUIRE(r.ok());
      CHECK(r->total == all.size());
      CHECK(r->warnings.empty());
      for (const Hit& h : r->hits) paged.push_back(h.doc_id);
      cursor = r->next_cursor;
      if (cursor.empty()) break;
    }
    std::vector<uint32_t> expect;
    for (const Hit& h : all) expect.push_back(h.doc_id);
    CHECK(paged == expect);
  }
  SECTION("across commits: no new article, none twice, and a warning") {
    const SortOrder sort = SortOrder::kDateDescending;
    std::vector<Hit> all = AllHits(*idx, q, sort);
    auto first = idx->Search(q, {.limit = 10, .sort = sort});
    REQUIRE(first.ok());
    REQUIRE(!first->next_cursor.empty());
    // New articles that would come first (newest), and one replaced.
    for (int i = 0; i < 5; ++i) {
      Document d = RandomDoc(rng, 1000 + i);
      d.body = "alpha beta " + d.body;
      d.date = DaysFromCivil(2030, 1, 1);
      REQUIRE((*w)->Add(d).ok());
    }
    const std::string replaced = all[15].document.id;
    Document again = all[15].document;
    again.body += " changed";
    REQUIRE((*w)->Add(again).ok());
    REQUIRE((*w)->Commit().ok());
    std::vector<uint32_t> seen;
    for (const Hit& h : first->hits) seen.push_back(h.doc_id);
    std::string cursor = first->next_cursor;
    bool warned = false;
    while (!cursor.empty()) {
      SearchOptions o{.limit = 10, .sort = sort};
      o.after = cursor;
      auto r = idx->Search(q, o);
      REQUIRE(r.ok());
      warned |= !r->warnings.empty() && r->warnings[0].find("index changed") != std::string::npos;
      for (const Hit& h : r->hits) seen.push_back(h.doc_id);
      cursor = r->next_cursor;
    }
    CHECK(warned);
    std::vector<uint32_t> expect;
    for (const Hit& h : all)
      if (h.document.id != replaced) expect.push_back(h.doc_id);  // the replaced one drops out
    CHECK(seen == expect);
  }
  SECTION("bad cursors are the caller's error") {
    for (const std::string bad : {"x", "c1.1.2.r-.zz.3", "c1.1.2.q-.0000000000000000.3", "c2.1.2.r-.0000000000000000.3",
                                  "c1.1.2.r-.0000000000000000.3 ", "c1.-1.2.r-.0000000000000000.3"}) {
      SearchOptions o;
      o.after = bad;
      auto r = idx->Search(q, o);
      INFO(bad);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == StatusCode::kInvalidArgument);
    }
    auto first = idx->Search(q, {.limit = 3});
    REQUIRE(first.ok());
    SearchOptions o{.sort = SortOrder::kDateAscending};
    o.after = first->next_cursor;
    auto r = idx->Search(q, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("another sort order") != std::string::npos);
  }
}

TEST_CASE("fingerprints: copies agree on most bytes, different texts do not; Jaccard of shingles") {
  auto hashes = [](const std::string& text) {
    std::vector<uint64_t> h;
    size_t i = 0;
    while (i < text.size()) {
      size_t j = text.find(' ', i);
      if (j == std::string::npos) j = text.size();
      if (j > i) h.push_back(MixBits(std::hash<std::string>()(text.substr(i, j - i))));
      i = j + 1;
    }
    return h;
  };
  auto same_bytes = [](uint64_t a, uint64_t b) {
    int n = 0;
    for (int k = 0; k < 8; ++k) n += ((a >> (8 * k)) & 0xFF) == ((b >> (8 * k)) & 0xFF);
    return n;
  };
  std::mt19937 rng(3);
  int copies_close = 0, others_close = 0;
  for (int trial = 0; trial < 50; ++trial) {
    std::string base, other;
    for (int i = 0; i < 300; ++i) base += kWords[rng() % kWords.size()] + std::to_string(rng() % 50) + " ";
    for (int i = 0; i < 300; ++i) other += kWords[rng() % kWords.size()] + std::to_string(rng() % 50) + " ";
    std::string edited = "By Wire Desk " + base + "Reporting by the wire";  // syndication furniture
    auto a = hashes(base), b = hashes(edited), c = hashes(other);
    CHECK(Jaccard(Shingles(a.data(), a.size()), Shingles(b.data(), b.size())) > 0.95);
    CHECK(Jaccard(Shingles(a.data(), a.size()), Shingles(c.data(), c.size())) < 0.05);
    copies_close += same_bytes(Fingerprint(a.data(), a.size()), Fingerprint(b.data(), b.size())) >= 6;
    others_close += same_bytes(Fingerprint(a.data(), a.size()), Fingerprint(c.data(), c.size())) >= 2;
  }
  CHECK(copies_close >= 45);  // each byte agrees with probability ~ Jaccard
  CHECK(others_close <= 3);
  std::vector<uint64_t> w(20, 7);
  CHECK(Fingerprint(w.data(), kMinFingerprintWords - 1) == 0);
  CHECK(Fingerprint(w.data(), kMinFingerprintWords) != 0);
}

TEST_CASE("collapse folds syndicated copies into the earliest, ranked at the best copy") {
  TempDir dir;
  auto idx = OpenNew(dir);
  std::string story =
      "Treasury Secretary Scott Bessent said on Monday that talks with Chinese officials in Madrid had produced a "
      "framework on TikTok and that both sides would keep tariffs where they are until the leaders speak. He said "
      "negotiators worked late into the night and that the agreement still needs approval from both capitals. "
      "Markets rose after the news, with technology shares leading the gains in afternoon trading.";
  std::string other =
      "The European Central Bank left interest rates unchanged on Thursday and said inflation was close to its "
      "target. Officials signalled no rush to cut again and pointed to steady wages and a resilient labour market "
      "across the euro area, while warning that tariffs could weigh on exports later this year.";
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  auto doc = [](std::string id, std::string body, Days date) {
    Document d;
    d.id = std::move(id);
    d.title = "Story";
    d.body = std::move(body);
    d.date = date;
    return d;
  };
  REQUIRE((*w)->Add(doc("wire/original.txt", story, DaysFromCivil(2025, 9, 15))).ok());
  REQUIRE((*w)->Add(doc("paper/copy.txt", "By Wire Desk. " + story + " Tariffs tariffs tariffs.",
                        DaysFromCivil(2025, 9, 16)))
              .ok());
  REQUIRE((*w)->Add(doc("site/copy2.txt", story + " Reporting by the wire.", DaysFromCivil(2025, 9, 17))).ok());
  REQUIRE((*w)->Add(doc("ecb.txt", other, DaysFromCivil(2025, 9, 14))).ok());
  REQUIRE((*w)->Commit().ok());
  const Query q = Query::Term(Field::kBody, "tariff");
  auto plain = idx->Search(q, {.limit = 10});
  REQUIRE(plain.ok());
  CHECK(plain->total == 4);
  CHECK(plain->hits[0].document.id == "paper/copy.txt");  // says tariffs most
  SearchOptions o{.limit = 10};
  o.collapse = true;
  auto r = idx->Search(q, o);
  REQUIRE(r.ok());
  CHECK(r->total == 2);
  REQUIRE(r->hits.size() == 2);
  CHECK(r->hits[0].document.id == "wire/original.txt");  // the earliest copy, shown first
  CHECK(r->hits[0].copies == 2);
  CHECK(r->hits[0].score == plain->hits[0].score);  // ranked where its best copy ranks
  CHECK(r->hits[1].document.id == "ecb.txt");
  CHECK(r->hits[1].copies == 0);
  // Paging a collapsed list with its cursor.
  auto p1 = idx->Search(q, {.limit = 1, .collapse = true});
  REQUIRE(p1.ok());
  SearchOptions o2{.limit = 1, .collapse = true};
  o2.after = p1->next_cursor;
  auto p2 = idx->Search(q, o2);
  REQUIRE(p2.ok());
  REQUIRE(p2->hits.size() == 1);
  CHECK(p2->hits[0].document.id == "ecb.txt");
  CHECK(p2->next_cursor.empty());
}

TEST_CASE("collapse in a collection compares each split's own stored bodies", "[collection]") {
  // Documents 1 and 2 of both yearly splits: the copy is document 2 of 2025,
  // and document 2 of 2024 is another article. Reading the copy's body from
  // the 2024 split (the same id, the block read last) would not fold it.
  const std::string story =
      "Treasury Secretary Scott Bessent said on Monday that talks with Chinese officials in Madrid had produced a "
      "framework on TikTok and that both sides would keep tariffs where they are until the leaders speak. He said "
      "negotiators worked late into the night and that the agreement still needs approval from both capitals.";
  const std::string ecb =
      "The European Central Bank left interest rates unchanged on Thursday and said inflation was close to its "
      "target. Officials signalled no rush to cut again and pointed to steady wages and tariffs on exports.";
  const std::string rain =
      "Heavy rain flooded the lower town overnight and the river rose above its banks for the first time in a decade, "
      "the mayor said, while farmers counted the cost of tariffs and of a lost harvest across the valley.";
  auto doc = [](std::string id, std::string body, Days date) {
    Document d;
    d.id = std::move(id);
    d.title = "Story";
    d.body = std::move(body);
    d.date = date;
    return d;
  };
  const std::vector<Document> docs = {doc("original", story, DaysFromCivil(2024, 3, 1)),
                                      doc("ecb", ecb, DaysFromCivil(2024, 3, 2)),
                                      doc("rain", rain, DaysFromCivil(2025, 1, 1)),
                                      doc("copy", story + " Reporting by the wire.", DaysFromCivil(2025, 2, 1))};
  TempDir dir;
  for (Partition p : {Partition::kNone, Partition::kYear}) {
    INFO((p == Partition::kYear ? "yearly splits" : "one index"));
    auto idx = Index::Open(dir.sub(p == Partition::kYear ? "col" : "one"), {.create_if_missing = true, .partition = p});
    REQUIRE(idx.ok());
    auto w = (*idx)->NewWriter();
    REQUIRE(w.ok());
    for (const Document& d : docs) REQUIRE((*w)->Add(d).ok());
    REQUIRE((*w)->Commit().ok());
    auto r = (*idx)->Search(Query::Term(Field::kBody, "tariff"), {.limit = 10, .collapse = true});
    REQUIRE(r.ok());
    CHECK(r->total == 3);
    std::map<std::string, uint32_t> copies;
    for (const Hit& h : r->hits) copies[h.document.id] = h.copies;
    CHECK(copies == std::map<std::string, uint32_t>{{"original", 1}, {"ecb", 0}, {"rain", 0}});
  }
}

TEST_CASE("a cursor made for another index, or before a compaction, is refused") {
  TempDir dir;
  std::mt19937 rng(5);
  auto build = [&](const std::string& name) {
    auto idx = Index::Open(dir.sub(name), {.create_if_missing = true});
    REQUIRE(idx.ok());
    auto w = (*idx)->NewWriter();
    REQUIRE(w.ok());
    for (int i = 0; i < 50; ++i) REQUIRE((*w)->Add(RandomDoc(rng, i)).ok());
    REQUIRE((*w)->Commit().ok());
    return std::move(*idx);
  };
  auto a = build("a");
  auto b = build("b");
  auto page = a->Search(Query::All(), {.limit = 5});
  REQUIRE(page.ok());
  REQUIRE(!page->next_cursor.empty());
  SearchOptions o{.limit = 5};
  o.after = page->next_cursor;
  CHECK(a->Search(Query::All(), o).ok());
  auto other = b->Search(Query::All(), o);
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().code() == StatusCode::kInvalidArgument);
  CHECK(other.status().message().find("another index") != std::string::npos);
  a.reset();
  REQUIRE(CompactIndex(dir.sub("a")).ok());
  auto again = Index::Open(dir.sub("a"));
  REQUIRE(again.ok());
  auto after_compact = (*again)->Search(Query::All(), o);
  REQUIRE_FALSE(after_compact.ok());
  CHECK(after_compact.status().message().find("compacted or rebuilt") != std::string::npos);
}

TEST_CASE("a cursor is refused when changed by hand or passed with another query") {
  TempDir dir;
  auto idx = OpenNew(dir);
  std::mt19937 rng(12);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  for (int i = 0; i < 60; ++i) REQUIRE((*w)->Add(RandomDoc(rng, i)).ok());
  REQUIRE((*w)->Commit().ok());
  const Query q = Query::Term(Field::kBody, "alpha");
  auto first = idx->Search(q, {.limit = 3});
  REQUIRE(first.ok());
  const std::string cursor = first->next_cursor;
  REQUIRE(!cursor.empty());
  SearchOptions o{.limit = 3};
  o.after = cursor;
  CHECK(idx->Search(q, o).ok());
  // Every single character changed to another hex digit or digit: refused, never a page.
  for (size_t i = 3; i < cursor.size(); ++i) {
    if (cursor[i] == '.' || cursor[i] == '-' || cursor[i] == 'r') continue;
    o.after = cursor;
    o.after[i] = cursor[i] == '1' ? '2' : '1';
    auto r = idx->Search(q, o);
    INFO(o.after);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
  o.after = cursor;
  auto other = idx->Search(Query::Term(Field::kBody, "beta"), o);
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().code() == StatusCode::kInvalidArgument);
  CHECK(other.status().message().find("another query") != std::string::npos);
}

namespace {

// An index whose bodies hold `words` distinct words starting with "w"
// (w00000, w00001, ...), 100 to a document, and the word "common" in each.
std::unique_ptr<Index> ManyWords(const TempDir& dir, int words) {
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  for (int d = 0; d * 100 < words; ++d) {
    Document doc;
    doc.id = "d" + std::to_string(d);
    doc.title = "t";
    doc.body = "common";
    for (int i = d * 100; i < std::min(words, d * 100 + 100); ++i) {
      char word[16];
      std::snprintf(word, sizeof word, " w%05d", i);
      doc.body += word;
    }
    REQUIRE((*w)->Add(doc).ok());
  }
  REQUIRE((*w)->Commit().ok());
  return idx;
}

}  // namespace

TEST_CASE("a prefix repeated across a query is expanded once, and counted once") {
  TempDir dir;
  auto idx = ManyWords(dir, 3000);
  // The same capped prefix in 50 places (not siblings, so not merged by the
  // planner): the dictionary is read once, and the cap is reported once.
  std::vector<Query> parts;
  for (int i = 0; i < 50; ++i)
    parts.push_back(Query::And({Query::Prefix(Field::kBody, "w", 100), Query::Term(Field::kBody, "common")}));
  auto r = idx->Search(Query::Or(parts), {.limit = 5});
  REQUIRE(r.ok());
  CHECK(r->total == 1);  // the 100 kept (ties: lower bytes) are the words of d0
  CHECK(r->warnings.size() == 1);
  CHECK(r->expansions == 100);
  // Each place still has its own iterators: 50 x (100 expansions + 1 term).
  CHECK(r->plan_bytes >= 50 * 101 * 2000);
  CHECK(r->plan_bytes <= 50 * 101 * 4096 + (1 << 20));
  // Iterators of a part that matches nothing are dropped as soon as that is
  // known, and their memory no longer counts.
  std::vector<Query> none;
  for (int i = 0; i < 50; ++i)
    none.push_back(Query::And({Query::Prefix(Field::kBody, "w", 100), Query::Term(Field::kBody, "absent")}));
  auto n = idx->Search(Query::Or(none), {.limit = 5});
  REQUIRE(n.ok());
  CHECK(n->total == 0);
  CHECK(n->plan_bytes <= 2 * 101 * 4096);
}

TEST_CASE("a query's expansions and planned memory are bounded, and beyond them it is refused") {
  TempDir dir;
  auto idx = ManyWords(dir, 20000);
  // One prefix of 20,000 terms (its own cap lifted): past the default limit
  // of 16,384 expansions per query, so refused instead of run.
  auto big = idx->Search(Query::Prefix(Field::kBody, "w", 20000), {.limit = 10});
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == StatusCode::kInvalidArgument);
  CHECK(big.status().message() ==
        "the query expands to more than 16384 terms, the limit for one query (passed at 'body:w*'); make its "
        "prefixes and fuzzy words longer or use fewer of them");
  // Counting only (bitsets instead of iterators) is held to the same limit.
  CHECK_FALSE(idx->Search(Query::Prefix(Field::kBody, "w", 20000), {.limit = 0}).ok());

  // Within the limit it runs and says what it took.
  auto ok = idx->Search(Query::Prefix(Field::kBody, "w1", 20000), {.limit = 10});
  REQUIRE(ok.ok());
  CHECK(ok->total == 100);
  CHECK(ok->expansions == 10000);
  CHECK(ok->plan_bytes <= kDefaultMaxQueryMemory);

  // The limits are options: several prefixes add up.
  std::vector<Query> prefixes;
  for (const char* p : {"w000", "w001", "w002", "w003"}) prefixes.push_back(Query::Prefix(Field::kBody, p));
  SearchOptions tight{.limit = 10};
  tight.max_query_expansions = 350;
  auto four = idx->Search(Query::Or(prefixes), tight);
  REQUIRE_FALSE(four.ok());
  CHECK(four.status().message().find("more than 350 terms") != std::string::npos);
  CHECK(four.status().message().find("(passed at 'body:w003*')") != std::string::npos);
  tight.max_query_expansions = 400;
  auto fits = idx->Search(Query::Or(prefixes), tight);
  REQUIRE(fits.ok());
  CHECK(fits->expansions == 400);

  // Memory: the iterators of a query are planned before they are made; a
  // plan past max_query_memory is refused, naming the limit.
  SearchOptions small{.limit = 10};
  small.max_query_memory = 1 << 20;
  auto mem = idx->Search(Query::Prefix(Field::kBody, "w1", 20000), small);
  REQUIRE_FALSE(mem.ok());
  CHECK(mem.status().code() == StatusCode::kInvalidArgument);
  CHECK(mem.status().message().find(
            "more than 1 MiB of memory to run, the limit for one query (passed at 'body:w1*')") != std::string::npos);
  // Plain terms count too: 2,000 words, each its own cursor.
  std::vector<Query> words;
  for (int i = 0; i < 2000; ++i) {
    char word[16];
    std::snprintf(word, sizeof word, "w%05d", i * 7);
    words.push_back(Query::Term(Field::kBody, word));
  }
  auto many = idx->Search(Query::Or(words), small);
  REQUIRE_FALSE(many.ok());
  // Expanding reads the dictionary: a fuzzy word its field's whole
  // dictionary (20,000 words, "common" and the sentence mark here), a prefix
  // the terms it starts. Read
  // once per distinct leaf, and bounded per query.
  SearchOptions scan{.limit = 10};
  scan.max_query_scan = 30000;
  Query fuzzy = Query::Fuzzy(Field::kBody, "w00000", 1);
  auto one = idx->Search(Query::Or({fuzzy, Query::And({fuzzy, Query::Term(Field::kBody, "common")})}), scan);
  REQUIRE(one.ok());
  CHECK(one->scanned == 20002);
  CHECK(one->expansions == 38);  // w00000 and the 37 words one digit away (w1xxxx, w0xxxx)
  auto pair = idx->Search(Query::Or({fuzzy, Query::Fuzzy(Field::kBody, "w00001", 1)}), scan);
  REQUIRE_FALSE(pair.ok());
  CHECK(pair.status().message() ==
        "the query reads more than 30000 dictionary entries to expand its prefixes and fuzzy words, the limit for "
        "one query (passed at 'body:w00001~1'); use fewer fuzzy words, or longer prefixes");
  auto prefix = idx->Search(Query::Prefix(Field::kBody, "w1"), {.limit = 10});
  REQUIRE(prefix.ok());
  CHECK(prefix->scanned == 10000);

  // A query planned from text is refused at the word where the limit was
  // passed, with its offset and length.
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto text = CompileQuery("common w0* title:t w1*", **analyzer);
  REQUIRE(text.ok());
  SearchOptions two{.limit = 10};
  two.max_query_expansions = 1500;  // each prefix expands to 1,024 body terms
  auto at = idx->Search(*text, two);
  REQUIRE_FALSE(at.ok());
  CHECK(at.status().offset() == 19);
  CHECK(at.status().length() == 3);
  CHECK(at.status().message().find("(passed at 'body:w1*')") != std::string::npos);
  two.max_query_expansions = 2048;
  CHECK(idx->Search(*text, two).ok());

  auto fine = idx->Search(Query::Or(words), {.limit = 10});
  REQUIRE(fine.ok());
  CHECK(fine->total == 140);
  CHECK(fine->plan_bytes > small.max_query_memory);
  CHECK(fine->plan_bytes < 2000 * 4096);
}
