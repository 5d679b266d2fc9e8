// Query language front end: text -> syntax tree -> engine Query.
//
//   auto analyzer = loupe::Analyzer::Create();
//   auto q = loupe::CompileQuery("actor:Bessent AND topic:tariffs before:2025-09-17", **analyzer);
//   if (!q.ok()) { q.status().offset() is the byte offset of the fault }
//   auto hits = index->Search(*q);
//
// The language (version 0.1) is described in docs/query-language.md. Errors are
// Status values with code kQuerySyntax, a message, and the byte offset and length
// of the fault in the query text. The first error wins.
//
// Thread-safety: the functions are reentrant; an Analyzer must not be shared
// between threads (see loupe/analyzer.h).
#ifndef LOUPE_QUERY_PARSER_H_
#define LOUPE_QUERY_PARSER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/analyzer.h"
#include "loupe/index.h"
#include "loupe/query.h"
#include "loupe/status.h"
#include "loupe/tagger.h"  // Gazetteer

namespace loupe {
class Index;  // loupe/index.h
}  // namespace loupe

namespace loupe {

// Syntax tree of a query, before field names, dates and terms are interpreted.
struct QueryNode {
  // kRequired: `+x` (one child), x must match; it matters inside OR, where the
  // required parts must match and the others only add to the score.
  enum class Kind { kTerm, kPhrase, kAnd, kOr, kNot, kNear, kRequired };
  Kind kind = Kind::kTerm;
  std::string field;        // as written (empty for bare terms); kTerm and kPhrase only
  std::string text;         // term or phrase text, unquoted
  size_t offset = 0;        // byte offset of the node's text (of the field name if any)
  size_t length = 0;        // bytes, including the field prefix
  size_t value_offset = 0;  // byte offset of the text after "field:"
  double boost = 1.0;       // kTerm and kPhrase: N of a trailing ^N (score weight)
  uint32_t slop = 0;        // kPhrase: N of a trailing ~N (words allowed in between)
  uint32_t distance = 0;    // kNear: n of NEAR/n or ADJ/n (two children)
  bool ordered = false;     // kNear: ADJ (the first child comes first)
  bool sentence = false;    // kNear: NEAR/s, the same sentence (distance 0)
  size_t op_offset = 0;     // kNear: where the operator is
  size_t op_length = 0;     // kNear: the operator's length in bytes
  std::vector<QueryNode> children;

