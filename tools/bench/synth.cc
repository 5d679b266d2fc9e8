// loupe_synth: a deterministic synthetic news corpus for benchmarks.
//
//   loupe_synth --train DIR [--train DIR...] --count N --out DIR [--seed S]
//
// Learns a first-order word Markov chain from the bodies of the articles under
// the --train folders (whitespace-separated words, punctuation kept), then
// writes N articles in Loupe's format into OUT/NNNN/NNNNNNN.txt (1000 per
// folder): a title of 6-10 generated words, an author from 100 names, a date
// uniform over 2000-01-01..2026-12-31, 1-3 actors from 200 names and 1-3
// topics from 50, and a body of 150-450 generated words in which the actors
// and topic words also appear. Same seed and training text, same corpus.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Rng {
  uint64_t s;
  uint64_t Next() {  // splitmix64
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
};

const char* kFirst[] = {"Maria", "James", "Wei", "Aisha", "Carlos", "Yuki", "Olga", "Kwame", "Priya", "Lars",
                        "Fatima", "Diego", "Hana", "Ivan", "Chloe", "Rahul", "Sofia", "Tomas", "Amara", "Kenji"};
const char* kLast[] = {"Alvarez", "Brennan", "Chen", "Dubois", "Eriksen", "Fujita", "Gallagher", "Haddad", "Ibarra", "Jansen",
                       "Kowalski", "Lindqvist", "Mbeki", "Novak", "Okafor", "Petrov"};
const char* kAuthorFirst[] = {"Anne", "Ben", "Clara", "David", "Elena", "Frank", "Grace", "Hugo", "Iris", "Jon"};
const char* kAuthorLast[] = {"Adams", "Baker", "Clarke", "Dawson", "Ellis", "Foster", "Greene", "Hughes", "Irving", "Jordan"};
const char* kTopics[] = {"tariffs", "export controls", "rare earths", "trade talks", "sanctions", "semiconductors",
                         "agriculture", "soybeans", "shipping", "energy", "oil prices", "inflation", "interest rates",
                         "currency", "supply chains", "manufacturing", "steel", "aluminum", "automobiles", "pharmaceuticals",
                         "antitrust", "privacy", "cybersecurity", "artificial intelligence", "telecommunications",
                         "elections", "immigration", "climate", "fisheries", "mining", "labor", "housing", "banking",
                         "insurance", "aviation", "railways", "ports", "tourism", "education", "health care",
                         "defense", "diplomacy", "human rights", "taxation", "budget", "debt", "pensions",
                         "water", "forestry", "space"};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The body of an article: everything after the first blank line.
std::string_view Body(const std::string& text) {
  size_t at = text.find("\n\n");
  return at == std::string::npos ? std::string_view(text) : std::string_view(text).substr(at + 2);
}

