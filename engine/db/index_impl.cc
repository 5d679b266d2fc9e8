// Index and Writer implementations over LMDB. See loupe/index.h for the contract
// and docs/index-format.md for the records.
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <unordered_map>

#include "analysis/analyzer_access.h"
#include "db/open.h"
#include "db/split.h"
#include "index/analysis_record.h"
#include "index/check.h"
#include "index/custom_terms.h"
#include "index/doc_store.h"
#include "index/fingerprint.h"
#include "index/format.h"
#include "index/forms.h"
#include "index/spill.h"
#include "index/term_table.h"
#include "loupe/analyzer.h"
#include "loupe/builtin_data.h"
#include "loupe/index.h"
#include "loupe/language.h"
#include "search/doc_table.h"
#include "search/iterators.h"
#include "search/results.h"
#include "storage/lmdb.h"
#include "util/guard.h"

namespace loupe {

const char* Version() { return "0.1.0"; }

namespace {

using storage::Db;
using storage::Txn;

constexpr uint64_t kDefaultMapSize = uint64_t{1} << 30;
constexpr size_t kMaxIdBytes = 400;
// The writer's memory budget for a batch's inverted terms and stored text (an
// estimate of the bytes held); beyond it the batch is spilled to a run on disk.
constexpr size_t kSpillBytes = size_t{192} << 20;
// Batches holding more than this reserve map room before they commit.
constexpr uint64_t kReserveAbove = uint64_t{64} << 20;

Status ReadState(const Txn& txn, format::IndexState* st) {
  std::string_view v;
  Status s = txn.Get(Db::kMeta, format::kMetaStateKey, &v);
  if (s.IsNotFound()) return Status::Corruption("index has no state record; rebuild the index");
  if (!s.ok()) return s;
  if (!format::DecodeIndexState(v, st)) return Status::Corruption("index state record unreadable; rebuild the index");
  return Status::OK();
}

class IndexImpl;

// What the index tags with (IndexOptions::tagging): its metadata texts, or
// the built-in ones where a key is absent.
struct TaggingTexts {
  std::string gazetteer, topics, titles;
};

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
    cv_.notify_all();
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
  Status SetMetadata(std::string_view key, std::string_view value) override {
    return Guard([&] {
      if (key.empty() || key.size() > kMaxIdBytes)
        return Status::InvalidArgument("metadata key is " + std::to_string(key.size()) + " bytes; it must be 1 to 400");
      metadata_[std::string(key)] = std::string(value);
      ++ops_;
      return Status::OK();
    });
  }

 private:
  struct TermBatch {
    uint32_t last_doc = UINT32_MAX;
    std::vector<uint32_t> docs, tfs, positions;  // tfs[i] positions per docs[i], in order
  };
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
    forms::DocForms forms;                     // the written forms of its stemmed fields
    std::vector<std::string> written;          // the words of one field as written (a buffer)
    format::DocValues values;
    std::string stored;
    Status status;
    size_t bytes = 0;          // of the input's text, counted in ring_bytes_
    std::string_view stemmer;  // the document's stemmer (static storage, see loupe/language.h)
  };
  static constexpr size_t kRing = 32;
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
  // Adds p's stored fields to the last block, then starts a new block if that
  // one is full (so the last block may be empty).
  static void AddToBlocks(std::vector<format::DocBlockBuilder>* blocks, const PendingDoc& p) {
    blocks->back().Add(p.doc, p.stored);
    if (blocks->back().raw_bytes() >= format::kDocBlockBytes) blocks->emplace_back();
  }
  // Forgets the whole batch (after a commit or a rollback).
  void ClearBatch();

  IndexImpl* index_;
  int lock_fd_;
  uint32_t base_doc_, next_doc_;
  size_t memory_;  // spill beyond this many bytes of batch (estimate)
  std::unique_ptr<Analyzer> analyzer_;
  std::unique_ptr<Tagger> tagger_;  // for the caller's thread; null when tagging is off
  TermTable term_ids_;
  std::vector<TermBatch> terms_;  // by term id
  std::vector<PendingDoc> docs_;
  std::unordered_map<std::string, uint32_t> ids_;  // id -> queued doc id, 0 = deleted
  RetiredMap retired_pending_;                     // terms of superseded queued documents
  forms::FormCounts retired_forms_pending_;        // and their written forms
  forms::FormsBatch forms_;                        // written forms of the batch (never spilled)
  size_t batch_bytes_ = 0;                         // memory held by terms_ and stored docs (estimate)
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
  std::vector<std::string> written_;         // the written forms of tokens_ (stemmed fields)
  std::vector<std::string_view> languages_;  // stemmers of the batch's documents (static storage)
  std::string block_, pos_block_;
  std::vector<uint32_t> merged_docs_, merged_tfs_, merged_positions_;

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
  std::condition_variable cv_;  // slot state changes, new work, stop
  std::vector<std::thread> threads_;
};

class IndexImpl final : public Index, public SplitReader {
 public:
  IndexImpl(std::string dir, std::unique_ptr<storage::Env> env, const IndexOptions& options, uint64_t index_id)
      : dir_(std::move(dir)),
        env_(std::move(env)),
        index_id_(index_id),
        read_only_(options.read_only),
        tagging_(options.tagging),
        writer_threads_(options.writer_threads),
        writer_memory_(options.writer_memory_bytes ? options.writer_memory_bytes : kSpillBytes) {}

  Result<std::unique_ptr<Writer>> NewWriter() override {
    return Guard([&] { return DoNewWriter(); });
  }
  Result<SearchResults> Search(const Query& query, const SearchOptions& options) const override {
    return Guard([&] { return DoSearch(query, options); });
  }
  Result<Document> GetDocument(const std::string& id) const override {
    return Guard([&] { return DoGetDocument(id); });
  }
  Result<IndexStats> Stats() const override {
    return Guard([&] { return DoStats(); });
  }
  Result<Explanation> Explain(const Query& query, const std::string& id) const override {
    return Guard([&] { return DoExplain(query, id); });
  }
  Result<std::string> GetMetadata(std::string_view key) const override {
    return Guard([&]() -> Result<std::string> {
      auto txn = Txn::Begin(env_.get(), false);
      if (!txn.ok()) return txn.status();
      std::string_view v;
      Status s = (*txn)->Get(Db::kUser, key, &v);
      if (s.IsNotFound()) return Status::NotFound("no metadata key '" + std::string(key) + "'");
      if (!s.ok()) return s;
      return std::string(v);
    });
  }
  Result<std::vector<std::pair<std::string, std::string>>> ListMetadata(std::string_view prefix) const override {
    return Guard([&]() -> Result<std::vector<std::pair<std::string, std::string>>> {
      auto txn = Txn::Begin(env_.get(), false);
      if (!txn.ok()) return txn.status();
      auto cur = storage::Cursor::Open(**txn, Db::kUser);
      if (!cur.ok()) return cur.status();
      std::vector<std::pair<std::string, std::string>> out;
      for (bool ok = (*cur)->Seek(prefix); ok; ok = (*cur)->Next()) {
        std::string_view k = (*cur)->key();
        if (k.substr(0, prefix.size()) != prefix) break;
        out.emplace_back(std::string(k), std::string((*cur)->value()));
      }
      if (!(*cur)->status().ok()) return (*cur)->status();
      return out;
    });
  }
  Result<std::vector<std::pair<std::string, uint64_t>>> Expansions(const Query& query,
                                                                   std::vector<std::string>* warnings) const override {
    return Guard([&]() -> Result<std::vector<std::pair<std::string, uint64_t>>> {
      auto txn = Txn::Begin(env_.get(), false);
      if (!txn.ok()) return txn.status();
      auto table = Table(**txn);
      if (!table.ok()) return table.status();
      return ExpandTerms(query, **txn, **table, warnings);
    });
  }
  Result<std::vector<std::pair<std::string, uint64_t>>> Words(const Query& query) const override {
    return Guard([&]() -> Result<std::vector<std::pair<std::string, uint64_t>>> {
      auto txn = Txn::Begin(env_.get(), false);
      if (!txn.ok()) return txn.status();
      auto table = Table(**txn);
      if (!table.ok()) return table.status();
      return ExpandWords(query, **txn, **table);
    });
  }
  Status Backup(const std::string& dest) const override {
    return Guard([&]() -> Status {
      namespace fs = std::filesystem;
      // Never inside the index folder or where compaction works: both are
      // replaced wholesale. Checked before anything is created.
      std::error_code c1, c2, ec;
      const std::string real_dest = fs::weakly_canonical(fs::absolute(dest, c1), c1).string();
      const std::string real_dir = fs::canonical(dir_, c2).string();
      if (!c1 && !c2 &&
          (real_dest == real_dir || real_dest.rfind(real_dir + "/", 0) == 0 || real_dest == real_dir + ".compacting"))
        return Status::InvalidArgument("cannot back up into " + dest +
                                       ": it is the index folder, inside it, or its compaction folder, which "
                                       "compaction replaces; choose a folder outside " +
                                       dir_);
      if (fs::exists(dest + "/data.mdb", ec))
        return Status::InvalidArgument(dest + " already holds an index; back up into a new or empty folder");
      fs::create_directories(dest, ec);
      if (ec || !fs::is_directory(dest))
        return Status::InvalidArgument(
            "cannot use " + dest + " as the backup folder: " + (ec ? ec.message() : std::string("not a directory")));
      return env_->CopyTo(dest);
    });
  }
  Result<CheckReport> Check() const override {
    return Guard([&] { return CheckIndex(env_.get()); });
  }
  Result<std::shared_ptr<const Gazetteer>> GetGazetteer() const override {
    return Guard([&]() -> Result<std::shared_ptr<const Gazetteer>> {
      TaggingTexts texts;
      Status s = ReadTaggingTexts(&texts, /*gazetteer_only=*/true);
      if (!s.ok()) return s;
      std::lock_guard<std::mutex> lock(gazetteer_mu_);
      if (!gazetteer_ || gazetteer_text_ != texts.gazetteer) {
        auto t = Tagger::Create(texts.gazetteer, "");
        if (!t.ok()) return Status(t.status().code(), "cannot create the index's gazetteer: " + t.status().message());
        gazetteer_ = std::shared_ptr<const Tagger>(std::move(*t));
        gazetteer_text_ = std::move(texts.gazetteer);
      }
      return std::shared_ptr<const Gazetteer>(gazetteer_);
    });
  }
  const std::string& dir() const override { return dir_; }

