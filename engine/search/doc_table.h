// DocTable: per-commit, in-memory view of every document's date, field lengths
// and liveness, loaded once per index generation and shared by all searches of
// that generation. Date filters and BM25 length norms read it instead of LMDB.
#ifndef LOUPE_SEARCH_DOC_TABLE_H_
#define LOUPE_SEARCH_DOC_TABLE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "index/format.h"

namespace loupe {

struct DocTable {
  uint64_t generation = 0;
  uint32_t max_doc = 0;  // highest doc id ever assigned
  uint64_t live_docs = 0;
  std::vector<Days> dates;  // by doc id; kNoDate if undated
  // Field lengths as one-byte codes (EncodeLength), by doc id: 6 bytes a
  // document rather than 24 keeps the table in cache while scoring (the
  // custom fields' is always 0: keywords have no length norm).
  std::vector<std::array<uint8_t, kNumFields>> norms;
  // BM25's length part, k1 * (1 - b + b * length / average), per field and code.
  float length_factor[kNumFields][256] = {};
  std::vector<uint64_t> live_bits;     // bit d of word d / 64: doc d is live
  std::vector<uint64_t> fingerprints;  // by doc id: body MinHash fingerprint (0: none)
  double avg_length[kNumFields] = {};

  bool IsLive(uint32_t doc) const { return doc <= max_doc && (live_bits[doc >> 6] >> (doc & 63) & 1); }
};

// A field length as one byte: exact below 32, then the top bit's place and the
// next three bits (a length is known within 1/8 up to 2^32). Monotonic, so a
// block's minimum length still bounds its documents' codes from below.
inline uint8_t EncodeLength(uint32_t len) {
  if (len < 32) return static_cast<uint8_t>(len);
  int top = 31 - __builtin_clz(len);  // 5..31
  return static_cast<uint8_t>(32 + (top - 5) * 8 + ((len >> (top - 3)) & 7));
}
// The smallest length with that code (codes above EncodeLength(UINT32_MAX),
// which no length has, read as that one).
inline uint32_t DecodeLength(uint8_t code) {
  constexpr uint8_t kTop = 32 + 26 * 8 + 7;  // EncodeLength(UINT32_MAX)
  if (code > kTop) code = kTop;
  if (code < 32) return code;
  int top = (code - 32) / 8 + 5;
  return (uint32_t{1} << top) | (uint32_t{(code - 32u) % 8} << (top - 3));
}

}  // namespace loupe

#endif  // LOUPE_SEARCH_DOC_TABLE_H_
