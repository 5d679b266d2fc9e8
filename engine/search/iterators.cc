#include "search/iterators.h"

#include <algorithm>
#include <cstdio>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "analysis/analyzer_access.h"
#include "index/doc_store.h"
#include "index/forms.h"
#include "loupe/analyzer.h"
#include "util/edits.h"

namespace loupe {

double Bm25::FieldWeight(Field f) { return f == Field::kTitle ? 2.0 : 1.0; }

double Bm25::Idf(uint64_t n, uint64_t df) {
  double N = static_cast<double>(n), d = static_cast<double>(std::min(df, n == 0 ? df : n));
  return std::log(1.0 + (N - d + 0.5) / (d + 0.5));
}

namespace {

// Walks one term's postings blocks through an LMDB cursor. Deleted documents are
// skipped here, so every iterator above sees live documents only.
class PostingsCursor final : public DocIterator {
 public:
  // `stats` and `df` are what the term is scored with: the index's own, or
  // those of the collection the index is a split of.
  PostingsCursor(const storage::Txn& txn, const DocTable& table, const ScoringStats& stats, uint64_t df, Field field,
                 const std::string& term, const format::TermInfo& info, std::unique_ptr<storage::Cursor> cursor,
                 Status* error)
      : txn_(txn),
        table_(table),
        stats_(stats),
        df_(df),
        field_(field),
        term_(term),
        prefix_(format::BlockKeyPrefix(field, term)),
        info_(info),
        cursor_(std::move(cursor)),
        error_(error) {
    weight_ = Bm25::FieldWeight(field) * Bm25::Idf(stats.live_docs, df);
  }

  void Next() override {
    if (doc_ == kEndDoc) return;
    if (!started_) {
      started_ = true;
      if (!LoadAt(cursor_->Seek(prefix_))) return;
    } else {
      ++idx_;
    }
    SkipToLive();
  }

  void Advance(uint32_t target) override {
    if (doc_ >= target && started_) return;
    if (doc_ == kEndDoc) return;
    if (!started_ || n_ == 0 || docs_[n_ - 1] < target) {
      bool step = started_ && n_ > 0;  // the cursor is on the current block
      started_ = true;
      if (!SeekBlock(target, step)) return;
    }
    idx_ = LowerBound(idx_, target);
    SkipToLive();
  }

  double Score() override { return ScoreTf(Tfs()[idx_]); }
  void Describe(std::string* out) override { *out = DescribeTf(Tfs()[idx_]); }
  // BM25's inputs for the current document with term frequency tf.
  std::string DescribeTf(uint32_t tf) const {
    const int f = static_cast<int>(field_);
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "%s: tf %u, df %u of %llu documents, idf %.4f, field weight %g, field length %s%u (average %.1f), "
                  "k1 %g, b %g",
                  Term().c_str(), tf, static_cast<unsigned>(df_), static_cast<unsigned long long>(stats_.live_docs),
                  Bm25::Idf(stats_.live_docs, df_), Bm25::FieldWeight(field_),
                  table_.norms[doc_][f] >= 32 ? "~" : "",  // lengths from 32 on are kept to 1/8
                  DecodeLength(table_.norms[doc_][f]), stats_.avg_length[f], Bm25::kK1, Bm25::kB);
    return buf;
  }
  // field:term (a custom field's term holds its name: party:republican)
  std::string Term() const { return field_ == Field::kCustom ? term_ : std::string(FieldName(field_)) + ":" + term_; }
  uint64_t Cost() const override { return info_.df; }
  double MaxScore() const override { return Bound(info_.max_tf, info_.min_length); }
  void SetMinCompetitive(double theta) override { theta_ = theta; }

  double ScoreTf(uint32_t tf) const { return Formula(tf, table_.norms[doc_][static_cast<int>(field_)]); }

  // The score of a posting with term frequency tf in a field of dl tokens.
  // `norm` is the field length's code (EncodeLength); lengths are compared
  // through their codes, which keeps every bound an upper bound.
  double Formula(uint32_t tf, uint8_t norm) const {
    double t = tf;
    return weight_ * t * (Bm25::kK1 + 1) / (t + stats_.length_factor[static_cast<int>(field_)][norm]);
  }
  // BM25 grows with tf and falls with length: (max tf, min length) bounds a block.
  double Bound(uint32_t max_tf, uint32_t min_length) const {
    if (max_tf == 0) return weight_ * (Bm25::kK1 + 1);  // no statistics: the limit as tf grows
    return Formula(max_tf, EncodeLength(min_length == UINT32_MAX ? 0 : min_length));
  }

  // Positions of the current document, in increasing order. Only the current
  // posting's positions are decoded: the block's earlier postings are skipped
  // over (phrase candidates are usually a few documents of a block).
  const uint32_t* Positions(uint32_t* count) {
    *count = 0;
    Tfs();
    if (!positions_loaded_) {
      positions_loaded_ = true;
      if (!LoadPositionsBlock()) return PositionsCorrupt();
      pos_at_ = 0;
      pos_idx_ = 0;
      decoded_idx_ = SIZE_MAX;
    }
    if (decoded_idx_ == idx_) {
      *count = tfs_[idx_];
      return positions_.data();
    }
    if (idx_ < pos_idx_) {  // never happens in forward iteration; restart to be safe
      pos_at_ = 0;
      pos_idx_ = 0;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(pos_value_.data());
    const size_t size = pos_value_.size();
    size_t at = pos_at_;
    // Skip the positions of the postings before this one: count varint
    // terminators (bytes without the high bit), eight bytes at a time while
    // more remain to skip than a word holds.
    uint64_t skip = 0;
    for (; pos_idx_ < idx_; ++pos_idx_) skip += tfs_[pos_idx_];
    while (skip > 0 && at + 8 <= size) {
      uint64_t w;
      std::memcpy(&w, p + at, 8);
      // One bit per terminating byte, summed with a multiply (no popcnt needed).
      uint64_t ends = (((~w & 0x8080808080808080ull) >> 7) * 0x0101010101010101ull) >> 56;
      if (ends >= skip) break;
      skip -= ends;
      at += 8;
    }
    for (; skip > 0; ++at) {
      if (at >= size) return PositionsCorrupt();
      skip -= (p[at] & 0x80) == 0;
    }
    uint32_t tf = tfs_[idx_];
    positions_.resize(tf);
    uint32_t prev = 0;
    for (uint32_t j = 0; j < tf; ++j) {
      uint32_t v = 0;
      for (int shift = 0;; shift += 7) {
        if (at >= size || shift > 28) return PositionsCorrupt();
        unsigned char b = p[at++];
        v |= static_cast<uint32_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
      }
      prev += v;
      positions_[j] = prev;
    }
    pos_at_ = at;
    pos_idx_ = idx_ + 1;
    decoded_idx_ = idx_;
    *count = tf;
    return positions_.data();
  }

 private:
  // Finds the positions value of the current block. Positions blocks have the
  // postings blocks' keys, so a second cursor usually just steps to it.
  bool LoadPositionsBlock() {
    if (!pos_cursor_) {
      auto c = storage::Cursor::Open(txn_, storage::Db::kPositions, storage::Verify::kNo);
      if (!c.ok()) return false;
      pos_cursor_ = std::move(*c);
    }
    bool ok = pos_cursor_->valid() && pos_cursor_->key() < block_key_ && pos_cursor_->Next() &&
              pos_cursor_->key() == block_key_;
    if (!ok) ok = pos_cursor_->Seek(block_key_) && pos_cursor_->key() == block_key_;
    if (!ok) return false;
    pos_value_ = pos_cursor_->value();
    return true;
  }

  // The first index in [from, n_) whose doc is >= target (n_ if none): a
  // branch-free binary search (conditional moves), since an intersection's
  // targets land unpredictably and mispredicted branches dominated the cost.
  size_t LowerBound(size_t from, uint32_t target) const {
    // Most moves are short (intersections, phrases): look at the next eight
    // first, without branching on each (the exit of a scalar loop is a
    // mispredicted branch on nearly every call).
#ifdef __SSE2__
    if (from + 8 <= n_) {
      // Unsigned compare through a sign flip: count the docs below target.
      const __m128i flip = _mm_set1_epi32(INT32_MIN);
      const __m128i t = _mm_xor_si128(_mm_set1_epi32(static_cast<int>(target)), flip);
      __m128i a = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(docs_ + from)), flip);
      __m128i b = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(docs_ + from + 4)), flip);
      int ma = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmplt_epi32(a, t)));
      int mb = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmplt_epi32(b, t)));
      static constexpr uint8_t kBits[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
      size_t below = size_t{kBits[ma]} + kBits[mb];
      if (below < 8) return from + below;  // docs are sorted: that many come first
      from += 8;
    }
