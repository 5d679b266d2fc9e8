"""loupe.distributed: a collection's splits served by a Dask cluster.

    import distributed, loupe.distributed
    client = distributed.Client("tcp://scheduler:8786")
    manifest = loupe.distributed.manifest_for("news.loupe", client, replicas=2)
    with loupe.distributed.Collection(client, manifest) as coll:
        res = coll.search("topic:tariffs", limit=10, facets=["actor"])

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

from loupe import (InvalidArgument, LoupeError, SearchResult, _check_bool, _check_date, _check_facets, _check_int,
                   _check_str, _loupe, _type_name)

__all__ = ["Collection", "DistributedSearchResult", "MissingSplits", "manifest_for", "MANIFEST_FORMAT"]

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

    def __repr__(self):
        return f"<loupe.distributed.Collection {len(self._splits)} splits on {len(self._actors)} workers>"
