"""Where Telemost's vocabulary meets the domain's: access levels, conference fields, ids and URLs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omnimeet.domain.ports import Ids
from omnimeet.domain.rooms import LiveStream, RoomView, StreamChange
from omnimeet.vendors.telemost.schemas import AccessLevel, ConferenceData, LiveStreamData

# Telemost access level <-> the domain's neutral room/stream access level.
ACCESS_TO_DOMAIN: dict[AccessLevel, str] = {
    AccessLevel.PUBLIC: "public",
    AccessLevel.ORGANIZATION: "organization",
    AccessLevel.UNKNOWN: "unspecified",
}
ACCESS_FROM_DOMAIN: dict[str, str] = {v: k.value for k, v in ACCESS_TO_DOMAIN.items()}

DEFAULT_ACCESS = AccessLevel.PUBLIC
"""A new conference's or live stream's access level when the client sends none."""


@dataclass(frozen=True, slots=True)
class Links:
    """Hosts of the public links; configurable for self-hosted use."""

    join_host: str
    watch_host: str

    def join_url(self, conference_id: str) -> str:
        return f"{self.join_host}/j/{conference_id}"

    def watch_url(self, stream: LiveStream) -> str:
        return f"{self.watch_host}/live/{stream.public_id}"


def new_conference_id(ids: Ids) -> str:
    return ids.digits(14)


def new_stream_id(ids: Ids) -> str:
    return ids.hex(32)


def _access(value: str | None) -> str:
    return ACCESS_FROM_DOMAIN.get(value or "", AccessLevel.UNKNOWN.value)


def stream_change(data: LiveStreamData, ids: Ids) -> StreamChange:
    """The live stream fields the client sent; a new stream's access level defaults to PUBLIC."""
    sent = data.model_fields_set
    fields: dict[str, Any] = {}
    if "access_level" in sent:
        fields["access_level"] = ACCESS_TO_DOMAIN[data.access_level]
    for name in ("title", "description"):
        if name in sent:
            fields[name] = getattr(data, name)
    return StreamChange(new_stream_id(ids), fields, {"access_level": ACCESS_TO_DOMAIN[DEFAULT_ACCESS]})


def create_request(data: ConferenceData, ids: Ids) -> tuple[str, dict[str, Any], StreamChange | None]:
    """(conference id, room fields, live stream) for POST /conferences."""
    room = {"access_level": ACCESS_TO_DOMAIN[data.access_level]}
    stream = stream_change(data.live_stream, ids) if data.sent("live_stream") else None
    return new_conference_id(ids), room, stream


def patch_request(data: ConferenceData, ids: Ids) -> tuple[dict[str, Any], StreamChange | None]:
    """(room changes, live stream to add or change) for PATCH /conferences/{id}."""
    room: dict[str, Any] = {}
    if data.sent("access_level"):
        room["access_level"] = ACCESS_TO_DOMAIN[data.access_level]
    stream = stream_change(data.live_stream, ids) if data.sent("live_stream") else None
    return room, stream


def conference_short(view: RoomView, links: Links) -> dict[str, Any]:
    body: dict[str, Any] = {"id": view.room.public_id, "join_url": links.join_url(view.room.public_id)}
    if view.live_streams:
        body["live_stream"] = {"watch_url": links.watch_url(view.live_streams[0])}
    return body


def conference(view: RoomView, links: Links) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": view.room.public_id,
        "join_url": links.join_url(view.room.public_id),
        "access_level": _access(view.room.access_level),
    }
    if view.live_streams:
        stream = view.live_streams[0]
        out: dict[str, Any] = {
            "watch_url": links.watch_url(stream),
            "access_level": _access(stream.access_level),
        }
        if stream.title is not None:
            out["title"] = stream.title
        if stream.description is not None:
            out["description"] = stream.description
        body["live_stream"] = out
    return body
