"""The auth walk of test_auth_walk.py: every operation of openapi/{telemost,openvidu-meet,vonage,sourcefuse,
omnimeet}.yaml, the requests built from the documents, and tenant A's things (made through the APIs and the
control plane) for the walk to aim at.

OpenTalk has its own, deeper walk (tests/vendors/opentalk/test_auth_walk.py): its identities are users of a
deployment rather than tenants of a key, and it is not repeated here.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for

ROOT = "http://omnimeet.test"
CONTROL = f"{ROOT}/_omnimeet"
OPENAPI = Path(__file__).resolve().parents[2] / "openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NOW = 1_796_115_600_000
"""2026-12-01T09:00:00Z: the virtual clock is frozen there for the walk."""
CONTROL_TOKEN = "control-token-of-the-walk"

SPECS = {
    "telemost": "telemost",
    "openvidu-meet": "openvidu-meet",
    "vonage": "vonage",
    "sourcefuse": "sourcefuse",
    "control": "omnimeet",
}
"""Walked vendor -> its document (``openapi/<name>.yaml``)."""


@dataclass(frozen=True)
class Operation:
    vendor: str
    method: str
    path: str
    """The document's path template (without the server prefix)."""
    operation: dict[str, Any] = field(compare=False, hash=False)

    @property
    def key(self) -> str:
        return f"{self.vendor} {self.method} {self.path}"

    @property
    def secured(self) -> bool:
        """Needs a credential: a non-empty requirement (the control API's ``[{}, token]`` is optional)."""
        requirements: list[dict[str, Any]] = self.operation.get("security") or []
        return bool(requirements) and all(requirements)


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((OPENAPI / f"{name}.yaml").read_text(encoding="utf-8"))
    return document


def operations() -> list[Operation]:
    found = []
    for vendor, name in SPECS.items():
        for path, item in load(name)["paths"].items():
            for method in METHODS:
                if method in item:
                    found.append(Operation(vendor, method.upper(), path, item[method]))
    return found


OPERATIONS = operations()
KEYS = [operation.key for operation in OPERATIONS]


def server_prefix(vendor: str) -> str:
    servers = load(SPECS[vendor]).get("servers", [])
    prefix: str = servers[0]["url"].rstrip("/")
    return prefix


PREFIXES = {vendor: server_prefix(vendor) for vendor in SPECS}


