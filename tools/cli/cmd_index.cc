// loupe index --db DIR [--follow] [--max-size N] [--no-delete] [--quiet] [--format text|json]
//             [--partition month|year|none] [--jobs N] [--fold-diacritics] PATH...
//
// Incremental: each source file's size, modification time, content hash, root
// and the ids of the articles it gave are kept in the index's metadata (key
// "source:" + the file's id), written in the same commit as the articles. A
// file whose size and time are unchanged is not read; one whose content hash is
// unchanged is not re-indexed; the articles of files gone from a root given
// again are deleted (unless --no-delete). A JSON-lines file, of any size, is
// read in parts of whole lines (FileReader), --max-size applying per line.
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
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "cli/common.h"
#include "cli/json_output.h"
#include "cli/results.h"
#include "cli/text_output.h"
#include "loupe/builtin_data.h"
#include "loupe/ingest/formats.h"
#include "loupe/ingest/walk.h"
#include "loupe/language.h"
#include "loupe/tagger.h"
#include "util/coding.h"  // the index's varints

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
// files; not cryptographic), over content given in pieces: the same as Hash
// of their concatenation when `size` is its length.
class Hasher {
 public:
  explicit Hasher(uint64_t size = 0) : h_(0x243F6A8885A308D3ull ^ size) {}
  void Update(std::string_view s) {
    if (pending_size_ > 0) {
      size_t take = std::min(s.size(), 8 - pending_size_);
      std::memcpy(pending_ + pending_size_, s.data(), take);
      pending_size_ += take;
      s.remove_prefix(take);
      if (pending_size_ < 8) return;
      Mix(Word(pending_));
      pending_size_ = 0;
    }
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) Mix(Word(s.data() + i));
    pending_size_ = s.size() - i;
    std::memcpy(pending_, s.data() + i, pending_size_);
  }
  uint64_t Finish() {
    uint64_t tail = 0;
    std::memcpy(&tail, pending_, pending_size_);
    Mix(tail);
    return h_ ^ (h_ >> 32);
  }

 private:
  static uint64_t Word(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  void Mix(uint64_t w) {
    h_ = (h_ ^ w) * 0x9E3779B97F4A7C15ull;
    h_ ^= h_ >> 29;
  }
  uint64_t h_;
  char pending_[8] = {};
  size_t pending_size_ = 0;
};

uint64_t Hash(std::string_view s) {
  Hasher h(s.size());
  h.Update(s);
  return h.Finish();
}

// "4 KiB", "16 MiB", "100 bytes" (as the walk names sizes).
std::string SizeText(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 20)) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
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
// article ids and each id: with flag 4 (every record written now) front-coded,
// a varint of the bytes it shares with the id before it, then the rest
// length-prefixed (the ids of one JSON-lines file, "h00000001", "h00000002",
// take 3 bytes each rather than 10, which was a twentieth of a headline's
// index); without it (records of earlier versions), whole and length-prefixed.
struct Source {
  uint32_t root = 0;  // index into the roots list (0: unknown; a file given directly before roots were kept)
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t hash = 0;
  std::vector<std::string> docs;
  bool seen = false;  // found by this run's walk (not stored)
};

bool GetString(std::string_view* in, std::string* out) {
  uint64_t len;
  if (!coding::GetVarint64(in, &len) || len > in->size()) return false;
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
  out.push_back(static_cast<char>((single ? 1 : 0) | (whole_id ? 2 : 0) | (single ? 0 : 4)));
  if (whole_id) {
    coding::PutVarint64(&out, file_id.size());
    out += file_id;
  }
  coding::PutVarint64(&out, s.size);
  coding::PutVarint64(&out, static_cast<uint64_t>(s.mtime_ns));
  coding::PutVarint64(&out, s.root);
  out.append(reinterpret_cast<const char*>(&s.hash), 8);
  if (!single) {
    coding::PutVarint64(&out, s.docs.size());
    std::string_view prev;
    for (const std::string& d : s.docs) {
      size_t shared = 0;
      while (shared < prev.size() && shared < d.size() && prev[shared] == d[shared]) ++shared;
      coding::PutVarint64(&out, shared);
      coding::PutVarint64(&out, d.size() - shared);
      out.append(d, shared);
      prev = d;
    }
  }
  return out;
}

