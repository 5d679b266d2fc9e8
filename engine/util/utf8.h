// UTF-8 decoding and terminal columns, shared by the snippets (which cut
// passages to a width), the CLI's carets, wrapped text and charts, and the
// corpus readers' UTF-8 checks, so that they all read the same bytes as the
// same characters and give each the same width.
#ifndef LOUPE_UTIL_UTF8_H_
#define LOUPE_UTIL_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace loupe {

// What Utf8At returns where the bytes do not begin a well-formed sequence.
inline constexpr int32_t kBadUtf8 = -1;

// The code point of the well-formed UTF-8 sequence at s[i] (ICU's U8_NEXT) and
// its length in *len (1 to 4). Where s[i] does not begin one (a stray
// continuation byte, an overlong form, a surrogate, a code point over U+10FFFF,
// a sequence cut short) returns kBadUtf8 and sets *len to 0; callers then skip,
// show or escape that one byte. REQUIRES: i < s.size().
int32_t Utf8At(std::string_view s, size_t i, size_t* len);

// The length of the well-formed UTF-8 sequence at s[i] (1 to 4), 0 where none
// begins. REQUIRES: i < s.size().
inline size_t Utf8Length(std::string_view s, size_t i) {
  size_t len;
  Utf8At(s, i, &len);
  return len;
}

// The end of the run of ASCII bytes of s[i, n) that starts at i: the first
// byte from i on that is 0x80 or over, or equal to `stop` (an ASCII byte, or
// -1 for none); n if none is. Eight bytes at a time: the corpus readers and
// the analyzer pass over every byte of every article with it.
inline size_t AsciiRunEnd(const unsigned char* s, size_t i, size_t n, int stop = -1) {
  constexpr uint64_t kHigh = 0x8080808080808080ull, kOnes = 0x0101010101010101ull;
  while (i + 8 <= n) {
    uint64_t w;
    std::memcpy(&w, s + i, 8);
    uint64_t found = w & kHigh;
    if (stop >= 0) {
      const uint64_t x = w ^ (kOnes * static_cast<uint64_t>(stop));  // a zero byte where `stop` is
      found |= (x - kOnes) & ~x & kHigh;                             // (exact: whether there is one)
    }
    if (found) break;
    i += 8;
  }
  while (i < n && s[i] < 0x80 && s[i] != stop) ++i;
  return i;
}

// Columns a terminal gives the code point `cp`: 0 for combining marks and
// zero-width format characters, 2 for East Asian wide and fullwidth ones
// (Unicode's East_Asian_Width W and F: CJK, Hangul, kana, most emoji), 1
// otherwise, including kBadUtf8 (shown as one replacement character).
int CodePointColumns(int32_t cp);

// Columns of the UTF-8 text s (each malformed byte counts one).
size_t DisplayColumns(std::string_view s);

}  // namespace loupe

#endif  // LOUPE_UTIL_UTF8_H_
