// Oracle test: random queries built from the corpus vocabulary must return
// exactly the documents a brute-force evaluation of the same planned query finds
// over the analyzed documents, each with the BM25 score this file computes from
// its own counts, in the order of those scores. Exact forms (=Form) are checked
// against the words as the documents write them, from the query text alone.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "db/collection.h"
#include "index/format.h"
#include "loupe/builtin_data.h"
#include "loupe/index.h"
#include "loupe/ingest/article.h"
#include "loupe/ingest/walk.h"
#include "loupe/language.h"
#include "loupe/query_parser.h"
#include "loupe/tagger.h"
#include "support/index_util.h"
#include "support/test_util.h"
#include "util/calendar.h"

using namespace loupe;

namespace {

// One token of a field: its term as indexed, the word as written (folded, not
// stemmed), the bytes of the stored text it covers, and its position.
struct Tok {
  std::string term, written, surface;
  uint32_t position;
};

struct AnalyzedDoc {
  std::string id;
  std::optional<Days> date;
  std::map<std::string, std::vector<uint32_t>> fields[kNumFields];  // term -> positions
  std::vector<Tok> toks[kNumFields];
  // Title and body: the sentence of each position (from the analyzer's sentence
  // starts and the tokens' byte offsets, independently of the index's marks).
  std::map<uint32_t, size_t> sentence_of[kNumFields];
  // The words as written (folded, not stemmed): what a prefix is matched against.
  std::set<std::string> words[kNumFields];
};

// The document's terms, stemmed in its language as the writer stems them.
AnalyzedDoc AnalyzeDoc(const Document& d, Analyzer& a) {
  REQUIRE(a.SetStemmerLanguage(DocumentStemmer(d)).ok());
  AnalyzedDoc out;
  out.id = d.id;
  out.date = d.date;
  auto add = [&](Field f, const std::vector<std::string>& values) {
    const int fi = static_cast<int>(f);
    std::vector<Token> toks;
    uint32_t pos = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) pos += format::kActorGap;
      const size_t first = toks.size();
      pos = a.AnalyzeField(f, values[i], pos, &toks).value();
      std::vector<Token> written;
      a.Analyze(values[i], /*stem=*/false, 0, &written).value();
      REQUIRE(written.size() == toks.size() - first);
      for (size_t k = 0; k < written.size(); ++k) {
        const Token& t = toks[first + k];
        REQUIRE(t.begin == written[k].begin);
        out.toks[fi].push_back({t.term, written[k].term, values[i].substr(t.begin, t.end - t.begin), t.position});
        out.words[fi].insert(written[k].term);
      }
    }
    for (const Token& t : toks) out.fields[fi][t.term].push_back(t.position);
    if (f == Field::kTitle || f == Field::kBody) {
      std::vector<uint32_t> starts;
      REQUIRE(a.SentenceStarts(values[0], &starts).ok());
      for (const Token& t : toks)
        out.sentence_of[fi][t.position] =
            static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), t.begin) - starts.begin());
    }
  };
  add(Field::kTitle, {d.title});
  add(Field::kBody, {d.body});
  add(Field::kAuthor, {d.author});
  add(Field::kActor, d.actors);
  REQUIRE(a.SetStemmerLanguage(StemmerOf(Field::kTopic, DocumentStemmer(d))).ok());
  add(Field::kTopic, d.topics);
  return out;
}

// Typographic apostrophes read as ASCII ones (docs/query-language.md, =Form).
std::string PlainApostrophes(std::string s) {
  for (size_t at; (at = s.find("\xE2\x80\x99")) != std::string::npos;) s.replace(at, 3, "'");
  return s;
}

// A reference evaluation of planned queries over the analyzed documents: which
// documents match, and their BM25 scores from this oracle's own counts, as
// docs/query-language.md (Ranking) and docs/architecture.md (Bm25) define them:
// k1 = 1.2, b = 0.75, field weight 2 for title and 1 elsewhere,
// idf = ln(1 + (N - df + 0.5) / (df + 0.5)) over the N documents, lengths
// rounded down to their top bit and the three bits after it from 32 tokens on,
// against the exact average length.
class Reference {
 public:
  static constexpr double kK1 = 1.2, kB = 0.75;

  Reference(const std::vector<AnalyzedDoc>& docs, Analyzer& folder) : docs_(docs), folder_(folder) {
    for (const AnalyzedDoc& d : docs) {
      for (int f = 0; f < kNumFields; ++f) {
        for (const auto& [term, positions] : d.fields[f]) ++df_[f][term];
        total_length_[f] += d.toks[f].size();
        for (const Tok& t : d.toks[f]) forms_[f][t.written].insert(t.term);
      }
    }
  }

  // The document's score if it matches `q`, else nothing.
  std::optional<double> Score(const Query& q, const AnalyzedDoc& d) const {
    const int fi = static_cast<int>(q.field());
    auto term_tf = [&](const std::string& term) -> uint32_t {
      auto it = d.fields[fi].find(term);
      return it == d.fields[fi].end() ? 0 : static_cast<uint32_t>(it->second.size());
    };
    switch (q.kind()) {
      case Query::Kind::kTerm: {
        uint32_t tf = term_tf(q.terms()[0]);
        if (tf == 0) return std::nullopt;
        return Bm25(q.field(), q.terms()[0], tf, d);
      }
      case Query::Kind::kPhrase:
      case Query::Kind::kSentence: {
        if (q.kind() == Query::Kind::kPhrase && q.terms().size() == 1)
          return Score(Query::Term(q.field(), q.terms()[0]), d);
        uint32_t freq = q.kind() == Query::Kind::kPhrase ? PhraseFrequency(q, d) : Sentences(q, d);
        if (freq == 0) return std::nullopt;
        double s = 0;  // each word as a term as frequent as the phrase
        for (const std::string& t : q.terms()) s += Bm25(q.field(), t, freq, d);
        return s;
      }
      case Query::Kind::kAnd: {
        double s = 0;
        for (const Query& c : q.children()) {
          auto cs = Score(c, d);
          if (!cs) return std::nullopt;
          s += *cs;
        }
        return s;
      }
      case Query::Kind::kOr: {
        std::optional<double> s;
        for (const Query& c : q.children())
          if (auto cs = Score(c, d)) s = s.value_or(0) + *cs;
        return s;
      }
      case Query::Kind::kNot:
        if (Score(q.children()[0], d)) return std::nullopt;
        return 0.0;
      case Query::Kind::kDateRange:
        if (d.date && *d.date >= q.lo() && *d.date <= q.hi()) return 0.0;
        return std::nullopt;
      case Query::Kind::kAll:
        return 0.0;
      case Query::Kind::kNone:
        return std::nullopt;
      case Query::Kind::kBoost: {
        auto cs = Score(q.children()[0], d);
        if (!cs) return std::nullopt;
        return *cs * q.boost();
      }
      case Query::Kind::kAndMaybe: {
        auto req = Score(q.children()[0], d);
        if (!req) return std::nullopt;
        auto opt = Score(q.children()[1], d);
        return *req + opt.value_or(0);
      }
      case Query::Kind::kExact: {
        // The documents of the term (the word's stem in one language) that write
        // the form, scored as the term with the form's occurrences as frequency.
        if (term_tf(q.terms()[0]) == 0) return std::nullopt;
        uint32_t n = ExactCount(d, q.field(), q.terms()[1]);
        if (n == 0) return std::nullopt;
        return Bm25(q.field(), q.terms()[0], n, d);
      }
      case Query::Kind::kFuzzy: {  // every term of the field within the edits, scored as an OR
        std::optional<double> s;
        for (const auto& [term, positions] : d.fields[fi])
          if (Levenshtein(term, q.terms()[0]) <= q.max_edits())
            s = s.value_or(0) + Bm25(q.field(), term, static_cast<uint32_t>(positions.size()), d);
        return s;
      }
      case Query::Kind::kPrefix:
        return PrefixScore(q, d);
    }
    return std::nullopt;
  }

