#!/usr/bin/env python3
"""Converts the fetched benchmark data sets into Loupe's article format.

  convert.py [--work DIR] [NAME...]        NAME: sotu, spam, moby (default: all three)

Reads DIR/cache/datasets-*/package/data (see fetch.sh; DIR defaults to
$LOUPE_BENCH_DIR, else build/bench in the repository) and writes
DIR/corpora/NAME/NNN/NNNNN.txt, at most 1000 articles per folder, in the
format of docs/corpus-format.md:

  sotu  one article per State of the Union address (233): title
        "State of the Union YEAR", Author = the president, Date = YEAR-01-01
        (the data gives only the year; Loupe reads full dates only).
  spam  one article per raw SpamAssassin e-mail (6046, ham and spam): Subject
        as title, From (the display name, else the address) as Author, the Date
        header as YYYY-MM-DD when it parses to a plausible date; the body is the
        message's text/plain parts decoded with the email package (text/html
        only when a mail has no plain text, with the tags stripped); other
        parts are dropped.
  moby  one article per chapter of Moby-Dick (Etymology, Extracts, 135
        chapters, Epilogue): the chapter heading as title, Author Herman
        Melville, no date.

Python 3 standard library only. Deterministic: the same input gives the same
files. Each corpus is written to NAME.tmp and then moved into place, replacing
an earlier conversion.
"""
import argparse
import email
import email.header
import email.policy
import email.utils
import html
import html.parser
import json
import os
import re
import shutil
import sys

PER_DIR = 1000
# Control characters other than tab and newline: dropped from bodies.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def one_line(text):
    return " ".join(CONTROL.sub(" ", text or "").split())


