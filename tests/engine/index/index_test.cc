// Index, Writer and Search over real LMDB files in temporary directories.
#include "loupe/index.h"

#include <lmdb.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "index/format.h"
#include "loupe/language.h"
#include "loupe/query_parser.h"
#include "storage/lmdb.h"
#include "support/index_util.h"
#include "support/test_util.h"

using namespace loupe;
using loupe::test::TempDir;

namespace {

Document Doc(const std::string& id, const std::string& title, const std::string& body, std::optional<Days> date = {},
             std::vector<std::string> actors = {}) {
  Document d;
  d.id = id;
  d.path = "/corpus/" + id;
  d.title = title;
  d.body = body;
  d.date = date;
  d.actors = std::move(actors);
  return d;
}

std::unique_ptr<Index> OpenNew(const TempDir& dir, uint64_t map = 0) {
  IndexOptions o;
  o.create_if_missing = true;
  o.initial_map_size = map;
  auto idx = Index::Open(dir.sub("idx"), o);
  REQUIRE(idx.ok());
  return std::move(*idx);
}

std::set<std::string> Ids(Index& idx, const Query& q) { return test::HitIds(idx, q); }

Query Body(const std::string& t) { return Query::Term(Field::kBody, t); }

// 1500 adds over 1200 ids (so 300 replacements), deletions, and a commit in
// the middle: the same sequence for tests that compare writer configurations.
void AddMixedWorkload(Index& idx) {
  auto w = idx.NewWriter();
  REQUIRE(w.ok());
  for (int i = 0; i < 1500; ++i) {
    std::string body;
    for (int k = 0; k < 5 + i % 40; ++k) body += "word" + std::to_string((i * 7 + k * 13) % 97) + " ";
    REQUIRE((*w)->Add(Doc("d" + std::to_string(i % 1200), "t" + std::to_string(i % 11), body)).ok());
    if (i % 300 == 299) REQUIRE((*w)->Delete("d" + std::to_string(i / 2)).ok());
    if (i == 700) REQUIRE((*w)->Commit().ok());
  }
  REQUIRE((*w)->Commit().ok());
}

}  // namespace

TEST_CASE("open without create reports not found") {
  TempDir dir;
  auto idx = Index::Open(dir.sub("missing"));
  REQUIRE_FALSE(idx.ok());
  CHECK(idx.status().IsNotFound());
}

TEST_CASE("add, commit, search, reopen") {
  TempDir dir;
  {
    auto idx = OpenNew(dir);
    auto w = idx->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->Add(Doc("a", "Tariff truce", "talks in geneva")).ok());
    REQUIRE((*w)->Add(Doc("b", "Soybeans", "farmers and talks")).ok());
    // Nothing is visible before the commit.
    CHECK(Ids(*idx, Body("talk")).empty());
    REQUIRE((*w)->Commit().ok());
    CHECK(Ids(*idx, Body("talk")) == std::set<std::string>{"a", "b"});
    CHECK(Ids(*idx, Query::Term(Field::kTitle, "tariff")) == std::set<std::string>{"a"});
  }
  auto idx = Index::Open(dir.sub("idx"));
  REQUIRE(idx.ok());
  CHECK(Ids(**idx, Body("geneva")) == std::set<std::string>{"a"});
  auto st = (*idx)->Stats();
  REQUIRE(st.ok());
  CHECK(st->documents == 2);
  CHECK(st->format_version == kFormatVersion);
  CHECK(st->generation == 1);
  auto d = (*idx)->GetDocument("b");
  REQUIRE(d.ok());
  CHECK(d->title == "Soybeans");
  CHECK((*idx)->GetDocument("zzz").status().IsNotFound());
}

TEST_CASE("replace and delete by id") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->Add(Doc("a", "one", "apple")).ok());
  REQUIRE((*w)->Add(Doc("b", "two", "banana")).ok());
  REQUIRE((*w)->Commit().ok());

  REQUIRE((*w)->Add(Doc("a", "one again", "cherry")).ok());  // replaces committed a
  REQUIRE((*w)->Add(Doc("c", "three", "apple")).ok());
  REQUIRE((*w)->Add(Doc("c", "three v2", "durian")).ok());  // replaces queued c
  REQUIRE((*w)->Delete("b").ok());
  REQUIRE((*w)->Delete("never-existed").ok());
  REQUIRE((*w)->Commit().ok());

  CHECK(Ids(*idx, Body("appl")).empty());
  CHECK(Ids(*idx, Body("cherri")) == std::set<std::string>{"a"});
  CHECK(Ids(*idx, Body("durian")) == std::set<std::string>{"c"});
  CHECK(Ids(*idx, Body("banana")).empty());
  CHECK(Ids(*idx, Query::All()) == std::set<std::string>{"a", "c"});
  auto st = idx->Stats();
  REQUIRE(st.ok());
  CHECK(st->documents == 2);
  CHECK(idx->GetDocument("b").status().IsNotFound());
  CHECK(idx->GetDocument("a")->title == "one again");

  // Delete then add again in the same batch keeps the new one.
  REQUIRE((*w)->Delete("a").ok());
  REQUIRE((*w)->Add(Doc("a", "one v3", "elderberry")).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(Ids(*idx, Body("elderberri")) == std::set<std::string>{"a"});
  CHECK(Ids(*idx, Body("cherri")).empty());
}

TEST_CASE("the first commit of a new index writes its ids in order, superseded and deleted ones left out") {
  // The id table starts empty: the commit appends the batch's ids sorted,
  // without looking any up, so the ones a later Add or Delete of the same
  // batch superseded must not be written, and every written one must resolve.
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) ids.push_back("id-" + std::to_string((i * 7919) % 1000));  // out of order
  ids.push_back("Z");  // sorts before the lower-case ids: bytes, not letters
  ids.push_back("id-");
  for (const std::string& id : ids) REQUIRE((*w)->Add(Doc(id, "t", "body " + id)).ok());
  const std::string again = ids[5], gone = ids[9];
  REQUIRE((*w)->Add(Doc(again, "t", "again")).ok());  // supersedes a queued one
  REQUIRE((*w)->Delete(gone).ok());                   // deletes a queued one
  REQUIRE((*w)->Delete("never-added").ok());
  REQUIRE((*w)->Commit().ok());

  std::set<std::string> expected(ids.begin(), ids.end());
  expected.erase(gone);
  CHECK(Ids(*idx, Query::All()) == expected);
  auto st = idx->Stats();
  REQUIRE(st.ok());
  CHECK(st->documents == expected.size());
  for (const std::string& id : expected) {
    auto d = idx->GetDocument(id);
    REQUIRE(d.ok());
    CHECK(d->id == id);
  }
  CHECK(idx->GetDocument(again)->body == "again");
  CHECK(idx->GetDocument(gone).status().IsNotFound());
  CHECK(idx->GetDocument("never-added").status().IsNotFound());

  // The next batch finds them: a replacement retires the committed one.
  REQUIRE((*w)->Add(Doc("Z", "t", "replaced")).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(Ids(*idx, Body("replac")) == std::set<std::string>{"Z"});
  CHECK(Ids(*idx, Query::All()).size() == expected.size());
}

