// bench_xapian: indexes and queries a corpus with Xapian, for tools/bench/run.sh.
// Command line and output: see driver_common.h.
//
// Index layout, chosen to do the same work as Loupe:
//   - Fields are told apart by term prefixes: S title, XT topic, XA actor,
//     A author, none for the body (the body is the only unprefixed text).
//   - Title, body and topic: Xapian::TermGenerator with the English Snowball
//     stemmer and STEM_ALL, so only stems are indexed (with positions), as in
//     Loupe. Actor and author: case-folded by the TermGenerator, not stemmed
//     (STEM_NONE). CJK text is indexed as n-grams (FLAG_CJK_NGRAM).
//   - Positions everywhere. The term position jumps by 100 between fields and
//     between the values of Actors and Topics, so a phrase cannot span two.
//   - The date (days since 1970-01-01) in value slot 0, sortable_serialise'd;
//     undated documents have no value and so never match a range.
//   - Every field is stored in the document data (so the database size includes
//     the stored text, as Loupe's does), plus a unique id term "Q<id>".
//   - Bulk load: one WritableDatabase, documents added in corpus order (so
//     Xapian's docids follow Loupe's doc ids), one explicit commit() at the end,
//     then Database::compact() into a fresh copy that replaces the original
//     (Xapian's documented way to get the smallest, fastest-to-search form of a
//     finished database, the counterpart of FTS5's 'optimize'; it is part of the
//     index time). The database syncs on commit, as Loupe's LMDB does.
//   - XAPIAN_FLUSH_THRESHOLD (documents buffered in memory before Xapian writes
//     them out, default 10000) is set to 1000 unless the environment sets it.
//     Raising it is the usual advice, but with Xapian 1.4.22 on 20000 synthetic
//     2 KB articles (131k distinct words) smaller batches were faster and used
//     less memory: 300: 14.1 s; 1000: 15.0 s, 48 MB; 10000: 18.9 s, 345 MB;
//     100000: 22.8 s, 668 MB. After compaction the database size is the same
//     whatever the threshold.
//
// Queries come from Loupe's parser and planner (driver_common.h). Each term or
// phrase is analyzed by a TermGenerator set up exactly as at index time, so the
// query terms are what the indexer produced for the same text; several tokens
// give OP_PHRASE. A bare term is the OR of its title, body, actor and topic
// forms (rather than indexing those fields a second time unprefixed: Loupe also
// expands a bare term per field, and OR sums the per-field BM25 scores as Loupe
// does). A title leaf is wrapped in OP_SCALE_WEIGHT 2: Loupe counts a title match
// twice. Dates: OP_VALUE_RANGE on slot 0. NOT inside an AND is OP_AND_NOT;
// elsewhere it is MatchAll AND_NOT x, with MatchAll scaled by 0 so that, as in
// Loupe, negations and date filters add nothing to the score (equal scores then
// come out in docid order, as Loupe's do).
//
// Weighting: Xapian::BM25Weight with k1 = 1.2 and b = 0.75 (k2 = 0, k3 = 1 and
// min_normlen = 0.5 are Xapian's defaults). Differences from Loupe's scores that
// remain: Xapian's document length is the whole document's (all fields), while
// Loupe normalizes per field.
//
// One timed run = constructing the Enquire, setting query and weighting, and
// get_mset: top10 asks for 10 hits with BM25 (Xapian's default checkatleast 0,
// so the match count is only estimated, like Loupe's top10) and reads their
// docids; count asks for 0 hits with checkatleast = the document count, which
// makes get_matches_estimated() exact, and Xapian::BoolWeight, Xapian's way to
// skip weight computation (Loupe's count computes no scores either; BM25 there
// made Xapian's counts 1.3 to 3 times slower).
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <utility>

#include "driver_common.h"

namespace {

using bench::Node;

struct FieldSpec {
  const char* prefix;
  bool stemmed;
  double scale;  // OP_SCALE_WEIGHT factor for matches in this field
};

FieldSpec Spec(const std::string& field) {
  if (field == "title") return {"S", true, 2.0};
  if (field == "topic") return {"XT", true, 1.0};
  if (field == "actor") return {"XA", false, 1.0};
  if (field == "author") return {"A", false, 1.0};
  return {"", true, 1.0};  // body
}

constexpr Xapian::valueno kDateSlot = 0;
constexpr Xapian::termcount kFieldGap = 100;

class XapianPrepared final : public bench::Prepared {
 public:
  XapianPrepared(const Xapian::Database& db, Xapian::Query q) : db_(db), q_(std::move(q)) {}

