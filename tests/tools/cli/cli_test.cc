// End-to-end tests of the loupe CLI over the bundled corpus.
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "loupe/index.h"
#include "loupe/language.h"
#include "support/test_util.h"

namespace {

using Run = loupe::test::CommandRun;

using loupe::test::ShellQuote;
using loupe::test::WriteFile;

using loupe::test::RunLoupe;

const std::string kCard = "actor:Bessent AND topic:tariffs before:2025-09-17";

class Fixture {
 public:
  Fixture() {
    db_ = tmp_.sub("db");
    Run r = RunLoupe("index --db " + db_ + " " + std::string(LOUPE_SOURCE_DIR) + "/corpus", tmp_);
    INFO(r.err);
    REQUIRE(r.code == 0);
    REQUIRE(r.out.find("indexed ") != std::string::npos);
  }
  Run operator()(const std::string& args) { return RunLoupe(args, tmp_); }
  // The JSON answer of `search --db <db> --format json <args>`, which must succeed.
  nlohmann::json SearchJson(const std::string& args) {
    Run r = (*this)("search --db " + db_ + " --format json " + args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    return nlohmann::json::parse(r.out);
  }
  const std::string& db() const { return db_; }
  const loupe::test::TempDir& tmp() const { return tmp_; }

 private:
  loupe::test::TempDir tmp_;
  std::string db_;
};

}  // namespace

TEST_CASE("the card query finds Bessent tariff articles before 2025-09-17") {
  Fixture loupe;
  Run r = loupe("search --db " + loupe.db() + " --format json --limit 100 " + ShellQuote(kCard));
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["query"] == kCard);
  REQUIRE(j["total"].get<int>() >= 3);
  REQUIRE(j["hits"].size() == j["total"].get<size_t>());
  double last = 1e300;
  for (const auto& h : j["hits"]) {
    for (const char* k : {"id", "path", "title", "date", "author", "actors", "topics", "score"}) CHECK(h.contains(k));
    REQUIRE(h["date"].is_string());
    CHECK(h["date"].get<std::string>() < "2025-09-17");
    bool bessent = false, tariffs = false;
    // Bessent by any of his names in the bundled gazetteer (Chinese articles declare 斯科特·贝森特).
    for (const auto& a : h["actors"])
      bessent |= a.get<std::string>().find("Bessent") != std::string::npos ||
                 a.get<std::string>().find("\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9") != std::string::npos;
    for (const auto& t : h["topics"]) tariffs |= t.get<std::string>() == "tariffs";
    CHECK(bessent);
    CHECK(tariffs);
    CHECK(h["score"].get<double>() <= last);
    last = h["score"].get<double>();
    CHECK(h["id"].get<std::string>().find("articles/") == 0);  // relative to the indexed root
  }
}

TEST_CASE("text output shows rank, date, title, actors, topics and path") {
  Fixture loupe;
  Run r = loupe("search --db " + loupe.db() + " --limit 3 " + ShellQuote(kCard));
  REQUIRE(r.code == 0);
  CHECK(r.out.rfind("1. 2025-", 0) == 0);
  CHECK(r.out.find("   actors: ") != std::string::npos);
  CHECK(r.out.find("   topics: ") != std::string::npos);
  CHECK(r.out.find("   articles/") != std::string::npos);
  CHECK(r.out.find("showing 1-3") != std::string::npos);
}

TEST_CASE("paging with --offset continues the ranking") {
  Fixture loupe;
  auto a = loupe.SearchJson("--limit 6 tariffs"), b = loupe.SearchJson("--limit 3 --offset 3 tariffs");
  REQUIRE(a["hits"].size() == 6);
  REQUIRE(b["hits"].size() == 3);
  for (int i = 0; i < 3; ++i) CHECK(a["hits"][3 + i]["id"] == b["hits"][i]["id"]);
}

TEST_CASE("exit codes: no hits 1, query error 2 with a caret, missing index 3") {
  Fixture loupe;
  Run none = loupe("search --db " + loupe.db() + " zzzqqqxxyy");
  CHECK(none.code == 1);
  CHECK(none.out.empty());

  Run bad = loupe("search --db " + loupe.db() + " " + ShellQuote("acter:Bessent AND topic:tariffs"));
  CHECK(bad.code == 2);
  CHECK(bad.err.find("unknown field 'acter'") != std::string::npos);
  CHECK(bad.err.find("did you mean 'actor'?") != std::string::npos);
  CHECK(bad.err.find("\n  acter:Bessent AND topic:tariffs\n  ^~~~~\n") != std::string::npos);

  Run date = loupe("search --db " + loupe.db() + " " + ShellQuote("tariffs before:2025-13-40"));
  CHECK(date.code == 2);
  CHECK(date.err.find("\n  tariffs before:2025-13-40\n                 ^~~~~~~~~~\n") != std::string::npos);

  Run paren = loupe("search --db " + loupe.db() + " " + ShellQuote("(tariffs OR soybeans"));
  CHECK(paren.code == 2);
  CHECK(paren.err.find("\n  (tariffs OR soybeans\n  ^\n") != std::string::npos);

  Run empty = loupe("search --db " + loupe.db() + " ''");
  CHECK(empty.code == 2);

  Run missing = loupe("search --db " + loupe.tmp().sub("nope") + " tariffs");
  CHECK(missing.code == 3);
  CHECK(missing.err.find("no index at") != std::string::npos);

  Run usage = loupe("search --db " + loupe.db() + " --limit notanumber tariffs");
  CHECK(usage.code == 2);
  Run nosub = loupe("");
  CHECK(nosub.code == 2);
  Run fmt = loupe("search --db " + loupe.db() + " --format xml tariffs");
  CHECK(fmt.code == 2);
}

TEST_CASE("a bad --format exits 2 on every command and says which values it takes") {
  loupe::test::TempDir tmp;
  const std::string db = " --db " + tmp.sub("none") + " ";
  // Each command with the arguments it requires, and the formats it prints.
  const std::vector<std::pair<std::string, std::string>> commands = {{"index" + db + "corpus", "text or json"},
                                                                     {"search" + db + "tariffs", "text, json or jsonl"},
                                                                     {"timeline" + db + "tariffs", "text or json"},
                                                                     {"stats" + db, "text or json"},
                                                                     {"explain" + db + "tariffs", "text or json"},
                                                                     {"show" + db + "a.txt", "text or json"},
                                                                     {"check" + db, "text or json"},
                                                                     {"compact" + db, "text or json"},
                                                                     {"backup" + db + tmp.sub("copy"), "text or json"}};
  for (const auto& [args, formats] : commands) {
    for (const char* bad : {"xml", "JSON", "''"}) {
      Run r = RunLoupe(args + " --format " + bad, tmp);
      INFO(args << " --format " << bad);
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      const std::string shown = std::string(bad) == "''" ? "" : bad;
      CHECK(r.err == "--format: must be " + formats + ", not '" + shown + "'\nRun with --help for more information.\n");
    }
    // Each value it lists is taken: the error is then another one (no index).
    std::string f = formats;
    for (const char* sep : {", ", " or "})
      for (size_t at; (at = f.find(sep)) != std::string::npos;) f.replace(at, std::string(sep).size(), " ");
    std::istringstream values(f);
    for (std::string v; values >> v;) {
      Run r = RunLoupe(args + " --format " + v, tmp);
      INFO(args << " --format " << v << ": " << r.err);
      CHECK(r.err.find("--format") == std::string::npos);
    }
  }
}

TEST_CASE("negated queries after -- work") {
  Fixture loupe;
  Run r = loupe("search --db " + loupe.db() + " --format json -- -tariffs");
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["total"].get<int>() > 0);
}

TEST_CASE("--help works on every subcommand") {
  loupe::test::TempDir tmp;
  Run top = RunLoupe("--help", tmp);
  REQUIRE(top.code == 0);
  // The commands are the names at the start of the entries of its Subcommands section.
  std::vector<std::string> commands;
  std::istringstream lines(top.out);
  bool listed = false;
  for (std::string line; std::getline(lines, line);) {
    if (line == "Subcommands:")
      listed = true;
    else if (listed && line.size() > 2 && line.compare(0, 2, "  ") == 0 &&
             std::islower(static_cast<unsigned char>(line[2])))
      commands.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  // The same commands as an unknown command's message names (without `help`, which is not one).
  Run unknown = RunLoupe("frobnicate", tmp);
  std::string names;
  for (const std::string& c : commands) names += c + ", ";
  CHECK(unknown.err.find("the commands are: " + names + "help") != std::string::npos);
  REQUIRE(commands.size() >= 2);
  for (const std::string& sub : commands) {
    INFO(sub);
    Run r = RunLoupe(sub + " --help", tmp);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("loupe " + sub) != std::string::npos);  // its own usage, not the top-level one
    CHECK(r.out.find("Subcommands:") == std::string::npos);
    CHECK((r.out.find("--db") != std::string::npos || sub == "completion"));
  }
}

TEST_CASE("a misspelt subcommand gets a did-you-mean; help COMMAND is COMMAND --help") {
  loupe::test::TempDir tmp;
  Run typo = RunLoupe("serach tariffs", tmp);
  CHECK(typo.code == 2);
  CHECK(typo.out.empty());
  CHECK(typo.err == "loupe: unknown command 'serach'; did you mean 'search'?\n");
  Run typo2 = RunLoupe("timline --by month tariffs", tmp);
  CHECK(typo2.code == 2);
  CHECK(typo2.err == "loupe: unknown command 'timline'; did you mean 'timeline'?\n");
  Run far = RunLoupe("frobnicate x", tmp);
  CHECK(far.code == 2);
  CHECK(far.err.find("loupe: unknown command 'frobnicate'; the commands are: index, search, timeline, stats, explain, "
                     "show, check, compact, seal, merge, convert, backup, bench, serve, completion, help") == 0);
  Run help = RunLoupe("help search", tmp), direct = RunLoupe("search --help", tmp);
  CHECK(help.code == 0);
  CHECK(direct.code == 0);
  CHECK(help.out == direct.out);
  CHECK(help.out.find("--format") != std::string::npos);
  Run top = RunLoupe("help", tmp), top_direct = RunLoupe("--help", tmp);
  CHECK(top.code == 0);
  CHECK(top.out == top_direct.out);
  Run misplaced = RunLoupe("--db x search tariffs", tmp);  // an option before the command is what is wrong
  CHECK(misplaced.code == 2);
  CHECK(misplaced.err.find("unknown command") == std::string::npos);
  CHECK(misplaced.err.find("--db") != std::string::npos);
  Run help_typo = RunLoupe("help serach", tmp);
  CHECK(help_typo.code == 2);
  CHECK(help_typo.err == "loupe: unknown command 'serach'; did you mean 'search'?\n");
}

