// loupe._loupe: the extension module under the Python package `loupe`
// (tools/python/loupe/__init__.py), which gives it its Pythonic face.
//
// One class, _Index, over an open index or collection: the module hands back
// plain Python values (dicts, lists, tuples, datetime.date), and the package
// wraps them in its result classes. Queries are compiled and searched exactly
// as `loupe search` does (the CLI's query setup, tools/cli/query.cc), so the
// two give the same hits, scores, facets and snippets; index_folder runs the
// CLI's `loupe index` (tools/cli/cmd_index.cc).
//
// Threads: the GIL is released while the library works (compiling, searching,
// snippets, explaining, reading a document, adding, committing, indexing a
// folder), so searches on several Python threads run in parallel. An Index
// is safe to share between threads; the Writer is used under a mutex.
//
// Errors become exceptions of loupe._errors (LoupeError and its subclasses),
// carrying the status's code, message, and for query errors the place,
// fix-it and every diagnostic; nothing is left to crash the interpreter.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/common.h"
#include "cli/results.h"
#include "loupe/index.h"
#include "loupe/ingest/formats.h"
#include "loupe/ingest/walk.h"
#include "loupe/language.h"
#include "loupe/query_parser.h"
#include "loupe/snippet.h"
#include "loupe/split_search.h"

namespace py = pybind11;

