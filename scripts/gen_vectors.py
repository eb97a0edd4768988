#!/usr/bin/env python3
"""Regenerate the golden vectors in ``protocol/vectors/`` (deterministically).

The TypeScript port of the codec and reducer replays these files; the Python
unit tier checks that the committed files equal what this script produces.

    python scripts/gen_vectors.py           # rewrite the files
    python scripts/gen_vectors.py --check   # exit 1 if they are stale

``reducer.json``: ``{"version": 1, "cases": [{name, board, events, expected}]}``;
each case starts from ``BoardState(board)`` at seq 0, applies ``events``
(wire maps, op defaults filled in) in order and must equal ``expected``
(``model.to_wire``).

``codec.json``: ``{"version": 1, "client_frames": [...], "events_frames": [...]}``;
a client frame is ``{name, hex, ok: true, message}`` (the decoded message as
``model_dump(exclude_none=True)``) or ``{name, hex, ok: false, code}``; an
events frame is ``{name, hex, frame}`` with the plain decoded msgpack value.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import msgpack

from protocol import codec, limits
from protocol.errors import ProtocolError
from protocol.messages import Event, Role
from protocol.model import BoardState, to_wire
from protocol.ops import ViewPatch
from protocol.reducer import apply

VERSION = 1
VECTORS = Path(__file__).resolve().parents[1] / "protocol" / "vectors"
T0 = 1_700_000_000_000  # event times: T0 + seq seconds

Step = tuple[str, Role, dict[str, Any] | None]  # actor, role, op (None = placeholder)
F: Role = "facilitator"
P: Role = "participant"
V: Role = "viewer"


def event_wire(
    seq: int, actor: str, role: Role, wire_op: dict[str, Any] | None, **over: Any
) -> dict[str, Any]:
    """An event map exactly as on the wire, op defaults filled in (a view
    patch, server-made, as the server encodes it)."""
    op: dict[str, Any] | None = None
    if wire_op is not None and wire_op.get("type") == "view.patch":
        op = codec.op_to_wire(ViewPatch.model_validate(wire_op))
    elif wire_op is not None:
        op = codec.op_to_wire(codec.op_from_wire(wire_op))
    event = {
        "seq": seq, "op_id": f"{actor}-{seq}", "actor": actor, "name": actor.capitalize(),
        "role": role, "at": T0 + seq * 1000, "op": op,
    }  # fmt: skip
    event.update(over)
    return event


def _case(name: str, steps: list[Step], *, board: str = "b1") -> dict[str, Any]:
    events = [event_wire(seq, *step) for seq, step in enumerate(steps, start=1)]
    return _case_of_events(name, events, board=board)


def _case_of_events(
    name: str, events: list[dict[str, Any]], *, board: str = "b1"
) -> dict[str, Any]:
    state = BoardState(board)
    for event in events:
        apply(state, Event.model_validate(event))
    return {"name": name, "board": board, "events": events, "expected": to_wire(state)}


def _add(card: str, **fields: Any) -> dict[str, Any]:
    return {"type": "card.add", "id": card, "title": f"Kaart {card}", **fields}


def _set(card: str, **fields: Any) -> dict[str, Any]:
    return {"type": "card.set", "id": card, **fields}


def _move(card: str, **fields: Any) -> dict[str, Any]:
    return {"type": "card.move", "id": card, **fields}


def _del(card: str) -> dict[str, Any]:
    return {"type": "card.delete", "id": card}


def _sec(sid: str, title: str = "Sectie", pos: str = "a0") -> dict[str, Any]:
    return {"type": "section.add", "id": sid, "title": title, "pos": pos}


def _comment(mid: str, card: str, body: str = "Goed idee") -> dict[str, Any]:
    return {"type": "comment.add", "id": mid, "card": card, "body": body}


def _react(card: str, emoji: str, on: bool = True) -> dict[str, Any]:
    return {"type": "reaction.set", "card": card, "emoji": emoji, "on": on}


def _vote(card: str) -> dict[str, Any]:
    return {"type": "vote.cast", "card": card}


def _unvote(card: str) -> dict[str, Any]:
    return {"type": "vote.retract", "card": card}


def _budget(n: int) -> dict[str, Any]:
    return {"type": "board.set", "vote_budget": n}


def _mod(card: str, action: str) -> dict[str, Any]:
    return {"type": "card.moderate", "id": card, "action": action}


def _cmod(comment: str, action: str) -> dict[str, Any]:
    return {"type": "comment.moderate", "id": comment, "action": action}


def _board(**fields: Any) -> dict[str, Any]:
    return {"type": "board.set", **fields}


def _timer(action: str, seconds: int | None = None) -> dict[str, Any]:
    return {"type": "timer.set", "action": action, "seconds": seconds}


def _spot(**target: str) -> dict[str, Any]:
    return {"type": "spotlight.set", **target}


def _patch(**fields: Any) -> dict[str, Any]:
    return {"type": "view.patch", **fields}


def _card_form(**fields: Any) -> dict[str, Any]:
    """A card's snapshot form as a view patch carries it."""
    form: dict[str, Any] = {
        "kind": "note", "title": "", "body": "", "color": "yellow", "url": "", "section": "",
        "pos": "a0", "x": 0, "y": 0, "author": "", "author_name": "", "created_at": 0,
        "updated_at": 0, "deleted": False, "status": "visible",
    }  # fmt: skip
    return {**form, **fields}


