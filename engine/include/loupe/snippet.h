// Snippets: the passages of an article that a query matched, with the
// matched words marked, for showing hits to people.
//
//   auto snippeter = loupe::Snippeter::Create(query);        // the compiled Query
//   for (const loupe::Hit& h : results.hits) {
//     auto s = (*snippeter)->Passages(h.document.body);   // Result<Snippet>
//     // s->text: "… the Treasury Secretary said tariffs would …"
//     // s->highlights: byte ranges of s->text to mark
//   }
//
// Matching follows the query's leaves, analyzed the way the index analyzed the
// text: a word matches by its stem (so `tariff` marks "tariffs"), a phrase only
// where its words stand in order (with the phrase's gaps), a prefix or fuzzy
// word by the same rule the search used, `=Form` only as written. Names searched
// in the actor and author fields are marked where they appear in the text, and
// with SnippetOptions::gazetteer every other name of an actor too (actor:Bessent
// searches the canonical "scott bessent" and marks "贝森特" as written). Words
// under NOT are never marked.
//
// Passages are whole sentences (ICU's sentence boundaries) where they fit the
// target length: the sentence with the most distinct matched words, grown by
// its neighbours up to the target; a sentence longer than the target is cut
// around its matches at word boundaries, with "…" where text was cut. A second
// passage is added when it matches something the first does not. Lengths are
// display columns (a CJK character or an emoji counts two, a combining accent
// none), so Chinese snippets are about as wide on screen as English ones.
//
// Thread-safety: a Snippeter owns an Analyzer and reuses buffers: use one per
// thread. Creating one is cheap (an ICU break iterator).
#ifndef LOUPE_SNIPPET_H_
#define LOUPE_SNIPPET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/analyzer.h"
#include "loupe/query.h"
#include "loupe/status.h"
#include "loupe/tagger.h"  // Gazetteer

namespace loupe {

struct SnippetOptions {
  size_t target_columns = 200;  // about how long a passage is, in display columns
  // At most this many passages; each after the first must match a word the
  // earlier ones do not. 0 is read as 1.
  size_t max_passages = 2;
  // If set, an actor the query searches is marked by any of its names (e.g.
  // the index's, Index::GetGazetteer). Used only while Create runs.
  const Gazetteer* gazetteer = nullptr;
  // How the text is analyzed to find the query's words in it: as the index
  // searched analyzed its documents (ReadIndexAnalysis(index)
  // .analyzer_options(), loupe/query_parser.h), so that in an index that
  // folds diacritics a search for cafe marks "café".
  AnalyzerOptions analyzer_options = {};
};

// A byte range [begin, end) of Snippet::text to mark.
struct Highlight {
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct Snippet {
  // The passages in text order, joined by " … ", whitespace runs shown as one
  // space; "…" marks where a passage was cut inside a sentence or the text.
  std::string text;
  std::vector<Highlight> highlights;  // ascending, not overlapping, within text
  // False when nothing in the text matched (e.g. a search on actor: or date:
  // alone): the text is then the opening of the field.
  bool matched = false;
};

class Snippeter {
 public:
  // Errors: kInternal when ICU cannot provide its break iterators, or when
  // SnippetOptions::gazetteer throws (its message is kept); kIOError when
  // memory runs out.
  static Result<std::unique_ptr<Snippeter>> Create(const Query& query, const SnippetOptions& options = {});

  virtual ~Snippeter() = default;
  Snippeter(const Snippeter&) = delete;
  Snippeter& operator=(const Snippeter&) = delete;

  // The best passages of `text` (e.g. a hit's Document::body). Errors:
  // kIOError when memory runs out.
  virtual Result<Snippet> Passages(std::string_view text) = 0;

  // All of `text` (e.g. a title), whitespace runs shown as one space, with
  // every match highlighted. Errors: kIOError when memory runs out.
  virtual Result<Snippet> HighlightAll(std::string_view text) = 0;

  // Stems the texts given next with the Snowball stemmer `language`, as their
  // document was stemmed (loupe::DocumentStemmer(hit.document)), so that its
  // stems meet the query's; English until called. Errors: kInvalidArgument
  // for a language libstemmer does not have (the stemmer in use stays).
  virtual Status SetStemmerLanguage(std::string_view language) = 0;

 protected:
  Snippeter() = default;
};

}  // namespace loupe

#endif  // LOUPE_SNIPPET_H_
