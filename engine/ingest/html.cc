#include "loupe/ingest/html.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>
#include <vector>

#include "readers.h"
#include "util/guard.h"
#include "util/json_dispose.h"
#include "util/utf8.h"
#include "web_text.h"

#ifdef LOUPE_HAVE_GUMBO
#include <gumbo.h>
#endif

namespace loupe::ingest {
namespace {

#ifdef LOUPE_HAVE_GUMBO
// Replaces each ill-formed UTF-8 sequence of *s by U+FFFD (a lead byte and
// the continuation bytes after it), copying only when there is one.
void MakeValidUtf8(std::string* s) {
  size_t i = 0;
  while (i < s->size() && (static_cast<unsigned char>((*s)[i]) < 0x80 || Utf8Length(*s, i) > 0))
    i += static_cast<unsigned char>((*s)[i]) < 0x80 ? 1 : Utf8Length(*s, i);
  if (i == s->size()) return;
  std::string out(*s, 0, i);
  while (i < s->size()) {
    const unsigned char c = static_cast<unsigned char>((*s)[i]);
    const size_t len = c < 0x80 ? 1 : Utf8Length(*s, i);
    if (len > 0) {
      out.append(*s, i, len);
      i += len;
      continue;
    }
    out.append("\xEF\xBF\xBD");
    ++i;
    while (i < s->size() && (static_cast<unsigned char>((*s)[i]) & 0xC0) == 0x80) ++i;
  }
  s->swap(out);
}
#endif

bool EqualNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The position of the end tag `</name` (any case) at or after `from`, or npos.
size_t FindEndTag(std::string_view in, std::string_view name, size_t from) {
  for (size_t at = in.find("</", from); at != std::string_view::npos; at = in.find("</", at + 2)) {
    std::string_view rest = in.substr(at + 2);
    if (rest.size() >= name.size() && EqualNoCase(rest.substr(0, name.size()), name) &&
        (rest.size() == name.size() || !IsAlpha(rest[name.size()])))
      return at;
  }
  return std::string_view::npos;
}

#ifdef LOUPE_HAVE_GUMBO

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
std::string Collapse(std::string_view s) { return CollapseSpace(s); }

// Void elements, elements whose end tag may be left out, and the raw-text
// elements: none of them can nest without a counted element between two of
// them, so the depth counts only the others.
bool Uncounted(std::string_view name) {
  static const char* const kNames[] = {
      "area",     "base",     "basefont", "bgsound",  "br",     "col",     "embed",    "frame",    "hr",    "img",
      "input",    "keygen",   "link",     "meta",     "param",  "source",  "track",    "wbr",      "p",     "li",
      "dt",       "dd",       "option",   "optgroup", "tr",     "td",      "th",       "tbody",    "thead", "tfoot",
      "colgroup", "caption",  "rb",       "rt",       "rtc",    "rp",      "html",     "head",     "body",  "script",
      "style",    "textarea", "title",    "xmp",      "iframe", "noembed", "noframes", "plaintext"};
  return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* k) { return name == k; });
}

bool RawText(std::string_view name) {
  static const char* const kNames[] = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"};
  return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* k) { return name == k; });
}

