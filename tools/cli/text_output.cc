#include "cli/text_output.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <tuple>

#include "util/utf8.h"

namespace loupe::cli {

void PrintWarnings(const std::vector<std::string>& warnings, std::ostream& err) {
  for (const std::string& w : CountRepeats(warnings)) err << "loupe: warning: " << w << "\n";
}

void PrintNoMatches(const std::string& query, std::ostream& err) {
  err << "loupe: no documents match: " << query << "\n";
}

void PrintReading(const std::string& query, const QueryReading& read, std::ostream& err) {
  if (read.reading != query) err << "loupe: searching for: " << read.reading << "\n";
}

void PrintResolvedDates(const QueryReading& read, Days now, bool now_given, std::ostream& err) {
  if (read.resolved.empty()) return;
  err << "loupe: relative dates counted back from " << FormatIsoDate(now)
      << (now_given ? "" : " (today; set another day with --now)") << ":";
  for (const std::string& r : read.resolved) err << " " << r << ";";
  err << "\n";
}

// --- index -----------------------------------------------------------------

namespace {

// "1 article", "2 articles".
std::string Count(uint64_t count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

}  // namespace

void PrintIndexWarning(const FileNote& w, std::ostream& err) {
  err << "loupe: warning: " << ShownId(w.path, true) << ": " << TerminalSafe(w.message) << "\n";
}

void PrintIndexSkipped(const IndexResult& r, std::ostream& err) {
  for (const FileNote& k : r.skipped)
    err << "loupe: skipped " << ShownId(k.path, true) << ": " << TerminalSafe(k.message) << "\n";
}

void PrintIndexSummary(const IndexResult& r, std::ostream& out) {
  out << "indexed " << Count(r.articles, "article", "articles") << " from "
      << Count(r.added + r.updated, "file", "files") << " (" << r.added << " added, " << r.updated << " updated), "
      << r.unchanged << " unchanged, " << r.deleted << " deleted, " << r.skipped.size() << " skipped; "
      << r.bytes_read / 1024 << " KiB read in " << r.milliseconds << " ms (final commit " << r.commit_milliseconds
      << " ms)\n";
  std::vector<std::string> more;
  if (r.removed) more.push_back(Count(r.removed, "article", "articles") + " removed");
  if (r.hidden) more.push_back(Count(r.hidden, "hidden file or folder", "hidden files or folders") + " not considered");
  if (r.other_formats) more.push_back(Count(r.other_formats, "file", "files") + " of other formats not considered");
  if (!more.empty()) out << Join(more, "; ") << "\n";
  out << "index " << r.db << ": " << Count(r.index.documents, "document", "documents") << ", "
      << Count(r.index.terms, "term", "terms") << ", " << r.index.size_bytes / 1024 << " KiB\n";
  if (!r.report_candidates) return;
  const std::string& gazetteer = r.tagging.empty() ? std::string() : r.tagging[0].second;
  out << "# " << r.candidates_found << (r.candidates_found == 1 ? " candidate actor" : " candidate actors")
      << " not in the gazetteer (" << gazetteer << ") in the articles read";
  if (r.candidates_found > r.candidates.size()) out << "; the " << r.candidates.size() << " most frequent";
  out << (r.candidates.empty() ? "\n" : "; lines to paste into a gazetteer:\n");
  for (const auto& [name, count] : r.candidates)
    out << TerminalSafe(name) << " | person  # " << Count(count, "article", "articles") << "\n";
}

void PrintIndexEnd(const IndexResult& r, std::ostream& err) {
  if (r.nothing_to_index) {
    err << "loupe: index: no articles to index in " << TerminalSafe(Join(r.paths, ", ")) << " (" << r.files_read
        << " files read, " << r.skipped.size() << " skipped, " << r.other_formats << " of other formats, " << r.hidden
        << " hidden); no index created. Loupe reads .txt, .md, .jsonl, .ndjson, .eml, .html, .htm, .rss, .atom and "
           ".xml files\n";
    return;
  }
  if (!r.interrupted) return;
  const size_t read = r.added + r.updated;
  err << "loupe: index: interrupted; committed " << r.committed_articles << " "
      << (r.committed_articles == 1 ? "article" : "articles") << " from " << read << " "
      << (read == 1 ? "file" : "files") << " (" << r.files_not_read
      << " files not read yet); run the same command again to index the rest\n";
}

// --- search ----------------------------------------------------------------

namespace {

constexpr const char* kMark = "\x1b[1;33m";  // bold yellow
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kReset = "\x1b[0m";
constexpr size_t kWrapColumns = 100;

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
void PrintWrapped(const Snippet& s, bool color, const std::string& indent, std::ostream& out) {
  std::string t = s.text;  // one paragraph: line breaks and tabs in it are spaces
  for (char& c : t)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  const size_t room = kWrapColumns - indent.size();
  auto char_len = [&](size_t i) {  // a malformed byte is a character of its own
    const size_t len = Utf8Length(t, i);
    return len ? len : 1;
  };
  size_t line = 0, cols = 0;
  auto flush = [&](size_t end) { out << indent << Marked(t, s.highlights, line, end, color) << "\n"; };
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

void PrintCount(const FacetCount& c, std::ostream& out) {
  char n[32];
  std::snprintf(n, sizeof n, "%6llu", static_cast<unsigned long long>(c.count));
  out << "  " << n << "  " << TerminalSafe(c.value) << "\n";
}

// Date facets: the range without far outliers, empty buckets included while it fits in
// `max_buckets` lines, else only the non-empty ones, of which the latest `max_buckets`.
void PrintDateFacet(const FacetResult& f, size_t max_buckets, std::ostream& out) {
  const DateListing d = ListDates(f);
  std::vector<size_t> shown;
  for (size_t i = d.lo; i < d.hi; ++i) shown.push_back(i);
  const bool drop_empty = shown.size() > max_buckets;
  if (drop_empty) std::erase_if(shown, [&](size_t i) { return f.counts[i].count == 0; });
  if (shown.size() > max_buckets) {
    const size_t skipped = shown.size() - max_buckets;
    uint64_t skipped_matches = 0;
    for (size_t k = 0; k < skipped; ++k) skipped_matches += f.counts[shown[k]].count;
    shown.erase(shown.begin(), shown.begin() + static_cast<std::ptrdiff_t>(skipped));
    out << "  \xE2\x80\xA6 " << skipped << " earlier buckets with " << skipped_matches
        << " matches not listed (--facet-buckets " << max_buckets << ")\n";  // …
  }
  for (size_t i : shown) PrintCount(f.counts[i], out);
  if (drop_empty && !f.gaps_left_out)
    out << "  (empty buckets left out: " << d.hi - d.lo << " from the first to the last, more than --facet-buckets "
        << max_buckets << ")\n";
  if (!d.outliers.empty()) {
    out << "  outliers: ";
    for (size_t k = 0; k < d.outliers.size(); ++k) {
      if (k) out << ", ";
      out << TerminalSafe(f.counts[d.outliers[k]].value) << " (" << f.counts[d.outliers[k]].count << ")";
    }
    out << "\n";
  }
}

void PrintFacets(const std::vector<FacetResult>& facets, size_t max_buckets, std::ostream& out) {
  for (const FacetResult& f : facets) {
    const bool date = f.name.rfind("date", 0) == 0;
    out << "\n"
        << f.name << " (" << f.distinct << (date ? " non-empty buckets" : " distinct")
        << (f.missing ? ", " + std::to_string(f.missing) + (date ? " undated" : " without one") : "")
        << (f.gaps_left_out ? "; more than 5000 buckets apart, so the empty ones are left out" : "") << "):\n";
    if (date) {
      PrintDateFacet(f, max_buckets, out);
    } else {
      for (const FacetCount& c : f.counts) PrintCount(c, out);
    }
  }
}

// A hit: rank, date and title, its actors and topics, its passages, its id and score.
void PrintHit(const SearchHit& sh, size_t rank, bool color, std::ostream& out) {
  const Hit& h = sh.hit;
  const Document& d = h.document;
  char score[32];
  std::snprintf(score, sizeof score, "%.3f", h.score);
  std::string title = sh.title ? Marked(sh.title->text, sh.title->highlights, 0, sh.title->text.size(), color, kBold)
                               : TerminalSafe(d.title);
  out << rank << ". " << (d.date ? FormatIsoDate(*d.date) : std::string("(undated) ")) << "  " << (color ? kBold : "")
      << title << (color ? kReset : "") << "\n";
  if (!d.actors.empty()) out << "   actors: " << TerminalSafe(Join(d.actors, "; ")) << "\n";
  if (!d.topics.empty()) out << "   topics: " << TerminalSafe(Join(d.topics, "; ")) << "\n";
  if (sh.snippet && !sh.snippet->text.empty()) PrintWrapped(*sh.snippet, color, "   ", out);
  out << "   " << ShownId(d.id, true) << "  score " << score;
  if (h.copies) out << "  (+" << h.copies << " near-identical cop" << (h.copies == 1 ? "y" : "ies") << ")";
  out << "\n";
}

}  // namespace

void PrintSearch(const SearchResult& r, bool color, size_t facet_buckets, std::ostream& out) {
  size_t rank = r.offset;
  for (const SearchHit& h : r.hits) PrintHit(h, ++rank, color, out);
  if (r.total > 0) {
    out << (r.hits.empty() ? "no hits on this page; " : "") << r.total << (r.collapse ? " group" : " hit")
        << (r.total == 1 ? "" : "s") << " in total";
    if (!r.hits.empty() && !r.after) out << ", showing " << r.offset + 1 << "-" << r.offset + r.hits.size();
    out << "\n";
  }
  if (!r.next_cursor.empty() && r.after) out << "next page: --after " << r.next_cursor << "\n";
  if (r.facets_asked) PrintFacets(r.facets, facet_buckets, out);
  if (!r.suggestion.query.empty())
    out << "Did you mean: " << r.suggestion.query << "  (" << r.suggestion_total << " hit"
        << (r.suggestion_total == 1 ? "" : "s") << ")\n";
}

// --- timeline --------------------------------------------------------------

namespace {

// More bars than a screen or two holds: the chart is still drawn whole (a chart with bars
// left out would mislead), with a warning that a wider unit draws fewer.
constexpr size_t kManyBars = 200;

}  // namespace

void PrintTimelineWarnings(const TimelineResult& r, std::ostream& err) {
  PrintWarnings(r.warnings, err);
  if (r.listing.hi - r.listing.lo > kManyBars) {
    const char* wider = r.by == "day" ? "week, month or year" : r.by == "week" ? "month or year" : "year";
    err << "loupe: warning: " << r.listing.hi - r.listing.lo << " bars"
        << (r.by == "year" ? "" : std::string("; --by ") + wider + " draws fewer") << "\n";
  }
  if (r.dates.gaps_left_out)
    err << "loupe: warning: the matches span more than 5000 " << r.by
        << "s: only the non-empty ones are drawn, so the bars are not evenly spaced in time; use a wider --by\n";
}

void PrintTimeline(const TimelineResult& r, int width, bool color, std::ostream& out) {
  const FacetResult& f = r.dates;
  out << RenderTerminalChart(r.chart, width, color);
  if (!r.listing.outliers.empty()) {
    out << "outliers (not drawn): ";
    for (size_t k = 0; k < r.listing.outliers.size(); ++k)
      out << (k ? ", " : "") << TerminalSafe(f.counts[r.listing.outliers[k]].value) << " ("
          << f.counts[r.listing.outliers[k]].count << ")";
    out << "\n";
  }
  out << r.total << " matching article" << (r.total == 1 ? "" : "s");
  if (f.missing) out << ", " << f.missing << " undated (not drawn)";
  out << "\n";
  if (!r.svg.empty()) out << "wrote " << r.svg << "\n";
}

// --- explain ---------------------------------------------------------------

namespace {

// The plan as an indented tree, with the matches of every node when there is an index.
void PrintPlan(const PlanNode& n, int depth, std::ostream& out) {
  out << std::string(2 * static_cast<size_t>(depth) + 2, ' ') << n.label;
  if (n.matches >= 0) out << "    [" << n.matches << " match" << (n.matches == 1 ? "" : "es") << "]";
  out << "\n";
  if (n.expands) {
    std::string shown;
    for (size_t i = 0; i < n.expansions.size() && i < 12; ++i)
      shown += std::string(i ? ", " : "") + n.expansions[i].first + " (" + std::to_string(n.expansions[i].second) + ")";
    if (n.expansions.size() > 12) shown += ", ... " + std::to_string(n.expansions.size() - 12) + " more";
    out << std::string(2 * static_cast<size_t>(depth) + 6, ' ') << "expands to " << n.expansions.size()
        << (n.written_words ? " written word" : " term") << (n.expansions.size() == 1 ? "" : "s")
        << (n.expansions.empty() ? "" : ": " + shown) << "\n";
  }
  for (const PlanNode& c : n.children) PrintPlan(c, depth + 1, out);
}

void PrintTerm(const TermReading& t, std::ostream& out) {
  out << "        " << (t.field.empty() ? "" : t.field + ":") << t.shown << " ->";
  for (size_t i = 0; i < t.groups.size(); ++i)
    out << (i ? ";" : "") << " " << t.groups[i].second << ": " << t.groups[i].first;
  out << (t.stemmed ? "  (stemmed)" : "");
  if (!t.actor.empty()) out << "  (the actor " << t.actor << ", by the gazetteer)";
  out << "\n";
}

// The score breakdown as indented lines: score, node, and BM25's inputs.
void PrintExplanation(const Explanation& e, int depth, std::ostream& out) {
  char score[32];
  std::snprintf(score, sizeof score, "%9.4f", e.score);
  out << std::string(2 * static_cast<size_t>(depth) + 2, ' ') << (e.matched ? score : "    (no) ") << "  " << e.node
      << "\n";
  if (!e.detail.empty()) {
    // One line per term of a phrase or expansion of a prefix.
    size_t start = 0;
    for (;;) {
      size_t end = e.detail.find("; ", start);
      out << std::string(2 * static_cast<size_t>(depth) + 15, ' ') << e.detail.substr(start, end - start) << "\n";
      if (end == std::string::npos) break;
      start = end + 2;
    }
  }
  for (const Explanation& c : e.children) PrintExplanation(c, depth + 1, out);
}

}  // namespace

void PrintExplain(const ExplainResult& r, std::ostream& out) {
  out << "query:  " << r.query << "\n";
  if (r.reading != r.query) out << "read:   " << r.reading << "\n";
  out << "syntax: " << r.syntax << "\n";
  if (!r.terms.empty()) {
    out << "terms:\n";
    for (const TermReading& t : r.terms) PrintTerm(t, out);
  }
  out << "plan:   " << r.plan_text << "\n"
      << "sort:   " << SortName(r.sort) << "\n";
  if (!r.resolved_dates.empty()) {
    out << "dates:  counted back from " << FormatIsoDate(r.now) << ":";
    for (const std::string& d : r.resolved_dates) out << " " << d << ";";
    out << "\n";
  }
  out << (r.has_index ? "parts, with their matches in " + r.db + ":\n" : "parts (no index at " + r.db + "):\n");
  PrintPlan(r.plan, 0, out);
  if (r.explanation) {
    char score[32];
    std::snprintf(score, sizeof score, "%.4f", r.explanation->score);
    out << "document " << ShownId(ParseId(r.doc), true) << ": "
        << (r.explanation->matched ? std::string("score ") + score : std::string("not matched by the query")) << "\n";
    PrintExplanation(*r.explanation, 0, out);
  }
}

// --- stats, show, check, compact, backup, bench ----------------------------

void PrintStats(const StatsResult& r, std::ostream& out) {
  const IndexStats& st = r.stats;
  out << "index:          " << r.db << "\n"
      << "documents:      " << st.documents << "\n"
      << "terms:          " << st.terms << "\n"
      << "size on disk:   " << st.size_bytes << " bytes (" << st.size_bytes / 1024 << " KiB)\n"
      << "format version: " << st.format_version << "\n"
      << "commits:        " << st.generation << "\n";
  if (st.unlocked) out << "lock file:      not writable; opened without it (no writer may run meanwhile)\n";
  if (!st.partition.empty()) {
    // A collection: "partition:      month", then one line per split, in
    // columns: "  2025-09  2025-09-01..2025-09-30  12 documents  48 KiB".
    out << "partition:      " << st.partition << "\n"
        << "splits:         " << st.splits.size() << "\n";
    size_t name_width = 0, docs_width = 0;
    for (const SplitStats& sp : st.splits) {
      name_width = std::max(name_width, sp.name.size());
      docs_width = std::max(docs_width, std::to_string(sp.documents).size());
    }
    for (const SplitStats& sp : st.splits) {
      const std::string dates =
          sp.first == INT32_MIN ? std::string("no dates") : FormatIsoDate(sp.first) + ".." + FormatIsoDate(sp.last);
      const std::string docs = std::to_string(sp.documents);
      out << "  " << sp.name << std::string(name_width + 2 - sp.name.size(), ' ') << dates
          << std::string(24 - std::min<size_t>(dates.size(), 22), ' ') << std::string(docs_width - docs.size(), ' ')
          << docs << (sp.documents == 1 ? " document   " : " documents  ") << sp.size_bytes / 1024 << " KiB"
          << (sp.sealed ? "  sealed" : "") << "\n";
    }
  }
  // "gazetteer:      built-in (312 actors)"
  const std::tuple<const char*, const char*, const char*> rows[] = {
      {"gazetteer", "actors", "actor"}, {"topics", "topics", "topic"}, {"titles", "titles", "title"}};
  for (const auto& [key, unit, one] : rows) {
    if (!r.tagging.contains(key) || !r.tagging[key].is_object()) continue;
    const auto& t = r.tagging[key];
    std::string label = std::string(key) + ":";
    out << label << std::string(label.size() < 16 ? 16 - label.size() : 1, ' ')
        << TerminalSafe(t.value("from", std::string("?")));
    if (t.value("from", std::string()).rfind("none", 0) != 0)
      out << " (" << t.value(unit, 0) << " " << (t.value(unit, 0) == 1 ? one : unit) << ")";
    out << "\n";
  }
  out << "languages:      " << (r.languages.empty() ? std::string("none yet") : Join(r.languages, ", ")) << "\n";
  // Only when on: an index keeps diacritics unless it was created to fold them.
  if (r.fold_diacritics) out << "diacritics:     folded (loupe index --fold-diacritics)\n";
  // "custom fields:  2", then "  party     3 documents" per field, the counts in one column.
  out << "custom fields:  " << (r.custom_fields.empty() ? std::string("none") : std::to_string(r.custom_fields.size()))
      << "\n";
  size_t width = 0;
  for (const CustomField& f : r.custom_fields) width = std::max(width, f.name.size());
  for (const CustomField& f : r.custom_fields)
    out << "  " << f.name << std::string(width + 2 - f.name.size(), ' ') << f.documents
        << (f.documents == 1 ? " document\n" : " documents\n");
  if (!r.tables) return;
  // "tables:", then one line per table, the names in one column:
  // "  postings   1662976 bytes, 25984.0 bytes per document, 2864 entries".
  out << "tables:\n";
  size_t name_w = 0;
  for (const TableStats& t : r.stats.tables) name_w = std::max(name_w, t.name.size());
  for (const TableStats& t : r.stats.tables) {
    char per[32];
    std::snprintf(per, sizeof per, "%.1f", t.bytes_per_document);
    out << "  " << t.name << std::string(name_w + 2 - t.name.size(), ' ') << t.bytes << " bytes, " << per
        << " bytes per document, " << t.entries << (t.entries == 1 ? " entry\n" : " entries\n");
  }
}

void PrintShow(const ShowResult& r, std::ostream& out) {
  const Document& d = r.document;
  // Stored text comes from files: a control character in it must not drive
  // the user's terminal.
  out << TerminalSafe(d.title) << "\n";
  if (!d.author.empty()) out << "Author: " << TerminalSafe(d.author) << "\n";
  if (d.date) out << "Date: " << FormatIsoDate(*d.date) << "\n";
  if (!d.actors.empty()) out << "Actors: " << TerminalSafe(Join(d.actors, "; ")) << "\n";
  if (!d.topics.empty()) out << "Topics: " << TerminalSafe(Join(d.topics, "; ")) << "\n";
  if (!d.language.empty()) out << "Language: " << TerminalSafe(d.language) << "\n";
  for (const auto& [k, v] : d.extra) out << TerminalSafe(k) << ": " << TerminalSafe(v) << "\n";
  out << "\n" << TerminalSafe(d.body, true) << (d.body.empty() || d.body.back() == '\n' ? "" : "\n");
}

void PrintCheck(const CheckResult& r, std::ostream& out, std::ostream& err) {
  if (!r.report) return;  // the error is reported by the command (Fail)
  const CheckReport& c = *r.report;
  out << "checked " << r.db << ": " << c.documents << " documents, " << c.terms << " terms, " << c.postings
      << " postings, " << c.values << " stored values with their checksums\n";
  for (const std::string& p : c.problems) out << "  problem: " << p << "\n";
  if (c.more_problems) out << "  ... and " << c.more_problems << " more problems\n";
  if (c.ok()) {
    out << "no problems found\n";
  } else {
    err << "loupe: check: " << c.problems.size() + c.more_problems
        << " problems: the index is damaged; restore a backup (loupe backup) or rebuild it (loupe index)\n";
  }
}

namespace {

std::string Size(uint64_t bytes) {
  char buf[32];
  if (bytes >= (uint64_t{1} << 20))
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  else
    std::snprintf(buf, sizeof buf, "%llu KiB", static_cast<unsigned long long>(bytes >> 10));
  return buf;
}

}  // namespace

void PrintCompact(const CompactResult& r, std::ostream& out) {
  out << "compacted " << r.db << ": " << r.report.documents << " documents kept, " << r.report.dropped
      << " deleted or replaced versions dropped; " << Size(r.report.bytes_before) << " -> "
      << Size(r.report.bytes_after) << " in " << r.milliseconds << " ms\n";
}

void PrintSeal(const std::string& split, const CompactResult& r, std::ostream& out) {
  out << "sealed " << split << " of " << r.db << ": " << r.report.documents << " documents kept, " << r.report.dropped
      << " deleted or replaced versions dropped; " << Size(r.report.bytes_before) << " -> "
      << Size(r.report.bytes_after) << " in " << r.milliseconds << " ms\n";
}

void PrintMerge(const MergeResult& r, std::ostream& out) {
  out << "merged " << r.report.splits << " splits of " << r.db << " into " << r.into << ": " << r.report.documents
      << " documents; " << Size(r.report.bytes_before) << " -> " << Size(r.report.bytes_after) << " in "
      << r.milliseconds << " ms\n";
}

void PrintBackup(const BackupResult& r, std::ostream& out) {
  out << "backed up " << r.db << " to " << r.dest << ": " << r.copy.documents << " documents, commit "
      << r.copy.generation << ", " << Size(r.copy.size_bytes) << " in " << r.milliseconds << " ms"
      << (!r.checked     ? ""
          : r.check.ok() ? "; the copy checks clean"
                         : "; THE COPY FAILS ITS CHECK")
      << "\n";
  for (const std::string& p : r.check.problems) out << "  problem: " << p << "\n";
  if (r.check.more_problems) out << "  ... and " << r.check.more_problems << " more problems\n";
}

void PrintBenchLine(const BenchLine& line, const std::string& where, std::ostream& out, std::ostream& err) {
  if (line.failed) {
    err << "loupe: bench: " << where << ": " << line.error << "\n";
    out << line.query << "\tNA\tNA\tNA\n";
    return;
  }
  char times[64];  // microseconds, to a tenth
  std::snprintf(times, sizeof times, "%.1f\t%.1f", line.median_us, line.p95_us);
  out << line.query << '\t' << times << '\t' << line.count << '\n';
}

}  // namespace loupe::cli
