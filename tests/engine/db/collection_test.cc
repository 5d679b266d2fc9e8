// Collections (docs/index-format.md, "Collections"): the manifest, opening,
// the writer's routing by date, replacing and deleting across splits,
// metadata, stats, check and backup, two writers in two processes. Searching
// a collection is db/collection_search.cc's and is tested there.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "db/manifest.h"
#include "loupe/index.h"
#include "loupe/language.h"
#include "support/index_util.h"
#include "support/test_util.h"

namespace loupe {
namespace {

using test::MakeDoc;
using test::Slurp;
using test::TempDir;
using test::WriteFile;

Days Day(const char* iso) {
  Days d = 0;
  REQUIRE(ParseIsoDate(iso, &d));
  return d;
}

Document Dated(std::string id, const char* date, std::string body = "a report on trade") {
  Document d = MakeDoc(std::move(id), "Title", std::move(body));
  if (date) d.date = Day(date);
  return d;
}

std::unique_ptr<Index> OpenCollection(const std::string& dir, Partition p = Partition::kMonth) {
  auto index = Index::Open(dir, {.create_if_missing = true, .partition = p});
  INFO((index.ok() ? std::string() : index.status().ToString()));
  REQUIRE(index.ok());
  return std::move(*index);
}

void Commit(Index& index, const std::vector<Document>& docs) {
  auto w = index.NewWriter();
  REQUIRE(w.ok());
  for (const Document& d : docs) REQUIRE((*w)->Add(d).ok());
  Status s = (*w)->Commit();
  INFO(s.ToString());
  REQUIRE(s.ok());
}

// Split name -> live documents, from Stats.
std::map<std::string, uint64_t> SplitCounts(const Index& index) {
  auto st = index.Stats();
  REQUIRE(st.ok());
  std::map<std::string, uint64_t> out;
  for (const SplitStats& s : st->splits) out[s.name] = s.documents;
  return out;
}

std::string Meta(const Index& index, const std::string& key) {
  auto v = index.GetMetadata(key);
  INFO((v.ok() ? std::string() : v.status().ToString()));
  REQUIRE(v.ok());
  return *v;
}

Manifest ReadOrFail(const std::string& dir) {
  auto m = ReadManifest(dir);
  INFO((m.ok() ? std::string() : m.status().ToString()));
  REQUIRE(m.ok());
  return *m;
}

TEST_CASE("a manifest round-trips through its JSON", "[collection]") {
  Manifest m;
  m.id = 0x0123456789abcdefull;
  m.partition = Partition::kMonth;
  m.generation = 7;
  ManifestSplit a;
  a.name = "2025-09";
  a.first = Day("2025-09-01");
  a.last = Day("2025-09-30");
  a.documents = 12;
  for (int f = 0; f < kManifestLengthFields; ++f) a.total_lengths[f] = 100 + f;
  a.format_version = kFormatVersion;
  a.commit = 3;
  ManifestSplit u;
  u.name = "undated";
  u.documents = 1;
  u.sealed = true;
  m.splits = {a, u};
  const std::string text = EncodeManifest(m);
  CHECK(text.find("\"id\": \"0123456789abcdef\"") != std::string::npos);
  CHECK(text.find("\"first\": null") != std::string::npos);
  Manifest back;
  REQUIRE(DecodeManifest(text, "x/collection.json", &back).ok());
  CHECK(back.id == m.id);
  CHECK(back.partition == Partition::kMonth);
  CHECK(back.generation == 7);
  REQUIRE(back.splits.size() == 2);
  CHECK(back.splits[0].name == "2025-09");
  CHECK(back.splits[0].first == a.first);
  CHECK(back.splits[0].last == a.last);
  CHECK(back.splits[0].documents == 12);
  CHECK(back.splits[0].total_lengths[4] == 104);
  CHECK(back.splits[0].commit == 3);
  CHECK(back.splits[1].first == INT32_MIN);
  CHECK(back.splits[1].sealed);
  CHECK(EncodeManifest(back) == text);
}

TEST_CASE("split names follow the partition", "[collection]") {
  CHECK(SplitNameOf(Partition::kMonth, Day("2025-09-15")) == "2025-09");
  CHECK(SplitNameOf(Partition::kYear, Day("2025-09-15")) == "2025");
  CHECK(SplitNameOf(Partition::kMonth, std::nullopt) == "undated");
  CHECK(SplitNameOf(Partition::kNone, Day("2025-09-15")) == "all");
  CHECK(IsSplitName(Partition::kMonth, "2025-12"));
  CHECK_FALSE(IsSplitName(Partition::kMonth, "2025-13"));
  CHECK_FALSE(IsSplitName(Partition::kMonth, "2025"));
  CHECK_FALSE(IsSplitName(Partition::kMonth, "../x"));
  CHECK(IsSplitName(Partition::kYear, "undated"));
}

TEST_CASE("a damaged manifest is refused with what is wrong, where, and what to do", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  OpenCollection(dir).reset();
  const std::string path = dir + "/collection.json";
  const std::string good = Slurp(path);
  struct Case {
    std::string text, says;
  } cases[] = {
      {good.substr(0, good.size() / 2), "is not JSON"},
      {"[]", "not a JSON object"},
      {std::string(good).replace(good.find("month"), 5, "week!"), "\"partition\""},
      {std::string(good).replace(good.find("\"splits\": []"), 12, "\"splits\": [{\"name\": \"../../etc\"}]"),
       "not a split name"},
  };
  for (const Case& c : cases) {
    WriteFile(path, c.text);
    auto index = Index::Open(dir);
    REQUIRE_FALSE(index.ok());
    CHECK(index.status().code() == StatusCode::kCorruption);
    const std::string msg = index.status().message();
    INFO(msg);
    CHECK(msg.find(path) != std::string::npos);
    CHECK(msg.find(c.says) != std::string::npos);
    CHECK(msg.find("restore") != std::string::npos);
  }
  // A manifest naming a split whose folder is gone.
  Manifest m;
  REQUIRE(DecodeManifest(good, path, &m).ok());
  ManifestSplit s;
  s.name = "2025-01";
  m.splits.push_back(s);
  REQUIRE(WriteManifest(dir, m).ok());
  auto index = Index::Open(dir);
  REQUIRE_FALSE(index.ok());
  CHECK(index.status().code() == StatusCode::kCorruption);
  CHECK(index.status().message().find("lists split 2025-01") != std::string::npos);
}

TEST_CASE("the manifest is replaced whole; a leftover .tmp is ignored", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  {
    auto c = OpenCollection(dir);
    Commit(*c, {Dated("a", "2025-09-03")});
  }
  // What a writer stopped before its rename leaves.
  WriteFile(dir + "/collection.json.tmp", "{\"format\": \"loupe-coll");
  {
    auto c = OpenCollection(dir);
    CHECK(c->GetDocument("a").ok());
    Commit(*c, {Dated("b", "2025-10-03")});
  }
  CHECK_FALSE(std::filesystem::exists(dir + "/collection.json.tmp"));
  Manifest m = ReadOrFail(dir);
  CHECK(m.generation == 2);
  REQUIRE(m.splits.size() == 2);
}

TEST_CASE("a collection routes documents to the split of their month", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  {
    auto c = OpenCollection(dir);
    Commit(*c, {Dated("sep1", "2025-09-03"), Dated("sep2", "2025-09-28"), Dated("oct", "2025-10-01"),
                Dated("none", nullptr), Dated("old", "2024-12-31")});
  }
  for (const char* name : {"2025-09", "2025-10", "undated", "2024-12"})
    CHECK(std::filesystem::exists(dir + "/splits/" + name + "/data.mdb"));
  // Reopened without a partition: whatever is there.
  auto index = Index::Open(dir);
  REQUIRE(index.ok());
  auto st = (*index)->Stats();
  REQUIRE(st.ok());
  CHECK(st->partition == "month");
  CHECK(st->documents == 5);
  CHECK(st->generation == 1);
  // In search order: by date, undated last.
  REQUIRE(st->splits.size() == 4);
  CHECK(st->splits[0].name == "2024-12");
  CHECK(st->splits[1].name == "2025-09");
  CHECK(st->splits[1].first == Day("2025-09-03"));
  CHECK(st->splits[1].last == Day("2025-09-28"));
  CHECK(st->splits[1].documents == 2);
  CHECK(st->splits[2].name == "2025-10");
  CHECK(st->splits[3].name == "undated");
  CHECK(st->splits[3].first == INT32_MIN);
  CHECK(st->splits[3].generation == 1);
  CHECK_FALSE(st->splits[3].sealed);
  for (const char* id : {"sep1", "sep2", "oct", "none", "old"}) CHECK((*index)->GetDocument(id).ok());
  auto missing = (*index)->GetDocument("nope");
  CHECK(missing.status().IsNotFound());
  CHECK((*index)->GetDocument("").status().code() == StatusCode::kInvalidArgument);
  // The manifest says the same.
  Manifest m = ReadOrFail(dir);
  REQUIRE(m.Find("2025-09"));
  CHECK(m.Find("2025-09")->documents == 2);
  CHECK(m.Find("2025-09")->total_lengths[1] > 0);  // body
  CHECK(m.Find("2025-09")->format_version == kFormatVersion);
  CHECK(m.Find("2025-09")->commit == 1);
}

// The splits' queued changes are applied at Commit, `jobs` splits at once, or
// earlier when the queue passes writer_memory_bytes: the same result either way.
TEST_CASE("a collection's writer commits its splits in parallel jobs, and within a memory budget", "[collection]") {
  const size_t budget = GENERATE(size_t{0}, size_t{1});
  const int jobs = GENERATE(1, 3);
  TempDir tmp;
  auto index = Index::Open(
      tmp.sub("col"),
      {.create_if_missing = true, .writer_memory_bytes = budget, .partition = Partition::kMonth, .jobs = jobs});
  REQUIRE(index.ok());
  Index& c = **index;
  std::vector<Document> docs;
  for (int i = 0; i < 60; ++i) {
    const std::string date = "2024-" + std::string(i % 12 < 9 ? "0" : "") + std::to_string(i % 12 + 1) + "-15";
    docs.push_back(Dated("d" + std::to_string(i), date.c_str(), "article number " + std::to_string(i)));
  }
  auto w = c.NewWriter();
  REQUIRE(w.ok());
  for (const Document& d : docs) REQUIRE((*w)->Add(d).ok());
  REQUIRE((*w)->Add(Dated("d0", "2024-12-01")).ok());  // moves within the batch
  REQUIRE((*w)->Delete("d1").ok());
  CHECK((*w)->pending() == 62);
  REQUIRE((*w)->Commit().ok());
  CHECK((*w)->pending() == 0);
  auto st = c.Stats();
  REQUIRE(st.ok());
  CHECK(st->documents == 59);
  CHECK(st->splits.size() == 12);
  std::map<std::string, uint64_t> counts = SplitCounts(c);
  CHECK(counts["2024-01"] == 4);  // d0 moved out
  CHECK(counts["2024-02"] == 4);  // d1 deleted
  CHECK(counts["2024-12"] == 6);
  CHECK(c.GetDocument("d0")->date == Day("2024-12-01"));
  CHECK(c.GetDocument("d1").status().IsNotFound());
}

TEST_CASE("a collection by year, and a plain index next to it", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  auto c = OpenCollection(dir, Partition::kYear);
  Commit(*c, {Dated("a", "2024-03-01"), Dated("b", "2025-09-03"), Dated("c", "2025-01-01")});
  CHECK(SplitCounts(*c) == std::map<std::string, uint64_t>{{"2024", 1}, {"2025", 2}});
  // Without a partition a new folder is a plain index.
  auto plain = Index::Open(tmp.sub("plain"), {.create_if_missing = true});
  REQUIRE(plain.ok());
  auto st = (*plain)->Stats();
  REQUIRE(st.ok());
  CHECK(st->partition.empty());
  CHECK(st->splits.empty());
}

TEST_CASE("a capped prefix of an unstemmed field matching more terms than a query may plan caps as one index does",
          "[collection]") {
  // One split's author field holds more terms under the prefix than the
  // default per-query limit on expansions (16,384): the collection must list
  // them all to choose the most frequent, and cap them as one index does,
  // not refuse the query.
  TempDir tmp;
  std::string many;
  for (int i = 0; i < 17000; ++i) {
    char w[16];
    std::snprintf(w, sizeof w, "zq%05d ", i);
    many += w;
  }
  Document a = Dated("a", "2024-03-01");
  a.author = many;
  Document b = Dated("b", "2024-05-01");
  b.author = "zq00001 zq00002";
  auto c = OpenCollection(tmp.sub("col"));
  Commit(*c, {a, b});
  auto plain = Index::Open(tmp.sub("plain"), {.create_if_missing = true});
  REQUIRE(plain.ok());
  Commit(**plain, {a, b});
  const Query q = Query::Prefix(Field::kAuthor, "zq", 50);
  auto one = (*plain)->Search(q, SearchOptions{});
  REQUIRE(one.ok());
  auto all = c->Search(q, SearchOptions{});
  INFO((all.ok() ? std::string() : all.status().ToString()));
  REQUIRE(all.ok());
  CHECK(all->total == one->total);
  CHECK(all->total == 2);
  REQUIRE(all->hits.size() == one->hits.size());
  for (size_t i = 0; i < all->hits.size(); ++i) {
    CHECK(all->hits[i].document.id == one->hits[i].document.id);
    CHECK(all->hits[i].score == one->hits[i].score);
  }
  CHECK(all->warnings == one->warnings);
}

TEST_CASE("a partition that does not match what is there is refused, saying what is there", "[collection]") {
  TempDir tmp;
  {
    auto plain = Index::Open(tmp.sub("plain"), {.create_if_missing = true});
    REQUIRE(plain.ok());
    test::AddAndCommit(**plain, {MakeDoc("a", "t", "b")});
  }
  auto refused = Index::Open(tmp.sub("plain"), {.create_if_missing = true, .partition = Partition::kMonth});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK(refused.status().message().find("is a plain index") != std::string::npos);
  CHECK(refused.status().message().find("--partition month") != std::string::npos);

  OpenCollection(tmp.sub("col"), Partition::kMonth).reset();
  auto other = Index::Open(tmp.sub("col"), {.partition = Partition::kYear});
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().code() == StatusCode::kInvalidArgument);
  CHECK(other.status().message().find("partitioned by month, not by year") != std::string::npos);

