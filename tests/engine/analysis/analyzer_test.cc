// Analyzer golden table: input text -> the exact terms (and positions/offsets).
#include "loupe/analyzer.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "loupe/language.h"

using loupe::Analyzer;
using loupe::Token;

// Every allocation of this test program is counted, so that a test can check
// that a piece of the indexing path allocates nothing. Not under a sanitizer,
// whose runtime has its own operator new (a replacement would pair its new
// with our delete).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOUPE_COUNT_ALLOCATIONS 0
#else
#define LOUPE_COUNT_ALLOCATIONS 1
#endif
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace
#if LOUPE_COUNT_ALLOCATIONS
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#endif

namespace {

std::vector<std::string> Terms(const std::string& text, bool stem = true, bool fold = false) {
  loupe::AnalyzerOptions o;
  o.fold_diacritics = fold;
  auto a = Analyzer::Create(o);
  REQUIRE(a.ok());
  std::vector<Token> toks;
  (*a)->Analyze(text, stem, 0, &toks).value();
  std::vector<std::string> out;
  for (const auto& t : toks) out.push_back(t.term);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("analyzer golden table") {
  struct Row {
    const char* text;
    bool stem;
    V want;
  };
  const Row rows[] = {
      {"Tariffs", true, {"tariff"}},
      {"tariffs levied", true, {"tariff", "levi"}},
      {"Tariffs", false, {"tariffs"}},
      {"U.S. tariffs", true, {"us", "tariff"}},
      {"US and U.S.", true, {"us", "and", "us"}},
      {"U.S.A.", false, {"usa"}},
      {"TikTok\xE2\x80\x99s owner", true, {"tiktok", "owner"}},
      {"TikTok's owner", true, {"tiktok", "owner"}},
      {"Bessent's remarks", true, {"bessent", "remark"}},
      {"a 90-day truce", true, {"a", "90", "day", "truce"}},
      {"COVID-19", true, {"covid", "19"}},
      {"3.5 percent of 1,000 tons", true, {"3.5", "percent", "of", "1,000", "ton"}},
      {"Z\xC3\xBCrich caf\xC3\xA9", false, {"z\xC3\xBCrich", "caf\xC3\xA9"}},
      {"HELLO World", false, {"hello", "world"}},
      {"\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3", false, {"abc"}},  // fullwidth ABC -> abc (NFKC)
      {"Stra\xC3\x9F"
       "e",
       false,
       {"strasse"}},  // case fold ß -> ss
      {"  ,.;!? -- ", true, {}},
      {"", true, {}},
      {"\xE4\xB8\xAD\xE7\xBE\x8E\xE5\x8F\x8C\xE6\x96\xB9\xE5\x9C\xA8\xE8\xA5\xBF\xE7\x8F\xAD\xE7\x89\x99\xE9\xA9\xAC"
       "\xE5\xBE\xB7\xE9\x87\x8C\xE4\xB8\xBE\xE8\xA1\x8C\xE7\xBB\x8F\xE8\xB4\xB8\xE4\xBC\x9A\xE8\xB0\x88",
       true,
       {"\xE4\xB8\xAD\xE7\xBE\x8E", "\xE5\x8F\x8C\xE6\x96\xB9", "\xE5\x9C\xA8", "\xE8\xA5\xBF\xE7\x8F\xAD\xE7\x89\x99",
        "\xE9\xA9\xAC\xE5\xBE\xB7\xE9\x87\x8C", "\xE4\xB8\xBE\xE8\xA1\x8C", "\xE7\xBB\x8F\xE8\xB4\xB8",
        "\xE4\xBC\x9A\xE8\xB0\x88"}},  // 中美 双方 在 西班牙 马德里 举行 经贸 会谈
  };
  for (const Row& r : rows) {
    INFO("text: " << r.text);
    CHECK(Terms(r.text, r.stem) == r.want);
  }
}

TEST_CASE("diacritic folding is optional") {
  CHECK(Terms("Z\xC3\xBCrich caf\xC3\xA9", false, true) == V{"zurich", "cafe"});
  CHECK(Terms("Z\xC3\xBCrich caf\xC3\xA9", false, false) == V{"z\xC3\xBCrich", "caf\xC3\xA9"});
}

TEST_CASE("positions and byte offsets") {
  auto a = Analyzer::Create();
  REQUIRE(a.ok());
  std::vector<Token> toks;
  std::string text = "The 90-day truce, caf\xC3\xA9 \xE4\xB8\xAD\xE7\xBE\x8E.";
  uint32_t next = (*a)->Analyze(text, true, 10, &toks).value();
  REQUIRE(toks.size() == 6);
  CHECK(next == 16);
  for (size_t i = 0; i < toks.size(); ++i) CHECK(toks[i].position == 10 + i);
  CHECK(text.substr(toks[1].begin, toks[1].end - toks[1].begin) == "90");
  CHECK(text.substr(toks[2].begin, toks[2].end - toks[2].begin) == "day");
  CHECK(text.substr(toks[4].begin, toks[4].end - toks[4].begin) == "caf\xC3\xA9");
  CHECK(text.substr(toks[5].begin, toks[5].end - toks[5].begin) == "\xE4\xB8\xAD\xE7\xBE\x8E");
}

TEST_CASE("invalid UTF-8 does not crash and yields the valid words") {
  std::string bad = "tariff\xFF\xFE duties \xC3";
  auto terms = Terms(bad);
  CHECK(std::find(terms.begin(), terms.end(), "duti") != terms.end());
}

TEST_CASE("overlong terms are dropped") {
  std::string big(300, 'x');
  CHECK(Terms(big + " tariff") == V{"tariff"});
}

TEST_CASE("unknown stemmer language is an error, not a crash") {
  loupe::AnalyzerOptions o;
  o.stemmer_language = "klingon";
  auto a = Analyzer::Create(o);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code() == loupe::StatusCode::kInvalidArgument);
}

namespace {

std::string Show(const std::vector<Token>& v) {
  std::string s;
  for (const auto& t : v)
    s += t.term + "@" + std::to_string(t.position) + "[" + std::to_string(t.begin) + "," + std::to_string(t.end) + ") ";
  return s;
}

// The ASCII fast path must give exactly what the ICU path gives: terms,
// positions and byte offsets.
void ExpectSameAsIcu(Analyzer& fast, Analyzer& icu, const std::string& text) {
  for (bool stem : {true, false}) {
    std::vector<Token> a, b;
    uint32_t pa = fast.Analyze(text, stem, 7, &a).value();
    uint32_t pb = icu.Analyze(text, stem, 7, &b).value();
    INFO("text: " << text);
    REQUIRE(Show(a) == Show(b));
    REQUIRE(pa == pb);
  }
}

std::unique_ptr<Analyzer> Make(bool fast) {
  loupe::AnalyzerOptions o;
  o.ascii_fast_path = fast;
  auto a = Analyzer::Create(o);
  REQUIRE(a.ok());
  return std::move(*a);
}

}  // namespace

TEST_CASE("ASCII fast path equals ICU on tricky strings") {
  auto fast = Make(true), icu = Make(false);
  for (const char* t : {"U.S. and U.S.A. e.g. i.e. a.b.c.d",
                        "don't o'neil rock'n'roll 'quoted' tariffs'",
                        "3.5% $1,000,000 1;2 1.2.3 4,5,6 7..8 9,,0",
                        "a:b c::d 12:30 http://example.com/path?q=1&r=2 user@example.com",
                        "COVID-19 US-China x-ray 2025-09-17",
                        "foo_bar _x y_ 1_000 __init__",
                        "ab1 1ab a1b2c3 1a.2b 1.a a.1 a'1 1'a",
                        "A.B.C. Tariffs! (soybeans), [chips]; {rare} <earths>",
                        "trailing. .leading ...dots... -dash- --x-- +plus+",
                        "tab\tnew\nline\rcarriage\fform\vvert",
                        "x.y.z. x..y x.'y x'.y 5.'6 5'.6",
                        "café naïve Ωmega TikTok’s 何立峰会见贝森特 Großhandel — “quoted”",
                        "word\xcc\x81 combining e\xcc\x81x",
                        "mix中文mixed and 中文 mixed",
                        "\xff\xfe invalid \xc3 bytes ok",
                        "a",
                        "",
                        "   ",
                        ".",
                        "'",
                        "1",
                        "I'm 1990s 10th 2nd 100km"}) {
    ExpectSameAsIcu(*fast, *icu, t);
  }
}

namespace {

// Calls `check` on `rounds` texts of 1 to `max_pieces` pieces drawn from
// `pieces` by a fixed-seed generator, so a failure reproduces.
template <typename Check>
void ForEachRandomText(const std::vector<std::string>& pieces, uint64_t seed, int rounds, size_t max_pieces,
                       Check check) {
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>(seed >> 33);
  };
  for (int round = 0; round < rounds; ++round) {
    std::string text;
    size_t n = 1 + next() % max_pieces;
    for (size_t i = 0; i < n; ++i) text += pieces[next() % pieces.size()];
    check(text);
  }
}

// Calls `check` on the bytes of every file of the bundled corpus; returns how
// many files there were.
template <typename Check>
size_t ForEachCorpusFile(Check check) {
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(LOUPE_SOURCE_DIR) + "/corpus")) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    check(ss.str());
    ++files;
  }
  return files;
}

}  // namespace

