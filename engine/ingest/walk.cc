#include "loupe/ingest/walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>

#include "util/guard.h"

namespace loupe::ingest {
namespace {

std::string RealPath(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

// Whether `path` is `root` or inside it (both real paths).
bool Inside(const std::string& path, const std::string& root) {
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          (root == "/" || path[root.size()] == '/'));
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

std::string SizeText(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 20)) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

class Walker {
 public:
  Walker(const WalkOptions& o, WalkResult* out) : o_(o), out_(out) {}

  void Root(const std::string& root) {
    struct stat st;
    if (::stat(root.c_str(), &st) != 0) {
      out_->errors.push_back(root + ": " + std::strerror(errno));
      return;
    }
    if (S_ISREG(st.st_mode)) {
      std::string name = root.substr(root.find_last_of('/') == std::string::npos ? 0 : root.find_last_of('/') + 1);
      root_.clear();
      File(root, name, st, /*named=*/true);
      return;
    }
    if (!S_ISDIR(st.st_mode)) {
      out_->errors.push_back(root + ": not a regular file or folder");
      return;
    }
    root_real_ = RealPath(root);
    root_ = root;
    visited_.clear();
    visited_.insert({st.st_dev, st.st_ino});
    size_t first = out_->files.size();
    Dir(root, "");
    std::sort(out_->files.begin() + static_cast<std::ptrdiff_t>(first), out_->files.end(),
              [](const WalkFile& a, const WalkFile& b) { return a.id < b.id; });
  }

 private:
  // A folder, iteratively (deep trees cannot overflow the stack).
  void Dir(const std::string& top, const std::string& top_id) {
    std::vector<std::pair<std::string, std::string>> stack{{top, top_id}};
    while (!stack.empty()) {
      auto [dir, prefix] = stack.back();
      stack.pop_back();
      DIR* d = ::opendir(dir.c_str());
      if (!d) {
        out_->skipped.push_back({dir, std::string("cannot open folder: ") + std::strerror(errno)});
        continue;
      }
      std::vector<std::string> names;
      while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        names.push_back(std::move(name));
      }
      ::closedir(d);
      std::sort(names.begin(), names.end());
      for (const std::string& name : names) {
        const std::string path = dir + "/" + name, id = prefix.empty() ? name : prefix + "/" + name;
        if (name[0] == '.') {
          ++out_->hidden;
          continue;
        }
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0) {
          out_->skipped.push_back({path, std::string("cannot stat: ") + std::strerror(errno)});
          continue;
        }
        if (S_ISLNK(st.st_mode)) {
          if (!o_.follow_symlinks) {
            out_->skipped.push_back({path, "symbolic link (not followed; use --follow)"});
            continue;
          }
          std::string target = RealPath(path);
          if (target.empty()) {
            out_->skipped.push_back({path, "broken symbolic link"});
            continue;
          }
          if (!Inside(target, root_real_)) {
            out_->skipped.push_back({path, "symbolic link out of the indexed folder (not followed)"});
            continue;
          }
          if (::stat(path.c_str(), &st) != 0) {
            out_->skipped.push_back({path, std::string("cannot stat: ") + std::strerror(errno)});
            continue;
          }
        }
        if (S_ISDIR(st.st_mode)) {
          if (!visited_.insert({st.st_dev, st.st_ino}).second) {
            out_->skipped.push_back({path, "folder already visited (a symbolic link loop)"});
            continue;
          }
          stack.push_back({path, id});
          continue;
        }
        if (S_ISREG(st.st_mode)) {
          File(path, id, st, /*named=*/false);
        } else if (S_ISFIFO(st.st_mode)) {
          out_->skipped.push_back({path, "named pipe (FIFO): not read"});
        } else if (S_ISSOCK(st.st_mode)) {
          out_->skipped.push_back({path, "socket: not read"});
        } else {
          out_->skipped.push_back({path, "device or special file: not read"});
        }
      }
    }
  }

  void File(const std::string& path, const std::string& id, const struct stat& st, bool named) {
    auto format = FormatOf(path);
    if (!format) {
      if (named)
        out_->skipped.push_back(
            {path, "not a known format (.txt, .md, .jsonl, .ndjson, .eml, .html, .htm, .rss, .atom, .xml)"});
      else
        ++out_->other;
      return;
    }
    if (const char* missing = FormatMissing(*format)) {  // a reader this build lacks
      out_->skipped.push_back({path, missing});
      return;
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size > o_.max_size && *format != Format::kJsonLines) {  // JSON lines are read by lines, each within it
      out_->skipped.push_back({path, SizeText(size) + ", over --max-size " + SizeText(o_.max_size)});
      return;
    }
    out_->files.push_back({path, id, root_, *format, size, MtimeNs(st)});
  }

  const WalkOptions& o_;
  WalkResult* out_;
  std::string root_real_, root_;
  std::set<std::pair<dev_t, ino_t>> visited_;
};

WalkResult DoWalk(const std::vector<std::string>& roots, const WalkOptions& options) {
  WalkResult out;
  Walker w(options, &out);
  for (const std::string& r : roots) {
    std::string root = r;
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    w.Root(root);
  }
  return out;
}

}  // namespace

Result<WalkResult> Walk(const std::vector<std::string>& roots, const WalkOptions& options) {
  return Guard([&]() -> Result<WalkResult> { return DoWalk(roots, options); });
}

}  // namespace loupe::ingest