  // Nothing there and nothing to create.
  auto none = Index::Open(tmp.sub("none"), {.partition = Partition::kMonth});
  CHECK(none.status().IsNotFound());
  // A folder of other files.
  WriteFile(tmp.sub("busy/notes.txt"), "x");
  auto busy = Index::Open(tmp.sub("busy"), {.create_if_missing = true, .partition = Partition::kMonth});
  REQUIRE_FALSE(busy.ok());
  CHECK(busy.status().message().find("holds other files (notes.txt") != std::string::npos);
}

TEST_CASE("a re-dated article moves to its new split, never leaving two copies", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  auto c = OpenCollection(dir);
  Commit(*c, {Dated("a", "2025-09-03"), Dated("b", "2025-09-04")});
  SECTION("in a later writer") {
    Commit(*c, {Dated("a", "2025-11-20")});
    auto d = c->GetDocument("a");
    REQUIRE(d.ok());
    CHECK(d->date == Day("2025-11-20"));
    CHECK(SplitCounts(*c) == std::map<std::string, uint64_t>{{"2025-09", 1}, {"2025-11", 1}});
    CHECK(c->Stats()->documents == 2);
    // Reopened: the manifest agrees.
    c.reset();
    Manifest m = ReadOrFail(dir);
    CHECK(m.Find("2025-09")->documents == 1);
    CHECK(m.Find("2025-09")->last == Day("2025-09-04"));
    CHECK(m.Find("2025-11")->documents == 1);
  }
  SECTION("within one batch, and back again") {
    auto w = c->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->Add(Dated("c", "2025-10-01")).ok());
    REQUIRE((*w)->Add(Dated("c", "2025-12-01")).ok());
    REQUIRE((*w)->Add(Dated("a", nullptr)).ok());
    REQUIRE((*w)->Commit().ok());
    // The same writer moves one it put in a split it created.
    REQUIRE((*w)->Add(Dated("c", "2025-10-02")).ok());
    REQUIRE((*w)->Commit().ok());
    w->reset();
    CHECK(c->GetDocument("c")->date == Day("2025-10-02"));
    CHECK_FALSE(c->GetDocument("a")->date.has_value());
    CHECK(SplitCounts(*c) ==
          std::map<std::string, uint64_t>{{"2025-09", 1}, {"2025-10", 1}, {"2025-12", 0}, {"undated", 1}});
    CHECK(c->Stats()->documents == 3);
  }
}

