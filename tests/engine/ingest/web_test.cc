// Golden tests of the web page and feed readers on the pages and feeds of
// tests/data/web (every field checked), HtmlToText, the title, JSON-LD and
// feed-id rules, `loupe index` on the folder twice, and hostile inputs built
// here: a 50 MB page, a page nested 100,000 deep, a feed of 100,000 items, and
// entity bombs.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "loupe/ingest/feed.h"
#include "loupe/ingest/formats.h"
#include "loupe/ingest/html.h"
#include "support/test_util.h"

using namespace loupe;
using namespace loupe::ingest;
using Strings = std::vector<std::string>;
using Extra = std::vector<std::pair<std::string, std::string>>;

namespace {

const std::string kData = std::string(LOUPE_SOURCE_DIR) + "/tests/data/web/";

std::string Day(const std::optional<Days>& d) { return d ? FormatIsoDate(*d) : "none"; }

ParsedFile ParseData(const std::string& name) {
  std::string bytes = test::Slurp(kData + name);
  REQUIRE(!bytes.empty());
  auto format = FormatOf(name);
  REQUIRE(format);
  return ParseFile(bytes, *format, name, kData + name).value();
}

// Skips a test case in a build without the reader (it still runs, and passes, there).
#define REQUIRE_HTML()                                   \
  if (!HtmlReaderBuilt()) {                              \
    WARN("built without gumbo: web page tests not run"); \
    return;                                              \
  }
#define REQUIRE_FEEDS()                                \
  if (!FeedReaderBuilt()) {                            \
    WARN("built without libxml2: feed tests not run"); \
    return;                                            \
  }

ParsedFile Page(const std::string& html) { return ParseFile(html, Format::kHtml, "p.html", "p.html").value(); }
ParsedFile Feed(const std::string& xml) { return ParseFile(xml, Format::kFeed, "f.xml", "f.xml").value(); }

using test::WriteFile;

}  // namespace

TEST_CASE("web formats by extension, and whether this build reads them") {
  CHECK(FormatOf("a/b.html") == Format::kHtml);
  CHECK(FormatOf("a/b.HTM") == Format::kHtml);
  CHECK(FormatOf("feeds/x.rss") == Format::kFeed);
  CHECK(FormatOf("feeds/x.atom") == Format::kFeed);
  CHECK(FormatOf("feeds/x.xml") == Format::kFeed);
  CHECK(FormatOf("a.xhtml") == std::nullopt);
  CHECK(std::string(FormatName(Format::kHtml)) == "html");
  CHECK(std::string(FormatName(Format::kFeed)) == "feed");
  CHECK(FormatMissing(Format::kText) == nullptr);
  const std::string why = FormatMissing(Format::kHtml) ? FormatMissing(Format::kHtml) : "";
  CHECK((FormatMissing(Format::kHtml) == nullptr) == HtmlReaderBuilt());
  CHECK((FormatMissing(Format::kFeed) == nullptr) == FeedReaderBuilt());
  if (!HtmlReaderBuilt()) {
    CHECK(why == "HTML reader not built: install libgumbo-dev and rebuild");
    auto p = Page("<title>x</title>");
    CHECK(p.docs.empty());
    CHECK(p.warnings == Strings{"HTML reader not built: install libgumbo-dev and rebuild"});
  }
  if (!FeedReaderBuilt()) {
    auto p = Feed("<rss/>");
    CHECK(p.docs.empty());
    CHECK(p.warnings == Strings{"feed reader not built: install libxml2-dev and rebuild"});
  }
}

TEST_CASE("a news page with JSON-LD: the NewsArticle's fields, its articleBody as the body") {
  REQUIRE_HTML();
  ParsedFile p = ParseData("geneva-truce.html");
  CHECK(p.warnings.empty());
  REQUIRE(p.docs.size() == 1);
  const Document& d = p.docs[0];
  CHECK(d.id == "geneva-truce.html");
  CHECK(d.path == kData + "geneva-truce.html");
  CHECK(d.title == "U.S. and China Agree to 90-Day Tariff Truce in Geneva");  // og:title
  CHECK(d.author == "Dana Whitcombe, Lin Mei");                               // JSON-LD author array
  CHECK(Day(d.date) == "2025-05-12");                                         // datePublished 09:30+02:00
  CHECK(d.language == "en");                                                  // <html lang="en-US">
  CHECK(d.topics == Strings{"tariffs", "trade truce", "Geneva"});
  CHECK(d.actors.empty());
  CHECK(d.extra ==
        Extra{{"Source", "Meridian Wire"}, {"URL", "https://meridian-wire.example/2025/05/12/geneva-tariff-truce"}});
  // The articleBody: one paragraph per line, not the page's figure caption.
  CHECK(d.body ==
        "GENEVA \u2014 The United States and China agreed on Monday to cut the steep tariffs they had placed on each "
        "other's goods for 90 days, a pause that sent stock markets higher and gave negotiators three months to work "
        "out a broader deal.\n\n"
        "Under the arrangement, U.S. duties on most Chinese imports fall from 145 percent to 30 percent, while China "
        "lowers its levies on American goods from 125 percent to 10 percent. Both sides said the cuts would take "
        "effect within a week.\n\n"
        "\"We had very productive talks,\" Treasury Secretary Scott Bessent told reporters after two days of meetings "
        "with Vice Premier He Lifeng at a villa overlooking Lake Geneva. \"Neither side wants a decoupling.\"\n\n"
        "The talks will continue in the coming weeks, officials said, with export controls and fentanyl still "
        "unresolved.");
}

