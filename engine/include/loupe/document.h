// Document: the unit Loupe indexes and returns.
//
// Thread-safety: plain values; the free functions are reentrant.
#ifndef LOUPE_DOCUMENT_H_
#define LOUPE_DOCUMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace loupe {

// Searchable fields. Their numeric values are part of the on-disk format.
enum class Field : uint8_t {
  kTitle = 0,   // stemmed text
  kBody = 1,    // stemmed text
  kActor = 2,   // names: case-folded, not stemmed
  kTopic = 3,   // stemmed text
  kAuthor = 4,  // names: case-folded, not stemmed
  // The fields a corpus declares (Document::extra, Document::language) as
  // keywords: case-folded, not stemmed, each term "name:token" and no length
  // norm (see loupe/custom_fields.h).
  kCustom = 5,
};
inline constexpr int kNumFields = 6;

// Lower-case field name ("title", "body", "actor", "topic", "author", "custom").
const char* FieldName(Field f);
// Parses the name of a built-in field (case-insensitive): title, body, actor,
// topic or author. Returns false for any other name, "custom" included (a
// custom field is named by its own name, see loupe/custom_fields.h).
bool ParseFieldName(std::string_view name, Field* out);

// A calendar date counted in days since 1970-01-01 (UTC). Negative is before 1970.
// ParseIsoDate and FormatIsoDate (below) convert it from and to "YYYY-MM-DD".
using Days = int32_t;

struct Document {
  // Caller-chosen unique id (the CLI uses the path relative to the indexed root).
  // Adding a document whose id already exists replaces the old one.
  std::string id;
  std::string path;  // where it came from; stored, not searched
  std::string title;
  std::string body;
  std::string author;
  std::vector<std::string> actors;
  std::vector<std::string> topics;
  std::optional<Days> date;  // undated documents never match a date filter
  std::string language;      // e.g. "zh"; stored, and searched as the custom field language:
  // Any other header, as (key, value), stored and returned; a key that names a
  // custom field (CustomFieldName) is searched as one (loupe/custom_fields.h).
  std::vector<std::pair<std::string, std::string>> extra;
};

// Converts between Days and "YYYY-MM-DD". ParseIsoDate accepts exactly that form
// with a valid calendar date (years 0001-9999) and returns false otherwise.
bool ParseIsoDate(std::string_view text, Days* out);
std::string FormatIsoDate(Days d);

}  // namespace loupe

#endif  // LOUPE_DOCUMENT_H_
