// The planner of search/iterators.h: BuildIterator turns a Query into a tree
// of the iterators of postings_cursor.h, boolean_iterators.h and
// phrase_iterators.h, within the query's PlanBudget, choosing bitsets over
// iterators where its cost estimates say so; ExpandTerms and ExpandWords
// list what a prefix or fuzzy word reaches. The only file that knows every
// iterator class; the iterators know nothing of queries.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "index/format.h"
#include "index/forms.h"
#include "loupe/analyzer.h"
#include "loupe/query.h"
#include "search/boolean_iterators.h"
#include "search/expand.h"
#include "search/iterators.h"
#include "search/phrase_iterators.h"
#include "search/postings_cursor.h"
#include "storage/lmdb.h"
#include "util/edits.h"

namespace loupe {

using plan_internal::Expander;
using plan_internal::Found;
using plan_internal::PlanMemory;
using search_internal::AndIterator;
using search_internal::AndMaybeIterator;
using search_internal::BitsetIterator;
using search_internal::BoostIterator;
using search_internal::EmptyIterator;
using search_internal::ExactIterator;
using search_internal::OrIterator;
using search_internal::PhraseIterator;
using search_internal::PostingsCursor;
using search_internal::ScanIterator;
using search_internal::UnionIterator;

namespace {

class Builder {
 public:
  Builder(const storage::Txn& txn, const DocTable& table, bool scoring, Status* error,
          std::vector<std::string>* warnings, PlanBudget* budget, const ScoringContext* context = nullptr)
      : txn_(txn),
        table_(table),
        stats_(context && context->stats ? *context->stats : table.scoring),
        scoring_(scoring),
        error_(error),
        memory_{budget ? budget : &own_budget_},
        ex_(txn, context, warnings, &memory_) {}

  Expander& expander() { return ex_; }

  Result<std::unique_ptr<DocIterator>> Build(const Query& q, int depth) {
    // A subtree that turns out to match nothing (an AND with a part of no
    // document) has destroyed the iterators it made: their memory is free again.
    const uint64_t held = memory_.held;
    auto it = BuildNode(q, depth);
    if (it.ok() && IsEmpty(**it)) memory_.held = held;
    return it;
  }

