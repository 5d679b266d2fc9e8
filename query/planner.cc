// Planner: QueryNode tree -> engine Query. Field names, dates and term analysis
// live here so the grammar stays small.
#include <algorithm>
#include <chrono>
#include <optional>
#include <unordered_map>

#include "analysis/analyzer_access.h"
#include "builder.h"
#include "loupe/custom_fields.h"
#include "loupe/index.h"
#include "loupe/language.h"
#include "loupe/query_parser.h"
#include "util/calendar.h"
#include "util/guard.h"

namespace loupe {
namespace {

// Fields a bare term or phrase searches.
constexpr Field kDefaultFields[] = {Field::kTitle, Field::kBody, Field::kActor, Field::kTopic};

bool IsDateKeyName(const std::string& name) { return qp::IsDateKey(name); }

// One alternative per field: the query itself when there is one, else their OR.
std::optional<Query> AnyOf(std::vector<Query> per_field) {
  if (per_field.empty()) return std::nullopt;
  if (per_field.size() == 1) return std::move(per_field[0]);
  return Query::Or(std::move(per_field));
}

// Whether a and b are the same query, exactly (ToString rounds boosts).
bool SameQuery(const Query& a, const Query& b) {
  if (a.kind() != b.kind() || a.field() != b.field() || a.terms() != b.terms() || a.gaps() != b.gaps() ||
      a.lo() != b.lo() || a.hi() != b.hi() || a.max_expansions() != b.max_expansions() || a.boost() != b.boost() ||
      a.slop() != b.slop() || a.max_edits() != b.max_edits() || a.match_case() != b.match_case() ||
      a.children().size() != b.children().size())
    return false;
  for (size_t i = 0; i < a.children().size(); ++i)
    if (!SameQuery(a.children()[i], b.children()[i])) return false;
  return true;
}

// An AND or OR that lists the same part n times (`tarif* tarif*`, a word
// pasted over and over) searches it once with its score multiplied by n:
// the matches and scores are the same (each copy added the same score), but
// the part is expanded and iterated once instead of n times. Parts that add
// no score (NOT, dates, *) are kept once. The first copy keeps its place.
std::vector<Query> MergeRepeats(std::vector<Query> parts) {
  if (parts.size() < 2) return parts;
  std::unordered_map<std::string, std::vector<size_t>> by_text;  // ToString -> indexes into out
  std::vector<Query> out;
  std::vector<uint32_t> copies;
  for (Query& p : parts) {
    std::vector<size_t>& same_text = by_text[p.ToString()];
    auto it = std::find_if(same_text.begin(), same_text.end(), [&](size_t i) { return SameQuery(out[i], p); });
    if (it != same_text.end()) {
      ++copies[*it];
      continue;
    }
    same_text.push_back(out.size());
    out.push_back(std::move(p));
    copies.push_back(1);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    Query::Kind k = out[i].kind();
    if (copies[i] > 1 && k != Query::Kind::kNot && k != Query::Kind::kDateRange && k != Query::Kind::kAll &&
        k != Query::Kind::kNone)
      out[i] = Query::Boost(std::move(out[i]), copies[i]);
  }
  return out;
}

// `name:` at `offset` names no field. The fix-it renames it to the key (or
// custom field, `custom` in lower case) it is a typo of, or drops `name:` so
// that the value is searched as text (a name far from every key, such as
// `color:` or `in:`, is not renamed to one).
Status UnknownField(const std::string& name, size_t offset, const std::vector<std::string>& custom) {
  std::string lower = Lower(name), best = qp::TypoOf(name, custom);
  std::string msg = "unknown field '" + name + "'";
  if (!best.empty())
    return Status::QuerySyntax(msg + " \xE2\x80\x94 did you mean '" + best + "'?", offset, name.size())
        .WithFix(offset, name.size(), best);
  if (lower == "body") msg += ": bare words already search the body";
  msg += " (fields: title, author, actor, topic, mentions";
  if (!custom.empty()) {
    // An index of mail can have dozens; the first ones show what there is.
    constexpr size_t kListed = 30;
    msg += "; this index's fields: ";
    for (size_t i = 0; i < custom.size() && i < kListed; ++i) msg += (i ? ", " : "") + custom[i];
    if (custom.size() > kListed) msg += " and " + std::to_string(custom.size() - kListed) + " more";
  }
  return Status::QuerySyntax(msg + "; dates: before, after, on, date, since, until)", offset, name.size())
      .WithFix(offset, name.size() + 1, "");
}

// `s` with a fix-it that deletes [offset, offset+length) unless it has one already.
Status OrRemove(Status s, size_t offset, size_t length) {
  if (s.ok() || s.has_fix()) return s;
  return std::move(s).WithFix(offset, length, "");
}

// Parses YYYY, YYYY-MM or YYYY-MM-DD into the inclusive day range it names.
bool ParseDateSpan(std::string_view t, Days* lo, Days* hi) {
  auto digits = [](std::string_view s, int* v) {
    if (s.empty()) return false;
    *v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      *v = *v * 10 + (c - '0');
    }
    return true;
  };
  int y, m, d;
  if (t.size() == 4 && digits(t, &y) && y >= 1) {
    *lo = DaysFromCivil(y, 1, 1);
    *hi = DaysFromCivil(y, 12, 31);
    return true;
  }
  if (t.size() == 7 && t[4] == '-' && digits(t.substr(0, 4), &y) && digits(t.substr(5, 2), &m) && y >= 1 && m >= 1 &&
      m <= 12) {
    *lo = DaysFromCivil(y, m, 1);
    *hi = DaysFromCivil(y, m, DaysInMonth(y, m));
    return true;
  }
  if (t.size() == 10 && t[4] == '-' && t[7] == '-' && digits(t.substr(0, 4), &y) && digits(t.substr(5, 2), &m) &&
      digits(t.substr(8, 2), &d) && y >= 1 && m >= 1 && m <= 12 && d >= 1 &&
      static_cast<unsigned>(d) <= DaysInMonth(y, m)) {
    *lo = *hi = DaysFromCivil(y, m, d);
    return true;
  }
  return false;
}

// A relative date: today, yesterday, or N followed by d (days), w (weeks), m
// (months) or y (years) before `now`, as one day. Months and years keep the day
// of the month, clamped to the month's length.
bool ParseRelative(std::string_view t, Days now, Days* day) {
  if (t == "today") return *day = now, true;
  if (t == "yesterday") return *day = now - 1, true;
  if (t.size() < 2 || t.size() > 6) return false;
  char unit = t.back();
  int n = 0;
  for (char c : t.substr(0, t.size() - 1)) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  int y;
  unsigned m, d;
  CivilFromDays(now, &y, &m, &d);
  switch (unit) {
    case 'd':
      *day = now - n;
      break;
    case 'w':
      *day = now - 7 * n;
      break;
    case 'm':
    case 'y': {
      int months = unit == 'm' ? n : 12 * n;
      int total = y * 12 + static_cast<int>(m) - 1 - months;
      int ny = total / 12, nm = total % 12 + 1;
      if (ny < 1) return false;
      *day = DaysFromCivil(ny, static_cast<unsigned>(nm), std::min(d, DaysInMonth(ny, static_cast<unsigned>(nm))));
      break;
    }
    default:
      return false;
  }
  return *day >= kMinDays;
}

Days Today() {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  long long s = secs.count();
  return static_cast<Days>(s >= 0 ? s / 86400 : (s - 86399) / 86400);
}

class Planner {
 public:
  // `languages`: the stemmers a word of a stemmed field is stemmed with (see
  // PlanOptions::stemming_languages); with fewer than two, the analyzer's own.
  Planner(Analyzer& analyzer, const PlanOptions& options, std::vector<std::string> languages)
      : analyzer_(analyzer),
        options_(options),
        now_(options.now ? *options.now : Today()),
        languages_(std::move(languages)),
        own_language_(analyzer.stemmer_language()) {
    // The custom fields a name may name: in lower case, sorted, without those
    // a built-in field, alias, date key or keyword of the language shadows.
    for (const std::string& c : options.custom_fields) {
      std::string name = Lower(c);
      Field f;
      if (name.empty() || ParseFieldName(qp::FieldName(name), &f) || IsDateKeyName(name) || name == "mentions" ||
          name == "sort" || name == "lang")
        continue;
      custom_.push_back(std::move(name));
    }
    std::sort(custom_.begin(), custom_.end());
    custom_.erase(std::unique(custom_.begin(), custom_.end()), custom_.end());
  }

