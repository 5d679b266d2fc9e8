// Checksums on stored values and Index::Check: damage written straight into
// the LMDB file is found, named and never crashes a search.
#include <lmdb.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "index/format.h"
#include "loupe/index.h"
#include "storage/lmdb.h"
#include "support/index_util.h"
#include "support/test_util.h"
#include "util/calendar.h"
#include "util/crc32c.h"

using namespace loupe;
using loupe::test::AddAndCommit;
using loupe::test::CreateIndex;
using loupe::test::TempDir;

namespace {

void Build(const std::string& path, int n) {
  auto idx = Index::Open(path, {.create_if_missing = true});
  REQUIRE(idx.ok());
  auto w = (*idx)->NewWriter();
  REQUIRE(w.ok());
  for (int i = 0; i < n; ++i) {
    Document d;
    d.id = "doc" + std::to_string(i);
    d.title = "Title " + std::to_string(i);
    d.body = "tariffs and trade talks, round " + std::to_string(i % 7) + " of many rounds of talks";
    d.actors = {"Scott Bessent"};
    d.date = DaysFromCivil(2025, 1, 1) + i;
    REQUIRE((*w)->Add(d).ok());
  }
  REQUIRE((*w)->Commit().ok());
  REQUIRE((*w)->Delete("doc3").ok());
  REQUIRE((*w)->Commit().ok());
}

// Applies `fn` to the raw value of `key` in `table` (checksum included), in a
// write transaction straight on the LMDB file.
template <typename Fn>
void Tamper(const std::string& path, const char* table, std::string_view key, Fn&& fn) {
  MDB_env* env;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 16);
  mdb_env_set_mapsize(env, size_t{1} << 30);
  REQUIRE(mdb_env_open(env, path.c_str(), 0, 0644) == 0);
  MDB_txn* txn;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi;
  REQUIRE(mdb_dbi_open(txn, table, 0, &dbi) == 0);
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
  REQUIRE(mdb_get(txn, dbi, &k, &v) == 0);
  std::string value(static_cast<const char*>(v.mv_data), v.mv_size);
  bool keep = fn(&value);
  if (keep) {
    MDB_val nv{value.size(), value.data()};
    REQUIRE(mdb_put(txn, dbi, &k, &nv, 0) == 0);
  } else {
    REQUIRE(mdb_del(txn, dbi, &k, nullptr) == 0);
  }
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

// Rewrites a value's payload and gives it a valid checksum (a consistent-looking lie).
void Reseal(std::string* value, std::string_view key, const std::string& payload) {
  uint32_t crc = Crc32c(Crc32c(0, key), payload);
  *value = payload;
  value->append(reinterpret_cast<const char*>(&crc), 4);
}

CheckReport Check(const std::string& path) {
  auto idx = Index::Open(path, {.read_only = true});
  REQUIRE(idx.ok());
  auto r = (*idx)->Check();
  REQUIRE(r.ok());
  return *r;
}

bool Mentions(const CheckReport& r, const std::string& what) {
  for (const std::string& p : r.problems)
    if (p.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a sound index checks clean, with what was read") {
  TempDir dir;
  Build(dir.sub("idx"), 300);
  CheckReport r = Check(dir.sub("idx"));
  INFO((r.problems.empty() ? "" : r.problems[0]));
  CHECK(r.ok());
  CHECK(r.documents == 299);
  CHECK(r.terms > 10);
  CHECK(r.postings > 299 * 5);
  CHECK(r.values > r.terms);
}

TEST_CASE("a flipped byte in a stored value is a checksum error, in search and in check") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  Build(path, 300);
  std::string first_block = format::DocKey(1);
  Tamper(path, "docs", first_block, [](std::string* v) {
    (*v)[v->size() / 2] ^= 0x10;
    return true;
  });
  CheckReport r = Check(path);
  CHECK_FALSE(r.ok());
  CHECK(Mentions(r, "checksum mismatch in table 'docs'"));
  auto idx = Index::Open(path, {.read_only = true});
  REQUIRE(idx.ok());
  auto s = (*idx)->Search(Query::Term(Field::kBody, "tariff"), {.limit = 300});
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == StatusCode::kCorruption);
  CHECK(s.status().message().find("checksum mismatch") != std::string::npos);
  // Searches that do not read stored fields are not affected.
  auto count = (*idx)->Search(Query::Term(Field::kBody, "tariff"), {.limit = 0});
  REQUIRE(count.ok());
  CHECK(count->total == 299);
}

