// Writer::Commit: the batch written in one LMDB write transaction (see
// docs/architecture.md, "The writer pipeline"): the retired documents and
// their statistics, the new documents' values, the terms merged with the
// spilled runs in key order, the compressed stored-document blocks, the
// state record; redone on a grown map when LMDB's map is full. Separate from
// writer.cc, which builds the batch that this writes.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "db/index_impl.h"
#include "db/writer.h"
#include "index/analysis_record.h"
#include "index/doc_store.h"
#include "index/format.h"
#include "index/spill.h"
#include "storage/lmdb.h"
#include "util/key_order.h"

namespace loupe::db_internal {
namespace {

// Writing a batch reads the last block of each of its terms through the map:
// at a million articles, pages all over the index. The file pages this
// process holds are checked every kCheckMappedEveryTerms terms and let go
// above kMappedBudget (a page read again is a minor fault from the page
// cache). Without it a build of a million articles held 0.5 GB of them at the
// peak of each commit.
constexpr size_t kCheckMappedEveryTerms = 1024;
constexpr uint64_t kMappedBudget = uint64_t{128} << 20;

// The docvals blocks (format.h) of the documents a commit retires: each block
// is read once, the retired documents taken out, and every changed block
// written back (or deleted, when no live document is left in it) by Flush.
class RetiredValues {
 public:
  // *values and *found for doc, which is taken out of its block.
  Status Take(Txn* txn, uint32_t doc, format::DocValues* values, bool* found) {
    *found = false;
    const uint32_t first = format::DocValuesBlockOf(doc);
    auto it = blocks_.find(first);
    if (it == blocks_.end()) {
      std::vector<format::DocValuesEntry> entries;
      std::string_view v;
      Status s = txn->Get(Db::kDocvals, format::DocKey(first), &v);
      if (s.ok() && !format::DecodeDocValuesBlock(first, v, &entries))
        return Status::Corruption("document values unreadable; rebuild the index");
      if (!s.ok() && !s.IsNotFound()) return s;
      it = blocks_.emplace(first, std::move(entries)).first;
    }
    auto& entries = it->second;
    auto e = std::lower_bound(entries.begin(), entries.end(), doc,
                              [](const format::DocValuesEntry& x, uint32_t d) { return x.doc < d; });
    if (e == entries.end() || e->doc != doc) return Status::OK();
    *values = e->values;
    *found = true;
    entries.erase(e);
    return Status::OK();
  }

  Status Flush(Txn* txn) {
    std::string value;
    for (const auto& [first, entries] : blocks_) {  // a std::map: in key order
      Status s;
      if (entries.empty()) {
        s = txn->Del(Db::kDocvals, format::DocKey(first));
        if (s.IsNotFound()) s = Status::OK();
      } else {
        format::EncodeDocValuesBlock(entries.data(), entries.size(), &value);
        s = txn->Put(Db::kDocvals, format::DocKey(first), value);
      }
      if (!s.ok()) return s;
    }
    blocks_.clear();
    return Status::OK();
  }

 private:
  std::map<uint32_t, std::vector<format::DocValuesEntry>> blocks_;
};

// The new documents' values, given in increasing id order (all above the
// committed ids), written a block at a time; the first block may already
// hold committed documents, whose entries are kept.
class NewValues {
 public:
  Status Add(Txn* txn, uint32_t doc, const format::DocValues& values) {
    const uint32_t first = format::DocValuesBlockOf(doc);
    if (open_ && first != first_) {
      if (first < first_) return Status::Internal("document values out of order");
      Status s = Write(txn);
      if (!s.ok()) return s;
    }
    if (!open_) {
      open_ = true;
      first_ = first;
      entries_.clear();
      std::string_view v;
      Status s = txn->Get(Db::kDocvals, format::DocKey(first), &v);
      existed_ = s.ok();
      if (s.ok() && !format::DecodeDocValuesBlock(first, v, &entries_))
        return Status::Corruption("document values unreadable; rebuild the index");
      if (!s.ok() && !s.IsNotFound()) return s;
    }
    if (!entries_.empty() && entries_.back().doc >= doc) return Status::Internal("document values out of order");
    entries_.push_back({doc, values});
    return Status::OK();
  }
  Status Finish(Txn* txn) { return open_ ? Write(txn) : Status::OK(); }

