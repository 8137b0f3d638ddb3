"""Acceptance test: the official Python SDK, ``vonage==3.18.0`` (its last release with Meetings), drives every
method of its Meetings client against a live ``omnimeet serve --tls``.

The SDK hard-codes ``https://`` and a host, so the server runs with ``--tls`` in a subprocess and the SDK
trusts omnimeet's CA through ``REQUESTS_CA_BUNDLE`` (its logo upload goes through plain ``requests``, outside
the client's session, so the environment is the one setting both honour). Only the host changes:
``client.meetings_api_host("127.0.0.1:<port>/vonage/v1/meetings")`` before the Meetings client is built.

The server runs in strict mode with the application's public key in its credentials file, so every call
also proves that the SDK's RS256 JWT verifies. Sessions and recordings are driven through the control API.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml

from tests.vendors.vonage.sdk_support import NOW_ISO, UNKNOWN, png, rsa_key_pair

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # "v3 of the Vonage Python SDK is now deprecated"
    import vonage
    from vonage.errors import AuthenticationError, ClientError

APP = "4a3c5b7e-0d1f-4e2a-9b8c-5d6e7f8a9b0c"
OTHER_APP = "4a3c5b7e-0d1f-4e2a-9b8c-000000000000"
NEXT_MONTH = "2027-01-01T09:00:00.000Z"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class TlsServer:
    """A live ``omnimeet serve --tls`` (strict mode, one registered application)."""

    def __init__(self, port: int, ca: Path, private_key: str) -> None:
        self.port = port
        self.ca = ca
        self.private_key = private_key
        self.base = f"https://127.0.0.1:{port}"
        self.meetings_host = f"127.0.0.1:{port}/vonage/v1/meetings"
        self.clients: list[Any] = []
        self.trust = ssl.create_default_context(cafile=ca)
        self.control = httpx.Client(base_url=f"{self.base}/_omnimeet", verify=self.trust, timeout=30)

    def sdk(self, application_id: str = APP, private_key: str | None = None) -> Any:
        """The SDK's Meetings client, with only its host changed."""
        client = vonage.Client(application_id=application_id, private_key=private_key or self.private_key)
        self.clients.append(client)
        client.meetings_api_host(self.meetings_host)
        client.meetings = vonage.Meetings(client)
        return client.meetings

    def close_clients(self) -> None:
        """Closes the SDK clients' kept-alive connections (an idle TLS connection holds up the server's
        shutdown for asyncio's 30 s SSL shutdown timeout)."""
        for client in self.clients:
            client.session.close()
        self.clients.clear()

    def post(self, path: str, json: Any = None) -> Any:
        response = self.control.post(path, json=json)
        assert response.status_code in (200, 201, 204), (path, response.status_code, response.text)
        return response.json() if response.content else None


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    directory = tmp_path_factory.mktemp("vonage-tls")
    private, public = rsa_key_pair()
    credentials = directory / "credentials.yaml"
    credentials.write_text(
        yaml.safe_dump(
            {
                "organizations": [{"id": "acme"}],
                "principals": [
                    {"api": "vonage", "credential": APP, "organization": "acme", "public_key": public}
                ],
            }
        )
    )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIMEET_")}
    env.update(
        OMNIMEET_DATA_DIR=str(directory / "data"),
        OMNIMEET_AUTH_MODE="strict",
        OMNIMEET_CREDENTIALS_FILE=str(credentials),
    )
    log = (directory / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "omnimeet", "serve", "--tls", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    ca = directory / "data" / "tls" / "ca.pem"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"omnimeet serve --tls exited: {(directory / 'server.log').read_text()}")
            if ca.exists():
                try:
                    health = httpx.get(
                        f"https://127.0.0.1:{port}/_omnimeet/health",
                        verify=ssl.create_default_context(cafile=ca),
                        timeout=2,
                    )
                    if health.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                pytest.fail(f"omnimeet serve --tls not healthy: {(directory / 'server.log').read_text()}")
            time.sleep(0.1)
        server = TlsServer(port, ca, private)
        yield server
        server.control.close()
    finally:
        # A connection some client still keeps alive would hold up a TLS server's graceful shutdown for
        # asyncio's 30 s SSL shutdown timeout: a few seconds, then the data directory is thrown away anyway.
        process.terminate()
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def server(tls_server: TlsServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[TlsServer]:
    """The live server, emptied, its clock frozen at 2026-12-01T09:00:00Z, trusted by ``requests``."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.ca))
    tls_server.post("/reset")
    tls_server.post("/clock", {"now": NOW_ISO, "freeze": True})
    yield tls_server
    tls_server.close_clients()


@pytest.fixture
def meetings(server: TlsServer) -> Any:
    return server.sdk()


def query(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


# --- rooms -----------------------------------------------------------------------------------------------


def test_create_get_and_update_rooms(meetings: Any) -> None:
    instant = meetings.create_room({"display_name": "Daily standup", "metadata": "team=core"})
    assert instant["display_name"] == "Daily standup"
    assert instant["metadata"] == "team=core"
    assert instant["type"] == "instant"
    assert instant["created_at"] == NOW_ISO
    assert instant["expires_at"] == "2026-12-01T09:10:00.000Z"
    assert instant["is_available"] is True
    assert len(instant["meeting_code"]) == 9
    assert instant["meeting_code"].isdigit()
    assert instant["_links"]["guest_url"]["href"].endswith(instant["meeting_code"])
    assert meetings.get_room(instant["id"]) == instant

    long_term = meetings.create_room(
        {
            "display_name": "Board room",
            "type": "long_term",
            "expires_at": NEXT_MONTH,
            "recording_options": {"auto_record": True, "record_only_owner": False},
            "join_approval_level": "after_owner_only",
            "callback_urls": {"rooms_callback_url": "https://example.com/rooms"},
        }
    )
    assert long_term["type"] == "long_term"
    assert long_term["expires_at"] == NEXT_MONTH
    assert long_term["recording_options"] == {"auto_record": True, "record_only_owner": False}
    assert long_term["join_approval_level"] == "after_owner_only"
    assert long_term["callback_urls"]["rooms_callback_url"] == "https://example.com/rooms"

    updated = meetings.update_room(
        long_term["id"],
        {
            "update_details": {
                "expire_after_use": True,
                "join_approval_level": "explicit_approval",
                "available_features": {"is_chat_available": False},
            }
        },
    )
    assert updated["id"] == long_term["id"]
    assert updated["expire_after_use"] is True
    assert updated["join_approval_level"] == "explicit_approval"
    assert updated["available_features"]["is_chat_available"] is False
    assert updated["available_features"]["is_recording_available"] is True
    assert meetings.get_room(long_term["id"]) == updated

    with pytest.raises(ClientError) as caught:
        meetings.update_room(instant["id"], {"update_details": {"expire_after_use": True}})
    assert str(caught.value) == (
        "Status Code 400: BadRequestError: The room with id: "
        f"{instant['id']} could not be updated because of its type: temporary"
    )
    with pytest.raises(ClientError) as caught:
        meetings.update_room(long_term["id"], {"update_details": {}})
    assert str(caught.value) == (
        'Status Code 400: InputValidationError: "update_details" must have at least 1 key'
    )


def test_list_rooms_pages_through_start_id_and_end_id(server: TlsServer, meetings: Any) -> None:
    created = [meetings.create_room({"display_name": f"room {n}"})["id"] for n in range(5)]

    # As the real service, every page with rooms links a next page (the fixtures' pages of 5 of 20 do), so
    # a client following "next" ends on an empty page without one.
    pages = [meetings.list_rooms(page_size=2)]
    while "next" in pages[-1]["_links"]:
        href = pages[-1]["_links"]["next"]["href"]
        assert href.startswith(f"https://127.0.0.1:{server.port}/vonage/v1/meetings/rooms?"), href
        pages.append(meetings.list_rooms(page_size=2, start_id=query(href)["start_id"]))
        assert len(pages) <= 5, pages
    assert [[room["id"] for room in page["_embedded"]] for page in pages] == [
        created[:2],
        created[2:4],
        created[4:],
        [],
    ]
    assert all(page["page_size"] == 2 and page["total_items"] == 5 for page in pages)

    # The third page's "prev" link goes back with end_id, to the two rooms before it.
    prev = query(pages[2]["_links"]["prev"]["href"])
    back = meetings.list_rooms(page_size=2, end_id=prev["end_id"])
    assert [room["id"] for room in back["_embedded"]] == created[2:4]

    assert meetings.list_rooms()["page_size"] == 20
    assert [room["id"] for room in meetings.list_rooms()["_embedded"]] == created


def test_unknown_room_and_bad_credentials(server: TlsServer, meetings: Any) -> None:
    with pytest.raises(ClientError) as caught:
        meetings.get_room(UNKNOWN)
    assert str(caught.value).startswith("Status Code 404: NotFoundError: ")

    # Another key than the one registered for the application; an application nobody registered.
    stranger_key, _ = rsa_key_pair()
    with pytest.raises(AuthenticationError, match=r"^Authentication failed\.$"):
        server.sdk(private_key=stranger_key).list_rooms()
    with pytest.raises(AuthenticationError, match=r"^Authentication failed\.$"):
        server.sdk(application_id=OTHER_APP).create_room({"display_name": "nope"})


# --- themes, the application, logos ------------------------------------------------------------------------


def test_themes_crud_rooms_of_a_theme_and_the_application_default(meetings: Any) -> None:
    assert meetings.list_themes() == []

    theme = meetings.create_theme(
        {"theme_name": "Acme", "main_color": "#12f5e3", "brand_text": "Acme Ltd", "short_company_url": "acme"}
    )
    assert theme["theme_name"] == "Acme"
    assert theme["main_color"] == "#12f5e3"
    assert theme["brand_text"] == "Acme Ltd"
    assert theme["short_company_url"] == "acme"
    assert theme["application_id"] == APP
    assert theme["brand_image_white"] is None
    assert meetings.get_theme(theme["theme_id"]) == theme
    assert meetings.list_themes() == [theme]

    updated = meetings.update_theme(theme["theme_id"], {"update_details": {"brand_text": "Acme Corp"}})
    assert updated["brand_text"] == "Acme Corp"
    assert updated["theme_name"] == "Acme"

    with pytest.raises(ClientError) as caught:
        meetings.create_theme({"theme_name": "Acme", "main_color": "#000000", "brand_text": "Copy"})
    assert str(caught.value) == "Status Code 409: ConflictError: theme_name already exists in application"

    # Only long_term rooms can be changed, a theme included.
    room = meetings.create_room({"display_name": "Branded", "type": "long_term", "expires_at": NEXT_MONTH})
    assert room["theme_id"] is None
    themed = meetings.add_theme_to_room(room["id"], theme["theme_id"])
    assert themed["theme_id"] == theme["theme_id"]
    other = meetings.create_room({"display_name": "Plain"})

    rooms = meetings.list_rooms_with_theme_id(theme["theme_id"])
    assert [r["id"] for r in rooms["_embedded"]] == [room["id"]]
    assert rooms["total_items"] == 1

    answer = meetings.update_application_theme(theme["theme_id"])
    assert answer["application_id"] == APP
    assert answer["default_theme_id"] == theme["theme_id"]
    defaulted = meetings.create_room({"display_name": "Gets the default"})
    assert defaulted["theme_id"] == theme["theme_id"]
    assert meetings.get_room(other["id"])["theme_id"] is None

    # The theme's rooms a page of one at a time, following the next links.
    pages = [meetings.list_rooms_with_theme_id(theme["theme_id"], page_size=1)]
    while "next" in pages[-1]["_links"]:
        start_id = query(pages[-1]["_links"]["next"]["href"])["start_id"]
        pages.append(meetings.list_rooms_with_theme_id(theme["theme_id"], page_size=1, start_id=start_id))
        assert len(pages) <= 4, pages
    assert [[r["id"] for r in page["_embedded"]] for page in pages] == [[room["id"]], [defaulted["id"]], []]
    assert all(page["page_size"] == 1 and page["total_items"] == 2 for page in pages)

    with pytest.raises(ClientError) as caught:
        meetings.delete_theme(theme["theme_id"])
    message = str(caught.value)
    assert message.startswith("Status Code 400: BadRequestError: could not delete theme\nError: ")
    assert f"Theme {theme['theme_id']} is used by" in message

    assert meetings.delete_theme(theme["theme_id"], force=True) is None
    with pytest.raises(ClientError) as caught:
        meetings.get_theme(theme["theme_id"])
    assert str(caught.value) == f"Status Code 404: NotFoundError: could not find theme {theme['theme_id']}"
    assert meetings.get_room(room["id"])["theme_id"] is None
    assert meetings.list_themes() == []

    spare = meetings.create_theme({"main_color": "#000000", "brand_text": "Spare"})
    assert meetings.delete_theme(spare["theme_id"]) is None  # force=False, not in use

    missing = UNKNOWN
    with pytest.raises(ClientError) as caught:
        meetings.list_rooms_with_theme_id(missing)
    assert str(caught.value) == (
        f"Status Code 404: NotFoundError: Failed to get rooms because theme id {missing} not found"
    )
    with pytest.raises(ClientError) as caught:
        meetings.update_application_theme(missing)
    assert str(caught.value) == (
        f"Status Code 400: BadRequestError: Failed to update application because theme id {missing} not found"
    )


def test_logo_upload_flow(server: TlsServer, meetings: Any, tmp_path: Path) -> None:
    theme = meetings.create_theme({"theme_name": "Logos", "main_color": "#ff0000", "brand_text": "Logos"})
    white = tmp_path / "white.png"
    white.write_bytes(png(300, 60))
    favicon = tmp_path / "favicon.png"
    favicon.write_bytes(png(32, 32))

    assert meetings.upload_logo_to_theme(theme["theme_id"], str(white), "white") == (
        f"Logo upload to theme: {theme['theme_id']} was successful."
    )
    assert meetings.upload_logo_to_theme(theme["theme_id"], str(favicon), "favicon") == (
        f"Logo upload to theme: {theme['theme_id']} was successful."
    )
    found = meetings.get_theme(theme["theme_id"])
    assert found["brand_image_white"]
    assert found["branded_favicon"]
    assert found["brand_image_colored"] is None
    assert found["brand_image_white_url"].startswith("https://")
    assert found["branded_favicon_url"].startswith("https://")
    logo = httpx.get(found["brand_image_white_url"], verify=server.trust)
    assert logo.status_code == 200
    assert logo.content == white.read_bytes()

    # The steps one by one: the three presigned entries, and finalizing a key nobody uploaded.
    entries = meetings._client.get(meetings._meetings_api_host, "/themes/logos-upload-urls", auth_type="jwt")
    assert sorted(entry["fields"]["logoType"] for entry in entries) == ["colored", "favicon", "white"]
    unused = next(e for e in entries if e["fields"]["logoType"] == "colored")["fields"]["key"]
    with pytest.raises(ClientError) as caught:
        meetings._add_logo_to_theme(theme["theme_id"], unused)
    assert str(caught.value) == (
        "Status Code 400: BadRequestError: could not finalize logos\n"
        f"Error: {{'logoKey': '{unused}', 'code': 'key_not_found'}}"
    )

    # A favicon that is not square uploads (the bucket takes any file) but is refused when finalized.
    wide = tmp_path / "wide.png"
    wide.write_bytes(png(32, 16))
    with pytest.raises(ClientError) as caught:
        meetings.upload_logo_to_theme(theme["theme_id"], str(wide), "favicon")
    assert str(caught.value).startswith("Status Code 400: BadRequestError: could not finalize logos\nError: ")
    assert "'code': 'invalid_logo_properties', 'invalidProperty': 'dimensions'" in str(caught.value)
    assert meetings.get_theme(theme["theme_id"]) == found


# --- recordings, sessions, dial-in -------------------------------------------------------------------------


def test_recordings_of_a_session(server: TlsServer, meetings: Any) -> None:
    room = meetings.create_room({"display_name": "Recorded"})
    vendor = "/vendors/vonage"
    server.post(f"{vendor}/rooms/{room['id']}/participants", {"name": "Alice", "role": "host"})
    started = server.post(f"{vendor}/rooms/{room['id']}/recordings")
    recording_id = started["id"]

    recording = meetings.get_recording(recording_id)
    assert recording["id"] == recording_id
    assert recording["status"] == "started"
    assert recording["session_id"].startswith("1_MX")
    session_id = recording["session_id"]

    with pytest.raises(ClientError) as caught:
        meetings.delete_recording(recording_id)
    assert str(caught.value) == (
        "Status Code 403: ForbiddenError: Can only delete recordings in 'uploaded' status"
    )

    server.post("/clock", {"advance_seconds": 90})
    server.post(f"{vendor}/recordings/{recording_id}/stop")
    for _ in range(3):
        if meetings.get_recording(recording_id)["status"] == "uploaded":
            break
        server.post(f"{vendor}/recordings/{recording_id}/advance", {})
    uploaded = meetings.get_recording(recording_id)
    assert uploaded["status"] == "uploaded"
    assert uploaded["started_at"] == NOW_ISO
    assert uploaded["ended_at"] == "2026-12-01T09:01:30.000Z"
    download = httpx.get(uploaded["_links"]["url"]["href"], verify=server.trust)
    assert download.status_code == 200
    assert download.content

    listed = meetings.get_session_recordings(session_id)
    assert listed["_embedded"]["recordings"] == [uploaded]

    assert meetings.delete_recording(recording_id) is None
    with pytest.raises(ClientError) as caught:
        meetings.get_recording(recording_id)
    assert str(caught.value) == f"Status Code 404: NotFoundError: Recording {recording_id} was not found"
    with pytest.raises(ClientError) as caught:
        meetings.delete_recording(recording_id)
    assert str(caught.value) == "Status Code 404: NotFoundError: Could not find recording"
    unknown = "1_MX4wMDAwfn5-bm90aGluZ35-"
    with pytest.raises(ClientError) as caught:
        meetings.get_session_recordings(unknown)
    assert str(caught.value) == (
        f"Status Code 404: NotFoundError: Failed to find session recordings by id: {unknown}"
    )


def test_dial_in_numbers(meetings: Any) -> None:
    numbers = meetings.list_dial_in_numbers()
    assert isinstance(numbers, list)
    assert numbers
    for number in numbers:
        assert set(number) == {"number", "locale", "display_name"}
