"""Vonage Meetings' webhooks (``FORMAT``): the spec's callbacks, POSTed as JSON through the outbox.

Events (neutral -> Vonage): room expired ``room:expired``; session started / ended ``session:started`` /
``session:ended``; participant joined / left ``session:participant:joined`` / ``session:participant:left``;
recording records for the first time ``recording:started``; its media ended and the file is written
(stopped) ``recording:ended``; uploaded (ready) ``recording:ready``, or ``recording:uploaded`` (the name of
spec 0.1.7 and the docs) when the setting ``vonage_recording_ready_event`` (``OMNIMEET_VONAGE_RECORDING_
READY_EVENT``) says so. Pauses, other status changes and failures send nothing (the spec has no event).

Targets: the room's own ``callback_urls`` (``rooms_callback_url`` for room events, ``sessions_callback_url``
for session and participant events, ``recordings_callback_url`` for recording events), and the
application's defaults: control-plane endpoints (``POST /_omnimeet/webhooks/endpoints`` with ``{"vendor":
"vonage", "tenant": <the application's tenant>, "url": ...}``, or without a tenant for every application).

Bodies (times ISO-8601 with ms and ``Z``; ``duration`` in seconds)::

    room:expired               {event, room_id, room_type, expires_at, created_at}
    session:started            {event, session_id, room_id, started_at}
    session:ended              {event, session_id, room_id, started_at, ended_at}
    recording:started          {event, recording_id, session_id}
    recording:ended            {event, recording_id, session_id, started_at, ended_at, duration}
    recording:ready/:uploaded  {event, recording_id, session_id, room_id, started_at, ended_at, duration, url}
    session:participant:*      {event, participant_id, session_id, room_id, name, type, is_host}

``type`` is ``Host`` for a host (role ``host`` or ``moderator``), else ``Guest``. ``url`` is the recording's
download link (``recording_links``), valid an hour from the event. Room facts (type, creation, name, the
API root for links) are read from the room when the webhook is rendered; they do not change after creation.
Headers: ``Content-Type: application/json``; when the endpoint has a secret, ``Authorization: Bearer <JWT>``
(HS256 with the secret, claims ``iat``, ``jti``, ``iss: "Vonage"`` and ``payload_hash``, the hex SHA-256
of the body), as Vonage signs its webhooks.

Each app binds its own format and rules (``bind``, the plugin's ``VendorPlugin.bind``), since both need the
app's clock and settings; ``FORMAT`` and ``RULES`` are what the plugin names before that.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from omnimeet.domain.errors import DomainError
from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.meeting_records import RoomKey, find_room
from omnimeet.domain.meetings import HOST_ROLES
from omnimeet.domain.outbox import Delivery
from omnimeet.domain.rooms import Room
from omnimeet.domain.webhooks import Target
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.webhooks import Rendered
from omnimeet.vendors.vonage.auth import API
from omnimeet.vendors.vonage.recording_links import (
    Signer,
    disposition,
    expires_after,
    object_path,
    signing_key,
)
from omnimeet.vendors.vonage.rules import VonageRules, account_of, settings_of

if TYPE_CHECKING:
    from omnimeet.platform.context import AppContext
    from omnimeet.platform.vendors import VendorPlugin

READY = "recording:ready"
UPLOADED = "recording:uploaded"
ROOMS, SESSIONS, RECORDINGS = "rooms_callback_url", "sessions_callback_url", "recordings_callback_url"

_NAMES: dict[EventType, tuple[str, str]] = {
    EventType.ROOM_EXPIRED: ("room:expired", ROOMS),
    EventType.SESSION_STARTED: ("session:started", SESSIONS),
    EventType.SESSION_ENDED: ("session:ended", SESSIONS),
    EventType.PARTICIPANT_JOINED: ("session:participant:joined", SESSIONS),
    EventType.PARTICIPANT_LEFT: ("session:participant:left", SESSIONS),
    EventType.RECORDING_STARTED: ("recording:started", RECORDINGS),
    EventType.RECORDING_STOPPED: ("recording:ended", RECORDINGS),
    EventType.RECORDING_READY: (READY, RECORDINGS),
}


def _iso(ms: Any) -> str | None:
    return iso_ms(int(ms)) if isinstance(ms, int) else None


def seconds(ms: int) -> int | float:
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def auth_header(secret: str, body: bytes, at_ms: int, jti: str) -> str:
    import jwt  # here, not at import: it loads cryptography (~9 MB, ~35 ms) that start-up does not need

    claims = {
        "iat": at_ms // 1000,
        "jti": jti,
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(body).hexdigest(),
    }
    return "Bearer " + jwt.encode(claims, secret, algorithm="HS256")


class VonageWebhooks:
    """The format; with a context (``install``) it reads rooms and signs recording links."""

    def __init__(self, ctx: AppContext | None = None, ready_event: str = READY) -> None:
        self.ctx = ctx
        self.ready_event = ready_event
        self.signer = Signer(signing_key(ctx.settings)) if ctx is not None else None

    def event_name(self, event_type: EventType) -> str | None:
        if event_type is EventType.RECORDING_READY:
            return self.ready_event
        found = _NAMES.get(event_type)
        return found[0] if found else None

    def room_targets(self, event: DomainEvent) -> Sequence[Target]:
        found = _NAMES.get(event.type)
        if found is None:
            return ()
        try:
            settings = json.loads(event.room_settings or "{}")
        except ValueError:
            return ()
        urls = settings.get("callback_urls") if isinstance(settings, dict) else None
        url = urls.get(found[1]) if isinstance(urls, dict) else None
        return [(url, None)] if isinstance(url, str) and url else ()

    def _room(self, room_id: str) -> Room | None:
        if self.ctx is None or not room_id:
            return None
        try:
            with self.ctx.db.transaction(write=False) as tx:
                return find_room(tx, RoomKey(API, room_id))
        except DomainError:
            return None

    def body(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = payload.get("data", {})
        room_id = str(data.get("room_id") or "")
        session_id = data.get("session_id")
        at = int(payload.get("occurred_at_ms", 0))
        if event == "room:expired":
            room = self._room(room_id)
            settings = settings_of(room) if room is not None else {}
            return {
                "event": event,
                "room_id": room_id,
                "room_type": settings.get("type", "instant"),
                "expires_at": _iso(data.get("expires_at_ms")) or iso_ms(at),
                "created_at": iso_ms(room.created_at_ms) if room is not None else None,
            }
        if event == "session:started":
            return {"event": event, "session_id": session_id, "room_id": room_id, "started_at": iso_ms(at)}
        if event == "session:ended":
            return {
                "event": event,
                "session_id": session_id,
                "room_id": room_id,
                "started_at": _iso(data.get("started_at_ms")),
                "ended_at": _iso(data.get("ended_at_ms")),
            }
        if event.startswith("session:participant:"):
            person: dict[str, Any] = data.get("participant", {})
            is_host = person.get("role") in HOST_ROLES
            return {
                "event": event,
                "participant_id": person.get("id"),
                "session_id": session_id,
                "room_id": room_id,
                "name": person.get("name"),
                "type": "Host" if is_host else "Guest",
                "is_host": is_host,
            }
        facts: dict[str, Any] = data.get("recording", {})
        recording_id = facts.get("id")
        if event == "recording:started":
            return {"event": event, "recording_id": recording_id, "session_id": session_id}
        body = {
            "event": event,
            "recording_id": recording_id,
            "session_id": session_id,
            "started_at": _iso(facts.get("started_at_ms")),
            "ended_at": _iso(facts.get("ended_at_ms")),
            "duration": seconds(int(facts.get("duration_ms") or 0)),
        }
        if event == "recording:ended":
            return body
        room = self._room(room_id)
        url = None
        if room is not None and self.signer is not None:
            root = str(settings_of(room).get("base_url") or "")
            started = facts.get("started_at_ms")
            content = disposition(room.name, int(started) if isinstance(started, int) else at)
            path = object_path(account_of(room), str(recording_id))
            url = self.signer.url(root, path, expires_after(at), content)
        return {
            "event": event,
            "recording_id": recording_id,
            "session_id": session_id,
            "room_id": room_id,
            **{key: body[key] for key in ("started_at", "ended_at", "duration")},
            "url": url,
        }

    def render(self, delivery: Delivery) -> Rendered:
        body = json.dumps(self.body(delivery.event, delivery.payload), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if delivery.secret:
            at = int(delivery.payload.get("occurred_at_ms", delivery.created_at_ms))
            headers["Authorization"] = auth_header(delivery.secret, body, at, str(delivery.id))
        return body, headers


FORMAT = VonageWebhooks()


def bind(ctx: AppContext, plugin: VendorPlugin) -> VendorPlugin:
    """The plugin as one app uses it (``VendorPlugin.bind``): the format with the app's settings (key for
    links, name of the recording-ready event) and database, the rules with its clock (session ids)."""
    ready = ctx.settings.vonage_recording_ready_event
    return dataclasses.replace(
        plugin,
        webhooks=VonageWebhooks(ctx, UPLOADED if ready == UPLOADED else READY),
        rules=VonageRules(ctx.clock),
    )
