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
#include <string>
#include <string_view>
#include <optional>
#include <vector>

#include "loupe/analyzer.h"
#include "loupe/query.h"
#include "loupe/status.h"

namespace loupe {

// Syntax tree of a query, before field names, dates and terms are interpreted.
struct QueryNode {
  enum class Kind { kTerm, kPhrase, kAnd, kOr, kNot, kNear };
  Kind kind = Kind::kTerm;
  std::string field;         // as written (empty for bare terms); kTerm and kPhrase only
  std::string text;          // term or phrase text, unquoted
  size_t offset = 0;         // byte offset of the node's text (of the field name if any)
  size_t length = 0;         // bytes, including the field prefix
  size_t value_offset = 0;   // byte offset of the text after "field:"
  double boost = 1.0;        // kTerm and kPhrase: N of a trailing ^N (score weight)
  uint32_t slop = 0;         // kPhrase: N of a trailing ~N (words allowed in between)
  uint32_t distance = 0;     // kNear: n of NEAR/n or ADJ/n (two children)
  bool ordered = false;      // kNear: ADJ (the first child comes first)
  size_t op_offset = 0;      // kNear: where the operator is
  std::vector<QueryNode> children;

  // Canonical form for tests: (AND a (OR b c) (NOT d)) with fields as field:text
  // (field names lower-cased) and phrases in double quotes.
  std::string ToString() const;
};

// Limits that keep hostile queries bounded.
inline constexpr size_t kMaxQueryBytes = 64 * 1024;
inline constexpr int kMaxQueryDepth = 100;

// Parses `text` into a syntax tree. Errors (kQuerySyntax): empty query, unbalanced
// parentheses or quotes, an operator with a missing operand, a field with no
// value, a query over 64 KiB or nested more than 100 levels.
Result<QueryNode> ParseQuery(std::string_view text);

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
};

// Interprets a syntax tree: checks field names (suggesting the nearest known one),
// parses dates, and analyzes terms with `analyzer` exactly as the index did.
// Errors (kQuerySyntax) carry offsets into the text the tree was parsed from.
Result<Query> PlanQuery(const QueryNode& tree, Analyzer& analyzer, const PlanOptions& options = {});

// ParseQuery then PlanQuery.
Result<Query> CompileQuery(std::string_view text, Analyzer& analyzer, const PlanOptions& options = {});

}  // namespace loupe

#endif  // LOUPE_QUERY_PARSER_H_
