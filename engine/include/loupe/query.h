// Query: the engine's query objects, built by the query parser or by hand.
//
// Thread-safety: a Query is an immutable value; share it between threads
// freely (copies share nothing mutable).
//
// A Query is an immutable value tree. Leaves name already-analyzed terms: the
// engine does not analyze query text (the query/ planner does that with the
// same Analyzer used at index time).
//
//   Query::Term(Field::kBody, "tariff")
//   Query::Phrase(Field::kActor, {"he", "lifeng"})
//   Query::And({a, b}), Query::Or({a, b}), Query::Not(a)
//   Query::DateRange(lo, hi)     inclusive, in Days; undated documents never match
//   Query::Boost(q, 2.0)         q with its score multiplied by 2 (matches unchanged)
//   Query::AndMaybe(r, o)        the matches of r; those that o matches too add
//                                o's score (o alone matches nothing)
//   Query::Prefix(Field::kBody, "tarif")   every term of the field starting with
//                                "tarif", as an OR of those terms (see below)
//   Query::All()                 every live document
//
// Not(x) matches every live document that x does not match; inside an And it is
// evaluated as an exclusion. Scores: a document's score is the sum of the BM25
// scores of the term and phrase leaves it matches (Not and DateRange add nothing).
#ifndef LOUPE_QUERY_H_
#define LOUPE_QUERY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "loupe/document.h"

namespace loupe {

class Query {
 public:
  enum class Kind {
    kTerm,
    kPhrase,
    kAnd,
    kOr,
    kNot,
    kDateRange,
    kAll,
    kNone,
    kPrefix,
    kBoost,
    kFuzzy,
    kAndMaybe,
    kSentence,
    kExact
  };

  // Expansions a Prefix query searches at most unless told otherwise.
  static constexpr uint32_t kDefaultMaxExpansions = 1024;

  static Query Term(Field field, std::string term);
  // `terms` must be consecutive tokens; `gaps[i]` is the position distance of
  // terms[i] from terms[0] (default: 0, 1, 2, ...).
  static Query Phrase(Field field, std::vector<std::string> terms, std::vector<uint32_t> gaps = {});
  // The terms in this order, term i after term i-1, spanning at most `slop` more
  // positions than the exact phrase would ("a b"~2: up to two words between).
  static Query SloppyPhrase(Field field, std::vector<std::string> terms, std::vector<uint32_t> gaps, uint32_t slop);
  static Query And(std::vector<Query> children);
  static Query Or(std::vector<Query> children);
  static Query Not(Query child);
  static Query DateRange(Days lo, Days hi);
  // `child` with its score multiplied by `factor` (> 0); the matches are the same.
  static Query Boost(Query child, double factor);
  // What `required` matches, scored as `required` plus `optional` for the
  // documents that `optional` also matches (Lucene's SHOULD beside MUST, Xapian's
  // AND_MAYBE): `tariffs OR +china` finds every china document and ranks those
  // about tariffs higher.
  static Query AndMaybe(Query required, Query optional);
  // Documents where all `terms` (two or more) occur in one sentence of `field`
  // (title or body; sentences by ICU's rules, recorded at index time), in any
  // order. Scored like a phrase whose frequency is the number of such sentences.
  static Query SameSentence(Field field, std::vector<std::string> terms);
  // The word `form` exactly as written in `field`, not a word of the same stem:
  // the documents of `term` (the field's analyzed form of the word), checked
  // against their stored text re-analyzed without stemming. With `match_case`,
  // the token's bytes must equal `form` (typographic apostrophes read as '); else
  // its folded, unstemmed form must. Scored as `term` with the exact
  // occurrences as its frequency. Reads each candidate's stored document, so it
  // costs far more per document than a term.
  static Query Exact(Field field, std::string term, std::string form, bool match_case);
  // Every indexed term of `field` that starts with the bytes of `prefix` (already
  // folded like the field's terms; an empty prefix is every term), scored as an
  // OR of those terms. When more than max_expansions terms match, the
  // max_expansions with the highest document frequency are searched and the
  // search reports a warning (SearchResults::warnings).
  static Query Prefix(Field field, std::string prefix, uint32_t max_expansions = kDefaultMaxExpansions);
  // Every indexed term of `field` within `max_edits` (0 to 2) insertions,
  // deletions or substitutions of bytes from `term` (already analyzed like the
  // field's terms), scored as an OR of those terms; capped like Prefix, at 64
  // expansions unless told otherwise.
  static Query Fuzzy(Field field, std::string term, uint32_t max_edits, uint32_t max_expansions = 64);
  static Query All();
  // Matches nothing (e.g. a term that analyzes to no tokens inside an OR).
  static Query None();

  Kind kind() const { return kind_; }
  Field field() const { return field_; }
  const std::vector<std::string>& terms() const { return terms_; }  // one for kTerm and kPrefix
  uint32_t max_expansions() const { return max_expansions_; }       // kPrefix
  double boost() const { return boost_; }                           // kBoost
  uint32_t slop() const { return slop_; }                           // kPhrase: 0 = exact
  uint32_t max_edits() const { return max_edits_; }                 // kFuzzy
  bool match_case() const { return match_case_; }                   // kExact (terms: term, form)
  const std::vector<uint32_t>& gaps() const { return gaps_; }
  const std::vector<Query>& children() const { return children_; }  // kAndMaybe: required, optional
  Days lo() const { return lo_; }
  Days hi() const { return hi_; }

  // Where in a query text this node came from, for messages about it: the
  // planner sets it on the leaves it makes from a word or phrase, so that a
  // search refused at a leaf (a limit of SearchOptions passed) can point at
  // the word. kNoSource when unknown (queries built by hand). Not part of the
  // query's meaning: ToString() and matching ignore it.
  static constexpr size_t kNoSource = static_cast<size_t>(-1);
  size_t source_offset() const { return source_offset_; }
  size_t source_length() const { return source_length_; }
  // This query with the source span set on it and on every node under it that
  // has none yet.
  Query WithSource(size_t offset, size_t length) &&;

  // Canonical form used by tests and explain, e.g.
  // (AND actor:bessent topic:tariff date:[..2025-09-16]).
  std::string ToString() const;

 private:
  // Appends ToString()'s text to *out (one buffer for the whole tree).
  void AppendTo(std::string* out) const;
  Kind kind_ = Kind::kNone;
  Field field_ = Field::kBody;
  std::vector<std::string> terms_;
  std::vector<uint32_t> gaps_;
  std::vector<Query> children_;
  Days lo_ = 0, hi_ = 0;
  uint32_t max_expansions_ = 0;
  double boost_ = 1.0;
  uint32_t slop_ = 0;
  uint32_t max_edits_ = 0;
  bool match_case_ = false;
  size_t source_offset_ = kNoSource;
  size_t source_length_ = 0;
};

// Smallest and largest representable dates, used for open ranges.
inline constexpr Days kMinDays = -719162;  // 0001-01-01
inline constexpr Days kMaxDays = 2932896;  // 9999-12-31

// Order of search hits: by score (best first), or by date, oldest or newest
// first; undated documents come last in both date orders, ties by doc id.
enum class SortOrder { kRelevance, kDateAscending, kDateDescending };

}  // namespace loupe

#endif  // LOUPE_QUERY_H_
