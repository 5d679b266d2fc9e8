"""The JSON API of `loupe serve`, against servers started on free loopback ports.

Every endpoint's JSON is compared with the CLI's `--format json` for the same
request on the bundled corpus; then errors, path traversal through
/api/document, overload (503), CORS, security headers and shutdown.

Run by ctest through tests/serve/run.sh; LOUPE_CLI names the loupe binary and
LOUPE_SOURCE_DIR the source tree. No test measures time: waiting is bounded
only so that a broken server fails the test instead of hanging it.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.parse

import pytest

LOUPE = os.environ["LOUPE_CLI"]
SOURCE = os.environ["LOUPE_SOURCE_DIR"]
NOW = "2025-09-20"


def run_cli(*args):
    """The CLI's JSON output (stdout) and exit code."""
    p = subprocess.run([LOUPE, *args], capture_output=True, text=True, check=False)
    return json.loads(p.stdout) if p.stdout.strip() else None, p.returncode


class Server:
    """A `loupe serve` process on a free port (--listen 127.0.0.1:0)."""

    def __init__(self, db, *extra, env=None, listen="127.0.0.1:0"):
        self.proc = subprocess.Popen(
            [LOUPE, "serve", "--db", db, "--listen", listen, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        line = self.proc.stdout.readline()
        m = re.search(r"http://([^/]+):(\d+)/", line)
        assert m, "no address in the first line of loupe serve: %r (stderr: %s)" % (
            line,
            self.proc.stderr.read() if self.proc.poll() is not None else "",
        )
        self.host = "127.0.0.1" if m.group(1) in ("0.0.0.0", "[::]") else m.group(1)
        self.port = int(m.group(2))

    def get(self, path, headers=None, method="GET"):
        """(status, headers as a dict with lower-case names, body bytes)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            sent = {"Host": "%s:%d" % (self.host, self.port), **(headers or {})}
            for k, v in sent.items():
                conn.putheader(k, v)
            conn.endheaders()
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def json(self, endpoint, params=(), expect=200):
        status, headers, body = self.get("/api/%s?%s" % (endpoint, urllib.parse.urlencode(list(params))))
        assert headers.get("content-type", "").startswith("application/json"), (status, body)
        assert status == expect, (status, body)
        return json.loads(body)

    def stop(self):
        """SIGTERM; the exit code and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc, self.proc.stderr.read()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("serve") / "index")
    subprocess.run([LOUPE, "index", "-q", "--db", d, os.path.join(SOURCE, "corpus")], check=True, capture_output=True)
    return d


@pytest.fixture(scope="module")
def server(db):
    s = Server(db, "--threads", "2")
    yield s
    s.stop()


# ---- Each endpoint's JSON is the CLI's ----

SEARCHES = [
    ("tariffs", {}),
    ("actor:Bessent topic:tariffs", {"sort": "-date", "limit": "5"}),
    ("tarif* AND NOT fentanyl", {"facet": "actor,topic", "limit": "3"}),
    ("since:90d tariffs", {"now": NOW}),
    ('"trade truce"', {"sort": "date", "offset": "2", "limit": "2"}),
    ("tarifs", {}),  # a misspelling: the did-you-mean
    ("nothingmatchesthis", {}),
]


def cli_search_args(db, q, params):
    args = ["search", "--db", db, "--format", "json"]
    for k, v in params.items():
        args += ["--" + k, v]
    return args + ["--", q]


@pytest.mark.parametrize("q,params", SEARCHES)
def test_search_equals_cli(server, db, q, params):
    cli, rc = run_cli(*cli_search_args(db, q, params))
    assert rc in (0, 1)
    api = server.json("search", [("q", q), *params.items()])
    assert api == cli


def test_search_pages_by_cursor_as_cli(server, db):
    first = server.json("search", [("q", "tariffs"), ("limit", "3")])
    assert first["next_cursor"]
    api = server.json("search", [("q", "tariffs"), ("limit", "3"), ("after", first["next_cursor"])])
    cli, _ = run_cli("search", "--db", db, "--format", "json", "--limit", "3", "--after", first["next_cursor"], "tariffs")
    assert api == cli
    assert {h["id"] for h in api["hits"]}.isdisjoint({h["id"] for h in first["hits"]})


def test_search_facets_repeated_and_lenient(server, db):
    api = server.json("search", [("q", 'actor:"Bessent'), ("lenient", "1"), ("facet", "actor"), ("facet", "date:year")])
    cli, _ = run_cli("search", "--db", db, "--format", "json", "--lenient", "--facet", "actor", "--facet", "date:year",
                     'actor:"Bessent')
    assert api == cli
    assert api["diagnostics"] and api["reading"] != api["query"]


@pytest.mark.parametrize("q", ["tarif* since:30d sort:-date", "actor:Bessent OR topic:fentanyl"])
def test_explain_equals_cli(server, db, q):
    cli, rc = run_cli("explain", "--db", db, "--format", "json", "--now", NOW, q)
    assert rc == 0
    assert server.json("explain", [("q", q), ("now", NOW)]) == cli


def test_explain_doc_equals_cli(server, db):
    hit = server.json("search", [("q", "tariffs"), ("limit", "1")])["hits"][0]
    cli, _ = run_cli("explain", "--db", db, "--format", "json", "--now", NOW, "--doc", hit["id"], "tariffs")
    assert server.json("explain", [("q", "tariffs"), ("now", NOW), ("doc", hit["id"])]) == cli
    server.json("explain", [("q", "tariffs"), ("doc", "no/such/article.txt")], expect=404)


@pytest.mark.parametrize("by,facet", [("month", ""), ("week", "actor"), ("year", "topic")])
def test_timeline_equals_cli(server, db, by, facet):
    args = ["timeline", "--db", db, "--format", "json", "--by", by]
    params = [("q", "tariffs"), ("by", by)]
    if facet:
        args += ["--facet", facet]
        params.append(("facet", facet))
    cli, _ = run_cli(*args, "tariffs")
    assert server.json("timeline", params) == cli


def test_document_equals_cli(server, db):
    for hit in server.json("search", [("q", "tariffs"), ("limit", "3")])["hits"]:
        cli, rc = run_cli("show", "--db", db, "--format", "json", hit["id"])
        assert rc == 0
        assert server.json("document", [("id", hit["id"])]) == cli


def test_stats_equals_cli(server, db):
    cli, rc = run_cli("stats", "--db", db, "--format", "json")
    assert rc == 0
    assert server.json("stats") == cli


# ---- Errors ----


def test_bad_query_is_400_with_diagnostics_as_cli(server, db):
    q = 'actor:"Bessent'
    cli, rc = run_cli("search", "--db", db, "--format", "json", q)
    assert rc == 2
    body = server.json("search", [("q", q)], expect=400)
    assert body == cli
    d = body["diagnostics"][0]
    assert d["severity"] == "error" and d["message"] and d["offset"] == 6 and d["length"] == 1
    assert d["fix"]["query"] == 'actor:"Bessent"'
    for endpoint in ("explain", "timeline"):
        assert server.json(endpoint, [("q", q)], expect=400)["diagnostics"][0]["fix"]["query"] == 'actor:"Bessent"'


def test_parse_gives_diagnostics_and_fixes(server):
    body = server.json("parse", [("q", "acter:Bessent AND")])
    assert body["ok"] is False and body["query"] == "acter:Bessent AND"
    assert any(d.get("fix") for d in body["diagnostics"])
    assert all({"severity", "offset", "length", "message"} <= d.keys() for d in body["diagnostics"])
    ok = server.json("parse", [("q", "actor:Bessent tariffs")])
    assert ok == {"query": "actor:Bessent tariffs", "ok": True, "diagnostics": []}


def test_names_give_each_actors_canonical_name_and_aliases(server):
    body = server.json("names", [("name", "Bessent"), ("name", "Scott Bessent"), ("name", "习近平"),
                                 ("name", "Nobody Atall")])
    got = {n["name"]: n for n in body["names"]}
    assert [n["name"] for n in body["names"]] == ["Bessent", "Scott Bessent", "习近平", "Nobody Atall"]
    for given in ("Bessent", "Scott Bessent"):
        assert got[given]["canonical"] == "Scott Bessent"
        assert "贝森特" in got[given]["aliases"] and "Bessent" in got[given]["aliases"]
    assert got["习近平"]["canonical"] == "Xi Jinping" and "习近平" in got["习近平"]["aliases"]
    assert got["Nobody Atall"] == {"name": "Nobody Atall", "canonical": None, "aliases": []}
    # Each actor the facet shows has its names.
    facet = server.json("search", [("q", "tariffs"), ("facet", "actor")])["facets"]["actor"]["counts"]
    named = server.json("names", [("name", c["value"]) for c in facet])["names"]
    assert named and all(n["canonical"] == c["value"] for n, c in zip(named, facet))


def test_names_errors(server):
    assert "no name" in server.json("names", [], expect=400)["error"]
    assert "at most" in server.json("names", [("name", "x%d" % i) for i in range(101)], expect=400)["error"]
    assert "bytes long" in server.json("names", [("name", "x" * 5000)], expect=400)["error"]


@pytest.mark.parametrize(
    "params,words",
    [
        ([], "missing"),
        ([("q", "x" * 5000)], "bytes long"),
        ([("q", "tariffs"), ("limit", "1000")], "limit"),
        ([("q", "tariffs"), ("limit", "-1")], "limit"),
        ([("q", "tariffs"), ("sort", "random")], "sort"),
        ([("q", "tariffs"), ("now", "yesterday")], "now"),
        ([("q", "tariffs"), ("facet", "colour")], "facet"),
        ([("q", "tariffs"), ("after", "c4.bogus")], "after"),
    ],
)
def test_bad_parameters_are_400(server, params, words):
    body = server.json("search", params, expect=400)
    assert words in body["error"]


def test_unknown_paths_and_methods_are_json(server):
    for path, status in [("/api/nothing", 404), ("/nothing.html", 404), ("/api/", 404)]:
        code, headers, body = server.get(path)
        assert code == status and headers["content-type"].startswith("application/json"), (path, code, body)
        assert "error" in json.loads(body)
    code, headers, body = server.get("/api/search?q=x", method="POST")
    assert code == 405 and "error" in json.loads(body)


def test_request_size_limits(server):
    code, headers, body = server.get("/api/search?q=" + "a" * 9000)
    assert code == 414 and "error" in json.loads(body)
    code, headers, body = server.get("/api/stats", headers={"X-Big": "b" * 9000})
    assert code == 400 and "8 KiB" in json.loads(body)["error"]
    for size in ("70000", "10"):
        code, headers, body = server.get("/api/stats", headers={"Content-Length": size})
        assert code == 413 and "no body" in json.loads(body)["error"], (size, code, body)


def test_document_unknown_id_is_404(server):
    body = server.json("document", [("id", "articles/no-such-article.txt")], expect=404)
    assert "no article" in body["error"]
    server.json("document", [], expect=400)


TRAVERSALS = [
    "../../../../etc/passwd",
    "/etc/passwd",
    "articles/../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "..\\..\\etc\\passwd",
    "\\x2e\\x2e/\\x2e\\x2e/etc/passwd",
    "articles/a01-trump-sworn-in-trade-agenda.txt\x00",
    "\x00../../etc/passwd",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("id_", TRAVERSALS)
def test_document_refuses_paths(server, id_):
    body = server.json("document", [("id", id_)], expect=404)
    assert "root:" not in json.dumps(body)


def test_document_refuses_real_files_and_raw_encodings(server):
    # A file that exists on disk, by its absolute path: not an id.
    path = os.path.join(SOURCE, "corpus", "articles", "a01-trump-sworn-in-trade-agenda.txt")
    assert os.path.exists(path)
    server.json("document", [("id", path)], expect=404)
    # Encodings written into the URL as they are (decoded once by the server).
    for raw in ["%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%252e%252e%252fetc%252fpasswd", "%00", "..%00/etc/passwd",
                "%2fetc%2fpasswd", "%c0%ae%c0%ae/etc/passwd"]:
        code, headers, body = server.get("/api/document?id=" + raw)
        assert code == 404, (raw, code, body)
        assert headers["content-type"].startswith("application/json") and b"root:" not in body
    # Paths outside /api/: never files of the disk.
    for raw in ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/app.js/../../etc/passwd"]:
        code, _, body = server.get(raw)
        assert code in (400, 404) and b"root:" not in body, (raw, code)


# ---- The page and the headers ----


def test_page_and_security_headers(server):
    code, headers, body = server.get("/")
    assert code == 200 and headers["content-type"].startswith("text/html")
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    # The page's script is a file of its own, no inline script or handler.
    html = body.decode()
    assert '<script src="/app.js"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    for path, kind in [("/app.js", "text/javascript"), ("/style.css", "text/css")]:
        code, headers, body = server.get(path)
        assert code == 200 and headers["content-type"].startswith(kind) and body
    code, headers, _ = server.get("/api/stats")
    assert "content-security-policy" in headers and headers["cache-control"] == "no-store"


def test_no_cors_by_default(server):
    for path in ["/", "/api/search?q=tariffs"]:
        _, headers, _ = server.get(path, headers={"Origin": "https://elsewhere.example"})
        assert not [h for h in headers if h.startswith("access-control-")], headers


def test_cors_when_asked(db):
    s = Server(db, "--cors", "https://example.org")
    try:
        _, headers, _ = s.get("/api/search?q=tariffs", headers={"Origin": "https://example.org"})
        assert headers["access-control-allow-origin"] == "https://example.org"
        code, headers, _ = s.get("/api/search?q=tariffs", method="OPTIONS", headers={"Origin": "https://example.org"})
        assert code == 204 and "GET" in headers["access-control-allow-methods"]
    finally:
        assert s.stop()[0] == 0


def test_dns_rebinding_host_is_refused(server):
    code, headers, body = server.get("/api/stats", headers={"Host": "attacker.example:7700"})
    assert code == 403 and "loopback" in json.loads(body)["error"]
    assert server.get("/api/stats", headers={"Host": "localhost:%d" % server.port})[0] == 200


# ---- Overload and shutdown, made deterministic by the test hook ----


def wait_until(predicate):
    """Polls until predicate() holds; fails (not times) a server that never gets there."""
    for _ in range(3000):
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("the server never reached the state the test waits for")


def held_search(s, results):
    results.append(s.get("/api/search?q=tariffs&hold=1"))


def test_overload_is_503_with_retry_after(db, tmp_path):
    gate = tmp_path / "gate"
    # A long deadline: the held search must not pass it however slow the machine.
    s = Server(db, "--threads", "1", "--queue", "0", "--deadline", "600000", env={"LOUPE_SERVE_TEST_GATE": str(gate)})
    results = []
    t = threading.Thread(target=held_search, args=(s, results))
    try:
        t.start()
        wait_until(lambda: s.json("_test/held")["held"] == 1)
        code, headers, body = s.get("/api/search?q=tariffs")
        assert code == 503, body
        assert headers["retry-after"] == "1" and "busy" in json.loads(body)["error"]
        assert s.get("/api/timeline?q=tariffs")[0] == 503
        # The page and parse are not queued behind searches.
        assert s.get("/")[0] == 200
        assert s.json("parse", [("q", "tariffs")])["ok"] is True
        gate.touch()
        t.join(timeout=120)
        assert results and results[0][0] == 200
        assert s.get("/api/search?q=tariffs")[0] == 200  # the place is free again
    finally:
        gate.touch()
        assert s.stop()[0] == 0


def test_a_search_past_the_deadline_is_stopped_by_the_engine(db, tmp_path):
    # The hook holds the search after it has its place and before the engine
    # runs it, until the deadline has passed: the engine then stops it at its
    # first step (without the engine's check it would answer 200).
    gate = tmp_path / "gate"
    s = Server(db, "--threads", "1", "--deadline", "300", env={"LOUPE_SERVE_TEST_GATE": str(gate)})
    results = []
    t = threading.Thread(target=held_search, args=(s, results))
    try:
        t.start()
        wait_until(lambda: s.json("_test/held")["held"] == 1)
        time.sleep(0.5)
        gate.touch()
        t.join(timeout=120)
        code, headers, body = results[0]
        assert code == 503, body
        assert headers["retry-after"] == "1"
        assert "deadline" in json.loads(body)["error"]
        results.clear()
        gate.unlink()
        t = threading.Thread(target=lambda: results.append(s.get("/api/timeline?q=tariffs&hold=1")))
        t.start()
        wait_until(lambda: s.json("_test/held")["held"] == 1)
        time.sleep(0.5)
        gate.touch()
        t.join(timeout=120)
        assert results[0][0] == 503 and "deadline" in json.loads(results[0][2])["error"]
    finally:
        gate.touch()
        assert s.stop()[0] == 0


def test_sigterm_lets_the_request_finish_then_exits_0(db, tmp_path):
    gate = tmp_path / "gate"
    s = Server(db, "--threads", "1", "--deadline", "600000", env={"LOUPE_SERVE_TEST_GATE": str(gate)})
    results = []
    t = threading.Thread(target=held_search, args=(s, results))
    t.start()
    wait_until(lambda: s.json("_test/held")["held"] == 1)
    s.proc.send_signal(signal.SIGTERM)
    gate.touch()
    t.join(timeout=120)
    rc, err = s.stop()
    assert results and results[0][0] == 200 and json.loads(results[0][2])["total"] > 0
    assert rc == 0, err
    assert "stopped" in err


def test_sigint_exits_0(db):
    s = Server(db)
    assert s.get("/api/stats")[0] == 200
    s.proc.send_signal(signal.SIGINT)
    assert s.proc.wait(timeout=60) == 0


def test_loopback_by_default_and_warning_elsewhere(db):
    s = Server(db, listen="127.0.0.1:0")
    rc, err = s.stop()
    assert rc == 0 and "no authentication" not in err
    s = Server(db, listen="0.0.0.0:0")
    try:
        assert s.get("/api/stats", headers={"Host": "192.0.2.1"})[0] == 200
    finally:
        rc, err = s.stop()
    assert rc == 0 and "no authentication" in err and "0.0.0.0" in err


def test_usage_and_index_errors(tmp_path):
    p = subprocess.run([LOUPE, "serve", "--db", str(tmp_path / "none")], capture_output=True, text=True)
    assert p.returncode == 3 and "cannot open index" in p.stderr
    p = subprocess.run([LOUPE, "serve", "--db", str(tmp_path), "--listen", "nowhere"], capture_output=True, text=True)
    assert p.returncode == 2 and "--listen" in p.stderr
    p = subprocess.run([LOUPE, "serve", "--threads", "0"], capture_output=True, text=True)
    assert p.returncode == 2


def test_collection_is_served_as_the_cli_reads_it(tmp_path):
    db = str(tmp_path / "collection")
    subprocess.run([LOUPE, "index", "-q", "--partition", "month", "--db", db, os.path.join(SOURCE, "corpus")],
                   check=True, capture_output=True)
    s = Server(db)
    try:
        for q, params in [("tariffs", {"facet": "actor", "limit": "3"}), ("actor:Bessent", {"sort": "-date"})]:
            cli, rc = run_cli(*cli_search_args(db, q, params))
            assert rc == 0
            assert s.json("search", [("q", q), *params.items()]) == cli
        cli, _ = run_cli("stats", "--db", db, "--format", "json")
        assert s.json("stats") == cli
    finally:
        assert s.stop()[0] == 0
