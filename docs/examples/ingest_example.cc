// Reads an e-mail with Loupe's corpus readers, tags it with a small gazetteer
// and topic lexicon, indexes it, and finds it by the actor's other name.
//
//   ingest_example /tmp/ingest-index
#include <iostream>

#include "loupe/index.h"
#include "loupe/ingest/formats.h"
#include "loupe/ingest/tagging.h"
#include "loupe/query_parser.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ingest_example INDEX_DIR\n";
    return 2;
  }
  auto created = loupe::ingest::Tagger::Create("He Lifeng | person | \xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0\n",
                                               "tariffs <- duties, levies\n");
  if (!created.ok()) return 1;
  std::unique_ptr<loupe::ingest::Tagger> tagger = std::move(*created);
  const char* mail =
      "Subject: Talks resume\r\n"
      "From: Wire Desk <desk@example.com>\r\n"
      "Date: Mon, 15 Sep 2025 10:00:00 +0200\r\n"
      "\r\n"
      "\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0 met the negotiators. Duties were discussed, and duties again.\r\n";
  auto read = loupe::ingest::ParseFile(mail, loupe::ingest::Format::kEmail, "talks.eml", "talks.eml");
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
    for (loupe::Document& d : parsed.docs) {
      if (!tagger->Tag(&d).ok()) return 1;  // no declared actors or topics: the detected ones are used
      if (!(*writer)->Add(d).ok()) return 1;
    }
    if (!(*writer)->Commit().ok()) return 1;
  }
  auto analyzer = loupe::Analyzer::Create();
  if (!analyzer.ok()) return 1;
  loupe::PlanOptions plan;
  plan.gazetteer = tagger.get();  // actor: by any name
  auto query = loupe::CompileQuery("actor:\"He Lifeng\" AND topic:tariffs", **analyzer, plan);
  if (!query.ok()) return 1;
  auto results = (*index)->Search(*query);
  if (!results.ok()) return 1;
  std::cout << "total " << results->total << "\n";
  for (const auto& hit : results->hits)
    std::cout << hit.document.title << " | " << hit.document.author << " | " << loupe::FormatIsoDate(*hit.document.date)
              << "\n";
  return 0;
}
