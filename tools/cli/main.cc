// loupe: command-line front end of the Loupe search engine.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <csignal>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/common.h"
#include "cli/help_docs.h"
#include "loupe/index.h"
#include "util/edits.h"

using namespace loupe::cli;

namespace {

// LMDB's page structure has no checksums: a damaged branch page can make it
// read outside the file's mapping. The library cannot recover from that; the
// program says what happened and exits with the index error code instead of
// dumping core.
void OnFault(int sig) {
  const char fault[] =
      "loupe: the index is damaged where checksums do not reach (reading it faulted); restore a backup "
      "(loupe backup) or rebuild it (loupe index)\n";
  // An abort is LMDB's assertion on a damaged page, or an internal error
  // (e.g. out of memory): say both.
  const char abort_msg[] =
      "loupe: aborted: an internal error, or LMDB stopping on a damaged page; run loupe check on the index (if "
      "check itself stops like this, the index is damaged: restore a backup or rebuild it)\n";
  ssize_t ignored = sig == SIGABRT ? ::write(STDERR_FILENO, abort_msg, sizeof abort_msg - 1)
                                   : ::write(STDERR_FILENO, fault, sizeof fault - 1);
  (void)ignored;
  ::_exit(kExitIndex);
}

// A whole number from `min` to `max`. CLI11's NonNegativeNumber checks a
// double, and its message names the range as "0.000000 to 1.79...e308".
CLI::Validator WholeNumber(uint64_t min, uint64_t max) {
  std::string range = std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& s) -> std::string {
        uint64_t v = 0;
        const char* end = s.data() + s.size();
        auto [at, ec] = std::from_chars(s.data(), end, v);
        if (s.empty() || ec != std::errc() || at != end || v < min || v > max)
          return "must be a whole number from " + range + ", not '" + s + "'";
        return "";
      },
      "INT in " + range);
}

// One of a fixed set of words (--format). It describes itself as {a,b,c}, as
// CLI::IsMember does, which --help shows and the man pages and completion
// scripts read the words from (help_docs.cc); a wrong value is told what to
// give instead: "must be text, json or jsonl, not 'xml'".
CLI::Validator OneOf(const std::vector<std::string>& words) {
  std::string set = "{", list;
  for (size_t i = 0; i < words.size(); ++i) {
    set += (i ? "," : "") + words[i];
    list += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  }
  set += "}";
  return CLI::Validator(
      [words, list](std::string& s) -> std::string {
        if (std::find(words.begin(), words.end(), s) != words.end()) return "";
        return "must be " + list + ", not '" + s + "'";
      },
      set);
}

// How a command takes --db and --format (AddDbAndFormat).
struct DbAndFormat {
  // The values --format takes; the command's *Args give its default (text).
  // Empty: the command has no --format.
  std::vector<std::string> values = {"text", "json"};
  // --format's line in --help.
  std::string help = "Output format: text or json (default text)";
  // --db may name no index (explain reads the query without one).
  bool db_optional = false;
};

// --db and --format, the options every command that reads an index takes, so
// that they are named, described, defaulted and checked alike: --db defaults
// to $LOUPE_DB, else ./.loupe (DefaultDb, read now, before parsing), and
// --format is one of `f.values`, checked here, so that a command can rely on
// its value.
void AddDbAndFormat(CLI::App* cmd, std::string* db, std::string* format, const DbAndFormat& f = {}) {
  *db = DefaultDb();
  cmd->add_option(
      "--db", *db,
      std::string("Index directory (default: $LOUPE_DB, else ./.loupe)") + (f.db_optional ? "; optional" : ""));
  if (f.values.empty()) return;
  cmd->add_option("--format", *format, f.help)->check(OneOf(f.values));
}

// -n and --offset: enough for any index (a document id is 32 bits), small
// enough that their sum cannot overflow.
constexpr uint64_t kMaxHits = 1000000000000;

// A value that may not be empty (an empty file name or id would be ignored or
// mean something else).
const CLI::Validator kNotEmpty([](std::string& s) -> std::string { return s.empty() ? "must not be empty" : ""; }, "");

// A command: its CLI11 subcommand and what runs it once it is parsed.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

