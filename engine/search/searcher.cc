// The searcher (see searcher.h): the loop over each part's matches and the
// collectors it feeds.
#include "search/searcher.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "index/doc_store.h"
#include "search/collectors.h"
#include "search/iterators.h"
#include "search/weight.h"

namespace loupe {

namespace {

// The key a date sort orders by (higher first); undated last either way.
double DateKey(Days d, SortOrder sort) {
  if (d == format::kNoDate) return -1e18;
  return sort == SortOrder::kDateDescending ? static_cast<double>(d) : -static_cast<double>(d);
}

// Checks a cursor against the search it is to continue.
Status CheckCursor(const SearchScope& scope, const Query& query, const SearchOptions& options, Cursor* after) {
  const CursorFault fault = DecodeCursor(options.after, after);
  if (fault == CursorFault::kMalformed)
    return Status::InvalidArgument("not a paging cursor: '" + options.after.substr(0, 80) +
                                   "' (pass the next_cursor of a previous page unchanged)");
  if (after->index_id != scope.id || after->max_docs.size() != scope.parts.size())
    return Status::InvalidArgument(
        "this paging cursor was made for another index, or for this one before it was "
        "compacted or rebuilt; search again without a cursor");
  if (fault == CursorFault::kChanged)
    return Status::InvalidArgument(
        "this paging cursor was changed: its check does not match what it says (pass "
        "the next_cursor of a previous page unchanged, or search again without a cursor)");
  if (after->sort != options.sort || after->collapse != options.collapse)
    return Status::InvalidArgument(
        "this paging cursor was made with another sort order or collapse setting; "
        "page with the options of the first page");
  if (after->query_check != CursorQueryCheck(scope.id, query.ToString()))
    return Status::InvalidArgument(
        "this paging cursor was made for another query; page with the query of the "
        "first page (the same words, fields and dates), or search again without a cursor");
  return Status::OK();
}

// The cursor of the page that ends with `last`, for a chain of pages that
// began at commit `generation` and shows the documents up to `max_docs`.
std::string NextCursor(const SearchScope& scope, const Query& query, const SearchOptions& options, uint64_t generation,
                       std::vector<uint32_t> max_docs, const Entry& last) {
  Cursor next;
  next.index_id = scope.id;
  next.generation = generation;
  next.max_docs = std::move(max_docs);
  next.sort = options.sort;
  next.collapse = options.collapse;
  next.key = last.key;
  next.date = last.date;
  next.part = last.part;
  next.doc = last.doc;
  next.query_check = CursorQueryCheck(scope.id, query.ToString());
  return EncodeCursor(next);
}

// Explains node `q` for document `doc` with the iterators Search uses, so the
// scores are the same arithmetic; then each child on its own.
Status ExplainNode(const Query& q, uint32_t doc, const storage::Txn& txn, const DocTable& table,
                   const ScoringContext* context, int depth, Explanation* out) {
  if (depth > 256) return Status::InvalidArgument("query nested more than 256 levels deep");
  out->kind = q.kind();
  out->node = q.ToString();
  Status error;
  std::vector<std::string> warnings;
  auto it =
      Weight(q, context).Scorer(context ? context->part : 0, txn, table, /*scoring=*/true, &error, &warnings, nullptr);
  if (!it.ok()) return it.status();
  DocIterator& i = **it;
  if (doc == 0)
    i.Next();  // a new iterator is "at" 0 before its first step
  else
    i.Advance(doc);
  out->matched = i.doc() == doc;
  if (out->matched) {
    out->score = i.Score();
    i.Describe(&out->detail);
  }
  if (!error.ok()) return error;
  switch (q.kind()) {
    case Query::Kind::kAnd:
    case Query::Kind::kOr:
    case Query::Kind::kNot:
    case Query::Kind::kBoost:
    case Query::Kind::kAndMaybe:
      for (const Query& c : q.children()) {
        out->children.emplace_back();
        Status s = ExplainNode(c, doc, txn, table, context, depth + 1, &out->children.back());
        if (!s.ok()) return s;
      }
      break;
    default:
      break;
  }
  return Status::OK();
}

}  // namespace

Status ExplainDocument(const Query& query, uint32_t doc, const storage::Txn& txn, const DocTable& table,
                       const ScoringContext* context, Explanation* out) {
  return ExplainNode(query, doc, txn, table, context, 0, out);
}

Result<SearchResults> RunSearch(const SearchScope& scope, const Query& query, const SearchOptions& options,
                                std::vector<std::string> warnings) {
  // The cursor first: a bad one is the caller's error whatever the index holds.
  Cursor after;
  const bool has_after = !options.after.empty();
  if (has_after)
    if (Status s = CheckCursor(scope, query, options, &after); !s.ok()) return s;

  SearchResults res;
  res.generation = scope.generation;
  std::vector<std::string> notes;  // after the plan's own warnings
  notes.swap(warnings);
  if (has_after && after.generation != scope.generation)
    notes.push_back("the index changed since this chain of pages began (commit " + std::to_string(after.generation) +
                    ", now " + std::to_string(scope.generation) +
                    "): the pages go on over the articles it had then, so articles added since are not "
                    "shown and replaced or deleted ones drop out; search again without a cursor to see them");

  const bool by_date = options.sort != SortOrder::kRelevance;
  size_t k = options.offset + options.limit;
  if (k < options.offset) k = SIZE_MAX;  // overflow
  const bool scoring = k > 0 || options.collapse || has_after;
  const bool exact = options.exact_total || !options.facets.empty() || has_after || options.collapse;
  const bool prune = !exact && k > 0 && !by_date;
  const bool plain_count = k == 0 && options.facets.empty() && !has_after && !options.collapse;
  bool need_facet_table = false;
  for (const FacetRequest& r : options.facets)
    need_facet_table |= r.field != FacetField::kDate || (r.split && r.split_field != FacetField::kDate);

  TopK top(k);
  FacetCounter facets(options.facets, &options.facet_name);
  std::vector<std::shared_ptr<const FacetTable>> facet_tables;  // kept until Finish
  std::optional<Entry> last_shown;                              // the previous page's last hit
  if (has_after) last_shown = Entry{after.key, 0, after.date, after.part, after.doc};
  CountCollector count(last_shown, exact);
  CollapseCollector collapse(by_date);
  double theta = 0;
  std::vector<uint32_t> max_docs;  // the documents a chain of pages shows: those at its first page
  for (const SearchPart& p : scope.parts) max_docs.push_back(p.table->max_doc);
  if (has_after) max_docs = after.max_docs;

  const Weight weight(query, scope.scoring);  // the same statistics for every part
  DeadlineCheck deadline(options.deadline);
  for (uint32_t pi = 0; pi < scope.parts.size(); ++pi) {
    const SearchPart& part = scope.parts[pi];
    if (!part.searched) continue;
    const DocTable& dt = *part.table;
    Status error;
    std::vector<std::string> part_warnings;
    PlanBudget budget{.max_expansions = options.max_query_expansions,
                      .max_bytes = options.max_query_memory,
                      .max_scanned = options.max_query_scan,
                      .deadline = &deadline};
    auto it = weight.Scorer(pi, *part.txn, dt, scoring, &error, &part_warnings, &budget);
    if (!it.ok()) return it.status();
    res.expansions = std::max(res.expansions, budget.expansions);
    res.plan_bytes = std::max(res.plan_bytes, budget.bytes);
    res.scanned += budget.scanned;
    for (std::string& w : part_warnings)
      if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(std::move(w));
    if (!options.facets.empty()) {
      std::shared_ptr<const FacetTable> ft;
      if (need_facet_table) {
        auto loaded = part.facets();
        if (!loaded.ok()) return loaded.status();
        ft = *loaded;
      }
      facets.BeginPart(dt, ft.get());
      facet_tables.push_back(std::move(ft));
    }
    DocIterator& root = **it;
    if (plain_count) {  // only the number of matches is wanted
      count.Add(root.CountAll());
      if (!error.ok()) return error;
      continue;
    }
    // Scores are the collection's, so a bound reached in an earlier part holds here.
    if (prune && top.full() && theta > 0) root.SetMinCompetitive(theta);
    const uint32_t max_doc = max_docs[pi];
    for (root.Next(); root.doc() != kEndDoc; root.Next()) {
      const uint32_t doc = root.doc();
      if (deadline.Passed()) return DeadlineCheck::Exceeded();  // `*` and bitsets read no blocks
      if (doc > max_doc) continue;
      count.Add();
      if (!options.facets.empty()) facets.Add(doc);
      if (k == 0 && !options.collapse && !has_after) continue;
      Entry e{0, 0, doc < dt.dates.size() ? dt.dates[doc] : format::kNoDate, pi, doc};
      if (options.collapse) {
        e.score = root.Score();
        e.key = by_date ? DateKey(e.date, options.sort) : e.score;
        collapse.Offer(e);
        continue;
      }
      if (by_date) {
        e.key = DateKey(e.date, options.sort);
        if (!count.Follows(e)) continue;
        if (k == 0 || (top.full() && !Before(e, top.worst()))) continue;  // not scored unless it enters
        e.score = root.Score();
      } else {
        e.key = e.score = root.Score();
        if (!count.Follows(e)) continue;
      }
      if (!top.Offer(e)) continue;
      // A later document must score at least the k-th best to displace it
      // (an equal score with an earlier date does).
      if (prune && top.full() && top.worst().key > theta) {
        theta = top.worst().key;
        root.SetMinCompetitive(theta);
        count.Pruned();
      }
    }
    if (!error.ok()) return error;
  }
  for (std::string& n : notes) warnings.push_back(std::move(n));
  res.warnings = std::move(warnings);

  if (options.collapse) {  // the groups compete for the page, and are what the total counts
    std::vector<CollapsePart> parts;
    for (const SearchPart& p : scope.parts) parts.push_back({p.txn, p.table});
    auto folded = collapse.Fold(parts, &deadline);
    if (!folded.ok()) return folded.status();
    count.SetTotal(folded->size());
    for (const Entry& e : *folded)
      if (count.Follows(e)) top.Offer(e);
  }
  res.total = count.total();
  res.total_exact = count.total_exact();
  if (!options.facets.empty()) res.facets = facets.Finish();

  const std::vector<Entry> best = top.Take();
  std::vector<format::DocBlockReader> docs(scope.parts.size());
  for (size_t i = options.offset; i < best.size(); ++i) {
    const Entry& e = best[i];
    Hit h;
    h.doc_id = e.doc;
    h.split = scope.parts[e.part].name;
    h.score = e.score;
    if (const std::vector<Entry>* copies = collapse.CopiesOf(e.part, e.doc)) {
      h.copies = static_cast<uint32_t>(copies->size());
      for (const Entry& c : *copies) h.copy_ids.push_back(c.doc);
    }
    if (options.load_documents)
      if (Status s = docs[e.part].ReadLive(*scope.parts[e.part].txn, e.doc, &h.document); !s.ok()) return s;
    res.hits.push_back(std::move(h));
  }
  if (!res.hits.empty() && count.More(options.offset, options.limit, res.hits.size()))
    res.next_cursor = NextCursor(scope, query, options, has_after ? after.generation : scope.generation,
                                 std::move(max_docs), best.back());
  return res;
}

}  // namespace loupe
