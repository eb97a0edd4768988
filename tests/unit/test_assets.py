"""The web app's files (server/routes/assets.py) on a tiny inline app over
a made-up build: precompressed variants, cache headers, 304s."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from server.routes.assets import (
    IMMUTABLE,
    REVALIDATE,
    AssetFiles,
    accepted_encodings,
    file_response,
)

JS = b"export const hello = 'world';\n" * 200
BR = b"pretend-brotli-bytes"  # the server never decodes: any bytes will do


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "index-abc123.js").write_bytes(JS)
    (assets / "index-abc123.js.gz").write_bytes(gzip.compress(JS))
    (assets / "index-abc123.js.br").write_bytes(BR)
    (assets / "only-plain-def456.css").write_bytes(b"body{color:red}")
    (tmp_path / "index.html").write_bytes(b"<!doctype html><title>x</title>" * 50)
    (tmp_path / "index.html.gz").write_bytes(gzip.compress((tmp_path / "index.html").read_bytes()))
    return tmp_path


def _app(dist: Path) -> Starlette:
    async def index(request: Request) -> Response:
        return file_response(dist / "index.html", request.headers, REVALIDATE)

    return Starlette(
        routes=[
            Route("/", index),
            Mount("/assets", app=AssetFiles(directory=dist / "assets")),
        ]
    )


async def _get(dist: Path, path: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (not decoded)."""
    transport = httpx.ASGITransport(_app(dist))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        async with c.stream("GET", path, headers=headers) as resp:
            raw = b"".join([chunk async for chunk in resp.aiter_raw()])
    return resp, raw


def test_accept_encoding_parsing() -> None:
    assert accepted_encodings("gzip, deflate, br, zstd") == {"gzip", "deflate", "br", "zstd"}
    assert accepted_encodings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_encodings("*") == {"*", "br", "gzip"}
    assert accepted_encodings("*, br;q=0") == {"*", "gzip"}
    assert accepted_encodings("gzip;q=nonsense") == set()
    assert accepted_encodings("") == set()


async def test_brotli_when_accepted_gzip_otherwise_plain_when_neither(dist: Path) -> None:
    resp, raw = await _get(dist, "/assets/index-abc123.js", **{"accept-encoding": "gzip, br"})
    assert resp.status_code == 200
    assert resp.headers["content-encoding"] == "br"
    assert raw == BR
    assert resp.headers["content-type"].startswith("text/javascript")
    assert resp.headers["cache-control"] == IMMUTABLE
    assert resp.headers["vary"] == "Accept-Encoding"
    assert int(resp.headers["content-length"]) == len(BR)

    resp, raw = await _get(dist, "/assets/index-abc123.js", **{"accept-encoding": "gzip"})
    assert resp.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == JS
    assert resp.headers["content-type"].startswith("text/javascript")

    resp, raw = await _get(dist, "/assets/index-abc123.js", **{"accept-encoding": "identity"})
    assert "content-encoding" not in resp.headers
    assert raw == JS
    assert resp.headers["cache-control"] == IMMUTABLE


async def test_a_file_without_variants_is_sent_plain(dist: Path) -> None:
    resp, raw = await _get(dist, "/assets/only-plain-def456.css", **{"accept-encoding": "br, gzip"})
    assert resp.status_code == 200
    assert "content-encoding" not in resp.headers
    assert raw == b"body{color:red}"
    assert resp.headers["content-type"].startswith("text/css")
    assert resp.headers["cache-control"] == IMMUTABLE


async def test_each_variant_has_its_own_etag_and_revalidates_to_304(dist: Path) -> None:
    br, _ = await _get(dist, "/assets/index-abc123.js", **{"accept-encoding": "br"})
    gz, _ = await _get(dist, "/assets/index-abc123.js", **{"accept-encoding": "gzip"})
    assert br.headers["etag"] != gz.headers["etag"]
    js = "/assets/index-abc123.js"
    again, raw = await _get(
        dist, js, **{"accept-encoding": "br", "if-none-match": br.headers["etag"]}
    )
    assert again.status_code == 304
    assert raw == b""
    assert again.headers["cache-control"] == IMMUTABLE
    # The gzip copy's tag does not answer for brotli.
    other, _ = await _get(
        dist, js, **{"accept-encoding": "br", "if-none-match": gz.headers["etag"]}
    )
    assert other.status_code == 200


async def test_the_page_is_revalidated_every_time(dist: Path) -> None:
    resp, raw = await _get(dist, "/", **{"accept-encoding": "gzip, br"})
    assert resp.status_code == 200
    assert resp.headers["cache-control"] == REVALIDATE
    assert resp.headers["content-encoding"] == "gzip"  # no .br beside this one
    assert gzip.decompress(raw) == (dist / "index.html").read_bytes()
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    etag = resp.headers["etag"]
    cached, _ = await _get(dist, "/", **{"accept-encoding": "gzip", "if-none-match": etag})
    assert cached.status_code == 304


async def test_missing_and_escaping_paths_are_404_and_never_cached_for_a_year(dist: Path) -> None:
    for path in ("/assets/nope-000.js", "/assets/../index.html", "/assets/%2e%2e/index.html"):
        resp, _ = await _get(dist, path, **{"accept-encoding": "br"})
        assert resp.status_code == 404, path
        assert resp.headers.get("cache-control") != IMMUTABLE
