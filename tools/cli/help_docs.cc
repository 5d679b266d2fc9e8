// Man pages and completion scripts written from the CLI11 definitions (see
// help_docs.h). Every name, value and description comes from the App and its
// Options through the formatter --help uses; only the layout is here.
#include "cli/help_docs.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string_view>

// The query language's field names, their aliases and the date keys, from
// where the lexer and the planner take them, so that completion offers the
// names a query understands and no others. A private header of query/; only
// its constants are used.
#include "builder.h"
#include "cli/common.h"
#include "loupe/index.h"
#include "util/ascii.h"
#include "util/utf8.h"

namespace loupe::cli {
namespace {

// What an option or argument takes, for completion.
enum class ValueKind { kFlag, kDirectory, kFile, kWords, kNumber, kQuery };

struct Value {
  ValueKind kind = ValueKind::kFlag;
  std::vector<std::string> words;  // kWords: the values it accepts
};

std::vector<const CLI::App*> Commands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

// The options --help lists (CLI11 hides those in the empty group), then the
// positional arguments.
std::vector<const CLI::Option*> Options(const CLI::App& a) {
  return a.get_options([](const CLI::Option* o) { return o->nonpositional() && !o->get_group().empty(); });
}
std::vector<const CLI::Option*> Positionals(const CLI::App& a) {
  return a.get_options([](const CLI::Option* o) { return !o->nonpositional(); });
}

// The formatter --help uses, so that an option's names, value and text are
// the ones --help prints.
const CLI::Formatter& FormatterOf(const CLI::App& app) {
  static const CLI::Formatter kDefault;
  auto f = std::dynamic_pointer_cast<CLI::Formatter>(app.get_formatter());
  return f ? *f : kDefault;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) out.emplace_back(s.substr(start, i - start)), start = i + 1;
  return out;
}

// Every name of an option: -n, --limit (or the argument's name).
std::vector<std::string> Names(const CLI::Option* o) {
  if (!o->nonpositional()) return {o->get_name(true, false)};
  std::vector<std::string> names;
  for (const std::string& s : o->get_snames()) names.push_back("-" + s);
  for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
  return names;
}

Value ValueOf(const CLI::Option* o) {
  if (o->get_items_expected_max() == 0) return {};  // a flag
  const std::vector<std::string> names = Names(o);
  auto named = [&](const char* n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (!o->nonpositional() && named("query")) return {ValueKind::kQuery, {}};
  // The definitions give a folder the type TEXT, as any other string: these
  // two are the folders (the index, and the folder a backup is written to).
  if (named("--db") || (!o->nonpositional() && named("dest"))) return {ValueKind::kDirectory, {}};
  const std::string type = o->get_type_name();
  // CLI::IsMember, and main.cc's OneOf (--format), describe themselves as {a,b,c},
  // after the type: TEXT:{text,json}.
  if (size_t open = type.find(":{"); open != std::string::npos && type.back() == '}')
    return {ValueKind::kWords, Split(std::string_view(type).substr(open + 2, type.size() - open - 3), ',')};
  for (const char* number : {"INT", "UINT", "FLOAT", "NUMBER"})
    if (type == number || type.rfind(std::string(number) + ":", 0) == 0) return {ValueKind::kNumber, {}};
  return {ValueKind::kFile, {}};
}

// The names a query understands before a colon, with the colon.
std::vector<std::string> QueryFields() {
  std::vector<std::string> out;
  for (const char* f : qp::kFieldNames) out.push_back(std::string(f) + ":");
  for (const auto& a : qp::kFieldAliases) out.push_back(std::string(a[0]) + ":");
  for (const char* k : qp::kDateKeys) out.push_back(std::string(k) + ":");
  return out;
}

// s without the spaces at either end (help text is indented with spaces only).
std::string TrimSpaces(std::string_view s) { return std::string(Trim(s, " ")); }

// ---- roff -------------------------------------------------------------------

// Text for roff, in ASCII whatever locale the page is formatted in: `\` as
// \e, `-` as \- (a minus that copies as '-', as options must), quotes as \(aq
// and \(ga (not typographic quotes, so quoted examples can be pasted), and any
// other non-ASCII character as \[uXXXX].
std::string Roff(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '\\')
        out += "\\e";
      else if (c == '-')
        out += "\\-";
      else if (c == '\'')
        out += "\\(aq";
      else if (c == '`')
        out += "\\(ga";
      else
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len;
    const int32_t cp = Utf8At(s, i, &len);  // a malformed byte: U+FFFD
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\[u%04X]", cp == kBadUtf8 ? 0xFFFDu : static_cast<unsigned>(cp));
    out += buf;
    i += len ? len : 1;
  }
  return out;
}

