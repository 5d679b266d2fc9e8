// The two phases of a collection's search, for splits held apart (see
// loupe/split_search.h). The statistics are those CollectionTerms
// (db/collection_search.cc) sums within one process: live documents, field
// length totals, each searched term's documents, and the capped choice of a
// prefix or fuzzy word's terms; the search of one split with them is
// RunSearch over a scope of that split alone.
#include "loupe/split_search.h"

#include <algorithm>
#include <utility>

#include "db/manifest.h"
#include "db/split.h"
#include "index/doc_store.h"
#include "index/format.h"
#include "search/iterators.h"
#include "search/scoring.h"
#include "search/searcher.h"
#include "util/coding.h"
#include "util/guard.h"

namespace loupe {

namespace {

// The key of a prefix or fuzzy leaf, as CollectionTerms::Expansion keys it.
std::string LeafKey(const Query& leaf) {
  std::string key(1, static_cast<char>(leaf.kind()));
  key += static_cast<char>(leaf.field());
  key += std::to_string(leaf.max_edits()) + "/" + std::to_string(leaf.max_expansions()) + "/" + leaf.terms()[0];
  return key;
}

const SplitReader* ReaderOf(const Index& index) { return dynamic_cast<const SplitReader*>(&index); }

Status NotASplit(const Index& index) {
  return Status::InvalidArgument("'" + index.dir() +
                                 "' is a collection; gather statistics and search its splits one by one (open each "
                                 "split's folder, COLLECTION/splits/NAME)");
}

class Gatherer {
 public:
  Gatherer(const SplitSnapshot& snap, const QueryStatistics* chosen, QueryStatistics* out)
      : snap_(snap), chosen_(chosen), out_(out) {}

  Status Walk(const Query& q, int depth) {
    if (depth > 256) return Status::InvalidArgument("query nested more than 256 levels deep");
    switch (q.kind()) {
      case Query::Kind::kTerm:
      case Query::Kind::kPhrase:
      case Query::Kind::kSentence:
      case Query::Kind::kExact:
        for (const std::string& t : q.terms())
          if (Status s = Lookup(q.field(), t); !s.ok()) return s;
        return Status::OK();
      case Query::Kind::kPrefix:
      case Query::Kind::kFuzzy:
        return Expansion(q);
      default:
        for (const Query& c : q.children())
          if (Status s = Walk(c, depth + 1); !s.ok()) return s;
        return Status::OK();
    }
  }

 private:
  // The term's documents in this index (0 when absent).
  Status Lookup(Field field, const std::string& term) {
    std::string key = format::TermKey(field, term);
    if (out_->terms.count(key)) return Status::OK();
    uint64_t df = 0;
    std::string_view v;
    Status s = snap_.txn->Get(storage::Db::kTerms, key, &v);
    if (s.ok()) {
      format::TermInfo info;
      if (!format::DecodeTermInfo(v, &info))
        return Status::Corruption("term dictionary entry unreadable; rebuild the index");
      df = info.df;
    } else if (!s.IsNotFound()) {
      return s;
    }
    out_->terms.emplace(std::move(key), df);
    return Status::OK();
  }

  Status Expansion(const Query& leaf) {
    const std::string key = LeafKey(leaf);
    if (chosen_) {
      auto it = chosen_->expansions.find(key);
      if (it != chosen_->expansions.end()) {
        out_->expansions[key] = it->second;
        for (const std::string& t : it->second)
          if (Status s = Lookup(leaf.field(), t); !s.ok()) return s;
        return Status::OK();
      }
    }
    if (out_->candidates.count(key)) return Status::OK();
    // Every term the word reaches here, uncapped, as a collection lists them.
    const Query uncapped = leaf.kind() == Query::Kind::kPrefix
                               ? Query::Prefix(leaf.field(), leaf.terms()[0], UINT32_MAX)
                               : Query::Fuzzy(leaf.field(), leaf.terms()[0], leaf.max_edits(), UINT32_MAX);
    auto terms = SearchedTerms(uncapped, *snap_.txn, *snap_.table, nullptr);
    if (!terms.ok()) return terms.status();
    QueryStatistics::Candidates& c = out_->candidates[key];
    c.leaf = leaf.ToString();
    c.cap = leaf.max_expansions();
    for (auto& [term, df] : *terms) c.terms[term] += df;
    return Status::OK();
  }

  const SplitSnapshot& snap_;
  const QueryStatistics* chosen_;
  QueryStatistics* out_;
};

// Term statistics given from elsewhere (the sums over every split).
class GivenTerms final : public TermStatistics {
 public:
  explicit GivenTerms(const QueryStatistics& stats) : stats_(stats) {}

