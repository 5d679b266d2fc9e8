#include "driver_common.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "ingest/article.h"
#include "loupe/analyzer.h"

namespace bench {

std::string LeafField(const loupe::QueryNode& n) {
  std::string f = n.field;
  for (auto& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return f;
}

bool IsDateKey(const std::string& f) { return f == "before" || f == "after" || f == "on" || f == "date"; }

bool DateRange(const loupe::QueryNode& leaf, int32_t* lo, int32_t* hi) {
  static auto analyzer = loupe::Analyzer::Create();
  if (!analyzer.ok()) return false;
  auto q = loupe::PlanQuery(leaf, **analyzer);
  if (!q.ok() || q->kind() != loupe::Query::Kind::kDateRange) return false;
  *lo = q->lo();
  *hi = q->hi();
  return true;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

namespace {

int Index(Engine& engine, const std::string& db, const std::vector<std::string>& roots, const char* name) {
  std::vector<std::string> errors;
  size_t skipped = 0;
  auto files = loupe::ingest::ListCorpus(roots, &errors, &skipped);
  for (const auto& e : errors) std::cerr << name << ": " << e << "\n";
  if (files.empty()) {
    std::cerr << name << ": no articles found\n";
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  engine.Create(db);
  size_t bytes = 0;
  std::vector<std::string> warnings;
  for (const auto& f : files) {
    std::ifstream in(f.path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    bytes += text.size();
    warnings.clear();
    engine.Add(loupe::ingest::ParseArticle(text, f.id, f.path, &warnings));
  }
  engine.Finish();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << name << ": indexed " << files.size() << " articles, " << bytes / 1024 << " KiB in " << secs << " s\n";
  return 0;
}

int Search(Engine& engine, const std::string& db, const std::string& queries, const std::string& mode, int repeat,
           const char* name) {
  std::ifstream in(queries);
  if (!in) {
    std::cerr << name << ": cannot read " << queries << "\n";
    return 2;
  }
  engine.Open(db);
  bool top10 = mode == "top10";
  std::string line;
  std::vector<double> t;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    std::string text = tab == std::string::npos ? line : line.substr(tab + 1);
    auto tree = loupe::ParseQuery(text);
    std::string why;
    std::unique_ptr<Prepared> p;
    if (tree.ok()) p = engine.Prepare(*tree, &why);
    if (!p) {
      std::cerr << name << ": cannot run '" << text << "': " << (tree.ok() ? why : tree.status().message()) << "\n";
      std::cout << text << "\tNA\tNA\tNA\n";
      continue;
    }
    t.clear();
    uint64_t count = 0;
    for (int r = 0; r < repeat; ++r) {
      auto s = std::chrono::steady_clock::now();
      count = p->Run(top10);
      t.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count());
    }
    std::sort(t.begin(), t.end());
    double med = t.size() % 2 ? t[t.size() / 2] : (t[t.size() / 2 - 1] + t[t.size() / 2]) / 2;
    size_t rank = std::clamp<size_t>(static_cast<size_t>(0.95 * static_cast<double>(t.size()) + 0.999999), 1, t.size());
    std::cout << text << '\t' << static_cast<uint64_t>(med + 0.5) << '\t' << static_cast<uint64_t>(t[rank - 1] + 0.5)
              << '\t' << count << '\n';
  }
  return 0;
}

}  // namespace

int Main(int argc, char** argv, Engine& engine, const char* name) {
  std::string usage = std::string("usage: ") + name + " index --db PATH CORPUS_DIR...\n       " + name +
                      " search --db PATH --queries FILE --mode top10|count [--repeat K]\n";
  if (argc < 2) {
    std::cerr << usage;
    return 2;
  }
  std::string cmd = argv[1], db, queries, mode = "top10";
  int repeat = 5;
  std::vector<std::string> rest;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--db") db = value();
    else if (a == "--queries") queries = value();
    else if (a == "--mode") mode = value();
    else if (a == "--repeat") repeat = std::max(1, std::atoi(value().c_str()));
    else rest.push_back(a);
  }
  try {
    if (cmd == "index" && !db.empty() && !rest.empty()) return Index(engine, db, rest, name);
    if (cmd == "search" && !db.empty() && !queries.empty() && (mode == "top10" || mode == "count"))
      return Search(engine, db, queries, mode, repeat, name);
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 3;
  }
  std::cerr << usage;
  return 2;
}

}  // namespace bench