def url_of(operation: Operation, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"no value for {{{name}}} of {operation.key}: add it to the walk"
        return ids[name]

    return ROOT + PREFIXES[operation.vendor] + re.sub(r"\{([^}]+)\}", value, operation.path)


def required_query(operation: Operation, ids: dict[str, str]) -> dict[str, str]:
    query = {}
    for parameter in operation.operation.get("parameters", []):
        if parameter["in"] == "query" and parameter.get("required"):
            name = parameter["name"]
            assert name in ids, f"no value for the query parameter {name} of {operation.key}"
            query[name] = ids[name]
    return query


async def send(
    client: httpx.AsyncClient,
    operation: Operation,
    ids: dict[str, str],
    headers: dict[str, str],
    alias: tuple[str, str] | None = None,
) -> httpx.Response:
    """The operation, aimed at ``ids``, with its valid body (aimed at ``ids`` too) when it takes one;
    ``alias`` (documented prefix, served alias) sends it to the path's alias instead."""
    extra = OPTIONAL.get(operation.key, {})
    params = {**required_query(operation, ids), **extra.get("params", {})}
    kwargs: dict[str, Any] = {"params": params, "headers": {**extra.get("headers", {}), **headers}}
    if "requestBody" in operation.operation:
        bodies = valid_bodies(ids)
        assert operation.key in bodies, f"no valid body for {operation.key}: add one to the walk"
        body = bodies[operation.key]
        if isinstance(body, Multipart):
            kwargs["data"] = body.fields
            kwargs["files"] = {"file": ("logo.png", body.file, "image/png")}
        else:
            kwargs["json"] = body
    url = url_of(operation, ids)
    if alias is not None:
        url = url.replace(alias[0], alias[1], 1)
    return await client.request(operation.method, url, **kwargs)


OPTIONAL: dict[str, dict[str, dict[str, str]]] = {
    "vonage GET /v1/meetings/rooms": {"params": {"page_size": "100", "start_id": "0"}},
    "vonage GET /v1/meetings/themes/{theme_id}/rooms": {"params": {"page_size": "100", "start_id": "0"}},
    "vonage DELETE /v1/meetings/themes/{theme_id}": {"params": {"force": "true"}},
    "openvidu-meet GET /meet/api/v1/recordings/{recordingId}/stream": {"headers": {"Range": "bytes=0-99"}},
    "openvidu-meet GET /meet/api/v1/rooms": {"params": {"fields": "roomName,moderatorURL"}},
    "sourcefuse GET /session/{meetingLinkId}/attendees": {"params": {"active": "false"}},
}
"""Optional parameters the walk sends too, where they widen what the answer could show (a page from the
first row of the table, a forced delete, a byte range)."""


# --- credentials ----------------------------------------------------------------------------------------

TELEMOST_A = "walk-token-of-organisation-a"
MEET_A = "walk-api-key-of-tenant-a"
VONAGE_A = "0c7a5a1e-1b1f-4f7e-9b47-0000000a11ce"
SOURCEFUSE_A = "walk-tenant-a"
CONTROL_WORLD_TENANT = "the control walk's own"
"""The tenant of the Vonage things the control walk aims at (apart from the Vonage walk's A)."""


def vonage_jwt(application_id: str) -> str:
    claims = {"application_id": application_id, "iat": NOW // 1000, "jti": "walk", "exp": NOW // 1000 + 900}
    return jwt.encode(claims, "not-the-applications-key-just-some-hs256-secret", algorithm="HS256")


def sourcefuse_jwt(tenant: str) -> str:
    claims = {"iss": "sourcefuse", "id": "walk-user", "tenantId": tenant}
    return jwt.encode(claims, "omnimeet-sourcefuse-jwt-secret-for-hs256", algorithm="HS256")


def _other(tenant: str) -> str:
    return "b" + hashlib.sha256(tenant.encode()).hexdigest()[:16]


def credentials(vendor: str, tenant: str = "a", strict: bool = False) -> dict[str, str]:
    """The headers of tenant ``"a"``, or of another tenant named by any other text: in permissive mode each
    token, key, application or ``tenantId`` is its own tenant; in strict mode ``credentials_file()`` puts
    each in an organisation of its own. The control plane has no tenants: anyone but ``"a"`` holds a token
    that is not the configured one."""
    a = tenant == "a"
    other = _other(tenant)
    if vendor == "telemost":
        return {"Authorization": f"OAuth {TELEMOST_A if a else other}"}
    if vendor == "openvidu-meet":
        return {"X-API-KEY": MEET_A if a else other}
    if vendor == "vonage":
        application = VONAGE_A if a else other
        if strict:
            return {"Authorization": f"Bearer {vonage_signed(application, a)}"}
        return {"Authorization": f"Bearer {vonage_jwt(application)}"}
    if vendor == "sourcefuse":
        return {"Authorization": f"Bearer {sourcefuse_jwt(SOURCEFUSE_A if a else other)}"}
    assert vendor == "control"
    return {"Authorization": f"Bearer {CONTROL_TOKEN if a else other}"}


@functools.cache
def vonage_keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    """Application A's private key, and the one every other application of the strict walk shares."""
    return rsa.generate_private_key(65537, 2048), rsa.generate_private_key(65537, 2048)


def vonage_signed(application_id: str, a: bool) -> str:
    """As the SDKs sign it: RS256 with the application's key, for 15 minutes of real time."""
    now = int(time.time())
    claims = {"application_id": application_id, "iat": now, "jti": "walk", "exp": now + 900}
    return jwt.encode(claims, vonage_keys()[0 if a else 1], algorithm="RS256")


def _pem(key: rsa.RSAPrivateKey) -> str:
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()


def credentials_file(tenants: list[str]) -> str:
    """Strict mode's credentials: A, and each of ``tenants`` (B of a walk step), with a principal of every
    walked vendor in an organisation of its own."""
    organizations: list[dict[str, Any]] = []
    principals: list[dict[str, Any]] = []
    keys = vonage_keys()
    for tenant in ["a", CONTROL_WORLD_TENANT, *tenants]:
        organization = "alice" if tenant == "a" else _other(tenant)
        organizations.append({"id": organization, "name": f"Organisation {organization}"})
        for vendor in ("telemost", "openvidu-meet", "vonage", "sourcefuse"):
            header = credentials(vendor, tenant)
            if vendor == "vonage":
                credential = VONAGE_A if tenant == "a" else _other(tenant)
            elif vendor == "sourcefuse":
                credential = SOURCEFUSE_A if tenant == "a" else _other(tenant)
            else:
                credential = next(iter(header.values())).removeprefix("OAuth ")
            entry: dict[str, Any] = {"api": vendor, "credential": credential, "organization": organization}
            if vendor == "vonage":
                entry["public_key"] = _pem(keys[0 if tenant == "a" else 1])
            principals.append(entry)
    text: str = yaml.safe_dump({"organizations": organizations, "principals": principals}, sort_keys=False)
    return text


# --- tenant A's things ------------------------------------------------------------------------------------


@dataclass
class World:
    """Tenant A's things in one vendor (the control plane's walk uses Vonage's)."""

    ids: dict[str, str]
    """Path (and required query) values naming A's things."""
    secrets: list[str]
    """Texts only A's things contain (ids, names, titles, links, secrets)."""
    reads: list[str]
    """What A reads back (with A's credential) to see that nothing changed."""
    vendor: str = "control"
    tenant: str = "a"

    async def snapshot(self, app: PrefixDispatcher) -> list[Any]:
        seen: list[Any] = []
        async with as_tenant(app, self.vendor, self.tenant) as client:
            for path in self.reads:
                response = await client.get(path)
                seen.append((path, response.status_code, response.json()))
        return seen


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.method, response.request.url, response.text)
    return response.json() if response.content else None


def as_tenant(app: PrefixDispatcher, vendor: str, tenant: str = "a") -> httpx.AsyncClient:
    """A plain client (nothing checked against a document) with the tenant's credential."""
    client = client_for(app)
    client.headers.update(credentials(vendor, tenant, strict=app.state.ctx.credentials is not None))
    return client


def prepare(app: PrefixDispatcher) -> None:
    """Freezes the app's virtual clock at ``NOW`` (the bodies' dates are relative to it)."""
    clock = app.state.ctx.clock
    clock.freeze()
    clock.set(NOW)


def control_client(app: PrefixDispatcher) -> httpx.AsyncClient:
    return as_tenant(app, "control")


async def telemost_world(app: PrefixDispatcher) -> World:
    base = "/telemost/v1/telemost-api"
    body = {
        "access_level": "ORGANIZATION",
        "live_stream": {"title": "Alice all hands", "description": "A plan"},
    }
    async with as_tenant(app, "telemost") as alice:
        conference = ok(await alice.post(f"{base}/conferences", json=body), 201)
    secrets = [conference["id"], conference["join_url"], conference["live_stream"]["watch_url"]]
    return World(
        {"id": conference["id"]},
        [*secrets, "Alice all hands", "A plan"],
        [f"{base}/conferences/{conference['id']}"],
        "telemost",
    )


async def meet_world(app: PrefixDispatcher) -> World:
    """A room with alice in it and a recording running."""
    base = "/openvidu/meet/api/v1"
    async with as_tenant(app, "openvidu-meet") as alice, client_for(app) as anyone:
        body = {"roomNamePrefix": "Alice board", "expirationDate": NOW + 3_600_000}
        room = ok(await alice.post(f"{base}/rooms", json=body))
        name = room["roomName"]
        room_secrets = [room[key].rsplit("=", 1)[1] for key in ("moderatorURL", "publisherURL", "viewerURL")]
        joining = {"roomName": name, "participantName": "alice", "secret": room_secrets[1]}
        participant = ok(await anyone.post(f"{base}/participants/token", json=joining))
        recording = ok(await alice.post(f"{base}/recordings", json={"roomName": name}))
    return World(
        {"roomName": name, "participantName": "alice", "recordingId": recording["id"]},
        [name, recording["id"], participant["token"], "Alice board", *room_secrets],
        [
            f"{base}/rooms",
            f"{base}/rooms/{name}",
            f"{base}/recordings",
            f"{base}/recordings/{recording['id']}",
        ],
        "openvidu-meet",
    )


async def vonage_world(app: PrefixDispatcher, theme_name: str = "Alice brand", tenant: str = "a") -> World:
    """A theme, a long-term room with it, a session with Alice in it and a stopped recording (of tenant A,
    or of the application ``credentials("vonage", tenant)`` names)."""
    base = "/vonage/v1/meetings"
    simulate = f"{CONTROL}/vendors/vonage"
    theme_body = {
        "theme_name": theme_name,
        "main_color": "#12f64e",
        "brand_text": "Alice Corp",
        "short_company_url": theme_name.lower().replace(" ", "-"),
    }
    async with as_tenant(app, "vonage", tenant) as alice, control_client(app) as control:
        theme = ok(await alice.post(f"{base}/themes", json=theme_body), 201)
        room_body = {
            "display_name": "Alice vonage room",
            "type": "long_term",
            "expires_at": "2027-01-30T00:47:04.000Z",
            "theme_id": theme["theme_id"],
            "metadata": "alice-metadata",
        }
        room = ok(await alice.post(f"{base}/rooms", json=room_body), 201)
        session = ok(await control.post(f"{simulate}/rooms/{room['id']}/session"), 201)
        joining = {"name": "Alice Adams"}
        ok(await control.post(f"{simulate}/rooms/{room['id']}/participants", json=joining), 201)
        recording = ok(await control.post(f"{simulate}/rooms/{room['id']}/recordings"), 201)
        ok(await control.post(f"{simulate}/recordings/{recording['id']}/stop"))
        href = ok(await alice.get(f"{base}/recordings/{recording['id']}"))["_links"]["url"]["href"]
    session_id = session["id"]
    account = href.split("/recordings/", 1)[1].split("/", 1)[0]
    ids = {
        "room_id": room["id"],
        "theme_id": theme["theme_id"],
        "recording_id": recording["id"],
        "session_id": session_id,
        "account": account,
        "logo_type": "white",
        "name": "alice-logo.png",
    }
    secrets = [room["id"], theme["theme_id"], recording["id"], session_id, room["meeting_code"]]
    secrets += [*theme_body.values(), "Alice vonage room", "alice-metadata", "Alice Adams"]
    secrets.remove("#12f64e")
    reads = [
        f"{base}/rooms",
        f"{base}/rooms/{room['id']}",
        f"{base}/themes",
        f"{base}/themes/{theme['theme_id']}",
        f"{base}/themes/{theme['theme_id']}/rooms",
        f"{base}/recordings/{recording['id']}",
        f"{base}/sessions/{session_id}",
        f"{base}/sessions/{session_id}/recordings",
    ]
    return World(ids, secrets, reads, "vonage", tenant)


async def sourcefuse_world(app: PrefixDispatcher) -> World:
    """A meeting with archiving on and alice in it (so its archive runs)."""
    async with as_tenant(app, "sourcefuse") as alice, client_for(app) as vonage_video:
        meeting = ok(
            await alice.post("/sourcefuse/session", json={"isScheduled": False, "enableArchiving": True})
        )
        link = meeting["code"]
        token = ok(await alice.post(f"/sourcefuse/session/{link}/token", json={}))
        hook = {
            "sessionId": token["sessionId"],
            "projectId": "47000001",
            "event": "connectionCreated",
            "timestamp": NOW,
            "connection": {"id": "conn-alice", "createdAt": NOW, "data": "alice"},
        }
        ok(await vonage_video.post("/sourcefuse/webhooks/session", json=hook), 204)
        archive_id = ok(await alice.get("/sourcefuse/archives"))["items"][0]["metaData"]["id"]
    return World(
        {"meetingLinkId": link, "archiveId": archive_id},
        [link, archive_id, token["sessionId"], token["token"]],
        [
            "/sourcefuse/archives",
            f"/sourcefuse/archives/{archive_id}",
            f"/sourcefuse/session/{link}/attendees",
        ],
        "sourcefuse",
    )


async def control_world(app: PrefixDispatcher) -> World:
    """Vonage's things, and the control plane's own: a fault, a webhook endpoint with a delivery, a
    principal, the journal."""
    vonage = await vonage_world(app, "Alice control brand", CONTROL_WORLD_TENANT)
    async with control_client(app) as control:
        endpoint_body = {
            "vendor": "vonage",
            "url": "http://127.0.0.1:9/alice-hooks",
            "secret": "alice-hook-secret",
        }
        endpoint = ok(await control.post(f"{CONTROL}/webhooks/endpoints", json=endpoint_body), 201)
        fault_body = {"vendor": "telemost", "method": "GET", "path": "/alice-fault", "status": 503}
        fault = ok(await control.post(f"{CONTROL}/faults", json=fault_body), 201)
        principal_body = {"vendor": "telemost", "credential": "alice-extra-token"}
        principal = ok(await control.post(f"{CONTROL}/principals", json=principal_body), 201)
        simulate = f"{CONTROL}/vendors/vonage/rooms/{vonage.ids['room_id']}"
        joined = ok(await control.post(f"{simulate}/participants", json={"name": "Alice Again"}), 201)
        deliveries = ok(await control.get(f"{CONTROL}/webhooks"))
        entry = ok(await control.get(f"{CONTROL}/requests"))["requests"][0]["id"]
    assert deliveries["deliveries"], deliveries
    ids = {
        "vendor": "vonage",
        "machine": "recording",
        "room_id": vonage.ids["room_id"],
        "participant_id": joined["id"],
        "recording_id": vonage.ids["recording_id"],
        "entry_id": str(entry),
        "fault_id": str(fault["id"]),
        "endpoint_id": str(endpoint["id"]),
        "delivery_id": str(deliveries["deliveries"][0]["id"]),
        "principal_id": str(principal["id"]),
    }
    secrets = [*vonage.secrets, "alice-extra-token", "alice-hooks", "alice-hook-secret", "alice-fault"]
    reads = [
        # Not /state, /webhooks or /requests: the vendor walks' tenants B add to those meanwhile.
        f"{CONTROL}/clock",
        f"{CONTROL}/progression",
        f"{CONTROL}/faults",
        f"{CONTROL}/webhooks/endpoints",
        f"{CONTROL}/webhooks/{ids['delivery_id']}",
        f"{CONTROL}/principals/{ids['principal_id']}",
        f"{CONTROL}/requests/{ids['entry_id']}",
        f"{CONTROL}/vendors/vonage/rooms/{ids['room_id']}",
        f"{CONTROL}/vendors/vonage/recordings/{ids['recording_id']}",
    ]
    return World(ids, secrets, reads, "control")


WORLDS: dict[str, Callable[[PrefixDispatcher], Awaitable[World]]] = {
    "telemost": telemost_world,
    "openvidu-meet": meet_world,
    "vonage": vonage_world,
    "sourcefuse": sourcefuse_world,
    "control": control_world,
}


def unknown_ids(world: World) -> dict[str, str]:
    """Well-formed values of the same kinds that name nothing (the question about them must get the same
    answer as about A's, or the answer tells A's things apart)."""
    fresh = {
        "id": "".join(str(uuid.uuid4().int)[:14]).rjust(14, "1"),
        "roomName": f"Nobody-{uuid.uuid4().hex[:15]}",
        "participantName": "nobody",
        "recordingId": f"EG_{uuid.uuid4().hex[:12]}" if world.vendor == "openvidu-meet" else "",
        "room_id": str(uuid.uuid4()),
        "theme_id": str(uuid.uuid4()),
        "recording_id": str(uuid.uuid4()),
        "session_id": f"1_MX4{uuid.uuid4().hex}-fn4",
        "meetingLinkId": uuid.uuid4().hex[:10],
        "archiveId": str(uuid.uuid4()),
    }
    return {name: fresh.get(name) or value for name, value in world.ids.items()}


# --- the bodies -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Multipart:
    fields: dict[str, str]
    file: bytes


def valid_bodies(ids: dict[str, str]) -> dict[str, Any]:
    """A valid body for every operation that takes one, aimed at ``ids`` where it names a thing."""
    return {
        "telemost POST /v1/telemost-api/conferences": {"access_level": "PUBLIC"},
        "telemost PATCH /v1/telemost-api/conferences/{id}": {"live_stream": {"title": "Hijacked"}},
        "openvidu-meet POST /meet/api/v1/rooms": {"roomNamePrefix": "Bob", "expirationDate": NOW + 3_600_000},
        "openvidu-meet PUT /meet/api/v1/rooms/{roomName}": {"chatPreferences": {"enabled": False}},
        "openvidu-meet POST /meet/api/v1/participants/token": {
            "roomName": ids.get("roomName"),
            "participantName": "mallory",
            "secret": "0000000000",
        },
        "openvidu-meet POST /meet/api/v1/recordings": {"roomName": ids.get("roomName")},
        "openvidu-meet DELETE /meet/api/v1/recordings": {"recordingIds": [ids.get("recordingId")]},
        "vonage POST /v1/meetings/rooms": {"display_name": "Bob room"},
        "vonage PATCH /v1/meetings/rooms/{room_id}": {"update_details": {"expire_after_use": True}},
        "vonage PUT /v1/meetings/themes/{theme_id}/finalizeLogos": {
            "keys": ["auto-expiring-temp/logos/white/0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b"]
        },
        "vonage POST /v1/meetings/themes": {
            "theme_name": "Bob brand",
            "main_color": "#000000",
            "brand_text": "Bob",
        },
        "vonage PATCH /v1/meetings/themes/{theme_id}": {"update_details": {"brand_text": "Hijacked"}},
        "vonage POST /_s3/logos": Multipart(
            {
                "key": "auto-expiring-temp/logos/white/0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b",
                "Content-Type": "image/png",
            },
            b"\x89PNG\r\n\x1a\n",
        ),
        "vonage PATCH /v1/meetings/applications": {
            "update_details": {"default_theme_id": ids.get("theme_id")}
        },
        "sourcefuse POST /session": {"isScheduled": False},
        "sourcefuse PATCH /session/{meetingLinkId}": {"enableArchiving": False},
        "sourcefuse POST /session/{meetingLinkId}/token": {},
        "sourcefuse POST /webhooks/session": {},
        "sourcefuse PUT /archives/storage-target": {"name": "AWSS3", "bucket": "mallory-bucket"},
        "control POST /reset": {"tenant": "vonage"},
        "control POST /state": {"format": "omnimeet-state", "version": 1, "schema": "0", "tables": {}},
        "control POST /clock": {"advance_seconds": 60},
        "control PUT /progression/{vendor}/{machine}": {"mode": "manual"},
        "control POST /vendors/{vendor}/rooms/{room_id}/participants": {"name": "Mallory"},
        "control POST /vendors/{vendor}/recordings/{recording_id}/advance": {},
        "control POST /vendors/{vendor}/rooms/{room_id}/assets": {
            "filename": "x.pdf",
            "content_base64": "JVBERi0x",
        },
        "control POST /faults": {"vendor": "telemost", "method": "GET", "path": "/x", "status": 500},
        "control POST /webhooks/endpoints": {"vendor": "vonage", "url": "http://127.0.0.1:9/mallory"},
        "control POST /principals": {"vendor": "telemost", "credential": "mallory-token"},
    }


# --- what each answer must be -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Xml:
    """An S3-style XML error: its ``Code`` and ``Message`` (request and host ids vary)."""

    code: str
    message: str


Body = Any
"""An exact JSON body, a function of the ids giving it, an ``Xml`` error, ``EMPTY`` or ``ANY``."""
EMPTY = b""
ANY = object()
"""Only the status is fixed (tenant B's own new things): the leak check still applies."""


@dataclass(frozen=True)
class Expect:
    status: int
    body: Body
    content_type: str | None = "application/json"
    why: str = ""


def answer_of(expect: Expect, ids: dict[str, str]) -> Any:
    return expect.body(ids) if callable(expect.body) and not isinstance(expect.body, Xml) else expect.body


def assert_answer(response: httpx.Response, expect: Expect, ids: dict[str, str]) -> None:
    what = (
        f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:500]}"
    )
    assert response.status_code == expect.status, what
    if expect.content_type is not None:
        assert response.headers.get("content-type") == expect.content_type, what
    body = answer_of(expect, ids)
    if body is ANY:
        return
    if body is EMPTY:
        assert response.content == b"", what
    elif isinstance(body, Xml):
        text = re.sub(r"<(RequestId|HostId)>[^<]*</\1>", "", response.text)
        assert (
            re.fullmatch(
                rf'<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Error><Code>{re.escape(body.code)}</Code>'
                rf"<Message>{re.escape(body.message)}</Message>.*</Error>\s*",
                text,
                re.DOTALL,
            )
            is not None
        ), what
    else:
        assert response.json() == body, what


