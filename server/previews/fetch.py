"""The guarded HTTP client of link previews (aiohttp).

No server-side request forgery, by construction:

- A URL is http or https on port 80 or 443 (:data:`addresses.WEB_PORTS`),
  checked again for every redirect hop, which we follow ourselves (at most
  ``preview_max_redirects``).
- Names are resolved by our own resolver (:class:`GuardedResolver`, given to
  aiohttp's connector), which drops every address :func:`addresses.refusal`
  refuses and fails when none is left. aiohttp connects to exactly the
  addresses the resolver returned (its DNS cache is off), so no second
  lookup can swap in another address between the check and the connect (DNS
  rebinding). A URL that names an address is checked directly (aiohttp does
  not ask the resolver about those).
- No proxy from the environment, no cookies, no credentials: each fetch is a
  stranger's.

Bounded: connect timeout per hop, a deadline for the whole fetch (the
caller's ``asyncio.timeout``), at most ``preview_max_html_bytes`` of a page
(only its <head> is read) and ``preview_max_image_bytes`` of an image,
decompressed size included (we decompress ourselves, with a cap).
"""

from __future__ import annotations

import asyncio
import socket
import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from protocol import limits
from server.config import Settings
from server.previews.addresses import WEB_PORTS, IPAddress, parse_ip, refusal
from server.previews.parse import HeadReader, PageInfo

#: Sent with every fetch: site owners can see who asks and why.
USER_AGENT = "Prikbord link preview (a self-hosted pinboard; fetches one page per pasted link)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Bytes per read from the socket.
_CHUNK = 16 * 1024


class FetchError(Exception):
    """No preview from this URL; ``reason`` is a short phrase for logs and
    the cache (never shown as an error to the card's author: a link without
    a preview is still a link)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Refused(FetchError):
    """The URL, or an address it leads to, may not be fetched (SSRF guard)."""


@dataclass(frozen=True, slots=True)
class Guard:
    """Where fetches may go. ``loopback_port`` (tests only; 0 in
    production) lets loopback addresses on that one port through;
    ``hosts`` answers those names without DNS (tests only)."""

    loopback_port: int = 0
    hosts: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> Guard:
        pairs = []
        for item in settings.preview_test_hosts:
            name, _, addr = item.partition("=")
            pairs.append((name.strip().lower(), addr.strip()))
        return cls(settings.preview_test_loopback_port, tuple(pairs))

    def port_ok(self, port: int) -> bool:
        return port in WEB_PORTS or (self.loopback_port != 0 and port == self.loopback_port)

    def address_refusal(self, ip: IPAddress, port: int) -> str | None:
        if self.loopback_port and port == self.loopback_port and ip.is_loopback:
            return None
        return refusal(ip)

    def check_url(self, url: str) -> None:
        """Raise :class:`Refused` unless ``url`` is http(s) on a web port,
        and, when it names an address, a public one."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise Refused("not a valid URL") from None
        if parts.scheme not in ("http", "https"):
            raise Refused(f"{parts.scheme or 'no'} scheme: only http and https")
        if not parts.hostname:
            raise Refused("no host")
        if parts.username or parts.password:
            raise Refused("credentials in the URL")
        if not self.port_ok(port):
            raise Refused(f"port {port}: only 80 and 443")
        ip = parse_ip(parts.hostname)
        if ip is not None:
            why = self.address_refusal(ip, port)
            if why:
                raise Refused(f"{ip} is {why}")


