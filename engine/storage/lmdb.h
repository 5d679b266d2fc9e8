// Thin RAII layer over LMDB. This directory is the only code that sees MDB_* and
// the only place LMDB error codes are turned into Status values.
//
// Views (std::string_view) returned by Get and Cursor point into LMDB's mapped
// pages and are valid only until the transaction that produced them ends or
// writes to the same database.
//
// Every value is stored with a CRC-32C of its key and bytes appended (LMDB 0.9
// checksums nothing): Put adds it, Get and Cursor check and strip it, and a
// mismatch is kCorruption naming the table and key. LMDB's own page structure
// (branch pages, page headers) is not covered: damage there is reported by
// LMDB when it notices (MDB_CORRUPTED, MDB_PAGE_NOTFOUND) and can fault when
// it does not.
#ifndef LOUPE_STORAGE_LMDB_H_
#define LOUPE_STORAGE_LMDB_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "loupe/status.h"

typedef struct MDB_env MDB_env;
typedef struct MDB_txn MDB_txn;
typedef struct MDB_cursor MDB_cursor;

namespace loupe::storage {

// The named databases of an index; see docs/index-format.md.
enum class Db : int { kMeta, kTerms, kPostings, kPositions, kDocs, kDocvals, kIds, kDeleted, kUser, kForms, kCount };

// The table's name in the data file and in docs/index-format.md ("terms",
// "postings", ...). REQUIRES: db is not Db::kCount.
const char* DbName(Db db);

// What LMDB's mdb_stat tells of one table.
struct TableStat {
  uint64_t entries = 0;
  uint64_t pages = 0;      // in use: branch, leaf and overflow pages
  uint64_t page_size = 0;  // bytes per page
};

// The name a copy (Env::CopyTo) is written under until it is whole.
inline constexpr std::string_view kPartialCopyName = "data.mdb.partial";

// Bytes of the checksum that ends every stored value.
inline constexpr size_t kChecksumBytes = 4;

// kNotFound for an index whose creation stopped before its first commit.
Status NeverCreated(const std::string& dir);

// Below this much free space a file system counts as full (see FromMdb).
inline constexpr uint64_t kDiskFullBelow = uint64_t{1} << 20;

// Room an index needs on disk before LMDB creates its lock file (about 33 KiB
// for 512 readers) and the first pages of its data file.
inline constexpr uint64_t kRoomToCreate = uint64_t{64} << 10;

// Whether the file system of the open descriptor `fd` has less than `bytes`
// free for this process. False if `fd` is -1 or the space is unknown.
bool FreeBelow(int fd, uint64_t bytes);
// FreeBelow(fd, kDiskFullBelow).
bool DiskFull(int fd);

// Translates an LMDB return code into a Status ("<what>: <LMDB message>").
// `fd`, when given, is a descriptor on the file system being written: an EIO
// while that file system is full (DiskFull) is reported as ENOSPC, "No space
// left on device (the disk is full)", since LMDB reports a write that stopped
// short, which is what a disk filling up mid-write gives, as EIO.
Status FromMdb(int rc, std::string_view what, int fd = -1);

class Env {
 public:
  // Opens the LMDB environment in `dir` (which must exist). `create` creates the
  // named databases. A read-only open that may not write the lock file opens
  // without it (unlocked()); a writer that may not write is refused (kIOError,
  // "cannot write to DIR: permission denied ..."). Checks that data.mdb is as long as its meta pages claim, so a
  // truncated file is reported as corruption instead of faulting later.
  static Result<std::unique_ptr<Env>> Open(const std::string& dir, uint64_t map_size, bool read_only, bool create);
  ~Env();

  MDB_env* raw() const { return env_; }
  // The descriptor of the open data file (-1 if none), for DiskFull.
  int data_fd() const;
  unsigned dbi(Db db) const { return dbi_[static_cast<int>(db)]; }
  bool read_only() const { return read_only_; }
  // Opened read-only without LMDB's lock file, which this process may not
  // write (another user's index, read-only media). Readers then leave no
  // trace, so no writer may run on the index while this one is open: it
  // could reuse pages a read is reading.
  bool unlocked() const { return unlocked_; }
  uint64_t map_size() const { return map_size_; }

  // Doubles the map. Waits until no transaction of this process is active.
  Status Grow();
  // Grows the map, if needed, so that `extra` more bytes fit after the pages in
  // use (a large write then needs no abort-grow-redo). Same waiting as Grow.
  Status Reserve(uint64_t extra);

  // Drops this process's mappings of the data file's pages (madvise
  // MADV_DONTNEED on the map, which LMDB maps read-only and shared): they stay
  // in the kernel's page cache and are mapped again, unchanged, when next read,
  // so open transactions are unaffected. Best effort; a no-op on failure.
  void ReleaseMappedPages();
  // ReleaseMappedPages when this process holds more than `budget` bytes of
  // file pages (the shared pages of /proc/self/statm: the map's, and the
  // few of its libraries). Cheap enough to call every thousand terms.
  void ReleaseMappedPagesAbove(uint64_t budget);