TEST_CASE("a collection's writer deletes, rolls back and counts pending operations", "[collection]") {
  TempDir tmp;
  auto c = OpenCollection(tmp.sub("col"));
  Commit(*c, {Dated("a", "2025-09-03"), Dated("b", "2025-10-04"), Dated("u", nullptr)});
  auto w = c->NewWriter();
  REQUIRE(w.ok());
  CHECK((*w)->pending() == 0);
  REQUIRE((*w)->Delete("b").ok());
  REQUIRE((*w)->Delete("u").ok());
  REQUIRE((*w)->Delete("never-there").ok());
  REQUIRE((*w)->Add(Dated("z", "2025-09-09")).ok());
  CHECK((*w)->pending() == 4);
  (*w)->Rollback();
  CHECK((*w)->pending() == 0);
  REQUIRE((*w)->Commit().ok());
  CHECK(c->Stats()->documents == 3);
  REQUIRE((*w)->Delete("b").ok());
  REQUIRE((*w)->Delete("u").ok());
  REQUIRE((*w)->Commit().ok());
  CHECK((*w)->pending() == 0);
  CHECK(c->GetDocument("b").status().IsNotFound());
  CHECK(c->GetDocument("u").status().IsNotFound());
  CHECK(c->GetDocument("a").ok());
  CHECK(SplitCounts(*c) == std::map<std::string, uint64_t>{{"2025-09", 1}, {"2025-10", 0}, {"undated", 0}});
  CHECK((*w)->Add(Dated("", "2025-09-03")).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a collection keeps the application's metadata in its meta index", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  {
    auto c = OpenCollection(dir);
    auto w = c->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->SetMetadata("source:x", "1").ok());
    REQUIRE((*w)->SetMetadata("source:y", "2").ok());
    REQUIRE((*w)->Add(Dated("a", "2025-09-03")).ok());
    CHECK((*w)->SetMetadata("", "v").code() == StatusCode::kInvalidArgument);
    CHECK(c->GetMetadata("source:x").status().IsNotFound());  // not before Commit
    REQUIRE((*w)->Commit().ok());
    CHECK(Meta(*c, "source:x") == "1");
  }
  auto c = Index::Open(dir);
  REQUIRE(c.ok());
  auto listed = (*c)->ListMetadata("source:");
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::pair<std::string, std::string>>{{"source:x", "1"}, {"source:y", "2"}});
  // How the documents were analyzed, gathered from the splits.
  auto analysis = (*c)->GetMetadata(kAnalysisMetadataKey);
  REQUIRE(analysis.ok());
  CHECK(analysis->find("english") != std::string::npos);
  // Not in the splits.
  auto split = Index::Open(dir + "/splits/2025-09", {.read_only = true});
  REQUIRE(split.ok());
  CHECK((*split)->GetMetadata("source:x").status().IsNotFound());
}

TEST_CASE("a collection's UpdateMetadata writes at once, apart from the batch, or nothing on an error",
          "[collection]") {
  TempDir tmp;
  auto c = OpenCollection(tmp.sub("col"));
  auto w = c->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->Add(Dated("a", "2025-09-03")).ok());
  REQUIRE((*w)->SetMetadata("k", "queued").ok());
  REQUIRE((*w)->SetMetadata("other", "1").ok());
  CHECK((*w)->pending() == 3);
  // A value this batch queued is the current one, and is written with the update.
  auto v = (*w)->UpdateMetadata(
      "k", [](const std::string* old) -> Result<std::string> { return old ? *old + "+1" : std::string("absent"); });
  REQUIRE(v.ok());
  CHECK(*v == "queued+1");
  CHECK(Meta(*c, "k") == "queued+1");  // committed, before Commit
  CHECK((*w)->pending() == 2);         // the Add and "other"
  CHECK(c->GetMetadata("other").status().IsNotFound());
  CHECK(c->GetDocument("a").status().IsNotFound());
  // Then the committed value.
  v = (*w)->UpdateMetadata(
      "k", [](const std::string* old) -> Result<std::string> { return old ? *old + "+2" : std::string("absent"); });
  REQUIRE(v.ok());
  CHECK(Meta(*c, "k") == "queued+1+2");
  v = (*w)->UpdateMetadata("new", [](const std::string* old) -> Result<std::string> {
    return old ? std::string("present") : std::string("absent");
  });
  REQUIRE(v.ok());
  CHECK(Meta(*c, "new") == "absent");
  // An error from `change` (or an exception) writes nothing and comes back.
  v = (*w)->UpdateMetadata(
      "k", [](const std::string*) -> Result<std::string> { return Status::InvalidArgument("not this time"); });
  CHECK(v.status().code() == StatusCode::kInvalidArgument);
  CHECK(v.status().message() == "not this time");
  v = (*w)->UpdateMetadata("k", [](const std::string*) -> Result<std::string> { throw std::runtime_error("boom"); });
  CHECK(v.status().code() == StatusCode::kInternal);
  CHECK(Meta(*c, "k") == "queued+1+2");
  bool called = false;
  v = (*w)->UpdateMetadata("", [&](const std::string*) -> Result<std::string> {
    called = true;
    return std::string("x");
  });
  CHECK(v.status().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(called);
  // An empty value removes the key.
  REQUIRE((*w)->UpdateMetadata("new", [](const std::string*) -> Result<std::string> { return std::string(); }).ok());
  CHECK(c->GetMetadata("new").status().IsNotFound());
  // Rollback drops the batch, not the updates; Commit writes the batch.
  (*w)->Rollback();
  CHECK(Meta(*c, "k") == "queued+1+2");
  REQUIRE((*w)->Add(Dated("b", "2025-10-03")).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(c->GetDocument("b").ok());
  CHECK(c->GetMetadata("other").status().IsNotFound());
  CHECK(Meta(*c, "k") == "queued+1+2");
}

TEST_CASE("a collection opened with tagging tags what its writer adds", "[collection]") {
  TempDir tmp;
  auto c = OpenCollection(tmp.sub("col"));
  Commit(*c, {Dated("a", "2025-09-03", "Treasury Secretary Scott Bessent met the press on Monday.")});
  auto d = c->GetDocument("a");
  REQUIRE(d.ok());
  CHECK(std::find(d->actors.begin(), d->actors.end(), "Scott Bessent") != d->actors.end());
}

TEST_CASE("a sealed split takes no documents", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  {
    auto c = OpenCollection(dir);
    Commit(*c, {Dated("a", "2025-09-03")});
  }
  Manifest m = ReadOrFail(dir);
  m.Find("2025-09")->sealed = true;
  REQUIRE(WriteManifest(dir, m).ok());
  auto c = OpenCollection(dir);
  auto st = c->Stats();
  REQUIRE(st.ok());
  REQUIRE(st->splits.size() == 1);
  CHECK(st->splits[0].sealed);
  auto w = c->NewWriter();
  REQUIRE(w.ok());
  Status s = (*w)->Add(Dated("b", "2025-09-20"));
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("split 2025-09, which is sealed") != std::string::npos);
  // Nor can its documents be replaced from another month.
  s = (*w)->Add(Dated("a", "2025-10-01"));
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("sealed") != std::string::npos);
  // Other months are fine.
  REQUIRE((*w)->Add(Dated("c", "2025-10-01")).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(c->GetDocument("a")->date == Day("2025-09-03"));
}

