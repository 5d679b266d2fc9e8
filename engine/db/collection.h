// The search side of a collection (many indexes, "splits", searched as one):
// what CollectionImpl (db/collection_impl.cc) calls for Index::Search,
// Explain, Expansions and Words, implemented in db/collection_search.cc.
//
// Scores are those of one index holding every split's documents: the
// statistics BM25 needs (live documents, field lengths, each term's document
// frequency) are summed over all splits first, and every split is then
// scored with the sums; prefix and fuzzy expansions are capped across the
// collection. Splits whose date range cannot match a query's date filter are
// not searched, but still count in the statistics.
#ifndef LOUPE_DB_COLLECTION_H_
#define LOUPE_DB_COLLECTION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loupe/index.h"

namespace loupe {

// One split as the search sees it.
struct SplitRef {
  const Index* index = nullptr;  // opened by Index::Open (an IndexImpl, a SplitReader)
  std::string name;
  // The dates of its documents, first..last (INT32_MIN both: none dated). A
  // date-filtered search skips a split whose range cannot match.
  Days first = INT32_MIN;
  Days last = INT32_MIN;
};

// `splits` in the collection's order (by date, undated last): ties between
// equal scores go to the earlier date, then the earlier split, then the
// document added first. `collection_id` names the collection in paging
// cursors.
Result<SearchResults> SearchSplits(const std::vector<SplitRef>& splits, uint64_t collection_id, const Query& query,
                                   const SearchOptions& options);
Result<Explanation> ExplainInSplits(const std::vector<SplitRef>& splits, const Query& query, const std::string& id);
Result<std::vector<std::pair<std::string, uint64_t>>> ExpansionsInSplits(const std::vector<SplitRef>& splits,
                                                                         const Query& query,
                                                                         std::vector<std::string>* warnings);
Result<std::vector<std::pair<std::string, uint64_t>>> WordsInSplits(const std::vector<SplitRef>& splits,
                                                                    const Query& query);

// Index::DocFreq and ScanTerms over a collection: the sums over its splits.
Result<uint64_t> DocFreqInSplits(const std::vector<SplitRef>& splits, Field field, std::string_view term);
Status ScanTermsInSplits(const std::vector<SplitRef>& splits, Field field, std::string_view prefix,
                         const std::function<bool(std::string_view term, uint64_t docs)>& fn);

}  // namespace loupe

#endif  // LOUPE_DB_COLLECTION_H_
