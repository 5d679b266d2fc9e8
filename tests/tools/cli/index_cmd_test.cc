// Tests of `loupe index` as users run it: ids across folders and runs, files
// that stop giving an article, long paths, interruption, bounded reads, and a
// tree churned at random compared with a clean build.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "loupe/index.h"
#include "loupe/ingest/formats.h"
#include "loupe/query_parser.h"
#include "support/test_util.h"

namespace fs = std::filesystem;

namespace {

using Run = loupe::test::CommandRun;
using loupe::test::Slurp;

// The CLI under test ($LOUPE_TEST_CLI runs these tests against another build).
using loupe::test::Cli;
using loupe::test::RunLoupe;
using loupe::test::WriteFile;

// Every live document of the index at `db`: id -> title + "\n" + body.
std::map<std::string, std::string> Contents(const std::string& db) {
  auto index = loupe::Index::Open(db);
  REQUIRE(index.ok());
  loupe::SearchOptions o;
  o.limit = 1000000;
  auto r = (*index)->Search(loupe::Query::All(), o);
  REQUIRE(r.ok());
  std::map<std::string, std::string> out;
  for (const auto& h : r->hits) out[h.document.id] = h.document.title + "\n" + h.document.body;
  return out;
}

// Two folders, col/2023 and col/2024, each with a budget.txt of its year.
void WriteBudgets(const loupe::test::TempDir& tmp) {
  for (const std::string year : {"2023", "2024"})
    WriteFile(tmp.sub("col/" + year + "/budget.txt"),
              "Budget of " + year + "\n\nThe budget for the year " + year + ".\n");
}

// `loupe index --db <db> <args>`, which must succeed.
Run IndexOk(const loupe::test::TempDir& tmp, const std::string& db, const std::string& args) {
  Run r = RunLoupe("index --db " + db + " " + args, tmp);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  return r;
}

// `n` articles in folders of a thousand under `dir`, each with its number in
// its title and body.
void WriteNews(const std::string& dir, int n) {
  for (int i = 0; i < n; ++i)
    WriteFile(dir + "/" + std::to_string(i / 1000) + "/" + std::to_string(i) + ".txt",
              "Article " + std::to_string(i) + "\n\nThe zanzibar story number " + std::to_string(i) + ".\n");
}

// Sends SIGINT to the indexing run `pid` once it has started adding articles
// (its index at `db` exists).
void InterruptOnceAdding(pid_t pid, const std::string& db) {
  for (int i = 0; i < 2000 && !fs::exists(db + "/data.mdb"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(pid, SIGINT);
}

uint64_t Documents(const std::string& db) {
  auto index = loupe::Index::Open(db);
  REQUIRE(index.ok());
  auto s = (*index)->Stats();
  REQUIRE(s.ok());
  return s->documents;
}

}  // namespace

TEST_CASE("folders given together keep their same-named files apart") {
  loupe::test::TempDir tmp;
  WriteBudgets(tmp);
  const std::string db = tmp.sub("db");
  Run r = IndexOk(tmp, db, tmp.sub("col/2023") + " " + tmp.sub("col/2024"));
  CHECK(r.out.find("2 added") != std::string::npos);
  auto docs = Contents(db);
  REQUIRE(docs.size() == 2);
  CHECK(docs.count("2023/budget.txt"));
  CHECK(docs.count("2024/budget.txt"));
  // Run again: nothing changes, nothing alternates.
  for (int i = 0; i < 2; ++i) {
    r = IndexOk(tmp, db, tmp.sub("col/2023") + " " + tmp.sub("col/2024"));
    CHECK(r.out.find("2 unchanged") != std::string::npos);
    CHECK(Contents(db) == docs);
  }
}

TEST_CASE("folders indexed in separate runs keep their same-named files apart") {
  loupe::test::TempDir tmp;
  WriteBudgets(tmp);
  const std::string db = tmp.sub("db");
  // The first folder of an index keeps the ids relative to it, as before.
  Run r = IndexOk(tmp, db, tmp.sub("col/2023"));
  CHECK(Contents(db).count("budget.txt"));
  r = IndexOk(tmp, db, tmp.sub("col/2024"));
  auto docs = Contents(db);
  REQUIRE(docs.size() == 2);
  CHECK(docs["budget.txt"].find("2023") != std::string::npos);
  CHECK(docs["2024/budget.txt"].find("2024") != std::string::npos);
  r = IndexOk(tmp, db, tmp.sub("col/2023"));
  CHECK(r.out.find("1 unchanged") != std::string::npos);
  CHECK(Contents(db) == docs);
}

TEST_CASE("a folder's label never takes ids the index already has") {
  loupe::test::TempDir tmp;
  // The first folder has files under "2024/", and one "2024-x.txt" sorting
  // before them; a folder named 2024 indexed later must not use "2024/".
  WriteFile(tmp.sub("col/2024-x.txt"), "X\n\nAn article.\n");
  WriteFile(tmp.sub("col/2024/budget.txt"), "Old budget\n\nThe old budget.\n");
  WriteFile(tmp.sub("other/2024/budget.txt"), "New budget\n\nThe new budget.\n");
  const std::string db = tmp.sub("db");
  REQUIRE(RunLoupe("index --db " + db + " " + tmp.sub("col"), tmp).code == 0);
  Run r = IndexOk(tmp, db, tmp.sub("other/2024"));
  auto docs = Contents(db);
  REQUIRE(docs.size() == 3);
  CHECK(docs["2024/budget.txt"].find("Old") != std::string::npos);
  CHECK(docs["2024-2/budget.txt"].find("New") != std::string::npos);
}

TEST_CASE("a file that would take another file's id is reported, never silent") {
  loupe::test::TempDir tmp;
  WriteFile(tmp.sub("a/note.txt"), "First note\n\nThe first note.\n");
  WriteFile(tmp.sub("b/note.txt"), "Second note\n\nThe second note.\n");
  const std::string db = tmp.sub("db");
  // Files given by name are known by their name: two of one name collide.
  Run r = IndexOk(tmp, db, tmp.sub("a/note.txt") + " " + tmp.sub("b/note.txt"));
  CHECK(r.err.find(tmp.sub("b/note.txt")) != std::string::npos);
  CHECK(r.err.find("already") != std::string::npos);
  auto docs = Contents(db);
  REQUIRE(docs.size() == 1);
  CHECK(docs["note.txt"].find("first") != std::string::npos);
  // And across runs.
  r = RunLoupe("index --db " + db + " " + tmp.sub("b/note.txt"), tmp);
  CHECK(r.err.find("already") != std::string::npos);
  CHECK(Contents(db) == docs);
  // The same file again is no collision.
  r = RunLoupe("index --db " + db + " " + tmp.sub("a/note.txt"), tmp);
  CHECK(r.err.find("already") == std::string::npos);
  CHECK(r.out.find("1 unchanged") != std::string::npos);
}

TEST_CASE("a file that becomes empty, blank or binary takes its article with it") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("news");
  for (const char* name : {"empty", "blank", "binary", "kept"})
    WriteFile(dir + "/" + name + ".txt", std::string("Title ") + name + "\n\nThe zanzibar story " + name + ".\n");
  Run r = IndexOk(tmp, db, dir);
  REQUIRE(Documents(db) == 4);
  WriteFile(dir + "/empty.txt", "");
  WriteFile(dir + "/blank.txt", " \n\t\n");
  WriteFile(dir + "/binary.txt", std::string("Title\n\nbinary\0data", 19));
  r = IndexOk(tmp, db, dir);
  auto docs = Contents(db);
  REQUIRE(docs.size() == 1);
  CHECK(docs.count("kept.txt"));
  CHECK(r.out.find("3 deleted") != std::string::npos);
  CHECK(r.out.find("3 articles removed") != std::string::npos);
  // Nothing left behind: a second run has nothing to do.
  r = RunLoupe("index --db " + db + " " + dir, tmp);
  CHECK(r.out.find("0 deleted") != std::string::npos);
  CHECK(r.out.find("removed") == std::string::npos);
}

TEST_CASE("long paths index, and one file never stops a run") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("news");
  std::string deep = dir;
  // About 1,200 bytes below the folder, in folders of 200 bytes.
  for (int i = 0; i < 6; ++i) deep += "/" + std::string(200, static_cast<char>('a' + i));
  WriteFile(deep + "/long.txt", "A deep article\n\nThe zanzibar story told deep down.\n");
  // A file name of 255 bytes (the usual limit), with multi-byte characters.
  std::string name;
  while (name.size() + 2 <= 250) name += "é";
  WriteFile(dir + "/" + name + ".txt", "A long name\n\nThe zanzibar story with a long name.\n");
  WriteFile(dir + "/short.txt", "Short\n\nThe zanzibar story.\n");
  Run r = IndexOk(tmp, db, dir);
  auto docs = Contents(db);
  REQUIRE(docs.size() == 3);
  for (const auto& [id, text] : docs) CHECK(id.size() <= 400);
  // Unchanged on a second run, and each found by its id.
  r = IndexOk(tmp, db, dir);
  CHECK(r.out.find("3 unchanged") != std::string::npos);
  auto index = loupe::Index::Open(db);
  REQUIRE(index.ok());
  for (const auto& [id, text] : docs) CHECK((*index)->GetDocument(id).ok());
  // Deleting the deep file deletes its article.
  fs::remove(deep + "/long.txt");
  r = IndexOk(tmp, db, dir);
  CHECK(Contents(db).size() == 2);
}

