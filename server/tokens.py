"""Signed capability links and identities (itsdangerous, HMAC-SHA1 by default).

A board token says "role R on board B"; whoever holds the link has the role.
An identity says "you are actor A" so a returning device keeps its cards,
votes and op-id namespace without an account.
"""

from __future__ import annotations

import secrets
from typing import NamedTuple, cast

from itsdangerous import BadSignature, URLSafeSerializer

from protocol.messages import ROLES, Role


class Grant(NamedTuple):
    board: str
    role: Role


class Signer:
    def __init__(self, secret: str) -> None:
        self._links = URLSafeSerializer(secret, salt="prikbord.link")
        self._ids = URLSafeSerializer(secret, salt="prikbord.identity")

    def link_token(self, board: str, role: Role) -> str:
        return self._links.dumps([board, role])

    def read_link(self, token: str) -> Grant | None:
        """The grant in ``token``, or None when it is forged or malformed."""
        try:
            data = self._links.loads(token)
        except BadSignature:
            return None
        if (
            not isinstance(data, list)
            or len(data) != 2
            or not isinstance(data[0], str)
            or data[1] not in ROLES
        ):
            return None
        return Grant(data[0], cast(Role, data[1]))

    def identity(self, actor: str) -> str:
        return self._ids.dumps(actor)

    def read_identity(self, token: str) -> str | None:
        try:
            actor = self._ids.loads(token)
        except BadSignature:
            return None
        return actor if isinstance(actor, str) and 0 < len(actor) <= 40 else None


def _random_id() -> str:
    """72 random bits, URL-safe, 12 characters, starting with a letter or
    digit (an id starting with '-' reads as an option on a command line)."""
    while True:
        candidate = secrets.token_urlsafe(9)
        if candidate[0].isalnum():
            return candidate


def new_actor_id() -> str:
    """A fresh participant id."""
    return _random_id()


def new_board_id() -> str:
    return _random_id()
