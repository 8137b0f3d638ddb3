"""Recordings as a tenant's catalogue: listing every recording of a tenant in one API (or of one of its
sessions), and deleting a finished one. (Starting, stopping and progression are
``omnimeet.domain.recordings``.)

Deleting removes the row; a recording still in progress (``RECORDING_IN_PROGRESS``) cannot be deleted
(``CONFLICT``, reason ``in_progress``). The file, if any, is the caller's to remove afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.meeting_records import Recording
from omnimeet.domain.states import RECORDING_IN_PROGRESS, RecordingStatus
from omnimeet.domain.store import Row, Tx

_REC = tables.RECORDINGS
_R = tables.ROOMS
_S = tables.MEETING_SESSIONS
_WIDTH = len(_REC.c)

_WITH_NAMES = select(_REC, _R.c.public_id, _S.c.public_id).select_from(
    _REC.join(_R, _R.c.seq == _REC.c.room_seq).outerjoin(_S, _S.c.seq == _REC.c.session_seq)
)
_OF_TENANT = _WITH_NAMES.where(
    _R.c.api == bindparam("api"), _REC.c.tenant_id == bindparam("tenant")
).order_by(_REC.c.seq)
_OF_SESSION = _OF_TENANT.where(_S.c.public_id == bindparam("session"))
_ONE_LOCKED = (
    _WITH_NAMES.where(
        _R.c.api == bindparam("api"),
        _REC.c.tenant_id == bindparam("tenant"),
        _REC.c.public_id == bindparam("public_id"),
    )
    .order_by(_REC.c.seq.desc())
    .limit(1)
    .with_for_update(of=_REC)
)


def _recording(row: Row) -> Recording:
    return Recording.from_row(row[:_WIDTH], row[_WIDTH], row[_WIDTH + 1])


def recordings_of_tenant(tx: Tx, api: str, tenant_id: str) -> list[Recording]:
    """Every recording of the tenant's rooms in ``api`` (deleted and expired rooms too), oldest first."""
    return [_recording(row) for row in tx.fetch_all(_OF_TENANT, {"api": api, "tenant": tenant_id})]


def recordings_of_session(tx: Tx, api: str, tenant_id: str, session_id: str) -> list[Recording]:
    """The tenant's recordings of one session (by its public id) in ``api``, oldest first."""
    rows = tx.fetch_all(_OF_SESSION, {"api": api, "tenant": tenant_id, "session": session_id})
    return [_recording(row) for row in rows]


def delete_recording(tx: Tx, api: str, tenant_id: str, recording_id: str) -> Recording:
    """Deletes the tenant's recording and returns it as it was. ``NOT_FOUND`` when the tenant has no such
    recording; ``CONFLICT`` (reason ``in_progress``) while it is starting, recording or stopping."""
    row = tx.fetch_one(_ONE_LOCKED, {"api": api, "tenant": tenant_id, "public_id": recording_id})
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "recording", id=recording_id)
    recording = _recording(row)
    if RecordingStatus(recording.status) in RECORDING_IN_PROGRESS:
        raise DomainError(
            ErrorCode.CONFLICT, "recording", reason="in_progress", id=recording_id, status=recording.status
        )
    tx.delete(_REC, {"seq": recording.seq})
    return recording


def delete_finished(tx: Tx, api: str, tenant_id: str, recording_ids: Iterable[str]) -> list[Recording]:
    """Deletes each of the tenant's finished recordings among ``recording_ids`` (each id once) and returns
    them; unknown ids and recordings still in progress are skipped."""
    deleted = []
    for recording_id in dict.fromkeys(recording_ids):
        try:
            deleted.append(delete_recording(tx, api, tenant_id, recording_id))
        except DomainError as exc:
            if exc.code not in (ErrorCode.NOT_FOUND, ErrorCode.CONFLICT):
                raise
    return deleted
