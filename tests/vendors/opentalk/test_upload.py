"""The recording upload WebSocket: chunks (sequence number + bytes) become an asset of the room when the
socket closes; the recorder's service auth; refusals before the upgrade; one upload against a live server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient, WebSocketDenialResponse
from websockets.asyncio.client import connect

from omnimeet.platform.web import PrefixDispatcher
from omnimeet.testing.plugin import OmnimeetServer
from omnimeet.vendors.opentalk.upload import UploadQuery, recording_filename
from tests.vendors.opentalk.asset_support import hold_event
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    ERROR_TYPE,
    INVALID_TOKEN,
    ISSUER,
    NOT_FOUND,
    NOW,
    UNAUTHORIZED,
    token,
)

V1 = "/opentalk/v1"
UPLOAD = f"{V1}/services/recording/upload"
SERVICE = {"Authorization": "Bearer recorder-service-token"}
STAMP = "2026-12-01T08:59:30Z"
FILENAME = "recording_2026-12-01_08-59-30-UTC.webm"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def chunk(number: int, data: bytes) -> bytes:
    return number.to_bytes(4, "big", signed=True) + data


@pytest.fixture
def client(app: PrefixDispatcher) -> Iterator[TestClient]:
    app.state.ctx.clock.freeze()
    app.state.ctx.clock.set(NOW)
    with TestClient(app, base_url="http://omnimeet.test") as test_client:
        yield test_client


def user_headers(name: str = "alice", **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(name, **claims)}"}


def create_room(client: TestClient, name: str = "alice") -> dict[str, Any]:
    response = client.post(
        f"{V1}/rooms", json={"password": None, "enable_sip": False}, headers=user_headers(name)
    )
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


def upload_url(room_id: str, extension: str = "webm", stamp: str = STAMP) -> str:
    return f"{UPLOAD}?room_id={room_id}&file_extension={extension}&timestamp={stamp}"


def assets_of(client: TestClient, room_id: str, name: str = "alice") -> list[dict[str, Any]]:
    response = client.get(f"{V1}/rooms/{room_id}/assets", headers=user_headers(name))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def content(client: TestClient, room_id: str, asset_id: str) -> bytes:
    response = client.get(f"{V1}/rooms/{room_id}/assets/{asset_id}", headers=user_headers())
    assert response.status_code == 200
    return response.content


def test_chunks_become_an_asset_when_the_socket_closes(client: TestClient) -> None:
    room = create_room(client)
    with client.websocket_connect(upload_url(room["id"]), headers=dict(SERVICE)) as socket:
        socket.send_bytes(chunk(0, b"hel"))
        socket.send_bytes(chunk(2, b"!"))
        socket.send_bytes(chunk(1, b"lo"))
        socket.send_text("ignored")
    [asset] = assets_of(client, room["id"])
    assert asset == {
        "id": asset["id"],
        "filename": FILENAME,
        "namespace": "recording",
        "created_at": "2026-12-01T09:00:00Z",
        "kind": "recording",
        "size": 6,
    }
    assert content(client, room["id"], asset["id"]) == b"hello!"
    me = client.get(f"{V1}/users/me", headers=user_headers()).json()
    assert me["used_storage"] == 6


def test_a_resent_chunk_replaces_and_a_short_message_ends_the_file(client: TestClient) -> None:
    room = create_room(client)
    with client.websocket_connect(upload_url(room["id"], "mkv"), headers=dict(SERVICE)) as socket:
        socket.send_bytes(chunk(0, b"first"))
        socket.send_bytes(chunk(1, b"-old"))
        socket.send_bytes(chunk(1, b"-new"))
        socket.send_bytes(b"\x00")
        socket.send_bytes(chunk(2, b"-after-the-end"))
    [asset] = assets_of(client, room["id"])
    assert (asset["filename"], asset["size"]) == ("recording_2026-12-01_08-59-30-UTC.mkv", 9)
    assert content(client, room["id"], asset["id"]) == b"first-new"


def test_an_empty_upload_is_an_empty_asset_named_after_the_event(
    app: PrefixDispatcher, client: TestClient
) -> None:
    room = create_room(client)
    hold_event(app, room["id"], "Team Sync / Q4 (ü)")
    with client.websocket_connect(
        upload_url(room["id"], "", "2026-12-01T10:59:30%2B02:00"), headers=dict(SERVICE)
    ):
        pass
    [asset] = assets_of(client, room["id"])
    assert (asset["filename"], asset["size"]) == ("Team Sync _ Q4 _ü__recording_2026-12-01_08-59-30-UTC", 0)


def test_the_seeds_form_names_the_file_itself(client: TestClient) -> None:
    room = create_room(client)
    url = f"{UPLOAD}?room_id={room['id']}&filename=talk.webm"
    with client.websocket_connect(url, headers=dict(SERVICE)) as socket:
        socket.send_bytes(chunk(0, b"seed"))
    assert [(a["filename"], a["size"]) for a in assets_of(client, room["id"])] == [("talk.webm", 4)]


def test_uploads_beyond_the_storage_quota_are_dropped(make_app: Callable[..., PrefixDispatcher]) -> None:
    app = make_app(opentalk_tariff_quotas={"max_storage": 5})
    app.state.ctx.clock.freeze()
    app.state.ctx.clock.set(NOW)
    with TestClient(app, base_url="http://omnimeet.test") as client:
        room = create_room(client)
        for data in (b"123456", b"dropped"):  # the first fits (nothing used yet), then 6 > 5 are used
            with client.websocket_connect(upload_url(room["id"]), headers=dict(SERVICE)) as socket:
                socket.send_bytes(chunk(0, data))
        assert [asset["size"] for asset in assets_of(client, room["id"])] == [6]


def test_filenames_stay_within_100_characters() -> None:
    query = UploadQuery(UNKNOWN, "webm", NOW)
    name = recording_filename(query, "x" * 300)
    assert name == "x" * 61 + "_recording_2026-12-01_09-00-00-UTC.webm"
    assert len(name) == 100
    early = UploadQuery(UNKNOWN, "", -62_135_596_800_000)  # 0001-01-01T00:00:00Z
    assert recording_filename(early, None) == "recording_0001-01-01_00-00-00-UTC"


def refusal(client: TestClient, url: str, headers: dict[str, str] | None = None) -> WebSocketDenialResponse:
    with (
        pytest.raises(WebSocketDenialResponse) as caught,
        client.websocket_connect(url, headers=dict(headers or {})),
    ):
        pass
    return caught.value


def assert_denied(denied: WebSocketDenialResponse, status: int, body: dict[str, str]) -> None:
    assert (denied.status_code, denied.headers["content-type"]) == (status, ERROR_TYPE)
    assert json.loads(denied.content) == body


@pytest.mark.parametrize(
    "query",
    [
        "file_extension=webm&timestamp=2026-12-01T08:59:30Z",
        "room_id={room}&timestamp=2026-12-01T08:59:30Z",
        "room_id={room}&file_extension=webm",
        "room_id=not-a-uuid&file_extension=webm&timestamp=2026-12-01T08:59:30Z",
        "room_id={room}&file_extension=we.bm&timestamp=2026-12-01T08:59:30Z",
        "room_id={room}&file_extension=abcdefghijk&timestamp=2026-12-01T08:59:30Z",
        "room_id={room}&file_extension=webm&timestamp=yesterday",
        "room_id={room}&file_extension=webm&timestamp=2026-12-01T08:59:30",
        "room_id={room}&file_extension=webm&timestamp=0001-01-01T00:00:00%2B01:00",
        "room_id={room}&file_extension=webm&timestamp=9999-12-31T23:59:59-14:00",
        "room_id={room}",
        "room_id={room}&filename=",
        "room_id={room}&filename=a.webm&file_extension=webm",
        "room_id={room}&filename=a.webm&timestamp=2026-12-01T08:59:30Z",
        "filename=a.webm",
    ],
)
def test_bad_queries_are_refused_with_400(client: TestClient, query: str) -> None:
    room = create_room(client)
    url = f"{UPLOAD}?{query.format(room=room['id'])}"
    assert_denied(refusal(client, url, SERVICE), 400, BAD_REQUEST)
    response = client.get(url, headers=SERVICE)
    assert (response.status_code, response.headers["content-type"]) == (400, ERROR_TYPE)
    assert response.json() == BAD_REQUEST
    assert assets_of(client, room["id"]) == []


def test_no_token_is_401_and_an_unknown_room_404(client: TestClient) -> None:
    room = create_room(client)
    denied = refusal(client, upload_url(room["id"]))
    assert_denied(denied, 401, UNAUTHORIZED)
    assert denied.headers["www-authenticate"] == INVALID_TOKEN
    assert_denied(refusal(client, upload_url(room["id"]), {"Authorization": "Basic eDp5"}), 401, UNAUTHORIZED)
    expired = {"Authorization": f"Bearer {token('recorder', exp=NOW // 1000 - 1)}"}
    assert refusal(client, upload_url(room["id"]), expired).status_code == 401
    assert_denied(refusal(client, upload_url(UNKNOWN), SERVICE), 404, NOT_FOUND)
    response = client.get(upload_url(room["id"]))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    response = client.get(upload_url(room["id"]), headers=SERVICE)
    assert (response.status_code, response.json()) == (400, BAD_REQUEST)


# --- strict mode -------------------------------------------------------------------------------------------

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _signed(sub: str, **claims: Any) -> str:
    payload = {"sub": sub, "iss": ISSUER, "exp": NOW // 1000 + 3600, **claims}
    return jwt.encode(payload, _KEY, algorithm="RS256")


@pytest.fixture
def strict_client(make_app: Callable[..., PrefixDispatcher], tmp_path: Path) -> Iterator[TestClient]:
    public = _KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    credentials = {
        "organizations": [{"id": "acme"}],
        "principals": [
            {"api": "opentalk", "credential": ISSUER, "organization": "acme", "public_key": public.decode()}
        ],
    }
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(credentials))
    app = make_app(auth_mode="strict", credentials_file=path)
    app.state.ctx.clock.freeze()
    app.state.ctx.clock.set(NOW)
    with TestClient(app, base_url="http://omnimeet.test") as test_client:
        yield test_client


def test_strict_mode_wants_the_recorder_role(strict_client: TestClient) -> None:
    owner = {"Authorization": f"Bearer {_signed('alice')}"}
    response = strict_client.post(f"{V1}/rooms", json={"password": None, "enable_sip": False}, headers=owner)
    assert response.status_code == 201, response.text
    room_id = response.json()["id"]
    recorder = {
        "Authorization": f"Bearer {_signed('recorder', realm_access={'roles': ['opentalk-recorder']})}"
    }
    for refused in (
        SERVICE,
        user_headers("recorder", realm_access={"roles": ["opentalk-recorder"]}),  # not signed with the key
        {"Authorization": f"Bearer {_signed('recorder', realm_access={'roles': ['other']})}"},
        {"Authorization": f"Bearer {_signed('recorder')}"},
    ):
        assert_denied(refusal(strict_client, upload_url(room_id), refused), 401, UNAUTHORIZED)
    with strict_client.websocket_connect(upload_url(room_id), headers=dict(recorder)) as socket:
        socket.send_bytes(chunk(0, b"strict"))
    response = strict_client.get(f"{V1}/rooms/{room_id}/assets", headers=owner)
    assert [(a["filename"], a["size"]) for a in response.json()] == [(FILENAME, 6)]


# --- a live server -----------------------------------------------------------------------------------------


def test_upload_to_a_live_server(omnimeet_server: OmnimeetServer) -> None:
    base = str(omnimeet_server)
    ws_base = base.replace("http://", "ws://", 1)

    async def scenario() -> tuple[list[dict[str, Any]], bytes]:
        async with httpx.AsyncClient(base_url=f"{base}{V1}", headers=user_headers()) as http:
            response = await http.post("/rooms", json={"password": None, "enable_sip": False})
            assert response.status_code == 201, response.text
            room_id = response.json()["id"]
            async with connect(f"{ws_base}{upload_url(room_id)}", additional_headers=SERVICE) as socket:
                await socket.send(chunk(0, b"live "))
                await socket.send(chunk(1, b"recording"))
            for _ in range(500):  # the server stores the file once it has seen the close (10 s at most)
                listed = (await http.get(f"/rooms/{room_id}/assets")).json()
                if listed:
                    break
                await asyncio.sleep(0.02)
            data = (await http.get(f"/rooms/{room_id}/assets/{listed[0]['id']}")).content
            return listed, data

    listed, data = asyncio.run(scenario())
    assert [(a["kind"], a["namespace"], a["size"]) for a in listed] == [("recording", "recording", 14)]
    assert listed[0]["filename"] == FILENAME
    assert data == b"live recording"
