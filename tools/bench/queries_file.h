// The benchmark queries file, read alike by `loupe bench` and the peer-engine
// drivers so that all of them time the same queries: one query per line,
// `class<TAB>query` or just `query`; blank lines and lines starting with '#'
// are skipped, and a CR before the newline is dropped.
#ifndef LOUPE_TOOLS_BENCH_QUERIES_FILE_H_
#define LOUPE_TOOLS_BENCH_QUERIES_FILE_H_

#include <cstddef>
#include <istream>
#include <string>

namespace loupe::bench {

// Reads the next query line of `in` into *line (without its CR), counting
// every line read, skipped ones too, in *line_no. False at the end of `in`.
inline bool NextQueryLine(std::istream& in, std::string* line, size_t* line_no) {
  while (std::getline(in, *line)) {
    ++*line_no;
    if (!line->empty() && line->back() == '\r') line->pop_back();
    if (!line->empty() && (*line)[0] != '#') return true;
  }
  return false;
}

// The query of a line: what follows the first tab (the class column), else
// the whole line.
inline std::string QueryOfLine(const std::string& line) {
  const size_t tab = line.find('\t');
  return tab == std::string::npos ? line : line.substr(tab + 1);
}

}  // namespace loupe::bench

#endif  // LOUPE_TOOLS_BENCH_QUERIES_FILE_H_
