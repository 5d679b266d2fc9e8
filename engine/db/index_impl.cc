// The read side of IndexImpl (db/index_impl.h), and opening an index: the
// document table and facet table of a commit, Search, GetDocument, Explain,
// Stats; Index::Open. See loupe/index.h for the contract and
// docs/index-format.md for the records. The writer is in writer.cc and
// commit.cc, compaction in compaction.cc.
#include "db/index_impl.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/analyzer_access.h"
#include "db/split.h"
#include "index/doc_store.h"
#include "index/fingerprint.h"
#include "index/format.h"
#include "index/term_table.h"
#include "loupe/analyzer.h"
#include "loupe/index.h"
#include "search/doc_table.h"
#include "search/iterators.h"
#include "search/results.h"
#include "storage/lmdb.h"
#include "util/guard.h"

namespace loupe {

const char* Version() { return "0.1.0"; }

namespace db_internal {

Status ReadState(const Txn& txn, format::IndexState* st) {
  std::string_view v;
  Status s = txn.Get(Db::kMeta, format::kMetaStateKey, &v);
  if (s.IsNotFound()) return Status::Corruption("index has no state record; rebuild the index");
  if (!s.ok()) return s;
  if (!format::DecodeIndexState(v, st)) return Status::Corruption("index state record unreadable; rebuild the index");
  return Status::OK();
}

Result<std::shared_ptr<const DocTable>> IndexImpl::Table(const Txn& txn) const {
  format::IndexState st;
  Status s = ReadState(txn, &st);
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(table_mu_);
    if (table_ && table_->generation == st.generation) return table_;
  }
  auto t = std::make_shared<DocTable>();
  t->generation = st.generation;
  t->max_doc = st.next_doc > 0 ? st.next_doc - 1 : 0;
  t->live_docs = st.live_docs;
  t->dates.assign(t->max_doc + 1, format::kNoDate);
  t->norms.assign(t->max_doc + 1, {});
  t->live_bits.assign(t->max_doc / 64 + 1, 0);
  t->fingerprints.assign(t->max_doc + 1, 0);
  auto cur = storage::Cursor::Open(txn, Db::kDocvals);
  if (!cur.ok()) return cur.status();
  for (bool ok = (*cur)->First(); ok; ok = (*cur)->Next()) {
    format::DocValues v;
    if ((*cur)->key().size() != 4 || !format::DecodeDocValues((*cur)->value(), &v))
      return Status::Corruption("document values unreadable; rebuild the index");
    uint32_t d = format::DecodeFixed32BE((*cur)->key().data());
    if (d == 0 || d > t->max_doc) return Status::Corruption("document id out of range; rebuild the index");
    t->dates[d] = v.date;
    t->fingerprints[d] = v.fingerprint;
    t->live_bits[d >> 6] |= uint64_t{1} << (d & 63);
    for (int f = 0; f < kNumFields; ++f) t->norms[d][f] = EncodeLength(v.lengths[f]);
  }
  if (!(*cur)->status().ok()) return (*cur)->status();
  for (int f = 0; f < kNumFields; ++f) {
    t->avg_length[f] = st.live_docs ? static_cast<double>(st.total_lengths[f]) / static_cast<double>(st.live_docs) : 0;
    double avg = t->avg_length[f] > 0 ? t->avg_length[f] : 1.0;
    for (int c = 0; c < 256; ++c)
      t->length_factor[f][c] =
          static_cast<float>(Bm25::kK1 * (1 - Bm25::kB + Bm25::kB * DecodeLength(static_cast<uint8_t>(c)) / avg));
  }
  std::lock_guard<std::mutex> lock(table_mu_);
  if (!table_ || table_->generation < t->generation) table_ = t;
  return std::shared_ptr<const DocTable>(t);
}

Result<std::shared_ptr<const FacetTable>> IndexImpl::Facets(const Txn& txn, const DocTable& table) const {
  {
    std::lock_guard<std::mutex> lock(table_mu_);
    if (facets_ && facets_->generation == table.generation) return facets_;
  }
  auto t = std::make_shared<FacetTable>();
  t->generation = table.generation;
  std::unordered_map<std::string, uint32_t> ids[FacetTable::kFields];
  for (int f = 0; f < FacetTable::kFields; ++f) t->offsets[f].assign(table.max_doc + 2, 0);
  format::DocBlockReader reader;
  Document doc;
  auto add = [&](int f, const std::string& v) {
    if (v.empty()) return;
    auto [it, fresh] = ids[f].emplace(v, static_cast<uint32_t>(t->names[f].size()));
    if (fresh) t->names[f].push_back(v);
    // A value listed twice in one document counts once.
    for (uint32_t k = t->offsets[f].back(); k < t->ids[f].size(); ++k)
      if (t->ids[f][k] == it->second) return;
    t->ids[f].push_back(it->second);
  };
  for (uint32_t d = 0; d <= table.max_doc + 1; ++d) {
    for (int f = 0; f < FacetTable::kFields; ++f) {
      t->offsets[f][d] = static_cast<uint32_t>(t->ids[f].size());
      t->offsets[f].back() = t->offsets[f][d];  // scratch: where doc d's values begin
    }
    if (d == 0 || d > table.max_doc || !table.IsLive(d)) continue;
    if (Status s = reader.ReadLive(txn, d, &doc); !s.ok()) return s;
    for (const std::string& a : doc.actors) add(0, a);
    for (const std::string& a : doc.topics) add(1, a);
    add(2, doc.author);
  }
  std::lock_guard<std::mutex> lock(table_mu_);
  if (!facets_ || facets_->generation < t->generation) facets_ = t;
  return std::shared_ptr<const FacetTable>(t);
}

Result<SearchResults> IndexImpl::DoSearch(const Query& query, const SearchOptions& options) const {
  // The cursor first: a bad one is the caller's error whatever the index holds.
  Cursor after;
  const bool has_after = !options.after.empty();
  if (has_after) {
    const CursorFault fault = DecodeCursor(options.after, &after);
    if (fault == CursorFault::kMalformed)
      return Status::InvalidArgument("not a paging cursor: '" + options.after.substr(0, 80) +
                                     "' (pass the next_cursor of a previous page unchanged)");
    if (after.index_id != index_id_)
      return Status::InvalidArgument(
          "this paging cursor was made for another index, or for this one before it was "
          "compacted or rebuilt; search again without a cursor");
    if (fault == CursorFault::kChanged)
      return Status::InvalidArgument(
          "this paging cursor was changed: its check does not match what it says (pass "
          "the next_cursor of a previous page unchanged, or search again without a cursor)");
    if (after.sort != options.sort || after.collapse != options.collapse)
      return Status::InvalidArgument(
          "this paging cursor was made with another sort order or collapse setting; "
          "page with the options of the first page");
    if (after.query_check != CursorQueryCheck(index_id_, query.ToString()))
      return Status::InvalidArgument(
          "this paging cursor was made for another query; page with the query of the "
          "first page (the same words, fields and dates), or search again without a cursor");
  }
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) return txn.status();
  auto table = Table(**txn);
  if (!table.ok()) return table.status();
  const DocTable& dt = **table;
  Status error;
  std::vector<std::string> warnings;
  const bool scoring = options.offset + options.limit > 0 || options.collapse || has_after;
  PlanBudget budget{.max_expansions = options.max_query_expansions,
                    .max_bytes = options.max_query_memory,
                    .max_scanned = options.max_query_scan};
  auto it = BuildIterator(query, **txn, dt, scoring, &error, &warnings, &budget);
  if (!it.ok()) return it.status();

