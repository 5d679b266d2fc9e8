// No exception crosses the library boundary: an exception raised inside a
// public function (an allocation that fails, a user's callback that throws)
// comes back as a non-OK Status.
//
// This binary replaces the global operator new with one that, when armed,
// throws std::bad_alloc at its N-th allocation. Each public function is run
// for N = 0, 1, 2, ... (spaced out as N grows) until a run completes without
// the failure being hit, and again with every allocation failing from the N-th
// on: every run must return, not throw, and a run in which the failure was hit
// must return a non-OK status.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ingest/readers.h"  // CleanText, ToUtf8: private, but called by the public readers
#include "loupe/analyzer.h"
#include "loupe/custom_fields.h"
#include "loupe/index.h"
#include "loupe/ingest/article.h"
#include "loupe/ingest/feed.h"
#include "loupe/ingest/formats.h"
#include "loupe/ingest/html.h"
#include "loupe/ingest/walk.h"
#include "loupe/query_parser.h"
#include "loupe/snippet.h"
#include "loupe/status.h"
#include "loupe/suggest.h"
#include "loupe/tagger.h"
#include "support/test_util.h"

namespace {

// Allocations left before the one that fails; negative: not armed.
std::atomic<long> g_countdown{-1};
std::atomic<bool> g_fired{false};
long g_next = -1;  // what Arm() sets g_countdown to
// Sticky: once the failure is hit, every allocation fails until Disarm(), as
// when memory stays short (reporting the failure must then need none).
bool g_sticky = false;
std::atomic<bool> g_failing{false};
// When set, the next allocation made on a thread other than g_main_thread fails.
std::atomic<bool> g_fail_off_thread{false};
std::thread::id g_main_thread;

// Around the call under test only: the test's own allocations (its arguments,
// copying the status it returns) must not fail.
void Arm() { g_countdown = g_next; }
void Disarm() {
  g_countdown = -1;
  g_failing = false;
}

}  // namespace

// Not under AddressSanitizer or ThreadSanitizer, whose runtime has its own
// operator new (a replacement would pair its new with our delete): there the
// allocation tests are skipped, and the other builds run them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOUPE_INJECT_ALLOCATIONS 0
#else
#define LOUPE_INJECT_ALLOCATIONS 1
#endif