// Leaves out the start tags that would nest deeper than `limit` (and as many
// end tags after them), counting the way an HTML5 tokenizer sees tags. An
// estimate that errs high: unclosed inline tags count as open. Text is never
// left out. Returns the number of tags left out; *out is set only when some were.
size_t CapDepth(std::string_view in, int limit, std::string* out) {
  const size_t n = in.size();
  size_t copied = 0, dropped = 0, excess = 0;
  int depth = 0, foreign = 0;  // depth at which <svg> or <math> opened, or 0
  auto drop = [&](size_t from, size_t to) {
    out->append(in.substr(copied, from - copied));
    copied = to;
    ++dropped;
  };
  size_t i = 0;
  while ((i = in.find('<', i)) != std::string_view::npos) {
    const size_t start = i;
    if (in.compare(i, 4, "<!--") == 0) {
      size_t e = in.find("-->", i + 4);
      if (e == std::string_view::npos) break;
      i = e + 3;
      continue;
    }
    if (i + 1 >= n) break;
    const bool end = in[i + 1] == '/';
    size_t j = i + (end ? 2 : 1);
    if (j >= n || !IsAlpha(in[j])) {
      if (in[i + 1] == '!' || in[i + 1] == '?' || end) {  // a declaration, a bogus comment
        size_t e = in.find('>', i);
        if (e == std::string_view::npos) break;
        i = e + 1;
      } else {
        ++i;  // a '<' in text
      }
      continue;
    }
    size_t name_at = j;
    while (j < n && !IsSpace(in[j]) && in[j] != '/' && in[j] != '>') ++j;
    std::string name = Lower(in.substr(name_at, j - name_at));
    // The attributes, as the tokenizer reads them: a quote opens a value only after '='.
    bool self_closing = false;
    while (j < n && in[j] != '>') {
      if (IsSpace(in[j])) {
        ++j;
        continue;
      }
      if (in[j] == '/') {
        self_closing = j + 1 < n && in[j + 1] == '>';
        ++j;
        continue;
      }
      while (j < n && !IsSpace(in[j]) && in[j] != '/' && in[j] != '>' && in[j] != '=') ++j;
      while (j < n && IsSpace(in[j])) ++j;
      if (j < n && in[j] == '=') {
        ++j;
        while (j < n && IsSpace(in[j])) ++j;
        if (j < n && (in[j] == '"' || in[j] == '\'')) {
          size_t q = in.find(in[j], j + 1);
          j = q == std::string_view::npos ? n : q + 1;
        } else {
          while (j < n && !IsSpace(in[j]) && in[j] != '>') ++j;
        }
      }
    }
    if (j >= n) break;
    i = j + 1;
    if (end) {
      if (Uncounted(name)) continue;
      if (excess > 0) {
        drop(start, i);
        --excess;
      } else if (depth > 0) {
        --depth;
        if (foreign > depth) foreign = 0;
      }
      continue;
    }
    if (!foreign && name == "plaintext") break;
    if (!foreign && RawText(name)) {
      size_t e = FindEndTag(in, name, i);
      if (e == std::string_view::npos) break;
      i = e;
      continue;
    }
    if (Uncounted(name) || (foreign && self_closing)) continue;
    if (depth >= limit) {
      drop(start, i);
      ++excess;
      continue;
    }
    ++depth;
    if (!foreign && (name == "svg" || name == "math")) foreign = depth;
  }
  if (dropped) out->append(in.substr(copied));
  return dropped;
}

// A charset a <meta> declares in the first 1024 bytes, lower case, or "".
std::string SniffCharset(std::string_view bytes) {
  std::string head = Lower(bytes.substr(0, 1024));
  for (size_t at = head.find("<meta"); at != std::string::npos; at = head.find("<meta", at + 5)) {
    size_t end = head.find('>', at);
    std::string_view tag = std::string_view(head).substr(at, end == std::string::npos ? std::string::npos : end - at);
    size_t cs = tag.find("charset=");
    if (cs == std::string_view::npos) continue;
    std::string_view v = tag.substr(cs + 8);
    while (!v.empty() && (v.front() == '"' || v.front() == '\'' || IsSpace(v.front()))) v.remove_prefix(1);
    size_t stop = 0;
    while (stop < v.size() && !IsSpace(v[stop]) && v[stop] != '"' && v[stop] != '\'' && v[stop] != ';' &&
           v[stop] != '/' && v[stop] != '>')
      ++stop;
    return std::string(v.substr(0, stop));
  }
  return "";
}

// The page as valid UTF-8, at most kMaxHtmlBytes long.
std::string PageText(std::string_view bytes, std::vector<std::string>* warnings) {
  if (bytes.size() > kMaxHtmlBytes) {
    size_t cut = kMaxHtmlBytes;
    while (cut > 0 && (static_cast<unsigned char>(bytes[cut]) & 0xC0) == 0x80) --cut;
    warnings->push_back("page is " + std::to_string(bytes.size() >> 20) + " MiB; only its first " +
                        std::to_string(kMaxHtmlBytes >> 20) + " MiB are read");
    bytes = bytes.substr(0, cut);
  }
  std::string charset = SniffCharset(bytes);
  if (!charset.empty() && charset != "utf-8" && charset != "utf8" && charset != "us-ascii") {
    std::string utf8;
    if (DoToUtf8(bytes, charset, &utf8)) return DoCleanText(utf8, warnings);
    warnings->push_back("unknown charset '" + charset + "'; read as UTF-8");
  }
  return DoCleanText(bytes, warnings);
}

// Owns a gumbo tree.
class Tree {
 public:
  Tree(std::string_view html, std::vector<std::string>* warnings) {
    std::string capped;
    if (size_t dropped = CapDepth(html, kMaxHtmlDepth, &capped)) {
      if (warnings)
        warnings->push_back("elements nested more than " + std::to_string(kMaxHtmlDepth) + " deep; " +
                            std::to_string(dropped) + " tags below that depth left out (their text is kept)");
      text_ = std::move(capped);
    } else {
      text_ = std::string(html);
    }
    options_ = kGumboDefaultOptions;
    // Errors are not needed, and each one copies the stack of open elements.
    options_.max_errors = 0;
    out_ = gumbo_parse_with_options(&options_, text_.data(), text_.size());
  }
  ~Tree() { gumbo_destroy_output(&options_, out_); }
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  const GumboNode* root() const { return out_->root; }