TEST_CASE("--format jsonl streams one hit per line, then a summary line") {
  Fixture loupe;
  auto lines = [](const std::string& out) {
    std::vector<nlohmann::ordered_json> v;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) v.push_back(nlohmann::ordered_json::parse(l));
    return v;
  };
  Run json = loupe("search --db " + loupe.db() + " --format json -n 3 --facet topic " + ShellQuote(kCard));
  Run jsonl = loupe("search --db " + loupe.db() + " --format jsonl -n 3 --facet topic " + ShellQuote(kCard));
  INFO(jsonl.err);
  REQUIRE(json.code == 0);
  REQUIRE(jsonl.code == 0);
  CHECK(jsonl.err.empty());
  auto j = nlohmann::ordered_json::parse(json.out);
  auto l = lines(jsonl.out);
  REQUIRE(l.size() == 4);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(l[i].begin().key() == "type");  // the first key, so that a reader can dispatch on it
    CHECK(l[i]["type"] == "hit");
    nlohmann::ordered_json hit = l[i];
    hit.erase("type");
    CHECK(hit == j["hits"][i]);
  }
  const nlohmann::ordered_json& summary = l[3];
  CHECK(summary.begin().key() == "type");
  CHECK(summary["type"] == "summary");
  CHECK(summary["query"] == kCard);
  CHECK(summary["total"] == j["total"]);
  CHECK(summary["next_cursor"] == j["next_cursor"]);
  CHECK(summary["generation"] == j["generation"]);
  CHECK(summary["facets"] == j["facets"]);
  CHECK_FALSE(summary.contains("hits"));

  // The cursor of the summary pages on.
  Run next = loupe("search --db " + loupe.db() + " --format jsonl -n 3 --after " +
                   ShellQuote(summary["next_cursor"].get<std::string>()) + " " + ShellQuote(kCard));
  REQUIRE(next.code == 0);
  auto n = lines(next.out);
  REQUIRE(n.size() == 4);
  for (size_t i = 0; i < 3; ++i)
    for (size_t k = 0; k < 3; ++k) CHECK(n[i]["id"] != l[k]["id"]);

  // No hits: the summary alone, exit 1.
  Run none = loupe("search --db " + loupe.db() + " --format jsonl zzzqqqxxyy");
  CHECK(none.code == 1);
  CHECK(none.err.empty());
  auto nl = lines(none.out);
  REQUIRE(nl.size() == 1);
  CHECK(nl[0]["type"] == "summary");
  CHECK(nl[0]["total"] == 0);
  CHECK(nl[0]["next_cursor"].is_null());

  // A rejected query: exit 2, one line of type "error".
  Run bad = loupe("search --db " + loupe.db() + " --format jsonl " + ShellQuote("acter:Bessent"));
  CHECK(bad.code == 2);
  auto bl = lines(bad.out);
  REQUIRE(bl.size() == 1);
  CHECK(bl[0]["type"] == "error");
  CHECK(bl[0]["error"].get<std::string>().find("unknown field 'acter'") == 0);
  CHECK(bl[0]["diagnostics"].size() == 1);

  // An index error is reported on standard error, exit 3.
  Run missing = loupe("search --db " + loupe.tmp().sub("none") + " --format jsonl tariffs");
  CHECK(missing.code == 3);
  CHECK(missing.out.empty());
}

TEST_CASE("an unknown name: is an error listing the fields, a warning with --lenient; from: is author:") {
  Fixture loupe;
  // The index's own fields (its headers, the language) are listed too.
  const std::string fields =
      "(fields: title, author, actor, topic, mentions; this index's fields: language, source; dates: before, after, "
      "on, date, since, until)";
  Run strict = loupe("search --db " + loupe.db() + " " + ShellQuote("to:Beijing tariffs"));
  CHECK(strict.code == 2);
  CHECK(strict.out.empty());
  CHECK(strict.err.find("loupe: query error: unknown field 'to' " + fields) == 0);
  CHECK(strict.err.find("fix: Beijing tariffs") != std::string::npos);
  auto l = loupe.SearchJson("--lenient -n 0 " + ShellQuote("to:Beijing tariffs")),
       p = loupe.SearchJson("-n 0 " + ShellQuote("Beijing tariffs"));
  CHECK(l["reading"] == "Beijing tariffs");
  CHECK(l["total"] == p["total"]);
  REQUIRE(l["diagnostics"].size() == 1);
  CHECK(l["diagnostics"][0]["severity"] == "warning");
  CHECK(l["diagnostics"][0]["message"] == "unknown field 'to' " + fields);
  // URLs and times stay text.
  Run url = loupe("search --db " + loupe.db() + " --format json " + ShellQuote("https://example.com 12:30"));
  CHECK(url.code == 1);
  CHECK_FALSE(nlohmann::json::parse(url.out).contains("diagnostics"));
  // from: is author:.
  auto from = loupe.SearchJson("-n 0 from:Whitcombe"), author = loupe.SearchJson("-n 0 author:Whitcombe");
  CHECK(from["total"] == author["total"]);
  CHECK(from["total"].get<int>() > 0);
}

TEST_CASE("stats reports documents, terms, size and format version") {
  Fixture loupe;
  Run r = loupe("stats --db " + loupe.db() + " --format json");
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["documents"].get<int>() >= 60);
  CHECK(j["terms"].get<int>() > 1000);
  CHECK(j["size_bytes"].get<long>() > 0);
  CHECK(j["format_version"] == loupe::kFormatVersion);
  Run t = loupe("stats --db " + loupe.db());
  CHECK(t.out.find("format version: " + std::to_string(loupe::kFormatVersion)) != std::string::npos);
  CHECK(t.out.find("tables:") == std::string::npos);  // only with --tables
}

TEST_CASE("stats reports the bytes of every table and per document") {
  Fixture loupe;
  Run r = loupe("stats --db " + loupe.db() + " --format json");
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  const double documents = j["documents"].get<double>();
  REQUIRE(documents > 0);
  REQUIRE(j["tables"].is_array());
  std::vector<std::string> names;
  uint64_t sum = 0;
  for (const auto& t : j["tables"]) {
    names.push_back(t["name"].get<std::string>());
    const uint64_t bytes = t["bytes"].get<uint64_t>();
    // A table that holds entries has pages; one that holds none has none.
    CHECK((t["entries"].get<uint64_t>() > 0) == (bytes > 0));
    CHECK(t["bytes_per_document"].get<double>() == Approx(static_cast<double>(bytes) / documents));
    sum += bytes;
  }
  CHECK(names == std::vector<std::string>{"meta", "terms", "postings", "positions", "docs", "docvals", "ids", "deleted",
                                          "user", "forms"});
  // The bundled corpus fills the dictionary, postings, positions and stored documents.
  for (size_t i : {1, 2, 3, 4}) CHECK(j["tables"][i]["bytes"].get<uint64_t>() > 0);
  CHECK(sum <= j["size_bytes"].get<uint64_t>());
  // The text output lists them with --tables, one line each.
  Run t = loupe("stats --tables --db " + loupe.db());
  REQUIRE(t.code == 0);
  CHECK(t.out.find("\ntables:\n  meta       ") != std::string::npos);
  CHECK(t.out.find("\n  postings   " + std::to_string(j["tables"][2]["bytes"].get<uint64_t>()) + " bytes, ") !=
        std::string::npos);
}

TEST_CASE("re-indexing replaces, it does not duplicate") {
  Fixture loupe;
  Run before = loupe("stats --db " + loupe.db() + " --format json");
  Run again = loupe("index --db " + loupe.db() + " " + std::string(LOUPE_SOURCE_DIR) + "/corpus");
  REQUIRE(again.code == 0);
  CHECK(again.out.find("indexed 0 articles from 0 files (0 added, 0 updated), 64 unchanged, 0 deleted") !=
        std::string::npos);
  Run after = loupe("stats --db " + loupe.db() + " --format json");
  CHECK(nlohmann::json::parse(before.out)["documents"] == nlohmann::json::parse(after.out)["documents"]);
}

TEST_CASE("a second writer fails at once naming the holder's pid") {
  Fixture loupe;
  auto index = loupe::Index::Open(loupe.db());
  REQUIRE(index.ok());
  auto writer = (*index)->NewWriter();
  REQUIRE(writer.ok());
  Run r = loupe("index --db " + loupe.db() + " " + std::string(LOUPE_SOURCE_DIR) + "/corpus");
  CHECK(r.code == 3);
  CHECK(r.err.find("index is locked by pid " + std::to_string(::getpid())) != std::string::npos);
}

TEST_CASE("indexing a path that does not exist is a usage error") {
  Fixture loupe;
  Run r = loupe("index --db " + loupe.tmp().sub("db2") + " " + loupe.tmp().sub("no-such-dir"));
  CHECK(r.code == 2);
  CHECK(r.err.find("no-such-dir: No such file or directory") != std::string::npos);
}

TEST_CASE("prefix searches find every word with the prefix, and bad prefixes are query errors") {
  Fixture loupe;
  auto p = loupe.SearchJson("--limit 0 'econom*'"), t = loupe.SearchJson("--limit 0 economy");
  // econom* also finds "economic", "economist" and the like.
  CHECK(p["total"].get<int>() > t["total"].get<int>());
  CHECK_FALSE(p.contains("warnings"));  // far from the expansion cap
  Run actor = loupe("search --db " + loupe.db() + " --format json --limit 0 'actor:bess*'");
  REQUIRE(actor.code == 0);
  CHECK(nlohmann::json::parse(actor.out)["total"].get<int>() > 0);
  Run bad = loupe("search --db " + loupe.db() + " 'tariffs a*b*'");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("'*' may only end a word") != std::string::npos);
  CHECK(bad.err.find("          ^") != std::string::npos);  // caret under the inner '*'
}

TEST_CASE("relative dates count back from --now and are echoed resolved") {
  Fixture loupe;
  auto r = loupe.SearchJson("--now 2025-09-20 --limit 0 'date:1m..today'"),
       a = loupe.SearchJson("--limit 0 'date:2025-08-20..2025-09-20'");
  CHECK(r["total"] == a["total"]);
  CHECK(r["total"].get<int>() > 0);
  REQUIRE(r.contains("resolved_dates"));
  CHECK(r["resolved_dates"][0] == "1m = 2025-08-20");
  CHECK_FALSE(a.contains("resolved_dates"));
  Run text = loupe("search --db " + loupe.db() + " --now 2025-09-20 --limit 1 'since:7d'");
  CHECK(text.err.find("relative dates counted back from 2025-09-20: 7d = 2025-09-13;") != std::string::npos);
  Run bad = loupe("search --db " + loupe.db() + " --now 2025-13-01 tariffs");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("--now expects a day as YYYY-MM-DD") != std::string::npos);
}