// A line of filled text: leading spaces would break the line, and a leading
// '.' would be read as a request.
std::string TextLine(std::string_view s) {
  std::string r = Roff(TrimSpaces(s));
  if (!r.empty() && r[0] == '.') r = "\\&" + r;
  return r + "\n";
}

std::string Bold(std::string_view s) { return "\\fB" + Roff(s) + "\\fR"; }
std::string Italic(std::string_view s) { return "\\fI" + Roff(s) + "\\fR"; }

// A description as --help prints it, as paragraphs: a blank line starts a
// paragraph, indented lines are shown as they are, and a line "Example: CMD"
// shows CMD on a line of its own. Other line breaks only fit --help to a
// terminal; the formatter fills the lines again.
std::string Prose(std::string_view text) {
  std::string out;
  bool paragraph = false, literal = false;
  for (const std::string& line : Split(text, '\n')) {
    const bool indented = line.rfind("  ", 0) == 0 && !TrimSpaces(line).empty();
    if (literal && !indented) out += ".fi\n.RE\n", literal = false;
    if (TrimSpaces(line).empty()) {
      paragraph = !out.empty();
    } else if (indented) {
      if (!literal) out += std::string(paragraph ? ".PP\n" : "") + ".RS\n.nf\n", literal = true, paragraph = false;
      std::string r = Roff(TrimSpaces(line));
      out += (r[0] == '.' ? "\\&" : "") + r + "\n";
    } else if (line.rfind("Example: ", 0) == 0) {
      out += std::string(out.empty() ? "" : ".PP\n") + "Example:\n.RS\n.nf\n" + TextLine(line.substr(9)) + ".fi\n.RE\n";
      paragraph = true;
    } else {
      if (paragraph) out += ".PP\n", paragraph = false;
      out += TextLine(line);
    }
  }
  if (literal) out += ".fi\n.RE\n";
  return out;
}

// The first clause of a description, for the NAME line: up to the first ": "
// or end of sentence outside parentheses.
std::string Summary(std::string_view text) {
  std::string s(text);
  std::replace(s.begin(), s.end(), '\n', ' ');
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    const bool ends = i + 1 == s.size() || s[i + 1] == ' ';
    if (depth == 0 && ends && (s[i] == ':' || (s[i] == '.' && (i == 0 || s[i - 1] != '.')))) return s.substr(0, i);
  }
  return s;
}

void OptionEntry(const CLI::Formatter& f, const CLI::Option* o, std::string* out) {
  const bool positional = !o->nonpositional();
  std::string tag;
  if (positional) {
    tag = Italic(f.make_option_name(o, true));
  } else {
    for (const std::string& n : Split(f.make_option_name(o, false), ','))
      tag += (tag.empty() ? "" : ", ") + Bold(TrimSpaces(n));
  }
  if (std::string opts = TrimSpaces(f.make_option_opts(o)); !opts.empty()) tag += " " + Italic(opts);
  *out += ".TP\n" + tag + "\n";
  for (const std::string& line : Split(f.make_option_desc(o), '\n')) *out += TextLine(line);
}

bool HasOption(const CLI::App& a, const char* name) {
  for (const CLI::Option* o : Options(a))
    for (const std::string& n : Names(o))
      if (n == name) return true;
  return false;
}

bool TakesQuery(const CLI::App& a) {
  for (const CLI::Option* o : Positionals(a))
    if (ValueOf(o).kind == ValueKind::kQuery) return true;
  return false;
}

std::string Joined(const std::vector<std::string>& v, const std::string& sep, std::string (*each)(std::string_view)) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + each(s);
  return out;
}

