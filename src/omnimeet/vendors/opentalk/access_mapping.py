"""Access routes' wire shapes: invite codes and SIP configs as JSON, and the signalling start errors with
the controller's codes and texts. Who may do what with a room: ``room_rules``."""

from __future__ import annotations

from typing import Any

from omnimeet.domain.dial_ins import DialIn
from omnimeet.domain.invite_codes import InviteCode
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Tx
from omnimeet.domain.users import User, UserService
from omnimeet.vendors.opentalk.auth import Caller
from omnimeet.vendors.opentalk.errors import OpenTalkError, bad_request, invalid
from omnimeet.vendors.opentalk.mapping import public_profile, timestamp

# --- errors ---------------------------------------------------------------------------------------


def wrong_room_password() -> OpenTalkError:
    return OpenTalkError(
        401, "wrong_room_password", "The provided password does not match the rooms password"
    )


def no_breakout_rooms() -> OpenTalkError:
    return bad_request("no_breakout_rooms", "The requested room has no breakout rooms")


def invalid_breakout_room_id() -> OpenTalkError:
    return bad_request("invalid_breakout_room_id", "The provided breakout room ID is invalid")


def banned_from_room() -> OpenTalkError:
    return OpenTalkError(403, "banned_from_room", "This user has been banned from entering this room")


def room_id_mismatch() -> OpenTalkError:
    return bad_request("bad_request", "Room id mismatch")


def bad_invite_code() -> OpenTalkError:
    return invalid("invite_code", "invalid_value", "Bad invite code format")


def invalid_credentials() -> OpenTalkError:
    return bad_request("invalid_credentials", "The provided credentials are invalid")


# --- JSON -----------------------------------------------------------------------------------------


def profiles_of(tx: Tx, users: UserService, caller: Caller, invites: list[InviteCode]) -> dict[str, User]:
    """The users who created or changed ``invites``, by public id (one query)."""
    wanted = {ref for invite in invites for ref in (invite.created_by, invite.updated_by) if ref}
    found = users.many(tx, caller.principal, wanted - {caller.user.public_id})
    found[caller.user.public_id] = caller.user
    return found


def _profile(users: dict[str, User], ref: str | None) -> dict[str, Any]:
    user = users.get(ref or "")
    if user is not None:
        return public_profile(user)
    # A creator who is gone: a profile with the id alone (the controller's users are never deleted).
    return {
        "id": ref or "00000000-0000-0000-0000-000000000000",
        "email": "",
        "title": "",
        "firstname": "",
        "lastname": "",
        "display_name": "",
        "avatar_url": "",
    }


def invite_json(invite: InviteCode, users: dict[str, User]) -> dict[str, Any]:
    return {
        "invite_code": invite.code,
        "created": timestamp(invite.created_at_ms),
        "created_by": _profile(users, invite.created_by),
        "updated": timestamp(invite.updated_at_ms),
        "updated_by": _profile(users, invite.updated_by),
        "room_id": invite.room_id,
        "active": invite.active,
        "expiration": timestamp(invite.expires_at_ms),
    }


def sip_json(room: Room, dial_in: DialIn) -> dict[str, Any]:
    return {
        "room": room.public_id,
        "sip_id": dial_in.dial_in_id,
        "password": dial_in.pin,
        "lobby": dial_in.lobby,
    }
