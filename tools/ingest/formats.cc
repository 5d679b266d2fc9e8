#include "loupe/ingest/formats.h"

#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

#include "loupe/ingest/article.h"
#include "loupe/ingest/feed.h"
#include "loupe/ingest/html.h"

namespace loupe::ingest {
namespace {

std::string Lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && Lower(s.substr(0, p.size())) == p;
}

// Splits text into lines (without their '\n').
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  for (size_t start = 0; start <= text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string JoinLines(const std::vector<std::string_view>& lines, size_t from) {
  std::string out;
  for (size_t i = from; i < lines.size(); ++i) {
    out.append(lines[i]);
    out.push_back('\n');
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  size_t lead = 0;
  while (lead < out.size() && out[lead] == '\n') ++lead;
  return out.substr(lead);
}

// "a; b; c" or "a, b" (when there is no ';') or "[a, b]" into items.
std::vector<std::string> SplitList(std::string_view v) {
  v = Trim(v);
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
  char sep = v.find(';') != std::string_view::npos ? ';' : ',';
  std::vector<std::string> out;
  while (!v.empty()) {
    size_t at = v.find(sep);
    std::string_view item = Trim(v.substr(0, at));
    if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') && item.back() == item.front())
      item = item.substr(1, item.size() - 2);
    if (!item.empty()) out.emplace_back(item);
    if (at == std::string_view::npos) break;
    v.remove_prefix(at + 1);
  }
  return out;
}

// --- dates ---------------------------------------------------------------------

int MonthOf(std::string_view word) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  static const char* kFull[] = {"january", "february", "march",     "april",   "may",      "june",
                                "july",    "august",   "september", "october", "november", "december"};
  std::string w = Lower(word);
  if (!w.empty() && w.back() == '.') w.pop_back();
  for (int i = 0; i < 12; ++i)
    if (w == kMonths[i] || w == kFull[i] || (i == 8 && w == "sept")) return i + 1;
  return 0;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int Number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// "+0100", "-05:00", "Z", "UT", "GMT", "EST", ... as minutes east of UTC.
bool ZoneMinutes(std::string_view z, int* minutes) {
  std::string u = Lower(z);
  if (u == "z" || u == "ut" || u == "utc" || u == "gmt") return *minutes = 0, true;
  static const std::pair<const char*, int> kNames[] = {{"est", -300}, {"edt", -240}, {"cst", -360}, {"cdt", -300},
                                                       {"mst", -420}, {"mdt", -360}, {"pst", -480}, {"pdt", -420}};
  for (const auto& [name, m] : kNames)
    if (u == name) return *minutes = m, true;
  if (z.size() < 3 || (z[0] != '+' && z[0] != '-')) return false;
  std::string digits;
  for (char c : z.substr(1))
    if (c != ':') digits += c;
  if (!AllDigits(digits) || (digits.size() != 4 && digits.size() != 2)) return false;
  int h = Number(digits.substr(0, 2)), m = digits.size() == 4 ? Number(digits.substr(2)) : 0;
  if (h > 23 || m > 59) return false;
  *minutes = (z[0] == '-' ? -1 : 1) * (h * 60 + m);
  return true;
}

// "hh:mm" or "hh:mm:ss" (fractions ignored) as minutes after midnight.
bool TimeMinutes(std::string_view t, int* minutes) {
  size_t dot = t.find('.');
  if (dot != std::string_view::npos) t = t.substr(0, dot);
  if (t.size() != 5 && t.size() != 8) return false;
  if (t[2] != ':' || (t.size() == 8 && t[5] != ':')) return false;
  if (!AllDigits(t.substr(0, 2)) || !AllDigits(t.substr(3, 2)) || (t.size() == 8 && !AllDigits(t.substr(6, 2))))
    return false;
  int h = Number(t.substr(0, 2)), m = Number(t.substr(3, 2));
  if (h > 23 || m > 59) return false;
  *minutes = h * 60 + m;
  return true;
}

std::optional<Days> Civil(int y, int m, int d, int minutes, int zone) {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, m))
    return std::nullopt;
  Days day = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  int utc = minutes - zone;  // local time minus the offset
  if (utc < 0) --day;
  if (utc >= 24 * 60) ++day;
  return day;
}

}  // namespace

