// ASCII case and spaces for the names and keys of formats (header names, tag
// names, field names, month names, lexicon lines): never the locale's idea of
// case or space, so that a name reads the same on every machine.
#ifndef LOUPE_UTIL_ASCII_H_
#define LOUPE_UTIL_ASCII_H_

#include <string>
#include <string_view>

namespace loupe {

// `s` with the ASCII letters in lower case; other bytes as they are.
inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Whether a and b are equal with ASCII letters compared in lower case
// (Lower(a) == Lower(b), without making either).
inline bool EqualsLower(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The ASCII white space of the C locale's isspace.
inline constexpr std::string_view kAsciiSpace = " \t\n\v\f\r";

// `s` without the bytes in `space` at either end.
inline std::string_view Trim(std::string_view s, std::string_view space = kAsciiSpace) {
  const size_t b = s.find_first_not_of(space);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(space) - b + 1);
}

}  // namespace loupe

#endif  // LOUPE_UTIL_ASCII_H_
