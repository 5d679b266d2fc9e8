"""Tests of loupe.distributed on a Dask LocalCluster of worker processes on
127.0.0.1, run by ctest (python_distributed_tests; skipped without
python3-distributed, see tests/python/run.sh). Every call into the cluster
has a deadline, so a failure ends the test instead of hanging it."""

import os
import signal

import pytest

import loupe

distributed = pytest.importorskip("distributed", reason="needs python3-distributed")
import loupe.distributed as ld  # noqa: E402

SOURCE = os.environ["LOUPE_SOURCE_DIR"]
CORPUS = os.path.join(SOURCE, "corpus")
NOW = "2025-12-01"
DEADLINE = 60  # seconds, for every call into the cluster

# Each kind of query the engine plans: terms, OR, NOT, phrases, NEAR, a
# capped prefix, fuzzy words, fields, dates, sorts, no match.
QUERIES = [
    ("tariffs", None),
    ("tarif* China", None),
    ("tar*", "-date"),
    ("trump OR china OR madrid", None),
    ("\"trade talks\" OR Madrid", "date"),
    ("actor:Bessent AND topic:tariffs before:2025-09-17", None),
    ("topic:tariffs -china", "-date"),
    ("bessent~1", None),
    ("tariff NEAR/5 china", None),
    ("贝森特", None),
    ("since:120d tariffs", None),
    ("date:2025-03..2025-06 trade", "date"),
    ("*", None),
    ("zzzznotaword", None),
]
FACETS = ["actor", "topic", "author", "date:month", "date:week"]


def cluster_of(n):
    return distributed.LocalCluster(n_workers=n, processes=True, host="127.0.0.1", threads_per_worker=1,
                                    dashboard_address=None, silence_logs=40)


@pytest.fixture(scope="module")
def dbs(tmp_path_factory):
    """The corpus as one index and as a collection by month."""
    root = tmp_path_factory.mktemp("dist")
    index, coll = str(root / "news.loupe"), str(root / "monthly.loupe")
    loupe.index_folder(index, CORPUS)
    loupe.index_folder(coll, CORPUS, partition="month")
    with loupe.open(coll) as c:
        assert len(c.stats()["splits"]) > 3
    return index, coll


@pytest.fixture(scope="module")
def client():
    with cluster_of(3) as cluster, distributed.Client(cluster, timeout=DEADLINE) as c:
        c.wait_for_workers(3, timeout=DEADLINE)
        yield c


@pytest.fixture(scope="module")
def coll(client, dbs):
    with ld.Collection(client, ld.manifest_for(dbs[1], client, replicas=2), timeout=DEADLINE) as c:
        yield c


def assert_same(expected, got):
    assert got.total == expected.total
    assert [h.id for h in got.hits] == [h.id for h in expected.hits]
    for a, b in zip(expected.hits, got.hits):
        assert b.score == pytest.approx(a.score, abs=1e-9)
        assert (b.title, b.date, b.actors, b.topics) == (a.title, a.date, a.actors, a.topics)
    assert got.facets == expected.facets
    assert got.warnings == expected.warnings
    assert got.sort == expected.sort
    assert (got.next_cursor is None) == (expected.next_cursor is None)
    assert not got.partial and got.missing == []


@pytest.mark.parametrize("query,sort", QUERIES)
def test_search_equals_one_index(dbs, coll, query, sort):
    with loupe.open(dbs[0]) as ix:
        for limit, offset in ((10, 0), (3, 4), (0, 0)):
            expected = ix.search(query, limit, offset=offset, sort=sort, facets=FACETS, now=NOW)
            got = coll.search(query, limit, offset=offset, sort=sort, facets=FACETS, now=NOW)
            assert_same(expected, got)


def test_every_split_is_held_twice_on_distinct_workers(coll):
    holders = coll.holders()
    assert len(holders) == len(coll.splits) > 3
    assert all(len(set(h)) == 2 for h in holders.values())


def test_pages_by_cursor_equal_one_index(dbs, coll):
    with loupe.open(dbs[0]) as ix:
        for query, sort in (("trade OR tariffs", None), ("topic:tariffs", "-date")):
            expected = [h.id for h in ix.search_iter(query, sort=sort, page_size=7, now=NOW)]
            got = [h.id for h in coll.search_iter(query, sort=sort, page_size=7, now=NOW)]
            assert got == expected and len(got) > 14
            page = coll.search(query, 7, sort=sort, now=NOW)
            second = coll.search(query, 7, sort=sort, after=page.next_cursor, now=NOW)
            assert [h.id for h in second.hits] == expected[7:14]


