// Snippets: passage selection and highlighting (see loupe/snippet.h).
#include "loupe/snippet.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "analysis/analyzer_access.h"
#include "loupe/analyzer.h"
#include "util/edits.h"
#include "util/guard.h"
#include "util/utf8.h"

namespace loupe {
namespace {

// One thing to look for in analyzed text, taken from a query leaf.
struct Pattern {
  enum class How { kWords, kPrefix, kFuzzy, kExactCase, kExactFold };
  How how = How::kWords;
  bool stemmed = true;             // compare with stemmed tokens (else folded, unstemmed)
  std::vector<std::string> words;  // kWords: a sequence (one word: a term)
  std::vector<uint32_t> gaps;      // position of words[i] after words[0]
  uint32_t edits = 0;              // kFuzzy
};

// The names `gazetteer` gives the actor an actor leaf searches, other than the
// one searched, as phrases of folded words (marked where the text writes them).
void ActorNames(const Query& q, const Gazetteer* gazetteer, Analyzer& analyzer, std::vector<Pattern>* out) {
  if (!gazetteer || q.field() != Field::kActor || (q.kind() != Query::Kind::kTerm && q.kind() != Query::Kind::kPhrase))
    return;
  std::string searched;
  for (const std::string& t : q.terms()) searched += (searched.empty() ? "" : " ") + t;
  std::vector<Token> tokens;
  for (const std::string& name : gazetteer->NamesOf(searched)) {
    tokens.clear();
    AnalyzerAccess::Analyze(analyzer, name, /*stem=*/false, 0, &tokens);
    if (tokens.empty()) continue;
    Pattern p;
    p.stemmed = false;
    for (const Token& t : tokens) {
      p.words.push_back(t.term);
      p.gaps.push_back(t.position - tokens[0].position);
    }
    if (p.words == q.terms()) continue;  // the one searched
    out->push_back(std::move(p));
  }
}

void Collect(const Query& q, const Gazetteer* gazetteer, Analyzer& analyzer, std::vector<Pattern>* out) {
  switch (q.kind()) {
    case Query::Kind::kNot:
    case Query::Kind::kDateRange:
    case Query::Kind::kAll:
    case Query::Kind::kNone:
      return;  // nothing to mark: excluded words are not what the reader looks for
    case Query::Kind::kAnd:
    case Query::Kind::kOr:
    case Query::Kind::kBoost:
    case Query::Kind::kAndMaybe:
      for (const Query& c : q.children()) Collect(c, gazetteer, analyzer, out);
      return;
    default:
      break;
  }
  ActorNames(q, gazetteer, analyzer, out);
  const bool stemmed = Analyzer::IsStemmed(q.field());
  auto word = [&](const std::string& w) {
    Pattern p;
    p.stemmed = stemmed;
    p.words = {w};
    p.gaps = {0};
    out->push_back(std::move(p));
  };
  switch (q.kind()) {
    case Query::Kind::kTerm:
      word(q.terms()[0]);
      break;
    case Query::Kind::kPhrase:
      if (q.slop() == 0 && q.terms().size() > 1) {
        Pattern p;
        p.stemmed = stemmed;
        p.words = q.terms();
        p.gaps = q.gaps();
        if (p.gaps.size() != p.words.size()) {
          p.gaps.clear();
          for (uint32_t i = 0; i < p.words.size(); ++i) p.gaps.push_back(i);
        }
        out->push_back(std::move(p));
      } else {
        for (const std::string& t : q.terms()) word(t);  // sloppy: each word where it stands
      }
      break;
    case Query::Kind::kSentence:
      for (const std::string& t : q.terms()) word(t);
      break;
    case Query::Kind::kPrefix: {
      Pattern p;
      p.how = Pattern::How::kPrefix;
      p.stemmed = false;  // a prefix of the words as written
      p.words = {q.terms()[0]};
      out->push_back(std::move(p));
      break;
    }
    case Query::Kind::kFuzzy: {
      Pattern p;
      p.how = Pattern::How::kFuzzy;
      p.stemmed = stemmed;
      p.words = {q.terms()[0]};
      p.edits = q.max_edits();
      out->push_back(std::move(p));
      break;
    }
    case Query::Kind::kExact: {
      Pattern p;
      p.how = q.match_case() ? Pattern::How::kExactCase : Pattern::How::kExactFold;
      p.stemmed = false;
      p.words = {q.terms().size() > 1 ? q.terms()[1] : q.terms()[0]};
      out->push_back(std::move(p));
      break;
    }
    default:
      break;
  }
}

// The code point at s[i] and its byte length. A malformed byte reads as one
// byte whose code point is its value, as it always has here.
uint32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  const int32_t cp = Utf8At(s, i, len);
  if (cp != kBadUtf8) return static_cast<uint32_t>(cp);
  *len = 1;
  return static_cast<unsigned char>(s[i]);
}

bool IsSpace(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0xA0 ||
         cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029;
}

// Display columns of text[b, e).
size_t Columns(std::string_view text, size_t b, size_t e) {
  size_t cols = 0;
  for (size_t i = b; i < e;) {
    size_t len;
    cols += static_cast<size_t>(CodePointColumns(Utf8At(text, i, &len)));
    i += len ? len : 1;
  }
  return cols;
}

const char kEllipsis[] = "\xE2\x80\xA6";  // …

class SnippeterImpl final : public Snippeter {
 public:
  SnippeterImpl(std::unique_ptr<Analyzer> analyzer, std::vector<Pattern> patterns, const SnippetOptions& options)
      : analyzer_(std::move(analyzer)), patterns_(std::move(patterns)), options_(options) {
    if (options_.max_passages == 0) options_.max_passages = 1;
    if (options_.target_columns < 20) options_.target_columns = 20;
  }

