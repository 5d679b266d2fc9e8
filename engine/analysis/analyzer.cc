// ICU + Snowball analyzer. See loupe/analyzer.h for the pipeline.
//
// ICU works on UTF-16, callers give UTF-8 and want UTF-8 byte offsets back, so the
// input is converted once per call into a reused UTF-16 buffer together with a
// table mapping each UTF-16 unit to the byte offset it came from.
#include "loupe/analyzer.h"

#include <libstemmer.h>
#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "util/guard.h"
#include "util/utf8.h"

namespace loupe {
namespace {

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

Status UnknownStemmer(const std::string& language) {
  return Status::InvalidArgument("unknown stemmer language '" + language +
                                 "' (try english, french, german, spanish, ...)");
}

// ASCII character classes of the Unicode word-break rules (UAX #29) as ICU's
// root rules apply them.
enum : uint8_t { kOther = 0, kLetter = 1, kDigit = 2, kMidLetter = 4, kMidNum = 8, kUnderscore = 16, kSpace = 32 };

constexpr auto kAsciiClass = [] {
  std::array<uint8_t, 128> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kLetter;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  t['.'] = kMidLetter | kMidNum;   // MidNumLet
  t['\''] = kMidLetter | kMidNum;  // Single_Quote
  t['@'] = kLetter;                // ICU's root rules count '@' as ALetter (e-mail addresses stay whole)
  // ':' is MidLetter in UAX #29 but not in ICU's root rules, so it breaks words.
  t[','] = kMidNum;
  t[';'] = kMidNum;
  t['_'] = kUnderscore;  // ExtendNumLet
  for (int c : {' ', '\t', '\n', '\r', '\f', '\v'}) t[c] = kSpace;
  return t;
}();

// Folded term -> stem, so that frequent words are stemmed once. Open
// addressing over an arena; cleared when full (the working set of a language is
// far smaller than the cap).
class StemCache {
 public:
  // Returns the cached stem of `term`, or nullptr.
  const std::string_view* Find(std::string_view term, uint64_t h) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key_len == 0) return nullptr;
      if (s.hash == h && s.key_len == term.size() &&
          std::memcmp(arena_.data() + s.key_off, term.data(), term.size()) == 0) {
        view_ = std::string_view(arena_.data() + s.key_off + s.key_len, s.val_len);
        return &view_;
      }
    }
  }
  void Insert(std::string_view term, std::string_view stem, uint64_t h) {
    if (term.empty() || term.size() > 64 || stem.size() > 255) return;
    if (slots_.empty() || arena_.size() > kMaxArena) {
      Reset(kFirstSlots);
    } else if ((count_ + 1) * 4 > slots_.size() * 3) {
      if (slots_.size() < kSlots)
        Grow();
      else
        Reset(kSlots);
    }
    size_t i = h & mask_;
    while (slots_[i].key_len != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{h, static_cast<uint32_t>(arena_.size()), static_cast<uint8_t>(term.size()),
                     static_cast<uint8_t>(stem.size())};
    arena_.append(term);
    arena_.append(stem);
    ++count_;
  }
  static uint64_t Hash(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h ^ (h >> 29);
  }

 private:
  struct Slot {
    uint64_t hash;
    uint32_t key_off;
    uint8_t key_len, val_len;
  };
  // The table starts small and doubles up to kSlots (96k entries at 3/4
  // load): an analyzer made for one query (one per stemming language of the
  // index) zeroed 2 MiB for each up front, 11 ms a search on an index with
  // ten languages.
  static constexpr size_t kFirstSlots = size_t{1} << 8;
  static constexpr size_t kSlots = size_t{1} << 17;
  static constexpr size_t kMaxArena = size_t{8} << 20;
  void Reset(size_t slots) {
    slots_.assign(slots, Slot{0, 0, 0, 0});
    mask_ = slots - 1;
    arena_.clear();
    count_ = 0;
  }
  void Grow() {
    std::vector<Slot> old(slots_.size() * 2, Slot{0, 0, 0, 0});
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.key_len == 0) continue;
      size_t i = s.hash & mask_;
      while (slots_[i].key_len != 0) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, count_ = 0;
  std::string arena_;
  mutable std::string_view view_;
};

