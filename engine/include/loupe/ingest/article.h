// Readers for corpus files (0.1: the plain-text header format of
// docs/corpus-format.md) and the walk over corpus directories.
//
// Thread-safety: the functions are reentrant (they share no state).
#ifndef LOUPE_INGEST_ARTICLE_H_
#define LOUPE_INGEST_ARTICLE_H_

#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "loupe/status.h"

namespace loupe::ingest {

// Parses one article in the header format. `id` and `path` are copied into the
// document. Problems that do not stop indexing (an unparseable date, say) are
// appended to *warnings as "line N: message". Errors: kIOError when memory
// runs out.
Result<Document> ParseArticle(std::string_view text, const std::string& id, const std::string& path,
                              std::vector<std::string>* warnings);

struct CorpusFile {
  std::string path;  // path to open
  std::string id;    // path relative to the root it was found under
};

// Lists the .txt files under each of `roots` (a root may also be a single file),
// sorted, skipping hidden files and folders and not following symlinked folders.
// Problems (a missing root, an unreadable folder) go to *errors.
std::vector<CorpusFile> ListCorpus(const std::vector<std::string>& roots, std::vector<std::string>* errors,
                                   size_t* skipped);

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_ARTICLE_H_