#endif
    size_t end = std::min(n_, from + 8);
    for (; from < end; ++from)
      if (docs_[from] >= target) return from;
    if (from >= n_) return n_;
    const uint32_t* base = docs_ + from;
    size_t len = n_ - from;
    while (len > 1) {
      size_t half = len / 2;
      base += static_cast<size_t>(base[half - 1] < target) * half;
      len -= half;
    }
    return static_cast<size_t>(base - docs_) + (*base < target);
  }

  // The current block's term frequencies, decoded on first use (counting and
  // intersecting never need them).
  const uint32_t* Tfs() {
    if (!tfs_loaded_ && n_ > 0) {
      tfs_loaded_ = true;
      if (!format::DecodePostingsTfs(block_value_, tfs_)) {
        Fail(Status::Corruption("postings block of a term is unreadable; rebuild the index"));
        std::fill(tfs_, tfs_ + n_, 1u);
      }
    }
    return tfs_;
  }

  // Positions the cursor on the block that may contain `target`. With `step`
  // (the cursor is on the current block), the next few blocks are tried first:
  // a cursor step and a header read are much cheaper than a B-tree seek, and
  // intersections mostly move to a near block.
  bool SeekBlock(uint32_t target, bool step) {
    for (int i = 0; step && i < kSteps; ++i) {
      if (!cursor_->Next() || !InPrefix()) return LoadAt(false);
      format::BlockHeader h;
      if (!format::DecodeBlockHeader(cursor_->value(), &h) || h.last_doc >= target) return LoadAt(true);
    }
    seek_key_.assign(prefix_);
    format::PutFixed32BE(&seek_key_, target);
    bool found = cursor_->Seek(seek_key_);
    if (found && InPrefix() && format::DecodeFixed32BE(cursor_->key().data() + prefix_.size()) == target)
      return LoadAt(true);
    // The block holding target, if any, starts before it: the previous key.
    bool prev = found ? cursor_->Prev() : cursor_->Last();
    if (prev && InPrefix()) {
      if (!LoadAt(true)) return false;
      if (docs_[n_ - 1] >= target) return true;
      return LoadAt(cursor_->Next());
    }
    return LoadAt(prev ? cursor_->Next() : cursor_->First());
  }

  bool InPrefix() const {
    return cursor_->valid() && cursor_->key().size() == prefix_.size() + 4 &&
           cursor_->key().compare(0, prefix_.size(), prefix_) == 0;
  }

  // Decodes the block under the cursor, or the first after it whose bound is
  // competitive; ends the iterator if there is none.
  bool LoadAt(bool ok) {
    idx_ = 0;
    positions_loaded_ = false;
    format::BlockHeader h;
    for (;;) {
      if (!ok || !InPrefix()) {
        if (!cursor_->status().ok()) Fail(cursor_->status());
        End();
        return false;
      }
      if (theta_ <= 0) break;
      if (!format::DecodeBlockHeader(cursor_->value(), &h)) break;  // reported by the full decode
      if (Bound(h.max_tf, h.min_length) + kBoundSlack > theta_) break;
      ok = cursor_->Next();  // nothing in this block can make the top k
    }
    block_key_.assign(cursor_->key());
    block_value_ = cursor_->value();
    tfs_loaded_ = false;
    n_ = 0;
    if (!format::DecodePostingsDocs(block_value_, &h, docs_) ||
        h.first_doc != format::DecodeFixed32BE(block_key_.data() + prefix_.size())) {
      Fail(Status::Corruption("postings block of a term is unreadable; rebuild the index"));
      End();
      return false;
    }
    n_ = h.n;
    return true;
  }

  void SkipToLive() {
    for (;;) {
      while (idx_ < n_) {
        if (table_.IsLive(docs_[idx_])) {
          doc_ = docs_[idx_];
          return;
        }
        ++idx_;
      }
      if (n_ == 0 || !LoadAt(cursor_->Next())) return;
    }
  }

  const uint32_t* PositionsCorrupt() {
    Fail(Status::Corruption("positions block of a term is unreadable; rebuild the index"));
    decoded_idx_ = SIZE_MAX;
    return nullptr;
  }

  void End() {
    doc_ = kEndDoc;
    n_ = 0;
  }
  void Fail(const Status& s) {
    if (error_->ok()) *error_ = s;
  }

  const storage::Txn& txn_;
  const DocTable& table_;
  const ScoringStats& stats_;
  uint64_t df_;
  Field field_;
  std::string term_;
  std::string prefix_;
  format::TermInfo info_;
  std::unique_ptr<storage::Cursor> cursor_;
  Status* error_;
  double weight_ = 0;
  double theta_ = 0;
  bool started_ = false;
  static constexpr int kSteps = 3;
  std::string block_key_, seek_key_;
  std::string_view block_value_;  // the current block (LMDB memory, valid for the transaction)
  bool tfs_loaded_ = false;
  uint32_t docs_[format::kBlockSize], tfs_[format::kBlockSize];
  size_t n_ = 0, idx_ = 0;
  bool positions_loaded_ = false;
  std::string_view pos_value_;  // the block's positions value (LMDB memory)
  std::unique_ptr<storage::Cursor> pos_cursor_;
  size_t pos_at_ = 0, pos_idx_ = 0;  // byte offset of posting pos_idx_'s positions
  size_t decoded_idx_ = SIZE_MAX;    // posting whose positions are in positions_
  std::vector<uint32_t> positions_;
};

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