def facilitation_cases() -> list[dict[str, Any]]:
    """Moderation, lock, removal, timer, spotlight, rounds, settings (issue 9),
    and view patches: a replica of a restricted board is fed patches."""
    return [
        _case("approval: participants' posts wait, a facilitator's do not; approve, reject", [
            ("fran", F, _board(approval=True)),
            ("ann", P, _add("c1")),
            ("fran", F, _add("c2")),
            ("bob", P, _comment("m1", "c2", "eerst")),
            ("bob", P, _comment("m2", "c2", "tweede")),
            ("fran", F, _comment("m3", "c2", "van de facilitator")),
            ("fran", F, _mod("c1", "approve")),
            ("fran", F, _cmod("m1", "reject")),
            ("fran", F, _cmod("m2", "approve")),
            ("fran", F, _board(approval=False)),
            ("ann", P, _add("c3")),
        ]),
        _case("moderation: actions that do not fit the status, and by participants, are no-ops", [
            ("fran", F, _board(approval=True)),
            ("ann", P, _add("c1")),
            ("ann", P, _mod("c1", "approve")),
            ("fran", F, _mod("c1", "hide")),
            ("fran", F, _mod("c1", "restore")),
            ("fran", F, _mod("c1", "reject")),
            ("fran", F, _mod("c1", "approve")),
            ("fran", F, _mod("c1", "restore")),
            ("fran", F, _mod("c9", "approve")),
            ("fran", F, _cmod("m9", "hide")),
        ]),
        _case("hide and restore: others cannot touch a hidden card; author and facilitators can", [
            ("ann", P, _add("c1")),
            ("bob", P, _comment("m1", "c1")),
            ("fran", F, _mod("c1", "hide")),
            ("bob", P, _vote("c1")),
            ("bob", P, _react("c1", "👍")),
            ("bob", P, _comment("m2", "c1")),
            ("bob", P, {"type": "comment.delete", "id": "m1"}),
            ("ann", P, _vote("c1")),
            ("ann", P, _set("c1", body="nog steeds van mij")),
            ("fran", F, _vote("c1")),
            ("fran", F, _mod("c1", "restore")),
            ("bob", P, _vote("c1")),
            ("fran", F, _cmod("m1", "hide")),
            ("cas", P, {"type": "comment.delete", "id": "m1"}),
            ("bob", P, {"type": "comment.delete", "id": "m1"}),
        ]),
        _case("held posts: the word filter holds a participant's post, never a facilitator's", [
            ("fran", F, _board(filter=True)),
            ("ann", P, _add("c1", held=True)),
            ("fran", F, _add("c2", held=True)),
            ("ann", P, _add("c3")),
            ("ann", P, _set("c3", body="nu met een vies woord", held=True)),
            ("fran", F, _set("c2", body="ook vies", held=True)),
            ("bob", P, {**_comment("m1", "c2"), "held": True}),
            ("ann", P, _set("c1", held=True)),
            ("fran", F, _mod("c1", "approve")),
            ("fran", F, _mod("c3", "reject")),
        ]),
        _case("lock: participants cannot post, edit, vote or comment; a facilitator can", [
            ("ann", P, _add("c1")),
            ("fran", F, _board(locked=True)),
            ("ann", P, _add("c2")),
            ("ann", P, _set("c1", title="stiekem")),
            ("bob", P, _vote("c1")),
            ("bob", P, _comment("m1", "c1")),
            ("bob", P, _react("c1", "🎉")),
            ("fran", F, _add("c3")),
            ("fran", F, _set("c1", title="door facilitator")),
            ("fran", F, _vote("c1")),
            ("fran", F, _board(locked=False)),
            ("ann", P, _add("c4")),
        ]),
        _case("removal: every op of a removed actor is refused until restored", [
            ("ann", P, _add("c1")),
            ("fran", F, {"type": "participant.remove", "actor": "ann"}),
            ("ann", P, _add("c2")),
            ("ann", P, _del("c1")),
            ("fran", F, {"type": "participant.remove", "actor": "ann"}),
            ("bob", P, {"type": "participant.restore", "actor": "ann"}),
            ("fran", F, {"type": "participant.remove", "actor": "bob"}),
            ("fran", F, {"type": "participant.restore", "actor": "ann"}),
            ("ann", P, _add("c3")),
            ("fran", F, {"type": "participant.restore", "actor": "ann"}),
        ]),
        _case("timer: start, pause, resume and reset on event time", [
            ("fran", F, _timer("pause")),
            ("fran", F, _timer("resume")),
            ("fran", F, _timer("start", 300)),
            ("fran", F, _timer("pause")),
            ("fran", F, _timer("pause")),
            ("fran", F, _timer("resume")),
            ("ann", P, _timer("reset")),
        ]),
        _case("timer: reset clears it, start restarts it, a participant cannot", [
            ("fran", F, _timer("start", 60)),
            ("fran", F, _timer("reset")),
            ("fran", F, _timer("start", 86_400)),
            ("fran", F, _timer("start", 90)),
            ("ann", P, _timer("pause")),
        ]),
        _case("timer: a pause after the end keeps at least 1 ms to resume", [
            ("fran", F, _timer("start", 1)),
            ("fran", F, _add("c1")),
            ("fran", F, _timer("pause")),
            ("fran", F, _timer("resume")),
        ]),
        _case("spotlight: a visible card or a live section; end it", [
            ("fran", F, _sec("s1")),
            ("fran", F, _board(approval=True)),
            ("ann", P, _add("c1")),
            ("fran", F, _add("c2")),
            ("fran", F, _spot(card="c1")),
            ("fran", F, _spot(card="c2")),
            ("ann", P, _spot(section="s1")),
            ("fran", F, _spot(section="s1")),
            ("fran", F, _spot(section="s9")),
            ("fran", F, _spot(card="c9")),
            ("fran", F, _spot()),
            ("fran", F, _mod("c1", "approve")),
            ("fran", F, _spot(card="c1")),
        ]),
        _case("vote rounds: open, close stops voting, reopen with reset clears votes", [
            ("ann", P, _add("c1")),
            ("ann", P, _add("c2")),
            ("bob", P, _vote("c1")),
            ("fran", F, {"type": "round.close"}),
            ("fran", F, {"type": "round.open"}),
            ("bob", P, _vote("c2")),
            ("ann", P, _vote("c1")),
            ("ann", P, {"type": "round.close"}),
            ("fran", F, {"type": "round.close"}),
            ("bob", P, _vote("c2")),
            ("bob", P, _unvote("c1")),
            ("fran", F, _vote("c1")),
            ("fran", F, {"type": "round.open"}),
            ("bob", P, _unvote("c1")),
            ("fran", F, {"type": "round.close"}),
            ("fran", F, {"type": "round.open", "reset": True}),
            ("cas", P, _vote("c2")),
        ]),
        _case("settings: anonymous, hide until reveal, word filter and its words", [
            ("fran", F, _board(anonymous="others", hide_cards=True, filter=True,
                               words=["  vies woord ", "foei"])),
            ("ann", P, _board(anonymous="off", locked=True)),
            ("fran", F, _board(hide_cards=False)),
            ("fran", F, _board(anonymous="all", words=[])),
            ("fran", F, _board(anonymous="off", approval=True, locked=True, words=[" Foei  "])),
        ]),
        _case("hide until reveal: others' cards are missing to a participant until the reveal", [
            ("fran", F, _board(hide_cards=True)),
            ("ann", P, _add("c1")),
            ("bob", P, _vote("c1")),
            ("bob", P, _comment("m1", "c1")),
            ("ann", P, _vote("c1")),
            ("ann", P, _comment("m2", "c1", "eigen")),
            ("fran", F, _vote("c1")),
            ("fran", F, _board(hide_cards=False)),
            ("bob", P, _vote("c1")),
        ]),
        _case("tombstones keep their moderation status", [
            ("fran", F, _board(approval=True)),
            ("ann", P, _add("c1")),
            ("fran", F, _add("c2")),
            ("bob", P, _comment("m1", "c2")),
            ("ann", P, _del("c1")),
            ("bob", P, {"type": "comment.delete", "id": "m1"}),
            ("fran", F, _mod("c1", "approve")),
        ]),
        _case("view patches: set and remove objects, replace settings and session, no policy", [
            ("", P, _patch(settings={"title": "Bord", "layout": "grid", "theme": "dark",
                                     "vote_budget": 3, "approval": True, "locked": True,
                                     "hide_cards": False, "anonymous": "others",
                                     "filter": True, "words": []})),
            ("", P, _patch(sections={"s1": {"title": "Vraag", "pos": "a0", "deleted": False}},
                           cards={"c1": _card_form(title="Zichtbaar", section="s1",
                                                   author="", author_name="", created_at=5)})),
            ("ann", P, _patch(cards={"c2": _card_form(title="Van mij", author="ann",
                                                      author_name="Ann", status="pending")})),
            ("", P, _patch(comments={"m1": {"card": "c1", "body": "Ja", "author": "",
                                            "author_name": "", "created_at": 7,
                                            "deleted": False, "status": "visible"}},
                           reactions={"c1": {"👍": ["ann", "bob"]}},
                           votes={"c1": {"ann": 2}})),
            ("", P, _patch(session={"timer_duration": 60_000, "timer_ends_at": T0 + 65_000,
                                    "timer_remaining": 0, "spotlight_kind": "card",
                                    "spotlight_id": "c1", "round": 1, "round_open": True})),
            ("", P, _patch(cards={"c1": None}, comments={"m1": None}, reactions={"c1": None},
                           votes={"c1": None}, sections={"s1": None})),
            ("", P, _patch(removed=["zed"], votes={"c9": {}})),
            ("", P, _patch(removed=[], session={"round": 2})),
        ]),
        _case("view patches mixed with raw events: a hidden card leaves and comes back", [
            ("ann", P, _add("c1")),
            ("bob", P, _vote("c1")),
            ("bob", P, _comment("m1", "c1")),
            ("", P, _patch(cards={"c1": None}, votes={"c1": None}, comments={"m1": None})),
            ("", P, None),
            ("", P, _patch(cards={"c1": _card_form(title="Kaart c1", author="ann",
                                                   author_name="Ann", created_at=T0 + 1000,
                                                   updated_at=T0 + 1000)},
                           votes={"c1": {"bob": 1}})),
            ("bob", P, _vote("c1")),
        ]),
        _case("settings patch from an old server form: missing fields take defaults", [
            ("", P, _patch(settings={"title": "Oud", "layout": "wall", "theme": "light",
                                     "vote_budget": 5})),
            ("", P, _patch(cards={"c1": {"title": "Oude vorm", "author": "ann"}})),
        ]),
    ]  # fmt: skip


