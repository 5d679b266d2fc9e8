"""loupe.distributed: a collection's splits served by a Dask cluster.

    import distributed, loupe.distributed
    client = distributed.Client("tcp://scheduler:8786")
    manifest = loupe.distributed.manifest_for("news.loupe", client, replicas=2)
    with loupe.distributed.Collection(client, manifest) as coll:
        res = coll.search("topic:tariffs", limit=10, facets=["actor"])

loupe.distributed.build(client, "corpus/", "/srv/news") builds a collection on
the cluster itself: articles routed to splits by date, each split written by
one worker to its own disk, and the manifest returned (BuildReport.manifest).

A search runs the two phases of a collection's search (docs/architecture.md,
"Collections") across the cluster: every split's statistics for the query
are gathered on the workers holding it and summed on the client; every
split is then searched on its worker, scored with the sums, and the pages
are merged on the client in the engine's order. Hits, scores, totals,
facets and pages are those of one index holding every split's documents.

One Dask actor per worker holds that worker's splits open. A split held by
several workers (replicas) is searched on another when its worker fails; a
split no live worker holds fails the search with MissingSplits, or, with
allow_partial=True, is left out and the result says so (partial, missing).
Every call has a deadline (timeout, in seconds): nothing waits longer.

Needs Dask's distributed scheduler (Debian: python3-distributed), and the
loupe package importable on every worker. See docs/python.md.
"""

import base64 as _base64
import datetime as _datetime
import hashlib as _hashlib
import json as _json
import os as _os
import time as _time

from loupe import (Document, Explanation, InvalidArgument, LoupeError, NotFound, SearchResult, _check_bool, _check_date, _check_facets, _check_int,
                   _check_str, _loupe, _type_name)

__all__ = ["BuildReport", "Collection", "DistributedSearchResult", "MissingSplits", "build", "manifest_for",
           "BUILD_FORMAT", "MANIFEST_FORMAT"]

MANIFEST_FORMAT = "loupe-distributed/1"

# Values a split keeps per facet for the merge: all of them, so that the
# collection's top values are chosen from exact sums.
_ALL_VALUES = 1 << 30


class MissingSplits(LoupeError):
    """Splits no live worker holds: the search could not run on them.

    Attributes:
        missing: the names of those splits.
    """

    def __init__(self, message, missing=()):
        super().__init__(message)
        self.missing = list(missing)


class DistributedSearchResult(SearchResult):
    """A SearchResult of a Collection, with

    Attributes:
        partial: True when splits were left out (search(allow_partial=True)
            with splits no live worker held); their documents are missing
            from hits, totals and facets, and the scores are those of the
            splits searched.
        missing: the names of the splits left out (empty unless partial).
    """

    __slots__ = ("partial", "missing")

    def __init__(self, raw, partial=False, missing=()):
        super().__init__(raw)
        self.partial = partial
        self.missing = list(missing)


# -- the worker side ---------------------------------------------------------

class _SplitServer:
    """The actor on one worker: holds its splits (and the collection's meta
    index, whose context every query is compiled with) open."""

    def __init__(self, meta, splits):
        self._meta = _loupe._Index(meta, False, "", False)
        self._splits = {name: _loupe._Index(path, False, "", False) for name, path in splits.items()}

    def names(self):
        return sorted(self._splits)

    def pid(self):
        return _os.getpid()

    def gather(self, query, sort, now, lenient, names, chosen):
        found = self._meta.gather([self._splits[n] for n in names], query, sort, now, lenient, chosen)
        return dict(zip(names, found))

    def search(self, query, stats, names, limit, sort, facets, facet_top, snippets, now, lenient, order):
        """Searches splits `names` and merges their pages here, so that one
        page per worker travels: {names[0]: the page, other names: None}."""
        pages = self._meta.search_with([self._splits[n] for n in names], query, stats, limit, sort, facets, facet_top,
                                       snippets, now, lenient, False)
        for name, page in zip(names, pages):
            for h in page["hits"]:
                h["split"] = name
        out = dict.fromkeys(names)
        out[names[0]] = _combine(pages, order, limit)
        return out

    def fetch(self, query, now, lenient, snippets, wanted):
        """The stored fields (and snippets) of documents {split: [doc_id]}."""
        names = list(wanted)
        found = self._meta.fetch([self._splits[n] for n in names], [wanted[n] for n in names], query, now, lenient,
                                 snippets)
        return dict(zip(names, found))

    def document(self, id, names):
        """{split: the article's fields (body included), or None when the split has no article ``id``}."""
        out = {}
        for n in names:
            try:
                out[n] = self._splits[n].document(id)
            except NotFound:
                out[n] = None
        return out

    def plan(self, query, now, lenient, names):
        """{split: explain's plan of ``query`` there}, and "": the query's reading."""
        raw = self._meta.plan_in([self._splits[n] for n in names], query, now, lenient)
        plans = raw.pop("plans")
        out = dict(zip(names, plans))
        out[""] = raw
        return out

    def close(self):
        for ix in self._splits.values():
            ix.close()
        self._meta.close()
        self._splits = {}
        return True


# -- manifests ---------------------------------------------------------------

def _worker_ids(client):
    """The client's workers: {address: name} (sorted by address)."""
    info = client.scheduler_info()["workers"]
    return {addr: str(w.get("name", addr)) for addr, w in sorted(info.items())}