// Sentence_Break classes (UAX #29): the ASCII ones from a table, the others
// from ICU's character property.
enum SentenceClass : uint8_t {
  kSbOther,
  kSbSp,
  kSbCr,
  kSbLf,
  kSbSep,
  kSbLower,
  kSbUpper,
  kSbOLetter,
  kSbNumeric,
  kSbATerm,
  kSbSTerm,
  kSbClose,
  kSbSContinue,
  kSbExtend,
  kSbFormat
};
constexpr auto kSentenceClass = [] {
  std::array<uint8_t, 128> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kSbLower;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kSbUpper;
  for (int c = '0'; c <= '9'; ++c) t[c] = kSbNumeric;
  for (int c : {' ', '\t', '\v', '\f'}) t[c] = kSbSp;
  t['\r'] = kSbCr;
  t['\n'] = kSbLf;
  t['.'] = kSbATerm;
  for (int c : {'!', '?'}) t[c] = kSbSTerm;
  for (int c : {'"', '\'', '(', ')', '[', ']', '{', '}'}) t[c] = kSbClose;
  for (int c : {',', '-', ':'}) t[c] = kSbSContinue;
  return t;
}();

// The ASCII bytes that may end a sentence: terminators and line ends.
constexpr auto kSentenceStop = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 128; ++c) {
    const uint8_t k = kSentenceClass[c];
    t[c] = k == kSbATerm || k == kSbSTerm || k == kSbCr || k == kSbLf || k == kSbSep;
  }
  return t;
}();

uint8_t SentenceClassOf(UChar32 c) {
  if (c < 0x80) return kSentenceClass[static_cast<uint8_t>(c)];
  switch (u_getIntPropertyValue(c, UCHAR_SENTENCE_BREAK)) {
    case U_SB_SP:
      return kSbSp;
    case U_SB_CR:
      return kSbCr;
    case U_SB_LF:
      return kSbLf;
    case U_SB_SEP:
      return kSbSep;
    case U_SB_LOWER:
      return kSbLower;
    case U_SB_UPPER:
      return kSbUpper;
    case U_SB_OLETTER:
      return kSbOLetter;
    case U_SB_NUMERIC:
      return kSbNumeric;
    case U_SB_ATERM:
      return kSbATerm;
    case U_SB_STERM:
      return kSbSTerm;
    case U_SB_CLOSE:
      return kSbClose;
    case U_SB_SCONTINUE:
      return kSbSContinue;
    case U_SB_EXTEND:
      return kSbExtend;
    case U_SB_FORMAT:
      return kSbFormat;
    default:
      return kSbOther;
  }
}

// The rules of FastSentenceStarts over n code points, where cls(i) is the
// sentence class of code point i and at(i) its byte offset.
// skip(i) is the first code point from i on that may end a sentence (a
// paragraph separator or a terminator), or n.
template <typename Cls, typename At, typename Skip>
void SentenceRules(size_t n, Cls cls, At at, Skip skip, std::vector<uint32_t>* starts) {
  auto para = [](uint8_t c) { return c == kSbCr || c == kSbLf || c == kSbSep; };
  auto add = [&](size_t i) {
    if (i < n) starts->push_back(at(i));
  };
  if (n > 0) starts->push_back(0);
  for (size_t i = skip(0); i < n; i = skip(i + 1)) {
    uint8_t c = cls(i);
    if (para(c)) {  // SB3, SB4
      if (c == kSbCr && i + 1 < n && cls(i + 1) == kSbLf) ++i;
      add(i + 1);
      continue;
    }
    if (c != kSbATerm && c != kSbSTerm) continue;
    if (c == kSbATerm && i + 1 < n) {
      uint8_t next = cls(i + 1);
      if (next == kSbNumeric) continue;                                                               // SB6
      if (next == kSbUpper && i > 0 && (cls(i - 1) == kSbUpper || cls(i - 1) == kSbLower)) continue;  // SB7
    }
    size_t j = i + 1;
    while (j < n && cls(j) == kSbClose) ++j;
    while (j < n && cls(j) == kSbSp) ++j;
    if (j == n) break;  // SB2: the end of the text
    uint8_t next = cls(j);
    if (next == kSbSContinue || next == kSbATerm || next == kSbSTerm) {  // SB8a
      i = j - 1;
      continue;
    }
    if (c == kSbATerm) {  // SB8: a lower-case letter ahead, past anything but letters, separators, terminators
      size_t k = j;
      while (k < n && cls(k) != kSbLower && cls(k) != kSbUpper && cls(k) != kSbOLetter && !para(cls(k)) &&
             cls(k) != kSbATerm && cls(k) != kSbSTerm)
        ++k;
      if (k < n && cls(k) == kSbLower) {
        i = j - 1;
        continue;
      }
    }
    if (para(next)) {  // SB9-SB11: one separator goes with the sentence it ends
      if (next == kSbCr && j + 1 < n && cls(j + 1) == kSbLf) ++j;
      ++j;
    }
    add(j);
    i = j - 1;
  }
}

