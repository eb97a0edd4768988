"""The accounts side of a node, in one object: ``node.accounts``.

It bundles the stores (accounts, sessions, board ownership, setup tokens)
over the node's Redis pool and the cookie signer made from the node's
secret; routes reach everything through it.
"""

from __future__ import annotations

from server.accounts.boards import BoardIndex
from server.accounts.sessions import SessionCookie, SessionStore
from server.accounts.store import AccountStore
from server.config import Settings
from server.engine.client import Client


class Accounts:
    def __init__(self, client: Client, settings: Settings, secret: str) -> None:
        self.redis = client
        self.settings = settings
        self.store = AccountStore(client)
        self.sessions = SessionStore(
            client, idle_s=settings.session_idle_s, max_s=settings.session_max_s
        )
        self.cookie = SessionCookie(secret)
        self.boards = BoardIndex(client)
