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
  if (a.id.empty()) {
    std::cerr << "loupe: show: the id is empty; give an article's id as search prints it (e.g. "
                 "articles/a07-....txt)\n";
    return kExitUsage;
  }
  Result<Document> doc = Status::NotFound("");
  for (const std::string& id : IdCandidates(a.id))
    if ((doc = (*index)->GetDocument(id)).ok() || !doc.status().IsNotFound()) break;
  if (!doc.ok()) {
    if (doc.status().IsNotFound()) {
      std::cerr << "loupe: show: no article with id '" << ShownId(a.id, true) << "' in " << TerminalSafe(a.db)
                << " (ids are the paths search prints, e.g. articles/a07-....txt)\n";
      return kExitNoHits;
    }
    return Fail("cannot read article " + ShownId(a.id, true), doc.status());
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
  // Stored text goes through TerminalSafe: it comes from files, and a control
  // character in them must not drive the user's terminal.
  std::cout << TerminalSafe(d.title) << "\n";
  if (!d.author.empty()) std::cout << "Author: " << TerminalSafe(d.author) << "\n";
  if (d.date) std::cout << "Date: " << FormatIsoDate(*d.date) << "\n";
  if (!d.actors.empty()) std::cout << "Actors: " << TerminalSafe(Join(d.actors, "; ")) << "\n";
  if (!d.topics.empty()) std::cout << "Topics: " << TerminalSafe(Join(d.topics, "; ")) << "\n";
  if (!d.language.empty()) std::cout << "Language: " << TerminalSafe(d.language) << "\n";
  for (const auto& [k, v] : d.extra) std::cout << TerminalSafe(k) << ": " << TerminalSafe(v) << "\n";
  std::cout << "\n" << TerminalSafe(d.body, true) << (d.body.empty() || d.body.back() == '\n' ? "" : "\n");
  return kExitOk;
}

}  // namespace loupe::cli