namespace loupe::python {
namespace {

// ---- exceptions -------------------------------------------------------------

// The classes of loupe._errors, looked up once (kept for the life of the
// process: the module cannot be unloaded).
struct ErrorClasses {
  py::object base, query, locked, corruption, not_found, invalid;
};

const ErrorClasses& Errors() {
  static ErrorClasses* classes = [] {
    py::module_ m = py::module_::import("loupe._errors");
    return new ErrorClasses{m.attr("LoupeError"),      m.attr("QueryError"), m.attr("IndexLocked"),
                            m.attr("CorruptionError"), m.attr("NotFound"),   m.attr("InvalidArgument")};
  }();
  return *classes;
}

// The number of code points in the first `byte` bytes of `s` (Python's str
// indices; the library's offsets are bytes).
size_t CodePoints(std::string_view s, size_t byte) {
  size_t n = 0;
  for (size_t i = 0; i < byte && i < s.size(); ++i) n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return n;
}

// `query` with the fix-it of `d` applied.
std::string Fixed(std::string_view query, const Diagnostic& d) {
  if (d.fix_offset > query.size()) return std::string(query);
  std::string out(query.substr(0, d.fix_offset));
  out += d.fix_text;
  if (d.fix_offset + d.fix_length < query.size()) out += query.substr(d.fix_offset + d.fix_length);
  return out;
}

// A diagnostic as a dict, offsets in code points of `query`.
py::dict DiagnosticDict(std::string_view query, const Diagnostic& d) {
  py::dict out;
  out["severity"] = d.severity_name();
  const bool placed = d.offset != Status::kNoOffset;
  out["offset"] = placed ? py::object(py::int_(CodePoints(query, d.offset))) : py::object(py::none());
  out["length"] = placed ? CodePoints(query.substr(std::min(d.offset, query.size())), d.length) : 0;
  out["message"] = d.message;
  if (d.has_fix) {
    py::dict fix;
    fix["offset"] = CodePoints(query, d.fix_offset);
    fix["length"] = CodePoints(query.substr(std::min(d.fix_offset, query.size())), d.fix_length);
    fix["text"] = d.fix_text;
    fix["query"] = Fixed(query, d);
    out["fix"] = fix;
  } else {
    out["fix"] = py::none();
  }
  return out;
}

// Raises the exception of `s` ("what: message"). A query's errors (and a
// search refused at one of its limits, which names the words where) carry the
// query, their place and fix-it, and every diagnostic compiling it gave.
[[noreturn]] void Raise(const Status& s, const std::string& what, const std::string* query = nullptr,
                        const std::vector<Diagnostic>* diagnostics = nullptr) {
  const ErrorClasses& e = Errors();
  const bool in_query = query && (s.code() == StatusCode::kQuerySyntax ||
                                  (s.code() == StatusCode::kInvalidArgument && s.offset() != Status::kNoOffset));
  py::object cls = in_query                                   ? e.query
                   : s.code() == StatusCode::kLocked          ? e.locked
                   : s.code() == StatusCode::kCorruption      ? e.corruption
                   : s.code() == StatusCode::kNotFound        ? e.not_found
                   : s.code() == StatusCode::kInvalidArgument ? e.invalid
                                                              : e.base;
  std::string message = what.empty() ? s.message() : what + ": " + s.message();
  py::object exc = cls(message);
  exc.attr("code") = StatusCodeName(s.code());
  exc.attr("message") = s.message();
  if (in_query) {
    py::dict d = DiagnosticDict(*query, s.diagnostic());
    exc.attr("query") = *query;
    exc.attr("offset") = d["offset"];
    exc.attr("length") = d["length"];
    exc.attr("fix") = d["fix"];
    py::list all;
    bool has_error = false;
    if (diagnostics)
      for (const Diagnostic& x : *diagnostics) {
        all.append(DiagnosticDict(*query, x));
        has_error = has_error || x.severity == Diagnostic::Severity::kError;
      }
    if (!has_error) all.append(d);  // a refusal at a limit: not among the compiler's
    exc.attr("diagnostics") = all;
  }
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}

[[noreturn]] void RaiseValue(const std::string& message) { throw py::value_error(message); }

// ---- values -----------------------------------------------------------------

constexpr int64_t kOrdinalOf1970 = 719163;  // datetime.date(1970, 1, 1).toordinal()

// A day as datetime.date; None outside datetime's years 1 to 9999.
py::object DateOf(Days d) {
  const int64_t ordinal = int64_t{d} + kOrdinalOf1970;
  if (ordinal < 1 || ordinal > 3652059) return py::none();
  static py::object* date_class = new py::object(py::module_::import("datetime").attr("date"));
  return date_class->attr("fromordinal")(ordinal);
}

py::dict DocumentDict(const Document& d, bool body) {
  py::dict out;
  out["id"] = d.id;
  out["path"] = d.path;
  out["title"] = d.title;
  out["date"] = d.date ? DateOf(*d.date) : py::object(py::none());
  out["author"] = d.author;
  out["actors"] = d.actors;
  out["topics"] = d.topics;
  out["language"] = d.language;
  py::dict extra;
  for (const auto& [k, v] : d.extra) extra[py::str(k)] = v;
  out["extra"] = extra;
  if (body) out["body"] = d.body;
  return out;
}

std::string TypeName(const py::handle& o) { return py::str(py::type::of(o).attr("__name__")); }

std::string StringField(const py::handle& v, const char* key) {
  if (!py::isinstance<py::str>(v))
    throw py::type_error(std::string("document field '") + key + "' must be a str, not " + TypeName(v));
  return v.cast<std::string>();
}

std::vector<std::string> ListField(const py::handle& v, const char* key) {
  if (py::isinstance<py::str>(v) || !(py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)))
    throw py::type_error(std::string("document field '") + key +
                         "' must be a list of str (e.g. [\"Scott Bessent\"]), not " + TypeName(v));
  std::vector<std::string> out;
  for (const py::handle& x : v) out.push_back(StringField(x, key));
  return out;
}

// A document from the dict ix.add takes (see loupe.Index.add).
Document DocumentFrom(const py::dict& fields) {
  Document doc;
  bool has_id = false;
  for (const auto& [k, v] : fields) {
    if (!py::isinstance<py::str>(k)) throw py::type_error("document keys must be str, not " + TypeName(k));
    const std::string key = k.cast<std::string>();
    if (key == "id") {
      doc.id = StringField(v, "id");
      has_id = true;
    } else if (key == "path") {
      doc.path = StringField(v, "path");
    } else if (key == "title") {
      doc.title = StringField(v, "title");
    } else if (key == "body") {
      doc.body = StringField(v, "body");
    } else if (key == "author") {
      doc.author = StringField(v, "author");
    } else if (key == "language") {
      doc.language = StringField(v, "language");
    } else if (key == "actors") {
      doc.actors = ListField(v, "actors");
    } else if (key == "topics") {
      doc.topics = ListField(v, "topics");
    } else if (key == "date") {
      if (v.is_none()) continue;
      static py::object* date_class = new py::object(py::module_::import("datetime").attr("date"));
      static py::object* datetime_class = new py::object(py::module_::import("datetime").attr("datetime"));
      if (py::isinstance(v, *datetime_class)) {
        doc.date = static_cast<Days>(v.attr("date")().attr("toordinal")().cast<int64_t>() - kOrdinalOf1970);
      } else if (py::isinstance(v, *date_class)) {
        doc.date = static_cast<Days>(v.attr("toordinal")().cast<int64_t>() - kOrdinalOf1970);
      } else if (py::isinstance<py::str>(v)) {
        Days d;
        const std::string text = v.cast<std::string>();
        if (!ParseIsoDate(text, &d))
          RaiseValue("document date '" + text + "' is not a day as YYYY-MM-DD (e.g. 2025-09-15)");
        doc.date = d;
      } else {
        throw py::type_error("document field 'date' must be a datetime.date or a str YYYY-MM-DD, not " + TypeName(v));
      }
    } else if (key == "extra") {
      if (!py::isinstance<py::dict>(v))
        throw py::type_error("document field 'extra' must be a dict of str to str, not " + TypeName(v));
      for (const auto& [ek, ev] : v.cast<py::dict>()) {
        if (!py::isinstance<py::str>(ek)) throw py::type_error("'extra' keys must be str, not " + TypeName(ek));
        const std::string name = ek.cast<std::string>();
        doc.extra.emplace_back(name, StringField(ev, ("extra['" + name + "']").c_str()));
      }
    } else {
      RaiseValue("unknown document field '" + key +
                 "'; the fields are id, title, body, date, author, actors, topics, path, language, and extra (a dict "
                 "of other fields)");
    }
  }
  if (!has_id || doc.id.empty()) RaiseValue("a document needs a non-empty 'id' (e.g. {\"id\": \"x1\", ...})");
  return doc;
}

// ---- facets -----------------------------------------------------------------

FacetRequest FacetFrom(const std::string& spec, size_t top) {
  FacetRequest r;
  r.top = top;
  std::string name = spec;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "actor") {
    r.field = FacetField::kActor;
  } else if (name == "topic") {
    r.field = FacetField::kTopic;
  } else if (name == "author") {
    r.field = FacetField::kAuthor;
  } else if (name == "date" || name.rfind("date:", 0) == 0) {
    r.field = FacetField::kDate;
    const std::string unit = name.size() > 4 ? name.substr(5) : "month";
    if (unit == "day") {
      r.unit = DateUnit::kDay;
    } else if (unit == "week") {
      r.unit = DateUnit::kWeek;
    } else if (unit == "month") {
      r.unit = DateUnit::kMonth;
    } else if (unit == "year") {
      r.unit = DateUnit::kYear;
    } else {
      RaiseValue("facet 'date:" + unit + "' has no such date unit; use date:day, date:week, date:month or date:year");
    }
  } else {
    RaiseValue("unknown facet '" + spec + "'; facets are actor, topic, author and date:day|week|month|year");
  }
  return r;
}

SortOrder SortFrom(const std::string& sort) {
  if (sort == "relevance") return SortOrder::kRelevance;
  if (sort == "date") return SortOrder::kDateAscending;
  if (sort == "-date") return SortOrder::kDateDescending;
  RaiseValue("sort '" + sort +
             "' is not an order; use \"relevance\", \"date\" (oldest first) or \"-date\" (newest first)");
}

const char* SortName(SortOrder s) {
  return s == SortOrder::kDateAscending ? "date" : s == SortOrder::kDateDescending ? "-date" : "relevance";
}

Days NowFrom(const std::string& now) {
  Days d;
  if (now.empty()) {
    (void)cli::ParseNow("", "search", &d);  // today (UTC)
    return d;
  }
  if (!ParseIsoDate(now, &d)) RaiseValue("now '" + now + "' is not a day as YYYY-MM-DD (e.g. 2025-09-20)");
  return d;
}