// The documents of a term in which a given word form occurs as written (see
// Query::Exact): the term's postings, each checked against the stored text.
class ExactIterator final : public DocIterator {
 public:
  // With `prefix_forms` (a prefix's expansion to a stem some of whose other
  // forms do not start with it), the words written in one of those forms, the
  // stem's forms that start with the prefix `form` (folded), are counted
  // instead of the words equal to `form`. Another stem's words that start with
  // the prefix are not: they count under their own stem.
  ExactIterator(std::unique_ptr<PostingsCursor> term, const storage::Txn& txn, Field field, std::string form,
                bool match_case, std::unique_ptr<Analyzer> analyzer, Status* error,
                std::vector<std::string> prefix_forms = {})
      : term_(std::move(term)),
        txn_(txn),
        field_(field),
        form_(std::move(form)),
        match_case_(match_case),
        prefix_(!prefix_forms.empty()),
        prefix_forms_(std::move(prefix_forms)),
        analyzer_(std::move(analyzer)),
        error_(error) {}
  void Next() override {
    if (doc_ == kEndDoc) return;
    term_->Next();
    Find();
  }
  void Advance(uint32_t target) override {
    if (doc_ >= target && doc_ != 0) return;
    term_->Advance(target);
    Find();
  }
  double Score() override { return term_->ScoreTf(count_); }
  void Describe(std::string* out) override {
    *out = (prefix_ ? "words starting with '" : "exact form '") + form_ + "'" + (match_case_ ? "" : " (any case)") +
           " " + std::to_string(count_) + " times; " + term_->DescribeTf(count_);
  }
  // Reading stored text makes a document far dearer than a posting.
  uint64_t Cost() const override { return term_->Cost() * 64; }
  double MaxScore() const override { return term_->MaxScore(); }  // count_ <= the term's tf

 private:
  void Find() {
    for (; term_->doc() != kEndDoc; term_->Next()) {
      count_ = Count(term_->doc());
      if (count_ > 0) {
        doc_ = term_->doc();
        return;
      }
      if (!error_->ok()) break;
    }
    doc_ = kEndDoc;
  }

  // Occurrences of the form in the document's field.
  uint32_t Count(uint32_t doc) {
    std::string_view encoded;
    Status s = reader_.Read(txn_, doc, &encoded);
    if (!s.ok() || !format::DecodeStoredDoc(encoded, &stored_)) {
      if (error_->ok()) *error_ = s.ok() ? Status::Corruption("stored document unreadable; rebuild the index") : s;
      return 0;
    }
    uint32_t n = 0;
    auto scan = [&](std::string_view text) {
      tokens_.clear();
      AnalyzerAccess::Analyze(*analyzer_, text, /*stem=*/false, 0, &tokens_);
      for (const Token& t : tokens_) {
        if (prefix_) {
          n += std::find(prefix_forms_.begin(), prefix_forms_.end(), t.term) != prefix_forms_.end();
          continue;
        }
        if (!match_case_) {
          n += t.term == form_;
          continue;
        }
        surface_.assign(text.substr(t.begin, t.end - t.begin));
        for (size_t at; (at = surface_.find("\xE2\x80\x99")) != std::string::npos;) surface_.replace(at, 3, "'");
        n += surface_ == form_;
      }
    };
    switch (field_) {
      case Field::kTitle:
        scan(stored_.title);
        break;
      case Field::kBody:
        scan(stored_.body);
        break;
      case Field::kAuthor:
        scan(stored_.author);
        break;
      case Field::kActor:
        for (const std::string& v : stored_.actors) scan(v);
        break;
      case Field::kTopic:
        for (const std::string& v : stored_.topics) scan(v);
        break;
      case Field::kCustom:  // keywords: the planner makes no exact words of them
        break;
    }
    return n;
  }

  std::unique_ptr<PostingsCursor> term_;
  const storage::Txn& txn_;
  Field field_;
  std::string form_;
  bool match_case_;
  bool prefix_;
  std::vector<std::string> prefix_forms_;  // a handful: the stem's forms starting with the prefix
  std::unique_ptr<Analyzer> analyzer_;
  Status* error_;
  format::DocBlockReader reader_;
  Document stored_;
  std::vector<Token> tokens_;
  std::string surface_;
  uint32_t count_ = 0;
};

// Exact phrase: all terms in the document at positions p + gaps[i].
class PhraseIterator final : public DocIterator {
 public:
  // With `sentence`, the last of `terms` is the list of sentence marks and the
  // others must share a sentence, in any order (gaps and slop unused).
  PhraseIterator(std::vector<std::unique_ptr<PostingsCursor>> terms, std::vector<uint32_t> gaps, uint32_t slop = 0,
                 bool sentence = false)
      : terms_(std::move(terms)),
        gaps_(std::move(gaps)),
        slop_(slop),
        sentence_(sentence),
        scored_(terms_.size() - (sentence ? 1 : 0)) {
    for (size_t i = 0; i < terms_.size(); ++i) order_.push_back(i);
    std::sort(order_.begin(), order_.end(), [&](size_t a, size_t b) { return terms_[a]->Cost() < terms_[b]->Cost(); });
  }
  void Next() override {
    if (doc_ != kEndDoc) Find(doc_ + 1);
  }
  void Advance(uint32_t target) override {
    if (doc_ < target) Find(target);
  }
  double Score() override {
    double s = 0;
    if (freq_ == 0) freq_ = CountMatches(false);  // Find only checked that one exists
    for (size_t i = 0; i < scored_; ++i) s += terms_[i]->ScoreTf(freq_);
    return s;
  }
  // Each word scores as a term whose tf is the phrase's frequency.
  void Describe(std::string* out) override {
    if (freq_ == 0) freq_ = CountMatches(false);
    *out = (sentence_ ? "sentences with all the words " : "phrase frequency ") + std::to_string(freq_);
    for (size_t i = 0; i < scored_; ++i) *out += "; " + terms_[i]->DescribeTf(freq_);
  }
  uint64_t Cost() const override { return terms_[order_[0]]->Cost(); }
  double MaxScore() const override {
    double m = 0;
    for (size_t i = 0; i < scored_; ++i) m += terms_[i]->Bound(0, 0);  // any phrase frequency
    return m;
  }

 private:
  void Find(uint32_t target) {
    for (;;) {
      PostingsCursor* lead = terms_[order_[0]].get();
      lead->Advance(target);
      target = lead->doc();
      if (target == kEndDoc) break;
      bool agreed = true;
      for (size_t k = 1; k < order_.size(); ++k) {
        PostingsCursor* t = terms_[order_[k]].get();
        t->Advance(target);
        if (t->doc() != target) {
          target = t->doc();
          agreed = false;
          break;
        }
      }
      if (target == kEndDoc) break;
      if (agreed) {
        freq_ = 0;
        if (CountMatches(true) > 0) {
          doc_ = target;
          return;
        }
        ++target;
      }
    }
    doc_ = kEndDoc;
  }