  Result<Snippet> Passages(std::string_view text) override {
    return Guard([&]() -> Result<Snippet> { return DoPassages(text); });
  }
  Result<Snippet> HighlightAll(std::string_view text) override {
    return Guard([&]() -> Result<Snippet> { return DoHighlightAll(text); });
  }
  Status SetStemmerLanguage(std::string_view language) override { return analyzer_->SetStemmerLanguage(language); }

 private:
  Snippet DoPassages(std::string_view text) {
    Match(text);
    std::vector<uint32_t> starts;
    AnalyzerAccess::SentenceStarts(*analyzer_, text, &starts);
    // Sentences as token ranges: sentence s holds tokens [first[s], first[s + 1]).
    const size_t n = starts.size();
    std::vector<size_t> first(n + 1, stemmed_.size());
    for (size_t s = 0, t = 0; s < n; ++s) {
      while (t < stemmed_.size() && stemmed_[t].begin < starts[s]) ++t;
      first[s] = t;
    }
    auto sentence_end = [&](size_t s) { return s + 1 < n ? static_cast<size_t>(starts[s + 1]) : text.size(); };

    std::vector<std::pair<size_t, size_t>> chosen;  // byte ranges, in choice order
    std::set<size_t> covered;                       // patterns the chosen passages show
    bool matched = false;
    for (size_t round = 0; round < options_.max_passages; ++round) {
      // The sentence adding the most patterns not shown yet; ties: more matches, then earlier.
      size_t best = n;
      size_t best_new = 0, best_hits = 0;
      for (size_t s = 0; s < n; ++s) {
        if (Overlaps(chosen, starts[s], sentence_end(s))) continue;
        std::set<size_t> fresh;
        size_t hits = 0;
        for (size_t t = first[s]; t < first[s + 1]; ++t)
          if (mark_[t] != kNone) {
            ++hits;
            if (!covered.count(mark_[t])) fresh.insert(mark_[t]);
          }
        if (fresh.size() > best_new || (fresh.size() == best_new && fresh.size() > 0 && hits > best_hits)) {
          best = s;
          best_new = fresh.size();
          best_hits = hits;
        }
      }
      if (best == n) break;
      matched = true;
      auto range = Grow(text, starts, best, chosen);
      for (size_t t = 0; t < stemmed_.size(); ++t)
        if (mark_[t] != kNone && stemmed_[t].begin >= range.first && stemmed_[t].end <= range.second)
          covered.insert(mark_[t]);
      chosen.push_back(range);
    }
    Snippet out;
    out.matched = matched;
    if (!matched) {
      // The opening of the text, cut at a word.
      if (n > 0) chosen.push_back(Grow(text, starts, 0, chosen));
    }
    std::sort(chosen.begin(), chosen.end());
    // "…" where a passage is cut inside a sentence and between passages that
    // do not follow each other; one between two passages, never two.
    std::vector<uint32_t> sentence_starts;
    AnalyzerAccess::SentenceStarts(*analyzer_, text, &sentence_starts);
    bool prev_cut_after = false;
    for (size_t i = 0; i < chosen.size(); ++i) {
      auto [b, e] = Trimmed(text, chosen[i].first, chosen[i].second);
      if (b >= e) continue;
      bool cut_before, cut_after;
      CutFlags(text, sentence_starts, b, e, &cut_before, &cut_after);
      if (out.text.empty()) {
        if (cut_before) out.text += kEllipsis;
      } else {
        const bool adjacent = SkipSpace(text, chosen[i - 1].second) >= b;
        out.text += prev_cut_after || cut_before || !adjacent ? std::string(" ") + kEllipsis + " " : " ";
      }
      Render(text, b, e, &out);
      prev_cut_after = cut_after;
    }
    if (prev_cut_after) out.text += kEllipsis;
    return out;
  }

