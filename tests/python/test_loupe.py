"""Tests of the loupe Python package (tools/python/), run by ctest (python_tests)
with the built package on PYTHONPATH, LOUPE_CLI naming the built `loupe` and
LOUPE_SOURCE_DIR the source tree (see tests/python/run.sh)."""

import datetime
import gc
import json
import os
import subprocess
import sys
import textwrap
import threading
import tracemalloc

import pytest

import loupe

CLI = os.environ["LOUPE_CLI"]
SOURCE = os.environ["LOUPE_SOURCE_DIR"]
CORPUS = os.path.join(SOURCE, "corpus")
NOW = "2025-12-01"  # relative dates count back from a fixed day

# Queries whose answers the package and `loupe search --format json` must agree on.
QUERIES = [
    ("actor:Bessent AND topic:tariffs before:2025-09-17", None),
    ("topic:tariffs", "-date"),
    ("tarif* China", None),
    ("\"trade talks\" OR Madrid", "date"),
    ("贝森特", None),
    ("since:120d tariffs", None),
    ("zzzznotaword", None),
]


def cli(*args, check=True):
    proc = subprocess.run([CLI, *args], capture_output=True, text=True)
    if check and proc.returncode not in (0, 1):  # 1: no hits
        raise AssertionError(f"loupe {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def cli_db(tmp_path_factory):
    """The corpus indexed by the `loupe` command."""
    db = str(tmp_path_factory.mktemp("cli") / "news.loupe")
    cli("index", "--quiet", "--db", db, CORPUS)
    return db


@pytest.fixture(scope="session")
def py_db(tmp_path_factory):
    """The corpus indexed by loupe.index_folder."""
    db = str(tmp_path_factory.mktemp("py") / "news.loupe")
    summary = loupe.index_folder(db, CORPUS)
    assert summary["added"] > 0 and summary["articles"] == summary["documents"]
    return db


@pytest.fixture(scope="session")
def big_db(tmp_path_factory):
    """A synthetic index of 10,000 articles, all matching "common"."""
    db = str(tmp_path_factory.mktemp("big") / "big.loupe")
    with loupe.open(db, write=True) as ix:
        for i in range(10_000):
            ix.add({"id": f"doc{i:05d}", "title": f"Article {i}", "date": datetime.date(2020, 1, 1)
                    + datetime.timedelta(days=i % 2000), "body": f"common words and word{i % 97} here " * 5})
    return db


def cli_search(db, query, sort, limit=20):
    args = ["search", "--db", db, "--format", "json", "--limit", str(limit), "--facet", "actor,topic,date:month",
            "--now", NOW, "--no-suggest"]
    if sort:
        args += ["--sort", sort]
    return json.loads(cli(*args, "--", query).stdout)


def same_search(py, js):
    assert py.total == js["total"]
    assert [h.id for h in py.hits] == [h["id"] for h in js["hits"]]
    for h, j in zip(py.hits, js["hits"]):
        assert h.title == j["title"]
        assert (h.date.isoformat() if h.date else None) == j["date"]
        assert h.author == j["author"] and h.actors == j["actors"] and h.topics == j["topics"]
        assert h.score == pytest.approx(j["score"], rel=1e-12, abs=1e-12)
        assert h.snippet.text == j["snippet"]["text"]
        assert [(x["start"], x["end"]) for x in j["snippet"]["highlights"]] == h.snippet.highlights
    for name, facet in js.get("facets", {}).items():
        if name.startswith("date"):  # the CLI leaves out far outliers' empty buckets; the corpus has none
            assert dict(py.facets[name]) == {c["value"]: c["count"] for c in facet["counts"]}
        else:
            assert py.facets[name] == [(c["value"], c["count"]) for c in facet["counts"]]
    assert (py.next_cursor is None) == (js["next_cursor"] is None)


@pytest.mark.parametrize("query,sort", QUERIES)
def test_search_equals_cli_json(cli_db, query, sort):
    with loupe.open(cli_db) as ix:
        res = ix.search(query, limit=20, sort=sort, facets=["actor", "topic", "date:month"], snippets=True, now=NOW)
    same_search(res, cli_search(cli_db, query, sort))


def test_index_folder_equals_loupe_index(cli_db, py_db):
    with loupe.open(cli_db) as a, loupe.open(py_db) as b:
        sa, sb = a.stats(), b.stats()
        assert (sa["documents"], sa["terms"]) == (sb["documents"], sb["terms"])
        for query, sort in QUERIES:
            ra = a.search(query, limit=64, sort=sort, now=NOW)
            rb = b.search(query, limit=64, sort=sort, now=NOW)
            assert [(h.id, h.score) for h in ra.hits] == [(h.id, h.score) for h in rb.hits]
    # A second run finds every file unchanged, as `loupe index` would.
    again = loupe.index_folder(py_db, CORPUS)
    assert again["added"] == 0 and again["unchanged"] > 0 and again["articles"] == 0


def test_paging_follows_cli_cursor(cli_db):
    query = "topic:tariffs"
    first = cli_search(cli_db, query, "-date", limit=5)
    with loupe.open(cli_db) as ix:
        page = ix.search(query, limit=5, sort="-date", after=first["next_cursor"], snippets=True, now=NOW)
    second = json.loads(cli("search", "--db", cli_db, "--format", "json", "--limit", "5", "--sort", "-date",
                            "--after", first["next_cursor"], "--no-suggest", "--", query).stdout)
    assert [h.id for h in page.hits] == [h["id"] for h in second["hits"]]


def test_search_iter_pages_through_every_hit(cli_db):
    with loupe.open(cli_db) as ix:
        total = ix.search("topic:tariffs", limit=0).total
        hits = list(ix.search_iter("topic:tariffs", sort="-date", page_size=7))
        everything = ix.search("topic:tariffs", limit=1000, sort="-date").hits
    assert len(hits) == total > 7
    assert [h.id for h in hits] == [h.id for h in everything]
    dates = [h.date for h in hits if h.date]
    assert dates == sorted(dates, reverse=True)


def test_timeline_equals_cli(cli_db):
    out = json.loads(cli("timeline", "--db", cli_db, "--format", "json", "--by", "month", "--", "topic:tariffs").stdout)
    with loupe.open(cli_db) as ix:
        assert ix.timeline("topic:tariffs", by="month") == [(b["bucket"], b["count"]) for b in out["buckets"]]
        years = ix.timeline("topic:tariffs", by="year")
        assert sum(c for _, c in years) == sum(b["count"] for b in out["buckets"])


def test_explain_plan_equals_cli(cli_db):
    query = "tarif* China -Mexico"
    out = json.loads(cli("explain", "--db", cli_db, "--format", "json", "--", query).stdout)
    with loupe.open(cli_db) as ix:
        e = ix.explain(query)
        assert e.plan == out["plan"]
        assert e.plan["matches"] == ix.search(query, limit=0).total
        hit = ix.search(query, limit=1).hits[0]
        why = ix.explain(query, doc=hit.id).document
        assert why["matched"] and why["score"] == pytest.approx(hit.score)
        assert "tarif*" in str(e)


def test_document_equals_cli_show(cli_db):
    with loupe.open(cli_db) as ix:
        hit = ix.search("actor:Bessent", limit=1).hits[0]
        doc = ix.document(hit.id)
    shown = json.loads(cli("show", "--db", cli_db, "--format", "json", hit.id).stdout)
    assert doc.body == shown["body"] and doc.title == shown["title"] and doc.actors == shown["actors"]
    assert doc.date.isoformat() == shown["date"] and doc.extra == shown["extra"]
    assert doc.to_dict()["id"] == hit.id


# ---- errors -------------------------------------------------------------------

def test_query_error_carries_place_fix_and_diagnostics(cli_db):
    with loupe.open(cli_db) as ix:
        with pytest.raises(loupe.QueryError) as e:
            ix.search("acter:Bessent AND tariffs")
        err = e.value
        assert isinstance(err, loupe.LoupeError) and isinstance(err, ValueError)
        assert err.code == "query error" and "acter" in err.message
        assert err.query[err.offset:err.offset + err.length] == "acter"
        assert err.fix["query"] == "actor:Bessent AND tariffs"
        assert err.diagnostics and err.diagnostics[0]["severity"] == "error"
        assert "^^^^^" in str(err)
        # Offsets are str indices, also after non-ASCII text.
        with pytest.raises(loupe.QueryError) as e:
            ix.search("贝森特 AND (tariffs")
        assert e.value.query[e.value.offset] == "("
        # lenient repairs instead.
        assert ix.search("actor:Bessent AND (tariffs", lenient=True).reading == "actor:Bessent AND (tariffs)"


@pytest.mark.parametrize("call,exc,words", [
    (lambda ix: ix.search(42), TypeError, "query must be a str"),
    (lambda ix: ix.search("x", limit="10"), TypeError, "limit must be an int"),
    (lambda ix: ix.search("x", limit=-1), ValueError, "at least 0"),
    (lambda ix: ix.search("x", limit=True), TypeError, "limit must be an int"),
    (lambda ix: ix.search("x", facets="actor"), TypeError, "list of str"),
    (lambda ix: ix.search("x", facets=["actor", 3]), TypeError, "each facet must be a str"),
    (lambda ix: ix.search("x", facets=["colour"]), ValueError, "unknown facet"),
    (lambda ix: ix.search("x", facets=["date:fortnight"]), ValueError, "date unit"),
    (lambda ix: ix.search("x", sort="up"), ValueError, "not an order"),
    (lambda ix: ix.search("x", now="yesterday"), ValueError, "YYYY-MM-DD"),
    (lambda ix: ix.search("x", after="not-a-cursor"), loupe.InvalidArgument, "paging cursor"),
    (lambda ix: ix.timeline("x", by="fortnight"), ValueError, "not a period"),
    (lambda ix: ix.document(7), TypeError, "id must be a str"),
    (lambda ix: ix.document("no/such/article.txt"), loupe.NotFound, "no article"),
    (lambda ix: ix.explain("x", doc="no/such/article.txt"), loupe.NotFound, "no article"),
    (lambda ix: ix.add({"id": "x"}), ValueError, "write=True"),
])
def test_bad_arguments_raise_clearly(cli_db, call, exc, words):
    with loupe.open(cli_db) as ix:
        with pytest.raises(exc) as e:
            call(ix)
        assert words in str(e.value)


def test_cursor_of_another_query_is_refused(cli_db):
    with loupe.open(cli_db) as ix:
        cursor = ix.search("topic:tariffs", limit=2).next_cursor
        with pytest.raises(loupe.InvalidArgument):
            ix.search("actor:Bessent", limit=2, after=cursor)


def test_bad_documents_raise_clearly(tmp_path):
    with loupe.open(str(tmp_path / "w.loupe"), write=True) as ix:
        for doc, exc, words in [
            ({"title": "no id"}, ValueError, "'id'"),
            ({"id": ""}, ValueError, "'id'"),
            ({"id": 3}, TypeError, "'id' must be a str"),
            ({"id": "x", "actors": "Scott Bessent"}, TypeError, "list of str"),
            ({"id": "x", "actors": ["a", None]}, TypeError, "'actors' must be a str"),
            ({"id": "x", "date": "15/09/2025"}, ValueError, "YYYY-MM-DD"),
            ({"id": "x", "date": 20250915}, TypeError, "datetime.date"),
            ({"id": "x", "tittle": "t"}, ValueError, "unknown document field 'tittle'"),
            ({"id": "x", "extra": {"party": 1}}, TypeError, "extra['party']"),
            ({"id": "x" * 500}, loupe.InvalidArgument, "id"),
            ("x", TypeError, "must be a dict"),
        ]:
            with pytest.raises(exc) as e:
                ix.add(doc)
            assert words in str(e.value), doc
        assert ix.pending == 0


def test_open_errors(tmp_path):
    with pytest.raises(loupe.NotFound):
        loupe.open(str(tmp_path / "missing"))
    with pytest.raises(TypeError):
        loupe.open(3)
    with pytest.raises(ValueError):
        loupe.open(str(tmp_path / "x"), write=True, partition="fortnight")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "data.mdb").write_bytes(b"this is not an LMDB file" * 1000)
    with pytest.raises(loupe.CorruptionError) as e:
        loupe.open(str(bad))
    assert isinstance(e.value, loupe.LoupeError) and e.value.code == "corruption"
    with pytest.raises(ValueError):
        loupe.index_folder(str(tmp_path / "empty.loupe"), str(tmp_path / "bad"))


