// Facet counting, date buckets and paging cursors (see results.h).
#include "search/results.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>

#include "util/calendar.h"

namespace loupe {

namespace {

// Beyond this many buckets between the first and last dated match, empty
// buckets are left out (a day histogram over centuries would be millions).
constexpr size_t kMaxFilledBuckets = 5000;

const char* FieldFacetName(FacetField f) {
  switch (f) {
    case FacetField::kActor:
      return "actor";
    case FacetField::kTopic:
      return "topic";
    case FacetField::kAuthor:
      return "author";
    case FacetField::kDate:
      return "date";
  }
  return "?";
}

}  // namespace

const char* DateUnitName(DateUnit unit) {
  switch (unit) {
    case DateUnit::kDay:
      return "day";
    case DateUnit::kWeek:
      return "week";
    case DateUnit::kMonth:
      return "month";
    case DateUnit::kYear:
      return "year";
  }
  return "?";
}

Days BucketStart(Days day, DateUnit unit) {
  int y;
  unsigned m, d;
  switch (unit) {
    case DateUnit::kDay:
      return day;
    case DateUnit::kWeek: {
      // 1970-01-01 was a Thursday: Monday-based weekday = (day + 3) mod 7.
      int wd = ((day + 3) % 7 + 7) % 7;
      return day - wd;
    }
    case DateUnit::kMonth:
      CivilFromDays(day, &y, &m, &d);
      return DaysFromCivil(y, m, 1);
    case DateUnit::kYear:
      CivilFromDays(day, &y, &m, &d);
      return DaysFromCivil(y, 1, 1);
  }
  return day;
}

Days NextBucket(Days start, DateUnit unit) {
  int y;
  unsigned m, d;
  switch (unit) {
    case DateUnit::kDay:
      return start + 1;
    case DateUnit::kWeek:
      return start + 7;
    case DateUnit::kMonth:
      CivilFromDays(start, &y, &m, &d);
      return m == 12 ? DaysFromCivil(y + 1, 1, 1) : DaysFromCivil(y, m + 1, 1);
    case DateUnit::kYear:
      CivilFromDays(start, &y, &m, &d);
      return DaysFromCivil(y + 1, 1, 1);
  }
  return start + 1;
}

std::string BucketLabel(Days start, DateUnit unit) {
  int y;
  unsigned m, d;
  char buf[32];
  switch (unit) {
    case DateUnit::kDay:
      return FormatIsoDate(start);
    case DateUnit::kWeek: {
      // ISO 8601: the week belongs to the year of its Thursday.
      Days thursday = start + 3;
      CivilFromDays(thursday, &y, &m, &d);
      int week = (thursday - DaysFromCivil(y, 1, 1)) / 7 + 1;
      std::snprintf(buf, sizeof buf, "%04d-W%02d", y, week);
      return buf;
    }
    case DateUnit::kMonth:
      CivilFromDays(start, &y, &m, &d);
      std::snprintf(buf, sizeof buf, "%04d-%02u", y, m);
      return buf;
    case DateUnit::kYear:
      CivilFromDays(start, &y, &m, &d);
      std::snprintf(buf, sizeof buf, "%04d", y);
      return buf;
  }
  return FormatIsoDate(start);
}

struct FacetCounter::State {
  // Field facets: count per (canonical) value id; date facets: per bucket start.
  std::vector<uint64_t> by_value;
  std::map<Days, uint64_t> by_bucket;
  // Splits: (primary value id or bucket start, part << 32 | document) for every match.
  std::vector<std::pair<int64_t, uint64_t>> split_docs;
  uint64_t missing = 0;
};

FacetCounter::FacetCounter(const std::vector<FacetRequest>& requests, const FacetNameFn* name_of)
    : requests_(requests), name_of_(name_of) {
  for (size_t i = 0; i < requests_.size(); ++i) states_.push_back(std::make_shared<State>());
}

FacetCounter::FacetCounter(const std::vector<FacetRequest>& requests, const DocTable& docs, const FacetTable* table,
                           const FacetNameFn* name_of)
    : FacetCounter(requests, name_of) {
  BeginPart(docs, table);
}

void FacetCounter::BeginPart(const DocTable& docs, const FacetTable* table) {
  Part part;
  part.docs = &docs;
  part.table = table;
  // The name each stored value counts under, as ids into names_.
  if (table) {
    any_table_ = true;
    for (int f = 0; f < FacetTable::kFields; ++f) {
      const FacetField field = f == 0 ? FacetField::kActor : f == 1 ? FacetField::kTopic : FacetField::kAuthor;
      part.canon[f].reserve(table->names[f].size());
      for (const std::string& raw : table->names[f]) {
        std::string name = name_of_ && *name_of_ ? (*name_of_)(field, raw) : raw;
        if (name.empty()) name = raw;
        auto [it, fresh] = name_ids_[f].emplace(name, static_cast<uint32_t>(names_[f].size()));
        if (fresh) names_[f].push_back(name);
        part.canon[f].push_back(it->second);
      }
    }
    for (size_t i = 0; i < requests_.size(); ++i)
      if (requests_[i].field != FacetField::kDate)
        states_[i]->by_value.resize(names_[FacetTable::Slot(requests_[i].field)].size(), 0);
  }
  parts_.push_back(std::move(part));
}

const std::vector<uint32_t>& FacetCounter::Values(FacetField f, uint64_t doc, std::vector<uint32_t>* scratch) const {
  scratch->clear();
  const Part& part = parts_[doc >> 32];
  if (!part.table) return *scratch;
  auto [b, e] = part.table->Values(f, static_cast<uint32_t>(doc));
  const std::vector<uint32_t>& canon = part.canon[FacetTable::Slot(f)];
  for (const uint32_t* v = b; v != e; ++v) scratch->push_back(canon[*v]);
  if (scratch->size() > 1) {  // two stored names of one actor count once
    std::sort(scratch->begin(), scratch->end());
    scratch->erase(std::unique(scratch->begin(), scratch->end()), scratch->end());
  }
  return *scratch;
}

void FacetCounter::Add(uint32_t local) {
  const Part& part = parts_.back();
  const uint64_t doc = (uint64_t{parts_.size() - 1} << 32) | local;
  for (size_t i = 0; i < requests_.size(); ++i) {
    const FacetRequest& r = requests_[i];
    State& st = *states_[i];
    const bool split = r.split && r.split_field != FacetField::kDate && part.table;
    if (r.field == FacetField::kDate) {
      Days d = local < part.docs->dates.size() ? part.docs->dates[local] : format::kNoDate;
      if (d == format::kNoDate) {
        ++st.missing;
        continue;
      }
      Days b = BucketStart(d, r.unit);
      ++st.by_bucket[b];
      if (split) st.split_docs.emplace_back(b, doc);
    } else if (part.table) {
      const std::vector<uint32_t>& values = Values(r.field, doc, &scratch_);
      if (values.empty()) ++st.missing;
      for (uint32_t v : values) {
        ++st.by_value[v];
        if (split) st.split_docs.emplace_back(v, doc);
      }
    }
  }
}

std::vector<FacetResult> FacetCounter::Finish() {
  std::vector<FacetResult> out;
  std::vector<uint32_t> values;
  for (size_t i = 0; i < requests_.size(); ++i) {
    const FacetRequest& r = requests_[i];
    State& st = *states_[i];
    FacetResult res;
    res.name = FieldFacetName(r.field);
    if (r.field == FacetField::kDate) res.name += std::string(":") + DateUnitName(r.unit);
    res.missing = st.missing;
    // The split's values: the ones the most matches have (ties by value), and
    // per bucket or value, the matches with each of them. A match counts under
    // every one of them it has, so a value's counts are all of its matches; the
    // matches with none of them are counted apart.
    std::vector<uint32_t> split_ids;
    std::vector<uint32_t> rank;
    if (r.split && r.split_field != FacetField::kDate && any_table_) {
      const auto& names = names_[FacetTable::Slot(r.split_field)];
      std::vector<uint64_t> docs;
      for (const auto& pd : st.split_docs) docs.push_back(pd.second);
      std::sort(docs.begin(), docs.end());
      docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
      std::vector<uint64_t> named(names.size(), 0);
      for (uint64_t d : docs)
        for (uint32_t v : Values(r.split_field, d, &values)) ++named[v];
      for (uint32_t v = 0; v < named.size(); ++v)
        if (named[v]) split_ids.push_back(v);
      std::sort(split_ids.begin(), split_ids.end(), [&](uint32_t x, uint32_t y) {
        return named[x] != named[y] ? named[x] > named[y] : names[x] < names[y];
      });
      if (split_ids.size() > r.split_top) split_ids.resize(r.split_top);
      for (uint32_t v : split_ids) res.split_values.push_back(names[v]);
      rank.assign(names.size(), UINT32_MAX);
      for (uint32_t k = 0; k < split_ids.size(); ++k) rank[split_ids[k]] = k;
    }
    struct SplitCounts {
      std::vector<uint64_t> by_value;
      uint64_t none = 0;
    };
    std::map<int64_t, SplitCounts> split_counts;
    if (r.split && r.split_field != FacetField::kDate && any_table_) {
      for (const auto& [primary, doc] : st.split_docs) {
        SplitCounts& counts = split_counts[primary];
        counts.by_value.resize(split_ids.size());
        bool any = false;
        for (uint32_t v : Values(r.split_field, doc, &values))
          if (rank[v] != UINT32_MAX) {
            ++counts.by_value[rank[v]];
            any = true;
          }
        counts.none += !any;
      }
    }
    auto fill_split = [&](int64_t primary, FacetCount* c) {
      auto it = split_counts.find(primary);
      if (it == split_counts.end()) {
        c->split.assign(split_ids.size(), 0);
        return;
      }
      c->split = it->second.by_value;
      c->split_none = it->second.none;
    };
    if (r.field == FacetField::kDate) {
      res.distinct = st.by_bucket.size();
      if (!st.by_bucket.empty()) {
        Days first = st.by_bucket.begin()->first, last = st.by_bucket.rbegin()->first;
        size_t span = 0;
        for (Days b = first; b <= last && span <= kMaxFilledBuckets; b = NextBucket(b, r.unit)) ++span;
        const bool fill = span <= kMaxFilledBuckets;
        res.gaps_left_out = !fill;
        auto emit = [&](Days b, uint64_t n) {
          FacetCount c;
          c.value = BucketLabel(b, r.unit);
          c.count = n;
          c.first_day = b;
          fill_split(b, &c);
          res.counts.push_back(std::move(c));
        };
        if (fill) {
          auto it = st.by_bucket.begin();
          for (Days b = first; b <= last; b = NextBucket(b, r.unit)) {
            uint64_t n = 0;
            if (it != st.by_bucket.end() && it->first == b) n = (it++)->second;
            emit(b, n);
          }
        } else {
          for (const auto& [b, n] : st.by_bucket) emit(b, n);
        }
      }
    } else if (any_table_) {
      const auto& names = names_[FacetTable::Slot(r.field)];
      std::vector<uint32_t> ids;
      for (uint32_t v = 0; v < st.by_value.size(); ++v)
        if (st.by_value[v]) ids.push_back(v);
      res.distinct = ids.size();
      std::sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
        return st.by_value[a] != st.by_value[b] ? st.by_value[a] > st.by_value[b] : names[a] < names[b];
      });
      if (ids.size() > r.top) ids.resize(r.top);
      for (uint32_t v : ids) {
        FacetCount c;
        c.value = names[v];
        c.count = st.by_value[v];
        fill_split(v, &c);
        res.counts.push_back(std::move(c));
      }
    }
    out.push_back(std::move(res));
  }
  return out;
}

