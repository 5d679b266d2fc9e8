// The iterators that combine other iterators, or walk documents without
// postings: EmptyIterator, BitsetIterator, ScanIterator, AndIterator,
// OrIterator (with MaxScore pruning), UnionIterator, BoostIterator and
// AndMaybeIterator. Separate from the leaves (postings_cursor.h,
// phrase_iterators.h), which they never see: they combine any DocIterator.
// Their members stay defined in the classes, so that they inline as before.
#ifndef LOUPE_SEARCH_BOOLEAN_ITERATORS_H_
#define LOUPE_SEARCH_BOOLEAN_ITERATORS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "index/format.h"
#include "loupe/document.h"
#include "search/doc_table.h"
#include "search/iterators.h"

// Hidden: these classes were local to one file before the split, and calls
// between their members stay direct calls within libloupe (not through the
// PLT), so that they inline and cost as they did.
#pragma GCC visibility push(hidden)
namespace loupe::search_internal {

class EmptyIterator final : public DocIterator {
 public:
  void Next() override { doc_ = kEndDoc; }
  void Advance(uint32_t) override { doc_ = kEndDoc; }
  uint64_t Cost() const override { return 0; }
};

// The documents of a bitset (bit d of word d / 64), built by evaluating a
// boolean subtree over whole postings lists at once. Scores nothing.
class BitsetIterator final : public DocIterator {
 public:
  explicit BitsetIterator(std::vector<uint64_t> bits) : bits_(std::move(bits)) {
    for (uint64_t w : bits_) count_ += static_cast<uint64_t>(__builtin_popcountll(w));
  }
  void Next() override {
    if (doc_ != kEndDoc) Find(uint64_t{doc_} + 1);
  }
  void Advance(uint32_t target) override {
    if (doc_ >= target && doc_ != 0) return;
    Find(target);
  }
  uint64_t Cost() const override { return count_; }
  uint64_t CountAll() override {
    doc_ = kEndDoc;
    return count_;
  }

 private:
  void Find(uint64_t from) {
    size_t w = from >> 6;
    if (w >= bits_.size()) {
      doc_ = kEndDoc;
      return;
    }
    uint64_t word = bits_[w] & (~uint64_t{0} << (from & 63));
    while (word == 0) {
      if (++w >= bits_.size()) {
        doc_ = kEndDoc;
        return;
      }
      word = bits_[w];
    }
    doc_ = static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(word)));
  }
  std::vector<uint64_t> bits_;
  uint64_t count_ = 0;
};

// Every live document, optionally only those dated within [lo, hi].
class ScanIterator final : public DocIterator {
 public:
  ScanIterator(const DocTable& table, bool dated, Days lo, Days hi) : table_(table), dated_(dated), lo_(lo), hi_(hi) {}
  void Next() override {
    if (doc_ != kEndDoc) Find(doc_ + 1);
  }
  void Advance(uint32_t target) override {
    if (doc_ < target) Find(target);
  }
  uint64_t Cost() const override { return table_.live_docs; }

 private:
  void Find(uint32_t d) {
    for (; d <= table_.max_doc; ++d) {
      if (!table_.IsLive(d)) continue;
      if (dated_) {
        Days x = table_.dates[d];
        if (x == format::kNoDate || x < lo_ || x > hi_) continue;
      }
      doc_ = d;
      return;
    }
    doc_ = kEndDoc;
  }
  const DocTable& table_;
  bool dated_;
  Days lo_, hi_;
};

// Conjunction by leapfrogging from the cheapest child, with exclusions.
class AndIterator final : public DocIterator {
 public:
  AndIterator(std::vector<std::unique_ptr<DocIterator>> inc, std::vector<std::unique_ptr<DocIterator>> exc)
      : inc_(std::move(inc)), exc_(std::move(exc)) {
    for (auto& c : inc_) order_.push_back(c.get());
    std::sort(inc_.begin(), inc_.end(), [](const auto& a, const auto& b) { return a->Cost() < b->Cost(); });
  }
  void Next() override {
    if (doc_ != kEndDoc) Find(doc_ + 1);
  }
  void Advance(uint32_t target) override {
    if (doc_ < target) Find(target);
  }
  // Summed in the query's order, not the cheapest-first order of the
  // leapfrog (which follows each index's frequencies), so that a document
  // scores the same to the last bit in one index and in a collection's split.
  double Score() override {
    double s = 0;
    for (DocIterator* c : order_) s += c->Score();
    return s;
  }
  uint64_t Cost() const override { return inc_.empty() ? 0 : inc_[0]->Cost(); }
  double MaxScore() const override {
    double m = 0;
    for (const auto& c : inc_) m += c->MaxScore();
    return m;
  }
  // A document's score is the sum of its children's: child i must contribute
  // more than theta minus what all the others could.
  void SetMinCompetitive(double theta) override {
    double total = MaxScore();
    for (auto& c : inc_) {
      double t = theta - (total - c->MaxScore());
      if (t > 0) c->SetMinCompetitive(t);
    }
  }

