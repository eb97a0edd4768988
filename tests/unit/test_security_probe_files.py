"""Security probes of file type detection (server/files/detect.py): a zip
member that lies about its size.

A zip's directory states each member's uncompressed size; ``zipfile``
reads a member in one go up to 2 GiB whatever that says, and only then
sees the size was a lie. An Office file of a few hundred KiB whose
``[Content_Types].xml`` claims 50 bytes but inflates to gigabytes once made
one upload take all the server's memory. Detection now reads a member
through a capped stream.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from server.files.detect import MAX_ZIP_MEMBER, Refused, detect

#: What the lying member inflates to: far past the cap, small enough to
#: build in a unit test (64 MiB of spaces deflate to ~64 KiB).
INFLATED = 64 * 1024 * 1024


def _lying_zip(first: str, body: bytes, then: dict[str, bytes], claimed: int = 50) -> bytes:
    """A zip whose first member ``first`` says it is ``claimed`` bytes in
    both its local header and the central directory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(first, body)
        for name, data in then.items():
            z.writestr(name, data)
    out = bytearray(buf.getvalue())
    lie = struct.pack("<I", claimed)
    local = out.find(b"PK\x03\x04")
    out[local + 22 : local + 26] = lie
    central = out.find(b"PK\x01\x02")
    out[central + 24 : central + 28] = lie
    return bytes(out)


@pytest.mark.parametrize(
    ("first", "body", "then"),
    [
        (
            "[Content_Types].xml",
            b"<Types>" + b" " * INFLATED + b"</Types>",
            {"word/document.xml": b"<w:document/>"},
        ),
        ("mimetype", b"application/vnd.oasis.opendocument.text" + b" " * INFLATED, {}),
    ],
    ids=["ooxml-content-types", "odf-mimetype"],
)
def test_a_member_that_lies_about_its_size_is_never_inflated(
    tmp_path: Path, first: str, body: bytes, then: dict[str, bytes]
) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(_lying_zip(first, body, then))
    del body
    tracemalloc.start()
    try:
        with pytest.raises(Refused) as refused:
            detect(path)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.status == 422
    assert peak < 4 * MAX_ZIP_MEMBER, f"{peak:,} bytes allocated while detecting"
