// WriterImpl, the Writer of loupe/index.h: the batch of queued changes, the
// analysis ring and its worker threads, and the spill files. A private header
// shared by writer.cc (adding, analysis, inversion, spilling, rollback, and
// IndexImpl::NewWriter, which makes a writer) and commit.cc (writing the batch
// in one transaction), which are separate because a commit is a concern of
// its own: the order of the writes, the map growing, the retired statistics.
#ifndef LOUPE_DB_WRITER_H_
#define LOUPE_DB_WRITER_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "db/index_impl.h"
#include "index/doc_store.h"
#include "index/format.h"
#include "index/forms.h"
#include "index/spill.h"
#include "index/term_table.h"
#include "loupe/analyzer.h"
#include "loupe/index.h"
#include "loupe/tagger.h"
#include "storage/lmdb.h"
#include "util/guard.h"

// Hidden: these were local to index_impl.cc before the split, and calls
// between them stay direct calls within libloupe (not through the PLT).
#pragma GCC visibility push(hidden)
namespace loupe::db_internal {

// A batch of queued changes, inverted in memory as documents arrive so that
// Commit only writes. Doc ids are assigned at Add: the writer holds the index
// lock, so no other commit can take them.
//
// Analysis runs on worker threads: Add copies the document into a ring of
// slots and returns; workers analyze slots in any order; the caller's thread
// inverts finished slots strictly in doc id order (postings must be appended in
// order), the next time it calls Add, or when Commit drains the ring.
class WriterImpl final : public Writer {
 public:
  // `taggers`: none (IndexOptions::tagging off), or one for each worker and
  // one more for the caller's thread.
  WriterImpl(IndexImpl* index, int lock_fd, uint32_t next_doc, bool committed, size_t memory,
             std::unique_ptr<Analyzer> analyzer, std::vector<std::unique_ptr<Analyzer>> workers,
             std::vector<std::unique_ptr<Tagger>> taggers)
      : index_(index),
        lock_fd_(lock_fd),
        base_doc_(next_doc),
        next_doc_(next_doc),
        memory_(memory),
        analyzer_(std::move(analyzer)),
        slots_(kRing) {
    committed_ = committed;
    if (!taggers.empty()) {
      tagger_ = std::move(taggers.back());
      taggers.pop_back();
    }
    for (size_t i = 0; i < workers.size(); ++i)
      threads_.emplace_back(
          [this, an = std::move(workers[i]), tg = i < taggers.size() ? std::move(taggers[i]) : nullptr]() mutable {
            Work(*an, tg.get());
          });
  }
  ~WriterImpl() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  }

  Status Add(const Document& doc) override {
    return Guard([&] { return DoAdd(doc); });
  }
  Status Delete(const std::string& id) override {
    return Guard([&] { return DoDelete(id); });
  }
  Status Commit() override {
    return Guard([&] { return DoCommit(); });
  }
  void Rollback() override;
  size_t pending() const override { return ops_; }
  // The memory the batch holds (an estimate), and writing it out to a run
  // now: a collection's writer keeps its splits' batches together within
  // one budget (IndexOptions::writer_memory_bytes), so that a hundred splits
  // do not each hold a budget's worth.
  size_t batch_bytes() const { return batch_bytes_; }
  Status SpillBatch() {
    return Guard([&] { return batch_bytes_ ? Spill() : Status::OK(); });
  }
  Status SetMetadata(std::string_view key, std::string_view value) override {
    return Guard([&] {
      if (key.empty() || key.size() > kMaxIdBytes)
        return Status::InvalidArgument("metadata key is " + std::to_string(key.size()) + " bytes; it must be 1 to 400");
      metadata_[std::string(key)] = std::string(value);
      ++ops_;
      return Status::OK();
    });
  }
  Result<std::string> UpdateMetadata(std::string_view key, const MetadataChange& change) override {
    return Guard([&] { return DoUpdateMetadata(key, change); });
  }

