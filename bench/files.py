"""``python -m bench.files``: photos on cards (issue 13) — upload throughput
and thumbnail time for 12-megapixel phone photos, and the cost of serving a
hub screen's 200 thumbnails.

Starts its own Valkey (``appendfsync always``) and one ``prikbord serve``
node; makes its photos itself: 4000 x 3000 JPEGs at quality 92 with sensor
noise, a drawing and EXIF (camera make, orientation, a GPS position), each
with its own noise so none are deduplicated. Prints one table; nothing is
asserted (tests/integration/test_files*.py prove the behaviour).

    python -m bench.files [--photos 8] [--parallel 4] [--thumbs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import websockets
from PIL import Image, ImageDraw

from bench.procs import cpu_seconds, create_board, start_node, token_of, tree
from protocol import codec
from protocol.version import SUBPROTOCOL
from server.embedded import EmbeddedValkey
from server.files import images
from server.files.detect import detect

W, H = 4000, 3000


def phone_photo(seed: int) -> bytes:
    """A 12 MP JPEG like a phone's: smooth light, detail, sensor noise, EXIF."""
    base = Image.linear_gradient("L").resize((W, H)).convert("RGB")
    tint = Image.new("RGB", (W, H), (40 + seed % 60, 90, 160))
    im = Image.blend(base, tint, 0.5)
    draw = ImageDraw.Draw(im)
    for i in range(40):  # post-its on a wall
        x, y = (i * 397 + seed * 131) % (W - 400), (i * 263 + seed * 71) % (H - 400)
        draw.rectangle((x, y, x + 380, y + 380), fill=(250, 220 - i * 3, 60 + i * 4))
        draw.text((x + 20, y + 20), f"idea {i} / {seed}", fill=(20, 20, 20))
    noise = Image.effect_noise((W, H), 18 + seed % 5).convert("RGB")
    im = Image.blend(im, noise, 0.3)
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 22.0, 12.0), "E", (4.0, 54.0, 0.0)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def in_process(photos: list[bytes], tmp: Path) -> dict[str, float]:
    """Detect + decode + orient + re-encode + thumbnail, without HTTP/Redis:
    CPU seconds of this process (median per photo)."""
    limits = images.Limits(max_pixels=50_000_000, max_edge=4096, thumb_edge=480, max_frames=300)
    whole, thumbs, sizes = [], [], []
    for i, data in enumerate(photos):
        path = tmp / f"p{i}.jpg"
        path.write_bytes(data)
        t0 = time.process_time()
        detect(path)
        done = images.process_image(path, "image/jpeg", limits)
        whole.append(time.process_time() - t0)
        sizes.append(len(done.data))
        im = Image.open(io.BytesIO(done.data))
        im.load()
        t1 = time.process_time()
        t = im.copy()
        t.thumbnail((480, 480), Image.Resampling.LANCZOS)
        t.save(io.BytesIO(), "WEBP", quality=80, method=4)
        thumbs.append(time.process_time() - t1)
    return {
        "process_ms": statistics.median(whole) * 1000,
        "thumb_ms": statistics.median(thumbs) * 1000,
        "stored_mb": statistics.median(sizes) / 1e6,
    }


def upload_all(http: str, board: str, token: str, photos: list[bytes], parallel: int) -> float:
    """Upload every photo, ``parallel`` at a time; wall seconds."""

    def one(i: int) -> dict[str, Any]:
        r = httpx.post(
            f"{http}/api/boards/{board}/files",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": (f"IMG_{i:04d}.jpg", photos[i], "image/jpeg")},
            timeout=300,
        )
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body

    t0 = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, range(len(photos))))
    return time.perf_counter() - t0


async def attach(ws_url: str, board: str, token: str, atts: list[dict[str, Any]]) -> Any:
    """Join and put each file on a card; returns the open socket (the node
    then holds the board's state)."""
    ws = await websockets.connect(ws_url, subprotocols=[SUBPROTOCOL], compression=None)  # type: ignore[list-item]
    await ws.send(
        codec.pack({"t": "hello", "v": 1, "board": board, "token": token, "name": "bench"})
    )
    while codec.unpack(_b(await ws.recv())).get("t") != "welcome":
        pass
    for i, att in enumerate(atts):
        op = {"type": "card.add", "id": f"c{i}", "title": f"photo {i}", "files": [att]}
        await ws.send(codec.pack({"t": "op", "id": f"o{i}", "op": op}))
    acked = 0
    while acked < len(atts):
        frame = codec.unpack(_b(await ws.recv()))
        if frame.get("t") in ("ack", "error"):
            acked += 1
    return ws