// Decodes a record; *file_id comes in as the id in the key and goes out as
// the file's whole id.
bool DecodeSource(std::string_view v, std::string* file_id, Source* s) {
  if (v.empty() || static_cast<uint8_t>(v[0]) > 7) return false;
  bool single = v[0] & 1, whole_id = v[0] & 2, front_coded = v[0] & 4;
  if (single && front_coded) return false;
  v.remove_prefix(1);
  if (whole_id && !GetString(&v, file_id)) return false;
  uint64_t size, mtime, root, n;
  if (!coding::GetVarint64(&v, &size) || !coding::GetVarint64(&v, &mtime) || !coding::GetVarint64(&v, &root) ||
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
  if (!coding::GetVarint64(&v, &n) || n > v.size()) return false;  // every id takes a byte or more
  s->docs.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t shared = 0;
    if (front_coded && (!coding::GetVarint64(&v, &shared) || shared > (i ? s->docs.back().size() : 0))) return false;
    std::string rest;
    if (!GetString(&v, &rest)) return false;
    std::string d = i ? s->docs.back().substr(0, shared) : std::string();
    d += rest;
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
    coding::PutVarint64(&out, roots[i].real.size());
    out += roots[i].real;
    coding::PutVarint64(&out, roots[i].label.size());
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
    double left = bytes_done > 0 && secs > 0
                      ? secs * static_cast<double>(bytes_ - bytes_done) / static_cast<double>(bytes_done)
                      : 0;
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

// From its construction to its destruction, the first SIGINT or SIGTERM
// stops the run after the file being added (or, before the first file, at
// once); the handlers before it are restored after.
class InterruptScope {
 public:
  InterruptScope() {
    g_interrupted = 0;
    struct sigaction on_signal {};
    on_signal.sa_handler = OnInterrupt;
    on_signal.sa_flags = SA_RESETHAND;
    sigemptyset(&on_signal.sa_mask);
    ::sigaction(SIGINT, &on_signal, &old_int_);
    ::sigaction(SIGTERM, &on_signal, &old_term_);
  }
  ~InterruptScope() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

// What --no-tagging stores for each tagging text (an empty value would remove the key).
constexpr std::string_view kNoTagging = "# none (--no-tagging)\n";
const char* const kKept = "the index keeps its last commit";

// Each of the gazetteer, the topic lexicon and the title words comes from
// the first of: its option, its file at the top of a PATH, what the index was
// last tagged with, the built-in one. --no-tagging: none.
struct TagSource {
  const char* key;   // metadata key of its text in the index
  const char* file;  // file name at the top of a PATH
  const std::string* given;
  std::string text, from;  // from: a path, "built-in", "the index" or "none (--no-tagging)"
};

// A file of the run, or a part of a JSON-lines file, as the reading threads
// leave it for the writer.
struct Prepared {
  std::string skip;      // why the file is not read, or ""
  bool touched = false;  // same content as indexed
  uint64_t hash = 0;     // of the whole file (a part: the last part's)
  uint64_t bytes = 0;    // read
  ingest::ParsedFile parsed;
  bool blank = false;      // a part: white space only (all of a file's: an empty file)
  bool cut_short = false;  // a part: the file could not be read past it
};

// The JSON-lines file whose parts the writer is adding: what its record will
// hold, and the ids of the articles added so far.
struct OpenFile {
  bool open = false;
  size_t k = 0;  // in `todo`
  Source src;
  std::set<std::string> now;  // when the file has an earlier record
  bool blank = true, cut_short = false;
};

// Which file gave each article id that files choose themselves: a 64-bit
// hash of the id -> the file's number, in an open-addressed table of 16
// bytes a slot. A map of the ids and file ids as strings took over a hundred
// bytes and an allocation an article, and its cache misses were a tenth of
// the CPU time of indexing a million one-line articles. Two ids of one hash
// are told apart by the owner's record (TakeArticle).
class IdOwners {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static uint64_t Hash(std::string_view id) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, then a final mix
    for (unsigned char c : id) h = (h ^ c) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h | (h == 0);  // 0 marks an empty slot
  }
  // The file recorded for hash h; when none, records `file` and returns kNone.
  uint32_t FindOrAdd(uint64_t h, uint32_t file) {
    if ((used_ + 1) * 4 > slots_.size() * 3) Grow();
    Slot& s = Find(h);
    if (s.hash == h) return s.file;
    s = {h, file};
    ++used_;
    return kNone;
  }
  // Records `file` for hash h, which FindOrAdd has seen.
  void Set(uint64_t h, uint32_t file) { Find(h).file = file; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t file = 0;
  };
  Slot& Find(uint64_t h) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask)
      if (slots_[i].hash == h || slots_[i].hash == 0) return slots_[i];
  }
  void Grow() {
    std::vector<Slot> old(slots_.empty() ? 1024 : slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.hash) Find(s.hash) = s;
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

// One run of `loupe index`: what the stages share, and the result they build.
struct IndexRun {
  explicit IndexRun(const IndexArgs& args) : a(args), json(args.format == "json") {
    result.db = a.db;
    result.paths = a.paths;
    result.report_candidates = a.report_candidates;
  }
  // A warning about a file: shown as the run meets it (text, without --quiet) and kept.
  void Warn(const std::string& path, const std::string& message) {
    FileNote w{path, message};
    if (!a.quiet && !json) PrintIndexWarning(w, std::cerr);
    result.warnings.push_back(std::move(w));
  }

  const IndexArgs& a;
  const bool json;
  const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  ingest::WalkResult walk;
  TagSource sources[3] = {{"gazetteer", "actors.gazetteer", &a.gazetteer, {}, {}},
                          {"topics", "topics.lexicon", &a.topics, {}, {}},
                          {"titles", "actor-titles.list", &a.titles, {}, {}}};
  bool db_existed = false, db_new = false;
  std::unique_ptr<Index> index;
  std::unique_ptr<Writer> writer;
  std::unique_ptr<Tagger> tagger;       // none with --no-tagging
  std::string tagged_with_text;         // the "tagging" record to store, when it changed
  std::map<std::string, Source> known;  // file id -> what the index has from it
  std::vector<Root> root_list{{}};
  std::set<uint32_t> roots;                          // this run's folders
  std::vector<uint32_t> file_root;                   // per file of the walk
  std::vector<char> collided;                        // per file of the walk: skipped, its id taken
  bool retag = false;                                // the tagging changed: every file is read again
  std::vector<size_t> todo;                          // files to read, by index into walk.files
  size_t reached = 0;                                // files of `todo` taken from the reading threads
  uint64_t batch_bytes = 0;                          // read since the last commit
  std::map<std::string, size_t> candidate_articles;  // --report-candidates: name -> articles
  // Article ids that files choose themselves (JSON lines' "id") can repeat
  // across files: the article added last replaces the other, with a warning,
  // and leaves the other file's record, so that a later change to that file
  // never deletes it. Built on the first such article.
  IdOwners article_owner;                // article id -> the file that gave it, as an index into owner_files
  std::vector<std::string> owner_files;  // file ids
  std::unordered_map<std::string, uint32_t> owner_file_index;  // file id -> its index in owner_files
  std::map<std::string, Source> run_records;                   // this run's records of files with such articles
  bool owners_built = false;
  OpenFile open_file;  // a JSON-lines file whose parts are being added
  IndexResult result;
};

// Stages of a run, in order. Each returns -1 to go on, else the exit code
// (after printing why).

int WalkPaths(IndexRun& run) {
  auto walked = ingest::Walk(run.a.paths, {.follow_symlinks = run.a.follow, .max_size = run.a.max_size});
  if (!walked.ok()) return Fail("index", walked.status());
  run.walk = std::move(*walked);
  for (const auto& e : run.walk.errors) std::cerr << "loupe: index: " << TerminalSafe(e) << "\n";
  if (run.walk.files.empty() && run.walk.skipped.empty() && !run.walk.errors.empty()) return kExitUsage;
  return -1;
}

// A tagging file: `given`, else `name` at the top of a PATH. Prints why and
// returns false when it cannot be read, or when `given` does not exist.
bool FindTagFile(const IndexArgs& a, const std::string& given, const char* name, std::string* text, std::string* from) {
  std::vector<std::string> candidates;
  if (!given.empty())
    candidates.push_back(given);
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
}

int FindTagSources(IndexRun& run) {
  if (run.a.no_tagging) {
    // Stored as texts with no entry, so that the index (its writer and the
    // gazetteer its searches resolve names with) knows it tags with nothing,
    // rather than with the built-in data it takes when nothing is stored.
    for (TagSource& t : run.sources) t.from = "none (--no-tagging)", t.text = std::string(kNoTagging);
    return -1;
  }
  for (TagSource& t : run.sources)
    if (!FindTagFile(run.a, *t.given, t.file, &t.text, &t.from)) return kExitUsage;
  return -1;
}

// A test hook, read by no other code and set by no user: with the
// environment variable LOUPE_TEST_MAP_SIZE set to a number of bytes, the index
// is opened with that initial LMDB map (IndexOptions::initial_map_size), so
// that a test can make a small run's commit grow the map
// (tests/faults/run.sh, powerloss). 0 when unset: the default.
uint64_t TestMapSize() {
  const char* bytes = std::getenv("LOUPE_TEST_MAP_SIZE");
  return bytes && *bytes ? std::strtoull(bytes, nullptr, 10) : 0;
}

int OpenIndex(IndexRun& run) {
  // An index this run creates and then leaves without an article is removed
  // again: a PATH with nothing to index is a usage error (exit 2), not an empty index.
  struct stat db_st;
  std::error_code db_ec;
  run.db_existed = ::stat(run.a.db.c_str(), &db_st) == 0;
  run.db_new = !run.db_existed || (S_ISDIR(db_st.st_mode) && std::filesystem::is_empty(run.a.db, db_ec));
  // Articles are tagged here, on the reading threads, with the texts stored
  // below: the same Tagger::Tag that the library's writer applies.
  Partition partition = Partition::kNone;
  if (run.a.partition == "month") partition = Partition::kMonth;
  if (run.a.partition == "year") partition = Partition::kYear;
  auto index = Index::Open(run.a.db, {.create_if_missing = true,
                                      .initial_map_size = TestMapSize(),
                                      .writer_memory_bytes = run.a.writer_memory,
                                      .tagging = false,
                                      .fold_diacritics = run.a.fold_diacritics,
                                      .partition = partition,
                                      .jobs = run.a.jobs});
  if (!index.ok()) return Fail("cannot open index " + run.a.db, index.status());
  run.index = std::move(*index);
  if (run.a.partition == "none") {
    // Index::Open opens any index without a partition; "none" asks for a plain one.
    auto st = run.index->Stats();
    if (!st.ok()) return Fail("cannot read index " + run.a.db, st.status());
    if (!st->partition.empty())
      return Fail(
          "cannot open index " + run.a.db,
          Status::InvalidArgument(run.a.db + " is a collection partitioned by " + st->partition +
                                  ", not a plain index; leave --partition out, or give --partition " + st->partition));
  }
  return -1;
}

// The tagging texts not given nor found: what the index was last tagged with
// (and where that came from, as `loupe stats` shows it), else the built-in ones.
int ReadTagging(IndexRun& run, Json* tagged_with) {
  if (auto stored = run.index->GetMetadata("tagging"); stored.ok()) {
    *tagged_with = Json::parse(*stored, nullptr, false);
    if (!tagged_with->is_object()) *tagged_with = Json::object();
  }
  for (TagSource& t : run.sources) {
    if (!t.from.empty()) continue;
    auto stored = run.index->GetMetadata(t.key);
    if (stored.ok() && !stored->empty() && *stored != kNoTagging) {  // a run without --no-tagging tags again
      Json& was = *tagged_with;
      t.text = *stored;
      t.from = was.contains(t.key) && was[t.key].contains("from") && was[t.key]["from"].is_string()
                   ? was[t.key]["from"].get<std::string>()
                   : "the index";
    } else if (!stored.ok() && !stored.status().IsNotFound()) {
      return Fail("cannot read index " + run.a.db, stored.status());
    } else {
      t.text = std::string(t.key == std::string("gazetteer") ? BuiltinGazetteer()
                           : t.key == std::string("topics")  ? BuiltinTopics()
                                                             : DefaultTitles());
      t.from = "built-in";
    }
  }
  return -1;
}

// The tagger, and the "tagging" record to store when it differs from the last.
int PrepareTagging(IndexRun& run) {
  Json tagged_with = Json::object();
  if (int rc = ReadTagging(run, &tagged_with); rc >= 0) return rc;
  size_t counts[3] = {0, 0, 0};
  if (!run.a.no_tagging) {
    std::vector<std::string> warnings;
    auto created = Tagger::Create(run.sources[0].text, run.sources[1].text, &warnings);
    for (const auto& e : warnings) std::cerr << "loupe: warning: " << e << "\n";
    if (!created.ok()) return Fail("cannot create the tagger", created.status());
    run.tagger = std::move(*created);
    auto titles_set = run.tagger->SetTitles(run.sources[2].text);
    if (!titles_set.ok()) return Fail("cannot read the titles", titles_set.status());
    counts[0] = run.tagger->actors(), counts[1] = run.tagger->topics(), counts[2] = *titles_set;
  }
  Json now = Json::object();
  const char* units[] = {"actors", "topics", "titles"};
  for (size_t i = 0; i < 3; ++i) now[run.sources[i].key] = {{"from", run.sources[i].from}, {units[i], counts[i]}};
  // A path that is not UTF-8 is stored with U+FFFD, as JSON output shows it;
  // what is compared is what was stored.
  std::string now_text = now.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (Json::parse(now_text, nullptr, false) != tagged_with) run.tagged_with_text = std::move(now_text);
  for (const TagSource& t : run.sources) run.result.tagging.emplace_back(t.key, t.from);
  return -1;
}

// What the index has from each file, and the writer.
int LoadSources(IndexRun& run) {
  auto listed = run.index->ListMetadata(kSourcePrefix);
  if (!listed.ok()) return Fail("cannot read index " + run.a.db, listed.status());
  for (const auto& [key, value] : *listed) {
    Source s;
    std::string id = key.substr(kSourcePrefix.size());
    if (DecodeSource(value, &id, &s)) run.known[id] = std::move(s);
  }
  auto writer = run.index->NewWriter();
  if (!writer.ok()) return Fail("cannot write to " + run.a.db, writer.status());
  run.writer = std::move(*writer);
  return -1;
}

// The number of the folder `real` in the roots list, added with a new label
// when it is not there yet: the first folder of an index, when it is the
// only folder of that run, has an empty label (ids relative to it, as they
// always were); every other folder is labelled with its name, made unique
// among the labels and the ids already in the index ("2024", then "2024-2", ...).
uint32_t RootOf(IndexRun& run, const std::string& real, bool folder, size_t folders_given) {
  std::vector<Root>& root_list = run.root_list;
  for (size_t i = 1; i < root_list.size(); ++i)
    if (root_list[i].real == real) return static_cast<uint32_t>(i);
  std::string label;
  if (!(folder && folders_given == 1 && root_list.size() == 1 && run.known.empty())) {
    std::string base = real.substr(real.find_last_of('/') + 1);
    if (base.empty()) base = "root";
    auto taken = [&](const std::string& l) {
      for (const Root& r : root_list)
        if (r.label == l) return true;
      if (run.known.count(l)) return true;
      auto it = run.known.lower_bound(l + "/");  // the first id that could start with "l/"
      return it != run.known.end() && it->first.compare(0, l.size() + 1, l + "/") == 0;
    };
    label = base;
    for (int n = 2; taken(label); ++n) label = base + "-" + std::to_string(n);
  }
  root_list.push_back({real, label});
  return static_cast<uint32_t>(root_list.size() - 1);
}

// The path a file indexed before from elsewhere had.
std::string PathOf(const IndexRun& run, const std::string& id, const Source& src) {
  if (src.root == 0 || src.root >= run.root_list.size()) return id;
  const Root& r = run.root_list[src.root];
  std::string rel = id;
  if (!r.label.empty() && rel.compare(0, r.label.size() + 1, r.label + "/") == 0) rel = rel.substr(r.label.size() + 1);
  return r.real + "/" + rel;
}

// The folders indexed so far, by number, with their labels; only files under
// this run's folders are checked for deletion. A file's id is its path
// relative to its folder, after the folder's label and a "/" when the label
// is not empty. A file given by name is known by its name, and recorded
// under its parent folder.
//
// The list is read and this run's new folders added to it in one
// UpdateMetadata: on a collection, another `loupe index` may write other
// splits at the same time, and reading the list here and writing it back at
// the commit would let the later run's list replace the other's, with both
// runs' folders under one number. Committed at once on a collection (the
// meta index's own transaction); on a plain index, with the first commit,
// as before.
int AssignRoots(IndexRun& run) {
  size_t folders_given = 0;
  for (const std::string& p : run.a.paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) ++folders_given;
  }
  // The folders this run needs, in the order they take their numbers: the
  // folders given, then the folders of the files given by name.
  struct Needed {
    std::string real;
    bool folder;
  };
  std::vector<Needed> needed;
  std::vector<std::string> given_folders;  // as given, without trailing slashes; one per folder in `needed`
  for (const std::string& p : run.a.paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    needed.push_back({RealPath(p), true});
    std::string given = p;
    while (given.size() > 1 && given.back() == '/') given.pop_back();
    given_folders.push_back(std::move(given));
  }
  std::vector<size_t> file_need(run.walk.files.size(), SIZE_MAX);  // per file given by name: its entry of `needed`
  for (size_t i = 0; i < run.walk.files.size(); ++i) {
    if (!run.walk.files[i].root.empty()) continue;
    std::string real = RealPath(run.walk.files[i].path);
    file_need[i] = needed.size();
    needed.push_back({real.substr(0, real.find_last_of('/')), false});
  }
  std::vector<uint32_t> numbers;  // per entry of `needed`
  auto roots = run.writer->UpdateMetadata("roots", [&](const std::string* old) -> Result<std::string> {
    run.root_list = old ? DecodeRoots(*old) : std::vector<Root>{{}};
    numbers.clear();
    for (const Needed& n : needed) numbers.push_back(RootOf(run, n.real, n.folder, folders_given));
    if (run.root_list.size() > 1) return EncodeRoots(run.root_list);
    return old ? *old : std::string();  // no folder: nothing to write
  });
  if (!roots.ok()) return Fail("index failed", roots.status());
  std::map<std::string, uint32_t> root_number;  // folder as given -> number
  for (size_t k = 0; k < given_folders.size(); ++k) {
    root_number[given_folders[k]] = numbers[k];
    run.roots.insert(numbers[k]);
  }
  // Each file's id and root number; an id that another file of this run, or
  // a file indexed before from elsewhere, already has is a collision: the
  // file is skipped with the other's path, never silently replaced.
  for (const ingest::WalkSkip& k : run.walk.skipped) run.result.skipped.push_back({k.path, k.reason});
  run.file_root.assign(run.walk.files.size(), 0);
  run.collided.assign(run.walk.files.size(), 0);
  std::map<std::string, size_t> run_ids;  // id -> file of this run
  for (size_t i = 0; i < run.walk.files.size(); ++i) {
    ingest::WalkFile& f = run.walk.files[i];
    if (f.root.empty()) {
      run.file_root[i] = numbers[file_need[i]];
    } else {
      run.file_root[i] = root_number[f.root];
      const std::string& label = run.root_list[run.file_root[i]].label;
      if (!label.empty()) f.id = label + "/" + f.id;
      std::string().swap(f.root);  // file_root has it now: a copy per file is 50 MB at a million files
    }
    std::string other;
    if (auto it = run_ids.find(f.id); it != run_ids.end()) {
      other = run.walk.files[it->second].path;
    } else if (auto k = run.known.find(f.id);
               k != run.known.end() && k->second.root != 0 && k->second.root != run.file_root[i]) {
      other = PathOf(run, f.id, k->second);
    }
    if (!other.empty()) {
      run.collided[i] = 1;
      run.result.skipped.push_back({f.path, "its id '" + f.id + "' already belongs to " + other +
                                                " (give the folders in one run, or rename one of the files)"});
      continue;
    }
    run_ids[f.id] = i;
  }
  return -1;
}

// A test hook, read by no other code and set by no user: with the
// environment variable LOUPE_TEST_INDEX_BARRIER naming a folder, the run,
// once it has its folders' numbers, leaves a file named by its pid there and
// waits until the folder holds two (for at most a minute), so that a test
// can start two runs on one collection and have both past this point before
// either commits (tests/tools/cli/collection_cli_test.cc).
int TestBarrier(IndexRun&) {
  const char* dir = std::getenv("LOUPE_TEST_INDEX_BARRIER");
  if (!dir || !*dir) return -1;
  std::ofstream(std::string(dir) + "/" + std::to_string(::getpid()));
  for (int i = 0; i < 6000; ++i) {
    std::error_code ec;
    auto it = std::filesystem::directory_iterator(dir, ec);
    if (ec || std::distance(it, std::filesystem::directory_iterator()) >= 2) break;
    ::usleep(10000);
  }
  return -1;
}

// The tagging texts, when they changed (the roots list is AssignRoots'). Searches resolve
// actor aliases with the gazetteer the articles were tagged with: when it or
// the topic lexicon changed, every file is tagged again.
int StoreMetadata(IndexRun& run) {
  for (const TagSource& t : run.sources) {
    auto old = run.index->GetMetadata(t.key);
    if (!old.ok() && !old.status().IsNotFound()) return Fail("cannot read index " + run.a.db, old.status());
    if ((old.ok() && *old == t.text) || (!old.ok() && t.text.empty())) continue;
    run.retag = !run.known.empty();
    Status s = run.writer->SetMetadata(t.key, t.text);
    if (!s.ok()) return Fail("index failed", s);
  }
  if (!run.tagged_with_text.empty()) {
    Status s = run.writer->SetMetadata("tagging", run.tagged_with_text);
    if (!s.ok()) return Fail("index failed", s);
  }
  return -1;
}

// Files whose size and time are unchanged are not read; the others are (todo).
int PlanFiles(IndexRun& run) {
  for (size_t i = 0; i < run.walk.files.size(); ++i) {
    const auto& f = run.walk.files[i];
    if (run.collided[i]) continue;
    auto old = run.known.find(f.id);
    if (old != run.known.end()) old->second.seen = true;
    if (!run.retag && old != run.known.end() && old->second.size == f.size && old->second.mtime_ns == f.mtime_ns)
      ++run.result.unchanged;
    else
      run.todo.push_back(i);
  }
  return -1;
}

// Reads, parses and tags the files of `todo` on threads of their own, in
// order, a window of parts ahead of the writer and within a budget of bytes
// in memory; the writer takes them one by one. A part is a whole file, or a
// part of a JSON-lines file: such a file, of any size, is read in parts of
// whole lines (each line within --max-size), one after the other by the
// threads whose turn it is, and parsed and tagged on all of them at once. The
// destructor stops and joins the threads, on every way out.
class FileReader {
 public:
  struct Part {
    size_t k = 0;         // the file, in `todo`
    uint32_t number = 0;  // of the file's parts
    uint32_t count = 1;
  };

  explicit FileReader(const IndexRun& run) : run_(run), streams_(run.todo.size()) {
    const uint64_t part_bytes = PartBytes();
    parts_.reserve(run.todo.size());
    for (size_t k = 0; k < run.todo.size(); ++k) {
      const ingest::WalkFile& f = run.walk.files[run.todo[k]];
      if (f.format != ingest::Format::kJsonLines) {
        parts_.push_back({k, 0, 1});
        continue;
      }
      const auto count = static_cast<uint32_t>(std::max<uint64_t>(1, (f.size + part_bytes - 1) / part_bytes));
      streams_[k] = std::make_unique<Stream>();
      for (uint32_t j = 0; j < count; ++j) parts_.push_back({k, j, count});
    }
    results_.resize(parts_.size());
    ready_.assign(parts_.size(), 0);
    reserved_.assign(parts_.size(), 0);
    // One core is left to this thread and the writer, whose own threads analyze.
    unsigned hw = std::thread::hardware_concurrency();
    unsigned n = std::max(1u, std::min(8u, hw > 1 ? hw - 1 : 1));
    for (unsigned t = 0; t < n && t < parts_.size(); ++t) workers_.emplace_back([this] { Work(); });
  }
  ~FileReader() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_space_.notify_all();
    for (auto& t : workers_) t.join();
    for (auto& st : streams_)
      if (st && st->fd >= 0) ::close(st->fd);
  }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  size_t parts() const { return parts_.size(); }
  const Part& part(size_t i) const { return parts_[i]; }

  // The i-th part, once read; parts are taken in order.
  Prepared Take(size_t i) {
    std::unique_lock<std::mutex> l(mu_);
    cv_ready_.wait(l, [&] { return ready_[i] != 0; });
    consumed_ = i + 1;
    Prepared p = std::move(*results_[i]);
    results_[i].reset();
    return p;
  }
  // The i-th part was added: its bytes leave the budget.
  void Release(size_t i) {
    {
      std::lock_guard<std::mutex> l(mu_);
      in_flight_ -= reserved_[i];
      reserved_[i] = 0;
    }
    cv_space_.notify_all();
  }

 private:
  static constexpr size_t kWindow = 256;
  static constexpr uint64_t kInFlightBytes = uint64_t{64} << 20;
  static constexpr uint64_t kBlockBytes = uint64_t{64} << 10;

  // What the parts of a JSON-lines file share: each part's thread reads in
  // its turn, from where the part before it ended.
  struct Stream {
    int fd = -1;
    uint32_t turn = 0;    // the part whose read is next
    uint64_t offset = 0;  // where it starts
    uint64_t line = 1;    // the number of its first line
    Hasher hash;          // of the bytes read so far
    bool hashed = false;  // the hash is `whole_hash`, from a read of the whole file
    uint64_t whole_hash = 0;
    bool ended = false;  // nothing more to read: skipped, unchanged, at its end or failed
  };

  // The size of a part of a JSON-lines file: a few MiB, less with a small
  // --max-size (tests read files of a few parts with little text).
  uint64_t PartBytes() const { return std::clamp<uint64_t>(run_.a.max_size, uint64_t{64} << 10, uint64_t{4} << 20); }

  // Takes `want` bytes of the budget for part i (and, with `window`, waits
  // for the part to be within the window): the part the writer waits for
  // goes over the budget rather than wait. False once stopped.
  bool Reserve(size_t i, uint64_t want, bool window) {
    std::unique_lock<std::mutex> l(mu_);
    cv_space_.wait(l, [&] {
      return stop_ || ((!window || i < consumed_ + kWindow) && (i == consumed_ || in_flight_ + want <= kInFlightBytes));
    });
    if (stop_) return false;
    in_flight_ += want;
    reserved_[i] += want;
    return true;
  }
  // Part i holds `bytes` now: what it reserved beyond them goes back.
  void Shrink(size_t i, uint64_t bytes) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (reserved_[i] <= bytes) return;
      in_flight_ -= reserved_[i] - bytes;
      reserved_[i] = bytes;
    }
    cv_space_.notify_all();
  }

  void Work() {
    std::unique_ptr<Tagger> tg;
    if (run_.tagger) {
      auto created = Tagger::Create(run_.sources[0].text, run_.sources[1].text);
      if (created.ok()) tg = std::move(*created);
    }
    if (tg && !tg->SetTitles(run_.sources[2].text).ok()) tg.reset();
    for (;;) {
      size_t i = next_.fetch_add(1);
      if (i >= parts_.size()) return;
      const Part& part = parts_[i];
      const ingest::WalkFile& f = run_.walk.files[run_.todo[part.k]];
      const uint64_t want =
          streams_[part.k] ? std::min(f.size, PartBytes()) + 1 : std::min<uint64_t>(f.size, run_.a.max_size) + 1;
      if (!Reserve(i, want, /*window=*/true)) return;
      Prepared p = streams_[part.k] ? PreparePart(i, f, tg.get()) : Prepare(f, tg.get());
      {
        std::lock_guard<std::mutex> l(mu_);
        results_[i] = std::make_unique<Prepared>(std::move(p));
        ready_[i] = 1;
      }
      cv_ready_.notify_all();
    }
  }

  // Tags the articles parsed (and fits their ids to the index's keys).
  static void Tag(Prepared* p, Tagger* tg) {
    for (Document& doc : p->parsed.docs) {
      if (doc.id.size() > kMaxIdBytes) doc.id = FitId(doc.id, kMaxIdBytes);
      if (Status s = tg ? tg->Tag(&doc) : Status::OK(); !s.ok())
        p->parsed.warnings.push_back("not tagged: " + s.message());
    }
  }

  Prepared Prepare(const ingest::WalkFile& f, Tagger* tg) const {
    Prepared p;
    std::string text;
    bool over = false;
    if (!ReadFile(f.path, &text, run_.a.max_size, &over)) {
      p.skip = std::string("cannot read: ") + std::strerror(errno);
      return p;
    }
    p.bytes = text.size();
    if (over) {
      p.skip = "grew over --max-size " + std::to_string(run_.a.max_size) + " bytes while being read: not read";
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
    auto old = run_.known.find(f.id);
    if (!run_.retag && old != run_.known.end() && old->second.hash == p.hash) {
      p.touched = true;
      return p;
    }
    auto parsed = ingest::ParseFile(text, f.format, f.id, f.path);
    if (parsed.ok())
      p.parsed = std::move(*parsed);
    else
      p.parsed.warnings.push_back("not read: " + parsed.status().message());
    text = std::string();
    Tag(&p, tg);
    return p;
  }

  // Part i of a JSON-lines file: read in its turn (the next part's turn
  // comes as soon as this one knows where it ends), then parsed and tagged.
  Prepared PreparePart(size_t i, const ingest::WalkFile& f, Tagger* tg) {
    const Part& part = parts_[i];
    Stream& st = *streams_[part.k];
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_space_.wait(l, [&] { return stop_ || st.turn == part.number; });
      if (stop_) return {};
    }
    Prepared p;
    std::string text;
    const ingest::JsonLinesPart where{st.line, st.offset};
    ReadPart(i, f, st, &p, &text);
    {
      std::lock_guard<std::mutex> l(mu_);
      ++st.turn;
    }
    cv_space_.notify_all();
    Shrink(i, text.size() + 1);
    if (!p.skip.empty() || p.touched) return p;
    // A part whose lines were all dropped (with warnings) is no blank part.
    p.blank = p.parsed.warnings.empty() && text.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
    if (p.blank) return p;
    auto parsed = ingest::ParseJsonLines(text, where, f.id, f.path);
    text = std::string();
    if (parsed.ok()) {
      for (std::string& w : parsed->warnings) p.parsed.warnings.push_back(std::move(w));
      p.parsed.docs = std::move(parsed->docs);
    } else {
      p.parsed.warnings.push_back("lines " + std::to_string(where.first_line) +
                                  " on: not read: " + parsed.status().message());
    }
    Tag(&p, tg);
    return p;
  }

  // Reads up to `size` bytes at `offset` into `out`, fewer at the end of the
  // file. False with errno set.
  static bool ReadAt(int fd, uint64_t offset, size_t size, std::string* out) {
    out->resize(size);
    size_t have = 0;
    while (have < size) {
      ssize_t n = ::pread(fd, out->data() + have, size - have, static_cast<off_t>(offset + have));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      if (n == 0) break;
      have += static_cast<size_t>(n);
    }
    out->resize(have);
    return true;
  }

  // The first part opens the file and, for a file indexed before with the
  // same size (its time changed), hashes it whole: the same content is not
  // read again. False when the file is not to be read further (*p says why).
  bool OpenStream(const ingest::WalkFile& f, Stream& st, Prepared* p) const {
    st.fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat sb;
    if (st.fd < 0 || ::fstat(st.fd, &sb) != 0) {
      p->skip = std::string("cannot read: ") + std::strerror(errno);
      return false;
    }
    if (!S_ISREG(sb.st_mode)) {  // replaced since the walk (by a FIFO, say)
      p->skip = std::string("cannot read: ") + std::strerror(EINVAL);
      return false;
    }
    st.hash = Hasher(f.size);
    auto old = run_.known.find(f.id);
    if (run_.retag || old == run_.known.end() || old->second.size != f.size) return true;
    Hasher whole(f.size);
    std::string block;
    for (uint64_t at = 0; at < f.size;) {
      if (!ReadAt(st.fd, at, static_cast<size_t>(std::min<uint64_t>(f.size - at, uint64_t{1} << 20)), &block)) {
        p->skip = std::string("cannot read: ") + std::strerror(errno);
        return false;
      }
      if (block.empty()) break;
      whole.Update(block);
      at += block.size();
    }
    st.hashed = true;
    st.whole_hash = whole.Finish();
    if (st.whole_hash != old->second.hash) return true;
    p->touched = true;
    p->hash = st.whole_hash;
    p->bytes = f.size;
    return false;
  }

  // Reads part i of a JSON-lines file into *text, in its turn: the lines
  // that start in its stretch of the file (the last part: to the walk's size
  // of the file), moves the stream on, and leaves in *p what the writer
  // needs besides the articles: a skip, the hash (last part), the lines not
  // read (over --max-size, or holding NUL bytes) as warnings.
  void ReadPart(size_t i, const ingest::WalkFile& f, Stream& st, Prepared* p, std::string* text) {
    const Part& part = parts_[i];
    const bool last = part.number + 1 == part.count;
    if (part.number == 0 && !OpenStream(f, st, p)) st.ended = true;
    if (!st.ended) {
      const uint64_t part_bytes = PartBytes();
      const uint64_t end = last ? f.size : std::min(f.size, (part.number + 1) * part_bytes);
      bool ok = st.offset >= end || ReadAt(st.fd, st.offset, static_cast<size_t>(end - st.offset), text);
      bool at_end = ok && st.offset + text->size() < end;  // the file is shorter than the walk found
      if (ok && !st.hashed) st.hash.Update(*text);
      uint64_t read = text->size();
      // The last line runs on past the stretch: read to its end, a block at a time.
      size_t long_at = std::string::npos;  // a line over --max-size, dropped
      uint64_t long_bytes = 0;
      if (ok && !at_end && !last && !text->empty() && text->back() != '\n') {
        const size_t line_start = text->rfind('\n') == std::string::npos ? 0 : text->rfind('\n') + 1;
        std::string block;
        while (st.offset + read < f.size) {
          if (!(ok = ReadAt(st.fd, st.offset + read,
                            static_cast<size_t>(std::min(kBlockBytes, f.size - st.offset - read)), &block)))
            break;
          if (block.empty()) break;
          const size_t nl = block.find('\n');
          const std::string_view take = std::string_view(block).substr(0, nl == std::string::npos ? nl : nl + 1);
          if (!st.hashed) st.hash.Update(take);
          read += take.size();
          if (long_at == std::string::npos &&
              text->size() - line_start + take.size() - (nl == std::string::npos ? 0 : 1) > run_.a.max_size) {
            long_at = line_start;
            long_bytes = text->size() - line_start;
            text->resize(line_start);
          }
          if (long_at == std::string::npos) {
            if (!Reserve(i, take.size(), /*window=*/false)) break;  // stopped
            text->append(take);
          } else {
            long_bytes += take.size() - (nl == std::string::npos ? 0 : 1);
            if (nl != std::string::npos) text->push_back('\n');  // the dropped line's end, kept for the count
          }
          if (nl != std::string::npos) break;
        }
      }
      if (!ok) {
        const std::string why = std::strerror(errno);
        if (part.number == 0) {
          p->skip = "cannot read: " + why;
        } else {
          p->parsed.warnings.push_back("line " + std::to_string(st.line) + " on: cannot read: " + why +
                                       " (the file is read again by the next run)");
          p->cut_short = true;
        }
        text->clear();
        st.ended = true;
      } else if (part.number == 0 && text->find('\0') != std::string::npos) {
        p->skip = "binary file (NUL bytes): not read";
        text->clear();
        st.ended = true;
      } else {
        st.line += DropLines(text, st.line, long_at, long_bytes, &p->parsed.warnings);
        st.offset += read;
        p->bytes = read;
        if (at_end) st.ended = true;
      }
    }
    if (last) {
      if (p->skip.empty() && !p->touched) p->hash = st.hashed ? st.whole_hash : st.hash.Finish();
      if (st.fd >= 0) ::close(st.fd);
      st.fd = -1;
    }
  }

  // Replaces the lines of *text (lines of a JSON-lines file from line
  // `first_line` on) that are over --max-size or hold NUL bytes with empty
  // lines, with a warning each, so that the numbers of the other lines stay;
  // the line at `long_at` is one already dropped, `long_bytes` long. Returns
  // the number of lines ended in *text: at '\n', and at a CR not before one
  // (as the JSON-lines reader counts them).
  size_t DropLines(std::string* text, uint64_t first_line, size_t long_at, uint64_t long_bytes,
                   std::vector<std::string>* warnings) const {
    const std::string& t = *text;
    const bool cr = t.find('\r') != std::string::npos, nul = t.find('\0') != std::string::npos;
    std::vector<std::pair<size_t, size_t>> drop;  // [begin, end) of lines to empty
    auto over = [&](uint64_t line, uint64_t bytes) {
      warnings->push_back("line " + std::to_string(line) + ": " + std::to_string(bytes) + " bytes, over --max-size " +
                          SizeText(run_.a.max_size) + ": not read (a larger --max-size reads it)");
    };
    size_t ends = 0;
    for (size_t at = 0; at < t.size();) {
      size_t nl = t.find('\n', at);
      const size_t stop = nl == std::string::npos ? t.size() : nl;
      const uint64_t line = first_line + ends;
      std::string_view l(t.data() + at, stop - at);
      if (cr)
        for (size_t c = l.find('\r'); c != std::string_view::npos; c = l.find('\r', c + 1))
          if (c + 1 < l.size() || nl == std::string::npos) ++ends;
      if (at == long_at) {
        over(line, long_bytes);
      } else if (l.size() > run_.a.max_size) {
        over(line, l.size());
        drop.push_back({at, stop});
      } else if (nul && l.find('\0') != std::string_view::npos) {
        warnings->push_back("line " + std::to_string(line) + ": NUL bytes (binary data): not read");
        drop.push_back({at, stop});
      }
      if (nl == std::string::npos) break;
      ++ends;
      at = nl + 1;
    }
    if (long_at == t.size()) over(first_line + ends, long_bytes);  // the dropped line ends the file
    if (drop.empty()) return ends;
    std::string kept;
    size_t from = 0;
    for (const auto& [begin, end] : drop) {
      kept.append(t, from, begin - from);
      // The line's own ends at lone CRs stay, as empty lines.
      std::string_view l(t.data() + begin, end - begin);
      for (size_t c = l.find('\r'); c != std::string_view::npos; c = l.find('\r', c + 1))
        if (c + 1 < l.size() || end == t.size()) kept.push_back('\n');
      from = end;
    }
    kept.append(t, from, std::string::npos);
    *text = std::move(kept);
    return ends;
  }

  const IndexRun& run_;
  std::vector<Part> parts_;
  std::vector<std::unique_ptr<Stream>> streams_;  // per file of `todo`: a JSON-lines file's
  // Per part, once read until taken: a pointer, as most parts are not in
  // flight (a Prepared in place for each of a million files took 130 MB).
  std::vector<std::unique_ptr<Prepared>> results_;
  std::vector<char> ready_;
  std::vector<uint64_t> reserved_;  // per part: its bytes in the budget
  std::mutex mu_;
  std::condition_variable cv_ready_, cv_space_;  // cv_space_ also: a stream's turn moved on, or stop
  std::atomic<size_t> next_{0};
  size_t consumed_ = 0;
  uint64_t in_flight_ = 0;  // bytes reserved by parts read or being read, not yet added
  bool stop_ = false;
  std::vector<std::thread> workers_;  // last: started once the rest is set up
};

