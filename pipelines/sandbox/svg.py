"""The ``svg`` task kind: check an SVG document, render it with cairosvg, map named points to pixels.

Runs inside the hardened task child (the zygote imports this module and warms cairo and
fontconfig up before it isolates itself). The document is refused, before cairosvg sees it,
when it declares a DTD or entities (billion laughs, external entities), references anything but
its own ``#ids`` or an inline PNG/JPEG (``file://``, ``http://``, relative paths, CSS
``@import``, ``url(...)`` to elsewhere), is larger than ``MAX_SVG_BYTES`` or ``MAX_NODES``, or asks
for a canvas above ``MAX_SIDE_PX`` / ``MAX_PIXELS`` (sized by cairosvg's own rules, before any
pixel is allocated). cairosvg runs with ``unsafe=False`` and a URL fetcher that raises, as a
second wall. Pixel positions come from the renderer's own user->device matrix of the root
viewport (viewBox and preserveAspectRatio applied), so they are exact; text boxes are the
device-space extents of each text node's glyph outlines.
"""

from __future__ import annotations

import io
import re

MAX_SVG_BYTES = 4 << 20
MAX_NODES = 50_000
MAX_SIDE_PX = 4096
MAX_PIXELS = 8_000_000
_DATA_IMAGE = re.compile(r"^\s*data:image/(png|jpeg|jpg);base64,", re.I)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_SVG_NS = "{http://www.w3.org/2000/svg}"


class SvgRefused(Exception):
    """The document was refused before rendering; the message says what and where."""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _check_url(value: str, where: str) -> None:
    v = value.strip()
    if v.startswith("#") or _DATA_IMAGE.match(v):
        return
    raise SvgRefused(f"external reference {v[:120]!r} in {where}: only '#id' and inline PNG/JPEG data are allowed")


def _check_css(text: str, where: str) -> None:
    if "@import" in text.lower():
        raise SvgRefused(f"CSS @import in {where}")
    for m in _URL.finditer(text):
        _check_url(m.group(2), where)


def check(doc: str | bytes):
    """The parsed root element of ``doc`` when it is a self-contained SVG; raises
    :class:`SvgRefused` (hostile or oversized) or ``ValueError`` (not well-formed / not SVG)."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as DET

    data = doc.encode("utf-8") if isinstance(doc, str) else bytes(doc)
    if len(data) > MAX_SVG_BYTES:
        raise SvgRefused(f"document of {len(data)} bytes exceeds {MAX_SVG_BYTES}")
    if data[:2] == b"\x1f\x8b":
        raise SvgRefused("compressed (svgz) documents are not accepted")
    if re.search(rb"<\?xml-stylesheet", data, re.I):
        raise SvgRefused("xml-stylesheet processing instruction (an external stylesheet)")
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise SvgRefused(f"DTD or entity declarations are not allowed ({type(e).__name__})") from None
    except DET.ParseError as e:
        raise ValueError(f"the svg is not well-formed XML: {e}") from None
    if _local(root.tag) != "svg":
        raise ValueError(f"the document's root is <{_local(root.tag)}>, not <svg>")
    n = 0
    for el in root.iter():
        n += 1
        if n > MAX_NODES:
            raise SvgRefused(f"more than {MAX_NODES} elements")
        tag = _local(el.tag) if isinstance(el.tag, str) else "?"
        for k, v in el.attrib.items():
            name = _local(k)
            if name in ("href", "src"):
                _check_url(v, f"<{tag} {name}>")
            elif "url(" in v.lower() or name == "style":
                _check_css(v, f"<{tag} {name}>")
        if tag == "style" and el.text:
            _check_css(el.text, "<style>")
    return root


def _refuse_fetch(url: str, resource_type: str) -> bytes:
    if _DATA_IMAGE.match(url or ""):
        from cairosvg.url import fetch
        return fetch(url, resource_type)
    raise SvgRefused(f"external reference {str(url)[:120]!r} ({resource_type})")


_TEXT_TAGS = ("text", "tspan", "textPath")
_surface_cls = None


def _install() -> type:
    """A PNG surface that refuses oversized canvases and records text boxes (installed once)."""
    global _surface_cls
    if _surface_cls is not None:
        return _surface_cls
    from cairosvg import surface as S

    original = S.text

    def text(surface, node, draw_as_text=False):
        original(surface, node, draw_as_text)
        boxes = getattr(surface, "text_boxes", None)
        label = (node.text or "").strip()
        if draw_as_text or boxes is None or not label:
            return
        ctx = surface.context
        x0, y0, x1, y1 = ctx.path_extents()
        if x1 <= x0 or y1 <= y0:
            return
        corners = [ctx.user_to_device(x, y) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        boxes.append((label, min(xs), min(ys), max(xs), max(ys)))

    S.text = text  # draw() compares TAGS[tag] with this module global to fill text as text
    for tag in _TEXT_TAGS:
        if S.TAGS.get(tag) is original:
            S.TAGS[tag] = text

    class Surface(S.PNGSurface):
        def _create_surface(self, width, height):
            if not (width > 0 and height > 0):
                raise ValueError(f"the svg has no size ({width} x {height})")
            if width > MAX_SIDE_PX or height > MAX_SIDE_PX or width * height > MAX_PIXELS:
                raise SvgRefused(f"canvas of {width:.0f} x {height:.0f} px exceeds {MAX_SIDE_PX} px a side "
                                 f"or {MAX_PIXELS} pixels")
            self.text_boxes = []
            return super()._create_surface(width, height)

    _surface_cls = Surface
    return Surface


def render(doc: str | bytes, elements: dict) -> tuple[bytes, dict, list]:
    """(PNG bytes, {name: [x_px, y_px]}, [[text, x0, y0, x1, y1], ...]) of a checked document.

    ``elements`` maps names to (x, y) in the root viewport's user units (the viewBox's
    coordinates); pixels have their origin top-left. The background is white.
    """
    from cairosvg.parser import Tree

    check(doc)
    surface_cls = _install()
    data = doc.encode("utf-8") if isinstance(doc, str) else bytes(doc)
    tree = Tree(bytestring=data, unsafe=False, url_fetcher=_refuse_fetch)
    out = io.BytesIO()
    surface = surface_cls(tree, out, 96, background_color="white")
    ctx = surface.context
    points = {str(k): list(ctx.user_to_device(float(v[0]), float(v[1]))) for k, v in elements.items()}
    texts = [list(t) for t in surface.text_boxes]
    surface.finish()
    return out.getvalue(), points, texts


def warm_up() -> None:
    """Render text in the fonts the SVG families use: fontconfig, cairo and the PNG encoder load
    their files now, before the zygote isolates itself."""
    faces = "".join(
        f'<text x="10" y="{20 + 18 * i}" font-family="{f}" font-weight="{w}" font-style="{s}" '
        f'font-size="14">Warm-up {f} 0123</text>'
        for i, (f, w, s) in enumerate([("sans-serif", "normal", "normal"), ("Liberation Sans", "bold", "normal"),
                                       ("Liberation Serif", "normal", "italic"), ("DejaVu Serif", "bold", "normal"),
                                       ("Liberation Mono", "normal", "normal"), ("serif", "normal", "normal")]))
    render(f'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="140" viewBox="0 0 240 140">'
           f'<rect x="2" y="2" width="200" height="100" fill="#eef" stroke="#335" stroke-dasharray="4 2"/>'
           f'<circle cx="120" cy="70" r="30" fill="none" stroke="red"/>{faces}</svg>', {"A": (1, 1)})
