// The tagger under its former name: Tagger and DefaultTitles live in
// loupe/tagger.h (namespace loupe), where the index's writer and query
// compilation use them too. Kept so that programs written against
// loupe::ingest::Tagger build unchanged.
#ifndef LOUPE_INGEST_TAGGING_H_
#define LOUPE_INGEST_TAGGING_H_

#include "loupe/tagger.h"

namespace loupe::ingest {

using loupe::DefaultTitles;
using loupe::Tagger;

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_TAGGING_H_
