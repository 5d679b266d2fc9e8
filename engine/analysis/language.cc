// Language names and detection. See loupe/language.h.
//
// Detection has to run once per indexed document, beside analysis, so it is
// kept to one pass over at most kDetectBytes bytes with no allocation: ASCII
// letters count as Latin script without a look-up, other code points are
// classed by ICU's script property, and Latin-script words are looked up in
// one hash table of function words, each carrying a bit per language.
#include "loupe/language.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <tuple>

#include "util/edits.h"

namespace loupe {
namespace {

// Every language Loupe knows: code, English name, stemmer ("" when none), then
// other names and codes it answers to (ISO 639-2/B and /T, native names).
struct Entry {
  Language lang;
  std::array<std::string_view, 5> aliases;
};

const Entry kLanguages[] = {
    // With a Snowball stemmer.
    {{"ar", "arabic", "arabic"}, {"ara", "العربية"}},
    {{"hy", "armenian", "armenian"}, {"hye", "arm", "հայերեն"}},
    {{"eu", "basque", "basque"}, {"eus", "baq", "euskara"}},
    {{"ca", "catalan", "catalan"}, {"cat", "català", "valencian"}},
    {{"da", "danish", "danish"}, {"dan", "dansk"}},
    {{"nl", "dutch", "dutch"}, {"nld", "dut", "nederlands", "flemish"}},
    {{"en", "english", "english"}, {"eng"}},
    {{"fi", "finnish", "finnish"}, {"fin", "suomi"}},
    {{"fr", "french", "french"}, {"fra", "fre", "français", "francais"}},
    {{"de", "german", "german"}, {"deu", "ger", "deutsch"}},
    {{"el", "greek", "greek"}, {"ell", "gre", "ελληνικά"}},
    {{"hi", "hindi", "hindi"}, {"hin", "हिन्दी"}},
    {{"hu", "hungarian", "hungarian"}, {"hun", "magyar"}},
    {{"id", "indonesian", "indonesian"}, {"ind", "bahasa indonesia"}},
    {{"ga", "irish", "irish"}, {"gle", "gaeilge"}},
    {{"it", "italian", "italian"}, {"ita", "italiano"}},
    {{"lt", "lithuanian", "lithuanian"}, {"lit", "lietuvių"}},
    {{"ne", "nepali", "nepali"}, {"nep", "नेपाली"}},
    {{"no", "norwegian", "norwegian"}, {"nor", "nb", "nn", "norsk", "bokmål"}},
    {{"pt", "portuguese", "portuguese"}, {"por", "português", "portugues"}},
    {{"ro", "romanian", "romanian"}, {"ron", "rum", "română", "moldavian", "mo"}},
    {{"ru", "russian", "russian"}, {"rus", "русский"}},
    {{"sr", "serbian", "serbian"}, {"srp", "српски", "srpski"}},
    {{"es", "spanish", "spanish"}, {"spa", "español", "espanol", "castilian"}},
    {{"sv", "swedish", "swedish"}, {"swe", "svenska"}},
    {{"ta", "tamil", "tamil"}, {"tam", "தமிழ்"}},
    {{"tr", "turkish", "turkish"}, {"tur", "türkçe", "turkce"}},
    {{"yi", "yiddish", "yiddish"}, {"yid", "ייִדיש"}},
    // Without one: stemmed as English (which leaves other scripts as they are).
    {{"zh", "chinese", ""}, {"zho", "chi", "中文", "mandarin", "cantonese"}},
    {{"ja", "japanese", ""}, {"jpn", "日本語"}},
    {{"ko", "korean", ""}, {"kor", "한국어"}},
    {{"th", "thai", ""}, {"tha", "ไทย"}},
    {{"he", "hebrew", ""}, {"heb", "iw", "עברית"}},
    {{"fa", "persian", ""}, {"fas", "per", "farsi"}},
    {{"ur", "urdu", ""}, {"urd"}},
    {{"uk", "ukrainian", ""}, {"ukr", "українська"}},
    {{"be", "belarusian", ""}, {"bel"}},
    {{"bg", "bulgarian", ""}, {"bul"}},
    {{"mk", "macedonian", ""}, {"mkd", "mac"}},
    {{"pl", "polish", ""}, {"pol", "polski"}},
    {{"cs", "czech", ""}, {"ces", "cze", "čeština"}},
    {{"sk", "slovak", ""}, {"slk", "slo"}},
    {{"sl", "slovenian", ""}, {"slv", "slovene"}},
    {{"hr", "croatian", ""}, {"hrv", "hrvatski"}},
    {{"bs", "bosnian", ""}, {"bos"}},
    {{"et", "estonian", ""}, {"est", "eesti"}},
    {{"lv", "latvian", ""}, {"lav"}},
    {{"is", "icelandic", ""}, {"isl", "ice"}},
    {{"gl", "galician", ""}, {"glg"}},
    {{"cy", "welsh", ""}, {"cym", "wel"}},
    {{"vi", "vietnamese", ""}, {"vie"}},
    {{"ms", "malay", ""}, {"msa", "may"}},
    {{"tl", "tagalog", ""}, {"tgl", "fil", "filipino"}},
    {{"sw", "swahili", ""}, {"swa"}},
    {{"ka", "georgian", ""}, {"kat", "geo"}},
    {{"bn", "bengali", ""}, {"ben", "bangla"}},
    {{"la", "latin", ""}, {"lat"}},
    {{"sq", "albanian", ""}, {"sqi", "alb"}},
    {{"af", "afrikaans", ""}, {"afr"}},
};

const Language* ByCode(std::string_view code) {
  for (const Entry& e : kLanguages)
    if (e.lang.code == code) return &e.lang;
  return nullptr;
}

// Lower-cases ASCII letters of s into buf; false if it does not fit.
bool LowerInto(std::string_view s, char* buf, size_t cap, size_t* len) {
  if (s.size() >= cap) return false;
  for (size_t i = 0; i < s.size(); ++i) buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] + 32) : s[i];
  *len = s.size();
  return true;
}

