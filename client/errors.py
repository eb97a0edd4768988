"""Exceptions the client raises, one hierarchy::

    ClientError
    ├── OpRejected      the server refused an op (3xx error frame); drop it
    ├── ConnectFailed   the first connection could not be made (network, HTTP)
    ├── TerminalClose   the server closed with a 41xx code: do not reconnect
    │   └── Removed     4105: a facilitator removed this participant
    │   └── AccessCodeRefused  4106/4107: the board asks for an access code
    ├── ClientClosed    the client was closed by its user
    └── Lagged          an ``updates()`` consumer fell too far behind

Transient trouble (dropped connections, 40xx closes, rate limits) never
surfaces: the client reconnects, resumes and resends by itself.
"""

from __future__ import annotations

from protocol.errors import CloseCode


class ClientError(Exception):
    """Base of every error the Prikbord client raises."""


class OpRejected(ClientError):
    """The server answered an op with a 3xx error: the op is wrong, resending
    it is useless. ``code`` is the wire code (see ``protocol.errors``)."""

    def __init__(self, code: int, msg: str, op_id: str | None = None) -> None:
        super().__init__(f"op rejected ({code}): {msg}")
        self.code = code
        self.msg = msg
        self.op_id = op_id


class ConnectFailed(ClientError):
    """The first connection attempt failed (server unreachable, bad HTTP
    answer). After one successful join the client retries forever instead."""


class TerminalClose(ClientError):
    """The server closed with a terminal 41xx code (bad, replaced or expired
    link, unknown board, wrong protocol version, kicked, access code):
    reconnecting would not help."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"server closed the connection ({code}){': ' + reason if reason else ''}")
        self.code = code
        self.reason = reason


class Removed(TerminalClose):
    """Close 4105: a facilitator removed this participant from the board.
    Every op of this actor is refused and a rejoin with the same identity is
    closed again, until a facilitator restores them (SPEC §10)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code, reason)
        self.args = (
            f"removed from this board by a facilitator ({code}); "
            "only a facilitator can restore you",
        )


class AccessCodeRefused(TerminalClose):
    """The board asks participants for an access code and the one given was
    missing or wrong (4106), or this address sent too many wrong ones and
    must wait (4107, ``throttled``). Ask the person for the code and connect
    again with ``access_code=``; a throttled one only after the wait."""

    @property
    def throttled(self) -> bool:
        return self.code == CloseCode.TOO_MANY_ATTEMPTS


def terminal_close(code: int, reason: str) -> TerminalClose:
    """The exception for a terminal close code (the most specific class)."""
    if code in (CloseCode.ACCESS_CODE, CloseCode.TOO_MANY_ATTEMPTS):
        return AccessCodeRefused(code, reason)
    return TerminalClose(code, reason)


class ClientClosed(ClientError):
    """The client was closed by its user; nothing more is sent or received."""


class Lagged(ClientError):
    """An ``updates()`` iterator fell more than its queue bound behind."""