  std::shared_ptr<const FacetTable> facet_table;
  for (const FacetRequest& r : options.facets)
    if (r.field != FacetField::kDate || (r.split && r.split_field != FacetField::kDate)) {
      auto ft = Facets(**txn, dt);
      if (!ft.ok()) return ft.status();
      facet_table = *ft;
      break;
    }
  FacetCounter facets(options.facets, dt, facet_table.get(), &options.facet_name);

  // Top-k: a min-heap of the best (offset + limit) hits by key (the score, or a
  // date made "higher is better"). before(a, b): a ranks before b (higher
  // key, then lower doc), so the heap's top is the worst hit kept.
  struct Entry {
    double key;
    double score;
    uint32_t doc;
  };
  auto before = [](const Entry& a, const Entry& b) { return a.key != b.key ? a.key > b.key : a.doc < b.doc; };
  const bool by_date = options.sort != SortOrder::kRelevance;
  auto date_key = [&](uint32_t doc) {
    Days d = doc < dt.dates.size() ? dt.dates[doc] : format::kNoDate;
    if (d == format::kNoDate) return -1e18;  // undated last either way
    return options.sort == SortOrder::kDateDescending ? static_cast<double>(d) : -static_cast<double>(d);
  };
  const Entry cursor_entry{after.key, 0, after.doc};
  // The documents a chain of pages shows: those that existed at its first page.
  const uint32_t max_doc = has_after ? after.max_doc : dt.max_doc;
  std::priority_queue<Entry, std::vector<Entry>, decltype(before)> heap(before);
  size_t k = options.offset + options.limit;
  if (k < options.offset) k = SIZE_MAX;  // overflow
  // Keeps e if it is among the k best so far; false if it did not enter.
  auto offer = [&](const Entry& e) {
    if (heap.size() < k) {
      heap.push(e);
    } else if (before(e, heap.top())) {
      heap.pop();
      heap.push(e);
    } else {
      return false;
    }
    return true;
  };
  SearchResults res;
  res.generation = dt.generation;
  res.expansions = budget.expansions;
  res.plan_bytes = budget.bytes;
  res.scanned = budget.scanned;
  res.warnings = std::move(warnings);
  if (env_->Replaced())
    res.warnings.push_back(
        "the index was compacted or replaced by another process since this one opened it: these "
        "results come from the file as it was then; open the index again to see later commits");
  if (has_after && after.generation != dt.generation)
    res.warnings.push_back("the index changed since this chain of pages began (commit " +
                           std::to_string(after.generation) + ", now " + std::to_string(dt.generation) +
                           "): the pages go on over the articles it had then, so articles added since are not "
                           "shown and replaced or deleted ones drop out; search again without a cursor to see them");
  DocIterator& root = **it;
  const bool exact = options.exact_total || !options.facets.empty() || has_after || options.collapse;
  const bool prune = !exact && k > 0 && !by_date;
  const bool plain_count = k == 0 && options.facets.empty() && !has_after && !options.collapse;
  std::vector<Entry> all;     // collapse: every match, grouped afterwards
  uint64_t after_cursor = 0;  // matches after the cursor (all of them without one)
  double theta = 0;
  if (plain_count) res.total = root.CountAll();  // only the number of matches is wanted
  for (root.Next(); !plain_count && root.doc() != kEndDoc; root.Next()) {
    const uint32_t doc = root.doc();
    if (doc > max_doc) continue;
    ++res.total;
    if (!options.facets.empty()) facets.Add(doc);
    if (k == 0 && !options.collapse && !has_after) continue;
    Entry e{0, 0, doc};
    if (options.collapse) {
      e.score = root.Score();
      e.key = by_date ? date_key(doc) : e.score;
      all.push_back(e);
      continue;
    }
    if (by_date) {
      e.key = date_key(e.doc);
      if (has_after && !before(cursor_entry, e)) continue;
      ++after_cursor;
      if (k == 0 || (heap.size() == k && !before(e, heap.top()))) continue;  // not scored unless it enters
      e.score = root.Score();
    } else {
      e.key = e.score = root.Score();
      if (has_after && !before(cursor_entry, e)) continue;
      ++after_cursor;
    }
    if (k == 0 || !offer(e)) continue;
    // Documents come in increasing id order, so a later one must score strictly
    // more than the k-th best to displace it.
    if (prune && heap.size() == k && heap.top().key > theta) {
      theta = heap.top().key;
      root.SetMinCompetitive(theta);
      res.total_exact = false;
    }
  }
  if (!error.ok()) return error;