  // An empty optional means the node matches nothing searchable (e.g. a term of
  // punctuation only) and is dropped by its parent.
  Result<std::optional<Query>> Plan(const QueryNode& n) {
    switch (n.kind) {
      case QueryNode::Kind::kTerm:
      case QueryNode::Kind::kPhrase: {
        auto leaf = Leaf(n);
        // A leaf that cannot be read is best left out.
        if (!leaf.ok()) return OrRemove(leaf.status(), n.offset, n.length);
        if (!*leaf) return leaf;
        Query q = std::move(**leaf).WithSource(n.offset, n.length);  // a search refused here points at the word
        if (n.boost == 1.0) return std::optional<Query>(std::move(q));
        return std::optional<Query>(Query::Boost(std::move(q), n.boost));
      }
      case QueryNode::Kind::kNear: {
        // A NEAR that cannot be read is best read as AND.
        auto near = NearLeaf(n);
        if (!near.ok()) return OrRemove(near.status(), n.op_offset, n.op_length);
        return near;
      }
      case QueryNode::Kind::kRequired:  // outside an OR, every part is required anyway
        return Plan(n.children[0]);
      case QueryNode::Kind::kNot: {
        auto c = Plan(n.children[0]);
        if (!c.ok()) return c.status();
        if (!*c) return std::optional<Query>();
        return std::optional<Query>(Query::Not(std::move(**c)));
      }
      case QueryNode::Kind::kOr:
        if (std::any_of(n.children.begin(), n.children.end(),
                        [](const QueryNode& c) { return c.kind == QueryNode::Kind::kRequired; }))
          return RequiredOr(n);
        [[fallthrough]];
      case QueryNode::Kind::kAnd: {
        bool is_and = n.kind == QueryNode::Kind::kAnd;
        std::vector<Query> kids;
        for (const QueryNode& c : n.children) {
          auto q = Plan(c);
          if (!q.ok()) return q.status();
          if (!*q) continue;
          Query::Kind want = is_and ? Query::Kind::kAnd : Query::Kind::kOr;
          if ((*q)->kind() == want) {
            for (const Query& g : (*q)->children()) kids.push_back(g);
          } else {
            kids.push_back(std::move(**q));
          }
        }
        kids = MergeRepeats(std::move(kids));
        if (kids.empty()) return std::optional<Query>();
        if (kids.size() == 1) return std::optional<Query>(std::move(kids[0]));
        return std::optional<Query>(is_and ? Query::And(std::move(kids)) : Query::Or(std::move(kids)));
      }
    }
    return Status::Internal("unknown syntax node");
  }