namespace {

// SipHash-2-4 (Aumasson and Bernstein): a 64-bit keyed hash of `data`.
uint64_t SipHash24(uint64_t k0, uint64_t k1, std::string_view data) {
  auto rotl = [](uint64_t x, int b) { return (x << b) | (x >> (64 - b)); };
  uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
  auto round = [&] {
    v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);
    v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;
    v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;
    v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);
  };
  auto absorb = [&](uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  };
  const size_t whole = data.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = 0;
    for (int b = 0; b < 8; ++b) m |= uint64_t{static_cast<unsigned char>(data[i + b])} << (8 * b);
    absorb(m);
  }
  uint64_t last = uint64_t{data.size() & 0xFF} << 56;
  for (size_t b = 0; whole + b < data.size(); ++b)
    last |= uint64_t{static_cast<unsigned char>(data[whole + b])} << (8 * b);
  absorb(last);
  v2 ^= 0xFF;
  for (int r = 0; r < 4; ++r) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// The second half of the key says what is hashed, so a query's check can never
// stand in for a cursor's.
constexpr uint64_t kQueryDomain = 0x6c6f7570652d7131;   // "loupe-q1"
constexpr uint64_t kCursorDomain = 0x6c6f7570652d6331;  // "loupe-c1"

// Everything a cursor says, before its check.
std::string CursorBody(const Cursor& c) {
  uint64_t bits;
  std::memcpy(&bits, &c.key, sizeof bits);
  char sort = c.sort == SortOrder::kRelevance ? 'r' : c.sort == SortOrder::kDateAscending ? 'a' : 'd';
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "c4.%016" PRIx64 ".%" PRIu64 ".%c%c.%016" PRIx64 ".%" PRId32 ".%" PRIu32 ".%" PRIu32 ".%016" PRIx64 ".",
                c.index_id, c.generation, sort, c.collapse ? 'c' : '-', bits, c.date, c.part, c.doc, c.query_check);
  std::string out = buf;
  for (size_t i = 0; i < c.max_docs.size(); ++i) {
    if (i) out += '-';
    out += std::to_string(c.max_docs[i]);
  }
  return out;
}

