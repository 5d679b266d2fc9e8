// The walk over the paths given to `loupe index`: which files are read, which
// are skipped and why. Never blocks (FIFOs and sockets are not opened), never
// loops and never leaves a root (even with symlinks followed).
//
// Thread-safety: the functions are reentrant (they share no state).
#ifndef LOUPE_INGEST_WALK_H_
#define LOUPE_INGEST_WALK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "loupe/ingest/formats.h"
#include "loupe/status.h"

namespace loupe::ingest {

struct WalkOptions {
  bool follow_symlinks = false;  // --follow
  // --max-size: larger files are skipped, but for JSON lines, whose files
  // may be of any size (a reader takes them a line at a time: ParseJsonLines)
  uint64_t max_size = uint64_t{16} << 20;
};

struct WalkFile {
  std::string path;  // to open
  std::string id;    // path relative to its root (a file given directly: its name)
  std::string root;  // the root it was found under, as given ("" for a file given directly)
  Format format;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

struct WalkSkip {
  std::string path;
  std::string reason;  // e.g. "symbolic link (not followed; use --follow)"
};

struct WalkResult {
  std::vector<WalkFile> files;      // by root, then by id
  std::vector<WalkSkip> skipped;    // files and folders not read, with the reason
  std::vector<std::string> errors;  // roots that do not exist or cannot be read
  size_t hidden = 0;                // hidden files and folders (names starting with '.')
  size_t other = 0;                 // files of no known format
};

// Walks `roots` (folders or files). A root that is missing or cannot be read
// is not an error of the walk: it is listed in WalkResult::errors and the
// other roots are walked. Errors: kIOError when memory runs out.
Result<WalkResult> Walk(const std::vector<std::string>& roots, const WalkOptions& options);

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_WALK_H_
