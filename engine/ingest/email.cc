// The e-mail reader: an RFC 5322 message with MIME, parsed by GMime 3 (when
// libloupe is built with it; else .eml files are skipped with the reason).
// GMime decodes the headers (RFC 2047 encoded words, RFC 2231 parameters),
// the transfer encodings and the charsets, and builds the tree of parts; this
// file picks the fields and the body text out of it.
#include "loupe/ingest/html.h"
#include "readers.h"
#include "util/calendar.h"

#ifdef LOUPE_HAVE_GMIME

#include <gmime/gmime.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace loupe::ingest {
namespace {

// GMime values, released on every way out.
struct GObjectUnref {
  void operator()(void* p) const {
    if (p) g_object_unref(p);
  }
};
template <class T>
using GRef = std::unique_ptr<T, GObjectUnref>;
struct GFree {
  void operator()(char* p) const { g_free(p); }
};
using GChars = std::unique_ptr<char, GFree>;

std::string Str(const char* s) { return s ? std::string(s) : std::string(); }

// GMime is initialized once per process, by the first message read (from any
// of `loupe index`'s threads), and never shut down: the library cannot know
// that no other part of the program still uses it.
void InitGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

// The options of every parse, made once and only read after: 8-bit header text
// that declares no charset is read as UTF-8, else as windows-1252.
GMimeParserOptions* Options() {
  static GMimeParserOptions* const options = [] {
    GMimeParserOptions* o = g_mime_parser_options_new();
    const char* fallback[] = {"UTF-8", "windows-1252", nullptr};
    g_mime_parser_options_set_fallback_charsets(o, fallback);
    return o;
  }();
  return options;
}

// --- headers ---------------------------------------------------------------------

// An RFC 2047 encoded word in a header value: =?charset?B|Q?text?=.
struct EncodedWord {
  size_t begin = 0, end = 0;  // the word is value[begin, end)
  std::string charset;        // lower case
  char encoding = 0;          // 'B' or 'Q'
  bool padded = false;        // base64 text ending in '='
};

// The first encoded word of `v` at or after `from`.
bool NextEncodedWord(std::string_view v, size_t from, EncodedWord* w) {
  for (size_t at = v.find("=?", from); at != std::string_view::npos; at = v.find("=?", at + 2)) {
    const size_t q1 = v.find('?', at + 2);
    if (q1 == std::string_view::npos || q1 + 2 >= v.size()) return false;
    const char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(v[q1 + 1])));
    if ((encoding != 'B' && encoding != 'Q') || v[q1 + 2] != '?') continue;
    const size_t end = v.find("?=", q1 + 3);
    if (end == std::string_view::npos) return false;
    const std::string_view text = v.substr(q1 + 3, end - q1 - 3);
    if (text.find_first_of(" \t\r\n") != std::string_view::npos) continue;
    *w = {at, end + 2, Lower(v.substr(at + 2, q1 - at - 2)), encoding,
          encoding == 'B' && !text.empty() && text.back() == '='};
    return true;
  }
  return false;
}

// GMime before 3.2.14 decodes a run of base64 words of one charset as one
// block and stops at the padding of the first, dropping the rest of the run
// ("=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=" gives "Hello"; GMime issue
// #133, in Debian 12's 3.2.13). With such a version, each padded word that
// another base64 word of its charset follows is replaced by its text, decoded
// alone by GMime, and the space between them (which RFC 2047 drops) removed.
std::string AvoidSplitBase64Bug(const std::string& value) {
  static const bool affected = !g_mime_check_version(3, 2, 14);
  if (!affected || value.find("?=") == std::string::npos) return value;
  std::string out;
  size_t copied = 0;
  EncodedWord w, next;
  for (size_t from = 0; NextEncodedWord(value, from, &w); from = w.end) {
    if (!w.padded || !NextEncodedWord(value, w.end, &next) || next.encoding != 'B' || next.charset != w.charset ||
        !Trim(std::string_view(value).substr(w.end, next.begin - w.end)).empty())
      continue;
    GChars text(g_mime_utils_header_decode_text(Options(), value.substr(w.begin, w.end - w.begin).c_str()));
    out.append(value, copied, w.begin - copied);
    out += Str(text.get());
    copied = next.begin;
  }
  out.append(value, copied);
  return out;
}