  // Number of positions p where every term i occurs at p + gaps[i].
  // With first_only, stops at the first match (enough to know the document matches).
  uint32_t CountMatches(bool first_only) {
    uint32_t n0;
    const uint32_t* p0 = terms_[0]->Positions(&n0);
    if (!p0) return 0;
    if (sentence_) return CountSentences(p0, n0, first_only);
    if (slop_ > 0) return CountSloppy(p0, n0, first_only);
    if (terms_.size() == 2) {  // the common case, without the general bookkeeping
      uint32_t n1;
      const uint32_t* p1 = terms_[1]->Positions(&n1);
      if (!p1) return 0;
      const uint32_t shift = gaps_[1] - gaps_[0];
      uint32_t matches = 0;
      for (uint32_t a = 0, b = 0; a < n0 && b < n1;) {
        uint32_t want = p0[a] + shift;
        if (p1[b] < want) {
          ++b;
        } else {
          if (p1[b] == want) {
            ++matches;
            if (first_only) break;
          }
          ++a;
        }
      }
      return matches;
    }
    if (!LoadOtherPositions()) return 0;
    auto& lists = lists_;
    auto& cur = cursor_;
    uint32_t matches = 0;
    for (uint32_t a = 0; a < n0; ++a) {
      uint32_t base = p0[a] - gaps_[0];
      bool all = true;
      for (size_t i = 0; i < lists.size() && all; ++i) {
        uint32_t want = base + gaps_[i + 1];
        auto& [p, n] = lists[i];
        while (cur[i] < n && p[cur[i]] < want) ++cur[i];
        all = cur[i] < n && p[cur[i]] == want;
      }
      if (all && ++matches && first_only) break;
    }
    return matches;
  }

  // The positions of terms 1.. of the current document into lists_, with a
  // cursor at the start of each; false if one is unreadable.
  bool LoadOtherPositions() {
    lists_.clear();
    for (size_t i = 1; i < terms_.size(); ++i) {
      uint32_t n;
      const uint32_t* p = terms_[i]->Positions(&n);
      if (!p) return false;
      lists_.emplace_back(p, n);
    }
    cursor_.assign(lists_.size(), 0);
    return true;
  }

  // Same sentence: the sentences (from one mark to the next; the marks are
  // the last list) holding a position of the first term and of every other.
  uint32_t CountSentences(const uint32_t* p0, uint32_t n0, bool first_only) {
    if (!LoadOtherPositions()) return 0;
    auto& lists = lists_;
    auto& cur = cursor_;
    const size_t words = lists.size() - 1;
    const uint32_t* marks = lists.back().first;
    const uint32_t n_marks = lists.back().second;
    uint32_t matches = 0, s = 0;
    uint64_t done_until = 0;  // positions of the first term below this: in a sentence already checked
    for (uint32_t a = 0; a < n0; ++a) {
      if (p0[a] < done_until) continue;
      while (s + 1 < n_marks && marks[s + 1] <= p0[a]) ++s;
      // The sentence [start, end) of p0[a]; before the first mark, [0, first mark).
      const bool after_first = n_marks > 0 && marks[s] <= p0[a];
      const uint64_t start = after_first ? marks[s] : 0;
      const uint64_t end =
          after_first ? (s + 1 < n_marks ? marks[s + 1] : UINT64_MAX) : (n_marks > 0 ? marks[0] : UINT64_MAX);
      done_until = end;
      bool all = true;
      for (size_t i = 0; i < words && all; ++i) {
        auto& [p, n] = lists[i];
        while (cur[i] < n && p[cur[i]] < start) ++cur[i];
        all = cur[i] < n && p[cur[i]] < end;
      }
      if (all && ++matches && first_only) break;
    }
    return matches;
  }

  // Sloppy phrase: for each position of the first term, the earliest positions
  // of the others in order, each at least its phrase distance after the one
  // before; a match if the whole spans at most slop_ more than the phrase.
  uint32_t CountSloppy(const uint32_t* p0, uint32_t n0, bool first_only) {
    if (!LoadOtherPositions()) return 0;
    auto& lists = lists_;
    auto& cur = cursor_;
    const uint64_t allowed = uint64_t{gaps_.back()} - gaps_[0] + slop_;
    uint32_t matches = 0;
    for (uint32_t a = 0; a < n0; ++a) {
      uint64_t at = p0[a];
      for (size_t i = 0; i < lists.size(); ++i) {
        uint64_t want = at + (gaps_[i + 1] - gaps_[i]);
        auto& [p, n] = lists[i];
        while (cur[i] < n && p[cur[i]] < want) ++cur[i];  // only grows as `a` does
        if (cur[i] == n) return matches;                  // no later start can match either
        at = p[cur[i]];
      }
      if (at - p0[a] <= allowed && ++matches && first_only) break;
    }
    return matches;
  }

  std::vector<std::unique_ptr<PostingsCursor>> terms_;
  std::vector<uint32_t> gaps_;
  uint32_t slop_ = 0;
  bool sentence_;
  size_t scored_;  // terms_[0, scored_) are words (the rest: sentence marks)
  std::vector<size_t> order_;
  uint32_t freq_ = 0;
  std::vector<std::pair<const uint32_t*, uint32_t>> lists_;
  std::vector<uint32_t> cursor_;
};

class Builder {
 public:
  Builder(const storage::Txn& txn, const DocTable& table, bool scoring, Status* error,
          std::vector<std::string>* warnings, PlanBudget* budget, const ScoringContext* context = nullptr)
      : txn_(txn),
        table_(table),
        stats_(context && context->stats ? *context->stats : table.scoring),
        terms_(context ? context->terms : nullptr),
        scoring_(scoring),
        error_(error),
        warnings_(warnings),
        budget_(budget ? budget : &own_budget_) {}