// ---- the index --------------------------------------------------------------

// LMDB allows one open of an index per process, so handles on the same folder
// share one Index (the first open's; a read-only one cannot take a writer).
struct OpenIndex {
  std::weak_ptr<Index> index;
  bool read_only = true;
};
// Recursive: an Index is deleted under it (see IndexHandle), which may happen
// while a thread holding it drops the last reference.
std::recursive_mutex registry_mu;
std::map<std::string, OpenIndex> registry;

std::string Canonical(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  return ec ? path : p.string();
}

// A query compiled for an index, with what compiling it said.
struct Compiled {
  cli::QueryContext context;
  cli::QueryReading read;
  Result<Query> query = Status::Internal("not compiled");
};

// Compiles `text` as `loupe search` does. Runs without the GIL.
Compiled Compile(const Index& index, const std::string& text, Days now, bool lenient, SortOrder sort) {
  Compiled c;
  c.read.sort = sort;
  if (Status s = cli::ReadQueryContext(index, &c.context); !s.ok()) {
    c.query = s;
    return c;
  }
  auto analyzer = Analyzer::Create(c.context.analyzer_options);
  if (!analyzer.ok()) {
    c.query = analyzer.status();
    return c;
  }
  c.query = cli::CompileForIndex(text, **analyzer, c.context, now, lenient, &c.read);
  return c;
}

// Raises a failed compilation as a QueryError (or the error reading the index).
void CheckCompiled(const Compiled& c, const std::string& text) {
  if (c.query.ok()) return;
  const Status s = c.query.status();
  if (s.code() == StatusCode::kQuerySyntax) Raise(s, "", &text, &c.read.diagnostics);
  Raise(s, "cannot read the index to compile the query");
}

py::list Diagnostics(const std::string& text, const std::vector<Diagnostic>& list) {
  py::list out;
  for (const Diagnostic& d : list) out.append(DiagnosticDict(text, d));
  return out;
}

py::dict SnippetDict(const Snippet& s) {
  py::list highlights;
  for (const Highlight& h : s.highlights)
    highlights.append(py::make_tuple(CodePoints(s.text, h.begin), CodePoints(s.text, h.end)));
  py::dict out;
  out["text"] = s.text;
  out["highlights"] = highlights;
  out["matched"] = s.matched;
  return out;
}

// The plan of explain: each node with its matches and, for a prefix or fuzzy
// word, its expansions (as `loupe explain --format json` shows "plan").
py::dict PlanDict(const cli::PlanNode& n) {
  py::dict out;
  out["node"] = n.node;
  if (n.matches >= 0) {
    out["matches"] = n.matches;
    if (!n.warnings.empty()) out["warnings"] = n.warnings;
  }
  if (n.expands) {
    py::list list;
    for (const auto& [term, df] : n.expansions) {
      py::dict e;
      e["term"] = term;
      e["documents"] = df;
      list.append(e);
    }
    out["expansions"] = list;
  }
  if (!n.children.empty()) {
    py::list kids;
    for (const cli::PlanNode& c : n.children) kids.append(PlanDict(c));
    out["children"] = kids;
  }
  return out;
}

// Runs without the GIL.
cli::PlanNode Walk(const Query& q, const Index& index, Status* error) {
  cli::PlanNode node{.node = q.ToString()};
  if (error->ok()) {
    auto r = index.Search(q, {.limit = 0, .load_documents = false});
    if (r.ok()) {
      node.matches = static_cast<int64_t>(r->total);
      if (!r->warnings.empty()) node.warnings = cli::CountRepeats(r->warnings);
    } else {
      *error = r.status();
    }
  }
  if (error->ok() && (q.kind() == Query::Kind::kPrefix || q.kind() == Query::Kind::kFuzzy)) {
    auto terms = index.Expansions(q);
    if (!terms.ok()) {
      *error = terms.status();
    } else {
      node.expands = true;
      for (const auto& [term, df] : *terms) node.expansions.emplace_back(term, df);
    }
  }
  for (const Query& c : q.children()) node.children.push_back(Walk(c, index, error));
  return node;
}

py::dict ExplanationDict(const Explanation& e) {
  py::dict out;
  out["node"] = e.node;
  out["matched"] = e.matched;
  out["score"] = e.score;
  if (!e.detail.empty()) out["detail"] = e.detail;
  if (!e.children.empty()) {
    py::list kids;
    for (const Explanation& c : e.children) kids.append(ExplanationDict(c));
    out["children"] = kids;
  }
  return out;
}