  storage::Env* env() { return env_.get(); }

  Result<SplitSnapshot> Snapshot() const override {
    SplitSnapshot snap;
    auto txn = Txn::Begin(env_.get(), false);
    if (!txn.ok()) return txn.status();
    snap.txn = std::move(*txn);
    auto table = Table(*snap.txn);
    if (!table.ok()) return table.status();
    snap.table = std::move(*table);
    snap.index_id = index_id_;
    snap.replaced = env_->Replaced();
    return snap;
  }
  Result<std::shared_ptr<const FacetTable>> FacetsOf(const SplitSnapshot& snap) const override {
    return Facets(*snap.txn, *snap.table);
  }
  Result<uint32_t> LocalId(const SplitSnapshot& snap, const std::string& id) const override;

 private:
  // The texts the index tags with, from the last commit.
  Status ReadTaggingTexts(TaggingTexts* out, bool gazetteer_only = false) const {
    auto txn = Txn::Begin(env_.get(), false);
    if (!txn.ok()) return txn.status();
    struct {
      const char* key;
      std::string* text;
      std::string_view builtin;
    } parts[] = {{"gazetteer", &out->gazetteer, BuiltinGazetteer()},
                 {"topics", &out->topics, BuiltinTopics()},
                 {"titles", &out->titles, DefaultTitles()}};
    for (const auto& p : parts) {
      std::string_view v;
      Status s = (*txn)->Get(Db::kUser, p.key, &v);
      if (s.IsNotFound()) {
        p.text->assign(p.builtin);
      } else if (!s.ok()) {
        return s;
      } else {
        p.text->assign(v);
      }
      if (gazetteer_only) break;
    }
    return Status::OK();
  }
  Result<std::unique_ptr<Writer>> DoNewWriter();
  Result<SearchResults> DoSearch(const Query& query, const SearchOptions& options) const;
  Result<Document> DoGetDocument(const std::string& id) const;
  Result<IndexStats> DoStats() const;
  Result<Explanation> DoExplain(const Query& query, const std::string& id) const;
  Result<std::shared_ptr<const DocTable>> Table(const Txn& txn) const;
  Result<std::shared_ptr<const FacetTable>> Facets(const Txn& txn, const DocTable& table) const;

  std::string dir_;
  std::unique_ptr<storage::Env> env_;
  uint64_t index_id_;  // format::kMetaIndexIdKey; 0 for an index written before it existed
  bool read_only_;
  bool tagging_;
  int writer_threads_;
  // GetGazetteer's: the gazetteer text it was built from, and the tagger.
  mutable std::mutex gazetteer_mu_;
  mutable std::string gazetteer_text_;
  mutable std::shared_ptr<const Tagger> gazetteer_;
  size_t writer_memory_;
  mutable std::mutex table_mu_;
  mutable std::shared_ptr<const DocTable> table_;
  mutable std::shared_ptr<const FacetTable> facets_;  // guarded by table_mu_
};

// --- Writer -------------------------------------------------------------------

void WriterImpl::Invert(Field f, uint32_t doc, const std::vector<Token>& tokens, const std::vector<uint64_t>& hashes) {
  // Tokens come in position order, and a document is inverted whole before the
  // next, so each term's postings and positions are appended already sorted.
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    uint32_t id = term_ids_.Intern(f, t.term, hashes[i]);
    if (id == terms_.size()) terms_.emplace_back();
    TermBatch& b = terms_[id];
    if (b.last_doc != doc) {
      if (b.docs.empty()) batch_bytes_ += sizeof(TermBatch) + 32 + t.term.size();
      b.last_doc = doc;
      b.docs.push_back(doc);
      b.tfs.push_back(0);
      batch_bytes_ += 8;
    }
    b.tfs.back() += 1;
    b.positions.push_back(t.position);
    batch_bytes_ += 4;
  }
}

Status WriterImpl::DoAdd(const Document& doc) {
  if (!failed_.ok()) return failed_;
  if (doc.id.empty()) return Status::InvalidArgument("document id is empty");
  if (doc.id.size() > kMaxIdBytes)
    return Status::InvalidArgument("document id is " + std::to_string(doc.id.size()) + " bytes; the limit is 400");
  if (next_doc_ == UINT32_MAX - 1) return Status::InvalidArgument("index is out of document ids; compact it");
  auto known = ids_.find(doc.id);
  if (known != ids_.end() && known->second) {
    // A queued document with this id never becomes live; forgetting its terms
    // needs it inverted first.
    Status s = Drain(true);
    if (!s.ok()) return s;
    SupersedePending(known->second);
  }
  uint32_t d = next_doc_++;
  ids_[doc.id] = d;
  ++ops_;
  if (threads_.empty()) {
    Slot& slot = slots_[0];
    slot.doc = d;
    slot.bytes = doc.title.size() + doc.body.size();
    ring_bytes_ += slot.bytes;
    slot.input = doc;
    AnalyzeSlot(*analyzer_, tagger_.get(), &slot);
    CountForms(slot);
    slot.state = Slot::kDone;
    head_ = 0;
    tail_ = 1;
    return Drain(true);
  }
  {
    const size_t bytes = doc.title.size() + doc.body.size();
    std::unique_lock<std::mutex> lock(mu_);
    auto full = [&] { return tail_ - head_ == kRing || (tail_ != head_ && ring_bytes_ + bytes > kRingBytes); };
    while (full()) {
      lock.unlock();
      Status s = Drain(false);
      if (!s.ok()) return s;
      lock.lock();
      if (full()) cv_.wait(lock, [&] { return slots_[head_ % kRing].state == Slot::kDone; });
    }
    Slot& slot = slots_[tail_ % kRing];
    slot.doc = d;
    slot.bytes = bytes;
    ring_bytes_ += bytes;
    slot.input = doc;
    slot.state = Slot::kQueued;
    ++tail_;
  }
  cv_.notify_all();
  return Drain(false);
}

void WriterImpl::Work(Analyzer& analyzer, Tagger* tagger) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || next_work_ < tail_; });
    if (stop_) return;
    Slot* slot = &slots_[next_work_ % kRing];
    ++next_work_;
    slot->state = Slot::kWorking;
    lock.unlock();
    try {
      AnalyzeSlot(analyzer, tagger, slot);
      CountForms(*slot);
    } catch (const std::bad_alloc&) {
      slot->status = Status::IOError("out of memory while analyzing a document");
    } catch (const std::exception& e) {
      slot->status = Status::Internal(std::string("analyzing a document: ") + e.what());
    }
    lock.lock();
    slot->state = Slot::kDone;
    cv_.notify_all();
  }
}

// Adds the sentence marks of a title or body (format::kSentenceTerm) to its
// tokens: one at the position of each sentence's first token.
void AddSentenceMarks(Analyzer& analyzer, Field f, std::string_view text, std::vector<Token>* tokens) {
  if ((f != Field::kTitle && f != Field::kBody) || tokens->empty()) return;
  thread_local std::vector<uint32_t> starts;
  AnalyzerAccess::SentenceStarts(analyzer, text, &starts);
  const size_t n = tokens->size();
  size_t s = 0, last = SIZE_MAX;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t begin = (*tokens)[i].begin, position = (*tokens)[i].position;
    while (s + 1 < starts.size() && starts[s + 1] <= begin) ++s;
    if (s == last) continue;
    last = s;
    tokens->push_back(Token{std::string(format::kSentenceTerm), position, begin, begin});
  }
}

