// IndexImpl, the Index of loupe/index.h over LMDB, and what the files of
// engine/db/ that implement it share: the limits, ReadState and the texts an
// index tags with. A private header: the class is defined here, not in
// index_impl.cc, so that the writer (writer.cc, commit.cc), compaction
// (compaction.cc) and the read side (index_impl.cc) can each be a file of
// their own. Its methods are defined in those files: the read side (search,
// explain, stats, document lookup) in index_impl.cc, NewWriter in writer.cc.
#ifndef LOUPE_DB_INDEX_IMPL_H_
#define LOUPE_DB_INDEX_IMPL_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/split.h"
#include "index/check.h"
#include "index/format.h"
#include "loupe/builtin_data.h"
#include "loupe/index.h"
#include "loupe/tagger.h"
#include "search/doc_table.h"
#include "search/iterators.h"
#include "search/results.h"
#include "storage/lmdb.h"
#include "util/guard.h"

// Hidden: these were local to index_impl.cc before the split, and calls
// between them stay direct calls within libloupe (not through the PLT).
#pragma GCC visibility push(hidden)
namespace loupe::db_internal {

using storage::Db;
using storage::Txn;

constexpr uint64_t kDefaultMapSize = uint64_t{1} << 30;

// TableStats::bytes_per_document: 0 for an index with no documents.
inline double BytesPerDocument(uint64_t bytes, uint64_t documents) {
  return documents ? static_cast<double>(bytes) / static_cast<double>(documents) : 0;
}
constexpr size_t kMaxIdBytes = 400;
// The writer's memory budget for a batch's inverted terms and stored text (an
// estimate of the bytes held); beyond it the batch is spilled to a run on disk.
constexpr size_t kSpillBytes = size_t{96} << 20;
// Batches holding more than this reserve map room before they commit.
constexpr uint64_t kReserveAbove = uint64_t{64} << 20;

// The index's state record (format::kMetaStateKey) as of `txn`.
Status ReadState(const Txn& txn, format::IndexState* st);

// What the index tags with (IndexOptions::tagging): its metadata texts, or
// the built-in ones where a key is absent.
struct TaggingTexts {
  std::string gazetteer, topics, titles;
};

class IndexImpl final : public Index, public SplitReader {
 public:
  // `analyzer_options`: how the index analyzes (its recorded fold_diacritics,
  // or the options' for an index not committed yet).
  IndexImpl(std::string dir, std::unique_ptr<storage::Env> env, const IndexOptions& options, uint64_t index_id,
            const AnalyzerOptions& analyzer_options)
      : dir_(std::move(dir)),
        env_(std::move(env)),
        index_id_(index_id),
        analyzer_options_(analyzer_options),
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
  // How every analyzer of this index analyzes: its writers', its searches'
  // (DocTable::analyzer_options), and the query side's (ReadIndexAnalysis
  // reads the same setting from the "analysis" record). Fixed at creation.
  const AnalyzerOptions& analyzer_options() const { return analyzer_options_; }

  Result<SplitSnapshot> Snapshot() const override {
    auto snap = SnapshotUnchecked();
    if (snap.ok()) snap->replaced = env_->Replaced();
    return snap;
  }
  Result<SplitSnapshot> SnapshotUnchecked() const override {
    SplitSnapshot snap;
    auto txn = Txn::Begin(env_.get(), false);
    if (!txn.ok()) return txn.status();
    snap.txn = std::move(*txn);
    auto table = Table(*snap.txn);
    if (!table.ok()) return table.status();
    snap.table = std::move(*table);
    snap.index_id = index_id_;
    return snap;
  }
  Result<std::shared_ptr<const FacetTable>> FacetsOf(const SplitSnapshot& snap) const override {
    return Facets(*snap.txn, *snap.table);
  }
  Result<uint32_t> LocalId(const SplitSnapshot& snap, const std::string& id) const override;
  Result<uint64_t> DocFreq(Field field, std::string_view term) const override;
  Status ScanTerms(Field field, std::string_view prefix,
                   const std::function<bool(std::string_view term, uint64_t docs)>& fn) const override;

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
  AnalyzerOptions analyzer_options_;
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

// The files an index folder may hold: LMDB's data and lock files, the writer's
// lock and its spill files. Opening refuses to create an index among other
// files; compaction, to replace a folder that holds any.
bool IsIndexFile(const std::string& name);

}  // namespace loupe::db_internal
#pragma GCC visibility pop

#endif  // LOUPE_DB_INDEX_IMPL_H_