TEST_CASE("SealSplit compacts a split and closes it to writers", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  {
    auto c = OpenCollection(dir);
    Commit(*c, {Dated("a", "2025-09-03"), Dated("b", "2025-09-04"), Dated("c", "2025-10-01")});
    Commit(*c, {Dated("b", "2025-09-05")});  // a replaced version for compaction to drop
  }
  auto report = SealSplit(dir, "2025-09");
  INFO((report.ok() ? std::string() : report.status().ToString()));
  REQUIRE(report.ok());
  CHECK(report->documents == 2);
  CHECK(report->dropped == 1);
  Manifest m = ReadOrFail(dir);
  CHECK(m.Find("2025-09")->sealed);
  CHECK_FALSE(m.Find("2025-10")->sealed);
  CHECK(m.Find("2025-09")->documents == 2);
  CHECK(m.Find("2025-09")->commit == 1);  // a compacted index starts its commits again
  CHECK(m.generation == 3);

  CHECK(SealSplit(dir, "2025-09").status().code() == StatusCode::kInvalidArgument);  // already
  auto none = SealSplit(dir, "2030-01");
  CHECK(none.status().IsNotFound());
  CHECK(none.status().message().find("its splits: 2025-09, 2025-10") != std::string::npos);

  auto c = OpenCollection(dir);
  CHECK(c->GetDocument("b")->date == Day("2025-09-05"));
  auto report2 = c->Check();
  REQUIRE(report2.ok());
  CHECK(report2->ok());
  auto w = c->NewWriter();
  REQUIRE(w.ok());
  CHECK((*w)->Add(Dated("d", "2025-09-30")).code() == StatusCode::kInvalidArgument);
  CHECK((*w)->Delete("a").code() == StatusCode::kInvalidArgument);
  REQUIRE((*w)->Add(Dated("e", "2025-10-30")).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(ReadOrFail(dir).Find("2025-09")->sealed);  // kept by the writer's manifest update
}

TEST_CASE("a collection checks and backs up as a whole", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  auto c = OpenCollection(dir);
  Commit(*c, {Dated("a", "2025-09-03"), Dated("b", "2025-10-04"), Dated("u", nullptr)});
  {
    auto w = c->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->SetMetadata("k", "v").ok());
    REQUIRE((*w)->Commit().ok());
  }
  auto report = c->Check();
  REQUIRE(report.ok());
  CHECK(report->ok());
  CHECK(report->documents == 3);

  REQUIRE(c->Backup(tmp.sub("copy")).ok());
  CHECK(c->Backup(tmp.sub("copy")).code() == StatusCode::kInvalidArgument);  // not empty now
  CHECK(c->Backup(dir + "/inside").code() == StatusCode::kInvalidArgument);
  auto copy = Index::Open(tmp.sub("copy"));
  REQUIRE(copy.ok());
  auto st = (*copy)->Stats();
  REQUIRE(st.ok());
  CHECK(st->partition == "month");
  CHECK(st->documents == 3);
  CHECK(st->splits.size() == 3);
  CHECK((*copy)->GetDocument("b").ok());
  CHECK(Meta(**copy, "k") == "v");
  auto copy_report = (*copy)->Check();
  REQUIRE(copy_report.ok());
  CHECK(copy_report->ok());

  // The manifest against the splits: a split count changed by hand.
  c.reset();
  Manifest m = ReadOrFail(dir);
  m.Find("2025-10")->documents = 5;
  REQUIRE(WriteManifest(dir, m).ok());
  auto again = Index::Open(dir);
  REQUIRE(again.ok());
  report = (*again)->Check();
  REQUIRE(report.ok());
  REQUIRE(report->problems.size() == 1);
  CHECK(report->problems[0].find("split 2025-10: the manifest lists 5 documents, the split holds 1") == 0);
}

TEST_CASE("a collection sees what another writer committed since it was opened", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  auto reader = OpenCollection(dir);
  CHECK(reader->Stats()->splits.empty());
  // Another process, as far as the manifest goes: a second object writes.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto c = Index::Open(dir);
    bool ok = c.ok();
    if (ok) {
      auto w = (*c)->NewWriter();
      ok = w.ok() && (*w)->Add(Dated("x", "2025-05-05")).ok() && (*w)->Commit().ok();
    }
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(SplitCounts(*reader) == std::map<std::string, uint64_t>{{"2025-05", 1}});
  CHECK(reader->GetDocument("x").ok());
}

