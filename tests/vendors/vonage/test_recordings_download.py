"""Vonage recording files: the presigned link of a recording downloads its MP4 without a JWT, whole or by
range; S3-style XML errors for a missing, wrong or expired signature and a file that is not there. (Links are
fetched with the spec-checked client, so every answer is checked against the OpenAPI document too.)"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from omnimeet.platform.media import mp4_bytes
from tests.vendors.vonage.recordings_support import (
    advance_clock,
    advance_recording,
    create_room,
    link_of,
    pace,
    query_of,
    start_recording,
    start_session,
    stop_recording,
)
from tests.vendors.vonage.support import NOW

pytestmark = pytest.mark.anyio

DURATION_MS = 42_500
DISPOSITION = 'attachment; filename="Team_sync_2026-12-01T09%3A00%3A00.000Z.mp4"'


async def uploaded(vonage: httpx.AsyncClient, client: httpx.AsyncClient) -> dict[str, Any]:
    room = await create_room(vonage, display_name="Team sync")
    await start_session(client, room["id"])
    recording = await start_recording(client, room["id"])
    await advance_clock(client, DURATION_MS)
    await stop_recording(client, recording["id"])
    response = await vonage.get(f"/recordings/{recording['id']}")
    body: dict[str, Any] = response.json()
    assert body["status"] == "uploaded"
    return body


def s3_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code + "</Code>"
    )


async def test_the_whole_file(vonage: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    recording = await uploaded(vonage, client)
    link = link_of(recording)
    query = query_of(link)
    assert query["Expires"] == str((NOW + DURATION_MS) // 1000 + 3600)  # an hour from when it was read
    assert query["response-content-disposition"] == DISPOSITION
    assert query["response-content-type"] == "video/mp4"
    response = await client.get(link)  # a plain client: no JWT
    assert response.status_code == 200
    assert response.content == mp4_bytes(DURATION_MS)
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(len(mp4_bytes(DURATION_MS)))
    assert response.headers["content-disposition"] == DISPOSITION


async def test_ranges(vonage: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    link = link_of(await uploaded(vonage, client))
    whole = mp4_bytes(DURATION_MS)
    size = len(whole)
    first = await vonage.get(link, headers={"Range": "bytes=0-9"})
    assert (first.status_code, first.content) == (206, whole[:10])
    assert first.headers["content-range"] == f"bytes 0-9/{size}"
    tail = await vonage.get(link, headers={"Range": "bytes=-16"})
    assert (tail.status_code, tail.content) == (206, whole[-16:])
    assert tail.headers["content-range"] == f"bytes {size - 16}-{size - 1}/{size}"
    past = await vonage.get(link, headers={"Range": f"bytes={size}-"})
    s3_error(past, 416, "InvalidRange")
    assert past.headers["content-range"] == f"bytes */{size}"
    unreadable = await vonage.get(link, headers={"Range": "lines=1-2"})  # ignored, as S3 does
    assert (unreadable.status_code, unreadable.content) == (200, whole)


async def test_a_wrong_signature_or_key_and_a_changed_link(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    link = link_of(await uploaded(vonage, client))
    query = query_of(link)
    signature = query["Signature"].replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    s3_error(await vonage.get(link.replace(signature, "AAAA" + signature[4:])), 403, "SignatureDoesNotMatch")
    s3_error(
        await vonage.get(link.replace(f"Expires={query['Expires']}", "Expires=9999999999")),
        403,
        "SignatureDoesNotMatch",
    )
    s3_error(await vonage.get(link.replace("Expires=", "Expires=x")), 403, "SignatureDoesNotMatch")
    s3_error(await vonage.get(link.replace("Team_sync", "Other")), 403, "SignatureDoesNotMatch")
    account = link.split("/recordings/")[1].split("/")[0]
    s3_error(await vonage.get(link.replace(f"/{account}/", "/12345678/")), 403, "SignatureDoesNotMatch")
    s3_error(
        await vonage.get(link.replace("AWSAccessKeyId=ASIA", "AWSAccessKeyId=AKIA")),
        403,
        "InvalidAccessKeyId",
    )
    s3_error(await vonage.get(link.split("?")[0]), 403, "AccessDenied")


async def test_an_expired_link(vonage: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    recording = await uploaded(vonage, client)
    link = link_of(recording)
    await advance_clock(client, 3_600_000 - 500)  # read at NOW + 42.5 s: Expires is NOW + 42 s + 1 h
    assert (await vonage.get(link)).status_code == 200  # at Expires still
    await advance_clock(client, 1)
    expired = await vonage.get(link)
    s3_error(expired, 403, "AccessDenied")
    assert "<Message>Request has expired</Message>" in expired.text
    fresh = link_of((await vonage.get(f"/recordings/{recording['id']}")).json())
    assert (await vonage.get(fresh)).status_code == 200


async def test_no_file_before_it_is_uploaded(vonage: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    await pace(client, "manual")
    room = await create_room(vonage)
    await start_session(client, room["id"])
    recording = await start_recording(client, room["id"])
    for status in ("active", "paused", "stopping", "stopped"):
        await advance_recording(client, recording["id"], status)
        link = link_of((await vonage.get(f"/recordings/{recording['id']}")).json())
        missing = await vonage.get(link)
        s3_error(missing, 404, "NoSuchKey")
    await advance_recording(client, recording["id"])
    link = link_of((await vonage.get(f"/recordings/{recording['id']}")).json())
    assert (await vonage.get(link)).status_code == 200
