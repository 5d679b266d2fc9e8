// Custom fields: the headers and JSON fields a corpus declares, searched as
// `name:value` keywords, through the library (writer, planner, search) and
// through the CLI (index, search, explain, stats).
#include "loupe/custom_fields.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "loupe/index.h"
#include "loupe/query_parser.h"
#include "support/index_util.h"
#include "support/test_util.h"

using namespace loupe;
using loupe::test::TempDir;
namespace fs = std::filesystem;

namespace {

Document Doc(const std::string& id, const std::string& title, std::vector<std::pair<std::string, std::string>> extra,
             const std::string& language = "") {
  Document d;
  d.id = id;
  d.title = title;
  d.body = "The committee met on Tuesday to discuss the budget.";
  d.extra = std::move(extra);
  d.language = language;
  return d;
}

// The caller ids a query finds, in id order.
std::set<std::string> Ids(const Index& index, const Query& q) { return loupe::test::HitIds(index, q); }

std::map<std::string, uint64_t> Fields(const Index& index) {
  auto f = ListCustomFields(index);
  REQUIRE(f.ok());
  std::map<std::string, uint64_t> out;
  for (const CustomField& c : *f) out[c.name] = c.documents;
  return out;
}

// An index of four documents with a Party header (one without), in a temporary folder.
struct Library {
  TempDir tmp;
  std::unique_ptr<Index> index;
  std::unique_ptr<Analyzer> analyzer;
  Library() {
    auto opened = Index::Open(tmp.sub("db"), {.create_if_missing = true});
    REQUIRE(opened.ok());
    index = std::move(*opened);
    auto w = index->NewWriter();
    REQUIRE(w.ok());
    // What the tagger writes is stored, not searched (kTaggerFields).
    REQUIRE(
        (*w)->Add(Doc("r1", "Senate vote",
                      {{"Party", "Republican"}, {"Source", "Loupe Newsroom"}, {"Actors-Detected", "Scott Bessent"}}))
            .ok());
    REQUIRE((*w)->Add(Doc("r2", "House vote", {{"PARTY", "Republican"}, {"Caucus", "Freedom Caucus"}})).ok());
    REQUIRE((*w)->Add(Doc("d1", "Budget talks", {{"party", "Democratic"}}, "fr")).ok());
    REQUIRE((*w)->Add(Doc("n1", "Republican budget", {{"Desk", "Politics; Foreign Affairs"}})).ok());
    REQUIRE((*w)->Commit().ok());
    auto a = Analyzer::Create();
    REQUIRE(a.ok());
    analyzer = std::move(*a);
  }
  std::set<std::string> Search(const std::string& text) {
    std::vector<std::string> names;
    for (const auto& [name, count] : Fields(*index)) names.push_back(name);
    PlanOptions o;
    o.custom_fields = names;
    auto q = CompileQuery(text, *analyzer, o);
    INFO(text << ": " << q.status().ToString());
    REQUIRE(q.ok());
    return Ids(*index, *q);
  }
};

using Set = std::set<std::string>;

}  // namespace

TEST_CASE("the writer indexes custom fields as keywords, with a marker per field") {
  Library lib;
  // A keyword: the field's folded token, not the word anywhere (n1's title says Republican).
  CHECK(Ids(*lib.index, Query::Term(Field::kCustom, CustomFieldTerm("party", "republican"))) == Set{"r1", "r2"});
  CHECK(Ids(*lib.index, Query::Term(Field::kCustom, CustomFieldTerm("party", "democratic"))) == Set{"d1"});
  CHECK(Ids(*lib.index, Query::Phrase(Field::kCustom, {"caucus:freedom", "caucus:caucus"})) == Set{"r2"});
  // Values split at ';' are separate: no phrase across them.
  CHECK(Ids(*lib.index, Query::Phrase(Field::kCustom, {"desk:politics", "desk:foreign"})).empty());
  CHECK(Ids(*lib.index, Query::Phrase(Field::kCustom, {"desk:foreign", "desk:affairs"})) == Set{"n1"});
  CHECK(Ids(*lib.index, Query::Term(Field::kCustom, CustomFieldTerm("language", "fr"))) == Set{"d1"});
  CHECK(Ids(*lib.index, Query::Term(Field::kCustom, CustomFieldTerm("actors-detected", "bessent"))).empty());
  CHECK(Fields(*lib.index) ==
        std::map<std::string, uint64_t>{{"caucus", 1}, {"desk", 1}, {"language", 1}, {"party", 3}, {"source", 1}});
  // Replacing and deleting documents keeps the counts of live documents.
  auto w = lib.index->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->Add(Doc("r1", "Senate vote", {{"Source", "Loupe Newsroom"}})).ok());
  REQUIRE((*w)->Delete("d1").ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(Ids(*lib.index, Query::Term(Field::kCustom, CustomFieldTerm("party", "republican"))) == Set{"r2"});
  CHECK(Fields(*lib.index) == std::map<std::string, uint64_t>{{"caucus", 1}, {"desk", 1}, {"party", 1}, {"source", 1}});
  auto check = lib.index->Check();
  REQUIRE(check.ok());
  CHECK(check->ok());
}