TEST_CASE("a page with only meta tags: metas, the <article> text without its header, asides and share tools") {
  REQUIRE_HTML();
  ParsedFile p = ParseData("madrid-framework.html");
  CHECK(p.warnings.empty());
  REQUIRE(p.docs.size() == 1);
  const Document& d = p.docs[0];
  CHECK(d.id == "madrid-framework.html");
  CHECK(d.title == "Madrid Talks Produce a Framework on TikTok as Tariff Questions Linger");
  CHECK(d.author == "Rafael Ortega");
  CHECK(Day(d.date) == "2025-09-16");  // 21:30 -04:00 is 01:30 UTC the next day; not the <time>'s
  CHECK(d.language == "en");
  CHECK(d.topics == Strings{"TikTok", "trade talks", "Madrid", "tariffs"});  // tags, then news_keywords, once each
  CHECK(d.extra == Extra{{"Source", "Harbor Trade Journal"},
                         {"URL", "https://harbor-trade.example/policy/2025/09/15/madrid-tiktok-framework"}});
  CHECK(
      d.body ==
      "MADRID \u2014 American and Chinese negotiators ended two days of talks in the Spanish capital on Monday with a "
      "framework for the future of TikTok, the short-video app whose U.S. operations have faced a sale-or-ban "
      "deadline since January.\n\n"
      "Treasury Secretary Scott Bessent said the outline settled the \u201c"
      "commercial terms\u201d between the two "
      "sides, and that Presidents Donald Trump and Xi Jinping would confirm it on a call later in the week.\n"
      "Details of the ownership structure were not released.\n\n"
      "Tariffs and chips\n\n"
      "The talks did not resolve the tariffs that remain on both sides, nor the U.S. export controls on advanced "
      "chips, which Beijing wants eased. Officials said tariff relief & chip controls would come up at a later "
      "round.\n\n"
      "\u201cWe are not there yet on everything,\u201d one negotiator said.\n\n"
      "Chinese state media called the meeting \u201c"
      "candid and in\u2011depth.\u201d");
  for (const char* absent : {"Share on social media", "Copy link", "A framework, not a finished deal", "By Rafael",
                             "15 September 2025", "end of the story"})
    CHECK(d.body.find(absent) == std::string::npos);
}

TEST_CASE("a cluttered page: the densest block, without banner, navigation, related links or ads") {
  REQUIRE_HTML();
  ParsedFile p = ParseData("rare-earths-cluttered.html");
  CHECK(p.warnings.empty());
  REQUIRE(p.docs.size() == 1);
  const Document& d = p.docs[0];
  CHECK(d.title == "China Widens Rare Earth Export Controls, Citing Security");  // " | Harbor Trade Journal" cut
  CHECK(d.author == "Priya Natarajan");                                          // the byline, "By " cut
  CHECK(Day(d.date) == "2025-10-09");  // the story's <time>, not the site header's
  CHECK(d.language == "en");
  CHECK(d.topics.empty());
  CHECK(d.extra == Extra{{"Source", "Harbor Trade Journal"}});
  CHECK(d.body ==
        "BEIJING \u2014 China's Commerce Ministry on Thursday expanded its export controls on rare earth elements and "
        "the technology used to mine and refine them, requiring foreign companies to obtain licenses for products "
        "that contain even small amounts of Chinese-origin material.\n\n"
        "The rules add five elements to the seven placed under control in April and cover magnets, processing "
        "equipment and know-how. Licenses for exports to defense users will in principle be denied, the ministry "
        "said.\n\n"
        "Industry groups in Europe and the United States warned that the measures could disrupt the supply of "
        "motors, sensors and chips at a time when many manufacturers were still working through shortages from the "
        "spring.\n\n"
        "Analysts said the timing, weeks before an expected meeting between the two countries' leaders, suggested "
        "Beijing wanted leverage in talks over tariffs and chip curbs.");
  for (const char* absent : {"cookies",         "Accept all",    "Manage preferences",
                             "Policy",          "Shipping",      "November 30",
                             "Advertisement",   "Related",       "port fees",
                             "magnet shortage", "newsletter",    "Subscribe",
                             "Most read",       "Soybean",       "Share",
                             "E-mail",          "About",         "JavaScript",
                             "dataLayer",       "position:fixed"})
    CHECK(d.body.find(absent) == std::string::npos);
}