  Result<uint64_t> Df(Field field, const std::string& term) override {
    auto it = stats_.terms.find(format::TermKey(field, term));
    if (it == stats_.terms.end())
      return Status::InvalidArgument("the statistics given hold no count of the term '" + term +
                                     "': they were gathered for another query; gather them for this one");
    return it->second;
  }

  Result<const std::vector<std::string>*> Expansion(const Query& leaf) override {
    auto it = stats_.expansions.find(LeafKey(leaf));
    if (it == stats_.expansions.end())
      return Status::InvalidArgument("the statistics given hold no chosen terms for '" + leaf.ToString() +
                                     "': call ChooseExpansions on the sum and gather again with it");
    return &it->second;
  }

 private:
  const QueryStatistics& stats_;
};

}  // namespace

void QueryStatistics::Add(const QueryStatistics& other) {
  documents += other.documents;
  for (int f = 0; f < kNumFields; ++f) field_lengths[f] += other.field_lengths[f];
  for (const auto& [k, n] : other.terms) terms[k] += n;
  for (const auto& [k, c] : other.candidates) {
    Candidates& mine = candidates[k];
    mine.leaf = c.leaf;
    mine.cap = c.cap;
    for (const auto& [t, n] : c.terms) mine.terms[t] += n;
  }
  if (expansions.empty()) {
    expansions = other.expansions;
    warnings = other.warnings;
  }
}

void QueryStatistics::ChooseExpansions() {
  expansions.clear();
  warnings.clear();
  for (const auto& [key, c] : candidates) {
    std::vector<std::pair<std::string, uint64_t>> found(c.terms.begin(), c.terms.end());
    // The most frequent, ties by term: the terms one index would keep.
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (found.size() > c.cap) {
      warnings.push_back("'" + c.leaf + "' matches " + std::to_string(found.size()) + " terms; only the " +
                         std::to_string(c.cap) + " most frequent were searched (type more of the word to narrow it)");
      found.resize(c.cap);
    }
    std::vector<std::string>& chosen = expansions[key];
    for (auto& f : found) chosen.push_back(std::move(f.first));
  }
}

namespace {
constexpr std::string_view kStatsMagic = "LQS1";
}  // namespace

std::string QueryStatistics::Encode() const {
  using namespace coding;
  std::string out(kStatsMagic);
  PutVarint64(&out, documents);
  for (uint64_t n : field_lengths) PutVarint64(&out, n);
  PutVarint64(&out, terms.size());
  for (const auto& [k, n] : terms) {
    PutLengthPrefixed(&out, k);
    PutVarint64(&out, n);
  }
  PutVarint64(&out, candidates.size());
  for (const auto& [k, c] : candidates) {
    PutLengthPrefixed(&out, k);
    PutLengthPrefixed(&out, c.leaf);
    PutVarint32(&out, c.cap);
    PutVarint64(&out, c.terms.size());
    for (const auto& [t, n] : c.terms) {
      PutLengthPrefixed(&out, t);
      PutVarint64(&out, n);
    }
  }
  PutVarint64(&out, expansions.size());
  for (const auto& [k, list] : expansions) {
    PutLengthPrefixed(&out, k);
    PutVarint64(&out, list.size());
    for (const std::string& t : list) PutLengthPrefixed(&out, t);
  }
  PutVarint64(&out, warnings.size());
  for (const std::string& w : warnings) PutLengthPrefixed(&out, w);
  return out;
}

Result<QueryStatistics> QueryStatistics::Decode(std::string_view in) {
  return Guard([&]() -> Result<QueryStatistics> {
    using namespace coding;
    const Status bad = Status::Corruption("not query statistics that QueryStatistics::Encode wrote");
    if (in.substr(0, kStatsMagic.size()) != kStatsMagic) return bad;
    in.remove_prefix(kStatsMagic.size());
    QueryStatistics s;
    uint64_t n = 0;
    std::string_view a, b;
    if (!GetVarint64(&in, &s.documents)) return bad;
    for (uint64_t& len : s.field_lengths)
      if (!GetVarint64(&in, &len)) return bad;
    if (!GetVarint64(&in, &n)) return bad;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t df;
      if (!GetLengthPrefixed(&in, &a) || !GetVarint64(&in, &df)) return bad;
      s.terms[std::string(a)] = df;
    }
    if (!GetVarint64(&in, &n)) return bad;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t m;
      Candidates c;
      if (!GetLengthPrefixed(&in, &a) || !GetLengthPrefixed(&in, &b) || !GetVarint32(&in, &c.cap) ||
          !GetVarint64(&in, &m))
        return bad;
      c.leaf = std::string(b);
      for (uint64_t j = 0; j < m; ++j) {
        std::string_view t;
        uint64_t df;
        if (!GetLengthPrefixed(&in, &t) || !GetVarint64(&in, &df)) return bad;
        c.terms[std::string(t)] = df;
      }
      s.candidates[std::string(a)] = std::move(c);
    }
    if (!GetVarint64(&in, &n)) return bad;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t m;
      if (!GetLengthPrefixed(&in, &a) || !GetVarint64(&in, &m)) return bad;
      std::vector<std::string>& list = s.expansions[std::string(a)];
      for (uint64_t j = 0; j < m; ++j) {
        if (!GetLengthPrefixed(&in, &b)) return bad;
        list.emplace_back(b);
      }
    }
    if (!GetVarint64(&in, &n)) return bad;
    for (uint64_t i = 0; i < n; ++i) {
      if (!GetLengthPrefixed(&in, &a)) return bad;
      s.warnings.emplace_back(a);
    }
    if (!in.empty()) return bad;
    return s;
  });
}