 private:
  // A term's postings decoded, as WriteTerm and the spilled runs take them.
  struct TermBatch {
    std::vector<uint32_t> docs, tfs, positions;  // tfs[i] positions per docs[i], in order
  };
  // A term's postings in memory as they are inverted, in one byte buffer: per
  // document, its id's distance from the previous one's (the first: the id),
  // then each position's distance from the previous one's plus one (so that
  // 0 never occurs), as varints, and a 0 closing the document when another
  // follows. About a quarter of the bytes of three arrays of uint32, in one
  // allocation instead of three (TermBatch is the decoded form).
  struct TermStream {
    uint32_t last_doc = 0;
    uint32_t last_pos = 0;
    size_t size = 0, capacity = 0;
    std::unique_ptr<uint8_t[]> bytes;  // [0, size) written
    // Makes room for n more bytes; returns the capacity added. A buffer of
    // its own rather than a vector: a vector checked its capacity at every
    // byte pushed, and this is appended to for every token of every document.
    size_t Reserve(size_t n) {
      if (size + n <= capacity) return 0;
      size_t grown = capacity ? capacity * 2 : 16;
      while (grown < size + n) grown *= 2;
      std::unique_ptr<uint8_t[]> more(new uint8_t[grown]);
      if (size) std::memcpy(more.get(), bytes.get(), size);
      bytes = std::move(more);
      const size_t added = grown - capacity;
      capacity = grown;
      return added;
    }
    // Appends `v` as a varint. REQUIRES: room for 5 bytes (Reserve).
    void Put(uint32_t v) {
      while (v >= 0x80) {
        bytes[size++] = static_cast<uint8_t>(v | 0x80);
        v >>= 7;
      }
      bytes[size++] = static_cast<uint8_t>(v);
    }
  };
  // Decodes `s` into *out (cleared first).
  static void DecodeStream(const TermStream& s, TermBatch* out);
  struct PendingDoc {
    uint32_t doc;
    std::string stored;
    format::DocValues values;
  };
  // One document between Add and inversion.
  struct Slot {
    enum State { kFree, kQueued, kWorking, kDone } state = kFree;
    uint32_t doc = 0;
    Document input;
    std::vector<Token> tokens[kNumFields];
    std::vector<uint64_t> hashes[kNumFields];  // TermTable::Hash of each token, computed with it
    std::vector<uint32_t> starts;              // sentence starts of a field (a buffer)
    std::vector<std::string_view> texts;       // the values of a list field (a buffer)
    forms::DocForms forms;                     // the written forms of its stemmed fields
    std::vector<std::string> written;          // the words of one field as written (a buffer)
    format::DocValues values;
    std::string stored;
    Status status;
    size_t bytes = 0;          // of the input's text, counted in ring_bytes_
    std::string_view stemmer;  // the document's stemmer (static storage, see loupe/language.h)
  };
  static constexpr size_t kRing = 32;
  // A worker takes up to this many queued documents at once, and the writer
  // wakes one only when that many wait (or when it must wait itself): a
  // wake-up per document cost more than analyzing a short one.
  static constexpr size_t kWorkBatch = 8;
  // At most this much document text in the ring (a larger document is taken
  // alone): analysis takes several times the text in tokens, so 32 long
  // documents at once would take gigabytes.
  static constexpr size_t kRingBytes = size_t{16} << 20;
  // A slot that held a document larger than this gives its buffers back when
  // it is freed, instead of keeping their capacity for the next document.
  static constexpr size_t kKeepSlotBytes = size_t{1} << 20;
  Status failed_;  // a document of the batch could not be analyzed

  // Worker thread body.
  void Work(Analyzer& analyzer, Tagger* tagger);
  // Analyzes slots [first, last), which the calling thread has taken (marked
  // kWorking), with its own analyzer and tagger; a slot that fails holds why.
  void AnalyzeTaken(Analyzer& analyzer, Tagger* tagger, uint64_t first, uint64_t last);
  // Tags slot.input with `tagger` (if any), then fills slot.tokens/values/stored
  // from it with `analyzer`.
  static void AnalyzeSlot(Analyzer& analyzer, Tagger* tagger, Slot* slot);
  // Adds an analyzed slot's written forms to the batch (a failed slot's too:
  // the batch cannot be committed then anyway).
  void CountForms(const Slot& slot) {
    std::lock_guard<std::mutex> lock(forms_mu_);
    forms_.Add(slot.forms);
  }
  // Inverts finished slots in order; with wait_all, until the ring is empty.
  Status Drain(bool wait_all);

