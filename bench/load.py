"""Load-generator processes: many WebSocket clients per process, on uvloop.

The parent (``bench.scenarios``) starts :func:`worker` in separate processes
and talks to each over a pipe:

* the worker connects its share of clients and answers ``("ready", info)``;
* ``("go", t0)``: clients with a publish spec start publishing at ``t0``;
* ``("count",)`` → ``("count", deliveries)``: for drain detection;
* ``("restart", ...)`` is not needed: clients reconnect by themselves;
* ``("collect", heads)`` → ``("result", dict)``, then the worker exits.

Every published message carries its send time (``time.time()``, same
machine) and a publisher counter ``k``; latency is receive time minus send
time, per delivery. Loss and doubles are counted per subscriber: for
Prikbord by ``seq`` against the board's final log head (every seq after the
welcome must arrive exactly once), for the peers by ``k`` (every message
published must arrive exactly once).
"""

from __future__ import annotations

import array
import asyncio
import json
import os
import random
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from typing import Any

import msgpack
import uvloop

from bench.procs import SOCKETIO_SYSTEMS
from bench.wsclient import WSClient

SUBPROTOCOL = "prikbord.v1"
#: Padding chosen so one delivered message is ~200 bytes on the wire for
#: every system (Prikbord's event carries actor, name, role, seq, at, ...).
PRIKBORD_BODY = 70
PEER_BODY = 170
CONNECT_CONCURRENCY = 64
#: Reconnect backoff (SPEC §10): start here, double, full jitter.
BACKOFF_START = 0.5
BACKOFF_MAX = 30.0


@dataclass
class Spec:
    """One client. ``urls`` are tried in turn when reconnecting."""

    urls: list[str]
    board: str = ""
    token: str = ""
    #: Publish ``rate`` messages/s for ``duration`` s after "go" (0 = subscriber only).
    rate: float = 0.0
    #: Or: keep ``window`` ops outstanding (closed loop on acks) for ``duration`` s.
    window: int = 0
    duration: float = 0.0
    #: Count deliveries (a publisher in fan-out is not a subscriber).
    subscribe: bool = True
    #: Reconnect with resume after an unexpected close (Prikbord only).
    reconnect: bool = False
    #: Resume from this (epoch, seq) on the first connect (Prikbord only).
    resume: tuple[str, int] | None = None


@dataclass
class _Stats:
    latencies: array.array[float] = field(default_factory=lambda: array.array("d"))
    deliveries: int = 0
    frames: int = 0
    bytes: int = 0
    published: int = 0
    acked: int = 0
    errors: dict[int, int] = field(default_factory=dict)
    close_codes: dict[int, int] = field(default_factory=dict)
    reconnects: int = 0
    not_recovered: int = 0
    resume_times: list[float] = field(default_factory=list)
    last_welcome_at: float = 0.0
    join_times: list[float] = field(default_factory=list)


