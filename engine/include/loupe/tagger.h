// Actor and topic tagging: a gazetteer of actors (canonical name, kind,
// aliases in any script) and a lexicon of topics (topic <- words and phrases),
// both in the text formats of docs/corpus-format.md, and their detection in
// articles, matched on analyzed words.
//
// An index tags the documents its Writer adds and resolves the names of
// `actor:` queries with its own gazetteer, lexicon and title words (see
// IndexOptions::tagging in loupe/options.h and Index::GetGazetteer in
// loupe/index.h); this header
// is for programs that tag documents themselves or read a gazetteer file.
#ifndef LOUPE_TAGGER_H_
#define LOUPE_TAGGER_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loupe/analyzer.h"
#include "loupe/document.h"
#include "loupe/status.h"

namespace loupe {

// The names an actor goes by, for `actor:` and `mentions:` (see
// docs/query-language.md). Implementations must be usable from the thread that
// plans the query.
class Gazetteer {
 public:
  virtual ~Gazetteer() = default;
  // Every name (canonical first, then its aliases) of the actor that `name`
  // names, by its canonical name or any alias; empty if it names none.
  virtual std::vector<std::string> NamesOf(std::string_view name) const = 0;
};

// Not thread-safe (it owns an Analyzer): use one per thread, except that
// NamesOf may be called from several threads at once (an index shares one
// Tagger between its searching threads for that).
class Tagger final : public Gazetteer {
 public:
  // Parses a gazetteer ("name | kind | alias | ...") and a topic lexicon
  // ("topic <- word, phrase, ..."), either of which may be empty. Lines that
  // cannot be read are skipped, each with a warning appended to *warnings (if
  // not null) as "gazetteer line N: ..." / "topics line N: ...", for the
  // caller to show. Errors: kInternal when ICU cannot provide the analyzer
  // (the message names it), kIOError when memory runs out.
  static Result<std::unique_ptr<Tagger>> Create(std::string_view gazetteer, std::string_view topics,
                                                std::vector<std::string>* warnings = nullptr);

  // The actors (canonical names, in order of first mention) and topics (in
  // lexicon order) detected in the title and body. Matching is on analyzed,
  // stemmed words, so case, possessives and plurals do not matter; at each
  // place the longest alias or phrase wins. An actor needs one mention; a topic
  // two, or one in the title or the first paragraph. Errors: kIOError when
  // memory runs out (the lists may then hold part of what was found).
  Status Detect(const Document& d, std::vector<std::string>* actors, std::vector<std::string>* topics);

  // Declared topics are kept as they are; declared actors are kept too, but
  // each that the gazetteer knows (by any of its names) is replaced by its
  // canonical name, so that an actor is one thing whatever name an article
  // used (duplicates dropped; when a name changed, the declared list is kept
  // in the extra field "Actors-Declared"). An article that declares none gets
  // the detected ones. Whatever was detected is also recorded in the extra
  // fields "Actors-Detected" and "Topics-Detected" ("a; b"), and the candidate
  // actors (see Candidates) in "Actors-Candidate". Tagging a document again
  // gives the same document (those extra fields are replaced, not repeated).
  // Errors: kIOError when memory runs out (*d may then be partly tagged).
  Status Tag(Document* d);

  // Replaces the title words that introduce a person's name (default:
  // DefaultTitles()): one title per line ("Vice Premier", "CEO"), matched
  // without regard to case; lines starting with '#' and empty lines are
  // ignored. Returns the number of titles. Errors: kIOError when memory runs
  // out (the titles are then unspecified: set them again).
  Result<size_t> SetTitles(std::string_view list);
  size_t titles() const { return titles_.size(); }

  // People the gazetteer does not know, found by their place: two to four
  // capitalized words right after a title word in the body ("Vice Premier He
  // Lifeng", "CEO Jensen Huang"), with "von", "de", "bin" and the like allowed
  // inside and a final possessive dropped. Names the gazetteer knows (any of
  // their names) are left out; each name once, in order of first mention.
  // Only scripts with capital letters are read this way. Errors: kIOError
  // when memory runs out.
  Result<std::vector<std::string>> Candidates(const Document& d) const;

  // Gazetteer: every name of the actor `name` names (by its canonical name or
  // an alias, compared as folded words), canonical first; empty if none.
  // Safe to call from several threads at once.
  std::vector<std::string> NamesOf(std::string_view name) const override;

  size_t actors() const { return actors_.size(); }
  size_t topics() const { return topics_.size(); }

 private:
  struct Entry {
    std::string name;
    std::vector<std::string> names;  // canonical first, then aliases
  };
  struct Pattern {
    std::vector<std::string> words;  // analyzed, stemmed
    bool topic;
    size_t index;  // into actors_ or topics_
  };
  explicit Tagger(std::unique_ptr<Analyzer> analyzer) : analyzer_(std::move(analyzer)) {}
  // The work of the public functions of the same names, which run it under a guard.
  size_t DoSetTitles(std::string_view list);
  std::vector<std::string> DoCandidates(const Document& d) const;
  void DoDetect(const Document& d, std::vector<std::string>* actors, std::vector<std::string>* topics);
  void DoTag(Document* d);
  static Result<std::unique_ptr<Tagger>> DoCreate(std::string_view gazetteer, std::string_view topics,
                                                  std::vector<std::string>* errors);
  void AddPattern(std::string_view text, bool topic, size_t index);
  std::string Key(std::string_view name) const;  // folded, unstemmed words joined by spaces

  std::unique_ptr<Analyzer> analyzer_;
  mutable std::mutex key_mu_;  // Key() may run on several threads (NamesOf)
  std::vector<Entry> actors_, topics_;
  std::unordered_map<std::string, std::vector<Pattern>> by_first_;  // first word -> patterns
  std::unordered_map<std::string, size_t> by_name_;                 // Key(name or alias) -> actor
  std::vector<Token> tokens_;
  std::vector<std::vector<std::string>> titles_;                         // lower-case words, longest title first
  std::unordered_map<std::string, std::vector<size_t>> title_by_first_;  // first word -> titles_, longest first
};

// The built-in title words, one per line (see Tagger::SetTitles).
std::string_view DefaultTitles();

}  // namespace loupe

#endif  // LOUPE_TAGGER_H_
