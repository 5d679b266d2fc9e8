// CollectionImpl: a collection (docs/index-format.md, "Collections") as an
// Index: its manifest, its meta index and one plain index per split, opened
// from Index::Open. Its searches go to db/collection.h; its Writer is
// CollectionWriter (db/collection_writer.cc).
#ifndef LOUPE_DB_COLLECTION_IMPL_H_
#define LOUPE_DB_COLLECTION_IMPL_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "db/manifest.h"
#include "loupe/index.h"

namespace loupe {

inline constexpr std::string_view kCollectionLockFile = "collection.lock";

// One split as the collection holds it: its index (shared, so a search in
// progress keeps it open while a reload replaces the list) and its manifest
// entry.
struct OpenSplit {
  std::shared_ptr<Index> index;  // an IndexImpl (also a SplitReader)
  ManifestSplit entry;
};

// What one manifest says, with its splits opened, in search order (by first
// date, undated and empty splits last, ties by name).
struct CollectionState {
  Manifest manifest;
  std::vector<OpenSplit> splits;
  // The manifest file read: a change to any of these means another commit.
  dev_t device = 0;
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  off_t size = 0;
};

// Holds DIR/collection.lock (flock) while alive: the manifest's
// read-modify-write. Acquire waits for another holder.
class CollectionLock {
 public:
  static Result<std::unique_ptr<CollectionLock>> Acquire(const std::string& dir);
  ~CollectionLock();
  CollectionLock(const CollectionLock&) = delete;
  CollectionLock& operator=(const CollectionLock&) = delete;

 private:
  explicit CollectionLock(int fd) : fd_(fd) {}
  int fd_;
};

// Reads what the manifest keeps of a split from its last commit: live
// documents, field length totals, the dates of its first and last live
// documents, its commit count and format version. `split` is an IndexImpl.
Status DescribeSplit(const Index& split, ManifestSplit* entry);

class CollectionImpl final : public Index {
 public:
  // Opens the collection in `dir`, whose manifest says `manifest`.
  static Result<std::unique_ptr<Index>> Open(const std::string& dir, const IndexOptions& options);
  // Creates a collection in `dir` (new, or empty) partitioned by `options.partition`.
  static Result<std::unique_ptr<Index>> Create(const std::string& dir, const IndexOptions& options);

  Result<std::unique_ptr<Writer>> NewWriter() override;
  Result<SearchResults> Search(const Query& query, const SearchOptions& options) const override;
  Result<Document> GetDocument(const std::string& id) const override;
  Result<IndexStats> Stats() const override;
  Result<Explanation> Explain(const Query& query, const std::string& id) const override;
  Result<std::string> GetMetadata(std::string_view key) const override { return meta_->GetMetadata(key); }
  Result<std::vector<std::pair<std::string, std::string>>> ListMetadata(std::string_view prefix) const override {
    return meta_->ListMetadata(prefix);
  }
  Result<std::vector<std::pair<std::string, uint64_t>>> Expansions(const Query& query,
                                                                   std::vector<std::string>* warnings) const override;
  Result<std::vector<std::pair<std::string, uint64_t>>> Words(const Query& query) const override;
  Result<uint64_t> DocFreq(Field field, std::string_view term) const override;
  Status ScanTerms(Field field, std::string_view prefix,
                   const std::function<bool(std::string_view term, uint64_t docs)>& fn) const override;
  Result<CheckReport> Check() const override;
  Status Backup(const std::string& dest) const override;
  Result<std::shared_ptr<const Gazetteer>> GetGazetteer() const override { return meta_->GetGazetteer(); }
  const std::string& dir() const override { return dir_; }

  // The manifest's state, read again first if the file changed since the
  // last call (another writer committed), opening the splits it adds.
  Result<std::shared_ptr<const CollectionState>> State() const;
  // Split `name` for writing: the open one, else its folder opened (created
  // when missing, `*created` then true). Not for a sealed split.
  Result<std::shared_ptr<Index>> SplitForWriting(const std::string& name, bool* created);
  Index& meta() { return *meta_; }
  const IndexOptions& options() const { return options_; }
  std::string SplitDir(const std::string& name) const { return dir_ + "/splits/" + name; }

 private:
  CollectionImpl(std::string dir, const IndexOptions& options, std::unique_ptr<Index> meta)
      : dir_(std::move(dir)), options_(options), meta_(std::move(meta)) {}
  Result<std::shared_ptr<const CollectionState>> DoState() const;
  IndexOptions SplitOptions(bool sealed, bool create) const;

  std::string dir_;
  IndexOptions options_;
  std::unique_ptr<Index> meta_;
  mutable std::mutex mu_;
  // Every split opened, by name, for the life of this object (LMDB allows one
  // open of an environment per process); guarded by mu_, like state_.
  mutable std::map<std::string, std::shared_ptr<Index>> open_;
  // The splits in open_ opened after the manifest said they were sealed:
  // one sealed since (compacted into a new folder) is opened again.
  mutable std::set<std::string> opened_sealed_;
  mutable std::shared_ptr<const CollectionState> state_;
};

// The collection's Writer (db/collection_writer.cc).
Result<std::unique_ptr<Writer>> NewCollectionWriter(CollectionImpl* collection);

}  // namespace loupe

#endif  // LOUPE_DB_COLLECTION_IMPL_H_