class _Client:
    """One connection of any system, with its per-subscriber counters."""

    def __init__(self, system: str, spec: Spec, idx: int, stats: _Stats) -> None:
        self.system, self.spec, self.idx, self.stats = system, spec, idx, stats
        self.ws: WSClient | None = None
        self.ready: asyncio.Future[None] | None = None
        self.k_counts = bytearray()
        self.seq_base = -1  # Prikbord: the seq of the first welcome
        self.seq_counts = bytearray()
        self.last_seq = 0
        self.epoch = ""
        self.identity = ""
        self.closing = False
        self.url_i = 0
        self.disconnected_at = 0.0
        self.outstanding = 0
        self.ack_event = asyncio.Event()
        self.watcher: asyncio.Task[None] | None = None

    # --- connecting ----------------------------------------------------------

    async def connect(self, first: bool = True) -> None:
        loop = asyncio.get_running_loop()
        self.ready = loop.create_future()
        url = self.spec.urls[self.url_i]
        started = time.time()
        if self.system == "prikbord":
            ws = await WSClient.connect(url + "/ws", SUBPROTOCOL, on_message=self._on_prikbord)
            hello: dict[str, Any] = {"t": "hello", "v": 1, "board": self.spec.board,
                                     "token": self.spec.token, "name": f"b{self.idx}"}  # fmt: skip
            resume = self.spec.resume if first else (self.epoch, self.last_seq)
            if self.identity:
                hello["identity"] = self.identity
            if resume is not None and resume[0]:
                hello["resume"] = {"epoch": resume[0], "seq": resume[1]}
            self.ws = ws
            ws.send_binary(msgpack.packb(hello))
        elif self.system in SOCKETIO_SYSTEMS:
            self.ws = ws = await WSClient.connect(
                url + "/socket.io/?EIO=4&transport=websocket", on_message=self._on_socketio
            )
        else:
            path = "/ws" if self.spec.subscribe else "/pub"
            self.ws = ws = await WSClient.connect(url + path, on_message=self._on_raw)
            if not self.spec.subscribe:
                self.ready.set_result(None)
        done, _ = await asyncio.wait([self.ready, ws.closed], timeout=60,
                                     return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        if self.ready not in done:
            ws.close()
            raise ConnectionError(f"closed before joining: {ws.close_code}")
        self.stats.join_times.append(time.time() - started)
        if self.spec.reconnect:
            self.watcher = loop.create_task(self._watch(ws))

    async def _watch(self, ws: WSClient) -> None:
        code = await ws.closed
        if self.closing:
            return
        self.stats.close_codes[code] = self.stats.close_codes.get(code, 0) + 1
        self.disconnected_at = time.time()
        self.stats.reconnects += 1
        backoff = BACKOFF_START
        while not self.closing:
            await asyncio.sleep(random.uniform(0, backoff))
            self.url_i = (self.url_i + 1) % len(self.spec.urls)
            try:
                await self.connect(first=False)
                return
            except (OSError, ConnectionError, TimeoutError):
                backoff = min(BACKOFF_MAX, backoff * 2)

    # --- receiving -------------------------------------------------------------

    def _delivered(self, k: int, sent_at: float, now: float, count: bool = True) -> None:
        st = self.stats
        st.deliveries += count
        st.latencies.append(now - sent_at)
        counts = self.k_counts
        if k >= len(counts):
            counts.extend(bytes(k + 1 - len(counts)))
        if counts[k] < 255:
            counts[k] += 1

    def _on_prikbord(self, _opcode: int, data: bytes) -> None:
        now = time.time()
        msg = msgpack.unpackb(data)
        t = msg.get("t")
        st = self.stats
        if t == "events":
            st.frames += 1
            st.bytes += len(data)
            for ev in msg["ev"]:
                self._on_event(ev, now)
        elif t == "welcome":
            self.epoch, self.identity = msg["epoch"], msg["identity"]
            seq = int(msg["seq"])
            if self.seq_base < 0:
                self.seq_base = seq
            elif not msg["recovered"]:
                st.not_recovered += 1
            self.last_seq = seq
            st.last_welcome_at = now
            if self.disconnected_at:
                st.resume_times.append(now - self.disconnected_at)
                self.disconnected_at = 0.0
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(None)
        elif t == "ack":
            st.acked += 1
            self.outstanding -= 1
            self.ack_event.set()
        elif t == "error":
            code = int(msg.get("code", 0))
            st.errors[code] = st.errors.get(code, 0) + 1
            self.outstanding -= 1
            self.ack_event.set()

    def _on_event(self, ev: dict[str, Any], now: float) -> None:
        seq = int(ev["seq"])
        self.last_seq = max(self.last_seq, seq)
        if not self.spec.subscribe:
            return
        idx = seq - self.seq_base - 1
        if idx < 0:
            return
        counts = self.seq_counts
        if idx >= len(counts):
            counts.extend(bytes(idx + 1 - len(counts)))
        if counts[idx] < 255:
            counts[idx] += 1
        self.stats.deliveries += 1
        op = ev.get("op")
        title = op.get("title", "") if isinstance(op, dict) else ""
        if not title and isinstance(op, dict) and op.get("type") == "view.patch":
            # A moderated board: the card reaches participants in a patch.
            card = next(iter((op.get("cards") or {}).values()), None)
            title = card.get("title", "") if isinstance(card, dict) else ""
        k_s, _, t_s = title.partition(" ")
        if t_s and k_s.isdigit():
            self._delivered(int(k_s), float(t_s), now, count=False)

    def _on_raw(self, _opcode: int, data: bytes) -> None:
        if data == b"ready":
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(None)
            return
        now = time.time()
        self.stats.frames += 1
        self.stats.bytes += len(data)
        k, sent_at, _body = msgpack.unpackb(data)
        self._delivered(k, sent_at, now)

    def _on_socketio(self, _opcode: int, data: bytes) -> None:
        ws = self.ws
        if ws is None:  # the open packet came with the upgrade: answer once connected
            asyncio.get_running_loop().call_soon(self._on_socketio, _opcode, data)
            return
        if data[:2] == b"42":
            now = time.time()
            self.stats.frames += 1
            self.stats.bytes += len(data)
            _name, payload = json.loads(data[2:])
            self._delivered(payload["k"], payload["t"], now)
        elif data[:1] == b"2":
            ws.send_text("3")
        elif data[:1] == b"0":
            ws.send_text("40" + json.dumps({"sub": 1}) if self.spec.subscribe else "40")
        elif data[:2] == b"40":
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(None)

    # --- publishing -----------------------------------------------------------

    def _publish(self, k: int) -> None:
        assert self.ws is not None
        now = time.time()
        if self.system == "prikbord" and self.spec.window and k:
            # Closed-loop writers move their own card: a board holds at most
            # 5,000 cards (SPEC §4), and a move is a typical small op.
            op = {"type": "card.move", "id": f"c{self.idx}x0", "x": k % 10000}
            self.ws.send_binary(msgpack.packb({"t": "op", "id": f"o{k}", "op": op}))
            self.outstanding += 1
        elif self.system == "prikbord":
            op = {
                "type": "card.add",
                "id": f"c{self.idx}x{k}",
                "title": f"{k} {now:.6f}",
                "body": "x" * PRIKBORD_BODY,
                "color": "yellow",
                "x": k % 10000,
                "y": 0,
            }
            self.ws.send_binary(msgpack.packb({"t": "op", "id": f"o{k}", "op": op}))
            self.outstanding += 1
        elif self.system in SOCKETIO_SYSTEMS:
            payload = {"k": k, "t": now, "body": "x" * PEER_BODY}
            self.ws.send_text("42" + json.dumps(["pub", payload]))
        else:
            self.ws.send_binary(msgpack.packb([k, now, "x" * PEER_BODY]))
        self.stats.published += 1

    async def publish(self, t0: float) -> None:
        spec = self.spec
        end = t0 + spec.duration
        await asyncio.sleep(max(0.0, t0 - time.time()))
        k = 0
        if spec.window:
            while time.time() < end:
                while self.outstanding >= spec.window:
                    self.ack_event.clear()
                    await self.ack_event.wait()
                self._publish(k)
                k += 1
            return
        total = int(spec.rate * spec.duration)
        # Spread publishers' phases so many boards do not publish in lockstep.
        phase = random.uniform(0, 1 / spec.rate) if spec.rate else 0.0
        while k < total:
            due = t0 + phase + k / spec.rate
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._publish(k)
            k += 1

    # --- results ---------------------------------------------------------------

    def loss(self, expected: int) -> tuple[int, int]:
        """(lost, doubled) against ``expected`` messages or seqs."""
        counts = self.seq_counts if self.system == "prikbord" else self.k_counts
        seen = counts[:expected].ljust(expected, b"\0")
        lost = seen.count(0)
        doubled = sum(c - 1 for c in seen if c > 1) + sum(counts[expected:])
        return lost, doubled


async def _run(system: str, specs: list[Spec], base_idx: int, pipe: Pipe) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    loop.add_reader(pipe.fileno(), lambda: inbox.put_nowait(pipe.recv()))
    # uvloop made the pipe non-blocking; a large result must not hit EAGAIN.
    os.set_blocking(pipe.fileno(), True)
    stats = _Stats()
    clients = [_Client(system, s, base_idx + i, stats) for i, s in enumerate(specs)]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failed = 0
    reasons: dict[str, int] = {}

    async def connect(c: _Client) -> None:
        nonlocal failed
        async with gate:
            try:
                await c.connect()
            except (OSError, ConnectionError, TimeoutError) as exc:
                failed += 1
                code = c.ws.close_code if c.ws is not None else 0
                why = f"{type(exc).__name__}:{code}"
                c.ws = None
                reasons[why] = reasons.get(why, 0) + 1

    t_connect = time.time()
    await asyncio.gather(*(connect(c) for c in clients))
    pipe.send(("ready", {"connected": len(clients) - failed, "failed": failed, "why": reasons,
                         "seconds": time.time() - t_connect}))  # fmt: skip
    pubs: list[asyncio.Task[None]] = []
    while True:
        msg = await inbox.get()
        if msg[0] == "go":
            pubs = [loop.create_task(c.publish(msg[1])) for c in clients
                    if c.spec.rate or c.spec.window]  # fmt: skip
        elif msg[0] == "count":
            done = all(p.done() for p in pubs)
            pipe.send(("count", {"deliveries": stats.deliveries, "published": stats.published,
                                 "acked": stats.acked, "pub_done": done,
                                 "welcomes": stats.last_welcome_at,
                                 "resumed": len(stats.resume_times)}))  # fmt: skip
        elif msg[0] == "collect":
            heads: dict[str, int] = msg[1].get("heads", {})
            expected_k: int = msg[1].get("k", 0)
            lost = doubled = subs = 0
            open_subs = 0
            for c in clients:
                if not c.spec.subscribe:
                    continue
                subs += 1
                if c.ws is not None and not c.ws.closed.done():
                    open_subs += 1
                if system == "prikbord":
                    expected = heads.get(c.spec.board, 0) - max(c.seq_base, 0)
                else:
                    expected = expected_k
                lo, do = c.loss(expected)
                lost += lo
                doubled += do
            for c in clients:
                c.closing = True
                if c.ws is not None:
                    c.ws.close()
            pipe.send(("result", {
                "subs": subs, "open_subs": open_subs, "deliveries": stats.deliveries,
                "lost": lost, "doubled": doubled, "frames": stats.frames, "bytes": stats.bytes,
                "published": stats.published, "acked": stats.acked, "errors": stats.errors,
                "close_codes": stats.close_codes, "reconnects": stats.reconnects,
                "not_recovered": stats.not_recovered, "resume_times": stats.resume_times,
                "last_welcome_at": stats.last_welcome_at, "join_times": stats.join_times,
                "latencies": stats.latencies.tobytes(),
            }))  # fmt: skip
            await asyncio.sleep(0.2)
            return


def worker(system: str, specs: list[Spec], base_idx: int, pipe: Pipe) -> None:
    """Process entry point."""
    uvloop.run(_run(system, specs, base_idx, pipe))