  // Collapse: matches whose fingerprints agree on a 2-byte band are
  // candidates; those whose stored bodies' shingle sets are kNearJaccard
  // alike are joined into one group.
  std::unordered_map<uint32_t, std::vector<uint32_t>> members;  // representative -> the others, best first
  if (options.collapse) {
    std::vector<uint32_t> parent(all.size());
    for (uint32_t i = 0; i < parent.size(); ++i) parent[i] = i;
    auto find = [&](uint32_t x) {
      while (parent[x] != x) x = parent[x] = parent[parent[x]];
      return x;
    };
    std::unordered_map<uint32_t, std::vector<uint64_t>> shingles;  // entry -> its body's shingles
    std::unique_ptr<Analyzer> analyzer;
    format::DocBlockReader reader;
    auto shingles_of = [&](uint32_t i) -> Result<const std::vector<uint64_t>*> {
      auto it = shingles.find(i);
      if (it != shingles.end()) return &it->second;
      if (!analyzer) {
        auto a = Analyzer::Create();
        if (!a.ok()) return a.status();
        analyzer = std::move(*a);
      }
      Document d;
      if (Status s = reader.ReadLive(**txn, all[i].doc, &d); !s.ok()) return s;
      std::vector<Token> tokens;
      AnalyzerAccess::AnalyzeField(*analyzer, Field::kBody, d.body, 0, &tokens);
      std::vector<uint64_t> words(tokens.size());
      for (size_t t = 0; t < tokens.size(); ++t) words[t] = TermTable::Hash(Field::kBody, tokens[t].term);
      return &(shingles[i] = Shingles(words.data(), words.size()));
    };
    for (int band = 0; band < 4; ++band) {
      std::unordered_map<uint16_t, std::vector<uint32_t>> buckets;
      for (uint32_t i = 0; i < all.size(); ++i) {
        uint64_t fp = dt.fingerprints[all[i].doc];
        if (fp) buckets[static_cast<uint16_t>(fp >> (16 * band))].push_back(i);
      }
      for (auto& [band_bits, list] : buckets)
        for (size_t x = 0; x < list.size(); ++x)
          for (size_t y = x + 1; y < list.size(); ++y) {
            if (find(list[x]) == find(list[y])) continue;
            auto a = shingles_of(list[x]);
            if (!a.ok()) return a.status();
            auto b = shingles_of(list[y]);
            if (!b.ok()) return b.status();
            if (Jaccard(**a, **b) >= kNearJaccard) parent[find(list[x])] = find(list[y]);
          }
    }
    auto earlier = [&](uint32_t a, uint32_t b) {  // entries' documents: earliest date, undated last, then id
      Days da = dt.dates[all[a].doc], db = dt.dates[all[b].doc];
      if ((da == format::kNoDate) != (db == format::kNoDate)) return db == format::kNoDate;
      return da != db ? da < db : all[a].doc < all[b].doc;
    };
    std::unordered_map<uint32_t, std::vector<uint32_t>> groups;  // root -> entries
    for (uint32_t i = 0; i < all.size(); ++i) groups[find(i)].push_back(i);
    std::vector<Entry> folded;
    for (auto& [root_id, list] : groups) {
      uint32_t rep = list[0], best = list[0];
      for (uint32_t i : list) {
        if (earlier(i, rep)) rep = i;
        if (before(all[i], all[best])) best = i;
      }
      Entry e = all[rep];
      if (!by_date) e.key = e.score = all[best].score;  // ranked where its best copy ranks
      std::vector<uint32_t> others;
      std::sort(list.begin(), list.end(), [&](uint32_t a, uint32_t b) { return before(all[a], all[b]); });
      for (uint32_t i : list)
        if (i != rep) others.push_back(all[i].doc);
      if (!others.empty()) members[e.doc] = std::move(others);
      folded.push_back(e);
    }
    res.total = folded.size();
    for (const Entry& e : folded) {
      if (has_after && !before(cursor_entry, e)) continue;
      ++after_cursor;
      if (k > 0) offer(e);
    }
  }
  if (!options.facets.empty()) res.facets = facets.Finish();