// Drops what the index has from a file (its articles and its record).
Status Forget(IndexRun& run, const std::string& id, const Source& src) {
  for (const std::string& doc : src.docs) {
    Status s = run.writer->Delete(doc);
    if (!s.ok()) return s;
    ++run.result.removed;
  }
  ++run.result.deleted;
  return run.writer->SetMetadata(SourceKey(id), "");
}

Status Commit(IndexRun& run) {
  Status s = run.writer->Commit();
  if (s.ok()) run.result.committed_articles = run.result.articles;
  return s;
}

// An article of file `file_id` whose id the file chose: when another file
// gave it before, this one's replaces it, with a warning, and leaves that
// file's record without it.
Status TakeArticle(IndexRun& run, const std::string& doc_id, const std::string& file_id, const std::string& path) {
  auto file_number = [&](const std::string& fid) {
    if (!run.owner_files.empty() && run.owner_files.back() == fid)  // the usual case: the file before
      return static_cast<uint32_t>(run.owner_files.size() - 1);
    auto [it, fresh] = run.owner_file_index.try_emplace(fid, static_cast<uint32_t>(run.owner_files.size()));
    if (fresh) run.owner_files.push_back(fid);
    return it->second;
  };
  if (!run.owners_built) {
    run.owners_built = true;
    for (const auto& [fid, src] : run.known) {
      uint32_t n = IdOwners::kNone;
      for (const std::string& d : src.docs)
        if (d != fid) {
          if (n == IdOwners::kNone) n = file_number(fid);
          run.article_owner.FindOrAdd(IdOwners::Hash(d), n);
        }
    }
  }
  const uint64_t h = IdOwners::Hash(doc_id);
  const uint32_t me = file_number(file_id);
  const uint32_t owner = run.article_owner.FindOrAdd(h, me);
  if (owner == IdOwners::kNone || owner == me) return Status::OK();
  const std::string other = run.owner_files[owner];
  Source* rec = nullptr;
  if (auto r = run.run_records.find(other); r != run.run_records.end())
    rec = &r->second;
  else if (auto k = run.known.find(other); k != run.known.end())
    rec = &k->second;
  std::vector<std::string>::iterator given;
  if (rec) {
    given = std::find(rec->docs.begin(), rec->docs.end(), doc_id);
    // Another id of the same hash (one pair in 2^64), which the other file
    // gave: not this one. The table keeps the other file for both.
    if (given == rec->docs.end()) return Status::OK();
  }
  run.article_owner.Set(h, me);
  run.Warn(path, "article id '" + doc_id + "' is also given by '" + other + "'; the article of this file replaces it");
  if (!rec) return Status::OK();
  rec->docs.erase(std::remove(given, rec->docs.end(), doc_id), rec->docs.end());
  return run.writer->SetMetadata(SourceKey(other), EncodeSource(*rec, other));
}

