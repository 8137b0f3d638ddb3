"""Event invitations over HTTP: invite by user id and by address, list with answers, roles, withdrawal,
accept/decline, the pending count, and who may do what."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.invitee_support import make_event, user
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    BASE_URL,
    FORBIDDEN,
    NOT_FOUND,
    assert_error,
    assert_unauthorized,
    error,
)

pytestmark = pytest.mark.anyio

VALIDATION = "Some provided values are invalid"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000099"


def gravatar(email: str) -> str:
    return "https://gravatar.com/avatar/" + hashlib.md5(email.encode()).hexdigest()


def registered(app: PrefixDispatcher, name: str, role: str = "user") -> dict[str, Any]:
    person = user(app, name)
    assert person.email
    assert person.firstname
    assert person.lastname
    return {
        "kind": "registered",
        "id": person.public_id,
        "email": person.email,
        "title": "",
        "firstname": person.firstname,
        "lastname": person.lastname,
        "display_name": f"{person.firstname} {person.lastname}",
        "avatar_url": gravatar(person.email),
        "role": role,
    }


def by_email(email: str) -> dict[str, Any]:
    return {"kind": "email", "email": email, "avatar_url": gravatar(email)}


def assert_empty(response: httpx.Response, status: int) -> None:
    assert (response.status_code, response.content) == (status, b""), response.text


async def invite(client: httpx.AsyncClient, event_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/events/{event_id}/invites", json=body)


async def listed(client: httpx.AsyncClient, event_id: str, query: str = "") -> Any:
    response = await client.get(f"/events/{event_id}/invites{query}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_invite_a_user_then_again(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    event_id = make_event(app)
    bob = user(app, "bob")
    assert_empty(await invite(ot, event_id, invitee=bob.public_id), 201)
    assert_empty(await invite(ot, event_id, invitee=bob.public_id, role="moderator"), 204)
    response = await ot.get(f"/events/{event_id}/invites")
    assert response.status_code == 200
    assert response.json() == [{"profile": registered(app, "bob"), "status": "pending"}]
    url = f"{BASE_URL}/events/{event_id}/invites"
    assert response.headers["link"] == f"<{url}?per_page=30&page=1>; rel='first'"


async def test_inviting_the_creator_changes_nothing(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    event_id = make_event(app)
    alice = user(app, "alice")
    assert_empty(await invite(ot, event_id, invitee=alice.public_id), 204)
    assert_empty(await invite(ot, event_id, email="ALICE@example.com"), 204)
    assert await listed(ot, event_id) == []


async def test_invite_by_address(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    event_id = make_event(app)
    user(app, "bob")
    assert_empty(await invite(ot, event_id, email="dave@example.org"), 201)
    assert_empty(await invite(ot, event_id, email="Dave@Example.org", role="moderator"), 204)
    # The address of a registered user invites that user (listed before the addresses).
    assert_empty(await invite(ot, event_id, email="bob@example.com", role="moderator"), 201)
    assert_empty(await invite(ot, event_id, invitee=user(app, "bob").public_id), 204)
    assert await listed(ot, event_id) == [
        {"profile": registered(app, "bob", "moderator"), "status": "pending"},
        {"profile": by_email("dave@example.org"), "status": "pending"},
    ]


async def test_an_invited_address_becomes_the_user_who_registers_with_it(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    event_id = make_event(app)
    assert_empty(await invite(ot, event_id, email="carol@example.com"), 201)
    carol = ot_for(app, "carol")
    assert (await carol.get("/users/me/pending_invites")).json() == {"total_pending_invites": 1}
    assert await listed(carol, event_id) == [{"profile": registered(app, "carol"), "status": "pending"}]
    assert_empty(await carol.patch(f"/events/{event_id}/invite"), 204)
    assert (await carol.get("/users/me/pending_invites")).json() == {"total_pending_invites": 0}
    assert await listed(ot, event_id) == [{"profile": registered(app, "carol"), "status": "accepted"}]


async def test_invite_body_errors(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    event_id = make_event(app)
    bob = user(app, "bob")
    assert_error(
        await invite(ot, event_id),
        422,
        {
            **error("validation_failed", VALIDATION),
            "errors": [
                {
                    "field": None,
                    "code": "missing_values",
                    "message": "Either `invitee` or `email` is required",
                }
            ],
        },
    )
    for address in ("not-an-address", "a\x01b@example.com"):
        response = await invite(ot, event_id, email=address)
        assert response.json()["errors"][0]["code"] == "invalid_email"
    assert_error(
        response,
        422,
        {
            **error("validation_failed", VALIDATION),
            "errors": [{"field": "email", "code": "invalid_email", "message": "Not a valid email address"}],
        },
    )
    assert_error(
        await invite(ot, event_id, invitee=bob.public_id, role="guest"),
        422,
        {
            **error("validation_failed", VALIDATION),
            "errors": [
                {
                    "field": "role",
                    "code": "invalid_value",
                    "message": "A user is invited as `user` or `moderator`",
                }
            ],
        },
    )
    assert_error(
        await invite(ot, event_id, email="x@example.com", role="user"),
        422,
        {
            **error("validation_failed", VALIDATION),
            "errors": [
                {
                    "field": "role",
                    "code": "invalid_value",
                    "message": "An address is invited as `guest` or `moderator`",
                }
            ],
        },
    )
    assert_error(await invite(ot, event_id, invitee=UNKNOWN_ID), 404, NOT_FOUND)
    assert_error(
        await ot.post(
            f"/events/{event_id}/invites", content=b"{", headers={"content-type": "application/json"}
        ),
        400,
        error("invalid_json", "Payload is not valid json"),
    )
    assert await listed(ot, event_id) == []


async def test_who_may_invite_and_list(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    event_id = make_event(app)
    carol = ot_for(app, "carol")
    carol_id = user(app, "carol").public_id
    assert_empty(await invite(ot, event_id, invitee=user(app, "bob").public_id), 201)
    # An invitee reads the list but may not change it; anyone else may do neither.
    assert await listed(ot_bob, event_id) == [{"profile": registered(app, "bob"), "status": "pending"}]
    assert_error(await invite(ot_bob, event_id, invitee=carol_id), 403, FORBIDDEN)
    assert_error(await carol.get(f"/events/{event_id}/invites"), 403, FORBIDDEN)
    assert_error(await invite(carol, event_id, invitee=carol_id), 403, FORBIDDEN)
    # The controller's access check answers before the handler: an unknown event is forbidden too.
    assert_error(await ot.get(f"/events/{UNKNOWN_ID}/invites"), 403, FORBIDDEN)
    assert_error(await invite(ot, UNKNOWN_ID, invitee=carol_id), 403, FORBIDDEN)
    assert_error(await ot.get("/events/not-a-uuid/invites"), 400, BAD_REQUEST)
    assert_unauthorized(await ot_for(app, bearer=None).get(f"/events/{event_id}/invites"))


async def test_another_tenants_event_is_forbidden(app: PrefixDispatcher, ot_for: MakeClient) -> None:
    from tests.vendors.opentalk.support import token

    event_id = make_event(app)
    stranger = ot_for(app, bearer=token("alice", iss="https://other.example/realms/x"))
    assert_error(await stranger.get(f"/events/{event_id}/invites"), 403, FORBIDDEN)


async def test_status_filter_and_pages(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    event_id = make_event(app)
    carol = user(app, "carol")
    for body in ({"invitee": user(app, "bob").public_id}, {"invitee": carol.public_id}, {"email": "e@x.org"}):
        assert_empty(await invite(ot, event_id, **body), 201)
    assert_empty(await ot_bob.patch(f"/events/{event_id}/invite"), 204)
    assert_empty(await ot_for(app, "carol").delete(f"/events/{event_id}/invite"), 204)
    bob_item = {"profile": registered(app, "bob"), "status": "accepted"}
    carol_item = {"profile": registered(app, "carol"), "status": "declined"}
    email_item = {"profile": by_email("e@x.org"), "status": "pending"}
    # Users, then addresses; each newest first.
    assert await listed(ot, event_id) == [carol_item, bob_item, email_item]
    assert await listed(ot, event_id, "?status=accepted") == [bob_item]
    assert await listed(ot, event_id, "?status=declined") == [carol_item]
    assert await listed(ot, event_id, "?status=pending") == [email_item]
    assert await listed(ot, event_id, "?status=tentative") == []
    assert_error(await ot.get(f"/events/{event_id}/invites?status=maybe"), 400, BAD_REQUEST)
    assert_error(await ot.get(f"/events/{event_id}/invites?per_page=0"), 400, BAD_REQUEST)

    response = await ot.get(f"/events/{event_id}/invites?per_page=1&page=2")
    assert response.json() == [bob_item]
    url = f"{BASE_URL}/events/{event_id}/invites"
    assert response.headers["link"] == (
        f"<{url}?per_page=1&page=1>; rel='first', <{url}?per_page=1&page=1>; rel='prev', "
        f"<{url}?per_page=1&page=3>; rel='next', <{url}?per_page=1&page=3>; rel='last'"
    )
    assert await listed(ot, event_id, "?per_page=2&page=2") == [email_item]
    assert await listed(ot, event_id, "?per_page=2&page=3") == []
    assert_error(await ot.get(f"/events/{event_id}/invites?page=100000000000000000000"), 400, BAD_REQUEST)


async def test_change_a_users_role(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    event_id = make_event(app)
    bob = user(app, "bob")
    carol = user(app, "carol")
    assert_empty(await invite(ot, event_id, invitee=bob.public_id), 201)
    assert_empty(
        await ot.patch(f"/events/{event_id}/invites/{bob.public_id}", json={"role": "moderator"}), 204
    )
    assert await listed(ot, event_id) == [
        {"profile": registered(app, "bob", "moderator"), "status": "pending"}
    ]
    assert_empty(await ot.patch(f"/events/{event_id}/invites/{bob.public_id}", json={}), 204)
    assert_empty(await ot.patch(f"/events/{event_id}/invites/{bob.public_id}", json={"role": "user"}), 204)
    assert await listed(ot, event_id) == [{"profile": registered(app, "bob"), "status": "pending"}]
    assert_error(
        await ot.patch(f"/events/{event_id}/invites/{carol.public_id}", json={"role": "user"}), 404, NOT_FOUND
    )
    assert_error(
        await ot_bob.patch(f"/events/{event_id}/invites/{bob.public_id}", json={"role": "moderator"}),
        403,
        FORBIDDEN,
    )
    response = await ot.patch(f"/events/{event_id}/invites/{bob.public_id}", json={"role": "guest"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"


async def test_withdraw_a_user(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    event_id = make_event(app)
    bob = user(app, "bob")
    assert_empty(await invite(ot, event_id, invitee=bob.public_id), 201)
    assert_empty(await ot_bob.put(f"/users/me/event_favorites/{event_id}"), 201)
    assert_error(await ot_bob.delete(f"/events/{event_id}/invites/{bob.public_id}"), 403, FORBIDDEN)
    assert_empty(
        await ot.delete(f"/events/{event_id}/invites/{bob.public_id}?suppress_email_notification=true"), 204
    )
    assert await listed(ot, event_id) == []
    assert_error(await ot.delete(f"/events/{event_id}/invites/{bob.public_id}"), 404, NOT_FOUND)
    # Bob lost his access with the invitation (and his favourite mark went with it).
    assert_error(await ot_bob.get(f"/events/{event_id}/invites"), 403, FORBIDDEN)
    assert_empty(await invite(ot, event_id, invitee=bob.public_id), 201)
    assert_error(await ot_bob.delete(f"/users/me/event_favorites/{event_id}"), 404, NOT_FOUND)


async def test_email_invites_change_role_and_withdraw(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    event_id = make_event(app)
    bob = user(app, "bob")
    assert_empty(await invite(ot, event_id, email="dave@example.org"), 201)
    assert_empty(await invite(ot, event_id, invitee=bob.public_id), 201)
    path = f"/events/{event_id}/invites/email"
    assert_empty(await ot.patch(path, json={"email": "Dave@example.org", "role": "moderator"}), 204)
    # The address of a registered user reaches that user's invitation.
    assert_empty(await ot.patch(path, json={"email": "bob@example.com", "role": "moderator"}), 204)
    assert await listed(ot, event_id) == [
        {"profile": registered(app, "bob", "moderator"), "status": "pending"},
        {"profile": by_email("dave@example.org"), "status": "pending"},
    ]
    assert_error(await ot.patch(path, json={"email": "nobody@example.org"}), 404, NOT_FOUND)
    response = await ot.patch(path, json={"email": "dave@example.org", "role": "user"})
    assert response.status_code == 422
    assert_empty(await ot.request("DELETE", path, json={"email": "dave@example.org"}), 204)
    assert_empty(await ot.request("DELETE", path, json={"email": "bob@example.com"}), 204)
    assert await listed(ot, event_id) == []
    assert_error(await ot.request("DELETE", path, json={"email": "dave@example.org"}), 404, NOT_FOUND)
    assert_error(await ot.request("DELETE", path), 400, error("invalid_json", "Payload is not valid json"))


async def test_accept_decline_and_pending(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    first, second = make_event(app), make_event(app, title="Retro")
    bob = user(app, "bob")
    assert (await ot_bob.get("/users/me/pending_invites")).json() == {"total_pending_invites": 0}
    for event_id in (first, second):
        assert_empty(await invite(ot, event_id, invitee=bob.public_id), 201)
    response = await ot_bob.get("/users/me/pending_invites")
    assert (response.status_code, response.json()) == (200, {"total_pending_invites": 2})
    assert_empty(await ot_bob.patch(f"/events/{first}/invite"), 204)
    assert (await ot_bob.get("/users/me/pending_invites")).json() == {"total_pending_invites": 1}
    assert_empty(await ot_bob.delete(f"/events/{second}/invite"), 204)
    assert_empty(await ot_bob.delete(f"/events/{first}/invite"), 204)
    assert (await ot_bob.get("/users/me/pending_invites")).json() == {"total_pending_invites": 0}
    assert await listed(ot, first) == [{"profile": registered(app, "bob"), "status": "declined"}]
    # The creator holds no invitation; a stranger has no access, nor has anyone to an unknown event.
    assert_error(await ot.patch(f"/events/{first}/invite"), 404, NOT_FOUND)
    assert_error(await ot_for(app, "carol").patch(f"/events/{first}/invite"), 403, FORBIDDEN)
    assert_error(await ot_bob.delete(f"/events/{UNKNOWN_ID}/invite"), 403, FORBIDDEN)
    assert_unauthorized(await ot_for(app, bearer=None).get("/users/me/pending_invites"))


async def test_events_created_through_the_api_show_invitations_favourites_and_folders(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    created = await ot.post(
        "/events",
        json={"title": "Sometime", "description": "", "is_time_independent": True, "is_adhoc": False},
    )
    assert created.status_code == 201
    event_id = created.json()["id"]
    assert_empty(await invite(ot, event_id, invitee=user(app, "bob").public_id, role="moderator"), 201)
    assert_empty(await invite(ot, event_id, email="dave@example.org"), 201)
    seen = (await ot_bob.get(f"/events/{event_id}?invitees_max=5")).json()
    assert (seen["invite_status"], seen["is_favorite"]) == ("pending", False)
    emails = sorted(invitee["profile"]["email"] for invitee in seen["invitees"])
    assert emails == ["bob@example.com", "dave@example.org"]
    assert_empty(await ot_bob.patch(f"/events/{event_id}/invite"), 204)
    assert_empty(await ot_bob.put(f"/users/me/event_favorites/{event_id}"), 201)
    folder = (await ot.put(f"/events/{event_id}/shared_folder")).json()
    seen = (await ot_bob.get(f"/events/{event_id}")).json()
    assert (seen["invite_status"], seen["is_favorite"]) == ("accepted", True)
    assert seen["shared_folder"] == {"read": folder["read"]}
    assert (await ot.get(f"/events/{event_id}")).json()["shared_folder"] == folder


async def test_an_external_address_gives_the_room_a_guest_code(
    app: PrefixDispatcher, ot: httpx.AsyncClient
) -> None:
    created = await ot.post(
        "/events",
        json={"title": "Sometime", "description": "", "is_time_independent": True, "is_adhoc": False},
    )
    event_id, room_id = created.json()["id"], created.json()["room"]["id"]
    user(app, "bob")
    assert_empty(await invite(ot, event_id, email="bob@example.com"), 201)
    assert (await ot.get(f"/rooms/{room_id}/invites")).json() == []
    assert_empty(await invite(ot, event_id, email="dave@example.org"), 201)
    assert_empty(await invite(ot, event_id, email="dave@example.org"), 204)
    codes = (await ot.get(f"/rooms/{room_id}/invites")).json()
    assert [(code["room_id"], code["active"], code["expiration"]) for code in codes] == [
        (room_id, True, None)
    ]
    assert codes[0]["created_by"]["id"] == user(app, "alice").public_id
    verified = await ot.post("/invite/verify", json={"invite_code": codes[0]["invite_code"]})
    assert verified.json()["room_id"] == room_id