 private:
  Result<std::optional<Query>> Leaf(const QueryNode& n) {
    // `*` alone: every document (with filters: `* before:2025`).
    if (n.kind == QueryNode::Kind::kTerm && n.field.empty() && !n.text.empty() &&
        n.text.find_first_not_of('*') == std::string::npos)
      return std::optional<Query>(Query::All());
    if (IsPrefix(n)) return PrefixLeaf(n);
    if (n.kind == QueryNode::Kind::kTerm && !n.text.empty() && n.text[0] == '=') return ExactLeaf(n);
    if (n.kind == QueryNode::Kind::kTerm) {  // `word~12`: too many edits, not a word with digits
      size_t tilde = n.text.rfind('~');
      std::string_view after =
          tilde == std::string::npos ? std::string_view() : std::string_view(n.text).substr(tilde + 1);
      if (tilde != std::string::npos && tilde > 0 && after.size() > 1 &&
          after.find_first_not_of("0123456789") == std::string_view::npos)
        return Status::QuerySyntax("fuzzy matching allows 0, 1 or 2 edits: write " + n.text.substr(0, tilde) +
                                       "~1 or " + n.text.substr(0, tilde) + "~2",
                                   n.value_offset + tilde, after.size() + 1)
            .WithFix(n.value_offset + tilde + 1, after.size(), "2");
    }
    if (IsFuzzy(n)) return FuzzyLeaf(n);
    if (n.field.empty()) {
      std::vector<Query> per_field;
      for (Field f : kDefaultFields)
        if (auto q = Analyzed(f, n.text, n.slop)) per_field.push_back(std::move(*q));
      return AnyOf(std::move(per_field));
    }
    std::string name = qp::FieldName(n.field);
    if (IsDateKeyName(name)) return DateLeaf(n, name);
    if (name == "mentions") return MentionsLeaf(n);
    if (name == "sort" || name == "lang")
      return Status::QuerySyntax(name + ": must stand on its own at the top level of the query (not inside OR, NOT " +
                                     "or parentheses), e.g. " +
                                     (name == "sort" ? "tariffs sort:-date" : "tarifs lang:fr"),
                                 n.offset, n.length);
    if (IsCustom(name)) return CustomLeaf(n, name);
    Field f;
    if (!ParseFieldName(name, &f) || f == Field::kBody) return UnknownField(n.field, n.offset, custom_);
    if (f == Field::kActor && options_.gazetteer) {  // the actor by its canonical name
      // The index files every actor the gazetteer knows under its canonical
      // name (Tagger::Tag), so any of its names finds it, with one score.
      std::vector<std::string> names = options_.gazetteer->NamesOf(n.text);
      if (!names.empty()) return Analyzed(f, names[0], n.slop);
    }
    return Analyzed(f, n.text, n.slop);
  }

  // `mentions:NAME`: articles whose title or body names the actor, by any of
  // its names when the gazetteer knows it, else NAME as a phrase.
  Result<std::optional<Query>> MentionsLeaf(const QueryNode& n) {
    std::vector<std::string> names =
        options_.gazetteer ? options_.gazetteer->NamesOf(n.text) : std::vector<std::string>{};
    if (names.empty()) names.push_back(n.text);
    std::vector<Query> alternatives;
    for (Field f : {Field::kTitle, Field::kBody})
      for (const std::string& name : names)
        if (auto q = Name(f, name, n.slop)) alternatives.push_back(std::move(*q));
    return AnyOf(std::move(alternatives));
  }

  // One name of an actor, scored as one word whatever its length: a phrase of
  // n words has its score divided by n, so that a long alias (or one in a
  // script analyzed into many single-character words) does not outweigh a short one.
  std::optional<Query> Name(Field f, const std::string& name, uint32_t slop) {
    auto q = Analyzed(f, name, slop);
    size_t words = tokens_.size();
    if (!q || words <= 1) return q;
    return Query::Boost(std::move(*q), 1.0 / static_cast<double>(words));
  }

  // `a OR +b OR c`: the +parts must all match; the others add to the score of
  // the documents they match too (AND_MAYBE).
  Result<std::optional<Query>> RequiredOr(const QueryNode& n) {
    QueryNode required, optional;
    required.kind = QueryNode::Kind::kAnd;
    optional.kind = QueryNode::Kind::kOr;
    for (const QueryNode& c : n.children)
      (c.kind == QueryNode::Kind::kRequired ? required.children : optional.children).push_back(c);
    auto req = Plan(required);
    if (!req.ok() || !*req) return req;
    if (optional.children.empty()) return req;
    auto opt = Plan(optional);
    if (!opt.ok()) return opt.status();
    if (!*opt) return req;
    return std::optional<Query>(Query::AndMaybe(std::move(**req), std::move(**opt)));
  }

  // `word*`: a bare or field term ending in '*' (with something before it).
  static bool IsPrefix(const QueryNode& n) {
    return n.kind == QueryNode::Kind::kTerm && n.text.size() > 1 && n.text.back() == '*' &&
           n.text.find_first_not_of('*') != std::string::npos;
  }

  // a NEAR/n b (either order) and a ADJ/n b (a first): b within n positions of
  // a, as sloppy phrases of the two words, per field.
  Result<std::optional<Query>> NearLeaf(const QueryNode& n) {
    const std::string op =
        std::string(n.ordered ? "ADJ/" : "NEAR/") + (n.sentence ? std::string("s") : std::to_string(n.distance));
    const QueryNode& a = n.children[0];
    const QueryNode& b = n.children[1];
    for (const QueryNode* c : {&a, &b})
      if (c->kind != QueryNode::Kind::kTerm || IsPrefix(*c) || IsFuzzy(*c) || c->boost != 1.0)
        return Status::QuerySyntax("'" + op + "' joins two plain words (no phrases, groups, prefixes or boosts)",
                                   c->offset, std::max<size_t>(c->length, 1));
    if (qp::FieldName(a.field) != qp::FieldName(b.field))
      return Status::QuerySyntax("'" + op + "' joins two words of the same field; write both bare or both as " +
                                     (a.field.empty() ? b.field : a.field) + ":word",
                                 n.op_offset, op.size());
    std::vector<Field> fields;
    if (a.field.empty()) {
      if (n.sentence)
        fields = {Field::kTitle, Field::kBody};  // the fields with sentences
      else
        fields.assign(std::begin(kDefaultFields), std::end(kDefaultFields));
    } else {
      std::string name = qp::FieldName(a.field);
      Field f;
      if (name == "mentions")
        return Status::QuerySyntax("'" + op + "' joins words of a field; mentions: takes a name on its own", a.offset,
                                   a.field.size());
      if (IsCustom(name)) return NotForCustom(name, "'" + op + "'", a.offset, a.field.size());
      if (IsDateKeyName(name) || !ParseFieldName(name, &f) || f == Field::kBody)
        return IsDateKeyName(name)
                   ? Status::QuerySyntax("'" + op + "' joins words, not dates", a.offset, a.field.size())
                   : UnknownField(a.field, a.offset, custom_);
      if (n.sentence && f != Field::kTitle)
        return Status::QuerySyntax("'NEAR/s' finds words in one sentence of a title or body; " + name +
                                       ": values have no sentences (use NEAR/n)",
                                   a.offset, a.field.size());
      fields.push_back(f);
    }
    std::vector<Query> per_field;
    for (Field f : fields) {
      for (const QueryNode* c : {&a, &b}) {
        tokens_.clear();
        AnalyzerAccess::AnalyzeField(analyzer_, f, c->text, 0, &tokens_);
        if (tokens_.size() != 1)
          return Status::QuerySyntax(
              "'" + op + "' joins single words, but '" + c->text + "' is " +
                  (tokens_.empty() ? std::string("no word") : std::to_string(tokens_.size()) + " words"),
              c->value_offset, std::max<size_t>(c->text.size(), 1));
      }
      auto q = EachStem(f, [&]() -> std::optional<Query> {
        std::string terms[2];
        for (int i = 0; i < 2; ++i) {
          tokens_.clear();
          AnalyzerAccess::AnalyzeField(analyzer_, f, (i ? b : a).text, 0, &tokens_);
          if (tokens_.size() != 1) return std::nullopt;
          terms[i] = tokens_[0].term;
        }
        if (n.sentence) return Query::SameSentence(f, {terms[0], terms[1]});
        Query ab = Query::SloppyPhrase(f, {terms[0], terms[1]}, {0, 1}, n.distance - 1);
        if (n.ordered) return ab;
        return Query::Or({std::move(ab), Query::SloppyPhrase(f, {terms[1], terms[0]}, {0, 1}, n.distance - 1)});
      });
      if (q) per_field.push_back(std::move(*q));
    }
    return AnyOf(std::move(per_field));
  }