// --report-candidates: counts the candidate actors the tagger found in `doc`.
void CountCandidates(IndexRun& run, const Document& doc) {
  for (const auto& [key, value] : doc.extra)
    if (key == "Actors-Candidate")
      for (size_t at = 0; at <= value.size();) {
        size_t end = std::min(value.find("; ", at), value.size());
        if (end > at) ++run.candidate_articles[value.substr(at, end - at)];
        at = end + 2;
      }
}

// Adds the articles of a file read (or of a part of it), into `src` and
// `now` (unless null).
Status AddArticles(IndexRun& run, const ingest::WalkFile& f, Prepared& p, std::set<std::string>* now, Source* src) {
  for (const auto& w : p.parsed.warnings) run.Warn(f.path, w);
  for (Document& doc : p.parsed.docs) {
    if (!doc.language.empty() && !FindLanguage(doc.language))
      run.Warn(f.path, "language '" + doc.language + "' is not one Loupe knows; '" + doc.id +
                           "' is stemmed as English (give an ISO 639 code or a name, e.g. fr, de-AT, spanish)");
    Status s = run.writer->Add(doc);
    if (s.code() == StatusCode::kInvalidArgument) {
      run.Warn(f.path, s.message() + "; article '" + doc.id + "' skipped");
      continue;
    }
    if (!s.ok()) return s;
    if (doc.id != f.id) {
      if (Status t = TakeArticle(run, doc.id, f.id, f.path); !t.ok()) return t;
    }
    if (now) now->insert(doc.id);
    src->docs.push_back(doc.id);
    if (run.a.report_candidates) CountCandidates(run, doc);
    ++run.result.articles;
  }
  return Status::OK();
}

