"""The outbox: webhooks waiting to be delivered, one row per target, and what happened to each attempt.

Dispatchers claim due rows (a lease: ``delivering`` until it lapses), the platform POSTs them, and
``finish`` records the attempt and moves the row on. Rows of one ordering key (a room) and one target are
claimed one at a time, in the order they were written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select, update

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.store import Row, Tx
from omnimeet.domain.tables import OUTBOX, WEBHOOK_ATTEMPTS


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    """Waiting for its next attempt (``next_attempt_at_ms``)."""
    DELIVERING = "delivering"
    """Claimed by a dispatcher until ``lease_until_ms`` (after that, another may claim it)."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """Given up: too old, or its target is not allowed."""


DELIVERY_TRANSITIONS: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    # Claimed by a dispatcher; redelivered (due now again).
    DeliveryStatus.PENDING: frozenset({DeliveryStatus.DELIVERING, DeliveryStatus.PENDING}),
    # The attempt's outcome; a lapsed lease claimed again; redelivered.
    DeliveryStatus.DELIVERING: frozenset(
        {
            DeliveryStatus.DELIVERED,
            DeliveryStatus.PENDING,
            DeliveryStatus.FAILED,
            DeliveryStatus.DELIVERING,
        }
    ),
    DeliveryStatus.DELIVERED: frozenset({DeliveryStatus.PENDING}),
    DeliveryStatus.FAILED: frozenset({DeliveryStatus.PENDING}),
}
"""Every status change an outbox row can make. Only redelivery leaves ``delivered`` and ``failed``."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """An outbox row: one webhook to one target. ``event`` is the vendor's name for it; ``payload`` is the
    neutral event (``type``, ``occurred_at_ms``, ``data``, ``tenant``, ``api``)."""

    id: int
    tenant_id: str
    api: str
    event: str
    ordering_key: str
    payload: dict[str, Any]
    url: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at_ms: int
    created_at_ms: int
    delivered_at_ms: int | None
    last_error: str | None
    secret: str | None
    lease_until_ms: int | None

    @classmethod
    def from_row(cls, row: Row) -> Delivery:
        values = list(row)
        values[5] = json.loads(values[5])
        values[7] = DeliveryStatus(values[7])
        return cls(*values)


@dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: int
    attempted_at_ms: int
    status_code: int | None
    error: str | None
    duration_ms: int
    response_body: str | None


_O = OUTBOX
_A = WEBHOOK_ATTEMPTS
_DELIVERY_COLUMNS = (
    _O.c.seq,
    _O.c.tenant_id,
    _O.c.api,
    _O.c.event_type,
    _O.c.ordering_key,
    _O.c.payload,
    _O.c.target_url,
    _O.c.status,
    _O.c.attempts,
    _O.c.next_attempt_at_ms,
    _O.c.created_at_ms,
    _O.c.delivered_at_ms,
    _O.c.last_error,
    _O.c.secret,
    _O.c.lease_until_ms,
)
_ATTEMPT_COLUMNS = (
    _A.c.outbox_seq,
    _A.c.attempted_at_ms,
    _A.c.status_code,
    _A.c.error,
    _A.c.duration_ms,
    _A.c.response_body,
)
_DELIVERY = select(*_DELIVERY_COLUMNS).where(_O.c.seq == bindparam("seq"))
_ATTEMPTS_BETWEEN = (
    select(*_ATTEMPT_COLUMNS)
    .where(_A.c.outbox_seq >= bindparam("low"), _A.c.outbox_seq <= bindparam("high"))
    .order_by(_A.c.seq)
)
_DELIVERING_COUNT = select(func.count()).select_from(_O).where(_O.c.status == DeliveryStatus.DELIVERING.value)
_PENDING_COUNT = select(func.count()).select_from(_O).where(_O.c.status == DeliveryStatus.PENDING.value)

LIST_FILTERS = ("api", "tenant_id", "event_type", "status")


def _filters(names: Iterable[str]) -> list[ColumnElement[bool]]:
    return [_O.c[name] == bindparam(name) for name in names]


@cache
def _list_query(names: tuple[str, ...]) -> Select[Any]:
    return select(*_DELIVERY_COLUMNS).where(*_filters(names)).order_by(_O.c.seq.desc()).limit(bindparam("n"))


@cache
def _count_query(names: tuple[str, ...]) -> Select[Any]:
    return select(func.count()).select_from(_O).where(*_filters(names))


def get_delivery(tx: Tx, delivery_id: int) -> Delivery:
    row = tx.fetch_one(_DELIVERY, {"seq": delivery_id})
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "webhook", id=delivery_id)
    return Delivery.from_row(row)


def list_deliveries(tx: Tx, limit: int, **filters: str | None) -> tuple[int, list[Delivery]]:
    """How many rows match ``filters`` (``LIST_FILTERS``, None = any), and the newest ``limit`` of them,
    oldest first."""
    given = {name: value for name, value in filters.items() if value is not None}
    unknown = set(given) - set(LIST_FILTERS)
    if unknown:
        raise ValueError(f"unknown filters {sorted(unknown)}")
    names = tuple(sorted(given))
    counted = tx.fetch_one(_count_query(names), given)
    total = int(counted[0]) if counted else 0
    rows = tx.fetch_all(_list_query(names), {**given, "n": limit}) if limit > 0 else []
    return total, [Delivery.from_row(row) for row in reversed(rows)]


def attempts_of(tx: Tx, deliveries: Sequence[Delivery]) -> dict[int, list[Attempt]]:
    """The attempts of each delivery, in the order they were made."""
    found: dict[int, list[Attempt]] = {d.id: [] for d in deliveries}
    if not found:
        return found
    for row in tx.fetch_all(_ATTEMPTS_BETWEEN, {"low": min(found), "high": max(found)}):
        attempts = found.get(row[0])
        if attempts is not None:
            attempts.append(Attempt(*row))
    return found


def count_pending(tx: Tx) -> int:
    row = tx.fetch_one(_PENDING_COUNT)
    return int(row[0]) if row else 0


def count_delivering(tx: Tx) -> int:
    row = tx.fetch_one(_DELIVERING_COUNT)
    return int(row[0]) if row else 0


def redeliver(tx: Tx, delivery_id: int, now_ms: int) -> Delivery:
    """Makes the row pending and due at ``now_ms``, whatever its status (a delivered one goes out again)."""
    values = {"status": DeliveryStatus.PENDING.value, "next_attempt_at_ms": now_ms, "lease_until_ms": None}
    if tx.update(_O, {"seq": delivery_id}, values) == 0:
        raise DomainError(ErrorCode.NOT_FOUND, "webhook", id=delivery_id)
    return get_delivery(tx, delivery_id)


# --- claiming and finishing deliveries --------------------------------------------------------------------

_C = OUTBOX.alias("candidate")
_EARLIER = OUTBOX.alias("earlier")
_PENDING = DeliveryStatus.PENDING.value
_DELIVERING = DeliveryStatus.DELIVERING.value
# Only the first unfinished row of each ordering key and target may go: webhooks of one room reach one
# receiver in the order they happened. (One grouped pass over the unfinished rows, through the status index,
# rather than a lookup per candidate: the outbox keeps every delivered row.)
_HEADS = (
    select(func.min(_EARLIER.c.seq))
    .where(or_(_EARLIER.c.status == _PENDING, _EARLIER.c.status == _DELIVERING))
    .group_by(_EARLIER.c.ordering_key, _EARLIER.c.target_url)
)
_DUE = or_(
    and_(_C.c.status == _PENDING, _C.c.next_attempt_at_ms <= bindparam("due_by")),
    # A claim whose dispatcher died (or hung) lapses; another dispatcher takes the row over.
    and_(_C.c.status == _DELIVERING, _C.c.lease_until_ms < bindparam("lease_now")),
)
_ANY_DUE = select(_C.c.seq).where(_DUE).limit(1)
_CLAIMABLE = (
    select(_C.c.seq)
    .where(_DUE, _C.c.seq.in_(_HEADS))
    .order_by(_C.c.seq)
    .limit(bindparam("n"))
    # PostgreSQL: rows another dispatcher is claiming right now are skipped, not waited for (and never
    # claimed twice). SQLite renders no FOR UPDATE: its writers are serialised by BEGIN IMMEDIATE.
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(_O)
    .where(_O.c.seq.in_(_CLAIMABLE))
    .values(status=_DELIVERING, lease_until_ms=bindparam("lease_until"))
    .returning(*_DELIVERY_COLUMNS)
)
_BUMP_ATTEMPTS = update(_O).where(_O.c.seq == bindparam("seq")).values(attempts=_O.c.attempts + 1)


def any_due(tx: Tx, *, due_by_ms: int, lease_now_ms: int) -> bool:
    """Whether a row may be due (held back or not): a cheap read before taking the write lock to claim."""
    return tx.fetch_one(_ANY_DUE, {"due_by": due_by_ms, "lease_now": lease_now_ms}) is not None


def claim_due(
    tx: Tx, *, due_by_ms: int, lease_now_ms: int, lease_until_ms: int, limit: int
) -> list[Delivery]:
    """Claims up to ``limit`` rows due by ``due_by_ms`` (virtual clock) that no earlier row of their ordering
    key holds back, plus rows whose lease lapsed before ``lease_now_ms`` (wall clock); they become
    ``delivering`` until ``lease_until_ms``. Commit at once: the claim is what other dispatchers see."""
    params = {"due_by": due_by_ms, "lease_now": lease_now_ms, "lease_until": lease_until_ms, "n": limit}
    rows = tx.fetch_all(_CLAIM, params)
    return sorted((Delivery.from_row(row) for row in rows), key=lambda d: d.id)


def finish(
    tx: Tx,
    delivery: Delivery,
    attempt: Attempt,
    status: DeliveryStatus,
    next_attempt_at_ms: int | None = None,
) -> bool:
    """Records ``attempt`` of a claimed row and moves the row to ``status`` (``pending`` again at
    ``next_attempt_at_ms``). When the claim was lost meanwhile (the row was redelivered, or its lease lapsed
    and another dispatcher took it), only the attempt is recorded; when the row is gone (a reset), nothing.
    Returns whether the row took ``status``."""
    values: dict[str, Any] = {
        "status": status.value,
        "attempts": delivery.attempts + 1,
        "next_attempt_at_ms": next_attempt_at_ms or delivery.next_attempt_at_ms,
        "delivered_at_ms": attempt.attempted_at_ms if status is DeliveryStatus.DELIVERED else None,
        "last_error": None if status is DeliveryStatus.DELIVERED else _error_text(attempt),
        "lease_until_ms": None,
    }
    if status is not DeliveryStatus.DELIVERED:
        values["delivered_at_ms"] = delivery.delivered_at_ms
    claim = {"seq": delivery.id, "status": _DELIVERING, "lease_until_ms": delivery.lease_until_ms}
    moved = tx.update(_O, claim, values) == 1
    if not moved and tx.execute(_BUMP_ATTEMPTS, {"seq": delivery.id}) == 0:
        return False
    tx.insert(
        _A,
        {
            "outbox_seq": delivery.id,
            "attempted_at_ms": attempt.attempted_at_ms,
            "status_code": attempt.status_code,
            "error": attempt.error,
            "duration_ms": attempt.duration_ms,
            "response_body": attempt.response_body,
        },
    )
    return moved


def _error_text(attempt: Attempt) -> str:
    if attempt.error:
        return attempt.error
    return f"HTTP {attempt.status_code}"
