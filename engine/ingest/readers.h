// Private to tools/ingest: what the readers share across their files (not
// installed; the public API is loupe/ingest/*.h).
#ifndef LOUPE_TOOLS_INGEST_READERS_H_
#define LOUPE_TOOLS_INGEST_READERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/ingest/formats.h"
#include "util/ascii.h"  // Lower, Trim: header names, tag names, month names

namespace loupe::ingest {

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
std::string DoCleanText(std::string_view bytes, std::vector<std::string>* warnings);
bool DoToUtf8(std::string_view bytes, const std::string& charset, std::string* out);
bool DoCutTitle(Document* doc, std::string* warning);

// The e-mail reader (email.cc). Without GMime it reads nothing and returns the
// FormatMissing reason as its warning.
ParsedFile ParseEmail(std::string_view bytes, const std::string& id, const std::string& path);

// Why the e-mail reader is missing, or nullptr when it is built (email.cc).
const char* EmailReaderMissing();

}  // namespace loupe::ingest

#endif  // LOUPE_TOOLS_INGEST_READERS_H_
