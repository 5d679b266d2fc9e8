// loupe_synth: a deterministic synthetic news corpus for the benchmarks.
//
//   loupe_synth --train DIR [--train DIR...] --count N --out DIR [--seed S] [--headlines]
//
// Learns a word-level Markov chain from the bodies of the .txt articles under
// the --train folders, then writes N news-like articles in Loupe's corpus format
// (docs/corpus-format.md) to OUT/NNNN/NNNNNNN.txt, 1000 files per folder:
//
//   <title: about 8 words from the chain, sometimes led by an actor's name>
//   Author: <one of 100 invented names>
//   Date: <uniform over 2000-01-01..2026-12-31>
//   Actors: <1-3 of 200 invented person names>
//   Topics: <1-3 of 50 topic phrases>
//
//   <150-450 words (about 300) in paragraphs; the actors and topics are named
//    in some sentences of the text>
//
// The chain: words are split on ASCII white space with their punctuation kept
// (tokens that look like mail or markup debris are left out). Each next word
// is drawn from the words that followed the last two words in the training
// text (order 2) with probability 0.7, else from those that followed the last
// word (order 1), which keeps sentences locally fluent without copying long
// passages. Actors, topics and authors are picked with Zipf-like weights, so a
// few are common and most are rare, as in real news.
//
// With --headlines it writes N headlines instead, as JSON lines (the format of
// docs/corpus-format.md's "JSON lines") in OUT/NNNN.jsonl, 50,000 per file (about
// 8 MB, under `loupe index`'s default --max-size of 16 MiB), one object a line:
//
//   {"id":"h00000042","title":"<6-14 words>","date":"YYYY-MM-DD","actors":["<name>", ...]}
//
// The title is 6 to 14 words of the chain (a quarter led by the lead actor's last
// name and a colon, which counts as one word), the date uniform over the same span,
// 1-3 actors from the same list and weights; no body. The id counts from 0.
//
// The same training text, --count, --seed and mode give byte-identical output.
// Files are written one at a time; memory is a few bytes per training word
// (about 90 MB for the three converted real corpora).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "loupe/document.h"  // ParseIsoDate, FormatIsoDate

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------
// Fixed lists. Names are combinations of these parts; none is meant to be a
// real person.

const char* const kFirstNames[] = {
    "Adele", "Ahmed", "Aiko",    "Alina",   "Amara",  "Anders",  "Aurelio", "Beatriz", "Bogdan", "Camille",
    "Cyrus", "Dalia", "Darius",  "Dmitri",  "Elif",   "Emeka",   "Esther",  "Farida",  "Felix",  "Goran",
    "Greta", "Hamid", "Helena",  "Hiroshi", "Ilse",   "Imani",   "Ines",    "Jonas",   "Karim",  "Katya",
    "Kofi",  "Leila", "Lorenzo", "Lucia",   "Malik",  "Marek",   "Mei",     "Milan",   "Nadia",  "Nikhil",
    "Noor",  "Oskar", "Paloma",  "Quentin", "Rania",  "Rashid",  "Renata",  "Rohan",   "Sabine", "Santiago",
    "Selin", "Soren", "Tariq",   "Thea",    "Tobias", "Valeria", "Viktor",  "Wen",     "Yara",   "Zoltan"};
const char* const kLastNames[] = {
    "Abernathy",   "Achterberg",  "Adebayo",   "Albescu",    "Amundsen",   "Arcangeli",  "Baptiste",  "Barakzai",
    "Belmonte",    "Bergkamp",    "Brankovic", "Castellano", "Chaudhry",   "Cieslak",    "Dahlgren",  "Delacroix",
    "Demirci",     "Drummond",    "Esposito",  "Falkenrath", "Ferreira",   "Fiorentino", "Galloway",  "Gansukh",
    "Grimaldi",    "Gunawardena", "Halvorsen", "Hashemi",    "Holloway",   "Ivanescu",   "Jaramillo", "Kaczmarek",
    "Kamara",      "Karlsson",    "Kawaguchi", "Kellerman",  "Kiplagat",   "Kovalenko",  "Lachance",  "Laszlo",
    "Lindahl",     "Lombardi",    "Maalouf",   "Machado",    "Marchetti",  "Matsuda",    "Mbatha",    "Mendoza",
    "Mirzaei",     "Moreau",      "Mwangi",    "Nakashima",  "Nascimento", "Nieminen",   "Novakovic", "Nwosu",
    "Okonkwo",     "Oyelaran",    "Pacheco",   "Papadakis",  "Pellegrini", "Petrescu",   "Quintero",  "Rahimi",
    "Rasmussen",   "Ravindran",   "Reinholt",  "Rossetti",   "Sakamoto",   "Salazar",    "Sandoval",  "Schellenberg",
    "Sepulveda",   "Shapiro",     "Sokolova",  "Stavros",    "Sundberg",   "Szabo",      "Takahara",  "Tanaka",
    "Thorvaldsen", "Toivonen",    "Umarov",    "Valdivia",   "Vandermeer", "Varga",      "Vasquez",   "Velasco",
    "Wainwright",  "Wexler",      "Whitcombe", "Wojcik",     "Yamamura",   "Yilmaz",     "Zamora",    "Zaragoza",
    "Zelenko",     "Zhukova",     "Zimmerle",  "Zubiri"};
