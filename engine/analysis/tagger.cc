#include "loupe/tagger.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>

#include "analysis/analyzer_access.h"
#include "util/ascii.h"
#include "util/guard.h"

namespace loupe {
namespace {

// A lexicon or gazetteer line's field without its spaces, tabs and CR.
std::string_view TrimField(std::string_view s) { return Trim(s, " \t\r"); }

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t at = s.find(sep);
    out.push_back(TrimField(s.substr(0, at)));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

// A line without its trailing comment (" # ..."), so that lines such as
// `loupe index --report-candidates` prints ("Li Chenggang | person  # 3 articles") paste as they are.
std::string_view StripComment(std::string_view line) {
  for (size_t at = line.find('#'); at != std::string_view::npos; at = line.find('#', at + 1))
    if (at > 0 && (line[at - 1] == ' ' || line[at - 1] == '\t')) return TrimField(line.substr(0, at));
  return line;
}

// A word of running text, for finding names by their capitals.
struct Word {
  size_t begin, end;
  bool capital;       // starts with an upper-case or title-case letter
  bool break_before;  // punctuation (not just space) since the previous word
};

bool WordChar(UChar32 c) {
  if (c < 0x80)  // most text: no look-up in ICU's tables
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' || c == '-' ||
           c == '.';
  return u_isalnum(c) || c == 0x2019;
}

bool Space(UChar32 c) {
  return c < 0x80 ? c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' : u_isUWhiteSpace(c);
}

bool Capital(UChar32 c) { return c < 0x80 ? c >= 'A' && c <= 'Z' : u_isupper(c) || u_istitle(c); }

std::vector<Word> Words(std::string_view text) {
  std::vector<Word> words;
  const char* s = text.data();
  const int32_t n = static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX));
  bool brk = true;
  for (int32_t i = 0; i < n;) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0 || !WordChar(c) || c == '.' || c == '-' || c == '\'' || c == 0x2019) {
      if (c < 0 || !Space(c)) brk = true;
      continue;
    }
    Word w{static_cast<size_t>(start), 0, Capital(c), brk};
    int32_t end = i;
    while (i < n) {
      int32_t at = i;
      U8_NEXT(s, i, n, c);
      if (c < 0 || !WordChar(c)) {
        i = at;
        break;
      }
      end = i;
    }
    // Trailing dots and dashes belong to the punctuation ("Huang." ends a sentence).
    while (end > start && (s[end - 1] == '.' || s[end - 1] == '-')) --end;
    w.end = static_cast<size_t>(end);
    brk = static_cast<size_t>(end) != static_cast<size_t>(i);
    words.push_back(w);
  }
  return words;
}

bool IsParticle(std::string_view w) {
  static const char* const kParticles[] = {"von", "van", "der", "den", "de",   "del", "della", "di",  "da",
                                           "du",  "la",  "le",  "bin", "bint", "al",  "el",    "ibn", "dos"};
  for (const char* p : kParticles)
    if (w == p) return true;
  return false;
}

const char kDefaultTitles[] =
    "# Words that introduce a person's name: a name right after one is a candidate actor.\n"
    "President\nVice President\nPresident-elect\nPrime Minister\nDeputy Prime Minister\nPremier\n"
    "Vice Premier\nChancellor\nMinister\nSecretary\nSecretary-General\nTrade Representative\n"
    "Representative\nCommissioner\nGovernor\nChairman\nChairwoman\nChair\nCEO\nChief Executive\n"
    "Executive\nSenator\nSen.\nRep.\nGov.\nAmbassador\nEnvoy\nNegotiator\nSpokesperson\nSpokesman\n"
    "Spokeswoman\nKing\nQueen\nCrown Prince\nPrince\nEmir\nSheikh\nSultan\nMayor\nSpeaker\n"
    "Director\nDirector-General\nDirector General\nGeneral\nAdmiral\nChief Justice\nJustice\nJudge\n"
    "Founder\nLeader\nAdviser\nAdvisor\nCounselor\nEconomist\nAnalyst\nPresident Emeritus\n";

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "; " : "") + v[i];
  return s;
}

}  // namespace

