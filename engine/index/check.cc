// Index::Check: reads every value of an index, checking its checksum and its
// structure, and cross-checks the tables against each other.
#include "index/check.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "index/doc_store.h"
#include "index/format.h"

namespace loupe {
namespace {

using storage::Cursor;
using storage::Db;
using storage::Txn;

constexpr size_t kMaxProblems = 100;
const char* const kTableNames[] = {"meta",    "terms", "postings", "positions", "docs",
                                   "docvals", "ids",   "deleted",  "user",      "forms"};

std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 60)) {
    if (c >= 0x20 && c != 0x7F)
      out += static_cast<char>(c);
    else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// Whether a failed cursor step was a damaged value (the cursor can go on past
// it) rather than LMDB giving up on the file (it cannot).
bool IsChecksumError(const Status& s) { return s.message().rfind("checksum mismatch", 0) == 0; }

class Checker {
 public:
  Checker(const Txn& txn, CheckReport* report) : txn_(txn), r_(*report) {}

  void Problem(std::string what) {
    if (r_.problems.size() < kMaxProblems)
      r_.problems.push_back(std::move(what));
    else
      ++r_.more_problems;
  }

  // Every value of every table: its checksum (the cursors check it).
  Status ScanAll() {
    for (int t = 0; t < static_cast<int>(Db::kCount); ++t) {
      auto cur = Cursor::Open(txn_, static_cast<Db>(t));
      if (!cur.ok()) {  // LMDB gave up on this transaction after a damaged page
        Problem(cur.status().message());
        lmdb_failed_ = true;
        return Status::OK();
      }
      uint64_t entries = 0;
      for (bool ok = (*cur)->First();; ok = (*cur)->Next()) {
        if (!ok) {
          const Status& st = (*cur)->status();
          if (st.ok()) break;  // the end
          Problem(st.message());
          if (!IsChecksumError(st)) {
            // LMDB could not read on (a damaged page): the rest cannot be checked.
            lmdb_failed_ = true;
            break;
          }
          ++entries;
          if (++bad_ > 100000) return Status::Corruption("too many damaged values; stopped");
          continue;  // the LMDB cursor still stands on the damaged entry: go on after it
        }
        ++entries;
        // Listed by the scan, the entry must also be where a lookup by its key
        // leads: a damaged branch page can send lookups elsewhere while a scan
        // of the leaves still sees everything (searches look terms up by key).
        std::string_view found;
        Status g = txn_.GetUnchecked(static_cast<Db>(t), (*cur)->key(), &found);
        if (!g.ok() || found.data() != (*cur)->value().data()) {
          Problem(std::string("table ") + kTableNames[t] + ": key '" + Printable((*cur)->key()) +
                  "' is listed, but a lookup by that key " +
                  (g.ok() ? "finds another entry" : "fails: " + g.message()) + " (a damaged branch page)");
          if (!g.ok() && !g.IsNotFound()) {
            lmdb_failed_ = true;
            break;
          }
        }
      }
      r_.values += entries;
      entries_[t] = entries;
    }
    return Status::OK();
  }

  Status Run() {
    Status s = ScanAll();
    if (!s.ok()) return s;
    if (lmdb_failed_) {
      Problem("LMDB could not read the whole file (above); the tables were not cross-checked");
      return Status::OK();
    }
    std::string_view v;
    if (!(s = txn_.Get(Db::kMeta, format::kMetaStateKey, &v)).ok() || !format::DecodeIndexState(v, &state_)) {
      Problem("the index state record is missing or unreadable" + (s.ok() ? "" : ": " + s.message()));
      return Status::OK();  // nothing else can be cross-checked without it
    }
    CheckDocvals();
    CheckIds();
    CheckDeleted();
    CheckStored();
    return CheckTerms();
  }

 private:
  bool Live(uint32_t d) const { return d < live_.size() && live_[d]; }

  // Calls fn(key, value) for each entry of `db` whose value reads; damaged
  // values (ScanAll reported them) are stepped over, and the walk ends where
  // LMDB cannot read on.
  template <typename Fn>
  void ForEach(Db db, Fn&& fn) {
    auto cur = Cursor::Open(txn_, db);
    if (!cur.ok()) return Problem(cur.status().message());
    for (bool ok = (*cur)->First(); ok || !(*cur)->status().ok(); ok = (*cur)->Next()) {
      if (!ok) {
        if (!IsChecksumError((*cur)->status())) break;
        continue;
      }
      fn((*cur)->key(), (*cur)->value());
    }
  }

  void CheckDocvals() {
    const uint32_t max_doc = state_.next_doc > 0 ? state_.next_doc - 1 : 0;
    live_.assign(static_cast<size_t>(max_doc) + 1, false);
    lengths_.assign(static_cast<size_t>(max_doc) + 1, {});
    uint64_t live = 0, totals[kNumFields] = {};
    std::vector<format::DocValuesEntry> entries;
    ForEach(Db::kDocvals, [&](std::string_view k, std::string_view v) {
      if (k.size() != 4 || !format::DecodeDocValuesBlock(format::DecodeFixed32BE(k.data()), v, &entries))
        return Problem("document values block '" + Printable(k) + "' is unreadable");
      for (const format::DocValuesEntry& e : entries) {
        const uint32_t d = e.doc;
        if (d > max_doc)
          return Problem("document values for id " + std::to_string(d) + ", beyond the highest id " +
                         std::to_string(max_doc));
        live_[d] = true;
        ++live;
        for (int f = 0; f < kNumFields; ++f) {
          totals[f] += e.values.lengths[f];
          lengths_[d][f] = e.values.lengths[f];
        }
      }
    });
    r_.documents = live;
    if (live != state_.live_docs)
      Problem("the index state counts " + std::to_string(state_.live_docs) + " live documents but " +
              std::to_string(live) + " have document values");
    for (int f = 0; f < kNumFields; ++f)
      if (totals[f] != state_.total_lengths[f])
        Problem(std::string("the total length of field ") + FieldName(static_cast<Field>(f)) + " is " +
                std::to_string(state_.total_lengths[f]) + " in the index state but " + std::to_string(totals[f]) +
                " over the documents (BM25's average length is off)");
  }

  void CheckIds() {
    id_of_.assign(live_.size(), std::string());
    uint64_t n = 0;
    ForEach(Db::kIds, [&](std::string_view k, std::string_view v) {
      if (v.size() != 4) return Problem("id table entry '" + Printable(k) + "' is unreadable");
      uint32_t d = format::DecodeFixed32BE(v.data());
      if (!Live(d))
        return Problem("id '" + Printable(k) + "' points at document " + std::to_string(d) + ", which is not live");
      if (!id_of_[d].empty())
        Problem("document " + std::to_string(d) + " has two ids: '" + Printable(id_of_[d]) + "' and '" + Printable(k) +
                "'");
      id_of_[d] = std::string(k);
      ++n;
    });
    if (n != r_.documents)
      Problem(std::to_string(r_.documents) + " live documents but " + std::to_string(n) + " ids point at them");
  }

  void CheckDeleted() {
    ForEach(Db::kDeleted, [&](std::string_view k, std::string_view) {
      if (k.size() != 4) return Problem("deleted-documents entry '" + Printable(k) + "' is unreadable");
      uint32_t d = format::DecodeFixed32BE(k.data());
      if (Live(d)) Problem("document " + std::to_string(d) + " is both deleted and live");
    });
  }

  void CheckStored() {
    format::DocBlockReader reader;
    Document doc;
    for (uint32_t d = 1; d < live_.size(); ++d) {
      if (!live_[d]) continue;
      std::string_view v;
      Status s = reader.Read(txn_, d, &v);
      if (!s.ok()) {
        Problem("live document " + std::to_string(d) + " ('" + Printable(id_of_[d]) +
                "'): stored fields: " + (s.IsNotFound() ? std::string("missing") : s.message()));
        continue;
      }
      if (!format::DecodeStoredDoc(v, &doc)) {
        Problem("live document " + std::to_string(d) + ": stored fields unreadable");
        continue;
      }
      if (!id_of_[d].empty() && doc.id != id_of_[d])
        Problem("document " + std::to_string(d) + " is stored as '" + Printable(doc.id) + "' but the id table says '" +
                Printable(id_of_[d]) + "'");
    }
  }

  // Each term's statistics against its postings, and the postings' structure.
  Status CheckTerms() {
    auto terms = Cursor::Open(txn_, Db::kTerms);
    if (!terms.ok()) return terms.status();
    auto postings = Cursor::Open(txn_, Db::kPostings);
    if (!postings.ok()) return postings.status();
    uint32_t docs[format::kBlockSize], tfs[format::kBlockSize];
    std::vector<uint32_t> positions;
    uint64_t blocks_seen = 0;
    for (bool ok = (*terms)->First(); ok || !(*terms)->status().ok(); ok = (*terms)->Next()) {
      if (!ok) {
        if (!IsChecksumError((*terms)->status())) break;
        continue;  // reported by ScanAll
      }
      const std::string key((*terms)->key());
      format::TermInfo info;
      if (key.empty() || static_cast<unsigned char>(key[0]) >= kNumFields ||
          !format::DecodeTermInfo((*terms)->value(), &info)) {
        Problem("term dictionary entry '" + Printable(key) + "' is unreadable");
        continue;
      }
      ++r_.terms;
      const Field f = static_cast<Field>(key[0]);
      const std::string shown = std::string(FieldName(f)) + ":" + Printable(std::string_view(key).substr(1));
      const std::string prefix = key + '\0';
      uint64_t df = 0, cf = 0, blocks = 0;
      uint32_t last = 0;
      bool broken = false;
      for (bool pk = (*postings)->Seek(prefix); pk || !(*postings)->status().ok(); pk = (*postings)->Next()) {
        if (!pk) {
          broken = true;  // a damaged block (reported by ScanAll): the counts cannot be compared
          if (!IsChecksumError((*postings)->status())) break;
          continue;
        }
        std::string_view k = (*postings)->key();
        if (k.size() != prefix.size() + 4 || k.compare(0, prefix.size(), prefix) != 0) break;
        ++blocks;
        format::BlockHeader h;
        if (!format::DecodePostingsBlock((*postings)->value(), &h, docs, tfs) || h.n == 0 || h.n > format::kBlockSize ||
            format::DecodeFixed32BE(k.data() + prefix.size()) != h.first_doc) {
          Problem("postings block of " + shown + " is unreadable");
          broken = true;
          continue;
        }
        for (uint32_t i = 0; i < h.n; ++i) {
          if ((blocks > 1 || i > 0) && docs[i] <= last) {
            Problem("postings of " + shown + " are out of order at document " + std::to_string(docs[i]));
            broken = true;
          }
          last = docs[i];
          if (docs[i] >= live_.size()) {
            Problem("postings of " + shown + " name document " + std::to_string(docs[i]) + ", beyond the highest id");
            broken = true;
          }
          if (tfs[i] == 0 || tfs[i] > h.max_tf || tfs[i] > info.max_tf) {
            Problem("postings of " + shown + ": a term frequency above the block's or term's bound");
            broken = true;
          }
          if (Live(docs[i])) {
            ++df;
            cf += tfs[i];
            if (lengths_[docs[i]][static_cast<int>(f)] < h.min_length && !format::IsReservedTerm(key.substr(1))) {
              Problem("postings of " + shown + ": a document shorter than the block's length bound");
              broken = true;
            }
          }
          ++r_.postings;
        }
        std::string_view pv;
        Status ps = txn_.Get(Db::kPositions, k, &pv);
        if (!ps.ok() || !format::DecodePositionsBlock(pv, tfs, h.n, &positions)) {
          Problem("positions block of " + shown + " is " + (ps.ok() ? "unreadable" : ps.message()));
          broken = true;
        }
      }
      blocks_seen += blocks;
      if (broken) continue;
      if (blocks != info.blocks)
        Problem(shown + ": the dictionary says " + std::to_string(info.blocks) + " postings blocks, there are " +
                std::to_string(blocks));
      if (df != info.df || cf != info.cf)
        Problem(shown + ": the dictionary says " + std::to_string(info.df) + " documents and " +
                std::to_string(info.cf) + " occurrences, the postings of live documents have " + std::to_string(df) +
                " and " + std::to_string(cf));
    }
    const uint64_t table_blocks = entries_[static_cast<int>(Db::kPostings)];
    if (blocks_seen != table_blocks)
      Problem(std::to_string(table_blocks) + " postings blocks in the table, " + std::to_string(blocks_seen) +
              " belong to terms of the dictionary");
    if (entries_[static_cast<int>(Db::kPositions)] != table_blocks)
      Problem(std::to_string(entries_[static_cast<int>(Db::kPositions)]) + " positions blocks for " +
              std::to_string(table_blocks) + " postings blocks");
    return Status::OK();
  }

  const Txn& txn_;
  CheckReport& r_;
  format::IndexState state_;
  std::vector<bool> live_;
  std::vector<std::array<uint32_t, kNumFields>> lengths_;
  std::vector<std::string> id_of_;
  uint64_t entries_[static_cast<int>(Db::kCount)] = {};
  uint64_t bad_ = 0;
  bool lmdb_failed_ = false;
};

}  // namespace

Result<CheckReport> CheckIndex(storage::Env* env) {
  auto txn = Txn::Begin(env, false);
  if (!txn.ok()) return txn.status();
  CheckReport report;
  Checker checker(**txn, &report);
  // Whatever stops the reading of a commit that opened is a finding about the
  // file (LMDB reports damaged pages as it meets them).
  Status s = checker.Run();
  if (!s.ok()) report.problems.push_back(s.message());
  return report;
}

}  // namespace loupe