class Writer:
    """Numbers articles 0, 1, 2... and writes them to OUT/NNN/NNNNN.txt."""

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.n = 0

    def write(self, title, body, author=None, date=None):
        sub = os.path.join(self.out_dir, "%03d" % (self.n // PER_DIR))
        if self.n % PER_DIR == 0:
            os.makedirs(sub, exist_ok=True)
        lines = [one_line(title) or "Untitled"]
        if one_line(author):
            lines.append("Author: " + one_line(author))
        if date:
            lines.append("Date: " + date)
        body = CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n"))
        body = "\n".join(line.rstrip() for line in body.split("\n"))
        body = re.sub(r"\n{3,}", "\n\n", body).strip("\n ")
        # The blank line after the headers is always there, so a body line that
        # looks like a header ("Note: ...") stays in the body.
        text = "\n".join(lines) + "\n\n" + body + "\n"
        with open(os.path.join(sub, "%05d.txt" % self.n), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        self.n += 1


def data_dir(cache, dataset):
    d = os.path.join(cache, "datasets-" + dataset, "package", "data")
    if not os.path.isdir(d):
        sys.exit("convert.py: %s not found; run tools/bench/fetch.sh first" % d)
    return d


# --- State of the Union ---------------------------------------------------------

def sotu(cache, w):
    src = data_dir(cache, "sotu")
    names = sorted(f for f in os.listdir(src) if re.match(r"^\d{4}_.*\.json$", f))
    for name in names:  # sorted by year, then by president
        with open(os.path.join(src, name), encoding="utf-8") as f:
            d = json.load(f)
        year = int(d["year"])
        w.write("State of the Union %d" % year, d["text"], d.get("name"), "%04d-01-01" % year)


# --- Moby-Dick --------------------------------------------------------------------

def moby(cache, w):
    src = data_dir(cache, "moby-dick")
    chapters = sorted((int(m.group(1)), f) for f in os.listdir(src)
                      for m in [re.match(r"^chapter_(\d+)\.json$", f)] if m)
    order = ["etymology.json", "extracts.json"] + [f for _, f in chapters] + ["epilogue.json"]
    for name in order:
        path = os.path.join(src, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        chapter, title, text = str(d.get("chapter", "")), one_line(d.get("title", "")), d.get("text", "")
        if chapter.isdigit():
            heading = "Chapter %s. %s" % (chapter, title)
        else:
            heading = ("%s. %s" % (chapter, title)) if title else chapter
            # These texts repeat their heading in their first paragraph.
            first, sep, rest = text.partition("\n\n")
            if sep and len(first) < 200 and first.lower().startswith(chapter.lower()):
                text = rest
        w.write(heading, text, "Herman Melville")


# --- SpamAssassin ---------------------------------------------------------------

def unbytes(raw):
    """Bytes of unknown encoding as text: UTF-8 when valid, else Windows-1252."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def header_text(value):
    """A header value with RFC 2047 encoded words decoded, on one line."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    # compat32 keeps raw 8-bit header bytes as surrogate escapes.
    value = unbytes(value.encode("utf-8", "surrogateescape"))
    try:
        parts = []
        for chunk, charset in email.header.decode_header(value):
            if isinstance(chunk, bytes):
                try:
                    chunk = chunk.decode(charset or "ascii")
                except (LookupError, UnicodeDecodeError):
                    chunk = unbytes(chunk)
            parts.append(chunk)
        # decode_header drops the spaces between encoded and plain words.
        value = "".join(p if i == 0 or p.startswith(" ") or parts[i - 1].endswith(" ") else " " + p
                        for i, p in enumerate(parts))
    except Exception:
        pass
    return one_line(value)


def mail_author(msg):
    raw = header_text(msg.get("From"))
    name, addr = email.utils.parseaddr(raw)
    name = one_line(name.strip("'\" "))
    return name or addr or raw


def mail_date(msg):
    value = header_text(msg.get("Date"))
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or not 1990 <= parsed.year <= 2010:  # the mails are from 1997-2002
        return None
    # The day as the sender wrote it (its own time zone).
    return "%04d-%02d-%02d" % (parsed.year, parsed.month, parsed.day)


class HtmlText(html.parser.HTMLParser):
    """The text of an HTML part: tags dropped, entities decoded, scripts and styles skipped."""

    BLOCK = {"p", "br", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)

    def text(self):
        lines = (" ".join(l.split()) for l in "".join(self.out).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def html_text(markup):
    p = HtmlText()
    try:
        p.feed(markup)
        p.close()
        return p.text()
    except Exception:
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))


def part_text(part):
    payload = part.get_payload(decode=True)
    if payload is None:
        return ""
    charset = part.get_content_charset()
    if charset:
        try:
            return payload.decode(charset, errors="replace")
        except LookupError:
            pass
    return unbytes(payload)


def mail_body(msg):
    plain, markup = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue  # images, attachments, application/*: dropped
        if part.get_filename() and ctype != "text/plain":
            continue
        try:
            text = part_text(part)
        except Exception:
            continue
        if "\x00" in text[:4096]:
            continue  # binary data labelled as text
        (plain if ctype == "text/plain" else markup).append(text)
    if plain:
        return "\n\n".join(plain)
    return "\n\n".join(html_text(m) for m in markup)


def spam(cache, w):
    src = data_dir(cache, "spam-assassin")
    groups = sorted(g for g in os.listdir(src) if os.path.isdir(os.path.join(src, g)))
    for g in groups:
        for name in sorted(f for f in os.listdir(os.path.join(src, g)) if f.endswith(".txt")):
            # The .txt files hold the raw message bytes (the .json copies lost the
            # bytes that are not UTF-8).
            with open(os.path.join(src, g, name), "rb") as f:
                raw = f.read()
            msg = email.message_from_bytes(raw, policy=email.policy.compat32)
            subject = header_text(msg.get("Subject")) or "(no subject)"
            w.write(subject, mail_body(msg), mail_author(msg), mail_date(msg))


CONVERTERS = {"sotu": sotu, "spam": spam, "moby": moby}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--work", default=os.environ.get("LOUPE_BENCH_DIR") or os.path.join(root, "build", "bench"),
                    help="benchmark work folder (default: $LOUPE_BENCH_DIR, else build/bench in the repository)")
    ap.add_argument("names", nargs="*", metavar="NAME", help="sotu, spam or moby (default: all three)")
    a = ap.parse_args()
    for name in a.names:
        if name not in CONVERTERS:
            ap.error("unknown corpus %r (choose from sotu, spam, moby)" % name)
    cache = os.path.join(a.work, "cache")
    for name in a.names or ["sotu", "spam", "moby"]:
        out = os.path.join(a.work, "corpora", name)
        tmp = out + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        w = Writer(tmp)
        CONVERTERS[name](cache, w)
        if w.n == 0:
            sys.exit("convert.py: no %s data under %s (run tools/bench/fetch.sh first)" % (name, cache))
        shutil.rmtree(out, ignore_errors=True)
        os.rename(tmp, out)
        print("convert.py: %s: %d articles in %s" % (name, w.n, out), file=sys.stderr)


if __name__ == "__main__":
    main()
