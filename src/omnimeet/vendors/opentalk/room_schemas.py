"""Request and response bodies of OpenTalk's rooms and streaming targets (the seed's shapes; the 0.35 schemas
for the fields the seed lacks: ``e2e_encryption``, ``guest_access``, the streaming target's fields)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, AnyUrl, BaseModel, ConfigDict, Field, StrictBool, StrictStr
from pydantic_core import PydanticCustomError

from omnimeet.vendors.opentalk.validators import no_nul

GuestAccess = Literal["disabled", "waiting_room", "direct_access"]
StreamingKind = Literal["custom"]
MAX_PASSWORD = 255
MAX_TEXT = 4096


def _url(value: str) -> str:
    no_nul(value)
    try:
        url = AnyUrl(value)
    except ValueError:
        raise PydanticCustomError("url_parsing", "Input should be a valid URL") from None
    if not url.host:
        raise PydanticCustomError("url_parsing", "Input should be a valid URL")
    return value


Password = Annotated[StrictStr, Field(min_length=1, max_length=MAX_PASSWORD), AfterValidator(no_nul)]
Text = Annotated[StrictStr, Field(max_length=MAX_TEXT), AfterValidator(no_nul)]
Url = Annotated[
    StrictStr, Field(max_length=MAX_TEXT, json_schema_extra={"format": "uri"}), AfterValidator(_url)
]


class PostRoomsBody(BaseModel):
    """A new room. The seed's generation requires ``password`` and ``enable_sip``; later ones make every
    field optional, so both forms are accepted."""

    password: Password | None = Field(default=None, description="The room password (1-255 characters).")
    enable_sip: StrictBool = Field(default=False, description="Give the room a SIP dial-in (id and pin).")
    waiting_room: StrictBool = Field(default=False, description="Whether the room has a waiting room.")
    e2e_encryption: StrictBool = Field(default=False, description="Whether the room is end-to-end encrypted.")
    guest_access: GuestAccess | None = Field(default=None, description="How guests get in (later versions).")


class PatchRoomsBody(BaseModel):
    """Changes to a room; absent fields stay, a ``null`` password removes the password."""

    password: Password | None = Field(default=None, description="The new password; null removes it.")
    waiting_room: StrictBool | None = Field(default=None, description="Whether the room has a waiting room.")
    e2e_encryption: StrictBool | None = Field(default=None, description="End-to-end encryption on or off.")
    guest_access: GuestAccess | None = Field(default=None, description="How guests get in.")


class Room(BaseModel):
    """A room as its owner and invitees see it."""

    model_config = ConfigDict(title="Room")

    id: str = Field(json_schema_extra={"format": "uuid"}, description="The room id.")
    created_by: str = Field(json_schema_extra={"format": "uuid"}, description="The creator's user id.")
    created_at: str = Field(description="When the room was created (RFC 3339).")
    password: str | None = Field(description="The room password, null when it has none.")
    waiting_room: bool = Field(description="Whether the room has a waiting room.")
    guest_access: GuestAccess | None = Field(default=None, description="Present once set (later versions).")


class EventInfo(BaseModel):
    """The summary of a room's event."""

    model_config = ConfigDict(title="EventInfo")

    id: str = Field(json_schema_extra={"format": "uuid"}, description="The event id.")
    room_id: str = Field(json_schema_extra={"format": "uuid"}, description="The room's id.")
    title: str = Field(description="The event's title.")
    is_adhoc: bool = Field(description="Whether the event was created ad hoc.")
    e2e_encryption: bool = Field(description="Whether the room is end-to-end encrypted.")
    password_required: bool = Field(description="Whether joining the room needs a password.")


class StreamingTargetBody(BaseModel):
    """A new streaming target (kind ``custom``: an RTMP-style endpoint, its key and a viewer URL)."""

    name: Text = Field(description="The target's name.")
    kind: StreamingKind = Field(description="The kind of target; only `custom`.")
    streaming_endpoint: Url = Field(description="Where the stream is sent.")
    streaming_key: Text = Field(description="The key the endpoint expects.")
    public_url: Url = Field(description="Where viewers watch the stream.")


class StreamingTargetPatch(BaseModel):
    """Changes to a streaming target; absent or null fields stay."""

    name: Text | None = Field(default=None, description="The target's name.")
    kind: StreamingKind | None = Field(default=None, description="The kind of target; only `custom`.")
    streaming_endpoint: Url | None = Field(default=None, description="Where the stream is sent.")
    streaming_key: Text | None = Field(default=None, description="The key the endpoint expects.")
    public_url: Url | None = Field(default=None, description="Where viewers watch the stream.")


class StreamingTarget(BaseModel):
    """A room's streaming target."""

    model_config = ConfigDict(title="RoomStreamingTarget")

    id: str = Field(json_schema_extra={"format": "uuid"}, description="The target's id.")
    name: str
    kind: StreamingKind
    streaming_endpoint: str = Field(json_schema_extra={"format": "uri"})
    streaming_key: str
    public_url: str = Field(json_schema_extra={"format": "uri"})
