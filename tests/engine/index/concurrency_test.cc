// Four reader threads search while a writer commits: no error, and every
// search sees whole commits only. Built and run under ThreadSanitizer by
// `tools/dev.sh test --tsan` (and in the ordinary suites without it).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "loupe/index.h"
#include "loupe/snippet.h"
#include "support/test_util.h"
#include "util/calendar.h"

using namespace loupe;

namespace {

constexpr int kPerCommit = 10;
constexpr int kCommits = 60;

// The tag every document of commit c carries in its body, e.g. "tagc0042".
std::string Tag(int c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "tagc%04d", c);
  return buf;
}

Document Doc(int c, int k) {
  Document d;
  d.id = "c" + std::to_string(c) + "-" + std::to_string(k);
  d.title = "Commit " + std::to_string(c);
  d.body = Tag(c) + " tariffs and talks, document " + std::to_string(k) + " of commit " + std::to_string(c) + ".";
  d.actors = {k % 2 ? "Scott Bessent" : "He Lifeng"};
  d.date = DaysFromCivil(2025, 1, 1) + c;
  return d;
}

}  // namespace

TEST_CASE("readers see whole commits while a writer commits") {
  loupe::test::TempDir dir;
  auto idx = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(idx.ok());
  Index& index = **idx;
  std::atomic<int> committed{0};  // commits known to be done
  std::atomic<bool> done{false};
  std::atomic<int> errors{0}, torn{0}, searches{0};
  std::string first_error;
  std::mutex error_mu;
  auto fail = [&](const std::string& what) {
    ++errors;
    std::lock_guard<std::mutex> lock(error_mu);
    if (first_error.empty()) first_error = what;
  };

  std::thread writer([&] {
    auto w = index.NewWriter();
    if (!w.ok()) return fail("NewWriter: " + w.status().message());
    for (int c = 0; c < kCommits; ++c) {
      for (int k = 0; k < kPerCommit; ++k)
        if (!(*w)->Add(Doc(c, k)).ok()) return fail("Add");
      // Replace one document of an earlier commit: the total stays a multiple of kPerCommit.
      if (c > 2) {
        Document again = Doc(c - 2, 0);
        again.body += " (corrected)";
        if (!(*w)->Add(again).ok()) return fail("Add (replace)");
      }
      Status s = (*w)->Commit();
      if (!s.ok()) return fail("Commit: " + s.message());
      committed = c + 1;
    }
  });

  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r)
    readers.emplace_back([&, r] {
      std::mt19937 rng(static_cast<unsigned>(r));
      auto snippeter = Snippeter::Create(Query::Term(Field::kBody, "tariff"));
      if (!snippeter.ok()) return fail("Snippeter");
      while (!done) {
        const int seen_before = committed;
        SearchOptions o{.limit = 5};
        o.facets = {{.field = FacetField::kActor}, {.field = FacetField::kDate, .unit = DateUnit::kMonth}};
        auto all = index.Search(Query::All(), o);
        if (!all.ok()) return fail("Search: " + all.status().message());
        ++searches;
        const uint64_t n = all->total;
        if (n % kPerCommit != 0 || n < static_cast<uint64_t>(seen_before) * kPerCommit) ++torn;
        uint64_t by_actor = 0;
        for (const FacetCount& c : all->facets[0].counts) by_actor += c.count;
        if (by_actor != n) ++torn;      // facets from the same snapshot as the total
        for (const Hit& h : all->hits)  // Catch2's assertions are not for other threads: count, check after join
          if (auto p = (*snippeter)->Passages(h.document.body); !p.ok())
            return fail("Passages: " + p.status().message());
        // One commit's documents appear all together or not at all.
        if (seen_before > 0) {
          int c = static_cast<int>(rng() % static_cast<unsigned>(seen_before + 1));
          auto tagged = index.Search(Query::Term(Field::kBody, Tag(c)), {.limit = 0});
          if (!tagged.ok()) return fail("Search tag: " + tagged.status().message());
          if (tagged->total != 0 && tagged->total != kPerCommit) ++torn;
          if (c < seen_before && tagged->total != kPerCommit) ++torn;
        }
        auto st = index.Stats();
        if (!st.ok()) return fail("Stats: " + st.status().message());
        if (st->documents % kPerCommit != 0) ++torn;
      }
    });
  writer.join();
  done = true;
  for (auto& t : readers) t.join();
  INFO(first_error);
  CHECK(errors == 0);
  CHECK(torn == 0);
  CHECK(committed == kCommits);
  CHECK(searches > 20);
  auto final_count = index.Search(Query::All(), {.limit = 0});
  REQUIRE(final_count.ok());
  CHECK(final_count->total == static_cast<uint64_t>(kCommits * kPerCommit));
}

