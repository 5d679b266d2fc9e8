#include "driver_common.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "loupe/analyzer.h"
#include "loupe/ingest/article.h"
#include "loupe/ingest/formats.h"
#include "loupe/ingest/walk.h"
#include "loupe/query.h"
#include "loupe/query_parser.h"
#include "queries_file.h"
#include "util/ascii.h"

namespace bench {

namespace {

loupe::Analyzer& SharedAnalyzer() {
  static std::unique_ptr<loupe::Analyzer> analyzer = [] {
    auto a = loupe::Analyzer::Create();
    if (!a.ok()) throw std::runtime_error("cannot create Loupe's analyzer: " + a.status().message());
    return std::move(*a);
  }();
  return *analyzer;
}

// An empty optional: the node was dropped (nothing searchable in it).
std::optional<Node> Convert(const loupe::QueryNode& n, loupe::Analyzer& analyzer) {
  using K = loupe::QueryNode::Kind;
  switch (n.kind) {
    case K::kTerm:
    case K::kPhrase: {
      // Loupe's planner on the leaf alone resolves dates and tells whether the
      // text has any searchable words. The whole query was planned before, so
      // the only error left here is "no searchable words": the leaf is dropped.
      auto planned = loupe::PlanQuery(n, analyzer);
      if (!planned.ok() || planned->kind() == loupe::Query::Kind::kNone) return std::nullopt;
      Node out;
      if (planned->kind() == loupe::Query::Kind::kDateRange) {
        out.kind = Node::Kind::kDate;
        out.lo = planned->lo();
        out.hi = planned->hi();
      } else if (n.kind == K::kTerm && n.text.size() > 1 && n.text.back() == '*') {
        out.kind = Node::Kind::kPrefix;
        out.field = loupe::Lower(n.field);
        out.text = n.text.substr(0, n.text.find_last_not_of('*') + 1);
      } else {
        out.kind = Node::Kind::kText;
        out.field = loupe::Lower(n.field);
        out.text = n.text;
      }
      return out;
    }
    case K::kNear:  // rejected by Translate before conversion
    case K::kRequired:
      return std::nullopt;
    case K::kNot: {
      auto c = Convert(n.children[0], analyzer);
      if (!c) return std::nullopt;
      Node out;
      out.kind = Node::Kind::kNot;
      out.children.push_back(std::move(*c));
      return out;
    }
    case K::kAnd:
    case K::kOr: {
      Node out;
      out.kind = n.kind == K::kAnd ? Node::Kind::kAnd : Node::Kind::kOr;
      for (const auto& child : n.children) {
        auto c = Convert(child, analyzer);
        if (!c) continue;
        if (c->kind == out.kind) {
          for (auto& g : c->children) out.children.push_back(std::move(g));
        } else {
          out.children.push_back(std::move(*c));
        }
      }
      if (out.children.empty()) return std::nullopt;
      if (out.children.size() == 1) return std::move(out.children[0]);
      return out;
    }
  }
  return std::nullopt;
}

double Median(const std::vector<double>& sorted) {
  size_t n = sorted.size();
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

// Nearest-rank percentile, as `loupe bench` computes it.
double Percentile(const std::vector<double>& sorted, double p) {
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size()) + 0.999999);
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

int Index(Engine& engine, const std::string& db, const std::vector<std::string>& roots, const char* name) {
  // The .txt articles and .jsonl/.ndjson files (an article a line) under
  // `roots`, in the order `loupe index` reads them (by root, then by id), of
  // any size.
  auto walked = loupe::ingest::Walk(roots, {.max_size = UINT64_MAX});
  if (!walked.ok()) {
    std::cerr << name << ": " << walked.status().ToString() << "\n";
    return 1;
  }
  loupe::ingest::WalkResult walk = std::move(*walked);
  for (const auto& e : walk.errors) std::cerr << name << ": " << e << "\n";
  std::vector<loupe::ingest::WalkFile> files;
  for (loupe::ingest::WalkFile& f : walk.files) {
    if (f.format == loupe::ingest::Format::kText || f.format == loupe::ingest::Format::kJsonLines)
      files.push_back(std::move(f));
    else if (f.root.empty())
      std::cerr << name << ": " << f.path << ": not a .txt or .jsonl file\n";  // given by name
  }
  for (const loupe::ingest::WalkSkip& s : walk.skipped)  // a file given by name, of no known format
    if (std::find(roots.begin(), roots.end(), s.path) != roots.end())
      std::cerr << name << ": " << s.path << ": not a .txt or .jsonl file\n";
  if (files.empty()) {
    std::cerr << name << ": no articles found\n";
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  engine.Create(db);
  uint64_t bytes = 0, undated = 0, articles = 0;
  std::vector<std::string> warnings;
  for (const auto& f : files) {
    std::ifstream in(f.path, std::ios::binary);
    if (!in) {
      std::cerr << name << ": cannot read " << f.path << "\n";
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    bytes += text.size();
    if (f.format == loupe::ingest::Format::kJsonLines) {
      // Loupe's own reader, so that the articles and their fields (id, title,
      // body, author, date, actors, topics) are those `loupe index` reads.
      auto lines = loupe::ingest::ParseFile(text, f.format, f.id, f.path);
      if (!lines.ok()) {
        std::cerr << name << ": " << f.path << ": " << lines.status().ToString() << "\n";
        continue;
      }
      for (const std::string& w : lines->warnings) std::cerr << name << ": warning: " << f.path << ": " << w << "\n";
      for (const loupe::Document& doc : lines->docs) {
        undated += !doc.date;
        engine.Add(doc);
      }
      articles += lines->docs.size();
      continue;
    }
    warnings.clear();
    auto parsed = loupe::ingest::ParseArticle(text, f.id, f.path, &warnings);
    if (!parsed.ok()) {
      std::cerr << name << ": " << f.path << ": " << parsed.status().ToString() << "\n";
      continue;
    }
    const loupe::Document& doc = *parsed;
    undated += !doc.date;
    engine.Add(doc);
    ++articles;
  }
  engine.Finish();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << name << ": indexed " << articles << " articles from " << files.size() << " files (" << bytes / 1024
            << " KiB, " << undated << " undated) into " << db << " in " << secs << " s\n";
  return 0;
}

int Search(Engine& engine, const std::string& db, const std::string& queries, bool top10, int repeat,
           const char* name) {
  std::ifstream in(queries);
  if (!in) {
    std::cerr << name << ": cannot read " << queries << "\n";
    return 2;
  }
  engine.Open(db);
  std::string line;
  size_t line_no = 0;
  std::vector<double> samples;
  while (loupe::bench::NextQueryLine(in, &line, &line_no)) {
    const std::string text = loupe::bench::QueryOfLine(line);
    Node tree;
    std::string why;
    std::unique_ptr<Prepared> p;
    if (Translate(text, &tree, &why)) p = engine.Prepare(tree, top10, &why);
    if (!p) {
      std::cerr << name << ": warning: " << queries << ":" << line_no << ": cannot run '" << text << "': " << why
                << "\n";
      std::cout << text << "\tNA\tNA\tNA\n";
      continue;
    }
    samples.clear();
    uint64_t count = 0;
    for (int r = 0; r < repeat; ++r) {
      auto s = std::chrono::steady_clock::now();
      count = p->Run(top10);
      samples.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s).count());
    }
    if (top10) {
      // The exact count, untimed and after the timed runs.
      auto c = engine.Prepare(tree, false, &why);
      if (!c) {
        std::cerr << name << ": warning: " << queries << ":" << line_no << ": cannot count '" << text << "': " << why
                  << "\n";
        std::cout << text << "\tNA\tNA\tNA\n";
        continue;
      }
      count = c->Run(false);
    }
    std::sort(samples.begin(), samples.end());
    char times[64];  // microseconds, to a tenth
    std::snprintf(times, sizeof times, "%.1f\t%.1f", Median(samples), Percentile(samples, 0.95));
    std::cout << text << '\t' << times << '\t' << count << '\n';
  }
  return 0;
}

}  // namespace

bool Translate(const std::string& query, Node* out, std::string* error) {
  auto tree = loupe::ParseQuery(query);
  if (!tree.ok()) return *error = "Loupe rejects it: " + tree.status().message(), false;
  loupe::Analyzer& analyzer = SharedAnalyzer();
  auto planned = loupe::PlanQuery(*tree, analyzer);
  if (!planned.ok()) return *error = "Loupe rejects it: " + planned.status().message(), false;
  std::function<bool(const loupe::QueryNode&)> has_near = [&](const loupe::QueryNode& n) {
    if (n.kind == loupe::QueryNode::Kind::kNear) return true;
    for (const auto& c : n.children)
      if (has_near(c)) return true;
    return false;
  };
  if (has_near(*tree)) return *error = "NEAR/ADJ are not translated for the peer engines", false;
  auto node = Convert(*tree, analyzer);
  if (!node) return *error = "nothing searchable", false;
  *out = std::move(*node);
  return true;
}

bool HasScoredText(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kText:
    case Node::Kind::kPrefix:
      return true;
    case Node::Kind::kDate:
    case Node::Kind::kNot:
      return false;
    case Node::Kind::kAnd:
    case Node::Kind::kOr:
      return std::any_of(n.children.begin(), n.children.end(), HasScoredText);
  }
  return false;
}

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
    bool has_value = i + 1 < argc;
    if (a == "--db" && has_value) {
      db = argv[++i];
    } else if (a == "--queries" && has_value) {
      queries = argv[++i];
    } else if (a == "--mode" && has_value) {
      mode = argv[++i];
    } else if (a == "--repeat" && has_value) {
      repeat = std::atoi(argv[++i]);
      if (repeat < 1) {
        std::cerr << name << ": --repeat must be at least 1\n" << usage;
        return 2;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << name << ": unknown option or missing value: " << a << "\n" << usage;
      return 2;
    } else {
      rest.push_back(a);
    }
  }
  try {
    if (cmd == "index" && !db.empty() && !rest.empty()) return Index(engine, db, rest, name);
    if (cmd == "search" && !db.empty() && !queries.empty() && rest.empty() && (mode == "top10" || mode == "count"))
      return Search(engine, db, queries, mode == "top10", repeat, name);
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 3;
  }
  std::cerr << usage;
  return 2;
}

}  // namespace bench