// Function words of the Latin-script languages that have a stemmer: the
// most frequent short words of news text, as few as tell the languages apart.
// A word listed by several languages counts for each.
struct Profile {
  std::string_view code;
  std::string_view words;  // space-separated
};
const Profile kProfiles[] = {
    {"en",
     "the and of to is that with for was were on are this from by have has it which would their said not be "
     "an but they he she at as been will who its"},
    {"fr",
     "le la les des du un une et est dans pour que qui sur pas au aux avec sont ce cette ne il elle ils nous "
     "mais par plus été à où leur selon ont l d qu"},
    {"de",
     "der die das und ist nicht ein eine den dem des mit sich auf für von zu im auch es wird werden sind nach "
     "bei über wie noch oder aus einer dass"},
    {"es",
     "el la los las de del y que en es por un una con para se su sus al como pero más está son fue ha lo este "
     "esta según"},
    {"it",
     "il lo la gli le di del della che è e per un una non con sono nel nella alla dei delle ha anche più come "
     "ma questo si l dell"},
    {"pt", "o a os as de do da dos das e que em no na não um uma para com por se é foi ao mais seu sua pelo pela são"},
    {"nl",
     "de het een en van is dat niet op te zijn voor met die er aan ook als bij maar om door wordt naar werd "
     "heeft dan uit nog hij deze over worden geen zei wil tussen zich meer haar ze"},
    {"da",
     "og i at det er en til på som de med af for ikke der den har et var fra men vil kan om sig også blev "
     "efter hvor nogle kun mod"},
    {"no",
     "og i er det på som en til av for med at har ikke de den et var fra men vil kan om seg også ble etter "
     "hvor noen bare mot"},
    {"sv",
     "och i att det är en som på av för med till den inte har de ett var om från men sig också vid efter kan "
     "ska eller skulle"},
    {"fi",
     "ja on ei että se oli ovat hän joka mutta kun myös tai sen niin kuin mukaan jo vielä olla ole nyt vain "
     "jossa sekä"},
    {"hu",
     "a az és hogy nem is egy van meg de már csak volt ez azt mint még ki el pedig szerint lesz után között "
     "amely"},
    {"tr", "ve bir bu da de için ile olarak çok daha gibi ama olan en ne değil sonra kadar ise göre var yok her"},
    {"ro", "și în de la cu pe nu o un că este din care mai fost sunt pentru ce se ai ale lui sau dar după fi au"},
    {"ca", "el la els les i de del que en és per un una amb no als al es va ha més però aquest aquesta seu són pel"},
    {"eu", "eta da ez du bat dira zen ere baina dute egin izan hau hori bere beste gero baita arabera behar oso zuen"},
    {"id",
     "yang dan di ini itu dengan untuk tidak dari dalam akan pada juga ada ke oleh karena mereka telah sudah "
     "bisa atau kata lebih bahwa"},
    {"ga", "agus an na ar is le go ag sé sí ní tá bhí leis ach mar atá seo sin do chun freisin faoi í iad"},
    {"lt", "ir yra kad tai su į iš bet kaip buvo jo jis ji nuo apie tik dar bus ar o per po taip labai savo"},
};
constexpr size_t kNumProfiles = sizeof kProfiles / sizeof kProfiles[0];
static_assert(kNumProfiles <= 32, "a word's languages are a 32-bit mask");

