"""The word filter: posts that match are held for a facilitator's approval.

A QR code on a TV in a school hub invites the occasional insult. With the
filter on (``board.set {filter: true}``), a card or comment whose text holds
a listed word — from the default Dutch and English lists below or the
board's own ``words`` — is not refused (that would teach the sender which
word to misspell) but held: it waits as "pending" like a post in approval
mode, seen only by its author and the facilitators.

Only the server matches (before it appends the op, setting ``held``), so the
reducer stays free of text matching and every replica — whatever its
language's idea of a word — applies the same log the same way.

Matching: case-insensitive on whole words (letters and digits, Unicode),
after folding a few look-alike digits (``1`` → ``i``, ``0`` → ``o``, …);
an entry of several words matches that sequence of words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from protocol.model import BoardState
from protocol.ops import CardAdd, CardSet, CommentAdd, Op

#: Common Dutch insults and slurs (short on purpose: the board's own list
#: adds what a session needs).
DUTCH: tuple[str, ...] = (
    "kut", "klootzak", "lul", "hoer", "eikel", "debiel", "mongool", "kanker",
    "tering", "tyfus", "homo", "flikker", "neger", "sukkel", "trut", "slet",
    "kutwijf", "godverdomme", "klote", "pleur op", "rot op", "kankerlijer",
)  # fmt: skip
#: Common English insults and slurs.
ENGLISH: tuple[str, ...] = (
    "fuck", "fucking", "shit", "bitch", "bastard", "asshole", "cunt", "dick",
    "retard", "slut", "whore", "faggot", "nigger", "wanker", "twat", "piss off",
    "motherfucker", "dumbass", "jackass",
)  # fmt: skip
DEFAULT_WORDS: tuple[str, ...] = DUTCH + ENGLISH

_WORD = re.compile(r"[^\W_]+")
_LOOKALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold().translate(_LOOKALIKES))


def matches(text: str, extra: Iterable[str] = ()) -> bool:
    """Whether ``text`` holds a listed word or phrase (default lists plus
    ``extra``)."""
    words = _words(text)
    if not words:
        return False
    present = set(words)
    joined = f" {' '.join(words)} "
    for entry in (*DEFAULT_WORDS, *extra):
        parts = _words(entry)
        if not parts:
            continue
        if len(parts) == 1:
            if parts[0] in present:
                return True
        elif f" {' '.join(parts)} " in joined:
            return True
    return False


def hold_if_filtered(state: BoardState, op: Op) -> Op:
    """The op as the server appends it: ``held`` set when the board's word
    filter is on and the op's text matches. Other ops pass unchanged."""
    if not state.settings.filter or not isinstance(op, CardAdd | CardSet | CommentAdd):
        return op
    if isinstance(op, CommentAdd):
        text = op.body
    else:  # every text the card shows: its tags, contact and file names too
        names = [f.name for f in op.files or ()]
        shown = (op.title, op.body, op.url, op.contact, *(op.tags or ()), *names)
        text = " ".join(t for t in shown if t)
    if matches(text, state.settings.words):
        return op.model_copy(update={"held": True})
    return op