def telemost_error(error: str, message: str, description: str) -> dict[str, str]:
    return {"error": error, "message": message, "description": description}


def vonage_error(status: int, name: str, message: str) -> dict[str, Any]:
    return {"message": message, "name": name, "status": status}


def loopback(status: int, name: str, message: str) -> dict[str, Any]:
    return {"error": {"statusCode": status, "name": name, "message": message}}


UNAUTHENTICATED: dict[str, Expect] = {
    "telemost": Expect(
        401, telemost_error("UnauthorizedError", "Не авторизован.", "Authorization header is missing.")
    ),
    "openvidu-meet": Expect(401, {"message": "Unauthorized"}),
    "vonage": Expect(401, {"title": "Unauthorized", "detail": "You did not provide correct credentials"}),
    "sourcefuse": Expect(401, loopback(401, "UnauthorizedError", 'Bearer realm="Users"')),
    "control": Expect(
        401, {"error": "unauthorized", "message": "The control API needs 'Authorization: Bearer <token>'."}
    ),
}
"""Per vendor: the answer to any secured operation called without a credential."""

UNKNOWN_CREDENTIAL: dict[str, Expect] = {
    "telemost": Expect(
        401, telemost_error("UnauthorizedError", "Не авторизован.", "OAuth token is not valid.")
    ),
    "openvidu-meet": Expect(401, {"message": "Invalid API key"}),
    "vonage": UNAUTHENTICATED["vonage"],
    "sourcefuse": Expect(401, loopback(401, "UnauthorizedError", "TokenExpired")),
    "control": UNAUTHENTICATED["control"],
}
"""Per vendor, strict mode: the answer to a well-formed credential that the credentials file lacks."""