 private:
  Status Write(Txn* txn) {
    open_ = false;
    format::EncodeDocValuesBlock(entries_.data(), entries_.size(), &value_);
    // Keys only grow, so a block not in the table yet goes after every key.
    return txn->Put(Db::kDocvals, format::DocKey(first_), value_, !existed_);
  }
  bool open_ = false, existed_ = false;
  uint32_t first_ = 0;
  std::vector<format::DocValuesEntry> entries_;
  std::string value_;
};

}  // namespace

Status WriterImpl::WriteTerm(Txn* txn, const std::string& term_key, const TermBatch* batch, const Retired* retired,
                             bool append) {
  Field f = static_cast<Field>(term_key[0]);
  std::string_view term = std::string_view(term_key).substr(1);
  format::TermInfo info;
  std::string_view v;
  // Appending means the dictionary was empty when the batch began: no lookup.
  Status s = append ? Status::NotFound("") : txn->Get(Db::kTerms, term_key, &v);
  bool existed = s.ok();
  if (existed && !format::DecodeTermInfo(v, &info))
    return Status::Corruption("term dictionary entry unreadable; rebuild the index");
  if (!s.ok() && !s.IsNotFound()) return s;
  // Postings of retired documents stay until compaction (the tombstone hides
  // them); statistics forget them now, so that BM25 scores do not drift.
  auto forget_retired = [&] {
    if (!retired) return;
    info.df -= std::min(info.df, retired->df);
    info.cf -= std::min(info.cf, retired->cf);
  };
  if (!batch) {
    if (!existed) return Status::OK();
    forget_retired();
    return txn->Put(Db::kTerms, term_key, format::EncodeTermInfo(info), false);
  }
  const TermBatch& b = *batch;

  // New postings, possibly preceded by the term's last partial block, which is
  // decoded and rewritten with them.
  const uint32_t* docs = b.docs.data();
  const uint32_t* tfs = b.tfs.data();
  const uint32_t* positions = b.positions.data();
  size_t count = b.docs.size();
  uint32_t old_min_length = UINT32_MAX;
  if (existed && info.blocks > 0) {
    auto cur = storage::Cursor::Open(*txn, Db::kPostings);
    if (!cur.ok()) return cur.status();
    std::string prefix = format::BlockKeyPrefix(f, term);
    bool found = (*cur)->Seek(format::BlockKey(f, term, UINT32_MAX));
    bool prev = found ? (*cur)->Prev() : (*cur)->Last();
    if (prev && (*cur)->key().size() == prefix.size() + 4 && (*cur)->key().substr(0, prefix.size()) == prefix) {
      format::BlockHeader h;
      if (!format::DecodeBlockHeader((*cur)->value(), &h))
        return Status::Corruption("postings block unreadable; rebuild the index");
      if (h.n < format::kBlockSize) {
        uint32_t od[format::kBlockSize], ot[format::kBlockSize];
        std::string key((*cur)->key());
        std::string_view pv;
        Status ps = txn->Get(Db::kPositions, key, &pv);
        if (!format::DecodePostingsBlock((*cur)->value(), &h, od, ot) || !ps.ok() ||
            !format::DecodePositionsBlock(pv, ot, h.n, &merged_positions_))
          return Status::Corruption("postings or positions block unreadable; rebuild the index");
        merged_docs_.assign(od, od + h.n);
        merged_tfs_.assign(ot, ot + h.n);
        merged_docs_.insert(merged_docs_.end(), b.docs.begin(), b.docs.end());
        merged_tfs_.insert(merged_tfs_.end(), b.tfs.begin(), b.tfs.end());
        merged_positions_.insert(merged_positions_.end(), b.positions.begin(), b.positions.end());
        docs = merged_docs_.data();
        tfs = merged_tfs_.data();
        positions = merged_positions_.data();
        count = merged_docs_.size();
        old_min_length = h.min_length;
        info.blocks -= 1;  // rewritten below
      }
    } else if (!(*cur)->status().ok()) {
      return (*cur)->status();
    }
  }

  const uint32_t* lengths = batch_lengths_[static_cast<int>(f)].data();
  size_t pos_at = 0;
  for (size_t i = 0; i < count; i += format::kBlockSize) {
    size_t n = std::min(format::kBlockSize, count - i);
    uint32_t min_length = UINT32_MAX;
    size_t npos = 0;
    for (size_t k = i; k < i + n; ++k) {
      npos += tfs[k];
      uint32_t len = docs[k] < base_doc_ ? old_min_length : lengths[docs[k] - base_doc_];
      min_length = std::min(min_length, len);
    }
    format::EncodePostingsBlock(docs + i, tfs + i, n, min_length, &block_);
    info.min_length = std::min(info.min_length, min_length);
    for (size_t k = i; k < i + n; ++k) info.max_tf = std::max(info.max_tf, tfs[k]);
    format::EncodePositionsBlock(tfs + i, n, positions + pos_at, &pos_block_);
    pos_at += npos;
    std::string key = format::BlockKey(f, term, docs[i]);
    Status ws = txn->Put(Db::kPostings, key, block_, append);
    if (ws.ok()) ws = txn->Put(Db::kPositions, key, pos_block_, append);
    if (!ws.ok()) return ws;
    info.blocks += 1;
  }
  info.df += static_cast<uint32_t>(b.docs.size());
  for (uint32_t tf : b.tfs) info.cf += tf;
  forget_retired();
  return txn->Put(Db::kTerms, term_key, format::EncodeTermInfo(info), append);
}

Status WriterImpl::WriteBatch(Txn* txn, format::IndexState* st) {
  Status s = ReadState(*txn, st);
  if (!s.ok()) return s;
  if (st->next_doc != base_doc_) return Status::Internal("index changed under the write lock");

  // Replacements and deletions: retire the committed document with each id.
  RetiredMap retired = retired_pending_;  // a copy: this attempt may be redone
  RetiredValues retired_values;
  forms::FormCounts retired_forms = retired_forms_pending_;
  format::DocBlockReader old_docs;
  // The batch's ids in key order, with their queued doc ids (0: deleted).
  struct Queued {
    KeyPrefix prefix;
    std::string_view id;
    uint32_t doc;
  };
  std::vector<Queued> queued;
  queued.reserve(queued_docs_.size());
  for (uint32_t k = 0; k < queued_docs_.size(); ++k)
    queued.push_back({KeyPrefix(QueuedId(k)), QueuedId(k), queued_docs_[k]});
  std::sort(queued.begin(), queued.end(),
            [](const Queued& a, const Queued& b) { return KeyLess(a.prefix, a.id, b.prefix, b.id); });
  // Into an empty id table (a new index): nothing to retire or look up, and
  // the keys go in order, appended.
  auto ids_count = txn->Count(Db::kIds);
  if (!ids_count.ok()) return ids_count.status();
  const bool ids_fresh = *ids_count == 0;
  for (const Queued& q : queued) {
    const std::string_view id = q.id;
    const uint32_t now = q.doc;
    if (ids_fresh) {
      if (now && !(s = txn->Put(Db::kIds, id, format::DocKey(now), true)).ok()) return s;
      continue;
    }
    std::string_view v;
    s = txn->Get(Db::kIds, id, &v);
    if (s.ok()) {
      if (v.size() != 4) return Status::Corruption("id table entry unreadable; rebuild the index");
      uint32_t old = format::DecodeFixed32BE(v.data());
      std::string key = format::DocKey(old);
      std::string_view sv;
      Document old_doc;
      Status r = old_docs.Read(*txn, old, &sv);
      if (r.ok() && format::DecodeStoredDoc(sv, &old_doc)) Retire(old_doc, &retired, &retired_forms);
      format::DocValues values;
      bool was_live;
      if (!(s = retired_values.Take(txn, old, &values, &was_live)).ok()) return s;
      if (was_live) {
        for (int f = 0; f < kNumFields; ++f)
          st->total_lengths[f] -= std::min<uint64_t>(st->total_lengths[f], values.lengths[f]);
        if (st->live_docs > 0) st->live_docs -= 1;
      }
      // Its stored fields stay in their block until compaction.
      if (!(s = txn->Put(Db::kDeleted, key, "")).ok()) return s;
    } else if (!s.IsNotFound()) {
      return s;
    }
    if (now) {
      std::string dk = format::DocKey(now);
      s = txn->Put(Db::kIds, id, dk);
    } else {
      s = txn->Del(Db::kIds, id);
      if (s.IsNotFound()) s = Status::OK();
    }
    if (!s.ok()) return s;
  }

  if (!(s = retired_values.Flush(txn)).ok()) return s;

  // New documents; a queued document superseded by a later one with the same id
  // is skipped (its postings are written but it never becomes live).
  // By doc id less base_doc_: whether the batch's document is the live one
  // of its id.
  std::vector<char> live_new(next_doc_ - base_doc_, 0);
  for (uint32_t d : queued_docs_)
    if (d) live_new[d - base_doc_] = 1;
  auto is_live_new = [&](uint32_t d) { return live_new[d - base_doc_] != 0; };
  // Stored documents go into blocks that another thread builds and compresses
  // while this one writes the postings (so that the batch's text is not held
  // a second time, uncompressed, in blocks); the blocks are put last (their
  // table is separate).
  PackedBlocks packed(docs_, [&](const PendingDoc& p) { return is_live_new(p.doc); });
  NewValues new_values;
  for (const PendingDoc& p : docs_) {
    if (!is_live_new(p.doc)) continue;
    if (!(s = new_values.Add(txn, p.doc, p.values)).ok()) return s;
    st->live_docs += 1;
    for (int f = 0; f < kNumFields; ++f) st->total_lengths[f] += p.values.lengths[f];
  }
  if (!(s = new_values.Finish(txn)).ok()) return s;

  // The written forms, before the terms (which they read as they were).
  if (!(s = forms_.Write(txn, retired_forms)).ok()) return s;

  // Postings, in key order (MDB_APPEND when the tables start empty).
  auto terms_count = txn->Count(Db::kTerms);
  if (!terms_count.ok()) return terms_count.status();
  bool append = *terms_count == 0;
  // Every key once: the batch's terms, then retired terms the batch lacks.
  struct Item {
    std::string_view key;
    const TermStream* batch;
  };
  std::vector<Item> items;
  items.reserve(terms_.size() + retired.size());
  for (uint32_t id = 0; id < terms_.size(); ++id) items.push_back({term_ids_.key(id), &terms_[id]});
  std::unordered_map<std::string_view, bool> in_batch;
  if (!retired.empty()) {
    for (const Item& it : items) in_batch[it.key] = true;
    for (const auto& [k, r] : retired)
      if (!in_batch.count(k)) items.push_back({k, nullptr});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.key < b.key; });
  // Merged with the spilled runs: a term's postings are concatenated run by
  // run, then from memory, which is doc order.
  std::vector<std::unique_ptr<RunReader>> readers;
  for (const Run& r : runs_) {
    auto rd = std::make_unique<RunReader>(spill_.get(), r.begin, r.end);
    if (rd->Next())
      readers.push_back(std::move(rd));
    else if (!rd->status().ok())
      return rd->status();
  }
  for (auto& l : batch_lengths_) l.resize(docs_.size());
  for (size_t i = 0; i < docs_.size(); ++i)
    for (int f = 0; f < kNumFields; ++f) batch_lengths_[f][i] = docs_[i].values.lengths[f];
  struct ReleaseLengths {  // however WriteBatch returns
    std::vector<uint32_t>* lengths;
    ~ReleaseLengths() {
      for (int f = 0; f < kNumFields; ++f) std::vector<uint32_t>().swap(lengths[f]);
    }
  } release_lengths{batch_lengths_};
  TermBatch combined;
  auto add = [&](const std::vector<uint32_t>& d, const std::vector<uint32_t>& t, const std::vector<uint32_t>& p) {
    combined.docs.insert(combined.docs.end(), d.begin(), d.end());
    combined.tfs.insert(combined.tfs.end(), t.begin(), t.end());
    combined.positions.insert(combined.positions.end(), p.begin(), p.end());
  };
  std::string key;
  size_t mi = 0;
  size_t written = 0;
  for (;;) {
    if (++written % kCheckMappedEveryTerms == 0) index_->env()->ReleaseMappedPagesAbove(kMappedBudget);
    bool have = mi < items.size();
    std::string_view k = have ? items[mi].key : std::string_view();
    for (const auto& rd : readers)
      if (rd && (!have || rd->key() < k)) {
        k = rd->key();
        have = true;
      }
    if (!have) break;
    key.assign(k);
    combined.docs.clear();
    combined.tfs.clear();
    combined.positions.clear();
    bool spilled = false;
    for (auto& rd : readers) {
      if (!rd || rd->key() != key) continue;
      add(rd->docs(), rd->tfs(), rd->positions());
      spilled = true;
      if (!rd->Next()) {
        if (!rd->status().ok()) return rd->status();
        rd.reset();
      }
    }
    const TermBatch* batch = spilled ? &combined : nullptr;
    if (mi < items.size() && items[mi].key == key) {
      if (items[mi].batch) {
        DecodeStream(*items[mi].batch, &decoded_);
        if (spilled)
          add(decoded_.docs, decoded_.tfs, decoded_.positions);
        else
          batch = &decoded_;
      }
      ++mi;
    }
    const Retired* r = nullptr;
    if (!retired.empty()) {
      auto f = retired.find(key);
      if (f != retired.end()) r = &f->second;
    }
    s = WriteTerm(txn, key, batch, r, append && batch);
    if (!s.ok()) return s;
  }

