// The collectors a search feeds (search/collectors.h, search/results.h), on
// their own: the top-k and its order, the counts and the next-page rule,
// near-duplicate groups over the stored bodies of small indexes, facets over
// several parts (the splits of a collection), and the paging cursor's text.
#include "search/collectors.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <optional>
#include <random>
#include <utility>

#include "analysis/analyzer_access.h"
#include "db/split.h"
#include "index/fingerprint.h"
#include "index/term_table.h"
#include "loupe/index.h"
#include "search/doc_table.h"
#include "search/results.h"
#include "support/test_util.h"
#include "util/calendar.h"

using namespace loupe;
using loupe::test::TempDir;

TEST_CASE("top-k keeps the best entries, ties by date, then part, then document") {
  // Equal keys: the earlier date first, undated last; then the lower part, the lower document.
  const Entry a{2.0, 2.0, 100, 1, 7}, b{2.0, 2.0, 90, 2, 3}, c{2.0, 2.0, format::kNoDate, 0, 1}, d{2.0, 2.0, 100, 0, 9},
      e{2.0, 2.0, 100, 1, 5}, f{3.0, 3.0, format::kNoDate, 5, 5};
  CHECK(Before(f, b));  // a higher key first, whatever its date
  CHECK(Before(b, a));  // earlier date
  CHECK(Before(a, c));  // dated before undated
  CHECK(Before(d, a));  // same date: lower part
  CHECK(Before(e, a));  // same date and part: lower document
  CHECK_FALSE(Before(a, a));

  TopK top(3);
  for (const Entry& x : {a, b, c, d, e, f}) top.Offer(x);
  CHECK(top.full());
  std::vector<Entry> best = top.Take();
  REQUIRE(best.size() == 3);
  CHECK((best[0].doc == f.doc && best[0].part == f.part));
  CHECK((best[1].doc == b.doc && best[1].part == b.part));
  CHECK((best[2].doc == d.doc && best[2].part == d.part));

  // Against sorting everything: the same first k, in the same order.
  std::mt19937 rng(7);
  std::vector<Entry> all;
  for (uint32_t i = 0; i < 2000; ++i)
    all.push_back(
        {static_cast<double>(rng() % 50), 0, static_cast<Days>(rng() % 5) - 2, static_cast<uint32_t>(rng() % 3), i});
  for (size_t k : {size_t{0}, size_t{1}, size_t{10}, size_t{1999}, size_t{5000}}) {
    TopK t(k);
    for (const Entry& x : all) t.Offer(x);
    std::vector<Entry> sorted = all;
    std::sort(sorted.begin(), sorted.end(), Before);
    sorted.resize(std::min(k, sorted.size()));
    std::vector<Entry> got = t.Take();
    REQUIRE(got.size() == sorted.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK((got[i].part == sorted[i].part && got[i].doc == sorted[i].doc));
  }
  TopK none(0);
  CHECK_FALSE(none.Offer(a));
  CHECK_FALSE(none.full());
}

TEST_CASE("the count collector counts every match, those after the cursor, and tells whether a page follows") {
  const Entry shown{2.0, 2.0, 100, 0, 5};  // the previous page's last hit
  CountCollector first(std::nullopt, /*exact=*/true);
  CountCollector later(shown, /*exact=*/true);
  const Entry above{3.0, 3.0, 100, 0, 1}, tie_before{2.0, 2.0, 100, 0, 4}, tie_after{2.0, 2.0, 100, 0, 6},
      below{1.0, 1.0, 50, 1, 1};
  for (const Entry& e : {above, tie_before, shown, tie_after, below}) {
    first.Add();
    later.Add();
    CHECK(first.Follows(e));  // no cursor: every match
  }
  CHECK_FALSE(later.Follows(above));       // ranked before the cursor: shown already
  CHECK_FALSE(later.Follows(tie_before));  // an equal key, ranked before by its id
  CHECK_FALSE(later.Follows(shown));       // the cursor's own hit
  CHECK(later.Follows(tie_after));
  CHECK(later.Follows(below));
  CHECK(first.total() == 5);
  CHECK(later.total() == 5);
  CHECK(first.after_cursor() == 5);
  CHECK(later.after_cursor() == 2);
  CHECK(later.total_exact());
  later.Pruned();
  CHECK_FALSE(later.total_exact());
  first.Add(10);  // a plain count adds a part's matches at once
  CHECK(first.total() == 15);
  first.SetTotal(3);  // collapse: the groups
  CHECK(first.total() == 3);

  // Exact: a next page when matches after the cursor remain past this one.
  CHECK(later.More(/*offset=*/0, /*limit=*/1, /*shown=*/1));
  CHECK_FALSE(later.More(0, 2, 2));
  CHECK_FALSE(later.More(1, 1, 1));
  CHECK_FALSE(later.More(0, 5, 2));
  // Not exact (pruned): only a full page suggests another.
  CountCollector pruned(std::nullopt, /*exact=*/false);
  pruned.Follows(above);
  CHECK(pruned.More(0, 3, 3));  // more than it counted: pruning skipped some
  CHECK_FALSE(pruned.More(0, 3, 2));
  CHECK_FALSE(pruned.More(0, 1, 0));
}

namespace {

// A plain index of `docs` (ids 1, 2, ... in order) and a read snapshot of it.
struct StoredPart {
  std::unique_ptr<Index> index;
  SplitSnapshot snap;
  StoredPart(const std::string& dir, const std::vector<Document>& docs) {
    auto opened = Index::Open(dir, {.create_if_missing = true});
    REQUIRE(opened.ok());
    index = std::move(*opened);
    auto w = index->NewWriter();
    REQUIRE(w.ok());
    for (const Document& d : docs) REQUIRE((*w)->Add(d).ok());
    REQUIRE((*w)->Commit().ok());
    auto s = dynamic_cast<const SplitReader&>(*index).Snapshot();
    REQUIRE(s.ok());
    snap = std::move(*s);
  }
  CollapsePart part() const { return {snap.txn.get(), snap.table.get()}; }
  uint64_t fingerprint(uint32_t doc) const { return snap.table->fingerprints[doc]; }
};

Document Dated(std::string id, std::string body, std::optional<Days> date) {
  Document d;
  d.id = std::move(id);
  d.title = "Story";
  d.body = std::move(body);
  d.date = date;
  return d;
}

// The shingle set of `body` as the index analyzed it.
std::vector<uint64_t> ShinglesOf(const std::string& body) {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  std::vector<Token> tokens;
  AnalyzerAccess::AnalyzeField(**analyzer, Field::kBody, body, 0, &tokens);
  std::vector<uint64_t> words;
  for (const Token& t : tokens) words.push_back(TermTable::Hash(Field::kBody, t.term));
  return Shingles(words.data(), words.size());
}

// Candidates for collapse: fingerprints that agree on a 2-byte band.
bool SharesBand(uint64_t a, uint64_t b) {
  for (int band = 0; band < 4; ++band)
    if (a && b && static_cast<uint16_t>(a >> (16 * band)) == static_cast<uint16_t>(b >> (16 * band))) return true;
  return false;
}

std::string Replace(std::string text, const std::vector<std::pair<std::string, std::string>>& edits) {
  for (const auto& [from, to] : edits) {
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

TEST_CASE("the collapse collector folds copies into the earliest, ranked as the best, over several parts") {
  const std::string s =
      "Treasury Secretary Scott Bessent said on Monday that talks with Chinese officials in Madrid had produced a "
      "framework on TikTok and that both sides would keep tariffs where they are until the leaders speak. He said "
      "negotiators worked late into the night and that the agreement still needs approval from both capitals. "
      "Markets rose after the news, with technology shares leading the gains in afternoon trading.";
  const std::string t =
      "The European Central Bank left interest rates unchanged on Thursday and said inflation was close to its "
      "target. Officials signalled no rush to cut again and pointed to steady wages and a resilient labour market "
      "across the euro area, while warning that tariffs could weigh on exports later this year and that energy "
      "prices remained a risk for households and firms.";
  // Two words changed: just above the threshold; three: below it.
  const std::string s2 = Replace(s, {{"Monday", "Tuesday"}, {"night", "evening"}});
  const std::string t3 = Replace(t, {{"Thursday", "Friday"}, {"wages", "salaries"}, {"households", "families"}});
  const std::string t_copy = t + " Reporting by the wire.";
  const double s_s2 = Jaccard(ShinglesOf(s), ShinglesOf(s2)), t_t3 = Jaccard(ShinglesOf(t), ShinglesOf(t3));
  INFO("Jaccard: " << s_s2 << ", " << t_t3);
  REQUIRE(s_s2 >= kNearJaccard);
  REQUIRE(s_s2 < 0.85);
  REQUIRE(t_t3 < kNearJaccard);
  REQUIRE(t_t3 > 0.7);

  TempDir dir;
  auto day = [](int d) { return DaysFromCivil(2025, 9, d); };
  // Part 0: documents 1..6; part 1: documents 1..2, the same ids as part 0's first two.
  StoredPart p0(dir.sub("p0"),
                {Dated("s", s, day(16)), Dated("s-byline", "By Wire Desk. " + s, std::nullopt),
                 Dated("s2", s2, day(15)), Dated("t", t, day(10)), Dated("short1", "Tariffs rise again.", day(1)),
                 Dated("short2", "Tariffs rise again.", day(2))});
  StoredPart p1(dir.sub("p1"), {Dated("t3", t3, day(11)), Dated("t-copy", t_copy, day(10))});
  // The pairs below the threshold are candidates (their fingerprints agree on
  // a band): only the exact test keeps them apart.
  REQUIRE(SharesBand(p0.fingerprint(4), p1.fingerprint(1)));
  REQUIRE(SharesBand(p0.fingerprint(1), p0.fingerprint(3)));
  CHECK(p0.fingerprint(5) == 0);  // too short for a fingerprint: never folded
  const std::vector<CollapsePart> parts = {p0.part(), p1.part()};
  auto dated = [&](uint32_t part, uint32_t doc) { return (part == 0 ? p0 : p1).snap.table->dates[doc]; };
  struct Match {
    uint32_t part, doc;
    double score;
  };
  const std::vector<Match> matches = {{0, 1, 1.0}, {0, 2, 3.0}, {0, 3, 2.0}, {0, 4, 1.5},
                                      {0, 5, 0.7}, {0, 6, 0.7}, {1, 1, 2.5}, {1, 2, 2.2}};
  auto at = [](const Entry& e) { return std::make_pair(e.part, e.doc); };
  using Place = std::pair<uint32_t, uint32_t>;

  SECTION("by relevance") {
    CollapseCollector collapse(/*by_date=*/false);
    for (const Match& m : matches) collapse.Offer({m.score, m.score, dated(m.part, m.doc), m.part, m.doc});
    auto folded = collapse.Fold(parts);
    REQUIRE(folded.ok());
    std::vector<Place> order;
    for (const Entry& e : *folded) order.push_back(at(e));
    // s's group is shown as s2 (the earliest; the byline copy is undated), at
    // the byline copy's score; t's as t (part 0 before part 1 on one date),
    // at its copy's; t3 stays apart, and so do the short bodies.
    CHECK(order == std::vector<Place>{{0, 3}, {1, 1}, {0, 4}, {0, 5}, {0, 6}});
    REQUIRE(folded->size() == 5);
    CHECK((*folded)[0].score == 3.0);
    CHECK((*folded)[0].key == 3.0);
    CHECK((*folded)[0].date == day(15));
    CHECK((*folded)[2].score == 2.2);
    CHECK((*folded)[2].date == day(10));
    const std::vector<Entry>* copies = collapse.CopiesOf(0, 3);
    REQUIRE(copies != nullptr);
    std::vector<Place> members;
    for (const Entry& e : *copies) members.push_back(at(e));
    CHECK(members == std::vector<Place>{{0, 2}, {0, 1}});  // best first
    CHECK((*copies)[0].score == 3.0);
    copies = collapse.CopiesOf(0, 4);
    REQUIRE(copies != nullptr);
    REQUIRE(copies->size() == 1);
    CHECK(at((*copies)[0]) == Place{1, 2});
    for (Place alone : {Place{1, 1}, Place{0, 5}, Place{0, 6}, Place{0, 1}, Place{1, 2}})
      CHECK(collapse.CopiesOf(alone.first, alone.second) == nullptr);
  }

  SECTION("by date: a group keeps its representative's key and score") {
    CollapseCollector collapse(/*by_date=*/true);
    for (const Match& m : matches) {
      const Days d = dated(m.part, m.doc);
      collapse.Offer({d == format::kNoDate ? -1e18 : static_cast<double>(d), m.score, d, m.part, m.doc});
    }
    auto folded = collapse.Fold(parts);
    REQUIRE(folded.ok());
    std::vector<Place> order;
    for (const Entry& e : *folded) order.push_back(at(e));
    CHECK(order == std::vector<Place>{{0, 3}, {1, 1}, {0, 4}, {0, 6}, {0, 5}});  // newest first
    REQUIRE(folded->size() == 5);
    CHECK((*folded)[0].score == 2.0);
    CHECK((*folded)[0].key == static_cast<double>(day(15)));
    std::vector<Place> members;
    for (const Entry& e : *collapse.CopiesOf(0, 3)) members.push_back(at(e));
    CHECK(members == std::vector<Place>{{0, 1}, {0, 2}});  // by their dates, undated last
  }

  SECTION("nothing offered") {
    CollapseCollector collapse(false);
    auto folded = collapse.Fold(parts);
    REQUIRE(folded.ok());
    CHECK(folded->empty());
  }
}

namespace {

// A part of `n` documents (ids 1..n), dated day d for document d, with the
// actors given per document.
struct FakePart {
  DocTable docs;
  FacetTable facets;
  FakePart(const std::vector<std::vector<std::string>>& actors) {
    const uint32_t n = static_cast<uint32_t>(actors.size());
    docs.max_doc = n;
    docs.dates.assign(n + 1, format::kNoDate);
    for (int f = 0; f < FacetTable::kFields; ++f) facets.offsets[f].assign(n + 2, 0);
    for (uint32_t d = 1; d <= n; ++d) {
      docs.dates[d] = static_cast<Days>(20000 + d);
      facets.offsets[0][d] = static_cast<uint32_t>(facets.ids[0].size());
      for (const std::string& a : actors[d - 1]) {
        auto it = std::find(facets.names[0].begin(), facets.names[0].end(), a);
        if (it == facets.names[0].end()) it = facets.names[0].insert(facets.names[0].end(), a);
        facets.ids[0].push_back(static_cast<uint32_t>(it - facets.names[0].begin()));
      }
      for (int f = 1; f < FacetTable::kFields; ++f) facets.offsets[f][d] = 0;
    }
    facets.offsets[0][n + 1] = static_cast<uint32_t>(facets.ids[0].size());
    for (int f = 0; f < FacetTable::kFields; ++f) facets.offsets[f].back() = facets.offsets[f][n + 1];
  }
};

}  // namespace

TEST_CASE("facets over several parts count each value once by name, as one part holding all would") {
  // The same five documents: as one part, and split over two parts whose
  // tables list the names in other orders.
  const std::vector<std::vector<std::string>> all = {{"Ann", "Bo"}, {"Bo"}, {}, {"Cy", "Ann"}, {"Ann"}};
  FakePart one(all);
  FakePart first({all[0], all[1]}), second({all[2], all[3], all[4]});
  for (uint32_t d = 1; d <= 3; ++d) second.docs.dates[d] = static_cast<Days>(20002 + d);
  const std::vector<FacetRequest> requests = {
      {.field = FacetField::kActor},
      {.field = FacetField::kDate, .unit = DateUnit::kDay, .split = true, .split_field = FacetField::kActor}};
  FacetCounter single(requests, one.docs, &one.facets, nullptr);
  for (uint32_t d = 1; d <= 5; ++d) single.Add(d);
  FacetCounter parts(requests, nullptr);
  parts.BeginPart(first.docs, &first.facets);
  for (uint32_t d = 1; d <= 2; ++d) parts.Add(d);
  parts.BeginPart(second.docs, &second.facets);
  for (uint32_t d = 1; d <= 3; ++d) parts.Add(d);
  std::vector<FacetResult> x = single.Finish(), y = parts.Finish();
  REQUIRE(x.size() == 2);
  REQUIRE(y.size() == 2);
  for (size_t f = 0; f < 2; ++f) {
    INFO(x[f].name);
    CHECK(x[f].missing == y[f].missing);
    CHECK(x[f].split_values == y[f].split_values);
    REQUIRE(x[f].counts.size() == y[f].counts.size());
    for (size_t i = 0; i < x[f].counts.size(); ++i) {
      CHECK(x[f].counts[i].value == y[f].counts[i].value);
      CHECK(x[f].counts[i].count == y[f].counts[i].count);
      CHECK(x[f].counts[i].split == y[f].counts[i].split);
    }
  }
  CHECK(y[0].counts[0].value == "Ann");
  CHECK(y[0].counts[0].count == 3);
  CHECK(y[0].missing == 1);
}

TEST_CASE("a cursor's text round-trips, for one index and for many splits, and edits are caught") {
  Cursor c;
  c.index_id = 0x0123456789abcdefULL;
  c.generation = 42;
  c.sort = SortOrder::kDateAscending;
  c.collapse = true;
  c.key = -20123.0;
  c.date = format::kNoDate;
  c.part = 299;
  c.doc = 77;
  c.query_check = 0xfeedULL;
  for (size_t parts : {size_t{1}, size_t{300}}) {
    c.max_docs.clear();
    for (size_t i = 0; i < parts; ++i) c.max_docs.push_back(static_cast<uint32_t>(i * 1000 + 1));
    const std::string text = EncodeCursor(c);
    Cursor back;
    REQUIRE(DecodeCursor(text, &back) == CursorFault::kNone);
    CHECK(back.index_id == c.index_id);
    CHECK(back.generation == c.generation);
    CHECK(back.max_docs == c.max_docs);
    CHECK(back.sort == c.sort);
    CHECK(back.collapse == c.collapse);
    CHECK(back.key == c.key);
    CHECK(back.date == c.date);
    CHECK(back.part == c.part);
    CHECK(back.doc == c.doc);
    CHECK(back.query_check == c.query_check);
    // One digit changed anywhere before the check: changed, or not a cursor.
    for (size_t i = 3; i + 17 < text.size(); i += 7) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) continue;
      std::string edited = text;
      edited[i] = text[i] == '1' ? '2' : '1';
      CHECK(DecodeCursor(edited, &back) != CursorFault::kNone);
    }
  }
  Cursor back;
  for (const char* bad :
       {"", "c4.", "c3.42d13f10a1b7b154.1.64.r-.3ffede346d755359.43.21fed7654a3ab271.6dd5cf632196796f",
        "c4.0123456789abcdef.42.ac.c0d3a6c000000000.-2147483648.299.77.000000000000feed..0000000000000000",
        "c4.0123456789abcdef.42.ac.c0d3a6c000000000.-2147483648.299.77.000000000000feed.1--2.0000000000000000"})
    CHECK(DecodeCursor(bad, &back) == CursorFault::kMalformed);
}
