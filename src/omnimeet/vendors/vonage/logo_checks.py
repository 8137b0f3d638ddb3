"""The checks ``finalizeLogos`` makes on an uploaded logo, in the order it reports the first failure:
``type`` (PNG or SVG), ``exceeds_size`` (1 MB), ``dimensions`` (logos 1-300 px a side; favicons square,
16-32 px) and ``transparent_bg`` (a PNG must be able to hold transparency: an alpha channel or a tRNS
chunk; an SVG always can).

Sizes come from the file itself: a PNG's IHDR chunk, an SVG's ``width``/``height`` attributes (or its
``viewBox`` when they are missing or relative).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

MAX_LOGO_BYTES = 1_048_576
LOGO_SIDE = (1, 300)
FAVICON_SIDE = (16, 32)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ALPHA_COLOR_TYPES = (4, 6)  # grey + alpha, RGB + alpha


@dataclass(frozen=True, slots=True)
class ImageInfo:
    kind: str
    """``png`` or ``svg``."""
    width: float | None
    height: float | None
    transparent: bool


def png_info(data: bytes) -> ImageInfo | None:
    """Width, height and transparency of a PNG, from its chunks (None when it is not one)."""
    if not data.startswith(PNG_SIGNATURE) or len(data) < 33 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    color_type = data[25]
    transparent = color_type in _ALPHA_COLOR_TYPES or _has_chunk(data, b"tRNS")
    return ImageInfo("png", float(width), float(height), transparent)


def _has_chunk(data: bytes, wanted: bytes) -> bool:
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == wanted:
            return True
        if kind == b"IDAT":  # tRNS comes before the image data
            return False
        offset += 12 + length
    return False


_SVG_TAG = re.compile(rb"<svg\b([^>]*)>", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")
_PROLOGUE = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg\b", re.DOTALL
)


def svg_info(data: bytes) -> ImageInfo | None:
    """Width and height of an SVG document (None when it is not one)."""
    head = data[:65_536]
    if _PROLOGUE.match(head) is None:
        return None
    tag = _SVG_TAG.search(head)
    if tag is None:
        return None
    attributes = {
        match.group(1).lower(): match.group(2) if match.group(2) is not None else match.group(3)
        for match in _ATTRIBUTE.finditer(tag.group(1).decode("utf-8", "replace"))
    }
    width = _length(attributes.get("width"))
    height = _length(attributes.get("height"))
    if width is None or height is None:
        box = (attributes.get("viewbox") or "").replace(",", " ").split()
        try:
            if len(box) == 4:
                width, height = float(box[2]), float(box[3])
        except ValueError:
            pass
    return ImageInfo("svg", width, height, True)


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    return float(match.group(1)) if match else None


def invalid_property(data: bytes, logo_type: str) -> str | None:
    """Why the file cannot be a ``logo_type`` logo (``type``, ``exceeds_size``, ``dimensions``,
    ``transparent_bg``), or None when it can."""
    info = png_info(data) or svg_info(data)
    if info is None:
        return "type"
    if len(data) > MAX_LOGO_BYTES:
        return "exceeds_size"
    if info.width is None or info.height is None:
        return "dimensions"
    low, high = FAVICON_SIDE if logo_type == "favicon" else LOGO_SIDE
    if not (low <= info.width <= high and low <= info.height <= high):
        return "dimensions"
    if logo_type == "favicon" and info.width != info.height:
        return "dimensions"
    if not info.transparent:
        return "transparent_bg"
    return None