TEST_CASE("document values: one row per 64 ids, rewritten when a commit retires or adds documents in it") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto docvals_rows = [&]() -> uint64_t {
    auto st = idx->Stats();
    REQUIRE(st.ok());
    for (const TableStats& t : st->tables)
      if (t.name == "docvals") return t.entries;
    FAIL("no docvals table");
    return 0;
  };
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  // Ids 1 to 150: blocks 0 (1-63), 64 and 128 (128-150).
  for (int i = 1; i <= 150; ++i)
    REQUIRE((*w)->Add(Doc("d" + std::to_string(i), "t", "common w" + std::to_string(i), Days{i})).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(docvals_rows() == 3);
  // Every document of block 0 goes (its row with it), one of block 64 is
  // replaced (gets id 151, in block 128, which already has rows).
  for (int i = 1; i <= 63; ++i) REQUIRE((*w)->Delete("d" + std::to_string(i)).ok());
  REQUIRE((*w)->Add(Doc("d70", "t", "common replaced", Days{7000})).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(docvals_rows() == 2);
  // Ids 152 to 260: block 128 filled, blocks 192 and 256 new.
  for (int i = 200; i < 309; ++i)
    REQUIRE((*w)->Add(Doc("d" + std::to_string(i), "t", "common w" + std::to_string(i), Days{i})).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(docvals_rows() == 4);

  auto st = idx->Stats();
  REQUIRE(st.ok());
  CHECK(st->documents == 150 - 63 + 109);
  CHECK(Ids(*idx, Body("common")).size() == 150 - 63 + 109);
  CHECK(Ids(*idx, Body("replac")) == std::set<std::string>{"d70"});
  CHECK(Ids(*idx, Body("w70")).empty());
  CHECK(Ids(*idx, Body("w5")).empty());
  CHECK(Ids(*idx, Body("w64")) == std::set<std::string>{"d64"});
  // The dates come back from the right rows.
  CHECK(Ids(*idx, Query::DateRange(Days{7000}, Days{7000})) == std::set<std::string>{"d70"});
  CHECK(Ids(*idx, Query::DateRange(Days{128}, Days{128})) == std::set<std::string>{"d128"});
  CHECK(Ids(*idx, Query::DateRange(Days{308}, Days{308})) == std::set<std::string>{"d308"});
  CHECK(Ids(*idx, Query::DateRange(Days{1}, Days{63})).empty());
  auto report = idx->Check();
  REQUIRE(report.ok());
  CHECK(report->problems.empty());
  CHECK(report->documents == 150 - 63 + 109);
}

TEST_CASE("rollback drops the batch") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->Add(Doc("a", "x", "apple")).ok());
  (*w)->Rollback();
  CHECK((*w)->pending() == 0);
  REQUIRE((*w)->Add(Doc("b", "x", "banana")).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(Ids(*idx, Query::All()) == std::set<std::string>{"b"});
}

TEST_CASE("UpdateMetadata on a plain index changes the value the next commit would leave, in the batch") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  auto append = [](const std::string& item) {
    return [item](const std::string* old) -> Result<std::string> { return (old ? *old : std::string()) + item; };
  };
  auto v = (*w)->UpdateMetadata("list", append("a,"));
  REQUIRE(v.ok());
  CHECK(*v == "a,");
  CHECK((*w)->pending() == 1);
  CHECK(idx->GetMetadata("list").status().IsNotFound());     // queued, as SetMetadata does
  REQUIRE((*w)->UpdateMetadata("list", append("b,")).ok());  // sees the queued value
  REQUIRE((*w)->Commit().ok());
  CHECK(idx->GetMetadata("list").value() == "a,b,");
  // The committed value; one left unchanged queues nothing.
  v = (*w)->UpdateMetadata("list", [](const std::string* old) -> Result<std::string> { return *old; });
  REQUIRE(v.ok());
  CHECK(*v == "a,b,");
  CHECK((*w)->pending() == 0);
  // An error from `change` queues nothing and comes back.
  v = (*w)->UpdateMetadata("list", [](const std::string*) -> Result<std::string> { return Status::NotFound("no"); });
  CHECK(v.status().IsNotFound());
  CHECK((*w)->pending() == 0);
  CHECK((*w)->UpdateMetadata(std::string(401, 'k'), append("x")).status().code() == StatusCode::kInvalidArgument);
  // A value this batch's SetMetadata removed counts as absent.
  REQUIRE((*w)->SetMetadata("list", "").ok());
  v = (*w)->UpdateMetadata("list", [](const std::string* old) -> Result<std::string> {
    return old ? std::string("present") : std::string("absent");
  });
  REQUIRE(v.ok());
  CHECK(*v == "absent");
  (*w)->Rollback();
  CHECK(idx->GetMetadata("list").value() == "a,b,");
}

TEST_CASE("bad ids are rejected") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  CHECK((*w)->Add(Doc("", "x", "y")).code() == StatusCode::kInvalidArgument);
  CHECK((*w)->Add(Doc(std::string(401, 'i'), "x", "y")).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a second writer fails at once with the holder's pid") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w1 = idx->NewWriter();
  REQUIRE(w1.ok());
  auto w2 = idx->NewWriter();
  REQUIRE_FALSE(w2.ok());
  CHECK(w2.status().code() == StatusCode::kLocked);
  CHECK(w2.status().message().find("index is locked by pid " + std::to_string(::getpid())) != std::string::npos);
  w1->reset();  // releasing the first writer frees the lock
  CHECK(idx->NewWriter().ok());
}

TEST_CASE("a full map grows and the commit is retried") {
  TempDir dir;
  auto idx = OpenNew(dir, 128 * 1024);  // far too small for the batch below
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  for (int i = 0; i < 3000; ++i) {
    std::string body = "common word" + std::to_string(i) + " filler text number " + std::to_string(i % 97);
    REQUIRE((*w)->Add(Doc("d" + std::to_string(i), "title " + std::to_string(i), body)).ok());
  }
  Status s = (*w)->Commit();
  REQUIRE(s.ok());
  CHECK(Ids(*idx, Body("common")).size() == 3000);
  CHECK(idx->Stats()->documents == 3000);
  // Replacing every document rewrites pages all over the index.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3000; ++i) {
      std::string body = "common word" + std::to_string(i) + " round " + std::to_string(round);
      REQUIRE((*w)->Add(Doc("d" + std::to_string(i), "title " + std::to_string(i), body)).ok());
    }
    REQUIRE((*w)->Commit().ok());
  }
  CHECK(Ids(*idx, Body("common")).size() == 3000);
  CHECK(Ids(*idx, Body("round")).size() == 3000);
  CHECK(idx->Stats()->documents == 3000);
}

