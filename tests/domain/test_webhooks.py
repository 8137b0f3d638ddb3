"""The webhook domain: endpoints, the outbox writer with a vendor's rules, claiming and finishing rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.outbox import (
    DELIVERY_TRANSITIONS,
    Attempt,
    Delivery,
    DeliveryStatus,
    any_due,
    attempts_of,
    claim_due,
    finish,
    get_delivery,
    list_deliveries,
    redeliver,
)
from omnimeet.domain.tables import OutboxRow, WebhookAttemptRow
from omnimeet.domain.tenancy import TenantSpec, ensure_tenant
from omnimeet.domain.webhooks import (
    DEFAULT_RULES,
    OutboxWriter,
    Target,
    WebhookRules,
    create_endpoint,
    delete_endpoint,
    list_endpoints,
)
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, count_rows

LEASE = 10**15  # far in the future: a live claim


class FakeRules:
    """A vendor with its own names, no webhook for sessions ending, and rooms that name a callback URL."""

    def event_name(self, event_type: EventType) -> str | None:
        if event_type is EventType.SESSION_ENDED:
            return None
        return event_type.value.replace(".", "_").upper()

    def room_targets(self, event: DomainEvent) -> Sequence[Target]:
        callback = json.loads(event.room_settings).get("callback")
        return [(callback, "room-secret")] if callback else []


@pytest.fixture
def tenants(db: Database) -> None:
    with db.transaction() as tx:
        for tenant_id in ("acme", "globex"):
            ensure_tenant(tx, TenantSpec(tenant_id, tenant_id), NOW_MS)


def writer(clock: FixedClock, rules: WebhookRules | None = None) -> OutboxWriter:
    return OutboxWriter(clock, lambda api: (rules or FakeRules()) if api == "fake" else DEFAULT_RULES)


def event(
    type_: EventType = EventType.PARTICIPANT_JOINED,
    *,
    tenant: str = "acme",
    api: str = "fake",
    key: str = "room-1",
    settings: dict[str, Any] | None = None,
) -> DomainEvent:
    return DomainEvent(type_, tenant, api, key, NOW_MS - 5, {"who": "ann"}, json.dumps(settings or {}))


def endpoint(db: Database, url: str, **kwargs: Any) -> int:
    with db.transaction() as tx:
        kwargs.setdefault("api", "fake")
        return create_endpoint(tx, FakeRules(), url=url, now_ms=NOW_MS, **kwargs).id


def publish(db: Database, clock: FixedClock, *events: DomainEvent) -> None:
    sink = writer(clock)
    with db.transaction() as tx:
        for e in events:
            sink.publish(tx, e)


def outbox(db: Database, **filters: str) -> list[Delivery]:
    with db.transaction(write=False) as tx:
        return list_deliveries(tx, 1000, **filters)[1]


# --- endpoints ----------------------------------------------------------------------------------------------


def test_endpoints_are_created_listed_and_deleted(db: Database, tenants: None) -> None:
    first = endpoint(db, "https://a.example/", events=["*"])
    second = endpoint(
        db, "https://b.example/", events=["PARTICIPANT_JOINED", "recording.ready"], tenant_id="acme"
    )
    with db.transaction(write=False) as tx:
        assert [(e.id, e.url, e.events, e.tenant_id) for e in list_endpoints(tx)] == [
            (first, "https://a.example/", ("*",), None),
            (second, "https://b.example/", ("PARTICIPANT_JOINED", "recording.ready"), "acme"),
        ]
        assert [e.id for e in list_endpoints(tx, "fake", "acme")] == [second]
        assert list_endpoints(tx, "other") == []
    with db.transaction() as tx:
        delete_endpoint(tx, first)
        with pytest.raises(DomainError) as caught:
            delete_endpoint(tx, first)
    assert caught.value.code is ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    ("kwargs", "details"),
    [
        ({"url": "mailto:x@example.com"}, {"field": "url", "reason": "not an http(s) URL"}),
        ({"url": "http:///path-only"}, {"field": "url", "reason": "not an http(s) URL"}),
        ({"url": "http://[::1/"}, {"field": "url", "reason": "not an http(s) URL"}),
        ({"url": "http://a.example:99999/"}, {"field": "url", "reason": "not an http(s) URL"}),
        ({"url": "https://a.example/", "events": []}, {"field": "events", "reason": "empty"}),
        # SESSION_ENDED has no webhook at this vendor, so neither of its names can be subscribed to.
        (
            {"url": "https://a.example/", "events": ["session.ended", "SESSION_ENDED", "PARTICIPANT_LEFT"]},
            {"field": "events", "unknown": ["SESSION_ENDED", "session.ended"]},
        ),
        (
            {"url": "https://a.example/", "tenant_id": "nobody"},
            {"field": "tenant", "reason": "no such tenant"},
        ),
    ],
)
def test_bad_endpoints_are_invalid(db: Database, tenants: None, kwargs: dict[str, Any], details: Any) -> None:
    with db.transaction() as tx, pytest.raises(DomainError) as caught:
        create_endpoint(tx, FakeRules(), api="fake", now_ms=NOW_MS, **kwargs)
    assert (caught.value.code, caught.value.details) == (ErrorCode.INVALID, details)


# --- the outbox writer --------------------------------------------------------------------------------------


def test_an_event_becomes_one_row_per_target_with_the_vendors_name(
    db: Database, clock: FixedClock, tenants: None
) -> None:
    endpoint(db, "https://all.example/", secret="endpoint-secret")
    endpoint(db, "https://acme.example/", tenant_id="acme")
    endpoint(db, "https://globex.example/", tenant_id="globex")
    endpoint(db, "https://neutral-name.example/", events=["participant.joined"])
    endpoint(db, "https://vendor-name.example/", events=["PARTICIPANT_JOINED"])
    endpoint(db, "https://other-event.example/", events=["RECORDING_READY"])
    endpoint(db, "https://other-api.example/", api="telemost")
    # The room names a URL an endpoint already has: one row, with the endpoint's secret.
    settings = {"callback": "https://all.example/"}
    publish(
        db,
        clock,
        event(settings=settings),
        event(settings={"callback": "https://room.example/"}, key="room-2"),
    )

    rows = outbox(db)
    assert [(d.url, d.ordering_key, d.secret) for d in rows] == [
        ("https://all.example/", "room-1", "endpoint-secret"),
        ("https://acme.example/", "room-1", None),
        ("https://neutral-name.example/", "room-1", None),
        ("https://vendor-name.example/", "room-1", None),
        ("https://all.example/", "room-2", "endpoint-secret"),
        ("https://acme.example/", "room-2", None),
        ("https://neutral-name.example/", "room-2", None),
        ("https://vendor-name.example/", "room-2", None),
        ("https://room.example/", "room-2", "room-secret"),
    ]
    first = rows[0]
    assert first == Delivery(
        id=first.id,
        tenant_id="acme",
        api="fake",
        event="PARTICIPANT_JOINED",
        ordering_key="room-1",
        payload={
            "type": "participant.joined",
            "occurred_at_ms": NOW_MS - 5,
            "data": {"who": "ann"},
            "tenant": "acme",
            "api": "fake",
        },
        url="https://all.example/",
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at_ms=NOW_MS,
        created_at_ms=NOW_MS,
        delivered_at_ms=None,
        last_error=None,
        secret="endpoint-secret",
        lease_until_ms=None,
    )


def test_events_the_vendor_does_not_send_and_events_nobody_wants_write_nothing(
    db: Database, clock: FixedClock, tenants: None
) -> None:
    endpoint(db, "https://all.example/")
    publish(
        db,
        clock,
        event(EventType.SESSION_ENDED, settings={"callback": "https://room.example/"}),  # no such webhook
        event(api="nobody-subscribed"),
    )
    assert count_rows(db, OutboxRow) == 0


def test_the_default_rules_send_every_event_under_its_neutral_name(
    db: Database, clock: FixedClock, tenants: None
) -> None:
    with db.transaction() as tx:
        create_endpoint(tx, DEFAULT_RULES, api="plain", url="https://all.example/", now_ms=NOW_MS)
    publish(
        db,
        clock,
        *(event(t, api="plain", settings={"callback": "https://ignored.example/"}) for t in EventType),
    )
    assert [d.event for d in outbox(db)] == [t.value for t in EventType]


# --- claiming and finishing ---------------------------------------------------------------------------------


def claim(
    db: Database, due_by: int = NOW_MS, *, lease_now: int = 0, lease_until: int = LEASE, limit: int = 50
) -> list[Delivery]:
    with db.transaction() as tx:
        return claim_due(
            tx, due_by_ms=due_by, lease_now_ms=lease_now, lease_until_ms=lease_until, limit=limit
        )


def attempt(delivery: Delivery, at: int = NOW_MS, status_code: int | None = 200) -> Attempt:
    return Attempt(delivery.id, at, status_code, None, 3, "ok")


def finish_one(db: Database, delivery: Delivery, status: DeliveryStatus, next_at: int | None = None) -> bool:
    with db.transaction() as tx:
        return finish(
            tx,
            delivery,
            attempt(delivery, status_code=200 if status is DeliveryStatus.DELIVERED else 500),
            status,
            next_at,
        )


def test_claiming_takes_due_rows_one_per_room_and_target_in_order(
    db: Database, clock: FixedClock, tenants: None
) -> None:
    endpoint(db, "https://a.example/")
    endpoint(db, "https://b.example/")
    publish(db, clock, event(key="r1"), event(key="r1"), event(key="r2"))
    a1, b1, a2, b2, a3, b3 = outbox(db)
    assert claim(db, NOW_MS - 1) == []  # not due yet

    first = claim(db)
    assert [d.id for d in first] == [a1.id, b1.id, a3.id, b3.id]  # r1's second event waits behind its first
    assert {d.status for d in first} == {DeliveryStatus.DELIVERING}
    assert {d.lease_until_ms for d in first} == {LEASE}
    assert claim(db) == []  # claimed rows are not claimed twice, and still hold r1 back

    assert finish_one(db, first[0], DeliveryStatus.DELIVERED)
    assert finish_one(db, first[1], DeliveryStatus.PENDING, NOW_MS + 1000)  # b1 will be retried
    assert [d.id for d in claim(db)] == [a2.id]  # b2 waits for b1's retry
    [retry] = claim(db, NOW_MS + 1000)  # the retry is due
    assert retry.id == b1.id
    assert claim(db, NOW_MS + 1000) == []  # b2 waits while b1 is on its way
    assert finish_one(db, retry, DeliveryStatus.DELIVERED)
    assert [d.id for d in claim(db, NOW_MS + 1000)] == [b2.id]


def test_any_due_sees_due_rows_and_lapsed_claims_only(db: Database, clock: FixedClock, tenants: None) -> None:
    def due(due_by: int, lease_now: int = 0) -> bool:
        with db.transaction(write=False) as tx:
            return any_due(tx, due_by_ms=due_by, lease_now_ms=lease_now)

    assert not due(NOW_MS)
    endpoint(db, "https://a.example/")
    publish(db, clock, event())
    assert (due(NOW_MS - 1), due(NOW_MS)) == (False, True)
    claim(db)
    assert (due(NOW_MS), due(NOW_MS, LEASE), due(NOW_MS, LEASE + 1)) == (False, False, True)


def test_claiming_stops_at_the_limit(db: Database, clock: FixedClock, tenants: None) -> None:
    endpoint(db, "https://a.example/")
    publish(db, clock, *(event(key=f"r{n}") for n in range(5)))
    rows = outbox(db)
    assert [d.id for d in claim(db, limit=2)] == [rows[0].id, rows[1].id]
    assert [d.id for d in claim(db, limit=10)] == [d.id for d in rows[2:]]


def test_a_lapsed_claim_is_taken_over_and_the_old_claim_cannot_finish(
    db: Database, clock: FixedClock, tenants: None
) -> None:
    endpoint(db, "https://a.example/")
    publish(db, clock, event())
    [mine] = claim(db)
    assert claim(db, lease_now=LEASE) == []  # the lease has not lapsed yet (it lapses strictly after)
    [theirs] = claim(db, lease_now=LEASE + 1, lease_until=LEASE + 5)
    assert (theirs.id, theirs.lease_until_ms) == (mine.id, LEASE + 5)

    assert not finish_one(db, mine, DeliveryStatus.DELIVERED)  # the old claim only records its attempt
    row = outbox(db)[0]
    assert (row.status, row.attempts, row.lease_until_ms) == (DeliveryStatus.DELIVERING, 1, LEASE + 5)
    assert count_rows(db, WebhookAttemptRow) == 1
    assert finish_one(db, theirs, DeliveryStatus.DELIVERED)
    assert outbox(db)[0].status is DeliveryStatus.DELIVERED


def test_finishing_records_the_attempt_and_the_outcome(
    db: Database, clock: FixedClock, tenants: None
) -> None:
    endpoint(db, "https://a.example/")
    publish(db, clock, event())
    [claimed] = claim(db)
    assert finish_one(db, claimed, DeliveryStatus.PENDING, NOW_MS + 1000)
    row = outbox(db)[0]
    assert (row.status, row.attempts, row.next_attempt_at_ms, row.last_error, row.lease_until_ms) == (
        DeliveryStatus.PENDING,
        1,
        NOW_MS + 1000,
        "HTTP 500",
        None,
    )
    [claimed] = claim(db, NOW_MS + 1000)
    assert finish_one(db, claimed, DeliveryStatus.DELIVERED)
    row = outbox(db)[0]
    assert (row.status, row.attempts, row.delivered_at_ms, row.last_error) == (
        DeliveryStatus.DELIVERED,
        2,
        NOW_MS,
        None,
    )
    with db.transaction(write=False) as tx:
        assert [(a.status_code, a.response_body) for a in attempts_of(tx, [row])[row.id]] == [
            (500, "ok"),
            (200, "ok"),
        ]


def test_a_row_deleted_while_in_flight_is_left_alone(db: Database, clock: FixedClock, tenants: None) -> None:
    endpoint(db, "https://a.example/")
    publish(db, clock, event())
    [claimed] = claim(db)
    with db.transaction() as tx:
        tx.execute(OutboxRow.__table__.delete())
    assert not finish_one(db, claimed, DeliveryStatus.DELIVERED)
    assert count_rows(db, WebhookAttemptRow) == 0


def test_redelivery_is_allowed_from_every_status(db: Database, clock: FixedClock, tenants: None) -> None:
    assert set(DELIVERY_TRANSITIONS) == set(DeliveryStatus)
    assert all(targets <= set(DeliveryStatus) for targets in DELIVERY_TRANSITIONS.values())
    endpoint(db, "https://a.example/")
    for status in DeliveryStatus:
        assert DeliveryStatus.PENDING in DELIVERY_TRANSITIONS[status]
        with db.transaction() as tx:
            tx.execute(OutboxRow.__table__.delete())
        publish(db, clock, event())
        [row] = outbox(db)
        with db.transaction() as tx:
            tx.update(OutboxRow.__table__, {"seq": row.id}, {"status": status.value, "lease_until_ms": LEASE})
            again = redeliver(tx, row.id, NOW_MS + 7)
        assert (again.status, again.next_attempt_at_ms, again.lease_until_ms) == (
            DeliveryStatus.PENDING,
            NOW_MS + 7,
            None,
        )
    with db.transaction() as tx, pytest.raises(DomainError) as caught:
        redeliver(tx, 10**12, NOW_MS)
    assert caught.value.code is ErrorCode.NOT_FOUND
    with db.transaction(write=False) as tx, pytest.raises(DomainError):
        get_delivery(tx, 10**12)


def test_listing_refuses_unknown_filters(db: Database) -> None:
    with db.transaction(write=False) as tx, pytest.raises(ValueError, match="unknown filters"):
        list_deliveries(tx, 10, colour="red")