  // Canonical form for tests: (AND a (OR b c) (NOT d) (+ e)) with fields as
  // field:text (field names lower-cased) and phrases in double quotes.
  std::string ToString() const;
};

// Limits that keep hostile queries bounded.
inline constexpr size_t kMaxQueryBytes = 64 * 1024;
inline constexpr int kMaxQueryDepth = 100;

// Diagnostic, one finding about a query (an error or a warning, with its
// place and fix-it), is declared in loupe/status.h: a failed Status holds one.

// Parses `text` into a syntax tree. Errors (kQuerySyntax): empty query, unbalanced
// parentheses or quotes, an operator with a missing operand, a field with no
// value, a query over 64 KiB, nested more than 100 parentheses deep, or nesting
// operators (NOT, -, +, groups) more than 200 deep. Every error that has
// an obvious repair carries it as a fix-it (Status::has_fix()).
// If `warnings` is set it receives warnings about a query that parses but likely
// means something else (`tariffs or duties`: lower-case `or` is a word).
Result<QueryNode> ParseQuery(std::string_view text, std::vector<Diagnostic>* warnings = nullptr);

// How a query is planned.
struct PlanOptions {
  // The day relative dates count back from (7d, 2w, 3m, 1y, today, yesterday);
  // empty: today (UTC) by the system clock.
  std::optional<Days> now;
  // If set, receives one line per relative date the query used, saying what it
  // resolved to, e.g. "7d = 2025-09-13".
  std::vector<std::string>* resolved = nullptr;
  // If set, receives the order a sort:date, sort:-date or sort:relevance in the
  // query asks for (left unchanged when the query has none).
  SortOrder* sort = nullptr;
  // CompileQuery only. Each error that has a fix-it is repaired and the query
  // read again, to find every error rather than the first only. Strict (false,
  // the default): any error rejects the query, with the first one found as the
  // status. Lenient (true): the repaired query, the best reading of what was
  // meant, runs, and its repairs are reported as warnings. An error with no
  // repair (an empty query, nesting beyond the limit) rejects the query in
  // both modes.
  bool lenient = false;
  // If set, receives every diagnostic, with offsets into the text given to
  // CompileQuery: warnings and repaired errors (errors in strict mode, warnings
  // in lenient mode) by offset, then an error that could not be repaired, if any.
  std::vector<Diagnostic>* diagnostics = nullptr;
  // CompileQuery only. If set, receives the query text that was compiled: the
  // text given, or in lenient mode the text after its repairs.
  std::string* reading = nullptr;
  // If set, `actor:NAME` searches the actor NAME names (by any of its names)
  // under its canonical name, the name an index that tags with this gazetteer
  // files it under (Tagger::Tag), so `actor:何立峰` finds articles that declare
  // He Lifeng, scored the same; and `mentions:NAME` searches titles and bodies
  // for any of its names. Without it both take NAME as written.
  const Gazetteer* gazetteer = nullptr;
  // The index's custom fields (ListCustomFields in loupe/custom_fields.h):
  // `name:value` searches one of them as a keyword (Field::kCustom), names
  // compared without regard to case. A built-in field, alias or date key of
  // the same name wins. A name that is none of these is an unknown field, and
  // its error lists these names too.
  std::vector<std::string> custom_fields = {};
  // The stemmers (Snowball names, e.g. {"english", "french"}) the index's
  // documents were stemmed with (IndexAnalysis::languages): a word of the
  // title or body is stemmed with each (topics, in English only), and the distinct
  // stems are searched as alternatives (an OR: a document is stemmed in one
  // language, so it usually holds one of them and scores as with that stem
  // alone). Empty: the analyzer's own stemmer only. A `lang:` in the query
  // replaces the list with its language.
  std::vector<std::string> stemming_languages = {};
};

// How an index's documents were analyzed (loupe::kAnalysisMetadataKey), so
// that queries are analyzed alike.
struct IndexAnalysis {
  std::vector<std::string> languages;  // Snowball names; {"english"} for an index without the record
  bool fold_diacritics = false;
  // Options for an Analyzer that analyzes as the index did.
  AnalyzerOptions analyzer_options() const {
    AnalyzerOptions o;
    o.fold_diacritics = fold_diacritics;
    return o;
  }
};

// Reads `index`'s analysis record. Members it does not know are ignored.
// Errors: kCorruption (the record is not a JSON object with a list of
// languages), kIOError and the other errors of Index::GetMetadata.
Result<IndexAnalysis> ReadIndexAnalysis(const Index& index);

// Interprets a syntax tree: checks field names (suggesting the nearest known one),
// parses dates, and analyzes terms with `analyzer` exactly as the index did.
// Errors (kQuerySyntax) carry offsets into the text the tree was parsed from.
Result<Query> PlanQuery(const QueryNode& tree, Analyzer& analyzer, const PlanOptions& options = {});

// ParseQuery then PlanQuery; in lenient mode (options.lenient) repairs what it
// can first (see PlanOptions). Errors carry offsets into `text`.
Result<Query> CompileQuery(std::string_view text, Analyzer& analyzer, const PlanOptions& options = {});

// CompileQuery for searching `index`, as `loupe search` does: words analyzed
// as the index analyzed them (ReadIndexAnalysis: its analyzer options, and
// each of its stemming languages unless options.stemming_languages is set),
// and actor names resolved with the index's own
// gazetteer (Index::GetGazetteer) unless options.gazetteer is set, and the
// index's custom fields (ListCustomFields) unless options.custom_fields is. Errors:
// those of CompileQuery, and kCorruption or kIOError reading the index.
Result<Query> CompileQuery(std::string_view text, const Index& index, const PlanOptions& options = {});

}  // namespace loupe

#endif  // LOUPE_QUERY_PARSER_H_
