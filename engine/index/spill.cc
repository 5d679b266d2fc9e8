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
  std::string body;
  format::PutVarint32(&body, static_cast<uint32_t>(key.size()));
  body.append(key);
  format::PutVarint32(&body, static_cast<uint32_t>(n));
  uint32_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    format::PutVarint32(&body, docs[i] - prev);
    prev = docs[i];
  }
  for (size_t i = 0; i < n; ++i) format::PutVarint32(&body, tfs[i]);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t last = 0;
    for (uint32_t j = 0; j < tfs[i]; ++j, ++k) {
      format::PutVarint32(&body, positions[k] - last);
      last = positions[k];
    }
  }
  format::PutVarint64(out, body.size());
  out->append(body);
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
  // The record length is at most 10 bytes of varint.
  if (!Fill(1)) return false;
  Fill(10);  // fewer at the end of the run is fine
  std::string_view in(buf_.data() + pos_, buf_.size() - pos_);
  uint64_t len = 0;
  if (!format::GetVarint64(&in, &len)) return Fail("record length");
  size_t head = (buf_.size() - pos_) - in.size();
  if (len > (uint64_t{1} << 40)) return Fail("record length");
  if (!Fill(head + static_cast<size_t>(len))) return status_.ok() ? Fail("truncated record") : false;
  in = std::string_view(buf_.data() + pos_ + head, static_cast<size_t>(len));
  pos_ += head + static_cast<size_t>(len);

  uint32_t klen = 0, n = 0;
  if (!format::GetVarint32(&in, &klen) || klen > in.size()) return Fail("key");
  key_.assign(in.data(), klen);
  in.remove_prefix(klen);
  if (!format::GetVarint32(&in, &n) || n > in.size()) return Fail("posting count");
  docs_.resize(n);
  tfs_.resize(n);
  uint32_t prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t gap;
    if (!format::GetVarint32(&in, &gap)) return Fail("doc id");
    prev += gap;
    docs_[i] = prev;
  }
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (!format::GetVarint32(&in, &tfs_[i])) return Fail("term frequency");
    total += tfs_[i];
  }
  if (total > in.size()) return Fail("positions");
  positions_.resize(static_cast<size_t>(total));
  size_t k = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t last = 0;
    for (uint32_t j = 0; j < tfs_[i]; ++j, ++k) {
      uint32_t d;
      if (!format::GetVarint32(&in, &d)) return Fail("positions");
      last += d;
      positions_[k] = last;
    }
  }
  if (!in.empty()) return Fail("record size");
  return true;
}

}  // namespace loupe
