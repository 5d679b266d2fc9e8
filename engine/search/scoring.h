// BM25's parameters and the collection statistics it scores with.
//
// A search scores with ScoringStats (documents, average field lengths) and
// each term's document frequency. For one index these are its own; for the
// splits of a collection they are the sums over every split (TermStatistics
// answers the frequencies), so a document scores the same in a collection as
// in one index holding all of its documents.
#ifndef LOUPE_SEARCH_SCORING_H_
#define LOUPE_SEARCH_SCORING_H_

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "index/format.h"
#include "loupe/document.h"
#include "loupe/query.h"
#include "loupe/status.h"

namespace loupe {

// Scores a float rounding apart count as equal when comparing with bounds.
inline constexpr double kBoundSlack = 1e-9;

// BM25 parameters and per-field weights.
struct Bm25 {
  static constexpr double kK1 = 1.2;
  static constexpr double kB = 0.75;
  // Title matches count more than body matches.
  static double FieldWeight(Field f);
  static double Idf(uint64_t live_docs, uint64_t df);
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

// What BM25 needs besides a term's frequencies: the live documents and, per
// field, the average length and the length part of the formula per length code.
struct ScoringStats {
  uint64_t live_docs = 0;
  double avg_length[kNumFields] = {};
  // k1 * (1 - b + b * length / average), per field and length code.
  float length_factor[kNumFields][256] = {};

  void Set(uint64_t docs, const uint64_t (&total_lengths)[kNumFields]) {
    live_docs = docs;
    for (int f = 0; f < kNumFields; ++f) {
      avg_length[f] = docs ? static_cast<double>(total_lengths[f]) / static_cast<double>(docs) : 0;
      const double avg = avg_length[f] > 0 ? avg_length[f] : 1.0;
      for (int c = 0; c < 256; ++c)
        length_factor[f][c] =
            static_cast<float>(Bm25::kK1 * (1 - Bm25::kB + Bm25::kB * DecodeLength(static_cast<uint8_t>(c)) / avg));
    }
  }
};

// Term statistics of a whole collection, for scoring one of its splits.
class TermStatistics {
 public:
  virtual ~TermStatistics() = default;
  // The live documents holding `term` in `field`, over every split.
  virtual Result<uint64_t> Df(Field field, const std::string& term) = 0;
  // The terms a prefix or fuzzy leaf whose expansions are capped searches:
  // those of every split, the most frequent over the collection kept (the
  // cap applies to the collection, not to each split). For a prefix of a
  // stemmed field, the stems of its written forms.
  virtual Result<const std::vector<std::string>*> Expansion(const Query& leaf) = 0;

  // One split's own dictionary entry for a term, read once with the sums, so
  // that planning a split reads its dictionary once per term, not again.
  struct PartEntry {
    bool found = false;  // false: the split's dictionary has no such term
    format::TermInfo info;
  };
  // Split number `part`'s entry (in the order the search numbers its parts);
  // null when these statistics do not keep entries (the planner then reads
  // the split's dictionary itself).
  virtual Result<const PartEntry*> Entry(uint32_t part, Field field, const std::string& term) {
    (void)part, (void)field, (void)term;
    return static_cast<const PartEntry*>(nullptr);
  }
};

// How a search scores: null members mean "the index's own". `part` is the
// number of the split being planned, for TermStatistics::Entry.
struct ScoringContext {
  const ScoringStats* stats = nullptr;
  TermStatistics* terms = nullptr;
  uint32_t part = 0;
};

}  // namespace loupe

#endif  // LOUPE_SEARCH_SCORING_H_
