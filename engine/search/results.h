// What a search gathers besides its top hits: facet counts over every match
// and the paging cursor (the other collectors are in search/collectors.h).
// Used by the searcher (search/searcher.h).
#ifndef LOUPE_SEARCH_RESULTS_H_
#define LOUPE_SEARCH_RESULTS_H_

#include <cstdint>
#include <map>
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

// Counts facets over matches fed one by one, from one index or from the
// splits of a collection (one part each; values count under their names, so
// a value of several splits counts once).
class FacetCounter {
 public:
  // `name_of` (may be null or empty) maps stored values to the names they count under.
  FacetCounter(const std::vector<FacetRequest>& requests, const FacetNameFn* name_of);
  // One index: the counter of BeginPart(docs, table).
  FacetCounter(const std::vector<FacetRequest>& requests, const DocTable& docs, const FacetTable* table,
               const FacetNameFn* name_of);
  // The matches Add is given from now on are documents of this index (or
  // split). `table` may be null when no request needs it (dates only).
  // Both must outlive Finish.
  void BeginPart(const DocTable& docs, const FacetTable* table);
  void Add(uint32_t doc);
  std::vector<FacetResult> Finish();

 private:
  struct State;
  struct Part {
    const DocTable* docs = nullptr;
    const FacetTable* table = nullptr;
    std::vector<uint32_t> canon[FacetTable::kFields];  // FacetTable value id -> id into names_
  };
  // The canonical value ids of a document's values of field f, without
  // repeats; `doc` is (part << 32 | the part's document id).
  const std::vector<uint32_t>& Values(FacetField f, uint64_t doc, std::vector<uint32_t>* scratch) const;

  const std::vector<FacetRequest>& requests_;
  const FacetNameFn* name_of_;
  std::vector<Part> parts_;
  bool any_table_ = false;
  std::vector<std::string> names_[FacetTable::kFields];  // the names values count under
  std::map<std::string, uint32_t> name_ids_[FacetTable::kFields];
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
  uint64_t index_id = 0;    // the index (or collection and its splits) it was made for
  uint64_t generation = 0;  // the commit the chain's first page searched (a collection: its splits' sum)
  // Per part searched (the index, or each split of a collection, in order):
  // the highest document id at the first page; later ids are not shown.
  std::vector<uint32_t> max_docs;
  SortOrder sort = SortOrder::kRelevance;
  bool collapse = false;
  double key = 0;               // the last hit's sort key (score, or date as the search orders it)
  Days date = format::kNoDate;  // the last hit's date (ties between equal keys go to the earlier date)
  uint32_t part = 0;            // the last hit's part (split) and document id
  uint32_t doc = 0;
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
