// CollectionWriter: a collection's Writer. Routes each document to the split
// of its date (one plain Writer per split, made when first needed), keeps an
// id in one split only, and commits the splits, then the meta index, then the
// manifest. See db/collection_impl.h and docs/index-format.md, "Collections".
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <unordered_set>

#include "db/collection_impl.h"
#include "db/split.h"
#include "db/writer.h"
#include "loupe/builtin_data.h"
#include "loupe/language.h"
#include "util/guard.h"
#include "util/json_dispose.h"

namespace loupe {

namespace {

constexpr size_t kMaxIdBytes = 400;
// How long Commit waits for another process's commit of the meta index.
constexpr int kMetaLockTries = 200;
constexpr useconds_t kMetaLockWaitUs = 50000;  // 200 x 50 ms = 10 s
// The text a writer queues for its splits before it analyzes some on the
// caller's thread (IndexOptions::writer_memory_bytes when set).
constexpr size_t kQueueBytes = size_t{192} << 20;

// Adds the languages of a split's "analysis" record to the collection's.
void MergeAnalysis(const std::string& split_record, nlohmann::ordered_json* into) {
  using Json = nlohmann::ordered_json;
  Json split;
  JsonDisposer dispose_split{split};
  ParseJson(split_record, &split);
  if (!split.is_object()) return;
  if (!into->is_object()) *into = Json::object();
  std::vector<std::string> list;
  if (into->contains("languages") && (*into)["languages"].is_array())
    for (const Json& l : (*into)["languages"])
      if (l.is_string()) list.push_back(l.get<std::string>());
  if (split.contains("languages") && split["languages"].is_array())
    for (const Json& l : split["languages"])
      if (l.is_string() && std::find(list.begin(), list.end(), l.get<std::string>()) == list.end())
        list.push_back(l.get<std::string>());
  std::sort(list.begin(), list.end());
  (*into)["languages"] = list;
  if (split.contains("fold_diacritics")) (*into)["fold_diacritics"] = split["fold_diacritics"];
}

class CollectionWriter final : public Writer {
 public:
  CollectionWriter(CollectionImpl* c, std::shared_ptr<const CollectionState> state, std::unique_ptr<Tagger> tagger)
      : c_(c), state_(std::move(state)), tagger_(std::move(tagger)) {}

  Status Add(const Document& doc) override {
    return Guard([&] { return DoAdd(doc); });
  }
  Status Delete(const std::string& id) override {
    return Guard([&]() -> Status {
      if (id.empty() || id.size() > kMaxIdBytes) return Status::OK();  // no such document, as Writer says
      auto state = c_->State();
      if (!state.ok()) return state.status();
      state_ = std::move(*state);
      if (Status s = RemoveElsewhere(id, ""); !s.ok()) return s;
      ++ops_;
      return Status::OK();
    });
  }
  Status Commit() override {
    return Guard([&] { return DoCommit(); });
  }
  void Rollback() override {
    for (auto& [name, w] : work_) {
      if (w.writer) w.writer->Rollback();
      w.queued.clear();
      w.ops.clear();
    }
    queued_bytes_ = 0;
    metadata_.clear();
    ops_ = 0;
  }
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
  Result<std::string> UpdateMetadata(std::string_view key, const MetadataChange& change) override {
    return Guard([&] { return DoUpdateMetadata(key, change); });
  }

 private:
  // A split this writer writes to.
  struct SplitWork {
    std::shared_ptr<Index> index;
    std::unique_ptr<Writer> writer;
    // The split held no document when this writer opened it: every id in it
    // is then one this writer put there (in `queued` or `committed`), so no
    // lookup is needed to find one.
    bool fresh = false;
    std::unordered_set<std::string> queued;     // added in the batch
    std::unordered_set<std::string> committed;  // added and committed by this writer (fresh splits)
    // The batch's changes to the split, in order, given to `writer` (which
    // analyzes on the thread that calls it) at Commit, on the thread
    // committing the split, so that IndexOptions::jobs splits analyze at
    // once; or earlier, on the caller's thread, when the collection's queued
    // text passes its budget (FlushLargest).
    struct Op {
      std::optional<Document> add;  // else a deletion of `id`
      std::string id;
    };
    std::vector<Op> ops;
    size_t op_bytes = 0;
  };

  Status DoAdd(const Document& doc);
  // Gives the split's queued changes to its writer.
  static Status Apply(SplitWork* w);
  // Applies the queue of the split holding the most queued text.
  Status FlushLargest();
  // Spills the largest split batch until all of them fit in the memory budget.
  Status BoundBatches();
  Status DoCommit();
  Result<std::string> DoUpdateMetadata(std::string_view key, const MetadataChange& change);
  // A writer of the meta index, waiting up to kMetaLockTries for another
  // process's (or writer's) commit of it.
  Result<std::unique_ptr<Writer>> MetaWriter();
  Result<SplitWork*> Work(const std::string& name);
  Status RemoveElsewhere(const std::string& id, const std::string& except);
  Status WriteManifest(const std::vector<std::pair<std::string, ManifestSplit>>& changed);

