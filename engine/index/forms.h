// The written forms of the stemmed fields: every word an indexed document
// writes in its title, body or topics, folded but not stemmed, with the stem
// it is indexed under and the number of live documents that write it. It is
// what makes `educat*` a prefix of the words as written (education,
// educational, educate) although their stem, "educ", is shorter than the
// prefix, and what "did you mean" proposes words from.
//
// The `forms` table holds two kinds of record (layout in
// docs/index-format.md#forms):
//   form: field byte (0-4), form, 0x00, stem (see FormKey) -> varint32 live documents
//   stem: 0x80 | field byte, stem -> varint32 forms with live documents, when 2 or more
// A form that no live document writes any more is deleted, and its stem's
// count decremented, so that the count says whether every form of a stem
// starts with a prefix (then the stem's postings are the prefix's matches
// exactly) or some do not (then the stem's documents are checked against their
// stored text). A stem without a record has one form (most stems: it saves
// a record each). Unstemmed fields (actor, author) index the folded words
// themselves, so they need no record here.
#ifndef LOUPE_ENGINE_INDEX_FORMS_H_
#define LOUPE_ENGINE_INDEX_FORMS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/term_table.h"
#include "loupe/analyzer.h"
#include "loupe/document.h"
#include "loupe/status.h"

namespace loupe {
namespace storage {
class Txn;
}

namespace forms {

// Key of a form record: field byte, form, 0x00, then the stem as the number
// of its first bytes it shares with the form (one byte) and the rest of it
// ("education" -> "educ": 0x04 and nothing). No token holds a 0x00 byte, so
// the forms starting with a prefix are one key range.
std::string FormKey(Field f, std::string_view form, std::string_view stem);
// Splits a form record's key; false when it is not one.
bool ParseFormKey(std::string_view key, Field* f, std::string_view* form, std::string* stem);
// Key of a stem record.
std::string StemKey(Field f, std::string_view stem);

// Analyzes a text of field f like Analyzer::AnalyzeField, and for a stemmed
// field appends each token's written form to *written too (else leaves it).
uint32_t AnalyzeField(Analyzer& analyzer, Field f, std::string_view text, uint32_t position, std::vector<Token>* out,
                      std::vector<std::string>* written);

// One document's distinct (field, form, stem) triples, with their hashes for
// the batch's table: computed on an analysis thread, added on the inverting one.
class DocForms {
 public:
  // Adds the distinct pairs of one stemmed field (tokens[i].term is the stem
  // of written[i]; written may be longer than tokens: marks were added after).
  void AddField(Field f, const std::vector<Token>& tokens, const std::vector<std::string>& written);
  void Clear() {
    arena_.clear();
    ends_.clear();
    hashes_.clear();
    fields_.clear();
  }
  size_t size() const { return ends_.size(); }
  // The key (form, 0x00, stem as FormKey writes it, without the field) of entry i.
  std::string_view key(size_t i) const {
    size_t begin = i ? ends_[i - 1] : 0;
    return std::string_view(arena_).substr(begin, ends_[i] - begin);
  }

 private:
  friend class FormsBatch;
  // Buffers reused from one document to the next: a hot loop allocates nothing.
  std::string arena_;             // the keys, one after the other
  std::vector<uint32_t> ends_;    // where each key ends in arena_
  std::vector<uint64_t> hashes_;  // TermTable::Hash(field, key)
  std::vector<Field> fields_;
  std::vector<uint32_t> seen_;  // open addressing over a field's forms: 1 + token index, 0 empty
};

// Documents each form record gains or loses in a batch, by form key.
using FormCounts = std::unordered_map<std::string, uint32_t>;

// Adds the distinct written forms of `doc`'s stemmed fields to *out (one per
// document): what a retired document takes from the counts.
void CountDocForms(Field f, const std::vector<Token>& tokens, const std::vector<std::string>& written, FormCounts* out);

// The forms a write batch adds, one count per document that writes each.
class FormsBatch {
 public:
  void Add(const DocForms& doc);
  // Writes the batch's forms into the `forms` table of txn, less `retired`
  // (the forms of the documents the batch retires), deleting the forms left
  // with no document and keeping each stem's count of forms.
  // REQUIRES: the `terms` table of txn does not have the batch's terms yet
  // (a stem without a record is read there to tell one form from none).
  Status Write(storage::Txn* txn, const FormCounts& retired) const;
  void Clear() { *this = FormsBatch(); }
  // Estimated bytes held.
  size_t bytes() const { return bytes_; }

 private:
  TermTable ids_;
  std::vector<uint32_t> docs_;  // by id
  size_t bytes_ = 0;
};

// A written form of a field starting with a prefix, from the last commit.
struct WrittenForm {
  std::string form;
  std::string stem;
  uint32_t docs = 0;  // live documents writing it
};

// What a prefix of a stemmed field reaches: its written forms, and per stem
// whether all of that stem's forms start with the prefix.
struct PrefixForms {
  std::vector<WrittenForm> forms;  // in key order
  struct Stem {
    std::string stem;
    bool whole = false;  // every form of the stem starts with the prefix
  };
  std::vector<Stem> stems;  // in stem order
};

// Reads the forms of field f starting with `prefix`, each entry read counted
// in *scanned; stops, returning OK with *stopped set, once *scanned passes
// max_scanned. Errors: kCorruption (an unreadable record), kIOError.
Status ScanPrefix(const storage::Txn& txn, Field f, std::string_view prefix, uint64_t* scanned, uint64_t max_scanned,
                  bool* stopped, PrefixForms* out);

// The forms of field f within max_edits byte edits (Levenshtein) of `word`,
// reading the field's whole list of forms (counted in *scanned as above).
Status ScanNear(const storage::Txn& txn, Field f, std::string_view word, uint32_t max_edits, uint64_t* scanned,
                uint64_t max_scanned, bool* stopped, std::vector<WrittenForm>* out);

}  // namespace forms
}  // namespace loupe

#endif  // LOUPE_ENGINE_INDEX_FORMS_H_