def manifest_for(path, client=None, *, replicas=1, workers=None):
    """A manifest serving the index or collection in folder ``path`` from
    Dask workers that all see that folder at the same path (one machine, or
    a shared file system).

    Each split is given to ``replicas`` workers, round robin over
    ``workers`` (addresses or names; default: the client's workers). A plain
    index is one split. Returns the manifest as a dict (save it with
    json.dump; Collection takes either):

        {"format": "loupe-distributed/1", "meta": "/abs/news.loupe/meta",
         "splits": [{"name": "2025-09", "path": ".../splits/2025-09",
                     "workers": ["tcp://10.0.0.5:40123", ...]}, ...]}

    ``splits`` are in the collection's order (by date, undated last), which
    decides ties between equal scores. ``meta`` is the index whose query
    context (gazetteer, fields, languages) every split's queries are compiled
    with: the collection's meta index. Raises ValueError (no workers, more
    replicas than workers), and what loupe.open raises.
    """
    import loupe
    _check_int("replicas", replicas, 1)
    if workers is None:
        if client is None:
            raise ValueError("manifest_for needs a client or a list of workers")
        workers = list(_worker_ids(client))
    workers = [_check_str("each worker", w) for w in workers]
    if not workers:
        raise ValueError("manifest_for: the cluster has no workers")
    if replicas > len(workers):
        raise ValueError(f"replicas={replicas} but only {len(workers)} workers: each copy needs its own worker")
    root = _os.path.abspath(_os.fspath(path))
    with loupe.open(root) as ix:
        stats = ix.stats()
    if stats["partition"] is None:
        meta, splits = root, [("all", root)]
    else:
        meta = _os.path.join(root, "meta")
        splits = [(s["name"], _os.path.join(root, "splits", s["name"])) for s in stats["splits"]]
    out = []
    for i, (name, split_path) in enumerate(splits):
        holders = [workers[(i + r) % len(workers)] for r in range(replicas)]
        out.append({"name": name, "path": split_path, "workers": holders})
    return {"format": MANIFEST_FORMAT, "meta": meta, "splits": out}


def _read_manifest(manifest):
    if isinstance(manifest, (str, _os.PathLike)):
        with open(_os.fspath(manifest), encoding="utf-8") as f:
            manifest = _json.load(f)
    if not isinstance(manifest, dict):
        raise TypeError(f"manifest must be a dict or the path of a JSON file, not {_type_name(manifest)}")
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"not a manifest of loupe.distributed (its \"format\" is {manifest.get('format')!r}, "
                         f"not {MANIFEST_FORMAT!r}); make one with loupe.distributed.manifest_for")
    splits = manifest.get("splits")
    if not isinstance(splits, list) or not splits:
        raise ValueError("the manifest lists no splits")
    names = set()
    for s in splits:
        if not isinstance(s, dict) or not all(k in s for k in ("name", "path", "workers")):
            raise ValueError(f"a manifest split needs \"name\", \"path\" and \"workers\": {s!r}")
        if s["name"] in names:
            raise ValueError(f"the manifest lists split {s['name']!r} twice")
        names.add(s["name"])
    return manifest


# -- paging cursors ----------------------------------------------------------

def _scope_of(splits, query, sort):
    h = _hashlib.sha256()
    for s in splits:
        h.update(s["name"].encode() + b"\0")
    h.update(query.encode() + b"\0" + sort.encode())
    return h.hexdigest()[:16]


def _encode_cursor(scope, at):
    return "d1." + _base64.urlsafe_b64encode(_json.dumps({"s": scope, "at": at}).encode()).decode().rstrip("=")


def _decode_cursor(cursor, scope):
    try:
        if not cursor.startswith("d1."):
            raise ValueError
        body = cursor[3:]
        data = _json.loads(_base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        at = data["at"]
        if not isinstance(at, int) or at < 0:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument(f"search: after: not a paging cursor of a distributed collection: {cursor[:80]!r} "
                              "(pass the next_cursor of a previous page unchanged)") from None
    if data.get("s") != scope:
        raise InvalidArgument("search: after: the cursor was made for another query, sort or set of splits; "
                              "start again from the first page")
    return at


# -- merging -----------------------------------------------------------------

def _bucket_start(label, unit):
    if unit == "week":
        year, week = label.split("-W")
        return _datetime.date.fromisocalendar(int(year), int(week), 1)
    parts = [int(p) for p in label.split("-")] + [1, 1]
    return _datetime.date(parts[0], parts[1], parts[2])


def _bucket_label(day, unit):
    if unit == "day":
        return day.isoformat()
    if unit == "week":
        y, w, _ = day.isocalendar()
        return f"{y:04d}-W{w:02d}"
    if unit == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}"


def _next_bucket(day, unit):
    if unit == "day":
        return day + _datetime.timedelta(days=1)
    if unit == "week":
        return day + _datetime.timedelta(days=7)
    if unit == "month":
        return _datetime.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return _datetime.date(day.year + 1, 1, 1)


_MAX_FILLED_BUCKETS = 5000  # as the engine: a wider span leaves its empty buckets out


def _merge_facet(name, lists, top):
    sums = {}
    for counts in lists:
        for value, n in counts:
            sums[value] = sums.get(value, 0) + n
    if not name.startswith("date:"):
        ranked = sorted(sums.items(), key=lambda vc: (-vc[1], vc[0].encode()))  # most first, ties by value's bytes
        return ranked[:top]
    unit = name[5:]
    by_start = sorted((_bucket_start(v, unit), n) for v, n in sums.items() if n)
    if not by_start:
        return []
    first, last = by_start[0][0], by_start[-1][0]
    span, b = 0, first
    while b <= last and span <= _MAX_FILLED_BUCKETS:
        span += 1
        b = _next_bucket(b, unit)
    if span > _MAX_FILLED_BUCKETS:
        return [(_bucket_label(d, unit), n) for d, n in by_start]
    out, known, b = [], dict(by_start), first
    while b <= last:
        out.append((_bucket_label(b, unit), known.get(b, 0)))
        b = _next_bucket(b, unit)
    return out


def _combine(pages, order, limit):
    """Pages of distinct splits (their hits' "split" set) as one: the best
    `limit` hits in the engine's order (`order`: each split's place in the
    collection), totals and generations added, facet counts added by value
    (every value kept), warnings once each."""
    first = pages[0]
    sort = first["sort"]
    hits = sorted((h for p in pages for h in p["hits"]), key=lambda h: _sort_key(h, order[h["split"]], sort))
    facets = {}
    for p in pages:
        for name, counts in p["facets"].items():
            sums = facets.setdefault(name, {})
            for value, n in counts:
                sums[value] = sums.get(value, 0) + n
    warnings = []
    for p in pages:
        warnings += [w for w in p["warnings"] if w not in warnings]
    out = dict(first)
    out.update(hits=hits[:limit], total=sum(p["total"] for p in pages), total_exact=True,
               generation=sum(p["generation"] for p in pages), warnings=warnings,
               facets={name: list(sums.items()) for name, sums in facets.items()})
    return out


