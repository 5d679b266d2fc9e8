// The reader for plain-text articles in the header format of
// docs/corpus-format.md (ParseFile in formats.h reads them, and every other
// format; the walk over corpus folders is Walk in walk.h).
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

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_ARTICLE_H_