  Status DoAdd(const Document& doc);
  Status DoDelete(const std::string& id);
  Status DoCommit();
  Result<std::string> DoUpdateMetadata(std::string_view key, const MetadataChange& change);
  Status WriteBatch(Txn* txn, format::IndexState* st);
  std::map<std::string, std::string> metadata_;  // queued by SetMetadata; "" removes
  struct Retired {
    uint32_t df = 0;
    uint64_t cf = 0;
  };
  using RetiredMap = std::unordered_map<std::string, Retired>;

  Status WriteTerm(Txn* txn, const std::string& term_key, const TermBatch* b, const Retired* retired, bool append);
  void Invert(Field f, uint32_t doc, const std::vector<Token>& tokens, const std::vector<uint64_t>& hashes);
  // Runs the analyzer over every field of DOC, calling FN(field, tokens) once
  // per field, and before it, for stemmed fields, FN_FORMS(field, tokens,
  // written forms of the words).
  template <typename Fn, typename FormsFn>
  void AnalyzeFields(const Document& doc, Fn&& fn, FormsFn&& fn_forms);
  // Adds DOC's distinct terms to OUT, and its written forms to *forms_out, so
  // that term statistics and the written forms can forget it.
  void Retire(const Document& doc, RetiredMap* out, forms::FormCounts* forms_out);
  // A queued document that a later Add or Delete of the same id supersedes.
  void SupersedePending(uint32_t doc);
  // Writes the in-memory part of the batch to a run and frees it.
  Status Spill();
  // Packs the stored fields of the documents of `docs` that `keep(p)` takes
  // (and whose fields are still in memory) into blocks in doc order, one at a
  // time, and calls `emit(first_doc, packed)` with each compressed block.
  // Stops at the first error, emit's or zstd's.
  template <typename Keep, typename Emit>
  static Status PackBlocks(const std::vector<PendingDoc>& docs, Keep&& keep, Emit&& emit) {
    format::DocBlockBuilder block;
    std::string packed;
    auto finish = [&]() -> Status {
      uint32_t first = block.first_doc();
      if (!block.Finish(&packed)) return Status::Internal("zstd could not compress a document block");
      return emit(first, packed);
    };
    for (const PendingDoc& p : docs) {
      if (p.stored.empty() || !keep(p)) continue;  // empty: in a spilled block
      block.Add(p.doc, p.stored);
      if (block.raw_bytes() >= format::kDocBlockBytes)
        if (Status s = finish(); !s.ok()) return s;
    }
    return block.empty() ? Status::OK() : finish();
  }
  // The stored fields of a batch's documents packed into compressed blocks
  // (PackBlocks) on a thread of its own, so that the caller writes or encodes
  // the terms meanwhile; on the caller's thread, in the constructor, when there
  // is less than a block or no thread can be started. The blocks are held in
  // memory, compressed, until Wait; the destructor waits too. `docs` and what
  // `keep` reads must outlive it.
  class PackedBlocks {
   public:
    PackedBlocks(const std::vector<PendingDoc>& docs, std::function<bool(const PendingDoc&)> keep);
    ~PackedBlocks() {
      if (thread_.joinable()) thread_.join();
    }
    PackedBlocks(const PackedBlocks&) = delete;
    PackedBlocks& operator=(const PackedBlocks&) = delete;
    // Waits for the blocks. kIOError when memory ran out, kInternal when zstd
    // failed.
    Status Wait();
    std::vector<uint32_t> first_docs;  // of each block, after an OK Wait
    std::vector<std::string> blocks;

   private:
    // On its own thread nothing would catch what it throws: an exception
    // leaving a thread ends the process.
    void Run() noexcept;
    const std::vector<PendingDoc>& docs_;
    std::function<bool(const PendingDoc&)> keep_;
    Status status_;
    std::thread thread_;
  };
  // Forgets the whole batch (after a commit or a rollback).
  void ClearBatch();