  // Occurrences of `form` as written in field `f`, with smart case: a form
  // that folding changes must equal the token's bytes, any other its folded
  // form.
  uint32_t ExactCount(const AnalyzedDoc& d, Field f, const std::string& form) const {
    const bool match_case = Fold(form) != form;
    uint32_t n = 0;
    for (const Tok& t : d.toks[static_cast<int>(f)])
      n += match_case ? PlainApostrophes(t.surface) == form : t.written == form;
    return n;
  }

  // The folded, unstemmed form of one word ("" unless it is one token).
  std::string Fold(const std::string& word) const {
    std::vector<Token> toks;
    folder_.Analyze(word, /*stem=*/false, 0, &toks).value();
    return toks.size() == 1 ? toks[0].term : "";
  }

  static size_t Levenshtein(const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> t(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) t[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) t[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i)
      for (size_t j = 1; j <= b.size(); ++j)
        t[i][j] = std::min({t[i - 1][j] + 1, t[i][j - 1] + 1, t[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
    return t[a.size()][b.size()];
  }

 private:
  // A length as the index keeps it: exact below 32, else its top bit and the
  // three bits below it.
  static double RoundedLength(uint64_t len) {
    if (len < 32) return static_cast<double>(len);
    int top = 63 - __builtin_clzll(len);
    return static_cast<double>(len & ~((uint64_t{1} << (top - 3)) - 1));
  }

  double Bm25(Field f, const std::string& term, uint32_t tf, const AnalyzedDoc& d) const {
    const int fi = static_cast<int>(f);
    const double n = static_cast<double>(docs_.size());
    auto it = df_[fi].find(term);
    const double df = it == df_[fi].end() ? 0 : it->second;
    const double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
    const double avg = static_cast<double>(total_length_[fi]) / n;
    const double norm = kK1 * (1 - kB + kB * RoundedLength(d.toks[fi].size()) / (avg > 0 ? avg : 1));
    const double weight = f == Field::kTitle ? 2.0 : 1.0;
    return weight * idf * tf * (kK1 + 1) / (tf + norm);
  }

  // Places where the phrase starts: a position of its first word from which the
  // others follow in order, each at least its phrase distance after the one
  // before, the whole spanning at most the phrase plus the slop (slop 0: exactly).
  uint32_t PhraseFrequency(const Query& q, const AnalyzedDoc& d) const {
    const auto& f = d.fields[static_cast<int>(q.field())];
    std::vector<const std::vector<uint32_t>*> lists;
    for (const std::string& t : q.terms()) {
      auto it = f.find(t);
      if (it == f.end()) return 0;
      lists.push_back(&it->second);
    }
    const auto& g = q.gaps();
    const uint32_t span = g.back() - g[0] + q.slop();
    std::function<bool(size_t, uint32_t, uint32_t)> fits = [&](size_t i, uint32_t start, uint32_t prev) {
      if (i == lists.size()) return prev - start <= span;
      for (uint32_t p : *lists[i]) {
        if (q.slop() == 0 ? p == start + (g[i] - g[0]) : p >= prev + (g[i] - g[i - 1])) {
          if (fits(i + 1, start, p)) return true;
        }
      }
      return false;
    };
    uint32_t n = 0;
    for (uint32_t p : *lists[0]) n += fits(1, p, p);
    return n;
  }

  // Sentences holding every word.
  uint32_t Sentences(const Query& q, const AnalyzedDoc& d) const {
    const int fi = static_cast<int>(q.field());
    std::map<size_t, size_t> words_in;  // sentence -> how many of the words it holds
    for (const std::string& t : std::set<std::string>(q.terms().begin(), q.terms().end())) {
      auto it = d.fields[fi].find(t);
      if (it == d.fields[fi].end()) return 0;
      std::set<size_t> here;
      for (uint32_t p : it->second) here.insert(d.sentence_of[fi].at(p));
      for (size_t s : here) ++words_in[s];
    }
    const size_t distinct = std::set<std::string>(q.terms().begin(), q.terms().end()).size();
    uint32_t n = 0;
    for (const auto& [s, k] : words_in) n += k == distinct;
    return n;
  }

  // A prefix (docs/query-language.md, Prefixes). Actor and author: every term
  // of the field starting with it, as an OR. Title, body and topic: the stems of
  // the written words (in any document) starting with it, each scored as the
  // term; a stem also written in words that do not start with the prefix counts
  // only the document's words that do.
  std::optional<double> PrefixScore(const Query& q, const AnalyzedDoc& d) const {
    const int fi = static_cast<int>(q.field());
    const std::string& prefix = q.terms()[0];
    auto starts = [&](const std::string& w) { return w.compare(0, prefix.size(), prefix) == 0; };
    std::optional<double> s;
    if (!Analyzer::IsStemmed(q.field())) {
      for (const auto& [term, positions] : d.fields[fi])
        if (starts(term)) s = s.value_or(0) + Bm25(q.field(), term, static_cast<uint32_t>(positions.size()), d);
      return s;
    }
    std::set<std::string> stems, partial;
    for (auto it = forms_[fi].lower_bound(prefix); it != forms_[fi].end() && starts(it->first); ++it)
      stems.insert(it->second.begin(), it->second.end());
    for (const auto& [written, of] : forms_[fi])
      if (!starts(written))
        for (const std::string& stem : of)
          if (stems.count(stem)) partial.insert(stem);
    for (const std::string& stem : stems) {
      uint32_t tf = 0;
      for (const Tok& t : d.toks[fi]) tf += t.term == stem && (!partial.count(stem) || starts(t.written));
      if (tf > 0) s = s.value_or(0) + Bm25(q.field(), stem, tf, d);
    }
    return s;
  }

  const std::vector<AnalyzedDoc>& docs_;
  Analyzer& folder_;
  std::map<std::string, uint32_t> df_[kNumFields];
  uint64_t total_length_[kNumFields] = {};
  std::map<std::string, std::set<std::string>> forms_[kNumFields];  // written word -> its stems
};

std::string Clean(std::string w) {
  const std::string strip = ".,;:!?\"'()[]";
  while (!w.empty() && strip.find(w.back()) != std::string::npos) w.pop_back();
  size_t i = 0;
  while (i < w.size() && strip.find(w[i]) != std::string::npos) ++i;
  w = w.substr(i);
  if (w.empty() || w[0] == '-' || w == "AND" || w == "OR" || w == "NOT") return "";
  if (w.find_first_of(":\"()") != std::string::npos) return "";
  if (w.rfind("\xE2\x80\x9C", 0) == 0 || w.find("\xE2\x80\x9D") != std::string::npos) return "";
  return w;
}

class QueryGen {
 public:
  QueryGen(const std::vector<Document>& docs, uint32_t seed) : rng_(seed) {
    for (const Document& d : docs) {
      std::istringstream in(d.title + " " + d.body);
      std::string w, prev, prev2;
      while (in >> w) {
        w = Clean(w);
        if (w.empty()) {
          prev.clear();
          prev2.clear();
          continue;
        }
        words_.push_back(w);
        if (!prev.empty()) phrases_.push_back(prev + " " + w);
        if (!prev2.empty()) phrases_.push_back(prev2 + " " + prev + " " + w);
        prev2 = prev;
        prev = w;
      }
      for (const auto& a : d.actors) actors_.push_back(a);
      for (const auto& t : d.topics) topics_.push_back(t);
      if (!d.author.empty()) authors_.push_back(d.author);
    }
    if (actors_.empty()) actors_.push_back("Nobody");
    if (topics_.empty()) topics_.push_back("none");
    if (authors_.empty()) authors_.push_back("Nobody");
  }

  bool empty() const { return words_.empty() || phrases_.empty(); }

  std::string Make(int depth = 0) {
    int r = Pick(depth >= 3 ? 8 : 12);
    switch (r) {
      case 8:
        return Make(depth + 1) + " " + Make(depth + 1);
      case 9:
        return Make(depth + 1) + " AND " + Make(depth + 1);
      case 10:
        return "(" + Make(depth + 1) + (Pick(4) ? " OR " : " OR +") + Make(depth + 1) + ")";
      case 11:
        return (Pick(2) ? "NOT " : "-") + Leaf();
      default:
        return Leaf();
    }
  }

  // The words of the =Form leaves made so far.
  const std::vector<std::string>& exact_words() const { return exact_; }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  template <typename T>
  const T& Any(const std::vector<T>& v) {
    return v[Pick(v.size())];
  }

  std::string Leaf() {
    switch (Pick(13)) {
      case 12: {  // an exact form, as written or in lower case
        std::string w = Any(words_);
        if (Pick(3) == 0)
          for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        exact_.push_back(w);
        return (Pick(3) ? "=" : "title:=") + w;
      }
      case 10:
      case 11: {  // proximity between two words of a phrase from the corpus
        const std::string& p = Any(phrases_);
        size_t sp = p.find(' ');
        std::string a = p.substr(0, sp), b = p.substr(sp + 1);
        if (b.find(' ') != std::string::npos) b = b.substr(b.find(' ') + 1);
        if (Pick(2)) std::swap(a, b);
        static const char* kOps[] = {" NEAR/1 ", " NEAR/3 ", " ADJ/2 ", " ADJ/1 ", " NEAR/s ", " NEAR/s "};
        std::string op = kOps[Pick(6)];
        return (op == " NEAR/s " && Pick(3) == 0) ? "title:" + a + op + "title:" + b : a + op + b;
      }
      case 0:
        return "\"" + Any(phrases_) + "\"" + (Pick(3) ? "" : "~" + std::to_string(Pick(4)));
      case 1: {
        const std::string& a = Any(actors_);
        size_t sp = a.rfind(' ');
        return Pick(2) && sp != std::string::npos ? "actor:" + a.substr(sp + 1) : "actor:\"" + a + "\"";
      }
      case 2: {
        const std::string& t = Any(topics_);
        return t.find(' ') != std::string::npos ? "topic:\"" + t + "\"" : "topic:" + t;
      }
      case 3: {
        static const char* kKeys[] = {"before:", "after:", "on:", "date:"};
        int y = 2025, m = 1 + static_cast<int>(Pick(12)), d = 1 + static_cast<int>(Pick(28));
        char buf[64];
        switch (Pick(7)) {
          case 4: {  // since:, until:, comparisons and open ranges
            static const char* kForms[] = {"since:%04d-%02d",      "until:%04d-%02d-%02d", "date:>=%04d-%02d",
                                           "date:<%04d-%02d-%02d", "date:>%04d-%02d",      "date:<=%04d-%02d",
                                           "date:%04d-%02d..",     "date:..%04d-%02d-%02d"};
            std::snprintf(buf, sizeof buf, kForms[Pick(8)], y, m, d);
            return buf;
          }
          case 5: {  // relative dates, counted back from 2025-09-20
            static const char* kRel[] = {"since:30d",       "since:2w", "after:3m",    "before:1m", "date:6m..today",
                                         "until:yesterday", "on:today", "date:1y..2m", "since:10w"};
            return kRel[Pick(9)];
          }
          case 6:
            return "* " + std::string(Pick(2) ? "since:" : "before:") + std::to_string(y) + "-0" +
                   std::to_string(1 + Pick(9));  // everything, filtered
          case 0:
            std::snprintf(buf, sizeof buf, "%04d", y - static_cast<int>(Pick(2)));
            break;
          case 1:
            std::snprintf(buf, sizeof buf, "%04d-%02d", y, m);
            break;
          case 2:
            std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
            break;
          default: {
            int m2 = std::min(12, m + static_cast<int>(Pick(4)));
            std::snprintf(buf, sizeof buf, "%04d-%02d..%04d-%02d-%02d", y, m, y, m2, d);
            return std::string("date:") + buf;
          }
        }
        return kKeys[Pick(4)] + std::string(buf);
      }
      case 4:
        return "title:" + Any(words_);
      case 8: {  // a boosted word or phrase (changes scores, not matches)
        static const char* kBoosts[] = {"^2", "^0.5", "^3"};
        return (Pick(3) ? Any(words_) : "\"" + Any(phrases_) + "\"") + kBoosts[Pick(3)];
      }
      case 9: {  // a fuzzy word: the word itself with one byte changed or not
        std::string w = Any(words_);
        if (w.size() > 4 && Pick(2)) w[1 + Pick(w.size() - 2)] = 'q';
        return w + (Pick(2) ? "~1" : "~");
      }
      case 7:  // a field group
        return (Pick(2) ? "title:(" : "topic:(") + Any(words_) + (Pick(2) ? " OR " : " -") + Any(words_) + ")";
      case 6: {  // a prefix of a word, often longer than its stem (bytes: ASCII mostly)
        const std::string& w = Any(words_);
        size_t n = 1 + Pick(Pick(2) ? std::min<size_t>(w.size(), 6) : w.size());
        return (Pick(4) ? "" : "title:") + w.substr(0, n) + "*";
      }
      case 5: {
        const std::string& a = Any(authors_);
        size_t sp = a.rfind(' ');
        return "author:" + (sp == std::string::npos ? a : a.substr(sp + 1));
      }
      default:
        return Any(words_);
    }
  }

  std::mt19937 rng_;
  std::vector<std::string> words_, phrases_, actors_, topics_, authors_, exact_;
};

std::vector<Document> LoadCorpus() {
  const ingest::WalkResult walk = ingest::Walk({std::string(LOUPE_SOURCE_DIR) + "/corpus"}, {}).value();
  std::vector<Document> docs;
  for (const auto& f : walk.files) {
    if (f.format != ingest::Format::kText) continue;
    std::ifstream in(f.path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::vector<std::string> w;
    docs.push_back(ingest::ParseArticle(ss.str(), f.id, f.path, &w).value());
  }
  // As the index's writer tags them (IndexOptions::tagging, with the built-in
  // data of an index that stores none): the brute-force evaluation reads the
  // documents the index holds. Tagging them again changes nothing.
  std::vector<std::string> tag_errors;
  auto tagger = Tagger::Create(BuiltinGazetteer(), BuiltinTopics(), &tag_errors).value();
  REQUIRE(tagger);
  for (Document& d : docs) REQUIRE(tagger->Tag(&d).ok());
  return docs;
}

}  // namespace

// An explanation's AND, OR and AND_MAYBE nodes score the sum of their matched
// children; a NOT scores nothing.
void CheckParts(const Explanation& e) {
  INFO("node: " << e.node);
  using K = Query::Kind;
  if (e.matched && (e.kind == K::kAnd || e.kind == K::kOr || e.kind == K::kAndMaybe)) {
    double sum = 0;
    for (const Explanation& c : e.children)
      if (c.matched && c.kind != K::kNot) sum += c.score;
    CHECK(sum == Approx(e.score).epsilon(1e-9));
  }
  if (e.kind == K::kNot) CHECK(e.score == 0);
  if (e.matched && e.children.empty() && e.score > 0) CHECK_FALSE(e.detail.empty());
  for (const Explanation& c : e.children) CheckParts(c);
}

TEST_CASE("random queries match a brute-force evaluation over the corpus") {
  std::vector<Document> docs = LoadCorpus();
  REQUIRE(docs.size() >= 60);

  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    // Several commits so postings are topped up across transactions, and one
    // replacement so tombstoned postings must be skipped.
    for (size_t i = 0; i < docs.size(); ++i) {
      REQUIRE((*w)->Add(docs[i]).ok());
      if (i % 17 == 16) REQUIRE((*w)->Commit().ok());
    }
    REQUIRE((*w)->Add(docs[0]).ok());
    REQUIRE((*w)->Commit().ok());
  }
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  std::vector<AnalyzedDoc> analyzed;
  for (const Document& d : docs) analyzed.push_back(AnalyzeDoc(d, **analyzer));
  REQUIRE((*analyzer)->SetStemmerLanguage("english").ok());
  // Query words are stemmed in each language the index holds (the bundled
  // corpus has French, German and Spanish articles).
  auto analysis = ReadIndexAnalysis(**index);
  REQUIRE(analysis.ok());
  CHECK(analysis->languages == std::vector<std::string>{"english", "french", "german", "spanish"});

  Reference reference(analyzed, **analyzer);
  QueryGen gen(docs, 20251128);
  REQUIRE_FALSE(gen.empty());
  int run = 0, nonempty = 0, partial = 0, scored = 0;
  for (int i = 0; i < 3000 && run < 700; ++i) {
    std::string text = gen.Make();
    auto q =
        CompileQuery(text, **analyzer, {.now = DaysFromCivil(2025, 9, 20), .stemming_languages = analysis->languages});
    if (!q.ok()) continue;  // e.g. a generated word that analyzes to nothing
    ++run;
    std::set<std::string> want;
    std::map<std::string, double> score;  // the reference's, by document id
    for (const AnalyzedDoc& d : analyzed) {
      if (auto s = reference.Score(*q, d)) {
        want.insert(d.id);
        score[d.id] = *s;
      }
    }
    auto res = (*index)->Search(*q, {.limit = 1000});
    REQUIRE(res.ok());
    if (!res->warnings.empty()) continue;  // an expansion was capped: not comparable
    std::set<std::string> got;
    for (const Hit& h : res->hits) got.insert(h.document.id);
    INFO("query: " << text << "\nplan: " << q->ToString());
    REQUIRE(got == want);
    REQUIRE(res->total == want.size());
    // Every hit has the reference's score (the index keeps BM25's length part
    // as a float: equal to about 1e-7), and the hits come best first.
    for (size_t h = 0; h < res->hits.size(); ++h) {
      const Hit& hit = res->hits[h];
      INFO("hit " << h << ": " << hit.document.id);
      REQUIRE(hit.score == Approx(score[hit.document.id]).epsilon(1e-6).margin(1e-9));
      if (h > 0) REQUIRE(score[res->hits[h - 1].document.id] >= score[hit.document.id] * (1 - 1e-6) - 1e-9);
      if (hit.score > 0) ++scored;
    }
    // Counting only (no hits wanted) may evaluate subtrees as bitsets.
    auto counted = (*index)->Search(*q, {.limit = 0, .load_documents = false});
    REQUIRE(counted.ok());
    REQUIRE(counted->total == want.size());
    // Pruned top-k search returns the same best hits.
    for (size_t k : {1, 5}) {
      auto exact = (*index)->Search(*q, {.limit = k, .load_documents = false});
      auto pruned = (*index)->Search(*q, {.limit = k, .load_documents = false, .exact_total = false});
      REQUIRE((exact.ok() && pruned.ok()));
      REQUIRE(pruned->hits.size() == exact->hits.size());
      for (size_t h = 0; h < exact->hits.size(); ++h) {
        REQUIRE(pruned->hits[h].doc_id == exact->hits[h].doc_id);
        REQUIRE(pruned->hits[h].score == exact->hits[h].score);
      }
    }
    // Explain gives each of the best hits the score Search gave it, and its
    // parts add up.
    if (run <= 200) {
      auto top = (*index)->Search(*q, {.limit = 3});
      REQUIRE(top.ok());
      for (const Hit& h : top->hits) {
        auto e = (*index)->Explain(*q, h.document.id);
        REQUIRE(e.ok());
        REQUIRE(e->matched);
        REQUIRE(e->score == h.score);
        CheckParts(*e);
      }
    }
    if (!want.empty()) ++nonempty;
    if (!want.empty() && want.size() < docs.size()) ++partial;
  }
  CHECK(run >= 500);
  // The generator must produce informative queries, not only empty or full sets.
  CHECK(partial >= run / 4);
  CHECK(scored >= 5000);  // hits whose nonzero scores were compared

  // =Form from the query text alone, independently of the plan: a word matches
  // where a token of the field is written as the form (docs/query-language.md,
  // Exact words): its bytes if folding changes the form, else its folded form.
  std::set<std::string> tried;
  int exact_checked = 0, exact_informative = 0;
  for (const std::string& word : gen.exact_words()) {
    std::vector<Token> toks;
    (*analyzer)->Analyze(word, /*stem=*/false, 0, &toks).value();
    if (toks.size() != 1 || !tried.insert(word).second) continue;  // more than one word is an error
    const std::string form = PlainApostrophes(word.substr(toks[0].begin, toks[0].end - toks[0].begin));
    for (bool title : {true, false}) {
      std::set<std::string> want, stem;
      for (const AnalyzedDoc& d : analyzed) {
        for (Field f : {Field::kTitle, Field::kBody, Field::kActor, Field::kTopic}) {
          if (title && f != Field::kTitle) continue;
          if (reference.ExactCount(d, f, form) > 0) want.insert(d.id);
        }
      }
      const std::string text = (title ? "title:=" : "=") + word;
      auto q = CompileQuery(text, **analyzer,
                            {.now = DaysFromCivil(2025, 9, 20), .stemming_languages = analysis->languages});
      REQUIRE(q.ok());
      auto res = (*index)->Search(*q, {.limit = 1000});
      REQUIRE(res.ok());
      std::set<std::string> got;
      for (const Hit& h : res->hits) got.insert(h.document.id);
      INFO("query: " << text << "\nplan: " << q->ToString());
      CHECK(got == want);
      ++exact_checked;
      auto plain = CompileQuery(title ? "title:" + word : word, **analyzer,
                                {.now = DaysFromCivil(2025, 9, 20), .stemming_languages = analysis->languages});
      REQUIRE(plain.ok());
      auto stemmed = (*index)->Search(*plain, {.limit = 0, .load_documents = false});
      REQUIRE(stemmed.ok());
      if (!want.empty() && want.size() < stemmed->total) ++exact_informative;
    }
  }
  CHECK(exact_checked >= 80);
  CHECK(exact_informative >= 10);  // forms that the stem alone would not tell apart
}

TEST_CASE("pruned top-k equals exhaustive top-k for phrases, sloppy phrases and same-sentence words") {
  // A small vocabulary in sentences, so that phrases are frequent, span many
  // blocks and repeat within documents: a pruned search skips most candidates
  // on their words' frequencies alone, before reading positions, and must
  // keep the same best hits and scores as the exhaustive one.
  std::mt19937 rng(7);
  std::vector<std::string> vocab;
  for (int i = 0; i < 40; ++i) vocab.push_back("p" + std::to_string(i) + "q");
  auto word = [&] {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return vocab[static_cast<size_t>(std::pow(u, 2.0) * static_cast<double>(vocab.size() - 1))];
  };
  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true, .tagging = false});
  REQUIRE(index.ok());
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    for (int i = 0; i < 3000; ++i) {
      Document d;
      d.id = "d" + std::to_string(i);
      size_t n = 4 + rng() % (i % 10 == 0 ? 300 : 40);
      for (size_t k = 0; k < n; ++k) d.body += word() + (rng() % 8 ? " " : ". ");
      for (size_t k = 0; k < 1 + rng() % 5; ++k) d.title += word() + " ";
      REQUIRE((*w)->Add(d).ok());
    }
    REQUIRE((*w)->Commit().ok());
  }
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  int compared = 0, pruned_runs = 0;
  for (int i = 0; i < 300; ++i) {
    std::string text;
    switch (i % 6) {
      case 0:
      case 1:
        text = "\"" + word() + " " + word() + "\"";
        break;
      case 2:
        text = "\"" + word() + " " + word() + " " + word() + "\"";
        break;
      case 3:
        text = "\"" + word() + " " + word() + "\"~" + std::to_string(1 + rng() % 3);
        break;
      case 4:
        text = word() + " NEAR/s " + word();
        break;
      default:
        text = "(\"" + word() + " " + word() + "\" OR title:" + word() + ")";
        break;
    }
    auto q = CompileQuery(text, **analyzer);
    REQUIRE(q.ok());
    for (size_t k : {1, 10}) {
      auto exact = (*index)->Search(*q, {.limit = k, .load_documents = false});
      auto pruned = (*index)->Search(*q, {.limit = k, .load_documents = false, .exact_total = false});
      REQUIRE((exact.ok() && pruned.ok()));
      INFO("query: " << text << " k " << k);
      REQUIRE(pruned->hits.size() == exact->hits.size());
      for (size_t h = 0; h < exact->hits.size(); ++h) {
        REQUIRE(pruned->hits[h].doc_id == exact->hits[h].doc_id);
        REQUIRE(pruned->hits[h].score == exact->hits[h].score);
      }
      REQUIRE(pruned->total <= exact->total);
      if (pruned->total < exact->total) ++pruned_runs;
      ++compared;
    }
  }
  CHECK(compared == 600);
  CHECK(pruned_runs > 100);
  // One field's phrase alone (no OR above it to skip a branch): whatever a
  // pruned search skips, the phrase's own bound skipped.
  auto stem = [&](const std::string& w) {
    std::vector<Token> tokens;
    REQUIRE((*analyzer)->Analyze(w, true, 0, &tokens).ok());
    REQUIRE(tokens.size() == 1);
    return tokens[0].term;
  };
  int body_pruned = 0;
  for (int i = 0; i < 100; ++i) {
    std::vector<std::string> words{stem(word()), stem(word())};
    if (i % 3 == 0) words.push_back(stem(word()));
    Query q = i % 4 == 3 ? Query::SloppyPhrase(Field::kBody, words, {}, 2) : Query::Phrase(Field::kBody, words);
    auto exact = (*index)->Search(q, {.limit = 10, .load_documents = false});
    auto pruned = (*index)->Search(q, {.limit = 10, .load_documents = false, .exact_total = false});
    REQUIRE((exact.ok() && pruned.ok()));
    REQUIRE(pruned->hits.size() == exact->hits.size());
    for (size_t h = 0; h < exact->hits.size(); ++h) {
      REQUIRE(pruned->hits[h].doc_id == exact->hits[h].doc_id);
      REQUIRE(pruned->hits[h].score == exact->hits[h].score);
    }
    if (pruned->total < exact->total) ++body_pruned;
  }
  CHECK(body_pruned > 30);
}

