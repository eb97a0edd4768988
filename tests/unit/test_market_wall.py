"""What a board puts on the vraag-en-aanbod wall (server/market/wall.py),
without Redis."""

from __future__ import annotations

from protocol.model import Card
from server.library import templates
from server.market import wall


def test_a_templates_example_cards_stay_off_the_wall() -> None:
    """Every board made from the vraag-en-aanbod template starts with an
    example question and offer by "Prikbord": nobody to contact, nothing to
    match. On the wall they only repeat once per board; what people post
    there is what the wall is for."""
    state = templates.builtin_state("vraag-aanbod:en", now=1)
    assert state is not None and state.cards  # the examples are on the board
    assert wall.entries("b1", state) == []
    state.cards["c9"] = Card(
        id="c9", kind="question", title="Wie heeft een zaagtafel?", author="p1",
        author_name="Pien", tags=["hout"], created_at=2,
    )  # fmt: skip
    assert [e.title for e in wall.entries("b1", state)] == ["Wie heeft een zaagtafel?"]