  std::vector<Entry> best;
  while (!heap.empty()) {
    best.push_back(heap.top());
    heap.pop();
  }
  std::reverse(best.begin(), best.end());
  format::DocBlockReader docs;
  for (size_t i = options.offset; i < best.size(); ++i) {
    Hit h;
    h.doc_id = best[i].doc;
    h.score = best[i].score;
    if (auto m = members.find(h.doc_id); m != members.end()) {
      h.copies = static_cast<uint32_t>(m->second.size());
      h.copy_ids = m->second;
    }
    if (options.load_documents)
      if (Status s = docs.ReadLive(**txn, h.doc_id, &h.document); !s.ok()) return s;
    res.hits.push_back(std::move(h));
  }
  // A next page exists when matches remain after this one (counted exactly
  // unless pruned; then a full page suggests more).
  const bool more = exact ? after_cursor > options.offset + res.hits.size() : res.hits.size() == options.limit;
  if (!res.hits.empty() && more) {
    Cursor next;
    next.index_id = index_id_;
    next.generation = has_after ? after.generation : dt.generation;
    next.max_doc = max_doc;
    next.sort = options.sort;
    next.collapse = options.collapse;
    next.key = best.back().key;
    next.doc = best.back().doc;
    next.query_check = CursorQueryCheck(index_id_, query.ToString());
    res.next_cursor = EncodeCursor(next);
  }
  return res;
}

