// The integrity check behind Index::Check and `loupe check`.
#ifndef LOUPE_ENGINE_INDEX_CHECK_H_
#define LOUPE_ENGINE_INDEX_CHECK_H_

#include "loupe/index.h"
#include "storage/lmdb.h"

namespace loupe {

// Reads the last commit of `env` whole: every value's checksum and structure,
// then the index state against the document values, the id table against the
// live documents and their stored fields, and each term's statistics against
// its postings. Problems go into the report; the status is an error only when
// the check itself cannot run (I/O).
Result<CheckReport> CheckIndex(storage::Env* env);

}  // namespace loupe

#endif  // LOUPE_ENGINE_INDEX_CHECK_H_
