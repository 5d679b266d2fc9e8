// loupe explain [--db DIR] [--now D] [--format text|json] QUERY
//
// Shows how a query is read: the syntax tree, the plan (analyzed terms, resolved
// dates, prefix and fuzzy leaves, the sort order), what each relative date
// resolved to and, when an index is at hand, how many documents each part of
// the plan matches there.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cli/common.h"
#include "loupe/language.h"
#include "loupe/query_parser.h"

namespace loupe::cli {

namespace {

const char* SortName(SortOrder s) {
  switch (s) {
    case SortOrder::kDateAscending: return "date";
    case SortOrder::kDateDescending: return "-date";
    case SortOrder::kRelevance: return "relevance";
  }
  return "relevance";
}

// The plan as an indented tree, with the matches of every node when `index` is set.
void Walk(const Query& q, const Index* index, int depth, std::ostream* text, nlohmann::ordered_json* json,
          Status* error) {
  nlohmann::ordered_json node = {{"node", q.ToString()}};
  std::string label;
  switch (q.kind()) {
    case Query::Kind::kAnd: label = "AND"; break;
    case Query::Kind::kOr: label = "OR"; break;
    case Query::Kind::kNot: label = "NOT"; break;
    case Query::Kind::kAndMaybe: label = "AND_MAYBE"; break;
    case Query::Kind::kBoost: label = "BOOST x" + std::to_string(q.boost()); break;
    default: label = q.ToString();
  }
  int64_t matches = -1;
  if (index && error->ok()) {
    auto r = index->Search(q, {.limit = 0, .load_documents = false});
    if (r.ok()) {
      matches = static_cast<int64_t>(r->total);
      node["matches"] = matches;
      if (!r->warnings.empty()) node["warnings"] = CountRepeats(r->warnings);
    } else {
      *error = r.status();
    }
  }
  if (text) {
    *text << std::string(2 * static_cast<size_t>(depth) + 2, ' ') << label;
    if (matches >= 0) *text << "    [" << matches << " match" << (matches == 1 ? "" : "es") << "]";
    *text << "\n";
  }
  // What a prefix or fuzzy term expands to, with each term's documents: for a
  // prefix of title, body or topic, the words as written that start with it.
  if (index && error->ok() && (q.kind() == Query::Kind::kPrefix || q.kind() == Query::Kind::kFuzzy)) {
    auto terms = index->Expansions(q);
    if (!terms.ok()) {
      *error = terms.status();
    } else {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      std::string shown;
      for (size_t i = 0; i < terms->size(); ++i) {
        const auto& [term, df] = (*terms)[i];
        list.push_back({{"term", term}, {"documents", df}});
        if (i < 12) shown += std::string(i ? ", " : "") + term + " (" + std::to_string(df) + ")";
      }
      if (terms->size() > 12) shown += ", ... " + std::to_string(terms->size() - 12) + " more";
      node["expansions"] = list;
      const bool words = q.kind() == Query::Kind::kPrefix && Analyzer::IsStemmed(q.field());
      if (text)
        *text << std::string(2 * static_cast<size_t>(depth) + 6, ' ') << "expands to " << terms->size()
              << (words ? " written word" : " term") << (terms->size() == 1 ? "" : "s")
              << (terms->empty() ? "" : ": " + shown) << "\n";
    }
  }
  if (!q.children().empty()) {
    nlohmann::ordered_json kids = nlohmann::ordered_json::array();
    for (const Query& c : q.children()) {
      nlohmann::ordered_json k;
      Walk(c, index, depth + 1, text, &k, error);
      kids.push_back(k);
    }
    node["children"] = kids;
  }
  *json = node;
}

// The score breakdown as indented lines: score, node, and BM25's inputs.
void PrintExplanation(const Explanation& e, int depth, std::ostream& out) {
  char score[32];
  std::snprintf(score, sizeof score, "%9.4f", e.score);
  out << std::string(2 * static_cast<size_t>(depth) + 2, ' ') << (e.matched ? score : "    (no) ") << "  " << e.node
      << "\n";
  if (!e.detail.empty()) {
    // One line per term of a phrase or expansion of a prefix.
    size_t start = 0;
    for (;;) {
      size_t end = e.detail.find("; ", start);
      out << std::string(2 * static_cast<size_t>(depth) + 15, ' ') << e.detail.substr(start, end - start) << "\n";
      if (end == std::string::npos) break;
      start = end + 2;
    }
  }
  for (const Explanation& c : e.children) PrintExplanation(c, depth + 1, out);
}

nlohmann::ordered_json ExplanationJson(const Explanation& e) {
  nlohmann::ordered_json j = {{"node", e.node}, {"matched", e.matched}, {"score", e.score}};
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.children.empty()) {
    j["children"] = nlohmann::ordered_json::array();
    for (const Explanation& c : e.children) j["children"].push_back(ExplanationJson(c));
  }
  return j;
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

// Each word and phrase of the query as analysis turns it into terms, per field
// (fields giving the same terms together), and whether stemming changed it.
// A stemmed field's terms are shown per stemming language when they differ:
// "négociat (english) | négoci (french)". An actor the gazetteer knows is
// searched by its canonical name.
void Terms(const QueryNode& n, Analyzer& analyzer, const std::vector<std::string>& languages,
           const Gazetteer* gazetteer, std::ostream& text, nlohmann::ordered_json* json) {
  if (n.kind != QueryNode::Kind::kTerm && n.kind != QueryNode::Kind::kPhrase) {
    for (const QueryNode& c : n.children) Terms(c, analyzer, languages, gazetteer, text, json);
    return;
  }
  std::vector<Field> fields;
  Field f;
  if (n.field.empty()) fields = {Field::kTitle, Field::kBody, Field::kActor, Field::kTopic};
  else if (ParseFieldName(n.field, &f)) fields = {f};
  bool special = n.text.empty() || n.text[0] == '=' || n.text.back() == '*' || n.text.find('~') != std::string::npos;
  if (fields.empty() || special) return;  // dates, sort:, prefixes, fuzzy and exact words are shown in the plan
  std::string canonical;                  // the actor's name in the index, when the gazetteer knows it
  if (fields.size() == 1 && fields[0] == Field::kActor && gazetteer)
    if (std::vector<std::string> names = gazetteer->NamesOf(n.text); !names.empty()) canonical = names[0];
  const std::string& t = canonical.empty() ? n.text : canonical;
  std::vector<std::pair<std::string, std::string>> groups;  // terms -> field names
  nlohmann::ordered_json per_field = nlohmann::ordered_json::object(), per_language = nlohmann::ordered_json::object();
  bool stemmed = false;
  std::vector<Token> tokens, plain;
  const std::string stemmer_before(analyzer.stemmer_language());
  for (Field field : fields) {
    plain.clear();
    if (!analyzer.Analyze(t, false, 0, &plain).ok()) plain.clear();
    // Per language: its terms, and the languages giving them.
    std::vector<std::pair<std::string, std::string>> variants;
    nlohmann::ordered_json list = nlohmann::ordered_json::array(), by_language = nlohmann::ordered_json::object();
    const bool each = Analyzer::IsStemmed(field) && field != Field::kTopic && languages.size() > 1;
    if (field == Field::kTopic) (void)analyzer.SetStemmerLanguage(StemmerOf(field, stemmer_before));
    for (size_t l = 0; l < (each ? languages.size() : 1); ++l) {
      if (each && !analyzer.SetStemmerLanguage(languages[l]).ok()) continue;
      std::string terms = AnalyzedText(analyzer, field, t, &tokens);
      nlohmann::ordered_json words = nlohmann::ordered_json::array();
      for (size_t i = 0; i < tokens.size(); ++i) {
        words.push_back(tokens[i].term);
        stemmed = stemmed || (i < plain.size() && plain[i].term != tokens[i].term);
      }
      if (list.empty()) list = words;
      if (each) by_language[languages[l]] = words;
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
    per_field[FieldName(field)] = list;
    if (variants.size() > 1) per_language[FieldName(field)] = by_language;
    auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == terms; });
    if (g == groups.end()) groups.emplace_back(terms, FieldName(field));
    else g->second += std::string("/") + FieldName(field);
  }
  std::string shown = n.kind == QueryNode::Kind::kPhrase ? "\"" + n.text + "\"" : n.text;
  text << "        " << (n.field.empty() ? "" : n.field + ":") << shown << " ->";
  for (size_t i = 0; i < groups.size(); ++i) text << (i ? ";" : "") << " " << groups[i].second << ": " << groups[i].first;
  text << (stemmed ? "  (stemmed)" : "");
  if (!canonical.empty()) text << "  (the actor " << canonical << ", by the gazetteer)";
  text << "\n";
  nlohmann::ordered_json entry = {{"text", shown}, {"field", n.field}, {"terms", per_field}, {"stemmed", stemmed}};
  if (!canonical.empty()) entry["actor"] = canonical;
  json->push_back(std::move(entry));
  if (!per_language.empty()) json->back()["terms_by_language"] = per_language;
}

}  // namespace