def _b(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode()


def thumbs(http: str, board: str, token: str, ids: list[str], n: int) -> float:
    """``n`` thumbnail GETs over 6 connections (a browser's per-host limit)."""
    with httpx.Client(limits=httpx.Limits(max_connections=6)) as client:

        def one(i: int) -> None:
            r = client.get(
                f"{http}/api/boards/{board}/files/{ids[i % len(ids)]}/thumb",
                headers={"Authorization": f"Bearer {token}"},
            )
            r.raise_for_status()

        t0 = time.perf_counter()
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(one, range(n)))
        return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.files")
    p.add_argument("--photos", type=int, default=8)
    p.add_argument("--parallel", type=int, default=4)
    p.add_argument("--thumbs", type=int, default=200)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="prikbord-bench-files-") as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        photos = [phone_photo(i) for i in range(args.photos)]
        mb = sum(map(len, photos)) / 1e6
        print(f"made {len(photos)} photos of {W}x{H} ({mb / len(photos):.1f} MB each) "
              f"in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores")  # fmt: skip
        local = in_process(photos, tmp)
        print(f"in process, CPU per photo: detect+decode+orient+re-encode+thumbnail "
              f"{local['process_ms']:.0f} ms (thumbnail of the decoded photo alone "
              f"{local['thumb_ms']:.0f} ms); stored {local['stored_mb']:.1f} MB")  # fmt: skip
        valkey = EmbeddedValkey(tmp / "valkey", appendfsync="always")
        valkey.start()
        node = start_node(
            "prikbord", valkey.url, tmp / "node", env={"PRIKBORD_FILES_DECODE_CONCURRENCY": "2"}
        )
        try:
            made = create_board(node)
            board, links = made["board"], made["links"]
            fac = token_of(links["facilitator"])
            for parallel in (1, args.parallel):
                other = create_board(node)  # a fresh board: no deduplication
                tok = token_of(other["links"]["facilitator"])
                cpu0 = cpu_seconds(tree(node.pid))
                wall = upload_all(node.http, other["board"], tok, photos, parallel)
                cpu = cpu_seconds(tree(node.pid)) - cpu0
                print(f"upload, {parallel} at a time: {len(photos) / wall:.2f} photos/s, "
                      f"{mb / wall:.1f} MB/s in, {wall / len(photos) * 1000:.0f} ms wall and "
                      f"{cpu / len(photos) * 1000:.0f} ms server CPU per photo")  # fmt: skip
            atts = [
                httpx.post(
                    f"{node.http}/api/boards/{board}/files",
                    headers={"Authorization": f"Bearer {fac}"},
                    files={"file": (f"p{i}.jpg", data, "image/jpeg")},
                    timeout=300,
                ).json()
                for i, data in enumerate(photos)
            ]
            ids = [a["id"] for a in atts]
            viewer = token_of(links["viewer"])

            async def serve() -> float:
                ws = await attach(node.ws + "/ws", board, fac, atts)
                wall_held = thumbs(node.http, board, viewer, ids, args.thumbs)
                await ws.close()
                await asyncio.sleep(0.5)
                return wall_held

            held = asyncio.run(serve())
            print(f"hub screen, {args.thumbs} thumbnails, node holds the board: "
                  f"{held * 1000:.0f} ms ({held / args.thumbs * 1000:.1f} ms each)")  # fmt: skip
            cold = thumbs(node.http, board, viewer, ids, args.thumbs)
            print(f"hub screen, {args.thumbs} thumbnails, board not held (state read once, "
                  f"then checked by its log head): {cold * 1000:.0f} ms "
                  f"({cold / args.thumbs * 1000:.1f} ms each)")  # fmt: skip
        finally:
            node.stop()
            valkey.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
