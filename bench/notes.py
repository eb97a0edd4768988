"""Session notes under typing: ten people typing into one board's notes for
ten minutes — events per second, bytes per keystroke, snapshot size.

``python -m bench.notes [--typists 10] [--minutes 10] [--json FILE]``

**Simulated time, real code.** Minutes of typing are simulated on a clock
of 10 ms ticks, so the run takes seconds, not ten minutes. Everything else
is the real thing: each typist is a pycrdt document editing the notes as
the Python client does (client/notes.py: one update per transaction,
merged into one ``notes.update`` op per 150 ms batch), every op passes the
server's check before logging (server/notes.py: a trial merge) and is
encoded as a stored event (protocol/codec.py), every event is applied by
the reducer (protocol/reducer.py) on the server's replica, and reaches the
other typists after a simulated 100 ms network delay, so they type into a
text that is moving, as in a room. Typing: bursts of 2 to 40 keys at 3 to
8 keys a second (so a typist averages about 3 keys a second over a minute,
pauses included), at a position of the typist's own near the end of a
paragraph; one key in ten is a backspace. At the end every typist's text
must equal the server's (convergence) and every key must be accounted for.

Reported: notes events and ops per second (mean and the busiest second
against the op rate limits), bytes per keystroke (Yjs update, and the whole
stored event), the merged snapshot's size against the text (it holds the
document, not the history), the log bytes the same typing would take
without snapshots, and the server's CPU per event (check + apply, real time
on this machine).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Text, TransactionEvent, merge_updates

from protocol import codec, limits
from protocol.model import BoardState, to_wire
from protocol.ops import NotesUpdate
from protocol.reducer import apply
from server.notes import notes_refusal

TICK_MS = 10
LATENCY_MS = 100


@dataclass
class _Typist:
    n: int
    rnd: random.Random
    doc: Doc[Any] = field(init=False)
    buffer: list[bytes] = field(default_factory=list)
    batch_due: int | None = None
    burst_left: int = 0
    next_key_at: int = 0
    keys: int = 0
    cursor_mark: str = ""

    def __post_init__(self) -> None:
        self.doc = Doc(client_id=1000 + self.n)
        self._remote = False
        self.doc.observe(self._on_txn)
        self.cursor_mark = f"[{self.n}]"

    @property
    def text(self) -> Text:
        text: Text = self.doc.get("notes", type=Text)
        return text

    def _on_txn(self, event: TransactionEvent) -> None:
        if not self._remote:
            self.buffer.append(event.update)

    def receive(self, update: bytes) -> None:
        self._remote = True
        try:
            self.doc.apply_update(update)
        finally:
            self._remote = False

    def _position(self) -> int:
        """Each typist writes at the end of a line of their own (found by a
        marker they typed first), so paragraphs interleave as in real notes."""
        text = str(self.text)
        at = text.find(self.cursor_mark)
        if at < 0:
            return -1
        end = text.find("\n", at)
        return len(text) if end < 0 else end

    def tick(self, now: int) -> None:
        if now < self.next_key_at:
            return
        if self.burst_left == 0:  # a pause, then the next burst
            self.burst_left = self.rnd.randint(2, 40)
            self.next_key_at = now + self.rnd.randint(1000, 12000)
            return
        pos = self._position()
        if pos < 0:
            self.text.insert(len(self.text), f"\n{self.cursor_mark} ")
        elif self.rnd.random() < 0.1 and pos > 0 and str(self.text)[pos - 1] not in " ]":
            del self.text[pos - 1 : pos]
        else:
            self.text.insert(pos, self.rnd.choice("abcdefghijklmnopqrstuvwxyz     "))
        self.keys += 1
        self.burst_left -= 1
        self.next_key_at = now + int(1000 / self.rnd.uniform(3, 8))
        if self.batch_due is None:
            self.batch_due = now + limits.NOTES_BATCH_MS

    def take_batch(self, now: int) -> bytes | None:
        if self.batch_due is None or now < self.batch_due or not self.buffer:
            return None
        update = merge_updates(*self.buffer) if len(self.buffer) > 1 else self.buffer[0]
        self.buffer.clear()
        self.batch_due = None
        return update


def run(typists: int, minutes: float, seed: int = 1) -> dict[str, Any]:
    rnd = random.Random(seed)
    people = [_Typist(i, random.Random(rnd.random())) for i in range(typists)]
    state = BoardState("bench")
    in_flight: list[tuple[int, int, bytes]] = []  # (arrives at, from typist, update)
    per_second: Counter[int] = Counter()
    update_bytes = event_bytes = events = refused = 0
    cpu = 0.0
    end = int(minutes * 60_000)
    for now in range(0, end + 2000, TICK_MS):
        if now < end:
            for p in people:
                p.tick(now)
        for p in people:
            update = p.take_batch(now) if now < end else p.take_batch(10**12)
            if update is None:
                continue
            op = NotesUpdate(type="notes.update", doc="board", update=update)
            started = time.perf_counter()
            if notes_refusal(state, op) is not None:
                refused += 1
                continue
            head, tail = codec.event_parts(
                op_id=f"{p.n}-{events}", actor=f"a{p.n}", name=f"Typist {p.n}",
                role="participant", at=now, op=op,
            )  # fmt: skip
            raw = codec.seal_event(head, state.seq + 1, tail)
            apply(state, codec.decode_event(raw))
            cpu += time.perf_counter() - started
            events += 1
            per_second[now // 1000] += 1
            update_bytes += len(update)
            event_bytes += len(raw)
            in_flight.append((now + LATENCY_MS, p.n, update))
        arrived = [m for m in in_flight if m[0] <= now]
        in_flight = [m for m in in_flight if m[0] > now]
        for _, sender, update in arrived:
            for p in people:
                if p.n != sender:
                    p.receive(update)
    server_text = state.notes["board"].text()
    converged = all(str(p.text) == server_text for p in people)
    keys = sum(p.keys for p in people)
    snapshot = codec.pack(to_wire(state))
    seconds = minutes * 60
    return {
        "scenario": "notes",
        "typists": typists,
        "minutes": minutes,
        "simulated": True,
        "keystrokes": keys,
        "keys_per_second_per_typist": round(keys / typists / seconds, 2),
        "events": events,
        "refused": refused,
        "events_per_second": round(events / seconds, 2),
        "events_per_second_peak": max(per_second.values(), default=0),
        "ops_per_second_per_typist_peak": round(1000 / limits.NOTES_BATCH_MS, 1),
        "bytes_per_keystroke_update": round(update_bytes / max(keys, 1), 1),
        "bytes_per_keystroke_event": round(event_bytes / max(keys, 1), 1),
        "log_bytes_without_snapshots": event_bytes,
        "text_chars": len(server_text),
        "notes_state_bytes": len(state.notes["board"].state()),
        "snapshot_bytes": len(snapshot),
        "server_cpu_ms_per_event": round(1000 * cpu / max(events, 1), 3),
        "converged": converged,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notes", description=__doc__)
    parser.add_argument("--typists", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None, help="write the result here")
    args = parser.parse_args(argv)
    result = run(args.typists, args.minutes, args.seed)
    for key, value in result.items():
        print(f"{key:34} {value}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"results": [result]}, f, indent=1)
    return 0 if result["converged"] and result["refused"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