TEST_CASE("--sort and sort: order hits by date") {
  Fixture loupe;
  auto n = loupe.SearchJson("--limit 56 --sort -date tariffs"), t = loupe.SearchJson("--limit 56 'tariffs sort:-date'"),
       o = loupe.SearchJson("--limit 56 --sort -date 'tariffs sort:date'");
  CHECK(n["hits"] == t["hits"]);
  std::string prev = "9999";
  for (const auto& h : n["hits"]) {
    if (h["date"].is_null()) break;  // undated last
    CHECK(h["date"].get<std::string>() <= prev);
    prev = h["date"].get<std::string>();
  }
  CHECK(o["hits"][0]["date"].get<std::string>() < n["hits"][0]["date"].get<std::string>());  // the query wins
  Run bad = loupe("search --db " + loupe.db() + " --sort newest tariffs");
  CHECK(bad.code == 2);
}

TEST_CASE("explain shows the syntax, the plan, resolved dates and matches per part") {
  Fixture loupe;
  Run r = loupe("explain --db " + loupe.db() + " --now 2025-09-20 --format json 'tariffs since:30d sort:-date'");
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["syntax"] == "(AND tariffs since:30d sort:-date)");
  CHECK(j["sort"] == "-date");
  CHECK(j["resolved_dates"][0] == "30d = 2025-08-21");
  // Stemmed in each language of the corpus (Spanish keeps "tariffs").
  CHECK(j["plan"]["node"] ==
        "(AND (OR (OR title:tariff title:tariffs) (OR body:tariff body:tariffs) actor:tariffs topic:tariff) "
        "date:[2025-08-21..])");
  // The matches of the whole equal what search finds; each part's are there too.
  Run s = loupe("search --db " + loupe.db() + " --now 2025-09-20 --format json --limit 0 'tariffs since:30d'");
  REQUIRE(s.code == 0);
  CHECK(j["plan"]["matches"] == nlohmann::json::parse(s.out)["total"]);
  CHECK(j["plan"]["children"].size() == 2);
  CHECK(j["plan"]["children"][1]["matches"].get<int>() > 0);
  Run text = loupe("explain --db " + loupe.db() + " 'title:tarif*'");
  CHECK(text.out.find("plan:   title:tarif*") != std::string::npos);
  Run bad = loupe("explain 'a OR'");
  CHECK(bad.code == 2);
}

TEST_CASE("show prints a stored article by id, exit 1 for an unknown id") {
  Fixture loupe;
  Run hits = loupe("search --db " + loupe.db() + " --format json --limit 1 " + ShellQuote(kCard));
  REQUIRE(hits.code == 0);
  std::string id = nlohmann::json::parse(hits.out)["hits"][0]["id"];
  Run text = loupe("show --db " + loupe.db() + " " + ShellQuote(id));
  REQUIRE(text.code == 0);
  CHECK(text.out.find("Actors: ") != std::string::npos);
  CHECK(text.out.find("Bessent") != std::string::npos);
  Run json = loupe("show --db " + loupe.db() + " --format json " + ShellQuote(id));
  REQUIRE(json.code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["id"] == id);
  CHECK(j["body"].get<std::string>().size() > 500);
  Run missing = loupe("show --db " + loupe.db() + " no/such/article.txt");
  CHECK(missing.code == 1);
  CHECK(missing.err.find("no article with id 'no/such/article.txt'") != std::string::npos);
}

TEST_CASE("--lenient runs the best reading of a faulty query and reports the repairs") {
  Fixture loupe;
  const std::string faulty = "acter:Bessent AND topic:tariffs before: 2025-09-17";
  // Strict: rejected with the first error, its caret and the fix-it.
  Run strict = loupe("search --db " + loupe.db() + " " + ShellQuote(faulty));
  CHECK(strict.code == 2);
  CHECK(strict.err.find("query error: unknown field 'acter'") != std::string::npos);
  CHECK(strict.err.find("  fix: actor:Bessent AND topic:tariffs before: 2025-09-17\n") != std::string::npos);
  Run strict_json = loupe("search --db " + loupe.db() + " --format json " + ShellQuote(faulty));
  CHECK(strict_json.code == 2);
  auto e = nlohmann::json::parse(strict_json.out);
  REQUIRE(e["diagnostics"].size() == 2);
  CHECK(e["diagnostics"][0]["severity"] == "error");
  CHECK(e["diagnostics"][0]["offset"] == 0);
  CHECK(e["diagnostics"][0]["length"] == 5);
  CHECK(e["diagnostics"][0]["fix"]["text"] == "actor");

  // Lenient: the same hits as the card query, and both repairs as warnings.
  auto l = loupe.SearchJson("--lenient --limit 100 " + ShellQuote(faulty)),
       c = loupe.SearchJson("--limit 100 " + ShellQuote(kCard));
  CHECK(l["reading"] == kCard);
  CHECK(l["total"] == c["total"]);
  CHECK(l["hits"] == c["hits"]);
  REQUIRE(l["diagnostics"].size() == 2);
  CHECK(l["diagnostics"][0]["severity"] == "warning");
  CHECK(l["diagnostics"][0]["message"] == e["diagnostics"][0]["message"]);
  CHECK(l["diagnostics"][1]["message"] == e["diagnostics"][1]["message"]);
  CHECK(l["diagnostics"][1]["offset"] == 32);  // before:
  CHECK(l["diagnostics"][1]["fix"]["query"] == "acter:Bessent AND topic:tariffs before:2025-09-17");
  Run text = loupe("search --db " + loupe.db() + " --lenient " + ShellQuote(faulty));
  CHECK(text.code == 0);
  CHECK(text.err.find("query warning: unknown field 'acter'") != std::string::npos);
  CHECK(text.err.find("searching for: " + kCard) != std::string::npos);
  // What cannot be repaired is still a usage error.
  CHECK(loupe("search --db " + loupe.db() + " --lenient '((('").code == 2);
  // explain --lenient shows the reading.
  Run ex = loupe("explain --db " + loupe.db() + " --lenient --format json " + ShellQuote(faulty));
  REQUIRE(ex.code == 0);
  auto x = nlohmann::json::parse(ex.out);
  CHECK(x["reading"] == kCard);
  CHECK(x["syntax"] == "(AND actor:Bessent topic:tariffs before:2025-09-17)");
}

TEST_CASE("explain --doc breaks a document's score down to BM25's inputs") {
  Fixture loupe;
  Run hits = loupe("search --db " + loupe.db() + " --format json --limit 3 " + ShellQuote(kCard));
  REQUIRE(hits.code == 0);
  auto h = nlohmann::json::parse(hits.out)["hits"];
  REQUIRE(h.size() == 3);
  for (const auto& hit : h) {
    std::string id = hit["id"];
    Run ex = loupe("explain --db " + loupe.db() + " --format json --doc " + ShellQuote(id) + " " + ShellQuote(kCard));
    REQUIRE(ex.code == 0);
    auto d = nlohmann::json::parse(ex.out)["document"];
    CHECK(d["id"] == id);
    CHECK(d["matched"] == true);
    CHECK(d["score"].get<double>() == hit["score"].get<double>());
    auto e = d["explanation"];
    // actor:Bessent is the actor the gazetteer names so, by his canonical name:
    // the one term the index files him under whatever name an article used.
    CHECK(e["node"].get<std::string>().rfind("(AND actor:\"scott bessent\" topic:tariff ", 0) == 0);
    REQUIRE(e["children"].size() == 3);
    CHECK(e["children"][0]["detail"].get<std::string>().find(": tf ") != std::string::npos);
    CHECK(e["children"][2]["score"] == 0);  // a date filter adds nothing
  }
  std::string id = h[0]["id"];
  Run text = loupe("explain --db " + loupe.db() + " --doc " + ShellQuote(id) + " " + ShellQuote(kCard));
  REQUIRE(text.code == 0);
  CHECK(text.out.find("document " + id + ": score ") != std::string::npos);
  CHECK(text.out.find("idf ") != std::string::npos);
  Run unmatched = loupe("explain --db " + loupe.db() + " --doc " + ShellQuote(id) + " zzzqqqxxyy");
  CHECK(unmatched.code == 0);
  CHECK(unmatched.out.find("not matched by the query") != std::string::npos);
  Run missing = loupe("explain --db " + loupe.db() + " --doc no/such.txt tariffs");
  CHECK(missing.code == 1);
  CHECK(missing.err.find("no article with id 'no/such.txt'") != std::string::npos);
  Run noindex = loupe("explain --db " + loupe.tmp().sub("nope") + " --doc x tariffs");
  CHECK(noindex.code == 3);
}

TEST_CASE("explain shows what each word analyzes to and what prefixes and fuzzy terms expand to") {
  Fixture loupe;
  Run r = loupe("explain --db " + loupe.db() + " --format json " +
                ShellQuote("tariffs actor:Bessent \"trade talks\" tr* tarrifs~"));
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["terms"].size() == 3);  // the prefix and the fuzzy term are shown as expansions
  CHECK(j["terms"][0]["text"] == "tariffs");
  CHECK(j["terms"][0]["terms"]["title"][0] == "tariff");
  CHECK(j["terms"][0]["terms"]["actor"][0] == "tariffs");
  CHECK(j["terms"][0]["stemmed"] == true);
  CHECK(j["terms"][0]["terms_by_language"]["body"]["spanish"][0] == "tariffs");
  CHECK(j["terms"][0]["terms_by_language"]["body"]["french"][0] == "tariff");
  // actor:Bessent is searched by the canonical name the gazetteer gives him.
  CHECK(j["terms"][1]["terms"]["actor"] == nlohmann::json::array({"scott", "bessent"}));
  CHECK(j["terms"][1]["actor"] == "Scott Bessent");
  CHECK(j["terms"][1]["stemmed"] == false);
  CHECK(j["terms"][2]["text"] == "\"trade talks\"");
  // Every expansion of title:tr* is a word written in titles starting with
  // "tr", and its document count is what searching that word as written finds.
  nlohmann::json prefix;
  std::function<void(const nlohmann::json&)> find = [&](const nlohmann::json& n) {
    if (n["node"] == "title:tr*") prefix = n;
    if (n.contains("children"))
      for (const auto& c : n["children"]) find(c);
  };
  find(j["plan"]);
  REQUIRE(prefix.contains("expansions"));
  REQUIRE(prefix["expansions"].size() >= 2);
  for (const auto& e : prefix["expansions"]) {
    std::string term = e["term"];
    CHECK(term.rfind("tr", 0) == 0);
    Run one = loupe("search --db " + loupe.db() + " --format json --limit 0 " + ShellQuote("title:=" + term));
    CHECK(nlohmann::json::parse(one.out)["total"] == e["documents"]);
  }
  Run text = loupe("explain --db " + loupe.db() + " " + ShellQuote("tariffs tarif*"));
  REQUIRE(text.code == 0);
  CHECK(text.out.find("tariffs -> title/body: tariff (english, french, german) | tariffs (spanish); actor: tariffs; "
                      "topic: tariff  (stemmed)") != std::string::npos);
  CHECK(text.out.find("expands to ") != std::string::npos);
}

