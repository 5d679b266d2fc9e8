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
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long calls;
static long fail_at = -1;
static int fail_errno = ENOSPC;
static int sticky;
static int what_sync;

__attribute__((constructor)) static void init(void) {
  const char* at = getenv("FAILIO_AT");
  const char* what = getenv("FAILIO_WHAT");
  const char* err = getenv("FAILIO_ERRNO");
  if (at) fail_at = atol(at);
  if (what && strcmp(what, "sync") == 0) what_sync = 1;
  if (err) fail_errno = atoi(err);
  sticky = getenv("FAILIO_STICKY") != NULL;
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
  return strcmp(target + n - 8, "data.mdb") == 0;
}

/* Whether this call fails: counts calls on data files of the chosen kind. */
static int fail_now(int fd, int is_sync) {
  if (is_sync != what_sync || !is_data_file(fd)) return 0;
  ++calls;
  if (fail_at < 0) return 0;
  if (calls == fail_at || (sticky && calls > fail_at)) {
    errno = fail_errno;
    return 1;
  }
  return 0;
}

typedef ssize_t (*write_fn)(int, const void*, size_t);
typedef ssize_t (*pwrite_fn)(int, const void*, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void*, size_t, off64_t);
typedef ssize_t (*writev_fn)(int, const struct iovec*, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec*, int, off_t);
typedef int (*sync_fn)(int);

#define REAL(name, type)              \
  static type real_##name;            \
  if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void* buf, size_t n) {
  REAL(write, write_fn);
  if (fail_now(fd, 0)) return -1;
  return real_write(fd, buf, n);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  REAL(pwrite, pwrite_fn);
  if (fail_now(fd, 0)) return -1;
  return real_pwrite(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  REAL(pwrite64, pwrite64_fn);
  if (fail_now(fd, 0)) return -1;
  return real_pwrite64(fd, buf, n, off);
}
ssize_t writev(int fd, const struct iovec* iov, int cnt) {
  REAL(writev, writev_fn);
  if (fail_now(fd, 0)) return -1;
  return real_writev(fd, iov, cnt);
}
ssize_t pwritev(int fd, const struct iovec* iov, int cnt, off_t off) {
  REAL(pwritev, pwritev_fn);
  if (fail_now(fd, 0)) return -1;
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
