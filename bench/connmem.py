"""What one idle connection costs a node, and where it goes.

    python -m bench.connmem --n 5000            # RSS per connection, one node
    python -m bench.connmem --n 2000 --trace    # + tracemalloc: the top sites

One ``prikbord serve`` node on its own Valkey; ``--n`` participants join
one board per 50 (like a hub's boards), then sit idle. RSS per connection =
(VmRSS with them - VmRSS after two warm-up joins) / n. With ``--trace`` the
node runs under ``tracemalloc`` (which adds its own overhead to RSS, so the
RSS figure comes from a run without it) and dumps a snapshot on SIGUSR1
before and after; the difference is grouped by allocation site and by
file, divided by n. Python objects only: kernel socket buffers never count
in RSS, and what C libraries allocate outside Python's allocator (uvloop's
handles, httptools) shows in RSS but not in the trace.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path

from bench import procs
from bench.load import Spec
from bench.scenarios import Workers, _split
from server.embedded import EmbeddedValkey

#: Participants per board: a hub's class of 30-60 is the common board.
PER_BOARD = 50


def _child(dump_dir: Path, argv: list[str]) -> int:
    """The node under test: ``prikbord serve`` with tracemalloc and a
    snapshot dump on SIGUSR1 (``<dump_dir>/<k>.snap``)."""
    tracemalloc.start(int(os.environ.get("CONNMEM_FRAMES", "12")))
    count = [0]

    def dump(_sig: int, _frame: object) -> None:
        count[0] += 1
        tracemalloc.take_snapshot().dump(str(dump_dir / f"{count[0]}.snap.tmp"))
        os.rename(dump_dir / f"{count[0]}.snap.tmp", dump_dir / f"{count[0]}.snap")

    signal.signal(signal.SIGUSR1, dump)
    from prikbord.cli import main

    return main(argv)


def _wait_snap(dump_dir: Path, k: int, timeout: float = 120.0) -> tracemalloc.Snapshot:
    path = dump_dir / f"{k}.snap"
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no snapshot {k}")
        time.sleep(0.1)
    return tracemalloc.Snapshot.load(str(path))


def _start(redis_url: str, work: Path, trace: bool) -> procs.Node:
    if not trace:
        return procs.start_node("prikbord", redis_url, work)
    import subprocess

    port = procs.free_port()
    env = {**os.environ, **procs.PRIKBORD_ENV}
    args = [sys.executable, "-m", "bench.connmem", "--child", str(work),
            "serve", "--port", str(port), "--redis-url", redis_url,
            "--data", str(work / "data")]  # fmt: skip
    log = (work / "node.log").open("ab")
    proc = subprocess.Popen(args, cwd=procs.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    node = procs.Node("prikbord", port, proc, work / "node.log")
    procs._wait_listening(node, timeout=120)
    return node


def run(n: int, trace: bool, top: int) -> None:
    with tempfile.TemporaryDirectory(prefix="pb-connmem-", dir="/tmp") as tmp:
        work = Path(tmp)
        valkey = EmbeddedValkey(work / "valkey", appendfsync="always")
        url = valkey.start()
        node = _start(url, work, trace)
        try:
            boards = []
            for _ in range(max(1, -(-n // PER_BOARD))):
                created = procs.create_board(node)
                boards.append((created["board"], procs.token_of(created["links"]["participant"])))
            warm = Workers("prikbord", [[Spec([node.ws], *boards[0]) for _ in range(2)]])
            time.sleep(1.0)
            if trace:
                os.kill(node.pid, signal.SIGUSR1)
                before = _wait_snap(work, 1)
            rss0 = procs.rss_bytes([node.pid])
            specs = [Spec([node.ws], *boards[i // PER_BOARD]) for i in range(n)]
            workers = Workers("prikbord", _split(specs, 1000))
            time.sleep(5.0)  # presence settles, first pings
            rss1 = procs.rss_bytes([node.pid])
            joined = n - workers.failed
            print(f"connections: {joined} joined ({workers.failed} failed) on {len(boards)} boards")
            note = " (under tracemalloc: see a run without --trace)" if trace else ""
            per = (rss1 - rss0) / 1024 / max(1, joined)
            print(
                f"RSS: {rss0 / 2**20:.1f} → {rss1 / 2**20:.1f} MiB: "
                f"{per:.1f} KiB per connection{note}"
            )
            if trace:
                os.kill(node.pid, signal.SIGUSR1)
                after = _wait_snap(work, 2)
                _report(before, after, joined, top)
            workers.collect()
            warm.collect()
            workers.kill()
            warm.kill()
        finally:
            node.stop()
            valkey.stop()


def _report(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, n: int, top: int) -> None:
    keep = [tracemalloc.Filter(False, tracemalloc.__file__)]
    before, after = before.filter_traces(keep), after.filter_traces(keep)
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    print(f"traced Python memory: {total / 1024 / max(1, n):.2f} KiB per connection\n")
    print("by file (KiB per connection):")
    for stat in after.compare_to(before, "filename")[:top]:
        name = stat.traceback[0].filename.split("site-packages/")[-1].replace(str(procs.ROOT), ".")
        print(f"  {stat.size_diff / 1024 / n:7.2f}  {stat.count_diff / n:6.1f} blocks  {name}")
    print("\nby site (KiB per connection; the allocating line, then its callers):")
    for stat in after.compare_to(before, "traceback")[:top]:
        newest_first = reversed(stat.traceback)
        frames = [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in newest_first]
        frames = [f.replace(str(procs.ROOT) + "/", "") for f in frames]
        print(f"  {stat.size_diff / 1024 / n:7.2f}  {stat.count_diff / n:6.1f} blocks  "
              + " < ".join(frames[:4]))  # fmt: skip


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return _child(Path(sys.argv[2]), sys.argv[3:])
    p = argparse.ArgumentParser(prog="python -m bench.connmem", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--n", type=int, default=2000, help="idle connections")
    p.add_argument("--trace", action="store_true", help="run the node under tracemalloc")
    p.add_argument("--top", type=int, default=25, help="lines per table")
    args = p.parse_args()
    urllib.request.getproxies()  # (warm: the first urlopen reads the environment)
    run(args.n, args.trace, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
