// The searching side of tests/faults/soak.sh: THREADS threads share one Index
// and search it without pause for SECONDS, with facets, snippets and paging
// cursors, checking that every search sees whole commits.
//
//   soak_reader DB SECONDS THREADS GROUP
//   soak_reader --slots DB    prints the slots of LMDB's reader table in use
//                             (live and stale), as `mdb_stat -r` lists them
//
// The soak's writer adds, replaces and deletes articles in groups of GROUP
// that share a marker topic and word ("mk" and a number) in one commit, so:
//  - the count of every search over all articles is a multiple of GROUP;
//  - each marker's facet count, and the count of a search for its word, is 0
//    or GROUP;
//  - the pages of a cursor chain searched while no commit happened hold the
//    first page's total, each article once, GROUP of each marker.
// Anything else is a torn read. An error of any call is an error of the soak.
// When a compaction in another process replaced the index (the searches say
// so in a warning), the index is opened again. At the end one line:
//   soak_reader: searches N pages N snippets N reopens N errors N torn N
// and exit 0 only when errors and torn are 0.
#include <lmdb.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "loupe/index.h"
#include "loupe/snippet.h"

namespace {

std::atomic<uint64_t> searches{0}, pages{0}, snippets{0}, reopens{0}, errors{0}, torn{0};
std::mutex print_mu;
uint64_t group = 5;

// Prints the first few problems of each kind in full; counts all of them.
void Report(std::atomic<uint64_t>& counter, const std::string& what) {
  uint64_t n = ++counter;
  if (n <= 20) {
    std::lock_guard<std::mutex> lock(print_mu);
    std::fprintf(stderr, "soak_reader: %s: %s\n", &counter == &torn ? "TORN" : "ERROR", what.c_str());
  }
}

// The index all threads share, opened again after a compaction.
class Shared {
 public:
  explicit Shared(std::string dir) : dir_(std::move(dir)) {}

  bool Open() {
    auto idx = loupe::Index::Open(dir_, {.read_only = true});
    if (!idx.ok()) {
      Report(errors, "opening " + dir_ + ": " + idx.status().ToString());
      return false;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      index_ = std::shared_ptr<loupe::Index>(std::move(*idx));
      ++generation_;
    }
    opened_.notify_all();
    return true;
  }

  // The open index; while another thread opens it again, waits for it (the
  // old one is let go first, so there is none meanwhile).
  std::shared_ptr<loupe::Index> Get(uint64_t* generation) {
    std::unique_lock<std::mutex> lock(mu_);
    opened_.wait(lock, [&] { return index_ != nullptr; });
    *generation = generation_;
    return index_;
  }

