// Index: an on-disk Loupe index (one directory), its writer and its searcher.
//
//   auto index = loupe::Index::Open("news.loupe", {.create_if_missing = true});
//   if (!index.ok()) { ... index.status().ToString() ... }
//   auto writer = (*index)->NewWriter();          // takes the cross-process write lock
//   (*writer)->Add(doc); (*writer)->Commit();
//   auto hits = (*index)->Search(query, {.limit = 10});
//
// Thread-safety:
//  - Index is safe to share between threads: every const method (Search,
//    GetDocument, Stats, Explain, Expansions, Words, GetMetadata, ListMetadata, Check,
//    Backup) may run concurrently with the others and with a Writer; each call
//    reads one consistent snapshot (the last commit at the time the call
//    started). tests/engine/index/concurrency_test.cc holds four searching threads to that
//    beside a committing writer, under ThreadSanitizer.
//  - SearchOptions::facet_name is called on the searching thread.
//  - CompactIndex needs the index closed in this process (below).
//  - A Writer must be used by one thread at a time. At most one Writer exists per
//    index across all processes (an advisory lock on DIR/write.lock); a second
//    NewWriter fails at once with kLocked: "index is locked by pid N".
//  - Open an index directory at most once per process (an LMDB rule), and do not
//    use an Index across fork(); reopen in the child.
//  - The Index must outlive every Writer created from it.
#ifndef LOUPE_INDEX_H_
#define LOUPE_INDEX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loupe/document.h"
#include "loupe/query.h"
#include "loupe/status.h"
#include "loupe/tagger.h"

