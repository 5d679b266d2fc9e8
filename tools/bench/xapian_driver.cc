// bench_xapian: indexes and queries a corpus with Xapian, for tools/bench/run.sh.
//
// Settings chosen to match Loupe's work: English Snowball stemming of title,
// body and topic (STEM_ALL: only stemmed terms, with positions, as Loupe keeps
// only stems); actor and author case-folded, unstemmed; positions everywhere;
// per-field prefixes (S title, A author, XA actor, XT topic, none for body); the
// date as a sortable value for range filters; all fields stored as document
// data; a unique id term per document. Bulk load: one commit at the end, with
// XAPIAN_FLUSH_THRESHOLD raised (Xapian's documented knob) unless set.
// Ranking: BM25 with k1 1.2 and b 0.75, title matches scaled by 2 as in Loupe.
#include <xapian.h>

#include <cstdlib>
#include <iostream>

#include "driver_common.h"

namespace {

using loupe::QueryNode;

struct FieldSpec {
  const char* prefix;
  bool stem;
  double scale;
};

FieldSpec Spec(const std::string& f) {
  if (f == "title") return {"S", true, 2.0};
  if (f == "author") return {"A", false, 1.0};
  if (f == "actor") return {"XA", false, 1.0};
  if (f == "topic") return {"XT", true, 1.0};
  return {"", true, 1.0};  // body
}

class XapianPrepared final : public bench::Prepared {
 public:
  XapianPrepared(Xapian::Database& db, Xapian::Query q) : db_(db), q_(std::move(q)) {}
  uint64_t Run(bool top10) override {
    Xapian::Enquire enquire(db_);
    enquire.set_query(q_);
    enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
    if (top10) {
      Xapian::MSet m = enquire.get_mset(0, 10);
      uint64_t n = 0;
      for (auto it = m.begin(); it != m.end(); ++it) n += *it != 0;
      return n;
    }
    // checkatleast = every document: the count is then exact.
    Xapian::MSet m = enquire.get_mset(0, 0, db_.get_doccount());
    return m.get_matches_estimated();
  }

 private:
  Xapian::Database& db_;
  Xapian::Query q_;
};

class XapianEngine final : public bench::Engine {
 public:
  void Create(const std::string& path) override {
    if (!std::getenv("XAPIAN_FLUSH_THRESHOLD")) setenv("XAPIAN_FLUSH_THRESHOLD", "100000", 1);
    wdb_ = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OVERWRITE);
    stem_.set_stemmer(Xapian::Stem("english"));
    stem_.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
    plain_.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
  }
  void Add(const loupe::Document& d) override {
    Xapian::Document doc;
    stem_.set_document(doc);
    stem_.index_text(d.title, 1, "S");
    stem_.increase_termpos(100);
    stem_.index_text(d.body);
    for (const auto& t : d.topics) {
      stem_.increase_termpos(100);
      stem_.index_text(t, 1, "XT");
    }
    plain_.set_document(doc);
    plain_.set_termpos(stem_.get_termpos() + 100);
    plain_.index_text(d.author, 1, "A");
    for (const auto& a : d.actors) {
      plain_.increase_termpos(100);
      plain_.index_text(a, 1, "XA");
    }
    if (d.date) doc.add_value(0, Xapian::sortable_serialise(*d.date));
    std::string data = d.id + "\n" + d.title + "\n" + d.author + "\n";
    for (const auto& a : d.actors) data += a + ";";
    data += "\n";
    for (const auto& t : d.topics) data += t + ";";
    data += "\n" + d.body;
    doc.set_data(data);
    doc.add_boolean_term("Q" + d.id);
    wdb_.add_document(doc);
  }
  void Finish() override { wdb_.commit(); }
  void Open(const std::string& path) override { db_ = Xapian::Database(path); }

  std::unique_ptr<bench::Prepared> Prepare(const QueryNode& tree, std::string* why) override {
    Xapian::Query q;
    if (!Build(tree, &q, why)) return nullptr;
    return std::make_unique<XapianPrepared>(db_, q);
  }

 private:
  Xapian::Query Leaf(const std::string& field, const std::vector<std::string>& words) {
    FieldSpec s = Spec(field);
    std::vector<Xapian::Query> terms;
    for (const auto& w : words) terms.emplace_back(s.prefix + (s.stem ? stemmer_(w) : w));
    Xapian::Query q = terms.size() == 1 ? terms[0] : Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end());
    return s.scale != 1.0 ? Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, s.scale) : q;
  }

  bool Build(const QueryNode& n, Xapian::Query* out, std::string* why) {
    switch (n.kind) {
      case QueryNode::Kind::kTerm:
      case QueryNode::Kind::kPhrase: {
        std::string f = bench::LeafField(n);
        if (bench::IsDateKey(f)) {
          int32_t lo, hi;
          if (!bench::DateRange(n, &lo, &hi)) return *why = "bad date", false;
          *out = Xapian::Query(Xapian::Query::OP_VALUE_RANGE, 0, Xapian::sortable_serialise(lo),
                               Xapian::sortable_serialise(hi));
          return true;
        }
        auto words = bench::Words(n.text);
        if (words.empty()) return *why = "no words", false;
        if (!f.empty()) {
          *out = Leaf(f, words);
          return true;
        }
        std::vector<Xapian::Query> alts;
        for (const char* g : {"title", "body", "actor", "topic"}) alts.push_back(Leaf(g, words));
        *out = Xapian::Query(Xapian::Query::OP_OR, alts.begin(), alts.end());
        return true;
      }
      case QueryNode::Kind::kOr: {
        std::vector<Xapian::Query> ch;
        for (const auto& c : n.children) {
          ch.emplace_back();
          if (!Build(c, &ch.back(), why)) return false;
        }
        *out = Xapian::Query(Xapian::Query::OP_OR, ch.begin(), ch.end());
        return true;
      }
      case QueryNode::Kind::kAnd: {
        std::vector<Xapian::Query> pos, neg;
        for (const auto& c : n.children) {
          bool negated = c.kind == QueryNode::Kind::kNot;
          Xapian::Query q;
          if (!Build(negated ? c.children[0] : c, &q, why)) return false;
          (negated ? neg : pos).push_back(q);
        }
        Xapian::Query p = pos.empty() ? Xapian::Query::MatchAll : Xapian::Query(Xapian::Query::OP_AND, pos.begin(), pos.end());
        *out = neg.empty() ? p
                           : Xapian::Query(Xapian::Query::OP_AND_NOT, p,
                                           Xapian::Query(Xapian::Query::OP_OR, neg.begin(), neg.end()));
        return true;
      }
      case QueryNode::Kind::kNot: {
        Xapian::Query q;
        if (!Build(n.children[0], &q, why)) return false;
        *out = Xapian::Query(Xapian::Query::OP_AND_NOT, Xapian::Query::MatchAll, q);
        return true;
      }
    }
    return *why = "unknown node", false;
  }

  Xapian::WritableDatabase wdb_;
  Xapian::Database db_;
  Xapian::TermGenerator stem_, plain_;
  Xapian::Stem stemmer_{"english"};
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
