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
  std::vector<Days> dates;                                   // by doc id; kNoDate if undated
  std::vector<std::array<uint32_t, kNumFields>> lengths;     // by doc id
  std::vector<uint8_t> live;                                 // by doc id
  std::vector<uint64_t> live_bits;                           // the same as a bitset (bit d of word d / 64)
  double avg_length[kNumFields] = {};

  bool IsLive(uint32_t doc) const { return doc <= max_doc && live[doc]; }
};

}  // namespace loupe

#endif  // LOUPE_SEARCH_DOC_TABLE_H_
