// Facet counting, date buckets and paging cursors (see results.h).
#include "search/results.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>

namespace loupe {

namespace {

// Beyond this many buckets between the first and last dated match, empty
// buckets are left out (a day histogram over centuries would be millions).
constexpr size_t kMaxFilledBuckets = 5000;

const char* FieldFacetName(FacetField f) {
  switch (f) {
    case FacetField::kActor: return "actor";
    case FacetField::kTopic: return "topic";
    case FacetField::kAuthor: return "author";
    case FacetField::kDate: return "date";
  }
  return "?";
}

}  // namespace

const char* DateUnitName(DateUnit unit) {
  switch (unit) {
    case DateUnit::kDay: return "day";
    case DateUnit::kWeek: return "week";
    case DateUnit::kMonth: return "month";
    case DateUnit::kYear: return "year";
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
    case DateUnit::kDay: return start + 1;
    case DateUnit::kWeek: return start + 7;
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
  // Field facets: count per value id; date facets: per bucket start.
  std::vector<uint64_t> by_value;
  std::map<Days, uint64_t> by_bucket;
  // Splits: (primary value id or bucket start, document) for every match, and
  // each split value's count over all the matches.
  std::vector<std::pair<int64_t, uint32_t>> split_docs;
  std::vector<uint64_t> split_totals;
  uint64_t missing = 0;
};

FacetCounter::FacetCounter(const std::vector<FacetRequest>& requests, const DocTable& docs, const FacetTable* table)
    : requests_(requests), docs_(docs), table_(table) {
  for (const FacetRequest& r : requests_) {
    auto st = std::make_shared<State>();
    if (r.field != FacetField::kDate && table_) st->by_value.assign(table_->names[FacetTable::Slot(r.field)].size(), 0);
    if (r.split && r.split_field != FacetField::kDate && table_)
      st->split_totals.assign(table_->names[FacetTable::Slot(r.split_field)].size(), 0);
    states_.push_back(std::move(st));
  }
}

void FacetCounter::Add(uint32_t doc) {
  for (size_t i = 0; i < requests_.size(); ++i) {
    const FacetRequest& r = requests_[i];
    State& st = *states_[i];
    const uint32_t *sb = nullptr, *se = nullptr;
    const bool split = r.split && r.split_field != FacetField::kDate && table_;
    if (split) {
      std::tie(sb, se) = table_->Values(r.split_field, doc);
      for (const uint32_t* v = sb; v != se; ++v) ++st.split_totals[*v];
    }
    if (r.field == FacetField::kDate) {
      Days d = doc < docs_.dates.size() ? docs_.dates[doc] : format::kNoDate;
      if (d == format::kNoDate) {
        ++st.missing;
        continue;
      }
      Days b = BucketStart(d, r.unit);
      ++st.by_bucket[b];
      if (split) st.split_docs.emplace_back(b, doc);
    } else if (table_) {
      auto [b, e] = table_->Values(r.field, doc);
      if (b == e) ++st.missing;
      for (const uint32_t* v = b; v != e; ++v) {
        ++st.by_value[*v];
        if (split) st.split_docs.emplace_back(*v, doc);
      }
    }
  }
}

std::vector<FacetResult> FacetCounter::Finish() {
  std::vector<FacetResult> out;
  for (size_t i = 0; i < requests_.size(); ++i) {
    const FacetRequest& r = requests_[i];
    State& st = *states_[i];
    FacetResult res;
    res.name = FieldFacetName(r.field);
    if (r.field == FacetField::kDate) res.name += std::string(":") + DateUnitName(r.unit);
    res.missing = st.missing;
    // The split's values: the most frequent over all the matches.
    std::vector<uint32_t> split_ids;
    if (r.split && r.split_field != FacetField::kDate && table_) {
      const auto& names = table_->names[FacetTable::Slot(r.split_field)];
      for (uint32_t v = 0; v < st.split_totals.size(); ++v)
        if (st.split_totals[v]) split_ids.push_back(v);
      std::sort(split_ids.begin(), split_ids.end(), [&](uint32_t a, uint32_t b) {
        return st.split_totals[a] != st.split_totals[b] ? st.split_totals[a] > st.split_totals[b] : names[a] < names[b];
      });
      if (split_ids.size() > r.split_top) split_ids.resize(r.split_top);
      for (uint32_t v : split_ids) res.split_values.push_back(names[v]);
    }
    // Each match counts once per bucket or value: under the first of the
    // split values (most frequent first) it has, so that the split counts
    // stack up to at most the bucket's count.
    std::map<int64_t, std::vector<uint64_t>> split_counts;
    if (!split_ids.empty()) {
      std::vector<uint32_t> rank(table_->names[FacetTable::Slot(r.split_field)].size(), UINT32_MAX);
      for (uint32_t k = 0; k < split_ids.size(); ++k) rank[split_ids[k]] = k;
      for (const auto& [primary, doc] : st.split_docs) {
        auto [b, e] = table_->Values(r.split_field, doc);
        uint32_t first = UINT32_MAX;
        for (const uint32_t* v = b; v != e; ++v) first = std::min(first, rank[*v]);
        if (first == UINT32_MAX) continue;
        auto& counts = split_counts[primary];
        counts.resize(split_ids.size());
        ++counts[first];
      }
    }
    auto fill_split = [&](int64_t primary, FacetCount* c) {
      if (split_ids.empty()) return;
      auto it = split_counts.find(primary);
      c->split = it != split_counts.end() ? it->second : std::vector<uint64_t>(split_ids.size(), 0);
    };
    if (r.field == FacetField::kDate) {
      res.distinct = st.by_bucket.size();
      if (!st.by_bucket.empty()) {
        Days first = st.by_bucket.begin()->first, last = st.by_bucket.rbegin()->first;
        size_t span = 0;
        for (Days b = first; b <= last && span <= kMaxFilledBuckets; b = NextBucket(b, r.unit)) ++span;
        const bool fill = span <= kMaxFilledBuckets;
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
    } else if (table_) {
      const auto& names = table_->names[FacetTable::Slot(r.field)];
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

// "c1.<generation>.<max_doc>.<r|a|d><c|->.<key bits, hex>.<doc>"
std::string EncodeCursor(const Cursor& c) {
  uint64_t bits;
  std::memcpy(&bits, &c.key, sizeof bits);
  char sort = c.sort == SortOrder::kRelevance ? 'r' : c.sort == SortOrder::kDateAscending ? 'a' : 'd';
  char buf[128];
  std::snprintf(buf, sizeof buf, "c1.%" PRIu64 ".%" PRIu32 ".%c%c.%016" PRIx64 ".%" PRIu32, c.generation, c.max_doc,
                sort, c.collapse ? 'c' : '-', bits, c.doc);
  return buf;
}

bool DecodeCursor(std::string_view text, Cursor* c) {
  if (text.size() > 100) return false;
  std::string s(text);
  uint64_t gen, bits;
  uint32_t max_doc, doc;
  char sort, collapse;
  int used = 0;
  if (std::sscanf(s.c_str(), "c1.%" SCNu64 ".%" SCNu32 ".%c%c.%16" SCNx64 ".%" SCNu32 "%n", &gen, &max_doc, &sort,
                  &collapse, &bits, &doc, &used) != 6 ||
      static_cast<size_t>(used) != s.size())
    return false;
  if ((sort != 'r' && sort != 'a' && sort != 'd') || (collapse != 'c' && collapse != '-')) return false;
  // Re-encoding must give the same text: no signs, spaces or leading zeros slipped through.
  c->generation = gen;
  c->max_doc = max_doc;
  c->sort = sort == 'r' ? SortOrder::kRelevance : sort == 'a' ? SortOrder::kDateAscending : SortOrder::kDateDescending;
  c->collapse = collapse == 'c';
  std::memcpy(&c->key, &bits, sizeof bits);
  c->doc = doc;
  if (c->key != c->key) return false;  // NaN
  return EncodeCursor(*c) == s;
}

}  // namespace loupe
