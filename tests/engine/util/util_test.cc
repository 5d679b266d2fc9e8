// The engine's shared helpers (engine/util/): edit distances, ASCII case and
// spaces, primitive coding, CRC-32C, UTF-8 and display columns.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/ascii.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/edits.h"
#include "util/key_order.h"
#include "util/utf8.h"

namespace loupe {

TEST_CASE("EditDistance counts insertions, deletions and substitutions", "[util]") {
  CHECK(EditDistance("", "") == 0);
  CHECK(EditDistance("", "abc") == 3);
  CHECK(EditDistance("kitten", "sitting") == 3);
  CHECK(EditDistance("tariffs", "tarifs") == 1);
  // Without swaps a transposition is two substitutions; with them, one edit.
  CHECK(EditDistance("tlaks", "talks") == 2);
  CHECK(EditDistance("tlaks", "talks", /*swaps=*/true) == 1);
  CHECK(EditDistance("ca", "abc", /*swaps=*/true) == 3);  // optimal string alignment, not Damerau's
  CHECK(EditDistance("abcdef", "badcfe", /*swaps=*/true) == 3);
}

TEST_CASE("WithinEdits agrees with EditDistance", "[util]") {
  const char* words[] = {"", "a", "tariff", "tariffs", "tarifs", "traiffs", "sanction", "sanctions", "xyz"};
  for (std::string_view a : words)
    for (std::string_view b : words)
      for (uint32_t k = 0; k <= 3; ++k) CHECK(WithinEdits(a, b, k) == (EditDistance(a, b) <= k));
}

TEST_CASE("Lower and Trim work on ASCII only", "[util]") {
  CHECK(Lower("Date-Precision: ÉÉ") == "date-precision: ÉÉ");  // ASCII letters only
  CHECK(Trim("  \tkey \r\n") == "key");
  CHECK(Trim(" \t ").empty());
  CHECK(Trim("\r--- ", " \t") == "\r---");
  CHECK(EqualsLower("Date-Precision", "date-precision"));
  CHECK(EqualsLower("", ""));
  CHECK_FALSE(EqualsLower("Date-Precision", "date-precisio"));
  CHECK_FALSE(EqualsLower("\xC3\x89", "\xC3\xA9"));  // É and é: ASCII letters only
  CHECK_FALSE(EqualsLower("a[", "A{"));              // '[' and '{' are not a case pair
}

TEST_CASE("varints and fixed-width integers round-trip and reject damage", "[util]") {
  std::string buf;
  const uint64_t values[] = {0, 1, 127, 128, 300, UINT32_MAX, uint64_t{1} << 40, UINT64_MAX};
  for (uint64_t v : values) coding::PutVarint64(&buf, v);
  coding::PutLengthPrefixed(&buf, "héllo");
  coding::PutFixed32BE(&buf, 0x01020304);
  std::string_view in = buf;
  for (uint64_t v : values) {
    uint64_t got = 0;
    REQUIRE(coding::GetVarint64(&in, &got));
    CHECK(got == v);
  }
  std::string_view s;
  REQUIRE(coding::GetLengthPrefixed(&in, &s));
  CHECK(s == "héllo");
  REQUIRE(in.size() == 4);
  CHECK(in[0] == 1);  // big endian: keys sort as numbers
  CHECK(coding::DecodeFixed32BE(in.data()) == 0x01020304);

  std::string big;
  coding::PutVarint64(&big, uint64_t{UINT32_MAX} + 1);
  std::string_view b = big;
  uint32_t v32;
  CHECK_FALSE(coding::GetVarint32(&b, &v32));  // too large for 32 bits
  std::string_view cut = std::string_view(big).substr(0, 2);
  uint64_t v64;
  CHECK_FALSE(coding::GetVarint64(&cut, &v64));  // truncated
  std::string endless(11, '\x80');
  std::string_view over = endless;
  CHECK_FALSE(coding::GetVarint64(&over, &v64));  // overlong
}

TEST_CASE("AsciiRunEnd stops where a byte-at-a-time scan stops", "[util]") {
  // Runs of every length around the eight-byte steps, ending at a high byte,
  // the stop byte (a carriage return, '_' or NUL; none for -1) or the end.
  uint64_t seed = 12345;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<unsigned>(seed >> 33);
  };
  const unsigned char alphabet[] = {'a', ' ', '\n', '\r', '_', 0x7F, 0x80, 0xC3, 0xFF, 0x00, 0x0C, 0x0E, 0x8D, 0xDF};
  for (int round = 0; round < 20000; ++round) {
    std::string text(next() % 40, 'x');
    for (char& c : text)
      if (next() % 6 == 0) c = static_cast<char>(alphabet[next() % sizeof alphabet]);
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size(), from = n ? next() % n : 0;
    for (int stop : {-1, int{'\r'}, int{'_'}, 0}) {
      size_t naive = from;
      while (naive < n && s[naive] < 0x80 && s[naive] != stop) ++naive;
      INFO("text of " << n << " bytes from " << from << ", stopping at " << stop);
      REQUIRE(AsciiRunEnd(s, from, n, stop) == naive);
    }
  }
}

TEST_CASE("KeyLess orders keys as their bytes do", "[util]") {
  // Keys sharing long prefixes, differing past 16 bytes, by trailing zero
  // bytes, or by length alone: sorted with KeyLess as with std::string's <.
  uint64_t seed = 99;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<unsigned>(seed >> 33);
  };
  const std::string bytes("ab\0\xff\x80z", 6);
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) {
    std::string k = next() % 3 == 0 ? "h000012345678901" : "";
    if (next() % 2) k = std::string("h0000123456789012", 16 + next() % 2);
    for (size_t n = next() % 22; n > 0; --n) k += bytes[next() % bytes.size()];
    keys.push_back(k);
  }
  std::vector<std::string> want = keys;
  std::sort(want.begin(), want.end());
  std::sort(keys.begin(), keys.end(),
            [](const std::string& a, const std::string& b) { return KeyLess(KeyPrefix(a), a, KeyPrefix(b), b); });
  CHECK(keys == want);
  CHECK(KeyLess(KeyPrefix("ab"), "ab", KeyPrefix(std::string("ab\0", 3)), std::string("ab\0", 3)));
  CHECK_FALSE(KeyLess(KeyPrefix("ab"), "ab", KeyPrefix("ab"), "ab"));
}

TEST_CASE("CRC-32C matches the standard check value", "[util]") {
  CHECK(Crc32c(0, std::string_view("123456789")) == 0xE3069283u);
}

TEST_CASE("UTF-8 decoding and display columns", "[util]") {
  size_t len = 0;
  CHECK(Utf8At("é", 0, &len) == 0xE9);
  CHECK(len == 2);
  CHECK(Utf8At("\xFF", 0, &len) == kBadUtf8);  // not UTF-8
  CHECK(len == 0);
  CHECK(DisplayColumns("abc") == 3);
  CHECK(DisplayColumns("東京") == 4);       // wide
  CHECK(DisplayColumns("e\xCC\x81") == 1);  // e + combining acute
}

}  // namespace loupe
