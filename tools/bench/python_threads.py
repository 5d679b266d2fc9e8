#!/usr/bin/env python3
"""Searches per second of the loupe Python package on one thread and on N
threads sharing one index (the GIL is released while the engine searches).

    PYTHONPATH=build/tools/python /usr/bin/python3 tools/bench/python_threads.py \
        [--db DIR] [--threads 2] [--rounds 20] [--snippets]

Without --db it builds a synthetic index of 20,000 articles in a temporary
folder first. Prints one line per configuration and the speed-up.
"""
import argparse
import datetime
import random
import tempfile

import loupe
from bench_clients import searches_per_second

QUERIES = ["common", "word1 OR word2 OR word3", "\"common words\"", "word4 word5", "word6*", "NOT word7 common",
           "common before:2021-06-01", "word8 OR word9 OR word10 OR word11"]


def synthetic(db, n):
    rng = random.Random(7)
    vocabulary = [f"word{i}" for i in range(500)]
    with loupe.open(db, write=True) as ix:
        for i in range(n):
            body = " ".join(rng.choice(vocabulary) for _ in range(120)) + " common words"
            ix.add({"id": f"d{i}", "title": f"Article {i} {rng.choice(vocabulary)}", "body": body,
                    "date": datetime.date(2020, 1, 1) + datetime.timedelta(days=i % 1500)})


def run(ix, threads, rounds, snippets):
    def work():
        for _ in range(rounds):
            for q in QUERIES:
                ix.search(q, limit=10, snippets=snippets, facets=["date:year"])

    return searches_per_second(work, threads, rounds * len(QUERIES))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--docs", type=int, default=20000)
    p.add_argument("--snippets", action="store_true")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db
        if not db:
            db = f"{tmp}/synth.loupe"
            synthetic(db, a.docs)
        with loupe.open(db) as ix:
            run(ix, 1, 2, a.snippets)  # warm up: the index's tables, the page cache
            one = run(ix, 1, a.rounds, a.snippets)
            many = run(ix, a.threads, a.rounds, a.snippets)
    print(f"1 thread: {one:.0f} searches/s")
    print(f"{a.threads} threads: {many:.0f} searches/s")
    print(f"speed-up: {many / one:.2f}x")


if __name__ == "__main__":
    main()