// The record of the JSON-lines file being added, as it stands between two of
// its parts: every article it may have left in the index (those added and the
// earlier ones), and no size, so that the next run reads the file again should
// this one stop before its end.
Status SaveOpenFile(IndexRun& run) {
  const OpenFile& of = run.open_file;
  if (!of.open) return Status::OK();
  const ingest::WalkFile& f = run.walk.files[run.todo[of.k]];
  Source rec{of.src.root, 0, 0, 0, of.src.docs};
  if (auto old = run.known.find(f.id); old != run.known.end())
    for (const std::string& id : old->second.docs)
      if (!of.now.count(id)) rec.docs.push_back(id);
  return run.writer->SetMetadata(SourceKey(f.id), EncodeSource(rec, f.id));
}

// The file of a part, read: skipped, touched (same content) or added. A file
// read in parts is opened by its first part and ends with its last: then the
// articles it no longer has are removed and its record written.
Status AddPart(IndexRun& run, const FileReader::Part& part, Prepared& p) {
  const auto& f = run.walk.files[run.todo[part.k]];
  auto old = run.known.find(f.id);
  OpenFile& of = run.open_file;
  if (part.number == 0) {
    if (!p.skip.empty()) {
      // A file that no longer gives an article takes its old articles with it.
      if (old != run.known.end() && !old->second.docs.empty()) p.skip += " (its earlier articles removed)";
      run.result.skipped.push_back({f.path, p.skip});
      return old == run.known.end() ? Status::OK() : Forget(run, f.id, old->second);
    }
    if (p.touched) {  // touched, not changed
      Source src{run.file_root[run.todo[part.k]], f.size, f.mtime_ns, p.hash, old->second.docs};
      ++run.result.unchanged;
      return run.writer->SetMetadata(SourceKey(f.id), EncodeSource(src, f.id));
    }
    of = OpenFile{true, part.k, Source{run.file_root[run.todo[part.k]], f.size, f.mtime_ns, 0, {}}, {}, true, false};
  }
  if (!of.open || of.k != part.k) return Status::OK();  // a later part of a file skipped or unchanged
  of.blank = of.blank && p.blank;
  of.cut_short = of.cut_short || p.cut_short;
  // The ids added are kept only to compare with an earlier record's.
  if (Status s = AddArticles(run, f, p, old != run.known.end() ? &of.now : nullptr, &of.src); !s.ok()) return s;
  if (part.number + 1 < part.count) return Status::OK();
  of.open = false;
  Source& src = of.src;
  src.hash = p.hash;
  if (of.blank) {  // white space only: as a file read whole
    std::string why = "empty file: nothing to index";
    if (old != run.known.end() && !old->second.docs.empty()) why += " (its earlier articles removed)";
    run.result.skipped.push_back({f.path, why});
    return old == run.known.end() ? Status::OK() : Forget(run, f.id, old->second);
  }
  if (old != run.known.end()) {
    for (const std::string& id : old->second.docs)  // articles the file no longer has
      if (!of.now.count(id)) {
        if (of.cut_short) {  // or that it may have past where it could not be read
          src.docs.push_back(id);
          continue;
        }
        Status s = run.writer->Delete(id);
        if (!s.ok()) return s;
        ++run.result.removed;
      }
  }
  if (of.cut_short) src.size = 0, src.mtime_ns = 0, src.hash = 0;  // read again by the next run
  ++(old == run.known.end() ? run.result.added : run.result.updated);
  Status put = run.writer->SetMetadata(SourceKey(f.id), EncodeSource(src, f.id));
  if (run.owners_built && !(src.docs.size() == 1 && src.docs[0] == f.id)) run.run_records[f.id] = std::move(src);
  return put;
}

