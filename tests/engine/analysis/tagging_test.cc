// Actor and topic detection with the gazetteer and topic lexicon, and the
// alias table that actor: and mentions: queries resolve through.
#include "loupe/ingest/tagging.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "support/index_util.h"

using namespace loupe;
using namespace loupe::ingest;

namespace {

std::string ReadCorpusFile(const char* name) {
  std::ifstream in(std::string(LOUPE_SOURCE_DIR) + "/corpus/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<Tagger> Bundled() {
  std::vector<std::string> errors;
  auto t = Tagger::Create(ReadCorpusFile("actors.gazetteer"), ReadCorpusFile("topics.lexicon"), &errors).value();
  REQUIRE(t);
  CHECK(errors.empty());
  CHECK(t->actors() >= 15);
  CHECK(t->topics() >= 15);
  return t;
}

Document Doc(const char* title, const char* body) { return test::MakeDoc("x", title, body); }

using test::Join;

}  // namespace

TEST_CASE("a plain news dump gets the actors and topics it is about") {
  auto t = Bundled();
  Document d = Doc("Markets Wait on Washington",
                   "Treasury Secretary Scott Bessent said on Monday that new tariffs were not planned.\n\n"
                   "Analysts doubted it. Bessent's remarks came as duties on steel stayed in place.\n\n"
                   "Soybeans were mentioned once, late.");
  std::vector<std::string> actors, topics;
  REQUIRE(t->Detect(d, &actors, &topics).ok());
  CHECK(Join(actors) == "Scott Bessent");
  // tariffs: in the first paragraph (and "duties" later); steel: once, not early;
  // soybeans: once, late.
  CHECK(Join(topics) == "tariffs");
  REQUIRE(t->Tag(&d).ok());
  CHECK(Join(d.actors) == "Scott Bessent");
  CHECK(Join(d.topics) == "tariffs");
  REQUIRE(d.extra.size() == 2);
  CHECK(d.extra[0] == std::pair<std::string, std::string>{"Actors-Detected", "Scott Bessent"});
  CHECK(d.extra[1] == std::pair<std::string, std::string>{"Topics-Detected", "tariffs"});
}

TEST_CASE("the topic rule: twice anywhere, or once in the title or first paragraph") {
  auto t = Bundled();
  std::vector<std::string> actors, topics;
  REQUIRE(t->Detect(Doc("Soybeans Rally", "Prices rose.\n\nNothing else."), &actors, &topics).ok());
  CHECK(Join(topics) == "soybeans");
  REQUIRE(
      t->Detect(Doc("Prices", "Opening.\n\nLater a soybean shipment.\n\nAnd another soybean cargo."), &actors, &topics)
          .ok());
  CHECK(Join(topics) == "soybeans");
  REQUIRE(t->Detect(Doc("Prices", "Opening.\n\nLater one soybean shipment only."), &actors, &topics).ok());
  CHECK(topics.empty());
  // A phrase counts as one mention, and the longer phrase wins: "entity list".
  REQUIRE(t->Detect(Doc("Chips", "Firms were added to the entity list.\n\nMore."), &actors, &topics).ok());
  CHECK(Join(topics) == "export controls; chips");
}

TEST_CASE("declared actors and topics are authoritative; detected ones are kept apart") {
  auto t = Bundled();
  Document d = Doc("Trump Speaks", "President Trump spoke about tariffs and tariffs again.");
  d.actors = {"Someone Declared"};
  d.topics = {"declared topic"};
  REQUIRE(t->Tag(&d).ok());
  CHECK(Join(d.actors) == "Someone Declared");
  CHECK(Join(d.topics) == "declared topic");
  REQUIRE(d.extra.size() == 2);
  CHECK(d.extra[0].second == "Donald Trump");
  CHECK(d.extra[1].second == "tariffs");
}

TEST_CASE("aliases across scripts and forms name one actor") {
  auto t = Bundled();
  for (const char* name : {"He Lifeng", "he lifeng", "\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0", "Vice Premier He"}) {
    INFO("name: " << name);
    auto names = t->NamesOf(name);
    REQUIRE_FALSE(names.empty());
    CHECK(names[0] == "He Lifeng");
  }
  CHECK(t->NamesOf("Bessent")[0] == "Scott Bessent");
  CHECK(t->NamesOf("BESSENT")[0] == "Scott Bessent");
  CHECK(t->NamesOf("Nobody Known").empty());
  std::vector<std::string> actors, topics;
  REQUIRE(t->Detect(Doc("\xE4\xBD\x95\xE7\xAB\x8B\xE5\xB3\xB0\xE4\xB8\x8E\xE8\xB4\x9D\xE6\xA3\xAE\xE7\x89\xB9\xE4\xBC"
                        "\x9A\xE8\xB0\x88",
                        ""),
                    &actors, &topics)
              .ok());  // 何立峰与贝森特会谈
  CHECK(Join(actors) == "He Lifeng; Scott Bessent");
}

TEST_CASE("bad gazetteer and lexicon lines are reported and skipped") {
  std::vector<std::string> errors;
  auto t = Tagger::Create("# comment\n | person | nameless\nGood Name | person | Alias\n",
                          "tariffs <- duties\n <- orphan\n", &errors)
               .value();
  REQUIRE(t);
  CHECK(t->actors() == 1);
  CHECK(t->topics() == 1);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == "gazetteer line 2: no name before the first '|'; skipped");
  CHECK(errors[1] == "topics line 2: no topic before '<-'; skipped");
}

