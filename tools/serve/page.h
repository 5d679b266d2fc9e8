// The search page's files (tools/serve/page/), embedded in the binary at build
// time by cmake/EmbedFiles.cmake, so that `loupe serve` needs no file beside it
// and works offline.
#ifndef LOUPE_TOOLS_SERVE_PAGE_H_
#define LOUPE_TOOLS_SERVE_PAGE_H_

#include <cstddef>
#include <vector>

namespace loupe::serve {

struct PageFile {
  const char* path;     // where it is served: "/", "/app.js", "/style.css"
  const char* content;  // its bytes (not NUL-terminated)
  size_t size;
  const char* type;  // Content-Type
};

// Every file of the page; the vector and the bytes live as long as the program.
const std::vector<PageFile>& PageFiles();

}  // namespace loupe::serve

#endif  // LOUPE_TOOLS_SERVE_PAGE_H_
