"""Control API: ``GET /overview``, what the dashboard shows at a glance: rooms (with their active session,
who is present and their recordings) and scheduled events, per vendor and tenant, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, select

from omnimeet.domain import tables
from omnimeet.domain.states import SessionStatus
from omnimeet.domain.store import Tx
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.context import AppContext

ROOM_LIMIT = 200
"""At most this many rooms (the newest) per answer."""
EVENT_LIMIT = 200
"""At most this many scheduled events (the newest) per answer."""

_R = tables.ROOMS
_S = tables.MEETING_SESSIONS
_P = tables.PARTICIPANTS
_REC = tables.RECORDINGS
_E = tables.SCHEDULED_EVENTS
_COUNTS = tables.ROOM_COUNTS


def _iso(ms: int | None) -> str | None:
    return iso_ms(ms) if ms is not None else None


# --- wire models -----------------------------------------------------------------------------------------


class OverviewParticipant(BaseModel):
    id: str
    name: str | None
    role: str | None
    joined_at: str


class OverviewSession(BaseModel):
    id: str
    status: str
    started_at: str | None
    participants: list[OverviewParticipant] = Field(description="Those present now, in joining order.")


class OverviewRecording(BaseModel):
    id: str
    session_id: str | None
    status: str
    started_at: str | None
    ended_at: str | None
    size: int | None = Field(description="File size in bytes, once stopped.")
    filename: str | None


class OverviewRoom(BaseModel):
    vendor: str
    tenant: str
    id: str = Field(description="The room's id in the vendor's API.")
    name: str | None
    created_at: str
    expires_at: str | None
    expired: bool = Field(description="Whether the room's expiry has passed.")
    session: OverviewSession | None = Field(description="The active session, if any.")
    recordings: list[OverviewRecording] = Field(description="All of the room's recordings, oldest first.")


class OverviewEvent(BaseModel):
    vendor: str | None = Field(description="The vendor of the event's room; null for an event without one.")
    tenant: str
    id: str = Field(description="The event's id in the vendor's API.")
    room_id: str | None
    title: str | None
    status: str
    starts_at: str | None
    ends_at: str | None
    recurring: bool


class OverviewTenant(BaseModel):
    vendor: str
    tenant: str
    rooms: int = Field(description="How many rooms the tenant has in the vendor's API.")


class Overview(BaseModel):
    now: str = Field(description="The virtual clock's time (ISO-8601 UTC).")
    vendors: list[str] = Field(description="Every vendor the emulator serves.")
    tenants: list[OverviewTenant] = Field(
        description="Every (vendor, tenant) pair that has rooms; unfiltered."
    )
    room_limit: int = Field(description=f"At most this many rooms, the newest, are listed ({ROOM_LIMIT}).")
    rooms_total: int = Field(description="How many rooms match the filters (listed or not).")
    rooms: list[OverviewRoom] = Field(description="Newest first.")
    event_limit: int = Field(description=f"At most this many events, the newest, are listed ({EVENT_LIMIT}).")
    events_truncated: bool = Field(description="Whether more events match than are listed.")
    events: list[OverviewEvent] = Field(description="Newest first.")


# --- queries ---------------------------------------------------------------------------------------------


def _filtered_rooms(vendor: str | None, tenant: str | None) -> Select[Any]:
    stmt = select(_R)
    if vendor is not None:
        stmt = stmt.where(_R.c.api == vendor)
    if tenant is not None:
        stmt = stmt.where(_R.c.tenant_id == tenant)
    return stmt


def _rows(tx: Tx, stmt: Select[Any]) -> list[Any]:
    """The statement's rows with their columns as attributes (by name or label)."""
    names = list(stmt.selected_columns.keys())
    return [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in tx.fetch_all(stmt)]


def _by_key(rows: Sequence[Any], key: str) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


