// Custom fields: the headers and JSON fields a corpus declares beyond the
// built-in ones (Document::extra), and the document's language, searchable as
// keywords.
//
//   doc.extra = {{"Party", "Republican"}};      // indexed as party:republican
//   Query::Term(Field::kCustom, CustomFieldTerm("party", "republican"))
//   auto fields = ListCustomFields(*index);    // {{"party", 1}, ...}
//
// What the writer indexes, all in Field::kCustom:
//  - each value of each custom field (CustomFieldValues), analyzed as author
//    and actor names are (case-folded, not stemmed), each token as the term
//    CustomFieldTerm(name, token), with positions, so that phrases work. A
//    value is split at ';' into values (as the Actors header is); values, and
//    fields, are 100 positions apart, so a phrase never spans two;
//  - once per field a document has, the term CustomFieldMarker(name), whose
//    document count is the number of documents with the field.
// Custom fields have no length norm: a keyword matches, or does not (their
// DocValues length is 0).
//
// Thread-safety: the functions are reentrant; ListCustomFields is a const
// read of the index (see loupe/index.h).
#ifndef LOUPE_CUSTOM_FIELDS_H_
#define LOUPE_CUSTOM_FIELDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loupe/document.h"
#include "loupe/index.h"
#include "loupe/status.h"

namespace loupe {

// Longest custom field name, in bytes (header keys are at most 40 characters).
inline constexpr size_t kMaxCustomFieldName = 64;

// The custom field a header or JSON key names: the key in ASCII lower case,
// each run of spaces made one '-' ("Reading Time" -> "reading-time"). Empty
// when the key names none: it must start and end with a letter and hold only
// ASCII letters, '-', '_' and spaces (no digits, so that a query's `12:30` or
// `Q3:results` is never a field), at most kMaxCustomFieldName bytes.
std::string CustomFieldName(std::string_view key);

// The term a token of custom field `name` is indexed as: name, ':', token.
// `name` is a CustomFieldName; `token` is analyzed (folded, not stemmed).
std::string CustomFieldTerm(std::string_view name, std::string_view token);

// The term every document with custom field `name` has once: '#' then name.
std::string CustomFieldMarker(std::string_view name);

// The extra fields the tagger writes (loupe/tagger.h), as field names. They
// are stored but not searched: what they hold is searched already (actor:
// and topic: hold the declared actors by their canonical names and the
// detected actors and topics of an article that declares none, mentions:
// finds any name in the text), and indexing them
// cost about 10% more indexing time for 3% more index on news articles.
inline constexpr std::string_view kTaggerFields[] = {"actors-detected", "topics-detected", "actors-candidate",
                                                     "actors-declared"};
// Whether `name` (a CustomFieldName) is one of kTaggerFields.
bool IsTaggerField(std::string_view name);

// The custom fields of `doc`, as (name, value): "language" with
// Document::language when set, then each Document::extra whose key names a
// field (CustomFieldName) other than the tagger's (kTaggerFields), in order.
// A name may repeat (several values). The views point into `doc`.
std::vector<std::pair<std::string, std::string_view>> CustomFieldValues(const Document& doc);

struct CustomField {
  std::string name;        // a CustomFieldName
  uint64_t documents = 0;  // live documents that have it
};

// The custom fields the last commit of `index` holds, by name, with their
// document counts (read from the markers in the term dictionary through
// Index::Expansions: one short scan). Errors: kCorruption, kIOError, and
// kInvalidArgument for an index of more than 16,384 custom fields (the
// expansion limit of one query, kDefaultMaxQueryExpansions); kIOError also
// when memory runs out.
Result<std::vector<CustomField>> ListCustomFields(const Index& index);

}  // namespace loupe

#endif  // LOUPE_CUSTOM_FIELDS_H_