TEST_CASE("a writer finds an id in a split another process listed after the writer was made", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  auto c = OpenCollection(dir);
  auto w = c->NewWriter();
  REQUIRE(w.ok());
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto other = Index::Open(dir);
    bool ok = other.ok();
    if (ok) {
      auto ow = (*other)->NewWriter();
      ok = ow.ok() && (*ow)->Add(Dated("x", "2025-05-05")).ok() && (*ow)->Commit().ok();
    }
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE((*w)->Add(Dated("x", "2025-06-06")).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(SplitCounts(*c) == std::map<std::string, uint64_t>{{"2025-05", 0}, {"2025-06", 1}});
}

// Two processes, each with a writer on its own split of one collection, both
// holding their split's lock at the same time: neither waits for the other,
// and both commits land in the manifest.
TEST_CASE("two writers on different splits of a collection work at once", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  OpenCollection(dir).reset();
  int ready[2], go[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(go) == 0);
  std::vector<pid_t> children;
  for (const char* date : {"2025-03-10", "2025-04-10"}) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 1;
      auto c = Index::Open(dir);
      if (c.ok()) {
        auto w = (*c)->NewWriter();
        if (w.ok() && (*w)->Add(Dated(std::string("doc-") + date, date)).ok()) {
          char byte = 1;
          // Holding the split's writer: say so, and wait until both do.
          if (::write(ready[1], &byte, 1) == 1 && ::read(go[0], &byte, 1) == 1) code = (*w)->Commit().ok() ? 0 : 2;
        }
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  char byte;
  for (int i = 0; i < 2; ++i) REQUIRE(::read(ready[0], &byte, 1) == 1);
  REQUIRE(::write(go[1], "xx", 2) == 2);
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);
  auto c = Index::Open(dir);
  REQUIRE(c.ok());
  CHECK(SplitCounts(**c) == std::map<std::string, uint64_t>{{"2025-03", 1}, {"2025-04", 1}});
  Manifest m = ReadOrFail(dir);
  CHECK(m.generation == 2);
}

// The items of a record that writers append to, one "item," at a time.
std::vector<std::string> Items(const std::string& record) {
  std::vector<std::string> out;
  for (size_t at = 0, comma; (comma = record.find(',', at)) != std::string::npos; at = comma + 1)
    out.push_back(record.substr(at, comma - at));
  return out;
}

// Two processes, each writing to its own split, append 100 items each to one
// record of the collection's metadata at the same time: the record ends with
// all 200. (Reading the record with GetMetadata and writing it back with
// SetMetadata loses items here: a commit replaces what the other process
// committed since its read.)
TEST_CASE("two writers of a collection append to one metadata record at once, losing nothing", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  OpenCollection(dir).reset();
  constexpr int kUpdates = 100;
  int ready[2], go[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(go) == 0);
  std::vector<pid_t> children;
  for (const char* date : {"2025-03-10", "2025-04-10"}) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto c = Index::Open(dir);
      if (!c.ok()) ::_exit(1);
      auto w = (*c)->NewWriter();
      if (!w.ok() || !(*w)->Add(Dated(std::string("doc-") + date, date)).ok()) ::_exit(1);
      char byte = 1;
      if (::write(ready[1], &byte, 1) != 1 || ::read(go[0], &byte, 1) != 1) ::_exit(1);
      for (int i = 0; i < kUpdates; ++i) {
        const std::string item = std::string(date) + "#" + std::to_string(i) + ",";
        auto set = (*w)->UpdateMetadata(
            "list", [&](const std::string* old) -> Result<std::string> { return (old ? *old : std::string()) + item; });
        if (!set.ok() || set->size() < item.size() || set->compare(set->size() - item.size(), item.size(), item) != 0)
          ::_exit(2);
        if ((*w)->pending() != 1) ::_exit(4);  // the Add: the updates are not the batch's
      }
      ::_exit((*w)->Commit().ok() ? 0 : 3);
    }
    children.push_back(pid);
  }
  char byte;
  for (int i = 0; i < 2; ++i) REQUIRE(::read(ready[0], &byte, 1) == 1);
  REQUIRE(::write(go[1], "xx", 2) == 2);
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);
  auto c = Index::Open(dir);
  REQUIRE(c.ok());
  std::vector<std::string> items = Items(Meta(**c, "list"));
  CHECK(items.size() == 2 * kUpdates);
  std::sort(items.begin(), items.end());
  CHECK(std::unique(items.begin(), items.end()) == items.end());
  // Each process's own items in the order it appended them.
  for (const char* date : {"2025-03-10", "2025-04-10"}) {
    std::vector<int> mine;
    for (const std::string& item : Items(Meta(**c, "list")))
      if (item.compare(0, 11, std::string(date) + "#") == 0) mine.push_back(std::stoi(item.substr(11)));
    std::vector<int> all(kUpdates);
    for (int i = 0; i < kUpdates; ++i) all[i] = i;
    CHECK(mine == all);
  }
  // The split batches were committed by Commit, as ever.
  CHECK(SplitCounts(**c) == std::map<std::string, uint64_t>{{"2025-03", 1}, {"2025-04", 1}});
}

TEST_CASE("two writers on one split: the second is refused, naming the split", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  auto c = OpenCollection(dir);
  auto w1 = c->NewWriter();
  auto w2 = c->NewWriter();
  REQUIRE(w1.ok());
  REQUIRE(w2.ok());
  REQUIRE((*w1)->Add(Dated("a", "2025-09-03")).ok());
  Status s = (*w2)->Add(Dated("b", "2025-09-04"));
  CHECK(s.code() == StatusCode::kLocked);
  CHECK(s.message().find(dir + "/splits/2025-09") != std::string::npos);
  REQUIRE((*w2)->Add(Dated("c", "2025-10-04")).ok());  // another split is free
  REQUIRE((*w1)->Commit().ok());
  REQUIRE((*w2)->Commit().ok());
  CHECK(SplitCounts(*c) == std::map<std::string, uint64_t>{{"2025-09", 1}, {"2025-10", 1}});
}

// The meta index is written at Commit; while another process commits it, a
// commit waits for it instead of failing.
TEST_CASE("a collection's commit waits for another process's commit of its metadata", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  OpenCollection(dir).reset();
  int held[2];
  REQUIRE(::pipe(held) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto meta = Index::Open(dir + "/meta");
    auto w = meta.ok() ? (*meta)->NewWriter() : Result<std::unique_ptr<Writer>>(meta.status());
    char byte = w.ok() ? 1 : 0;
    if (::write(held[1], &byte, 1) != 1) ::_exit(1);
    ::usleep(300000);  // holds the meta index's write lock a while, then lets it go
    ::_exit(w.ok() ? 0 : 1);
  }
  char byte = 0;
  REQUIRE(::read(held[0], &byte, 1) == 1);
  REQUIRE(byte == 1);
  auto c = OpenCollection(dir);
  auto w = c->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->SetMetadata("k", "v").ok());
  Status s = (*w)->Commit();
  INFO(s.ToString());
  CHECK(s.ok());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WEXITSTATUS(status) == 0);
  ::close(held[0]);
  ::close(held[1]);
  CHECK(Meta(*c, "k") == "v");
}

TEST_CASE("a split folder left by a stopped commit is reused by the next writer", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  OpenCollection(dir).reset();
  // A commit that wrote its split but stopped before the manifest.
  {
    auto split = Index::Open(dir + "/splits/2025-07", {.create_if_missing = true});
    REQUIRE(split.ok());
    test::AddAndCommit(**split, {Dated("stray", "2025-07-01")});
  }
  auto c = OpenCollection(dir);
  CHECK(c->Stats()->splits.empty());  // not listed, so not read
  CHECK(c->GetDocument("stray").status().IsNotFound());
  Commit(*c, {Dated("new", "2025-07-02")});
  CHECK(SplitCounts(*c) == std::map<std::string, uint64_t>{{"2025-07", 2}});
  CHECK(c->GetDocument("stray").ok());
  // Reused, not fresh: an id it holds is found when re-dated into another split.
  Commit(*c, {Dated("stray", "2025-08-01")});
  CHECK(SplitCounts(*c) == std::map<std::string, uint64_t>{{"2025-07", 1}, {"2025-08", 1}});
}