 private:
  std::string text_;  // gumbo's nodes point into it
  GumboOptions options_;
  GumboOutput* out_;
};

bool IsElement(const GumboNode* n) { return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE; }

const GumboVector* Children(const GumboNode* n) {
  if (IsElement(n)) return &n->v.element.children;
  if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
  return nullptr;
}

std::string_view Attr(const GumboNode* n, const char* name) {
  if (!IsElement(n)) return {};
  const GumboAttribute* a = gumbo_get_attribute(&n->v.element.attributes, name);
  return a ? std::string_view(a->value) : std::string_view();
}

GumboTag TagOf(const GumboNode* n) { return IsElement(n) ? n->v.element.tag : GUMBO_TAG_UNKNOWN; }

// The words of a class or id value: "cookieBanner related-links" gives
// {cookie, banner}, {related, links}, one list per name.
std::vector<std::vector<std::string>> NameWords(std::string_view value) {
  std::vector<std::vector<std::string>> names;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && IsSpace(value[i])) ++i;
    if (i >= value.size()) break;
    std::vector<std::string> words;
    std::string w;
    for (; i < value.size() && !IsSpace(value[i]); ++i) {
      char c = value[i];
      bool alnum = std::isalnum(static_cast<unsigned char>(c));
      bool upper_after_lower = c >= 'A' && c <= 'Z' && !w.empty() && w.back() >= 'a' && w.back() <= 'z';
      if ((!alnum || upper_after_lower) && !w.empty()) words.push_back(std::move(w)), w.clear();
      if (alnum) w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!w.empty()) words.push_back(std::move(w));
    if (!words.empty()) names.push_back(std::move(words));
  }
  return names;
}

bool NoiseWord(const std::string& w) {
  static const char* const kWords[] = {
      "cookie",     "cookies", "consent", "gdpr",   "banner",  "related",       "share",       "sharing",
      "newsletter", "ad",      "ads",     "advert", "adverts", "advertisement", "advertising", "advertisements"};
  return std::any_of(std::begin(kWords), std::end(kWords), [&](const char* k) { return w == k; });
}

// Whether a class or id names a box that is not the article: its first or last
// word is a noise word ("cookie-notice", "share-bar", "sidebar-related", "ad"),
// not one in the middle ("tag-ad-spending" is a tag).
bool NoiseName(std::string_view value) {
  for (const auto& words : NameWords(value))
    if (NoiseWord(words.front()) || NoiseWord(words.back())) return true;
  return false;
}

bool HasWord(std::string_view value, const char* word) {
  for (const auto& words : NameWords(value))
    if (std::find(words.begin(), words.end(), word) != words.end()) return true;
  return false;
}

enum class Scope {
  kFragment,  // HtmlToText: all text but the head, scripts and styles
  kPage,      // a page's metadata: no scripts, navigation, asides or noise boxes
  kBody,      // a page's article text: also no headers and footers
};

// Whether an element and everything in it is left out.
bool LeftOut(const GumboNode* n, Scope scope) {
  switch (TagOf(n)) {
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
      return true;
    default:
      break;
  }
  if (scope == Scope::kFragment) return false;
  switch (TagOf(n)) {
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
      return true;
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
      if (scope == Scope::kBody) return true;
      break;
    default:
      break;
  }
  if (gumbo_get_attribute(&n->v.element.attributes, "hidden")) return true;
  std::string role = Lower(Attr(n, "role"));
  if (role == "navigation" || role == "complementary" || role == "search" || role == "dialog" || role == "alertdialog")
    return true;
  if (scope == Scope::kBody && (role == "banner" || role == "contentinfo")) return true;
  // The page's own containers may carry any class (WordPress puts tags in them).
  GumboTag t = TagOf(n);
  if (t == GUMBO_TAG_UNKNOWN) {  // gumbo 0.10 knows no <dialog> (cookie notices use it)
    GumboStringPiece name = n->v.element.original_tag;
    if (name.data) {
      gumbo_tag_from_original_text(&name);
      if (EqualNoCase(std::string_view(name.data, name.length), "dialog")) return true;
    }
  }
  if (t == GUMBO_TAG_HTML || t == GUMBO_TAG_BODY || t == GUMBO_TAG_MAIN || t == GUMBO_TAG_ARTICLE) return false;
  return NoiseName(Attr(n, "class")) || NoiseName(Attr(n, "id"));
}

bool IsBlock(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_BODY:
      return true;
    default:
      return false;
  }
}