  if (!(s = packed.Wait()).ok()) return s;
  std::string value;
  for (const SpilledBlock& b : spilled_blocks_) {  // all before the blocks in memory
    if (!(s = spill_->Read(b.offset, b.length, &value)).ok()) return s;
    if (!(s = txn->Put(Db::kDocs, format::DocKey(b.first_doc), value, true)).ok()) return s;
  }
  for (size_t i = 0; i < packed.blocks.size(); ++i)
    if (!(s = txn->Put(Db::kDocs, format::DocKey(packed.first_docs[i]), packed.blocks[i], true)).ok()) return s;

  st->next_doc = next_doc_;
  st->generation += 1;
  for (const auto& [key, value] : metadata_) {
    Status m = value.empty() ? txn->Del(Db::kUser, key) : txn->Put(Db::kUser, key, value);
    if (!m.ok() && !(value.empty() && m.IsNotFound())) return m;
  }
  // After the application's own metadata, which it amends. An index created
  // to fold diacritics records so at its first commit, documents or not: the
  // setting is fixed from then on (Index::Open reads it back).
  const bool fold = index_->analyzer_options().fold_diacritics;
  if (!languages_.empty() || (fold && st->generation == 1))
    if (Status a = MergeAnalysisRecord(txn, languages_, fold, base_doc_ > 1); !a.ok()) return a;
  return txn->Put(Db::kMeta, format::kMetaStateKey, format::EncodeIndexState(*st));
}