#if LOUPE_INJECT_ALLOCATIONS
void* operator new(std::size_t size) {
  if (g_fail_off_thread.load(std::memory_order_relaxed) && std::this_thread::get_id() != g_main_thread &&
      g_fail_off_thread.exchange(false)) {
    g_fired = true;
    throw std::bad_alloc();
  }
  if (g_failing.load(std::memory_order_relaxed)) throw std::bad_alloc();
  if (g_countdown.load(std::memory_order_relaxed) >= 0 && g_countdown.fetch_sub(1) == 0) {
    g_countdown = -1;
    g_fired = true;
    if (g_sticky) g_failing = true;
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
// The nothrow form never fails here: its callers (std::stable_sort's buffer)
// do without the memory by design, which is no error to report.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return std::malloc(size ? size : 1); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

using namespace loupe;

namespace {

// What running a function under every allocation failure gave.
struct Outcome {
  int runs = 0;       // runs in which the failure was hit
  int escaped = 0;    // of those, runs that threw instead of returning
  int swallowed = 0;  // of those, runs that returned an OK status
  int aborted = 0;    // of those, runs that ended the process (std::terminate)
  long first = -1;    // the first N that went wrong
};

// `f` calls the function under test between Arm() and Disarm() and returns
// its status. Runs it with the N-th allocation
// after Arm() failing, for each N until a run hits no failure (or `max_runs`
// runs). Each run is a child process, so that one that aborts is counted too;
// `f` must therefore open what it uses (an LMDB environment is not to be used
// across fork()).
Outcome Inject(const std::function<Status()>& f, bool sticky, int max_runs = 400) {
  enum { kContained = 10, kSwallowed, kEscaped, kNotHit };
  Outcome out;
  for (long n = 0; out.runs < max_runs; n += 1 + n / 40) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::signal(SIGABRT, SIG_DFL);  // an abort is the parent's to count, not the test framework's to report
      g_next = n;
      g_sticky = sticky;
      int code;
      try {
        const bool ok = f().ok();
        Disarm();
        code = !g_fired ? kNotHit : ok ? kSwallowed : kContained;
      } catch (...) {
        code = kEscaped;
      }
      std::_Exit(code);
    }
    int wstatus = 0;
    REQUIRE(pid > 0);
    REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
    const int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    if (code == kNotHit) break;  // ran to the end: every allocation was tried
    ++out.runs;
    if (code == kContained) continue;
    if (out.first < 0) out.first = n;
    if (code == kEscaped)
      ++out.escaped;
    else if (code == kSwallowed)
      ++out.swallowed;
    else
      ++out.aborted;
  }
  return out;
}

// Runs the function with one allocation failing, then with every allocation
// failing from that one on.
#define CHECK_CONTAINED(name, ...)                                                                               \
  do {                                                                                                           \
    for (bool sticky : {false, true}) {                                                                          \
      Outcome o = Inject(__VA_ARGS__, sticky);                                                                   \
      INFO(name << (sticky ? " (every allocation failing from N on)" : " (the N-th allocation failing)") << ": " \
                << o.runs << " failures injected; first wrong at N = " << o.first);                              \
      CHECK(o.runs > 0);                                                                                         \
      CHECK(o.escaped == 0);                                                                                     \
      CHECK(o.swallowed == 0);                                                                                   \
      CHECK(o.aborted == 0);                                                                                     \
    }                                                                                                            \
  } while (0)

Document Doc(const std::string& id, const std::string& title, const std::string& body) {
  Document d;
  d.id = id;
  d.title = title;
  d.body = body;
  d.actors = {"Scott Bessent"};
  d.topics = {"tariffs"};
  return d;
}

const char kBody[] =
    "Treasury Secretary Scott Bessent said the new tariffs would stay until trade talks resume. "
    "Exporters in China said the tariff on steel hurt most.";

IndexOptions NewIndexOptions() {
  IndexOptions o;
  o.create_if_missing = true;
  o.writer_threads = 0;  // every allocation on this thread, in a fixed order
  return o;
}

// An index of two documents.
std::unique_ptr<Index> TwoDocs(const test::TempDir& dir) {
  auto idx = Index::Open(dir.sub("idx"), NewIndexOptions());
  REQUIRE(idx.ok());
  auto w = (*idx)->NewWriter();
  REQUIRE(w.ok());
  REQUIRE((*w)->Add(Doc("a", "Tariffs stay", kBody)).ok());
  REQUIRE((*w)->Add(Doc("b", "Steel", "Steel exporters in China")).ok());
  REQUIRE((*w)->Commit().ok());
  return std::move(*idx);
}

// The index TwoDocs made, opened again (in the child process that uses it).
std::unique_ptr<Index> Reopen(const test::TempDir& dir) {
  auto idx = Index::Open(dir.sub("idx"), NewIndexOptions());
  return idx.ok() ? std::move(*idx) : nullptr;
}

// A gazetteer that throws, as a user's may.
class ThrowingGazetteer : public Gazetteer {
 public:
  std::vector<std::string> NamesOf(std::string_view) const override { throw std::runtime_error("gazetteer failed"); }
};

}  // namespace

TEST_CASE("Status costs one pointer") {
  static_assert(sizeof(Status) == sizeof(void*));
  Status s = Status::QuerySyntax("bad", 3, 2).WithFix(3, 2, "ok");
  Status copy = s;
  CHECK(copy.code() == StatusCode::kQuerySyntax);
  CHECK(copy.message() == "bad");
  CHECK(copy.offset() == 3);
  CHECK(copy.fix_text() == "ok");
  CHECK(Status().offset() == Status::kNoOffset);
  CHECK(Status().message().empty());
  CHECK(Status::IOError("x").offset() == Status::kNoOffset);
}

