// bench_fts5: indexes and queries a corpus with SQLite FTS5, for tools/bench/run.sh.
// Command line and output: see driver_common.h.
//
// Table:
//   CREATE VIRTUAL TABLE docs USING fts5(title, body, author, actor, topic,
//       date UNINDEXED, id UNINDEXED,
//       tokenize='porter unicode61 remove_diacritics 2', detail=full)
// - porter over unicode61: English stemming, case folding, diacritics removed.
//   FTS5 has one tokenizer per table, so actor and author are stemmed too, where
//   Loupe only folds them; and FTS5 folds accents where Loupe keeps them.
// - detail=full keeps positions, which phrases need.
// - Actors and topics are joined with " ; ". The separator makes no token, so a
//   phrase could span two values here where Loupe's cannot (the benchmark's
//   generated queries have no such phrases).
// - date is days since 1970-01-01 (NULL when undated), id the document id; both
//   stored, not indexed. All text is stored in the table, so the file size
//   includes the stored text, as Loupe's index does.
// - Rows are inserted in corpus order, so rowids follow Loupe's doc ids.
//
// Bulk load, for a one-off build that is simply redone if it fails:
// journal_mode=OFF and synchronous=OFF (no rollback journal, no fsync), a 256 MiB
// page cache, every insert in one transaction through one prepared statement,
// and after the load FTS5's 'optimize' command, which merges all segments into
// one b-tree, the form queries are fastest on (part of the index time). During
// the load 'automerge' is 0, so FTS5 does no incremental merging after each flush
// of its in-memory term buffer; the 'crisismerge' limit (default 16 segments on
// a level) still bounds the segment count, and 'optimize' merges once at the end
// (about 7% faster to build, on 19200 articles, than the default automerge 4).
// 'automerge' is set back to 4 afterwards. pgsz stays at its default (4050
// bytes, sized for the default 4 KiB database page).
//
// Ranking: `ORDER BY bm25(docs, 2.0, 1.0, 1.0, 1.0, 1.0) LIMIT 10`: BM25 (FTS5's
// bm25 has k1 = 1.2 and b = 0.75 built in) with title matches weighted 2 as in
// Loupe. Calling bm25() directly measured about 30% faster than configuring it
// as the table's 'rank' function and ordering by rank (SQLite 3.40).
//
// Queries come from Loupe's parser and planner (driver_common.h):
// - A term or phrase is one FTS5 string (double quotes, inner quotes doubled),
//   tokenized by FTS5 with the table's tokenizer: several tokens make a phrase.
//   A bare term searches the column set {title body actor topic}; title:,
//   author:, actor:, topic: search their column.
// - AND, OR and NOT between full-text parts are FTS5 operators. FTS5's NOT is
//   binary, so `a -b -c` is `(a) NOT ((b) OR (c))`.
// - What FTS5's MATCH cannot express (date filters, a NOT with nothing to
//   subtract from, a NOT inside an OR) becomes SQL: dates are
//   `date BETWEEN lo AND hi` on the stored column, and other full-text parts
//   `rowid IN (SELECT rowid FROM docs WHERE docs MATCH ...)`. When the query is
//   an AND, its full-text children stay in the main MATCH (so FTS5 ranks them
//   and drives the search) and the rest are SQL conditions on the matching rows;
//   a query with no full-text part to drive it scans the table, and its hits
//   (all scored 0 in Loupe) come in rowid order.
// - In top10 mode, a query whose scored terms are not all in the main MATCH
//   (e.g. `a OR -b`, `tariffs (chips OR date:2025)`) cannot be ranked as Loupe
//   ranks it and is reported NA; its count is still exact in count mode.
//
// One timed run = sqlite3_prepare_v2 + bind + stepping through all rows +
// sqlite3_finalize of the query's SELECT; top10 reads the 10 rowids, count reads
// count(*).
#include <sqlite3.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "driver_common.h"

