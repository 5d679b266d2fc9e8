/* LD_PRELOAD shim for the power-loss tests: records every write and sync of an
 * index data file (a name starting with "data.mdb"), and the directory
 * operations around it, into a log that tests/faults/powerloss.py replays to
 * build the states a disk could hold after a power cut.
 *
 *   RECORDIO_LOG=FILE  the log (appended to; nothing is recorded without it)
 *
 * Each record is a header (struct rec below, native byte order) followed by
 * `plen` bytes of path and `dlen` bytes of data:
 *   'W' a write of `dlen` bytes at `off` (write, pwrite, pwrite64, writev,
 *       pwritev, pwritev64, pwritev2); flag 1: the descriptor was opened with
 *       O_DSYNC or O_SYNC, so the bytes were durable when the call returned
 *       (LMDB writes its meta page so)
 *   'S' fsync or fdatasync of the file (a barrier: every write before it is durable)
 *   'T' ftruncate to `off`
 *   'D' fsync of a directory (its entries are durable)
 *   'R' a rename: the path, then the data holds the new path; flag 1: an exchange
 *       (renameat2 RENAME_EXCHANGE)
 *   'U' a file or directory removed (unlink, unlinkat, remove, rmdir)
 * Only calls that succeed are recorded, after they return; a write that wrote
 * fewer bytes than asked records what it wrote.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

struct rec {
  char kind;
  uint8_t flags;
  uint16_t plen;
  uint32_t pad;
  uint64_t off;
  uint64_t dlen;
};

static int log_fd = -1;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

typedef ssize_t (*write_fn)(int, const void*, size_t);

static write_fn real_write_fn(void) {
  static write_fn f;
  if (!f) f = (write_fn)dlsym(RTLD_NEXT, "write");
  return f;
}

__attribute__((constructor)) static void init(void) {
  const char* path = getenv("RECORDIO_LOG");
  if (!path || !*path) return;
  /* A raw open: the shim's own log is not an index file. */
  log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static void put_all(const void* p, size_t n) {
  const char* c = p;
  while (n > 0) {
    ssize_t w = real_write_fn()(log_fd, c, n);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      abort(); /* a log with a hole would build wrong images */
    }
    c += w;
    n -= (size_t)w;
  }
}

/* One record: header, path, then the data of the vector (up to `len` bytes). */
static void emit(char kind, int flags, const char* path, uint64_t off, const struct iovec* iov, int cnt, size_t len) {
  struct rec r;
  int i;
  memset(&r, 0, sizeof r);
  r.kind = kind;
  r.flags = (uint8_t)flags;
  r.plen = (uint16_t)strlen(path);
  r.off = off;
  r.dlen = len;
  pthread_mutex_lock(&log_mu);
  put_all(&r, sizeof r);
  put_all(path, r.plen);
  for (i = 0; i < cnt && len > 0; ++i) {
    size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;
    put_all(iov[i].iov_base, n);
    len -= n;
  }
  pthread_mutex_unlock(&log_mu);
}

/* The path of `fd` into `out`; 1 when it is an index data file. */
static int fd_path(int fd, char* out, size_t size) {
  char link[64];
  ssize_t n;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  n = readlink(link, out, size - 1);
  if (n <= 0) return 0;
  out[n] = 0;
  const char* base = strrchr(out, '/');
  base = base ? base + 1 : out;
  return strncmp(base, "data.mdb", 8) == 0;
}

static int fd_synced(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl >= 0 && (fl & (O_DSYNC | O_SYNC)) != 0;
}

/* The recording leaves errno as the call left it. */
static void record_write(int fd, off_t off, const struct iovec* iov, int cnt, ssize_t written) {
  char path[PATH_MAX];
  int saved = errno;
  if (log_fd >= 0 && written > 0 && fd_path(fd, path, sizeof path))
    emit('W', fd_synced(fd), path, (uint64_t)off, iov, cnt, (size_t)written);
  errno = saved;
}