TEST_CASE("pruned top-k equals exhaustive top-k on a many-block index") {
  // Zipf-like vocabulary, so frequent terms span many postings blocks with
  // varied bounds, and random boolean queries over it.
  std::mt19937 rng(99);
  std::vector<std::string> vocab;
  for (int i = 0; i < 400; ++i) vocab.push_back("w" + std::to_string(i) + "x");
  auto word = [&] {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return vocab[static_cast<size_t>(std::pow(u, 2.5) * static_cast<double>(vocab.size() - 1))];
  };
  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    for (int i = 0; i < 4000; ++i) {
      Document d;
      d.id = "d" + std::to_string(i);
      size_t n = 3 + rng() % (i % 10 == 0 ? 400 : 60);
      for (size_t k = 0; k < n; ++k) d.body += word() + " ";
      for (size_t k = 0; k < 1 + rng() % 6; ++k) d.title += word() + " ";
      d.date = Days{18000 + static_cast<int>(rng() % 3000)};
      REQUIRE((*w)->Add(d).ok());
      if (i % 1500 == 1499) REQUIRE((*w)->Commit().ok());
    }
    REQUIRE((*w)->Commit().ok());
  }
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto term = [&] { return word(); };
  std::function<std::string(int)> gen = [&](int depth) -> std::string {
    int kind = static_cast<int>(rng() % (depth > 2 ? 3 : 7));
    switch (kind) {
      case 0:
      case 1:
        return term();
      case 2:
        return rng() % 3 ? "title:" + term() : term().substr(0, 2) + "*";  // w1* expands to w1x, w10x..w199x
      case 3:
        return "(" + gen(depth + 1) + " OR " + gen(depth + 1) + (rng() % 2 ? " OR " + gen(depth + 1) : "") + ")";
      case 4:
        return "(" + gen(depth + 1) + " " + gen(depth + 1) + ")";
      case 5:
        return "(" + gen(depth + 1) + " -" + term() + ")";
      default:
        return rng() % 2 ? "\"" + term() + " " + term() + "\"" : "(" + term() + " date:2000..2030)";
    }
  };
  int compared = 0, pruned_runs = 0;
  for (int i = 0; i < 400; ++i) {
    std::string text = gen(0);
    auto q = CompileQuery(text, **analyzer);
    REQUIRE(q.ok());
    for (size_t k : {1, 10, 37}) {
      for (size_t off : {0, 3}) {
        auto exact = (*index)->Search(*q, {.limit = k, .offset = off, .load_documents = false});
        auto pruned = (*index)->Search(*q, {.limit = k, .offset = off, .load_documents = false, .exact_total = false});
        REQUIRE((exact.ok() && pruned.ok()));
        INFO("query: " << text << " k " << k << " offset " << off);
        REQUIRE(pruned->hits.size() == exact->hits.size());
        for (size_t h = 0; h < exact->hits.size(); ++h) {
          REQUIRE(pruned->hits[h].doc_id == exact->hits[h].doc_id);
          REQUIRE(pruned->hits[h].score == exact->hits[h].score);
        }
        REQUIRE(pruned->total <= exact->total);
        if (k == 1 && off == 0) {
          auto counted = (*index)->Search(*q, {.limit = 0, .load_documents = false});
          REQUIRE(counted.ok());
          REQUIRE(counted->total == exact->total);
        }
        if (pruned->total_exact) REQUIRE(pruned->total == exact->total);
        if (!pruned->total_exact) ++pruned_runs;
        ++compared;
      }
    }
  }
  CHECK(compared == 2400);
  CHECK(pruned_runs > 200);  // pruning really happened
}

