"""SourceFuse auth: a bearer JWT with permissions, in permissive and strict mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.sourcefuse.conftest import MakeClient
from tests.vendors.sourcefuse.support import (
    ALL_PERMISSIONS,
    NOW,
    assert_answer,
    bearer,
    create_session,
    loopback,
)

pytestmark = pytest.mark.anyio

# Every secured operation: (method, path with {link}, JSON body, the permission it needs).
SECURED = [
    ("POST", "/session", {"isScheduled": False}, "CreateMeetingSession"),
    ("POST", "/session/{link}/token", {}, "GenerateMeetingToken"),
    ("PATCH", "/session/{link}", {}, "EditMeeting"),
    ("PATCH", "/session/{link}/end", None, "StopMeeting"),
    ("GET", "/session/{link}/attendees", None, "GetMeetingAttendees"),
    ("GET", "/archives", None, "GetMeetingArchives"),
    ("GET", "/archives/{link}", None, "GetMeetingArchives"),
    ("DELETE", "/archives/{link}", None, "DeleteMeetingArchive"),
    ("PUT", "/archives/storage-target", {"name": "AWSS3", "bucket": "b"}, "SetMeetingUploadTarget"),
]
NO_TOKEN = loopback(401, "UnauthorizedError", 'Bearer realm="Users"')
BAD_TOKEN = loopback(401, "UnauthorizedError", "TokenExpired")
FORBIDDEN = loopback(403, "ForbiddenError", "NotAllowedAccess")


def params(*more: str) -> list[str]:
    return ["method", "path", "body", "permission", *more]


@pytest.mark.parametrize(params(), SECURED)
@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer "], ids=["missing", "basic", "empty"])
async def test_missing_token(
    app: PrefixDispatcher,
    sf: httpx.AsyncClient,
    method: str,
    path: str,
    body: object,
    permission: str,
    header: str | None,
) -> None:
    link = await create_session(sf)
    headers = {"Authorization": header} if header is not None else {"Authorization": ""}
    response = await sf.request(method, path.format(link=link), json=body, headers=headers)
    assert_answer(response, 401, NO_TOKEN)


@pytest.mark.parametrize(params(), SECURED)
@pytest.mark.parametrize(
    "token",
    ["not-a-jwt", bearer(exp=NOW // 1000), bearer(exp="tomorrow")],
    ids=["garbage", "expired", "bad-exp"],
)
async def test_bad_token(
    app: PrefixDispatcher,
    sf: httpx.AsyncClient,
    sf_for: MakeClient,
    method: str,
    path: str,
    body: object,
    permission: str,
    token: str,
) -> None:
    link = await create_session(sf)
    response = await sf_for(app, token).request(method, path.format(link=link), json=body)
    assert_answer(response, 401, BAD_TOKEN)


@pytest.mark.parametrize(params(), SECURED)
async def test_each_route_needs_its_permission(
    app: PrefixDispatcher,
    sf: httpx.AsyncClient,
    sf_for: MakeClient,
    method: str,
    path: str,
    body: object,
    permission: str,
) -> None:
    link = await create_session(sf)
    others = [name for name in ALL_PERMISSIONS if name != permission]
    response = await sf_for(app, bearer(permissions=others)).request(
        method, path.format(link=link), json=body
    )
    assert_answer(response, 403, FORBIDDEN)
    allowed = sf_for(app, bearer(permissions=[permission]))
    response = await allowed.request(method, path.format(link=link), json=body)
    assert response.status_code not in (401, 403), response.text


async def test_expiry_follows_the_virtual_clock(app: PrefixDispatcher, sf_for: MakeClient) -> None:
    sf = sf_for(app, bearer(exp=NOW // 1000 + 60))
    assert (await sf.get("/archives")).status_code == 200
    app.state.ctx.clock.set(NOW + 60_000)
    assert_answer(await sf.get("/archives"), 401, BAD_TOKEN)


async def test_expired_password(app: PrefixDispatcher, sf_for: MakeClient) -> None:
    expired = sf_for(app, bearer(passwordExpiryTime="2026-11-30T00:00:00Z"))
    assert_answer(
        await expired.get("/archives"), 401, loopback(401, "UnauthorizedError", "PasswordExpiryError")
    )
    fine = sf_for(app, bearer(passwordExpiryTime="2027-01-01T00:00:00Z"))
    assert (await fine.get("/archives")).status_code == 200


CREDENTIALS = """
organizations:
  - id: acme
    name: Acme
principals:
  - api: sourcefuse
    credential: acme-tenant
    organization: acme
  - api: telemost
    credential: telemost-only
    organization: acme
"""


@pytest.fixture
def strict(make_app: Callable[..., PrefixDispatcher], tmp_path: Path) -> PrefixDispatcher:
    path = tmp_path / "credentials.yaml"
    path.write_text(CREDENTIALS, encoding="utf-8")
    return make_app(auth_mode="strict", credentials_file=path)


async def test_strict_mode_accepts_signed_tokens_of_configured_tenants(
    strict: PrefixDispatcher, sf_for: MakeClient
) -> None:
    sf = sf_for(strict, bearer(tenantId="acme-tenant", permissions=ALL_PERMISSIONS))
    link = await create_session(sf)
    assert_answer(await sf.get(f"/session/{link}/attendees"), 200, [])


@pytest.mark.parametrize(
    "token",
    [
        bearer(secret="another-secret-of-thirty-two-bytes!", tenantId="acme-tenant"),
        bearer(iss="someone-else", tenantId="acme-tenant"),
        bearer(tenantId="telemost-only"),
        bearer(tenantId="unknown"),
        bearer(iss=None, tenantId="acme-tenant"),
    ],
    ids=["secret", "issuer", "other-api", "unknown-tenant", "no-issuer"],
)
async def test_strict_mode_refuses_other_tokens(
    strict: PrefixDispatcher, sf_for: MakeClient, token: str
) -> None:
    assert_answer(await sf_for(strict, token).get("/archives"), 401, BAD_TOKEN)


async def test_strict_mode_still_checks_permissions(strict: PrefixDispatcher, sf_for: MakeClient) -> None:
    sf = sf_for(strict, bearer(tenantId="acme-tenant", permissions=["GetMeetingArchives"]))
    assert (await sf.get("/archives")).status_code == 200
    assert_answer(await sf.post("/session", json={"isScheduled": False}), 403, FORBIDDEN)
