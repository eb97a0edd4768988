"""A small real web server on 127.0.0.1 for link-preview tests: pages with
Open Graph tags, an image, redirects, a slow page, an oversize page and a
non-HTML answer; ``/delay…`` paths answer after a second. It runs in a
thread of the test process and counts the requests per path, so a test can
tell whether the server fetched (once).
"""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from PIL import Image


def png(w: int = 64, h: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), (200, 60, 30)).save(out, "PNG")
    return out.getvalue()


def og_page(title: str, description: str = "", image: str = "") -> bytes:
    meta = f'<meta property="og:title" content="{title}">'
    if description:
        meta += f'<meta property="og:description" content="{description}">'
    if image:
        meta += f'<meta property="og:image" content="{image}">'
    meta += '<meta property="og:site_name" content="Testsite">'
    return f"<!doctype html><html><head><title>t</title>{meta}</head><body>x</body></html>".encode()


class Pages:
    """``Pages().start()``: serves on ``self.port`` until :meth:`stop`."""

    #: path -> (status, headers, body); filled by :meth:`route`.
    routes: dict[str, tuple[int, dict[str, str], bytes]]
    #: Seconds the ``/slow`` page waits before answering.
    SLOW_S: ClassVar[float] = 30.0

    def __init__(self) -> None:
        self.routes = {}
        self.hits: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path
                pages.hits[path] += 1
                if path == "/slow":
                    time.sleep(pages.SLOW_S)
                if path.startswith("/delay"):
                    time.sleep(1.0)
                if path == "/big":
                    self._big()
                    return
                status, headers, body = pages.routes.get(path, (404, {}, b"not here"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                    pages.sent[path] += len(body)
                except OSError:
                    pass

            def _big(self) -> None:
                """A 20 MiB page whose head never ends; counts what it sent."""
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    self.wfile.write(b"<html><head><title>Big page</title>")
                    filler = b"<!-- " + b"x" * 65_000 + b" -->"
                    for _ in range(320):
                        self.wfile.write(filler)
                        pages.sent["/big"] += len(filler)
                    self.wfile.write(b'<meta property="og:title" content="beyond the cap">')
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, body: bytes, ctype: str = "text/html; charset=utf-8",
              status: int = 200, headers: dict[str, str] | None = None) -> None:  # fmt: skip
        self.routes[path] = (status, {"Content-Type": ctype, **(headers or {})}, body)

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        self.routes[path] = (status, {"Location": to}, b"")

    def start(self) -> Pages:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
