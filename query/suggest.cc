// Did you mean: corrects a query's words from the index's terms (see loupe/suggest.h).
#include "loupe/suggest.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>

#include "analysis/analyzer_access.h"
#include "builder.h"
#include "loupe/language.h"
#include "util/edits.h"  // EditDistance
#include "util/guard.h"

namespace loupe {
namespace {

struct Word {
  std::string text;
  size_t offset;
  std::vector<Field> fields;
};

// The fields a term or phrase node searches, or none when it is not a word
// search that can be corrected (dates, sort:, unknown fields).
std::vector<Field> FieldsOf(const QueryNode& n) {
  if (n.field.empty()) return {Field::kTitle, Field::kBody, Field::kActor, Field::kTopic};
  std::string name = qp::FieldName(n.field);
  if (name == "mentions") return {Field::kTitle, Field::kBody};
  Field f;
  if (!ParseFieldName(name, &f) || f == Field::kBody) return {};
  return {f};
}

void CollectWords(const QueryNode& n, std::vector<Word>* out) {
  switch (n.kind) {
    case QueryNode::Kind::kNot:
      return;  // a misspelt excluded word excludes nothing; correcting it would cut hits
    case QueryNode::Kind::kTerm: {
      const std::string& t = n.text;
      if (t.empty() || t.back() == '*' || t.find('~') != std::string::npos || t[0] == '=') return;
      std::vector<Field> fields = FieldsOf(n);
      if (!fields.empty()) out->push_back({t, n.value_offset, std::move(fields)});
      return;
    }
    case QueryNode::Kind::kPhrase: {
      std::vector<Field> fields = FieldsOf(n);
      if (fields.empty()) return;
      const std::string& t = n.text;
      for (size_t i = 0; i < t.size();) {
        while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
        size_t j = i;
        while (j < t.size() && !std::isspace(static_cast<unsigned char>(t[j]))) ++j;
        if (j > i) out->push_back({t.substr(i, j - i), n.value_offset + i, fields});
        i = j;
      }
      return;
    }
    default:
      for (const QueryNode& c : n.children) CollectWords(c, out);
  }
}

// Edits between a and b, a swap of two neighbouring bytes counting one
// ("tlaks" is one edit from "talks").
size_t Edits(std::string_view a, std::string_view b) { return EditDistance(a, b, /*swaps=*/true); }

// The word with each run of a repeated byte written once ("tarrifs" ->
// "tarifs"): a doubled or undoubled letter is the commonest misspelling.
std::string Undoubled(std::string_view s) {
  std::string out;
  for (char c : s)
    if (out.empty() || out.back() != c) out += c;
  return out;
}

// How far a written word is from what was typed: the mean of the edits
// between the two and between their undoubled forms, so that doubling or
// undoubling a letter costs half an edit ("tarrifs" is 1 from "tariffs",
// 2 from "carries"; "seccession" 0.5 from "secession", 1 from "succession").
double Distance(std::string_view typed, std::string_view word) {
  return (static_cast<double>(Edits(typed, word)) + static_cast<double>(Edits(Undoubled(typed), Undoubled(word)))) / 2;
}

// How good a replacement is: the documents that write it, divided by ten per
// unit of Distance, so that a much more frequent word a little further beats
// a rare one ("tarrifs": "tariffs" in 52 articles over "tarifs" in 1).
double Weight(uint64_t docs, double distance) { return static_cast<double>(docs) / std::pow(10.0, distance); }

}  // namespace

namespace {

Result<Suggestion> DoSuggestCorrection(std::string_view query, const Index& index, Analyzer& analyzer,
                                       const Gazetteer* gazetteer) {
  auto tree = ParseQuery(query);
  if (!tree.ok()) return tree.status();
  Suggestion out;
  // Words are corrected in place, each within a few bytes of itself: a query
  // this long would give a suggestion as long, which nobody reads.
  if (query.size() > kMaxSuggestionBytes) return out;
  std::vector<Word> words;
  CollectWords(*tree, &words);
  struct Change {
    size_t offset, length;
    std::string text;
  };
  std::vector<Change> changes;
  std::vector<Token> tokens;
  // What each word tried became ("" when it stays), by its text and fields.
  std::map<std::pair<std::string, std::vector<Field>>, std::string> tried;
  size_t lookups = 0;
  // Takes n look-ups from the budget, or says it is spent.
  auto spend = [&](size_t n) {
    if (lookups + n > kMaxSuggestLookups) return false;
    lookups += n;
    return true;
  };
  bool spent = false;
  for (const Word& w : words) {
    auto key = std::make_pair(w.text, w.fields);
    if (auto known = tried.find(key); known != tried.end()) {
      if (!known->second.empty()) {
        changes.push_back({w.offset, w.text.size(), known->second});
        out.changes.push_back(w.text + " -> " + known->second);
      }
      continue;
    }
    if (spent || tried.size() >= kMaxSuggestWords) continue;  // new words stay as typed; repeats are still done
    std::string& result = tried[key];
    if (gazetteer && !gazetteer->NamesOf(w.text).empty()) continue;
    uint64_t df = 0;
    struct Candidate {
      std::string word;  // as written (folded)
      double distance;
      uint64_t docs;  // writing it
      double weight() const { return Weight(docs, distance); }
    };
    std::optional<Candidate> best;
    bool analyzable = true;
    for (Field f : w.fields) {
      tokens.clear();
      AnalyzerAccess::AnalyzeField(analyzer, f, w.text, 0, &tokens);
      if (tokens.size() != 1) {
        analyzable = false;  // punctuation only, or several words (e.g. CJK): not corrected
        break;
      }
      const std::string term = tokens[0].term;
      tokens.clear();
      AnalyzerAccess::Analyze(analyzer, w.text, /*stem=*/false, 0, &tokens);
      if (tokens.size() != 1) {
        analyzable = false;
        break;
      }
      const std::string typed = tokens[0].term;  // folded, as written
      if (!spend(term.size() < 3 ? 1 : 2)) {
        analyzable = false;
        spent = true;
        break;
      }
      auto n = index.DocFreq(f, term);
      if (!n.ok()) return n.status();
      df = std::max(df, *n);
      if (typed.size() < 3) continue;  // too short to tell a typo from another word
      // The words the index holds as written near the word as typed (never a
      // stem: its documents would be those of every word of that stem).
      // Levenshtein reach 2 finds every word one swap away too.
      const size_t reach = typed.size() <= 4 ? 1 : 2;
      auto near = index.Words(Query::Fuzzy(f, typed, 2));
      if (!near.ok()) return near.status();
      for (const auto& [t, docs] : *near) {
        if (t == typed || docs == 0) continue;
        if (Edits(t, typed) > reach) continue;
        Candidate c{t, Distance(typed, t), docs};
        if (!best || c.weight() > best->weight() || (c.weight() == best->weight() && t < best->word)) best = c;
      }
    }
    if (!analyzable || !best || df > kRareWordDocs) continue;
    if (df > 0 && best->docs < kRareWordRatio * df) continue;
    std::string surface = best->word;
    if (std::isupper(static_cast<unsigned char>(w.text[0])) && std::islower(static_cast<unsigned char>(surface[0])))
      surface[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(surface[0])));
    if (surface == w.text) continue;
    result = surface;
    changes.push_back({w.offset, w.text.size(), surface});
    out.changes.push_back(w.text + " -> " + surface);
  }
  if (changes.empty()) return out;
  out.query = std::string(query);
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.offset > b.offset; });
  for (const Change& c : changes) out.query.replace(c.offset, c.length, c.text);
  if (out.query.size() > kMaxSuggestionBytes) return Suggestion{};  // replacements may be longer than the words
  return out;
}

}  // namespace

Result<Suggestion> SuggestCorrection(std::string_view query, const Index& index, Analyzer& analyzer,
                                     const Gazetteer* gazetteer) {
  return Guard([&] { return DoSuggestCorrection(query, index, analyzer, gazetteer); });
}

}  // namespace loupe
