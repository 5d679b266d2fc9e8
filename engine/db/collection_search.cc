// Searching the splits of a collection as one index (see db/collection.h).
//
// Two phases, as a distributed engine's "query then fetch with global
// statistics" does, here within one process: first every split's snapshot
// is opened and its document count and field length totals summed, and the
// query's terms' document frequencies are summed over every split as the
// plan asks for them (TermStatistics, cached per search); then each split
// whose dates can match is searched with those sums, and one top-k, one
// facet counter and one cursor run over all of them (search/searcher.h).
#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include "db/collection.h"
#include "db/split.h"
#include "index/dictionary.h"
#include "index/format.h"
#include "search/iterators.h"
#include "search/scoring.h"
#include "search/searcher.h"
#include "util/guard.h"

namespace loupe {

namespace {

struct OpenSplit {
  const SplitRef* ref = nullptr;
  const SplitReader* reader = nullptr;
  SplitSnapshot snap;
};

// Opens a snapshot of every split. Each split is read at its last commit;
// splits are not committed together, so a search may see one split's newer
// commit beside another's older one.
Result<std::vector<OpenSplit>> OpenAll(const std::vector<SplitRef>& splits) {
  std::vector<OpenSplit> out;
  out.reserve(splits.size());
  for (const SplitRef& ref : splits) {
    OpenSplit o;
    o.ref = &ref;
    o.reader = dynamic_cast<const SplitReader*>(ref.index);
    if (!o.reader) return Status::Internal("split '" + ref.name + "' is not an index this version opened");
    auto snap = o.reader->SnapshotUnchecked();  // the manifest tells of a split compacted since
    if (!snap.ok()) return Status(snap.status().code(), "split '" + ref.name + "': " + snap.status().message());
    o.snap = std::move(*snap);
    out.push_back(std::move(o));
  }
  return out;
}

// The statistics of one index holding every split's documents.
ScoringStats SumStats(const std::vector<OpenSplit>& open) {
  uint64_t docs = 0;
  uint64_t totals[kNumFields] = {};
  for (const OpenSplit& o : open) {
    docs += o.snap.table->live_docs;
    for (int f = 0; f < kNumFields; ++f) totals[f] += o.snap.table->total_lengths[f];
  }
  ScoringStats stats;
  stats.Set(docs, totals);
  return stats;
}

// Document frequencies and capped expansions over every split, each
// computed once per search.
class CollectionTerms final : public TermStatistics {
 public:
  explicit CollectionTerms(const std::vector<OpenSplit>& open) : open_(open) {}

  Result<uint64_t> Df(Field field, const std::string& term) override {
    auto t = Read(field, term);
    if (!t.ok()) return t.status();
    return (*t)->sum;
  }

  Result<const PartEntry*> Entry(uint32_t part, Field field, const std::string& term) override {
    if (part >= open_.size()) return Status::Internal("split number out of range");
    auto t = Read(field, term);
    if (!t.ok()) return t.status();
    return &(*t)->parts[part];
  }

  Result<const std::vector<std::string>*> Expansion(const Query& leaf) override {
    std::string key(1, static_cast<char>(leaf.kind()));
    key += static_cast<char>(leaf.field());
    key += std::to_string(leaf.max_edits()) + "/" + std::to_string(leaf.max_expansions()) + "/" + leaf.terms()[0];
    if (auto it = expansions_.find(key); it != expansions_.end()) return &it->second;
    // Every split's terms (a stemmed field's prefix: the stems), uncapped and
    // outside the query's expansion limit (one index, too, lists every term
    // before it keeps the most frequent), with their frequencies summed.
    const Query uncapped = leaf.kind() == Query::Kind::kPrefix
                               ? Query::Prefix(leaf.field(), leaf.terms()[0], UINT32_MAX)
                               : Query::Fuzzy(leaf.field(), leaf.terms()[0], leaf.max_edits(), UINT32_MAX);
    std::map<std::string, uint64_t> sum;
    for (const OpenSplit& o : open_) {
      auto terms = SearchedTerms(uncapped, *o.snap.txn, *o.snap.table, nullptr);
      if (!terms.ok()) return terms.status();
      for (auto& [term, df] : *terms) sum[term] += df;
    }
    std::vector<std::pair<std::string, uint64_t>> found(sum.begin(), sum.end());
    // The most frequent, ties by term: the terms one index would keep.
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    const size_t cap = leaf.max_expansions();
    if (found.size() > cap) {
      warnings_.push_back("'" + leaf.ToString() + "' matches " + std::to_string(found.size()) + " terms; only the " +
                          std::to_string(cap) + " most frequent were searched (type more of the word to narrow it)");
      found.resize(cap);
    }
    std::vector<std::string> terms;
    terms.reserve(found.size());
    for (auto& f : found) terms.push_back(std::move(f.first));
    return &(expansions_[key] = std::move(terms));
  }

  std::vector<std::string>& warnings() { return warnings_; }

