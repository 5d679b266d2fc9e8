// Index: an on-disk Loupe index (one directory), its writer and its searcher:
// Index, Writer, CompactIndex and Version(). The options these take are in
// loupe/options.h (IndexOptions, SearchOptions and the facet requests) and the
// values they return in loupe/results.h (SearchResults, Hit, Explanation,
// IndexStats, CheckReport, CompactReport); this header includes both, so a
// program needs only this one.
//
//   auto index = loupe::Index::Open("news.loupe", {.create_if_missing = true});
//   if (!index.ok()) { ... index.status().ToString() ... }
//   auto writer = (*index)->NewWriter();          // takes the cross-process write lock
//   (*writer)->Add(doc); (*writer)->Commit();
//   auto hits = (*index)->Search(query, {.limit = 10});
//
// Thread-safety:
//  - Index is safe to share between threads: every const method (Search,
//    GetDocument, Stats, Explain, Expansions, Words, DocFreq, ScanTerms, GetMetadata,
//    ListMetadata, Check, Backup) may run concurrently with the others and with a Writer; each call
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
//  - A collection (IndexOptions::partition) has a write lock per split, taken
//    when its Writer first adds to or deletes from that split: writers in
//    several processes may add to different splits at once. Its metadata and
//    manifest are locked only during Commit (and its metadata during
//    Writer::UpdateMetadata, which reads and writes a record atomically).
//  - The Index must outlive every Writer created from it.
#ifndef LOUPE_INDEX_H_
#define LOUPE_INDEX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loupe/document.h"
#include "loupe/options.h"
#include "loupe/query.h"
#include "loupe/results.h"
#include "loupe/status.h"
#include "loupe/tagger.h"

namespace loupe {

// On-disk format version written to and checked against the index's meta
// record (docs/index-format.md). Version 7 keeps the values of 64
// consecutive documents in one row; an index of an older version is refused
// with a message to rebuild it.
inline constexpr uint32_t kFormatVersion = 7;

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
  // holding other files; a partition given for a plain index, or one other
  // than a collection's own).
  // Collections: `dir` holding a collection manifest (collection.json) is
  // opened as a collection, whatever options.partition says if it is kNone;
  // with create_if_missing and options.partition kMonth or kYear, a new or
  // empty `dir` becomes a collection (docs/index-format.md, "Collections").
  // A collection's manifest that is damaged, or names a split holding no
  // index, is kCorruption.
  static Result<std::unique_ptr<Index>> Open(const std::string& dir, const IndexOptions& options = {});