TEST_CASE("postings span many blocks and several commits") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  std::set<std::string> even, div3, both;
  for (int i = 0; i < 1000; ++i) {
    std::string id = "d" + std::to_string(i);
    std::string body = "every";
    if (i % 2 == 0) body += " even", even.insert(id);
    if (i % 3 == 0) body += " three", div3.insert(id);
    if (i % 2 == 0 && i % 3 == 0) both.insert(id);
    REQUIRE((*w)->Add(Doc(id, "t", body)).ok());
    if (i % 137 == 0) REQUIRE((*w)->Commit().ok());  // partial blocks get topped up
  }
  REQUIRE((*w)->Commit().ok());
  CHECK(Ids(*idx, Body("even")) == even);
  CHECK(Ids(*idx, Body("three")) == div3);
  CHECK(Ids(*idx, Query::And({Body("even"), Body("three")})) == both);
  std::set<std::string> odd_three;
  for (const auto& id : div3)
    if (!even.count(id)) odd_three.insert(id);
  CHECK(Ids(*idx, Query::And({Body("three"), Query::Not(Body("even"))})) == odd_three);
  CHECK(Ids(*idx, Query::Or({Body("even"), Body("three")})).size() == even.size() + div3.size() - both.size());
}

TEST_CASE("paging is consistent with the full ranking and totals are exact") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  for (int i = 0; i < 57; ++i) {
    std::string body(static_cast<size_t>(i % 7 + 1), 'x');
    std::string text = "tariff";
    for (int k = 0; k < i % 5; ++k) text += " tariff";
    REQUIRE((*w)->Add(Doc("d" + std::to_string(i), "t", text + " filler " + std::to_string(i))).ok());
  }
  REQUIRE((*w)->Commit().ok());
  auto all = idx->Search(Body("tariff"), {.limit = 1000});
  REQUIRE(all.ok());
  REQUIRE(all->total == 57);
  REQUIRE(all->hits.size() == 57);
  for (size_t i = 1; i < all->hits.size(); ++i) CHECK(all->hits[i - 1].score >= all->hits[i].score);
  std::vector<uint32_t> paged;
  for (size_t off = 0; off < 57; off += 10) {
    auto page = idx->Search(Body("tariff"), {.limit = 10, .offset = off});
    REQUIRE(page.ok());
    CHECK(page->total == 57);
    for (const Hit& h : page->hits) paged.push_back(h.doc_id);
  }
  REQUIRE(paged.size() == 57);
  for (size_t i = 0; i < 57; ++i) CHECK(paged[i] == all->hits[i].doc_id);
  auto none = idx->Search(Body("tariff"), {.limit = 0});
  REQUIRE(none.ok());
  CHECK(none->total == 57);
  CHECK(none->hits.empty());
}

TEST_CASE("title matches outrank body matches") {
  TempDir dir;
  auto idx = OpenNew(dir);
  test::AddAndCommit(*idx, {Doc("body", "other words here", "soybeans growers"),
                            Doc("title", "soybeans growers", "other words here")});
  Query q = Query::Or({Query::Term(Field::kTitle, "soybean"), Body("soybean")});
  auto r = idx->Search(q);
  REQUIRE(r.ok());
  REQUIRE(r->hits.size() == 2);
  CHECK(r->hits[0].document.id == "title");
}

TEST_CASE("phrases need adjacency and never span two actor values") {
  TempDir dir;
  auto idx = OpenNew(dir);
  test::AddAndCommit(*idx, {Doc("a", "t", "he lifeng met bessent", {}, {"He Lifeng", "Scott Bessent"}),
                            Doc("b", "t", "lifeng he said", {}, {"Li He", "Lifeng Wu"})});
  CHECK(Ids(*idx, Query::Phrase(Field::kBody, {"he", "lifeng"})) == std::set<std::string>{"a"});
  CHECK(Ids(*idx, Query::Phrase(Field::kActor, {"he", "lifeng"})) == std::set<std::string>{"a"});
  CHECK(Ids(*idx, Query::Phrase(Field::kActor, {"lifeng", "scott"})).empty());
  CHECK(Ids(*idx, Query::Phrase(Field::kActor, {"he", "lifeng"}, {0, 1})) == std::set<std::string>{"a"});
}

TEST_CASE("date ranges and undated documents") {
  TempDir dir;
  auto idx = OpenNew(dir);
  test::AddAndCommit(*idx, {Doc("early", "t", "x", 100), Doc("late", "t", "x", 200), Doc("undated", "t", "x")});
  CHECK(Ids(*idx, Query::DateRange(100, 100)) == std::set<std::string>{"early"});
  CHECK(Ids(*idx, Query::DateRange(kMinDays, kMaxDays)) == std::set<std::string>{"early", "late"});
  CHECK(Ids(*idx, Query::Not(Query::DateRange(kMinDays, 150))) == std::set<std::string>{"late", "undated"});
  CHECK(Ids(*idx, Query::DateRange(101, 199)).empty());
}

TEST_CASE("a reader sees the last commit while a writer works") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->Add(Doc("a", "t", "alpha")).ok());
  REQUIRE((*w)->Commit().ok());
  REQUIRE((*w)->Add(Doc("b", "t", "alpha")).ok());
  CHECK(Ids(*idx, Body("alpha")) == std::set<std::string>{"a"});
  REQUIRE((*w)->Commit().ok());
  CHECK(Ids(*idx, Body("alpha")) == std::set<std::string>{"a", "b"});
}

TEST_CASE("a different format version is refused at open") {
  TempDir dir;
  { OpenNew(dir); }
  // Overwrite the version record with raw LMDB.
  MDB_env* env;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 16);
  REQUIRE(mdb_env_open(env, dir.sub("idx").c_str(), 0, 0644) == 0);
  MDB_txn* txn;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi;
  REQUIRE(mdb_dbi_open(txn, "meta", 0, &dbi) == 0);
  uint32_t v = 99;
  MDB_val k{14, const_cast<char*>("format_version")}, val{4, &v};
  REQUIRE(mdb_put(txn, dbi, &k, &val, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);

  auto idx = Index::Open(dir.sub("idx"));
  REQUIRE_FALSE(idx.ok());
  CHECK(idx.status().code() == StatusCode::kVersionMismatch);
  CHECK(idx.status().message().find("format version 99") != std::string::npos);
}

TEST_CASE("a truncated data file is reported, not mapped") {
  TempDir dir;
  {
    auto idx = OpenNew(dir);
    auto w = idx->NewWriter();
    REQUIRE(w.ok());
    for (int i = 0; i < 500; ++i)
      REQUIRE((*w)->Add(Doc("d" + std::to_string(i), "t", "some words " + std::to_string(i))).ok());
    REQUIRE((*w)->Commit().ok());
  }
  std::string data = dir.sub("idx") + "/data.mdb";
  auto size = std::filesystem::file_size(data);
  std::filesystem::resize_file(data, size / 2);
  auto idx = Index::Open(dir.sub("idx"));
  REQUIRE_FALSE(idx.ok());
  CHECK(idx.status().code() == StatusCode::kCorruption);
  CHECK(idx.status().message().find("truncated") != std::string::npos);
  // The message names the file by the path the caller gave, not by how it was opened.
  CHECK(idx.status().message().find("index file " + data + " is truncated") != std::string::npos);
}

