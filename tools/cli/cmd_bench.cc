// loupe bench: times queries inside the process, for tools/bench/run.sh.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <vector>

#include "bench/queries_file.h"
#include "cli/common.h"
#include "cli/results.h"
#include "cli/text_output.h"
#include "loupe/analyzer.h"
#include "loupe/query_parser.h"

namespace loupe::cli {

namespace {

// Nearest-rank percentile of sorted samples.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

double Median(const std::vector<double>& sorted) {
  size_t n = sorted.size();
  if (n == 0) return 0;
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

// Bounds of the queries file: it is read whole before anything runs.
constexpr uint64_t kMaxQueriesFileBytes = uint64_t{64} << 20;
// A query and its class column; longer lines cannot hold a query.
constexpr size_t kMaxLineBytes = kMaxQueryBytes + 1024;

// Reads the queries file into *text, or prints why it cannot and returns false.
// Only a regular file is read: a folder, a device (/dev/zero never ends) or a
// pipe is refused before any of it is read.
bool ReadQueries(const std::string& path, std::string* text) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    std::cerr << "loupe: bench: cannot read queries file " << path << ": " << std::strerror(errno) << "\n";
    if (fd >= 0) ::close(fd);
    return false;
  }
  bool ok = false;
  if (S_ISDIR(st.st_mode)) {
    std::cerr << "loupe: bench: --queries " << path << " is a folder; give a file of queries, one per line\n";
  } else if (!S_ISREG(st.st_mode)) {
    std::cerr << "loupe: bench: --queries " << path
              << " is not a regular file (a device, pipe or socket); give a file of queries, one per line\n";
  } else if (static_cast<uint64_t>(st.st_size) > kMaxQueriesFileBytes) {
    std::cerr << "loupe: bench: queries file " << path << " is " << st.st_size << " bytes; the limit is "
              << kMaxQueriesFileBytes << " (64 MiB)\n";
  } else {
    // Read at most one byte past the limit, in case the file grew since fstat.
    text->clear();
    char buf[1 << 16];
    ok = true;
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        std::cerr << "loupe: bench: cannot read queries file " << path << ": " << std::strerror(errno) << "\n";
        ok = false;
        break;
      }
      if (n == 0) break;
      text->append(buf, static_cast<size_t>(n));
      if (text->size() > kMaxQueriesFileBytes) {
        std::cerr << "loupe: bench: queries file " << path << " grew past the limit of " << kMaxQueriesFileBytes
                  << " bytes (64 MiB) while it was read\n";
        ok = false;
        break;
      }
    }
  }
  ::close(fd);
  return ok;
}

// Times one query of the file; a query that does not compile, or that a
// per-query limit (expansions, memory) refuses, is the line's error. Another
// failure stops the run: it is printed, with the exit code returned (else -1).
int TimeQuery(const BenchArgs& a, const Index& index, Analyzer& analyzer, const PlanOptions& plan,
              const SearchOptions& opts, size_t line_no, BenchLine* line) {
  auto q = CompileQuery(line->query, analyzer, plan);
  if (!q.ok()) {
    line->failed = true, line->error = q.status().message();
    return -1;
  }
  std::vector<double> samples;
  for (int r = 0; r < a.repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    auto res = index.Search(*q, opts);
    auto end = std::chrono::steady_clock::now();
    if (!res.ok() && res.status().code() == StatusCode::kInvalidArgument) {
      line->failed = true, line->error = res.status().message();
      return -1;
    }
    if (!res.ok()) return Fail("search failed on line " + std::to_string(line_no), res.status());
    line->count = res->total;
    samples.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  std::sort(samples.begin(), samples.end());
  line->median_us = Median(samples);
  line->p95_us = Percentile(samples, 0.95);
  return -1;
}

}  // namespace

int RunBench(const BenchArgs& a) {
  std::string file;
  if (!ReadQueries(a.queries, &file)) return kExitUsage;
  std::istringstream in(std::move(file));
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  auto analysis = ReadIndexAnalysis(**index);  // stem as the index stemmed
  if (!analysis.ok()) return Fail("cannot read index " + a.db, analysis.status());
  auto analyzer = Analyzer::Create(analysis->analyzer_options());
  if (!analyzer.ok()) return Fail("cannot create analyzer", analyzer.status());
  PlanOptions plan;
  plan.stemming_languages = analysis->languages;

  SearchOptions opts;
  opts.limit = a.mode == "count" ? 0 : 10;
  opts.load_documents = false;
  opts.exact_total = a.mode == "count";  // top10 counts only what it must, like the peers
  std::string text;
  size_t line_no = 0;
  int bad = 0;
  while (bench::NextQueryLine(in, &text, &line_no)) {
    BenchLine line;
    if (text.size() > kMaxLineBytes) {
      line.query = "(line " + std::to_string(line_no) + ": " + std::to_string(text.size()) + " bytes)";
      line.failed = true;
      line.error = "the line is " + std::to_string(text.size()) + " bytes; the limit is " +
                   std::to_string(kMaxLineBytes) + " (a query is at most " + std::to_string(kMaxQueryBytes) +
                   " bytes, and its class column)";
    } else {
      line.query = bench::QueryOfLine(text);
      if (int rc = TimeQuery(a, **index, **analyzer, plan, opts, line_no, &line); rc >= 0) return rc;
    }
    if (line.failed) ++bad;
    PrintBenchLine(line, a.queries + ":" + std::to_string(line_no), std::cout, std::cerr);
  }
  return bad ? kExitUsage : kExitOk;
}

}  // namespace loupe::cli
