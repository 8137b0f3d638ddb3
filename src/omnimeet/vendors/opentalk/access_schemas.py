"""Bodies of the access routes: room invite codes, SIP configs and signalling starts."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from omnimeet.vendors.opentalk.validators import datetime_text

NUMERIC_10 = r"^[0-9]{10}$"


class ProfileOut(BaseModel):
    """``PublicUserProfile``: what every user of the deployment may see of another."""

    model_config = ConfigDict(title="PublicUserProfile")

    id: UUID
    email: str
    title: str
    firstname: str
    lastname: str
    display_name: str
    avatar_url: str


class InviteCodeOut(BaseModel):
    """A room invite code."""

    model_config = ConfigDict(title="InviteCode")

    invite_code: UUID = Field(description="The code (a UUID).")
    created: AwareDatetime
    created_by: ProfileOut
    updated: AwareDatetime
    updated_by: ProfileOut
    room_id: UUID
    active: bool = Field(description="False once the code was deleted (withdrawn).")
    expiration: AwareDatetime | None = Field(description="When the code stops working; null: never.")


class NewInviteCode(BaseModel):
    """Body of ``POST /rooms/{room_id}/invites``."""

    expiration: Annotated[AwareDatetime | None, BeforeValidator(datetime_text)] = Field(
        default=None, description="When the code stops working (RFC 3339 with offset); null or absent: never."
    )


class UpdateInviteCode(BaseModel):
    """Body of ``PUT /rooms/{room_id}/invites/{invite_code}``: the new expiry (absent or null: never)."""

    expiration: Annotated[AwareDatetime | None, BeforeValidator(datetime_text)] = Field(
        default=None, description="When the code stops working (RFC 3339 with offset); null or absent: never."
    )


class InviteVerifyBody(BaseModel):
    """Body of ``POST /invite/verify``."""

    invite_code: str = Field(
        max_length=128, description="The invite code (a UUID).", json_schema_extra={"format": "uuid"}
    )


class InviteCodeVerified(BaseModel):
    """The room an invite code opens, and whether it asks for a password."""

    room_id: UUID
    password_required: bool


class SipConfigOut(BaseModel):
    """A room's SIP dial-in: the numeric id and password callers key in, and the lobby switch."""

    model_config = ConfigDict(title="SipConfig")

    room: UUID
    sip_id: str = Field(pattern=NUMERIC_10, description="10 digits identifying the room.")
    password: str = Field(pattern=NUMERIC_10, description="10 digits securing it.")
    lobby: bool


class PutSipConfig(BaseModel):
    """Body of ``PUT /rooms/{room_id}/sip`` (at least one property)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    password: str | None = Field(
        default=None,
        description="10 digits; generated when absent on creation.",
        examples=["9876543210"],
        json_schema_extra={"pattern": NUMERIC_10},
    )
    lobby: StrictBool | None = Field(
        default=None, description="Callers wait in a lobby; false when absent on creation."
    )


class RoomStart(BaseModel):
    """Body of ``POST /rooms/{room_id}/start``."""

    breakout_room: str | None = Field(
        default=None, description="The breakout room to join (a UUID).", json_schema_extra={"format": "uuid"}
    )
    resumption: str | None = Field(
        default=None, max_length=128, description="A resumption token of an earlier start: same participant."
    )


class InvitedRoomStart(BaseModel):
    """Body of ``POST /rooms/{room_id}/start_invited``."""

    invite_code: str = Field(
        max_length=128, description="An active invite code of the room.", json_schema_extra={"format": "uuid"}
    )
    password: str | None = Field(
        default=None, max_length=128, description="The room's password (ignored when it has none)."
    )
    breakout_room: str | None = Field(
        default=None, description="The breakout room to join (a UUID).", json_schema_extra={"format": "uuid"}
    )
    resumption: str | None = Field(
        default=None, max_length=128, description="A resumption token of an earlier start: same participant."
    )


class CallInStart(BaseModel):
    """Body of ``POST /services/call_in/start``: what a caller keyed in."""

    id: str = Field(
        max_length=10, description="The room's SIP id (10 digits).", json_schema_extra={"pattern": NUMERIC_10}
    )
    pin: str = Field(
        max_length=10,
        description="The room's SIP password (10 digits).",
        json_schema_extra={"pattern": NUMERIC_10},
    )


class StartSuccess(BaseModel):
    """A signalling ticket (for ``Sec-WebSocket-Protocol``) and a token to return as the same participant."""

    model_config = ConfigDict(title="RoomStartSuccess")

    ticket: str = Field(pattern=r"^[A-Za-z0-9]{64}$", description="Single use, valid 30 s.")
    resumption: str = Field(pattern=r"^[A-Za-z0-9]{64}$")