def _sort_key(hit, order, sort):
    """The engine's order (search/collectors.h, Before): the score (or the
    date), then the earlier date, undated last, then the earlier split,
    then the lower document id."""
    day = hit["day"]
    if sort == "relevance":
        key = hit["score"]
    elif day is None:
        key = -1e18
    else:
        key = float(day) if sort == "-date" else -float(day)
    return (-key, day is None, day if day is not None else 0, order, hit["doc_id"])


# -- the client side ---------------------------------------------------------

_FAILURES = ()


def _failures():
    """The exceptions that mean a worker (not the query) failed."""
    global _FAILURES
    if not _FAILURES:
        import asyncio
        from distributed.comm.core import CommClosedError
        kinds = [CommClosedError, OSError, EnvironmentError, asyncio.TimeoutError, TimeoutError,
                 asyncio.CancelledError]
        try:
            from distributed.scheduler import KilledWorker
            kinds.append(KilledWorker)
        except ImportError:
            pass
        _FAILURES = tuple(kinds)
    return _FAILURES


class Collection:
    """A collection served by a Dask cluster: its splits held open by one
    actor per worker (see the module's documentation).

    Args:
        client: a distributed.Client.
        manifest: a dict from manifest_for, or the path of one saved as JSON.
        timeout: the deadline of each call in seconds (opening included;
            default 60); a search may also give its own.

    Opening starts an actor on every live worker the manifest names, which
    opens that worker's splits. Splits whose workers are all gone are
    missing from the start (searches then raise MissingSplits, or with
    allow_partial=True leave them out). Raises MissingSplits when no split
    can be served, LoupeError when a worker cannot open its splits (the
    worker's message), TimeoutError past the deadline.

    Use it as a context manager, or call close(), to release the actors.
    Searches from several threads at once are fine.
    """

    def __init__(self, client, manifest, *, timeout=60.0):
        self._client = client
        self._manifest = _read_manifest(manifest)
        self._timeout = self._check_timeout(timeout)
        self._splits = self._manifest["splits"]
        self._order = {s["name"]: i for i, s in enumerate(self._splits)}
        self._actors = {}  # worker address -> Actor
        self._dead = set()
        self._closed = False
        self._between_phases = None
        deadline = _time.monotonic() + self._timeout
        live = _worker_ids(client)
        by_name = {name: addr for addr, name in live.items()}
        holders = {}  # address -> {split name: path}
        self._holders = {}  # split name -> [addresses], in the manifest's order of preference
        for s in self._splits:
            addrs = []
            for w in s["workers"]:
                addr = w if w in live else by_name.get(w)
                if addr is not None and addr not in addrs:
                    addrs.append(addr)
                    holders.setdefault(addr, {})[s["name"]] = s["path"]
            self._holders[s["name"]] = addrs
        futures = {addr: client.submit(_SplitServer, self._manifest["meta"], splits, workers=[addr],
                                       allow_other_workers=False, actor=True, pure=False,
                                       key=f"loupe-split-server-{addr}-{_os.getpid()}-{id(self)}")
                   for addr, splits in holders.items()}
        for addr, fut in futures.items():
            try:
                self._actors[addr] = fut.result(timeout=max(0.0, deadline - _time.monotonic()))
            except _failures():
                self._dead.add(addr)
            except BaseException:  # the worker's own error (a split it cannot open, no loupe there)
                self._release(futures)
                raise
        self._futures = futures
        if not any(self._live_holders(s["name"]) for s in self._splits):
            self._release(futures)
            raise MissingSplits("no worker of the cluster holds any split of the manifest (its workers: " +
                                ", ".join(sorted({w for s in self._splits for w in s["workers"]})) + ")",
                                [s["name"] for s in self._splits])

    @staticmethod
    def _check_timeout(timeout):
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(f"timeout must be a number of seconds, not {_type_name(timeout)}")
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        return float(timeout)

    def _release(self, futures):
        for fut in futures.values():
            try:
                fut.cancel()
            except Exception:  # noqa: BLE001 - releasing is best effort
                pass

    # -- life -----------------------------------------------------------------
    def close(self):
        """Closes the splits on the workers and releases the actors."""
        if self._closed:
            return
        self._closed = True
        pending = []
        for addr, actor in self._actors.items():
            if addr not in self._dead:
                try:
                    pending.append(actor.close())
                except Exception:  # noqa: BLE001 - a worker gone is closed
                    pass
        for p in pending:
            try:
                p.result(timeout=5)
            except Exception:  # noqa: BLE001
                pass
        self._release(self._futures)
        self._actors = {}

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    @property
    def splits(self):
        """The splits' names, in the collection's order."""
        return [s["name"] for s in self._splits]

    def holders(self):
        """{split: [worker addresses]}: the live workers holding each split."""
        return {s["name"]: self._live_holders(s["name"]) for s in self._splits}

    def _live_holders(self, name):
        return [a for a in self._holders[name] if a in self._actors and a not in self._dead]

    # -- the two phases --------------------------------------------------------
    def _fan_out(self, names, deadline, call):
        """Runs call(actor, names) on one live holder of each split, moving
        splits to another holder when a worker fails; returns
        ({split: value}, [splits no live worker holds])."""
        if self._closed:
            raise ValueError("the collection is closed (it was closed or its with block ended)")
        out, todo, missing = {}, list(names), []
        tried = {n: set() for n in names}
        while todo:
            plan = {}
            for n in todo:
                holders = [a for a in self._live_holders(n) if a not in tried[n]]
                if not holders:
                    missing.append(n)
                    continue
                # The least loaded of its holders in this round.
                addr = min(holders, key=lambda a: (len(plan.get(a, ())), holders.index(a)))
                plan.setdefault(addr, []).append(n)
            futures = {}
            for addr, group in plan.items():
                try:
                    futures[addr] = call(self._actors[addr], group)
                except _failures():
                    self._dead.add(addr)
            todo = []
            for addr, group in plan.items():
                remaining = deadline - _time.monotonic()
                if addr in futures and remaining > 0:
                    try:
                        out.update(futures[addr].result(timeout=remaining))
                        continue
                    except _failures():
                        pass
                elif addr in futures:
                    pass
                if _time.monotonic() >= deadline:
                    raise TimeoutError(f"loupe.distributed: no answer from worker {addr} for splits "
                                       f"{', '.join(group)} within the deadline")
                self._dead.add(addr)
                for n in group:
                    tried[n].add(addr)
                todo.extend(group)
        return out, missing

    def _run(self, query, *, limit, sort, facets, snippets, now, lenient, allow_partial, deadline):
        names = [s["name"] for s in self._splits]

        def fail_missing(missing):
            if allow_partial:
                return
            raise MissingSplits(f"splits {', '.join(missing)} are held by no live worker (their workers failed "
                                "or left the cluster); add a replica (docs/python.md), or pass allow_partial=True "
                                "for the other splits' results", missing)

        gathered, missing = self._fan_out(
            names, deadline, lambda a, g: a.gather(query, sort, now, lenient, g, None))
        if missing:
            fail_missing(missing)
        present = [n for n in names if n in gathered]
        if not present:
            raise MissingSplits("no split of the collection could be searched: " + ", ".join(missing), missing)
        if self._between_phases is not None:  # tests stop a worker here, mid-search
            self._between_phases()
        stats, again = _loupe.sum_statistics([gathered[n] for n in present])
        if again:
            regathered, more = self._fan_out(
                present, deadline, lambda a, g: a.gather(query, sort, now, lenient, g, stats))
            if more:
                fail_missing(more)
                missing += more
            present = [n for n in present if n in regathered]
            stats, _ = _loupe.sum_statistics([regathered[n] for n in present])
        pages, more = self._fan_out(
            present, deadline,
            lambda a, g: a.search(query, stats, g, limit, sort, list(facets), _ALL_VALUES, snippets, now, lenient,
                                  self._order))
        if more:
            fail_missing(more)
            missing += more
        combined = [p for p in pages.values() if p is not None]
        if not combined:
            raise MissingSplits("no split of the collection could be searched: " + ", ".join(missing), missing)
        return combined, missing

    # -- reading ----------------------------------------------------------------
    def search(self, query, limit=10, *, offset=0, sort=None, after=None, facets=(), facet_top=10,
               snippets=False, now=None, lenient=False, allow_partial=False, timeout=None):
        """Searches the collection, as loupe.Index.search does, across the
        cluster: the same hits, scores, total, facets and pages as one index
        of all the splits' documents.

        Arguments as for loupe.Index.search (collapse and exact_total=False
        are not offered: the total is always exact), and:
            allow_partial: when splits are held by no live worker, search the
                others and mark the result partial instead of raising.
            timeout: this call's deadline in seconds (default: the
                collection's).

        Returns a DistributedSearchResult. Its next_cursor pages by
        position: pages stay exact while the splits do not change.
        Raises as loupe.Index.search does, and MissingSplits (a LoupeError
        naming the splits no live worker holds), TimeoutError (past the
        deadline).
        """
        _check_str("query", query)
        _check_int("limit", limit)
        _check_int("offset", offset)
        sort = _check_str("sort", sort, allow_none=True) or "relevance"
        if sort not in ("relevance", "date", "-date"):
            raise ValueError(f"sort '{sort}' is not an order; use \"relevance\", \"date\" (oldest first) or \"-date\" "
                             "(newest first)")
        after = _check_str("after", after, allow_none=True)
        facets = _check_facets(facets)
        _check_int("facet_top", facet_top, 1)
        _check_bool("snippets", snippets)
        _check_bool("lenient", lenient)
        _check_bool("allow_partial", allow_partial)
        now = _check_date("now", now) or _datetime.datetime.now(_datetime.timezone.utc).date().isoformat()
        scope = _scope_of(self._splits, query, sort)
        at = _decode_cursor(after, scope) if after else 0
        start = at + offset
        deadline = _time.monotonic() + (self._check_timeout(timeout) if timeout is not None else self._timeout)
        pages, missing = self._run(query, limit=start + limit, sort=sort, facets=facets, snippets=snippets, now=now,
                                   lenient=lenient, allow_partial=allow_partial, deadline=deadline)
        raw = _combine(pages, self._order, start + limit)
        shown = raw["hits"][start:start + limit]
        # Phase 3: the stored fields (and snippets) of the hits shown, from their splits.
        wanted = {}
        for h in shown:
            wanted.setdefault(h["split"], []).append(h["doc_id"])
        if wanted:
            fetched, lost = self._fan_out(list(wanted), deadline,
                                          lambda a, g: a.fetch(query, now, lenient, snippets, {n: wanted[n] for n in g}))
            if lost and not allow_partial:
                raise MissingSplits(f"splits {', '.join(lost)} are held by no live worker (their workers failed "
                                    "or left the cluster); add a replica (docs/python.md), or pass "
                                    "allow_partial=True for the other splits' results", lost)
            missing = missing + [n for n in lost if n not in missing]
            full = []
            for h in shown:
                if h["split"] not in fetched:
                    continue
                doc = fetched[h["split"]][wanted[h["split"]].index(h["doc_id"])]
                doc.update(score=h["score"], split=h["split"], doc_id=h["doc_id"], day=h["day"], copies=0)
                full.append(doc)
            shown = full
        facet_out = {}
        for i, f in enumerate(facets):
            names = list(raw["facets"])
            key = names[i] if i < len(names) else f
            facet_out[key] = _merge_facet(key, [raw["facets"].get(key, [])], facet_top)
        total = raw["total"]
        raw.update(hits=shown, facets=facet_out,
                   next_cursor=_encode_cursor(scope, start + len(shown))
                   if shown and total > start + len(shown) else None)
        return DistributedSearchResult(raw, partial=bool(missing), missing=missing)

    def search_iter(self, query, *, sort=None, page_size=100, snippets=False, now=None, lenient=False,
                    allow_partial=False, timeout=None):
        """Every hit of ``query``, a page at a time (as loupe.Index.search_iter)."""
        _check_int("page_size", page_size, 1)
        now = _check_date("now", now) or _datetime.datetime.now(_datetime.timezone.utc).date().isoformat()
        cursor = None
        while True:
            page = self.search(query, page_size, sort=sort, after=cursor, snippets=snippets, now=now,
                               lenient=lenient, allow_partial=allow_partial, timeout=timeout)
            yield from page.hits
            cursor = page.next_cursor
            if cursor is None or not page.hits:
                return

    def count(self, query, *, now=None, lenient=False, allow_partial=False, timeout=None):
        """The number of articles matching ``query``."""
        return self.search(query, 0, now=now, lenient=lenient, allow_partial=allow_partial, timeout=timeout).total

    def timeline(self, query, by="month", *, now=None, lenient=False, allow_partial=False, timeout=None):
        """The matches of ``query`` per period (as loupe.Index.timeline):
        a list of (period, count), every period from the first to the last."""
        _check_str("by", by)
        if by not in ("day", "week", "month", "year"):
            raise ValueError(f"by '{by}' is not a period; use \"day\", \"week\", \"month\" or \"year\"")
        res = self.search(query, 0, facets=[f"date:{by}"], now=now, lenient=lenient, allow_partial=allow_partial,
                          timeout=timeout)
        return list(res.facets[f"date:{by}"])

    def document(self, id, *, allow_partial=False, timeout=None):
        """The stored article with id ``id`` (its body included), as a
        loupe.Document, from the split holding it (as loupe.Index.document).

        Raises NotFound (a LookupError) when no split has it, MissingSplits
        when it is in none of the splits searched and some split has no live
        worker (unless allow_partial=True: then NotFound), TimeoutError past
        the deadline.
        """
        _check_str("id", id)
        if not id:
            raise ValueError("the id is empty; give an article's id as search gives it (hit.id)")
        _check_bool("allow_partial", allow_partial)
        deadline = _time.monotonic() + (self._check_timeout(timeout) if timeout is not None else self._timeout)
        found, missing = self._fan_out(self.splits, deadline, lambda a, g: a.document(id, g))
        for name in self.splits:  # an id lives in one split; the first in the collection's order wins
            if found.get(name) is not None:
                return Document(found[name])
        if missing and not allow_partial:
            raise MissingSplits(f"no article with id {id!r} in the splits searched, and splits {', '.join(missing)} "
                                "are held by no live worker: it may be there; add a replica (docs/python.md), or "
                                "pass allow_partial=True", missing)
        raise NotFound(f"no article with id {id!r} in the collection (ids are what search gives as hit.id)")

    def explain(self, query, *, now=None, lenient=False, allow_partial=False, timeout=None):
        """How ``query`` is read and planned, and how many articles each part
        of the plan matches across the collection (as loupe.Index.explain
        without doc): a loupe.Explanation whose plan's matches are summed
        over the splits, and whose prefix and fuzzy expansions are each
        split's terms with their documents summed (most documents first).
        A single document's score (doc=) is not offered: its statistics are
        the collection's, which only a search gathers.

        Raises as search does: QueryError, MissingSplits (unless
        allow_partial=True: then the matches are those of the splits
        searched), TimeoutError.
        """
        _check_str("query", query)
        _check_bool("lenient", lenient)
        _check_bool("allow_partial", allow_partial)
        now = _check_date("now", now) or _datetime.datetime.now(_datetime.timezone.utc).date().isoformat()
        deadline = _time.monotonic() + (self._check_timeout(timeout) if timeout is not None else self._timeout)
        reading = {}

        def call(actor, group):
            return actor.plan(query, now, lenient, group)

        plans, missing = self._fan_out(self.splits, deadline, call)
        reading = plans.pop("", None)
        if missing and not allow_partial:
            raise MissingSplits(f"splits {', '.join(missing)} are held by no live worker (their workers failed or "
                                "left the cluster); add a replica (docs/python.md), or pass allow_partial=True for "
                                "the other splits' counts", missing)
        present = [plans[n] for n in self.splits if n in plans]
        if reading is None or not present:
            raise MissingSplits("no split of the collection could be searched: " + ", ".join(missing), missing)
        reading["plan"] = _merge_plans(present)
        return Explanation(reading)

    def __repr__(self):
        return f"<loupe.distributed.Collection {len(self._splits)} splits on {len(self._actors)} workers>"


