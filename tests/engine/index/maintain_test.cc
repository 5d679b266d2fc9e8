// Compaction and hot backups.
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "loupe/index.h"
#include "support/index_util.h"
#include "support/test_util.h"
#include "util/calendar.h"

using namespace loupe;
using loupe::test::AddAndCommit;
using loupe::test::CreateIndex;
using loupe::test::TempDir;

namespace {

Document Doc(int i, const std::string& extra = "") {
  Document d;
  d.id = "doc" + std::to_string(i);
  d.title = "Story " + std::to_string(i);
  d.body = "tariffs and talks number " + std::to_string(i) + " " + extra;
  d.date = DaysFromCivil(2025, 1, 1) + i % 300;
  d.actors = {i % 2 ? "Scott Bessent" : "He Lifeng"};
  return d;
}

// Doc(0) .. Doc(n - 1).
std::vector<Document> Docs(int n) {
  std::vector<Document> docs;
  for (int i = 0; i < n; ++i) docs.push_back(Doc(i));
  return docs;
}

std::vector<std::string> Ids(const Index& idx, const Query& q) {
  auto r = idx.Search(q, {.limit = 100000, .sort = SortOrder::kDateAscending});
  REQUIRE(r.ok());
  std::vector<std::string> ids;
  for (const Hit& h : r->hits) ids.push_back(h.document.id);
  return ids;
}

}  // namespace

TEST_CASE("compact drops deleted and replaced versions, keeps documents, metadata and results") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  std::vector<std::string> before_ids, before_bessent;
  {
    auto idx = Index::Open(path, {.create_if_missing = true});
    REQUIRE(idx.ok());
    auto w = (*idx)->NewWriter();
    REQUIRE(w.ok());
    for (int i = 0; i < 600; ++i) REQUIRE((*w)->Add(Doc(i)).ok());
    REQUIRE((*w)->SetMetadata("source:a", "record a").ok());
    REQUIRE((*w)->Commit().ok());
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 600; i += 2) REQUIRE((*w)->Add(Doc(i, "edited " + std::to_string(round))).ok());
      REQUIRE((*w)->Commit().ok());
    }
    for (int i = 1; i < 600; i += 10) REQUIRE((*w)->Delete("doc" + std::to_string(i)).ok());
    REQUIRE((*w)->Commit().ok());
    before_ids = Ids(**idx, Query::All());
    before_bessent = Ids(**idx, Query::Phrase(Field::kActor, {"scott", "bessent"}));
  }
  auto r = CompactIndex(path);
  REQUIRE(r.ok());
  CHECK(r->documents == 540);
  CHECK(r->dropped == 600 + 900 - 540);
  CHECK(r->bytes_after < r->bytes_before);
  CHECK_FALSE(std::filesystem::exists(path + ".compacting"));
  auto idx = Index::Open(path);
  REQUIRE(idx.ok());
  CHECK(Ids(**idx, Query::All()) == before_ids);
  CHECK(Ids(**idx, Query::Phrase(Field::kActor, {"scott", "bessent"})) == before_bessent);
  CHECK(Ids(**idx, Query::Term(Field::kBody, "edit")).size() == 300);
  auto meta = (*idx)->GetMetadata("source:a");
  REQUIRE(meta.ok());
  CHECK(*meta == "record a");
  auto check = (*idx)->Check();
  REQUIRE(check.ok());
  CHECK(check->ok());
  // The compacted index takes writes as before.
  AddAndCommit(**idx, {Doc(9999)});
  CHECK(Ids(**idx, Query::All()).size() == 541);
}

TEST_CASE("compact waits for no one: a running writer makes it fail with the lock message") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  auto idx = CreateIndex(path);
  AddAndCommit(*idx, {Doc(1)});
  // Compaction opens the index itself; LMDB forbids a second open in one
  // process, so the lock is held by a child process here.
  idx.reset();
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto i2 = Index::Open(path);
    if (!i2.ok()) ::_exit(2);
    auto w2 = (*i2)->NewWriter();
    if (!w2.ok()) ::_exit(3);
    ::sleep(2);
    ::_exit(0);
  }
  ::usleep(500000);
  auto r = CompactIndex(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kLocked);
  CHECK(r.status().message().find("index is locked by pid " + std::to_string(child)) != std::string::npos);
  int status;
  ::waitpid(child, &status, 0);
  CHECK(CompactIndex(path).ok());
}

