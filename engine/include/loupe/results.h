// Results: the values an index's calls return: a search's SearchResults
// (its Hits, and its facet counts as FacetResult and FacetCount),
// Index::Explain's Explanation, Index::Stats's IndexStats, Index::Check's
// CheckReport, CompactIndex's CompactReport and MergeSplits's MergeReport. loupe/index.h includes this
// header, so a program that includes loupe/index.h has these too.
//
// Thread-safety and lifetimes: plain values, copies of what the index held:
// they stay valid after the call and after the index is closed, and distinct
// objects may be used from distinct threads freely.
#ifndef LOUPE_RESULTS_H_
#define LOUPE_RESULTS_H_

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "loupe/document.h"
#include "loupe/query.h"

namespace loupe {

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

struct Hit {
  uint32_t doc_id = 0;             // internal id (in its split); changes when the document is replaced
  std::string split;               // a collection's: the split holding it ("" for a plain index)
  double score = 0;                // BM25; higher is better
  Document document;               // stored fields (empty if !SearchOptions::load_documents)
  uint32_t copies = 0;             // SearchOptions::collapse: near-identical copies folded into this hit
  std::vector<uint32_t> copy_ids;  // their internal ids (each in its split), best first
};

struct SearchResults {
  uint64_t total = 0;       // number of matching documents (see total_exact)
  bool total_exact = true;  // false: `total` is a lower bound (SearchOptions::exact_total)
  // Best first; equal scores (or dates) go to the earlier date (undated
  // last), then to the document added first (in a collection: the earlier
  // split first), so one index and a collection of the same documents rank alike.
  std::vector<Hit> hits;
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

// One split of a collection (IndexStats::splits).
struct SplitStats {
  std::string name = {};    // "2025-09", "2025", "undated", "all"
  Days first = INT32_MIN;   // the date of its earliest document; INT32_MIN: none dated
  Days last = INT32_MIN;    // the date of its latest document; INT32_MIN: none dated
  uint64_t documents = 0;   // live documents
  uint64_t size_bytes = 0;  // bytes on disk (data + lock file)
  uint64_t generation = 0;  // the split's commits so far
  bool sealed = false;      // compacted and closed to writers (docs/index-format.md)
};

// One table of an index's data file (IndexStats::tables), as LMDB counts it.
struct TableStats {
  std::string name = {};  // "terms", "postings", "positions", "docs", ... (docs/index-format.md)
  uint64_t entries = 0;   // keys in the table
  // Its pages in use (branch, leaf and overflow pages) times the page size, as
  // of the last commit. Pages LMDB freed and keeps for later commits are in no
  // table, so the tables together are at most size_bytes.
  uint64_t bytes = 0;
  // bytes / IndexStats::documents (0 when there are none): what a live document
  // costs, deleted or replaced versions not yet compacted away included.
  double bytes_per_document = 0;
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
  // A collection: its partition ("month", "year" or "none"; "" for a plain
  // index) and its splits in the order searched (by date, undated and empty
  // ones last). For a collection `documents`, `terms`, `size_bytes` and
  // `unlocked` add up (or join) its splits' and its meta index's (`terms`
  // counts a term once per split holding it), and `generation` is the
  // manifest's: the collection's commits so far.
  std::string partition = {};
  std::vector<SplitStats> splits = {};
  // Every table of the data file, in the order of docs/index-format.md's
  // "Named databases". A collection sums its splits' tables (its meta index,
  // which holds no documents, is left out), with bytes_per_document over all
  // its documents.
  std::vector<TableStats> tables = {};
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

// What CompactIndex did.
struct CompactReport {
  uint64_t documents = 0;     // live documents kept
  uint64_t dropped = 0;       // deleted or replaced document versions whose postings and text went
  uint64_t bytes_before = 0;  // data file sizes
  uint64_t bytes_after = 0;
};

// What MergeSplits did.
struct MergeReport {
  uint64_t documents = 0;     // live documents written into the merged split
  uint64_t splits = 0;        // splits merged
  uint64_t bytes_before = 0;  // the merged splits' data file sizes, together
  uint64_t bytes_after = 0;   // the merged split's data file size
};

}  // namespace loupe

#endif  // LOUPE_RESULTS_H_