  // The fields a prefix or fuzzy leaf searches: the default ones when bare,
  // else its field, which must be a searchable one (`what` names the leaf in
  // the error for a date key).
  Result<std::vector<Field>> LeafFields(const QueryNode& n, const char* what) {
    if (n.field.empty()) return std::vector<Field>(std::begin(kDefaultFields), std::end(kDefaultFields));
    std::string name = qp::FieldName(n.field);
    if (IsDateKeyName(name))
      return Status::QuerySyntax("'" + name + ":' expects a date like " + name + ":2025-09-17, not " + what,
                                 n.value_offset, n.text.size());
    if (name == "mentions")
      return Status::QuerySyntax("'mentions:' takes a name, e.g. mentions:Bessent, not " + std::string(what),
                                 n.value_offset, n.text.size());
    if (IsCustom(name)) {
      // The repair keeps the word as a keyword: `party:=Republican` and
      // `party:republcan~` become `party:Republican` and `party:republcan`.
      Status s = NotForCustom(name, what, n.offset, n.field.size());
      size_t tilde = n.text.rfind('~');
      if (!n.text.empty() && n.text[0] == '=') return std::move(s).WithFix(n.value_offset, 1, "");
      if (tilde != std::string::npos) return std::move(s).WithFix(n.value_offset + tilde, n.text.size() - tilde, "");
      return s;
    }
    Field f;
    if (!ParseFieldName(name, &f) || f == Field::kBody) return UnknownField(n.field, n.offset, custom_);
    return std::vector<Field>{f};
  }

  // Whether `name` (lower case, aliases resolved) is one of the index's
  // custom fields that no built-in name shadows.
  bool IsCustom(const std::string& name) const { return std::binary_search(custom_.begin(), custom_.end(), name); }

  // `what` (a fuzzy term, NEAR/n, ...) used on custom field `name`.
  static Status NotForCustom(const std::string& name, const std::string& what, size_t offset, size_t length) {
    return Status::QuerySyntax("'" + name + "' is a custom field, searched by keyword: " + what +
                                   " works on title, author, actor and topic; use words, a \"phrase\" or a prefix*",
                               offset, length);
  }

  // `name:value` on a custom field: the value's folded words as keywords of
  // the field, one word a term, several a phrase (loupe/custom_fields.h).
  std::optional<Query> CustomLeaf(const QueryNode& n, const std::string& name) {
    tokens_.clear();
    AnalyzerAccess::AnalyzeField(analyzer_, Field::kCustom, n.text, 0, &tokens_);
    if (tokens_.empty()) return std::nullopt;
    if (tokens_.size() == 1) return Query::Term(Field::kCustom, CustomFieldTerm(name, tokens_[0].term));
    std::vector<std::string> terms;
    std::vector<uint32_t> gaps;
    for (const Token& t : tokens_) {
      terms.push_back(CustomFieldTerm(name, t.term));
      gaps.push_back(t.position - tokens_[0].position);
    }
    if (n.slop > 0) return Query::SloppyPhrase(Field::kCustom, std::move(terms), std::move(gaps), n.slop);
    return Query::Phrase(Field::kCustom, std::move(terms), std::move(gaps));
  }

  // `word~` or `word~N`: a term ending in '~' and at most one digit.
  static bool IsFuzzy(const QueryNode& n) {
    if (n.kind != QueryNode::Kind::kTerm) return false;
    size_t tilde = n.text.rfind('~');
    if (tilde == std::string::npos || tilde == 0) return false;
    std::string_view after = std::string_view(n.text).substr(tilde + 1);
    return after.size() <= 1 && (after.empty() || (after[0] >= '0' && after[0] <= '9'));
  }