TEST_CASE("an RSS feed: one article per item, ids from guid, link or position, a repeated id left out") {
  REQUIRE_FEEDS();
  ParsedFile p = ParseData("trade-wire.rss");
  CHECK(p.warnings ==
        Strings{"line 40: item 4: id 'trade-wire.rss#mw-2025-10-26-kl' is also item 1's; this one is left out"});
  REQUIRE(p.docs.size() == 3);
  const Document& a = p.docs[0];
  CHECK(a.id == "trade-wire.rss#mw-2025-10-26-kl");
  CHECK(a.path == kData + "trade-wire.rss");
  CHECK(a.title == "Kuala Lumpur Talks End With Outline of a Deal");
  CHECK(a.author == "Dana Whitcombe");
  CHECK(Day(a.date) == "2025-10-26");
  CHECK(a.language == "en");
  CHECK(a.topics == Strings{"trade talks", "tariffs"});
  CHECK(a.extra == Extra{{"URL", "https://meridian-wire.example/2025/10/26/kuala-lumpur-outline"},
                         {"Source", "Meridian Wire: Trade"}});
  CHECK(a.body ==
        "KUALA LUMPUR \u2014 U.S. and Chinese negotiators said on Sunday they had agreed on the outline of a deal for "
        "their leaders to review later this week.\n\n"
        "The framework covers a pause in China's new rare earth controls and a U.S. hold on the threatened 100% "
        "tariff.");
  const Document& b = p.docs[1];
  CHECK(b.id == "trade-wire.rss#https://meridian-wire.example/2025/10/14/port-fees");  // no guid: the link
  CHECK(b.title == "U.S. Port Fees on Chinese Ships Take Effect");
  CHECK(b.author == "Lin Mei");        // "desk@... (Lin Mei)"
  CHECK(Day(b.date) == "2025-10-15");  // 22:40 -05:00 is 03:40 UTC the next day
  CHECK(b.topics == Strings{"shipping"});
  CHECK(b.extra ==
        Extra{{"URL", "https://meridian-wire.example/2025/10/14/port-fees"}, {"Source", "Meridian Wire: Trade"}});
  CHECK(b.body ==
        "Fees on Chinese-built and Chinese-operated vessels calling at U.S. ports took effect on Tuesday, and Beijing "
        "answered with charges of its own on American ships.\n\n"
        "Shipping lines said they would pass the costs on to customers.");
  const Document& c = p.docs[2];
  CHECK(c.id == "trade-wire.rss#3");  // neither guid nor link: its position
  CHECK(c.title == "Soybean Buyers Return After Busan Meeting");
  CHECK(c.author == "Rafael Ortega");
  CHECK(Day(c.date) == "2025-10-31");
  CHECK(c.topics == Strings{"soybeans", "Trade Talks"});
  CHECK(c.extra == Extra{{"Source", "Meridian Wire: Trade"}});
  CHECK(c.body ==  // content:encoded, not the description
        "Chinese state buyers booked several cargoes of U.S. soybeans on Thursday, traders said, their first "
        "purchases of the season.\n\n"
        "Cargoes for December shipment\n\n"
        "Prices near $11 a bushel\n\n"
        "Farm groups welcomed the move but said a lasting agreement was needed.");
}

TEST_CASE("an Atom feed: html, xhtml and text constructs, the feed's author, xml:lang") {
  REQUIRE_FEEDS();
  ParsedFile p = ParseData("policy-desk.atom");
  CHECK(p.warnings.empty());
  REQUIRE(p.docs.size() == 3);
  const Extra source{{"Source", "Harbor Trade Journal \u2014 Policy Desk"}};
  const Document& a = p.docs[0];
  CHECK(a.id == "policy-desk.atom#tag:harbor-trade.example,2025:busan-summit");
  CHECK(a.title == "Busan Meeting: Trump and Xi Pause Rare Earth Curbs & Cut Fentanyl Tariff");  // type="html"
  CHECK(a.author == "Priya Natarajan");
  CHECK(Day(a.date) == "2025-10-30");  // published, not updated
  CHECK(a.language == "en");
  CHECK(a.topics == Strings{"rare earths", "tariffs"});  // label, else term
  CHECK(a.extra == Extra{{"URL", "https://harbor-trade.example/policy/busan-summit"}, source[0]});
  CHECK(a.body ==
        "BUSAN \u2014 President Donald Trump and President Xi Jinping agreed on Thursday to a one-year pause in "
        "China\u2019s latest rare earth export controls.\n\n"
        "In return, the United States will lower the tariff it tied to fentanyl from 20% to 10%.");
  const Document& b = p.docs[1];
  CHECK(b.id == "policy-desk.atom#tag:harbor-trade.example,2025:affiliates-rule");
  CHECK(b.title == "Export Control Rule on Affiliates Suspended for a Year");
  CHECK(b.author == "Policy Desk");    // the feed's
  CHECK(Day(b.date) == "2025-11-10");  // updated, there is no published
  CHECK(b.topics == Strings{"export controls"});
  CHECK(b.extra == Extra{{"URL", "https://harbor-trade.example/policy/affiliates-rule"}, source[0]});
  CHECK(b.body ==
        "The Commerce Department suspended for one year its rule extending export restrictions to companies "
        "majority-owned by listed entities.\n\n"
        "The suspension was part of the package agreed in Busan.");
  const Document& c = p.docs[2];
  CHECK(c.id == "policy-desk.atom#tag:harbor-trade.example,2025:soja");
  CHECK(c.title == "China reanuda las compras de soja estadounidense");
  CHECK(c.author == "Policy Desk");
  CHECK(Day(c.date) == "2025-11-03");
  CHECK(c.language == "es");
  CHECK(c.topics.empty());
  CHECK(c.extra == source);
  CHECK(c.body ==  // plain text: wrapped lines joined, blank lines between paragraphs
        "China volvi\u00f3 a comprar soja de Estados Unidos tras la reuni\u00f3n de Busan, seg\u00fan operadores del "
        "mercado.\n\n"
        "Las compras son las primeras de la temporada.");
}