const char* const kAuthorFirst[] = {"Alice",  "Bernard", "Carla",  "Daniel", "Edith", "Fergus",  "Gemma",
                                    "Harold", "Isobel",  "Julian", "Kira",   "Leon",  "Martina", "Nathan",
                                    "Olivia", "Patrick", "Rosa",   "Samuel", "Tessa", "Ulrich",  "Vera",
                                    "Walter", "Xenia",   "Yusuf",  "Zelda"};
const char* const kAuthorLast[] = {"Ashworth",  "Blackwood", "Carrington",   "Dunmore",   "Ellingham",
                                   "Fairbairn", "Glenister", "Hartigan",     "Inglewood", "Jessop",
                                   "Kilbride",  "Lockhart",  "Merriweather", "Northcott", "Oakley",
                                   "Pemberton", "Quayle",    "Rutherford",   "Stanhope",  "Thistlewood"};
const char* const kTopics[] = {"tariffs",
                               "export controls",
                               "rare earths",
                               "trade talks",
                               "sanctions",
                               "semiconductors",
                               "soybeans",
                               "shipping",
                               "port fees",
                               "oil prices",
                               "natural gas",
                               "inflation",
                               "interest rates",
                               "currency",
                               "supply chains",
                               "manufacturing",
                               "steel",
                               "aluminum",
                               "electric vehicles",
                               "pharmaceuticals",
                               "antitrust",
                               "data privacy",
                               "cybersecurity",
                               "artificial intelligence",
                               "telecommunications",
                               "elections",
                               "immigration",
                               "climate policy",
                               "fisheries",
                               "mining",
                               "labor unions",
                               "housing",
                               "banking",
                               "insurance",
                               "aviation",
                               "railways",
                               "tourism",
                               "education",
                               "public health",
                               "defense spending",
                               "diplomacy",
                               "human rights",
                               "taxation",
                               "national budget",
                               "sovereign debt",
                               "pensions",
                               "water rights",
                               "forestry",
                               "space exploration",
                               "trade truce"};
const char* const kCities[] = {"WASHINGTON", "BEIJING",   "GENEVA",    "BRUSSELS", "LONDON",       "TOKYO",
                               "SEOUL",      "NEW DELHI", "BERLIN",    "PARIS",    "OTTAWA",       "MEXICO CITY",
                               "BRASILIA",   "CANBERRA",  "SINGAPORE", "JAKARTA",  "NAIROBI",      "LAGOS",
                               "CAIRO",      "ISTANBUL",  "MOSCOW",    "WARSAW",   "MADRID",       "ROME",
                               "STOCKHOLM",  "HANOI",     "MANILA",    "SANTIAGO", "BUENOS AIRES", "JOHANNESBURG"};
const char* const kWeekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

constexpr size_t kActors = 200;
constexpr uint64_t kHeadlinesPerFile = 50000;
// `loupe index`'s default --max-size: a headlines file must stay under it.
constexpr uint64_t kMaxFileBytes = uint64_t{16} << 20;
constexpr size_t kAuthors = 100;
constexpr uint32_t kEnd = 0;  // word id of the boundary between training files
constexpr uint32_t kNone = UINT32_MAX;

template <typename T, size_t N>
constexpr size_t Count(const T (&)[N]) {
  return N;
}

// ---------------------------------------------------------------------------

