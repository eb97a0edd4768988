"""CSV, Markdown and the print page of a fixed board (server/library/
render.py) against golden files: quoting, the formula guard, escaping,
order, anonymous authors. ``PRIKBORD_UPDATE_GOLDEN=1`` rewrites them."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest

from protocol.messages import Event, Role
from protocol.model import BoardState
from protocol.reducer import apply
from server.library import render
from tests.unit._support import op

GOLDEN = Path(__file__).parent / "library_golden"
AT = 1_767_225_600_000  # 2026-01-01 00:00 UTC


def _board(anonymous: str = "off") -> BoardState:
    state = BoardState("b1")
    steps: list[tuple[str, Role, dict[str, Any]]] = [
        ("fien", "facilitator", {"type": "board.set", "title": "Hub *Noord* <ideeën>",
                                 "layout": "columns"}),
        ("fien", "facilitator", {"type": "section.add", "id": "s2", "title": "Aanbod",
                                 "pos": "a1"}),
        ("fien", "facilitator", {"type": "section.add", "id": "s1", "title": "Vraag", "pos": "a0"}),
        ("piet", "participant", {"type": "card.add", "id": "c1", "title": "=HYPERLINK(\"x\")",
                                 "body": "Regel 1, \"quote\"\n# geen kop", "section": "s1"}),
        ("ann", "participant", {"type": "card.add", "id": "c2", "title": "Fietsen [link](x)",
                                "section": "s2", "url": "https://example.org/a?b=1",
                                "kind": "offer", "color": "green"}),
        ("ann", "participant", {"type": "card.add", "id": "c3", "title": "Los", "pos": "a5"}),
        ("ann", "participant", {"type": "card.add", "id": "c4", "title": "Weg"}),
        ("ann", "participant", {"type": "card.delete", "id": "c4"}),
        ("piet", "participant", {"type": "comment.add", "id": "m1", "card": "c2",
                                 "body": "+31 6 1234 <b>"}),
        ("fien", "facilitator", {"type": "comment.add", "id": "m2", "card": "c2", "body": "Top"}),
        ("fien", "facilitator", {"type": "vote.cast", "card": "c2"}),
        ("piet", "participant", {"type": "vote.cast", "card": "c2"}),
        ("piet", "participant", {"type": "reaction.set", "card": "c1", "emoji": "💡", "on": True}),
        ("fien", "facilitator", {"type": "board.set", "anonymous": anonymous}),
    ]  # fmt: skip
    for seq, (actor, role, wire) in enumerate(steps, start=1):
        apply(state, Event(seq=seq, op_id=f"o{seq}", actor=actor, name=actor.title(),
                           role=role, at=AT + seq * 60_000, op=op(wire)))  # fmt: skip
    return state


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PRIKBORD_UPDATE_GOLDEN") == "1":
        path.write_bytes(text.encode())
    assert text == path.read_bytes().decode()


def test_csv_golden() -> None:
    text = render.to_csv(_board(), facilitator=True)
    _golden("board.csv", text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["title"] for r in rows] == ['\'=HYPERLINK("x")', "Fietsen [link](x)", "Los"]
    assert rows[0]["body"] == 'Regel 1, "quote"\n# geen kop'  # quoting keeps it one cell
    assert rows[1]["comments"] == "2" and rows[1]["votes"] == "2" and rows[1]["section"] == "Aanbod"


@pytest.mark.parametrize("value", ["=1+1", "+31", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_cells_are_text(value: str) -> None:
    assert render.safe_cell(value) == "'" + value
    assert render.safe_cell("ok " + value) == "ok " + value


def test_anonymous_boards_export_no_authors() -> None:
    others = _board("others")
    assert "Piet" in render.to_csv(others, facilitator=True)
    assert "Piet" not in render.to_csv(others, facilitator=False)
    everyone = _board("all")
    for facilitator in (True, False):
        assert "Piet" not in render.to_csv(everyone, facilitator=facilitator)
        assert "Piet" not in render.to_markdown(everyone, facilitator=facilitator)


def test_markdown_golden() -> None:
    text = render.to_markdown(_board(), facilitator=True)
    _golden("board.md", text)
    assert "[link](x)" not in text and "<b>" not in text and "\n# geen" not in text


def test_print_page_golden() -> None:
    page = render.to_print_html(_board(), facilitator=True, stylesheet="/library/print.css")
    _golden("board.html", page)
    assert "<b>" not in page and "&lt;b&gt;" in page and "<script" not in page
