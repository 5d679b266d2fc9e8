// Indexes one saved article as it came, with no gazetteer or lexicon of its
// own: the reader finds its header block after the title, the index's writer
// tags it (with the built-in gazetteer and topic lexicon, as the index stores
// none), the index's query compilation resolves actor names, and each query
// below finds it: what `loupe index` and `loupe search` do.
//
//   seed_example INDEX_DIR ARTICLE.txt
#include <fstream>
#include <iostream>
#include <sstream>

#include "loupe/index.h"
#include "loupe/ingest/formats.h"
#include "loupe/query_parser.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: seed_example INDEX_DIR ARTICLE.txt\n";
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    std::cerr << "cannot read " << argv[2] << "\n";
    return 2;
  }
  auto read = loupe::ingest::ParseFile(text.str(), loupe::ingest::Format::kText, "seed.txt", argv[2]);
  if (!read.ok()) {
    std::cerr << read.status().ToString() << "\n";
    return 1;
  }
  loupe::ingest::ParsedFile parsed = std::move(*read);
  for (const std::string& w : parsed.warnings) std::cerr << "warning: " << w << "\n";
  auto index = loupe::Index::Open(argv[1], {.create_if_missing = true});
  if (!index.ok()) {
    std::cerr << index.status().ToString() << "\n";
    return 1;
  }
  {
    auto writer = (*index)->NewWriter();
    if (!writer.ok()) return 1;
    for (const loupe::Document& d : parsed.docs)
      if (!(*writer)->Add(d).ok()) return 1;  // tagged by the writer (IndexOptions::tagging)
    if (!(*writer)->Commit().ok()) return 1;
  }
  for (const char* q : {"actor:Bessent AND topic:tariffs", "author:BenCham", "actor:\"He Lifeng\" AND topic:TikTok",
                        "mentions:\"Li Chenggang\""}) {
    auto query = loupe::CompileQuery(q, **index);  // actor: and mentions: by any name
    if (!query.ok()) {
      std::cerr << q << ": " << query.status().ToString() << "\n";
      return 1;
    }
    auto results = (*index)->Search(*query);
    if (!results.ok()) return 1;
    std::cout << q << " -> " << results->total << "\n";
  }
  return 0;
}
