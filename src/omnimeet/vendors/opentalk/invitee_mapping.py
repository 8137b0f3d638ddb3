"""Event invitations, shared folders and roles between the controller's words and the domain's."""

from __future__ import annotations

from typing import Any

from omnimeet.domain.event_invites import ROLE_MODERATOR, ROLE_PARTICIPANT, Invitee
from omnimeet.domain.ports import Ids
from omnimeet.vendors.opentalk.event_mapping import SHARED_FOLDER, new_settings
from omnimeet.vendors.opentalk.mapping import gravatar, public_profile

ROLE_FROM_WIRE = {"user": ROLE_PARTICIPANT, "guest": ROLE_PARTICIPANT, "moderator": ROLE_MODERATOR}
"""Both the user role ``user`` and the address role ``guest`` are plain participants."""


def wire_role(role: str | None) -> str:
    return "moderator" if role == ROLE_MODERATOR else "user"


def invitee_body(invitee: Invitee) -> dict[str, Any]:
    """``EventInvitee``: a registered user's profile with their role, or the bare address."""
    invite = invitee.invite
    if invitee.user is not None:
        profile: dict[str, Any] = {
            "kind": "registered",
            **public_profile(invitee.user),
            "role": wire_role(invite.role),
        }
    else:
        email = invite.email or ""
        profile = {"kind": "email", "email": email, "avatar_url": gravatar(email)}
    return {"profile": profile, "status": invite.status}


def new_shared_folder(ids: Ids) -> dict[str, Any]:
    """A new folder's two public shares (read-only and read-write), each with its own password: the same
    documents an event created with ``has_shared_folder`` gets."""
    folder: dict[str, Any] = new_settings(ids, shared_folder=True)[SHARED_FOLDER]
    return folder


def shared_folder_body(folder: dict[str, Any], *, writer: bool) -> dict[str, Any]:
    """``SharedFolder``: the read-write share only for the event's creator."""
    body: dict[str, Any] = {"read": folder["read"]}
    if writer and folder.get("read_write") is not None:
        body["read_write"] = folder["read_write"]
    return body