  // Expand's terms with their document frequencies, most frequent first.
  Result<std::vector<std::pair<std::string, uint64_t>>> Expansions(const Query& q) {
    if (q.kind() == Query::Kind::kPrefix && Analyzer::IsStemmed(q.field())) return WrittenForms(q);
    auto exp = Expand(q);
    if (!exp.ok()) return exp.status();
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const Found& f : **exp) out.emplace_back(f.term, f.info.df);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
  }

  Result<std::unique_ptr<DocIterator>> Build(const Query& q, int depth) {
    // A subtree that turns out to match nothing (an AND with a part of no
    // document) has destroyed the iterators it made: their memory is free again.
    const uint64_t held = held_;
    auto it = BuildNode(q, depth);
    if (it.ok() && IsEmpty(**it)) held_ = held;
    return it;
  }

 private:
  Result<std::unique_ptr<DocIterator>> BuildNode(const Query& q, int depth) {
    if (depth > kMaxDepth) return Status::InvalidArgument("query nested more than 256 levels deep");
    if (!scoring_ && (q.kind() == Query::Kind::kAnd || q.kind() == Query::Kind::kOr)) {
      auto e = Estimate(q, depth);
      if (!e.ok()) return e.status();
      if (e->bitset_ok && e->bits < e->iter) return MaterializedIterator(q);
    }
    switch (q.kind()) {
      case Query::Kind::kTerm: {
        auto t = Postings(q.field(), q.terms()[0], q);
        if (!t.ok()) return t.status();
        if (!*t) return Empty();
        return std::unique_ptr<DocIterator>(std::move(*t));
      }
      case Query::Kind::kPhrase: {
        if (q.terms().size() == 1) return Build(Query::Term(q.field(), q.terms()[0]), depth);
        std::vector<std::unique_ptr<PostingsCursor>> terms;
        for (const std::string& term : q.terms()) {
          auto t = Postings(q.field(), term, q);
          if (!t.ok()) return t.status();
          if (!*t) return Empty();
          terms.push_back(std::move(*t));
        }
        if (terms.empty()) return Empty();
        return std::unique_ptr<DocIterator>(new PhraseIterator(std::move(terms), q.gaps(), q.slop()));
      }
      case Query::Kind::kAnd: {
        std::vector<std::unique_ptr<DocIterator>> inc, exc;
        // Scoring a conjunction of dense lists: evaluate the matches as a
        // bitset first and let it lead, so the scoring sides are only moved to
        // real matches (and the exclusions are already applied).
        bool bitset_lead = false;
        if (scoring_) {
          auto e = Estimate(q, depth);
          if (!e.ok()) return e.status();
          double sides = static_cast<double>(q.children().size());
          bitset_lead = e->bitset_ok && e->bits + 15 * e->expect * sides < e->iter;
          if (bitset_lead) {
            auto b = MaterializedIterator(q);
            if (!b.ok()) return b.status();
            inc.push_back(std::move(*b));
          }
        }
        for (const Query& c : q.children()) {
          bool negated = c.kind() == Query::Kind::kNot;
          if (negated && bitset_lead) continue;
          auto it = Build(negated ? c.children()[0] : c, depth + 1);
          if (!it.ok()) return it.status();
          if (IsEmpty(**it)) {
            if (!negated) return Empty();  // a required part that matches nothing
            continue;                      // excluding nothing
          }
          (negated ? exc : inc).push_back(std::move(*it));
        }
        if (inc.empty()) inc.push_back(std::make_unique<ScanIterator>(table_, false, 0, 0));
        return std::unique_ptr<DocIterator>(new AndIterator(std::move(inc), std::move(exc)));
      }
      case Query::Kind::kOr: {
        std::vector<std::unique_ptr<DocIterator>> ch;
        for (const Query& c : q.children()) {
          auto it = Build(c, depth + 1);
          if (!it.ok()) return it.status();
          if (!IsEmpty(**it)) ch.push_back(std::move(*it));  // e.g. a term of no document
        }
        if (ch.empty()) return Empty();
        if (ch.size() == 1) return std::move(ch[0]);
        return std::unique_ptr<DocIterator>(new OrIterator(std::move(ch)));
      }
      case Query::Kind::kNot: {
        auto it = Build(q.children()[0], depth + 1);
        if (!it.ok()) return it.status();
        std::vector<std::unique_ptr<DocIterator>> inc, exc;
        inc.push_back(std::make_unique<ScanIterator>(table_, false, 0, 0));
        exc.push_back(std::move(*it));
        return std::unique_ptr<DocIterator>(new AndIterator(std::move(inc), std::move(exc)));
      }
      case Query::Kind::kDateRange:
        return std::unique_ptr<DocIterator>(new ScanIterator(table_, true, q.lo(), q.hi()));
      case Query::Kind::kPrefix:
      case Query::Kind::kFuzzy:
        return Prefix(q);
      case Query::Kind::kBoost: {
        auto it = Build(q.children()[0], depth + 1);
        if (!it.ok() || !scoring_ || IsEmpty(**it) || !(q.boost() > 0)) return it;
        return std::unique_ptr<DocIterator>(new BoostIterator(std::move(*it), q.boost()));
      }
      case Query::Kind::kSentence: {
        std::vector<std::unique_ptr<PostingsCursor>> terms;
        std::vector<std::string> words = q.terms();
        words.emplace_back(format::kSentenceTerm);
        for (const std::string& term : words) {
          auto t = Postings(q.field(), term, q);
          if (!t.ok()) return t.status();
          if (!*t) return Empty();
          terms.push_back(std::move(*t));
        }
        if (terms.size() < 3) return Empty();
        return std::unique_ptr<DocIterator>(new PhraseIterator(std::move(terms), {}, 0, /*sentence=*/true));
      }
      case Query::Kind::kExact: {
        auto t = Postings(q.field(), q.terms()[0], q);
        if (!t.ok()) return t.status();
        if (!*t) return Empty();
        auto analyzer = Analyzer::Create();
        if (!analyzer.ok()) return analyzer.status();
        return std::unique_ptr<DocIterator>(new ExactIterator(std::move(*t), txn_, q.field(), q.terms()[1],
                                                              q.match_case(), std::move(*analyzer), error_));
      }
      case Query::Kind::kAndMaybe: {
        auto req = Build(q.children()[0], depth + 1);
        if (!req.ok() || !scoring_ || IsEmpty(**req)) return req;  // counting: the optional side changes nothing
        auto opt = Build(q.children()[1], depth + 1);
        if (!opt.ok()) return opt.status();
        if (IsEmpty(**opt)) return req;
        return std::unique_ptr<DocIterator>(new AndMaybeIterator(std::move(*req), std::move(*opt)));
      }
      case Query::Kind::kAll:
        return std::unique_ptr<DocIterator>(new ScanIterator(table_, false, 0, 0));
      case Query::Kind::kNone:
        return Empty();
    }
    return Status::Internal("unknown query kind");
  }

  static constexpr int kMaxDepth = 256;
  static std::unique_ptr<DocIterator> Empty() { return std::make_unique<EmptyIterator>(); }
  static bool IsEmpty(const DocIterator& it) { return dynamic_cast<const EmptyIterator*>(&it) != nullptr; }

  struct Found {
    std::string term;
    format::TermInfo info;
    // A prefix's stem with other written forms too: its documents are checked
    // against their stored text for `forms`, its forms that start with the prefix.
    bool verify = false;
    std::vector<std::string> forms;
  };

 public:
  // The written forms (folded, not stemmed) a prefix of a stemmed field or a
  // fuzzy word reaches, with the live documents writing each, most first.
  Result<std::vector<std::pair<std::string, uint64_t>>> WrittenForms(const Query& q) {
    std::vector<forms::WrittenForm> found;
    bool stopped = false;
    Status s;
    if (q.kind() == Query::Kind::kPrefix) {
      forms::PrefixForms pf;
      s = forms::ScanPrefix(txn_, q.field(), q.terms()[0], &budget_->scanned, budget_->max_scanned, &stopped, &pf);
      found = std::move(pf.forms);
    } else {
      s = forms::ScanNear(txn_, q.field(), q.terms()[0], q.max_edits(), &budget_->scanned, budget_->max_scanned,
                          &stopped, &found);
    }
    if (!s.ok()) return s;
    if (stopped) return ScanRefused(q);
    // A form indexed under two stems (documents stemmed in two languages)
    // is one word: its documents add up.
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.form < b.form; });
    std::vector<std::pair<std::string, uint64_t>> out;
    for (forms::WrittenForm& w : found) {
      if (!out.empty() && out.back().first == w.form)
        out.back().second += w.docs;
      else
        out.emplace_back(std::move(w.form), w.docs);
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
  }

 private:
  Status ScanRefused(const Query& q) {
    return Refuse("the query reads more than " + std::to_string(budget_->max_scanned) +
                      " dictionary entries to expand its prefixes and fuzzy words, the limit for one query "
                      "(passed at '" +
                      q.ToString() + "'); use fewer fuzzy words, or longer prefixes",
                  q);
  }

  // The stems whose written forms start with a prefix of a stemmed field,
  // each with its dictionary entry; a stem is marked for checking when some
  // of its written forms do not start with the prefix.
  Status ExpandForms(const Query& q, std::vector<Found>* found) {
    forms::PrefixForms pf;
    bool stopped = false;
    Status s = forms::ScanPrefix(txn_, q.field(), q.terms()[0], &budget_->scanned, budget_->max_scanned, &stopped, &pf);
    if (!s.ok()) return s;
    if (stopped) return ScanRefused(q);
    for (const forms::PrefixForms::Stem& st : pf.stems) {
      std::string_view v;
      s = txn_.Get(storage::Db::kTerms, format::TermKey(q.field(), st.stem), &v);
      if (s.IsNotFound()) continue;
      if (!s.ok()) return s;
      Found f;
      if (!format::DecodeTermInfo(v, &f.info))
        return Status::Corruption("term dictionary entry unreadable; rebuild the index");
      if (f.info.df == 0) continue;
      f.term = st.stem;
      f.verify = !st.whole;
      if (f.verify)
        for (const forms::WrittenForm& w : pf.forms)
          if (w.stem == st.stem) f.forms.push_back(w.form);
      found->push_back(std::move(f));
    }
    return Status::OK();
  }
  // The terms of the field starting with the prefix (the most frequent
  // max_expansions of them); computed once per distinct leaf, so that a
  // prefix repeated across the query reads the dictionary once and counts
  // once against the query's expansion limit.
  Result<const std::vector<Found>*> Expand(const Query& q) {
    std::string key(1, static_cast<char>(q.kind()));
    key += static_cast<char>(q.field());
    key += std::to_string(q.max_edits()) + "/" + std::to_string(q.max_expansions()) + "/" + q.terms()[0];
    auto known = expansions_.find(key);
    if (known != expansions_.end()) return &known->second;
    // A prefix of a stemmed field reads the written forms starting with it
    // (the words as written; their stems are what is searched). A prefix of
    // another field scans its range of the dictionary (its terms are the
    // folded words); a fuzzy term the whole field, keeping the terms within
    // its edit distance.
    const bool fuzzy = q.kind() == Query::Kind::kFuzzy;
    const bool written = !fuzzy && Analyzer::IsStemmed(q.field());
    const std::string start = format::TermKey(q.field(), fuzzy ? std::string_view() : q.terms()[0]);
    auto cur = storage::Cursor::Open(txn_, storage::Db::kTerms);
    if (!cur.ok()) return cur.status();
    std::vector<Found> found;
    if (written) {
      if (Status s = ExpandForms(q, &found); !s.ok()) return s;
    }
    if (terms_ && !written) {
      // A split of a collection: the collection chose the terms (and capped
      // them, once); this split searches those it holds.
      auto chosen = terms_->Expansion(q);
      if (!chosen.ok()) return chosen.status();
      for (const std::string& term : **chosen) {
        std::string_view v;
        Status s = txn_.Get(storage::Db::kTerms, format::TermKey(q.field(), term), &v);
        if (s.IsNotFound()) continue;
        if (!s.ok()) return s;
        Found f;
        if (!format::DecodeTermInfo(v, &f.info))
          return Status::Corruption("term dictionary entry unreadable; rebuild the index");
        if (f.info.df == 0) continue;
        f.term = term;
        found.push_back(std::move(f));
      }
      return Keep(q, std::move(key), std::move(found));
    }
    for (bool ok = !written && (*cur)->Seek(start); ok; ok = (*cur)->Next()) {
      std::string_view k = (*cur)->key();
      if (k.substr(0, start.size()) != start) break;
      if (++budget_->scanned > budget_->max_scanned) return ScanRefused(q);
      if (format::IsReservedTerm(k.substr(1))) continue;  // sentence marks are no words
      if (fuzzy && !WithinEdits(k.substr(1), q.terms()[0], q.max_edits())) continue;
      Found f;
      if (!format::DecodeTermInfo((*cur)->value(), &f.info))
        return Status::Corruption("term dictionary entry unreadable; rebuild the index");
      if (f.info.df == 0) continue;  // every document with it was deleted
      f.term.assign(k.substr(1));
      found.push_back(std::move(f));
    }
    if (!(*cur)->status().ok()) return (*cur)->status();
    size_t cap = q.max_expansions();
    if (found.size() > cap) {
      std::nth_element(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(cap), found.end(),
                       [](const Found& a, const Found& b) {
                         return a.info.df != b.info.df ? a.info.df > b.info.df : a.term < b.term;
                       });
      if (warnings_)
        warnings_->push_back("'" + q.ToString() + "' matches " + std::to_string(found.size()) + " terms; only the " +
                             std::to_string(cap) + " most frequent were searched (type more of the word to narrow it)");
      found.resize(cap);
    }
    return Keep(q, std::move(key), std::move(found));
  }
  // Keeps a leaf's expansions for the rest of the search, within the budget.
  Result<const std::vector<Found>*> Keep(const Query& q, std::string key, std::vector<Found> found) {
    // In term order, whichever way they were found: a document's score sums
    // its expansions in this order, the same in an index and in a split.
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.term < b.term; });
    found.shrink_to_fit();  // a capped scan may have held far more
    budget_->expansions += found.size();
    if (budget_->expansions > budget_->max_expansions)
      return Refuse("the query expands to more than " + std::to_string(budget_->max_expansions) +
                        " terms, the limit for one query (passed at '" + q.ToString() +
                        "'); make its prefixes and fuzzy words longer or use fewer of them",
                    q);
    uint64_t list_bytes = found.size() * sizeof(Found);
    for (const Found& f : found) list_bytes += f.term.capacity() > 15 ? f.term.capacity() : 0;
    kept_ += list_bytes;  // kept for the whole search, whatever becomes of q's iterators
    if (Status c = Charge(0, q); !c.ok()) return c;
    return &(expansions_[key] = std::move(found));
  }

  uint64_t BitsetBytes() const { return uint64_t{table_.live_bits.size()} * sizeof(uint64_t); }

  // Adds `bytes` to the query's planned memory, or refuses the query (at
  // node `where`) when that passes its limit.
  Status Charge(uint64_t bytes, const Query& where) {
    held_ += bytes;
    budget_->bytes = std::max(budget_->bytes, held_ + kept_);
    if (held_ + kept_ <= budget_->max_bytes) return Status::OK();
    return Refuse("the query would take more than " + FormatBytes(budget_->max_bytes) +
                      " of memory to run, the limit for one query (passed at '" + Shorten(where.ToString()) +
                      "'); search for fewer words, prefixes or parts at once",
                  where);
  }
  // kInvalidArgument, at the words of the query text `where` came from when
  // the planner recorded them.
  static Status Refuse(std::string message, const Query& where) {
    if (where.source_offset() == Query::kNoSource) return Status::InvalidArgument(std::move(message));
    return Status(StatusCode::kInvalidArgument, std::move(message), where.source_offset(), where.source_length());
  }
  static std::string FormatBytes(uint64_t b) {
    if (b >= (uint64_t{1} << 20) && b % (uint64_t{1} << 20) == 0) return std::to_string(b >> 20) + " MiB";
    if (b >= 1024 && b % 1024 == 0) return std::to_string(b >> 10) + " KiB";
    return std::to_string(b) + " bytes";
  }
  // A node's text for a message: an AND or OR of thousands of parts is cut.
  static std::string Shorten(std::string s) {
    if (s.size() > 120) s = s.substr(0, 117) + "...";
    return s;
  }

  // The expansions of a prefix (or fuzzy term) as an OR.
  Result<std::unique_ptr<DocIterator>> Prefix(const Query& q) {
    auto exp = Expand(q);
    if (!exp.ok()) return exp.status();
    const std::vector<Found>& found = **exp;
    std::vector<std::unique_ptr<DocIterator>> ch;
    for (const Found& f : found) {
      if (Status s = Charge(kPlanTermBytes, q); !s.ok()) return s;
      auto c = storage::Cursor::Open(txn_, storage::Db::kPostings, storage::Verify::kNo);
      if (!c.ok()) return c.status();
      auto df = ScoringDf(q.field(), f.term, f.info);
      if (!df.ok()) return df.status();
      auto pc =
          std::make_unique<PostingsCursor>(txn_, table_, stats_, *df, q.field(), f.term, f.info, std::move(*c), error_);
      if (!f.verify) {
        ch.push_back(std::move(pc));
        continue;
      }
      auto analyzer = Analyzer::Create();
      if (!analyzer.ok()) return analyzer.status();
      ch.push_back(std::make_unique<ExactIterator>(std::move(pc), txn_, q.field(), q.terms()[0], false,
                                                   std::move(*analyzer), error_, f.forms));
    }
    if (ch.empty()) return Empty();
    if (ch.size() == 1) return std::move(ch[0]);
    if (ch.size() <= kLinearUnion) return std::unique_ptr<DocIterator>(new OrIterator(std::move(ch)));
    return std::unique_ptr<DocIterator>(new UnionIterator(std::move(ch)));
  }
  // Up to this many expansions an OrIterator (with MaxScore pruning) is faster.
  static constexpr size_t kLinearUnion = 8;

  // Cost model for choosing between iterators and bitsets (arbitrary units,
  // about nanoseconds on this design): iterating costs per document visited,
  // a leapfrog intersection per document of its smallest side and per side;
  // a bitset costs per posting decoded plus per word of the bitset.
  struct Estimate_ {
    double size = 0;         // matches, at most
    double expect = 0;       // matches expected if terms occur independently
    double iter = 0;         // cost with iterators
    double bits = 0;         // cost as a bitset
    bool bitset_ok = false;  // the subtree can be evaluated as a bitset
  };
  Result<Estimate_> Estimate(const Query& q, int depth) {
    if (depth > kMaxDepth) return Status::InvalidArgument("query nested more than 256 levels deep");
    auto known = estimates_.find(&q);
    if (known != estimates_.end()) return known->second;
    const double words = static_cast<double>(table_.live_bits.size());
    Estimate_ e;
    switch (q.kind()) {
      case Query::Kind::kTerm: {
        auto df = Df(q.field(), q.terms()[0]);
        if (!df.ok()) return df.status();
        e.size = static_cast<double>(*df);
        e.expect = e.size;
        e.iter = 3 * e.size;
        e.bits = 1.5 * e.size + 0.25 * words;
        e.bitset_ok = true;
        break;
      }
      case Query::Kind::kPrefix:
      case Query::Kind::kFuzzy: {
        auto exp = Expand(q);
        if (!exp.ok()) return exp.status();
        e.bitset_ok = true;
        for (const Found& f : **exp) {
          e.size += f.info.df;
          e.bitset_ok = e.bitset_ok && !f.verify;  // checked against the stored text: iterators only
        }
        e.expect = std::min(e.size, static_cast<double>(table_.live_docs));
        e.iter = 3 * e.size * (1 + std::log2(1.0 + static_cast<double>((*exp)->size())));
        e.bits = 1.5 * e.size + 0.25 * words;
        break;
      }
      case Query::Kind::kBoost:
      case Query::Kind::kAndMaybe: {  // the matches are the first child's
        auto ce = Estimate(q.children()[0], depth + 1);
        if (!ce.ok()) return ce.status();
        e = *ce;
        break;
      }
      case Query::Kind::kAll:
        e.size = static_cast<double>(table_.live_docs);
        e.expect = e.size;
        e.iter = 2 * e.size;
        e.bits = 0.5 * words;
        e.bitset_ok = true;
        break;
      case Query::Kind::kOr: {
        e.bitset_ok = true;
        for (const Query& c : q.children()) {
          auto ce = Estimate(c, depth + 1);
          if (!ce.ok()) return ce.status();
          e.size += ce->size;
          e.expect += ce->expect;
          e.iter += ce->iter;
          e.bits += ce->bits + 0.5 * words;
          e.bitset_ok = e.bitset_ok && ce->bitset_ok;
        }
        e.iter += 4 * e.size * static_cast<double>(q.children().size());
        e.expect = std::min(e.expect, static_cast<double>(table_.live_docs));
        break;
      }
      case Query::Kind::kAnd: {
        e.bitset_ok = true;
        double smallest = -1;
        double all = std::max(1.0, static_cast<double>(table_.live_docs));
        e.expect = all;
        size_t sides = 0, positive = 0;
        for (const Query& c : q.children()) {
          bool negated = c.kind() == Query::Kind::kNot;
          auto ce = Estimate(negated ? c.children()[0] : c, depth + 1);
          if (!ce.ok()) return ce.status();
          if (!negated) {
            smallest = smallest < 0 ? ce->size : std::min(smallest, ce->size);
            e.expect *= std::min(1.0, ce->expect / all);
            ++positive;
          }
          ++sides;
          e.bits += ce->bits + 0.5 * words;
          e.bitset_ok = e.bitset_ok && ce->bitset_ok;
        }
        e.bitset_ok = e.bitset_ok && positive > 0;
        e.size = std::max(smallest, 0.0);
        e.iter = 12 * e.size * static_cast<double>(sides);
        break;
      }
      default:  // phrases, date ranges, a NOT of its own: iterators only
        e.size = static_cast<double>(table_.live_docs);
        e.expect = e.size;
        e.iter = e.size;
        break;
    }
    estimates_[&q] = e;
    return e;
  }

  // Document frequency of a term (0 if absent).
  Result<uint64_t> Df(Field f, const std::string& term) {
    std::string_view v;
    Status s = txn_.Get(storage::Db::kTerms, format::TermKey(f, term), &v);
    if (s.IsNotFound()) return uint64_t{0};
    if (!s.ok()) return s;
    format::TermInfo info;
    if (!format::DecodeTermInfo(v, &info))
      return Status::Corruption("term dictionary entry unreadable; rebuild the index");
    return uint64_t{info.df};
  }

  // The live documents of `q` (a subtree Estimate found bitset_ok).
  Result<std::unique_ptr<DocIterator>> MaterializedIterator(const Query& q) {
    if (Status c = Charge(BitsetBytes(), q); !c.ok()) return c;
    std::vector<uint64_t> bits(table_.live_bits.size(), 0);
    Status s = Materialize(q, &bits);
    if (!s.ok()) return s;
    for (size_t i = 0; i < bits.size(); ++i) bits[i] &= table_.live_bits[i];
    return std::unique_ptr<DocIterator>(new BitsetIterator(std::move(bits)));
  }

  // ORs the documents of `q` (a subtree Estimate found bitset_ok) into *bits.
  // Liveness is applied by the caller, once.
  Status Materialize(const Query& q, std::vector<uint64_t>* bits) {
    switch (q.kind()) {
      case Query::Kind::kTerm:
        return AddPostings(q.field(), q.terms()[0], bits);
      case Query::Kind::kPrefix:
      case Query::Kind::kFuzzy: {
        auto exp = Expand(q);
        if (!exp.ok()) return exp.status();
        for (const Found& f : **exp) {
          Status s = AddPostings(q.field(), f.term, bits);
          if (!s.ok()) return s;
        }
        return Status::OK();
      }
      case Query::Kind::kAll:
        for (uint64_t& w : *bits) w = ~uint64_t{0};
        return Status::OK();
      case Query::Kind::kBoost:
      case Query::Kind::kAndMaybe:
        return Materialize(q.children()[0], bits);
      case Query::Kind::kOr:
        for (const Query& c : q.children()) {
          Status s = Materialize(c, bits);  // ORing into the same bitset is the union
          if (!s.ok()) return s;
        }
        return Status::OK();
      case Query::Kind::kAnd: {
        if (Status c = Charge(2 * BitsetBytes(), q); !c.ok()) return c;
        const uint64_t held = held_ - 2 * BitsetBytes();  // acc and tmp are freed on return
        struct Release {
          uint64_t* at;
          uint64_t to;
          ~Release() { *at = to; }
        } release{&held_, held};
        std::vector<uint64_t> acc(bits->size(), 0), tmp(bits->size());
        bool first = true;
        for (const Query& c : q.children()) {  // positive sides first
          if (c.kind() == Query::Kind::kNot) continue;
          if (first) {
            Status s = Materialize(c, &acc);
            if (!s.ok()) return s;
            first = false;
            continue;
          }
          tmp.assign(tmp.size(), 0);
          Status s = Materialize(c, &tmp);
          if (!s.ok()) return s;
          for (size_t i = 0; i < acc.size(); ++i) acc[i] &= tmp[i];
        }
        for (const Query& c : q.children()) {
          if (c.kind() != Query::Kind::kNot) continue;
          tmp.assign(tmp.size(), 0);
          Status s = Materialize(c.children()[0], &tmp);
          if (!s.ok()) return s;
          for (size_t i = 0; i < acc.size(); ++i) acc[i] &= ~tmp[i];
        }
        for (size_t i = 0; i < acc.size(); ++i) (*bits)[i] |= acc[i];
        return Status::OK();
      }
      default:
        return Status::Internal("query node cannot be evaluated as a bitset");
    }
  }

  // Sets the bit of every document in the term's postings (no liveness check).
  Status AddPostings(Field f, const std::string& term, std::vector<uint64_t>* bits) {
    const std::string prefix = format::BlockKeyPrefix(f, term);
    auto cur = storage::Cursor::Open(txn_, storage::Db::kPostings, storage::Verify::kNo);
    if (!cur.ok()) return cur.status();
    uint32_t docs[format::kBlockSize];
    const uint64_t limit = uint64_t{bits->size()} * 64;
    for (bool ok = (*cur)->Seek(prefix); ok; ok = (*cur)->Next()) {
      std::string_view k = (*cur)->key();
      if (k.size() != prefix.size() + 4 || k.compare(0, prefix.size(), prefix) != 0) break;
      format::BlockHeader h;
      if (!format::DecodePostingsDocs((*cur)->value(), &h, docs))
        return Status::Corruption("postings block of a term is unreadable; rebuild the index");
      for (uint32_t i = 0; i < h.n; ++i)
        if (docs[i] < limit) (*bits)[docs[i] >> 6] |= uint64_t{1} << (docs[i] & 63);
    }
    return (*cur)->status();
  }

  // nullptr (and OK) when the term is not in the index.
  // `where` is the query node searching it, named when a limit is passed.
  Result<std::unique_ptr<PostingsCursor>> Postings(Field f, const std::string& term, const Query& where) {
    std::string_view v;
    Status s = txn_.Get(storage::Db::kTerms, format::TermKey(f, term), &v);
    if (s.IsNotFound()) return std::unique_ptr<PostingsCursor>();
    if (!s.ok()) return s;
    format::TermInfo info;
    if (!format::DecodeTermInfo(v, &info))
      return Status::Corruption("term dictionary entry unreadable; rebuild the index");
    if (Status c = Charge(kPlanTermBytes, where); !c.ok()) return c;
    auto df = ScoringDf(f, term, info);
    if (!df.ok()) return df.status();
    auto cur = storage::Cursor::Open(txn_, storage::Db::kPostings, storage::Verify::kNo);
    if (!cur.ok()) return cur.status();
    return std::make_unique<PostingsCursor>(txn_, table_, stats_, *df, f, term, info, std::move(*cur), error_);
  }
  // The document frequency a term is scored with: the collection's, or the index's own.
  Result<uint64_t> ScoringDf(Field f, const std::string& term, const format::TermInfo& info) {
    if (!terms_) return uint64_t{info.df};
    return terms_->Df(f, term);
  }

  const storage::Txn& txn_;
  const DocTable& table_;
  const ScoringStats& stats_;
  TermStatistics* terms_;  // null: the index's own
  bool scoring_;
  Status* error_;
  std::vector<std::string>* warnings_;
  PlanBudget own_budget_;
  PlanBudget* budget_;
  uint64_t held_ = 0;  // estimated bytes of the iterators and bitsets now held
  uint64_t kept_ = 0;  // estimated bytes of the expansion lists
  std::unordered_map<std::string, std::vector<Found>> expansions_;
  std::unordered_map<const Query*, Estimate_> estimates_;
};

}  // namespace

