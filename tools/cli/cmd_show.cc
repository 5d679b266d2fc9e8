// loupe show [--db DIR] [--format text|json] ID
//
// Prints one stored article by its id (the path relative to the indexed root,
// as search results show it).
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/results.h"
#include "cli/text_output.h"

namespace loupe::cli {

Result<Document> FindDocument(const Index& index, const std::string& id) {
  Result<Document> doc = Status::NotFound("");
  for (const std::string& candidate : IdCandidates(id))
    if ((doc = index.GetDocument(candidate)).ok() || !doc.status().IsNotFound()) break;
  return doc;
}

int RunShow(const ShowArgs& a) {
  auto index = Index::Open(a.db, {.read_only = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  if (a.id.empty()) {
    std::cerr << "loupe: show: the id is empty; give an article's id as search prints it (e.g. "
                 "articles/a07-....txt)\n";
    return kExitUsage;
  }
  Result<Document> doc = FindDocument(**index, a.id);
  if (!doc.ok()) {
    if (doc.status().IsNotFound()) {
      std::cerr << "loupe: show: no article with id '" << ShownId(a.id, true) << "' in " << TerminalSafe(a.db)
                << " (ids are the paths search prints, e.g. articles/a07-....txt)\n";
      return kExitNoHits;
    }
    return Fail("cannot read article " + ShownId(a.id, true), doc.status());
  }
  const ShowResult r{.document = std::move(*doc)};
  if (a.format == "json")
    PrintJson(ToJson(r));
  else
    PrintShow(r, std::cout);
  return kExitOk;
}

}  // namespace loupe::cli
