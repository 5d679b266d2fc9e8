// What each loupe command found, as plain values: what the library returned
// plus what the command adds (elapsed times, counts, warnings). A command
// builds one of these and hands it to its text printer (text_output.h) or to
// ToJson (json_output.h); neither computes anything, so every output format,
// and any other front end that reuses them, shows the same thing. Every
// member has a default (= {} at least), so that a result can be built with
// designated initializers naming only some.
#ifndef LOUPE_TOOLS_CLI_RESULTS_H_
#define LOUPE_TOOLS_CLI_RESULTS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/chart.h"
#include "cli/common.h"
#include "loupe/custom_fields.h"
#include "loupe/index.h"
#include "loupe/snippet.h"
#include "loupe/suggest.h"

namespace loupe::cli {

// A file and what happened to it: why it was skipped, or a warning about it.
struct FileNote {
  std::string path = {};
  std::string message = {};
};

// loupe index.
struct IndexResult {
  std::string db = {};
  std::vector<std::string> paths = {};  // the PATHs given
  // Files.
  size_t added = 0, updated = 0, unchanged = 0, deleted = 0;
  size_t files_read = 0;  // files of a format loupe reads that the walk found
  size_t hidden = 0, other_formats = 0;
  std::vector<FileNote> skipped = {};   // path, reason
  std::vector<FileNote> warnings = {};  // path, message
  // Articles.
  size_t articles = 0, removed = 0, committed_articles = 0;
  uint64_t bytes_read = 0;
  long milliseconds = 0, commit_milliseconds = 0;
  // The index after the run (documents, terms, size_bytes).
  IndexStats index = {};
  // Where the gazetteer, the topics and the title words came from, by
  // metadata key ("gazetteer", "topics", "titles"), in that order.
  std::vector<std::pair<std::string, std::string>> tagging = {};
  // --report-candidates: the distinct candidate actors found, and the most
  // frequent of them with their article counts, most frequent first.
  bool report_candidates = false;
  size_t candidates_found = 0;
  std::vector<std::pair<std::string, size_t>> candidates = {};
  // Stopped by a signal after committing `committed_articles`; `files_not_read`
  // files of the run were left.
  bool interrupted = false;
  size_t files_not_read = 0;
  // No article in a new index: none was created (exit 2).
  bool nothing_to_index = false;
};

// loupe search.
struct SearchHit {
  Hit hit = {};
  std::optional<Snippet> title = {};    // the title with its matches marked (no --no-snippets)
  std::optional<Snippet> snippet = {};  // the matched passages (no --no-snippets)
};
struct SearchResult {
  std::string query = {};    // as given
  std::string reading = {};  // what ran
  std::vector<Diagnostic> diagnostics = {};
  std::vector<std::string> resolved_dates = {};
  size_t offset = 0;      // --offset
  bool after = false;     // --after was given
  bool collapse = false;  // --collapse
  bool facets_asked = false;
  uint64_t total = 0;
  std::vector<SearchHit> hits = {};
  std::vector<FacetResult> facets = {};
  std::string next_cursor = {};
  uint64_t generation = 0;
  std::vector<std::string> warnings = {};
  Suggestion suggestion = {};  // empty query: none
  uint64_t suggestion_total = 0;
};

// loupe timeline.
struct TimelineResult {
  std::string query = {};
  std::string by = {};     // day | week | month | year
  std::string facet = {};  // "", actor, topic or author
  std::vector<Diagnostic> diagnostics = {};
  uint64_t total = 0;
  FacetResult dates = {};    // the date facet, split per --facet value when asked
  DateListing listing = {};  // its outliers and the range drawn
  Chart chart = {};          // what is drawn
  std::vector<std::string> warnings = {};
  std::string svg = {};  // the file the chart was written to, or ""
};

// loupe explain.
struct PlanNode {          // a node of the compiled query
  std::string label = {};  // AND, OR, BOOST x2, or the node
  std::string node = {};   // Query::ToString
  int64_t matches = -1;    // -1: no index
  std::vector<std::string> warnings = {};
  // A prefix or fuzzy term: what it expands to, with each term's documents.
  bool expands = false;
  bool written_words = false;  // a prefix of a stemmed field: the words as written
  std::vector<std::pair<std::string, uint64_t>> expansions = {};
  std::vector<PlanNode> children = {};
};
struct TermReading {       // a word or phrase of the query as analysis turns it into terms
  std::string shown = {};  // the word, or the phrase in quotes
  std::string field = {};  // as written, "" for all
  // Fields giving the same terms together: the terms ("a", "\"a b\"", per
  // language "x (english) | y (french)") and the field names ("title/body").
  std::vector<std::pair<std::string, std::string>> groups = {};
  std::vector<std::pair<std::string, std::vector<std::string>>> terms = {};  // field -> terms
  // field -> language -> terms, for the fields whose languages differ
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::vector<std::string>>>>> by_language = {};
  bool stemmed = false;
  std::string actor = {};  // the canonical name the gazetteer gave, or ""
};
struct ExplainResult {
  std::string query = {};
  std::string reading = {};
  std::string syntax = {};
  std::vector<TermReading> terms = {};
  std::string plan_text = {};  // Query::ToString of the plan
  PlanNode plan = {};
  SortOrder sort = SortOrder::kRelevance;
  Days now = 0;
  std::vector<Diagnostic> diagnostics = {};
  std::vector<std::string> resolved_dates = {};
  std::string db = {};
  bool has_index = false;
  std::string doc = {};                         // --doc as given
  std::optional<Explanation> explanation = {};  // its score, with --doc
};

// loupe stats.
struct StatsResult {
  std::string db = {};
  IndexStats stats = {};
  std::vector<std::string> languages = {};
  bool fold_diacritics = false;  // the index was created to fold diacritics
  std::vector<CustomField> custom_fields = {};
  bool tables = false;  // the text output lists stats.tables (JSON always has them)
  // What `loupe index` recorded it tagged with (the "tagging" record), or {}.
  nlohmann::ordered_json tagging = nlohmann::ordered_json::object();
};

// loupe show.
struct ShowResult {
  Document document = {};
};

// loupe check: the report, or why there is none.
struct CheckResult {
  std::string db = {};
  std::optional<CheckReport> report = {};
  std::string error = {};  // without a report
};

// loupe compact.
struct CompactResult {
  std::string db = {};
  CompactReport report = {};
  long milliseconds = 0;
};

// loupe merge.
struct MergeResult {
  std::string db = {}, into = {};
  std::vector<std::string> splits = {};
  MergeReport report = {};
  long milliseconds = 0;
};

// loupe backup.
struct BackupResult {
  std::string db = {}, dest = {};
  IndexStats copy = {};
  bool checked = false;  // not --no-check
  CheckReport check = {};
  long milliseconds = 0;
};

// loupe bench: one line of the queries file.
struct BenchLine {
  std::string query = {};  // or what stands for a line too long to hold one
  bool failed = false;     // NA: the line's error is `error` (its stderr message)
  std::string error = {};
  double median_us = 0, p95_us = 0;
  uint64_t count = 0;
};

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_RESULTS_H_