TEST_CASE("an allocation failure in the index API comes back as a status") {
  if (!LOUPE_INJECT_ALLOCATIONS) return;  // see operator new above
  test::TempDir dir;
  int n = 0;
  CHECK_CONTAINED("Index::Open", [&]() -> Status {
    const std::string path = dir.sub("open" + std::to_string(n++));
    const IndexOptions o = NewIndexOptions();
    Arm();
    auto r = Index::Open(path, o);
    Disarm();
    return r.status();
  });
  TwoDocs(dir);
  CHECK_CONTAINED("Writer::Add+Commit", [&]() -> Status {
    auto idx = Reopen(dir);
    const Document doc = Doc("c", "Soybeans", "Soybean exports fell");
    Arm();
    auto w = idx->NewWriter();
    Status s = w.ok() ? (*w)->Add(doc) : Status::OK();
    if (w.ok() && s.ok()) s = (*w)->Commit();
    Disarm();
    return w.ok() ? s : w.status();
  });
  CHECK_CONTAINED("Writer::SetMetadata", [&]() -> Status {
    auto idx = Reopen(dir);
    auto w = idx->NewWriter();
    if (!w.ok()) return w.status();
    const std::string value(100, 'v');
    Arm();
    Status s = (*w)->SetMetadata("a-key-longer-than-inline-strings", value);
    Disarm();
    return s;
  });
  CHECK_CONTAINED("Writer::UpdateMetadata", [&]() -> Status {
    auto idx = Reopen(dir);
    auto w = idx->NewWriter();
    if (!w.ok()) return w.status();
    const Writer::MetadataChange append = [](const std::string* old) -> Result<std::string> {
      return (old ? *old : std::string()) + std::string(100, 'v');
    };
    Arm();
    Status s = (*w)->UpdateMetadata("a-key-longer-than-inline-strings", append).status();
    Disarm();
    return s;
  });
  const Query tariff = Query::Term(Field::kBody, "tariff");
  CHECK_CONTAINED("Index::Search", [&]() -> Status {
    auto idx = Reopen(dir);
    Arm();
    auto r = idx->Search(tariff);
    Disarm();
    return r.status();
  });
}

TEST_CASE("an allocation failure in a thread the writer starts comes back as a status") {
  if (!LOUPE_INJECT_ALLOCATIONS) return;  // see operator new above
  // A commit of more than one 32 KiB block of documents compresses them on a
  // second thread; its first allocation fails. Run in a child process, since
  // an exception that leaves a thread ends the process.
  test::TempDir dir;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::signal(SIGABRT, SIG_DFL);
    auto idx = Index::Open(dir.sub("idx"), NewIndexOptions());
    if (!idx.ok()) std::_Exit(20);
    auto w = (*idx)->NewWriter();
    if (!w.ok()) std::_Exit(21);
    for (int i = 0; i < 4; ++i) {
      std::string body;
      for (int k = 0; body.size() < 20000; ++k) body += "word" + std::to_string(i * 100000 + k) + " ";
      if (!(*w)->Add(Doc("d" + std::to_string(i), "Title", body)).ok()) std::_Exit(22);
    }
    g_main_thread = std::this_thread::get_id();
    g_fired = false;
    g_fail_off_thread = true;
    Status s = (*w)->Commit();
    g_fail_off_thread = false;
    std::_Exit(!g_fired ? 23 : s.ok() ? 24 : 0);
  }
  int wstatus = 0;
  REQUIRE(pid > 0);
  REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
  INFO(
      "20-22: setup failed, 23: no allocation failed on another thread, 24: an OK status, "
      "-1: the process ended (signal)");
  CHECK((WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) == 0);
}

