"""OpenTalk event bodies: what clients send (``PostEventsBody``, ``PatchEvent``, ``PatchEventInstance``) and
what the controller answers (``Event``, ``EventException``, ``EventInstance``), for validation and the
OpenAPI document."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from omnimeet.vendors.opentalk.room_schemas import StreamingTarget, StreamingTargetBody

Pattern = list[str]


class DateTimeTZ(BaseModel):
    """A moment (RFC 3339, UTC) and the IANA zone it was entered in."""

    model_config = ConfigDict(title="DateTimeTZ")

    datetime: str = Field(description="RFC 3339 date-time, e.g. `2026-12-07T09:00:00Z`.")
    timezone: str = Field(description="IANA zone, e.g. `Europe/Berlin`.")


class PostEventsBody(BaseModel):
    model_config = ConfigDict(title="PostEventsBody")

    title: str = Field(max_length=255)
    description: str = Field(max_length=4096)
    password: str | None = Field(default=None, min_length=1, max_length=255)
    is_adhoc: StrictBool = False
    waiting_room: StrictBool = False
    is_time_independent: StrictBool
    is_all_day: StrictBool | None = None
    streaming_targets: list[StreamingTargetBody] | None = None
    has_shared_folder: StrictBool = False
    starts_at: DateTimeTZ | None = None
    ends_at: DateTimeTZ | None = None
    recurrence_pattern: list[str] | None = Field(
        default=None, max_length=4, description="RRULE, RDATE, EXRULE or EXDATE lines (at most 4)."
    )


class PatchEvent(BaseModel):
    model_config = ConfigDict(title="PatchEvent")

    title: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=4096)
    password: str | None = Field(default=None, min_length=1, max_length=255)
    is_adhoc: StrictBool | None = None
    waiting_room: StrictBool | None = None
    is_time_independent: StrictBool | None = None
    is_all_day: StrictBool | None = None
    starts_at: DateTimeTZ | None = None
    ends_at: DateTimeTZ | None = None
    recurrence_pattern: list[str] | None = Field(default=None, max_length=4)


class PatchEventInstance(BaseModel):
    model_config = ConfigDict(title="PatchEventInstance")

    title: str | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=4096)
    is_all_day: StrictBool | None = None
    starts_at: DateTimeTZ | None = None
    ends_at: DateTimeTZ | None = None
    status: Literal["ok", "cancelled"] | None = None


# --- answers ----------------------------------------------------------------------------------------------


class EventUserProfile(BaseModel):
    model_config = ConfigDict(title="EventUserProfile", extra="forbid")

    id: str
    email: str
    title: str
    firstname: str
    lastname: str
    display_name: str
    avatar_url: str


class EventRoomInfo(BaseModel):
    model_config = ConfigDict(title="EventRoomInfo", extra="forbid")

    id: str
    password: str | None = None
    sip_tel: str | None = None
    sip_uri: str | None = None
    sip_id: str | None = None
    sip_password: str | None = None
    waiting_room: bool


class EventInviteeProfile(BaseModel):
    model_config = ConfigDict(title="EventInviteeProfile", extra="forbid")

    kind: Literal["registered", "unregistered", "email"]
    id: str | None = None
    email: str
    title: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    display_name: str | None = None
    avatar_url: str
    role: str | None = None


class EventInvitee(BaseModel):
    model_config = ConfigDict(title="EventInvitee", extra="forbid")

    profile: EventInviteeProfile
    status: Literal["accepted", "tentative", "pending", "declined"]


class SharedFolderAccess(BaseModel):
    model_config = ConfigDict(title="EventSharedFolderAccess")

    url: str
    password: str


class SharedFolder(BaseModel):
    model_config = ConfigDict(title="EventSharedFolder")

    read: SharedFolderAccess
    read_write: SharedFolderAccess | None = None


InviteStatus = Literal["pending", "accepted", "tentative", "declined"]
Status = Literal["ok", "cancelled"]


class Event(BaseModel):
    """An event (a single one or a series); times, all-day flag and pattern only when time-dependent."""

    model_config = ConfigDict(title="Event", extra="forbid")

    id: str
    created_by: EventUserProfile
    created_at: str
    updated_by: EventUserProfile
    updated_at: str
    title: str
    description: str
    room: EventRoomInfo
    invitees_truncated: bool
    invitees: list[EventInvitee]
    is_time_independent: bool
    is_all_day: bool | None = None
    streaming_targets: list[StreamingTarget] | None = None
    starts_at: DateTimeTZ | None = None
    ends_at: DateTimeTZ | None = None
    recurrence_pattern: list[str] | None = None
    is_adhoc: bool
    type: Literal["single", "recurring"]
    status: Status
    invite_status: InviteStatus
    is_favorite: bool
    shared_folder: SharedFolder | None = None


class EventException(BaseModel):
    """An override of one occurrence of a series (listed among the events)."""

    model_config = ConfigDict(title="EventException", extra="forbid")

    id: str
    recurring_event_id: str
    instance_id: str
    created_by: EventUserProfile
    created_at: str
    updated_by: EventUserProfile
    updated_at: str
    title: str | None = None
    description: str | None = None
    is_all_day: bool | None = None
    starts_at: DateTimeTZ | None = None
    ends_at: DateTimeTZ | None = None
    original_starts_at: DateTimeTZ
    type: Literal["exception"]
    status: Status


class EventInstance(BaseModel):
    """One occurrence of an event, its exception applied."""

    model_config = ConfigDict(title="EventInstance", extra="forbid")

    id: str
    recurring_event_id: str
    instance_id: str
    created_by: EventUserProfile
    created_at: str
    updated_by: EventUserProfile
    updated_at: str
    title: str
    description: str
    room: EventRoomInfo
    invitees_truncated: bool
    invitees: list[EventInvitee]
    is_all_day: bool
    starts_at: DateTimeTZ
    ends_at: DateTimeTZ
    type: Literal["instance"]
    status: Status
    invite_status: InviteStatus
    is_favorite: bool
