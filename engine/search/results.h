// What a search gathers besides its top hits: facet counts over every match,
// the paging cursor, and near-duplicate groups. Used by IndexImpl::DoSearch.
#ifndef LOUPE_SEARCH_RESULTS_H_
#define LOUPE_SEARCH_RESULTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/index.h"
#include "search/doc_table.h"

namespace loupe {

// Per commit: each live document's actors, topics and author as ids into
// per-field name lists, loaded from the stored documents the first time a
// search of that commit asks for a facet on those fields.
struct FacetTable {
  uint64_t generation = 0;
  static constexpr int kFields = 3;  // actor, topic, author
  std::vector<std::string> names[kFields];
  // Values of doc d: ids[f][offsets[f][d] .. offsets[f][d + 1]).
  std::vector<uint32_t> offsets[kFields];
  std::vector<uint32_t> ids[kFields];

  static int Slot(FacetField f) { return f == FacetField::kActor ? 0 : f == FacetField::kTopic ? 1 : 2; }
  std::pair<const uint32_t*, const uint32_t*> Values(FacetField f, uint32_t doc) const {
    const int s = Slot(f);
    if (doc + 1 >= offsets[s].size()) return {nullptr, nullptr};
    return {ids[s].data() + offsets[s][doc], ids[s].data() + offsets[s][doc + 1]};
  }
};

// Counts facets over matches fed one by one.
class FacetCounter {
 public:
  // `table` may be null when no request needs it (dates only); `name_of`
  // (may be null or empty) maps stored values to the names they count under.
  FacetCounter(const std::vector<FacetRequest>& requests, const DocTable& docs, const FacetTable* table,
               const FacetNameFn* name_of);
  void Add(uint32_t doc);
  std::vector<FacetResult> Finish();

 private:
  struct State;
  // The canonical value ids of doc's values of field f, without repeats.
  const std::vector<uint32_t>& Values(FacetField f, uint32_t doc, std::vector<uint32_t>* scratch) const;

  const std::vector<FacetRequest>& requests_;
  const DocTable& docs_;
  const FacetTable* table_;
  std::vector<std::string> names_[FacetTable::kFields];  // the names values count under
  std::vector<uint32_t> canon_[FacetTable::kFields];     // FacetTable value id -> id into names_
  std::vector<uint32_t> scratch_;
  std::vector<std::shared_ptr<State>> states_;
};

// The first day of the bucket holding `day`, and the bucket's label.
Days BucketStart(Days day, DateUnit unit);
Days NextBucket(Days start, DateUnit unit);
std::string BucketLabel(Days start, DateUnit unit);
const char* DateUnitName(DateUnit unit);

// A position in a chain of pages: where the previous page ended.
struct Cursor {
  uint64_t index_id = 0;    // the index it was made for (format::kMetaIndexIdKey)
  uint64_t generation = 0;  // the commit the chain's first page searched
  uint32_t max_doc = 0;     // the highest document id then: later ids are not shown
  SortOrder sort = SortOrder::kRelevance;
  bool collapse = false;
  double key = 0;            // the last hit's sort key (score, or date as DoSearch orders it)
  uint32_t doc = 0;          // the last hit's id
  uint64_t query_check = 0;  // CursorQueryCheck of the query the chain pages
};

// A keyed hash (SipHash-2-4, keyed by the index id) of the canonical query
// (Query::ToString) a chain of pages was made for.
uint64_t CursorQueryCheck(uint64_t index_id, std::string_view canonical_query);

// The cursor as text, ending with a keyed hash over everything before it, so
// that a cursor changed by hand is recognised. The check catches edits and
// mix-ups; it is not a secret (the key is the index id the cursor shows).
std::string EncodeCursor(const Cursor& c);

enum class CursorFault {
  kNone,       // a cursor this version wrote, unchanged
  kMalformed,  // not a cursor this version writes
  kChanged,    // shaped like one, but its check does not match what it says
};
// Reads `text` into `c`. `c->index_id` is the id the text names; the check is
// computed with it, so a cursor of another index decodes as kNone and the
// caller compares ids.
CursorFault DecodeCursor(std::string_view text, Cursor* c);

}  // namespace loupe

#endif  // LOUPE_SEARCH_RESULTS_H_
