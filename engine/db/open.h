// Opening one ordinary index folder (an LMDB environment), whatever else is
// there: Index::Open (db/collection_impl.cc) calls it for a plain index, and
// a collection for each of its splits and its meta index.
#ifndef LOUPE_DB_OPEN_H_
#define LOUPE_DB_OPEN_H_

#include <memory>
#include <string>

#include "loupe/index.h"

namespace loupe {

// Fails when an index is opened with IndexOptions::fold_diacritics
// (`requested`) but was created without (`created_with` false); a request of
// false opens it as it was created. Errors: kInvalidArgument naming `what`
// ("index DIR", "collection DIR") and both settings.
Status CheckFoldDiacritics(const std::string& what, bool created_with, bool requested);

// Index::Open's contract for a plain index (IndexOptions::partition is not
// looked at): returns an IndexImpl, which is also a SplitReader (db/split.h).
// Not guarded: the caller runs it under Guard (util/guard.h).
Result<std::unique_ptr<Index>> OpenPlainIndex(const std::string& dir, const IndexOptions& options);

// CompactIndex's contract for a collection (db/collection_impl.cc): each
// split that is not sealed compacted, and its manifest entry updated.
Result<CompactReport> CompactCollection(const std::string& dir);

}  // namespace loupe

#endif  // LOUPE_DB_OPEN_H_