 private:
  Result<std::unique_ptr<DocIterator>> BuildNode(const Query& q, int depth) {
    if (depth > kMaxDepth) return Status::InvalidArgument("query nested more than 256 levels deep");
    if (memory_.budget->deadline && memory_.budget->deadline->Passed()) return DeadlineCheck::Exceeded();
    if (!scoring_ && (q.kind() == Query::Kind::kAnd || q.kind() == Query::Kind::kOr)) {
      auto e = Estimate(q, depth);
      if (!e.ok()) return e.status();
      if (e->bitset_ok && e->bits < e->iter) return MaterializedIterator(q);
    }
    switch (q.kind()) {
      case Query::Kind::kTerm: {
        auto t = Postings(q.field(), q.terms()[0], q);
        if (!t.ok()) return t.status();
        if (!*t) return Empty();
        return std::unique_ptr<DocIterator>(std::move(*t));
      }
      case Query::Kind::kPhrase: {
        if (q.terms().size() == 1) return Build(Query::Term(q.field(), q.terms()[0]), depth);
        std::vector<std::unique_ptr<PostingsCursor>> terms;
        for (const std::string& term : q.terms()) {
          auto t = Postings(q.field(), term, q);
          if (!t.ok()) return t.status();
          if (!*t) return Empty();
          terms.push_back(std::move(*t));
        }
        if (terms.empty()) return Empty();
        return std::unique_ptr<DocIterator>(new PhraseIterator(std::move(terms), q.gaps(), q.slop()));
      }
      case Query::Kind::kAnd: {
        std::vector<std::unique_ptr<DocIterator>> inc, exc;
        // Scoring a conjunction of dense lists: evaluate the matches as a
        // bitset first and let it lead, so the scoring sides are only moved to
        // real matches (and the exclusions are already applied).
        bool bitset_lead = false;
        if (scoring_) {
          auto e = Estimate(q, depth);
          if (!e.ok()) return e.status();
          double sides = static_cast<double>(q.children().size());
          bitset_lead = e->bitset_ok && e->bits + 15 * e->expect * sides < e->iter;
          if (bitset_lead) {
            auto b = MaterializedIterator(q);
            if (!b.ok()) return b.status();
            inc.push_back(std::move(*b));
          }
        }
        for (const Query& c : q.children()) {
          bool negated = c.kind() == Query::Kind::kNot;
          if (negated && bitset_lead) continue;
          auto it = Build(negated ? c.children()[0] : c, depth + 1);
          if (!it.ok()) return it.status();
          if (IsEmpty(**it)) {
            if (!negated) return Empty();  // a required part that matches nothing
            continue;                      // excluding nothing
          }
          (negated ? exc : inc).push_back(std::move(*it));
        }
        if (inc.empty()) inc.push_back(std::make_unique<ScanIterator>(table_, false, 0, 0));
        return std::unique_ptr<DocIterator>(new AndIterator(std::move(inc), std::move(exc)));
      }
      case Query::Kind::kOr: {
        std::vector<std::unique_ptr<DocIterator>> ch;
        for (const Query& c : q.children()) {
          auto it = Build(c, depth + 1);
          if (!it.ok()) return it.status();
          if (!IsEmpty(**it)) ch.push_back(std::move(*it));  // e.g. a term of no document
        }
        if (ch.empty()) return Empty();
        if (ch.size() == 1) return std::move(ch[0]);
        return std::unique_ptr<DocIterator>(new OrIterator(std::move(ch)));
      }
      case Query::Kind::kNot: {
        auto it = Build(q.children()[0], depth + 1);
        if (!it.ok()) return it.status();
        std::vector<std::unique_ptr<DocIterator>> inc, exc;
        inc.push_back(std::make_unique<ScanIterator>(table_, false, 0, 0));
        exc.push_back(std::move(*it));
        return std::unique_ptr<DocIterator>(new AndIterator(std::move(inc), std::move(exc)));
      }
      case Query::Kind::kDateRange:
        return std::unique_ptr<DocIterator>(new ScanIterator(table_, true, q.lo(), q.hi()));
      case Query::Kind::kPrefix:
      case Query::Kind::kFuzzy:
        return Prefix(q);
      case Query::Kind::kBoost: {
        auto it = Build(q.children()[0], depth + 1);
        if (!it.ok() || !scoring_ || IsEmpty(**it) || !(q.boost() > 0)) return it;
        return std::unique_ptr<DocIterator>(new BoostIterator(std::move(*it), q.boost()));
      }
      case Query::Kind::kSentence: {
        std::vector<std::unique_ptr<PostingsCursor>> terms;
        std::vector<std::string> words = q.terms();
        words.emplace_back(format::kSentenceTerm);
        for (const std::string& term : words) {
          auto t = Postings(q.field(), term, q);
          if (!t.ok()) return t.status();
          if (!*t) return Empty();
          terms.push_back(std::move(*t));
        }
        if (terms.size() < 3) return Empty();
        return std::unique_ptr<DocIterator>(new PhraseIterator(std::move(terms), {}, 0, /*sentence=*/true));
      }
      case Query::Kind::kExact: {
        auto t = Postings(q.field(), q.terms()[0], q);
        if (!t.ok()) return t.status();
        if (!*t) return Empty();
        auto analyzer = Analyzer::Create(table_.analyzer_options);
        if (!analyzer.ok()) return analyzer.status();
        return std::unique_ptr<DocIterator>(new ExactIterator(std::move(*t), txn_, q.field(), q.terms()[1],
                                                              q.match_case(), std::move(*analyzer), error_));
      }
      case Query::Kind::kAndMaybe: {
        auto req = Build(q.children()[0], depth + 1);
        if (!req.ok() || !scoring_ || IsEmpty(**req)) return req;  // counting: the optional side changes nothing
        auto opt = Build(q.children()[1], depth + 1);
        if (!opt.ok()) return opt.status();
        if (IsEmpty(**opt)) return req;
        return std::unique_ptr<DocIterator>(new AndMaybeIterator(std::move(*req), std::move(*opt)));
      }
      case Query::Kind::kAll:
        return std::unique_ptr<DocIterator>(new ScanIterator(table_, false, 0, 0));
      case Query::Kind::kNone:
        return Empty();
    }
    return Status::Internal("unknown query kind");
  }