namespace {

// The summary of `loupe index --format json`.
nlohmann::json IndexJson(const loupe::test::TempDir& tmp, const std::string& db, const std::string& args,
                         const std::string& cli = LOUPE_CLI) {
  Run r = loupe::test::RunCommand(cli + " index --db " + db + " --format json " + args, tmp);
  INFO(r.err);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}

std::string Counts(const nlohmann::json& j) {
  const auto& f = j["files"];
  return "added " + f["added"].dump() + ", updated " + f["updated"].dump() + ", deleted " + f["deleted"].dump() +
         ", unchanged " + f["unchanged"].dump() + ", skipped " + f["skipped"].dump() + "; articles " +
         j["articles"]["indexed"].dump() + " in, " + j["articles"]["removed"].dump() + " out; documents " +
         j["index"]["documents"].dump();
}

}  // namespace

TEST_CASE("index reads every format and re-indexes only what changed") {
  loupe::test::TempDir tmp;
  const std::string root = tmp.sub("news"), db = tmp.sub("db");
  WriteFile(root + "/a.txt", "Tariffs Rise\nAuthor: Jane Roe\nDate: 2025-09-15\n\nTariffs on soybeans rose.\n");
  WriteFile(root + "/b.md", "---\ntitle: Markdown Story\ndate: September 16, 2025\n---\nPelicans nest early.\n");
  WriteFile(root + "/c.jsonl",
            "{\"id\": \"j1\", \"title\": \"Json One\", \"body\": \"Walruses haul out.\"}\n"
            "{\"id\": \"j2\", \"title\": \"Json Two\", \"body\": \"Narwhals dive deep.\"}\n");
  WriteFile(root + "/mail/d.eml",
            "Subject: Mail Story\nFrom: Bob <bob@example.com>\nDate: 17 Sep 2025 10:00:00 +0000\n\n"
            "Ospreys fish.\n");
  WriteFile(root + "/notes.pdf", "not read");
  WriteFile(root + "/.hidden/x.txt", "Hidden\n\nnot read");
  auto hits = [&](const std::string& q) {
    Run r = RunLoupe("search --db " + db + " --format json --limit 0 " + ShellQuote(q), tmp);
    return r.code == 0 ? nlohmann::json::parse(r.out)["total"].get<int>() : 0;
  };

  auto first = IndexJson(tmp, db, root);
  CHECK(Counts(first) == "added 4, updated 0, deleted 0, unchanged 0, skipped 0; articles 5 in, 0 out; documents 5");
  CHECK(first["files"]["hidden"] == 1);
  CHECK(first["files"]["other_formats"] == 1);
  CHECK(hits("soybeans") == 1);
  CHECK(hits("pelicans date:2025-09-16") == 1);
  CHECK(hits("narwhals") == 1);
  CHECK(hits("author:Bob ospreys") == 1);

  // Again: nothing read, nothing changed.
  auto again = IndexJson(tmp, db, root);
  CHECK(Counts(again) == "added 0, updated 0, deleted 0, unchanged 4, skipped 0; articles 0 in, 0 out; documents 5");
  CHECK(again["bytes_read"] == 0);

  // Modify one file, touch another without changing it.
  WriteFile(root + "/a.txt", "Tariffs Fall\nDate: 2025-09-18\n\nTariffs on cranberries fell.\n");
  std::filesystem::last_write_time(root + "/b.md",
                                   std::filesystem::last_write_time(root + "/b.md") + std::chrono::seconds(5));
  auto modified = IndexJson(tmp, db, root);
  CHECK(Counts(modified) == "added 0, updated 1, deleted 0, unchanged 3, skipped 0; articles 1 in, 0 out; documents 5");
  CHECK(hits("soybeans") == 0);
  CHECK(hits("cranberries") == 1);

  // A JSON-lines file loses an article; a file is renamed; one is deleted.
  WriteFile(root + "/c.jsonl", "{\"id\": \"j1\", \"title\": \"Json One\", \"body\": \"Walruses haul out.\"}\n");
  std::filesystem::rename(root + "/mail/d.eml", root + "/mail/e.eml");
  std::filesystem::remove(root + "/b.md");
  auto changed = IndexJson(tmp, db, root);
  CHECK(Counts(changed) == "added 1, updated 1, deleted 2, unchanged 1, skipped 0; articles 2 in, 3 out; documents 3");
  CHECK(hits("narwhals") == 0);
  CHECK(hits("walruses") == 1);
  CHECK(hits("pelicans") == 0);
  CHECK(hits("ospreys") == 1);

  // --no-delete keeps the articles of files that are gone.
  std::filesystem::remove(root + "/a.txt");
  auto kept = IndexJson(tmp, db, "--no-delete " + root);
  CHECK(Counts(kept) == "added 0, updated 0, deleted 0, unchanged 2, skipped 0; articles 0 in, 0 out; documents 3");
  CHECK(hits("cranberries") == 1);
  // Indexing another folder into the same index deletes nothing of the first.
  WriteFile(tmp.sub("other/z.txt"), "Other\n\nZebras graze.\n");
  auto other = IndexJson(tmp, db, tmp.sub("other"));
  CHECK(Counts(other) == "added 1, updated 0, deleted 0, unchanged 0, skipped 0; articles 1 in, 0 out; documents 4");
  // Text summary.
  Run text = RunLoupe("index --db " + db + " " + root, tmp);
  REQUIRE(text.code == 0);
  CHECK(text.out.find("indexed 0 articles from 0 files (0 added, 0 updated), 2 unchanged, 1 deleted, 0 skipped") !=
        std::string::npos);
}

TEST_CASE("index survives a hostile folder and reports every problem") {
  loupe::test::TempDir tmp;
  // Run by a user who may not read the locked file (root may read any file).
  const loupe::test::Unprivileged user(tmp);
  INFO(user.why_not());
  REQUIRE(user.why_not().empty());
  const std::string root = tmp.sub("hostile"), db = tmp.sub("dbs/db");
  std::filesystem::create_directories(tmp.sub("dbs"));
  ::chmod(tmp.sub("dbs").c_str(), 0777);  // the user creates the indexes here
  WriteFile(root + "/ok.txt", "Fine Article\n\nPenguins march.\n");
  WriteFile(root + "/invalid-utf8.txt", "Bad \xFF\xFE Bytes\n\nBody \xC3 here.\n");
  WriteFile(root + "/nul.txt", std::string("Binary\n\nA\0B", 12));
  WriteFile(root + "/empty.txt", "");
  WriteFile(root + "/blank.md", "\n\n\n");
  WriteFile(root + "/big.txt", "Big\n\n" + std::string(size_t{50} << 20, 'x'));  // a 50 MB single line
  WriteFile(root + "/bad.jsonl", "{\"title\": \"Good\", \"body\": \"Lemurs leap.\"}\n{oops\n");
  std::filesystem::create_directories(root + "/loop");
  std::filesystem::create_directory_symlink("..", root + "/loop/up");  // a loop back to the root
  WriteFile(tmp.sub("outside/secret.txt"), "Secret\n\nOutside the root.\n");
  std::filesystem::create_directory_symlink(tmp.sub("outside"), root + "/out");
  std::filesystem::create_symlink(root + "/ok.txt", root + "/link.txt");
  REQUIRE(::mkfifo((root + "/pipe.txt").c_str(), 0644) == 0);
  WriteFile(root + "/locked.txt", "Locked\n\nNo read permission.\n");
  for (const std::string& top : {root, tmp.sub("outside")}) {  // all the user may read, whatever the umask
    ::chmod(top.c_str(), 0755);
    for (const auto& e : std::filesystem::recursive_directory_iterator(top))
      if (!e.is_symlink()) ::chmod(e.path().c_str(), e.is_directory() ? 0755 : 0644);
  }
  std::filesystem::permissions(root + "/locked.txt", std::filesystem::perms::none);

  for (bool follow : {false, true}) {
    INFO("follow: " << follow);
    auto j = IndexJson(tmp, db + (follow ? "-f" : ""), (follow ? "--follow " : "") + root, user.command());
    std::map<std::string, std::string> why;
    for (const auto& s : j["skipped"])
      why[std::filesystem::path(s["path"].get<std::string>()).filename()] = s["reason"];
    CHECK(why["nul.txt"] == "binary file (NUL bytes): not read");
    CHECK(why["big.txt"] == "50 MiB, over --max-size 16 MiB");
    CHECK(why["pipe.txt"] == "named pipe (FIFO): not read");
    CHECK(why["empty.txt"] == "empty file: nothing to index");
    CHECK(why["blank.md"] == "empty file: nothing to index");
    if (!follow) {
      CHECK(why["up"] == "symbolic link (not followed; use --follow)");
      CHECK(why["out"] == "symbolic link (not followed; use --follow)");
      CHECK(why["link.txt"] == "symbolic link (not followed; use --follow)");
    } else {
      CHECK(why["up"] == "folder already visited (a symbolic link loop)");
      CHECK(why["out"] == "symbolic link out of the indexed folder (not followed)");
      CHECK(why.count("link.txt") == 0);  // a link to a file inside the root is read
    }
    CHECK(why["locked.txt"].rfind("cannot read: Permission denied", 0) == 0);
    bool invalid_reported = false, json_line_reported = false;
    for (const auto& w : j["warnings"]) {
      std::string path = w["path"], msg = w["message"];
      invalid_reported |=
          path.find("invalid-utf8.txt") != std::string::npos && msg == "byte 4: invalid UTF-8; replaced by U+FFFD";
      json_line_reported |= path.find("bad.jsonl") != std::string::npos && msg == "line 2: not valid JSON; skipped";
    }
    CHECK(invalid_reported);
    CHECK(json_line_reported);
    // The good articles are in: ok, invalid-utf8, the good JSON line and the link with --follow.
    CHECK(j["index"]["documents"] == 3 + (follow ? 1 : 0));
  }
  // A bigger --max-size reads the 50 MB line.
  auto big = IndexJson(tmp, tmp.sub("db-big"), "--max-size 64M " + root);
  for (const auto& s : big["skipped"]) CHECK(s["path"].get<std::string>().find("big.txt") == std::string::npos);
  std::filesystem::permissions(root + "/locked.txt", std::filesystem::perms::owner_all);
}

