// The "analysis" metadata record (loupe::kAnalysisMetadataKey): how the
// writer analyzed the index's documents, kept up to date at each commit.
#ifndef LOUPE_INDEX_ANALYSIS_RECORD_H_
#define LOUPE_INDEX_ANALYSIS_RECORD_H_

#include <string>
#include <string_view>
#include <vector>

#include "loupe/status.h"
#include "storage/lmdb.h"

namespace loupe {

// Adds `languages` (Snowball names) to the record's "languages" in `txn`'s
// application metadata, sets "fold_diacritics", and keeps every other member
// of the record; writes nothing when that changes nothing. A value that is
// not a JSON object is replaced. When there is no record and `had_documents`
// (documents were added before this commit, by a version that kept no record),
// "english" is listed too: those were stemmed in English. Errors: those of
// Txn::Get and Txn::Put.
Status MergeAnalysisRecord(storage::Txn* txn, const std::vector<std::string_view>& languages, bool fold_diacritics,
                           bool had_documents);

// The "fold_diacritics" member of a record's text: false when the record is
// not a JSON object or has no such boolean (an index written before the member
// existed, which never folded).
bool RecordFoldsDiacritics(std::string_view record);

}  // namespace loupe

#endif  // LOUPE_INDEX_ANALYSIS_RECORD_H_
