"""Versions of the stored snapshot form, and the way up from each.

A snapshot is stored with the version of its form (the ``v`` field of the
board's snapshot hash; a snapshot without one is version 1). Reading one
runs it through the steps from its version to :data:`SNAPSHOT_VERSION`, one
function per step, so a board stored by any earlier release loads; a
snapshot from a newer release than this one is refused rather than misread
(a rollback after an upgrade: restore the backup taken before it).

Versions:

1. The form of protocol version 1's first release (issue 7).
2. Facilitation (issue 9): settings ``approval``, ``locked``,
   ``hide_cards``, ``anonymous``, ``filter``, ``words``; a ``status`` on
   cards and comments; ``session``; ``removed``. Their defaults are what a
   board had before they existed. Session notes (``notes``) came within
   version 2: a board without notes has none, so its absence is the default.
3. Attachments and the question/offer fields (issues 13, 14): cards gain
   ``files``, ``preview``, ``tags``, ``contact``, ``expires``, ``state``,
   with the defaults of a card that has none of them. (A release before
   them could not read such a card: it must refuse the form, not misread it.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from protocol import codec
from protocol.model import (
    BoardState,
    Card,
    Session,
    Settings,
    card_wire,
    from_wire,
    session_wire,
    settings_wire,
)

SNAPSHOT_VERSION = 3

Form = dict[str, Any]

#: Settings that version 2 added (their defaults come from the model).
_V2_SETTINGS = ("approval", "locked", "hide_cards", "anonymous", "filter", "words")


class SnapshotTooNew(Exception):
    """The snapshot was written by a newer release than this one."""


def _v1_to_v2(form: Form) -> Form:
    defaults = settings_wire(Settings())
    settings = dict(form["settings"])
    for key in _V2_SETTINGS:
        settings.setdefault(key, defaults[key])
    return {
        **form,
        "settings": settings,
        "cards": {cid: {"status": "visible", **c} for cid, c in form["cards"].items()},
        "comments": {mid: {"status": "visible", **m} for mid, m in form["comments"].items()},
        "session": {**session_wire(Session()), **form.get("session", {})},
        "removed": list(form.get("removed", [])),
    }


#: Card fields that version 3 added (their defaults come from the model).
_V3_CARD = ("files", "preview", "tags", "contact", "expires", "state")


def _v2_to_v3(form: Form) -> Form:
    blank = card_wire(Card(id=""))
    defaults = {key: blank[key] for key in _V3_CARD}
    return {**form, "cards": {cid: {**defaults, **c} for cid, c in form["cards"].items()}}


#: version → the step from it to the next.
STEPS: dict[int, Callable[[Form], Form]] = {1: _v1_to_v2, 2: _v2_to_v3}


def upgrade(form: Form, version: int) -> Form:
    """``form`` (stored at ``version``) in the current version's form."""
    if version > SNAPSHOT_VERSION:
        raise SnapshotTooNew(
            f"snapshot form version {version}; this release reads up to {SNAPSHOT_VERSION}"
        )
    while version < SNAPSHOT_VERSION:
        form = STEPS[version](form)
        version += 1
    return form


def state_of(board: str, state: bytes | None, version: int) -> BoardState:
    """The board state a stored snapshot holds (None: an empty board)."""
    if state is None:
        return BoardState(board)
    return from_wire(upgrade(codec.unpack(state), version))
