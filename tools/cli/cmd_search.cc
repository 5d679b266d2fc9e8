// loupe search --db DIR [--limit N] [--offset N] [--after CURSOR] [--sort ORDER]
//              [--facet LIST]... [--collapse] [--color WHEN] [--format text|json|jsonl] QUERY
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "loupe/language.h"
#include "loupe/snippet.h"
#include "loupe/suggest.h"
#include "util/utf8.h"

namespace loupe::cli {
namespace {

constexpr const char* kMark = "\x1b[1;33m";  // bold yellow
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kReset = "\x1b[0m";
constexpr size_t kWrapColumns = 100;
// Searches with fewer hits than this get a did-you-mean when one finds more.
constexpr uint64_t kSuggestBelow = 3;

// text with its highlights wrapped in colour codes (or left plain).
// `restore`: the style to go back to after a mark (e.g. bold in a title).
std::string Marked(std::string_view text, const std::vector<Highlight>& hl, size_t b, size_t e, bool color,
                   const char* restore = "") {
  // The stored text is made safe piece by piece: the highlights' offsets are
  // into the text as stored.
  if (!color) return TerminalSafe(text.substr(b, e - b));
  std::string out;
  size_t at = b;
  for (const Highlight& h : hl) {
    size_t hb = std::max<size_t>(h.begin, b), he = std::min<size_t>(h.end, e);
    if (hb >= he) continue;
    out += TerminalSafe(text.substr(at, hb - at));
    out += kMark;
    out += TerminalSafe(text.substr(hb, he - hb));
    out += kReset;
    out += restore;
    at = he;
  }
  out += TerminalSafe(text.substr(at, e - at));
  return out;
}

// Prints a snippet wrapped at kWrapColumns, each line indented: lines break at
// spaces, and inside a run too long for a line (Chinese has no spaces) at a
// character.
void PrintWrapped(const Snippet& s, bool color, const std::string& indent) {
  std::string t = s.text;  // one paragraph: line breaks and tabs in it are spaces
  for (char& c : t)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  const size_t room = kWrapColumns - indent.size();
  auto char_len = [&](size_t i) {  // a malformed byte is a character of its own
    const size_t len = Utf8Length(t, i);
    return len ? len : 1;
  };
  size_t line = 0, cols = 0;
  auto flush = [&](size_t end) {
    std::cout << indent << Marked(t, s.highlights, line, end, color) << "\n";
  };
  for (size_t i = 0; i < t.size();) {
    // The next word [i, j) and the space after it.
    size_t j = t.find(' ', i);
    if (j == std::string::npos) j = t.size();
    size_t w = DisplayColumns(std::string_view(t).substr(i, j - i));
    size_t need = (cols ? cols + 1 : 0) + w;
    if (need <= room) {
      cols = need;
      i = j < t.size() ? j + 1 : j;
      continue;
    }
    if (cols > 0 && w <= room) {  // the word goes to the next line
      flush(i - 1);
      line = i;
      cols = 0;
      continue;
    }
    // A word longer than the rest of the line: fill the line by characters.
    size_t k = i;
    if (cols > 0) ++cols;  // the space before it
    while (k < j) {
      size_t len = char_len(k);
      size_t cw = DisplayColumns(std::string_view(t).substr(k, len));
      if (cols + cw > room) break;
      cols += cw;
      k += len;
    }
    if (k == i && cols > 1) {  // not one character fits after the text already on the line: wrap first
      flush(i - 1);
      line = i;
      cols = 0;
      continue;
    }
    if (k == i) k += char_len(i);  // not even one fits on an empty line: show it anyway
    flush(k);
    line = i = k;
    cols = 0;
  }
  if (line < t.size()) flush(t.size());
}

nlohmann::ordered_json SnippetJson(const Snippet& s) {
  // Offsets for JSON readers are in Unicode code points (Python's str
  // indices); the library's are bytes.
  auto cp = [&](size_t byte) {
    size_t n = 0;
    for (size_t i = 0; i < byte && i < s.text.size(); ++i) n += (static_cast<unsigned char>(s.text[i]) & 0xC0) != 0x80;
    return n;
  };
  nlohmann::ordered_json hl = nlohmann::ordered_json::array();
  for (const Highlight& h : s.highlights)
    hl.push_back({{"start", cp(h.begin)}, {"end", cp(h.end)}, {"text", s.text.substr(h.begin, h.end - h.begin)}});
  return {{"text", s.text}, {"highlights", hl}, {"matched", s.matched}};
}

// Date facets list every non-empty bucket but leave out the empty ones between an outlier
// and the rest, so that one wrong year does not add two thousand lines.
nlohmann::ordered_json FacetsJson(const std::vector<FacetResult>& facets) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const FacetResult& f : facets) {
    const bool date = f.name.rfind("date", 0) == 0;
    nlohmann::ordered_json counts = nlohmann::ordered_json::array();
    auto add = [&](const FacetCount& c) {
      nlohmann::ordered_json j = {{"value", c.value}, {"count", c.count}};
      if (date) j["from"] = FormatIsoDate(c.first_day);
      counts.push_back(std::move(j));
    };
    DateListing d;
    if (date) {
      d = ListDates(f);
      for (size_t i = 0; i < f.counts.size(); ++i)
        if ((i >= d.lo && i < d.hi) || std::count(d.outliers.begin(), d.outliers.end(), i)) add(f.counts[i]);
    } else {
      for (const FacetCount& c : f.counts) add(c);
    }
    out[f.name] = {{"counts", counts}, {"distinct", f.distinct}, {"missing", f.missing}};
    if (f.gaps_left_out) out[f.name]["empty_buckets_left_out"] = true;
    if (!d.outliers.empty()) {
      nlohmann::ordered_json o = nlohmann::ordered_json::array();
      for (size_t i : d.outliers) o.push_back(f.counts[i].value);
      out[f.name]["outliers"] = o;
    }
  }
  return out;
}

