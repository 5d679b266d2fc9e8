// `loupe index --partition` and `loupe stats` on a collection
// (docs/index-format.md, "Collections"), on the bundled corpus.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "db/manifest.h"
#include "loupe/index.h"
#include "support/test_util.h"

namespace {

using loupe::test::RunLoupe;
using loupe::test::TempDir;
using Run = loupe::test::CommandRun;

const std::string kCorpus = std::string(LOUPE_SOURCE_DIR) + "/corpus";

Run Loupe(const std::string& args, const TempDir& tmp) {
  Run r = RunLoupe(args, tmp);
  INFO("loupe " << args << "\n" << r.out << r.err);
  return r;
}

TEST_CASE("loupe index --partition month makes a collection of the corpus, and indexes it again incrementally",
          "[collection]") {
  TempDir tmp;
  const std::string db = tmp.sub("news");
  Run r = Loupe("index -q --db " + db + " --partition month --jobs 2 " + kCorpus, tmp);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("64 added") != std::string::npos);
  auto m = loupe::ReadManifest(db);
  REQUIRE(m.ok());
  CHECK(m->partition == loupe::Partition::kMonth);
  std::set<std::string> names;
  uint64_t documents = 0;
  for (const auto& s : m->splits) names.insert(s.name), documents += s.documents;
  CHECK(documents == 64);
  CHECK(names.count("2025-01"));
  CHECK(names.count("2025-09"));
  for (const std::string& n : names) CHECK(loupe::IsSplitName(loupe::Partition::kMonth, n));
  // The per-file state is the collection's: nothing is read again.
  r = Loupe("index -q --db " + db + " " + kCorpus, tmp);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("0 added, 0 updated), 64 unchanged") != std::string::npos);
  // Any command opens it as it is.
  r = Loupe("show --db " + db + " articles/a01-trump-sworn-in-trade-agenda.txt", tmp);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("Date: 2025-01-20") != std::string::npos);
  r = Loupe("check --db " + db, tmp);
  CHECK(r.code == 0);
  CHECK(r.out.find("64 documents") != std::string::npos);
  CHECK(r.out.find("no problems found") != std::string::npos);
  r = Loupe("backup --db " + db + " " + tmp.sub("copy"), tmp);
  CHECK(r.code == 0);
  CHECK(r.out.find("64 documents") != std::string::npos);
  CHECK(r.out.find("the copy checks clean") != std::string::npos);
  CHECK(loupe::ReadManifest(tmp.sub("copy")).ok());
  // Compact rewrites each split (none sealed here); the collection checks clean
  // and searches as before.
  Run before = Loupe("search --db " + db + " --format json --no-snippets -n 20 tariffs", tmp);
  REQUIRE(before.code == 0);
  r = Loupe("compact --db " + db, tmp);
  CHECK(r.code == 0);
  CHECK(r.out.find("64 documents") != std::string::npos);
  CHECK(Loupe("check --db " + db, tmp).code == 0);
  Run after = Loupe("search --db " + db + " --format json --no-snippets -n 20 tariffs", tmp);
  REQUIRE(after.code == 0);
  auto ids = [](const std::string& json) {
    std::vector<std::pair<std::string, double>> out;
    const nlohmann::json parsed = nlohmann::json::parse(json);  // kept alive while its hits are read
    for (const auto& h : parsed["hits"]) out.emplace_back(h["id"], h["score"]);
    return out;
  };
  CHECK(ids(before.out) == ids(after.out));
}

