"""Images and PDFs: decode under a pixel cap, re-encode without metadata,
make a preview. Blocking (Pillow, PDFium): run it in a worker thread.

Why re-encode rather than strip tags: a phone photo's GPS position can sit
in EXIF, XMP, IPTC or a maker note, and a crafted file can hide script or
HTML after the image data (a polyglot). Decoding to pixels and encoding
those again keeps exactly the picture — orientation applied, colour
profile kept — and nothing else.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from server.files.detect import Refused, invalid

#: Pillow format name per accepted image MIME type.
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}


@dataclass(frozen=True, slots=True)
class Limits:
    max_pixels: int
    max_edge: int
    thumb_edge: int
    max_frames: int


@dataclass(frozen=True, slots=True)
class Processed:
    """The bytes to store, their size in pixels, and a WebP preview."""

    data: bytes
    mime: str
    w: int
    h: int
    thumb: bytes | None


def process_image(path: Path, mime: str, limits: Limits) -> Processed:
    """Re-encode the image at ``path`` (already detected as ``mime``).

    Refused (422) for a truncated or malformed file and for an image bomb:
    the dimensions are read from the header and checked against
    ``max_pixels`` *before* any pixel is decoded."""
    fmt = _FORMATS[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path, formats=[fmt])
            w, h = im.size
            frames = getattr(im, "n_frames", 1)
            if w < 1 or h < 1 or w * h > limits.max_pixels:
                raise invalid(
                    f"the image is {w}x{h} pixels: at most {limits.max_pixels:,} are accepted"
                )
            if w * h * frames > limits.max_pixels or frames > limits.max_frames:
                raise invalid(f"the animation has too many frames ({frames})")
            if fmt == "GIF" and frames > 1:
                return _animated_gif(im, limits)
            im.load()
            icc = im.info.get("icc_profile")
            upright: Image.Image = ImageOps.exif_transpose(im)
            clean = _clean(_fit(upright, limits.max_edge), fmt)
            out = io.BytesIO()
            kwargs: dict[str, object] = {}
            if icc and fmt in ("JPEG", "PNG", "WEBP"):
                kwargs["icc_profile"] = icc  # colour, not a secret: keeps photos true
            if fmt == "JPEG":
                clean.save(out, "JPEG", quality=88, optimize=True, **kwargs)
            elif fmt == "PNG":
                clean.save(out, "PNG", optimize=False, **kwargs)
            elif fmt == "WEBP":
                clean.save(out, "WEBP", quality=88, **kwargs)
            else:
                clean.save(out, "GIF")
            thumb = _thumb(clean, limits.thumb_edge)
            return Processed(out.getvalue(), mime, clean.width, clean.height, thumb)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise invalid("the image is too large to decode") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise invalid("the image cannot be read (truncated or malformed)") from exc


def image_size(path: Path, limits: Limits) -> tuple[int, int]:
    """An image's size in pixels from its header, refused (422) past the
    pixel cap or when it does not open (no pixel is decoded)."""
    try:
        with Image.open(path) as im:
            w, h = im.size
    except Image.DecompressionBombError as exc:
        raise invalid("the image is too large to decode") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise invalid("the image cannot be read") from exc
    if w < 1 or h < 1 or w * h > limits.max_pixels:
        raise invalid(f"the image is {w}x{h} pixels: at most {limits.max_pixels:,} are accepted")
    return w, h


def _fit(im: Image.Image, edge: int) -> Image.Image:
    if max(im.size) <= edge:
        return im
    im = im.copy()
    im.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    return im


def _clean(im: Image.Image, fmt: str) -> Image.Image:
    """A copy of the pixels with no ``info`` (EXIF, XMP, comments, text
    chunks) in a mode the format writes."""
    if fmt == "JPEG" and im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    elif fmt in ("PNG", "WEBP") and im.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        im = im.convert("RGBA")
    clean = im.copy()
    clean.info = {}
    return clean


def _thumb(im: Image.Image, edge: int) -> bytes:
    t = im.copy()
    if t.mode not in ("RGB", "RGBA"):
        t = t.convert("RGBA" if "A" in t.mode or t.mode == "P" else "RGB")
    t.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    t.info = {}
    out = io.BytesIO()
    t.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def _animated_gif(im: Image.Image, limits: Limits) -> Processed:
    frames: list[Image.Image] = []
    durations: list[int] = []
    for i in range(getattr(im, "n_frames", 1)):
        im.seek(i)
        frame = im.convert("RGBA")
        frames.append(_fit(frame, limits.max_edge))
        durations.append(int(im.info.get("duration", 100)))
    first = frames[0]
    out = io.BytesIO()
    first.save(out, "GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return Processed(
        out.getvalue(), "image/gif", first.width, first.height, _thumb(first, limits.thumb_edge)
    )


def pdf_preview(path: Path, edge: int) -> bytes | None:
    """A WebP of the PDF's first page (longest side ``edge``), or None when
    PDFium cannot render it; Refused (422) when it is not a readable PDF."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]  # loaded where PDFs arrive

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise invalid("the PDF cannot be read (truncated, malformed or encrypted)") from exc
    try:
        if len(pdf) < 1:
            raise invalid("the PDF has no pages")
        page = pdf[0]
        try:
            pw, ph = page.get_size()
            if pw <= 0 or ph <= 0:
                return None
            scale = edge / max(pw, ph)
            bitmap = page.render(scale=scale)
            im = bitmap.to_pil()
            out = io.BytesIO()
            im.convert("RGB").save(out, "WEBP", quality=80)
            return out.getvalue()
        except pdfium.PdfiumError:
            return None
        finally:
            page.close()
    finally:
        pdf.close()