def overview(
    tx: Tx, *, now_ms: int, vendors: list[str], vendor: str | None, tenant: str | None
) -> dict[str, Any]:
    counts = _rows(
        tx, select(_COUNTS).where(_COUNTS.c.rooms > 0).order_by(_COUNTS.c.api, _COUNTS.c.tenant_id)
    )
    total = sum(
        row.rooms
        for row in counts
        if (vendor is None or row.api == vendor) and (tenant is None or row.tenant_id == tenant)
    )
    rooms = _rows(tx, _filtered_rooms(vendor, tenant).order_by(_R.c.seq.desc()).limit(ROOM_LIMIT))
    room_seqs = [row.seq for row in rooms]
    sessions: dict[int, Any] = {}
    present: dict[Any, list[Any]] = {}
    recordings: dict[Any, list[Any]] = {}
    if room_seqs:
        for row in _rows(
            tx,
            select(_S)
            .where(_S.c.room_seq.in_(room_seqs), _S.c.status == SessionStatus.ACTIVE.value)
            .order_by(_S.c.seq),
        ):
            sessions[row.room_seq] = row
        if sessions:
            present = _by_key(
                _rows(
                    tx,
                    select(_P)
                    .where(
                        _P.c.session_seq.in_([s.seq for s in sessions.values()]), _P.c.left_at_ms.is_(None)
                    )
                    .order_by(_P.c.seq),
                ),
                "session_seq",
            )
        recording_rows = _rows(
            tx,
            select(_REC, _S.c.public_id.label("session_public_id"))
            .outerjoin(_S, _S.c.seq == _REC.c.session_seq)
            .where(_REC.c.room_seq.in_(room_seqs))
            .order_by(_REC.c.seq),
        )
        recordings = _by_key(recording_rows, "room_seq")

    events_stmt = select(_E, _R.c.api, _R.c.public_id.label("room_public_id")).outerjoin(
        _R, _R.c.seq == _E.c.room_seq
    )
    if vendor is not None:
        events_stmt = events_stmt.where(_R.c.api == vendor)
    if tenant is not None:
        events_stmt = events_stmt.where(_E.c.tenant_id == tenant)
    events = _rows(tx, events_stmt.order_by(_E.c.seq.desc()).limit(EVENT_LIMIT + 1))

    return {
        "now": iso_ms(now_ms),
        "vendors": vendors,
        "tenants": [{"vendor": row.api, "tenant": row.tenant_id, "rooms": row.rooms} for row in counts],
        "room_limit": ROOM_LIMIT,
        "rooms_total": max(total, len(rooms)),
        "rooms": [
            _room_json(row, sessions.get(row.seq), present, recordings.get(row.seq, []), now_ms)
            for row in rooms
        ],
        "event_limit": EVENT_LIMIT,
        "events_truncated": len(events) > EVENT_LIMIT,
        "events": [_event_json(row) for row in events[:EVENT_LIMIT]],
    }


def _room_json(
    room: Any, session: Any, present: dict[Any, list[Any]], recordings: list[Any], now_ms: int
) -> dict[str, Any]:
    return {
        "vendor": room.api,
        "tenant": room.tenant_id,
        "id": room.public_id,
        "name": room.name,
        "created_at": iso_ms(room.created_at_ms),
        "expires_at": _iso(room.expires_at_ms),
        # The rule of meeting_records.is_expired (on the row, without building a Room).
        "expired": room.expired_at_ms is not None
        or (room.expires_at_ms is not None and room.expires_at_ms <= now_ms),
        "session": None
        if session is None
        else {
            "id": session.public_id,
            "status": session.status,
            "started_at": _iso(session.started_at_ms),
            "participants": [
                {"id": p.public_id, "name": p.name, "role": p.role, "joined_at": iso_ms(p.joined_at_ms)}
                for p in present.get(session.seq, [])
            ],
        },
        "recordings": [
            {
                "id": r.public_id,
                "session_id": r.session_public_id,
                "status": r.status,
                "started_at": _iso(r.started_at_ms),
                "ended_at": _iso(r.ended_at_ms),
                "size": r.size_bytes,
                "filename": r.filename,
            }
            for r in recordings
        ],
    }


def _event_json(event: Any) -> dict[str, Any]:
    return {
        "vendor": event.api,
        "tenant": event.tenant_id,
        "id": event.public_id,
        "room_id": event.room_public_id,
        "title": event.title,
        "status": event.status,
        "starts_at": _iso(event.starts_at_ms),
        "ends_at": _iso(event.ends_at_ms),
        "recurring": bool(event.recurrence),
    }


# --- route -----------------------------------------------------------------------------------------------


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["Overview"])

    @router.get("/overview", response_model=Overview)
    async def get_overview(
        vendor: Annotated[
            str | None, Query(max_length=64, description="Only this vendor's rooms and events.")
        ] = None,
        tenant: Annotated[
            str | None, Query(max_length=64, description="Only this tenant's rooms and events.")
        ] = None,
    ) -> dict[str, Any]:
        """Rooms with their active session, present participants and recordings, and scheduled events,
        per vendor and tenant, newest first: at most `room_limit` rooms and `event_limit` events (the
        newest); `rooms_total` and `events_truncated` tell whether more match. What the dashboard
        (`/_omnimeet/ui`) polls. An event's vendor is its room's (events without a room have none and are
        left out when filtering by vendor)."""
        with ctx.db.transaction(write=False) as tx:
            return overview(
                tx, now_ms=ctx.clock.now_ms(), vendors=sorted(ctx.vendors), vendor=vendor, tenant=tenant
            )

    return router
