// An index searched by a user who may read it but not write to its folder
// (another user's index, read-only media): the read-only commands open it
// without LMDB's lock file, and writers are refused with a clear message.
//
// Needs root (to build the index as one user and read it as another, `nobody`)
// and setpriv (util-linux); skipped otherwise. CI runs as root.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "loupe/index.h"
#include "support/test_util.h"

namespace {

namespace fs = std::filesystem;
using Run = loupe::test::CommandRun;

using loupe::test::ShellQuote;

// Why the test cannot run here ("" if it can).
std::string CannotRun() {
  if (::geteuid() != 0) return "not root: cannot build an index as one user and read it as another";
  if (std::system("command -v setpriv >/dev/null 2>&1") != 0) return "setpriv (util-linux) is not installed";
  if (!::getpwnam("nobody") || !::getgrnam("nogroup")) return "no user nobody or group nogroup";
  return "";
}

class ReadOnlyFixture {
 public:
  ReadOnlyFixture() {
    // TempDir is created 0700; the other user must be able to reach the index.
    ::chmod(tmp_.path().c_str(), 0755);
    db_ = tmp_.sub("db");
    Run r = AsRoot("index -q --db " + db_ + " " + std::string(LOUPE_SOURCE_DIR) + "/corpus");
    INFO(r.err);
    REQUIRE(r.code == 0);
    // What the owner sees, to compare with what the other user sees.
    Run first = AsRoot("search --db " + db_ + " --format json -n 1 tariffs");
    REQUIRE(first.code == 0);
    first_hit_ = first.out;
    id_ = nlohmann::json::parse(first.out)["hits"][0]["id"].get<std::string>();
    Run stats = AsRoot("stats --db " + db_ + " --format json");
    REQUIRE(stats.code == 0);
    documents_ = nlohmann::json::parse(stats.out)["documents"].get<uint64_t>();
    REQUIRE(documents_ > 0);
    // Everyone may read the index, only its owner may write.
    ::chmod(db_.c_str(), 0755);
    for (const auto& entry : fs::directory_iterator(db_)) ::chmod(entry.path().c_str(), 0644);
    out_ = tmp_.sub("out");
    fs::create_directories(out_);
    ::chmod(out_.c_str(), 0777);
    // The other user may not reach the build tree: it runs a copy of the CLI.
    REQUIRE(nobody_.why_not().empty());
  }
  Run AsRoot(const std::string& args) { return loupe::test::RunLoupe(args, tmp_); }
  // `loupe ARGS` run as nobody, who may not write to the index folder.
  Run AsNobody(const std::string& args) { return nobody_(args); }
  const std::string& db() const { return db_; }
  const std::string& out() const { return out_; }
  const std::string& id() const { return id_; }
  const std::string& first_hit() const { return first_hit_; }
  uint64_t documents() const { return documents_; }

 private:
  loupe::test::TempDir tmp_;
  loupe::test::Unprivileged nobody_{tmp_};
  std::string db_, out_, id_, first_hit_;
  uint64_t documents_ = 0;
};

// Runs every read-only command as nobody and checks each works.
void ReadEverything(ReadOnlyFixture& f, const std::string& backup_name) {
  const std::string& id = f.id();

  Run search = f.AsNobody("search --db " + f.db() + " --format json -n 1 tariffs");
  INFO(search.err);
  CHECK(search.code == 0);
  CHECK(search.out == f.first_hit());

  Run stats = f.AsNobody("stats --db " + f.db() + " --format json");
  INFO(stats.err);
  CHECK(stats.code == 0);
  if (stats.code == 0) CHECK(nlohmann::json::parse(stats.out)["documents"].get<uint64_t>() == f.documents());
  if (stats.code == 0) CHECK(nlohmann::json::parse(stats.out).value("unlocked", false));
  // The text says what the open gave up.
  Run text = f.AsNobody("stats --db " + f.db());
  CHECK(text.out.find("lock file:      not writable; opened without it (no writer may run meanwhile)\n") !=
        std::string::npos);

  Run show = f.AsNobody("show --db " + f.db() + " " + ShellQuote(id));
  INFO(show.err);
  CHECK(show.code == 0);

  Run check = f.AsNobody("check --db " + f.db());
  INFO(check.err);
  CHECK(check.code == 0);

  Run explain = f.AsNobody("explain --db " + f.db() + " --doc " + ShellQuote(id) + " tariffs");
  INFO(explain.err);
  CHECK(explain.code == 0);

  Run timeline = f.AsNobody("timeline --db " + f.db() + " --by year tariffs");
  INFO(timeline.err);
  CHECK(timeline.code == 0);

  const std::string copy = f.out() + "/" + backup_name;
  Run backup = f.AsNobody("backup --db " + f.db() + " " + copy);
  INFO(backup.err);
  CHECK(backup.code == 0);
  CHECK(fs::exists(copy + "/data.mdb"));
  // The copy is in a folder the user may write: it opens as usual, with its lock file.
  Run copy_stats = f.AsNobody("stats --db " + copy);
  CHECK(copy_stats.code == 0);
  CHECK(copy_stats.out.find("lock file:") == std::string::npos);
}

}  // namespace

