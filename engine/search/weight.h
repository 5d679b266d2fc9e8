// Query -> Weight -> scorer, the searcher's three steps.
//
// A Query says what to match. A Weight is that query bound to the statistics
// it is scored with: one index's own, or the sums over every split of a
// collection gathered in the search's first phase (ScoringContext, with its
// TermStatistics). From the Weight, Scorer() builds for one part (the index,
// or one split) the iterator tree that finds that part's matches and scores
// them with those statistics; the searcher (searcher.h) feeds each part's
// matches to its collectors. So a document scores the same whichever part
// holds it, and the pruning bounds of every part use the global idf.
#ifndef LOUPE_SEARCH_WEIGHT_H_
#define LOUPE_SEARCH_WEIGHT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "loupe/query.h"
#include "loupe/status.h"
#include "search/doc_table.h"
#include "search/iterators.h"
#include "search/scoring.h"
#include "storage/lmdb.h"

namespace loupe {

// Lives for one search and is used by one thread: a collection's
// TermStatistics cache each term's entries as the parts' plans ask for them.
class Weight {
 public:
  // `context` null: each part is scored with its own statistics (one index).
  // Both must outlive the Weight.
  Weight(const Query& query, const ScoringContext* context) : query_(query), context_(context) {}

  const Query& query() const { return query_; }

  // The scorer of part number `part` (its number in the search's scope),
  // reading `txn` and `table`, which must outlive it. See BuildIterator for
  // `scoring`, `error`, `warnings` and `budget`.
  Result<std::unique_ptr<DocIterator>> Scorer(uint32_t part, const storage::Txn& txn, const DocTable& table,
                                              bool scoring, Status* error, std::vector<std::string>* warnings,
                                              PlanBudget* budget) const {
    if (!context_) return BuildIterator(query_, txn, table, scoring, error, warnings, budget, nullptr);
    ScoringContext c = *context_;
    c.part = part;
    return BuildIterator(query_, txn, table, scoring, error, warnings, budget, &c);
  }

 private:
  const Query& query_;
  const ScoringContext* context_;
};

}  // namespace loupe

#endif  // LOUPE_SEARCH_WEIGHT_H_
