"""Control API: fault injection (``/faults``): make a vendor's routes fail, slow down or hang up."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omnimeet.platform.context import AppContext
from omnimeet.platform.control.errors import ControlError, ControlErrorBody
from omnimeet.platform.faults import NO_BODY_STATUSES

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


class FaultSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: str = Field(description="The vendor whose routes the fault hits (`telemost`).")
    method: str | None = Field(
        default=None, pattern=r"^[A-Za-z]+$", description="Only this HTTP method (any case)."
    )
    path: str | None = Field(
        default=None,
        min_length=1,
        description=(
            "Only paths matching this glob (`*` also crosses `/`), whole (`/telemost/*`) or inside the "
            "vendor's mount (`/v1/telemost-api/conferences/*`)."
        ),
    )
    status: int | None = Field(
        default=None,
        ge=200,
        le=599,
        description="Answer with this status; alone, in the vendor's own error body for it.",
    )
    body: Any = Field(default=None, description="Answer with this JSON (status 500 unless given).")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra headers on the answer, injected or (after a delay) real."
    )
    delay_ms: int = Field(default=0, ge=0, le=600_000, description="Wait this long (real time) first.")
    times: int | None = Field(default=None, ge=1, description="Hit this many requests, then disappear.")
    probability: float | None = Field(
        default=None, ge=0, le=1, description="Hit a matching request with this probability (0..1)."
    )
    seed: int | None = Field(default=None, description="Seed of the probability draws (reproducible).")
    drop_connection: bool = Field(default=False, description="Close the connection without an answer.")

    @field_validator("headers")
    @classmethod
    def _valid_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _TOKEN.match(name):
                raise ValueError(f"{name!r} is not a header name")
            if name.lower() in _FRAMING_HEADERS:
                raise ValueError(f"{name} cannot be set: the server frames the answer")
            if "\r" in value or "\n" in value or not value.isascii():
                raise ValueError(f"the value of {name} must be ASCII on one line")
        return headers

    @model_validator(mode="after")
    def _consistent(self) -> FaultSpec:
        has_body = self.body is not None
        if self.status is None and not has_body and not self.delay_ms and not self.drop_connection:
            raise ValueError("a fault needs at least one of status, body, delay_ms, drop_connection")
        if self.drop_connection and (self.status is not None or has_body or self.headers):
            raise ValueError("drop_connection sends no answer: it takes no status, body or headers")
        if has_body and self.status in NO_BODY_STATUSES:
            raise ValueError(f"a {self.status} answer has no body")
        return self


class FaultRuleOut(BaseModel):
    id: int
    vendor: str
    method: str | None
    path: str | None
    status: int | None
    body: Any
    headers: dict[str, str]
    delay_ms: int
    times: int | None
    remaining: int | None = Field(description="Hits left before the rule disappears; null: unlimited.")
    probability: float | None
    seed: int | None
    drop_connection: bool
    hits: int = Field(description="Requests the rule has hit so far.")


class FaultList(BaseModel):
    faults: list[FaultRuleOut] = Field(description="In the order they are tried.")


_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ControlErrorBody}}


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["Faults"])
    faults = ctx.faults

    @router.post("/faults", status_code=201, response_model=FaultRuleOut)
    async def add_fault(spec: FaultSpec) -> dict[str, Any]:
        """Adds a fault rule, tried after those already present; the first matching rule whose
        probability draw hits applies alone, to requests that arrive from now on.

        - `delay_ms` waits first (real time, not the virtual clock).
        - `drop_connection`: the connection is closed without an answer (takes no status, body, headers).
        - `status` without `body`: the vendor's own error answer for that status (Telemost:
          `{error, message, description}` with `Yandex-Cloud-Request-ID`).
        - `body` (any JSON but null): sent as `application/json` with `status`, 500 when none is given,
          plus the vendor's standard headers (its request id).
        - Only `delay_ms` (with `headers` perhaps): the request then goes on to the vendor's route.
        - `headers` are set on the answer, replacing any of the same name.
        - `times` counts down with every hit; at 0 the rule is removed. `probability` draws from the
          rule's own generator, seeded with `seed` when given (the same hits and misses every run).

        Rules live in the memory of the process that received this call (each worker has its own) and a
        reset removes them. 400 for an unknown vendor or a rule that does nothing or contradicts itself.
        """
        if spec.vendor not in ctx.vendors:
            raise ControlError(
                400,
                "unknown_vendor",
                f"No vendor named {spec.vendor!r}.",
                {"vendors": sorted(ctx.vendors)},
            )
        rule = faults.add(
            spec.vendor,
            method=spec.method.upper() if spec.method else None,
            path=spec.path,
            status=spec.status,
            body=spec.body,
            has_body=spec.body is not None,
            headers=dict(spec.headers),
            delay_ms=spec.delay_ms,
            times=spec.times,
            probability=spec.probability,
            seed=spec.seed,
            drop_connection=spec.drop_connection,
        )
        return rule.describe()

    @router.get("/faults", response_model=FaultList)
    async def list_faults() -> dict[str, Any]:
        """The rules in force (used-up ones are gone), with their hits and remaining counts."""
        return {"faults": [rule.describe() for rule in faults.rules]}

    @router.delete("/faults/{fault_id}", status_code=204, response_class=Response, responses=_NOT_FOUND)
    async def delete_fault(fault_id: str) -> Response:
        """Removes one rule; 404 when there is none with this id (perhaps used up)."""
        if not (fault_id.isascii() and fault_id.isdigit() and faults.remove(int(fault_id))):
            raise ControlError(404, "not_found", f"No fault rule {fault_id}.")
        return Response(status_code=204)

    @router.delete("/faults", status_code=204, response_class=Response)
    async def clear_faults() -> Response:
        """Removes every rule."""
        faults.clear()
        return Response(status_code=204)

    return router
