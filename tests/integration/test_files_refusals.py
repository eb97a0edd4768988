"""Every refusal of issue 13's "Bad input" for uploads: a clear error with a
stable code, nothing registered on the board, no blob stored and no partial
or temp file left — on a real server process with a real Valkey."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import media
from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, device_identity, token_of
from tests.support.wire import Wire

#: Small caps so the tests send little: 300 KB per file, 500 KB per board.
CAPS = {"PRIKBORD_FILES_MAX_BYTES": "300000", "PRIKBORD_FILES_BOARD_QUOTA_BYTES": "500000"}


def post(node: ServerProcess, board: str, token: str, name: str, data: bytes) -> httpx.Response:
    return httpx.post(
        f"{node.http}/api/boards/{board}/files",
        headers={"Authorization": f"Bearer {token}", "X-Prikbord-Identity": device_identity()},
        files={"file": (name, data, "image/png")},  # the claimed type never matters
        timeout=30,
    )


def nothing_left(node: ServerProcess, board: str, token: str) -> None:
    """No blob, no temp file, and (through a card op) no registered file."""
    files = node.data_dir / "files"
    blobs = [p for p in files.rglob("*") if p.is_file()] if files.exists() else []
    assert blobs == [], blobs
    up = node.data_dir / "uploads"
    assert not (up.exists() and list(up.iterdir())), list(up.iterdir())


@pytest.fixture
def node(nodes: Nodes) -> Iterator[ServerProcess]:
    yield nodes.start(**CAPS)


def _board(node: ServerProcess) -> tuple[str, dict[str, Any]]:
    made = node.create_board("Refusals")
    return made["board"], made["links"]


CASES = [
    ("page.png", media.HTML, 415, "unsupported_type"),
    ("logo.svg", media.SVG, 415, "unsupported_type"),
    ("tool.exe", media.ELF, 415, "unsupported_type"),
    ("doc.pdf", media.HTML_PDF_POLYGLOT, 415, "unsupported_type"),
    ("archive.zip", media.zip_plain(), 415, "unsupported_type"),
    ("bomb.png", media.png_bomb(), 422, "invalid"),
    ("half.jpg", media.photo()[:2000], 422, "invalid"),
    ("empty.txt", b"", 422, "invalid"),
    ("nul.txt", b"text\x00with nul", 415, "unsupported_type"),
    ("big.txt", b"a" * 300_001, 413, "too_large"),
]


def test_refused_uploads_store_nothing(node: ServerProcess) -> None:
    """Each case on a fresh board of one server (one server start for all)."""
    for name, data, status, code in CASES:
        board, links = _board(node)
        r = post(node, board, token_of(links["participant"]), name, data)
        assert r.status_code == status, (name, r.text)
        body = r.json()
        assert body["error"] == code and body["message"], name
        nothing_left(node, board, token_of(links["facilitator"]))
    # /metrics counts uploads by result.
    for code in {c[3] for c in CASES}:
        expected = sum(1 for c in CASES if c[3] == code)
        assert node.metric(f'prikbord_uploads_total{{result="{code}"}}') == expected, code
    assert node.metric('prikbord_uploads_total{result="stored"}') == 0
    assert node.metric("prikbord_upload_bytes_total") == 0


def test_a_polyglot_image_keeps_only_its_pixels(node: ServerProcess) -> None:
    """A GIF with a zip (or a script) behind it decodes as a GIF: what is
    stored is Pillow's re-encoding, without the tail."""
    board, links = _board(node)
    poly = media.gif() + media.zip_plain() + b"<script>alert(1)</script>"
    r = post(node, board, token_of(links["participant"]), "x.gif", poly)
    assert r.status_code == 201, r.text
    (blob,) = [p for p in (node.data_dir / "files").rglob("*") if p.is_file() and "." not in p.name]
    data = blob.read_bytes()
    assert data.startswith(b"GIF8") and b"PK\x03\x04" not in data and b"<script" not in data


def test_board_quota(node: ServerProcess) -> None:
    board, links = _board(node)
    token = token_of(links["participant"])
    assert post(node, board, token, "a.txt", b"a" * 280_000).status_code == 201
    assert node.metric('prikbord_uploads_total{result="stored"}') == 1
    assert node.metric("prikbord_upload_bytes_total") == 280_000
    r = post(node, board, token, "b.txt", b"b" * 280_000)
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert "board" in r.json()["message"]
    blobs = [p for p in (node.data_dir / "files").rglob("*") if p.is_file()]
    assert len(blobs) == 1  # only the first
    # Room again once the board holds less: a small file fits.
    assert post(node, board, token, "c.txt", b"c" * 100_000).status_code == 201