TEST_CASE("ASCII fast path equals ICU on random text") {
  auto fast = Make(true), icu = Make(false);
  const std::vector<std::string> pieces = {"a",  "b", "Z", "e",  "s",        "1",  "0",   ".",  "'",    ":",
                                           ",",  ";", "_", "-",  " ",        " ",  "\n",  "!",  "(",    ")",
                                           "\"", "/", "@", "#",  "$",        "%",  "&",   "*",  "+",    "=",
                                           "?",  "é", "’", "中", "\xcc\x81", "\t", "ing", "ed", "tion", "x"};
  ForEachRandomText(pieces, 12345, 20000, 24, [&](const std::string& text) { ExpectSameAsIcu(*fast, *icu, text); });
}

TEST_CASE("ASCII fast path equals ICU on the bundled corpus") {
  auto fast = Make(true), icu = Make(false);
  size_t files = ForEachCorpusFile([&](const std::string& text) { ExpectSameAsIcu(*fast, *icu, text); });
  CHECK(files >= 60);
}

namespace {

std::string ShowStarts(const std::vector<uint32_t>& v) {
  std::string s;
  for (uint32_t x : v) s += std::to_string(x) + " ";
  return s;
}

void ExpectSameSentences(Analyzer& fast, Analyzer& icu, const std::string& text) {
  std::vector<uint32_t> a, b;
  REQUIRE(fast.SentenceStarts(text, &a).ok());
  REQUIRE(icu.SentenceStarts(text, &b).ok());
  INFO("text: '" << text << "'");
  REQUIRE(ShowStarts(a) == ShowStarts(b));
}

}  // namespace

