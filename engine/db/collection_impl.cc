// CollectionImpl and Index::Open, which decides between a plain index and a
// collection. See db/collection_impl.h and docs/index-format.md, "Collections".
#include "db/collection_impl.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "db/collection.h"
#include "db/index_impl.h"
#include "db/open.h"
#include "db/split.h"
#include "index/format.h"
#include "storage/lmdb.h"
#include "util/guard.h"

namespace loupe {

namespace {

namespace fs = std::filesystem;

// What a folder may hold besides a collection's manifest before it is one:
// what a creation stopped before writing the manifest leaves.
bool IsCollectionFile(const std::string& name) {
  return name == kCollectionLockFile || name == std::string(kManifestFile) + ".tmp" || name == "meta" ||
         name == "splits";
}

int64_t MtimeNs(const struct stat& st) { return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec; }

// Search order: by first date, splits without a dated document (undated,
// empty) last, ties by name.
bool SearchOrder(const OpenSplit& a, const OpenSplit& b) {
  auto key = [](const OpenSplit& s) {
    bool last = s.entry.first == INT32_MIN || s.entry.documents == 0;
    return std::make_tuple(last, s.entry.first, std::string_view(s.entry.name));
  };
  return key(a) < key(b);
}

std::vector<SplitRef> Refs(const CollectionState& st) {
  std::vector<SplitRef> refs;
  refs.reserve(st.splits.size());
  for (const OpenSplit& s : st.splits)
    refs.push_back(
        SplitRef{.index = s.index.get(), .name = s.entry.name, .first = s.entry.first, .last = s.entry.last});
  return refs;
}

}  // namespace

// --- Index::Open ----------------------------------------------------------------

Result<std::unique_ptr<Index>> Index::Open(const std::string& dir, const IndexOptions& options) {
  return Guard([&]() -> Result<std::unique_ptr<Index>> {
    std::error_code ec;
    const bool is_dir = fs::is_directory(dir, ec);
    if (is_dir && fs::exists(dir + "/" + std::string(kManifestFile), ec)) return CollectionImpl::Open(dir, options);
    if (options.partition == Partition::kNone) return OpenPlainIndex(dir, options);
    if (is_dir && fs::exists(dir + "/data.mdb", ec))
      return Status::InvalidArgument(
          dir + " is a plain index, not a collection partitioned by " + PartitionName(options.partition) +
          "; a plain index is not converted in place: index its articles into a new folder with --partition (loupe "
          "index --db NEW --partition " +
          PartitionName(options.partition) + " PATH...), or open it without a partition");
    if (!options.create_if_missing || options.read_only)
      return Status::NotFound("no index at " + dir + " (create one with `loupe index --db " + dir + " --partition " +
                              PartitionName(options.partition) + " PATH`)");
    return CollectionImpl::Create(dir, options);
  });
}

// --- CollectionLock -------------------------------------------------------------

Result<std::unique_ptr<CollectionLock>> CollectionLock::Acquire(const std::string& dir) {
  const std::string path = dir + "/" + std::string(kCollectionLockFile);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    if (err == EACCES || err == EROFS)
      return Status::IOError("cannot write to " + dir + ": permission denied (" + path + ")");
    return Status::IOError("cannot open " + path + ": " + std::strerror(err));
  }
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    return Status::IOError("cannot lock " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<CollectionLock>(new CollectionLock(fd));
}

CollectionLock::~CollectionLock() { ::close(fd_); }  // releases the flock

// --- DescribeSplit --------------------------------------------------------------

Status DescribeSplit(const Index& split, ManifestSplit* entry) {
  const auto* reader = dynamic_cast<const SplitReader*>(&split);
  if (!reader) return Status::Internal("a collection's split is not a plain index");
  auto snap = reader->Snapshot();
  if (!snap.ok()) return snap.status();
  std::string_view v;
  Status s = snap->txn->Get(storage::Db::kMeta, format::kMetaStateKey, &v);
  if (s.IsNotFound()) return Status::Corruption("index " + split.dir() + " has no state record; rebuild the index");
  if (!s.ok()) return s;
  format::IndexState st;
  if (!format::DecodeIndexState(v, &st))
    return Status::Corruption("index state record of " + split.dir() + " unreadable; rebuild the index");
  entry->documents = st.live_docs;
  entry->commit = st.generation;
  entry->format_version = kFormatVersion;
  for (int f = 0; f < kManifestLengthFields; ++f) entry->total_lengths[f] = st.total_lengths[f];
  // The dates of the live documents, exact (narrowed by deletions too).
  const DocTable& table = *snap->table;
  Days first = INT32_MAX, last = INT32_MIN;
  for (uint32_t d = 1; d <= table.max_doc && d < table.dates.size(); ++d) {
    if (!table.IsLive(d) || table.dates[d] == format::kNoDate) continue;
    first = std::min(first, table.dates[d]);
    last = std::max(last, table.dates[d]);
  }
  entry->first = last == INT32_MIN ? INT32_MIN : first;
  entry->last = last;
  return Status::OK();
}

// --- CollectionImpl: opening ----------------------------------------------------

IndexOptions CollectionImpl::SplitOptions(bool sealed, bool create) const {
  IndexOptions o;
  o.create_if_missing = create;
  o.read_only = options_.read_only || sealed;
  o.writer_threads = 0;  // the collection's Commit runs `jobs` split commits at once instead
  o.initial_map_size = options_.initial_map_size;
  o.writer_memory_bytes = options_.writer_memory_bytes;
  o.tagging = false;  // the collection's writer tags, once, before routing
  // The collection's own (its meta index's, set from its record at Open):
  // every split it creates analyzes as the collection was created to.
  o.fold_diacritics = options_.fold_diacritics;
  return o;
}

Result<std::unique_ptr<Index>> CollectionImpl::Open(const std::string& dir, const IndexOptions& options) {
  auto m = ReadManifest(dir);
  if (!m.ok()) return m.status();
  if (options.partition != Partition::kNone && options.partition != m->partition)
    return Status::InvalidArgument(dir + " is a collection partitioned by " + PartitionName(m->partition) +
                                   ", not by " + PartitionName(options.partition) + "; open it with partition " +
                                   PartitionName(m->partition) + ", or without one (--partition " +
                                   PartitionName(m->partition) + ", or no --partition)");
  IndexOptions meta_options{.read_only = options.read_only,
                            .writer_threads = 0,
                            .initial_map_size = options.initial_map_size,
                            .tagging = false};
  auto meta = OpenPlainIndex(dir + "/meta", meta_options);
  if (!meta.ok()) {
    if (!meta.status().IsNotFound()) return meta.status();
    return Status::Corruption("the collection " + dir + " has no meta index (" + dir +
                              "/meta is missing or was never completely created); restore the collection from a "
                              "backup (loupe backup), or rebuild it with loupe index into a new folder");
  }
  // The meta index's analysis record holds the collection's setting, fixed
  // when the collection was created.
  const bool folds = static_cast<const db_internal::IndexImpl*>(meta->get())->analyzer_options().fold_diacritics;
  if (Status s = CheckFoldDiacritics("collection " + dir, folds, options.fold_diacritics); !s.ok()) return s;
  IndexOptions own = options;
  own.fold_diacritics = folds;
  std::unique_ptr<CollectionImpl> c(new CollectionImpl(dir, own, std::move(*meta)));
  auto st = c->State();
  if (!st.ok()) return st.status();
  return std::unique_ptr<Index>(std::move(c));
}

Result<std::unique_ptr<Index>> CollectionImpl::Create(const std::string& dir, const IndexOptions& options) {
  std::error_code ec;
  const bool have_dir = fs::is_directory(dir, ec);
  if (!have_dir && fs::exists(dir, ec)) return Status::InvalidArgument(dir + " exists and is not a directory");
  if (have_dir) {
    std::string other;  // the first in name order, so the message is the same on every file system
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (std::string name = entry.path().filename().string();
          !IsCollectionFile(name) && (other.empty() || name < other))
        other = name;
    if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
    if (!other.empty())
      return Status::InvalidArgument(dir + " holds other files (" + other +
                                     ", ...) and no index; a new collection is created only in a new or empty "
                                     "folder: give --db a folder that does not exist yet or is empty");
  }
  fs::create_directories(dir + "/splits", ec);
  if (ec) return Status::IOError("cannot create " + dir + "/splits: " + ec.message());
  auto lock = CollectionLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  // Another process may have created it meanwhile: then it is opened.
  if (fs::exists(dir + "/" + std::string(kManifestFile), ec)) {
    lock->reset();
    return Open(dir, options);
  }
  // Its first commit, below, records the collection's fold_diacritics.
  IndexOptions meta_options{.create_if_missing = true,
                            .writer_threads = 0,
                            .initial_map_size = options.initial_map_size,
                            .tagging = false,
                            .fold_diacritics = options.fold_diacritics};
  auto meta = OpenPlainIndex(dir + "/meta", meta_options);
  if (!meta.ok()) return meta.status();
  {
    // The meta index is complete from its first commit (Index::Open).
    auto w = (*meta)->NewWriter();
    if (!w.ok()) return w.status();
    if (Status s = (*w)->Commit(); !s.ok()) return s;
  }
  Manifest m;
  std::random_device random;
  m.id = (uint64_t{random()} << 32) ^ random();
  if (m.id == 0) m.id = 1;
  m.partition = options.partition;
  if (Status s = WriteManifest(dir, m); !s.ok()) return s;
  lock->reset();
  std::unique_ptr<CollectionImpl> c(new CollectionImpl(dir, options, std::move(*meta)));
  auto st = c->State();
  if (!st.ok()) return st.status();
  return std::unique_ptr<Index>(std::move(c));
}

Result<std::shared_ptr<const CollectionState>> CollectionImpl::State() const {
  return Guard([&] { return DoState(); });
}

Result<std::shared_ptr<const CollectionState>> CollectionImpl::DoState() const {
  const std::string path = dir_ + "/" + std::string(kManifestFile);
  std::lock_guard<std::mutex> lock(mu_);
  struct stat now;
  if (::stat(path.c_str(), &now) != 0) {
    if (errno == ENOENT)
      return Status::Corruption("the collection manifest " + path +
                                " is gone; restore the collection from a backup (loupe backup)");
    return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  }
  if (state_ && state_->device == now.st_dev && state_->inode == now.st_ino && state_->mtime_ns == MtimeNs(now) &&
      state_->size == now.st_size)
    return state_;
  struct stat read_st;
  auto m = ReadManifest(dir_, &read_st);
  if (!m.ok()) return m.status();
  auto st = std::make_shared<CollectionState>();
  st->device = read_st.st_dev;
  st->inode = read_st.st_ino;
  st->mtime_ns = MtimeNs(read_st);
  st->size = read_st.st_size;
  for (const ManifestSplit& entry : m->splits) {
    auto& open = open_[entry.name];
    // Sealing compacted the split into a new folder: this process's files
    // are the old ones. Searches in progress keep those (their state holds them).
    if (open && entry.sealed && !opened_sealed_.count(entry.name)) open = nullptr;
    if (!open) {
      auto index = OpenPlainIndex(SplitDir(entry.name), SplitOptions(entry.sealed, false));
      if (!index.ok()) {
        open_.erase(entry.name);
        if (!index.status().IsNotFound()) return index.status();
        return Status::Corruption("the collection manifest " + path + " lists split " + entry.name + ", but " +
                                  SplitDir(entry.name) +
                                  " holds no index; restore the collection from a backup (loupe backup)");
      }
      open = std::shared_ptr<Index>(std::move(*index));
      if (entry.sealed) opened_sealed_.insert(entry.name);
    }
    st->splits.push_back(OpenSplit{open, entry});
  }
  std::sort(st->splits.begin(), st->splits.end(), SearchOrder);
  st->manifest = std::move(*m);
  state_ = std::move(st);
  return state_;
}

Result<std::shared_ptr<Index>> CollectionImpl::SplitForWriting(const std::string& name, bool* created) {
  return Guard([&]() -> Result<std::shared_ptr<Index>> {
    std::lock_guard<std::mutex> lock(mu_);
    *created = false;
    if (auto it = open_.find(name); it != open_.end()) {
      // A split merged away (MergeSplits) or sealed by another process since
      // it was opened here is opened again.
      const auto* reader = dynamic_cast<const SplitReader*>(it->second.get());
      auto snap = reader ? reader->Snapshot() : Result<SplitSnapshot>(Status::Internal("not a plain index"));
      if (!snap.ok()) return snap.status();
      if (!snap->replaced) return it->second;
      open_.erase(it);
      opened_sealed_.erase(name);
    }
    std::error_code ec;
    const std::string dir = SplitDir(name);
    // The folder of a split merged away by a merge stopped before deleting
    // it: deleted before a split of that name is made again.
    if (fs::exists(dir, ec)) {
      auto m = ReadManifest(dir_);
      if (!m.ok()) return m.status();
      if (!m->Find(name) && std::find(m->retired.begin(), m->retired.end(), name) != m->retired.end()) {
        auto held = CollectionLock::Acquire(dir_);
        if (!held.ok()) return held.status();
        m = ReadManifest(dir_);
        if (!m.ok()) return m.status();
        auto r = std::find(m->retired.begin(), m->retired.end(), name);
        if (!m->Find(name) && r != m->retired.end()) {
          fs::remove_all(dir, ec);
          if (ec) return Status::IOError("cannot delete " + dir + ", a split merged away: " + ec.message());
          m->retired.erase(r);
          if (Status s = WriteManifest(dir_, *m); !s.ok()) return s;
        }
      }
    }
    const bool existed = fs::exists(dir + "/data.mdb", ec);
    fs::create_directories(dir_ + "/splits", ec);
    auto index = OpenPlainIndex(dir, SplitOptions(false, true));
    if (!index.ok()) return index.status();
    std::shared_ptr<Index> shared(std::move(*index));
    // A folder the manifest does not list yet: left by a commit stopped
    // before the manifest was written, or being created by another writer.
    // Either way it is reused; it holds only this writer's documents if it
    // holds none now.
    if (existed) {
      auto stats = shared->Stats();
      if (!stats.ok()) return stats.status();
      *created = stats->documents == 0;
    } else {
      *created = true;
    }
    open_[name] = shared;
    return shared;
  });
}

// --- CollectionImpl: reading ----------------------------------------------------

Result<std::unique_ptr<Writer>> CollectionImpl::NewWriter() {
  return Guard([&]() -> Result<std::unique_ptr<Writer>> {
    if (options_.read_only) return Status::InvalidArgument("index " + dir_ + " was opened read-only");
    return NewCollectionWriter(this);
  });
}

Result<SearchResults> CollectionImpl::Search(const Query& query, const SearchOptions& options) const {
  return Guard([&]() -> Result<SearchResults> {
    auto st = State();
    if (!st.ok()) return st.status();
    return SearchSplits(Refs(**st), (*st)->manifest.id, query, options);
  });
}

Result<Explanation> CollectionImpl::Explain(const Query& query, const std::string& id) const {
  return Guard([&]() -> Result<Explanation> {
    auto st = State();
    if (!st.ok()) return st.status();
    return ExplainInSplits(Refs(**st), query, id);
  });
}

Result<std::vector<std::pair<std::string, uint64_t>>> CollectionImpl::Expansions(
    const Query& query, std::vector<std::string>* warnings) const {
  return Guard([&]() -> Result<std::vector<std::pair<std::string, uint64_t>>> {
    auto st = State();
    if (!st.ok()) return st.status();
    return ExpansionsInSplits(Refs(**st), query, warnings);
  });
}

Result<std::vector<std::pair<std::string, uint64_t>>> CollectionImpl::Words(const Query& query) const {
  return Guard([&]() -> Result<std::vector<std::pair<std::string, uint64_t>>> {
    auto st = State();
    if (!st.ok()) return st.status();
    return WordsInSplits(Refs(**st), query);
  });
}

Result<uint64_t> CollectionImpl::DocFreq(Field field, std::string_view term) const {
  return Guard([&]() -> Result<uint64_t> {
    auto st = State();
    if (!st.ok()) return st.status();
    return DocFreqInSplits(Refs(**st), field, term);
  });
}

Status CollectionImpl::ScanTerms(Field field, std::string_view prefix,
                                 const std::function<bool(std::string_view term, uint64_t docs)>& fn) const {
  return Guard([&]() -> Status {
    auto st = State();
    if (!st.ok()) return st.status();
    return ScanTermsInSplits(Refs(**st), field, prefix, fn);
  });
}

Result<Document> CollectionImpl::GetDocument(const std::string& id) const {
  return Guard([&]() -> Result<Document> {
    if (id.empty()) return Status::InvalidArgument("the document id is empty; give a document's id (1 to 400 bytes)");
    auto st = State();
    if (!st.ok()) return st.status();
    for (const OpenSplit& s : (*st)->splits) {
      auto doc = s.index->GetDocument(id);
      if (doc.ok() || !doc.status().IsNotFound()) return doc;
    }
    if (id.size() > 400)
      return Status::NotFound("no document with id '" + id.substr(0, 80) + "…' (ids are at most 400 bytes)");
    return Status::NotFound("no document with id '" + id + "'");
  });
}

Result<IndexStats> CollectionImpl::Stats() const {
  return Guard([&]() -> Result<IndexStats> {
    auto st = State();
    if (!st.ok()) return st.status();
    IndexStats out;
    out.format_version = kFormatVersion;
    out.generation = (*st)->manifest.generation;
    out.partition = PartitionName((*st)->manifest.partition);
    for (const OpenSplit& s : (*st)->splits) {
      auto one = s.index->Stats();
      if (!one.ok()) return one.status();
      out.documents += one->documents;
      out.terms += one->terms;
      out.size_bytes += one->size_bytes;
      out.unlocked = out.unlocked || one->unlocked;
      // Every split has the same tables in the same order.
      if (out.tables.empty()) {
        out.tables = one->tables;
      } else {
        for (size_t i = 0; i < out.tables.size() && i < one->tables.size(); ++i) {
          out.tables[i].entries += one->tables[i].entries;
          out.tables[i].bytes += one->tables[i].bytes;
        }
      }
      out.splits.push_back(SplitStats{.name = s.entry.name,
                                      .first = s.entry.first,
                                      .last = s.entry.last,
                                      .documents = one->documents,
                                      .size_bytes = one->size_bytes,
                                      .generation = one->generation,
                                      .sealed = s.entry.sealed});
    }
    for (TableStats& t : out.tables) t.bytes_per_document = db_internal::BytesPerDocument(t.bytes, out.documents);
    auto meta = meta_->Stats();
    if (!meta.ok()) return meta.status();
    out.size_bytes += meta->size_bytes;
    out.unlocked = out.unlocked || meta->unlocked;
    return out;
  });
}

Result<CheckReport> CollectionImpl::Check() const {
  return Guard([&]() -> Result<CheckReport> {
    constexpr size_t kMaxProblems = 100;
    CheckReport out;
    auto problem = [&](std::string text) {
      if (out.problems.size() < kMaxProblems)
        out.problems.push_back(std::move(text));
      else
        ++out.more_problems;
    };
    auto add = [&](const std::string& prefix, const CheckReport& r) {
      for (const std::string& p : r.problems) problem(prefix + p);
      out.more_problems += r.more_problems;
      out.values += r.values;
      out.documents += r.documents;
      out.terms += r.terms;
      out.postings += r.postings;
    };
    auto st = State();
    if (!st.ok()) {
      // A damaged manifest is what the check found, not a failure to check.
      if (st.status().code() != StatusCode::kCorruption) return st.status();
      problem(st.status().message());
      return out;
    }
    for (const OpenSplit& s : (*st)->splits) {
      const std::string prefix = "split " + s.entry.name + ": ";
      auto r = s.index->Check();
      if (!r.ok()) return r.status();
      add(prefix, *r);
      ManifestSplit now;
      if (Status d = DescribeSplit(*s.index, &now); !d.ok()) {
        problem(prefix + d.message());
        continue;
      }
      // A split committed after the manifest was written (a writer between
      // its two steps, or one stopped there) is not damaged; one older than
      // the manifest, or different at the same commit, is.
      if (now.commit < s.entry.commit)
        problem(prefix + "the manifest lists commit " + std::to_string(s.entry.commit) + ", the split holds commit " +
                std::to_string(now.commit) + " (restored from an older copy?); restore the collection from a backup");
      else if (now.commit == s.entry.commit && now.documents != s.entry.documents)
        problem(prefix + "the manifest lists " + std::to_string(s.entry.documents) + " documents, the split holds " +
                std::to_string(now.documents) + "; restore the collection from a backup, or rebuild it");
    }
    auto r = meta_->Check();
    if (!r.ok()) return r.status();
    add("meta: ", *r);
    return out;
  });
}

Status CollectionImpl::Backup(const std::string& dest) const {
  return Guard([&]() -> Status {
    std::error_code c1, c2, ec;
    const std::string real_dest = fs::weakly_canonical(fs::absolute(dest, c1), c1).string();
    const std::string real_dir = fs::canonical(dir_, c2).string();
    if (!c1 && !c2 && (real_dest == real_dir || real_dest.rfind(real_dir + "/", 0) == 0))
      return Status::InvalidArgument("cannot back up into " + dest +
                                     ": it is the collection folder or inside it; choose a folder outside " + dir_);
    if (fs::exists(dest, ec) && !fs::is_empty(dest, ec))
      return Status::InvalidArgument(dest + " is not empty; back up a collection into a new or empty folder");
    fs::create_directories(dest + "/splits", ec);
    if (ec) return Status::InvalidArgument("cannot use " + dest + " as the backup folder: " + ec.message());
    auto st = State();
    if (!st.ok()) return st.status();
    // Each split's copy is its last commit; the manifest, written last, says
    // what the copies hold (a split may have committed since the manifest
    // was read).
    Manifest m = (*st)->manifest;
    for (const OpenSplit& s : (*st)->splits) {
      const std::string to = dest + "/splits/" + s.entry.name;
      if (Status b = s.index->Backup(to); !b.ok()) return b;
      auto copy = OpenPlainIndex(to, {.read_only = true, .tagging = false});
      if (!copy.ok()) return copy.status();
      if (Status d = DescribeSplit(**copy, m.Find(s.entry.name)); !d.ok()) return d;
    }
    if (Status b = meta_->Backup(dest + "/meta"); !b.ok()) return b;
    return WriteManifest(dest, m);
  });
}

// --- SealSplit ------------------------------------------------------------------

Result<CompactReport> SealSplit(const std::string& dir, const std::string& split) {
  return Guard([&]() -> Result<CompactReport> {
    std::error_code ec;
    auto m = ReadManifest(dir);
    if (!m.ok()) {
      if (!m.status().IsNotFound()) return m.status();
      if (fs::exists(dir + "/data.mdb", ec))
        return Status::InvalidArgument(dir +
                                       " is a plain index, not a collection: only a collection's splits are "
                                       "sealed (loupe compact compacts a plain index)");
      return Status::NotFound("no collection at " + dir);
    }
    const ManifestSplit* e = m->Find(split);
    if (!e) {
      std::string names;
      for (const ManifestSplit& s : m->splits) names += (names.empty() ? "" : ", ") + s.name;
      return Status::NotFound("the collection " + dir + " has no split '" + split +
                              "' (its splits: " + (names.empty() ? std::string("none") : names) + ")");
    }
    if (e->sealed) return Status::InvalidArgument("split " + split + " of " + dir + " is sealed already");
    // Takes the split's write lock: kLocked while a writer holds the split.
    auto report = CompactIndex(dir + "/splits/" + split);
    if (!report.ok()) return report.status();
    auto lock = CollectionLock::Acquire(dir);
    if (!lock.ok()) return lock.status();
    m = ReadManifest(dir);
    if (!m.ok()) return m.status();
    ManifestSplit* entry = m->Find(split);
    if (!entry) return Status::Corruption("split " + split + " left the manifest of " + dir + " while it was sealed");
    {
      auto index = OpenPlainIndex(dir + "/splits/" + split, {.read_only = true, .tagging = false});
      if (!index.ok()) return index.status();
      if (Status s = DescribeSplit(**index, entry); !s.ok()) return s;
    }
    entry->sealed = true;
    ++m->generation;
    if (Status s = WriteManifest(dir, *m); !s.ok()) return s;
    return *report;
  });
}

Result<CompactReport> CompactCollection(const std::string& dir) {
  return Guard([&]() -> Result<CompactReport> {
    auto m = ReadManifest(dir);
    if (!m.ok()) return m.status();
    CompactReport sum;
    for (const ManifestSplit& e : m->splits) {
      if (e.sealed) continue;  // compacted when it was sealed, and written no more since
      // Takes the split's write lock: kLocked while a writer holds the split.
      auto report = CompactIndex(dir + "/splits/" + e.name);
      if (!report.ok()) return Status(report.status().code(), "split " + e.name + ": " + report.status().message());
      sum.documents += report->documents;
      sum.dropped += report->dropped;
      sum.bytes_before += report->bytes_before;
      sum.bytes_after += report->bytes_after;
      // The split's commit count started again: its manifest entry says so.
      auto lock = CollectionLock::Acquire(dir);
      if (!lock.ok()) return lock.status();
      auto now = ReadManifest(dir);
      if (!now.ok()) return now.status();
      ManifestSplit* entry = now->Find(e.name);
      if (!entry) continue;  // merged away meanwhile
      auto index = OpenPlainIndex(dir + "/splits/" + e.name, {.read_only = true, .tagging = false});
      if (!index.ok()) return index.status();
      if (Status s = DescribeSplit(**index, entry); !s.ok()) return s;
      index->reset();
      ++now->generation;
      if (Status s = WriteManifest(dir, *now); !s.ok()) return s;
    }
    return sum;
  });
}

}  // namespace loupe
