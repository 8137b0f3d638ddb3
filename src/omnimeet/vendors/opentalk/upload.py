"""OpenTalk's recording upload: the recorder service streams a rendered recording into a room's assets.

``GET /v1/services/recording/upload?room_id=<uuid>&file_extension=<ext>&timestamp=<RFC 3339>`` upgraded to a
WebSocket (the seed's hand-written form, ``?room_id=<uuid>&filename=<name>``, is accepted too: the file keeps
that name). As the controller reads it:

- every binary message is one chunk: a 4-byte big-endian sequence number, then the chunk's bytes. The file is
  the chunks in sequence order (a number sent again replaces its chunk); a message shorter than 4 bytes ends
  the file (later ones are ignored). Text messages are ignored.
- when the socket closes (however it closes), the file is stored as an asset of the room: kind and namespace
  ``recording``, named ``recording_<YYYY-MM-DD_HH-MM-SS>-UTC.<ext>`` after ``timestamp``, prefixed with the
  title of the room's event when it has one (``<title>_recording_...``), owned by the room's owner (it counts
  towards their ``used_storage`` and shows in their ``GET /users/me/assets``). When the owner's storage is
  already beyond the tariff's ``max_storage`` quota (``OMNIMEET_OPENTALK_TARIFF_QUOTAS``), the upload is
  dropped, as the controller drops it (the socket was accepted; nothing is stored).

Service auth (the recorder is a service, not a user): ``Authorization: Bearer <token>``. Permissive mode
accepts any token (an expired JWT is still refused) and any room; strict mode wants an RS256 token of a
registered issuer carrying the realm role ``opentalk-recorder`` (``realm_access.roles``), and the room must
belong to that issuer's tenant. Refusals happen before the upgrade, as HTTP answers in the controller's error
format: no or a refused token, or no recorder role: 401; a missing or malformed query value: 400; an unknown
room: 404 (the controller itself would accept and drop the upload; refusing tells the recorder at once).
A plain GET without the upgrade is answered 401 or 400 the same way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, WebSocket
from starlette.responses import Response
from starlette.websockets import WebSocketDisconnect

from omnimeet.domain.assets import AssetService
from omnimeet.domain.errors import DomainError
from omnimeet.domain.meeting_records import RoomKey, find_room
from omnimeet.domain.room_assets import RoomAssetService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk.auth import API, looks_like_jwt, tenant_credential, verified_claims
from omnimeet.vendors.opentalk.errors import (
    OpenTalkError,
    bad_request,
    error_responses,
    not_found,
    unauthorized,
)
from omnimeet.vendors.opentalk.mapping import parse_timestamp

log = logging.getLogger(__name__)

UPLOAD_PATH = "/services/recording/upload"
RECORDER_ROLE = "opentalk-recorder"
KIND = "recording"
NAMESPACE = "recording"
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
"""Beyond this the socket is closed (1009) and nothing is stored."""
MAX_FILENAME = 100
MAX_SEED_FILENAME = 255
MAX_STORAGE_QUOTA = "max_storage"
"""The tariff quota (bytes) beyond which the room owner's storage takes no more recordings."""
_EXTENSION = re.compile(r"^[0-9a-zA-Z]{0,10}$")
_TITLE_KEEPS = frozenset("._- ")
_FIRST_MS = -62_135_596_800_000
"""0001-01-01T00:00:00Z"""
_LAST_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z"""


@dataclass(frozen=True, slots=True)
class UploadQuery:
    room_id: str
    file_extension: str
    timestamp_ms: int
    filename: str | None = None
    """The seed's form: the file's name as given (then ``file_extension`` and ``timestamp`` are unused)."""


def parse_query(params: Mapping[str, str]) -> UploadQuery:
    """The upload's query, or a 400 (as actix's query extractor refuses). Either ``file_extension`` and
    ``timestamp`` (the controller's), or ``filename`` alone (the seed's hand-written spec)."""
    room, extension, moment = params.get("room_id"), params.get("file_extension"), params.get("timestamp")
    filename = params.get("filename")
    if room is None:
        raise bad_request()
    try:
        room_id = str(UUID(room))
    except ValueError:
        raise bad_request() from None
    if extension is None and moment is None and filename is not None:
        if not 0 < len(filename) <= MAX_SEED_FILENAME or "\x00" in filename:
            raise bad_request()
        return UploadQuery(room_id, "", 0, filename)
    if extension is None or moment is None or not _EXTENSION.match(extension):
        raise bad_request()
    moment_ms = parse_timestamp(moment)
    if moment_ms is None or not _FIRST_MS <= moment_ms <= _LAST_MS:  # UTC within years 1-9999
        raise bad_request()
    return UploadQuery(room_id, extension, moment_ms)


def recording_filename(query: UploadQuery, event_title: str | None) -> str:
    """``recording_2026-12-01_09-00-00-UTC.webm``; with the room's event title in front when there is one
    (its unusual characters as ``_``, cut so the whole name stays within 100 characters). A name the query
    gave (the seed's form) is kept as it is."""
    if query.filename is not None:
        return query.filename
    at = datetime.fromtimestamp(query.timestamp_ms // 1000, UTC)
    moment = f"{at.year:04d}-{at.month:02d}-{at.day:02d}_{at.hour:02d}-{at.minute:02d}-{at.second:02d}"
    fixed = f"{KIND}_{moment}-UTC" + (f".{query.file_extension}" if query.file_extension else "")
    if not event_title:
        return fixed
    room_left = max(0, MAX_FILENAME - (len(fixed) + 1))
    title = "".join(c if c.isalnum() or c in _TITLE_KEEPS else "_" for c in event_title[:room_left])
    return f"{title}_{fixed}"


def assemble(chunks: Mapping[int, bytes]) -> bytes:
    return b"".join(chunks[number] for number in sorted(chunks))


class Chunks:
    """The file as it arrives: chunks by sequence number, until a message too short to carry one."""

    def __init__(self) -> None:
        self.parts: dict[int, bytes] = {}
        self.size = 0
        self.ended = False

    def add(self, message: bytes) -> None:
        if self.ended:
            return
        if len(message) < 4:
            self.ended = True
            return
        number = int.from_bytes(message[:4], "big", signed=True)
        self.size += len(message) - 4 - len(self.parts.get(number, b""))
        self.parts[number] = message[4:]


def _bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def recorder_tenant(ctx: AppContext, headers: Mapping[str, str]) -> str | None:
    """The tenant whose rooms the recorder may upload to (None: any, in permissive mode), or a 401."""
    token = _bearer(headers)
    if token is None:
        raise unauthorized()
    if ctx.credentials is None:
        if looks_like_jwt(token):
            verified_claims(ctx, token)  # an expired token is refused even here
        return None
    if not looks_like_jwt(token):
        raise unauthorized()
    claims = verified_claims(ctx, token)
    if RECORDER_ROLE not in _realm_roles(claims):
        raise unauthorized()
    principal = ctx.authenticate(API, tenant_credential(claims))
    if principal is None:
        raise unauthorized()
    return principal.tenant_id


def _realm_roles(claims: dict[str, Any]) -> list[Any]:
    access = claims.get("realm_access")
    roles = access.get("roles") if isinstance(access, dict) else None
    return roles if isinstance(roles, list) else []


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["upload"])
    room_assets = RoomAssetService(AssetService(ctx.clock))

    def admit(headers: Mapping[str, str], params: Mapping[str, str]) -> tuple[UploadQuery, str | None]:
        tenant_id = recorder_tenant(ctx, headers)
        query = parse_query(params)
        try:
            with ctx.db.transaction(write=False) as tx:
                room = find_room(tx, RoomKey(API, query.room_id))
        except DomainError:
            raise not_found() from None
        if tenant_id is not None and room.tenant_id != tenant_id:
            raise not_found()
        return query, tenant_id

    @router.get(
        UPLOAD_PATH,
        operation_id="get_upload",
        summary="Upload Websocket",
        description=(
            "A WebSocket (send `Connection: Upgrade`, `Upgrade: websocket`): binary messages of a 4-byte "
            "big-endian sequence number and a chunk of the recording; the recording is stored as an asset "
            "of the room when the socket closes. Needs a service Bearer token (strict mode: realm role "
            "`opentalk-recorder`). Without the upgrade the request is refused."
        ),
        openapi_extra={
            "security": [{"BearerAuth": []}],
            "parameters": [
                {
                    "name": "room_id",
                    "in": "query",
                    "required": True,
                    "description": "The room the recording belongs to.",
                    "schema": {"type": "string", "format": "uuid"},
                },
                {
                    "name": "file_extension",
                    "in": "query",
                    "description": "The file's extension (0-10 letters or digits); with `timestamp`.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "timestamp",
                    "in": "query",
                    "description": "When the recording was made (RFC 3339); names the file.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "filename",
                    "in": "query",
                    "description": "The seed's form, instead of the two above: the file's name as is.",
                    "schema": {"type": "string"},
                },
            ],
        },
        response_class=Response,
        responses={
            101: {"description": "Switching to the WebSocket."},
            **error_responses(400, 401, 404, e404="No such room."),
        },
    )
    async def upload_without_upgrade(request: Request) -> Response:
        admit(request.headers, request.query_params)
        raise bad_request()

    @router.websocket(UPLOAD_PATH)
    async def upload(websocket: WebSocket) -> None:
        try:
            query, tenant_id = admit(websocket.headers, websocket.query_params)
        except OpenTalkError as refused:
            await _deny(websocket, refused)
            return
        await websocket.accept()
        chunks = Chunks()
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes")
                if data is not None:
                    chunks.add(data)
                    if chunks.size > MAX_UPLOAD_BYTES:
                        await websocket.close(code=1009)
                        return
        except WebSocketDisconnect:
            pass
        try:
            with ctx.db.transaction() as tx:
                room_assets.add_to_room(
                    tx,
                    RoomKey(API, query.room_id),
                    str(ctx.ids.uuid4()),
                    assemble(chunks.parts),
                    lambda title: recording_filename(query, title),
                    kind=KIND,
                    namespace=NAMESPACE,
                    tenant_id=tenant_id,
                    max_storage=ctx.settings.opentalk_tariff_quotas.get(MAX_STORAGE_QUOTA),
                )
        except DomainError as exc:
            log.warning("recording upload for room %s dropped: %s", query.room_id, exc)

    return router


async def _deny(websocket: WebSocket, refused: OpenTalkError) -> None:
    """Refuses the upgrade with the controller's HTTP error answer (or a bare close when the server cannot
    send one)."""
    try:
        await websocket.send_denial_response(refused.response())
    except RuntimeError:
        await websocket.close(code=1008)
