// The built-in gazetteer and topic lexicon under their former names: they live
// in loupe/builtin_data.h (namespace loupe), where the index uses them. Kept
// so that programs written against loupe::ingest::BuiltinGazetteer build
// unchanged.
#ifndef LOUPE_INGEST_BUILTIN_H_
#define LOUPE_INGEST_BUILTIN_H_

#include "loupe/builtin_data.h"

namespace loupe::ingest {

using loupe::BuiltinGazetteer;
using loupe::BuiltinTopics;

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_BUILTIN_H_
