"""The link-preview fetcher (server/previews/fetch.py) against a real local
web server: what it reads, and every request it must refuse (SSRF)."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
from collections.abc import AsyncIterator, Iterator

import pytest

from server.config import Settings
from server.previews.fetch import Fetcher, FetchError, Refused
from tests.support.pages import Pages, og_page, png


@pytest.fixture(scope="module")
def pages() -> Iterator[Pages]:
    p = Pages().start()
    p.route("/page", og_page("Hello preview", "A page about tests", "/img.png"))
    p.route("/img.png", png(), "image/png")
    p.route("/text", b"just text, no page", "text/plain")
    p.route(
        "/gz", gzip.compress(og_page("Zipped")), "text/html", headers={"Content-Encoding": "gzip"}
    )
    bomb = gzip.compress(b"<html><head><title>bomb</title>" + b" " * 50_000_000)
    p.route("/bomb", bomb, "text/html", headers={"Content-Encoding": "gzip"})
    p.redirect("/hop", "/page")
    p.redirect("/to-private", "http://10.0.0.1/admin")
    p.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    p.redirect("/to-loopback", "http://127.0.0.1:1/")
    p.redirect("/to-file", "file:///etc/passwd")
    p.redirect("/to-evil", "http://evil.test/")
    p.redirect("/loop", "/loop")
    try:
        yield p
    finally:
        p.stop()


def _settings(pages: Pages | None, **kw: object) -> Settings:
    base = Settings(
        preview_test_loopback_port=pages.port if pages else 0,
        preview_test_hosts=("evil.test=127.0.0.1", "meta.test=169.254.169.254",
                            "mixed.test=10.1.1.1", "v6.test=::1"),
        preview_timeout_s=3.0,
    )  # fmt: skip
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


@pytest.fixture
async def fetcher(pages: Pages) -> AsyncIterator[Fetcher]:
    f = Fetcher(_settings(pages))
    try:
        yield f
    finally:
        await f.aclose()


async def test_reads_open_graph_and_the_image(fetcher: Fetcher, pages: Pages) -> None:
    final, info = await fetcher.page(pages.url("/hop"))
    assert final == pages.url("/page")
    assert (info.title, info.description, info.site) == (
        "Hello preview", "A page about tests", "Testsite",
    )  # fmt: skip
    assert info.image == pages.url("/img.png")
    assert (await fetcher.image(info.image)).startswith(b"\x89PNG")
    _final, zipped = await fetcher.page(pages.url("/gz"))
    assert zipped.title == "Zipped"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://192.168.1.10/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fd00:ec2::254]/", "private"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://100.64.1.1/", "CGNAT"),
        ("http://evil.test/", "loopback"),
        ("http://meta.test/", "link-local"),
        ("http://mixed.test/", "private"),
        ("http://v6.test/", "loopback"),
        ("http://localhost/", "loopback"),
        ("gopher://example.com/", "scheme"),
        ("http://example.com:25/", "port 25"),
    ],
)
async def test_refused_before_connecting(fetcher: Fetcher, url: str, reason: str) -> None:
    with pytest.raises(Refused) as err:
        await fetcher.page(url)
    assert reason in err.value.reason


async def test_the_test_port_opens_nothing_else(fetcher: Fetcher, pages: Pages) -> None:
    """The loopback allowance is one port: the same name on port 80 (the
    hostile resolver's case) or another loopback port stays refused."""
    with pytest.raises(Refused):
        await fetcher.page(f"http://127.0.0.1:{pages.port + 1}/")
    with pytest.raises(Refused):
        await fetcher.page("http://evil.test/page")
    _final, info = await fetcher.page(f"http://evil.test:{pages.port}/page")
    assert info.title == "Hello preview"  # the allowed port, by name: allowed


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/to-private", "10.0.0.1 is private"),
        ("/to-metadata", "169.254.169.254 is link-local"),
        ("/to-loopback", "port 1"),
        ("/to-file", "file scheme"),
        ("/to-evil", "loopback"),
    ],
)
async def test_every_redirect_hop_is_checked(
    fetcher: Fetcher, pages: Pages, path: str, reason: str
) -> None:
    with pytest.raises(Refused) as err:
        await fetcher.page(pages.url(path))
    assert reason in err.value.reason


async def test_default_refuses_loopback(pages: Pages) -> None:
    f = Fetcher(_settings(None))
    try:
        with pytest.raises(Refused, match="port"):
            await f.page(pages.url("/page"))
        with pytest.raises(Refused, match="loopback"):
            await f.page("http://127.0.0.1/")
    finally:
        await f.aclose()
    assert pages.hits["/page"] < 10  # (only this module's allowed fetches)


async def test_bounds(fetcher: Fetcher, pages: Pages) -> None:
    with pytest.raises(FetchError, match="not a web page"):
        await fetcher.page(pages.url("/text"))
    with pytest.raises(FetchError, match="redirects"):
        await fetcher.page(pages.url("/loop"))
    with pytest.raises(FetchError, match="not an image"):
        await fetcher.image(pages.url("/page"))
    small = Fetcher(_settings(pages, preview_max_image_bytes=100))
    try:
        with pytest.raises(FetchError, match="larger"):
            await small.image(pages.url("/img.png"))
    finally:
        await small.aclose()
    # A gzip bomb: 50 MB of spaces decompress no further than the cap.
    _final, info = await fetcher.page(pages.url("/bomb"))
    assert info.title == "bomb"


async def test_oversize_page_reads_only_the_cap(fetcher: Fetcher, pages: Pages) -> None:
    _final, info = await fetcher.page(pages.url("/big"))
    assert info.title == "Big page"  # before the cap; "beyond the cap" never read
    await asyncio.sleep(0.5)
    assert pages.sent["/big"] < 16 * 1024 * 1024  # of 20 MiB: the rest was never asked for


async def test_slow_page_times_out(pages: Pages) -> None:
    f = Fetcher(_settings(pages, preview_timeout_s=1.0))
    try:
        with pytest.raises(FetchError):
            async with asyncio.timeout(5):
                await f.page(pages.url("/slow"))
    finally:
        await f.aclose()
