#include "storage/lmdb.h"

#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>  // renameat2
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "util/crc32c.h"

namespace loupe::storage {
namespace {

const char* const kDbNames[] = {"meta",    "terms", "postings", "positions", "docs",
                                "docvals", "ids",   "deleted",  "user",      "forms"};
static_assert(sizeof(kDbNames) / sizeof(kDbNames[0]) == static_cast<int>(Db::kCount));

}  // namespace

const char* DbName(Db db) { return kDbNames[static_cast<int>(db)]; }

namespace {

MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view FromVal(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

uint32_t Checksum(std::string_view key, std::string_view payload) { return Crc32c(Crc32c(0, key), payload); }

// Strips and checks the checksum that ends every stored value.
Status Verified(Db db, std::string_view key, std::string_view stored, std::string_view* payload) {
  if (stored.size() >= kChecksumBytes) {
    std::string_view p = stored.substr(0, stored.size() - kChecksumBytes);
    uint32_t want;
    std::memcpy(&want, stored.data() + p.size(), sizeof want);
    if (want == Checksum(key, p)) {
      *payload = p;
      return Status::OK();
    }
  }
  std::string shown;
  for (unsigned char c : key.substr(0, 40)) shown += c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '.';
  return Status::Corruption(std::string("checksum mismatch in table '") + kDbNames[static_cast<int>(db)] +
                            "' at key '" + shown + "' (" + std::to_string(stored.size()) +
                            " bytes): the index is damaged; restore a backup or rebuild it with `loupe index`");
}

}  // namespace

Status NeverCreated(const std::string& dir) {
  return Status::NotFound("the index at " + dir +
                          " was never completely created (its first run stopped before "
                          "its first commit); create it with `loupe index --db " +
                          dir + " PATH`");
}

bool FreeBelow(int fd, uint64_t bytes) {
  struct statvfs st;
  if (fd < 0 || ::fstatvfs(fd, &st) != 0) return false;
  // root may write into the blocks reserved for it; others may not.
  uint64_t blocks = ::geteuid() == 0 ? st.f_bfree : st.f_bavail;
  return blocks * st.f_frsize < bytes;
}

bool DiskFull(int fd) { return FreeBelow(fd, kDiskFullBelow); }

Status FromMdb(int rc, std::string_view what, int fd) {
  // LMDB turns a write that stopped short into EIO, and a short write is how a
  // disk that fills up in the middle of a write answers; only the free space
  // tells the two apart.
  if (rc == EIO && DiskFull(fd)) rc = ENOSPC;
  std::string msg = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_SUCCESS:
      return Status::OK();
    case MDB_NOTFOUND:
      return Status::NotFound(msg);
    case MDB_CORRUPTED:
    case MDB_INVALID:
    case MDB_PAGE_NOTFOUND:
    case MDB_BAD_DBI:
      return Status::Corruption(msg + " (the index is damaged; rebuild it with `loupe index`)");
    case MDB_VERSION_MISMATCH:
      return Status::VersionMismatch(msg);
    case MDB_MAP_FULL:
      return Status::IOError(msg + " (map full)");
    case ENOENT:
      return Status::NotFound(msg);
    case EACCES:
      return Status::IOError(msg + " (check the permissions of the index directory)");
    case ENOSPC:
      return Status::IOError(msg + " (the disk is full)");
    default:
      return Status::IOError(msg);
  }
}

namespace {

// Whether the directory open as `fd` is still the one at `path` (a compaction
// in another process swaps the folder at `path` for another and deletes it).
bool StillAt(int fd, const std::string& path) {
  struct stat pinned, named;
  if (fd < 0) return true;
  if (::fstat(fd, &pinned) != 0 || ::stat(path.c_str(), &named) != 0) return false;
  return pinned.st_ino == named.st_ino && pinned.st_dev == named.st_dev;
}

// Whether the data file at `path`, which LMDB refused (MDB_INVALID), holds
// no committed transaction: each of its two meta pages is zeros (or past the
// end of the file) or LMDB's initial meta page (transaction 0). LMDB writes
// the meta pages of a new file and its first commit's data without a sync
// between them, so a power cut before that commit's sync can keep some of
// these writes and not the others; nothing was committed, and the file may
// be created again. Another program's file, or a damaged index, has meta
// pages of its own and stays an error. (LMDB's layout: the page header's
// flags at byte 10, P_META = 0x08; the meta's magic at byte 16 and its
// transaction id at byte 144 of the page.)
bool NeverCommitted(const std::string& path) {
  const long page = ::sysconf(_SC_PAGESIZE);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || page < 4096) {
    if (fd >= 0) ::close(fd);
    return false;
  }
  std::string buf(static_cast<size_t>(page), '\0');
  bool none = true;
  for (int p = 0; p < 2 && none; ++p) {
    std::fill(buf.begin(), buf.end(), '\0');
    if (::pread(fd, buf.data(), buf.size(), static_cast<off_t>(p) * page) < 0) none = false;
    if (!none || buf.find_first_not_of('\0') == std::string::npos) continue;
    uint16_t flags;
    uint32_t magic;
    uint64_t txnid;
    std::memcpy(&flags, buf.data() + 10, sizeof flags);
    std::memcpy(&magic, buf.data() + 16, sizeof magic);
    std::memcpy(&txnid, buf.data() + 144, sizeof txnid);
    none = (flags & 0x08) && magic == 0xBEEFC0DE && txnid == 0;
  }
  ::close(fd);
  return none;
}

}  // namespace

