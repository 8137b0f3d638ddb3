"""Control API: webhook endpoints, the deliveries in the outbox with their attempts, flush and redelivery.

Deliveries are listed oldest first (the newest ``limit`` of those matching); endpoints oldest first.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from omnimeet.domain import outbox
from omnimeet.domain import webhooks as domain
from omnimeet.domain.outbox import Attempt, Delivery, DeliveryStatus
from omnimeet.domain.webhooks import Endpoint
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.context import AppContext
from omnimeet.platform.control.errors import ControlError, ControlErrorBody

RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The row's id (a positive integer).")]
"""Ids are 64-bit keys: a larger number is a 400, never a driver overflow."""

Status = Literal["pending", "delivering", "delivered", "failed"]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ControlErrorBody, "description": "No such id."}}


class EndpointIn(BaseModel):
    vendor: str = Field(description="The vendor whose events go there (`telemost`, ...).")
    url: str = Field(description="Where to POST them (http or https). Strict mode: must be allowed.")
    events: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Event names (the vendor's, or neutral ones such as `session.started`); `*`: all.",
    )
    tenant: str | None = Field(default=None, description="Only this tenant's events; null: every tenant's.")
    secret: str | None = Field(default=None, description="Key for the payload signature.")


class EndpointOut(BaseModel):
    id: int
    vendor: str
    tenant: str | None
    url: str
    events: list[str]
    created_at: str


class EndpointList(BaseModel):
    endpoints: list[EndpointOut]


class AttemptOut(BaseModel):
    at: str
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    vendor: str
    tenant: str
    event: str
    url: str
    status: Status
    payload: dict[str, Any] = Field(
        description="The neutral event: `type`, `occurred_at_ms`, `data`, `tenant`, `api`."
    )
    attempts: list[AttemptOut]
    created_at: str
    next_attempt_at: str | None = Field(description="When the next attempt is due (pending rows only).")
    delivered_at: str | None


class DeliveryList(BaseModel):
    total: int = Field(description="How many deliveries match the filters (all of them, not only listed).")
    deliveries: list[DeliveryOut]


class FlushOut(BaseModel):
    delivered: int = Field(description="Deliveries this flush delivered.")
    failed: int = Field(
        description="Deliveries whose attempt in this flush failed (to be retried, or given up)."
    )
    pending: int = Field(description="Deliveries still pending afterwards (a retry not yet due).")


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "vendor": endpoint.api,
        "tenant": endpoint.tenant_id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "created_at": iso_ms(endpoint.created_at_ms),
    }


def delivery_json(delivery: Delivery, attempts: list[Attempt]) -> dict[str, Any]:
    pending = delivery.status is DeliveryStatus.PENDING
    return {
        "id": delivery.id,
        "vendor": delivery.api,
        "tenant": delivery.tenant_id,
        "event": delivery.event,
        "url": delivery.url,
        "status": delivery.status.value,
        "payload": delivery.payload,
        "attempts": [
            {
                "at": iso_ms(a.attempted_at_ms),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in attempts
        ],
        "created_at": iso_ms(delivery.created_at_ms),
        "next_attempt_at": iso_ms(delivery.next_attempt_at_ms) if pending else None,
        "delivered_at": iso_ms(delivery.delivered_at_ms) if delivery.delivered_at_ms is not None else None,
    }


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["Webhooks"])
    dispatcher = ctx.webhooks

    def one_delivery(delivery_id: int) -> dict[str, Any]:
        with ctx.db.transaction(write=False) as tx:
            delivery = outbox.get_delivery(tx, delivery_id)
            attempts = outbox.attempts_of(tx, [delivery])[delivery.id]
        return delivery_json(delivery, attempts)

    @router.post("/webhooks/endpoints", status_code=201, response_model=EndpointOut)
    async def create_endpoint(body: EndpointIn) -> JSONResponse:
        """Subscribes a URL to a vendor's events (one tenant's, or every tenant's)."""
        if body.vendor not in ctx.vendors:
            raise ControlError(400, "invalid", f"Unknown vendor '{body.vendor}'.", {"field": "vendor"})
        if not dispatcher.allowed(body.url):
            raise ControlError(
                400,
                "target_not_allowed",
                "Strict mode: the URL matches none of OMNIMEET_WEBHOOK_ALLOWED_TARGETS.",
                {"field": "url"},
            )
        with ctx.db.transaction() as tx:
            endpoint = domain.create_endpoint(
                tx,
                dispatcher.format_of(body.vendor),
                api=body.vendor,
                url=body.url,
                events=body.events,
                tenant_id=body.tenant,
                secret=body.secret,
                now_ms=ctx.clock.now_ms(),
            )
        return JSONResponse(endpoint_json(endpoint), status_code=201)

    @router.get("/webhooks/endpoints", response_model=EndpointList)
    async def list_endpoints(vendor: str | None = None, tenant: str | None = None) -> JSONResponse:
        """Every endpoint, oldest first (``tenant``: that tenant's own endpoints)."""
        with ctx.db.transaction(write=False) as tx:
            endpoints = domain.list_endpoints(tx, vendor, tenant)
        return JSONResponse({"endpoints": [endpoint_json(e) for e in endpoints]})

    @router.delete(
        "/webhooks/endpoints/{endpoint_id}", status_code=204, response_class=Response, responses=NOT_FOUND
    )
    async def delete_endpoint(endpoint_id: RowId) -> Response:
        """Unsubscribes; webhooks already queued for it are still delivered."""
        with ctx.db.transaction() as tx:
            domain.delete_endpoint(tx, endpoint_id)
        return Response(status_code=204)

    @router.get("/webhooks", response_model=DeliveryList)
    async def list_deliveries(
        vendor: str | None = None,
        event: str | None = Query(default=None, description="The vendor's event name."),
        status: Status | None = None,
        tenant: str | None = None,
        limit: int = Query(default=100, ge=0, le=1000, description="At most this many (the newest)."),
    ) -> JSONResponse:
        """Webhook deliveries with their attempts, oldest first: the newest ``limit`` of those matching."""
        with ctx.db.transaction(write=False) as tx:
            total, deliveries = outbox.list_deliveries(
                tx, limit, api=vendor, event_type=event, status=status, tenant_id=tenant
            )
            attempts = outbox.attempts_of(tx, deliveries)
        return JSONResponse(
            {"total": total, "deliveries": [delivery_json(d, attempts[d.id]) for d in deliveries]}
        )

    @router.post("/webhooks/flush", response_model=FlushOut)
    async def flush() -> JSONResponse:
        """Delivers every webhook due now and answers once they are all done (delivered, or failed and
        waiting for their retry), so a test can assert on what its receiver got without sleeping."""
        result = await dispatcher.flush()
        return JSONResponse(
            {"delivered": result.delivered, "failed": result.failed, "pending": result.pending}
        )

    @router.get("/webhooks/{delivery_id}", response_model=DeliveryOut, responses=NOT_FOUND)
    async def get_delivery(delivery_id: RowId) -> JSONResponse:
        """One delivery with its attempts."""
        return JSONResponse(one_delivery(delivery_id))

    @router.post(
        "/webhooks/{delivery_id}/redeliver", status_code=202, response_model=DeliveryOut, responses=NOT_FOUND
    )
    async def redeliver(delivery_id: RowId) -> JSONResponse:
        """Queues the webhook again, due now, whatever its status (a flush or the background loop sends
        it)."""
        dispatcher.redeliver(delivery_id)
        return JSONResponse(one_delivery(delivery_id), status_code=202)

    return router