namespace loupe {

// On-disk format version written to and checked against the index's meta record.
inline constexpr uint32_t kFormatVersion = 5;

struct IndexOptions {
  // Create the directory and an empty index if none exists. Default: open only.
  // A new index is created only in a new or empty directory (one holding only
  // index files, lock.mdb, write.lock or spill-*, left by a first run stopped
  // at its start, counts as empty): a directory of other files without an
  // index is kInvalidArgument.
  bool create_if_missing = false;
  // Open for reading only: NewWriter fails with kInvalidArgument. Nothing is
  // written to the index folder, except LMDB's lock file (its table of
  // readers), which is created if missing. A process that may not write the
  // lock file (another user's index, read-only media) opens the index without
  // it (IndexStats::unlocked): LMDB then cannot tell a writer which pages this
  // process reads, so no writer may run on the index while it is open so
  // (one could reuse pages a search is reading and give it wrong results or
  // a kCorruption error).
  bool read_only = false;
  // Threads a Writer uses to analyze documents while the caller's thread
  // inverts them: -1 = one per core beyond the first (at most 4), 0 = analyze
  // on the caller's thread.
  int writer_threads = -1;
  // Initial LMDB map size in bytes. The map grows by itself when a commit needs
  // more; this only sets where it starts. 0 = a built-in default (1 GiB).
  uint64_t initial_map_size = 0;
  // Memory a Writer may hold for its uncommitted batch (inverted terms and
  // stored text, estimated) before it writes the batch out to a temporary file
  // in the index directory, to be merged at Commit. A batch of any size then
  // commits in one pass with bounded memory. 0 = a built-in default (192 MiB).
  // Not counted: the batch's table of written forms (about 50 bytes per
  // distinct word the batch's titles, bodies and topics write), which stays
  // in memory until Commit, since the words recur across the whole batch.
  size_t writer_memory_bytes = 0;
  // Tag what a Writer adds with the index's gazetteer, topic lexicon and title
  // words (Tagger::Tag, loupe/tagger.h): declared actors go by their canonical
  // names, and an article that declares no actors or topics gets those
  // detected in its title and body, so that a program adding documents and
  // the `loupe` command index the same article the same way. Off: documents
  // are indexed exactly as given (for callers that tag themselves, as `loupe
  // index` does on its reading threads). The index's data are its metadata
  // keys "gazetteer", "topics" and "titles" (texts in the formats of
  // docs/corpus-format.md), each the built-in one (loupe/builtin_data.h,
  // DefaultTitles) when the key is absent; a Writer tags with what the last
  // commit had when it was created.
  bool tagging = true;
};

// What to count over all the matches of a search (not only the page shown).
enum class FacetField { kActor, kTopic, kAuthor, kDate };
// Width of a date facet's buckets. Weeks are ISO 8601 weeks (Monday first),
// labelled "2025-W38"; days "2025-09-15", months "2025-09", years "2025".
enum class DateUnit { kDay, kWeek, kMonth, kYear };

struct FacetRequest {
  FacetField field = FacetField::kActor;
  DateUnit unit = DateUnit::kMonth;  // kDate only
  // Values kept, most frequent first (ties by value). Date facets keep every
  // bucket from the first to the last dated match, empty ones included, up to
  // 5,000 buckets; beyond that only non-empty ones (FacetResult::gaps_left_out).
  size_t top = 10;
  // Also split each bucket or value's count by this field (e.g. a date
  // histogram per actor) over the `split_top` values the most of its matches
  // have, ties by value (FacetResult::split_values; for a date facet, among
  // the dated matches). A match counts under every one of them it has, so
  // FacetCount::split[i] is all of the bucket's matches with value i, and the
  // split counts of a bucket may add up to more than its count;
  // FacetCount::split_none counts the matches with none of them. kDate as
  // split is not supported.
  bool split = false;
  FacetField split_field = FacetField::kActor;
  size_t split_top = 5;
};

// The name a stored actor, topic or author value is counted under in facets,
// e.g. an actor's canonical name for each of its aliases; "" keeps the value.
using FacetNameFn = std::function<std::string(FacetField field, const std::string& value)>;

struct FacetCount {
  std::string value;  // the actor, topic or author (as stored, or as facet_name names it); or the bucket's label
  uint64_t count = 0;
  Days first_day = 0;           // date facets: the bucket's first day
  std::vector<uint64_t> split;  // with FacetRequest::split: matches counted under split_values[i]
  uint64_t split_none = 0;      // with FacetRequest::split: matches with none of split_values
};

struct FacetResult {
  std::string name;  // "actor", "topic", "author", "date:day" / ":week" / ":month" / ":year"
  std::vector<FacetCount> counts;
  uint64_t distinct = 0;  // distinct values (date: non-empty buckets) among the matches
  uint64_t missing = 0;   // matches without a value (no actor; undated)
  std::vector<std::string> split_values;
  // Date facets: the span held more than 5,000 buckets, so the empty ones
  // were left out (ask for a wider unit to get them all).
  bool gaps_left_out = false;
};

// Default limits of SearchOptions::max_query_expansions, max_query_memory
// and max_query_scan.
inline constexpr uint64_t kDefaultMaxQueryExpansions = 16384;
inline constexpr uint64_t kDefaultMaxQueryMemory = uint64_t{256} << 20;  // 256 MiB
inline constexpr uint64_t kDefaultMaxQueryScan = uint64_t{32} << 20;     // 33,554,432 entries

struct SearchOptions {
  size_t limit = 10;           // hits to return
  size_t offset = 0;           // hits to skip (paging)
  bool load_documents = true;  // fill Hit::document with the stored fields
  // Count every match exactly. When false, the search may skip documents that
  // cannot enter the top offset + limit (block-max and MaxScore pruning), which
  // is much faster for large result sets; `total` is then a lower bound and
  // `total_exact` false. The hits are the same either way. Facets, a cursor
  // and collapse always count exactly.
  bool exact_total = true;
  // Hit order (hits still carry their scores). Only kRelevance prunes.
  SortOrder sort = SortOrder::kRelevance;
  // Counts over all the matches (see FacetRequest), in SearchResults::facets.
  // With collapse, facets still count every match, copies included.
  std::vector<FacetRequest> facets = {};
  // If set, facet values are counted under the names it gives (so the
  // aliases of one actor count as one; a match counts once per name).
  FacetNameFn facet_name = nullptr;
  // A cursor from a previous page's SearchResults::next_cursor, made with the
  // same query and sort: the hits after that page's last hit (then `offset`
  // more are skipped). The pages of one chain of cursors show the articles the
  // index had when the first page was searched, each once: articles added
  // later are left out, and a replaced or deleted one drops out. When the
  // index changed since the first page, `warnings` says so (relevance scores
  // then move a little with the changed statistics). A cursor ends with a
  // keyed hash of what it says and of the query it was made for (its
  // canonical Query::ToString). A malformed cursor, one changed by hand (the
  // hash does not match), one made for another query or sort, or one made for
  // another index (or for this one before it was compacted or rebuilt) is
  // kInvalidArgument.
  std::string after = {};
  // Fold near-identical bodies (syndicated copies: at least 80% of their
  // three-word shingles in common, found through a MinHash fingerprint stored
  // per document and checked on the stored bodies) into one hit, the earliest
  // copy (undated last, then lowest id); by relevance the group is ranked and
  // scored as its best copy, by date it is placed at the date shown (the
  // earliest copy's); Hit::copies counts the others. `total` then counts the groups.
  // Costs a pass over every match, plus reading the bodies of candidate pairs.
  bool collapse = false;
  // Bounds on the work one query may plan, so that a long or hostile query is
  // refused instead of taking the machine's memory or time. A search whose
  // plan would pass any of them is refused with kInvalidArgument, before it
  // allocates or reads more, naming the limit and the part of the query where
  // it was passed (with its place in the query text, Status::offset(), when
  // the query was planned from text).
  //  - max_query_expansions: the terms all of the query's prefix and fuzzy
  //    leaves expand to, together (after each leaf's own cap). Leaves that
  //    are the same (the same field, word and kind) are expanded once and
  //    counted once.
  //  - max_query_memory: the memory the query's iterators are estimated to
  //    take at once, in bytes: about 2.5 KiB for each term, phrase word and
  //    expansion searched (a repeat in another place counts again; the parts
  //    of a subtree that turns out to match nothing count only until then),
  //    plus the bitsets and expansion lists.
  //  - max_query_scan: the term dictionary entries read to find those
  //    expansions, together (a prefix reads the terms that start with it, a
  //    fuzzy word its field's whole dictionary); this bounds the time spent
  //    expanding (the default, 33,554,432 entries, took about 2 s where
  //    it was measured: 300 fuzzy words on a dictionary of 235,000 terms).
  uint64_t max_query_expansions = kDefaultMaxQueryExpansions;
  uint64_t max_query_memory = kDefaultMaxQueryMemory;
  uint64_t max_query_scan = kDefaultMaxQueryScan;
};

struct Hit {
  uint32_t doc_id = 0;             // internal id; changes when the document is replaced
  double score = 0;                // BM25; higher is better
  Document document;               // stored fields (empty if !SearchOptions::load_documents)
  uint32_t copies = 0;             // SearchOptions::collapse: near-identical copies folded into this hit
  std::vector<uint32_t> copy_ids;  // their internal ids, best first
};

struct SearchResults {
  uint64_t total = 0;       // number of matching documents (see total_exact)
  bool total_exact = true;  // false: `total` is a lower bound (SearchOptions::exact_total)
  std::vector<Hit> hits;    // best first; ties broken by lower doc_id first
  // Things the user should know about how the query was run, e.g. a prefix
  // that matched more terms than it was allowed to expand to.
  std::vector<std::string> warnings;
  std::vector<FacetResult> facets;  // one per SearchOptions::facets, in order
  // Pass as SearchOptions::after to get the next page; empty when this page
  // is the last (or empty).
  std::string next_cursor;
  uint64_t generation = 0;  // the commit searched (IndexStats::generation)
  // What the query's plan took, against SearchOptions::max_query_expansions,
  // max_query_memory and max_query_scan: distinct expanded terms, the most
  // estimated bytes its iterators held at once, and dictionary entries read.
  uint64_t expansions = 0;
  uint64_t plan_bytes = 0;
  uint64_t scanned = 0;
};

// Why a document scores what it does for a query: one node per query node,
// with what that node contributes. For a document the query matches, the
// root's score is the document's score in Search (the same arithmetic).
struct Explanation {
  Query::Kind kind = Query::Kind::kNone;  // the query node's kind
  std::string node;                       // the query node (Query::ToString)
  bool matched = false;                   // the node matches the document
  double score = 0;                       // what the node adds to the document's score
  // Leaves that matched: BM25's inputs, e.g. "tf 3, df 12 of 64 documents,
  // idf 1.609, field weight 1, field length 410 (average 385.2), k1 1.2, b 0.75".
  std::string detail;
  std::vector<Explanation> children;
};

struct IndexStats {
  uint64_t documents = 0;   // live documents
  uint64_t terms = 0;       // distinct (field, term) pairs
  uint64_t size_bytes = 0;  // bytes on disk (data + lock file)
  uint32_t format_version = 0;
  uint64_t generation = 0;  // number of commits so far
  // Opened read-only without LMDB's lock file, because this process may not
  // write it (another user's index, read-only media): searches work, but no
  // writer may run on the index meanwhile (see IndexOptions::read_only).
  bool unlocked = false;
};

// What Index::Check found.
struct CheckReport {
  // What is wrong, one line each (the first 100; more_problems counts the
  // rest). Empty: the index is sound.
  std::vector<std::string> problems;
  uint64_t more_problems = 0;
  uint64_t values = 0;     // stored values read, each with its checksum checked
  uint64_t documents = 0;  // live documents (their values, ids and stored fields checked)
  uint64_t terms = 0;      // terms whose statistics were checked against their postings
  uint64_t postings = 0;   // postings read
  bool ok() const { return problems.empty() && more_problems == 0; }
};

class Writer;

class Index {
 public:
  // Opens (or, with create_if_missing, creates) the index in directory `dir`.
  // A new index is complete from its first Writer::Commit (which writes even an
  // empty batch); until then, or if the creating process stops before it, the
  // index is "never completely created": opened without create_if_missing (or
  // read-only) that is kNotFound, and with it the index is created afresh. An
  // open that races a compaction in another process (CompactIndex swaps the
  // folder) opens the old index or the new one.
  // Errors: kNotFound (no index and !create_if_missing; never completely
  // created), kVersionMismatch (format written by another version), kCorruption
  // (not a Loupe index, or damaged), kIOError (permissions, disk; a full disk
  // says "the disk is full"; an open for writing by a process that may not
  // write the index says "cannot write to DIR: permission denied"),
  // kInvalidArgument (`dir` is a file, or, to create an index, a directory
  // holding other files).
  static Result<std::unique_ptr<Index>> Open(const std::string& dir, const IndexOptions& options = {});