class IndexHandle {
 public:
  IndexHandle(const std::string& path, bool write, const std::string& partition, bool fold_diacritics)
      : path_(path), write_(write) {
    IndexOptions options;
    options.read_only = !write;
    options.create_if_missing = write;
    options.fold_diacritics = fold_diacritics;
    if (partition == "month") {
      options.partition = Partition::kMonth;
    } else if (partition == "year") {
      options.partition = Partition::kYear;
    } else if (!partition.empty() && partition != "none") {
      RaiseValue("partition '" + partition + "' is not one; use \"month\", \"year\" or None (a plain index)");
    }
    if (!write && (!partition.empty() || fold_diacritics))
      RaiseValue("partition and fold_diacritics choose how a new index is made: give them with write=True");
    const std::string key = Canonical(path);
    // The registry's lock is taken only without the GIL (and never waits for
    // it while held), so two threads opening at once cannot deadlock.
    Status failed;
    std::string what = "cannot open index " + path;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::recursive_mutex> lock(registry_mu);
      OpenIndex& open = registry[key];
      index_ = open.index.lock();
      if (index_ && write && open.read_only) {
        index_.reset();
        failed = Status::InvalidArgument(
            "it is open read-only in this process; close that handle (leave its with block) before opening it "
            "with write=True");
        what = "cannot open index " + path + " for writing";
      } else if (!index_) {
        auto opened = Index::Open(path, options);
        if (opened.ok()) {
          // Deleted under the registry's lock, so that a new open of the
          // folder never overlaps the closing of the old one.
          index_ = std::shared_ptr<Index>(opened->release(), [](Index* p) {
            std::lock_guard<std::recursive_mutex> lock(registry_mu);
            delete p;
          });
          open.index = index_;
          open.read_only = !write;
        } else {
          registry.erase(key);
          failed = opened.status();
        }
      }
      if (failed.ok() && write) {
        auto writer = index_->NewWriter();
        if (writer.ok()) {
          writer_ = std::move(*writer);
        } else {
          index_.reset();
          failed = writer.status();
          what = "cannot write to index " + path;
        }
      }
    }
    if (!failed.ok()) Raise(failed, what);
  }

  ~IndexHandle() {
    std::lock_guard<std::mutex> lock(writer_mu_);
    writer_.reset();  // before the index it writes to
  }

  // Drops the writer (and its uncommitted batch) and this handle's share of the index.
  void Close() {
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(writer_mu_);
      writer_.reset();
    }
    index_.reset();
  }

  bool closed() const { return index_ == nullptr; }
  bool writable() const { return write_; }
  const std::string& path() const { return path_; }

  py::dict Search(const std::string& text, size_t limit, size_t offset, const std::string& sort,
                  const std::string& after, const std::vector<std::string>& facet_names, size_t facet_top,
                  bool snippets, bool collapse, const std::string& now, bool lenient, bool exact_total) {
    return SearchIn(text, limit, offset, sort, after, facet_names, facet_top, snippets, collapse, now, lenient,
                    exact_total, *this, {this}, nullptr)[0];
  }

  // Phase 1 of a search of a collection's splits held apart
  // (loupe/split_search.h): the statistics of `text` in each of `splits`
  // (this is the collection's meta index, whose context compiles the query
  // once for all), as bytes; given `chosen` (the summed statistics after
  // their expansions were chosen), those of the chosen terms.
  py::list Gather(const std::vector<const IndexHandle*>& splits, const std::string& text, const std::string& sort,
                  const std::string& now, bool lenient, const py::object& chosen) {
    std::shared_ptr<Index> context_index = Get();
    std::vector<std::shared_ptr<Index>> indexes;
    for (const IndexHandle* h : splits) indexes.push_back(Handle(h)->Get());
    const Days today = NowFrom(now);
    std::optional<QueryStatistics> given;
    if (!chosen.is_none()) given = DecodeStatistics(chosen);
    Compiled c;
    Status failed;
    std::string where;
    std::vector<std::string> bytes;
    {
      py::gil_scoped_release release;
      c = Compile(*context_index, text, today, lenient, SortFrom(sort));
      for (size_t i = 0; c.query.ok() && failed.ok() && i < indexes.size(); ++i) {
        auto stats = GatherStatistics(*indexes[i], *c.query, given ? &*given : nullptr);
        if (stats.ok()) {
          bytes.push_back(stats->Encode());
        } else {
          failed = stats.status();
          where = splits[i]->path();
        }
      }
    }
    CheckCompiled(c, text);
    if (!failed.ok()) Raise(failed, "gathering statistics from " + where);
    py::list out;
    for (const std::string& b : bytes) out.append(py::bytes(b));
    return out;
  }

  // Phase 2: searches each of `splits` scored with `stats` (the sums over
  // every split), the query compiled once with this index's context; hits
  // carry doc_id and day for the merge.
  // With documents false, each hit is only what the merge needs (score,
  // doc_id, day, split), and Fetch loads the fields of those kept.
  py::list SearchWith(const std::vector<const IndexHandle*>& splits, const std::string& text, const py::bytes& stats,
                      size_t limit, const std::string& sort, const std::vector<std::string>& facet_names,
                      size_t facet_top, bool snippets, const std::string& now, bool lenient, bool documents) {
    const QueryStatistics given = DecodeStatistics(stats);
    std::vector<const IndexHandle*> targets;
    for (const IndexHandle* h : splits) targets.push_back(Handle(h));
    return SearchIn(text, limit, 0, sort, "", facet_names, facet_top, snippets, false, now, lenient, true, *this,
                    targets, &given, documents);
  }

  // Phase 3: the stored fields of documents `ids[i]` (internal ids, from
  // search_with) of each of `splits`, as hit dicts without scores; with
  // snippets, the query compiled with this index's context makes them.
  py::list Fetch(const std::vector<const IndexHandle*>& splits, const std::vector<std::vector<uint32_t>>& ids,
                 const std::string& text, const std::string& now, bool lenient, bool snippets) {
    std::shared_ptr<Index> context_index = Get();
    if (ids.size() != splits.size()) RaiseValue("fetch: one list of ids per split");
    std::vector<std::shared_ptr<Index>> indexes;
    for (const IndexHandle* h : splits) indexes.push_back(Handle(h)->Get());
    const Days today = NowFrom(now);
    Compiled c;
    Status failed;
    std::string where;
    std::vector<std::vector<Document>> docs(indexes.size());
    std::vector<std::vector<std::optional<Snippet>>> passages(indexes.size());
    {
      py::gil_scoped_release release;
      if (snippets) c = Compile(*context_index, text, today, lenient, SortOrder::kRelevance);
      for (size_t i = 0; (!snippets || c.query.ok()) && failed.ok() && i < indexes.size(); ++i) {
        auto got = FetchDocuments(*indexes[i], ids[i]);
        if (!got.ok()) {
          failed = got.status();
          where = splits[i]->path();
          break;
        }
        docs[i] = std::move(*got);
        if (snippets) {
          SearchResults as_hits;
          for (const Document& d : docs[i]) {
            Hit h;
            h.document = d;
            as_hits.hits.push_back(std::move(h));
          }
          failed = Snippets(*c.query, c.context, as_hits, &passages[i]);
          where = splits[i]->path();
        }
      }
    }
    if (snippets) CheckCompiled(c, text);
    if (!failed.ok()) Raise(failed, "fetching documents from " + where);
    py::list out;
    for (size_t i = 0; i < docs.size(); ++i) {
      py::list found;
      for (size_t j = 0; j < docs[i].size(); ++j) {
        py::dict hit = DocumentDict(docs[i][j], false);
        hit["snippet"] =
            j < passages[i].size() && passages[i][j] ? py::object(SnippetDict(*passages[i][j])) : py::none();
        found.append(hit);
      }
      out.append(found);
    }
    return out;
  }

  // explain's plan of `text` compiled once with this index's context (a
  // collection's meta index) and walked on each of `splits`: the query's
  // reading, and one plan per split (each node with its matches there).
  py::dict PlanIn(const std::vector<const IndexHandle*>& splits, const std::string& text, const std::string& now,
                  bool lenient) {
    std::shared_ptr<Index> context_index = Get();
    std::vector<std::shared_ptr<Index>> indexes;
    for (const IndexHandle* h : splits) indexes.push_back(Handle(h)->Get());
    const Days today = NowFrom(now);
    Compiled c;
    std::vector<cli::PlanNode> plans;
    Status error;
    std::string where;
    {
      py::gil_scoped_release release;
      c = Compile(*context_index, text, today, lenient, SortOrder::kRelevance);
      for (size_t i = 0; c.query.ok() && error.ok() && i < indexes.size(); ++i) {
        plans.push_back(Walk(*c.query, *indexes[i], &error));
        where = splits[i]->path();
      }
    }
    CheckCompiled(c, text);
    if (!error.ok()) Raise(error, "explain failed in " + where);
    py::dict out;
    out["query"] = text;
    out["reading"] = c.read.reading;
    out["plan_text"] = c.query->ToString();
    out["sort"] = SortName(c.read.sort);
    out["diagnostics"] = Diagnostics(text, c.read.diagnostics);
    out["resolved_dates"] = c.read.resolved;
    out["document"] = py::none();
    py::list list;
    for (const cli::PlanNode& n : plans) list.append(PlanDict(n));
    out["plans"] = list;
    return out;
  }

  static const IndexHandle* Handle(const IndexHandle* h) {
    if (!h) throw py::type_error("splits must be a list of _Index");
    return h;
  }

  static QueryStatistics DecodeStatistics(const py::handle& bytes) {
    if (!py::isinstance<py::bytes>(bytes)) throw py::type_error("statistics must be bytes, not " + TypeName(bytes));
    auto s = QueryStatistics::Decode(bytes.cast<std::string>());
    if (!s.ok()) Raise(s.status(), "statistics");
    return std::move(*s);
  }

  // Compiles `text` once with `context`'s context and searches each of
  // `targets` (with `stats`: scored with them), one result dict each.
  static py::list SearchIn(const std::string& text, size_t limit, size_t offset, const std::string& sort,
                           const std::string& after, const std::vector<std::string>& facet_names, size_t facet_top,
                           bool snippets, bool collapse, const std::string& now, bool lenient, bool exact_total,
                           const IndexHandle& context, const std::vector<const IndexHandle*>& targets,
                           const QueryStatistics* stats, bool documents = true) {
    std::shared_ptr<Index> context_index = context.Get();
    std::vector<std::shared_ptr<Index>> indexes;
    for (const IndexHandle* h : targets) indexes.push_back(h->Get());
    SearchOptions options{.limit = limit, .offset = offset};
    for (const std::string& f : facet_names) options.facets.push_back(FacetFrom(f, facet_top));
    options.after = after;
    options.collapse = collapse;
    options.exact_total = exact_total;
    options.load_documents = documents;
    const SortOrder order = SortFrom(sort);
    const Days today = NowFrom(now);
    Compiled c;
    std::vector<Result<SearchResults>> results;
    std::vector<std::vector<std::optional<Snippet>>> passages(indexes.size());
    Status snippet_error;
    {
      py::gil_scoped_release release;
      c = Compile(*context_index, text, today, lenient, order);
      if (c.query.ok()) {
        options.sort = c.read.sort;
        options.facet_name = cli::ActorNames(c.context.gazetteer.get());
        for (size_t i = 0; i < indexes.size(); ++i) {
          const Index& index = *indexes[i];
          results.push_back(stats ? SearchWithStatistics(index, *c.query, *stats, options)
                                  : index.Search(*c.query, options));
          if (!results.back().ok()) break;
          if (snippets && documents) snippet_error = Snippets(*c.query, c.context, *results.back(), &passages[i]);
          if (!snippet_error.ok()) break;
        }
      }
    }
    CheckCompiled(c, text);
    for (const Result<SearchResults>& res : results) {
      if (res.ok()) continue;
      if (res.status().code() == StatusCode::kInvalidArgument && !after.empty() &&
          res.status().offset() == Status::kNoOffset)
        Raise(res.status(), "search: after");
      Raise(res.status(), "search failed", &c.read.reading, &c.read.diagnostics);
    }
    if (!snippet_error.ok()) Raise(snippet_error, "snippets");
    py::list all;
    for (size_t r = 0; r < results.size(); ++r) {
      const SearchResults& res = *results[r];
      py::dict out;
      out["query"] = text;
      out["reading"] = c.read.reading;
      out["sort"] = SortName(c.read.sort);
      out["total"] = res.total;
      out["total_exact"] = res.total_exact;
      py::list hits;
      for (size_t i = 0; i < res.hits.size(); ++i) {
        const Hit& h = res.hits[i];
        if (!documents) {  // what the merge needs; the fields come with FetchDocuments
          py::dict key;
          key["score"] = h.score;
          key["doc_id"] = h.doc_id;
          key["day"] = h.document.date ? py::object(py::int_(*h.document.date)) : py::object(py::none());
          key["split"] = h.split;
          hits.append(key);
          continue;
        }
        py::dict hit = DocumentDict(h.document, false);
        hit["score"] = h.score;
        hit["split"] = h.split;
        hit["doc_id"] = h.doc_id;
        hit["day"] = h.document.date ? py::object(py::int_(*h.document.date)) : py::object(py::none());
        hit["copies"] = h.copies;
        hit["snippet"] =
            i < passages[r].size() && passages[r][i] ? py::object(SnippetDict(*passages[r][i])) : py::none();
        hits.append(hit);
      }
      out["hits"] = hits;
      py::dict facets;
      for (const FacetResult& f : res.facets) {
        py::list counts;
        for (const FacetCount& fc : f.counts) counts.append(py::make_tuple(fc.value, fc.count));
        facets[py::str(f.name)] = counts;
      }
      out["facets"] = facets;
      out["next_cursor"] = res.next_cursor.empty() ? py::object(py::none()) : py::object(py::str(res.next_cursor));
      out["generation"] = res.generation;
      out["warnings"] = res.warnings;
      out["diagnostics"] = Diagnostics(text, c.read.diagnostics);
      out["resolved_dates"] = c.read.resolved;
      all.append(out);
    }
    return all;
  }

  py::list Timeline(const std::string& text, const std::string& by, const std::string& now, bool lenient) {
    std::shared_ptr<Index> index = Get();
    if (by != "day" && by != "week" && by != "month" && by != "year")
      RaiseValue("by '" + by + "' is not a period; use \"day\", \"week\", \"month\" or \"year\"");
    SearchOptions options{.limit = 0};
    options.facets = {FacetFrom("date:" + by, 10)};
    const Days today = NowFrom(now);
    Compiled c;
    Result<SearchResults> res = Status::Internal("");
    {
      py::gil_scoped_release release;
      c = Compile(*index, text, today, lenient, SortOrder::kRelevance);
      if (c.query.ok()) res = index->Search(*c.query, options);
    }
    CheckCompiled(c, text);
    if (!res.ok()) Raise(res.status(), "search failed", &c.read.reading, &c.read.diagnostics);
    py::list out;
    for (const FacetCount& fc : res->facets.at(0).counts) out.append(py::make_tuple(fc.value, fc.count));
    return out;
  }

  py::dict Explain(const std::string& text, const std::string& doc, const std::string& now, bool lenient) {
    std::shared_ptr<Index> index = Get();
    const Days today = NowFrom(now);
    Compiled c;
    cli::PlanNode plan;
    Status error;
    Result<Explanation> explained = Status::NotFound("");
    {
      py::gil_scoped_release release;
      c = Compile(*index, text, today, lenient, SortOrder::kRelevance);
      if (c.query.ok()) {
        plan = Walk(*c.query, *index, &error);
        if (error.ok() && !doc.empty())
          for (const std::string& id : cli::IdCandidates(doc))
            if ((explained = index->Explain(*c.query, id)).ok() || !explained.status().IsNotFound()) break;
      }
    }
    CheckCompiled(c, text);
    if (!error.ok()) Raise(error, "explain failed");
    py::dict out;
    out["query"] = text;
    out["reading"] = c.read.reading;
    out["plan_text"] = c.query->ToString();
    out["plan"] = PlanDict(plan);
    out["sort"] = SortName(c.read.sort);
    out["diagnostics"] = Diagnostics(text, c.read.diagnostics);
    out["resolved_dates"] = c.read.resolved;
    out["document"] = py::none();
    if (!doc.empty()) {
      if (!explained.ok()) Raise(explained.status(), "explain: no article with id '" + doc + "'");
      out["document"] = ExplanationDict(*explained);
    }
    return out;
  }

  py::dict GetDocument(const std::string& id) {
    std::shared_ptr<Index> index = Get();
    if (id.empty()) RaiseValue("the id is empty; give an article's id as search gives it (hit.id)");
    Result<Document> doc = Status::NotFound("");
    {
      py::gil_scoped_release release;
      for (const std::string& candidate : cli::IdCandidates(id))
        if ((doc = index->GetDocument(candidate)).ok() || !doc.status().IsNotFound()) break;
    }
    if (!doc.ok()) {
      if (doc.status().IsNotFound())
        Raise(
            Status::NotFound("no article with id '" + id + "' in " + path_ + " (ids are what search gives as hit.id)"),
            "");
      Raise(doc.status(), "cannot read article " + id);
    }
    return DocumentDict(*doc, true);
  }

  py::dict Stats() {
    std::shared_ptr<Index> index = Get();
    Result<IndexStats> s = Status::Internal("");
    {
      py::gil_scoped_release release;
      s = index->Stats();
    }
    if (!s.ok()) Raise(s.status(), "stats");
    py::dict out;
    out["documents"] = s->documents;
    out["terms"] = s->terms;
    out["size_bytes"] = s->size_bytes;
    out["generation"] = s->generation;
    out["format_version"] = s->format_version;
    out["partition"] = s->partition.empty() ? py::object(py::none()) : py::object(py::str(s->partition));
    py::list splits;
    for (const SplitStats& sp : s->splits) {
      py::dict d;
      d["name"] = sp.name;
      d["documents"] = sp.documents;
      d["size_bytes"] = sp.size_bytes;
      d["sealed"] = sp.sealed;
      splits.append(d);
    }
    out["splits"] = splits;
    return out;
  }

  // The application metadata `key` of the last commit (None when absent).
  py::object Metadata(const std::string& key) {
    std::shared_ptr<Index> index = Get();
    Result<std::string> v = Status::Internal("");
    {
      py::gil_scoped_release release;
      v = index->GetMetadata(key);
    }
    if (v.ok()) return py::str(*v);
    if (v.status().IsNotFound()) return py::none();
    Raise(v.status(), "cannot read metadata " + key);
  }
  void SetMetadata(const std::string& key, const std::string& value) {
    if (key.empty()) RaiseValue("the metadata key is empty");
    WithWriter("set_metadata", [&](Writer& w) { return w.SetMetadata(key, value); });
  }

  void Add(const py::dict& fields) {
    Document doc = DocumentFrom(fields);
    WithWriter("add", [&](Writer& w) { return w.Add(doc); });
  }
  void Delete(const std::string& id) {
    if (id.empty()) RaiseValue("the id is empty");
    WithWriter("delete", [&](Writer& w) { return w.Delete(id); });
  }
  void Commit() {
    WithWriter("commit failed (the batch is kept; commit again or roll back)", [](Writer& w) { return w.Commit(); });
  }
  void Rollback() {
    WithWriter("rollback", [](Writer& w) {
      w.Rollback();
      return Status::OK();
    });
  }
  size_t Pending() {
    size_t n = 0;
    WithWriter("pending", [&](Writer& w) {
      n = w.pending();
      return Status::OK();
    });
    return n;
  }

 private:
  std::shared_ptr<Index> Get() const {
    if (!index_) throw py::value_error("the index " + path_ + " is closed (it was closed or its with block ended)");
    return index_;
  }

  // Snippets of every hit, as `loupe search` makes them. Runs without the GIL.
  static Status Snippets(const Query& q, const cli::QueryContext& context, const SearchResults& res,
                         std::vector<std::optional<Snippet>>* out) {
    auto sn =
        Snippeter::Create(q, {.gazetteer = context.gazetteer.get(), .analyzer_options = context.analyzer_options});
    if (!sn.ok()) return sn.status();
    for (const Hit& h : res.hits) {
      (void)(*sn)->SetStemmerLanguage(DocumentStemmer(h.document));  // English if libstemmer lacks it
      auto s = (*sn)->Passages(h.document.body);
      if (!s.ok()) return s.status();
      out->push_back(std::move(*s));
    }
    return Status::OK();
  }

  template <typename Fn>
  void WithWriter(const char* what, Fn fn) {
    Get();
    if (!write_) throw py::value_error(std::string(what) + ": the index is open for reading; open it with write=True");
    Status s;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(writer_mu_);
      s = writer_ ? fn(*writer_) : Status::InvalidArgument("the index is closed");
    }
    if (!s.ok()) Raise(s, what);
  }

  std::string path_;
  bool write_;
  std::shared_ptr<Index> index_;  // null once closed
  std::mutex writer_mu_;
  std::unique_ptr<Writer> writer_;  // destroyed before index_ lets the index go
};