// A code point's sentence class and where it starts (FastSentenceStarts).
struct SentenceCp {
  uint8_t cls;
  uint32_t at;  // byte offset
};

// Sentence starts by the rules of UAX #29 (SB1-SB998), over code points (an
// invalid UTF-8 sequence reads as U+FFFD, as in the ICU path): a break after a
// paragraph separator (CR, LF, CRLF, NEL, LS, PS), and after a terminator with
// its closing punctuation and spaces (and one separator), unless what follows
// continues the sentence: a digit right after '.', "U.S" (a capital after a
// letter and '.'), a lower-case word after '.', or a comma, colon, dash or
// another terminator. Extend and Format characters belong to the one before
// (SB5).
// `cps_buffer` and `stops_buffer` are buffers the caller keeps (an analyzer's members, not thread_locals:
// GCC takes a thread_local's address again after every call in a loop, and in
// a shared library that is a call to __tls_get_addr per character).
void FastSentenceStarts(std::string_view t, std::vector<uint32_t>* starts, std::vector<SentenceCp>* cps_buffer,
                        std::vector<uint32_t>* stops_buffer) {
  const auto* s = reinterpret_cast<const uint8_t*>(t.data());
  const int32_t len = static_cast<int32_t>(t.size());
  auto para = [](uint8_t c) { return c == kSbCr || c == kSbLf || c == kSbSep; };
  // ASCII text without a terminator or a line end (most headlines, and many
  // titles and short fields) is one sentence, whatever its other classes:
  // only those classes end one (SB3 to SB11 below).
  {
    int32_t i = 0;
    while (i < len && s[i] < 0x80 && !kSentenceStop[s[i]]) ++i;
    if (i == len) {
      if (len > 0) starts->push_back(0);
      return;
    }
    // ASCII text has no Extend or Format characters (SB5): each byte is a
    // code point, whose class the table gives, read in place.
    if (AsciiRunEnd(s, static_cast<size_t>(i), t.size()) == t.size()) {
      const size_t n = t.size();
      SentenceRules(
          n, [s](size_t k) { return kSentenceClass[s[k]]; }, [](size_t k) { return static_cast<uint32_t>(k); },
          [s, n](size_t k) {
            while (k < n && !kSentenceStop[s[k]]) ++k;
            return k;
          },
          starts);
      return;
    }
  }
  // One entry per code point, written through a pointer into a buffer sized
  // for the worst case (one per byte), then cut to what was written; and the
  // entries that may end a sentence, which the rules visit alone.
  std::vector<SentenceCp>& buf = *cps_buffer;
  if (buf.size() < t.size()) buf.resize(t.size());
  std::vector<uint32_t>& stops = *stops_buffer;
  stops.clear();
  SentenceCp* const cps_begin = buf.data();
  SentenceCp* out = cps_begin;
  for (int32_t i = 0; i < len;) {
    if (s[i] < 0x80) {  // an ASCII run: no Extend or Format characters in it
      const int32_t end = static_cast<int32_t>(AsciiRunEnd(s, static_cast<size_t>(i), static_cast<size_t>(len)));
      for (; i < end; ++i) {
        if (kSentenceStop[s[i]]) stops.push_back(static_cast<uint32_t>(out - cps_begin));
        *out++ = SentenceCp{kSentenceClass[s[i]], static_cast<uint32_t>(i)};
      }
      continue;
    }
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(s, i, len, c);
    if (c < 0) c = 0xFFFD;
    uint8_t cls = SentenceClassOf(c);
    if ((cls == kSbExtend || cls == kSbFormat) && out != cps_begin && !para(out[-1].cls)) continue;  // SB5
    if (cls == kSbATerm || cls == kSbSTerm || para(cls)) stops.push_back(static_cast<uint32_t>(out - cps_begin));
    *out++ = SentenceCp{cls, static_cast<uint32_t>(at)};
  }
  const SentenceCp* const cps = cps_begin;
  const size_t n = static_cast<size_t>(out - cps_begin);
  size_t next_stop = 0;  // the rules ask for ever later code points
  SentenceRules(
      n, [cps](size_t i) { return cps[i].cls; }, [cps](size_t i) { return cps[i].at; },
      [&](size_t i) {
        while (next_stop < stops.size() && stops[next_stop] < i) ++next_stop;
        return next_stop < stops.size() ? static_cast<size_t>(stops[next_stop]) : n;
      },
      starts);
}

