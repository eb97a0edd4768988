"""Versioned snapshot forms (server/engine/snapshots.py): a version-1
snapshot (before facilitation) loads through the explicit step to version
2 with the defaults a board had then; a newer one is refused."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.model import from_wire, to_wire
from server.engine.snapshots import SNAPSHOT_VERSION, SnapshotTooNew, upgrade

#: A board as version 1 stored it: no facilitation settings, no status, no
#: session, no removed list.
V1_FORM: dict[str, Any] = {
    "board": "old",
    "seq": 7,
    "settings": {"title": "Old board", "layout": "columns", "theme": "dark", "vote_budget": 3},
    "sections": {"s1": {"title": "Ideas", "pos": "a0", "deleted": False}},
    "cards": {
        "k1": {
            "kind": "note", "title": "Hello", "body": "", "color": "blue", "url": "",
            "section": "s1", "pos": "a0", "x": 0, "y": 0, "author": "a1",
            "author_name": "Ann", "created_at": 1, "updated_at": 2, "deleted": False,
        }
    },
    "comments": {
        "m1": {"card": "k1", "body": "yes", "author": "a2", "author_name": "Bob",
               "created_at": 3, "deleted": False}
    },
    "reactions": {"k1": {"👍": ["a2"]}},
    "votes": {"k1": {"a2": 2}},
}  # fmt: skip


def test_a_version_1_snapshot_loads_with_the_defaults_of_its_time() -> None:
    form = upgrade(V1_FORM, 1)
    assert V1_FORM["cards"]["k1"].get("status") is None  # the input is not changed
    state = from_wire(form)
    assert state.settings.title == "Old board" and state.settings.vote_budget == 3
    assert (state.settings.approval, state.settings.locked, state.settings.anonymous) == (
        False, False, "off",
    )  # fmt: skip
    assert state.cards["k1"].status == "visible" and state.comments["m1"].status == "visible"
    assert state.session.round == 0 and state.removed == set() and state.held == 0
    # Upgraded, the form is exactly what this release writes for that state.
    assert to_wire(state) == form


#: A card as version 2 stored it: no attachments, tags or question/offer fields.
V2_CARD: dict[str, Any] = {
    "kind": "question", "title": "Wie helpt?", "body": "", "color": "blue", "url": "",
    "section": "", "pos": "a0", "x": 0, "y": 0, "author": "a1", "author_name": "Ann",
    "created_at": 1, "updated_at": 2, "deleted": False, "status": "visible",
}  # fmt: skip


def test_a_version_2_card_loads_without_files_tags_or_state() -> None:
    form = {**upgrade(V1_FORM, 1), "cards": {"k2": V2_CARD}}
    upgraded = upgrade(form, 2)
    assert "files" not in V2_CARD  # the input is not changed
    card = from_wire(upgraded).cards["k2"]
    assert (card.files, card.preview, card.tags) == ([], None, [])
    assert (card.contact, card.expires, card.state) == ("", 0, "open")
    assert card.title == "Wie helpt?" and card.kind == "question"
    assert to_wire(from_wire(upgraded)) == upgraded
    # The model alone reads a card without them too (a view patch, a test form).
    assert from_wire(form).cards["k2"] == card


def test_the_current_version_is_read_as_is() -> None:
    form = upgrade(V1_FORM, 1)
    assert upgrade(form, SNAPSHOT_VERSION) == form


def test_a_newer_form_is_refused() -> None:
    with pytest.raises(SnapshotTooNew, match="version 9"):
        upgrade(V1_FORM, 9)
