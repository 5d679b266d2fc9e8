// The built-in gazetteer and topic lexicon: actors and topics of international
// news (world leaders, ministers and trade officials, central banks,
// international organisations, major companies; trade, the economy, technology,
// security, politics, the environment), for tagging articles of a folder that
// brings no actors.gazetteer or topics.lexicon of its own. They are the files
// engine/analysis/data/world.gazetteer and engine/analysis/data/world.lexicon, in the
// formats of docs/corpus-format.md, compiled into the library at build time.
//
// Usage: Tagger::Create(BuiltinGazetteer(), BuiltinTopics(), &errors).
//
// Thread-safety: the functions may be called from any thread; the data never
// changes.
#ifndef LOUPE_BUILTIN_DATA_H_
#define LOUPE_BUILTIN_DATA_H_

#include <string_view>

namespace loupe {

// The text of the built-in gazetteer ("name | kind | alias | ..." lines, with
// '#' comments), as the file has it. The view points into static storage: it is
// valid for the life of the program, and it never changes.
std::string_view BuiltinGazetteer();

// The text of the built-in topic lexicon ("topic <- word, phrase, ..." lines,
// with '#' comments). Static storage, as for BuiltinGazetteer().
std::string_view BuiltinTopics();

}  // namespace loupe

#endif  // LOUPE_BUILTIN_DATA_H_