TEST_CASE("every byte of a value is covered: a flip anywhere is caught") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  Build(path, 50);
  std::string key = format::TermKey(Field::kBody, "tariff");
  size_t size = 0;
  Tamper(path, "terms", key, [&](std::string* v) {
    size = v->size();
    return true;
  });
  for (size_t at = 0; at < size; ++at) {
    Tamper(path, "terms", key, [&](std::string* v) {
      (*v)[at] ^= 1;
      return true;
    });
    auto idx = Index::Open(path, {.read_only = true});
    REQUIRE(idx.ok());
    auto s = (*idx)->Search(Query::Term(Field::kBody, "tariff"));
    CHECK_FALSE(s.ok());
    idx->reset();
    Tamper(path, "terms", key, [&](std::string* v) {
      (*v)[at] ^= 1;
      return true;
    });
  }
  CHECK(Check(path).ok());
}

TEST_CASE("cross-checks: statistics, ids, document values and positions that disagree") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  Build(path, 200);
  SECTION("a term's document count") {
    std::string key = format::TermKey(Field::kBody, "tariff");
    Tamper(path, "terms", key, [&](std::string* v) {
      format::TermInfo info;
      REQUIRE(format::DecodeTermInfo(std::string_view(*v).substr(0, v->size() - 4), &info));
      info.df += 1;
      Reseal(v, key, format::EncodeTermInfo(info));
      return true;
    });
    CheckReport r = Check(path);
    CHECK(Mentions(r, "body:tariff: the dictionary says 200 documents"));
  }
  SECTION("the live count in the index state") {
    Tamper(path, "meta", format::kMetaStateKey, [&](std::string* v) {
      format::IndexState st;
      REQUIRE(format::DecodeIndexState(std::string_view(*v).substr(0, v->size() - 4), &st));
      st.live_docs += 5;
      Reseal(v, format::kMetaStateKey, format::EncodeIndexState(st));
      return true;
    });
    CHECK(Mentions(Check(path), "the index state counts 204 live documents but 199 have document values"));
  }
  SECTION("an id that points nowhere, and a live document without an id") {
    Tamper(path, "ids", "doc10", [](std::string*) { return false; });
    CHECK(Mentions(Check(path), "199 live documents but 198 ids point at them"));
  }
  SECTION("a missing positions block") {
    std::string key = format::BlockKey(Field::kBody, "tariff", 1);
    Tamper(path, "positions", key, [](std::string*) { return false; });
    CheckReport r = Check(path);
    CHECK(Mentions(r, "positions block of body:tariff"));
  }
}