TEST_CASE("loupe index refuses a partition that is not the folder's", "[collection]") {
  TempDir tmp;
  const std::string plain = tmp.sub("plain");
  REQUIRE(Loupe("index -q --db " + plain + " " + kCorpus, tmp).code == 0);
  Run r = Loupe("index -q --db " + plain + " --partition month " + kCorpus, tmp);
  CHECK(r.code == 2);
  CHECK(r.err.find(plain + " is a plain index, not a collection partitioned by month") != std::string::npos);
  CHECK(r.err.find("--partition month") != std::string::npos);

  const std::string col = tmp.sub("col");
  REQUIRE(Loupe("index -q --db " + col + " --partition year " + kCorpus, tmp).code == 0);
  r = Loupe("index -q --db " + col + " --partition month " + kCorpus, tmp);
  CHECK(r.code == 2);
  CHECK(r.err.find("partitioned by year, not by month") != std::string::npos);
  r = Loupe("index -q --db " + col + " --partition none " + kCorpus, tmp);
  CHECK(r.code == 2);
  CHECK(r.err.find("not a plain index") != std::string::npos);
  r = Loupe("index -q --db " + col + " --partition week " + kCorpus, tmp);
  CHECK(r.code == 2);
}

TEST_CASE("loupe seal compacts splits of a collection that another process has open", "[collection]") {
  TempDir tmp;
  const std::string db = tmp.sub("news");
  REQUIRE(Loupe("index -q --db " + db + " --partition month " + kCorpus, tmp).code == 0);
  auto open = loupe::Index::Open(db);
  REQUIRE(open.ok());
  REQUIRE((*open)->GetDocument("articles/a01-trump-sworn-in-trade-agenda.txt").ok());
  Run r = Loupe("seal --db " + db + " 2025-01 2025-02", tmp);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("sealed 2025-01 of " + db + ": 2 documents kept, 0 deleted or replaced versions dropped") == 0);
  CHECK(r.out.find("\nsealed 2025-02 of " + db + ": 3 documents kept") != std::string::npos);
  // The process that had it open reads the sealed splits from their new files.
  auto st = (*open)->Stats();
  REQUIRE(st.ok());
  int sealed = 0;
  for (const auto& s : st->splits) sealed += s.sealed;
  CHECK(sealed == 2);
  CHECK((*open)->GetDocument("articles/a01-trump-sworn-in-trade-agenda.txt").ok());
  open->reset();
  r = Loupe("seal --db " + db + " 2025-01", tmp);
  CHECK(r.code == 2);
  CHECK(r.err.find("split 2025-01 of " + db + " is sealed already") != std::string::npos);
  r = Loupe("seal --db " + db + " 1999-01", tmp);
  CHECK(r.code == 3);
  CHECK(r.err.find("has no split '1999-01' (its splits: 2025-01, 2025-02,") != std::string::npos);
  r = Loupe("check --db " + db, tmp);
  CHECK(r.code == 0);
}