TEST_CASE("a +required part inside OR: its matches only, the others add to the score") {
  std::vector<Document> docs = LoadCorpus();
  test::TempDir dir;
  auto index = test::NewIndex(dir, docs);
  test::QueryCompiler compile;
  auto search = [&](const char* text) {
    auto r = index->Search(compile(text), {.limit = 1000, .load_documents = false});
    REQUIRE(r.ok());
    std::map<uint32_t, double> scores;
    for (const Hit& h : r->hits) scores[h.doc_id] = h.score;
    return scores;
  };
  auto maybe = search("tariffs OR +china");
  auto required = search("china");
  auto both = search("china tariffs");
  REQUIRE(!both.empty());
  REQUIRE(both.size() < required.size());  // the optional part must make a difference somewhere
  CHECK(maybe.size() == required.size());
  for (const auto& [doc, score] : maybe) {
    REQUIRE(required.count(doc) == 1);
    double want = both.count(doc) ? both[doc] : required[doc];
    CHECK(score == Approx(want).epsilon(1e-12));
  }
  // Outside OR, + changes nothing.
  CHECK(search("+china tariffs") == both);
  // Two required parts are both required.
  CHECK(search("+china OR +tariffs OR soybeans").size() == both.size());
}

TEST_CASE("NEAR/s matches words of one sentence only, in ASCII and other text") {
  test::TempDir dir;
  auto doc = test::MakeDoc;
  auto index =
      test::NewIndex(dir, {doc("split", "Markets", "Tariffs rose sharply. Soybeans fell."),
                           doc("same", "Markets", "Tariffs on soybeans rose. Nothing else."),
                           doc("cafe-split", "Caf\xC3\xA9 news", "Caf\xC3\xA9 tariffs rose! Soybeans fell."),
                           doc("cafe-same", "Caf\xC3\xA9 news", "Caf\xC3\xA9 owners fear tariffs and soybeans."),
                           doc("abbrev", "Markets", "The U.S. raised tariffs on soybeans."),
                           doc("title", "Tariffs hit soybeans", "Nothing here.")});
  test::QueryCompiler compile;
  auto ids = [&](const char* text) { return test::HitIds(*index, compile(text)); };
  CHECK(ids("tariffs NEAR/s soybeans") == std::set<std::string>{"same", "cafe-same", "abbrev", "title"});
  CHECK(ids("soybeans NEAR/s tariffs") == ids("tariffs NEAR/s soybeans"));
  CHECK(ids("title:tariffs NEAR/s title:soybeans") == std::set<std::string>{"title"});
  CHECK(ids("tariffs NEAR/50 soybeans").size() == 6);  // a window ignores sentences
  // The sentence marks are not words: no prefix or fuzzy term reaches them.
  // "\x01s" is one edit from "xs"; only "us" (from U.S.) may match.
  CHECK(ids("xs~1") == std::set<std::string>{"abbrev"});
  // Replacing a document retires its marks with its words.
  test::AddAndCommit(*index, {doc("same", "Markets", "Tariffs rose. Soybeans fell.")});
  CHECK(ids("tariffs NEAR/s soybeans") == std::set<std::string>{"cafe-same", "abbrev", "title"});
}

