// Readers for the file formats `loupe index` takes (docs/corpus-format.md):
// plain-text articles in the header format (or with no headers at all),
// Markdown with front matter, JSON lines, e-mail (RFC 5322 with MIME), web
// pages (html.h) and RSS or Atom feeds (feed.h).
// Every reader takes the file's bytes and never fails as a whole: what it
// cannot use becomes a warning, and the article keeps what could be read.
//
// Thread-safety: the functions are reentrant; `loupe index` runs them on
// several threads at once.
#ifndef LOUPE_INGEST_FORMATS_H_
#define LOUPE_INGEST_FORMATS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"

namespace loupe::ingest {

enum class Format { kText, kMarkdown, kJsonLines, kEmail, kHtml, kFeed };

// The format of a file by its extension (.txt, .md/.markdown, .jsonl/.ndjson,
// .eml, .html/.htm, .rss/.atom/.xml), or nothing for any other file. An .xml
// file is taken for a feed; ParseFile reports one whose root is not a feed.
std::optional<Format> FormatOf(std::string_view path);
const char* FormatName(Format f);

// Whether this build reads `f`: web pages need gumbo and feeds libxml2 at
// build time. If not, *why (when not null) says how to get the reader, e.g.
// "HTML reader not built: install libgumbo-dev and rebuild".
bool FormatBuilt(Format f, std::string* why);

struct ParsedFile {
  std::vector<Document> docs;         // one per article (JSON lines: one per good line)
  std::vector<std::string> warnings;  // "line N: ..." or "byte N: ...", without the path
};

// Parses one file. `id` is the file's id (its path relative to the indexed
// root) and `path` the path it was read from; a JSON-lines article's id is its
// "id" value, or `id#N` for line N when it has none; a feed item's is `id#KEY`
// (see ParseFeed). A format this build does not read gives no article and the
// FormatBuilt reason as its warning.
// A title longer than kMaxTitleBytes is cut (see CutTitle) with a warning.
ParsedFile ParseFile(std::string_view bytes, Format format, const std::string& id, const std::string& path);

// The longest title kept whole, in bytes.
constexpr size_t kMaxTitleBytes = 300;

// If doc->title is longer than kMaxTitleBytes: cuts it at the last space
// before the limit (or at a character boundary when the only space would keep
// less than half), adds "…" (so it stays within the limit), puts the whole
// title at the start of the body (so every word of it is still found) and
// returns true with a warning in *warning (if not null). Otherwise false.
bool CutTitle(Document* doc, std::string* warning);

// Valid UTF-8: a BOM removed, CR LF and lone CR turned into LF, and each invalid
// sequence replaced by U+FFFD with a warning giving its byte offset in `bytes`
// (at most the first 10 are listed, then a count).
std::string CleanText(std::string_view bytes, std::vector<std::string>* warnings);

// A header date as a UTC day: ISO 8601 (2025-09-15, 2025-09-15T23:30:00-05:00,
// 2025-09-15 10:00Z), RFC 2822 (Thu, 22 Aug 2002 12:36:23 +0100), "September 15,
// 2025", "Sep 15 2025", "15 Sep 2025" and "15 September 2025". A time with an
// offset is moved to UTC, which may change the day.
std::optional<Days> ParseHeaderDate(std::string_view text);

// Decodes RFC 2047 encoded words (=?charset?B|Q?...?=) in a header value.
std::string DecodeHeaderWords(std::string_view value);

// Converts text in `charset` (an IANA name, e.g. iso-8859-1, windows-1252,
// shift_jis) to UTF-8 with ICU. False for an unknown charset.
bool ToUtf8(std::string_view bytes, const std::string& charset, std::string* out);

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_FORMATS_H_
