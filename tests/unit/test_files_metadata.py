"""An imported image must carry no metadata (server/files/metadata.py): a
phone photo's EXIF and GPS, a JPEG comment, PNG text, WebP EXIF/XMP are
found; what our own uploads store (re-encoded) carries none, so our
exports always import again."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from server.files import images, metadata
from tests.support import media

LIMITS = images.Limits(max_pixels=50_000_000, max_edge=4096, thumb_edge=320, max_frames=200)


def _exif() -> bytes:
    exif = Image.Exif()
    exif[media.MAKE] = "TestPhone"
    return exif.tobytes()


def _png_text() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Piet")
    return info


def _saved(fmt: str, **kwargs: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 30, 200)).save(out, fmt, **kwargs)
    return out.getvalue()


def test_a_phone_photo_carries_exif_gps_and_a_comment() -> None:
    found = metadata.carried(media.photo())
    assert "EXIF" in found and "a comment" in found and "EXIF/XMP (APP1)" in found


@pytest.mark.parametrize(
    "data",
    [
        media.photo(gps=False),
        _saved("JPEG", comment=b"who took this"),
        _saved("PNG", pnginfo=_png_text()),
        _saved("WEBP", exif=_exif()),
        _saved("WEBP", xmp=b"<x:xmpmeta>GPS</x:xmpmeta>"),
        _saved("GIF", comment=b"hello"),
    ],
    ids=["jpeg-exif", "jpeg-comment", "png-text", "webp-exif", "webp-xmp", "gif-comment"],
)  # fmt: skip
def test_metadata_of_every_kind_is_found(data: bytes) -> None:
    assert metadata.carried(data)


def test_a_png_exif_chunk_is_found_without_pillow() -> None:
    base = media.png()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    at = base.index(b"IDAT") - 4
    tampered = base[:at] + chunk(b"eXIf", b"MM\x00*\x00\x00\x00\x08\x00\x00") + base[at:]
    assert "EXIF" in metadata.carried(tampered)


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (media.photo(), "image/jpeg"),
        (media.png(), "image/png"),
        (media.gif(), "image/gif"),
        (_saved("WEBP", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"), "image/webp"),
    ],
    ids=["jpeg", "png", "gif", "webp"],
)
def test_what_an_upload_stores_carries_none(data: bytes, mime: str, tmp_path: Path) -> None:
    path = tmp_path / "in"
    path.write_bytes(data)
    stored = images.process_image(path, mime, LIMITS)
    assert metadata.carried(stored.data) == []
    assert stored.thumb is not None and metadata.carried(stored.thumb) == []


def test_a_colour_profile_is_not_metadata(tmp_path: Path) -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert metadata.carried(_saved("JPEG", icc_profile=icc)) == []
    assert metadata.carried(_saved("PNG", icc_profile=icc)) == []
