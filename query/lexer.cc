// Hand-written lexer: the grammar sees only operators, parentheses, FIELD names,
// TERMs and PHRASEs. See docs/query-language.md for the rules.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "builder.h"
#include "grammar.h"
#include "util/edits.h"

namespace loupe::qp {
namespace {

// A plausible value for FIELD, for "expects a value" hints.
std::string ExampleValue(std::string_view field) {
  std::string f = FieldName(field);
  if (f == "actor") return "Bessent";
  if (f == "author") return "Smith";
  if (f == "sort") return "-date";
  if (f == "lang") return "fr";
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

// Where the word going on at i ends.
size_t WordEnd(std::string_view t, size_t i) {
  while (i < t.size() && !Stops(t, i)) ++i;
  return i;
}

bool IsFieldName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && ((c >= '0' && c <= '9') || c == '-'))) return false;
  }
  return true;
}

// Whether `name` is within the edits of a typo of `key` (see TypoOf).
bool IsTypo(const std::string& lower, std::string_view key) {
  size_t most = lower.size() <= 4 ? 1 : 2;
  return lower.size() >= 4 && lower[0] == key[0] && EditDistance(lower, key) <= most;
}

// Whether `name:` is a field even with no value after the colon (so that
// `actor: Bessent` is reported): a known field, alias or date key (`body` too,
// to say it is not one), or a typo of one, which the planner then reports with
// a suggestion.
bool NamesAField(std::string_view name) {
  std::string lower = Lower(name);
  auto close = [&](std::string_view k) { return lower == k || IsTypo(lower, k); };
  return std::any_of(std::begin(kFieldNames), std::end(kFieldNames), close) ||
         std::any_of(std::begin(kDateKeys), std::end(kDateKeys), close) ||
         std::any_of(std::begin(kFieldAliases), std::end(kFieldAliases), [&](auto& a) { return close(a[0]); }) ||
         close("body") || close("sort") || close("lang");
}

// Whether `name:` followed by `rest` (the query after the colon) is meant as a
// field, known or not: a name of ASCII letters, with '-' or '_' between them
// (`x-mailer:`, the custom fields of loupe/custom_fields.h), with a value
// right after the colon (a word, a phrase or a group). A name with digits
// (`12:30`, `Q3:results`), or a value starting with '/' or a backslash (a
// URL, a Windows path) or ':' (`std::vector`) is text. The planner reports a
// name that is no field, so that `party:Republican` does not quietly search
// two words.
bool MeantAsField(std::string_view name, std::string_view rest) {
  if (rest.empty() || IsSpace(rest[0]) || rest[0] == ')' || rest[0] == '/' || rest[0] == '\\' || rest[0] == ':')
    return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (name.empty() || !letter(name.front()) || !letter(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return letter(c) || c == '-' || c == '_'; });
}

// A trailing ^N on a word sets the word's boost: *text becomes the word before
// the '^'. A '^' followed by something that is not a number is left in the text.
Status SplitBoost(std::string_view word, size_t offset, std::string* text, double* boost) {
  *text = std::string(word);
  size_t caret = word.rfind('^');
  if (caret == std::string_view::npos) return Status::OK();
  std::string_view num = word.substr(caret + 1);
  bool number = !num.empty() && num.find_first_not_of("0123456789.") == std::string_view::npos &&
                num.find_first_of("0123456789") != std::string_view::npos && num.find('.') == num.rfind('.');
  if (num.empty())
    return Status::QuerySyntax("'^' needs a number after it to boost the word before it, e.g. tariffs^2",
                               offset + caret, 1)
        .WithFix(offset + caret, 1, "");
  if (!number) return Status::OK();
  if (caret == 0)
    return Status::QuerySyntax("'^" + std::string(num) + "' boosts the word or phrase right before it, e.g. tariffs^2",
                               offset, word.size())
        .WithFix(offset, word.size(), "");
  double v = std::strtod(std::string(num).c_str(), nullptr);
  if (!(v > 0) || v > 1000)
    return Status::QuerySyntax("a boost must be more than 0 and at most 1000, e.g. tariffs^2 or tariffs^0.5",
                               offset + caret, word.size() - caret)
        .WithFix(offset + caret, word.size() - caret, "");
  *boost = v;
  text->resize(caret);
  return Status::OK();
}

}  // namespace