 private:
  // A term's entry in every split, read once per search: the sum is what it
  // is scored with, and each split's plan uses its own entry.
  struct Term {
    uint64_t sum = 0;
    std::vector<PartEntry> parts;
  };
  Result<const Term*> Read(Field field, const std::string& term) {
    std::string key = format::TermKey(field, term);
    if (auto it = terms_.find(key); it != terms_.end()) return &it->second;
    Term t;
    t.parts.resize(open_.size());
    for (size_t i = 0; i < open_.size(); ++i) {
      std::string_view v;
      Status s = open_[i].snap.txn->Get(storage::Db::kTerms, key, &v);
      if (s.IsNotFound()) continue;
      if (!s.ok()) return s;
      PartEntry& e = t.parts[i];
      if (!format::DecodeTermInfo(v, &e.info))
        return Status::Corruption("split '" + open_[i].ref->name +
                                  "': term dictionary entry unreadable; rebuild the split");
      e.found = true;
      t.sum += e.info.df;
    }
    return &(terms_[std::move(key)] = std::move(t));
  }

  const std::vector<OpenSplit>& open_;
  std::unordered_map<std::string, Term> terms_;
  std::unordered_map<std::string, std::vector<std::string>> expansions_;
  std::vector<std::string> warnings_;
};

// The dates a query can match, when it can match only dated documents in a
// range (a date filter at its top, or in every branch of an OR): [lo, hi].
struct DateBounds {
  bool bounded = false;
  Days lo = INT32_MIN, hi = INT32_MAX;
};

DateBounds BoundsOf(const Query& q, int depth = 0) {
  DateBounds b;
  if (depth > 256) return b;
  switch (q.kind()) {
    case Query::Kind::kDateRange:
      b.bounded = true;
      b.lo = q.lo();
      b.hi = q.hi();
      break;
    case Query::Kind::kAnd:
      for (const Query& c : q.children()) {
        if (c.kind() == Query::Kind::kNot) continue;
        DateBounds cb = BoundsOf(c, depth + 1);
        if (!cb.bounded) continue;
        b.lo = b.bounded ? std::max(b.lo, cb.lo) : cb.lo;
        b.hi = b.bounded ? std::min(b.hi, cb.hi) : cb.hi;
        b.bounded = true;
      }
      break;
    case Query::Kind::kOr:
      for (size_t i = 0; i < q.children().size(); ++i) {
        DateBounds cb = BoundsOf(q.children()[i], depth + 1);
        if (!cb.bounded) return DateBounds{};
        b.lo = i ? std::min(b.lo, cb.lo) : cb.lo;
        b.hi = i ? std::max(b.hi, cb.hi) : cb.hi;
      }
      b.bounded = !q.children().empty();
      break;
    case Query::Kind::kBoost:
      return BoundsOf(q.children()[0], depth + 1);
    case Query::Kind::kAndMaybe:
      return BoundsOf(q.children()[0], depth + 1);
    default:
      break;
  }
  return b;
}

// Whether a split holding documents dated first..last (INT32_MIN: none
// dated) may hold a match of a query bounded by `b`.
bool MayMatch(const DateBounds& b, const SplitRef& ref) {
  if (!b.bounded) return true;
  if (ref.first == INT32_MIN || ref.last == INT32_MIN) return false;  // a date filter matches dated documents only
  return ref.first <= b.hi && ref.last >= b.lo;
}

// The cursor id of a collection with these splits, in this order: a cursor
// made before splits were added, merged or renamed is refused, since its
// split numbers would point elsewhere.
uint64_t ScopeId(uint64_t collection_id, const std::vector<SplitRef>& splits) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a over the names
  for (const SplitRef& s : splits) {
    for (unsigned char c : s.name) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  }
  uint64_t id = collection_id ^ h;
  return id ? id : 1;
}

}  // namespace

Result<SearchResults> SearchSplits(const std::vector<SplitRef>& splits, uint64_t collection_id, const Query& query,
                                   const SearchOptions& options) {
  return Guard([&]() -> Result<SearchResults> {
    auto open = OpenAll(splits);
    if (!open.ok()) return open.status();
    const ScoringStats stats = SumStats(*open);
    CollectionTerms terms(*open);
    const ScoringContext context{&stats, &terms};
    const DateBounds bounds = BoundsOf(query);
    SearchScope scope;
    scope.id = ScopeId(collection_id, splits);
    std::vector<std::string> notes;
    for (OpenSplit& o : *open) {
      SearchPart part;
      part.name = o.ref->name;
      part.txn = o.snap.txn.get();
      part.table = o.snap.table.get();
      const OpenSplit* op = &o;
      part.facets = [op] { return op->reader->FacetsOf(op->snap); };
      part.searched = MayMatch(bounds, *o.ref);
      scope.generation += o.snap.table->generation;
      if (o.snap.replaced)
        notes.push_back("split '" + o.ref->name +
                        "' was compacted or replaced by another process since this one opened it: its results "
                        "come from the file as it was then; open the collection again to see later commits");
      scope.parts.push_back(std::move(part));
    }
    scope.scoring = &context;
    auto res = RunSearch(scope, query, options, std::move(notes));
    if (!res.ok()) return res.status();
    // The collection's expansion warnings first, as one index gives them.
    res->warnings.insert(res->warnings.begin(), terms.warnings().begin(), terms.warnings().end());
    return res;
  });
}

