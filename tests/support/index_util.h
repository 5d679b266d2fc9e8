// Helpers shared by the tests that build an index and search it.
#ifndef LOUPE_TESTS_INDEX_UTIL_H_
#define LOUPE_TESTS_INDEX_UTIL_H_

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "loupe/analyzer.h"
#include "loupe/index.h"
#include "loupe/query_parser.h"
#include "support/test_util.h"

namespace loupe::test {

// A document with an id, a title and a body, and nothing else.
inline Document MakeDoc(std::string id, std::string title, std::string body) {
  Document d;
  d.id = std::move(id);
  d.title = std::move(title);
  d.body = std::move(body);
  return d;
}

// The index at `path`, created when missing.
inline std::unique_ptr<Index> CreateIndex(const std::string& path) {
  auto index = Index::Open(path, {.create_if_missing = true});
  REQUIRE(index.ok());
  return std::move(*index);
}

// Adds `docs` to `index` with a new writer, in one commit (an empty commit
// when there are none); the writer is closed on return.
inline void AddAndCommit(Index& index, const std::vector<Document>& docs) {
  auto w = index.NewWriter();
  REQUIRE(w.ok());
  for (const Document& d : docs) REQUIRE((*w)->Add(d).ok());
  REQUIRE((*w)->Commit().ok());
}

// A new index in `dir`/idx holding `docs`, added in one commit (none when empty).
inline std::unique_ptr<Index> NewIndex(const TempDir& dir, const std::vector<Document>& docs = {}) {
  auto index = CreateIndex(dir.sub("idx"));
  if (!docs.empty()) AddAndCommit(*index, docs);
  return index;
}

// The ids of the documents `q` finds (at most `limit`); every one of them when
// fewer than `limit` match.
inline std::set<std::string> HitIds(const Index& index, const Query& q, size_t limit = 100000) {
  auto r = index.Search(q, {.limit = limit});
  REQUIRE(r.ok());
  std::set<std::string> out;
  for (const Hit& h : r->hits) out.insert(h.document.id);
  if (r->total <= limit) CHECK(r->total == out.size());
  return out;
}

// Compiles query text with one default analyzer; a text that does not compile
// fails the test.
class QueryCompiler {
 public:
  QueryCompiler() {
    auto analyzer = Analyzer::Create();
    REQUIRE(analyzer.ok());
    analyzer_ = std::move(*analyzer);
  }
  Query operator()(const std::string& text) const {
    auto q = CompileQuery(text, *analyzer_);
    INFO(text);
    REQUIRE(q.ok());
    return std::move(*q);
  }

 private:
  std::unique_ptr<Analyzer> analyzer_;
};

}  // namespace loupe::test

#endif  // LOUPE_TESTS_INDEX_UTIL_H_
