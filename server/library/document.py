"""The board export document (``prikbord-board``), pure: build and read it.

The document wraps the board's snapshot form (``protocol.model.to_wire``):
whatever fields the model gains, the export carries them, because it is the
same form the engine stores and a replica loads. JSON has no bytes, so the
Yjs states of the session notes travel as base64 strings.

Reading one back trusts nothing: the envelope (format, version), the form's
version (an older form is upgraded like a stored snapshot; a newer one is
refused), every field against the model's types and the ops' constraints
(``protocol/ops.py``: the same limits a client's op meets), the references
(a comment's card, a vote's card), the caps on counts, and each notes
state must merge. Any failure is a :class:`BadDocument` with a stable code
and a sentence; nothing is half-read.

The document (version 1)::

    {"format": "prikbord-board", "version": 1,
     "form": <snapshot form version, server/engine/snapshots.py>,
     "exported_at": <ms>, "source": {"board": <id>, "seq": <n>},
     "view": "full" | "facilitator" | "participant" | "viewer",
     "state": <the snapshot form without board and seq; notes in base64>,
     "attachments": [{"id": <sha256>, "entry": <the board's record of the
                      file>, "data": <its bytes, base64>}, ...]}

``attachments`` holds every file a card of the exported state shows (its
files and its link preview's image), so an import puts them back; a card
that names a file the export lacks is refused, as are bytes whose sha256
is not their id (a tampered file).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import re
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
    from_wire,
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
from server.engine.snapshots import SNAPSHOT_VERSION, SnapshotTooNew, upgrade
from server.files.registry import Entry

FORMAT = "prikbord-board"
#: The envelope's version. A reader refuses a newer one (it cannot know
#: what a newer writer meant) and reads every older one.
VERSION = 1

#: An actor id or a name in the form (authors, voters, removed actors):
#: actors are ids and names are display names, both short.
_MAX_ACTOR = limits.MAX_OP_ID
#: Fields the document's envelope may have; anything else is refused, so an
#: export from a newer writer that added one is never silently cut short.
_ENVELOPE = {"format", "version", "form", "exported_at", "source", "view", "state", "attachments"}


class BadDocument(Exception):
    """The file is not a board export this release can import. ``code``:
    ``too_new`` (a newer format or form version), ``corrupt`` (not JSON,
    truncated, not the format) or ``invalid`` (a field breaks a rule)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def export_form(form: dict[str, Any]) -> dict[str, Any]:
    """A snapshot form (or a projection of one) as JSON-ready data: notes'
    Yjs states in base64, board id and seq left to the envelope."""
    out = {k: v for k, v in form.items() if k not in ("board", "seq")}
    if "notes" in out:
        notes = out["notes"].items()
        out["notes"] = {doc: base64.b64encode(bytes(st)).decode() for doc, st in notes}
    return out


def build(
    form: dict[str, Any],
    *,
    view: str,
    exported_at: int,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The export document of a board's form (``to_wire`` for the whole
    board, ``visibility.project`` for what one role may see)."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "form": SNAPSHOT_VERSION,
        "exported_at": exported_at,
        "source": {"board": form["board"], "seq": form["seq"]},
        "view": view,
        "state": export_form(form),
    }
    if attachments:
        doc["attachments"] = attachments
    return doc


