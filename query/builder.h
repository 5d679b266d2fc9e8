// Lexer tokens and the Builder that the Lemon grammar's actions call.
// Private to query/.
#ifndef LOUPE_QUERY_BUILDER_H_
#define LOUPE_QUERY_BUILDER_H_

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/query_parser.h"
#include "loupe/status.h"
#include "util/ascii.h"  // Lower: keys and field names in any case

namespace loupe::qp {

struct LexToken {
  int type = 0;             // LQ_* from the generated grammar.h
  std::string text;         // for TERM/PHRASE: the text (unquoted); FIELD: the name
  size_t offset = 0;        // byte offset in the query
  size_t length = 0;        // bytes covered in the query (quotes and colon included)
  size_t value_offset = 0;  // where the text starts (after an opening quote)
  double boost = 1.0;       // TERM/PHRASE: the N of a trailing ^N
  uint32_t slop = 0;        // PHRASE: the N of a trailing ~N
  bool sentence = false;    // NEAR: NEAR/s (the same sentence)
};

// Names with a meaning before a colon, in lower case: the searchable fields and
// the date keys. Shared by the lexer (is `name:` a field?) and the planner.
inline constexpr const char* kFieldNames[] = {"title", "author", "actor", "topic", "mentions"};
inline constexpr const char* kDateKeys[] = {"before", "after", "on", "date", "since", "until"};
// Other names of fields, for people used to mail search: from: is author:,
// subject: is title:.
inline constexpr const char* kFieldAliases[][2] = {{"from", "author"}, {"subject", "title"}};

// The field `name:` names, in lower case, with an alias replaced by its field.
std::string FieldName(std::string_view name);
// The field name, alias or date key that `name` is a typo of, or "": when
// `name` has four letters or more, starts with the key's first letter and is
// within one edit of it (four letters) or two (longer). The nearest one wins.
// `more`: other names to consider (an index's custom fields, lower case).
std::string TypoOf(std::string_view name, const std::vector<std::string>& more = {});

// Whether s names a date key, in any case.
bool IsDateKey(std::string_view s);

// Splits a query into tokens. On error returns the status and leaves *out partial.
Status Lex(std::string_view text, std::vector<LexToken>* out);

struct Node {
  QueryNode::Kind kind;
  const LexToken* op = nullptr;  // kNear: the NEAR/n or ADJ/n token
  const LexToken* field = nullptr;
  const LexToken* token = nullptr;
  std::vector<Node*> children;
  size_t offset = 0, length = 0;
};

// Builds the syntax tree. Owns every node (an arena), so the parser's symbols are
// plain pointers and nothing leaks when a parse is abandoned.
class Builder {
 public:
  // `toks` are the tokens being parsed (for fix-its that look at a neighbour).
  Builder(std::string_view text, const std::vector<LexToken>& toks) : text_(text), toks_(toks) {}

  Node* Leaf(const LexToken* field, const LexToken* value);
  Node* And(Node* a, Node* b) { return Binary(QueryNode::Kind::kAnd, a, b); }
  Node* Or(Node* a, Node* b) { return Binary(QueryNode::Kind::kOr, a, b); }
  Node* Not(const LexToken* op, Node* a) { return Unary(QueryNode::Kind::kNot, op, a); }
  Node* Required(const LexToken* op, Node* a) { return Unary(QueryNode::Kind::kRequired, op, a); }
  // a NEAR/n b, a ADJ/n b: two words within n positions (ADJ: in that order).
  Node* Near(Node* a, const LexToken* op, Node* b);
  // field:( ... ): gives the field to every term and phrase of the group.
  Node* FieldGroup(const LexToken* field, Node* group, const LexToken* close);
  void SetRoot(Node* n) { root_ = n; }

  void SyntaxError(const LexToken* at);
  void Overflow();
  void Failure();

  Node* root() const { return root_; }
  const Status& status() const { return status_; }
  bool failed() const { return !status_.ok(); }

 private:
  Node* Binary(QueryNode::Kind kind, Node* a, Node* b);
  Node* Unary(QueryNode::Kind kind, const LexToken* op, Node* a);
  Node* New();
  void Fail(Status s) {
    if (status_.ok()) status_ = std::move(s);
  }

  std::string_view text_;
  const std::vector<LexToken>& toks_;
  std::deque<Node> arena_;
  Node* root_ = nullptr;
  Status status_;
};

}  // namespace loupe::qp

#endif  // LOUPE_QUERY_BUILDER_H_
