// The JSON shapes of loupe's output, one ToJson per command's result
// (results.h): the one place that names their fields, for --format json and
// jsonl and for any other front end that serves the same results.
#ifndef LOUPE_TOOLS_CLI_JSON_OUTPUT_H_
#define LOUPE_TOOLS_CLI_JSON_OUTPUT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/results.h"

namespace loupe::cli {

using Json = nlohmann::ordered_json;

// An article's stored fields: id, path (both as ShownId shows them), title,
// date (null when undated), author, actors, topics; callers add what else they show.
Json ArticleJson(const Document& d);

// loupe index --format json: files, articles, bytes_read, milliseconds,
// skipped, warnings, index, tagging and, with --report-candidates, candidates.
Json ToJson(const IndexResult& r);

// loupe search --format json: query, reading (when it differs), total, hits,
// facets (when asked), next_cursor, generation, did_you_mean, diagnostics,
// warnings, resolved_dates (the last four when there are any).
Json ToJson(const SearchResult& r);
// --format jsonl: one line per hit ("type": "hit" first), then the summary
// ("type": "summary": the object above without its hits).
std::vector<Json> ToJsonLines(const SearchResult& r);
// One hit: the article (ArticleJson), score, snippet (when made) and, with
// --collapse, copies.
Json HitJson(const SearchHit& h, bool collapse);
// A snippet: text, highlights (start and end in code points, and their text), matched.
Json SnippetJson(const Snippet& s);
// Facets by name: counts (value, count and, for dates, from), distinct,
// missing, and for dates the outliers and whether empty buckets were left out.
Json FacetsJson(const std::vector<FacetResult>& facets);

// A query that did not compile (search, timeline, explain): query, error,
// diagnostics; with `json_lines`, "type": "error" first.
Json RejectedQueryJson(const std::string& query, const Status& error, const std::vector<Diagnostic>& diagnostics,
                       bool json_lines = false);

Json ToJson(const TimelineResult& r);
Json ToJson(const ExplainResult& r);
Json ExplanationJson(const Explanation& e);
Json ToJson(const StatsResult& r);
Json ToJson(const ShowResult& r);
Json ToJson(const CheckResult& r);
Json ToJson(const CompactResult& r);
Json ToJson(const MergeResult& r);
Json ToJson(const BackupResult& r);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_JSON_OUTPUT_H_
