"""Tests of loupe.distributed.build on a Dask LocalCluster of three worker
processes on 127.0.0.1, run by ctest (python_distributed_build_tests;
skipped without python3-distributed, see tests/python/run.sh): a collection
built on the cluster against `loupe index --partition month` of the same
folder. Every call into the cluster has a deadline."""

import os
import shutil
import subprocess

import pytest

import loupe

distributed = pytest.importorskip("distributed", reason="needs python3-distributed")
import dask.bag  # noqa: E402
import loupe.distributed as ld  # noqa: E402

SOURCE = os.environ["LOUPE_SOURCE_DIR"]
CORPUS = os.path.join(SOURCE, "corpus")
NOW = "2025-12-01"
DEADLINE = 120  # seconds, for every call into the cluster

QUERIES = [
    ("tariffs", None),
    ("tarif* China", None),
    ("trump OR china OR madrid", None),
    ("\"trade talks\" OR Madrid", "date"),
    ("actor:Bessent AND topic:tariffs before:2025-09-17", None),
    ("bessent~1", None),
    ("贝森特", None),
    ("*", "-date"),
]
FACETS = ["actor", "topic", "date:month"]


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The corpus indexed by the command: as a collection by month, and as
    one index."""
    root = tmp_path_factory.mktemp("local")
    coll, index = str(root / "monthly.loupe"), str(root / "news.loupe")
    for args in (["--partition", "month"], []):
        subprocess.run([os.environ["LOUPE_CLI"], "index", "-q", "--db", coll if args else index, *args, CORPUS],
                       check=True, stdout=subprocess.DEVNULL)
    return coll, index


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=3, processes=True, host="127.0.0.1", threads_per_worker=1,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster, timeout=DEADLINE) as c:
        c.wait_for_workers(3, timeout=DEADLINE)
        yield c


@pytest.fixture(scope="module")
def built(client, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("cluster") / "news")
    return out, ld.build(client, CORPUS, out, partition="month", timeout=DEADLINE)


def split_ids(path):
    """A split's article ids, in the order they were added (date order, ties
    by the order of adding)."""
    with loupe.open(path) as ix:
        return [h.id for h in ix.search_iter("*", sort="date", page_size=50)]


def test_the_splits_equal_loupe_index(local, built):
    out, report = built
    with loupe.open(local[0]) as coll:
        stats = coll.stats()
    names = [s["name"] for s in stats["splits"]]
    assert len(names) > 3
    assert [s["name"] for s in report.manifest["splits"]] == names
    assert report.built == names and report.kept == []
    assert report.documents == {s["name"]: s["documents"] for s in stats["splits"]}
    for name in names:
        expected = split_ids(os.path.join(local[0], "splits", name))
        assert split_ids(os.path.join(out, "splits", name)) == expected and expected


def test_each_split_has_one_writer_and_the_workers_share_them(client, built):
    _, report = built
    workers = set(client.scheduler_info()["workers"])
    assert set(report.workers) == set(report.documents)
    assert set(report.workers.values()) == workers  # 3 workers, each with splits to write
    for s in report.manifest["splits"]:
        assert s["workers"] == [report.workers[s["name"]]]


def test_distributed_search_of_the_build_equals_one_index(client, local, built):
    out, report = built
    with ld.Collection(client, report.manifest, timeout=DEADLINE) as coll, loupe.open(local[1]) as ix:
        for query, sort in QUERIES:
            expected = ix.search(query, 10, sort=sort, facets=FACETS, now=NOW)
            got = coll.search(query, 10, sort=sort, facets=FACETS, now=NOW)
            assert got.total == expected.total, query
            assert [h.id for h in got.hits] == [h.id for h in expected.hits], query
            for a, b in zip(expected.hits, got.hits):
                assert b.score == pytest.approx(a.score, abs=1e-9)
                assert (b.actors, b.topics) == (a.actors, a.topics)
            assert got.facets == expected.facets, query
    # The manifest written beside the splits is the one returned.
    with ld.Collection(client, os.path.join(out, "loupe-distributed.json"), timeout=DEADLINE) as again:
        assert again.splits == [s["name"] for s in report.manifest["splits"]]


def test_a_second_build_rebuilds_nothing_and_a_stopped_one_resumes(client, built, tmp_path):
    out, first = built
    out2 = str(tmp_path / "copy")
    shutil.copytree(out, out2)
    # The copy's manifest names out, so rebuild the resumed build's own.
    data = {n: os.path.join(out2, "splits", n, "data.mdb") for n in first.documents}
    before = {n: os.stat(p).st_mtime_ns for n, p in data.items()}
    again = ld.build(client, CORPUS, out2, partition="month", timeout=DEADLINE)
    assert again.built == [] and again.kept == list(first.documents)
    assert {n: os.stat(p).st_mtime_ns for n, p in data.items()} == before
    assert again.documents == first.documents
    # A build stopped while writing one split, and one split never marked done.
    lost, half = again.kept[0], again.kept[1]
    os.remove(os.path.join(out2, "built", lost + ".json"))
    os.rename(os.path.join(out2, "splits", half), os.path.join(out2, "splits", half + ".building"))
    os.remove(os.path.join(out2, "built", half + ".json"))
    third = ld.build(client, CORPUS, out2, partition="month", timeout=DEADLINE)
    assert sorted(third.built) == sorted([lost, half])
    assert not os.path.exists(os.path.join(out2, "splits", half + ".building"))
    for n in first.documents:
        if n not in (lost, half):
            assert os.stat(data[n]).st_mtime_ns == before[n], n
        assert split_ids(os.path.join(out2, "splits", n)) == split_ids(os.path.join(out, "splits", n))


def test_a_bag_of_articles_builds_the_same_splits(client, local, built, tmp_path):
    _, report = built
    # The articles as dicts, in the order loupe index read them (by path).
    with loupe.open(local[1]) as ix:
        docs = sorted((ix.document(h.id).to_dict() for h in ix.search_iter("*")), key=lambda d: d["id"])
    for d in docs:
        d.pop("body_length", None)
    bag = dask.bag.from_sequence(docs, npartitions=4)
    got = ld.build(client, bag, str(tmp_path / "from-bag"), partition="month", timeout=DEADLINE)
    assert got.documents == report.documents
    assert [s["name"] for s in got.manifest["splits"]] == [s["name"] for s in report.manifest["splits"]]
    for name in got.documents:
        assert sorted(split_ids(os.path.join(tmp_path, "from-bag", "splits", name))) == \
            sorted(split_ids(os.path.join(local[0], "splits", name)))
    with ld.Collection(client, got.manifest, timeout=DEADLINE) as coll, loupe.open(local[1]) as ix:
        for query, sort in QUERIES[:5]:
            assert [h.id for h in coll.search(query, 10, sort=sort, now=NOW).hits] == \
                [h.id for h in ix.search(query, 10, sort=sort, now=NOW).hits]


def test_a_build_by_year(client, local, tmp_path):
    got = ld.build(client, CORPUS, str(tmp_path / "yearly"), partition="year", timeout=DEADLINE)
    with loupe.open(local[1]) as ix:
        years = {}
        for h in ix.search_iter("*"):
            name = str(h.date.year) if h.date else "undated"
            years[name] = years.get(name, 0) + 1
    assert got.documents == years


def test_bad_arguments_are_refused_saying_how_to_fix_them(client, built, tmp_path):
    out, _ = built
    with pytest.raises(ValueError, match="partition 'week'.*\"month\" or \"year\""):
        ld.build(client, CORPUS, str(tmp_path / "a"), partition="week")
    with pytest.raises(TypeError, match="paths_or_bag"):
        ld.build(client, 42, str(tmp_path / "a"))
    with pytest.raises(TypeError, match="out must be a path"):
        ld.build(client, CORPUS, None)
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("mine")
    with pytest.raises(loupe.InvalidArgument, match="not a folder loupe.distributed.build wrote") as e:
        ld.build(client, CORPUS, str(stray), timeout=DEADLINE)
    assert str(stray) in str(e.value)
    assert (stray / "notes.txt").read_text() == "mine"
    with pytest.raises(loupe.InvalidArgument, match="partitioned by month, not by year"):
        ld.build(client, CORPUS, out, partition="year", timeout=DEADLINE)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no article files under"):
        ld.build(client, str(empty), str(tmp_path / "b"), timeout=DEADLINE)
    with pytest.raises(ValueError, match="holds no article"):
        ld.build(client, dask.bag.from_sequence([], npartitions=1), str(tmp_path / "c"), timeout=DEADLINE)
    with pytest.raises(TypeError, match="article dict"):
        ld.build(client, dask.bag.from_sequence(["x"], npartitions=1), str(tmp_path / "d"), timeout=DEADLINE)
    with pytest.raises(ValueError, match="replicas=4"):
        ld.build(client, CORPUS, str(tmp_path / "e"), replicas=4, timeout=DEADLINE)
