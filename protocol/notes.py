"""Session notes: collaborative text as Yjs documents (pycrdt), pure.

A board has one notes document (``"board"``) and each card may have a
description document (``"card:<id>"``). Each is a Yjs document whose text
lives in the root ``Y.Text`` named ``"notes"``. Edits travel as Yjs updates
in ``notes.update`` events of the board's log, so they share ordering, ack,
resume and persistence with every other op; every replica merges them in seq
order, and a Yjs merge is commutative and idempotent, so two people typing
into the same paragraph keep both their characters.

The snapshot holds each document's merged state (``encode_state_as_update``),
which pycrdt (yrs) and yjs encode byte for byte alike (the golden vectors in
``protocol/vectors/notes.json`` check that), so the snapshot stays as small
as the text and its deletions, however long the typing went on.

The reducer applies an update in place (cheap: the cost of the update, not
of the document). The checks that need a trial merge — a malformed update,
one that depends on content the document does not have, the size caps —
run once on the server before the op is logged (:func:`check_update`), so
the log only holds updates every replica can merge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from pycrdt import Doc, Text
from pycrdt import get_update as _update_beyond

from protocol.errors import ErrorCode

#: The root text every notes document keeps its text in (yjs: ``doc.getText("notes")``).
TEXT_NAME = "notes"
#: The board's own notes document.
BOARD_DOC = "board"
_CARD_PREFIX = "card:"
#: ``doc`` in ``notes.update``: the board's notes or one card's description.
DOC_PATTERN = r"^(board|card:[A-Za-z0-9_-]{1,40})$"
_DOC_RE = re.compile(DOC_PATTERN)


def card_doc(card_id: str) -> str:
    """The document key of a card's description."""
    return _CARD_PREFIX + card_id


def doc_card(doc: str) -> str | None:
    """The card a document key belongs to, or None for the board's notes."""
    return doc[len(_CARD_PREFIX) :] if doc.startswith(_CARD_PREFIX) else None


def is_doc_key(doc: str) -> bool:
    return _DOC_RE.fullmatch(doc) is not None


class NotesDoc:
    """One Yjs document of a replica: a pycrdt ``Doc`` plus its encoded state,
    cached until the next update (snapshots and joins ask for it often, the
    typing only changes it)."""

    __slots__ = ("_doc", "_state")

    def __init__(self, state: bytes | None = None) -> None:
        self._doc: Doc[Any] = Doc()
        self._state: bytes | None = None
        if state:
            self._doc.apply_update(state)
            self._state = None

    def apply(self, update: bytes) -> bool:
        """Merge an update; False (and nothing changed that shows) when it
        cannot be read. Updates in the log were checked before they were
        logged (:func:`check_update`), so this only guards the replica."""
        try:
            self._doc.apply_update(update)
        except Exception:  # pycrdt raises ValueError/RuntimeError on bad bytes
            return False
        self._state = None
        return True

    def state(self) -> bytes:
        """The merged state: a Yjs update that rebuilds this document."""
        if self._state is None:
            self._state = self._doc.get_update()
        return self._state

    def state_vector(self) -> bytes:
        return self._doc.get_state()

    def diff(self, state_vector: bytes) -> bytes:
        """What this document has beyond ``state_vector`` (a Yjs update)."""
        return self._doc.get_update(state_vector)

    def text(self) -> str:
        return str(self._doc.get(TEXT_NAME, type=Text))

    def __deepcopy__(self, memo: dict[int, Any]) -> NotesDoc:
        # A pycrdt Doc cannot be copied as an object; its state can.
        return NotesDoc(self.state())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NotesDoc) and self.state() == other.state()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"NotesDoc({self.text()!r})"


def read_var_uints(data: bytes) -> Iterator[int]:
    """lib0's variable-length unsigned integers, one after the other."""
    value = shift = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            yield value
            value = shift = 0
    if shift:
        raise ValueError("truncated varuint")