TEST_CASE("people after a title word are candidate actors when the gazetteer does not know them") {
  auto t = Bundled();
  Document d = Doc("Talks Resume",
                   "Vice Premier He Lifeng met Treasury Secretary Scott Bessent. China's chief negotiator, "
                   "Commerce Minister Wang Wentao, was absent; Deputy Minister Li Chenggang's team stayed.\n\n"
                   "General Motors CEO Mary Barra and Prime Minister Keir Starmer spoke, as did President "
                   "Xi. Sen. Elizabeth Warren objected. Ursula von der Leyen and Commission President "
                   "Jean-Claude van der Berg agreed. The minister said nothing. Prime Minister Keir Starmer again. "
                   "Chancellor Friedrich Merz, 2025. President Trump. CEO ACME CORP. Governor Ann Lee2.");
  // Known names (He Lifeng, Scott Bessent, Wang Wentao, Li Chenggang) are actors, not candidates;
  // one word after a title (Xi, Trump) is too little; each name once.
  CHECK(Join(t->Candidates(d).value()) ==
        "Mary Barra; Keir Starmer; Elizabeth Warren; Jean-Claude van der Berg; Friedrich Merz");
  REQUIRE(t->Tag(&d).ok());
  REQUIRE(d.extra.size() == 3);
  CHECK(d.extra[2].first == "Actors-Candidate");
  CHECK(d.extra[2].second == "Mary Barra; Keir Starmer; Elizabeth Warren; Jean-Claude van der Berg; Friedrich Merz");
  // The title list can be replaced; an empty one finds nothing.
  CHECK(t->SetTitles("# ours\nEditor\n\nPrime Minister  # a comment\n").value() == 2);
  CHECK(Join(t->Candidates(Doc("x", "Editor Jane Roe and CEO Mary Barra; prime minister Keir Starmer.")).value()) ==
        "Jane Roe; Keir Starmer");
  CHECK(t->SetTitles("").value() == 0);
  CHECK(t->Candidates(d).value().empty());
}

TEST_CASE("a line's trailing comment is not part of it") {
  std::vector<std::string> errors;
  auto t = Tagger::Create("Li Chenggang | person  # 3 articles\n", "levies <- levy  # ours\n", &errors).value();
  REQUIRE(t);
  CHECK(errors.empty());
  REQUIRE(t->NamesOf("li chenggang").size() == 1);
  CHECK(t->NamesOf("li chenggang")[0] == "Li Chenggang");
  std::vector<std::string> actors, topics;
  REQUIRE(t->Detect(Doc("Levy", ""), &actors, &topics).ok());
  CHECK(Join(topics) == "levies");
}
