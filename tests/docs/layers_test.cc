// The layers of docs/architecture.md hold in the code: every `#include "dir/file.h"`
// of a source file takes an arrow the "Layers" table lists, no engine layer includes
// the query module's public headers, and every source folder is a declared layer.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Layer {
  std::string folder;             // "engine/index/" (relative to the root, with '/')
  std::set<std::string> may_use;  // other layers' folders
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The rows of the table under "## Layers": | `folder/` | holds | `a/`, `b/` |.
std::vector<Layer> ParseLayers(const std::string& doc) {
  std::vector<Layer> layers;
  const size_t at = doc.find("\n## Layers\n");
  if (at == std::string::npos) return layers;
  const size_t end = doc.find("\n## ", at + 1);
  std::istringstream in(doc.substr(at, end == std::string::npos ? std::string::npos : end - at));
  const std::regex tick("`([^`]+)`");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    size_t from = 1;
    for (size_t bar; (bar = line.find(" |", from)) != std::string::npos; from = bar + 2)
      cells.push_back(line.substr(from, bar - from));
    if (cells.size() != 3) continue;
    Layer layer;
    std::smatch m;
    if (!std::regex_search(cells[0], m, tick)) continue;
    layer.folder = m[1];
    for (auto it = std::sregex_iterator(cells[2].begin(), cells[2].end(), tick); it != std::sregex_iterator(); ++it)
      layer.may_use.insert((*it)[1]);
    layers.push_back(layer);
  }
  return layers;
}

bool IsSource(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".cc" || ext == ".h" || ext == ".c" || ext == ".y";
}

std::string Rel(const fs::path& root, const fs::path& p) { return fs::relative(p, root).generic_string(); }

// The layer whose folder holds `rel` (the longest match), or nullptr.
const Layer* LayerOf(const std::vector<Layer>& layers, const std::string& rel) {
  const Layer* best = nullptr;
  for (const Layer& l : layers)
    if (rel.rfind(l.folder, 0) == 0 && (!best || l.folder.size() > best->folder.size())) best = &l;
  return best;
}

// Every breach of the layers in the tree at `root`, one message each.
std::vector<std::string> CheckLayers(const fs::path& root, const std::vector<Layer>& layers) {
  std::vector<std::string> problems;
  if (layers.empty()) return {"docs/architecture.md has no \"## Layers\" table"};
  const std::regex include(R"re(^\s*#\s*include\s+"([^"]+)")re");
  for (const char* top : {"engine", "query", "tools"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      if (!entry.is_regular_file() || !IsSource(entry.path())) continue;
      const std::string rel = Rel(root, entry.path());
      if (rel.find("/include/loupe/") != std::string::npos) continue;  // public headers
      const Layer* own = LayerOf(layers, rel);
      if (!own) {
        problems.push_back(rel + ": in no layer of docs/architecture.md's Layers table (add its folder)");
        continue;
      }
      std::istringstream in(ReadFile(entry.path()));
      int line_no = 0;
      for (std::string line; std::getline(in, line);) {
        ++line_no;
        std::smatch m;
        if (!std::regex_search(line, m, include)) continue;
        const std::string target = m[1];
        const std::string where = rel + ":" + std::to_string(line_no) + ": \"" + target + "\"";
        if (target.rfind("loupe/", 0) == 0) {
          if (own->folder.rfind("engine/", 0) == 0 && fs::exists(root / "query/include" / target))
            problems.push_back(where + ": the engine includes a header of the query module");
          continue;
        }
        // Resolved as the compiler would: beside the file, then from engine/, query/, tools/.
        std::string resolved;
        if (fs::exists(entry.path().parent_path() / target)) {
          resolved = Rel(root, fs::weakly_canonical(entry.path().parent_path() / target));
        } else {
          for (const char* base : {"engine", "query", "tools"})
            if (fs::exists(root / base / target)) {
              resolved = std::string(base) + "/" + target;
              break;
            }
        }
        if (resolved.empty()) continue;  // generated in the build tree (grammar.h)
        const Layer* to = LayerOf(layers, resolved);
        if (!to || to == own || own->may_use.count(to->folder)) continue;
        problems.push_back(where + ": " + own->folder + " may not include " + to->folder +
                           " (the arrows are in docs/architecture.md's Layers table)");
      }
    }
  }
  return problems;
}

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("the source tree keeps to the layers docs/architecture.md draws", "[layers]") {
  const fs::path root = LOUPE_SOURCE_DIR;
  const std::vector<Layer> layers = ParseLayers(ReadFile(root / "docs/architecture.md"));
  REQUIRE(layers.size() >= 8);
  for (const Layer& l : layers) {
    INFO(l.folder);
    CHECK(fs::is_directory(root / l.folder));  // the table names only folders that exist
    for (const std::string& to : l.may_use) CHECK(fs::is_directory(root / to));
  }
  const std::vector<std::string> problems = CheckLayers(root, layers);
  for (const std::string& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
}

TEST_CASE("the layer check finds an arrow the table does not list", "[layers]") {
  const fs::path root = fs::temp_directory_path() / ("loupe-layers-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const std::string doc =
      "# A\n\n## Layers\n\n| layer | holds | may include |\n| --- | --- | --- |\n"
      "| `engine/util/` | helpers | — |\n| `engine/index/` | records | `engine/util/` |\n"
      "| `query/` | parser | `engine/util/` |\n\n## Next\n";
  const std::vector<Layer> layers = ParseLayers(doc);
  REQUIRE(layers.size() == 3);
  Write(root / "engine/util/a.h", "#include \"loupe/status.h\"\n");
  Write(root / "engine/index/b.cc", "#include \"index/b.h\"\n#include \"util/a.h\"\n");
  Write(root / "engine/index/b.h", "\n");
  Write(root / "query/include/loupe/query_parser.h", "\n");
  Write(root / "query/p.cc", "#include \"util/a.h\"\n#include \"grammar.h\"\n");
  CHECK(CheckLayers(root, layers).empty());

  Write(root / "query/q.cc", "#include \"index/b.h\"\n");                   // query/ -> engine/index/
  Write(root / "engine/util/c.cc", "#include \"loupe/query_parser.h\"\n");  // the engine sees query syntax
  Write(root / "engine/search/d.cc", "\n");                                 // a folder in no layer
  const std::vector<std::string> problems = CheckLayers(root, layers);
  fs::remove_all(root);
  REQUIRE(problems.size() == 3);
  std::string all;
  for (const std::string& p : problems) all += p + "\n";
  CHECK(all.find("query/q.cc:1: \"index/b.h\": query/ may not include engine/index/") != std::string::npos);
  CHECK(all.find("engine/util/c.cc:1: \"loupe/query_parser.h\": the engine includes a header of the query module") !=
        std::string::npos);
  CHECK(all.find("engine/search/d.cc: in no layer") != std::string::npos);
}