class IcuAnalyzer final : public Analyzer {
 public:
  IcuAnalyzer(std::unique_ptr<icu::BreakIterator> bi, std::unique_ptr<icu::BreakIterator> sentences,
              const icu::Normalizer2* nfkc_cf, const icu::Normalizer2* nfd, std::string language,
              std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer, bool fold_diacritics, bool ascii_fast_path)
      : bi_(std::move(bi)),
        sentences_(std::move(sentences)),
        nfkc_cf_(nfkc_cf),
        nfd_(nfd),
        fold_diacritics_(fold_diacritics),
        fast_(ascii_fast_path) {
    stemmers_.push_back(std::make_unique<Stemmer>());
    stemmers_[0]->language = std::move(language);
    stemmers_[0]->stemmer = std::move(stemmer);
    current_ = stemmers_[0].get();
  }

  // Switching back to a language used before is a short scan over the few
  // the analyzer has seen: the writer switches per document.
  Status DoSetStemmerLanguage(std::string_view language) override {
    if (language == current_->language) return Status::OK();
    return AddStemmer(language);
  }
  std::string_view stemmer_language() const override { return current_->language; }

 private:
  // SetStemmerLanguage for a language other than the current one.
  Status AddStemmer(std::string_view language) {
    for (const auto& s : stemmers_)
      if (s->language == language) {
        current_ = s.get();
        return Status::OK();
      }
    std::string name(language);
    if (name.find('\0') != std::string::npos) return UnknownStemmer(name);  // libstemmer would read a prefix
    std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(sb_stemmer_new(name.c_str(), "UTF_8"));
    if (!stemmer) return UnknownStemmer(name);
    stemmers_.push_back(std::make_unique<Stemmer>());
    stemmers_.back()->language = std::move(name);
    stemmers_.back()->stemmer = std::move(stemmer);
    current_ = stemmers_.back().get();
    return Status::OK();
  }

 public:
  void DoSentenceStarts(std::string_view text, std::vector<uint32_t>* starts) override {
    starts->clear();
    if (text.empty()) return;
    if (fast_) {
      FastSentenceStarts(text, starts, &cps_, &stops_);
      if (cps_.size() > (size_t{1} << 20)) {  // a long text's: not kept
        std::vector<SentenceCp>().swap(cps_);
        std::vector<uint32_t>().swap(stops_);
      }
      return;
    }
    Decode(text);
    sentences_->setText(utf16_);
    for (int32_t at = sentences_->first(); at != icu::BreakIterator::DONE; at = sentences_->next())
      if (offsets_[at] < text.size()) starts->push_back(offsets_[at]);
  }

