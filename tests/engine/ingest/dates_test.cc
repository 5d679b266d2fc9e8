// Date filter semantics at every boundary: before:/after:/on:/date: with day,
// month and year precision, ranges, leap days, and undated documents; the
// dates articles give (ParseHeaderDate), partial dates, and how filters and
// sorting treat them.
#include <catch2/catch.hpp>
#include <cstdio>
#include <set>

#include "ingest/readers.h"  // ParseHeaderDate
#include "loupe/index.h"
#include "loupe/ingest/formats.h"
#include "loupe/query_parser.h"
#include "support/index_util.h"
#include "support/test_util.h"

using namespace loupe;

namespace {

const char* const kDates[] = {"2023-12-31", "2024-01-01", "2024-02-28", "2024-02-29", "2024-03-01", "2024-12-31",
                              "2025-01-01", "2025-08-31", "2025-09-01", "2025-09-16", "2025-09-17", "2025-09-18",
                              "2025-09-30", "2025-10-01", "2025-12-31", "2026-01-01"};

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
    return test::HitIds(*index_, *q);
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

namespace {

std::string Day(const std::optional<Days>& d) { return d ? FormatIsoDate(*d) : "none"; }

}  // namespace

TEST_CASE("header dates in the usual forms, as UTC days") {
  struct Row {
    const char* text;
    const char* day;
  };
  const Row rows[] = {
      // ISO 8601: a day, or a day and a time with Z or an offset.
      {"2025-09-15", "2025-09-15"},
      {"  2025-09-15  ", "2025-09-15"},
      {"2025-09-15T10:00:00Z", "2025-09-15"},
      {"2025-09-15t10:00z", "2025-09-15"},
      {"2025-09-15T23:30:00-05:00", "2025-09-16"},  // 04:30 UTC the next day
      {"2025-09-15T23:30:00-0500", "2025-09-16"},
      {"2025-09-15T23:30-05", "2025-09-16"},
      {"2025-09-15T01:30:00+02:00", "2025-09-14"},
      {"2025-09-15 10:00", "2025-09-15"},
      {"2025-09-15 23:30 +01:00", "2025-09-15"},
      {"2025-09-15T10:00:00.123+0000", "2025-09-15"},
      {"2025-09-15T23:59:59.999999-00:01", "2025-09-16"},
      {"2025/09/15", "2025-09-15"},
      // RFC 5322 (and 2822), with a weekday or not.
      {"Thu, 22 Aug 2002 12:36:23 +0100", "2002-08-22"},
      {"Thu, 22 Aug 2002 00:36:23 +0100", "2002-08-21"},
      {"Thursday, 22 Aug 2002 12:36:23 +0100", "2002-08-22"},
      {"22 Aug 2002 23:59:59 -0800", "2002-08-23"},
      {"22 Aug 2002 23:59 -0800", "2002-08-23"},
      {"Mon, 2 Sep 2002 10:00:00 -0700 (PDT)", "2002-09-02"},
      {"Mon, 15 Sep 2025 22:30:00 -0500 (added by postmaster)", "2025-09-16"},
      {"Mon, 15 Sep 2025 22:30:00 (a comment) -0500", "2025-09-16"},
      {"15 Sep 2025 23:59:60 +0000", "2025-09-15"},  // a leap second
      // Obsolete forms (RFC 5322 section 4.3): two- and three-digit years,
      // named zones, and military letters read as -0000.
      {"Thu, 22 Aug 02 12:36:23 +0100", "2002-08-22"},
      {"22 Aug 49 10:00 GMT", "2049-08-22"},
      {"22 Aug 50 10:00 GMT", "1950-08-22"},
      {"Fri, 21 Nov 97 09:55:06 -0600", "1997-11-21"},
      {"22 Aug 102 10:00 GMT", "2002-08-22"},
      {"Wed, 4 Sep 2002 13:26:47 EDT", "2002-09-04"},
      {"15 Sep 2025 23:30 UT", "2025-09-15"},
      {"15 Sep 2025 23:30 GMT", "2025-09-15"},
      {"15 Sep 2025 23:30 Z", "2025-09-15"},
      {"15 Sep 2025 18:59 EST", "2025-09-15"},
      {"15 Sep 2025 19:00 EST", "2025-09-16"},
      {"15 Sep 2025 19:59 EDT", "2025-09-15"},
      {"15 Sep 2025 20:00 EDT", "2025-09-16"},
      {"15 Sep 2025 17:59 CST", "2025-09-15"},
      {"15 Sep 2025 18:00 CST", "2025-09-16"},
      {"15 Sep 2025 18:59 CDT", "2025-09-15"},
      {"15 Sep 2025 19:00 CDT", "2025-09-16"},
      {"15 Sep 2025 16:59 MST", "2025-09-15"},
      {"15 Sep 2025 17:00 MST", "2025-09-16"},
      {"15 Sep 2025 17:59 MDT", "2025-09-15"},
      {"15 Sep 2025 18:00 MDT", "2025-09-16"},
      {"15 Sep 2025 15:59 PST", "2025-09-15"},
      {"15 Sep 2025 16:00 PST", "2025-09-16"},
      {"15 Sep 2025 16:59 PDT", "2025-09-15"},
      {"15 Sep 2025 17:00 PDT", "2025-09-16"},
      {"15 Sep 2025 00:30:00 A", "2025-09-15"},  // -0000, not +0100
      {"15 Sep 2025 23:30:00 N", "2025-09-15"},  // -0000, not -0100
      {"15 Sep 2025 23:30:00 y", "2025-09-15"},
      {"Thu, 22 Aug 2002 12:36:23 CEST", "2002-08-22"},  // an unknown zone name is -0000
      // Prose.
      {"September 15, 2025", "2025-09-15"},
      {"Sep 15 2025", "2025-09-15"},
      {"Sept. 15, 2025", "2025-09-15"},
      {"15 Sep 2025", "2025-09-15"},
      {"15 September 2025", "2025-09-15"},
      {"September 15th, 2025", "2025-09-15"},
      {"Mon Sep 15 10:00:00 2025", "2025-09-15"},  // ctime
      {"Mon Sep 15 23:00:00 2025 -0500", "2025-09-16"},
      {"2024-02-29", "2024-02-29"},
      // Not dates.
      {"2025-02-29", "none"},
      {"2025-13-01", "none"},
      {"September 31, 2025", "none"},
      {"yesterday", "none"},
      {"15/09/2025", "none"},
      {"25-09-15", "none"},
      {"0000-01-01", "none"},
      {"", "none"},
      {"2025-09-15T25:00:00Z", "none"},
      {"2025-09-15T10:00:00 EST", "none"},  // zone names are RFC 5322's, not ISO's
      // A time with an empty or one-digit part is no time (found by fuzzing:
      // date::parse read the empty seconds as NaN).
      {"Mon, 15 Sep 2025 10:00:", "none"},
      {"Mon, 15 Sep 2025 10::00", "none"},
      {"Mon, 15 Sep 2025 10:0", "none"},
      {"2025-09-15T10:00:", "none"},
      {"Mon, 15 Sep 2025 9:05", "2025-09-15"},
      {"Thu, 22 Aug 2002 12:36:23 +9999", "none"},
      {"Thu, 22 Aug 2002 12:36:23 +0160", "none"},
      {"15 Sep 2025 23:30:00 J", "none"},  // no military zone
      {"15 Sep 2025 10:00 +0000 tomorrow", "none"},
      {"Sep 2025", "none"},
      {"1790", "none"},  // a year or a month is no day: see the next test
      {"1790-06", "none"},
  };
  for (const Row& r : rows) {
    INFO("date: " << r.text);
    CHECK(Day(ingest::ParseHeaderDate(r.text)) == r.day);
  }
}

// YYYY-MM-DD is read without date::parse (a stream per date cost more than
// the rest of reading a headline); YYYY/MM/DD still goes through it, so the
// two must agree on every day, month and year below, valid or not.
TEST_CASE("YYYY-MM-DD read directly agrees with date::parse on every calendar edge") {
  char dashed[16], slashed[16];
  size_t compared = 0, valid = 0;
  for (int y : {0,    1,    2,    4,    99,   100,  400,  1582, 1600, 1700, 1899, 1900,
                1969, 1970, 1999, 2000, 2023, 2024, 2025, 2100, 2400, 9998, 9999}) {
    for (int m = 0; m <= 13; ++m) {
      for (int d = 0; d <= 32; ++d) {
        std::snprintf(dashed, sizeof dashed, "%04d-%02d-%02d", y, m, d);
        std::snprintf(slashed, sizeof slashed, "%04d/%02d/%02d", y, m, d);
        INFO("date: " << dashed);
        const auto a = ingest::ParseHeaderDate(dashed), b = ingest::ParseHeaderDate(slashed);
        REQUIRE(Day(a) == Day(b));
        if (a) CHECK(Day(a) == dashed);  // and it is the day written
        ++compared;
        valid += a.has_value();
      }
    }
  }
  CHECK(compared == 23 * 14 * 33);
  CHECK(valid ==
        22 * 365 + 6);  // every day of the 22 years from 1 on, and 29 February of 4, 400, 1600, 2000, 2024, 2400
  // Not the shape: left to date::parse, which rejects them as before.
  for (const char* bad : {"2025-9-15", "2025-09-5", "+025-09-15", "2025-09-1x", "2025_09-15"}) {
    INFO("date: " << bad);
    CHECK_FALSE(ingest::ParseHeaderDate(bad));
  }
}

TEST_CASE("partial dates: a year or a month, with its precision") {
  struct Row {
    const char* text;
    const char* day;
    ingest::DatePrecision precision;
  };
  const Row rows[] = {
      {"1790", "1790-01-01", ingest::DatePrecision::kYear},
      {" 1790 ", "1790-01-01", ingest::DatePrecision::kYear},
      {"0001", "0001-01-01", ingest::DatePrecision::kYear},
      {"9999", "9999-01-01", ingest::DatePrecision::kYear},
      {"1790-06", "1790-06-01", ingest::DatePrecision::kMonth},
      {"2024-02", "2024-02-01", ingest::DatePrecision::kMonth},
      {"1790-06-15", "1790-06-15", ingest::DatePrecision::kDay},
      {"Thu, 22 Aug 2002 12:36:23 +0100", "2002-08-22", ingest::DatePrecision::kDay},
  };
  for (const Row& r : rows) {
    INFO("date: " << r.text);
    ingest::DatePrecision p = ingest::DatePrecision::kDay;
    CHECK(Day(ingest::ParseHeaderDate(r.text, &p)) == r.day);
    CHECK(p == r.precision);
    CHECK(Day(ingest::ParseHeaderDate(r.text)) == (r.precision == ingest::DatePrecision::kDay ? r.day : "none"));
  }
  for (const char* bad : {"0000", "17", "179", "17900", "1790-13", "1790-00", "1790-6", "1790-", "1790-06-", "June"}) {
    INFO("date: " << bad);
    ingest::DatePrecision p = ingest::DatePrecision::kMonth;
    CHECK_FALSE(ingest::ParseHeaderDate(bad, &p));
    CHECK(p == ingest::DatePrecision::kMonth);  // unchanged on failure
  }
  Document d;
  CHECK(ingest::DatePrecisionOf(d) == ingest::DatePrecision::kDay);
  d.extra = {{"Source", "x"}, {ingest::kDatePrecisionField, "month"}};
  CHECK(ingest::DatePrecisionOf(d) == ingest::DatePrecision::kMonth);
  CHECK(std::string(ingest::DatePrecisionName(ingest::DatePrecision::kYear)) == "year");
}

// Articles dated with a year or a month only are read with that precision:
// the first day of the period, and an extra field Date-Precision.
TEST_CASE("partial dates in articles: the first day and the precision") {
  auto precision = [](const Document& d) {
    std::string p;
    for (const auto& [k, v] : d.extra)
      if (k == "Date-Precision") p += v;
    return p;
  };
  struct Row {
    const char* file;
    ingest::Format format;
    const char* day;
    const char* precision;
  };
  const Row rows[] = {
      {"T\nDate: 1790\n\nB", ingest::Format::kText, "1790-01-01", "year"},
      {"T\nDate: 1790-06\n\nB", ingest::Format::kText, "1790-06-01", "month"},
      {"T\nPublished: 2025-02\n\nB", ingest::Format::kText, "2025-02-01", "month"},
      {"T\nDate: 1790-06-15\n\nB", ingest::Format::kText, "1790-06-15", ""},
      // A later full date replaces the partial one, and its precision.
      {"T\nDate: 1790\nPublished: 1790-06-15\n\nB", ingest::Format::kText, "1790-06-15", ""},
      {"---\ntitle: T\ndate: 1790\n---\nB", ingest::Format::kMarkdown, "1790-01-01", "year"},
      {"---\ntitle: T\ndate: \"1790-06\"\n---\nB", ingest::Format::kMarkdown, "1790-06-01", "month"},
      {"{\"title\": \"T\", \"date\": \"1790-06\"}", ingest::Format::kJsonLines, "1790-06-01", "month"},
      {"{\"title\": \"T\", \"date\": 1790}", ingest::Format::kJsonLines, "1790-01-01", "year"},
  };
  for (const Row& r : rows) {
    INFO("file: " << r.file);
    auto p = ingest::ParseFile(r.file, r.format, "x", "x").value();
    REQUIRE(p.docs.size() == 1);
    CHECK(p.warnings.empty());
    CHECK(Day(p.docs[0].date) == r.day);
    CHECK(precision(p.docs[0]) == r.precision);
  }
  // Not a year or a month: a warning, and the article stays undated.
  for (const char* bad : {"T\nDate: 1790-13\n\nB", "T\nDate: 0000\n\nB", "T\nDate: 17\n\nB"}) {
    INFO("file: " << bad);
    auto p = ingest::ParseFile(bad, ingest::Format::kText, "x", "x").value();
    CHECK(p.warnings.size() == 1);
    CHECK_FALSE(p.docs[0].date);
    CHECK(precision(p.docs[0]).empty());
  }
}

// What the date filters and the date order do with partial dates: they see
// the first day of the period, nothing else.
TEST_CASE("partial dates under date filters and sorting") {
  test::TempDir dir;
  auto idx = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(idx.ok());
  {
    auto w = (*idx)->NewWriter();
    REQUIRE(w.ok());
    for (const auto& [id, date] : std::vector<std::pair<std::string, std::string>>{
             {"year", "1790"}, {"month", "1790-06"}, {"day", "1790-06-15"}, {"later", "1791-03-02"}}) {
      auto p = ingest::ParseFile("Old news\nDate: " + date + "\n\nText.", ingest::Format::kText, id, id).value();
      REQUIRE(p.docs.size() == 1);
      REQUIRE(p.docs[0].date);
      REQUIRE((*w)->Add(p.docs[0]).ok());
    }
    REQUIRE((*w)->Commit().ok());
  }
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto run = [&](const std::string& query) {
    SortOrder sort = SortOrder::kRelevance;
    PlanOptions options;
    options.sort = &sort;
    auto q = CompileQuery(query, **analyzer, options);
    REQUIRE(q.ok());
    auto r = (*idx)->Search(*q, {.limit = 10, .sort = sort});
    REQUIRE(r.ok());
    std::string ids;
    for (const Hit& h : r->hits) ids += (ids.empty() ? "" : " ") + h.document.id;
    return ids;
  };
  CHECK(run("news date:1790 sort:date") == "year month day");
  CHECK(run("news date:1790-01 sort:date") == "year");       // the year's first day is in January
  CHECK(run("news date:1790-06 sort:date") == "month day");  // the year is not
  CHECK(run("news on:1790-06-01 sort:date") == "month");
  CHECK(run("news before:1790-06 sort:date") == "year");
  CHECK(run("news after:1790-06 sort:date") == "month day later");
  CHECK(run("news date:1790..1791 sort:-date") == "later day month year");
}