std::optional<Days> ParseHeaderDate(std::string_view text) {
  std::string_view t = Trim(text);
  // ISO 8601: YYYY-MM-DD, then optionally [T ]hh:mm[:ss[.f]] and Z or an offset.
  if (t.size() >= 10 && AllDigits(t.substr(0, 4)) && t[4] == '-' && AllDigits(t.substr(5, 2)) && t[7] == '-' &&
      AllDigits(t.substr(8, 2))) {
    int y = Number(t.substr(0, 4)), m = Number(t.substr(5, 2)), d = Number(t.substr(8, 2));
    std::string_view rest = t.substr(10);
    if (rest.empty()) return Civil(y, m, d, 0, 0);
    if (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ') return std::nullopt;
    rest = Trim(rest.substr(1));
    size_t zone_at = rest.find_first_of("Zz+-", 5);
    std::string_view time = rest.substr(0, zone_at);
    int minutes, zone = 0;
    if (!TimeMinutes(Trim(time), &minutes)) return std::nullopt;
    if (zone_at != std::string_view::npos && !ZoneMinutes(Trim(rest.substr(zone_at)), &zone)) return std::nullopt;
    return Civil(y, m, d, minutes, zone);
  }
  // Words: [Weekday,] D Mon YYYY [hh:mm[:ss] [zone]], Month D, YYYY, Mon D YYYY.
  std::vector<std::string_view> words;
  std::string_view rest = t;
  while (!rest.empty()) {
    size_t end = rest.find_first_of(" ,\t");
    std::string_view w = rest.substr(0, end);
    if (!w.empty()) words.push_back(w);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  int y = 0, m = 0, d = 0, minutes = 0, zone = 0;
  bool have_time = false;
  for (std::string_view w : words) {
    if (int mo = MonthOf(w); mo && !m) {
      m = mo;
    } else if (AllDigits(w) && w.size() == 4 && !y) {
      y = Number(w);
    } else if (AllDigits(w) && w.size() <= 2 && !d) {
      d = Number(w);
    } else if (w.size() > 2 && AllDigits(w.substr(0, w.size() - 2)) && !d &&
               (Lower(w.substr(w.size() - 2)) == "st" || Lower(w.substr(w.size() - 2)) == "nd" ||
                Lower(w.substr(w.size() - 2)) == "rd" || Lower(w.substr(w.size() - 2)) == "th")) {
      d = Number(w.substr(0, w.size() - 2));  // 15th
    } else if (w.find(':') != std::string_view::npos && !have_time) {
      if (!TimeMinutes(w, &minutes)) return std::nullopt;
      have_time = true;
    } else if (have_time && ZoneMinutes(w, &zone)) {
      // the zone
    } else if (w.size() >= 3 && std::isalpha(static_cast<unsigned char>(w[0]))) {
      static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
      std::string l = Lower(w.substr(0, 3));
      if (std::none_of(std::begin(kDays), std::end(kDays), [&](const char* k) { return l == k; }) &&
          !(w[0] == '(' || w.back() == ')'))
        return std::nullopt;  // a word that is no date part
    } else if (w.front() == '(' && w.back() == ')') {
      // "(PDT)" comments after the zone
    } else {
      return std::nullopt;
    }
  }
  if (!y || !m || !d) return std::nullopt;
  return Civil(y, m, d, have_time ? minutes : 0, have_time ? zone : 0);
}

// --- text ------------------------------------------------------------------------

std::string CleanText(std::string_view in, std::vector<std::string>* warnings) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0, bad = 0;
  if (in.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (c == '\r') {
        out.push_back('\n');
        i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
        continue;
      }
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Multi-byte: check lead and continuation bytes, overlongs and surrogates.
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    bool ok = len > 0 && c <= 0xF4 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && len == 3) {
      if (c == 0xE0 && s[i + 1] < 0xA0) ok = false;   // overlong
      if (c == 0xED && s[i + 1] >= 0xA0) ok = false;  // surrogate
    }
    if (ok && len == 4) {
      if (c == 0xF0 && s[i + 1] < 0x90) ok = false;   // overlong
      if (c == 0xF4 && s[i + 1] >= 0x90) ok = false;  // beyond U+10FFFF
    }
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
      continue;
    }
    if (bad < 10) warnings->push_back("byte " + std::to_string(i) + ": invalid UTF-8; replaced by U+FFFD");
    ++bad;
    out.append("\xEF\xBF\xBD");
    // Skip the lead byte and any continuation bytes that follow it.
    ++i;
    while (i < n && (s[i] & 0xC0) == 0x80) ++i;
  }
  if (bad > 10) warnings->push_back(std::to_string(bad - 10) + " more invalid UTF-8 sequences replaced");
  return out;
}

