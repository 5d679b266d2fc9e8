// The searcher (see searcher.h): the loop over each part's matches and the
// collectors it feeds.
#include "search/searcher.h"

#include <algorithm>
#include <queue>
#include <unordered_map>
#include <utility>

#include "analysis/analyzer_access.h"
#include "index/doc_store.h"
#include "index/fingerprint.h"
#include "index/term_table.h"
#include "loupe/analyzer.h"
#include "search/collectors.h"
#include "search/iterators.h"

namespace loupe {

namespace {

// The key a date sort orders by (higher first); undated last either way.
double DateKey(Days d, SortOrder sort) {
  if (d == format::kNoDate) return -1e18;
  return sort == SortOrder::kDateDescending ? static_cast<double>(d) : -static_cast<double>(d);
}

uint64_t PartDoc(uint32_t part, uint32_t doc) { return uint64_t{part} << 32 | doc; }

// Collapse: folds near-identical matches into groups (fingerprints that
// agree on a 2-byte band make candidates; bodies whose shingle sets are
// kNearJaccard alike join). Each group becomes one entry, its earliest copy
// (undated last, then the collection's order), ranked by relevance as its best copy;
// *members gets the others, best first, by the representative's place.
Result<std::vector<Entry>> Collapse(const SearchScope& scope, const std::vector<Entry>& all, bool by_date,
                                    std::unordered_map<uint64_t, std::vector<Entry>>* members) {
  std::vector<uint32_t> parent(all.size());
  for (uint32_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto find = [&](uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::unordered_map<uint32_t, std::vector<uint64_t>> shingles;  // entry -> its body's shingles
  std::unique_ptr<Analyzer> analyzer;
  // One reader per part: a reader keeps the block it read last, and the parts'
  // document ids overlap.
  std::vector<format::DocBlockReader> readers(scope.parts.size());
  auto shingles_of = [&](uint32_t i) -> Result<const std::vector<uint64_t>*> {
    auto it = shingles.find(i);
    if (it != shingles.end()) return &it->second;
    if (!analyzer) {
      auto a = Analyzer::Create(scope.parts[all[i].part].table->analyzer_options);  // a collection's splits agree
      if (!a.ok()) return a.status();
      analyzer = std::move(*a);
    }
    Document d;
    if (Status s = readers[all[i].part].ReadLive(*scope.parts[all[i].part].txn, all[i].doc, &d); !s.ok()) return s;
    std::vector<Token> tokens;
    AnalyzerAccess::AnalyzeField(*analyzer, Field::kBody, d.body, 0, &tokens);
    std::vector<uint64_t> words(tokens.size());
    for (size_t t = 0; t < tokens.size(); ++t) words[t] = TermTable::Hash(Field::kBody, tokens[t].term);
    return &(shingles[i] = Shingles(words.data(), words.size()));
  };
  for (int band = 0; band < 4; ++band) {
    std::unordered_map<uint16_t, std::vector<uint32_t>> buckets;
    for (uint32_t i = 0; i < all.size(); ++i) {
      uint64_t fp = scope.parts[all[i].part].table->fingerprints[all[i].doc];
      if (fp) buckets[static_cast<uint16_t>(fp >> (16 * band))].push_back(i);
    }
    for (auto& [band_bits, list] : buckets)
      for (size_t x = 0; x < list.size(); ++x)
        for (size_t y = x + 1; y < list.size(); ++y) {
          if (find(list[x]) == find(list[y])) continue;
          auto a = shingles_of(list[x]);
          if (!a.ok()) return a.status();
          auto b = shingles_of(list[y]);
          if (!b.ok()) return b.status();
          if (Jaccard(**a, **b) >= kNearJaccard) parent[find(list[x])] = find(list[y]);
        }
  }
  auto earlier = [&](uint32_t a, uint32_t b) {  // earliest date, undated last, then the collection's order
    const Entry &x = all[a], &y = all[b];
    if ((x.date == format::kNoDate) != (y.date == format::kNoDate)) return y.date == format::kNoDate;
    if (x.date != y.date) return x.date < y.date;
    return x.part != y.part ? x.part < y.part : x.doc < y.doc;
  };
  std::unordered_map<uint32_t, std::vector<uint32_t>> groups;  // root -> entries
  for (uint32_t i = 0; i < all.size(); ++i) groups[find(i)].push_back(i);
  std::vector<Entry> folded;
  for (auto& [root_id, list] : groups) {
    uint32_t rep = list[0], best = list[0];
    for (uint32_t i : list) {
      if (earlier(i, rep)) rep = i;
      if (Before(all[i], all[best])) best = i;
    }
    Entry e = all[rep];
    if (!by_date) e.key = e.score = all[best].score;  // ranked where its best copy ranks
    std::vector<Entry> others;
    std::sort(list.begin(), list.end(), [&](uint32_t a, uint32_t b) { return Before(all[a], all[b]); });
    for (uint32_t i : list)
      if (i != rep) others.push_back(all[i]);
    if (!others.empty()) (*members)[PartDoc(e.part, e.doc)] = std::move(others);
    folded.push_back(e);
  }
  return folded;
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

// Explains node `q` for document `doc` with the iterators Search uses, so the
// scores are the same arithmetic; then each child on its own.
Status ExplainNode(const Query& q, uint32_t doc, const storage::Txn& txn, const DocTable& table,
                   const ScoringContext* context, int depth, Explanation* out) {
  if (depth > 256) return Status::InvalidArgument("query nested more than 256 levels deep");
  out->kind = q.kind();
  out->node = q.ToString();
  Status error;
  std::vector<std::string> warnings;
  auto it = BuildIterator(q, txn, table, /*scoring=*/true, &error, &warnings, nullptr, context);
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
  std::vector<Entry> all;                                       // collapse: every match, grouped afterwards
  uint64_t after_cursor = 0;                                    // matches after the cursor (all of them without one)
  double theta = 0;
  const Entry cursor_entry{after.key, 0, after.date, after.part, after.doc};
  std::vector<uint32_t> max_docs;  // the documents a chain of pages shows: those at its first page
  for (const SearchPart& p : scope.parts) max_docs.push_back(p.table->max_doc);
  if (has_after) max_docs = after.max_docs;

  for (uint32_t pi = 0; pi < scope.parts.size(); ++pi) {
    const SearchPart& part = scope.parts[pi];
    if (!part.searched) continue;
    const DocTable& dt = *part.table;
    Status error;
    std::vector<std::string> part_warnings;
    PlanBudget budget{.max_expansions = options.max_query_expansions,
                      .max_bytes = options.max_query_memory,
                      .max_scanned = options.max_query_scan};
    auto it = BuildIterator(query, *part.txn, dt, scoring, &error, &part_warnings, &budget, scope.scoring);
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
      res.total += root.CountAll();
      if (!error.ok()) return error;
      continue;
    }
    // Scores are the collection's, so a bound reached in an earlier part holds here.
    if (prune && top.full() && theta > 0) root.SetMinCompetitive(theta);
    const uint32_t max_doc = max_docs[pi];
    for (root.Next(); root.doc() != kEndDoc; root.Next()) {
      const uint32_t doc = root.doc();
      if (doc > max_doc) continue;
      ++res.total;
      if (!options.facets.empty()) facets.Add(doc);
      if (k == 0 && !options.collapse && !has_after) continue;
      Entry e{0, 0, doc < dt.dates.size() ? dt.dates[doc] : format::kNoDate, pi, doc};
      if (options.collapse) {
        e.score = root.Score();
        e.key = by_date ? DateKey(e.date, options.sort) : e.score;
        all.push_back(e);
        continue;
      }
      if (by_date) {
        e.key = DateKey(e.date, options.sort);
        if (has_after && !Before(cursor_entry, e)) continue;
        ++after_cursor;
        if (k == 0 || (top.full() && !Before(e, top.worst()))) continue;  // not scored unless it enters
        e.score = root.Score();
      } else {
        e.key = e.score = root.Score();
        if (has_after && !Before(cursor_entry, e)) continue;
        ++after_cursor;
      }
      if (!top.Offer(e)) continue;
      // A later document must score at least the k-th best to displace it
      // (an equal score with an earlier date does).
      if (prune && top.full() && top.worst().key > theta) {
        theta = top.worst().key;
        root.SetMinCompetitive(theta);
        res.total_exact = false;
      }
    }
    if (!error.ok()) return error;
  }
  for (std::string& n : notes) warnings.push_back(std::move(n));
  res.warnings = std::move(warnings);

  std::unordered_map<uint64_t, std::vector<Entry>> members;  // representative -> the others, best first
  if (options.collapse) {
    auto folded = Collapse(scope, all, by_date, &members);
    if (!folded.ok()) return folded.status();
    res.total = folded->size();
    for (const Entry& e : *folded) {
      if (has_after && !Before(cursor_entry, e)) continue;
      ++after_cursor;
      top.Offer(e);
    }
  }
  if (!options.facets.empty()) res.facets = facets.Finish();

  const std::vector<Entry> best = top.Take();
  std::vector<format::DocBlockReader> docs(scope.parts.size());
  for (size_t i = options.offset; i < best.size(); ++i) {
    const Entry& e = best[i];
    Hit h;
    h.doc_id = e.doc;
    h.split = scope.parts[e.part].name;
    h.score = e.score;
    if (auto m = members.find(PartDoc(e.part, e.doc)); m != members.end()) {
      h.copies = static_cast<uint32_t>(m->second.size());
      for (const Entry& c : m->second) h.copy_ids.push_back(c.doc);
    }
    if (options.load_documents)
      if (Status s = docs[e.part].ReadLive(*scope.parts[e.part].txn, e.doc, &h.document); !s.ok()) return s;
    res.hits.push_back(std::move(h));
  }
  // A next page exists when matches remain after this one (counted exactly
  // unless pruned; then a full page suggests more).
  const bool more = exact ? after_cursor > options.offset + res.hits.size() : res.hits.size() == options.limit;
  if (!res.hits.empty() && more) {
    Cursor next;
    next.index_id = scope.id;
    next.generation = has_after ? after.generation : scope.generation;
    next.max_docs = max_docs;
    next.sort = options.sort;
    next.collapse = options.collapse;
    next.key = best.back().key;
    next.date = best.back().date;
    next.part = best.back().part;
    next.doc = best.back().doc;
    next.query_check = CursorQueryCheck(scope.id, query.ToString());
    res.next_cursor = EncodeCursor(next);
  }
  return res;
}

}  // namespace loupe
