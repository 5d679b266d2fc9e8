#include "loupe/ingest/feed.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loupe/ingest/html.h"
#include "readers.h"
#include "util/guard.h"
#include "web_text.h"

#ifdef LOUPE_HAVE_LIBXML2
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <unicode/utf8.h>

#include <mutex>
#endif

namespace loupe::ingest {

#ifdef LOUPE_HAVE_LIBXML2
namespace {

// Errors libxml2 reports while parsing (warnings are not kept).
struct Errors {
  std::vector<std::string> first;  // "line N: XML error: message"
  size_t more = 0;
};

void OnError(void* ctx, xmlErrorPtr e) {
  if (!e || e->level < XML_ERR_ERROR) return;
  auto* errors = static_cast<Errors*>(static_cast<xmlParserCtxtPtr>(ctx)->_private);
  if (errors->first.size() >= 3) {
    ++errors->more;
    return;
  }
  std::string msg =
      "line " + std::to_string(e->line) + ": XML error: " + (e->message ? CollapseSpace(e->message) : "unknown error");
  if (std::find(errors->first.begin(), errors->first.end(), msg) != errors->first.end()) return;  // said once
  errors->first.push_back(std::move(msg));
}

const char* kDublinCore = "http://purl.org/dc/elements/1.1/";
const char* kContentModule = "http://purl.org/rss/1.0/modules/content/";

bool Named(xmlNodePtr n, const char* name) {
  return n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}

// An element of a module (dc:creator, content:encoded), by namespace or by the
// usual prefix (feeds that forget to declare it).
bool NamedIn(xmlNodePtr n, const char* name, const char* ns, const char* prefix) {
  if (n->type != XML_ELEMENT_NODE) return false;
  std::string full = std::string(prefix) + ":" + name;
  if (std::strcmp(reinterpret_cast<const char*>(n->name), full.c_str()) == 0) return true;
  if (!Named(n, name) || !n->ns) return false;
  if (n->ns->href && std::strcmp(reinterpret_cast<const char*>(n->ns->href), ns) == 0) return true;
  return n->ns->prefix && std::strcmp(reinterpret_cast<const char*>(n->ns->prefix), prefix) == 0;
}

std::string AttrOf(xmlNodePtr n, const char* name) {
  xmlChar* v = xmlGetNoNsProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return "";
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return out;
}

class FeedReader {
 public:
  FeedReader(const std::string& id, const std::string& path, ParsedFile* out) : id_(id), path_(path), out_(out) {}

  void Read(xmlDocPtr doc) {
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) {
      out_->warnings.push_back("not well-formed XML; no articles read");
      return;
    }
    std::string name = reinterpret_cast<const char*>(root->name);
    std::vector<xmlNodePtr> items;
    xmlNodePtr channel = nullptr;
    if (name == "rss" || name == "RDF") {  // RSS 2.0 and 0.9x; RSS 1.0 (rdf:RDF) has its items beside the channel
      atom_ = false;
      for (xmlNodePtr c = root->children; c; c = c->next)
        if (Named(c, "channel") && !channel) channel = c;
      for (xmlNodePtr parent : {channel, root})
        if (parent)
          for (xmlNodePtr c = parent->children; c; c = c->next)
            if (Named(c, "item")) items.push_back(c);
    } else if (name == "feed") {
      atom_ = true;
      channel = root;
      for (xmlNodePtr c = root->children; c; c = c->next)
        if (Named(c, "entry")) items.push_back(c);
    } else {
      std::string qname = root->ns && root->ns->prefix
                              ? std::string(reinterpret_cast<const char*>(root->ns->prefix)) + ":" + name
                              : name;
      out_->warnings.push_back("not an RSS or Atom feed (root <" + qname + ">); no articles read");
      return;
    }
    if (channel) {
      for (xmlNodePtr c = channel->children; c; c = c->next) {
        if (Named(c, "title") && source_.empty()) source_ = TextConstruct(c, /*one_line=*/true);
        if (!atom_ && (Named(c, "language") || NamedIn(c, "language", kDublinCore, "dc")) && language_.empty())
          language_ = PrimaryLanguage(Text(c));
        if (atom_ && Named(c, "author")) feed_authors_ = AtomAuthors(c, feed_authors_);
      }
    }
    if (items.empty()) out_->warnings.push_back(std::string("the feed has no ") + (atom_ ? "entries" : "items"));
    for (size_t i = 0; i < items.size(); ++i) Item(items[i], i + 1);
    if (budget_exhausted_)
      out_->warnings.push_back("entity references expand to more than " + std::to_string(kMaxEntityText >> 20) +
                               " MiB of text; the rest are left out");
  }

