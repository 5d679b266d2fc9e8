// A collection's manifest, DIR/collection.json: which splits the collection
// has and what each holds (docs/index-format.md, "Collections"). Read and
// written only here; CollectionImpl and CollectionWriter use these.
#ifndef LOUPE_DB_MANIFEST_H_
#define LOUPE_DB_MANIFEST_H_

#include <sys/stat.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/options.h"
#include "loupe/status.h"

namespace loupe {

inline constexpr std::string_view kManifestFile = "collection.json";
inline constexpr std::string_view kManifestFormat = "loupe-collection";
inline constexpr int kManifestVersion = 1;
inline constexpr int kManifestLengthFields = 5;  // title, body, actor, topic, author

struct ManifestSplit {
  std::string name;
  Days first = INT32_MIN;  // INT32_MIN: no dated document
  Days last = INT32_MIN;
  uint64_t documents = 0;
  uint64_t total_lengths[kManifestLengthFields] = {};
  uint32_t format_version = 0;
  bool sealed = false;
  uint64_t commit = 0;  // the split's IndexStats::generation when this was written
};

struct Manifest {
  uint64_t id = 0;  // random at creation; names the collection in paging cursors
  Partition partition = Partition::kNone;
  uint64_t generation = 0;  // the collection's commits
  std::vector<ManifestSplit> splits;
  // Folders of splits merged away (MergeSplits) that may still be on disk:
  // the merge deletes them after the manifest stops listing them, then drops
  // them from here; a crash between the two leaves them here, and a writer
  // about to create a split of that name deletes the stale folder first.
  // Written only when not empty ("retired").
  std::vector<std::string> retired;

  ManifestSplit* Find(std::string_view name);
  const ManifestSplit* Find(std::string_view name) const;
};

// "none", "month", "year"; and back (false for anything else).
const char* PartitionName(Partition p);
bool ParsePartition(std::string_view text, Partition* out);

// The split a document dated `date` belongs to: "2025-09" (kMonth), "2025"
// (kYear), "all" (kNone); "undated" for an undated document (kMonth, kYear).
std::string SplitNameOf(Partition p, std::optional<Days> date);
// Whether `name` is one SplitNameOf gives for `p` (so a manifest cannot name
// a folder outside DIR/splits/).
bool IsSplitName(Partition p, std::string_view name);
// Whether `name` may name a split made by MergeSplits: 1 to 64 letters,
// digits, '-', '_' and '.', not starting with '.' (so never "..", "/" or a
// hidden folder), not ending in ".merging" or ".compacting" (the folders a
// merge and a compaction write beside a split).
bool IsMergedSplitName(std::string_view name);

// The manifest as JSON text, and back. DecodeManifest checks every member;
// its kCorruption errors name `path`, what is wrong and what to do.
std::string EncodeManifest(const Manifest& m);
Status DecodeManifest(std::string_view text, const std::string& path, Manifest* out);

// DIR/collection.json. ReadManifest: kNotFound when there is none, the
// errors of DecodeManifest, kIOError. WriteManifest replaces it atomically
// (collection.json.tmp written, synced and renamed over it, then the folder
// synced): readers see the old manifest or the new one, whole. kIOError.
// `file`, when given, receives the fstat of the file read.
Result<Manifest> ReadManifest(const std::string& dir, struct stat* file = nullptr);
Status WriteManifest(const std::string& dir, const Manifest& m);

}  // namespace loupe

#endif  // LOUPE_DB_MANIFEST_H_