def dumps(doc: dict[str, Any]) -> bytes:
    """The document as UTF-8 JSON, keys sorted: equal boards give equal
    files (diffable exports)."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1).encode()


def loads(raw: bytes) -> dict[str, Any]:
    """Parse the file and check its envelope (not yet the state)."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadDocument("corrupt", f"not a JSON file (or cut short): {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BadDocument("corrupt", f"not a Prikbord board export (format {FORMAT!r} expected)")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BadDocument("corrupt", "the export has no valid version")
    if version > VERSION:
        raise BadDocument(
            "too_new",
            f"this export is format version {version}; this server reads up to {VERSION}: "
            "upgrade the server first",
        )
    extra = set(doc) - _ENVELOPE
    if extra:
        raise BadDocument("invalid", f"unknown fields in the export: {', '.join(sorted(extra))}")
    if not isinstance(doc.get("state"), dict):
        raise BadDocument("corrupt", "the export has no board state")
    form_version = doc.get("form", 1)
    if not isinstance(form_version, int) or isinstance(form_version, bool) or form_version < 1:
        raise BadDocument("corrupt", "the export's form version is not a number")
    return doc


def read_state(doc: dict[str, Any], board: str, seq: int) -> BoardState:
    """The board state a checked envelope holds, as board ``board`` at
    ``seq``. Raises BadDocument for any field that breaks a rule."""
    state_data = dict(doc["state"])
    try:
        form = upgrade({**state_data, "board": board, "seq": seq}, doc.get("form", 1))
    except SnapshotTooNew as exc:
        raise BadDocument("too_new", f"{exc}: upgrade the server first") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise BadDocument("invalid", f"the board state is incomplete: {exc}") from None
    form["notes"] = _notes(form.get("notes", {}))
    _check_form(form)
    try:
        return from_wire(form)
    except (TypeError, KeyError, ValueError) as exc:  # pragma: no cover - _check_form guards
        raise BadDocument("invalid", f"the board state does not load: {exc}") from None


# --- validation ---------------------------------------------------------------


@cache
def _adapter(hint: Any) -> TypeAdapter[Any]:
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


def _where(path: str, exc: ValidationError) -> str:
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
            _adapter(hint).validate_python(value)
        except ValidationError as exc:
            raise BadDocument("invalid", _where(f"{path}.{name}", exc)) from None
        if isinstance(value, str):
            _check_text(f"{path}.{name}", value)
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


def _check_text(path: str, value: str) -> None:
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
        _adapter(_ID_HINT).validate_python(value)
    except ValidationError as exc:
        raise BadDocument("invalid", _where(path, exc)) from None


def _check_actor(path: str, value: Any) -> None:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_ACTOR:
        raise BadDocument("invalid", f"{path}: an actor id expected")
    _check_text(path, value)


def _table(form: dict[str, Any], key: str, cap: int) -> dict[str, Any]:
    table = form.get(key)
    if not isinstance(table, dict):
        raise BadDocument("invalid", f"{key}: an object expected")
    if len(table) > cap:
        raise BadDocument("invalid", f"{key}: more than {cap}")
    for oid in table:
        _check_id(f"{key} id {oid!r}", oid)
    return table


def _check_form(form: dict[str, Any]) -> None:
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


def _notes(data: Any) -> dict[str, bytes]:
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


# --- attachments ------------------------------------------------------------------

_FILE_ID = re.compile(r"^[0-9a-f]{64}$")
_ENTRY_HINTS = get_type_hints(Entry)


def referenced_files(form: dict[str, Any]) -> set[str]:
    """Every file id a live card of a snapshot form (or projection) shows."""
    ids: set[str] = set()
    for c in form.get("cards", {}).values():
        if not isinstance(c, dict) or c.get("deleted"):
            continue
        for f in c.get("files") or []:
            if isinstance(f, dict) and isinstance(f.get("id"), str):
                ids.add(f["id"])
        preview = c.get("preview")
        if isinstance(preview, dict) and preview.get("image"):
            ids.add(str(preview["image"]))
    return ids


def attachment(file_id: str, entry: Entry, data: bytes) -> dict[str, Any]:
    """One file as the document carries it."""
    return {
        "id": file_id,
        "entry": dataclasses.asdict(entry),
        "data": base64.b64encode(data).decode(),
    }


def read_attachments(doc: dict[str, Any], state: BoardState) -> list[tuple[str, Entry, bytes]]:
    """The files of a checked document: each id a sha256 of its bytes, each
    record a valid ``Entry``, and every file a card of ``state`` shows
    present. Raises BadDocument."""
    raw = doc.get("attachments", [])
    if not isinstance(raw, list):
        raise BadDocument("invalid", "attachments: a list expected")
    out: dict[str, tuple[str, Entry, bytes]] = {}
    for i, item in enumerate(raw):
        where = f"attachments[{i}]"
        if not isinstance(item, dict) or set(item) != {"id", "entry", "data"}:
            raise BadDocument("invalid", f"{where}: id, entry and data expected")
        file_id, entry, data = item["id"], item["entry"], item["data"]
        if not isinstance(file_id, str) or not _FILE_ID.fullmatch(file_id):
            raise BadDocument("invalid", f"{where}.id: not a file id")
        if not isinstance(data, str):
            raise BadDocument("invalid", f"{where}.data: base64 text expected")
        try:
            blob = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise BadDocument("invalid", f"{where}.data: not base64") from None
        if hashlib.sha256(blob).hexdigest() != file_id:
            raise BadDocument("invalid", f"{where}: the bytes do not match the file id")
        out[file_id] = (file_id, _entry(where, entry, len(blob)), blob)
    missing = referenced_files(to_wire(state)) - set(out)
    if missing:
        raise BadDocument("invalid", f"attachments: {len(missing)} file(s) of cards missing")
    return list(out.values())


def _entry(where: str, data: Any, size: int) -> Entry:
    if not isinstance(data, dict) or not set(data) <= set(_ENTRY_HINTS):
        raise BadDocument("invalid", f"{where}.entry: a file record expected")
    for name, value in data.items():
        try:
            _adapter(_ENTRY_HINTS[name]).validate_python(value)
        except ValidationError as exc:
            raise BadDocument("invalid", _where(f"{where}.entry.{name}", exc)) from None
        if isinstance(value, str):
            _check_text(f"{where}.entry.{name}", value)
    try:
        entry = Entry(**data)
    except TypeError:
        raise BadDocument("invalid", f"{where}.entry: fields missing") from None
    if entry.size != size:
        raise BadDocument("invalid", f"{where}.entry.size: not the size of the data")
    return entry
