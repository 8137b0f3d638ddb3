"""Writes one row (or more) into every domain table through a ``Tx``: the fixture of reset and wipe tests."""

from __future__ import annotations

from omnimeet.domain import tables as t
from omnimeet.domain.store import Tx

NOW = 1_700_000_000_000


def fill_every_table(tx: Tx, tenant_id: str = "seeded") -> None:
    """One connected graph of rows: tenant, principal, theme, asset, room, stream, session, participant,
    recording, event, favourite, user, dial-in, join ticket, exception, invites (of a room and of an event),
    webhook endpoint, outbox and a webhook attempt."""
    tx.insert(
        t.TENANTS,
        {
            "id": tenant_id,
            "name": "Seeded",
            "is_organization": True,
            "plan": "default",
            "features": '["*"]',
            "created_at_ms": NOW,
        },
    )
    tx.insert(
        t.PRINCIPALS,
        {
            "id": f"p_{tenant_id}",
            "tenant_id": tenant_id,
            "api": "telemost",
            "credential_hash": f"hash-{tenant_id}",
            "label": "seeded",
            "scopes": '["*"]',
            "created_at_ms": NOW,
            "revoked_at_ms": None,
        },
    )
    theme = tx.insert(
        t.THEMES,
        {
            "tenant_id": tenant_id,
            "api": "telemost",
            "public_id": f"theme-{tenant_id}",
            "name": "Seeded theme",
            "is_default": True,
            "settings": "{}",
            "created_at_ms": NOW,
            "updated_at_ms": NOW,
        },
        returning="seq",
    )
    tx.insert(
        t.ASSETS,
        {
            "tenant_id": tenant_id,
            "api": "telemost",
            "public_id": f"asset-{tenant_id}",
            "kind": "logo",
            "content_type": "image/png",
            "size_bytes": 3,
            "data": b"\x89PN",
            "created_at_ms": NOW,
            "updated_at_ms": NOW,
            "settings": "{}",
        },
    )
    room = tx.insert(
        t.ROOMS,
        {
            "tenant_id": tenant_id,
            "api": "telemost",
            "public_id": f"room-{tenant_id}",
            "theme_seq": theme,
            "waiting_room": False,
            "created_at_ms": NOW,
            "updated_at_ms": NOW,
            "settings": "{}",
        },
        returning="seq",
    )
    tx.insert(
        t.LIVE_STREAMS,
        {
            "tenant_id": tenant_id,
            "room_seq": room,
            "public_id": "ls-1",
            "created_at_ms": NOW,
            "updated_at_ms": NOW,
        },
    )
    session = tx.insert(
        t.MEETING_SESSIONS,
        {
            "tenant_id": tenant_id,
            "room_seq": room,
            "public_id": "s-1",
            "status": "active",
            "created_at_ms": NOW,
            "settings": "{}",
        },
        returning="seq",
    )
    tx.insert(
        t.PARTICIPANTS,
        {
            "tenant_id": tenant_id,
            "session_seq": session,
            "public_id": "pa-1",
            "is_host": True,
            "joined_at_ms": NOW,
            "settings": "{}",
        },
    )
    tx.insert(
        t.RECORDINGS,
        {
            "tenant_id": tenant_id,
            "room_seq": room,
            "session_seq": session,
            "public_id": "r-1",
            "status": "starting",
            "created_at_ms": NOW,
            "updated_at_ms": NOW,
            "settings": "{}",
        },
    )
    event = tx.insert(
        t.SCHEDULED_EVENTS,
        {
            "tenant_id": tenant_id,
            "room_seq": room,
            "public_id": "e-1",
            "is_all_day": False,
            "is_adhoc": False,
            "is_time_independent": False,
            "status": "confirmed",
            "created_at_ms": NOW,
            "updated_at_ms": NOW,
            "settings": "{}",
        },
        returning="seq",
    )
    tx.insert(
        t.EVENT_FAVORITES,
        {"tenant_id": tenant_id, "event_seq": event, "user_ref": f"user-{tenant_id}", "created_at_ms": NOW},
    )
    tx.insert(
        t.USERS,
        {
            "tenant_id": tenant_id,
            "api": "telemost",
            "public_id": f"user-{tenant_id}",
            "subject": "sub-1",
            "created_at_ms": NOW,
            "updated_at_ms": NOW,
            "settings": "{}",
        },
    )
    tx.insert(
        t.ROOM_DIAL_INS,
        {
            "room_seq": room,
            "tenant_id": tenant_id,
            "api": "telemost",
            "dial_in_id": f"dial-{tenant_id}",
            "pin": "0123456789",
            "lobby": False,
            "created_at_ms": NOW,
            "updated_at_ms": NOW,
        },
    )
    tx.insert(
        t.JOIN_TICKETS,
        {
            "tenant_id": tenant_id,
            "api": "telemost",
            "room_seq": room,
            "ticket": f"ticket-{tenant_id}",
            "resumption": f"resume-{tenant_id}",
            "participant_ref": "pa-1",
            "kind": "user",
            "created_at_ms": NOW,
            "expires_at_ms": NOW + 30_000,
        },
    )
    tx.insert(
        t.EVENT_EXCEPTIONS,
        {"tenant_id": tenant_id, "event_seq": event, "instance_start_ms": NOW, "created_at_ms": NOW},
    )
    for room_seq, event_seq in ((room, None), (None, event)):
        tx.insert(
            t.INVITES,
            {
                "tenant_id": tenant_id,
                "room_seq": room_seq,
                "event_seq": event_seq,
                "status": "pending",
                "created_at_ms": NOW,
                "updated_at_ms": NOW,
            },
        )
    tx.insert(
        t.WEBHOOK_ENDPOINTS,
        {
            "tenant_id": tenant_id,
            "api": "telemost",
            "url": "http://127.0.0.1:9/hook",
            "events": '["*"]',
            "created_at_ms": NOW,
        },
    )
    outbox = tx.insert(
        t.OUTBOX,
        {
            "tenant_id": tenant_id,
            "api": "telemost",
            "event_type": "conference.created",
            "ordering_key": f"room-{tenant_id}",
            "payload": "{}",
            "target_url": "http://127.0.0.1:9/hook",
            "status": "pending",
            "attempts": 1,
            "next_attempt_at_ms": NOW,
            "created_at_ms": NOW,
        },
        returning="seq",
    )
    tx.insert(
        t.WEBHOOK_ATTEMPTS,
        {"outbox_seq": outbox, "attempted_at_ms": NOW, "status_code": 500, "duration_ms": 3},
    )
