// What search, timeline, explain, show and stats compute, apart from opening
// the index and printing: the one code path of `loupe COMMAND` and of
// `loupe serve`'s JSON API (tools/serve/), so that both show the same results
// in the same shapes (json_output.h). None of these prints anything.
#ifndef LOUPE_TOOLS_CLI_COMMANDS_H_
#define LOUPE_TOOLS_CLI_COMMANDS_H_

#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/results.h"

namespace loupe::cli {

// Compiles `text` against `index`, already open, whose context (ReadQueryContext)
// is `context`, into *out (out->index shares `index`). `sort` is relevance,
// date or -date (a sort: in the query wins). Errors: the query's, as
// CompileQuery returns them, with every diagnostic in out->read.diagnostics;
// kInternal when no analyzer can be made.
Status PrepareOn(std::shared_ptr<const Index> index, const QueryContext& context, const std::string& text, Days now,
                 bool now_given, bool lenient, const std::string& sort, PreparedQuery* out);

// The search `a` asks for (limit, offset, after, collapse, suggestions,
// snippets) of the prepared query `p`, into *r; `facets` are ParseFacets'
// reading of a.facets. With `title_snippets`, the hits' titles are marked too
// (text output). Errors: the index's; a status with an offset (Status::offset)
// is the query refused at a limit, at those words of p.read.reading; a bad
// a.after is kInvalidArgument. *what names the step that failed ("search
// failed", "search: --after", "snippets").
Status SearchPrepared(const SearchArgs& a, const PreparedQuery& p, const std::vector<FacetRequest>& facets,
                      bool title_snippets, SearchResult* r, std::string* what);

// The timeline `a` asks for (by, facet, top) of the prepared query `p`, with its
// chart, into *r (no SVG file is written). Errors: the index's.
Status TimelinePrepared(const TimelineArgs& a, const PreparedQuery& p, TimelineResult* r);

// Explains the compiled query `q`, whose reading r->query, r->reading,
// r->diagnostics ... the caller has filled (see RunExplain), against `index`
// (null: the reading only) with `context` and the analyzer the query was
// compiled with. With a.doc, the document's score too: kNotFound when no
// article has that id. Errors: the index's.
Status ExplainCompiled(const ExplainArgs& a, const Index* index, const QueryContext& context, Analyzer& analyzer,
                       const Query& q, ExplainResult* r);

// The article an id argument names (IdCandidates: ShownId's escapes undone
// first, then as given). Errors: kNotFound, the index's.
Result<Document> FindDocument(const Index& index, const std::string& id);

// `loupe stats` of the open `index` at `db`. Errors: the index's.
Status ReadStats(const Index& index, const std::string& db, bool tables, StatsResult* r);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_COMMANDS_H_