  // Opens the index again unless another thread already did since `seen`.
  void Reopen(uint64_t seen) {
    std::lock_guard<std::mutex> reopen(reopen_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (generation_ != seen) return;
      index_.reset();  // the old file's handle is closed before the new one opens
    }
    ++reopens;
    while (!Open()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

 private:
  std::string dir_;
  std::mutex mu_, reopen_mu_;
  std::condition_variable opened_;
  std::shared_ptr<loupe::Index> index_;
  uint64_t generation_ = 0;
};

bool Replaced(const loupe::SearchResults& r) {
  for (const std::string& w : r.warnings)
    if (w.find("compacted or replaced") != std::string::npos) return true;
  return false;
}

// Checks the counts of the markers among `counts` (facet values or hits).
void CheckMarkers(const std::map<std::string, uint64_t>& counts, const char* where) {
  for (const auto& [marker, n] : counts)
    if (n != group)
      Report(torn, std::string(where) + ": marker " + marker + " counted " + std::to_string(n) + ", not " +
                       std::to_string(group));
}

// A search over every article, with the topic facet: the total must be a
// multiple of the group and every marker counted exactly `group` times.
// Returns the markers seen (for the next word searches).
std::vector<std::string> SearchAll(const loupe::Index& index, bool* replaced) {
  loupe::SearchOptions opts{.limit = 5, .facets = {{.field = loupe::FacetField::kTopic, .top = 100000}}};
  auto r = index.Search(loupe::Query::All(), opts);
  ++searches;
  std::vector<std::string> markers;
  if (!r.ok()) {
    Report(errors, "search '*': " + r.status().ToString());
    return markers;
  }
  *replaced = Replaced(*r);
  if (r->total % group != 0)
    Report(torn,
           "search '*' counted " + std::to_string(r->total) + " articles, not a multiple of " + std::to_string(group));
  std::map<std::string, uint64_t> counts;
  if (r->facets.size() != 1) {
    Report(errors, "search '*' gave " + std::to_string(r->facets.size()) + " facets, not 1");
    return markers;
  }
  for (const loupe::FacetCount& c : r->facets[0].counts)
    if (c.value.rfind("mk", 0) == 0) {
      counts[c.value] = c.count;
      markers.push_back(c.value);
    }
  CheckMarkers(counts, "facet topic of '*'");
  return markers;
}

// A search for one marker's word, with snippets of its hits: 0 or `group`.
void SearchMarker(const loupe::Index& index, const std::string& marker, bool* replaced) {
  loupe::Query q = loupe::Query::Term(loupe::Field::kBody, marker);
  auto r = index.Search(q, {.limit = 20});
  ++searches;
  if (!r.ok()) {
    Report(errors, "search " + marker + ": " + r.status().ToString());
    return;
  }
  *replaced = Replaced(*r);
  if (r->total != 0 && r->total != group)
    Report(torn, "search " + marker + " counted " + std::to_string(r->total) + ", not 0 or " + std::to_string(group));
  if (r->hits.size() != r->total)
    Report(torn, "search " + marker + " gave " + std::to_string(r->hits.size()) + " hits for a total of " +
                     std::to_string(r->total));
  auto snippeter = loupe::Snippeter::Create(q);
  if (!snippeter.ok()) {
    Report(errors, "snippeter: " + snippeter.status().ToString());
    return;
  }
  for (const loupe::Hit& h : r->hits) {
    auto s = (*snippeter)->Passages(h.document.body);
    if (!s.ok()) {
      Report(errors, "snippet of " + h.document.id + ": " + s.status().ToString());
      continue;
    }
    ++snippets;
    if (!s->matched || s->highlights.empty())
      Report(errors,
             "snippet of " + h.document.id + " for " + marker + " highlights nothing (its body holds the word)");
  }
}

// Pages through every article, oldest first, 7 at a time with the cursor.
// When no commit happened between the first page and the last, the pages
// must hold the first page's total, each article once, `group` per marker.
void PageAll(const loupe::Index& index, bool* replaced) {
  loupe::SearchOptions opts{.limit = 7, .sort = loupe::SortOrder::kDateAscending};
  std::set<std::string> ids;
  std::map<std::string, uint64_t> markers;
  uint64_t first_total = 0, first_generation = 0;
  bool changed = false, duplicate = false;
  for (int page = 0;; ++page) {
    auto r = index.Search(loupe::Query::All(), opts);
    ++searches;
    ++pages;
    if (!r.ok()) {
      Report(errors, "page " + std::to_string(page) + " of '*': " + r.status().ToString());
      return;
    }
    if (Replaced(*r)) {
      *replaced = true;
      return;
    }
    if (page == 0) {
      first_total = r->total;
      first_generation = r->generation;
    } else if (r->generation != first_generation) {
      changed = true;
    }
    for (const loupe::Hit& h : r->hits) {
      if (!ids.insert(h.document.id).second) duplicate = true;
      for (const std::string& t : h.document.topics)
        if (t.rfind("mk", 0) == 0) ++markers[t];
    }
    if (r->next_cursor.empty()) break;
    opts.after = r->next_cursor;
  }
  // Articles added after the first page are left out and deleted ones drop
  // out, but none is shown twice, whatever happened meanwhile.
  if (duplicate) Report(torn, "a cursor chain showed an article twice");
  if (changed) return;
  if (ids.size() != first_total)
    Report(torn, "a cursor chain showed " + std::to_string(ids.size()) + " articles for a total of " +
                     std::to_string(first_total));
  CheckMarkers(markers, "the pages of a cursor chain");
}

void Run(Shared& shared, std::chrono::steady_clock::time_point end, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> markers;
  while (std::chrono::steady_clock::now() < end) {
    uint64_t seen;
    std::shared_ptr<loupe::Index> index = shared.Get(&seen);
    bool replaced = false;
    switch (rng() % 4) {
      case 0:
        markers = SearchAll(*index, &replaced);
        break;
      case 1:
      case 2:
        if (!markers.empty()) {
          SearchMarker(*index, markers[rng() % markers.size()], &replaced);
          // A marker deleted since: counted 0, which is right too.
          SearchMarker(*index, "mk99999999", &replaced);
        }
        break;
      default:
        PageAll(*index, &replaced);
    }
    index.reset();
    if (replaced) shared.Reopen(seen);
  }
}

// The used slots of the reader table of the index in `dir`, through an LMDB
// handle of this process's own (it begins no transaction), or -1.
int ReaderSlots(const std::string& dir) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0) return -1;
  mdb_env_set_maxdbs(env, 16);
  mdb_env_set_maxreaders(env, 512);
  int slots = -1;
  if (mdb_env_open(env, dir.c_str(), MDB_RDONLY | MDB_NOTLS, 0644) == 0) {
    slots = 0;
    auto count = [](const char* line, void* ctx) -> int {
      if (std::strstr(line, "(no active readers)") == nullptr && std::strstr(line, "pid") == nullptr)
        ++*static_cast<int*>(ctx);
      return 0;
    };
    mdb_reader_list(env, count, &slots);
  }
  mdb_env_close(env);
  return slots;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--slots") {
    std::printf("%d\n", ReaderSlots(argv[2]));
    return 0;
  }
  if (argc != 5) {
    std::fprintf(stderr, "usage: soak_reader DB SECONDS THREADS GROUP\n");
    return 2;
  }
  const std::string db = argv[1];
  const int seconds = std::atoi(argv[2]);
  const int threads = std::atoi(argv[3]);
  group = std::strtoull(argv[4], nullptr, 10);
  if (seconds <= 0 || threads <= 0 || group == 0) {
    std::fprintf(stderr, "soak_reader: SECONDS, THREADS and GROUP must be positive\n");
    return 2;
  }
  Shared shared(db);
  if (!shared.Open()) return 1;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(Run, std::ref(shared), end, 1000u + t);
  for (std::thread& t : pool) t.join();
  std::printf("soak_reader: searches %llu pages %llu snippets %llu reopens %llu errors %llu torn %llu\n",
              static_cast<unsigned long long>(searches), static_cast<unsigned long long>(pages),
              static_cast<unsigned long long>(snippets), static_cast<unsigned long long>(reopens),
              static_cast<unsigned long long>(errors), static_cast<unsigned long long>(torn));
  return errors == 0 && torn == 0 ? 0 : 1;
}
