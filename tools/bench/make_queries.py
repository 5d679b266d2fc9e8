#!/usr/bin/env python3
"""Builds a benchmark query set from a corpus's term statistics.

  make_queries.py CORPUS_DIR OUT.tsv [--seed S] [--sample N] [--per-class K]

Reads a deterministic sample of the corpus's articles (default: up to
20000, chosen with the seed; a .txt file is one article, a line of a .jsonl or
.ndjson file another), counts in how many of them each word, word pair
and word triple occurs, and writes K queries per class (default 18) as
`class<TAB>query` lines in Loupe's query language (docs/query-language.md):

  term-high    one word among the 1% most frequent words (by document frequency)
  term-mid     one word of middle frequency (around the geometric mean of the
               high and low bands)
  term-low     one word found in 5 to about 50 sampled articles (fewer in small corpora)
  and2         two words that occur together in some article: `a b`
  or2          `a OR b`, words of middle frequency
  or3          `a OR b OR c`, one high, one middle and one low word
  prefix       the first 4 to 6 letters of a high or middle frequency word: `abcd*`
  phrase2      a frequent pair of adjacent words: `"a b"`
  phrase3      a frequent triple of adjacent words: `"a b c"`
  field-term   actor:Lastname, topic:word or topic:"two words", author:Lastname
               or title:word, whichever of those fields the corpus has
  date-term    a word with a date filter (date:A..B, date:D, before:D, after:D);
               only for corpora whose articles carry dates
  nested       (a OR b) c -d, (a OR b) (c OR d), (a OR b) AND c NOT d,
               (a b) OR (c d)

Words are lower-case ASCII-letter words of three letters or more, without
stop words (so no query word is an operator or a field name); phrases are
words separated by white space only in the source text. Python 3 standard
library only; the same corpus, seed and options give the same file.
"""
import argparse
import collections
import datetime
import json
import math
import os
import random
import re
import sys

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each even ever every few for from further
had has have having he her here hers herself him himself his how however i if in into is it its itself
just may me might more most much must my myself no nor not now of off on once only or other our ours
ourselves out over own same shall she should since so some such than that the their theirs them
themselves then there these they this those though through thus to too under until up upon us very
was we were what when where which while who whom whose why will with within without would yet you your
yours yourself yourselves one two new said says say also re fw fwd
""".split())
# Words that are query syntax when followed by a colon are harmless as bare
# words, but keep them out anyway so a reader never wonders.
RESERVED = frozenset("title author actor topic before after on date and or not".split())

# Roughly the analyzer's word rules: '.' and apostrophes inside a word and '@'
# keep it whole ("don't", "e.g", "example.com", "jm@example.com" are single
# words, never queried).
TOKEN = re.compile(r"[\w@]+(?:['.\u2019][\w@]+)*")
ASCII_WORD = re.compile(r"^[a-z]{2,20}$")
HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9 _-]{0,39}):(?:[ \t]|$)")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")


def eligible(w):
    """A word worth querying on its own."""
    return len(w) >= 3 and ASCII_WORD.match(w) is not None and w not in STOPWORDS and w not in RESERVED


def stem(w):
    """A light English stemmer, close enough to Snowball's to group the forms
    Loupe searches as one term (defined/defines/define, country/countries), so
    that the frequency bands hold for the terms Loupe really sees."""
    for suf in ("ingly", "edly", "ings", "ing", "ed", "es", "s", "ly"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[:-len(suf)]
            break
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("y") and w[-2] not in "aeiou":
        w = w[:-1] + "i"
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeioulsz":
        w = w[:-1]
    return w


JSON_LINES = (".jsonl", ".ndjson")


def list_articles(root):
    """The article files under root, sorted, as (path, articles): 1 for a .txt
    file, its non-empty lines for a JSON-lines file."""
    paths = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        paths.extend(os.path.join(d, f) for f in files
                     if f.endswith((".txt",) + JSON_LINES) and not f.startswith("."))
    out = []
    for p in sorted(paths):
        if p.endswith(JSON_LINES):
            with open(p, encoding="utf-8", errors="replace") as f:
                out.append((p, sum(1 for line in f if line.strip())))
        else:
            out.append((p, 1))
    return out


def read_articles(files, picks):
    """Yields (title, headers, body) of the articles numbered `picks` (sorted)
    over `files`, numbering the articles of each file in order."""
    picks = iter(picks)
    want = next(picks, None)
    first = 0
    for path, count in files:
        if want is None:
            return
        if want >= first + count:
            first += count
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            if not path.endswith(JSON_LINES):
                yield parse_article(f.read())
                want = next(picks, None)
            else:
                lines = (line for line in f if line.strip())
                for i, line in enumerate(lines, first):
                    if want is None or want >= first + count:
                        break
                    if i == want:
                        yield parse_json_article(line)
                        want = next(picks, None)
        first += count


def parse_json_article(line):
    """(title, headers, body) of a JSON line, with the keys docs/corpus-format.md names."""
    try:
        o = json.loads(line)
    except ValueError:
        return "", {}, ""
    if not isinstance(o, dict):
        return "", {}, ""

    def text(v):
        return "; ".join(str(x) for x in v) if isinstance(v, list) else str(v) if v is not None else ""

    headers = {k: text(o[k]) for k in ("author", "date", "actors", "topics") if k in o}
    body = next((text(o[k]) for k in ("body", "text", "content") if k in o), "")
    return text(o.get("title", "")), headers, body


def parse_article(text):
    """(title, headers, body) as docs/corpus-format.md reads them."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    title = lines[i].strip() if i < len(lines) else ""
    i += 1
    headers = {}
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            break
        m = HEADER.match(lines[i])
        if not m:
            break
        key = m.group(1).strip().lower()
        value = lines[i][m.end():].strip()
        if key in ("actors", "actor", "topics", "topic"):
            key = key.rstrip("s") + "s"
            headers[key] = (headers.get(key, "") + ";" + value).strip(";")
        else:
            headers[key] = value
        i += 1
    return title, headers, "\n".join(lines[i:])