TEST_CASE("sentence starts follow ICU's sentence boundaries") {
  auto a = Make(true);
  struct Row {
    const char* text;
    const char* starts;
  };
  const Row rows[] = {
      {"", ""},
      {"One sentence", "0 "},
      {"  (Closing) \"quotes\", 3,5 numbers; colons: all one", "0 "},  // no terminator: read without the rules
      {"No terminator, then one \xC3\xA9t\xC3\xA9. Next", "0 31 "},    // non-ASCII: read with them
      {"Tariffs rose. Stocks fell.", "0 14 "},
      {"Is it? Yes! Fine.", "0 7 12 "},
      {"The U.S. Treasury said so.", "0 9 "},  // no abbreviation list: ICU breaks after "U.S."
      {"The U.S.A. is big", "0 "},             // a lower-case word follows: no break
      {"It cost 3.5 million. Then", "0 21 "},
      {"He said \"Stop.\" Then left.", "0 16 "},
      {"Wait... what? no.", "0 14 "},
      {"Line one\nLine two", "0 9 "},
      {"Para.\r\n\r\nNext", "0 7 9 "},
      {"Really?! Yes.", "0 9 "},
      {"Ends with, a comma. next one", "0 "},
      {"\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0\xE4\xBC\x9A\xE8\xA7\x81\xE3\x80\x82\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9"
       "\xE3\x80\x82",
       "0 18 "},  // 何立峰会见。贝森特。
  };
  for (const Row& r : rows) {
    INFO("text: " << r.text);
    std::vector<uint32_t> starts;
    REQUIRE(a->SentenceStarts(r.text, &starts).ok());
    CHECK(ShowStarts(starts) == r.starts);
  }
}

