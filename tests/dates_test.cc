// Date filter semantics at every boundary: before:/after:/on:/date: with day,
// month and year precision, ranges, leap days, and undated documents.
#include <catch2/catch.hpp>

#include <set>

#include "loupe/index.h"
#include "loupe/query_parser.h"
#include "test_util.h"

using namespace loupe;

namespace {

const char* const kDates[] = {"2023-12-31", "2024-01-01", "2024-02-28", "2024-02-29", "2024-03-01",
                              "2024-12-31", "2025-01-01", "2025-08-31", "2025-09-01", "2025-09-16",
                              "2025-09-17", "2025-09-18", "2025-09-30", "2025-10-01", "2025-12-31",
                              "2026-01-01"};

class DateIndex {
 public:
  DateIndex() {
    auto idx = Index::Open(dir_.sub("idx"), {.create_if_missing = true});
    REQUIRE(idx.ok());
    index_ = std::move(*idx);
    auto w = index_->NewWriter();
    REQUIRE(w.ok());
    for (const char* d : kDates) {
      Document doc;
      doc.id = d;
      doc.title = "dated";
      Days days;
      REQUIRE(ParseIsoDate(d, &days));
      doc.date = days;
      REQUIRE((*w)->Add(doc).ok());
    }
    Document undated;
    undated.id = "undated";
    undated.title = "dated";  // same word, no date
    REQUIRE((*w)->Add(undated).ok());
    REQUIRE((*w)->Commit().ok());
    auto a = Analyzer::Create();
    REQUIRE(a.ok());
    analyzer_ = std::move(*a);
  }

  std::set<std::string> Run(const std::string& query) {
    auto q = CompileQuery(query, *analyzer_);
    REQUIRE(q.ok());
    auto r = index_->Search(*q, {.limit = 100});
    REQUIRE(r.ok());
    std::set<std::string> out;
    for (const Hit& h : r->hits) out.insert(h.document.id);
    return out;
  }

  // Expected: the fixed dates d (as ISO strings, which sort like dates) with lo <= d <= hi.
  static std::set<std::string> Between(const std::string& lo, const std::string& hi) {
    std::set<std::string> out;
    for (const char* d : kDates)
      if (lo <= d && d <= hi) out.insert(d);
    return out;
  }

 private:
  test::TempDir dir_;
  std::unique_ptr<Index> index_;
  std::unique_ptr<Analyzer> analyzer_;
};

}  // namespace

TEST_CASE("date filters at their boundaries") {
  DateIndex ix;
  const std::string kLow = "0000", kHigh = "9999";
  struct Row {
    const char* query;
    std::string lo, hi;
  };
  const Row rows[] = {
      {"before:2025-09-17", kLow, "2025-09-16"},
      {"before:2025-09", kLow, "2025-08-31"},
      {"before:2025", kLow, "2024-12-31"},
      {"before:2024-03-01", kLow, "2024-02-29"},
      {"after:2025-09-17", "2025-09-17", kHigh},
      {"after:2025-09", "2025-09-01", kHigh},
      {"after:2025", "2025-01-01", kHigh},
      {"on:2025-09-17", "2025-09-17", "2025-09-17"},
      {"on:2024-02-29", "2024-02-29", "2024-02-29"},
      {"on:2024-02", "2024-02-01", "2024-02-29"},
      {"date:2025-09", "2025-09-01", "2025-09-30"},
      {"date:2025", "2025-01-01", "2025-12-31"},
      {"date:2024", "2024-01-01", "2024-12-31"},
      {"date:2025-09-16..2025-09-18", "2025-09-16", "2025-09-18"},
      {"date:2024-02..2024-03", "2024-02-01", "2024-03-31"},
      {"date:2024..2025", "2024-01-01", "2025-12-31"},
      {"date:2025-09-17..2025-09-17", "2025-09-17", "2025-09-17"},
      {"on:2025-09-19", "2025-09-19", "2025-09-19"},
      {"since:2025-09-17", "2025-09-17", kHigh},
      {"since:2025-09", "2025-09-01", kHigh},
      {"until:2025-09-17", kLow, "2025-09-17"},
      {"until:2025-09", kLow, "2025-09-30"},
      {"until:2024", kLow, "2024-12-31"},
      {"date:2025-09-17..", "2025-09-17", kHigh},
      {"date:..2024-02", kLow, "2024-02-29"},
      {"date:>=2025-09-17", "2025-09-17", kHigh},
      {"date:>2025-09-17", "2025-09-18", kHigh},
      {"date:>2024-02", "2024-03-01", kHigh},
      {"date:<=2025-09-17", kLow, "2025-09-17"},
      {"date:<2025-09-17", kLow, "2025-09-16"},
      {"date:<2025", kLow, "2024-12-31"},
      {"* before:2025", kLow, "2024-12-31"},  // * is every document; the filter keeps dated ones
  };
  for (const Row& r : rows) {
    INFO("query: " << r.query);
    CHECK(ix.Run(r.query) == DateIndex::Between(r.lo, r.hi));
    // Combined with a term the result is the same set (all docs have the word).
    CHECK(ix.Run(std::string("dated ") + r.query) == DateIndex::Between(r.lo, r.hi));
  }
}

TEST_CASE("undated documents never satisfy a date filter, even negated ones only include them") {
  DateIndex ix;
  CHECK(ix.Run("dated").count("undated") == 1);
  CHECK(ix.Run("dated before:9999").count("undated") == 0);
  CHECK(ix.Run("dated after:0001").count("undated") == 0);
  // NOT of a date filter is the complement over all documents, undated included.
  auto not_before = ix.Run("dated -before:2025");
  CHECK(not_before.count("undated") == 1);
  CHECK(not_before.count("2025-01-01") == 1);
  CHECK(not_before.count("2024-12-31") == 0);
}

TEST_CASE("before:D and after:D partition the dated documents") {
  DateIndex ix;
  for (const char* d : {"2024-02-29", "2025-09-17", "2025-09", "2025", "2024-03"}) {
    auto b = ix.Run(std::string("before:") + d);
    auto a = ix.Run(std::string("after:") + d);
    std::set<std::string> all(b);
    all.insert(a.begin(), a.end());
    CHECK(all.size() == b.size() + a.size());
    CHECK(all.size() == sizeof(kDates) / sizeof(kDates[0]));
  }
}
