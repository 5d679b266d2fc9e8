// The iterators that look inside a document's postings: PhraseIterator
// (exact and sloppy phrases, and words sharing a sentence, over the terms'
// positions) and ExactIterator (a word form as written, checked against the
// stored text). Separate from the boolean iterators because they read
// positions and stored documents through PostingsCursor (postings_cursor.h).
// Their members stay defined in the classes, so that they inline as before.
#ifndef LOUPE_SEARCH_PHRASE_ITERATORS_H_
#define LOUPE_SEARCH_PHRASE_ITERATORS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/analyzer_access.h"
#include "index/doc_store.h"
#include "index/format.h"
#include "loupe/analyzer.h"
#include "loupe/document.h"
#include "loupe/status.h"
#include "search/iterators.h"
#include "search/postings_cursor.h"
#include "storage/lmdb.h"

// Hidden: these classes were local to one file before the split, and calls
// between their members stay direct calls within libloupe (not through the
// PLT), so that they inline and cost as they did.
#pragma GCC visibility push(hidden)
namespace loupe::search_internal {

// The documents of a term in which a given word form occurs as written (see
// Query::Exact): the term's postings, each checked against the stored text.
class ExactIterator final : public DocIterator {
 public:
  // With `prefix_forms` (a prefix's expansion to a stem some of whose other
  // forms do not start with it), the words written in one of those forms, the
  // stem's forms that start with the prefix `form` (folded), are counted
  // instead of the words equal to `form`. Another stem's words that start with
  // the prefix are not: they count under their own stem.
  ExactIterator(std::unique_ptr<PostingsCursor> term, const storage::Txn& txn, Field field, std::string form,
                bool match_case, std::unique_ptr<Analyzer> analyzer, Status* error,
                std::vector<std::string> prefix_forms = {})
      : term_(std::move(term)),
        txn_(txn),
        field_(field),
        form_(std::move(form)),
        match_case_(match_case),
        prefix_(!prefix_forms.empty()),
        prefix_forms_(std::move(prefix_forms)),
        analyzer_(std::move(analyzer)),
        error_(error) {}
  void Next() override {
    if (doc_ == kEndDoc) return;
    term_->Next();
    Find();
  }
  void Advance(uint32_t target) override {
    if (doc_ >= target && doc_ != 0) return;
    term_->Advance(target);
    Find();
  }
  double Score() override { return term_->ScoreTf(count_); }
  void Describe(std::string* out) override {
    *out = (prefix_ ? "words starting with '" : "exact form '") + form_ + "'" + (match_case_ ? "" : " (any case)") +
           " " + std::to_string(count_) + " times; " + term_->DescribeTf(count_);
  }
  // Reading stored text makes a document far dearer than a posting.
  uint64_t Cost() const override { return term_->Cost() * 64; }
  double MaxScore() const override { return term_->MaxScore(); }  // count_ <= the term's tf

 private:
  void Find() {
    for (; term_->doc() != kEndDoc; term_->Next()) {
      count_ = Count(term_->doc());
      if (count_ > 0) {
        doc_ = term_->doc();
        return;
      }
      if (!error_->ok()) break;
    }
    doc_ = kEndDoc;
  }

  // Occurrences of the form in the document's field.
  uint32_t Count(uint32_t doc) {
    std::string_view encoded;
    Status s = reader_.Read(txn_, doc, &encoded);
    if (!s.ok() || !format::DecodeStoredDoc(encoded, &stored_)) {
      if (error_->ok()) *error_ = s.ok() ? Status::Corruption("stored document unreadable; rebuild the index") : s;
      return 0;
    }
    uint32_t n = 0;
    auto scan = [&](std::string_view text) {
      tokens_.clear();
      AnalyzerAccess::Analyze(*analyzer_, text, /*stem=*/false, 0, &tokens_);
      for (const Token& t : tokens_) {
        if (prefix_) {
          n += std::find(prefix_forms_.begin(), prefix_forms_.end(), t.term) != prefix_forms_.end();
          continue;
        }
        if (!match_case_) {
          n += t.term == form_;
          continue;
        }
        surface_.assign(text.substr(t.begin, t.end - t.begin));
        for (size_t at; (at = surface_.find("\xE2\x80\x99")) != std::string::npos;) surface_.replace(at, 3, "'");
        n += surface_ == form_;
      }
    };
    switch (field_) {
      case Field::kTitle:
        scan(stored_.title);
        break;
      case Field::kBody:
        scan(stored_.body);
        break;
      case Field::kAuthor:
        scan(stored_.author);
        break;
      case Field::kActor:
        for (const std::string& v : stored_.actors) scan(v);
        break;
      case Field::kTopic:
        for (const std::string& v : stored_.topics) scan(v);
        break;
      case Field::kCustom:  // keywords: the planner makes no exact words of them
        break;
    }
    return n;
  }