// Sets `analyzer` to stem as `doc` asks (loupe/language.h) and returns that
// stemmer's name; English if libstemmer lacks the language.
std::string_view UseDocumentStemmer(Analyzer& analyzer, const Document& doc) {
  std::string_view stemmer = DocumentStemmer(doc);
  if (AnalyzerAccess::SetStemmerLanguage(analyzer, stemmer).ok()) return stemmer;
  (void)AnalyzerAccess::SetStemmerLanguage(analyzer, kDefaultStemmer);
  return kDefaultStemmer;
}

void WriterImpl::AnalyzeSlot(Analyzer& analyzer, Tagger* tagger, Slot* slot) {
  if (tagger) {
    if (Status s = tagger->Tag(&slot->input); !s.ok()) {
      slot->status = s;
      return;
    }
  }
  const Document& doc = slot->input;
  slot->status = Status::OK();
  slot->stemmer = UseDocumentStemmer(analyzer, doc);
  slot->values = format::DocValues{};
  slot->values.date = doc.date ? *doc.date : format::kNoDate;
  slot->forms.Clear();
  std::vector<std::string>& written = slot->written;
  auto field = [&](Field f, const std::vector<std::string_view>& texts) {
    std::vector<Token>& tokens = slot->tokens[static_cast<int>(f)];
    tokens.clear();
    written.clear();
    uint32_t pos = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      if (i) pos += format::kActorGap;  // phrases never span two values
      pos = forms::AnalyzeField(analyzer, f, texts[i], pos, &tokens, &written);
    }
    if (Analyzer::IsStemmed(f)) slot->forms.AddField(f, tokens, written);
    slot->values.lengths[static_cast<int>(f)] = static_cast<uint32_t>(tokens.size());
    if (texts.size() == 1) AddSentenceMarks(analyzer, f, texts[0], &tokens);  // after the length: marks are no words
    std::vector<uint64_t>& hashes = slot->hashes[static_cast<int>(f)];
    hashes.resize(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) hashes[i] = TermTable::Hash(f, tokens[i].term);
  };
  field(Field::kTitle, {doc.title});
  field(Field::kBody, {doc.body});
  {
    // Sentence marks follow the words; the fingerprint is of the words alone.
    const int body = static_cast<int>(Field::kBody);
    slot->values.fingerprint = Fingerprint(slot->hashes[body].data(), slot->values.lengths[body]);
  }
  field(Field::kAuthor, {doc.author});
  std::vector<std::string_view> v(doc.actors.begin(), doc.actors.end());
  field(Field::kActor, v);
  v.assign(doc.topics.begin(), doc.topics.end());
  (void)AnalyzerAccess::SetStemmerLanguage(analyzer, StemmerOf(Field::kTopic, slot->stemmer));
  field(Field::kTopic, v);
  {
    // Keywords have no length norm: their DocValues length stays 0.
    const int custom = static_cast<int>(Field::kCustom);
    AnalyzeCustomFields(analyzer, doc, &slot->tokens[custom]);
    slot->hashes[custom].resize(slot->tokens[custom].size());
    for (size_t i = 0; i < slot->tokens[custom].size(); ++i)
      slot->hashes[custom][i] = TermTable::Hash(Field::kCustom, slot->tokens[custom][i].term);
  }
  slot->stored = format::EncodeStoredDoc(doc);
}

Status WriterImpl::Drain(bool wait_all) {
  Status first;
  std::unique_lock<std::mutex> lock(mu_);
  while (head_ < tail_) {
    Slot& slot = slots_[head_ % kRing];
    if (slot.state != Slot::kDone) {
      if (!wait_all) break;
      cv_.wait(lock, [&] { return slot.state == Slot::kDone; });
    }
    lock.unlock();
    // Only this thread touches a done slot.
    if (!slot.status.ok()) {
      // The document's id is taken and its place in the batch is empty: the
      // batch can no longer be committed consistently. It stays failed until
      // Rollback.
      if (failed_.ok())
        failed_ = Status(slot.status.code(), slot.status.message() + "; the batch cannot be committed: roll it back");
      if (first.ok()) first = failed_;
    } else {
      for (int f = 0; f < kNumFields; ++f) Invert(static_cast<Field>(f), slot.doc, slot.tokens[f], slot.hashes[f]);
      for (std::string_view used : {slot.stemmer, slot.tokens[static_cast<int>(Field::kTopic)].empty()
                                                      ? slot.stemmer
                                                      : StemmerOf(Field::kTopic, slot.stemmer)})
        if (std::find(languages_.begin(), languages_.end(), used) == languages_.end()) languages_.push_back(used);
      batch_bytes_ += slot.stored.size();
      docs_.push_back(PendingDoc{slot.doc, std::move(slot.stored), slot.values});
      if (batch_bytes_ >= memory_) {
        Status sp = Spill();
        if (!sp.ok() && first.ok()) first = sp;
      }
    }
    if (slot.bytes > kKeepSlotBytes) {
      slot.input = Document{};
      for (int f = 0; f < kNumFields; ++f) {  // (`= {}` would keep the capacity)
        std::vector<Token>().swap(slot.tokens[f]);
        std::vector<uint64_t>().swap(slot.hashes[f]);
      }
      std::vector<std::string>().swap(slot.written);
      slot.forms = forms::DocForms();
      slot.stored = std::string();
    }
    lock.lock();
    ring_bytes_ -= slot.bytes;
    slot.bytes = 0;
    slot.state = Slot::kFree;
    ++head_;
  }
  lock.unlock();
  cv_.notify_all();
  return first;
}

Status WriterImpl::DoDelete(const std::string& id) {
  if (!failed_.ok()) return failed_;
  if (id.empty() || id.size() > kMaxIdBytes) return Status::OK();
  uint32_t& slot = ids_[id];
  if (slot) {
    Status s = Drain(true);
    if (!s.ok()) return s;
    SupersedePending(slot);
  }
  slot = 0;
  ++ops_;
  return Status::OK();
}

template <typename Fn, typename FormsFn>
void WriterImpl::AnalyzeFields(const Document& doc, Fn&& fn, FormsFn&& fn_forms) {
  UseDocumentStemmer(*analyzer_, doc);  // the terms it was indexed with
  auto field = [&](Field f, const std::vector<std::string_view>& texts) {
    tokens_.clear();
    written_.clear();
    uint32_t pos = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      if (i) pos += format::kActorGap;  // phrases never span two values
      pos = forms::AnalyzeField(*analyzer_, f, texts[i], pos, &tokens_, &written_);
    }
    if (Analyzer::IsStemmed(f)) fn_forms(f, tokens_, written_);
    if (texts.size() == 1) AddSentenceMarks(*analyzer_, f, texts[0], &tokens_);
    fn(f, &tokens_);
  };
  field(Field::kTitle, {doc.title});
  field(Field::kBody, {doc.body});
  field(Field::kAuthor, {doc.author});
  std::vector<std::string_view> v(doc.actors.begin(), doc.actors.end());
  field(Field::kActor, v);
  v.assign(doc.topics.begin(), doc.topics.end());
  (void)AnalyzerAccess::SetStemmerLanguage(*analyzer_, StemmerOf(Field::kTopic, analyzer_->stemmer_language()));
  field(Field::kTopic, v);
  AnalyzeCustomFields(*analyzer_, doc, &tokens_);
  fn(Field::kCustom, &tokens_);
}

void WriterImpl::Retire(const Document& doc, RetiredMap* out, forms::FormCounts* forms_out) {
  auto count_forms = [&](Field f, const std::vector<Token>& tokens, const std::vector<std::string>& written) {
    forms::CountDocForms(f, tokens, written, forms_out);
  };
  AnalyzeFields(
      doc,
      [&](Field f, std::vector<Token>* tokens) {
        std::sort(tokens->begin(), tokens->end(), [](const Token& a, const Token& b) { return a.term < b.term; });
        for (size_t i = 0; i < tokens->size();) {
          size_t j = i;
          while (j < tokens->size() && (*tokens)[j].term == (*tokens)[i].term) ++j;
          Retired& r = (*out)[format::TermKey(f, (*tokens)[i].term)];
          r.df += 1;
          r.cf += j - i;
          i = j;
        }
      },
      count_forms);
}