 private:
  // The text in an element, with internal entities expanded within the
  // budget; external ones were never loaded. Iterative.
  std::string Text(xmlNodePtr n) {
    std::string out;
    std::vector<std::pair<xmlNodePtr, bool>> stack{{n->children, false}};  // next sibling, in an entity
    while (!stack.empty()) {
      auto& top = stack.back();
      xmlNodePtr c = top.first;
      bool in_entity = top.second;
      if (!c) {
        stack.pop_back();
        continue;
      }
      top.first = c->next;
      switch (c->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE: {
          size_t len = c->content ? std::strlen(reinterpret_cast<const char*>(c->content)) : 0;
          if (in_entity && !Charge(len)) break;
          if (len) out.append(reinterpret_cast<const char*>(c->content), len);
          break;
        }
        case XML_ELEMENT_NODE:
          if (in_entity && !Charge(1)) break;
          stack.push_back({c->children, in_entity});
          break;
        case XML_ENTITY_REF_NODE: {
          xmlEntityPtr e = xmlGetDocEntity(c->doc, c->name);
          if (!e || e->etype != XML_INTERNAL_GENERAL_ENTITY || !Charge(1)) break;
          stack.push_back({e->children, true});
          break;
        }
        default:
          break;
      }
    }
    return out;
  }

  bool Charge(size_t bytes) {
    if (budget_exhausted_ || bytes > entity_budget_) return !(budget_exhausted_ = true);
    entity_budget_ -= bytes;
    return true;
  }

  // An Atom text construct (type text, html or xhtml) or an RSS element, as text.
  std::string TextConstruct(xmlNodePtr n, bool one_line) {
    std::string type = atom_ ? Lower(AttrOf(n, "type")) : "";
    std::string text;
    if (type == "xhtml") {
      std::string markup;
      xmlBufferPtr buf = xmlBufferCreate();
      for (xmlNodePtr c = n->children; c && buf; c = c->next) {
        xmlBufferEmpty(buf);
        if (xmlNodeDump(buf, n->doc, c, 0, 0) >= 0) markup.append(reinterpret_cast<const char*>(xmlBufferContent(buf)));
      }
      if (buf) xmlBufferFree(buf);
      text = ReadHtmlText(markup);
    } else if (type == "html" || type == "text/html") {
      text = ReadHtmlText(Text(n));
    } else {
      text = one_line ? Text(n) : PlainParagraphs(Text(n), /*every_line=*/false);
    }
    return one_line ? CollapseSpace(text) : text;
  }

  // "Name, Name" of an Atom element's <author>s, appended to `names`.
  std::string AtomAuthors(xmlNodePtr author, std::string names) {
    for (xmlNodePtr c = author->children; c; c = c->next)
      if (Named(c, "name")) {
        std::string name = CollapseSpace(Text(c));
        if (!name.empty()) names += (names.empty() ? "" : ", ") + name;
      }
    return names;
  }

