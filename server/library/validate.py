"""The checks an imported board state passes, field by field; pure.

Every field is checked against the type the model gives it and, where an op
sets that field, against the op's own constraints (``protocol/ops.py``: the
same limits a client's op meets) — driven by the model's dataclasses and the
ops' fields, so a field the protocol gains is checked without a list here.
Then the references (a comment's card, a vote's card), the caps on counts,
and each notes state must merge. A failure is a :class:`BadDocument`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from functools import cache
from typing import Annotated, Any, get_type_hints

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from protocol import limits
from protocol.model import (
    ANONYMOUS,
    STATUSES,
    BoardState,
    Card,
    Comment,
    Section,
    Session,
    Settings,
    to_wire,
)
from protocol.notes import BOARD_DOC, NotesDoc, is_doc_key
from protocol.ops import (
    REACTIONS,
    BoardSet,
    CardAdd,
    CardMove,
    CardSet,
    CommentAdd,
    SectionAdd,
    no_controls,
)
from server.files.registry import Entry

#: An actor id or a name in the form (authors, voters, removed actors):
#: actors are ids and names are display names, both short.
_MAX_ACTOR = limits.MAX_OP_ID


class BadDocument(Exception):
    """The file is not a board export this release can import. ``code``:
    ``too_new`` (a newer format or form version), ``corrupt`` (not JSON,
    truncated, not the format) or ``invalid`` (a field breaks a rule)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@cache
def adapter(hint: Any) -> TypeAdapter[Any]:
    return TypeAdapter(hint, config=ConfigDict(strict=True))


def _op_hint(models: tuple[type[BaseModel], ...], name: str) -> Any | None:
    """The type (with its constraints) an op gives field ``name``: the
    first of ``models`` that has it. None: no op sets this field."""
    for model in models:
        info = model.model_fields.get(name)
        if info is not None and name not in ("type", "id", "held"):
            if not info.metadata:
                return info.annotation
            return Annotated[(info.annotation, *info.metadata)]
    return None


#: Which ops write each object's fields, so an imported field meets the
#: constraint it met when a client sent it.
_OPS: dict[type, tuple[type[BaseModel], ...]] = {
    Settings: (BoardSet,),
    Section: (SectionAdd,),
    Card: (CardAdd, CardMove, CardSet),
    Comment: (CommentAdd,),
    Session: (),
}


def _field_hints(cls: type) -> dict[str, Any]:
    """Field name → the type an imported value must have: the op's
    constrained type where an op sets the field, else the model's own."""
    hints = get_type_hints(cls)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name == "id":
            continue
        out[f.name] = _op_hint(_OPS[cls], f.name) or hints[f.name]
    return out


_HINTS: dict[type, dict[str, Any]] = {cls: _field_hints(cls) for cls in _OPS}
#: Fields whose op types refuse what a stored object legitimately holds
#: (a tombstone's cleared text, a blank comment body that was deleted).
_LOOSE_WHEN_DELETED = {"title", "body", "url"}


