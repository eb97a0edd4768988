"""Cross-site request forgery: two checks for every state-changing request.

1. **Origin.** A browser names the page that sent a request: ``Origin``
   (and ``Sec-Fetch-Site``). A request from a page of another site is
   refused, whoever it speaks for. A request without either header comes
   from something that is not a browser page (curl, a script): those cannot
   carry a victim's cookie by accident.
2. **Token.** A request that speaks for a logged-in account (with the
   session cookie) must also carry the session's CSRF token in the
   ``X-CSRF-Token`` header. The web app reads it from ``GET /api/me``; a
   page of another site cannot read it, and cannot set custom headers
   without a CORS preflight that this server never grants.

Requests with a body must be JSON (``http.py``: 415 otherwise), which a
plain HTML form cannot send either.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

from server.config import Settings

HEADER = "x-csrf-token"
#: ``Sec-Fetch-Site`` values of a request the app itself made (``none``: the
#: user typed the address or used a bookmark).
_OWN_SITE = frozenset({"same-origin", "none"})


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_secure(request: Request, settings: Settings) -> bool:
    """The browser talks HTTPS: the request's scheme (uvicorn takes it from
    ``X-Forwarded-Proto`` only from a trusted proxy) or the configured
    public URL."""
    return request.url.scheme == "https" or settings.public_url.startswith("https://")


def own_origins(request: Request, settings: Settings) -> set[str]:
    """Origins whose pages may make state-changing requests: this server as
    the request reached it, its public URL, and the configured extras."""
    origins = {_origin_of(str(request.base_url))}
    if settings.public_url:
        origins.add(_origin_of(settings.public_url))
    origins.update(o.rstrip("/").lower() for o in settings.allowed_origins)
    return origins


def same_origin(request: Request, settings: Settings) -> bool:
    """False when the browser says the request comes from another site."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.lower() not in _OWN_SITE:
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin.rstrip("/").lower() in own_origins(request, settings)


def token_ok(request: Request, expected: str) -> bool:
    """The request carries the session's CSRF token (compared in constant time)."""
    given = request.headers.get(HEADER, "")
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
