// loupe show [--db DIR] [--format text|json] ID
//
// Prints one stored article by its id (the path relative to the indexed root,
// as search results show it).
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/common.h"

namespace loupe::cli {

int RunShow(const ShowArgs& a) {
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  auto doc = (*index)->GetDocument(a.id);
  if (!doc.ok()) {
    if (doc.status().IsNotFound()) {
      std::cerr << "loupe: show: no article with id '" << a.id << "' in " << a.db
                << " (ids are the paths search prints, e.g. articles/a07-....txt)\n";
      return kExitNoHits;
    }
    return Fail("cannot read article " + a.id, doc.status());
  }
  const Document& d = *doc;
  if (a.format == "json") {
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();
    for (const auto& [k, v] : d.extra) extra[k] = v;
    nlohmann::ordered_json out = ArticleJson(d);
    out["language"] = d.language;
    out["extra"] = extra;
    out["body"] = d.body;
    PrintJson(out);
    return kExitOk;
  }
  std::cout << d.title << "\n";
  if (!d.author.empty()) std::cout << "Author: " << d.author << "\n";
  if (d.date) std::cout << "Date: " << FormatIsoDate(*d.date) << "\n";
  if (!d.actors.empty()) std::cout << "Actors: " << Join(d.actors, "; ") << "\n";
  if (!d.topics.empty()) std::cout << "Topics: " << Join(d.topics, "; ") << "\n";
  if (!d.language.empty()) std::cout << "Language: " << d.language << "\n";
  for (const auto& [k, v] : d.extra) std::cout << k << ": " << v << "\n";
  std::cout << "\n" << d.body << (d.body.empty() || d.body.back() == '\n' ? "" : "\n");
  return kExitOk;
}

}  // namespace loupe::cli
