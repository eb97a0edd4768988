"""Redis key names of accounts, sessions and the setup link.

Every key shares the hash tag ``{acct}``: on a Redis Cluster all of them
live on one shard, so the scripts that touch an account and the account
list together stay atomic. Accounts are few (a hub has dozens of
facilitators), so one shard holds them easily.
"""

from __future__ import annotations

PREFIX = "prikbord:{acct}:"

#: set of usernames
ACCOUNTS = PREFIX + "all"
#: hash: field sha256(token) → expiry ms, for the one-time setup links
SETUP = PREFIX + "setup"


def account(username: str) -> str:
    """hash: name, role, disabled, created, hash"""
    return f"{PREFIX}u:{username}"


def account_boards(username: str) -> str:
    """zset: board id → created ms (the boards the account owns)"""
    return f"{PREFIX}u:{username}:boards"


def account_sessions(username: str) -> str:
    """zset: session key → created ms (to end them all at once)"""
    return f"{PREFIX}u:{username}:sessions"


def session(digest: str) -> str:
    """hash: u (username), csrf, created, renewed; expires when idle.
    Named by the SHA-256 of the session id, so a copy of Redis (a backup,
    the AOF) holds no usable session."""
    return f"{PREFIX}s:{digest}"