int RunExplain(const ExplainArgs& a) {
  std::string query = Join(a.query_parts, " ");
  auto analyzer = Analyzer::Create();
  if (!analyzer.ok()) return Fail("analyzer", analyzer.status());
  Days now;
  if (!ParseNow(a.now, "explain", &now)) return kExitUsage;
  std::vector<std::string> resolved;
  SortOrder sort = SortOrder::kRelevance;
  std::vector<Diagnostic> diagnostics;
  std::string reading;
  // The index is optional: without one, explain shows the reading only.
  std::unique_ptr<Index> index;
  if (!a.doc.empty() || std::filesystem::exists(a.db)) {
    auto opened = Index::Open(a.db, {.read_only = true});
    if (!opened.ok()) return Fail("cannot open index " + a.db, opened.status());
    index = std::move(*opened);
  }
  std::shared_ptr<const Gazetteer> gazetteer = index ? LoadGazetteer(*index) : nullptr;
  std::vector<std::string> languages;  // the index's stemming languages
  if (index) {
    auto analysis = ReadIndexAnalysis(*index);
    if (!analysis.ok()) return Fail("cannot read index " + a.db, analysis.status());
    languages = analysis->languages;
  }
  auto q = CompileQuery(query, **analyzer,
                        {.now = now,
                         .resolved = &resolved,
                         .sort = &sort,
                         .lenient = a.lenient,
                         .diagnostics = &diagnostics,
                         .reading = &reading,
                         .gazetteer = gazetteer.get(),
                         .custom_fields = index ? CustomFieldNames(*index) : std::vector<std::string>{},
                         .stemming_languages = languages});
  if (a.format != "json") PrintDiagnostics(query, diagnostics);
  if (!q.ok()) {
    if (a.format == "json")
      PrintJson({{"query", query}, {"error", q.status().message()}, {"diagnostics", DiagnosticsJson(query, diagnostics)}});
    return kExitUsage;
  }
  auto tree = ParseQuery(reading);  // the syntax of what was compiled
  if (!tree.ok()) return Fail("explain", tree.status());
  std::ostringstream terms_text;
  nlohmann::ordered_json terms_json = nlohmann::ordered_json::array();
  // A lang: in the query stems its words in that language alone.
  auto lang = std::find_if(tree->children.begin(), tree->children.end(), [](const QueryNode& c) {
    std::string f = c.field;
    for (char& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return c.kind == QueryNode::Kind::kTerm && f == "lang";
  });
  if (lang != tree->children.end() && !StemmerFor(lang->text).empty())
    languages = {std::string(StemmerFor(lang->text))};
  if (languages.size() == 1) (void)(*analyzer)->SetStemmerLanguage(languages[0]);  // one a libstemmer lacks: English
  Terms(*tree, **analyzer, languages, gazetteer.get(), terms_text, &terms_json);
  std::ostringstream text;
  nlohmann::ordered_json plan;
  Status error;
  Walk(*q, index.get(), 0, &text, &plan, &error);
  if (!error.ok()) return Fail("explain failed", error);
  std::optional<Explanation> why;
  if (!a.doc.empty()) {
    Result<Explanation> e = Status::NotFound("");
    for (const std::string& id : IdCandidates(a.doc))
      if ((e = index->Explain(*q, id)).ok() || !e.status().IsNotFound()) break;
    if (e.status().IsNotFound()) {
      std::cerr << "loupe: explain: no article with id '" << ShownId(a.doc, true) << "' in " << a.db
                << " (ids are printed by loupe search)\n";
      return kExitNoHits;
    }
    if (!e.ok()) return Fail("explain failed", e.status());
    why = std::move(*e);
  }

  if (a.format == "json") {
    nlohmann::ordered_json out = {{"query", query}};
    if (reading != query) out["reading"] = reading;
    out["syntax"] = tree->ToString();
    out["terms"] = terms_json;
    out["plan"] = plan;
    out["sort"] = SortName(sort);
    if (!diagnostics.empty()) out["diagnostics"] = DiagnosticsJson(query, diagnostics);
    if (!resolved.empty()) out["resolved_dates"] = resolved;
    if (index) out["index"] = a.db;
    if (why)
      out["document"] = {{"id", ShownId(ParseId(a.doc), false)},
                         {"matched", why->matched},
                         {"score", why->score},
                         {"explanation", ExplanationJson(*why)}};
    PrintJson(out);
    return kExitOk;
  }
  std::cout << "query:  " << query << "\n";
  if (reading != query) std::cout << "read:   " << reading << "\n";
  std::cout << "syntax: " << tree->ToString() << "\n";
  if (!terms_json.empty()) std::cout << "terms:\n" << terms_text.str();
  std::cout << "plan:   " << q->ToString() << "\n"
            << "sort:   " << SortName(sort) << "\n";
  if (!resolved.empty()) {
    std::cout << "dates:  counted back from " << FormatIsoDate(now) << ":";
    for (const std::string& r : resolved) std::cout << " " << r << ";";
    std::cout << "\n";
  }
  std::cout << (index ? "parts, with their matches in " + a.db + ":\n" : "parts (no index at " + a.db + "):\n")
            << text.str();
  if (why) {
    char score[32];
    std::snprintf(score, sizeof score, "%.4f", why->score);
    std::cout << "document " << ShownId(ParseId(a.doc), true) << ": "
              << (why->matched ? std::string("score ") + score : std::string("not matched by the query")) << "\n";
    PrintExplanation(*why, 0, std::cout);
  }
  return kExitOk;
}

}  // namespace loupe::cli
