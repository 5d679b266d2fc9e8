// Hand-written lexer: the grammar sees only operators, parentheses, FIELD names,
// TERMs and PHRASEs. See docs/query-language.md for the rules.
#include <cctype>
#include <cstring>

#include "builder.h"
#include "grammar.h"

namespace loupe::qp {
namespace {

// A plausible value for FIELD, for "expects a value" hints.
std::string ExampleValue(std::string_view field) {
  std::string f(field);
  for (auto& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (f == "actor") return "Bessent";
  if (f == "author") return "Smith";
  return "tariffs";
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Length of a quote mark at text[i]: '"' is 1, “ and ” are 3; 0 if none.
size_t OpenQuote(std::string_view t, size_t i) {
  if (t[i] == '"') return 1;
  if (t.compare(i, 3, "\xE2\x80\x9C") == 0 || t.compare(i, 3, "\xE2\x80\x9D") == 0) return 3;
  return 0;
}

bool Stops(std::string_view t, size_t i) {
  char c = t[i];
  return IsSpace(c) || c == '(' || c == ')' || OpenQuote(t, i) > 0;
}

bool IsFieldName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsDateKey(std::string_view s) {
  for (const char* k : {"before", "after", "on", "date", "since", "until"}) {
    if (s.size() != std::strlen(k)) continue;
    bool eq = true;
    for (size_t i = 0; i < s.size(); ++i)
      if ((s[i] | 0x20) != k[i]) eq = false;
    if (eq) return true;
  }
  return false;
}

}  // namespace

Status Lex(std::string_view t, std::vector<LexToken>* out) {
  size_t i = 0, n = t.size();
  while (i < n) {
    char c = t[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    if (c == '(' || c == ')') {
      out->push_back({c == '(' ? LQ_LPAREN : LQ_RPAREN, std::string(1, c), i, 1});
      ++i;
      continue;
    }
    if (size_t q = OpenQuote(t, i)) {
      size_t start = i, j = i + q;
      size_t close = 0;
      while (j < n && !(close = (t[j] == '"' ? 1 : (t.compare(j, 3, "\xE2\x80\x9D") == 0 ? 3 : 0)))) ++j;
      if (j >= n)
        return Status::QuerySyntax("unbalanced quote: this '\"' has no closing quote", start, q);
      out->push_back({LQ_PHRASE, std::string(t.substr(start + q, j - start - q)), start, j + close - start, start + q});
      i = j + close;
      continue;
    }
    if (c == '-' && i + 1 < n && !IsSpace(t[i + 1]) && t[i + 1] != ')') {
      out->push_back({LQ_MINUS, "-", i, 1});
      ++i;
      continue;
    }
    size_t start = i;
    while (i < n && !Stops(t, i)) ++i;
    std::string_view word = t.substr(start, i - start);
    if (word == "AND" || word == "OR" || word == "NOT") {
      out->push_back({word == "AND" ? LQ_AND : word == "OR" ? LQ_OR : LQ_NOT, std::string(word), start, word.size()});
      continue;
    }
    size_t colon = word.find(':');
    if (colon != std::string_view::npos && IsFieldName(word.substr(0, colon))) {
      std::string_view name = word.substr(0, colon);
      size_t after = start + colon + 1;
      if (after < i) {
        // field:value within the same word.
        out->push_back({LQ_FIELD, std::string(name), start, colon + 1});
        out->push_back({LQ_TERM, std::string(t.substr(after, i - after)), after, i - after, after});
        continue;
      }
      if (after < n && OpenQuote(t, after)) {
        out->push_back({LQ_FIELD, std::string(name), start, colon + 1});
        continue;  // the phrase is lexed next
      }
      if (after < n && t[after] == '(') {
        out->push_back({LQ_FIELD, std::string(name), start, colon + 1});
        i = after;  // the group's '(' is lexed next
        continue;
      }
      std::string msg = IsDateKey(name)
                            ? "'" + std::string(name) + ":' expects a date right after the colon, e.g. " +
                                  std::string(name) + ":2025-09-17"
                            : "'" + std::string(name) + ":' expects a value right after the colon, e.g. " +
                                  std::string(name) + ":" + ExampleValue(name);
      return Status::QuerySyntax(msg, start, colon + 1);
    }
    out->push_back({LQ_TERM, std::string(word), start, word.size(), start});
  }
  return Status::OK();
}

}  // namespace loupe::qp