# ---- writing and handles -------------------------------------------------------

def test_add_delete_commit_and_context_manager(tmp_path):
    db = str(tmp_path / "w.loupe")
    with loupe.open(db, write=True) as ix:
        ix.add({"id": "x1", "title": "Tariff talks in Madrid", "date": "2025-09-15",
                "actors": ["Scott Bessent"], "body": "The talks on tariffs went on.", "extra": {"party": "none"}})
        ix.add({"id": "x0", "title": "Old", "date": datetime.date(2025, 1, 2), "body": "tariffs before"})
        assert ix.search("tariffs").total == 0  # not committed
        assert ix.pending == 2
        ix.commit()
        res = ix.search("tariffs", sort="date")
        assert [h.id for h in res.hits] == ["x0", "x1"]
        assert res.hits[1].date == datetime.date(2025, 9, 15) and res.hits[1].actors == ["Scott Bessent"]
        assert ix.search("party:none").total == 1
        ix.delete("x0")
        ix.add({"id": "x2", "body": "tariffs again"})
    # Leaving the block committed what was pending and closed the handle.
    assert ix.closed
    with pytest.raises(ValueError, match="closed"):
        ix.search("tariffs")
    with loupe.open(db) as ix:
        assert sorted(h.id for h in ix.search("tariffs").hits) == ["x1", "x2"]
    # A block that raises drops what it queued.
    with pytest.raises(RuntimeError):
        with loupe.open(db, write=True) as ix:
            ix.add({"id": "x3", "body": "tariffs"})
            raise RuntimeError("stop")
    with loupe.open(db) as ix:
        assert ix.search("tariffs").total == 2