def test_snippets_timeline_and_count_equal_one_index(dbs, coll):
    with loupe.open(dbs[0]) as ix:
        a = ix.search("tariffs China", 5, snippets=True, now=NOW)
        b = coll.search("tariffs China", 5, snippets=True, now=NOW)
        assert [h.snippet.marked() for h in a.hits] == [h.snippet.marked() for h in b.hits]
        for by in ("day", "week", "month", "year"):
            assert coll.timeline("topic:tariffs", by=by, now=NOW) == ix.timeline("topic:tariffs", by=by, now=NOW)
        assert coll.count("tariffs", now=NOW) == ix.search("tariffs", 0, now=NOW).total


def test_a_plain_index_is_one_split(client, dbs):
    with ld.Collection(client, ld.manifest_for(dbs[0], client), timeout=DEADLINE) as one, \
            loupe.open(dbs[0]) as ix:
        assert one.splits == ["all"]
        assert_same(ix.search("tar*", 10, facets=FACETS, now=NOW), one.search("tar*", 10, facets=FACETS, now=NOW))


def test_errors_are_the_engines(coll):
    with pytest.raises(loupe.QueryError) as e:
        coll.search("tariffs AND (china", now=NOW)
    assert e.value.offset is not None
    with pytest.raises(loupe.InvalidArgument, match="paging cursor"):
        coll.search("tariffs", after="c4.nonsense", now=NOW)
    page = coll.search("tariffs", 2, now=NOW)
    with pytest.raises(loupe.InvalidArgument, match="another query"):
        coll.search("china", after=page.next_cursor, now=NOW)
    with pytest.raises(TypeError):
        coll.search(42)
    with pytest.raises(ValueError):
        coll.search("x", sort="sideways")


def test_every_call_has_a_deadline(coll):
    with pytest.raises(TimeoutError):
        coll.search("tariffs", now=NOW, timeout=1e-9)
    assert coll.search("tariffs", now=NOW).total > 0  # the collection still serves


def test_a_bad_manifest_is_refused(client, dbs):
    with pytest.raises(ValueError, match="format"):
        ld.Collection(client, {"splits": []})
    m = ld.manifest_for(dbs[1], client)
    for s in m["splits"]:
        s["workers"] = ["tcp://127.0.0.1:1"]  # no such worker
    with pytest.raises(ld.MissingSplits) as e:
        ld.Collection(client, m, timeout=DEADLINE)
    assert len(e.value.missing) == len(m["splits"])
    m = ld.manifest_for(dbs[1], client)
    m["splits"][0]["path"] += "-gone"  # a split its worker does not have
    with pytest.raises(loupe.NotFound, match="-gone"):
        ld.Collection(client, m, timeout=DEADLINE)


def kill_worker_of(collection, client, split):
    """Kills (SIGKILL) the process of the first live worker holding `split`;
    returns the splits that worker held."""
    addr = collection.holders()[split][0]
    pid = client.run(os.getpid, workers=[addr])[addr]
    held = [n for n, h in collection.holders().items() if addr in h]
    os.kill(pid, signal.SIGKILL)
    return held


def test_a_worker_killed_mid_search_is_replaced_by_a_replica(dbs):
    with cluster_of(3) as cluster, distributed.Client(cluster, timeout=DEADLINE) as client, \
            loupe.open(dbs[0]) as ix:
        client.wait_for_workers(3, timeout=DEADLINE)
        with ld.Collection(client, ld.manifest_for(dbs[1], client, replicas=2), timeout=DEADLINE) as c:
            killed = []
            c._between_phases = lambda: killed.extend(kill_worker_of(c, client, c.splits[0]))
            got = c.search("tariffs OR china", 10, facets=["actor"], now=NOW)
            assert killed  # the worker died between the statistics and the search
            assert_same(ix.search("tariffs OR china", 10, facets=["actor"], now=NOW), got)
            c._between_phases = None
            # Its splits are now searched on their other workers alone.
            assert all(len(c.holders()[n]) == 1 for n in killed)
            assert_same(ix.search("topic:tariffs", 10, now=NOW), c.search("topic:tariffs", 10, now=NOW))


