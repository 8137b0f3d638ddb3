"""Vonage theme logos over HTTP: upload URLs, the S3-style upload (as each SDK sends it), finalizeLogos and
its every failure code, the served files."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.vonage.auth import account_id_of
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.rooms_support import advance
from tests.vendors.vonage.support import APP_A, APP_B, ROOT, assert_answer, error

pytestmark = pytest.mark.anyio

BUCKET_URL = f"{ROOT}/vonage/_s3/logos"
KEY = re.compile(r"^auto-expiring-temp/logos/(white|colored|favicon)/[0-9a-f-]{36}$")
HOUR_MS = 3_600_000


# --- files -----------------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(
    width: int = 100, height: int = 50, *, alpha: bool = True, trns: bool = False, padding: int = 0
) -> bytes:
    """A valid PNG of that size: RGBA when ``alpha``, else RGB (with a tRNS chunk when ``trns``)."""
    color_type, channels = (6, 4) if alpha else (2, 3)
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x00" * (width * channels) for _ in range(height))
    chunks = [_chunk(b"IHDR", header)]
    if trns:
        chunks.append(_chunk(b"tRNS", b"\x00\x00\x00\x00\x00\x00"))
    chunks.append(_chunk(b"IDAT", zlib.compress(rows)))
    if padding:
        chunks.append(_chunk(b"zzZz", b"\x00" * padding))  # an ancillary chunk a decoder skips
    chunks.append(_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def svg(attributes: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" {attributes}><rect/></svg>'.encode()
    )


# --- steps -----------------------------------------------------------------------------------------------


async def upload_urls(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/themes/logos-upload-urls")
    assert response.status_code == 200, response.text
    return {entry["fields"]["logoType"]: entry for entry in response.json()}


async def upload(
    client: httpx.AsyncClient, entry: dict[str, Any], data: bytes, *, content_type: str | None = None
) -> httpx.Response:
    """The upload as the Node SDK's form or curl sends it: plain fields, then the file."""
    fields = dict(entry["fields"])
    if content_type is not None:
        fields["Content-Type"] = content_type
    return await client.post(entry["url"], data=fields, files={"file": ("logo.png", data, "image/png")})


async def upload_as_python_sdk(
    client: httpx.AsyncClient, entry: dict[str, Any], data: bytes
) -> httpx.Response:
    """The upload as ``requests.post(files={**fields, 'file': f})`` sends it: every field a file part."""
    files = [(name, (name, value.encode())) for name, value in entry["fields"].items()]
    files.append(("file", ("/tmp/logo.png", data)))
    return await client.post(entry["url"], files=files)


async def uploaded(client: httpx.AsyncClient, logo_type: str, data: bytes) -> str:
    entry = (await upload_urls(client))[logo_type]
    response = await upload(client, entry, data)
    assert response.status_code == 204, response.text
    key: str = entry["fields"]["key"]
    return key


async def make_theme(client: httpx.AsyncClient, name: str = "my_theme") -> dict[str, Any]:
    response = await client.post(
        "/themes", json={"theme_name": name, "main_color": "#12f64e", "brand_text": "B"}
    )
    assert response.status_code == 201, response.text
    theme: dict[str, Any] = response.json()
    return theme


async def finalize(client: httpx.AsyncClient, theme_id: str, *keys: str) -> httpx.Response:
    return await client.put(f"/themes/{theme_id}/finalizeLogos", json={"keys": list(keys)})


def not_finalized(*errors: dict[str, str]) -> dict[str, Any]:
    return error(400, "BadRequestError", "could not finalize logos", list(errors))


def key_not_found(key: str) -> dict[str, str]:
    return {"logoKey": key, "code": "key_not_found"}


def invalid_logo(key: str, why: str) -> dict[str, str]:
    return {"logoKey": key, "code": "invalid_logo_properties", "invalidProperty": why}


# --- upload URLs -----------------------------------------------------------------------------------------