// LMDB's cursor (a stack of 32 page pointers and indexes, with the wrapper
// around it), rounded up.
constexpr uint64_t kLmdbCursorBytes = 512;
// A term's cursor on postings and the one on positions a phrase opens, and
// the heap strings it keeps (field, term, block keys).
const uint64_t kPlanTermBytes = sizeof(PostingsCursor) + 2 * kLmdbCursorBytes + 128;

Result<std::unique_ptr<DocIterator>> BuildIterator(const Query& query, const storage::Txn& txn, const DocTable& table,
                                                   bool scoring, Status* error, std::vector<std::string>* warnings,
                                                   PlanBudget* budget, const ScoringContext* context) {
  Builder b(txn, table, scoring, error, warnings, budget, context);
  return b.Build(query, 0);
}

Result<std::vector<std::pair<std::string, uint64_t>>> ExpandTerms(const Query& query, const storage::Txn& txn,
                                                                  const DocTable& table,
                                                                  std::vector<std::string>* warnings) {
  if (query.kind() != Query::Kind::kPrefix && query.kind() != Query::Kind::kFuzzy)
    return Status::InvalidArgument("only prefix and fuzzy queries expand to terms");
  Status error;
  Builder b(txn, table, false, &error, warnings, nullptr);
  return b.Expansions(query);
}

Result<std::vector<std::pair<std::string, uint64_t>>> ExpandWords(const Query& query, const storage::Txn& txn,
                                                                  const DocTable& table) {
  if (query.kind() != Query::Kind::kPrefix && query.kind() != Query::Kind::kFuzzy)
    return Status::InvalidArgument("only prefix and fuzzy queries expand to words");
  Status error;
  Builder b(txn, table, false, &error, nullptr, nullptr);
  if (!Analyzer::IsStemmed(query.field()))  // its terms are the folded words
    return b.Expansions(Query::Kind::kPrefix == query.kind()
                            ? Query::Prefix(query.field(), query.terms()[0], UINT32_MAX)
                            : Query::Fuzzy(query.field(), query.terms()[0], query.max_edits(), UINT32_MAX));
  return b.WrittenForms(query);
}

}  // namespace loupe