void WriterImpl::SupersedePending(uint32_t doc) {
  auto it =
      std::lower_bound(docs_.begin(), docs_.end(), doc, [](const PendingDoc& p, uint32_t d) { return p.doc < d; });
  if (it == docs_.end() || it->doc != doc) return;
  Document old;
  if (!it->stored.empty()) {
    if (format::DecodeStoredDoc(it->stored, &old)) Retire(old, &retired_pending_, &retired_forms_pending_);
    return;
  }
  // Spilled: read it back from its block. (Should that fail, the statistics
  // keep counting the superseded version until the terms are next written.)
  auto b = std::upper_bound(spilled_blocks_.begin(), spilled_blocks_.end(), doc,
                            [](uint32_t d, const SpilledBlock& sb) { return d < sb.first_doc; });
  if (b == spilled_blocks_.begin() || !spill_) return;
  --b;
  std::string value;
  std::string_view encoded;
  format::DocBlockReader reader;
  if (spill_->Read(b->offset, b->length, &value).ok() && reader.ReadBlock(b->first_doc, value, doc, &encoded).ok() &&
      format::DecodeStoredDoc(encoded, &old))
    Retire(old, &retired_pending_, &retired_forms_pending_);
}

Status WriterImpl::Spill() {
  if (!spill_) {
    auto f = SpillFile::Create(index_->dir());
    if (!f.ok()) return f.status();
    spill_ = std::move(*f);
  }
  // Stored documents, as the blocks a commit would write.
  std::vector<format::DocBlockBuilder> builders(1);
  for (const PendingDoc& p : docs_)
    if (!p.stored.empty()) AddToBlocks(&builders, p);  // else spilled before
  std::vector<SpilledBlock> blocks;
  std::string packed;
  Status s;
  for (format::DocBlockBuilder& b : builders) {
    if (b.empty()) continue;
    uint32_t first = b.first_doc();
    if (!b.Finish(&packed)) return Status::Internal("zstd could not compress a document block");
    blocks.push_back({first, spill_->size(), packed.size()});
    if (!(s = spill_->Append(packed)).ok()) return s;
  }
  // Terms, in key order.
  std::vector<uint32_t> order(terms_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return term_ids_.key(a) < term_ids_.key(b); });
  Run run{spill_->size(), 0};
  std::string record;
  for (uint32_t id : order) {
    const TermBatch& b = terms_[id];
    record.clear();
    EncodeTermRecord(term_ids_.key(id), b.docs.data(), b.tfs.data(), b.docs.size(), b.positions.data(), &record);
    if (!(s = spill_->Append(record)).ok()) return s;
  }
  run.end = spill_->size();
  if (!(s = spill_->Flush()).ok()) return s;
  // Only now that it is all on disk, forget it here.
  runs_.push_back(run);
  spilled_blocks_.insert(spilled_blocks_.end(), blocks.begin(), blocks.end());
  for (PendingDoc& p : docs_) std::string().swap(p.stored);
  term_ids_ = TermTable();
  std::vector<TermBatch>().swap(terms_);
  batch_bytes_ = 0;
  return Status::OK();
}

void WriterImpl::ClearBatch() {
  retired_pending_.clear();
  retired_forms_pending_.clear();
  forms_.Clear();
  metadata_.clear();
  languages_.clear();
  term_ids_ = TermTable();
  std::vector<TermBatch>().swap(terms_);
  docs_.clear();
  ids_.clear();
  ops_ = 0;
  batch_bytes_ = 0;
  runs_.clear();
  spilled_blocks_.clear();
  spill_.reset();
}