  virtual ~Index() = default;
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Takes the write lock and returns a Writer. Errors: kLocked ("index is locked by
  // pid N") when another Writer exists, in this or another process; kInvalidArgument
  // for a read-only index; kIOError.
  virtual Result<std::unique_ptr<Writer>> NewWriter() = 0;

  // Runs `query` against the last commit. Errors: kCorruption, kIOError.
  virtual Result<SearchResults> Search(const Query& query, const SearchOptions& options = {}) const = 0;

  // Stored fields of the document with caller id `id`. Errors: kNotFound (no
  // such document, an id over 400 bytes included), kInvalidArgument (an empty
  // id), kCorruption, kIOError.
  virtual Result<Document> GetDocument(const std::string& id) const = 0;

  virtual Result<IndexStats> Stats() const = 0;

  // Explains the score of the document with caller id `id` for `query`, node by
  // node (see Explanation). Errors: kNotFound (no such document), kInvalidArgument
  // (an empty id), kCorruption, kIOError.
  virtual Result<Explanation> Explain(const Query& query, const std::string& id) const = 0;

  // The application's metadata (see Writer::SetMetadata) in the last commit:
  // the value of `key` (kNotFound if absent), or every key starting with
  // `prefix` with its value, in key order.
  virtual Result<std::string> GetMetadata(std::string_view key) const = 0;
  virtual Result<std::vector<std::pair<std::string, std::string>>> ListMetadata(std::string_view prefix) const = 0;

  // The terms a Prefix or Fuzzy query searches in the last commit (after its
  // cap, with a warning in *warnings when the cap cut some), each with the
  // number of live documents holding it, most frequent first. Errors:
  // kInvalidArgument for other kinds of query, kCorruption, kIOError.
  // For a Prefix of a stemmed field (title, body, topic) the list is the
  // words as written that start with the prefix (Words), uncapped: the index
  // searches their stems, checking a stem's documents against their stored
  // text when the stem also has written forms that do not start with it.
  virtual Result<std::vector<std::pair<std::string, uint64_t>>> Expansions(
      const Query& query, std::vector<std::string>* warnings = nullptr) const = 0;

  // The words as written (folded like the field's terms, not stemmed) that a
  // Prefix or Fuzzy query's word reaches in the last commit, each with the
  // number of live documents writing it in the query's field, most first; no
  // cap. For title, body and topic these are the written forms the index keeps
  // beside the stems (a Fuzzy word is then compared with them, not with the
  // stems); for actor and author, whose terms are the folded words, the terms.
  // Reads the field's whole list of words for Fuzzy. Errors:
  // kInvalidArgument for other kinds of query (or past the dictionary reads
  // SearchOptions::max_query_scan allows by default), kCorruption, kIOError.
  virtual Result<std::vector<std::pair<std::string, uint64_t>>> Words(const Query& query) const = 0;

  // Reads the last commit whole and reports what is damaged or inconsistent:
  // every stored value's checksum and structure, and that a lookup by its key
  // finds it; the index state against the
  // document values (live count, field length totals); the id table against
  // the live documents and their stored fields; each term's document count,
  // occurrences and block count against its postings; positions for every
  // postings block. Costs a read of the whole file; runs beside searches and
  // a writer like any read. Errors: kIOError (the check itself could not run).
  // LMDB's page structure has no checksums: damage there may be reported by
  // LMDB (kCorruption) or, in the worst case, fault the process.
  virtual Result<CheckReport> Check() const = 0;

  // Writes a consistent copy of the last commit into directory `dest` (created
  // if missing; it must not already hold an index), compacted (LMDB's free
  // pages left out), while searches and a writer go on: a hot backup. The
  // copy is written as `dest`/data.mdb.partial, synced, and renamed to
  // `dest`/data.mdb, so a data.mdb there is always a whole copy: a failed copy
  // deletes its file, and one left by a killed process is overwritten by the
  // next Backup into `dest`. The copy opens as an ordinary index. Errors:
  // kInvalidArgument (dest holds an index, is not a directory, or is the index
  // folder, inside it, or its compaction folder, which compaction replaces),
  // kLocked (another Backup is writing into dest), kIOError (a full disk says
  // "the disk is full").
  virtual Status Backup(const std::string& dest) const = 0;

  // The index's gazetteer (its metadata key "gazetteer", or the built-in one
  // when absent; see IndexOptions::tagging) for resolving actor names in
  // queries: CompileQuery(text, index) uses it, so `actor:贝森特` finds what
  // the index filed under Scott Bessent. Built once and shared while the
  // stored gazetteer stays the same; NamesOf may be called from any thread.
  // Errors: kCorruption, kIOError.
  virtual Result<std::shared_ptr<const Gazetteer>> GetGazetteer() const = 0;

  // The directory this index lives in.
  virtual const std::string& dir() const = 0;

 protected:
  Index() = default;
};

// Buffers added and deleted documents in memory and applies them atomically at
// Commit (one LMDB write transaction). Searches see nothing of a batch until it
// is committed. Destroying a Writer discards an uncommitted batch and releases
// the write lock.
class Writer {
 public:
  virtual ~Writer() = default;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues `doc`. If a document with the same id exists (committed or queued),
  // it is replaced. Errors: kInvalidArgument (empty id, id over 400 bytes).
  virtual Status Add(const Document& doc) = 0;

