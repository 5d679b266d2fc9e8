// Text helpers the HTML and feed readers share (private to engine/ingest):
// article text built out of pieces of markup text, where runs of white space
// become one space and paragraphs are separated by one blank line.
#ifndef LOUPE_INGEST_WEB_TEXT_H_
#define LOUPE_INGEST_WEB_TEXT_H_

#include <string>
#include <string_view>

namespace loupe::ingest {

class Paragraphs {
 public:
  // Appends text; white space (ASCII and U+00A0, the decoded &nbsp;) collapses
  // to one space, and none is kept at the start or the end of a paragraph.
  void Text(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      bool nbsp = c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0;
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || nbsp) {
        if (nbsp) ++i;
        if (!cur_.empty()) space_ = true;
        continue;
      }
      if (newline_) {
        cur_ += '\n';
        newline_ = space_ = false;
      } else if (space_) {
        cur_ += ' ';
        space_ = false;
      }
      breaks_ = 0;
      cur_ += static_cast<char>(c);
    }
  }

  // A <br>: a line break inside the paragraph; two in a row end it.
  void LineBreak() {
    if (cur_.empty()) return;
    if (++breaks_ >= 2) return Break();
    newline_ = true;
  }

  // The end of a block (a paragraph, a heading, a list item...).
  void Break() {
    if (!cur_.empty()) {
      if (!out_.empty()) out_ += "\n\n";
      out_ += cur_;
      cur_.clear();
    }
    space_ = newline_ = false;
    breaks_ = 0;
  }

  // A space between table cells, unless there is one already.
  void Space() {
    if (!cur_.empty() && !newline_) space_ = true;
  }

  // The text so far, without the paragraph being built.
  size_t size() const { return out_.size() + cur_.size(); }

  std::string Take() {
    Break();
    return std::move(out_);
  }

 private:
  std::string out_, cur_;
  bool space_ = false, newline_ = false;
  int breaks_ = 0;
};

// Plain text into paragraphs. With `every_line`, each line end ends a
// paragraph (JSON-LD articleBody puts one or two between paragraphs);
// otherwise only blank lines do (text wrapped at a width, as in feeds).
inline std::string PlainParagraphs(std::string_view text, bool every_line) {
  Paragraphs p;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    if (every_line || line.find_first_not_of(" \t\r\f\v") == std::string_view::npos) p.Break();
    p.Text(line);
    p.Text(" ");
    start = nl + 1;
  }
  return p.Take();
}

// One line of text with its white space collapsed and trimmed.
inline std::string CollapseSpace(std::string_view s) {
  Paragraphs p;
  p.Text(s);
  return p.Take();
}

// The primary subtag of a language tag, lower case ("en-US" gives "en"), or
// "" when `tag` is no language tag.
inline std::string PrimaryLanguage(std::string_view tag) {
  while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t' || tag.front() == '\n')) tag.remove_prefix(1);
  std::string out;
  for (char c : tag.substr(0, tag.find_first_of("-_ \t\n"))) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return "";
    out += static_cast<char>(c | 0x20);
  }
  return out.size() >= 2 && out.size() <= 8 ? out : "";
}

}  // namespace loupe::ingest

#endif  // LOUPE_INGEST_WEB_TEXT_H_
