#include "loupe/query.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

namespace loupe {

Query Query::Term(Field field, std::string term) {
  Query q;
  q.kind_ = Kind::kTerm;
  q.field_ = field;
  q.terms_.push_back(std::move(term));
  return q;
}

Query Query::Phrase(Field field, std::vector<std::string> terms, std::vector<uint32_t> gaps) {
  Query q;
  q.kind_ = Kind::kPhrase;
  q.field_ = field;
  if (gaps.size() != terms.size()) {
    gaps.clear();
    for (uint32_t i = 0; i < terms.size(); ++i) gaps.push_back(i);
  }
  q.terms_ = std::move(terms);
  q.gaps_ = std::move(gaps);
  return q;
}

Query Query::SloppyPhrase(Field field, std::vector<std::string> terms, std::vector<uint32_t> gaps, uint32_t slop) {
  Query q = Phrase(field, std::move(terms), std::move(gaps));
  q.slop_ = slop;
  return q;
}

Query Query::And(std::vector<Query> children) {
  Query q;
  q.kind_ = Kind::kAnd;
  q.children_ = std::move(children);
  return q;
}

Query Query::Or(std::vector<Query> children) {
  Query q;
  q.kind_ = Kind::kOr;
  q.children_ = std::move(children);
  return q;
}

Query Query::Not(Query child) {
  Query q;
  q.kind_ = Kind::kNot;
  q.children_.push_back(std::move(child));
  return q;
}

Query Query::DateRange(Days lo, Days hi) {
  Query q;
  q.kind_ = Kind::kDateRange;
  q.lo_ = lo;
  q.hi_ = hi;
  return q;
}

Query Query::Prefix(Field field, std::string prefix, uint32_t max_expansions) {
  Query q;
  q.kind_ = Kind::kPrefix;
  q.field_ = field;
  q.terms_.push_back(std::move(prefix));
  q.max_expansions_ = max_expansions;
  return q;
}

Query Query::Boost(Query child, double factor) {
  Query q;
  q.kind_ = Kind::kBoost;
  q.children_.push_back(std::move(child));
  q.boost_ = factor;
  return q;
}

Query Query::AndMaybe(Query required, Query optional) {
  Query q;
  q.kind_ = Kind::kAndMaybe;
  q.children_.push_back(std::move(required));
  q.children_.push_back(std::move(optional));
  return q;
}

Query Query::SameSentence(Field field, std::vector<std::string> terms) {
  Query q;
  q.kind_ = Kind::kSentence;
  q.field_ = field;
  q.terms_ = std::move(terms);
  return q;
}

Query Query::Exact(Field field, std::string term, std::string form, bool match_case) {
  Query q;
  q.kind_ = Kind::kExact;
  q.field_ = field;
  q.terms_.push_back(std::move(term));
  q.terms_.push_back(std::move(form));
  q.match_case_ = match_case;
  return q;
}

Query Query::Fuzzy(Field field, std::string term, uint32_t max_edits, uint32_t max_expansions) {
  Query q;
  q.kind_ = Kind::kFuzzy;
  q.field_ = field;
  q.terms_.push_back(std::move(term));
  q.max_edits_ = max_edits;
  q.max_expansions_ = max_expansions;
  return q;
}

Query Query::All() {
  Query q;
  q.kind_ = Kind::kAll;
  return q;
}

Query Query::None() { return Query(); }

Query Query::WithSource(size_t offset, size_t length) && {
  if (source_offset_ == kNoSource) {
    source_offset_ = offset;
    source_length_ = length;
  }
  for (Query& c : children_) c = std::move(c).WithSource(offset, length);
  return std::move(*this);
}

std::string Query::ToString() const {
  std::string s;
  AppendTo(&s);
  return s;
}

void Query::AppendTo(std::string* out) const {
  // A custom field's terms carry their field's name ("party:republican"),
  // which is what the query shows.
  const bool custom = field_ == Field::kCustom;
  auto field_term = [&](const std::string& term) {
    if (!custom) {
      out->append(FieldName(field_));
      out->push_back(':');
    }
    out->append(term);
  };
  switch (kind_) {
    case Kind::kTerm:
      field_term(terms_[0]);
      return;
    case Kind::kPhrase: {
      // party:"grand old party" for the terms party:grand, party:old, party:party.
      size_t name = custom ? terms_[0].find(':') + 1 : 0;
      out->append(custom ? terms_[0].substr(0, name - 1) : FieldName(field_));
      out->append(":\"");
      for (size_t i = 0; i < terms_.size(); ++i) {
        if (i) out->push_back(' ');
        out->append(terms_[i], std::min(name, terms_[i].size()));
      }
      out->push_back('"');
      if (slop_) out->append("~" + std::to_string(slop_));
      return;
    }
    case Kind::kAnd:
    case Kind::kOr:
      out->append(kind_ == Kind::kAnd ? "(AND" : "(OR");
      for (const Query& c : children_) {
        out->push_back(' ');
        c.AppendTo(out);
      }
      out->push_back(')');
      return;
    case Kind::kNot:
      out->append("(NOT ");
      children_[0].AppendTo(out);
      out->push_back(')');
      return;
    case Kind::kExact:
      field_term("=" + terms_[1]);  // a folded form matches any case
      return;
    case Kind::kSentence:
      out->append("(NEAR/s");
      for (const std::string& t : terms_) {
        out->push_back(' ');
        field_term(t);
      }
      out->push_back(')');
      return;
    case Kind::kAndMaybe:
      out->append("(AND_MAYBE ");
      children_[0].AppendTo(out);
      out->push_back(' ');
      children_[1].AppendTo(out);
      out->push_back(')');
      return;
    case Kind::kDateRange:
      out->append("date:[");
      if (lo_ > kMinDays) out->append(FormatIsoDate(lo_));
      out->append("..");
      if (hi_ < kMaxDays) out->append(FormatIsoDate(hi_));
      out->push_back(']');
      return;
    case Kind::kBoost: {
      char f[32];
      std::snprintf(f, sizeof f, "%g", boost_);
      children_[0].AppendTo(out);
      out->push_back('^');
      out->append(f);
      return;
    }
    case Kind::kFuzzy:
      field_term(terms_[0]);
      out->append("~" + std::to_string(max_edits_));
      return;
    case Kind::kPrefix:
      field_term(terms_[0]);
      out->push_back('*');
      return;
    case Kind::kAll:
      out->push_back('*');
      return;
    case Kind::kNone:
      out->append("(NONE)");
      return;
  }
  out->push_back('?');
}

}  // namespace loupe
