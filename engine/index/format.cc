#include "index/format.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace loupe::format {

std::string TermKey(Field f, std::string_view term) {
  std::string k;
  k.reserve(term.size() + 1);
  k.push_back(static_cast<char>(f));
  k.append(term);
  return k;
}

std::string BlockKeyPrefix(Field f, std::string_view term) {
  std::string k = TermKey(f, term);
  k.push_back('\0');
  return k;
}

std::string BlockKey(Field f, std::string_view term, uint32_t first_doc) {
  std::string k = BlockKeyPrefix(f, term);
  PutFixed32BE(&k, first_doc);
  return k;
}

std::string DocKey(uint32_t doc) {
  std::string k;
  PutFixed32BE(&k, doc);
  return k;
}

std::string EncodeTermInfo(const TermInfo& t) {
  std::string s;
  PutVarint32(&s, t.df);
  PutVarint64(&s, t.cf);
  PutVarint32(&s, t.blocks);
  PutVarint32(&s, t.max_tf);
  PutVarint32(&s, t.min_length);
  return s;
}

bool DecodeTermInfo(std::string_view in, TermInfo* t) {
  return GetVarint32(&in, &t->df) && GetVarint64(&in, &t->cf) && GetVarint32(&in, &t->blocks) &&
         GetVarint32(&in, &t->max_tf) && GetVarint32(&in, &t->min_length) && in.empty();
}

namespace {

uint32_t BitsFor(uint32_t v) { return v == 0 ? 0 : 32 - static_cast<uint32_t>(__builtin_clz(v)); }

// Appends n values of `bits` bits each, LSB first, padded to a byte.
void PackBits(const uint32_t* v, size_t n, uint32_t bits, std::string* out) {
  if (bits == 0 || n == 0) return;
  uint64_t acc = 0;
  uint32_t have = 0;
  for (size_t i = 0; i < n; ++i) {
    acc |= static_cast<uint64_t>(v[i]) << have;
    have += bits;
    while (have >= 8) {
      out->push_back(static_cast<char>(acc & 0xFF));
      acc >>= 8;
      have -= 8;
    }
  }
  if (have > 0) out->push_back(static_cast<char>(acc & 0xFF));
}

size_t PackedBytes(size_t n, uint32_t bits) { return (n * bits + 7) / 8; }

// Eight values of B bits (B bytes) from p, with every shift a constant. Reads
// up to 8 bytes past the group's last value byte; callers make sure they exist.
template <uint32_t B>
inline void UnpackGroup(const unsigned char* p, uint32_t* v) {
  constexpr uint64_t kMask = (uint64_t{1} << B) - 1;
  for (uint32_t j = 0; j < 8; ++j) {  // unrolled by the compiler: j * B is constant
    uint64_t w;
    std::memcpy(&w, p + (j * B) / 8, 8);
    v[j] = static_cast<uint32_t>((w >> ((j * B) % 8)) & kMask);
  }
}

template <uint32_t B>
size_t UnpackGroups(const unsigned char* p, size_t n, size_t bytes, uint32_t* v) {
  size_t g = 0;
  // Group g reads bytes [g * B, g * B + (7 * B) / 8 + 8).
  for (; (g + 1) * 8 <= n && g * B + (7 * B) / 8 + 8 <= bytes; ++g) UnpackGroup<B>(p + g * B, v + g * 8);
  return g * 8;
}

using GroupFn = size_t (*)(const unsigned char*, size_t, size_t, uint32_t*);
template <size_t... I>
constexpr std::array<GroupFn, sizeof...(I)> MakeGroupTable(std::index_sequence<I...>) {
  return {&UnpackGroups<static_cast<uint32_t>(I + 1)>...};
}
constexpr auto kGroupFns = MakeGroupTable(std::make_index_sequence<32>());

// Reads n values of `bits` bits from p (PackedBytes(n, bits) bytes).
void UnpackBits(const unsigned char* p, size_t n, uint32_t bits, uint32_t* v) {
  if (bits == 0) {
    for (size_t i = 0; i < n; ++i) v[i] = 0;
    return;
  }
  const size_t bytes = PackedBytes(n, bits);
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  // Whole groups of eight with constant shifts, then the rest one by one.
  size_t i = kGroupFns[bits - 1](p, n, bytes, v);
  size_t bit = i * bits;
  // Fast part: an 8-byte window fits inside the run.
  for (; i < n && (bit >> 3) + 8 <= bytes; ++i, bit += bits) {
    uint64_t w;
    std::memcpy(&w, p + (bit >> 3), 8);
    v[i] = static_cast<uint32_t>((w >> (bit & 7)) & mask);
  }
  for (; i < n; ++i, bit += bits) {
    uint64_t w = 0;
    size_t at = bit >> 3;
    for (size_t k = 0; k < 8 && at + k < bytes; ++k) w |= static_cast<uint64_t>(p[at + k]) << (8 * k);
    v[i] = static_cast<uint32_t>((w >> (bit & 7)) & mask);
  }
}

}  // namespace

