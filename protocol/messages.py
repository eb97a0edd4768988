"""Every message on the wire, as typed models with a literal ``t`` tag.

Client → server: ``hello``, ``op``, ``focus``, ``ping``.
Server → client: ``welcome``, ``events``, ``ack``, ``error``, ``presence``, ``pong``.
The server encodes ``events`` frames itself from stored event bytes (see
``protocol.codec.events_frame``), so the hot path never re-encodes an event.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from protocol import limits
from protocol.notes import DOC_PATTERN
from protocol.ops import EventOp, Id, Op, drop_nil, no_controls

#: The actor of ops the server makes itself (a new board's settings, a
#: link preview). Real actors are 12 random characters (server/tokens.py),
#: so none is ever this.
SYSTEM_ACTOR = "system"
Role = Literal["viewer", "participant", "facilitator"]
ROLES: tuple[Role, ...] = ("viewer", "participant", "facilitator")

OpId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_.:-]+$", min_length=1, max_length=limits.MAX_OP_ID),
]
DisplayName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=limits.MAX_NAME, strip_whitespace=True),
    AfterValidator(no_controls),
]
NotesDoc = Annotated[str, StringConstraints(pattern=DOC_PATTERN)]
#: A selection in a notes document: what a client needs to draw it (two
#: Yjs relative positions, base64, in the web app); a few dozen bytes.
Cursor = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9+/=_ :.-]*$", max_length=limits.MAX_CURSOR)
]
#: Integers a JavaScript client can hold exactly.
SafeInt = Annotated[int, Field(ge=0, le=2**53 - 1)]
Epoch = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Msg(BaseModel):
    """Client messages. Unknown fields are ignored, so a newer client's
    additive field reaches an older server harmlessly (SPEC §11); nil on a
    field is the same as leaving it out. (Fields *inside* an op are strict.)"""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _nil_is_absent(cls, data: Any) -> Any:
        return drop_nil(data)


class Resume(_Msg):
    """Where a reconnecting client stands: the board epoch and last applied seq."""

    epoch: Epoch
    seq: SafeInt


class Hello(_Msg):
    """First client frame: who and where. Nothing else is accepted before it.

    ``token`` and ``identity`` are any strings here: one that is too long or
    does not verify is the server's verdict (4102, or a new actor), not a
    malformed hello (see ``codec.decode_hello``)."""

    t: Literal["hello"]
    v: SafeInt
    board: Id
    token: str
    name: DisplayName
    #: The signed identity from an earlier welcome, so a returning device keeps
    #: its authorship, votes and op_id namespace.
    identity: str | None = None
    resume: Resume | None = None
    #: Presence changes as deltas rather than full lists (SPEC §7).
    presence_deltas: bool | None = None
    #: The board's access code, when it has one (participants only; SPEC §2).
    #: Any string here: a wrong one is the server's verdict (4106), counted
    #: against the sender's address.
    code: str | None = None


class OpMsg(_Msg):
    """An intent. ``id`` is the client-made op id: resending it is safe."""

    t: Literal["op"]
    id: OpId
    op: Op


class Focus(_Msg):
    """Presence: the card the sender is editing now, or None."""

    t: Literal["focus"]
    card: Id | None = None
    #: The notes document the sender types in ("board", "card:<id>"), and
    #: where: its selection as the client encodes it (the web app: two Yjs
    #: relative positions, base64), opaque to the server and relayed as is.
    notes: NotesDoc | None = None
    cursor: Cursor | None = None


class Ping(_Msg):
    t: Literal["ping"]
    n: SafeInt = 0


ClientMessage = Annotated[Hello | OpMsg | Focus | Ping, Field(discriminator="t")]
CLIENT_TYPES = frozenset({"hello", "op", "focus", "ping"})


class _ServerMsg(BaseModel):
    """Server messages: clients ignore unknown fields (additive changes)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class Event(_ServerMsg):
    """One entry of a board's log. ``op`` None is a placeholder the role may
    not see: it still advances ``seq`` so gaps stay detectable."""

    seq: int
    op_id: str
    actor: str
    name: str
    role: Role
    at: int  # server time, ms since the Unix epoch
    op: EventOp | None = None


class Welcome(_ServerMsg):
    t: Literal["welcome"]
    v: int
    board: str
    role: Role
    actor: str
    identity: str
    epoch: str
    seq: int
    #: True: the missing events follow as ``events`` frames. False: ``snapshot``
    #: holds the state at ``seq`` and the client drops its old replica.
    recovered: bool
    snapshot: dict[str, Any] | None = None
    heartbeat_ms: int
    limits: dict[str, int]
    #: Server time (ms since the epoch) when the welcome was sent: clients
    #: count the board's timer down on server time (SPEC §3).
    now: int | None = None


class Events(_ServerMsg):
    t: Literal["events"]
    ev: list[Event]


class Ack(_ServerMsg):
    t: Literal["ack"]
    id: str
    seq: int


class Error(_ServerMsg):
    t: Literal["error"]
    code: int
    msg: str
    id: str | None = None


class Member(_ServerMsg):
    conn: str
    actor: str
    name: str
    role: Role
    card: str | None = None
    notes: str | None = None
    cursor: str | None = None


class Presence(_ServerMsg):
    """Who is on the board (SPEC §7): the full list in ``members``, or —
    to a client that asked for deltas — what changed since the last one:
    members that ``joined`` or were ``updated`` (whole), and the ``conn``
    keys of those that ``left``."""

    t: Literal["presence"]
    members: list[Member] | None = None
    joined: list[Member] | None = None
    updated: list[Member] | None = None
    left: list[str] | None = None


class Pong(_ServerMsg):
    t: Literal["pong"]
    n: int = 0
    now: int | None = None  # server time, ms: refines a client's clock offset


ServerMessage = Annotated[
    Welcome | Events | Ack | Error | Presence | Pong, Field(discriminator="t")
]
