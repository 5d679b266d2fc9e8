// Bm25 (search/iterators.h): the field weights and idf that every
// PostingsCursor (postings_cursor.h) scores with.
#include "search/postings_cursor.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "loupe/document.h"
#include "search/iterators.h"

namespace loupe {

double Bm25::FieldWeight(Field f) { return f == Field::kTitle ? 2.0 : 1.0; }

double Bm25::Idf(uint64_t n, uint64_t df) {
  double N = static_cast<double>(n), d = static_cast<double>(std::min(df, n == 0 ? df : n));
  return std::log(1.0 + (N - d + 0.5) / (d + 0.5));
}

}  // namespace loupe
