"""Does an image carry metadata (EXIF, GPS, XMP, IPTC, comments, text)?

Uploads are re-encoded, which drops all of it (server/files/images.py).
An import keeps its files' bytes as they are, because cards name a file by
the hash of its bytes: re-encoding would change the id. So an import may
only bring images that carry nothing but pixels (and a colour profile):
our own exports always do, since they hold re-encoded files; anything
else would be a way around the stripping of uploads, e.g. a phone photo's
GPS position. Blocking (Pillow): run it in a worker thread.
"""

from __future__ import annotations

import io
import struct
import warnings

from PIL import Image, UnidentifiedImageError

#: ``Image.info`` keys that hold metadata rather than how to show pixels.
_INFO_KEYS = {
    "exif": "EXIF",
    "xmp": "XMP",
    "XML:com.adobe.xmp": "XMP",
    "comment": "a comment",
    "Comment": "a comment",
    "photoshop": "IPTC/Photoshop data",
    "iptc": "IPTC data",
    "mp": "an MPO index",
}

#: JPEG segments that may stand: APP0 (JFIF), APP2 (ICC colour profile),
#: APP14 (Adobe colour transform) and the image's own tables. APP1 is EXIF
#: and XMP, APP13 IPTC, COM a comment; other APPn are vendor data.
_JPEG_APP_OK = {0xE0, 0xE2, 0xEE}

#: PNG chunks that hold text or EXIF.
_PNG_META = {b"tEXt": "text", b"zTXt": "text", b"iTXt": "text", b"eXIf": "EXIF"}

#: WebP chunks that hold EXIF or XMP.
_WEBP_META = {b"EXIF": "EXIF", b"XMP ": "XMP"}


def carried(data: bytes) -> list[str]:
    """The kinds of metadata ``data`` (an image) carries; empty: none.
    A file Pillow cannot open is not judged here (the type check is)."""
    found: list[str] = []
    try:
        with warnings.catch_warnings(), Image.open(io.BytesIO(data)) as im:
            warnings.simplefilter("ignore")  # corrupt EXIF is still EXIF
            for key, what in _INFO_KEYS.items():
                if im.info.get(key):
                    found.append(what)
            if len(im.getexif()):
                found.append("EXIF")
            if im.format == "PNG" and getattr(im, "text", None):
                found.append("text")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        pass
    if data.startswith(b"\xff\xd8"):
        found += _jpeg_segments(data)
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        found += _chunks(data, 8, ">I4s", _PNG_META, extra=4)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        found += _chunks(data, 12, "<4sI", _WEBP_META, extra=0, pad=True)
    return sorted(set(found))


def _jpeg_segments(data: bytes) -> list[str]:
    """The metadata segments before the image data (start of scan)."""
    found: list[str] = []
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan, end of image
            break
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker == 0xE1:
            found.append("EXIF/XMP (APP1)")
        elif marker == 0xED:
            found.append("IPTC (APP13)")
        elif marker == 0xFE:
            found.append("a comment")
        elif 0xE0 <= marker <= 0xEF and marker not in _JPEG_APP_OK:
            found.append(f"vendor data (APP{marker - 0xE0})")
        at += 2 + length
    return found


def _chunks(
    data: bytes, at: int, fmt: str, meta: dict[bytes, str], *, extra: int, pad: bool = False
) -> list[str]:
    """The metadata chunks of a PNG (length, type, data, CRC) or a WebP
    (type, length, data, padding byte)."""
    found: list[str] = []
    while at + 8 <= len(data):
        first, second = struct.unpack(fmt, data[at : at + 8])
        kind, length = (second, first) if isinstance(first, int) else (first, second)
        if kind in meta:
            found.append(meta[kind])
        at += 8 + length + extra + (length & 1 if pad else 0)
    return found