  uint64_t Run(bool top10) override {
    Xapian::Enquire enquire(db_);
    enquire.set_query(q_);
    if (top10) {
      enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
      Xapian::MSet m = enquire.get_mset(0, 10);
      uint64_t n = 0;
      Xapian::docid sink = 0;
      for (auto it = m.begin(); it != m.end(); ++it, ++n) sink ^= *it;
      sink_ ^= sink;
      return n;
    }
    enquire.set_weighting_scheme(Xapian::BoolWeight());  // no scores needed (Loupe computes none either)
    Xapian::doccount all = db_.get_doccount();
    Xapian::MSet m = enquire.get_mset(0, 0, all);
    if (m.get_matches_lower_bound() != m.get_matches_upper_bound())
      std::cerr << "bench_xapian: warning: match count not exact for " << q_.get_description() << "\n";
    return m.get_matches_estimated();
  }

 private:
  Xapian::Database db_;
  Xapian::Query q_;
  Xapian::docid sink_ = 0;  // keeps the docid reads observable
};

class XapianEngine final : public bench::Engine {
 public:
  XapianEngine() {
    stemmed_.set_stemmer(Xapian::Stem("english"));
    stemmed_.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
    folded_.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
    // Chinese, Japanese and Korean text as overlapping 1- and 2-character
    // n-grams, Xapian's own way to make CJK searchable (Loupe segments it into
    // words with ICU's dictionaries; no effect on other scripts).
    stemmed_.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    folded_.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  }

  void Create(const std::string& path) override {
    if (!std::getenv("XAPIAN_FLUSH_THRESHOLD")) setenv("XAPIAN_FLUSH_THRESHOLD", "1000", 1);
    path_ = path;
    wdb_ = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OVERWRITE);
  }

  void Add(const loupe::Document& d) override {
    Xapian::Document doc;
    // Stemmed fields, then folded ones, continuing the same position counter.
    stemmed_.set_document(doc);
    stemmed_.index_text(d.title, 1, Spec("title").prefix);
    stemmed_.increase_termpos(kFieldGap);
    stemmed_.index_text(d.body, 1, Spec("body").prefix);
    for (const auto& t : d.topics) {
      stemmed_.increase_termpos(kFieldGap);
      stemmed_.index_text(t, 1, Spec("topic").prefix);
    }
    folded_.set_document(doc);
    folded_.set_termpos(stemmed_.get_termpos() + kFieldGap);
    folded_.index_text(d.author, 1, Spec("author").prefix);
    for (const auto& a : d.actors) {
      folded_.increase_termpos(kFieldGap);
      folded_.index_text(a, 1, Spec("actor").prefix);
    }
    if (d.date) doc.add_value(kDateSlot, Xapian::sortable_serialise(*d.date));

    std::string data = d.id + "\n" + d.title + "\n" + d.author + "\n";
    for (size_t i = 0; i < d.actors.size(); ++i) data += (i ? "; " : "") + d.actors[i];
    data += "\n";
    for (size_t i = 0; i < d.topics.size(); ++i) data += (i ? "; " : "") + d.topics[i];
    data += "\n" + (d.date ? loupe::FormatIsoDate(*d.date) : std::string()) + "\n" + d.body;
    doc.set_data(data);
    doc.add_boolean_term("Q" + d.id);
    wdb_.add_document(doc);
  }

  void Finish() override {
    wdb_.commit();
    wdb_.close();
    std::filesystem::path dir(path_);
    if (!dir.has_filename()) dir = dir.parent_path();  // "db/" -> "db"
    std::filesystem::path tmp = dir.string() + ".compact";
    std::filesystem::remove_all(tmp);
    Xapian::Database(dir.string()).compact(tmp.string(), Xapian::DBCOMPACT_NO_RENUMBER);
    std::filesystem::remove_all(dir);
    std::filesystem::rename(tmp, dir);
  }

  void Open(const std::string& path) override { db_ = Xapian::Database(path); }

  // Every query can be expressed; one whose words give no Xapian terms is
  // Query() and matches nothing.
  std::unique_ptr<bench::Prepared> Prepare(const Node& tree, bool, std::string*) override {
    return std::make_unique<XapianPrepared>(db_, Build(tree));
  }