def tokens(text):
    """The words of a text, lower-cased, with whether each follows the previous
    one across white space only (so that the two are adjacent in a phrase)."""
    out = []
    end = None
    for m in TOKEN.finditer(text):
        adjacent = end is not None and (m.start() == end or text[end:m.start()].isspace())
        out.append((m.group().lower(), adjacent))
        end = m.end()
    return out


class Stats:
    def __init__(self):
        self.n = 0
        self.df = collections.Counter()        # stem of an eligible word -> articles
        self.forms = collections.Counter()     # eligible word -> occurrences (to name a stem)
        self.title_df = collections.Counter()  # eligible title word -> articles
        self.pairs = collections.Counter()     # adjacent word pair -> articles
        self.triples = collections.Counter()
        self.actors = collections.Counter()    # actor last name -> articles
        self.topics = collections.Counter()    # topic value (lower case) -> articles
        self.authors = collections.Counter()   # author last name -> articles
        self.dates = []                        # (y, m, d) of dated articles
        self.docs = []                         # per article: the stems of its eligible words, sorted
        self.dated_docs = []                   # (date, article number) of dated articles
        self.name_words = set()                # words of actor names

    def add(self, title, headers, body):
        self.n += 1
        toks = tokens(title + "\n\n" + body)
        words = [w for w, _ in toks if eligible(w)]
        self.forms.update(words)
        stems = sorted({stem(w) for w in words})
        self.df.update(stems)
        self.docs.append(stems)
        self.title_df.update({w for w, _ in tokens(title) if eligible(w)})
        pairs, triples = set(), set()
        for i in range(1, len(toks)):
            (w0, _), (w1, adj1) = toks[i - 1], toks[i]
            if not adj1 or not ASCII_WORD.match(w0) or not ASCII_WORD.match(w1):
                continue
            if eligible(w0) and eligible(w1):
                pairs.add((w0, w1))
            if i + 1 < len(toks):
                w2, adj2 = toks[i + 1]
                if adj2 and ASCII_WORD.match(w2) and eligible(w0) and eligible(w2):
                    triples.add((w0, w1, w2))
        self.pairs.update(pairs)
        self.triples.update(triples)
        for a in {a.strip() for a in headers.get("actors", "").split(";") if a.strip()}:
            self.name_words.update(x.lower() for x in a.split())
            last = a.split()[-1]
            if re.match(r"^[A-Za-z]{3,}$", last) and last.lower() not in RESERVED:
                self.actors[last] += 1
        for t in {t.strip().lower() for t in headers.get("topics", "").split(";") if t.strip()}:
            if re.match(r"^[a-z]{3,}( [a-z]{3,}){0,2}$", t) and not set(t.split()) & RESERVED:
                self.topics[t] += 1
        author = headers.get("author", "").split()
        if author and re.match(r"^[A-Za-z]{3,}$", author[-1]) and author[-1].lower() not in RESERVED:
            self.authors[author[-1]] += 1
        m = DATE.match(headers.get("date", ""))
        if m:
            self.dates.append(tuple(int(x) for x in m.groups()))
            self.dated_docs.append((self.dates[-1], self.n - 1))