TEST_CASE("a plain news dump is tagged and found by actor and topic; aliases resolve across scripts") {
  loupe::test::TempDir tmp;
  const std::string root = tmp.sub("dump"), db = tmp.sub("db"), corpus = std::string(LOUPE_SOURCE_DIR) + "/corpus";
  WriteFile(root + "/wire-0915.txt",
            "Treasury Chief Signals Patience\nAuthor: Wire Desk\n\n"
            "Treasury Secretary Scott Bessent said tariffs on Chinese goods would stay for now.\n\n"
            "Bessent's comments followed talks in Madrid.\n");
  WriteFile(root + "/zh.txt",
            "\xE4\xBC\x9A\xE8\xB0\x88\n\n\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0\xE4\xB8\x8E\xE8\xB4\x9D\xE6\xA3\xAE"
            "\xE7\x89\xB9\xE4\xBC\x9A\xE8\xB0\x88\xE3\x80\x82\n");  // 何立峰与贝森特会谈。
  auto j =
      IndexJson(tmp, db, "--gazetteer " + corpus + "/actors.gazetteer --topics " + corpus + "/topics.lexicon " + root);
  CHECK(j["articles"]["indexed"] == 2);
  auto total = [&](const std::string& q) {
    Run r = RunLoupe("search --db " + db + " --format json --limit 0 " + ShellQuote(q), tmp);
    return r.code == 0 ? nlohmann::json::parse(r.out)["total"].get<int>() : 0;
  };
  CHECK(total("actor:Bessent AND topic:tariffs") == 1);
  CHECK(total("actor:\"He Lifeng\"") == 1);  // the Chinese article, through the alias table
  CHECK(total("actor:\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0") == 1);
  CHECK(total("mentions:Bessent") == 2);
  Run show = RunLoupe("show --db " + db + " --format json wire-0915.txt", tmp);
  REQUIRE(show.code == 0);
  auto doc = nlohmann::json::parse(show.out);
  CHECK(doc["actors"][0] == "Scott Bessent");
  CHECK(doc["topics"][0] == "tariffs");

  // On the bundled corpus, an article that declares the Chinese name is filed
  // under the canonical one: every name finds the same articles, and so does a
  // word of the canonical name.
  Fixture loupe;
  auto corpus_total = [&](const std::string& q) {
    Run r = loupe("search --db " + loupe.db() + " --format json --limit 0 " + ShellQuote(q));
    return r.code == 0 ? nlohmann::json::parse(r.out)["total"].get<int>() : 0;
  };
  const int by_name = corpus_total("actor:\"He Lifeng\"");
  CHECK(by_name > 0);
  CHECK(corpus_total("actor:\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0") == by_name);
  CHECK(corpus_total("actor:lifeng") == by_name);
  // Some of them declare him only by his Chinese name.
  int chinese_only = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus + "/articles")) {
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line) && !line.empty())
      if (line.rfind("Actors:", 0) == 0 && line.find("\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0") != std::string::npos &&
          line.find("He Lifeng") == std::string::npos)
        ++chinese_only;
  }
  CHECK(chinese_only > 0);
}

// --- results people read: snippets, facets, cursors, did-you-mean, colour, timeline ---

namespace {

// Runs the CLI on a pseudo-terminal (so that isatty(stdout) holds) with extra
// environment settings; returns what it printed.
std::string RunOnTerminal(const std::string& args, const std::vector<std::string>& env) {
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::unsetenv("NO_COLOR");
    ::setenv("TERM", "xterm-256color", 1);
    for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::string cmd = std::string(LOUPE_CLI) + " " + args;
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has closed the terminal
    out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  return out;
}

// The code points of s from start to end (JSON highlight offsets are code points).
std::string CodePoints(const std::string& s, size_t start, size_t end) {
  std::string out;
  size_t cp = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    bool lead = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (lead && i > 0) ++cp;
    if (cp >= start && cp < end) out += s[i];
  }
  return out;
}

}  // namespace

TEST_CASE("JSON hits carry a snippet whose highlights point at the matched words") {
  Fixture loupe;
  Run r = loupe("search --db " + loupe.db() + " --format json --limit 20 " + ShellQuote(kCard));
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  size_t marked = 0;
  for (const auto& h : j["hits"]) {
    REQUIRE(h.contains("snippet"));
    const std::string text = h["snippet"]["text"];
    CHECK(!text.empty());
    for (const auto& hl : h["snippet"]["highlights"]) {
      std::string piece = CodePoints(text, hl["start"], hl["end"]);
      CHECK(piece == hl["text"].get<std::string>());
      // Matched words of the card query: a name of Bessent's or a form of "tariff".
      bool ok = piece.find("Bessent") != std::string::npos ||
                piece.find("\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9") != std::string::npos ||
                piece.find("ariff") != std::string::npos || piece.find("Treasury") != std::string::npos;
      CHECK(ok);
      ++marked;
    }
  }
  CHECK(marked >= 20);
  Run off = loupe("search --db " + loupe.db() + " --format json --no-snippets -n 1 tariffs");
  CHECK(!nlohmann::json::parse(off.out)["hits"][0].contains("snippet"));
}

TEST_CASE("--facet counts over every match, as the full list of hits says") {
  Fixture loupe;
  auto a = loupe.SearchJson("--limit 1000 tariffs"),
       j = loupe.SearchJson(
           "--limit 2 --facet-top 100 --facet actor,topic --facet author --facet date:month "
           "--facet date:year tariffs");
  CHECK(j["hits"].size() == 2);
  // Actors count under their canonical names in the bundled gazetteer
  // ("name | kind | alias | ..."), each once per article.
  std::map<std::string, std::string> canonical;
  {
    std::ifstream g(std::string(LOUPE_SOURCE_DIR) + "/corpus/actors.gazetteer");
    std::string line;
    while (std::getline(g, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> parts;
      std::stringstream ls(line);
      for (std::string part; std::getline(ls, part, '|');) {
        size_t b = part.find_first_not_of(' '), e = part.find_last_not_of(' ');
        parts.push_back(b == std::string::npos ? "" : part.substr(b, e - b + 1));
      }
      for (size_t i = 0; i < parts.size(); ++i)
        if (i != 1 && !parts[i].empty()) canonical[parts[i]] = parts[0];
    }
  }
  REQUIRE(canonical.size() > 10);
  std::map<std::string, int> actors, topics, months, years;
  int undated = 0;
  for (const auto& h : a["hits"]) {
    std::set<std::string> names;
    for (const auto& x : h["actors"]) names.insert(canonical.count(x) ? canonical[x] : x.get<std::string>());
    for (const std::string& n : names) ++actors[n];
    for (const auto& x : h["topics"]) ++topics[x];
    if (h["date"].is_null()) {
      ++undated;
      continue;
    }
    std::string d = h["date"];
    ++months[d.substr(0, 7)];
    ++years[d.substr(0, 4)];
  }
  const auto& fj = j["facets"];
  REQUIRE(fj.contains("actor"));
  CHECK(fj["actor"]["counts"].size() == actors.size());
  for (const auto& c : fj["actor"]["counts"]) CHECK(c["count"].get<int>() == actors[c["value"]]);
  for (const auto& c : fj["topic"]["counts"]) CHECK(c["count"].get<int>() == topics[c["value"]]);
  int sum = 0;
  for (const auto& c : fj["date:month"]["counts"]) {
    std::string m = c["value"];
    CHECK(c["count"].get<int>() == (months.count(m) ? months[m] : 0));
    CHECK(c["from"].get<std::string>() == m + "-01");
    sum += c["count"].get<int>();
  }
  CHECK(sum + undated == a["total"].get<int>());
  CHECK(fj["date:month"]["missing"].get<int>() == undated);
  for (const auto& c : fj["date:year"]["counts"]) CHECK(c["count"].get<int>() == years[c["value"]]);
  // Text output lists them after the hits.
  Run t = loupe("search --db " + loupe.db() + " -n 1 --facet actor tariffs");
  CHECK(t.out.find("\nactor (") != std::string::npos);
  Run bad = loupe("search --db " + loupe.db() + " --facet colour tariffs");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("unknown facet 'colour'") != std::string::npos);
  Run bad_unit = loupe("search --db " + loupe.db() + " --facet date:hour tariffs");
  CHECK(bad_unit.code == 2);
  CHECK(bad_unit.err.find("date:day, date:week, date:month or date:year") != std::string::npos);
}

TEST_CASE("date facets list the populated range, far outliers apart, and at most --facet-buckets lines") {
  loupe::test::TempDir tmp;
  const std::string src = tmp.sub("corpus"), db = tmp.sub("db");
  std::filesystem::copy(std::string(LOUPE_SOURCE_DIR) + "/corpus", src, std::filesystem::copy_options::recursive);
  {
    // One article dated 1,900 years before the rest, as a mistyped year gives.
    std::ofstream f(src + "/articles/zz-old.txt");
    f << "Title: A tariff story with a mistyped year\nDate: 0102-02-01\nTopics: tariffs\n\nTariffs.\n";
  }
  REQUIRE(RunLoupe("index -q --db " + db + " " + src, tmp).code == 0);
  auto bucket_lines = [](const std::string& out) {
    size_t n = 0;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      // "      12  2025"
      if (line.size() > 10 && line.substr(0, 8).find_first_not_of(" 0123456789") == std::string::npos &&
          line[7] != ' ' && line.compare(8, 2, "  ") == 0)
        ++n;
    return n;
  };
  Run year = RunLoupe("search --db " + db + " -n 0 --facet date:year topic:tariffs", tmp);
  INFO(year.out);
  REQUIRE(year.code == 0);
  CHECK(year.out.find("outliers: 0102 (1)") != std::string::npos);
  CHECK(year.out.find("  0103\n") == std::string::npos);
  CHECK(bucket_lines(year.out) == 1);  // 2025
  // JSON keeps every non-empty bucket, the outlier included, without the empty years between.
  Run js = RunLoupe("search --db " + db + " -n 0 --format json --facet date:year topic:tariffs", tmp);
  REQUIRE(js.code == 0);
  auto j = nlohmann::json::parse(js.out)["facets"]["date:year"];
  REQUIRE(j["counts"].size() == 2);
  CHECK(j["counts"][0]["value"] == "0102");
  CHECK(j["counts"][1]["value"] == "2025");
  CHECK(j["outliers"] == nlohmann::json::array({"0102"}));
  // A limit on the lines: the latest buckets, and a line saying what was left out.
  Run day = RunLoupe("search --db " + db + " -n 0 --facet date:day --facet-buckets 5 topic:tariffs", tmp);
  INFO(day.out);
  REQUIRE(day.code == 0);
  CHECK(bucket_lines(day.out) == 5);
  CHECK(day.out.find("2025-11-25") != std::string::npos);
  CHECK(day.out.find("earlier buckets") != std::string::npos);
  // The timeline draws the same range, the outlier named apart instead of 1,900 empty bars.
  Run chart = RunLoupe("timeline --db " + db + " --by year topic:tariffs", tmp);
  INFO(chart.out);
  REQUIRE(chart.code == 0);
  CHECK(chart.out.find("\n0103 ") == std::string::npos);
  CHECK(chart.out.find("\n0102 ") == std::string::npos);
  CHECK(chart.out.find("outliers (not drawn): 0102 (1)") != std::string::npos);
  Run chart_json = RunLoupe("timeline --db " + db + " --by year --format json topic:tariffs", tmp);
  REQUIRE(chart_json.code == 0);
  auto cj = nlohmann::json::parse(chart_json.out);
  REQUIRE(cj["buckets"].size() == 2);
  CHECK(cj["outliers"] == nlohmann::json::array({"0102"}));
  // Over 200 bars (310 days of 2025) the chart is drawn whole, with a warning to widen --by.
  Run days = RunLoupe("timeline --db " + db + " --by day 'topic:tariffs AND date:2025-01-01..2025-12-31'", tmp);
  REQUIRE(days.code == 0);
  CHECK(days.err.find("loupe: warning: 310 bars; --by week, month or year draws fewer\n") != std::string::npos);
  CHECK(RunLoupe("timeline --db " + db + " --by week topic:tariffs", tmp).err.find("bars;") == std::string::npos);
  CHECK(RunLoupe("timeline --db " + db + " --by day topic:tariffs", tmp).err.find("bars;") == std::string::npos);
}

