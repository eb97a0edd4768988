"""The pure parts of the facilitator's CLI and client helpers: durations,
the ranking after a vote round, and readable lines for session events."""

from __future__ import annotations

from typing import Any

import pytest

from client.actions import ranked
from client.command import Fail
from client.describe import describe_event, describe_patch, describe_state
from client.facilitation import parse_duration
from protocol.ops import ViewPatch
from tests.unit._support import ev, run


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("300", 300), ("90s", 90), ("5m", 300), ("1m30s", 90), ("1h", 3600), ("1h15m", 4500),
     ("4:30", 270), ("1:04:30", 3870), (" 2M ", 120)],
)  # fmt: skip
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "5 minutes", "m", "1:60", "25h", "-5", "1.5m"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(Fail) as info:
        parse_duration(text)
    assert info.value.code == 2


def test_ranked_counts_votes_shares_ranks_and_skips_what_not_all_see() -> None:
    state = run([
        ev(1, {"type": "card.add", "id": "a", "title": "A"}),
        ev(2, {"type": "card.add", "id": "b", "title": "B"}),
        ev(3, {"type": "card.add", "id": "c", "title": "C"}),
        ev(4, {"type": "card.add", "id": "h", "title": "H"}),
        ev(5, {"type": "card.add", "id": "d", "title": "D"}),
        ev(6, {"type": "vote.cast", "card": "b"}, actor="p1"),
        ev(7, {"type": "vote.cast", "card": "b"}, actor="p2"),
        ev(8, {"type": "vote.cast", "card": "c"}, actor="p1"),
        ev(9, {"type": "vote.cast", "card": "a"}, actor="p2"),
        ev(10, {"type": "vote.cast", "card": "h"}, actor="p3"),
        ev(11, {"type": "card.moderate", "id": "h", "action": "hide"}, "fac", "facilitator"),
        ev(12, {"type": "card.delete", "id": "d"}),
    ])  # fmt: skip
    rows = [(r.rank, r.card.id, r.votes) for r in ranked(state)]
    assert rows == [(1, "b", 2), (2, "a", 1), (2, "c", 1)]


def test_session_events_read_like_sentences() -> None:
    state = run([
        ev(1, {"type": "card.add", "id": "c1", "title": "Idea"}, actor="ann"),
        ev(2, {"type": "timer.set", "action": "start", "seconds": 300}, "fien", "facilitator"),
        ev(3, {"type": "timer.set", "action": "pause"}, "fien", "facilitator",
           at=1_700_000_062_500),
    ])  # fmt: skip
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "card.moderate": ({"type": "card.moderate", "id": "c1", "action": "hide"},
                          "#9 Fien hid card c1"),
        "comment.moderate": ({"type": "comment.moderate", "id": "m1", "action": "approve"},
                             "#9 Fien approved comment m1"),
        "remove": ({"type": "participant.remove", "actor": "ann"},
                   "#9 Fien removed Ann (ann) from the board"),
        "restore": ({"type": "participant.restore", "actor": "zed"},
                    "#9 Fien let zed back onto the board"),
        "start": ({"type": "timer.set", "action": "start", "seconds": 90},
                  "#9 Fien started the timer: 1:30"),
        "pause": ({"type": "timer.set", "action": "pause"},
                  "#9 Fien paused the timer (4:00 left)"),
        "spotlight": ({"type": "spotlight.set", "card": "c1"},
                      "#9 Fien spotlighted card c1: 'Idea'"),
        "off": ({"type": "spotlight.set"}, "#9 Fien ended the spotlight"),
        "close": ({"type": "round.close"}, "#9 Fien closed vote round: votes show to everyone"),
    }  # fmt: skip
    for name, (op, line) in cases.items():
        got = describe_event(ev(9, op, "fien", "facilitator"), state if name != "close" else None)
        assert got == line, name
    summary = describe_state(state)
    assert summary.endswith("; timer paused at 4:00"), summary


def test_a_view_patch_says_what_changed_for_this_viewer() -> None:
    card = {"kind": "note", "title": "Idea", "body": "", "color": "yellow", "url": "",
            "section": "", "pos": "a0", "x": 0, "y": 0, "author": "", "author_name": "",
            "created_at": 1, "updated_at": 1, "deleted": False, "status": "visible"}  # fmt: skip
    patch = ViewPatch(type="view.patch", cards={"c1": card, "c2": None}, votes={"c3": {"a": 2}})
    assert describe_patch(patch) == (
        "card c1 now shows: 'Idea'; card c2 is no longer shown to you; votes on c3: 2"
    )
    event = ev(4, None).model_copy(update={"op": patch, "name": "", "actor": ""})
    assert describe_event(event).startswith("#4 card c1 now shows")