// `loupe index`: add files to the index.
Command AddIndex(CLI::App& app, IndexArgs* a) {
  auto* index = app.add_subcommand("index",
                                   "Add the articles under PATH... to the index (created if missing):\n"
                                   ".txt (header format or plain), .md (front matter), .jsonl/.ndjson (one\n"
                                   "article per line), .eml (e-mail), .html/.htm (web pages) and\n"
                                   ".rss/.atom/.xml (feeds, one article per item). Articles are\n"
                                   "identified by their path relative to PATH. Running it again re-indexes\n"
                                   "only added or changed files and deletes the articles of files that\n"
                                   "are gone.\n"
                                   "Example: loupe index --db news.loupe corpus/\n"
                                   "         loupe index --db news.loupe --partition month corpus/\n"
                                   "Ctrl-C (SIGINT) or SIGTERM commits what was read and exits 130.");
  AddDbAndFormat(index, &a->db, &a->format, {.help = "Summary format: text or json (default text)"});
  index->add_option("paths", a->paths, "Files or directories to index")->required();
  index->add_flag("-q,--quiet", a->quiet, "No progress line and no per-file warnings (the summary is always printed)");
  index->add_flag("--follow", a->follow,
                  "Follow symbolic links (never out of the folder given, never twice into one folder)");
  index
      ->add_option("--max-size", a->max_size,
                   "Skip files larger than this (bytes; K, M, G suffixes; default 16M); a JSON-lines file\n"
                   "may be of any size: it is read by lines, and lines longer than this are skipped")
      ->transform(CLI::AsSizeValue(false));
  index->add_flag("--no-delete", a->no_delete, "Keep the articles of files that are gone from PATH");
  index
      ->add_option("--commit-every", a->commit_every,
                   "Commit each time this much article text is read (K, M, G; default 64M): a run that is\n"
                   "stopped keeps what it committed, and the next run goes on from there")
      ->transform(CLI::AsSizeValue(false));
  index
      ->add_option("--writer-memory", a->writer_memory,
                   "Memory for the batch being written before it is moved to a temporary file in the index\n"
                   "folder (K, M, G; default 96M; at least 1M)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(uint64_t{1} << 20, uint64_t{1} << 40));
  index
      ->add_option("--partition", a->partition,
                   "month, year or none: index a new folder as a collection with one index per month or\n"
                   "year of the articles' dates (undated ones in \"undated\"), searched as one; none (the\n"
                   "default) makes a plain index. An existing collection keeps its own partition")
      ->check(CLI::IsMember({"month", "year", "none"}));
  index
      ->add_option("--jobs", a->jobs,
                   "A collection's indexes (splits) analyzed and written at once at each commit (default 1)")
      ->check(CLI::Range(1, 64));
  index->add_flag("--fold-diacritics", a->fold_diacritics,
                  "Create the index to strip diacritics from every word, so that cafe and café find the\n"
                  "same articles. Fixed when the index is created: an existing index created without it\n"
                  "is refused (rebuild it into a new folder), one created with it folds without it");
  index->add_option("--gazetteer", a->gazetteer,
                    "Actors to detect and their aliases, one per line: name | kind | alias | ... (default:\n"
                    "actors.gazetteer at the top of a PATH, else the index's, else the built-in one)");
  index->add_option("--topics", a->topics,
                    "Topics to detect, one per line: topic <- word, phrase, ... (default: topics.lexicon at the\n"
                    "top of a PATH, else the index's, else the built-in one)");
  index->add_option("--titles", a->titles,
                    "Title words after which a name is a candidate actor, one per line: Vice Premier, CEO, ...\n"
                    "(default: actor-titles.list at the top of a PATH, else the index's, else the built-in list)");
  auto* no_tagging = index->add_flag("--no-tagging", a->no_tagging,
                                     "Detect no actors, topics or candidate actors (declared ones are kept)");
  index->add_flag("--report-candidates", a->report_candidates,
                  "After the summary, list the most frequent candidate actors (names after a title word that\n"
                  "the gazetteer does not know) of the articles read, as lines to paste into a gazetteer");
  for (const char* o : {"--gazetteer", "--topics", "--titles", "--report-candidates"})
    no_tagging->excludes(index->get_option(o));
  return {index, [a] { return RunIndex(*a); }};
}

// `loupe search`: ranked hits of a query.
Command AddSearch(CLI::App& app, SearchArgs* a) {
  auto* search = app.add_subcommand(
      "search",
      "Search the index and print ranked hits.\n"
      "Example: loupe search --db news.loupe 'actor:Bessent AND topic:tariffs'\n"
      "Syntax: words (all must match), AND OR NOT -word ( ) \"phrase\" \"phrase\"~3 word* word~ word^2\n"
      "a NEAR/5 b, a ADJ/5 b (in order), a NEAR/s b (one sentence); +word (required\n"
      "inside OR); =Word (the word as written, not its stem; capitals: exact case);\n"
      "field:word, field:(a OR b) for title author actor topic mentions (from: is author:,\n"
      "subject: is title:) and the headers the articles declare (party:x, language:fr;\n"
      "loupe stats lists them); another name: is an error; dates: before: after:\n"
      "on: since: until: date:A..B date:>=D; * alone matches every document.\n"
      "Details: docs/query-language.md. Put `--` before a query that\n"
      "starts with '-'. Warnings (e.g. a prefix matching too many terms) go\n"
      "to stderr. A faulty query is rejected with every error and its fix\n"
      "(exit 2), or run as repaired with --lenient. Exit 1 when nothing matches.");
  AddDbAndFormat(
      search, &a->db, &a->format,
      {.values = {"text", "json", "jsonl"},
       .help = "Output format: text (default), json (one object), or jsonl (one line per hit, each with\n"
               "\"type\": \"hit\", then a line with \"type\": \"summary\": total, next_cursor, generation, ...)"});
  search->add_option("-n,--limit", a->limit, "Hits to show (default 10)")->check(WholeNumber(0, kMaxHits));
  search->add_option("--offset", a->offset, "Hits to skip, for paging (default 0)")->check(WholeNumber(0, kMaxHits));
  search
      ->add_option("--sort", a->sort,
                   "Order: relevance (default), date (oldest first) or -date (newest first); undated last. "
                   "A sort: in the query wins")
      ->check(CLI::IsMember({"relevance", "date", "-date"}));
  search->add_option("--now", a->now,
                     "The day (YYYY-MM-DD) relative dates such as since:7d count back from (default: today, UTC)");
  search->add_flag("--lenient", a->lenient,
                   "Run the best reading of a faulty query (close a quote, drop a dangling AND, fix a\n"
                   "misspelt field, ...) and report each repair as a warning, instead of rejecting it");
  search->add_option("--facet", a->facets,
                     "Count over all matches: actor, topic, author, date:day|week|month|year (date alone:\n"
                     "month); comma-separated or repeated, e.g. --facet actor,topic --facet date:month");
  search->add_option("--facet-top", a->facet_top, "Values listed per actor/topic/author facet (default 10)")
      ->check(CLI::Range(1, 1000000));
  search
      ->add_option("--facet-buckets", a->facet_buckets,
                   "Lines listed per date facet (default 100): past it, only non-empty buckets, the latest\n"
                   "ones; buckets far before or after the rest are listed apart as outliers")
      ->check(CLI::Range(1, 1000000));
  search->add_option("--after", a->after,
                     "Page after the hits of a previous page: its next_cursor (--format json and jsonl print it).\n"
                     "Pages stay consistent while new articles are indexed; a warning says when the index changed");
  search->add_flag("--collapse", a->collapse,
                   "Fold near-identical articles (syndicated copies) into the earliest, with a count of copies");
  search
      ->add_option("--color", a->color,
                   "Mark matched words in bold colour: auto (on a terminal, unless NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  search->add_flag("--no-snippets", a->no_snippets, "Do not show the matched passages");
  search->add_flag("--no-suggest", a->no_suggest, "No did-you-mean when a search finds (almost) nothing");
  search->add_option("query", a->query_parts, "The query (several arguments are joined with spaces)")->required();
  return {search, [a] { return RunSearch(*a); }};
}

// `loupe timeline`: matches per day, week, month or year.
Command AddTimeline(CLI::App& app, TimelineArgs* a) {
  auto* timeline = app.add_subcommand("timeline",
                                      "Draw how many articles match a query per day, week, month or year:\n"
                                      "a bar chart in the terminal, optionally split per actor, topic or\n"
                                      "author, and optionally an SVG file.\n"
                                      "Example: loupe timeline --db news.loupe --by month --facet actor "
                                      "'topic:tariffs' --svg tariffs.svg");
  AddDbAndFormat(timeline, &a->db, &a->format, {.help = "Output format: text or json (the buckets and counts)"});
  timeline->add_option("--by", a->by, "Bucket: day, week (ISO), month (default) or year")
      ->check(CLI::IsMember({"day", "week", "month", "year"}));
  timeline
      ->add_option("--facet", a->facet,
                   "Split each bar per actor, topic or author: the --top values the most articles name;\n"
                   "an article counts under each of its values, so bars may add up to more than the total")
      ->check(CLI::IsMember({"actor", "topic", "author"}));
  timeline->add_option("--top", a->top, "Values of --facet drawn (default 5)")->check(CLI::Range(1, 16));
  timeline->add_option("--svg", a->svg, "Also write the chart as an SVG image to this file")->check(kNotEmpty);
  timeline->add_option("--width", a->width, "Columns of the longest bar (default 50)")->check(CLI::Range(10, 400));
  timeline->add_option("--now", a->now, "The day (YYYY-MM-DD) relative dates count back from (default: today, UTC)");
  timeline->add_flag("--lenient", a->lenient, "Run the best reading of a faulty query (as search --lenient does)");
  timeline->add_option("--color", a->color, "Colour the series: auto (default), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  timeline->add_option("query", a->query_parts, "The query (several arguments are joined with spaces)")->required();
  return {timeline, [a] { return RunTimeline(*a); }};
}

// `loupe stats`: the index's counts.
Command AddStats(CLI::App& app, StatsArgs* a) {
  auto* stats = app.add_subcommand("stats",
                                   "Print document and term counts, size on disk and format version.\n"
                                   "Example: loupe stats --db news.loupe");
  AddDbAndFormat(stats, &a->db, &a->format);
  stats->add_flag("--tables", a->tables,
                  "Also print the bytes of each table of the data file and per document (text format; json always "
                  "has them)");
  return {stats, [a] { return RunStats(*a); }};
}

// `loupe explain`: how a query is read and scored.
Command AddExplain(CLI::App& app, ExplainArgs* a) {
  auto* explain = app.add_subcommand("explain",
                                     "Show how a query is read: its syntax tree, the plan (analyzed terms,\n"
                                     "resolved dates, prefixes, fuzzy terms, sort order) and, when the index\n"
                                     "exists, how many documents each part matches.\n"
                                     "Example: loupe explain --db news.loupe 'tarif* since:30d sort:-date'");
  AddDbAndFormat(explain, &a->db, &a->format, {.db_optional = true});
  explain->add_option("--now", a->now, "The day (YYYY-MM-DD) relative dates count back from (default: today, UTC)");
  explain
      ->add_option("--doc", a->doc,
                   "Also break down the BM25 score of the document with this id (as search prints it), part by\n"
                   "part: term frequency, document frequency, idf, field weight and length. Needs the index")
      ->check(kNotEmpty);
  explain->add_flag("--lenient", a->lenient, "Explain the best reading of a faulty query (as search --lenient does)");
  explain->add_option("query", a->query_parts, "The query (several arguments are joined with spaces)")->required();
  return {explain, [a] { return RunExplain(*a); }};
}

// `loupe show`: one stored article.
Command AddShow(CLI::App& app, ShowArgs* a) {
  auto* show = app.add_subcommand("show",
                                  "Print one stored article: its headers, then its text. Exit 1 if the id\n"
                                  "is not in the index.\n"
                                  "Example: loupe show --db news.loupe articles/a07-fentanyl-tariff.txt");
  AddDbAndFormat(show, &a->db, &a->format);
  show->add_option("id", a->id, "The article's id, as search prints it")
      ->required()
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            return s.empty() ? "must not be empty (give an article's id as loupe search prints it)" : "";
          },
          ""));
  return {show, [a] { return RunShow(*a); }};
}