Result<std::unique_ptr<Env>> Env::Open(const std::string& dir, uint64_t map_size, bool read_only, bool create) {
  // LMDB opens DIR/data.mdb and DIR/lock.mdb by name, one after the other. A
  // compaction in another process that swaps the directory between two such
  // opens could pair one directory's data file with the other's lock file
  // (whose transaction id picks the meta page). Opening through a descriptor
  // of the directory pins both names to one directory. That directory may be
  // the old one, which the compaction then empties and deletes: an open that
  // finds its directory moved away, whether it failed (the files were gone)
  // or not, opens again, now the new folder. Compactions take far longer
  // than an open, so the next attempt nearly always finds the folder settled;
  // the last attempt's result stands, the old files (whose searches are
  // warned) or the error.
  constexpr int kAttempts = 8;
  for (int attempt = 1;; ++attempt) {
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct DirFd {
      int fd;
      ~DirFd() {
        if (fd >= 0) ::close(fd);
      }
    } pinned{dir_fd};
    Result<std::unique_ptr<Env>> env = OpenPinned(dir, dir_fd, map_size, read_only, create);
    if (attempt == kAttempts || StillAt(dir_fd, dir)) return env;
  }
}

Result<std::unique_ptr<Env>> Env::OpenPinned(const std::string& dir, int dir_fd, uint64_t map_size, bool read_only,
                                             bool create) {
  // Already moved away: try again before creating anything in the old folder.
  if (!StillAt(dir_fd, dir)) return Status::NotFound("the index folder " + dir + " was replaced while it was opened");
  std::unique_ptr<Env> env(new Env());
  env->read_only_ = read_only;
  env->map_size_ = map_size;
  env->dir_ = dir;
  // A failed mdb_env_open leaves a handle that can only be closed; opening
  // again (without the lock file) needs a new one.
  auto create_handle = [&]() -> int {
    if (env->env_) mdb_env_close(env->env_);
    env->env_ = nullptr;
    int rc = mdb_env_create(&env->env_);
    if (rc) return rc;
    mdb_env_set_maxdbs(env->env_, static_cast<MDB_dbi>(Db::kCount) + 2);
    mdb_env_set_maxreaders(env->env_, 512);
    return mdb_env_set_mapsize(env->env_, map_size);
  };
  int rc = create_handle();
  if (rc) return FromMdb(rc, "creating LMDB environment");

  std::string via = dir;
  if (dir_fd >= 0 && ::access("/proc/self/fd", F_OK) == 0) via = "/proc/self/fd/" + std::to_string(dir_fd);

  // The data file must be at least as long as LMDB's meta pages say; a shorter one
  // (truncated copy, full disk) would fault with SIGBUS on first read.
  const std::string data = dir + "/data.mdb";  // the name messages give
  struct stat st;
  bool exists = ::stat((via + "/data.mdb").c_str(), &st) == 0;

  // An empty data file: creating the index failed before LMDB wrote its first
  // pages (a full disk, a kill). LMDB initializes it again when it may write.
  if (exists && st.st_size == 0 && (read_only || !create)) return NeverCreated(dir);

  // LMDB sizes a new lock file with ftruncate and writes it through a shared
  // mapping: on a full disk that write faults (SIGBUS) instead of failing. So
  // when LMDB is about to create a file and the disk has no room even for the
  // lock file and the first pages, the open fails here, as a full disk.
  struct stat lock_st;
  const std::string lock_path = via + "/lock.mdb";
  const bool lock_exists = ::stat(lock_path.c_str(), &lock_st) == 0;
  const bool has_lock = lock_exists && lock_st.st_size > 0;
  // Even a reader opens LMDB's lock file for writing (its table of readers),
  // and creates it if missing. A reader that may not (another user's index,
  // read-only media) opens the data file without it: LMDB then keeps no
  // record of its snapshots, so a writer that ran meanwhile could reuse the
  // pages a search is reading. That is the condition of such an open (see
  // docs/reliability.md), and Env::unlocked() tells it.
  const bool no_lock =
      read_only && ::faccessat(AT_FDCWD, (lock_exists ? lock_path : via).c_str(), W_OK, AT_EACCESS) != 0;
  if (!no_lock && (!has_lock || !exists || st.st_size == 0) && FreeBelow(dir_fd, kRoomToCreate))
    return FromMdb(ENOSPC, "opening index at " + dir);

  unsigned flags = MDB_NOTLS | (read_only ? MDB_RDONLY : 0u);
  rc = mdb_env_open(env->env_, via.c_str(), flags | (no_lock ? MDB_NOLOCK : 0u), 0644);
  // A creation cut short by a power cut (see NeverCommitted): as an empty file.
  if (rc == MDB_INVALID && exists && NeverCommitted(via + "/data.mdb")) {
    if (read_only || !create) return NeverCreated(dir);
    if (::truncate((via + "/data.mdb").c_str(), 0) != 0) return FromMdb(errno, "opening index at " + dir);
    if ((rc = create_handle()) != 0) return FromMdb(rc, "creating LMDB environment");
    rc = mdb_env_open(env->env_, via.c_str(), flags, 0644);
  }
  // The permissions may say one thing and the open another (an ACL, a file
  // system mounted read-only): a reader refused the lock file opens without it.
  const bool refused = rc == EACCES || rc == EPERM || rc == EROFS;
  if (refused && read_only && !no_lock) {
    if ((rc = create_handle()) != 0) return FromMdb(rc, "creating LMDB environment");
    rc = mdb_env_open(env->env_, via.c_str(), flags | MDB_NOLOCK, 0644);
    env->unlocked_ = rc == 0;
  } else {
    env->unlocked_ = rc == 0 && no_lock;
  }
  if (refused && !read_only)
    return Status::IOError("cannot write to " + dir + ": " +
                           (rc == EROFS ? "it is on a read-only file system" : "permission denied") +
                           " (opening its files for writing: " + mdb_strerror(rc) +
                           "); writing needs write access to the folder and its files: run as their owner, "
                           "or copy the index (`loupe backup`) to a folder you may write");
  if (rc) return FromMdb(rc, "opening index at " + dir, dir_fd);
  const int data_fd = env->data_fd();

  if (exists) {
    MDB_envinfo info;
    MDB_stat stat;
    if (mdb_env_info(env->env_, &info) == 0 && mdb_env_stat(env->env_, &stat) == 0) {
      uint64_t need = (static_cast<uint64_t>(info.me_last_pgno) + 1) * stat.ms_psize;
      if (::fstat(data_fd, &st) == 0 && static_cast<uint64_t>(st.st_size) < need)
        return Status::Corruption("index file " + data + " is truncated (" + std::to_string(st.st_size) +
                                  " bytes, needs " + std::to_string(need) + "); rebuild the index");
      if (info.me_mapsize > env->map_size_) env->map_size_ = info.me_mapsize;
    }
  }

  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(env->env_, nullptr, read_only ? MDB_RDONLY : 0, &txn);
  if (rc) return FromMdb(rc, "opening index databases", data_fd);
  // Tables are created only in an environment that has none yet: a new one,
  // or one whose first commit never happened (a run stopped or failed while
  // creating the index). Another program's LMDB files are never touched.
  MDB_dbi main_dbi;
  MDB_stat main_stat;
  rc = mdb_dbi_open(txn, nullptr, 0, &main_dbi);
  if (rc == 0) rc = mdb_stat(txn, main_dbi, &main_stat);
  if (rc) {
    mdb_txn_abort(txn);
    return FromMdb(rc, "opening index databases");
  }
  const bool empty = main_stat.ms_entries == 0;
  for (int i = 0; i < static_cast<int>(Db::kCount); ++i) {
    MDB_dbi dbi;
    rc = mdb_dbi_open(txn, kDbNames[i], create && empty ? MDB_CREATE : 0, &dbi);
    if (rc) {
      mdb_txn_abort(txn);
      if (rc == MDB_NOTFOUND && empty) return NeverCreated(dir);
      // An index written before the written-forms table existed.
      if (rc == MDB_NOTFOUND && i == static_cast<int>(Db::kForms))
        return Status::VersionMismatch("index " + dir +
                                       " was written by an older version of Loupe (it has no 'forms' table); "
                                       "rebuild it with this version");
      if (rc == MDB_NOTFOUND) return Status::Corruption(dir + " is not a Loupe index (no '" + kDbNames[i] + "' table)");
      return FromMdb(rc, std::string("opening table ") + kDbNames[i]);
    }
    env->dbi_[i] = dbi;
  }
  rc = mdb_txn_commit(txn);
  if (rc) return FromMdb(rc, "opening index databases", data_fd);
  // A process that died while reading, with another process keeping the lock
  // file in use since, left its slot: free it now rather than at the next
  // commit (docs/reliability.md, "Dead readers do not make the file grow").
  env->ClearStaleReaders();
  return env;
}