def by_count(counter, min_count=1):
    """Keys by decreasing count, ties by key: the same order on every run."""
    return [k for k, c in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_count]


class Picker:
    def __init__(self, rng):
        self.rng = rng

    def some(self, pool, k):
        """k distinct items of pool (repeats only when the pool is smaller than k)."""
        pool = list(pool)
        if not pool:
            return []
        if len(pool) >= k:
            return self.rng.sample(pool, k)
        return [self.rng.choice(pool) for _ in range(k)]

    def distinct(self, pools, avoid=()):
        """One item from each pool, all different and none in avoid."""
        for _ in range(1000):
            out = [self.rng.choice(p) for p in pools]
            if len(set(out)) == len(out) and not set(out) & set(avoid):
                return out
        raise SystemExit("make_queries.py: the corpus is too small to draw distinct words")


def fmt_date(d, grain):
    y, m, day = d
    return ["%04d" % y, "%04d-%02d" % (y, m), "%04d-%02d-%02d" % (y, m, day)][grain]


def next_period(d, grain):
    """The start of the year, month or day after the one holding d."""
    y, m, day = d
    if grain == 0:
        return (y + 1, 1, 1)
    if grain == 1:
        return (y + 1, 1, 1) if m == 12 else (y, m + 1, 1)
    n = datetime.date(y, m, day) + datetime.timedelta(days=1)
    return (n.year, n.month, n.day)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample", type=int, default=20000, help="articles to read at most (default 20000)")
    ap.add_argument("--per-class", type=int, default=18, help="queries per class (default 18)")
    a = ap.parse_args()
    k = a.per_class
    rng = random.Random(a.seed)
    pick = Picker(rng)

    files = list_articles(a.corpus)
    total = sum(n for _, n in files)
    if not total:
        sys.exit("make_queries.py: no .txt or .jsonl articles under %s" % a.corpus)
    picks = range(total)
    if total > a.sample:
        picks = sorted(random.Random(a.seed).sample(picks, a.sample))
    st = Stats()
    for article in read_articles(files, picks):
        st.add(*article)
    n = st.n

    # Frequency bands over the stems; a stem is queried as its most frequent form.
    form_of = {}
    for w in by_count(st.forms):
        form_of.setdefault(stem(w), w)
    ranked = by_count(st.df)
    if len(ranked) < 4 * k:
        sys.exit("make_queries.py: only %d distinct words in %s; too few for a query set" % (len(ranked), a.corpus))
    high = ranked[:max(2 * k, math.ceil(len(ranked) / 100))]
    high_min = st.df[high[-1]]
    low_hi = max(10, min(50, n // 200))
    low = [w for w in ranked if 5 <= st.df[w] <= low_hi] or [w for w in ranked if st.df[w] >= 2][-10 * k:]
    centre = math.sqrt(low_hi * high_min)
    high_set = set(high)
    for spread in (2, 3, 5, 10, 100):
        mid = [w for w in ranked if centre / spread <= st.df[w] <= centre * spread and w not in high_set]
        if len(mid) >= 4 * k:
            break
    common = set(high) | set(mid)
    high, mid, low = ([form_of[x] for x in band] for band in (high, mid, low))

    queries = []

    def add(cls, q):
        queries.append((cls, q))

    for cls, pool in (("term-high", high), ("term-mid", mid), ("term-low", low)):
        for w in pick.some(pool, k):
            add(cls, w)

    # and2: two words of one article (so the query has hits), middle or high frequency.
    order = list(range(n))
    rng.shuffle(order)
    made = 0
    for i in order:
        if made == k:
            break
        words = [form_of[x] for x in st.docs[i] if x in common]
        if len(words) >= 2:
            x, y = rng.sample(words, 2)
            add("and2", "%s %s" % (x, y))
            made += 1
    for _ in range(k):
        add("or2", "%s OR %s" % tuple(pick.distinct([mid, mid])))
    for _ in range(k):
        words = pick.distinct([high, mid, low])
        rng.shuffle(words)
        add("or3", " OR ".join(words))

    # prefix: the first 4 to 6 letters of a frequent or middle word, `word*`.
    long_words = [w for w in high + mid if len(w) >= 6] or [w for w in high + mid if len(w) >= 4]
    for w in pick.some(long_words, k):
        add("prefix", w[:rng.randint(4, min(6, len(w) - 1))] + "*")

    for cls, counter in (("phrase2", st.pairs), ("phrase3", st.triples)):
        # Leave out the phrases with a person's name: in the synthetic corpus
        # those are the generator's own stock sentences.
        frequent = [p for p in by_count(counter) if not set(p) & st.name_words]
        frequent = [p for p in frequent if counter[p] >= 2][:400] or frequent[:400]
        for p in pick.some(frequent, k):
            add(cls, '"%s"' % " ".join(p))

    # field-term: the fields this corpus fills, in turn.
    kinds = []
    if st.actors:
        kinds.append(("actor", by_count(st.actors)))
    if st.topics:
        kinds.append(("topic", by_count(st.topics)))
    authors = by_count(st.authors, 2)
    if len(authors) >= 2:
        kinds.append(("author", authors))
    titles = by_count(st.title_df, 2) or by_count(st.title_df)
    if titles:
        kinds.append(("title", titles))
    if not kinds:
        kinds.append(("title", high))
    pools = {name: pick.some(pool, min(k, len(pool))) for name, pool in kinds}
    made = 0
    while made < k:
        for name, _ in kinds:
            if made == k:
                break
            if not pools[name]:
                continue
            v = pools[name].pop()
            add("field-term", "%s:%s" % (name, '"%s"' % v if " " in v else v))
            made += 1
        if not any(pools.values()):
            pools = {name: pick.some(pool, min(k, len(pool))) for name, pool in kinds}

    # date-term: a word of a dated article and a date filter that holds the
    # article's date (so every query has hits), at year, month or day grain.
    if len(st.dated_docs) >= max(10, n // 10):
        dated = sorted(st.dated_docs)
        # Leave out the 2% earliest and latest dates (bogus dates in mail).
        cut = len(dated) // 50
        dated = dated[cut:len(dated) - cut] or dated
        dates = [d for d, _ in dated]
        made = 0
        for _ in range(50 * k):
            if made == k:
                break
            d1, doc = rng.choice(dated)
            words = [form_of[x] for x in st.docs[doc] if x in common]
            if not words:
                continue
            w = rng.choice(words)
            grain = made % 3
            form = (made // 3) % 4
            d2 = rng.choice(dates)
            if form == 0:  # date:A..B
                lo, hi = sorted((d1, d2))
                f = "date:%s..%s" % (fmt_date(lo, grain), fmt_date(hi, grain))
            elif form == 1:  # after:D, D on or before the article's date
                f = "after:%s" % fmt_date(min(d1, d2), grain)
            elif form == 2:  # before:D, D after the article's date
                f = "before:%s" % fmt_date(max(next_period(d1, grain), d2), grain)
            else:  # date:D, the article's year or month
                f = "date:%s" % fmt_date(d1, min(grain, 1))
            add("date-term", "%s %s" % (w, f))
            made += 1

    for i in range(k):
        form = i % 4
        if form == 0:
            x, y, z, v = pick.distinct([mid, mid, high, mid])
            add("nested", "(%s OR %s) %s -%s" % (x, y, z, v))
        elif form == 1:
            x, y, z, v = pick.distinct([mid, high, mid, high])
            add("nested", "(%s OR %s) (%s OR %s)" % (x, y, z, v))
        elif form == 2:
            x, y, z, v = pick.distinct([high, mid, high, low])
            add("nested", "(%s OR %s) AND %s NOT %s" % (x, y, z, v))
        else:
            x, y, z, v = pick.distinct([high, mid, high, mid])
            add("nested", "(%s %s) OR (%s %s)" % (x, y, z, v))

    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        for cls, q in queries:
            f.write("%s\t%s\n" % (cls, q))
    classes = collections.Counter(c for c, _ in queries)
    print("make_queries.py: %d queries (%s) from %d articles of %s" %
          (len(queries), ", ".join("%s %d" % kv for kv in classes.items()), n, a.corpus), file=sys.stderr)


if __name__ == "__main__":
    main()