void WriterImpl::Rollback() {
  (void)Drain(true);
  failed_ = Status::OK();
  ClearBatch();
  next_doc_ = base_doc_;
}

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

  size_t pos_at = 0;
  for (size_t i = 0; i < count; i += format::kBlockSize) {
    size_t n = std::min(format::kBlockSize, count - i);
    uint32_t min_length = UINT32_MAX;
    size_t npos = 0;
    for (size_t k = i; k < i + n; ++k) {
      npos += tfs[k];
      uint32_t len =
          docs[k] < base_doc_ ? old_min_length : docs_[docs[k] - base_doc_].values.lengths[static_cast<int>(f)];
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
  forms::FormCounts retired_forms = retired_forms_pending_;
  format::DocBlockReader old_docs;
  std::vector<const std::string*> ids;
  for (const auto& [id, d] : ids_) ids.push_back(&id);
  std::sort(ids.begin(), ids.end(), [](const auto* a, const auto* b) { return *a < *b; });
  for (const std::string* id : ids) {
    std::string_view v;
    s = txn->Get(Db::kIds, *id, &v);
    if (s.ok()) {
      if (v.size() != 4) return Status::Corruption("id table entry unreadable; rebuild the index");
      uint32_t old = format::DecodeFixed32BE(v.data());
      std::string key = format::DocKey(old);
      std::string_view sv;
      Document old_doc;
      Status r = old_docs.Read(*txn, old, &sv);
      if (r.ok() && format::DecodeStoredDoc(sv, &old_doc)) Retire(old_doc, &retired, &retired_forms);
      std::string_view dv;
      format::DocValues values;
      Status g = txn->Get(Db::kDocvals, key, &dv);
      if (g.ok() && format::DecodeDocValues(dv, &values)) {
        for (int f = 0; f < kNumFields; ++f)
          st->total_lengths[f] -= std::min<uint64_t>(st->total_lengths[f], values.lengths[f]);
        if (st->live_docs > 0) st->live_docs -= 1;
      }
      // Its stored fields stay in their block until compaction.
      Status d = txn->Del(Db::kDocvals, key);
      if (!d.ok() && !d.IsNotFound()) return d;
      if (!(s = txn->Put(Db::kDeleted, key, "")).ok()) return s;
    } else if (!s.IsNotFound()) {
      return s;
    }
    uint32_t now = ids_.at(*id);
    if (now) {
      std::string dk = format::DocKey(now);
      s = txn->Put(Db::kIds, *id, dk);
    } else {
      s = txn->Del(Db::kIds, *id);
      if (s.IsNotFound()) s = Status::OK();
    }
    if (!s.ok()) return s;
  }

  // New documents; a queued document superseded by a later one with the same id
  // is skipped (its postings are written but it never becomes live).
  std::unordered_map<uint32_t, bool> live_new;
  for (const auto& [id, d] : ids_)
    if (d) live_new[d] = true;
  // Stored documents go into blocks that another thread compresses while this
  // one writes the postings; the blocks are put last (their table is separate).
  std::vector<format::DocBlockBuilder> blocks(1);
  for (const PendingDoc& p : docs_) {
    if (!live_new.count(p.doc)) continue;
    std::string key = format::DocKey(p.doc);
    if (!p.stored.empty()) AddToBlocks(&blocks, p);  // else it is in a spilled block
    if (!(s = txn->Put(Db::kDocvals, key, format::EncodeDocValues(p.values), true)).ok()) return s;
    st->live_docs += 1;
    for (int f = 0; f < kNumFields; ++f) st->total_lengths[f] += p.values.lengths[f];
  }
  if (blocks.back().empty()) blocks.pop_back();
  std::vector<std::string> packed(blocks.size());
  std::vector<uint32_t> block_keys(blocks.size());
  std::atomic<bool> packed_ok{true}, packed_oom{false};
  // On its own thread nothing above would catch what it throws: an exception
  // leaving a thread ends the process.
  auto compress = [&]() noexcept {
    try {
      for (size_t i = 0; i < blocks.size(); ++i) {
        block_keys[i] = blocks[i].first_doc();
        if (!blocks[i].Finish(&packed[i])) packed_ok = false;
      }
    } catch (...) {
      packed_oom = true;  // Finish throws std::bad_alloc only
      packed_ok = false;
    }
  };
  std::thread compressor;
  try {
    if (blocks.size() > 1) compressor = std::thread(compress);
  } catch (const std::system_error&) {
  }
  if (!compressor.joinable()) compress();
  struct JoinOnExit {
    std::thread* t;
    ~JoinOnExit() {
      if (t->joinable()) t->join();
    }
  } join_on_exit{&compressor};

  // The written forms, before the terms (which they read as they were).
  if (!(s = forms_.Write(txn, retired_forms)).ok()) return s;

  // Postings, in key order (MDB_APPEND when the tables start empty).
  auto terms_count = txn->Count(Db::kTerms);
  if (!terms_count.ok()) return terms_count.status();
  bool append = *terms_count == 0;
  // Every key once: the batch's terms, then retired terms the batch lacks.
  struct Item {
    std::string_view key;
    const TermBatch* batch;
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
  TermBatch combined;
  auto add = [&](const std::vector<uint32_t>& d, const std::vector<uint32_t>& t, const std::vector<uint32_t>& p) {
    combined.docs.insert(combined.docs.end(), d.begin(), d.end());
    combined.tfs.insert(combined.tfs.end(), t.begin(), t.end());
    combined.positions.insert(combined.positions.end(), p.begin(), p.end());
  };
  std::string key;
  size_t mi = 0;
  for (;;) {
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
      if (items[mi].batch && spilled)
        add(items[mi].batch->docs, items[mi].batch->tfs, items[mi].batch->positions);
      else if (items[mi].batch)
        batch = items[mi].batch;
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

  if (compressor.joinable()) compressor.join();
  if (packed_oom) return Status::IOError("out of memory compressing the document blocks");
  if (!packed_ok) return Status::Internal("zstd could not compress a document block");
  std::string value;
  for (const SpilledBlock& b : spilled_blocks_) {  // all before the blocks in memory
    if (!(s = spill_->Read(b.offset, b.length, &value)).ok()) return s;
    if (!(s = txn->Put(Db::kDocs, format::DocKey(b.first_doc), value, true)).ok()) return s;
  }
  for (size_t i = 0; i < packed.size(); ++i)
    if (!(s = txn->Put(Db::kDocs, format::DocKey(block_keys[i]), packed[i], true)).ok()) return s;

  st->next_doc = next_doc_;
  st->generation += 1;
  for (const auto& [key, value] : metadata_) {
    Status m = value.empty() ? txn->Del(Db::kUser, key) : txn->Put(Db::kUser, key, value);
    if (!m.ok() && !(value.empty() && m.IsNotFound())) return m;
  }
  if (!languages_.empty())  // after the application's own metadata, which it amends
    if (Status a = MergeAnalysisRecord(txn, languages_, /*fold_diacritics=*/false, base_doc_ > 1); !a.ok()) return a;
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

// --- Index --------------------------------------------------------------------

Result<std::unique_ptr<Writer>> IndexImpl::DoNewWriter() {
  if (read_only_) return Status::InvalidArgument("index " + dir_ + " was opened read-only");
  std::string path = dir_ + "/write.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    // The holder writes its pid just after locking; give it a moment to appear.
    char buf[32] = {};
    ssize_t n = 0;
    for (int i = 0; i < 20 && (n = ::pread(fd, buf, sizeof buf - 1, 0)) <= 0; ++i) ::usleep(5000);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      return Status::Locked("index is locked by pid " + pid + " (another writer is using " + dir_ +
                            "); wait for it to finish or stop it");
    }
    return Status::IOError("cannot lock " + path + ": " + std::strerror(err));
  }
  if (env_->Replaced()) {
    ::close(fd);
    return Status::IOError("index " + dir_ +
                           " was compacted or replaced by another process since it was opened; open it again");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock is held; the pid text is only informational.
  }
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) {
    ::close(fd);
    return txn.status();
  }
  format::IndexState st;
  Status s = ReadState(**txn, &st);
  txn->reset();
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  auto analyzer = Analyzer::Create();
  if (!analyzer.ok()) {
    ::close(fd);
    return analyzer.status();
  }
  // Analysis workers: one per core beyond the caller's, at least one when there
  // are two cores or more (the caller inverts while a worker analyzes).
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned n = writer_threads_ >= 0 ? static_cast<unsigned>(writer_threads_) : std::min(cores - 1, 4u);
  std::vector<std::unique_ptr<Analyzer>> workers;
  for (unsigned i = 0; i < n; ++i) {
    auto a = Analyzer::Create();
    if (!a.ok()) {
      ::close(fd);
      return a.status();
    }
    workers.push_back(std::move(*a));
  }
  // A tagger for each thread that analyzes (a Tagger is not thread-safe).
  std::vector<std::unique_ptr<Tagger>> taggers;
  if (tagging_) {
    TaggingTexts texts;
    if (Status ts = ReadTaggingTexts(&texts); !ts.ok()) {
      ::close(fd);
      return ts;
    }
    for (unsigned i = 0; i <= n; ++i) {
      // Lines the tagger cannot read are skipped, as `loupe index` says.
      auto t = Tagger::Create(texts.gazetteer, texts.topics);
      if (!t.ok()) {
        ::close(fd);
        return Status(t.status().code(), "cannot create the index's tagger: " + t.status().message());
      }
      if (auto titles = (*t)->SetTitles(texts.titles); !titles.ok()) {
        ::close(fd);
        return titles.status();
      }
      taggers.push_back(std::move(*t));
    }
  }
  return std::unique_ptr<Writer>(new WriterImpl(this, fd, st.next_doc, st.generation > 0, writer_memory_,
                                                std::move(*analyzer), std::move(workers), std::move(taggers)));
}

Result<std::shared_ptr<const DocTable>> IndexImpl::Table(const Txn& txn) const {
  format::IndexState st;
  Status s = ReadState(txn, &st);
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(table_mu_);
    if (table_ && table_->generation == st.generation) return table_;
  }
  auto t = std::make_shared<DocTable>();
  t->generation = st.generation;
  t->max_doc = st.next_doc > 0 ? st.next_doc - 1 : 0;
  t->live_docs = st.live_docs;
  t->dates.assign(t->max_doc + 1, format::kNoDate);
  t->norms.assign(t->max_doc + 1, {});
  t->live_bits.assign(t->max_doc / 64 + 1, 0);
  t->fingerprints.assign(t->max_doc + 1, 0);
  auto cur = storage::Cursor::Open(txn, Db::kDocvals);
  if (!cur.ok()) return cur.status();
  for (bool ok = (*cur)->First(); ok; ok = (*cur)->Next()) {
    format::DocValues v;
    if ((*cur)->key().size() != 4 || !format::DecodeDocValues((*cur)->value(), &v))
      return Status::Corruption("document values unreadable; rebuild the index");
    uint32_t d = format::DecodeFixed32BE((*cur)->key().data());
    if (d == 0 || d > t->max_doc) return Status::Corruption("document id out of range; rebuild the index");
    t->dates[d] = v.date;
    t->fingerprints[d] = v.fingerprint;
    t->live_bits[d >> 6] |= uint64_t{1} << (d & 63);
    for (int f = 0; f < kNumFields; ++f) t->norms[d][f] = EncodeLength(v.lengths[f]);
  }
  if (!(*cur)->status().ok()) return (*cur)->status();
  for (int f = 0; f < kNumFields; ++f) {
    t->avg_length[f] = st.live_docs ? static_cast<double>(st.total_lengths[f]) / static_cast<double>(st.live_docs) : 0;
    double avg = t->avg_length[f] > 0 ? t->avg_length[f] : 1.0;
    for (int c = 0; c < 256; ++c)
      t->length_factor[f][c] =
          static_cast<float>(Bm25::kK1 * (1 - Bm25::kB + Bm25::kB * DecodeLength(static_cast<uint8_t>(c)) / avg));
  }
  std::lock_guard<std::mutex> lock(table_mu_);
  if (!table_ || table_->generation < t->generation) table_ = t;
  return std::shared_ptr<const DocTable>(t);
}

Result<std::shared_ptr<const FacetTable>> IndexImpl::Facets(const Txn& txn, const DocTable& table) const {
  {
    std::lock_guard<std::mutex> lock(table_mu_);
    if (facets_ && facets_->generation == table.generation) return facets_;
  }
  auto t = std::make_shared<FacetTable>();
  t->generation = table.generation;
  std::unordered_map<std::string, uint32_t> ids[FacetTable::kFields];
  for (int f = 0; f < FacetTable::kFields; ++f) t->offsets[f].assign(table.max_doc + 2, 0);
  format::DocBlockReader reader;
  Document doc;
  auto add = [&](int f, const std::string& v) {
    if (v.empty()) return;
    auto [it, fresh] = ids[f].emplace(v, static_cast<uint32_t>(t->names[f].size()));
    if (fresh) t->names[f].push_back(v);
    // A value listed twice in one document counts once.
    for (uint32_t k = t->offsets[f].back(); k < t->ids[f].size(); ++k)
      if (t->ids[f][k] == it->second) return;
    t->ids[f].push_back(it->second);
  };
  for (uint32_t d = 0; d <= table.max_doc + 1; ++d) {
    for (int f = 0; f < FacetTable::kFields; ++f) {
      t->offsets[f][d] = static_cast<uint32_t>(t->ids[f].size());
      t->offsets[f].back() = t->offsets[f][d];  // scratch: where doc d's values begin
    }
    if (d == 0 || d > table.max_doc || !table.IsLive(d)) continue;
    if (Status s = reader.ReadLive(txn, d, &doc); !s.ok()) return s;
    for (const std::string& a : doc.actors) add(0, a);
    for (const std::string& a : doc.topics) add(1, a);
    add(2, doc.author);
  }
  std::lock_guard<std::mutex> lock(table_mu_);
  if (!facets_ || facets_->generation < t->generation) facets_ = t;
  return std::shared_ptr<const FacetTable>(t);
}