namespace {

// The internal id of the live document with caller id `id`.
Result<uint32_t> LiveDocId(const Txn& txn, const std::string& id) {
  // Ids are 1 to kMaxIdBytes bytes (Writer::Add refuses others), so longer ones
  // cannot be there; they are not looked up (LMDB refuses keys over 511 bytes).
  if (id.empty()) return Status::InvalidArgument("the document id is empty; give a document's id (1 to 400 bytes)");
  if (id.size() > kMaxIdBytes)
    return Status::NotFound("no document with id '" + id.substr(0, 80) + "…' (ids are at most 400 bytes)");
  std::string_view v;
  Status s = txn.Get(Db::kIds, id, &v);
  if (s.IsNotFound()) return Status::NotFound("no document with id '" + id + "'");
  if (!s.ok()) return s;
  if (v.size() != 4) return Status::Corruption("id table entry unreadable; rebuild the index");
  return format::DecodeFixed32BE(v.data());
}

}  // namespace

Result<uint32_t> IndexImpl::LocalId(const SplitSnapshot& snap, const std::string& id) const {
  return Guard([&] { return LiveDocId(*snap.txn, id); });
}

Result<Document> IndexImpl::DoGetDocument(const std::string& id) const {
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) return txn.status();
  auto doc = LiveDocId(**txn, id);
  if (!doc.ok()) return doc.status();
  std::string_view v;
  format::DocBlockReader docs;
  Status s = docs.Read(**txn, *doc, &v);
  if (!s.ok()) return s.IsNotFound() ? Status::Corruption("document '" + id + "' has no stored fields") : s;
  Document d;
  if (!format::DecodeStoredDoc(v, &d)) return Status::Corruption("stored document unreadable; rebuild the index");
  return d;
}

