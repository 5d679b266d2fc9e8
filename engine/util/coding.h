// Primitive coding of integers and strings into byte strings: LEB128 varints,
// fixed-width integers, length-prefixed strings. The index's records
// (index/format.h) are built from these, and the CLI's saved state of a folder
// (tools/cli/cmd_index.cc) uses the same varints rather than a codec of its own.
#ifndef LOUPE_UTIL_CODING_H_
#define LOUPE_UTIL_CODING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace loupe::coding {

void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
// Reads a varint from *in, advancing it. False if truncated or overlong.
bool GetVarint32(std::string_view* in, uint32_t* v);
bool GetVarint64(std::string_view* in, uint64_t* v);
void PutFixed32BE(std::string* dst, uint32_t v);
uint32_t DecodeFixed32BE(const char* p);
void PutFixed32LE(std::string* dst, uint32_t v);
uint32_t DecodeFixed32LE(const char* p);
void PutFixed64LE(std::string* dst, uint64_t v);
uint64_t DecodeFixed64LE(const char* p);
void PutLengthPrefixed(std::string* dst, std::string_view s);
bool GetLengthPrefixed(std::string_view* in, std::string_view* s);

}  // namespace loupe::coding

#endif  // LOUPE_UTIL_CODING_H_
