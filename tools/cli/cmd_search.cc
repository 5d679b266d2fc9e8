// loupe search --db DIR [--limit N] [--offset N] [--after CURSOR] [--sort ORDER]
//              [--facet LIST]... [--collapse] [--color WHEN] [--format text|json|jsonl] QUERY
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/results.h"
#include "cli/text_output.h"
#include "loupe/language.h"
#include "loupe/snippet.h"
#include "loupe/suggest.h"

namespace loupe::cli {
namespace {

// Searches with fewer hits than this get a did-you-mean when one finds more.
constexpr uint64_t kSuggestBelow = 3;

// Did you mean: only when the search found (almost) nothing and the corrected
// query finds more.
void Suggest(const SearchArgs& a, const PreparedQuery& p, SearchResult* r) {
  if (a.no_suggest || r->total >= kSuggestBelow || !a.after.empty()) return;
  auto analyzer = Analyzer::Create(p.context.analyzer_options);
  if (!analyzer.ok()) return;
  auto s = SuggestCorrection(p.read.reading, *p.index, **analyzer, p.context.gazetteer.get());
  if (!s.ok() || s->query.empty()) return;
  auto q = CompileQuery(s->query, **analyzer, PlanFor(p.context, p.now));
  if (!q.ok()) return;
  auto found = p.index->Search(*q, {.limit = 0});
  if (found.ok() && found->total > r->total) {
    r->suggestion = *s;
    r->suggestion_total = found->total;
  }
}

// The hits' titles with their matches marked (for text) and their passages.
Status AddSnippets(const PreparedQuery& p, bool title, SearchResult* r) {
  // An actor by any of its names; words as the index analyzed them (folded or not).
  auto sn = Snippeter::Create(p.query,
                              {.gazetteer = p.context.gazetteer.get(), .analyzer_options = p.context.analyzer_options});
  if (!sn.ok()) return sn.status();
  for (SearchHit& h : r->hits) {
    (void)(*sn)->SetStemmerLanguage(DocumentStemmer(h.hit.document));  // English if libstemmer lacks it
    if (title) {
      auto t = (*sn)->HighlightAll(h.hit.document.title);
      if (!t.ok()) return t.status();
      h.title = std::move(*t);
    }
    auto s = (*sn)->Passages(h.hit.document.body);
    if (!s.ok()) return s.status();
    h.snippet = std::move(*s);
  }
  return Status::OK();
}

// Runs the search into *r. Errors as SearchPrepared's.
Status Search(const SearchArgs& a, const PreparedQuery& p, const std::vector<FacetRequest>& facets, SearchResult* r,
              std::string* what) {
  SearchOptions options{.limit = a.limit, .offset = a.offset};
  options.sort = p.read.sort;
  options.facets = facets;
  options.after = a.after;
  options.collapse = a.collapse;
  options.deadline = a.deadline;
  options.facet_name = ActorNames(p.context.gazetteer.get());
  auto res = p.index->Search(p.query, options);
  if (!res.ok()) {
    *what =
        res.status().code() == StatusCode::kInvalidArgument && !a.after.empty() ? "search: --after" : "search failed";
    return res.status();
  }
  *r = {.query = p.text,
        .reading = p.read.reading,
        .diagnostics = p.read.diagnostics,
        .resolved_dates = p.read.resolved,
        .offset = a.offset,
        .after = !a.after.empty(),
        .collapse = a.collapse,
        .facets_asked = !facets.empty(),
        .total = res->total,
        .facets = std::move(res->facets),
        .next_cursor = std::move(res->next_cursor),
        .generation = res->generation,
        .warnings = std::move(res->warnings)};
  for (Hit& h : res->hits) r->hits.push_back({.hit = std::move(h)});
  return Status::OK();
}

}  // namespace

Status SearchPrepared(const SearchArgs& a, const PreparedQuery& p, const std::vector<FacetRequest>& facets,
                      bool title_snippets, SearchResult* r, std::string* what) {
  if (Status s = Search(a, p, facets, r, what); !s.ok()) return s;
  Suggest(a, p, r);
  if (!a.no_snippets) {
    if (Status s = AddSnippets(p, title_snippets, r); !s.ok()) {
      *what = "snippets";
      return s;
    }
  }
  return Status::OK();
}

int RunSearch(const SearchArgs& a) {
  // jsonl: JSON Lines, one object per hit, then one summary; each has a
  // "type" first, so that a reader can tell them apart.
  const bool lines = a.format == "jsonl";
  const bool json = a.format == "json" || lines;
  std::vector<FacetRequest> facets;
  if (!ParseFacets(a.facets, a.facet_top, "search", &facets)) return kExitUsage;
  PreparedQuery p;
  if (int rc = PrepareQuery("search", a.db, a.query_parts, a.now, a.lenient, json, a.sort, &p, lines); rc >= 0)
    return rc;
  SearchResult r;
  std::string what;
  if (Status s = SearchPrepared(a, p, facets, !json, &r, &what); !s.ok()) {
    if (s.offset() != Status::kNoOffset) {  // refused at a limit, at these words
      PrintQueryError(p.read.reading, s);
      return ExitCodeFor(s);
    }
    return Fail(what, s);
  }
  if (!json) PrintWarnings(r.warnings, std::cerr);

  if (lines) {
    for (const Json& line : ToJsonLines(r)) PrintJsonLine(line);
  } else if (json) {
    PrintJson(ToJson(r));
  } else {
    PrintSearch(r, UseColor(a.color), a.facet_buckets, std::cout);
  }
  if (r.total == 0) {
    if (!json) PrintNoMatches(p.text, std::cerr);
    return kExitNoHits;
  }
  return kExitOk;
}

}  // namespace loupe::cli
