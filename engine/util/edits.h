// Edit distances: the bounded check the fuzzy look-ups use (the term
// dictionary, the written forms, the snippets' fuzzy marks), and the full
// distance of two short names (the query's field-name typos, language names).
#ifndef LOUPE_ENGINE_UTIL_EDITS_H_
#define LOUPE_ENGINE_UTIL_EDITS_H_

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "loupe/analyzer.h"  // kMaxTermBytes

namespace loupe {

// Whether a can be turned into b with at most k byte insertions, deletions or
// substitutions (Levenshtein, one row at a time on the stack, stopping once a
// row exceeds k). Terms are at most kMaxTermBytes; a longer b is never within.
inline bool WithinEdits(std::string_view a, std::string_view b, uint32_t k) {
  size_t la = a.size(), lb = b.size();
  if ((la > lb ? la - lb : lb - la) > k) return false;
  if (lb > kMaxTermBytes) return false;
  uint32_t row[kMaxTermBytes + 1], next[kMaxTermBytes + 1];
  for (size_t j = 0; j <= lb; ++j) row[j] = static_cast<uint32_t>(j);
  for (size_t i = 1; i <= la; ++i) {
    next[0] = static_cast<uint32_t>(i);
    uint32_t best = next[0];
    for (size_t j = 1; j <= lb; ++j) {
      next[j] = std::min({row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      best = std::min(best, next[j]);
    }
    if (best > k) return false;
    std::copy(next, next + lb + 1, row);
  }
  return row[lb] <= k;
}

// The Levenshtein distance of a and b in bytes (insertions, deletions,
// substitutions), for short strings such as names: it allocates three rows.
// With `swaps`, exchanging two neighbouring bytes also counts one edit ("tlaks"
// is one from "talks"): the optimal string alignment distance, which the
// did-you-mean suggestions rank by.
inline size_t EditDistance(std::string_view a, std::string_view b, bool swaps = false) {
  const size_t m = b.size();
  std::vector<size_t> before(m + 1), row(m + 1), next(m + 1);  // rows i-2, i-1, i
  for (size_t j = 0; j <= m; ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    next[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      next[j] = std::min({row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      if (swaps && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        next[j] = std::min(next[j], before[j - 2] + 1);
    }
    before.swap(row);
    row.swap(next);
  }
  return row[m];
}

}  // namespace loupe

#endif  // LOUPE_ENGINE_UTIL_EDITS_H_