void EncodePostingsBlock(const uint32_t* docs, const uint32_t* tfs, size_t n, uint32_t min_length, std::string* out) {
  out->clear();
  uint32_t gaps[kBlockSize], tf1[kBlockSize];
  uint32_t max_gap = 0, max_tf1 = 0;
  for (size_t i = 1; i < n; ++i) {
    gaps[i - 1] = docs[i] - docs[i - 1] - 1;
    max_gap = std::max(max_gap, gaps[i - 1]);
  }
  for (size_t i = 0; i < n; ++i) {
    tf1[i] = tfs[i] - 1;
    max_tf1 = std::max(max_tf1, tf1[i]);
  }
  uint32_t g = BitsFor(max_gap), t = BitsFor(max_tf1);
  out->push_back(static_cast<char>(n - 1));
  PutVarint32(out, docs[0]);
  PutVarint32(out, docs[n - 1] - docs[0]);
  PutVarint32(out, max_tf1 + 1);
  PutVarint32(out, min_length);
  out->push_back(static_cast<char>(g));
  out->push_back(static_cast<char>(t));
  PackBits(gaps, n - 1, g, out);
  PackBits(tf1, n, t, out);
}

namespace {

bool ParseHeader(std::string_view* in, BlockHeader* h, uint32_t* g, uint32_t* t) {
  if (in->empty()) return false;
  h->n = static_cast<unsigned char>((*in)[0]) + 1u;
  in->remove_prefix(1);
  uint32_t span;
  if (h->n > kBlockSize || !GetVarint32(in, &h->first_doc) || !GetVarint32(in, &span) || !GetVarint32(in, &h->max_tf) ||
      !GetVarint32(in, &h->min_length) || in->size() < 2)
    return false;
  if (span > UINT32_MAX - h->first_doc || h->max_tf == 0 || span < h->n - 1) return false;
  h->last_doc = h->first_doc + span;
  *g = static_cast<unsigned char>((*in)[0]);
  *t = static_cast<unsigned char>((*in)[1]);
  in->remove_prefix(2);
  return *g <= 32 && *t <= 32 && in->size() == PackedBytes(h->n - 1, *g) + PackedBytes(h->n, *t);
}

}  // namespace

bool DecodeBlockHeader(std::string_view in, BlockHeader* h) {
  uint32_t g, t;
  return ParseHeader(&in, h, &g, &t);
}

bool DecodePostingsDocs(std::string_view in, BlockHeader* h, uint32_t* docs) {
  uint32_t g, t;
  if (!ParseHeader(&in, h, &g, &t)) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const uint32_t n = h->n;
  UnpackBits(p, n - 1, g, docs + 1);
  uint64_t d = h->first_doc;
  docs[0] = h->first_doc;
  for (uint32_t i = 1; i < n; ++i) {
    d += uint64_t{docs[i]} + 1;
    docs[i] = static_cast<uint32_t>(d);
  }
  // The header's bounds must describe the postings, or skipping would be wrong.
  return d == h->last_doc;
}

bool DecodePostingsTfs(std::string_view in, uint32_t* tfs) {
  BlockHeader h;
  uint32_t g, t;
  if (!ParseHeader(&in, &h, &g, &t)) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  UnpackBits(p + PackedBytes(h.n - 1, g), h.n, t, tfs);
  uint32_t max_tf = 0;
  for (uint32_t i = 0; i < h.n; ++i) {
    tfs[i] += 1;
    max_tf = std::max(max_tf, tfs[i]);
  }
  return max_tf == h.max_tf;
}

bool DecodePostingsBlock(std::string_view in, BlockHeader* h, uint32_t* docs, uint32_t* tfs) {
  return DecodePostingsDocs(in, h, docs) && DecodePostingsTfs(in, tfs);
}

