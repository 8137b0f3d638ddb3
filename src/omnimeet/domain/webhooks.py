"""Webhooks, vendor-neutral: endpoints set through the control plane, and writing the outbox.

An event published inside a unit of work becomes one outbox row per target, in that same transaction: each
control-plane endpoint of the event's API that wants it (one tenant's, or every tenant's), plus any target the
room itself names (a vendor whose rooms carry callback URLs). The row stores the neutral event; the vendor's
webhook rules decide its name here, and its format renders the body when the row is delivered
(``omnimeet.domain.outbox`` claims rows and records attempts; the HTTP is the platform's).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import (
    Select,
    bindparam,
    or_,
    select,
)

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.outbox import DeliveryStatus
from omnimeet.domain.ports import Clock
from omnimeet.domain.store import Row, Tx
from omnimeet.domain.tables import OUTBOX, TENANTS, WEBHOOK_ENDPOINTS

ALL_EVENTS = "*"
"""In an endpoint's ``events``: every event of its API."""

Target = tuple[str, str | None]
"""Where a webhook goes: URL and signing secret (or None)."""


class WebhookRules(Protocol):
    """What a vendor decides about its webhooks before anything is delivered."""

    def event_name(self, event_type: EventType) -> str | None:
        """The vendor's name for the event, or None when the vendor sends no webhook for it."""
        ...

    def room_targets(self, event: DomainEvent) -> Sequence[Target]:
        """Targets the room's own settings name (``event.room_settings``), beside control-plane endpoints."""
        ...


class DefaultRules:
    """Rules of a vendor without its own: every event, under its neutral name; no room targets."""

    def event_name(self, event_type: EventType) -> str | None:
        return event_type.value

    def room_targets(self, event: DomainEvent) -> Sequence[Target]:
        return ()


DEFAULT_RULES = DefaultRules()


# --- endpoints --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: int
    tenant_id: str | None
    api: str
    url: str
    events: tuple[str, ...]
    secret: str | None
    created_at_ms: int

    @classmethod
    def from_row(cls, row: Row) -> Endpoint:
        seq, tenant_id, api, url, events, secret, created_at_ms = row
        return cls(seq, tenant_id, api, url, tuple(json.loads(events)), secret, created_at_ms)

    def wants(self, neutral: str, name: str) -> bool:
        return ALL_EVENTS in self.events or name in self.events or neutral in self.events


_E = WEBHOOK_ENDPOINTS
_ENDPOINT_COLUMNS = (
    _E.c.seq,
    _E.c.tenant_id,
    _E.c.api,
    _E.c.url,
    _E.c.events,
    _E.c.secret,
    _E.c.created_at_ms,
)
_ENDPOINT = select(*_ENDPOINT_COLUMNS).where(_E.c.seq == bindparam("seq"))
_ENDPOINTS_OF_EVENT = (
    select(*_ENDPOINT_COLUMNS)
    .where(_E.c.api == bindparam("api"), or_(_E.c.tenant_id.is_(None), _E.c.tenant_id == bindparam("tenant")))
    .order_by(_E.c.seq)
)
_TENANT_EXISTS = select(TENANTS.c.id).where(TENANTS.c.id == bindparam("id"))


def event_names(rules: WebhookRules) -> set[str]:
    """Every name an endpoint's ``events`` may list for a vendor: its own names and the neutral ones."""
    names = {ALL_EVENTS}
    for event_type in EventType:
        name = rules.event_name(event_type)
        if name is not None:
            names.update((name, event_type.value))
    return names


def check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:  # a broken IPv6 host or port
        usable = False
    if not usable:
        raise DomainError(ErrorCode.INVALID, "webhook_endpoint", field="url", reason="not an http(s) URL")