std::string Date(Rng& rng) {
  int y = 2000 + static_cast<int>(rng.Below(27));
  int m = 1 + static_cast<int>(rng.Below(12));
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int dmax = kDays[m - 1] + (m == 2 && y % 4 == 0 ? 1 : 0);
  int d = 1 + static_cast<int>(rng.Below(static_cast<size_t>(dmax)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> train;
  std::string out;
  uint64_t count = 0, seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "loupe_synth: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--train") train.push_back(value());
    else if (a == "--count") count = std::stoull(value());
    else if (a == "--out") out = value();
    else if (a == "--seed") seed = std::stoull(value());
    else if (a == "-h" || a == "--help") {
      std::cout << "usage: loupe_synth --train DIR [--train DIR...] --count N --out DIR [--seed S]\n";
      return 0;
    } else {
      std::cerr << "loupe_synth: unknown argument " << a << "\n";
      return 2;
    }
  }
  if (train.empty() || out.empty() || count == 0) {
    std::cerr << "usage: loupe_synth --train DIR [--train DIR...] --count N --out DIR [--seed S]\n";
    return 2;
  }

  // Vocabulary and successor lists (with multiplicity: sampling one uniformly
  // follows the observed transition frequencies).
  std::vector<std::string> words;
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<std::vector<uint32_t>> next;
  std::vector<uint32_t> starts;  // words that begin a sentence
  std::vector<fs::path> files;
  for (const auto& dir : train) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ".txt") files.push_back(it->path());
    if (ec) {
      std::cerr << "loupe_synth: " << dir << ": " << ec.message() << "\n";
      return 3;
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::string text = ReadFile(f);
    std::string_view body = Body(text);
    uint32_t prev = UINT32_MAX;
    size_t i = 0;
    while (i < body.size()) {
      while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
      size_t j = i;
      while (j < body.size() && !std::isspace(static_cast<unsigned char>(body[j]))) ++j;
      if (j == i) break;
      std::string w(body.substr(i, j - i));
      i = j;
      if (w.size() > 30) continue;
      auto [it, added] = ids.emplace(w, static_cast<uint32_t>(words.size()));
      if (added) {
        words.push_back(w);
        next.emplace_back();
      }
      uint32_t id = it->second;
      if (prev != UINT32_MAX) next[prev].push_back(id);
      char last = w.back();
      if (prev == UINT32_MAX || last == '.' || last == '?' || last == '!') {
        if (std::isupper(static_cast<unsigned char>(w[0]))) starts.push_back(id);
      }
      prev = id;
    }
  }
  if (words.empty() || starts.empty()) {
    std::cerr << "loupe_synth: no training text found under the --train folders\n";
    return 3;
  }

  std::vector<std::string> actors, authors;
  for (const char* l : kLast)
    for (size_t k = 0; k < 13 && actors.size() < 200; ++k) actors.push_back(std::string(kFirst[(k * 7 + std::strlen(l)) % 20]) + " " + l);
  for (const char* f : kAuthorFirst)
    for (const char* l : kAuthorLast) authors.push_back(std::string(f) + " " + l);
  const size_t n_topics = sizeof kTopics / sizeof kTopics[0];

  Rng rng{seed};
  auto walk = [&](size_t n, std::string* dst) {
    uint32_t w = starts[rng.Below(starts.size())];
    for (size_t k = 0; k < n; ++k) {
      if (k) dst->push_back(' ');
      dst->append(words[w]);
      const auto& nx = next[w];
      w = nx.empty() ? starts[rng.Below(starts.size())] : nx[rng.Below(nx.size())];
    }
  };

  std::string doc, body;
  for (uint64_t i = 0; i < count; ++i) {
    if (i % 1000 == 0) fs::create_directories(fs::path(out) / std::to_string(1000000 + i / 1000).substr(1));
    size_t na = 1 + rng.Below(3), nt = 1 + rng.Below(3);
    std::vector<size_t> a, t;
    while (a.size() < na) {
      size_t x = rng.Below(actors.size());
      if (std::find(a.begin(), a.end(), x) == a.end()) a.push_back(x);
    }
    while (t.size() < nt) {
      size_t x = rng.Below(n_topics);
      if (std::find(t.begin(), t.end(), x) == t.end()) t.push_back(x);
    }
    doc.clear();
    std::string title;
    walk(6 + rng.Below(5), &title);
    if (!title.empty()) title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    doc += title;
    doc += "\nAuthor: " + authors[rng.Below(authors.size())];
    doc += "\nDate: " + Date(rng);
    doc += "\nActors: ";
    for (size_t k = 0; k < a.size(); ++k) doc += (k ? "; " : "") + actors[a[k]];
    doc += "\nTopics: ";
    for (size_t k = 0; k < t.size(); ++k) doc += std::string(k ? "; " : "") + kTopics[t[k]];
    doc += "\n\n";
    // Paragraphs of generated text; actors and topics mentioned along the way.
    size_t total = 150 + rng.Below(301), made = 0;
    while (made < total) {
      size_t n = std::min(total - made, 40 + rng.Below(60));
      body.clear();
      walk(n, &body);
      made += n;
      doc += body;
      if (rng.Below(2)) doc += " " + actors[a[rng.Below(a.size())]] + " said.";
      if (rng.Below(2)) doc += std::string(" On ") + kTopics[t[rng.Below(t.size())]] + ", talks continued.";
      doc += "\n\n";
    }
    char name[32];
    std::snprintf(name, sizeof name, "%07llu.txt", static_cast<unsigned long long>(i));
    fs::path p = fs::path(out) / std::to_string(1000000 + i / 1000).substr(1) / name;
    FILE* f = std::fopen(p.c_str(), "wb");
    if (!f || std::fwrite(doc.data(), 1, doc.size(), f) != doc.size() || std::fclose(f) != 0) {
      std::cerr << "loupe_synth: cannot write " << p << "\n";
      return 3;
    }
  }
  std::cerr << "loupe_synth: " << count << " articles from a chain of " << words.size() << " words\n";
  return 0;
}