TEST_CASE("a directory that is not an index is refused") {
  TempDir dir;
  std::filesystem::create_directories(dir.sub("plain"));
  auto idx = Index::Open(dir.sub("plain"));
  REQUIRE_FALSE(idx.ok());
  CHECK(idx.status().IsNotFound());
}

TEST_CASE("read-only indexes refuse writers") {
  TempDir dir;
  {
    auto created = OpenNew(dir);
    auto w = created->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->Commit().ok());  // an index exists from its first commit
  }
  IndexOptions o;
  o.read_only = true;
  auto idx = Index::Open(dir.sub("idx"), o);
  REQUIRE(idx.ok());
  CHECK((*idx)->NewWriter().status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("replacing or deleting documents leaves scores as if they had never been there") {
  // Scores of a fresh index over the final documents...
  auto docs = [](int version) {
    std::vector<Document> out;
    for (int i = 0; i < 30; ++i) {
      std::string body = "tariff talks " + std::string(i % 3 ? "soybean" : "chip") + " round " + std::to_string(i);
      if (version && i % 2) body += " tariff";  // the replacement changes term frequencies
      out.push_back(Doc("d" + std::to_string(i), "t" + std::to_string(i % 4), body));
    }
    return out;
  };
  auto scores = [](Index& idx) {
    std::map<std::string, double> out;
    Query q = Query::Or({Body("tariff"), Body("soybean"), Body("chip"), Query::Term(Field::kTitle, "t1")});
    auto r = idx.Search(q, {.limit = 1000});
    REQUIRE(r.ok());
    for (const Hit& h : r->hits) out[h.document.id] = h.score;
    return out;
  };
  TempDir fresh_dir, churn_dir;
  auto fresh = OpenNew(fresh_dir);
  {
    auto w = fresh->NewWriter();
    REQUIRE(w.ok());
    for (const Document& d : docs(1)) REQUIRE((*w)->Add(d).ok());
    REQUIRE((*w)->Commit().ok());
  }
  // ...equal those of an index that saw older versions, replaced in a later
  // commit and within one batch, and documents added then deleted.
  auto churn = OpenNew(churn_dir);
  {
    auto w = churn->NewWriter();
    REQUIRE(w.ok());
    for (const Document& d : docs(0)) REQUIRE((*w)->Add(d).ok());
    REQUIRE((*w)->Add(Doc("gone", "chip", "tariff tariff chip")).ok());
    REQUIRE((*w)->Commit().ok());
    REQUIRE((*w)->Add(Doc("queued", "t1", "soybean soybean")).ok());
    for (const Document& d : docs(0)) REQUIRE((*w)->Add(d).ok());  // superseded in this batch
    for (const Document& d : docs(1)) REQUIRE((*w)->Add(d).ok());
    REQUIRE((*w)->Delete("gone").ok());
    REQUIRE((*w)->Delete("queued").ok());
    REQUIRE((*w)->Commit().ok());
  }
  auto a = scores(*fresh), b = scores(*churn);
  REQUIRE(a.size() == b.size());
  for (const auto& [id, s] : a) {
    INFO(id);
    REQUIRE(b.count(id));
    CHECK(b[id] == Approx(s).epsilon(1e-9));
  }
}

TEST_CASE("stored documents round-trip through compressed blocks of any size") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  std::vector<Document> docs;
  uint64_t seed = 7;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>(seed >> 33);
  };
  for (int i = 0; i < 400; ++i) {
    std::string body;
    size_t words = next() % 5 == 0 ? 6000 : next() % 300;  // some documents exceed a whole block
    for (size_t k = 0; k < words; ++k) body += "w" + std::to_string(next() % 5000) + " ";
    Document d = Doc("doc" + std::to_string(i), "title " + std::to_string(i), body, Days{20000 + i},
                     {"Actor " + std::to_string(i % 7)});
    d.author = i % 3 ? "Author" : "";
    d.topics = {"topic " + std::to_string(i % 5)};
    docs.push_back(d);
    REQUIRE((*w)->Add(d).ok());
    if (i == 150 || i == 151 || i == 300) REQUIRE((*w)->Commit().ok());  // blocks end at commits
  }
  REQUIRE((*w)->Commit().ok());
  for (const Document& d : docs) {
    auto got = idx->GetDocument(d.id);
    REQUIRE(got.ok());
    CHECK(got->title == d.title);
    CHECK(got->body == d.body);
    CHECK(got->author == d.author);
    CHECK(got->date == d.date);
    CHECK(got->actors == d.actors);
    CHECK(got->topics == d.topics);
  }
  auto r = idx->Search(Query::Term(Field::kTitle, "titl"), {.limit = 400});
  REQUIRE(r.ok());
  CHECK(r->hits.size() == 400);
  for (const Hit& h : r->hits) CHECK(h.document.title.rfind("title ", 0) == 0);
}

TEST_CASE("analysis threads do not change the index") {
  // The same adds, replacements and deletes with 0, 1 and 3 analysis threads
  // give identical rankings and scores.
  std::vector<std::vector<std::pair<uint32_t, double>>> results;
  for (int threads : {0, 1, 3}) {
    TempDir dir;
    IndexOptions o;
    o.create_if_missing = true;
    o.writer_threads = threads;
    auto idx = Index::Open(dir.sub("idx"), o);
    REQUIRE(idx.ok());
    AddMixedWorkload(**idx);
    auto r = (*idx)->Search(Query::Or({Body("word3"), Body("word50"), Query::Term(Field::kTitle, "t7")}),
                            {.limit = 2000, .load_documents = false});
    REQUIRE(r.ok());
    std::vector<std::pair<uint32_t, double>> got;
    for (const Hit& h : r->hits) got.emplace_back(h.doc_id, h.score);
    results.push_back(got);
  }
  REQUIRE(results[0].size() > 100);
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
}

