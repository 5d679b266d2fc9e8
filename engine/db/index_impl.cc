// The read side of IndexImpl (db/index_impl.h), and opening an index: the
// document table and facet table of a commit, Search, GetDocument, Explain,
// Stats; Index::Open. See loupe/index.h for the contract and
// docs/index-format.md for the records. The writer is in writer.cc and
// commit.cc, compaction in compaction.cc.
#include "db/index_impl.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/analyzer_access.h"
#include "db/open.h"
#include "db/split.h"
#include "index/analysis_record.h"
#include "index/dictionary.h"
#include "index/doc_store.h"
#include "index/fingerprint.h"
#include "index/format.h"
#include "index/term_table.h"
#include "loupe/analyzer.h"
#include "loupe/index.h"
#include "loupe/language.h"
#include "search/doc_table.h"
#include "search/iterators.h"
#include "search/results.h"
#include "search/searcher.h"
#include "storage/lmdb.h"
#include "util/guard.h"

namespace loupe {

const char* Version() { return "0.1.0"; }

namespace db_internal {

Status ReadState(const Txn& txn, format::IndexState* st) {
  std::string_view v;
  Status s = txn.Get(Db::kMeta, format::kMetaStateKey, &v);
  if (s.IsNotFound()) return Status::Corruption("index has no state record; rebuild the index");
  if (!s.ok()) return s;
  if (!format::DecodeIndexState(v, st)) return Status::Corruption("index state record unreadable; rebuild the index");
  return Status::OK();
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
  t->analyzer_options = analyzer_options_;
  t->max_doc = st.next_doc > 0 ? st.next_doc - 1 : 0;
  t->live_docs = st.live_docs;
  t->dates.assign(t->max_doc + 1, format::kNoDate);
  t->norms.assign(t->max_doc + 1, {});
  t->live_bits.assign(t->max_doc / 64 + 1, 0);
  t->fingerprints.assign(t->max_doc + 1, 0);
  auto cur = storage::Cursor::Open(txn, Db::kDocvals);
  if (!cur.ok()) return cur.status();
  std::vector<format::DocValuesEntry> entries;
  for (bool ok = (*cur)->First(); ok; ok = (*cur)->Next()) {
    if ((*cur)->key().size() != 4 ||
        !format::DecodeDocValuesBlock(format::DecodeFixed32BE((*cur)->key().data()), (*cur)->value(), &entries))
      return Status::Corruption("document values unreadable; rebuild the index");
    for (const format::DocValuesEntry& e : entries) {
      const uint32_t d = e.doc;
      const format::DocValues& v = e.values;
      if (d > t->max_doc) return Status::Corruption("document id out of range; rebuild the index");
      t->dates[d] = v.date;
      t->fingerprints[d] = v.fingerprint;
      t->live_bits[d >> 6] |= uint64_t{1} << (d & 63);
      for (int f = 0; f < kNumFields; ++f) t->norms[d][f] = EncodeLength(v.lengths[f]);
    }
  }
  if (!(*cur)->status().ok()) return (*cur)->status();
  t->scoring.Set(st.live_docs, st.total_lengths);
  for (int f = 0; f < kNumFields; ++f) t->total_lengths[f] = st.total_lengths[f];
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
  auto snap = Snapshot();
  if (!snap.ok()) return snap.status();
  SearchScope scope;
  SearchPart part;
  part.txn = snap->txn.get();
  part.table = snap->table.get();
  part.facets = [&] { return FacetsOf(*snap); };
  scope.parts.push_back(std::move(part));
  scope.id = index_id_;
  scope.generation = snap->table->generation;
  std::vector<std::string> warnings;
  if (snap->replaced)
    warnings.push_back(
        "the index was compacted or replaced by another process since this one opened it: these "
        "results come from the file as it was then; open the index again to see later commits");
  return RunSearch(scope, query, options, std::move(warnings));
}

namespace {

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

}  // namespace

Result<uint32_t> IndexImpl::LocalId(const SplitSnapshot& snap, const std::string& id) const {
  return Guard([&] { return LiveDocId(*snap.txn, id); });
}

Result<uint64_t> IndexImpl::DocFreq(Field field, std::string_view term) const {
  return Guard([&]() -> Result<uint64_t> {
    auto snap = Snapshot();
    if (!snap.ok()) return snap.status();
    return TermDocFreq(*snap->txn, field, term);
  });
}

Status IndexImpl::ScanTerms(Field field, std::string_view prefix,
                            const std::function<bool(std::string_view term, uint64_t docs)>& fn) const {
  return Guard([&]() -> Status {
    auto txn = Txn::Begin(env_.get(), false);
    if (!txn.ok()) return txn.status();
    return ScanTermRange(**txn, field, prefix, fn);
  });
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

Result<Explanation> IndexImpl::DoExplain(const Query& query, const std::string& id) const {
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) return txn.status();
  auto doc = LiveDocId(**txn, id);
  if (!doc.ok()) return doc.status();
  auto table = Table(**txn);
  if (!table.ok()) return table.status();
  Explanation out;
  Status s = ExplainDocument(query, *doc, **txn, **table, nullptr, &out);
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
  for (int i = 0; i < static_cast<int>(Db::kCount); ++i) {
    auto table = (*txn)->Stat(static_cast<Db>(i));
    if (!table.ok()) return table.status();
    const uint64_t bytes = table->pages * table->page_size;
    out.tables.push_back(TableStats{.name = storage::DbName(static_cast<Db>(i)),
                                    .entries = table->entries,
                                    .bytes = bytes,
                                    .bytes_per_document = BytesPerDocument(bytes, out.documents)});
  }
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

}  // namespace db_internal

using db_internal::IndexImpl;
using db_internal::IsIndexFile;
using db_internal::kDefaultMapSize;
using db_internal::ReadState;
using storage::Db;
using storage::Txn;

Status CheckFoldDiacritics(const std::string& what, bool created_with, bool requested) {
  // false asks for nothing: an index is opened as it was created, so that a
  // program that only searches need not know how.
  if (!requested || created_with) return Status::OK();
  return Status::InvalidArgument(what +
                                 " was created with fold_diacritics false (diacritics kept); it cannot be opened "
                                 "with fold_diacritics true: the setting is fixed when an index is created, since "
                                 "its terms were written with it. Open it without the option (--fold-diacritics), or "
                                 "rebuild it into a new folder with the option to fold diacritics");
}

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
  AnalyzerOptions analyzer_options;
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
    // Diacritic folding is fixed when the index is created: until its first
    // commit (which records it) it is being created with the options' value;
    // after, the record says (no record or no member: never folded).
    if (st.generation == 0) {
      analyzer_options.fold_diacritics = options.fold_diacritics;
    } else {
      s = (*txn)->Get(Db::kUser, kAnalysisMetadataKey, &v);
      if (s.ok())
        analyzer_options.fold_diacritics = RecordFoldsDiacritics(v);
      else if (!s.IsNotFound())
        return s;
      if (Status f = CheckFoldDiacritics("index " + dir, analyzer_options.fold_diacritics, options.fold_diacritics);
          !f.ok())
        return f;
    }
  }
  return std::unique_ptr<Index>(new IndexImpl(dir, std::move(*env), options, index_id, analyzer_options));
}

}  // namespace loupe