// A header's value, unfolded and ready for GMime's decoders, or "" when the
// message has none.
std::string RawHeader(GMimeObject* object, const char* name) {
  GMimeHeaderList* headers = g_mime_object_get_header_list(object);
  GMimeHeader* header = headers ? g_mime_header_list_get_header(headers, name) : nullptr;
  if (!header) return "";
  GChars unfolded(g_mime_utils_header_unfold(g_mime_header_get_raw_value(header)));
  return AvoidSplitBase64Bug(Str(unfolded.get()));
}

// Unstructured text (Subject): encoded words and raw 8-bit text decoded.
std::string HeaderText(GMimeObject* object, const char* name) {
  const std::string raw = RawHeader(object, name);
  if (raw.empty()) return "";
  GChars text(g_mime_utils_header_decode_text(Options(), raw.c_str()));
  return Str(text.get());
}

// The author: the display name of the first From address, else its address;
// a From that is no address list is taken as the name itself.
std::string Author(GMimeObject* object) {
  const std::string raw = RawHeader(object, "From");
  if (raw.empty()) return "";
  GRef<InternetAddressList> list(internet_address_list_parse(Options(), raw.c_str()));
  if (list && internet_address_list_length(list.get()) > 0) {
    InternetAddress* first = internet_address_list_get_address(list.get(), 0);
    std::string name(Trim(Str(internet_address_get_name(first))));
    if (name.empty() && INTERNET_ADDRESS_IS_MAILBOX(first))
      name = Str(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(first)));
    return name;
  }
  GChars text(g_mime_utils_header_decode_text(Options(), raw.c_str()));
  return Str(text.get());
}

// The Date header as a UTC day: the forms ParseHeaderDate reads, else what
// GMime's more lenient e-mail date parser makes of it ("22-Aug-2002").
std::optional<Days> MailDate(const std::string& value) {
  if (auto day = ParseHeaderDate(value)) return day;
  GDateTime* t = g_mime_utils_header_decode_date(value.c_str());
  if (!t) return std::nullopt;
  GDateTime* utc = g_date_time_to_utc(t);
  g_date_time_unref(t);
  if (!utc) return std::nullopt;
  int y = g_date_time_get_year(utc), m = g_date_time_get_month(utc), d = g_date_time_get_day_of_month(utc);
  g_date_time_unref(utc);
  if (y < 1 || y > 9999) return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

// --- body ------------------------------------------------------------------------

// The text of an HTML part (already UTF-8), through the web page reader's
// HtmlToText: the one place HTML becomes text for the e-mail reader.
std::string HtmlText(std::string_view html) { return ReadHtmlText(html); }

// The part's content with its transfer encoding (base64, quoted-printable,
// uuencode) undone: bytes in the part's charset.
std::string ContentBytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return "";
  GRef<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  return bytes ? std::string(reinterpret_cast<const char*>(bytes->data), bytes->len) : std::string();
}

// A text part's text in UTF-8 (not yet cleaned): converted from its charset by
// GMime (the system's iconv, with GMime's names for charsets), else by ICU.
std::string PartText(GMimeObject* object, std::vector<std::string>* warnings) {
  const std::string charset = Lower(Str(g_mime_object_get_content_type_parameter(object, "charset")));
  if (charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii" || charset == "ascii")
    return ContentBytes(GMIME_PART(object));
  if (iconv_t cd = g_mime_iconv_open("UTF-8", charset.c_str());
      cd != reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1))) {
    g_mime_iconv_close(cd);
    GChars text(g_mime_text_part_get_text(GMIME_TEXT_PART(object)));
    return Str(text.get());
  }
  std::string bytes = ContentBytes(GMIME_PART(object)), utf8;
  if (DoToUtf8(bytes, charset, &utf8)) return utf8;
  warnings->push_back("unknown charset '" + charset + "'; read as UTF-8");
  return bytes;
}