Result<QueryStatistics> GatherStatistics(const Index& index, const Query& query, const QueryStatistics* chosen) {
  return Guard([&]() -> Result<QueryStatistics> {
    const SplitReader* reader = ReaderOf(index);
    if (!reader) return NotASplit(index);
    auto snap = reader->Snapshot();
    if (!snap.ok()) return snap.status();
    QueryStatistics out;
    out.documents = snap->table->live_docs;
    for (int f = 0; f < kNumFields; ++f) out.field_lengths[f] = snap->table->total_lengths[f];
    if (chosen && chosen->expansions.empty()) chosen = nullptr;
    if (chosen) out.warnings = chosen->warnings;
    Gatherer g(*snap, chosen, &out);
    if (Status s = g.Walk(query, 0); !s.ok()) return s;
    return out;
  });
}

Result<SearchResults> SearchWithStatistics(const Index& index, const Query& query, const QueryStatistics& stats,
                                           const SearchOptions& options) {
  return Guard([&]() -> Result<SearchResults> {
    const SplitReader* reader = ReaderOf(index);
    if (!reader) return NotASplit(index);
    if (!options.after.empty())
      return Status::InvalidArgument("a search with given statistics pages by offset, not by a cursor (after)");
    if (options.collapse) return Status::InvalidArgument("a search with given statistics cannot collapse copies");
    if (stats.NeedsExpansions())
      return Status::InvalidArgument(
          "the statistics given have prefix or fuzzy words whose terms are not chosen: call ChooseExpansions on the "
          "sum and gather again with it");
    auto snap = reader->Snapshot();
    if (!snap.ok()) return snap.status();
    ScoringStats scoring;
    scoring.Set(stats.documents, stats.field_lengths);
    GivenTerms terms(stats);
    const ScoringContext context{&scoring, &terms};
    SearchScope scope;
    scope.id = snap->index_id ? snap->index_id : 1;
    scope.generation = snap->table->generation;
    SearchPart part;
    part.txn = snap->txn.get();
    part.table = snap->table.get();
    const SplitSnapshot* sp = &*snap;
    part.facets = [reader, sp] { return reader->FacetsOf(*sp); };
    scope.parts.push_back(std::move(part));
    scope.scoring = &context;
    std::vector<std::string> notes;
    if (snap->replaced)
      notes.push_back(
          "the index was compacted or replaced by another process since this one opened it: its results "
          "come from the file as it was then; open it again to see later commits");
    auto res = RunSearch(scope, query, options, std::move(notes));
    if (!res.ok()) return res.status();
    res->warnings.insert(res->warnings.begin(), stats.warnings.begin(), stats.warnings.end());
    if (!options.load_documents)
      for (Hit& h : res->hits)
        if (h.doc_id < snap->table->dates.size() && snap->table->dates[h.doc_id] != format::kNoDate)
          h.document.date = snap->table->dates[h.doc_id];
    return res;
  });
}

Result<std::vector<Document>> FetchDocuments(const Index& index, const std::vector<uint32_t>& doc_ids) {
  return Guard([&]() -> Result<std::vector<Document>> {
    const SplitReader* reader = ReaderOf(index);
    if (!reader) return NotASplit(index);
    auto snap = reader->Snapshot();
    if (!snap.ok()) return snap.status();
    format::DocBlockReader docs;
    std::vector<Document> out(doc_ids.size());
    for (size_t i = 0; i < doc_ids.size(); ++i) {
      if (!snap->table->IsLive(doc_ids[i]))
        return Status::NotFound("document " + std::to_string(doc_ids[i]) + " of " + index.dir() +
                                " was deleted or replaced since the search; search again");
      if (Status s = docs.ReadLive(*snap->txn, doc_ids[i], &out[i]); !s.ok()) return s;
    }
    return out;
  });
}

std::string CollectionSplitName(Partition partition, std::optional<Days> date) { return SplitNameOf(partition, date); }

}  // namespace loupe
