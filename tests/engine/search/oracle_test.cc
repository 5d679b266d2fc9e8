// Oracle test: random queries built from the corpus vocabulary must return
// exactly the documents a brute-force evaluation of the same planned query finds
// over the analyzed documents.
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

#include "index/format.h"
#include "loupe/builtin_data.h"
#include "loupe/index.h"
#include "loupe/ingest/article.h"
#include "loupe/language.h"
#include "loupe/query_parser.h"
#include "loupe/tagger.h"
#include "support/test_util.h"

using namespace loupe;

namespace {

struct AnalyzedDoc {
  std::string id;
  std::optional<Days> date;
  std::map<std::string, std::vector<uint32_t>> fields[kNumFields];  // term -> positions
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
    std::vector<Token> toks;
    uint32_t pos = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) pos += format::kActorGap;
      pos = a.AnalyzeField(f, values[i], pos, &toks).value();
    }
    for (const Token& t : toks) out.fields[static_cast<int>(f)][t.term].push_back(t.position);
    std::vector<Token> written;
    for (const std::string& v : values) a.Analyze(v, /*stem=*/false, 0, &written).value();
    for (const Token& t : written) out.words[static_cast<int>(f)].insert(t.term);
    if (f == Field::kTitle || f == Field::kBody) {
      std::vector<uint32_t> starts;
      REQUIRE(a.SentenceStarts(values[0], &starts).ok());
      for (const Token& t : toks)
        out.sentence_of[static_cast<int>(f)][t.position] =
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

bool Eval(const Query& q, const AnalyzedDoc& d) {
  switch (q.kind()) {
    case Query::Kind::kTerm:
      return d.fields[static_cast<int>(q.field())].count(q.terms()[0]) > 0;
    case Query::Kind::kPhrase: {
      const auto& f = d.fields[static_cast<int>(q.field())];
      auto first = f.find(q.terms()[0]);
      if (first == f.end()) return false;
      if (q.slop() > 0) {
        // Exhaustively: positions q_i, each at least its phrase distance after
        // the previous, spanning at most the phrase's span plus the slop.
        std::vector<const std::vector<uint32_t>*> lists;
        for (const std::string& t : q.terms()) {
          auto it = f.find(t);
          if (it == f.end()) return false;
          lists.push_back(&it->second);
        }
        const auto& g = q.gaps();
        std::function<bool(size_t, uint32_t, uint32_t)> fits = [&](size_t i, uint32_t start, uint32_t prev) {
          if (i == lists.size()) return prev - start <= g.back() - g[0] + q.slop();
          for (uint32_t p : *lists[i])
            if (p >= prev + (g[i] - g[i - 1]) && fits(i + 1, start, p)) return true;
          return false;
        };
        for (uint32_t p : *lists[0])
          if (fits(1, p, p)) return true;
        return false;
      }
      for (uint32_t p : first->second) {
        bool all = true;
        for (size_t i = 1; i < q.terms().size() && all; ++i) {
          auto it = f.find(q.terms()[i]);
          all = it != f.end() && std::count(it->second.begin(), it->second.end(), p + q.gaps()[i]) > 0;
        }
        if (all) return true;
      }
      return false;
    }
    case Query::Kind::kAnd:
      for (const Query& c : q.children())
        if (!Eval(c, d)) return false;
      return true;
    case Query::Kind::kOr:
      for (const Query& c : q.children())
        if (Eval(c, d)) return true;
      return false;
    case Query::Kind::kNot:
      return !Eval(q.children()[0], d);
    case Query::Kind::kDateRange:
      return d.date && *d.date >= q.lo() && *d.date <= q.hi();
    case Query::Kind::kPrefix: {  // a word as written (whole-word matching, like =Form) starts with it
      const auto& f = d.words[static_cast<int>(q.field())];
      auto it = f.lower_bound(q.terms()[0]);
      return it != f.end() && it->compare(0, q.terms()[0].size(), q.terms()[0]) == 0;
    }
    case Query::Kind::kBoost:
    case Query::Kind::kAndMaybe:
      return Eval(q.children()[0], d);
    case Query::Kind::kExact:
      return Eval(Query::Term(q.field(), q.terms()[0]), d);  // not generated; see the exact-form test
    case Query::Kind::kSentence: {  // some sentence holds every term
      const int fi = static_cast<int>(q.field());
      std::set<size_t> common;
      for (size_t i = 0; i < q.terms().size(); ++i) {
        auto it = d.fields[fi].find(q.terms()[i]);
        if (it == d.fields[fi].end()) return false;
        std::set<size_t> here;
        for (uint32_t p : it->second) here.insert(d.sentence_of[fi].at(p));
        if (i == 0) {
          common = here;
        } else {
          std::set<size_t> both;
          for (size_t s : common)
            if (here.count(s)) both.insert(s);
          common.swap(both);
        }
      }
      return !common.empty();
    }
    case Query::Kind::kFuzzy: {
      auto distance = [](const std::string& a, const std::string& b) {  // plain Levenshtein
        std::vector<std::vector<size_t>> t(a.size() + 1, std::vector<size_t>(b.size() + 1));
        for (size_t i = 0; i <= a.size(); ++i) t[i][0] = i;
        for (size_t j = 0; j <= b.size(); ++j) t[0][j] = j;
        for (size_t i = 1; i <= a.size(); ++i)
          for (size_t j = 1; j <= b.size(); ++j)
            t[i][j] = std::min({t[i - 1][j] + 1, t[i][j - 1] + 1, t[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
        return t[a.size()][b.size()];
      };
      for (const auto& [term, positions] : d.fields[static_cast<int>(q.field())])
        if (distance(term, q.terms()[0]) <= q.max_edits()) return true;
      return false;
    }
    case Query::Kind::kAll:
      return true;
    case Query::Kind::kNone:
      return false;
  }
  return false;
}

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
      case 8: return Make(depth + 1) + " " + Make(depth + 1);
      case 9: return Make(depth + 1) + " AND " + Make(depth + 1);
      case 10: return "(" + Make(depth + 1) + (Pick(4) ? " OR " : " OR +") + Make(depth + 1) + ")";
      case 11: return (Pick(2) ? "NOT " : "-") + Leaf();
      default: return Leaf();
    }
  }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  template <typename T>
  const T& Any(const std::vector<T>& v) { return v[Pick(v.size())]; }

  std::string Leaf() {
    switch (Pick(12)) {
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
      case 0: return "\"" + Any(phrases_) + "\"" + (Pick(3) ? "" : "~" + std::to_string(Pick(4)));
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
            static const char* kForms[] = {"since:%04d-%02d", "until:%04d-%02d-%02d", "date:>=%04d-%02d",
                                           "date:<%04d-%02d-%02d", "date:>%04d-%02d", "date:<=%04d-%02d",
                                           "date:%04d-%02d..", "date:..%04d-%02d-%02d"};
            std::snprintf(buf, sizeof buf, kForms[Pick(8)], y, m, d);
            return buf;
          }
          case 5: {  // relative dates, counted back from 2025-09-20
            static const char* kRel[] = {"since:30d", "since:2w", "after:3m", "before:1m", "date:6m..today",
                                         "until:yesterday", "on:today", "date:1y..2m", "since:10w"};
            return kRel[Pick(9)];
          }
          case 6: return "* " + std::string(Pick(2) ? "since:" : "before:") + std::to_string(y) + "-0" +
                         std::to_string(1 + Pick(9));  // everything, filtered
          case 0: std::snprintf(buf, sizeof buf, "%04d", y - static_cast<int>(Pick(2))); break;
          case 1: std::snprintf(buf, sizeof buf, "%04d-%02d", y, m); break;
          case 2: std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d); break;
          default: {
            int m2 = std::min(12, m + static_cast<int>(Pick(4)));
            std::snprintf(buf, sizeof buf, "%04d-%02d..%04d-%02d-%02d", y, m, y, m2, d);
            return std::string("date:") + buf;
          }
        }
        return kKeys[Pick(4)] + std::string(buf);
      }
      case 4: return "title:" + Any(words_);
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
      default: return Any(words_);
    }
  }

  std::mt19937 rng_;
  std::vector<std::string> words_, phrases_, actors_, topics_, authors_;
};

