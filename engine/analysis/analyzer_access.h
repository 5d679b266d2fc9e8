// The analyzer's work without the guard of its public calls, for library code
// that runs under a guard of its own (util/guard.h, one per public function):
// it throws what the work throws (std::bad_alloc), and that guard turns it
// into a Status. Not installed.
#ifndef LOUPE_ANALYSIS_ANALYZER_ACCESS_H_
#define LOUPE_ANALYSIS_ANALYZER_ACCESS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/analyzer.h"

namespace loupe {

struct AnalyzerAccess {
  static uint32_t Analyze(Analyzer& a, std::string_view text, bool stem, uint32_t position, std::vector<Token>* out) {
    return a.DoAnalyze(text, stem, position, out);
  }
  static uint32_t AnalyzeField(Analyzer& a, Field f, std::string_view text, uint32_t position,
                               std::vector<Token>* out) {
    return a.DoAnalyze(text, Analyzer::IsStemmed(f), position, out);
  }
  static uint32_t AnalyzeWithForms(Analyzer& a, std::string_view text, uint32_t position, std::vector<Token>* out,
                                   std::vector<std::string>* forms) {
    return a.DoAnalyzeWithForms(text, position, out, forms);
  }
  static void SentenceStarts(Analyzer& a, std::string_view text, std::vector<uint32_t>* starts) {
    a.DoSentenceStarts(text, starts);
  }
  // kInvalidArgument for a language libstemmer lacks; throws when memory runs
  // out, so that a caller that falls back to English on an error does not
  // take running out of memory for an unknown language.
  static Status SetStemmerLanguage(Analyzer& a, std::string_view language) { return a.DoSetStemmerLanguage(language); }
};

}  // namespace loupe

#endif  // LOUPE_ANALYSIS_ANALYZER_ACCESS_H_
