"""Board links: what a person pastes, split into what a client connects with.

A link is ``http(s)://HOST[:PORT][/PREFIX]/b/<board>#t=<token>`` (participant
and facilitator) or ``.../screen/<board>#t=<token>`` (viewer, hub screens).
The token rides in the fragment so it never reaches access logs (SPEC §2).
A path prefix before ``/b/`` is kept, so a server mounted under a sub-path
behind a proxy still works; without one the WebSocket is ``ws(s)://HOST/ws``.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from protocol import limits

_BOARD_RE = re.compile(rf"^[A-Za-z0-9_-]{{1,{limits.MAX_ID}}}$")
_PATH_RE = re.compile(r"^(?P<prefix>(?:/[^/]+)*?)/(?P<kind>b|screen)/(?P<board>[^/]*)/?$")


class BoardLink(NamedTuple):
    """The parts of a board link."""

    http_base: str  # e.g. "https://hub.example:8443" (no trailing slash)
    ws_url: str  # e.g. "wss://hub.example:8443/ws"
    board: str
    token: str


def parse_link(link: str) -> BoardLink:
    """Split a board link; ValueError with a message a person can act on."""
    text = link.strip()
    if not text:
        raise ValueError("empty board link")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"board link must start with http:// or https://, got {link!r}")
    if not parts.hostname:
        raise ValueError(f"board link has no host: {link!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"board link has an invalid port: {link!r}") from None
    match = _PATH_RE.match(parts.path)
    if match is None:
        if parts.path.startswith("/j/"):
            raise ValueError(
                "a /j/ short link is for people (it opens the board in a browser); "
                "use the participant link, /b/<board>#t=…"
            )
        raise ValueError(
            f"board link path must be /b/<board> or /screen/<board>, got {parts.path!r}"
        )
    board = unquote(match["board"])
    if not _BOARD_RE.match(board):
        raise ValueError(f"invalid board id {board!r} in link (letters, digits, '_' and '-')")
    token = _token_from_fragment(parts.fragment)
    prefix = match["prefix"]
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    return BoardLink(
        http_base=f"{parts.scheme}://{parts.netloc}{prefix}",
        ws_url=f"{ws_scheme}://{parts.netloc}{prefix}/ws",
        board=board,
        token=token,
    )


def _token_from_fragment(fragment: str) -> str:
    # Not parse_qs: it turns "+" into a space, and tokens are opaque.
    token: str | None = None
    for item in fragment.split("&"):
        key, sep, value = item.partition("=")
        if key == "t" and sep:
            token = unquote(value)
    if not token:
        raise ValueError("board link has no token: it must end in #t=<token>")
    if len(token) > limits.MAX_TOKEN:
        raise ValueError(f"board link token is longer than {limits.MAX_TOKEN} characters")
    return token