/* An absolute form of `path` (relative to `dirfd`), for directory records. */
static void absolute(int dirfd, const char* path, char* out, size_t size) {
  char base[PATH_MAX];
  if (path[0] == '/') {
    snprintf(out, size, "%s", path);
    return;
  }
  if (dirfd == AT_FDCWD) {
    if (!getcwd(base, sizeof base)) base[0] = 0;
  } else {
    char link[64];
    ssize_t n;
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    n = readlink(link, base, sizeof base - 1);
    base[n > 0 ? n : 0] = 0;
  }
  snprintf(out, size, "%s/%s", base, path);
}

static void record_path(char kind, int flags, int dirfd, const char* path, int dirfd2, const char* path2) {
  char a[PATH_MAX], b[PATH_MAX];
  struct iovec v;
  int saved = errno;
  if (log_fd < 0) return;
  absolute(dirfd, path, a, sizeof a);
  if (!path2) {
    emit(kind, flags, a, 0, NULL, 0, 0);
  } else {
    absolute(dirfd2, path2, b, sizeof b);
    v.iov_base = b;
    v.iov_len = strlen(b);
    emit(kind, flags, a, 0, &v, 1, v.iov_len);
  }
  errno = saved;
}

static void record_sync(int fd) {
  char path[PATH_MAX];
  struct stat st;
  int saved = errno;
  if (log_fd < 0) return;
  if (fd_path(fd, path, sizeof path)) {
    emit('S', 0, path, 0, NULL, 0, 0);
  } else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    emit('D', 0, path, 0, NULL, 0, 0);
  }
  errno = saved;
}

/* The offset of `fd` (-1 for a pipe or socket), errno untouched. */
static off_t offset_of(int fd) {
  int saved = errno;
  off_t at = lseek(fd, 0, SEEK_CUR);
  errno = saved;
  return at;
}

#define REAL(name, type)   \
  static type real_##name; \
  if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

typedef ssize_t (*pwrite_fn)(int, const void*, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec*, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec*, int, off_t);
typedef ssize_t (*pwritev2_fn)(int, const struct iovec*, int, off_t, int);
typedef int (*sync_fn)(int);
typedef int (*truncate_fn)(int, off_t);
typedef int (*renameat2_fn)(int, const char*, int, const char*, unsigned);
typedef int (*renameat_fn)(int, const char*, int, const char*);
typedef int (*rename_fn)(const char*, const char*);
typedef int (*unlink_fn)(const char*);
typedef int (*unlinkat_fn)(int, const char*, int);

