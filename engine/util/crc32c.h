// CRC-32C (Castagnoli), the checksum every value of an index ends with (see
// storage/lmdb.h). Uses the SSE4.2 crc32 instruction when the CPU has it (about
// 8 bytes a cycle), else a table (about a byte a cycle).
#ifndef LOUPE_UTIL_CRC32C_H_
#define LOUPE_UTIL_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace loupe {

// Extends `crc` (0 to start) with `data`.
uint32_t Crc32c(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(uint32_t crc, std::string_view s) { return Crc32c(crc, s.data(), s.size()); }

}  // namespace loupe

#endif  // LOUPE_UTIL_CRC32C_H_
