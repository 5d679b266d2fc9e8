// SplitReader: what a search spanning several indexes (the splits of a
// collection) needs from each of them: one consistent read snapshot (a read
// transaction and the document table of its commit) and, on demand, the
// facet table of that commit. IndexImpl implements it; CollectionImpl's
// searches (db/collection.h) use it through the splits' Index objects.
#ifndef LOUPE_DB_SPLIT_H_
#define LOUPE_DB_SPLIT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "loupe/status.h"
#include "search/doc_table.h"
#include "search/results.h"
#include "storage/lmdb.h"

namespace loupe {

// One split's last commit, held open for the length of a search.
struct SplitSnapshot {
  std::unique_ptr<storage::Txn> txn;
  std::shared_ptr<const DocTable> table;
  uint64_t index_id = 0;  // format::kMetaIndexIdKey
  bool replaced = false;  // compacted or replaced by another process since it was opened
};

class SplitReader {
 public:
  virtual ~SplitReader() = default;
  // Begins a read transaction on the last commit. Errors: kCorruption, kIOError.
  virtual Result<SplitSnapshot> Snapshot() const = 0;
  // The same without looking whether the index folder was compacted or
  // replaced since it was opened (`replaced` stays false): that costs two
  // stat calls, and a collection learns of a split compacted or sealed from
  // its manifest, which those rewrite, so its searches need not look.
  virtual Result<SplitSnapshot> SnapshotUnchecked() const = 0;
  // The facet table of the snapshot's commit (loaded once per commit).
  virtual Result<std::shared_ptr<const FacetTable>> FacetsOf(const SplitSnapshot& snap) const = 0;
  // The split's internal id of the live document with caller id `id` in the
  // snapshot. Errors: kNotFound (no such live document), kInvalidArgument
  // (an empty id), kCorruption, kIOError.
  virtual Result<uint32_t> LocalId(const SplitSnapshot& snap, const std::string& id) const = 0;
};

}  // namespace loupe

#endif  // LOUPE_DB_SPLIT_H_
