"""SourceFuse archives: a meeting created with enableArchiving is archived while it runs; list, get, delete;
the upload target's checks (including the 500s of missing server credentials)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.sourcefuse.conftest import MakeClient
from tests.vendors.sourcefuse.support import (
    CONTROL,
    NOW,
    assert_answer,
    assert_no_content,
    bad_request,
    bearer,
    create_session,
    loopback,
    not_found,
    token,
    webhook,
)

pytestmark = pytest.mark.anyio
KEY = "47000001"


async def archived_meeting(sf: httpx.AsyncClient) -> tuple[str, str]:
    """A meeting with archiving on and alice in it (so its archive runs): its link and session id."""
    link = await create_session(sf, enableArchiving=True)
    session_id = (await token(sf, link))["sessionId"]
    assert_no_content(
        await sf.post("/webhooks/session", json=webhook(session_id, "connectionCreated", "alice"))
    )
    return link, session_id


def archive(link: str, session_id: str, archive_id: str, *, ended_at: int | None = None) -> dict[str, Any]:
    duration = (ended_at - NOW) // 1000 if ended_at is not None else 0
    return {
        "name": link,
        "sessionId": session_id,
        "metaData": {
            "id": archive_id,
            "status": "available" if ended_at is not None else "started",
            "name": link,
            "reason": "session ended" if ended_at is not None else "",
            "sessionId": session_id,
            "applicationId": KEY,
            "projectId": KEY,
            "partnerId": int(KEY),
            "createdAt": NOW,
            "updatedAt": ended_at or NOW,
            "size": duration * 125_000,
            "duration": duration,
            "outputMode": "composed",
            "streamMode": "auto",
            "hasAudio": True,
            "hasVideo": True,
            "hasTranscription": False,
            "sha256sum": "",
            "password": "",
            "resolution": "1280x720",
            "event": "archive",
            "url": (
                f"https://vonage-archives.omnimeet.invalid/{KEY}/{archive_id}/archive.mp4"
                if ended_at
                else None
            ),
        },
    }


async def test_no_archives(sf: httpx.AsyncClient) -> None:
    assert_answer(await sf.get("/archives"), 200, {"count": 0, "items": []})


async def test_a_meeting_without_archiving_has_none(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf)
    session_id = (await token(sf, link))["sessionId"]
    await sf.post("/webhooks/session", json=webhook(session_id, "connectionCreated", "alice"))
    assert_answer(await sf.get("/archives"), 200, {"count": 0, "items": []})


async def test_archive_runs_with_the_meeting(app: PrefixDispatcher, sf: httpx.AsyncClient) -> None:
    link, session_id = await archived_meeting(sf)
    listed = await sf.get("/archives")
    archive_id = listed.json()["items"][0]["metaData"]["id"]
    assert_answer(listed, 200, {"count": 1, "items": [archive(link, session_id, archive_id)]})
    assert_answer(await sf.get(f"/archives/{archive_id}"), 200, archive(link, session_id, archive_id))
    app.state.ctx.clock.set(NOW + 90_000)
    assert_no_content(await sf.patch(f"/session/{link}/end"))
    done = archive(link, session_id, archive_id, ended_at=NOW + 90_000)
    assert_answer(await sf.get(f"/archives/{archive_id}"), 200, done)
    assert_answer(await sf.get("/archives"), 200, {"count": 1, "items": [done]})


async def test_control_plane_session_starts_the_archive(app: PrefixDispatcher, sf: httpx.AsyncClient) -> None:
    link = await create_session(sf, enableArchiving=True)
    async with client_for(app) as control:
        started = await control.post(f"{CONTROL}/vendors/sourcefuse/rooms/{link}/session")
        assert started.status_code == 201, started.text
    assert (await sf.get("/archives")).json()["count"] == 1


async def test_delete(app: PrefixDispatcher, sf: httpx.AsyncClient) -> None:
    link, _ = await archived_meeting(sf)
    archive_id = (await sf.get("/archives")).json()["items"][0]["metaData"]["id"]
    response = await sf.delete(f"/archives/{archive_id}")
    message = "Archive is still being recorded and cannot be deleted"
    assert_answer(response, 409, loopback(409, "ConflictError", message))
    assert_no_content(await sf.patch(f"/session/{link}/end"))
    assert_no_content(await sf.delete(f"/archives/{archive_id}"))
    assert_answer(await sf.delete(f"/archives/{archive_id}"), 404, not_found("Archive Not Found"))
    assert_answer(await sf.get(f"/archives/{archive_id}"), 404, not_found("Archive Not Found"))
    assert_answer(await sf.get("/archives"), 200, {"count": 0, "items": []})


async def test_unknown_and_other_tenants_archives(
    app: PrefixDispatcher, sf: httpx.AsyncClient, sf_for: MakeClient
) -> None:
    await archived_meeting(sf)
    archive_id = (await sf.get("/archives")).json()["items"][0]["metaData"]["id"]
    other = sf_for(app, bearer(tenantId="tenant-b"))
    assert_answer(await other.get("/archives"), 200, {"count": 0, "items": []})
    assert_answer(await other.get(f"/archives/{archive_id}"), 404, not_found("Archive Not Found"))
    assert_answer(await other.delete(f"/archives/{archive_id}"), 404, not_found("Archive Not Found"))
    assert_answer(await sf.get("/archives/no-such-archive"), 404, not_found("Archive Not Found"))


# --- storage target ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"name": "AWSS3", "bucket": "my-bucket", "region": "eu-west-1", "fallback": "opentok"},
        {"name": "AZURE", "accountName": "acct", "domain": "example.com", "fallback": "none"},
    ],
)
async def test_storage_target(sf: httpx.AsyncClient, body: dict[str, str]) -> None:
    assert_no_content(await sf.put("/archives/storage-target", json=body))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "GCS", "bucket": "b"}, "Unsupported storage type"),
        ({"name": "AWSS3"}, "S3 bucket name is required"),
        ({"name": "AZURE", "bucket": "b"}, "Azure account name is required"),
    ],
)
async def test_storage_target_refusals(sf: httpx.AsyncClient, body: dict[str, str], message: str) -> None:
    assert_answer(await sf.put("/archives/storage-target", json=body), 400, bad_request(message))


@pytest.mark.parametrize(
    ("setting", "body", "message"),
    [
        (
            "sourcefuse_aws_access_key_id",
            {"name": "AWSS3", "bucket": "b"},
            "Missing AWS S3 credentials for setting Vonage upload target",
        ),
        (
            "sourcefuse_aws_secret_access_key",
            {"name": "AWSS3", "bucket": "b"},
            "Missing AWS S3 credentials for setting Vonage upload target",
        ),
        (
            "sourcefuse_azure_account_key",
            {"name": "AZURE", "accountName": "a"},
            "Missing Azure credentials for setting Vonage upload target",
        ),
    ],
)
async def test_storage_target_without_server_credentials(
    make_app: Any, sf_for: MakeClient, setting: str, body: dict[str, str], message: str
) -> None:
    sf = sf_for(make_app(**{setting: ""}))
    response = await sf.put("/archives/storage-target", json=body)
    assert_answer(response, 500, loopback(500, "InternalServerError", message))