  uint32_t DoAnalyzeWithForms(std::string_view text, uint32_t position, std::vector<Token>* out,
                              std::vector<std::string>* forms) override {
    forms_ = forms;
    struct Reset {  // also when DoAnalyze throws: the analyzer may be used again
      std::vector<std::string>*& forms;
      ~Reset() { forms = nullptr; }
    } reset{forms_};
    return DoAnalyze(text, true, position, out);
  }

  uint32_t DoAnalyze(std::string_view text, bool stem, uint32_t position, std::vector<Token>* out) override {
    if (text.empty()) return position;
    if (!fast_) return AnalyzeIcu(text, 0, stem, position, out);
    // Whitespace-separated runs of pure ASCII go through the scanner; each stretch
    // of runs containing other bytes (with the whitespace before it, which
    // combining marks would attach to) goes through ICU.
    const size_t n = text.size();
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    size_t i = 0, icu_from = std::string_view::npos;
    while (i < n) {
      if (icu_from == std::string_view::npos) {
        // The runs up to the one holding the next byte that is not ASCII (or
        // is '_'), scanned together: a word never spans white space, so the
        // scanner finds the same words in them as run by run, without a
        // second pass over each byte to find the runs.
        const size_t special = AsciiRunEnd(bytes, i, n, '_');
        if (special == n) {
          position = ScanAscii(text, i, n, stem, position, out);
          break;
        }
        size_t run_start = special;
        while (run_start > i && !IsSpace(text[run_start - 1])) --run_start;
        if (run_start > i) position = ScanAscii(text, i, run_start, stem, position, out);
        i = run_start;
      }
      size_t run = i;
      bool ascii = true;
      while (run < n && !IsSpace(text[run])) {
        ascii &= static_cast<unsigned char>(text[run]) < 0x80 && text[run] != '_';
        ++run;
      }
      if (run > i) {
        if (!ascii) {
          if (icu_from == std::string_view::npos) icu_from = i > 0 ? i - 1 : 0;
        } else {
          if (icu_from != std::string_view::npos) {
            position = AnalyzeIcu(text.substr(icu_from, i - icu_from), icu_from, stem, position, out);
            icu_from = std::string_view::npos;
          }
          position = ScanAscii(text, i, run, stem, position, out);
        }
      }
      i = run;
      while (i < n && IsSpace(text[i])) ++i;
    }
    if (icu_from != std::string_view::npos) position = AnalyzeIcu(text.substr(icu_from), icu_from, stem, position, out);
    return position;
  }

 private:
  static bool IsSpace(char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x80 && kAsciiClass[u] == kSpace;
  }
  static uint8_t Class(char c) { return kAsciiClass[static_cast<unsigned char>(c)]; }

  // Words of the ASCII run text[begin, end) (no whitespace, no '_'), as ICU
  // would segment them.
  uint32_t ScanAscii(std::string_view text, size_t begin, size_t end, bool stem, uint32_t position,
                     std::vector<Token>* out) {
    size_t i = begin;
    while (i < end) {
      uint8_t c = Class(text[i]);
      if (!(c & (kLetter | kDigit))) {
        ++i;
        continue;
      }
      size_t start = i;
      bool letters = false;
      while (i < end) {
        c = Class(text[i]);
        if (c & (kLetter | kDigit)) {
          letters |= c == kLetter;
          ++i;
          continue;
        }
        // A middle character joins two letters (MidLetter) or two digits (MidNum).
        if (i + 1 < end && (c & (kMidLetter | kMidNum))) {
          uint8_t prev = Class(text[i - 1]), next = Class(text[i + 1]);
          if ((c & kMidLetter) && prev == kLetter && next == kLetter) {
            i += 2;
            letters = true;
            continue;
          }
          if ((c & kMidNum) && prev == kDigit && next == kDigit) {
            i += 2;
            continue;
          }
        }
        break;
      }
      size_t len = i - start;
      if (len > kMaxTermBytes) {
        ++position;
        continue;
      }
      term_.resize(len);
      for (size_t k = 0; k < len; ++k) {
        char ch = text[start + k];
        term_[k] = ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch;
      }
      JoinDottedAcronym();
      if (forms_) forms_->push_back(term_);
      if (stem && letters) CachedStem();
      out->push_back(Token{term_, position++, static_cast<uint32_t>(start), static_cast<uint32_t>(i)});
    }
    return position;
  }