TEST_CASE("backup: a consistent copy while a writer commits, which opens and checks clean") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  auto idx = CreateIndex(path);
  AddAndCommit(*idx, Docs(300));
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  std::atomic<bool> failed{false};
  std::thread writer([&] {  // no Catch2 assertions off the main thread
    auto w = idx->NewWriter();
    if (!w.ok()) return void(failed = true);
    for (int i = 300; !stop; ++i) {
      // Each commit adds ten documents: a copy holds a multiple of ten.
      for (int k = 0; k < 10; ++k)
        if (!(*w)->Add(Doc(i * 10 + k)).ok()) return void(failed = true);
      if (!(*w)->Commit().ok()) return void(failed = true);
      ++commits;
    }
  });
  // Back up while the writer commits: from its first commit on (creating a
  // writer, with its taggers, takes long under a sanitizer), at most a minute.
  for (int waited = 0; commits == 0 && !failed && waited < 6000; ++waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (int b = 0; b < 5; ++b) {
    const std::string dest = dir.sub("backup" + std::to_string(b));
    REQUIRE(idx->Backup(dest).ok());
    // Opening the copy in this process is a second LMDB environment on other
    // files, which is allowed.
    auto copy = Index::Open(dest, {.read_only = true});
    REQUIRE(copy.ok());
    auto st = (*copy)->Stats();
    REQUIRE(st.ok());
    CHECK(st->documents >= 300);
    CHECK(st->documents % 10 == 0);
    auto check = (*copy)->Check();
    REQUIRE(check.ok());
    CHECK(check->ok());
  }
  stop = true;
  writer.join();
  CHECK_FALSE(failed);
  CHECK(commits > 0);
  auto again = idx->Backup(dir.sub("backup0"));
  CHECK(again.code() == StatusCode::kInvalidArgument);
  std::ofstream(dir.sub("file")) << "x";
  CHECK(idx->Backup(dir.sub("file")).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("compaction and backups never delete files that are not the index's") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  {
    auto idx = CreateIndex(path);
    AddAndCommit(*idx, {Doc(1)});
    // A backup into the index folder (which compaction replaces) is refused.
    Status inside = idx->Backup(path + "/bk");
    CHECK(inside.code() == StatusCode::kInvalidArgument);
    CHECK(inside.message().find("inside it") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(path + "/bk"));
    CHECK(idx->Backup(path + ".compacting").code() == StatusCode::kInvalidArgument);
    // Relative destinations too, whether or not their folders exist yet.
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    CHECK(idx->Backup("idx.compacting").code() == StatusCode::kInvalidArgument);
    CHECK(idx->Backup("idx/sub/inner").code() == StatusCode::kInvalidArgument);
    std::filesystem::current_path(cwd);
    CHECK_FALSE(std::filesystem::exists(path + ".compacting"));
  }
  // A file of the user's in the index folder stops compaction.
  std::ofstream(path + "/notes.txt") << "mine";
  auto r = CompactIndex(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("'notes.txt'") != std::string::npos);
  CHECK(std::filesystem::exists(path + "/notes.txt"));
  std::filesystem::remove(path + "/notes.txt");
  // So does a folder in the compaction's place that compaction did not write.
  std::filesystem::create_directories(path + ".compacting");
  std::ofstream(path + ".compacting/keep.txt") << "mine";
  r = CompactIndex(path);
  REQUIRE_FALSE(r.ok());
  CHECK(std::filesystem::exists(path + ".compacting/keep.txt"));
  std::filesystem::remove_all(path + ".compacting");
  CHECK(CompactIndex(path).ok());
}

TEST_CASE("a process that opened the index before another compacted it is told so") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  auto idx = CreateIndex(path);
  AddAndCommit(*idx, {Doc(1)});
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(CompactIndex(path).ok() ? 0 : 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  auto r = idx->Search(Query::All());
  REQUIRE(r.ok());
  REQUIRE(r->warnings.size() == 1);
  CHECK(r->warnings[0].find("by another process") != std::string::npos);
  auto w = idx->NewWriter();
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().message().find("by another process") != std::string::npos);
}

TEST_CASE("opening the index while another process compacts it gives the old index or the new one, never an error") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  AddAndCommit(*CreateIndex(path), Docs(40));
  // Opens are far shorter than compactions, so with a few processes opening
  // without pause (more of them than cores, so they are also preempted at
  // any point of an open), many opens run while the folders are swapped and
  // the old one is deleted. An index may be opened once per process, hence
  // processes rather than threads.
  struct Shared {
    std::atomic<int> stop{0}, opens{0}, failures{0};
    char first_failure[512];
  };
  void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mem != MAP_FAILED);
  auto* shared = new (mem) Shared();
  std::vector<pid_t> openers;
  // Stops and reaps the openers however this test ends (a failed REQUIRE too).
  struct Reap {
    Shared* shared;
    std::vector<pid_t>& openers;
    ~Reap() {
      shared->stop = 1;
      for (pid_t p : openers) ::waitpid(p, nullptr, 0);
    }
  };
  std::optional<Reap> reap;
  reap.emplace(shared, openers);
  for (int p = 0; p < 3; ++p) {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      while (!shared->stop.load()) {
        shared->opens++;
        auto idx = Index::Open(path, {.read_only = true});
        Status s = idx.ok() ? Status::OK() : idx.status();
        if (s.ok()) {
          auto stats = (*idx)->Stats();
          if (!stats.ok())
            s = stats.status();
          else if (stats->documents != 40)
            s = Status::Internal("documents: " + std::to_string(stats->documents));
        }
        if (!s.ok() && shared->failures++ == 0)
          std::snprintf(shared->first_failure, sizeof shared->first_failure, "%s", s.ToString().c_str());
      }
      ::_exit(0);
    }
    openers.push_back(child);
  }
  bool compacted = true;
  for (int i = 0; i < 60; ++i) compacted = compacted && CompactIndex(path).ok();
  reap.reset();
  CHECK(compacted);
  INFO(shared->opens.load() << " opens; the first failure: " << shared->first_failure);
  CHECK(shared->failures.load() == 0);
  CHECK(shared->opens.load() > 0);
  ::munmap(mem, sizeof(Shared));
}
