"""Security headers on a tiny inline app (server/headers.py)."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from server.headers import CONTENT_SECURITY_POLICY, SecurityHeaders


async def _plain(request: Request) -> Response:
    return PlainTextResponse("hi")


async def _own_policy(request: Request) -> Response:
    return PlainTextResponse("hi", headers={"X-Frame-Options": "SAMEORIGIN"})


async def _get(path: str, base_url: str = "http://testserver") -> httpx.Response:
    app = Starlette(
        routes=[Route("/", _plain), Route("/own", _own_policy)],
        middleware=[Middleware(SecurityHeaders)],
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=base_url) as c:
        return await c.get(path)


async def test_every_response_gets_the_headers_and_no_hsts_over_http() -> None:
    for path in ("/", "/missing"):
        resp = await _get(path)
        assert resp.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "no-referrer"
        assert resp.headers["cross-origin-opener-policy"] == "same-origin"
        assert resp.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in resp.headers


async def test_hsts_only_over_https() -> None:
    resp = await _get("/", "https://testserver")
    assert resp.headers["strict-transport-security"] == "max-age=31536000"


async def test_a_header_the_route_sets_wins_and_is_not_doubled() -> None:
    resp = await _get("/own")
    assert resp.headers.get_list("x-frame-options") == ["SAMEORIGIN"]


def test_the_policy_forbids_inline_script_and_framing() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    # Attachments show from blob: URLs (fetched with the link token), nothing wider.
    assert directives["img-src"] == "'self' data: blob:"
    assert directives["media-src"] == "'self' blob:"