bool ToUtf8(std::string_view bytes, const std::string& charset, std::string* out) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter* conv = ucnv_open(charset.c_str(), &err);
  if (U_FAILURE(err) || !conv) return false;
  ucnv_close(conv);
  icu::UnicodeString u(bytes.data(), static_cast<int32_t>(bytes.size()), charset.c_str());
  if (u.isBogus()) return false;
  out->clear();
  u.toUTF8String(*out);
  return true;
}

namespace {

std::string Base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) continue;  // whitespace, padding, junk
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Quoted-printable; in headers (`header`), '_' is a space.
std::string QpDecode(std::string_view in, bool header) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '=' && i + 1 < in.size()) {
      if (in[i + 1] == '\n') {  // soft line break
        ++i;
        continue;
      }
      if (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n') {
        i += 2;
        continue;
      }
      if (i + 2 < in.size() && Hex(in[i + 1]) >= 0 && Hex(in[i + 2]) >= 0) {
        out.push_back(static_cast<char>(Hex(in[i + 1]) * 16 + Hex(in[i + 2])));
        i += 2;
        continue;
      }
    }
    out.push_back(header && c == '_' ? ' ' : c);
  }
  return out;
}

bool IsUtf8Charset(const std::string& cs) {
  std::string l = Lower(cs);
  return l.empty() || l == "utf-8" || l == "utf8" || l == "us-ascii" || l == "ascii";
}

}  // namespace

std::string DecodeHeaderWords(std::string_view v) {
  std::string out;
  size_t i = 0;
  bool last_was_word = false;
  std::string pending_space;
  while (i < v.size()) {
    size_t start = v.find("=?", i);
    if (start == std::string_view::npos) {
      out += pending_space;
      out.append(v.substr(i));
      break;
    }
    size_t q1 = v.find('?', start + 2);
    size_t q2 = q1 == std::string_view::npos ? q1 : v.find('?', q1 + 1);
    size_t end = q2 == std::string_view::npos ? q2 : v.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out += pending_space;
      out.append(v.substr(i, start + 2 - i));
      pending_space.clear();
      i = start + 2;
      last_was_word = false;
      continue;
    }
    std::string_view between = v.substr(i, start - i);
    // Whitespace between two encoded words is dropped (RFC 2047 section 6.2).
    if (!(last_was_word && Trim(between).empty())) out.append(between);
    std::string charset(v.substr(start + 2, q1 - start - 2));
    size_t star = charset.find('*');  // RFC 2231 language suffix
    if (star != std::string::npos) charset.resize(star);
    char enc = static_cast<char>(std::tolower(static_cast<unsigned char>(v[q1 + 1])));
    std::string_view payload = v.substr(q2 + 1, end - q2 - 1);
    std::string raw = enc == 'b' ? Base64Decode(payload) : QpDecode(payload, true);
    std::string utf8;
    if (IsUtf8Charset(charset) || !ToUtf8(raw, charset, &utf8)) utf8 = raw;
    out += utf8;
    i = end + 2;
    last_was_word = true;
  }
  return out;
}