// Appends the text of `root` (skipping what `scope` leaves out, and `skip`)
// to *out, stopping once it holds more than `limit` bytes (a byline or a
// heading looked at is never read whole when it is long). Iterative: the
// depth of a tree is not bounded by the stack.
void AppendText(const GumboNode* root, Scope scope, Paragraphs* out, const GumboNode* skip = nullptr,
                size_t limit = SIZE_MAX) {
  std::vector<std::pair<const GumboNode*, bool>> stack{{root, false}};  // node, leaving it
  while (!stack.empty() && out->size() <= limit) {
    auto [n, leaving] = stack.back();
    stack.pop_back();
    GumboTag t = TagOf(n);
    if (leaving) {
      if (IsBlock(t)) out->Break();
      if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) out->Space();
      continue;
    }
    switch (n->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_CDATA:
      case GUMBO_NODE_WHITESPACE: {
        std::string_view text = n->v.text.text;
        if (text.size() > limit) {  // at a character
          size_t cut = limit;
          while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
          text = text.substr(0, cut);
        }
        out->Text(text);
        continue;
      }
      case GUMBO_NODE_COMMENT:
        continue;
      default:
        break;
    }
    if (n == skip || (n != root && IsElement(n) && LeftOut(n, scope))) continue;
    if (t == GUMBO_TAG_BR) {
      out->LineBreak();
      continue;
    }
    if (IsBlock(t)) out->Break();
    if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) out->Space();
    stack.push_back({n, true});
    if (const GumboVector* kids = Children(n))
      for (unsigned k = kids->length; k-- > 0;) stack.push_back({static_cast<const GumboNode*>(kids->data[k]), false});
  }
}

std::string TextOf(const GumboNode* n, Scope scope, const GumboNode* skip = nullptr, size_t limit = SIZE_MAX) {
  Paragraphs p;
  AppendText(n, scope, &p, skip, limit);
  return p.Take();
}

// Calls f(node) for each element under `root` that `scope` keeps, in document
// order. Iterative.
template <class F>
void ForEachElement(const GumboNode* root, Scope scope, F f) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (!IsElement(n) || (n != root && LeftOut(n, scope))) continue;
    f(n);
    const GumboVector& kids = n->v.element.children;
    for (unsigned k = kids.length; k-- > 0;) stack.push_back(static_cast<const GumboNode*>(kids.data[k]));
  }
}

// --- JSON-LD ------------------------------------------------------------------------

bool IsArticleType(const nlohmann::json& t) {
  auto one = [](const nlohmann::json& v) {
    if (!v.is_string()) return false;
    std::string s = v.get<std::string>();
    size_t cut = s.find_last_of("/:");  // "http://schema.org/NewsArticle", "schema:Article"
    if (cut != std::string::npos) s = s.substr(cut + 1);
    return s == "BlogPosting" || s == "LiveBlogPosting" ||
           (s.size() >= 7 && s.compare(s.size() - 7, 7, "Article") == 0);
  };
  if (t.is_array()) return std::any_of(t.begin(), t.end(), one);
  return one(t);
}

// The first article object in a JSON-LD value: the value itself, an item of
// an array, or of an @graph (also as a WebPage's mainEntity).
const nlohmann::json* FindArticle(const nlohmann::json& root) {
  std::vector<const nlohmann::json*> stack{&root};
  for (size_t visits = 0; !stack.empty() && visits < 10000; ++visits) {
    const nlohmann::json* j = stack.back();
    stack.pop_back();
    if (j->is_array()) {
      for (auto it = j->rbegin(); it != j->rend(); ++it) stack.push_back(&*it);
      continue;
    }
    if (!j->is_object()) continue;
    if (auto t = j->find("@type"); t != j->end() && IsArticleType(*t)) return j;
    for (const char* key : {"mainEntity", "@graph"})
      if (auto g = j->find(key); g != j->end()) stack.push_back(&*g);
  }
  return nullptr;
}

std::string JsonString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {  // {"@type": "Organization", "name": "..."}
    auto name = it->find("name");
    if (name != it->end() && name->is_string()) return name->get<std::string>();
  }
  return "";
}

