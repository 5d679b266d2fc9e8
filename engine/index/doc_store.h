// Stored documents, packed into compressed blocks.
//
// Consecutive documents of a commit are grouped into blocks of about
// kDocBlockBytes of encoded fields, compressed together with zstd (text
// compresses far better in blocks than one article at a time) and stored under
// the big-endian id of the block's first document. A document is found by
// seeking to the last block key <= its id. Retired documents stay in their block
// until the index is compacted; liveness is decided by docvals and the id table.
//
// Block value: varint count, count x (varint doc - first, varint encoded length),
// then one zstd frame holding the encoded documents back to back.
#ifndef LOUPE_ENGINE_INDEX_DOC_STORE_H_
#define LOUPE_ENGINE_INDEX_DOC_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/status.h"
#include "storage/lmdb.h"

namespace loupe::format {

inline constexpr size_t kDocBlockBytes = 64 * 1024;

// Builds one block from (doc id, encoded document) pairs in increasing id order.
class DocBlockBuilder {
 public:
  void Add(uint32_t doc, std::string_view encoded);
  bool empty() const { return docs_.empty(); }
  size_t raw_bytes() const { return raw_.size(); }
  uint32_t first_doc() const { return docs_.front(); }
  // Compresses the block into *out and resets the builder. False if zstd fails.
  bool Finish(std::string* out);

 private:
  std::vector<uint32_t> docs_, lengths_;
  std::string raw_;
};

// Reads stored documents; keeps the last decompressed block, so that reading
// several documents of one block decompresses it once. Not thread-safe.
class DocBlockReader {
 public:
  // Sets *encoded to the encoded fields of `doc` (valid until the next call).
  // NotFound if no block holds it; Corruption if the block is damaged.
  Status Read(const storage::Txn& txn, uint32_t doc, std::string_view* encoded);
  // The stored fields of live document `doc`, decoded. kCorruption if it has
  // none or they do not decode.
  Status ReadLive(const storage::Txn& txn, uint32_t doc, Document* out);
  // The same as Read from a block value at hand (whose first document is `first`).
  Status ReadBlock(uint32_t first, std::string_view value, uint32_t doc, std::string_view* encoded);

 private:
  uint32_t first_ = UINT32_MAX;
  std::vector<uint32_t> docs_, offsets_;
  std::string raw_;
};

}  // namespace loupe::format

#endif  // LOUPE_ENGINE_INDEX_DOC_STORE_H_