// What a page's NAME line and DESCRIPTION section say.
struct PageText {
  std::string summary;
  std::string description;
};

PageText PageTextOf(const CLI::App& app, const CLI::App* command) {
  if (command) return {Summary(command->get_description()), command->get_description()};
  // loupe's own description starts "loupe — what it is": that line is the summary.
  const std::string description = app.get_description();
  const size_t eol = description.find('\n');
  std::string summary = description.substr(0, eol);
  if (summary.rfind(app.get_name() + " ", 0) == 0) {
    summary = summary.substr(app.get_name().size());
    summary = summary.substr(std::min(summary.size(), summary.find_first_not_of(" -:\xE2\x80\x94")));
  }
  return {summary, eol == std::string::npos ? "" : description.substr(eol + 1)};
}

// The comment line, the title line, NAME, and the SYNOPSIS heading.
std::string ManHead(const std::string& name, const std::string& summary) {
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string out = ".\\\" Written by `loupe help --man` from the definitions --help prints; do not edit.\n";
  out +=
      ".TH \"" + Roff(upper) + "\" \"1\" \"\" \"" + Roff(std::string("loupe ") + Version()) + "\" \"Loupe Manual\"\n";
  out += ".ad l\n.nh\n.SH NAME\n" + Roff(name) + " \\- " + Roff(summary) + "\n.SH SYNOPSIS\n";
  return out;
}

// The SYNOPSIS lines: the command with its arguments, or for loupe itself the general form,
// `help`, and each of loupe's own options.
std::string Synopsis(const CLI::App& app, const CLI::App* command, const CLI::Formatter& f) {
  std::string out;
  if (command) {
    out += Bold(app.get_name() + " " + command->get_name()) + " [" + Italic("OPTIONS") + "]";
    for (const CLI::Option* p : Positionals(*command)) out += " " + Italic(f.make_option_usage(p));
    out += "\n";
  } else {
    out += Bold(app.get_name()) + " " + Italic("COMMAND") + " [" + Italic("OPTIONS") + "] [" + Italic("ARGUMENTS") +
           "]\n.br\n" + Bold(app.get_name() + " help") + " [" + Bold("--man") + "] [" + Italic("COMMAND") + "]\n";
    for (const CLI::Option* o : Options(app))
      out += ".br\n" + Bold(app.get_name()) + " " + Bold(Names(o).back()) + "\n";
  }
  return out;
}

// loupe(1)'s list of the command pages, and `help`.
std::string CommandsSection(const CLI::App& app) {
  std::string out = ".SH COMMANDS\n";
  for (const CLI::App* sub : Commands(app))
    out += ".TP\n.BR " + Roff(app.get_name() + "-" + sub->get_name()) + " (1)\n" +
           TextLine(Summary(sub->get_description()));
  out += ".TP\n" + Bold(app.get_name() + " help") + " [" + Italic("COMMAND") + "]\n" +
         TextLine(
             "Prints what `loupe COMMAND --help` prints (`loupe --help` without COMMAND); with --man, the "
             "man page of COMMAND (of loupe without one) in roff, e.g. `loupe help --man search | man -l -`.");
  return out;
}

// ARGUMENTS (when there are any) and OPTIONS, each entry as --help gives it.
std::string ArgumentsAndOptions(const CLI::App& a, const CLI::Formatter& f) {
  std::string out;
  if (auto positionals = Positionals(a); !positionals.empty()) {
    out += ".SH ARGUMENTS\n";
    for (const CLI::Option* p : positionals) OptionEntry(f, p, &out);
  }
  out += ".SH OPTIONS\n";
  for (const CLI::Option* o : Options(a)) OptionEntry(f, o, &out);
  return out;
}