namespace {

// Explains node `q` for document `doc` with the iterators Search uses, so the
// scores are the same arithmetic; then each child on its own.
Status ExplainNode(const Query& q, uint32_t doc, const Txn& txn, const DocTable& table, int depth, Explanation* out) {
  if (depth > 256) return Status::InvalidArgument("query nested more than 256 levels deep");
  out->kind = q.kind();
  out->node = q.ToString();
  Status error;
  std::vector<std::string> warnings;
  auto it = BuildIterator(q, txn, table, /*scoring=*/true, &error, &warnings);
  if (!it.ok()) return it.status();
  DocIterator& i = **it;
  if (doc == 0)
    i.Next();  // a new iterator is "at" 0 before its first step
  else
    i.Advance(doc);
  out->matched = i.doc() == doc;
  if (out->matched) {
    out->score = i.Score();
    i.Describe(&out->detail);
  }
  if (!error.ok()) return error;
  switch (q.kind()) {
    case Query::Kind::kAnd:
    case Query::Kind::kOr:
    case Query::Kind::kNot:
    case Query::Kind::kBoost:
    case Query::Kind::kAndMaybe:
      for (const Query& c : q.children()) {
        out->children.emplace_back();
        Status s = ExplainNode(c, doc, txn, table, depth + 1, &out->children.back());
        if (!s.ok()) return s;
      }
      break;
    default:
      break;
  }
  return Status::OK();
}

}  // namespace

Result<Explanation> IndexImpl::DoExplain(const Query& query, const std::string& id) const {
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) return txn.status();
  auto doc = LiveDocId(**txn, id);
  if (!doc.ok()) return doc.status();
  auto table = Table(**txn);
  if (!table.ok()) return table.status();
  Explanation out;
  Status s = ExplainNode(query, *doc, **txn, **table, 0, &out);
  if (!s.ok()) return s;
  return out;
}

Result<IndexStats> IndexImpl::DoStats() const {
  auto txn = Txn::Begin(env_.get(), false);
  if (!txn.ok()) return txn.status();
  format::IndexState st;
  Status s = ReadState(**txn, &st);
  if (!s.ok()) return s;
  IndexStats out;
  out.documents = st.live_docs;
  out.generation = st.generation;
  out.format_version = kFormatVersion;
  out.unlocked = env_->unlocked();
  auto terms = (*txn)->Count(Db::kTerms);
  if (!terms.ok()) return terms.status();
  out.terms = *terms;
  std::error_code ec;
  for (const char* f : {"/data.mdb", "/lock.mdb"}) {
    auto n = std::filesystem::file_size(dir_ + f, ec);
    if (!ec) out.size_bytes += n;
  }
  return out;
}

// The files an index folder may hold: LMDB's data and lock files, the writer's
// lock and its spill files.
bool IsIndexFile(const std::string& name) {
  return name == "data.mdb" || name == "lock.mdb" || name == "write.lock" || name.rfind("spill-", 0) == 0;
}

}  // namespace db_internal

