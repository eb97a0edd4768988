"""Photos and files on cards (issue 13), with real server processes and a
real Valkey: upload, re-encoding without EXIF/GPS, thumbnails, serving with
the right headers, the op check against the board's registry, and approval
mode's visibility of files."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from protocol.errors import ErrorCode
from tests.support import media
from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, device_identity, token_of
from tests.support.wire import Wire, card


def upload(
    node: ServerProcess,
    board: str,
    token: str,
    name: str,
    data: bytes,
    *,
    identity: str | None = None,
    ctype: str = "application/octet-stream",
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if identity is None:  # a participant link's upload names its device
        identity = device_identity()
    if identity:
        headers["X-Prikbord-Identity"] = identity
    return httpx.post(
        f"{node.http}/api/boards/{board}/files",
        headers=headers,
        files={"file": (name, data, ctype)},
        timeout=30,
    )


def get(node: ServerProcess, path: str, token: str, **headers: str) -> httpx.Response:
    return httpx.get(
        node.http + path, headers={"Authorization": f"Bearer {token}", **headers}, timeout=10
    )


def stored(data_dir: Path) -> list[Path]:
    """Blobs in the local store (files/ab/cdef...), temp files excluded."""
    root = data_dir / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def leftovers(data_dir: Path) -> list[Path]:
    """Upload temp files and store temp files: must be none after a request."""
    up = data_dir / "uploads"
    tmp = list(up.iterdir()) if up.exists() else []
    return tmp + [p for p in (data_dir / "files").rglob(".tmp-*")]


async def test_photo_upload_strips_gps_and_serves_with_headers(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    made = a.create_board("Photos")
    bid, links = made["board"], made["links"]
    part = token_of(links["participant"])
    # A phone photo held sideways: 640x480 pixels, EXIF orientation 6 (rotate 90).
    source = media.photo(640, 480, orientation=6)
    assert b"GPS" in source or Image.open(io.BytesIO(source)).getexif().get_ifd(media.GPS_IFD)
    r = upload(a, bid, part, "IMG_0001.jpg", source)
    assert r.status_code == 201, r.text
    att: dict[str, Any] = r.json()
    assert att["kind"] == "image" and att["type"] == "image/jpeg"
    assert (att["w"], att["h"]) == (480, 640)  # orientation applied
    assert att["thumb"] is True and att["name"] == "IMG_0001.jpg"

    alice = await Wire.join(b.ws, bid, part, "Alice")
    ack = await alice.op("a1", card("c1", "sketch", files=[att]))
    assert ack["t"] == "ack", ack

    screen = token_of(links["viewer"])
    got = get(b, f"/api/boards/{bid}/files/{att['id']}", screen)
    assert got.status_code == 200
    data = got.content
    assert hashlib.sha256(data).hexdigest() == att["id"] and len(data) == att["size"]
    im = Image.open(io.BytesIO(data))
    assert im.size == (480, 640)
    assert not im.getexif() and "exif" not in im.info and b"Exif" not in data
    assert b"TestPhone" not in data and b"secret comment" not in data
    h = got.headers
    assert h["content-type"] == "image/jpeg"
    assert h["content-disposition"].startswith("inline;")
    assert "filename*=UTF-8''IMG_0001.jpg" in h["content-disposition"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["content-security-policy"].startswith("sandbox")
    assert "immutable" in h["cache-control"] and h["cache-control"].startswith("private")
    assert h["etag"] == f'"{att["id"]}"'
    again = get(b, f"/api/boards/{bid}/files/{att['id']}", screen, **{"If-None-Match": h["etag"]})
    assert again.status_code == 304 and again.content == b""

    thumb = get(a, f"/api/boards/{bid}/files/{att['id']}/thumb", screen)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    t = Image.open(io.BytesIO(thumb.content))
    assert t.format == "WEBP" and max(t.size) == 480 and t.size[0] < t.size[1]

    # Stored once however often it comes: the same photo again is the same id.
    again_up = upload(b, bid, part, "copy.jpg", source)
    assert again_up.status_code == 201 and again_up.json()["id"] == att["id"]
    blobs = stored(a.data_dir)
    assert sorted(p.name for p in blobs) == sorted([att["id"][2:], att["id"][2:] + ".thumb"])
    assert not leftovers(a.data_dir)

    # Not for other boards' links, not without a link, not a made-up id.
    other = a.create_board("Other")
    assert (
        get(
            a, f"/api/boards/{bid}/files/{att['id']}", token_of(other["links"]["viewer"])
        ).status_code
        == 401
    )
    assert get(a, f"/api/boards/{bid}/files/{'0' * 64}", screen).status_code == 404
    assert get(a, f"/api/boards/{bid}/files/..%2Fsecret", screen).status_code == 404
    await alice.close()


async def test_documents_are_attachments_and_pdfs_get_a_preview(nodes: Nodes) -> None:
    a = nodes.start()
    made = a.create_board("Docs")
    bid, links = made["board"], made["links"]
    fac = token_of(links["facilitator"])
    pdf = upload(a, bid, fac, "verslag.pdf", media.pdf()).json()
    assert pdf["kind"] == "pdf" and pdf["type"] == "application/pdf" and pdf["thumb"] is True
    doc = upload(a, bid, fac, "plan ü.docx", media.docx()).json()
    assert doc["kind"] == "file" and doc["type"].endswith("wordprocessingml.document")
    txt = upload(a, bid, fac, "notes.txt", "één twee\n".encode()).json()
    assert txt["type"] == "text/plain" and txt["thumb"] is False
    w = await Wire.join(a.ws, bid, fac, "Fien")
    assert (await w.op("f1", card("c1", "docs", files=[pdf, doc, txt])))["t"] == "ack"
    for att in (pdf, doc, txt):
        r = get(a, f"/api/boards/{bid}/files/{att['id']}", fac)
        assert r.status_code == 200
        assert r.headers["content-disposition"].startswith("attachment;")
        assert r.headers["x-content-type-options"] == "nosniff"
    r = get(a, f"/api/boards/{bid}/files/{doc['id']}", fac)
    assert "filename*=UTF-8''plan%20%C3%BC.docx" in r.headers["content-disposition"]
    assert get(a, f"/api/boards/{bid}/files/{txt['id']}", fac).headers["content-type"] == (
        "text/plain; charset=utf-8"
    )
    preview = get(a, f"/api/boards/{bid}/files/{pdf['id']}/thumb", fac)
    assert preview.status_code == 200 and Image.open(io.BytesIO(preview.content)).format == "WEBP"
    assert get(a, f"/api/boards/{bid}/files/{doc['id']}/thumb", fac).status_code == 404
    await w.close()


async def test_ops_may_only_reference_this_boards_files_and_cannot_lie(nodes: Nodes) -> None:
    a = nodes.start()
    made = a.create_board("Ops")
    bid, links = made["board"], made["links"]
    part = token_of(links["participant"])
    att = upload(a, bid, part, "p.png", media.png()).json()
    w = await Wire.join(a.ws, bid, part, "Alice")
    fake = {**att, "id": "ab" * 32}
    refused = await w.op("o1", card("c1", "x", files=[fake]))
    assert refused["t"] == "error" and refused["code"] == ErrorCode.NOT_FOUND
    # Another board's file is not this board's.
    other = a.create_board("Other")
    theirs = upload(
        a, other["board"], token_of(other["links"]["participant"]), "g.gif", media.gif()
    )
    refused = await w.op("o2", card("c2", "x", files=[theirs.json()]))
    assert refused["t"] == "error" and refused["code"] == ErrorCode.NOT_FOUND
    # A lie about the file is rewritten from the registry.
    lie = {**att, "name": "evil.html", "type": "text/html", "size": 1, "kind": "file", "w": 9}
    ack = await w.op("o3", card("c3", "x", files=[lie]))
    assert ack["t"] == "ack"
    cards = a.snapshot(bid, part)["cards"]
    assert cards["c3"]["files"] == [att]
    await w.close()


async def test_approval_mode_serves_a_pending_cards_files_only_to_who_may_see_it(
    nodes: Nodes,
) -> None:
    # c holds no socket of the board: it reads the state and keeps it while
    # the log head stays (server/files/routes.py), so it must see each change.
    a, b, c = nodes.start(), nodes.start(), nodes.start()
    made = a.create_board("Moderated")
    bid, links = made["board"], made["links"]
    fac_t, part_t, view_t = (token_of(links[r]) for r in ("facilitator", "participant", "viewer"))
    fac = await Wire.join(a.ws, bid, fac_t, "Fien")
    assert (await fac.op("f1", {"type": "board.set", "approval": True}))["t"] == "ack"
    alice = await Wire.join(b.ws, bid, part_t, "Alice")
    identity = alice.welcome["identity"]
    att = upload(b, bid, part_t, "wall.jpg", media.photo(gps=False), identity=identity).json()
    ack = await alice.op("a1", card("c1", "wall", files=[att]))
    assert ack["t"] == "ack"
    await fac.wait_seq(ack["seq"])
    path = f"/api/boards/{bid}/files/{att['id']}"
    for node in (a, b, c):
        assert get(node, path, view_t).status_code == 404
        assert get(node, path + "/thumb", view_t).status_code == 404
        assert get(node, path, part_t).status_code == 404  # another participant
        assert get(node, path, fac_t).status_code == 200
        # The author, known by the identity the server gave her device:
        assert get(node, path, part_t, **{"X-Prikbord-Identity": identity}).status_code == 200
    rej = await fac.op("f2", {"type": "card.moderate", "id": "c1", "action": "reject"})
    await fac.wait_seq(rej["seq"])
    assert get(a, path, view_t).status_code == 404
    assert get(c, path, view_t).status_code == 404
    assert get(c, path, part_t, **{"X-Prikbord-Identity": identity}).status_code == 200
    ok = await fac.op("f3", {"type": "card.moderate", "id": "c1", "action": "restore"})
    await fac.wait_seq(ok["seq"])
    for node in (a, b, c):
        assert get(node, path, view_t).status_code == 200
        assert get(node, path + "/thumb", view_t).status_code == 200
    hid = await fac.op("f4", {"type": "card.moderate", "id": "c1", "action": "hide"})
    await fac.wait_seq(hid["seq"])
    for node in (a, b, c):
        assert get(node, path, view_t).status_code == 404
        assert get(node, path, fac_t).status_code == 200
    await fac.close()
    await alice.close()


async def test_the_word_filter_reads_the_stored_file_names(nodes: Nodes) -> None:
    """A client cannot pass the filter by renaming a file in its op: the
    name is the uploaded one, and the filter reads that."""
    a = nodes.start()
    made = a.create_board("Filtered")
    bid, links = made["board"], made["links"]
    fac = await Wire.join(a.ws, bid, token_of(links["facilitator"]), "Fien")
    on = await fac.op("f1", {"type": "board.set", "filter": True, "words": ["verboden"]})
    assert on["t"] == "ack", on
    part = token_of(links["participant"])
    att = upload(a, bid, part, "verboden plan.txt", b"plan\n").json()
    alice = await Wire.join(a.ws, bid, part, "Alice")
    ack = await alice.op("a1", card("c1", "harmless", files=[{**att, "name": "ok.txt"}]))
    assert ack["t"] == "ack"
    await fac.wait_seq(ack["seq"])
    cards = a.snapshot(bid, token_of(links["facilitator"]))["cards"]
    assert cards["c1"]["status"] == "pending"
    assert cards["c1"]["files"][0]["name"] == "verboden plan.txt"
    await fac.close()
    await alice.close()
