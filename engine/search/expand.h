// The dictionary side of planning (search/plan.cc): a term's entry in one
// index or split, and the terms a prefix or fuzzy leaf expands to, found
// once per distinct leaf and charged to the query's PlanBudget. The plan
// builder turns what it finds into iterators; this file knows no iterator.
#ifndef LOUPE_SEARCH_EXPAND_H_
#define LOUPE_SEARCH_EXPAND_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "index/format.h"
#include "loupe/query.h"
#include "loupe/status.h"
#include "search/iterators.h"
#include "search/scoring.h"
#include "storage/lmdb.h"

namespace loupe::plan_internal {

// The memory a plan holds, estimated and charged against its budget before
// each piece is allocated: `held` by iterators and bitsets (given back when
// a subtree that matches nothing is dropped), `kept` by expansion lists
// (kept for the whole search).
struct PlanMemory {
  PlanBudget* budget;
  uint64_t held = 0;
  uint64_t kept = 0;

  // Adds `bytes` to what is held, or refuses the query (at node `where`)
  // when that passes the memory limit.
  Status Charge(uint64_t bytes, const Query& where) {
    held += bytes;
    budget->bytes = std::max(budget->bytes, held + kept);
    if (held + kept <= budget->max_bytes) return Status::OK();
    return Refuse("the query would take more than " + FormatBytes(budget->max_bytes) +
                      " of memory to run, the limit for one query (passed at '" + Shorten(where.ToString()) +
                      "'); search for fewer words, prefixes or parts at once",
                  where);
  }
  // kInvalidArgument, at the words of the query text `where` came from when
  // the planner recorded them.
  static Status Refuse(std::string message, const Query& where) {
    if (where.source_offset() == Query::kNoSource) return Status::InvalidArgument(std::move(message));
    return Status(StatusCode::kInvalidArgument, std::move(message), where.source_offset(), where.source_length());
  }
  static std::string FormatBytes(uint64_t b) {
    if (b >= (uint64_t{1} << 20) && b % (uint64_t{1} << 20) == 0) return std::to_string(b >> 20) + " MiB";
    if (b >= 1024 && b % 1024 == 0) return std::to_string(b >> 10) + " KiB";
    return std::to_string(b) + " bytes";
  }
  // A node's text for a message: an AND or OR of thousands of parts is cut.
  static std::string Shorten(std::string s) {
    if (s.size() > 120) s = s.substr(0, 117) + "...";
    return s;
  }
};

// A term a prefix or fuzzy leaf expands to, with its dictionary entry.
struct Found {
  std::string term;
  format::TermInfo info;
  // A prefix's stem with other written forms too: its documents are checked
  // against their stored text for `forms`, its forms that start with the prefix.
  bool verify = false;
  std::vector<std::string> forms;
};

// Reads one index's (or split's) dictionary for a plan. With `context` (a
// split of a collection), entries come from the collection's statistics when
// they read them already, and capped expansions are the collection's choice.
class Expander {
 public:
  Expander(const storage::Txn& txn, const ScoringContext* context, std::vector<std::string>* warnings,
           PlanMemory* memory)
      : txn_(txn),
        terms_(context ? context->terms : nullptr),
        part_(context ? context->part : 0),
        warnings_(warnings),
        memory_(memory),
        budget_(memory->budget) {}

  // A term's entry in this index's dictionary (found = false when absent).
  Result<TermStatistics::PartEntry> Lookup(Field f, const std::string& term);
  // The document frequency a term is scored with: the collection's, or the index's own.
  Result<uint64_t> ScoringDf(Field f, const std::string& term, const format::TermInfo& info);
  // The terms of the field a prefix or fuzzy leaf searches (the most frequent
  // max_expansions of them, in term order); computed once per distinct leaf,
  // so that a leaf repeated across the query reads the dictionary once and
  // counts once against the query's expansion limit.
  Result<const std::vector<Found>*> Expand(const Query& q);
  // The written forms (folded, not stemmed) a prefix of a stemmed field or a
  // fuzzy word reaches, with the live documents writing each, most first.
  Result<std::vector<std::pair<std::string, uint64_t>>> WrittenForms(const Query& q);
  // Expand's terms with their document frequencies, most frequent first
  // (WrittenForms for a prefix of a stemmed field).
  Result<std::vector<std::pair<std::string, uint64_t>>> Expansions(const Query& q);

 private:
  Status ScanRefused(const Query& q);
  Status ExpandForms(const Query& q, std::vector<Found>* found);
  Result<const std::vector<Found>*> Keep(const Query& q, std::string key, std::vector<Found> found);

  const storage::Txn& txn_;
  TermStatistics* terms_;  // null: the index's own
  uint32_t part_;          // this split's number, for terms_->Entry
  std::vector<std::string>* warnings_;
  PlanMemory* memory_;
  PlanBudget* budget_;
  std::unordered_map<std::string, std::vector<Found>> expansions_;
};

}  // namespace loupe::plan_internal

#endif  // LOUPE_SEARCH_EXPAND_H_