async def test_upload_urls(vonage: httpx.AsyncClient) -> None:
    response = await vonage.get("/themes/logos-upload-urls")
    assert response.status_code == 200, response.text
    entries = response.json()
    assert [entry["fields"]["logoType"] for entry in entries] == ["white", "colored", "favicon"]
    keys = set()
    for entry in entries:
        fields = entry["fields"]
        assert entry["url"] == BUCKET_URL
        assert list(fields) == [
            "Content-Type",
            "key",
            "logoType",
            "bucket",
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Security-Token",
            "Policy",
            "X-Amz-Signature",
        ]
        assert KEY.match(fields["key"])
        assert fields["key"].split("/")[2] == fields["logoType"]
        keys.add(fields["key"])
        assert fields["Content-Type"] == "image/png"
        assert fields["bucket"] == "omnimeet-vonage-logos"
        assert fields["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
        assert fields["X-Amz-Credential"] == "ASIAOMNIMEETLOGOS001/20261201/us-east-1/s3/aws4_request"
        assert fields["X-Amz-Date"] == "20261201T090000Z"
        assert re.fullmatch(r"[0-9a-f]{64}", fields["X-Amz-Signature"])
        policy = json.loads(base64.b64decode(fields["Policy"]))
        assert policy["expiration"] == "2026-12-01T10:00:00.000Z"
        assert {"key": fields["key"]} in policy["conditions"]
        assert {"bucket": fields["bucket"]} in policy["conditions"]
        assert ["starts-with", "$Content-Type", "image/"] in policy["conditions"]
    assert len(keys) == 3
    # Each call announces new keys.
    again = await upload_urls(vonage)
    assert not keys & {entry["fields"]["key"] for entry in again.values()}


async def test_upload_urls_follow_the_base_the_client_used(
    app: PrefixDispatcher, vonage_for: MakeClient
) -> None:
    client = vonage_for(app, base_url="https://meetings.example:8443/vonage/beta/meetings")
    entries = await upload_urls(client)
    assert {entry["url"] for entry in entries.values()} == {"https://meetings.example:8443/vonage/_s3/logos"}


# --- the whole flow --------------------------------------------------------------------------------------


async def test_upload_finalize_and_serve(vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(vonage)
    theme_id = theme["theme_id"]
    files = {"white": png(300, 40), "colored": png(120, 300, alpha=False, trns=True), "favicon": png(32, 32)}
    entries = await upload_urls(vonage)
    for logo_type, data in files.items():
        response = await upload(vonage, entries[logo_type], data)
        assert response.status_code == 204, response.text
        assert response.content == b""
        key = entries[logo_type]["fields"]["key"]
        assert response.headers["location"] == f"{BUCKET_URL}/{key}"
        assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["etag"])
    keys = [entries[logo_type]["fields"]["key"] for logo_type in files]
    response = await finalize(vonage, theme_id, *keys)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "OK"
    permanent = {
        logo_type: key.removeprefix("auto-expiring-temp/") for logo_type, key in zip(files, keys, strict=True)
    }
    expected = {
        **theme,
        "brand_image_colored": permanent["colored"],
        "brand_image_white": permanent["white"],
        "branded_favicon": permanent["favicon"],
        "brand_image_white_url": f"{BUCKET_URL}/{permanent['white']}",
        "brand_image_colored_url": f"{BUCKET_URL}/{permanent['colored']}",
        "branded_favicon_url": f"{BUCKET_URL}/{permanent['favicon']}",
    }
    assert_answer(await vonage.get(f"/themes/{theme_id}"), 200, expected)
    assert_answer(await vonage.get("/themes"), 200, [expected])
    url_fields = {
        "white": "brand_image_white_url",
        "colored": "brand_image_colored_url",
        "favicon": "branded_favicon_url",
    }
    for logo_type, data in files.items():
        served = await vonage.get(expected[url_fields[logo_type]])
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png"
        assert served.content == data
    # The temporary keys are gone: finalising them again finds nothing.
    assert_answer(await finalize(vonage, theme_id, keys[0]), 400, not_finalized(key_not_found(keys[0])))


async def test_upload_as_the_python_sdk_sends_it(vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(vonage)
    entry = (await upload_urls(vonage))["white"]
    response = await upload_as_python_sdk(vonage, entry, png(10, 10))
    assert response.status_code == 204, response.text
    response = await finalize(vonage, theme["theme_id"], entry["fields"]["key"])
    assert response.status_code == 200, response.text
    logo = (await vonage.get(f"/themes/{theme['theme_id']}")).json()["brand_image_white_url"]
    assert (await vonage.get(logo)).content == png(10, 10)


@pytest.mark.parametrize("content_type", ["image/svg+xml", None])
async def test_an_svg_logo(vonage: httpx.AsyncClient, content_type: str | None) -> None:
    """Served as SVG whatever the form's Content-Type said (the announced field says image/png)."""
    theme = await make_theme(vonage)
    data = svg('width="200px" height="80"')
    entry = (await upload_urls(vonage))["colored"]
    response = await upload(vonage, entry, data, content_type=content_type)
    assert response.status_code == 204, response.text
    assert (await finalize(vonage, theme["theme_id"], entry["fields"]["key"])).status_code == 200
    url = (await vonage.get(f"/themes/{theme['theme_id']}")).json()["brand_image_colored_url"]
    served = await vonage.get(url)
    assert served.headers["content-type"] == "image/svg+xml"
    assert served.content == data


async def test_a_new_logo_replaces_the_old_one(vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(vonage)
    first = await uploaded(vonage, "white", png(10, 10))
    second = await uploaded(vonage, "white", png(20, 20))
    assert (await finalize(vonage, theme["theme_id"], first)).status_code == 200
    assert (await finalize(vonage, theme["theme_id"], second)).status_code == 200
    found = (await vonage.get(f"/themes/{theme['theme_id']}")).json()
    assert found["brand_image_white"] == second.removeprefix("auto-expiring-temp/")
    assert (await vonage.get(found["brand_image_white_url"])).content == png(20, 20)


# --- finalizeLogos failures ------------------------------------------------------------------------------


async def test_unknown_key(vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(vonage)
    assert_answer(
        await finalize(vonage, theme["theme_id"], "not-a-key"), 400, not_finalized(key_not_found("not-a-key"))
    )


async def test_a_key_announced_but_never_uploaded(vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(vonage)
    key = (await upload_urls(vonage))["white"]["fields"]["key"]
    assert_answer(await finalize(vonage, theme["theme_id"], key), 400, not_finalized(key_not_found(key)))


async def test_another_applications_key(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    mine, theirs = vonage_for(app, APP_A), vonage_for(app, APP_B)
    key = await uploaded(theirs, "white", png())
    theme = await make_theme(mine)
    assert_answer(await finalize(mine, theme["theme_id"], key), 400, not_finalized(key_not_found(key)))


async def test_an_upload_expires_after_a_day(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(vonage)
    key = await uploaded(vonage, "white", png())
    await advance(app, 24 * HOUR_MS)
    assert_answer(await finalize(vonage, theme["theme_id"], key), 400, not_finalized(key_not_found(key)))


@pytest.mark.parametrize(
    ("logo_type", "data", "why"),
    [
        ("white", b"GIF89a\x01\x00\x01\x00", "type"),
        ("white", b"not an image at all", "type"),
        ("colored", b"\x89PNG\r\n\x1a\n", "type"),
        ("white", png(301, 10), "dimensions"),
        ("colored", png(10, 301), "dimensions"),
        ("favicon", png(16, 20), "dimensions"),
        ("favicon", png(15, 15), "dimensions"),
        ("favicon", png(33, 33), "dimensions"),
        ("white", png(10, 10, alpha=False), "transparent_bg"),
        ("favicon", png(16, 16, alpha=False), "transparent_bg"),
        ("white", svg('viewBox="0 0 400 100"'), "dimensions"),
        ("white", svg('width="100%" height="100%"'), "dimensions"),
    ],
)
async def test_invalid_logo_properties(
    vonage: httpx.AsyncClient, logo_type: str, data: bytes, why: str
) -> None:
    theme = await make_theme(vonage)
    key = await uploaded(vonage, logo_type, data)
    assert_answer(await finalize(vonage, theme["theme_id"], key), 400, not_finalized(invalid_logo(key, why)))
    assert_answer(await vonage.get(f"/themes/{theme['theme_id']}"), 200, theme)


async def test_valid_edge_sizes(vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(vonage)
    for logo_type, data in [
        ("white", png(1, 1)),
        ("colored", png(300, 300)),
        ("favicon", png(16, 16)),
        ("favicon", svg('viewBox="0 0 32 32"')),
        ("white", svg('width="300" height="1"')),
    ]:
        key = await uploaded(vonage, logo_type, data)
        response = await finalize(vonage, theme["theme_id"], key)
        assert response.status_code == 200, (logo_type, response.text)


async def test_a_logo_over_one_megabyte(make_app: Any, vonage_for: MakeClient) -> None:
    client = vonage_for(make_app(max_body_bytes=4_000_000))
    theme = await make_theme(client)
    key = await uploaded(client, "white", png(10, 10, padding=1_048_576))
    assert_answer(
        await finalize(client, theme["theme_id"], key), 400, not_finalized(invalid_logo(key, "exceeds_size"))
    )


async def test_every_key_is_reported_and_nothing_is_applied(vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(vonage)
    good = await uploaded(vonage, "white", png())
    bad = await uploaded(vonage, "favicon", png(64, 64))
    response = await finalize(vonage, theme["theme_id"], "nope", good, bad)
    assert_answer(response, 400, not_finalized(key_not_found("nope"), invalid_logo(bad, "dimensions")))
    assert_answer(await vonage.get(f"/themes/{theme['theme_id']}"), 200, theme)
    # The good key is still there.
    assert (await finalize(vonage, theme["theme_id"], good)).status_code == 200


async def test_unknown_theme_comes_first(vonage: httpx.AsyncClient) -> None:
    theme_id = "90a21428-b74a-4221-adc3-783935d654dc"
    assert_answer(
        await finalize(vonage, theme_id, "not-a-key"),
        404,
        error(404, "NotFoundError", f"could not find theme {theme_id}"),
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, '"keys" is required'),
        ({"keys": []}, '"keys" must contain at least 1 items'),
        ({"keys": "a-key"}, '"keys" must be an array'),
        ({"keys": [1]}, '"keys.0" must be a string'),
        ({"keys": [""]}, '"keys.0" is not allowed to be empty'),
    ],
)
async def test_finalize_validation(vonage: httpx.AsyncClient, body: dict[str, Any], message: str) -> None:
    theme = await make_theme(vonage)
    response = await vonage.put(f"/themes/{theme['theme_id']}/finalizeLogos", json=body)
    assert_answer(response, 400, error(400, "InputValidationError", message))


async def test_logo_routes_need_the_jwt(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    anonymous = vonage_for(app, application_id=None)
    unauthorized = {"title": "Unauthorized", "detail": "You did not provide correct credentials"}
    assert_answer(await anonymous.get("/themes/logos-upload-urls"), 401, unauthorized)
    assert_answer(await anonymous.put("/themes/x/finalizeLogos", json={"keys": ["k"]}), 401, unauthorized)


async def test_theme_account(vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(vonage)
    assert theme["account_id"] == account_id_of(APP_A)
