// loupe serve --db DIR [--listen HOST:PORT] [--threads N] [--queue N] [--cors ORIGIN] ...
//
// The search page and its JSON API over one index, on cpp-httplib. The index
// is opened once, read-only, and shared by the worker threads; searches past
// --threads wait in a queue of --queue places, and past it are refused with
// 503 and Retry-After at once. SIGINT and SIGTERM stop accepting connections;
// the requests under way finish, then the command exits 0.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "cli/common.h"
#include "serve/api.h"
#include "serve/page.h"

namespace loupe::cli {
namespace {

using Clock = std::chrono::steady_clock;
using serve::ApiReply;
using serve::ErrorReply;

// Admission of the requests that read the index: `running` at once, `queue`
// more waiting for a place, served in the order they came (a condition
// variable alone wakes waiters in no order, and under load some waited
// seconds while later ones went first); the rest are refused. A waiting
// request gives up at its deadline.
class Gate {
 public:
  Gate(size_t running, size_t queue) : running_max_(running), queue_max_(queue) {}

  enum class Entry { kIn, kFull, kTimedOut };

  Entry Enter(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (running_ < running_max_ && waiting_.empty()) {
      ++running_;
      return Entry::kIn;
    }
    if (waiting_.size() >= queue_max_) return Entry::kFull;
    const uint64_t ticket = next_ticket_++;
    waiting_.push_back(ticket);
    const bool in =
        cv_.wait_until(lock, deadline, [&] { return running_ < running_max_ && waiting_.front() == ticket; });
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), ticket));
    if (in) ++running_;
    lock.unlock();
    cv_.notify_all();  // the next in line may be the one to go now
    return in ? Entry::kIn : Entry::kTimedOut;
  }

  void Leave() {
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  size_t running_ = 0;
  std::deque<uint64_t> waiting_;  // tickets, oldest first
  uint64_t next_ticket_ = 0;
  const size_t running_max_, queue_max_;
};

