// The collectors a search feeds (search/collectors.h, search/results.h), on
// their own: the top-k and its order, facets over several parts (the splits
// of a collection), and the paging cursor's text.
#include "search/collectors.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <random>

#include "search/doc_table.h"
#include "search/results.h"

using namespace loupe;

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