TEST_CASE("prefix queries expand over the dictionary, capped by frequency with a warning") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->Add(Doc("a", "t", "tariff tarmac")).ok());
  REQUIRE((*w)->Add(Doc("b", "t", "tarmac")).ok());
  REQUIRE((*w)->Add(Doc("c", "t", "tariff")).ok());
  REQUIRE((*w)->Add(Doc("d", "t", "star tar")).ok());
  // Enough distinct terms under one prefix for the heap union (more than 8).
  for (int i = 0; i < 20; ++i) REQUIRE((*w)->Add(Doc("z" + std::to_string(i), "t", "zq" + std::to_string(i))).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(Ids(*idx, Query::Prefix(Field::kBody, "tar")) == std::set<std::string>{"a", "b", "c", "d"});
  CHECK(Ids(*idx, Query::Prefix(Field::kBody, "tari")) == std::set<std::string>{"a", "c"});
  CHECK(Ids(*idx, Query::Prefix(Field::kBody, "tarz")).empty());
  CHECK(Ids(*idx, Query::Prefix(Field::kTitle, "tar")).empty());
  CHECK(Ids(*idx, Query::Prefix(Field::kBody, "zq")).size() == 20);
  CHECK(Ids(*idx, Query::And({Query::Prefix(Field::kBody, "zq1"), Query::Not(Body("zq10"))})).size() == 10);
  {
    auto r = idx->Search(Query::Prefix(Field::kBody, "tar"), {.limit = 10});
    REQUIRE(r.ok());
    CHECK(r->warnings.empty());
    // "a" has two expansions (tariff, tarmac): its scores add up.
    REQUIRE(r->hits.size() == 4);
    CHECK(r->hits[0].document.id == "a");
  }
  {
    // Capped at 1: only the most frequent expansion (tariff and tarmac have 2
    // documents each; the tie goes to the first in term order).
    auto r = idx->Search(Query::Prefix(Field::kBody, "tar", 1), {.limit = 10});
    REQUIRE(r.ok());
    CHECK(r->total == 2);
    REQUIRE(r->warnings.size() == 1);
    CHECK(r->warnings[0].find("matches 3 terms") != std::string::npos);
  }
  // Deleted documents' terms drop out of the expansion.
  REQUIRE((*w)->Delete("b").ok());
  REQUIRE((*w)->Delete("d").ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(Ids(*idx, Query::Prefix(Field::kBody, "tarm")) == std::set<std::string>{"a"});
  CHECK(Ids(*idx, Query::Prefix(Field::kBody, "tar")) == std::set<std::string>{"a", "c"});
  auto r = idx->Search(Query::Prefix(Field::kBody, "tar", 2), {.limit = 10});
  REQUIRE(r.ok());
  CHECK(r->warnings.empty());  // "tar" (only in d) no longer counts
}

TEST_CASE("a batch spilled to disk commits the same index as one held in memory") {
  // A tiny memory budget makes the writer spill runs every few documents;
  // replacements and deletions hit documents already spilled.
  struct Outcome {
    std::vector<std::pair<uint32_t, double>> ranked, phrase;
    std::vector<std::string> stored;
    IndexStats stats;
  };
  std::vector<Outcome> out;
  for (size_t memory : {size_t{0}, size_t{16} << 10}) {
    TempDir dir;
    IndexOptions o;
    o.create_if_missing = true;
    o.writer_memory_bytes = memory;
    auto idx = Index::Open(dir.sub("idx"), o);
    REQUIRE(idx.ok());
    AddMixedWorkload(**idx);
    Outcome o2;
    auto r = (*idx)->Search(Query::Or({Body("word3"), Body("word50"), Query::Term(Field::kTitle, "t7")}),
                            {.limit = 2000, .load_documents = false});
    REQUIRE(r.ok());
    for (const Hit& h : r->hits) o2.ranked.emplace_back(h.doc_id, h.score);
    auto p = (*idx)->Search(Query::Phrase(Field::kBody, {"word3", "word16"}), {.limit = 2000, .load_documents = false});
    REQUIRE(p.ok());
    for (const Hit& h : p->hits) o2.phrase.emplace_back(h.doc_id, h.score);
    // Every term of the vocabulary: its matches and best hits.
    std::vector<Query> every;
    for (int k = 0; k < 97; ++k) every.push_back(Body("word" + std::to_string(k)));
    for (int k = 0; k < 11; ++k) every.push_back(Query::Term(Field::kTitle, "t" + std::to_string(k)));
    for (const Query& q : every) {
      auto t = (*idx)->Search(q, {.limit = 5, .load_documents = false});
      REQUIRE(t.ok());
      o2.ranked.emplace_back(static_cast<uint32_t>(t->total), 0.0);
      for (const Hit& h : t->hits) o2.ranked.emplace_back(h.doc_id, h.score);
    }
    for (int i : {0, 5, 299, 300, 800, 1199}) {
      auto d = (*idx)->GetDocument("d" + std::to_string(i));
      o2.stored.push_back(d.ok() ? d->title + "|" + d->body : "missing");
    }
    auto st = (*idx)->Stats();
    REQUIRE(st.ok());
    o2.stats = *st;
    out.push_back(o2);
    // Nothing temporary is left in the index directory.
    for (const auto& e : std::filesystem::directory_iterator(dir.sub("idx")))
      CHECK(e.path().filename().string().rfind("spill", 0) != 0);
  }
  REQUIRE(out[0].ranked.size() > 100);
  REQUIRE(out[0].phrase.size() > 10);
  CHECK(out[0].ranked == out[1].ranked);
  CHECK(out[0].phrase == out[1].phrase);
  CHECK(out[0].stored == out[1].stored);
  CHECK(out[0].stats.documents == out[1].stats.documents);
  CHECK(out[0].stats.terms == out[1].stats.terms);
}

TEST_CASE("spills of more than a block of stored text commit the same index as one held in memory") {
  // Long articles under a small budget: each spill holds several compressed
  // blocks of stored fields (packed on a thread of their own while the terms
  // are encoded, then written after them), and later articles replace and
  // delete spilled ones, whose stored text is read back from those blocks.
  struct Outcome {
    std::vector<std::pair<uint32_t, double>> ranked;
    std::vector<std::string> stored;
    uint64_t documents = 0;
  };
  auto body_of = [](int i) {
    std::string body;
    for (int k = 0; k < 2000; ++k) body += "word" + std::to_string((i * 31 + k * 17) % 211) + (k % 9 ? " " : ". ");
    return body;
  };
  std::vector<Outcome> out;
  for (size_t memory : {size_t{0}, size_t{256} << 10}) {
    TempDir dir;
    IndexOptions o;
    o.create_if_missing = true;
    o.tagging = false;
    o.writer_memory_bytes = memory;
    auto idx = Index::Open(dir.sub("idx"), o);
    REQUIRE(idx.ok());
    {
      auto w = (*idx)->NewWriter();
      REQUIRE(w.ok());
      for (int i = 0; i < 160; ++i) {
        REQUIRE((*w)->Add(Doc("a" + std::to_string(i % 120), "title " + std::to_string(i), body_of(i))).ok());
        if (i % 50 == 49) REQUIRE((*w)->Delete("a" + std::to_string(i / 3)).ok());
      }
      REQUIRE((*w)->Commit().ok());
    }
    Outcome o2;
    for (int k : {0, 5, 77, 210}) {
      auto r = (*idx)->Search(Body("word" + std::to_string(k)), {.limit = 200, .load_documents = false});
      REQUIRE(r.ok());
      o2.ranked.emplace_back(static_cast<uint32_t>(r->total), 0.0);
      for (const Hit& h : r->hits) o2.ranked.emplace_back(h.doc_id, h.score);
    }
    for (int i : {0, 16, 49, 41, 119}) {
      auto d = (*idx)->GetDocument("a" + std::to_string(i));
      o2.stored.push_back(d.ok() ? d->title + "|" + d->body : "missing");
    }
    auto st = (*idx)->Stats();
    REQUIRE(st.ok());
    o2.documents = st->documents;
    out.push_back(o2);
  }
  REQUIRE(out[0].ranked.size() > 100);
  CHECK(out[0].stored[1] == "title 136|" + body_of(136));  // deleted at i = 49, added again at 136
  CHECK(out[0].stored[2] == "missing");                    // deleted at i = 149
  CHECK(out[0].stored[3] == "title 41|" + body_of(41));
  CHECK(out[0].ranked == out[1].ranked);
  CHECK(out[0].stored == out[1].stored);
  CHECK(out[0].documents == out[1].documents);
}

TEST_CASE(
    "a new index's postings, appended in one commit, equal those added to a dictionary and those merged from spills") {
  // Thousands of distinct terms: the first commit of a new index appends
  // every term without a look-up; a commit into an index that has terms
  // reads each term's record and last block and extends them; a spilled
  // batch merges its runs. All three builds must leave the same dictionary,
  // postings and positions.
  auto add_all = [](Writer& w, int from, int to) {
    for (int i = from; i < to; ++i) {
      std::string body;
      uint32_t x = static_cast<uint32_t>(i) * 2654435761u + 1;
      for (int k = 0; k < 30 + i % 50; ++k) {
        x = x * 1103515245u + 12345u;
        body += "w" + std::to_string((x >> 8) % (k % 3 == 0 ? 40 : 7000)) + (k % 9 == 8 ? ". " : " ");
      }
      REQUIRE(w.Add(Doc("d" + std::to_string(i), "t" + std::to_string(i % 13), body)).ok());
    }
  };
  constexpr int kDocs = 2500;
  std::vector<std::map<std::string, std::string>> tables;  // per build: table byte + key -> value
  for (int build = 0; build < 3; ++build) {
    TempDir dir;
    {
      IndexOptions o;
      o.create_if_missing = true;
      if (build == 2) o.writer_memory_bytes = size_t{64} << 10;  // spilled runs, merged at the commit
      auto idx = Index::Open(dir.sub("idx"), o);
      REQUIRE(idx.ok());
      auto w = (*idx)->NewWriter();
      REQUIRE(w.ok());
      if (build == 1) {  // one document first: the rest goes into a dictionary that has terms
        add_all(**w, 0, 1);
        REQUIRE((*w)->Commit().ok());
        add_all(**w, 1, kDocs);
      } else {
        add_all(**w, 0, kDocs);
      }
      REQUIRE((*w)->Commit().ok());
    }
    auto env = storage::Env::Open(dir.sub("idx"), uint64_t{1} << 20, true, false);
    REQUIRE(env.ok());
    auto txn = storage::Txn::Begin(env->get(), false);
    REQUIRE(txn.ok());
    std::map<std::string, std::string> all;
    for (storage::Db db : {storage::Db::kTerms, storage::Db::kPostings, storage::Db::kPositions}) {
      auto c = storage::Cursor::Open(**txn, db);
      REQUIRE(c.ok());
      for (bool ok = (*c)->First(); ok; ok = (*c)->Next())
        all[std::string(1, static_cast<char>(db)) + std::string((*c)->key())] = std::string((*c)->value());
      REQUIRE((*c)->status().ok());
    }
    tables.push_back(std::move(all));
  }
  REQUIRE(tables[0].size() > 3 * 4096);
  CHECK(tables[0] == tables[1]);
  CHECK(tables[0] == tables[2]);
}

TEST_CASE("the map can be grown ahead of a large commit") {
  TempDir dir;
  std::filesystem::create_directories(dir.sub("env"));
  auto env = storage::Env::Open(dir.sub("env"), 1 << 20, false, true);
  REQUIRE(env.ok());
  uint64_t before = (*env)->map_size();
  REQUIRE((*env)->Reserve(100).ok());  // fits already
  CHECK((*env)->map_size() == before);
  REQUIRE((*env)->Reserve(uint64_t{40} << 20).ok());
  CHECK((*env)->map_size() >= (uint64_t{40} << 20));
  // The room is usable: a 30 MiB transaction commits without MDB_MAP_FULL.
  auto txn = storage::Txn::Begin(env->get(), true);
  REQUIRE(txn.ok());
  std::string value(1 << 20, 'x');
  for (int i = 0; i < 30; ++i)
    REQUIRE((*txn)->Put(storage::Db::kDocs, format::DocKey(static_cast<uint32_t>(i + 1)), value, true).ok());
  REQUIRE((*txn)->Commit().ok());
}

// The resident kilobytes of this process's mappings of `file` (/proc/self/smaps).
static long MappedKb(const std::string& file) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in = false;
  long kb = 0;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < line.find(' ')) {
      in = line.size() >= file.size() && line.compare(line.size() - file.size(), file.size(), file) == 0;
    } else if (in && line.rfind("Rss:", 0) == 0) {
      kb += std::stol(line.substr(4));
    }
  }
  return kb;
}

