"""Webhook delivery: the outbox publisher (an ``EventSink``) and the dispatcher that POSTs due rows.

Each vendor may give its plugin a ``WebhookFormat`` (its event names, the targets its rooms name, and how a
webhook looks on the wire); without one, every event goes out under its neutral name in omnimeet's own
envelope. The dispatcher runs in every server process: it claims due rows in a short transaction (``FOR
UPDATE SKIP LOCKED`` on PostgreSQL), POSTs them with one shared httpx client, and records each attempt. Time
for retries is the virtual clock's; claim leases are wall-clock time (a process that dies mid-delivery
leaves a claim that lapses for real).
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import hashlib
import hmac
import json
import logging
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from omnimeet.domain import outbox
from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.outbox import Attempt, Delivery, DeliveryStatus
from omnimeet.domain.webhooks import DEFAULT_RULES, OutboxWriter, Target, WebhookRules
from omnimeet.platform.clock import iso_ms

if TYPE_CHECKING:
    import httpx

    from omnimeet.platform.context import AppContext

log = logging.getLogger("omnimeet.webhooks")

Rendered = tuple[bytes, dict[str, str]]
"""A webhook on the wire: body and headers."""

CLAIM_BATCH = 50
"""Rows claimed at once, and the most one process delivers concurrently."""
POLL_SECONDS = 0.25
"""How often (wall time) the background loop looks for due rows when nothing woke it."""
LEASE_MARGIN_MS = 30_000
"""A claim lasts the delivery timeout plus this, after which another dispatcher may take the row over."""
RESPONSE_BODY_BYTES = 2048
FLUSH_TIMEOUT_SECONDS = 60.0
NOT_ALLOWED = "target not allowed"
INTERRUPTED = "interrupted: the server stopped"
SHUTDOWN_GRACE_SECONDS = 1.0
"""How long a stopping dispatcher lets the deliveries on their way finish before it cuts them short."""
RELEASE_SECONDS = 5.0
"""How long a stopping dispatcher waits for the deliveries it cut short to give their rows back."""


class WebhookFormat(WebhookRules, Protocol):
    """A vendor's webhooks (``VendorPlugin.webhooks``): its rules, and its wire format."""

    def render(self, delivery: Delivery) -> Rendered:
        """The body and headers of ``delivery`` (its event name, neutral payload, secret, creation time)."""
        ...


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of body>``: omnimeet's signature header value."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class NeutralFormat(WebhookRules):
    """omnimeet's own webhooks, for vendors without a format: every event under its neutral name, as
    ``{"id", "event", "vendor", "tenant", "occurred_at", "data"}`` with ``X-Omnimeet-*`` headers (and
    ``X-Omnimeet-Signature`` when the endpoint has a secret). Vendors may subclass it."""

    def event_name(self, event_type: EventType) -> str | None:
        return DEFAULT_RULES.event_name(event_type)

    def room_targets(self, event: DomainEvent) -> Sequence[Target]:
        return DEFAULT_RULES.room_targets(event)

    def render(self, delivery: Delivery) -> Rendered:
        envelope = {
            "id": delivery.id,
            "event": delivery.event,
            "vendor": delivery.api,
            "tenant": delivery.tenant_id,
            "occurred_at": iso_ms(int(delivery.payload.get("occurred_at_ms", delivery.created_at_ms))),
            "data": delivery.payload.get("data", {}),
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Omnimeet-Event": delivery.event,
            "X-Omnimeet-Delivery": str(delivery.id),
        }
        if delivery.secret:
            headers["X-Omnimeet-Signature"] = sign(delivery.secret, body)
        return body, headers


NEUTRAL_FORMAT = NeutralFormat()


@dataclass
class FlushResult:
    delivered: int = 0
    """Rows this flush delivered."""
    failed: int = 0
    """Rows whose attempt in this flush failed (retried later, or given up)."""
    pending: int = 0
    """Rows still pending once it ended (waiting for a later retry, or behind such a row)."""