def test_closed_handles_release_the_writer(tmp_path):
    db = str(tmp_path / "w.loupe")
    ix = loupe.open(db, write=True)
    ix.add({"id": "a", "body": "x"})
    ix.commit()
    with pytest.raises(loupe.IndexLocked):
        loupe.open(db, write=True)  # this process's own writer
    ix.close()
    ix.close()  # twice is fine
    # The lock is gone: another process can write now.
    code = f"import loupe\nwith loupe.open({db!r}, write=True) as ix: ix.add({{'id': 'b', 'body': 'x'}})\n"
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))
    # And a read-only handle is closed by its with block too: write=True works after it.
    with loupe.open(db) as r:
        assert r.search("x").total == 2
    with loupe.open(db, write=True):
        pass
    # While a read-only handle is open, write=True is refused with the reason.
    with loupe.open(db):
        with pytest.raises(loupe.InvalidArgument, match="read-only in this process"):
            loupe.open(db, write=True)


def test_writer_locked_by_another_process(tmp_path):
    db = str(tmp_path / "locked.loupe")
    with loupe.open(db, write=True) as ix:
        ix.add({"id": "a", "body": "x"})
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, loupe
        ix = loupe.open({db!r}, write=True)
        print("ready", flush=True)
        sys.stdin.readline()
        ix.close()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(loupe.IndexLocked) as e:
            loupe.open(db, write=True)
        assert str(holder.pid) in str(e.value) and e.value.code == "locked"
        with pytest.raises(loupe.IndexLocked):
            loupe.index_folder(db, CORPUS)
        with loupe.open(db) as ix:  # readers are not blocked
            assert ix.search("x").total == 1
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    with loupe.open(db, write=True):
        pass


