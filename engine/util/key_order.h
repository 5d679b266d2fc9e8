// Sorting byte-string keys in the order LMDB keeps them (memcmp, then length)
// with fewer calls to memcmp: each key's first 16 bytes as two integers,
// compared first. The writer sorts a batch's ids and written forms so that a
// commit into empty tables appends them; on a batch of short documents that
// sort was a few percent of indexing.
#ifndef LOUPE_UTIL_KEY_ORDER_H_
#define LOUPE_UTIL_KEY_ORDER_H_

#include <cstdint>
#include <string_view>

namespace loupe {

// The first 16 bytes of a key, big-endian, zero-padded: where two prefixes
// differ, they order their keys as the keys' bytes do; where they are equal
// (keys that agree on 16 bytes, or differ only in trailing zero bytes), the
// keys themselves must be compared.
struct KeyPrefix {
  uint64_t hi = 0, lo = 0;

  explicit KeyPrefix(std::string_view key) {
    for (size_t i = 0; i < 16; ++i) {
      const uint64_t b = i < key.size() ? static_cast<unsigned char>(key[i]) : 0;
      (i < 8 ? hi : lo) |= b << (8 * (7 - i % 8));
    }
  }
  // -1, 0 or 1 as this prefix orders before, with or after `o` (0: undecided).
  int Compare(const KeyPrefix& o) const {
    if (hi != o.hi) return hi < o.hi ? -1 : 1;
    if (lo != o.lo) return lo < o.lo ? -1 : 1;
    return 0;
  }
};

// Whether key a (with prefix pa) orders before key b (with prefix pb).
inline bool KeyLess(const KeyPrefix& pa, std::string_view a, const KeyPrefix& pb, std::string_view b) {
  const int c = pa.Compare(pb);
  return c != 0 ? c < 0 : a < b;
}

}  // namespace loupe

#endif  // LOUPE_UTIL_KEY_ORDER_H_
