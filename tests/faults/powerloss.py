#!/usr/bin/env python3
"""Power-loss states of an index, built from a log of tests/faults/recordio.c.

A power cut keeps every write made before the last completed sync of a file,
and of the writes after it any subset, the last of them perhaps torn (4 KiB
sectors of it new, the others old), as ALICE and CrashMonkey model it. This
script replays the log of one `loupe index` or `loupe compact` run onto the
index's files as they were before it, builds such states, and on each runs
`loupe check` and `loupe search` (each under a timeout): neither may crash or
hang, and the index must hold exactly the documents of the last commit that
returned before the cut, or, when the cut fell inside a commit, of that commit.

A commit returns after LMDB writes its meta page through a descriptor opened
with O_DSYNC: such a write is itself a sync, and the commit's point.

  powerloss.py --loupe L --log LOG --db DIR [--base COPY] [--compact] [--states N]
               [--seed S] [--mutate reorder] [--label NAME] [--keep DIR]

--base is a copy of DIR (its data.mdb) before the run; without it the run
created the index. --compact: the run was `loupe compact` of DIR, which builds
DIR.compacting and swaps the two folders. --mutate reorder replays each meta
page write before the data writes of its commit, as a disk that reordered them
would (the test must then fail: that is how it shows it can). Prints one
summary line ("faults: power loss ...") and a "FAIL: ..." line per broken
promise; exits 1 if there was one.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

SECTOR = 4096
HEADER = struct.Struct("<cBHIQQ")


def read_log(path):
    """The records of a recordio log: (kind, flags, path, offset, data)."""
    out = []
    with open(path, "rb") as f:
        buf = f.read()
    at = 0
    while at < len(buf):
        kind, flags, plen, _pad, off, dlen = HEADER.unpack_from(buf, at)
        at += HEADER.size
        name = buf[at : at + plen].decode("utf-8", "surrogateescape")
        at += plen
        data = buf[at : at + dlen]
        at += dlen
        out.append((kind.decode(), flags, name, off, data))
    return out


def file_ops(records, path, mutate):
    """The writes and barriers of one file, in order: ('w', off, data),
    ('t', size) and ('b', is_commit). A write through an O_DSYNC descriptor is
    a write and a commit barrier. With mutate == 'reorder', each such write
    moves to the front of the writes since the barrier before the last one
    (before its commit's data), and that barrier is dropped."""
    ops = []
    for kind, flags, name, off, data in records:
        if name != path:
            continue
        if kind == "W":
            ops.append(("w", off, data))
            if flags & 1:
                ops.append(("b", True))
        elif kind == "S":
            ops.append(("b", False))
        elif kind == "T":
            ops.append(("t", off))
    if mutate != "reorder":
        return ops
    out = []
    for op in ops:
        if op[0] == "b" and op[1] and out and out[-1][0] == "w":
            meta = out.pop()
            # Back to the barrier before the commit's data sync.
            i = len(out)
            if i and out[i - 1] == ("b", False):
                out.pop()
                i -= 1
            while i and out[i - 1][0] != "b":
                i -= 1
            out.insert(i, meta)
            out.append(("b", True))
        else:
            out.append(op)
    return out


def apply(img, op):
    if op[0] == "w":
        _, off, data = op
        end = off + len(data)
        if len(img) < end:
            img.extend(b"\0" * (end - len(img)))
        img[off:end] = data
    elif op[0] == "t":
        size = op[1]
        if len(img) > size:
            del img[size:]
        else:
            img.extend(b"\0" * (size - len(img)))


def torn(img, op, rng):
    """Applies write `op` to `img` sector by sector, each 4 KiB sector of the
    file it touches new or old at random (at least one of each when it spans
    two or more). Returns False when it spans one sector (no torn form)."""
    _, off, data = op
    first, last = off // SECTOR, (off + len(data) - 1) // SECTOR
    if first == last:
        return False
    sectors = list(range(first, last + 1))
    keep = set(rng.sample(sectors, rng.randint(1, len(sectors) - 1)))
    for s in sorted(keep):
        lo, hi = max(off, s * SECTOR), min(off + len(data), (s + 1) * SECTOR)
        apply(img, ("w", lo, data[lo - off : hi - off]))
    return True


class Epochs:
    """A file's history cut at its barriers: epochs[j] holds the writes made
    after barrier j-1 and before barrier j; commits_before[j] counts the commit
    barriers before epoch j."""

    def __init__(self, ops):
        self.epochs = [[]]
        self.commits_before = [0]
        commits = 0
        for op in ops:
            if op[0] == "b":
                commits += op[1]
                self.epochs.append([])
                self.commits_before.append(commits)
            else:
                self.epochs[-1].append(op)
        self.commits = commits

    def durable(self, base, j):
        img = bytearray(base)
        for e in self.epochs[:j]:
            for op in e:
                apply(img, op)
        return img

    def at_commit(self, base, k):
        """The file right after its k-th commit (k = 0: before the run)."""
        if k == 0:
            return bytearray(base)
        j = self.commits_before.index(k)
        return self.durable(base, j)

    def states(self, base, rng, subsets, torn_count):
        """Every state a cut could leave, as (epoch, kind, make) where make()
        builds the file: each prefix of each epoch's writes, `subsets` random
        subsets and `torn_count` prefixes whose last write is torn."""
        out = []
        img = bytes(base)
        for j, writes in enumerate(self.epochs):
            n = len(writes)

            def make(durable, chosen, tear=None, seed=0):
                cur = bytearray(durable)
                for op in chosen:
                    apply(cur, op)
                if tear is not None and not torn(cur, tear, random.Random(seed)):
                    return None
                return cur

            for i in range(n + 1):
                out.append((j, "prefix", lambda d=img, c=writes[:i]: make(d, c)))
            if n >= 2:
                for _ in range(subsets):
                    pick = sorted(rng.sample(range(n), rng.randint(1, n - 1)))
                    out.append((j, "subset", lambda d=img, c=[writes[i] for i in pick]: make(d, c)))
            for _ in range(torn_count if n else 0):
                i = rng.randrange(n)
                if writes[i][0] == "w" and (writes[i][1] // SECTOR) != (writes[i][1] + len(writes[i][2]) - 1) // SECTOR:
                    out.append((j, "torn", lambda d=img, c=writes[:i], t=writes[i], sd=rng.random(): make(d, c, t, sd)))
            cur = bytearray(img)
            for op in writes:
                apply(cur, op)
            img = bytes(cur)
        return out


class Checker:
    """Runs loupe on an image in a folder beside the index's other files."""

    def __init__(self, loupe, work, extra_files, timeout):
        self.loupe = loupe
        self.work = work
        self.extra = extra_files
        self.timeout = timeout
        self.cache = {}
        self.runs = 0

    def run(self, *args):
        try:
            p = subprocess.run([self.loupe, *args], capture_output=True, timeout=self.timeout, text=True, errors="replace")
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            return "hang", "", ""

    def outcome(self, data, present=True):
        """('uncreated',) | ('docs', ids) | ('damaged', message) | ('crash', message)."""
        key = hashlib.sha256(bytes(data)).hexdigest() if present else "absent"
        if key in self.cache:
            return self.cache[key]
        self.runs += 1
        db = os.path.join(self.work, "img")
        shutil.rmtree(db, ignore_errors=True)
        os.makedirs(db)
        for src in self.extra:
            shutil.copy(src, db)
        if present:
            with open(os.path.join(db, "data.mdb"), "wb") as f:
                f.write(data)
        rc, out, err = self.run("check", "--db", db)
        if rc == "hang" or rc < 0 or rc >= 128:
            res = ("crash", "loupe check: %s %s" % ("hung" if rc == "hang" else "exit %s" % rc, err.strip()[:300]))
        else:
            src, sout, serr = self.run("search", "--db", db, "--format", "json", "--limit", "1000000", "--no-snippets", "*")
            if src == "hang" or src < 0 or src >= 128:
                res = ("crash", "loupe search: %s %s" % ("hung" if src == "hang" else "exit %s" % src, serr.strip()[:300]))
            elif rc == 0 and src == 0:
                ids = tuple(sorted(h["id"] for h in json.loads(sout).get("hits", [])))
                res = ("docs", ids)
            elif "never completely created" in err or "never completely created" in serr or not present:
                res = ("uncreated",)
            else:
                res = ("damaged", (err.strip() or serr.strip())[:300])
        self.cache[key] = res
        return res


def map_size(data):
    """LMDB's map size in the current meta page of `data` (the one of the
    larger transaction id; 64-bit layout: mm_mapsize at byte 32 of the page,
    mm_txnid at 144), or 0 for a file without meta pages."""
    if len(data) < 2 * SECTOR:
        return 0
    metas = [(struct.unpack_from("<Q", data, p * SECTOR + 144)[0], struct.unpack_from("<Q", data, p * SECTOR + 32)[0]) for p in (0, 1)]
    return max(metas)[1]


def show(outcome):
    if outcome[0] == "docs":
        return "%d documents" % len(outcome[1])
    return " ".join(str(x) for x in outcome)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loupe", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--base")
    ap.add_argument("--compact", action="store_true")
    ap.add_argument("--states", type=int, default=100, help="at most this many states checked (a seeded sample)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mutate", choices=["reorder"])
    ap.add_argument("--label", default="run")
    ap.add_argument("--corpus", help="run `loupe index` of this folder on a few states never created: it must create the index")
    ap.add_argument("--expect-growth", action="store_true", help="fail unless the run grew LMDB's map")
    ap.add_argument("--keep", help="copy each failing image into this folder")
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    records = read_log(a.log)
    work = tempfile.mkdtemp(prefix="powerloss-", dir=os.path.dirname(os.path.realpath(a.log)))
    try:
        return check(a, rng, records, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check(a, rng, records, work):
    db = os.path.realpath(a.db)
    base = b""
    if a.base and os.path.exists(os.path.join(a.base, "data.mdb")):
        with open(os.path.join(a.base, "data.mdb"), "rb") as f:
            base = f.read()
    # The index's other files as the run left them (LMDB's lock file, stale
    # after a power cut, which LMDB resets when the first process opens it).
    extra = [os.path.join(db, n) for n in sorted(os.listdir(db)) if n != "data.mdb" and os.path.isfile(os.path.join(db, n))]
    checker = Checker(a.loupe, work, extra, a.timeout)
    failures = []

    def fail(msg, data=None):
        failures.append(msg)
        print("FAIL: power loss (%s): %s" % (a.label, msg))
        if a.keep and data is not None:
            os.makedirs(a.keep, exist_ok=True)
            name = os.path.join(a.keep, "%s-%d.mdb" % (a.label, len(failures)))
            with open(name, "wb") as f:
                f.write(data)

    target = os.path.join(db + ".compacting" if a.compact else db, "data.mdb")
    ops = file_ops(records, target, a.mutate)
    ep = Epochs(ops)
    if not ops:
        fail("the log holds no write of %s (was the shim loaded?)" % target)
        return 1

    if ep.commits == 0:
        fail("no write of %s went through an O_DSYNC descriptor: LMDB wrote no meta page synchronously (MDB_NOSYNC or MDB_NOMETASYNC set?)" % target)
        return 1

    # The log must replay to the file the run left.
    with open(os.path.join(db, "data.mdb"), "rb") as f:
        final = f.read()
    replayed = ep.durable(b"" if a.compact else base, len(ep.epochs))
    if a.mutate is None and bytes(replayed) != final:
        fail("replaying the log does not give the file the run left (%d bytes, not %d): a write was not recorded" % (len(replayed), len(final)))
        return 1

    growth = ""
    if a.expect_growth:
        before, after = map_size(base), map_size(final)
        growth = "; the map grew from %d KiB to %d KiB" % (before // 1024, after // 1024)
        if after <= before:
            fail("the run did not grow the map (%d KiB before and after)" % (before // 1024))

    # The documents of each commit, from the file as each commit left it.
    refs = []
    old = checker.outcome(base, present=bool(base) or a.compact)
    for k in range(ep.commits + 1):
        refs.append(checker.outcome(ep.at_commit(b"" if a.compact else base, k)) if k else (("uncreated",) if not base else old))
    for k, r in enumerate(refs):
        if r[0] in ("damaged", "crash"):
            fail("the file as commit %d left it does not open cleanly: %s" % (k, show(r)))
    if refs[-1][0] != "docs":
        fail("the run's last commit holds no documents: %s" % show(refs[-1]))

    counts = {"generated": 0, "states": 0, "prefix": 0, "subset": 0, "torn": 0}
    uncreated = []  # non-empty files of states never created
    outcomes = {}
    if not a.compact:
        specs = list(ep.states(base, random.Random(a.seed), subsets=3 + a.states // 100, torn_count=2 + a.states // 200))
        counts["generated"] += len(specs)
        if len(specs) > a.states:
            specs = rng.sample(specs, a.states)
        for j, what, make in specs:
            img = make()
            k = ep.commits_before[j]
            allowed = {refs[k]} | ({refs[k + 1]} if k + 1 < len(refs) else set())
            got = checker.outcome(img)
            counts["states"] += 1
            counts[what] += 1
            if got == ("uncreated",) and img and a.corpus and len(uncreated) < 3:
                uncreated.append(img)
            if got == ("uncreated",):
                tag = "never created (before the first commit)"
            elif got == refs[k]:
                tag = "last commit kept"
            elif got in allowed:
                tag = "commit in flight kept"
            else:
                tag = got[0]
            outcomes[tag] = outcomes.get(tag, 0) + 1
            if got not in allowed:
                fail(
                    "a cut in epoch %d (%s state, after %d commits of %d) leaves %s; allowed: %s"
                    % (j, what, k, ep.commits, show(got), " or ".join(show(x) for x in allowed)),
                    img,
                )
    else:
        # Compaction: the copy is built in DIR.compacting, synced, then the two
        # folders are exchanged and the old one removed. DIR after a cut holds
        # the old data.mdb, or the copy once the exchange is durable (its parent
        # directory synced after it). An exchange not yet synced may or may not
        # have happened; and, the file system being free to write directory
        # changes in any order until a sync, removals after it may have
        # happened without it.
        parent = os.path.dirname(db)
        tmp = db + ".compacting"
        events = []  # (index in records, what)
        for i, (kind, flags, name, off, data) in enumerate(records):
            if kind == "R" and {name, data.decode()} == {db, tmp}:
                events.append((i, "swap"))
            elif kind == "D" and name == parent:
                events.append((i, "dirsync"))
            elif kind == "U" and name == os.path.join(tmp, "data.mdb"):
                events.append((i, "unlink-old"))
        swap_at = next((i for i, w in events if w == "swap"), None)
        if swap_at is None:
            fail("the log holds no exchange of %s and %s" % (db, tmp))
            return 1
        # Every file write of the copy comes before the exchange.
        last_write = max(i for i, r in enumerate(records) if r[2] == target and r[0] in "WST")
        if last_write > swap_at:
            fail("the copy was written after the exchange")
        cut_points = [swap_at - 1] + [i for i, _ in events if i >= swap_at] + [len(records)]
        new_img = ep.durable(b"", len(ep.epochs))
        for cut in cut_points:
            done = [w for i, w in events if i <= cut]
            swapped = "swap" in done
            durable = swapped and any(w == "dirsync" and i > swap_at for i, w in events if i <= cut)
            unlinked = "unlink-old" in done
            views = []
            if durable:
                views.append(("the copy", new_img, True))
            elif swapped:
                views.append(("the copy", new_img, True))
                views.append(("the old folder, its data.mdb removed" if unlinked else "the old folder", base, not unlinked))
            else:
                views.append(("the old folder", base, True))
            for what, img, present in views:
                got = checker.outcome(img, present)
                counts["generated"] += 1
                counts["states"] += 1
                outcomes[what] = outcomes.get(what, 0) + 1
                if got != old:
                    fail("a cut after record %d leaves %s in %s: %s, not the %s before" % (cut, what, db, show(got), show(old)), img)
        # And the copy itself at each of its states: the folder left beside the
        # index is either never created or whole (the next compaction removes it).
        specs = list(ep.states(b"", random.Random(a.seed), subsets=2 + a.states // 100, torn_count=1 + a.states // 200))
        counts["generated"] += len(specs)
        if len(specs) > a.states:
            specs = rng.sample(specs, a.states)
        for j, what, make in specs:
            img = make()
            got = checker.outcome(img, present=True)
            counts["states"] += 1
            counts[what] += 1
            tag = "copy " + ("whole" if got == old else got[0])
            outcomes[tag] = outcomes.get(tag, 0) + 1
            if got[0] == "crash":
                fail("the copy in %s after a cut in epoch %d (%s) makes loupe %s" % (tmp, j, what, show(got)), img)

    # The next `loupe index` creates an index over a file a creation cut short.
    for img in uncreated:
        db_img = os.path.join(work, "img")
        shutil.rmtree(db_img, ignore_errors=True)
        os.makedirs(db_img)
        with open(os.path.join(db_img, "data.mdb"), "wb") as f:
            f.write(img)
        rc, _, err = checker.run("index", "-q", "--db", db_img, a.corpus)
        crc, _, cerr = checker.run("check", "--db", db_img) if rc == 0 else (None, "", "")
        if rc != 0 or crc != 0:
            fail("loupe index over a state never created (%d bytes) gave exit %s, check %s: %s" % (len(img), rc, crc, (err + cerr).strip()[:300]), img)
    if uncreated:
        outcomes["never created, then created by loupe index"] = len(uncreated)

    print(
        "faults: power loss (%s): %d records, %d syncs, %d commits; %d crash states generated, %d checked (%d prefixes, %d subsets, "
        "%d torn), %d distinct images run; outcomes: %s%s; %d failures"
        % (
            a.label,
            len(records),
            sum(1 for op in ops if op[0] == "b"),
            ep.commits,
            counts["generated"],
            counts["states"],
            counts["prefix"],
            counts["subset"],
            counts["torn"],
            checker.runs,
            ", ".join("%s %d" % kv for kv in sorted(outcomes.items())),
            growth,
            len(failures),
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