TEST_CASE("the pages a large commit mapped are released, and what is read through them is unchanged") {
  TempDir dir;
  std::filesystem::create_directories(dir.sub("env"));
  auto env = storage::Env::Open(dir.sub("env"), uint64_t{64} << 20, false, true);
  REQUIRE(env.ok());
  {
    auto txn = storage::Txn::Begin(env->get(), true);
    REQUIRE(txn.ok());
    for (uint32_t i = 0; i < 8; ++i) {
      std::string value(1 << 20, static_cast<char>('a' + i));
      REQUIRE((*txn)->Put(storage::Db::kDocs, format::DocKey(i + 1), value, true).ok());
    }
    REQUIRE((*txn)->Commit().ok());
  }
  auto reader = storage::Txn::Begin(env->get(), false);
  REQUIRE(reader.ok());
  std::vector<std::string_view> values;
  for (uint32_t i = 0; i < 8; ++i) {
    std::string_view v;
    REQUIRE((*reader)->Get(storage::Db::kDocs, format::DocKey(i + 1), &v).ok());
    REQUIRE(v.size() == (1u << 20));
    values.push_back(v);
    CHECK(std::count(v.begin(), v.end(), static_cast<char>('a' + i)) == (1 << 20));  // maps every page
  }
  const std::string file = dir.sub("env") + "/data.mdb";
  long before = MappedKb(file);
  CHECK(before >= 8 * 1024);
  // Under the budget nothing is let go; over it (a budget of 0), everything.
  (*env)->ReleaseMappedPagesAbove(uint64_t{1} << 40);
  CHECK(MappedKb(file) == before);
  (*env)->ReleaseMappedPagesAbove(0);
  CHECK(MappedKb(file) < before / 4);
  for (uint32_t i = 0; i < 8; ++i)
    CHECK(std::count(values[i].begin(), values[i].end(), static_cast<char>('a' + i)) == (1 << 20));
  before = MappedKb(file);
  CHECK(before >= 8 * 1024);
  (*env)->ReleaseMappedPages();
  long after = MappedKb(file);
  CHECK(after < before / 4);
  // The open transaction's views read the same bytes, mapped again.
  for (uint32_t i = 0; i < 8; ++i)
    CHECK(std::count(values[i].begin(), values[i].end(), static_cast<char>('a' + i)) == (1 << 20));
  CHECK(MappedKb(file) >= 8 * 1024);
}

