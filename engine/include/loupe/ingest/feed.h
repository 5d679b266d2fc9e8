// The reader for news feeds: RSS 2.0 (and RSS 0.9x/1.0) and Atom files
// (.rss, .atom, and .xml files whose root is <rss>, <feed> or <rdf:RDF>;
// docs/corpus-format.md#feeds), built on libxml2.
//
// libxml2 is optional at build time: without it FeedReaderBuilt() is false and
// ParseFeed gives no article (and the reason as its warning).
//
// Thread-safety: reentrant; `loupe index` runs it on several threads at once.
#ifndef LOUPE_INGEST_FEED_H_
#define LOUPE_INGEST_FEED_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "loupe/ingest/formats.h"

namespace loupe::ingest {

// Whether this build reads feeds (libxml2 was found when it was built).
bool FeedReaderBuilt();

// Why a feed is not read by a build without libxml2.
inline constexpr const char* kFeedNotBuilt = "feed reader not built: install libxml2-dev and rebuild";

// Text that internal entities (declared in the feed's own DTD) expand to, in
// all, at most: beyond it references are left out with a warning, so a small
// file cannot make gigabytes of text.
inline constexpr size_t kMaxEntityText = size_t{1} << 20;

// Reads a feed: one article per <item> or <entry>, with
//  - id: `id#KEY`, KEY being the item's guid (Atom: id), else its link, else
//    its position N (1-based); a repeated id is a warning and the later item
//    is left out;
//  - title: <title> (Atom type="html" or "xhtml" reduced to text);
//  - author: dc:creator, else <author> (RSS: the name in "mail (Name)");
//    Atom: the entry's author names, else the feed's;
//  - date: pubDate, else dc:date; Atom: published, else updated (read as a
//    header date, docs/corpus-format.md#dates);
//  - topics: the <category> texts (Atom: label, else term) and dc:subject;
//  - body: content:encoded, else Atom content, else summary, else
//    description; HTML is reduced to text with HtmlToText;
//  - language: the primary subtag of the channel's <language> or xml:lang;
//  - extra fields: URL (the item's link) and Source (the channel's title).
// Entities are never loaded from outside the file, nothing is fetched from
// the network, and entity expansion is bounded (kMaxEntityText); libxml2's own
// limits apply (depth 256, amplification checks). A file that is not XML or
// whose root is not a feed gives no article and a warning. Warnings are
// "line N: ..." or "...", without the path. Errors: kIOError when memory runs out.
Result<ParsedFile> ParseFeed(std::string_view bytes, const std::string& id, const std::string& path);

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_FEED_H_