 private:
  void Find(uint32_t target) {
    for (;;) {
      inc_[0]->Advance(target);
      target = inc_[0]->doc();
      if (target == kEndDoc) break;
      bool agreed = true;
      for (size_t i = 1; i < inc_.size(); ++i) {
        inc_[i]->Advance(target);
        if (inc_[i]->doc() != target) {
          target = inc_[i]->doc();
          agreed = false;
          break;
        }
      }
      if (target == kEndDoc) break;
      if (!agreed) continue;
      bool excluded = false;
      for (auto& e : exc_) {
        e->Advance(target);
        if (e->doc() == target) {
          excluded = true;
          break;
        }
      }
      if (!excluded) {
        doc_ = target;
        return;
      }
      ++target;
    }
    doc_ = kEndDoc;
  }
  std::vector<std::unique_ptr<DocIterator>> inc_, exc_;
  std::vector<DocIterator*> order_;  // inc_ in the query's order
};

// Disjunction. Without pruning it visits every document any child matches.
// With a competitive threshold it uses MaxScore: children sorted by their score
// bound; the weakest ones whose bounds together cannot beat the threshold are
// "non-essential": they no longer propose documents, and are only asked, for a
// document an essential child proposed, whether they match it too.
class OrIterator final : public DocIterator {
 public:
  explicit OrIterator(std::vector<std::unique_ptr<DocIterator>> ch) : ch_(std::move(ch)) {
    for (auto& c : ch_) order_.push_back(c.get());
    for (auto& c : ch_) cost_ += c->Cost();
    std::sort(ch_.begin(), ch_.end(), [](const auto& a, const auto& b) { return a->MaxScore() < b->MaxScore(); });
    for (auto& c : ch_) max_ += c->MaxScore();
  }
  void Next() override {
    if (doc_ == kEndDoc) return;
    for (size_t i = lazy_; i < ch_.size(); ++i)
      if (ch_[i]->doc() == doc_) ch_[i]->Next();
    Settle();
  }
  void Advance(uint32_t target) override {
    if (doc_ >= target && doc_ != 0) return;
    for (size_t i = lazy_; i < ch_.size(); ++i)
      if (ch_[i]->doc() < target) ch_[i]->Advance(target);
    Settle();
  }
  // Summed in the query's order (see AndIterator::Score). The essential
  // children are at doc_ or beyond; a lazy one is moved to doc_ here.
  double Score() override {
    double s = 0;
    for (DocIterator* c : order_) {
      if (c->doc() < doc_) c->Advance(doc_);
      if (c->doc() == doc_) s += c->Score();
    }
    return s;
  }
  // The children matching the current document (a prefix's few expansions).
  void Describe(std::string* out) override {
    out->clear();
    std::string one;
    for (size_t i = 0; i < ch_.size(); ++i) {
      if (i < lazy_ && ch_[i]->doc() < doc_) ch_[i]->Advance(doc_);
      if (ch_[i]->doc() != doc_) continue;
      ch_[i]->Describe(&one);
      if (one.empty()) continue;
      if (!out->empty()) *out += "; ";
      *out += one;
    }
  }
  uint64_t Cost() const override { return cost_; }
  double MaxScore() const override { return max_; }
  void SetMinCompetitive(double theta) override {
    // Grow the non-essential prefix while its bounds sum to no more than theta.
    double sum = 0;
    for (size_t i = 0; i < lazy_; ++i) sum += ch_[i]->MaxScore();
    while (lazy_ + 1 < ch_.size() && sum + ch_[lazy_]->MaxScore() + kBoundSlack < theta) {
      sum += ch_[lazy_]->MaxScore();
      ++lazy_;
    }
    // Each essential child must bring more than theta minus everything else.
    for (size_t i = lazy_; i < ch_.size(); ++i) {
      double t = theta - (max_ - ch_[i]->MaxScore());
      if (t > 0) ch_[i]->SetMinCompetitive(t);
    }
  }

 private:
  void Settle() {
    uint32_t m = kEndDoc;
    for (size_t i = lazy_; i < ch_.size(); ++i) m = std::min(m, ch_[i]->doc());
    doc_ = m;
  }
  std::vector<std::unique_ptr<DocIterator>> ch_;
  std::vector<DocIterator*> order_;  // ch_ in the query's order
  uint64_t cost_ = 0;
  double max_ = 0;
  size_t lazy_ = 0;  // ch_[0, lazy_) are non-essential
};