// --- MergeSplits --------------------------------------------------------------

// A collection of three months, undated articles, ties (the same text on
// several dates and in several splits) and a replaced version.
void BuildForMerge(const std::string& dir) {
  auto c = OpenCollection(dir);
  std::vector<Document> docs;
  const char* dates[] = {"2025-01-05", "2025-01-05", "2025-02-10", "2025-02-11", "2025-03-01", nullptr, nullptr};
  for (int i = 0; i < 7; ++i) {
    Document d = Dated("same" + std::to_string(i), dates[i], "tariffs on steel and trade");
    d.actors = {i % 2 ? "Scott Bessent" : "Donald Trump"};
    d.topics = {"tariffs"};
    docs.push_back(d);
  }
  docs.push_back(Dated("other1", "2025-01-20", "a report on grain trade and tariffs and tariffs"));
  docs.push_back(Dated("other2", "2025-03-20", "steel mills close"));
  docs.push_back(Dated("moved", "2025-02-14", "first version about trade"));
  Commit(*c, docs);
  Commit(*c, {Dated("moved", "2025-03-14", "second version about steel trade")});
  Commit(*c, {Dated("late", "2025-04-02", "tariffs again")});
}

// Every hit (id, split-independent), score, total and facet of `q`.
std::string Results(const Index& index, const Query& q, SearchOptions o = {}) {
  o.limit = 1000;
  o.facets = {FacetRequest{.field = FacetField::kActor}, FacetRequest{.field = FacetField::kTopic},
              FacetRequest{.field = FacetField::kDate}};
  auto r = index.Search(q, o);
  INFO((r.ok() ? std::string() : r.status().ToString()));
  REQUIRE(r.ok());
  std::string out = "total " + std::to_string(r->total) + "\n";
  char buf[64];
  for (const Hit& h : r->hits) {
    std::snprintf(buf, sizeof buf, "%.9f", h.score);
    out += h.document.id + " " + buf + "\n";
  }
  for (const FacetResult& f : r->facets)
    for (const FacetCount& c : f.counts) out += f.name + ":" + c.value + "=" + std::to_string(c.count) + "\n";
  return out;
}

std::vector<std::string> MergeQueries(const Index& index) {
  std::vector<std::string> out;
  Days from = Day("2025-02-01"), to = Day("2025-03-31");
  for (const Query& q : {Query::Term(Field::kBody, "tariff"), Query::Term(Field::kBody, "steel"),
                         Query::Or({Query::Term(Field::kBody, "trade"), Query::Term(Field::kTitle, "titl")}),
                         Query::And({Query::Term(Field::kBody, "trade"), Query::DateRange(from, to)}), Query::All()})
    out.push_back(Results(index, q));
  SearchOptions by_date{.sort = SortOrder::kDateDescending};
  out.push_back(Results(index, Query::Term(Field::kBody, "trade"), by_date));
  return out;
}

TEST_CASE("MergeSplits merges splits into one that searches exactly as they did", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  BuildForMerge(dir);
  std::vector<std::string> before;
  {
    auto c = OpenCollection(dir);
    before = MergeQueries(*c);
  }
  auto report = MergeSplits(dir, {"2025-02", "2025-01", "undated", "2025-03"}, "q1");
  INFO((report.ok() ? std::string() : report.status().ToString()));
  REQUIRE(report.ok());
  CHECK(report->splits == 4);
  CHECK(report->documents == 10);
  CHECK(report->bytes_before > 0);
  CHECK(report->bytes_after > 0);
  Manifest m = ReadOrFail(dir);
  std::vector<std::string> names;
  for (const ManifestSplit& s : m.splits) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"2025-04", "q1"});
  CHECK(m.retired.empty());
  CHECK(m.Find("q1")->documents == 10);
  CHECK(m.Find("q1")->first == Day("2025-01-05"));
  CHECK_FALSE(m.Find("q1")->sealed);
  for (const char* old : {"2025-01", "2025-02", "2025-03", "undated"})
    CHECK_FALSE(std::filesystem::exists(dir + "/splits/" + old));
  CHECK_FALSE(std::filesystem::exists(dir + "/splits/q1.merging"));

  auto c = OpenCollection(dir);
  auto after = MergeQueries(*c);
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < before.size(); ++i) CHECK(after[i] == before[i]);
  auto check = c->Check();
  REQUIRE(check.ok());
  CHECK(check->ok());
  CHECK(c->GetDocument("moved")->body == "second version about steel trade");

  // Later articles of a merged period go to the period's split; replacing one
  // the merged split holds moves it out of there.
  Commit(*c, {Dated("new", "2025-02-20"), Dated("moved", "2025-02-21", "third version")});
  CHECK(SplitCounts(*c) == std::map<std::string, uint64_t>{{"2025-02", 2}, {"2025-04", 1}, {"q1", 9}});
  auto all = c->Search(Query::All(), {.limit = 100});
  REQUIRE(all.ok());
  CHECK(all->total == 12);

  // Splits that overlap (the merged one and a period's new one): ties of
  // one date go to the split searched first, before and after a merge.
  Commit(*c, {Dated("same7", "2025-01-05", "tariffs on steel and trade")});
  before = MergeQueries(*c);
  c.reset();
  REQUIRE(MergeSplits(dir, {"q1", "2025-01", "2025-02"}, "early").ok());
  c = OpenCollection(dir);
  after = MergeQueries(*c);
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < before.size(); ++i) CHECK(after[i] == before[i]);
}

TEST_CASE("MergeSplits refuses what it cannot merge, changing nothing", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  BuildForMerge(dir);
  const std::string manifest = Slurp(dir + "/collection.json");
  auto unknown = MergeSplits(dir, {"2025-01", "2030-01"}, "x");
  CHECK(unknown.status().IsNotFound());
  CHECK(unknown.status().message().find("its splits: 2025-01, 2025-02, 2025-03, 2025-04, undated") !=
        std::string::npos);
  CHECK(MergeSplits(dir, {"2025-01"}, "x").status().code() == StatusCode::kInvalidArgument);
  CHECK(MergeSplits(dir, {"2025-01", "2025-01"}, "x").status().code() == StatusCode::kInvalidArgument);
  for (const char* bad : {"", ".hidden", "a/b", "..", "x.merging", "2025-04", "2025-05", "undated"}) {
    INFO(bad);
    CHECK(MergeSplits(dir, {"2025-01", "2025-02"}, bad).status().code() == StatusCode::kInvalidArgument);
  }
  CHECK(MergeSplits(dir, {"2025-01", "2025-02"}, std::string(65, 'a')).status().code() == StatusCode::kInvalidArgument);
  CHECK(Slurp(dir + "/collection.json") == manifest);

  const std::string plain = tmp.sub("plain");
  {
    auto index = Index::Open(plain, {.create_if_missing = true});
    REQUIRE(index.ok());
    test::AddAndCommit(**index, {Dated("a", "2025-01-01")});
  }
  auto p = MergeSplits(plain, {"a", "b"}, "x");
  CHECK(p.status().code() == StatusCode::kInvalidArgument);
  CHECK(p.status().message().find("not a collection") != std::string::npos);
  CHECK(MergeSplits(tmp.sub("nothing"), {"a", "b"}, "x").status().IsNotFound());
}