  // `tarrifs~`: the terms within a few edits of the word as the field analyzes
  // it (so stems in stemmed fields). `~` alone allows 0 edits for words of 1-2
  // bytes, 1 for 3-5 and 2 beyond; `~0`, `~1`, `~2` say it.
  Result<std::optional<Query>> FuzzyLeaf(const QueryNode& n) {
    size_t tilde = n.text.rfind('~');
    std::string word = n.text.substr(0, tilde);
    size_t at = n.value_offset, len = n.text.size();
    int edits = -1;
    if (tilde + 1 < n.text.size()) {
      edits = n.text[tilde + 1] - '0';
      if (edits > 2)
        return Status::QuerySyntax("fuzzy matching allows 0, 1 or 2 edits: write " + word + "~1 or " + word + "~2",
                                   at + tilde, 2)
            .WithFix(at + tilde + 1, 1, "2");
    }
    if (!word.empty() && word.back() == '*')
      return Status::QuerySyntax("a word is a prefix (" + word + ") or fuzzy (" +
                                     word.substr(0, word.find_last_not_of('*') + 1) + "~), not both",
                                 at, len)
          .WithFix(at + tilde, len - tilde, "");
    auto fields = LeafFields(n, "a fuzzy term");
    if (!fields.ok()) return fields.status();
    std::vector<Query> per_field;
    for (Field f : *fields) {
      tokens_.clear();
      AnalyzerAccess::AnalyzeField(analyzer_, f, word, 0, &tokens_);
      if (tokens_.empty())
        return Status::QuerySyntax("'" + n.text + "' has no letters or digits before the '~'", at, len);
      if (tokens_.size() > 1)
        return Status::QuerySyntax(
                   "a fuzzy search takes one word, but '" + word + "' is " + std::to_string(tokens_.size()) + " words",
                   at, len)
            .WithFix(at + tilde, len - tilde, "");
      if (auto q = EachStem(f, [&]() -> std::optional<Query> {
            tokens_.clear();
            AnalyzerAccess::AnalyzeField(analyzer_, f, word, 0, &tokens_);
            if (tokens_.size() != 1) return std::nullopt;
            const std::string& term = tokens_[0].term;
            uint32_t k = edits >= 0 ? static_cast<uint32_t>(edits) : term.size() <= 2 ? 0 : term.size() <= 5 ? 1 : 2;
            return Query::Fuzzy(f, term, k);
          }))
        per_field.push_back(std::move(*q));
    }
    return AnyOf(std::move(per_field));
  }

  // `=Form` and `field:=Form`: the word as written, not its stem. Smart case:
  // a form that folding would change (capitals, full-width letters) must match
  // the text's bytes; an already folded one matches any case.
  Result<std::optional<Query>> ExactLeaf(const QueryNode& n) {
    std::string form = n.text.substr(1);
    size_t at = n.value_offset, len = n.text.size();
    const std::string example = (n.field.empty() ? "" : Lower(n.field) + ":") + "=Tariffs";
    if (form.empty())
      return Status::QuerySyntax("'=' takes the word to match exactly right after it, e.g. " + example, at, len)
          .WithFix(at, 1, "");
    auto fields = LeafFields(n, "an exact word");
    if (!fields.ok()) return fields.status();
    tokens_.clear();
    AnalyzerAccess::Analyze(analyzer_, form, /*stem=*/false, 0, &tokens_);
    if (tokens_.size() != 1)
      return Status::QuerySyntax(
                 "'=' matches one word exactly, but '" + form + "' is " +
                     (tokens_.empty() ? std::string("no word") : std::to_string(tokens_.size()) + " words"),
                 at, len)
          .WithFix(at, 1, "");
    std::string surface = form.substr(tokens_[0].begin, tokens_[0].end - tokens_[0].begin);
    for (size_t p; (p = surface.find("\xE2\x80\x99")) != std::string::npos;) surface.replace(p, 3, "'");
    const std::string folded = tokens_[0].term;
    const bool match_case = surface != folded;
    std::vector<Query> per_field;
    for (Field f : *fields) {
      auto q = EachStem(f, [&]() -> std::optional<Query> {
        tokens_.clear();
        AnalyzerAccess::AnalyzeField(analyzer_, f, form, 0, &tokens_);
        if (tokens_.size() != 1) return std::nullopt;
        if (!match_case && !Analyzer::IsStemmed(f)) return Query::Term(f, tokens_[0].term);  // already folded
        return Query::Exact(f, tokens_[0].term, match_case ? surface : folded, match_case);
      });
      if (q) per_field.push_back(std::move(*q));
    }
    return AnyOf(std::move(per_field));
  }

  // `tarif*` matches every word as written (folded, not stemmed) that starts
  // with the folded prefix; the engine expands it over the written forms of
  // stemmed fields (so `educat*` finds education, whose stem "educ" is shorter
  // than the prefix, and `economy*` does not find economies).
  Result<std::optional<Query>> PrefixLeaf(const QueryNode& n) {
    std::string word = n.text.substr(0, n.text.find_last_not_of('*') + 1);
    size_t at = n.value_offset, len = n.text.size();
    if (word.find('*') != std::string::npos)
      return Status::QuerySyntax("'*' may only end a word, as in tarif*", at + word.find('*'), 1)
          .WithFix(at + word.find('*'), 1, "");
    tokens_.clear();
    AnalyzerAccess::Analyze(analyzer_, word, /*stem=*/false, 0, &tokens_);
    if (tokens_.empty())
      return Status::QuerySyntax(
          "'" + (n.field.empty() ? "" : n.field + ":") + n.text + "' has no letters or digits before the '*'", at, len);
    if (tokens_.size() > 1)
      return Status::QuerySyntax("a prefix search takes one word, but '" + word + "' is " +
                                     std::to_string(tokens_.size()) +
                                     " words; quote the words before it or drop the '*'",
                                 at, len)
          .WithFix(at + word.size(), len - word.size(), "");
    std::string prefix = tokens_[0].term;
    if (!n.field.empty() && IsCustom(qp::FieldName(n.field)))
      return std::optional<Query>(Query::Prefix(Field::kCustom, CustomFieldTerm(qp::FieldName(n.field), prefix)));
    auto fields = LeafFields(n, "a prefix");
    if (!fields.ok()) return fields.status();
    std::vector<Query> per_field;
    for (Field f : *fields) per_field.push_back(Query::Prefix(f, prefix));
    return AnyOf(std::move(per_field));
  }