// The body: the first text/plain part (depth first, at any depth), else the
// first text/html part as text, else the first other text/* part; parts that
// are attachments, and messages attached whole, are not read.
std::string BodyText(GMimeMessage* message, std::vector<std::string>* warnings) {
  GMimeObject* plain = nullptr;
  GMimeObject* html = nullptr;
  GMimeObject* other = nullptr;
  std::vector<GMimeObject*> todo{g_mime_message_get_mime_part(message)};
  bool empty_warned = false;
  while (!todo.empty() && !plain) {
    GMimeObject* object = todo.back();
    todo.pop_back();
    if (!object) continue;
    if (GMIME_IS_MULTIPART(object)) {  // its parts, first one on top
      GMimeMultipart* multipart = GMIME_MULTIPART(object);
      const int count = g_mime_multipart_get_count(multipart);
      // GMime 3.2 reads 1024 levels of multiparts; deeper ones come out empty.
      if (count == 0 && !empty_warned) {
        warnings->push_back("a multipart part has no parts (nested too deep, or its boundary is missing); not read");
        empty_warned = true;
      }
      for (int i = count - 1; i >= 0; --i) todo.push_back(g_mime_multipart_get_part(multipart, i));
      continue;
    }
    if (!GMIME_IS_TEXT_PART(object)) continue;
    GMimeContentDisposition* disposition = g_mime_object_get_content_disposition(object);
    if (disposition && g_mime_content_disposition_is_attachment(disposition)) continue;
    GMimeContentType* type = g_mime_object_get_content_type(object);
    if (g_mime_content_type_is_type(type, "text", "plain"))
      plain = object;
    else if (g_mime_content_type_is_type(type, "text", "html"))
      html = html ? html : object;
    else
      other = other ? other : object;
  }
  if (plain) return PartText(plain, warnings);
  if (html) return HtmlText(PartText(html, warnings));
  if (other) return PartText(other, warnings);
  return "";
}

}  // namespace

const char* EmailReaderMissing() { return nullptr; }

ParsedFile ParseEmail(std::string_view bytes, const std::string& id, const std::string& path) {
  InitGMime();
  ParsedFile out;
  Document d;
  d.id = id;
  d.path = path;
  GRef<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GRef<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), Options()));
  GMimeObject* object = message ? GMIME_OBJECT(message.get()) : nullptr;
  GMimeHeaderList* headers = object ? g_mime_object_get_header_list(object) : nullptr;
  if (!headers || g_mime_header_list_get_count(headers) == 0)
    out.warnings.push_back("no e-mail headers found; read as a body only");
  if (!object) {  // GMime found no message at all
    d.body = std::string(Trim(DoCleanText(bytes, &out.warnings)));
    out.docs.push_back(std::move(d));
    return out;
  }
  std::vector<std::string> ignored;  // bad bytes in headers are replaced quietly
  d.title = std::string(Trim(DoCleanText(HeaderText(object, "Subject"), &ignored)));
  d.author = std::string(Trim(DoCleanText(Author(object), &ignored)));
  const std::string date(Trim(Str(g_mime_object_get_header(object, "Date"))));
  if (!date.empty()) {
    if (auto day = MailDate(date))
      d.date = *day;
    else
      out.warnings.push_back("unparseable Date header '" + date + "'; the message is left undated");
  }
  const std::string id_header(Trim(Str(g_mime_object_get_header(object, "Message-ID"))));
  if (!id_header.empty()) d.extra.emplace_back("Message-ID", id_header);
  // The headers mail users search by (to:, list-id:, x-mailer: as custom
  // fields), decoded; the rest of the header block is not kept.
  for (const char* name : {"To", "Cc", "Reply-To", "List-Id", "X-Mailer", "User-Agent", "Organization"}) {
    std::string value(Trim(DoCleanText(HeaderText(object, name), &ignored)));
    if (!value.empty()) d.extra.emplace_back(name, std::move(value));
  }
  d.body = std::string(Trim(DoCleanText(BodyText(message.get(), &out.warnings), &out.warnings)));
  out.docs.push_back(std::move(d));
  return out;
}

}  // namespace loupe::ingest

#else  // !LOUPE_HAVE_GMIME

namespace loupe::ingest {

const char* EmailReaderMissing() { return "e-mail reader not built: install libgmime-3.0-dev and rebuild"; }

ParsedFile ParseEmail(std::string_view, const std::string&, const std::string&) {
  ParsedFile out;
  out.warnings.push_back(EmailReaderMissing());
  return out;
}

}  // namespace loupe::ingest

#endif  // LOUPE_HAVE_GMIME