  std::unique_ptr<PostingsCursor> term_;
  const storage::Txn& txn_;
  Field field_;
  std::string form_;
  bool match_case_;
  bool prefix_;
  std::vector<std::string> prefix_forms_;  // a handful: the stem's forms starting with the prefix
  std::unique_ptr<Analyzer> analyzer_;
  Status* error_;
  format::DocBlockReader reader_;
  Document stored_;
  std::vector<Token> tokens_;
  std::string surface_;
  uint32_t count_ = 0;
};

// Exact phrase: all terms in the document at positions p + gaps[i].
class PhraseIterator final : public DocIterator {
 public:
  // With `sentence`, the last of `terms` is the list of sentence marks and the
  // others must share a sentence, in any order (gaps and slop unused).
  PhraseIterator(std::vector<std::unique_ptr<PostingsCursor>> terms, std::vector<uint32_t> gaps, uint32_t slop = 0,
                 bool sentence = false)
      : terms_(std::move(terms)),
        gaps_(std::move(gaps)),
        slop_(slop),
        sentence_(sentence),
        scored_(terms_.size() - (sentence ? 1 : 0)) {
    for (size_t i = 0; i < terms_.size(); ++i) order_.push_back(i);
    std::sort(order_.begin(), order_.end(), [&](size_t a, size_t b) { return terms_[a]->Cost() < terms_[b]->Cost(); });
  }
  void Next() override {
    if (doc_ != kEndDoc) Find(doc_ + 1);
  }
  void Advance(uint32_t target) override {
    if (doc_ < target) Find(target);
  }
  double Score() override {
    if (freq_ == 0) freq_ = CountMatches(false);  // Find only checked that one exists
    return ScoreFreq(freq_);
  }
  // Each word scores as a term whose tf is the phrase's frequency.
  void Describe(std::string* out) override {
    if (freq_ == 0) freq_ = CountMatches(false);
    *out = (sentence_ ? "sentences with all the words " : "phrase frequency ") + std::to_string(freq_);
    for (size_t i = 0; i < scored_; ++i) *out += "; " + terms_[i]->DescribeTf(freq_);
  }
  uint64_t Cost() const override { return terms_[order_[0]]->Cost(); }
  // Each word scores the phrase's frequency, which is at most FreqBound of
  // the words' highest frequencies, in a field at least as long as the
  // shortest that holds that word.
  double MaxScore() const override {
    const uint32_t f = FreqBound([&](size_t i) { return terms_[i]->max_tf(); });
    double m = 0;
    for (size_t i = 0; i < scored_; ++i) m += terms_[i]->Bound(f, terms_[i]->min_length());  // f = 0: any
    return m;
  }
  void SetMinCompetitive(double theta) override { theta_ = theta; }

 private:
  // What the phrase's frequency in a document cannot exceed, given each
  // word's frequency there (tf_of(i) for word i). An exact phrase: the
  // fewest of any word, since distinct starts take distinct positions of
  // every word. Sloppy or same-sentence: the first word's, since those count
  // at most one match per position of the first word. 0 when unknown.
  template <typename TfOf>
  uint32_t FreqBound(TfOf tf_of) const {
    uint32_t f = tf_of(0);
    if (slop_ == 0 && !sentence_)
      for (size_t i = 1; i < scored_; ++i) f = std::min<uint32_t>(f, tf_of(i));
    return f;
  }

