// loupe explain [--db DIR] [--now D] [--format text|json] QUERY
//
// Shows how a query is read: the syntax tree, the plan (analyzed terms, resolved
// dates, prefix and fuzzy leaves, the sort order), what each relative date
// resolved to and, when an index is at hand, how many documents each part of
// the plan matches there.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/results.h"
#include "cli/text_output.h"
#include "loupe/language.h"
#include "loupe/query_parser.h"

namespace loupe::cli {

namespace {

// The plan as a tree, with the matches of every node when `index` is set. The
// first error reading the index goes to *error, and the walk stops asking it.
PlanNode Walk(const Query& q, const Index* index, Status* error) {
  PlanNode node{.node = q.ToString()};
  switch (q.kind()) {
    case Query::Kind::kAnd:
      node.label = "AND";
      break;
    case Query::Kind::kOr:
      node.label = "OR";
      break;
    case Query::Kind::kNot:
      node.label = "NOT";
      break;
    case Query::Kind::kAndMaybe:
      node.label = "AND_MAYBE";
      break;
    case Query::Kind::kBoost:
      node.label = "BOOST x" + std::to_string(q.boost());
      break;
    default:
      node.label = q.ToString();
  }
  if (index && error->ok()) {
    auto r = index->Search(q, {.limit = 0, .load_documents = false});
    if (r.ok()) {
      node.matches = static_cast<int64_t>(r->total);
      if (!r->warnings.empty()) node.warnings = CountRepeats(r->warnings);
    } else {
      *error = r.status();
    }
  }
  // What a prefix or fuzzy term expands to, with each term's documents: for a
  // prefix of title, body or topic, the words as written that start with it.
  if (index && error->ok() && (q.kind() == Query::Kind::kPrefix || q.kind() == Query::Kind::kFuzzy)) {
    auto terms = index->Expansions(q);
    if (!terms.ok()) {
      *error = terms.status();
    } else {
      node.expands = true;
      node.written_words = q.kind() == Query::Kind::kPrefix && Analyzer::IsStemmed(q.field());
      for (const auto& [term, df] : *terms) node.expansions.emplace_back(term, df);
    }
  }
  for (const Query& c : q.children()) node.children.push_back(Walk(c, index, error));
  return node;
}

// The words of `text` as field f analyzes them: "a", "\"a b\"" or "(no words)".
std::string AnalyzedText(Analyzer& analyzer, Field field, const std::string& t, std::vector<Token>* tokens) {
  tokens->clear();
  if (auto r = analyzer.AnalyzeField(field, t, 0, tokens); !r.ok()) return "(" + r.status().message() + ")";
  std::string terms;
  for (size_t i = 0; i < tokens->size(); ++i) terms += (i ? " " : "") + (*tokens)[i].term;
  if (tokens->size() > 1) terms = "\"" + terms + "\"";
  if (tokens->empty()) terms = "(no words)";
  return terms;
}

// The terms field `field` gives `t` (per stemming language, when they differ),
// added to *reading; the analyzer's stemmer is left as it was.
void AddFieldTerms(Field field, const std::string& t, Analyzer& analyzer, const std::vector<std::string>& languages,
                   TermReading* reading) {
  const std::string stemmer_before(analyzer.stemmer_language());
  std::vector<Token> tokens, plain;
  if (!analyzer.Analyze(t, false, 0, &plain).ok()) plain.clear();
  // Per language: its terms, and the languages giving them.
  std::vector<std::pair<std::string, std::string>> variants;
  std::vector<std::string> list;
  std::vector<std::pair<std::string, std::vector<std::string>>> by_language;
  const bool each = Analyzer::IsStemmed(field) && field != Field::kTopic && languages.size() > 1;
  if (field == Field::kTopic) (void)analyzer.SetStemmerLanguage(StemmerOf(field, stemmer_before));
  for (size_t l = 0; l < (each ? languages.size() : 1); ++l) {
    if (each && !analyzer.SetStemmerLanguage(languages[l]).ok()) continue;
    std::string terms = AnalyzedText(analyzer, field, t, &tokens);
    std::vector<std::string> words;
    for (size_t i = 0; i < tokens.size(); ++i) {
      words.push_back(tokens[i].term);
      reading->stemmed = reading->stemmed || (i < plain.size() && plain[i].term != tokens[i].term);
    }
    if (list.empty()) list = words;
    if (each) by_language.emplace_back(languages[l], words);
    auto v = std::find_if(variants.begin(), variants.end(), [&](const auto& x) { return x.first == terms; });
    if (v == variants.end())
      variants.emplace_back(terms, each ? languages[l] : "");
    else
      v->second += ", " + languages[l];
  }
  (void)analyzer.SetStemmerLanguage(stemmer_before);
  std::string terms = variants.empty() ? "(no words)" : variants[0].first;
  if (variants.size() > 1) {
    terms.clear();
    for (size_t i = 0; i < variants.size(); ++i)
      terms += (i ? " | " : "") + variants[i].first + " (" + variants[i].second + ")";
  }
  reading->terms.emplace_back(FieldName(field), list);
  if (variants.size() > 1) reading->by_language.emplace_back(FieldName(field), by_language);
  auto g =
      std::find_if(reading->groups.begin(), reading->groups.end(), [&](const auto& x) { return x.first == terms; });
  if (g == reading->groups.end())
    reading->groups.emplace_back(terms, FieldName(field));
  else
    g->second += std::string("/") + FieldName(field);
}

// Each word and phrase of the query as analysis turns it into terms, per field
// (fields giving the same terms together), and whether stemming changed it.
// A stemmed field's terms are shown per stemming language when they differ:
// "négociat (english) | négoci (french)". An actor the gazetteer knows is
// searched by its canonical name.
void Terms(const QueryNode& n, Analyzer& analyzer, const std::vector<std::string>& languages,
           const Gazetteer* gazetteer, std::vector<TermReading>* out) {
  if (n.kind != QueryNode::Kind::kTerm && n.kind != QueryNode::Kind::kPhrase) {
    for (const QueryNode& c : n.children) Terms(c, analyzer, languages, gazetteer, out);
    return;
  }
  std::vector<Field> fields;
  Field f;
  if (n.field.empty())
    fields = {Field::kTitle, Field::kBody, Field::kActor, Field::kTopic};
  else if (ParseFieldName(n.field, &f))
    fields = {f};
  bool special = n.text.empty() || n.text[0] == '=' || n.text.back() == '*' || n.text.find('~') != std::string::npos;
  if (fields.empty() || special) return;  // dates, sort:, prefixes, fuzzy and exact words are shown in the plan
  TermReading reading;
  // The actor's name in the index, when the gazetteer knows it.
  if (fields.size() == 1 && fields[0] == Field::kActor && gazetteer)
    if (std::vector<std::string> names = gazetteer->NamesOf(n.text); !names.empty()) reading.actor = names[0];
  const std::string& t = reading.actor.empty() ? n.text : reading.actor;
  for (Field field : fields) AddFieldTerms(field, t, analyzer, languages, &reading);
  reading.shown = n.kind == QueryNode::Kind::kPhrase ? "\"" + n.text + "\"" : n.text;
  reading.field = n.field;
  out->push_back(std::move(reading));
}

}  // namespace

namespace {

// The index to explain against: none when --db names nothing and no --doc is
// asked for (explain then shows the reading only). On failure prints why and
// returns the exit code, else -1.
int OpenOptionalIndex(const ExplainArgs& a, std::unique_ptr<Index>* index, QueryContext* context) {
  if (a.doc.empty() && !std::filesystem::exists(a.db)) return -1;
  auto opened = Index::Open(a.db, {.read_only = true});
  if (!opened.ok()) return Fail("cannot open index " + a.db, opened.status());
  *index = std::move(*opened);
  if (Status s = ReadQueryContext(**index, context); !s.ok()) return Fail("cannot read index " + a.db, s);
  return -1;
}

// The terms of the query as it was read (`reading`), per field and language.
Status ReadTerms(const std::string& reading, Analyzer& analyzer, const QueryContext& context, ExplainResult* r) {
  auto tree = ParseQuery(reading);  // the syntax of what was compiled
  if (!tree.ok()) return tree.status();
  r->syntax = tree->ToString();
  std::vector<std::string> languages = context.languages;
  // A lang: in the query stems its words in that language alone.
  auto lang = std::find_if(tree->children.begin(), tree->children.end(), [](const QueryNode& c) {
    std::string f = c.field;
    for (char& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return c.kind == QueryNode::Kind::kTerm && f == "lang";
  });
  if (lang != tree->children.end() && !StemmerFor(lang->text).empty())
    languages = {std::string(StemmerFor(lang->text))};
  if (languages.size() == 1) (void)analyzer.SetStemmerLanguage(languages[0]);  // one a libstemmer lacks: English
  Terms(*tree, analyzer, languages, context.gazetteer.get(), &r->terms);
  return Status::OK();
}

// --doc: the document's score, part by part. Errors: kNotFound, the index's.
Status ExplainDocument(const ExplainArgs& a, const Index& index, const Query& q, ExplainResult* r) {
  Result<Explanation> e = Status::NotFound("");
  for (const std::string& id : IdCandidates(a.doc))
    if ((e = index.Explain(q, id)).ok() || !e.status().IsNotFound()) break;
  if (!e.ok()) return e.status();
  r->explanation = std::move(*e);
  return Status::OK();
}

}  // namespace

Status ExplainCompiled(const ExplainArgs& a, const Index* index, const QueryContext& context, Analyzer& analyzer,
                       const Query& q, ExplainResult* r) {
  r->has_index = index != nullptr;
  if (Status s = ReadTerms(r->reading, analyzer, context, r); !s.ok()) return s;
  r->plan_text = q.ToString();
  Status error;
  r->plan = Walk(q, index, &error);
  if (!error.ok()) return error;
  if (!a.doc.empty()) {
    if (!index) return Status::NotFound("no index to find --doc in");
    if (Status s = ExplainDocument(a, *index, q, r); !s.ok()) return s;
  }
  return Status::OK();
}

int RunExplain(const ExplainArgs& a) {
  const bool json = a.format == "json";
  ExplainResult r{.query = Join(a.query_parts, " "), .db = a.db, .doc = a.doc};
  if (!ParseNow(a.now, "explain", &r.now)) return kExitUsage;
  std::unique_ptr<Index> index;
  QueryContext context;
  if (int rc = OpenOptionalIndex(a, &index, &context); rc >= 0) return rc;
  r.has_index = index != nullptr;
  // Query words are analyzed as the index analyzed its articles, as search does.
  auto analyzer = Analyzer::Create(context.analyzer_options);
  if (!analyzer.ok()) return Fail("analyzer", analyzer.status());
  QueryReading read;
  auto q = CompileForIndex(r.query, **analyzer, context, r.now, a.lenient, &read);
  r.reading = read.reading, r.sort = read.sort, r.diagnostics = read.diagnostics, r.resolved_dates = read.resolved;
  if (!json) PrintDiagnostics(r.query, r.diagnostics);
  if (!q.ok()) {
    if (json) PrintJson(RejectedQueryJson(r.query, q.status(), r.diagnostics));
    return kExitUsage;
  }
  if (Status s = ExplainCompiled(a, index.get(), context, **analyzer, *q, &r); !s.ok()) {
    if (s.IsNotFound() && !a.doc.empty()) {
      std::cerr << "loupe: explain: no article with id '" << ShownId(a.doc, true) << "' in " << a.db
                << " (ids are printed by loupe search)\n";
      return kExitNoHits;
    }
    return Fail("explain failed", s);
  }
  if (json)
    PrintJson(ToJson(r));
  else
    PrintExplain(r, std::cout);
  return kExitOk;
}

}  // namespace loupe::cli