// The sum of splits' statistics (loupe/split_search.h). When prefix or fuzzy
// words need their terms chosen, they are chosen, and needs_expansions says
// the splits must be gathered again given the sum.
py::tuple SumStatistics(const std::vector<py::bytes>& parts) {
  QueryStatistics sum;
  for (const py::bytes& p : parts) sum.Add(IndexHandle::DecodeStatistics(p));
  const bool again = sum.NeedsExpansions();
  if (again) sum.ChooseExpansions();
  return py::make_tuple(py::bytes(sum.Encode()), again);
}

// The walk `loupe index` makes over `paths` (loupe/ingest/walk.h): the files
// it reads, in its order (by root, then by id), as (path, id, root); the
// files and folders it skips, as (path, reason); the roots it cannot read.
py::dict WalkPaths(const std::vector<std::string>& paths, bool follow) {
  Result<ingest::WalkResult> walked = Status::Internal("");
  {
    py::gil_scoped_release release;
    walked = ingest::Walk(paths, {.follow_symlinks = follow});
  }
  if (!walked.ok()) Raise(walked.status(), "walk");
  py::list files, skipped;
  for (const ingest::WalkFile& f : walked->files) files.append(py::make_tuple(f.path, f.id, f.root));
  for (const ingest::WalkSkip& k : walked->skipped) skipped.append(py::make_tuple(k.path, k.reason));
  py::dict out;
  out["files"] = files;
  out["skipped"] = skipped;
  out["errors"] = walked->errors;
  return out;
}