TEST_CASE("=Form matches the word as written: whole words, smart case, not the stem") {
  std::vector<Document> docs = LoadCorpus();
  test::TempDir dir;
  auto index = test::NewIndex(dir, docs);
  test::QueryCompiler compile;
  // Brute force: whole-word string matches over the stored text.
  auto expect = [&](const std::string& word, bool title, bool icase) {
    // A word is bounded by anything but letters, digits, '_' and apostrophes (’ too).
    auto inner = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '\''; };
    auto lower = [](std::string s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    const std::string w = icase ? lower(word) : word;
    std::set<std::string> out;
    for (const Document& d : docs) {
      const std::string text = icase ? lower(title ? d.title : d.body) : (title ? d.title : d.body);
      for (size_t at = text.find(w); at != std::string::npos; at = text.find(w, at + 1)) {
        size_t end = at + w.size();
        bool before = at == 0 || (!inner(static_cast<unsigned char>(text[at - 1])) && text[at - 1] != '\x99');
        bool after = end == text.size() ||
                     (!inner(static_cast<unsigned char>(text[end])) && text.compare(end, 3, "\xE2\x80\x99") != 0);
        if (before && after) {
          out.insert(d.id);
          break;
        }
      }
    }
    return out;
  };
  auto got = [&](const std::string& text) { return test::HitIds(*index, compile(text)); };
  int informative = 0;
  for (const char* w : {"Tariffs", "tariffs", "Tariff", "tariff", "China", "Talks", "talks", "US", "Trade", "trade"}) {
    // Smart case: a word without capitals matches any case.
    bool icase = std::none_of(w, w + std::strlen(w), [](char c) { return c >= 'A' && c <= 'Z'; });
    for (bool title : {true, false}) {
      INFO("word: " << w << (title ? " in titles" : " in bodies"));
      std::set<std::string> want = expect(w, title, icase);
      std::set<std::string> have = got(std::string(title ? "title" : "") + (title ? ":=" : "=") + w);
      if (title) {
        CHECK(have == want);
      } else {
        // Bare: title, body, actor and topic; the body's matches are among them.
        for (const std::string& id : want) CHECK(have.count(id) == 1);
      }
      // The stem finds at least as much, and for these words strictly more somewhere.
      std::set<std::string> stem = got(std::string("title:") + w);
      if (title)
        for (const std::string& id : have) CHECK(stem.count(id) == 1);
      if (title && !want.empty() && want.size() < stem.size()) ++informative;
    }
  }
  CHECK(informative >= 3);
}