MALFORMED: dict[str, tuple[dict[str, str], Expect]] = {
    "telemost": (
        {"Authorization": "OAuth"},
        Expect(
            401,
            telemost_error(
                "UnauthorizedError", "Не авторизован.", "Authorization header must be 'OAuth <token>'."
            ),
        ),
    ),
    "openvidu-meet": ({"X-API-KEY": ""}, UNAUTHENTICATED["openvidu-meet"]),
    "vonage": ({"Authorization": "Bearer not-a-jwt"}, UNAUTHENTICATED["vonage"]),
    "sourcefuse": ({"Authorization": "Bearer not-a-jwt"}, UNKNOWN_CREDENTIAL["sourcefuse"]),
    "control": ({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, UNAUTHENTICATED["control"]),
}
"""Per vendor, either mode: a credential no mode accepts (an empty token, key or JWT), and the answer."""

CONTROL_REFUSED = UNAUTHENTICATED["control"]
"""A wrong control token is refused like none (the control plane has no tenants: the other credential is a
token that is not the configured one)."""

OPEN: dict[str, Expect] = {
    "openvidu-meet POST /meet/api/v1/participants/token": Expect(
        406,
        lambda ids: {
            "name": "Participant Error",
            "message": f"Unauthorized generating token with received credentials in room '{ids['roomName']}'",
        },
        why="joins with the room's role secret, not the API key: a wrong secret for A's room is refused",
    ),
    "vonage POST /_s3/logos": Expect(
        403,
        Xml("AccessDenied", "Access Denied"),
        "application/xml",
        why="the S3 bucket's browser POST: its credential is the signed policy, absent here",
    ),
    "vonage GET /_s3/logos/logos/{logo_type}/{name}": Expect(
        404,
        Xml("NoSuchKey", "The specified key does not exist."),
        "application/xml",
        why="the public-read logo bucket (theme logos are public images, as on Vonage's S3)",
    ),
    "vonage GET /recordings/{account}/{recording_id}/archive.mp4": Expect(
        403,
        Xml(
            "AccessDenied",
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
        ),
        "application/xml",
        why="a presigned S3 URL: its signature is the credential, so A's recording without it is refused",
    ),
    "sourcefuse POST /webhooks/session": Expect(
        204,
        EMPTY,
        None,
        why="Vonage Video's session callback, unauthenticated in the upstream service; answers nothing",
    ),
    "control GET /health": Expect(200, {"status": "ok"}, why="health is open even with a control token"),
}
"""Operations without a credential of their own (their own secret, or none): the answer to the walk's
request without one, which tenant B's credential does not change."""

TELEMOST_FORBIDDEN = Expect(
    403,
    telemost_error(
        "ConferenceAccessForbidden",
        "Нет доступа к этой видеовстрече.",
        "Conference belongs to another organization.",
    ),
)


def meet_room_missing(ids: dict[str, str]) -> dict[str, str]:
    return {"name": "Room Error", "message": f"The room '{ids['roomName']}' does not exist"}


def meet_recording_missing(ids: dict[str, str]) -> dict[str, str]:
    return {"name": "Recording Error", "message": f"Recording '{ids['recordingId']}' not found"}


def vonage_theme_missing(ids: dict[str, str]) -> dict[str, Any]:
    return vonage_error(404, "NotFoundError", f"could not find theme {ids['theme_id']}")


def vonage_session_missing(ids: dict[str, str]) -> dict[str, Any]:
    return vonage_error(404, "NotFoundError", f"Failed to find session recordings by id: {ids['session_id']}")


SOURCEFUSE_MEETING_MISSING = Expect(404, loopback(404, "NotFoundError", "Meeting Not Found"))
SOURCEFUSE_ARCHIVE_MISSING = Expect(404, loopback(404, "NotFoundError", "Archive Not Found"))

FOREIGN: dict[str, Expect] = {
    # Telemost: another organisation's conference is 403 ConferenceAccessForbidden (the vendor's answer).
    "telemost POST /v1/telemost-api/conferences": Expect(201, ANY, why="B's own new conference"),
    "telemost GET /v1/telemost-api/conferences/{id}": TELEMOST_FORBIDDEN,
    "telemost PATCH /v1/telemost-api/conferences/{id}": TELEMOST_FORBIDDEN,
    "telemost DELETE /v1/telemost-api/conferences/{id}": TELEMOST_FORBIDDEN,
    # OpenVidu Meet: another tenant's room or recording does not exist for the caller.
    "openvidu-meet GET /meet/api/v1/rooms": Expect(200, []),
    "openvidu-meet POST /meet/api/v1/rooms": Expect(200, ANY, why="B's own new room"),
    "openvidu-meet GET /meet/api/v1/rooms/{roomName}": Expect(404, meet_room_missing),
    "openvidu-meet PUT /meet/api/v1/rooms/{roomName}": Expect(404, meet_room_missing),
    "openvidu-meet DELETE /meet/api/v1/rooms/{roomName}": Expect(404, meet_room_missing),
    "openvidu-meet DELETE /meet/api/v1/participants/{participantName}": Expect(404, meet_room_missing),
    "openvidu-meet GET /meet/api/v1/recordings": Expect(200, []),
    "openvidu-meet POST /meet/api/v1/recordings": Expect(404, meet_room_missing),
    "openvidu-meet DELETE /meet/api/v1/recordings": Expect(
        204, EMPTY, None, why="unknown ids are skipped, as upstream: A's recording stays (the snapshot shows)"
    ),
    "openvidu-meet GET /meet/api/v1/recordings/{recordingId}": Expect(404, meet_recording_missing),
    "openvidu-meet PUT /meet/api/v1/recordings/{recordingId}": Expect(404, meet_recording_missing),
    "openvidu-meet DELETE /meet/api/v1/recordings/{recordingId}": Expect(404, meet_recording_missing),
    "openvidu-meet GET /meet/api/v1/recordings/{recordingId}/stream": Expect(404, meet_recording_missing),
    # Vonage: another application's things are 404 NotFoundError.
    "vonage GET /v1/meetings/rooms": Expect(
        200,
        {
            "page_size": 100,
            "_embedded": [],
            "_links": {
                "first": {"href": f"{ROOT}/vonage/v1/meetings/rooms?page_size=100"},
                "self": {"href": f"{ROOT}/vonage/v1/meetings/rooms?page_size=100&start_id=0"},
            },
            "total_items": 0,
        },
    ),
    "vonage POST /v1/meetings/rooms": Expect(201, ANY, why="B's own new room"),
    "vonage GET /v1/meetings/rooms/{room_id}": Expect(
        404, lambda ids: vonage_error(404, "NotFoundError", f"Room {ids['room_id']} was not found")
    ),
    "vonage PATCH /v1/meetings/rooms/{room_id}": Expect(
        404, lambda ids: vonage_error(404, "NotFoundError", f"Room {ids['room_id']} was not found")
    ),
    "vonage GET /v1/meetings/themes/{theme_id}/rooms": Expect(
        404,
        lambda ids: vonage_error(
            404, "NotFoundError", f"Failed to get rooms because theme id {ids['theme_id']} not found"
        ),
    ),
    "vonage GET /v1/meetings/themes/logos-upload-urls": Expect(200, ANY, why="B's own upload slots"),
    "vonage PUT /v1/meetings/themes/{theme_id}/finalizeLogos": Expect(404, vonage_theme_missing),
    "vonage GET /v1/meetings/themes": Expect(200, []),
    "vonage POST /v1/meetings/themes": Expect(201, ANY, why="B's own new theme"),
    "vonage GET /v1/meetings/themes/{theme_id}": Expect(404, vonage_theme_missing),
    "vonage PATCH /v1/meetings/themes/{theme_id}": Expect(404, vonage_theme_missing),
    "vonage DELETE /v1/meetings/themes/{theme_id}": Expect(404, vonage_theme_missing),
    "vonage PATCH /v1/meetings/applications": Expect(
        400,
        lambda ids: vonage_error(
            400,
            "BadRequestError",
            f"Failed to update application because theme id {ids['theme_id']} not found",
        ),
        why="B's own application, naming A's theme as its default: Vonage's 400 for an unknown theme",
    ),
    "vonage GET /v1/meetings/recordings/{recording_id}": Expect(
        404, lambda ids: vonage_error(404, "NotFoundError", f"Recording {ids['recording_id']} was not found")
    ),
    "vonage DELETE /v1/meetings/recordings/{recording_id}": Expect(
        404, vonage_error(404, "NotFoundError", "Could not find recording")
    ),
    "vonage GET /v1/meetings/sessions/{session_id}/recordings": Expect(404, vonage_session_missing),
    "vonage GET /v1/meetings/sessions/{session_id}": Expect(404, vonage_session_missing),
    "vonage GET /v1/meetings/dial-in-numbers": Expect(200, ANY, why="the same public numbers for everyone"),
    # SourceFuse: another tenant's meeting or archive is not found.
    "sourcefuse POST /session": Expect(200, ANY, why="B's own new meeting"),
    "sourcefuse PATCH /session/{meetingLinkId}": Expect(
        404, lambda ids: loopback(404, "NotFoundError", f"Meeting link {ids['meetingLinkId']} not found")
    ),
    "sourcefuse PATCH /session/{meetingLinkId}/end": SOURCEFUSE_MEETING_MISSING,
    "sourcefuse POST /session/{meetingLinkId}/token": Expect(
        400,
        loopback(400, "BadRequestError", "Session does not exist"),
        why="the service's answer for a link it does not know",
    ),
    "sourcefuse GET /session/{meetingLinkId}/attendees": SOURCEFUSE_MEETING_MISSING,
    "sourcefuse PUT /archives/storage-target": Expect(204, EMPTY, None, why="B's own upload target"),
    "sourcefuse GET /archives": Expect(200, {"count": 0, "items": []}),
    "sourcefuse GET /archives/{archiveId}": SOURCEFUSE_ARCHIVE_MISSING,
    "sourcefuse DELETE /archives/{archiveId}": SOURCEFUSE_ARCHIVE_MISSING,
}
"""Answers to tenant B's credential aimed at A's things (path ids and body references), for every secured
vendor operation; the control plane's are all ``CONTROL_REFUSED`` and the open ones are in ``OPEN``."""

TELLS_APART: dict[str, str] = {
    **{
        key: "Telemost answers ConferenceAccessForbidden for another organisation's conference and "
        "ConferenceNotFound for none (the vendor's documented behaviour)"
        for key in FOREIGN
        if key.startswith("telemost ") and "{id}" in key
    },
    "openvidu-meet POST /meet/api/v1/participants/token": "upstream answers 404 for an unknown room and 406 "
    "for a wrong secret; room names end in 15 random hex digits",
}
"""Operations whose answer about A's things may differ from the answer about things that do not exist."""

EXPECTED_COUNTS = {"telemost": 4, "openvidu-meet": 14, "vonage": 21, "sourcefuse": 10, "control": 37}
"""Operations per document: a new operation must be added to the tables above (and this count)."""


def expected_anonymous(operation: Operation) -> Expect:
    return OPEN.get(operation.key) or UNAUTHENTICATED[operation.vendor]


def expected_unknown(operation: Operation, strict: bool) -> Expect:
    if operation.key in OPEN:
        return OPEN[operation.key]
    return UNKNOWN_CREDENTIAL[operation.vendor] if strict else MALFORMED[operation.vendor][1]


def unknown_credential(operation: Operation, strict: bool) -> dict[str, str]:
    """Strict mode: a well-formed credential missing from the file; permissive mode: a malformed one."""
    if strict:
        return credentials(operation.vendor, f"not in the file: {operation.key}", strict=True)
    return MALFORMED[operation.vendor][0]


def expected_foreign(operation: Operation) -> Expect:
    if operation.key in OPEN:
        return OPEN[operation.key]
    if operation.vendor == "control":
        return CONTROL_REFUSED
    return FOREIGN[operation.key]


def names_things(operation: Operation) -> bool:
    """Aims at particular things: ids in the path or in the body."""
    body = valid_bodies({"roomName": "\x00", "recordingId": "\x00", "theme_id": "\x00"}).get(operation.key)
    return "{" in operation.path or "\x00" in repr(body)


def leaked(response: httpx.Response, secrets: list[str]) -> list[str]:
    """A's texts in the answer (body or headers) that the request did not carry itself (an echoed id is
    no leak)."""
    request = response.request
    content = request.read()
    sent = str(request.url) + content.decode("utf-8", "replace")
    text = response.content.decode("utf-8", "replace") + "\n".join(response.headers.values())
    return [secret for secret in secrets if secret in text and secret not in sent]
