#include "loupe/query.h"

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
  switch (kind_) {
    case Kind::kTerm:
      return std::string(FieldName(field_)) + ":" + terms_[0];
    case Kind::kPhrase: {
      std::string s = std::string(FieldName(field_)) + ":\"";
      for (size_t i = 0; i < terms_.size(); ++i) {
        if (i) s += ' ';
        s += terms_[i];
      }
      s += "\"";
      if (slop_) s += "~" + std::to_string(slop_);
      return s;
    }
    case Kind::kAnd:
    case Kind::kOr: {
      std::string s = kind_ == Kind::kAnd ? "(AND" : "(OR";
      for (const Query& c : children_) s += " " + c.ToString();
      return s + ")";
    }
    case Kind::kNot:
      return "(NOT " + children_[0].ToString() + ")";
    case Kind::kExact:
      return std::string(FieldName(field_)) + ":=" + terms_[1];  // a folded form matches any case
    case Kind::kSentence: {
      std::string s = "(NEAR/s";
      for (const std::string& t : terms_) s += " " + std::string(FieldName(field_)) + ":" + t;
      return s + ")";
    }
    case Kind::kAndMaybe:
      return "(AND_MAYBE " + children_[0].ToString() + " " + children_[1].ToString() + ")";
    case Kind::kDateRange: {
      std::string s = "date:[";
      if (lo_ > kMinDays) s += FormatIsoDate(lo_);
      s += "..";
      if (hi_ < kMaxDays) s += FormatIsoDate(hi_);
      return s + "]";
    }
    case Kind::kBoost: {
      char f[32];
      std::snprintf(f, sizeof f, "%g", boost_);
      return children_[0].ToString() + "^" + f;
    }
    case Kind::kFuzzy:
      return std::string(FieldName(field_)) + ":" + terms_[0] + "~" + std::to_string(max_edits_);
    case Kind::kPrefix:
      return std::string(FieldName(field_)) + ":" + terms_[0] + "*";
    case Kind::kAll:
      return "*";
    case Kind::kNone:
      return "(NONE)";
  }
  return "?";
}

}  // namespace loupe
