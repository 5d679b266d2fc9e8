#include "index/spill.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "index/format.h"

namespace loupe {

namespace {

constexpr size_t kWriteBuffer = size_t{1} << 20;
constexpr size_t kReadChunk = size_t{1} << 20;

Status Errno(const std::string& what) {
  int e = errno;
  std::string msg = what + ": " + std::strerror(e);
  if (e == ENOSPC) msg += " (the disk is full; free space or index fewer documents per commit)";
  return Status::IOError(msg);
}

}  // namespace

Result<std::unique_ptr<SpillFile>> SpillFile::Create(const std::string& dir) {
  int fd = -1;
#ifdef O_TMPFILE
  fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return std::unique_ptr<SpillFile>(new SpillFile(fd));
#endif
  std::string path = dir + "/spill-XXXXXX";
  fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return Errno("cannot create a temporary file in " + dir);
  ::unlink(path.c_str());
  return std::unique_ptr<SpillFile>(new SpillFile(fd));
}

SpillFile::~SpillFile() { ::close(fd_); }

Status SpillFile::Append(std::string_view data) {
  buf_.append(data);
  size_ += data.size();
  if (buf_.size() >= kWriteBuffer) return Flush();
  return Status::OK();
}

Status SpillFile::Flush() {
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::pwrite(fd_, buf_.data() + done, buf_.size() - done, static_cast<off_t>(flushed_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("cannot write the writer's temporary file");
    done += static_cast<size_t>(n);
  }
  flushed_ += buf_.size();
  buf_.clear();
  return Status::OK();
}

Status SpillFile::Read(uint64_t offset, size_t n, std::string* out) const {
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Errno("cannot read the writer's temporary file");
    if (r == 0) return Status::IOError("the writer's temporary file is shorter than what was written to it");
    done += static_cast<size_t>(r);
  }
  return Status::OK();
}

void EncodeTermRecord(std::string_view key, const uint32_t* docs, const uint32_t* tfs, size_t n,
                      const uint32_t* positions, std::string* out) {
  uint64_t npos = 0;
  for (size_t i = 0; i < n; ++i) npos += tfs[i];
  uint32_t head[3] = {static_cast<uint32_t>(key.size()), static_cast<uint32_t>(n), static_cast<uint32_t>(npos)};
  size_t at = out->size();
  out->resize(at + sizeof head + key.size() + 4 * (2 * n + npos));
  char* p = out->data() + at;
  std::memcpy(p, head, sizeof head);
  p += sizeof head;
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  std::memcpy(p, docs, 4 * n);
  p += 4 * n;
  std::memcpy(p, tfs, 4 * n);
  p += 4 * n;
  std::memcpy(p, positions, 4 * npos);
}

bool RunReader::Fail(std::string what) {
  status_ = Status::Corruption("the writer's temporary file is damaged (" + what + ")");
  return false;
}

bool RunReader::Fill(size_t need) {
  if (buf_.size() - pos_ >= need) return true;
  buf_.erase(0, pos_);
  pos_ = 0;
  while (buf_.size() < need) {
    if (at_ >= end_) return false;
    size_t n = static_cast<size_t>(std::min<uint64_t>(std::max(kReadChunk, need - buf_.size()), end_ - at_));
    status_ = file_->Read(at_, n, &chunk_);
    if (!status_.ok()) return false;
    at_ += n;
    buf_.append(chunk_);
  }
  return true;
}

bool RunReader::Next() {
  if (!status_.ok()) return false;
  if (!Fill(12)) return status_.ok() && buf_.size() != pos_ ? Fail("truncated record") : false;
  uint32_t head[3];
  std::memcpy(head, buf_.data() + pos_, sizeof head);
  const uint64_t klen = head[0], n = head[1], npos = head[2];
  if (klen > 4096 || npos < n) return Fail("record header");
  const size_t len = static_cast<size_t>(12 + klen + 4 * (2 * n + npos));
  if (!Fill(len)) return status_.ok() ? Fail("truncated record") : false;
  const char* p = buf_.data() + pos_ + 12;
  pos_ += len;
  key_.assign(p, klen);
  p += klen;
  docs_.resize(n);
  tfs_.resize(n);
  positions_.resize(npos);
  std::memcpy(docs_.data(), p, 4 * n);
  p += 4 * n;
  std::memcpy(tfs_.data(), p, 4 * n);
  p += 4 * n;
  std::memcpy(positions_.data(), p, 4 * npos);
  uint64_t total = 0;
  for (uint32_t tf : tfs_) total += tf;
  if (total != npos) return Fail("term frequencies");
  return true;
}

}  // namespace loupe