TEST_CASE("an actor scores the same whatever name an article used") {
  // Articles that differ only in the name they give Scott Bessent: declared
  // by his canonical name, by an alias, by his name in Chinese; and one that
  // declares nobody and names him in its body (the writer detects him).
  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  const char* kZh =
      "\xE6\x96\xAF\xE7\xA7\x91\xE7\x89\xB9\xC2\xB7\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9";  // 斯科特·贝森特
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    int n = 0;
    for (std::vector<std::string> actors : std::vector<std::vector<std::string>>{
             {"Scott Bessent"}, {"Bessent"}, {kZh}, {"Treasury Secretary Scott Bessent"}, {}}) {
      Document d;
      d.id = "d" + std::to_string(n++);
      d.title = "Talks resume";
      d.body =
          actors.empty() ? "Treasury Secretary Scott Bessent said the talks would resume." : "The talks would resume.";
      d.actors = actors;
      REQUIRE((*w)->Add(d).ok());
    }
    // Others, so that the actor's term is not in every document.
    for (int i = 0; i < 5; ++i) {
      Document d;
      d.id = "other" + std::to_string(i);
      d.body = "Markets were calm.";
      d.actors = {"Jamieson Greer"};
      REQUIRE((*w)->Add(d).ok());
    }
    REQUIRE((*w)->Commit().ok());
  }
  std::vector<double> first;
  for (const std::string& q :
       {std::string("actor:Bessent"), std::string("actor:\"Scott Bessent\""), "actor:" + std::string(kZh),
        std::string("actor:\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9")}) {
    INFO(q);
    auto compiled = CompileQuery(q, **index);
    REQUIRE(compiled.ok());
    auto found = (*index)->Search(*compiled, {.limit = 100});
    REQUIRE(found.ok());
    REQUIRE(found->total == 5);  // every one of them, and no other
    std::map<std::string, double> score;
    for (const Hit& h : found->hits) score[h.document.id] = h.score;
    std::vector<double> scores;
    for (int i = 0; i < 5; ++i) {
      REQUIRE(score.count("d" + std::to_string(i)));
      scores.push_back(score["d" + std::to_string(i)]);
      CHECK(scores.back() > 0);
      CHECK(scores.back() == scores[0]);  // exactly: the same term, the same statistics
    }
    if (first.empty()) first = scores;
    CHECK(scores == first);  // whichever name the query used
  }
  // The name the article gave is kept beside the canonical one.
  auto d2 = (*index)->GetDocument("d2");
  REQUIRE(d2.ok());
  CHECK(d2->actors == std::vector<std::string>{"Scott Bessent"});
  bool declared = false;
  for (const auto& [k, v] : d2->extra) declared |= k == "Actors-Declared" && v == kZh;
  CHECK(declared);
}

