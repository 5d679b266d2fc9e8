// libFuzzer target for one corpus reader (the format is fixed at build time by
// LOUPE_FUZZ_FORMAT, one target per reader: see CMakeLists.txt and
// tools/fuzz.sh). Built with clang, AddressSanitizer and
// UndefinedBehaviorSanitizer. Besides crashes, leaks, undefined behaviour and
// hangs (libFuzzer's -timeout), it checks what the readers promise:
//  - every article has an id, starting with the file's id (a file's articles
//    are "ID" or "ID#KEY"), except JSON lines whose "id" field names it;
//  - titles stay within kMaxTitleBytes, and all text is valid UTF-8
//    (CleanText's promise, which the index relies on);
//  - parsing the same bytes twice gives the same articles (readers share no state).
#include <unicode/utf8.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "loupe/ingest/formats.h"

namespace {

// Reported by libFuzzer as a crash, with the input; the line says which promise broke.
#define Check(ok)                                                            \
  do {                                                                       \
    if (!(ok)) {                                                             \
      std::fprintf(stderr, "reader_fuzz.cc:%d: %s failed\n", __LINE__, #ok); \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

bool ValidUtf8(std::string_view s) {
  const char* p = s.data();
  const int32_t n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using loupe::ingest::Format;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Format format = Format::LOUPE_FUZZ_FORMAT;
  loupe::ingest::ParsedFile a = loupe::ingest::ParseFile(bytes, format, "f", "dir/f").value();
  for (const loupe::Document& d : a.docs) {
    Check(!d.id.empty());
    if (format != Format::kJsonLines) Check(d.id == "f" || d.id.rfind("f#", 0) == 0);
    Check(d.title.size() <= loupe::ingest::kMaxTitleBytes);
    Check(ValidUtf8(d.title) && ValidUtf8(d.body) && ValidUtf8(d.author));
    for (const std::string& v : d.actors) Check(ValidUtf8(v));
    for (const std::string& v : d.topics) Check(ValidUtf8(v));
  }
  for (const std::string& w : a.warnings) Check(!w.empty());
  loupe::ingest::ParsedFile b = loupe::ingest::ParseFile(bytes, format, "f", "dir/f").value();
  Check(a.docs.size() == b.docs.size() && a.warnings == b.warnings);
  for (size_t i = 0; i < a.docs.size(); ++i)
    Check(a.docs[i].id == b.docs[i].id && a.docs[i].title == b.docs[i].title && a.docs[i].body == b.docs[i].body);
  return 0;
}
