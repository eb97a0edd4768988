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
from typing import Any

from protocol.model import (
    BoardState,
    from_wire,
    to_wire,
)
from server.engine.snapshots import SNAPSHOT_VERSION, SnapshotTooNew, upgrade
from server.files.registry import Entry
from server.library.validate import BadDocument, check_entry, check_form, notes_states

__all__ = ["BadDocument", "attachment", "build", "dumps", "loads", "read_attachments", "read_state"]

FORMAT = "prikbord-board"
#: The envelope's version. A reader refuses a newer one (it cannot know
#: what a newer writer meant) and reads every older one.
VERSION = 1

#: Fields the document's envelope may have; anything else is refused, so an
#: export from a newer writer that added one is never silently cut short.
_ENVELOPE = {"format", "version", "form", "exported_at", "source", "view", "state", "attachments"}


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
    except RecursionError:  # nested deeper than the parser goes: no export is
        raise BadDocument("corrupt", "not a board export (JSON nested too deep)") from None
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
    form["notes"] = notes_states(form.get("notes", {}))
    check_form(form)
    try:
        return from_wire(form)
    except (TypeError, KeyError, ValueError) as exc:  # pragma: no cover - check_form guards
        raise BadDocument("invalid", f"the board state does not load: {exc}") from None


# --- attachments ------------------------------------------------------------------

_FILE_ID = re.compile(r"^[0-9a-f]{64}$")


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
        out[file_id] = (file_id, check_entry(where, entry, len(blob)), blob)
    missing = referenced_files(to_wire(state)) - set(out)
    if missing:
        raise BadDocument("invalid", f"attachments: {len(missing)} file(s) of cards missing")
    return list(out.values())
