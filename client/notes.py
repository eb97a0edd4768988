"""The session notes as this client edits them (pycrdt), live.

Each notes document (the board's, ``"board"``, or a card's description,
``"card:<id>"``) is a Yjs document here too: :class:`Notes` holds the
client's own copy, which people and scripts edit (``insert``, ``delete``,
``set_text``) and which merges everyone else's updates as their events
arrive. What this client types is collected per transaction and sent as one
``notes.update`` op per batch (``NOTES_BATCH_MS``, or at once with
:meth:`Notes.flush`), so a typist costs a few ops a second whatever their
speed. Ops go through the client's outbox like any other: acked, resent
after a reconnect with the same op id, applied once.

A refused update (the board got locked, a viewer's link, a document past
its cap) never reached the log; the copy is then rebuilt from the board's
confirmed document plus the updates still on their way, under a new Yjs
client id (the refused update's clocks must never be reused), so what
shows is what the board holds.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from pycrdt import Doc, Subscription, Text, TransactionEvent, merge_updates

from protocol import limits
from protocol.messages import Event
from protocol.notes import TEXT_NAME, NotesDoc, is_doc_key, to_markdown
from protocol.ops import CardDelete, NotesUpdate, PostsDelete, ViewPatch

#: Submits an op through the client's outbox; the future gives its seq.
Submit = Callable[[NotesUpdate], "asyncio.Future[int]"]
#: The updates of this document still on their way (sent, not in the log yet).
InFlight = Callable[[str], list[bytes]]


def _new_doc() -> Doc[Any]:
    # yjs keeps client ids in 32 bits (its encoder, its JSON); so do we.
    return Doc(client_id=secrets.randbits(32))


class Notes:
    """One notes document: read its text, edit it, and it stays in step."""

    def __init__(
        self,
        doc: str,
        submit: Submit,
        in_flight: InFlight,
        batch_ms: int = limits.NOTES_BATCH_MS,
    ) -> None:
        if not is_doc_key(doc):
            raise ValueError(f"not a notes document: {doc!r} (board, or card:<id>)")
        self.doc = doc
        self._submit = submit
        self._in_flight = in_flight
        self._batch_s = batch_ms / 1000
        self._buffer: list[bytes] = []
        self._remote = False
        self._timer: asyncio.TimerHandle | None = None
        self._ydoc: Doc[Any] = _new_doc()
        self._sub: Subscription | None = None
        self._bind()

    # --- reading -------------------------------------------------------------

    @property
    def ytext(self) -> Text:
        """The live Yjs text (for observers); edit through the methods below."""
        text: Text = self._ydoc.get(TEXT_NAME, type=Text)
        return text

    @property
    def text(self) -> str:
        return str(self.ytext)

    def __len__(self) -> int:
        return len(self.ytext)

    # --- editing -------------------------------------------------------------

    def insert(self, index: int, text: str) -> None:
        """Insert ``text`` at ``index`` (characters); sent with the next batch."""
        if not 0 <= index <= len(self):
            raise IndexError(f"index {index} outside the text (0..{len(self)})")
        if text:
            self.ytext.insert(index, text)

    def append(self, text: str) -> None:
        self.insert(len(self), text)

    def delete(self, index: int, length: int) -> None:
        """Delete ``length`` characters from ``index``."""
        if index < 0 or length < 0 or index + length > len(self):
            raise IndexError(f"range {index}+{length} outside the text (0..{len(self)})")
        if length:
            del self.ytext[index : index + length]

    def set_text(self, text: str) -> None:
        """Make the text ``text`` by changing only the middle that differs,
        so what others type before and after it at the same time stays."""
        old = self.text
        start = 0
        limit = min(len(old), len(text))
        while start < limit and old[start] == text[start]:
            start += 1
        end = 0
        while end < limit - start and old[-1 - end] == text[-1 - end]:
            end += 1
        with self._ydoc.transaction():
            self.delete(start, len(old) - start - end)
            self.insert(start, text[start : len(text) - end])

    async def flush(self) -> int | None:
        """Send what was typed now instead of at the end of the batch; the
        seq it got in the log (None when there was nothing to send)."""
        fut = self._send()
        return None if fut is None else await fut

    def markdown(self, title: str = "Notes") -> str:
        doc = NotesDoc(self._ydoc.get_update())
        return to_markdown(title, {self.doc: doc})

    # --- the client feeds these ------------------------------------------------

    def sync(self, confirmed: NotesDoc | None) -> None:
        """Take in what the board's document has that ours lacks (events
        applied, a snapshot loaded). Only what the log made of them counts:
        an update the reducer refused is not in ``confirmed``, so it never
        shows here either. None: the document is not (or no longer) in our
        view — a deleted card's — so ours starts over from our updates on
        their way."""
        if confirmed is None:
            self.rebuild(None, self._in_flight(self.doc))
        else:
            self.merge(confirmed.diff(self._ydoc.get_state()))

    def refused(self, confirmed: NotesDoc | None) -> None:
        """One of our updates was refused: show what the board holds."""
        self.rebuild(None if confirmed is None else confirmed.state(), self._in_flight(self.doc))

    def merge(self, update: bytes) -> None:
        """Someone's update (or a snapshot's state): merge it, send nothing."""
        self._remote = True
        try:
            self._ydoc.apply_update(update)
        finally:
            self._remote = False

    def rebuild(self, confirmed: bytes | None, pending: Iterable[bytes]) -> None:
        """Start over from the board's document and our updates on their way
        (after a refusal, or when the document left our view); what was
        typed but not sent yet is dropped with the refused update it may
        build on."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._sub is not None:
            self._ydoc.unobserve(self._sub)
        self._buffer.clear()
        self._ydoc = _new_doc()
        self._bind()
        for update in (confirmed, *pending):
            if update:
                self.merge(update)

    # --- inside ----------------------------------------------------------------

    def _bind(self) -> None:
        self._sub = self._ydoc.observe(self._on_transaction)

    def _on_transaction(self, event: TransactionEvent) -> None:
        if self._remote:
            return
        update: bytes = event.update
        if update == b"\x00\x00":
            return  # a transaction that changed nothing
        self._buffer.append(update)
        if self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no loop (a test): flush() sends it
            self._timer = loop.call_later(self._batch_s, self._send)

    def _send(self) -> asyncio.Future[int] | None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._buffer:
            return None
        update = merge_updates(*self._buffer) if len(self._buffer) > 1 else self._buffer[0]
        self._buffer.clear()
        if len(update) > limits.MAX_NOTES_UPDATE:
            raise ValueError(
                f"{len(update)} bytes typed at once: a notes update holds at most "
                f"{limits.MAX_NOTES_UPDATE}; flush more often"
            )
        return self._submit(NotesUpdate(type="notes.update", doc=self.doc, update=update))


def docs_touched(events: Iterable[Event]) -> set[str]:
    """The notes documents applied events may have changed: raw
    ``notes.update`` events, view patches with ``notes``, and card deletes
    (a card's description goes with it)."""
    docs: set[str] = set()
    for event in events:
        op = event.op
        if isinstance(op, NotesUpdate):
            docs.add(op.doc)
        elif isinstance(op, ViewPatch):
            docs.update(op.notes or ())
            docs.update(f"card:{card}" for card, value in (op.cards or {}).items() if value is None)
        elif isinstance(op, CardDelete):
            docs.add(f"card:{op.id}")
        elif isinstance(op, PostsDelete):
            return {"*"}  # which cards it took is in the state: check every document
    return docs


def in_flight_updates(pending: Iterable[Any], doc: str) -> list[bytes]:
    """The updates of ``doc`` among a replica's pending ops, in send order."""
    return [p.op.update for p in pending if isinstance(p.op, NotesUpdate) and p.op.doc == doc]
