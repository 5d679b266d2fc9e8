// The dictionary side of planning (see expand.h).
#include "search/expand.h"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <unordered_set>

#include "index/forms.h"
#include "loupe/analyzer.h"
#include "util/edits.h"

namespace loupe::plan_internal {

// A term's entry in this index's dictionary: the one a collection's
// statistics read with their sums when they keep it, else read here.
Result<TermStatistics::PartEntry> Expander::Lookup(Field f, const std::string& term) {
  if (terms_) {
    auto kept = terms_->Entry(part_, f, term);
    if (!kept.ok()) return kept.status();
    if (*kept) return **kept;
  }
  TermStatistics::PartEntry out;
  std::string_view v;
  Status s = txn_.Get(storage::Db::kTerms, format::TermKey(f, term), &v);
  if (s.IsNotFound()) return out;
  if (!s.ok()) return s;
  if (!format::DecodeTermInfo(v, &out.info))
    return Status::Corruption("term dictionary entry unreadable; rebuild the index");
  out.found = true;
  return out;
}

// The document frequency a term is scored with: the collection's, or the index's own.
Result<uint64_t> Expander::ScoringDf(Field f, const std::string& term, const format::TermInfo& info) {
  if (!terms_) return uint64_t{info.df};
  return terms_->Df(f, term);
}

// The written forms (folded, not stemmed) a prefix of a stemmed field or a
// fuzzy word reaches, with the live documents writing each, most first.
Result<std::vector<std::pair<std::string, uint64_t>>> Expander::WrittenForms(const Query& q) {
  std::vector<forms::WrittenForm> found;
  bool stopped = false;
  Status s;
  if (q.kind() == Query::Kind::kPrefix) {
    forms::PrefixForms pf;
    s = forms::ScanPrefix(txn_, q.field(), q.terms()[0], &budget_->scanned, budget_->max_scanned, &stopped, &pf);
    found = std::move(pf.forms);
  } else {
    s = forms::ScanNear(txn_, q.field(), q.terms()[0], q.max_edits(), &budget_->scanned, budget_->max_scanned, &stopped,
                        &found);
  }
  if (!s.ok()) return s;
  if (stopped) return ScanRefused(q);
  // A form indexed under two stems (documents stemmed in two languages)
  // is one word: its documents add up.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.form < b.form; });
  std::vector<std::pair<std::string, uint64_t>> out;
  for (forms::WrittenForm& w : found) {
    if (!out.empty() && out.back().first == w.form)
      out.back().second += w.docs;
    else
      out.emplace_back(std::move(w.form), w.docs);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

Status Expander::ScanRefused(const Query& q) {
  return PlanMemory::Refuse("the query reads more than " + std::to_string(budget_->max_scanned) +
                                " dictionary entries to expand its prefixes and fuzzy words, the limit for one query "
                                "(passed at '" +
                                q.ToString() + "'); use fewer fuzzy words, or longer prefixes",
                            q);
}

// The stems whose written forms start with a prefix of a stemmed field,
// each with its dictionary entry; a stem is marked for checking when some
// of its written forms do not start with the prefix.
Status Expander::ExpandForms(const Query& q, std::vector<Found>* found) {
  forms::PrefixForms pf;
  bool stopped = false;
  Status s = forms::ScanPrefix(txn_, q.field(), q.terms()[0], &budget_->scanned, budget_->max_scanned, &stopped, &pf);
  if (!s.ok()) return s;
  if (stopped) return ScanRefused(q);
  for (const forms::PrefixForms::Stem& st : pf.stems) {
    auto entry = Lookup(q.field(), st.stem);
    if (!entry.ok()) return entry.status();
    if (!entry->found || entry->info.df == 0) continue;
    Found f;
    f.info = entry->info;
    f.term = st.stem;
    f.verify = !st.whole;
    if (f.verify)
      for (const forms::WrittenForm& w : pf.forms)
        if (w.stem == st.stem) f.forms.push_back(w.form);
    found->push_back(std::move(f));
  }
  return Status::OK();
}
// The terms of the field starting with the prefix (the most frequent
// max_expansions of them); computed once per distinct leaf, so that a
// prefix repeated across the query reads the dictionary once and counts
// once against the query's expansion limit.
Result<const std::vector<Found>*> Expander::Expand(const Query& q) {
  std::string key(1, static_cast<char>(q.kind()));
  key += static_cast<char>(q.field());
  key += std::to_string(q.max_edits()) + "/" + std::to_string(q.max_expansions()) + "/" + q.terms()[0];
  auto known = expansions_.find(key);
  if (known != expansions_.end()) return &known->second;
  // A prefix of a stemmed field reads the written forms starting with it
  // (the words as written; their stems are what is searched). A prefix of
  // another field scans its range of the dictionary (its terms are the
  // folded words); a fuzzy term the whole field, keeping the terms within
  // its edit distance.
  const bool fuzzy = q.kind() == Query::Kind::kFuzzy;
  const bool written = !fuzzy && Analyzer::IsStemmed(q.field());
  const std::string start = format::TermKey(q.field(), fuzzy ? std::string_view() : q.terms()[0]);
  auto cur = storage::Cursor::Open(txn_, storage::Db::kTerms);
  if (!cur.ok()) return cur.status();
  std::vector<Found> found;
  if (written) {
    if (Status s = ExpandForms(q, &found); !s.ok()) return s;
    if (terms_) {
      // A split of a collection: of its stems, those the collection chose
      // (capped once over every split's), each with the forms to check.
      auto chosen = terms_->Expansion(q);
      if (!chosen.ok()) return chosen.status();
      const std::unordered_set<std::string_view> keep((*chosen)->begin(), (*chosen)->end());
      std::erase_if(found, [&](const Found& f) { return !keep.count(f.term); });
      return Keep(q, std::move(key), std::move(found));
    }
  }
  if (terms_ && !written) {
    // A split of a collection: the collection chose the terms (and capped
    // them, once); this split searches those it holds.
    auto chosen = terms_->Expansion(q);
    if (!chosen.ok()) return chosen.status();
    for (const std::string& term : **chosen) {
      auto entry = Lookup(q.field(), term);
      if (!entry.ok()) return entry.status();
      if (!entry->found || entry->info.df == 0) continue;
      Found f;
      f.info = entry->info;
      f.term = term;
      found.push_back(std::move(f));
    }
    return Keep(q, std::move(key), std::move(found));
  }
  for (bool ok = !written && (*cur)->Seek(start); ok; ok = (*cur)->Next()) {
    std::string_view k = (*cur)->key();
    if (k.substr(0, start.size()) != start) break;
    if (++budget_->scanned > budget_->max_scanned) return ScanRefused(q);
    if (format::IsReservedTerm(k.substr(1))) continue;  // sentence marks are no words
    if (fuzzy && !WithinEdits(k.substr(1), q.terms()[0], q.max_edits())) continue;
    Found f;
    if (!format::DecodeTermInfo((*cur)->value(), &f.info))
      return Status::Corruption("term dictionary entry unreadable; rebuild the index");
    if (f.info.df == 0) continue;  // every document with it was deleted
    f.term.assign(k.substr(1));
    found.push_back(std::move(f));
  }
  if (!(*cur)->status().ok()) return (*cur)->status();
  size_t cap = q.max_expansions();
  if (found.size() > cap) {
    std::nth_element(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(cap), found.end(),
                     [](const Found& a, const Found& b) {
                       return a.info.df != b.info.df ? a.info.df > b.info.df : a.term < b.term;
                     });
    if (warnings_)
      warnings_->push_back("'" + q.ToString() + "' matches " + std::to_string(found.size()) + " terms; only the " +
                           std::to_string(cap) + " most frequent were searched (type more of the word to narrow it)");
    found.resize(cap);
  }
  return Keep(q, std::move(key), std::move(found));
}

// Keeps a leaf's expansions for the rest of the search, within the budget.
Result<const std::vector<Found>*> Expander::Keep(const Query& q, std::string key, std::vector<Found> found) {
  // In term order, whichever way they were found: a document's score sums
  // its expansions in this order, the same in an index and in a split.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.term < b.term; });
  found.shrink_to_fit();  // a capped scan may have held far more
  budget_->expansions += found.size();
  if (budget_->expansions > budget_->max_expansions)
    return PlanMemory::Refuse("the query expands to more than " + std::to_string(budget_->max_expansions) +
                                  " terms, the limit for one query (passed at '" + q.ToString() +
                                  "'); make its prefixes and fuzzy words longer or use fewer of them",
                              q);
  uint64_t list_bytes = found.size() * sizeof(Found);
  for (const Found& f : found) list_bytes += f.term.capacity() > 15 ? f.term.capacity() : 0;
  memory_->kept += list_bytes;  // kept for the whole search, whatever becomes of q's iterators
  if (Status c = memory_->Charge(0, q); !c.ok()) return c;
  return &(expansions_[key] = std::move(found));
}

// Expand's terms with their document frequencies, most frequent first.
Result<std::vector<std::pair<std::string, uint64_t>>> Expander::Expansions(const Query& q) {
  if (q.kind() == Query::Kind::kPrefix && Analyzer::IsStemmed(q.field())) return WrittenForms(q);
  auto exp = Expand(q);
  if (!exp.ok()) return exp.status();
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const Found& f : **exp) out.emplace_back(f.term, f.info.df);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace loupe::plan_internal
