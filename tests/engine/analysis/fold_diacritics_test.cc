// IndexOptions::fold_diacritics: an index created with it folds diacritics in
// its writer, its searches (exact forms, checked prefixes, snippets) and its
// query side alike; the setting is fixed at creation. Through the library and
// through the CLI (index, search, stats).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "loupe/index.h"
#include "loupe/language.h"
#include "loupe/query_parser.h"
#include "loupe/snippet.h"
#include "support/index_util.h"
#include "support/test_util.h"

using namespace loupe;
using loupe::test::MakeDoc;
using loupe::test::RunLoupe;
using loupe::test::TempDir;
using loupe::test::WriteFile;

namespace {

std::vector<Document> Docs() {
  return {MakeDoc("accent", "Morning news", "The new café opened on Tuesday near the station."),
          MakeDoc("plain", "Evening news", "A cafe on the corner closed on Friday."),
          MakeDoc("other", "Weather", "Rain is expected over the weekend.")};
}

std::unique_ptr<Index> Open(const std::string& dir, IndexOptions o) {
  o.create_if_missing = true;
  auto index = Index::Open(dir, o);
  REQUIRE(index.ok());
  return std::move(*index);
}

// The ids `text` finds, compiled for `index` as `loupe search` compiles it.
std::set<std::string> Find(const Index& index, const std::string& text) {
  auto q = CompileQuery(text, index);
  INFO(text);
  REQUIRE(q.ok());
  return loupe::test::HitIds(index, *q);
}

const std::set<std::string> kCafes = {"accent", "plain"};

Days Date(const char* iso) {
  Days d = 0;
  REQUIRE(ParseIsoDate(iso, &d));
  return d;
}

}  // namespace

TEST_CASE("an index created with fold_diacritics finds café and cafe alike") {
  TempDir tmp;
  auto index = Open(tmp.sub("db"), {.fold_diacritics = true});
  loupe::test::AddAndCommit(*index, Docs());

  CHECK(Find(*index, "café") == kCafes);
  CHECK(Find(*index, "cafe") == kCafes);
  // The exact form and a checked prefix re-read the written words: folded
  // too. A form that folding changes matches the text's bytes (smart case,
  // which diacritics join), an already folded one any spelling.
  CHECK(Find(*index, "=café") == std::set<std::string>{"accent"});
  CHECK(Find(*index, "=cafe") == kCafes);
  CHECK(Find(*index, "café*") == kCafes);
  CHECK(Find(*index, "caf*") == kCafes);
  CHECK(Find(*index, "title:news AND =cafe") == kCafes);

  // The record says how the index analyzes.
  auto record = index->GetMetadata(kAnalysisMetadataKey);
  REQUIRE(record.ok());
  auto json = nlohmann::json::parse(*record);
  CHECK(json["fold_diacritics"] == true);
  auto analysis = ReadIndexAnalysis(*index);
  REQUIRE(analysis.ok());
  CHECK(analysis->fold_diacritics);

  // Snippets mark the folded match, given the index's analyzer options.
  auto q = CompileQuery("cafe", *index);
  REQUIRE(q.ok());
  auto sn = Snippeter::Create(*q, {.analyzer_options = analysis->analyzer_options()});
  REQUIRE(sn.ok());
  auto s = (*sn)->Passages("The new café opened on Tuesday near the station.");
  REQUIRE(s.ok());
  CHECK(s->matched);
  REQUIRE(s->highlights.size() == 1);
  CHECK(s->text.substr(s->highlights[0].begin, s->highlights[0].end - s->highlights[0].begin) == "café");
}

TEST_CASE("an index keeps the folding it was created with") {
  TempDir tmp;
  {
    auto index = Open(tmp.sub("db"), {.fold_diacritics = true});
    loupe::test::AddAndCommit(*index, Docs());
  }
  // Opened with the default options, its writer still folds what it adds.
  auto index = Open(tmp.sub("db"), {});
  loupe::test::AddAndCommit(*index, {MakeDoc("later", "Late news", "Crème brûlée at the Café Noir.")});
  CHECK(Find(*index, "creme") == std::set<std::string>{"later"});
  CHECK(Find(*index, "=cafe") == std::set<std::string>{"accent", "plain", "later"});
  auto again = Index::Open(tmp.sub("db"), {.fold_diacritics = true});
  CHECK(again.ok());
}

TEST_CASE("an index created without fold_diacritics does not fold, and refuses it later") {
  TempDir tmp;
  {
    auto index = Open(tmp.sub("db"), {});
    loupe::test::AddAndCommit(*index, Docs());
    CHECK(Find(*index, "cafe") == std::set<std::string>{"plain"});
    CHECK(Find(*index, "café") == std::set<std::string>{"accent"});
  }
  auto refused = Index::Open(tmp.sub("db"), {.fold_diacritics = true});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  const std::string m = refused.status().message();
  INFO(m);
  CHECK(m.find(tmp.sub("db")) != std::string::npos);
  CHECK(m.find("fold_diacritics true") != std::string::npos);
  CHECK(m.find("fold_diacritics false") != std::string::npos);
  CHECK(m.find("fixed") != std::string::npos);
  CHECK(m.find("rebuild") != std::string::npos);
}