ssize_t write(int fd, const void* buf, size_t n) {
  off_t at = offset_of(fd);
  ssize_t w = real_write_fn()(fd, buf, n);
  struct iovec v = {(void*)buf, n};
  if (at >= 0) record_write(fd, at, &v, 1, w);
  return w;
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  REAL(pwrite, pwrite_fn);
  ssize_t w = real_pwrite(fd, buf, n, off);
  struct iovec v = {(void*)buf, n};
  record_write(fd, off, &v, 1, w);
  return w;
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off_t off) {
  REAL(pwrite64, pwrite_fn);
  ssize_t w = real_pwrite64(fd, buf, n, off);
  struct iovec v = {(void*)buf, n};
  record_write(fd, off, &v, 1, w);
  return w;
}
ssize_t writev(int fd, const struct iovec* iov, int cnt) {
  REAL(writev, writev_fn);
  off_t at = offset_of(fd);
  ssize_t w = real_writev(fd, iov, cnt);
  if (at >= 0) record_write(fd, at, iov, cnt, w);
  return w;
}
ssize_t pwritev(int fd, const struct iovec* iov, int cnt, off_t off) {
  REAL(pwritev, pwritev_fn);
  ssize_t w = real_pwritev(fd, iov, cnt, off);
  record_write(fd, off, iov, cnt, w);
  return w;
}
ssize_t pwritev64(int fd, const struct iovec* iov, int cnt, off_t off) {
  REAL(pwritev64, pwritev_fn);
  ssize_t w = real_pwritev64(fd, iov, cnt, off);
  record_write(fd, off, iov, cnt, w);
  return w;
}
ssize_t pwritev2(int fd, const struct iovec* iov, int cnt, off_t off, int flags) {
  REAL(pwritev2, pwritev2_fn);
  off_t at = off == -1 ? offset_of(fd) : off;
  ssize_t w = real_pwritev2(fd, iov, cnt, off, flags);
  if (at >= 0) record_write(fd, at, iov, cnt, w);
  return w;
}
int fsync(int fd) {
  REAL(fsync, sync_fn);
  int rc = real_fsync(fd);
  if (rc == 0) record_sync(fd);
  return rc;
}
int fdatasync(int fd) {
  REAL(fdatasync, sync_fn);
  int rc = real_fdatasync(fd);
  if (rc == 0) record_sync(fd);
  return rc;
}
int ftruncate(int fd, off_t len) {
  REAL(ftruncate, truncate_fn);
  char path[PATH_MAX];
  int rc = real_ftruncate(fd, len);
  int saved = errno;
  if (rc == 0 && log_fd >= 0 && fd_path(fd, path, sizeof path)) emit('T', 0, path, (uint64_t)len, NULL, 0, 0);
  errno = saved;
  return rc;
}
int ftruncate64(int fd, off_t len) {
  REAL(ftruncate64, truncate_fn);
  char path[PATH_MAX];
  int rc = real_ftruncate64(fd, len);
  int saved = errno;
  if (rc == 0 && log_fd >= 0 && fd_path(fd, path, sizeof path)) emit('T', 0, path, (uint64_t)len, NULL, 0, 0);
  errno = saved;
  return rc;
}
int renameat2(int olddir, const char* oldpath, int newdir, const char* newpath, unsigned flags) {
  REAL(renameat2, renameat2_fn);
  char a[PATH_MAX], b[PATH_MAX];
  /* Resolved before the call: after an exchange the names point elsewhere. */
  absolute(olddir, oldpath, a, sizeof a);
  absolute(newdir, newpath, b, sizeof b);
  int rc = real_renameat2(olddir, oldpath, newdir, newpath, flags);
  if (rc == 0) record_path('R', (flags & RENAME_EXCHANGE) ? 1 : 0, AT_FDCWD, a, AT_FDCWD, b);
  return rc;
}
int renameat(int olddir, const char* oldpath, int newdir, const char* newpath) {
  REAL(renameat, renameat_fn);
  char a[PATH_MAX], b[PATH_MAX];
  absolute(olddir, oldpath, a, sizeof a);
  absolute(newdir, newpath, b, sizeof b);
  int rc = real_renameat(olddir, oldpath, newdir, newpath);
  if (rc == 0) record_path('R', 0, AT_FDCWD, a, AT_FDCWD, b);
  return rc;
}
int rename(const char* oldpath, const char* newpath) {
  REAL(rename, rename_fn);
  char a[PATH_MAX], b[PATH_MAX];
  absolute(AT_FDCWD, oldpath, a, sizeof a);
  absolute(AT_FDCWD, newpath, b, sizeof b);
  int rc = real_rename(oldpath, newpath);
  if (rc == 0) record_path('R', 0, AT_FDCWD, a, AT_FDCWD, b);
  return rc;
}
int unlink(const char* path) {
  REAL(unlink, unlink_fn);
  char a[PATH_MAX];
  absolute(AT_FDCWD, path, a, sizeof a);
  int rc = real_unlink(path);
  if (rc == 0) record_path('U', 0, AT_FDCWD, a, 0, NULL);
  return rc;
}
int rmdir(const char* path) {
  REAL(rmdir, unlink_fn);
  char a[PATH_MAX];
  absolute(AT_FDCWD, path, a, sizeof a);
  int rc = real_rmdir(path);
  if (rc == 0) record_path('U', 0, AT_FDCWD, a, 0, NULL);
  return rc;
}
int remove(const char* path) {
  REAL(remove, unlink_fn);
  char a[PATH_MAX];
  absolute(AT_FDCWD, path, a, sizeof a);
  int rc = real_remove(path);
  if (rc == 0) record_path('U', 0, AT_FDCWD, a, 0, NULL);
  return rc;
}
int unlinkat(int dirfd, const char* path, int flags) {
  REAL(unlinkat, unlinkat_fn);
  char a[PATH_MAX];
  absolute(dirfd, path, a, sizeof a);
  int rc = real_unlinkat(dirfd, path, flags);
  if (rc == 0) record_path('U', 0, AT_FDCWD, a, 0, NULL);
  return rc;
}
