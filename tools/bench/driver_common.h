// Shared parts of the peer-engine benchmark drivers (bench_xapian, bench_fts5):
// the command line, reading the corpus with Loupe's own reader, reading the
// query file, and timing queries. Each driver supplies an Engine.
//
//   DRIVER index --db PATH CORPUS_DIR...
//   DRIVER search --db PATH --queries FILE --mode top10|count [--repeat K]
//
// search prints `query<TAB>median_us<TAB>p95_us<TAB>count` per query, like
// `loupe bench`; a query the engine cannot express prints NA fields.
#ifndef LOUPE_TOOLS_BENCH_DRIVER_COMMON_H_
#define LOUPE_TOOLS_BENCH_DRIVER_COMMON_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "loupe/document.h"
#include "loupe/query_parser.h"

namespace bench {

// A query compiled for one engine; Run executes it once and returns the
// number of matches (COUNT) or of hits read (TOP10).
class Prepared {
 public:
  virtual ~Prepared() = default;
  virtual uint64_t Run(bool top10) = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual void Create(const std::string& path) = 0;
  virtual void Add(const loupe::Document& doc) = 0;
  virtual void Finish() = 0;  // commit / optimize
  virtual void Open(const std::string& path) = 0;
  // nullptr (with *why set) when the query cannot be expressed.
  virtual std::unique_ptr<Prepared> Prepare(const loupe::QueryNode& tree, std::string* why) = 0;
};

// Field a query leaf names: "" (bare: title, body, actor, topic), "title",
// "author", "actor", "topic", or a date key ("before", "after", "on", "date").
std::string LeafField(const loupe::QueryNode& n);
bool IsDateKey(const std::string& field);
// A date leaf resolved by Loupe's planner: inclusive days since 1970-01-01.
bool DateRange(const loupe::QueryNode& leaf, int32_t* lo, int32_t* hi);
// The words of a term or phrase leaf, lower-cased, split on anything that is
// not a letter or digit (the queries the benchmark generates are plain words).
std::vector<std::string> Words(const std::string& text);

int Main(int argc, char** argv, Engine& engine, const char* name);

}  // namespace bench

#endif  // LOUPE_TOOLS_BENCH_DRIVER_COMMON_H_
