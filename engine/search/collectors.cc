// The collapse collector (see collectors.h): near-duplicate groups by
// fingerprint bands, checked on the shingles of the stored bodies.
#include "search/collectors.h"

#include <memory>
#include <utility>

#include "analysis/analyzer_access.h"
#include "index/doc_store.h"
#include "index/fingerprint.h"
#include "index/term_table.h"
#include "loupe/analyzer.h"

namespace loupe {

Result<std::vector<Entry>> CollapseCollector::Fold(const std::vector<CollapsePart>& parts, DeadlineCheck* deadline) {
  const std::vector<Entry>& all = all_;
  std::vector<uint32_t> parent(all.size());
  for (uint32_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto find = [&](uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::unordered_map<uint32_t, std::vector<uint64_t>> shingles;  // entry -> its body's shingles
  std::unique_ptr<Analyzer> analyzer;
  // One reader per part: a reader keeps the block it read last, and the parts'
  // document ids overlap.
  std::vector<format::DocBlockReader> readers(parts.size());
  auto shingles_of = [&](uint32_t i) -> Result<const std::vector<uint64_t>*> {
    auto it = shingles.find(i);
    if (it != shingles.end()) return &it->second;
    const CollapsePart& part = parts[all[i].part];
    if (!analyzer) {
      auto a = Analyzer::Create(part.table->analyzer_options);  // a collection's splits agree
      if (!a.ok()) return a.status();
      analyzer = std::move(*a);
    }
    Document d;
    if (Status s = readers[all[i].part].ReadLive(*part.txn, all[i].doc, &d); !s.ok()) return s;
    std::vector<Token> tokens;
    AnalyzerAccess::AnalyzeField(*analyzer, Field::kBody, d.body, 0, &tokens);
    std::vector<uint64_t> words(tokens.size());
    for (size_t t = 0; t < tokens.size(); ++t) words[t] = TermTable::Hash(Field::kBody, tokens[t].term);
    return &(shingles[i] = Shingles(words.data(), words.size()));
  };
  for (int band = 0; band < 4; ++band) {
    std::unordered_map<uint16_t, std::vector<uint32_t>> buckets;
    for (uint32_t i = 0; i < all.size(); ++i) {
      uint64_t fp = parts[all[i].part].table->fingerprints[all[i].doc];
      if (fp) buckets[static_cast<uint16_t>(fp >> (16 * band))].push_back(i);
    }
    for (auto& [band_bits, list] : buckets)
      for (size_t x = 0; x < list.size(); ++x)
        for (size_t y = x + 1; y < list.size(); ++y) {
          if (find(list[x]) == find(list[y])) continue;
          if (deadline && deadline->Passed()) return DeadlineCheck::Exceeded();
          auto a = shingles_of(list[x]);
          if (!a.ok()) return a.status();
          auto b = shingles_of(list[y]);
          if (!b.ok()) return b.status();
          if (Jaccard(**a, **b) >= kNearJaccard) parent[find(list[x])] = find(list[y]);
        }
  }
  auto earlier = [&](uint32_t a, uint32_t b) {  // earliest date, undated last, then the collection's order
    const Entry &x = all[a], &y = all[b];
    if ((x.date == format::kNoDate) != (y.date == format::kNoDate)) return y.date == format::kNoDate;
    if (x.date != y.date) return x.date < y.date;
    return x.part != y.part ? x.part < y.part : x.doc < y.doc;
  };
  std::unordered_map<uint32_t, std::vector<uint32_t>> groups;  // root -> entries
  for (uint32_t i = 0; i < all.size(); ++i) groups[find(i)].push_back(i);
  std::vector<Entry> folded;
  for (auto& [root_id, list] : groups) {
    uint32_t rep = list[0], best = list[0];
    for (uint32_t i : list) {
      if (earlier(i, rep)) rep = i;
      if (Before(all[i], all[best])) best = i;
    }
    Entry e = all[rep];
    if (!by_date_) e.key = e.score = all[best].score;  // ranked where its best copy ranks
    std::vector<Entry> others;
    std::sort(list.begin(), list.end(), [&](uint32_t a, uint32_t b) { return Before(all[a], all[b]); });
    for (uint32_t i : list)
      if (i != rep) others.push_back(all[i]);
    if (!others.empty()) members_[uint64_t{e.part} << 32 | e.doc] = std::move(others);
    folded.push_back(e);
  }
  std::sort(folded.begin(), folded.end(), Before);
  return folded;
}

}  // namespace loupe