TEST_CASE("an .xml file that is not a feed gives no article and says why") {
  REQUIRE_FEEDS();
  ParsedFile p = ParseData("sitemap.xml");
  CHECK(p.docs.empty());
  CHECK(p.warnings == Strings{"not an RSS or Atom feed (root <urlset>); no articles read"});
  auto prefixed = Feed("<x:doc xmlns:x='urn:x'/>");
  CHECK(prefixed.warnings == Strings{"not an RSS or Atom feed (root <x:doc>); no articles read"});
  auto text = Feed("just text, no XML");
  CHECK(text.docs.empty());
  REQUIRE(text.warnings.size() == 2);
  CHECK(text.warnings[0] == "line 1: XML error: Start tag expected, '<' not found");
  CHECK(text.warnings[1] == "not well-formed XML; no articles read");
  auto rdf = Feed(
      "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/'>"
      "<channel><title>Old Wire</title></channel>"
      "<item><title>Tariff news</title><link>https://e.example/1</link><description>Text.</description></item>"
      "</rdf:RDF>");
  CHECK(rdf.warnings.empty());
  REQUIRE(rdf.docs.size() == 1);
  CHECK(rdf.docs[0].id == "f.xml#https://e.example/1");
  CHECK(rdf.docs[0].body == "Text.");
}

TEST_CASE("feed items: dates that do not parse, empty items, broken XML recovered") {
  REQUIRE_FEEDS();
  auto p = Feed(
      "<rss><channel>\n"
      "<item><title>A</title><pubDate>soon</pubDate><description>x</description></item>\n"
      "<item><guid>  </guid></item>\n"
      "<item><title>B &amp; C</title><guid>\n  g-2\n</guid><pubDate>bad</pubDate>"
      "<dc:date xmlns:dc='http://purl.org/dc/elements/1.1/'>2025-04-02</dc:date></item>\n"
      "<item><title>D &nbsp; E</title></item>\n"
      "</channel></rss>\n");
  REQUIRE(p.docs.size() == 3);
  CHECK(p.docs[0].id == "f.xml#1");
  CHECK(Day(p.docs[0].date) == "none");
  CHECK(p.docs[1].id == "f.xml#g-2");
  CHECK(p.docs[1].title == "B & C");
  CHECK(Day(p.docs[1].date) == "2025-04-02");  // dc:date after a pubDate that does not parse
  CHECK(p.docs[2].id == "f.xml#4");
  CHECK(p.docs[2].title == "D E");  // the undefined entity is left out
  CHECK(p.warnings == Strings{"line 7: XML error: Entity 'nbsp' not defined",
                              "line 2: item 1: unparseable date 'soon' in <pubDate>; the article is left undated",
                              "line 3: item 2: no title and no text; left out",
                              "line 4: item 3: unparseable date 'bad' in <pubDate>; the article is left undated"});
}

TEST_CASE("feed ids are stable: a re-run, and items added before the others, keep them") {
  REQUIRE_FEEDS();
  const std::string bytes = test::Slurp(kData + "trade-wire.rss");
  ParsedFile first = ParseFile(bytes, Format::kFeed, "trade-wire.rss", "p").value();
  ParsedFile again = ParseFile(bytes, Format::kFeed, "trade-wire.rss", "p").value();
  REQUIRE(first.docs.size() == again.docs.size());
  for (size_t i = 0; i < first.docs.size(); ++i) {
    CHECK(first.docs[i].id == again.docs[i].id);
    CHECK(first.docs[i].title == again.docs[i].title);
    CHECK(first.docs[i].body == again.docs[i].body);
    CHECK(first.docs[i].date == again.docs[i].date);
  }
  // A new item at the top: guid and link ids stay; a position id moves with its item.
  std::string newer = bytes;
  size_t at = newer.find("<item>");
  newer.insert(at, "<item><title>New</title><guid>mw-new</guid><description>n</description></item>\n");
  ParsedFile later = ParseFile(newer, Format::kFeed, "trade-wire.rss", "p").value();
  REQUIRE(later.docs.size() == 4);
  CHECK(later.docs[0].id == "trade-wire.rss#mw-new");
  CHECK(later.docs[1].id == first.docs[0].id);
  CHECK(later.docs[2].id == first.docs[1].id);
  CHECK(later.docs[3].id == "trade-wire.rss#4");
}