def test_a_split_without_a_live_worker_fails_or_is_left_out(dbs):
    with cluster_of(3) as cluster, distributed.Client(cluster, timeout=DEADLINE) as client, \
            loupe.open(dbs[0]) as ix:
        client.wait_for_workers(3, timeout=DEADLINE)
        with ld.Collection(client, ld.manifest_for(dbs[1], client, replicas=1), timeout=DEADLINE) as c:
            full = ix.search("tariffs OR trade", 500, now=NOW)
            killed = []
            c._between_phases = lambda: killed.extend(kill_worker_of(c, client, c.splits[0]))
            with pytest.raises(ld.MissingSplits) as e:
                c.search("tariffs OR trade", 10, now=NOW)
            c._between_phases = None
            assert killed and sorted(e.value.missing) == sorted(killed)
            assert all(n in str(e.value) for n in killed)
            part = c.search("tariffs OR trade", 500, now=NOW, allow_partial=True)
            assert part.partial and sorted(part.missing) == sorted(killed)
            assert {h.split for h in part.hits}.isdisjoint(killed)
            months = {n for n in killed}
            kept = [h for h in full.hits if (h.date.strftime("%Y-%m") if h.date else "undated") not in months]
            assert sorted(h.id for h in part.hits) == sorted(h.id for h in kept)
            assert part.total == len(kept)


def test_a_cluster_of_one_worker(dbs):
    with cluster_of(1) as cluster, distributed.Client(cluster, timeout=DEADLINE) as client, \
            loupe.open(dbs[0]) as ix:
        client.wait_for_workers(1, timeout=DEADLINE)
        with ld.Collection(client, ld.manifest_for(dbs[1], client), timeout=DEADLINE) as c:
            assert len({a for h in c.holders().values() for a in h}) == 1
            for query, sort in QUERIES[:4]:
                assert_same(ix.search(query, 10, sort=sort, facets=FACETS, now=NOW),
                            c.search(query, 10, sort=sort, facets=FACETS, now=NOW))
        with pytest.raises(ValueError, match="replicas"):
            ld.manifest_for(dbs[1], client, replicas=2)


def test_public_names_are_documented():
    stub = open(os.path.join(os.path.dirname(ld.__file__), "distributed.pyi")).read()
    for name in ld.__all__:
        obj = getattr(ld, name)
        if isinstance(obj, str):
            continue
        assert obj.__doc__ and obj.__doc__.strip(), name
        assert name in stub, name
        if isinstance(obj, type):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and (callable(member) or isinstance(member, property)):
                    assert member.__doc__, f"{name}.{attr}"


def test_document_equals_one_index(dbs, coll):
    with loupe.open(dbs[0]) as ix:
        ids = [h.id for h in ix.search("*", 100, now=NOW).hits]
        assert len(ids) > 20
        for id in ids[::7]:
            assert coll.document(id).to_dict() == ix.document(id).to_dict()
    with pytest.raises(loupe.NotFound, match="no article with id 'nope'"):
        coll.document("nope")
    with pytest.raises(ValueError, match="empty"):
        coll.document("")


def test_explain_sums_the_splits_plans(dbs, coll):
    with loupe.open(dbs[0]) as ix:
        for query in ("tarif* AND China", "bessent~1 OR \"trade talks\"", "actor:Bessent -topic:tariffs",
                      "date:2025-03..2025-06 trade"):
            a, b = ix.explain(query, now=NOW), coll.explain(query, now=NOW)
            assert (b.plan_text, b.reading, b.sort, b.resolved_dates) == (a.plan_text, a.reading, a.sort,
                                                                          a.resolved_dates)

            def norm(node):
                node = dict(node)
                if "expansions" in node:
                    node["expansions"] = sorted((e["term"], e["documents"]) for e in node["expansions"])
                node["children"] = [norm(c) for c in node.get("children", ())]
                return node

            assert norm(b.plan) == norm(a.plan), query
            assert b.plan["matches"] == ix.search(query, 0, now=NOW).total
            assert str(b) == str(a)
    with pytest.raises(loupe.QueryError):
        coll.explain("tariffs AND (china", now=NOW)


def test_document_and_explain_of_a_split_without_a_live_worker(dbs):
    with cluster_of(2) as cluster, distributed.Client(cluster, timeout=DEADLINE) as client:
        client.wait_for_workers(2, timeout=DEADLINE)
        with ld.Collection(client, ld.manifest_for(dbs[1], client), timeout=DEADLINE) as c:
            first = c.splits[0]
            with loupe.open(os.path.join(dbs[1], "splits", first)) as split:
                lost_id = split.search("*", 1, now=NOW).hits[0].id
            kill_worker_of(c, client, first)
            with pytest.raises(ld.MissingSplits) as e:
                c.document(lost_id)
            assert first in e.value.missing
            with pytest.raises(loupe.NotFound):
                c.document(lost_id, allow_partial=True)
            with pytest.raises(ld.MissingSplits):
                c.explain("tariffs", now=NOW)
            with loupe.open(dbs[0]) as ix:
                everywhere = ix.search("tariffs", 0, now=NOW).total
            part = c.explain("tariffs", now=NOW, allow_partial=True)
            assert part.plan["matches"] == c.count("tariffs", now=NOW, allow_partial=True) < everywhere