TEST_CASE("name:value searches a custom field: terms, phrases, groups, any case") {
  Library lib;
  CHECK(lib.Search("party:Republican") == Set{"r1", "r2"});
  CHECK(lib.Search("Party:REPUBLICAN") == Set{"r1", "r2"});
  CHECK(lib.Search("party:(Democratic OR Republican)") == Set{"r1", "r2", "d1"});
  CHECK(lib.Search("caucus:\"Freedom Caucus\"") == Set{"r2"});
  CHECK(lib.Search("caucus:\"Caucus Freedom\"").empty());
  CHECK(lib.Search("party:republican -title:house") == Set{"r1"});
  CHECK(lib.Search("party:rep*") == Set{"r1", "r2"});
  CHECK(lib.Search("language:fr") == Set{"d1"});
  CHECK(lib.Search("desk:\"foreign affairs\"") == Set{"n1"});
  CHECK(lib.Search("budget -party:republican") == Set{"d1", "n1"});
  // CompileQuery(text, index) takes the index's fields itself, as loupe search does.
  auto q = CompileQuery("party:Republican OR desk:\"foreign affairs\"", *lib.index);
  INFO(q.status().ToString());
  REQUIRE(q.ok());
  CHECK(Ids(*lib.index, *q) == Set{"r1", "r2", "n1"});
}

TEST_CASE("the planner maps name: to custom fields it is given, and lists them when a name is unknown") {
  auto a = Analyzer::Create();
  REQUIRE(a.ok());
  PlanOptions with;
  with.custom_fields = {"party", "x-mailer", "list-id", "language", "titles"};
  struct Row {
    const char* query;
    const char* plan;
  };
  const Row rows[] = {
      {"party:Republican", "party:republican"},
      {"PARTY:Republicans", "party:republicans"},  // keywords are not stemmed
      {"party:\"Grand Old Party\"", "party:\"grand old party\""},
      {"party:(Democratic OR Republican)", "(OR party:democratic party:republican)"},
      {"party:rep*", "party:rep*"},
      {"x-mailer:Thunderbird", "x-mailer:thunderbird"},
      {"list-id:\"loupe-dev.example.org\"", "list-id:\"loupe dev.example.org\""},
      {"language:fr", "language:fr"},
      {"titles:x", "titles:x"},  // a custom field, not a typo of title
      {"title:tariffs", "title:tariff"},
      {"12:30", "(OR title:\"12 30\" body:\"12 30\" actor:\"12 30\" topic:\"12 30\")"},
      {"https://example.com",
       "(OR title:\"https example.com\" body:\"https example.com\" actor:\"https example.com\" "
       "topic:\"https example.com\")"},
  };
  for (const Row& r : rows) {
    INFO(r.query);
    auto q = CompileQuery(r.query, **a, with);
    INFO(q.status().ToString());
    REQUIRE(q.ok());
    CHECK(q->ToString() == r.plan);
  }
  // Without the index's fields, party: is unknown; with them, an unknown name lists them.
  auto unknown = CompileQuery("party:Republican", **a);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("unknown field 'party'") != std::string::npos);
  auto listed = CompileQuery("color:red", **a, with);
  REQUIRE_FALSE(listed.ok());
  CHECK(listed.status().message() ==
        "unknown field 'color' (fields: title, author, actor, topic, mentions; this index's fields: language, "
        "list-id, party, titles, x-mailer; dates: before, after, on, date, since, until)");
  // A typo of a custom field is suggested.
  auto typo = CompileQuery("prty:x", **a, with);
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.status().message() == "unknown field 'prty' \xE2\x80\x94 did you mean 'party'?");
  // Lenient: a warning, and the value searched as text.
  std::vector<Diagnostic> diags;
  std::string reading;
  PlanOptions lenient_options;
  lenient_options.lenient = true;
  lenient_options.diagnostics = &diags;
  lenient_options.reading = &reading;
  lenient_options.custom_fields = {"party"};
  auto lenient = CompileQuery("color:red", **a, lenient_options);
  REQUIRE(lenient.ok());
  CHECK(reading == "red");
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].severity == Diagnostic::Severity::kWarning);
  CHECK(diags[0].message.find("this index's fields: party;") != std::string::npos);
  // Fuzzy and exact words, and NEAR, are for text fields.
  // Their repair keeps the words as keywords.
  const Row unsupported[] = {
      {"party:republcan~", "party:republcan"},
      {"party:=Republican", "party:republican"},
      {"party:a NEAR/3 party:b", "(AND party:a party:b)"},
  };
  for (const Row& r : unsupported) {
    INFO(r.query);
    auto strict = CompileQuery(r.query, **a, with);
    REQUIRE_FALSE(strict.ok());
    CHECK(strict.status().message().find("'party' is a custom field") != std::string::npos);
    PlanOptions repaired = with;
    repaired.lenient = true;
    auto q = CompileQuery(r.query, **a, repaired);
    REQUIRE(q.ok());
    CHECK(q->ToString() == r.plan);
  }
}

