"""Control API: the virtual clock and the progression modes of asynchronous states.

Moving the clock runs the due work (rooms expiring, recordings taking their scheduled steps) before the
answer, so a test that advances the clock sees the consequences at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Self

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator
from starlette.responses import JSONResponse, Response

from omnimeet.domain.progression import MACHINES, MAX_SECONDS, Pace
from omnimeet.platform.clock import EPOCH, iso_ms
from omnimeet.platform.context import AppContext
from omnimeet.platform.control.errors import ControlError, ControlErrorBody
from omnimeet.platform.scheduler import meeting_services, run_due_work

MAX_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: the latest instant the clock accepts."""
MAX_ADVANCE_SECONDS = 100 * 366 * 86_400


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch; a time without a zone is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


class ClockState(BaseModel):
    now: str = Field(description="The emulator's current time, ISO-8601 UTC with milliseconds.")
    now_ms: int = Field(description="The same, in milliseconds since the Unix epoch.")
    frozen: bool = Field(description="Whether the clock stands still (until moved) instead of running.")


class ClockChange(BaseModel):
    """One move of the clock (`advance_seconds` or `now`), a freeze or unfreeze, or a move and a freeze."""

    model_config = ConfigDict(extra="forbid")

    advance_seconds: float | None = Field(
        None,
        ge=-MAX_ADVANCE_SECONDS,
        le=MAX_ADVANCE_SECONDS,
        allow_inf_nan=False,
        description="Move the clock by this many seconds (fractions allowed; negative goes back).",
    )
    now: datetime | None = Field(None, description="Jump to this instant (ISO-8601; no zone means UTC).")
    freeze: StrictBool | None = Field(None, description="true: stand still; false: run on from here.")

    @model_validator(mode="after")
    def one_change(self) -> Self:
        if self.advance_seconds is not None and self.now is not None:
            raise ValueError("give advance_seconds or now, not both")
        if self.advance_seconds is None and self.now is None and self.freeze is None:
            raise ValueError("give advance_seconds, now or freeze")
        return self


class ProgressionEntry(BaseModel):
    vendor: str
    machine: str = Field(description="The state machine (`recording`).")
    mode: Literal["immediate", "manual", "after"]
    seconds: float | None = Field(description="The delay of `after`; null for the other modes.")


class ProgressionModes(BaseModel):
    modes: list[ProgressionEntry]


class ProgressionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["immediate", "manual", "after"] = Field(
        description="`immediate`: asynchronous steps happen at once; `manual`: only when advanced through "
        "the simulation API; `after`: `seconds` of virtual time after entering the state."
    )
    seconds: float | None = Field(None, ge=0, le=MAX_SECONDS, allow_inf_nan=False)


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ControlErrorBody, "description": "Unknown vendor or machine."}
}


def entry(vendor: str, machine: str, pace: Pace) -> dict[str, Any]:
    return {"vendor": vendor, "machine": machine, "mode": pace.mode.value, "seconds": pace.seconds}


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["Clock"])
    services = meeting_services(ctx)

    def state() -> Response:
        now = ctx.clock.now_ms()
        return JSONResponse({"now": iso_ms(now), "now_ms": now, "frozen": ctx.clock.frozen})

    @router.get("/clock", response_model=ClockState)
    async def get_clock() -> Response:
        """The emulator's current (virtual) time."""
        return state()

    @router.post("/clock", response_model=ClockState)
    async def move_clock(body: ClockChange) -> Response:
        """Moves, sets, freezes or unfreezes the clock (a move may combine with `freeze`), then runs what
        became due (rooms expiring, recordings moving on) before answering with the new state."""
        clock = ctx.clock
        step = round(body.advance_seconds * 1000) if body.advance_seconds is not None else 0
        target = to_ms(body.now) if body.now is not None else clock.now_ms() + step
        if not 0 <= target <= MAX_MS:
            raise ControlError(
                400, "invalid_request", "The clock must stay between 1970-01-01 and 9999-12-31 (UTC)."
            )
        if body.freeze is True:
            clock.freeze()
        if body.now is not None:
            clock.set(target)
        elif step:
            clock.advance(step)
        if body.freeze is False:
            clock.unfreeze()
        run_due_work(ctx, services)
        return state()

    @router.get("/progression", response_model=ProgressionModes, tags=["Simulation"])
    async def get_progression() -> Response:
        """How each vendor's asynchronous states move on (default `immediate`)."""
        modes = [
            entry(vendor, machine, ctx.progression.get(vendor, machine))
            for vendor in sorted(ctx.vendors)
            for machine in MACHINES
        ]
        return JSONResponse({"modes": modes})

    @router.put(
        "/progression/{vendor}/{machine}",
        response_model=ProgressionEntry,
        responses=NOT_FOUND,
        tags=["Simulation"],
    )
    async def set_progression(
        body: ProgressionChange,
        vendor: str = Path(max_length=64),
        machine: str = Path(max_length=64),
    ) -> Response:
        """Sets how the vendor's `machine` (`recording`) moves through its asynchronous states, until the
        next reset. `after` needs `seconds`."""
        if vendor not in ctx.vendors:
            raise ControlError(404, "not_found", f"No vendor named {vendor!r}.", {"vendor": vendor})
        pace = ctx.progression.set(vendor, machine, body.mode, body.seconds)
        return JSONResponse(entry(vendor, machine, pace))

    return router
