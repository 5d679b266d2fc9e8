// Runs every example of docs/query-language.md, so the reference cannot drift
// from what the language does.
//
// ```query blocks hold examples, one query per line, each followed by what it
// must give (relative dates count back from 2025-09-20):
//   → PLAN          the engine query, as `loupe explain` prints after "plan:"
//   ✗ N MESSAGE     rejected; the first error is MESSAGE at byte offset N
//   ⚠ N MESSAGE     accepted, with this warning at byte offset N
//   lenient: TEXT   with --lenient, the query runs as TEXT
// A query with no such line must simply be accepted. Lines starting with "# "
// are comments. Every accepted query is also searched in an index of corpus/.
//
// ```sh blocks: every line starting with "loupe " is run with the built CLI,
// `--db X` pointing at that index; it must exit 0 or 1, or the N of a trailing
// "# exit N".
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "loupe/index.h"
#include "loupe/query_parser.h"
#include "test_util.h"

using namespace loupe;

namespace {

struct Example {
  int line = 0;
  std::string query;
  std::vector<std::string> expect;  // the lines after it
};

struct Command {
  int line = 0;
  std::string text;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool StartsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

void Parse(const std::string& doc, std::vector<Example>* examples, std::vector<Command>* commands) {
  std::istringstream in(doc);
  std::string line, block;
  bool inside = false;
  for (int n = 1; std::getline(in, line); ++n) {
    if (StartsWith(line, "```")) {
      inside = !inside;
      block = inside ? line.substr(3) : "";
      continue;
    }
    if (!inside || line.empty() || StartsWith(line, "# ")) continue;
    if (block == "query") {
      if (StartsWith(line, "\xE2\x86\x92 ") || StartsWith(line, "\xE2\x9C\x97 ") || StartsWith(line, "\xE2\x9A\xA0 ") ||
          StartsWith(line, "lenient: ")) {
        REQUIRE(!examples->empty());
        examples->back().expect.push_back(line);
      } else {
        examples->push_back({n, line, {}});
      }
    } else if (block == "sh" && StartsWith(line, "loupe ")) {
      commands->push_back({n, line});
    }
  }
  REQUIRE_FALSE(inside);  // every block is closed
}

// "N MESSAGE" -> N, MESSAGE
void SplitOffset(const std::string& s, size_t* offset, std::string* message) {
  size_t sp = s.find(' ');
  REQUIRE(sp != std::string::npos);
  *offset = std::stoul(s.substr(0, sp));
  *message = s.substr(sp + 1);
}

int Shell(const std::string& cmd) {
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("every example in docs/query-language.md gives what the document says") {
  const std::string doc = ReadFile(std::string(LOUPE_SOURCE_DIR) + "/docs/query-language.md");
  REQUIRE_FALSE(doc.empty());
  std::vector<Example> examples;
  std::vector<Command> commands;
  Parse(doc, &examples, &commands);
  REQUIRE(examples.size() >= 100);
  REQUIRE(commands.size() >= 5);

  test::TempDir tmp;
  const std::string db = tmp.sub("db");
  REQUIRE(Shell(std::string(LOUPE_CLI) + " index -q --db " + db + " " + LOUPE_SOURCE_DIR + "/corpus") == 0);
  auto index = Index::Open(db, {.read_only = true});
  REQUIRE(index.ok());
  auto analyzer = Analyzer::Create();
  REQUIRE(analyzer.ok());
  const Days now = DaysFromCivil(2025, 9, 20);

  size_t checked = 0;
  for (const Example& ex : examples) {
    INFO("docs/query-language.md:" << ex.line << ": " << ex.query);
    std::vector<Diagnostic> diags;
    auto q = CompileQuery(ex.query, **analyzer, {.now = now, .diagnostics = &diags});
    bool rejected = false;
    for (const std::string& e : ex.expect) {
      if (StartsWith(e, "\xE2\x86\x92 ")) {  // → plan
        REQUIRE(q.ok());
        CHECK(q->ToString() == e.substr(4));
      } else if (StartsWith(e, "\xE2\x9C\x97 ")) {  // ✗ error
        rejected = true;
        size_t offset;
        std::string message;
        SplitOffset(e.substr(4), &offset, &message);
        REQUIRE_FALSE(q.ok());
        CHECK(q.status().message() == message);
        CHECK(q.status().offset() == offset);
      } else if (StartsWith(e, "\xE2\x9A\xA0 ")) {  // ⚠ warning
        size_t offset;
        std::string message;
        SplitOffset(e.substr(4), &offset, &message);
        bool found = false;
        for (const Diagnostic& d : diags)
          found = found || (d.severity == Diagnostic::Severity::kWarning && d.message == message && d.offset == offset);
        CHECK(found);
      } else {  // lenient: reading
        std::string reading;
        auto l = CompileQuery(ex.query, **analyzer, {.now = now, .lenient = true, .reading = &reading});
        REQUIRE(l.ok());
        CHECK(reading == e.substr(9));
      }
      ++checked;
    }
    if (rejected) continue;
    REQUIRE(q.ok());
    auto r = (*index)->Search(*q, {.limit = 10});
    REQUIRE(r.ok());
  }
  CHECK(checked >= examples.size() / 2);

  for (const Command& c : commands) {
    INFO("docs/query-language.md:" << c.line << ": " << c.text);
    int want = -1;
    size_t exit_at = c.text.rfind("# exit ");
    if (exit_at != std::string::npos) want = std::stoi(c.text.substr(exit_at + 7));
    std::string cmd = c.text.substr(0, exit_at == std::string::npos ? c.text.size() : exit_at);
    for (size_t at = cmd.find("--db "); at != std::string::npos; at = cmd.find("--db ", at + 5)) {
      size_t end = cmd.find(' ', at + 5);
      cmd.replace(at + 5, (end == std::string::npos ? cmd.size() : end) - (at + 5), db);
    }
    cmd = "LOUPE_DB=" + db + " " + std::string(LOUPE_CLI) + cmd.substr(5) + " >/dev/null 2>&1";
    int code = Shell(cmd);
    if (want >= 0) CHECK(code == want);
    else CHECK((code == 0 || code == 1));
  }
}
