// Searching the splits of a collection that live in different processes or
// on different machines, with the scores of one index holding all of them.
//
// A collection (Index::Open on a collection folder) runs a search in two
// phases within one process: the statistics BM25 needs are summed over every
// split, then every split is scored with the sums. When the splits are held
// by other processes, the caller runs the same two phases itself:
//
//   // 1. On each split (plain indexes, e.g. COLLECTION/splits/2025-09):
//   auto part = loupe::GatherStatistics(*split, query);
//   // ... ship part->Encode() to one place, Decode, and sum:
//   loupe::QueryStatistics sum;  sum.Add(*part);  ...
//   // 1b. Only when the query has prefix or fuzzy words:
//   if (sum.NeedsExpansions()) {
//     sum.ChooseExpansions();                     // the cap, once for all splits
//     // gather again on every split, given the choice, and sum those:
//     auto again = loupe::GatherStatistics(*split, query, &sum);
//   }
//   // 2. On each split, with the sums (documents left out: hits carry their dates):
//   auto page = loupe::SearchWithStatistics(*split, query, sum,
//                                           {.limit = offset + limit, .load_documents = false});
//   // ... then merge the pages by SearchResults' order (score or date, then the
//   // earlier date, undated last, then the earlier split in the collection's
//   // order, then the lower Hit::doc_id), add the totals and facet counts;
//   // 3. on each split holding hits of the merged page, their fields:
//   auto docs = loupe::FetchDocuments(*split, {doc_id, ...});
//
// Each split's hits then carry the scores a search of the whole collection
// gives them, to the bit, so a merge of the splits' pages is that search's
// page. The query must be compiled alike for every split (with the
// collection's context: its meta index, COLLECTION/meta, gives it).
//
// Thread-safety: the functions read one snapshot of the index per call and
// may run concurrently, as Index::Search does. QueryStatistics is a plain
// value.
#ifndef LOUPE_SPLIT_SEARCH_H_
#define LOUPE_SPLIT_SEARCH_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/index.h"
#include "loupe/options.h"
#include "loupe/query.h"
#include "loupe/status.h"

namespace loupe {

// What a query is scored with, gathered from one index or summed over many.
struct QueryStatistics {
  // A prefix or fuzzy word's terms over the indexes gathered: each with the
  // live documents holding it (for a prefix of a stemmed field, its stems).
  struct Candidates {
    std::string leaf;  // the query node (Query::ToString), for the warning
    uint32_t cap = 0;  // Query::max_expansions
    std::map<std::string, uint64_t> terms;
  };

  uint64_t documents = 0;                        // live documents
  uint64_t field_lengths[kNumFields] = {};       // the sum of each field's lengths
  std::map<std::string, uint64_t> terms;         // each term's live documents (key: field byte, then the term)
  std::map<std::string, Candidates> candidates;  // by prefix or fuzzy word (an internal key)
  std::map<std::string, std::vector<std::string>> expansions;  // the terms chosen for each, by the same key
  std::vector<std::string> warnings;                           // what ChooseExpansions cut

  // Adds `other`'s counts to these: documents, lengths, terms' documents and
  // candidates' documents (the statistics of one index holding both's
  // documents). Expansions and warnings are kept, or taken from `other`
  // when these have none.
  void Add(const QueryStatistics& other);

  // True when the query has prefix or fuzzy words whose terms are not chosen
  // yet: call ChooseExpansions, then gather again with these statistics.
  bool NeedsExpansions() const { return !candidates.empty() && expansions.size() < candidates.size(); }

  // Chooses each prefix or fuzzy word's terms from the summed candidates as
  // a collection does: the most frequent `cap` (ties by term), with a
  // warning when the cap cut some.
  void ChooseExpansions();

  // A byte string for shipping between processes, and back. Decode's
  // errors: kCorruption (not what Encode wrote).
  std::string Encode() const;
  static Result<QueryStatistics> Decode(std::string_view bytes);
};

// Phase 1: the statistics of `query` in `index`, a plain index (one split of
// a collection opened by its folder). Without `chosen` (or when it has no
// expansions), a prefix or fuzzy word gives its candidates (every term it
// reaches, uncapped); with `chosen` (the sum over every split after
// ChooseExpansions), the documents of the terms chosen for it instead.
// Errors: kInvalidArgument (`index` is a collection: give its splits;
// the query nested more than 256 levels), kCorruption, kIOError.
Result<QueryStatistics> GatherStatistics(const Index& index, const Query& query,
                                         const QueryStatistics* chosen = nullptr);

// Phase 2: searches `index` (as above) for `query`, scoring with `stats`
// (summed over every split, expansions chosen), as Index::Search does
// otherwise; SearchResults::warnings begins with stats.warnings. Hits keep
// Hit::doc_id for the merge; without SearchOptions::load_documents each
// hit's Document holds its date alone (the merge's tie-break), and
// FetchDocuments loads the fields of the hits the merge kept. Paging is by
// `offset` only.
// Errors: kInvalidArgument (a collection; SearchOptions::after or collapse
// given; `stats` lacks a term of the query or a chosen expansion: they were
// gathered for another query), and Index::Search's.
Result<SearchResults> SearchWithStatistics(const Index& index, const Query& query, const QueryStatistics& stats,
                                           const SearchOptions& options = {});

// Phase 3 ("fetch"): the stored fields of the live documents with internal
// ids `doc_ids` (Hit::doc_id from SearchWithStatistics) in `index`'s last
// commit, in that order. Errors: kNotFound (a document deleted or replaced
// since the search: search again), kInvalidArgument (a collection),
// kCorruption, kIOError.
Result<std::vector<Document>> FetchDocuments(const Index& index, const std::vector<uint32_t>& doc_ids);

// The split a document dated `date` goes to in a collection partitioned by
// `partition`, named as a collection's Writer names it (and its folder,
// COLLECTION/splits/NAME): "2025-09" (kMonth), "2025" (kYear), "undated" for
// an undated document, "all" for kNone. For programs that build a
// collection's splits apart (each on another machine) and must route
// documents as the collection would. Never fails; thread-safe.
std::string CollectionSplitName(Partition partition, std::optional<Days> date);

}  // namespace loupe

#endif  // LOUPE_SPLIT_SEARCH_H_
