// Man pages and shell completion scripts of the loupe command, written from
// the same CLI11 definitions that --help prints, so that they cannot say
// something else. The build writes them (cmake/GenerateCliDocs.cmake) and
// `cmake --install` installs them.
#ifndef LOUPE_TOOLS_CLI_HELP_DOCS_H_
#define LOUPE_TOOLS_CLI_HELP_DOCS_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace loupe::cli {

// The man page (roff, man macros) of `command`, a subcommand of `app`, as
// loupe-COMMAND(1); of `app` itself, as loupe(1), when `command` is null: the
// description, each option's names, value and text exactly as --help gives
// them, and for a command that takes a query the field names the query
// language knows.
std::string ManPage(const CLI::App& app, const CLI::App* command);

// Whether the words after `loupe help` ask for a man page (--man or
// --man-pages).
bool AsksForManPage(const std::vector<std::string>& words);

// `loupe help --man [COMMAND]` prints the page of COMMAND (of loupe without
// one); `loupe help --man-pages DIR` writes loupe.1 and loupe-COMMAND.1 for
// every command into DIR, which must exist. `words` are the words after
// `help`. Returns the exit code: 0, 2 for an unknown command or missing DIR,
// 3 when a page cannot be written.
int RunHelpMan(const CLI::App& app, const std::vector<std::string>& words);

// The completion script for bash or zsh: the commands, each command's options
// (and for an option with a fixed set of values, those values; directories
// for --db; file names for other values), and in a query the field names and
// date keys of the query language.
std::string BashCompletion(const CLI::App& app);
std::string ZshCompletion(const CLI::App& app);

// `loupe completion bash|zsh`: prints the script. Returns 0.
int RunCompletion(const CLI::App& app, const std::string& shell);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_HELP_DOCS_H_
