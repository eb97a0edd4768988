"""Which account a request speaks for, and the checks a state-changing
request passes before it changes anything.

``caller`` reads the session cookie: a forged cookie, an ended or expired
session and a disabled or removed account all read as "nobody". Every
state-changing request then passes ``check_write``: no foreign Origin, and
with a session the session's CSRF token (``csrf.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from server.abuse import Limit, client_ip
from server.accounts import csrf
from server.accounts.http import ApiError, too_many
from server.accounts.sessions import Session, SessionCookie
from server.accounts.store import Account
from server.engine.store import now_ms
from server.node import Node


@dataclass(frozen=True, slots=True)
class Caller:
    account: Account
    session: Session


def node_of(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def session_id_of(request: Request) -> str | None:
    """The session id in the request's (valid, signed) cookie, or None.
    Over HTTPS only the ``__Host-`` cookie counts."""
    node = node_of(request)
    secure = csrf.is_secure(request, node.settings)
    raw = request.cookies.get(SessionCookie.name(secure))
    return None if raw is None else node.accounts.cookie.session_id(raw)


async def caller(request: Request) -> Caller | None:
    """The logged-in account the request speaks for, or None."""
    session_id = session_id_of(request)
    if session_id is None:
        return None
    accounts = node_of(request).accounts
    session = await accounts.sessions.load(session_id, now_ms())
    if session is None:
        return None
    account = await accounts.store.get(session.username)
    if account is None or account.disabled:
        await accounts.sessions.end(session)
        return None
    return Caller(account, session)


def check_write(request: Request, who: Caller | None) -> None:
    """Refuse (403) a state-changing request from a page of another site, or
    one that speaks for an account without the session's CSRF token."""
    if not csrf.same_origin(request, node_of(request).settings):
        raise ApiError(403, "cross_site", "requests from other sites are refused")
    if who is not None and not csrf.token_ok(request, who.session.csrf):
        raise ApiError(403, "csrf", "the X-CSRF-Token header is missing or wrong; reload the page")


async def require_login(request: Request, *, write: bool) -> Caller:
    """The caller, or 401; ``write``: also the checks of ``check_write``."""
    who = await caller(request)
    if write:
        check_write(request, who)
    if who is None:
        raise ApiError(401, "login_required", "log in first")
    return who


async def limit(request: Request, kind: str, key: str, rule: Limit, what: str) -> None:
    """Count one hit against a shared limit; 429 with Retry-After past it."""
    wait = await node_of(request).limiter.hit(kind, key, rule)
    if wait > 0:
        raise too_many(wait, what)


#: Refusals counted for ``/metrics`` (``prikbord_refused_total{kind}``), by
#: error code; the rate limits count their own (``login_ip``, …).
_COUNTED = {
    "cross_site": "csrf",
    "csrf": "csrf",
    "unsupported_media_type": "content_type",
    "bad_credentials": "login_failed",
    "invalid_token": "setup_token",
}


def count_refusal(request: Request, refusal: ApiError) -> None:
    kind = _COUNTED.get(refusal.code)
    if kind is not None:
        node_of(request).limiter.refuse(kind)


Handler = Callable[[Request], Awaitable[Response]]


def refusals(handler: Handler) -> Handler:
    """Turn an ``ApiError`` raised anywhere in the handler into its response
    (counted in /metrics by kind): one place for every JSON route's refusals."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            count_refusal(request, exc)
            return exc.response()

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def ip_of(request: Request) -> str:
    return client_ip(request.scope)
