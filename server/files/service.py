"""``node.files``: the one door to files for routes, ops, GC and backups.

Ingest: detect the type from the bytes, re-encode images (no metadata),
make a preview, store under the sha256 of the stored bytes, register on the
board within its quota. Everything a board keeps of a file is in its
registry (server/files/registry.py); the bytes are shared by every board
that holds the same content.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
import time
import unicodedata
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol import limits
from protocol.model import BoardState, Card
from server.config import Settings
from server.engine.client import Client
from server.files import detect, images, metadata
from server.files.detect import Refused
from server.files.registry import Entry, Registry
from server.files.store import BlobStore, LocalStore, thumb_key

log = logging.getLogger("prikbord.files")

#: How often an upload retries taking its blob reference while a collector
#: deletes the same bytes (``blobref.lua``), and how long between tries.
_REF_TRIES = 100
_REF_WAIT_S = 0.1


def make_store(settings: Settings) -> BlobStore:
    """The configured blob store: ``local`` (``<data>/files``) or ``s3``."""
    if settings.files_store == "s3":
        from server.files.s3 import S3Store  # boto only where S3 is used

        return S3Store.from_settings(settings)
    if settings.files_store != "local":
        raise ValueError(f"PRIKBORD_FILES_STORE must be local or s3, not {settings.files_store!r}")
    return LocalStore(settings.data_dir / "files")


def clean_name(name: str) -> str:
    """A display name from what the client sent: the last path part, no
    control or format characters, at most ``MAX_FILE_NAME`` characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[: limits.MAX_FILE_NAME].strip() or "file"


def card_file_ids(card: Card) -> list[str]:
    """Every stored file a card shows: its attachments and its link
    preview's image."""
    files: Any = getattr(card, "files", ())
    preview: Any = getattr(card, "preview", None)
    ids = [a.id for a in files]
    if preview is not None and preview.image:
        ids.append(preview.image)
    return ids


def live_file_ids(state: BoardState) -> set[str]:
    """Files referenced by a card that is not deleted (pending, hidden and
    rejected cards keep theirs: a facilitator may still approve them)."""
    out: set[str] = set()
    for card in state.cards.values():
        if not card.deleted:
            out.update(card_file_ids(card))
    return out


@dataclass(frozen=True, slots=True)
class GcReport:
    marked: int = 0
    dropped: int = 0
    blobs_deleted: int = 0


