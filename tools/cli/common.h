// Shared pieces of the loupe CLI: exit codes, index opening, error printing.
#ifndef LOUPE_TOOLS_CLI_COMMON_H_
#define LOUPE_TOOLS_CLI_COMMON_H_

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/index.h"
#include "loupe/query_parser.h"
#include "loupe/status.h"

namespace loupe::cli {

// 130: `loupe index` stopped by SIGINT or SIGTERM after committing what it read.
enum ExitCode { kExitOk = 0, kExitNoHits = 1, kExitUsage = 2, kExitIndex = 3, kExitInterrupted = 130 };

// --db default: $LOUPE_DB, else ./.loupe
std::string DefaultDb();

// Maps a library status to the CLI's exit code (query/argument errors 2, the rest 3).
int ExitCodeFor(const Status& s);

// Prints "loupe: <what>: <message>" to stderr and returns ExitCodeFor(s).
int Fail(const std::string& what, const Status& s);
// The status the last Fail on this thread reported (OK if none), so that a
// caller of RunIndex other than main can tell a locked index from a bad path.
const Status& LastFailure();
// Forgets it (before a run whose failures the caller will read).
void ClearLastFailure();

// Prints a query error with the query and a caret line under the fault.
void PrintQueryError(std::string_view query, const Status& s);

// Prints each diagnostic to stderr ("loupe: query error|warning: ..."), with the
// query, a caret line under the fault and, when it has a fix-it, the query
// with the fix applied.
void PrintDiagnostics(std::string_view query, const std::vector<Diagnostic>& diagnostics);

// The diagnostics as a JSON list: severity, offset, length, message and, when
// there is one, fix {offset, length, text, query (the query with it applied)}.
// (Beside PrintDiagnostics, whose fix-it display it shares; the results' JSON
// shapes are in json_output.h.)
nlohmann::ordered_json DiagnosticsJson(std::string_view query, const std::vector<Diagnostic>& diagnostics);

// The strings of v with sep between them.
std::string Join(const std::vector<std::string>& v, const char* sep);

// --now of subcommand `cmd`: the day in `arg` (YYYY-MM-DD), or today (UTC) when
// it is empty. On a bad date prints the error and returns false.
bool ParseNow(const std::string& arg, const char* cmd, Days* out);

// An article id (or path) as loupe prints it, so that it can be given back to
// `show` and `explain --doc` whatever bytes the file name held: a backslash
// is written \\, a byte that is not part of valid UTF-8 \xNN (two lower-case
// hex digits) and, with `terminal`, a control character (C0, DEL, the bytes
// of a C1) \xNN too. JSON output leaves control characters to JSON's escapes.
std::string ShownId(std::string_view id, bool terminal);

// The id an argument names: ShownId undone (\\ and \xNN; another backslash
// stays as it is).
std::string ParseId(std::string_view arg);

// The ids an `show ID` or `explain --doc ID` argument may name, to try in
// order: ParseId(arg), then arg as given when that differs (an id holding a
// backslash of its own, typed as it is).
std::vector<std::string> IdCandidates(const std::string& arg);

// Text for a terminal: control characters (C0, DEL, C1) and bytes that are not
// valid UTF-8 written as \xNN, so stored text cannot move the cursor, change
// colours or retitle the window. With `keep_lines`, newlines and tabs stay.
std::string TerminalSafe(std::string_view text, bool keep_lines = false);

// Each distinct warning once, in the order first given, with " (N times)"
// after one given N > 1 times.
std::vector<std::string> CountRepeats(const std::vector<std::string>& warnings);

// Prints JSON indented by two spaces, with invalid UTF-8 replaced.
void PrintJson(const nlohmann::ordered_json& j);

// Prints JSON on one line (JSON Lines), with invalid UTF-8 replaced, and
// flushes it, so that a reader gets each line as soon as it is made.
void PrintJsonLine(const nlohmann::ordered_json& j);

// The index's gazetteer (Index::GetGazetteer: what `loupe index` stored, or
// the built-in one), or null when it cannot be read.
std::shared_ptr<const Gazetteer> LoadGazetteer(const Index& index);
// The names of the index's custom fields (for PlanOptions::custom_fields);
// none when they cannot be read (the search then reports the index's error).
std::vector<std::string> CustomFieldNames(const Index& index);

// A sort order as --sort and sort: name it: relevance, date or -date.
const char* SortName(SortOrder s);

// --color: "always" and "never" decide; "auto" colours when stdout is a
// terminal (not TERM=dumb) and NO_COLOR is unset or empty.
bool UseColor(const std::string& mode);

// What a query is compiled against, read from its index: the gazetteer
// (actor aliases), the custom fields and the stemming languages, and the
// analyzer options the index analyzed its articles with.
struct QueryContext {
  std::shared_ptr<const Gazetteer> gazetteer;
  std::vector<std::string> custom_fields;  // PlanOptions::custom_fields
  std::vector<std::string> languages;      // PlanOptions::stemming_languages
  AnalyzerOptions analyzer_options;
};
// Reads `index`'s context into *out. Errors: the index's analysis record
// cannot be read (a missing gazetteer or custom field list is not an error).
Status ReadQueryContext(const Index& index, QueryContext* out);

// The plan options of a query on an index with `context`, with relative dates
// counted back from `now` (the options CompileQuery and a did-you-mean share).
PlanOptions PlanFor(const QueryContext& context, Days now);

// What compiling a query tells besides the query.
struct QueryReading {
  SortOrder sort = SortOrder::kRelevance;  // in: the default (--sort); out: a sort: in the query wins
  std::string reading;                     // what ran (the repaired text with --lenient)
  std::vector<Diagnostic> diagnostics;
  std::vector<std::string> resolved;  // relative dates and what they became
};
// Compiles `text` for an index with `context` (empty without an index): the
// one setup search, timeline and explain share. Errors: the query's, as
// CompileQuery returns them (their diagnostics are in *reading either way).
Result<Query> CompileForIndex(const std::string& text, Analyzer& analyzer, const QueryContext& context, Days now,
                              bool lenient, QueryReading* reading);

// A query compiled for search or timeline, with the index opened.
struct PreparedQuery {
  std::string text;
  Query query;
  Days now = 0;
  bool now_given = false;              // --now was given (else relative dates count back from today)
  QueryReading read;                   // read.sort: the order to search in
  std::shared_ptr<const Index> index;  // shared with the other queries of `loupe serve`
  QueryContext context;
};
// Opens `db`, compiles the query and reports what the user must know (query
// diagnostics in text mode, a rejected query as JSON in JSON mode, the
// repaired reading, resolved relative dates: PrintQueryNotes and
// RejectedQueryJson). Returns -1 when the search can go on, else the exit
// code. `sort` is the --sort value (a sort: in the query wins). With
// `json_lines` (and `json`), a rejected query is one line with "type": "error" first.
int PrepareQuery(const std::string& cmd, const std::string& db, const std::vector<std::string>& query_parts,
                 const std::string& now, bool lenient, bool json, const std::string& sort, PreparedQuery* out,
                 bool json_lines = false);

// How a date facet is listed: far outliers apart and the range between them.
struct DateListing {
  std::vector<size_t> outliers;  // indices into FacetResult::counts, in order
  size_t lo = 0, hi = 0;         // the rest: counts[lo..hi), first to last non-outlier bucket
};

// An end bucket is an outlier when the gap to the next non-empty bucket is longer than the
// rest of the buckets span (so one mistyped year, 0102 among 1990-2025, is one), peeling
// from both ends while the buckets set apart hold at most 1% of the dated matches (at least
// one). Adjacent or evenly spread buckets are never set apart.
DateListing ListDates(const FacetResult& f);

// Parses --facet values: comma-separated actor, topic, author, date[:day|week|month|year]
// (date alone: month). Prints the error and returns false on a bad one.
bool ParseFacets(const std::vector<std::string>& specs, size_t top, const char* cmd, std::vector<FacetRequest>* out);

// Facet names: an actor's aliases counted under its canonical name by the
// index's gazetteer; empty (values as stored) without one.
FacetNameFn ActorNames(const Gazetteer* gazetteer);

// Subcommand entry points (argc/argv after the subcommand name is removed is not
// needed: each registers with CLI11 in main.cc). CLI11 checks each value that
// must be one of a set (`format` and the like) before a Run* function is
// called, which can rely on it.
struct IndexArgs {
  std::string db;
  std::vector<std::string> paths;
  bool quiet = false;                      // no progress line, no per-file warnings (the summary stays)
  bool follow = false;                     // follow symbolic links (never out of a root, never in a loop)
  uint64_t max_size = uint64_t{16} << 20;  // larger files are skipped
  bool no_delete = false;                  // keep the articles of files that are gone
  std::string format = "text";
  std::string gazetteer;           // --gazetteer FILE (default: actors.gazetteer at the top of a PATH)
  std::string topics;              // --topics FILE (default: topics.lexicon at the top of a PATH)
  std::string titles;              // --titles FILE (default: actor-titles.list at the top of a PATH)
  bool no_tagging = false;         // --no-tagging: detect no actors, topics or candidates
  bool report_candidates = false;  // --report-candidates: list candidate actors after the summary
  // --commit-every: commit when the batch holds this much article text. The
  // writer's memory is bounded by spilling to disk, so this only sets how much
  // work an interrupted run loses; fewer, bigger commits write each term's
  // postings once and touch fewer B-tree pages.
  uint64_t commit_every = uint64_t{64} << 20;
  // --writer-memory: the writer's batch memory before it spills (0: the default).
  uint64_t writer_memory = 0;
  // --partition month|year|none: a new folder becomes a collection split by
  // month or year ("none", the default: a plain index); "" when not given
  // (an existing collection keeps its own).
  std::string partition;
  int jobs = 1;  // --jobs: a collection's splits committed at once
  // --fold-diacritics: a new index folds diacritics (IndexOptions::fold_diacritics);
  // an existing one created without it is refused.
  bool fold_diacritics = false;
};
int RunIndex(const IndexArgs& a);
// The same run for a program that shows the outcome itself (the Python
// package's index_folder): fills *result instead of printing the summary, and
// returns kExitOk, kExitInterrupted, or on failure the exit code, after
// printing why to std::cerr (LastFailure() holds the status, when one caused it).
struct IndexResult;
int RunIndex(const IndexArgs& a, IndexResult* result);

struct SearchArgs {
  std::string db;
  std::vector<std::string> query_parts;
  size_t limit = 10;
  size_t offset = 0;
  std::string format = "text";      // text | json | jsonl (one JSON object per hit, then a summary)
  std::string now;                  // YYYY-MM-DD that relative dates count back from; empty: today
  std::string sort = "relevance";   // relevance | date | -date (a sort: in the query wins)
  bool lenient = false;             // run the best reading of a faulty query, with warnings
  std::vector<std::string> facets;  // --facet actor,topic,author,date:month (repeatable)
  size_t facet_top = 10;            // --facet-top: values per field facet
  size_t facet_buckets = 100;       // --facet-buckets: lines per date facet
  std::string color = "auto";       // --color auto|always|never
  std::string after;                // --after CURSOR (from a JSON page's next_cursor)
  bool collapse = false;            // --collapse near-identical copies
  bool no_snippets = false;         // --no-snippets
  bool no_suggest = false;          // --no-suggest: no did-you-mean
  // When the search must stop (SearchOptions::deadline): `loupe serve`'s
  // per-request deadline; the command line never sets it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};
int RunSearch(const SearchArgs& a);

struct TimelineArgs {
  std::string db;
  std::vector<std::string> query_parts;
  std::string by = "month";  // day | week | month | year
  std::string facet;         // "", actor, topic or author: one bar segment per value
  size_t top = 5;            // values of --facet shown (the rest are "other")
  std::string svg;           // --svg FILE
  std::string now;
  bool lenient = false;
  std::string color = "auto";
  std::string format = "text";
  int width = 50;  // columns of the longest bar
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();  // as SearchArgs'
};
int RunTimeline(const TimelineArgs& a);

struct StatsArgs {
  std::string db;
  std::string format = "text";
  bool tables = false;  // --tables: the text output lists the tables' bytes
};
int RunStats(const StatsArgs& a);

struct ExplainArgs {
  std::string db;
  std::vector<std::string> query_parts;
  std::string now;
  std::string format = "text";
  bool lenient = false;
  std::string doc;  // --doc: explain this document's score
};
int RunExplain(const ExplainArgs& a);

struct ShowArgs {
  std::string db;
  std::string id;
  std::string format = "text";
};
int RunShow(const ShowArgs& a);

struct CheckArgs {
  std::string db;
  std::string format = "text";
};
int RunCheck(const CheckArgs& a);

struct MaintainArgs {
  std::string db;
  std::string dest;       // backup: the folder to copy into
  bool no_check = false;  // backup: do not check the copy
  std::string format = "text";
  std::vector<std::string> splits;  // seal, merge: the splits to seal or merge
  std::string into;                 // merge: the merged split's name
  std::string to;                   // convert: "collection" or "index"
};
int RunCompact(const MaintainArgs& a);
int RunBackup(const MaintainArgs& a);
int RunSeal(const MaintainArgs& a);
int RunMerge(const MaintainArgs& a);
int RunConvert(const MaintainArgs& a);

struct ServeArgs {
  std::string db;
  std::string listen = "127.0.0.1:7700";  // HOST:PORT, [IPV6]:PORT or PORT; port 0: any free one
  size_t threads = 0;                     // searches at once (0: one per core, at least 2)
  size_t queue = 16;                      // searches waiting for a place; past them 503
  bool read_only = false;                 // --read-only (the server never writes; see RunServe)
  std::string cors;                       // --cors ORIGIN: Access-Control-Allow-Origin
  size_t max_query = 4096;                // --max-query: bytes of a query
  size_t max_limit = 100;                 // --max-limit: hits per page
  size_t deadline_ms = 10000;             // --deadline: how long a request may wait for a place
};
// Serves the search page and the JSON API (tools/serve/) until SIGINT or
// SIGTERM; exit 0 then. Built without cpp-httplib, says how to get it and
// returns kExitUsage.
int RunServe(const ServeArgs& a);

struct BenchArgs {
  std::string db;
  std::string queries;
  std::string mode = "top10";
  int repeat = 5;
};
int RunBench(const BenchArgs& a);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_COMMON_H_
