// The CLI's printers (tools/cli/json_output.cc, text_output.cc), on results
// built by hand: the JSON fields are named and ordered as loupe has always
// printed them (scripts read them), and the text lines are the ones
// docs/cli.md shows.
#include "cli/json_output.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "cli/text_output.h"
#include "util/calendar.h"

using loupe::cli::FileNote;
using loupe::cli::IndexResult;
using loupe::cli::Json;
using loupe::cli::SearchHit;
using loupe::cli::SearchResult;
using loupe::cli::ToJson;

namespace {

// The keys of a JSON object, in order.
std::vector<std::string> Keys(const Json& j) {
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  return keys;
}

using Keys_ = std::vector<std::string>;

SearchHit MakeHit() {
  SearchHit h;
  h.hit.score = 1.5;
  h.hit.copies = 2;
  loupe::Document& d = h.hit.document;
  d.id = "articles/a01.txt";
  d.path = "/corpus/articles/a01.txt";
  d.title = "Tariffs rise";
  d.date = loupe::DaysFromCivil(2025, 1, 20);
  d.author = "Ann Lee";
  d.actors = {"Scott Bessent", "Xi Jinping"};
  d.topics = {"tariffs"};
  d.body = "The tariffs rise today.";
  // "café tariffs": the highlight's offsets are bytes; JSON gives code points.
  h.snippet = loupe::Snippet{"caf\xC3\xA9 tariffs", {{6, 13}}, true};
  return h;
}

SearchResult MakeSearch() {
  SearchResult r;
  r.query = "tarifs since:7d";
  r.reading = r.query;
  r.resolved_dates = {"7d = 2025-01-13"};
  r.total = 1;
  r.hits = {MakeHit()};
  r.next_cursor = "c3.abc";
  r.generation = 4;
  r.warnings = {"w", "w"};
  r.suggestion = {"tariffs since:7d", {"tarifs -> tariffs"}};
  r.suggestion_total = 9;
  return r;
}

}  // namespace

TEST_CASE("search --format json: the fields and their order") {
  SearchResult r = MakeSearch();
  Json j = ToJson(r);
  CHECK(Keys(j) ==
        Keys_{"query", "total", "hits", "next_cursor", "generation", "did_you_mean", "warnings", "resolved_dates"});
  CHECK(j["query"] == "tarifs since:7d");
  CHECK(j["total"] == 1);
  CHECK(j["next_cursor"] == "c3.abc");
  CHECK(j["generation"] == 4);
  CHECK(j["warnings"] == Json::array({"w (2 times)"}));
  CHECK(j["did_you_mean"].dump() == R"({"query":"tariffs since:7d","total":9,"changes":["tarifs -> tariffs"]})");
  REQUIRE(j["hits"].size() == 1);
  const Json& hit = j["hits"][0];
  CHECK(Keys(hit) == Keys_{"id", "path", "title", "date", "author", "actors", "topics", "score", "snippet"});
  CHECK(hit["date"] == "2025-01-20");
  CHECK(hit["score"] == 1.5);
  CHECK(hit["snippet"].dump() ==
        R"({"text":"café tariffs","highlights":[{"start":5,"end":12,"text":"tariffs"}],"matched":true})");

  // What only some searches have: a repaired reading, facets, copies, no cursor.
  r.reading = "tariffs since:7d";
  r.facets_asked = true;
  loupe::FacetResult actors;
  actors.name = "actor";
  actors.counts.resize(1);
  actors.counts[0].value = "Xi Jinping";
  actors.counts[0].count = 3;
  actors.distinct = 1;
  actors.missing = 2;
  r.facets = {actors};
  r.collapse = true;
  r.next_cursor.clear();
  j = ToJson(r);
  CHECK(Keys(j) == Keys_{"query", "reading", "total", "hits", "facets", "next_cursor", "generation", "did_you_mean",
                         "warnings", "resolved_dates"});
  CHECK(j["next_cursor"].is_null());
  CHECK(j["facets"].dump() == R"({"actor":{"counts":[{"value":"Xi Jinping","count":3}],"distinct":1,"missing":2}})");
  CHECK(j["hits"][0]["copies"] == 2);
}

TEST_CASE("search --format jsonl: a line per hit, then the summary without the hits") {
  std::vector<Json> lines = loupe::cli::ToJsonLines(MakeSearch());
  REQUIRE(lines.size() == 2);
  CHECK(Keys(lines[0]).front() == "type");
  CHECK(lines[0]["type"] == "hit");
  CHECK(lines[0]["id"] == "articles/a01.txt");
  CHECK(Keys(lines[1]) ==
        Keys_{"type", "query", "total", "next_cursor", "generation", "did_you_mean", "warnings", "resolved_dates"});
  CHECK(lines[1]["type"] == "summary");
}