TEST_CASE("--after pages with the cursor, consistently while articles are added") {
  loupe::test::TempDir tmp;
  const std::string src = tmp.sub("corpus"), db = tmp.sub("db");
  std::filesystem::copy(std::string(LOUPE_SOURCE_DIR) + "/corpus", src, std::filesystem::copy_options::recursive);
  REQUIRE(RunLoupe("index -q --db " + db + " " + src, tmp).code == 0);
  Run all = RunLoupe("search --db " + db + " --format json --limit 1000 --sort -date tariffs", tmp);
  REQUIRE(all.code == 0);
  auto a = nlohmann::json::parse(all.out);
  std::vector<std::string> expect;
  for (const auto& h : a["hits"]) expect.push_back(h["id"]);

  Run first = RunLoupe("search --db " + db + " --format json --limit 10 --sort -date tariffs", tmp);
  auto page = nlohmann::json::parse(first.out);
  std::vector<std::string> seen;
  for (const auto& h : page["hits"]) seen.push_back(h["id"]);
  // A new, newest article about tariffs arrives between pages.
  {
    std::ofstream f(src + "/articles/zz-new.txt");
    f << "Title: Newest tariff story\nDate: 2026-01-01\n\nTariffs again, and more tariffs.\n";
  }
  REQUIRE(RunLoupe("index -q --db " + db + " " + src, tmp).code == 0);
  bool warned = false;
  for (int i = 0; i < 50 && !page["next_cursor"].is_null(); ++i) {
    Run next = RunLoupe("search --db " + db + " --format json --limit 10 --sort -date --after " +
                            page["next_cursor"].get<std::string>() + " tariffs",
                        tmp);
    REQUIRE(next.code == 0);
    page = nlohmann::json::parse(next.out);
    if (page.contains("warnings"))
      for (const auto& w : page["warnings"]) warned |= w.get<std::string>().find("index changed") != std::string::npos;
    for (const auto& h : page["hits"]) seen.push_back(h["id"]);
  }
  CHECK(warned);
  CHECK(seen == expect);  // every old hit once, in order; the new one not slipped in
  // A fresh search sees the new article first.
  Run fresh = RunLoupe("search --db " + db + " --format json --limit 1 --sort -date tariffs", tmp);
  CHECK(nlohmann::json::parse(fresh.out)["hits"][0]["id"] == "articles/zz-new.txt");

  Run bad = RunLoupe("search --db " + db + " --after nonsense tariffs", tmp);
  CHECK(bad.code == 2);
  CHECK(bad.err.find("not a paging cursor") != std::string::npos);
  Run other_sort = RunLoupe("search --db " + db + " --sort date --after " +
                                nlohmann::json::parse(first.out)["next_cursor"].get<std::string>() + " tariffs",
                            tmp);
  CHECK(other_sort.code == 2);
  CHECK(other_sort.err.find("another sort order") != std::string::npos);
}

TEST_CASE("did you mean: misspelt words and field values, only when it finds more") {
  Fixture loupe;
  Run r = loupe("search --db " + loupe.db() + " " + ShellQuote("actor:Besent AND topic:tarrifs"));
  CHECK(r.code == 1);
  CHECK(r.out.find("Did you mean: actor:Bessent AND topic:tariffs  (") != std::string::npos);
  Run j = loupe("search --db " + loupe.db() + " --format json " + ShellQuote("tarrifs chna"));
  CHECK(j.code == 1);
  auto js = nlohmann::json::parse(j.out);
  REQUIRE(js.contains("did_you_mean"));
  CHECK(js["did_you_mean"]["query"] == "tariffs china");
  CHECK(js["did_you_mean"]["total"].get<int>() > 0);
  Run fine = loupe("search --db " + loupe.db() + " --format json " + ShellQuote(kCard));
  CHECK(!nlohmann::json::parse(fine.out).contains("did_you_mean"));
  Run none = loupe("search --db " + loupe.db() + " --no-suggest " + ShellQuote("actor:Besent AND topic:tarrifs"));
  CHECK(none.out.find("Did you mean") == std::string::npos);
}

TEST_CASE("colour on a terminal only: auto, always, never, NO_COLOR, TERM=dumb") {
  Fixture loupe;
  const std::string args = "search --db " + loupe.db() + " -n 2 " + ShellQuote(kCard);
  const std::string mark = "\x1b[1;33m";
  CHECK(RunOnTerminal(args, {}).find(mark) != std::string::npos);
  CHECK(RunOnTerminal(args, {"NO_COLOR=1"}).find('\x1b') == std::string::npos);
  CHECK(RunOnTerminal(args, {"TERM=dumb"}).find('\x1b') == std::string::npos);
  CHECK(RunOnTerminal(args + " --color never", {}).find('\x1b') == std::string::npos);
  CHECK(RunOnTerminal(args + " --color always", {"NO_COLOR=1"}).find(mark) != std::string::npos);
  Run piped = loupe(args);
  CHECK(piped.out.find('\x1b') == std::string::npos);
  Run forced = loupe(args + " --color always");
  CHECK(forced.out.find(mark) != std::string::npos);
  Run bad = loupe(args + " --color sometimes");
  CHECK(bad.code == 2);
}

TEST_CASE("timeline: bars per month in the terminal, JSON buckets, an SVG that renders") {
  Fixture loupe;
  const std::string svg = loupe.tmp().sub("t.svg"), png = loupe.tmp().sub("t.png");
  Run t = loupe("timeline --db " + loupe.db() + " --by month --svg " + svg + " topic:tariffs");
  INFO(t.err);
  REQUIRE(t.code == 0);
  CHECK(t.out.find("2025-04 \xE2\x94\x82") != std::string::npos);  // "2025-04 │"
  CHECK(t.out.find("articles per month") != std::string::npos);
  CHECK(t.out.find("wrote " + svg) != std::string::npos);
  Run j = loupe("timeline --db " + loupe.db() + " --by month --format json --facet actor --top 3 topic:tariffs");
  REQUIRE(j.code == 0);
  auto js = nlohmann::json::parse(j.out);
  int sum = 0;
  std::map<std::string, int> per_value;
  for (const auto& b : js["buckets"]) {
    sum += b["count"].get<int>();
    for (const auto& [name, n] : b["by_actor"].items()) {
      CHECK(n.get<int>() <= b["count"].get<int>());
      per_value[name] += n.get<int>();
    }
    CHECK(b["other"].get<int>() <= b["count"].get<int>());
  }
  CHECK(sum + js["undated"].get<int>() == js["total"].get<int>());
  REQUIRE(js["actor"].size() == 3);
  // Each value's segments hold every dated article naming it, as an actor: search finds them.
  for (const auto& name : js["actor"]) {
    Run one = loupe("timeline --db " + loupe.db() + " --format json 'topic:tariffs AND actor:\"" +
                    name.get<std::string>() + "\"'");
    REQUIRE(one.code == 0);
    auto oj = nlohmann::json::parse(one.out);
    CHECK(per_value[name.get<std::string>()] == oj["total"].get<int>() - oj["undated"].get<int>());
  }
  // The chart says that an article counts under each of its values, and keeps its legend
  // when one value covers every bar.
  Run all =
      loupe("timeline --db " + loupe.db() + " --color never --facet actor --top 1 'topic:tariffs AND actor:Trump'");
  REQUIRE(all.code == 0);
  CHECK(all.out.find("\xE2\x96\x88 Donald Trump") != std::string::npos);  // "█ Donald Trump"
  CHECK(all.out.find("an article counts under each of its actors") != std::string::npos);
  CHECK(loupe("timeline --db " + loupe.db() + " --color never topic:tariffs").out.find("counts under") ==
        std::string::npos);
  // The SVG renders to a PNG of the chart's size.
  REQUIRE(std::system(("rsvg-convert " + svg + " -o " + png).c_str()) == 0);
  std::ifstream in(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 1000);
  CHECK(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  auto be32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
  };
  CHECK(be32(16) == 960);
  CHECK(be32(20) == 480);
  Run none = loupe("timeline --db " + loupe.db() + " zzzznothing");
  CHECK(none.code == 1);
  Run bad = loupe("timeline --db " + loupe.db() + " --by decade tariffs");
  CHECK(bad.code == 2);
}

TEST_CASE("--collapse counts groups and marks copies") {
  Fixture loupe;
  auto p = loupe.SearchJson("--limit 0 tariffs"), f = loupe.SearchJson("--limit 100 --collapse tariffs");
  int copies = 0;
  for (const auto& h : f["hits"]) copies += h["copies"].get<int>();
  CHECK(f["total"].get<int>() + copies == p["total"].get<int>());
}

// --- input and output: cursors, usage errors, warnings, ids that round-trip ---

TEST_CASE("a cursor is refused when edited or used with another query") {
  Fixture loupe;
  Run first = loupe("search --db " + loupe.db() + " --format json --limit 3 --sort -date tariffs");
  REQUIRE(first.code == 0);
  const std::string cursor = nlohmann::json::parse(first.out)["next_cursor"];
  // Unchanged, it pages on.
  CHECK(loupe("search --db " + loupe.db() + " --format json --limit 3 --sort -date --after " + ShellQuote(cursor) +
              " tariffs")
            .code == 0);
  // Edited by hand: one field changed (the last document id shown, then the highest id the chain shows).
  std::vector<std::string> parts;
  for (size_t b = 0, e; b <= cursor.size(); b = e + 1) {
    e = cursor.find('.', b);
    if (e == std::string::npos) e = cursor.size();
    parts.push_back(cursor.substr(b, e - b));
  }
  REQUIRE(parts.size() >= 7);
  for (size_t field : {size_t{7}, size_t{9}}) {
    std::vector<std::string> edited = parts;
    edited[field] = edited[field] == "1" ? "2" : "1";
    std::string text = edited[0];
    for (size_t i = 1; i < edited.size(); ++i) text += "." + edited[i];
    INFO(text);
    Run r = loupe("search --db " + loupe.db() + " --sort -date --after " + ShellQuote(text) + " tariffs");
    CHECK(r.code == 2);
    CHECK(r.err.find("was changed") != std::string::npos);
  }
  // Taken from another query (same index, same sort).
  Run other = loupe("search --db " + loupe.db() + " --sort -date --after " + ShellQuote(cursor) + " trade");
  CHECK(other.code == 2);
  CHECK(other.err.find("another query") != std::string::npos);
}

