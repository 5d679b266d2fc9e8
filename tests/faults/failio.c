/* LD_PRELOAD shim for the fault tests: fails the Nth write or sync of an index
 * data file (a path ending in "data.mdb") with the errno asked for, as a full
 * disk or a failing device would.
 *
 *   FAILIO_AT=N        the call to fail (1 = the first); unset: count only
 *   FAILIO_WHAT=write  write, pwrite, pwrite64, writev, pwritev (default)
 *              sync    fsync, fdatasync
 *   FAILIO_ERRNO=28    ENOSPC (default); 5 = EIO
 *   FAILIO_COUNT=FILE  on exit, write the number of matching calls there
 *   FAILIO_STICKY=1    fail every matching call from the Nth on (a full disk stays full)
 *   FAILIO_SHORT=1     the Nth write writes half its bytes and returns that count, as a
 *                      disk that fills up in the middle of a write does (sticky: the
 *                      calls after it fail with FAILIO_ERRNO)
 *
 * Once a write has failed with ENOSPC, or written short, statvfs and fstatvfs
 * report no free blocks, as they would on a disk that is full.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long calls;
static long fail_at = -1;
static int fail_errno = ENOSPC;
static int sticky;
static int what_sync;
static int short_write;
static int disk_full; /* set once a write failed with ENOSPC or wrote short */

__attribute__((constructor)) static void init(void) {
  const char* at = getenv("FAILIO_AT");
  const char* what = getenv("FAILIO_WHAT");
  const char* err = getenv("FAILIO_ERRNO");
  if (at) fail_at = atol(at);
  if (what && strcmp(what, "sync") == 0) what_sync = 1;
  if (err) fail_errno = atoi(err);
  sticky = getenv("FAILIO_STICKY") != NULL;
  short_write = getenv("FAILIO_SHORT") != NULL;
}

__attribute__((destructor)) static void report(void) {
  const char* path = getenv("FAILIO_COUNT");
  if (!path) return;
  FILE* f = fopen(path, "w");
  if (f) {
    fprintf(f, "%ld\n", calls);
    fclose(f);
  }
}

static int is_data_file(int fd) {
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n < 8) return 0;
  target[n] = 0;
  /* data.mdb, or a name that starts with it (a copy being written under a temporary name) */
  const char* base = strrchr(target, '/');
  base = base ? base + 1 : target;
  return strncmp(base, "data.mdb", 8) == 0;
}

/* What happens to this call: 0 it runs, 1 it fails (errno set), 2 it writes
 * short. Counts calls on data files of the chosen kind. */
static int fail_now(int fd, int is_sync) {
  if (is_sync != what_sync || !is_data_file(fd)) return 0;
  ++calls;
  if (fail_at < 0) return 0;
  if (short_write && !is_sync && calls == fail_at) {
    disk_full = 1;
    return 2;
  }
  if (calls == fail_at || ((sticky || short_write) && calls > fail_at)) {
    if (fail_errno == ENOSPC && !is_sync) disk_full = 1;
    errno = fail_errno;
    return 1;
  }
  return 0;
}

/* The first half of an I/O vector's bytes (at least one byte when there are any). */
static int half_iov(const struct iovec* iov, int cnt, struct iovec* out) {
  size_t total = 0, want, got = 0;
  int i, k = 0;
  for (i = 0; i < cnt; ++i) total += iov[i].iov_len;
  want = total > 1 ? total / 2 : total;
  for (i = 0; i < cnt && got < want && k < 64; ++i) {
    out[k] = iov[i];
    if (got + out[k].iov_len > want) out[k].iov_len = want - got;
    got += out[k].iov_len;
    ++k;
  }
  return k;
}

typedef ssize_t (*write_fn)(int, const void*, size_t);
typedef ssize_t (*pwrite_fn)(int, const void*, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void*, size_t, off64_t);
typedef ssize_t (*writev_fn)(int, const struct iovec*, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec*, int, off_t);
typedef int (*sync_fn)(int);

#define REAL(name, type)   \
  static type real_##name; \
  if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void* buf, size_t n) {
  REAL(write, write_fn);
  int f = fail_now(fd, 0);
  if (f == 1) return -1;
  return real_write(fd, buf, f == 2 && n > 1 ? n / 2 : n);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  REAL(pwrite, pwrite_fn);
  int f = fail_now(fd, 0);
  if (f == 1) return -1;
  return real_pwrite(fd, buf, f == 2 && n > 1 ? n / 2 : n, off);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  REAL(pwrite64, pwrite64_fn);
  int f = fail_now(fd, 0);
  if (f == 1) return -1;
  return real_pwrite64(fd, buf, f == 2 && n > 1 ? n / 2 : n, off);
}
ssize_t writev(int fd, const struct iovec* iov, int cnt) {
  REAL(writev, writev_fn);
  struct iovec half[64];
  int f = fail_now(fd, 0);
  if (f == 1) return -1;
  if (f == 2) return real_writev(fd, half, half_iov(iov, cnt, half));
  return real_writev(fd, iov, cnt);
}
ssize_t pwritev(int fd, const struct iovec* iov, int cnt, off_t off) {
  REAL(pwritev, pwritev_fn);
  struct iovec half[64];
  int f = fail_now(fd, 0);
  if (f == 1) return -1;
  if (f == 2) return real_pwritev(fd, half, half_iov(iov, cnt, half), off);
  return real_pwritev(fd, iov, cnt, off);
}
int fsync(int fd) {
  REAL(fsync, sync_fn);
  if (fail_now(fd, 1)) return -1;
  return real_fsync(fd);
}
int fdatasync(int fd) {
  REAL(fdatasync, sync_fn);
  if (fail_now(fd, 1)) return -1;
  return real_fdatasync(fd);
}

typedef int (*statvfs_fn)(const char*, struct statvfs*);
typedef int (*fstatvfs_fn)(int, struct statvfs*);

static void report_full(struct statvfs* st) {
  if (disk_full) st->f_bfree = st->f_bavail = 0;
}
int statvfs(const char* path, struct statvfs* st) {
  REAL(statvfs, statvfs_fn);
  int rc = real_statvfs(path, st);
  if (rc == 0) report_full(st);
  return rc;
}
int fstatvfs(int fd, struct statvfs* st) {
  REAL(fstatvfs, fstatvfs_fn);
  int rc = real_fstatvfs(fd, st);
  if (rc == 0) report_full(st);
  return rc;
}
typedef int (*statvfs64_fn)(const char*, struct statvfs64*);
typedef int (*fstatvfs64_fn)(int, struct statvfs64*);
int statvfs64(const char* path, struct statvfs64* st) {
  REAL(statvfs64, statvfs64_fn);
  int rc = real_statvfs64(path, st);
  if (rc == 0 && disk_full) st->f_bfree = st->f_bavail = 0;
  return rc;
}
int fstatvfs64(int fd, struct statvfs64* st) {
  REAL(fstatvfs64, fstatvfs64_fn);
  int rc = real_fstatvfs64(fd, st);
  if (rc == 0 && disk_full) st->f_bfree = st->f_bavail = 0;
  return rc;
}