// A run killed at any moment (here once the first commit is listed) leaves a
// collection that checks clean and that the next run completes, each article
// once: committed splits the manifest does not list yet are reused.
TEST_CASE("a collection build killed with SIGKILL is completed by the next run", "[collection]") {
  TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("news");
  const int kFiles = 3000;
  for (int i = 0; i < kFiles; ++i) {
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", 2020 + i % 4, 1 + (i / 4) % 12, 1 + i % 28);
    loupe::test::WriteFile(dir + "/" + std::to_string(i / 500) + "/" + std::to_string(i) + ".txt",
                           "Article " + std::to_string(i) + "\nDate: " + date + "\n\nThe zanzibar story number " +
                               std::to_string(i) + ", told at some length to give the writer work.\n");
  }
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) ::_exit(99);
    ::execl(loupe::test::Cli().c_str(), loupe::test::Cli().c_str(), "index", "--commit-every", "16K", "--partition",
            "month", "--db", db.c_str(), dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(98);
  }
  for (int i = 0; i < 20000; ++i) {
    auto m = loupe::ReadManifest(db);
    if (m.ok() && m->generation >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  Run r = Loupe("check --db " + db, tmp);
  CHECK(r.code == 0);
  r = Loupe("index -q --db " + db + " " + dir, tmp);
  REQUIRE(r.code == 0);
  r = Loupe("check --db " + db, tmp);
  CHECK(r.code == 0);
  auto m = loupe::ReadManifest(db);
  REQUIRE(m.ok());
  uint64_t documents = 0;
  for (const auto& s : m->splits) documents += s.documents;
  CHECK(documents == static_cast<uint64_t>(kFiles));
  CHECK(m->splits.size() == 48);
  auto index = loupe::Index::Open(db);
  REQUIRE(index.ok());
  CHECK((*index)->Stats()->documents == static_cast<uint64_t>(kFiles));
  CHECK((*index)->GetDocument("0/0.txt").ok());
  CHECK((*index)->GetDocument("5/2999.txt").ok());
}

// `loupe stats` reads the custom fields through Index::Expansions, which a
// collection answers with the search side (db/collection_search.cc): until
// that lands this case fails there.
TEST_CASE("loupe stats lists a collection's splits", "[collection]") {
  TempDir tmp;
  const std::string db = tmp.sub("news");
  REQUIRE(Loupe("index -q --db " + db + " --partition month " + kCorpus, tmp).code == 0);
  Run r = Loupe("stats --db " + db, tmp);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("documents:      64\n") != std::string::npos);
  CHECK(r.out.find("partition:      month\n") != std::string::npos);
  CHECK(r.out.find("\n  2025-01  2025-01-20..") != std::string::npos);
  r = Loupe("stats --format json --db " + db, tmp);
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["partition"] == "month");
  REQUIRE(j["splits"].is_array());
  uint64_t documents = 0;
  for (const auto& s : j["splits"]) {
    documents += s["documents"].get<uint64_t>();
    CHECK(s.contains("first"));
    CHECK(s.contains("size_bytes"));
    CHECK(s["sealed"] == false);
  }
  CHECK(documents == 64);
  CHECK(j["splits"][0]["name"] == "2025-01");
  CHECK(j["splits"][0]["first"] == "2025-01-20");
  // Its tables are its splits' together: more than one split's alone, and no
  // more than the collection's size.
  REQUIRE(j["tables"].size() == 10);
  uint64_t sum = 0;
  for (const auto& t : j["tables"]) {
    sum += t["bytes"].get<uint64_t>();
    CHECK(t["bytes_per_document"].get<double>() == Approx(t["bytes"].get<double>() / 64));
  }
  CHECK(j["tables"][2]["name"] == "postings");
  CHECK(j["tables"][2]["bytes"].get<uint64_t>() >= 12 * 4096);  // a page at least in each of the 12 splits
  CHECK(sum <= j["size_bytes"].get<uint64_t>());
}

}  // namespace

// `loupe search --format json` without what a merge changes by design: the
// commit counted and each hit's split and internal id.
nlohmann::json Searched(const std::string& db, const std::string& query, const TempDir& tmp) {
  Run r = Loupe("search --db " + db + " --format json -n 100 --facet actor,topic,date:month " + query, tmp);
  REQUIRE(r.code <= 1);
  nlohmann::json j = nlohmann::json::parse(r.out);
  j.erase("generation");
  for (auto& h : j["hits"]) {
    h.erase("split");
    h.erase("doc_id");
  }
  return j;
}

