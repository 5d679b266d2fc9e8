// Round trips of every on-disk record codec, and rejection of damaged input.
#include "index/format.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "search/doc_table.h"

using namespace loupe;
using namespace loupe::format;

TEST_CASE("varints round trip at every width") {
  std::vector<uint64_t> values = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, uint64_t{1} << 40, UINT64_MAX};
  std::string buf;
  for (uint64_t v : values) PutVarint64(&buf, v);
  std::string_view in = buf;
  for (uint64_t v : values) {
    uint64_t got;
    REQUIRE(GetVarint64(&in, &got));
    CHECK(got == v);
  }
  CHECK(in.empty());
  std::string_view truncated("\x80\x80", 2);
  uint64_t x;
  CHECK_FALSE(GetVarint64(&truncated, &x));
  std::string big;
  PutVarint64(&big, uint64_t{1} << 33);
  std::string_view b = big;
  uint32_t y;
  CHECK_FALSE(GetVarint32(&b, &y));  // does not fit 32 bits
}

TEST_CASE("postings blocks round trip") {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 2000; ++trial) {
    size_t n = trial < 20 ? 1 + trial % 3 : 1 + rng() % kBlockSize;
    std::vector<uint32_t> docs, tfs;
    uint32_t spread = std::vector<uint32_t>{1, 2, 5, 100000, 1u << 20}[trial % 5];
    // Some blocks end right at the top of the doc id space.
    uint32_t d = trial % 7 == 0 ? UINT32_MAX - static_cast<uint32_t>(n) * spread : rng() % 1000;
    for (size_t i = 0; i < n; ++i) {
      d += (i ? 1 : 0) + rng() % spread;
      docs.push_back(d);
      tfs.push_back(trial % 3 == 0 ? 1 : 1 + rng() % (trial % 2 ? 3 : 5000));
    }
    uint32_t min_len = rng() % 1000;
    std::string enc;
    EncodePostingsBlock(docs.data(), tfs.data(), n, min_len, &enc);
    uint32_t gd[kBlockSize], gt[kBlockSize];
    BlockHeader h, hh;
    REQUIRE(DecodePostingsBlock(enc, &h, gd, gt));
    REQUIRE(DecodeBlockHeader(enc, &hh));
    REQUIRE(h.n == n);
    CHECK(std::vector<uint32_t>(gd, gd + n) == docs);
    CHECK(std::vector<uint32_t>(gt, gt + n) == tfs);
    CHECK(h.first_doc == docs.front());
    CHECK(h.last_doc == docs.back());
    CHECK(h.max_tf == *std::max_element(tfs.begin(), tfs.end()));
    CHECK(h.min_length == min_len);
    CHECK(hh.n == h.n);
    CHECK(hh.last_doc == h.last_doc);
    // Any strict prefix, or a byte more, is rejected.
    for (size_t cut = 0; cut < enc.size(); cut += 1 + enc.size() / 8)
      CHECK_FALSE(DecodePostingsBlock(std::string_view(enc).substr(0, cut), &h, gd, gt));
    CHECK_FALSE(DecodePostingsBlock(enc + "x", &h, gd, gt));
  }
}

TEST_CASE("postings blocks round trip at every bit width") {
  // Term frequencies take any 32-bit value, so they reach every packed width;
  // block sizes cover whole groups of eight, a tail, and a single group.
  std::mt19937 rng(7);
  for (uint32_t width = 1; width <= 32; ++width) {
    for (size_t n : {1, 7, 8, 9, 17, 64, 127, 128}) {
      const uint64_t top = uint64_t{1} << width;  // tf - 1 < top
      std::vector<uint32_t> docs, tfs;
      uint32_t d = 1;
      for (size_t i = 0; i < n; ++i) {
        d += 1 + rng() % (width < 20 ? (1u << width) : 1000u);
        docs.push_back(d);
        // tf - 1 of width bits; tf itself must fit 32 bits (so 2^32 - 2 at most).
        uint64_t most = std::min<uint64_t>(top - 1, uint64_t{UINT32_MAX} - 1);
        tfs.push_back(static_cast<uint32_t>(1 + (i == n / 2 ? most : rng() % (most + 1))));
      }
      std::string enc;
      EncodePostingsBlock(docs.data(), tfs.data(), n, 3, &enc);
      uint32_t gd[kBlockSize], gt[kBlockSize];
      BlockHeader h;
      INFO("width " << width << " n " << n);
      REQUIRE(DecodePostingsBlock(enc, &h, gd, gt));
      CHECK(std::vector<uint32_t>(gd, gd + n) == docs);
      CHECK(std::vector<uint32_t>(gt, gt + n) == tfs);
      // Decoding from a buffer that ends exactly at the value must not read past it.
      std::vector<char> exact(enc.begin(), enc.end());
      REQUIRE(DecodePostingsDocs(std::string_view(exact.data(), exact.size()), &h, gd));
      REQUIRE(DecodePostingsTfs(std::string_view(exact.data(), exact.size()), gt));
      CHECK(std::vector<uint32_t>(gt, gt + n) == tfs);
    }
  }
}

