"""Password hashing: argon2id (argon2-cffi), with rehash on login.

Hashing costs ~0.1 s of CPU and 64 MiB of memory on purpose (argon2-cffi's
RFC 9106 low-memory profile), so it runs in a worker thread (argon2-cffi
releases the GIL) and at most ``MAX_CONCURRENT`` at once per process: a
login flood waits its turn instead of taking the event loop or all the
memory. Failed logins for unknown accounts verify a dummy hash, so a
guesser cannot tell "no such account" from "wrong password" by the time
the answer takes.
"""

from __future__ import annotations

import asyncio
import secrets
import weakref
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: NIST SP 800-63B's minimum for a chosen password.
MIN_PASSWORD = 8
#: Long enough for any passphrase or manager-made password; a bound on the
#: request body, not on argon2's cost (it pre-hashes the input).
MAX_PASSWORD = 256
#: Hashes computed at once per process: the machine's two cores. Each
#: takes 64 MiB while it runs, so a flood costs at most 128 MiB.
MAX_CONCURRENT = 2

_hasher = PasswordHasher()
#: One semaphore per event loop (a semaphore belongs to the loop it first
#: waited on; tests run many loops in one process).
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


class WeakPassword(ValueError):
    """A new password outside the length rules (the message says which)."""


def check_new_password(password: str) -> None:
    """Raise WeakPassword unless ``password`` may be set as a new password."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(f"a password has at most {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (blocking: ~0.1 s)."""
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(stored: str | None, password: str) -> tuple[bool, str | None]:
    """Check ``password`` against ``stored`` (blocking).

    Returns ``(ok, new_hash)``: ``new_hash`` is set when the password was
    right but the stored hash uses weaker parameters than today's, so the
    caller stores the rehash. With ``stored=None`` (no such account) a dummy
    hash is verified and the answer is ``(False, None)`` after about the
    same time as a wrong password. Passwords over ``MAX_PASSWORD`` never
    match (they could not have been set).
    """
    if stored is None or len(password) > MAX_PASSWORD:
        try:
            _hasher.verify(_dummy_hash(), password[:MAX_PASSWORD])
        except VerificationError:
            pass
        return False, None
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if _hasher.check_needs_rehash(stored):
        return True, _hasher.hash(password)
    return True, None


def _semaphore() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(MAX_CONCURRENT)
    return slots


async def hash_password_async(password: str) -> str:
    """``hash_password`` in a worker thread, at most ``MAX_CONCURRENT`` at once."""
    async with _semaphore():
        return await asyncio.to_thread(hash_password, password)


async def verify_password_async(stored: str | None, password: str) -> tuple[bool, str | None]:
    """``verify_password`` in a worker thread, at most ``MAX_CONCURRENT`` at once."""
    async with _semaphore():
        return await asyncio.to_thread(verify_password, stored, password)