// The articles of one file as `loupe index` reads them (before tagging):
// (documents as dicts with their bodies, warnings, why the file was not read
// or ""). `path` is where to read it, `shown` the path the articles record.
py::tuple ReadArticles(const std::string& path, const std::string& id, const std::string& shown) {
  std::vector<Document> docs;
  std::vector<std::string> warnings;
  std::string skip;
  {
    py::gil_scoped_release release;
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::optional<ingest::Format> format = ingest::FormatOf(path);
    if (!in.is_open() || in.bad()) {
      skip = std::string("cannot read: ") + std::strerror(errno);
    } else if (!format) {
      skip = "not a format loupe index reads";
    } else if (text.find('\0') != std::string::npos) {
      skip = "binary file (NUL bytes): not read";
    } else if (text.find_first_not_of(" \t\r\n\f\v") == std::string::npos) {
      skip = "empty file: nothing to index";
    } else {
      auto parsed = ingest::ParseFile(text, *format, id, shown);
      if (parsed.ok()) {
        docs = std::move(parsed->docs);
        warnings = std::move(parsed->warnings);
      } else {
        warnings.push_back("not read: " + parsed.status().message());
      }
    }
  }
  py::list out;
  for (const Document& d : docs) out.append(DocumentDict(d, true));
  return py::make_tuple(out, warnings, skip);
}