TEST_CASE("HtmlToText: entities, paragraphs, line breaks, lists, no scripts or styles") {
  struct Row {
    const char* html;
    const char* text;
  };
  const Row rows[] = {
      {"plain text", "plain text"},
      {"", ""},
      {"<p>One</p><p>Two</p>", "One\n\nTwo"},
      {"a &amp; b &lt;c&gt; &quot;d&quot; &#8212; &#x4e2d; caf&eacute;", "a & b <c> \"d\" \u2014 \u4e2d caf\u00e9"},
      {"  lots   of\n\n\tspace&nbsp;&nbsp;here  ", "lots of space here"},
      {"line one<br>line two<br><br>next paragraph", "line one\nline two\n\nnext paragraph"},
      {"<ul><li>first</li><li>second <b>bold</b></li></ul>after", "first\n\nsecond bold\n\nafter"},
      {"<div>x<script>var s = '<p>no</p>';</script><style>p{}</style>y</div>", "xy"},
      {"<html><head><title>T</title></head><body><h1>Head</h1>text<!-- comment --></body></html>", "Head\n\ntext"},
      {"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\n\nc"},
      {"un<i>clos</i>ed <p>para", "unclosed\n\npara"},
  };
  for (const Row& r : rows) {
    INFO("html: " << r.html);
    CHECK(HtmlToText(r.html).value() == r.text);
  }
}

TEST_CASE("page titles: og:title, else <title> without a site suffix, else headline or <h1>") {
  REQUIRE_HTML();
  struct Row {
    const char* head;
    const char* title;
  };
  const Row rows[] = {
      {"<title>Tariffs Rise Again | Meridian Wire</title>", "Tariffs Rise Again"},
      {"<title>Tariffs Rise Again - Meridian Wire</title>", "Tariffs Rise Again"},
      {"<title>Tariffs Rise Again \u2014 Meridian Wire</title>", "Tariffs Rise Again"},
      {"<title>Talks in Geneva - the long road to a deal</title>", "Talks in Geneva - the long road to a deal"},
      {"<title>Talks - Part Two</title>", "Talks - Part Two"},  // the title is not longer than the suffix
      {"<title>Tariffs Rise - again and again</title>", "Tariffs Rise - again and again"},  // lower case
      {"<title>Tariffs Rise | Four Words In Name</title>", "Tariffs Rise | Four Words In Name"},
      {"<meta property='og:site_name' content='The Harbor Trade Journal of Shipping'>"
       "<title>Port Fees Start | The Harbor Trade Journal of Shipping</title>",
       "Port Fees Start"},
      {"<meta property='og:title' content='From OG'><title>From Title | Site</title>", "From OG"},
      {"<title>  Spaced\n  Title  </title>", "Spaced Title"},
      {"<title></title><script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"headline\": \"LD\"}</script>",
       "LD"},
  };
  for (const Row& r : rows) {
    INFO("head: " << r.head);
    auto p = Page(std::string("<html><head>") + r.head + "</head><body><p>Text.</p></body></html>");
    REQUIRE(p.docs.size() == 1);
    CHECK(p.docs[0].title == r.title);
  }
  auto h1 = Page("<body><h1>Only a <em>Heading</em></h1><p>Text.</p></body>");
  CHECK(h1.docs[0].title == "Only a Heading");
  // In the <article>, an <h1> with the title is not body text; another heading is.
  auto same = Page("<title>Same</title><article><h1>Same</h1><p>One.</p><h1>Other</h1><p>Two.</p></article>");
  CHECK(same.docs[0].body == "One.\n\nOther\n\nTwo.");
}

