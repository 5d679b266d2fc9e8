"""Loupe: full-text search over news archives, from Python.

    import loupe
    with loupe.open("news.loupe") as ix:
        res = ix.search("actor:Bessent AND topic:tariffs", limit=10,
                        facets=["actor", "topic"], snippets=True)
        print(res.total, res.hits[0].title, res.hits[0].date)
        for hit in ix.search_iter("topic:tariffs", sort="-date"):
            ...
        ix.timeline("topic:tariffs", by="month")   # [("2025-09", 12), ...]

    loupe.index_folder("news.loupe", "corpus/")     # what `loupe index` does

Queries are written in Loupe's query language (docs/query-language.md) and
run exactly as `loupe search` runs them: the same hits, scores, facets and
snippets. Searching, committing and indexing release the GIL, so threads
search in parallel. Errors are LoupeError and its subclasses (QueryError,
IndexLocked, CorruptionError, NotFound, InvalidArgument); arguments of the
wrong type raise TypeError, and bad values ValueError.
"""

import os as _os

from loupe._errors import (CorruptionError, IndexLocked, InvalidArgument,
                           LoupeError, NotFound, QueryError)
try:
    from loupe import _loupe
except ImportError as _e:  # the sources of the package without the build
    raise ImportError("the compiled module loupe._loupe is missing or cannot load (" + str(_e) + "): build Loupe "
                      "with CMake (pybind11-dev and python3-dev installed) and use the package from the build, "
                      "PYTHONPATH=build/tools/python, or install it (docs/python.md)") from _e

__version__ = _loupe.__version__
FORMAT_VERSION = _loupe.FORMAT_VERSION

__all__ = [
    "open", "index_folder", "Index", "SearchResult", "Hit", "Snippet",
    "Document", "Explanation", "LoupeError", "QueryError", "IndexLocked",
    "CorruptionError", "NotFound", "InvalidArgument", "FORMAT_VERSION",
    "__version__",
]


def _type_name(value):
    return type(value).__name__


def _check_str(name, value, allow_none=False):
    if value is None and allow_none:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_type_name(value)}")
    return value