  static constexpr int kMaxDepth = 256;
  static std::unique_ptr<DocIterator> Empty() { return std::make_unique<EmptyIterator>(); }
  static bool IsEmpty(const DocIterator& it) { return dynamic_cast<const EmptyIterator*>(&it) != nullptr; }

  uint64_t BitsetBytes() const { return uint64_t{table_.live_bits.size()} * sizeof(uint64_t); }

  // The expansions of a prefix (or fuzzy term) as an OR.
  Result<std::unique_ptr<DocIterator>> Prefix(const Query& q) {
    auto exp = ex_.Expand(q);
    if (!exp.ok()) return exp.status();
    const std::vector<Found>& found = **exp;
    std::vector<std::unique_ptr<DocIterator>> ch;
    for (const Found& f : found) {
      if (Status s = memory_.Charge(kPlanTermBytes, q); !s.ok()) return s;
      auto c = storage::Cursor::Open(txn_, storage::Db::kPostings, storage::Verify::kNo);
      if (!c.ok()) return c.status();
      auto df = ex_.ScoringDf(q.field(), f.term, f.info);
      if (!df.ok()) return df.status();
      auto pc = std::make_unique<PostingsCursor>(txn_, table_, stats_, *df, q.field(), f.term, f.info, std::move(*c),
                                                 error_, memory_.budget->deadline);
      if (!f.verify) {
        ch.push_back(std::move(pc));
        continue;
      }
      auto analyzer = Analyzer::Create(table_.analyzer_options);
      if (!analyzer.ok()) return analyzer.status();
      ch.push_back(std::make_unique<ExactIterator>(std::move(pc), txn_, q.field(), q.terms()[0], false,
                                                   std::move(*analyzer), error_, f.forms));
    }
    if (ch.empty()) return Empty();
    if (ch.size() == 1) return std::move(ch[0]);
    if (ch.size() <= kLinearUnion) return std::unique_ptr<DocIterator>(new OrIterator(std::move(ch)));
    return std::unique_ptr<DocIterator>(new UnionIterator(std::move(ch)));
  }
  // Up to this many expansions an OrIterator (with MaxScore pruning) is faster.
  static constexpr size_t kLinearUnion = 8;