Result<Explanation> ExplainInSplits(const std::vector<SplitRef>& splits, const Query& query, const std::string& id) {
  return Guard([&]() -> Result<Explanation> {
    auto open = OpenAll(splits);
    if (!open.ok()) return open.status();
    for (uint32_t part = 0; part < open->size(); ++part) {
      const OpenSplit& o = (*open)[part];
      auto doc = o.reader->LocalId(o.snap, id);
      if (doc.status().IsNotFound()) continue;
      if (!doc.ok()) return doc.status();
      const ScoringStats stats = SumStats(*open);
      CollectionTerms terms(*open);
      const ScoringContext context{&stats, &terms, part};
      Explanation out;
      Status s = ExplainDocument(query, *doc, *o.snap.txn, *o.snap.table, &context, &out);
      if (!s.ok()) return s;
      return out;
    }
    if (id.empty()) return Status::InvalidArgument("the document id is empty; give a document's id (1 to 400 bytes)");
    return Status::NotFound("no document with id '" + id + "'");
  });
}

namespace {

// Sums each split's (term or word, documents) list, most documents first,
// ties by text.
Result<std::vector<std::pair<std::string, uint64_t>>> SumLists(
    const std::vector<OpenSplit>& open,
    const std::function<Result<std::vector<std::pair<std::string, uint64_t>>>(const OpenSplit&)>& list) {
  std::map<std::string, uint64_t> sum;
  for (const OpenSplit& o : open) {
    auto l = list(o);
    if (!l.ok()) return l.status();
    for (auto& [text, n] : *l) sum[text] += n;
  }
  std::vector<std::pair<std::string, uint64_t>> out(sum.begin(), sum.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace

Result<std::vector<std::pair<std::string, uint64_t>>> ExpansionsInSplits(const std::vector<SplitRef>& splits,
                                                                         const Query& query,
                                                                         std::vector<std::string>* warnings) {
  return Guard([&]() -> Result<std::vector<std::pair<std::string, uint64_t>>> {
    if (query.kind() != Query::Kind::kPrefix && query.kind() != Query::Kind::kFuzzy)
      return Status::InvalidArgument("only prefix and fuzzy queries expand to terms");
    auto open = OpenAll(splits);
    if (!open.ok()) return open.status();
    if (query.kind() == Query::Kind::kPrefix && Analyzer::IsStemmed(query.field()))  // written forms: not capped
      return SumLists(*open,
                      [&](const OpenSplit& o) { return ExpandTerms(query, *o.snap.txn, *o.snap.table, nullptr); });
    CollectionTerms terms(*open);
    auto chosen = terms.Expansion(query);
    if (!chosen.ok()) return chosen.status();
    if (warnings) warnings->insert(warnings->end(), terms.warnings().begin(), terms.warnings().end());
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const std::string& t : **chosen) {
      auto df = terms.Df(query.field(), t);
      if (!df.ok()) return df.status();
      out.emplace_back(t, *df);
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
  });
}

Result<std::vector<std::pair<std::string, uint64_t>>> WordsInSplits(const std::vector<SplitRef>& splits,
                                                                    const Query& query) {
  return Guard([&]() -> Result<std::vector<std::pair<std::string, uint64_t>>> {
    if (query.kind() != Query::Kind::kPrefix && query.kind() != Query::Kind::kFuzzy)
      return Status::InvalidArgument("only prefix and fuzzy queries expand to words");
    auto open = OpenAll(splits);
    if (!open.ok()) return open.status();
    return SumLists(*open, [&](const OpenSplit& o) { return ExpandWords(query, *o.snap.txn, *o.snap.table); });
  });
}

Result<uint64_t> DocFreqInSplits(const std::vector<SplitRef>& splits, Field field, std::string_view term) {
  return Guard([&]() -> Result<uint64_t> {
    auto open = OpenAll(splits);
    if (!open.ok()) return open.status();
    uint64_t sum = 0;
    for (const OpenSplit& o : *open) {
      auto n = TermDocFreq(*o.snap.txn, field, term);
      if (!n.ok()) return n.status();
      sum += *n;
    }
    return sum;
  });
}

Status ScanTermsInSplits(const std::vector<SplitRef>& splits, Field field, std::string_view prefix,
                         const std::function<bool(std::string_view term, uint64_t docs)>& fn) {
  return Guard([&]() -> Status {
    auto open = OpenAll(splits);
    if (!open.ok()) return open.status();
    // Each split's range, summed by term (the splits' dictionaries overlap).
    std::map<std::string, uint64_t, std::less<>> sum;
    for (const OpenSplit& o : *open) {
      Status s = ScanTermRange(*o.snap.txn, field, prefix, [&](std::string_view term, uint64_t docs) {
        auto it = sum.find(term);
        if (it == sum.end()) it = sum.emplace(std::string(term), 0).first;
        it->second += docs;
        return true;
      });
      if (!s.ok()) return s;
    }
    for (const auto& [term, docs] : sum)
      if (!fn(term, docs)) break;
    return Status::OK();
  });
}

}  // namespace loupe