TEST_CASE("titles are cut at a word boundary, the whole line stays in the body") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("news");
  std::string line, last;
  for (int i = 0; line.size() < 5000; ++i) last = "word" + std::to_string(i), line += last + " ";
  WriteFile(dir + "/long.txt", line + "\n\nThe body.\n");
  Run r = RunLoupe("index --db " + db + " " + dir, tmp);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.find("title") != std::string::npos);
  auto docs = Contents(db);
  REQUIRE(docs.size() == 1);
  const std::string& text = docs.begin()->second;
  std::string title = text.substr(0, text.find('\n'));
  CHECK(title.size() <= 300);
  CHECK(title.size() > 200);
  // Cut after a whole word.
  CHECK(line.compare(0, title.size() - 3, title.substr(0, title.size() - 3)) == 0);
  CHECK(line[title.size() - 3] == ' ');
  // The last words of the line are still found.
  r = RunLoupe("search --db " + db + " --format json " + last, tmp);
  INFO(r.err);
  CHECK(r.code == 0);
}

TEST_CASE("an interrupted run commits what it read and says so") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("news");
  const int kFiles = 30000;
  WriteNews(dir, kFiles);
  std::string err_file = tmp.sub("err.txt"), out_file = tmp.sub("out.txt");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!std::freopen(out_file.c_str(), "w", stdout) || !std::freopen(err_file.c_str(), "w", stderr)) ::_exit(99);
    ::execl(Cli().c_str(), Cli().c_str(), "index", "--db", db.c_str(), dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(98);
  }
  InterruptOnceAdding(pid, db);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  std::string out = Slurp(out_file), err = Slurp(err_file);
  INFO(out << err);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 130);
  CHECK(err.find("interrupted") != std::string::npos);
  uint64_t kept = Documents(db);
  CHECK(kept < static_cast<uint64_t>(kFiles));
  CHECK(out.find("index " + db + ": " + std::to_string(kept) + " document") != std::string::npos);
  // The next run goes on from there.
  Run r = IndexOk(tmp, db, dir);
  CHECK(r.out.find(std::to_string(kept) + " unchanged") != std::string::npos);
  CHECK(Documents(db) == static_cast<uint64_t>(kFiles));
}