// A test hook, on only when $LOUPE_SERVE_TEST_GATE names a file: a search
// with hold=1 waits, once admitted, until that file exists, so that a test
// can fill the server deterministically; /api/_test/held says how many wait.
class TestHold {
 public:
  TestHold() {
    const char* file = std::getenv("LOUPE_SERVE_TEST_GATE");
    if (file && *file) file_ = file;
  }
  bool on() const { return !file_.empty(); }
  size_t held() const { return held_.load(); }
  void Hold() {
    ++held_;
    // Bounded, so that a test that never creates the file cannot hang the server.
    for (int i = 0; i < 6000 && !std::filesystem::exists(file_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    --held_;
  }

 private:
  std::string file_;
  std::atomic<size_t> held_{0};
};

// HOST:PORT, [IPV6]:PORT or PORT (on 127.0.0.1).
bool ParseListen(const std::string& listen, std::string* host, int* port) {
  std::string p = listen;
  *host = "127.0.0.1";
  if (!listen.empty() && listen[0] == '[') {
    size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') return false;
    *host = listen.substr(1, close - 1);
    p = listen.substr(close + 2);
  } else if (size_t colon = listen.rfind(':'); colon != std::string::npos) {
    *host = listen.substr(0, colon);
    p = listen.substr(colon + 1);
  }
  if (host->empty() || p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *port = std::stoi(p);
  return *port <= 65535;
}

bool IsLoopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

// A Host header naming this machine's loopback (with any port): what a page
// served from loopback sends. Another name reaching a loopback server is a
// page elsewhere that rebound its DNS name to 127.0.0.1.
bool LoopbackHostHeader(const std::string& value) {
  std::string h = value;
  if (!h.empty() && h[0] == '[') {
    size_t close = h.find(']');
    h = close == std::string::npos ? "" : h.substr(1, close - 1);
  } else if (size_t colon = h.rfind(':'); colon != std::string::npos) {
    h = h.substr(0, colon);
  }
  for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return IsLoopback(h);
}

void Send(httplib::Response& res, const ApiReply& reply) {
  res.status = reply.status;
  res.set_content(serve::Serialize(reply.body), "application/json; charset=utf-8");
}

// The headers of every response: no sniffing, no framing, no referrer, and a
// policy that runs only this server's own script and style files.
void SecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                 "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cross-Origin-Resource-Policy", "same-origin");
}

// Blocks SIGINT and SIGTERM in this thread and every thread it starts after,
// so that only the waiter below receives them.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

int RunServe(const ServeArgs& a) {
  std::string host;
  int port = 0;
  if (!ParseListen(a.listen, &host, &port)) {
    std::cerr << "loupe: serve: --listen expects HOST:PORT, [IPV6]:PORT or PORT (e.g. 127.0.0.1:7700), not '"
              << a.listen << "'\n";
    return kExitUsage;
  }
  auto opened = Index::Open(a.db, {.read_only = true});
  if (!opened.ok()) return Fail("cannot open index " + a.db, opened.status());
  std::shared_ptr<const Index> index = std::move(*opened);
  auto api =
      serve::Api::Create(index, a.db, {.max_query_bytes = a.max_query, .max_limit = a.max_limit, .max_facet_top = 100});
  if (!api.ok()) return Fail("cannot read index " + a.db, api.status());
  const bool loopback = IsLoopback(host);
  if (!loopback)
    std::cerr << "loupe: serve: warning: listening on " << host
              << ", which other machines may reach; there is no authentication: anyone who can connect can "
                 "read every article in "
              << a.db << " (use the default 127.0.0.1 unless that is meant)\n";

  const sigset_t stop_signals = BlockStopSignals();
  const size_t threads = a.threads ? a.threads : std::max<size_t>(2, std::thread::hardware_concurrency());
  Gate gate(threads, a.queue);
  TestHold hold;
  const auto deadline = std::chrono::milliseconds(a.deadline_ms);

  httplib::Server server;
  // Enough connection threads for --threads searches, --queue waiting ones
  // and a few to refuse the rest, serve the page and answer /api/parse.
  const size_t connections = threads + a.queue + 4;
  server.new_task_queue = [connections] { return new httplib::ThreadPool(connections); };
  server.set_keep_alive_max_count(100);
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_payload_max_length(64 * 1024);
  // An answer goes out in one write: without TCP_NODELAY, Nagle's algorithm and
  // the client's delayed ACK held each one back about 40 ms (22 requests a
  // second on one connection, whatever the request).
  server.set_tcp_nodelay(true);

  server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    SecurityHeaders(res);
    if (!a.cors.empty()) {
      res.set_header("Access-Control-Allow-Origin", a.cors);
      res.set_header("Vary", "Origin");
    }
    if (loopback && !LoopbackHostHeader(req.get_header_value("Host"))) {
      Send(res, ErrorReply(403,
                           "this server answers only requests addressed to its loopback address (Host: "
                           "127.0.0.1, localhost or [::1]), not '" +
                               req.get_header_value("Host") + "'"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method == "OPTIONS" && !a.cors.empty()) {
      res.set_header("Access-Control-Allow-Methods", "GET");
      res.set_header("Access-Control-Max-Age", "600");
      res.status = 204;
      return httplib::Server::HandlerResponse::Handled;
    }
    // The API reads nothing from a body: one sent anyway is refused before it
    // is read, whatever its size (the connection is closed after the answer).
    if (req.get_header_value("Transfer-Encoding") != "" ||
        (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0")) {
      res.set_header("Connection", "close");
      Send(res, ErrorReply(413, "a request to this server has no body (the API takes GET with query parameters)"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", "GET, HEAD");
      Send(res, ErrorReply(405, "only GET is served (the API reads the index and never writes it)"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  for (const serve::PageFile& f : serve::PageFiles()) {
    server.Get(f.path, [&f](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(f.content, f.size, f.type);
    });
  }

  // No icon: an empty answer, so that a browser asking for one logs no error.
  server.Get("/favicon.ico", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });

  if (hold.on())
    server.Get("/api/_test/held", [&](const httplib::Request&, httplib::Response& res) {
      Send(res, {200, serve::Json{{"held", hold.held()}}});
    });

  server.Get(R"(/api/([a-z]+))", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    const std::string endpoint = req.matches[1];
    const auto start = Clock::now();
    // /api/parse is called on every keystroke and never reads the index's
    // postings: it is not queued behind searches.
    const bool gated = endpoint != "parse";
    if (gated) {
      switch (gate.Enter(start + deadline)) {
        case Gate::Entry::kIn:
          break;
        case Gate::Entry::kFull:
          res.set_header("Retry-After", "1");
          Send(res, ErrorReply(503, "the server is busy: its " + std::to_string(threads) +
                                        " threads (--threads) are searching and " + std::to_string(a.queue) +
                                        " requests (--queue) wait; retry in a moment"));
          return;
        case Gate::Entry::kTimedOut:
          res.set_header("Retry-After", "1");
          Send(res, ErrorReply(503, "the server is busy: the request waited " + std::to_string(a.deadline_ms) +
                                        " ms (--deadline) for a place; retry in a moment"));
          return;
      }
    }
    if (hold.on() && req.has_param("hold")) hold.Hold();
    // The deadline bounds the wait for a place and the search together: a
    // search still running at it is stopped by the engine (503).
    ApiReply reply = (*api)->Handle(endpoint, req.params, start + deadline);
    if (gated) gate.Leave();
    if (reply.status == 503) res.set_header("Retry-After", "1");
    Send(res, reply);
  });

  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message = res.status == 404   ? "nothing at " + req.path + " (the page is at /, the API under /api/)"
                          : res.status == 414 ? "the request's URI is too long"
                          : res.status == 413 ? "the request's body is too large"
                          : res.status == 400 ? "the request is malformed, or a header line is longer than 8 KiB"
                                              : "the request cannot be served";
    Send(res, ErrorReply(res.status, message));
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    Send(res, ErrorReply(500, "internal error answering the request"));
  });

  port = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (port < 0) {
    std::cerr << "loupe: serve: cannot listen on " << a.listen
              << " (is another server using that port? give another with --listen HOST:PORT)\n";
    return kExitIndex;
  }
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::cout << "loupe: serving " << a.db << " at http://" << shown_host << ":" << port << "/ (Ctrl-C stops)"
            << std::endl;

  // Stops the server on SIGINT or SIGTERM (again until it stops: a signal
  // may come before listen_after_bind has started, when stop() does nothing).
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    const timespec tick{0, 100 * 1000 * 1000};
    bool stopping = false;
    while (!done.load()) {
      if (!stopping) stopping = sigtimedwait(&stop_signals, nullptr, &tick) > 0;
      if (stopping) {
        server.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  const bool listened = server.listen_after_bind();
  done = true;
  waiter.join();
  if (!listened) {
    std::cerr << "loupe: serve: the server stopped with an error\n";
    return kExitIndex;
  }
  std::cerr << "loupe: serve: stopped\n";
  return kExitOk;
}

}  // namespace loupe::cli