PHOTO: dict[str, Any] = {
    "id": "a" * 64, "name": "flip-over.jpg", "type": "image/jpeg", "size": 123_456,
    "kind": "image", "w": 4000, "h": 3000, "thumb": True,
}  # fmt: skip
PDF: dict[str, Any] = {
    "id": "b" * 64,
    "name": "flyer.pdf",
    "type": "application/pdf",
    "size": 999,
    "kind": "pdf",
}
LINK = "https://example.org/buurt"
PREVIEW: dict[str, Any] = {
    "url": LINK, "title": "De buurt", "description": "Wat er speelt", "site": "Example",
    "image": "c" * 64,
}  # fmt: skip
#: The server's own actor (link previews).
SYS = "system"


def card_field_cases() -> list[dict[str, Any]]:
    """Attachments, link previews, tags and the question/offer fields
    (issues 13, 14)."""
    return [
        _case("card fields: add with files and tags, set replaces lists, tombstone clears", [
            ("ann", P, _add("c1", files=[PHOTO, PDF], tags=["#Tuin ", "koken", "tuin"],
                            contact="bel 06-1234", expires=T0 + 86_400_000, kind="question")),
            ("ann", P, _set("c1", tags=["Buurt"], state="matched")),
            ("ann", P, _set("c1", files=[PDF], expires=0)),
            ("bob", P, _set("c1", state="resolved", files=[])),
            ("fran", F, _set("c1", state="resolved", contact="")),
            ("ann", P, _add("c2", files=[PHOTO], tags=[], state="open")),
            ("ann", P, _del("c2")),
        ]),
        _case("a card of only files; an edit may not leave it without content", [
            ("ann", P, {"type": "card.add", "id": "c1", "files": [PDF]}),
            ("ann", P, _set("c1", files=[])),
            ("ann", P, _set("c1", title="nu met titel")),
            ("ann", P, _set("c1", files=[])),
        ]),
        _case("preview: only the server sets one; a new link drops it; empty clears", [
            ("ann", P, _add("c1", url=LINK)),
            ("ann", P, _set("c1", preview=PREVIEW)),
            ("fran", F, _set("c1", preview=PREVIEW)),
            (SYS, F, _set("c1", preview=PREVIEW)),
            ("ann", P, _set("c1", url=LINK, title="zelfde link")),
            ("ann", P, _set("c1", url="https://example.org/ander")),
            (SYS, F, _set("c1", preview=PREVIEW)),
            (SYS, F, _set("c1", preview={**PREVIEW, "url": "https://example.org/ander",
                                         "image": ""})),
            (SYS, F, _set("c1", preview="")),
            (SYS, F, _add("c2", url=LINK, preview=PREVIEW)),
            (SYS, F, _set("c2", url="https://example.org/derde",
                          preview={**PREVIEW, "url": "https://example.org/derde"})),
            ("fran", F, _set("c2", url="")),
        ]),
        _case("old card forms in view patches take the new fields' defaults", [
            ("", P, _patch(cards={"c1": _card_form(title="Oud", author="ann")})),
            ("", P, _patch(cards={"c2": _card_form(title="Nieuw", files=[{**PDF, "w": 0, "h": 0,
                                  "thumb": False}], preview=PREVIEW, tags=["x"],
                                  contact="c", expires=5, state="matched")})),
        ]),
    ]  # fmt: skip


def reducer_cases() -> list[dict[str, Any]]:
    return [*_base_cases(), *facilitation_cases(), *card_field_cases()]


