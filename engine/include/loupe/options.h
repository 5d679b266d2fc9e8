// Options: the plain structs that say how an index is opened (IndexOptions,
// for Index::Open) and how a search runs (SearchOptions, for Index::Search:
// paging, sort, facets with FacetRequest, FacetField, DateUnit and FacetNameFn,
// cursors, near-duplicate collapse, and the limits of one query). Every field
// has its default beside it. loupe/index.h includes this header, so a program
// that includes loupe/index.h has these too.
//
// Thread-safety: plain values; one options struct may be read by several
// threads at once (searches on several threads may share one SearchOptions).
// SearchOptions::facet_name is called on the searching thread, so a function
// shared by searches on several threads must be safe to call from them at once.
#ifndef LOUPE_OPTIONS_H_
#define LOUPE_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "loupe/query.h"

namespace loupe {

// How a collection splits its documents into indexes by date (see
// IndexOptions::partition and docs/index-format.md, "Collections"): one split
// per month ("2025-09"), per year ("2025"), or one split ("all"). Undated
// documents go to the split "undated" (kMonth, kYear).
enum class Partition { kNone, kMonth, kYear };

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
  // inverts them (and, rather than wait for them, analyzes queued documents
  // itself): -1 = one per core beyond the first (at most 4), 0 = analyze on
  // the caller's thread only.
  int writer_threads = -1;
  // Initial LMDB map size in bytes. The map grows by itself when a commit needs
  // more; this only sets where it starts. 0 = a built-in default (1 GiB).
  uint64_t initial_map_size = 0;
  // Memory a Writer may hold for its uncommitted batch (inverted terms and
  // stored text, estimated) before it writes the batch out to a temporary file
  // in the index directory, to be merged at Commit. A batch of any size then
  // commits in one pass with bounded memory. 0 = a built-in default (96 MiB).
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
  // Strip diacritics from every term (AnalyzerOptions::fold_diacritics: café
  // is indexed and searched as cafe). A property of the index, fixed when it
  // is created: a new index (a new collection, and every split it creates)
  // takes this value, and its first commit records it in the index's
  // "analysis" metadata (kAnalysisMetadataKey, loupe/language.h), from which
  // its writers, its searches and the query side (ReadIndexAnalysis) all
  // analyze alike. An existing index keeps what it was created with: false
  // (the default) opens it as it is, folded or not, so that programs that
  // only search need not know; true on an index created without folding is
  // kInvalidArgument (its terms were written unfolded: rebuild the index into
  // a new folder to fold them).
  bool fold_diacritics = false;
  // A collection: a folder holding a manifest and one ordinary index per
  // time period (docs/index-format.md, "Collections"), searched as one.
  // kNone (the default) opens whatever `dir` holds, a plain index or a
  // collection, and creates a plain index. kMonth or kYear with
  // create_if_missing creates a collection partitioned so in a new or empty
  // folder; on an existing collection it must be the collection's own
  // partition, and on a plain index it is refused (kInvalidArgument), since
  // a plain index is not converted in place.
  Partition partition = Partition::kNone;
  // A collection's Writer: how many of its splits Commit analyzes and writes
  // at once, on threads of their own (1: one after another, on the caller's
  // thread). Add queues each document for its split, and Commit has each
  // split's writer analyze its queue on the thread committing the split
  // (writer_threads does not apply to the splits), so `jobs` is a
  // collection's whole parallelism. The queue holds the documents' text up to
  // writer_memory_bytes (192 MiB by default); past it, Add analyzes the
  // largest split's queue on the caller's thread. Ignored by a plain index.
  int jobs = 1;
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
  // When the search must end: past this moment it stops and returns
  // kDeadlineExceeded (no partial results), so that a server can bound the
  // time one request holds a thread. It is checked as each postings block is
  // read, each match collected, each part of the query planned and each
  // near-duplicate pair compared (collapse), the clock read once in 32 checks;
  // so a search stops within microseconds of the deadline, except while a
  // prefix or fuzzy word's dictionary is scanned (max_query_scan bounds that).
  // Searches on a collection stop at it too. The default never ends.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

}  // namespace loupe

#endif  // LOUPE_OPTIONS_H_