// A prefix reaches the stem "happi" through "happiness", and "happy" (no
// word starting with happi*) keeps its stem under check: the document's count
// for that stem is its words of that stem starting with the prefix. Known to
// fail: the engine counts every word starting with the prefix, so "happily"
// (stem "happili", an expansion of its own) is counted under "happi" too.
// Hidden until the engine counts per stem (run it with its tag).
TEST_CASE("a checked prefix stem counts only its own words", "[prefix-stem-count]") {
  test::TempDir dir;
  std::vector<Document> docs = {test::MakeDoc("a", "One", "Happily the happy happiness spread."),
                                test::MakeDoc("b", "Two", "She was happy."),
                                test::MakeDoc("c", "Three", "Nothing here.")};
  auto index = test::NewIndex(dir, docs);
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  std::vector<AnalyzedDoc> analyzed;
  for (const Document& d : docs) analyzed.push_back(AnalyzeDoc(d, **analyzer));
  REQUIRE((*analyzer)->SetStemmerLanguage("english").ok());
  Reference reference(analyzed, **analyzer);
  auto q = CompileQuery("happi*", **analyzer);
  REQUIRE(q.ok());
  auto res = index->Search(*q, {.limit = 10});
  REQUIRE(res.ok());
  REQUIRE(res->hits.size() == 1);
  auto want = reference.Score(*q, analyzed[0]);
  REQUIRE(want);
  CHECK(res->hits[0].score == Approx(*want).epsilon(1e-6));
}

namespace {

// The corpus's documents as the splits of a collection by month (undated
// ones in "undated"), each split an index holding them in corpus order, and
// the SplitRefs that search them, by month.
struct MonthSplits {
  std::vector<std::unique_ptr<Index>> indexes;
  std::vector<SplitRef> refs;
};

std::string MonthOf(const Document& d) {
  if (!d.date) return "undated";
  return FormatIsoDate(*d.date).substr(0, 7);
}

MonthSplits MakeMonthSplits(const std::vector<Document>& docs, const std::string& dir,
                            const std::function<void(const std::string&, Writer&)>& after) {
  std::map<std::string, std::vector<const Document*>> by_month;  // "undated" sorts after the digits
  for (const Document& d : docs) by_month[MonthOf(d)].push_back(&d);
  MonthSplits out;
  for (const auto& [month, list] : by_month) {
    auto index = Index::Open(dir + "/" + month, {.create_if_missing = true});
    REQUIRE(index.ok());
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    SplitRef ref;
    ref.name = month;
    for (const Document* d : list) {
      REQUIRE((*w)->Add(*d).ok());
      if (d->date) {
        ref.first = ref.first == INT32_MIN ? *d->date : std::min(ref.first, *d->date);
        ref.last = ref.last == INT32_MIN ? *d->date : std::max(ref.last, *d->date);
      }
    }
    REQUIRE((*w)->Commit().ok());
    after(month, **w);
    REQUIRE((*w)->Commit().ok());
    ref.index = index->get();
    out.refs.push_back(ref);
    out.indexes.push_back(std::move(*index));
  }
  return out;
}

void SameResults(const SearchResults& one, const SearchResults& many) {
  REQUIRE(one.total == many.total);
  REQUIRE(one.hits.size() == many.hits.size());
  for (size_t h = 0; h < one.hits.size(); ++h) {
    INFO("hit " << h << ": " << one.hits[h].document.id << " / " << many.hits[h].document.id);
    REQUIRE(one.hits[h].document.id == many.hits[h].document.id);
    REQUIRE(std::fabs(one.hits[h].score - many.hits[h].score) <= 1e-9);
  }
  REQUIRE(one.facets.size() == many.facets.size());
  for (size_t f = 0; f < one.facets.size(); ++f) {
    INFO("facet " << one.facets[f].name);
    REQUIRE(one.facets[f].missing == many.facets[f].missing);
    REQUIRE(one.facets[f].distinct == many.facets[f].distinct);
    REQUIRE(one.facets[f].counts.size() == many.facets[f].counts.size());
    for (size_t c = 0; c < one.facets[f].counts.size(); ++c) {
      REQUIRE(one.facets[f].counts[c].value == many.facets[f].counts[c].value);
      REQUIRE(one.facets[f].counts[c].count == many.facets[f].counts[c].count);
      REQUIRE(one.facets[f].counts[c].split == many.facets[f].counts[c].split);
    }
  }
  REQUIRE(one.warnings == many.warnings);
  REQUIRE(one.next_cursor.empty() == many.next_cursor.empty());
}

// Node by node, the same matches and scores. (A leaf's detail may differ
// where a split has one expansion of a prefix and the index several.)
void SameExplanation(const Explanation& a, const Explanation& b) {
  INFO("node: " << a.node);
  REQUIRE(a.node == b.node);
  REQUIRE(a.matched == b.matched);
  REQUIRE(std::fabs(a.score - b.score) <= 1e-9);
  REQUIRE(a.children.size() == b.children.size());
  for (size_t i = 0; i < a.children.size(); ++i) SameExplanation(a.children[i], b.children[i]);
}

}  // namespace

