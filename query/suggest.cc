// Did you mean: corrects a query's words from the index's terms (see loupe/suggest.h).
#include "loupe/suggest.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "builder.h"
#include "loupe/language.h"

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
// ("tlaks" is one edit from "talks"): the optimal string alignment distance.
size_t Edits(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<size_t> d((n + 1) * (m + 1));
  auto at = [&](size_t i, size_t j) -> size_t& { return d[i * (m + 1) + j]; };
  for (size_t i = 0; i <= n; ++i) at(i, 0) = i;
  for (size_t j = 0; j <= m; ++j) at(0, j) = j;
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j) {
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
    }
  return at(n, m);
}

// How good a replacement is: its documents, divided by ten per edit, so that
// a much more frequent word two edits away beats a rare one at one edit
// ("tarrifs": "tariffs" in 52 articles over "tarifs" in 1).
double Weight(uint64_t docs, size_t edits) {
  double w = static_cast<double>(docs);
  for (size_t i = 0; i < edits; ++i) w /= 10;
  return w;
}

// Documents holding `term` in field f (0 if none).
Result<uint64_t> DocFreq(const Index& index, Field f, const std::string& term) {
  auto e = index.Expansions(Query::Fuzzy(f, term, 0, 1));
  if (!e.ok()) return e.status();
  for (const auto& [t, n] : *e)
    if (t == term) return n;
  return uint64_t{0};
}

// The word articles of the index write for stem `term` of stemmed field f
// that is closest to what the user typed ("soybeens" -> "soybeans", not
// "soybean"), from the first few articles that hold the stem.
Result<std::string> SurfaceOf(const Index& index, Analyzer& analyzer, Field f, const std::string& term,
                              const std::string& typed) {
  auto hits = index.Search(Query::Term(f, term), {.limit = 5});
  if (!hits.ok()) return hits.status();
  std::string lower = typed;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string best = term;
  size_t best_edits = SIZE_MAX;
  std::vector<Token> stemmed, folded;
  const std::string stemmer_before(analyzer.stemmer_language());
  for (const Hit& h : hits->hits) {
    const Document& d = h.document;
    (void)analyzer.SetStemmerLanguage(StemmerOf(f, DocumentStemmer(d)));  // as the writer stemmed it
    std::vector<std::string_view> texts;
    if (f == Field::kTitle)
      texts = {d.title};
    else if (f == Field::kBody)
      texts = {d.body};
    else
      texts.assign(d.topics.begin(), d.topics.end());
    for (std::string_view text : texts) {
      stemmed.clear();
      folded.clear();
      analyzer.Analyze(text, true, 0, &stemmed);
      analyzer.Analyze(text, false, 0, &folded);
      if (stemmed.size() != folded.size()) continue;
      for (size_t i = 0; i < stemmed.size(); ++i) {
        if (stemmed[i].term != term) continue;
        size_t e = Edits(folded[i].term, lower);
        // Equally far: the one as long as what was typed ("tarrifs": tariffs, not tariff), then the first.
        auto off = [&](const std::string& s) {
          return s.size() > lower.size() ? s.size() - lower.size() : lower.size() - s.size();
        };
        if (e < best_edits || (e == best_edits && (off(folded[i].term) < off(best) ||
                                                   (off(folded[i].term) == off(best) && folded[i].term < best)))) {
          best = folded[i].term;
          best_edits = e;
        }
      }
    }
  }
  (void)analyzer.SetStemmerLanguage(stemmer_before);
  return best;
}

}  // namespace

Result<Suggestion> SuggestCorrection(std::string_view query, const Index& index, Analyzer& analyzer,
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
      std::string term;
      Field field;
      size_t edits;
      uint64_t docs;
    };
    std::optional<Candidate> best;
    bool analyzable = true;
    for (Field f : w.fields) {
      tokens.clear();
      analyzer.AnalyzeField(f, w.text, 0, &tokens);
      if (tokens.size() != 1) {
        analyzable = false;  // punctuation only, or several words (e.g. CJK): not corrected
        break;
      }
      const std::string term = tokens[0].term;
      if (!spend(term.size() < 3 ? 1 : 2)) {
        analyzable = false;
        spent = true;
        break;
      }
      auto n = DocFreq(index, f, term);
      if (!n.ok()) return n.status();
      df = std::max(df, *n);
      if (term.size() < 3) continue;  // too short to tell a typo from another word
      // Levenshtein reach 2 finds every word one swap away too.
      const size_t reach = term.size() <= 4 ? 1 : 2;
      auto near = index.Expansions(Query::Fuzzy(f, term, 2, 256));
      if (!near.ok()) return near.status();
      for (const auto& [t, docs] : *near) {
        if (t == term || docs == 0) continue;
        size_t edits = Edits(t, term);
        if (edits > reach) continue;
        if (!best || Weight(docs, edits) > Weight(best->docs, best->edits) ||
            (Weight(docs, edits) == Weight(best->docs, best->edits) && t < best->term))
          best = Candidate{t, f, edits, docs};
      }
    }
    if (!analyzable || !best || df > kRareWordDocs) continue;
    if (df > 0 && best->docs < kRareWordRatio * df) continue;
    std::string surface = best->term;
    if (Analyzer::IsStemmed(best->field)) {
      if (!spend(1)) {
        spent = true;
        continue;
      }
      auto s = SurfaceOf(index, analyzer, best->field, best->term, w.text);
      if (!s.ok()) return s.status();
      surface = *s;
    }
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

}  // namespace loupe