Result<std::unique_ptr<Tagger>> Tagger::Create(std::string_view gazetteer, std::string_view topics,
                                               std::vector<std::string>* warnings) {
  return Guard([&]() -> Result<std::unique_ptr<Tagger>> {
    std::vector<std::string> ignored;
    return DoCreate(gazetteer, topics, warnings ? warnings : &ignored);
  });
}

Result<std::unique_ptr<Tagger>> Tagger::DoCreate(std::string_view gazetteer, std::string_view topics,
                                                 std::vector<std::string>* errors) {
  auto analyzer = Analyzer::Create();
  if (!analyzer.ok()) return Status(analyzer.status().code(), "analyzer: " + analyzer.status().message());
  std::unique_ptr<Tagger> t(new Tagger(std::move(*analyzer)));
  size_t n = 0;
  for (std::string_view line : Split(gazetteer, '\n')) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    line = StripComment(line);
    std::vector<std::string_view> parts = Split(line, '|');
    if (parts[0].empty()) {
      errors->push_back("gazetteer line " + std::to_string(n) + ": no name before the first '|'; skipped");
      continue;
    }
    Entry e;
    e.name = std::string(parts[0]);
    e.names.push_back(e.name);
    for (size_t i = 2; i < parts.size(); ++i)  // parts[1] is the kind
      if (!parts[i].empty()) e.names.emplace_back(parts[i]);
    size_t index = t->actors_.size();
    for (const std::string& name : e.names) {
      t->AddPattern(name, false, index);
      t->by_name_.emplace(t->Key(name), index);
    }
    t->actors_.push_back(std::move(e));
  }
  n = 0;
  for (std::string_view line : Split(topics, '\n')) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    line = StripComment(line);
    size_t arrow = line.find("<-");
    std::string_view name = TrimField(line.substr(0, arrow));
    if (name.empty()) {
      errors->push_back("topics line " + std::to_string(n) + ": no topic before '<-'; skipped");
      continue;
    }
    Entry e;
    e.name = std::string(name);
    e.names.push_back(e.name);
    if (arrow != std::string_view::npos)
      for (std::string_view w : Split(line.substr(arrow + 2), ','))
        if (!w.empty()) e.names.emplace_back(w);
    size_t index = t->topics_.size();
    for (const std::string& w : e.names) t->AddPattern(w, true, index);
    t->topics_.push_back(std::move(e));
  }
  t->DoSetTitles(kDefaultTitles);
  return t;
}

std::string_view DefaultTitles() { return kDefaultTitles; }

Result<size_t> Tagger::SetTitles(std::string_view list) {
  return Guard([&]() -> Result<size_t> { return DoSetTitles(list); });
}

Result<std::vector<std::string>> Tagger::Candidates(const Document& d) const {
  return Guard([&]() -> Result<std::vector<std::string>> { return DoCandidates(d); });
}

Status Tagger::Detect(const Document& d, std::vector<std::string>* actors, std::vector<std::string>* topics) {
  return Guard([&] {
    DoDetect(d, actors, topics);
    return Status::OK();
  });
}

Status Tagger::Tag(Document* d) {
  return Guard([&] {
    DoTag(d);
    return Status::OK();
  });
}

