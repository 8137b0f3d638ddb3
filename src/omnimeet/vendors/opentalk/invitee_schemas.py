"""Bodies of the event invite, favourite and shared folder routes, as the controller reads and writes them
(the 0.35 shapes where the 2023 document is vague). ``EventInvitee`` and ``SharedFolder`` are the event
schemas' (one component each in the API document)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue
from pydantic_core import PydanticCustomError

from omnimeet.vendors.opentalk.event_schemas import EventInvitee, SharedFolder

InviteRole = Literal["user", "moderator"]
"""The role of an invited registered user."""
EmailInviteRole = Literal["guest", "moderator"]
"""The role of an invitation by e-mail address."""
EventInviteStatus = Literal["pending", "accepted", "tentative", "declined"]

__all__ = ["EventInvitee", "SharedFolder"]

_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$")


def _email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.match(value):
        raise PydanticCustomError("invalid_email", "Not a valid email address")
    return value


EmailAddress = Annotated[
    str, AfterValidator(_email), Field(json_schema_extra={"format": "email"}, examples=["bob@example.com"])
]


_INVITE_VARIANTS: list[JsonValue] = [
    {
        "required": ["invitee"],
        "properties": {"invitee": {"type": "string"}, "role": {"enum": ["user", "moderator", None]}},
    },
    {
        "required": ["email"],
        "not": {"required": ["invitee"]},
        "properties": {"email": {"type": "string"}, "role": {"enum": ["guest", "moderator", None]}},
    },
]
"""The two forms of the body (``UserInvite``, ``EmailInvite``) as constraints beside the properties."""


class PostEventInviteBody(BaseModel):
    """Either ``{invitee, role?}`` (a registered user, role `user` or `moderator`) or ``{email, role?}``
    (an address, role `guest` or `moderator`). With both, the user id counts."""

    model_config = ConfigDict(title="PostEventInviteBody", json_schema_extra={"anyOf": _INVITE_VARIANTS})

    invitee: UUID | None = Field(default=None, description="The id of the user to invite.")
    email: EmailAddress | None = Field(default=None, description="The e-mail address to invite.")
    role: Literal["user", "guest", "moderator"] | None = Field(
        default=None,
        description="`user` (default) or `moderator` for a user; `guest` (default) or `moderator` for an "
        "address.",
    )


class PatchInviteBody(BaseModel):
    model_config = ConfigDict(title="PatchInviteBody")

    role: InviteRole | None = Field(default=None, description="The invitee's new role.")


class PatchEmailInviteBody(BaseModel):
    model_config = ConfigDict(title="PatchEmailInviteBody")

    email: EmailAddress = Field(description="The invited address.")
    role: EmailInviteRole | None = Field(default=None, description="The new role.")


class DeleteEmailInviteBody(BaseModel):
    model_config = ConfigDict(title="DeleteEmailInviteBody")

    email: EmailAddress = Field(description="The address whose invitation to withdraw.")


class PendingInvites(BaseModel):
    model_config = ConfigDict(title="GetEventInvitesPendingResponseBody")

    total_pending_invites: int = Field(ge=0, description="How many invitations the user has not answered.")
