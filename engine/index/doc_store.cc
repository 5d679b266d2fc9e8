#include "index/doc_store.h"

#include <zstd.h>

#include <algorithm>

#include "index/format.h"

namespace loupe::format {

void DocBlockBuilder::Add(uint32_t doc, std::string_view encoded) {
  // Room for a whole block at once (it ends at the document that reaches
  // kDocBlockBytes), rather than doubling up to twice that.
  if (raw_.empty()) raw_.reserve(kDocBlockBytes + encoded.size());
  docs_.push_back(doc);
  lengths_.push_back(static_cast<uint32_t>(encoded.size()));
  raw_.append(encoded);
}

bool DocBlockBuilder::Finish(std::string* out) {
  // Compressed into a buffer of this thread first: an output sized for the
  // worst case would keep that capacity (about the block's raw size) in every
  // block a batch holds.
  thread_local std::string buffer;
  buffer.clear();
  PutVarint32(&buffer, static_cast<uint32_t>(docs_.size()));
  for (size_t i = 0; i < docs_.size(); ++i) {
    PutVarint32(&buffer, docs_[i] - docs_[0]);
    PutVarint32(&buffer, lengths_[i]);
  }
  size_t header = buffer.size();
  buffer.resize(header + ZSTD_compressBound(raw_.size()));
  // One compression context per thread, kept: a new one per block cleared
  // its tables each time, which cost more than compressing a block of short
  // documents (a kept context's tables are reused without clearing).
  struct Context {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ~Context() { ZSTD_freeCCtx(cctx); }
  };
  thread_local Context context;
  size_t n = context.cctx ? ZSTD_compressCCtx(context.cctx, buffer.data() + header, buffer.size() - header, raw_.data(),
                                              raw_.size(), 3)
                          : ZSTD_compress(buffer.data() + header, buffer.size() - header, raw_.data(), raw_.size(), 3);
  docs_.clear();
  lengths_.clear();
  raw_.clear();
  if (ZSTD_isError(n)) return false;
  out->assign(buffer.data(), header + n);
  if (buffer.capacity() > (size_t{1} << 20)) std::string().swap(buffer);  // after an unusually large block
  return true;
}

Status DocBlockReader::Read(const storage::Txn& txn, uint32_t doc, std::string_view* encoded) {
  auto find = [&](uint32_t d) -> bool {
    auto it = std::lower_bound(docs_.begin(), docs_.end(), d);
    if (it == docs_.end() || *it != d) return false;
    size_t i = static_cast<size_t>(it - docs_.begin());
    *encoded = std::string_view(raw_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
    return true;
  };
  if (first_ != UINT32_MAX && doc >= first_ && find(doc)) return Status::OK();

  auto cur = storage::Cursor::Open(txn, storage::Db::kDocs);
  if (!cur.ok()) return cur.status();
  std::string key = DocKey(doc);
  bool at = (*cur)->Seek(key);
  if (!at || (*cur)->key() != key) at = at ? (*cur)->Prev() : (*cur)->Last();
  if (!(*cur)->status().ok()) return (*cur)->status();
  if (!at || (*cur)->key().size() != 4) return Status::NotFound("no stored fields for document");
  uint32_t first = DecodeFixed32BE((*cur)->key().data());
  return ReadBlock(first, (*cur)->value(), doc, encoded);
}

Status DocBlockReader::ReadLive(const storage::Txn& txn, uint32_t doc, Document* out) {
  std::string_view encoded;
  Status s = Read(txn, doc, &encoded);
  if (!s.ok()) return s.IsNotFound() ? Status::Corruption("a live document has no stored fields") : s;
  if (!DecodeStoredDoc(encoded, out)) return Status::Corruption("stored document unreadable; rebuild the index");
  return Status::OK();
}

Status DocBlockReader::ReadBlock(uint32_t first, std::string_view v, uint32_t doc, std::string_view* encoded) {
  uint32_t count = 0;
  if (!GetVarint32(&v, &count) || count == 0 || count > v.size())
    return Status::Corruption("stored document block unreadable; rebuild the index");
  first_ = UINT32_MAX;
  docs_.clear();
  offsets_.assign(1, 0);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t delta = 0, len = 0;
    if (!GetVarint32(&v, &delta) || !GetVarint32(&v, &len))
      return Status::Corruption("stored document block unreadable; rebuild the index");
    docs_.push_back(first + delta);
    offsets_.push_back(offsets_.back() + len);
  }
  unsigned long long size = ZSTD_getFrameContentSize(v.data(), v.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size != offsets_.back())
    return Status::Corruption("stored document block unreadable; rebuild the index");
  raw_.resize(size);
  // One decompression context per thread, kept: ZSTD_decompress makes and
  // frees one each call, whose allocation (and the page faults of its fresh
  // memory) cost more than decompressing a block of headlines.
  struct Context {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ~Context() { ZSTD_freeDCtx(dctx); }
  };
  thread_local Context context;
  size_t n = context.dctx ? ZSTD_decompressDCtx(context.dctx, raw_.data(), raw_.size(), v.data(), v.size())
                          : ZSTD_decompress(raw_.data(), raw_.size(), v.data(), v.size());
  if (ZSTD_isError(n) || n != size) return Status::Corruption("stored document block unreadable; rebuild the index");
  first_ = first;
  auto it = std::lower_bound(docs_.begin(), docs_.end(), doc);
  if (it == docs_.end() || *it != doc) return Status::NotFound("no stored fields for document");
  size_t i = static_cast<size_t>(it - docs_.begin());
  *encoded = std::string_view(raw_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  return Status::OK();
}

}  // namespace loupe::format
