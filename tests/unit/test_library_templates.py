"""Templates and search matching, pure (server/library/templates.py,
search.py): what a saved template keeps, what a remix drops, accent- and
case-folded matching over cards, comments and notes."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.messages import Event, Role
from protocol.model import BoardState, to_wire
from protocol.reducer import apply
from server.library import search, templates
from tests.unit._support import op

NOTES = bytes.fromhex("01016f000401056e6f7465730b48656c6c6f20776f726c6400")  # "Hello world"


def _board() -> BoardState:
    state = BoardState("b1")
    steps: list[tuple[str, Role, dict[str, Any]]] = [
        ("f", "facilitator", {"type": "section.add", "id": "s1", "title": "Vraag", "pos": "a0"}),
        ("f", "facilitator", {"type": "section.add", "id": "s2", "title": "Weg", "pos": "a1"}),
        ("p", "participant", {"type": "card.add", "id": "c1", "title": "Ideeën", "section": "s2"}),
        ("p", "participant", {"type": "comment.add", "id": "m1", "card": "c1", "body": "Café"}),
        ("p", "participant", {"type": "vote.cast", "card": "c1"}),
        ("p", "participant", {"type": "reaction.set", "card": "c1", "emoji": "👍", "on": True}),
        ("f", "facilitator", {"type": "section.delete", "id": "s2"}),
        ("f", "facilitator", {"type": "board.set", "approval": True, "locked": True}),
        ("p", "participant", {"type": "card.add", "id": "c2", "title": "Wacht"}),
        ("f", "facilitator", {"type": "participant.remove", "actor": "x"}),
        ("f", "facilitator", {"type": "notes.update", "doc": "board", "update": NOTES}),
    ]  # fmt: skip
    for seq, (actor, role, wire) in enumerate(steps, start=1):
        apply(state, Event(seq=seq, op_id=f"o{seq}", actor=actor, name=actor.upper(),
                           role=role, at=seq, op=op(wire)))  # fmt: skip
    return state


def test_save_as_template_keeps_the_format_not_the_session() -> None:
    tpl = templates.from_board(_board(), now=99)
    assert set(tpl.sections) == {"s1"}  # the deleted section is gone
    assert set(tpl.cards) == {"c1"}  # the pending card stays behind
    c1 = tpl.cards["c1"]
    assert c1.section == "" and c1.author == "system" and c1.created_at == 99
    assert not tpl.comments and not tpl.votes and not tpl.reactions and not tpl.removed
    assert tpl.settings.approval and not tpl.settings.locked
    assert tpl.notes["board"].text() == "Hello world"


@pytest.mark.parametrize(("votes", "comments"), [(True, True), (False, True), (False, False)])
def test_remix_drops_what_it_is_asked_to(votes: bool, comments: bool) -> None:
    board = _board()
    copy = templates.remix(board, keep_votes=votes, keep_comments=comments)
    assert bool(copy.votes) == votes and bool(copy.comments) == comments
    assert copy.cards.keys() == board.cards.keys() and not copy.removed
    assert to_wire(board)["removed"] == ["x"]  # the original is untouched


def test_builtin_ids_and_languages() -> None:
    assert templates.parse_id("brainstorm") == ("brainstorm", "nl")
    assert templates.parse_id("showcase:en") == ("showcase", "en")
    assert templates.parse_id("showcase:de") is None and templates.parse_id("x") is None
    nl = templates.builtin_state("vraag-aanbod", now=1)
    en = templates.builtin_state("vraag-aanbod:en", now=1)
    assert nl is not None and en is not None
    assert [s.title for s in nl.sections.values()] == ["Vraag", "Aanbod", "Gematcht"]
    assert [s.title for s in en.sections.values()] == ["Questions", "Offers", "Matched"]
    assert {c.kind for c in en.cards.values()} == {"question", "offer"} and en.settings.approval


def test_search_matches_every_word_folded_in_cards_comments_and_notes() -> None:
    entries = search.entries(_board())
    card = next(e for e in entries if e.card == "c1")
    assert search.matches(search.words("IDEEEN cafe"), card)  # accents and case fold
    assert not search.matches(search.words("ideeen thee"), card)  # every word
    assert not search.matches([], card)
    notes = next(e for e in entries if e.where == "notes")
    assert search.matches(search.words("world"), notes)


def test_only_the_vraag_en_aanbod_template_starts_with_questions_or_offers() -> None:
    """A question or offer card is vraag en aanbod: it carries a state
    (open, matched, resolved) and lands on the hub's wall. A brainstorm's
    prompt is a note, or every brainstorm put "What is the question?" on the
    wall as an open question with a *Mark matched* button."""
    for name in templates.BUILTINS:
        for lang in templates.LANGS:
            state = templates.builtin_state(f"{name}:{lang}", now=1)
            assert state is not None
            market = {c.kind for c in state.cards.values()} & {"question", "offer"}
            assert not market or name == "vraag-aanbod", (name, lang, market)


def test_search_finds_a_board_by_its_title() -> None:
    """The library finds a finished board again by its name, not only by a
    word on one of its cards."""
    state = _board()
    state.settings.title = "Brainstorm: de buurtwerkplaats"
    entries = search.entries(state)
    board = next(e for e in entries if e.where == "board")
    assert board.card == "" and board.title == "Brainstorm: de buurtwerkplaats"
    assert search.matches(search.words("BUURTWERKPLAATS"), board)
    others = [e for e in entries if e != board]
    assert not any(search.matches(search.words("buurtwerkplaats"), e) for e in others)
    state.settings.title = ""
    assert not any(e.where == "board" for e in search.entries(state))