// The field names, aliases and date keys the query language knows.
std::string QueryFieldsSection() {
  std::vector<std::string> fields, aliases, dates;
  for (const char* n : qp::kFieldNames) fields.push_back(std::string(n) + ":");
  for (const auto& al : qp::kFieldAliases)
    aliases.push_back(Bold(std::string(al[0]) + ":") + " is " + Bold(std::string(al[1]) + ":"));
  for (const char* k : qp::kDateKeys) dates.push_back(std::string(k) + ":");
  std::string out = ".SH QUERY FIELDS\n" + TextLine("A query word name:value searches one field. The fields are") +
                    Joined(fields, ", ", [](std::string_view s) { return Bold(s); }) + ";\n";
  for (size_t i = 0; i < aliases.size(); ++i) out += aliases[i] + (i + 1 < aliases.size() ? ",\n" : ".\n");
  out += TextLine("The date keys are") + Joined(dates, ", ", [](std::string_view s) { return Bold(s); }) + ".\n" +
         TextLine("The query language is described in docs/query-language.md of the Loupe sources.");
  return out;
}

std::string ExitStatusSection() {
  std::string out = ".SH EXIT STATUS\n";
  const std::pair<int, const char*> codes[] = {
      {kExitOk, "success"},
      {kExitNoHits, "nothing matched (search, timeline), or no such article (show, explain --doc)"},
      {kExitUsage, "usage or query error"},
      {kExitIndex, "index or I/O error, or a damaged index (check)"},
      {kExitInterrupted, "loupe index stopped by SIGINT or SIGTERM after committing what it read"}};
  for (const auto& [code, meaning] : codes) out += ".TP\n" + Bold(std::to_string(code)) + "\n" + TextLine(meaning);
  return out;
}

// LOUPE_DB and NO_COLOR, on the pages of commands that have --db and --color and on loupe(1);
// "" when neither applies.
std::string EnvironmentSection(const CLI::App& a, const CLI::App* command) {
  const bool db = command ? HasOption(a, "--db") : true, color = command ? HasOption(a, "--color") : true;
  if (!db && !color) return "";
  std::string out = ".SH ENVIRONMENT\n";
  if (db)
    out += ".TP\n" + Bold("LOUPE_DB") + "\n" +
           TextLine("The index directory when --db is not given, if set and not empty; else ./.loupe.");
  if (color)
    out += ".TP\n" + Bold("NO_COLOR") + "\n" + TextLine("When set and not empty, --color auto does not colour.");
  return out;
}

// loupe(1) from a command page; every command page from loupe(1); then where the docs are.
std::string SeeAlsoSection(const CLI::App& app, const CLI::App* command) {
  std::string out = ".SH SEE ALSO\n";
  if (command) {
    out += ".BR " + Roff(app.get_name()) + " (1)\n.PP\n";
  } else {
    std::vector<std::string> pages;
    for (const CLI::App* sub : Commands(app)) pages.push_back(app.get_name() + "-" + sub->get_name());
    for (size_t i = 0; i < pages.size(); ++i)
      out += ".BR " + Roff(pages[i]) + " (1)" + (i + 1 < pages.size() ? "," : "") + "\n";
    out += ".PP\n";
  }
  out += TextLine("The Loupe documentation: docs/cli.md and docs/query-language.md in its sources.");
  return out;
}

}  // namespace

std::string ManPage(const CLI::App& app, const CLI::App* command) {
  const CLI::App& a = command ? *command : app;
  const CLI::Formatter& f = FormatterOf(app);
  const std::string name = command ? app.get_name() + "-" + command->get_name() : app.get_name();
  const PageText text = PageTextOf(app, command);
  std::string out = ManHead(name, text.summary) + Synopsis(app, command, f);
  if (!TrimSpaces(text.description).empty()) out += ".SH DESCRIPTION\n" + Prose(text.description);
  if (!command) out += CommandsSection(app);
  out += ArgumentsAndOptions(a, f);
  if (TakesQuery(a)) out += QueryFieldsSection();
  if (!command) out += ExitStatusSection();
  out += EnvironmentSection(a, command);
  out += SeeAlsoSection(app, command);
  return out;
}

bool AsksForManPage(const std::vector<std::string>& words) {
  return std::any_of(words.begin(), words.end(),
                     [](const std::string& w) { return w == "--man" || w == "--man-pages"; });
}