std::vector<Document> LoadCorpus() {
  std::vector<std::string> errors;
  size_t skipped = 0;
  auto files = ingest::ListCorpus({std::string(LOUPE_SOURCE_DIR) + "/corpus"}, &errors, &skipped);
  std::vector<Document> docs;
  for (const auto& f : files) {
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

  QueryGen gen(docs, 20251128);
  REQUIRE_FALSE(gen.empty());
  int run = 0, nonempty = 0, partial = 0;
  for (int i = 0; i < 3000 && run < 700; ++i) {
    std::string text = gen.Make();
    auto q =
        CompileQuery(text, **analyzer, {.now = DaysFromCivil(2025, 9, 20), .stemming_languages = analysis->languages});
    if (!q.ok()) continue;  // e.g. a generated word that analyzes to nothing
    ++run;
    std::set<std::string> want;
    for (const AnalyzedDoc& d : analyzed)
      if (Eval(*q, d)) want.insert(d.id);
    auto res = (*index)->Search(*q, {.limit = 1000});
    REQUIRE(res.ok());
    if (!res->warnings.empty()) continue;  // an expansion was capped: not comparable
    std::set<std::string> got;
    for (const Hit& h : res->hits) got.insert(h.document.id);
    INFO("query: " << text << "\nplan: " << q->ToString());
    REQUIRE(got == want);
    REQUIRE(res->total == want.size());
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
        auto pruned =
            (*index)->Search(*q, {.limit = k, .offset = off, .load_documents = false, .exact_total = false});
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

// An index of `docs` in one commit, in directory `path`.
std::unique_ptr<Index> IndexOf(const std::vector<Document>& docs, const std::string& path) {
  auto index = Index::Open(path, {.create_if_missing = true});
  REQUIRE(index.ok());
  auto w = (*index)->NewWriter();
  REQUIRE(w.ok());
  for (const Document& d : docs) REQUIRE((*w)->Add(d).ok());
  REQUIRE((*w)->Commit().ok());
  return std::move(*index);
}

TEST_CASE("a +required part inside OR: its matches only, the others add to the score") {
  std::vector<Document> docs = LoadCorpus();
  test::TempDir dir;
  auto index = IndexOf(docs, dir.sub("idx"));
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto search = [&](const char* text) {
    auto q = CompileQuery(text, **analyzer);
    REQUIRE(q.ok());
    auto r = index->Search(*q, {.limit = 1000, .load_documents = false});
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
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  auto doc = [](const char* id, const char* title, const char* body) {
    Document d;
    d.id = id;
    d.title = title;
    d.body = body;
    return d;
  };
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->Add(doc("split", "Markets", "Tariffs rose sharply. Soybeans fell.")).ok());
    REQUIRE((*w)->Add(doc("same", "Markets", "Tariffs on soybeans rose. Nothing else.")).ok());
    REQUIRE((*w)->Add(doc("cafe-split", "Caf\xC3\xA9 news", "Caf\xC3\xA9 tariffs rose! Soybeans fell.")).ok());
    REQUIRE((*w)->Add(doc("cafe-same", "Caf\xC3\xA9 news", "Caf\xC3\xA9 owners fear tariffs and soybeans.")).ok());
    REQUIRE((*w)->Add(doc("abbrev", "Markets", "The U.S. raised tariffs on soybeans.")).ok());
    REQUIRE((*w)->Add(doc("title", "Tariffs hit soybeans", "Nothing here.")).ok());
    REQUIRE((*w)->Commit().ok());
  }
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  auto ids = [&](const char* text) {
    auto q = CompileQuery(text, **analyzer);
    REQUIRE(q.ok());
    auto r = (*index)->Search(*q, {.limit = 100});
    REQUIRE(r.ok());
    std::set<std::string> out;
    for (const Hit& h : r->hits) out.insert(h.document.id);
    return out;
  };
  CHECK(ids("tariffs NEAR/s soybeans") == std::set<std::string>{"same", "cafe-same", "abbrev", "title"});
  CHECK(ids("soybeans NEAR/s tariffs") == ids("tariffs NEAR/s soybeans"));
  CHECK(ids("title:tariffs NEAR/s title:soybeans") == std::set<std::string>{"title"});
  CHECK(ids("tariffs NEAR/50 soybeans").size() == 6);  // a window ignores sentences
  // The sentence marks are not words: no prefix or fuzzy term reaches them.
  // "\x01s" is one edit from "xs"; only "us" (from U.S.) may match.
  CHECK(ids("xs~1") == std::set<std::string>{"abbrev"});
  // Replacing a document retires its marks with its words.
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->Add(doc("same", "Markets", "Tariffs rose. Soybeans fell.")).ok());
    REQUIRE((*w)->Commit().ok());
  }
  CHECK(ids("tariffs NEAR/s soybeans") == std::set<std::string>{"cafe-same", "abbrev", "title"});
}

TEST_CASE("=Form matches the word as written: whole words, smart case, not the stem") {
  std::vector<Document> docs = LoadCorpus();
  test::TempDir dir;
  auto index = IndexOf(docs, dir.sub("idx"));
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
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
  auto got = [&](const std::string& text) {
    auto q = CompileQuery(text, **analyzer);
    REQUIRE(q.ok());
    auto r = index->Search(*q, {.limit = 1000});
    REQUIRE(r.ok());
    std::set<std::string> out;
    for (const Hit& h : r->hits) out.insert(h.document.id);
    return out;
  };
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
