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

#include <memory>

namespace loupe {
namespace {

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

class IcuAnalyzer final : public Analyzer {
 public:
  IcuAnalyzer(std::unique_ptr<icu::BreakIterator> bi, const icu::Normalizer2* nfkc_cf,
              const icu::Normalizer2* nfd, std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer,
              bool fold_diacritics)
      : bi_(std::move(bi)), nfkc_cf_(nfkc_cf), nfd_(nfd), stemmer_(std::move(stemmer)),
        fold_diacritics_(fold_diacritics) {}

  uint32_t Analyze(std::string_view text, bool stem, uint32_t position, std::vector<Token>* out) override {
    if (text.empty()) return position;
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
      if (stem && letters) Stem();
      out->push_back(Token{term_, position++, offsets_[start], offsets_[end]});
    }
    return position;
  }

 private:
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
      if (c < 0) c = 0xFFFD;  // invalid sequence
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
    const sb_symbol* r = sb_stemmer_stem(stemmer_.get(), reinterpret_cast<const sb_symbol*>(term_.data()),
                                         static_cast<int>(term_.size()));
    if (r == nullptr) return;  // out of memory inside libstemmer: keep the unstemmed term
    int len = sb_stemmer_length(stemmer_.get());
    if (len > 0) term_.assign(reinterpret_cast<const char*>(r), static_cast<size_t>(len));
  }

  std::unique_ptr<icu::BreakIterator> bi_;
  const icu::Normalizer2* nfkc_cf_;
  const icu::Normalizer2* nfd_;
  std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer_;
  bool fold_diacritics_;
  icu::UnicodeString utf16_, piece_, folded_, decomposed_;
  std::vector<uint32_t> offsets_;
  std::string term_;
};

}  // namespace

Result<std::unique_ptr<Analyzer>> Analyzer::Create(const AnalyzerOptions& options) {
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> bi(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), err));
  if (U_FAILURE(err) || !bi) return Status::Internal(std::string("ICU word break iterator: ") + u_errorName(err));
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  if (U_FAILURE(err)) return Status::Internal(std::string("ICU nfkc_cf normalizer: ") + u_errorName(err));
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(err);
  if (U_FAILURE(err)) return Status::Internal(std::string("ICU NFD normalizer: ") + u_errorName(err));
  std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(sb_stemmer_new(options.stemmer_language.c_str(), "UTF_8"));
  if (!stemmer)
    return Status::InvalidArgument("unknown stemmer language '" + options.stemmer_language +
                                   "' (try english, french, german, spanish, ...)");
  return std::unique_ptr<Analyzer>(
      new IcuAnalyzer(std::move(bi), nfkc_cf, nfd, std::move(stemmer), options.fold_diacritics));
}

}  // namespace loupe
