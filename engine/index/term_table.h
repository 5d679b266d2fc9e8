// TermTable: interns (field, term) keys of a write batch to dense ids, so that
// inversion appends to per-term postings without sorting tokens or building a
// key string per occurrence.
#ifndef LOUPE_ENGINE_INDEX_TERM_TABLE_H_
#define LOUPE_ENGINE_INDEX_TERM_TABLE_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"

namespace loupe {

class TermTable {
 public:
  // The id of (field, term), adding it if new; h = Hash(field, term), computed
  // beforehand (on an analysis thread). REQUIRES: term.size() < 65535.
  //
  // A table of a large batch is far bigger than the caches, so a look-up
  // costs its cache misses: the slot holds where its key starts in the arena,
  // and the arena holds each key's length before it, so that a hit reads the
  // slot and one place of the arena (not the offsets and ends of the ids too).
  uint32_t Intern(Field field, std::string_view term, uint64_t h) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Rehash();
    const size_t n = term.size() + 1;  // the key: field byte, then the term
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id == kEmpty) {
        const uint32_t id = static_cast<uint32_t>(offsets_.size());
        s = Slot{h, id, static_cast<uint32_t>(arena_.size())};
        arena_.push_back(static_cast<char>(n & 0xFF));
        arena_.push_back(static_cast<char>(n >> 8));
        offsets_.push_back(static_cast<uint32_t>(arena_.size()));
        arena_.push_back(static_cast<char>(field));
        arena_.append(term);
        ++size_;
        return id;
      }
      if (s.hash == h) {
        const char* k = arena_.data() + s.at;
        const size_t len = static_cast<unsigned char>(k[0]) | static_cast<size_t>(static_cast<unsigned char>(k[1]))
                                                                  << 8;
        if (len == n && k[2] == static_cast<char>(field) && std::memcmp(k + 3, term.data(), term.size()) == 0)
          return s.id;
      }
    }
  }
  static uint64_t Hash(Field field, std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ull ^ static_cast<uint8_t>(field);  // FNV-1a, then a final mix
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
  }
  // The key of an id: one field byte, then the term bytes (format::TermKey).
  std::string_view key(uint32_t id) const {
    const char* k = arena_.data() + offsets_[id];
    const size_t len = static_cast<unsigned char>(k[-2]) | static_cast<size_t>(static_cast<unsigned char>(k[-1])) << 8;
    return std::string_view(k, len);
  }
  size_t size() const { return offsets_.size(); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash;
    uint32_t id;
    uint32_t at;  // where the key's length is in arena_
  };
  void Rehash() {
    size_t n = slots_.empty() ? 1024 : slots_.size() * 2;
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(n, Slot{0, kEmpty, 0});
    mask_ = n - 1;
    for (const Slot& s : old) {
      if (s.id == kEmpty) continue;
      size_t i = s.hash & mask_;
      while (slots_[i].id != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
  std::vector<uint32_t> offsets_;  // by id: where its key's bytes start in arena_
  std::string arena_;              // per key: its length (2 bytes, little-endian), then its bytes
};

}  // namespace loupe

#endif  // LOUPE_ENGINE_INDEX_TERM_TABLE_H_