TEST_CASE("JSON-LD: author forms, @graph, @type arrays, keywords, blocks that are not JSON") {
  REQUIRE_HTML();
  struct Row {
    const char* json;
    const char* author;
    Strings topics;
  };
  const Row rows[] = {
      {R"({"@type": "NewsArticle", "author": "Jane Roe", "keywords": "tariffs, trade talks"})",
       "Jane Roe",
       {"tariffs", "trade talks"}},
      {R"({"@type": "Article", "author": {"@type": "Person", "name": "Jane Roe"}})", "Jane Roe", {}},
      {R"({"@type": "BlogPosting", "author": [{"name": "A"}, "B", {"name": "A"}]})", "A, B", {}},
      {R"({"@graph": [{"@type": "WebSite"}, {"@type": ["NewsArticle", "Thing"], "author": {"name": "G"}}]})", "G", {}},
      {R"([{"@type": "Organization", "name": "No"}, {"@type": "http://schema.org/ReportageNewsArticle",
           "author": {"name": "R"}, "keywords": ["x", "y, z"]}])",
       "R",
       {"x", "y", "z"}},
      {R"({"@type": "WebPage", "mainEntity": {"@type": "NewsArticle", "author": "M"}})", "M", {}},
      {R"({"@type": "Recipe", "author": "Not an article"})", "", {}},
  };
  for (const Row& r : rows) {
    INFO("json: " << r.json);
    auto p = Page(std::string("<script type='application/ld+json'>") + r.json + "</script><p>Text.</p>");
    REQUIRE(p.docs.size() == 1);
    CHECK(p.docs[0].author == r.author);
    CHECK(p.docs[0].topics == r.topics);
  }
  std::string deep = "<title>T</title><script type='application/ld+json'>" + std::string(100000, '[') +
                     std::string(100000, ']') + "</script><p>Text.</p>";
  CHECK(Page(deep).docs.size() == 1);  // nested 100,000 deep: parsed and freed without recursion
  auto bad = Page("<title>T</title><script type='application/ld+json'>{nope</script><p>Text.</p>");
  CHECK(bad.warnings == Strings{"JSON-LD block 1 is not valid JSON; ignored"});
  auto date = Page(
      "<title>T</title><meta property='article:published_time' content='someday'>"
      "<script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"datePublished\": "
      "\"2025-04-02\"}</script><p>Text.</p>");
  CHECK(Day(date.docs[0].date) == "2025-04-02");
  CHECK(date.warnings == Strings{"unparseable date 'someday' in the article:published_time meta (expected e.g. "
                                 "2025-09-15T08:00:00Z)"});
}

TEST_CASE("pages without a title or text are read, with warnings") {
  REQUIRE_HTML();
  auto p = Page("<html><body><nav>Home</nav></body></html>");
  REQUIRE(p.docs.size() == 1);
  CHECK(p.docs[0].title.empty());
  CHECK(p.docs[0].body.empty());
  CHECK(p.warnings == Strings{"no title (no og:title meta, <title>, JSON-LD headline or <h1>)",
                              "no article text found (no JSON-LD articleBody, <article> or paragraphs)"});
  auto latin1 = Page("<meta charset=\"iso-8859-1\"><title>Caf\xE9</title><p>Cr\xE8me</p>");
  CHECK(latin1.docs[0].title == "Caf\u00e9");
  CHECK(latin1.docs[0].body == "Cr\u00e8me");
  CHECK(latin1.warnings.empty());
}

TEST_CASE("`loupe index` reads the folder, reports the feed problems, and a re-run changes nothing") {
  if (!HtmlReaderBuilt() || !FeedReaderBuilt() || FormatMissing(Format::kEmail)) return;
  test::TempDir tmp;
  const std::string db = tmp.sub("db"), dir = tmp.sub("web");
  std::filesystem::copy(kData, dir);
  auto first = test::RunLoupe("index --db " + db + " " + dir, tmp);
  CHECK(first.code == 0);
  CHECK(first.out.find("indexed 10 articles from 7 files (7 added, 0 updated), 0 unchanged, 0 deleted, 0 skipped") ==
        0);
  CHECK(first.err == "loupe: warning: " + dir +
                         "/sitemap.xml: not an RSS or Atom feed (root <urlset>); no articles read\n"
                         "loupe: warning: " +
                         dir +
                         "/trade-wire.rss: line 40: item 4: id 'trade-wire.rss#mw-2025-10-26-kl' is also item 1's; "
                         "this one is left out\n");
  auto again = test::RunLoupe("index --db " + db + " " + dir, tmp);
  CHECK(again.out.find("indexed 0 articles from 0 files (0 added, 0 updated), 7 unchanged, 0 deleted") == 0);
  auto show = test::RunLoupe("show --db " + db + " 'trade-wire.rss#3'", tmp);
  CHECK(show.code == 0);
  CHECK(show.out.find("Soybean Buyers Return After Busan Meeting\nAuthor: Rafael Ortega\nDate: 2025-10-31\n") == 0);
  // The feed changes: one item's text, and a new item first. Ids stay; the new one is added.
  std::string rss = test::Slurp(dir + "/trade-wire.rss");
  rss.replace(rss.find("Farm groups welcomed"), 4, "Growers");
  rss.insert(rss.find("<item>"),
             "<item><title>Fresh</title><guid>mw-fresh</guid><description>New.</description></item>");
  WriteFile(dir + "/trade-wire.rss", rss);
  auto third = test::RunLoupe("index --db " + db + " " + dir, tmp);
  CHECK(third.out.find("indexed 4 articles from 1 file (0 added, 1 updated), 6 unchanged, 0 deleted") == 0);
  CHECK(third.out.find("\n1 article removed\n") != std::string::npos);  // the soybean item's old position id
  auto search = test::RunLoupe("search --db " + db + " -n 20 --format json 'Growers OR Fresh OR Kuala'", tmp);
  CHECK(search.out.find("\"id\": \"trade-wire.rss#mw-2025-10-26-kl\"") != std::string::npos);
  CHECK(search.out.find("\"id\": \"trade-wire.rss#mw-fresh\"") != std::string::npos);
  CHECK(search.out.find("\"id\": \"trade-wire.rss#4\"") != std::string::npos);  // the soybean item, moved
  CHECK(search.out.find("\"id\": \"trade-wire.rss#3\"") == std::string::npos);
}

