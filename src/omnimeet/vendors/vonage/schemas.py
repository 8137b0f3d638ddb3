"""Vonage Meetings wire models: the room request bodies (Joi's rules, as the service validated them), the
room and room-page answers as the SDKs recorded them, and the error answers every area declares.

Request bodies ignore keys they do not know (the Node SDK sends a whole room, ``display_name`` and ``type``
included, in a PATCH). A value rule of our own raises ``ValueError("must be ...")``, which the error
handler turns into Joi's ``"<field>" must be ...``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from omnimeet.platform.clock import EPOCH
from omnimeet.vendors.vonage.errors import input_error

MAX_DISPLAY_NAME = 200
MAX_METADATA = 500
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
MAX_SAFE_INTEGER = 9_007_199_254_740_991
"""JavaScript's largest exact integer: the largest ``start_id`` / ``end_id``."""
MAX_DATE_MS = 8_640_000_000_000_000
"""The latest time a JavaScript ``Date`` holds."""

RoomType = Literal["instant", "long_term"]


def joi_bool(value: Any) -> Any:
    """``true``/``false``, or their text in any case, as Joi's ``boolean()`` converts it; anything else (a
    number, ``"yes"``) is not a boolean there."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PydanticCustomError("bool_parsing", "Input should be a valid boolean")


JoiBool = Annotated[bool, BeforeValidator(joi_bool)]
JoinApprovalLevel = Literal["none", "after_owner_only", "explicit_approval"]
MicrophoneState = Literal["on", "off", "default"]
Language = Literal["default", "en", "he", "es", "pt", "it"]
CALLBACK_URL_PATTERN = r"^https?:\/\/.*$"


def parse_time_ms(value: str) -> int | None:
    """Milliseconds since the epoch of an ISO-8601 date or date-time (``2023-01-30T00:47:04+0000``,
    ``...Z``, ``2023-01-30``; no zone means UTC), cut to the millisecond; None when it is not one."""
    text = value.strip()
    if not text or "\x00" in text:
        return None
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ms = (moment - EPOCH) // _ONE_MS
    return ms if -MAX_DATE_MS <= ms <= MAX_DATE_MS else None


_ONE_MS = datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC) - EPOCH


def _date(value: str | None) -> str | None:
    if value is not None and parse_time_ms(value) is None:
        raise ValueError("must be a valid date")
    return value


def _no_nul(value: str | None) -> str | None:
    # PostgreSQL cannot store U+0000 in text.
    if value is not None and "\x00" in value:
        raise ValueError("must not contain null characters")
    return value


IsoDate = Annotated[
    str | None,
    AfterValidator(_date),
    Field(default=None, json_schema_extra={"format": "date-time"}, examples=["2030-01-30T00:47:04.000Z"]),
]
CallbackUrl = Annotated[
    str | None, Field(default=None, pattern=CALLBACK_URL_PATTERN, max_length=2048), AfterValidator(_no_nul)
]


class Body(BaseModel):
    """Base of the request bodies: unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")


class RecordingOptions(Body):
    model_config = ConfigDict(title="RecordingOptions")

    auto_record: JoiBool = Field(default=False, description="Record every session of the room.")
    record_only_owner: JoiBool = Field(default=False, description="Record only the owner's screen.")


class InitialJoinOptions(Body):
    model_config = ConfigDict(title="InitialJoinOptions")

    microphone_state: MicrophoneState = "default"


class CallbackUrls(Body):
    model_config = ConfigDict(title="CallbackUrls")

    rooms_callback_url: CallbackUrl
    sessions_callback_url: CallbackUrl
    recordings_callback_url: CallbackUrl


class AvailableFeatures(Body):
    """What the meeting UI offers; each of the first three defaults to true."""

    model_config = ConfigDict(title="AvailableFeatures")

    is_recording_available: JoiBool = True
    is_chat_available: JoiBool = True
    is_whiteboard_available: JoiBool = True
    is_locale_switcher_available: JoiBool = False
    is_captions_available: JoiBool = False


class UiSettings(Body):
    model_config = ConfigDict(title="UiSettings")

    language: Language = "default"


class CreateRoom(Body):
    """Body of POST /rooms. ``expires_at`` is for long_term rooms only (required there, at most a year
    ahead); an instant room expires ten minutes after its creation."""

    model_config = ConfigDict(
        title="CreateRoomDetails",
        json_schema_extra={
            "examples": [{"display_name": "my_test_room"}, {"display_name": "x", "metadata": "m"}]
        },
    )

    display_name: Annotated[str, Field(min_length=1, max_length=MAX_DISPLAY_NAME), AfterValidator(_no_nul)]
    metadata: Annotated[str | None, Field(default=None, max_length=MAX_METADATA), AfterValidator(_no_nul)]
    type: RoomType = "instant"
    expires_at: IsoDate
    recording_options: RecordingOptions = Field(default_factory=RecordingOptions)
    expire_after_use: JoiBool = Field(
        default=False, description="Close a long_term room ten minutes after its last participant leaves."
    )
    theme_id: Annotated[str | None, Field(default=None, max_length=128), AfterValidator(_no_nul)]
    join_approval_level: JoinApprovalLevel = "none"
    initial_join_options: InitialJoinOptions = Field(default_factory=InitialJoinOptions)
    callback_urls: CallbackUrls | None = None
    available_features: AvailableFeatures = Field(default_factory=AvailableFeatures)
    ui_settings: UiSettings = Field(default_factory=UiSettings)