def _base_cases() -> list[dict[str, Any]]:
    return [
        _case("empty board", []),
        _case("board.set every field", [
            ("fran", F, {"type": "board.set", "title": "Hub Delft: vraag en aanbod",
                         "layout": "columns", "theme": "hub", "vote_budget": 10}),
        ]),
        _case("board.set partial fields, last writer wins", [
            ("fran", F, {"type": "board.set", "title": "Eerste", "layout": "grid"}),
            ("gert", F, {"type": "board.set", "title": "Tweede"}),
            ("fran", F, {"type": "board.set", "theme": "contrast", "vote_budget": 0}),
        ]),
        _case("board.set by participant and viewer is a no-op", [
            ("ann", P, {"type": "board.set", "title": "Mine"}),
            ("screen", V, {"type": "board.set", "theme": "dark"}),
        ]),
        _case("sections: add, set, delete leaves a tombstone", [
            ("fran", F, _sec("s1", "Vraag", "a0")),
            ("fran", F, _sec("s2", "Aanbod", "a1")),
            ("fran", F, {"type": "section.set", "id": "s1", "title": "Vragen"}),
            ("fran", F, {"type": "section.set", "id": "s2", "pos": "Zz"}),
            ("fran", F, {"type": "section.delete", "id": "s1"}),
            ("fran", F, {"type": "section.set", "id": "s1", "title": "terug?"}),
            ("fran", F, _sec("s1", "opnieuw")),
            ("fran", F, {"type": "section.delete", "id": "s1"}),
        ]),
        _case("sections by participant, and a taken id, are no-ops", [
            ("ann", P, _sec("s1")),
            ("fran", F, _sec("s2", "Eerste")),
            ("fran", F, _sec("s2", "Tweede")),
            ("ann", P, {"type": "section.set", "id": "s2", "title": "x"}),
            ("ann", P, {"type": "section.delete", "id": "s2"}),
        ]),
        _case("section.delete keeps its cards and their section field", [
            ("fran", F, _sec("s1")),
            ("ann", P, _add("c1", section="s1")),
            ("fran", F, {"type": "section.delete", "id": "s1"}),
            ("ann", P, _move("c1", x=20)),
        ]),
        _case("card.add minimal gets defaults; full link card", [
            ("fran", F, _sec("nergens")),
            ("ann", P, {"type": "card.add", "id": "c1", "body": "Alleen tekst"}),
            ("bob", P, {"type": "card.add", "id": "c2", "kind": "link", "title": "Site",
                        "body": "regel 1\nregel 2\tmet tab", "color": "purple",
                        "url": "https://example.org/pad?q=1", "section": "nergens",
                        "pos": "a0V", "x": 10_000, "y": 42}),
            ("fran", F, {"type": "card.add", "id": "c3", "kind": "offer", "title": "Aanbod 🎉",
                         "color": "orange"}),
        ]),
        _case("card.set and card.move: last writer wins by seq", [
            ("fran", F, _sec("s9")),
            ("ann", P, _add("c1", url="https://a.nl")),
            ("ann", P, _set("c1", title="Eerste", color="pink", kind="question")),
            ("fran", F, _set("c1", title="Tweede", body="door facilitator")),
            ("ann", P, _set("c1", url="")),
            ("ann", P, _move("c1", section="s9", pos="a5", x=7)),
            ("fran", F, _move("c1", y=8)),
            ("ann", P, _move("c1", section="")),
            ("ann", P, _set("c1", url="http://b.nl/x")),
        ]),
        _case("ownership: another participant cannot change a card", [
            ("ann", P, _add("c1")),
            ("bob", P, _set("c1", title="gekaapt")),
            ("bob", P, _move("c1", x=500)),
            ("bob", P, _del("c1")),
            ("screen", V, _set("c1", title="scherm")),
            ("ann", P, _set("c1", body="van mij")),
        ]),
        _case("ownership: a facilitator changes others' cards, author stays", [
            ("ann", P, _add("c1")),
            ("fran", F, _set("c1", title="netjes", color="white")),
            ("fran", F, _move("c1", pos="a1", x=3, y=4)),
            ("ann", P, _add("c2")),
            ("fran", F, _del("c2")),
        ]),
        _case("card.delete: tombstone; late edits, moves and re-add are no-ops", [
            ("ann", P, _add("c1", color="green", x=5)),
            ("ann", P, _del("c1")),
            ("ann", P, _set("c1", title="zombie")),
            ("fran", F, _move("c1", x=99)),
            ("fran", F, _del("c1")),
            ("bob", P, _add("c1", title="zelfde id")),
            ("fran", F, _add("c1", title="ook facilitator niet")),
        ]),
        _case("comments: add, taken id, missing card, delete by author", [
            ("ann", P, _add("c1")),
            ("bob", P, _comment("m1", "c1", "Mooi! 👍")),
            ("ann", P, _comment("m1", "c1", "zelfde id")),
            ("bob", P, _comment("m2", "c9")),
            ("bob", P, _comment("m3", "c1", "weg ermee")),
            ("bob", P, {"type": "comment.delete", "id": "m3"}),
            ("bob", P, {"type": "comment.delete", "id": "m3"}),
            ("bob", P, _comment("m3", "c1", "terug?")),
        ]),
        _case("comments: only author or facilitator deletes", [
            ("ann", P, _add("c1")),
            ("bob", P, _comment("m1", "c1")),
            ("bob", P, _comment("m2", "c1")),
            ("ann", P, {"type": "comment.delete", "id": "m1"}),
            ("screen", V, {"type": "comment.delete", "id": "m1"}),
            ("fran", F, {"type": "comment.delete", "id": "m2"}),
        ]),
        _case("comments on a deleted card: new ones refused, old ones kept", [
            ("ann", P, _add("c1")),
            ("bob", P, _comment("m1", "c1")),
            ("ann", P, _del("c1")),
            ("bob", P, _comment("m2", "c1")),
        ]),
        _case("reactions: toggle, idempotent, sorted actors", [
            ("ann", P, _add("c1")),
            ("zoe", P, _react("c1", "👍")),
            ("bob", P, _react("c1", "👍")),
            ("bob", P, _react("c1", "👍")),
            ("ann", P, _react("c1", "❤️")),
            ("fran", F, _react("c1", "❓")),
            ("ann", P, _react("c1", "❤️", on=False)),
            ("cas", P, _react("c1", "💡", on=False)),
            ("screen", V, _react("c1", "😂")),
            ("bob", P, _react("c9", "🎉")),
        ]),
        _case("reactions go with a deleted card", [
            ("ann", P, _add("c1")),
            ("ann", P, _add("c2")),
            ("bob", P, _react("c1", "🎉")),
            ("bob", P, _react("c2", "🎉")),
            ("ann", P, _del("c1")),
            ("bob", P, _react("c1", "😂")),
        ]),
        _case("votes: cast several, retract, retract without a vote", [
            ("ann", P, _add("c1")),
            ("ann", P, _add("c2")),
            ("bob", P, _vote("c1")),
            ("bob", P, _vote("c1")),
            ("ann", P, _vote("c1")),
            ("fran", F, _vote("c2")),
            ("bob", P, _unvote("c1")),
            ("cas", P, _unvote("c1")),
            ("fran", F, _unvote("c2")),
            ("fran", F, _unvote("c2")),
        ]),
        _case("vote budget: casts beyond it are no-ops, retract frees one", [
            ("fran", F, _budget(2)),
            ("ann", P, _add("c1")),
            ("ann", P, _add("c2")),
            ("bob", P, _vote("c1")),
            ("bob", P, _vote("c2")),
            ("bob", P, _vote("c2")),
            ("bob", P, _unvote("c1")),
            ("bob", P, _vote("c2")),
            ("bob", P, _vote("c1")),
            ("ann", P, _vote("c1")),
        ]),
        _case("vote refund: deleting a card gives its votes back", [
            ("fran", F, _budget(2)),
            ("ann", P, _add("c1")),
            ("ann", P, _add("c2")),
            ("bob", P, _vote("c1")),
            ("bob", P, _vote("c1")),
            ("bob", P, _vote("c2")),
            ("ann", P, _del("c1")),
            ("bob", P, _vote("c2")),
            ("bob", P, _vote("c2")),
            ("bob", P, _vote("c1")),
            ("bob", P, _unvote("c1")),
        ]),
        _case("lowering the budget keeps cast votes but blocks new ones", [
            ("ann", P, _add("c1")),
            ("bob", P, _vote("c1")),
            ("bob", P, _vote("c1")),
            ("bob", P, _vote("c1")),
            ("fran", F, _budget(1)),
            ("bob", P, _vote("c1")),
            ("ann", P, _vote("c1")),
            ("fran", F, _budget(0)),
            ("cas", P, _vote("c1")),
        ]),
        _case("viewer ops are all no-ops", [
            ("fran", F, _add("c1")),
            ("screen", V, _add("c2")),
            ("screen", V, _sec("s1")),
            ("screen", V, _comment("m1", "c1")),
            ("screen", V, _vote("c1")),
            ("screen", V, _del("c1")),
        ]),
        _case("placeholders (op null) only advance seq", [
            ("ann", P, _add("c1")),
            ("ann", P, None),
            ("", P, None),
            ("ann", P, _vote("c1")),
            ("", V, None),
        ]),
        _case_of_events("duplicate and older seq are ignored", [
            event_wire(1, "ann", P, _add("c1")),
            event_wire(2, "bob", P, _vote("c1")),
            event_wire(2, "bob", P, _vote("c1"), op_id="bob-2-resent"),
            event_wire(1, "ann", P, _del("c1")),
            event_wire(3, "ann", P, _set("c1", title="na duplicaat")),
            event_wire(3, "ann", P, _del("c1")),
            event_wire(4, "", V, None),
            event_wire(2, "ann", P, _add("c2")),
        ]),
        _case("cards only go to sections the board knows; a deleted one still counts", [
            ("fran", F, _sec("s1")),
            ("ann", P, _add("c1", section="s1")),
            ("ann", P, _add("c2", section="geheim")),
            ("ann", P, _move("c1", section="geheim")),
            ("fran", F, {"type": "section.delete", "id": "s1"}),
            ("ann", P, _add("c3", section="s1")),
            ("ann", P, _move("c1", section="")),
            ("ann", P, _move("c1", section="s1")),
        ]),
        _case("edits that would empty a card or unlink a link card are no-ops", [
            ("ann", P, _add("c1", body="tekst")),
            ("ann", P, _set("c1", title="", body="")),
            ("ann", P, _set("c1", kind="link")),
            ("ann", P, _set("c1", kind="link", url="https://example.org")),
            ("ann", P, _set("c1", url="")),
            ("ann", P, _set("c1", title="")),
        ]),
        # A title or body of only whitespace counts as empty (SPEC §5): two
        # edits that are each fine alone race, and the later one is a no-op.
        _case("racing card.set: blank title first, then empty body (a no-op)", [
            ("ann", P, _add("c1", title="Titel", body="Tekst")),
            ("ann", P, _set("c1", title="   ")),
            ("fran", F, _set("c1", body="")),
        ]),
        _case("racing card.set: empty body first, then blank title (a no-op)", [
            ("ann", P, _add("c1", title="Titel", body="Tekst")),
            ("fran", F, _set("c1", body="")),
            ("ann", P, _set("c1", title="   ")),
        ]),
        _case("whitespace is Unicode White_Space: a zero-width space is not blank", [
            ("ann", P, _add("c1", title="Titel")),
            ("ann", P, _set("c1", title="\u3000\u00a0\t\n\u2003\u202f")),
            ("ann", P, _set("c1", title="\u200b")),
            ("ann", P, _set("c1", title="\u3000\u00a0\t\n\u2003\u202f")),
            ("ann", P, _add("c2", body="\u200b")),
        ]),
        _case("card.set and card.move that name no field change nothing, updated_at too", [
            ("ann", P, _add("c1")),
            ("ann", P, _set("c1")),
            ("ann", P, _move("c1")),
            ("ann", P, _set("c1", color="yellow")),
            ("ann", P, _move("c1", x=0)),
            ("ann", P, _set("c1")),
        ]),
        _case("posts.delete by author: their cards and comments go, with votes and reactions", [
            ("ann", P, _add("c1")),
            ("bob", P, _add("c2")),
            ("ann", P, _add("c3")),
            ("bob", P, _comment("m1", "c1", "van bob")),
            ("ann", P, _comment("m2", "c2", "van ann")),
            ("bob", P, _vote("c1")),
            ("bob", P, _react("c3", "👍")),
            ("fran", F, {"type": "posts.delete", "author": "ann"}),
            ("ann", P, _set("c1", title="terug?")),
            ("ann", P, _add("c4")),
        ]),
        _case("posts.delete since a time: what came at or after it goes, by anyone", [
            ("ann", P, _add("c1")),
            ("bob", P, _add("c2")),
            ("bob", P, _comment("m1", "c1", "eerder")),
            ("ann", P, _add("c3")),
            ("fran", F, _add("c4")),
            ("bob", P, _comment("m2", "c1", "later")),
            ("fran", F, {"type": "posts.delete", "since": T0 + 4000}),
        ]),
        _case("posts.delete by author and since together; both must match", [
            ("ann", P, _add("c1")),
            ("bob", P, _add("c2")),
            ("ann", P, _add("c3")),
            ("fran", F, {"type": "posts.delete", "author": "ann", "since": T0 + 2000}),
        ]),
        _case("posts.delete by a participant, or matching nothing, is a no-op", [
            ("ann", P, _add("c1")),
            ("bob", P, _add("c2")),
            ("ann", P, {"type": "posts.delete", "author": "bob"}),
            ("fran", F, {"type": "posts.delete", "author": "nobody"}),
            ("fran", F, {"type": "posts.delete", "since": T0 + 99_000}),
            ("fran", F, _del("c1")),
            ("fran", F, {"type": "posts.delete", "author": "ann"}),
        ]),
        _case("unicode text, names and times come from the event", [
            ("zoë", P, {"type": "card.add", "id": "c-1_x", "title": "Ideeën ✨ voor café",
                        "body": "Één\n\ttwee — drie 😂"}),
            ("zoë", P, _comment("m_1", "c-1_x", "Ja‼️ 🇳🇱")),
        ], board="hub-Delft_2"),
    ]  # fmt: skip