def where_of(path: str, exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    return f"{path}: {first['msg']}"


def _check_object(cls: type, path: str, data: Any) -> None:
    if not isinstance(data, dict):
        raise BadDocument("invalid", f"{path}: an object expected")
    hints = _HINTS[cls]
    unknown = set(data) - set(hints)
    if unknown:
        raise BadDocument("invalid", f"{path}: unknown fields {', '.join(sorted(unknown))}")
    deleted = data.get("deleted") is True
    for name, value in data.items():
        if deleted and name in _LOOSE_WHEN_DELETED and value in ("", None):
            continue
        hint = hints[name]
        if cls is Comment and name == "body" and deleted:
            hint = str
        try:
            adapter(hint).validate_python(value)
        except ValidationError as exc:
            raise BadDocument("invalid", where_of(f"{path}.{name}", exc)) from None
        if isinstance(value, str):
            check_text(f"{path}.{name}", value)
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if is_int and not 0 <= value <= limits.MAX_TIME_MS:
            raise BadDocument("invalid", f"{path}.{name}: out of range")
    for name in ("author", "author_name"):
        if len(data.get(name, "")) > _MAX_ACTOR:
            raise BadDocument("invalid", f"{path}.{name}: too long")
    if data.get("status", "visible") not in STATUSES:
        raise BadDocument("invalid", f"{path}.status: one of {', '.join(STATUSES)}")
    if cls is Settings and data.get("anonymous", "off") not in ANONYMOUS:
        raise BadDocument("invalid", f"{path}.anonymous: one of {', '.join(ANONYMOUS)}")


def check_text(path: str, value: str) -> None:
    if len(value) > limits.MAX_STR_LEN:
        raise BadDocument("invalid", f"{path}: too long")
    try:
        no_controls(value)
    except ValueError as exc:
        raise BadDocument("invalid", f"{path}: {exc}") from None


_ID_HINT: Any = Annotated[
    (CardAdd.model_fields["id"].annotation, *CardAdd.model_fields["id"].metadata)
]


def _check_id(path: str, value: Any) -> None:
    try:
        adapter(_ID_HINT).validate_python(value)
    except ValidationError as exc:
        raise BadDocument("invalid", where_of(path, exc)) from None


def _check_actor(path: str, value: Any) -> None:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_ACTOR:
        raise BadDocument("invalid", f"{path}: an actor id expected")
    check_text(path, value)


def _table(form: dict[str, Any], key: str, cap: int) -> dict[str, Any]:
    table = form.get(key)
    if not isinstance(table, dict):
        raise BadDocument("invalid", f"{key}: an object expected")
    if len(table) > cap:
        raise BadDocument("invalid", f"{key}: more than {cap}")
    for oid in table:
        _check_id(f"{key} id {oid!r}", oid)
    return table


def check_form(form: dict[str, Any]) -> None:
    known = set(to_wire(BoardState("x"))) | {"notes"}
    unknown = set(form) - known
    if unknown:
        raise BadDocument("invalid", f"state: unknown fields {', '.join(sorted(unknown))}")
    _check_object(Settings, "settings", form.get("settings"))
    _check_object(Session, "session", form.get("session", {}))
    sections = _table(form, "sections", limits.MAX_SECTION_ENTRIES)
    cards = _table(form, "cards", limits.MAX_CARD_ENTRIES)
    comments = _table(form, "comments", limits.MAX_COMMENT_ENTRIES)
    for sid, s in sections.items():
        _check_object(Section, f"sections.{sid}", s)
    for cid, c in cards.items():
        _check_object(Card, f"cards.{cid}", c)
    for mid, m in comments.items():
        _check_object(Comment, f"comments.{mid}", m)
        if m.get("card") not in cards:
            raise BadDocument("invalid", f"comments.{mid}.card: no such card")
    live = (
        (sum(not s.get("deleted") for s in sections.values()), limits.MAX_SECTIONS, "sections"),
        (sum(not c.get("deleted") for c in cards.values()), limits.MAX_CARDS, "cards"),
        (sum(not m.get("deleted") for m in comments.values()), limits.MAX_COMMENTS, "comments"),
    )
    for count, cap, what in live:
        if count > cap:
            raise BadDocument("invalid", f"{what}: more than {cap} live ones")
    reactions = _table(form, "reactions", limits.MAX_CARD_ENTRIES)
    for cid, per in reactions.items():
        if cid not in cards or not isinstance(per, dict):
            raise BadDocument("invalid", f"reactions.{cid}: no such card")
        for emoji, actors in per.items():
            if emoji not in REACTIONS or not isinstance(actors, list):
                raise BadDocument("invalid", f"reactions.{cid}: {emoji!r} is not a reaction")
            for actor in actors:
                _check_actor(f"reactions.{cid}.{emoji}", actor)
    votes = _table(form, "votes", limits.MAX_CARD_ENTRIES)
    for cid, per in votes.items():
        if cid not in cards or not isinstance(per, dict):
            raise BadDocument("invalid", f"votes.{cid}: no such card")
        for actor, n in per.items():
            _check_actor(f"votes.{cid}", actor)
            if type(n) is not int or not 0 < n <= limits.MAX_VOTE_BUDGET:
                raise BadDocument("invalid", f"votes.{cid}.{actor}: a vote count expected")
    removed = form.get("removed", [])
    if not isinstance(removed, list):
        raise BadDocument("invalid", "removed: a list expected")
    for actor in removed:
        _check_actor("removed", actor)


def notes_states(data: Any) -> dict[str, bytes]:
    """The notes' Yjs states from base64, each one checked to merge."""
    if not isinstance(data, dict) or len(data) > limits.MAX_DESCRIPTIONS + 1:
        raise BadDocument("invalid", "notes: an object of at most one document per card expected")
    out: dict[str, bytes] = {}
    for doc, value in data.items():
        if not isinstance(doc, str) or not is_doc_key(doc):
            raise BadDocument("invalid", f"notes: {doc!r} is not a notes document")
        if not isinstance(value, str):
            raise BadDocument("invalid", f"notes.{doc}: base64 text expected")
        try:
            state = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise BadDocument("invalid", f"notes.{doc}: not base64") from None
        cap = limits.MAX_NOTES_DOC if doc == BOARD_DOC else limits.MAX_CARD_DOC
        if len(state) > cap:
            raise BadDocument("invalid", f"notes.{doc}: more than {cap} bytes")
        try:
            merged = NotesDoc(state)
        except Exception:  # pycrdt raises bare exceptions on bad updates
            raise BadDocument("invalid", f"notes.{doc}: not a Yjs document") from None
        if merged.state() != state and state:
            # A state that does not re-encode to itself carries something
            # pycrdt dropped: refuse rather than import less than the file.
            raise BadDocument("invalid", f"notes.{doc}: not a merged Yjs state")
        out[doc] = state
    return out


_ENTRY_HINTS = get_type_hints(Entry)


def check_entry(where: str, data: Any, size: int) -> Entry:
    if not isinstance(data, dict) or not set(data) <= set(_ENTRY_HINTS):
        raise BadDocument("invalid", f"{where}.entry: a file record expected")
    for name, value in data.items():
        try:
            adapter(_ENTRY_HINTS[name]).validate_python(value)
        except ValidationError as exc:
            raise BadDocument("invalid", where_of(f"{where}.entry.{name}", exc)) from None
        if isinstance(value, str):
            check_text(f"{where}.entry.{name}", value)
    try:
        entry = Entry(**data)
    except TypeError:
        raise BadDocument("invalid", f"{where}.entry: fields missing") from None
    if entry.size != size:
        raise BadDocument("invalid", f"{where}.entry.size: not the size of the data")
    return entry