  void CachedStem() {
    uint64_t h = StemCache::Hash(term_);
    if (const std::string_view* hit = current_->cache.Find(term_, h)) {
      term_.assign(hit->data(), hit->size());
      return;
    }
    key_ = term_;
    Stem();
    current_->cache.Insert(key_, term_, h);
  }

  // The ICU path over text (a piece starting at byte `base` of the caller's text).
  uint32_t AnalyzeIcu(std::string_view text, size_t base, bool stem, uint32_t position, std::vector<Token>* out) {
    Decode(text);
    bi_->setText(utf16_);
    int32_t start = bi_->first();
    for (int32_t end = bi_->next(); end != icu::BreakIterator::DONE; start = end, end = bi_->next()) {
      int32_t status = bi_->getRuleStatus();
      if (status < UBRK_WORD_NONE_LIMIT) continue;  // spaces, punctuation, symbols
      if (!Normalize(start, end)) continue;
      if (term_.empty() || term_.size() > kMaxTermBytes) {
        ++position;
        continue;
      }
      bool letters = status >= UBRK_WORD_LETTER && status < UBRK_WORD_LETTER_LIMIT;
      if (forms_) forms_->push_back(term_);
      if (stem && letters) {
        if (fast_)
          CachedStem();
        else
          Stem();
      }
      out->push_back(Token{term_, position++, static_cast<uint32_t>(base + offsets_[start]),
                           static_cast<uint32_t>(base + offsets_[end])});
    }
    return position;
  }

  // UTF-8 -> utf16_, with offsets_[i] = byte offset of UTF-16 unit i.
  void Decode(std::string_view text) {
    utf16_.remove();
    offsets_.clear();
    const auto* s = reinterpret_cast<const uint8_t*>(text.data());
    int32_t len = static_cast<int32_t>(text.size());
    int32_t i = 0;
    while (i < len) {
      int32_t at = i;
      UChar32 c;
      U8_NEXT(s, i, len, c);
      if (c < 0) c = 0xFFFD;      // invalid sequence
      if (c == 0x2019) c = '\'';  // typographic apostrophe: TikTok’s -> tiktok's
      utf16_.append(c);
      offsets_.push_back(static_cast<uint32_t>(at));
      if (c > 0xFFFF) offsets_.push_back(static_cast<uint32_t>(at));
    }
    offsets_.push_back(static_cast<uint32_t>(len));
  }

  // Folds utf16_[start, end) into term_ (UTF-8). False on ICU failure.
  bool Normalize(int32_t start, int32_t end) {
    UErrorCode err = U_ZERO_ERROR;
    piece_.setTo(utf16_, start, end - start);
    folded_.remove();
    nfkc_cf_->normalize(piece_, folded_, err);
    if (U_FAILURE(err)) return false;
    if (fold_diacritics_) {
      decomposed_.remove();
      nfd_->normalize(folded_, decomposed_, err);
      if (U_FAILURE(err)) return false;
      folded_.remove();
      for (int32_t i = 0; i < decomposed_.length();) {
        UChar32 c = decomposed_.char32At(i);
        i += U16_LENGTH(c);
        if (u_charType(c) != U_NON_SPACING_MARK) folded_.append(c);
      }
    }
    term_.clear();
    folded_.toUTF8String(term_);
    JoinDottedAcronym();
    return true;
  }

  // "u.s" / "u.s.a" -> "us" / "usa", so U.S. and US meet. Only single letters
  // separated by dots qualify; "3.5" and "e.g" style tokens with longer parts stay.
  void JoinDottedAcronym() {
    size_t n = term_.size();
    if (n < 3 || n % 2 == 0) return;
    for (size_t i = 0; i < n; ++i) {
      char c = term_[i];
      if (i % 2 == 0 ? !(c >= 'a' && c <= 'z') : c != '.') return;
    }
    std::string joined;
    for (size_t i = 0; i < n; i += 2) joined += term_[i];
    term_.swap(joined);
  }

