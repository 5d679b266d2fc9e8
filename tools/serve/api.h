// The JSON API of `loupe serve`, apart from HTTP: a request (an endpoint and
// its query parameters) in, a status code and a JSON body out. The bodies are
// the CLI's `--format json` shapes (cli/json_output.h), computed by the same
// code as the commands (cli/commands.h). No HTTP library type appears here,
// so that the API can be read and tested without one.
#ifndef LOUPE_TOOLS_SERVE_API_H_
#define LOUPE_TOOLS_SERVE_API_H_

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/common.h"
#include "loupe/index.h"

namespace loupe::serve {

using Json = nlohmann::ordered_json;

// Query parameters, decoded, in the order given; a name may repeat (facet).
using Params = std::multimap<std::string, std::string>;

// The limits one request is held to.
struct ApiLimits {
  size_t max_query_bytes = 4096;  // q longer than this: 400
  size_t max_limit = 100;         // limit above this: 400
  size_t max_offset = 10000;      // offset above this: 400 (page with after instead)
  size_t max_facet_top = 100;     // facet_top and top above this: 400
};

// What an endpoint answers: the HTTP status and the JSON body. An error body
// holds "error" (a sentence saying what is wrong and how to fix it) and, for
// a query that cannot run, the CLI's rejected-query shape (query, error,
// diagnostics: message, offset, length in bytes, fix).
struct ApiReply {
  int status = 200;
  Json body = Json::object();
};

// The endpoints over one open index. Thread-safe: Handle may be called from
// any number of threads at once (the index is shared, read-only; each call
// makes its own analyzer).
class Api {
 public:
  // `index` open (read-only), `db` the folder as given (stats shows it).
  // Errors: the index's analysis record cannot be read.
  static Result<std::unique_ptr<Api>> Create(std::shared_ptr<const Index> index, std::string db, ApiLimits limits);

  // Answers GET `endpoint` ("search", "explain", "timeline", "document",
  // "stats", "parse", "names": the path after /api/) with `params`. Never throws; an
  // unknown endpoint is 404. A search or timeline still running at `deadline`
  // is stopped and answered 503.
  ApiReply Handle(const std::string& endpoint, const Params& params,
                  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max()) const;

 private:
  Api(std::shared_ptr<const Index> index, std::string db, ApiLimits limits, cli::QueryContext context);
  // The query `q` with the request's `now`, prepared on the index as a
  // search sorted by `sort`; false with *error (400) when either is refused.
  bool Prepare(const Params& p, const std::string& q, bool lenient, const std::string& sort,
               cli::PreparedQuery* prepared, ApiReply* error) const;
  ApiReply Search(const Params& p, std::chrono::steady_clock::time_point deadline) const;
  ApiReply Explain(const Params& p) const;
  ApiReply Timeline(const Params& p, std::chrono::steady_clock::time_point deadline) const;
  ApiReply Document(const Params& p) const;
  ApiReply Stats() const;
  ApiReply Parse(const Params& p) const;
  // The names of the actors named by each `name` (canonical name or alias),
  // from the gazetteer the index was tagged with: {"names": [{"name",
  // "canonical" (null when it names no actor), "aliases"}]}, in the order
  // given. For the page's actor facet (aliases on hover, names in the
  // reader's script). 1 to ApiLimits::max_facet_top names.
  ApiReply Names(const Params& p) const;

  std::shared_ptr<const Index> index_;
  std::string db_;
  ApiLimits limits_;
  cli::QueryContext context_;
};

// {"error": message} with `status`.
ApiReply ErrorReply(int status, const std::string& message);

// The body as sent: compact JSON, invalid UTF-8 replaced.
std::string Serialize(const Json& body);

}  // namespace loupe::serve

#endif  // LOUPE_TOOLS_SERVE_API_H_