# --- codec.json -------------------------------------------------------------


def _client_ok(name: str, obj: Any) -> dict[str, Any]:
    data = codec.pack(obj)
    message = codec.decode_client(data).model_dump(exclude_none=True)
    return {"name": name, "hex": data.hex(), "ok": True, "message": message}


def _client_bad(name: str, obj: Any = None, *, raw: bytes | None = None) -> dict[str, Any]:
    """A refused frame: its error code, and the op id the error carries."""
    data = raw if raw is not None else codec.pack(obj)
    try:
        codec.decode_client(data)
    except ProtocolError as err:
        return {"name": name, "hex": data.hex(), "ok": False, "code": int(err.code),
                "id": err.op_id}  # fmt: skip
    raise AssertionError(f"vector {name!r} was accepted")


def _op(op: dict[str, Any], op_id: str = "op-1") -> dict[str, Any]:
    return {"t": "op", "id": op_id, "op": op}


HELLO = {"t": "hello", "v": 1, "board": "b1", "token": "tok", "name": "Ann"}
FULL_OPS: list[dict[str, Any]] = [
    {"type": "board.set", "title": "Ideeën", "layout": "columns", "theme": "dark",
     "vote_budget": 3},
    {"type": "section.add", "id": "s1", "title": "Vraag", "pos": "a0"},
    {"type": "section.set", "id": "s1", "title": "Aanbod", "pos": "a1"},
    {"type": "section.delete", "id": "s1"},
    {"type": "card.add", "id": "c1", "kind": "link", "title": "Site", "body": "Zie\nook",
     "color": "blue", "url": "https://example.org/x?y=1", "section": "s1", "pos": "a0V",
     "x": 10, "y": 10_000},
    {"type": "card.set", "id": "c1", "kind": "note", "title": "T", "body": "B", "color": "pink",
     "url": ""},
    {"type": "card.move", "id": "c1", "section": "", "pos": "Zz", "x": 0, "y": 5},
    {"type": "card.delete", "id": "c1"},
    {"type": "comment.add", "id": "m1", "card": "c1", "body": "Goed idee 👍"},
    {"type": "comment.delete", "id": "m1"},
    {"type": "reaction.set", "card": "c1", "emoji": "❤️", "on": True},
    {"type": "vote.cast", "card": "c1"},
    {"type": "vote.retract", "card": "c1"},
    {"type": "card.moderate", "id": "c1", "action": "approve"},
    {"type": "comment.moderate", "id": "m1", "action": "hide"},
    {"type": "participant.remove", "actor": "a-1"},
    {"type": "participant.restore", "actor": "a-1"},
    {"type": "timer.set", "action": "start", "seconds": 300},
    {"type": "spotlight.set", "card": "c1"},
    {"type": "round.open", "reset": True},
    {"type": "round.close"},
    {"type": "posts.delete", "author": "ann", "since": T0},
]  # fmt: skip


