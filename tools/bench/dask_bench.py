#!/usr/bin/env python3
"""A collection built and searched on a Dask LocalCluster (loupe.distributed)
against the same collection built and searched in-process.

    PYTHONPATH=build/tools/python /usr/bin/python3 tools/bench/dask_bench.py \
        [--corpus DIR] [--queries FILE] \
        [--workers 2] [--per-class 6] [--rounds 3] [--clients 8] [--work DIR]

Measures, in order:
  1. build: `loupe index --partition month` of the corpus in this process
     (loupe.index_folder, the command's own code) against
     loupe.distributed.build on a LocalCluster of --workers worker processes
     (one thread each, 127.0.0.1);
  2. latency: per query class of the queries file (lines "class<TAB>query";
     the first --per-class queries of each class, ten hits, each run
     --rounds times), the median time of a search in-process (loupe.open of
     the local build) and on the cluster (Collection of the cluster's build),
     and their difference: what the cluster adds per query; the totals of
     the two are compared, and any difference is printed;
  3. the Dask round trip alone: the median time of an empty call to a
     worker's actor, and of a task that returns at once;
  4. throughput: the searches a second of --clients threads each running
     every selected query once, in-process and on the cluster.
Both builds go under --work (default: a temporary folder, removed after).
"""
import argparse
import collections
import os
import statistics
import tempfile
import time

import distributed

import loupe
from bench_clients import searches_per_second
import loupe.distributed as ld

NOW = "2026-12-31"


def read_queries(path, per_class):
    by_class = collections.OrderedDict()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "\t" not in line:
                continue
            cls, text = line.rstrip("\n").split("\t", 1)
            if len(by_class.setdefault(cls, [])) < per_class:
                by_class[cls].append(text)
    return by_class


def median_ms(fn, items, rounds):
    times = []
    for _ in range(rounds):
        for x in items:
            t = time.perf_counter()
            fn(x)
            times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def throughput(search, queries, clients):
    def work():
        for q in queries:
            search(q)

    return searches_per_second(work, clients, len(queries))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Defaults: what tools/bench/run.sh made in its work folder.
    work = os.environ.get("LOUPE_BENCH_DIR", "build/bench")
    p.add_argument("--corpus", default=os.path.join(work, "corpora", "synth-100k"))
    p.add_argument("--queries", default=os.path.join(work, "queries", "synth-100k.tsv"))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--per-class", type=int, default=6)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--work")
    a = p.parse_args()
    by_class = read_queries(a.queries, a.per_class)
    every = [q for qs in by_class.values() for q in qs]
    with tempfile.TemporaryDirectory(dir=a.work) as tmp:
        local_db, cluster_out = os.path.join(tmp, "local.loupe"), os.path.join(tmp, "cluster")
        t = time.perf_counter()
        summary = loupe.index_folder(local_db, a.corpus, partition="month")
        local_build = time.perf_counter() - t
        print(f"in-process build (loupe index --partition month): {summary['documents']} articles in "
              f"{local_build:.1f} s", flush=True)
        with distributed.LocalCluster(n_workers=a.workers, processes=True, host="127.0.0.1", threads_per_worker=1,
                                      dashboard_address=None, silence_logs=40) as cluster, \
                distributed.Client(cluster) as client:
            client.wait_for_workers(a.workers, timeout=60)
            t = time.perf_counter()
            report = ld.build(client, a.corpus, cluster_out, partition="month")
            cluster_build = time.perf_counter() - t
            per_worker = collections.Counter(report.workers.values())
            print(f"cluster build (loupe.distributed.build, {a.workers} workers): "
                  f"{sum(report.documents.values())} articles in {len(report.documents)} splits in "
                  f"{cluster_build:.1f} s (splits per worker: {sorted(per_worker.values())})", flush=True)
            with loupe.open(local_db) as ix, ld.Collection(client, report.manifest) as coll:
                mismatches = 0
                for q in every:
                    if ix.search(q, 0, now=NOW).total != coll.search(q, 0, now=NOW).total:
                        mismatches += 1
                        print(f"  totals differ: {q!r}")
                print(f"{len(every)} queries, totals equal on {len(every) - mismatches}", flush=True)
                print(f"{'class':11} {'in-process ms':>14} {'cluster ms':>11} {'added ms':>9}")
                for cls, qs in by_class.items():
                    here = median_ms(lambda q: ix.search(q, 10, now=NOW), qs, a.rounds)
                    there = median_ms(lambda q: coll.search(q, 10, now=NOW), qs, a.rounds)
                    print(f"{cls:11} {here:14.2f} {there:11.2f} {there - here:9.2f}", flush=True)
                actor = next(iter(coll._actors.values()))
                call = median_ms(lambda _: actor.pid().result(), range(50), 1)
                task = median_ms(lambda _: client.submit(int, 1, pure=False).result(), range(50), 1)
                print(f"Dask round trip: an actor call {call:.2f} ms, a task {task:.2f} ms (median of 50)")
                local_qps = throughput(lambda q: ix.search(q, 10, now=NOW), every, a.clients)
                remote_qps = throughput(lambda q: coll.search(q, 10, now=NOW), every, a.clients)
                print(f"{a.clients} clients: {local_qps:.0f} searches/s in-process, {remote_qps:.0f} on the cluster")


if __name__ == "__main__":
    main()