  Result<std::optional<Query>> DateLeaf(const QueryNode& n, const std::string& key) {
    const std::string& v = n.text;
    size_t at = n.value_offset, len = std::max<size_t>(v.size(), 1);
    std::string example = key + ":2025-09-17";
    if (n.kind == QueryNode::Kind::kPhrase)
      return Status::QuerySyntax("'" + key + ":' expects a date like " + example + ", not a quoted phrase", at, len);
    Days lo, hi;
    // Comparisons: date:>=D, date:>D, date:<=D, date:<D.
    if (!v.empty() && (v[0] == '<' || v[0] == '>')) {
      if (key != "date")
        return Status::QuerySyntax("comparisons like >=D work with date: only (e.g. date:>=2025-09-01)", at, len);
      bool greater = v[0] == '>', equal = v.size() > 1 && v[1] == '=';
      size_t skip = equal ? 2 : 1;
      std::string_view d = std::string_view(v).substr(skip);
      if (d.empty())
        return Status::QuerySyntax("'" + v + "' needs a date after it, e.g. date:" + v + "2025-09-01", at, skip);
      if (!Span(d, &lo, &hi)) return Status::QuerySyntax(BadDate(d), at + skip, std::max<size_t>(d.size(), 1));
      if (greater) return std::optional<Query>(Query::DateRange(equal ? lo : hi + 1, kMaxDays));
      return std::optional<Query>(Query::DateRange(kMinDays, equal ? hi : lo - 1));
    }
    size_t dots = v.find("..");
    if (dots != std::string::npos) {
      if (key != "date")
        return Status::QuerySyntax("ranges like A..B work with date: only (e.g. date:2025-05-01..2025-09-17)", at, len);
      std::string_view a = std::string_view(v).substr(0, dots), b = std::string_view(v).substr(dots + 2);
      if (a.empty() && b.empty())
        return Status::QuerySyntax("a date range needs a start, an end or both (e.g. date:2025-05.. or date:..2025-09)",
                                   at, len);
      Days alo = kMinDays, ahi, blo, bhi = kMaxDays;  // an empty end is open
      if (!a.empty() && !Span(a, &alo, &ahi)) return Status::QuerySyntax(BadDate(a), at, std::max<size_t>(a.size(), 1));
      if (!b.empty() && !Span(b, &blo, &bhi))
        return Status::QuerySyntax(BadDate(b), at + dots + 2, std::max<size_t>(b.size(), 1));
      if (alo > bhi) return Status::QuerySyntax("date range '" + v + "' is empty: its start is after its end", at, len);
      return std::optional<Query>(Query::DateRange(alo, bhi));
    }
    if (!Span(v, &lo, &hi)) return Status::QuerySyntax(BadDate(v), at, len);
    if (key == "before") return std::optional<Query>(Query::DateRange(kMinDays, lo - 1));
    if (key == "after" || key == "since") return std::optional<Query>(Query::DateRange(lo, kMaxDays));
    if (key == "until") return std::optional<Query>(Query::DateRange(kMinDays, hi));
    return std::optional<Query>(Query::DateRange(lo, hi));
  }

  static std::string BadDate(std::string_view v) {
    return "invalid date '" + std::string(v) +
           "': expected YYYY, YYYY-MM or YYYY-MM-DD with a real month and day, or 7d, 2w, 3m, 1y, today, yesterday";
  }

  // An absolute date (YYYY, YYYY-MM, YYYY-MM-DD) or a relative one, as a day range.
  bool Span(std::string_view t, Days* lo, Days* hi) {
    if (ParseDateSpan(t, lo, hi)) return true;
    Days day;
    if (!ParseRelative(t, now_, &day)) return false;
    *lo = *hi = day;
    if (options_.resolved) options_.resolved->push_back(std::string(t) + " = " + FormatIsoDate(day));
    return true;
  }

  // What `build` makes of a word of field f once per stemming language (the
  // analyzer stemming in it), the distinct results as alternatives; in an
  // unstemmed field, or with one language, what it makes once.
  template <typename Build>
  std::optional<Query> EachStem(Field f, Build&& build) {
    if (!Analyzer::IsStemmed(f)) return build();
    if (f == Field::kTopic || languages_.size() < 2) {  // topics are stemmed in English in every article
      std::string_view one = languages_.empty() ? std::string_view(own_language_) : std::string_view(languages_[0]);
      if (!AnalyzerAccess::SetStemmerLanguage(analyzer_, StemmerOf(f, one)).ok())
        (void)AnalyzerAccess::SetStemmerLanguage(analyzer_, own_language_);
      return build();
    }
    std::vector<Query> alternatives;
    for (const std::string& language : languages_) {
      if (!AnalyzerAccess::SetStemmerLanguage(analyzer_, language).ok()) continue;  // a language libstemmer lacks
      std::optional<Query> q = build();
      if (q && std::none_of(alternatives.begin(), alternatives.end(), [&](const Query& a) { return SameQuery(a, *q); }))
        alternatives.push_back(std::move(*q));
    }
    return AnyOf(std::move(alternatives));
  }

  // A single-token text becomes a Term, a multi-token one a Phrase (per
  // stemming language); none: nothing.
  std::optional<Query> Analyzed(Field f, const std::string& text, uint32_t slop = 0) {
    return EachStem(f, [&] { return AnalyzedOnce(f, text, slop); });
  }
  std::optional<Query> AnalyzedOnce(Field f, const std::string& text, uint32_t slop) {
    tokens_.clear();
    AnalyzerAccess::AnalyzeField(analyzer_, f, text, 0, &tokens_);
    if (tokens_.empty()) return std::nullopt;
    if (tokens_.size() == 1) return Query::Term(f, tokens_[0].term);
    std::vector<std::string> terms;
    std::vector<uint32_t> gaps;
    for (const Token& t : tokens_) {
      terms.push_back(t.term);
      gaps.push_back(t.position - tokens_[0].position);
    }
    if (slop > 0) return Query::SloppyPhrase(f, std::move(terms), std::move(gaps), slop);
    return Query::Phrase(f, std::move(terms), std::move(gaps));
  }