TEST_CASE("a second signal stops the run at once, at its last commit") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("news");
  const int kFiles = 30000;
  WriteNews(dir, kFiles);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) ::_exit(99);
    ::execl(Cli().c_str(), Cli().c_str(), "index", "--commit-every", "64K", "--db", db.c_str(), dir.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(98);
  }
  InterruptOnceAdding(pid, db);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGINT);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  // Ended by the second signal (or, had the first finished its commit already, 130).
  CHECK((WIFSIGNALED(status) ? WTERMSIG(status) == SIGINT : WEXITSTATUS(status) == 130));
  // The index holds its last commit: it checks clean (or, stopped before its
  // first commit, says it was never completely created), and the next run
  // completes it.
  Run r = RunLoupe("check --db " + db, tmp);
  INFO(r.out << r.err);
  CHECK((r.code == 0 || (r.code == 3 && r.err.find("never completely created") != std::string::npos)));
  r = RunLoupe("index -q --db " + db + " " + dir, tmp);
  CHECK(r.code == 0);
  CHECK(Documents(db) == static_cast<uint64_t>(kFiles));
}

TEST_CASE("a tree churned at random indexes to what a clean build gives") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("news");
  std::mt19937 rng(20261205);
  const int kFiles = 24;
  auto path = [&](int i) { return dir + "/" + std::to_string(i % 3) + "/f" + std::to_string(i) + ".txt"; };
  auto article = [&](int i, int version) {
    return "Story " + std::to_string(i) + " v" + std::to_string(version) + "\n\nThe zanzibar story " +
           std::to_string(i) + " in version " + std::to_string(version) + ".\n";
  };
  int version = 0;
  for (int i = 0; i < kFiles; ++i) WriteFile(path(i), article(i, version));
  for (int round = 0; round < 12; ++round) {
    ++version;
    for (int k = 0; k < 6; ++k) {
      int i = static_cast<int>(rng() % kFiles);
      std::error_code ec;
      fs::remove_all(path(i), ec);
      switch (rng() % 7) {
        case 0:
          WriteFile(path(i), article(i, version));
          break;  // rewritten
        case 1:
          WriteFile(path(i), "");
          break;  // emptied
        case 2:
          WriteFile(path(i), "\n \n");
          break;  // blank
        case 3:
          WriteFile(path(i), std::string("bin\0ary", 7));
          break;
        case 4:
          break;  // deleted
        case 5:
          fs::create_directories(path(i));
          break;  // a folder now
        case 6:
          REQUIRE(::mkfifo(path(i).c_str(), 0600) == 0);
          break;
      }
    }
    Run r = RunLoupe("index --db " + db + " " + dir, tmp);
    INFO("round " << round << ": " << r.out << r.err);
    REQUIRE(r.code == 0);
    const std::string clean = tmp.sub("clean" + std::to_string(round));
    Run c = RunLoupe("index --db " + clean + " " + dir, tmp);
    REQUIRE((c.code == 0 || c.code == 2));
    auto want = c.code == 0 ? Contents(clean) : std::map<std::string, std::string>{};
    CHECK(Contents(db) == want);
    fs::remove_all(clean);
  }
}

// Peak memory of one `loupe index` run over many long files: each file's
// analysis is freed before the next (a writer that kept the tokens of the 32
// documents in its queue took over 1.3 GB here). Not run under sanitizers,
// whose own memory would dominate.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST_CASE("many long files are indexed in bounded memory") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("news");
  std::mt19937 rng(7);
  std::vector<std::string> words;
  for (int i = 0; i < 5000; ++i) {
    std::string w;
    for (unsigned n = 3 + rng() % 7; n > 0; --n) w += static_cast<char>('a' + rng() % 26);
    words.push_back(w);
  }
  for (int f = 0; f < 24; ++f) {
    std::string text = "Long file " + std::to_string(f) + "\n\n";
    while (text.size() < (size_t{4} << 20)) text += words[rng() % words.size()] + (rng() % 15 ? " " : ".\n");
    WriteFile(dir + "/f" + std::to_string(f) + ".txt", text);
  }
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!std::freopen("/dev/null", "w", stdout)) ::_exit(99);
    ::execl(Cli().c_str(), Cli().c_str(), "index", "-q", "--db", db.c_str(), dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(98);
  }
  int status = 0;
  struct rusage usage {};
  REQUIRE(::wait4(pid, &status, 0, &usage) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(Documents(db) == 24);
  // 96 MiB of text: bytes read ahead (64 MiB at most), one document analyzed
  // at a time, the writer's batch (spilled past 96 MiB) and the index's pages.
  INFO("peak RSS " << usage.ru_maxrss / 1024 << " MiB");
  CHECK(usage.ru_maxrss < 900 * 1024);
}
#endif

