#!/usr/bin/env python3
"""Converts the fetched benchmark corpora into Loupe's article format.

  convert.py --work DIR sotu|spam|moby

Reads DIR/cache/<dataset>/package/data and writes DIR/corpora/<name>/NNN/*.txt
(at most 1000 files per folder): a title line, Author:/Date: headers when the
source has them, a blank line, the body. Deterministic: same input, same files.
"""
import argparse
import email
import email.header
import email.policy
import email.utils
import glob
import json
import os
import re
import sys


def write(out_dir, i, title, body, author=None, date=None):
    sub = os.path.join(out_dir, "%03d" % (i // 1000))
    os.makedirs(sub, exist_ok=True)
    title = " ".join((title or "").split()) or "Untitled"
    lines = [title]
    if author:
        lines.append("Author: " + " ".join(author.split()))
    if date:
        lines.append("Date: " + date)
    with open(os.path.join(sub, "%05d.txt" % i), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n\n" + body.strip() + "\n")


def sotu(src, out):
    files = sorted(glob.glob(os.path.join(src, "datasets-sotu", "package", "data", "*.json")))
    for i, path in enumerate(files):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        # The data gives only the year; the articles are dated January 1 of it.
        write(out, i, "State of the Union %s" % d["year"], d["text"], d.get("name"), "%04d-01-01" % int(d["year"]))
    return len(files)


def moby(src, out):
    files = glob.glob(os.path.join(src, "datasets-moby-dick", "package", "data", "chapter_*.json"))
    key = lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0)
    n = 0
    for i, path in enumerate(sorted(files, key=key)):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        write(out, i, "Chapter %s. %s" % (d.get("chapter", ""), d.get("title", "")), d["text"], "Herman Melville")
        n += 1
    return n


def header_text(value):
    """A header value with RFC 2047 encoded words decoded, on one line."""
    try:
        value = str(email.header.make_header(email.header.decode_header(str(value or ""))))
    except Exception:
        value = str(value or "")
    return " ".join(value.split())


def text_of(msg):
    """The text/plain parts of a message, decoded; HTML-only mail gets its tags stripped."""
    plain, html = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        try:
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset() or "latin-1"
            try:
                text = payload.decode(charset, errors="replace")
            except LookupError:
                text = payload.decode("latin-1", errors="replace")
        except Exception:
            continue
        (plain if ctype == "text/plain" else html).append(text)
    if plain:
        return "\n".join(plain)
    return re.sub(r"<[^>]+>", " ", "\n".join(html))


def spam(src, out):
    files = sorted(glob.glob(os.path.join(src, "datasets-spam-assassin", "package", "data", "*", "*.json")))
    n = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        raw = d.get("text", "")
        msg = email.message_from_string(raw, policy=email.policy.compat32)
        subject = header_text(msg.get("Subject", ""))
        author = header_text(msg.get("From", ""))
        date = None
        try:
            parsed = email.utils.parsedate_to_datetime(str(msg.get("Date", "")))
            if parsed is not None and 1970 <= parsed.year <= 2100:
                date = parsed.strftime("%Y-%m-%d")
        except Exception:
            date = None
        body = text_of(msg)
        if not body.strip():
            continue
        # Keep header values on one line and free of our own header syntax.
        write(out, n, subject, body, author, date)
        n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("name", choices=["sotu", "spam", "moby"])
    a = ap.parse_args()
    src = os.path.join(a.work, "cache")
    out = os.path.join(a.work, "corpora", a.name)
    tmp = out + ".tmp"
    if os.path.exists(tmp):
        import shutil
        shutil.rmtree(tmp)
    n = {"sotu": sotu, "spam": spam, "moby": moby}[a.name](src, tmp)
    if n == 0:
        sys.exit("convert.py: no %s data under %s (run fetch.sh first)" % (a.name, src))
    os.rename(tmp, out)
    print("%s: %d articles" % (a.name, n), file=sys.stderr)


if __name__ == "__main__":
    main()