  virtual ~Index() = default;
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Takes the write lock and returns a Writer. Errors: kLocked ("index is locked by
  // pid N") when another Writer exists, in this or another process; kInvalidArgument
  // for a read-only index; kIOError. A collection's NewWriter takes no lock:
  // its Writer takes each split's when it first changes that split (so its
  // Add and Delete may fail with kLocked instead).
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

  // The term dictionary of the last commit. DocFreq: the live documents
  // holding `term` in `field` (0 if none), one lookup; terms are as indexed
  // (folded, and stemmed in title, body and topic; a custom field's term is
  // "name:token"). ScanTerms: calls `fn` with each term of `field` starting
  // with `prefix` ("" for all) and its live documents, in byte order, leaving
  // out terms no live document holds, until `fn` returns false; it reads only
  // the dictionary's range of that prefix. Errors: kCorruption, kIOError.
  virtual Result<uint64_t> DocFreq(Field field, std::string_view term) const = 0;
  virtual Status ScanTerms(Field field, std::string_view prefix,
                           const std::function<bool(std::string_view term, uint64_t docs)>& fn) const = 0;

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
  // A collection's writer (IndexOptions::partition) queues `doc` for the split
  // of its date and the deletion of its id in any other split holding it; it
  // also fails with kLocked (another writer holds that split, or the one
  // holding the id), kInvalidArgument (that split is sealed), and the errors
  // of opening or creating a split (kIOError, kCorruption).
  virtual Status Add(const Document& doc) = 0;

  // Queues the deletion of the document with id `id`. Deleting an id that does not
  // exist is not an error (returns OK, changes nothing). A collection's writer
  // queues it in each split holding the id, with Add's errors.
  virtual Status Delete(const std::string& id) = 0;

  // Writes the batch in one transaction. When the LMDB map is full it is grown and
  // the transaction redone, so callers never see a map-full error. On any error
  // the index is left at its previous commit and the batch is kept, so Commit may
  // be retried. The first commit of a new index writes even an empty batch (it
  // completes the index's creation; see Index::Open); later empty ones write
  // nothing. Errors: kIOError (disk full, "the disk is full"; I/O), kCorruption.
  // A collection's writer commits each split with changes (IndexOptions::jobs
  // at once), then the metadata, then the manifest: atomic per split, not
  // across splits; a split whose commit fails keeps its batch (pending()
  // counts it) while the others' commits stand. It also fails with kLocked
  // when another process commits the collection's metadata for more than
  // about 10 seconds.
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

  // How UpdateMetadata changes a value: given the current one (null when the
  // key is absent; the pointer is valid during the call only), the new one,
  // or an error that cancels the update.
  using MetadataChange = std::function<Result<std::string>(const std::string* old)>;

  // Reads the application's metadata `key` (1 to 400 bytes), sets it to
  // change(current value) and returns the value set, so that two writers of
  // one collection that each add to a record (a list, a counter) keep both
  // additions, where GetMetadata then SetMetadata would let the later commit
  // replace the other's. An empty new value removes the key; one equal to the
  // current value (an absent key counts as "") writes nothing. `change` is
  // called once, on the caller's thread, and must not call this Writer; when
  // it returns an error (or throws), nothing is written and that error is
  // returned (for an exception, kInternal; for std::bad_alloc, kIOError "out
  // of memory").
  //  - A plain index's writer: the current value is the one this batch's
  //    SetMetadata or UpdateMetadata queued for the key, else the last
  //    commit's; the new value is queued like SetMetadata, written by the
  //    next Commit (no other writer can change the key meanwhile: the write
  //    lock is this writer's).
  //  - A collection's writer (IndexOptions::partition): takes the lock of
  //    the collection's metadata, waiting for another process's commit of it
  //    as Commit does, reads the last commit's value (or the value this
  //    batch's SetMetadata queued for the key, which the update then
  //    replaces), and writes the new value at once, in a transaction of its
  //    own, before it lets the lock go: atomic with respect to every other
  //    writer of the collection, in any process. The batch's documents and
  //    other metadata are untouched (still written by Commit), pending()
  //    counts neither the update nor the SetMetadata it replaced, and
  //    Rollback does not undo it.
  // Errors: kInvalidArgument (empty or over-long key), the error `change`
  // returned; a collection's writer also kLocked (another process commits
  // the collection's metadata for more than about 10 seconds), kIOError,
  // kCorruption.
  virtual Result<std::string> UpdateMetadata(std::string_view key, const MetadataChange& change) = 0;

 protected:
  Writer() = default;
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
// On a collection, compacts each split that is not sealed, one after the
// other (each as above, under its own write lock, its manifest entry updated
// after it), and reports the sums; a split a writer holds fails the call
// with kLocked naming it, after the splits before it were compacted.
// Errors: kNotFound, kInvalidArgument, kLocked, kIOError, kCorruption.
Result<CompactReport> CompactIndex(const std::string& dir);

// Seals split `split` ("2025-09") of the collection in `dir`: compacts it as
// CompactIndex does (on DIR/splits/SPLIT) and marks it sealed in the manifest.
// A sealed split is opened read-only and takes no documents: a Writer refuses
// to add one dated in its period, or to replace or delete one of its
// documents (kInvalidArgument). Other processes that have the collection
// open open the compacted split again at their next call. As for
// CompactIndex, the collection must not be open in this process (LMDB allows
// one open of an index per process), and the split's write lock is taken
// (kLocked while another process writes to the split). Errors: kNotFound (no collection at `dir`, no
// such split; the message lists the splits), kInvalidArgument (a plain index,
// a split sealed already), kLocked, kIOError, kCorruption.
Result<CompactReport> SealSplit(const std::string& dir, const std::string& split);

// Merges splits `splits` (two or more, e.g. "2025-01" ... "2025-12") of the
// collection in `dir` into one new split named `into` ("2025-all"), like
// xapian-compact: takes the write lock of every split merged (kLocked, naming
// the split, while another process writes to one), writes their live
// documents into a new index in DIR/splits/INTO.merging (deleting one left by
// a stopped merge first) in the collection's order (splits by first date,
// undated last; within one by date, then as they were added), so equal
// scores rank as before the merge; commits and syncs it, renames it to
// DIR/splits/INTO, then replaces the merged splits by INTO in the manifest
// with one atomic write, and deletes their folders. A crash at any moment
// leaves the manifest naming the old splits or the merged one, never both:
// folders it does not name are ignored; INTO.merging and an unlisted INTO are
// deleted by the next merge into INTO, and the old splits' folders (kept in
// the manifest's "retired" list until deleted) by the next merge or by a
// writer about to create a split of that name. Searches give the same hits
// and scores before and after. Sealed splits may be merged; the merged split
// is not sealed (SealSplit seals it). A document added later that is dated in
// a merged period goes to the split named by its period (created anew);
// replacing or deleting one held by the merged split changes it there. As
// for SealSplit, the collection must not be open in this process. `into`: 1
// to 64 letters, digits, '-', '_' and '.', not starting with '.', naming no
// split of the collection and no period of its partition ("2025-03" in a
// collection by month). Errors: kNotFound (no collection at `dir`, no such
// split; the message lists the splits), kInvalidArgument (a plain index,
// fewer than two splits, a bad or taken `into`), kLocked, kIOError,
// kCorruption.
Result<MergeReport> MergeSplits(const std::string& dir, const std::vector<std::string>& splits,
                                const std::string& into);

// Makes the plain index in `dir` a collection of one split, "all" (partition
// none): takes the write lock, writes the application's metadata (every
// ListMetadata key) into a new meta index DIR/meta, copies DIR/data.mdb into
// DIR/splits/all (synced), and writes the manifest: the commit point. Then
// the plain index's files are deleted. Stopped before the manifest, `dir` is
// the plain index as it was (DIR/meta and DIR/splits are ignored, and deleted
// by the next conversion); after it, a collection (a DIR/data.mdb left is
// ignored, and deleted by the next conversion, either way). Needs free space
// for a copy of the data file. The index must not be open in this process
// for writing. Searches give the same hits and scores; loupe index finds its
// files unchanged. A collection with a DIR/data.mdb left by a stopped
// conversion is finished (the file deleted). Errors: kNotFound (no index),
// kInvalidArgument (a collection already), kLocked (a writer runs),
// kIOError, kCorruption.
Status ConvertToCollection(const std::string& dir);

// Makes the collection in `dir`, which must have exactly one split, a plain
// index again: takes the split's write lock, commits the meta index's
// metadata into the split (one commit), copies its data file to DIR/data.mdb
// (synced), and removes the manifest: the commit point. Then the
// collection's folders are deleted. Stopped before the manifest is removed,
// `dir` is the collection (a DIR/data.mdb is ignored, and replaced by the
// next conversion); after, the plain index (DIR/meta and DIR/splits are
// ignored, and deleted by the next conversion). A plain index with such
// leftovers is finished (they are deleted). The collection must not be open
// in this process. Errors: kNotFound (no index), kInvalidArgument (a plain
// index already; more than one split: merge them first, MergeSplits),
// kLocked, kIOError, kCorruption.
Status ConvertToIndex(const std::string& dir);

// Library version "MAJOR.MINOR.PATCH".
const char* Version();

}  // namespace loupe

#endif  // LOUPE_INDEX_H_