// A word of at most kMaxFunctionWord bytes packed into an integer (no
// function word holds a zero byte), so that looking it up is a few integer
// compares: this runs for every word of every indexed document.
constexpr size_t kMaxFunctionWord = 8;
uint64_t Pack(const char* w, size_t len) {
  uint64_t k = 0;
  std::memcpy(&k, w, len);
  return k;
}

// Function word -> languages (bit i: kProfiles[i]), open addressing over
// packed words. Built once.
class FunctionWords {
 public:
  static const FunctionWords& Get() {
    static const FunctionWords table;
    return table;
  }
  uint32_t Find(uint64_t key) const {
    for (size_t i = Slot(key);; i = (i + 1) & (kSlots - 1)) {
      if (keys_[i] == key) return masks_[i];
      if (keys_[i] == 0) return 0;
    }
  }

 private:
  static constexpr size_t kSlots = 2048;  // about 560 words: under a third full
  static size_t Slot(uint64_t key) { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 53); }
  FunctionWords() {
    for (size_t p = 0; p < kNumProfiles; ++p) {
      std::string_view w = kProfiles[p].words;
      while (!w.empty()) {
        size_t sp = w.find(' ');
        std::string_view word = w.substr(0, sp);
        w = sp == std::string_view::npos ? std::string_view() : w.substr(sp + 1);
        if (word.empty() || word.size() > kMaxFunctionWord) continue;
        uint64_t key = Pack(word.data(), word.size());
        size_t i = Slot(key);
        while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & (kSlots - 1);
        keys_[i] = key;
        masks_[i] |= uint32_t{1} << p;
      }
    }
  }
  std::array<uint64_t, kSlots> keys_{};
  std::array<uint32_t, kSlots> masks_{};
};

// What one pass over the text counted.
struct Counts {
  uint32_t latin = 0;  // letters by script
  uint32_t cyrillic = 0, greek = 0, arabic = 0, hebrew = 0, armenian = 0, devanagari = 0, tamil = 0, thai = 0,
           hangul = 0, han = 0, kana = 0, georgian = 0;
  uint32_t serbian = 0, ukrainian = 0, belarusian = 0, persian = 0, yiddish = 0;  // telling letters
  uint32_t words = 0;                                                             // Latin-script words
  std::array<uint16_t, kNumProfiles> hits{};                                      // function words per profile
};

bool NoOtherScript(const Counts& c) {
  return c.cyrillic + c.greek + c.arabic + c.hebrew + c.armenian + c.devanagari + c.tamil + c.thai + c.hangul + c.han +
             c.kana + c.georgian ==
         0;
}

void EndWord(const char* word, size_t len, bool too_long, Counts* c) {
  if (len == 0) return;
  ++c->words;
  if (too_long || len > kMaxFunctionWord) return;
  for (uint32_t m = FunctionWords::Get().Find(Pack(word, len)); m != 0; m &= m - 1) ++c->hits[__builtin_ctz(m)];
}

// Whether Latin-script counts already name a language beyond doubt (Decide
// would name it whatever the rest of the text says), so that the scan of a
// plainly English article can stop early.
bool Decisive(const Counts& c) {
  if (c.words < 48 || (c.words & 15) != 0) return false;
  uint32_t best = 0, second = 0;
  for (uint16_t h : c.hits) {
    if (h > best) {
      second = best;
      best = h;
    } else if (h > second) {
      second = h;
    }
  }
  return best >= 16 && best >= 3 * second + 2 && best * 10 >= c.words;
}