def client_frames() -> list[dict[str, Any]]:
    ok = [
        _client_ok("hello minimal", HELLO),
        _client_ok("hello full", {**HELLO, "identity": "id.sig", "resume": {"epoch": "e1",
                                                                           "seq": 41}}),
        _client_ok("hello name is trimmed", {**HELLO, "name": "  Ann  "}),
        *[_client_ok(f"op {op['type']} full", _op(op, f"c:{i}.x_y-z"))
          for i, op in enumerate(FULL_OPS)],
        _client_ok("op card.add minimal: defaults filled", _op({"type": "card.add", "id": "c2",
                                                                "body": "alleen tekst"})),
        _client_ok("op card.move partial", _op({"type": "card.move", "id": "c1", "x": 3})),
        _client_ok("op card.set at caps", _op({"type": "card.set", "id": "c" * limits.MAX_ID,
                                               "title": "t" * limits.MAX_CARD_TITLE})),
        _client_ok("op board.set title is trimmed", _op({"type": "board.set", "title": " T "})),
        _client_ok("op with no optional fields", _op({"type": "board.set"})),
        _client_ok("focus card", {"t": "focus", "card": "c1"}),
        _client_ok("focus none", {"t": "focus", "card": None}),
        _client_ok("focus absent card", {"t": "focus"}),
        _client_ok("ping", {"t": "ping", "n": 12}),
        _client_ok("ping without n", {"t": "ping"}),
        _client_ok("op card.add: body of 4000 four-byte characters fits the decoder",
                   _op({"type": "card.add", "id": "c3", "body": "😂" * limits.MAX_CARD_BODY})),
        _client_ok("op card.add: empty url and section mean none",
                   _op({"type": "card.add", "id": "c4", "title": "t", "url": "", "section": ""})),
        _client_ok("nil is the same as absent", {**_op({"type": "card.add", "id": "c5",
                   "title": "t", "kind": None, "url": None, "x": None}), "extra": None}),
        _client_ok("hello: unknown fields are ignored", {**HELLO, "locale": "nl", "caps": [1]}),
        _client_ok("hello: nil identity and resume are absent",
                   {**HELLO, "identity": None, "resume": None}),
        _client_ok("hello: any token string decodes (the server answers 4102)",
                   {**HELLO, "token": "t" * (limits.MAX_TOKEN + 1)}),
        _client_ok("hello with an access code", {**HELLO, "code": "K7R2"}),
        _client_ok("hello: any access code string decodes (the server answers 4106)",
                   {**HELLO, "code": "c" * (limits.MAX_ACCESS_CODE + 1)}),
        _client_ok("ping: unknown fields are ignored", {"t": "ping", "n": 1, "x": 0}),
        _client_ok("focus: unknown fields are ignored", {"t": "focus", "card": "c1", "at": 5}),
        _client_ok("op envelope: unknown fields are ignored", {**_op(_vote("c1")), "sent": 7}),
        _client_ok("op board.set facilitation fields", _op(_board(
            approval=True, locked=False, hide_cards=True, anonymous="others", filter=True,
            words=["foei", "vies woord"]))),
        _client_ok("op card.add held", _op(_add("c6", held=True))),
        _client_ok("op card.set held", _op(_set("c6", body="b", held=False))),
        _client_ok("op comment.add held", _op({**_comment("m2", "c1"), "held": True})),
        _client_ok("op timer.set pause", _op(_timer("pause"))),
        _client_ok("op spotlight.set section", _op(_spot(section="s1"))),
        _client_ok("op spotlight.set with neither ends it", _op(_spot())),
        _client_ok("op round.open: reset defaults to false", _op({"type": "round.open"})),
        _client_ok("op board.set words are trimmed", _op(_board(words=["  foei "]))),
        _client_ok("op board.set empty word list", _op(_board(words=[]))),
        _client_ok("op timer.set at the cap", _op(_timer("start", limits.MAX_TIMER_SECONDS))),
        _client_ok("op posts.delete by author only", _op({"type": "posts.delete", "author": "a"})),
        _client_ok("op posts.delete since only, at the largest JS-safe time",
                   _op({"type": "posts.delete", "since": limits.MAX_TIME_MS})),
        _client_ok("op card.add with every card field", _op(_add(
            "c7", url=LINK, files=[PHOTO, PDF], preview=PREVIEW, tags=["tuin"], contact="06",
            expires=limits.MAX_EXPIRES, state="matched"))),
        _client_ok("op card.add of only a file", _op({"type": "card.add", "id": "c8",
                                                      "files": [PDF]})),
        _client_ok("op card.set tags are normalised",
                   _op(_set("c1", tags=["#Tuin ", "tuin", " KOKEN", "# Buurt"]))),
        _client_ok("op card.set empty lists and clears",
                   _op(_set("c1", files=[], tags=[], preview="", contact="", expires=0))),
        _client_ok("op card.set state", _op(_set("c1", state="resolved"))),
        _client_ok("op card.set files at the cap", _op(_set("c1", files=[
            {**PDF, "id": f"{i:064x}"} for i in range(limits.MAX_FILES_PER_CARD)]))),
        _client_ok("op card.set preview with defaults", _op(_set("c1", preview={"url": LINK}))),
        _client_ok("nil inside an attachment or a preview is absent", _op(_set("c1", files=[
            {**PHOTO, "w": None, "thumb": None}], preview={"url": LINK, "image": None}))),
    ]  # fmt: skip
    bad = [
        _client_bad("empty frame", raw=b""),
        _client_bad("not msgpack", raw=b"\xc1"),
        _client_bad("truncated", raw=codec.pack({"t": "ping", "n": 1})[:-1]),
        _client_bad("trailing bytes", raw=codec.pack({"t": "ping"}) + b"\x00"),
        _client_bad("not a map", ["t", "ping"]),
        _client_bad("missing t", {"n": 1}),
        _client_bad("t not a string", {"t": 1}),
        _client_bad("non-string key", raw=b"\x82\xa1t\xa4ping\x01\x02"),
        _client_bad("unknown t", {"t": "subscribe"}),
        _client_bad("unknown op type", _op({"type": "card.explode", "id": "c1"})),
        _client_bad("op without type", _op({"id": "c1"})),
        _client_bad("string where int", {"t": "ping", "n": "1"}),
        _client_bad("float where int", {"t": "ping", "n": 1.0}),
        _client_bad("bool where int", {"t": "ping", "n": True}),
        _client_bad("int where bool", _op({"type": "reaction.set", "card": "c1", "emoji": "👍",
                                          "on": 1})),
        _client_bad("extra field in op", _op({"type": "vote.cast", "card": "c1", "n": 2})),
        _client_bad("missing field", _op({"type": "comment.add", "id": "m1", "card": "c1"})),
        _client_bad("title over cap", _op(_add("c1", title="x" * (limits.MAX_CARD_TITLE + 1)))),
        _client_bad("name over cap", {**HELLO, "name": "n" * (limits.MAX_NAME + 1)}),
        _client_bad("control character in name", {**HELLO, "name": "An\x07n"}),
        _client_bad("resume seq beyond JS-safe integers", {**HELLO, "resume": {"epoch": "e",
                                                                              "seq": 2**53}}),
        _client_bad("op id over cap", _op({"type": "vote.cast", "card": "c1"}, "o" * 65)),
        _client_bad("op id with a space", _op(_vote("c1"), "op 1")),
        _client_bad("op id over 256 characters is cut in the error",
                    _op(_vote("c1"), "x" * 300)),
        _client_bad("op id not a string", {"t": "op", "id": 7, "op": _vote("c1")}),
        _client_bad("posts.delete naming neither author nor since", _op({"type": "posts.delete"})),
        _client_bad("posts.delete with nil for both", _op({"type": "posts.delete", "author": None,
                                                           "since": None})),
        _client_bad("posts.delete since below zero", _op({"type": "posts.delete", "since": -1})),
        _client_bad("posts.delete since beyond JS-safe integers",
                    _op({"type": "posts.delete", "since": limits.MAX_TIME_MS + 1})),
        _client_bad("posts.delete author not an id", _op({"type": "posts.delete",
                                                          "author": "a b"})),
        _client_bad("op frame over 64 KiB names its id",
                    _op(_add("c1", body="x" * limits.MAX_CLIENT_FRAME), "big-1")),
        _client_bad("op string over decoder cap names its id",
                    _op(_add("c1", body="x" * (limits.MAX_STR_LEN + 1)), "long-1")),
        _client_bad("op with a bin value names its id",
                    {"op": {**_vote("c1"), "card": b"c1"}, "id": "bin-1", "t": "op"}),
        _client_bad("op over the map cap names its id", {"t": "op", "id": "wide-1",
                    "op": {"type": "vote.cast", **{f"k{i}": 0 for i in range(40)}}}),
        _client_bad("nil on a required field", _op({"type": "comment.add", "id": "m1",
                                                    "card": "c1", "body": None})),
        _client_bad("blank comment", _op(_comment("m1", "c1", " \n\u3000 "))),
        _client_bad("id with a space", _op(_add("c 1"))),
        _client_bad("negative coordinate", _op(_add("c1", x=-1))),
        _client_bad("coordinate over cap", _op(_add("c1", y=limits.MAX_COORD + 1))),
        _client_bad("unknown color", _op(_add("c1", color="red"))),
        _client_bad("unknown emoji", _op({"type": "reaction.set", "card": "c1", "emoji": "💩",
                                         "on": True})),
        _client_bad("card without content", _op({"type": "card.add", "id": "c1", "title": " "})),
        _client_bad("link card without url", _op(_add("c1", kind="link"))),
        _client_bad("javascript: url", _op(_add("c1", url="javascript:alert(1)"))),
        _client_bad("data: url", _op(_set("c1", url="data:text/html,<b>x</b>"))),
        _client_bad("url without host", _op(_add("c1", url="https://"))),
        _client_bad("control character in title", _op(_add("c1", title="a\x00b"))),
        _client_bad("escape character in body", _op(_set("c1", body="\x1b[31m"))),
        _client_bad("DEL in comment", _op(_comment("m1", "c1", "a\x7f"))),
        _client_bad("C1 control in title", _op(_add("c1", title="a\x85"))),
        _client_bad("pos not a key", _op(_add("c1", pos="a"))),
        _client_bad("pos with trailing zero", _op(_add("c1", pos="a00"))),
        _client_bad("pos not base62", _op(_add("c1", pos="a0-"))),
        _client_bad("string over decoder cap", {"t": "ping", "n": "x" * (limits.MAX_STR_LEN + 1)}),
        _client_bad("array over decoder cap", {"t": "ping", "n": [0] * (limits.MAX_ARRAY_LEN + 1)}),
        _client_bad("map over decoder cap", {"t": "ping", **{f"k{i}": 0 for i in range(32)}}),
        _client_bad("bin value", {"t": "ping", "n": b"\x01"}),
        _client_bad("empty bin value", {"t": "ping", "n": b""}),
        _client_bad("ext value", {"t": "focus", "card": msgpack.ExtType(1, b"")}),
        _client_bad("frame over 64 KiB", raw=codec.pack({"t": "ping"}) + b"\x00" * 65_536),
        _client_bad("a client may not send a view patch",
                    _op({"type": "view.patch", "cards": {"c1": None}})),
        _client_bad("timer start without seconds", _op(_timer("start"))),
        _client_bad("timer pause with seconds", _op({"type": "timer.set", "action": "pause",
                                                    "seconds": 5})),
        _client_bad("timer seconds zero", _op(_timer("start", 0))),
        _client_bad("timer seconds over a day", _op(_timer("start", limits.MAX_TIMER_SECONDS + 1))),
        _client_bad("unknown timer action", _op({"type": "timer.set", "action": "stop"})),
        _client_bad("spotlight a card and a section", _op(_spot(card="c1", section="s1"))),
        _client_bad("unknown moderation action", _op(_mod("c1", "delete"))),
        _client_bad("moderation without action", _op({"type": "card.moderate", "id": "c1"})),
        _client_bad("unknown anonymous mode", _op(_board(anonymous="some"))),
        _client_bad("approval not a bool", _op(_board(approval=1))),
        _client_bad("held not a bool", _op(_add("c1", held="yes"))),
        _client_bad("blank filter word", _op(_board(words=["  "]))),
        _client_bad("filter word over cap",
                    _op(_board(words=["w" * (limits.MAX_FILTER_WORD + 1)]))),
        _client_bad("too many filter words", _op(_board(words=[f"w{i}" for i in range(51)]))),
        _client_bad("control character in a filter word", _op(_board(words=["a\x00"]))),
        _client_bad("participant.remove with a bad actor id",
                    _op({"type": "participant.remove", "actor": "a b"})),
        _client_bad("round.open reset not a bool", _op({"type": "round.open", "reset": 1})),
        _client_bad("card.add with no content but an empty file list",
                    _op({"type": "card.add", "id": "c1", "files": []})),
        _client_bad("file id in capitals", _op(_set("c1", files=[{**PDF, "id": "B" * 64}]))),
        _client_bad("file id too short", _op(_set("c1", files=[{**PDF, "id": "b" * 63}]))),
        _client_bad("the same file twice", _op(_set("c1", files=[PDF, PDF]))),
        _client_bad("too many files", _op(_set("c1", files=[
            {**PDF, "id": f"{i:064x}"} for i in range(limits.MAX_FILES_PER_CARD + 1)]))),
        _client_bad("file name empty", _op(_set("c1", files=[{**PDF, "name": ""}]))),
        _client_bad("file name blank", _op(_set("c1", files=[{**PDF, "name": " "}]))),
        _client_bad("file name with a newline", _op(_set("c1", files=[{**PDF,
                                                                      "name": "a\nb"}]))),
        _client_bad("file name over cap", _op(_set("c1", files=[{**PDF, "name": "n" * (
            limits.MAX_FILE_NAME + 1)}]))),
        _client_bad("file type not a MIME type", _op(_set("c1", files=[{**PDF, "type": "pdf"}]))),
        _client_bad("file type in capitals", _op(_set("c1", files=[{**PDF,
                                                                   "type": "Application/PDF"}]))),
        _client_bad("file size negative", _op(_set("c1", files=[{**PDF, "size": -1}]))),
        _client_bad("file size a float", _op(_set("c1", files=[{**PDF, "size": 1.5}]))),
        _client_bad("file kind unknown", _op(_set("c1", files=[{**PDF, "kind": "video"}]))),
        _client_bad("file width over cap", _op(_set("c1", files=[{**PHOTO, "w": (
            limits.MAX_IMAGE_SIDE + 1)}]))),
        _client_bad("file thumb not a bool", _op(_set("c1", files=[{**PHOTO, "thumb": 1}]))),
        _client_bad("file with an extra field", _op(_set("c1", files=[{**PDF, "path": "/"}]))),
        _client_bad("file without a size", _op(_set("c1", files=[{k: v for k, v in PDF.items()
                                                                 if k != "size"}]))),
        _client_bad("files not a list", _op(_set("c1", files=PDF))),
        _client_bad("tag blank after normalising", _op(_set("c1", tags=["# "]))),
        _client_bad("tag over cap", _op(_set("c1", tags=["t" * (limits.MAX_TAG + 1)]))),
        _client_bad("tag with a tab", _op(_set("c1", tags=["a\tb"]))),
        _client_bad("tag not a string", _op(_set("c1", tags=[1]))),
        _client_bad("too many tags", _op(_set("c1", tags=[f"t{i}" for i in range(
            limits.MAX_TAGS + 1)]))),
        _client_bad("contact over cap", _op(_set("c1", contact="c" * (limits.MAX_CONTACT + 1)))),
        _client_bad("contact with a newline", _op(_set("c1", contact="a\nb"))),
        _client_bad("expires negative", _op(_set("c1", expires=-1))),
        _client_bad("expires after 2100", _op(_set("c1", expires=limits.MAX_EXPIRES + 1))),
        _client_bad("unknown card state", _op(_set("c1", state="closed"))),
        _client_bad("preview without url", _op(_set("c1", preview={"title": "t"}))),
        _client_bad("preview image not a file id", _op(_set("c1", preview={**PREVIEW,
                                                                          "image": "x"}))),
        _client_bad("preview title over cap", _op(_set("c1", preview={**PREVIEW, "title": "t" * (
            limits.MAX_PREVIEW_TITLE + 1)}))),
        _client_bad("preview with an extra field", _op(_set("c1", preview={**PREVIEW, "x": 1}))),
        _client_bad("preview a string other than empty", _op(_set("c1", preview="none"))),
    ]  # fmt: skip
    return ok + bad


