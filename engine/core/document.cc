#include "loupe/document.h"

#include <cstdio>
#include <string_view>

namespace loupe {

const char* FieldName(Field f) {
  switch (f) {
    case Field::kTitle: return "title";
    case Field::kBody: return "body";
    case Field::kActor: return "actor";
    case Field::kTopic: return "topic";
    case Field::kAuthor: return "author";
    case Field::kCustom:
      return "custom";
  }
  return "?";
}

bool ParseFieldName(std::string_view name, Field* out) {
  for (int i = 0; i < static_cast<int>(Field::kCustom); ++i) {
    std::string_view n = FieldName(static_cast<Field>(i));
    if (n.size() != name.size()) continue;
    bool eq = true;
    for (size_t k = 0; k < n.size(); ++k) {
      char c = name[k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != n[k]) { eq = false; break; }
    }
    if (eq) { *out = static_cast<Field>(i); return true; }
  }
  return false;
}

// Howard Hinnant's days_from_civil algorithm (public domain description).
Days DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

void CivilFromDays(Days z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int yy = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

unsigned DaysInMonth(int y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2) {
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[m - 1];
}

static bool ParseDigits(std::string_view s, int* out) {
  if (s.empty()) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool ParseIsoDate(std::string_view t, Days* out) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  int y, m, d;
  if (!ParseDigits(t.substr(0, 4), &y) || !ParseDigits(t.substr(5, 2), &m) ||
      !ParseDigits(t.substr(8, 2), &d))
    return false;
  if (y < 1 || m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, m)) return false;
  *out = DaysFromCivil(y, m, d);
  return true;
}

std::string FormatIsoDate(Days days) {
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

}  // namespace loupe
