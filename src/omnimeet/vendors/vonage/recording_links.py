"""The download links of Vonage Meetings recordings: presigned, S3 style (signature version 2).

A link is ``<api root>/recordings/<account>/<recording id>/archive.mp4`` with the query ``AWSAccessKeyId``,
``Expires`` (Unix seconds on the virtual clock), ``Signature`` and the ``response-content-disposition`` /
``response-content-type`` overrides, so a plain GET downloads the file without any JWT. ``Signature`` is the
base64 HMAC-SHA1, keyed by ``signing_key(settings)``, of ``GET``, two empty lines, ``Expires`` and
``<path>?response-content-disposition=..&response-content-type=..`` (``<path>`` relative to the API root, the
override values decoded), one per line.

The key derives from the settings that every process of one installation shares (the database URL and the
control token), so every server sharing a database accepts the links any of them made, and an installation
with a control token has a key nobody outside can work out. Links stay valid ``LINK_TTL_S`` seconds after
they were made: when the recording was read, or when the ``recording:ready`` event happened.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from omnimeet.domain.meeting_records import Recording
from omnimeet.domain.rooms import Room
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.config import Settings
from omnimeet.vendors.vonage.rules import ARCHIVE, WIRE_STATUS, account_of

LINK_TTL_S = 3600
PREFIX = "/recordings"
CONTENT_TYPE = "video/mp4"


def signing_key(settings: Settings) -> bytes:
    material = (
        f"omnimeet/vonage/recordings\x00{settings.resolved_database_url()}\x00{settings.control_token or ''}"
    )
    return hashlib.sha256(material.encode()).digest()


def object_path(account: str, recording_id: str) -> str:
    return f"{PREFIX}/{account}/{recording_id}/{ARCHIVE}"


def disposition(room_name: str | None, started_at_ms: int) -> str:
    """``attachment; filename="<room name>_<start, ISO with its colons escaped>.mp4"``."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", room_name or "").strip("_") or "recording"
    return f'attachment; filename="{name}_{quote(iso_ms(started_at_ms), safe="")}.mp4"'


@dataclass(frozen=True, slots=True)
class Signer:
    key: bytes

    @property
    def access_key_id(self) -> str:
        return "ASIA" + base64.b32encode(hashlib.sha256(b"id" + self.key).digest()).decode()[:16]

    def signature(self, path: str, expires_s: int, content_disposition: str) -> str:
        resource = (
            f"{path}?response-content-disposition={content_disposition}&response-content-type={CONTENT_TYPE}"
        )
        text = f"GET\n\n\n{expires_s}\n{resource}"
        return base64.b64encode(hmac.new(self.key, text.encode(), hashlib.sha1).digest()).decode()

    def url(self, root: str, path: str, expires_s: int, content_disposition: str) -> str:
        query = "&".join(
            (
                f"AWSAccessKeyId={self.access_key_id}",
                f"Expires={expires_s}",
                f"Signature={quote(self.signature(path, expires_s, content_disposition), safe='')}",
                f"response-content-disposition={quote(content_disposition, safe='')}",
                f"response-content-type={quote(CONTENT_TYPE, safe='')}",
            )
        )
        return f"{root.rstrip('/')}{path}?{query}"

    def valid(self, path: str, expires_s: int, content_disposition: str, given: str) -> bool:
        return hmac.compare_digest(self.signature(path, expires_s, content_disposition), given)


def expires_after(now_ms: int) -> int:
    """``Expires`` of a link made at ``now_ms``."""
    return now_ms // 1000 + LINK_TTL_S


def recording_body(
    recording: Recording, room: Room, root: str, signer: Signer, now_ms: int
) -> dict[str, Any]:
    """A recording as GET /recordings/{id} answers it: ``started_at`` is when it was asked for until it
    records, ``ended_at`` null until its media ends; the link, made at ``now_ms``, works once it is
    uploaded."""
    started = recording.started_at_ms if recording.started_at_ms is not None else recording.created_at_ms
    path = object_path(account_of(room), recording.public_id)
    href = signer.url(root, path, expires_after(now_ms), disposition(room.name, started))
    return {
        "id": recording.public_id,
        "session_id": recording.session_id,
        "started_at": iso_ms(started),
        "ended_at": iso_ms(recording.ended_at_ms) if recording.ended_at_ms is not None else None,
        "status": WIRE_STATUS[recording.status],
        "_links": {"url": {"href": href}},
    }
