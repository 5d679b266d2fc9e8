// DocTable: per-commit, in-memory view of every document's date, field lengths
// and liveness, loaded once per index generation and shared by all searches of
// that generation. Date filters and BM25 length norms read it instead of LMDB.
#ifndef LOUPE_SEARCH_DOC_TABLE_H_
#define LOUPE_SEARCH_DOC_TABLE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "index/format.h"
#include "loupe/analyzer.h"
#include "search/scoring.h"

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
  // The index's own BM25 statistics (live documents, average lengths), and
  // the field length totals they come from (a collection adds its splits').
  ScoringStats scoring;
  uint64_t total_lengths[kNumFields] = {};
  std::vector<uint64_t> live_bits;     // bit d of word d / 64: doc d is live
  std::vector<uint64_t> fingerprints;  // by doc id: body MinHash fingerprint (0: none)
  // How the index analyzes (IndexImpl::analyzer_options): the searches that
  // analyze stored text (exact forms, checked prefixes, collapse) analyze as
  // its writer did.
  AnalyzerOptions analyzer_options;

  bool IsLive(uint32_t doc) const { return doc <= max_doc && (live_bits[doc >> 6] >> (doc & 63) & 1); }
};

}  // namespace loupe

#endif  // LOUPE_SEARCH_DOC_TABLE_H_
