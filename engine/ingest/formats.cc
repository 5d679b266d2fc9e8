#include "loupe/ingest/formats.h"

#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>

#ifdef LOUPE_HAVE_SIMDJSON
#include <simdjson.h>
#endif

#ifdef LOUPE_HAVE_UCHARDET
#include <uchardet.h>
#endif

#include "loupe/ingest/article.h"
#include "loupe/ingest/feed.h"
#include "loupe/ingest/html.h"
#include "readers.h"
#include "util/guard.h"
#include "util/json_dispose.h"
#include "util/utf8.h"

namespace loupe::ingest {
namespace {

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

}  // namespace

// --- text ------------------------------------------------------------------------

Result<std::string> CleanText(std::string_view in, std::vector<std::string>* warnings) {
  return Guard([&]() -> Result<std::string> { return DoCleanText(in, warnings); });
}

Result<bool> ToUtf8(std::string_view bytes, const std::string& charset, std::string* out) {
  return Guard([&]() -> Result<bool> { return DoToUtf8(bytes, charset, out); });
}

Result<bool> CutTitle(Document* doc, std::string* warning) {
  return Guard([&]() -> Result<bool> { return DoCutTitle(doc, warning); });
}

std::string DoCleanText(std::string_view in, std::vector<std::string>* warnings, uint64_t offset) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0, bad = 0;
  if (offset == 0 && in.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
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
      // A run of ASCII bytes other than CR, appended at once.
      const size_t end = AsciiRunEnd(s, i + 1, n, '\r');
      out.append(in.data() + i, end - i);
      i = end;
      continue;
    }
    if (size_t len = Utf8Length(in, i)) {
      out.append(in.substr(i, len));
      i += len;
      continue;
    }
    if (bad < 10) warnings->push_back("byte " + std::to_string(offset + i) + ": invalid UTF-8; replaced by U+FFFD");
    ++bad;
    out.append("\xEF\xBF\xBD");
    // Skip the lead byte and any continuation bytes that follow it.
    ++i;
    while (i < n && (s[i] & 0xC0) == 0x80) ++i;
  }
  if (bad > 10) warnings->push_back(std::to_string(bad - 10) + " more invalid UTF-8 sequences replaced");
  return out;
}

bool DoToUtf8(std::string_view bytes, const std::string& charset, std::string* out) {
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

bool IsUtf8Charset(const std::string& cs) {
  std::string l = Lower(cs);
  return l.empty() || l == "utf-8" || l == "utf8" || l == "us-ascii" || l == "ascii";
}

// Like ToUtf8, but false when a byte is not valid in `charset` (instead of
// replacing it): a detected charset must account for every byte.
bool ToUtf8Strict(std::string_view bytes, const std::string& charset, std::string* out) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter* conv = ucnv_open(charset.c_str(), &err);
  if (U_FAILURE(err) || !conv) return false;
  ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
  icu::UnicodeString u(bytes.data(), static_cast<int32_t>(bytes.size()), conv, err);
  ucnv_close(conv);
  if (U_FAILURE(err) || u.isBogus()) return false;
  out->clear();
  u.toUTF8String(*out);
  return true;
}

// A detection is trusted only with this many bytes that are not UTF-8: fewer
// (one "é" in a title) fit many charsets equally well.
constexpr size_t kMinDetectionEvidence = 8;

// The charset of text that is not UTF-8 and declares none, as detected by
// uchardet, or "" when there is no trustworthy answer: too little evidence,
// text that is mostly valid UTF-8 (a few stray bytes in it are damage, not
// another encoding), or a charset ICU does not know.
std::string DetectCharset(std::string_view bytes) {
#ifdef LOUPE_HAVE_UCHARDET
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t multibyte = 0, invalid = 0;  // valid multi-byte UTF-8 sequences, invalid ones
  for (size_t i = 0, n = bytes.size(); i < n;) {
    if (s[i] < 0x80) {
      i = AsciiRunEnd(s, i + 1, n);
    } else if (size_t len = Utf8Length(bytes, i)) {
      ++multibyte, i += len;
    } else {
      ++invalid, ++i;
    }
  }
  if (invalid < kMinDetectionEvidence || invalid <= multibyte) return "";
  uchardet_t detector = uchardet_new();
  if (!detector) return "";
  std::string name;
  if (uchardet_handle_data(detector, bytes.data(), bytes.size()) == 0) {
    uchardet_data_end(detector);
    if (const char* cs = uchardet_get_charset(detector)) name = Lower(cs);
  }
  uchardet_delete(detector);
  if (name == "ascii" || name == "utf-8") return "";
  // Text labelled ISO-8859-1 means windows-1252 in practice (its 0x80-0x9F are
  // curly quotes and dashes, not C1 controls), as web browsers read it too.
  if (name == "iso-8859-1") name = "windows-1252";
  return name;
#else
  (void)bytes;
  return "";
#endif
}

}  // namespace

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
    case Format::kText:
      return "text";
    case Format::kMarkdown:
      return "markdown";
    case Format::kJsonLines:
      return "json lines";
    case Format::kEmail:
      return "e-mail";
    case Format::kHtml:
      return "html";
    case Format::kFeed:
      return "feed";
  }
  return "?";
}