struct Rng {  // splitmix64: small, fast, and the same on every platform
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t Below(uint32_t n) {  // uniform in [0, n)
    return static_cast<uint32_t>(((Next() >> 32) * n) >> 32);
  }
  uint32_t Between(uint32_t lo, uint32_t hi) { return lo + Below(hi - lo + 1); }  // [lo, hi]
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
};

// Draws indices 0..n-1 with weight 1/(i+offset): a few frequent, many rare.
class Zipf {
 public:
  Zipf(size_t n, double offset) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cum_.push_back(sum += 1.0 / (static_cast<double>(i) + offset));
  }
  size_t Draw(Rng& rng) const {
    double x = static_cast<double>(rng.Next() >> 11) * 0x1.0p-53 * cum_.back();
    return std::min<size_t>(std::upper_bound(cum_.begin(), cum_.end(), x) - cum_.begin(), cum_.size() - 1);
  }
  // k distinct indices.
  std::vector<size_t> DrawDistinct(Rng& rng, size_t k) const {
    std::vector<size_t> out;
    while (out.size() < k) {
      size_t x = Draw(rng);
      if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
    }
    return out;
  }

 private:
  std::vector<double> cum_;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsAsciiAlnum(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
bool EndsSentence(std::string_view w) {
  while (!w.empty() && (w.back() == '"' || w.back() == '\'' || w.back() == ')')) w.remove_suffix(1);
  return !w.empty() && (w.back() == '.' || w.back() == '?' || w.back() == '!');
}

// A training token worth learning: not mail or markup debris.
bool KeepToken(std::string_view w) {
  if (w.size() > 24) return false;
  bool letter = false;
  for (unsigned char c : w) {
    if (std::strchr("@<>=|\\{}[]#*~^_`", c) && c != 0) return false;
    if (IsAsciiAlnum(c) || c >= 0x80) letter = true;
  }
  if (!letter) return false;
  if (w.find("http") != std::string_view::npos || w.find("www.") != std::string_view::npos ||
      w.find("\xEF\xBF\xBD") != std::string_view::npos)  // U+FFFD from undecodable input
    return false;
  return true;
}

// The body of an article file: after the title line and the header block.
std::string_view Body(std::string_view text) {
  size_t at = 0;
  while (at < text.size() && IsSpace(text[at])) ++at;  // leading blank lines
  at = text.find('\n', at);                            // the title line
  if (at == std::string_view::npos) return {};
  size_t blank = text.find("\n\n", at);
  size_t blank_crlf = text.find("\n\r\n", at);
  blank = std::min(blank, blank_crlf);
  return blank == std::string_view::npos ? text.substr(at + 1) : text.substr(blank);
}

bool ReadFile(const fs::path& p, std::string* out) {
  FILE* f = std::fopen(p.c_str(), "rb");
  if (!f) return false;
  out->clear();
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

// ---------------------------------------------------------------------------
// The chain. The training text is one array of word ids `tok_` (kEnd between
// files). `pos_` lists the positions q with tok_[q] != kEnd, sorted by
// (tok_[q], tok_[q+1], q): the positions of a word form one group (order-1
// successors are tok_[q+1]), and within it the positions of a word pair form
// one run (order-2 successors are tok_[q+2]). `run_of_[p]` is the run of the
// pair at p. A walk's state is a position p whose words tok_[p], tok_[p+1]
// are the last two words written.

class Chain {
 public:
  Chain() { Intern(""); }  // id 0: kEnd

  uint32_t Intern(std::string_view w) {
    auto it = ids_.find(w);
    if (it != ids_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(words_.size());
    // The keys of an unordered_map stay where they are: words_ can view them.
    words_.push_back(ids_.emplace(std::string(w), id).first->first);
    return id;
  }
  void Add(uint32_t id) { tok_.push_back(id); }

  // Indexes the training text; call once, after the last Add().
  void Build() {
    // Move the words into one buffer and drop the map.
    size_t total = 0;
    for (auto w : words_) total += w.size();
    store_.reserve(total);
    std::vector<size_t> at;
    for (auto w : words_) {
      at.push_back(store_.size());
      store_.append(w);
    }
    for (size_t i = 0; i < words_.size(); ++i) words_[i] = std::string_view(store_).substr(at[i], words_[i].size());
    ids_ = {};

    if (tok_.empty() || tok_.back() != kEnd) tok_.push_back(kEnd);
    const size_t n = tok_.size(), v = words_.size();
    group_.assign(v + 1, 0);
    for (size_t q = 0; q + 1 < n; ++q)
      if (tok_[q] != kEnd) ++group_[tok_[q] + 1];
    for (size_t w = 0; w < v; ++w) group_[w + 1] += group_[w];
    pos_.resize(group_[v]);
    std::vector<uint32_t> fill(group_.begin(), group_.end() - 1);
    for (size_t q = 0; q + 1 < n; ++q)
      if (tok_[q] != kEnd) pos_[fill[tok_[q]]++] = static_cast<uint32_t>(q);
    run_of_.assign(n, kNone);
    for (size_t w = 1; w < v; ++w) {
      auto b = pos_.begin() + group_[w], e = pos_.begin() + group_[w + 1];
      std::sort(b, e,
                [&](uint32_t x, uint32_t y) { return tok_[x + 1] != tok_[y + 1] ? tok_[x + 1] < tok_[y + 1] : x < y; });
      for (auto it = b; it != e;) {
        auto end = it;
        while (end != e && tok_[*end + 1] == tok_[*it + 1]) ++end;
        if (tok_[*it + 1] != kEnd) {
          const uint32_t r = static_cast<uint32_t>(run_start_.size());
          run_start_.push_back(static_cast<uint32_t>(it - pos_.begin()));
          run_len_.push_back(static_cast<uint32_t>(end - it));
          for (auto k = it; k != end; ++k) run_of_[*k] = r;
        }
        it = end;
      }
    }
    // Sentence starts: a capitalized word after a file boundary or after a
    // word that ends a sentence.
    for (size_t p = 0; p + 1 < n; ++p) {
      const uint32_t next = tok_[p + 1];
      if (next == kEnd || (tok_[p] != kEnd && !EndsSentence(words_[tok_[p]]))) continue;
      const unsigned char c = static_cast<unsigned char>(words_[next][0]);
      if (c >= 'A' && c <= 'Z') starts_.push_back(static_cast<uint32_t>(p));
    }
  }

  size_t Tokens() const { return tok_.size(); }
  size_t Vocabulary() const { return words_.size() - 1; }
  bool Empty() const { return starts_.empty(); }

  // A state whose last word starts a sentence.
  uint32_t Start(Rng& rng) const { return starts_[rng.Below(static_cast<uint32_t>(starts_.size()))]; }
  // The last word written in `state`.
  std::string_view Last(uint32_t state) const { return words_[tok_[state + 1]]; }

  // Advances the state by one word; false at the end of a training file.
  bool Step(Rng& rng, uint32_t* state) const {
    const uint32_t p = *state;
    const uint32_t r = run_of_[p];
    if (r != kNone && rng.Chance(0.7)) {
      const uint32_t q = pos_[run_start_[r] + rng.Below(run_len_[r])];
      if (tok_[q + 2] == kEnd) return false;
      *state = q + 1;
      return true;
    }
    const uint32_t w = tok_[p + 1];
    const uint32_t q = pos_[group_[w] + rng.Below(group_[w + 1] - group_[w])];
    if (tok_[q + 1] == kEnd) return false;
    *state = q;
    return true;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string_view> words_;
  std::string store_;
  std::vector<uint32_t> tok_, group_, pos_, run_of_, run_start_, run_len_, starts_;
};

// ---------------------------------------------------------------------------

struct Names {
  std::vector<std::string> actors, actor_last, authors;
};

Names MakeNames() {
  Names n;
  // 200 actors: every last name twice, with first names spread so that no
  // pair repeats.
  const size_t nf = Count(kFirstNames), nl = Count(kLastNames);
  for (size_t i = 0; i < kActors; ++i) {
    size_t last = (i * 37) % nl;
    size_t first = (i * 7 + i / nl * 29) % nf;
    n.actors.push_back(std::string(kFirstNames[first]) + " " + kLastNames[last]);
    n.actor_last.push_back(kLastNames[last]);
  }
  const size_t af = Count(kAuthorFirst), al = Count(kAuthorLast);
  for (size_t i = 0; i < kAuthors; ++i)
    n.authors.push_back(std::string(kAuthorFirst[(i * 11) % af]) + " " + kAuthorLast[(i * 3 + i / al) % al]);
  return n;
}

// The day of a date written "YYYY-MM-DD" (a valid one: the span's ends).
loupe::Days IsoDay(const char* text) {
  loupe::Days day = 0;
  loupe::ParseIsoDate(text, &day);
  return day;
}

class Writer {
 public:
  Writer(const Chain& chain, const Names& names, uint64_t seed)
      : chain_(chain),
        names_(names),
        rng_{seed * 0x2545f4914f6cdd1dull + 0x1234567},
        actor_pick_(kActors, 3.0),
        topic_pick_(Count(kTopics), 2.0),
        author_pick_(kAuthors, 8.0) {}

  // Appends one article to *doc.
  void Article(std::string* doc) {
    const auto actors = actor_pick_.DrawDistinct(rng_, rng_.Between(1, 3));
    const auto topics = topic_pick_.DrawDistinct(rng_, rng_.Between(1, 3));
    const std::string& lead_last = names_.actor_last[actors[0]];

    // Title: about 8 words; a quarter of them start with the lead actor's name.
    std::string title;
    size_t title_words = rng_.Between(6, 10);
    if (rng_.Chance(0.25)) {
      title = lead_last + ": ";
      title_words -= 1;
    }
    AppendTitle(title_words, &title);
    *doc += title;

    *doc += "\nAuthor: ";
    *doc += names_.authors[author_pick_.Draw(rng_)];
    *doc += "\nDate: ";
    *doc += loupe::FormatIsoDate(
        static_cast<loupe::Days>(first_day_ + rng_.Below(static_cast<uint32_t>(last_day_ - first_day_ + 1))));
    *doc += "\nActors: ";
    for (size_t k = 0; k < actors.size(); ++k) (*doc += k ? "; " : "") += names_.actors[actors[k]];
    *doc += "\nTopics: ";
    for (size_t k = 0; k < topics.size(); ++k) (*doc += k ? "; " : "") += kTopics[topics[k]];
    *doc += "\n\n";

    // Body: 150-450 words, about 300 (the sum of two uniform draws, plus the
    // end of the last sentence of each paragraph), in paragraphs of 30-90
    // words that end at a sentence end.
    const size_t total = rng_.Between(70, 210) + rng_.Between(70, 210);
    size_t written = 0, paragraph = 0;
    std::vector<bool> named(actors.size(), false);
    while (written < total) {
      if (paragraph == 0 && rng_.Chance(0.6)) {
        *doc += kCities[rng_.Below(Count(kCities))];
        *doc += " \xE2\x80\x94 ";  // em dash
      }
      size_t target = std::min<size_t>(total - written, rng_.Between(30, 90));
      written += AppendSentences(target, doc);
      // Most lead paragraphs name the lead actor; some later ones name one.
      if (rng_.Chance(paragraph == 0 ? 0.8 : 0.3)) {
        size_t a = paragraph == 0 ? 0 : rng_.Below(static_cast<uint32_t>(actors.size()));
        written += AppendMention(actors, topics, a, &named, doc);
      }
      *doc += "\n\n";
      ++paragraph;
    }
    while (!doc->empty() && doc->back() == '\n') doc->pop_back();
    *doc += '\n';
  }

  // Appends one headline, as a JSON object on one line ending in '\n', with
  // the id "h" + `id` in eight digits.
  void Headline(uint64_t id, std::string* line) {
    const auto actors = actor_pick_.DrawDistinct(rng_, rng_.Between(1, 3));
    std::string title;
    size_t words = rng_.Between(6, 14);
    if (rng_.Chance(0.25)) {
      title = names_.actor_last[actors[0]] + ":";
      words -= 1;
    }
    AppendWords(words, &title);
    char head[32];
    std::snprintf(head, sizeof head, "{\"id\":\"h%08llu\",\"title\":", static_cast<unsigned long long>(id));
    *line += head;
    AppendJsonString(title, line);
    *line += ",\"date\":\"";
    *line += loupe::FormatIsoDate(
        static_cast<loupe::Days>(first_day_ + rng_.Below(static_cast<uint32_t>(last_day_ - first_day_ + 1))));
    *line += "\",\"actors\":[";
    for (size_t k = 0; k < actors.size(); ++k) {
      if (k) *line += ',';
      AppendJsonString(names_.actors[actors[k]], line);
    }
    *line += "]}\n";
  }

 private:
  const int64_t first_day_ = IsoDay("2000-01-01");
  const int64_t last_day_ = IsoDay("2026-12-31");

  // Appends n words of the chain starting at a sentence start, capitalized,
  // without the last word's trailing punctuation.
  void AppendTitle(size_t n, std::string* out) {
    uint32_t s = chain_.Start(rng_);
    size_t begin = out->size();
    for (size_t k = 0; k < n; ++k) {
      std::string_view w = chain_.Last(s);
      if (k) *out += ' ';
      *out += w;
      if (k + 1 == n || (k >= 3 && EndsSentence(w))) break;
      if (!chain_.Step(rng_, &s)) s = chain_.Start(rng_);
    }
    while (out->size() > begin && std::strchr(".,;:!?\"'()-", out->back())) out->pop_back();
    if (out->size() > begin && (*out)[begin] >= 'a' && (*out)[begin] <= 'z') (*out)[begin] -= 32;
  }

  // Appends exactly n words of the chain (after a space when *out is not
  // empty), from a sentence start, capitalized, going on across sentence ends
  // and into a new sentence where the training text ends, so that a headline
  // has the length drawn for it; the last word loses its trailing punctuation.
  void AppendWords(size_t n, std::string* out) {
    uint32_t s = chain_.Start(rng_);
    size_t begin = out->size() + (out->empty() ? 0 : 1);
    for (size_t k = 0; k < n; ++k) {
      if (!out->empty()) *out += ' ';
      *out += chain_.Last(s);
      if (k + 1 < n && !chain_.Step(rng_, &s)) s = chain_.Start(rng_);
    }
    while (out->size() > begin && std::strchr(".,;:!?\"'()-", out->back())) out->pop_back();
    if (out->size() > begin && (*out)[begin] >= 'a' && (*out)[begin] <= 'z') (*out)[begin] -= 32;
  }

  // Appends `s` as a JSON string: quoted, with '"', '\\' and control
  // characters escaped (the training text is UTF-8 and passes through).
  static void AppendJsonString(std::string_view s, std::string* out) {
    *out += '"';
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        *out += '\\';
        *out += static_cast<char>(c);
      } else if (c < 0x20) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", c);
        *out += esc;
      } else {
        *out += static_cast<char>(c);
      }
    }
    *out += '"';
  }

  // Appends sentences until at least `target` words are written and the last
  // one ends a sentence (or 40 words more at most); returns the word count.
  size_t AppendSentences(size_t target, std::string* out) {
    uint32_t s = chain_.Start(rng_);
    size_t n = 0;
    for (;;) {
      std::string_view w = chain_.Last(s);
      if (n) *out += ' ';
      *out += w;
      ++n;
      bool end = EndsSentence(w);
      if ((end && n >= target) || n >= target + 40) {
        if (!end) EndSentence(out);
        return n;
      }
      if (!chain_.Step(rng_, &s)) {
        if (!end) EndSentence(out);
        if (n >= target) return n;
        s = chain_.Start(rng_);
      }
    }
  }

  static void EndSentence(std::string* out) {
    while (!out->empty() && std::strchr(",;:-", out->back())) out->pop_back();
    *out += '.';
  }

  // One sentence of the chain (at most 30 words), without its final
  // punctuation and with its first letter lowered when `lower`.
  std::string Clause(bool lower) {
    std::string out;
    uint32_t s = chain_.Start(rng_);
    for (size_t k = 0; k < 30; ++k) {
      std::string_view w = chain_.Last(s);
      if (k) out += ' ';
      out += w;
      if (EndsSentence(w) || !chain_.Step(rng_, &s)) break;
    }
    while (!out.empty() && std::strchr(".,;:!?\"'(-", out.back())) out.pop_back();
    // "The talks..." -> "the talks...", but "I", "Congress" or "U.S." stay.
    if (lower && out.size() > 1 && out[0] >= 'A' && out[0] <= 'Z' && out[1] >= 'a' && out[1] <= 'z' && out[0] != 'I')
      out[0] += 32;
    return out.empty() ? "no details were given" : out;
  }

  // A sentence that names actor `a` (in full on the first mention), mostly
  // made of chain text so that the stock words stay rare.
  size_t AppendMention(const std::vector<size_t>& actors, const std::vector<size_t>& topics, size_t a,
                       std::vector<bool>* named, std::string* out) {
    static const char* const kVerbs[] = {"said",  "told reporters", "argued",   "warned", "noted",
                                         "added", "insisted",       "conceded", "wrote",  "acknowledged"};
    const std::string who = (*named)[a] ? names_.actor_last[actors[a]] : names_.actors[actors[a]];
    (*named)[a] = true;
    const std::string topic = kTopics[topics[rng_.Below(static_cast<uint32_t>(topics.size()))]];
    const std::string verb = kVerbs[rng_.Below(static_cast<uint32_t>(Count(kVerbs)))];
    std::string s;
    switch (rng_.Below(10)) {
      case 0:
      case 1:
      case 2:
        s = who + " " + verb + " that " + Clause(true) + ".";
        break;
      case 3:
      case 4:
        s = Clause(false) + ", " + who + " " + verb + ".";
        break;
      case 5:
        s = "According to " + who + ", " + Clause(true) + ".";
        break;
      case 6:
        s = "On " + topic + ", " + who + " " + verb + " that " + Clause(true) + ".";
        break;
      case 7:
        s = who + " declined to comment on " + topic + ".";
        break;
      case 8:
        if (actors.size() > 1) {
          const size_t b = (a + 1) % actors.size();
          const std::string other = (*named)[b] ? names_.actor_last[actors[b]] : names_.actors[actors[b]];
          (*named)[b] = true;
          s = who + " met " + other + " on " + kWeekdays[rng_.Below(7)] + " to discuss " + topic + ".";
          break;
        }
        [[fallthrough]];
      default:
        s = "\"" + Clause(false) + ",\" " + who + " said of " + topic + ".";
        break;
    }
    s[0] = static_cast<char>(s[0] >= 'a' && s[0] <= 'z' ? s[0] - 32 : s[0]);
    *out += ' ';
    *out += s;
    return static_cast<size_t>(std::count(s.begin(), s.end(), ' ') + 1);
  }

  const Chain& chain_;
  const Names& names_;
  Rng rng_;
  Zipf actor_pick_, topic_pick_, author_pick_;
};

int Usage(const char* msg) {
  if (msg) std::fprintf(stderr, "loupe_synth: %s\n", msg);
  std::fprintf(stderr,
               "usage: loupe_synth --train DIR [--train DIR...] --count N --out DIR [--seed S] [--headlines]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> train;
  std::string out;
  uint64_t count = 0, seed = 1;
  bool have_count = false, headlines = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf(
          "usage: loupe_synth --train DIR [--train DIR...] --count N --out DIR [--seed S] [--headlines]\n"
          "Writes N synthetic news articles to DIR/NNNN/NNNNNNN.txt, with text from a\n"
          "Markov chain trained on the .txt articles under the --train folders; with\n"
          "--headlines, N headlines (title, date, actors) as JSON lines in DIR/NNNN.jsonl,\n"
          "%llu per file.\n",
          static_cast<unsigned long long>(kHeadlinesPerFile));
      return 0;
    }
    if (a == "--headlines") {
      headlines = true;
      continue;
    }
    if (i + 1 >= argc) return Usage((a + " needs a value").c_str());
    std::string v = argv[++i];
    char* end = nullptr;
    if (a == "--train") {
      train.push_back(v);
    } else if (a == "--out") {
      out = v;
    } else if (a == "--count" || a == "--seed") {
      errno = 0;
      unsigned long long x = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end || errno || v[0] == '-') return Usage((a + " needs a number, not '" + v + "'").c_str());
      (a == "--count" ? count : seed) = x;
      have_count |= a == "--count";
    } else {
      return Usage(("unknown argument " + a).c_str());
    }
  }
  if (train.empty() || out.empty() || !have_count) return Usage(nullptr);
  if (count > (headlines ? 99999999 : 9999999))
    return Usage(headlines ? "--count is at most 99999999 with --headlines" : "--count is at most 9999999");
  const auto t0 = std::chrono::steady_clock::now();

  // Training files, in a fixed order.
  std::vector<fs::path> files;
  for (const auto& dir : train) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      std::fprintf(stderr, "loupe_synth: %s is not a folder\n", dir.c_str());
      return 3;
    }
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && it->path().extension() == ".txt") files.push_back(it->path());
    }
    if (ec) {
      std::fprintf(stderr, "loupe_synth: %s: %s\n", dir.c_str(), ec.message().c_str());
      return 3;
    }
  }
  std::sort(files.begin(), files.end());

  Chain chain;
  chain.Add(kEnd);
  std::string text;
  for (const auto& f : files) {
    if (!ReadFile(f, &text)) {
      std::fprintf(stderr, "loupe_synth: cannot read %s\n", f.c_str());
      return 3;
    }
    std::string_view body = Body(text);
    size_t i = 0;
    while (i < body.size()) {
      while (i < body.size() && IsSpace(body[i])) ++i;
      size_t j = i;
      while (j < body.size() && !IsSpace(body[j])) ++j;
      if (j > i && KeepToken(body.substr(i, j - i))) chain.Add(chain.Intern(body.substr(i, j - i)));
      i = j;
    }
    chain.Add(kEnd);
  }
  chain.Build();
  if (chain.Empty()) {
    std::fprintf(stderr, "loupe_synth: no training text under the --train folders\n");
    return 3;
  }
  const auto t1 = std::chrono::steady_clock::now();

  const Names names = MakeNames();
  Writer writer(chain, names, seed);
  std::string doc;
  uint64_t bytes = 0;
  if (headlines) {
    const auto t_start = std::chrono::steady_clock::now();
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) {
      std::fprintf(stderr, "loupe_synth: cannot create %s: %s\n", out.c_str(), ec.message().c_str());
      return 3;
    }
    for (uint64_t first = 0; first < count; first += kHeadlinesPerFile) {
      doc.clear();
      for (uint64_t i = first; i < std::min(count, first + kHeadlinesPerFile); ++i) writer.Headline(i, &doc);
      char file[32];
      std::snprintf(file, sizeof file, "/%04llu.jsonl", static_cast<unsigned long long>(first / kHeadlinesPerFile));
      const std::string path = out + file;
      // Each file must stay whole for `loupe index`, which skips larger ones.
      if (doc.size() >= kMaxFileBytes) {
        std::fprintf(stderr, "loupe_synth: %s would hold %zu bytes, over %llu\n", path.c_str(), doc.size(),
                     static_cast<unsigned long long>(kMaxFileBytes));
        return 3;
      }
      FILE* f = std::fopen(path.c_str(), "wb");
      if (!f || std::fwrite(doc.data(), 1, doc.size(), f) != doc.size() || std::fclose(f) != 0) {
        std::fprintf(stderr, "loupe_synth: cannot write %s\n", path.c_str());
        return 3;
      }
      bytes += doc.size();
    }
    std::fprintf(stderr,
                 "loupe_synth: trained on %zu files (%zu words, %zu distinct) in %.1f s; "
                 "wrote %llu headlines (%.1f MiB) in %.1f s\n",
                 files.size(), chain.Tokens(), chain.Vocabulary(), std::chrono::duration<double>(t1 - t0).count(),
                 static_cast<unsigned long long>(count), static_cast<double>(bytes) / (1 << 20),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count());
    return 0;
  }
  char dir[32], name[32];
  for (uint64_t i = 0; i < count; ++i) {
    std::snprintf(dir, sizeof dir, "%04llu", static_cast<unsigned long long>(i / 1000));
    if (i % 1000 == 0) {
      std::error_code ec;
      fs::create_directories(fs::path(out) / dir, ec);
      if (ec) {
        std::fprintf(stderr, "loupe_synth: cannot create %s/%s: %s\n", out.c_str(), dir, ec.message().c_str());
        return 3;
      }
    }
    doc.clear();
    writer.Article(&doc);
    std::snprintf(name, sizeof name, "%07llu.txt", static_cast<unsigned long long>(i));
    const std::string path = out + "/" + dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(doc.data(), 1, doc.size(), f) != doc.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "loupe_synth: cannot write %s\n", path.c_str());
      return 3;
    }
    bytes += doc.size();
  }
  const auto t2 = std::chrono::steady_clock::now();
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::fprintf(stderr,
               "loupe_synth: trained on %zu files (%zu words, %zu distinct) in %.1f s; "
               "wrote %llu articles (%.1f MiB) in %.1f s\n",
               files.size(), chain.Tokens(), chain.Vocabulary(), secs(t0, t1), static_cast<unsigned long long>(count),
               static_cast<double>(bytes) / (1 << 20), secs(t1, t2));
  return 0;
}
