// The writer's add pipeline (see docs/architecture.md, "The writer
// pipeline"): Add and Delete, the analysis workers, inversion in doc id order,
// superseded documents, spilling a batch that outgrows its memory, rollback;
// and IndexImpl::NewWriter, which takes the write lock and starts the workers.
// Writing a batch at Commit is in commit.cc.
#include "db/writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <new>
#include <system_error>
#include <thread>

#include "analysis/analyzer_access.h"
#include "db/index_impl.h"
#include "index/custom_terms.h"
#include "index/doc_store.h"
#include "index/fingerprint.h"
#include "index/format.h"
#include "index/forms.h"
#include "index/spill.h"
#include "index/term_table.h"
#include "loupe/analyzer.h"
#include "loupe/language.h"
#include "loupe/tagger.h"

namespace loupe::db_internal {

// --- Writer -------------------------------------------------------------------

void WriterImpl::Invert(Field f, uint32_t doc, const std::vector<Token>& tokens, const std::vector<uint64_t>& hashes) {
  // Tokens come in position order, and a document is inverted whole before the
  // next, so each term's postings and positions are appended already sorted.
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    uint32_t id = term_ids_.Intern(f, t.term, hashes[i]);
    if (id == terms_.size()) terms_.emplace_back();
    TermStream& b = terms_[id];
    batch_bytes_ += b.Reserve(11);  // a document's end, its id's distance and a position: 1 + 5 + 5
    if (b.size == 0) {
      batch_bytes_ += sizeof(TermStream) + 32 + t.term.size();
      b.Put(doc);
      b.last_doc = doc;
      b.last_pos = 0;
    } else if (b.last_doc != doc) {
      b.bytes[b.size++] = 0;  // the previous document's end
      b.Put(doc - b.last_doc);
      b.last_doc = doc;
      b.last_pos = 0;
    }
    b.Put(t.position - b.last_pos + 1);
    b.last_pos = t.position;
  }
}

void WriterImpl::DecodeStream(const TermStream& s, TermBatch* out) {
  out->docs.clear();
  out->tfs.clear();
  out->positions.clear();
  const uint8_t* p = s.bytes.get();
  const uint8_t* const end = p + s.size;
  auto get = [&] {
    uint32_t v = 0;
    for (int shift = 0; p < end; shift += 7) {
      const uint8_t b = *p++;
      v |= static_cast<uint32_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  };
  uint32_t doc = 0;
  while (p < end) {
    doc += get();
    uint32_t tf = 0, pos = 0;
    for (uint32_t v; p < end && (v = get()) != 0; ++tf) {
      pos += v - 1;
      out->positions.push_back(pos);
    }
    out->docs.push_back(doc);
    out->tfs.push_back(tf);
  }
}

Status WriterImpl::DoAdd(const Document& doc) {
  if (!failed_.ok()) return failed_;
  if (doc.id.empty()) return Status::InvalidArgument("document id is empty");
  if (doc.id.size() > kMaxIdBytes)
    return Status::InvalidArgument("document id is " + std::to_string(doc.id.size()) + " bytes; the limit is 400");
  if (next_doc_ == UINT32_MAX - 1) return Status::InvalidArgument("index is out of document ids; compact it");
  const uint32_t known = InternId(doc.id);
  if (queued_docs_[known]) {
    // A queued document with this id never becomes live; forgetting its terms
    // needs it inverted first.
    Status s = Drain(true);
    if (!s.ok()) return s;
    SupersedePending(queued_docs_[known]);
  }
  uint32_t d = next_doc_++;
  queued_docs_[known] = d;
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
  bool wake = false;
  {
    const size_t bytes = doc.title.size() + doc.body.size();
    std::unique_lock<std::mutex> lock(mu_);
    auto full = [&] { return tail_ - head_ == kRing || (tail_ != head_ && ring_bytes_ + bytes > kRingBytes); };
    while (full()) {
      lock.unlock();
      Status s = Drain(false);
      if (!s.ok()) return s;
      lock.lock();
      if (full()) WaitDone(lock, [&] { return slots_[head_ % kRing].state == Slot::kDone; });
    }
    Slot& slot = slots_[tail_ % kRing];
    slot.doc = d;
    slot.bytes = bytes;
    ring_bytes_ += bytes;
    slot.input = doc;
    slot.state = Slot::kQueued;
    ++tail_;
    wake = tail_ - next_work_ >= kWorkBatch;
  }
  if (wake) work_cv_.notify_one();
  return Drain(false);
}

void WriterImpl::Work(Analyzer& analyzer, Tagger* tagger) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || next_work_ < tail_; });
    if (stop_) return;
    // A run of queued slots, analyzed with one wake-up and one notice.
    const uint64_t first = next_work_;
    const uint64_t last = std::min<uint64_t>(tail_, first + kWorkBatch);
    next_work_ = last;
    for (uint64_t i = first; i < last; ++i) slots_[i % kRing].state = Slot::kWorking;
    lock.unlock();
    AnalyzeTaken(analyzer, tagger, first, last);
    lock.lock();
    for (uint64_t i = first; i < last; ++i) slots_[i % kRing].state = Slot::kDone;
    if (writer_waits_) done_cv_.notify_one();
  }
}