// `loupe check`: read the whole index for damage.
Command AddCheck(CLI::App& app, CheckArgs* a) {
  auto* check = app.add_subcommand("check",
                                   "Read the whole index and report what is damaged or inconsistent: every\n"
                                   "stored value's checksum, the documents' values, ids and stored fields, and\n"
                                   "each term's statistics against its postings. Exit 0 when sound, 3 when not.\n"
                                   "Runs beside searches and a writer. Example: loupe check --db news.loupe");
  AddDbAndFormat(check, &a->db, &a->format);
  return {check, [a] { return RunCheck(*a); }};
}

// `loupe compact`: rewrite the index without its dead documents.
Command AddCompact(CLI::App& app, MaintainArgs* a) {
  auto* compact = app.add_subcommand("compact",
                                     "Rewrite the index without its deleted and replaced documents, into a\n"
                                     "new file swapped in atomically (a crash leaves the old index or the new\n"
                                     "one). Takes the write lock; needs free space for the copy.\n"
                                     "Example: loupe compact --db news.loupe");
  AddDbAndFormat(compact, &a->db, &a->format);
  return {compact, [a] { return RunCompact(*a); }};
}

// `loupe seal`: compact splits of a collection and close them to writers.
Command AddSeal(CLI::App& app, MaintainArgs* a) {
  auto* seal = app.add_subcommand("seal",
                                  "Compact each SPLIT of a collection (made with loupe index --partition)\n"
                                  "and mark it sealed: it is then read-only, and an article dated in its\n"
                                  "period is refused. Takes each split's write lock.\n"
                                  "Example: loupe seal --db news.loupe 2025-01 2025-02");
  AddDbAndFormat(seal, &a->db, &a->format);
  seal->add_option("splits", a->splits, "Splits to seal, as loupe stats lists them (2025-09, 2025, undated)")
      ->required();
  return {seal, [a] { return RunSeal(*a); }};
}

