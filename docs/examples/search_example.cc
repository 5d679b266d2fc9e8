// Creates an index in the directory given as argv[1], adds one article, commits,
// and searches it with a query string.
#include <loupe/analyzer.h>
#include <loupe/index.h>
#include <loupe/query_parser.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: search_example INDEX_DIR\n";
    return 2;
  }
  auto index = loupe::Index::Open(argv[1], {.create_if_missing = true});
  if (!index.ok()) {
    std::cerr << index.status().ToString() << "\n";
    return 3;
  }
  {
    auto writer = (*index)->NewWriter();
    if (!writer.ok()) {
      std::cerr << writer.status().ToString() << "\n";
      return 3;
    }
    loupe::Document doc;
    doc.id = "geneva.txt";
    doc.title = "Geneva talks end in a 90-day tariff truce";
    doc.body = "Treasury Secretary Scott Bessent met Vice Premier He Lifeng in Geneva.";
    doc.actors = {"Scott Bessent", "He Lifeng"};
    doc.topics = {"tariffs", "trade talks"};
    loupe::Days date;
    loupe::ParseIsoDate("2025-05-12", &date);
    doc.date = date;
    if (auto s = (*writer)->Add(doc); !s.ok()) return 3;
    if (auto s = (*writer)->Commit(); !s.ok()) {
      std::cerr << s.ToString() << "\n";
      return 3;
    }
  }
  auto analyzer = loupe::Analyzer::Create();
  if (!analyzer.ok()) return 3;
  auto query = loupe::CompileQuery("actor:Bessent AND topic:tariffs before:2025-09-17", **analyzer);
  if (!query.ok()) {
    std::cerr << "query error at byte " << query.status().offset() << ": " << query.status().message() << "\n";
    return 2;
  }
  auto results = (*index)->Search(*query, {.limit = 10});
  if (!results.ok()) {
    std::cerr << results.status().ToString() << "\n";
    return 3;
  }
  std::cout << "total " << results->total << "\n";
  for (const loupe::Hit& hit : results->hits)
    std::cout << hit.score << "  " << hit.document.id << "  " << hit.document.title << "\n";
  return results->total > 0 ? 0 : 1;
}