 private:
  // The terms the indexer produces for `text` in field `s`, in position order.
  std::vector<std::string> Analyze(const FieldSpec& s, const std::string& text) {
    Xapian::TermGenerator& gen = s.stemmed ? stemmed_ : folded_;
    Xapian::Document scratch;
    gen.set_document(scratch);
    gen.set_termpos(0);
    gen.index_text(text, 1, s.prefix);
    std::vector<std::pair<Xapian::termpos, std::string>> seq;
    for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t)
      for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) seq.emplace_back(*p, *t);
    std::sort(seq.begin(), seq.end());
    std::vector<std::string> terms;
    for (auto& [pos, term] : seq) terms.push_back(std::move(term));
    return terms;
  }

  // Empty Query: nothing in this field (the text gives no Xapian terms).
  Xapian::Query Text(const std::string& field, const std::string& text) {
    FieldSpec s = Spec(field);
    auto terms = Analyze(s, text);
    if (terms.empty()) return Xapian::Query();
    Xapian::Query q = terms.size() == 1 ? Xapian::Query(terms[0])
                                        : Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(),
                                                        static_cast<Xapian::termcount>(terms.size()));
    return s.scale != 1.0 ? Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, s.scale) : q;
  }

  // As Loupe does it: the terms starting with the lower-cased word (at most the
  // 1024 most frequent, summed like an OR), plus the word's own stem in stemmed
  // fields when the prefix does not cover it.
  Xapian::Query Prefix(const std::string& field, const std::string& word) {
    FieldSpec s = Spec(field);
    std::string folded;
    for (char c : word) folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string pattern = s.prefix + folded;
    Xapian::Query q(Xapian::Query::OP_WILDCARD, pattern, 1024, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                    Xapian::Query::OP_OR);
    if (s.stemmed) {
      auto terms = Analyze(s, word);
      if (terms.size() == 1 && terms[0].compare(0, pattern.size(), pattern) != 0)
        q = Xapian::Query(Xapian::Query::OP_OR, q, Xapian::Query(terms[0]));
    }
    return s.scale != 1.0 ? Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, s.scale) : q;
  }

  static Xapian::Query Unscored(const Xapian::Query& q) { return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, 0); }

  // Xapian::Query() (matching nothing) stands for a leaf with no terms.
  Xapian::Query Build(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kText: {
        if (!n.field.empty()) return Text(n.field, n.text);
        std::vector<Xapian::Query> alts;
        for (const char* f : {"title", "body", "actor", "topic"}) {
          Xapian::Query q = Text(f, n.text);
          if (!q.empty()) alts.push_back(q);
        }
        return Xapian::Query(Xapian::Query::OP_OR, alts.begin(), alts.end());
      }
      case Node::Kind::kPrefix: {
        if (!n.field.empty()) return Prefix(n.field, n.text);
        std::vector<Xapian::Query> alts;
        for (const char* f : {"title", "body", "actor", "topic"}) alts.push_back(Prefix(f, n.text));
        return Xapian::Query(Xapian::Query::OP_OR, alts.begin(), alts.end());
      }
      case Node::Kind::kDate:
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, kDateSlot, Xapian::sortable_serialise(n.lo),
                             Xapian::sortable_serialise(n.hi));
      case Node::Kind::kOr: {
        std::vector<Xapian::Query> ch;
        for (const auto& c : n.children) ch.push_back(Build(c));
        return Xapian::Query(Xapian::Query::OP_OR, ch.begin(), ch.end());
      }
      case Node::Kind::kAnd: {
        std::vector<Xapian::Query> pos, neg;
        for (const auto& c : n.children) {
          if (c.kind == Node::Kind::kNot) {
            neg.push_back(Build(c.children[0]));
          } else {
            Xapian::Query q = Build(c);
            if (q.empty()) return Xapian::Query();  // a required part that matches nothing
            pos.push_back(q);
          }
        }
        Xapian::Query p = pos.empty() ? Unscored(Xapian::Query::MatchAll)
                                      : Xapian::Query(Xapian::Query::OP_AND, pos.begin(), pos.end());
        if (neg.empty()) return p;
        return Xapian::Query(Xapian::Query::OP_AND_NOT, p, Xapian::Query(Xapian::Query::OP_OR, neg.begin(), neg.end()));
      }
      case Node::Kind::kNot:
        return Xapian::Query(Xapian::Query::OP_AND_NOT, Unscored(Xapian::Query::MatchAll), Build(n.children[0]));
    }
    return Xapian::Query();
  }

  std::string path_;
  Xapian::WritableDatabase wdb_;
  Xapian::Database db_;
  Xapian::TermGenerator stemmed_, folded_;
};

}  // namespace

int main(int argc, char** argv) {
  XapianEngine engine;
  try {
    return bench::Main(argc, argv, engine, "bench_xapian");
  } catch (const Xapian::Error& e) {
    std::cerr << "bench_xapian: " << e.get_description() << "\n";
    return 3;
  }
}
