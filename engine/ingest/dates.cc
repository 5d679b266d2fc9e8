// Header dates (ParseHeaderDate): the text is split into its parts here, and
// each shape handed to date::parse (Howard Hinnant's date), which reads the
// numbers and month names, checks the calendar and moves times to UTC.
#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <locale>
#include <sstream>

#include "loupe/ingest/formats.h"
#include "readers.h"

namespace loupe::ingest {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool AllDigits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit); }
bool AllAlpha(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsAlpha); }

int Number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// The text with RFC 5322 comments ("(PDT)", "(added by postmaster)", nested
// ones too) replaced by a space; false when a parenthesis is unbalanced.
bool StripComments(std::string_view in, std::string* out) {
  int depth = 0;
  for (char c : in) {
    if (c == '(') {
      if (depth++ == 0) out->push_back(' ');
    } else if (c == ')') {
      if (--depth < 0) return false;
    } else if (depth == 0) {
      out->push_back(c);
    }
  }
  return depth == 0;
}

// Parses `text` with `format` (date::parse), all of it, as a UTC day in 1..9999.
// Whether t is YYYY-MM-DD in shape (digits and dashes).
bool IsIsoDayShape(std::string_view t) {
  return t.size() == 10 && t[4] == '-' && t[7] == '-' && AllDigits(t.substr(0, 4)) && AllDigits(t.substr(5, 2)) &&
         AllDigits(t.substr(8, 2));
}

// The day of t, of IsIsoDayShape, with date's calendar checks (as ParseDay).
std::optional<Days> IsoDay(std::string_view t) {
  const date::year_month_day ymd{date::year(Number(t.substr(0, 4))),
                                 date::month(static_cast<unsigned>(Number(t.substr(5, 2)))),
                                 date::day(static_cast<unsigned>(Number(t.substr(8, 2))))};
  if (!ymd.ok() || ymd.year() < date::year(1)) return std::nullopt;
  return static_cast<Days>(date::sys_days(ymd).time_since_epoch().count());
}

std::optional<Days> ParseDay(const std::string& text, const char* format) {
  // The common shape, YYYY-MM-DD, without a stream: a stream and its locale
  // cost more than the rest of reading a short article. The calendar checks
  // are date's, as below.
  if (std::strcmp(format, "%Y-%m-%d") == 0 && IsIsoDayShape(text)) return IsoDay(text);
  std::istringstream in(text);
  in.imbue(std::locale::classic());  // English month names whatever the global locale
  date::sys_seconds tp;
  in >> date::parse(format, tp);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  const date::sys_days day = date::floor<date::days>(tp);
  const date::year_month_day ymd(day);
  if (ymd.year() < date::year(1) || ymd.year() > date::year(9999)) return std::nullopt;
  return static_cast<Days>(day.time_since_epoch().count());
}

// A numeric zone ("+0100", "-05:00", "+05"), checked (hours below 24, minutes
// below 60), as "+hhmm" for %z.
bool NumericZone(std::string_view z, std::string* out) {
  if (z.size() < 3 || (z[0] != '+' && z[0] != '-')) return false;
  std::string digits;
  for (size_t i = 1; i < z.size(); ++i)
    if (!(z[i] == ':' && i == 3)) digits += z[i];
  if (!AllDigits(digits) || (digits.size() != 2 && digits.size() != 4)) return false;
  if (digits.size() == 2) digits += "00";
  if (Number(digits.substr(0, 2)) > 23 || Number(digits.substr(2)) > 59) return false;
  *out = z.substr(0, 1);
  *out += digits;
  return true;
}

// An RFC 5322 zone name as "+hhmm": UT, GMT (and UTC, Z), the US zones, and,
// as section 4.3 asks, military letters and other alphabetic names of 3 to 5
// letters as -0000 (their meaning is unknown).
bool NamedZone(std::string_view z, std::string* out) {
  static const std::pair<const char*, const char*> kZones[] = {
      {"ut", "+0000"},  {"gmt", "+0000"}, {"utc", "+0000"}, {"z", "+0000"},   {"est", "-0500"}, {"edt", "-0400"},
      {"cst", "-0600"}, {"cdt", "-0500"}, {"mst", "-0700"}, {"mdt", "-0600"}, {"pst", "-0800"}, {"pdt", "-0700"}};
  const std::string l = Lower(z);
  for (const auto& [name, offset] : kZones)
    if (l == name) return *out = offset, true;
  if (!AllAlpha(l) || l == "j" || l.size() == 2 || l.size() > 5) return false;
  *out = "-0000";
  return true;
}