// Reads and adds the files of `todo` in order, committing each --commit-every
// bytes, until done or interrupted (a JSON-lines file read in parts: after
// the part being added).
int AddFiles(IndexRun& run) {
  uint64_t total_bytes = 0;
  for (const auto& f : run.walk.files) total_bytes += f.size;
  Progress progress(!run.a.quiet && !run.json && ::isatty(2), run.walk.files.size(), total_bytes);
  FileReader reader(run);
  for (size_t i = 0; i < reader.parts() && !g_interrupted; ++i) {
    const FileReader::Part& part = reader.part(i);
    Prepared p = reader.Take(i);
    if (part.number == 0) run.reached = part.k + 1;
    progress.Update(part.k, run.result.bytes_read, run.result.articles);
    run.result.bytes_read += p.bytes;
    Status s = AddPart(run, part, p);
    reader.Release(i);
    if (!s.ok())
      return Fail("index failed at " + ShownId(run.walk.files[run.todo[part.k]].path, true) + " (" + kKept + ")", s);
    run.batch_bytes += p.bytes;
    if (run.batch_bytes >= run.a.commit_every) {
      run.batch_bytes = 0;
      s = SaveOpenFile(run);
      if (s.ok()) s = Commit(run);
      if (!s.ok()) return Fail(std::string("commit failed (") + kKept + ")", s);
    }
  }
  progress.Done();
  run.result.interrupted = g_interrupted;
  if (Status s = SaveOpenFile(run); !s.ok()) return Fail(std::string("index failed (") + kKept + ")", s);
  return -1;
}