TEST_CASE("sentence scanner equals ICU on random text") {
  auto fast = Make(true), icu = Make(false);
  const std::vector<std::string> pieces = {
      "a", "b", "Z", "Q", "1", "0", ".", ".", "!", "?", "'", "\"", "(", ")", "[", "]", "{", "}", ",", ":", ";", "-",
      " ", " ", " ", "\n", "\r", "\t", "\f", "\v", "#", "$", "_", "/", "<", "`", "U.S.", "etc. ", "Mr. ", "x",
      // Beyond ASCII: letters of both cases and none, terminators, closing marks,
      // separators, continuations, combining and format characters, bad bytes.
      "\xC3\xA9", "\xC3\x89", "\xCE\xA9", "\xE4\xB8\xAD", "\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F",
      "\xE2\x80\xA6", "\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xBB", "\xC2\x85", "\xE2\x80\xA8",
      "\xE2\x80\xA9", "\xE2\x80\x94", "\xE2\x80\x93", "\xE3\x80\x81", "\xCC\x81", "\xE2\x80\x8D", "\xC2\xAD",
      "\xC2\xA0", "\xE2\x80\x83", "\xD9\xA3", "\xFF", "\xC3"};
  ForEachRandomText(pieces, 424242, 100000, 16,
                    [&](const std::string& text) { ExpectSameSentences(*fast, *icu, text); });
}

TEST_CASE("sentence scanner equals ICU on random ASCII text") {
  // ASCII text with a terminator or a line end is read in place, without the
  // code-point buffer that other text takes.
  auto fast = Make(true), icu = Make(false);
  const std::vector<std::string> pieces = {"a",  "b",  "Z",  "Q",  "1",  "0", ".", ".",    "!",     "?",    "'",
                                           "\"", "(",  ")",  "[",  "]",  ",", ":", ";",    "-",     " ",    " ",
                                           " ",  "\n", "\r", "\t", "\f", "#", "_", "U.S.", "etc. ", "Mr. ", "x"};
  ForEachRandomText(pieces, 2718, 50000, 16, [&](const std::string& text) { ExpectSameSentences(*fast, *icu, text); });
}

TEST_CASE("sentence scanner equals ICU on the bundled corpus") {
  auto fast = Make(true), icu = Make(false);
  size_t files = ForEachCorpusFile([&](const std::string& text) {
    ExpectSameSentences(*fast, *icu, text);
    // Its ASCII letters, spaces and punctuation alone too.
    std::string ascii;
    for (char c : text)
      if (static_cast<unsigned char>(c) < 0x80) ascii += c;
    ExpectSameSentences(*fast, *icu, ascii);
  });
  CHECK(files >= 60);
}

TEST_CASE("the stemmer follows the language it is set to") {
  auto a = Analyzer::Create();
  REQUIRE(a.ok());
  auto stems = [&](const std::string& text) {
    std::vector<Token> toks;
    (*a)->Analyze(text, true, 0, &toks).value();
    std::string out;
    for (const auto& t : toks) out += (out.empty() ? "" : " ") + t.term;
    return out;
  };
  const std::string text = "n\xC3\xA9gociations trade Verhandlungen";  // ICU path and ASCII fast path
  CHECK((*a)->stemmer_language() == "english");
  CHECK(stems(text) == "n\xC3\xA9gociat trade verhandlungen");
  REQUIRE((*a)->SetStemmerLanguage("french").ok());
  CHECK(stems(text) == "n\xC3\xA9goci trad verhandlungen");
  REQUIRE((*a)->SetStemmerLanguage("german").ok());
  CHECK(stems(text) == "n\xC3\xA9gociation trad verhandl");
  // Back to English: its own cache, not the French one.
  REQUIRE((*a)->SetStemmerLanguage("english").ok());
  CHECK(stems(text) == "n\xC3\xA9gociat trade verhandlungen");
  auto bad = (*a)->SetStemmerLanguage("klingon");
  CHECK(bad.code() == loupe::StatusCode::kInvalidArgument);
  CHECK((*a)->SetStemmerLanguage(std::string("french\0x", 8)).code() == loupe::StatusCode::kInvalidArgument);
  CHECK((*a)->stemmer_language() == "english");
}