  void Stem() {
    sb_stemmer* stemmer = current_->stemmer.get();
    const sb_symbol* r =
        sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(term_.data()), static_cast<int>(term_.size()));
    if (r == nullptr) return;  // out of memory inside libstemmer: keep the unstemmed term
    int len = sb_stemmer_length(stemmer);
    if (len > 0) term_.assign(reinterpret_cast<const char*>(r), static_cast<size_t>(len));
  }

  std::unique_ptr<icu::BreakIterator> bi_;
  std::unique_ptr<icu::BreakIterator> sentences_;
  const icu::Normalizer2* nfkc_cf_;
  const icu::Normalizer2* nfd_;
  std::vector<std::string>* forms_ = nullptr;  // AnalyzeWithForms: receives each token's unstemmed form
  // A stemmer and its cache per language the analyzer has stemmed in.
  struct Stemmer {
    std::string language;
    std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer;
    StemCache cache;
  };
  std::vector<std::unique_ptr<Stemmer>> stemmers_;
  Stemmer* current_;
  bool fold_diacritics_;
  bool fast_;
  std::string key_;
  icu::UnicodeString utf16_, piece_, folded_, decomposed_;
  std::vector<uint32_t> offsets_;
  std::vector<SentenceCp> cps_;  // FastSentenceStarts' buffers
  std::vector<uint32_t> stops_;
  std::string term_;
};

}  // namespace

namespace {

Result<std::unique_ptr<Analyzer>> DoCreate(const AnalyzerOptions& options) {
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> bi(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), err));
  if (U_FAILURE(err) || !bi) return Status::Internal(std::string("ICU word break iterator: ") + u_errorName(err));
  std::unique_ptr<icu::BreakIterator> sentences(
      icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), err));
  if (U_FAILURE(err) || !sentences)
    return Status::Internal(std::string("ICU sentence break iterator: ") + u_errorName(err));
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  if (U_FAILURE(err)) return Status::Internal(std::string("ICU nfkc_cf normalizer: ") + u_errorName(err));
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(err);
  if (U_FAILURE(err)) return Status::Internal(std::string("ICU NFD normalizer: ") + u_errorName(err));
  if (options.stemmer_language.find('\0') != std::string::npos) return UnknownStemmer(options.stemmer_language);
  std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(sb_stemmer_new(options.stemmer_language.c_str(), "UTF_8"));
  if (!stemmer) return UnknownStemmer(options.stemmer_language);
  return std::unique_ptr<Analyzer>(new IcuAnalyzer(std::move(bi), std::move(sentences), nfkc_cf, nfd,
                                                   options.stemmer_language, std::move(stemmer),
                                                   options.fold_diacritics, options.ascii_fast_path));
}

}  // namespace

Result<std::unique_ptr<Analyzer>> Analyzer::Create(const AnalyzerOptions& options) {
  return Guard([&] { return DoCreate(options); });
}

Result<uint32_t> Analyzer::Analyze(std::string_view text, bool stem, uint32_t first_position, std::vector<Token>* out) {
  return Guard([&]() -> Result<uint32_t> { return DoAnalyze(text, stem, first_position, out); });
}

Result<uint32_t> Analyzer::AnalyzeWithForms(std::string_view text, uint32_t first_position, std::vector<Token>* out,
                                            std::vector<std::string>* forms) {
  return Guard([&]() -> Result<uint32_t> { return DoAnalyzeWithForms(text, first_position, out, forms); });
}

Status Analyzer::SetStemmerLanguage(std::string_view language) {
  return Guard([&] { return DoSetStemmerLanguage(language); });
}

Status Analyzer::SentenceStarts(std::string_view text, std::vector<uint32_t>* starts) {
  return Guard([&] {
    DoSentenceStarts(text, starts);
    return Status::OK();
  });
}

}  // namespace loupe
