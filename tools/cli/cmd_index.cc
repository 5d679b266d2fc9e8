// loupe index --db DIR PATH...
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>

#include "cli/common.h"
#include "ingest/article.h"

namespace loupe::cli {

namespace {
// A transaction is committed when the batch holds this much article text. The
// writer keeps its memory bounded by spilling to disk, so this only sets how
// much work an interrupted run loses; fewer, bigger commits write each term's
// postings once and touch fewer B-tree pages.
constexpr size_t kCommitBytes = size_t{4} << 30;

// Reads a whole file into *out (no stream buffering). False with errno set on failure.
bool ReadFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  size_t size = ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  out->resize(size + 1);  // one spare byte to see end of file in the same read
  size_t have = 0;
  bool ok = true;
  for (;;) {
    if (have == out->size()) out->resize(out->size() * 2 + 4096);
    ssize_t n = ::read(fd, out->data() + have, out->size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    have += static_cast<size_t>(n);
  }
  out->resize(have);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}
}

int RunIndex(const IndexArgs& a) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> errors;
  size_t skipped = 0;
  auto files = ingest::ListCorpus(a.paths, &errors, &skipped);
  for (const auto& e : errors) std::cerr << "loupe: warning: " << e << "\n";
  if (files.empty()) {
    std::cerr << "loupe: index: no .txt articles found under the given paths\n";
    return kExitUsage;
  }

  auto index = Index::Open(a.db, {.create_if_missing = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  auto before = (*index)->Stats();
  if (!before.ok()) return Fail("cannot read index " + a.db, before.status());
  auto writer = (*index)->NewWriter();
  if (!writer.ok()) return Fail("cannot write to " + a.db, writer.status());

  size_t added = 0, failed = 0, warned = 0, bytes = 0, batch_bytes = 0;
  for (const auto& f : files) {
    std::string text;
    if (!ReadFile(f.path, &text)) {
      std::cerr << "loupe: warning: " << f.path << ": cannot read (" << std::strerror(errno) << "); skipped\n";
      ++failed;
      continue;
    }
    bytes += text.size();
    std::vector<std::string> warnings;
    Document doc = ingest::ParseArticle(text, f.id, f.path, &warnings);
    for (const auto& w : warnings) std::cerr << "loupe: warning: " << f.path << ": " << w << "\n";
    warned += warnings.empty() ? 0 : 1;
    Status s = (*writer)->Add(doc);
    if (!s.ok()) {
      std::cerr << "loupe: warning: " << f.path << ": " << s.message() << "; skipped\n";
      ++failed;
      continue;
    }
    ++added;
    batch_bytes += text.size();
    if (batch_bytes >= kCommitBytes) {
      batch_bytes = 0;
      s = (*writer)->Commit();
      if (!s.ok()) return Fail("commit failed (the index keeps its last commit)", s);
    }
  }
  auto commit_start = std::chrono::steady_clock::now();
  Status s = (*writer)->Commit();
  if (!s.ok()) return Fail("commit failed (the index keeps its last commit)", s);
  double commit_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count();
  auto after = (*index)->Stats();
  if (!after.ok()) return Fail("cannot read index " + a.db, after.status());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!a.quiet) {
    long replaced = static_cast<long>(before->documents + added) - static_cast<long>(after->documents);
    std::cout << "indexed " << added << " articles (" << (added - static_cast<size_t>(std::max(0L, replaced)))
              << " new, " << std::max(0L, replaced) << " replaced) from " << files.size() << " files, "
              << bytes / 1024 << " KiB in " << static_cast<long>(secs * 1000) << " ms (final commit "
              << static_cast<long>(commit_secs * 1000) << " ms)\n";
    if (failed || skipped || warned)
      std::cout << "skipped " << failed << " unreadable files and " << skipped << " non-.txt files; " << warned
                << " files had warnings\n";
    std::cout << "index " << a.db << ": " << after->documents << " documents, " << after->terms << " terms, "
              << after->size_bytes / 1024 << " KiB\n";
  }
  return kExitOk;
}

}  // namespace loupe::cli
