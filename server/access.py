"""Who may join a board, and who may stay: link generations, expiry and
access codes (SPEC §2).

A token only proves that the server once made the link. Whether the link
still works is the board's **link state** in Redis (``server/engine/links.py``):
the current generation of each role (replacing a link bumps it), an expiry
per role, and an optional access code participants must type. ``Access``
checks a token against that state on every join and every REST call — always
a fresh read, never a cache, so a replaced link is refused on every node the
moment the change is stored.

Sockets already open are the other half. Each node watches the boards it
holds (one ``_Guard`` per board): on ``LINKS_CHANGED`` (published with every
change), after a pub/sub reconnect, on a timer (pub/sub may drop a message)
and when an expiry passes, it re-reads the state and closes every local
socket whose link no longer works with 4102 and the reason. A join that
raced a change is caught by ``problem`` right after it attached.

An access code guards the participant link only: it is the link that sits
on the wall as a QR code, and the one a photo of the screen gives away. The
facilitator's link is private, and a hub screen cannot type. Wrong codes
are counted per client IP in Redis (every node sees the same count); past
the limit every code from that IP is refused, right or wrong, until the
window ends, so guessing teaches nothing.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re

from redis.exceptions import RedisError

from protocol import limits
from protocol.errors import CloseCode
from protocol.messages import Hello
from server.abuse import Limit, Limiter
from server.config import Settings
from server.connection import Connection
from server.engine.links import BoardGone, LinkState, LinkStore
from server.engine.store import now_ms
from server.tokens import Grant, Signer

log = logging.getLogger("prikbord.access")

REPLACED = "this link was replaced: ask the facilitator for the new one"
EXPIRED = "this link has expired: ask the facilitator for a new one"
INVALID = "invalid link for this board"
#: ``prikbord_refused_total{kind}`` labels (counted in the node's Limiter).
_KIND = {INVALID: "link_invalid", REPLACED: "link_replaced", EXPIRED: "link_expired"}
#: Sockets closed because their link was replaced or expired.
CLOSED_KIND = "link_closed"
WRONG_CODE_KIND = "access_code_wrong"
#: Limiter kind for wrong access codes (also the /metrics label).
ACCESS_CODE_KIND = "access_code"
#: After a failed read of the link state (Redis away), try again this soon:
#: the bus reconnect triggers a re-check too, this covers a lone failure.
_RETRY_S = 2.0
#: An expiry timer fires this much after the expiry, so the re-read sees it
#: passed even with a little clock difference between node and Redis host.
_EXPIRY_SLACK_MS = 50

_CODE_RE = re.compile(rf"^[A-Za-z0-9]{{{limits.MIN_ACCESS_CODE},{limits.MAX_ACCESS_CODE}}}$")


class Refused(Exception):
    """A link or code that does not (or no longer) work: a close code for
    sockets, an HTTP status for REST, and a reason fit for people."""

    def __init__(self, code: CloseCode, reason: str, status: int) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.status = status


def normalize_code(code: str) -> str | None:
    """An access code as stored and compared (case-insensitive: upper
    case), or None when it cannot be one (SPEC §2: 4-32 letters and digits)."""
    code = code.strip()
    return code.upper() if _CODE_RE.match(code) else None


def link_problem(grant: Grant, state: LinkState, now: int) -> str | None:
    """Why a link with ``grant`` does not work under ``state`` at ``now``
    (ms), or None when it does. A generation above the current one was
    never handed out (only a forger or a wiped board has one): invalid."""
    current = state.gen(grant.role)
    if grant.gen < current:
        return REPLACED
    if grant.gen > current:
        return INVALID
    expiry = state.expiry(grant.role)
    if expiry is not None and now >= expiry:
        return EXPIRED
    return None


class Access:
    """Checks links and access codes, and watches the open sockets of the
    boards this node holds. Owned by the node."""

    def __init__(self, signer: Signer, links: LinkStore, limiter: Limiter, settings: Settings):
        self.signer = signer
        self.links = links
        self.limiter = limiter
        self.code_limit = Limit(settings.access_code_failures, settings.access_code_window_s)
        self._guards: dict[str, _Guard] = {}

    # --- joins and REST ----------------------------------------------------

    async def grant(self, token: str | None, board: str) -> tuple[Grant, LinkState]:
        """The grant of a working link of ``board`` and the board's link
        state. Raises Refused: 4102/401 (forged, another board's, replaced,
        expired), 4103/404 (no such board)."""
        grant = self.signer.read_link(token) if token else None
        if grant is None or grant.board != board:
            self.limiter.refuse(_KIND[INVALID])
            raise Refused(CloseCode.UNAUTHORIZED, INVALID, 401)
        try:
            state = await self.links.read(board)
        except BoardGone:
            raise Refused(CloseCode.BOARD_NOT_FOUND, "no such board", 404) from None
        problem = link_problem(grant, state, now_ms())
        if problem is not None:
            self.limiter.refuse(_KIND[problem])
            raise Refused(CloseCode.UNAUTHORIZED, problem, 401)
        return grant, state

    async def admit(self, hello: Hello, ip: str) -> tuple[Grant, LinkState]:
        """The grant for a ``hello``, in the SPEC's order (§3): the token
        (4102), the board (4103), the link still working (4102), then the
        access code of a participant link (4106, or 4107 when this IP sent
        too many wrong ones)."""
        grant, state = await self.grant(hello.token, hello.board)
        if grant.role == "participant" and state.access_code is not None:
            await self._check_code(state.access_code, hello.code, ip)
        return grant, state

    async def _check_code(self, expected: str, given: str | None, ip: str) -> None:
        if not given:
            raise Refused(CloseCode.ACCESS_CODE, "this board asks for an access code", 401)
        wait = await self.limiter.blocked(ACCESS_CODE_KIND, ip, self.code_limit)
        if wait:
            raise Refused(CloseCode.TOO_MANY_ATTEMPTS, _too_many(wait), 429)
        normalized = normalize_code(given) or ""
        if hmac.compare_digest(normalized.encode(), expected.encode()):
            return
        wait = await self.limiter.hit(ACCESS_CODE_KIND, ip, self.code_limit)
        if wait:
            raise Refused(CloseCode.TOO_MANY_ATTEMPTS, _too_many(wait), 429)
        self.limiter.refuse(WRONG_CODE_KIND)
        raise Refused(CloseCode.ACCESS_CODE, "wrong access code", 401)

    # --- open sockets ------------------------------------------------------

    def watch(self, board: str, conns: dict[str, Connection]) -> None:
        """Start watching ``board``'s link state for its local sockets
        (``conns`` is the hub's live dict)."""
        if board not in self._guards:
            guard = _Guard(board, self.links, conns, self.limiter)
            self._guards[board] = guard
            guard.request_check()

    def unwatch(self, board: str) -> None:
        guard = self._guards.pop(board, None)
        if guard is not None:
            guard.stop()

    def recheck(self, board: str) -> None:
        """Re-read the board's link state and close what no longer works
        (on LINKS_CHANGED, and on the node's refresh timer)."""
        guard = self._guards.get(board)
        if guard is not None:
            guard.request_check()

    def recheck_all(self) -> None:
        """After a pub/sub reconnect: changes may have been missed."""
        for guard in self._guards.values():
            guard.request_check()

    def problem(self, conn: Connection, seen: LinkState) -> str | None:
        """Why ``conn``'s link no longer works by a state this node read
        after ``seen`` (the one its join was checked against), or None.
        Checked right after a join attached, so a join that raced a change
        (read the old state, attached after the re-check closed the others)
        is closed too."""
        guard = self._guards.get(conn.board)
        if guard is None or guard.state is None or guard.state.version <= seen.version:
            return None
        return guard.problem(conn, now_ms())

    def stop(self) -> None:
        for guard in self._guards.values():
            guard.stop()
        self._guards.clear()


def _too_many(wait: float) -> str:
    return f"too many wrong access codes from your address: try again in {wait:.0f} s"


class _Guard:
    """One board's link state as this node last read it, and the closing of
    local sockets whose link stopped working. Re-reads are serialized (one
    task, re-run while requests came in), so the newest read always wins."""

    def __init__(
        self, board: str, links: LinkStore, conns: dict[str, Connection], limiter: Limiter
    ) -> None:
        self.board = board
        self.links = links
        self.conns = conns
        self.limiter = limiter
        self.state: LinkState | None = None
        self._dirty = False
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._stopped = False

    def request_check(self) -> None:
        if self._stopped:
            return
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"links:{self.board}"
            )

    async def _run(self) -> None:
        while self._dirty and not self._stopped:
            self._dirty = False
            try:
                state = await self.links.read(self.board)
            except BoardGone:
                return  # the hub finds out itself; nothing left to guard
            except (RedisError, OSError) as exc:
                log.warning("board %s: cannot read link state (%s); retrying", self.board, exc)
                self._schedule(_RETRY_S)
                return
            except Exception:
                log.exception("board %s: unexpected error reading link state", self.board)
                self._schedule(_RETRY_S)
                return
            if self.state is not None and state.version < self.state.version:
                continue  # never step back (reads are serialized; belt and braces)
            # No await from here on: the state and the closes go together.
            self.state = state
            self._enforce(state)

    def _enforce(self, state: LinkState) -> None:
        now = now_ms()
        for conn in list(self.conns.values()):
            problem = self.problem(conn, now)
            if problem is not None:
                self.limiter.refuse(CLOSED_KIND)
                conn.abort(CloseCode.UNAUTHORIZED, problem)
        upcoming = [e for e in state.expires.values() if e > now]
        if upcoming:
            self._schedule((min(upcoming) - now + _EXPIRY_SLACK_MS) / 1000)

    def problem(self, conn: Connection, now: int) -> str | None:
        state = self.state
        if state is None or conn.link_gen is None:
            return None
        if conn.link_gen > state.gen(conn.role):
            return None  # it joined with a newer read than this one: not ours to judge
        return link_problem(Grant(conn.board, conn.role, conn.link_gen), state, now)

    def _schedule(self, delay_s: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(delay_s, self.request_check)

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:
            self._task.cancel()
