"""Timing shared by the Python benchmarks of tools/bench: searches a second
of several client threads running at once."""

import threading
import time


def searches_per_second(work, clients, searches_each):
    """Runs work() on `clients` threads at once; `searches_each` is how many
    searches one call of work() makes. The searches a second of them all."""
    pool = [threading.Thread(target=work) for _ in range(clients)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return clients * searches_each / (time.perf_counter() - start)