class GuardedResolver(AbstractResolver):
    """Resolves with the system resolver, keeps only allowed addresses."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.hosts = dict(guard.hosts)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        name = host.rstrip(".").lower()
        if name in self.hosts:
            infos: Iterable[tuple[Any, ...]] = [(None, None, None, None, (self.hosts[name], port))]
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM, family=family
                )
            except OSError as exc:
                raise FetchError(f"cannot resolve {host}: {exc.strerror or exc}") from None
        results: list[ResolveResult] = []
        refusals: list[str] = []
        for *_, sockaddr in infos:
            ip = parse_ip(str(sockaddr[0]))
            if ip is None:
                continue
            why = self.guard.address_refusal(ip, port)
            if why:
                refusals.append(f"{ip} is {why}")
                continue
            fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            results.append(
                {"hostname": host, "host": str(ip), "port": port, "family": fam,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}
            )  # fmt: skip
        if not results:
            raise Refused(f"{host} resolves to no public address ({'; '.join(refusals[:3])})")
        return results

    async def close(self) -> None:
        return None


class Fetcher:
    """One node's fetching client (its connections are never reused across
    fetches: each fetch connects to what its own resolution allowed)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.guard = Guard.from_settings(settings)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self.guard),
                use_dns_cache=False,
                force_close=True,
                limit=max(1, self.settings.preview_concurrency) * 2,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    sock_connect=self.settings.preview_connect_timeout_s,
                    sock_read=self.settings.preview_timeout_s,
                ),
                auto_decompress=False,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": USER_AGENT},
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def page(self, url: str) -> tuple[str, PageInfo]:
        """The final URL (after redirects) and what its <head> says. Raises
        :class:`FetchError` (:class:`Refused` for the SSRF guard)."""
        async with self._open(url, "text/html,application/xhtml+xml;q=0.9") as (final, resp):
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if ctype not in _HTML_TYPES:
                raise FetchError(f"not a web page ({ctype or 'no type'})")
            reader = HeadReader(resp.charset or "utf-8")
            cap = self.settings.preview_max_html_bytes
            async for chunk in _body(resp, cap):
                reader.feed(chunk)
                if reader.done:
                    break  # only the <head> is needed
            return final, reader.result(final)

    async def image(self, url: str) -> bytes:
        """An image's bytes, at most ``preview_max_image_bytes``."""
        cap = self.settings.preview_max_image_bytes
        async with self._open(url, "image/*") as (_final, resp):
            if not resp.headers.get("Content-Type", "").lower().startswith("image/"):
                raise FetchError("the page's image is not an image")
            if (resp.content_length or 0) > cap:
                raise FetchError(f"image larger than {cap} bytes")
            data = bytearray()
            async for chunk in _body(resp, cap + 1):
                data += chunk
            if len(data) > cap:
                raise FetchError(f"image larger than {cap} bytes")
            return bytes(data)

    def _open(self, url: str, accept: str) -> _Hops:
        return _Hops(self, url, accept)


class _Hops:
    """``async with``: the response at the end of the redirects, each hop
    checked; yields (final URL, response)."""

    def __init__(self, fetcher: Fetcher, url: str, accept: str) -> None:
        self.fetcher = fetcher
        self.url = url
        self.accept = accept
        self.resp: aiohttp.ClientResponse | None = None

    async def __aenter__(self) -> tuple[str, aiohttp.ClientResponse]:
        f = self.fetcher
        url = self.url
        headers = {"Accept": self.accept, "Accept-Encoding": "gzip, deflate"}
        for _hop in range(f.settings.preview_max_redirects + 1):
            f.guard.check_url(url)
            try:
                resp = await f._client().get(url, headers=headers, allow_redirects=False)
            except FetchError:
                raise
            except (aiohttp.ClientError, OSError) as exc:
                cause = exc.__cause__ or exc.__context__
                if isinstance(cause, FetchError):
                    raise cause from None
                raise FetchError(f"cannot fetch: {type(exc).__name__}: {exc}"[:200]) from None
            if resp.status in _REDIRECTS:
                location = resp.headers.get("Location", "")
                resp.release()
                if not location:
                    raise FetchError(f"redirect ({resp.status}) without a Location")
                url = urljoin(url, location)
                if len(url) > limits.MAX_URL:
                    raise FetchError("redirect to an overlong URL")
                continue
            if resp.status != 200:
                resp.release()
                raise FetchError(f"HTTP {resp.status}")
            self.resp = resp
            return url, resp
        raise FetchError(f"more than {f.settings.preview_max_redirects} redirects")

    async def __aexit__(self, *exc: object) -> None:
        if self.resp is not None:
            self.resp.close()  # drop the connection: the rest is never read


async def _body(resp: aiohttp.ClientResponse, cap: int) -> AsyncIterator[bytes]:
    """The body's (decompressed) bytes in chunks, at most ``cap`` in all."""
    encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflate: Any = zlib.decompressobj(wbits=47)  # zlib or gzip header, auto
    elif encoding in ("identity", ""):
        inflate = None
    else:
        raise FetchError(f"unsupported content encoding {encoding}")
    left = cap
    try:
        async for raw in resp.content.iter_chunked(_CHUNK):
            if inflate is None:
                chunk = raw[:left]
            else:
                try:
                    chunk = inflate.decompress(raw, left)
                except zlib.error:
                    raise FetchError("corrupt compressed body") from None
            left -= len(chunk)
            if chunk:
                yield chunk
            if left <= 0:
                return
    except (aiohttp.ClientError, OSError) as exc:
        raise FetchError(f"read failed: {type(exc).__name__}") from None
