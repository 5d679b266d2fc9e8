// Searching the splits of a collection as one index (see db/collection.h).
#include "db/collection.h"

namespace loupe {

// Placeholders until the search side lands; CollectionImpl links against them.
Result<SearchResults> SearchSplits(const std::vector<SplitRef>&, uint64_t, const Query&, const SearchOptions&) {
  return Status::Internal("searching a collection is not built yet");
}
Result<Explanation> ExplainInSplits(const std::vector<SplitRef>&, const Query&, const std::string&) {
  return Status::Internal("explaining in a collection is not built yet");
}
Result<std::vector<std::pair<std::string, uint64_t>>> ExpansionsInSplits(const std::vector<SplitRef>&, const Query&,
                                                                         std::vector<std::string>*) {
  return Status::Internal("expansions in a collection are not built yet");
}
Result<std::vector<std::pair<std::string, uint64_t>>> WordsInSplits(const std::vector<SplitRef>&, const Query&) {
  return Status::Internal("words in a collection are not built yet");
}

}  // namespace loupe