def decode_state_vector(sv: bytes) -> dict[int, int]:
    """A Yjs state vector (``count, (client, clock)*``) as a dict."""
    numbers = list(read_var_uints(sv))
    if not numbers or len(numbers) != 1 + 2 * numbers[0]:
        raise ValueError("not a state vector")
    return dict(zip(numbers[1::2], numbers[2::2], strict=True))


class Refusal(NamedTuple):
    code: ErrorCode
    message: str
    #: The update depends on text the document lacks: on a replica that is
    #: behind its log, the text may only not have arrived yet.
    missing: bool = False


def check_update(
    current: NotesDoc | None, update: bytes, *, max_doc: int, max_update: int
) -> Refusal | None:
    """None when ``update`` may be logged for a document now at ``current``
    (None: the document does not exist yet).

    A trial merge into a copy: the update must be a readable Yjs update
    (v1), everything it depends on must be in the document (else its
    content would wait, invisible, forever: a client that lost an update
    must rebuild its document from the board's), and the merged state must
    stay within ``max_doc`` bytes. Costs one decode and encode of the
    document; only the server runs it, once per op."""
    if not 0 < len(update) <= max_update:
        return Refusal(ErrorCode.INVALID, f"a notes update holds 1 to {max_update} bytes")
    trial: Doc[Any] = Doc()
    try:
        if current is not None:
            trial.apply_update(current.state())
        trial.apply_update(update)
        str(trial.get(TEXT_NAME, type=Text))  # the root must read as text
        # What of the update is still beyond the merged document's state
        # vector did not integrate: it waits for content the document lacks.
        leftover = _update_beyond(update, trial.get_state())
        merged = trial.get_update()
    except Exception:
        return Refusal(ErrorCode.INVALID, "not a readable Yjs update of a text document")
    if not leftover.startswith(b"\x00"):  # a v1 update opens with its count of struct groups
        return Refusal(
            ErrorCode.INVALID,
            "the update depends on text the notes do not have: reload them",
            missing=True,
        )
    if len(merged) > max_doc:
        return Refusal(
            ErrorCode.BOARD_FULL, f"the notes would pass {max_doc} bytes: this document is full"
        )
    return None


def descriptions(notes: Mapping[str, NotesDoc]) -> int:
    """How many card description documents a board holds."""
    return sum(1 for doc in notes if doc != BOARD_DOC)


def to_markdown(
    title: str, notes: Mapping[str, NotesDoc], card_titles: Mapping[str, str] | None = None
) -> str:
    """The notes as a Markdown file: the board's title as its heading, the
    notes text as typed (it is Markdown already: ``#`` headings, ``-`` lists,
    ``- [ ]`` action items), then each card description with its card's
    title, in the order the cards were added."""
    out = [f"# {_one_line(title)}", ""]
    board = notes.get(BOARD_DOC)
    text = board.text().strip("\n") if board is not None else ""
    if text:
        out += [text, ""]
    described = [
        (card_id, doc.text().strip("\n"))
        for doc_key, doc in notes.items()
        if (card_id := doc_card(doc_key)) is not None
    ]
    described = [(c, t) for c, t in described if t.strip()]
    if described:
        out += ["## Card descriptions", ""]
        for card_id, body in described:
            name = (card_titles or {}).get(card_id) or card_id
            out += [f"### {_one_line(name)}", "", body, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


#: An action item: a Markdown task line, with its assignee as ``@name``.
_TASK_RE = re.compile(r"^\s*[-*+]\s+\[( |x|X)\]\s+(.*)$")
_ASSIGNEE_RE = re.compile(r"@([\w.-]+)")


class ActionItem(NamedTuple):
    done: bool
    text: str
    assignee: str


def action_items(text: str) -> list[ActionItem]:
    """The ``- [ ]`` / ``- [x]`` lines of a notes text; the assignee is the
    first ``@name`` in the line ("" when none)."""
    items = []
    for line in text.splitlines():
        match = _TASK_RE.match(line)
        if match:
            who = _ASSIGNEE_RE.search(match.group(2))
            items.append(
                ActionItem(
                    match.group(1) != " ", match.group(2).strip(), who.group(1) if who else ""
                )
            )
    return items