async def test_who_may_not_upload(node: ServerProcess) -> None:
    board, links = _board(node)
    png = media.png()
    r = post(node, board, token_of(links["viewer"]), "p.png", png)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert post(node, board, "forged", "p.png", png).status_code == 401
    assert post(node, "nosuchboard", token_of(links["viewer"]), "p.png", png).status_code in (
        401,
        404,
    )
    fac = await Wire.join(node.ws, board, token_of(links["facilitator"]), "Fien")
    alice = await Wire.join(node.ws, board, token_of(links["participant"]), "Alice")
    identity, actor = alice.welcome["identity"], alice.welcome["actor"]
    await fac.op("f1", {"type": "board.set", "locked": True})
    r = post(node, board, token_of(links["participant"]), "p.png", png)
    assert r.status_code == 403 and "locked" in r.json()["message"]
    await fac.op("f2", {"type": "board.set", "locked": False})
    await fac.op("f3", {"type": "participant.remove", "actor": actor})
    r = await asyncio.to_thread(
        httpx.post,
        f"{node.http}/api/boards/{board}/files",
        headers={
            "Authorization": f"Bearer {token_of(links['participant'])}",
            "X-Prikbord-Identity": identity,
        },
        files={"file": ("p.png", png, "image/png")},
    )
    assert r.status_code == 403 and "removed" in r.json()["message"]
    nothing_left(node, board, token_of(links["facilitator"]))
    await fac.close()
    await alice.close()


def _raw_upload(
    node: ServerProcess, board: str, token: str, body: bytes, length: int, *, hang_up: bool = False
) -> bytes:
    """Send a multipart request by hand: ``length`` in Content-Length, ``body``
    bytes of it (then, with ``hang_up``, close); returns what the server answered."""
    with socket.create_connection(("127.0.0.1", node.port), timeout=10) as s:
        head = (
            f"POST /api/boards/{board}/files HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\n"
            f"X-Prikbord-Identity: {device_identity()}\r\n"
            "Content-Type: multipart/form-data; boundary=XyZ\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
        )
        s.sendall(head.encode() + body)
        if hang_up:
            return b""
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def test_truncated_multipart_body(node: ServerProcess) -> None:
    """The whole body arrives, but the multipart ends before its last boundary."""
    board, links = _board(node)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n" + b"hello " * 1000
    )
    answer = _raw_upload(node, board, token_of(links["participant"]), body, len(body))
    assert answer.startswith(b"HTTP/1.1 422") and b"truncated" in answer
    nothing_left(node, board, "")


async def test_client_gone_mid_upload(node: ServerProcess) -> None:
    """Content-Length promises 250 KB, 100 KB come, the client closes: the
    temp file goes and nothing is registered."""
    board, links = _board(node)
    head = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
    body = head + b"x" * 100_000
    token = token_of(links["participant"])
    await asyncio.to_thread(_raw_upload, node, board, token, body, 250_000, hang_up=True)
    deadline = time.monotonic() + 5
    while True:
        try:
            nothing_left(node, board, "")
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


def test_oversize_is_cut_off_without_reading_it_all(node: ServerProcess, tmp_path: Path) -> None:
    """No Content-Length (chunked): the cap is counted as the bytes come."""
    board, links = _board(node)

    def gen() -> Iterator[bytes]:
        yield b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        for _ in range(100):
            yield b"y" * 10_000  # 1 MB in all, over the 300 KB cap
        yield b"\r\n--XyZ--\r\n"

    r = httpx.post(
        f"{node.http}/api/boards/{board}/files",
        headers={
            "Authorization": f"Bearer {token_of(links['participant'])}",
            "X-Prikbord-Identity": device_identity(),
            "Content-Type": "multipart/form-data; boundary=XyZ",
        },
        content=gen(),
        timeout=30,
    )
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    nothing_left(node, board, "")


def test_uploads_per_ip_are_limited(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_FILES_UPLOADS_PER_IP="3")
    board, links = _board(node)
    token = token_of(links["participant"])
    for i in range(3):
        assert post(node, board, token, f"{i}.txt", f"text {i}\n".encode()).status_code == 201
    r = post(node, board, token, "4.txt", b"text 4\n")
    assert r.status_code == 429 and r.json()["error"] == "rate_limited"
    assert int(r.headers["retry-after"]) > 0


async def test_a_dead_uploads_temp_file_is_swept(nodes: Nodes) -> None:
    """A temp file left by a process killed mid-upload goes on the next pass."""
    node = nodes.start(PRIKBORD_FILES_GC_INTERVAL_S="1", PRIKBORD_FILES_UPLOAD_TIMEOUT_S="0.1")
    up = node.data_dir / "uploads"
    up.mkdir(parents=True, exist_ok=True)
    stale = up / "up-left-behind"
    stale.write_bytes(b"half a photo")
    deadline = time.monotonic() + 15
    while stale.exists():
        assert time.monotonic() < deadline, "the stale temp file was not swept"
        await asyncio.sleep(0.2)