TEST_CASE("an HTML-only mail is read through the web page reader's HtmlToText") {
  if (FormatMissing(Format::kEmail)) return;
  ParsedFile p = ParseData("chip-curbs-briefing.eml");
  CHECK(p.warnings.empty());
  REQUIRE(p.docs.size() == 1);
  const Document& d = p.docs[0];
  CHECK(d.title == "Chip curbs \u2014 what changed this week");
  CHECK(d.author == "Trade Desk Briefing");
  REQUIRE(d.date);
  CHECK(FormatIsoDate(*d.date) == "2025-10-10");
  // Entities decoded, soft line breaks joined, paragraphs kept; the style, the
  // head's title and the script are no text.
  CHECK(d.body ==
        "Chip curbs \u2014 what changed this week\n\n"
        "Beijing widened its export controls on rare earths on Thursday, adding five elements and rules that reach "
        "foreign-made products containing Chinese material.\n\n"
        "Washington answered within hours: officials said new limits on software exports were under review, and "
        "tariffs of 100 percent were threatened for November.\n\n"
        "Traders & analysts expect the two sides to meet again before the truce ends.");
}

TEST_CASE("a broken feed's bytes that are not UTF-8 become U+FFFD, with a warning") {
  // Found by the feed fuzzer: libxml2's recovery passes such bytes through.
  if (!FeedReaderBuilt()) return;
  ParsedFile p = Feed(
      "<rss version=\"2.0\"><channel><title>C</title><item><title>T\xff\xfe x</title><author>Priya \xff</author>"
      "<description>Body text</description></item></channel></rss>");
  REQUIRE(p.docs.size() == 1);
  for (const std::string& field : {p.docs[0].title, p.docs[0].author}) {
    INFO(field);
    CHECK(field.find("\xEF\xBF\xBD") != std::string::npos);
    CHECK(field.find('\xff') == std::string::npos);
  }
  CHECK(std::find(p.warnings.begin(), p.warnings.end(), "text that is not UTF-8 replaced by U+FFFD") !=
        p.warnings.end());
}

// --- hostile inputs ------------------------------------------------------------------

TEST_CASE("a page nested 100,000 elements deep is read, its deep tags left out") {
  REQUIRE_HTML();
  for (const char* open : {"<div>", "<table><tr><td>", "<b>", "<span class=x>", "<svg><g>"}) {
    INFO("tag: " << open);
    std::string html = "<title>Deep</title>";
    for (int i = 0; i < 100000; ++i) html += open;
    html += "<p>bottom text</p>";
    auto p = Page(html);
    REQUIRE(p.docs.size() == 1);
    CHECK(p.docs[0].title == "Deep");
    REQUIRE(!p.warnings.empty());
    CHECK(p.warnings[0].find("elements nested more than 512 deep; ") == 0);
    if (std::string(open) != "<svg><g>") CHECK(p.docs[0].body == "bottom text");
  }
  // Tags that cannot nest on their own do not count; a page at the limit loses nothing.
  std::string flat = "<title>Flat</title>", at_limit = "<title>Limit</title>";
  for (int i = 0; i < 5000; ++i) flat += "<p>p<li>l<td>c<br><img src=x>";
  for (int i = 0; i < 512; ++i) at_limit += "<div>";
  CHECK(Page(flat).warnings.empty());
  CHECK(Page(at_limit + "x").warnings ==
        Strings{"no article text found (no JSON-LD articleBody, <article> or paragraphs)"});
  CHECK(Page(at_limit + "<div>x").warnings[0] ==
        "elements nested more than 512 deep; 1 tags below that depth left out (their text is kept)");
  // Nested byline candidates around a long text: each is looked at for its first bytes only.
  std::string bylines = "<title>B</title>";
  for (int i = 0; i < 100000; ++i) bylines += "<div class=author>";
  bylines += "<p>" + std::string(8 << 20, 'x') + "</p>";
  auto b = Page(bylines);
  REQUIRE(b.docs.size() == 1);
  CHECK(b.docs[0].author.empty());
  CHECK(b.docs[0].body.size() == 8u << 20);
  // Quotes inside attribute names do not hide tags from the count.
  std::string quoted = "<title>Q</title>";
  for (int i = 0; i < 100000; ++i) quoted += "<div a'b>";
  CHECK(Page(quoted).warnings[0].find("elements nested more than 512 deep; ") == 0);
}

TEST_CASE("a 50 MB page is read up to 16 MiB") {
  REQUIRE_HTML();
  std::string html = "<html><head><title>Huge</title></head><body><article>";
  const std::string para = "<p>Tariff paragraph with some words in it, repeated to make a very large page.</p>\n";
  while (html.size() < 50u * 1000 * 1000) html += para;
  html += "<p>THE END</p></article></body></html>";
  auto p = Page(html);
  REQUIRE(p.docs.size() == 1);
  CHECK(p.docs[0].title == "Huge");
  CHECK(p.warnings == Strings{"page is 47 MiB; only its first 16 MiB are read"});
  CHECK(p.docs[0].body.find("THE END") == std::string::npos);
  CHECK(p.docs[0].body.size() > 10u << 20);
}