  Snippet DoHighlightAll(std::string_view text) {
    Match(text);
    Snippet out;
    size_t b = SkipSpace(text, 0), e = text.size();
    while (e > b && IsSpaceAt(text, e)) e = PrevChar(text, e);
    for (int m : mark_) out.matched |= m != kNone;
    Render(text, b, e, &out);
    return out;
  }

  static constexpr int kNone = -1;

  // Analyzes text and sets mark_[t] to the pattern each token matches (kNone if none).
  void Match(std::string_view text) {
    stemmed_.clear();
    folded_.clear();
    AnalyzerAccess::Analyze(*analyzer_, text, true, 0, &stemmed_);
    AnalyzerAccess::Analyze(*analyzer_, text, false, 0, &folded_);
    if (folded_.size() != stemmed_.size()) folded_ = stemmed_;  // both segment alike; be safe
    mark_.assign(stemmed_.size(), kNone);
    for (size_t p = 0; p < patterns_.size(); ++p) {
      const Pattern& pat = patterns_[p];
      const std::vector<Token>& toks = pat.stemmed ? stemmed_ : folded_;
      for (size_t t = 0; t < toks.size(); ++t) {
        if (pat.how == Pattern::How::kWords) {
          bool all = true;
          for (size_t w = 0; w < pat.words.size() && all; ++w) {
            size_t at = t + pat.gaps[w];
            all = at < toks.size() && toks[at].term == pat.words[w];
          }
          if (all)
            for (size_t w = 0; w < pat.words.size(); ++w) SetMark(t + pat.gaps[w], p);
        } else if (Hits(pat, toks[t], text)) {
          SetMark(t, p);
        }
      }
    }
  }

  void SetMark(size_t t, size_t p) {
    if (mark_[t] == kNone) mark_[t] = static_cast<int>(p);
  }

  static bool Hits(const Pattern& pat, const Token& tok, std::string_view text) {
    const std::string& w = pat.words[0];
    switch (pat.how) {
      case Pattern::How::kPrefix:
        return tok.term.compare(0, w.size(), w) == 0;
      case Pattern::How::kFuzzy:
        return WithinEdits(w, tok.term, pat.edits);  // analyzed terms are at most kMaxTermBytes
      case Pattern::How::kExactFold:
        return tok.term == w;
      case Pattern::How::kExactCase: {
        std::string surface(text.substr(tok.begin, tok.end - tok.begin));
        for (size_t at; (at = surface.find("\xE2\x80\x99")) != std::string::npos;) surface.replace(at, 3, "'");
        return surface == w;
      }
      default:
        return false;
    }
  }

  // Whether text[b, e) holds only spaces and the marks that join the parts of
  // a name: middle dots (· ・) and hyphens.
  static bool OnlyJoiners(std::string_view text, size_t b, size_t e) {
    if (b > e) return false;
    for (size_t i = b; i < e;) {
      size_t len;
      uint32_t cp = DecodeAt(text, i, &len);
      if (!IsSpace(cp) && cp != 0xB7 && cp != 0x30FB && cp != '-' && cp != 0x2010) return false;
      i += len;
    }
    return true;
  }