def _check_int(name, value, minimum=0):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {_type_name(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    if value >= 2**63:
        raise ValueError(f"{name} is too large ({value})")
    return value


def _check_bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {_type_name(value)}")
    return value


def _check_facets(facets):
    """The facet names as a list, or TypeError."""
    if isinstance(facets, str) or not isinstance(facets, (list, tuple)):
        raise TypeError(f"facets must be a list of str (e.g. [\"actor\", \"date:month\"]), not {_type_name(facets)}")
    for f in facets:
        _check_str("each facet", f)
    return list(facets)


def _check_path(name, value):
    if isinstance(value, _os.PathLike):
        value = _os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or a path, not {_type_name(value)}")
    if not value:
        raise ValueError(f"{name} is empty")
    return value


def _check_date(name, value):
    """now=: a datetime.date or "YYYY-MM-DD" (None: today)."""
    if value is None:
        return ""
    import datetime
    if isinstance(value, datetime.date):
        return value.isoformat()[:10]
    if isinstance(value, str):
        return value
    raise TypeError(f"{name} must be a datetime.date or a str YYYY-MM-DD, not {_type_name(value)}")


class Snippet:
    """The passages of an article's body that a query matched.

    Attributes:
        text: the passages, joined by " … " ("…" where text was cut).
        highlights: the matched words as (start, end) str indices of ``text``.
        matched: False when nothing in the body matched (e.g. a search on
            actor: or date: alone): ``text`` is then the body's opening.
    """

    __slots__ = ("text", "highlights", "matched")

    def __init__(self, raw):
        self.text = raw["text"]
        self.highlights = raw["highlights"]
        self.matched = raw["matched"]

    def marked(self, before="[", after="]"):
        """The text with each highlight wrapped in ``before`` and ``after``."""
        out, last = [], 0
        for start, end in self.highlights:
            out += [self.text[last:start], before, self.text[start:end], after]
            last = end
        out.append(self.text[last:])
        return "".join(out)

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"Snippet({self.marked()!r})"


_DOCUMENT_FIELDS = ("id", "path", "title", "date", "author", "actors", "topics", "language", "extra")


class Document:
    """An article's stored fields.

    Attributes:
        id: its id (for articles from a folder, the path relative to the
            folder, e.g. "articles/a22-....txt").
        path: where it came from.
        title, author, language: str ("" when absent).
        date: a datetime.date, or None (undated).
        actors, topics: lists of str (actors by their canonical names).
        extra: a dict of the other fields the article declared.
        body: the text (Index.document only; hits leave it out).
    """

    __slots__ = _DOCUMENT_FIELDS + ("body",)

    def __init__(self, raw):
        for name in _DOCUMENT_FIELDS:
            setattr(self, name, raw[name])
        self.body = raw.get("body")

    def to_dict(self):
        """The fields as a dict (the form Index.add takes)."""
        out = {name: getattr(self, name) for name in _DOCUMENT_FIELDS}
        if self.body is not None:
            out["body"] = self.body
        return out

    def __repr__(self):
        return f"{type(self).__name__}(id={self.id!r}, title={self.title!r}, date={self.date!r})"


class Hit(Document):
    """One hit of a search: the article's stored fields (no body) and

    Attributes:
        score: its BM25 score (higher is better).
        snippet: the matched passages (a Snippet) when the search asked for
            snippets, else None.
        copies: near-identical copies folded into it (search(collapse=True)).
        split: the collection split holding it ("" for a plain index).
    """

    __slots__ = ("score", "snippet", "copies", "split")

    def __init__(self, raw):
        super().__init__(raw)
        self.score = raw["score"]
        self.snippet = Snippet(raw["snippet"]) if raw["snippet"] is not None else None
        self.copies = raw["copies"]
        self.split = raw["split"]

    def __repr__(self):
        return f"Hit(id={self.id!r}, title={self.title!r}, date={self.date!r}, score={self.score:.4f})"


class SearchResult:
    """What Index.search found.

    Attributes:
        total: the number of matching articles (a lower bound when
            ``total_exact`` is False).
        total_exact: False when search(exact_total=False) let it stop counting.
        hits: the page of hits, best first (a list of Hit).
        facets: a dict from facet name ("actor", "topic", "author",
            "date:month", ...) to a list of (value, count), most first
            (date facets: every bucket in date order).
        next_cursor: pass as search(after=...) for the next page; None on
            the last page.
        query: the query as given; reading: what ran (differs with lenient).
        sort: "relevance", "date" or "-date" (a sort: in the query wins).
        warnings: things to know about how it ran (a capped prefix, ...).
        diagnostics: warnings about the query text (dicts, see QueryError).
        resolved_dates: what relative dates (newer_than:30d) became.
        generation: the commit searched.
    """

    __slots__ = ("total", "total_exact", "hits", "facets", "next_cursor", "query", "reading", "sort",
                 "warnings", "diagnostics", "resolved_dates", "generation")

    def __init__(self, raw):
        self.total = raw["total"]
        self.total_exact = raw["total_exact"]
        self.hits = [Hit(h) for h in raw["hits"]]
        self.facets = raw["facets"]
        self.next_cursor = raw["next_cursor"]
        self.query = raw["query"]
        self.reading = raw["reading"]
        self.sort = raw["sort"]
        self.warnings = raw["warnings"]
        self.diagnostics = raw["diagnostics"]
        self.resolved_dates = raw["resolved_dates"]
        self.generation = raw["generation"]

    def __len__(self):
        return len(self.hits)

    def __iter__(self):
        return iter(self.hits)

    def __getitem__(self, i):
        return self.hits[i]

    def __repr__(self):
        return f"SearchResult(total={self.total}, hits={len(self.hits)}, next_cursor={'…' if self.next_cursor else None})"

    def to_pandas(self):
        """The hits as a pandas DataFrame, one row per hit: id, title, date,
        author, actors, topics, score, path and snippet (its text, or None).

        Raises ImportError when pandas is not installed (Debian:
        apt-get install python3-pandas).
        """
        try:
            import pandas
        except ImportError as e:
            raise ImportError("to_pandas needs pandas; install it with `apt-get install python3-pandas` "
                              "(or put a pandas on sys.path)") from e
        return pandas.DataFrame(
            [{"id": h.id, "title": h.title, "date": h.date, "author": h.author, "actors": h.actors,
              "topics": h.topics, "score": h.score, "path": h.path,
              "snippet": h.snippet.text if h.snippet else None} for h in self.hits],
            columns=["id", "title", "date", "author", "actors", "topics", "score", "path", "snippet"])


class Explanation:
    """How a query is read and planned (Index.explain).

    Attributes:
        query: as given; reading: what ran.
        plan: the compiled plan as a tree of dicts: "node" (the node, as
            `loupe explain` prints it), "matches" (articles it matches),
            "expansions" (a prefix or fuzzy word's terms, each
            {"term", "documents"}), "children"; as `loupe explain --format
            json` gives "plan".
        plan_text: the whole plan on one line.
        sort: the order a sort: in the query asks for ("relevance" if none).
        diagnostics, resolved_dates: as in SearchResult.
        document: with explain(query, doc=ID), that article's score node by
            node ({"node", "matched", "score", "detail", "children"}), else None.
    """

    __slots__ = ("query", "reading", "plan", "plan_text", "sort", "diagnostics", "resolved_dates", "document")

    def __init__(self, raw):
        for name in self.__slots__:
            setattr(self, name, raw[name])

    def __str__(self):
        lines = []

        def walk(node, depth):
            matches = f"  ({node['matches']} matches)" if "matches" in node else ""
            lines.append("  " * depth + node["node"] + matches)
            for child in node.get("children", ()):
                walk(child, depth + 1)

        walk(self.plan, 0)
        return "\n".join(lines)

    def __repr__(self):
        return f"Explanation({self.plan_text!r})"


class Index:
    """An open index or collection; made by loupe.open.

    Use it as a context manager (``with loupe.open(path) as ix:``) so that
    it is closed at the end of the block. Searches may run on several
    threads at once; a writable index's add, delete and commit are
    serialized.
    """

    def __init__(self, handle):
        self._h = handle

    # -- life ---------------------------------------------------------------
    @property
    def path(self):
        """The folder the index lives in, as given to loupe.open."""
        return self._h.path

    @property
    def writable(self):
        """True when opened with write=True."""
        return self._h.writable

    @property
    def closed(self):
        """True once close() ran (or the with block ended)."""
        return self._h.closed

    def close(self):
        """Closes the index: releases the write lock and the files. Changes
        not committed are dropped (commit() first). Calling it again does
        nothing."""
        self._h.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        """Ends a with block: a writable index commits what is pending when
        the block ended normally (and drops it when it raised), then closes."""
        try:
            if exc_type is None and not self._h.closed and self._h.writable and self._h.pending() > 0:
                self._h.commit()
        finally:
            self._h.close()
        return False

    def __repr__(self):
        state = "closed" if self.closed else ("writable" if self.writable else "read-only")
        return f"<loupe.Index {self.path!r} {state}>"

    # -- reading ------------------------------------------------------------
    def search(self, query, limit=10, *, offset=0, sort=None, after=None, facets=(), facet_top=10,
               snippets=False, collapse=False, now=None, lenient=False, exact_total=True):
        """Searches the last commit, as `loupe search` does.

        Args:
            query: a query in Loupe's language, e.g.
                'actor:Bessent AND topic:tariffs before:2025-09-17'.
            limit: hits to return (0: only count and facets).
            offset: hits to skip first.
            sort: "relevance" (default), "date" (oldest first) or "-date"
                (newest first); a sort: in the query wins.
            after: a next_cursor of an earlier page of the same query and
                sort: the hits after that page.
            facets: counts over all matches, e.g. ["actor", "topic",
                "author", "date:month"] (date:day|week|month|year).
            facet_top: values kept per facet (date facets keep every bucket).
            snippets: also make each hit's Snippet (the matched passages).
            collapse: fold near-identical copies into one hit (Hit.copies).
            now: the day relative dates count back from (datetime.date or
                "YYYY-MM-DD"; default today, UTC).
            lenient: repair what the query's syntax gets wrong instead of
                raising (the repair is SearchResult.reading).
            exact_total: False lets a large search stop counting early
                (total is then a lower bound; the hits are the same).

        Returns a SearchResult.

        Raises QueryError (the query cannot run as written; it carries the
        place and fix-it), InvalidArgument (a cursor made for another query,
        sort or index), LoupeError (reading the index failed), TypeError and
        ValueError (bad arguments), ValueError (the index is closed).
        """
        _check_str("query", query)
        _check_int("limit", limit)
        _check_int("offset", offset)
        sort = _check_str("sort", sort, allow_none=True) or "relevance"
        after = _check_str("after", after, allow_none=True)
        facets = _check_facets(facets)
        _check_int("facet_top", facet_top, 1)
        _check_bool("snippets", snippets)
        _check_bool("collapse", collapse)
        _check_bool("lenient", lenient)
        _check_bool("exact_total", exact_total)
        raw = self._h.search(query, limit, offset, sort, after, facets, facet_top, snippets, collapse,
                             _check_date("now", now), lenient, exact_total)
        return SearchResult(raw)

    def search_iter(self, query, *, sort=None, page_size=100, snippets=False, now=None, lenient=False):
        """Every hit of ``query``, best (or, by date, first) first, fetched a
        page at a time through paging cursors as the loop asks for them:
        memory stays that of one page however many hits there are. The
        pages show the articles the index had at the first page (articles
        added meanwhile are left out; see docs/python.md).

        Arguments as for search; page_size is the hits fetched per page.
        Returns an iterator of Hit.
        """
        _check_str("query", query)
        _check_int("page_size", page_size, 1)
        cursor = None
        while True:
            page = self.search(query, page_size, sort=sort, after=cursor, snippets=snippets, now=now,
                               lenient=lenient)
            yield from page.hits
            cursor = page.next_cursor
            if cursor is None or not page.hits:
                return

    def timeline(self, query, by="month", *, now=None, lenient=False):
        """The matches of ``query`` per period, as `loupe timeline` counts
        them: a list of (period, count) in date order, every period from the
        first dated match to the last, empty ones included ("2025-09" by
        month; "2025-09-15" by day; "2025-W38" by ISO week; "2025" by year).
        Undated matches are not counted.

        ``by``: "day", "week", "month" or "year". Raises as search does.
        """
        _check_str("query", query)
        _check_str("by", by)
        _check_bool("lenient", lenient)
        return self._h.timeline(query, by, _check_date("now", now), lenient)

    def explain(self, query, doc=None, *, now=None, lenient=False):
        """How ``query`` is read and planned, and how many articles each part
        of the plan matches (Explanation.plan), as `loupe explain` shows it.
        With ``doc`` (an article's id), also why that article scores what it
        does (Explanation.document). Raises as search does, and NotFound
        when there is no article ``doc``.
        """
        _check_str("query", query)
        doc = _check_str("doc", doc, allow_none=True)
        _check_bool("lenient", lenient)
        return Explanation(self._h.explain(query, doc, _check_date("now", now), lenient))

    def document(self, id):
        """The stored article with id ``id`` (its body included), as a
        Document. Raises NotFound (a LookupError) when there is none."""
        _check_str("id", id)
        return Document(self._h.document(id))

    def stats(self):
        """The index's counts: a dict with documents, terms, size_bytes,
        generation (commits so far), format_version, partition (None for a
        plain index) and splits (a collection's, each a dict)."""
        return self._h.stats()

    # -- writing (write=True) -----------------------------------------------
    def add(self, document):
        """Queues an article; it is searchable after commit(). An article
        with the same id is replaced.

        ``document`` is a dict: "id" (required, a non-empty str), "title",
        "body", "author", "path", "language" (str), "date" (a datetime.date
        or "YYYY-MM-DD"), "actors" and "topics" (lists of str), "extra" (a
        dict of str to str: other fields, searchable as name:value). The
        index tags it as `loupe index` does: declared actors go by their
        canonical names, and actors and topics are detected when none are
        declared.

        Raises TypeError or ValueError for a malformed document, ValueError
        when the index is read-only, IndexLocked (a collection's split held
        by another writer), LoupeError.
        """
        if not isinstance(document, dict):
            if hasattr(document, "keys"):
                document = dict(document)
            else:
                raise TypeError(f"document must be a dict (e.g. {{\"id\": \"x1\", \"title\": ...}}), not "
                                f"{_type_name(document)}")
        self._h.add(document)

    def delete(self, id):
        """Queues the deletion of the article with id ``id`` (an id that
        does not exist is not an error); applied by commit()."""
        _check_str("id", id)
        self._h.delete(id)

    def commit(self):
        """Writes what add and delete queued, atomically; searches see it
        from then on. On failure (LoupeError) the batch is kept, so commit
        may be retried."""
        self._h.commit()

    def rollback(self):
        """Drops what add and delete queued since the last commit."""
        self._h.rollback()

    @property
    def pending(self):
        """Operations queued since the last commit or rollback."""
        return self._h.pending()


def open(path, write=False, *, partition=None, fold_diacritics=False):
    """Opens the index or collection in folder ``path``.

    With write=True the index is created when missing, and the index's
    writer is taken: one per index across all processes, so a second raises
    IndexLocked. partition ("month" or "year") and fold_diacritics choose
    how a new index is made (see `loupe index --partition` and
    --fold-diacritics); they need write=True.

    One folder is opened once per process (an LMDB rule): opening it again
    shares the open index; it cannot then be opened with write=True while a
    read-only handle on it is open.

    Returns an Index, best used as a context manager. Raises NotFound (no
    index there, read-only), CorruptionError (not a Loupe index, or
    damaged), IndexLocked, LoupeError (version mismatch, I/O), TypeError.
    """
    path = _check_path("path", path)
    _check_bool("write", write)
    partition = _check_str("partition", partition, allow_none=True)
    _check_bool("fold_diacritics", fold_diacritics)
    return Index(_loupe._Index(path, write, partition, fold_diacritics))


def index_folder(db, folders, *, progress=False, delete=True, follow_symlinks=False, partition=None,
                 fold_diacritics=False, tagging=True):
    """Indexes the articles in ``folders`` into the index ``db`` (created
    when missing), as `loupe index --db DB FOLDERS...` does: incremental
    (files unchanged since the last run are not read again), tagging actors
    and topics, and deleting the articles of files gone from a folder
    indexed again (unless delete=False).

    Args:
        db: the index folder.
        folders: a folder or file, or a list of them.
        progress: a progress line on stderr while it runs (on a terminal).
        delete: delete the articles of files that are gone (--no-delete: False).
        follow_symlinks: follow symbolic links (never out of a folder).
        partition: a new index becomes a collection by "month" or "year".
        fold_diacritics: a new index folds diacritics (café as cafe).
        tagging: detect actors and topics (--no-tagging: False).

    Returns a dict: added, updated, unchanged and deleted files; articles
    (indexed) and removed; bytes_read; skipped and warnings (lists of
    (path, reason)); documents, terms and size_bytes of the index after;
    seconds.

    The index must not be open in this process. Raises IndexLocked (another
    writer), ValueError (nothing to index; bad arguments), LoupeError, and
    KeyboardInterrupt when interrupted (what was added is committed).
    """
    db = _check_path("db", db)
    if isinstance(folders, (str, _os.PathLike)):
        folders = [folders]
    if not isinstance(folders, (list, tuple)):
        raise TypeError(f"folders must be a path or a list of paths, not {_type_name(folders)}")
    folders = [_check_path("each folder", f) for f in folders]
    for name, value in (("progress", progress), ("delete", delete), ("follow_symlinks", follow_symlinks),
                        ("fold_diacritics", fold_diacritics), ("tagging", tagging)):
        _check_bool(name, value)
    partition = _check_str("partition", partition, allow_none=True)
    return _loupe.index_folder(db, folders, progress, not delete, follow_symlinks, partition, fold_diacritics,
                               tagging)