# ---- threads and memory ----------------------------------------------------------

def test_two_threads_search_at_once(cli_db):
    queries = [q for q, _ in QUERIES]
    with loupe.open(cli_db) as ix:
        expected = {q: [(h.id, h.score) for h in ix.search(q, limit=20, now=NOW, snippets=True).hits]
                    for q in queries}
        errors, rounds = [], 30
        start = threading.Barrier(2)

        def worker():
            try:
                start.wait()
                for _ in range(rounds):
                    for q in queries:
                        got = [(h.id, h.score) for h in ix.search(q, limit=20, now=NOW, snippets=True).hits]
                        if got != expected[q]:
                            errors.append((q, got))
            except Exception as e:  # noqa: BLE001 - the test reports whatever went wrong
                errors.append(e)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_threads_opening_and_closing_one_index(cli_db):
    errors = []

    def worker():
        try:
            for _ in range(50):
                with loupe.open(cli_db) as ix:
                    if ix.search("tariffs", limit=1).total == 0:
                        errors.append("no hits")
        except Exception as e:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    assert errors == []


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_iterating_10000_hits_does_not_grow_memory(big_db):
    with loupe.open(big_db) as ix:
        assert ix.search("common", limit=0).total == 10_000
        it = ix.search_iter("common", sort="date", page_size=100)
        seen = bytearray(10_000)  # allocated before tracing: one byte per article
        count = 0
        for hit in it:  # warm up: the first pages build the index's tables
            seen[int(hit.id[3:])] = 1
            count += 1
            if count == 1_000:
                break
        gc.collect()
        rss_before = rss_bytes()
        tracemalloc.start()
        for hit in it:
            seen[int(hit.id[3:])] = 1
            count += 1
        del hit
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = rss_bytes()
    assert count == 10_000 and sum(seen) == 10_000
    print(f"iterating 9,000 hits: traced peak {peak} bytes, RSS {rss_after - rss_before:+d} bytes")
    # One page of 100 hits is a few hundred KB; holding the 9,000 hits would take several MB.
    assert peak < 1_500_000, f"iterating traced {peak} bytes at the peak"
    assert rss_after - rss_before < 32 << 20, f"RSS grew by {(rss_after - rss_before) >> 20} MiB"


# ---- the rest of the surface -----------------------------------------------------

def test_to_pandas(cli_db):
    with loupe.open(cli_db) as ix:
        res = ix.search("topic:tariffs", limit=5, snippets=True)
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="python3-pandas"):
            res.to_pandas()
        return
    df = res.to_pandas()
    assert list(df["id"]) == [h.id for h in res.hits] and "score" in df.columns


def test_public_names_are_documented():
    for name in loupe.__all__:
        obj = getattr(loupe, name)
        if isinstance(obj, (str, int)):
            continue
        assert obj.__doc__ and obj.__doc__.strip(), name
        if isinstance(obj, type):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and (callable(member) or isinstance(member, property)):
                    assert member.__doc__, f"{name}.{attr}"
    stub = os.path.join(os.path.dirname(loupe.__file__), "__init__.pyi")
    assert os.path.exists(stub)
    text = open(stub).read()
    for name in loupe.__all__:
        assert name in text, name