  Analyzer& analyzer_;
  const PlanOptions& options_;
  std::vector<std::string> custom_;  // the custom fields a name may name (see the constructor)
  Days now_;
  std::vector<std::string> languages_;
  std::string own_language_;  // the analyzer's stemmer when planning began
  std::vector<Token> tokens_;
};

// `lang:CODE` stems the query's words in that language only. Like sort:, it
// stands at the top level (alone or ANDed) and is taken out: returns the tree
// without it, with *languages set to its stemmer.
Result<QueryNode> TakeLanguage(const QueryNode& tree, std::vector<std::string>* languages) {
  auto is_lang = [](const QueryNode& n) {
    return (n.kind == QueryNode::Kind::kTerm || n.kind == QueryNode::Kind::kPhrase) && Lower(n.field) == "lang";
  };
  if (is_lang(tree))
    return Status::QuerySyntax(
        "lang: sets the language query words are stemmed in; add what to search for, e.g. tarifs lang:fr", tree.offset,
        std::max<size_t>(tree.length, 1));
  if (tree.kind != QueryNode::Kind::kAnd) return tree;
  QueryNode rest = tree;
  rest.children.clear();
  const QueryNode* lang = nullptr;
  for (const QueryNode& c : tree.children) {
    if (!is_lang(c))
      rest.children.push_back(c);
    else if (lang)
      return Status::QuerySyntax("the query has two lang: languages; keep one", c.offset, c.length)
          .WithFix(c.offset, c.length, "");
    else
      lang = &c;
  }
  if (!lang) return tree;
  std::string_view stemmer = lang->kind == QueryNode::Kind::kTerm ? StemmerFor(lang->text) : std::string_view();
  if (stemmer.empty()) {
    const std::vector<std::string> similar = SimilarLanguages(lang->text);
    std::string msg = "unknown language '" + lang->text + "'";
    if (!similar.empty()) msg += " \xE2\x80\x94 did you mean '" + similar[0] + "'?";
    msg += " (lang: takes a language code or name with a stemmer: ";
    std::vector<std::string_view> all = StemmerLanguages();
    for (size_t i = 0; i < all.size(); ++i) msg += std::string(i ? ", " : "") + std::string(all[i]);
    msg += "; e.g. lang:fr, lang:de-AT, lang:english)";
    Status error = Status::QuerySyntax(msg, lang->value_offset, std::max<size_t>(lang->text.size(), 1));
    if (!similar.empty()) return std::move(error).WithFix(lang->value_offset, lang->text.size(), similar[0]);
    return std::move(error).WithFix(lang->offset, lang->length, "");
  }
  *languages = {std::string(stemmer)};
  if (rest.children.size() == 1) return QueryNode(rest.children[0]);
  return rest;
}

}  // namespace

Result<Query> PlanQuery(const QueryNode& tree, Analyzer& analyzer, const PlanOptions& options) {
  return Guard([&]() -> Result<Query> {
    // sort:date, sort:-date and sort:relevance order the results: they may stand
    // only at the top level of the query (alone or ANDed), and are taken out.
    auto is_sort = [](const QueryNode& n) {
      return (n.kind == QueryNode::Kind::kTerm || n.kind == QueryNode::Kind::kPhrase) && Lower(n.field) == "sort";
    };
    std::vector<std::string> languages = options.stemming_languages;
    auto base = TakeLanguage(tree, &languages);
    if (!base.ok()) return base.status();
    QueryNode rest = *base;
    const QueryNode* sort = nullptr;
    if (is_sort(rest)) {
      sort = &*base;
    } else if (rest.kind == QueryNode::Kind::kAnd) {
      rest.children.clear();
      for (const QueryNode& c : base->children) {
        if (!is_sort(c)) {
          rest.children.push_back(c);
        } else if (sort) {
          return Status::QuerySyntax("the query has two sort: orders; keep one", c.offset, c.length)
              .WithFix(c.offset, c.length, "");
        } else {
          sort = &c;
        }
      }
    }
    if (sort) {
      std::string v = Lower(sort->text);
      SortOrder order;
      if (v == "date" && sort->kind == QueryNode::Kind::kTerm)
        order = SortOrder::kDateAscending;
      else if (v == "-date" && sort->kind == QueryNode::Kind::kTerm)
        order = SortOrder::kDateDescending;
      else if (v == "relevance" && sort->kind == QueryNode::Kind::kTerm)
        order = SortOrder::kRelevance;
      else
        return Status::QuerySyntax("sort: takes date (oldest first), -date (newest first) or relevance",
                                   sort->value_offset, std::max<size_t>(sort->text.size(), 1))
            .WithFix(sort->offset, sort->length, "");
      if (options.sort) *options.sort = order;
      if (sort == &*base || rest.children.empty())
        return Status::QuerySyntax("sort: orders what a query finds; add what to search for, or * for everything",
                                   tree.offset, std::max<size_t>(tree.length, 1));
      if (rest.children.size() == 1) rest = QueryNode(rest.children[0]);
    }
    const std::string stemmer_before(analyzer.stemmer_language());
    Planner p(analyzer, options, std::move(languages));
    auto q = p.Plan(rest);
    (void)AnalyzerAccess::SetStemmerLanguage(analyzer, stemmer_before);
    if (!q.ok()) return q.status();
    if (!*q)
      return Status::QuerySyntax("the query has no searchable words (only punctuation or empty quotes)", tree.offset,
                                 std::max<size_t>(tree.length, 1));
    return std::move(**q);
  });
}

