"""Security headers on every HTTP response: a small pure-ASGI middleware.

Pure ASGI (not Starlette's ``BaseHTTPMiddleware``) so it costs one dict
lookup per response start and never buffers a body. Headers the app set
itself win: a route may loosen or tighten one for its own response.

The Content-Security-Policy is what the built web app needs and nothing
more (``tests/e2e/test_csp.py`` loads every screen under it and fails on
any violation):

* scripts and styles only from our own origin — no inline script, no
  ``eval``; Preact sets styles through the CSSOM, which CSP allows;
* images from us, ``data:`` (the favicon is ``data:,``; the QR code is
  inline SVG) and ``blob:`` — photos, thumbnails and link-preview images,
  which the app fetches with the link token in an Authorization header
  (never in a URL) and shows from blob: URLs (client/web/src/ui/files);
* sound the same way: ``media-src 'self' blob:`` for an audio attachment;
* ``connect-src 'self'``: the app's fetches and its WebSocket (CSP Level 3
  matches ``ws:``/``wss:`` of our own host with ``'self'``);
* ``worker-src 'self'``: the offline shell's service worker, ``/sw.js``
  (it would fall back to ``script-src``; said outright so that a later
  change to scripts cannot silently drop or widen it);
* no plugins, no ``<base>``, forms only to us, and no framing at all
  (``frame-ancestors 'none'`` plus ``X-Frame-Options`` for old browsers):
  a board must not be clickjacked inside another site.

HSTS is sent only when the request came over HTTPS (directly, or through
a trusted proxy's ``X-Forwarded-Proto``): over plain HTTP it would be
ignored, and on a LAN install it must never pin a name to HTTPS.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

#: A year: the usual HSTS lifetime; a server that moves off HTTPS must wait
#: it out, so it is sent only where HTTPS already serves the request.
HSTS = "max-age=31536000"

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` (and HSTS over HTTPS) to every HTTP
    response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = SECURITY_HEADERS
        if scope.get("scheme") == "https":
            extra = (*extra, (b"strict-transport-security", HSTS.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