// Counts letters by script and Latin-script function words in the first
// kDetectBytes of text, or fewer when Decisive. False when it stopped early.
bool Count(std::string_view text, Counts* c) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t n = static_cast<int32_t>(std::min(text.size(), kDetectBytes));
  char word[kMaxFunctionWord];  // the current Latin-script word, lower-cased (function words are short)
  size_t len = 0;
  bool too_long = false;
  for (int32_t i = 0; i < n;) {
    uint8_t b = s[i];
    if (b < 0x80) {
      ++i;
      if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')) {
        ++c->latin;
        if (len < sizeof word)
          word[len++] = static_cast<char>(b | 0x20);
        else
          too_long = true;
      } else {
        EndWord(word, len, too_long, c);
        len = 0;
        too_long = false;
        if (Decisive(*c) && NoOtherScript(*c)) return false;
      }
      continue;
    }
    const int32_t start = i;
    UChar32 cp;
    U8_NEXT(s, i, n, cp);
    if (cp < 0) continue;  // invalid, or cut at the end
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(cp, &err);
    if (U_FAILURE(err)) continue;
    if (script == USCRIPT_LATIN) {
      ++c->latin;
      if (len + static_cast<size_t>(i - start) <= sizeof word) {
        for (int32_t k = start; k < i; ++k) word[len++] = static_cast<char>(s[k]);
      } else {
        too_long = true;
      }
      continue;
    }
    if (script != USCRIPT_INHERITED) {  // combining marks stay inside the word
      EndWord(word, len, too_long, c);
      len = 0;
      too_long = false;
    }
    switch (script) {
      case USCRIPT_CYRILLIC:
        ++c->cyrillic;
        if (cp == 0x0452 || cp == 0x045B || cp == 0x045F || cp == 0x0459 || cp == 0x045A || cp == 0x0458 ||
            cp == 0x0402 || cp == 0x040B || cp == 0x040F || cp == 0x0409 || cp == 0x040A || cp == 0x0408)
          ++c->serbian;                                                                    // ђ ћ џ љ њ ј
        if (cp == 0x0456 || cp == 0x0457 || cp == 0x0454 || cp == 0x0491) ++c->ukrainian;  // і ї є ґ
        if (cp == 0x045E) ++c->belarusian;                                                 // ў
        break;
      case USCRIPT_GREEK:
        ++c->greek;
        break;
      case USCRIPT_ARABIC:
        ++c->arabic;
        if (cp == 0x067E || cp == 0x0686 || cp == 0x0698 || cp == 0x06AF) ++c->persian;  // پ چ ژ گ
        break;
      case USCRIPT_HEBREW:
        ++c->hebrew;
        if (cp >= 0x05F0 && cp <= 0x05F2) ++c->yiddish;  // װ ױ ײ
        break;
      case USCRIPT_ARMENIAN:
        ++c->armenian;
        break;
      case USCRIPT_DEVANAGARI:
        ++c->devanagari;
        break;
      case USCRIPT_TAMIL:
        ++c->tamil;
        break;
      case USCRIPT_THAI:
        ++c->thai;
        break;
      case USCRIPT_HANGUL:
        ++c->hangul;
        break;
      case USCRIPT_HAN:
        ++c->han;
        break;
      case USCRIPT_HIRAGANA:
      case USCRIPT_KATAKANA:
        ++c->kana;
        break;
      case USCRIPT_GEORGIAN:
        ++c->georgian;
        break;
      default:
        break;
    }
  }
  EndWord(word, len, too_long, c);
  return true;
}