int RunHelpMan(const CLI::App& app, const std::vector<std::string>& words) {
  std::string dir, topic;
  bool pages = false;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "--man") continue;
    if (words[i] == "--man-pages") {
      if (i + 1 == words.size()) {
        std::cerr << "loupe: help --man-pages needs the folder to write the pages into\n";
        return kExitUsage;
      }
      pages = true, dir = words[++i];
    } else if (topic.empty()) {
      topic = words[i];
    } else {
      std::cerr << "loupe: help --man takes one command, not '" << words[i] << "' too\n";
      return kExitUsage;
    }
  }
  const CLI::App* command = nullptr;
  if (!topic.empty()) {
    for (const CLI::App* sub : Commands(app))
      if (sub->get_name() == topic) command = sub;
    if (!command) {
      std::vector<std::string> names;
      for (const CLI::App* sub : Commands(app)) names.push_back(sub->get_name());
      std::cerr << "loupe: unknown command '" << topic << "'; the commands are: " << Join(names, ", ") << "\n";
      return kExitUsage;
    }
  }
  if (!pages) {
    std::cout << ManPage(app, command);
    return kExitOk;
  }
  std::vector<std::pair<std::string, const CLI::App*>> all = {{app.get_name(), nullptr}};
  for (const CLI::App* sub : Commands(app)) all.emplace_back(app.get_name() + "-" + sub->get_name(), sub);
  for (const auto& [page, sub] : all) {
    const std::string path = dir + "/" + page + ".1";
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << ManPage(app, sub);
    file.close();
    if (!file) {
      std::cerr << "loupe: cannot write " << path << ": " << std::strerror(errno)
                << " (help --man-pages writes into a folder that exists and may be written)\n";
      return kExitIndex;
    }
  }
  return kExitOk;
}

// ---- completion ---------------------------------------------------------------

namespace {

// s in single quotes, for bash and zsh.
std::string Quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Words(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// A value kind as the bash script names it.
std::string BashKind(const Value& v) {
  switch (v.kind) {
    case ValueKind::kFlag:
      return "";
    case ValueKind::kDirectory:
      return "dir";
    case ValueKind::kFile:
      return "file";
    case ValueKind::kNumber:
      return "none";
    case ValueKind::kQuery:
      return "query";
    case ValueKind::kWords:
      return "words " + Words(v.words);
  }
  return "";
}

}  // namespace

std::string BashCompletion(const CLI::App& app) {
  std::vector<std::string> commands;
  for (const CLI::App* sub : Commands(app)) commands.push_back(sub->get_name());
  commands.push_back("help");
  std::string options_case, values_case, positionals_case;
  auto add_command = [&](const std::string& cmd, const CLI::App& a) {
    std::vector<std::string> names;
    for (const CLI::Option* o : Options(a)) {
      for (const std::string& n : Names(o)) {
        names.push_back(n);
        if (std::string kind = BashKind(ValueOf(o)); !kind.empty())
          values_case += "    " + Quoted(cmd + " " + n) + ") echo " + Quoted(kind) + " ;;\n";
      }
    }
    options_case += "    " + Quoted(cmd) + ") echo " + Quoted(Words(names)) + " ;;\n";
    const auto positionals = Positionals(a);
    for (size_t i = 0; i < positionals.size(); ++i) {
      // The last argument, when it takes several words, takes every word after the others.
      const bool rest = i + 1 == positionals.size() && positionals[i]->get_expected_max() > 1;
      positionals_case += "    " + Quoted(cmd) + ":" + (rest ? "*" : std::to_string(i)) + ") echo " +
                          Quoted(BashKind(ValueOf(positionals[i]))) + " ;;\n";
    }
  };
  add_command("", app);
  for (const CLI::App* sub : Commands(app)) add_command(sub->get_name(), *sub);

  std::string s;
  s += "# bash completion for loupe.\n"
       "# Written by `loupe completion bash` from the definitions `loupe --help` prints; do not edit.\n"
       "# Installed as share/bash-completion/completions/loupe; or: source <(loupe completion bash)\n\n";
  s += "_loupe_commands=" + Quoted(Words(commands)) + "\n";
  s += "# The names a query understands before a colon (fields, their aliases, date keys).\n";
  s += "_loupe_fields=" + Quoted(Words(QueryFields())) + "\n\n";
  s += "# The options of command $1 ('' for loupe itself).\n_loupe_options() {\n  case $1 in\n" + options_case +
       "  esac\n}\n\n";
  s += "# What option $2 of command $1 takes: dir, file, none (a number), words W..., or nothing (a flag).\n"
       "_loupe_value() {\n  case \"$1 $2\" in\n" +
       values_case + "  esac\n}\n\n";
  s += "# What argument $2 (from 0) of command $1 takes.\n_loupe_argument() {\n  case \"$1:$2\" in\n" +
       positionals_case + "  esac\n}\n\n";
  s += R"sh(_loupe_reply() {
  case $1 in
    dir)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$2") ;;
    file)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$2") ;;
    words\ *) mapfile -t COMPREPLY < <(compgen -W "${1#words }" -- "$2") ;;
    query)
      # A field name, at the start of a query word (not after its colon).
      if [[ $2 != *:* && $3 != : ]]; then
        compopt -o nospace 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -W "$_loupe_fields" -- "$2")
      fi ;;
  esac
}

