// bench_fts5: indexes and queries a corpus with SQLite FTS5, for tools/bench/run.sh.
//
// Table: fts5(title, body, author, actor, topic, date UNINDEXED, id UNINDEXED)
// with the porter tokenizer over unicode61 (English stemming, diacritics
// folded) and full detail (positions, for phrases). FTS5 stems every column;
// Loupe leaves actor and author unstemmed (a small difference for names).
// Multi-valued actors/topics are joined with " ; " (phrases could span two
// values where Loupe's cannot; the generated queries have no such phrases).
// Ranking: bm25 with column weights 2 (title) and 1, through the `rank` option,
// which lets FTS5 sort internally for ORDER BY rank LIMIT 10.
// Bulk load, as SQLite documents it: one transaction, journal_mode=OFF,
// synchronous=OFF, a large page cache; then 'optimize' merges the b-trees
// (included in the index time). Dates are days since 1970 in an UNINDEXED
// column, filtered in SQL after the MATCH.
//
// A query is timed from prepare to finalize of its statement.
#include <sqlite3.h>

#include <iostream>
#include <stdexcept>

#include "driver_common.h"

namespace {

using loupe::QueryNode;

void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

void Exec(sqlite3* db, const char* sql) { Check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }

std::string Quote(const std::vector<std::string>& words) {
  std::string s = "\"";
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) s += ' ';
    for (char c : words[i]) s += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return s + "\"";
}

class Fts5Prepared final : public bench::Prepared {
 public:
  Fts5Prepared(sqlite3* db, std::string match, bool dated, int32_t lo, int32_t hi)
      : db_(db), match_(std::move(match)), dated_(dated), lo_(lo), hi_(hi) {}
  uint64_t Run(bool top10) override {
    std::string sql = top10 ? "SELECT rowid FROM docs WHERE docs MATCH ?1" : "SELECT count(*) FROM docs WHERE docs MATCH ?1";
    if (dated_) sql += " AND date BETWEEN ?2 AND ?3";
    if (top10) sql += " ORDER BY rank LIMIT 10";
    sqlite3_stmt* st = nullptr;
    Check(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), db_, "prepare");
    sqlite3_bind_text(st, 1, match_.c_str(), -1, SQLITE_TRANSIENT);
    if (dated_) {
      sqlite3_bind_int(st, 2, lo_);
      sqlite3_bind_int(st, 3, hi_);
    }
    uint64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) n += top10 ? 1 : static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    Check(rc, db_, match_.c_str());
    return n;
  }

 private:
  sqlite3* db_;
  std::string match_;
  bool dated_;
  int32_t lo_, hi_;
};