int Env::ClearStaleReaders() {
  if (unlocked_ || !env_) return 0;
  int dead = 0;
  if (mdb_reader_check(env_, &dead) != 0) return 0;
  return dead;
}

int Env::data_fd() const {
  mdb_filehandle_t fd;
  return mdb_env_get_fd(env_, &fd) == 0 ? fd : -1;
}

Env::~Env() {
  if (env_) mdb_env_close(env_);
}

std::unique_lock<std::shared_mutex> Env::LockForResize() {
  // New readers wait at the gate while this waits for the current ones, so a
  // stream of overlapping searches cannot starve a resize.
  std::lock_guard<std::mutex> gate(gate_mu_);
  return std::unique_lock<std::shared_mutex>(resize_mu_);
}

std::shared_lock<std::shared_mutex> Env::LockForReading() {
  std::lock_guard<std::mutex> gate(gate_mu_);
  return std::shared_lock<std::shared_mutex>(resize_mu_);
}

Status Env::AdoptMapSize() {
  auto lock = LockForResize();
  int rc = mdb_env_set_mapsize(env_, 0);
  if (rc) return FromMdb(rc, "adopting the index map size another process set");
  MDB_envinfo info;
  if (mdb_env_info(env_, &info) == 0) map_size_ = info.me_mapsize;
  return Status::OK();
}