TEST_CASE("an allocation failure in the query API comes back as a status") {
  if (!LOUPE_INJECT_ALLOCATIONS) return;  // see operator new above
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  const char* text = "actor:Bessent AND (tariffs OR \"trade talks\") NOT steel before:2025-09-17";
  CHECK_CONTAINED("ParseQuery", [&]() -> Status {
    std::vector<Diagnostic> warnings;
    Arm();
    auto r = ParseQuery(text, &warnings);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("CompileQuery(analyzer)", [&]() -> Status {
    std::vector<Diagnostic> diagnostics;
    PlanOptions o;
    o.diagnostics = &diagnostics;
    o.lenient = true;
    Arm();
    auto r = CompileQuery("acter:Bessent AND tarifs or duties", **analyzer, o);
    Disarm();
    return r.status();
  });
  test::TempDir dir;
  TwoDocs(dir);
  CHECK_CONTAINED("CompileQuery(index)", [&]() -> Status {
    auto idx = Reopen(dir);
    Arm();
    auto r = CompileQuery(text, *idx);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("ListCustomFields", [&]() -> Status {
    auto idx = Reopen(dir);
    Arm();
    auto r = ListCustomFields(*idx);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("SuggestCorrection", [&]() -> Status {
    auto idx = Reopen(dir);
    Arm();
    auto r = SuggestCorrection("actor:Besent AND tarrifs", *idx, **analyzer);
    Disarm();
    return r.status();
  });
}

TEST_CASE("an allocation failure in analysis and snippets comes back as a status") {
  if (!LOUPE_INJECT_ALLOCATIONS) return;  // see operator new above
  CHECK_CONTAINED("Analyzer::Create", []() -> Status {
    Arm();
    auto r = Analyzer::Create();
    Disarm();
    return r.status();
  });
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  CHECK_CONTAINED("Analyzer::Analyze", [&]() -> Status {
    std::vector<Token> tokens;
    Arm();
    auto r = (**analyzer).Analyze(kBody, true, 0, &tokens);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("Analyzer::AnalyzeWithForms", [&]() -> Status {
    std::vector<Token> tokens;
    std::vector<std::string> forms;
    Arm();
    auto r = (**analyzer).AnalyzeWithForms(kBody, 0, &tokens, &forms);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("Analyzer::SentenceStarts", [&]() -> Status {
    std::vector<uint32_t> starts;
    Arm();
    Status s = (**analyzer).SentenceStarts(kBody, &starts);
    Disarm();
    return s;
  });
  CHECK_CONTAINED("Analyzer::SetStemmerLanguage", [&]() -> Status {
    auto a = Analyzer::Create();
    if (!a.ok()) return a.status();
    Arm();
    Status s = (*a)->SetStemmerLanguage("french");
    Disarm();
    return s;
  });
  auto query = CompileQuery("tariffs OR \"trade talks\" OR actor:Bessent", **analyzer);
  REQUIRE(query.ok());
  CHECK_CONTAINED("Snippeter::Create", [&]() -> Status {
    Arm();
    auto r = Snippeter::Create(*query);
    Disarm();
    return r.status();
  });
  auto snippeter = Snippeter::Create(*query);
  REQUIRE(snippeter.ok());
  CHECK_CONTAINED("Snippeter::Passages", [&]() -> Status {
    Arm();
    auto r = (*snippeter)->Passages(kBody);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("Snippeter::HighlightAll", [&]() -> Status {
    Arm();
    auto r = (*snippeter)->HighlightAll(kBody);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("Tagger::Create", []() -> Status {
    std::vector<std::string> warnings;
    Arm();
    auto r = Tagger::Create("Scott Bessent | person | Bessent\n | person | nameless\n", "tariffs <- duties, levies\n",
                            &warnings);
    Disarm();
    return r.status();
  });
}

TEST_CASE("an allocation failure in the tagger comes back as a status") {
  if (!LOUPE_INJECT_ALLOCATIONS) return;  // see operator new above
  auto created = Tagger::Create("Scott Bessent | person | Bessent\n", "tariffs <- duties, levies\n");
  REQUIRE(created.ok());
  Tagger& tagger = **created;
  const Document doc = Doc("a", "Tariffs stay", std::string(kBody) + " Vice Premier He Lifeng said so.");
  CHECK_CONTAINED("Tagger::Tag", [&]() -> Status {
    Document d = doc;
    Arm();
    Status s = tagger.Tag(&d);
    Disarm();
    return s;
  });
  CHECK_CONTAINED("Tagger::Detect", [&]() -> Status {
    std::vector<std::string> actors, topics;
    Arm();
    Status s = tagger.Detect(doc, &actors, &topics);
    Disarm();
    return s;
  });
  CHECK_CONTAINED("Tagger::Candidates", [&]() -> Status {
    Arm();
    auto r = tagger.Candidates(doc);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("Tagger::SetTitles", [&]() -> Status {
    Arm();
    auto r = tagger.SetTitles("Vice Premier\nCEO\n");
    Disarm();
    return r.status();
  });
}

TEST_CASE("an allocation failure in the readers comes back as a status") {
  if (!LOUPE_INJECT_ALLOCATIONS) return;  // see operator new above
  const std::string article = "Title: Tariffs stay\nDate: 2025-09-15\nActors: Scott Bessent\n\n" + std::string(kBody);
  for (auto [format, bytes] : std::vector<std::pair<ingest::Format, std::string>>{
           {ingest::Format::kText, article},
           {ingest::Format::kMarkdown, "---\ntitle: Tariffs\ndate: 2025-09-15\n---\n" + std::string(kBody)},
           {ingest::Format::kJsonLines, "{\"id\": \"x\", \"title\": \"Tariffs\", \"body\": \"stay\"}\nnot json\n"},
           {ingest::Format::kHtml, "<html><head><title>Tariffs</title></head><body><article><p>" + std::string(kBody) +
                                       "</p></article></body></html>"},
           {ingest::Format::kFeed, "<rss><channel><title>Wire</title><item><title>Tariffs</title><description>" +
                                       std::string(kBody) + "</description></item></channel></rss>"},
       }) {
    CHECK_CONTAINED(std::string("ParseFile ") + ingest::FormatName(format), [&]() -> Status {
      Arm();
      auto r = ingest::ParseFile(bytes, format, "a.txt", "/corpus/a.txt");
      Disarm();
      return r.status();
    });
  }
  CHECK_CONTAINED("ParseArticle", [&]() -> Status {
    std::vector<std::string> warnings;
    Arm();
    auto r = ingest::ParseArticle(article, "a.txt", "/corpus/a.txt", &warnings);
    Disarm();
    return r.status();
  });
  const std::string page = "<html><head><title>Tariffs</title></head><body><article><p>" + std::string(kBody) +
                           "</p></article></body></html>";
  CHECK_CONTAINED("ParseHtml", [&]() -> Status {
    Arm();
    auto r = ingest::ParseHtml(page, "a.html", "/corpus/a.html");
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("HtmlToText", [&]() -> Status {
    Arm();
    auto r = ingest::HtmlToText(page);
    Disarm();
    return r.status();
  });
  const std::string feed = "<rss><channel><title>Wire</title><item><title>Tariffs</title><description>" +
                           std::string(kBody) + "</description></item></channel></rss>";
  CHECK_CONTAINED("ParseFeed", [&]() -> Status {
    Arm();
    auto r = ingest::ParseFeed(feed, "a.rss", "/corpus/a.rss");
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("CleanText", [&]() -> Status {
    std::vector<std::string> warnings;
    const std::string bytes = "\xEF\xBB\xBF" + article + "\r\nbad \xFF byte";
    Arm();
    auto r = ingest::CleanText(bytes, &warnings);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("ToUtf8", [&]() -> Status {
    std::string out;
    Arm();
    auto r = ingest::ToUtf8(
        "caf\xE9 cr\xE8me br\xFBl\xE9"
        "e, d\xE9j\xE0 vu",
        "iso-8859-1", &out);
    Disarm();
    return r.status();
  });
  CHECK_CONTAINED("CutTitle", [&]() -> Status {
    Document d = Doc("a", std::string(400, 'x') + " tariffs", kBody);
    std::string warning;
    Arm();
    auto r = ingest::CutTitle(&d, &warning);
    Disarm();
    return r.status();
  });
  test::TempDir dir;
  std::ofstream(dir.sub("a.txt")) << article;
  std::ofstream(dir.sub("b.md")) << "# B\n";
  std::ofstream(dir.sub(".hidden")) << "x";
  CHECK_CONTAINED("Walk", [&]() -> Status {
    const std::vector<std::string> roots = {dir.path(), dir.sub("missing")};
    Arm();
    auto r = ingest::Walk(roots, {});
    Disarm();
    return r.status();
  });
}

TEST_CASE("a user's callback that throws comes back as a status") {
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  ThrowingGazetteer gazetteer;
  PlanOptions o;
  o.gazetteer = &gazetteer;
  Status s;
  CHECK_NOTHROW(s = CompileQuery("actor:Bessent", **analyzer, o).status());
  CHECK(s.code() == StatusCode::kInternal);
  auto query = CompileQuery("actor:Bessent", **analyzer);
  REQUIRE(query.ok());
  SnippetOptions so;
  so.gazetteer = &gazetteer;
  CHECK_NOTHROW(s = Snippeter::Create(*query, so).status());
  CHECK(s.code() == StatusCode::kInternal);
  test::TempDir dir;
  auto idx = TwoDocs(dir);
  CHECK_NOTHROW(s = SuggestCorrection("actor:Besent", *idx, **analyzer, &gazetteer).status());
  CHECK(s.code() == StatusCode::kInternal);
}
