// Near-duplicate detection for SearchOptions::collapse: a body's word
// shingles (runs of three consecutive words), an 8-byte MinHash fingerprint
// of them stored per document, and the exact test.
//
// Each byte of the fingerprint is the low byte of a minimum hash of the
// shingles (b-bit MinHash, Li and König 2010; see Fingerprint): two bodies
// agree on a byte with probability about their Jaccard similarity. Search treats two matches whose fingerprints agree
// on one of four 2-byte bands as candidates (bodies 80% alike are candidates 98% of the time, unrelated ones about once
// in 16,000 pairs) and folds them only when their shingle sets, computed from the stored bodies, are at least
// kNearJaccard alike.
#ifndef LOUPE_INDEX_FINGERPRINT_H_
#define LOUPE_INDEX_FINGERPRINT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace loupe {

// Bodies whose shingle sets have at least this Jaccard similarity are copies.
inline constexpr double kNearJaccard = 0.8;

// Bodies shorter than this many words get no fingerprint (0) and are never
// folded: a few common words are not an article.
inline constexpr size_t kMinFingerprintWords = 12;

inline uint64_t MixBits(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Hashes of the shingles of `words` (a hash per word, e.g. of its stem),
// sorted, without repeats.
inline std::vector<uint64_t> Shingles(const uint64_t* words, size_t n) {
  std::vector<uint64_t> out;
  for (size_t i = 0; i + 2 < n; ++i)
    out.push_back(MixBits(words[i] ^ MixBits(words[i + 1] + 0x9e3779b97f4a7c15ULL) ^
                          MixBits(words[i + 2] + 0x3c6ef372fe94f82aULL)));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// |a ∩ b| / |a ∪ b| of two sorted sets.
inline double Jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() && b.empty()) return 1;
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j])
      ++i;
    else if (b[j] < a[i])
      ++j;
    else
      ++common, ++i, ++j;
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

// The fingerprint of a body of n words; 0 (none) below kMinFingerprintWords.
// One hash per shingle (one-permutation hashing, Li, Owen and Zhang 2012):
// its top three bits pick one of eight bins, each bin keeps its smallest
// value, and an empty bin borrows from the next full one (densification,
// Shrivastava and Li 2014), so indexing pays one pass over the words.
inline uint64_t Fingerprint(const uint64_t* words, size_t n) {
  if (n < kMinFingerprintWords) return 0;
  uint64_t mins[8];
  for (uint64_t& m : mins) m = UINT64_MAX;
  for (size_t i = 0; i + 2 < n; ++i) {
    uint64_t h = MixBits(words[i] ^ MixBits(words[i + 1] + 0x9e3779b97f4a7c15ULL) ^
                         MixBits(words[i + 2] + 0x3c6ef372fe94f82aULL));
    uint64_t& m = mins[h >> 61];
    m = std::min(m, h & ((uint64_t{1} << 61) - 1));
  }
  uint64_t fp = 0;
  for (int k = 0; k < 8; ++k) {
    int j = 0;
    while (j < 8 && mins[(k + j) % 8] == UINT64_MAX) ++j;
    uint64_t v = MixBits(mins[(k + j) % 8] + static_cast<uint64_t>(j));  // j: where it was borrowed from
    fp |= (v & 0xFF) << (8 * k);
  }
  return fp ? fp : 1;
}

}  // namespace loupe

#endif  // LOUPE_INDEX_FINGERPRINT_H_