// A cursor of a collection of this many splits stays well under this.
constexpr size_t kMaxCursorBytes = 16384;

}  // namespace

uint64_t CursorQueryCheck(uint64_t index_id, std::string_view canonical_query) {
  return SipHash24(index_id, kQueryDomain, canonical_query);
}

// "c4.<index id, hex>.<generation>.<r|a|d><c|->.<key bits, hex>.<date>.<part>.<doc>.<query check, hex>.
//  <max doc of each part, joined by '-'>.<check, hex>"
std::string EncodeCursor(const Cursor& c) {
  std::string body = CursorBody(c);
  char check[20];
  std::snprintf(check, sizeof check, ".%016" PRIx64, SipHash24(c.index_id, kCursorDomain, body));
  return body + check;
}

CursorFault DecodeCursor(std::string_view text, Cursor* c) {
  if (text.size() > kMaxCursorBytes) return CursorFault::kMalformed;
  std::string s(text);
  uint64_t id, gen, bits, qcheck;
  int32_t date;
  uint32_t part, doc;
  char sort, collapse;
  int used = 0;
  if (std::sscanf(s.c_str(),
                  "c4.%16" SCNx64 ".%" SCNu64 ".%c%c.%16" SCNx64 ".%" SCNd32 ".%" SCNu32 ".%" SCNu32 ".%16" SCNx64
                  ".%n",
                  &id, &gen, &sort, &collapse, &bits, &date, &part, &doc, &qcheck, &used) != 9 ||
      used <= 0)
    return CursorFault::kMalformed;
  if ((sort != 'r' && sort != 'a' && sort != 'd') || (collapse != 'c' && collapse != '-'))
    return CursorFault::kMalformed;
  // The parts' max docs, then ".<check>".
  const size_t dot = s.rfind('.');
  if (dot == std::string::npos || dot < static_cast<size_t>(used) || s.size() - dot != 17)
    return CursorFault::kMalformed;
  uint64_t check = 0;
  for (size_t i = dot + 1; i < s.size(); ++i) {
    const char h = s[i];
    const int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : -1;
    if (v < 0) return CursorFault::kMalformed;
    check = check << 4 | static_cast<uint64_t>(v);
  }
  c->max_docs.clear();
  uint64_t n = 0;
  bool digits = false;
  for (size_t i = static_cast<size_t>(used); i <= dot; ++i) {
    if (i < dot && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(s[i] - '0');
      if (n > UINT32_MAX) return CursorFault::kMalformed;
      digits = true;
    } else if ((i == dot || s[i] == '-') && digits) {
      c->max_docs.push_back(static_cast<uint32_t>(n));
      n = 0;
      digits = false;
    } else {
      return CursorFault::kMalformed;
    }
  }
  c->index_id = id;
  c->generation = gen;
  c->sort = sort == 'r' ? SortOrder::kRelevance : sort == 'a' ? SortOrder::kDateAscending : SortOrder::kDateDescending;
  c->collapse = collapse == 'c';
  std::memcpy(&c->key, &bits, sizeof bits);
  c->date = date;
  c->part = part;
  c->doc = doc;
  c->query_check = qcheck;
  if (c->key != c->key) return CursorFault::kMalformed;  // NaN
  // Re-encoding must give the same text: no signs, spaces or leading zeros slipped through.
  const std::string body = CursorBody(*c);
  if (s.compare(0, dot, body) != 0 || body.size() != dot) return CursorFault::kMalformed;
  return SipHash24(id, kCursorDomain, body) == check ? CursorFault::kNone : CursorFault::kChanged;
}

}  // namespace loupe
