"""Test files made on the spot: photos with EXIF and GPS, an image bomb,
PDFs, Office documents, polyglots. Nothing is downloaded."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image, ImageDraw

#: EXIF tags used below.
ORIENTATION = 0x0112
GPS_IFD = 0x8825
MAKE = 0x010F


def photo(w: int = 640, h: int = 480, *, gps: bool = True, orientation: int = 1) -> bytes:
    """A JPEG like a phone's: a drawing, EXIF with a camera make, an
    orientation, and (by default) a GPS position (52.37 N, 4.90 E)."""
    im = Image.new("RGB", (w, h), (200, 220, 240))
    draw = ImageDraw.Draw(im)
    draw.rectangle((w // 8, h // 8, w // 2, h // 2), fill=(240, 200, 40))
    draw.line((0, 0, w, h), fill=(20, 20, 20), width=5)
    exif = Image.Exif()
    exif[MAKE] = "TestPhone"
    exif[ORIENTATION] = orientation
    if gps:
        g = exif.get_ifd(GPS_IFD)
        g[1] = "N"
        g[2] = (52.0, 22.0, 12.0)
        g[3] = "E"
        g[4] = (4.0, 54.0, 0.0)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=exif, comment=b"secret comment")
    return out.getvalue()


def png(w: int = 64, h: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (w, h), (10, 200, 10, 128)).save(out, "PNG")
    return out.getvalue()


def gif(w: int = 32, h: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("P", (w, h), 3).save(out, "GIF")
    return out.getvalue()


def png_bomb(w: int = 100_000, h: int = 100_000) -> bytes:
    """A valid PNG header claiming ``w`` x ``h`` pixels over a few bytes of
    compressed zeros: decoding it would take ~30 GB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pdf() -> bytes:
    """A one-page PDF (written by Pillow, so no PDF library is needed)."""
    out = io.BytesIO()
    Image.new("RGB", (200, 280), (255, 255, 255)).save(out, "PDF")
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"></Types>',
        )
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def zip_plain() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
#: A PDF behind HTML: browsers sniff HTML, PDF readers find %PDF- in the first KiB.
HTML_PDF_POLYGLOT = b"<html><script>alert(1)</script><!--\n" + b"%PDF-1.4\n%%EOF\n-->"
