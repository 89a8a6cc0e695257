from __future__ import annotations

import io

import pytest
from PIL import Image


@pytest.fixture
def tiny_png() -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (8, 6), "white")
    img.putpixel((2, 3), (255, 0, 0))
    img.save(buf, format="PNG")
    return buf.getvalue()