  CollectionImpl* c_;
  std::shared_ptr<const CollectionState> state_;  // the manifest as of the last call
  std::unique_ptr<Tagger> tagger_;                // null: IndexOptions::tagging off
  std::map<std::string, SplitWork> work_;
  std::map<std::string, std::string> metadata_;
  size_t ops_ = 0;
  size_t queued_bytes_ = 0;  // the text of the queued documents, all splits
};

Status CollectionWriter::Apply(SplitWork* w) {
  std::vector<SplitWork::Op> ops;
  ops.swap(w->ops);
  w->op_bytes = 0;
  for (SplitWork::Op& op : ops) {
    Status s = op.add ? w->writer->Add(*op.add) : w->writer->Delete(op.id);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status CollectionWriter::FlushLargest() {
  SplitWork* largest = nullptr;
  for (auto& [name, w] : work_)
    if (!largest || w.op_bytes > largest->op_bytes) largest = &w;
  if (!largest) return Status::OK();
  queued_bytes_ -= largest->op_bytes;
  if (Status s = Apply(largest); !s.ok()) return s;
  return BoundBatches();
}

Status CollectionWriter::BoundBatches() {
  // The split writers' batches together within the budget: the largest is
  // written out to its run file (merged at its commit) until they fit.
  const size_t budget = c_->options().writer_memory_bytes ? c_->options().writer_memory_bytes : kQueueBytes;
  for (;;) {
    size_t total = 0, most = 0;
    db_internal::WriterImpl* largest = nullptr;
    for (auto& [name, w] : work_) {
      auto* impl = dynamic_cast<db_internal::WriterImpl*>(w.writer.get());
      if (!impl) continue;
      total += impl->batch_bytes();
      if (impl->batch_bytes() > most) {
        most = impl->batch_bytes();
        largest = impl;
      }
    }
    if (total <= budget || !largest) return Status::OK();
    if (Status s = largest->SpillBatch(); !s.ok()) return s;
  }
}

// Whether the committed split `index` holds a live document `id`.
Result<bool> Holds(const Index& index, const std::string& id) {
  const auto* reader = dynamic_cast<const SplitReader*>(&index);
  if (!reader) return Status::Internal("a collection's split is not a plain index");
  auto snap = reader->Snapshot();
  if (!snap.ok()) return snap.status();
  auto local = reader->LocalId(*snap, id);
  if (local.ok()) return true;
  if (local.status().IsNotFound()) return false;
  return local.status();
}

Result<CollectionWriter::SplitWork*> CollectionWriter::Work(const std::string& name) {
  auto it = work_.find(name);
  if (it != work_.end()) return &it->second;
  bool fresh = false;
  auto index = c_->SplitForWriting(name, &fresh);
  if (!index.ok()) return index.status();
  auto writer = (*index)->NewWriter();
  if (!writer.ok()) return writer.status();
  SplitWork& w = work_[name];
  w.index = std::move(*index);
  w.writer = std::move(*writer);
  w.fresh = fresh;
  return &w;
}

Status CollectionWriter::RemoveElsewhere(const std::string& id, const std::string& except) {
  // The splits this writer writes to.
  for (auto& [name, w] : work_) {
    if (name == except) continue;
    bool there = w.queued.count(id) || w.committed.count(id);
    if (!there && !w.fresh) {
      auto held = Holds(*w.index, id);
      if (!held.ok()) return held.status();
      there = *held;
    }
    if (!there) continue;
    w.ops.push_back({std::nullopt, id});
    w.queued.erase(id);
    w.committed.erase(id);
  }
  // The others the manifest lists.
  for (const OpenSplit& s : state_->splits) {
    const std::string& name = s.entry.name;
    if (name == except || work_.count(name)) continue;
    auto held = Holds(*s.index, id);
    if (!held.ok()) return held.status();
    if (!*held) continue;
    if (s.entry.sealed)
      return Status::InvalidArgument("document '" + id + "' is in split " + name +
                                     ", which is sealed: it can be neither replaced nor deleted (sealed splits take "
                                     "no changes; see docs/index-format.md, Collections)");
    auto w = Work(name);
    if (!w.ok()) return w.status();
    (*w)->ops.push_back({std::nullopt, id});
  }
  return Status::OK();
}

Status CollectionWriter::DoAdd(const Document& given) {
  if (given.id.empty()) return Status::InvalidArgument("document id is empty");
  if (given.id.size() > kMaxIdBytes)
    return Status::InvalidArgument("document id is " + std::to_string(given.id.size()) + " bytes; the limit is 400");
  // Splits another process listed since (a stat of the manifest when nothing changed).
  auto state = c_->State();
  if (!state.ok()) return state.status();
  state_ = std::move(*state);
  const Document* doc = &given;
  Document tagged;
  if (tagger_) {
    tagged = given;
    if (Status s = tagger_->Tag(&tagged); !s.ok()) return s;
    doc = &tagged;
  }
  const std::string name = SplitNameOf(state_->manifest.partition, doc->date);
  if (const ManifestSplit* e = state_->manifest.Find(name); e && e->sealed)
    return Status::InvalidArgument("document '" + doc->id + "' is dated " +
                                   (doc->date ? FormatIsoDate(*doc->date) : std::string("nothing")) +
                                   ", in the period of split " + name +
                                   ", which is sealed and takes no more documents (see docs/index-format.md, "
                                   "Collections)");
  auto w = Work(name);
  if (!w.ok()) return w.status();
  if (Status s = RemoveElsewhere(doc->id, name); !s.ok()) return s;
  const size_t bytes = doc->title.size() + doc->body.size() + doc->id.size();
  (*w)->ops.push_back({*doc, std::string()});
  (*w)->op_bytes += bytes;
  (*w)->queued.insert(doc->id);
  queued_bytes_ += bytes;
  ++ops_;
  const size_t budget = c_->options().writer_memory_bytes ? c_->options().writer_memory_bytes : kQueueBytes;
  while (queued_bytes_ > budget)
    if (Status s = FlushLargest(); !s.ok()) return s;
  return Status::OK();
}

Status CollectionWriter::DoCommit() {
  // 1. The splits with work, up to IndexOptions::jobs at once. A split the
  // manifest does not list yet commits even empty: its first commit
  // completes it.
  std::vector<std::pair<const std::string*, SplitWork*>> todo;
  for (auto& [name, w] : work_)
    if (!w.ops.empty() || w.writer->pending() > 0 || !state_->manifest.Find(name)) todo.emplace_back(&name, &w);
  std::vector<Status> results(todo.size());
  {
    std::atomic<size_t> next{0};
    auto run = [&] {
      for (size_t i; (i = next.fetch_add(1)) < todo.size();)
        results[i] = Guard([&] {
          SplitWork* w = todo[i].second;
          Status s = Apply(w);
          return s.ok() ? w->writer->Commit() : s;
        });
    };
    const size_t jobs = std::min<size_t>(todo.size(), static_cast<size_t>(std::max(1, c_->options().jobs)));
    std::vector<std::thread> threads;
    for (size_t t = 1; t < jobs; ++t) threads.emplace_back(run);
    run();
    for (auto& t : threads) t.join();
  }
  Status first_error;
  std::vector<std::pair<std::string, ManifestSplit>> changed;
  nlohmann::ordered_json analysis;
  JsonDisposer dispose_analysis{analysis};
  if (auto old = c_->meta().GetMetadata(kAnalysisMetadataKey); old.ok())
    ParseJson(*old, &analysis);
  else if (!old.status().IsNotFound())
    return old.status();
  const std::string analysis_before = analysis.is_discarded() ? std::string() : analysis.dump();
  if (analysis.is_discarded()) analysis = nlohmann::ordered_json::object();
  for (size_t i = 0; i < todo.size(); ++i) {
    SplitWork& w = *todo[i].second;
    if (!results[i].ok()) {
      if (first_error.ok())
        first_error = Status(results[i].code(), "split " + *todo[i].first + ": " + results[i].message());
      continue;
    }
    if (w.fresh) w.committed.insert(w.queued.begin(), w.queued.end());
    w.queued.clear();
    ManifestSplit entry;
    entry.name = *todo[i].first;
    if (Status s = DescribeSplit(*w.index, &entry); !s.ok()) return s;
    changed.emplace_back(entry.name, entry);
    if (auto record = w.index->GetMetadata(kAnalysisMetadataKey); record.ok())
      MergeAnalysis(*record, &analysis);
    else if (!record.status().IsNotFound())
      return record.status();
  }
  // 2. The meta index: the application's metadata and how the splits were
  // analyzed (what query planning reads, ReadIndexAnalysis).
  std::map<std::string, std::string> meta = metadata_;
  if (std::string after = analysis.dump(); after != analysis_before && after != "{}")
    meta[std::string(kAnalysisMetadataKey)] = after;
  Status meta_status;
  if (!meta.empty()) {
    meta_status = [&]() -> Status {
      auto w = MetaWriter();
      if (!w.ok()) return w.status();
      for (const auto& [k, v] : meta)
        if (Status s = (*w)->SetMetadata(k, v); !s.ok()) return s;
      return (*w)->Commit();
    }();
    if (meta_status.ok()) metadata_.clear();
  }
  // 3. The manifest, naming the splits just committed.
  Status manifest_status = changed.empty() ? Status::OK() : WriteManifest(changed);
  // What is left for a retry: the failed splits' batches, the metadata.
  ops_ = metadata_.size();
  queued_bytes_ = 0;
  for (auto& [name, w] : work_) ops_ += w.writer->pending();
  if (!first_error.ok()) return first_error;
  if (!meta_status.ok()) return Status(meta_status.code(), "the collection's meta index: " + meta_status.message());
  return manifest_status;
}

Result<std::unique_ptr<Writer>> CollectionWriter::MetaWriter() {
  Result<std::unique_ptr<Writer>> w = Status::Locked("");
  for (int i = 0; i < kMetaLockTries; ++i) {
    w = c_->meta().NewWriter();
    if (w.ok() || w.status().code() != StatusCode::kLocked) break;
    ::usleep(kMetaLockWaitUs);
  }
  return w;
}

Result<std::string> CollectionWriter::DoUpdateMetadata(std::string_view key, const MetadataChange& change) {
  if (key.empty() || key.size() > kMaxIdBytes)
    return Status::InvalidArgument("metadata key is " + std::to_string(key.size()) + " bytes; it must be 1 to 400");
  // Under the meta index's write lock, from reading the value to committing
  // the new one: other writers of the collection (other processes, other
  // splits) commit their metadata under the same lock, so none can write the
  // key in between. The meta writer's batch is empty, so it reads the last
  // commit.
  auto w = MetaWriter();
  if (!w.ok()) return Status(w.status().code(), "the collection's meta index: " + w.status().message());
  const auto queued = metadata_.find(std::string(key));
  Result<std::string> next = queued == metadata_.end()
                                 ? (*w)->UpdateMetadata(key, change)
                                 : (*w)->UpdateMetadata(key, [&](const std::string*) -> Result<std::string> {
                                     // This batch's SetMetadata would have replaced the committed value.
                                     return change(queued->second.empty() ? nullptr : &queued->second);
                                   });
  if (!next.ok()) return next.status();
  if (Status s = (*w)->Commit(); !s.ok()) return Status(s.code(), "the collection's meta index: " + s.message());
  if (queued != metadata_.end()) {  // written now, in its place
    metadata_.erase(queued);
    --ops_;
  }
  return next;
}

Status CollectionWriter::WriteManifest(const std::vector<std::pair<std::string, ManifestSplit>>& changed) {
  auto lock = CollectionLock::Acquire(c_->dir());
  if (!lock.ok()) return lock.status();
  // Read again under the lock: another writer may have committed other splits.
  auto m = ReadManifest(c_->dir());
  if (!m.ok()) return m.status();
  for (const auto& [name, entry] : changed) {
    ManifestSplit* e = m->Find(name);
    if (!e) {
      m->splits.push_back(entry);
      m->retired.erase(std::remove(m->retired.begin(), m->retired.end(), name), m->retired.end());
      continue;
    }
    const bool sealed = e->sealed;
    *e = entry;
    e->sealed = sealed;
  }
  std::sort(m->splits.begin(), m->splits.end(),
            [](const ManifestSplit& a, const ManifestSplit& b) { return a.name < b.name; });
  ++m->generation;
  if (Status s = loupe::WriteManifest(c_->dir(), *m); !s.ok()) return s;
  lock->reset();
  auto st = c_->State();
  if (!st.ok()) return st.status();
  state_ = std::move(*st);
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Writer>> NewCollectionWriter(CollectionImpl* c) {
  auto state = c->State();
  if (!state.ok()) return state.status();
  std::unique_ptr<Tagger> tagger;
  if (c->options().tagging) {
    // The collection's texts, in its meta index, else the built-in ones.
    std::string texts[3];
    const std::pair<const char*, std::string_view> parts[3] = {
        {"gazetteer", BuiltinGazetteer()}, {"topics", BuiltinTopics()}, {"titles", DefaultTitles()}};
    for (int i = 0; i < 3; ++i) {
      auto v = c->meta().GetMetadata(parts[i].first);
      if (v.ok())
        texts[i] = std::move(*v);
      else if (v.status().IsNotFound())
        texts[i] = std::string(parts[i].second);
      else
        return v.status();
    }
    auto t = Tagger::Create(texts[0], texts[1]);
    if (!t.ok()) return Status(t.status().code(), "cannot create the collection's tagger: " + t.status().message());
    if (auto titles = (*t)->SetTitles(texts[2]); !titles.ok()) return titles.status();
    tagger = std::move(*t);
  }
  return std::unique_ptr<Writer>(new CollectionWriter(c, std::move(*state), std::move(tagger)));
}

}  // namespace loupe