TEST_CASE("damaged postings blocks are rejected") {
  uint32_t gd[kBlockSize], gt[kBlockSize];
  BlockHeader h;
  CHECK_FALSE(DecodePostingsBlock("", &h, gd, gt));
  CHECK_FALSE(DecodePostingsBlock(std::string("\xFF\x01", 2), &h, gd, gt));  // n > block size
  std::vector<uint32_t> docs = {10, 11, 15}, tfs = {1, 4, 2};
  std::string enc;
  EncodePostingsBlock(docs.data(), tfs.data(), 3, 5, &enc);
  REQUIRE(DecodePostingsBlock(enc, &h, gd, gt));
  std::string bad = enc;
  bad[3] = 9;  // max tf that no posting has: the skip bound would lie
  CHECK_FALSE(DecodePostingsBlock(bad, &h, gd, gt));
  bad = enc;
  bad[2] = 9;  // last doc that the gaps do not reach
  CHECK_FALSE(DecodePostingsBlock(bad, &h, gd, gt));
  bad = enc;
  bad[5] = 40;  // bit width beyond 32
  CHECK_FALSE(DecodePostingsBlock(bad, &h, gd, gt));
}

TEST_CASE("positions blocks round trip") {
  std::vector<uint32_t> counts = {1, 3, 2};
  std::vector<uint32_t> pos = {7, 0, 5, 900, 2, 100000};
  std::string enc;
  EncodePositionsBlock(counts.data(), counts.size(), pos.data(), &enc);
  std::vector<uint32_t> gp;
  REQUIRE(DecodePositionsBlock(enc, counts.data(), counts.size(), &gp));
  CHECK(gp == pos);
  std::vector<uint32_t> more = {1, 3, 3};
  CHECK_FALSE(DecodePositionsBlock(enc, more.data(), more.size(), &gp));
  CHECK_FALSE(DecodePositionsBlock(enc + "x", counts.data(), counts.size(), &gp));
}

TEST_CASE("keys sort by term, then by first doc id") {
  CHECK(BlockKey(Field::kBody, "a", 5) < BlockKey(Field::kBody, "a", 256));
  CHECK(BlockKey(Field::kBody, "a", UINT32_MAX) < BlockKey(Field::kBody, "ab", 0));
  CHECK(TermKey(Field::kBody, "a") < TermKey(Field::kBody, "ab"));
  CHECK(BlockKey(Field::kTitle, "zzz", 1) < BlockKey(Field::kBody, "a", 1));
  CHECK(DocKey(1) < DocKey(256));
}

