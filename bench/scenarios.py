"""The scenarios of issue 3, each bounded in time, each returning plain dicts.

A scenario starts its own server nodes on the shared Valkey, drives them
from load-generator processes (``bench.load``), reads the servers' CPU and
RSS from ``/proc``, and stops everything it started.
"""

from __future__ import annotations

import array
import asyncio
import multiprocessing as mp
import signal
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import msgpack

from bench import procs
from bench.load import Spec, worker
from bench.procs import Node, cpu_seconds, rss_bytes, start_node
from client.client import PrikbordClient
from server.engine.client import connect_sync

_ctx = mp.get_context("fork")

#: Subscriber connections per load-generator process.
CONNS_PER_WORKER = 600
#: Give up waiting for stragglers after this long without a new delivery.
DRAIN_QUIET_S = 2.0
DRAIN_MAX_S = 20.0
#: A reconnect storm that has not resumed within this long is a failure.
STORM_MAX_S = 40.0


class Env:
    """What every scenario shares: the Valkey, a work dir, the knobs."""

    def __init__(
        self, redis_url: str, valkey_pid: int | None, workdir: Path,
        valkey_pids: list[int] | None = None, valkey: str = "single",
    ) -> None:  # fmt: skip
        self.redis_url = redis_url
        #: Every Valkey process the run uses (one, or each cluster master),
        #: so CPU can be read per shard.
        self.valkey_pids = valkey_pids or ([valkey_pid] if valkey_pid else [])
        #: "single" or "cluster-<masters>": stamped on the rows it measures.
        self.valkey = valkey
        self.workdir = workdir
        # connect_sync picks RedisCluster for a redis+cluster:// URL.
        self.redis = connect_sync(redis_url)

    def valkey_cpu(self) -> float:
        return cpu_seconds(self.valkey_pids)

    def valkey_cpu_each(self) -> list[float]:
        """CPU seconds so far of each Valkey process (each shard), in order."""
        return [cpu_seconds([pid]) for pid in self.valkey_pids]

    def head(self, board: str) -> int:
        seq = self.redis.hget(f"{{b:{board}}}:meta", "seq")
        return int(seq or 0)  # type: ignore[arg-type]

    def valkey_pct_each(self, before: list[float], wall: float) -> list[float]:
        """Each shard's CPU % since ``before`` (from :meth:`valkey_cpu_each`)."""
        return [100.0 * (b - a) / wall for a, b in zip(before, self.valkey_cpu_each(), strict=True)]