  // Cost model for choosing between iterators and bitsets (arbitrary units,
  // about nanoseconds on this design): iterating costs per document visited,
  // a leapfrog intersection per document of its smallest side and per side;
  // a bitset costs per posting decoded plus per word of the bitset.
  struct Estimate_ {
    double size = 0;         // matches, at most
    double expect = 0;       // matches expected if terms occur independently
    double iter = 0;         // cost with iterators
    double bits = 0;         // cost as a bitset
    bool bitset_ok = false;  // the subtree can be evaluated as a bitset
  };
  Result<Estimate_> Estimate(const Query& q, int depth) {
    if (depth > kMaxDepth) return Status::InvalidArgument("query nested more than 256 levels deep");
    auto known = estimates_.find(&q);
    if (known != estimates_.end()) return known->second;
    const double words = static_cast<double>(table_.live_bits.size());
    Estimate_ e;
    switch (q.kind()) {
      case Query::Kind::kTerm: {
        auto df = Df(q.field(), q.terms()[0]);
        if (!df.ok()) return df.status();
        e.size = static_cast<double>(*df);
        e.expect = e.size;
        e.iter = 3 * e.size;
        e.bits = 1.5 * e.size + 0.25 * words;
        e.bitset_ok = true;
        break;
      }
      case Query::Kind::kPrefix:
      case Query::Kind::kFuzzy: {
        auto exp = ex_.Expand(q);
        if (!exp.ok()) return exp.status();
        e.bitset_ok = true;
        for (const Found& f : **exp) {
          e.size += f.info.df;
          e.bitset_ok = e.bitset_ok && !f.verify;  // checked against the stored text: iterators only
        }
        e.expect = std::min(e.size, static_cast<double>(table_.live_docs));
        e.iter = 3 * e.size * (1 + std::log2(1.0 + static_cast<double>((*exp)->size())));
        e.bits = 1.5 * e.size + 0.25 * words;
        break;
      }
      case Query::Kind::kBoost:
      case Query::Kind::kAndMaybe: {  // the matches are the first child's
        auto ce = Estimate(q.children()[0], depth + 1);
        if (!ce.ok()) return ce.status();
        e = *ce;
        break;
      }
      case Query::Kind::kAll:
        e.size = static_cast<double>(table_.live_docs);
        e.expect = e.size;
        e.iter = 2 * e.size;
        e.bits = 0.5 * words;
        e.bitset_ok = true;
        break;
      case Query::Kind::kOr: {
        e.bitset_ok = true;
        for (const Query& c : q.children()) {
          auto ce = Estimate(c, depth + 1);
          if (!ce.ok()) return ce.status();
          e.size += ce->size;
          e.expect += ce->expect;
          e.iter += ce->iter;
          e.bits += ce->bits + 0.5 * words;
          e.bitset_ok = e.bitset_ok && ce->bitset_ok;
        }
        e.iter += 4 * e.size * static_cast<double>(q.children().size());
        e.expect = std::min(e.expect, static_cast<double>(table_.live_docs));
        break;
      }
      case Query::Kind::kAnd: {
        e.bitset_ok = true;
        double smallest = -1;
        double all = std::max(1.0, static_cast<double>(table_.live_docs));
        e.expect = all;
        size_t sides = 0, positive = 0;
        for (const Query& c : q.children()) {
          bool negated = c.kind() == Query::Kind::kNot;
          auto ce = Estimate(negated ? c.children()[0] : c, depth + 1);
          if (!ce.ok()) return ce.status();
          if (!negated) {
            smallest = smallest < 0 ? ce->size : std::min(smallest, ce->size);
            e.expect *= std::min(1.0, ce->expect / all);
            ++positive;
          }
          ++sides;
          e.bits += ce->bits + 0.5 * words;
          e.bitset_ok = e.bitset_ok && ce->bitset_ok;
        }
        e.bitset_ok = e.bitset_ok && positive > 0;
        e.size = std::max(smallest, 0.0);
        e.iter = 12 * e.size * static_cast<double>(sides);
        break;
      }
      default:  // phrases, date ranges, a NOT of its own: iterators only
        e.size = static_cast<double>(table_.live_docs);
        e.expect = e.size;
        e.iter = e.size;
        break;
    }
    estimates_[&q] = e;
    return e;
  }

  // Document frequency of a term in this index (0 if absent).
  Result<uint64_t> Df(Field f, const std::string& term) {
    if (format::IsReservedTerm(term)) return uint64_t{0};
    auto e = ex_.Lookup(f, term);
    if (!e.ok()) return e.status();
    return uint64_t{e->found ? e->info.df : 0};
  }

  // The live documents of `q` (a subtree Estimate found bitset_ok).
  Result<std::unique_ptr<DocIterator>> MaterializedIterator(const Query& q) {
    if (Status c = memory_.Charge(BitsetBytes(), q); !c.ok()) return c;
    std::vector<uint64_t> bits(table_.live_bits.size(), 0);
    Status s = Materialize(q, &bits);
    if (!s.ok()) return s;
    for (size_t i = 0; i < bits.size(); ++i) bits[i] &= table_.live_bits[i];
    return std::unique_ptr<DocIterator>(new BitsetIterator(std::move(bits)));
  }

