// Languages: which Snowball stemmer a document's words are stemmed with.
//
// A document is stemmed in the language it declares (Document::language: an
// ISO 639-1 or 639-2 code, an English name, or a tag such as "fr-CA"), or,
// when it declares none, in the language detected from its title and body.
// A language libstemmer has no stemmer for (Chinese, Japanese, Polish, ...),
// an unknown tag, and text whose language detection cannot tell are stemmed
// as English, which leaves words in scripts other than Latin as they are.
//
//   std::string_view stemmer = loupe::DocumentStemmer(doc);   // "french"
//   analyzer->SetStemmerLanguage(stemmer);
//
// Thread-safety: every function is reentrant; the returned pointers and views
// point to static data that lives as long as the program.
#ifndef LOUPE_LANGUAGE_H_
#define LOUPE_LANGUAGE_H_

#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"

namespace loupe {

// A language Loupe knows by name.
struct Language {
  std::string_view code;     // ISO 639-1, e.g. "fr"
  std::string_view name;     // English name, lower case, e.g. "french"
  std::string_view stemmer;  // Snowball algorithm, e.g. "french"; "" when libstemmer has none
};

// The stemmer every document is stemmed with unless its language has another.
inline constexpr std::string_view kDefaultStemmer = "english";

// The language `tag` names, case-insensitively: an ISO 639-1 code ("fr"), an
// ISO 639-2 code ("fra", "fre"), an English or native name ("French",
// "français"), or any of these followed by subtags ("fr-CA", "pt_BR",
// "zh-Hant-TW"). nullptr when it names none Loupe knows.
const Language* FindLanguage(std::string_view tag);

// The Snowball stemmer for documents in language `tag`: its language's
// stemmer, "english" for a known language without one, and "" for a tag
// FindLanguage does not know (callers stem those as English and may warn).
std::string_view StemmerFor(std::string_view tag);

// The Snowball names of the languages that have a stemmer, in alphabetical order.
std::vector<std::string_view> StemmerLanguages();

// Names and codes of languages with a stemmer that are close to the unknown
// `tag` (a typo of a name or code), nearest first, for "did you mean".
std::vector<std::string> SimilarLanguages(std::string_view tag);

// Guesses the language of UTF-8 text from its first kDetectBytes bytes: by
// script where a script says it (Cyrillic, Greek, Arabic, Hebrew, Armenian,
// Devanagari, Tamil, Thai, Hangul, Han and kana, classed by ICU), else, for
// Latin script, by counting the function words ("the", "les", "und", ...) of
// each language that has a stemmer. nullptr when it cannot tell (too few
// words, or two languages too close). Allocates nothing.
inline constexpr size_t kDetectBytes = 4096;
const Language* DetectLanguage(std::string_view text);

// The stemmer of a document's title and body (topics: StemmerOf): that of
// Document::language when it names a known language, "english" when it names
// an unknown one; when it is empty, that of the language DetectLanguage finds
// in the title and body, else "english". Allocates nothing.
std::string_view DocumentStemmer(const Document& doc);

// The stemmer of field f of a document whose stemmer is `document_stemmer`:
// that one for title and body; English for topics, which are labels from a
// topic lexicon or a Topics header (English in the bundled data), so that a
// topic is one term in every article whatever its language (the Spanish
// stemmer would keep "tariffs", a term of that article alone, which would
// outrank every English article for `tariffs`).
inline std::string_view StemmerOf(Field f, std::string_view document_stemmer) {
  return f == Field::kTopic ? kDefaultStemmer : document_stemmer;
}

// The application metadata key (Index::GetMetadata) under which each Commit
// records how the index's documents were analyzed, so that queries can be
// analyzed alike: a JSON object whose members include
//   "languages":       the Snowball names of the stemmers documents were
//                      stemmed with, sorted (a language stays listed after
//                      its documents are deleted);
//   "fold_diacritics": whether diacritics are stripped from the index's terms
//                      (IndexOptions::fold_diacritics), fixed when the index
//                      was created; written by the first commit of an index
//                      that folds, read back whenever the index is opened.
// A commit that adds documents reads the object, adds its languages, sets
// the members it owns and keeps every other member as it was, so others may
// add members of their own. An index committed before the record existed
// has none: its documents were stemmed as English.
inline constexpr std::string_view kAnalysisMetadataKey = "analysis";

}  // namespace loupe

#endif  // LOUPE_LANGUAGE_H_
