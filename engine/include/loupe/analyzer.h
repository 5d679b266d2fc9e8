// Analyzer: turns UTF-8 text into index terms.
//
// Pipeline: ICU word boundaries (UAX #29; ICU's dictionary segments Chinese,
// Japanese and Thai) -> keep word, number and ideograph tokens -> NFKC case fold
// -> typographic apostrophe to ASCII, dotted acronyms joined ("U.S." -> "us")
// -> optional Snowball stemming. The same analyzer runs at index and query time.
//
// Thread-safety: an Analyzer is NOT safe for concurrent use (it reuses buffers
// and holds a stemmer). Create one per thread; creation is cheap.
#ifndef LOUPE_ANALYZER_H_
#define LOUPE_ANALYZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/status.h"

namespace loupe {

struct Token {
  std::string term;   // normalized (and, where the field asks, stemmed) term bytes
  uint32_t position;  // 0-based token position within the analyzed text
  uint32_t begin;     // byte offset of the token in the input text
  uint32_t end;       // one past its last byte
};

// Terms longer than this many bytes are dropped (LMDB keys are at most 511 bytes).
inline constexpr size_t kMaxTermBytes = 200;

struct AnalyzerOptions {
  // Snowball algorithm name for stemmed fields ("english", "french", ...), at
  // first; Analyzer::SetStemmerLanguage changes it.
  std::string stemmer_language = "english";
  // Strip diacritics after folding (café -> cafe). Off by default.
  bool fold_diacritics = false;
  // Segment pure-ASCII words with a hand-written scanner that gives exactly what
  // ICU gives (a differential test holds it to that), and cache stems. Turning
  // it off sends all text through ICU; only tests and benchmarks need that.
  bool ascii_fast_path = true;
};

class Analyzer {
 public:
  // Fails with kInvalidArgument if the stemmer language is unknown, or kInternal
  // if ICU cannot provide its break iterator or normalizer.
  static Result<std::unique_ptr<Analyzer>> Create(const AnalyzerOptions& options = {});

  virtual ~Analyzer() = default;
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // Appends the tokens of `text` to `*out` (which is not cleared), positions
  // starting at `first_position`. `stem` selects stemming. Invalid UTF-8 is read
  // as U+FFFD, which produces no token. Returns the position after the last token.
  // Errors: kIOError when memory runs out (*out may then hold some of the
  // tokens: clear it before using it again).
  Result<uint32_t> Analyze(std::string_view text, bool stem, uint32_t first_position, std::vector<Token>* out);

  // Analyze with stemming that also appends to `*forms`, for each token it
  // appends to `*out`, the token's folded but unstemmed form (the word as
  // written, as Analyze without stemming gives it), so both grow alike. The
  // writer keeps these written forms so that prefixes match the words as
  // written. Costs a string copy per token over Analyze. Errors: as Analyze.
  Result<uint32_t> AnalyzeWithForms(std::string_view text, uint32_t first_position, std::vector<Token>* out,
                                    std::vector<std::string>* forms);

  // Replaces *starts with the byte offsets at which the sentences of `text`
  // begin (0 first, when text is not empty), by ICU's sentence boundaries
  // (UAX #29, without abbreviation suppressions). Unless
  // AnalyzerOptions::ascii_fast_path is off, the rules are applied by a scanner
  // over UTF-8 with ICU's Sentence_Break property, which gives exactly what
  // ICU's break iterator gives (a differential test holds it to that) without
  // converting the text to UTF-16. Errors: kIOError when memory runs out.
  Status SentenceStarts(std::string_view text, std::vector<uint32_t>* starts);

  // Stems with the Snowball stemmer `language` (a Snowball name such as
  // "french"; see loupe/language.h for a document's) from the next call on.
  // The analyzer keeps the stemmer of each language it has used, so switching
  // back and forth (per document) allocates only the first time. Errors:
  // kInvalidArgument for a language libstemmer does not have (the stemmer in
  // use stays).
  Status SetStemmerLanguage(std::string_view language);
  // The Snowball name of the stemmer in use.
  virtual std::string_view stemmer_language() const = 0;

  // Whether a field's text is stemmed (title, body, topic) or only folded (actor, author).
  static bool IsStemmed(Field f) { return f == Field::kTitle || f == Field::kBody || f == Field::kTopic; }

  // Analyzes text as field `f` would be analyzed. Errors: as Analyze.
  Result<uint32_t> AnalyzeField(Field f, std::string_view text, uint32_t first_position, std::vector<Token>* out) {
    return Analyze(text, IsStemmed(f), first_position, out);
  }

 protected:
  Analyzer() = default;

  // The work of Analyze, AnalyzeWithForms, SentenceStarts and
  // SetStemmerLanguage (which returns kInvalidArgument itself), which run these
  // under a guard that turns what they throw into a Status.
  virtual uint32_t DoAnalyze(std::string_view text, bool stem, uint32_t first_position, std::vector<Token>* out) = 0;
  virtual uint32_t DoAnalyzeWithForms(std::string_view text, uint32_t first_position, std::vector<Token>* out,
                                      std::vector<std::string>* forms) = 0;
  virtual void DoSentenceStarts(std::string_view text, std::vector<uint32_t>* starts) = 0;
  virtual Status DoSetStemmerLanguage(std::string_view language) = 0;

 private:
  friend struct AnalyzerAccess;  // library code that runs under a guard of its own
};

}  // namespace loupe

#endif  // LOUPE_ANALYZER_H_