class Files:
    def __init__(self, settings: Settings, redis: Client, store: BlobStore | None = None) -> None:
        self.settings = settings
        self.store = store if store is not None else make_store(settings)
        self.registry = Registry(redis)
        self.tmp_dir = settings.data_dir / "uploads"
        self._decode = asyncio.Semaphore(max(1, settings.files_decode_concurrency))
        self._limits = images.Limits(
            max_pixels=settings.files_max_image_pixels,
            max_edge=settings.files_max_image_edge,
            thumb_edge=settings.files_thumb_edge,
            max_frames=settings.files_max_gif_frames,
        )

    async def aclose(self) -> None:
        close = getattr(self.store, "aclose", None)
        if close is not None:
            await close()

    # --- ingest --------------------------------------------------------------

    def temp_path(self) -> Path:
        """A fresh temp file path in the data directory (same filesystem as
        the local store, so nothing large crosses devices)."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix="up-")
        os.close(fd)
        return Path(name)

    async def ingest(self, board: str, path: Path, name: str, by: str = "") -> dict[str, Any]:
        """Store the file at ``path`` (a temp file the caller deletes) on
        ``board``; returns its ``Attachment`` fields. Raises
        :class:`~server.files.detect.Refused` (415 type, 422 not what it
        claims, 413 over the board's quota) and leaves nothing stored then."""
        found = await asyncio.to_thread(detect.detect, path)
        thumb: bytes | None = None
        w = h = 0
        data: bytes | None = None
        mime = found.mime
        async with self._decode:
            if found.kind == "image":
                done = await asyncio.to_thread(images.process_image, path, mime, self._limits)
                data, w, h, thumb = done.data, done.w, done.h, done.thumb
            elif found.kind == "pdf":
                thumb = await asyncio.to_thread(
                    images.pdf_preview, path, self.settings.files_thumb_edge
                )
        if data is not None:
            digest, size = hashlib.sha256(data).hexdigest(), len(data)
        else:
            digest, size = await asyncio.to_thread(_hash_file, path)
        if size > self.settings.files_max_bytes:
            raise too_large(self.settings.files_max_bytes)
        entry = Entry(
            name=clean_name(name),
            type=mime.split(";")[0],
            size=size,
            kind=found.kind,
            w=w,
            h=h,
            thumb=thumb is not None,
            at=_now_ms(),
            by=by,
        )
        await self._take_ref(digest, board)
        registered: bool | None = None
        try:
            if data is not None:
                await self.store.put_bytes(digest, data, entry.type)
            else:
                await self.store.put_path(digest, path, entry.type)
            if thumb is not None:
                await self.store.put_bytes(thumb_key(digest), thumb, "image/webp")
            registered = await self.registry.register(
                board, digest, entry, self.settings.files_board_quota_bytes
            )
        finally:
            if registered is None and not await self._is_registered(board, digest):
                await self._drop_ref(digest, board)
        if registered is None:
            raise Refused(
                413,
                "too_large",
                f"the board's files may take at most {_mib(self.settings.files_board_quota_bytes)}",
            )
        return entry.attachment(digest)

    async def ingest_bytes(
        self, board: str, data: bytes, name: str, by: str = ""
    ) -> dict[str, Any]:
        """:meth:`ingest` for bytes in memory (a link preview's image)."""
        path = self.temp_path()
        try:
            await asyncio.to_thread(path.write_bytes, data)
            return await self.ingest(board, path, name, by)
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    async def _is_registered(self, board: str, digest: str) -> bool:
        try:
            return await self.registry.get(board, digest) is not None
        except Exception:
            return True  # unknown: keep the reference; GC's sweep settles it

    async def _take_ref(self, digest: str, board: str) -> None:
        for _ in range(_REF_TRIES):
            if await self.registry.ref(digest, board, _now_ms()):
                return
            await asyncio.sleep(_REF_WAIT_S)
        raise OSError("the file is being deleted: try again")

    async def _drop_ref(self, digest: str, board: str) -> bool:
        """Drop the board's reference; delete the bytes if it was the last."""
        token = await self.registry.unref(digest, board)
        if token is None:
            return False
        try:
            await self.store.delete(digest)
            await self.store.delete(thumb_key(digest))
        finally:
            await self.registry.release(digest, token)
        return True

    # --- reads ---------------------------------------------------------------

    async def entry(self, board: str, file_id: str) -> Entry | None:
        return await self.registry.get(board, file_id)

    async def entries(self, board: str, ids: Iterable[str]) -> dict[str, Entry]:
        return await self.registry.many(board, sorted(set(ids)))

    async def open(self, file_id: str, *, thumb: bool = False) -> AsyncIterator[bytes] | None:
        return await self.store.stream(thumb_key(file_id) if thumb else file_id)

    # --- garbage collection ------------------------------------------------

    async def collect(
        self, board: str, state: BoardState | None, now: int | None = None
    ) -> GcReport:
        """One collector pass over ``board`` (``state``: its current state;
        None: the board is gone, so every file goes). A file no live card
        references, uploaded longer than the grace ago, is marked; one that
        stayed marked ``files_gc_confirm_s`` is dropped from the board, and its
        bytes deleted when no other board holds them. Safe to run on every
        node at once: each step is a conditional Redis script."""
        now = _now_ms() if now is None else now
        entries = await self.registry.all(board)
        if not entries:
            return GcReport()
        live = live_file_ids(state) if state is not None else set()
        grace = self.settings.files_unattached_grace_s * 1000
        confirm = self.settings.files_gc_confirm_s * 1000
        marks: dict[str, int] = {}
        drop: dict[str, str] = {}
        for file_id, e in entries.items():
            if file_id in live:
                if e.gone:
                    marks[file_id] = 0
            elif state is None:
                drop[file_id] = "*"
            elif now - e.at < grace:
                continue
            elif not e.gone:
                marks[file_id] = now
            elif now - e.gone >= confirm:
                drop[file_id] = str(e.gone)
        await self.registry.mark_gone(board, marks)
        dropped = await self.registry.unregister(board, drop)
        await self.registry.forget_ips(board, dropped)
        deleted = 0
        for file_id in dropped:
            deleted += await self._drop_ref(file_id, board)
        if dropped:
            log.info("files gc: board %s dropped %d, deleted %d", board, len(dropped), deleted)
        return GcReport(sum(1 for g in marks.values() if g), len(dropped), deleted)

    async def unattached(self, board: str, state: BoardState) -> list[tuple[str, Entry, str]]:
        """The board's files no live card shows (uploads waiting to be
        attached, or left): (id, entry, uploader's IP tag or "")."""
        live = live_file_ids(state)
        entries = await self.registry.all(board)
        waiting = [(i, e) for i, e in entries.items() if i not in live]
        ips = await self.registry.ips(board) if waiting else {}
        return [(i, e, ips.get(i, "")) for i, e in waiting]

    async def purge_unattached(self, board: str, state: BoardState) -> tuple[int, int]:
        """Drop at once every file of ``board`` that no live card shows (a
        facilitator's answer to a board filled with unattached uploads,
        rather than waiting out the grace); their bytes are deleted when no
        other board holds them. Returns (files dropped, bytes freed on the
        board). An attach racing this is refused by the op check (the file
        is no longer the board's), as after a collector pass."""
        waiting = await self.unattached(board, state)
        dropped = await self.registry.unregister(board, {i: "*" for i, _e, _ip in waiting})
        await self.registry.forget_ips(board, dropped)
        sizes = {i: e.size for i, e, _ip in waiting}
        for file_id in dropped:
            await self._drop_ref(file_id, board)
        if dropped:
            log.info("files: board %s purged %d unattached files", board, len(dropped))
        return len(dropped), sum(sizes[i] for i in dropped)

    async def sweep_uploads(self) -> int:
        """Delete upload temp files left by a process that died mid-upload:
        any older than twice the upload timeout (a live upload is younger).
        Returns the count."""
        cutoff = time.time() - 2 * self.settings.files_upload_timeout_s

        def sweep() -> int:
            n = 0
            if not self.tmp_dir.is_dir():
                return 0
            for p in self.tmp_dir.glob("up-*"):
                with contextlib.suppress(FileNotFoundError):
                    if p.stat().st_mtime < cutoff:
                        p.unlink()
                        n += 1
            return n

        return await asyncio.to_thread(sweep)

    async def sweep_orphans(self) -> int:
        """Delete stored blobs that no board references (an upload that died
        between writing the bytes and registering them leaves its reference,
        so only bytes with no reference at all go). Returns the count."""
        deleted = 0
        async for key in self.store.keys():
            if key.endswith(".thumb"):
                if await self.store.size(key[:-6]) is None and not await self.registry.refs(
                    key[:-6]
                ):
                    await self.store.delete(key)
                continue
            if not await self.registry.refs(key):
                deleted += await self._drop_ref(key, "")
        return deleted

    # --- backup and export ---------------------------------------------------

    async def export_board(self, board: str) -> AsyncIterator[tuple[str, Entry, bytes]]:
        """Every registered file of ``board``: (id, entry, bytes). Files whose
        bytes are missing are skipped (logged)."""
        for file_id, entry in sorted((await self.registry.all(board)).items()):
            data = await self.store.get(file_id)
            if data is None:
                log.warning("board %s: file %s has no bytes; left out", board, file_id)
                continue
            yield file_id, entry, data

    async def import_file(self, board: str, file_id: str, entry: Entry, data: bytes) -> bool:
        """Put one exported file on ``board`` (a board import; the pair of
        :meth:`export_board`): True when it is registered, False when it is
        refused — and then nothing is stored. Nothing in an export file is
        trusted: the bytes must hash to ``file_id``, their type is detected
        again and must be the entry's, an image must open under the pixel
        cap; the preview is made again and the board's quota holds."""
        try:
            await self.import_checked(board, file_id, entry, data)
        except Refused as exc:
            log.info("board %s: imported file %s refused: %s", board, file_id[:12], exc.message)
            return False
        return True

    async def import_checked(self, board: str, file_id: str, entry: Entry, data: bytes) -> Entry:
        """:meth:`import_file` that says why: the entry as registered, or
        :class:`~server.files.detect.Refused` (422; 413 over the quota)."""
        if hashlib.sha256(data).hexdigest() != file_id:
            raise detect.invalid(f"file {file_id[:12]}…: the bytes do not match their id")
        path = self.temp_path()
        try:
            await asyncio.to_thread(path.write_bytes, data)
            found = await asyncio.to_thread(detect.detect, path)
            w = h = 0
            thumb: bytes | None = None
            if found.mime.split(";")[0] != entry.type or found.kind != entry.kind:
                raise detect.invalid(f"file {file_id[:12]}…: not the type its entry says")
            async with self._decode:
                if found.kind == "image":
                    w, h = await asyncio.to_thread(images.image_size, path, self._limits)
                    # Uploads are re-encoded without metadata; an import keeps
                    # its bytes (their hash is the id cards name), so it may
                    # bring none: our exports never hold any.
                    meta = await asyncio.to_thread(metadata.carried, data)
                    if meta:
                        raise detect.invalid(
                            f"file {clean_name(entry.name)!r} ({file_id[:12]}…) carries"
                            f" {', '.join(meta)}: remove its metadata (or upload it,"
                            " which strips it) and import again"
                        )
                    thumb = await self._thumb_of(data, entry)
                elif found.kind == "pdf":
                    thumb = await self._thumb_of(data, entry)
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        fresh = Entry(
            name=clean_name(entry.name), type=entry.type, size=len(data), kind=found.kind,
            w=w, h=h, thumb=thumb is not None, at=_now_ms(), by=entry.by,
        )  # fmt: skip
        await self._take_ref(file_id, board)
        registered: bool | None = None
        try:
            await self.store.put_bytes(file_id, data, fresh.type)
            if thumb is not None:
                await self.store.put_bytes(thumb_key(file_id), thumb, "image/webp")
            registered = await self.registry.register(
                board, file_id, fresh, self.settings.files_board_quota_bytes
            )
        finally:
            if registered is None and not await self._is_registered(board, file_id):
                await self._drop_ref(file_id, board)
        if registered is None:
            raise Refused(
                413,
                "too_large",
                f"the board's files may take at most {_mib(self.settings.files_board_quota_bytes)}",
            )
        return fresh

    async def _thumb_of(self, data: bytes, entry: Entry) -> bytes | None:
        path = self.temp_path()
        try:
            await asyncio.to_thread(path.write_bytes, data)
            # The caller holds the decode semaphore.
            if entry.kind == "image":
                done = await asyncio.to_thread(images.process_image, path, entry.type, self._limits)
                return done.thumb
            if entry.kind == "pdf":
                return await asyncio.to_thread(
                    images.pdf_preview, path, self.settings.files_thumb_edge
                )
            return None
        except Refused:
            return None
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def too_large(cap: int) -> Refused:
    return Refused(413, "too_large", f"a file may be at most {_mib(cap)}")


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB"


def _fields(entry: Entry) -> dict[str, Any]:
    return {k: getattr(entry, k) for k in Entry.__dataclass_fields__}


def _hash_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _now_ms() -> int:
    return int(time.time() * 1000)