def _merge_plans(plans):
    """One plan from the splits' plans of one query (the same tree in each):
    matches summed, warnings once each, expansions' documents summed."""
    first = plans[0]
    out = {"node": first["node"]}
    if "matches" in first:
        out["matches"] = sum(p.get("matches", 0) for p in plans)
        warnings = []
        for p in plans:
            warnings += [w for w in p.get("warnings", ()) if w not in warnings]
        if warnings:
            out["warnings"] = warnings
    if "expansions" in first:
        sums = {}
        for p in plans:
            for e in p.get("expansions", ()):
                sums[e["term"]] = sums.get(e["term"], 0) + e["documents"]
        out["expansions"] = [{"term": t, "documents": n}
                             for t, n in sorted(sums.items(), key=lambda tn: (-tn[1], tn[0].encode()))]
    if "children" in first:
        out["children"] = [_merge_plans([p["children"][i] for p in plans]) for i in range(len(first["children"]))]
    return out


# -- building a collection on the cluster -------------------------------------

BUILD_FORMAT = "loupe-distributed-build/1"
_BUILD_RECORD = "loupe-build.json"      # out/: what kind of build the folder holds
_MANIFEST_FILE = "loupe-distributed.json"  # out/: the manifest of the last build
_PARTITIONS = ("month", "year")
# The tagging texts `loupe index` looks for at the top of each PATH.
_TAG_FILES = (("gazetteer", "actors.gazetteer"), ("topics", "topics.lexicon"), ("titles", "actor-titles.list"))
_ROUTE_CHUNK = 2000  # files read per routing task