TEST_CASE("a boost multiplies scores and changes no match") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  for (int i = 0; i < 300; ++i)
    REQUIRE((*w)->Add(Doc("d" + std::to_string(i), "t", i % 3 ? "alpha beta" : "alpha gamma gamma")).ok());
  REQUIRE((*w)->Commit().ok());
  auto plain = idx->Search(Body("gamma"), {.limit = 5, .load_documents = false});
  auto boosted = idx->Search(Query::Boost(Body("gamma"), 2.5), {.limit = 5, .load_documents = false});
  REQUIRE((plain.ok() && boosted.ok()));
  REQUIRE(plain->hits.size() == 5);
  CHECK(boosted->total == plain->total);
  for (size_t i = 0; i < 5; ++i) {
    CHECK(boosted->hits[i].doc_id == plain->hits[i].doc_id);
    CHECK(boosted->hits[i].score == Approx(2.5 * plain->hits[i].score));
  }
  // A boost reorders an OR: boosting beta puts its documents first.
  auto either = idx->Search(Query::Or({Body("gamma"), Query::Boost(Body("beta"), 50)}), {.limit = 1});
  REQUIRE(either.ok());
  REQUIRE(either->hits.size() == 1);
  CHECK(either->hits[0].document.body == "alpha beta");
  auto count = idx->Search(Query::Boost(Body("alpha"), 2), {.limit = 0});
  REQUIRE(count.ok());
  CHECK(count->total == 300);
}

TEST_CASE("sloppy phrases allow words in between, in order") {
  TempDir dir;
  auto idx = OpenNew(dir);
  test::AddAndCommit(*idx, {Doc("exact", "t", "trade talks resume"), Doc("one", "t", "trade and talks"),
                            Doc("three", "t", "trade was, as always, talks"), Doc("reversed", "t", "talks on trade")});
  auto sloppy = [&](uint32_t slop) {
    return Ids(*idx, Query::SloppyPhrase(Field::kBody, {"trade", "talk"}, {0, 1}, slop));  // analyzed terms
  };
  CHECK(sloppy(0) == std::set<std::string>{"exact"});
  CHECK(sloppy(1) == std::set<std::string>{"exact", "one"});
  CHECK(sloppy(2) == std::set<std::string>{"exact", "one"});
  CHECK(sloppy(3) == std::set<std::string>{"exact", "one", "three"});
  CHECK(sloppy(50) == std::set<std::string>{"exact", "one", "three"});  // never out of order
  // Three terms: the slop is shared by all the gaps.
  CHECK(Ids(*idx, Query::SloppyPhrase(Field::kBody, {"trade", "talk", "resum"}, {0, 1, 2}, 0)) ==
        std::set<std::string>{"exact"});
}

TEST_CASE("NEAR/n and ADJ/n: two words within n positions, ADJ in order") {
  TempDir dir;
  auto idx = OpenNew(dir);
  test::AddAndCommit(*idx,
                     {Doc("adjacent", "t", "tariffs soybeans"), Doc("two", "t", "tariffs on soybeans"),
                      Doc("reversed", "t", "soybeans face tariffs"), Doc("far", "t", "tariffs a b c d e f soybeans")});
  test::QueryCompiler compile;
  auto ids = [&](const char* text) { return Ids(*idx, compile(text)); };
  CHECK(ids("tariffs NEAR/1 soybeans") == std::set<std::string>{"adjacent"});
  CHECK(ids("tariffs NEAR/2 soybeans") == std::set<std::string>{"adjacent", "two", "reversed"});
  CHECK(ids("tariffs ADJ/2 soybeans") == std::set<std::string>{"adjacent", "two"});
  CHECK(ids("soybeans ADJ/2 tariffs") == std::set<std::string>{"reversed"});
  CHECK(ids("tariffs NEAR/7 soybeans") == std::set<std::string>{"adjacent", "two", "reversed", "far"});
  CHECK(ids("tariffs NEAR/6 soybeans") == std::set<std::string>{"adjacent", "two", "reversed"});
}

TEST_CASE("hits sorted by date, oldest or newest first, undated last, pages consistent") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  for (int i = 0; i < 40; ++i) {
    std::optional<Days> date;
    if (i % 5 != 0) date = Days{20000 + (i * 17) % 31};  // repeats, so ties by doc id
    REQUIRE((*w)->Add(Doc("d" + std::to_string(i), "t", i % 2 ? "x x x y" : "x", date)).ok());
  }
  REQUIRE((*w)->Commit().ok());
  for (SortOrder order : {SortOrder::kDateAscending, SortOrder::kDateDescending}) {
    auto all = idx->Search(Body("x"), {.limit = 100, .sort = order});
    REQUIRE(all.ok());
    REQUIRE(all->hits.size() == 40);
    for (size_t i = 1; i < all->hits.size(); ++i) {
      const auto& a = all->hits[i - 1].document;
      const auto& b = all->hits[i].document;
      INFO("position " << i);
      if (!a.date) {
        CHECK_FALSE(b.date);  // undated last
      } else if (b.date) {
        CHECK((order == SortOrder::kDateAscending ? *a.date <= *b.date : *a.date >= *b.date));
        if (*a.date == *b.date) CHECK(all->hits[i - 1].doc_id < all->hits[i].doc_id);
      }
      CHECK(all->hits[i].score > 0);  // hits keep their scores
    }
    for (size_t off : {0, 7, 33}) {
      auto page = idx->Search(Body("x"), {.limit = 5, .offset = off, .exact_total = false, .sort = order});
      REQUIRE(page.ok());
      for (size_t i = 0; i < page->hits.size(); ++i) CHECK(page->hits[i].doc_id == all->hits[off + i].doc_id);
    }
  }
}

TEST_CASE("looking up an empty or over-long id is an argument error or not found, never a storage error") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto empty = idx->GetDocument("");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == StatusCode::kInvalidArgument);
  auto q = Body("word");
  auto explain = idx->Explain(q, "");
  REQUIRE_FALSE(explain.ok());
  CHECK(explain.status().code() == StatusCode::kInvalidArgument);
  auto long_id = idx->GetDocument(std::string(600, 'x'));  // over LMDB's 511-byte key limit
  REQUIRE_FALSE(long_id.ok());
  CHECK(long_id.status().IsNotFound());
}

