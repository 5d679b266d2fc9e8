// Helpers shared by the tests.
#ifndef LOUPE_TESTS_TEST_UTIL_H_
#define LOUPE_TESTS_TEST_UTIL_H_

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace loupe::test {

// A fresh temporary directory, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "loupe-test-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The whole content of a file ("" if it cannot be read).
inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The strings of `v` separated by "; " (for messages).
inline std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "; " : "") + v[i];
  return s;
}

// Writes `text` to `path` (replacing it), creating the folders above it.
inline void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// `s` as one word for the shell, in single quotes.
inline std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// What a command printed and its exit status (-1 when a signal ended it).
struct CommandRun {
  int code;
  std::string out, err;
};

// Runs `command` with the shell, its standard error to a file in `tmp`.
inline CommandRun RunCommand(const std::string& command, const TempDir& tmp) {
  const std::string err_file = tmp.sub("stderr.txt");
  FILE* p = ::popen((command + " 2>" + err_file).c_str(), "r");
  if (!p) return {-1, "", "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, Slurp(err_file)};
}

// A file system mounted at `target` while the object lives (`mount ARGS
// TARGET`; only root may mount), unmounted when it goes out of scope.
class ScopedMount {
 public:
  ScopedMount(const std::string& args, const std::string& target) : target_(target) {
    ok_ = std::system(("mount " + args + " " + target + " 2>/dev/null").c_str()) == 0;
  }
  ~ScopedMount() {
    if (ok_) (void)std::system(("umount " + target_).c_str());
  }
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;
  // Whether the mount succeeded.
  bool ok() const { return ok_; }

 private:
  std::string target_;
  bool ok_ = false;
};

#ifdef LOUPE_CLI
// The CLI under test: the one built with the tests, or $LOUPE_TEST_CLI (to run
// the tests against another build, e.g. an earlier one).
inline std::string Cli() {
  const char* env = std::getenv("LOUPE_TEST_CLI");
  return env && *env ? env : LOUPE_CLI;
}

// `loupe ARGS` (after `prefix`, e.g. "timeout 120 "), with nothing on its
// standard input.
inline CommandRun RunLoupe(const std::string& args, const TempDir& tmp, const std::string& prefix = "") {
  return RunCommand(prefix + Cli() + " " + args + " </dev/null", tmp);
}

// The built CLI run as the unprivileged user `nobody` (group `nogroup`), for the
// checks that root would pass anyway (root reads any file, writes any folder).
// Only root can switch users, so when the tests run unprivileged already the
// CLI simply runs as that user. The build tree may sit in a folder `nobody`
// cannot enter: root runs a copy of the CLI and of the libloupe it loads, in a
// folder of `tmp` opened to everyone (tmp itself becomes reachable: 0755).
class Unprivileged {
 public:
  explicit Unprivileged(const TempDir& tmp) : tmp_(tmp) {
    if (::geteuid() != 0) {
      command_ = LOUPE_CLI;
      return;
    }
    if (std::system("command -v setpriv >/dev/null 2>&1") != 0) {
      why_not_ = "running as root and setpriv (util-linux) is not installed";
      return;
    }
    if (!::getpwnam("nobody") || !::getgrnam("nogroup")) {
      why_not_ = "running as root and there is no user nobody or group nogroup";
      return;
    }
    ::chmod(tmp.path().c_str(), 0755);
    const std::string bin = tmp.sub("unprivileged-bin");
    std::filesystem::create_directories(bin);
    ::chmod(bin.c_str(), 0755);
    std::filesystem::copy_file(LOUPE_CLI, bin + "/loupe", std::filesystem::copy_options::overwrite_existing);
    ::chmod((bin + "/loupe").c_str(), 0755);
    CommandRun libs = RunCommand("ldd " + std::string(LOUPE_CLI) + " | awk '/libloupe/ {print $1, $3}'", tmp);
    if (libs.code != 0) {
      why_not_ = "ldd cannot list the libraries of " + std::string(LOUPE_CLI);
      return;
    }
    std::istringstream lines(libs.out);
    for (std::string soname, path; lines >> soname >> path;) {
      std::filesystem::copy_file(path, bin + "/" + soname, std::filesystem::copy_options::overwrite_existing);
      ::chmod((bin + "/" + soname).c_str(), 0755);
    }
    command_ =
        "setpriv --reuid=nobody --regid=nogroup --clear-groups env LD_LIBRARY_PATH=" + bin + " " + bin + "/loupe";
  }
  // Why the CLI cannot run unprivileged here ("" if it can).
  const std::string& why_not() const { return why_not_; }
  // The shell command that runs the CLI unprivileged, to be followed by its arguments.
  const std::string& command() const { return command_; }
  // `loupe ARGS`, run unprivileged.
  CommandRun operator()(const std::string& args) const { return RunCommand(command_ + " " + args, tmp_); }

 private:
  const TempDir& tmp_;
  std::string command_, why_not_;
};
#endif  // LOUPE_CLI

}  // namespace loupe::test

#endif  // LOUPE_TESTS_TEST_UTIL_H_