_loupe() {
  COMPREPLY=()
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local cmd= i=1 w n=0 dashdash= kind
  # The command is the first word that is not an option (loupe's own take no value).
  while ((i < COMP_CWORD)); do
    w=${COMP_WORDS[i]}
    i=$((i + 1))
    [[ $w == -* ]] && continue
    cmd=$w
    break
  done
  # The arguments before the current word: words that are neither options nor
  # their values (bash splits --opt=value into three words).
  while ((i < COMP_CWORD)); do
    w=${COMP_WORDS[i]}
    i=$((i + 1))
    if [[ -n $dashdash || $w != -* ]]; then
      n=$((n + 1))
    elif [[ $w == -- ]]; then
      dashdash=1
    elif [[ -n $(_loupe_value "$cmd" "$w") ]]; then
      [[ ${COMP_WORDS[i]} == = ]] && i=$((i + 1))
      i=$((i + 1))
    fi
  done
  # The value of an option: --opt VALUE, --opt=VALUE.
  if [[ -z $dashdash ]]; then
    if [[ $cur == = && $prev == -* ]]; then
      kind=$(_loupe_value "$cmd" "$prev") && cur=
    elif [[ $prev == = && ${COMP_WORDS[COMP_CWORD-2]} == -* ]]; then
      kind=$(_loupe_value "$cmd" "${COMP_WORDS[COMP_CWORD-2]}")
    elif [[ $prev == -* ]]; then
      kind=$(_loupe_value "$cmd" "$prev")
    fi
    if [[ -n $kind ]]; then
      _loupe_reply "$kind" "$cur" "$prev"
      return 0
    fi
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$(_loupe_options "$cmd")" -- "$cur")
      return 0
    fi
  fi
  if [[ -z $cmd || ($cmd == help && $n == 0) ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$_loupe_commands" -- "$cur")
    return 0
  fi
  _loupe_reply "$(_loupe_argument "$cmd" "$n")" "$cur" "$prev"
  return 0
}

complete -F _loupe loupe
)sh";
  return s;
}

