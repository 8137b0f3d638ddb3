"""Where Vonage Meetings' room vocabulary meets the domain's: the room settings document, room answers and
their URLs, the host's participant token, expiry rules of the two room types, and paging links.

Rooms are domain rooms with ``api = "vonage"``, ``public_id`` a uuid4, ``name`` the ``display_name``,
``expires_at_ms`` the expiry the due-work sweep acts on and ``theme_seq`` the room's theme. ``settings``
(JSON, wire names) holds the rest::

    {"type", "metadata", "meeting_code", "recording_options", "expire_after_use", "join_approval_level",
     "initial_join_options", "callback_urls", "available_features", "ui_settings", "host_token",
     "expires_at_ms" (the last expiry announced), "base_url" (the API's base as the creating request saw it),
     "account_id", "application_id" (of the application that created it: session ids carry the account)}

The domain clears ``expires_at_ms`` while people are in a room that expires after use; the answer then
keeps showing the last announced expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from starlette.datastructures import URL

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.meeting_records import is_expired
from omnimeet.domain.ports import Ids
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.themes import Theme, ThemeService
from omnimeet.platform.clock import EPOCH, iso_ms
from omnimeet.vendors.vonage.auth import API, Caller
from omnimeet.vendors.vonage.errors import VonageError, bad_request, input_error, room_not_found
from omnimeet.vendors.vonage.schemas import AvailableFeatures, CreateRoom, UpdateDetails, parse_time_ms

INSTANT_LIFETIME_MS = 10 * 60_000
"""An instant room expires this long after its creation (unless someone is in it)."""
MEETING_CODE_DIGITS = 9
TOKEN_KEY_ID_NAMESPACE = uuid.UUID("6f1d3c2a-8e4b-4f0a-9c7d-5b2e1a0f3d64")

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


# --- errors of the room routes --------------------------------------------------------------------


def unknown_theme_on_create(theme_id: str) -> VonageError:
    """POST /rooms naming a theme the application does not have (worded like the recorded PATCH
    /applications answer)."""
    return bad_request(f"Failed to create room because theme id {theme_id} not found")


def unknown_theme_on_update(theme_id: str) -> VonageError:
    return bad_request(f"Failed to update room because theme id {theme_id} not found")


def expires_at_not_allowed() -> VonageError:
    return input_error('"expires_at" is not allowed')


def expires_at_required() -> VonageError:
    return input_error('"expires_at" is required')


def expires_at_in_past(label: str = "expires_at") -> VonageError:
    return input_error(f'"{label}" must be greater than "now"')


def expires_at_too_late(limit_ms: int, label: str = "expires_at") -> VonageError:
    return input_error(f'"{label}" must be less than or equal to "{iso_ms(limit_ms)}"')


# --- ids and time ---------------------------------------------------------------------------------


def is_uuid(value: str) -> bool:
    return bool(_UUID.fullmatch(value))


def one_year_after(ms: int) -> int:
    """The same instant a calendar year later (29 February -> 28 February)."""
    moment = EPOCH + timedelta(milliseconds=ms)
    try:
        later = moment.replace(year=moment.year + 1)
    except ValueError:
        later = moment.replace(year=moment.year + 1, day=28)
    return (later - EPOCH) // timedelta(milliseconds=1)


def long_term_expiry(value: str, now_ms: int, label: str = "expires_at") -> int:
    """The expiry of a long_term room: in the future and at most a year ahead (``label``: the field's
    path in Joi's messages)."""
    expires = parse_time_ms(value)
    if expires is None:
        raise input_error(f'"{label}" must be a valid date')
    if expires <= now_ms:
        raise expires_at_in_past(label)
    limit = one_year_after(now_ms)
    if expires > limit:
        raise expires_at_too_late(limit, label)
    return expires


# --- settings -------------------------------------------------------------------------------------


def settings_of(room: Room) -> dict[str, Any]:
    loaded = json.loads(room.settings or "{}")
    return loaded if isinstance(loaded, dict) else {}


def dump(settings: Mapping[str, Any]) -> str:
    return json.dumps(settings, separators=(",", ":"))


def token_key(tenant_id: str) -> str:
    """The HS256 key of the tenant's host tokens (hex HMAC-SHA256 keyed by the tenant id)."""
    return hmac.new(tenant_id.encode(), f"{API}:participant-token".encode(), hashlib.sha256).hexdigest()


def host_token(tenant_id: str, participant_id: str, now_ms: int) -> str:
    """The host's participant token: HS256, ``{participantId, iat}``, a ``kid`` naming the key."""
    kid = str(uuid.uuid5(TOKEN_KEY_ID_NAMESPACE, tenant_id))
    claims = {"participantId": participant_id, "iat": now_ms // 1000}
    import jwt  # here, not at the top: it loads cryptography's OpenSSL bindings (start-up time, RSS)

    return jwt.encode(claims, token_key(tenant_id), algorithm="HS256", headers={"kid": kid})


def _callback_urls(sent: Mapping[str, Any]) -> dict[str, str]:
    return {key: value for key, value in sent.items() if value is not None}


def create_fields(
    body: CreateRoom,
    caller: Caller,
    ids: Ids,
    now_ms: int,
    base_url: str,
    theme_seq: int | None,
) -> dict[str, Any]:
    """The room columns of POST /rooms (expiry checked by the route before)."""
    principal = caller.principal
    if body.type == "instant":
        expires = now_ms + INSTANT_LIFETIME_MS
    else:
        assert body.expires_at is not None
        expires = long_term_expiry(body.expires_at, now_ms)
    settings = {
        "type": body.type,
        "metadata": body.metadata,
        "meeting_code": ids.digits(MEETING_CODE_DIGITS),
        "recording_options": body.recording_options.model_dump(),
        "expire_after_use": body.expire_after_use,
        "join_approval_level": body.join_approval_level,
        "initial_join_options": body.initial_join_options.model_dump(),
        "callback_urls": _callback_urls(body.callback_urls.model_dump()) if body.callback_urls else {},
        "available_features": body.available_features.model_dump(),
        "ui_settings": body.ui_settings.model_dump(),
        "host_token": host_token(principal.tenant_id, ids.uuid4(), now_ms),
        "expires_at_ms": expires,
        "base_url": base_url,
        "account_id": caller.account_id,
        "application_id": caller.application_id,
    }
    return {
        "name": body.display_name,
        "expires_at_ms": expires,
        "theme_seq": theme_seq,
        "settings": dump(settings),
    }


def update_fields(
    room: Room, details: UpdateDetails, expires: int | None, theme_seq: int | None
) -> dict[str, Any]:
    """The room columns a PATCH changes (the new expiry checked, ``theme_seq`` resolved when ``theme_id``
    was sent)."""
    sent = details.sent()
    settings = settings_of(room)
    changes: dict[str, Any] = {}
    if expires is not None:
        changes["expires_at_ms"] = expires
        settings["expires_at_ms"] = expires
    if "expire_after_use" in sent and details.expire_after_use is not None:
        settings["expire_after_use"] = details.expire_after_use
    if "join_approval_level" in sent and details.join_approval_level is not None:
        settings["join_approval_level"] = details.join_approval_level
    for key in ("available_features", "initial_join_options"):
        part = getattr(details, key)
        if key in sent and part is not None:
            settings[key] = {**settings.get(key, {}), **part.model_dump(include=part.model_fields_set)}
    if "callback_urls" in sent and details.callback_urls is not None:
        urls = details.callback_urls
        merged = {**settings.get("callback_urls", {}), **urls.model_dump(include=urls.model_fields_set)}
        settings["callback_urls"] = _callback_urls(merged)
    if "theme_id" in sent:
        changes["theme_seq"] = theme_seq
    changes["settings"] = dump(settings)
    return changes


# --- answers --------------------------------------------------------------------------------------


def short_company_url(theme: Theme | None) -> str | None:
    if theme is None:
        return None
    value = theme.document().get("short_company_url")
    return value if isinstance(value, str) and value else None


def room_urls(meetings_url: str, meeting_code: str, token: str, short_url: str | None) -> tuple[str, str]:
    """(host URL, guest URL): ``<base>[/<short_company_url>]/?room_token=..&participant_token=..`` and
    ``<base>[/<short_company_url>]/<meeting_code>``."""
    base = meetings_url.rstrip("/")
    if short_url:
        base = f"{base}/{short_url}"
    return f"{base}/?room_token={meeting_code}&participant_token={token}", f"{base}/{meeting_code}"


def announced_expiry(room: Room, settings: Mapping[str, Any]) -> int:
    if room.expires_at_ms is not None:
        return room.expires_at_ms
    announced = settings.get("expires_at_ms")
    return int(announced) if isinstance(announced, int) else room.created_at_ms + INSTANT_LIFETIME_MS


_DEFAULT_FEATURES: dict[str, bool] = AvailableFeatures().model_dump()
"""The features of a room that names none (flat booleans: a shallow copy per answer is a copy)."""


def room_body(room: Room, theme: Theme | None, now_ms: int, meetings_url: str) -> dict[str, Any]:
    settings = settings_of(room)
    features = {**_DEFAULT_FEATURES, **settings.get("available_features", {})}
    code = str(settings.get("meeting_code", ""))
    host, guest = room_urls(meetings_url, code, str(settings.get("host_token", "")), short_company_url(theme))
    body: dict[str, Any] = {
        "id": room.public_id,
        "display_name": room.name or "",
        "metadata": settings.get("metadata"),
        "type": settings.get("type", "instant"),
        "expires_at": iso_ms(announced_expiry(room, settings)),
        "recording_options": {
            "auto_record": False,
            "record_only_owner": False,
            **settings.get("recording_options", {}),
        },
        "meeting_code": code,
        "_links": {"host_url": {"href": host}, "guest_url": {"href": guest}},
        "created_at": iso_ms(room.created_at_ms),
        "is_available": not is_expired(room, now_ms),
        "expire_after_use": bool(settings.get("expire_after_use", False)),
        "theme_id": theme.public_id if theme is not None else None,
        "initial_join_options": {"microphone_state": "default", **settings.get("initial_join_options", {})},
        "join_approval_level": settings.get("join_approval_level", "none"),
        "ui_settings": {"language": "default", **settings.get("ui_settings", {})},
        "available_features": features,
    }
    callback_urls = settings.get("callback_urls") or {}
    if callback_urls:
        body["callback_urls"] = callback_urls
    return body


def room_bodies(
    tx: Tx, themes: ThemeService, principal: Principal, found: Sequence[Room], now_ms: int, meetings_url: str
) -> list[dict[str, Any]]:
    """The answers of several rooms, their themes read in one go."""
    by_seq = themes.by_seqs(tx, principal, [room.theme_seq for room in found if room.theme_seq is not None])
    return [
        room_body(
            room, by_seq.get(room.theme_seq) if room.theme_seq is not None else None, now_ms, meetings_url
        )
        for room in found
    ]


def page_links(
    url: URL, page_size: int, found: Sequence[Room], query: Mapping[str, int | None]
) -> dict[str, Any]:
    """``first``, ``self``, ``prev``, ``next``: absolute URLs of the request's own path. An empty page (past
    the end) has no ``prev`` / ``next``, so that clients following ``next`` stop."""

    def href(**params: int) -> dict[str, str]:
        text = "&".join([f"page_size={page_size}", *(f"{key}={value}" for key, value in params.items())])
        return {"href": str(url.replace(query=text))}

    if not found:
        given = {key: value for key, value in query.items() if value is not None}
        return {"first": href(), "self": href(**given)}
    first, last = found[0].seq, found[-1].seq
    return {
        "first": href(),
        "self": href(start_id=first),
        "prev": href(end_id=first - 1),
        "next": href(start_id=last + 1),
    }


# --- lookups --------------------------------------------------------------------------------------


def owned_room(tx: Tx, rooms: RoomService, principal: Principal, room_id: str) -> Room:
    """The caller's room; ``404 Room <id> was not found`` when unknown, another application's, or not a
    uuid at all."""
    if not is_uuid(room_id):
        raise room_not_found(room_id)
    try:
        return rooms.get(tx, principal, room_id)
    except DomainError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.OTHER_TENANT):
            raise room_not_found(room_id) from None
        raise


def find_theme(tx: Tx, themes: ThemeService, principal: Principal, theme_id: str) -> Theme | None:
    """The caller's theme with this id, or None (unknown, another application's, not a uuid)."""
    if not is_uuid(theme_id):
        return None
    try:
        return themes.get(tx, principal, theme_id)
    except DomainError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.OTHER_TENANT):
            return None
        raise