TEST_CASE("a new index is created only in a new or empty directory") {
  TempDir dir;
  const std::string home = dir.sub("home");
  std::filesystem::create_directories(home + "/docs");
  auto other = Index::Open(home, {.create_if_missing = true});
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().code() == StatusCode::kInvalidArgument);
  CHECK(other.status().message().find("holds other files (docs, ...) and no index") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(home + "/data.mdb"));
  // What a first run stopped at its start leaves counts as empty.
  const std::string stopped = dir.sub("stopped");
  std::filesystem::create_directories(stopped);
  { std::ofstream(stopped + "/lock.mdb") << ""; }
  CHECK(Index::Open(stopped, {.create_if_missing = true}).ok());
  std::filesystem::create_directories(dir.sub("empty"));
  CHECK(Index::Open(dir.sub("empty"), {.create_if_missing = true}).ok());
}

TEST_CASE("each commit records the stemming languages in the analysis metadata, keeping other members") {
  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  auto w = (*index)->NewWriter();
  REQUIRE(w.ok());
  // Another member of the record, set by someone else, is kept.
  REQUIRE((*w)->SetMetadata(kAnalysisMetadataKey, R"({"languages":["danish"],"synonyms":{"us":"usa"}})").ok());
  Document fr;
  fr.id = "fr";
  fr.language = "fr-CA";
  fr.body = "Les n\xC3\xA9gociations reprennent.";
  Document en;
  en.id = "en";
  en.body = "The negotiations resume on Monday, officials said, and they will go on for a week.";
  REQUIRE((*w)->Add(fr).ok());
  REQUIRE((*w)->Add(en).ok());
  REQUIRE((*w)->Commit().ok());
  auto record = (*index)->GetMetadata(kAnalysisMetadataKey);
  REQUIRE(record.ok());
  auto j = nlohmann::json::parse(*record);
  CHECK(j["languages"] == nlohmann::json::array({"danish", "english", "french"}));
  CHECK(j["synonyms"]["us"] == "usa");
  CHECK(j["fold_diacritics"] == false);
  auto analysis = ReadIndexAnalysis(**index);
  REQUIRE(analysis.ok());
  CHECK(analysis->languages == std::vector<std::string>{"danish", "english", "french"});
  // The French article's words are French stems; replacing it retires them
  // (its statistics are computed with the same stemmer).
  auto df = [&](const std::string& term) {
    auto e = (*index)->Expansions(Query::Fuzzy(Field::kBody, term, 0));
    REQUIRE(e.ok());
    return e->empty() ? uint64_t{0} : (*e)[0].second;
  };
  CHECK(df("n\xC3\xA9goci") == 1);
  CHECK(df("negoti") == 1);
  fr.body = "Rien.";
  REQUIRE((*w)->Add(fr).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(df("n\xC3\xA9goci") == 0);
}

TEST_CASE("an index without the analysis record was stemmed in English") {
  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    REQUIRE((*w)->Commit().ok());  // no documents: no record
  }
  CHECK((*index)->GetMetadata(kAnalysisMetadataKey).status().IsNotFound());
  auto analysis = ReadIndexAnalysis(**index);
  REQUIRE(analysis.ok());
  CHECK(analysis->languages == std::vector<std::string>{"english"});
  CHECK_FALSE(analysis->fold_diacritics);
}

TEST_CASE("an index whose documents predate the analysis record keeps English among its languages") {
  test::TempDir dir;
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  auto w = (*index)->NewWriter();
  REQUIRE(w.ok());
  Document en;
  en.id = "en";
  en.body = "The negotiations resume on Monday, officials said, and they will go on for a week.";
  REQUIRE((*w)->Add(en).ok());
  REQUIRE((*w)->Commit().ok());
  // As if written before the record existed.
  REQUIRE((*w)->SetMetadata(kAnalysisMetadataKey, "").ok());
  REQUIRE((*w)->Commit().ok());
  REQUIRE((*index)->GetMetadata(kAnalysisMetadataKey).status().IsNotFound());
  Document fr;
  fr.id = "fr";
  fr.language = "fr";
  fr.body = "Les n\xC3\xA9gociations reprennent.";
  REQUIRE((*w)->Add(fr).ok());
  REQUIRE((*w)->Commit().ok());
  auto analysis = ReadIndexAnalysis(**index);
  REQUIRE(analysis.ok());
  CHECK(analysis->languages == std::vector<std::string>{"english", "french"});
}

TEST_CASE("the term dictionary: one term's documents, and the terms of a prefix in order") {
  TempDir dir;
  auto idx = OpenNew(dir);
  auto w = idx->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->Add(Doc("a", "Tariffs rise", "tariff talks. Tariffs again", {}, {"Scott Bessent"})).ok());
  REQUIRE((*w)->Add(Doc("b", "Talks", "tariff and talk and tally")).ok());
  REQUIRE((*w)->Add(Doc("c", "Other", "nothing here")).ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(idx->DocFreq(Field::kBody, "tariff").value() == 2);  // as indexed: stemmed
  CHECK(idx->DocFreq(Field::kBody, "tariffs").value() == 0);
  CHECK(idx->DocFreq(Field::kTitle, "tariff").value() == 1);
  CHECK(idx->DocFreq(Field::kActor, "bessent").value() == 1);
  CHECK(idx->DocFreq(Field::kBody, "").value() == 0);
  CHECK(idx->DocFreq(Field::kBody, "\x01s").value() == 0);  // a reserved term is no word

  std::vector<std::pair<std::string, uint64_t>> seen;
  auto collect = [&](std::string_view t, uint64_t n) {
    seen.emplace_back(std::string(t), n);
    return true;
  };
  REQUIRE(idx->ScanTerms(Field::kBody, "ta", collect).ok());
  CHECK(seen == std::vector<std::pair<std::string, uint64_t>>{{"talk", 2}, {"talli", 1}, {"tariff", 2}});
  // Stops when told; a prefix of nothing visits nothing.
  seen.clear();
  REQUIRE(idx->ScanTerms(Field::kBody, "ta",
                         [&](std::string_view t, uint64_t n) {
                           collect(t, n);
                           return false;
                         })
              .ok());
  CHECK(seen.size() == 1);
  seen.clear();
  REQUIRE(idx->ScanTerms(Field::kBody, "zz", collect).ok());
  CHECK(seen.empty());
  // The same as the expansions of a prefix query.
  auto exp = idx->Expansions(Query::Prefix(Field::kActor, "b"));
  REQUIRE(exp.ok());
  seen.clear();
  REQUIRE(idx->ScanTerms(Field::kActor, "b", collect).ok());
  CHECK(std::set(seen.begin(), seen.end()) == std::set(exp->begin(), exp->end()));
  // Deleted: no longer counted, no longer listed.
  REQUIRE((*w)->Delete("b").ok());
  REQUIRE((*w)->Commit().ok());
  CHECK(idx->DocFreq(Field::kBody, "tariff").value() == 1);
  seen.clear();
  REQUIRE(idx->ScanTerms(Field::kBody, "tal", collect).ok());
  CHECK(seen == std::vector<std::pair<std::string, uint64_t>>{{"talk", 1}});
}
