#include "loupe/ingest/article.h"

#include <utility>

#include "loupe/ingest/formats.h"
#include "readers.h"
#include "util/ascii.h"
#include "util/guard.h"

namespace loupe::ingest {
namespace {

// Spaces, tabs, and the carriage return a CRLF file leaves on each line.
std::string_view Trim(std::string_view s) { return loupe::Trim(s, " \t\r"); }

// "Key: value" where Key is letters, digits, spaces, '-' or '_' starting with a letter.
bool SplitHeader(std::string_view line, std::string_view* key, std::string_view* value) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 40) return false;
  std::string_view k = line.substr(0, colon);
  if (!((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z'))) return false;
  for (char c : k)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '-' ||
          c == '_'))
      return false;
  if (colon + 1 < line.size() && line[colon + 1] != ' ' && line[colon + 1] != '\t') return false;
  *key = Trim(k);
  *value = Trim(line.substr(colon + 1));
  return true;
}

std::vector<std::string> SplitList(std::string_view v) {
  std::vector<std::string> out;
  while (!v.empty()) {
    size_t semi = v.find(';');
    std::string_view item = Trim(v.substr(0, semi));
    if (!item.empty()) out.emplace_back(item);
    if (semi == std::string_view::npos) break;
    v.remove_prefix(semi + 1);
  }
  return out;
}

// The headers a header block must name one of to be read after a blank line.
bool IsKnownHeader(const std::string& key) {
  static const char* const kKnown[] = {"author", "by",    "date",   "published", "actors", "actor",
                                       "topics", "topic", "source", "language",  "url"};
  for (const char* k : kKnown)
    if (key == k) return true;
  return false;
}

// "By Jane Doe" (or "By: Jane Doe", read by SplitHeader): a name of capitalized
// words (and particles such as "de" or "van"), no sentence.
bool Byline(std::string_view line, std::string_view* name) {
  line = Trim(line);
  if (line.size() < 4 || line.size() > 80 || line.substr(0, 3) != "By " || line.back() == '.') return false;
  std::string_view rest = Trim(line.substr(3));
  if (rest.empty()) return false;
  static const char* const kParticles[] = {"and", "de", "van", "von", "der", "da", "del", "la", "le", "bin", "al"};
  for (std::string_view v = rest; !v.empty();) {
    size_t sp = v.find(' ');
    std::string_view word = v.substr(0, sp);
    v.remove_prefix(sp == std::string_view::npos ? v.size() : sp + 1);
    if (word.empty()) continue;
    unsigned char c = static_cast<unsigned char>(word[0]);
    bool particle = false;
    for (const char* p : kParticles) particle |= word == p;
    if (!(particle || (c >= 'A' && c <= 'Z') || c >= 0x80)) return false;
  }
  *name = rest;
  return true;
}

}  // namespace

Result<Document> ParseArticle(std::string_view text, const std::string& id, const std::string& path,
                              std::vector<std::string>* warnings) {
  return Guard([&]() -> Result<Document> { return ReadArticle(text, id, path, warnings); });
}

Document ReadArticle(std::string_view text, const std::string& id, const std::string& path,
                     std::vector<std::string>* warnings) {
  Document d;
  d.id = id;
  d.path = path;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM

  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = nl + 1;
  }
  size_t i = 0;
  while (i < lines.size() && Trim(lines[i]).empty()) ++i;
  if (i < lines.size()) d.title = std::string(Trim(lines[i++]));

  auto apply = [&](size_t line, std::string_view key, std::string_view value) {
    std::string k = Lower(key);
    if (k == "author" || k == "by") {
      d.author = std::string(value);
    } else if (k == "date" || k == "published") {
      if (!ApplyDate(value, &d)) {
        warnings->push_back("line " + std::to_string(line + 1) + ": unparseable date '" + std::string(value) +
                            "' (expected e.g. 2025-09-15, Mon, 15 Sep 2025 10:00:00 +0000 or September 15, 2025); "
                            "the article is left undated");
      }
    } else if (k == "actors" || k == "actor") {
      for (auto& a : SplitList(value)) d.actors.push_back(std::move(a));
    } else if (k == "topics" || k == "topic") {
      for (auto& t : SplitList(value)) d.topics.push_back(std::move(t));
    } else if (k == "language") {
      d.language = std::string(value);
    } else {
      d.extra.emplace_back(std::string(key), std::string(value));
    }
  };
  // The paragraph starting at `from` (to the next blank line), when each of its
  // lines is a header or a byline and one names a known header; its end in *end.
  auto header_block = [&](size_t from, size_t* end) {
    bool known = false;
    size_t k = from;
    for (; k < lines.size() && !Trim(lines[k]).empty(); ++k) {
      std::string_view key, value;
      if (Byline(lines[k], &value))
        known = true;
      else if (SplitHeader(lines[k], &key, &value))
        known |= IsKnownHeader(Lower(key));
      else
        return false;
    }
    *end = k;
    return known && k > from;
  };
  // Reads line k as a byline or a header; false when it is neither.
  auto read_header = [&](size_t k) {
    std::string_view key, value;
    if (Byline(lines[k], &value))
      apply(k, "author", value);
    else if (SplitHeader(lines[k], &key, &value))
      apply(k, key, value);
    else
      return false;
    return true;
  };

  // Header lines follow the title until a blank line or a line that is not a
  // header; or, after one or more blank lines, a paragraph of headers (with at
  // least one known header, or a byline) is the header block.
  size_t headers_from = i, headers_end = i;
  if (i < lines.size() && !Trim(lines[i]).empty()) {
    while (i < lines.size() && !Trim(lines[i]).empty() && read_header(i)) ++i;
    headers_end = i;
  } else {
    size_t k = i;
    while (k < lines.size() && Trim(lines[k]).empty()) ++k;
    if (size_t end; k < lines.size() && header_block(k, &end)) {
      for (size_t h = k; h < end; ++h) read_header(h);
      headers_from = k, headers_end = i = end;
    }
  }
  while (i < lines.size() && Trim(lines[i]).empty()) ++i;
  // A paragraph that still looks like a header block is body: say so (once),
  // so that nothing is silently misread.
  for (size_t k = i; k < lines.size(); ++k) {
    if (k > i && !(Trim(lines[k - 1]).empty() && !Trim(lines[k]).empty())) continue;  // paragraph starts only
    if (size_t end; !header_block(k, &end)) continue;
    if (k > i) {
      warnings->push_back("line " + std::to_string(k + 1) +
                          ": looks like a header block but follows the body's first paragraph; not read as headers");
    } else {
      std::string follows = headers_end > headers_from ? "the header lines " + std::to_string(headers_from + 1) + "-" +
                                                             std::to_string(headers_end)
                                                       : std::string("the title");
      warnings->push_back("line " + std::to_string(k + 1) + ": looks like a header block but follows " + follows +
                          " and a paragraph break; not read as headers (put headers right after the title, or " +
                          "after the title and one blank line)");
    }
    break;
  }
  std::string body;
  for (; i < lines.size(); ++i) {
    body.append(lines[i]);
    body.push_back('\n');
  }
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
  d.body = std::move(body);
  return d;
}

}  // namespace loupe::ingest