// The split a document (a dict as Index.add takes) goes to in a collection
// partitioned by `partition` (loupe/split_search.h, CollectionSplitName).
std::string SplitOf(const std::string& partition, const py::dict& document) {
  Partition p;
  if (partition == "month") {
    p = Partition::kMonth;
  } else if (partition == "year") {
    p = Partition::kYear;
  } else {
    RaiseValue("partition '" + partition + "' is not one; use \"month\" or \"year\"");
  }
  return CollectionSplitName(p, DocumentFrom(document).date);
}

// index_folder: `loupe index --db DB PATH...`, its summary as a dict.
py::dict IndexFolder(const std::string& db, const std::vector<std::string>& paths, bool progress, bool no_delete,
                     bool follow, const std::string& partition, bool fold_diacritics, bool tagging) {
  if (paths.empty()) RaiseValue("index_folder needs at least one folder or file to index");
  if (!partition.empty() && partition != "month" && partition != "year" && partition != "none")
    RaiseValue("partition '" + partition + "' is not one; use \"month\", \"year\" or None (a plain index)");
  {
    std::lock_guard<std::recursive_mutex> lock(registry_mu);
    auto it = registry.find(Canonical(db));
    if (it != registry.end() && !it->second.index.expired())
      Raise(Status::InvalidArgument("it is open in this process; close it (leave its with block) first"),
            "index_folder: cannot index into " + db);
  }
  cli::IndexArgs args;
  args.db = db;
  args.paths = paths;
  args.quiet = !progress;
  args.no_delete = no_delete;
  args.follow = follow;
  args.partition = partition;
  args.fold_diacritics = fold_diacritics;
  args.no_tagging = !tagging;
  cli::IndexResult r;
  int rc;
  std::string messages;
  Status failure;
  {
    py::gil_scoped_release release;
    // The run reports its failures on std::cerr, as the command does; they
    // become the exception's message instead.
    static std::mutex cerr_mu;
    std::lock_guard<std::mutex> lock(cerr_mu);
    std::ostringstream captured;
    std::streambuf* old = std::cerr.rdbuf(captured.rdbuf());
    cli::ClearLastFailure();
    rc = cli::RunIndex(args, &r);
    std::cerr.rdbuf(old);
    messages = captured.str();
    failure = cli::LastFailure();
  }
  while (!messages.empty() && messages.back() == '\n') messages.pop_back();
  if (rc != cli::kExitOk && rc != cli::kExitInterrupted && !failure.ok()) Raise(Status(failure.code(), messages), "");
  if (rc == cli::kExitUsage) RaiseValue(messages.empty() ? "index_folder: nothing to index" : messages);
  if (rc != cli::kExitOk && rc != cli::kExitInterrupted) Raise(Status::IOError(messages), "");
  if (rc == cli::kExitInterrupted) {
    // The run committed what it added before the signal; the next run goes on.
    PyErr_SetString(PyExc_KeyboardInterrupt, "index_folder interrupted (what it added was committed)");
    throw py::error_already_set();
  }
  py::dict out;
  out["added"] = r.added;
  out["updated"] = r.updated;
  out["unchanged"] = r.unchanged;
  out["deleted"] = r.deleted;
  out["articles"] = r.articles;
  out["removed"] = r.removed;
  out["bytes_read"] = r.bytes_read;
  out["skipped"] = py::list();
  for (const cli::FileNote& n : r.skipped) out["skipped"].cast<py::list>().append(py::make_tuple(n.path, n.message));
  out["warnings"] = py::list();
  for (const cli::FileNote& n : r.warnings) out["warnings"].cast<py::list>().append(py::make_tuple(n.path, n.message));
  out["documents"] = r.index.documents;
  out["terms"] = r.index.terms;
  out["size_bytes"] = r.index.size_bytes;
  out["seconds"] = static_cast<double>(r.milliseconds) / 1000.0;
  return out;
}

}  // namespace
}  // namespace loupe::python

