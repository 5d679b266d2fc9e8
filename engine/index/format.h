// On-disk record formats of a Loupe index (format version 2). Documented in
// docs/index-format.md; every encoder has its decoder here (PutX / GetX).
#ifndef LOUPE_INDEX_FORMAT_H_
#define LOUPE_INDEX_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loupe/document.h"
#include "util/coding.h"

namespace loupe::format {

inline constexpr size_t kBlockSize = 128;  // postings per block
inline constexpr Days kNoDate = INT32_MIN;
inline constexpr uint32_t kActorGap = 100;  // position gap between values of a multi-valued field
// The sentences of the text fields (title, body) are indexed as this term, at
// the position of each sentence's first token (beside that token), so that
// NEAR/s can tell whether two positions share a sentence. No analyzed term can
// be it: analysis keeps no control characters. Terms starting with 0x01 are
// reserved: prefix, fuzzy and dictionary scans skip them.
inline constexpr std::string_view kSentenceTerm = "\x01s";
inline bool IsReservedTerm(std::string_view term) { return !term.empty() && term[0] == '\x01'; }

// --- primitive coding (util/coding.h) --------------------------------------
using coding::DecodeFixed32BE;
using coding::DecodeFixed32LE;
using coding::DecodeFixed64LE;
using coding::GetLengthPrefixed;
using coding::GetVarint32;
using coding::GetVarint64;
using coding::PutFixed32BE;
using coding::PutFixed32LE;
using coding::PutFixed64LE;
using coding::PutLengthPrefixed;
using coding::PutVarint32;
using coding::PutVarint64;

// --- keys -------------------------------------------------------------------
// terms:      field(1) | term
// postings:   field(1) | term | 0x00 | first doc id (u32 big endian)
// positions:  same key as the postings block it belongs to
std::string TermKey(Field f, std::string_view term);
std::string BlockKeyPrefix(Field f, std::string_view term);  // TermKey + 0x00
std::string BlockKey(Field f, std::string_view term, uint32_t first_doc);
std::string DocKey(uint32_t doc);  // u32 big endian, so keys sort by doc id

// --- term dictionary entry --------------------------------------------------
struct TermInfo {
  uint32_t df = 0;      // live documents containing the term
  uint64_t cf = 0;      // total occurrences in live documents
  uint32_t blocks = 0;  // number of postings blocks
  // Over every posting ever written (retired ones too, so they stay bounds):
  uint32_t max_tf = 0;               // highest term frequency
  uint32_t min_length = UINT32_MAX;  // shortest field length of a document with the term
};
std::string EncodeTermInfo(const TermInfo& t);
bool DecodeTermInfo(std::string_view in, TermInfo* t);

// --- postings and positions blocks -----------------------------------------
// A block holds 1..kBlockSize postings in increasing doc order, bit-packed:
//   byte n-1 | varint first doc | varint last doc - first | varint max tf |
//   varint min field length | byte g | byte t |
//   (n-1) doc gaps minus one in g bits each | n tfs minus one in t bits each
// (little-endian bit order, each packed run padded to a whole byte). max tf and
// min field length bound the BM25 score of any posting in the block, so a top-k
// search can skip blocks without decoding them.
struct BlockHeader {
  uint32_t n = 0;
  uint32_t first_doc = 0, last_doc = 0;
  uint32_t max_tf = 0;
  uint32_t min_length = 0;
};
void EncodePostingsBlock(const uint32_t* docs, const uint32_t* tfs, size_t n, uint32_t min_length, std::string* out);
// Reads only the header. False on malformed input.
bool DecodeBlockHeader(std::string_view in, BlockHeader* h);
// Decodes a whole block into docs[0..n) and tfs[0..n) (arrays of kBlockSize).
// False on malformed input.
bool DecodePostingsBlock(std::string_view in, BlockHeader* h, uint32_t* docs, uint32_t* tfs);
// The two halves of DecodePostingsBlock, for readers that need the term
// frequencies only for some blocks (counting and intersecting need none).
bool DecodePostingsDocs(std::string_view in, BlockHeader* h, uint32_t* docs);
bool DecodePostingsTfs(std::string_view in, uint32_t* tfs);
// positions: the concatenated positions of the block's postings, counts[i] (the
// posting's tf) of them for posting i; each posting's positions are delta-coded
// from 0. The counts are not stored again: they are the postings block's tfs.
void EncodePositionsBlock(const uint32_t* counts, size_t n, const uint32_t* positions, std::string* out);
bool DecodePositionsBlock(std::string_view in, const uint32_t* counts, size_t n, std::vector<uint32_t>* positions);

// --- per-document values ----------------------------------------------------
// The fields whose lengths are stored (docvals, state): all but the custom
// fields, which are keywords without a length norm (their length is always 0).
inline constexpr int kNumLengthFields = 5;
static_assert(kNumLengthFields == static_cast<int>(Field::kCustom) && kNumFields == kNumLengthFields + 1);
struct DocValues {
  Days date = kNoDate;
  uint32_t lengths[kNumFields] = {};  // tokens per field (BM25 length norm); kCustom's is 0, not stored
  uint64_t fingerprint = 0;           // MinHash of the body's word shingles (fingerprint.h); 0: none
};
// The flags byte that starts the value (format version 6; version 5's was a
// fixed 32-byte record).
inline constexpr uint8_t kDocValuesDated = 1, kDocValuesFingerprint = 2;
inline constexpr size_t kDocValuesMaxSize = 1 + 5 + 5 * kNumLengthFields + 8;
std::string EncodeDocValues(const DocValues& v);
void AppendDocValues(const DocValues& v, std::string* out);
// False for a value that is not exactly one encoded record.
bool DecodeDocValues(std::string_view in, DocValues* v);
// Reads one record from the front of *in and advances past it; false for a
// malformed one (then *in is unspecified).
bool GetDocValues(std::string_view* in, DocValues* v);

// The docvals table keeps the records of kDocValuesPerBlock consecutive ids
// under one key (format version 7): DocKey(DocValuesBlockOf(doc)), the block's
// first id, a multiple of 64 (block 0 holds ids 1 to 63). Its value is, for
// each live document of the block in increasing id order, one byte (the id
// minus the block's first id) followed by the document's record. A block
// with no live document has no row. One row per document cost a headline
// about 28 bytes (LMDB's node header, the key and the checksum around a
// 9-byte record); a block costs it about 11.
inline constexpr uint32_t kDocValuesPerBlock = 64;
inline constexpr uint32_t DocValuesBlockOf(uint32_t doc) { return doc & ~(kDocValuesPerBlock - 1); }
struct DocValuesEntry {
  uint32_t doc = 0;
  DocValues values;
};
// entries: n ≥ 1, increasing ids, all in the block starting at `first`.
void EncodeDocValuesBlock(const DocValuesEntry* entries, size_t n, std::string* out);
// Replaces *out with the block's entries; false (and *out unspecified) unless
// `in` is one or more entries with increasing offsets below 64, none naming
// id 0, each a well-formed record, with nothing after the last.
bool DecodeDocValuesBlock(uint32_t first, std::string_view in, std::vector<DocValuesEntry>* out);

// --- stored document --------------------------------------------------------
std::string EncodeStoredDoc(const Document& d);
bool DecodeStoredDoc(std::string_view in, Document* d);

// --- index state (meta table, key "state") ----------------------------------
struct IndexState {
  uint32_t next_doc = 1;
  uint64_t live_docs = 0;
  uint64_t generation = 0;
  uint64_t total_lengths[kNumFields] = {};  // over live documents; kCustom's is 0, not stored
};
std::string EncodeIndexState(const IndexState& s);
bool DecodeIndexState(std::string_view in, IndexState* s);

inline constexpr std::string_view kMetaFormatKey = "format_version";
inline constexpr std::string_view kMetaStateKey = "state";
inline constexpr std::string_view kMetaAnalyzerKey = "analyzer";
// 8 random bytes (u64 LE) chosen when the index is created (compaction creates
// a new one): paging cursors name it, so one made for another index, or for
// this one before it was compacted or rebuilt, is refused.
inline constexpr std::string_view kMetaIndexIdKey = "index_id";

}  // namespace loupe::format

#endif  // LOUPE_INDEX_FORMAT_H_