class Fts5Engine final : public bench::Engine {
 public:
  ~Fts5Engine() override {
    if (ins_) sqlite3_finalize(ins_);
    if (db_) sqlite3_close(db_);
  }
  void Create(const std::string& path) override {
    std::remove(path.c_str());
    Check(sqlite3_open(path.c_str(), &db_), db_, "open");
    Exec(db_, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
    Exec(db_,
         "CREATE VIRTUAL TABLE docs USING fts5(title, body, author, actor, topic, date UNINDEXED, id UNINDEXED,"
         " tokenize='porter unicode61 remove_diacritics 2', detail=full)");
    Exec(db_, "INSERT INTO docs(docs, rank) VALUES('rank', 'bm25(2.0, 1.0, 1.0, 1.0, 1.0)')");
    Exec(db_, "BEGIN");
    Check(sqlite3_prepare_v2(db_, "INSERT INTO docs(title, body, author, actor, topic, date, id) VALUES(?,?,?,?,?,?,?)",
                             -1, &ins_, nullptr),
          db_, "prepare insert");
  }
  void Add(const loupe::Document& d) override {
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (size_t i = 0; i < v.size(); ++i) s += (i ? " ; " : "") + v[i];
      return s;
    };
    std::string actors = join(d.actors), topics = join(d.topics);
    sqlite3_bind_text(ins_, 1, d.title.data(), static_cast<int>(d.title.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins_, 2, d.body.data(), static_cast<int>(d.body.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins_, 3, d.author.data(), static_cast<int>(d.author.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins_, 4, actors.data(), static_cast<int>(actors.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins_, 5, topics.data(), static_cast<int>(topics.size()), SQLITE_STATIC);
    if (d.date)
      sqlite3_bind_int(ins_, 6, *d.date);
    else
      sqlite3_bind_null(ins_, 6);
    sqlite3_bind_text(ins_, 7, d.id.data(), static_cast<int>(d.id.size()), SQLITE_STATIC);
    Check(sqlite3_step(ins_), db_, "insert");
    sqlite3_reset(ins_);
  }
  void Finish() override {
    sqlite3_finalize(ins_);
    ins_ = nullptr;
    Exec(db_, "COMMIT");
    Exec(db_, "INSERT INTO docs(docs) VALUES('optimize')");
  }
  void Open(const std::string& path) override {
    Check(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), db_, "open");
    Exec(db_, "PRAGMA cache_size=-262144;");
  }

  std::unique_ptr<bench::Prepared> Prepare(const QueryNode& tree, std::string* why) override {
    bool dated = false;
    int32_t lo = INT32_MIN, hi = INT32_MAX;
    std::string match;
    // Date leaves are only expressible as top-level AND conditions.
    if (tree.kind == QueryNode::Kind::kAnd) {
      std::vector<std::string> pos, neg;
      for (const auto& c : tree.children) {
        const QueryNode& x = c.kind == QueryNode::Kind::kNot ? c.children[0] : c;
        if ((x.kind == QueryNode::Kind::kTerm || x.kind == QueryNode::Kind::kPhrase) && bench::IsDateKey(bench::LeafField(x))) {
          int32_t a, b;
          if (c.kind == QueryNode::Kind::kNot || !bench::DateRange(x, &a, &b)) return *why = "negated or bad date", nullptr;
          dated = true;
          lo = std::max(lo, a);
          hi = std::min(hi, b);
          continue;
        }
        std::string m;
        if (!Build(x, &m, why)) return nullptr;
        (c.kind == QueryNode::Kind::kNot ? neg : pos).push_back(m);
      }
      if (pos.empty()) return *why = "no positive term", nullptr;
      for (size_t i = 0; i < pos.size(); ++i) match += (i ? " AND " : "") + pos[i];
      if (!neg.empty()) {
        match = "(" + match + ") NOT (";
        for (size_t i = 0; i < neg.size(); ++i) match += (i ? " OR " : "") + neg[i];
        match += ")";
      }
    } else if (!Build(tree, &match, why)) {
      return nullptr;
    }
    return std::make_unique<Fts5Prepared>(db_, match, dated, lo, hi);
  }

 private:
  bool Build(const QueryNode& n, std::string* out, std::string* why) {
    switch (n.kind) {
      case QueryNode::Kind::kTerm:
      case QueryNode::Kind::kPhrase: {
        std::string f = bench::LeafField(n);
        if (bench::IsDateKey(f)) return *why = "date filter inside a boolean", false;
        auto words = bench::Words(n.text);
        if (words.empty()) return *why = "no words", false;
        *out = (f.empty() ? std::string("{title body actor topic}") : f) + " : " + Quote(words);
        return true;
      }
      case QueryNode::Kind::kOr:
      case QueryNode::Kind::kAnd: {
        std::vector<std::string> pos, neg;
        for (const auto& c : n.children) {
          bool negated = c.kind == QueryNode::Kind::kNot;
          if (negated && n.kind == QueryNode::Kind::kOr) return *why = "NOT inside OR", false;
          std::string m;
          if (!Build(negated ? c.children[0] : c, &m, why)) return false;
          (negated ? neg : pos).push_back("(" + m + ")");
        }
        if (pos.empty()) return *why = "no positive term", false;
        std::string s;
        for (size_t i = 0; i < pos.size(); ++i) s += (i ? (n.kind == QueryNode::Kind::kOr ? " OR " : " AND ") : "") + pos[i];
        if (!neg.empty()) {
          s = "(" + s + ") NOT (";
          for (size_t i = 0; i < neg.size(); ++i) s += (i ? " OR " : "") + neg[i];
          s += ")";
        }
        *out = s;
        return true;
      }
      case QueryNode::Kind::kNot:
        return *why = "FTS5 has no unary NOT", false;
    }
    return *why = "unknown node", false;
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* ins_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  Fts5Engine engine;
  return bench::Main(argc, argv, engine, "bench_fts5");
}