  void Item(xmlNodePtr item, size_t n) {
    const std::string where =
        "line " + std::to_string(xmlGetLineNo(item)) + ": " + (atom_ ? "entry " : "item ") + std::to_string(n) + ": ";
    Document d;
    d.path = path_;
    std::string key, link, creator, author, content, summary, description;
    std::vector<std::pair<std::string, const char*>> dates;  // value, element
    for (xmlNodePtr c = item->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (NamedIn(c, "creator", kDublinCore, "dc")) {
        if (creator.empty()) creator = CollapseSpace(Text(c));
      } else if (NamedIn(c, "date", kDublinCore, "dc")) {
        dates.emplace_back(Text(c), "dc:date");
      } else if (NamedIn(c, "subject", kDublinCore, "dc")) {
        AddTopic(CollapseSpace(Text(c)), &d);
      } else if (NamedIn(c, "encoded", kContentModule, "content")) {
        if (content.empty()) content = ReadHtmlText(Text(c));
      } else if (c->ns && !atom_ && c->ns->href &&
                 std::strcmp(reinterpret_cast<const char*>(c->ns->href), "http://www.w3.org/2005/Atom") == 0) {
        continue;  // atom:link rel="self" and the like in an RSS item
      } else if (Named(c, "title")) {
        if (d.title.empty()) d.title = TextConstruct(c, /*one_line=*/true);
      } else if (Named(c, "guid") || (atom_ && Named(c, "id"))) {
        if (key.empty()) key = CollapseSpace(Text(c));
      } else if (Named(c, "link")) {
        std::string rel = AttrOf(c, "rel");
        std::string href = atom_ ? AttrOf(c, "href") : CollapseSpace(Text(c));
        if (link.empty() && (rel.empty() || rel == "alternate")) link = CollapseSpace(href);
      } else if (Named(c, "author")) {
        if (atom_)
          author = AtomAuthors(c, author);
        else if (author.empty())
          author = RssAuthor(CollapseSpace(Text(c)));
      } else if (Named(c, "pubDate") || Named(c, "published")) {
        dates.insert(dates.begin(), {Text(c), reinterpret_cast<const char*>(c->name)});
      } else if (Named(c, "updated")) {
        dates.emplace_back(Text(c), "updated");
      } else if (Named(c, "category")) {
        std::string label = atom_ ? AttrOf(c, "label") : "";
        if (label.empty()) label = atom_ ? AttrOf(c, "term") : Text(c);
        AddTopic(CollapseSpace(label), &d);
      } else if (Named(c, "content") && atom_) {
        if (content.empty() && AttrOf(c, "src").empty()) content = TextConstruct(c, /*one_line=*/false);
      } else if (Named(c, "summary")) {
        if (summary.empty()) summary = TextConstruct(c, /*one_line=*/false);
      } else if (Named(c, "description")) {
        if (description.empty()) description = ReadHtmlText(Text(c));
      }
    }
    if (key.empty()) key = link;
    if (key.empty()) key = std::to_string(n);
    d.id = id_ + "#" + key;
    d.author = !creator.empty() ? creator : !author.empty() ? author : atom_ ? feed_authors_ : "";
    for (const auto& [value, element] : dates) {
      if (auto day = ParseHeaderDate(value)) {
        d.date = *day;
        break;
      }
      out_->warnings.push_back(where + "unparseable date '" + CollapseSpace(value) + "' in <" + element +
                               ">; the article is left undated");
    }
    d.body = !content.empty() ? std::move(content) : !summary.empty() ? std::move(summary) : std::move(description);
    if (atom_) {
      xmlChar* lang = xmlNodeGetLang(item);
      if (lang) {
        d.language = PrimaryLanguage(reinterpret_cast<const char*>(lang));
        xmlFree(lang);
      }
    } else {
      d.language = language_;
    }
    if (!link.empty()) d.extra.emplace_back("URL", link);
    if (!source_.empty()) d.extra.emplace_back("Source", source_);
    if (d.title.empty() && d.body.empty()) {
      out_->warnings.push_back(where + "no title and no text; left out");
      return;
    }
    auto [it, fresh] = seen_.try_emplace(d.id, n);
    if (!fresh) {
      out_->warnings.push_back(where + "id '" + d.id + "' is also " + (atom_ ? "entry " : "item ") +
                               std::to_string(it->second) + "'s; this one is left out");
      return;
    }
    out_->docs.push_back(std::move(d));
  }