// A full disk ends the run at once (exit 3, the disk-full message), instead of
// reading every remaining file while each write fails. Needs a small file
// system: a 3 MiB tmpfs, mounted when the test may mount (as root).
TEST_CASE("a full disk ends the run") {
  loupe::test::TempDir tmp;
  const std::string mnt = tmp.sub("small"), dir = tmp.sub("news");
  fs::create_directories(mnt);
  loupe::test::ScopedMount mount("-t tmpfs -o size=3m tmpfs", mnt);
  if (!mount.ok()) {
    WARN("cannot mount a small tmpfs here (needs root); the full-disk case of tests/faults/run.sh covers it");
    return;
  }
  std::mt19937 rng(11);
  for (int i = 0; i < 6000; ++i) {
    std::string text = "Article " + std::to_string(i) + "\n\n";
    for (int w = 0; w < 300; ++w) text += "w" + std::to_string(rng() % 40000) + " ";
    WriteFile(dir + "/" + std::to_string(i / 500) + "/" + std::to_string(i) + ".txt", text);
  }
  // Without the fix the run went on for minutes: `timeout` turns that into 124.
  // A small writer memory makes the writer spill to the full disk early.
  Run r = RunLoupe("index -q --writer-memory 1M --db " + mnt + "/db " + dir, tmp, "timeout 120 ");
  INFO(r.out << r.err);
  CHECK(r.code == 3);
  CHECK(r.err.find("disk is full") != std::string::npos);
}

TEST_CASE("a folder with nothing to index is a usage error and leaves no index") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("news");
  WriteFile(dir + "/notes.pdf", "%PDF");
  WriteFile(dir + "/empty.txt", "");
  Run r = RunLoupe("index --db " + db + " " + dir, tmp);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(r.err.find("no articles to index") != std::string::npos);
  CHECK(!fs::exists(db));
  // An empty folder given as --db stays, empty.
  fs::create_directories(db);
  r = RunLoupe("index --db " + db + " " + dir, tmp);
  CHECK(r.code == 2);
  CHECK(fs::is_empty(db));
  fs::remove(db);
  // Given to an existing index, the same folder is an ordinary run.
  WriteFile(dir + "/a.txt", "A\n\nAn article.\n");
  REQUIRE(RunLoupe("index --db " + db + " " + dir, tmp).code == 0);
  fs::remove(dir + "/a.txt");
  r = RunLoupe("index --db " + db + " " + dir, tmp);
  CHECK(r.code == 0);
  CHECK(Documents(db) == 0);
}

TEST_CASE("max-size holds while a file is read") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db");
  // A file whose size, as the walk sees it, is 0 but which reads as several
  // KiB: the run's own /proc/self/smaps, through a link given as a PATH.
  const std::string link = tmp.sub("grows.txt");
  REQUIRE(::symlink("/proc/self/smaps", link.c_str()) == 0);
  WriteFile(tmp.sub("ok.txt"), "Fine\n\nA fine article.\n");
  Run r = RunLoupe("index --max-size 1K --db " + db + " " + link + " " + tmp.sub("ok.txt"), tmp);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.find("grew over --max-size") != std::string::npos);
  CHECK(Documents(db) == 1);
}

TEST_CASE("an article id given by two files is never replaced silently, nor deleted with the other file") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("feeds");
  WriteFile(dir + "/a.jsonl", R"({"id": "x1", "title": "From A", "body": "The first feed's story."})"
                              "\n"
                              R"({"id": "a2", "title": "Only A", "body": "Another story."})"
                              "\n");
  WriteFile(dir + "/b.jsonl", R"({"id": "x1", "title": "From B", "body": "The second feed's story."})"
                              "\n");
  Run r = IndexOk(tmp, db, dir);
  CHECK(r.err.find("article id 'x1' is also given by 'a.jsonl'") != std::string::npos);
  auto docs = Contents(db);
  REQUIRE(docs.size() == 2);
  CHECK(docs["x1"].find("From B") == 0);
  // The file that lost the id is deleted: the other file's article stays, as
  // a clean build of the tree gives.
  fs::remove(dir + "/a.jsonl");
  r = IndexOk(tmp, db, dir);
  docs = Contents(db);
  CHECK(docs.size() == 1);
  CHECK(docs["x1"].find("From B") == 0);
}

TEST_CASE("ids given by files of earlier runs, and passed on from file to file, are each told once") {
  loupe::test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("feeds");
  // More ids than the owners' table first holds (it grows), in an earlier run.
  std::string a;
  for (int i = 0; i < 2000; ++i)
    a += R"({"id": "x)" + std::to_string(i) + R"(", "title": "From A", "body": "Story )" + std::to_string(i) + "\"}\n";
  WriteFile(dir + "/a.jsonl", a);
  Run r = IndexOk(tmp, db, dir);
  CHECK(r.err.find("also given by") == std::string::npos);
  WriteFile(dir + "/b.jsonl", R"({"id": "x1500", "title": "From B", "body": "B's story."})"
                              "\n");
  WriteFile(dir + "/c.jsonl", R"({"id": "x1500", "title": "From C", "body": "C's story."})"
                              "\n"
                              R"({"id": "c1", "title": "Only C", "body": "C alone."})"
                              "\n");
  r = IndexOk(tmp, db, dir);
  INFO(r.err);
  // b.jsonl takes x1500 from the earlier run's a.jsonl, then c.jsonl from b.jsonl.
  CHECK(r.err.find("article id 'x1500' is also given by 'a.jsonl'") != std::string::npos);
  CHECK(r.err.find("article id 'x1500' is also given by 'b.jsonl'") != std::string::npos);
  CHECK(r.err.find("is also given by 'c.jsonl'") == std::string::npos);
  auto docs = Contents(db);
  CHECK(docs.size() == 2001);
  CHECK(docs["x1500"].find("From C") == 0);
  CHECK(docs["x7"].find("From A") == 0);
  // Neither file that lost it takes it away when deleted.
  fs::remove(dir + "/a.jsonl");
  fs::remove(dir + "/b.jsonl");
  r = IndexOk(tmp, db, dir);
  docs = Contents(db);
  CHECK(docs.size() == 2);
  CHECK(docs["x1500"].find("From C") == 0);
}