Status Env::Grow() {
  auto lock = LockForResize();
  uint64_t next = map_size_ * 2;
  int rc = mdb_env_set_mapsize(env_, next);
  if (rc) return FromMdb(rc, "growing the LMDB map");
  map_size_ = next;
  return Status::OK();
}

Status Env::CopyTo(const std::string& dir) {
  // The copy is written under a temporary name and renamed to data.mdb once
  // it is whole and synced, so data.mdb in `dir` is only ever a complete copy.
  // A backup that was killed leaves the temporary file, which the next one
  // reuses: the lock below tells a dead writer's file from a running one's.
  const std::string data = dir + "/data.mdb";
  const std::string partial = dir + "/" + std::string(kPartialCopyName);
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return FromMdb(errno, "creating " + partial);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::Locked("another backup is writing into " + dir + " (it holds " + partial +
                          "); wait for it to finish or back up into another folder");
  }
  auto fail = [&](int rc, const std::string& what) {
    Status s = FromMdb(rc, what, fd);
    ::unlink(partial.c_str());  // a partial copy must not stay behind
    ::close(fd);
    return s;
  };
  int rc = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) return fail(errno, "writing " + partial);
    {
      auto lock = LockForReading();
      rc = mdb_env_copyfd2(env_, fd, MDB_CP_COMPACT);
    }
    if (rc != MDB_MAP_RESIZED) break;
    Status adopted = AdoptMapSize();  // another process grew the file meanwhile
    if (!adopted.ok()) {
      ::unlink(partial.c_str());
      ::close(fd);
      return adopted;
    }
  }
  if (rc) return fail(rc, "copying the index to " + dir);
  if (::fsync(fd) != 0) return fail(errno, "syncing " + partial);
  // No replacing: a data.mdb that appeared meanwhile is another backup's.
  if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, data.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    if (err == EEXIST) {
      ::unlink(partial.c_str());
      ::close(fd);
      return Status::InvalidArgument(dir + " already holds an index; back up into a new or empty folder");
    }
    return fail(err, "renaming " + partial + " to " + data);
  }
  ::close(fd);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

