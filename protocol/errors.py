"""Error and close codes: stable numbers whose range tells the client what to do.

Error frames (``{"t": "error"}``) answer one inbound message; the connection
stays open. Their codes:

* ``1xx`` **retry** — transient; resend the same op later (same ``op_id``).
* ``2xx`` **resync** — the client's view is off; rejoin to get a fresh state.
* ``3xx`` **reject** — the client's mistake; resending the same op is useless.

WebSocket close codes (4000-4999 are ours):

* ``40xx`` **reconnect** — reconnect with backoff and resume from the last seq.
* ``41xx`` **terminal** — do not reconnect without changing something (token,
  version, board).

A close reason is at most 123 bytes (RFC 6455) and never carries internal text:
:func:`close_reason` cuts one to fit.
"""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """Codes of ``error`` frames. Ranges: 1xx retry, 2xx resync, 3xx reject."""

    RATE_LIMITED = 100
    UNAVAILABLE = 101  # storage unreachable for a moment
    RESYNC = 200
    BAD_FRAME = 300  # not msgpack, or over a decoder cap
    UNKNOWN_TYPE = 301
    INVALID = 302  # a field has the wrong type, length or value
    TOO_LARGE = 303  # frame larger than MAX_CLIENT_FRAME
    NOT_JOINED = 304  # an op before the welcome
    FORBIDDEN = 310  # the role may not do this
    NOT_FOUND = 311  # the op names an object that does not exist (or is deleted)
    EXISTS = 312  # the op creates an id that is already taken
    BOARD_FULL = 320  # an object cap of the board is reached
    VOTE_BUDGET = 321  # the participant has no dot votes left

    @property
    def retryable(self) -> bool:
        return 100 <= self.value < 200

    @property
    def needs_resync(self) -> bool:
        return 200 <= self.value < 300


class CloseCode(IntEnum):
    """WebSocket close codes. 40xx: reconnect and resume; 41xx: terminal."""

    GOING_AWAY = 4000  # node shuts down; reconnect (to any node)
    SLOW_CONSUMER = 4001  # send queue overflowed; reconnect and resume
    HEARTBEAT_TIMEOUT = 4002
    INTERNAL = 4003  # unexpected server error; reconnect
    HANDSHAKE_TIMEOUT = 4004
    RESYNC = 4005  # the node reloaded the board; reconnect and resume
    #: A connection cap: too many sockets from this address (on this node)
    #: or on this board; reconnect with backoff, a slot frees up.
    TOO_MANY_CONNECTIONS = 4006
    PROTOCOL_VERSION = 4100  # client speaks another protocol version
    BAD_HANDSHAKE = 4101  # first frame was not a valid hello
    UNAUTHORIZED = 4102  # token invalid, replaced, expired or for another board
    BOARD_NOT_FOUND = 4103
    ORIGIN_REJECTED = 4104
    KICKED = 4105  # removed by a facilitator (reserved for moderation)
    ACCESS_CODE = 4106  # the board asks for an access code: missing or wrong
    TOO_MANY_ATTEMPTS = 4107  # too many wrong access codes from this address: wait

    @property
    def reconnect(self) -> bool:
        return 4000 <= self.value < 4100


#: Standard close codes after which a client reconnects too (1001 going away,
#: 1006 abnormal, 1011 server error, 1012 service restart, 1013 try again later).
RECONNECT_STANDARD_CODES = frozenset({1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014})


#: RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code.
#: A longer reason makes the close itself fail (the peer sees 1006, not ours).
MAX_CLOSE_REASON = 123


def close_reason(text: str) -> str:
    """``text`` cut to at most 123 bytes of UTF-8, on a character boundary."""
    data = text.encode("utf-8", "replace")  # a lone surrogate becomes "?"
    # "ignore" drops only the partial character the cut may leave at the end.
    return data[:MAX_CLOSE_REASON].decode("utf-8", "ignore")


class HandshakeRefused(Exception):
    """The first frame is not an acceptable ``hello``: close with ``code``."""

    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = close_reason(reason)


class ProtocolError(Exception):
    """Bad input from a peer: carries the wire code and a safe message."""

    def __init__(self, code: ErrorCode, message: str, op_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message[:200]
        self.op_id = op_id