TEST_CASE("the seed article alone in an empty folder is tagged with no set-up") {
  loupe::test::TempDir tmp;
  const std::string folder = tmp.sub("news"), db = tmp.sub("db");
  fs::create_directories(folder);
  fs::copy_file(std::string(LOUPE_SOURCE_DIR) + "/tests/data/seed/madrid-trade-talks.txt",
                folder + "/madrid-trade-talks.txt");
  Run r = IndexOk(tmp, db, folder);
  CHECK(r.err.empty());  // the header block after the blank line is read, with no warning
  for (const char* q : {"actor:Bessent AND topic:tariffs", "author:BenCham", "actor:\"He Lifeng\" AND topic:TikTok",
                        "mentions:\"Li Chenggang\"", "actor:Bessent AND topic:tariffs before:2025-09-17"}) {
    INFO(q);
    // The seed is undated: the date filter must not find it; the others must.
    const bool dated = std::string(q).find("before:") != std::string::npos;
    Run s = RunLoupe("search --db " + db + " --format json '" + std::string(q) + "'", tmp);
    INFO(s.out << s.err);
    CHECK(s.code == (dated ? 1 : 0));
    if (!dated) CHECK(s.out.find("\"madrid-trade-talks.txt\"") != std::string::npos);
  }
  Run show = RunLoupe("show --db " + db + " madrid-trade-talks.txt", tmp);
  INFO(show.out);
  CHECK(show.out.find("Author: Shanghai BenCham\n") != std::string::npos);
  CHECK(show.out.find("Actors-Detected: Scott Bessent; He Lifeng; Jamieson Greer; Li Chenggang") != std::string::npos);
  Run stats = RunLoupe("stats --db " + db, tmp);
  INFO(stats.out);
  CHECK(stats.out.find("gazetteer:      built-in (") != std::string::npos);
  CHECK(stats.out.find("topics:         built-in (") != std::string::npos);
}

TEST_CASE("a program linking the library and the CLI give the same actor: answers") {
  // The seed, four Chinese articles that declare the actors by their Chinese
  // names, and two English ones; no gazetteer of their own.
  loupe::test::TempDir tmp;
  const std::string folder = tmp.sub("news"), cli_db = tmp.sub("cli"), lib_db = tmp.sub("lib");
  const std::string src = std::string(LOUPE_SOURCE_DIR);
  std::vector<std::string> files = {src + "/tests/data/seed/madrid-trade-talks.txt"};
  for (const char* name :
       {"a23-rineiwa-huitan-zh.txt", "a30-lundun-huitan-zh.txt", "b14-madrid-talks-zh.txt", "b27-busan-meeting-zh.txt",
        "a15-trump-pauses-tariffs-raises-china-to-125.txt", "b11-india-faces-50-percent-tariff.txt"})
    files.push_back(src + "/corpus/articles/" + name);
  // In the order of their names, as the CLI adds them (ties in score are
  // ranked by the order documents were added).
  std::sort(files.begin(), files.end(),
            [](const std::string& x, const std::string& y) { return fs::path(x).filename() < fs::path(y).filename(); });
  fs::create_directories(folder);
  for (const std::string& f : files) fs::copy_file(f, folder + "/" + fs::path(f).filename().string());

  Run r = RunLoupe("index --db " + cli_db + " " + folder, tmp);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  {
    // The library as a program uses it: read, Add, Commit; no tagger by hand.
    auto index = loupe::Index::Open(lib_db, {.create_if_missing = true});
    REQUIRE(index.ok());
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    for (const std::string& f : files) {
      const std::string name = fs::path(f).filename().string();
      auto parsed = loupe::ingest::ParseFile(Slurp(f), loupe::ingest::Format::kText, name, f).value();
      for (const loupe::Document& d : parsed.docs) REQUIRE((*w)->Add(d).ok());
    }
    REQUIRE((*w)->Commit().ok());
  }
  auto lib = loupe::Index::Open(lib_db, {.read_only = true});
  REQUIRE(lib.ok());
  for (const char* q : {"actor:Bessent", "actor:\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9",  // 贝森特
                        "actor:\"He Lifeng\" AND topic:tariffs", "actor:Bessent AND topic:tariffs",
                        "actor:\"Scott Bessent\" OR actor:\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0"}) {  // 何立峰
    INFO(q);
    Run s = RunLoupe("search --db " + cli_db + " --format json --limit 100 '" + std::string(q) + "'", tmp);
    INFO(s.out << s.err);
    REQUIRE(s.code == 0);
    auto cli = nlohmann::json::parse(s.out);
    auto compiled = loupe::CompileQuery(q, **lib);
    REQUIRE(compiled.ok());
    auto found = (*lib)->Search(*compiled, {.limit = 100});
    REQUIRE(found.ok());
    REQUIRE(found->total == cli["total"].get<uint64_t>());
    REQUIRE(found->hits.size() == cli["hits"].size());
    CHECK(found->total >= 2);
    for (size_t i = 0; i < found->hits.size(); ++i) {
      CHECK(found->hits[i].document.id == cli["hits"][i]["id"].get<std::string>());
      CHECK(found->hits[i].score == Approx(cli["hits"][i]["score"].get<double>()).epsilon(1e-6));
    }
  }
}

