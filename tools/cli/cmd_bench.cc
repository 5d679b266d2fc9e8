// loupe bench: times queries inside the process, for tools/bench/run.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include "cli/common.h"
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

}  // namespace

int RunBench(const BenchArgs& a) {
  std::ifstream in(a.queries);
  if (!in) {
    std::cerr << "loupe: bench: cannot read queries file " << a.queries << "\n";
    return kExitUsage;
  }
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  auto analyzer = Analyzer::Create();
  if (!analyzer.ok()) return Fail("cannot create analyzer", analyzer.status());

  SearchOptions opts;
  opts.limit = a.mode == "count" ? 0 : 10;
  opts.load_documents = false;
  opts.exact_total = a.mode == "count";  // top10 counts only what it must, like the peers
  std::string line;
  size_t line_no = 0;
  int bad = 0;
  std::vector<double> samples;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    // "class<TAB>query", or just "query".
    size_t tab = line.find('\t');
    std::string text = tab == std::string::npos ? line : line.substr(tab + 1);
    auto q = CompileQuery(text, **analyzer);
    if (!q.ok()) {
      std::cerr << "loupe: bench: " << a.queries << ":" << line_no << ": " << q.status().message() << "\n";
      std::cout << text << "\tNA\tNA\tNA\n";
      ++bad;
      continue;
    }
    samples.clear();
    uint64_t count = 0;
    for (int r = 0; r < a.repeat; ++r) {
      auto start = std::chrono::steady_clock::now();
      auto res = (*index)->Search(*q, opts);
      auto end = std::chrono::steady_clock::now();
      if (!res.ok()) return Fail("search failed on line " + std::to_string(line_no), res.status());
      count = res->total;
      samples.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
    std::sort(samples.begin(), samples.end());
    char times[64];  // microseconds, to a tenth
    std::snprintf(times, sizeof times, "%.1f\t%.1f", Median(samples), Percentile(samples, 0.95));
    std::cout << text << '\t' << times << '\t' << count << '\n';
  }
  return bad ? kExitUsage : kExitOk;
}

}  // namespace loupe::cli
