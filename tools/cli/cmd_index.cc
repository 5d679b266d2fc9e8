// loupe index --db DIR [--follow] [--max-size N] [--no-delete] [--quiet] [--format text|json] PATH...
//
// Incremental: each source file's size, modification time, content hash, root
// and the ids of the articles it gave are kept in the index's metadata (key
// "source:" + the file's id), written in the same commit as the articles. A
// file whose size and time are unchanged is not read; one whose content hash is
// unchanged is not re-indexed; the articles of files gone from a root given
// again are deleted (unless --no-delete).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "cli/common.h"
#include "index/format.h"  // the index's varints
#include "loupe/builtin_data.h"
#include "loupe/ingest/formats.h"
#include "loupe/ingest/walk.h"
#include "loupe/language.h"
#include "loupe/tagger.h"

namespace loupe::cli {

namespace {
const std::string kSourcePrefix = "source:";

// Reads a whole file into *out, at most `limit` bytes: a file that holds more
// (it grew since the walk measured it) sets *over and is not read further. No
// stream buffering; O_NONBLOCK so that a file replaced by a FIFO after the walk
// cannot hang the run. False with errno set.
bool ReadFile(const std::string& path, std::string* out, uint64_t limit = UINT64_MAX, bool* over = nullptr) {
  if (over) *over = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int saved = S_ISREG(st.st_mode) ? errno : EINVAL;
    ::close(fd);
    errno = saved;
    return false;
  }
  uint64_t size = st.st_size > 0 ? static_cast<uint64_t>(st.st_size) : 0;
  size = std::min(size, limit);
  out->resize(size + 1);  // one spare byte to see end of file (or the limit) in the same read
  size_t have = 0;
  bool ok = true;
  for (;;) {
    if (have > limit) {  // more than the limit: stop reading
      if (over) *over = true;
      break;
    }
    if (have == out->size()) {
      uint64_t grown = std::min<uint64_t>(out->size() * 2 + 4096, limit + 1);
      out->resize(grown);
    }
    ssize_t n = ::read(fd, out->data() + have, out->size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    have += static_cast<size_t>(n);
  }
  out->resize(std::min<uint64_t>(have, limit));
  int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

// A 64-bit hash of the content, eight bytes at a time (to notice changed
// files; not cryptographic).
uint64_t Hash(std::string_view s) {
  uint64_t h = 0x243F6A8885A308D3ull ^ s.size();
  size_t i = 0;
  auto mix = [&](uint64_t w) {
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  };
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    mix(w);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  mix(tail);
  return h ^ (h >> 32);
}

std::string RealPath(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : p;
}

// What the index records of a source file, under "source:" + its id (or, for
// an id too long for a key, FitId's shortening of it). Encoded compactly
// (about 20 bytes a file): a byte of flags (1: the file gave exactly one
// article, whose id is the file's; 2: the file's whole id follows, because
// the key holds a shortened one), then with flag 2 the id length-prefixed,
// varints of the size, the modification time and the root's number in the
// "roots" record, the 8-byte hash, then, without flag 1, a varint count of
// article ids and each id length-prefixed.
struct Source {
  uint32_t root = 0;  // index into the roots list (0: unknown; a file given directly before roots were kept)
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t hash = 0;
  std::vector<std::string> docs;
};

bool GetString(std::string_view* in, std::string* out) {
  uint64_t len;
  if (!format::GetVarint64(in, &len) || len > in->size()) return false;
  out->assign(in->substr(0, len));
  in->remove_prefix(len);
  return true;
}

// Document ids and metadata keys are at most 400 bytes (LMDB's key limit,
// with room for the index's own prefixes). A longer id keeps its first bytes,
// cut at a character boundary, then "~" and 16 hexadecimal digits of a hash
// of the whole id, `limit` bytes in all; shorter ids are unchanged.
constexpr size_t kMaxIdBytes = 400;
std::string FitId(const std::string& id, size_t limit) {
  if (id.size() <= limit) return id;
  size_t keep = limit - 17;
  while (keep > 0 && (static_cast<unsigned char>(id[keep]) & 0xC0) == 0x80) --keep;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Hash(id)));
  return id.substr(0, keep) + "~" + hex;
}

std::string SourceKey(const std::string& file_id) {
  return kSourcePrefix + FitId(file_id, kMaxIdBytes - kSourcePrefix.size());
}

std::string EncodeSource(const Source& s, const std::string& file_id) {
  std::string out;
  bool single = s.docs.size() == 1 && s.docs[0] == file_id;
  bool whole_id = SourceKey(file_id).size() - kSourcePrefix.size() != file_id.size();
  out.push_back(static_cast<char>((single ? 1 : 0) | (whole_id ? 2 : 0)));
  if (whole_id) {
    format::PutVarint64(&out, file_id.size());
    out += file_id;
  }
  format::PutVarint64(&out, s.size);
  format::PutVarint64(&out, static_cast<uint64_t>(s.mtime_ns));
  format::PutVarint64(&out, s.root);
  out.append(reinterpret_cast<const char*>(&s.hash), 8);
  if (!single) {
    format::PutVarint64(&out, s.docs.size());
    for (const std::string& d : s.docs) {
      format::PutVarint64(&out, d.size());
      out += d;
    }
  }
  return out;
}

// Decodes a record; *file_id comes in as the id in the key and goes out as
// the file's whole id.
bool DecodeSource(std::string_view v, std::string* file_id, Source* s) {
  if (v.empty() || static_cast<uint8_t>(v[0]) > 3) return false;
  bool single = v[0] & 1, whole_id = v[0] & 2;
  v.remove_prefix(1);
  if (whole_id && !GetString(&v, file_id)) return false;
  uint64_t size, mtime, root, n;
  if (!format::GetVarint64(&v, &size) || !format::GetVarint64(&v, &mtime) || !format::GetVarint64(&v, &root) ||
      v.size() < 8)
    return false;
  s->size = size;
  s->mtime_ns = static_cast<int64_t>(mtime);
  s->root = static_cast<uint32_t>(root);
  std::memcpy(&s->hash, v.data(), 8);
  v.remove_prefix(8);
  if (single) {
    s->docs = {*file_id};
    return v.empty();
  }
  if (!format::GetVarint64(&v, &n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string d;
    if (!GetString(&v, &d)) return false;
    s->docs.push_back(std::move(d));
  }
  return v.empty();
}

// The folders the index has seen, by number (0: none), with the label that
// prefixes the ids of their files. The "roots" record: before labels were
// kept, the real paths one per line (every label then empty, so old indexes
// keep their ids); now a 0x01 byte, then for each folder its real path and
// label, length-prefixed.
struct Root {
  std::string real;
  std::string label;
};

std::vector<Root> DecodeRoots(std::string_view v) {
  std::vector<Root> out{{}};
  if (!v.empty() && v[0] == '\x01') {
    v.remove_prefix(1);
    Root r;
    while (GetString(&v, &r.real) && GetString(&v, &r.label)) out.push_back(r);
    return out;
  }
  while (!v.empty()) {
    size_t nl = v.find('\n');
    out.push_back({std::string(v.substr(0, nl)), ""});
    v.remove_prefix(nl == std::string_view::npos ? v.size() : nl + 1);
  }
  return out;
}

std::string EncodeRoots(const std::vector<Root>& roots) {
  std::string out = "\x01";
  for (size_t i = 1; i < roots.size(); ++i) {
    format::PutVarint64(&out, roots[i].real.size());
    out += roots[i].real;
    format::PutVarint64(&out, roots[i].label.size());
    out += roots[i].label;
  }
  return out;
}

// Set by the first SIGINT or SIGTERM: the run stops reading, commits what it
// added and exits 130. The handler is reset on delivery, so a second signal
// ends the process at once (the index keeps its last commit).
volatile sig_atomic_t g_interrupted = 0;
void OnInterrupt(int) { g_interrupted = 1; }

// The progress line on a terminal, about ten times a second.
class Progress {
 public:
  Progress(bool on, size_t files, uint64_t bytes) : on_(on), files_(files), bytes_(bytes) {}
  void Update(size_t files_done, uint64_t bytes_done, size_t docs) {
    if (!on_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? static_cast<double>(docs) / secs : 0;
    double left = bytes_done > 0 && secs > 0 ? secs * static_cast<double>(bytes_ - bytes_done) / static_cast<double>(bytes_done) : 0;
    std::fprintf(stderr, "\r%zu/%zu files, %.1f/%.1f MB, %.0f docs/s, ETA %.0f s   ", files_done, files_,
                 static_cast<double>(bytes_done) / 1e6, static_cast<double>(bytes_) / 1e6, rate, left);
    dirty_ = true;
  }
  void Done() {
    if (dirty_) std::fprintf(stderr, "\r%*s\r", 79, "");
  }

 private:
  bool on_;
  size_t files_;
  uint64_t bytes_;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_{};
};

}  // namespace

int RunIndex(const IndexArgs& a) {
  auto start = std::chrono::steady_clock::now();
  // The first SIGINT or SIGTERM stops the run after the file being added (or,
  // before the first file, at once), from the start of the run.
  g_interrupted = 0;
  struct sigaction on_signal {}, old_int{}, old_term{};
  on_signal.sa_handler = OnInterrupt;
  on_signal.sa_flags = SA_RESETHAND;
  sigemptyset(&on_signal.sa_mask);
  ::sigaction(SIGINT, &on_signal, &old_int);
  ::sigaction(SIGTERM, &on_signal, &old_term);
  struct RestoreSignals {
    struct sigaction &i, &t;
    ~RestoreSignals() {
      ::sigaction(SIGINT, &i, nullptr);
      ::sigaction(SIGTERM, &t, nullptr);
    }
  } restore_signals{old_int, old_term};
  const bool json = a.format == "json";
  auto walked = ingest::Walk(a.paths, {.follow_symlinks = a.follow, .max_size = a.max_size});
  if (!walked.ok()) return Fail("index", walked.status());
  ingest::WalkResult walk = std::move(*walked);
  for (const auto& e : walk.errors) std::cerr << "loupe: index: " << TerminalSafe(e) << "\n";
  if (walk.files.empty() && walk.skipped.empty() && !walk.errors.empty()) return kExitUsage;


  // The gazetteer and topic lexicon: given, else found at the top of a PATH.
  auto find = [&](const std::string& given, const char* name, std::string* text, std::string* from) {
    std::vector<std::string> candidates;
    if (!given.empty()) candidates.push_back(given);
    else
      for (const std::string& p : a.paths) candidates.push_back(p + (!p.empty() && p.back() == '/' ? "" : "/") + name);
    for (const std::string& c : candidates) {
      struct stat st;
      if (::stat(c.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (!ReadFile(c, text)) {
        std::cerr << "loupe: index: cannot read " << TerminalSafe(c) << ": " << std::strerror(errno) << "\n";
        return false;
      }
      *from = c;
      return true;
    }
    if (!given.empty()) {
      std::cerr << "loupe: index: " << TerminalSafe(given) << ": no such file\n";
      return false;
    }
    return true;
  };
  // What --no-tagging stores for each (an empty value would remove the key).
  static constexpr std::string_view kNoTagging = "# none (--no-tagging)\n";
  // Each of the gazetteer, the topic lexicon and the title words comes from
  // the first of: its option, its file at the top of a PATH, what the index was
  // last tagged with, the built-in one. --no-tagging: none.
  struct TagSource {
    const char* key;        // metadata key of its text in the index
    const char* file;       // file name at the top of a PATH
    const std::string* given;
    std::string text, from;  // from: a path, "built-in", "the index" or "none (--no-tagging)"
  };
  TagSource sources[] = {{"gazetteer", "actors.gazetteer", &a.gazetteer, {}, {}},
                         {"topics", "topics.lexicon", &a.topics, {}, {}},
                         {"titles", "actor-titles.list", &a.titles, {}, {}}};
  TagSource &gazetteer = sources[0], &topics = sources[1], &titles = sources[2];
  if (a.no_tagging) {
    // Stored as texts with no entry, so that the index (its writer and the
    // gazetteer its searches resolve names with) knows it tags with nothing,
    // rather than with the built-in data it takes when nothing is stored.
    for (TagSource& t : sources) t.from = "none (--no-tagging)", t.text = std::string(kNoTagging);
  } else {
    for (TagSource& t : sources)
      if (!find(*t.given, t.file, &t.text, &t.from)) return kExitUsage;
  }

  // An index this run creates and then leaves without an article is removed
  // again: a PATH with nothing to index is a usage error (exit 2), not an empty index.
  struct stat db_st;
  std::error_code db_ec;
  const bool db_existed = ::stat(a.db.c_str(), &db_st) == 0;
  const bool db_new = !db_existed || (S_ISDIR(db_st.st_mode) && std::filesystem::is_empty(a.db, db_ec));
  // Articles are tagged here, on the reading threads, with the texts stored
  // below: the same Tagger::Tag that the library's writer applies.
  auto index = Index::Open(a.db, {.create_if_missing = true, .writer_memory_bytes = a.writer_memory, .tagging = false});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  // What the index was last tagged with, as `loupe stats` shows it.
  nlohmann::ordered_json tagged_with = nlohmann::ordered_json::object();
  std::string tagged_with_text;  // to store, when it changed
  if (auto stored = (*index)->GetMetadata("tagging"); stored.ok()) {
    tagged_with = nlohmann::ordered_json::parse(*stored, nullptr, false);
    if (!tagged_with.is_object()) tagged_with = nlohmann::ordered_json::object();
  }
  for (TagSource& t : sources) {
    if (!t.from.empty()) continue;
    auto stored = (*index)->GetMetadata(t.key);
    if (stored.ok() && !stored->empty() && *stored != kNoTagging) {  // a run without --no-tagging tags again
      t.text = *stored;
      t.from = tagged_with.contains(t.key) && tagged_with[t.key].contains("from") && tagged_with[t.key]["from"].is_string()
                   ? tagged_with[t.key]["from"].get<std::string>()
                   : "the index";
    } else if (!stored.ok() && !stored.status().IsNotFound()) {
      return Fail("cannot read index " + a.db, stored.status());
    } else {
      t.text = std::string(t.key == std::string("gazetteer") ? BuiltinGazetteer()
                           : t.key == std::string("topics")  ? BuiltinTopics()
                                                             : DefaultTitles());
      t.from = "built-in";
    }
  }
  std::unique_ptr<Tagger> tagger;
  size_t counts[3] = {0, 0, 0};
  if (!a.no_tagging) {
    std::vector<std::string> warnings;
    auto created = Tagger::Create(gazetteer.text, topics.text, &warnings);
    for (const auto& e : warnings) std::cerr << "loupe: warning: " << e << "\n";
    if (!created.ok()) return Fail("cannot create the tagger", created.status());
    tagger = std::move(*created);
    auto titles_set = tagger->SetTitles(titles.text);
    if (!titles_set.ok()) return Fail("cannot read the titles", titles_set.status());
    counts[0] = tagger->actors(), counts[1] = tagger->topics(), counts[2] = *titles_set;
  }
  {
    nlohmann::ordered_json now = nlohmann::ordered_json::object();
    const char* units[] = {"actors", "topics", "titles"};
    for (size_t i = 0; i < 3; ++i) now[sources[i].key] = {{"from", sources[i].from}, {units[i], counts[i]}};
    if (now != tagged_with) tagged_with_text = now.dump();
  }
  auto listed = (*index)->ListMetadata(kSourcePrefix);
  if (!listed.ok()) return Fail("cannot read index " + a.db, listed.status());
  std::map<std::string, Source> known;  // file id -> what the index has from it
  for (const auto& [key, value] : *listed) {
    Source s;
    std::string id = key.substr(kSourcePrefix.size());
    if (DecodeSource(value, &id, &s)) known[id] = std::move(s);
  }
  auto writer = (*index)->NewWriter();
  if (!writer.ok()) return Fail("cannot write to " + a.db, writer.status());
  // The folders indexed so far, by number, with their labels; only files
  // under this run's folders are checked for deletion. A file's id is its path
  // relative to its folder, after the folder's label and a "/" when the label
  // is not empty. The first folder of an index, when it is the only folder of
  // that run, has an empty label (ids relative to it, as they always were);
  // every other folder is labelled with its name, made unique among the labels
  // and the ids already in the index ("2024", then "2024-2", ...). A file given
  // by name is known by its name, and recorded under its parent folder.
  std::vector<Root> root_list{{}};
  if (auto r = (*index)->GetMetadata("roots"); r.ok()) root_list = DecodeRoots(*r);
  size_t folders_given = 0;
  for (const std::string& p : a.paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) ++folders_given;
  }
  auto root_of = [&](const std::string& real, bool folder) -> uint32_t {
    for (size_t i = 1; i < root_list.size(); ++i)
      if (root_list[i].real == real) return static_cast<uint32_t>(i);
    std::string label;
    if (!(folder && folders_given == 1 && root_list.size() == 1 && known.empty())) {
      std::string base = real.substr(real.find_last_of('/') + 1);
      if (base.empty()) base = "root";
      auto taken = [&](const std::string& l) {
        for (const Root& r : root_list)
          if (r.label == l) return true;
        if (known.count(l)) return true;
        auto it = known.lower_bound(l + "/");  // the first id that could start with "l/"
        return it != known.end() && it->first.compare(0, l.size() + 1, l + "/") == 0;
      };
      label = base;
      for (int n = 2; taken(label); ++n) label = base + "-" + std::to_string(n);
    }
    root_list.push_back({real, label});
    return static_cast<uint32_t>(root_list.size() - 1);
  };
  std::map<std::string, uint32_t> root_number;  // folder as given -> number
  std::set<uint32_t> roots;                     // this run's folders
  for (const std::string& p : a.paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    uint32_t n = root_of(RealPath(p), true);
    std::string given = p;
    while (given.size() > 1 && given.back() == '/') given.pop_back();
    root_number[given] = n;
    roots.insert(n);
  }
  // Each file's id and root number; an id that another file of this run, or
  // a file indexed before from elsewhere, already has is a collision: the
  // file is skipped with the other's path, never silently replaced.
  std::vector<ingest::WalkSkip> skipped = walk.skipped;
  std::vector<uint32_t> file_root(walk.files.size());
  std::vector<char> collided(walk.files.size(), 0);
  std::map<std::string, size_t> run_ids;  // id -> file of this run
  auto path_of = [&](const std::string& id, const Source& src) {
    if (src.root == 0 || src.root >= root_list.size()) return id;
    const Root& r = root_list[src.root];
    std::string rel = id;
    if (!r.label.empty() && rel.compare(0, r.label.size() + 1, r.label + "/") == 0) rel = rel.substr(r.label.size() + 1);
    return r.real + "/" + rel;
  };
  for (size_t i = 0; i < walk.files.size(); ++i) {
    ingest::WalkFile& f = walk.files[i];
    if (f.root.empty()) {
      std::string real = RealPath(f.path);
      file_root[i] = root_of(real.substr(0, real.find_last_of('/')), false);
    } else {
      file_root[i] = root_number[f.root];
      const std::string& label = root_list[file_root[i]].label;
      if (!label.empty()) f.id = label + "/" + f.id;
    }
    std::string other;
    if (auto it = run_ids.find(f.id); it != run_ids.end()) {
      other = walk.files[it->second].path;
    } else if (auto k = known.find(f.id); k != known.end() && k->second.root != 0 && k->second.root != file_root[i]) {
      other = path_of(f.id, k->second);
    }
    if (!other.empty()) {
      collided[i] = 1;
      skipped.push_back({f.path, "its id '" + f.id + "' already belongs to " + other +
                                     " (give the folders in one run, or rename one of the files)"});
      continue;
    }
    run_ids[f.id] = i;
  }
  if (root_list.size() > 1) {
    auto old = (*index)->GetMetadata("roots");
    std::string encoded = EncodeRoots(root_list);
    if (!old.ok() || *old != encoded) {
      Status s = (*writer)->SetMetadata("roots", encoded);
      if (!s.ok()) return Fail("index failed", s);
    }
  }
  // Searches resolve actor aliases with the gazetteer the articles were tagged
  // with. When it or the topic lexicon changed, every file is tagged again.
  bool retag = false;
  for (const TagSource& t : sources) {
    auto old = (*index)->GetMetadata(t.key);
    if (!old.ok() && !old.status().IsNotFound()) return Fail("cannot read index " + a.db, old.status());
    if ((old.ok() && *old == t.text) || (!old.ok() && t.text.empty())) continue;
    retag = !known.empty();
    Status s = (*writer)->SetMetadata(t.key, t.text);
    if (!s.ok()) return Fail("index failed", s);
  }
  if (!tagged_with_text.empty()) {
    Status s = (*writer)->SetMetadata("tagging", tagged_with_text);
    if (!s.ok()) return Fail("index failed", s);
  }

  size_t added = 0, updated = 0, unchanged = 0, deleted = 0, articles = 0, removed = 0, commits = 0;
  size_t committed_articles = 0;
  uint64_t bytes = 0, total_bytes = 0, batch_bytes = 0;
  for (const auto& f : walk.files) total_bytes += f.size;
  nlohmann::ordered_json skipped_json = nlohmann::ordered_json::array(), warnings_json = nlohmann::ordered_json::array();
  auto warn = [&](const std::string& path, const std::string& msg) {
    if (!a.quiet && !json) std::cerr << "loupe: warning: " << ShownId(path, true) << ": " << TerminalSafe(msg) << "\n";
    warnings_json.push_back({{"path", ShownId(path, false)}, {"message", ShownId(msg, false)}});
  };
  Progress progress(!a.quiet && !json && ::isatty(2), walk.files.size(), total_bytes);
  std::set<std::string> seen;
  std::map<std::string, size_t> candidate_articles;  // --report-candidates: name -> articles
  // Files whose size and time are unchanged are not read. The others are read,
  // checked, hashed, parsed and tagged on worker threads (one per core), at
  // most kWindow files and kInFlightBytes of file text ahead of this thread
  // (the next file is always read, whatever its size), which adds them in
  // file order.
  std::vector<size_t> todo;
  for (size_t i = 0; i < walk.files.size(); ++i) {
    const auto& f = walk.files[i];
    if (collided[i]) continue;
    seen.insert(f.id);
    auto old = known.find(f.id);
    if (!retag && old != known.end() && old->second.size == f.size && old->second.mtime_ns == f.mtime_ns) ++unchanged;
    else todo.push_back(i);
  }
  struct Prepared {
    std::string skip;  // why the file is not read, or ""
    bool touched = false;  // same content as indexed
    uint64_t hash = 0, bytes = 0;
    ingest::ParsedFile parsed;
  };
  constexpr size_t kWindow = 256;
  constexpr uint64_t kInFlightBytes = uint64_t{64} << 20;
  std::vector<Prepared> results(todo.size());
  std::vector<char> ready(todo.size(), 0);
  std::mutex mu;
  std::condition_variable cv_ready, cv_space;
  std::atomic<size_t> next{0};
  size_t consumed = 0;
  uint64_t in_flight = 0;  // bytes reserved by files read or being read, not yet added
  bool stop = false;
  auto prepare = [&](const ingest::WalkFile& f, Tagger* tg) {
    Prepared p;
    std::string text;
    bool over = false;
    if (!ReadFile(f.path, &text, a.max_size, &over)) {
      p.skip = std::string("cannot read: ") + std::strerror(errno);
      return p;
    }
    p.bytes = text.size();
    if (over) {
      p.skip = "grew over --max-size " + std::to_string(a.max_size) + " bytes while being read: not read";
      return p;
    }
    if (text.find('\0') != std::string::npos) {
      p.skip = "binary file (NUL bytes): not read";
      return p;
    }
    if (text.find_first_not_of(" \t\r\n\f\v") == std::string::npos) {
      p.skip = "empty file: nothing to index";
      return p;
    }
    p.hash = Hash(text);
    auto old = known.find(f.id);
    if (!retag && old != known.end() && old->second.hash == p.hash) {
      p.touched = true;
      return p;
    }
    auto parsed = ingest::ParseFile(text, f.format, f.id, f.path);
    if (parsed.ok())
      p.parsed = std::move(*parsed);
    else
      p.parsed.warnings.push_back("not read: " + parsed.status().message());
    text = std::string();
    for (Document& doc : p.parsed.docs) {
      if (doc.id.size() > kMaxIdBytes) doc.id = FitId(doc.id, kMaxIdBytes);
      if (Status s = tg ? tg->Tag(&doc) : Status::OK(); !s.ok())
        p.parsed.warnings.push_back("not tagged: " + s.message());
    }
    return p;
  };
  auto reservation = [&](size_t k) { return std::min<uint64_t>(walk.files[todo[k]].size, a.max_size) + 1; };
  std::vector<std::thread> workers;
  {
    // One core is left to this thread and the writer, whose own threads analyze.
    unsigned hw = std::thread::hardware_concurrency();
    unsigned n = std::max(1u, std::min(8u, hw > 1 ? hw - 1 : 1));
    for (unsigned t = 0; t < n && t < todo.size(); ++t) {
      workers.emplace_back([&] {
        std::unique_ptr<Tagger> tg;
        if (tagger) {
          auto created = Tagger::Create(gazetteer.text, topics.text);
          if (created.ok()) tg = std::move(*created);
        }
        if (tg && !tg->SetTitles(titles.text).ok()) tg.reset();
        for (;;) {
          size_t k = next.fetch_add(1);
          if (k >= todo.size()) return;
          const uint64_t want = reservation(k);
          {
            std::unique_lock<std::mutex> l(mu);
            cv_space.wait(l, [&] {
              return stop || (k < consumed + kWindow && (k == consumed || in_flight + want <= kInFlightBytes));
            });
            if (stop) return;
            in_flight += want;
          }
          Prepared p = prepare(walk.files[todo[k]], tg.get());
          {
            std::lock_guard<std::mutex> l(mu);
            results[k] = std::move(p);
            ready[k] = 1;
          }
          cv_ready.notify_all();
        }
      });
    }
  }
  struct Joiner {  // stops and joins the workers on every way out
    std::mutex& mu;
    bool& stop;
    std::condition_variable& cv;
    std::vector<std::thread>& threads;
    ~Joiner() {
      {
        std::lock_guard<std::mutex> l(mu);
        stop = true;
      }
      cv.notify_all();
      for (auto& t : threads) t.join();
    }
  } joiner{mu, stop, cv_space, workers};

  // Drops what the index has from a file (its articles and its record).
  auto forget = [&](const std::string& id, const Source& src) -> Status {
    for (const std::string& doc : src.docs) {
      Status s = (*writer)->Delete(doc);
      if (!s.ok()) return s;
      ++removed;
    }
    ++deleted;
    return (*writer)->SetMetadata(SourceKey(id), "");
  };
  auto commit = [&]() -> Status {
    Status s = (*writer)->Commit();
    if (s.ok()) ++commits, committed_articles = articles;
    return s;
  };
  // Article ids that files choose themselves (JSON lines' "id") can repeat
  // across files: the article added last replaces the other, with a warning,
  // and leaves the other file's record, so that a later change to that file
  // never deletes it. Built on the first such article.
  std::unordered_map<std::string, std::string> article_owner;  // article id -> file id
  std::map<std::string, Source> run_records;  // this run's records of files with such articles
  bool owners_built = false;
  auto take_article = [&](const std::string& doc_id, const std::string& file_id, const std::string& path) -> Status {
    if (!owners_built) {
      owners_built = true;
      for (const auto& [fid, src] : known)
        for (const std::string& d : src.docs)
          if (d != fid) article_owner.emplace(d, fid);
    }
    auto [it, fresh] = article_owner.try_emplace(doc_id, file_id);
    if (fresh || it->second == file_id) return Status::OK();
    const std::string other = it->second;
    it->second = file_id;
    Source* rec = nullptr;
    if (auto r = run_records.find(other); r != run_records.end()) rec = &r->second;
    else if (auto k = known.find(other); k != known.end()) rec = &k->second;
    warn(path, "article id '" + doc_id + "' is also given by '" + other + "'; the article of this file replaces it");
    if (!rec) return Status::OK();
    rec->docs.erase(std::remove(rec->docs.begin(), rec->docs.end(), doc_id), rec->docs.end());
    return (*writer)->SetMetadata(SourceKey(other), EncodeSource(*rec, other));
  };
  const char* kKept = "the index keeps its last commit";
  size_t reached = 0;  // files of `todo` taken from the workers
  for (size_t k = 0; k < todo.size() && !g_interrupted; ++k) {
    const auto& f = walk.files[todo[k]];
    Prepared p;
    {
      std::unique_lock<std::mutex> l(mu);
      cv_ready.wait(l, [&] { return ready[k] != 0; });
      p = std::move(results[k]);
      consumed = k + 1;
    }
    reached = k + 1;
    progress.Update(k, bytes, articles);
    bytes += p.bytes;
    Status s = [&]() -> Status {
      auto old = known.find(f.id);
      if (!p.skip.empty()) {
        // A file that no longer gives an article takes its old articles with it.
        if (old != known.end() && !old->second.docs.empty()) p.skip += " (its earlier articles removed)";
        skipped.push_back({f.path, p.skip});
        return old == known.end() ? Status::OK() : forget(f.id, old->second);
      }
      Source src{file_root[todo[k]], f.size, f.mtime_ns, p.hash, {}};
      if (p.touched) {  // touched, not changed
        src.docs = old->second.docs;
        ++unchanged;
        return (*writer)->SetMetadata(SourceKey(f.id), EncodeSource(src, f.id));
      }
      for (const auto& w : p.parsed.warnings) warn(f.path, w);
      std::set<std::string> now;
      for (Document& doc : p.parsed.docs) {
        if (!doc.language.empty() && !FindLanguage(doc.language))
          warn(f.path, "language '" + doc.language + "' is not one Loupe knows; '" + doc.id +
                           "' is stemmed as English (give an ISO 639 code or a name, e.g. fr, de-AT, spanish)");
        Status s = (*writer)->Add(doc);
        if (s.code() == StatusCode::kInvalidArgument) {
          warn(f.path, s.message() + "; article '" + doc.id + "' skipped");
          continue;
        }
        if (!s.ok()) return s;
        if (doc.id != f.id) {
          if (Status t = take_article(doc.id, f.id, f.path); !t.ok()) return t;
        }
        now.insert(doc.id);
        src.docs.push_back(doc.id);
        if (a.report_candidates)
          for (const auto& [key, value] : doc.extra)
            if (key == "Actors-Candidate")
              for (size_t at = 0; at <= value.size();) {
                size_t end = std::min(value.find("; ", at), value.size());
                if (end > at) ++candidate_articles[value.substr(at, end - at)];
                at = end + 2;
              }
        ++articles;
      }
      if (old != known.end()) {  // articles the file no longer has
        for (const std::string& id : old->second.docs)
          if (!now.count(id)) {
            Status s = (*writer)->Delete(id);
            if (!s.ok()) return s;
            ++removed;
          }
      }
      ++(old == known.end() ? added : updated);
      Status put = (*writer)->SetMetadata(SourceKey(f.id), EncodeSource(src, f.id));
      if (owners_built && !(src.docs.size() == 1 && src.docs[0] == f.id)) run_records[f.id] = std::move(src);
      return put;
    }();
    {
      std::lock_guard<std::mutex> l(mu);
      in_flight -= reservation(k);
    }
    cv_space.notify_all();
    if (!s.ok()) return Fail("index failed at " + ShownId(f.path, true) + " (" + kKept + ")", s);
    batch_bytes += p.bytes;
    if (batch_bytes >= a.commit_every) {
      batch_bytes = 0;
      s = commit();
      if (!s.ok()) return Fail(std::string("commit failed (") + kKept + ")", s);
    }
  }
  progress.Done();
  const bool interrupted = g_interrupted;
  // Files gone from the folders given: their articles go too.
  if (!a.no_delete && !interrupted) {
    for (const auto& [id, src] : known) {
      if (seen.count(id) || !roots.count(src.root)) continue;
      Status s = forget(id, src);
      if (!s.ok()) return Fail(std::string("index failed (") + kKept + ")", s);
    }
  }
  // Nothing to index in a new index: no index is left behind.
  if (db_new && articles == 0 && known.empty() && !interrupted) {
    (*writer)->Rollback();
    writer->reset();
    index->reset();
    std::error_code ec;
    if (!db_existed) std::filesystem::remove_all(a.db, ec);
    else
      for (const auto& e : std::filesystem::directory_iterator(a.db, ec)) std::filesystem::remove_all(e.path(), ec);
    for (const auto& k : skipped)
      if (!a.quiet) std::cerr << "loupe: skipped " << ShownId(k.path, true) << ": " << TerminalSafe(k.reason) << "\n";
    std::cerr << "loupe: index: no articles to index in " << TerminalSafe(Join(a.paths, ", ")) << " (" << walk.files.size()
              << " files read, " << skipped.size() << " skipped, " << walk.other << " of other formats, " << walk.hidden
              << " hidden); no index created. Loupe reads .txt, .md, .jsonl, .ndjson, .eml, .html, .htm, .rss, .atom and .xml files\n";
    return kExitUsage;
  }
  auto commit_start = std::chrono::steady_clock::now();
  Status s = commit();
  if (!s.ok()) return Fail(std::string("commit failed (") + kKept + ")", s);
  double commit_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count();
  auto after = (*index)->Stats();
  if (!after.ok()) return Fail("cannot read index " + a.db, after.status());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  for (const auto& k : skipped) {
    if (!a.quiet && !json) std::cerr << "loupe: skipped " << ShownId(k.path, true) << ": " << TerminalSafe(k.reason) << "\n";
    skipped_json.push_back({{"path", ShownId(k.path, false)}, {"reason", ShownId(k.reason, false)}});
  }
  const size_t read = added + updated;
  // --report-candidates: the most frequent names found after a title word that
  // the gazetteer does not know, as gazetteer lines.
  constexpr size_t kCandidatesShown = 50;
  std::vector<std::pair<std::string, size_t>> candidates(candidate_articles.begin(), candidate_articles.end());
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  if (candidates.size() > kCandidatesShown) candidates.resize(kCandidatesShown);
  if (json) {
    nlohmann::ordered_json out = {
        {"files", {{"added", added}, {"updated", updated}, {"deleted", deleted}, {"unchanged", unchanged},
                   {"skipped", skipped.size()}, {"hidden", walk.hidden}, {"other_formats", walk.other}}},
        {"articles", {{"indexed", articles}, {"removed", removed}}},
        {"bytes_read", bytes},
        {"milliseconds", static_cast<long>(secs * 1000)},
        {"skipped", skipped_json},
        {"warnings", warnings_json},
        {"index", {{"path", a.db}, {"documents", after->documents}, {"terms", after->terms},
                   {"size_bytes", after->size_bytes}}}};
    out["tagging"] = nlohmann::ordered_json::object();
    for (const TagSource& t : sources) out["tagging"][t.key] = t.from;
    if (a.report_candidates) {
      out["candidates"] = nlohmann::ordered_json::array();
      for (const auto& [name, count] : candidates) out["candidates"].push_back({{"name", name}, {"articles", count}});
    }
    PrintJson(out);
  } else {
    auto n = [](uint64_t count, const char* one, const char* many) {
      return std::to_string(count) + " " + (count == 1 ? one : many);
    };
    std::cout << "indexed " << n(articles, "article", "articles") << " from " << n(read, "file", "files") << " ("
              << added << " added, " << updated
              << " updated), " << unchanged << " unchanged, " << deleted << " deleted, " << skipped.size()
              << " skipped; " << bytes / 1024 << " KiB read in " << static_cast<long>(secs * 1000)
              << " ms (final commit " << static_cast<long>(commit_secs * 1000) << " ms)\n";
    std::vector<std::string> more;
    if (removed) more.push_back(n(removed, "article", "articles") + " removed");
    if (walk.hidden) more.push_back(n(walk.hidden, "hidden file or folder", "hidden files or folders") + " not considered");
    if (walk.other) more.push_back(n(walk.other, "file", "files") + " of other formats not considered");
    if (!more.empty()) std::cout << Join(more, "; ") << "\n";
    std::cout << "index " << a.db << ": " << n(after->documents, "document", "documents") << ", "
              << n(after->terms, "term", "terms") << ", "
              << after->size_bytes / 1024 << " KiB\n";
    if (a.report_candidates) {
      std::cout << "# " << candidate_articles.size()
                << (candidate_articles.size() == 1 ? " candidate actor" : " candidate actors")
                << " not in the gazetteer (" << gazetteer.from << ") in the articles read";
      if (candidate_articles.size() > candidates.size()) std::cout << "; the " << candidates.size() << " most frequent";
      std::cout << (candidates.empty() ? "\n" : "; lines to paste into a gazetteer:\n");
      for (const auto& [name, count] : candidates)
        std::cout << TerminalSafe(name) << " | person  # " << n(count, "article", "articles") << "\n";
    }
  }
  if (interrupted) {
    std::cerr << "loupe: index: interrupted; committed " << committed_articles << " "
              << (committed_articles == 1 ? "article" : "articles") << " from " << read << " "
              << (read == 1 ? "file" : "files") << " (" << todo.size() - reached
              << " files not read yet); run the same command again to index the rest\n";
    return kExitInterrupted;
  }
  return kExitOk;
}

}  // namespace loupe::cli