TEST_CASE("gazetteer precedence: option, folder, index, built-in; --no-tagging turns tagging off") {
  loupe::test::TempDir tmp;
  const std::string folder = tmp.sub("news"), db = tmp.sub("db");
  WriteFile(folder + "/a.txt", "Zorblat Visits\n\nMinister Quentin Zorblat and Scott Bessent met Kim Pell.\n");
  auto actors = [&]() {
    Run s = RunLoupe("show --db " + db + " a.txt", tmp);
    size_t at = s.out.find("Actors-Detected: ");
    if (at == std::string::npos) return std::string();
    return s.out.substr(at + 17, s.out.find('\n', at) - at - 17);
  };
  // Built-in: Bessent is known, Zorblat is a candidate.
  Run r = IndexOk(tmp, db, folder + " --report-candidates");
  CHECK(actors() == "Scott Bessent");
  CHECK(r.out.find("\nQuentin Zorblat | person  # 1 article\n") != std::string::npos);
  // The candidate lines paste into a gazetteer: a folder's own file wins over the built-in one.
  const std::string line = "Quentin Zorblat | person  # 1 article\nKim Pell | person | Pell\n";
  WriteFile(folder + "/actors.gazetteer", line);
  r = IndexOk(tmp, db, folder);
  CHECK(r.out.find("1 updated") != std::string::npos);  // re-tagged
  CHECK(actors() == "Quentin Zorblat; Kim Pell");
  // Without the folder's file, the index keeps what it was tagged with.
  fs::remove(folder + "/actors.gazetteer");
  r = IndexOk(tmp, db, folder);
  CHECK(r.out.find("1 unchanged") != std::string::npos);
  CHECK(actors() == "Quentin Zorblat; Kim Pell");
  Run stats = RunLoupe("stats --db " + db + " --format json", tmp);
  CHECK(stats.out.find("\"from\": \"" + folder + "/actors.gazetteer\"") != std::string::npos);
  CHECK(stats.out.find("\"actors\": 2") != std::string::npos);
  // An option wins over everything.
  WriteFile(tmp.sub("other.gazetteer"), "Kim Pell | person\n");
  r = RunLoupe("index --db " + db + " --gazetteer " + tmp.sub("other.gazetteer") + " " + folder, tmp);
  REQUIRE(r.code == 0);
  CHECK(actors() == "Kim Pell");
  // --no-tagging: nothing detected, and a later run without it tags with the built-in data again.
  r = RunLoupe("index --db " + db + " --no-tagging " + folder, tmp);
  REQUIRE(r.code == 0);
  CHECK(actors().empty());
  stats = RunLoupe("stats --db " + db, tmp);
  CHECK(stats.out.find("gazetteer:      none (--no-tagging)\n") != std::string::npos);
  r = IndexOk(tmp, db, folder);
  CHECK(actors() == "Scott Bessent");
  // --no-tagging with a gazetteer is a usage error.
  r = RunLoupe("index --db " + db + " --no-tagging --gazetteer " + tmp.sub("other.gazetteer") + " " + folder, tmp);
  CHECK(r.code == 2);
}

namespace {

// A JSON-lines file of `n` short articles, some with an "id" and some
// without (their ids then come from their line numbers), with a line that is
// not JSON at line `bad` (0: none) and `edited` marking the article of line
// `edit` (0: none).
std::string NewsLines(int n, int bad = 0, int edit = 0) {
  std::string out;
  for (int i = 1; i <= n; ++i) {
    if (i == bad) {
      out += "{oops\n";
      continue;
    }
    const std::string k = std::to_string(i);
    out += "{" + std::string(i % 3 == 0 ? "\"id\": \"story-" + k + "\", " : "") + "\"title\": \"Story " + k +
           "\", \"body\": \"The quokka number " + k + (i == edit ? " was edited" : "") + " hops.\"}\n";
  }
  return out;
}

// Ids, titles and bodies of the index at `db`, as `loupe show` gives them for `ids`.
std::string Shown(const loupe::test::TempDir& tmp, const std::string& db, const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    Run r = RunLoupe("show --db " + db + " '" + id + "'", tmp);
    out += std::to_string(r.code) + ":" + r.out;
  }
  return out;
}

}  // namespace