const Language* Decide(const Counts& c) {
  // A script other than Latin that most letters are in names the language
  // (or a few, told apart by letters only one of them uses).
  const uint32_t cjk = c.han + c.kana;
  const std::pair<uint32_t, const char*> scripts[] = {
      {c.cyrillic, "ru"}, {c.greek, "el"}, {c.arabic, "ar"}, {c.hebrew, "he"}, {c.armenian, "hy"}, {c.devanagari, "hi"},
      {c.tamil, "ta"},    {c.thai, "th"},  {c.hangul, "ko"}, {cjk, "zh"},      {c.georgian, "ka"}};
  const auto* top = std::max_element(std::begin(scripts), std::end(scripts),
                                     [](const auto& a, const auto& b) { return a.first < b.first; });
  if (top->first > c.latin) {
    std::string_view code = top->second;
    if (code == "ru") {
      if (c.serbian > 0 && c.serbian * 200 >= c.cyrillic)
        code = "sr";
      else if (c.ukrainian > 0 && c.ukrainian * 100 >= c.cyrillic)
        code = "uk";
      else if (c.belarusian > 0 && c.belarusian * 200 >= c.cyrillic)
        code = "be";
    } else if (code == "ar" && c.persian > 0 && c.persian * 100 >= c.arabic) {
      code = "fa";
    } else if (code == "he" && c.yiddish > 0) {
      code = "yi";
    } else if (code == "zh" && c.kana * 20 >= cjk) {
      code = "ja";  // Japanese writes kana beside its kanji
    }
    return ByCode(code);
  }
  // Latin script: the language whose function words are clearly the most
  // frequent. Function words are a quarter or more of the words of any of
  // these languages; a text where the best has few, or where two are close
  // (Danish and Norwegian share most of theirs), is left undecided.
  size_t best = 0, second = kNumProfiles;
  for (size_t i = 1; i < kNumProfiles; ++i)
    if (c.hits[i] > c.hits[best]) best = i;
  for (size_t i = 0; i < kNumProfiles; ++i)
    if (i != best && (second == kNumProfiles || c.hits[i] > c.hits[second])) second = i;
  const uint32_t b = c.hits[best], s = second == kNumProfiles ? 0 : c.hits[second];
  if (b < 3 || b * 10 < c.words) return nullptr;
  if (b < s + 2 || b * 4 < s * 5) return nullptr;  // at least 2 more and 25% more than the next
  return ByCode(kProfiles[best].code);
}

}  // namespace

const Language* FindLanguage(std::string_view tag) {
  // The primary subtag: "fr" of "fr-CA", "pt" of "pt_BR". Names may hold
  // spaces ("bahasa indonesia"), never '-' or '_'.
  size_t cut = tag.find_first_of("-_");
  if (cut != std::string_view::npos) tag = tag.substr(0, cut);
  while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
  while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
  char buf[64];
  size_t len;
  if (tag.empty() || !LowerInto(tag, buf, sizeof buf, &len)) return nullptr;
  std::string_view t(buf, len);
  for (const Entry& e : kLanguages) {
    if (t == e.lang.code || t == e.lang.name) return &e.lang;
    for (std::string_view a : e.aliases)
      if (!a.empty() && t == a) return &e.lang;
  }
  return nullptr;
}

std::string_view StemmerFor(std::string_view tag) {
  const Language* l = FindLanguage(tag);
  if (!l) return {};
  return l->stemmer.empty() ? kDefaultStemmer : l->stemmer;
}

std::vector<std::string_view> StemmerLanguages() {
  std::vector<std::string_view> out;
  for (const Entry& e : kLanguages)
    if (!e.lang.stemmer.empty()) out.push_back(e.lang.stemmer);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> SimilarLanguages(std::string_view tag) {
  std::string t;
  for (char ch : tag) t += ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch;
  // (distance, place in the table, name): nearest first, then in table order.
  std::vector<std::tuple<size_t, size_t, std::string>> found;
  for (const Entry& e : kLanguages) {
    if (e.lang.stemmer.empty()) continue;
    size_t d = std::min(EditDistance(t, e.lang.name), t.size() <= 3 ? EditDistance(t, e.lang.code) + 1 : size_t{99});
    size_t most = t.size() <= 3 ? 1 : t.size() <= 6 ? 2 : 3;
    if (d <= most) found.emplace_back(d, found.size(), std::string(e.lang.name));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(std::get<2>(f)));
  return out;
}

const Language* DetectLanguage(std::string_view text) {
  Counts c;
  (void)Count(text, &c);
  return Decide(c);
}

std::string_view DocumentStemmer(const Document& doc) {
  if (!doc.language.empty()) {
    std::string_view s = StemmerFor(doc.language);
    return s.empty() ? kDefaultStemmer : s;
  }
  Counts c;
  if (Count(doc.title, &c)) Count(doc.body, &c);
  const Language* l = Decide(c);
  return l && !l->stemmer.empty() ? l->stemmer : kDefaultStemmer;
}

}  // namespace loupe
