// PostingsCursor: the leaf of every iterator tree, one term's postings read
// block by block through an LMDB cursor, with its BM25 score, its block-max
// bounds and, for phrases, its positions. A header of its own because the
// phrase iterators (phrase_iterators.h) and the planner (plan.cc) both hold
// cursors, and its members stay defined in the class so that they inline
// where the iterators call them.
#ifndef LOUPE_SEARCH_POSTINGS_CURSOR_H_
#define LOUPE_SEARCH_POSTINGS_CURSOR_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/format.h"
#include "loupe/document.h"
#include "loupe/status.h"
#include "search/doc_table.h"
#include "search/iterators.h"
#include "storage/lmdb.h"

// Hidden: these classes were local to one file before the split, and calls
// between their members stay direct calls within libloupe (not through the
// PLT), so that they inline and cost as they did.
#pragma GCC visibility push(hidden)
namespace loupe::search_internal {

// Walks one term's postings blocks through an LMDB cursor. Deleted documents are
// skipped here, so every iterator above sees live documents only.
class PostingsCursor final : public DocIterator {
 public:
  // `stats` and `df` are what the term is scored with: the index's own, or
  // those of the collection the index is a split of.
  PostingsCursor(const storage::Txn& txn, const DocTable& table, const ScoringStats& stats, uint64_t df, Field field,
                 const std::string& term, const format::TermInfo& info, std::unique_ptr<storage::Cursor> cursor,
                 Status* error, DeadlineCheck* deadline = nullptr)
      : txn_(txn),
        table_(table),
        stats_(stats),
        df_(df),
        field_(field),
        term_(term),
        prefix_(format::BlockKeyPrefix(field, term)),
        info_(info),
        cursor_(std::move(cursor)),
        error_(error),
        deadline_(deadline) {
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
  // The term's highest frequency in a document (0: not recorded) and the
  // shortest field holding it, over all its postings: what MaxScore bounds.
  uint32_t max_tf() const { return info_.max_tf; }
  uint32_t min_length() const { return info_.min_length; }
  // The current document's frequency of the term.
  uint32_t Tf() { return Tfs()[idx_]; }

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
      if (deadline_ && deadline_->Passed()) {  // ends every iterator above, and the search
        Fail(DeadlineCheck::Exceeded());
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
  DeadlineCheck* deadline_;
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

}  // namespace loupe::search_internal
#pragma GCC visibility pop

#endif  // LOUPE_SEARCH_POSTINGS_CURSOR_H_