TEST_CASE("loupe merge merges splits of a collection, which searches as before", "[collection]") {
  TempDir tmp;
  const std::string db = tmp.sub("news");
  REQUIRE(Loupe("index -q --db " + db + " --partition month " + kCorpus, tmp).code == 0);
  const std::vector<std::string> queries = {"tariffs", "'trade OR steel'", "'actor:Bessent'",
                                            "'tariffs after:2025-02-15 before:2025-06-01'", "'*'"};
  std::vector<nlohmann::json> before;
  for (const std::string& q : queries) before.push_back(Searched(db, q, tmp));

  Run r = Loupe("merge --db " + db + " 2025-02 2025-03 2025-04 --into spring --format json", tmp);
  REQUIRE(r.code == 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["into"] == "spring");
  CHECK(j["documents"].get<uint64_t>() > 0);
  CHECK(j["splits"].size() == 3);
  auto m = loupe::ReadManifest(db);
  REQUIRE(m.ok());
  CHECK(m->Find("spring"));
  CHECK_FALSE(m->Find("2025-03"));
  CHECK_FALSE(std::filesystem::exists(db + "/splits/2025-03"));
  for (size_t i = 0; i < queries.size(); ++i) {
    INFO(queries[i]);
    CHECK(Searched(db, queries[i], tmp) == before[i]);
  }
  r = Loupe("merge --db " + db + " 2025-05 2025-06 --into early-summer", tmp);
  CHECK(r.code == 0);
  CHECK(r.out.find("merged 2 splits of " + db + " into early-summer: ") == 0);
  CHECK(Loupe("check --db " + db, tmp).code == 0);
  r = Loupe("index -q --db " + db + " " + kCorpus, tmp);
  CHECK(r.out.find("64 unchanged") != std::string::npos);

  r = Loupe("merge --db " + db + " 2025-07 --into x", tmp);
  CHECK(r.code == 2);
  CHECK(r.err.find("at least two splits") != std::string::npos);
  r = Loupe("merge --db " + db + " 2025-07 2025-08", tmp);
  CHECK(r.code == 2);  // no --into
  r = Loupe("merge --db " + db + " 2025-07 2031-01 --into x", tmp);
  CHECK(r.code == 3);
  CHECK(r.err.find("has no split '2031-01' (its splits: ") != std::string::npos);
}

TEST_CASE("loupe convert makes an index a collection and back, and loupe index finds every file unchanged",
          "[collection]") {
  TempDir tmp;
  const std::string db = tmp.sub("news");
  REQUIRE(Loupe("index -q --db " + db + " " + kCorpus, tmp).code == 0);
  const std::vector<std::string> queries = {"tariffs", "'trade OR steel'", "'actor:Bessent'",
                                            "'tariffs after:2025-02-15 before:2025-06-01'", "'*'"};
  std::vector<nlohmann::json> before;
  for (const std::string& q : queries) before.push_back(Searched(db, q, tmp));
  Run r = Loupe("convert --db " + db + " --to collection", tmp);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("converted " + db + " to a collection of one split: 64 documents") == 0);
  CHECK(loupe::ReadManifest(db).ok());
  for (size_t i = 0; i < queries.size(); ++i) CHECK(Searched(db, queries[i], tmp) == before[i]);
  r = Loupe("index -q --db " + db + " " + kCorpus, tmp);
  CHECK(r.out.find("64 unchanged") != std::string::npos);
  CHECK(Loupe("check --db " + db, tmp).code == 0);
  r = Loupe("convert --db " + db + " --to collection", tmp);
  CHECK(r.code == 2);
  r = Loupe("convert --db " + db + " --to index --format json", tmp);
  REQUIRE(r.code == 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  CHECK(j["documents"] == 64);
  CHECK(j["to"] == "index");
  CHECK_FALSE(std::filesystem::exists(db + "/collection.json"));
  for (size_t i = 0; i < queries.size(); ++i) CHECK(Searched(db, queries[i], tmp) == before[i]);
  r = Loupe("index -q --db " + db + " " + kCorpus, tmp);
  CHECK(r.out.find("64 unchanged") != std::string::npos);
  CHECK(Loupe("convert --db " + db + " --to table", tmp).code == 2);

  const std::string col = tmp.sub("col");
  REQUIRE(Loupe("index -q --partition month --db " + col + " " + kCorpus, tmp).code == 0);
  r = Loupe("convert --db " + col + " --to index", tmp);
  CHECK(r.code == 2);
  CHECK(r.err.find("merge them first (loupe merge --db " + col + " 2025-01 ") != std::string::npos);
}