const char* FormatMissing(Format format) {
  switch (format) {
    case Format::kEmail:
      return EmailReaderMissing();
    case Format::kHtml:
      return HtmlReaderBuilt() ? nullptr : kHtmlNotBuilt;
    case Format::kFeed:
      return FeedReaderBuilt() ? nullptr : kFeedNotBuilt;
    default:
      return nullptr;
  }
}

namespace {

std::string WhereText(const std::string& where) { return where; }
std::string WhereText(const char* where) { return where; }
template <typename Fn>
std::string WhereText(const Fn& where) {
  return where();
}

// Applies a `key: value` pair of a header block or front matter to *d.
// `where` prefixes a warning: a string, or a function that makes it (so that
// an article without one makes none).
template <typename Where>
void ApplyField(std::string_view key, std::string_view value, Document* d, std::vector<std::string>* warnings,
                const Where& where) {
  // Compared in place (no lower-cased copy of the key per field of every article).
  auto is = [&](std::string_view name) { return EqualsLower(key, name); };
  if (is("title")) {
    d->title = std::string(Trim(value));
  } else if (is("author") || is("by") || is("byline")) {
    d->author = std::string(Trim(value));
  } else if (is("date") || is("published") || is("pubdate")) {
    if (!ApplyDate(value, d))
      warnings->push_back(WhereText(where) + "unparseable date '" + std::string(Trim(value)) +
                          "' (expected e.g. 2025-09-15, Mon, 15 Sep 2025 10:00:00 +0000 or September 15, 2025); "
                          "the article is left undated");
  } else if (is("actors") || is("actor")) {
    for (auto& a : SplitList(value)) d->actors.push_back(std::move(a));
  } else if (is("topics") || is("topic")) {
    for (auto& t : SplitList(value)) d->topics.push_back(std::move(t));
  } else if (is("language") || is("lang")) {
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
    const std::string_view l = Trim(line);  // compared in place: no copy of each line
    for (std::string_view key : {std::string_view("charset:"), std::string_view("encoding:")})
      if (l.size() >= key.size() && EqualsLower(l.substr(0, key.size()), key)) return Lower(Trim(l.substr(key.size())));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return "";
}

// The file's text in UTF-8: converted from a declared charset; else, when it
// is not UTF-8, from the charset detected (with a warning); else cleaned.
std::string Decoded(std::string_view bytes, std::vector<std::string>* warnings) {
  std::string charset = DeclaredCharset(bytes);
  std::string utf8;
  if (!charset.empty() && !IsUtf8Charset(charset)) {
    if (DoToUtf8(bytes, charset, &utf8)) return DoCleanText(utf8, warnings);
    warnings->push_back("unknown charset '" + charset + "'; read as UTF-8");
    return DoCleanText(bytes, warnings);
  }
  if (charset.empty()) {
    std::string detected = DetectCharset(bytes);
    if (!detected.empty() && ToUtf8Strict(bytes, detected, &utf8)) {
      warnings->push_back("not valid UTF-8 and no charset declared; read as " + detected + " (detected)");
      return DoCleanText(utf8, warnings);
    }
  }
  return DoCleanText(bytes, warnings);
}

ParsedFile ParseText(std::string_view bytes, const std::string& id, const std::string& path) {
  ParsedFile out;
  std::string text = Decoded(bytes, &out.warnings);
  Document d = ReadArticle(text, id, path, &out.warnings);
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

// A member of a line's object, read: its key, its value as text (a string's
// own, else its JSON), and for an array, its items' texts.
struct JsonMember {
  std::string_view key;
  std::string text;
  bool array = false;
  std::vector<std::string> items;
};

// The members of a line's object as nlohmann gives them: in key order (an
// std::map), the last of equal keys winning. The fast reader below sorts its
// members to match, so that both fill an article alike.
bool NlohmannMembers(std::string_view line, nlohmann::json* j, std::vector<JsonMember>* out, std::string* error) {
  ParseJson(line, j);
  if (j->is_discarded() || !j->is_object()) {
    *error = j->is_discarded() ? "not valid JSON" : "not a JSON object";
    return false;
  }
  for (auto it = j->begin(); it != j->end(); ++it) {
    JsonMember m;
    m.key = it.key();
    m.array = it->is_array();
    if (m.array)
      for (const auto& v : *it) m.items.push_back(JsonText(v));
    m.text = JsonText(*it);
    out->push_back(std::move(m));
  }
  return true;
}

#ifdef LOUPE_HAVE_SIMDJSON
// simdjson picks its implementation for this processor on first use,
// allocating where no exception may leave (a noexcept function): done when
// the library is loaded, not in the middle of a call.
[[maybe_unused]] const bool kSimdjsonChosen = !simdjson::get_active_implementation()->name().empty();

// Reads a line's object with simdjson's DOM parser, several times faster than
// nlohmann's (whose DOM of maps was a fifth of the cost of indexing short
// articles). Both are strict RFC 8259 readers; where simdjson refuses a line
// (an integer of over 64 bits, nesting deeper than it goes, or a line that is
// not JSON at all), Read returns false and the line is read by nlohmann, as
// before, which says what is wrong. Numbers other than integers, and objects
// and arrays where text is wanted, are written as nlohmann writes them.
class FastJsonLines {
 public:
  bool Read(std::string_view line, std::vector<JsonMember>* out) {
    simdjson::dom::element root;
    const simdjson::error_code error = parser_.parse(line.data(), line.size(), /*realloc_if_needed=*/true).get(root);
    // Memory running out is an allocation failure like any other (simdjson
    // allocates without throwing; and its parser is not to be used again
    // after a failed allocation, which ends this one).
    if (error == simdjson::MEMALLOC) throw std::bad_alloc();
    if (error != simdjson::SUCCESS) return false;
    simdjson::dom::object object;
    if (root.get(object) != simdjson::SUCCESS) return false;
    size_t i = 0;
    for (auto field : object) {
      if (i == members_.size()) members_.emplace_back();
      members_[i++] = {field.key, field.value};
    }
    // As an std::map: by key, the last of equal keys kept (a stable sort
    // keeps equal keys in line order).
    std::stable_sort(members_.begin(), members_.begin() + i,
                     [](const Member& a, const Member& b) { return a.key < b.key; });
    for (size_t k = 0; k < i; ++k) {
      if (k + 1 < i && members_[k + 1].key == members_[k].key) continue;
      JsonMember m;
      m.key = members_[k].key;
      simdjson::dom::element v = members_[k].value;
      simdjson::dom::array items;
      m.array = v.get(items) == simdjson::SUCCESS;
      if (m.array)
        for (simdjson::dom::element item : items) m.items.push_back(Text(item));
      // An array of actors or topics is read as items only (ReadJsonLines).
      if (!m.array || (!EqualsLower(m.key, "actors") && !EqualsLower(m.key, "topics"))) m.text = Text(v);
      out->push_back(std::move(m));
    }
    return true;
  }

 private:
  struct Member {
    std::string_view key;
    simdjson::dom::element value;
  };
  static std::string Text(simdjson::dom::element v) {
    switch (v.type()) {
      case simdjson::dom::element_type::STRING:
        return std::string(v.get_string().value_unsafe());
      case simdjson::dom::element_type::NULL_VALUE:
        return "";
      case simdjson::dom::element_type::INT64:
        return std::to_string(v.get_int64().value_unsafe());
      case simdjson::dom::element_type::UINT64:
        return std::to_string(v.get_uint64().value_unsafe());
      case simdjson::dom::element_type::BOOL:
        return v.get_bool().value_unsafe() ? "true" : "false";
      default: {  // a double, an array or an object: nlohmann's way of writing it
        nlohmann::json j;
        JsonDisposer dispose_j{j};
        ParseJson(simdjson::minify(v), &j);
        return j.dump();
      }
    }
  }
  simdjson::dom::parser parser_;
  std::vector<Member> members_;
};
#endif

ParsedFile ReadJsonLines(std::string_view bytes, const JsonLinesPart& part, const std::string& id,
                         const std::string& path) {
  ParsedFile out;
  std::vector<std::string> clean_warnings;
  std::string text = DoCleanText(bytes, &clean_warnings, part.offset);
  for (auto& w : clean_warnings) out.warnings.push_back(w);
  std::vector<std::string_view> lines = Lines(text);
#ifdef LOUPE_HAVE_SIMDJSON
  FastJsonLines fast;
#endif
  std::vector<JsonMember> members;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = Trim(lines[i]);
    if (line.empty()) continue;
    const uint64_t n = part.first_line - 1 + i;  // the line's number in the file, less one
    auto where = [&] { return "line " + std::to_string(n + 1) + ": "; };
    members.clear();
    nlohmann::json j;
    JsonDisposer dispose_j{j};
    bool read = false;
#ifdef LOUPE_HAVE_SIMDJSON
    read = fast.Read(line, &members);
#endif
    std::string error;
    if (!read && (members.clear(), !NlohmannMembers(line, &j, &members, &error))) {
      out.warnings.push_back(where() + error + "; skipped");
      continue;
    }
    Document d;
    d.path = path;
    for (JsonMember& m : members)
      if (m.key == "id") d.id = std::move(m.text);
    if (d.id.empty()) d.id = id + "#" + std::to_string(n + 1);
    for (JsonMember& m : members) {
      auto is = [&](std::string_view name) { return EqualsLower(m.key, name); };
      if (is("id")) continue;
      if (is("body") || is("text") || is("content")) {
        d.body = std::move(m.text);
      } else if ((is("actors") || is("topics")) && m.array) {
        for (auto& v : m.items) (is("actors") ? d.actors : d.topics).push_back(std::move(v));
      } else {
        ApplyField(m.key, m.text, &d, &out.warnings, where);
      }
    }
    if (d.title.empty() && d.body.empty()) {
      out.warnings.push_back(where() + "no title and no body; skipped");
      continue;
    }
    out.docs.push_back(std::move(d));
  }
  return out;
}

}  // namespace

bool DoCutTitle(Document* doc, std::string* warning) {
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

namespace {

// Cuts the titles over kMaxTitleBytes, with a warning naming the article when
// the file has several.
void CutTitles(Format format, ParsedFile* out) {
  for (Document& doc : out->docs) {
    std::string warning;
    if (DoCutTitle(&doc, &warning))
      out->warnings.push_back(
          format == Format::kJsonLines || format == Format::kFeed ? "article '" + doc.id + "': " + warning : warning);
  }
}

ParsedFile DoParseFile(std::string_view bytes, Format format, const std::string& id, const std::string& path) {
  ParsedFile out;
  switch (format) {
    case Format::kText:
      out = ParseText(bytes, id, path);
      break;
    case Format::kMarkdown:
      out = ParseMarkdown(bytes, id, path);
      break;
    case Format::kJsonLines:
      out = ReadJsonLines(bytes, {}, id, path);
      break;
    case Format::kEmail:
      out = ParseEmail(bytes, id, path);
      break;
    case Format::kHtml:
      out = ReadHtml(bytes, id, path);
      break;
    case Format::kFeed:
      out = ReadFeed(bytes, id, path);
      break;
  }
  CutTitles(format, &out);
  return out;
}

}  // namespace

Result<ParsedFile> ParseJsonLines(std::string_view bytes, const JsonLinesPart& part, const std::string& id,
                                  const std::string& path) {
  return Guard([&]() -> Result<ParsedFile> {
    ParsedFile out = ReadJsonLines(bytes, part, id, path);
    CutTitles(Format::kJsonLines, &out);
    return out;
  });
}

Result<ParsedFile> ParseFile(std::string_view bytes, Format format, const std::string& id, const std::string& path) {
  return Guard([&]() -> Result<ParsedFile> { return DoParseFile(bytes, format, id, path); });
}

}  // namespace loupe::ingest