namespace {

// One fix-it applied to the query text: `removed` bytes at `offset` replaced by
// `inserted` bytes.
struct Edit {
  size_t offset, removed, inserted;
};

// Maps a byte offset in the edited text back to the text before `edits`.
size_t Unedit(const std::vector<Edit>& edits, size_t at) {
  for (auto e = edits.rbegin(); e != edits.rend(); ++e) {
    if (at >= e->offset + e->inserted)
      at = at - e->inserted + e->removed;
    else if (at > e->offset)
      at = e->offset;
  }
  return at;
}

// Maps d back to the text before `edits`, and keeps its spans inside that
// text (of `size` bytes), whatever the edits were.
Diagnostic Unedit(const std::vector<Edit>& edits, Diagnostic d, size_t size) {
  size_t end = Unedit(edits, d.offset + d.length), fix_end = Unedit(edits, d.fix_offset + d.fix_length);
  d.offset = std::min(Unedit(edits, d.offset), size);
  d.length = std::min(end > d.offset ? end - d.offset : 0, size - d.offset);
  d.fix_offset = std::min(Unedit(edits, d.fix_offset), size);
  d.fix_length = std::min(fix_end > d.fix_offset ? fix_end - d.fix_offset : 0, size - d.fix_offset);
  return d;
}

Result<Query> Compile(std::string_view text, Analyzer& analyzer, const PlanOptions& options,
                      std::vector<Diagnostic>* warnings) {
  auto tree = ParseQuery(text, warnings);
  if (!tree.ok()) return tree.status();
  return PlanQuery(*tree, analyzer, options);
}

Result<Query> DoCompileQuery(std::string_view text, Analyzer& analyzer, const PlanOptions& options) {
  // Repair the first error with its fix-it and read the query again, until it
  // compiles or an error has no repair. Strict mode does the same to find every
  // error, not only the first, and then rejects the query with the first one;
  // lenient mode runs the repaired query. Every repair removes text or closes
  // what was left open, so a few rounds suffice; the bound is a guard.
  const auto severity = options.lenient ? Diagnostic::Severity::kWarning : Diagnostic::Severity::kError;
  std::string current(text);
  std::vector<Edit> edits;
  std::vector<Diagnostic> found, repaired;
  std::vector<std::string> resolved;
  std::optional<Status> first;  // strict mode: the first error
  constexpr int kMaxRepairs = 64;
  for (int round = 0;; ++round) {
    std::vector<Diagnostic> warnings;
    resolved.clear();
    PlanOptions o = options;
    o.resolved = options.resolved ? &resolved : nullptr;
    auto q = Compile(current, analyzer, o, &warnings);
    const Status s = q.status();
    if (!q.ok() && s.code() == StatusCode::kQuerySyntax && s.has_fix() && round < kMaxRepairs &&
        s.fix_offset() + s.fix_length() <= current.size()) {
      Diagnostic d = Unedit(edits, Diagnostic::From(s, severity), text.size());
      if (!first) first = Status(StatusCode::kQuerySyntax, d);
      repaired.push_back(std::move(d));
      size_t at = s.fix_offset(), len = s.fix_length();
      // A removal takes one space next to it along, so that the reading stays tidy.
      if (s.fix_text().empty() && len > 0) {
        bool space_before = at == 0 || current[at - 1] == ' ';
        bool space_after = at + len == current.size() || current[at + len] == ' ' || current[at + len] == ')';
        if (space_before && space_after) {
          if (at + len < current.size() && current[at + len] == ' ')
            ++len;
          else if (at > 0 && current[at - 1] == ' ')
            --at, ++len;
        }
      }
      current.replace(at, len, s.fix_text());
      edits.push_back({at, len, s.fix_text().size()});
      continue;
    }
    for (Diagnostic& d : warnings) found.push_back(Unedit(edits, std::move(d), text.size()));
    found.insert(found.end(), repaired.begin(), repaired.end());
    std::stable_sort(found.begin(), found.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.offset < b.offset; });
    std::optional<Status> error = first && !options.lenient ? first : std::nullopt;
    if (!q.ok() && options.lenient && !repaired.empty()) {
      // Rejected after all: the repairs were errors, and an empty reading is
      // their doing, not the user's.
      for (Diagnostic& d : found)
        if (d.message != "" && d.severity == Diagnostic::Severity::kWarning &&
            std::any_of(repaired.begin(), repaired.end(), [&](const Diagnostic& r) { return r.message == d.message; }))
          d.severity = Diagnostic::Severity::kError;
    }
    if (!q.ok()) {
      Diagnostic d = Unedit(edits, Diagnostic::From(s), text.size());
      if (!repaired.empty() && s.offset() != Status::kNoOffset &&
          std::string_view(current).find_first_not_of(" \t\r\n") == std::string_view::npos) {
        d.message = "nothing is left to search once the errors are repaired";
        d.offset = 0;
        d.length = text.size();
      }
      found.push_back(d);
      if (!error) {
        if (s.offset() == Status::kNoOffset) d.offset = Status::kNoOffset;
        error = Status(s.code(), std::move(d));
      }
    }
    if (options.diagnostics) options.diagnostics->insert(options.diagnostics->end(), found.begin(), found.end());
    if (options.reading) *options.reading = error ? std::string(text) : current;
    if (error) return *error;
    if (options.resolved) options.resolved->insert(options.resolved->end(), resolved.begin(), resolved.end());
    return q;
  }
}

}  // namespace

Result<Query> CompileQuery(std::string_view text, Analyzer& analyzer, const PlanOptions& options) {
  return Guard([&] { return DoCompileQuery(text, analyzer, options); });
}

Result<Query> CompileQuery(std::string_view text, const Index& index, const PlanOptions& options) {
  return Guard([&]() -> Result<Query> {
    auto analysis = ReadIndexAnalysis(index);  // how the index analyzed its documents
    if (!analysis.ok()) return analysis.status();
    auto analyzer = Analyzer::Create(analysis->analyzer_options());
    if (!analyzer.ok()) return analyzer.status();
    PlanOptions o = options;
    if (o.stemming_languages.empty()) o.stemming_languages = analysis->languages;
    std::shared_ptr<const Gazetteer> gazetteer;
    if (!o.gazetteer) {
      auto g = index.GetGazetteer();
      if (!g.ok()) return g.status();
      gazetteer = std::move(*g);
      o.gazetteer = gazetteer.get();
    }
    if (o.custom_fields.empty()) {  // `party:` and the like, when the index has them
      auto fields = ListCustomFields(index);
      if (!fields.ok()) return fields.status();
      for (const CustomField& f : *fields) o.custom_fields.push_back(f.name);
    }
    return CompileQuery(text, **analyzer, o);
  });
}

}  // namespace loupe
