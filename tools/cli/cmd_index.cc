// loupe index --db DIR [--follow] [--max-size N] [--no-delete] [--quiet] [--format text|json] PATH...
//
// Incremental: each source file's size, modification time, content hash, root
// and the ids of the articles it gave are kept in the index's metadata (key
// "source:" + the file's id), written in the same commit as the articles. A
// file whose size and time are unchanged is not read; one whose content hash is
// unchanged is not re-indexed; the articles of files gone from a root given
// again are deleted (unless --no-delete).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "cli/common.h"
#include "loupe/ingest/formats.h"
#include "loupe/ingest/tagging.h"
#include "loupe/ingest/walk.h"

namespace loupe::cli {

namespace {
const std::string kSourcePrefix = "source:";

// Reads a whole file into *out (no stream buffering; O_NONBLOCK so that a file
// replaced by a FIFO after the walk cannot hang the run). False with errno set.
bool ReadFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int saved = S_ISREG(st.st_mode) ? errno : EINVAL;
    ::close(fd);
    errno = saved;
    return false;
  }
  size_t size = st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  out->resize(size + 1);  // one spare byte to see end of file in the same read
  size_t have = 0;
  bool ok = true;
  for (;;) {
    if (have == out->size()) out->resize(out->size() * 2 + 4096);
    ssize_t n = ::read(fd, out->data() + have, out->size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    have += static_cast<size_t>(n);
  }
  out->resize(have);
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

// What the index records of a source file, under "source:" + its id. Encoded
// compactly (about 20 bytes a file): a byte of flags (1: the file gave exactly
// one article, whose id is the file's), varints of the size, the modification
// time and the root's number in the "roots" record, the 8-byte hash, then,
// without flag 1, a varint count of article ids and each id length-prefixed.
struct Source {
  uint32_t root = 0;  // index into the roots list (0: a file given directly)
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t hash = 0;
  std::vector<std::string> docs;
};

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= uint64_t{b & 0x7Fu} << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

std::string EncodeSource(const Source& s, const std::string& file_id) {
  std::string out;
  bool single = s.docs.size() == 1 && s.docs[0] == file_id;
  out.push_back(single ? 1 : 0);
  PutVarint(&out, s.size);
  PutVarint(&out, static_cast<uint64_t>(s.mtime_ns));
  PutVarint(&out, s.root);
  out.append(reinterpret_cast<const char*>(&s.hash), 8);
  if (!single) {
    PutVarint(&out, s.docs.size());
    for (const std::string& d : s.docs) {
      PutVarint(&out, d.size());
      out += d;
    }
  }
  return out;
}

bool DecodeSource(std::string_view v, const std::string& file_id, Source* s) {
  if (v.empty()) return false;
  bool single = v[0] == 1;
  v.remove_prefix(1);
  uint64_t size, mtime, root, n;
  if (!GetVarint(&v, &size) || !GetVarint(&v, &mtime) || !GetVarint(&v, &root) || v.size() < 8) return false;
  s->size = size;
  s->mtime_ns = static_cast<int64_t>(mtime);
  s->root = static_cast<uint32_t>(root);
  std::memcpy(&s->hash, v.data(), 8);
  v.remove_prefix(8);
  if (single) {
    s->docs = {file_id};
    return v.empty();
  }
  if (!GetVarint(&v, &n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len;
    if (!GetVarint(&v, &len) || len > v.size()) return false;
    s->docs.emplace_back(v.substr(0, len));
    v.remove_prefix(len);
  }
  return v.empty();
}

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
  const bool json = a.format == "json";
  ingest::WalkResult walk = ingest::Walk(a.paths, {.follow_symlinks = a.follow, .max_size = a.max_size});
  for (const auto& e : walk.errors) std::cerr << "loupe: index: " << e << "\n";
  if (walk.files.empty() && walk.skipped.empty() && !walk.errors.empty()) return kExitUsage;


  // The gazetteer and topic lexicon: given, else found at the top of a PATH.
  auto find = [&](const std::string& given, const char* name, std::string* text, std::string* from) {
    std::vector<std::string> candidates;
    if (!given.empty()) candidates.push_back(given);
    else
      for (const std::string& p : a.paths) candidates.push_back(p + "/" + name);
    for (const std::string& c : candidates) {
      struct stat st;
      if (::stat(c.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (!ReadFile(c, text)) {
        std::cerr << "loupe: index: cannot read " << c << ": " << std::strerror(errno) << "\n";
        return false;
      }
      *from = c;
      return true;
    }
    if (!given.empty()) {
      std::cerr << "loupe: index: " << given << ": no such file\n";
      return false;
    }
    return true;
  };
  std::string gazetteer_text, topics_text, gazetteer_from, topics_from;
  if (!find(a.gazetteer, "actors.gazetteer", &gazetteer_text, &gazetteer_from) ||
      !find(a.topics, "topics.lexicon", &topics_text, &topics_from))
    return kExitUsage;

  auto index = Index::Open(a.db, {.create_if_missing = true});
  if (!index.ok()) return Fail("cannot open index " + a.db, index.status());
  // Without a gazetteer or lexicon of its own, a run keeps the index's.
  for (auto [key, text, from] : {std::tuple<const char*, std::string*, std::string*>{"gazetteer", &gazetteer_text,
                                                                                     &gazetteer_from},
                                 {"topics", &topics_text, &topics_from}}) {
    if (!from->empty()) continue;
    auto stored = (*index)->GetMetadata(key);
    if (stored.ok()) *text = *stored, *from = "the index";
  }
  std::unique_ptr<ingest::Tagger> tagger;
  if (!gazetteer_from.empty() || !topics_from.empty()) {
    std::vector<std::string> errors;
    tagger = ingest::Tagger::Create(gazetteer_text, topics_text, &errors);
    for (const auto& e : errors) std::cerr << "loupe: warning: " << e << "\n";
    if (!tagger) return kExitIndex;
  }
  auto listed = (*index)->ListMetadata(kSourcePrefix);
  if (!listed.ok()) return Fail("cannot read index " + a.db, listed.status());
  std::map<std::string, Source> known;  // file id -> what the index has from it
  for (const auto& [key, value] : *listed) {
    Source s;
    std::string id = key.substr(kSourcePrefix.size());
    if (DecodeSource(value, id, &s)) known[id] = std::move(s);
  }
  auto writer = (*index)->NewWriter();
  if (!writer.ok()) return Fail("cannot write to " + a.db, writer.status());
  // The folders indexed so far, by number ("roots": real paths, one per line;
  // number 0 is no folder), and the numbers of this run's: only files under
  // these are checked for deletion.
  std::vector<std::string> root_list{""};
  if (auto r = (*index)->GetMetadata("roots"); r.ok()) {
    std::string_view v = *r;
    while (!v.empty()) {
      size_t nl = v.find('\n');
      root_list.emplace_back(v.substr(0, nl));
      v.remove_prefix(nl == std::string_view::npos ? v.size() : nl + 1);
    }
  }
  const size_t roots_before = root_list.size();
  std::map<std::string, uint32_t> root_number;  // as given -> number
  std::set<uint32_t> roots;
  for (const std::string& p : a.paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    std::string real = RealPath(p);
    auto it = std::find(root_list.begin(), root_list.end(), real);
    if (it == root_list.end()) it = root_list.insert(root_list.end(), real);
    uint32_t n = static_cast<uint32_t>(it - root_list.begin());
    std::string given = p;
    while (given.size() > 1 && given.back() == '/') given.pop_back();
    root_number[given] = n;
    roots.insert(n);
  }
  if (root_list.size() != roots_before) {
    std::string joined;
    for (size_t i = 1; i < root_list.size(); ++i) joined += root_list[i] + (i + 1 < root_list.size() ? "\n" : "");
    Status s = (*writer)->SetMetadata("roots", joined);
    if (!s.ok()) return Fail("index failed", s);
  }
  // Searches resolve actor aliases with the gazetteer the articles were tagged
  // with. When it or the topic lexicon changed, every file is tagged again.
  bool retag = false;
  for (const auto& [key, text] : {std::pair<const char*, const std::string*>{"gazetteer", &gazetteer_text},
                                  {"topics", &topics_text}}) {
    auto old = (*index)->GetMetadata(key);
    if (!old.ok() && !old.status().IsNotFound()) return Fail("cannot read index " + a.db, old.status());
    if ((old.ok() && *old == *text) || (!old.ok() && text->empty())) continue;
    retag = !known.empty();
    Status s = (*writer)->SetMetadata(key, *text);
    if (!s.ok()) return Fail("index failed", s);
  }

  size_t added = 0, updated = 0, unchanged = 0, deleted = 0, articles = 0, removed = 0;
  uint64_t bytes = 0, total_bytes = 0, batch_bytes = 0;
  for (const auto& f : walk.files) total_bytes += f.size;
  nlohmann::ordered_json skipped_json = nlohmann::ordered_json::array(), warnings_json = nlohmann::ordered_json::array();
  std::vector<ingest::WalkSkip> skipped = walk.skipped;
  auto warn = [&](const std::string& path, const std::string& msg) {
    if (!a.quiet && !json) std::cerr << "loupe: warning: " << path << ": " << msg << "\n";
    warnings_json.push_back({{"path", path}, {"message", msg}});
  };
  Progress progress(!a.quiet && !json && ::isatty(2), walk.files.size(), total_bytes);
  std::set<std::string> seen;
  // Files whose size and time are unchanged are not read. The others are read,
  // checked, hashed, parsed and tagged on worker threads (one per core), at
  // most kWindow files ahead of this thread, which adds them in file order.
  std::vector<size_t> todo;
  for (size_t i = 0; i < walk.files.size(); ++i) {
    const auto& f = walk.files[i];
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
  std::vector<Prepared> results(todo.size());
  std::vector<char> ready(todo.size(), 0);
  std::mutex mu;
  std::condition_variable cv_ready, cv_space;
  std::atomic<size_t> next{0};
  size_t consumed = 0;
  bool stop = false;
  auto prepare = [&](const ingest::WalkFile& f, ingest::Tagger* tg) {
    Prepared p;
    std::string text;
    if (!ReadFile(f.path, &text)) {
      p.skip = std::string("cannot read: ") + std::strerror(errno);
      return p;
    }
    p.bytes = text.size();
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
    p.parsed = ingest::ParseFile(text, f.format, f.id, f.path);
    if (tg)
      for (Document& doc : p.parsed.docs) tg->Tag(&doc);
    return p;
  };
  std::vector<std::thread> workers;
  {
    // One core is left to this thread and the writer, whose own threads analyze.
    unsigned hw = std::thread::hardware_concurrency();
    unsigned n = std::max(1u, std::min(8u, hw > 1 ? hw - 1 : 1));
    for (unsigned t = 0; t < n && t < todo.size(); ++t) {
      workers.emplace_back([&] {
        std::vector<std::string> ignored;
        std::unique_ptr<ingest::Tagger> tg =
            tagger ? ingest::Tagger::Create(gazetteer_text, topics_text, &ignored) : nullptr;
        for (;;) {
          size_t k = next.fetch_add(1);
          if (k >= todo.size()) return;
          {
            std::unique_lock<std::mutex> l(mu);
            cv_space.wait(l, [&] { return stop || k < consumed + kWindow; });
            if (stop) return;
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

  for (size_t k = 0; k < todo.size(); ++k) {
    const auto& f = walk.files[todo[k]];
    Prepared p;
    {
      std::unique_lock<std::mutex> l(mu);
      cv_ready.wait(l, [&] { return ready[k] != 0; });
      p = std::move(results[k]);
      consumed = k + 1;
    }
    cv_space.notify_all();
    progress.Update(k, bytes, articles);
    bytes += p.bytes;
    if (!p.skip.empty()) {
      skipped.push_back({f.path, p.skip});
      continue;
    }
    const uint32_t root = f.root.empty() ? 0 : root_number[f.root];
    auto old = known.find(f.id);
    Source src{root, f.size, f.mtime_ns, p.hash, {}};
    if (p.touched) {  // touched, not changed
      src.docs = old->second.docs;
      Status s = (*writer)->SetMetadata(kSourcePrefix + f.id, EncodeSource(src, f.id));
      if (!s.ok()) return Fail("index failed", s);
      ++unchanged;
      continue;
    }
    for (const auto& w : p.parsed.warnings) warn(f.path, w);
    std::set<std::string> now;
    for (Document& doc : p.parsed.docs) {
      Status s = (*writer)->Add(doc);
      if (!s.ok()) {
        warn(f.path, s.message() + "; article '" + doc.id + "' skipped");
        continue;
      }
      now.insert(doc.id);
      src.docs.push_back(doc.id);
      ++articles;
    }
    if (old != known.end()) {  // articles the file no longer has
      for (const std::string& id : old->second.docs)
        if (!now.count(id)) {
          Status s = (*writer)->Delete(id);
          if (!s.ok()) return Fail("index failed", s);
          ++removed;
        }
    }
    Status s = (*writer)->SetMetadata(kSourcePrefix + f.id, EncodeSource(src, f.id));
    if (!s.ok()) return Fail("index failed", s);
    ++(old == known.end() ? added : updated);
    batch_bytes += p.bytes;
    if (batch_bytes >= a.commit_every) {
      batch_bytes = 0;
      s = (*writer)->Commit();
      if (!s.ok()) return Fail("commit failed (the index keeps its last commit)", s);
    }
  }
  progress.Done();
  // Files gone from the roots given: their articles go too.
  if (!a.no_delete) {
    for (const auto& [id, src] : known) {
      if (seen.count(id) || !roots.count(src.root)) continue;
      for (const std::string& doc : src.docs) {
        Status s = (*writer)->Delete(doc);
        if (!s.ok()) return Fail("index failed", s);
        ++removed;
      }
      Status s = (*writer)->SetMetadata(kSourcePrefix + id, "");
      if (!s.ok()) return Fail("index failed", s);
      ++deleted;
    }
  }
  auto commit_start = std::chrono::steady_clock::now();
  Status s = (*writer)->Commit();
  if (!s.ok()) return Fail("commit failed (the index keeps its last commit)", s);
  double commit_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count();
  auto after = (*index)->Stats();
  if (!after.ok()) return Fail("cannot read index " + a.db, after.status());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  for (const auto& k : skipped) {
    if (!a.quiet && !json) std::cerr << "loupe: skipped " << k.path << ": " << k.reason << "\n";
    skipped_json.push_back({{"path", k.path}, {"reason", k.reason}});
  }
  const size_t read = added + updated;
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
  }
  return kExitOk;
}

}  // namespace loupe::cli