  static bool Overlaps(const std::vector<std::pair<size_t, size_t>>& chosen, size_t b, size_t e) {
    for (const auto& c : chosen)
      if (b < c.second && c.first < e) return true;
    return false;
  }

  static bool IsSpaceAt(std::string_view text, size_t end) {  // the character ending at `end`
    size_t i = PrevChar(text, end), len;
    return IsSpace(DecodeAt(text, i, &len));
  }
  static size_t PrevChar(std::string_view text, size_t i) {
    if (i == 0) return 0;
    --i;
    while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
    return i;
  }
  static size_t SkipSpace(std::string_view text, size_t i) {
    while (i < text.size()) {
      size_t len;
      if (!IsSpace(DecodeAt(text, i, &len))) break;
      i += len;
    }
    return i;
  }

  // Sentence s grown by whole neighbouring sentences while the passage stays
  // within the target, or, when s alone is too long, cut to the target around
  // its first match. Never overlaps a passage already chosen.
  std::pair<size_t, size_t> Grow(std::string_view text, const std::vector<uint32_t>& starts, size_t s,
                                 const std::vector<std::pair<size_t, size_t>>& chosen) {
    const size_t n = starts.size();
    auto end_of = [&](size_t k) { return k + 1 < n ? static_cast<size_t>(starts[k + 1]) : text.size(); };
    size_t b = starts[s], e = end_of(s);
    size_t first_match = e;
    for (size_t t = 0; t < stemmed_.size(); ++t)
      if (mark_[t] != kNone && stemmed_[t].begin >= b && stemmed_[t].end <= e) {
        first_match = stemmed_[t].begin;
        break;
      }
    if (Columns(text, b, e) > options_.target_columns) return Fit(text, b, e, first_match);
    size_t lo = s, hi = s;
    const size_t target = options_.target_columns;
    // A passage stays inside its paragraph: sentence k starts one when the
    // sentence before it ends with a line break.
    auto starts_paragraph = [&](size_t k) {
      if (k == 0) return true;
      for (size_t i = starts[k]; i > starts[k - 1]; --i) {
        char c = text[i - 1];
        if (c == '\n' || c == '\r') return true;
        if (c != ' ' && c != '\t') return false;
      }
      return true;
    };
    for (bool grew = true; grew;) {
      grew = false;
      if (hi + 1 < n && !starts_paragraph(hi + 1) && !Overlaps(chosen, starts[hi + 1], end_of(hi + 1)) &&
          Columns(text, b, end_of(hi + 1)) <= target) {
        e = end_of(++hi);
        grew = true;
      } else if (lo > 0 && !starts_paragraph(lo) && !Overlaps(chosen, starts[lo - 1], end_of(lo - 1)) &&
                 Columns(text, starts[lo - 1], e) <= target) {
        b = starts[--lo];
        grew = true;
      }
    }
    return {b, e};
  }

  // A window of text[b, e) of about the target's width, starting a little
  // before `focus`, both ends on token boundaries (or b and e themselves).
  std::pair<size_t, size_t> Fit(std::string_view text, size_t b, size_t e, size_t focus) {
    const size_t target = options_.target_columns;
    if (Columns(text, b, e) <= target) return {b, e};
    // Begin a few words before the first match, at a token: step back from it
    // while the lead stays within a quarter of the target.
    auto first_at = [&](size_t pos) {
      return static_cast<size_t>(std::lower_bound(stemmed_.begin(), stemmed_.end(), pos,
                                                  [](const Token& t, size_t p) { return t.begin < p; }) -
                                 stemmed_.begin());
    };
    size_t start = b;
    if (focus > b && focus < e) {
      const size_t lead = target / 4;
      start = focus;
      size_t cols = 0;
      for (size_t t = first_at(focus); t > 0 && stemmed_[t - 1].begin >= b; --t) {
        cols += Columns(text, stemmed_[t - 1].begin, start);
        if (cols > lead) break;
        start = stemmed_[t - 1].begin;
      }
    }
    // End at the last token that keeps the window within the target (columns
    // counted once, as the window grows).
    size_t end = start, cols = 0;
    for (size_t t = first_at(start); t < stemmed_.size(); ++t) {
      if (stemmed_[t].end > e) break;
      cols += Columns(text, end, stemmed_[t].end);
      if (cols > target) break;
      end = stemmed_[t].end;
    }
    if (end == start) {  // no token fits (e.g. one huge token): cut at a character
      size_t cols = 0;
      for (size_t i = start; i < e;) {
        size_t len;
        cols += static_cast<size_t>(CodePointColumns(Utf8At(text, i, &len)));
        if (cols > target) break;
        i += len ? len : 1;
        end = i;
      }
    }
    // Keep closing punctuation that follows the last word (e.g. the full stop).
    if (end < e) {
      size_t len;
      uint32_t cp = DecodeAt(text, end, &len);
      if (cp == '.' || cp == ',' || cp == ';' || cp == ':' || cp == '!' || cp == '?' || cp == 0x3002 || cp == 0xFF0C ||
          cp == '"' || cp == ')' || cp == '%')
        end += len;
    }
    return {start, end};
  }