TEST_CASE("MergeSplits waits for no writer: a split being written is kLocked, and nothing changes", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  BuildForMerge(dir);
  const std::string manifest = Slurp(dir + "/collection.json");
  int held[2], done[2];
  REQUIRE(::pipe(held) == 0);
  REQUIRE(::pipe(done) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto c = Index::Open(dir);
    auto w = c.ok() ? (*c)->NewWriter() : Result<std::unique_ptr<Writer>>(c.status());
    char byte = w.ok() && (*w)->Add(Dated("held", "2025-02-27")).ok() ? 1 : 0;
    if (::write(held[1], &byte, 1) != 1) ::_exit(1);
    if (::read(done[0], &byte, 1) != 1) ::_exit(1);
    ::_exit(0);
  }
  char byte = 0;
  REQUIRE(::read(held[0], &byte, 1) == 1);
  REQUIRE(byte == 1);
  auto r = MergeSplits(dir, {"2025-01", "2025-02", "2025-03"}, "q1");
  CHECK(r.status().code() == StatusCode::kLocked);
  CHECK(r.status().message().find("split 2025-02") != std::string::npos);
  REQUIRE(::write(done[1], &byte, 1) == 1);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  for (int fd : {held[0], held[1], done[0], done[1]}) ::close(fd);
  CHECK(Slurp(dir + "/collection.json") == manifest);
  CHECK_FALSE(std::filesystem::exists(dir + "/splits/q1"));
  CHECK_FALSE(std::filesystem::exists(dir + "/splits/q1.merging"));
  REQUIRE(MergeSplits(dir, {"2025-01", "2025-02", "2025-03"}, "q1").ok());
}

TEST_CASE("a merged-away split's folder left by a stopped merge is not read, and is deleted before reuse",
          "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  BuildForMerge(dir);
  // What a merge stopped after its manifest write leaves: the old folders.
  std::filesystem::copy(dir + "/splits/2025-02", tmp.sub("saved"), std::filesystem::copy_options::recursive);
  REQUIRE(MergeSplits(dir, {"2025-01", "2025-02"}, "jan-feb").ok());
  std::filesystem::copy(tmp.sub("saved"), dir + "/splits/2025-02", std::filesystem::copy_options::recursive);
  Manifest m = ReadOrFail(dir);
  m.retired = {"2025-02"};
  REQUIRE(WriteManifest(dir, m).ok());
  // A merge into a stopped merge's leftovers replaces them.
  std::filesystem::create_directories(dir + "/splits/later.merging/junk");

  auto c = OpenCollection(dir);
  CHECK(c->Search(Query::All(), {.limit = 100})->total == 11);
  Commit(*c, {Dated("new", "2025-02-20")});
  CHECK(c->Search(Query::All(), {.limit = 100})->total == 12);
  CHECK(SplitCounts(*c).at("2025-02") == 1);
  CHECK(ReadOrFail(dir).retired.empty());
  auto check = c->Check();
  REQUIRE(check.ok());
  CHECK(check->ok());
  c.reset();
  REQUIRE(MergeSplits(dir, {"2025-02", "2025-03"}, "later").ok());
  CHECK_FALSE(std::filesystem::exists(dir + "/splits/later.merging"));
}

TEST_CASE("a manifest may name merged splits, never a path", "[collection]") {
  CHECK(IsMergedSplitName("2025-q1"));
  CHECK(IsMergedSplitName("a.b_c-D"));
  CHECK_FALSE(IsMergedSplitName(""));
  CHECK_FALSE(IsMergedSplitName("."));
  CHECK_FALSE(IsMergedSplitName(".."));
  CHECK_FALSE(IsMergedSplitName("a/b"));
  CHECK_FALSE(IsMergedSplitName("x.compacting"));
  CHECK_FALSE(IsMergedSplitName(std::string(65, 'a')));
  Manifest m;
  m.id = 7;
  m.partition = Partition::kMonth;
  m.splits.push_back(ManifestSplit{.name = "2025-q1"});
  m.retired = {"2025-01"};
  Manifest back;
  REQUIRE(DecodeManifest(EncodeManifest(m), "x", &back).ok());
  CHECK(back.splits[0].name == "2025-q1");
  CHECK(back.retired == m.retired);
  m.splits[0].name = "../etc";
  CHECK(DecodeManifest(EncodeManifest(m), "x", &back).code() == StatusCode::kCorruption);
}

// --- ConvertToCollection, ConvertToIndex ----------------------------------------

TEST_CASE("a plain index becomes a collection of one split and back, keeping documents, metadata and results",
          "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("idx");
  std::vector<std::string> before;
  {
    auto index = Index::Open(dir, {.create_if_missing = true, .tagging = false});
    REQUIRE(index.ok());
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    for (int i = 0; i < 7; ++i) {
      const char* dates[] = {"2025-01-05", "2025-01-05", "2025-02-10", "2025-02-11", "2025-03-01", nullptr, nullptr};
      Document d = Dated("same" + std::to_string(i), dates[i], "tariffs on steel and trade");
      d.actors = {i % 2 ? "Scott Bessent" : "Donald Trump"};
      REQUIRE((*w)->Add(d).ok());
    }
    REQUIRE((*w)->Add(Dated("other", "2025-03-20", "steel mills close")).ok());
    REQUIRE((*w)->SetMetadata("k1", "v1").ok());
    REQUIRE((*w)->SetMetadata("file:a.txt", "123").ok());
    REQUIRE((*w)->Commit().ok());
    before = MergeQueries(**index);
  }
  REQUIRE(ConvertToCollection(dir).ok());
  CHECK_FALSE(std::filesystem::exists(dir + "/data.mdb"));
  Manifest m = ReadOrFail(dir);
  CHECK(m.partition == Partition::kNone);
  REQUIRE(m.splits.size() == 1);
  CHECK(m.splits[0].name == "all");
  CHECK(m.splits[0].documents == 8);
  CHECK(ConvertToCollection(dir).code() == StatusCode::kInvalidArgument);
  {
    auto c = Index::Open(dir);
    REQUIRE(c.ok());
    CHECK((*c)->Stats()->partition == "none");
    CHECK(Meta(**c, "k1") == "v1");
    CHECK(Meta(**c, "file:a.txt") == "123");
    CHECK(MergeQueries(**c) == before);
    auto check = (*c)->Check();
    REQUIRE(check.ok());
    CHECK(check->ok());
    // Written to as a collection: the metadata goes to the meta index.
    Commit(**c, {Dated("new", "2025-04-01")});
    auto w = (*c)->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->SetMetadata("k2", "v2").ok());
    REQUIRE((*w)->Delete("new").ok());
    REQUIRE((*w)->Commit().ok());
  }
  REQUIRE(ConvertToIndex(dir).ok());
  CHECK_FALSE(std::filesystem::exists(dir + "/collection.json"));
  CHECK_FALSE(std::filesystem::exists(dir + "/meta"));
  CHECK_FALSE(std::filesystem::exists(dir + "/splits"));
  CHECK(ConvertToIndex(dir).code() == StatusCode::kInvalidArgument);
  auto back = Index::Open(dir);
  REQUIRE(back.ok());
  CHECK((*back)->Stats()->partition.empty());
  CHECK((*back)->Stats()->documents == 8);
  CHECK(Meta(**back, "k1") == "v1");
  CHECK(Meta(**back, "k2") == "v2");
  CHECK(Meta(**back, "file:a.txt") == "123");
  CHECK(MergeQueries(**back) == before);
  auto check = (*back)->Check();
  REQUIRE(check.ok());
  CHECK(check->ok());
}