class BuildReport:
    """What loupe.distributed.build did.

    Attributes:
        manifest: the manifest of the collection built (a dict, as
            manifest_for gives; Collection takes it). Also written to
            OUT/loupe-distributed.json on every machine holding splits.
        built: the splits written by this call, in the collection's order.
        kept: the splits a previous call completed, left as they were.
        documents: {split: number of articles}.
        workers: {split: the worker address that built or holds it}.
        skipped: [(path, reason)]: files not read (empty, binary, unreadable,
            of no known format, or skipped by the walk).
        warnings: [(path, message)]: what the readers could not use.
        seconds: the wall time of the call.
    """

    __slots__ = ("manifest", "built", "kept", "documents", "workers", "skipped", "warnings", "seconds")

    def __init__(self, **fields):
        for k in self.__slots__:
            setattr(self, k, fields.get(k))

    def __repr__(self):
        return (f"<loupe.distributed.BuildReport {len(self.built)} splits built, {len(self.kept)} kept, "
                f"{sum(self.documents.values())} articles>")


def _host_of(addr):
    """The machine of a worker address (tcp://10.0.0.5:40123 -> 10.0.0.5):
    workers of one machine see one local disk."""
    rest = addr.split("://", 1)[-1]
    return rest.rsplit(":", 1)[0] if ":" in rest else rest


