#include "serve/api.h"

#include <charconv>
#include <exception>
#include <iterator>
#include <new>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/json_output.h"

namespace loupe::serve {
namespace {

// The first value of `name`, or "" (and *given false) when absent.
std::string Get(const Params& p, const std::string& name, bool* given = nullptr) {
  auto it = p.find(name);
  if (given) *given = it != p.end();
  return it == p.end() ? std::string() : it->second;
}

// Every value of `name`, in order.
std::vector<std::string> GetAll(const Params& p, const std::string& name) {
  std::vector<std::string> values;
  for (auto [it, end] = p.equal_range(name); it != end; ++it) values.push_back(it->second);
  return values;
}

// A flag: absent, "", "0" or "false" is off; "1", "true" or "" given as
// `lenient` alone (?lenient) is on.
bool Flag(const Params& p, const std::string& name) {
  bool given = false;
  std::string v = Get(p, name, &given);
  return given && v != "0" && v != "false";
}

// Reads the whole number `name` (default `def`, at most `max`) into *out, or
// returns the 400 that says what is wrong.
bool Number(const Params& p, const std::string& name, size_t def, size_t max, size_t* out, ApiReply* error) {
  bool given = false;
  std::string v = Get(p, name, &given);
  *out = def;
  if (!given) return true;
  uint64_t n = 0;
  auto [at, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || at != v.data() + v.size() || n > max) {
    *error = ErrorReply(400, name + " must be a whole number from 0 to " + std::to_string(max) + ", not '" + v + "'");
    return false;
  }
  *out = static_cast<size_t>(n);
  return true;
}

// The day relative dates count back from: now=YYYY-MM-DD, or today (UTC).
bool Now(const Params& p, Days* now, bool* given, ApiReply* error) {
  std::string v = Get(p, "now", given);
  if (!*given || v.empty()) {
    *given = false;
    return cli::ParseNow("", "serve", now);
  }
  if (ParseIsoDate(v, now)) return true;
  *error = ErrorReply(400, "now must be a day as YYYY-MM-DD (e.g. now=2025-09-20), not '" + v + "'");
  return false;
}

// q, present and within the length limit.
bool QueryText(const Params& p, const ApiLimits& limits, std::string* q, ApiReply* error) {
  bool given = false;
  *q = Get(p, "q", &given);
  if (!given) {
    *error = ErrorReply(400, "the query is missing: give it as q=... (e.g. /api/search?q=tariffs)");
    return false;
  }
  if (q->size() > limits.max_query_bytes) {
    *error = ErrorReply(400, "the query is " + std::to_string(q->size()) + " bytes long; at most " +
                                 std::to_string(limits.max_query_bytes) + " are accepted (loupe serve --max-query)");
    return false;
  }
  return true;
}

// A query that cannot run: the CLI's rejected-query shape, 400.
ApiReply Rejected(const std::string& query, const Status& s, const std::vector<Diagnostic>& diagnostics) {
  return {400, cli::RejectedQueryJson(query, s, diagnostics)};
}

// An error of the index (not of the request): 500, or 404 for a missing one.
ApiReply IndexError(const std::string& what, const Status& s) {
  if (s.code() == StatusCode::kDeadlineExceeded)
    return ErrorReply(503,
                      "the search ran past the server's deadline (--deadline) and was stopped; narrow the query "
                      "(fewer prefix or fuzzy words, a date range) or retry when the server is less busy");
  return ErrorReply(s.IsNotFound()                           ? 404
                    : cli::ExitCodeFor(s) == cli::kExitUsage ? 400
                                                             : 500,
                    what + ": " + s.message());
}

}  // namespace

ApiReply ErrorReply(int status, const std::string& message) { return {status, Json{{"error", message}}}; }

std::string Serialize(const Json& body) { return body.dump(-1, ' ', false, Json::error_handler_t::replace); }

Api::Api(std::shared_ptr<const Index> index, std::string db, ApiLimits limits, cli::QueryContext context)
    : index_(std::move(index)), db_(std::move(db)), limits_(limits), context_(std::move(context)) {}

Result<std::unique_ptr<Api>> Api::Create(std::shared_ptr<const Index> index, std::string db, ApiLimits limits) {
  cli::QueryContext context;
  if (Status s = cli::ReadQueryContext(*index, &context); !s.ok()) return s;
  return std::unique_ptr<Api>(new Api(std::move(index), std::move(db), limits, std::move(context)));
}

ApiReply Api::Handle(const std::string& endpoint, const Params& params,
                     std::chrono::steady_clock::time_point deadline) const {
  try {
    if (endpoint == "search") return Search(params, deadline);
    if (endpoint == "explain") return Explain(params);
    if (endpoint == "timeline") return Timeline(params, deadline);
    if (endpoint == "document") return Document(params);
    if (endpoint == "stats") return Stats();
    if (endpoint == "parse") return Parse(params);
    if (endpoint == "names") return Names(params);
    return ErrorReply(404, "no endpoint /api/" + endpoint +
                               "; the endpoints are search, explain, timeline, document, stats, parse and names");
  } catch (const std::bad_alloc&) {
    return ErrorReply(503, "out of memory answering /api/" + endpoint + "; try again, or a smaller request");
  } catch (const std::exception& e) {
    return ErrorReply(500, std::string("internal error: ") + e.what());
  }
}

bool Api::Prepare(const Params& p, const std::string& q, bool lenient, const std::string& sort,
                  cli::PreparedQuery* prepared, ApiReply* error) const {
  Days now = 0;
  bool now_given = false;
  if (!Now(p, &now, &now_given, error)) return false;
  if (Status s = cli::PrepareOn(index_, context_, q, now, now_given, lenient, sort, prepared); !s.ok()) {
    *error = Rejected(q, s, prepared->read.diagnostics);
    return false;
  }
  return true;
}

ApiReply Api::Search(const Params& p, std::chrono::steady_clock::time_point deadline) const {
  ApiReply error;
  cli::SearchArgs a;
  a.deadline = deadline;
  std::string q;
  if (!QueryText(p, limits_, &q, &error)) return error;
  if (!Number(p, "limit", 10, limits_.max_limit, &a.limit, &error) ||
      !Number(p, "offset", 0, limits_.max_offset, &a.offset, &error) ||
      !Number(p, "facet_top", 10, limits_.max_facet_top, &a.facet_top, &error))
    return error;
  a.sort = Get(p, "sort");
  if (a.sort.empty()) a.sort = "relevance";
  if (a.sort != "relevance" && a.sort != "date" && a.sort != "-date")
    return ErrorReply(400, "sort must be relevance, date or -date, not '" + a.sort + "'");
  a.after = Get(p, "after");
  a.lenient = Flag(p, "lenient");
  a.collapse = Flag(p, "collapse");
  a.facets = GetAll(p, "facet");
  std::vector<FacetRequest> facets;
  // ParseFacets says what is wrong on stderr, as the CLI's; the reply says it too.
  if (!cli::ParseFacets(a.facets, a.facet_top, "serve", &facets))
    return ErrorReply(400, "unknown facet in '" + cli::Join(a.facets, ",") +
                               "'; facets are actor, topic, author and date:day|week|month|year");
  cli::PreparedQuery prepared;
  if (!Prepare(p, q, a.lenient, a.sort, &prepared, &error)) return error;
  cli::SearchResult r;
  std::string what;
  if (Status s = cli::SearchPrepared(a, prepared, facets, false, &r, &what); !s.ok()) {
    if (s.offset() != Status::kNoOffset)  // refused at a limit, at these words
      return Rejected(prepared.read.reading, s, {Diagnostic::From(s)});
    if (s.code() == StatusCode::kInvalidArgument && !a.after.empty()) return ErrorReply(400, "after: " + s.message());
    return IndexError(what, s);
  }
  return {200, cli::ToJson(r)};
}

ApiReply Api::Explain(const Params& p) const {
  ApiReply error;
  cli::ExplainArgs a;
  std::string q;
  if (!QueryText(p, limits_, &q, &error)) return error;
  a.lenient = Flag(p, "lenient");
  a.doc = Get(p, "doc");
  a.db = db_;
  bool now_given = false;
  cli::ExplainResult r{.query = q, .db = db_, .doc = a.doc};
  if (!Now(p, &r.now, &now_given, &error)) return error;
  auto analyzer = Analyzer::Create(context_.analyzer_options);
  if (!analyzer.ok()) return IndexError("analyzer", analyzer.status());
  cli::QueryReading read;
  auto compiled = cli::CompileForIndex(q, **analyzer, context_, r.now, a.lenient, &read);
  r.reading = read.reading, r.sort = read.sort, r.diagnostics = read.diagnostics, r.resolved_dates = read.resolved;
  if (!compiled.ok()) return Rejected(q, compiled.status(), r.diagnostics);
  if (Status s = cli::ExplainCompiled(a, index_.get(), context_, **analyzer, *compiled, &r); !s.ok()) {
    if (s.IsNotFound() && !a.doc.empty()) return ErrorReply(404, "no article with id '" + a.doc + "' in the index");
    return IndexError("explain failed", s);
  }
  return {200, cli::ToJson(r)};
}

ApiReply Api::Timeline(const Params& p, std::chrono::steady_clock::time_point deadline) const {
  ApiReply error;
  cli::TimelineArgs a;
  a.deadline = deadline;
  std::string q;
  if (!QueryText(p, limits_, &q, &error)) return error;
  bool given = false;
  a.by = Get(p, "by", &given);
  if (!given || a.by.empty()) a.by = "month";
  if (a.by != "day" && a.by != "week" && a.by != "month" && a.by != "year")
    return ErrorReply(400, "by must be day, week, month or year, not '" + a.by + "'");
  a.facet = Get(p, "facet");
  if (!a.facet.empty() && a.facet != "actor" && a.facet != "topic" && a.facet != "author")
    return ErrorReply(400, "facet must be actor, topic or author, not '" + a.facet + "'");
  if (!Number(p, "top", 5, 16, &a.top, &error)) return error;
  a.lenient = Flag(p, "lenient");
  cli::PreparedQuery prepared;
  if (!Prepare(p, q, a.lenient, "relevance", &prepared, &error)) return error;
  cli::TimelineResult r;
  if (Status s = cli::TimelinePrepared(a, prepared, &r); !s.ok()) return IndexError("search failed", s);
  return {200, cli::ToJson(r)};
}

ApiReply Api::Document(const Params& p) const {
  bool given = false;
  std::string id = Get(p, "id", &given);
  if (!given || id.empty())
    return ErrorReply(400, "the id is missing: give it as id=... (an article's id as /api/search returns it)");
  if (id.size() > limits_.max_query_bytes) return ErrorReply(404, "no article with that id in the index");
  // Only ids the index holds are answered: GetDocument looks the id up in the
  // index, never in the file system, so a path (../x, /etc/passwd) is just an
  // id that is not there.
  auto doc = cli::FindDocument(*index_, id);
  if (!doc.ok()) {
    if (doc.status().IsNotFound())
      return ErrorReply(
          404, "no article with id '" + cli::ShownId(id, true) + "' in the index (ids are those /api/search returns)");
    return IndexError("cannot read the article", doc.status());
  }
  return {200, cli::ToJson(cli::ShowResult{.document = std::move(*doc)})};
}

ApiReply Api::Stats() const {
  cli::StatsResult r;
  if (Status s = cli::ReadStats(*index_, db_, false, &r); !s.ok()) return IndexError("cannot read the index", s);
  return {200, cli::ToJson(r)};
}

ApiReply Api::Parse(const Params& p) const {
  ApiReply error;
  std::string q;
  if (!QueryText(p, limits_, &q, &error)) return error;
  Days now = 0;
  bool now_given = false;
  if (!Now(p, &now, &now_given, &error)) return error;
  // The query as search would compile it (the index's fields, actors and
  // languages), without running it: every error and warning with its fix.
  auto analyzer = Analyzer::Create(context_.analyzer_options);
  if (!analyzer.ok()) return IndexError("analyzer", analyzer.status());
  cli::QueryReading read;
  auto compiled = cli::CompileForIndex(q, **analyzer, context_, now, false, &read);
  if (!compiled.ok() && read.diagnostics.empty()) read.diagnostics.push_back(Diagnostic::From(compiled.status()));
  Json out = Json::object();
  out["query"] = q;
  out["ok"] = compiled.ok();
  if (!compiled.ok()) out["error"] = compiled.status().message();
  out["diagnostics"] = cli::DiagnosticsJson(q, read.diagnostics);
  return {200, std::move(out)};
}

ApiReply Api::Names(const Params& p) const {
  auto [begin, end] = p.equal_range("name");
  const size_t given = static_cast<size_t>(std::distance(begin, end));
  if (given == 0) return ErrorReply(400, "no name given: give one or more as name=... (e.g. /api/names?name=Bessent)");
  if (given > limits_.max_facet_top)
    return ErrorReply(400, std::to_string(given) + " names given; at most " + std::to_string(limits_.max_facet_top) +
                               " are answered at once");
  Json names = Json::array();
  for (auto it = begin; it != end; ++it) {
    const std::string& name = it->second;
    if (name.size() > limits_.max_query_bytes)
      return ErrorReply(400, "a name is " + std::to_string(name.size()) + " bytes long; at most " +
                                 std::to_string(limits_.max_query_bytes) + " are accepted (loupe serve --max-query)");
    // The gazetteer the articles were tagged with, as actor: resolves it.
    std::vector<std::string> all = context_.gazetteer ? context_.gazetteer->NamesOf(name) : std::vector<std::string>{};
    Json entry = Json::object();
    entry["name"] = name;
    entry["canonical"] = all.empty() ? Json(nullptr) : Json(all[0]);
    Json aliases = Json::array();
    for (size_t i = 1; i < all.size(); ++i) aliases.push_back(all[i]);
    entry["aliases"] = std::move(aliases);
    names.push_back(std::move(entry));
  }
  return {200, Json{{"names", std::move(names)}}};
}

}  // namespace loupe::serve
