"""Two costs of issue 12 that grew badly with size, measured before and
after their fixes (BENCHMARKS.md, "Join storms and busy sockets").

* ``join_storm``: N clients join one board over two nodes at once. Each
  counts the presence bytes it receives; a few sampled clients also keep the
  member list (full lists and deltas, SPEC §7) and the storm is over when
  every sample lists all N. With a full list per change this grows as N².
* ``pipeline``: one socket sends ops at a steady rate; the time from send to
  ack shows whether its ops queue behind each other.

Both run their clients in forked processes (the bench's own CPU is not the
servers'), read the servers' CPU from ``/proc`` and stop what they started.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import statistics
import time
from multiprocessing.connection import Connection as Pipe
from typing import Any

import msgpack

from bench import procs
from bench.procs import cpu_seconds
from bench.scenarios import Env, nodes

_ctx = mp.get_context("fork")

#: A storm that has not settled in this long is reported as not settled.
STORM_MAX_S = 60.0
#: Clients per load process in a join storm, and sampled clients per process.
STORM_PER_PROC = 500
STORM_SAMPLES = 2
#: Handshakes in flight per load process. Unbounded, a node's Redis pool
#: (redis-py's asyncio default: 100 connections, then MaxConnectionsError)
#: refuses joins with 4003 at ~1,000 simultaneous handshakes on 2 nodes;
#: browsers reconnecting after a redeploy spread out by their jitter anyway.
STORM_CONCURRENCY = 50


def _members_after(members: dict[str, Any], msg: dict[str, Any]) -> None:
    """Apply one presence frame (full list or delta) to ``members``."""
    if "members" in msg:
        members.clear()
        members.update({m["conn"]: m for m in msg["members"]})
    for m in (*msg.get("joined", ()), *msg.get("updated", ())):
        members[m["conn"]] = m
    for conn in msg.get("left", ()):
        members.pop(conn, None)


def _storm_worker(urls: list[str], board: str, token: str, n_total: int,
                  count: int, base: int, pipe: Pipe) -> None:  # fmt: skip
    import uvloop

    from bench.wsclient import WSClient

    out: dict[str, Any] = {"presence_bytes": 0, "presence_frames": 0, "failed": 0,
                           "settled_at": [], "sample_members": [], "closed": {}}  # fmt: skip

    async def run() -> None:
        pipe.recv()  # "go"
        settled = asyncio.get_running_loop().create_future()
        waiting = STORM_SAMPLES
        samples: list[dict[str, Any]] = []

        async def one(i: int) -> WSClient | None:
            sample = i < STORM_SAMPLES
            members: dict[str, Any] = {}
            if sample:
                samples.append(members)
            done = False

            welcomed = asyncio.get_running_loop().create_future()

            def on_message(_op: int, data: bytes) -> None:
                nonlocal done, waiting
                if b"presence" not in data[:16]:
                    if not welcomed.done() and b"welcome" in data[:16]:
                        welcomed.set_result(None)
                    return
                out["presence_bytes"] += len(data)
                out["presence_frames"] += 1
                if sample and not done:
                    _members_after(members, msgpack.unpackb(data))
                    if len(members) >= n_total:
                        done = True
                        out["settled_at"].append(time.time())
                        waiting -= 1
                        if waiting == 0 and not settled.done():
                            settled.set_result(None)

            try:
                ws = await WSClient.connect(urls[i % len(urls)] + "/ws", "prikbord.v1",
                                            on_message=on_message)  # fmt: skip
            except (OSError, TimeoutError):
                out["failed"] += 1
                return None
            hello = {"t": "hello", "v": 1, "board": board, "token": token,
                     "name": f"p{base + i}", "presence_deltas": True}  # fmt: skip
            ws.send_binary(msgpack.packb(hello))
            with contextlib.suppress(TimeoutError):  # a refused join shows in "closed"
                await asyncio.wait_for(welcomed, 30)
            return ws

        gate = asyncio.Semaphore(STORM_CONCURRENCY)

        async def gated(i: int) -> WSClient | None:
            async with gate:
                return await one(i)

        socks = await asyncio.gather(*(gated(i) for i in range(count)))
        try:
            await asyncio.wait_for(settled, STORM_MAX_S)
        except TimeoutError:
            pass
        await asyncio.sleep(1.0)  # the stragglers' frames, so bytes are complete
        out["sample_members"] = [len(m) for m in samples]
        for ws in socks:
            if ws is not None and ws.closed.done():
                code = str(ws.closed.result())
                out["closed"][code] = out["closed"].get(code, 0) + 1
        pipe.send(out)
        pipe.recv()  # "close"
        for ws in socks:
            if ws is not None:
                ws.close()

    uvloop.run(run())


def join_storm(env: Env, n: int) -> dict[str, Any]:
    """``n`` clients join one board over 2 nodes at once (presence on)."""
    with nodes(env, "prikbord") as ns:
        created = procs.create_board(ns[0])
        board, token = created["board"], procs.token_of(created["links"]["participant"])
        urls = [node.ws for node in ns]
        pipes, workers = [], []
        for base in range(0, n, STORM_PER_PROC):
            parent, child = _ctx.Pipe()
            count = min(STORM_PER_PROC, n - base)
            args = (urls, board, token, n, count, base, child)
            p = _ctx.Process(target=_storm_worker, args=args, daemon=True)
            p.start()
            pipes.append(parent)
            workers.append(p)
        try:
            pids = [node.pid for node in ns]
            cpu0, vk0, each0 = cpu_seconds(pids), env.valkey_cpu(), env.valkey_cpu_each()
            t0 = time.time()
            for pipe in pipes:
                pipe.send("go")
            results = [pipe.recv() for pipe in pipes]
            cpu1, vk1, each1 = cpu_seconds(pids), env.valkey_cpu(), env.valkey_cpu_each()
            for pipe in pipes:
                pipe.send("close")
        finally:
            for p in workers:
                p.join(10)
                if p.is_alive():
                    p.kill()
    settled = [t for r in results for t in r["settled_at"]]
    samples = STORM_SAMPLES * len(results)
    nbytes = sum(int(r["presence_bytes"]) for r in results)
    return {
        "scenario": "join_storm", "system": "prikbord", "valkey": env.valkey, "n": n,
        "failed": sum(int(r["failed"]) for r in results),
        "settled": len(settled) == samples,
        "settled_s": (max(settled) - t0) if len(settled) == samples else None,
        "presence_bytes": nbytes, "presence_kib_per_client": nbytes / 1024 / max(1, n),
        "presence_frames": sum(int(r["presence_frames"]) for r in results),
        "sample_members": [k for r in results for k in r["sample_members"]],
        "closed": {k: v for r in results for k, v in r["closed"].items()},
        "server_cpu_s": cpu1 - cpu0, "valkey_cpu_s": vk1 - vk0,
        "server_cpu_ms_per_join": 1000 * (cpu1 - cpu0) / max(1, n),
        "valkey_cpu_s_per_shard": [b - a for a, b in zip(each0, each1, strict=True)],
    }  # fmt: skip


def _pipeline_worker(url: str, board: str, token: str, rate: float, duration: float,
                     subscribers: int, pipe: Pipe) -> None:  # fmt: skip
    import uvloop

    from bench.wsclient import WSClient

    async def run() -> dict[str, Any]:
        sent: dict[str, float] = {}
        ack_lat: list[float] = []
        errors: dict[int, int] = {}
        seqs: list[int] = []
        welcomed = asyncio.get_running_loop().create_future()
        finished = asyncio.get_running_loop().create_future()
        total = int(rate * duration)

        def on_message(_op: int, data: bytes) -> None:
            msg = msgpack.unpackb(data)
            kind = msg.get("t")
            if kind == "welcome" and not welcomed.done():
                welcomed.set_result(None)
            elif kind in ("ack", "error"):
                t = sent.pop(msg["id"], None)
                if t is not None:
                    ack_lat.append(time.perf_counter() - t)
                if kind == "error":
                    errors[msg["code"]] = errors.get(msg["code"], 0) + 1
                else:
                    seqs.append(int(msg["seq"]))
                if len(ack_lat) == total and not finished.done():
                    finished.set_result(None)

        # Others on the board: each op's event is fanned out to them too,
        # which is what makes a node's pub/sub round trip slow.
        watchers = []
        for i in range(subscribers):
            w = await WSClient.connect(url + "/ws", "prikbord.v1")
            w.send_binary(msgpack.packb({"t": "hello", "v": 1, "board": board, "token": token,
                                         "name": f"w{i}", "presence_deltas": True}))  # fmt: skip
            watchers.append(w)
        await asyncio.sleep(1.0 if subscribers else 0.0)  # their joins settle
        ws = await WSClient.connect(url + "/ws", "prikbord.v1", on_message=on_message)
        ws.send_binary(msgpack.packb({"t": "hello", "v": 1, "board": board, "token": token,
                                      "name": "busy"}))  # fmt: skip
        await asyncio.wait_for(welcomed, 30)
        # Each op depends on the one before only every 10th time (a new card,
        # then nine moves of older cards), as a person or a script would.
        t0 = time.perf_counter()
        for i in range(total):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if i % 10 == 0:
                op: dict[str, Any] = {"type": "card.add", "id": f"k{i}", "title": f"card {i}"}
            else:
                op = {"type": "card.move", "id": f"k{i - i % 10}", "x": i}
            sent[f"o{i}"] = time.perf_counter()
            ws.send_binary(msgpack.packb({"t": "op", "id": f"o{i}", "op": op}))
        try:
            await asyncio.wait_for(finished, 60)
        except TimeoutError:
            pass
        ws.close()
        for w in watchers:
            w.close()
        lat = sorted(ack_lat)

        def pct(q: float) -> float:
            return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0.0

        return {"sent": total, "answered": len(lat), "errors": errors,
                "in_order": seqs == sorted(seqs), "ack_p50_ms": pct(0.5), "ack_p99_ms": pct(0.99),
                "ack_max_ms": lat[-1] * 1000 if lat else 0.0,
                "ack_mean_ms": statistics.fmean(lat) * 1000 if lat else 0.0}  # fmt: skip

    pipe.send(uvloop.run(run()))


def pipeline(env: Env, rate: float, duration: float, subscribers: int = 0) -> dict[str, Any]:
    """One socket sending ``rate`` ops/s for ``duration`` s on a board with
    ``subscribers`` other sockets (same node): send→ack times."""
    with nodes(env, "prikbord", 1) as ns:
        created = procs.create_board(ns[0])
        board, token = created["board"], procs.token_of(created["links"]["participant"])
        parent, child = _ctx.Pipe()
        args = (ns[0].ws, board, token, rate, duration, subscribers, child)
        p = _ctx.Process(target=_pipeline_worker, args=args, daemon=True)
        cpu0 = cpu_seconds([ns[0].pid])
        p.start()
        try:
            if not parent.poll(duration + 120):
                raise TimeoutError("pipeline client did not finish")
            res: dict[str, Any] = parent.recv()
        finally:
            p.join(10)
            if p.is_alive():
                p.kill()
        cpu1 = cpu_seconds([ns[0].pid])
    return {"scenario": "pipeline", "system": "prikbord", "rate": rate, "duration_s": duration,
            "subscribers": subscribers,
            **res, "server_cpu_s": cpu1 - cpu0}  # fmt: skip