  // Queues the deletion of the document with id `id`. Deleting an id that does not
  // exist is not an error (returns OK, changes nothing).
  virtual Status Delete(const std::string& id) = 0;

  // Writes the batch in one transaction. When the LMDB map is full it is grown and
  // the transaction redone, so callers never see a map-full error. On any error
  // the index is left at its previous commit and the batch is kept, so Commit may
  // be retried. The first commit of a new index writes even an empty batch (it
  // completes the index's creation; see Index::Open); later empty ones write
  // nothing. Errors: kIOError (disk full, "the disk is full"; I/O), kCorruption.
  virtual Status Commit() = 0;

  // Drops the uncommitted batch.
  virtual void Rollback() = 0;

  // Operations queued (adds, deletes, metadata changes) since the last Commit or Rollback.
  virtual size_t pending() const = 0;

  // Queues setting the application's metadata `key` (1 to 400 bytes) to
  // `value`; an empty value removes the key. Written by the next Commit, in the
  // same transaction as the documents, so it always describes the documents
  // committed with it (e.g. which source files they came from, for incremental
  // re-indexing). Errors: kInvalidArgument (empty or over-long key).
  virtual Status SetMetadata(std::string_view key, std::string_view value) = 0;

 protected:
  Writer() = default;
};

// What CompactIndex did.
struct CompactReport {
  uint64_t documents = 0;     // live documents kept
  uint64_t dropped = 0;       // deleted or replaced document versions whose postings and text went
  uint64_t bytes_before = 0;  // data file sizes
  uint64_t bytes_after = 0;
};

// Rewrites the index in `dir` without its deleted and replaced documents:
// takes the write lock (kLocked while another writer runs), writes every live
// document and the application's metadata into a new index in DIR.compacting,
// syncs it, and swaps the two folders with one rename (RENAME_EXCHANGE), so a
// crash at any moment leaves either the old index or the new one. Refused
// (kInvalidArgument) when DIR holds files that are not the index's, or
// DIR.compacting holds files it did not write. Document ids are renumbered,
// the commit count starts again and the index gets a new id (paging cursors
// made before are refused). Processes that had the index open keep reading the
// old file until they reopen it, and their searches say so in a warning; a
// Writer opened before fails at NewWriter/Commit with kIOError ("compacted or
// replaced by another process") instead of writing to the old file. The index
// must not be open in this process. Needs free space for the new file. A
// compaction that fails (a full disk, a damaged document) deletes
// DIR.compacting and leaves the index as it was.
// Errors: kNotFound, kInvalidArgument, kLocked, kIOError, kCorruption.
Result<CompactReport> CompactIndex(const std::string& dir);

// Library version "MAJOR.MINOR.PATCH".
const char* Version();

}  // namespace loupe

#endif  // LOUPE_INDEX_H_