void WriterImpl::AnalyzeTaken(Analyzer& analyzer, Tagger* tagger, uint64_t first, uint64_t last) {
  for (uint64_t i = first; i < last; ++i) {
    Slot* slot = &slots_[i % kRing];
    try {
      AnalyzeSlot(analyzer, tagger, slot);
      CountForms(*slot);
    } catch (const std::bad_alloc&) {
      slot->status = Status::IOError("out of memory while analyzing a document");
    } catch (const std::exception& e) {
      slot->status = Status::Internal(std::string("analyzing a document: ") + e.what());
    }
  }
}

namespace {

// Adds the sentence marks of a title or body (format::kSentenceTerm) to its
// tokens: one at the position of each sentence's first token.
// `starts_buffer` is the caller's (a thread_local's address would be taken
// again after each call in the loop: a call itself, in a shared library).
void AddSentenceMarks(Analyzer& analyzer, Field f, std::string_view text, std::vector<Token>* tokens,
                      std::vector<uint32_t>* starts_buffer) {
  if ((f != Field::kTitle && f != Field::kBody) || tokens->empty()) return;
  std::vector<uint32_t>& starts = *starts_buffer;
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

}  // namespace

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
  // The texts of a field: one, or a list's values (a buffer of the slot's, so
  // that a document's fields allocate nothing).
  auto field = [&](Field f, const std::string_view* texts, size_t count) {
    std::vector<Token>& tokens = slot->tokens[static_cast<int>(f)];
    tokens.clear();
    written.clear();
    uint32_t pos = 0;
    for (size_t i = 0; i < count; ++i) {
      if (i) pos += format::kActorGap;  // phrases never span two values
      pos = forms::AnalyzeField(analyzer, f, texts[i], pos, &tokens, &written);
    }
    if (Analyzer::IsStemmed(f)) slot->forms.AddField(f, tokens, written);
    slot->values.lengths[static_cast<int>(f)] = static_cast<uint32_t>(tokens.size());
    if (count == 1)
      AddSentenceMarks(analyzer, f, texts[0], &tokens, &slot->starts);  // after the length: marks are no words
    std::vector<uint64_t>& hashes = slot->hashes[static_cast<int>(f)];
    hashes.resize(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) hashes[i] = TermTable::Hash(f, tokens[i].term);
  };
  const std::string_view title = doc.title, body = doc.body, author = doc.author;
  field(Field::kTitle, &title, 1);
  field(Field::kBody, &body, 1);
  {
    // Sentence marks follow the words; the fingerprint is of the words alone.
    const int body = static_cast<int>(Field::kBody);
    slot->values.fingerprint = Fingerprint(slot->hashes[body].data(), slot->values.lengths[body]);
  }
  field(Field::kAuthor, &author, 1);
  std::vector<std::string_view>& v = slot->texts;
  v.assign(doc.actors.begin(), doc.actors.end());
  field(Field::kActor, v.data(), v.size());
  v.assign(doc.topics.begin(), doc.topics.end());
  (void)AnalyzerAccess::SetStemmerLanguage(analyzer, StemmerOf(Field::kTopic, slot->stemmer));
  field(Field::kTopic, v.data(), v.size());
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
      WaitDone(lock, [&] { return slot.state == Slot::kDone; });
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
  return first;
}