bool IsDateKey(std::string_view s) {
  std::string lower = Lower(s);
  return std::any_of(std::begin(kDateKeys), std::end(kDateKeys), [&](const char* k) { return lower == k; });
}

std::string FieldName(std::string_view name) {
  std::string lower = Lower(name);
  for (const auto& a : kFieldAliases)
    if (lower == a[0]) return a[1];
  return lower;
}

std::string TypoOf(std::string_view name, const std::vector<std::string>& more) {
  std::string lower = Lower(name), best;
  size_t best_d = 3;
  auto consider = [&](std::string_view k) {
    if (size_t d = EditDistance(lower, k); IsTypo(lower, k) && d < best_d) best_d = d, best = std::string(k);
  };
  for (const char* k : kFieldNames) consider(k);
  for (const char* k : kDateKeys) consider(k);
  for (const auto& a : kFieldAliases) consider(a[0]);
  for (const std::string& k : more) consider(k);
  return best;
}

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
        return Status::QuerySyntax("unbalanced quote: this '\"' has no closing quote", start, q).WithFix(n, 0, "\"");
      out->push_back({LQ_PHRASE, std::string(t.substr(start + q, j - start - q)), start, j + close - start, start + q});
      i = j + close;
      if (i < n && t[i] == '~') {  // "phrase"~N
        size_t b = i++;
        uint64_t slop = 0;
        size_t digits = 0;
        while (i < n && t[i] >= '0' && t[i] <= '9' && digits < 9)
          slop = slop * 10 + static_cast<uint64_t>(t[i++] - '0'), ++digits;
        if (digits == 0 || slop > 1000 || (i < n && !Stops(t, i) && t[i] != '^'))
          return Status::QuerySyntax(
                     "'~' after a phrase takes the number of words allowed in between, 0 to 1000, "
                     "e.g. \"trade talks\"~3",
                     b, std::max<size_t>(i - b, 1))
              .WithFix(b, WordEnd(t, i) - b, "");
        out->back().slop = static_cast<uint32_t>(slop);
        out->back().length = i - start;
      }
      if (i < n && t[i] == '^') {  // "phrase"^N
        size_t b = i;
        i = WordEnd(t, i);
        // Read as if it followed a one-letter word, so the rules are those of words.
        std::string rest;
        double boost = 1.0;
        Status bs = SplitBoost("p" + std::string(t.substr(b, i - b)), b - 1, &rest, &boost);
        if (!bs.ok()) return bs;
        if (rest != "p")
          return Status::QuerySyntax("a boost after a phrase is written \"...\"^N, e.g. \"trade talks\"^2", b, i - b)
              .WithFix(b, i - b, "");
        out->back().boost = boost;
        out->back().length = i - start;
      }
      continue;
    }
    if ((c == '-' || (c == '+' && i + 1 < n && t[i + 1] != '+')) && i + 1 < n && !IsSpace(t[i + 1]) &&
        t[i + 1] != ')') {
      out->push_back({c == '-' ? LQ_MINUS : LQ_PLUS, std::string(1, c), i, 1});
      ++i;
      continue;
    }
    size_t start = i;
    i = WordEnd(t, i);
    std::string_view word = t.substr(start, i - start);
    if (word == "AND" || word == "OR" || word == "NOT") {
      out->push_back({word == "AND" ? LQ_AND : word == "OR" ? LQ_OR : LQ_NOT, std::string(word), start, word.size()});
      continue;
    }
    if (word.rfind("NEAR/", 0) == 0 || word.rfind("ADJ/", 0) == 0) {  // proximity: NEAR/n (any order), ADJ/n
      size_t slash = word.find('/');
      std::string_view num = word.substr(slash + 1);
      if (num == "s") {  // NEAR/s: the same sentence
        if (word[0] == 'A')
          return Status::QuerySyntax(
                     "'ADJ/s' is not supported: NEAR/s finds two words in one sentence, in either order", start,
                     word.size())
              .WithFix(start, word.size(), "NEAR/s");
        LexToken tok{LQ_NEAR, std::string(word), start, word.size()};
        tok.sentence = true;
        tok.boost = 0;  // not ordered
        out->push_back(tok);
        continue;
      }
      uint32_t d = 0;
      bool ok = !num.empty() && num.size() <= 4;
      for (char c : num) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) d = d * 10 + static_cast<uint32_t>(c - '0');
      }
      if (!ok || d == 0 || d > 1000) {
        // Fix: the nearest valid distance, or 10 (the usual default) when there is no number.
        uint32_t fixed = !ok ? 10 : d == 0 ? 1 : 1000;
        return Status::QuerySyntax("'" + std::string(word.substr(0, slash)) +
                                       "/n' needs a distance in words from 1 to 1000, e.g. tariffs " +
                                       std::string(word.substr(0, slash)) + "/5 soybeans",
                                   start, word.size())
            .WithFix(start, word.size(), std::string(word.substr(0, slash + 1)) + std::to_string(fixed));
      }
      LexToken tok{LQ_NEAR, std::string(word), start, word.size()};
      tok.slop = d;                        // the distance
      tok.boost = word[0] == 'A' ? 1 : 0;  // 1: ordered (ADJ)
      out->push_back(tok);
      continue;
    }
    size_t colon = word.find(':');
    if (colon != std::string_view::npos && IsFieldName(word.substr(0, colon)) &&
        (NamesAField(word.substr(0, colon)) || MeantAsField(word.substr(0, colon), t.substr(start + colon + 1)))) {
      std::string_view name = word.substr(0, colon);
      size_t after = start + colon + 1;
      if (after < i) {
        // field:value within the same word.
        out->push_back({LQ_FIELD, std::string(name), start, colon + 1});
        std::string text;
        double boost = 1.0;
        Status bs = SplitBoost(t.substr(after, i - after), after, &text, &boost);
        if (!bs.ok()) return bs;
        out->push_back({LQ_TERM, std::move(text), after, i - after, after, boost});
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
      std::string msg = IsDateKey(name) ? "'" + std::string(name) + ":' expects a date right after the colon, e.g. " +
                                              std::string(name) + ":2025-09-17"
                                        : "'" + std::string(name) + ":' expects a value right after the colon, e.g. " +
                                              std::string(name) + ":" + ExampleValue(name);
      // Fix: join the value that follows after spaces (`before: 2025-09-17`), or
      // drop the field name when nothing follows.
      size_t next = after;
      while (next < n && IsSpace(t[next])) ++next;
      Status err = Status::QuerySyntax(msg, start, colon + 1);
      std::string_view following = t.substr(next, WordEnd(t, next) - next);
      bool op = following == "AND" || following == "OR" || following == "NOT" || following.rfind("NEAR/", 0) == 0 ||
                following.rfind("ADJ/", 0) == 0;
      if (next < n && next > after && t[next] != ')' && !op) return std::move(err).WithFix(after, next - after, "");
      return std::move(err).WithFix(start, colon + 1, "");
    }
    std::string text;
    double boost = 1.0;
    Status bs = SplitBoost(word, start, &text, &boost);
    if (!bs.ok()) return bs;
    out->push_back({LQ_TERM, std::move(text), start, word.size(), start, boost});
  }
  return Status::OK();
}

}  // namespace loupe::qp