TEST_CASE("a JSON-lines file over --max-size is read line by line, the same as read whole") {
  loupe::test::TempDir tmp;
  const std::string dir = tmp.sub("feed"), file = dir + "/big.jsonl";
  const int n = 4000;  // about 280 KB: several parts of a file read in parts at --max-size 4K
  WriteFile(file, NewsLines(n, /*bad=*/3001));
  Run parts = IndexOk(tmp, tmp.sub("db-parts"), "--max-size 4K " + dir);
  Run whole = IndexOk(tmp, tmp.sub("db-whole"), "--max-size 64M " + dir);
  INFO(parts.out << parts.err);
  CHECK(parts.out.find("1 added") != std::string::npos);
  CHECK(parts.err.find("big.jsonl: line 3001: not valid JSON; skipped") != std::string::npos);
  CHECK(parts.err.find("over --max-size") == std::string::npos);
  CHECK(Documents(tmp.sub("db-parts")) == n - 1);
  auto docs = Contents(tmp.sub("db-parts"));
  CHECK(docs == Contents(tmp.sub("db-whole")));
  CHECK(docs.count("feed/big.jsonl#1") + docs.count("big.jsonl#1") == 1);
  CHECK(docs.count("story-3999") == 1);
  const std::vector<std::string> ids = {"big.jsonl#3998", "story-3999", "big.jsonl#4000", "big.jsonl#1"};
  CHECK(Shown(tmp, tmp.sub("db-parts"), ids) == Shown(tmp, tmp.sub("db-whole"), ids));
  Run s = RunLoupe("search --db " + tmp.sub("db-parts") + " --format json 'quokka 3999'", tmp);
  CHECK(s.out.find("story-3999") != std::string::npos);
}

TEST_CASE("a JSON-lines line over --max-size is skipped with a warning; the other lines are read") {
  loupe::test::TempDir tmp;
  const std::string dir = tmp.sub("feed"), db = tmp.sub("db");
  std::string text = NewsLines(3000);
  // Line 1501 becomes a 10,000-byte article.
  size_t at = 0;
  for (int i = 0; i < 1500; ++i) at = text.find('\n', at) + 1;
  const std::string long_line = "{\"title\": \"Long\", \"body\": \"" + std::string(10000, 'x') + "\"}";
  text.insert(at, long_line + "\n");
  WriteFile(dir + "/long.jsonl", text);
  Run r = IndexOk(tmp, db, "--max-size 4K " + dir);
  INFO(r.out << r.err);
  CHECK(r.err.find("long.jsonl: line 1501: " + std::to_string(long_line.size()) +
                   " bytes, over --max-size 4 KiB: not read (a larger --max-size reads it)") != std::string::npos);
  CHECK(Documents(db) == 3000);
  auto docs = Contents(db);
  CHECK(docs.count("long.jsonl#1499") == 1);
  CHECK(docs.count("long.jsonl#1502") == 1);  // the article of line 1501 before the long one was inserted
  CHECK(docs.count("long.jsonl#1501") == 0);
}

TEST_CASE("a big JSON-lines file read again: unchanged, touched, then one line edited") {
  loupe::test::TempDir tmp;
  const std::string dir = tmp.sub("feed"), db = tmp.sub("db"), file = dir + "/big.jsonl";
  const int n = 4000;
  WriteFile(file, NewsLines(n));
  IndexOk(tmp, db, "--max-size 4K " + dir);
  Run again = IndexOk(tmp, db, "--max-size 4K " + dir);
  CHECK(again.out.find("0 added, 0 updated), 1 unchanged") != std::string::npos);
  // Touched: the same bytes with a new modification time are not indexed again.
  auto before = Contents(db);
  const auto now = fs::last_write_time(file);
  fs::last_write_time(file, now + std::chrono::seconds(5));
  Run touched = IndexOk(tmp, db, "--max-size 4K " + dir);
  INFO(touched.out << touched.err);
  CHECK(touched.out.find("0 added, 0 updated), 1 unchanged") != std::string::npos);
  CHECK(Contents(db) == before);
  // One line edited: the same index as a fresh read of the new file.
  WriteFile(file, NewsLines(n, 0, /*edit=*/2500));
  Run edited = IndexOk(tmp, db, "--max-size 4K " + dir);
  INFO(edited.out << edited.err);
  CHECK(edited.out.find("0 added, 1 updated)") != std::string::npos);
  IndexOk(tmp, tmp.sub("db-fresh"), "--max-size 64M " + dir);
  auto docs = Contents(db);
  CHECK(docs.size() == static_cast<size_t>(n));
  CHECK(docs == Contents(tmp.sub("db-fresh")));
  CHECK(docs["big.jsonl#2500"].find("was edited") != std::string::npos);
  CHECK(Documents(db) == static_cast<uint64_t>(n));
}