size_t Tagger::DoSetTitles(std::string_view list) {
  titles_.clear();
  title_by_first_.clear();
  for (std::string_view line : Split(list, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    line = StripComment(line);
    std::vector<std::string> words;
    const std::string lower = Lower(line);  // outlives the views Split returns
    for (std::string_view w : Split(lower, ' ')) {
      // "Sen." and "Rep." are written with their dot, which a word of the text leaves out.
      while (!w.empty() && w.back() == '.') w.remove_suffix(1);
      if (!w.empty()) words.emplace_back(w);
    }
    if (!words.empty()) titles_.push_back(std::move(words));
  }
  std::stable_sort(titles_.begin(), titles_.end(), [](const auto& x, const auto& y) { return x.size() > y.size(); });
  for (size_t t = 0; t < titles_.size(); ++t) title_by_first_[titles_[t][0]].push_back(t);  // longest first
  return titles_.size();
}

namespace {

// `word` equals `lower`, a lower-case word, but for the case of ASCII letters.
bool SameWord(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> Tagger::DoCandidates(const Document& d) const {
  std::vector<std::string> out;
  if (titles_.empty()) return out;
  const std::string_view text = d.body;
  const std::vector<Word> words = Words(text);
  auto word = [&](size_t i) { return text.substr(words[i].begin, words[i].end - words[i].begin); };
  std::string key;  // the lower-case word looked up, reused
  auto titles_from = [&](size_t i) -> const std::vector<size_t>* {
    key.assign(word(i));
    for (char& c : key)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    auto it = title_by_first_.find(key);
    return it == title_by_first_.end() ? nullptr : &it->second;
  };
  for (size_t i = 0; i < words.size();) {
    // The longest title at word i (its words not split by punctuation).
    size_t after = 0;
    if (const std::vector<size_t>* starting = titles_from(i)) {
      for (size_t t : *starting) {
        const std::vector<std::string>& title = titles_[t];
        if (i + title.size() >= words.size()) continue;
        bool match = true;
        for (size_t k = 1; k < title.size() && match; ++k)
          match = !words[i + k].break_before && SameWord(word(i + k), title[k]);
        if (match) {
          after = i + title.size();
          break;
        }
      }
    }
    if (after == 0) {
      ++i;
      continue;
    }
    // Up to four capitalized words (particles inside), in one stretch of text
    // and up to the next title ("General Motors CEO Mary Barra"). A title
    // written with its dot ("Sen.") is followed by a break.
    const bool dotted = text.substr(words[after - 1].end, 1) == ".";
    size_t j = after, names = 0, last = after;
    while (j < words.size() && j - after < 6 && (!words[j].break_before || (j == after && dotted))) {
      if (titles_from(j)) break;  // key: the word in lower case
      if (words[j].capital) {
        if (names == 4) break;
        ++names;
        last = j + 1;
      } else if (!(names > 0 && IsParticle(key))) {
        break;
      }
      ++j;
    }
    i = std::max(after, last);
    if (names < 2) continue;
    size_t begin = words[after].begin, end = words[last - 1].end;
    std::string name(text.substr(begin, end - begin));
    for (const char* possessive : {"'s", "\xE2\x80\x99s", "'", "\xE2\x80\x99"}) {
      size_t len = std::char_traits<char>::length(possessive);
      if (name.size() > len && name.compare(name.size() - len, len, possessive) == 0) {
        name.resize(name.size() - len);
        break;
      }
    }
    // A name with digits, or all in capitals ("CEO SAID"), is no person's.
    bool digits = false, lower_seen = false;
    for (unsigned char c : name) digits |= c >= '0' && c <= '9', lower_seen |= (c >= 'a' && c <= 'z') || c >= 0x80;
    if (digits || !lower_seen) continue;
    if (std::find(out.begin(), out.end(), name) != out.end() || !NamesOf(name).empty()) continue;
    out.push_back(std::move(name));
  }
  return out;
}

void Tagger::AddPattern(std::string_view text, bool topic, size_t index) {
  tokens_.clear();
  AnalyzerAccess::Analyze(*analyzer_, text, /*stem=*/true, 0, &tokens_);
  if (tokens_.empty()) return;
  Pattern p{{}, topic, index};
  for (const Token& tok : tokens_) p.words.push_back(tok.term);
  by_first_[p.words[0]].push_back(std::move(p));
}

std::string Tagger::Key(std::string_view name) const {
  std::vector<Token> tokens;
  {
    std::lock_guard<std::mutex> lock(key_mu_);
    AnalyzerAccess::Analyze(*analyzer_, name, /*stem=*/false, 0, &tokens);
  }
  std::string key;
  for (const Token& tok : tokens) key += (key.empty() ? "" : " ") + tok.term;
  return key;
}

void Tagger::DoDetect(const Document& d, std::vector<std::string>* actors, std::vector<std::string>* topics) {
  actors->clear();
  topics->clear();
  std::vector<size_t> actor_order;
  std::vector<int> topic_count(topics_.size(), 0);
  std::vector<bool> topic_early(topics_.size(), false), actor_seen(actors_.size(), false);
  // The first paragraph ends at the first blank line of the body.
  size_t first_para = d.body.find("\n\n");
  auto scan = [&](std::string_view text, bool title) {
    tokens_.clear();
    AnalyzerAccess::Analyze(*analyzer_, text, /*stem=*/true, 0, &tokens_);
    for (size_t i = 0; i < tokens_.size();) {
      auto it = by_first_.find(tokens_[i].term);
      const Pattern* best = nullptr;
      if (it != by_first_.end()) {
        for (const Pattern& p : it->second) {
          if (i + p.words.size() > tokens_.size() || (best && p.words.size() <= best->words.size())) continue;
          bool match = true;
          for (size_t k = 1; k < p.words.size() && match; ++k) match = tokens_[i + k].term == p.words[k];
          if (match) best = &p;
        }
      }
      if (!best) {
        ++i;
        continue;
      }
      if (best->topic) {
        ++topic_count[best->index];
        if (title || tokens_[i].begin < first_para) topic_early[best->index] = true;
      } else if (!actor_seen[best->index]) {
        actor_seen[best->index] = true;
        actor_order.push_back(best->index);
      }
      i += best->words.size();
    }
  };
  scan(d.title, true);
  scan(d.body, false);
  for (size_t a : actor_order) actors->push_back(actors_[a].name);
  for (size_t t = 0; t < topics_.size(); ++t)
    if (topic_count[t] >= 2 || topic_early[t]) topics->push_back(topics_[t].name);
}

void Tagger::DoTag(Document* d) {
  // What an earlier Tag recorded goes: tagging again gives the same document.
  std::erase_if(d->extra, [](const std::pair<std::string, std::string>& e) {
    return e.first == "Actors-Detected" || e.first == "Topics-Detected" || e.first == "Actors-Candidate";
  });
  // Declared actors by their canonical names, each once.
  if (!d->actors.empty()) {
    std::vector<std::string> canonical;
    for (const std::string& a : d->actors) {
      auto it = by_name_.find(Key(a));
      std::string name = it == by_name_.end() ? a : actors_[it->second].name;
      if (std::find(canonical.begin(), canonical.end(), name) == canonical.end()) canonical.push_back(std::move(name));
    }
    if (canonical != d->actors) {
      bool recorded = false;
      for (const auto& e : d->extra) recorded |= e.first == "Actors-Declared";
      if (!recorded) d->extra.emplace_back("Actors-Declared", Join(d->actors));
      d->actors = std::move(canonical);
    }
  }
  std::vector<std::string> actors, topics;
  DoDetect(*d, &actors, &topics);
  if (!actors.empty()) d->extra.emplace_back("Actors-Detected", Join(actors));
  if (!topics.empty()) d->extra.emplace_back("Topics-Detected", Join(topics));
  std::vector<std::string> candidates = DoCandidates(*d);
  if (!candidates.empty()) d->extra.emplace_back("Actors-Candidate", Join(candidates));
  if (d->actors.empty()) d->actors = std::move(actors);
  if (d->topics.empty()) d->topics = std::move(topics);
}

std::vector<std::string> Tagger::NamesOf(std::string_view name) const {
  auto it = by_name_.find(Key(name));
  if (it == by_name_.end()) return {};
  return actors_[it->second].names;
}

}  // namespace loupe