  // Whether the current document (where every word is) could reach the
  // least competitive score, by its words' frequencies, before its
  // positions are read: most candidates of a frequent phrase in a top-k
  // search cannot, once the k best are known.
  bool Competitive() {
    if (theta_ <= 0) return true;
    return ScoreFreq(FreqBound([&](size_t i) { return terms_[i]->Tf(); })) + kBoundSlack > theta_;
  }

  // The current document's score if the phrase occurs `freq` times in it.
  double ScoreFreq(uint32_t freq) const {
    double s = 0;
    for (size_t i = 0; i < scored_; ++i) s += terms_[i]->ScoreTf(freq);
    return s;
  }

  void Find(uint32_t target) {
    for (;;) {
      PostingsCursor* lead = terms_[order_[0]].get();
      lead->Advance(target);
      target = lead->doc();
      if (target == kEndDoc) break;
      bool agreed = true;
      for (size_t k = 1; k < order_.size(); ++k) {
        PostingsCursor* t = terms_[order_[k]].get();
        t->Advance(target);
        if (t->doc() != target) {
          target = t->doc();
          agreed = false;
          break;
        }
      }
      if (target == kEndDoc) break;
      if (agreed) {
        if (Competitive()) {
          freq_ = 0;
          if (CountMatches(true) > 0) {
            doc_ = target;
            return;
          }
        }
        ++target;
      }
    }
    doc_ = kEndDoc;
  }

  // Number of positions p where every term i occurs at p + gaps[i].
  // With first_only, stops at the first match (enough to know the document matches).
  uint32_t CountMatches(bool first_only) {
    if (!sentence_ && slop_ == 0 && terms_.size() > 2) return CountRarestFirst(first_only);
    uint32_t n0;
    const uint32_t* p0 = terms_[0]->Positions(&n0);
    if (!p0) return 0;
    if (sentence_) return CountSentences(p0, n0, first_only);
    if (slop_ > 0) return CountSloppy(p0, n0, first_only);
    if (terms_.size() == 2) {  // the common case, without the general bookkeeping
      uint32_t n1;
      const uint32_t* p1 = terms_[1]->Positions(&n1);
      if (!p1) return 0;
      const uint32_t shift = gaps_[1] - gaps_[0];
      uint32_t matches = 0;
      for (uint32_t a = 0, b = 0; a < n0 && b < n1;) {
        uint32_t want = p0[a] + shift;
        if (p1[b] < want) {
          ++b;
        } else {
          if (p1[b] == want) {
            ++matches;
            if (first_only) break;
          }
          ++a;
        }
      }
      return matches;
    }
    return first_only && n0 > 1 ? 1 : n0;  // one word: each of its positions
  }

  // Three words or more: the starts where the rarest word fits, kept while
  // each next-rarest word fits too. A frequent word (often the middle "of"
  // of "department of state") has its positions decoded only for documents
  // where the rarer words already form the phrase around it.
  uint32_t CountRarestFirst(bool first_only) {
    bases_.clear();
    {
      const size_t t = order_[0];
      uint32_t n;
      const uint32_t* p = terms_[t]->Positions(&n);
      if (!p) return 0;
      for (uint32_t i = 0; i < n; ++i)
        if (p[i] >= gaps_[t]) bases_.push_back(p[i] - gaps_[t]);
    }
    for (size_t k = 1; k < order_.size() && !bases_.empty(); ++k) {
      const size_t t = order_[k];
      uint32_t n;
      const uint32_t* p = terms_[t]->Positions(&n);
      if (!p) return 0;
      size_t kept = 0;
      for (size_t c = 0, i = 0; c < bases_.size() && i < n;) {
        const uint64_t want = uint64_t{bases_[c]} + gaps_[t];
        if (p[i] < want) {
          ++i;
        } else {
          if (p[i] == want) bases_[kept++] = bases_[c];
          ++c;
        }
      }
      bases_.resize(kept);
    }
    const uint32_t matches = static_cast<uint32_t>(bases_.size());
    return first_only && matches > 1 ? 1 : matches;
  }