TEST_CASE("a collection created with fold_diacritics folds in every split and says so") {
  TempDir tmp;
  auto docs = Docs();
  docs[0].date = Date("2024-03-01");
  docs[1].date = Date("2025-06-01");
  {
    auto c = Open(tmp.sub("col"), {.fold_diacritics = true, .partition = Partition::kYear});
    loupe::test::AddAndCommit(*c, docs);
    CHECK(Find(*c, "cafe") == kCafes);
    CHECK(Find(*c, "=cafe") == kCafes);
    CHECK(Find(*c, "=café") == std::set<std::string>{"accent"});
    auto analysis = ReadIndexAnalysis(*c);
    REQUIRE(analysis.ok());
    CHECK(analysis->fold_diacritics);
  }
  auto c = Open(tmp.sub("col"), {});
  loupe::test::AddAndCommit(*c, {[] {
    Document d = MakeDoc("later", "Late news", "Crème brûlée at the Café Noir.");
    d.date = Date("2026-01-01");
    return d;
  }()});
  CHECK(Find(*c, "creme") == std::set<std::string>{"later"});

  TempDir tmp2;
  {
    auto plain = Open(tmp2.sub("col"), {.partition = Partition::kYear});
    loupe::test::AddAndCommit(*plain, docs);
  }
  auto refused = Index::Open(tmp2.sub("col"), {.fold_diacritics = true});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK(refused.status().message().find("fixed") != std::string::npos);
}

TEST_CASE("loupe index --fold-diacritics, search and stats") {
  TempDir tmp;
  WriteFile(tmp.sub("news/accent.txt"), "Morning news\n\nThe new café opened on Tuesday.\n");
  WriteFile(tmp.sub("news/plain.txt"), "Evening news\n\nA cafe on the corner closed on Friday.\n");
  const std::string db = tmp.sub("db"), plain = tmp.sub("plain");
  auto r = RunLoupe("index --fold-diacritics --db " + db + " " + tmp.sub("news"), tmp);
  INFO(r.err);
  REQUIRE(r.code == 0);
  for (const char* word : {"cafe", "café"}) {
    r = RunLoupe("search --db " + db + " --format json " + word, tmp);
    INFO(r.out + r.err);
    REQUIRE(r.code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["total"] == 2);
  }
  r = RunLoupe("search --db " + db + " --format json cafe", tmp);
  auto j = nlohmann::json::parse(r.out);
  bool marked = false;
  for (const auto& hit : j["hits"])
    for (const auto& h : hit["snippet"]["highlights"]) marked |= h["text"] == "café";
  CHECK(marked);
  r = RunLoupe("stats --db " + db + " --format json", tmp);
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out)["fold_diacritics"] == true);
  r = RunLoupe("stats --db " + db, tmp);
  CHECK(r.out.find("diacritics") != std::string::npos);

  // An index created without it: not folded, and the option is refused later.
  REQUIRE(RunLoupe("index --db " + plain + " " + tmp.sub("news"), tmp).code == 0);
  r = RunLoupe("search --db " + plain + " --format json cafe", tmp);
  CHECK(nlohmann::json::parse(r.out)["total"] == 1);
  r = RunLoupe("index --fold-diacritics --db " + plain + " " + tmp.sub("news"), tmp);
  CHECK(r.code == 2);
  CHECK(r.err.find("fixed") != std::string::npos);
  CHECK(r.err.find("rebuild") != std::string::npos);
  r = RunLoupe("stats --db " + plain + " --format json", tmp);
  CHECK(nlohmann::json::parse(r.out)["fold_diacritics"] == false);
}

TEST_CASE("compaction keeps an index's folding") {
  TempDir tmp;
  {
    auto index = Open(tmp.sub("db"), {.fold_diacritics = true});
    loupe::test::AddAndCommit(*index, Docs());
  }
  REQUIRE(CompactIndex(tmp.sub("db")).ok());
  auto index = Open(tmp.sub("db"), {});
  CHECK(Find(*index, "cafe") == kCafes);
  auto analysis = ReadIndexAnalysis(*index);
  REQUIRE(analysis.ok());
  CHECK(analysis->fold_diacritics);
}

TEST_CASE("collapse compares bodies as the index folded them") {
  TempDir tmp;
  // Two copies of one article, one written with its accents, one without:
  // the same words once folded.
  const std::string accented =
      "Le café du quartier a rouvert après les travaux. Les élèves du lycée voisin y prennent un thé "
      "et une crème brûlée; le maître d'hôtel décrit un été très animé à côté de la forêt.";
  const std::string plain =
      "Le cafe du quartier a rouvert apres les travaux. Les eleves du lycee voisin y prennent un the "
      "et une creme brulee; le maitre d'hotel decrit un ete tres anime a cote de la foret.";
  auto index = Open(tmp.sub("db"), {.fold_diacritics = true});
  loupe::test::AddAndCommit(*index, {MakeDoc("a", "Le café rouvre", accented), MakeDoc("b", "Le cafe rouvre", plain)});
  auto q = CompileQuery("cafe", *index);
  REQUIRE(q.ok());
  auto r = index->Search(*q, {.collapse = true});
  REQUIRE(r.ok());
  CHECK(r->total == 1);
  REQUIRE(r->hits.size() == 1);
  CHECK(r->hits[0].copies == 1);
}
