// SimHash fingerprints of a text's word shingles, for finding near-identical
// articles (syndicated copies). Each run of three consecutive words is hashed;
// bit b of the fingerprint is 1 when more shingles have bit b set than clear.
// Texts that share most shingles get fingerprints a few bits apart (Charikar,
// "Similarity estimation techniques from rounding algorithms", 2002); Loupe
// folds fingerprints at most kNearBits apart.
#ifndef LOUPE_INDEX_SIMHASH_H_
#define LOUPE_INDEX_SIMHASH_H_

#include <cstddef>
#include <cstdint>

namespace loupe {

// Fingerprints at most this many bits apart are near-duplicates. Four bands of
// 16 bits: two fingerprints within 3 bits agree on at least one band whole,
// which is how SearchOptions::collapse finds candidates without comparing all pairs.
inline constexpr int kNearBits = 3;

// Texts shorter than this many words get no fingerprint (0): a few common words
// are not an article to fold.
inline constexpr size_t kMinFingerprintWords = 12;

inline uint64_t MixBits(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// `words[i]`: a hash of the i-th word (e.g. of its stem). Never returns 0 for
// n >= kMinFingerprintWords (0 means "no fingerprint").
inline uint64_t SimHash(const uint64_t* words, size_t n) {
  if (n < kMinFingerprintWords) return 0;
  int32_t votes[64] = {};
  for (size_t i = 0; i + 2 < n; ++i) {
    uint64_t h = MixBits(words[i] ^ MixBits(words[i + 1] + 0x9e3779b97f4a7c15ULL) ^
                         MixBits(words[i + 2] + 0x3c6ef372fe94f82aULL));
    for (int b = 0; b < 64; ++b) votes[b] += (h >> b & 1) ? 1 : -1;
  }
  uint64_t fp = 0;
  for (int b = 0; b < 64; ++b)
    if (votes[b] > 0) fp |= uint64_t{1} << b;
  return fp ? fp : 1;
}

}  // namespace loupe

#endif  // LOUPE_INDEX_SIMHASH_H_