std::optional<Format> FormatOf(std::string_view path) {
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return std::nullopt;
  std::string ext = Lower(path.substr(dot + 1));
  if (ext == "txt") return Format::kText;
  if (ext == "md" || ext == "markdown") return Format::kMarkdown;
  if (ext == "jsonl" || ext == "ndjson") return Format::kJsonLines;
  if (ext == "eml") return Format::kEmail;
  if (ext == "html" || ext == "htm") return Format::kHtml;
  if (ext == "rss" || ext == "atom" || ext == "xml") return Format::kFeed;
  return std::nullopt;
}

const char* FormatName(Format f) {
  switch (f) {
    case Format::kText: return "text";
    case Format::kMarkdown: return "markdown";
    case Format::kJsonLines: return "json lines";
    case Format::kEmail: return "e-mail";
    case Format::kHtml: return "html";
    case Format::kFeed: return "feed";
  }
  return "?";
}

bool FormatBuilt(Format f, std::string* why) {
  const char* missing = f == Format::kHtml && !HtmlReaderBuilt()   ? kHtmlNotBuilt
                        : f == Format::kFeed && !FeedReaderBuilt() ? kFeedNotBuilt
                                                                   : nullptr;
  if (missing && why) *why = missing;
  return !missing;
}

namespace {

// Applies a `key: value` pair of a header block or front matter to *d.
void ApplyField(const std::string& key, std::string_view value, Document* d, std::vector<std::string>* warnings,
                const std::string& where) {
  std::string k = Lower(key);
  if (k == "title") {
    d->title = std::string(Trim(value));
  } else if (k == "author" || k == "by" || k == "byline") {
    d->author = std::string(Trim(value));
  } else if (k == "date" || k == "published" || k == "pubdate") {
    if (auto day = ParseHeaderDate(value)) d->date = *day;
    else
      warnings->push_back(where + "unparseable date '" + std::string(Trim(value)) +
                          "' (expected e.g. 2025-09-15, Mon, 15 Sep 2025 10:00:00 +0000 or September 15, 2025); "
                          "the article is left undated");
  } else if (k == "actors" || k == "actor") {
    for (auto& a : SplitList(value)) d->actors.push_back(std::move(a));
  } else if (k == "topics" || k == "topic") {
    for (auto& t : SplitList(value)) d->topics.push_back(std::move(t));
  } else if (k == "language" || k == "lang") {
    d->language = std::string(Trim(value));
  } else {
    d->extra.emplace_back(key, std::string(Trim(value)));
  }
}

// A `Charset:` or `Encoding:` line among the first lines of a header block or
// front matter (in ASCII, before any conversion): the declared encoding, or "".
std::string DeclaredCharset(std::string_view bytes) {
  size_t lines = 0;
  for (size_t start = 0; start < bytes.size() && lines < 40; ++lines) {
    size_t nl = bytes.find('\n', start);
    std::string_view line = bytes.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    std::string l = Lower(Trim(line));
    for (const char* key : {"charset:", "encoding:"})
      if (l.rfind(key, 0) == 0) return std::string(Trim(std::string_view(l).substr(std::strlen(key))));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return "";
}

// The file's text in UTF-8: converted from a declared charset, else cleaned.
std::string Decoded(std::string_view bytes, std::vector<std::string>* warnings) {
  std::string charset = DeclaredCharset(bytes);
  if (!charset.empty() && !IsUtf8Charset(charset)) {
    std::string utf8;
    if (ToUtf8(bytes, charset, &utf8)) return CleanText(utf8, warnings);
    warnings->push_back("unknown charset '" + charset + "'; read as UTF-8");
  }
  return CleanText(bytes, warnings);
}

ParsedFile ParseText(std::string_view bytes, const std::string& id, const std::string& path) {
  ParsedFile out;
  std::string text = Decoded(bytes, &out.warnings);
  Document d = ParseArticle(text, id, path, &out.warnings);
  out.docs.push_back(std::move(d));
  return out;
}

ParsedFile ParseMarkdown(std::string_view bytes, const std::string& id, const std::string& path) {
  ParsedFile out;
  std::string text = Decoded(bytes, &out.warnings);
  std::vector<std::string_view> lines = Lines(text);
  Document d;
  d.id = id;
  d.path = path;
  size_t i = 0;
  if (!lines.empty() && Trim(lines[0]) == "---") {
    size_t end = 1;
    while (end < lines.size() && Trim(lines[end]) != "---" && Trim(lines[end]) != "...") ++end;
    if (end == lines.size()) {
      out.warnings.push_back("line 1: front matter has no closing '---'; read as text");
    } else {
      std::string key;
      std::string list;  // items of a "key:" followed by "- item" lines
      auto flush = [&] {
        if (!key.empty() && !list.empty()) ApplyField(key, "[" + list + "]", &d, &out.warnings, "");
        list.clear();
      };
      for (size_t k = 1; k < end; ++k) {
        std::string_view line = lines[k];
        std::string_view t = Trim(line);
        if (t.empty() || t[0] == '#') continue;
        if (t[0] == '-' && !key.empty()) {  // YAML list item of the last key
          std::string_view item = Trim(t.substr(1));
          if (!list.empty()) list += ", ";
          list += std::string(item);
          continue;
        }
        flush();
        size_t colon = t.find(':');
        if (colon == std::string_view::npos || colon == 0) {
          out.warnings.push_back("line " + std::to_string(k + 1) + ": front matter line is not 'key: value'; ignored");
          key.clear();
          continue;
        }
        key = std::string(Trim(t.substr(0, colon)));
        std::string_view value = Trim(t.substr(colon + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
          value = value.substr(1, value.size() - 2);
        if (!value.empty()) {
          ApplyField(key, value, &d, &out.warnings, "line " + std::to_string(k + 1) + ": ");
          key.clear();
        }
      }
      flush();
      i = end + 1;
    }
  }
  // The title: front matter's, else the first heading, else the first line.
  while (i < lines.size() && Trim(lines[i]).empty()) ++i;
  if (d.title.empty() && i < lines.size()) {
    std::string_view first = Trim(lines[i]);
    while (!first.empty() && first.front() == '#') first.remove_prefix(1);
    d.title = std::string(Trim(first));
    ++i;
  }
  d.body = JoinLines(lines, i);
  out.docs.push_back(std::move(d));
  return out;
}

std::string JsonText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

ParsedFile ParseJsonLines(std::string_view bytes, const std::string& id, const std::string& path) {
  ParsedFile out;
  std::vector<std::string> clean_warnings;
  std::string text = CleanText(bytes, &clean_warnings);
  for (auto& w : clean_warnings) out.warnings.push_back(w);
  std::vector<std::string_view> lines = Lines(text);
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string_view line = Trim(lines[n]);
    if (line.empty()) continue;
    const std::string where = "line " + std::to_string(n + 1) + ": ";
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      out.warnings.push_back(where + (j.is_discarded() ? "not valid JSON" : "not a JSON object") + "; skipped");
      continue;
    }
    Document d;
    d.path = path;
    d.id = j.contains("id") ? JsonText(j["id"]) : id + "#" + std::to_string(n + 1);
    if (d.id.empty()) d.id = id + "#" + std::to_string(n + 1);
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& key = it.key();
      std::string k = Lower(key);
      if (k == "id") continue;
      if (k == "body" || k == "text" || k == "content") {
        d.body = JsonText(*it);
      } else if ((k == "actors" || k == "topics") && it->is_array()) {
        for (const auto& v : *it) (k == "actors" ? d.actors : d.topics).push_back(JsonText(v));
      } else {
        ApplyField(key, JsonText(*it), &d, &out.warnings, where);
      }
    }
    if (d.title.empty() && d.body.empty()) {
      out.warnings.push_back(where + "no title and no body; skipped");
      continue;
    }
    out.docs.push_back(std::move(d));
  }
  return out;
}

// --- e-mail ------------------------------------------------------------------------

struct Part {
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case name, unfolded value
  std::string_view body;
  std::string Header(const char* name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return "";
  }
};

// Splits raw message text into unfolded headers and the body.
Part SplitMessage(std::string_view raw) {
  Part p;
  size_t i = 0;
  while (i < raw.size()) {
    size_t nl = raw.find('\n', i);
    if (nl == std::string_view::npos) nl = raw.size();
    std::string_view line = raw.substr(i, nl - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      i = nl + 1;
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !p.headers.empty()) {
      p.headers.back().second += " " + std::string(Trim(line));
    } else {
      size_t colon = line.find(':');
      if (colon != std::string_view::npos && colon > 0)
        p.headers.emplace_back(Lower(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
    }
    i = nl + 1;
  }
  p.body = i < raw.size() ? raw.substr(i) : std::string_view();
  return p;
}

// A Content-Type parameter (boundary, charset), unquoted.
std::string Param(const std::string& header, const char* name) {
  std::string l = Lower(header);
  std::string key = std::string(name) + "=";
  size_t at = 0;
  while ((at = l.find(key, at)) != std::string::npos) {
    if (at == 0 || l[at - 1] == ';' || l[at - 1] == ' ' || l[at - 1] == '\t') break;
    at += key.size();
  }
  if (at == std::string::npos) return "";
  size_t start = at + key.size();
  if (start < header.size() && header[start] == '"') {
    size_t end = header.find('"', start + 1);
    return header.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
  }
  size_t end = header.find_first_of("; \t", start);
  return header.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string StripHtml(std::string_view html) {
  std::string out;
  bool tag = false;
  for (size_t i = 0; i < html.size(); ++i) {
    char c = html[i];
    if (c == '<') {
      tag = true;
      std::string_view rest = html.substr(i);
      if (StartsWithNoCase(rest, "<br") || StartsWithNoCase(rest, "<p") || StartsWithNoCase(rest, "<div"))
        out.push_back('\n');
      continue;
    }
    if (c == '>') {
      tag = false;
      continue;
    }
    if (!tag) out.push_back(c);
  }
  // The common entities.
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&nbsp;", " "}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}};
  for (const auto& [from, to] : kEntities)
    for (size_t at; (at = out.find(from)) != std::string::npos;) out.replace(at, std::strlen(from), to);
  return out;
}

// The text of a part (decoded, in UTF-8 but not yet cleaned); empty if it has
// no text. Prefers text/plain over text/html in multipart messages.
std::string PartText(const Part& p, int depth, std::vector<std::string>* warnings, bool* html) {
  std::string type = Lower(p.Header("content-type"));
  std::string mime = type.substr(0, type.find(';'));
  mime = std::string(Trim(mime));
  if (mime.rfind("multipart/", 0) == 0) {
    std::string boundary = Param(p.Header("content-type"), "boundary");
    if (boundary.empty() || depth > 8) return "";
    std::string delim = "--" + boundary;
    std::vector<std::string_view> parts;
    size_t at = p.body.find(delim);
    while (at != std::string_view::npos) {
      size_t start = p.body.find('\n', at);
      if (start == std::string_view::npos) break;
      if (p.body.compare(at + delim.size(), 2, "--") == 0) break;  // the closing delimiter
      size_t next = p.body.find("\n" + delim, start);
      parts.push_back(p.body.substr(start + 1, next == std::string_view::npos ? std::string_view::npos : next - start));
      at = next == std::string_view::npos ? next : next + 1;
    }
    std::string html_text;
    for (std::string_view raw : parts) {
      bool is_html = false;
      std::string t = PartText(SplitMessage(raw), depth + 1, warnings, &is_html);
      if (t.empty()) continue;
      if (!is_html) return t;
      if (html_text.empty()) html_text = t;
    }
    *html = !html_text.empty();
    return html_text;
  }
  if (!mime.empty() && mime != "text/plain" && mime != "text/html" && mime.rfind("text/", 0) != 0) return "";
  if (Lower(p.Header("content-disposition")).rfind("attachment", 0) == 0) return "";
  std::string cte = Lower(p.Header("content-transfer-encoding"));
  std::string body = cte == "base64" ? Base64Decode(p.body)
                     : cte == "quoted-printable" ? QpDecode(p.body, false)
                                                 : std::string(p.body);
  std::string charset = Param(p.Header("content-type"), "charset");
  if (!IsUtf8Charset(charset)) {
    std::string utf8;
    if (ToUtf8(body, charset, &utf8)) body = std::move(utf8);
    else warnings->push_back("unknown charset '" + charset + "'; read as UTF-8");
  }
  if (mime == "text/html") {
    *html = true;
    return StripHtml(body);
  }
  return body;
}

ParsedFile ParseEmail(std::string_view bytes, const std::string& id, const std::string& path) {
  ParsedFile out;
  Part msg = SplitMessage(bytes);
  Document d;
  d.id = id;
  d.path = path;
  std::vector<std::string> ignored;
  d.title = std::string(Trim(CleanText(DecodeHeaderWords(msg.Header("subject")), &ignored)));
  std::string from = CleanText(DecodeHeaderWords(msg.Header("from")), &ignored);
  size_t lt = from.find('<');
  std::string name(Trim(lt == std::string::npos ? std::string_view(from) : std::string_view(from).substr(0, lt)));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  if (name.empty()) {  // only an address
    size_t gt = from.find('>');
    name = lt == std::string::npos ? from : from.substr(lt + 1, gt == std::string::npos ? gt : gt - lt - 1);
  }
  d.author = std::string(Trim(name));
  std::string date = msg.Header("date");
  if (!date.empty()) {
    if (auto day = ParseHeaderDate(date)) d.date = *day;
    else out.warnings.push_back("unparseable Date header '" + date + "'; the message is left undated");
  }
  if (std::string mid = msg.Header("message-id"); !mid.empty()) d.extra.emplace_back("Message-ID", mid);
  bool html = false;
  std::string text = PartText(msg, 0, &out.warnings, &html);
  d.body = std::string(Trim(CleanText(text, &out.warnings)));
  if (msg.headers.empty()) out.warnings.push_back("no e-mail headers found; read as a body only");
  out.docs.push_back(std::move(d));
  return out;
}

}  // namespace

bool CutTitle(Document* doc, std::string* warning) {
  if (doc->title.size() <= kMaxTitleBytes) return false;
  const size_t room = kMaxTitleBytes - 3;  // for the ellipsis
  size_t cut = room;
  while (cut > 0 && (static_cast<unsigned char>(doc->title[cut]) & 0xC0) == 0x80) --cut;
  // At the last space (or other ASCII separator) that leaves at least half the room.
  size_t space = doc->title.find_last_of(" \t", cut);
  if (space != std::string::npos && space >= room / 2) cut = space;
  std::string whole = std::move(doc->title);
  doc->title = whole.substr(0, cut);
  while (!doc->title.empty() && (doc->title.back() == ' ' || doc->title.back() == '\t')) doc->title.pop_back();
  doc->title += "\u2026";
  if (warning)
    *warning = "title is " + std::to_string(whole.size()) + " bytes; cut to " + std::to_string(doc->title.size()) +
               " at a word (the limit is " + std::to_string(kMaxTitleBytes) + "; the whole title is kept in the body)";
  doc->body = doc->body.empty() ? std::move(whole) : whole + "\n\n" + doc->body;
  return true;
}

ParsedFile ParseFile(std::string_view bytes, Format format, const std::string& id, const std::string& path) {
  ParsedFile out;
  switch (format) {
    case Format::kText: out = ParseText(bytes, id, path); break;
    case Format::kMarkdown: out = ParseMarkdown(bytes, id, path); break;
    case Format::kJsonLines: out = ParseJsonLines(bytes, id, path); break;
    case Format::kEmail: out = ParseEmail(bytes, id, path); break;
    case Format::kHtml: out = ParseHtml(bytes, id, path); break;
    case Format::kFeed: out = ParseFeed(bytes, id, path); break;
  }
  for (Document& doc : out.docs) {
    std::string warning;
    if (CutTitle(&doc, &warning))
      out.warnings.push_back(format == Format::kJsonLines || format == Format::kFeed
                                 ? "article '" + doc.id + "': " + warning
                                 : warning);
  }
  return out;
}

}  // namespace loupe::ingest
