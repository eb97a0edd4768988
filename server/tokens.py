"""Signed capability links and identities (itsdangerous, HMAC-SHA1 by default).

A board token says "role R on board B, link generation G"; whoever holds the
link has the role — as long as G is still the board's current generation for
R (``server/access.py`` checks that against the board's meta on every join
and every REST call). Replacing a role's link bumps its generation, so every
token of the old generation stops working, without touching the secret.

Tokens made before generations existed are ``[board, role]``: they read as
generation 0, the generation every board starts with, so they keep working
until their link is replaced.

An identity says "you are actor A" so a returning device keeps its cards,
votes and op-id namespace without an account.
"""

from __future__ import annotations

import secrets
from typing import NamedTuple, cast

from itsdangerous import BadSignature, URLSafeSerializer

from protocol.messages import ROLES, Role

#: Generations fit a signed 32-bit int with room: a facilitator replacing a
#: link every second for years stays below it, and a forged huge number (it
#: would need the secret anyway) is refused before any arithmetic.
MAX_GENERATION = 2**31 - 1


class Grant(NamedTuple):
    board: str
    role: Role
    #: The link generation the token was made for (0: the board's first links).
    gen: int = 0


class Signer:
    def __init__(self, secret: str) -> None:
        self._links = URLSafeSerializer(secret, salt="prikbord.link")
        self._ids = URLSafeSerializer(secret, salt="prikbord.identity")

    def link_token(self, board: str, role: Role, gen: int = 0) -> str:
        return self._links.dumps([board, role, gen])

    def read_link(self, token: str) -> Grant | None:
        """The grant in ``token``, or None when it is forged or malformed.
        Whether its generation is still current is the caller's question."""
        try:
            data = self._links.loads(token)
        except BadSignature:
            return None
        if not isinstance(data, list) or len(data) not in (2, 3):
            return None
        board, role = data[0], data[1]
        gen = data[2] if len(data) == 3 else 0
        if (
            not isinstance(board, str)
            or role not in ROLES
            or type(gen) is not int  # not a bool, not a float
            or not 0 <= gen <= MAX_GENERATION
        ):
            return None
        return Grant(board, cast(Role, role), gen)

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