// The names of a JSON-LD author: a string, an object with a name, or an array of either.
std::string AuthorNames(const nlohmann::json& a) {
  std::vector<std::string> names;
  auto add = [&](const nlohmann::json& v) {
    std::string name;
    if (v.is_string())
      name = v.get<std::string>();
    else if (v.is_object())
      name = JsonString(v, "name");
    name = Collapse(name);
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  if (a.is_array())
    for (const auto& v : a) add(v);
  else
    add(a);
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

struct JsonLd {
  std::string headline, author, date, body, publisher, language;
  std::vector<std::string> keywords;
};

bool ReadJsonLd(const std::vector<std::string>& blocks, JsonLd* out, std::vector<std::string>* warnings) {
  for (size_t b = 0; b < blocks.size(); ++b) {
    nlohmann::json j;
    JsonDisposer dispose_j{j};
    ParseJson(blocks[b], &j);
    if (j.is_discarded()) {
      warnings->push_back("JSON-LD block " + std::to_string(b + 1) + " is not valid JSON; ignored");
      continue;
    }
    const nlohmann::json* a = FindArticle(j);
    if (!a) continue;
    out->headline = Collapse(JsonString(*a, "headline"));
    if (auto it = a->find("author"); it != a->end()) out->author = AuthorNames(*it);
    out->date = JsonString(*a, "datePublished");
    out->body = PlainParagraphs(JsonString(*a, "articleBody"), /*every_line=*/true);
    out->publisher = Collapse(JsonString(*a, "publisher"));
    out->language = JsonString(*a, "inLanguage");
    if (auto it = a->find("keywords"); it != a->end()) {
      if (it->is_array()) {
        for (const auto& k : *it)
          if (k.is_string()) out->keywords.push_back(k.get<std::string>());
      } else if (it->is_string()) {
        out->keywords.push_back(it->get<std::string>());  // split on commas below
      }
    }
    return true;
  }
  return false;
}

// --- the page -----------------------------------------------------------------------

size_t WordCount(std::string_view s) {
  size_t n = 0;
  bool in = false;
  for (char c : s) {
    if (IsSpace(c))
      in = false;
    else if (!in)
      in = true, ++n;
  }
  return n;
}

// A <title> without the site's name after a separator.
std::string StripSiteSuffix(const std::string& title, const std::string& site) {
  static const char* const kSeparators[] = {" | ", " - ", " \u2014 ", " \u2013 "};
  size_t at = std::string::npos, len = 0;
  for (const char* sep : kSeparators) {
    size_t p = title.rfind(sep);
    if (p != std::string::npos && (at == std::string::npos || p > at)) at = p, len = std::strlen(sep);
  }
  if (at == std::string::npos || at == 0) return title;
  std::string_view suffix = Trim(std::string_view(title).substr(at + len));
  std::string_view head = Trim(std::string_view(title).substr(0, at));
  if (head.empty()) return title;
  if (!site.empty() && EqualNoCase(suffix, site)) return std::string(head);
  // A short name that does not start in lower case ("Meridian Wire", "WSJ")
  // after a longer title.
  bool short_name = !suffix.empty() && suffix.size() <= 30 && WordCount(suffix) <= 3 &&
                    !std::islower(static_cast<unsigned char>(suffix.front())) && head.size() > suffix.size();
  return short_name ? std::string(head) : title;
}

std::string Byline(std::string text) {
  text = Collapse(text);
  if (text.size() > 3 &&
      (text.compare(0, 3, "By ") == 0 || text.compare(0, 3, "by ") == 0 || text.compare(0, 3, "BY ") == 0))
    text = std::string(Trim(std::string_view(text).substr(3)));
  return text.size() <= 100 ? text : "";
}

void AddTopics(std::string_view list, std::vector<std::string>* topics) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string t = Collapse(list.substr(0, comma));
    if (!t.empty() &&
        std::none_of(topics->begin(), topics->end(), [&](const std::string& x) { return EqualNoCase(x, t); }))
      topics->push_back(std::move(t));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

ParsedFile ReadPage(std::string_view bytes, const std::string& id, const std::string& path) {
  ParsedFile out;
  std::string text = PageText(bytes, &out.warnings);
  Tree tree(text, &out.warnings);
  const GumboNode* root = tree.root();

  // Metadata: what the head and the scripts declare.
  std::unordered_map<std::string, std::string> meta;  // first value of each name or property
  std::vector<std::string> tags, jsonld;
  std::string title, canonical, lang = std::string(Attr(root, "lang"));
  {
    std::vector<const GumboNode*> stack{root};
    while (!stack.empty()) {
      const GumboNode* n = stack.back();
      stack.pop_back();
      if (!IsElement(n)) continue;
      GumboTag t = TagOf(n);
      if (t == GUMBO_TAG_META) {
        std::string key = Lower(Attr(n, "property"));
        if (key.empty()) key = Lower(Attr(n, "name"));
        std::string content(Attr(n, "content"));
        if (key == "article:tag")
          tags.push_back(content);
        else if (!key.empty())
          meta.emplace(key, content);
      } else if (t == GUMBO_TAG_TITLE && n->v.element.tag_namespace == GUMBO_NAMESPACE_HTML && title.empty()) {
        const GumboVector& kids = n->v.element.children;
        for (unsigned k = 0; k < kids.length; ++k) {
          const GumboNode* c = static_cast<const GumboNode*>(kids.data[k]);
          if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_WHITESPACE) title += c->v.text.text;
        }
        title = Collapse(title);
      } else if (t == GUMBO_TAG_LINK && HasWord(Attr(n, "rel"), "canonical") && canonical.empty()) {
        canonical = std::string(Trim(Attr(n, "href")));
      } else if (t == GUMBO_TAG_SCRIPT && Lower(Trim(Attr(n, "type"))) == "application/ld+json") {
        std::string block;
        const GumboVector& kids = n->v.element.children;
        for (unsigned k = 0; k < kids.length; ++k) {
          const GumboNode* c = static_cast<const GumboNode*>(kids.data[k]);
          if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_WHITESPACE || c->type == GUMBO_NODE_CDATA)
            block += c->v.text.text;
        }
        jsonld.push_back(std::move(block));
      }
      const GumboVector& kids = n->v.element.children;
      for (unsigned k = kids.length; k-- > 0;) stack.push_back(static_cast<const GumboNode*>(kids.data[k]));
    }
  }
  auto Meta = [&](const char* key) {
    auto it = meta.find(key);
    return it == meta.end() ? std::string() : Collapse(it->second);
  };
  JsonLd ld;
  ReadJsonLd(jsonld, &ld, &out.warnings);

  // The page's elements: articles (the outermost ones), bylines, times, <h1>s.
  // Headers and footers of the page (not of an article or section) are its
  // frame: their bylines and times are not the article's.
  std::vector<const GumboNode*> articles;
  struct Found {
    const GumboNode* node;
    const GumboNode* article;  // the outermost <article> it is in, or null
  };
  std::vector<Found> times, rel_authors, authors, bylines;
  const GumboNode* h1 = nullptr;
  {
    struct Item {
      const GumboNode* node;
      const GumboNode* article;
      bool in_section, in_frame;
    };
    std::vector<Item> stack{{root, nullptr, false, false}};
    while (!stack.empty()) {
      Item it = stack.back();
      stack.pop_back();
      const GumboNode* n = it.node;
      if (!IsElement(n) || (n != root && LeftOut(n, Scope::kPage))) continue;
      GumboTag t = TagOf(n);
      if (t == GUMBO_TAG_ARTICLE && !it.article) articles.push_back(n), it.article = n;
      if ((t == GUMBO_TAG_HEADER || t == GUMBO_TAG_FOOTER) && !it.in_section) it.in_frame = true;
      if (t == GUMBO_TAG_ARTICLE || t == GUMBO_TAG_MAIN || t == GUMBO_TAG_SECTION) it.in_section = true;
      if (it.article || !it.in_frame) {
        if (t == GUMBO_TAG_TIME && !Attr(n, "datetime").empty()) times.push_back({n, it.article});
        if (t == GUMBO_TAG_H1 && !h1) h1 = n;
        if (HasWord(Attr(n, "rel"), "author")) rel_authors.push_back({n, it.article});
        for (const auto& words : NameWords(Attr(n, "class"))) {
          if (words.back() == "author" ||
              (words.back() == "name" && std::find(words.begin(), words.end(), "author") != words.end())) {
            authors.push_back({n, it.article});
            break;
          }
          if (std::find(words.begin(), words.end(), "byline") != words.end()) {
            bylines.push_back({n, it.article});
            break;
          }
        }
      }
      const GumboVector& kids = n->v.element.children;
      for (unsigned k = kids.length; k-- > 0;)
        stack.push_back({static_cast<const GumboNode*>(kids.data[k]), it.article, it.in_section, it.in_frame});
    }
  }

  // The article element: the outermost one with the most text.
  const GumboNode* article = nullptr;
  std::string article_text;
  for (const GumboNode* a : articles) {
    std::string t = TextOf(a, Scope::kBody);
    if (!article || t.size() > article_text.size()) article = a, article_text = std::move(t);
  }
  if (article && article_text.empty()) article = nullptr;
  // The first that `accept` takes, preferring those inside the chosen article.
  auto first = [&](const std::vector<Found>& found, auto&& accept) -> std::string {
    for (int pass = article ? 0 : 1; pass < 2; ++pass)
      for (const Found& f : found) {
        if (pass == 0 && f.article != article) continue;
        std::string v = accept(f.node);
        if (!v.empty()) return v;
      }
    return "";
  };

  Document d;
  d.id = id;
  d.path = path;
  std::string site = Meta("og:site_name");
  // Title.
  d.title = Meta("og:title");
  if (d.title.empty() && !title.empty()) d.title = StripSiteSuffix(title, site);
  if (d.title.empty()) d.title = ld.headline;
  if (d.title.empty() && h1) d.title = Collapse(TextOf(h1, Scope::kPage, nullptr, kMaxTitleBytes * 4));
  if (d.title.empty()) out.warnings.push_back("no title (no og:title meta, <title>, JSON-LD headline or <h1>)");
  // Author.
  d.author = Meta("author");
  if (d.author.empty()) d.author = ld.author;
  auto byline = [](const GumboNode* n) { return Byline(TextOf(n, Scope::kPage, nullptr, 200)); };
  if (d.author.empty()) d.author = first(rel_authors, byline);
  if (d.author.empty()) d.author = first(authors, byline);
  if (d.author.empty()) d.author = first(bylines, byline);
  // Date: the first source present that parses.
  auto try_date = [&](const std::string& value, const char* where) {
    if (Trim(value).empty()) return false;
    if (auto day = ParseHeaderDate(value)) {
      d.date = *day;
      return true;
    }
    out.warnings.push_back("unparseable date '" + std::string(Trim(value)) + "' in " + where +
                           " (expected e.g. 2025-09-15T08:00:00Z)");
    return false;
  };
  if (!try_date(Meta("article:published_time"), "the article:published_time meta") &&
      !try_date(ld.date, "the JSON-LD datePublished"))
    try_date(first(times, [](const GumboNode* n) { return std::string(Trim(Attr(n, "datetime"))); }),
             "<time datetime>");
  // Language.
  d.language = PrimaryLanguage(lang);
  if (d.language.empty()) d.language = PrimaryLanguage(ld.language);
  // Topics: the keywords the page declares.
  for (const std::string& t : tags) AddTopics(t, &d.topics);
  AddTopics(Meta("news_keywords"), &d.topics);
  for (const std::string& k : ld.keywords) AddTopics(k, &d.topics);
  // Body.
  if (!ld.body.empty()) {
    d.body = std::move(ld.body);
  } else if (article) {
    // An <h1> with the title, outside a header, is not body text.
    const GumboNode* heading = nullptr;
    ForEachElement(article, Scope::kBody, [&](const GumboNode* n) {
      if (!heading && TagOf(n) == GUMBO_TAG_H1 && TextOf(n, Scope::kBody, nullptr, d.title.size()) == d.title)
        heading = n;
    });
    d.body = heading ? TextOf(article, Scope::kBody, heading) : std::move(article_text);
  } else {
    // The element with the most text in its own paragraphs.
    std::unordered_map<const GumboNode*, size_t> score;
    const GumboNode* best = nullptr;
    ForEachElement(root, Scope::kBody, [&](const GumboNode* n) {
      if (TagOf(n) != GUMBO_TAG_P || !n->parent) return;
      size_t& s = score[n->parent];
      s += TextOf(n, Scope::kBody).size();  // a <p> holds no <p>: each is read once
      if (!best || s > score[best]) best = n->parent;
    });
    if (best) d.body = TextOf(best, Scope::kBody);
  }
  if (d.body.empty()) out.warnings.push_back("no article text found (no JSON-LD articleBody, <article> or paragraphs)");
  // Extra fields.
  if (site.empty()) site = ld.publisher;
  if (!site.empty()) d.extra.emplace_back("Source", site);
  if (canonical.empty()) canonical = Meta("og:url");
  if (!canonical.empty()) d.extra.emplace_back("URL", canonical);
  // gumbo turns a numeric character reference too long for 32 bits (and no
  // ';', "&#82055555555555") into a lone byte that is no UTF-8: every field
  // is made valid text again, as the cleaned input was.
  MakeValidUtf8(&d.title);
  MakeValidUtf8(&d.body);
  MakeValidUtf8(&d.author);
  for (std::string& v : d.actors) MakeValidUtf8(&v);
  for (std::string& v : d.topics) MakeValidUtf8(&v);
  for (auto& [key, value] : d.extra) MakeValidUtf8(&value);
  out.docs.push_back(std::move(d));
  return out;
}

