#include "loupe/document.h"

#include <cstdio>
#include <string_view>

#include "util/calendar.h"

namespace loupe {

const char* FieldName(Field f) {
  switch (f) {
    case Field::kTitle:
      return "title";
    case Field::kBody:
      return "body";
    case Field::kActor:
      return "actor";
    case Field::kTopic:
      return "topic";
    case Field::kAuthor:
      return "author";
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
      if (c != n[k]) {
        eq = false;
        break;
      }
    }
    if (eq) {
      *out = static_cast<Field>(i);
      return true;
    }
  }
  return false;
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
  if (!ParseDigits(t.substr(0, 4), &y) || !ParseDigits(t.substr(5, 2), &m) || !ParseDigits(t.substr(8, 2), &d))
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
