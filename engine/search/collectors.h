// Collectors: what a search gathers from the matches it visits, each a
// small class of its own. TopK keeps the best hits in the order shared by an
// index and a collection; CountCollector counts the matches and says whether
// a next page exists; CollapseCollector folds near-duplicates;
// FacetCounter (results.h) counts facets; the cursor (results.h) says where a
// page ended.
#ifndef LOUPE_SEARCH_COLLECTORS_H_
#define LOUPE_SEARCH_COLLECTORS_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "index/format.h"
#include "loupe/document.h"
#include "loupe/status.h"
#include "search/doc_table.h"
#include "search/iterators.h"
#include "storage/lmdb.h"

namespace loupe {

// A match as the collectors see it: its sort key (the score, or a date made
// "higher is better"), its score, and where it is.
struct Entry {
  double key = 0;
  double score = 0;
  Days date = format::kNoDate;
  uint32_t part = 0;
  uint32_t doc = 0;
};

// a ranks before b: higher key; then the earlier date (undated last), the
// earlier part, the lower document id. One order for one index and for the
// splits of a collection, which hold their documents by date.
inline bool Before(const Entry& a, const Entry& b) {
  if (a.key != b.key) return a.key > b.key;
  if (a.date != b.date) {
    if ((a.date == format::kNoDate) != (b.date == format::kNoDate)) return b.date == format::kNoDate;
    return a.date < b.date;
  }
  if (a.part != b.part) return a.part < b.part;
  return a.doc < b.doc;
}

// The best k entries offered: a min-heap whose top is the worst one kept.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) {}
  size_t k() const { return k_; }
  bool full() const { return k_ > 0 && heap_.size() == k_; }
  const Entry& worst() const { return heap_.top(); }
  // Keeps e if it is among the k best so far; false if it did not enter.
  bool Offer(const Entry& e) {
    if (k_ == 0) return false;
    if (heap_.size() < k_) {
      heap_.push(e);
    } else if (Before(e, heap_.top())) {
      heap_.pop();
      heap_.push(e);
    } else {
      return false;
    }
    return true;
  }
  // Best first; empties the collector.
  std::vector<Entry> Take() {
    std::vector<Entry> best;
    while (!heap_.empty()) {
      best.push_back(heap_.top());
      heap_.pop();
    }
    std::reverse(best.begin(), best.end());
    return best;
  }

 private:
  struct Cmp {
    bool operator()(const Entry& a, const Entry& b) const { return Before(a, b); }
  };
  size_t k_;
  std::priority_queue<Entry, std::vector<Entry>, Cmp> heap_;
};

// Counts the matches of a search: all of them (the total), and those that
// rank after the paging cursor (every one without a cursor), which this page
// and the later ones show; from those it tells whether a next page exists.
class CountCollector {
 public:
  // `after`: the last hit of the previous page (none: the first page).
  // `exact`: every match after the cursor is offered to Follows; false when
  // pruning may skip matches that cannot enter the top k.
  CountCollector(std::optional<Entry> after, bool exact) : after_(after), exact_(exact) {}

  // `n` more matches.
  void Add(uint64_t n = 1) { total_ += n; }
  // The total is the number of groups instead (collapse).
  void SetTotal(uint64_t n) { total_ = n; }
  // Pruning skipped matches: the total is a lower bound from now on.
  void Pruned() { total_exact_ = false; }
  // True, counting it, if `e` ranks after the cursor (always without one);
  // false if a previous page showed it or one ranked after it.
  bool Follows(const Entry& e) {
    if (after_ && !Before(*after_, e)) return false;
    ++after_cursor_;
    return true;
  }

  uint64_t total() const { return total_; }
  bool total_exact() const { return total_exact_; }
  uint64_t after_cursor() const { return after_cursor_; }
  // Whether a page showing `shown` hits, after skipping `offset`, of at most
  // `limit`, has a next one: matches remain after it, when counted exactly;
  // otherwise a full page suggests more.
  bool More(size_t offset, size_t limit, size_t shown) const {
    return exact_ ? after_cursor_ > offset + shown : shown == limit;
  }

 private:
  std::optional<Entry> after_;
  bool exact_;
  uint64_t total_ = 0;
  bool total_exact_ = true;
  uint64_t after_cursor_ = 0;
};

// A part as CollapseCollector reads it: a read snapshot of the index (or
// split) and its document table (the fingerprints, and how its writer
// analyzed). Both must outlive the Fold that is given them.
struct CollapsePart {
  const storage::Txn* txn = nullptr;
  const DocTable* table = nullptr;
};

// Folds near-identical matches into groups (SearchOptions::collapse). Two
// matches are candidates when their body fingerprints agree on one of four
// 2-byte bands, and are copies when the shingle sets of their stored bodies
// are at least kNearJaccard alike (index/fingerprint.h); copies of copies
// join one group. Matches without a fingerprint (short bodies) are never
// folded.
class CollapseCollector {
 public:
  // `by_date`: the entries' keys are dates (a group keeps its
  // representative's); otherwise scores (a group ranks as its best copy).
  explicit CollapseCollector(bool by_date) : by_date_(by_date) {}

  // A match, with its key and score set; every match is offered.
  void Offer(const Entry& e) { all_.push_back(e); }

  // One entry per group, best first (Before): its representative, the
  // earliest copy (undated last, then the earlier part, the lower document
  // id), ranked by relevance as its best copy unless the keys are dates.
  // The others are kept for CopiesOf. `parts` are those the entries' `part`
  // indexes, in order; the collection's parts analyze alike.
  // Errors: kCorruption, kIOError (reading a stored body); those of
  // Analyzer::Create (the parts' analyzer options). Call once.
  // Stops with kDeadlineExceeded once `deadline` (if given) has passed.
  Result<std::vector<Entry>> Fold(const std::vector<CollapsePart>& parts, DeadlineCheck* deadline = nullptr);

  // After Fold: the copies folded into the representative (part, doc), best
  // first (Before, by their own keys); null if it has none.
  const std::vector<Entry>* CopiesOf(uint32_t part, uint32_t doc) const {
    auto it = members_.find(uint64_t{part} << 32 | doc);
    return it == members_.end() ? nullptr : &it->second;
  }

 private:
  bool by_date_;
  std::vector<Entry> all_;
  std::unordered_map<uint64_t, std::vector<Entry>> members_;  // (part << 32 | doc) -> the others
};

}  // namespace loupe

#endif  // LOUPE_SEARCH_COLLECTORS_H_