TEST_CASE("bad arguments are usage errors with messages that say what is allowed") {
  Fixture loupe;
  Run empty_id = loupe("show --db " + loupe.db() + " ''");
  CHECK(empty_id.code == 2);
  CHECK(empty_id.err.find("MDB_") == std::string::npos);
  CHECK(empty_id.err.find("empty") != std::string::npos);
  Run negative = loupe("search --db " + loupe.db() + " -n -1 tariffs");
  CHECK(negative.code == 2);
  CHECK(negative.err.find("0.000000") == std::string::npos);
  CHECK(negative.err.find("179769") == std::string::npos);
  CHECK(negative.err.find("--limit: must be a whole number from 0 to ") != std::string::npos);
  Run offset = loupe("search --db " + loupe.db() + " --offset -3 tariffs");
  CHECK(offset.code == 2);
  CHECK(offset.err.find("0.000000") == std::string::npos);
  Run svg = loupe("timeline --db " + loupe.db() + " --svg '' tariffs");
  CHECK(svg.code == 2);
  CHECK(svg.err.find("--svg") != std::string::npos);
}

TEST_CASE("a new index is not created in a folder that holds other files") {
  loupe::test::TempDir tmp;
  const std::string folder = tmp.sub("home");
  WriteFile(folder + "/notes.txt", "Mine\n\nNot an index.\n");
  Run r = RunLoupe("index --db " + folder + " " + std::string(LOUPE_SOURCE_DIR) + "/corpus", tmp);
  CHECK(r.code == 2);
  CHECK(r.err.find("holds other files (notes.txt, ...) and no index") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(folder + "/data.mdb"));
  CHECK_FALSE(std::filesystem::exists(folder + "/lock.mdb"));
  // An empty folder, a new one and an existing index are fine.
  std::filesystem::create_directories(tmp.sub("empty"));
  CHECK(RunLoupe("index -q --db " + tmp.sub("empty") + " " + std::string(LOUPE_SOURCE_DIR) + "/corpus", tmp).code == 0);
  CHECK(RunLoupe("index -q --db " + tmp.sub("empty") + " " + std::string(LOUPE_SOURCE_DIR) + "/corpus", tmp).code == 0);
  CHECK(RunLoupe("index -q --db " + tmp.sub("new/db") + " " + std::string(LOUPE_SOURCE_DIR) + "/corpus", tmp).code ==
        0);
}

TEST_CASE("one warning said many times is printed once, with a count") {
  loupe::test::TempDir tmp;
  std::string words;
  for (int i = 0; i < 1100; ++i) words += "zq" + std::to_string(1000 + i) + " ";
  WriteFile(tmp.sub("c/many.txt"), "Many words\n\n" + words + "\n");
  const std::string db = tmp.sub("db");
  REQUIRE(RunLoupe("index -q --db " + db + " " + tmp.sub("c"), tmp).code == 0);
  Run r = RunLoupe("search --db " + db + " 'zq* OR zq* OR zq*'", tmp);
  REQUIRE(r.code == 0);
  size_t lines = 0;
  for (size_t at = r.err.find("loupe: warning:"); at != std::string::npos; at = r.err.find("loupe: warning:", at + 1))
    ++lines;
  // Said once: the repeated prefix is expanded once (the count that repeated
  // warnings get is tested in cli_common_test).
  CHECK(lines == 1);
  Run j = RunLoupe("search --db " + db + " --format json 'zq* OR zq* OR zq*'", tmp);
  auto js = nlohmann::json::parse(j.out);
  REQUIRE(js["warnings"].size() == 1);
}

TEST_CASE("ids of any file name round-trip through every output; text output escapes control characters") {
  loupe::test::TempDir tmp;
  WriteFile(tmp.sub("c/bad\xFF.txt"), "Bad name\n\nPenguins here.\n");
  WriteFile(tmp.sub("c/esc\x1b[31mred.txt"), "Esc \x1b[32mtitle\n\nPenguins there.\n");
  WriteFile(tmp.sub("c/nl\nx.txt"), "Newline name\n\nPenguins too.\n");
  WriteFile(tmp.sub("c/back\\slash.txt"), "Backslash name\n\nPenguins also.\n");
  const std::string db = tmp.sub("db");
  REQUIRE(RunLoupe("index -q --db " + db + " " + ShellQuote(tmp.sub("c")), tmp).code == 0);
  Run j = RunLoupe("search --db " + db + " --format json penguins", tmp);
  REQUIRE(j.code == 0);
  auto js = nlohmann::json::parse(j.out);
  REQUIRE(js["hits"].size() == 4);
  std::set<std::string> json_ids;
  for (const auto& h : js["hits"]) {
    std::string id = h["id"];
    json_ids.insert(id);
    INFO(id);
    CHECK(id.find("\xEF\xBF\xBD") == std::string::npos);  // no U+FFFD: nothing lost
    Run show = RunLoupe("show --db " + db + " " + ShellQuote(id), tmp);
    CHECK(show.code == 0);
    Run show_json = RunLoupe("show --db " + db + " --format json " + ShellQuote(id), tmp);
    REQUIRE(show_json.code == 0);
    CHECK(nlohmann::json::parse(show_json.out)["id"] == id);
    CHECK(RunLoupe("explain --db " + db + " --doc " + ShellQuote(id) + " penguins", tmp).code == 0);
  }
  CHECK(json_ids.count("bad\\xff.txt") == 1);
  // Text output: no raw control character (ESC, newline inside a line) reaches the terminal.
  Run t = RunLoupe("search --db " + db + " --color never penguins", tmp);
  REQUIRE(t.code == 0);
  CHECK(t.out.find('\x1b') == std::string::npos);
  CHECK(t.out.find("esc\\x1b[31mred.txt") != std::string::npos);
  CHECK(t.out.find("nl\\x0ax.txt") != std::string::npos);
  CHECK(t.out.find("Esc \\x1b[32mtitle") != std::string::npos);
  // Every id printed as text is accepted back.
  for (const std::string& id : {std::string("esc\\x1b[31mred.txt"), std::string("nl\\x0ax.txt"),
                                std::string("bad\\xff.txt"), std::string("back\\\\slash.txt")}) {
    INFO(id);
    CHECK(t.out.find("   " + id + "  score") != std::string::npos);
    Run show = RunLoupe("show --db " + db + " " + ShellQuote(id), tmp);
    CHECK(show.code == 0);
    CHECK(show.out.find('\x1b') == std::string::npos);
  }
  Run missing = RunLoupe("show --db " + db + " " + ShellQuote("no\x1b[2Jsuch"), tmp);
  CHECK(missing.code == 1);
  CHECK(missing.err.find('\x1b') == std::string::npos);
}

TEST_CASE("bench reads a bounded queries file and refuses folders and devices") {
  Fixture loupe;
  // Every refusal comes before the index is opened or anything is read, so
  // a run is held to little memory and time here: one that read /dev/zero
  // would be killed (and fail the test) instead of taking the machine.
  auto bench = [&](const std::string& queries) {
    return loupe("bench --db " + loupe.db() + " --repeat 1 --queries " + ShellQuote(queries));
  };
  {
    std::string err_file = loupe.tmp().sub("bench-err.txt");
    // (AddressSanitizer reserves terabytes of address space for its shadow
    // memory, so under it only the time is capped.)
#if defined(__SANITIZE_ADDRESS__)
    const std::string cap = "";
#else
    const std::string cap = "ulimit -v 2000000; ";
#endif
    std::string cmd = cap + "timeout 60 " + std::string(LOUPE_CLI) + " bench --db " + loupe.db() +
                      " --repeat 1 --queries /dev/zero >/dev/null 2>" + err_file;
    int status = std::system(("sh -c " + ShellQuote(cmd)).c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
    std::ifstream e(err_file);
    std::stringstream es;
    es << e.rdbuf();
    CHECK(es.str() ==
          "loupe: bench: --queries /dev/zero is not a regular file (a device, pipe or socket); give a "
          "file of queries, one per line\n");
  }
  Run folder = bench(loupe.tmp().path());
  CHECK(folder.code == 2);
  CHECK(folder.out.empty());
  CHECK(folder.err ==
        "loupe: bench: --queries " + loupe.tmp().path() + " is a folder; give a file of queries, one per line\n");

  Run missing = bench(loupe.tmp().sub("nope.tsv"));
  CHECK(missing.code == 2);
  CHECK(missing.err.find("cannot read queries file") != std::string::npos);

  // A file over the size limit is refused before it is read (this one is
  // sparse: nothing is written).
  const std::string big = loupe.tmp().sub("big.tsv");
  { std::ofstream(big) << "tariffs\n"; }
  std::filesystem::resize_file(big, (uint64_t{64} << 20) + 1);
  Run large = bench(big);
  CHECK(large.code == 2);
  CHECK(large.out.empty());
  CHECK(large.err == "loupe: bench: queries file " + big + " is 67108865 bytes; the limit is 67108864 (64 MiB)\n");

  // A line longer than any query can be is reported like a query that does
  // not compile, and the run goes on.
  const std::string lines = loupe.tmp().sub("lines.tsv");
  { std::ofstream(lines) << "term\ttariffs\nlong\t" << std::string(100000, 'x') << "\nprefix\ttarif*\n"; }
  Run mixed = bench(lines);
  CHECK(mixed.code == 2);
  CHECK(mixed.err == "loupe: bench: " + lines +
                         ":2: the line is 100005 bytes; the limit is 66560 (a query is at most "
                         "65536 bytes, and its class column)\n");
  std::istringstream out(mixed.out);
  std::string l1, l2, l3;
  std::getline(out, l1);
  std::getline(out, l2);
  std::getline(out, l3);
  CHECK(l1.rfind("tariffs\t", 0) == 0);
  CHECK(l2 == "(line 2: 100005 bytes)\tNA\tNA\tNA");
  CHECK(l3.rfind("tarif*\t", 0) == 0);
}

TEST_CASE("a search past the per-query memory limit is refused with exit 2, naming the limit") {
  Fixture loupe;
  // The same prefix in 500 places that cannot be merged (each excludes
  // another word): each place needs its own iterators, about 0.7 MiB here,
  // which would take more than 256 MiB; refused before they are made.
  std::string q = "(s* -x0)";
  for (int i = 1; i < 500; ++i) q += " OR (s* -x" + std::to_string(i) + ")";
  Run r = loupe("search --db " + loupe.db() + " " + ShellQuote(q));
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("loupe: query error: the query would take more than 256 MiB of memory to run, the limit for one "
                    "query (passed at '",
                    0) == 0);
  CHECK(r.err.find("s*'); search for fewer words, prefixes or parts at once\n") != std::string::npos);
  // A hundred of them fit.
  std::string fits = "(s* -x0)";
  for (int i = 1; i < 100; ++i) fits += " OR (s* -x" + std::to_string(i) + ")";
  CHECK(loupe("search --db " + loupe.db() + " --no-suggest " + ShellQuote(fits)).code == 0);
  // The same prefix pasted 400 times side by side is one prefix, and runs.
  std::string pasted = "tariffs";
  for (int i = 0; i < 400; ++i) pasted += " s*";
  Run ok = loupe("search --db " + loupe.db() + " --format json " + ShellQuote(pasted));
  CHECK(ok.code == 0);
  // bench reports such a line like one that does not compile, and goes on.
  const std::string file = loupe.tmp().sub("q.tsv");
  { std::ofstream(file) << q << "\ntariffs\n"; }
  Run b = loupe("bench --db " + loupe.db() + " --repeat 1 --queries " + file);
  CHECK(b.code == 2);
  CHECK(b.err.rfind("loupe: bench: " + file + ":1: the query would take more than 256 MiB of memory", 0) == 0);
  CHECK(b.out.find(q + "\tNA\tNA\tNA\n") == 0);
  CHECK(b.out.find("\ntariffs\t") != std::string::npos);
}