namespace {

using db_internal::IndexImpl;
using db_internal::IsIndexFile;
using db_internal::kDefaultMapSize;
using db_internal::ReadState;
using storage::Db;
using storage::Txn;

Result<std::unique_ptr<Index>> OpenIndex(const std::string& dir, const IndexOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool have_dir = fs::is_directory(dir, ec);
  bool have_data = have_dir && fs::exists(dir + "/data.mdb", ec);
  if (!have_dir && fs::exists(dir, ec)) return Status::InvalidArgument(dir + " exists and is not a directory");
  if (!have_data) {
    if (!options.create_if_missing || options.read_only)
      return Status::NotFound("no index at " + dir + " (create one with `loupe index --db " + dir + " PATH`)");
    // A new index goes into a new or empty folder only: created in a folder
    // of other files (a home folder, `/`), its files would be mixed with them.
    // Index files without data.mdb are what a first run stopped at its very
    // start leaves.
    std::string other;  // the first in name order, so the message is the same on every file system
    if (have_dir)
      for (const auto& entry : fs::directory_iterator(dir, ec))
        if (std::string name = entry.path().filename().string(); !IsIndexFile(name) && (other.empty() || name < other))
          other = name;
    if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
    if (!other.empty())
      return Status::InvalidArgument(dir + " holds other files (" + other +
                                     ", ...) and no index; a new index is "
                                     "created only in a new or empty folder: give --db a folder that does not exist "
                                     "yet or is empty");
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  }
  uint64_t map = options.initial_map_size ? options.initial_map_size : kDefaultMapSize;
  const bool may_create = options.create_if_missing && !options.read_only;
  auto env = storage::Env::Open(dir, map, options.read_only, may_create);
  if (!env.ok()) return env.status();

  // Check (or, for a new index, write) the format version. An index whose
  // meta table is empty was never completely created (a first run stopped
  // between creating the tables and writing these records): it is created now.
  {
    auto probe = Txn::Begin(env->get(), false);
    if (!probe.ok()) return probe.status();
    auto meta_entries = (*probe)->Count(Db::kMeta);
    if (!meta_entries.ok()) return meta_entries.status();
    probe->reset();
    const bool fresh = *meta_entries == 0;
    if (fresh && !may_create) return storage::NeverCreated(dir);
    auto txn = Txn::Begin(env->get(), fresh);
    if (!txn.ok()) return txn.status();
    std::string_view v;
    // Unchecked: indexes before version 4 have no checksums; the version
    // decides, then the record's checksum is checked.
    Status s = (*txn)->GetUnchecked(Db::kMeta, format::kMetaFormatKey, &v);
    if (s.IsNotFound() && fresh) {
      std::string ver;
      format::PutFixed32LE(&ver, kFormatVersion);
      format::IndexState st;
      if (!(s = (*txn)->Put(Db::kMeta, format::kMetaFormatKey, ver)).ok()) return s;
      if (!(s = (*txn)->Put(Db::kMeta, format::kMetaStateKey, format::EncodeIndexState(st))).ok()) return s;
      if (!(s = (*txn)->Put(Db::kMeta, format::kMetaAnalyzerKey, "icu72;nfkc_cf;english")).ok()) return s;
      std::random_device random;
      uint64_t id = (uint64_t{random()} << 32) ^ random();
      std::string id_bytes;
      format::PutFixed64LE(&id_bytes, id ? id : 1);
      if (!(s = (*txn)->Put(Db::kMeta, format::kMetaIndexIdKey, id_bytes)).ok()) return s;
      if (!(s = (*txn)->Commit()).ok()) return s;
    } else if (s.IsNotFound()) {
      return Status::Corruption(dir + " is not a Loupe index (no format version)");
    } else if (!s.ok()) {
      return s;
    } else {
      // Four bytes: written before checksums (an older format). More: this
      // format's record, whose checksum must hold before its number is believed.
      if (v.size() != 4 && !(s = (*txn)->Get(Db::kMeta, format::kMetaFormatKey, &v)).ok())
        return Status::Corruption("the format version record of " + dir + " is damaged (" + s.message() + ")");
      uint32_t found = v.size() >= 4 ? format::DecodeFixed32LE(v.data()) : 0;
      if (found != kFormatVersion)
        return Status::VersionMismatch("index " + dir + " has format version " + std::to_string(found) +
                                       "; this Loupe reads version " + std::to_string(kFormatVersion) +
                                       " (rebuild the index with this version)");
      if (!(s = (*txn)->Get(Db::kMeta, format::kMetaFormatKey, &v)).ok()) return s;
    }
  }
  uint64_t index_id = 0;
  {
    auto txn = Txn::Begin(env->get(), false);
    if (!txn.ok()) return txn.status();
    // The records above are written when the index is opened to be created,
    // before a writer has anything to commit: until the first commit (the
    // first generation) the index is only being created.
    format::IndexState st;
    Status s = ReadState(**txn, &st);
    if (!s.ok()) return s;
    if (st.generation == 0 && !may_create) return storage::NeverCreated(dir);
    std::string_view v;
    s = (*txn)->Get(Db::kMeta, format::kMetaIndexIdKey, &v);
    if (s.ok() && v.size() == 8)
      index_id = format::DecodeFixed64LE(v.data());
    else if (!s.ok() && !s.IsNotFound())
      return s;
  }
  return std::unique_ptr<Index>(new IndexImpl(dir, std::move(*env), options, index_id));
}

}  // namespace

Result<std::unique_ptr<Index>> Index::Open(const std::string& dir, const IndexOptions& options) {
  return Guard([&] { return OpenIndex(dir, options); });
}

}  // namespace loupe