  // The positions of terms 1.. of the current document into lists_, with a
  // cursor at the start of each; false if one is unreadable.
  bool LoadOtherPositions() {
    lists_.clear();
    for (size_t i = 1; i < terms_.size(); ++i) {
      uint32_t n;
      const uint32_t* p = terms_[i]->Positions(&n);
      if (!p) return false;
      lists_.emplace_back(p, n);
    }
    cursor_.assign(lists_.size(), 0);
    return true;
  }

  // Same sentence: the sentences (from one mark to the next; the marks are
  // the last list) holding a position of the first term and of every other.
  uint32_t CountSentences(const uint32_t* p0, uint32_t n0, bool first_only) {
    if (!LoadOtherPositions()) return 0;
    auto& lists = lists_;
    auto& cur = cursor_;
    const size_t words = lists.size() - 1;
    const uint32_t* marks = lists.back().first;
    const uint32_t n_marks = lists.back().second;
    uint32_t matches = 0, s = 0;
    uint64_t done_until = 0;  // positions of the first term below this: in a sentence already checked
    for (uint32_t a = 0; a < n0; ++a) {
      if (p0[a] < done_until) continue;
      while (s + 1 < n_marks && marks[s + 1] <= p0[a]) ++s;
      // The sentence [start, end) of p0[a]; before the first mark, [0, first mark).
      const bool after_first = n_marks > 0 && marks[s] <= p0[a];
      const uint64_t start = after_first ? marks[s] : 0;
      const uint64_t end =
          after_first ? (s + 1 < n_marks ? marks[s + 1] : UINT64_MAX) : (n_marks > 0 ? marks[0] : UINT64_MAX);
      done_until = end;
      bool all = true;
      for (size_t i = 0; i < words && all; ++i) {
        auto& [p, n] = lists[i];
        while (cur[i] < n && p[cur[i]] < start) ++cur[i];
        all = cur[i] < n && p[cur[i]] < end;
      }
      if (all && ++matches && first_only) break;
    }
    return matches;
  }

  // Sloppy phrase: for each position of the first term, the earliest positions
  // of the others in order, each at least its phrase distance after the one
  // before; a match if the whole spans at most slop_ more than the phrase.
  uint32_t CountSloppy(const uint32_t* p0, uint32_t n0, bool first_only) {
    if (!LoadOtherPositions()) return 0;
    auto& lists = lists_;
    auto& cur = cursor_;
    const uint64_t allowed = uint64_t{gaps_.back()} - gaps_[0] + slop_;
    uint32_t matches = 0;
    for (uint32_t a = 0; a < n0; ++a) {
      uint64_t at = p0[a];
      for (size_t i = 0; i < lists.size(); ++i) {
        uint64_t want = at + (gaps_[i + 1] - gaps_[i]);
        auto& [p, n] = lists[i];
        while (cur[i] < n && p[cur[i]] < want) ++cur[i];  // only grows as `a` does
        if (cur[i] == n) return matches;                  // no later start can match either
        at = p[cur[i]];
      }
      if (at - p0[a] <= allowed && ++matches && first_only) break;
    }
    return matches;
  }

  std::vector<std::unique_ptr<PostingsCursor>> terms_;
  std::vector<uint32_t> gaps_;
  uint32_t slop_ = 0;
  bool sentence_;
  size_t scored_;  // terms_[0, scored_) are words (the rest: sentence marks)
  std::vector<size_t> order_;
  uint32_t freq_ = 0;
  double theta_ = 0;  // SetMinCompetitive's
  std::vector<std::pair<const uint32_t*, uint32_t>> lists_;
  std::vector<uint32_t> cursor_;
  std::vector<uint32_t> bases_;  // CountMatches: phrase starts still possible
};

}  // namespace loupe::search_internal
#pragma GCC visibility pop

#endif  // LOUPE_SEARCH_PHRASE_ITERATORS_H_