// `loupe merge`: several splits of a collection rewritten as one.
Command AddMerge(CLI::App& app, MaintainArgs* a) {
  auto* merge = app.add_subcommand("merge",
                                   "Merge SPLITs of a collection into one new split named NAME: their live\n"
                                   "articles are written into it and the manifest names it instead of them\n"
                                   "(a crash leaves the old splits or the merged one). Searches give the same\n"
                                   "hits and scores. Takes each split's write lock.\n"
                                   "Example: loupe merge --db news.loupe 2025-01 2025-02 2025-03 --into 2025-q1");
  AddDbAndFormat(merge, &a->db, &a->format);
  merge->add_option("splits", a->splits, "Splits to merge (two or more), as loupe stats lists them")->required();
  merge->add_option("--into", a->into, "Name of the merged split: letters, digits, '-', '_', '.' (a new name)")
      ->required();
  return {merge, [a] { return RunMerge(*a); }};
}

// `loupe convert`: a plain index made a collection of one split, and back.
Command AddConvert(CLI::App& app, MaintainArgs* a) {
  auto* convert = app.add_subcommand("convert",
                                     "Make a plain index a collection of one split (--to collection), or a\n"
                                     "collection of one split a plain index (--to index), in place: the data\n"
                                     "file is copied, and a crash leaves the old form or the new one. Takes\n"
                                     "the write lock. Example: loupe convert --db news.loupe --to collection");
  AddDbAndFormat(convert, &a->db, &a->format);
  convert->add_option("--to", a->to, "What to make of it: collection or index")
      ->required()
      ->check(CLI::IsMember({"collection", "index"}));
  return {convert, [a] { return RunConvert(*a); }};
}