class UpdateDetails(Body):
    """What PATCH /rooms/{room_id} may change (only in long_term rooms). Objects are merged key by key."""

    model_config = ConfigDict(title="UpdateRoomDetails")

    expires_at: IsoDate
    expire_after_use: JoiBool | None = None
    theme_id: Annotated[
        str | None,
        Field(default=None, max_length=128, description="null: no theme."),
        AfterValidator(_no_nul),
    ]
    join_approval_level: JoinApprovalLevel | None = None
    callback_urls: CallbackUrls | None = None
    available_features: AvailableFeatures | None = None
    initial_join_options: InitialJoinOptions | None = None

    def sent(self) -> set[str]:
        return set(self.model_fields_set)


class UpdateRoom(Body):
    """Body of PATCH /rooms/{room_id}: the changes in ``update_details`` (the spec, the Python SDK) or in
    ``update_options`` (the Node SDK)."""

    model_config = ConfigDict(title="UpdateRoomRequest")

    update_details: UpdateDetails | None = None
    update_options: UpdateDetails | None = Field(
        default=None,
        description="The same changes as the Node SDK sends them (when update_details is absent).",
    )


# --- answers ---------------------------------------------------------------------------------------------


class Link(BaseModel):
    """``{"href": <URL>}``."""

    model_config = ConfigDict(title="Link")

    href: str


class RoomLinks(BaseModel):
    model_config = ConfigDict(title="RoomLinks")

    host_url: Link
    guest_url: Link


class CallbackUrlsOut(BaseModel):
    model_config = ConfigDict(title="CallbackUrlsOut")

    rooms_callback_url: str | SkipJsonSchema[None] = None
    sessions_callback_url: str | SkipJsonSchema[None] = None
    recordings_callback_url: str | SkipJsonSchema[None] = None


class AvailableFeaturesOut(BaseModel):
    model_config = ConfigDict(title="AvailableFeaturesOut")

    is_recording_available: bool
    is_chat_available: bool
    is_whiteboard_available: bool
    is_locale_switcher_available: bool
    is_captions_available: bool


class Room(BaseModel):
    """A room as the service answered it (times ISO-8601 with milliseconds and ``Z``)."""

    model_config = ConfigDict(title="Room", populate_by_name=True)

    id: str = Field(json_schema_extra={"format": "uuid"})
    display_name: str
    metadata: str | None
    type: RoomType
    expires_at: str = Field(examples=["2023-01-24T03:30:38.629Z"])
    recording_options: RecordingOptions
    meeting_code: str = Field(pattern=r"^\d{9}$", examples=["412958792"])
    links: RoomLinks = Field(alias="_links")
    created_at: str = Field(examples=["2023-01-24T03:20:38.629Z"])
    is_available: bool = Field(description="false once the room has expired: no new session starts in it.")
    expire_after_use: bool
    theme_id: str | None
    initial_join_options: InitialJoinOptions
    join_approval_level: JoinApprovalLevel
    ui_settings: UiSettings
    available_features: AvailableFeaturesOut
    callback_urls: CallbackUrlsOut | SkipJsonSchema[None] = Field(
        default=None, description="Present when the room has callback URLs of its own."
    )


class PageLinks(BaseModel):
    """Absolute links (the Node SDK pages with ``new URL(next.href)``); an empty page has no prev/next."""

    model_config = ConfigDict(title="RoomPageLinks", populate_by_name=True)

    first: Link
    self_: Link = Field(alias="self")
    prev: Link | SkipJsonSchema[None] = None
    next: Link | SkipJsonSchema[None] = None


class RoomPage(BaseModel):
    """A page of rooms, oldest first. ``start_id`` / ``end_id`` are the rooms' internal sequence numbers."""

    model_config = ConfigDict(title="RoomPage", populate_by_name=True)

    page_size: int
    embedded: list[Room] = Field(alias="_embedded", description="The rooms (a bare list, as served).")
    links: PageLinks = Field(alias="_links")
    total_items: int = Field(description="How many rooms there are in all (of the theme, for a theme).")


class Error(BaseModel):
    """An error: ``{message, name, status[, errors]}``."""

    model_config = ConfigDict(title="Error")

    message: str = Field(examples=["Room 3f1c9a57-27c3-4a5e-9e0e-5cbd1c0e7e43 was not found"])
    name: str = Field(examples=["NotFoundError"])
    errors: list[Any] | SkipJsonSchema[None] = None
    status: int = Field(examples=[404])


class Unauthorized(BaseModel):
    """The 401 answer."""

    model_config = ConfigDict(title="Unauthorized")

    title: str = Field(examples=["Unauthorized"])
    detail: str = Field(examples=["You did not provide correct credentials"])


def error(description: str) -> dict[str, Any]:
    """A response declaration of an error answer."""
    return {"model": Error, "description": description}


UNAUTHORIZED: dict[str, Any] = {
    "model": Unauthorized,
    "description": "No application JWT, or one that is not accepted.",
}
INVALID = error('Invalid input (`InputValidationError`, Joi\'s wording: `"display_name" is required`).')
OTHER = error("Other client errors: JSON that does not parse (400), too large (413), unknown route (404).")
CRASH = error("Internal server error.")


Changes = TypeVar("Changes")


def chosen_update(update_details: Changes | None, update_options: Changes | None) -> tuple[str, Changes]:
    """The changes of a PATCH body and the key they came under: ``update_details`` (the spec, the Python
    SDK) or ``update_options`` (the Node SDK). Neither: Joi's 400, naming the spec's key."""
    if update_details is not None:
        return "update_details", update_details
    if update_options is not None:
        return "update_options", update_options
    raise input_error('"update_details" is required')