TEST_CASE("a collection of monthly splits ranks exactly as one index of the same documents", "[collection]") {
  std::vector<Document> docs = LoadCorpus();
  REQUIRE(docs.size() >= 60);
  // Two documents dated the same day and written the same: equal scores,
  // ranked by the order they were added in both layouts.
  Document twin = docs[3];
  twin.id = "twin-of-" + docs[3].id;
  docs.push_back(twin);

  test::TempDir dir;
  auto index = Index::Open(dir.sub("one"), {.create_if_missing = true});
  REQUIRE(index.ok());
  // One replacement and one deletion after the first commit, in both layouts.
  Document replaced = docs[5];
  replaced.body += " A correction was appended to this article later.";
  const std::string deleted = docs[9].id;
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    for (const Document& d : docs) REQUIRE((*w)->Add(d).ok());
    REQUIRE((*w)->Commit().ok());
    REQUIRE((*w)->Add(replaced).ok());
    REQUIRE((*w)->Delete(deleted).ok());
    REQUIRE((*w)->Commit().ok());
  }
  MonthSplits splits = MakeMonthSplits(docs, dir.sub("splits"), [&](const std::string& month, Writer& w) {
    if (month == MonthOf(replaced)) REQUIRE(w.Add(replaced).ok());
    if (month == MonthOf(docs[9])) REQUIRE(w.Delete(deleted).ok());
  });
  REQUIRE(splits.refs.size() >= 6);
  const uint64_t id = 0x5eed;

  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto analysis = ReadIndexAnalysis(**index);
  REQUIRE(analysis.ok());
  QueryGen gen(docs, 20261206);
  int run = 0, pruned_splits = 0, in_one_split = 0, paged = 0;
  for (int i = 0; i < 2000 && run < 400; ++i) {
    std::string text = gen.Make();
    auto q =
        CompileQuery(text, **analyzer, {.now = DaysFromCivil(2025, 9, 20), .stemming_languages = analysis->languages});
    if (!q.ok()) continue;
    ++run;
    INFO("query: " << text << "\nplan: " << q->ToString());
    SearchOptions o{.limit = 1000};
    if (run % 3 == 0)
      o.facets = {{.field = FacetField::kActor},
                  {.field = FacetField::kTopic, .split = true, .split_field = FacetField::kActor},
                  {.field = FacetField::kDate, .unit = DateUnit::kMonth}};
    if (run % 5 == 0) o.sort = SortOrder::kDateDescending;
    auto one = (*index)->Search(*q, o);
    auto many = SearchSplits(splits.refs, id, *q, o);
    REQUIRE(one.ok() == many.ok());
    if (!one.ok()) continue;
    SameResults(*one, *many);
    if (one->hits.empty()) continue;

    // Which splits hold the matches, and whether the date filter skipped any.
    std::set<std::string> months;
    for (const Hit& h : many->hits) months.insert(h.split);
    in_one_split += months.size() == 1;
    for (const SplitRef& r : splits.refs)
      if (std::string qs = q->ToString(); qs.find("date:") != std::string::npos && !months.count(r.name)) {
        ++pruned_splits;
        break;
      }

    // The same pages, by cursor, three hits at a time.
    if (run % 4 == 0) {
      SearchOptions p{.limit = 3, .load_documents = true, .sort = o.sort};
      std::string a, b;
      for (int page = 0; page < 50; ++page) {
        p.after = a;
        auto x = (*index)->Search(*q, p);
        p.after = b;
        auto y = SearchSplits(splits.refs, id, *q, p);
        REQUIRE(x.ok());
        REQUIRE(y.ok());
        SameResults(*x, *y);
        a = x->next_cursor;
        b = y->next_cursor;
        if (a.empty()) break;
        ++paged;
      }
    }
    // Pruned top 10: the same hits.
    auto x = (*index)->Search(*q, {.limit = 10, .exact_total = false});
    auto y = SearchSplits(splits.refs, id, *q, {.limit = 10, .exact_total = false});
    REQUIRE(x.ok());
    REQUIRE(y.ok());
    REQUIRE(x->hits.size() == y->hits.size());
    for (size_t h = 0; h < x->hits.size(); ++h) {
      REQUIRE(x->hits[h].document.id == y->hits[h].document.id);
      REQUIRE(std::fabs(x->hits[h].score - y->hits[h].score) <= 1e-9);
    }
    // The best hit explained: the same score, node by node at the root.
    auto e1 = (*index)->Explain(*q, one->hits[0].document.id);
    auto e2 = ExplainInSplits(splits.refs, *q, one->hits[0].document.id);
    REQUIRE(e1.ok());
    REQUIRE(e2.ok());
    SameExplanation(*e1, *e2);
  }
  CHECK(run >= 300);
  CHECK(pruned_splits > 10);
  CHECK(in_one_split > 10);
  CHECK(paged > 20);

  // The dictionary: the sums over the splits.
  for (const char* term : {"tariff", "china", "bessent", "zzz"})
    for (Field f : {Field::kBody, Field::kTitle, Field::kActor}) {
      auto a = (*index)->DocFreq(f, term);
      auto b = DocFreqInSplits(splits.refs, f, term);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      CHECK(*a == *b);
    }
  for (const char* prefix : {"", "ta", "ch"}) {
    std::vector<std::pair<std::string, uint64_t>> a, b;
    REQUIRE((*index)
                ->ScanTerms(Field::kBody, prefix,
                            [&](std::string_view t, uint64_t n) {
                              a.emplace_back(std::string(t), n);
                              return true;
                            })
                .ok());
    REQUIRE(ScanTermsInSplits(splits.refs, Field::kBody, prefix, [&](std::string_view t, uint64_t n) {
              b.emplace_back(std::string(t), n);
              return true;
            }).ok());
    CHECK(a == b);
    CHECK(!a.empty());
  }

  // Expansions and words: the collection's, capped across it.
  for (const char* word : {"ta", "tarif", "ch", "bes"}) {
    INFO(word);
    for (const Query& q : {Query::Prefix(Field::kBody, word), Query::Prefix(Field::kActor, word, 3),
                           Query::Fuzzy(Field::kBody, std::string(word) + "x", 2, 4)}) {
      std::vector<std::string> w1, w2;
      auto a = (*index)->Expansions(q, &w1);
      auto b = ExpansionsInSplits(splits.refs, q, &w2);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      CHECK(std::set(a->begin(), a->end()) == std::set(b->begin(), b->end()));
      CHECK(w1 == w2);
      auto c = (*index)->Words(q);
      auto d = WordsInSplits(splits.refs, q);
      REQUIRE(c.ok());
      REQUIRE(d.ok());
      CHECK(std::set(c->begin(), c->end()) == std::set(d->begin(), d->end()));
    }
  }
}

TEST_CASE("a collection partitioned by month, built by its writer, searches as one index", "[collection]") {
  std::vector<Document> docs = LoadCorpus();
  test::TempDir dir;
  auto one = Index::Open(dir.sub("one"), {.create_if_missing = true});
  REQUIRE(one.ok());
  auto many = Index::Open(dir.sub("many"), {.create_if_missing = true, .partition = Partition::kMonth});
  REQUIRE(many.ok());
  for (Index* ix : {one->get(), many->get()}) {
    auto w = ix->NewWriter();
    REQUIRE(w.ok());
    for (size_t i = 0; i < docs.size(); ++i) {
      REQUIRE((*w)->Add(docs[i]).ok());
      if (i % 23 == 22) REQUIRE((*w)->Commit().ok());
    }
    REQUIRE((*w)->Commit().ok());
    // A re-dated article moves to another month's split; one is deleted.
    Document moved = docs[2];
    moved.date = DaysFromCivil(2025, 12, 24);
    REQUIRE((*w)->Add(moved).ok());
    REQUIRE((*w)->Delete(docs[7].id).ok());
    REQUIRE((*w)->Commit().ok());
  }
  auto stats = (*many)->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->splits.size() >= 6);
  CHECK(stats->documents == docs.size() - 1);

  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto analysis = ReadIndexAnalysis(**one);
  REQUIRE(analysis.ok());
  QueryGen gen(docs, 771);
  int run = 0;
  for (int i = 0; i < 1500 && run < 250; ++i) {
    std::string text = gen.Make();
    auto q =
        CompileQuery(text, **analyzer, {.now = DaysFromCivil(2025, 9, 20), .stemming_languages = analysis->languages});
    if (!q.ok()) continue;
    ++run;
    INFO("query: " << text);
    SearchOptions o{.limit = 200};
    if (run % 2) o.facets = {{.field = FacetField::kActor}, {.field = FacetField::kDate, .unit = DateUnit::kWeek}};
    if (run % 7 == 0) o.collapse = true;
    auto a = (*one)->Search(*q, o);
    auto b = (*many)->Search(*q, o);
    REQUIRE(a.ok() == b.ok());
    if (!a.ok()) continue;
    SameResults(*a, *b);
    if (!a->hits.empty()) {
      auto e1 = (*one)->Explain(*q, a->hits[0].document.id);
      auto e2 = (*many)->Explain(*q, a->hits[0].document.id);
      REQUIRE(e1.ok());
      REQUIRE(e2.ok());
      SameExplanation(*e1, *e2);
    }
  }
  CHECK(run >= 200);
}
