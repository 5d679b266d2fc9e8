// The term dictionary read by term: one term's document frequency, and the
// terms of a field in a prefix's range (Index::DocFreq and ScanTerms, and
// their sums over a collection's splits).
#ifndef LOUPE_INDEX_DICTIONARY_H_
#define LOUPE_INDEX_DICTIONARY_H_

#include <cstdint>
#include <functional>
#include <string_view>

#include "loupe/document.h"
#include "loupe/status.h"
#include "storage/lmdb.h"

namespace loupe {

// The live documents holding `term` in `field` (0 if the dictionary has no such term).
Result<uint64_t> TermDocFreq(const storage::Txn& txn, Field field, std::string_view term);

// Calls fn(term, live documents) for each term of `field` starting with
// `prefix`, in byte order, until it returns false; reserved terms (sentence
// marks) and terms of no live document are left out.
Status ScanTermRange(const storage::Txn& txn, Field field, std::string_view prefix,
                     const std::function<bool(std::string_view term, uint64_t docs)>& fn);

}  // namespace loupe

#endif  // LOUPE_INDEX_DICTIONARY_H_
