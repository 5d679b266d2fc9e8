// Document iterators: the evaluation machinery behind Index::Search.
//
// Every iterator walks matching doc ids in increasing order. A new iterator is
// positioned before its first document (doc() == 0; real ids start at 1).
//   Next()          moves to the next match (kEndDoc when exhausted)
//   Advance(t)      moves to the first match >= t; no-op if already there
//   Score()         BM25 contribution of the current document
//   Cost()          an upper bound on the number of matches, for ordering
#ifndef LOUPE_SEARCH_ITERATORS_H_
#define LOUPE_SEARCH_ITERATORS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "index/format.h"
#include "loupe/index.h"
#include "loupe/query.h"
#include "loupe/status.h"
#include "search/doc_table.h"
#include "search/scoring.h"
#include "storage/lmdb.h"

namespace loupe {

inline constexpr uint32_t kEndDoc = UINT32_MAX;

// SearchOptions::deadline for one search (one thread): Passed() is called
// where the search does a step of work (a postings block read, a match
// collected), and reads the clock once in kEvery calls, so that a check costs
// a decrement. Once passed, it stays passed.
class DeadlineCheck {
 public:
  using Clock = std::chrono::steady_clock;
  explicit DeadlineCheck(Clock::time_point at) : at_(at), armed_(at != Clock::time_point::max()) {}
  bool Passed() {
    if (!armed_ || --countdown_ > 0) return passed_;
    countdown_ = kEvery;
    passed_ = passed_ || Clock::now() >= at_;
    return passed_;
  }
  // Moves the deadline; the next check reads the clock (tests move it past
  // once an iterator tree is built, to stop the search in its leaves).
  void MoveTo(Clock::time_point at) {
    at_ = at;
    armed_ = at != Clock::time_point::max();
    countdown_ = 1;
  }
  // The error a search stopped by the deadline returns.
  static Status Exceeded() {
    return Status::DeadlineExceeded("the search passed its deadline and was stopped (SearchOptions::deadline)");
  }

 private:
  static constexpr int kEvery = 32;
  Clock::time_point at_;
  bool armed_;
  bool passed_ = false;
  int countdown_ = 1;
};

class DocIterator {
 public:
  virtual ~DocIterator() = default;
  uint32_t doc() const { return doc_; }
  virtual void Next() = 0;
  virtual void Advance(uint32_t target) = 0;
  virtual double Score() { return 0; }
  virtual uint64_t Cost() const = 0;
  // An upper bound of Score() over all documents (0 for iterators that do not score).
  virtual double MaxScore() const { return 0; }
  // Top-k pruning: from now on only documents scoring above `theta` are wanted,
  // and the iterator may skip any other (it then stops yielding every match).
  // Callers only raise theta. Never called on exclusions, whose matches must
  // stay exact.
  virtual void SetMinCompetitive(double theta) {}
  // How Score() is computed for the current document, for explanations; set
  // by the leaves (terms, phrases and their expansions). Empty by default.
  virtual void Describe(std::string* out) { out->clear(); }
  // Counts the matches from a new iterator to the end (consuming it).
  virtual uint64_t CountAll() {
    uint64_t n = 0;
    for (Next(); doc_ != UINT32_MAX; Next()) ++n;
    return n;
  }

 protected:
  uint32_t doc_ = 0;
};

// What one query may take while its iterator tree is built, and what it took
// (SearchOptions::max_query_expansions, max_query_memory, max_query_scan).
// Expansions, and the dictionary entries read to find them, are counted once
// per distinct prefix or fuzzy leaf (repeats share one). Memory
// is an estimate of what the tree holds, charged before each piece is
// allocated (kPlanTermBytes per term searched, the bitsets, the expansion
// lists) and given back when a subtree that matches nothing is dropped, or a
// temporary bitset freed; so a query that would pass a limit is refused
// before it gets there.
struct PlanBudget {
  uint64_t max_expansions = kDefaultMaxQueryExpansions;
  uint64_t max_bytes = kDefaultMaxQueryMemory;
  uint64_t max_scanned = kDefaultMaxQueryScan;
  uint64_t expansions = 0;            // expanded terms planned so far
  uint64_t scanned = 0;               // dictionary entries read to expand them
  uint64_t bytes = 0;                 // the most estimated bytes held at once so far
  DeadlineCheck* deadline = nullptr;  // SearchOptions::deadline; the leaves stop at it
};

// Estimated memory of one term's iterator: the cursor object with its two
// decoded arrays, its LMDB cursors (postings, and positions for phrases) and
// strings: about 2.5 KiB.
extern const uint64_t kPlanTermBytes;

// What a kPrefix or kFuzzy query expands to, most frequent first: for a
// prefix of a stemmed field, the written forms starting with it (each with
// the documents writing it; not capped); otherwise the terms BuildIterator
// would search (after the cap), with their document frequencies.
Result<std::vector<std::pair<std::string, uint64_t>>> ExpandTerms(const Query& query, const storage::Txn& txn,
                                                                  const DocTable& table,
                                                                  std::vector<std::string>* warnings);

// The terms BuildIterator searches for a kPrefix or kFuzzy query, after the
// cap, with their document frequencies, in term order: for a prefix of a
// stemmed field, the stems of its written forms (ExpandTerms lists the forms).
// Planned without the query limits on expansions and memory (a collection
// sums these lists over its splits before it caps them).
Result<std::vector<std::pair<std::string, uint64_t>>> SearchedTerms(const Query& query, const storage::Txn& txn,
                                                                    const DocTable& table,
                                                                    std::vector<std::string>* warnings);

// The words as written that a kPrefix or kFuzzy query's word reaches (see
// Index::Words), with their documents, most first.
Result<std::vector<std::pair<std::string, uint64_t>>> ExpandWords(const Query& query, const storage::Txn& txn,
                                                                  const DocTable& table);

// Builds the iterator tree for `query` over one read transaction. The iterators
// borrow `txn` and `table`, which must outlive them. A storage error during
// iteration ends the iterator; check `*error` afterwards. Notes for the user
// (e.g. a capped prefix expansion) are appended to *warnings. Without
// `scoring` (only matches are wanted), boolean subtrees over dense postings are
// evaluated as bitsets when that is estimated to be cheaper than iterating.
// The tree is planned within *budget (the defaults when null), which receives
// what it used; a query that needs more is refused with kInvalidArgument
// naming the limit and the leaf where it was passed. With `context` (a split
// of a collection), terms are scored with its statistics and capped
// expansions are the collection's; without, with the index's own.
Result<std::unique_ptr<DocIterator>> BuildIterator(const Query& query, const storage::Txn& txn, const DocTable& table,
                                                   bool scoring, Status* error, std::vector<std::string>* warnings,
                                                   PlanBudget* budget = nullptr,
                                                   const ScoringContext* context = nullptr);

}  // namespace loupe

#endif  // LOUPE_SEARCH_ITERATORS_H_
