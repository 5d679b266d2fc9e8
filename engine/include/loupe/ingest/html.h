// The reader for web pages (.html, .htm; docs/corpus-format.md#web-pages),
// built on gumbo, an HTML5 parser, and the HTML-to-text conversion the feed
// and e-mail readers share.
//
// gumbo is optional at build time: without it HtmlReaderBuilt() is false,
// ParseHtml gives no article (and the reason as its warning), and HtmlToText
// falls back to a simple tag stripper.
//
// Thread-safety: the functions are reentrant; `loupe index` runs them on
// several threads at once.
#ifndef LOUPE_INGEST_HTML_H_
#define LOUPE_INGEST_HTML_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "loupe/ingest/formats.h"

namespace loupe::ingest {

// Whether this build reads web pages (gumbo was found when it was built).
bool HtmlReaderBuilt();

// Why a web page is not read by a build without gumbo.
inline constexpr const char* kHtmlNotBuilt = "HTML reader not built: install libgumbo-dev and rebuild";

// Pages longer than this are read up to it (at a character), with a warning,
// so one page never takes more than a few hundred MiB to parse.
inline constexpr size_t kMaxHtmlBytes = size_t{16} << 20;

// Start tags nested deeper than this are left out before parsing (their text
// stays), with a warning: gumbo's time grows with the square of the depth and
// it frees its tree recursively, so a page nested 100,000 deep would take
// minutes or overflow the stack.
inline constexpr int kMaxHtmlDepth = 512;

// Reads one web page as one article (what it cannot read is a warning, never
// an error: it fails only when memory runs out; warnings are "..." without the
// path):
//  - title: the og:title meta, else <title> without a site suffix (" | Site",
//    " - Site", " — Site" where Site is og:site_name or a short capitalized name),
//    else the JSON-LD headline, else the first <h1>;
//  - author: the author meta, else the JSON-LD article's author name(s), else
//    the first element whose class or rel is byline or author ("By " removed);
//  - date: the article:published_time meta, else the JSON-LD datePublished,
//    else the first <time datetime> of the article (read as a header date,
//    docs/corpus-format.md#dates);
//  - language: the primary subtag of <html lang>, lower case;
//  - topics: the article:tag metas, news_keywords and the JSON-LD keywords;
//  - body: the JSON-LD articleBody, else the text of the <article> element,
//    else of the element with the most text in its own <p> children; without
//    scripts, styles, navigation, headers, footers, asides, forms, comments and
//    boxes whose class or id names a cookie notice, consent, banner, related
//    links, sharing, newsletter or ads; paragraphs separated by a blank line;
//  - extra fields: Source (og:site_name, else the JSON-LD publisher) and URL
//    (the canonical link, else og:url).
// A page that declares another charset in a <meta> within its first 1024 bytes
// is converted to UTF-8 first. `id` and `path` are copied into the article.
// Errors: kIOError when memory runs out.
Result<ParsedFile> ParseHtml(std::string_view bytes, const std::string& id, const std::string& path);

// The text of an HTML fragment or document: entities decoded, scripts, styles
// and the <head> left out, white space collapsed, paragraphs (block elements,
// two <br>) separated by a blank line. Input is read as UTF-8 (invalid
// sequences become U+FFFD). Errors: kIOError when memory runs out.
Result<std::string> HtmlToText(std::string_view html);

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_HTML_H_