TEST_CASE("a file's record lists its article ids front-coded, and a record with them whole is still read") {
  loupe::test::TempDir tmp;
  const std::string dir = tmp.sub("feed"), db = tmp.sub("db"), file = dir + "/f.jsonl";
  WriteFile(file, NewsLines(30));
  IndexOk(tmp, db, dir);
  std::string record;
  {
    auto index = loupe::Index::Open(db);
    REQUIRE(index.ok());
    auto v = (*index)->GetMetadata("source:f.jsonl");
    REQUIRE(v.ok());
    record = *v;
  }
  // Flags (4: front-coded), then varints of the size, the modification time
  // and the root, the 8-byte hash, the count of ids, and the ids.
  REQUIRE(!record.empty());
  CHECK(record[0] == 4);
  std::string_view in(record);
  in.remove_prefix(1);
  auto varint = [&in]() {
    uint64_t v = 0;
    for (int shift = 0; !in.empty(); shift += 7) {
      const uint8_t b = static_cast<uint8_t>(in[0]);
      in.remove_prefix(1);
      v |= uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  };
  varint(), varint(), varint();
  in.remove_prefix(8);
  const std::string head = record.substr(1, record.size() - in.size() - 1);
  REQUIRE(varint() == 30);
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    const uint64_t shared = varint(), rest = varint();
    REQUIRE(shared <= (ids.empty() ? 0 : ids.back().size()));
    REQUIRE(rest <= in.size());
    ids.push_back((ids.empty() ? std::string() : ids.back().substr(0, shared)) + std::string(in.substr(0, rest)));
    in.remove_prefix(rest);
  }
  CHECK(in.empty());
  std::vector<std::string> expected;
  for (const auto& [id, text] : Contents(db)) expected.push_back(id);
  std::vector<std::string> sorted_ids = ids;
  std::sort(sorted_ids.begin(), sorted_ids.end());
  CHECK(sorted_ids == expected);
  CHECK(ids[1] == "f.jsonl#2");

  // The same record as versions before front coding wrote it: flag 4 off,
  // each id whole and length-prefixed.
  std::string old_record(1, '\0');
  old_record += head;
  old_record.push_back(30);
  for (const std::string& id : ids) {
    old_record.push_back(static_cast<char>(id.size()));
    old_record += id;
  }
  // "f.jsonl#" written once after each id that shares it, not 20 times
  CHECK(record.size() + 50 < old_record.size());
  {
    auto index = loupe::Index::Open(db);
    REQUIRE(index.ok());
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->SetMetadata("source:f.jsonl", old_record).ok());
    REQUIRE((*w)->Commit().ok());
  }
  Run again = IndexOk(tmp, db, dir);
  CHECK(again.out.find("1 unchanged") != std::string::npos);
  // The file loses its last five lines: the record's list tells which
  // articles went, and they are deleted.
  WriteFile(file, NewsLines(25));
  Run shorter = IndexOk(tmp, db, dir);
  INFO(shorter.out << shorter.err);
  CHECK(shorter.out.find("5 articles removed") != std::string::npos);
  CHECK(Documents(db) == 25);
  IndexOk(tmp, tmp.sub("db-fresh"), dir);
  CHECK(Contents(db) == Contents(tmp.sub("db-fresh")));
}

TEST_CASE("a JSON-lines file with CR LF line ends and a BOM reads the same in parts as whole") {
  loupe::test::TempDir tmp;
  for (const std::string end : {"\r\n"}) {
    const std::string dir = tmp.sub(end == "\r" ? "cr" : "crlf");
    std::string text = "\xEF\xBB\xBF";  // a BOM, read only at the start
    const std::string lines = NewsLines(3000, /*bad=*/2999);
    for (char c : lines) text += c == '\n' ? end : std::string(1, c);
    WriteFile(dir + "/big.jsonl", text);
    const std::string db = tmp.sub(end == "\r" ? "db-cr" : "db-crlf");
    Run parts = IndexOk(tmp, db + "-parts", "--max-size 4K " + dir);
    IndexOk(tmp, db + "-whole", "--max-size 64M " + dir);
    INFO(parts.err);
    CHECK(parts.err.find("big.jsonl: line 2999: not valid JSON; skipped") != std::string::npos);
    auto docs = Contents(db + "-parts");
    CHECK(docs.size() == 2999);
    CHECK(docs == Contents(db + "-whole"));
  }
}

TEST_CASE("a JSON-lines file stopped between its parts is read again to what a clean build gives") {
  loupe::test::TempDir tmp;
  const std::string dir = tmp.sub("feed"), db = tmp.sub("db"), file = dir + "/big.jsonl";
  const int n = 30000;
  WriteFile(file, NewsLines(n));
  IndexOk(tmp, db, "-q --max-size 4K " + dir);
  // The file loses its last 5,000 lines and one is edited; the run that reads
  // it commits between its parts and is stopped.
  WriteFile(file, NewsLines(n - 5000, 0, /*edit=*/7));
  // The index exists already: the run is stopped once it has committed (its
  // data file changed), so its SIGINT handler is surely in place (a slow
  // start, as under a sanitizer, would otherwise meet the default action).
  const auto committed_before = fs::last_write_time(db + "/data.mdb");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) ::_exit(99);
    ::execl(Cli().c_str(), Cli().c_str(), "index", "--max-size", "4K", "--commit-every", "64K", "--db", db.c_str(),
            dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(98);
  }
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 60000 && (done = ::waitpid(pid, &status, WNOHANG)) == 0 &&
                  fs::last_write_time(db + "/data.mdb") == committed_before;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (done == 0) {
    ::kill(pid, SIGINT);
    REQUIRE(::waitpid(pid, &status, 0) == pid);
  }
  INFO("wait status " << status);
  CHECK((WIFEXITED(status) && (WEXITSTATUS(status) == 130 || WEXITSTATUS(status) == 0)));
  // The next run reads the file again, whatever the stopped run committed.
  Run r = IndexOk(tmp, db, "-q --max-size 4K " + dir);
  IndexOk(tmp, tmp.sub("db-clean"), "-q --max-size 4K " + dir);
  auto docs = Contents(db);
  CHECK(docs.size() == static_cast<size_t>(n - 5000));
  CHECK(docs == Contents(tmp.sub("db-clean")));
  CHECK(docs["big.jsonl#7"].find("was edited") != std::string::npos);
  // And the run after changes nothing.
  r = IndexOk(tmp, db, "--max-size 4K " + dir);
  CHECK(r.out.find("0 added, 0 updated), 1 unchanged") != std::string::npos);
}