TEST_CASE("index --format json: the fields and their order") {
  IndexResult r;
  r.db = "news.loupe";
  r.added = 3, r.updated = 1, r.deleted = 2, r.unchanged = 5, r.hidden = 1, r.other_formats = 4;
  r.skipped = {{"bad\xFFname.txt", "binary file (NUL bytes): not read"}};
  r.warnings = {{"a.jsonl", "line 2: not JSON"}};
  r.articles = 7, r.removed = 2, r.bytes_read = 4096, r.milliseconds = 12;
  r.index.documents = 9, r.index.terms = 100, r.index.size_bytes = 65536;
  r.tagging = {{"gazetteer", "built-in"}, {"topics", "corpus/topics.lexicon"}, {"titles", "built-in"}};
  Json j = ToJson(r);
  CHECK(Keys(j) == Keys_{"files", "articles", "bytes_read", "milliseconds", "skipped", "warnings", "index", "tagging"});
  CHECK(j["files"].dump() ==
        R"({"added":3,"updated":1,"deleted":2,"unchanged":5,"skipped":1,"hidden":1,"other_formats":4})");
  CHECK(j["articles"].dump() == R"({"indexed":7,"removed":2})");
  CHECK(j["bytes_read"] == 4096);
  CHECK(j["milliseconds"] == 12);
  // Ids are shown as loupe prints them: a byte that is not UTF-8 as \xNN.
  CHECK(j["skipped"].dump() == R"([{"path":"bad\\xffname.txt","reason":"binary file (NUL bytes): not read"}])");
  CHECK(j["warnings"].dump() == R"([{"path":"a.jsonl","message":"line 2: not JSON"}])");
  CHECK(j["index"].dump() == R"({"path":"news.loupe","documents":9,"terms":100,"size_bytes":65536})");
  CHECK(j["tagging"].dump() == R"({"gazetteer":"built-in","topics":"corpus/topics.lexicon","titles":"built-in"})");

  r.report_candidates = true;
  r.candidates = {{"Jane Roe", 4}};
  j = ToJson(r);
  CHECK(Keys(j).back() == "candidates");
  CHECK(j["candidates"].dump() == R"([{"name":"Jane Roe","articles":4}])");
}

TEST_CASE("search and index in text: the lines loupe prints") {
  SearchResult s = MakeSearch();
  s.hits[0].snippet->highlights.clear();
  std::ostringstream out;
  loupe::cli::PrintSearch(s, /*color=*/false, 100, out);
  CHECK(out.str() ==
        "1. 2025-01-20  Tariffs rise\n"
        "   actors: Scott Bessent; Xi Jinping\n"
        "   topics: tariffs\n"
        "   caf\xC3\xA9 tariffs\n"
        "   articles/a01.txt  score 1.500  (+2 near-identical copies)\n"
        "1 hit in total, showing 1-1\n"
        "Did you mean: tariffs since:7d  (9 hits)\n");

  IndexResult r;
  r.db = "news.loupe";
  r.added = 1, r.articles = 2, r.bytes_read = 2048, r.milliseconds = 30, r.commit_milliseconds = 5, r.removed = 1;
  r.index.documents = 2, r.index.terms = 1, r.index.size_bytes = 8192;
  r.skipped = {{"x.bin", "binary file (NUL bytes): not read"}};
  std::ostringstream summary, err;
  loupe::cli::PrintIndexSummary(r, summary);
  CHECK(summary.str() ==
        "indexed 2 articles from 1 file (1 added, 0 updated), 0 unchanged, 0 deleted, 1 skipped; 2 KiB read in 30 ms "
        "(final commit 5 ms)\n"
        "1 article removed\n"
        "index news.loupe: 2 documents, 1 term, 8 KiB\n");
  loupe::cli::PrintIndexSkipped(r, err);
  loupe::cli::PrintIndexWarning(FileNote{"a\x1b.txt", "line 1: bad"}, err);
  CHECK(err.str() ==
        "loupe: skipped x.bin: binary file (NUL bytes): not read\n"
        "loupe: warning: a\\x1b.txt: line 1: bad\n");
}

namespace {

loupe::cli::StatsResult MakeCollectionStats() {
  loupe::cli::StatsResult r;
  r.db = "news.loupe";
  r.stats.documents = 13;
  r.stats.partition = "month";
  r.stats.splits = {{.name = "2025-09",
                     .first = loupe::DaysFromCivil(2025, 9, 1),
                     .last = loupe::DaysFromCivil(2025, 9, 30),
                     .documents = 12,
                     .size_bytes = 49152,
                     .generation = 3},
                    {.name = "undated", .documents = 1, .size_bytes = 20480, .generation = 1, .sealed = true}};
  return r;
}

}  // namespace

TEST_CASE("stats of a collection: its partition and a line or object per split") {
  loupe::cli::StatsResult r = MakeCollectionStats();
  std::ostringstream text;
  loupe::cli::PrintStats(r, text);
  CHECK(text.str().find("partition:      month\n"
                        "splits:         2\n"
                        "  2025-09  2025-09-01..2025-09-30  12 documents  48 KiB\n"
                        "  undated  no dates                 1 document   20 KiB  sealed\n") != std::string::npos);
  Json j = ToJson(r);
  CHECK(j["partition"] == "month");
  REQUIRE(j["splits"].size() == 2);
  CHECK(Keys(j["splits"][0]) == Keys_{"name", "first", "last", "documents", "size_bytes", "generation", "sealed"});
  CHECK(j["splits"][0]["first"] == "2025-09-01");
  CHECK(j["splits"][0]["last"] == "2025-09-30");
  CHECK(j["splits"][1]["first"].is_null());
  CHECK(j["splits"][1]["sealed"] == true);
  // A plain index prints neither.
  r.stats.partition.clear();
  r.stats.splits.clear();
  std::ostringstream plain;
  loupe::cli::PrintStats(r, plain);
  CHECK(plain.str().find("partition") == std::string::npos);
  CHECK_FALSE(ToJson(r).contains("splits"));
}