PYBIND11_MODULE(_loupe, m) {
  using loupe::python::IndexHandle;
  m.doc() = "The compiled core of the loupe package; use the package (import loupe), not this module.";
  m.attr("__version__") = loupe::Version();
  m.attr("FORMAT_VERSION") = loupe::kFormatVersion;
  py::class_<IndexHandle>(m, "_Index", "An open index or collection (loupe.Index wraps it).")
      .def(py::init<const std::string&, bool, const std::string&, bool>(), py::arg("path"), py::arg("write"),
           py::arg("partition"), py::arg("fold_diacritics"))
      .def("close", &IndexHandle::Close)
      .def_property_readonly("closed", &IndexHandle::closed)
      .def_property_readonly("writable", &IndexHandle::writable)
      .def_property_readonly("path", &IndexHandle::path)
      .def("search", &IndexHandle::Search, py::arg("query"), py::arg("limit"), py::arg("offset"), py::arg("sort"),
           py::arg("after"), py::arg("facets"), py::arg("facet_top"), py::arg("snippets"), py::arg("collapse"),
           py::arg("now"), py::arg("lenient"), py::arg("exact_total"))
      .def("gather", &IndexHandle::Gather, py::arg("splits"), py::arg("query"), py::arg("sort"), py::arg("now"),
           py::arg("lenient"), py::arg("chosen"))
      .def("search_with", &IndexHandle::SearchWith, py::arg("splits"), py::arg("query"), py::arg("stats"),
           py::arg("limit"), py::arg("sort"), py::arg("facets"), py::arg("facet_top"), py::arg("snippets"),
           py::arg("now"), py::arg("lenient"), py::arg("documents"))
      .def("fetch", &IndexHandle::Fetch, py::arg("splits"), py::arg("ids"), py::arg("query"), py::arg("now"),
           py::arg("lenient"), py::arg("snippets"))
      .def("plan_in", &IndexHandle::PlanIn, py::arg("splits"), py::arg("query"), py::arg("now"), py::arg("lenient"))
      .def("timeline", &IndexHandle::Timeline, py::arg("query"), py::arg("by"), py::arg("now"), py::arg("lenient"))
      .def("explain", &IndexHandle::Explain, py::arg("query"), py::arg("doc"), py::arg("now"), py::arg("lenient"))
      .def("document", &IndexHandle::GetDocument, py::arg("id"))
      .def("stats", &IndexHandle::Stats)
      .def("metadata", &IndexHandle::Metadata, py::arg("key"))
      .def("set_metadata", &IndexHandle::SetMetadata, py::arg("key"), py::arg("value"))
      .def("add", &IndexHandle::Add, py::arg("document"))
      .def("delete", &IndexHandle::Delete, py::arg("id"))
      .def("commit", &IndexHandle::Commit)
      .def("rollback", &IndexHandle::Rollback)
      .def("pending", &IndexHandle::Pending);
  m.def("sum_statistics", &loupe::python::SumStatistics, py::arg("parts"),
        "Sums the statistics of splits (bytes from _Index.gather); returns (bytes, needs_expansions): when the "
        "second is True, the expansions were chosen and each split must be gathered again with the bytes.");
  m.def("walk", &loupe::python::WalkPaths, py::arg("paths"), py::arg("follow"),
        "The files `loupe index PATHS...` reads, in its order: {files: [(path, id, root)], skipped, errors}.");
  m.def("read_articles", &loupe::python::ReadArticles, py::arg("path"), py::arg("id"), py::arg("shown"),
        "The articles of one file as `loupe index` parses them: (documents, warnings, skip reason or '').");
  m.def("split_of", &loupe::python::SplitOf, py::arg("partition"), py::arg("document"),
        "The split a document goes to in a collection partitioned by month or year.");
  m.def("index_folder", &loupe::python::IndexFolder, py::arg("db"), py::arg("paths"), py::arg("progress"),
        py::arg("no_delete"), py::arg("follow"), py::arg("partition"), py::arg("fold_diacritics"), py::arg("tagging"),
        "Runs `loupe index --db DB PATHS...` (loupe.index_folder wraps it).");
}
