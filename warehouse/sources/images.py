"""Image values as public datasets store them -> PNG bytes for the content-addressed store.

Hub Parquet keeps an ``Image`` feature as a ``{'bytes': ..., 'path': ...}`` struct (bytes null when
the file sits beside the data); VLMEvalKit TSVs hold base64 strings; JSON benchmarks hold a path
relative to the dataset folder, often inside the published ``images.zip``. Non-PNG images are
re-encoded to PNG so the store's contract (id = sha256 of PNG bytes) holds for every row."""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
from functools import lru_cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError

import warehouse.images  # noqa: F401  (sets PIL's decompression-bomb limit)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff")


class ImageError(ValueError):
    """An image value that is absent, unreadable or not an image."""


def resolve_image(value, folder: Path) -> bytes:
    """The encoded bytes an image value stands for."""
    if value is None:
        raise ImageError("no image")
    if isinstance(value, dict):
        if value.get("bytes"):
            return bytes(value["bytes"])
        if value.get("path"):
            return read_relative(value["path"], folder)
        raise ImageError("image struct with neither bytes nor path")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        if value.lower().endswith(_IMAGE_SUFFIXES):
            return read_relative(value, folder)
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ImageError(f"string is neither an image path nor base64 ({value[:40]!r})") from None
    raise ImageError(f"unsupported image value of type {type(value).__name__}")


def read_relative(rel: str, folder: Path) -> bytes:
    """A file named relative to the dataset folder, on disk or inside one of its ``*.zip`` files."""
    rel = rel.replace("\\", "/")
    rel = rel[2:] if rel.startswith("./") else rel
    if rel.startswith("/") or ".." in rel.split("/"):
        raise ImageError(f"image path {rel!r} leaves the dataset folder")
    # an extracted archive keeps its top folder (testmini.zip -> testmini/2steps/...)
    for candidate in (folder / rel, *(d / rel for d in _subfolders(folder))):
        if candidate.is_file():
            return candidate.read_bytes()
    for archive in sorted(folder.glob("*.zip")):
        member = _zip_index(archive).get(rel) or _zip_suffix_match(archive, rel)
        if member:
            with zipfile.ZipFile(archive) as zf:
                return zf.read(member)
    raise ImageError(f"image file {rel!r} not found under {folder} or in its zip archives")


@lru_cache(maxsize=8)
def _subfolders(folder: Path) -> tuple[Path, ...]:
    return tuple(sorted(p for p in folder.iterdir() if p.is_dir()))


@lru_cache(maxsize=8)
def _zip_index(archive: Path) -> dict[str, str]:
    with zipfile.ZipFile(archive) as zf:
        return {n: n for n in zf.namelist() if not n.endswith("/")}


def _zip_suffix_match(archive: Path, rel: str) -> str | None:
    # archives often add a top folder (images.zip -> images/00001.png)
    hits = [n for n in _zip_index(archive) if n.endswith("/" + rel)]
    return hits[0] if len(hits) == 1 else None


def to_png(data: bytes) -> bytes:
    """PNG bytes as given, anything PIL reads re-encoded to PNG; raises ImageError otherwise."""
    if not data:
        raise ImageError("empty image bytes")
    if data.startswith(PNG_MAGIC):
        return data
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            if im.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
                im = im.convert("RGB")
            buf = io.BytesIO()
            im.save(buf, format="PNG")
            return buf.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as err:
        raise ImageError(f"not a readable image ({len(data)} bytes): {err}") from None


def verify_png(png: bytes) -> None:
    """Structural check of PNG bytes (chunk CRCs, end marker) without decoding pixels."""
    try:
        with Image.open(io.BytesIO(png)) as im:
            im.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        reason = str(err).split(" <_io.")[0]  # PIL appends the BytesIO repr
        raise ImageError(f"not a readable PNG ({len(png)} bytes): {reason}") from None