TEST_CASE("a user who cannot write to the index folder searches, checks and backs it up") {
  if (std::string why = CannotRun(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  ReadOnlyFixture f;
  REQUIRE(fs::exists(f.db() + "/lock.mdb"));
  ReadEverything(f, "with-lock");
  // The owner's open has its lock file, and stats says nothing of it.
  CHECK(f.AsRoot("stats --db " + f.db()).out.find("lock file:") == std::string::npos);
}

TEST_CASE("an index without its lock file in a folder the user cannot write is read without one") {
  if (std::string why = CannotRun(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  ReadOnlyFixture f;
  fs::remove(f.db() + "/lock.mdb");
  ReadEverything(f, "without-lock");
  // Nothing was created in the index folder.
  CHECK_FALSE(fs::exists(f.db() + "/lock.mdb"));
}

TEST_CASE("Index::Open read-only in a process that cannot write to the index folder") {
  if (std::string why = CannotRun(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  ReadOnlyFixture f;
  const uint64_t documents = f.documents();
  {
    // The owner opens it with its lock file.
    auto index = loupe::Index::Open(f.db(), {.read_only = true});
    REQUIRE(index.ok());
    auto stats = (*index)->Stats();
    REQUIRE(stats.ok());
    CHECK_FALSE(stats->unlocked);
  }
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child drops to nobody and reports by its exit status.
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    auto index = loupe::Index::Open(f.db(), {.read_only = true});
    if (!index.ok()) ::_exit(11);
    auto stats = (*index)->Stats();
    if (!stats.ok() || stats->documents != documents) ::_exit(12);
    if (!stats->unlocked) ::_exit(13);
    if ((*index)->NewWriter().ok()) ::_exit(14);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a writer that may not write to the index folder is refused with what to do") {
  if (std::string why = CannotRun(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  ReadOnlyFixture f;
  // An article the other user may read (the source tree may be closed to it).
  const std::string news = f.out() + "/news";
  fs::create_directories(news);
  { std::ofstream(news + "/a.txt") << "Tariffs Rise\n\nTariffs rose again.\n"; }
  ::chmod(news.c_str(), 0755);
  ::chmod((news + "/a.txt").c_str(), 0644);
  Run r = f.AsNobody("index -q --db " + f.db() + " " + news);
  INFO(r.err);
  CHECK(r.code == 3);
  CHECK(r.err.find("cannot write to " + f.db() + ": permission denied") != std::string::npos);
}

TEST_CASE("an index on a read-only file system is read without its lock file") {
  if (std::string why = CannotRun(); !why.empty()) {
    WARN("skipped: " << why);
    return;
  }
  ReadOnlyFixture f;
  fs::remove(f.db() + "/lock.mdb");
  // A read-only view of the index folder, as read-only media give.
  const std::string view = f.out() + "/view";
  fs::create_directories(view);
  loupe::test::ScopedMount mount("--bind -o ro " + f.db(), view);
  if (!mount.ok()) {
    WARN("skipped: cannot bind-mount a read-only view here (no mount permission)");
    return;
  }
  // Even root, who may write any file, may not write there.
  Run stats = f.AsRoot("stats --db " + view);
  INFO(stats.err);
  CHECK(stats.code == 0);
  CHECK(stats.out.find("lock file:      not writable; opened without it") != std::string::npos);
  Run search = f.AsRoot("search --db " + view + " --format json -n 1 tariffs");
  CHECK(search.code == 0);
  CHECK(search.out == f.first_hit());
  Run check = f.AsRoot("check --db " + view);
  CHECK(check.code == 0);
  Run write = f.AsRoot("index -q --db " + view + " " + std::string(LOUPE_SOURCE_DIR) + "/corpus");
  CHECK(write.code == 3);
  CHECK(write.err.find("cannot write to " + view + ": it is on a read-only file system") != std::string::npos);
}
