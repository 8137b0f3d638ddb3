"""Events between the controller's JSON and the calendar domain.

- ``Event``: time fields only for time-dependent events; ``recurrence_pattern`` only for series
  (``type: recurring``); the room's ``password`` and SIP fields only when set; ``shared_folder`` only when
  the event has one (its read-write share for the creator only).
- ``EventException`` / ``EventInstance``: ids are ``<event id>_<instance id>``; the instance id is the
  original UTC start (``20240705T170242Z``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omnimeet.domain.calendar_model import Event, EventException, EventView, Instance, Invitee
from omnimeet.domain.calendar_views import placeholder
from omnimeet.domain.ports import Ids
from omnimeet.domain.recurrence import instance_id
from omnimeet.domain.users import User
from omnimeet.vendors.opentalk.mapping import gravatar, public_profile, timestamp
from omnimeet.vendors.opentalk.room_mapping import streaming_target

SHARED_FOLDER = "shared_folder"
SHARE_HOST = "https://cloud.opentalk.example"
"""Where the emulated file storage's public shares live (as for ``PUT /events/{id}/shared_folder``)."""
MODERATOR = "moderator"


def new_settings(ids: Ids, *, shared_folder: bool) -> dict[str, Any]:
    """A new event's settings document: a shared folder (read and read-write shares) when asked for."""
    if not shared_folder:
        return {}
    return {
        SHARED_FOLDER: {
            "read": {"url": f"{SHARE_HOST}/s/{ids.alnum(15)}", "password": ids.alnum(20)},
            "read_write": {"url": f"{SHARE_HOST}/s/{ids.alnum(15)}", "password": ids.alnum(20)},
        }
    }


def date_time(ms: int | None, zone: str | None) -> dict[str, Any]:
    return {"datetime": timestamp(ms), "timezone": zone or "UTC"}


def _profile(users: dict[str, User], ref: str | None) -> dict[str, Any]:
    return public_profile(users.get(ref or "") or placeholder(ref or ""))


def room_info(view: EventView) -> dict[str, Any]:
    room = view.room
    out: dict[str, Any] = {"id": room.public_id if room else ""}
    if room is not None and room.password is not None:
        out["password"] = room.password
    if view.dial_in is not None:
        out["sip_id"], out["sip_password"] = view.dial_in
    out["waiting_room"] = bool(room.waiting_room) if room else False
    return out


def invitee(value: Invitee) -> dict[str, Any]:
    role = "moderator" if value.role == MODERATOR else "user"
    if value.user is not None:
        profile: dict[str, Any] = {"kind": "registered", **public_profile(value.user), "role": role}
    else:
        email = value.email or ""
        profile = {"kind": "email", "email": email, "avatar_url": gravatar(email)}
    return {"profile": profile, "status": value.status}


def _shared_folder(view: EventView) -> dict[str, Any] | None:
    folder = view.event.settings_dict().get(SHARED_FOLDER)
    if not isinstance(folder, dict) or not isinstance(folder.get("read"), dict):
        return None
    out: dict[str, Any] = {"read": folder["read"]}
    if view.can_edit and isinstance(folder.get("read_write"), dict):
        out["read_write"] = folder["read_write"]
    return out


def event(view: EventView) -> dict[str, Any]:
    """``Event`` as the controller writes it."""
    value = view.event
    out: dict[str, Any] = {
        "id": value.public_id,
        "created_by": _profile(view.users, value.created_by),
        "created_at": timestamp(value.created_at_ms),
        "updated_by": _profile(view.users, value.updated_by or value.created_by),
        "updated_at": timestamp(value.updated_at_ms),
        "title": value.title or "",
        "description": value.description or "",
        "room": room_info(view),
        "invitees_truncated": view.invitees_truncated,
        "invitees": [invitee(found) for found in view.invitees],
        "is_time_independent": value.is_time_independent,
    }
    if not value.is_time_independent:
        out["is_all_day"] = value.is_all_day
    if view.streams:
        out["streaming_targets"] = [streaming_target(stream) for stream in view.streams]
    if not value.is_time_independent:
        out["starts_at"] = date_time(value.starts_at_ms, value.timezone)
        out["ends_at"] = date_time(value.ends_at_ms, value.timezone)
        if value.is_recurring:
            out["recurrence_pattern"] = list(value.pattern)
    out["is_adhoc"] = value.is_adhoc
    out["type"] = "recurring" if value.is_recurring else "single"
    out["status"] = value.status
    out["invite_status"] = view.invite_status
    out["is_favorite"] = view.is_favorite
    folder = _shared_folder(view)
    if folder is not None:
        out["shared_folder"] = folder
    return out