def create_endpoint(
    tx: Tx,
    rules: WebhookRules,
    *,
    api: str,
    url: str,
    events: Sequence[str] = (ALL_EVENTS,),
    tenant_id: str | None = None,
    secret: str | None = None,
    now_ms: int,
) -> Endpoint:
    """A new endpoint for ``api``'s events; ``events`` are the vendor's or neutral names, or ``*``."""
    check_url(url)
    if not events:
        raise DomainError(ErrorCode.INVALID, "webhook_endpoint", field="events", reason="empty")
    unknown = sorted(set(events) - event_names(rules))
    if unknown:
        raise DomainError(ErrorCode.INVALID, "webhook_endpoint", field="events", unknown=unknown)
    if tenant_id is not None and tx.fetch_one(_TENANT_EXISTS, {"id": tenant_id}) is None:
        raise DomainError(ErrorCode.INVALID, "webhook_endpoint", field="tenant", reason="no such tenant")
    kept = tuple(dict.fromkeys(events))
    values = {
        "tenant_id": tenant_id,
        "api": api,
        "url": url,
        "events": json.dumps(list(kept)),
        "secret": secret,
        "created_at_ms": now_ms,
    }
    seq = tx.insert(_E, values, returning="seq")
    return Endpoint(seq, tenant_id, api, url, kept, secret, now_ms)


def get_endpoint(tx: Tx, endpoint_id: int) -> Endpoint:
    row = tx.fetch_one(_ENDPOINT, {"seq": endpoint_id})
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "webhook_endpoint", id=endpoint_id)
    return Endpoint.from_row(row)


@cache
def _endpoints_query(by_api: bool, by_tenant: bool) -> Select[Any]:
    stmt = select(*_ENDPOINT_COLUMNS).order_by(_E.c.seq)
    if by_api:
        stmt = stmt.where(_E.c.api == bindparam("api"))
    if by_tenant:
        stmt = stmt.where(_E.c.tenant_id == bindparam("tenant"))
    return stmt


def list_endpoints(tx: Tx, api: str | None = None, tenant_id: str | None = None) -> list[Endpoint]:
    """Endpoints, oldest first, optionally of one API and of one tenant (tenant-specific ones only)."""
    stmt = _endpoints_query(api is not None, tenant_id is not None)
    rows = tx.fetch_all(stmt, {"api": api, "tenant": tenant_id})
    return [Endpoint.from_row(row) for row in rows]


def delete_endpoint(tx: Tx, endpoint_id: int) -> None:
    """Removes the endpoint; webhooks already in the outbox stay."""
    if tx.delete(_E, {"seq": endpoint_id}) == 0:
        raise DomainError(ErrorCode.NOT_FOUND, "webhook_endpoint", id=endpoint_id)


# --- writing the outbox -----------------------------------------------------------------------------------


class OutboxWriter:
    """The ``EventSink`` behind the services: one outbox row per target of each published event."""

    def __init__(self, clock: Clock, rules_for: Callable[[str], WebhookRules]) -> None:
        """``rules_for(api)``: the webhook rules of the vendor serving ``api`` (``DEFAULT_RULES`` if none)."""
        self.clock = clock
        self.rules_for = rules_for

    def publish(self, tx: Tx, event: DomainEvent) -> None:
        rules = self.rules_for(event.api)
        name = rules.event_name(event.type)
        if name is None:
            return
        targets: dict[str, str | None] = {}
        for row in tx.fetch_all(_ENDPOINTS_OF_EVENT, {"api": event.api, "tenant": event.tenant_id}):
            endpoint = Endpoint.from_row(row)
            if endpoint.wants(event.type.value, name):
                targets.setdefault(endpoint.url, endpoint.secret)
        for url, secret in rules.room_targets(event):
            targets.setdefault(url, secret)
        if not targets:
            return
        payload = json.dumps(
            {
                "type": event.type.value,
                "occurred_at_ms": event.occurred_at_ms,
                "data": dict(event.data),
                "tenant": event.tenant_id,
                "api": event.api,
            },
            separators=(",", ":"),
        )
        now = self.clock.now_ms()
        for url, secret in targets.items():
            tx.insert(
                OUTBOX,
                {
                    "tenant_id": event.tenant_id,
                    "api": event.api,
                    "event_type": name,
                    "ordering_key": event.ordering_key,
                    "payload": payload,
                    "target_url": url,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at_ms": now,
                    "created_at_ms": now,
                    "secret": secret,
                },
            )
