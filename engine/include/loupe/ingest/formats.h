// Readers for the file formats `loupe index` takes (docs/corpus-format.md):
// plain-text articles in the header format (or with no headers at all),
// Markdown with front matter, JSON lines, e-mail (RFC 5322 with MIME, read
// with GMime 3 when libloupe was built with it), web pages (html.h, with gumbo)
// and RSS or Atom feeds (feed.h, with libxml2). Every reader takes the file's
// bytes and never fails as a whole: what it cannot use becomes a warning, and
// the article keeps what could be read (ParseFile fails only when memory runs out).
//
// Thread-safety: the functions are reentrant; `loupe index` runs them on
// several threads at once. The first e-mail read initializes GMime for the
// process (once, whichever thread reads it); libloupe never shuts GMime down,
// so a program that uses GMime too must not call g_mime_shutdown() while it
// still reads e-mail.
#ifndef LOUPE_INGEST_FORMATS_H_
#define LOUPE_INGEST_FORMATS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/status.h"

namespace loupe::ingest {

enum class Format { kText, kMarkdown, kJsonLines, kEmail, kHtml, kFeed };

// The format of a file by its extension (.txt, .md/.markdown, .jsonl/.ndjson,
// .eml, .html/.htm, .rss/.atom/.xml), or nothing for any other file. An .xml
// file is taken for a feed; ParseFile reports one whose root is not a feed.
std::optional<Format> FormatOf(std::string_view path);
const char* FormatName(Format f);

struct ParsedFile {
  std::vector<Document> docs;         // one per article (JSON lines: one per good line)
  std::vector<std::string> warnings;  // "line N: ..." or "byte N: ...", without the path
};

// Parses one file. `id` is the file's id (its path relative to the indexed
// root) and `path` the path it was read from; a JSON-lines article's id is its
// "id" value, or `id#N` for line N when it has none; a feed item's is `id#KEY`
// (see ParseFeed).
// A title longer than kMaxTitleBytes is cut (see CutTitle) with a warning.
// A format this build cannot read (see FormatMissing) gives no document and
// the reason as its only warning. What cannot be read in the file becomes a
// warning, never an error; errors: kIOError when memory runs out.
Result<ParsedFile> ParseFile(std::string_view bytes, Format format, const std::string& id, const std::string& path);

// Where a part of a JSON-lines file starts: its first line's number (from 1)
// and its first byte's offset in the file.
struct JsonLinesPart {
  uint64_t first_line = 1;
  uint64_t offset = 0;
};

// Parses a part of a JSON-lines file, so that a file of any size can be read
// a part at a time, the parts on several threads at once. `bytes` are whole
// lines of the file (each part but the last ends with its '\n'), starting at
// `part`; `id` and `path` are the file's. Gives what ParseFile gives for
// these lines within the whole file: article ids `id#N` and warnings with
// the lines' numbers in the file, "byte N" with offsets in the file (at most
// the first 10 of a part listed), a BOM removed only at offset 0.
// ParseFile(bytes, Format::kJsonLines, id, path) is ParseJsonLines(bytes, {},
// id, path). Errors: kIOError when memory runs out.
Result<ParsedFile> ParseJsonLines(std::string_view bytes, const JsonLinesPart& part, const std::string& id,
                                  const std::string& path);

// Why this build of libloupe cannot read `format`, or nullptr when it can:
// e-mail needs GMime 3 at build time ("e-mail reader not built: install
// libgmime-3.0-dev and rebuild"), web pages gumbo ("HTML reader not built:
// install libgumbo-dev and rebuild") and feeds libxml2. Walk reports such
// files as skipped with it.
const char* FormatMissing(Format format);

// The longest title kept whole, in bytes.
constexpr size_t kMaxTitleBytes = 300;

// If doc->title is longer than kMaxTitleBytes: cuts it at the last space
// before the limit (or at a character boundary when the only space would keep
// less than half), adds "…" (so it stays within the limit), puts the whole
// title at the start of the body (so every word of it is still found) and
// returns true with a warning in *warning (if not null). Otherwise false.
// Errors: kIOError when memory runs out.
Result<bool> CutTitle(Document* doc, std::string* warning);

// How much of a date a header gives: a day, or only a month or a year.
enum class DatePrecision { kDay, kMonth, kYear };

// The extra field that records the precision of a partial date: the readers
// store a year or a month as its first day in Document::date and add
// (kDatePrecisionField, "year" or "month") to Document::extra. A full day
// adds nothing (and removes the field a partial date read earlier had set).
inline constexpr char kDatePrecisionField[] = "Date-Precision";

// "day", "month" or "year".
const char* DatePrecisionName(DatePrecision p);

// The precision of a document's date, from its kDatePrecisionField extra
// field (kDay when it has none, or an unknown value).
DatePrecision DatePrecisionOf(const Document& doc);

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_FORMATS_H_