bool Env::Replaced() const {
  mdb_filehandle_t fd;
  struct stat open_file, on_disk;
  if (mdb_env_get_fd(env_, &fd) != 0 || ::fstat(fd, &open_file) != 0) return false;
  if (::stat((dir_ + "/data.mdb").c_str(), &on_disk) != 0) return true;
  return open_file.st_ino != on_disk.st_ino || open_file.st_dev != on_disk.st_dev;
}

Status Env::Reserve(uint64_t extra) {
  MDB_envinfo info;
  MDB_stat st;
  int rc = mdb_env_info(env_, &info);
  if (rc == 0) rc = mdb_env_stat(env_, &st);
  if (rc) return FromMdb(rc, "reading the LMDB environment's size");
  uint64_t used = (static_cast<uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
  uint64_t want = used + extra;
  if (want <= map_size_) return Status::OK();
  auto lock = LockForResize();
  uint64_t next = map_size_;
  while (next < want) next *= 2;
  rc = mdb_env_set_mapsize(env_, next);
  if (rc) return FromMdb(rc, "growing the LMDB map");
  map_size_ = next;
  return Status::OK();
}

void Env::ReleaseMappedPages() {
  unsigned flags = 0;
  if (mdb_env_get_flags(env_, &flags) || (flags & MDB_WRITEMAP)) return;  // a writable map holds changes of its own
  struct stat st;
  int fd = data_fd();
  if (fd < 0 || ::fstat(fd, &st) != 0) return;
  // LMDB does not say where it mapped the file (MDB_envinfo::me_mapaddr is
  // set only for MDB_FIXEDMAP): find the file's mappings by device and inode.
  FILE* maps = std::fopen("/proc/self/maps", "re");
  if (!maps) return;
  char line[4096];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long begin = 0, end = 0, offset = 0, inode = 0;
    unsigned major_dev = 0, minor_dev = 0;
    char perms[8] = {};
    if (std::sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &begin, &end, perms, &offset, &major_dev, &minor_dev, &inode) !=
        7)
      continue;
    if (inode != st.st_ino || major_dev != major(st.st_dev) || minor_dev != minor(st.st_dev) || perms[1] == 'w' ||
        perms[3] != 's')
      continue;
    ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }
  std::fclose(maps);
}

