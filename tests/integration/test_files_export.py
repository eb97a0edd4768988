"""The export/import pair for board exports (``Files.export_board`` /
``Files.import_file``), on a real Valkey and the data directory: a board's
files go out with their entries and onto another board, with nothing in
the export trusted — bytes that do not match their id, a type the bytes do
not have, and a board past its quota are refused and store nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from server.config import Settings
from server.embedded import EmbeddedValkey
from server.engine.client import connect
from server.files.detect import Refused
from server.files.service import Files
from tests.support import media


def _files(valkey: EmbeddedValkey, data: Path, quota: int = 500 * 2**20) -> Files:
    s = dataclasses.replace(
        Settings(), redis_url=valkey.url, data_dir=data, files_board_quota_bytes=quota
    )
    return Files(s, connect(valkey.url, pool_size=4, pool_wait_s=5.0))


async def test_export_then_import_onto_another_board(
    valkey: EmbeddedValkey, tmp_path: Path
) -> None:
    files = _files(valkey, tmp_path)
    src = tmp_path / "in.jpg"
    src.write_bytes(media.photo())
    photo = await files.ingest("b1", src, "wall.jpg", "actor1")
    src.write_bytes(media.pdf())
    pdf = await files.ingest("b1", src, "plan.pdf")
    exported = [x async for x in files.export_board("b1")]
    assert {fid for fid, _e, _d in exported} == {photo["id"], pdf["id"]}

    for fid, entry, data in exported:
        got = await files.import_checked("b2", fid, entry, data)
        assert got.attachment(fid) == entry.attachment(fid)
    assert (await files.registry.all("b2")).keys() == {photo["id"], pdf["id"]}
    assert await files.registry.used("b2") == photo["size"] + pdf["size"]
    assert sorted(await files.registry.refs(photo["id"])) == ["b1", "b2"]

    (fid, entry, data), *_ = exported
    assert not await files.import_file("b3", fid, entry, data + b"x")  # not its id
    lie = dataclasses.replace(entry, type="text/plain", kind="file")
    assert not await files.import_file("b3", fid, lie, data)  # the entry lies
    with pytest.raises(Refused):
        await files.import_checked("b3", fid, lie, data)
    assert await files.registry.all("b3") == {}
    await files.aclose()
    await files.registry.redis.aclose()


async def test_import_holds_the_quota(valkey: EmbeddedValkey, tmp_path: Path) -> None:
    files = _files(valkey, tmp_path, quota=3000)
    src = tmp_path / "in.pdf"
    src.write_bytes(media.pdf())  # ~2.4 KB
    pdf = await files.ingest("b1", src, "plan.pdf")
    ((fid, entry, data),) = [x async for x in files.export_board("b1")]
    await files.import_file("b2", fid, entry, data)
    other = tmp_path / "t.txt"
    other.write_bytes(b"x" * 1000)
    text = await files.ingest("b9", other, "t.txt")
    ((tid, tentry, tdata),) = [x async for x in files.export_board("b9")]
    assert not await files.import_file("b2", tid, tentry, tdata)
    with pytest.raises(Refused) as refused:
        await files.import_checked("b2", tid, tentry, tdata)
    assert refused.value.status == 413
    assert (await files.registry.all("b2")).keys() == {pdf["id"]}
    assert text["id"] == tid
    await files.aclose()
    await files.registry.redis.aclose()
