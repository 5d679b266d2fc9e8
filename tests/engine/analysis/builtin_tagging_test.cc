// The built-in gazetteer and topic lexicon (loupe/ingest/builtin.h): they are
// the data files byte for byte, parse without errors, are large enough, give
// every name and word to one actor or topic only, hold everything of the bundled
// corpus's gazetteer and lexicon, and tag news text.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "loupe/ingest/builtin.h"
#include "loupe/ingest/formats.h"
#include "loupe/ingest/tagging.h"
#include "support/index_util.h"
#include "support/test_util.h"

using namespace loupe;
using namespace loupe::ingest;

namespace {

std::string ReadFile(const std::string& path) {
  REQUIRE(std::filesystem::is_regular_file(path));
  return loupe::test::Slurp(path);
}

std::string SourceFile(const char* name) { return ReadFile(std::string(LOUPE_SOURCE_DIR) + "/" + name); }

// One actor (canonical name first, then aliases) or one topic (its name first,
// then its words), read as Tagger::Create reads the files.
struct Entry {
  std::string name;
  std::vector<std::string> words;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> SplitTrimmed(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (;;) {
    size_t at = s.find(sep);
    out.emplace_back(Trim(s.substr(0, at)));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  for (std::string& line : SplitTrimmed(text, '\n'))
    if (!line.empty() && line[0] != '#') lines.push_back(std::move(line));
  return lines;
}

std::vector<Entry> Actors(std::string_view gazetteer) {
  std::vector<Entry> out;
  for (const std::string& line : Lines(gazetteer)) {
    std::vector<std::string> parts = SplitTrimmed(line, '|');
    Entry e{parts[0], {parts[0]}};
    for (size_t i = 2; i < parts.size(); ++i)  // parts[1] is the kind
      if (!parts[i].empty()) e.words.push_back(parts[i]);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Entry> Topics(std::string_view lexicon) {
  std::vector<Entry> out;
  for (const std::string& line : Lines(lexicon)) {
    size_t arrow = line.find("<-");
    Entry e{std::string(Trim(std::string_view(line).substr(0, arrow))), {}};
    e.words.push_back(e.name);
    if (arrow != std::string::npos)
      for (std::string& w : SplitTrimmed(std::string_view(line).substr(arrow + 2), ','))
        if (!w.empty()) e.words.push_back(std::move(w));
    out.push_back(std::move(e));
  }
  return out;
}

Document Doc(std::string title, std::string body) { return test::MakeDoc("x", std::move(title), std::move(body)); }

using test::Join;

// Everything wrong with a gazetteer and lexicon, one line per problem: lines
// Tagger::Create reports, canonical names and topics given twice, and any name,
// alias or topic word that does not name its own actor or topic alone. The
// last is checked through the Tagger itself: a text that is exactly the name
// must be detected as that actor (or topic) and nothing else, so two entries
// with a name or word alike after analysis (case, possessives, plurals) are
// caught, and NamesOf(alias) must give the actor, so two actors sharing an
// alias as folded words are caught.
std::vector<std::string> Problems(std::string_view gazetteer, std::string_view lexicon) {
  std::vector<std::string> problems;
  auto tagger = Tagger::Create(gazetteer, lexicon, &problems).value();
  if (!tagger) {
    problems.push_back("no tagger");
    return problems;
  }
  std::vector<Entry> actors = Actors(gazetteer), topics = Topics(lexicon);
  std::set<std::string> seen;
  for (const Entry& a : actors)
    if (!seen.insert(a.name).second) problems.push_back("actor '" + a.name + "' is given twice");
  seen.clear();
  for (const Entry& t : topics)
    if (!seen.insert(t.name).second) problems.push_back("topic '" + t.name + "' is given twice");

  std::vector<std::string> found_actors, found_topics;
  for (const Entry& a : actors) {
    for (const std::string& name : a.words) {
      REQUIRE(tagger->Detect(Doc(name, ""), &found_actors, &found_topics).ok());
      if (Join(found_actors) != a.name || !found_topics.empty())
        problems.push_back("'" + name + "' of actor '" + a.name + "' is detected as actors [" + Join(found_actors) +
                           "] and topics [" + Join(found_topics) + "]");
      std::vector<std::string> names = tagger->NamesOf(name);
      if (names.empty() || names[0] != a.name)
        problems.push_back("'" + name + "' of actor '" + a.name + "' names '" + (names.empty() ? "" : names[0]) + "'");
    }
  }
  for (const Entry& t : topics) {
    for (const std::string& word : t.words) {
      REQUIRE(tagger->Detect(Doc(word, ""), &found_actors, &found_topics).ok());
      if (Join(found_topics) != t.name || !found_actors.empty())
        problems.push_back("'" + word + "' of topic '" + t.name + "' is detected as actors [" + Join(found_actors) +
                           "] and topics [" + Join(found_topics) + "]");
    }
  }
  return problems;
}

bool Mentions(const std::vector<std::string>& problems, std::string_view text) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

std::unique_ptr<Tagger> Builtin() {
  std::vector<std::string> errors;
  auto t = Tagger::Create(BuiltinGazetteer(), BuiltinTopics(), &errors).value();
  REQUIRE(t);
  CHECK(errors.empty());
  return t;
}

std::unique_ptr<Tagger> Bundled() {
  std::vector<std::string> errors;
  auto t = Tagger::Create(SourceFile("corpus/actors.gazetteer"), SourceFile("corpus/topics.lexicon"), &errors).value();
  REQUIRE(t);
  CHECK(errors.empty());
  return t;
}

}  // namespace

TEST_CASE("the built-in data is the data files, byte for byte") {
  CHECK(BuiltinGazetteer() == SourceFile("engine/analysis/data/world.gazetteer"));
  CHECK(BuiltinTopics() == SourceFile("engine/analysis/data/world.lexicon"));
}

TEST_CASE("the built-in gazetteer and lexicon parse, and are large enough") {
  auto t = Builtin();
  CHECK(t->actors() >= 300);
  CHECK(t->topics() >= 40);
  CHECK(t->actors() == Actors(BuiltinGazetteer()).size());
  CHECK(t->topics() == Topics(BuiltinTopics()).size());
}

TEST_CASE("docs/corpus-format.md gives the built-in data's counts") {
  std::map<std::string, size_t> kinds;
  for (const std::string& line : Lines(BuiltinGazetteer())) ++kinds[SplitTrimmed(line, '|').at(1)];
  // The docs' sentence with its line breaks as spaces.
  std::string docs;
  for (char c : SourceFile("docs/corpus-format.md"))
    if (c != '\n' && c != ' ')
      docs += c;
    else if (docs.empty() || docs.back() != ' ')
      docs += ' ';
  size_t at = docs.find("a gazetteer of ");
  REQUIRE(at != std::string::npos);
  unsigned long actors = 0, people = 0, orgs = 0, companies = 0, topics = 0;
  REQUIRE(std::sscanf(
              docs.c_str() + at,
              "a gazetteer of %lu actors (%lu people, %lu organisations, %lu companies) and a lexicon of %lu topics",
              &actors, &people, &orgs, &companies, &topics) == 5);
  CHECK(actors == Actors(BuiltinGazetteer()).size());
  CHECK(people == kinds["person"]);
  CHECK(orgs == kinds["org"]);
  CHECK(companies == kinds["company"]);
  CHECK(kinds.size() == 3);  // no kind the docs do not count
  CHECK(topics == Topics(BuiltinTopics()).size());
}

TEST_CASE("every built-in name and word names one actor or topic alone") {
  std::vector<std::string> problems = Problems(BuiltinGazetteer(), BuiltinTopics());
  for (const std::string& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
}

TEST_CASE("the checks of the built-in data find broken data") {
  std::string gazetteer(BuiltinGazetteer()), topics(BuiltinTopics());
  // An alias of a second actor, also as other folded and stemmed forms.
  CHECK(Mentions(Problems(gazetteer + "\nSomeone Else | person | Bessent\n", topics),
                 "'Bessent' of actor 'Someone Else'"));
  CHECK(Mentions(Problems(gazetteer + "\nSomeone Else | person | BESSENT's\n", topics), "'BESSENT's'"));
  CHECK(Mentions(Problems(gazetteer + "\nNvidia | company | Nvidia Corporation\n", topics),
                 "actor 'Nvidia' is given twice"));
  CHECK(Mentions(Problems(gazetteer + "\n | person | Nameless\n", topics), "no name before the first '|'"));
  // A topic twice, a word of two topics, a word that is an actor's name.
  CHECK(Mentions(Problems(gazetteer, topics + "\ntariffs <- tariff walls\n"), "topic 'tariffs' is given twice"));
  CHECK(Mentions(Problems(gazetteer, topics + "\nfarm trade <- soybeans\n"), "'soybeans' of topic 'farm trade'"));
  CHECK(Mentions(Problems(gazetteer, topics + "\ncompanies <- Nvidia\n"), "'Nvidia' of topic 'companies'"));
}

TEST_CASE("the built-in data holds every actor and topic of the bundled corpus") {
  auto builtin = Builtin();
  std::vector<Entry> world_topics = Topics(BuiltinTopics());
  for (const Entry& a : Actors(SourceFile("corpus/actors.gazetteer"))) {
    for (const std::string& name : a.words) {
      INFO("actor " << a.name << ", name " << name);
      std::vector<std::string> names = builtin->NamesOf(name);
      REQUIRE_FALSE(names.empty());
      CHECK(names[0] == a.name);
      for (const std::string& other : a.words) CHECK(std::find(names.begin(), names.end(), other) != names.end());
    }
  }
  // Words of the corpus lexicon that the built-in one gives to another topic,
  // with why. "ceasefire" is no word of the bundled articles.
  const std::map<std::string, std::string> moved = {{"ceasefire", "armed conflict"}};
  for (const Entry& t : Topics(SourceFile("corpus/topics.lexicon"))) {
    INFO("topic " << t.name);
    auto world =
        std::find_if(world_topics.begin(), world_topics.end(), [&](const Entry& w) { return w.name == t.name; });
    REQUIRE(world != world_topics.end());
    for (const std::string& word : t.words) {
      INFO("word " << word);
      auto it = moved.find(word);
      std::string owner = it == moved.end() ? t.name : it->second;
      auto entry =
          std::find_if(world_topics.begin(), world_topics.end(), [&](const Entry& w) { return w.name == owner; });
      REQUIRE(entry != world_topics.end());
      CHECK(std::find(entry->words.begin(), entry->words.end(), word) != entry->words.end());
    }
  }
}

TEST_CASE("the built-in data detects in every bundled article what the corpus's own files detect") {
  auto builtin = Builtin();
  auto bundled = Bundled();
  size_t articles = 0;
  for (const auto& f : std::filesystem::directory_iterator(std::string(LOUPE_SOURCE_DIR) + "/corpus/articles")) {
    std::string path = f.path().string();
    ParsedFile parsed = ParseFile(ReadFile(path), Format::kText, f.path().filename().string(), path).value();
    for (const Document& d : parsed.docs) {
      ++articles;
      INFO("article " << d.id);
      std::vector<std::string> want_actors, want_topics, actors, topics;
      REQUIRE(bundled->Detect(d, &want_actors, &want_topics).ok());
      REQUIRE(builtin->Detect(d, &actors, &topics).ok());
      for (const std::string& a : want_actors) CHECK(std::find(actors.begin(), actors.end(), a) != actors.end());
      for (const std::string& t : want_topics) CHECK(std::find(topics.begin(), topics.end(), t) != topics.end());
    }
  }
  CHECK(articles == 64);
}

TEST_CASE("the built-in data tags a news text") {
  auto t = Builtin();
  std::vector<std::string> actors, topics;
  REQUIRE(t->Detect(
               Doc("U.S. and China Hold Trade Talks in Madrid",
                   "MADRID \xE2\x80\x94 Treasury Secretary Scott Bessent and Vice Premier He Lifeng opened two days of "
                   "talks on Sunday, with Trade Representative Jamieson Greer and China's Li Chenggang at the table. "
                   "Tariffs and the future of TikTok are on the agenda.\n\n"
                   "Bessent said the talks were constructive. Greer declined to comment on port fees."),
               &actors, &topics)
              .ok());
  CHECK(Join(actors) == "Scott Bessent; He Lifeng; Jamieson Greer; Li Chenggang");
  // port fees: one mention, after the first paragraph.
  CHECK(Join(topics) == "tariffs; trade talks; tiktok");

  REQUIRE(
      t->Detect(Doc("Powell Signals Patience as Inflation Cools",
                    "Federal Reserve Chair Jerome Powell said the central bank would wait before another rate cut. The "
                    "ECB and the Bank of Japan left their policy rates unchanged."),
                &actors, &topics)
          .ok());
  CHECK(Join(actors) == "Jerome Powell; European Central Bank; Bank of Japan");
  CHECK(Join(topics) == "inflation; interest rates");

  REQUIRE(t->Detect(Doc("Putin and Xi Meet Before the SCO Summit", "Lavrov and Wang Yi joined the talks."), &actors,
                    &topics)
              .ok());
  CHECK(Join(actors) == "Vladimir Putin; Xi Jinping; Shanghai Cooperation Organisation; Sergei Lavrov; Wang Yi");
  CHECK(Join(topics) == "diplomacy");
}

TEST_CASE("built-in names in other scripts name their actors") {
  auto t = Builtin();
  const std::vector<std::pair<const char*, const char*>> names = {
      {"\xE4\xB9\xA0\xE8\xBF\x91\xE5\xB9\xB3", "Xi Jinping"},          // 习近平
      {"\xD0\x9F\xD1\x83\xD1\x82\xD0\xB8\xD0\xBD", "Vladimir Putin"},  // Путин
      {"\xEC\x9D\xB4\xEC\x9E\xAC\xEB\xAA\x85", "Lee Jae-myung"},       // 이재명
      {"\xE7\x9F\xB3\xE7\xA0\xB4\xE8\x8C\x82", "Shigeru Ishiba"},      // 石破茂
      {"\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF \xD8\xA8\xD9\x86 \xD8\xB3\xD9\x84\xD9\x85\xD8\xA7\xD9\x86",
       "Mohammed bin Salman"},                                      // محمد بن سلمان
      {"\xE7\xBE\x8E\xE8\x81\x94\xE5\x82\xA8", "Federal Reserve"},  // 美联储
  };
  for (const auto& [name, canonical] : names) {
    INFO("name " << name);
    auto found = t->NamesOf(name);
    REQUIRE_FALSE(found.empty());
    CHECK(found[0] == canonical);
  }
  std::vector<std::string> actors, topics;
  // 何立峰与贝森特会谈
  REQUIRE(
      t->Detect(
           Doc("\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0\xE4\xB8\x8E\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9\xE4\xBC\x9A\xE8"
               "\xB0\x88",
               ""),
           &actors, &topics)
          .ok());
  CHECK(Join(actors) == "He Lifeng; Scott Bessent");
}