TEST_CASE("a feed of 100,000 items gives 100,000 articles") {
  REQUIRE_FEEDS();
  std::string xml = "<rss version='2.0'><channel><title>Many</title>\n";
  for (int i = 1; i <= 100000; ++i)
    xml += "<item><title>Item " + std::to_string(i) + "</title><guid>g" + std::to_string(i) +
           "</guid><description>&lt;p&gt;Text " + std::to_string(i) + "&lt;/p&gt;</description></item>\n";
  xml += "</channel></rss>\n";
  auto p = Feed(xml);
  CHECK(p.warnings.empty());
  REQUIRE(p.docs.size() == 100000);
  CHECK(p.docs.front().id == "f.xml#g1");
  CHECK(p.docs.back().id == "f.xml#g100000");
  CHECK(p.docs.back().body == "Text 100000");
}

TEST_CASE("entity bombs: billion laughs is refused, a quadratic blow-up is cut at 1 MiB") {
  REQUIRE_FEEDS();
  std::string laughs = "<?xml version='1.0'?>\n<!DOCTYPE rss [\n<!ENTITY l0 'lol'>\n";
  for (int i = 1; i <= 9; ++i) {
    laughs += "<!ENTITY l" + std::to_string(i) + " '";
    for (int k = 0; k < 10; ++k) laughs += "&l" + std::to_string(i - 1) + ";";
    laughs += "'>\n";
  }
  laughs +=
      "]>\n<rss><channel><item><title>&l9;</title><guid>x</guid><description>d</description></item>"
      "</channel></rss>\n";
  auto p = Feed(laughs);
  REQUIRE(!p.warnings.empty());
  CHECK(p.warnings[0].find("XML error: Detected an entity reference loop") != std::string::npos);
  for (const auto& d : p.docs) CHECK(d.title.size() < 1000);

  // One 100 KB entity referenced 20,000 times (2 GB of text): libxml2 parses
  // it (it counts no amplification without substitution); the reader stops at its budget.
  std::string quad = "<?xml version='1.0'?>\n<!DOCTYPE rss [\n<!ENTITY a '" + std::string(100000, 'a') +
                     "'>\n]>\n<rss><channel><item><guid>q</guid><title>Q</title><description>";
  for (int i = 0; i < 20000; ++i) quad += "&a;";
  quad += "</description></item></channel></rss>\n";
  auto q = Feed(quad);
  REQUIRE(q.docs.size() == 1);
  CHECK(q.docs[0].body.size() <= kMaxEntityText);
  CHECK(q.docs[0].body.size() >= kMaxEntityText - 100000);
  CHECK(q.warnings == Strings{"entity references expand to more than 1 MiB of text; the rest are left out"});

  // External entities are never read, and nothing is fetched.
  auto ext = Feed(
      "<?xml version='1.0'?>\n<!DOCTYPE rss [\n<!ENTITY e SYSTEM 'file:///etc/passwd'>\n"
      "<!ENTITY n SYSTEM 'http://127.0.0.1:9/x'>\n]>\n"
      "<rss><channel><item><guid>e</guid><title>[&e;][&n;]</title></item></channel></rss>\n");
  REQUIRE(ext.docs.size() == 1);
  CHECK(ext.docs[0].title == "[][]");

  // libxml2's depth limit (256 without XML_PARSE_HUGE) holds.
  std::string deep = "<rss><channel><item><guid>d</guid><title>t</title><description>";
  for (int i = 0; i < 100000; ++i) deep += "<x>";
  auto dp = Feed(deep);
  REQUIRE(!dp.warnings.empty());
  CHECK(dp.warnings[0].find("XML error: Excessive depth in document: 256") != std::string::npos);
}

// Found by fuzzing: gumbo reads a numeric character reference too long for 32
// bits and without its ';' as a lone byte that is no UTF-8. The article's text
// is made valid again (U+FFFD), in the page reader and in HtmlToText.
TEST_CASE("a numeric character reference too long for 32 bits gives valid text") {
  REQUIRE_HTML();
  const std::string ref = "&#8205555555555555555555555555555";
  ParsedFile p =
      Page("<html><head><title>Xi Jinpin" + ref + " talks</title></head><body><article><p>Trump and Xi Jinpin" + ref +
           " agreed on a framework, officials said on Monday.</p></article></body></html>");
  REQUIRE(p.docs.size() == 1);
  const Document& d = p.docs[0];
  CHECK(d.title == "Xi Jinpin\xEF\xBF\xBD talks");
  CHECK(d.body == "Trump and Xi Jinpin\xEF\xBF\xBD agreed on a framework, officials said on Monday.");
  auto text = HtmlToText("<p>Jinpin" + ref + " x</p>");
  REQUIRE(text.ok());
  CHECK(*text == "Jinpin\xEF\xBF\xBD x");
}