  // [b, e) without the whitespace at either end.
  static std::pair<size_t, size_t> Trimmed(std::string_view text, size_t b, size_t e) {
    b = SkipSpace(text, b);
    while (e > b && IsSpaceAt(text, e)) e = PrevChar(text, e);
    return {b, e};
  }

  // Whether the passage text[b, e) was cut: it does not begin a sentence, or
  // stops inside one.
  static void CutFlags(std::string_view text, const std::vector<uint32_t>& starts, size_t b, size_t e, bool* before,
                       bool* after) {
    auto begins_sentence = [&](size_t pos) {
      for (uint32_t st : starts)
        if (SkipSpace(text, st) == pos) return true;
      return false;
    };
    *before = b > SkipSpace(text, 0) && !begins_sentence(b);
    const size_t next = SkipSpace(text, e);
    *after = next < text.size() && !begins_sentence(next);
  }

  // Appends text[b, e) (trimmed) to out->text with whitespace runs as one
  // space and the marked tokens highlighted.
  void Render(std::string_view text, size_t b, size_t e, Snippet* out) {
    std::tie(b, e) = Trimmed(text, b, e);
    if (b >= e) return;
    // Highlight ranges in source bytes; matches with only spaces or name
    // joiners between them ("Treasury Secretary Scott Bessent", "斯科特·贝森特")
    // are one.
    std::vector<std::pair<size_t, size_t>> marks;
    for (size_t t = 0; t < stemmed_.size(); ++t) {
      if (mark_[t] == kNone || stemmed_[t].begin < b || stemmed_[t].end > e) continue;
      if (!marks.empty() && OnlyJoiners(text, marks.back().second, stemmed_[t].begin))
        marks.back().second = stemmed_[t].end;
      else
        marks.emplace_back(stemmed_[t].begin, stemmed_[t].end);
    }
    size_t m = 0;
    bool in_space = false;
    for (size_t i = b; i < e;) {
      if (m < marks.size() && i == marks[m].first)
        out->highlights.push_back({static_cast<uint32_t>(out->text.size()), 0});
      size_t len;
      uint32_t cp = DecodeAt(text, i, &len);
      if (IsSpace(cp)) {
        if (!in_space) out->text += ' ';
        in_space = true;
      } else {
        out->text.append(text.substr(i, len));
        in_space = false;
      }
      i += len;
      if (m < marks.size() && i >= marks[m].second) {
        out->highlights.back().end = static_cast<uint32_t>(out->text.size());
        ++m;
      }
    }
  }

  std::unique_ptr<Analyzer> analyzer_;
  std::vector<Pattern> patterns_;
  SnippetOptions options_;
  std::vector<Token> stemmed_, folded_;
  std::vector<int> mark_;
};

}  // namespace

Result<std::unique_ptr<Snippeter>> Snippeter::Create(const Query& query, const SnippetOptions& options) {
  return Guard([&]() -> Result<std::unique_ptr<Snippeter>> {
    auto analyzer = Analyzer::Create(options.analyzer_options);
    if (!analyzer.ok()) return analyzer.status();
    std::vector<Pattern> patterns;
    Collect(query, options.gazetteer, **analyzer, &patterns);
    return std::unique_ptr<Snippeter>(new SnippeterImpl(std::move(*analyzer), std::move(patterns), options));
  });
}

}  // namespace loupe