namespace {

// Text inside the brackets of a zsh option spec, which is itself in single quotes.
std::string ZshText(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The first sentence of a description, on one line.
std::string FirstSentence(std::string_view text) {
  std::string s(text);
  std::replace(s.begin(), s.end(), '\n', ' ');
  int depth = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    if (depth == 0 && s[i] == '.' && s[i + 1] == ' ' && i > 0 && s[i - 1] != '.') return s.substr(0, i);
  }
  return s;
}

// The ":message:action" of an option's or argument's value.
std::string ZshAction(const CLI::Option* o) {
  const Value v = ValueOf(o);
  std::string message = Names(o).back();
  message.erase(0, message.find_first_not_of('-'));
  switch (v.kind) {
    case ValueKind::kFlag:
      return "";
    case ValueKind::kDirectory:
      return ":" + message + ":_files -/";
    case ValueKind::kFile:
      return ":" + message + ":_files";
    case ValueKind::kNumber:
      return ":" + message + ": ";
    case ValueKind::kQuery:
      return ":" + message + ":_loupe_query";
    case ValueKind::kWords: {
      std::string words;
      for (const std::string& w : v.words) {
        std::string e;
        for (char c : w) e += std::string(std::strchr(" ()\\:'\"", c) ? "\\" : "") + c;
        words += (words.empty() ? "" : " ") + e;
      }
      return ":" + message + ":(" + words + ")";
    }
  }
  return "";
}

// The _arguments specs of a command's options and arguments.
std::string ZshSpecs(const CLI::App& a, const std::string& indent) {
  std::string out;
  for (const CLI::Option* o : Options(a)) {
    const std::vector<std::string> names = Names(o);
    const bool repeats = o->get_expected_max() > 1;
    // Names that may not come with this one: its other names, what it excludes; all for --help.
    std::vector<std::string> exclusive;
    if (o == a.get_help_ptr() || o == a.get_version_ptr()) {
      exclusive = {"-", "*"};
    } else {
      if (!repeats) exclusive = names;
      std::vector<std::string> excluded;
      for (const CLI::Option* x : o->get_excludes())
        for (const std::string& n : Names(x)) excluded.push_back(n);
      std::sort(excluded.begin(), excluded.end());
      exclusive.insert(exclusive.end(), excluded.begin(), excluded.end());
    }
    const std::string action = ZshAction(o);
    for (const std::string& n : names) {
      std::string spec = exclusive.empty() ? "" : "(" + Words(exclusive) + ")";
      if (repeats) spec += "*";
      spec += n;
      if (!action.empty()) spec += n.size() == 2 ? "+" : "=";
      spec += "[" + ZshText(FirstSentence(o->get_description())) + "]" + action;
      out += " \\\n" + indent + Quoted(spec);
    }
  }
  for (const CLI::Option* p : Positionals(a)) {
    const bool rest = p->get_expected_max() > 1;
    out +=
        " \\\n" + indent + Quoted(std::string(rest ? "*" : "") + (p->get_required() || rest ? "" : ":") + ZshAction(p));
  }
  return out;
}

}  // namespace

std::string ZshCompletion(const CLI::App& app) {
  std::string s =
      "#compdef loupe\n"
      "# zsh completion for loupe.\n"
      "# Written by `loupe completion zsh` from the definitions `loupe --help` prints; do not edit.\n"
      "# Installed as share/zsh/site-functions/_loupe; or: source <(loupe completion zsh)\n\n";
  s += "# A field name at the start of a query word: also inside a quoted query, after a\n"
       "# space or a parenthesis.\n"
       "_loupe_query() {\n  compset -P '*[[:space:](]'\n  [[ $PREFIX == *:* ]] && return 1\n"
       "  local -a fields=(" +
       Words(QueryFields()) + ")\n  compadd -S '' -a fields\n}\n\n";
  s += "_loupe() {\n  local curcontext=$curcontext state line ret=1\n  typeset -A opt_args\n  local -a commands=(";
  std::vector<std::string> names;
  for (const CLI::App* sub : Commands(app)) {
    names.push_back(sub->get_name());
    s += "\n    " + Quoted(sub->get_name() + ":" + Summary(sub->get_description()));
  }
  s += "\n    " + Quoted("help:Print what loupe COMMAND --help prints") + "\n  )\n";
  s += "  _arguments -C" + ZshSpecs(app, "    ") +
       " \\\n    '1:command:->command' \\\n    '*::argument:->argument' && return 0\n";
  s += "  case $state in\n"
       "    command) _describe -t commands 'loupe command' commands && ret=0 ;;\n"
       "    argument)\n"
       "      curcontext=${curcontext%:*:*}:loupe-$words[1]:\n"
       "      case $words[1] in\n";
  for (const CLI::App* sub : Commands(app))
    s +=
        "        " + sub->get_name() + ")\n          _arguments -S" + ZshSpecs(*sub, "            ") + " && ret=0 ;;\n";
  s += "        help) _arguments '1:command:(" + Words(names) + ")' && ret=0 ;;\n";
  s += "      esac ;;\n  esac\n  return ret\n}\n\n";
  s += "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n  _loupe \"$@\"\nelse\n  compdef _loupe loupe\nfi\n";
  return s;
}

int RunCompletion(const CLI::App& app, const std::string& shell) {
  std::cout << (shell == "zsh" ? ZshCompletion(app) : BashCompletion(app));
  return kExitOk;
}

}  // namespace loupe::cli