Status WriterImpl::DoCommit() {
  Status drained = Drain(true);
  if (!drained.ok()) return drained;
  if (!failed_.ok()) return failed_;
  if (ops_ == 0 && committed_) return Status::OK();
  if (index_->env()->Replaced())
    return Status::IOError("index " + index_->dir() +
                           " was compacted or replaced by another process; this batch was not written (open the index "
                           "again)");
  // A large batch gets room up front, sized by what it holds in memory and on
  // disk (both larger than what it adds to the index, except for batches of
  // many rare terms): growing after MDB_MAP_FULL means doing the whole batch
  // again. For small batches that redo is cheap and stays the only mechanism.
  uint64_t pending = uint64_t{batch_bytes_} + (spill_ ? spill_->size() : 0);
  if (pending >= kReserveAbove) {
    Status reserved = index_->env()->Reserve(pending + pending / 4);
    if (!reserved.ok()) return reserved;
  }
  for (int attempt = 0; attempt < 40; ++attempt) {
    auto txn = Txn::Begin(index_->env(), true);
    if (!txn.ok()) return txn.status();
    format::IndexState st;
    Status s = WriteBatch(txn->get(), &st);
    if (s.ok()) s = (*txn)->Commit();
    if (s.ok()) {
      ClearBatch();
      base_doc_ = next_doc_;
      committed_ = true;
      // A large commit read and copied pages all over the index through the
      // map, and they would stay counted in this process's memory (a build
      // of a million articles held 1.1 GB of them): let them go. They stay
      // in the kernel's page cache, so a page read again is a minor fault.
      txn->reset();
      if (pending >= kReserveAbove)
        index_->env()->ReleaseMappedPages();
      else
        index_->env()->ReleaseMappedPagesAbove(kMappedBudget);
      return s;
    }
    bool full = (*txn)->map_full();
    (*txn)->Abort();
    txn->reset();
    if (!full) return s;
    Status g = index_->env()->Grow();  // then redo the whole batch
    if (!g.ok()) return g;
  }
  return Status::IOError("commit: the index map could not be grown enough");
}

}  // namespace loupe::db_internal
