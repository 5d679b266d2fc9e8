// Runs every example of docs/query-language.md, so the reference cannot drift
// from what the language does.
//
// ```query blocks hold examples, one query per line, each followed by what it
// must give (relative dates count back from 2025-09-20):
//   → PLAN          the engine query, as `loupe explain` prints after "plan:"
//                   when there is no index (no gazetteer, English stemming)
//   ✗ N MESSAGE     rejected; the first error is MESSAGE at byte offset N
//   ⚠ N MESSAGE     accepted, with this warning at byte offset N
//   lenient: TEXT   with --lenient, the query runs as TEXT
// A query with no such line must simply be accepted. Lines starting with "# "
// are comments. Every accepted query is also searched in an index of corpus/.
//
// ```sh blocks: every line starting with "loupe " is run with the built CLI, in
// a folder holding news.loupe, an index of corpus/ (also $LOUPE_DB); it must
// exit 0 or 1, or the N of a trailing "# exit N". What the document shows a
// command print must be what it prints, compared as for docs/cli.md (below):
// a plain ``` block right after the ```sh block (or after a line "The first
// prints:"), or a line "The first prints `TEXT`.", is what the block's first
// command prints; a plain ``` block whose first line starts with "$ " is a
// session, its commands each followed by what they print. A block after a
// line "<!-- docs_test: not run (REASON) -->" is not run (it needs another index).
//
// README.md and docs/*.md name only what exists: each `path` in backticks that
// starts with an entry of the source tree's top level, each public header
// `loupe/...` and each bare source file name, and each `loupe SUBCOMMAND` (in
// backticks or on a command line of an example) against `loupe --help`.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "loupe/index.h"
#include "loupe/query_parser.h"
#include "support/test_util.h"
#include "util/calendar.h"

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

using test::ShellQuote;
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
  const std::string doc = test::Slurp(std::string(LOUPE_SOURCE_DIR) + "/docs/query-language.md");
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
        // And the plan is what `loupe explain` prints with no index (an index's
        // gazetteer and languages change the plan: the sessions show that).
        const std::string explained = tmp.sub("explain.txt");
        Shell(std::string(LOUPE_CLI) + " explain --now 2025-09-20 --db " + tmp.sub("no-index") + " -- " +
              ShellQuote(ex.query) + " >" + explained + " 2>/dev/null");
        std::string plan_line;
        std::istringstream printed(test::Slurp(explained));
        for (std::string l; std::getline(printed, l);)
          if (StartsWith(l, "plan:")) plan_line = l.substr(l.find_first_not_of(' ', 5));
        CHECK(plan_line == e.substr(4));
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

  // The ```sh commands are run by the test case for the document's commands, below.
}

// --- docs/cli.md ---------------------------------------------------------------
//
// Every ``` block of docs/cli.md whose first line starts with "$ " is a session:
// its "$ " lines are run in order by bash, in a working directory holding a copy
// of corpus/ and news.loupe (an index of it), with `loupe` the built CLI. The
// sessions share one such directory, in the order of the document, except a
// session after a line "<!-- docs_test: fresh folder -->", which gets its own,
// with the copy of corpus/ only (the document says "on a copy of the bundled
// corpus"); the
// lines after a command are what it prints (standard output and error, which
// may interleave). Parts that change from run to run are compared as
// placeholders: times (N ms), sizes (N KiB, N or N.N bytes, size_bytes, any
// number of a JSON key with "bytes" in its name), pids and
// paging cursors (a cursor in a command stands for the one printed where the
// document shows it). "…" stands
// for any text in a line, and a line of only "…" for any number of lines.
// "/tmp/" names a folder inside the working directory. "# exit N" after a
// command is its exit status; `echo $?` prints the last one. A block that
// cannot run here (it needs 9,600 articles, a kill, a full disk, a concurrent
// writer) follows a line "<!-- docs_test: not run (REASON) -->".
// With LOUPE_DOCS_ACTUAL=DIR set, each command's output is also written to
// DIR/LINE.txt (standard output, then standard error), to update the document
// with real output.