namespace {

Document Bulky(int i) {
  Document d;
  d.id = "b" + std::to_string(i);
  for (int k = 0; k < 300; ++k) d.body += "word" + std::to_string((i * 7919 + k * 104729) % 20000) + " ";
  return d;
}

}  // namespace

TEST_CASE("searching threads go on while another process's writer grows the file past their map") {
  loupe::test::TempDir dir;
  const std::string path = dir.sub("idx");
  {
    auto idx = Index::Open(path, {.create_if_missing = true, .initial_map_size = 256 << 10});
    REQUIRE(idx.ok());
    auto w = (*idx)->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->Add(Bulky(0)).ok());
    REQUIRE((*w)->Commit().ok());
  }
  auto idx = Index::Open(path, {.read_only = true, .initial_map_size = 256 << 10});
  REQUIRE(idx.ok());
  pid_t child = ::fork();  // before any thread starts
  REQUIRE(child >= 0);
  if (child == 0) {
    idx->reset();  // not used across fork()
    auto own = Index::Open(path, {.initial_map_size = 256 << 10});
    if (!own.ok()) ::_exit(2);
    auto w = (*own)->NewWriter();
    if (!w.ok()) ::_exit(3);
    for (int c = 1; c <= 40; ++c) {
      for (int i = 0; i < 20; ++i)
        if (!(*w)->Add(Bulky(c * 100 + i)).ok()) ::_exit(4);
      if (!(*w)->Commit().ok()) ::_exit(5);
    }
    ::_exit(0);
  }
  std::atomic<bool> done{false};
  std::atomic<int> errors{0}, searches{0}, torn{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r)
    readers.emplace_back([&] {
      uint64_t last = 1;
      while (!done) {
        auto res = (*idx)->Search(Query::Or({Query::Term(Field::kBody, "word1"), Query::All()}), {.limit = 20});
        ++searches;
        if (!res.ok()) {
          ++errors;
          continue;
        }
        // Every document matches: the first one plus whole commits of 20, never fewer than seen before.
        if ((res->total - 1) % 20 != 0 || res->total < last || res->hits.size() != std::min<uint64_t>(20, res->total))
          ++torn;
        last = res->total;
      }
    });
  int status = 0;
  ::waitpid(child, &status, 0);
  done = true;
  for (auto& t : readers) t.join();
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(errors == 0);
  CHECK(torn == 0);
  CHECK(searches > 0);
  auto all = (*idx)->Search(Query::All(), {.limit = 0});
  REQUIRE(all.ok());
  CHECK(all->total == 801);
}

TEST_CASE("a commit that must grow the map is not starved by overlapping searches") {
  loupe::test::TempDir dir;
  auto idx = Index::Open(dir.sub("idx"), {.create_if_missing = true, .initial_map_size = 1 << 20});
  REQUIRE(idx.ok());
  auto w = (*idx)->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->Add(Bulky(0)).ok());
  REQUIRE((*w)->Commit().ok());
  std::atomic<bool> done{false};
  std::atomic<int> committed{0};  // commits known to be done
  std::atomic<int> errors{0}, torn{0}, searches{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r)
    readers.emplace_back([&] {
      while (!done) {
        const int seen_before = committed;
        auto res = (*idx)->Search(Query::All(), {.limit = 200, .sort = SortOrder::kDateAscending});
        ++searches;
        if (!res.ok()) {
          ++errors;
          continue;
        }
        // The first document plus whole commits of 40, at least those done before the search began.
        if ((res->total - 1) % 40 != 0 || res->total < 1 + 40 * static_cast<uint64_t>(seen_before) ||
            res->hits.size() != std::min<uint64_t>(200, res->total))
          ++torn;
        std::set<std::string> ids;
        for (const Hit& h : res->hits) ids.insert(h.document.id);
        if (ids.size() != res->hits.size()) ++torn;
      }
    });
  bool ok = true;
  for (int c = 1; c <= 25 && ok; ++c) {  // the map doubles several times; a starved commit never returns
    for (int i = 0; i < 40; ++i) ok = ok && (*w)->Add(Bulky(c * 100 + i)).ok();
    ok = ok && (*w)->Commit().ok();
    if (ok) committed = c;
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK(ok);
  CHECK(errors == 0);
  CHECK(torn == 0);
  CHECK(searches > 0);
}