namespace {

using Run = loupe::test::CommandRun;

using loupe::test::WriteFile;

using loupe::test::RunLoupe;

// The ids of a `loupe search --format json` answer.
Set HitIds(const Run& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  Set out;
  if (!j.is_object() || !j.contains("hits")) return out;
  for (const auto& h : j["hits"]) out.insert(h.value("id", std::string()));
  return out;
}

// Short articles of our own with a Party header, a JSON-lines file and a mail.
struct Corpus {
  TempDir tmp;
  std::string db = tmp.sub("db");
  Corpus() {
    WriteFile(tmp.sub("news/senate.txt"),
              "Senate Passes Farm Bill\nAuthor: Ann Lee\nDate: 2025-03-04\nParty: Republican\n\n"
              "The Senate passed the farm bill on Tuesday by a narrow margin.\n");
    WriteFile(
        tmp.sub("news/house.txt"),
        "House Delays Budget Vote\nAuthor: Ann Lee\nDate: 2025-03-05\nParty: Republican\nCaucus: Freedom Caucus\n\n"
        "The House delayed its budget vote after a long debate.\n");
    WriteFile(tmp.sub("news/governor.txt"),
              "Governor Signs Water Plan\nAuthor: Raj Patel\nDate: 2025-03-06\nParty: Democratic\nLanguage: fr\n\n"
              "Le gouverneur a signé le plan sur l'eau mardi.\n");
    WriteFile(tmp.sub("news/analysis.txt"),
              "Why Republican Senators Split\nAuthor: Raj Patel\nDate: 2025-03-07\n\n"
              "Republican senators split over the farm bill, an analysis.\n");
    WriteFile(
        tmp.sub("news/wire.jsonl"),
        "{\"id\": \"wire-1\", \"title\": \"Markets Calm\", \"body\": \"Markets were calm on Friday.\", "
        "\"desk\": \"Foreign Affairs\"}\n"
        "{\"id\": \"wire-2\", \"title\": \"Rates Hold\", \"body\": \"Rates held steady.\", \"desk\": \"Business\"}\n");
    WriteFile(tmp.sub("news/list.eml"),
              "From: Ann Lee <ann@example.org>\nTo: loupe-dev@lists.example.org\nSubject: Release notes\n"
              "Date: Thu, 6 Mar 2025 10:00:00 +0000\nMessage-ID: <notes-1@example.org>\n"
              "List-Id: Loupe developers <loupe-dev.lists.example.org>\nX-Mailer: Thunderbird 115\n\n"
              "The release notes are ready for review.\n");
    Run r = RunLoupe("index -q --db " + db + " " + tmp.sub("news"), tmp);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
  }
  Run Search(const std::string& query) {
    return RunLoupe("search --db " + db + " --format json -n 50 '" + query + "'", tmp);
  }
};

}  // namespace

