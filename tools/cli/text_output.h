// The text output of loupe's commands: each command's result (results.h) as
// lines for a terminal, `out` for what the command answers (stdout) and `err`
// for warnings and notes (stderr). Stored text goes through TerminalSafe.
#ifndef LOUPE_TOOLS_CLI_TEXT_OUTPUT_H_
#define LOUPE_TOOLS_CLI_TEXT_OUTPUT_H_

#include <ostream>
#include <string>
#include <vector>

#include "cli/results.h"

namespace loupe::cli {

// Each warning once, with its count: "loupe: warning: ...".
void PrintWarnings(const std::vector<std::string>& warnings, std::ostream& err);
// "loupe: no documents match: QUERY" (search and timeline, exit 1).
void PrintNoMatches(const std::string& query, std::ostream& err);

// What compiling a search's or timeline's query told besides its
// diagnostics (PrintDiagnostics): the repaired reading that runs, and what
// its relative dates became, counted back from `now` (`now_given`: --now was
// given, else today).
void PrintReading(const std::string& query, const QueryReading& read, std::ostream& err);
void PrintResolvedDates(const QueryReading& read, Days now, bool now_given, std::ostream& err);

// loupe index: a warning about a file, as the run meets it.
void PrintIndexWarning(const FileNote& w, std::ostream& err);
// The files skipped, one line each.
void PrintIndexSkipped(const IndexResult& r, std::ostream& err);
// The summary: counts, what was removed or not considered, the index, and
// with --report-candidates the candidate actors as gazetteer lines.
void PrintIndexSummary(const IndexResult& r, std::ostream& out);
// Why no index was created (nothing_to_index), or what an interrupted run
// committed and what is left.
void PrintIndexEnd(const IndexResult& r, std::ostream& err);

// loupe search: the hits (ranked from --offset + 1), the totals, the next
// page, the facets (date facets in at most `facet_buckets` lines) and the
// did-you-mean; matches marked in colour with `color`.
void PrintSearch(const SearchResult& r, bool color, size_t facet_buckets, std::ostream& out);

// loupe timeline: warnings about the chart's shape (too many bars to read,
// empty buckets left out), then the chart and its totals, `width` columns for
// the longest bar.
void PrintTimelineWarnings(const TimelineResult& r, std::ostream& err);
void PrintTimeline(const TimelineResult& r, int width, bool color, std::ostream& out);

// loupe explain.
void PrintExplain(const ExplainResult& r, std::ostream& out);

void PrintStats(const StatsResult& r, std::ostream& out);
void PrintShow(const ShowResult& r, std::ostream& out);
// loupe check: the report on `out`, and on `err` that the index is damaged.
void PrintCheck(const CheckResult& r, std::ostream& out, std::ostream& err);
// loupe seal: one line per split sealed.
void PrintSeal(const std::string& split, const CompactResult& r, std::ostream& out);
// loupe merge: one line.
void PrintMerge(const MergeResult& r, std::ostream& out);
void PrintCompact(const CompactResult& r, std::ostream& out);
void PrintBackup(const BackupResult& r, std::ostream& out);

// loupe bench: the line's TSV row (query, median_us, p95_us, count; NA for a
// line in error, whose message goes to `err`, prefixed with `where`).
void PrintBenchLine(const BenchLine& line, const std::string& where, std::ostream& out, std::ostream& err);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_TEXT_OUTPUT_H_