// `loupe backup`: a checked copy of the index.
Command AddBackup(CLI::App& app, MaintainArgs* a) {
  auto* backup = app.add_subcommand("backup",
                                    "Copy the index's last commit into DEST (a new or empty folder) while\n"
                                    "searches and a writer go on, then check the copy.\n"
                                    "Example: loupe backup --db news.loupe /backups/news-2025-09-17");
  AddDbAndFormat(backup, &a->db, &a->format);
  backup->add_option("dest", a->dest, "Folder to write the copy into (created if missing)")->required();
  backup->add_flag("--no-check", a->no_check, "Do not read the copy back to check it");
  return {backup, [a] { return RunBackup(*a); }};
}

// `loupe bench`: time queries (tools/bench/run.sh).
Command AddBench(CLI::App& app, BenchArgs* a) {
  auto* bench = app.add_subcommand("bench",
                                   "Time queries inside the process (used by tools/bench/run.sh).\n"
                                   "QUERIES has one query per line, optionally `class<TAB>query`.\n"
                                   "Prints TSV: query, median_us, p95_us, count (matches).\n"
                                   "Example: loupe bench --db news.loupe --queries q.tsv --mode count");
  AddDbAndFormat(bench, &a->db, nullptr, {.values = {}});
  bench->add_option("--queries", a->queries, "File of queries")->required();
  bench->add_option("--mode", a->mode, "top10 (BM25 top 10) or count (exact matches; default top10)")
      ->check(CLI::IsMember({"top10", "count"}));
  bench->add_option("--repeat", a->repeat, "Runs per query; median and p95 are over these (default 5)")
      ->check(WholeNumber(1, 1000000));
  return {bench, [a] { return RunBench(*a); }};
}

