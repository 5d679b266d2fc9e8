// LMDB's reader table: slots left by reader processes killed while they held
// a snapshot are freed (storage::Env::ClearStaleReaders), so the file does not
// grow with every commit and the table does not fill.
#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <string>

#include "loupe/index.h"
#include "storage/lmdb.h"
#include "support/index_util.h"
#include "support/test_util.h"

using namespace loupe;
using loupe::test::TempDir;

namespace {

Document Doc(int i, int version) {
  Document d;
  d.id = "doc" + std::to_string(i);
  d.title = "Story " + std::to_string(i);
  std::string body;
  for (int k = 0; k < 40; ++k)
    body += "tariff" + std::to_string((i * 7 + k + version) % 97) + " talks" + std::to_string(version % 13) + " ";
  d.body = body;
  return d;
}

// A child process that, once it reads a byte on `go`, opens the index at
// `path` on its own, begins a read transaction (a snapshot), says so on
// `held` and waits to be killed. Forked before the parent opens anything, so
// the child's LMDB handle is its only one.
struct SnapshotHolder {
  pid_t pid = -1;
  int go = -1, held = -1;

  explicit SnapshotHolder(const std::string& path) {
    int to_child[2], from_child[2];
    REQUIRE(::pipe(to_child) == 0);
    REQUIRE(::pipe(from_child) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(to_child[1]);
      ::close(from_child[0]);
      char c;
      if (::read(to_child[0], &c, 1) != 1) ::_exit(1);
      auto env = storage::Env::Open(path, uint64_t{1} << 30, /*read_only=*/true, /*create=*/false);
      if (!env.ok()) ::_exit(2);
      auto txn = storage::Txn::Begin(env->get(), false);
      if (!txn.ok()) ::_exit(3);
      if (::write(from_child[1], "h", 1) != 1) ::_exit(4);
      for (;;) ::pause();
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    go = to_child[1];
    held = from_child[0];
  }

  // Lets the child take its snapshot; returns once it holds it.
  void Hold() {
    REQUIRE(::write(go, "g", 1) == 1);
    char c;
    REQUIRE(::read(held, &c, 1) == 1);
  }

  void Kill() {
    ::kill(pid, SIGKILL);
    int st;
    ::waitpid(pid, &st, 0);
    pid = -1;
  }

  ~SnapshotHolder() {
    if (pid > 0) Kill();
    ::close(go);
    ::close(held);
  }
};

uint64_t FileSize(const std::string& path) { return std::filesystem::file_size(path + "/data.mdb"); }

// The used slots of the reader table of the index at `path` (live and
// stale), as `mdb_stat -r` lists them. Read in a child process with an LMDB
// handle of its own: a second handle in this process would, when closed,
// drop this process's locks on the lock file (an LMDB rule).
int ReaderSlots(const std::string& path) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int slots = -1;
    MDB_env* env = nullptr;
    if (mdb_env_create(&env) == 0) {
      mdb_env_set_maxdbs(env, 16);
      mdb_env_set_maxreaders(env, 512);
      if (mdb_env_open(env, path.c_str(), MDB_RDONLY | MDB_NOTLS, 0644) == 0) {
        slots = 0;
        auto count = [](const char* line, void* ctx) -> int {
          if (std::strstr(line, "(no active readers)") == nullptr && std::strstr(line, "pid") == nullptr)
            ++*static_cast<int*>(ctx);
          return 0;
        };
        mdb_reader_list(env, count, &slots);
      }
    }
    ::_exit(::write(fds[1], &slots, sizeof slots) == sizeof slots ? 0 : 1);
  }
  ::close(fds[1]);
  int slots = -2;
  REQUIRE(::read(fds[0], &slots, sizeof slots) == sizeof slots);
  ::close(fds[0]);
  int st;
  ::waitpid(pid, &st, 0);
  return slots;
}

// Rewrites a 64 KiB metadata value: every commit frees the pages of the
// last one's, which the next commits reuse unless a snapshot pins them (so
// the file keeps its size, where replacing documents would add to it).
void Churn(Writer& w, int v) {
  REQUIRE(w.SetMetadata("churn", std::string(64 << 10, static_cast<char>('a' + v % 26))).ok());
  REQUIRE(w.Commit().ok());
}

}  // namespace

TEST_CASE("a reader killed while holding a snapshot does not make the file grow with every commit") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  SnapshotHolder holder(path);
  auto index = Index::Open(path, {.create_if_missing = true});
  REQUIRE(index.ok());
  auto writer = (*index)->NewWriter();
  REQUIRE(writer.ok());
  for (int i = 0; i < 50; ++i) REQUIRE((*writer)->Add(Doc(i, 0)).ok());
  for (int v = 0; v < 3; ++v) Churn(**writer, v);

  holder.Hold();
  REQUIRE(ReaderSlots(path) == 1);
  // The snapshot the dead reader held is now several commits old.
  for (int v = 3; v < 6; ++v) Churn(**writer, v);
  holder.Kill();
  // This process keeps the lock file in use, so LMDB's reset at open does not
  // apply: the dead reader's slot stays until something frees it.
  const uint64_t before = FileSize(path);
  constexpr int kCommits = 200;
  for (int v = 6; v < 6 + kCommits; ++v) Churn(**writer, v);
  const uint64_t after = FileSize(path);
  INFO("data.mdb " << before << " bytes when the reader was killed, " << after << " after " << kCommits << " commits");
  // Every commit freed the slot first, so the commits reused the pages.
  CHECK(ReaderSlots(path) == 0);
  // Without the freeing, each commit adds the pages it rewrote (measured:
  // 487,424 bytes grew to 18,481,152 over the 200 commits); with it, the
  // file keeps the size it had (487,424 bytes before and after).
  CHECK(after <= before * 2);
}

TEST_CASE("a process that only reads frees a dead reader's slot") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  SnapshotHolder holder(path);
  {
    auto index = Index::Open(path, {.create_if_missing = true});
    REQUIRE(index.ok());
    auto writer = (*index)->NewWriter();
    REQUIRE(writer.ok());
    Churn(**writer, 0);
  }
  auto index = Index::Open(path, {.read_only = true});
  REQUIRE(index.ok());
  holder.Hold();
  holder.Kill();
  REQUIRE(ReaderSlots(path) == 1);
  auto q = Query::Term(Field::kBody, "talks0");
  for (uint64_t i = 0; i < storage::Env::kReaderCheckEvery; ++i) REQUIRE((*index)->Search(q).ok());
  CHECK(ReaderSlots(path) == 0);
}

TEST_CASE("opening an index frees the slots of dead readers") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  SnapshotHolder holder(path);
  SnapshotHolder opener(path);  // keeps the lock file in use after the holder dies
  {
    auto index = Index::Open(path, {.create_if_missing = true});
    REQUIRE(index.ok());
    auto writer = (*index)->NewWriter();
    REQUIRE(writer.ok());
    Churn(**writer, 0);
  }
  opener.Hold();
  holder.Hold();
  holder.Kill();
  // A fresh open in this process (the lock file is in use by `opener`, so
  // LMDB does not reset it) frees the dead holder's slot and keeps the live one.
  auto index = Index::Open(path, {.read_only = true});
  REQUIRE(index.ok());
  CHECK(ReaderSlots(path) == 1);
}
