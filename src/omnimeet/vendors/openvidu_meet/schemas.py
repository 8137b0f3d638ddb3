# ruff: noqa: N815  (the vendor's wire names are camelCase)
"""OpenVidu Meet wire models: request bodies (validated strictly, so that ``"10"`` is not a number, as with
the vendor's zod schemas) and the answers of openapi/openvidu-meet.yaml.

Request models derive from ``StrictBody``: unknown keys are dropped, types are never coerced, and a value
rule of our own raises ``zod_error(message)`` so that its message reaches the client word for word
(``errors.validation_details`` turns pydantic's errors into zod's ``{field, message}`` pairs).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

ZOD = "zod"
"""The pydantic error type whose message is sent to the client as it is."""

MAX_DATE_MS = 8_640_000_000_000_000
"""The latest time a JavaScript ``Date`` can hold (ms since the epoch); later expiration dates are invalid."""
MAX_INT32 = 2_147_483_647
MAX_NAME_LENGTH = 128
"""Longest participant or room name the store holds."""


def zod_error(message: str) -> PydanticCustomError:
    return PydanticCustomError(ZOD, message)


class StrictBody(BaseModel):
    """Base of every request body: strict types, unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store U+0000 in text; the vendor would accept it, but nobody sends it on purpose.
    if "\x00" in value:
        raise zod_error("String must not contain NUL characters")
    return value


def _name(value: str) -> str:
    _no_nul(value)
    if not value:
        raise zod_error("String must contain at least 1 character(s)")
    if len(value) > MAX_NAME_LENGTH:
        raise zod_error(f"String must contain at most {MAX_NAME_LENGTH} character(s)")
    return value


def _expiration(value: float) -> float:
    if value <= 0 or value > MAX_DATE_MS:
        raise zod_error("Expiration date must be in the future")
    return value


def _integral(value: Any) -> Any:
    """A whole number sent as ``3.0`` is the integer 3 (JSON, like JavaScript, has one number type)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, float) and value == value:
        raise zod_error("Expected integer, received float")
    return value


def _max_participants(value: int | None) -> int | None:
    if value is not None and value <= 0:
        raise zod_error("Max participants must be a positive integer")
    if value is not None and value > MAX_INT32:
        raise zod_error(f"Number must be less than or equal to {MAX_INT32}")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Name = Annotated[str, AfterValidator(_name)]


class FeaturePreference(StrictBody):
    enabled: bool = Field(default=True, description="Whether the feature is on in the room.")


class ChatPreferences(FeaturePreference):
    model_config = ConfigDict(title="ChatPreferences")


class RecordingPreferences(FeaturePreference):
    model_config = ConfigDict(title="RecordingPreferences")


class VirtualBackgroundPreferences(FeaturePreference):
    model_config = ConfigDict(title="VirtualBackgroundPreferences")


PREFERENCE_KEYS = ("chatPreferences", "recordingPreferences", "virtualBackgroundPreferences")


class RoomPreferences(StrictBody):
    """The room's features; each defaults to enabled. On PUT, features left out keep their setting."""

    model_config = ConfigDict(title="RoomPreferences")

    chatPreferences: ChatPreferences = Field(default_factory=ChatPreferences)
    recordingPreferences: RecordingPreferences = Field(default_factory=RecordingPreferences)
    virtualBackgroundPreferences: VirtualBackgroundPreferences = Field(
        default_factory=VirtualBackgroundPreferences
    )

    def sent(self) -> dict[str, bool]:
        """The features the client named, with their setting."""
        return {key: getattr(self, key).enabled for key in PREFERENCE_KEYS if key in self.model_fields_set}


class RoomOptions(StrictBody):
    """Body of POST /rooms."""

    model_config = ConfigDict(title="OpenViduMeetRoomOptions")

    expirationDate: Annotated[float, Field(allow_inf_nan=False), AfterValidator(_expiration)] = Field(
        description="When the room expires, in ms since the Unix epoch; must be in the future.",
        examples=[4_102_444_800_000],
    )
    roomNamePrefix: Text = Field(
        default="", description="Start of the generated room name (sanitised: letters, digits and '-')."
    )
    maxParticipants: Annotated[int | None, BeforeValidator(_integral), AfterValidator(_max_participants)] = (
        Field(
            default=None,
            description="How many participants the room holds at once; null or absent: no limit.",
        )
    )
    preferences: RoomPreferences = Field(default_factory=RoomPreferences)


class PreferencesUpdate(RoomPreferences):
    """Body of PUT /rooms/{roomName}: the preferences, at the top level or wrapped in ``preferences``."""

    model_config = ConfigDict(title="RoomPreferencesUpdate")

    preferences: RoomPreferences = Field(
        default_factory=RoomPreferences,
        description="The same preferences, wrapped (as in the vendor's example); wins when sent.",
    )

    def effective(self) -> dict[str, bool]:
        return self.preferences.sent() if "preferences" in self.model_fields_set else self.sent()


class TokenRequest(StrictBody):
    """Body of POST /participants/token."""

    model_config = ConfigDict(title="ParticipantTokenOptions")

    roomName: Name = Field(description="The room to join.")
    participantName: Name = Field(description="The participant's name (unique among those present).")
    secret: Text = Field(description="The `secret` query parameter of one of the room's URLs.")


# --- answers -------------------------------------------------------------------------------------------


class PreferencesOut(BaseModel):
    model_config = ConfigDict(title="RoomPreferencesOut")

    chatPreferences: FeaturePreference
    recordingPreferences: FeaturePreference
    virtualBackgroundPreferences: FeaturePreference


class Room(BaseModel):
    """A room. With ``fields``, only the named properties are present."""

    model_config = ConfigDict(title="OpenViduMeetRoom")

    roomName: str = Field(default="", examples=["OpenVidu-3f2a9c0b1d4e5f6"])
    creationDate: int = Field(default=0, description="ms since the Unix epoch.")
    expirationDate: float = Field(default=0, description="ms since the Unix epoch.")
    roomNamePrefix: str = ""
    preferences: PreferencesOut | SkipJsonSchema[None] = None
    maxParticipants: int | None = Field(default=None, description="null: no limit.")
    moderatorURL: str = Field(
        default="", examples=["http://localhost:6080/meet/OpenVidu-3f2a9/?secret=0a1b2c3d4e"]
    )
    publisherURL: str = ""
    viewerURL: str = ""


class Token(BaseModel):
    model_config = ConfigDict(title="ParticipantToken")

    token: str = Field(description="A JWT (HS256) naming the room, the participant and the role.")


class Error(BaseModel):
    """Error answers: ``{name, message}`` from the vendor's services, ``{message}`` from its auth,
    ``{error}`` for an unknown route, ``{error, message}`` for a bad request."""

    model_config = ConfigDict(title="Error")

    name: str | SkipJsonSchema[None] = Field(default=None, examples=["Room Error"])
    message: str | SkipJsonSchema[None] = Field(default=None, examples=["The room 'x' does not exist"])
    error: str | SkipJsonSchema[None] = Field(default=None, examples=["Not found"])


class FieldError(BaseModel):
    model_config = ConfigDict(title="FieldError")

    field: str = Field(description="Dotted path of the invalid value.", examples=["expirationDate"])
    message: str = Field(examples=["Expected number, received string"])


class ValidationError(BaseModel):
    model_config = ConfigDict(title="ValidationError")

    error: str = Field(examples=["Unprocessable Entity"])
    message: str = Field(examples=["Invalid request body"])
    details: list[FieldError]


def room_fields() -> tuple[str, ...]:
    return tuple(Room.model_fields)


AnyJson = dict[str, Any]