namespace {

struct Session {
  int line = 0;
  bool fresh = false;
  struct Step {
    int line = 0;
    std::string command;
    std::vector<std::string> expect;
  };
  std::vector<Step> steps;
};

std::vector<Session> CliSessions(const std::string& doc, size_t* skipped) {
  std::vector<Session> sessions;
  std::istringstream in(doc);
  std::string line, previous;
  bool inside = false, run = false, fresh = false;
  for (int n = 1; std::getline(in, line); ++n) {
    if (StartsWith(line, "```")) {
      inside = !inside;
      run = inside && !StartsWith(previous, "<!-- docs_test: not run (");
      fresh = inside && StartsWith(previous, "<!-- docs_test: fresh folder -->");
      if (inside && !run) ++*skipped;
      previous = line;
      continue;
    }
    if (inside && run) {
      if (StartsWith(line, "$ ")) {
        if (sessions.empty() || sessions.back().line != -1) sessions.push_back({-1, fresh, {}});
        sessions.back().steps.push_back({n, line.substr(2), {}});
      } else if (!sessions.empty() && sessions.back().line == -1 && !sessions.back().steps.empty()) {
        sessions.back().steps.back().expect.push_back(line);
      } else {
        run = false;  // an illustration, not a session
      }
    } else if (!inside && !sessions.empty() && sessions.back().line == -1) {
      sessions.back().line = sessions.back().steps.front().line;
    }
    previous = line;
  }
  if (!sessions.empty() && sessions.back().line == -1) sessions.back().line = sessions.back().steps.front().line;
  return sessions;
}

const std::regex kCursor("c4\\.[0-9a-f]{16}(\\.[0-9a-z-]+){9}");

// The variable parts of a line as placeholders.
std::string Normalize(std::string s) {
  static const std::vector<std::pair<std::regex, std::string>> rules = {
      {std::regex("\\b[0-9]+ ms\\b"), "N ms"},
      {std::regex("\\b[0-9]+ KiB\\b"), "N KiB"},
      {std::regex("\\b[0-9]+(\\.[0-9]+)? bytes\\b"), "N bytes"},
      {std::regex("\"(\\w*bytes\\w*|milliseconds)\": [0-9]+(\\.[0-9]+)?"), "\"$1\": N"},
      {std::regex("\\bpid [0-9]+"), "pid N"},
      {std::regex("\t[0-9]+\\.[0-9]\t[0-9]+\\.[0-9]\t"), "\tN\tN\t"},  // bench: median and p95 microseconds
      {kCursor, "CURSOR"},
  };
  for (const auto& [re, with] : rules) s = std::regex_replace(s, re, with);
  return s;
}

// `line` against `pattern`, where "…" in the pattern stands for any text.
bool LineMatches(const std::string& pattern, const std::string& line) {
  std::string p = Normalize(pattern), l = Normalize(line);
  const std::string dots = "\xE2\x80\xA6";
  size_t at = p.find(dots);
  if (at == std::string::npos) return p == l;
  if (l.compare(0, at, p, 0, at) != 0) return false;
  std::string rest = p.substr(at + dots.size());
  for (size_t k = at; k <= l.size(); ++k)
    if (LineMatches(rest, l.substr(k))) return true;
  return false;
}

bool OnlyDots(const std::string& s) {
  size_t b = s.find_first_not_of(' ');
  return b != std::string::npos && s.substr(b) == "\xE2\x80\xA6";
}

// Whether `expect` is `out` and `err` interleaved (each in its own order).
bool OutputMatches(const std::vector<std::string>& expect, const std::vector<std::string>& out,
                   const std::vector<std::string>& err) {
  std::set<std::tuple<size_t, size_t, size_t>> failed;
  std::function<bool(size_t, size_t, size_t)> match = [&](size_t e, size_t o, size_t r) -> bool {
    if (e == expect.size()) return o == out.size() && r == err.size();
    if (failed.count({e, o, r})) return false;
    bool ok;
    if (OnlyDots(expect[e]))
      ok = match(e + 1, o, r) || (o < out.size() && match(e, o + 1, r)) || (r < err.size() && match(e, o, r + 1));
    else
      ok = (o < out.size() && LineMatches(expect[e], out[o]) && match(e + 1, o + 1, r)) ||
           (r < err.size() && LineMatches(expect[e], err[r]) && match(e + 1, o, r + 1));
    if (!ok) failed.insert({e, o, r});
    return ok;
  };
  return match(0, 0, 0);
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("every session in docs/cli.md prints what the document says") {
  const std::string doc = test::Slurp(std::string(LOUPE_SOURCE_DIR) + "/docs/cli.md");
  REQUIRE_FALSE(doc.empty());
  size_t skipped = 0;
  std::vector<Session> sessions = CliSessions(doc, &skipped);
  test::TempDir tmp;
  const std::string bin = tmp.sub("bin");
  std::filesystem::create_directories(bin);
  std::filesystem::create_symlink(LOUPE_CLI, bin + "/loupe");
  auto make_folder = [&](const std::string& work, bool with_index) {
    std::filesystem::create_directories(work + "/tmp");
    std::filesystem::copy(std::string(LOUPE_SOURCE_DIR) + "/corpus", work + "/corpus",
                          std::filesystem::copy_options::recursive);
    if (with_index)
      REQUIRE(Shell("cd " + work + " && " + LOUPE_CLI + " index -q --db news.loupe corpus/ >/dev/null") == 0);
  };
  const std::string shared = tmp.sub("work");
  make_folder(shared, true);

  size_t commands = 0;
  int last_code = 0;
  std::map<std::string, std::string> cursors;  // as the document shows it -> as printed
  for (const Session& s : sessions) {
    const std::string work = s.fresh ? tmp.sub("fresh-" + std::to_string(s.line)) : shared;
    if (s.fresh) make_folder(work, false);
    for (const Session::Step& step : s.steps) {
      INFO("docs/cli.md:" << step.line << ": $ " << step.command);
      std::string cmd = step.command;
      int want = -1;
      if (size_t at = cmd.rfind("  # exit "); at != std::string::npos) {
        want = std::stoi(cmd.substr(at + 9));
        cmd.resize(at);
      }
      cmd = ReplaceAll(cmd, "/tmp/", work + "/tmp/");
      cmd = ReplaceAll(cmd, "$?", std::to_string(last_code));
      for (const auto& [shown, printed] : cursors) cmd = ReplaceAll(cmd, shown, printed);
      const std::string out_file = tmp.sub("out"), err_file = tmp.sub("err"), script = tmp.sub("cmd.sh");
      {
        std::ofstream f(script);
        f << cmd << "\n";
      }
      last_code = Shell("cd " + work + " && PATH=" + bin + ":$PATH LOUPE_DB= NO_COLOR= bash " + script + " >" +
                        out_file + " 2>" + err_file);
      std::string out = ReplaceAll(test::Slurp(out_file), work + "/tmp/", "/tmp/");
      std::string err = ReplaceAll(test::Slurp(err_file), work + "/tmp/", "/tmp/");
      if (const char* dump = std::getenv("LOUPE_DOCS_ACTUAL"); dump && *dump) {
        std::ofstream f(std::string(dump) + "/" + std::to_string(step.line) + ".txt");
        f << out << err;
      }
      std::vector<std::string> shown, printed;
      for (const std::string& l : step.expect)
        for (auto it = std::sregex_iterator(l.begin(), l.end(), kCursor); it != std::sregex_iterator(); ++it)
          shown.push_back(it->str());
      for (auto it = std::sregex_iterator(out.begin(), out.end(), kCursor); it != std::sregex_iterator(); ++it)
        printed.push_back(it->str());
      if (shown.size() == printed.size())
        for (size_t k = 0; k < shown.size(); ++k) cursors[shown[k]] = printed[k];
      INFO("standard output:\n" << out << "standard error:\n" << err);
      if (want >= 0) CHECK(last_code == want);
      CHECK(OutputMatches(step.expect, Lines(out), Lines(err)));
      ++commands;
    }
  }
  CHECK(commands >= 100);
  CHECK(skipped <= 10);
}

namespace {

// A command of docs/query-language.md, with what the document shows it print.
struct DocCommand {
  int line = 0;
  std::string text;
  bool shown = false;
  std::vector<std::string> expect;
};

std::vector<DocCommand> QueryLanguageCommands(const std::string& doc) {
  static const std::regex kInline("The first prints `(.*)`\\.");
  std::vector<DocCommand> commands;
  std::istringstream in(doc);
  std::string line, lang, previous;
  bool inside = false, first_line = false;
  enum { kSh, kOutput, kSession, kOther } mode = kOther;
  int pending = -1;  // the first command of the ```sh block just closed, while its output may follow
  for (int n = 1; std::getline(in, line); previous = line, ++n) {
    if (StartsWith(line, "```")) {
      inside = !inside;
      if (!inside) {
        if (mode != kSh) pending = -1;
        continue;
      }
      lang = line.substr(3);
      first_line = true;
      mode = kOther;
      if (StartsWith(previous, "<!-- docs_test: not run (")) {
        first_line = false;
        pending = -1;
      } else if (lang == "sh") {
        pending = static_cast<int>(commands.size());
        mode = kSh;
      }
      continue;
    }
    if (!inside) {
      std::smatch m;
      if (pending >= 0 && std::regex_match(line, m, kInline) && pending < static_cast<int>(commands.size())) {
        commands[pending].shown = true;
        commands[pending].expect = {m[1]};
        pending = -1;
      } else if (!line.empty() && line != "The first prints:") {
        pending = -1;
      }
      continue;
    }
    if (mode == kSh) {
      if (StartsWith(line, "loupe ")) commands.push_back({n, line, false, {}});
      continue;
    }
    if (first_line) {
      first_line = false;
      if (lang.empty() && StartsWith(line, "$ ")) {
        mode = kSession;
      } else if (lang.empty() && pending >= 0 && pending < static_cast<int>(commands.size())) {
        mode = kOutput;
        commands[pending].shown = true;
      }
      if (mode != kOutput) pending = -1;
    }
    if (mode == kSession && StartsWith(line, "$ ")) {
      commands.push_back({n, line.substr(2), true, {}});
    } else if (mode == kSession) {
      commands.back().expect.push_back(line);
    } else if (mode == kOutput) {
      commands[pending].expect.push_back(line);
    }
  }
  return commands;
}

}  // namespace

TEST_CASE("every command in docs/query-language.md prints what the document shows") {
  const std::string doc = test::Slurp(std::string(LOUPE_SOURCE_DIR) + "/docs/query-language.md");
  REQUIRE_FALSE(doc.empty());
  std::vector<DocCommand> commands = QueryLanguageCommands(doc);
  test::TempDir tmp;
  const std::string bin = tmp.sub("bin"), work = tmp.sub("work");
  std::filesystem::create_directories(bin);
  std::filesystem::create_symlink(LOUPE_CLI, bin + "/loupe");
  std::filesystem::create_directories(work);
  REQUIRE(Shell("cd " + work + " && " + LOUPE_CLI + " index -q --db news.loupe " + LOUPE_SOURCE_DIR +
                "/corpus >/dev/null") == 0);
  size_t shown = 0;
  int last_code = 0;
  for (const DocCommand& c : commands) {
    INFO("docs/query-language.md:" << c.line << ": " << c.text);
    int want = -1;
    std::string cmd = c.text;
    if (size_t at = cmd.rfind("# exit "); at != std::string::npos) {
      want = std::stoi(cmd.substr(at + 7));
      cmd.resize(cmd.find_last_not_of(' ', at - 1) + 1);
    }
    const std::string out_file = tmp.sub("out"), err_file = tmp.sub("err"), script = tmp.sub("cmd.sh");
    {
      std::ofstream f(script);
      f << ReplaceAll(cmd, "$?", std::to_string(last_code)) << "\n";
    }
    int code = last_code = Shell("cd " + work + " && PATH=" + bin + ":$PATH LOUPE_DB=news.loupe NO_COLOR= bash " +
                                 script + " >" + out_file + " 2>" + err_file);
    std::string out = ReplaceAll(test::Slurp(out_file), work + "/", "");
    std::string err = ReplaceAll(test::Slurp(err_file), work + "/", "");
    INFO("standard output:\n" << out << "standard error:\n" << err);
    if (want >= 0) {
      CHECK(code == want);
    } else {
      CHECK((code == 0 || code == 1));
    }
    if (c.shown) {
      CHECK(OutputMatches(c.expect, Lines(out), Lines(err)));
      ++shown;
    }
  }
  CHECK(commands.size() >= 30);
  CHECK(shown >= 6);
}

namespace {

// README.md and docs/*.md, by their path in the source tree.
std::vector<std::string> DocFiles() {
  std::vector<std::string> out = {"README.md"};
  for (const auto& e : std::filesystem::directory_iterator(std::string(LOUPE_SOURCE_DIR) + "/docs"))
    if (e.path().extension() == ".md") out.push_back("docs/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The `code spans` of a Markdown text outside its fenced blocks, each with its line.
std::vector<std::pair<int, std::string>> CodeSpans(const std::string& doc) {
  std::vector<std::pair<int, std::string>> out;
  std::istringstream in(doc);
  std::string line;
  bool fenced = false;
  for (int n = 1; std::getline(in, line); ++n) {
    if (StartsWith(line, "```")) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    for (size_t open = line.find('`'); open != std::string::npos; open = line.find('`', open)) {
      size_t close = line.find('`', open + 1);
      if (close == std::string::npos) break;
      out.emplace_back(n, line.substr(open + 1, close - open - 1));
      open = close + 1;
    }
  }
  return out;
}

// Whether `path` (relative to the source tree; '*' matches within one name)
// names something there.
bool ExistsInSource(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string root = LOUPE_SOURCE_DIR;
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.find('*') == std::string::npos) return fs::exists(root + "/" + p);
  const size_t slash = p.rfind('/');
  const std::string dir = root + "/" + p.substr(0, slash == std::string::npos ? 0 : slash);
  if (p.substr(0, slash == std::string::npos ? 0 : slash).find('*') != std::string::npos) return false;
  std::string pattern;
  for (char c : p.substr(slash + 1))
    pattern += c == '*' ? std::string("[^/]*")
                        : std::regex_replace(std::string(1, c), std::regex(R"([.^$|()\[\]{}+?\\])"), R"(\$&)");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (std::regex_match(e.path().filename().string(), std::regex(pattern))) return true;
  return false;
}

// The file names under the source tree (not under hidden folders or build trees).
std::set<std::string> SourceFileNames() {
  namespace fs = std::filesystem;
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(LOUPE_SOURCE_DIR, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (StartsWith(name, ".") || StartsWith(name, "build"))) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.insert(name);
  }
  return out;
}

// The subcommands `loupe --help` lists, and any other `loupe WORD` it names (help).
std::set<std::string> HelpSubcommands() {
  test::TempDir tmp;
  test::CommandRun help = test::RunLoupe("--help", tmp);
  REQUIRE(help.code == 0);
  std::set<std::string> out;
  std::istringstream in(help.out);
  std::string line;
  bool listed = false;
  std::smatch m;
  static const std::regex kListed(R"(^  ([a-z][a-z-]*)  )"), kNamed(R"(\bloupe ([a-z][a-z-]*))");
  while (std::getline(in, line)) {
    if (StartsWith(line, "Subcommands:")) listed = true;
    if (listed && std::regex_search(line, m, kListed)) out.insert(m[1]);
    for (auto it = std::sregex_iterator(line.begin(), line.end(), kNamed); it != std::sregex_iterator(); ++it)
      out.insert((*it)[1]);
  }
  return out;
}

}  // namespace

TEST_CASE("the docs name only files that exist and subcommands that loupe --help lists") {
  namespace fs = std::filesystem;
  // A span is a repository path when it starts with an entry of the source
  // tree's top level (engine/..., tests/faults/run.sh, README.md); a bare file
  // name of source code or docs (format.cc, DESIGN.md) must be some file's name.
  std::set<std::string> top;
  for (const auto& e : fs::directory_iterator(LOUPE_SOURCE_DIR)) {
    const std::string name = e.path().filename().string();
    if (!StartsWith(name, ".") && !StartsWith(name, "build")) top.insert(name);
  }
  REQUIRE(top.count("engine"));
  const std::set<std::string> names = SourceFileNames();
  const std::set<std::string> subcommands = HelpSubcommands();
  REQUIRE(subcommands.count("search"));
  static const std::regex kPath(R"(^[A-Za-z0-9_.*{},/-]+$)"),
      kBareFile(R"(^[A-Za-z0-9_-]+\.(cc|h|c|y|sh|py|cmake|md)$)");
  static const std::regex kCommand(R"(^(?:\$ )?loupe ([a-z][a-z-]*))"), kNoSuch(R"(\bno `(?:loupe )?([a-z]+)`)");
  int paths = 0, commands = 0;
  for (const std::string& file : DocFiles()) {
    const std::string doc = test::Slurp(std::string(LOUPE_SOURCE_DIR) + "/" + file);
    std::smatch m;
    for (const auto& [line, span] : CodeSpans(doc)) {
      INFO(file << ":" << line << ": `" << span << "`");
      if (std::regex_match(span, kPath) && top.count(span.substr(0, span.find('/')))) {
        CHECK(ExistsInSource(span));
        ++paths;
      } else if (std::regex_match(span, kPath) && StartsWith(span, "loupe/")) {  // a public header
        CHECK((ExistsInSource("engine/include/" + span) || ExistsInSource("query/include/" + span)));
        ++paths;
      } else if (std::regex_match(span, kBareFile)) {
        CHECK(names.count(span) == 1);
        ++paths;
      }
      if (std::regex_search(span, m, kCommand)) {
        CHECK(subcommands.count(m[1]) == 1);
        ++commands;
      }
    }
    // Commands in the examples: a line of a fenced block that runs loupe,
    // except a usage error shown on purpose (# exit 2).
    std::istringstream in(doc);
    std::string text;
    bool fenced = false;
    for (int n = 1; std::getline(in, text); ++n) {
      if (StartsWith(text, "```")) fenced = !fenced;
      if (!fenced || text.find("# exit 2") != std::string::npos) continue;
      if (std::regex_search(text, m, kCommand)) {
        INFO(file << ":" << n << ": " << text);
        CHECK(subcommands.count(m[1]) == 1);
        ++commands;
      }
    }
    // "there is no `compact`" while loupe has it.
    for (auto it = std::sregex_iterator(doc.begin(), doc.end(), kNoSuch); it != std::sregex_iterator(); ++it) {
      INFO(file << ": says there is " << it->str());
      CHECK(subcommands.count((*it)[1]) == 0);
    }
  }
  CHECK(paths >= 100);
  CHECK(commands >= 100);
}