void PrintCount(const FacetCount& c) {
  char n[32];
  std::snprintf(n, sizeof n, "%6llu", static_cast<unsigned long long>(c.count));
  std::cout << "  " << n << "  " << TerminalSafe(c.value) << "\n";
}

// Date facets: the range without far outliers, empty buckets included while it fits in
// `max_buckets` lines, else only the non-empty ones, of which the latest `max_buckets`.
void PrintFacetsText(const std::vector<FacetResult>& facets, size_t max_buckets) {
  for (const FacetResult& f : facets) {
    const bool date = f.name.rfind("date", 0) == 0;
    std::cout << "\n" << f.name << " (" << f.distinct << (date ? " non-empty buckets" : " distinct")
              << (f.missing ? ", " + std::to_string(f.missing) + (date ? " undated" : " without one") : "")
              << (f.gaps_left_out ? "; more than 5000 buckets apart, so the empty ones are left out" : "") << "):\n";
    if (!date) {
      for (const FacetCount& c : f.counts) PrintCount(c);
      continue;
    }
    const DateListing d = ListDates(f);
    std::vector<size_t> shown;
    for (size_t i = d.lo; i < d.hi; ++i) shown.push_back(i);
    const bool drop_empty = shown.size() > max_buckets;
    if (drop_empty) std::erase_if(shown, [&](size_t i) { return f.counts[i].count == 0; });
    size_t skipped = 0;
    uint64_t skipped_matches = 0;
    if (shown.size() > max_buckets) {
      skipped = shown.size() - max_buckets;
      for (size_t k = 0; k < skipped; ++k) skipped_matches += f.counts[shown[k]].count;
      shown.erase(shown.begin(), shown.begin() + static_cast<std::ptrdiff_t>(skipped));
      std::cout << "  \xE2\x80\xA6 " << skipped << " earlier buckets with " << skipped_matches
                << " matches not listed (--facet-buckets " << max_buckets << ")\n";  // …
    }
    for (size_t i : shown) PrintCount(f.counts[i]);
    if (drop_empty && !f.gaps_left_out)
      std::cout << "  (empty buckets left out: " << d.hi - d.lo
                << " from the first to the last, more than --facet-buckets " << max_buckets << ")\n";
    if (!d.outliers.empty()) {
      std::cout << "  outliers: ";
      for (size_t k = 0; k < d.outliers.size(); ++k) {
        if (k) std::cout << ", ";
        std::cout << TerminalSafe(f.counts[d.outliers[k]].value) << " (" << f.counts[d.outliers[k]].count << ")";
      }
      std::cout << "\n";
    }
  }
}

}  // namespace

