"""Unit tests of the logo checks (PNG/SVG sizes and transparency) and of the S3-style form parser."""

from __future__ import annotations

import pytest

from omnimeet.vendors.vonage.logo_checks import invalid_property, png_info, svg_info
from omnimeet.vendors.vonage.s3_post import boundary_of, parse_parts, read_form
from tests.vendors.vonage.test_logos import png


def test_png_info() -> None:
    info = png_info(png(123, 45))
    assert info is not None
    assert (info.kind, info.width, info.height, info.transparent) == ("png", 123, 45, True)
    opaque = png_info(png(1, 1, alpha=False))
    assert opaque is not None
    assert not opaque.transparent
    keyed = png_info(png(1, 1, alpha=False, trns=True))
    assert keyed is not None
    assert keyed.transparent
    assert png_info(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8) is None
    assert png_info(b"<svg/>") is None


@pytest.mark.parametrize(
    ("document", "size"),
    [
        (b'<svg width="10" height="20"/>', (10, 20)),
        (b'<svg width="10px" height="20.5px"></svg>', (10, 20.5)),
        (b"<svg width='7' height='8'></svg>", (7, 8)),
        (b'<svg viewBox="0 0 30 40"></svg>', (30, 40)),
        (b'<svg viewBox="0,0,30,40" width="50%"></svg>', (30, 40)),
        (b'<svg width="1em" height="1em"></svg>', (None, None)),
        (
            b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- logo -->\n<!DOCTYPE svg>\n<svg width="1" height="2"/>',
            (1, 2),
        ),
    ],
)
def test_svg_info(document: bytes, size: tuple[float | None, float | None]) -> None:
    info = svg_info(document)
    assert info is not None
    assert (info.width, info.height) == size


@pytest.mark.parametrize("document", [b"<html><svg/></html>", b"text <svg/>", b"", b"<svgx/>"])
def test_not_svg(document: bytes) -> None:
    assert svg_info(document) is None


@pytest.mark.parametrize(
    ("data", "logo_type", "expected"),
    [
        (png(300, 300), "white", None),
        (png(0, 10), "white", "dimensions"),
        (png(32, 32), "favicon", None),
        (png(32, 16), "favicon", "dimensions"),
        (b"GIF89a", "favicon", "type"),
        (b'<svg width="16" height="16"/>', "favicon", None),
        (b"<svg/>", "white", "dimensions"),
        (png(10, 10, alpha=False), "colored", "transparent_bg"),
        # The first failing property is reported: size before dimensions.
        (png(400, 400, padding=1_048_576), "white", "exceeds_size"),
    ],
)
def test_invalid_property(data: bytes, logo_type: str, expected: str | None) -> None:
    assert invalid_property(data, logo_type) == expected


def test_boundary_of() -> None:
    assert boundary_of("multipart/form-data; boundary=abc") == "abc"
    assert boundary_of('Multipart/Form-Data; charset=utf-8; boundary="a b"') == "a b"
    assert boundary_of("multipart/form-data") is None
    assert boundary_of("multipart/mixed; boundary=abc") is None
    assert boundary_of("") is None


def test_parse_parts_keeps_order_data_and_stops_at_the_file() -> None:
    body = (
        b"preamble\r\n--XX\r\n"
        b'Content-Disposition: form-data; name="key"\r\n\r\nk1\r\n'
        b"--XX\r\n"
        b'Content-Disposition: form-data; name="Policy"; filename="Policy"\r\n\r\np\r\n'
        b"--XX\r\n"
        b'Content-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
        b"--XX in the data\r\n--XXnot a delimiter\r\n\r\n"
        b"--XX\r\n"
        b'Content-Disposition: form-data; name="after"\r\n\r\nignored\r\n'
        b"--XX--\r\n"
    )
    parts = parse_parts(body, "XX")
    assert parts is not None
    assert [part.name for part in parts] == ["key", "Policy", "file", "after"]
    form = read_form(parts)
    assert form.fields == {"key": "k1", "Policy": "p"}
    assert form.get("policy") == "p"
    assert form.file is not None
    assert form.file.filename == "a.png"
    assert form.file.content_type == "image/png"
    assert form.file.data == b"--XX in the data\r\n--XXnot a delimiter\r\n"
    assert form.files == 1


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"no delimiter at all",
        b'--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\nx',  # never closed
        b"--XX\r\nno blank line\r\n--XX--",
        b"--XX\r\nContent-Type: text/plain\r\n\r\nx\r\n--XX--",  # no name
        b'--XX\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n--XX--',
        b"--XXjunk\r\n--XX--",
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    assert parse_parts(body, "XX") is None