// Two `loupe index` runs on different splits of one collection at once: each
// adds its folder to the collection's list of folders (its "roots" record),
// and neither replaces the other's. LOUPE_TEST_INDEX_BARRIER (a test hook of
// the CLI, tools/cli/cmd_index.cc) holds each run, once it has its folders'
// numbers, until both have them, so that both read the list before either
// commits, every time. Then a run again over each folder, with one of its
// files removed, removes that file's article and nothing of the other folder.
TEST_CASE("two loupe index runs on different years of one collection at once both keep their folders", "[collection]") {
  TempDir tmp;
  const std::string db = tmp.sub("col"), barrier = tmp.sub("barrier");
  auto article = [](const std::string& title, const char* date) {
    return title + "\nDate: " + date + "\n\nA report on the " + title + " talks.\n";
  };
  loupe::test::WriteFile(tmp.sub("seed/s1.txt"), article("Seed", "2023-05-01"));
  for (int i = 1; i <= 3; ++i) {
    const std::string n = std::to_string(i);
    loupe::test::WriteFile(tmp.sub("alpha/a" + n + ".txt"), article("Alpha " + n, ("2024-03-0" + n).c_str()));
    loupe::test::WriteFile(tmp.sub("beta/b" + n + ".txt"), article("Beta " + n, ("2025-07-0" + n).c_str()));
  }
  REQUIRE(Loupe("index -q --no-tagging --partition year --db " + db + " " + tmp.sub("seed"), tmp).code == 0);
  std::filesystem::create_directories(barrier);
  auto index = [&](const std::string& folder) {
    return "LOUPE_TEST_INDEX_BARRIER=" + barrier + " " + loupe::test::Cli() + " index -q --no-tagging --db " + db +
           " " + tmp.sub(folder) + " >" + tmp.sub(folder + ".out") + " 2>" + tmp.sub(folder + ".err") + " </dev/null";
  };
  Run both = loupe::test::RunCommand(
      index("alpha") + " & a=$!; " + index("beta") + " & b=$!; wait $a; ra=$?; wait $b; echo $ra $?", tmp);
  INFO(loupe::test::Slurp(tmp.sub("alpha.err")) << loupe::test::Slurp(tmp.sub("beta.err")));
  REQUIRE(both.out == "0 0\n");
  CHECK(loupe::test::Slurp(tmp.sub("alpha.out")).find("3 added") != std::string::npos);
  CHECK(loupe::test::Slurp(tmp.sub("beta.out")).find("3 added") != std::string::npos);
  {
    auto col = loupe::Index::Open(db);
    REQUIRE(col.ok());
    CHECK((*col)->Stats()->documents == 7);
    auto roots = (*col)->GetMetadata("roots");
    REQUIRE(roots.ok());
    INFO(*roots);
    for (const char* folder : {"seed", "alpha", "beta"})
      CHECK(roots->find(std::filesystem::canonical(tmp.sub(folder)).string()) != std::string::npos);
    CHECK((*col)->GetDocument("alpha/a1.txt").ok());
    CHECK((*col)->GetDocument("beta/b1.txt").ok());
  }
  std::filesystem::remove(tmp.sub("alpha/a2.txt"));
  std::filesystem::remove(tmp.sub("beta/b3.txt"));
  for (const char* folder : {"alpha", "beta"}) {
    Run r = Loupe("index -q --no-tagging --db " + db + " " + tmp.sub(folder), tmp);
    INFO(folder << ": " << r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("(0 added, 0 updated), 2 unchanged, 1 deleted") != std::string::npos);
  }
  auto col = loupe::Index::Open(db);
  REQUIRE(col.ok());
  CHECK((*col)->Stats()->documents == 5);
  for (const char* id : {"s1.txt", "alpha/a1.txt", "alpha/a3.txt", "beta/b1.txt", "beta/b2.txt"})
    CHECK((*col)->GetDocument(id).ok());
  for (const char* id : {"alpha/a2.txt", "beta/b3.txt"}) CHECK((*col)->GetDocument(id).status().IsNotFound());
}
