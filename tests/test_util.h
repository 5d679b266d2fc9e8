// Helpers shared by the tests.
#ifndef LOUPE_TESTS_TEST_UTIL_H_
#define LOUPE_TESTS_TEST_UTIL_H_

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace loupe::test

#endif  // LOUPE_TESTS_TEST_UTIL_H_