Result<SearchResults> IndexImpl::DoSearch(const Query& query, const SearchOptions& options) const {
  // The cursor first: a bad one is the caller's error whatever the index holds.
  Cursor after;
  const bool has_after = !options.after.empty();
  if (has_after) {
    const CursorFault fault = DecodeCursor(options.after, &after);
    if (fault == CursorFault::kMalformed)
      return Status::InvalidArgument("not a paging cursor: '" + options.after.substr(0, 80) +
                                     "' (pass the next_cursor of a previous page unchanged)");
    if (after.index_id != index_id_)
      return Status::InvalidArgument(
          "this paging cursor was made for another index, or for this one before it was "
          "compacted or rebuilt; search again without a cursor");
    if (fault == CursorFault::kChanged)
      return Status::InvalidArgument(
          "this paging cursor was changed: its check does not match what it says (pass "
          "the next_cursor of a previous page unchanged, or search again without a cursor)");
    if (after.sort != options.sort || after.collapse != options.collapse)
      return Status::InvalidArgument(
          "this paging cursor was made with another sort order or collapse setting; "
          "page with the options of the first page");
    if (after.query_check != CursorQueryCheck(index_id_, query.ToString()))
      return Status::InvalidArgument(
          "this paging cursor was made for another query; page with the query of the "
          "first page (the same words, fields and dates), or search again without a cursor");
  }
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) return txn.status();
  auto table = Table(**txn);
  if (!table.ok()) return table.status();
  const DocTable& dt = **table;
  Status error;
  std::vector<std::string> warnings;
  const bool scoring = options.offset + options.limit > 0 || options.collapse || has_after;
  PlanBudget budget{.max_expansions = options.max_query_expansions,
                    .max_bytes = options.max_query_memory,
                    .max_scanned = options.max_query_scan};
  auto it = BuildIterator(query, **txn, dt, scoring, &error, &warnings, &budget);
  if (!it.ok()) return it.status();

  std::shared_ptr<const FacetTable> facet_table;
  for (const FacetRequest& r : options.facets)
    if (r.field != FacetField::kDate || (r.split && r.split_field != FacetField::kDate)) {
      auto ft = Facets(**txn, dt);
      if (!ft.ok()) return ft.status();
      facet_table = *ft;
      break;
    }
  FacetCounter facets(options.facets, dt, facet_table.get(), &options.facet_name);

  // Top-k: a min-heap of the best (offset + limit) hits by key (the score, or a
  // date made "higher is better"). before(a, b): a ranks before b (higher
  // key, then lower doc), so the heap's top is the worst hit kept.
  struct Entry {
    double key;
    double score;
    uint32_t doc;
  };
  auto before = [](const Entry& a, const Entry& b) { return a.key != b.key ? a.key > b.key : a.doc < b.doc; };
  const bool by_date = options.sort != SortOrder::kRelevance;
  auto date_key = [&](uint32_t doc) {
    Days d = doc < dt.dates.size() ? dt.dates[doc] : format::kNoDate;
    if (d == format::kNoDate) return -1e18;  // undated last either way
    return options.sort == SortOrder::kDateDescending ? static_cast<double>(d) : -static_cast<double>(d);
  };
  const Entry cursor_entry{after.key, 0, after.doc};
  // The documents a chain of pages shows: those that existed at its first page.
  const uint32_t max_doc = has_after ? after.max_doc : dt.max_doc;
  std::priority_queue<Entry, std::vector<Entry>, decltype(before)> heap(before);
  size_t k = options.offset + options.limit;
  if (k < options.offset) k = SIZE_MAX;  // overflow
  // Keeps e if it is among the k best so far; false if it did not enter.
  auto offer = [&](const Entry& e) {
    if (heap.size() < k) {
      heap.push(e);
    } else if (before(e, heap.top())) {
      heap.pop();
      heap.push(e);
    } else {
      return false;
    }
    return true;
  };
  SearchResults res;
  res.generation = dt.generation;
  res.expansions = budget.expansions;
  res.plan_bytes = budget.bytes;
  res.scanned = budget.scanned;
  res.warnings = std::move(warnings);
  if (env_->Replaced())
    res.warnings.push_back(
        "the index was compacted or replaced by another process since this one opened it: these "
        "results come from the file as it was then; open the index again to see later commits");
  if (has_after && after.generation != dt.generation)
    res.warnings.push_back("the index changed since this chain of pages began (commit " +
                           std::to_string(after.generation) + ", now " + std::to_string(dt.generation) +
                           "): the pages go on over the articles it had then, so articles added since are not "
                           "shown and replaced or deleted ones drop out; search again without a cursor to see them");
  DocIterator& root = **it;
  const bool exact = options.exact_total || !options.facets.empty() || has_after || options.collapse;
  const bool prune = !exact && k > 0 && !by_date;
  const bool plain_count = k == 0 && options.facets.empty() && !has_after && !options.collapse;
  std::vector<Entry> all;     // collapse: every match, grouped afterwards
  uint64_t after_cursor = 0;  // matches after the cursor (all of them without one)
  double theta = 0;
  if (plain_count) res.total = root.CountAll();  // only the number of matches is wanted
  for (root.Next(); !plain_count && root.doc() != kEndDoc; root.Next()) {
    const uint32_t doc = root.doc();
    if (doc > max_doc) continue;
    ++res.total;
    if (!options.facets.empty()) facets.Add(doc);
    if (k == 0 && !options.collapse && !has_after) continue;
    Entry e{0, 0, doc};
    if (options.collapse) {
      e.score = root.Score();
      e.key = by_date ? date_key(doc) : e.score;
      all.push_back(e);
      continue;
    }
    if (by_date) {
      e.key = date_key(e.doc);
      if (has_after && !before(cursor_entry, e)) continue;
      ++after_cursor;
      if (k == 0 || (heap.size() == k && !before(e, heap.top()))) continue;  // not scored unless it enters
      e.score = root.Score();
    } else {
      e.key = e.score = root.Score();
      if (has_after && !before(cursor_entry, e)) continue;
      ++after_cursor;
    }
    if (k == 0 || !offer(e)) continue;
    // Documents come in increasing id order, so a later one must score strictly
    // more than the k-th best to displace it.
    if (prune && heap.size() == k && heap.top().key > theta) {
      theta = heap.top().key;
      root.SetMinCompetitive(theta);
      res.total_exact = false;
    }
  }
  if (!error.ok()) return error;

  // Collapse: matches whose fingerprints agree on a 2-byte band are
  // candidates; those whose stored bodies' shingle sets are kNearJaccard
  // alike are joined into one group.
  std::unordered_map<uint32_t, std::vector<uint32_t>> members;  // representative -> the others, best first
  if (options.collapse) {
    std::vector<uint32_t> parent(all.size());
    for (uint32_t i = 0; i < parent.size(); ++i) parent[i] = i;
    auto find = [&](uint32_t x) {
      while (parent[x] != x) x = parent[x] = parent[parent[x]];
      return x;
    };
    std::unordered_map<uint32_t, std::vector<uint64_t>> shingles;  // entry -> its body's shingles
    std::unique_ptr<Analyzer> analyzer;
    format::DocBlockReader reader;
    auto shingles_of = [&](uint32_t i) -> Result<const std::vector<uint64_t>*> {
      auto it = shingles.find(i);
      if (it != shingles.end()) return &it->second;
      if (!analyzer) {
        auto a = Analyzer::Create();
        if (!a.ok()) return a.status();
        analyzer = std::move(*a);
      }
      Document d;
      if (Status s = reader.ReadLive(**txn, all[i].doc, &d); !s.ok()) return s;
      std::vector<Token> tokens;
      AnalyzerAccess::AnalyzeField(*analyzer, Field::kBody, d.body, 0, &tokens);
      std::vector<uint64_t> words(tokens.size());
      for (size_t t = 0; t < tokens.size(); ++t) words[t] = TermTable::Hash(Field::kBody, tokens[t].term);
      return &(shingles[i] = Shingles(words.data(), words.size()));
    };
    for (int band = 0; band < 4; ++band) {
      std::unordered_map<uint16_t, std::vector<uint32_t>> buckets;
      for (uint32_t i = 0; i < all.size(); ++i) {
        uint64_t fp = dt.fingerprints[all[i].doc];
        if (fp) buckets[static_cast<uint16_t>(fp >> (16 * band))].push_back(i);
      }
      for (auto& [band_bits, list] : buckets)
        for (size_t x = 0; x < list.size(); ++x)
          for (size_t y = x + 1; y < list.size(); ++y) {
            if (find(list[x]) == find(list[y])) continue;
            auto a = shingles_of(list[x]);
            if (!a.ok()) return a.status();
            auto b = shingles_of(list[y]);
            if (!b.ok()) return b.status();
            if (Jaccard(**a, **b) >= kNearJaccard) parent[find(list[x])] = find(list[y]);
          }
    }
    auto earlier = [&](uint32_t a, uint32_t b) {  // entries' documents: earliest date, undated last, then id
      Days da = dt.dates[all[a].doc], db = dt.dates[all[b].doc];
      if ((da == format::kNoDate) != (db == format::kNoDate)) return db == format::kNoDate;
      return da != db ? da < db : all[a].doc < all[b].doc;
    };
    std::unordered_map<uint32_t, std::vector<uint32_t>> groups;  // root -> entries
    for (uint32_t i = 0; i < all.size(); ++i) groups[find(i)].push_back(i);
    std::vector<Entry> folded;
    for (auto& [root_id, list] : groups) {
      uint32_t rep = list[0], best = list[0];
      for (uint32_t i : list) {
        if (earlier(i, rep)) rep = i;
        if (before(all[i], all[best])) best = i;
      }
      Entry e = all[rep];
      if (!by_date) e.key = e.score = all[best].score;  // ranked where its best copy ranks
      std::vector<uint32_t> others;
      std::sort(list.begin(), list.end(), [&](uint32_t a, uint32_t b) { return before(all[a], all[b]); });
      for (uint32_t i : list)
        if (i != rep) others.push_back(all[i].doc);
      if (!others.empty()) members[e.doc] = std::move(others);
      folded.push_back(e);
    }
    res.total = folded.size();
    for (const Entry& e : folded) {
      if (has_after && !before(cursor_entry, e)) continue;
      ++after_cursor;
      if (k > 0) offer(e);
    }
  }
  if (!options.facets.empty()) res.facets = facets.Finish();

  std::vector<Entry> best;
  while (!heap.empty()) {
    best.push_back(heap.top());
    heap.pop();
  }
  std::reverse(best.begin(), best.end());
  format::DocBlockReader docs;
  for (size_t i = options.offset; i < best.size(); ++i) {
    Hit h;
    h.doc_id = best[i].doc;
    h.score = best[i].score;
    if (auto m = members.find(h.doc_id); m != members.end()) {
      h.copies = static_cast<uint32_t>(m->second.size());
      h.copy_ids = m->second;
    }
    if (options.load_documents)
      if (Status s = docs.ReadLive(**txn, h.doc_id, &h.document); !s.ok()) return s;
    res.hits.push_back(std::move(h));
  }
  // A next page exists when matches remain after this one (counted exactly
  // unless pruned; then a full page suggests more).
  const bool more = exact ? after_cursor > options.offset + res.hits.size() : res.hits.size() == options.limit;
  if (!res.hits.empty() && more) {
    Cursor next;
    next.index_id = index_id_;
    next.generation = has_after ? after.generation : dt.generation;
    next.max_doc = max_doc;
    next.sort = options.sort;
    next.collapse = options.collapse;
    next.key = best.back().key;
    next.doc = best.back().doc;
    next.query_check = CursorQueryCheck(index_id_, query.ToString());
    res.next_cursor = EncodeCursor(next);
  }
  return res;
}

