"""Login sessions: kept in Redis, referenced by a signed cookie.

The cookie holds a random session id (256 bits) signed with the server
secret; Redis holds the session under the SHA-256 of that id, with an idle
expiry and a hard maximum age. Because the session lives on the server,
logging out, disabling an account or changing its password ends it at once
on every node — a stateless signed cookie could not be taken back.

The cookie is ``HttpOnly`` (scripts cannot read it), ``SameSite=Lax`` (no
cross-site POST carries it) and, when the request came over HTTPS,
``Secure`` with the ``__Host-`` prefix (no sibling subdomain can set or
shadow it). Over HTTPS only the ``__Host-`` cookie is read.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import cast

from itsdangerous import BadSignature, Signer

from server.accounts import keys
from server.engine.client import Client

COOKIE = "prikbord_session"
SECURE_COOKIE = "__Host-" + COOKIE
#: Sessions one account may hold at once (browsers, devices); the oldest
#: ends when a new one starts past this. Bounds Redis memory per account.
MAX_SESSIONS_PER_ACCOUNT = 20
#: A used session's idle expiry is pushed forward at most this often: every
#: renewal is a write (fsynced in the embedded Valkey), a page load is not.
RENEW_EVERY_MS = 3600 * 1000


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    key: str  # the Redis key (named by the id's digest)
    username: str
    csrf: str
    created: int  # ms


class SessionCookie:
    """Sign and read the cookie value (the session id); nothing in Redis."""

    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, salt="prikbord.session")

    def value(self, session_id: str) -> str:
        return self._signer.sign(session_id).decode()

    def session_id(self, value: str) -> str | None:
        """The session id in a cookie value, or None when forged or malformed."""
        if len(value) > 200:
            return None
        try:
            return self._signer.unsign(value).decode()
        except (BadSignature, UnicodeDecodeError):
            return None

    @staticmethod
    def name(secure: bool) -> str:
        return SECURE_COOKIE if secure else COOKIE

    @staticmethod
    def header(value: str, *, secure: bool, max_age: int) -> str:
        """A ``Set-Cookie`` value; ``max_age=0`` clears the cookie."""
        parts = [f"{SessionCookie.name(secure)}={value}", "Path=/", f"Max-Age={max_age}"]
        parts += ["HttpOnly", "SameSite=Lax"]
        if secure:
            parts.append("Secure")
        return "; ".join(parts)


class SessionStore:
    """Sessions in Redis. ``create`` and ``end_all`` bound and end them per
    account; ``load`` refuses an expired one and keeps a used one alive."""

    def __init__(self, client: Client, *, idle_s: int, max_s: int) -> None:
        self.redis = client
        self.idle_s = idle_s
        self.max_s = max_s

    async def create(self, username: str, now_ms: int) -> tuple[str, Session]:
        """A new session for ``username``: its id (for the cookie) and itself.
        Ends the account's oldest sessions past ``MAX_SESSIONS_PER_ACCOUNT``."""
        session_id = secrets.token_urlsafe(32)
        key = keys.session(_digest(session_id))
        session = Session(key, username, secrets.token_urlsafe(32), now_ms)
        index = keys.account_sessions(username)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                session.key,
                mapping={"u": username, "csrf": session.csrf, "created": now_ms, "renewed": now_ms},
            )
            pipe.expire(session.key, self.idle_s)
            pipe.zadd(index, {session.key: now_ms})
            pipe.expire(index, self.max_s)
            await pipe.execute()
        await self._prune(index)
        return session_id, session

    async def _prune(self, index: str) -> None:
        """Forget index entries whose session expired; end the oldest past the cap."""
        members = cast(list[bytes], await self.redis.zrange(index, 0, -1))
        if not members:
            return
        # A transaction (one shard: every key shares {acct}); a plain cluster
        # pipeline would close every connection on a connection error.
        async with self.redis.pipeline(transaction=True) as pipe:
            for member in members:
                pipe.exists(member)
            exists = await pipe.execute()
        gone = [m for m, e in zip(members, exists, strict=True) if not e]
        live = [m for m, e in zip(members, exists, strict=True) if e]
        over = live[: max(0, len(live) - MAX_SESSIONS_PER_ACCOUNT)]  # oldest first
        if gone or over:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zrem(index, *gone, *over)
                if over:
                    pipe.delete(*over)
                await pipe.execute()

    async def load(self, session_id: str, now_ms: int) -> Session | None:
        """The live session with this id, or None. Past its maximum age it
        is ended; otherwise its idle expiry moves forward (at most hourly)."""
        key = keys.session(_digest(session_id))
        fields = cast(dict[bytes, bytes], await self.redis.hgetall(key))
        if not fields or b"u" not in fields or b"csrf" not in fields:
            return None
        created = int(fields.get(b"created", b"0"))
        session = Session(key, fields[b"u"].decode(), fields[b"csrf"].decode(), created)
        if now_ms - created >= self.max_s * 1000:
            await self.end(session)
            return None
        if now_ms - int(fields.get(b"renewed", b"0")) >= RENEW_EVERY_MS:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, "renewed", now_ms)
                pipe.expire(key, self.idle_s)
                await pipe.execute()
        return session

    async def end(self, session: Session) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(session.key)
            pipe.zrem(keys.account_sessions(session.username), session.key)
            await pipe.execute()

    async def end_all(self, username: str) -> int:
        """End every session of the account (disabled, new password);
        returns how many were live."""
        index = keys.account_sessions(username)
        members = cast(list[bytes], await self.redis.zrange(index, 0, -1))
        ended = 0
        if members:
            ended = int(await self.redis.delete(*members))
        await self.redis.delete(index)
        return ended
