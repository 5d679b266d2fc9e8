#!/usr/bin/env python3
"""Builds a benchmark query set from a corpus's term statistics.

  make_queries.py CORPUS_DIR OUT.tsv [--seed S] [--sample N] [--per-class K]

Reads a deterministic sample (default up to 20000) of the corpus's articles,
counts document frequencies of lower-case ASCII words (3+ letters, no
stopwords) and of adjacent word pairs and triples, and writes K queries
(default 18) per class as `class<TAB>query` lines in Loupe's query language:

  term-high  term-mid  term-low      one word of high / middle / low df
  and2                               two words, both required
  or2  or3                           two or three alternatives
  phrase2  phrase3                   real adjacent word sequences
  field-term                         actor:/topic:/title: plus a word
  date-term                          a word within a date range (dated corpora)
  nested                             (a OR b) c -d and (a OR b) (c OR d)
"""
import argparse
import collections
import os
import random
import re

STOP = set("""the and for are but not you all any can had her was one our out day get has him his how man new now
old see two way who boy did its let put say she too use that with have this will your from they know want been good
much some time very when come here just like long make many more only over such take than them well were what into
there their would which about could other these those then also after before where while shall upon being said""".split())
WORD = re.compile(r"^[a-z]{3,20}$")


def read_articles(root, sample, rng):
    paths = []
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith(".txt") and not f.startswith("."):
                paths.append(os.path.join(d, f))
    paths.sort()
    if len(paths) > sample:
        paths = sorted(rng.sample(paths, sample))
    out = []
    for p in paths:
        with open(p, encoding="utf-8", errors="replace") as f:
            text = f.read()
        head, _, body = text.partition("\n\n")
        lines = head.split("\n")
        hdr = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdr[k.strip().lower()] = v.strip()
        out.append((lines[0], hdr, body))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample", type=int, default=20000)
    ap.add_argument("--per-class", type=int, default=18)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    arts = read_articles(a.corpus, a.sample, rng)
    n = len(arts)
    df = collections.Counter()
    title_df = collections.Counter()
    pairs = collections.Counter()
    triples = collections.Counter()
    actors = collections.Counter()
    topics = collections.Counter()
    years = []
    authors = collections.Counter()
    for title, hdr, body in arts:
        toks = body.split()
        words = [t.lower() for t in toks]
        df.update(set(w for w in words if WORD.match(w) and w not in STOP))
        title_df.update(set(w.lower() for w in title.split() if WORD.match(w.lower()) and w.lower() not in STOP))
        seen2, seen3 = set(), set()
        for i in range(len(words) - 2):
            w0, w1, w2 = words[i], words[i + 1], words[i + 2]
            if WORD.match(w0) and WORD.match(w1):
                seen2.add((w0, w1))
                if WORD.match(w2):
                    seen3.add((w0, w1, w2))
        pairs.update(p for p in seen2 if not (p[0] in STOP and p[1] in STOP))
        triples.update(t for t in seen3 if sum(w in STOP for w in t) < 2)
        for x in hdr.get("actors", "").split(";"):
            last = x.strip().split(" ")[-1]
            if re.match(r"^[A-Za-z]{3,}$", last):
                actors[last] += 1
        for x in hdr.get("topics", "").split(";"):
            w = x.strip().split(" ")[0].lower()
            if WORD.match(w):
                topics[w] += 1
        last = hdr.get("author", "").split(" ")[-1]
        if re.match(r"^[A-Za-z]{3,}$", last):
            authors[last] += 1
        m = re.match(r"^(\d{4})", hdr.get("date", ""))
        if m:
            years.append(int(m.group(1)))

    ranked = [w for w, _ in df.most_common()]
    high = [w for w in ranked if df[w] >= 0.10 * n][:200] or ranked[:50]
    mid = [w for w in ranked if 0.01 * n <= df[w] < 0.05 * n] or ranked[len(ranked) // 10:len(ranked) // 5]
    low = [w for w in ranked if 5 <= df[w] <= max(10, 0.001 * n)] or ranked[-200:]
    common = [w for w in ranked if df[w] >= 0.02 * n] or ranked[:300]
    k = a.per_class

    def pick(pool, m=1):
        return rng.sample(pool, m) if len(pool) >= m else [rng.choice(pool) for _ in range(m)]

    qs = []
    for cls, pool in (("term-high", high), ("term-mid", mid), ("term-low", low)):
        for w in pick(pool, k):
            qs.append((cls, w))
    for _ in range(k):
        x, y = pick(common, 2)
        qs.append(("and2", f"{x} {y}"))
    for _ in range(k):
        x, y = pick(mid + high, 2)
        qs.append(("or2", f"{x} OR {y}"))
    for _ in range(k):
        x, y, z = pick(mid + low + high, 3)
        qs.append(("or3", f"{x} OR {y} OR {z}"))
    p2 = [p for p, c in pairs.most_common(2000) if c >= 3]
    p3 = [t for t, c in triples.most_common(2000) if c >= 3]
    for p in pick(p2, k) if p2 else []:
        qs.append(("phrase2", '"%s"' % " ".join(p)))
    for t in pick(p3, k) if p3 else []:
        qs.append(("phrase3", '"%s"' % " ".join(t)))
    title_words = [w for w, c in title_df.most_common(500) if c >= 3] or high
    for i in range(k):
        if actors and i % 3 == 0:
            qs.append(("field-term", f"actor:{rng.choice(list(actors))} {rng.choice(common)}"))
        elif topics and i % 3 == 1:
            qs.append(("field-term", f"topic:{rng.choice(list(topics))} {rng.choice(common)}"))
        elif authors and i % 3 == 2:
            qs.append(("field-term", f"author:{rng.choice(sorted(authors))} {rng.choice(common)}"))
        else:
            qs.append(("field-term", f"title:{rng.choice(title_words)}"))
    if years:
        lo, hi = min(years), max(years)
        for _ in range(k):
            y0 = rng.randint(lo, hi)
            y1 = min(hi, y0 + rng.randint(0, max(1, (hi - lo) // 5)))
            qs.append(("date-term", f"{rng.choice(common)} date:{y0}..{y1}"))
    for i in range(k):
        a1, a2, b1, b2 = pick(mid + high, 4)
        if i % 2:
            qs.append(("nested", f"({a1} OR {a2}) {b1} -{b2}"))
        else:
            qs.append(("nested", f"({a1} OR {a2}) ({b1} OR {b2})"))
    with open(a.out, "w", encoding="utf-8") as f:
        for cls, q in qs:
            f.write(f"{cls}\t{q}\n")


if __name__ == "__main__":
    main()