// Union of many iterators through a min-heap on their current docs: O(log n)
// per posting where OrIterator is O(n) per document. Used for prefix
// expansions, which may have hundreds of terms. Scores are summed like
// OrIterator's; it does no pruning of its own (bounds of many expansions are
// too loose to skip anything).
class UnionIterator final : public DocIterator {
 public:
  explicit UnionIterator(std::vector<std::unique_ptr<DocIterator>> ch) : ch_(std::move(ch)) {
    for (uint32_t i = 0; i < ch_.size(); ++i) {
      cost_ += ch_[i]->Cost();
      max_ += ch_[i]->MaxScore();
      heap_.push_back(i);  // every child is at doc 0: already a heap
    }
  }
  void Next() override {
    if (doc_ == kEndDoc) return;
    while (!heap_.empty() && Top()->doc() == doc_) {
      Top()->Next();
      Fix();
    }
    Settle();
  }
  void Advance(uint32_t target) override {
    if (doc_ >= target && doc_ != 0) return;
    while (!heap_.empty() && Top()->doc() < target) {
      Top()->Advance(target);
      Fix();
    }
    Settle();
  }
  // Summed in child order, like OrIterator, so a document's score does not
  // depend on the path (Next or Advance) that reached it.
  double Score() override {
    at_.clear();
    Collect(0);
    std::sort(at_.begin(), at_.end());
    double s = 0;
    for (uint32_t i : at_) s += ch_[i]->Score();
    return s;
  }
  // The expansions matching the current document, one account each.
  void Describe(std::string* out) override {
    at_.clear();
    Collect(0);
    std::sort(at_.begin(), at_.end());
    out->clear();
    std::string one;
    for (uint32_t i : at_) {
      ch_[i]->Describe(&one);
      if (!out->empty()) *out += "; ";
      *out += one;
    }
  }
  uint64_t Cost() const override { return cost_; }
  double MaxScore() const override { return max_; }

 private:
  DocIterator* Top() const { return ch_[heap_[0]].get(); }
  uint32_t DocAt(size_t i) const { return ch_[heap_[i]]->doc(); }
  // The heap nodes at doc_ form a subtree at the root.
  void Collect(size_t i) {
    if (i >= heap_.size() || DocAt(i) != doc_) return;
    at_.push_back(heap_[i]);
    Collect(2 * i + 1);
    Collect(2 * i + 2);
  }
  // Restores the heap after the root moved forward; drops exhausted children.
  void Fix() {
    if (Top()->doc() == kEndDoc) {
      heap_[0] = heap_.back();
      heap_.pop_back();
      if (heap_.empty()) return;
    }
    size_t i = 0, n = heap_.size();
    uint32_t x = heap_[0];
    uint32_t d = ch_[x]->doc();
    for (;;) {
      size_t l = 2 * i + 1;
      if (l >= n) break;
      size_t m = l + 1 < n && DocAt(l + 1) < DocAt(l) ? l + 1 : l;
      if (DocAt(m) >= d) break;
      heap_[i] = heap_[m];
      i = m;
    }
    heap_[i] = x;
  }
  void Settle() { doc_ = heap_.empty() ? kEndDoc : Top()->doc(); }

  std::vector<std::unique_ptr<DocIterator>> ch_;
  std::vector<uint32_t> heap_, at_;
  uint64_t cost_ = 0;
  double max_ = 0;
};

// A child whose score is multiplied by a constant factor (term^2).
class BoostIterator final : public DocIterator {
 public:
  BoostIterator(std::unique_ptr<DocIterator> child, double factor) : child_(std::move(child)), factor_(factor) {}
  void Next() override {
    child_->Next();
    doc_ = child_->doc();
  }
  void Advance(uint32_t target) override {
    child_->Advance(target);
    doc_ = child_->doc();
  }
  double Score() override { return factor_ * child_->Score(); }
  void Describe(std::string* out) override {
    child_->Describe(out);
    char f[48];
    std::snprintf(f, sizeof f, "; times the boost %g", factor_);
    if (!out->empty()) *out += f;
  }
  uint64_t Cost() const override { return child_->Cost(); }
  double MaxScore() const override { return factor_ * child_->MaxScore(); }
  void SetMinCompetitive(double theta) override { child_->SetMinCompetitive(theta / factor_); }

 private:
  std::unique_ptr<DocIterator> child_;
  double factor_;
};

// The documents of `required`; those `optional` matches too add its score.
class AndMaybeIterator final : public DocIterator {
 public:
  AndMaybeIterator(std::unique_ptr<DocIterator> required, std::unique_ptr<DocIterator> optional)
      : req_(std::move(required)), opt_(std::move(optional)) {}
  void Next() override {
    req_->Next();
    doc_ = req_->doc();
  }
  void Advance(uint32_t target) override {
    req_->Advance(target);
    doc_ = req_->doc();
  }
  double Score() override {
    double s = req_->Score();
    if (opt_->doc() < doc_) opt_->Advance(doc_);
    if (opt_->doc() == doc_) s += opt_->Score();
    return s;
  }
  uint64_t Cost() const override { return req_->Cost(); }
  double MaxScore() const override { return req_->MaxScore() + opt_->MaxScore(); }
  // Each side must bring more than theta minus the other's bound. An optional
  // match skipped that way leaves a document that could not compete anyway.
  void SetMinCompetitive(double theta) override {
    double r = theta - opt_->MaxScore(), o = theta - req_->MaxScore();
    if (r > 0) req_->SetMinCompetitive(r);
    if (o > 0) opt_->SetMinCompetitive(o);
  }

 private:
  std::unique_ptr<DocIterator> req_, opt_;
};

}  // namespace loupe::search_internal
#pragma GCC visibility pop

#endif  // LOUPE_SEARCH_BOOLEAN_ITERATORS_H_