def _split_dir(out, name):
    return _os.path.join(out, "splits", name)


def _done_file(out, name):
    return _os.path.join(out, "built", name + ".json")


def _write_json(path, value):
    """Writes `value` as JSON to `path` whole: to PATH.tmp, synced, renamed."""
    tmp = f"{path}.{_os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        _json.dump(value, f, indent=1, sort_keys=True)
        f.flush()
        _os.fsync(f.fileno())
    _os.replace(tmp, path)


def _survey(out, partition):
    """On a worker: checks that `out` is empty or a build of the same
    partition, records the kind of build there, and returns the splits it
    holds complete: {name: their record}."""
    import shutil
    if _os.path.exists(out) and not _os.path.isdir(out):
        raise InvalidArgument(f"build: out {out!r} is a file, not a folder; give a new or empty folder, or the "
                              "folder of an earlier build to resume it")
    record_path = _os.path.join(out, _BUILD_RECORD)
    if _os.path.isdir(out) and _os.listdir(out):
        try:
            with open(record_path, encoding="utf-8") as f:
                record = _json.load(f)
        except (OSError, ValueError):
            record = None
        if not isinstance(record, dict) or record.get("format") != BUILD_FORMAT:
            raise InvalidArgument(f"build: out {out!r} (on {_os.uname().nodename}) holds files but is not a folder "
                                  f"loupe.distributed.build wrote (it has no {_BUILD_RECORD}); give a new or empty "
                                  "folder, or remove this one")
        if record.get("partition") != partition:
            raise InvalidArgument(f"build: out {out!r} holds a build partitioned by {record.get('partition')}, not "
                                  f"by {partition}; build with partition={record.get('partition')!r} to resume it, "
                                  "or into a new folder")
    else:
        _os.makedirs(out, exist_ok=True)
        _write_json(record_path, {"format": BUILD_FORMAT, "partition": partition})
    _os.makedirs(_os.path.join(out, "splits"), exist_ok=True)
    _os.makedirs(_os.path.join(out, "built"), exist_ok=True)
    complete = {}
    for entry in sorted(_os.listdir(_os.path.join(out, "built"))):
        if not entry.endswith(".json"):
            continue
        name = entry[:-5]
        try:
            with open(_os.path.join(out, "built", entry), encoding="utf-8") as f:
                done = _json.load(f)
        except (OSError, ValueError):
            continue
        if _os.path.isdir(_split_dir(out, name)):
            complete[name] = done
    # A folder left by a build stopped before it finished is removed.
    for entry in _os.listdir(_os.path.join(out, "splits")):
        if entry.endswith(".building"):
            shutil.rmtree(_os.path.join(out, "splits", entry), ignore_errors=True)
    return complete


def _route_files(files, partition):
    """On a worker: reads files [(path, id, root)] and returns
    ({split: [(position in `files`, articles)]}, skipped, warnings)."""
    routes, skipped, warnings = {}, [], []
    for i, (path, fid, _root) in enumerate(files):
        docs, warns, skip = _loupe.read_articles(path, fid, path)
        if skip:
            skipped.append((path, skip))
            continue
        warnings += [(path, w) for w in warns]
        per = {}
        for d in docs:
            name = _loupe.split_of(partition, d)
            per[name] = per.get(name, 0) + 1
        for name, n in per.items():
            routes.setdefault(name, []).append((i, n))
    return routes, skipped, warnings


def _route_documents(docs, partition):
    """On a worker: a partition of a bag of article dicts as {split: [docs]}
    (in the partition's order)."""
    out = {}
    for d in docs:
        if not isinstance(d, dict):
            raise TypeError(f"build: each item of the bag must be an article dict (as Index.add takes), not "
                            f"{_type_name(d)}")
        out.setdefault(_loupe.split_of(partition, d), []).append(d)
    return out


def _split_sizes(routed):
    return {name: len(docs) for name, docs in routed.items()}


def _pick(routed, name):
    return routed.get(name, [])


def _build_split(out, name, partition, texts, files, *doc_lists):
    """On a worker: builds split `name` under out/splits/ from `files`
    [(path, id)] (keeping their articles of this split) or from `doc_lists`
    (lists of article dicts, in order); returns its record."""
    import shutil
    start = _time.monotonic()
    final, tmp = _split_dir(out, name), _split_dir(out, name) + ".building"
    for folder in (tmp, final):
        if _os.path.exists(folder):
            shutil.rmtree(folder)
    ix = _loupe._Index(tmp, True, "", False)
    try:
        if texts:
            # The tagging texts first, committed, so that the writer made
            # next tags every article with them (as `loupe index` does).
            for key, value in texts.items():
                ix.set_metadata(key, value)
            ix.commit()
            ix.close()
            ix = _loupe._Index(tmp, True, "", False)
        added = 0
        for path, fid in files:
            docs, _warns, skip = _loupe.read_articles(path, fid, path)
            for d in docs:
                if not skip and _loupe.split_of(partition, d) == name:
                    ix.add(d)
                    added += 1
        for docs in doc_lists:
            for d in docs:
                ix.add(d)
                added += 1
        ix.commit()
        stats = ix.stats()
        analysis = ix.metadata("analysis")
    finally:
        ix.close()
    _os.rename(tmp, final)
    record = {"name": name, "documents": stats["documents"], "added": added, "analysis": analysis,
              "seconds": _time.monotonic() - start}
    _write_json(_done_file(out, name), record)
    return record


