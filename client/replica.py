"""A client's copy of one board: confirmed state plus its own pending ops.

Pure and synchronous (no asyncio, no clock, no randomness), so every rule of
optimistic updates is unit-testable on its own:

* The **confirmed** state is exactly what the server's log says, as this
  client's role may see it (SPEC §5a): a snapshot plus events applied in seq
  order with :func:`protocol.reducer.apply` — raw events, view patches and
  placeholders alike, so on a moderated board it is the client's projection
  (``protocol.visibility.project``). It is never touched by a local guess.
* **Pending** ops are this client's ops the server has not yet shown back as
  events. The optimistic :meth:`Replica.view` is the confirmed state with the
  pending ops applied on top, as synthetic events carrying the client's own
  actor and role, so the same policy decides their effect the server will
  use. When the real event arrives (same actor, same op id) the pending op is
  dropped; the view then shows the server's verdict, which wins.
* A **gap** (an event whose seq is past ``seq + 1``) is never applied across:
  the replica reports it and the caller resumes from ``seq``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from protocol.messages import Event, Role
from protocol.model import BoardState, from_wire
from protocol.ops import Op
from protocol.reducer import apply


@dataclass(slots=True)
class PendingOp:
    """One of our ops the server has not shown back as an event yet.

    ``acked_seq`` is set once the server acked it: the op is in the log at that
    seq, but its event has not reached this replica yet, so the view keeps it.
    """

    op_id: str
    op: Op
    at: int = 0
    acked_seq: int | None = None


class ApplyResult(NamedTuple):
    """What :meth:`Replica.apply_events` did.

    ``applied`` are the events that advanced the confirmed state, in order.
    ``gap`` is the seq of the first event that could not be applied because
    events before it are missing, or None: the caller must resume from
    :attr:`Replica.seq` and must not feed later events first.
    ``settled`` maps op ids of our own ops whose events arrived to their seq.
    """

    applied: list[Event]
    gap: int | None
    settled: dict[str, int]


class Replica:
    """Confirmed board state from the log, plus this client's pending ops.

    ``actor``, ``role`` and ``name`` identify the client; they are only known
    after the server's ``welcome`` and are set with :meth:`set_self`.
    """

    def __init__(
        self, board: str, *, actor: str = "", role: Role = "participant", name: str = ""
    ) -> None:
        self.board = board
        self.actor = actor
        self.role: Role = role
        self.name = name
        self._confirmed = BoardState(board=board)
        #: True once a snapshot was loaded: only then may the client resume.
        self.loaded = False
        self._pending: dict[str, PendingOp] = {}  # insertion order = send order
        self._view: BoardState | None = None

    # --- reading -------------------------------------------------------------

    @property
    def seq(self) -> int:
        """The seq of the last event applied to the confirmed state."""
        return self._confirmed.seq

    @property
    def confirmed(self) -> BoardState:
        """The state the server's log defines. Callers must not mutate it."""
        return self._confirmed

    @property
    def pending(self) -> list[PendingOp]:
        """Pending ops in the order they were added (= send order)."""
        return list(self._pending.values())

    def get_pending(self, op_id: str) -> PendingOp | None:
        return self._pending.get(op_id)

    def unacked(self) -> list[PendingOp]:
        """Pending ops with no ack yet, in send order: what a reconnect resends."""
        return [p for p in self._pending.values() if p.acked_seq is None]

    def view(self) -> BoardState:
        """The optimistic state: confirmed + pending ops, on a cached copy.

        Callers must not mutate the result; it is rebuilt on the next change.
        """
        if self._view is None:
            if not self._pending:
                self._view = self._confirmed
            else:
                state = copy.deepcopy(self._confirmed)
                for pending in self._pending.values():
                    apply(state, self._synthetic(state.seq + 1, pending))
                # Synthetic seqs are not real positions in the log.
                state.seq = self._confirmed.seq
                self._view = state
        return self._view

    def _synthetic(self, seq: int, pending: PendingOp) -> Event:
        # model_construct: the op is already validated; re-validating every
        # pending op on every view rebuild would cost for nothing.
        return Event.model_construct(
            seq=seq,
            op_id=pending.op_id,
            actor=self.actor,
            name=self.name,
            role=self.role,
            at=pending.at,
            op=pending.op,
        )

    # --- changing ------------------------------------------------------------

    def set_self(self, *, actor: str, role: Role, name: str) -> None:
        """Who we are, from the ``welcome``: pending ops apply as this actor."""
        self.actor, self.role, self.name = actor, role, name
        self._view = None

    def load_snapshot(self, wire: dict[str, Any]) -> None:
        """Replace the confirmed state with a snapshot (never merge).

        Pending ops stay: unacked ones will be resent (the server dedupes them
        by op id). Acked ones whose seq the snapshot already covers are done;
        acked ones past it are resent too: either the log has them (a lagging
        node's snapshot: the resend is acked with the same seq) or it lost
        them (SPEC §3: a log that lost its tail), and then the resend is what
        saves them.
        """
        state = from_wire(wire)
        if state.board != self.board:
            raise ValueError(f"snapshot is for board {state.board!r}, not {self.board!r}")
        self._confirmed = state
        self.loaded = True
        for pending in list(self._pending.values()):
            if pending.acked_seq is None:
                continue
            if pending.acked_seq <= state.seq:
                del self._pending[pending.op_id]
            else:
                pending.acked_seq = None
        self._view = None

    def reopen_acked(self) -> None:
        """After an epoch change, seqs of the old epoch mean nothing: every
        acked op whose event we have not applied is resent. The server's
        exactly-once window acks those the log holds with their first seq
        and applies those a lost tail took (SPEC §6)."""
        for pending in self._pending.values():
            pending.acked_seq = None
        self._view = None

    def apply_events(self, events: Iterable[Event]) -> ApplyResult:
        """Apply events in seq order; skip duplicates; stop at a gap."""
        applied: list[Event] = []
        settled: dict[str, int] = {}
        gap: int | None = None
        for event in events:
            if event.seq <= self._confirmed.seq:
                continue  # a duplicate delivery
            if event.seq != self._confirmed.seq + 1:
                gap = event.seq
                break
            apply(self._confirmed, event)
            applied.append(event)
            if event.actor == self.actor and self._pending.pop(event.op_id, None) is not None:
                settled[event.op_id] = event.seq
        if applied:
            self._settle_passed()
            self._view = None
        return ApplyResult(applied, gap, settled)

    def _settle_passed(self) -> None:
        # An acked op whose seq the log has passed is in the confirmed state
        # (or was a placeholder for us): keeping it would apply it twice.
        seq = self._confirmed.seq
        for op_id in [
            p.op_id
            for p in self._pending.values()
            if p.acked_seq is not None and p.acked_seq <= seq
        ]:
            del self._pending[op_id]

    def add_pending(self, op_id: str, op: Op, *, at: int = 0) -> PendingOp:
        """Record an op we are about to send; ``at`` (ms) is for the view only."""
        if op_id in self._pending:
            raise ValueError(f"op id {op_id!r} is already pending")
        pending = PendingOp(op_id, op, at)
        self._pending[op_id] = pending
        self._view = None
        return pending

    def ack(self, op_id: str, seq: int) -> None:
        """The server put ``op_id`` in the log at ``seq``."""
        pending = self._pending.get(op_id)
        if pending is None:
            return
        if seq <= self._confirmed.seq:
            del self._pending[op_id]  # its event is already applied
            self._view = None
        else:
            pending.acked_seq = seq

    def reject(self, op_id: str) -> PendingOp | None:
        """The server refused ``op_id``: drop it from the view."""
        pending = self._pending.pop(op_id, None)
        if pending is not None:
            self._view = None
        return pending
