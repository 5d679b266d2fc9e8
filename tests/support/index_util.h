// Helpers shared by the tests that build an index and search it.
#ifndef LOUPE_TESTS_INDEX_UTIL_H_
#define LOUPE_TESTS_INDEX_UTIL_H_

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "loupe/index.h"
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

// A new index in `dir`/idx holding `docs`, added in one commit (none when empty).
inline std::unique_ptr<Index> NewIndex(const TempDir& dir, const std::vector<Document>& docs = {}) {
  auto index = Index::Open(dir.sub("idx"), {.create_if_missing = true});
  REQUIRE(index.ok());
  if (!docs.empty()) {
    auto w = (*index)->NewWriter();
    REQUIRE(w.ok());
    for (const Document& d : docs) REQUIRE((*w)->Add(d).ok());
    REQUIRE((*w)->Commit().ok());
  }
  return std::move(*index);
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

}  // namespace loupe::test

#endif  // LOUPE_TESTS_INDEX_UTIL_H_