namespace {

using bench::Node;

void Check(int rc, sqlite3* db, const std::string& what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

void Exec(sqlite3* db, const std::string& sql) {
  Check(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, sql);
}

// An FTS5 string: the text in double quotes, inner double quotes doubled.
std::string FtsString(const std::string& text) {
  std::string s = "\"";
  for (char c : text) {
    if (c == '"') s += '"';
    s += c;
  }
  return s + "\"";
}

std::string Join(const std::vector<std::string>& parts, const char* op) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? std::string(" ") + op + " (" : "(") + parts[i] + ")";
  return s;
}

// The FTS5 MATCH expression for `n`, if FTS5 can express it on its own.
std::optional<std::string> Match(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kText:
      return (n.field.empty() ? std::string("{title body actor topic}") : n.field) + " : " + FtsString(n.text);
    case Node::Kind::kPrefix:  // FTS5's prefix query: the string's last token as a prefix
      return (n.field.empty() ? std::string("{title body actor topic}") : n.field) + " : " + FtsString(n.text) + " *";
    case Node::Kind::kDate:
    case Node::Kind::kNot:
      return std::nullopt;
    case Node::Kind::kOr: {
      std::vector<std::string> parts;
      for (const auto& c : n.children) {
        auto m = Match(c);
        if (!m) return std::nullopt;
        parts.push_back(*m);
      }
      return Join(parts, "OR");
    }
    case Node::Kind::kAnd: {
      std::vector<std::string> pos, neg;
      for (const auto& c : n.children) {
        bool negated = c.kind == Node::Kind::kNot;
        auto m = Match(negated ? c.children[0] : c);
        if (!m) return std::nullopt;
        (negated ? neg : pos).push_back(*m);
      }
      if (pos.empty()) return std::nullopt;
      std::string s = Join(pos, "AND");
      if (!neg.empty()) s = "(" + s + ") NOT (" + Join(neg, "OR") + ")";
      return s;
    }
  }
  return std::nullopt;
}

// A SQL condition on a row of docs equivalent to `n`. MATCH strings are bound
// parameters, appended to *params.
std::string Condition(const Node& n, std::vector<std::string>* params) {
  if (auto m = Match(n)) {
    params->push_back(*m);
    return "rowid IN (SELECT rowid FROM docs WHERE docs MATCH ?" + std::to_string(params->size()) + ")";
  }
  switch (n.kind) {
    case Node::Kind::kDate:
      // NULL (undated) never matches, also under NOT.
      return "(date IS NOT NULL AND date BETWEEN " + std::to_string(n.lo) + " AND " + std::to_string(n.hi) + ")";
    case Node::Kind::kNot:
      return "NOT (" + Condition(n.children[0], params) + ")";
    case Node::Kind::kAnd:
    case Node::Kind::kOr: {
      std::vector<std::string> parts;
      for (const auto& c : n.children) parts.push_back(Condition(c, params));
      return "(" + Join(parts, n.kind == Node::Kind::kAnd ? "AND" : "OR") + ")";
    }
    case Node::Kind::kText:
    case Node::Kind::kPrefix:
      break;  // always has a Match
  }
  return "0";
}

class Fts5Prepared final : public bench::Prepared {
 public:
  Fts5Prepared(sqlite3* db, std::string sql, std::vector<std::string> params)
      : db_(db), sql_(std::move(sql)), params_(std::move(params)) {}

  uint64_t Run(bool top10) override {
    sqlite3_stmt* st = nullptr;
    Check(sqlite3_prepare_v2(db_, sql_.c_str(), -1, &st, nullptr), db_, "prepare " + sql_);
    for (size_t i = 0; i < params_.size(); ++i)
      sqlite3_bind_text(st, static_cast<int>(i + 1), params_[i].data(), static_cast<int>(params_[i].size()),
                        SQLITE_STATIC);
    uint64_t n = 0;
    int64_t sink = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (top10) {
        sink ^= sqlite3_column_int64(st, 0);
        ++n;
      } else {
        n += static_cast<uint64_t>(sqlite3_column_int64(st, 0));
      }
    }
    sqlite3_finalize(st);
    Check(rc, db_, sql_);
    sink_ ^= sink;
    return n;
  }

 private:
  sqlite3* db_;
  std::string sql_;
  std::vector<std::string> params_;
  int64_t sink_ = 0;  // keeps the rowid reads observable
};