TEST_CASE("term info, doc values, state and stored docs round trip") {
  TermInfo t{12, 1u << 20, 3, 17, 4}, gt;
  REQUIRE(DecodeTermInfo(EncodeTermInfo(t), &gt));
  CHECK((gt.df == 12 && gt.cf == (1u << 20) && gt.blocks == 3 && gt.max_tf == 17 && gt.min_length == 4));
  TermInfo fresh, gf;  // a term with no postings yet keeps its "no bound" minimum
  REQUIRE(DecodeTermInfo(EncodeTermInfo(fresh), &gf));
  CHECK(gf.min_length == UINT32_MAX);

  DocValues v;
  v.date = -5;
  v.lengths[0] = 9;
  v.lengths[4] = 70000;
  DocValues gv;
  REQUIRE(DecodeDocValues(EncodeDocValues(v), &gv));
  CHECK(gv.date == -5);
  CHECK(gv.lengths[0] == 9);
  CHECK(gv.lengths[4] == 70000);
  CHECK_FALSE(DecodeDocValues("short", &gv));
  CHECK_FALSE(DecodeDocValues("", &gv));

  // The compact record (version 6): flags, a zigzag date, five varint
  // lengths, an 8-byte fingerprint only when there is one.
  DocValues h;
  h.date = 20000;  // 2024-10-04
  h.lengths[0] = 9;
  h.lengths[3] = 300;
  CHECK(EncodeDocValues(h) == std::string("\x01\xC0\xB8\x02\x09\x00\x00\xAC\x02\x00", 10));
  DocValues none;  // undated, empty, no fingerprint: the flags and five zeros
  CHECK(EncodeDocValues(none) == std::string(6, '\0'));
  for (Days date : {kNoDate, Days{0}, Days{-1}, Days{1}, Days{-719162}, Days{2932896}, INT32_MAX, INT32_MIN + 1}) {
    for (uint64_t fp : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}, uint64_t{0x0123456789ABCDEF}}) {
      DocValues e;
      e.date = date;
      e.fingerprint = fp;
      for (int i = 0; i < kNumLengthFields; ++i) e.lengths[i] = i == 2 ? UINT32_MAX : 7u * i;
      const std::string enc = EncodeDocValues(e);
      INFO("date " << date << ", fingerprint " << fp);
      CHECK(enc.size() <= kDocValuesMaxSize);
      DocValues g;
      REQUIRE(DecodeDocValues(enc, &g));
      CHECK(g.date == date);
      CHECK(g.fingerprint == fp);
      for (int i = 0; i < kNumLengthFields; ++i) CHECK(g.lengths[i] == e.lengths[i]);
      // Every shorter or longer value, or an unknown flag, is refused.
      for (size_t n = 0; n < enc.size(); ++n) CHECK_FALSE(DecodeDocValues(enc.substr(0, n), &g));
      CHECK_FALSE(DecodeDocValues(enc + '\0', &g));
      std::string flagged = enc;
      flagged[0] = static_cast<char>(flagged[0] | 4);
      CHECK_FALSE(DecodeDocValues(flagged, &g));
    }
  }
  // A flagged fingerprint of 0, or a date that is the mark of none, is no record.
  CHECK_FALSE(DecodeDocValues(std::string("\x02\0\0\0\0\0", 6) + std::string(8, '\0'), &gv));
  CHECK_FALSE(DecodeDocValues(std::string("\x01\xFF\xFF\xFF\xFF\x0F\0\0\0\0\0", 11), &gv));

  // Blocks of 64 ids (version 7): an offset byte, then the record, per live document.
  CHECK(DocValuesBlockOf(1) == 0);
  CHECK(DocValuesBlockOf(63) == 0);
  CHECK(DocValuesBlockOf(64) == 64);
  CHECK(DocValuesBlockOf(200) == 192);
  CHECK(DocValuesBlockOf(UINT32_MAX) == UINT32_MAX - 63);
  {
    std::vector<DocValuesEntry> in(3), out;
    in[0].doc = 129;
    in[0].values = h;
    in[1].doc = 130;
    in[2].doc = 191;
    in[2].values.fingerprint = 42;
    in[2].values.date = -3;
    std::string block;
    EncodeDocValuesBlock(in.data(), in.size(), &block);
    CHECK(block.substr(0, 11) == std::string("\x01\x01\xC0\xB8\x02\x09\x00\x00\xAC\x02\x00", 11));
    CHECK(block.substr(11, 7) == std::string("\x02\x00\x00\x00\x00\x00\x00", 7));
    CHECK(block.size() == 11 + 7 + 1 + 1 + 1 + 5 + 8);
    REQUIRE(DecodeDocValuesBlock(128, block, &out));
    REQUIRE(out.size() == 3);
    CHECK((out[0].doc == 129 && out[1].doc == 130 && out[2].doc == 191));
    CHECK((out[0].values.date == 20000 && out[0].values.lengths[3] == 300));
    CHECK((out[2].values.date == -3 && out[2].values.fingerprint == 42));
    // Under another key (not a multiple of 64), cut short, with trailing
    // bytes, empty, or with offsets that do not increase: unreadable.
    CHECK_FALSE(DecodeDocValuesBlock(129, block, &out));
    // (Cut between two entries, it is a shorter block: the checksum around
    // the value tells that apart.)
    for (size_t n = 0; n < block.size(); ++n) {
      INFO("the first " << n << " bytes");
      if (n == 11 || n == 18) {
        CHECK(DecodeDocValuesBlock(128, block.substr(0, n), &out));
        CHECK(out.size() == (n == 11 ? 1u : 2u));
      } else {
        CHECK_FALSE(DecodeDocValuesBlock(128, block.substr(0, n), &out));
      }
    }
    CHECK_FALSE(DecodeDocValuesBlock(128, block + '\x3f', &out));
    std::string swapped = block;
    swapped[0] = '\x02';  // 2, then 2 again
    CHECK_FALSE(DecodeDocValuesBlock(128, swapped, &out));
    std::string beyond = block;
    beyond[block.size() - 16] = '\x40';  // offset 64 is the next block's
    CHECK_FALSE(DecodeDocValuesBlock(128, beyond, &out));
    // Id 0 is no document: block 0 starts at offset 1.
    in[0].doc = 0;
    EncodeDocValuesBlock(in.data(), 1, &block);
    CHECK_FALSE(DecodeDocValuesBlock(0, block, &out));
    in[0].doc = 1;
    EncodeDocValuesBlock(in.data(), 1, &block);
    REQUIRE(DecodeDocValuesBlock(0, block, &out));
    CHECK(out[0].doc == 1);
  }

  IndexState s;
  s.next_doc = 77;
  s.live_docs = 70;
  s.generation = 5;
  s.total_lengths[1] = 123456789012ULL;
  IndexState gs;
  REQUIRE(DecodeIndexState(EncodeIndexState(s), &gs));
  CHECK((gs.next_doc == 77 && gs.live_docs == 70 && gs.generation == 5 && gs.total_lengths[1] == 123456789012ULL));

  Document d;
  d.id = "articles/x.txt";
  d.path = "/tmp/articles/x.txt";
  d.title = "Title";
  d.body = "Body\nwith lines \xE4\xB8\xAD";
  d.author = "A. Writer";
  d.actors = {"Scott Bessent", "He Lifeng"};
  d.topics = {"tariffs"};
  d.date = 20000;
  d.language = "en";
  d.extra = {{"Source", "Loupe Newsroom"}};
  std::string enc = EncodeStoredDoc(d);
  Document g;
  REQUIRE(DecodeStoredDoc(enc, &g));
  CHECK(g.id == d.id);
  CHECK(g.path == d.path);
  CHECK(g.title == d.title);
  CHECK(g.body == d.body);
  CHECK(g.author == d.author);
  CHECK(g.actors == d.actors);
  CHECK(g.topics == d.topics);
  CHECK(g.date == d.date);
  CHECK(g.language == d.language);
  CHECK(g.extra == d.extra);
  for (size_t cut = 0; cut < enc.size(); ++cut) CHECK_FALSE(DecodeStoredDoc(std::string_view(enc).substr(0, cut), &g));
  Document undated;
  undated.id = "u";
  REQUIRE(DecodeStoredDoc(EncodeStoredDoc(undated), &g));
  CHECK_FALSE(g.date.has_value());
}

TEST_CASE("field lengths as one-byte codes: exact when short, within an eighth, monotonic") {
  uint8_t prev = 0;
  for (uint64_t len = 0; len <= UINT32_MAX; len = len < 5000 ? len + 1 : len + len / 997 + 1) {
    uint32_t l = static_cast<uint32_t>(len);
    uint8_t code = loupe::EncodeLength(l);
    INFO("length " << l);
    REQUIRE(code >= prev);  // monotonic: block bounds stay bounds
    prev = code;
    uint32_t low = loupe::DecodeLength(code);
    REQUIRE(low <= l);
    REQUIRE(loupe::EncodeLength(low) == code);
    if (l < 32) REQUIRE(low == l);
    REQUIRE(static_cast<double>(l - low) <= static_cast<double>(l) / 8);
  }
  CHECK(loupe::EncodeLength(UINT32_MAX) == 32 + 26 * 8 + 7);
  for (int code = 0; code < 256; ++code)  // every code decodes (the factor table covers all 256)
    CHECK(loupe::DecodeLength(static_cast<uint8_t>(code)) <= loupe::DecodeLength(255));
}
