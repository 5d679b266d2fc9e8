#!/usr/bin/env python3
"""What a search of a collection served by a Dask cluster (loupe.distributed)
costs against the same collection searched in-process.

    PYTHONPATH=build/tools/python /usr/bin/python3 tools/bench/python_distributed.py \
        [--db COLLECTION] [--docs 20000] [--workers 2] [--rounds 5] [--clients 8]

Without --db it writes a synthetic corpus of --docs articles with loupe_synth
(build/tools/bench/loupe_synth, trained on corpus/) and indexes it as a
collection by month, in a temporary folder. Then, per query class, the median
latency of a search in-process (loupe.open) and on a LocalCluster of
--workers worker processes (127.0.0.1), and the searches a second of
--clients threads searching at once each way.
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

import distributed

import loupe
from bench_clients import searches_per_second
import loupe.distributed as ld

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))

# (class, query, facets, limit)
QUERIES = [
    ("term", "market", [], 10),
    ("or", "market OR election OR court", [], 10),
    ("and", "market election", [], 10),
    ("phrase", "\"the government\"", [], 10),
    ("prefix", "elect*", [], 10),
    ("date", "market date:2020..2021", [], 10),
    ("facets", "market", ["actor", "date:year"], 10),
    ("count", "the", [], 0),
]


def run_query(search, q):
    _, text, facets, limit = q
    return search(text, limit, facets=facets, now="2026-12-31")


def latency(search, q, rounds):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        run_query(search, q)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def throughput(search, clients, rounds):
    def work():
        for _ in range(rounds):
            for q in QUERIES:
                run_query(search, q)

    return searches_per_second(work, clients, rounds * len(QUERIES))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db")
    p.add_argument("--docs", type=int, default=20000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--synth", default=os.path.join(SOURCE, "build", "tools", "bench", "loupe_synth"))
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db
        if not db:
            corpus, db = f"{tmp}/synth", f"{tmp}/synth.loupe"
            subprocess.run([a.synth, "--train", os.path.join(SOURCE, "corpus"), "--count", str(a.docs), "--out",
                            corpus], check=True, stdout=subprocess.DEVNULL)
            t = time.perf_counter()
            loupe.index_folder(db, corpus, partition="month")
            print(f"indexed {a.docs} articles as a collection by month in {time.perf_counter() - t:.1f} s")
        with loupe.open(db) as ix:
            splits = len(ix.stats()["splits"])
            local = {q[0]: latency(ix.search, q, a.rounds) for q in QUERIES}
            local_qps = throughput(ix.search, a.clients, a.rounds)
            with distributed.LocalCluster(n_workers=a.workers, processes=True, host="127.0.0.1",
                                          threads_per_worker=1, dashboard_address=None, silence_logs=40) as cluster, \
                    distributed.Client(cluster) as client:
                client.wait_for_workers(a.workers, timeout=60)
                t = time.perf_counter()
                with ld.Collection(client, ld.manifest_for(db, client)) as coll:
                    opened = time.perf_counter() - t
                    remote = {q[0]: latency(coll.search, q, a.rounds) for q in QUERIES}
                    remote_qps = throughput(coll.search, a.clients, a.rounds)
        print(f"{splits} splits on {a.workers} workers (opened in {opened:.2f} s); median of {a.rounds} runs")
        print(f"{'class':8} {'in-process ms':>14} {'dask ms':>9} {'extra ms':>9}")
        for name in (q[0] for q in QUERIES):
            print(f"{name:8} {local[name] * 1e3:14.2f} {remote[name] * 1e3:9.2f} "
                  f"{(remote[name] - local[name]) * 1e3:9.2f}")
        print(f"{a.clients} clients: {local_qps:.0f} searches/s in-process, {remote_qps:.0f} on the cluster")


if __name__ == "__main__":
    main()
