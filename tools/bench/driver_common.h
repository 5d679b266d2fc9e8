// Shared parts of the peer-engine benchmark drivers (bench_xapian, bench_fts5):
// the command line, reading the corpus with Loupe's own reader, turning a query
// in Loupe's language into an engine-neutral tree, and timing queries. Each
// driver supplies an Engine.
//
//   DRIVER index --db PATH CORPUS_DIR...
//   DRIVER search --db PATH --queries FILE --mode top10|count [--repeat K]
//
// index reads the .txt articles (one a file) and the .jsonl/.ndjson files (one
// article a line) under the CORPUS_DIRs, with Loupe's readers, in Loupe's order.
// The queries file has one query per line, `class<TAB>query` or just `query`;
// blank lines and lines starting with '#' are skipped. search prints
//
//   query<TAB>median_us<TAB>p95_us<TAB>count
//
// per query, like `loupe bench`. The times are over K runs (default 5) of the
// search alone, in microseconds, after the database was opened once (untimed);
// what one run covers is stated by each driver. `count` is the exact number of
// matching documents in both modes: in top10 mode it is computed by one extra,
// untimed count query after the timed runs. A query the driver cannot express
// (or that Loupe itself rejects) prints `query<TAB>NA<TAB>NA<TAB>NA` and a
// warning on stderr.
#ifndef LOUPE_TOOLS_BENCH_DRIVER_COMMON_H_
#define LOUPE_TOOLS_BENCH_DRIVER_COMMON_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "loupe/document.h"

namespace bench {

// A query after Loupe's parser and planner have interpreted it, before any
// analysis of the words (each engine analyzes them with its own tokenizer):
//
//   kText  a term or phrase: `field` is "" (bare: title, body, actor and topic),
//          "title", "author", "actor" or "topic"; `text` is the unquoted text as
//          written. The engine analyzes it; several tokens make a phrase.
//   kPrefix  `word*`: `field` as for kText, `text` the word without the '*'.
//          Loupe searches the terms starting with the folded word plus, in
//          stemmed fields, the word's stem; each engine does its nearest.
//   kDate  a date filter resolved by Loupe's planner: inclusive days since
//          1970-01-01 in [lo, hi]. Undated documents never match it.
//   kAnd, kOr  n-ary; nested groups of the same kind are flattened.
//   kNot   one child. Inside an AND it excludes; elsewhere it is the complement
//          over all documents. It adds nothing to the score.
//
// As in Loupe, terms and phrases that analyze to nothing (punctuation only, an
// empty phrase) are dropped, and a group left with one child is replaced by it.
struct Node {
  enum class Kind { kText, kPrefix, kDate, kAnd, kOr, kNot };
  Kind kind = Kind::kText;
  std::string field;
  std::string text;
  int32_t lo = 0, hi = 0;
  std::vector<Node> children;
};

// Parses and plans `query` with Loupe (so a query Loupe rejects is rejected here
// with Loupe's message) and builds the tree above. Returns false with *error set
// on failure.
bool Translate(const std::string& query, Node* out, std::string* error);

// True if the node has a term or phrase that contributes to the score, i.e. one
// that is not under a NOT.
bool HasScoredText(const Node& n);

// A query compiled for one engine.
class Prepared {
 public:
  virtual ~Prepared() = default;
  // One timed run. top10: the 10 best hits by BM25 (their ids are read); count:
  // the exact number of matches. Returns the number of hits read (top10) or the
  // match count (count).
  virtual uint64_t Run(bool top10) = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Indexing: Create, Add for every article, then Finish (commit, optimize).
  virtual void Create(const std::string& path) = 0;
  virtual void Add(const loupe::Document& doc) = 0;
  virtual void Finish() = 0;
  // Searching: Open once, then Prepare per query. Prepare returns nullptr, with
  // *why set, when the engine cannot express the query in this mode.
  virtual void Open(const std::string& path) = 0;
  virtual std::unique_ptr<Prepared> Prepare(const Node& query, bool top10, std::string* why) = 0;
};

// Runs the command line above; returns the process exit status.
int Main(int argc, char** argv, Engine& engine, const char* name);

}  // namespace bench

#endif  // LOUPE_TOOLS_BENCH_DRIVER_COMMON_H_