def _merge_analysis(records):
    """The collection's "analysis" record from its splits' (as a collection's
    writer gathers it: the languages of all, sorted; fold_diacritics)."""
    merged, languages = {}, set()
    for text in records:
        if not text:
            continue
        try:
            rec = _json.loads(text)
        except ValueError:
            continue
        if not isinstance(rec, dict):
            continue
        languages.update(lang for lang in rec.get("languages", []) if isinstance(lang, str))
        if "fold_diacritics" in rec:
            merged["fold_diacritics"] = rec["fold_diacritics"]
    if not languages and not merged:
        return None
    out = {"languages": sorted(languages)}
    out.update(merged)
    return _json.dumps(out, separators=(",", ":"))


def _finish_host(out, texts, analysis, manifest):
    """On one worker of each machine: writes the meta index (the query
    context every split's queries are compiled with) and the manifest."""
    import shutil
    meta, tmp = _os.path.join(out, "meta"), _os.path.join(out, "meta.building")
    if _os.path.exists(tmp):
        shutil.rmtree(tmp)
    ix = _loupe._Index(tmp, True, "", False)
    try:
        for key, value in sorted((texts or {}).items()):
            ix.set_metadata(key, value)
        if analysis:
            ix.set_metadata("analysis", analysis)
        ix.commit()
    finally:
        ix.close()
    if _os.path.exists(meta):
        shutil.rmtree(meta)
    _os.rename(tmp, meta)
    _write_json(_os.path.join(out, _MANIFEST_FILE), manifest)
    return True


def _tag_texts(paths):
    """The tagging texts `loupe index PATHS` finds: each file at the top of
    the first PATH holding it (none found: the built-in data)."""
    texts = {}
    for key, file in _TAG_FILES:
        for p in paths:
            candidate = _os.path.join(p, file)
            if _os.path.isfile(candidate):
                with open(candidate, encoding="utf-8", errors="replace") as f:
                    texts[key] = f.read()
                break
    return texts


def _split_order(name):
    return (name == "undated", name)