// The internal id of the live document with caller id `id`.
Result<uint32_t> LiveDocId(const Txn& txn, const std::string& id) {
  // Ids are 1 to kMaxIdBytes bytes (Writer::Add refuses others), so longer ones
  // cannot be there; they are not looked up (LMDB refuses keys over 511 bytes).
  if (id.empty()) return Status::InvalidArgument("the document id is empty; give a document's id (1 to 400 bytes)");
  if (id.size() > kMaxIdBytes)
    return Status::NotFound("no document with id '" + id.substr(0, 80) + "…' (ids are at most 400 bytes)");
  std::string_view v;
  Status s = txn.Get(Db::kIds, id, &v);
  if (s.IsNotFound()) return Status::NotFound("no document with id '" + id + "'");
  if (!s.ok()) return s;
  if (v.size() != 4) return Status::Corruption("id table entry unreadable; rebuild the index");
  return format::DecodeFixed32BE(v.data());
}

Result<uint32_t> IndexImpl::LocalId(const SplitSnapshot& snap, const std::string& id) const {
  return Guard([&] { return LiveDocId(*snap.txn, id); });
}

Result<Document> IndexImpl::DoGetDocument(const std::string& id) const {
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) return txn.status();
  auto doc = LiveDocId(**txn, id);
  if (!doc.ok()) return doc.status();
  std::string_view v;
  format::DocBlockReader docs;
  Status s = docs.Read(**txn, *doc, &v);
  if (!s.ok()) return s.IsNotFound() ? Status::Corruption("document '" + id + "' has no stored fields") : s;
  Document d;
  if (!format::DecodeStoredDoc(v, &d)) return Status::Corruption("stored document unreadable; rebuild the index");
  return d;
}

// Explains node `q` for document `doc` with the iterators Search uses, so the
// scores are the same arithmetic; then each child on its own.
Status ExplainNode(const Query& q, uint32_t doc, const Txn& txn, const DocTable& table, int depth, Explanation* out) {
  if (depth > 256) return Status::InvalidArgument("query nested more than 256 levels deep");
  out->kind = q.kind();
  out->node = q.ToString();
  Status error;
  std::vector<std::string> warnings;
  auto it = BuildIterator(q, txn, table, /*scoring=*/true, &error, &warnings);
  if (!it.ok()) return it.status();
  DocIterator& i = **it;
  if (doc == 0)
    i.Next();  // a new iterator is "at" 0 before its first step
  else
    i.Advance(doc);
  out->matched = i.doc() == doc;
  if (out->matched) {
    out->score = i.Score();
    i.Describe(&out->detail);
  }
  if (!error.ok()) return error;
  switch (q.kind()) {
    case Query::Kind::kAnd:
    case Query::Kind::kOr:
    case Query::Kind::kNot:
    case Query::Kind::kBoost:
    case Query::Kind::kAndMaybe:
      for (const Query& c : q.children()) {
        out->children.emplace_back();
        Status s = ExplainNode(c, doc, txn, table, depth + 1, &out->children.back());
        if (!s.ok()) return s;
      }
      break;
    default:
      break;
  }
  return Status::OK();
}

Result<Explanation> IndexImpl::DoExplain(const Query& query, const std::string& id) const {
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) return txn.status();
  auto doc = LiveDocId(**txn, id);
  if (!doc.ok()) return doc.status();
  auto table = Table(**txn);
  if (!table.ok()) return table.status();
  Explanation out;
  Status s = ExplainNode(query, *doc, **txn, **table, 0, &out);
  if (!s.ok()) return s;
  return out;
}

Result<IndexStats> IndexImpl::DoStats() const {
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) return txn.status();
  format::IndexState st;
  Status s = ReadState(**txn, &st);
  if (!s.ok()) return s;
  IndexStats out;
  out.documents = st.live_docs;
  out.generation = st.generation;
  out.format_version = kFormatVersion;
  out.unlocked = env_->unlocked();
  auto terms = (*txn)->Count(Db::kTerms);
  if (!terms.ok()) return terms.status();
  out.terms = *terms;
  std::error_code ec;
  for (const char* f : {"/data.mdb", "/lock.mdb"}) {
    auto n = std::filesystem::file_size(dir_ + f, ec);
    if (!ec) out.size_bytes += n;
  }
  return out;
}

// The files an index folder may hold: LMDB's data and lock files, the writer's
// lock and its spill files.
bool IsIndexFile(const std::string& name) {
  return name == "data.mdb" || name == "lock.mdb" || name == "write.lock" || name.rfind("spill-", 0) == 0;
}

}  // namespace

