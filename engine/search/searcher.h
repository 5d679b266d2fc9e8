// The searcher: runs a query over one index, or over the splits of a
// collection as if they were one index, and gathers what the options ask
// for with small collectors: the top hits (TopK), the counts
// (CountCollector), near-duplicate groups (CollapseCollector), all in
// search/collectors.h; facet counts (FacetCounter) and the paging cursor,
// in search/results.h.
//
// Every part (the index, or each split) is searched with the same scoring
// statistics, and hits of all parts compete in one top-k by one key: the
// score (or date), then the earlier date, then the earlier part, then the
// document added first. So a collection's pages and cursors are exactly
// those of one index holding all of its documents in date order.
#ifndef LOUPE_SEARCH_SEARCHER_H_
#define LOUPE_SEARCH_SEARCHER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loupe/index.h"
#include "search/doc_table.h"
#include "search/results.h"
#include "search/scoring.h"
#include "storage/lmdb.h"

namespace loupe {

// One index in a search: a read snapshot of its last commit.
struct SearchPart {
  std::string name;  // the split's name ("" for a plain index); Hit::split
  const storage::Txn* txn = nullptr;
  const DocTable* table = nullptr;
  // Loads the part's facet table (called only when a facet needs it).
  std::function<Result<std::shared_ptr<const FacetTable>>()> facets;
  // False: the part cannot match (a date filter excludes its whole range).
  // It is not searched, but its documents still count in the statistics.
  bool searched = true;
};

struct SearchScope {
  std::vector<SearchPart> parts;            // in the collection's order
  uint64_t id = 0;                          // named by cursors: the index's id, or the collection's and its splits'
  uint64_t generation = 0;                  // the commit searched (a collection: the sum over its splits)
  const ScoringContext* scoring = nullptr;  // null: the single part's own statistics
};

// Runs `query`. `warnings` are passed on into SearchResults::warnings,
// after those of the query's plan.
// Errors: kInvalidArgument (a bad cursor, a query past its limits),
// kCorruption, kIOError.
Result<SearchResults> RunSearch(const SearchScope& scope, const Query& query, const SearchOptions& options,
                                std::vector<std::string> warnings);

// Explains the score of document `doc` (of the index `txn` reads) for
// `query`, node by node, scored as a search with `context` would (null: the
// index's own statistics). Errors: kInvalidArgument (nested too deep, past
// the query's limits), kCorruption, kIOError.
Status ExplainDocument(const Query& query, uint32_t doc, const storage::Txn& txn, const DocTable& table,
                       const ScoringContext* context, Explanation* out);

}  // namespace loupe

#endif  // LOUPE_SEARCH_SEARCHER_H_