class Workers:
    """Load-generator processes; each holds a slice of the clients."""

    def __init__(self, system: str, groups: list[list[Spec]]) -> None:
        self.pipes: list[Pipe] = []
        self.procs: list[Any] = []
        base = 0
        for specs in groups:
            parent, child = _ctx.Pipe()
            p = _ctx.Process(target=worker, args=(system, specs, base, child), daemon=True)
            p.start()
            base += len(specs)
            self.pipes.append(parent)
            self.procs.append(p)
        self.ready = [self._recv("ready", 180, p) for p in self.pipes]

    def _recv(self, kind: str, timeout: float, pipe: Pipe | None = None) -> dict[str, Any]:
        out = {}
        for p in [pipe] if pipe is not None else self.pipes:
            if not p.poll(timeout):
                raise TimeoutError(f"load generator did not answer {kind!r}")
            tag, payload = p.recv()
            assert tag == kind, (tag, kind)
            out = payload
        return out

    @property
    def why(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.ready:
            for k, v in r.get("why", {}).items():
                out[k] = out.get(k, 0) + v
        return out

    @property
    def failed(self) -> int:
        return sum(int(r["failed"]) for r in self.ready)

    def go(self, t0: float) -> None:
        for p in self.pipes:
            p.send(("go", t0))

    def counts(self) -> list[dict[str, Any]]:
        for p in self.pipes:
            p.send(("count",))
        return [self._recv("count", 30, p) for p in self.pipes]

    def collect(self, heads: dict[str, int] | None = None, k: int = 0) -> dict[str, Any]:
        for p in self.pipes:
            p.send(("collect", {"heads": heads or {}, "k": k}))
        results = [self._recv("result", 120, p) for p in self.pipes]
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
        merged: dict[str, Any] = {"latencies": array.array("d")}
        for r in results:
            merged["latencies"].frombytes(r.pop("latencies"))
            for key, value in r.items():
                if isinstance(value, dict):
                    d = merged.setdefault(key, {})
                    for kk, vv in value.items():
                        d[kk] = d.get(kk, 0) + vv
                elif isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
                elif key == "last_welcome_at":
                    merged[key] = max(merged.get(key, 0.0), value)
                else:
                    merged[key] = merged.get(key, 0) + value
        return merged

    def kill(self) -> None:
        for proc in self.procs:
            if proc.is_alive():
                proc.kill()


@contextmanager
def nodes(env: Env, system: str, n: int = 2, **node_env: str) -> Iterator[list[Node]]:
    started: list[Node] = []
    try:
        for _ in range(n):
            started.append(start_node(system, env.redis_url, env.workdir / "nodes", node_env))
        yield started
    finally:
        for node in started:
            node.stop()


def _split(specs: list[Spec], per: int = CONNS_PER_WORKER) -> list[list[Spec]]:
    n = max(1, -(-len(specs) // per))
    return [specs[i::n] for i in range(n)]


def _percentiles(lat: array.array[float]) -> dict[str, float]:
    if not lat:
        return {"p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    s = sorted(lat)

    def pct(q: float) -> float:
        return s[min(len(s) - 1, int(q * len(s)))] * 1000

    return {"p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": s[-1] * 1000}


def _drain(workers: Workers, expected: int, pub_end: float) -> float:
    """Wait until ``expected`` deliveries arrived, or nothing arrived for a
    while. Returns the time the last progress was seen."""
    last, last_change = -1, time.time()
    while True:
        c = workers.counts()
        got = sum(int(x["deliveries"]) for x in c)
        now = time.time()
        if got != last:
            last, last_change = got, now
        if now >= pub_end and all(x["pub_done"] for x in c):
            if got >= expected or now - last_change > DRAIN_QUIET_S:
                return last_change
            if now - pub_end > DRAIN_MAX_S:
                return last_change
        time.sleep(0.1)


# --- 1. fan-out -------------------------------------------------------------


def fanout(
    env: Env, system: str, n_subs: int, rate: float, duration: float, moderated: bool = False
) -> dict[str, Any]:
    """One board, ``n_subs`` subscribers over 2 nodes, one publisher at ``rate``/s.

    ``moderated`` (Prikbord only): the board has approval on and a card
    waiting for it, so no event goes out raw to everyone: each is computed
    per visibility class and the participants get a view patch
    (``protocol/visibility.py``). The publisher is then a facilitator, whose
    cards show at once, so the subscribers receive the same cards as on an
    open board."""
    client_system = procs.base_system(system)
    with nodes(env, system) as ns:
        board = token = pub_token = ""
        if client_system == "prikbord":
            created = procs.create_board(ns[0])
            board, token = created["board"], procs.token_of(created["links"]["participant"])
            pub_token = token
            if moderated:
                _moderate(created["links"])
                pub_token = procs.token_of(created["links"]["facilitator"])
        subs = [Spec([ns[i % 2].ws], board, token) for i in range(n_subs)]
        pub = Spec([ns[0].ws], board, pub_token, rate=rate, duration=duration, subscribe=False)
        workers = Workers(client_system, [*_split(subs), [pub]])
        try:
            time.sleep(1.0)  # joins settle (presence frames, hub loads)
            pids = [n.pid for n in ns]
            cpu0, vk0 = cpu_seconds(pids), env.valkey_cpu()
            each0 = [cpu_seconds([p]) for p in pids]
            t0 = time.time() + 0.2
            workers.go(t0)
            published = int(rate * duration)
            end = _drain(workers, n_subs * published, t0 + duration)
            cpu1, vk1 = cpu_seconds(pids), env.valkey_cpu()
            each = [cpu_seconds([p]) - c for p, c in zip(pids, each0, strict=True)]
            rss = rss_bytes(pids)
            heads = {board: env.head(board)} if board else {}
            res = workers.collect(heads, k=published)
        finally:
            workers.kill()
    deliveries = int(res["deliveries"])
    offered = n_subs * published
    wall = max(1e-9, end - t0)
    return {
        "scenario": "fanout", "system": f"{system}-moderated" if moderated else system,
        "n": n_subs, "rate": rate,
        "duration_s": duration, "connect_failed": workers.failed, "connect_why": workers.why,
        "published": published, "offered": offered, "deliveries": deliveries,
        "deliveries_per_s": deliveries / wall,
        "lost": int(res["lost"]), "doubled": int(res["doubled"]),
        "lost_pct": 100.0 * int(res["lost"]) / max(1, offered),
        **_percentiles(res["latencies"]),
        "cpu_us_per_delivery": 1e6 * (cpu1 - cpu0) / max(1, deliveries),
        # The publisher's node (ops, acks and its half of the fan-out), then
        # the other (only fan-out): their difference is the op path.
        "server_cpu_s_each": each,
        "server_cpu_pct": 100.0 * (cpu1 - cpu0) / wall,
        "valkey_cpu_pct": 100.0 * (vk1 - vk0) / wall,
        "frames_per_delivery": int(res["frames"]) / max(1, deliveries),
        "bytes_per_delivery": int(res["bytes"]) / max(1, deliveries),
        "rss_mb": rss / 2**20, "close_codes": res.get("close_codes", {}),
        "open_subs": int(res["open_subs"]),
    }  # fmt: skip


def _moderate(links: dict[str, str]) -> None:
    """Approval on, and one participant's card waiting for it."""

    async def run() -> None:
        async with PrikbordClient(links["facilitator"], name="bench-facilitator") as fac:
            await fac.set_board(approval=True)
            async with PrikbordClient(links["participant"], name="bench-author") as author:
                sent = await author.add_card("waits for approval")
                await fac.wait_for_seq(sent.seq)
            assert fac.confirmed.cards[sent.id].status == "pending"

    asyncio.run(run())


# --- 2. many boards -----------------------------------------------------------


def many_boards(
    env: Env, boards: int, per_board: int, rate_each: float, duration: float
) -> dict[str, Any]:
    """``boards`` boards x ``per_board`` participants, every one publishing."""
    with nodes(env, "prikbord") as ns:
        specs = []
        ids = []
        for b in range(boards):
            created = procs.create_board(ns[b % 2])
            ids.append(created["board"])
            token = procs.token_of(created["links"]["participant"])
            for i in range(per_board):
                specs.append(Spec([ns[(b + i) % 2].ws], created["board"], token,
                                  rate=rate_each, duration=duration))  # fmt: skip
        workers = Workers("prikbord", _split(specs, 700))
        try:
            time.sleep(2.0)
            pids = [n.pid for n in ns]
            cpu0, vk0, each0 = cpu_seconds(pids), env.valkey_cpu(), env.valkey_cpu_each()
            t0 = time.time() + 0.5
            workers.go(t0)
            published = int(rate_each * duration) * len(specs)
            end = _drain(workers, published * per_board, t0 + duration)
            cpu1, vk1 = cpu_seconds(pids), env.valkey_cpu()
            shards = env.valkey_pct_each(each0, max(1e-9, end - t0))
            rss = rss_bytes(pids)
            heads = {b: env.head(b) for b in ids}
            res = workers.collect(heads)
        finally:
            workers.kill()
    deliveries = int(res["deliveries"])
    wall = max(1e-9, end - t0)
    return {
        "scenario": "many_boards", "system": "prikbord", "valkey": env.valkey, "boards": boards,
        "per_board": per_board, "connections": len(specs), "rate_each": rate_each,
        "connect_failed": workers.failed, "published": int(res["published"]),
        "acked": int(res["acked"]), "errors": res.get("errors", {}),
        "deliveries": deliveries, "deliveries_per_s": deliveries / wall,
        "lost": int(res["lost"]), "doubled": int(res["doubled"]),
        **_percentiles(res["latencies"]),
        "cpu_us_per_delivery": 1e6 * (cpu1 - cpu0) / max(1, deliveries),
        "acked_per_s": int(res["acked"]) / wall,
        "server_cpu_us_per_op": 1e6 * (cpu1 - cpu0) / max(1, int(res["acked"])),
        "valkey_cpu_us_per_op": 1e6 * (vk1 - vk0) / max(1, int(res["acked"])),
        "server_cpu_pct": 100.0 * (cpu1 - cpu0) / wall,
        "valkey_cpu_pct": 100.0 * (vk1 - vk0) / wall,
        "valkey_cpu_pct_per_shard": shards,
        "rss_mb": rss / 2**20,
    }  # fmt: skip


# --- 3. join -----------------------------------------------------------------


def _fill_board(env: Env, node: Node, cards: int, comments: int, votes: int) -> tuple[str, str]:
    """A board with ``cards`` cards, ``comments`` comments and ``votes`` dot
    votes, written through the real protocol by a few facilitator clients."""
    created = procs.create_board(node)
    board = created["board"]
    fac = procs.token_of(created["links"]["facilitator"])
    part = procs.token_of(created["links"]["participant"])
    import asyncio

    import uvloop

    async def writer(token: str, ops: list[dict[str, Any]], name: str) -> None:
        await _send_ops(node, board, token, name, ops, op_prefix="f", strict=True)

    body = "Een idee voor de hub: " + "x" * 120
    card_ops: list[dict[str, Any]] = [{"type": "board.set", "vote_budget": 100}]
    card_ops += [
        {
            "type": "card.add",
            "id": f"c{i}",
            "title": f"Kaart {i}",
            "body": body,
            "color": "yellow",
            "x": i % 1000,
            "y": i // 1000,
        }
        for i in range(cards)
    ]
    card_ops += [{"type": "comment.add", "id": f"m{i}", "card": f"c{i % cards}",
                  "body": "Goed plan, doe ik mee"} for i in range(comments)]  # fmt: skip

    async def fill() -> None:
        await writer(fac, card_ops, "fill")
        voters = -(-votes // 100)
        per = [[{"type": "vote.cast", "card": f"c{(v * 7 + i) % cards}"}
                for i in range(min(100, votes - v * 100))] for v in range(voters)]  # fmt: skip
        await asyncio.gather(*(writer(part, ops, f"voter{v}") for v, ops in enumerate(per)))

    uvloop.run(fill())
    return board, part


def join(env: Env, cards: int, comments: int, votes: int, missed: int, reps: int) -> dict[str, Any]:
    """Join time of a large board (cold node and warm hub), and a resume after
    ``missed`` events."""
    import asyncio

    import uvloop

    from bench.wsclient import WSClient

    out: dict[str, Any] = {"scenario": "join", "system": "prikbord", "cards": cards,
                           "comments": comments, "votes": votes, "missed": missed}  # fmt: skip
    with nodes(env, "prikbord", 1, PRIKBORD_SNAPSHOT_EVERY="500") as ns_fill:
        board, token = _fill_board(env, ns_fill[0], cards, comments, votes)
    with nodes(env, "prikbord", 1) as ns:
        node = ns[0]

        async def one(resume: tuple[str, int] | None = None,
                      until_seq: int = 0) -> tuple[float, dict[str, Any], int]:  # fmt: skip
            ws = await WSClient.connect(node.ws + "/ws", "prikbord.v1")
            done = asyncio.get_running_loop().create_future()
            welcome: dict[str, Any] = {}
            size = 0

            def on_message(_op: int, data: bytes) -> None:
                nonlocal welcome, size
                msg = msgpack.unpackb(data)
                if msg.get("t") == "welcome":
                    welcome, size = msg, len(data)
                    if not until_seq or int(msg["seq"]) >= until_seq:
                        done.set_result(time.perf_counter())
                elif msg.get("t") == "events" and until_seq:
                    if int(msg["ev"][-1]["seq"]) >= until_seq and not done.done():
                        done.set_result(time.perf_counter())

            ws.on_message = on_message
            hello: dict[str, Any] = {"t": "hello", "v": 1, "board": board, "token": token,
                                     "name": "joiner"}  # fmt: skip
            if resume:
                hello["resume"] = {"epoch": resume[0], "seq": resume[1]}
            t = time.perf_counter()
            ws.send_binary(msgpack.packb(hello))
            finished = await asyncio.wait_for(done, 60)
            ws.close()
            return finished - t, welcome, size

        async def run() -> None:
            pid = [node.pid]
            c0 = cpu_seconds(pid)
            cold, welcome, size = await one()
            c1 = cpu_seconds(pid)
            out["cold_join_ms"] = cold * 1000
            out["cold_join_server_cpu_ms"] = (c1 - c0) * 1000
            out["welcome_bytes"] = size
            out["snapshot_cards"] = len(welcome.get("snapshot", {}).get("cards", {}))
            times = []
            c0 = cpu_seconds(pid)
            for _ in range(reps):
                t, _w, _s = await one()
                times.append(t)
            c1 = cpu_seconds(pid)
            out["warm_join_ms_p50"] = statistics.median(times) * 1000
            out["warm_join_ms_max"] = max(times) * 1000
            out["warm_join_server_cpu_ms"] = (c1 - c0) * 1000 / reps
            # Resume: remember where we were, let `missed` events happen, come back.
            epoch, seq = welcome["epoch"], int(welcome["seq"])
            await _publish_n(node, board, token, missed)
            head = env.head(board)
            c0 = cpu_seconds(pid)
            t, w, _s = await one((epoch, seq), until_seq=head)
            c1 = cpu_seconds(pid)
            out["resume_ms"] = t * 1000
            out["resume_server_cpu_ms"] = (c1 - c0) * 1000
            out["resume_recovered"] = bool(w.get("recovered"))

        uvloop.run(run())
    return out


async def _publish_n(node: Node, board: str, token: str, n: int) -> None:
    ops = [{"type": "card.move", "id": f"c{i % 50}", "x": i % 10000} for i in range(n)]
    await _send_ops(node, board, token, "mover", ops, op_prefix="mv", strict=False)


async def _send_ops(
    node: Node,
    board: str,
    token: str,
    name: str,
    ops: list[dict[str, Any]],
    *,
    op_prefix: str,
    strict: bool,
) -> None:
    """Join as ``name``, send ``ops`` without waiting, return when each has
    its answer. ``strict``: an error frame stops the bench (fixture data
    must all land); otherwise errors count as answers."""
    import asyncio

    from bench.wsclient import WSClient

    ws = await WSClient.connect(node.ws + "/ws", "prikbord.v1")
    done = asyncio.get_running_loop().create_future()
    answered = 0

    def on_message(_op: int, data: bytes) -> None:
        nonlocal answered
        msg = msgpack.unpackb(data)
        if msg.get("t") in ("ack", "error"):
            if strict and msg["t"] == "error":
                raise RuntimeError(f"bench op refused: {msg}")
            answered += 1
            if answered == len(ops) and not done.done():
                done.set_result(None)
        elif msg.get("t") == "welcome" and not ops and not done.done():
            done.set_result(None)

    ws.on_message = on_message
    ws.send_binary(msgpack.packb({"t": "hello", "v": 1, "board": board, "token": token,
                                  "name": name}))  # fmt: skip
    for i, op in enumerate(ops):
        ws.send_binary(msgpack.packb({"t": "op", "id": f"{op_prefix}{i}", "op": op}))
        if i % 200 == 199:
            await asyncio.sleep(0)
    await asyncio.wait_for(done, 120)
    ws.close()


# --- 4. reconnect storm ---------------------------------------------------------


def storm(env: Env, n_clients: int, rate: float, restart: str = "term") -> dict[str, Any]:
    """``n_clients`` on one board over 2 nodes while a publisher runs; node B
    is restarted; clients reconnect (any node, jittered backoff) and resume."""
    with nodes(env, "prikbord") as ns:
        created = procs.create_board(ns[0])
        board, token = created["board"], procs.token_of(created["links"]["participant"])
        a, b = ns
        subs = [Spec([(a, b)[i % 2].ws, (b, a)[i % 2].ws], board, token, reconnect=True)
                for i in range(n_clients)]  # fmt: skip
        duration = 12.0
        pub = Spec([a.ws], board, token, rate=rate, duration=duration, subscribe=False)
        workers = Workers("prikbord", [*_split(subs), [pub]])
        try:
            time.sleep(1.0)
            t0 = time.time() + 0.2
            workers.go(t0)
            time.sleep(3.0)
            t_kill = time.time()
            b.stop(signal.SIGKILL if restart == "kill" else signal.SIGTERM)
            new_b = start_node("prikbord", env.redis_url, env.workdir / "nodes", port=b.port)
            ns[1] = new_b
            t_back = time.time()
            # Every client of the restarted node must be back (bounded), then
            # the stream must go quiet, before loss is counted.
            deadline = time.time() + STORM_MAX_S
            while time.time() < deadline:
                c = workers.counts()
                if sum(int(x["resumed"]) for x in c) >= n_clients // 2:
                    break
                time.sleep(0.2)
            _drain(workers, 10**12, t0 + duration)
            heads = {board: env.head(board)}
            res = workers.collect(heads)
        finally:
            workers.kill()
    resumes = res.get("resume_times", [])
    return {
        "scenario": "storm", "system": "prikbord", "clients": n_clients, "rate": rate,
        "restart": restart, "node_restart_s": t_back - t_kill,
        "reconnected": len(resumes), "reconnects": int(res["reconnects"]),
        "all_resumed_s": (max(resumes) if resumes else 0.0),
        "all_resumed_after_restart_s": max(0.0, float(res["last_welcome_at"]) - t_kill),
        "resume_p50_s": statistics.median(resumes) if resumes else 0.0,
        "not_recovered": int(res["not_recovered"]),
        "lost": int(res["lost"]), "doubled": int(res["doubled"]),
        "deliveries": int(res["deliveries"]), "open_subs": int(res["open_subs"]),
        "close_codes": res.get("close_codes", {}),
    }  # fmt: skip


# --- 5. memory ---------------------------------------------------------------


def memory(env: Env, system: str, n_conns: int, boards: int) -> dict[str, Any]:
    """Server RSS per idle connection: (RSS with ``n_conns`` joined - RSS of
    the same nodes before any client) / ``n_conns``."""
    client_system = procs.base_system(system)
    with nodes(env, system) as ns:
        ids: list[tuple[str, str]] = [("", "")]
        if client_system == "prikbord":
            ids = []
            for i in range(boards):
                created = procs.create_board(ns[i % 2])
                ids.append((created["board"], procs.token_of(created["links"]["participant"])))
        # Warm each node once (imports, hubs, first-connection allocations).
        warm_specs = [Spec([n.ws], *ids[j % len(ids)]) for j, n in enumerate(ns)]
        warm = Workers(client_system, [warm_specs])
        time.sleep(0.5)
        pids = [n.pid for n in ns]
        rss0 = rss_bytes(pids)
        specs = [Spec([ns[i % 2].ws], *ids[i % len(ids)]) for i in range(n_conns)]
        workers = Workers(client_system, _split(specs, 1000))
        try:
            time.sleep(3.0)  # presence settles
            rss1 = rss_bytes(pids)
            workers.collect()
            warm.collect()
        finally:
            workers.kill()
            warm.kill()
    return {
        "scenario": "memory", "system": system, "connections": n_conns,
        "connect_failed": workers.failed, "connect_why": workers.why, "rss_before_mb": rss0 / 2**20,
        "rss_after_mb": rss1 / 2**20,
        "kib_per_conn": (rss1 - rss0) / 1024 / max(1, n_conns - workers.failed),
    }  # fmt: skip


# --- 6. ops throughput -------------------------------------------------------------


def ops_throughput(env: Env, writers: int, window: int, duration: float) -> dict[str, Any]:
    """Acked ops/s into one board from ``writers`` connections over 2 nodes,
    each keeping ``window`` ops in flight; Valkey runs ``appendfsync always``.
    The disk's sequential fsync rate is measured beside it (the limit for ops
    that wait for their own fsync one after another)."""
    fsyncs = procs.fsync_rate(env.workdir)
    with nodes(env, "prikbord") as ns:
        created = procs.create_board(ns[0])
        board, token = created["board"], procs.token_of(created["links"]["participant"])
        specs = [Spec([ns[i % 2].ws], board, token, window=window, duration=duration)
                 for i in range(writers)]  # fmt: skip
        workers = Workers("prikbord", _split(specs, 25))
        try:
            time.sleep(1.0)
            pids = [n.pid for n in ns]
            cpu0, vk0, each0 = cpu_seconds(pids), env.valkey_cpu(), env.valkey_cpu_each()
            t0 = time.time() + 0.2
            workers.go(t0)
            end = _drain(workers, 10**12, t0 + duration)
            cpu1, vk1 = cpu_seconds(pids), env.valkey_cpu()
            shards = env.valkey_pct_each(each0, max(1e-9, end - t0))
            c = workers.counts()
            heads = {board: env.head(board)}
            res = workers.collect(heads)
        finally:
            workers.kill()
    acked = sum(int(x["acked"]) for x in c)
    wall = max(1e-9, end - t0)
    return {
        "scenario": "ops", "system": "prikbord", "valkey": env.valkey, "writers": writers,
        "window": window,
        "acked": acked, "acked_per_s": acked / duration, "errors": res.get("errors", {}),
        "deliveries": int(res["deliveries"]), "lost": int(res["lost"]),
        "doubled": int(res["doubled"]),
        "server_cpu_pct": 100.0 * (cpu1 - cpu0) / wall,
        "valkey_cpu_pct": 100.0 * (vk1 - vk0) / wall,
        "server_cpu_us_per_op": 1e6 * (cpu1 - cpu0) / max(1, acked),
        "valkey_cpu_pct_per_shard": shards, "fsync_per_s": fsyncs,
    }  # fmt: skip