void EncodePositionsBlock(const uint32_t* counts, size_t n, const uint32_t* positions, std::string* out) {
  // Sized for the worst case (5 bytes a position) and written through a
  // pointer: a varint appended at a time cost a call and a capacity check
  // per position, the most numerous values an index writes.
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += counts[i];
  out->resize(total * 5);
  auto* const begin = reinterpret_cast<uint8_t*>(out->data());
  uint8_t* p = begin;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t prev = 0;
    for (uint32_t j = 0; j < counts[i]; ++j, ++k) {
      uint32_t v = positions[k] - prev;
      prev = positions[k];
      while (v >= 0x80) {
        *p++ = static_cast<uint8_t>(v | 0x80);
        v >>= 7;
      }
      *p++ = static_cast<uint8_t>(v);
    }
  }
  out->resize(static_cast<size_t>(p - begin));
}

bool DecodePositionsBlock(std::string_view in, const uint32_t* counts, size_t n, std::vector<uint32_t>* positions) {
  positions->clear();
  for (size_t i = 0; i < n; ++i) {
    if (counts[i] > in.size()) return false;
    uint32_t prev = 0;
    for (uint32_t j = 0; j < counts[i]; ++j) {
      uint32_t d;
      if (!GetVarint32(&in, &d) || d > UINT32_MAX - prev) return false;
      prev += d;
      positions->push_back(prev);
    }
  }
  return in.empty();
}

// A flags byte (bit 0: dated, bit 1: a fingerprint), the date as a zigzag
// varint when dated, the five lengths as varints, the fingerprint as 8 bytes
// LE when there is one: 9 bytes for a short dated article against the 32 of
// version 5's fixed record, which was a quarter of a headline's index.
void AppendDocValues(const DocValues& v, std::string* out) {
  const bool dated = v.date != kNoDate;
  out->push_back(static_cast<char>((dated ? kDocValuesDated : 0) | (v.fingerprint ? kDocValuesFingerprint : 0)));
  if (dated) {
    const uint32_t d = static_cast<uint32_t>(v.date);
    PutVarint32(out, (d << 1) ^ static_cast<uint32_t>(v.date >> 31));  // zigzag: small either side of 1970
  }
  for (int i = 0; i < kNumLengthFields; ++i) PutVarint32(out, v.lengths[i]);
  if (v.fingerprint) PutFixed64LE(out, v.fingerprint);
}

std::string EncodeDocValues(const DocValues& v) {
  std::string s;
  AppendDocValues(v, &s);
  return s;
}

bool GetDocValues(std::string_view* in, DocValues* v) {
  if (in->empty()) return false;
  const uint8_t flags = static_cast<uint8_t>((*in)[0]);
  if (flags & ~(kDocValuesDated | kDocValuesFingerprint)) return false;
  in->remove_prefix(1);
  v->date = kNoDate;
  if (flags & kDocValuesDated) {
    uint32_t z;
    if (!GetVarint32(in, &z)) return false;
    v->date = static_cast<Days>((z >> 1) ^ (0u - (z & 1)));
    if (v->date == kNoDate) return false;  // the mark of no date is never a date
  }
  for (int i = 0; i < kNumLengthFields; ++i)
    if (!GetVarint32(in, &v->lengths[i])) return false;
  v->lengths[static_cast<int>(Field::kCustom)] = 0;
  v->fingerprint = 0;
  if (flags & kDocValuesFingerprint) {
    if (in->size() < 8) return false;
    v->fingerprint = DecodeFixed64LE(in->data());
    if (v->fingerprint == 0) return false;  // flagged, so not none
    in->remove_prefix(8);
  }
  return true;
}

bool DecodeDocValues(std::string_view in, DocValues* v) { return GetDocValues(&in, v) && in.empty(); }

void EncodeDocValuesBlock(const DocValuesEntry* entries, size_t n, std::string* out) {
  out->clear();
  for (size_t i = 0; i < n; ++i) {
    out->push_back(static_cast<char>(entries[i].doc - DocValuesBlockOf(entries[i].doc)));
    AppendDocValues(entries[i].values, out);
  }
}

