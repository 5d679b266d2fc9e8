// Private to engine/ingest: what the readers share across their files. Not
// installed: programs get what these do through ParseFile and the other
// readers of loupe/ingest/*.h, the public API.
//
// Thread-safety: the functions are reentrant.
#ifndef LOUPE_INGEST_READERS_H_
#define LOUPE_INGEST_READERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/ingest/formats.h"
#include "util/ascii.h"  // Lower, Trim: header names, tag names, month names

namespace loupe::ingest {

// Valid UTF-8: a BOM removed, CR LF and lone CR turned into LF, and each invalid
// sequence replaced by U+FFFD with a warning giving its byte offset in `bytes`
// (at most the first 10 are listed, then a count) (formats.cc). Errors:
// kIOError when memory runs out.
Result<std::string> CleanText(std::string_view bytes, std::vector<std::string>* warnings);

// Converts text in `charset` (an IANA name, e.g. iso-8859-1, windows-1252,
// shift_jis) to UTF-8 with ICU. False for an unknown charset (formats.cc).
// Errors: kIOError when memory runs out.
Result<bool> ToUtf8(std::string_view bytes, const std::string& charset, std::string* out);

// A header date as a UTC day (dates.cc). Accepted (docs/corpus-format.md#dates):
// - ISO 8601: 2025-09-15, with a time after T or a space and Z or an offset
//   (2025-09-15T23:30:00-05:00, 2025-09-15 10:00Z); also 2025/09/15;
// - RFC 5322 (and 2822): [Thu,] 22 Aug 2002 12:36:23 +0100, with comments in
//   parentheses anywhere, the obsolete forms of its section 4.3 (two-digit
//   years 00-49 as 20xx and 50-99 as 19xx, three-digit years plus 1900, the
//   zones UT, GMT, EST, EDT, CST, CDT, MST, MDT, PST, PDT, and military
//   letters and unknown zone names read as -0000) and a leap second;
// - prose: "September 15, 2025", "Sep 15 2025", "Sept. 15th, 2025",
//   "15 Sep 2025", "15 September 2025"; and ctime's "Mon Sep 15 10:00:00 2025".
// A time with an offset is moved to UTC, which may change the day; a time
// without one is read as UTC. Years run from 1 to 9999. Anything else, and a
// year or a month alone (see below), gives nothing.
std::optional<Days> ParseHeaderDate(std::string_view text);

// As above, and also a year alone ("1790") or a month ("1790-06"), as the
// first day of that period (1790-01-01, 1790-06-01). On success *precision
// (not null) says which of the three was given; on failure it is unchanged.
std::optional<Days> ParseHeaderDate(std::string_view text, DatePrecision* precision);

// Reads a Date header's value into d->date: a day, or a year or a month
// (stored as its first day, with the kDatePrecisionField extra field; a day
// removes that field). False, and *d unchanged, when the value is no date.
bool ApplyDate(std::string_view value, Document* d);

// The work of the public readers (ParseArticle, ParseHtml, ParseFeed,
// HtmlToText) without their guard: ParseFile runs these under its own, and
// what they throw (std::bad_alloc) is its to turn into a Status.
Document ReadArticle(std::string_view text, const std::string& id, const std::string& path,
                     std::vector<std::string>* warnings);
ParsedFile ReadHtml(std::string_view bytes, const std::string& id, const std::string& path);
ParsedFile ReadFeed(std::string_view bytes, const std::string& id, const std::string& path);
std::string ReadHtmlText(std::string_view html);
// The same for CleanText, ToUtf8 and CutTitle (formats.cc).
// DoCleanText's `offset` is where `bytes` start in their file: a BOM is removed
// only at the start of a file, and warnings give offsets in the file.
std::string DoCleanText(std::string_view bytes, std::vector<std::string>* warnings, uint64_t offset = 0);
bool DoToUtf8(std::string_view bytes, const std::string& charset, std::string* out);
bool DoCutTitle(Document* doc, std::string* warning);

// The e-mail reader (email.cc). Without GMime it reads nothing and returns the
// FormatMissing reason as its warning.
ParsedFile ParseEmail(std::string_view bytes, const std::string& id, const std::string& path);

// Why the e-mail reader is missing, or nullptr when it is built (email.cc).
const char* EmailReaderMissing();

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_READERS_H_