class Fts5Engine final : public bench::Engine {
 public:
  ~Fts5Engine() override {
    if (ins_) sqlite3_finalize(ins_);
    if (db_) sqlite3_close(db_);
  }

  void Create(const std::string& path) override {
    std::remove(path.c_str());
    Check(sqlite3_open(path.c_str(), &db_), db_, "open " + path);
    Exec(db_, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
    Exec(db_,
         "CREATE VIRTUAL TABLE docs USING fts5(title, body, author, actor, topic, date UNINDEXED, id UNINDEXED,"
         " tokenize='porter unicode61 remove_diacritics 2', detail=full)");
    Exec(db_, "INSERT INTO docs(docs, rank) VALUES('automerge', 0)");
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
    auto text = [&](int col, const std::string& s) {
      sqlite3_bind_text(ins_, col, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    };
    text(1, d.title);
    text(2, d.body);
    text(3, d.author);
    text(4, actors);
    text(5, topics);
    if (d.date)
      sqlite3_bind_int(ins_, 6, *d.date);
    else
      sqlite3_bind_null(ins_, 6);
    text(7, d.id);
    Check(sqlite3_step(ins_), db_, "insert " + d.id);
    sqlite3_reset(ins_);
  }

  void Finish() override {
    sqlite3_finalize(ins_);
    ins_ = nullptr;
    Exec(db_, "COMMIT");
    Exec(db_, "INSERT INTO docs(docs) VALUES('optimize')");
    Exec(db_, "INSERT INTO docs(docs, rank) VALUES('automerge', 4)");  // FTS5's default, for later writers
    Check(sqlite3_close(db_), nullptr, "close");
    db_ = nullptr;
  }

  void Open(const std::string& path) override {
    Check(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), db_, "open " + path);
    Exec(db_, "PRAGMA cache_size=-262144;");
  }

  std::unique_ptr<bench::Prepared> Prepare(const Node& tree, bool top10, std::string* why) override {
    // The main MATCH: the whole query, or the full-text children of a top-level
    // AND; everything else becomes SQL conditions.
    std::optional<std::string> match = Match(tree);
    std::vector<const Node*> rest;
    if (!match && tree.kind == Node::Kind::kAnd) {
      std::vector<std::string> pos, neg;
      for (const auto& c : tree.children) {
        bool negated = c.kind == Node::Kind::kNot;
        auto m = Match(negated ? c.children[0] : c);
        if (m) {
          (negated ? neg : pos).push_back(*m);
        } else {
          rest.push_back(&c);
        }
      }
      if (!pos.empty()) {
        match = Join(pos, "AND");
        if (!neg.empty()) *match = "(" + *match + ") NOT (" + Join(neg, "OR") + ")";
      } else {
        rest.clear();  // no full-text part to drive the search: the whole AND is SQL
      }
    }
    bool scored_outside = false;
    std::vector<std::string> params, conds;
    if (match) {
      params.push_back(*match);
      conds.push_back("docs MATCH ?1");
      for (const Node* r : rest) {
        scored_outside |= bench::HasScoredText(*r);
        conds.push_back(Condition(*r, &params));
      }
    } else {
      scored_outside = bench::HasScoredText(tree);
      conds.push_back(Condition(tree, &params));
    }
    if (top10 && scored_outside) {
      *why = "scored terms outside FTS5's MATCH (OR with a NOT or a date filter): no Loupe-like ranking";
      return nullptr;
    }
    std::string where;
    for (size_t i = 0; i < conds.size(); ++i) where += (i ? " AND " : "") + conds[i];
    std::string sql = top10 ? "SELECT rowid FROM docs WHERE " + where +
                                  (match ? " ORDER BY bm25(docs, 2.0, 1.0, 1.0, 1.0, 1.0)" : " ORDER BY rowid") +
                                  " LIMIT 10"
                            : "SELECT count(*) FROM docs WHERE " + where;
    return std::make_unique<Fts5Prepared>(db_, std::move(sql), std::move(params));
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* ins_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  Fts5Engine engine;
  return bench::Main(argc, argv, engine, "bench_fts5");
}