  // "dana@example.com (Dana Whitcombe)" gives the name.
  static std::string RssAuthor(const std::string& v) {
    size_t open = v.find('('), close = v.rfind(')');
    if (open != std::string::npos && close != std::string::npos && close > open + 1)
      return CollapseSpace(std::string_view(v).substr(open + 1, close - open - 1));
    return v;
  }

  static void AddTopic(std::string t, Document* d) {
    if (t.empty()) return;
    for (const auto& x : d->topics)
      if (Lower(x) == Lower(t)) return;
    d->topics.push_back(std::move(t));
  }

  const std::string& id_;
  const std::string& path_;
  ParsedFile* out_;
  bool atom_ = false;
  std::string source_, language_, feed_authors_;
  std::unordered_map<std::string, size_t> seen_;  // article id -> item number
  size_t entity_budget_ = kMaxEntityText;
  bool budget_exhausted_ = false;
};

// Replaces each invalid UTF-8 sequence of *s with U+FFFD; true if there was one.
bool MakeValidUtf8(std::string* s) {
  const char* p = s->data();
  const int32_t n = static_cast<int32_t>(std::min<size_t>(s->size(), INT32_MAX));
  bool valid = true;
  for (int32_t i = 0; i < n && valid;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    valid = c >= 0;
  }
  if (valid) return false;
  std::vector<std::string> ignored;
  *s = DoCleanText(*s, &ignored);
  return true;
}

}  // namespace
#endif  // LOUPE_HAVE_LIBXML2

bool FeedReaderBuilt() {
#ifdef LOUPE_HAVE_LIBXML2
  return true;
#else
  return false;
#endif
}

Result<ParsedFile> ParseFeed(std::string_view bytes, const std::string& id, const std::string& path) {
  return Guard([&]() -> Result<ParsedFile> { return ReadFeed(bytes, id, path); });
}

ParsedFile ReadFeed(std::string_view bytes, const std::string& id, const std::string& path) {
  ParsedFile out;
#ifdef LOUPE_HAVE_LIBXML2
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    out.warnings.push_back("feed is over 2 GiB; not read");
    return out;
  }
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) {
    out.warnings.push_back("out of memory for the XML parser; not read");
    return out;
  }
  Errors errors;
  ctxt->_private = &errors;
  ctxt->sax->serror = OnError;  // errors come here, never to standard error
  // No network, no external entities or DTD (not asked for), no entity
  // substitution (references are expanded by the reader within a budget), the
  // default size and depth limits (no XML_PARSE_HUGE); recover what a broken
  // feed still has.
  const int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                      XML_PARSE_NOWARNING | XML_PARSE_COMPACT;
  xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr, options);
  for (const std::string& e : errors.first) out.warnings.push_back(e);
  if (errors.more) out.warnings.push_back(std::to_string(errors.more) + " more XML errors");
  if (doc) {
    FeedReader(id, path, &out).Read(doc);
    xmlFreeDoc(doc);
    // A feed recovered from broken XML can keep bytes that are not UTF-8
    // (libxml2 passes them through); articles hold valid UTF-8 only.
    bool replaced = false;
    for (Document& d : out.docs) {
      for (std::string* field : {&d.title, &d.body, &d.author, &d.language}) replaced |= MakeValidUtf8(field);
      for (std::string& v : d.actors) replaced |= MakeValidUtf8(&v);
      for (std::string& v : d.topics) replaced |= MakeValidUtf8(&v);
      for (auto& [key, value] : d.extra) replaced |= MakeValidUtf8(&value);
    }
    if (replaced) out.warnings.push_back("text that is not UTF-8 replaced by U+FFFD");
  } else {
    out.warnings.push_back("not well-formed XML; no articles read");
  }
  xmlFreeParserCtxt(ctxt);
#else
  out.warnings.push_back(kFeedNotBuilt);
#endif
  return out;
}

}  // namespace loupe::ingest
