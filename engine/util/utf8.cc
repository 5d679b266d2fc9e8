#include "util/utf8.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

namespace loupe {

int32_t Utf8At(std::string_view s, size_t i, size_t* len) {
  // U8_NEXT takes int32_t offsets: look at most at the 4 bytes a sequence can have.
  const auto* p = reinterpret_cast<const uint8_t*>(s.data() + i);
  const int32_t n = static_cast<int32_t>(s.size() - i < 4 ? s.size() - i : 4);
  int32_t at = 0;
  UChar32 c;
  U8_NEXT(p, at, n, c);
  if (c < 0) {
    *len = 0;
    return kBadUtf8;
  }
  *len = static_cast<size_t>(at);
  return c;
}

int CodePointColumns(int32_t cp) {
  if (cp < 0) return 1;
  if (cp < 0x7F) return 1;  // ASCII: the common case, without a property look-up
  const int8_t type = u_charType(cp);
  // The soft hyphen is a format character that terminals show as a hyphen.
  if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || (type == U_FORMAT_CHAR && cp != 0xAD)) return 0;
  const int32_t eaw = u_getIntPropertyValue(cp, UCHAR_EAST_ASIAN_WIDTH);
  return eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH ? 2 : 1;
}

size_t DisplayColumns(std::string_view s) {
  size_t cols = 0;
  for (size_t i = 0; i < s.size();) {
    size_t len;
    cols += static_cast<size_t>(CodePointColumns(Utf8At(s, i, &len)));
    i += len ? len : 1;
  }
  return cols;
}

}  // namespace loupe