def _sealed(event: dict[str, Any]) -> bytes:
    e = Event.model_validate(event)
    head, tail = codec.event_parts(
        op_id=e.op_id, actor=e.actor, name=e.name, role=e.role, at=e.at,
        op=e.op,
    )  # fmt: skip
    return codec.seal_event(head, e.seq, tail)


def _events_frame(name: str, raws: list[bytes]) -> dict[str, Any]:
    data = codec.events_frame(raws)
    return {"name": name, "hex": data.hex(), "frame": msgpack.unpackb(data, raw=False)}


def events_frames() -> list[dict[str, Any]]:
    one = _sealed(event_wire(1, "ann", P, _add("c1")))
    every = [_sealed(event_wire(seq, "fran", F, op)) for seq, op in enumerate(FULL_OPS, start=1)]
    hidden = Event.model_validate(event_wire(2, "ann", P, _vote("c1")))
    placeholder = codec.placeholder_event(hidden)
    many = [_sealed(event_wire(seq, "bob", P, _vote("c1"))) for seq in range(1, 21)]
    patch = _sealed(event_wire(3, "ann", P, _patch(
        cards={"c1": None, "c2": _card_form(title="Wacht", author="ann", status="pending")},
        session={"round": 1, "round_open": True}, votes={"c1": None}, removed=[],
    )))  # fmt: skip
    return [
        _events_frame("one event", [one]),
        _events_frame("every op type", every),
        _events_frame("with a placeholder", [one, placeholder]),
        _events_frame("twenty events (array16 header)", many),
        _events_frame("with a view patch", [one, placeholder, patch]),
        _events_frame("large seq", [_sealed(event_wire(4_000_000_000, "ann", P, _unvote("c1")))]),
    ]


# --- output -----------------------------------------------------------------


def reducer_vectors() -> dict[str, Any]:
    return {"version": VERSION, "cases": reducer_cases()}


def codec_vectors() -> dict[str, Any]:
    return {"version": VERSION, "client_frames": client_frames(), "events_frames": events_frames()}


def render(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def rendered() -> dict[Path, str]:
    """Every vector file and its exact contents."""
    return {
        VECTORS / "reducer.json": render(reducer_vectors()),
        VECTORS / "codec.json": render(codec_vectors()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in rendered().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'} {path}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
