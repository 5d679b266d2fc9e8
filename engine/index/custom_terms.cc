#include "index/custom_terms.h"

#include <algorithm>
#include <string>

#include "analysis/analyzer_access.h"
#include "index/format.h"
#include "loupe/custom_fields.h"

namespace loupe {

void AnalyzeCustomFields(Analyzer& analyzer, const Document& doc, std::vector<Token>* out) {
  out->clear();
  if (doc.language.empty() && doc.extra.empty()) return;
  thread_local std::vector<Token> tokens;
  std::vector<std::string> marked;  // names whose marker is out
  uint32_t pos = 0;
  for (const auto& [name, value] : CustomFieldValues(doc)) {
    if (std::find(marked.begin(), marked.end(), name) == marked.end()) {
      marked.push_back(name);
      out->push_back(Token{CustomFieldMarker(name), pos, 0, 0});
    }
    // Values are split at ';', as the Actors header's are, and kept apart so
    // that a phrase never spans two.
    for (size_t begin = 0; begin <= value.size();) {
      size_t end = std::min(value.find(';', begin), value.size());
      tokens.clear();
      const uint32_t next =
          AnalyzerAccess::AnalyzeField(analyzer, Field::kCustom, value.substr(begin, end - begin), pos, &tokens);
      for (Token& t : tokens) {
        t.term = CustomFieldTerm(name, t.term);
        out->push_back(std::move(t));
      }
      if (next != pos) pos = next + format::kActorGap;
      begin = end + 1;
    }
  }
}

}  // namespace loupe