  // Writes a consistent copy of the last commit to `dir` (which must exist and
  // hold no data.mdb), compacted (free pages left out), through one read
  // transaction: writers and readers go on meanwhile. The copy is written to
  // `dir`/kPartialCopyName, synced, and renamed to data.mdb (never replacing
  // one); a failed copy deletes its file, and one left by a killed copy is
  // reused. kLocked if another copy into `dir` is running; kInvalidArgument
  // if a data.mdb appeared in `dir` meanwhile; kIOError otherwise.
  Status CopyTo(const std::string& dir);
  // Whether data.mdb in the directory is no longer the file this environment
  // has open (the index was compacted by another process since).
  bool Replaced() const;
  // Transactions hold this shared lock while open; Grow, Reserve and map
  // adoption hold it exclusively (LMDB requires no active transaction in the
  // process when the map changes). Writer-preferring: once a resize waits, new
  // transactions wait behind it.
  std::shared_lock<std::shared_mutex> LockForReading();
  std::unique_lock<std::shared_mutex> LockForResize();
  // Remaps after another process grew the file (MDB_MAP_RESIZED).
  Status AdoptMapSize();

  // Frees the slots of LMDB's reader table (in lock.mdb) that processes which
  // died while reading left behind (mdb_reader_check): such a slot pins its
  // snapshot's pages, which no commit may then reuse, so the file grows with
  // every commit, and it counts against the table's 512 slots. Called at open,
  // by every write transaction, every kReaderCheckEvery read transactions and
  // when the table is full. Returns the slots freed; 0 without a lock file.
  int ClearStaleReaders();
  // Read transactions between two ClearStaleReaders in a process that only
  // reads (a server): a check costs a pass over the table's used slots, with
  // one fcntl call per other process, so about a microsecond per slot.
  static constexpr uint64_t kReaderCheckEvery = 256;

 private:
  Env() = default;
  // One attempt of Open, with `dir` already open as `dir_fd` (-1 if it could
  // not be opened).
  static Result<std::unique_ptr<Env>> OpenPinned(const std::string& dir, int dir_fd, uint64_t map_size, bool read_only,
                                                 bool create);
  MDB_env* env_ = nullptr;
  unsigned dbi_[static_cast<int>(Db::kCount)] = {};
  bool read_only_ = false;
  bool unlocked_ = false;
  uint64_t map_size_ = 0;
  std::string dir_;
  std::mutex gate_mu_;
  std::shared_mutex resize_mu_;
  std::atomic<uint64_t> reads_begun_{0};  // for kReaderCheckEvery
  friend class Txn;
};

class Txn {
 public:
  // Begins a read or write transaction. A transaction holds `env`'s resize
  // lock shared for its lifetime, so a thread must not begin a second one on
  // the same Env while it holds one (a waiting resize would deadlock them).
  static Result<std::unique_ptr<Txn>> Begin(Env* env, bool write);
  ~Txn();  // aborts if neither committed nor aborted

  // OK and *value set, NotFound, or an error (kCorruption on a checksum mismatch).
  Status Get(Db db, std::string_view key, std::string_view* value) const;
  // The stored bytes, checksum included and unchecked (for reading the format
  // version of an index written before checksums).
  Status GetUnchecked(Db db, std::string_view key, std::string_view* value) const;
  // `append`: the caller promises `key` sorts after every key in `db` (MDB_APPEND).
  Status Put(Db db, std::string_view key, std::string_view value, bool append = false);
  // NotFound if absent.
  Status Del(Db db, std::string_view key);
  Status Commit();
  void Abort();

  // True once an operation failed with MDB_MAP_FULL: abort, Env::Grow, redo.
  bool map_full() const { return map_full_; }
  MDB_txn* raw() const { return txn_; }
  Env* env() const { return env_; }
  // Number of entries in `db`.
  Result<uint64_t> Count(Db db) const;
  // Entries and pages of `db` as of this transaction (freed pages not counted).
  Result<TableStat> Stat(Db db) const;

 private:
  Txn() = default;
  Env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  bool map_full_ = false;
  std::shared_lock<std::shared_mutex> resize_lock_;
};

// Whether a cursor checks each value's checksum. Searches read postings and
// positions unchecked: checking them cost about 6% of counting time on
// synth-100k (perf), and `loupe check` reads every value checked.
enum class Verify { kYes, kNo };

class Cursor {
 public:
  static Result<std::unique_ptr<Cursor>> Open(const Txn& txn, Db db, Verify verify = Verify::kYes);
  ~Cursor();

  // Positions at the first key >= `key`. Returns false (and invalid) if none.
  bool Seek(std::string_view key);
  bool First();
  bool Last();
  bool Next();
  bool Prev();
  bool valid() const { return valid_; }
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  // Non-OK if the last positioning failed for a reason other than "no such key"
  // (a checksum mismatch included).
  const Status& status() const { return status_; }

 private:
  Cursor() = default;
  bool Move(int op, std::string_view key = {});
  MDB_cursor* cur_ = nullptr;
  Db db_ = Db::kMeta;
  bool verify_ = true;
  bool valid_ = false;
  std::string_view key_, value_;
  Status status_;
};

}  // namespace loupe::storage

#endif  // LOUPE_STORAGE_LMDB_H_
