// Did you mean: a query with its misspelt words corrected from what the index
// holds, for searches that found nothing or almost nothing.
//
//   auto s = loupe::SuggestCorrection("actor:Besent AND topic:tarrifs", *index, *analyzer, gazetteer);
//   if (s.ok() && !s->query.empty())  // "actor:Bessent AND topic:tariffs"
//
// Each word of the query (outside NOT, not a prefix, fuzzy or exact word, not
// a date) is looked up in the index's term dictionary for the fields it
// searches: the words that explain an empty result are those no live
// document holds (by the field's analysis: stems in title, body and topic),
// and a word held by at most kRareWordDocs documents is also replaced when a
// close word is held by kRareWordRatio times as many. The replacement is a
// word the index holds as written (Index::Words: its written forms, never a
// stem, whose documents would be those of every word of that stem), within
// 2 edits of the word as typed (1 for words of 4 bytes or fewer; a swap of
// neighbouring letters is one edit): the one written by the most documents
// after dividing by ten per unit of distance, where the distance is the mean
// of the edits and of the edits once doubled letters are written once (so a
// doubled or undoubled letter costs half an edit: "tarrifs" -> "tariffs", not
// "carries"; "seccession" -> "secession", not "succession"). A name the
// gazetteer knows is never corrected; capitalization of the word's first
// letter is kept. What the corrected query finds is for the caller to search
// (loupe search prints its number of hits).
//
// The work is bounded, so that a long query (thousands of words ORed) costs
// little: a query longer than kMaxSuggestionBytes gets no suggestion (it
// would be longer than that too); a word repeated is looked up once; at most
// the first kMaxSuggestWords different words are tried, with at most
// kMaxSuggestLookups look-ups in the index in all (each word takes two per
// field it searches), and the words after are left as typed.
//
// Thread-safety: reentrant; the Index may be shared between threads, the
// Analyzer and the Gazetteer (a Tagger) may not (one per thread).
#ifndef LOUPE_SUGGEST_H_
#define LOUPE_SUGGEST_H_

#include <string>
#include <string_view>
#include <vector>

#include "loupe/analyzer.h"
#include "loupe/index.h"
#include "loupe/query_parser.h"
#include "loupe/status.h"

namespace loupe {

// A word held by this many documents or fewer is corrected when a word within
// reach is held by kRareWordRatio times as many.
inline constexpr uint64_t kRareWordDocs = 2;
inline constexpr uint64_t kRareWordRatio = 20;
// Bounds of one SuggestCorrection (see above).
inline constexpr size_t kMaxSuggestionBytes = 1000;
inline constexpr size_t kMaxSuggestWords = 10;
inline constexpr size_t kMaxSuggestLookups = 64;

struct Suggestion {
  std::string query;                 // the corrected query; empty when nothing was corrected
  std::vector<std::string> changes;  // e.g. "tarrifs -> tariffs", in query order
};

// Errors: kQuerySyntax when the query does not parse (nothing to suggest
// from), kCorruption / kIOError from the index, kIOError when memory runs
// out, kInternal when the gazetteer throws (its message is kept).
Result<Suggestion> SuggestCorrection(std::string_view query, const Index& index, Analyzer& analyzer,
                                     const Gazetteer* gazetteer = nullptr);

}  // namespace loupe

#endif  // LOUPE_SUGGEST_H_