#else  // !LOUPE_HAVE_GUMBO

// Without gumbo: tags dropped, the common entities decoded, block tags as
// paragraph breaks. Enough for feed summaries and e-mail, not for pages.
void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp == 0 || cp > 0x10FFFF || U_IS_SURROGATE(cp)) cp = 0xFFFD;
  char buf[U8_MAX_LENGTH];
  int32_t n = 0;
  U8_APPEND_UNSAFE(buf, n, cp);
  out->append(buf, static_cast<size_t>(n));
}

std::string DecodeEntities(std::string_view s) {
  // The entities feeds and mail use most: markup, punctuation, Latin-1 letters.
  static const std::pair<const char*, uint32_t> kNamed[] = {
      {"amp", '&'},      {"lt", '<'},       {"gt", '>'},        {"quot", '"'},     {"apos", '\''},    {"nbsp", 0xA0},
      {"mdash", 0x2014}, {"ndash", 0x2013}, {"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
      {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bdquo", 0x201E},  {"laquo", 0xAB},   {"raquo", 0xBB},   {"middot", 0xB7},
      {"bull", 0x2022},  {"copy", 0xA9},    {"reg", 0xAE},      {"trade", 0x2122}, {"euro", 0x20AC},  {"pound", 0xA3},
      {"yen", 0xA5},     {"cent", 0xA2},    {"deg", 0xB0},      {"times", 0xD7},   {"shy", 0xAD},     {"szlig", 0xDF},
      {"agrave", 0xE0},  {"aacute", 0xE1},  {"acirc", 0xE2},    {"atilde", 0xE3},  {"auml", 0xE4},    {"ccedil", 0xE7},
      {"egrave", 0xE8},  {"eacute", 0xE9},  {"ecirc", 0xEA},    {"euml", 0xEB},    {"iacute", 0xED},  {"icirc", 0xEE},
      {"iuml", 0xEF},    {"ntilde", 0xF1},  {"oacute", 0xF3},   {"ocirc", 0xF4},   {"ouml", 0xF6},    {"uacute", 0xFA},
      {"ugrave", 0xF9},  {"uuml", 0xFC},    {"Aacute", 0xC1},   {"Eacute", 0xC9},  {"Ntilde", 0xD1},  {"Ouml", 0xD6},
      {"Uuml", 0xDC}};
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    size_t semi = s[i] == '&' ? s.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back(s[i]);
      continue;
    }
    std::string_view name = s.substr(i + 1, semi - i - 1);
    uint32_t cp = 0;
    if (name.size() > 1 && name[0] == '#') {
      bool hex = name[1] == 'x' || name[1] == 'X';
      for (char c : name.substr(hex ? 2 : 1)) {
        int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : hex && std::isxdigit(static_cast<unsigned char>(c))
                    ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                    : -1;
        if (v < 0 || cp > 0x10FFFF) {
          cp = 0;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
      }
    } else {
      for (const auto& [k, v] : kNamed)
        if (name == k) cp = v;
    }
    if (!cp) {
      out.push_back(s[i]);
      continue;
    }
    AppendUtf8(cp, &out);
    i = semi;
  }
  return out;
}

std::string StripTags(std::string_view in) {
  static const char* const kBlocks[] = {
      "p",  "div",   "section",    "article", "h1", "h2", "h3", "h4", "h5",     "h6",     "ul",     "ol",        "li",
      "tr", "table", "blockquote", "pre",     "hr", "dl", "dt", "dd", "header", "footer", "figure", "figcaption"};
  Paragraphs p;
  size_t i = 0;
  while (i < in.size()) {
    size_t lt = in.find('<', i);
    p.Text(DecodeEntities(in.substr(i, lt == std::string_view::npos ? lt : lt - i)));
    if (lt == std::string_view::npos) break;
    if (in.compare(lt, 4, "<!--") == 0) {
      size_t e = in.find("-->", lt + 4);
      i = e == std::string_view::npos ? in.size() : e + 3;
      continue;
    }
    size_t gt = in.find('>', lt);
    if (gt == std::string_view::npos) break;
    std::string_view tag = in.substr(lt + 1, gt - lt - 1);
    bool end = !tag.empty() && tag[0] == '/';
    if (end) tag.remove_prefix(1);
    size_t name_end = 0;
    while (name_end < tag.size() && std::isalnum(static_cast<unsigned char>(tag[name_end]))) ++name_end;
    std::string name = Lower(tag.substr(0, name_end));
    i = gt + 1;
    if (!end && (name == "script" || name == "style" || name == "head" || name == "title")) {
      size_t e = FindEndTag(in, name, i);
      i = e == std::string_view::npos ? in.size() : e;
      continue;
    }
    if (name == "br")
      p.LineBreak();
    else if (std::any_of(std::begin(kBlocks), std::end(kBlocks), [&](const char* k) { return name == k; }))
      p.Break();
    else if (name == "td" || name == "th")
      p.Space();
  }
  return p.Take();
}

#endif  // LOUPE_HAVE_GUMBO

}  // namespace

bool HtmlReaderBuilt() {
#ifdef LOUPE_HAVE_GUMBO
  return true;
#else
  return false;
#endif
}

Result<ParsedFile> ParseHtml(std::string_view bytes, const std::string& id, const std::string& path) {
  return Guard([&]() -> Result<ParsedFile> { return ReadHtml(bytes, id, path); });
}

ParsedFile ReadHtml(std::string_view bytes, const std::string& id, const std::string& path) {
#ifdef LOUPE_HAVE_GUMBO
  return ReadPage(bytes, id, path);
#else
  ParsedFile out;
  out.warnings.push_back(kHtmlNotBuilt);
  return out;
#endif
}

Result<std::string> HtmlToText(std::string_view html) {
  return Guard([&]() -> Result<std::string> { return ReadHtmlText(html); });
}

std::string ReadHtmlText(std::string_view html) {
  std::vector<std::string> ignored;
  std::string text = DoCleanText(html, &ignored);
#ifdef LOUPE_HAVE_GUMBO
  Tree tree(text, nullptr);
  std::string out = TextOf(tree.root(), Scope::kFragment);
  MakeValidUtf8(&out);  // see ReadPage
  return out;
#else
  return StripTags(text);
#endif
}

}  // namespace loupe::ingest