// "hh:mm" or "hh:mm:ss" (a fraction of a second dropped, a leap second read
// as :59, which keeps the day) and its format.
bool Time(std::string_view t, std::string* out, const char** format) {
  if (size_t dot = t.find_first_of(".,"); dot != std::string_view::npos && t.find(':') < dot) {
    if (!AllDigits(t.substr(dot + 1))) return false;
    t = t.substr(0, dot);
  }
  const size_t colons = static_cast<size_t>(std::count(t.begin(), t.end(), ':'));
  if (colons < 1 || colons > 2 || t.size() < 4) return false;
  // hh:mm or hh:mm:ss: one or two digits, then two each ("10:00:" is no time,
  // and date::parse would read its empty seconds as NaN).
  size_t part = 0, digits = 0;
  for (char c : t) {
    if (c == ':') {
      if (digits < 1 || digits > 2 || (part > 0 && digits != 2)) return false;
      ++part, digits = 0;
    } else if (IsDigit(c)) {
      ++digits;
    } else {
      return false;
    }
  }
  if (digits != 2) return false;
  *out = std::string(t);
  if (colons == 2 && out->size() >= 3 && out->compare(out->size() - 3, 3, ":60") == 0)
    out->replace(out->size() - 2, 2, "59");
  *format = colons == 2 ? "%H:%M:%S" : "%H:%M";
  return true;
}

// A month name as date::parse's %b reads it: full or abbreviated, "Sept" and a
// trailing period allowed. Empty when the word is no month.
std::string MonthWord(std::string_view w) {
  std::string l = Lower(w);
  if (!l.empty() && l.back() == '.') l.pop_back();
  if (l == "sept") return "sep";
  static const char* const kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                                        "july",    "august",   "september", "october", "november", "december"};
  for (const char* m : kMonths)
    if (l == m || (l.size() == 3 && std::string_view(m).substr(0, 3) == l)) return l;
  return "";
}

bool Weekday(std::string_view w) {
  std::string l = Lower(w);
  if (!l.empty() && l.back() == '.') l.pop_back();
  static const char* const kDays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  for (const char* d : kDays)
    if (l == d || (l.size() == 3 && std::string_view(d).substr(0, 3) == l)) return true;
  return false;
}