bool DecodeDocValuesBlock(uint32_t first, std::string_view in, std::vector<DocValuesEntry>* out) {
  out->clear();
  if (in.empty() || first % kDocValuesPerBlock != 0) return false;
  int last = -1;
  while (!in.empty()) {
    const int offset = static_cast<uint8_t>(in[0]);
    if (offset <= last || offset >= static_cast<int>(kDocValuesPerBlock) || (first == 0 && offset == 0)) return false;
    in.remove_prefix(1);
    DocValuesEntry& e = out->emplace_back();
    e.doc = first + static_cast<uint32_t>(offset);
    if (!GetDocValues(&in, &e.values)) return false;
    last = offset;
  }
  return true;
}

// Stored document: a version byte, then length-prefixed fields in a fixed order.
std::string EncodeStoredDoc(const Document& d) {
  // Sized once (each field's bytes plus at most 5 for its length): the string
  // grew two or three times per document.
  size_t size = 1 + 4 + 3 * 5 + 5 * 5 + d.id.size() + d.path.size() + d.title.size() + d.author.size() +
                d.language.size() + 5 + d.body.size();
  for (const auto& a : d.actors) size += 5 + a.size();
  for (const auto& t : d.topics) size += 5 + t.size();
  for (const auto& [k, v] : d.extra) size += 10 + k.size() + v.size();
  std::string s;
  s.reserve(size);
  s.push_back('\x01');
  PutLengthPrefixed(&s, d.id);
  PutLengthPrefixed(&s, d.path);
  PutLengthPrefixed(&s, d.title);
  PutLengthPrefixed(&s, d.author);
  PutLengthPrefixed(&s, d.language);
  PutFixed32LE(&s, static_cast<uint32_t>(d.date ? *d.date : kNoDate));
  PutVarint32(&s, static_cast<uint32_t>(d.actors.size()));
  for (const auto& a : d.actors) PutLengthPrefixed(&s, a);
  PutVarint32(&s, static_cast<uint32_t>(d.topics.size()));
  for (const auto& t : d.topics) PutLengthPrefixed(&s, t);
  PutVarint32(&s, static_cast<uint32_t>(d.extra.size()));
  for (const auto& [k, v] : d.extra) {
    PutLengthPrefixed(&s, k);
    PutLengthPrefixed(&s, v);
  }
  PutLengthPrefixed(&s, d.body);
  return s;
}

bool DecodeStoredDoc(std::string_view in, Document* d) {
  *d = Document();
  if (in.empty() || in[0] != '\x01') return false;
  in.remove_prefix(1);
  std::string_view s;
  auto str = [&](std::string* out) {
    if (!GetLengthPrefixed(&in, &s)) return false;
    out->assign(s);
    return true;
  };
  if (!str(&d->id) || !str(&d->path) || !str(&d->title) || !str(&d->author) || !str(&d->language)) return false;
  if (in.size() < 4) return false;
  Days date = static_cast<Days>(DecodeFixed32LE(in.data()));
  in.remove_prefix(4);
  if (date != kNoDate) d->date = date;
  uint32_t n;
  if (!GetVarint32(&in, &n) || n > in.size()) return false;
  d->actors.resize(n);
  for (auto& a : d->actors)
    if (!str(&a)) return false;
  if (!GetVarint32(&in, &n) || n > in.size()) return false;
  d->topics.resize(n);
  for (auto& t : d->topics)
    if (!str(&t)) return false;
  if (!GetVarint32(&in, &n) || n > in.size()) return false;
  d->extra.resize(n);
  for (auto& [k, v] : d->extra)
    if (!str(&k) || !str(&v)) return false;
  if (!str(&d->body)) return false;
  return in.empty();
}

std::string EncodeIndexState(const IndexState& st) {
  std::string s;
  PutFixed32LE(&s, st.next_doc);
  PutFixed64LE(&s, st.live_docs);
  PutFixed64LE(&s, st.generation);
  for (int i = 0; i < kNumLengthFields; ++i) PutFixed64LE(&s, st.total_lengths[i]);
  return s;
}

bool DecodeIndexState(std::string_view in, IndexState* st) {
  if (in.size() != 4 + 8 + 8 + 8 * kNumLengthFields) return false;
  const char* p = in.data();
  st->next_doc = DecodeFixed32LE(p);
  st->live_docs = DecodeFixed64LE(p + 4);
  st->generation = DecodeFixed64LE(p + 12);
  for (int i = 0; i < kNumLengthFields; ++i) st->total_lengths[i] = DecodeFixed64LE(p + 20 + 8 * i);
  st->total_lengths[static_cast<int>(Field::kCustom)] = 0;
  return true;
}

}  // namespace loupe::format