TEST_CASE("only a collection of one split becomes a plain index; a stopped conversion is finished", "[collection]") {
  TempDir tmp;
  const std::string dir = tmp.sub("col");
  BuildForMerge(dir);
  Status s = ConvertToIndex(dir);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("merge them first") != std::string::npos);
  CHECK(ConvertToCollection(dir).code() == StatusCode::kInvalidArgument);
  CHECK(ConvertToIndex(tmp.sub("nothing")).IsNotFound());
  CHECK(ConvertToCollection(tmp.sub("nothing")).IsNotFound());

  // Stopped after the manifest was written: a data.mdb is left beside it.
  const std::string plain = tmp.sub("plain");
  {
    auto index = Index::Open(plain, {.create_if_missing = true});
    REQUIRE(index.ok());
    test::AddAndCommit(**index, {Dated("a", "2025-01-01")});
  }
  std::filesystem::copy_file(plain + "/data.mdb", tmp.sub("saved.mdb"));
  REQUIRE(ConvertToCollection(plain).ok());
  std::filesystem::copy_file(tmp.sub("saved.mdb"), plain + "/data.mdb");
  {
    auto c = Index::Open(plain);
    REQUIRE(c.ok());
    CHECK((*c)->Stats()->partition == "none");  // the manifest decides
  }
  REQUIRE(ConvertToCollection(plain).ok());  // finishes it
  CHECK_FALSE(std::filesystem::exists(plain + "/data.mdb"));
  // Stopped after the manifest was removed: the collection's folders are left.
  std::filesystem::copy(plain + "/meta", tmp.sub("saved-meta"), std::filesystem::copy_options::recursive);
  REQUIRE(ConvertToIndex(plain).ok());
  std::filesystem::copy(tmp.sub("saved-meta"), plain + "/meta", std::filesystem::copy_options::recursive);
  {
    auto p = Index::Open(plain);
    REQUIRE(p.ok());
    CHECK((*p)->Stats()->partition.empty());
  }
  REQUIRE(ConvertToIndex(plain).ok());  // finishes it
  CHECK_FALSE(std::filesystem::exists(plain + "/meta"));
  // And one stopped before its manifest: the next conversion starts again.
  std::filesystem::create_directories(plain + "/splits/all/junk");
  REQUIRE(ConvertToCollection(plain).ok());
  auto c = Index::Open(plain);
  REQUIRE(c.ok());
  CHECK((*c)->GetDocument("a").ok());
  CHECK((*c)->Check()->ok());
}

}  // namespace
TEST_CASE("a build with parallel jobs equals a sequential one: the same documents, the same scores", "[collection]") {
  TempDir tmp;
  std::vector<Document> docs;
  const char* words[] = {"tariff", "trade", "talks", "steel", "china", "summit", "deal", "market"};
  for (int i = 0; i < 400; ++i) {
    std::string body;
    for (int k = 0; k < 20 + i % 17; ++k) body += std::string(words[(i * 7 + k * 3) % 8]) + " ";
    const std::string date = std::to_string(2020 + i % 5) + "-" + (i % 12 < 9 ? "0" : "") + std::to_string(i % 12 + 1) +
                             "-" + std::to_string(10 + i % 18);
    docs.push_back(Dated("d" + std::to_string(i), i % 31 == 0 ? nullptr : date.c_str(), body));
  }
  std::vector<std::unique_ptr<Index>> built;
  for (int jobs : {1, 2, 4}) {
    auto index = Index::Open(tmp.sub("j" + std::to_string(jobs)),
                             {.create_if_missing = true, .partition = Partition::kMonth, .jobs = jobs});
    REQUIRE(index.ok());
    Commit(**index, docs);
    built.push_back(std::move(*index));
  }
  for (const Query& q :
       {Query::Term(Field::kBody, "tariff"), Query::All(),
        Query::And({Query::Term(Field::kBody, "steel"), Query::Term(Field::kBody, "china")}),
        Query::Or({Query::Term(Field::kBody, "deal"), Query::Term(Field::kBody, "summit")}),
        Query::And({Query::Term(Field::kBody, "trade"), Query::DateRange(Day("2021-03-01"), Day("2022-06-30"))})}) {
    INFO(q.ToString());
    auto want = built[0]->Search(q, {.limit = 1000, .facets = {{.field = FacetField::kDate, .unit = DateUnit::kYear}}});
    REQUIRE(want.ok());
    CHECK(want->total > 0);
    for (size_t b = 1; b < built.size(); ++b) {
      auto got =
          built[b]->Search(q, {.limit = 1000, .facets = {{.field = FacetField::kDate, .unit = DateUnit::kYear}}});
      REQUIRE(got.ok());
      REQUIRE(got->total == want->total);
      REQUIRE(got->hits.size() == want->hits.size());
      for (size_t h = 0; h < got->hits.size(); ++h) {
        CHECK(got->hits[h].document.id == want->hits[h].document.id);
        CHECK(got->hits[h].score == want->hits[h].score);
      }
      REQUIRE(got->facets.size() == 1);
      for (size_t c = 0; c < want->facets[0].counts.size(); ++c)
        CHECK(got->facets[0].counts[c].count == want->facets[0].counts[c].count);
    }
  }
}

TEST_CASE("a collection is searched while a writer adds to its newest split: each search sees whole commits",
          "[collection]") {
  TempDir tmp;
  auto index = OpenCollection(tmp.sub("col"));
  // Older months, then groups of 5 articles in the newest month, one group a
  // commit, each article of a group with the marker word.
  std::vector<Document> old;
  for (int i = 0; i < 60; ++i) old.push_back(Dated("old" + std::to_string(i), i % 2 ? "2025-01-10" : "2025-02-10"));
  Commit(*index, old);
  std::atomic<bool> done{false};
  std::atomic<int> errors{0}, torn{0}, backwards{0}, searches{0};
  auto reader = [&] {
    uint64_t last = 0;
    while (!done.load()) {
      auto r = index->Search(Query::Term(Field::kBody, "marker"), {.limit = 3});
      auto all = index->Search(Query::All(), {.limit = 0});
      if (!r.ok() || !all.ok()) {
        ++errors;
        continue;
      }
      if (r->total % 5 != 0) ++torn;
      if (r->total < last) ++backwards;
      last = r->total;
      ++searches;
    }
  };
  std::thread t1(reader), t2(reader);
  {
    auto w = index->NewWriter();
    REQUIRE(w.ok());
    for (int g = 0; g < 40; ++g) {
      for (int k = 0; k < 5; ++k)
        REQUIRE((*w)->Add(Dated("new" + std::to_string(g * 5 + k), "2025-03-15", "a marker of the group")).ok());
      REQUIRE((*w)->Commit().ok());
    }
  }
  done = true;
  t1.join();
  t2.join();
  CHECK(errors.load() == 0);
  CHECK(torn.load() == 0);
  CHECK(backwards.load() == 0);
  CHECK(searches.load() > 0);
  auto final_count = index->Search(Query::Term(Field::kBody, "marker"), {.limit = 0});
  REQUIRE(final_count.ok());
  CHECK(final_count->total == 200);
}

}  // namespace loupe
