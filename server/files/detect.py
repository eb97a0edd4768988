"""What a file is, from its bytes: a small allow-list of magic numbers, each
checked again by parsing the structure the type claims.

An own table rather than a general magic library (filetype, puremagic,
libmagic): we accept a dozen types and refuse everything else, so what
matters is a strict, readable rule per type — a PDF must *start* with
``%PDF-`` (readers accept it anywhere in the first KiB, which is what
HTML/PDF polyglots use), an Office file must be a zip that starts at byte 0
and holds the parts of its format, text must be UTF-8 without NUL and not
sniff as markup. General libraries answer "most likely type" for hundreds
of formats and would still need these checks. Images are then decoded and
re-encoded by Pillow (server/files/images.py), which is the real proof.

The name a client sends is never used to decide the type.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["image", "pdf", "audio", "file"]

#: Bytes read to detect a type: every magic number we use sits in the first
#: 64 bytes; text is checked over this much for NUL and markup.
HEAD_BYTES = 8192

#: The most a file's ``[Content_Types].xml`` / ``mimetype`` member may
#: inflate to before we read it: real ones are a few KiB; a zip bomb is not
#: read past this.
MAX_ZIP_MEMBER = 1 << 20


class Refused(Exception):
    """The file is not one we accept. ``status`` is the HTTP answer: 415 for
    a type outside the allow-list, 422 for a file that is not what it claims
    to be (truncated, malformed, a polyglot)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def unsupported(what: str) -> Refused:
    return Refused(
        415,
        "unsupported_type",
        f"{what} is not accepted; accepted are images (JPEG, PNG, WebP, GIF), PDF, "
        "Office documents, plain text and audio (MP3, M4A/AAC, Ogg, WAV)",
    )


def invalid(message: str) -> Refused:
    return Refused(422, "invalid", message)


@dataclass(frozen=True, slots=True)
class Detected:
    mime: str
    kind: Kind


_OOXML = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
_ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
#: ISO base media brands of audio-only files (iTunes/phone voice memos).
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}

#: What browsers sniff as markup (WHATWG MIME Sniffing §7.1, the HTML and
#: XML patterns), plus SVG: a "text file" that starts like this is refused.
_MARKUP = re.compile(
    rb"^\s*<(?:!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|"
    rb"body|br|p|!--|\?xml|svg)[\s>/]",
    re.IGNORECASE,
)


def detect(path: Path) -> Detected:
    """The type of the file at ``path``, or :class:`Refused`."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    if not head:
        raise invalid("the file is empty")
    if _MARKUP.match(head):
        raise unsupported("HTML, SVG or XML")
    if head.startswith(b"\xff\xd8\xff"):
        return Detected("image/jpeg", "image")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Detected("image/png", "image")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Detected("image/gif", "image")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Detected("image/webp", "image")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Detected("audio/wav", "audio")
    if head.startswith(b"%PDF-"):
        return Detected("application/pdf", "pdf")
    if head.startswith(b"OggS"):
        return Detected("audio/ogg", "audio")
    if head.startswith(b"ID3") or _mpeg_frame(head):
        return Detected("audio/mpeg", "audio")
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return Detected("audio/aac", "audio")  # ADTS
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _M4A_BRANDS:
            return Detected("audio/mp4", "audio")
        if brand[:3] in (b"hei", b"mif", b"hev"):
            raise unsupported("HEIC (send the photo as JPEG)")
        raise unsupported("video")
    if head.startswith(b"PK\x03\x04"):
        return Detected(_office(path), "file")
    if _text(head, path):
        return Detected("text/plain; charset=utf-8", "file")
    raise unsupported("this file type")


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header (MP3 without ID3): 11 sync bits, layer III."""
    return len(head) > 3 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 == 0x02


def _member(z: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """A zip member's bytes, never inflating more than ``cap`` + 1. The size
    the zip's directory states may be a lie, and ``ZipFile.read`` inflates
    a member in one go (up to 2 GiB) before it checks: a 300 KiB document
    once made an upload allocate gigabytes."""
    with z.open(info) as member:
        data = member.read(cap + 1)
    if len(data) > cap:
        raise invalid("a part of the document is larger than its archive says (a zip bomb?)")
    return data


def _office(path: Path) -> str:
    """The MIME type of an Office/ODF document, or Refused."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if not infos or min(i.header_offset for i in infos) != 0:
                # Data in front of the zip: a polyglot (e.g. a GIF or PDF with a
                # zip behind it) — zipfile reads those, we do not.
                raise invalid("the file has data in front of its zip archive")
            names = {i.filename for i in infos}
            first = infos[0]
            if first.filename == "mimetype":
                if first.file_size > 100:
                    raise invalid("the document's mimetype entry is too long")
                mime = _member(z, first, 100).decode("ascii", "replace").strip()
                if mime in _ODF:
                    return mime
                raise unsupported("this OpenDocument type")
            if "[Content_Types].xml" not in names:
                raise unsupported("a ZIP archive")
            ct = z.getinfo("[Content_Types].xml")
            if ct.file_size > MAX_ZIP_MEMBER:
                raise invalid("the document's content types are too large")
            types = _member(z, ct, MAX_ZIP_MEMBER)
            if b"macroEnabled" in types:
                raise unsupported("a macro-enabled Office document")
            for part, mime in _OOXML.items():
                if part in names:
                    return mime
            raise unsupported("this Office document type")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise invalid("the file is not a readable zip archive (truncated?)") from exc


def _text(head: bytes, path: Path) -> bool:
    """Plain text: UTF-8 (BOM allowed) with no NUL and no other C0 controls
    than tab, newline, carriage return and form feed, across the whole file."""
    allowed = {9, 10, 12, 13}
    with open(path, "rb") as f:
        tail = b""
        while chunk := f.read(1 << 16):
            if b"\x00" in chunk or any(c < 32 and c not in allowed for c in set(chunk)):
                return False
            data = tail + chunk
            # Keep an incomplete UTF-8 sequence at the end for the next chunk.
            cut = len(data)
            for back in range(1, min(4, len(data)) + 1):
                if data[-back] & 0xC0 != 0x80:
                    if data[-back] >= 0xC0 and back < _seq_len(data[-back]):
                        cut = len(data) - back
                    break
            try:
                data[:cut].decode("utf-8")
            except UnicodeDecodeError:
                return False
            tail = data[cut:]
    return not tail


def _seq_len(lead: int) -> int:
    return 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