TEST_CASE("language tags: codes, names and tags with a region") {
  struct Row {
    const char* tag;
    const char* stemmer;  // StemmerFor; "" unknown
  };
  const Row rows[] = {
      {"fr", "french"},
      {"FR", "french"},
      {"fr-CA", "french"},
      {"fra", "french"},
      {"fre", "french"},
      {"French", "french"},
      {"fran\xC3\xA7"
       "ais",
       "french"},
      {"de-AT", "german"},
      {"ger", "german"},
      {"pt_BR", "portuguese"},
      {"es-419", "spanish"},
      {"nb", "norwegian"},
      {"ru", "russian"},
      {"en-GB", "english"},
      {"zh-Hant-TW", "english"},
      {"ja", "english"},
      {"pl", "english"},
      {"tlh", ""},
      {"", ""},
      {"x-klingon", ""},
  };
  for (const Row& r : rows) {
    INFO("tag: " << r.tag);
    CHECK(loupe::StemmerFor(r.tag) == r.stemmer);
  }
  REQUIRE(loupe::FindLanguage("fr-CA") != nullptr);
  CHECK(loupe::FindLanguage("fr-CA")->code == "fr");
  auto similar = loupe::SimilarLanguages("frnch");
  REQUIRE_FALSE(similar.empty());
  CHECK(similar[0] == "french");
  auto all = loupe::StemmerLanguages();
  CHECK(std::find(all.begin(), all.end(), "german") != all.end());
  CHECK(std::is_sorted(all.begin(), all.end()));
}