// Files gone from the folders given: their articles go too.
int DeleteGone(IndexRun& run) {
  if (run.a.no_delete || run.result.interrupted) return -1;
  for (const auto& [id, src] : run.known) {
    if (src.seen || !run.roots.count(src.root)) continue;
    Status s = Forget(run, id, src);
    if (!s.ok()) return Fail(std::string("index failed (") + kKept + ")", s);
  }
  return -1;
}

// Nothing to index in a new index: no index is left behind (exit 2).
int RemoveEmptyIndex(IndexRun& run) {
  if (!run.db_new || run.result.articles != 0 || !run.known.empty() || run.result.interrupted) return -1;
  run.writer->Rollback();
  run.writer.reset();
  run.index.reset();
  std::error_code ec;
  if (!run.db_existed)
    std::filesystem::remove_all(run.a.db, ec);
  else
    for (const auto& e : std::filesystem::directory_iterator(run.a.db, ec)) std::filesystem::remove_all(e.path(), ec);
  run.result.nothing_to_index = true;
  if (!run.a.quiet) PrintIndexSkipped(run.result, std::cerr);
  PrintIndexEnd(run.result, std::cerr);
  return kExitUsage;
}

// The last commit, and what the run leaves: the index's counts, the times,
// the most frequent candidate actors.
int Finish(IndexRun& run) {
  auto commit_start = std::chrono::steady_clock::now();
  Status s = Commit(run);
  if (!s.ok()) return Fail(std::string("commit failed (") + kKept + ")", s);
  double commit_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count();
  auto after = run.index->Stats();
  if (!after.ok()) return Fail("cannot read index " + run.a.db, after.status());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - run.start).count();
  IndexResult& r = run.result;
  r.index = *after;
  r.milliseconds = static_cast<long>(secs * 1000);
  r.commit_milliseconds = static_cast<long>(commit_secs * 1000);
  // A JSON-lines file stopped between its parts is read again by the next run.
  r.files_not_read = run.todo.size() - run.reached + (run.open_file.open ? 1 : 0);
  // --report-candidates: the most frequent names found after a title word
  // that the gazetteer does not know, as gazetteer lines.
  constexpr size_t kCandidatesShown = 50;
  r.candidates_found = run.candidate_articles.size();
  r.candidates.assign(run.candidate_articles.begin(), run.candidate_articles.end());
  std::stable_sort(r.candidates.begin(), r.candidates.end(),
                   [](const auto& x, const auto& y) { return x.second > y.second; });
  if (r.candidates.size() > kCandidatesShown) r.candidates.resize(kCandidatesShown);
  return -1;
}

