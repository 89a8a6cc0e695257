"""The content-addressed image store's row builder: id = sha256 of the PNG bytes."""

from __future__ import annotations

import functools
import hashlib
import io

import numpy as np
from PIL import Image

# refuse decompression bombs: our renders are a few hundred pixels a side
Image.MAX_IMAGE_PIXELS = 40_000_000


def image_id(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()


@functools.lru_cache(maxsize=256)
def decode(png: bytes) -> np.ndarray:
    """RGB uint8 array (h, w, 3) of a PNG, read-only. Memoised: one partition's stages (render,
    check, repair, expansion, perception) decode the same images in one process."""
    with Image.open(io.BytesIO(png)) as im:
        rgb = np.asarray(im.convert("RGB"))
    rgb.flags.writeable = False
    return rgb


def phash(rgb: np.ndarray) -> str:
    """64-bit DCT perceptual hash (32x32 greyscale, top-left 8x8 DCT block vs its median), hex."""
    from scipy.fft import dctn

    grey = Image.fromarray(rgb).convert("L").resize((32, 32), Image.Resampling.LANCZOS)
    coeffs = dctn(np.asarray(grey, dtype=np.float64), norm="ortho")[:8, :8].ravel()
    bits = coeffs > np.median(coeffs[1:])
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def image_row(png: bytes, round: int, domain: str) -> dict:
    rgb = decode(png)
    return {
        "image_id": image_id(png),
        "png": png,
        "width": rgb.shape[1],
        "height": rgb.shape[0],
        "phash": phash(rgb),
        "round": round,
        "domain": domain,
    }
