"""Re-encoding (server/files/images.py): metadata gone, orientation applied,
animations kept within their bounds, bombs refused before decoding."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from server.files.detect import Refused
from server.files.images import Limits, image_size, process_image
from tests.support import media

LIMITS = Limits(max_pixels=50_000_000, max_edge=4096, thumb_edge=480, max_frames=300)


def _file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "in"
    path.write_bytes(data)
    return path


def test_photo_loses_exif_and_is_turned_upright(tmp_path: Path) -> None:
    done = process_image(_file(tmp_path, media.photo(64, 32, orientation=6)), "image/jpeg", LIMITS)
    im = Image.open(io.BytesIO(done.data))
    assert (done.w, done.h) == im.size == (32, 64)
    assert not im.getexif() and b"GPS" not in done.data and b"TestPhone" not in done.data
    assert done.thumb is not None and Image.open(io.BytesIO(done.thumb)).format == "WEBP"


def test_large_images_are_scaled_to_the_edge(tmp_path: Path) -> None:
    small = Limits(max_pixels=50_000_000, max_edge=100, thumb_edge=20, max_frames=300)
    done = process_image(_file(tmp_path, media.png(400, 200)), "image/png", small)
    assert (done.w, done.h) == (100, 50)
    assert max(Image.open(io.BytesIO(done.thumb or b"")).size) == 20


def _animation(frames: int) -> bytes:
    images = [
        Image.new("RGB", (40, 30), (i * 40 % 256, 200, 255 - i * 30 % 256)) for i in range(frames)
    ]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return out.getvalue()


def test_animated_gif_keeps_its_frames_within_bounds(tmp_path: Path) -> None:
    done = process_image(_file(tmp_path, _animation(5)), "image/gif", LIMITS)
    assert getattr(Image.open(io.BytesIO(done.data)), "n_frames", 1) == 5
    few = Limits(max_pixels=50_000_000, max_edge=4096, thumb_edge=480, max_frames=4)
    with pytest.raises(Refused):
        process_image(_file(tmp_path, _animation(5)), "image/gif", few)


def test_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    path = _file(tmp_path, media.png_bomb())
    with pytest.raises(Refused) as got:
        process_image(path, "image/png", LIMITS)
    assert got.value.status == 422
    with pytest.raises(Refused):
        image_size(path, LIMITS)


def test_truncated_image_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Refused):
        process_image(_file(tmp_path, media.photo()[:1500]), "image/jpeg", LIMITS)