def _ids(value: Event, start_ms: int) -> dict[str, str]:
    instance = instance_id(start_ms)
    return {
        "id": f"{value.public_id}_{instance}",
        "recurring_event_id": value.public_id,
        "instance_id": instance,
    }


def exception(view: EventView, found: EventException) -> dict[str, Any]:
    """``EventException``: the overrides that are set, and the occurrence's original start."""
    value = view.event
    zone = value.timezone
    out: dict[str, Any] = {
        **_ids(value, found.instance_start_ms),
        "created_by": _profile(view.users, found.created_by),
        "created_at": timestamp(found.created_at_ms),
        "updated_by": _profile(view.users, found.updated_by or found.created_by),
        "updated_at": timestamp(found.updated_at_ms or found.created_at_ms),
    }
    for name in ("title", "description", "is_all_day"):
        if getattr(found, name) is not None:
            out[name] = getattr(found, name)
    if found.starts_at_ms is not None:
        out["starts_at"] = date_time(found.starts_at_ms, zone)
    if found.ends_at_ms is not None:
        out["ends_at"] = date_time(found.ends_at_ms, zone)
    out["original_starts_at"] = date_time(found.instance_start_ms, zone)
    out["type"] = "exception"
    out["status"] = found.status or "ok"
    return out


def instance(view: EventView, found: Instance) -> dict[str, Any]:
    """``EventInstance``: the occurrence with its exception applied (its editor and time, when newer)."""
    return instances(view, [found])[0]


def instances(view: EventView, found: Sequence[Instance]) -> list[dict[str, Any]]:
    """``EventInstance`` of each occurrence (as ``instance``). What the entries have in common (the room,
    invitees, the creator's and editors' profiles, the event's times) is mapped once and shared by the
    entries: the documents are for writing out, not for changing."""
    value = view.event
    zone = value.timezone
    profiles: dict[str | None, dict[str, Any]] = {}

    def profile(ref: str | None) -> dict[str, Any]:
        known = profiles.get(ref)
        if known is None:
            known = profiles[ref] = _profile(view.users, ref)
        return known

    created_by, created_at = profile(value.created_by), timestamp(value.created_at_ms)
    room = room_info(view)
    invitees = [invitee(one) for one in view.invitees]
    event_updated_by, event_updated_at = value.updated_by or value.created_by, value.updated_at_ms
    event_updated = timestamp(event_updated_at)
    out = []
    for one in found:
        updated_by, updated_at, updated = event_updated_by, event_updated_at, event_updated
        change = one.exception
        if change is not None and (change.updated_at_ms or change.created_at_ms) >= updated_at:
            updated_by, updated_at = (
                change.updated_by or change.created_by,
                change.updated_at_ms or updated_at,
            )
            updated = timestamp(updated_at)
        instance_ = instance_id(one.original_start_ms)
        out.append(
            {
                "id": f"{value.public_id}_{instance_}",
                "recurring_event_id": value.public_id,
                "instance_id": instance_,
                "created_by": created_by,
                "created_at": created_at,
                "updated_by": profile(updated_by),
                "updated_at": updated,
                "title": one.title or "",
                "description": one.description or "",
                "room": room,
                "invitees_truncated": view.invitees_truncated,
                "invitees": invitees,
                "is_all_day": one.is_all_day,
                "starts_at": date_time(one.starts_at_ms, zone),
                "ends_at": date_time(one.ends_at_ms, zone),
                "type": "instance",
                "status": one.status,
                "invite_status": view.invite_status,
                "is_favorite": view.is_favorite,
            }
        )
    return out