// `loupe serve`: the search page and JSON API.
Command AddServe(CLI::App& app, ServeArgs* a) {
  auto* serve = app.add_subcommand("serve",
                                   "Serve a search page and a JSON API over the index, over HTTP: the API\n"
                                   "answers GET /api/search, /api/explain, /api/timeline, /api/document,\n"
                                   "/api/stats, /api/parse and /api/names with the JSON of --format json. Listens on\n"
                                   "127.0.0.1 unless --listen names another address (there is no\n"
                                   "authentication). Never writes the index. Ctrl-C (SIGINT) or SIGTERM lets\n"
                                   "the requests under way finish, then exits 0. Details: docs/cli.md.\n"
                                   "Example: loupe serve --db news.loupe   (then open http://127.0.0.1:7700/)");
  AddDbAndFormat(serve, &a->db, nullptr, {.values = {}});
  serve->add_option("--listen", a->listen,
                    "HOST:PORT, [IPV6]:PORT or PORT to listen on (default 127.0.0.1:7700; port 0: any free one,\n"
                    "printed at start). An address other than loopback is reachable by others: a warning says so");
  serve->add_option("--threads", a->threads, "Requests that read the index at once (default: one per core, at least 2)")
      ->check(WholeNumber(1, 256));
  serve
      ->add_option("--queue", a->queue,
                   "Requests waiting for a thread (default 16); past them the server answers 503 with Retry-After")
      ->check(WholeNumber(0, 4096));
  serve->add_flag("--read-only", a->read_only,
                  "State that the index is only read (it always is: the index is opened read-only and no\n"
                  "endpoint writes)");
  serve
      ->add_option("--cors", a->cors,
                   "Allow pages from ORIGIN (e.g. https://example.org) to call the API: sends\n"
                   "Access-Control-Allow-Origin: ORIGIN (no CORS header without it)")
      ->check(kNotEmpty);
  serve->add_option("--max-query", a->max_query, "Longest query accepted, in bytes (default 4096)")
      ->check(WholeNumber(1, 1 << 20));
  serve->add_option("--max-limit", a->max_limit, "Most hits one page may ask for (default 100)")
      ->check(WholeNumber(1, 10000));
  serve
      ->add_option("--deadline", a->deadline_ms,
                   "Milliseconds a request may take, waiting for a thread and searching, before it is "
                   "answered 503 (a search still running then is stopped; default 10000)")
      ->check(WholeNumber(1, 3600000));
  return {serve, [a] { return RunServe(*a); }};
}