def build(client, paths_or_bag, out, partition="month", *, replicas=1, follow_symlinks=False, timeout=None):
    """Builds a collection on a Dask cluster: its articles routed to splits
    by date, each split written by one worker to its own disk.

    Args:
        client: a distributed.Client.
        paths_or_bag: folders and files of articles (a str, a path, or a list
            of them: what `loupe index` takes, read by the same readers, with
            the same ids), or a dask.bag of article dicts (as Index.add
            takes). Paths must be readable, at the same path, by the client
            and by every worker (a shared file system, or a copy on each).
        out: the folder to build in, on each worker's machine (an absolute
            path is best: workers resolve a relative one from their own
            working folder, so it is made absolute on the client). It must be
            new, empty, or the folder of an earlier build of the same
            partition, which is resumed.
        partition: "month" or "year": the splits are named as `loupe index
            --partition` names them ("2025-09" or "2025"; "undated").
        replicas: the workers each split is served from (Collection's
            replicas): the worker that built it and others of the same
            machine, which see the same disk.
        follow_symlinks: follow symbolic links in folders (loupe index --follow).
        timeout: the deadline of the whole call in seconds (None: none).

    Every split is written by one worker, the workers writing their splits
    at once, into OUT/splits/NAME (an ordinary index), then marked complete
    (OUT/built/NAME.json). Each machine holding splits gets OUT/meta (the
    collection's query context: tagging texts, languages) and the manifest,
    OUT/loupe-distributed.json, which is also returned in the report.
    Resumable: a split an earlier call completed, with as many articles as
    the input routes to it, is kept, not rebuilt; one left half-written is
    built again. A changed input is noticed only by its count of articles
    per split: to rebuild a split, delete OUT/built/NAME.json.

    Returns a BuildReport. Raises TypeError and ValueError for bad
    arguments (an unknown partition, no articles in the input),
    loupe.InvalidArgument when `out` holds something else than a build of
    this partition, LoupeError for what a worker's index reports, and
    TimeoutError past the deadline. A worker lost mid-build fails the call
    (KilledWorker or the connection's error): call build again to resume.
    """
    start = _time.monotonic()
    if not isinstance(partition, str) or partition not in _PARTITIONS:
        raise ValueError(f"build: partition {partition!r} is not one a collection is built by; use \"month\" or "
                         "\"year\" (a plain index is loupe.index_folder's)")
    _check_int("replicas", replicas, 1)
    _check_bool("follow_symlinks", follow_symlinks)
    if timeout is not None:
        timeout = Collection._check_timeout(timeout)
    deadline = None if timeout is None else start + timeout

    def left():
        if deadline is None:
            return None
        remaining = deadline - _time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"build: not done within the deadline of {timeout} s")
        return remaining

    out = _os.path.abspath(_os.fspath(_check_path_like("out", out)))
    bag = None
    try:
        import dask.bag as _dask_bag
        if isinstance(paths_or_bag, _dask_bag.Bag):
            bag = paths_or_bag
    except ImportError:
        pass
    if bag is None:
        paths = [paths_or_bag] if isinstance(paths_or_bag, (str, _os.PathLike)) else paths_or_bag
        if not isinstance(paths, (list, tuple)) or not paths:
            raise TypeError("build: paths_or_bag must be a folder or file of articles, a non-empty list of them, "
                            f"or a dask.bag of article dicts, not {_type_name(paths_or_bag)}")
        paths = [_os.fspath(_check_path_like("each path", p)) for p in paths]
    live = _worker_ids(client)
    if not live:
        raise ValueError("build: the cluster has no workers; start some (or wait: client.wait_for_workers)")
    addrs = list(live)
    if replicas > len(addrs):
        raise ValueError(f"build: replicas={replicas} but the cluster has {len(addrs)} workers: each copy needs its "
                         "own worker")

    # 1. Each machine's folder, looked at by one of its workers: checked, and
    # what it holds complete (which every worker of that machine sees).
    machines = {}
    for addr in addrs:
        machines.setdefault(_host_of(addr), []).append(addr)
    surveyed = client.run(_survey, out, partition, workers=[group[0] for group in machines.values()])
    holders_of = {}  # split -> [addresses seeing it complete]
    records = {}
    for group in machines.values():
        for name, rec in surveyed.get(group[0], {}).items():
            holders_of.setdefault(name, []).extend(group)
            records[name] = rec

    # 2. Routing: which split each article goes to.
    texts, skipped, warnings = {}, [], []
    if bag is None:
        walked = _loupe.walk(paths, follow_symlinks)
        for err in walked["errors"]:
            raise ValueError(f"build: {err}; give folders or files that exist and can be read")
        files = walked["files"]
        skipped += [tuple(s) for s in walked["skipped"]]
        if not files:
            raise ValueError(f"build: no article files under {', '.join(paths)} (loupe index reads .txt, .md, "
                             ".jsonl, .eml, .html and feeds); give the folders that hold them")
        texts = _tag_texts(paths)
        chunks = [files[i:i + _ROUTE_CHUNK] for i in range(0, len(files), _ROUTE_CHUNK)]
        futures = client.map(_route_files, chunks, partition=partition, pure=False)
        sizes, routes = {}, {}
        for c, (routed, skip, warn) in enumerate(_gather(client, futures, left())):
            skipped += skip
            warnings += warn
            for name, hits in routed.items():
                for i, n in hits:
                    routes.setdefault(name, []).append(files[c * _ROUTE_CHUNK + i][:2])
                    sizes[name] = sizes.get(name, 0) + n
        parts = None
    else:
        import dask
        parts = client.compute([dask.delayed(_route_documents)(p, partition) for p in bag.to_delayed()])
        counts = _gather(client, client.map(_split_sizes, parts, pure=False), left())
        sizes = {}
        for c in counts:
            for name, n in c.items():
                sizes[name] = sizes.get(name, 0) + n
        routes = None
    if not sizes:
        raise ValueError("build: the input holds no article" +
                         (f" ({len(skipped)} files skipped, e.g. {skipped[0][0]}: {skipped[0][1]})" if skipped else "")
                         + "; give folders of articles, or a bag of article dicts")
    names = sorted(sizes, key=_split_order)

    # 3. Who builds what: complete splits stay where they are; the others go,
    # largest first, to the least loaded worker.
    load = dict.fromkeys(addrs, 0)
    owner, kept = {}, []
    for name in names:
        if name in holders_of and records[name].get("added") == sizes[name]:
            owner[name] = min(holders_of[name], key=lambda a: (load[a], addrs.index(a)))
            load[owner[name]] += sizes[name]
            kept.append(name)
    todo = [n for n in names if n not in owner]
    for name in sorted(todo, key=lambda n: (-sizes[n], _split_order(n))):
        owner[name] = min(addrs, key=lambda a: (load[a], addrs.index(a)))
        load[owner[name]] += sizes[name]

    # 4. One writer per split, on its worker.
    jobs = {}
    for name in todo:
        if parts is None:
            args = (routes[name],)
        else:
            args = ((),) + tuple(client.submit(_pick, p, name, pure=False) for p, c in zip(parts, counts)
                                 if name in c)
        jobs[name] = client.submit(_build_split, out, name, partition, texts, *args, workers=[owner[name]],
                                   allow_other_workers=False, pure=False)
    built = {}
    if jobs:
        for name, rec in zip(jobs, _gather(client, list(jobs.values()), left())):
            built[name] = rec
            records[name] = rec

    # 5. Every machine holding splits: the meta index and the manifest.
    hosts = {}
    for name in names:
        hosts.setdefault(_host_of(owner[name]), owner[name])
    manifest_splits = []
    for name in names:
        same_host = [a for a in addrs if _host_of(a) == _host_of(owner[name]) and a != owner[name]]
        if replicas - 1 > len(same_host):
            raise ValueError(f"build: replicas={replicas}, but the machine of {owner[name]} has "
                             f"{len(same_host) + 1} workers; a replica on another machine needs a copy of the split "
                             "(docs/python.md, adding a replica)")
        served = [owner[name]] + same_host[:replicas - 1]
        manifest_splits.append({"name": name, "path": _split_dir(out, name), "workers": served})
    manifest = {"format": MANIFEST_FORMAT, "meta": _os.path.join(out, "meta"), "splits": manifest_splits}
    analysis = _merge_analysis(records[n].get("analysis") for n in names)
    finish = [client.submit(_finish_host, out, texts, analysis, manifest, workers=[addr], allow_other_workers=False,
                            pure=False) for addr in hosts.values()]
    _gather(client, finish, left())
    return BuildReport(manifest=manifest, built=[n for n in names if n in built], kept=kept,
                       documents={n: records[n]["documents"] for n in names}, workers=dict(owner),
                       skipped=skipped, warnings=warnings, seconds=_time.monotonic() - start)


def _gather(client, futures, timeout):
    """The futures' results, in order, within `timeout` seconds (None: no limit)."""
    import asyncio
    import distributed
    try:
        distributed.wait(futures, timeout=timeout)
    except (TimeoutError, asyncio.TimeoutError):
        for f in futures:
            f.cancel()
        raise TimeoutError(f"build: not done within the deadline ({timeout:.0f} s left)") from None
    return client.gather(futures)


def _check_path_like(name, value):
    if not isinstance(value, (str, _os.PathLike)):
        raise TypeError(f"build: {name} must be a path (str or os.PathLike), not {_type_name(value)}")
    if not _os.fspath(value):
        raise ValueError(f"build: {name} is empty; give a folder")
    return value