int RunSearch(const SearchArgs& a) {
  // jsonl: JSON Lines, one object per hit as soon as it is made, then one
  // summary; each has a "type" first, so that a reader can tell them apart.
  const bool lines = a.format == "jsonl";
  const bool json = a.format == "json" || lines;
  std::vector<FacetRequest> facet_requests;
  if (!ParseFacets(a.facets, a.facet_top, "search", &facet_requests)) return kExitUsage;
  PreparedQuery p;
  if (int rc = PrepareQuery("search", a.db, a.query_parts, a.now, a.lenient, json, a.sort, &p, lines); rc >= 0)
    return rc;
  SearchOptions options{.limit = a.limit, .offset = a.offset};
  options.sort = p.sort;
  options.facets = facet_requests;
  options.after = a.after;
  options.collapse = a.collapse;
  options.facet_name = ActorNames(p.gazetteer.get());
  auto res = p.index->Search(p.query, options);
  if (!res.ok()) {
    if (res.status().offset() != Status::kNoOffset) {  // refused at a limit, at these words
      PrintQueryError(p.reading, res.status());
      return ExitCodeFor(res.status());
    }
    if (res.status().code() == StatusCode::kInvalidArgument && !a.after.empty())
      return Fail("search: --after", res.status());
    return Fail("search failed", res.status());
  }
  if (!json)
    for (const std::string& w : CountRepeats(res->warnings)) std::cerr << "loupe: warning: " << w << "\n";

  // Did you mean: only when the search found (almost) nothing and the
  // corrected query finds more.
  Suggestion suggestion;
  uint64_t suggestion_total = 0;
  if (!a.no_suggest && res->total < kSuggestBelow && a.after.empty()) {
    auto analyzer = Analyzer::Create();
    if (analyzer.ok()) {
      auto s = SuggestCorrection(p.reading, *p.index, **analyzer, p.gazetteer.get());
      if (s.ok() && !s->query.empty()) {
        PlanOptions plan;
        plan.now = p.now;
        plan.gazetteer = p.gazetteer.get();
        plan.custom_fields = p.custom_fields;
        plan.stemming_languages = p.languages;
        auto q = CompileQuery(s->query, **analyzer, plan);
        if (q.ok()) {
          auto r = p.index->Search(*q, {.limit = 0});
          if (r.ok() && r->total > res->total) {
            suggestion = *s;
            suggestion_total = r->total;
          }
        }
      }
    }
  }

  std::unique_ptr<Snippeter> snippeter;
  if (!a.no_snippets) {
    auto sn = Snippeter::Create(p.query, {.gazetteer = p.gazetteer.get()});  // an actor by any of its names
    if (!sn.ok()) return Fail("snippets", sn.status());
    snippeter = std::move(*sn);
  }

  if (json) {
    nlohmann::ordered_json hits = nlohmann::ordered_json::array();
    for (const Hit& h : res->hits) {
      nlohmann::ordered_json hit = ArticleJson(h.document);
      hit["score"] = h.score;
      if (snippeter) {
        (void)snippeter->SetStemmerLanguage(DocumentStemmer(h.document));  // English if libstemmer lacks it
        auto snippet = snippeter->Passages(h.document.body);
        if (!snippet.ok()) return Fail("snippets", snippet.status());
        hit["snippet"] = SnippetJson(*snippet);
      }
      if (a.collapse) hit["copies"] = h.copies;
      if (lines) {
        nlohmann::ordered_json line = {{"type", "hit"}};
        line.update(hit);
        PrintJsonLine(line);
      } else {
        hits.push_back(std::move(hit));
      }
    }
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    if (lines) out["type"] = "summary";
    out["query"] = p.text;
    if (p.reading != p.text) out["reading"] = p.reading;
    out["total"] = res->total;
    if (!lines) out["hits"] = hits;
    if (!facet_requests.empty()) out["facets"] = FacetsJson(res->facets);
    out["next_cursor"] = res->next_cursor.empty() ? nlohmann::ordered_json(nullptr)
                                                  : nlohmann::ordered_json(res->next_cursor);
    out["generation"] = res->generation;
    if (!suggestion.query.empty())
      out["did_you_mean"] = {{"query", suggestion.query}, {"total", suggestion_total}, {"changes", suggestion.changes}};
    if (!p.diagnostics.empty()) out["diagnostics"] = DiagnosticsJson(p.text, p.diagnostics);
    if (!res->warnings.empty()) out["warnings"] = CountRepeats(res->warnings);
    if (!p.resolved.empty()) out["resolved_dates"] = p.resolved;
    if (lines) PrintJsonLine(out);
    else PrintJson(out);
  } else {
    const bool color = UseColor(a.color);
    size_t rank = a.offset;
    for (const Hit& h : res->hits) {
      const Document& d = h.document;
      char score[32];
      std::snprintf(score, sizeof score, "%.3f", h.score);
      std::string title = TerminalSafe(d.title);
      if (snippeter) {
        (void)snippeter->SetStemmerLanguage(DocumentStemmer(d));  // English if libstemmer lacks it
        auto t = snippeter->HighlightAll(d.title);
        if (!t.ok()) return Fail("snippets", t.status());
        title = Marked(t->text, t->highlights, 0, t->text.size(), color, kBold);
      }
      std::cout << ++rank << ". " << (d.date ? FormatIsoDate(*d.date) : std::string("(undated) ")) << "  "
                << (color ? kBold : "") << title << (color ? kReset : "") << "\n";
      if (!d.actors.empty()) std::cout << "   actors: " << TerminalSafe(Join(d.actors, "; ")) << "\n";
      if (!d.topics.empty()) std::cout << "   topics: " << TerminalSafe(Join(d.topics, "; ")) << "\n";
      if (snippeter) {
        auto s = snippeter->Passages(d.body);
        if (!s.ok()) return Fail("snippets", s.status());
        if (!s->text.empty()) PrintWrapped(*s, color, "   ");
      }
      std::cout << "   " << ShownId(d.id, true) << "  score " << score;
      if (h.copies) std::cout << "  (+" << h.copies << " near-identical cop" << (h.copies == 1 ? "y" : "ies") << ")";
      std::cout << "\n";
    }
    if (res->total > 0) {
      std::cout << (res->hits.empty() ? "no hits on this page; " : "") << res->total
                << (a.collapse ? " group" : " hit") << (res->total == 1 ? "" : "s") << " in total";
      if (!res->hits.empty() && a.after.empty())
        std::cout << ", showing " << a.offset + 1 << "-" << a.offset + res->hits.size();
      std::cout << "\n";
    }
    if (!res->next_cursor.empty() && !a.after.empty()) std::cout << "next page: --after " << res->next_cursor << "\n";
    if (!facet_requests.empty()) PrintFacetsText(res->facets, a.facet_buckets);
    if (!suggestion.query.empty())
      std::cout << "Did you mean: " << suggestion.query << "  (" << suggestion_total << " hit"
                << (suggestion_total == 1 ? "" : "s") << ")\n";
  }
  if (res->total == 0) {
    if (!json) std::cerr << "loupe: no documents match: " << p.text << "\n";
    return kExitNoHits;
  }
  return kExitOk;
}

}  // namespace loupe::cli