class WebhookDispatcher:
    """Delivers the outbox: ``run`` in the background, ``flush`` on demand, ``redeliver`` one row."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.publisher = OutboxWriter(ctx.clock, self.format_of)
        """The ``EventSink`` writing the outbox (installed as ``ctx.events``)."""
        self._client: httpx.AsyncClient | None = None
        self._inflight: set[asyncio.Task[bool | None]] = set()
        self._wake: asyncio.Event | None = None
        self._tls: ssl.SSLContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        """The event loop ``run`` is on: its client and tasks serve only callers on that loop."""

    def format_of(self, api: str) -> WebhookFormat:
        plugin = self.ctx.vendors.get(api)
        found: WebhookFormat | None = plugin.webhooks if plugin is not None else None
        return found if found is not None else NEUTRAL_FORMAT

    def allowed(self, url: str) -> bool:
        """Permissive mode: every target. Strict mode: only those matching ``webhook_allowed_targets``."""
        settings = self.ctx.settings
        if settings.auth_mode != "strict":
            return True
        return any(fnmatch.fnmatchcase(url, pattern) for pattern in settings.webhook_allowed_targets)

    # --- running ------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """The background loop: claims due rows whenever there is room, every ``POLL_SECONDS`` or as soon
        as a delivery ends (the next row of its ordering key may be waiting)."""
        self._wake = asyncio.Event()
        async with self._http() as client:
            self._client = client
            self._loop = asyncio.get_running_loop()
            try:
                while True:
                    try:
                        self._start_due(client)
                    except Exception:  # the database went away, say: try again on the next tick
                        log.exception("claiming due webhooks failed")
                    # (asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
                    # that arrives as the event is set, and the loop would never stop.)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(POLL_SECONDS):
                            await self._wake.wait()
                    self._wake.clear()
            finally:
                self._client = None
                self._loop = None
                await self._stop_inflight()

    async def _stop_inflight(self) -> None:
        """Stopping (a server's shutdown): deliveries on their way get ``SHUTDOWN_GRACE_SECONDS`` to finish
        (a quick receiver gets each webhook once); the rest are cut short and give their rows back before the
        client and the database close, so a restarted server sends them at once rather than after their
        claims' lease (the timeout plus ``LEASE_MARGIN_MS``) lapses."""
        inflight = set(self._inflight)
        if not inflight:
            return
        _, cut = await asyncio.wait(inflight, timeout=SHUTDOWN_GRACE_SECONDS)
        for task in cut:
            task.cancel()
        if cut:
            await asyncio.wait(cut, timeout=RELEASE_SECONDS)

    def _start_due(self, client: httpx.AsyncClient) -> None:
        room = CLAIM_BATCH - len(self._inflight)
        if room <= 0:
            return
        for delivery in self._claim(self.ctx.clock.now_ms(), room):
            task = asyncio.create_task(self._deliver(client, delivery))
            self._inflight.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[bool | None]) -> None:
        self._inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivering a webhook failed", exc_info=task.exception())
        if self._wake is not None:
            self._wake.set()

    async def flush(self, timeout: float = FLUSH_TIMEOUT_SECONDS) -> FlushResult:
        """Delivers every row due now (each at most once), then the rows their ordering keys held back, until
        nothing due is left and nothing is on its way (here or, on a shared database, in other processes),
        or ``timeout`` seconds have passed."""
        result = FlushResult()
        due_by = self.ctx.clock.now_ms()
        deadline = time.monotonic() + timeout
        async with self._http() as client:
            while time.monotonic() < deadline:
                batch = self._claim(due_by, CLAIM_BATCH)
                if batch:
                    outcomes = await asyncio.gather(*(self._deliver(client, d) for d in batch))
                    result.delivered += sum(1 for ok in outcomes if ok)
                    result.failed += sum(1 for ok in outcomes if ok is False)
                    continue
                if self._inflight and self._on_run_loop():
                    await asyncio.wait(set(self._inflight), timeout=max(0.0, deadline - time.monotonic()))
                    continue
                with self.ctx.db.transaction(write=False) as tx:
                    busy = outbox.count_delivering(tx)
                if not busy:
                    break
                await asyncio.sleep(0.02)
        with self.ctx.db.transaction(write=False) as tx:
            result.pending = outbox.count_pending(tx)
        return result

    def redeliver(self, delivery_id: int) -> Delivery:
        """Sends the row again: pending and due now, whatever its status."""
        with self.ctx.db.transaction() as tx:
            delivery = outbox.redeliver(tx, delivery_id, self.ctx.clock.now_ms())
        self._poke()
        return delivery

    def _poke(self) -> None:
        """Wakes the background loop (from its own event loop, or safely from any other thread)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None:
            return
        if self._on_run_loop():
            wake.set()
        else:
            with contextlib.suppress(RuntimeError):  # the loop just closed
                loop.call_soon_threadsafe(wake.set)

    # --- one delivery -------------------------------------------------------------------------------------

    def _claim(self, due_by_ms: int, limit: int) -> list[Delivery]:
        wall = time.time_ns() // 1_000_000
        lease = wall + int(self.ctx.settings.webhook_timeout_seconds * 1000) + LEASE_MARGIN_MS
        with self.ctx.db.transaction(write=False) as tx:  # mostly nothing is due: no write lock for that
            if not outbox.any_due(tx, due_by_ms=due_by_ms, lease_now_ms=wall):
                return []
        with self.ctx.db.transaction() as tx:
            return outbox.claim_due(
                tx, due_by_ms=due_by_ms, lease_now_ms=wall, lease_until_ms=lease, limit=limit
            )

    async def _deliver(self, client: httpx.AsyncClient, delivery: Delivery) -> bool | None:
        """One attempt at a claimed row. True: delivered; False: failed (retry later or given up); None: the
        claim was lost meanwhile (redelivered, reset)."""
        import httpx

        clock = self.ctx.clock
        at = clock.now_ms()
        if not self.allowed(delivery.url):
            attempt = Attempt(delivery.id, at, None, NOT_ALLOWED, 0, None)
            return self._finish(delivery, attempt, DeliveryStatus.FAILED)
        try:
            body, headers = self.format_of(delivery.api).render(delivery)
        except Exception as exc:  # a vendor's renderer broke on this payload: a failed attempt, not a crash
            log.exception("rendering webhook %s failed", delivery.id)
            return self._fail(delivery, Attempt(delivery.id, at, None, f"render: {exc}", 0, None))
        started = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        response_body: str | None = None
        try:
            response = await client.post(delivery.url, content=body, headers=headers)
            status_code = response.status_code
            response_body = response.content[:RESPONSE_BODY_BYTES].decode("utf-8", "replace")
        except asyncio.CancelledError:
            self._release(delivery, at, started)
            raise
        except httpx.TimeoutException:
            error = "timeout"
        except Exception as exc:  # refused, reset, a URL httpx cannot use, ...: a failed attempt
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = int((time.perf_counter() - started) * 1000)
        attempt = Attempt(delivery.id, at, status_code, error, duration_ms, response_body)
        if status_code is not None and 200 <= status_code < 300:
            return self._finish(delivery, attempt, DeliveryStatus.DELIVERED)
        return self._fail(delivery, attempt)

    def _release(self, delivery: Delivery, at: int, started: float) -> None:
        """The attempt was cancelled (the server is stopping): it is recorded as interrupted (the receiver
        may have got it) and the row is pending again, due at once."""
        duration_ms = int((time.perf_counter() - started) * 1000)
        attempt = Attempt(delivery.id, at, None, INTERRUPTED, duration_ms, None)
        try:
            self._finish(delivery, attempt, DeliveryStatus.PENDING, at)
        except Exception:  # the database is gone too: the claim lapses on its own
            log.exception("releasing webhook %s failed", delivery.id)

    def _fail(self, delivery: Delivery, attempt: Attempt) -> bool | None:
        settings = self.ctx.settings
        at = attempt.attempted_at_ms
        if at - delivery.created_at_ms > settings.webhook_max_age_seconds * 1000:
            return self._finish(delivery, attempt, DeliveryStatus.FAILED)
        delay_s = min(
            settings.webhook_retry_base_seconds * 2**delivery.attempts, settings.webhook_retry_max_seconds
        )
        next_at = at + max(1, int(delay_s * 1000))
        return self._finish(delivery, attempt, DeliveryStatus.PENDING, next_at)

    def _finish(
        self, delivery: Delivery, attempt: Attempt, status: DeliveryStatus, next_at: int | None = None
    ) -> bool | None:
        with self.ctx.db.transaction() as tx:
            moved = outbox.finish(tx, delivery, attempt, status, next_at)
        if not moved:
            return None
        return status is DeliveryStatus.DELIVERED

    def _on_run_loop(self) -> bool:
        try:
            return self._loop is asyncio.get_running_loop()
        except RuntimeError:  # called outside any event loop
            return False

    @contextlib.asynccontextmanager
    async def _http(self) -> AsyncIterator[httpx.AsyncClient]:
        """The background loop's client when it runs (on this event loop), else one for this call."""
        if self._client is not None and self._on_run_loop():
            yield self._client
            return
        import httpx

        if self._tls is None:  # building one costs ~20 ms; a client on a ready one, ~1 ms
            self._tls = httpx.create_ssl_context()
        timeout = httpx.Timeout(self.ctx.settings.webhook_timeout_seconds)
        headers = {"User-Agent": "omnimeet-webhooks"}
        async with httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, headers=headers, verify=self._tls
        ) as client:
            yield client


def install_webhooks(ctx: AppContext) -> WebhookDispatcher:
    """Webhooks for ``ctx``: its events go to the outbox, and the dispatcher runs in the background."""
    dispatcher = WebhookDispatcher(ctx)
    ctx.events = dispatcher.publisher
    ctx.background.append(dispatcher.run)
    return dispatcher


__all__ = [
    "NEUTRAL_FORMAT",
    "Delivery",
    "FlushResult",
    "NeutralFormat",
    "Rendered",
    "WebhookDispatcher",
    "WebhookFormat",
    "install_webhooks",
    "sign",
]