  IndexImpl* index_;
  int lock_fd_;
  uint32_t base_doc_, next_doc_;
  size_t memory_;  // spill beyond this many bytes of batch (estimate)
  std::unique_ptr<Analyzer> analyzer_;
  std::unique_ptr<Tagger> tagger_;  // for the caller's thread; null when tagging is off
  TermTable term_ids_;
  std::vector<TermStream> terms_;  // by term id
  TermBatch decoded_;              // a term of terms_ decoded, to write it
  std::vector<PendingDoc> docs_;
  // The batch's document ids: each interned (with field byte 0 before it, so
  // a TermTable serves) to an index of queued_docs_, its queued doc id, 0 when
  // deleted. An std::unordered_map of strings cost a node and a cache miss or
  // two per document: about 5% of the cycles of indexing headlines.
  TermTable id_keys_;
  std::vector<uint32_t> queued_docs_;  // by id_keys_ id
  // The index of `id` in queued_docs_, added (as deleted) if new.
  uint32_t InternId(std::string_view id) {
    const uint32_t k = id_keys_.Intern(Field::kTitle, id, TermTable::Hash(Field::kTitle, id));
    if (k == queued_docs_.size()) queued_docs_.push_back(0);
    return k;
  }
  // The id of queued_docs_[k].
  std::string_view QueuedId(uint32_t k) const { return id_keys_.key(k).substr(1); }
  RetiredMap retired_pending_;               // terms of superseded queued documents
  forms::FormCounts retired_forms_pending_;  // and their written forms
  forms::FormsBatch forms_;                  // written forms of the batch (never spilled)
  size_t batch_bytes_ = 0;                   // memory held by terms_ and stored docs (estimate)
  // Parts of the batch spilled to disk (see index/spill.h): term runs, each in
  // key order and together in doc order, and finished stored-document blocks.
  struct Run {
    uint64_t begin, end;
  };
  struct SpilledBlock {
    uint32_t first_doc;
    uint64_t offset;
    size_t length;
  };
  std::unique_ptr<SpillFile> spill_;
  std::vector<Run> runs_;
  std::vector<SpilledBlock> spilled_blocks_;
  size_t ops_ = 0;
  // Whether the index has a writer's commit (generation > 0). Until it has,
  // it counts as never completely created, so the first Commit writes even
  // an empty batch.
  bool committed_ = false;
  std::vector<Token> tokens_;
  std::vector<uint32_t> starts_;             // sentence starts of a field of tokens_
  std::vector<std::string> written_;         // the written forms of tokens_ (stemmed fields)
  std::vector<std::string_view> languages_;  // stemmers of the batch's documents (static storage)
  std::string block_, pos_block_;
  std::vector<uint32_t> merged_docs_, merged_tfs_, merged_positions_;
  // While WriteBatch writes the postings: each field's token counts of the
  // batch's documents, by doc id less base_doc_, for the least length of
  // each block (WriteTerm). A term's documents are read in order from one
  // array, not from docs_, whose records lie a cache line or more apart.
  std::vector<uint32_t> batch_lengths_[kNumFields];

  // The analysis ring: slots [head_, tail_) are in flight, next_work_ is the
  // next one a worker takes. Guarded by mu_.
  std::vector<Slot> slots_;
  uint64_t head_ = 0, tail_ = 0, next_work_ = 0;
  size_t ring_bytes_ = 0;  // Slot::bytes of the slots in flight
  bool stop_ = false;
  std::mutex mu_;
  // Guards forms_, which the analysis threads add to: the counts do not depend
  // on the order of documents, so the inverting thread need not do it.
  std::mutex forms_mu_;
  std::condition_variable work_cv_;  // new work for the analysis threads, or stop
  std::condition_variable done_cv_;  // a slot is done, when writer_waits_
  bool writer_waits_ = false;        // the adding thread waits on done_cv_
  // Wakes the analysis threads for every queued slot, then (holding `lock` on
  // mu_) analyzes queued slots that no worker has taken, one at a time, with
  // the caller's own analyzer, and waits once none is left, until `done`
  // holds. With one worker (two cores) the adding thread would otherwise sit
  // idle whenever analysis outruns reading and inverting.
  template <typename Pred>
  void WaitDone(std::unique_lock<std::mutex>& lock, Pred done) {
    work_cv_.notify_all();
    while (!done() && next_work_ < tail_) {
      const uint64_t i = next_work_++;
      slots_[i % kRing].state = Slot::kWorking;
      lock.unlock();
      AnalyzeTaken(*analyzer_, tagger_.get(), i, i + 1);
      lock.lock();
      slots_[i % kRing].state = Slot::kDone;
    }
    writer_waits_ = true;
    done_cv_.wait(lock, done);
    writer_waits_ = false;
  }
  std::vector<std::thread> threads_;
};

}  // namespace loupe::db_internal
#pragma GCC visibility pop

#endif  // LOUPE_DB_WRITER_H_
