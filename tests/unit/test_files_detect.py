"""Type detection from content (server/files/detect.py): the allow-list,
and what is refused however it is named."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from server.files.detect import Refused, detect
from tests.support import media


def _ftyp(brand: bytes) -> bytes:
    return (
        struct.pack(">I", 24) + b"ftyp" + brand + b"\x00\x00\x00\x00" + brand + b"mp41" + b"\0" * 64
    )


def _zip(entries: dict[str, str], *, first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        if first is not None:
            z.writestr(first, entries.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, text in entries.items():
            z.writestr(name, text)
    return out.getvalue()


CT = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'


def _webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "WEBP")
    return out.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MACRO = 'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"</Types>'

ACCEPTED = [
    (media.photo(64, 48), "image/jpeg", "image"),
    (media.png(), "image/png", "image"),
    (media.gif(), "image/gif", "image"),
    (_webp(), "image/webp", "image"),
    (media.pdf(), "application/pdf", "pdf"),
    (media.docx(), DOCX, "file"),
    (_zip({"[Content_Types].xml": CT + "</Types>", "xl/workbook.xml": "<w/>"}),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "file"),
    (_zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"},
          first="mimetype"), "application/vnd.oasis.opendocument.text", "file"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\0" * 100, "audio/mpeg", "audio"),
    (b"\xff\xfb\x90\x00" + b"\0" * 100, "audio/mpeg", "audio"),
    (b"OggS\x00\x02" + b"\0" * 100, "audio/ogg", "audio"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\0" * 100, "audio/wav", "audio"),
    (_ftyp(b"M4A "), "audio/mp4", "audio"),
    ("\ufeffgewoon tekst, één regel\r\n\ttab\n".encode(), "text/plain; charset=utf-8", "file"),
]  # fmt: skip

REFUSED = [
    (media.HTML, 415),
    (b"  \n<HTML><body>hi</body></html>", 415),
    (media.SVG, 415),
    (b'<?xml version="1.0"?><note/>', 415),
    (media.HTML_PDF_POLYGLOT, 415),
    (media.ELF, 415),
    (b"MZ\x90\x00\x03" + b"\0" * 100, 415),  # a Windows executable
    (_ftyp(b"heic"), 415),
    (_ftyp(b"isom"), 415),  # video
    (media.zip_plain(), 415),
    (_zip({"[Content_Types].xml": CT + MACRO, "word/document.xml": "<w/>"}), 415),
    (b"PK\x03\x04" + b"\0" * 30, 422),  # a zip cut short
    (b"text with a \x00 NUL", 415),
    (b"\xc3\x28 not UTF-8", 415),
    (b"", 422),
]  # fmt: skip


@pytest.mark.parametrize(("data", "mime", "kind"), ACCEPTED)
def test_accepted(tmp_path: Path, data: bytes, mime: str, kind: str) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    found = detect(path)
    assert (found.mime, found.kind) == (mime, kind)


@pytest.mark.parametrize(("data", "status"), REFUSED)
def test_refused(tmp_path: Path, data: bytes, status: int) -> None:
    path = tmp_path / "photo.jpg"  # the name never matters
    path.write_bytes(data)
    with pytest.raises(Refused) as got:
        detect(path)
    assert got.value.status == status and got.value.message


def test_text_across_chunk_boundaries(tmp_path: Path) -> None:
    """A multi-byte character split by the 64 KiB reads is still text."""
    path = tmp_path / "t.txt"
    path.write_bytes(b"a" * 65535 + "é".encode() * 10)
    assert detect(path).kind == "file"
