// Spilling a writer's batch to disk.
//
// A batch larger than the writer's memory budget is written out as sorted
// runs, the way external sorts work: the inverted terms in key order, each with
// its postings and positions, and the stored documents as finished compressed
// blocks. Commit merges the runs with what is still in memory and writes the
// index tables once, in key order. Without runs, a large corpus would need
// either unbounded memory or many commits, and every commit copies the B-tree
// pages it touches, which for postings spread over every term is nearly all
// of them.
//
// The runs live in one temporary file in the index directory, unlinked at
// creation, so it disappears with the process whatever happens.
//
// A term record, in native byte order (the file never outlives the process):
//   u32 key length | u32 n | u32 number of positions | key |
//   n doc ids | n tfs | the positions of each posting in turn
// Raw arrays rather than a compact encoding: the run is written and read back
// once, by the thread that inverts, and copying is what costs it least.
#ifndef LOUPE_ENGINE_INDEX_SPILL_H_
#define LOUPE_ENGINE_INDEX_SPILL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/status.h"

namespace loupe {

class SpillFile {
 public:
  // An unlinked temporary file in `dir`.
  static Result<std::unique_ptr<SpillFile>> Create(const std::string& dir);
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  // Appends data (buffered); the offset it starts at is size() before the call.
  Status Append(std::string_view data);
  // Writes out the buffer, so that Read sees everything appended.
  Status Flush();
  uint64_t size() const { return size_; }
  // Reads n bytes at offset into *out (replacing its contents).
  Status Read(uint64_t offset, size_t n, std::string* out) const;

 private:
  explicit SpillFile(int fd) : fd_(fd) {}
  int fd_;
  uint64_t size_ = 0;     // bytes appended, buffered ones included
  uint64_t flushed_ = 0;  // bytes in the file
  std::string buf_;
};

// Appends one term record (see above) to *out.
void EncodeTermRecord(std::string_view key, const uint32_t* docs, const uint32_t* tfs, size_t n,
                      const uint32_t* positions, std::string* out);

// Reads the term records of [begin, end) of a spill file in order.
class RunReader {
 public:
  RunReader(const SpillFile* file, uint64_t begin, uint64_t end) : file_(file), at_(begin), end_(end) {}
  // Moves to the next record; false at the end or on error (see status()).
  bool Next();
  std::string_view key() const { return key_; }
  const std::vector<uint32_t>& docs() const { return docs_; }
  const std::vector<uint32_t>& tfs() const { return tfs_; }
  const std::vector<uint32_t>& positions() const { return positions_; }
  const Status& status() const { return status_; }

 private:
  bool Fill(size_t need);  // makes buf_[pos_, pos_ + need) available
  bool Fail(std::string what);

  const SpillFile* file_;
  uint64_t at_, end_;  // file range not yet in buf_
  std::string buf_, chunk_;
  size_t pos_ = 0;
  std::string key_;
  std::vector<uint32_t> docs_, tfs_, positions_;
  Status status_;
};

}  // namespace loupe

#endif  // LOUPE_ENGINE_INDEX_SPILL_H_
