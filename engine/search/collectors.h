// Collectors: what a search gathers from the matches it visits, each a
// small class of its own. TopK keeps the best hits in the order shared by an
// index and a collection; FacetCounter (results.h) counts facets; the cursor
// (results.h) says where a page ended.
#ifndef LOUPE_SEARCH_COLLECTORS_H_
#define LOUPE_SEARCH_COLLECTORS_H_

#include <algorithm>
#include <cstdint>
#include <queue>
#include <vector>

#include "index/format.h"
#include "loupe/document.h"

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

}  // namespace loupe

#endif  // LOUPE_SEARCH_COLLECTORS_H_