void Env::ReleaseMappedPagesAbove(uint64_t budget) {
  FILE* statm = std::fopen("/proc/self/statm", "re");
  if (!statm) return;
  unsigned long size = 0, resident = 0, shared = 0;
  int n = std::fscanf(statm, "%lu %lu %lu", &size, &resident, &shared);
  std::fclose(statm);
  static const long page = ::sysconf(_SC_PAGESIZE);
  if (n == 3 && page > 0 && uint64_t{shared} * static_cast<uint64_t>(page) > budget) ReleaseMappedPages();
}

Result<std::unique_ptr<Txn>> Txn::Begin(Env* env, bool write) {
  std::unique_ptr<Txn> t(new Txn());
  t->env_ = env;
  // Slots left by dead readers: a writer frees them before each commit (they
  // would keep it from reusing pages); a process that only reads, every so
  // often, so that they never fill the table.
  if (write ||
      env->reads_begun_.fetch_add(1, std::memory_order_relaxed) % Env::kReaderCheckEvery == Env::kReaderCheckEvery - 1)
    env->ClearStaleReaders();
  bool cleared_full = false;
  for (int attempt = 0; attempt < 3; ++attempt) {
    t->resize_lock_ = env->LockForReading();
    int rc = mdb_txn_begin(env->raw(), nullptr, write ? 0 : MDB_RDONLY, &t->txn_);
    if (rc == 0) return t;
    if (rc == MDB_READERS_FULL && !cleared_full) {
      // Every slot taken: free those of dead processes and try once more.
      t->resize_lock_.unlock();
      cleared_full = true;
      if (env->ClearStaleReaders() > 0) {
        --attempt;
        continue;
      }
      t->txn_ = nullptr;
      return FromMdb(rc, "beginning read transaction");
    }
    if (rc == MDB_MAP_RESIZED) {
      // Another process grew the file beyond our map: remap, which LMDB allows
      // only with no transaction of this process active, so with the resize
      // lock held exclusively (other threads' searches finish first).
      t->resize_lock_.unlock();
      Status adopted = env->AdoptMapSize();
      if (!adopted.ok()) {
        t->txn_ = nullptr;
        return adopted;
      }
      continue;
    }
    t->txn_ = nullptr;
    return FromMdb(rc, write ? "beginning write transaction" : "beginning read transaction");
  }
  return Status::IOError("beginning transaction: map resized repeatedly");
}

Txn::~Txn() { Abort(); }