Status WriterImpl::DoDelete(const std::string& id) {
  if (!failed_.ok()) return failed_;
  if (id.empty() || id.size() > kMaxIdBytes) return Status::OK();
  const uint32_t k = InternId(id);
  if (queued_docs_[k]) {
    Status s = Drain(true);
    if (!s.ok()) return s;
    SupersedePending(queued_docs_[k]);
  }
  queued_docs_[k] = 0;
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
    if (texts.size() == 1) AddSentenceMarks(*analyzer_, f, texts[0], &tokens_, &starts_);
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
  // Stored documents, as the blocks a commit would write, compressed on
  // another thread while this one sorts and encodes the terms (the analysis
  // threads wait for this thread meanwhile), and written after them.
  PackedBlocks packed(docs_, [](const PendingDoc&) { return true; });
  Status s;
  // Terms, in key order.
  std::vector<uint32_t> order(terms_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return term_ids_.key(a) < term_ids_.key(b); });
  Run run{spill_->size(), 0};
  std::string record;
  for (uint32_t id : order) {
    DecodeStream(terms_[id], &decoded_);
    const TermBatch& b = decoded_;
    record.clear();
    EncodeTermRecord(term_ids_.key(id), b.docs.data(), b.tfs.data(), b.docs.size(), b.positions.data(), &record);
    if (!(s = spill_->Append(record)).ok()) return s;
  }
  run.end = spill_->size();
  if (!(s = packed.Wait()).ok()) return s;
  std::vector<SpilledBlock> blocks;
  blocks.reserve(packed.blocks.size());
  for (size_t i = 0; i < packed.blocks.size(); ++i) {
    blocks.push_back({packed.first_docs[i], spill_->size(), packed.blocks[i].size()});
    if (!(s = spill_->Append(packed.blocks[i])).ok()) return s;
  }
  if (!(s = spill_->Flush()).ok()) return s;
  // Only now that it is all on disk, forget it here.
  runs_.push_back(run);
  spilled_blocks_.insert(spilled_blocks_.end(), blocks.begin(), blocks.end());
  for (PendingDoc& p : docs_) std::string().swap(p.stored);
  term_ids_ = TermTable();
  std::vector<TermStream>().swap(terms_);
  batch_bytes_ = 0;
  return Status::OK();
}

WriterImpl::PackedBlocks::PackedBlocks(const std::vector<PendingDoc>& docs, std::function<bool(const PendingDoc&)> keep)
    : docs_(docs), keep_(std::move(keep)) {
  size_t stored_bytes = 0;
  for (const PendingDoc& p : docs_) stored_bytes += p.stored.size();
  try {
    if (stored_bytes > format::kDocBlockBytes) thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error&) {
  }
  if (!thread_.joinable()) Run();
}

void WriterImpl::PackedBlocks::Run() noexcept {
  try {
    status_ = PackBlocks(docs_, keep_, [&](uint32_t first, const std::string& block) {
      first_docs.push_back(first);
      blocks.push_back(block);
      return Status::OK();
    });
  } catch (...) {  // Finish and the vectors throw std::bad_alloc only
    status_ = Status::IOError("out of memory compressing the document blocks");
  }
}

Status WriterImpl::PackedBlocks::Wait() {
  if (thread_.joinable()) thread_.join();
  return status_;
}

void WriterImpl::ClearBatch() {
  retired_pending_.clear();
  retired_forms_pending_.clear();
  forms_.Clear();
  metadata_.clear();
  languages_.clear();
  term_ids_ = TermTable();
  std::vector<TermStream>().swap(terms_);
  docs_.clear();
  id_keys_ = TermTable();
  std::vector<uint32_t>().swap(queued_docs_);
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

Result<std::string> WriterImpl::DoUpdateMetadata(std::string_view key, const MetadataChange& change) {
  if (key.empty() || key.size() > kMaxIdBytes)
    return Status::InvalidArgument("metadata key is " + std::to_string(key.size()) + " bytes; it must be 1 to 400");
  // What this writer's next commit would leave: the batch's value, else the
  // last commit's. No other writer can commit meanwhile (the lock is ours).
  std::string current;
  bool present = false;
  if (auto queued = metadata_.find(std::string(key)); queued != metadata_.end()) {
    current = queued->second;
    present = !current.empty();
  } else if (auto committed = index_->GetMetadata(key); committed.ok()) {
    current = std::move(*committed);
    present = true;
  } else if (!committed.status().IsNotFound()) {
    return committed.status();
  }
  Result<std::string> next = change(present ? &current : nullptr);
  if (!next.ok()) return next.status();
  if (*next != current) {
    metadata_[std::string(key)] = *next;
    ++ops_;
  }
  return next;
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
  auto analyzer = Analyzer::Create(analyzer_options_);
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
    auto a = Analyzer::Create(analyzer_options_);
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

}  // namespace loupe::db_internal