TEST_CASE("an index whose creation stopped before its first commit says so, and is created by the next writer") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  std::filesystem::create_directories(path);
  SECTION("an empty data file (the first write failed)") { std::ofstream(path + "/data.mdb").flush(); }
  SECTION("an LMDB environment without tables (stopped before the tables' commit)") {
    MDB_env* env;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_open(env, path.c_str(), 0, 0644) == 0);
    mdb_env_close(env);
  }
  SECTION("the tables and the meta records, but no writer's commit (stopped right after the open)") {
    auto created = Index::Open(path, {.create_if_missing = true});
    REQUIRE(created.ok());
    auto stats = (*created)->Stats();
    REQUIRE(stats.ok());
    CHECK(stats->generation == 0);
  }
  // LMDB writes a new file's meta pages and its first commit's data with no
  // sync between them: a power cut can keep any of these writes and lose the
  // others (tests/faults/powerloss.py builds such files from real runs).
  SECTION("a power cut before the first sync kept data pages but not the meta pages") {
    std::ofstream f(path + "/data.mdb", std::ios::binary);
    f << std::string(8192, '\0') << std::string(4096, '\xab');
  }
  SECTION("a power cut before the first sync kept one meta page and not the other") {
    MDB_env* env;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_open(env, path.c_str(), 0, 0644) == 0);
    mdb_env_close(env);
    std::fstream f(path + "/data.mdb", std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(4096);
    f << std::string(4096, '\0');
  }
  auto ro = Index::Open(path, {.read_only = true});
  REQUIRE_FALSE(ro.ok());
  CHECK(ro.status().code() == StatusCode::kNotFound);
  CHECK(ro.status().message().find("was never completely created") != std::string::npos);
  auto idx = CreateIndex(path);
  Document d;
  d.id = "a";
  d.body = "tariffs";
  AddAndCommit(*idx, {d});
  auto check = idx->Check();
  REQUIRE(check.ok());
  CHECK(check->ok());
  CHECK(check->documents == 1);
}

TEST_CASE("a committed index with a meta page zeroed is damage, not a creation cut short") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  Document d;
  d.id = "a";
  d.body = "tariffs";
  AddAndCommit(*CreateIndex(path), {d});
  {
    std::fstream f(path + "/data.mdb", std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(4096);
    f << std::string(4096, '\0');
  }
  auto ro = Index::Open(path, {.read_only = true});
  REQUIRE_FALSE(ro.ok());
  CHECK(ro.status().code() != StatusCode::kNotFound);
  CHECK(ro.status().message().find("never completely created") == std::string::npos);
  auto rw = Index::Open(path, {.create_if_missing = true});
  CHECK_FALSE(rw.ok());
}

TEST_CASE("a first commit with nothing in it still creates the index, empty") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  AddAndCommit(*CreateIndex(path), {});
  auto ro = Index::Open(path, {.read_only = true});
  REQUIRE(ro.ok());
  auto stats = (*ro)->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->documents == 0);
  CHECK(stats->generation == 1);
  auto check = (*ro)->Check();
  REQUIRE(check.ok());
  CHECK(check->ok());
}

TEST_CASE("a compaction that fails leaves no compaction folder behind") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  Build(path, 200);
  Tamper(path, "docs", format::DocKey(1), [](std::string* v) {
    (*v)[v->size() / 2] ^= 0x40;
    return true;
  });
  auto r = CompactIndex(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kCorruption);
  CHECK_FALSE(std::filesystem::exists(path + ".compacting"));
  auto idx = Index::Open(path, {.read_only = true});
  CHECK(idx.ok());
}

TEST_CASE("another program's LMDB files are never turned into an index") {
  TempDir dir;
  const std::string path = dir.sub("other");
  std::filesystem::create_directories(path);
  MDB_env* env;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 4);
  REQUIRE(mdb_env_open(env, path.c_str(), 0, 0644) == 0);
  MDB_txn* txn;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi;
  REQUIRE(mdb_dbi_open(txn, "theirs", MDB_CREATE, &dbi) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
  auto idx = Index::Open(path, {.create_if_missing = true});
  REQUIRE_FALSE(idx.ok());
  CHECK(idx.status().code() == StatusCode::kCorruption);
  CHECK(idx.status().message().find("is not a Loupe index") != std::string::npos);
}

TEST_CASE("a damaged format version record is damage, not another version") {
  TempDir dir;
  const std::string path = dir.sub("idx");
  Build(path, 5);
  Tamper(path, "meta", format::kMetaFormatKey, [](std::string* v) {
    (*v)[0] ^= 1;  // another version, with the old checksum
    return true;
  });
  auto idx = Index::Open(path, {.read_only = true});
  REQUIRE_FALSE(idx.ok());
  CHECK(idx.status().code() == StatusCode::kCorruption);
  CHECK(idx.status().message().find("format version record") != std::string::npos);
}