TEST_CASE("language detection: scripts, then function words, English when unsure") {
  struct Row {
    const char* text;
    const char* code;  // "" when undecided
  };
  const Row rows[] = {
      {"The United States and China agreed on Monday to cut the tariffs they had put on each other's goods, "
       "officials said, and the talks will go on in Geneva.",
       "en"},
      {"Les n\xC3\xA9gociations commerciales entre l'Union europ\xC3\xA9"
       "enne et les \xC3\x89tats-Unis reprennent "
       "cette semaine \xC3\xA0 Bruxelles, selon la Commission, qui ne veut pas de nouveaux droits de douane.",
       "fr"},
      {"Die Verhandlungen \xC3\xBC"
       "ber die Z\xC3\xB6lle zwischen der EU und den USA werden in dieser Woche in "
       "Br\xC3\xBCssel fortgesetzt, sagte die Kommission, die keine neuen Z\xC3\xB6lle will.",
       "de"},
      {"Las negociaciones entre M\xC3\xA9xico y los Estados Unidos sobre los aranceles contin\xC3\xBA"
       "an esta "
       "semana, seg\xC3\xBAn el gobierno, que no quiere una guerra comercial con su vecino.",
       "es"},
      {"I negoziati tra l'Unione europea e gli Stati Uniti sui dazi riprendono questa settimana a Bruxelles, "
       "secondo la Commissione, che non vuole nuovi dazi.",
       "it"},
      {"De onderhandelingen tussen de Europese Unie en de Verenigde Staten over de heffingen worden deze week "
       "voortgezet, zei de Commissie, die geen nieuwe heffingen wil.",
       "nl"},
      {"\xD0\x9F\xD0\xB5\xD1\x80\xD0\xB5\xD0\xB3\xD0\xBE\xD0\xB2\xD0\xBE\xD1\x80\xD1\x8B \xD0\xBE "
       "\xD0\xBF\xD0\xBE\xD1\x88\xD0\xBB\xD0\xB8\xD0\xBD\xD0\xB0\xD1\x85 \xD0\xBF\xD1\x80\xD0\xBE\xD0\xB4\xD0\xBE"
       "\xD0\xBB\xD0\xB6\xD0\xB0\xD1\x8E\xD1\x82\xD1\x81\xD1\x8F",  // Переговоры о пошлинах продолжаются
       "ru"},
      {"\xCE\x9F\xCE\xB9 \xCE\xB4\xCE\xB9\xCE\xB1\xCF\x80\xCF\x81\xCE\xB1\xCE\xB3\xCE\xBC\xCE\xB1\xCF\x84\xCE\xB5"
       "\xCF\x8D\xCF\x83\xCE\xB5\xCE\xB9\xCF\x82",  // Οι διαπραγματεύσεις
       "el"},
      {"\xE4\xB8\xAD\xE7\xBE\x8E\xE5\x8F\x8C\xE6\x96\xB9\xE5\x9C\xA8\xE9\xA9\xAC\xE5\xBE\xB7\xE9\x87\x8C\xE4\xB8\xBE"
       "\xE8\xA1\x8C\xE7\xBB\x8F\xE8\xB4\xB8\xE4\xBC\x9A\xE8\xB0\x88 Bessent",  // 中美双方在马德里举行经贸会谈
       "zh"},
      {"\xE6\x97\xA5\xE6\x9C\xAC\xE3\x81\xAE\xE9\x96\xA2\xE7\xA8\x8E\xE3\x81\xAB\xE3\x81\xA4\xE3\x81\x84\xE3\x81\xA6",
       "ja"},                           // 日本の関税について
      {"Tariffs", ""},                  // too few words to tell
      {"Trump Xi Geneva Bessent", ""},  // names only
  };
  for (const Row& r : rows) {
    INFO("text: " << r.text);
    const loupe::Language* l = loupe::DetectLanguage(r.text);
    CHECK((l ? l->code : std::string_view()) == r.code);
  }
}

TEST_CASE("a document is stemmed as it declares, else as detected, else as English") {
  loupe::Document d;
  d.title = "Reprise des discussions";
  d.body = "Les n\xC3\xA9gociations reprennent dans la semaine, selon les diplomates qui ne veulent pas de rupture.";
  CHECK(loupe::DocumentStemmer(d) == "french");
  d.language = "de";  // declared wins
  CHECK(loupe::DocumentStemmer(d) == "german");
  d.language = "tlh";  // unknown: English
  CHECK(loupe::DocumentStemmer(d) == "english");
  d.language = "zh";  // no stemmer: English
  CHECK(loupe::DocumentStemmer(d) == "english");
  d.language.clear();
  d.body = "Tariffs.";
  d.title = "News";
  CHECK(loupe::DocumentStemmer(d) == "english");  // unsure
}

TEST_CASE("choosing a document's stemmer allocates nothing once each language was used") {
  auto a = Analyzer::Create();
  REQUIRE(a.ok());
  loupe::Document fr, en, de;
  fr.body = "Les n\xC3\xA9gociations reprennent dans la semaine, selon les diplomates qui ne veulent pas de rupture.";
  en.body = "The negotiations resume this week, the diplomats said, and they do not want a break.";
  de.language = "de-AT";
  de.body = "Die Verhandlungen gehen weiter.";
  for (const loupe::Document* d : {&fr, &en, &de})  // first use: tables and stemmers are made
    REQUIRE((*a)->SetStemmerLanguage(loupe::DocumentStemmer(*d)).ok());
  const uint64_t before = g_allocations.load();
  for (int i = 0; i < 100; ++i)
    for (const loupe::Document* d : {&fr, &en, &de}) CHECK((*a)->SetStemmerLanguage(loupe::DocumentStemmer(*d)).ok());
  if (LOUPE_COUNT_ALLOCATIONS)
    CHECK(g_allocations.load() == before);  // (allocations are not counted under a sanitizer)
  CHECK((*a)->stemmer_language() == "german");
}
