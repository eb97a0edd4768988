"""Generate protocol/vectors/notes.json: Yjs updates made by pycrdt, the text
and merged state they give (applied in order), and reducer cases with
notes events. Its twin, notes_yjs.json, is made by yjs
(client/web/scripts/notes-vectors.mjs); each side replays both files, so
updates made by either library merge to the same text and the same bytes
in the other (tests/unit/test_notes_vectors.py, client/web/test/notes.test.ts).

Binary values are hex strings. Run: python scripts/gen_notes_vectors.py [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pycrdt import Doc, Text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "protocol" / "vectors" / "notes.json"


class _Typist:
    def __init__(self, client_id: int) -> None:
        self.doc: Doc[Any] = Doc(client_id=client_id)
        self.text = self.doc.get("notes", type=Text)
        self.sent: list[bytes] = []

    def edit(self, index: int, insert: str = "", delete: int = 0) -> bytes:
        before = self.doc.get_state()
        with self.doc.transaction():
            if delete:
                del self.text[index : index + delete]
            if insert:
                self.text.insert(index, insert)
        update = self.doc.get_update(before)
        self.sent.append(update)
        return update

    def receive(self, update: bytes) -> None:
        self.doc.apply_update(update)


def _merged(updates: list[bytes]) -> tuple[str, bytes]:
    doc: Doc[Any] = Doc(client_id=1)
    for u in updates:
        doc.apply_update(u)
    return str(doc.get("notes", type=Text)), doc.get_update()


def _case(name: str, updates: list[bytes]) -> dict[str, Any]:
    text, state = _merged(updates)
    return {"name": name, "updates": [u.hex() for u in updates], "text": text, "state": state.hex()}


def merge_cases() -> list[dict[str, Any]]:
    cases = []
    ann = _Typist(101)
    log = [ann.edit(0, "Hello"), ann.edit(5, " world"), ann.edit(0, delete=1), ann.edit(0, "J")]
    cases.append(_case("one typist: insert, append, delete, insert", log))

    ann, bob = _Typist(201), _Typist(202)
    start = ann.edit(0, "Decided: ")
    bob.receive(start)
    a = [ann.edit(9 + i, ch) for i, ch in enumerate("ship")]
    b = [bob.edit(9 + i, ch) for i, ch in enumerate("wait")]
    cases.append(_case("two typists in one paragraph, Ann's first", [start, *a, *b]))
    cases.append(_case("two typists in one paragraph, Bob's first", [start, *b, *a]))

    ann, bob = _Typist(301), _Typist(302)
    first = ann.edit(0, "- [ ] send slides @Anna\n- [ ] book a room\n")
    bob.receive(first)
    cut = bob.edit(2, delete=3)  # Bob ticks the first box: "[ ]" → "[x]"
    tick = bob.edit(2, "[x]")
    more = ann.edit(len("- [ ] send slides @Anna\n- [ ] book a room\n"), "- [ ] café ☕ 👍\n")
    name = "checkbox ticked while the other types on (unicode)"
    cases.append(_case(name, [first, cut, tick, more]))
    return cases


def reducer_cases() -> list[dict[str, Any]]:
    ann, bob = _Typist(401), _Typist(402)
    notes_a = ann.edit(0, "## Notes\n")
    desc = bob.edit(0, "why this idea")

    def ev(seq: int, actor: str, op: dict[str, Any], role: str = "participant") -> dict[str, Any]:
        return {"seq": seq, "op_id": f"o{seq}", "actor": actor, "name": actor.upper(), "role": role,
                "at": 1000 * seq, "op": op}  # fmt: skip

    def notes(doc: str, update: bytes) -> dict[str, Any]:
        return {"type": "notes.update", "doc": doc, "update": update.hex()}

    card = {"type": "card.add", "id": "c1", "kind": "note", "title": "idea", "body": "",
            "color": "yellow", "pos": "a0", "x": 0, "y": 0}  # fmt: skip
    events = [
        ev(1, "ann", notes("board", notes_a)),
        ev(2, "ann", card),
        ev(3, "bob", notes("card:c1", desc)),
        ev(4, "scr", notes("board", bob.edit(0, "NO ")), role="viewer"),  # refused: a viewer
    ]
    first = {"name": "board notes and a card description", "events": events,
             "texts": {"board": "## Notes\n", "card:c1": "why this idea"}}  # fmt: skip
    deleted = {"name": "a card's description goes with the card",
               "events": [*events, ev(5, "ann", {"type": "card.delete", "id": "c1"})],
               "texts": {"board": "## Notes\n"}}  # fmt: skip
    out = []
    for case in (first, deleted):
        texts = case["texts"]
        assert isinstance(texts, dict)
        case["states"] = {doc: _reduce(case["events"], doc) for doc in sorted(texts)}
        out.append(case)
    return out


def _reduce(events: Any, doc: str) -> str:
    from protocol.messages import Event
    from protocol.model import BoardState
    from protocol.reducer import apply

    state = BoardState("b1")
    for e in events:
        op = dict(e["op"])
        if op["type"] == "notes.update":
            op["update"] = bytes.fromhex(op["update"])
        apply(state, Event.model_validate({**e, "op": op}))
    return state.notes[doc].state().hex()


def vectors() -> dict[str, Any]:
    return {"version": 1, "made_by": "pycrdt", "merge": merge_cases(), "reducer": reducer_cases()}


def render(obj: Any) -> str:
    return json.dumps(obj, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    text = render(vectors())
    if "--check" in (argv or []):
        return 0 if OUT.read_text(encoding="utf-8") == text else 1
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