Result<std::unique_ptr<Index>> OpenPlainIndex(const std::string& dir, const IndexOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool have_dir = fs::is_directory(dir, ec);
  bool have_data = have_dir && fs::exists(dir + "/data.mdb", ec);
  if (!have_dir && fs::exists(dir, ec)) return Status::InvalidArgument(dir + " exists and is not a directory");
  if (!have_data) {
    if (!options.create_if_missing || options.read_only)
      return Status::NotFound("no index at " + dir + " (create one with `loupe index --db " + dir + " PATH`)");
    // A new index goes into a new or empty folder only: created in a folder
    // of other files (a home folder, `/`), its files would be mixed with them.
    // Index files without data.mdb are what a first run stopped at its very
    // start leaves.
    std::string other;  // the first in name order, so the message is the same on every file system
    if (have_dir)
      for (const auto& entry : fs::directory_iterator(dir, ec))
        if (std::string name = entry.path().filename().string(); !IsIndexFile(name) && (other.empty() || name < other))
          other = name;
    if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
    if (!other.empty())
      return Status::InvalidArgument(dir + " holds other files (" + other +
                                     ", ...) and no index; a new index is "
                                     "created only in a new or empty folder: give --db a folder that does not exist "
                                     "yet or is empty");
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  }
  uint64_t map = options.initial_map_size ? options.initial_map_size : kDefaultMapSize;
  const bool may_create = options.create_if_missing && !options.read_only;
  auto env = storage::Env::Open(dir, map, options.read_only, may_create);
  if (!env.ok()) return env.status();

  // Check (or, for a new index, write) the format version. An index whose
  // meta table is empty was never completely created (a first run stopped
  // between creating the tables and writing these records): it is created now.
  {
    auto probe = Txn::Begin(env->get(), false);
    if (!probe.ok()) return probe.status();
    auto meta_entries = (*probe)->Count(Db::kMeta);
    if (!meta_entries.ok()) return meta_entries.status();
    probe->reset();
    const bool fresh = *meta_entries == 0;
    if (fresh && !may_create) return storage::NeverCreated(dir);
    auto txn = Txn::Begin(env->get(), fresh);
    if (!txn.ok()) return txn.status();
    std::string_view v;
    // Unchecked: indexes before version 4 have no checksums; the version
    // decides, then the record's checksum is checked.
    Status s = (*txn)->GetUnchecked(Db::kMeta, format::kMetaFormatKey, &v);
    if (s.IsNotFound() && fresh) {
      std::string ver;
      format::PutFixed32LE(&ver, kFormatVersion);
      format::IndexState st;
      if (!(s = (*txn)->Put(Db::kMeta, format::kMetaFormatKey, ver)).ok()) return s;
      if (!(s = (*txn)->Put(Db::kMeta, format::kMetaStateKey, format::EncodeIndexState(st))).ok()) return s;
      if (!(s = (*txn)->Put(Db::kMeta, format::kMetaAnalyzerKey, "icu72;nfkc_cf;english")).ok()) return s;
      std::random_device random;
      uint64_t id = (uint64_t{random()} << 32) ^ random();
      std::string id_bytes;
      format::PutFixed64LE(&id_bytes, id ? id : 1);
      if (!(s = (*txn)->Put(Db::kMeta, format::kMetaIndexIdKey, id_bytes)).ok()) return s;
      if (!(s = (*txn)->Commit()).ok()) return s;
    } else if (s.IsNotFound()) {
      return Status::Corruption(dir + " is not a Loupe index (no format version)");
    } else if (!s.ok()) {
      return s;
    } else {
      // Four bytes: written before checksums (an older format). More: this
      // format's record, whose checksum must hold before its number is believed.
      if (v.size() != 4 && !(s = (*txn)->Get(Db::kMeta, format::kMetaFormatKey, &v)).ok())
        return Status::Corruption("the format version record of " + dir + " is damaged (" + s.message() + ")");
      uint32_t found = v.size() >= 4 ? format::DecodeFixed32LE(v.data()) : 0;
      if (found != kFormatVersion)
        return Status::VersionMismatch("index " + dir + " has format version " + std::to_string(found) +
                                       "; this Loupe reads version " + std::to_string(kFormatVersion) +
                                       " (rebuild the index with this version)");
      if (!(s = (*txn)->Get(Db::kMeta, format::kMetaFormatKey, &v)).ok()) return s;
    }
  }
  uint64_t index_id = 0;
  {
    auto txn = Txn::Begin(env->get(), false);
    if (!txn.ok()) return txn.status();
    // The records above are written when the index is opened to be created,
    // before a writer has anything to commit: until the first commit (the
    // first generation) the index is only being created.
    format::IndexState st;
    Status s = ReadState(**txn, &st);
    if (!s.ok()) return s;
    if (st.generation == 0 && !may_create) return storage::NeverCreated(dir);
    std::string_view v;
    s = (*txn)->Get(Db::kMeta, format::kMetaIndexIdKey, &v);
    if (s.ok() && v.size() == 8)
      index_id = format::DecodeFixed64LE(v.data());
    else if (!s.ok() && !s.IsNotFound())
      return s;
  }
  return std::unique_ptr<Index>(new IndexImpl(dir, std::move(*env), options, index_id));
}

}  // namespace loupe

namespace loupe {

// Compaction builds the live documents into a sibling directory and swaps the
// two directories with one renameat2(RENAME_EXCHANGE), so data.mdb and its
// lock file change together: a process that had the index open keeps reading
// the old pair, a new one opens the new pair, and none mixes a lock file with
// the other data file (LMDB's lock file records which meta page is current).
Result<CompactReport> CompactIndex(const std::string& dir) {
  return Guard([&]() -> Result<CompactReport> {
    namespace fs = std::filesystem;
    auto old = OpenPlainIndex(dir, {});  // a collection is compacted split by split
    if (!old.ok()) return old.status();
    auto lock = (*old)->NewWriter();  // holds the write lock until the swap is done
    if (!lock.ok()) return lock.status();
    // The real directory: a symbolic link given as --db stays a link to it.
    std::error_code canon_ec;
    std::string clean = fs::canonical(dir, canon_ec).string();
    if (canon_ec) return Status::IOError("cannot resolve " + dir + ": " + canon_ec.message());
    const std::string tmp = clean + ".compacting";
    std::error_code ec;
    // The old folder is deleted after the swap, and a stopped compaction's
    // folder before it: both must hold index files only.
    auto foreign = [&](const std::string& d) -> std::string {
      for (const auto& entry : fs::directory_iterator(d, ec)) {
        const std::string name = entry.path().filename().string();
        if (!IsIndexFile(name)) return name;
      }
      return "";
    };
    if (std::string f = foreign(clean); !f.empty())
      return Status::InvalidArgument("the index folder " + clean + " holds '" + f +
                                     "', which is not part of the index; compaction replaces the whole folder, so "
                                     "move it elsewhere first");
    if (fs::exists(tmp, ec)) {
      if (std::string f = foreign(tmp); !f.empty())
        return Status::InvalidArgument(tmp + " exists and holds '" + f +
                                       "', which compaction did not write; move or remove it first");
      fs::remove_all(tmp, ec);  // left by a compaction that was stopped
    }
    CompactReport report;
    report.bytes_before = fs::file_size(clean + "/data.mdb", ec);
    // A compaction that fails (a full disk, a damaged document) deletes what it
    // wrote: the index stays as it was and nothing is left beside it. Declared
    // before the new index below, so that index is closed first.
    struct RemoveUnlessSwapped {
      const std::string& dir;
      bool swapped = false;
      ~RemoveUnlessSwapped() {
        std::error_code ignored;
        if (!swapped) fs::remove_all(dir, ignored);
      }
    } cleanup{tmp};
    {
      // The stored documents are tagged already (and may have been tagged
      // with other data than the index holds now): they are copied as they are.
      auto fresh = Index::Open(tmp, {.create_if_missing = true, .tagging = false});
      if (!fresh.ok()) return fresh.status();
      auto w = (*fresh)->NewWriter();
      if (!w.ok()) return w.status();
      // Read before the transaction below: a thread must not hold two
      // transactions of one environment (the resize lock is not reentrant).
      // The write lock keeps both reads on the same commit.
      auto metadata = (*old)->ListMetadata("");
      if (!metadata.ok()) return metadata.status();
      auto* impl = static_cast<IndexImpl*>(old->get());
      auto txn = Txn::Begin(impl->env(), false);
      if (!txn.ok()) return txn.status();
      format::IndexState st;
      Status s = ReadState(**txn, &st);
      if (!s.ok()) return s;
      auto cur = storage::Cursor::Open(**txn, Db::kDocvals);
      if (!cur.ok()) return cur.status();
      format::DocBlockReader reader;
      Document doc;
      for (bool ok = (*cur)->First(); ok; ok = (*cur)->Next()) {
        if ((*cur)->key().size() != 4) return Status::Corruption("document values unreadable; run loupe check");
        uint32_t d = format::DecodeFixed32BE((*cur)->key().data());
        std::string_view v;
        if (!(s = reader.Read(**txn, d, &v)).ok())
          return s.IsNotFound() ? Status::Corruption("a live document has no stored fields; run loupe check") : s;
        if (!format::DecodeStoredDoc(v, &doc)) return Status::Corruption("stored document unreadable; run loupe check");
        if (!(s = (*w)->Add(doc)).ok()) return s;
        ++report.documents;
      }
      if (!(*cur)->status().ok()) return (*cur)->status();
      report.dropped = (st.next_doc > 1 ? st.next_doc - 1 : 0) - report.documents;
      for (const auto& [k, v] : *metadata)
        if (!(s = (*w)->SetMetadata(k, v)).ok()) return s;
      txn->reset();
      if (!(s = (*w)->Commit()).ok()) return s;
    }
    // The new pair is committed (LMDB syncs at commit); sync the directory entries too.
    for (const std::string& d : {tmp, fs::path(clean).parent_path().string()}) {
      int fd = ::open(d.empty() ? "." : d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
      }
    }
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, clean.c_str(), RENAME_EXCHANGE) != 0)
      return Status::IOError("cannot swap the compacted index into place (" + std::string(std::strerror(errno)) +
                             "); the index is unchanged");
    cleanup.swapped = true;
    lock->reset();
    old->reset();
    fs::remove_all(tmp, ec);  // now the old index
    report.bytes_after = fs::file_size(clean + "/data.mdb", ec);
    return report;
  });
}

}  // namespace loupe