int Report(const IndexRun& run) {
  const IndexResult& r = run.result;
  if (!run.a.quiet && !run.json) PrintIndexSkipped(r, std::cerr);
  if (run.json)
    PrintJson(ToJson(r));
  else
    PrintIndexSummary(r, std::cout);
  if (r.interrupted) {
    PrintIndexEnd(r, std::cerr);
    return kExitInterrupted;
  }
  return kExitOk;
}

}  // namespace

int RunIndex(const IndexArgs& a) { return RunIndex(a, nullptr); }

int RunIndex(const IndexArgs& a, IndexResult* result) {
  InterruptScope interrupt;
  IndexRun run(a);
  if (int rc = WalkPaths(run); rc >= 0) return rc;
  run.result.files_read = run.walk.files.size();
  run.result.hidden = run.walk.hidden, run.result.other_formats = run.walk.other;
  for (int (*stage)(IndexRun&) : {FindTagSources, OpenIndex, PrepareTagging, LoadSources, AssignRoots, TestBarrier,
                                  StoreMetadata, PlanFiles, AddFiles, DeleteGone, RemoveEmptyIndex, Finish})
    if (int rc = stage(run); rc >= 0) return rc;
  if (result) {
    *result = std::move(run.result);
    return result->interrupted ? kExitInterrupted : kExitOk;
  }
  return Report(run);
}

}  // namespace loupe::cli
