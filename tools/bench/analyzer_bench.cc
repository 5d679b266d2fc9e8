// loupe_analyzer_bench: the analyzer alone, and the proof that its ASCII fast
// path gives exactly what the ICU path gives on real text.
//
//   loupe_analyzer_bench DIR... [--repeat K]
//
// Reads every .txt under DIR... into memory, then analyzes all of it (stemmed,
// as body text) with the fast path and with ICU only, K times each (default 3),
// and compares the token streams article by article. Prints TSV lines:
//   path<TAB>MB<TAB>MB/s (best of K)<TAB>tokens
// for "fast" and "icu", then "diff<TAB>articles_differing<TAB>articles".
// Exit 1 if any article differs.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "loupe/analyzer.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<std::string> dirs;
  int repeat = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "-h" || a == "--help") {
      std::cout << "usage: loupe_analyzer_bench DIR... [--repeat K]\n";
      return 0;
    } else {
      dirs.push_back(a);
    }
  }
  if (dirs.empty()) {
    std::cerr << "loupe_analyzer_bench: give at least one corpus directory\n";
    return 2;
  }
  std::vector<std::string> texts;
  size_t bytes = 0;
  for (const auto& d : dirs) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(d, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file() || it->path().extension() != ".txt") continue;
      std::ifstream in(it->path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      texts.push_back(ss.str());
      bytes += texts.back().size();
    }
    if (ec) {
      std::cerr << "loupe_analyzer_bench: " << d << ": " << ec.message() << "\n";
      return 2;
    }
  }
  if (texts.empty()) {
    std::cerr << "loupe_analyzer_bench: no .txt files found\n";
    return 2;
  }
  double mb = static_cast<double>(bytes) / 1e6;
  std::vector<std::vector<loupe::Token>> results[2];
  for (int mode = 0; mode < 2; ++mode) {
    loupe::AnalyzerOptions o;
    o.ascii_fast_path = mode == 0;
    auto a = loupe::Analyzer::Create(o);
    if (!a.ok()) {
      std::cerr << "loupe_analyzer_bench: " << a.status().message() << "\n";
      return 2;
    }
    double best = 1e100;
    size_t tokens = 0;
    std::vector<loupe::Token> out;
    for (int r = 0; r < repeat; ++r) {
      tokens = 0;
      auto start = std::chrono::steady_clock::now();
      for (const auto& t : texts) {
        out.clear();
        (*a)->Analyze(t, true, 0, &out).value();
        tokens += out.size();
      }
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    results[mode].reserve(texts.size());
    for (const auto& t : texts) {
      results[mode].emplace_back();
      (*a)->Analyze(t, true, 0, &results[mode].back()).value();
    }
    std::cout << (mode == 0 ? "fast" : "icu") << '\t' << mb << '\t' << mb / best << '\t' << tokens << '\n';
  }
  size_t differ = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto& x = results[0][i];
    const auto& y = results[1][i];
    bool same = x.size() == y.size();
    for (size_t k = 0; same && k < x.size(); ++k)
      same =
          x[k].term == y[k].term && x[k].position == y[k].position && x[k].begin == y[k].begin && x[k].end == y[k].end;
    if (!same) ++differ;
  }
  std::cout << "diff\t" << differ << '\t' << texts.size() << '\n';
  return differ ? 1 : 0;
}
