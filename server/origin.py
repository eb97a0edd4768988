"""The WebSocket Origin check: scheme, host and port, not just the host.

A browser names the page that opened a socket in ``Origin``; a board socket
is only for our own pages (or origins the operator lists). Comparing the
host alone let ``http://host`` pages talk to an ``https://host`` server and
any port of the host talk to ours. So the check compares the whole origin
— scheme, host and port, with the default port filled in — against:

* our own origin: the scheme the request came in on (``ws`` → ``http``,
  ``wss`` → ``https``; behind a TLS-terminating proxy that is its
  ``X-Forwarded-Proto``, believed only from ``PRIKBORD_TRUSTED_PROXIES``)
  and the ``Host`` header;
* the origin of ``PRIKBORD_PUBLIC_URL``, when set;
* each of ``PRIKBORD_ALLOWED_ORIGINS``.

Pure: no I/O, unit-tested in ``tests/unit/test_origin.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: The scheme of a page that may open a socket that came in on this scheme.
_PAGE_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def parse_origin(text: str) -> Origin | None:
    """``scheme://host[:port]`` as (scheme, host, port), lower case, with
    the default port; None for anything else (``null``, other schemes, a
    path, a bad port)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def origin_matches(origin: str, scheme: str, host: str, allowed: Iterable[str] = ()) -> bool:
    """Whether a browser page at ``origin`` may use a socket that came in
    with ``scheme`` (the ASGI scope's: ws/wss/http/https) and ``Host: host``,
    or is one of ``allowed`` (origins or base URLs)."""
    got = parse_origin(origin)
    if got is None:
        return False
    if any(got == parse_origin(_origin_of(a)) for a in allowed if a):
        return True
    own = parse_origin(f"{_PAGE_SCHEME.get(scheme, 'http')}://{host}")
    return own is not None and got == own


def _origin_of(url: str) -> str:
    """The origin part of a base URL (``https://h/x`` → ``https://h``)."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url