TEST_CASE("loupe search finds a header the user put in the files, as name:value") {
  Corpus c;
  Run r = c.Search("party:Republican");
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(HitIds(r) == Set{"senate.txt", "house.txt"});  // not analysis.txt, which only says "Republican"
  CHECK(HitIds(c.Search("Party:(Democratic OR Republican)")) == Set{"senate.txt", "house.txt", "governor.txt"});
  CHECK(HitIds(c.Search("caucus:\"Freedom Caucus\"")) == Set{"house.txt"});
  CHECK(HitIds(c.Search("language:fr")) == Set{"governor.txt"});
  CHECK(HitIds(c.Search("desk:\"foreign affairs\"")) == Set{"wire-1"});
  CHECK(HitIds(c.Search("desk:business")) == Set{"wire-2"});
  Run none = c.Search("party:Green");
  CHECK(none.code == 1);
}

TEST_CASE("loupe search finds the e-mail headers the reader keeps") {
#ifdef LOUPE_WITHOUT_GMIME
  SKIP("built without GMime: .eml files are not read");
#endif
  Corpus c;
  Run r = c.Search("x-mailer:thunderbird");
  INFO(r.out << r.err);
  CHECK(HitIds(r) == Set{"list.eml"});
  CHECK(HitIds(c.Search("list-id:\"loupe-dev.lists.example.org\"")) == Set{"list.eml"});
  CHECK(HitIds(c.Search("to:loupe-dev@lists.example.org")) == Set{"list.eml"});
  CHECK(HitIds(c.Search("from:\"Ann Lee\" subject:release")) == Set{"list.eml"});
}

TEST_CASE("an unknown name: lists the index's fields; URLs and times stay text") {
  Corpus c;
  Run r = c.Search("color:red");
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(r.out.find("this index's fields: ") != std::string::npos);
  CHECK(r.out.find("party") != std::string::npos);
  Run lenient = RunLoupe("search --db " + c.db + " --lenient 'color:farm'", c.tmp);
  CHECK(lenient.code == 0);
  CHECK(lenient.err.find("warning: unknown field 'color'") != std::string::npos);
  CHECK(c.Search("12:30").code == 1);  // text, found nowhere
}

TEST_CASE("loupe stats lists the custom fields with their document counts") {
  Corpus c;
  Run text = RunLoupe("stats --db " + c.db, c.tmp);
  INFO(text.out << text.err);
  REQUIRE(text.code == 0);
  CHECK(text.out.find("\ncustom fields:  ") != std::string::npos);
  // One line per field: the name, then its count.
  auto line = [&](const std::string& name, const std::string& count) {
    size_t at = text.out.find("\n  " + name + " ");
    if (at == std::string::npos) return std::string();
    std::string l = text.out.substr(at + 1, text.out.find('\n', at + 1) - at - 1);
    l.erase(std::unique(l.begin(), l.end(), [](char a, char b) { return a == ' ' && b == ' '; }), l.end());
    return l == " " + name + " " + count ? l : "got: " + l;
  };
  CHECK(line("party", "3 documents") == " party 3 documents");
  CHECK(line("caucus", "1 document") == " caucus 1 document");
  CHECK(line("desk", "2 documents") == " desk 2 documents");
  Run json = RunLoupe("stats --db " + c.db + " --format json", c.tmp);
  auto j = nlohmann::json::parse(json.out, nullptr, false);
  REQUIRE(j.is_object());
  REQUIRE(j.contains("custom_fields"));
  std::map<std::string, uint64_t> fields;
  for (const auto& f : j["custom_fields"]) fields[f.value("name", std::string())] = f.value("documents", 0);
  CHECK(fields["party"] == 3);
  CHECK(fields["language"] == 1);
  CHECK(fields["desk"] == 2);
}