void Txn::Abort() {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Status Txn::Get(Db db, std::string_view key, std::string_view* value) const {
  std::string_view stored;
  Status s = GetUnchecked(db, key, &stored);
  if (!s.ok()) return s;
  return Verified(db, key, stored, value);
}

Status Txn::GetUnchecked(Db db, std::string_view key, std::string_view* value) const {
  MDB_val k = ToVal(key), v;
  int rc = mdb_get(txn_, env_->dbi(db), &k, &v);
  if (rc == MDB_NOTFOUND) return Status::NotFound("key not found");
  if (rc) return FromMdb(rc, "reading index");
  *value = FromVal(v);
  return Status::OK();
}

Status Txn::Put(Db db, std::string_view key, std::string_view value, bool append) {
  // MDB_RESERVE: LMDB gives the room and the value is written into it once,
  // followed by its checksum.
  MDB_val k = ToVal(key), v{value.size() + kChecksumBytes, nullptr};
  int rc = mdb_put(txn_, env_->dbi(db), &k, &v, MDB_RESERVE | (append ? MDB_APPEND : 0));
  if (rc == MDB_MAP_FULL) map_full_ = true;
  if (rc) return FromMdb(rc, "writing index", env_->data_fd());
  char* out = static_cast<char*>(v.mv_data);
  if (!value.empty()) std::memcpy(out, value.data(), value.size());
  uint32_t crc = Checksum(key, value);
  std::memcpy(out + value.size(), &crc, sizeof crc);
  return Status::OK();
}

Status Txn::Del(Db db, std::string_view key) {
  MDB_val k = ToVal(key);
  int rc = mdb_del(txn_, env_->dbi(db), &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::NotFound("key not found");
  if (rc == MDB_MAP_FULL) map_full_ = true;
  if (rc) return FromMdb(rc, "deleting from index", env_->data_fd());
  return Status::OK();
}

Status Txn::Commit() {
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  if (rc == MDB_MAP_FULL) map_full_ = true;
  if (rc) return FromMdb(rc, "committing", env_->data_fd());
  return Status::OK();
}

Result<uint64_t> Txn::Count(Db db) const {
  MDB_stat st;
  int rc = mdb_stat(txn_, env_->dbi(db), &st);
  if (rc) return FromMdb(rc, "reading table statistics");
  return static_cast<uint64_t>(st.ms_entries);
}

Result<TableStat> Txn::Stat(Db db) const {
  MDB_stat st;
  int rc = mdb_stat(txn_, env_->dbi(db), &st);
  if (rc) return FromMdb(rc, std::string("reading the statistics of table ") + DbName(db));
  return TableStat{.entries = st.ms_entries,
                   .pages = uint64_t{st.ms_branch_pages} + st.ms_leaf_pages + st.ms_overflow_pages,
                   .page_size = st.ms_psize};
}

Result<std::unique_ptr<Cursor>> Cursor::Open(const Txn& txn, Db db, Verify verify) {
  std::unique_ptr<Cursor> c(new Cursor());
  c->db_ = db;
  c->verify_ = verify == Verify::kYes;
  int rc = mdb_cursor_open(txn.raw(), txn.env()->dbi(db), &c->cur_);
  if (rc) return FromMdb(rc, "opening cursor");
  return c;
}

Cursor::~Cursor() {
  if (cur_) mdb_cursor_close(cur_);
}

bool Cursor::Move(int op, std::string_view key) {
  MDB_val k = ToVal(key), v;
  int rc = mdb_cursor_get(cur_, &k, &v, static_cast<MDB_cursor_op>(op));
  if (rc) {
    valid_ = false;
    status_ = rc == MDB_NOTFOUND ? Status::OK() : FromMdb(rc, "reading index");
    return false;
  }
  key_ = FromVal(k);
  std::string_view stored = FromVal(v);
  if (!verify_ && stored.size() >= kChecksumBytes) {
    value_ = stored.substr(0, stored.size() - kChecksumBytes);
    valid_ = true;
    return true;
  }
  Status s = Verified(db_, key_, stored, &value_);
  if (!s.ok()) {
    valid_ = false;
    status_ = s;
    return false;
  }
  valid_ = true;
  return true;
}

bool Cursor::Seek(std::string_view key) { return key.empty() ? Move(MDB_FIRST) : Move(MDB_SET_RANGE, key); }
bool Cursor::First() { return Move(MDB_FIRST); }
bool Cursor::Last() { return Move(MDB_LAST); }
bool Cursor::Next() { return Move(MDB_NEXT); }
bool Cursor::Prev() { return Move(MDB_PREV); }

}  // namespace loupe::storage