TEST_CASE("help --man prints a command's man page; completion prints the bash or zsh script") {
  loupe::test::TempDir tmp;
  Run page = RunLoupe("help --man search", tmp);
  CHECK(page.code == 0);
  CHECK(page.out.find(".TH \"LOUPE\\-SEARCH\" \"1\"") != std::string::npos);
  CHECK(page.out.find("\\fB\\-\\-format\\fR") != std::string::npos);
  Run top = RunLoupe("help --man", tmp);
  CHECK(top.code == 0);
  CHECK(top.out.find(".BR loupe\\-search (1)") != std::string::npos);
  Run unknown = RunLoupe("help --man serach", tmp);
  CHECK(unknown.code == 2);
  CHECK(unknown.err.rfind("loupe: unknown command 'serach'; the commands are: index, search,", 0) == 0);
  Run no_dir = RunLoupe("help --man-pages", tmp);
  CHECK(no_dir.code == 2);
  Run written = RunLoupe("help --man-pages " + tmp.sub("pages"), tmp);
  CHECK(written.code == 3);  // the folder must exist
  CHECK(written.err.find("cannot write " + tmp.sub("pages") + "/loupe.1") != std::string::npos);

  Run bash = RunLoupe("completion bash", tmp), zsh = RunLoupe("completion zsh", tmp);
  CHECK(bash.code == 0);
  CHECK(bash.out.find("complete -F _loupe loupe\n") != std::string::npos);
  CHECK(zsh.code == 0);
  CHECK(zsh.out.rfind("#compdef loupe\n", 0) == 0);
  Run fish = RunLoupe("completion fish", tmp);
  CHECK(fish.code == 2);
}

TEST_CASE("each article is stemmed in its language: declared, from an HTML lang, or detected") {
  loupe::test::TempDir tmp;
  const std::string root = tmp.sub("news"), db = tmp.sub("db");
  WriteFile(root + "/fr.txt",
            "Reprise des discussions\nLanguage: fr\n\nLes n\xC3\xA9gociations commerciales reprennent, en vertu du "
            "Trade Expansion Act.\n");
  WriteFile(root + "/de.txt",
            "Handelsgespr\xC3\xA4"
            "che\nLanguage: de-AT\n\nDie Verhandlungen \xC3\xBC"
            "ber Z\xC3\xB6lle "
            "gehen weiter.\n");
  WriteFile(
      root + "/detected.txt",
      "Accord en vue\n\nSelon les n\xC3\xA9gociateurs de la Commission, il est possible que les discussions sur les "
      "droits de douane se terminent dans la semaine, mais le gouvernement ne veut pas de nouvel accord pour le "
      "moment.\n");
  WriteFile(root + "/page.html",
            "<!DOCTYPE html><html lang=\"fr-CA\"><head><title>Page</title></head><body><article><h1>Page</h1>"
            "<p>Les n\xC3\xA9gociateurs canadiens.</p></article></body></html>");
  WriteFile(root + "/en.txt", "Trade resumes\n\nTrade at the port resumed on Monday, officials said.\n");
  WriteFile(root + "/unknown.txt", "Qapla\nLanguage: tlh\n\nThe trade went well.\n");
  // Without tagging: topics (labels, stemmed in English in every article) would
  // add "trade" to articles whose text says Trade.
  Run indexed = RunLoupe("index --no-tagging --db " + db + " " + root, tmp);
  INFO(indexed.err);
  REQUIRE(indexed.code == 0);
  // An unknown language is stemmed as English, with a warning.
  CHECK(indexed.err.find("language 'tlh'") != std::string::npos);
  auto ids = [&](const std::string& q) {
    Run r = RunLoupe("search --db " + db + " --format json --limit 20 " + ShellQuote(q), tmp);
    INFO(q << "\n" << r.err);
    std::set<std::string> out;
    if (r.code != 0) return out;
    const auto j = nlohmann::json::parse(r.out);
    for (const auto& h : j["hits"]) out.insert(h["id"].get<std::string>());
    return out;
  };
  using S = std::set<std::string>;
  // French stems: négocier, négociations and négociateurs are all "négoci".
  CHECK(ids("n\xC3\xA9gocier") == S{"fr.txt", "detected.txt", "page.html"});
  CHECK(ids("n\xC3\xA9gociation") == S{"fr.txt", "detected.txt", "page.html"});
  // German: Verhandlung and Verhandlungen are "verhandl".
  CHECK(ids("Verhandlung") == S{"de.txt"});
  // The same English word in an English article is still stemmed as English
  // (trade -> trade, as trading is), not in the French one (trade -> trad).
  CHECK(ids("trading") == S{"en.txt", "unknown.txt"});
  // lang: stems the query in one language only.
  CHECK(ids("lang:fr n\xC3\xA9gocier") == S{"fr.txt", "detected.txt", "page.html"});
  CHECK(ids("lang:french trade") == S{"fr.txt"});
  CHECK(ids("Trade lang:en-GB") == S{"en.txt", "unknown.txt"});
  // explain shows the French stem.
  Run explain = RunLoupe("explain --db " + db + " " + ShellQuote("n\xC3\xA9gociation"), tmp);
  REQUIRE(explain.code == 0);
  CHECK((explain.out.find("body:n\xC3\xA9goci ") != std::string::npos ||
         explain.out.find("body:n\xC3\xA9goci)") != std::string::npos));
  Run one = RunLoupe("explain --db " + db + " " + ShellQuote("lang:fr n\xC3\xA9gociation"), tmp);
  REQUIRE(one.code == 0);
  CHECK(one.out.find("body:n\xC3\xA9gociat") == std::string::npos);
  // An unknown language is a query error with suggestions.
  Run bad = RunLoupe("search --db " + db + " " + ShellQuote("lang:frnch tarifs"), tmp);
  CHECK(bad.code == 2);
  CHECK(bad.err.find("french") != std::string::npos);
  // stats says which stemmers the index holds.
  Run stats = RunLoupe("stats --db " + db + " --format json", tmp);
  REQUIRE(stats.code == 0);
  CHECK(nlohmann::json::parse(stats.out)["languages"] == nlohmann::json::array({"english", "french", "german"}));
  Run text = RunLoupe("stats --db " + db, tmp);
  CHECK(text.out.find("\nlanguages:      english, french, german\n") != std::string::npos);
}

TEST_CASE("stats --format json replaces invalid UTF-8 in the index path") {
  loupe::test::TempDir tmp;
  WriteFile(tmp.sub("c/a.txt"), "Farm Bill\n\nThe Senate passed the farm bill.\n");
  const std::string db = tmp.sub("db\xE9");  // a Latin-1 name
  Run index = RunLoupe("index -q --db " + ShellQuote(db) + " " + ShellQuote(tmp.sub("c")), tmp);
  INFO(index.err);
  REQUIRE(index.code == 0);
  Run r = RunLoupe("stats --db " + ShellQuote(db) + " --format json", tmp);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out)["path"] == tmp.sub("db\xEF\xBF\xBD"));
}

TEST_CASE("a tagging file whose path is not UTF-8 is used, and stats shows its path replaced") {
  loupe::test::TempDir tmp;
  const std::string folder = tmp.sub("caf\xE9");  // a Latin-1 name
  WriteFile(folder + "/a.txt", "Farm Bill\n\nThe Senate passed the farm bill.\n");
  std::filesystem::copy_file(std::string(LOUPE_SOURCE_DIR) + "/corpus/actors.gazetteer", folder + "/actors.gazetteer");
  const std::string db = tmp.sub("db");
  Run index = RunLoupe("index -q --db " + db + " " + ShellQuote(folder), tmp);
  INFO(index.err);
  REQUIRE(index.code == 0);
  Run again = RunLoupe("index -q --db " + db + " " + ShellQuote(folder), tmp);
  INFO(again.err);
  REQUIRE(again.code == 0);
  Run r = RunLoupe("stats --db " + db + " --format json", tmp);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out)["tagging"]["gazetteer"]["from"] ==
        folder.substr(0, folder.size() - 1) + "\xEF\xBF\xBD/actors.gazetteer");
}

TEST_CASE("explain reads query words with the index's analyzer options, as search does") {
  loupe::test::TempDir tmp;
  WriteFile(tmp.sub("c/a.txt"), "Cafe Opens\n\nThe new cafe opened on Monday.\n");
  const std::string db = tmp.sub("db");
  REQUIRE(RunLoupe("index -q --db " + db + " " + ShellQuote(tmp.sub("c")), tmp).code == 0);
  {
    // An application that strips diacritics from its articles itself says so
    // in the analysis record, after its last commit of documents.
    auto index = loupe::Index::Open(db);
    REQUIRE(index.ok());
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->SetMetadata(loupe::kAnalysisMetadataKey, R"({"languages":["english"],"fold_diacritics":true})").ok());
    REQUIRE((*w)->Commit().ok());
  }
  const std::string query = ShellQuote("caf\xC3\xA9");
  Run search = RunLoupe("search --db " + db + " --format json " + query, tmp);
  INFO(search.err);
  REQUIRE(search.code == 0);
  CHECK(nlohmann::json::parse(search.out)["total"] == 1);
  Run explain = RunLoupe("explain --db " + db + " --format json " + query, tmp);
  INFO(explain.err);
  REQUIRE(explain.code == 0);
  auto plan = nlohmann::json::parse(explain.out)["plan"];
  INFO(plan.dump());
  CHECK(plan["matches"] == nlohmann::json::parse(search.out)["total"]);
  CHECK(plan.dump().find("caf\xC3\xA9") == std::string::npos);  // the plan search runs: cafe
}