// `loupe completion`: the bash or zsh completion script.
Command AddCompletion(CLI::App& app, std::string* shell) {
  auto* completion = app.add_subcommand("completion",
                                        "Print the completion script for bash or zsh: the commands, their\n"
                                        "options and values, and the field names of a query.\n"
                                        "Example: source <(loupe completion bash)");
  completion->add_option("shell", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  return {completion, [&app, shell] { return RunCompletion(app, *shell); }};
}

// Every command's arguments, filled in by CLI11 as it parses.
struct Args {
  IndexArgs index;
  SearchArgs search;
  TimelineArgs timeline;
  StatsArgs stats;
  ExplainArgs explain;
  ShowArgs show;
  CheckArgs check;
  MaintainArgs compact, backup, seal, merge, convert;
  BenchArgs bench;
  ServeArgs serve;
  std::string shell;  // completion
};

// The commands, in the order --help lists them.
std::vector<Command> AddCommands(CLI::App& app, Args* args) {
  return {AddIndex(app, &args->index), AddSearch(app, &args->search),   AddTimeline(app, &args->timeline),
          AddStats(app, &args->stats), AddExplain(app, &args->explain), AddShow(app, &args->show),
          AddCheck(app, &args->check), AddCompact(app, &args->compact), AddSeal(app, &args->seal),
          AddMerge(app, &args->merge), AddConvert(app, &args->convert), AddBackup(app, &args->backup),
          AddBench(app, &args->bench), AddServe(app, &args->serve),     AddCompletion(app, &args->shell)};
}

// Prints what an unknown command is and returns the usage exit code.
int UnknownCommand(const std::string& word, const std::vector<std::string>& commands) {
  std::string best;
  size_t best_d = 3;  // at most two edits
  for (const std::string& c : commands)
    if (size_t d = loupe::EditDistance(word, c); d < best_d) best_d = d, best = c;
  std::cerr << "loupe: unknown command '" << word << "'";
  if (!best.empty()) {
    std::cerr << "; did you mean '" << best << "'?\n";
  } else {
    std::string list;
    for (const std::string& c : commands) list += (list.empty() ? "" : ", ") + c;
    std::cerr << "; the commands are: " << list << " (loupe --help describes them)\n";
  }
  return kExitUsage;
}

void InstallFaultHandlers() {
  struct sigaction on_fault = {};
  on_fault.sa_handler = OnFault;
  sigemptyset(&on_fault.sa_mask);
  sigaction(SIGSEGV, &on_fault, nullptr);
  sigaction(SIGBUS, &on_fault, nullptr);
  sigaction(SIGABRT, &on_fault, nullptr);
}

const char kAbout[] =
    "loupe — embedded full-text search for news archives\n\n"
    "Examples:\n"
    "  loupe index --db news.loupe corpus/\n"
    "  loupe search --db news.loupe 'actor:Bessent AND topic:tariffs before:2025-09-17'\n"
    "  loupe timeline --db news.loupe --by month 'topic:tariffs'\n"
    "  loupe stats --db news.loupe\n"
    "  loupe serve --db news.loupe   (a search page at http://127.0.0.1:7700/)\n\n"
    "Exit codes: 0 ok, 1 no hits, 2 usage or query error, 3 index or I/O error.\n"
    "--db defaults to $LOUPE_DB, else ./.loupe. `loupe help COMMAND` is `loupe COMMAND --help`.";

// `loupe help [COMMAND]` is `loupe [COMMAND] --help`. The command is the
// first argument that is not an option (loupe itself takes only --help and
// --version); CLI11 would report one that names no subcommand as an
// unexpected argument, without saying it was read as a command. Rewrites
// *args for CLI11, or prints the man page or what an unknown command is and
// returns the exit code (else -1).
int ReadCommandWord(CLI::App& app, std::vector<std::string>* argv) {
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) commands.push_back(sub->get_name());
  commands.push_back("help");
  std::vector<std::string>& args = *argv;
  auto is_word = [](const std::string& a) { return a.empty() || a[0] != '-'; };
  // Past an option loupe does not take (`loupe --db X search`), CLI11 reports
  // that option: the word after it is its value, not a command.
  auto own_option = [](const std::string& a) { return a == "-h" || a == "--help" || a == "--version"; };
  auto first = std::find_if_not(args.begin() + 1, args.end(), own_option);
  auto word = first != args.end() && is_word(*first) ? first : args.end();
  if (word == args.end()) return -1;
  if (*word != "help") {
    if (std::find(commands.begin(), commands.end(), *word) == commands.end()) return UnknownCommand(*word, commands);
    return -1;
  }
  // `loupe help --man [COMMAND]`: the man page, written from the definitions above.
  if (std::vector<std::string> rest(word + 1, args.end()); AsksForManPage(rest)) return RunHelpMan(app, rest);
  auto topic = std::find_if(word + 1, args.end(), is_word);
  if (topic != args.end() && std::find(commands.begin(), commands.end(), *topic) == commands.end())
    return UnknownCommand(*topic, commands);
  args = topic == args.end() || *topic == "help" ? std::vector<std::string>{args[0], "--help"}
                                                 : std::vector<std::string>{args[0], *topic, "--help"};
  return -1;
}

// Parses `args` into the commands' arguments; on --help, --version or an
// error prints what CLI11 says and returns the exit code (else -1).
int Parse(CLI::App& app, std::vector<std::string>& args) {
  std::vector<char*> parse_argv;
  for (std::string& a : args) parse_argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(parse_argv.size()), parse_argv.data());
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return -1;
}

// Runs the command given.
int Dispatch(const std::vector<Command>& commands) {
  try {
    for (const Command& c : commands)
      if (*c.app) return c.run();
  } catch (const std::exception& e) {
    std::cerr << "loupe: internal error: " << e.what() << "\n";
    return kExitIndex;
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  InstallFaultHandlers();
  CLI::App app{kAbout};
  app.name("loupe");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("loupe ") + loupe::Version() + " (index format " +
                                        std::to_string(loupe::kFormatVersion) + ")");
  Args args;
  const std::vector<Command> commands = AddCommands(app, &args);
  std::vector<std::string> words(argv, argv + argc);
  if (int rc = ReadCommandWord(app, &words); rc >= 0) return rc;
  if (int rc = Parse(app, words); rc >= 0) return rc;
  return Dispatch(commands);
}