  // ORs the documents of `q` (a subtree Estimate found bitset_ok) into *bits.
  // Liveness is applied by the caller, once.
  Status Materialize(const Query& q, std::vector<uint64_t>* bits) {
    switch (q.kind()) {
      case Query::Kind::kTerm:
        return AddPostings(q.field(), q.terms()[0], bits);
      case Query::Kind::kPrefix:
      case Query::Kind::kFuzzy: {
        auto exp = ex_.Expand(q);
        if (!exp.ok()) return exp.status();
        for (const Found& f : **exp) {
          Status s = AddPostings(q.field(), f.term, bits);
          if (!s.ok()) return s;
        }
        return Status::OK();
      }
      case Query::Kind::kAll:
        for (uint64_t& w : *bits) w = ~uint64_t{0};
        return Status::OK();
      case Query::Kind::kBoost:
      case Query::Kind::kAndMaybe:
        return Materialize(q.children()[0], bits);
      case Query::Kind::kOr:
        for (const Query& c : q.children()) {
          Status s = Materialize(c, bits);  // ORing into the same bitset is the union
          if (!s.ok()) return s;
        }
        return Status::OK();
      case Query::Kind::kAnd: {
        if (Status c = memory_.Charge(2 * BitsetBytes(), q); !c.ok()) return c;
        const uint64_t held = memory_.held - 2 * BitsetBytes();  // acc and tmp are freed on return
        struct Release {
          uint64_t* at;
          uint64_t to;
          ~Release() { *at = to; }
        } release{&memory_.held, held};
        std::vector<uint64_t> acc(bits->size(), 0), tmp(bits->size());
        bool first = true;
        for (const Query& c : q.children()) {  // positive sides first
          if (c.kind() == Query::Kind::kNot) continue;
          if (first) {
            Status s = Materialize(c, &acc);
            if (!s.ok()) return s;
            first = false;
            continue;
          }
          tmp.assign(tmp.size(), 0);
          Status s = Materialize(c, &tmp);
          if (!s.ok()) return s;
          for (size_t i = 0; i < acc.size(); ++i) acc[i] &= tmp[i];
        }
        for (const Query& c : q.children()) {
          if (c.kind() != Query::Kind::kNot) continue;
          tmp.assign(tmp.size(), 0);
          Status s = Materialize(c.children()[0], &tmp);
          if (!s.ok()) return s;
          for (size_t i = 0; i < acc.size(); ++i) acc[i] &= ~tmp[i];
        }
        for (size_t i = 0; i < acc.size(); ++i) (*bits)[i] |= acc[i];
        return Status::OK();
      }
      default:
        return Status::Internal("query node cannot be evaluated as a bitset");
    }
  }

  // Sets the bit of every document in the term's postings (no liveness check).
  Status AddPostings(Field f, const std::string& term, std::vector<uint64_t>* bits) {
    const std::string prefix = format::BlockKeyPrefix(f, term);
    auto cur = storage::Cursor::Open(txn_, storage::Db::kPostings, storage::Verify::kNo);
    if (!cur.ok()) return cur.status();
    uint32_t docs[format::kBlockSize];
    const uint64_t limit = uint64_t{bits->size()} * 64;
    for (bool ok = (*cur)->Seek(prefix); ok; ok = (*cur)->Next()) {
      std::string_view k = (*cur)->key();
      if (k.size() != prefix.size() + 4 || k.compare(0, prefix.size(), prefix) != 0) break;
      format::BlockHeader h;
      if (!format::DecodePostingsDocs((*cur)->value(), &h, docs))
        return Status::Corruption("postings block of a term is unreadable; rebuild the index");
      for (uint32_t i = 0; i < h.n; ++i)
        if (docs[i] < limit) (*bits)[docs[i] >> 6] |= uint64_t{1} << (docs[i] & 63);
    }
    return (*cur)->status();
  }

