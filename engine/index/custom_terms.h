// The tokens the writer indexes for a document's custom fields
// (loupe/custom_fields.h). Private to engine/.
#ifndef LOUPE_INDEX_CUSTOM_TERMS_H_
#define LOUPE_INDEX_CUSTOM_TERMS_H_

#include <vector>

#include "loupe/analyzer.h"
#include "loupe/document.h"

namespace loupe {

// Replaces *out with the Field::kCustom tokens of `doc`: for each custom
// field, its marker once (at the position of its first value), then each of
// its values' tokens as "name:token", values kActorGap positions apart. The
// tokens come in position order, as the writer's inversion needs.
void AnalyzeCustomFields(Analyzer& analyzer, const Document& doc, std::vector<Token>* out);

}  // namespace loupe

#endif  // LOUPE_INDEX_CUSTOM_TERMS_H_