// "15" or "15th" as the day of a month.
bool DayWord(std::string_view w, std::string* out) {
  if (w.size() > 2) {
    const std::string suffix = Lower(w.substr(w.size() - 2));
    if (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th") w.remove_suffix(2);
  }
  if (!AllDigits(w) || w.size() > 2) return false;
  *out = std::string(w);
  return true;
}

// ISO 8601 and its relatives: YYYY, YYYY-MM, YYYY-MM-DD[(T| )time[zone]], YYYY/MM/DD.
std::optional<Days> ParseIso(std::string_view t, DatePrecision* precision) {
  const std::string s(t);
  if (t.size() == 4) {
    if (!precision) return std::nullopt;
    auto day = ParseDay(s + "-01-01", "%Y-%m-%d");
    if (day) *precision = DatePrecision::kYear;
    return day;
  }
  if (t[4] == '/') {
    if (t.size() > 10) return std::nullopt;
    auto day = ParseDay(s, "%Y/%m/%d");
    if (day && precision) *precision = DatePrecision::kDay;
    return day;
  }
  if (t.size() < 7 || !AllDigits(t.substr(5, 2))) return std::nullopt;
  if (t.size() == 7) {
    if (!precision) return std::nullopt;
    auto day = ParseDay(s + "-01", "%Y-%m-%d");
    if (day) *precision = DatePrecision::kMonth;
    return day;
  }
  if (t.size() < 10 || t[7] != '-' || !AllDigits(t.substr(8, 2))) return std::nullopt;
  std::string text(t.substr(0, 10));
  std::string format = "%Y-%m-%d";
  std::string_view rest = t.substr(10);
  if (!rest.empty()) {
    if (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ') return std::nullopt;
    rest = Trim(rest.substr(1));
    // The time runs to the zone: Z, or a sign (never its first character).
    size_t zone_at = rest.find_first_of("Zz+-", 1);
    std::string time;
    const char* time_format;
    if (!Time(Trim(rest.substr(0, zone_at)), &time, &time_format)) return std::nullopt;
    std::string zone = "+0000";
    if (zone_at != std::string_view::npos) {
      std::string_view z = Trim(rest.substr(zone_at));
      if (z != "Z" && z != "z" && !NumericZone(z, &zone)) return std::nullopt;
    }
    text += "T" + time + " " + zone;
    format += std::string("T") + time_format + " %z";
  }
  auto day = ParseDay(text, format.c_str());
  if (day && precision) *precision = DatePrecision::kDay;
  return day;
}

// Dates in words: D Mon Y (RFC 5322) or Mon D Y, each optionally followed by a
// time and a zone, or ctime's Mon D time Y [zone]; a weekday may come first.
std::optional<Days> ParseWords(std::string_view t, DatePrecision* precision) {
  std::vector<std::string_view> words;
  for (size_t i = 0; i < t.size();) {
    size_t end = t.find_first_of(" \t\r\n,", i);
    if (end == std::string_view::npos) end = t.size();
    if (end > i) words.push_back(t.substr(i, end - i));
    i = end + 1;
  }
  size_t w = 0;
  if (w < words.size() && Weekday(words[w])) ++w;
  // The shape, word by word: the text and the format date::parse gets.
  std::string text, format;
  auto add = [&](const std::string& part, const char* f) {
    if (!text.empty()) text += ' ', format += ' ';
    text += part;
    format += f;
  };
  std::string day, month, time;
  const char* time_format = nullptr;
  auto year = [&](std::string_view word, bool obsolete_ok) {
    // RFC 5322 section 4.3: 00-49 are 2000-2049, 50-99 1950-1999, and three
    // digits are added to 1900.
    if (!AllDigits(word) || word.size() > 4 || word.size() < (obsolete_ok ? 2 : 4)) return false;
    int y = Number(word);
    if (word.size() == 2) y += y < 50 ? 2000 : 1900;
    if (word.size() == 3) y += 1900;
    add(std::to_string(y), "%Y");
    return true;
  };
  if (w + 2 < words.size() && DayWord(words[w], &day) && !(month = MonthWord(words[w + 1])).empty()) {
    add(day, "%d");
    add(month, "%b");
    if (!year(words[w + 2], true)) return std::nullopt;
    w += 3;
  } else if (w + 2 < words.size() && !(month = MonthWord(words[w])).empty() && DayWord(words[w + 1], &day)) {
    add(month, "%b");
    add(day, "%d");
    if (Time(words[w + 2], &time, &time_format)) {  // ctime: the time before the year
      if (w + 3 >= words.size() || !year(words[w + 3], false)) return std::nullopt;
      w += 4;
    } else {
      if (!year(words[w + 2], false)) return std::nullopt;
      w += 3;
    }
  } else {
    return std::nullopt;
  }
  if (!time_format && w < words.size() && !Time(words[w++], &time, &time_format)) return std::nullopt;
  if (time_format) {
    add(time, time_format);
    std::string zone = "+0000";  // a time without a zone is read as UTC
    if (w < words.size() && (NumericZone(words[w], &zone) || NamedZone(words[w], &zone))) ++w;
    add(zone, "%z");
  }
  if (w != words.size()) return std::nullopt;
  auto d = ParseDay(text, format.c_str());
  if (d && precision) *precision = DatePrecision::kDay;
  return d;
}

std::optional<Days> Parse(std::string_view text, DatePrecision* precision) {
  std::string plain;
  if (!StripComments(text, &plain)) return std::nullopt;
  std::string_view t = Trim(plain);
  if (t.size() >= 4 && AllDigits(t.substr(0, 4)) && (t.size() == 4 || t[4] == '-' || t[4] == '/'))
    return ParseIso(t, precision);
  return ParseWords(t, precision);
}

}  // namespace

std::optional<Days> ParseHeaderDate(std::string_view text) { return Parse(text, nullptr); }

std::optional<Days> ParseHeaderDate(std::string_view text, DatePrecision* precision) {
  // A bare YYYY-MM-DD (most dates of JSON lines and front matter) as Parse
  // would read it, without its copies of the text: no comment, no space, no time.
  if (IsIsoDayShape(text)) {
    auto day = IsoDay(text);
    if (day) *precision = DatePrecision::kDay;
    return day;
  }
  DatePrecision p = DatePrecision::kDay;
  auto day = Parse(text, &p);
  if (day) *precision = p;
  return day;
}

const char* DatePrecisionName(DatePrecision p) {
  switch (p) {
    case DatePrecision::kDay:
      return "day";
    case DatePrecision::kMonth:
      return "month";
    case DatePrecision::kYear:
      return "year";
  }
  return "day";
}

DatePrecision DatePrecisionOf(const Document& doc) {
  for (const auto& [key, value] : doc.extra)
    if (Lower(key) == Lower(kDatePrecisionField)) {
      if (value == "year") return DatePrecision::kYear;
      if (value == "month") return DatePrecision::kMonth;
    }
  return DatePrecision::kDay;
}

bool ApplyDate(std::string_view value, Document* d) {
  DatePrecision precision;
  std::optional<Days> day = ParseHeaderDate(value, &precision);
  if (!day) return false;
  d->date = *day;
  // The precision belongs to the date read last.
  d->extra.erase(std::remove_if(d->extra.begin(), d->extra.end(),
                                [&](const auto& kv) { return EqualsLower(kv.first, kDatePrecisionField); }),
                 d->extra.end());
  if (precision != DatePrecision::kDay) d->extra.emplace_back(kDatePrecisionField, DatePrecisionName(precision));
  return true;
}

}  // namespace loupe::ingest