  // nullptr (and OK) when the term is not in the index.
  // `where` is the query node searching it, named when a limit is passed.
  Result<std::unique_ptr<PostingsCursor>> Postings(Field f, const std::string& term, const Query& where) {
    auto entry = ex_.Lookup(f, term);
    if (!entry.ok()) return entry.status();
    if (!entry->found) return std::unique_ptr<PostingsCursor>();
    const format::TermInfo& info = entry->info;
    if (Status c = memory_.Charge(kPlanTermBytes, where); !c.ok()) return c;
    auto df = ex_.ScoringDf(f, term, info);
    if (!df.ok()) return df.status();
    auto cur = storage::Cursor::Open(txn_, storage::Db::kPostings, storage::Verify::kNo);
    if (!cur.ok()) return cur.status();
    return std::make_unique<PostingsCursor>(txn_, table_, stats_, *df, f, term, info, std::move(*cur), error_,
                                            memory_.budget->deadline);
  }
  const storage::Txn& txn_;
  const DocTable& table_;
  const ScoringStats& stats_;
  bool scoring_;
  Status* error_;
  PlanBudget own_budget_;
  PlanMemory memory_;
  Expander ex_;
  std::unordered_map<const Query*, Estimate_> estimates_;
};

}  // namespace

// LMDB's cursor (a stack of 32 page pointers and indexes, with the wrapper
// around it), rounded up.
constexpr uint64_t kLmdbCursorBytes = 512;
// A term's cursor on postings and the one on positions a phrase opens, and
// the heap strings it keeps (field, term, block keys).
const uint64_t kPlanTermBytes = sizeof(PostingsCursor) + 2 * kLmdbCursorBytes + 128;

Result<std::unique_ptr<DocIterator>> BuildIterator(const Query& query, const storage::Txn& txn, const DocTable& table,
                                                   bool scoring, Status* error, std::vector<std::string>* warnings,
                                                   PlanBudget* budget, const ScoringContext* context) {
  Builder b(txn, table, scoring, error, warnings, budget, context);
  return b.Build(query, 0);
}

Result<std::vector<std::pair<std::string, uint64_t>>> ExpandTerms(const Query& query, const storage::Txn& txn,
                                                                  const DocTable& table,
                                                                  std::vector<std::string>* warnings) {
  if (query.kind() != Query::Kind::kPrefix && query.kind() != Query::Kind::kFuzzy)
    return Status::InvalidArgument("only prefix and fuzzy queries expand to terms");
  Status error;
  Builder b(txn, table, false, &error, warnings, nullptr);
  return b.expander().Expansions(query);
}

Result<std::vector<std::pair<std::string, uint64_t>>> SearchedTerms(const Query& query, const storage::Txn& txn,
                                                                    const DocTable& table,
                                                                    std::vector<std::string>* warnings) {
  if (query.kind() != Query::Kind::kPrefix && query.kind() != Query::Kind::kFuzzy)
    return Status::InvalidArgument("only prefix and fuzzy queries expand to terms");
  PlanBudget budget;
  budget.max_expansions = UINT64_MAX;
  budget.max_bytes = UINT64_MAX;
  Status error;
  Builder b(txn, table, false, &error, warnings, &budget);
  auto found = b.expander().Expand(query);
  if (!found.ok()) return found.status();
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve((*found)->size());
  for (const plan_internal::Found& f : **found) out.emplace_back(f.term, f.info.df);
  return out;
}

Result<std::vector<std::pair<std::string, uint64_t>>> ExpandWords(const Query& query, const storage::Txn& txn,
                                                                  const DocTable& table) {
  if (query.kind() != Query::Kind::kPrefix && query.kind() != Query::Kind::kFuzzy)
    return Status::InvalidArgument("only prefix and fuzzy queries expand to words");
  Status error;
  Builder b(txn, table, false, &error, nullptr, nullptr);
  if (!Analyzer::IsStemmed(query.field()))  // its terms are the folded words
    return b.expander().Expansions(Query::Kind::kPrefix == query.kind()
                                       ? Query::Prefix(query.field(), query.terms()[0], UINT32_MAX)
                                       : Query::Fuzzy(query.field(), query.terms()[0], query.max_edits(), UINT32_MAX));
  return b.expander().WrittenForms(query);
}

}  // namespace loupe
