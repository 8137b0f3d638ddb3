"""Due work: what the clock makes happen (rooms expiring, recordings moving on), run when the clock moves
and periodically in the background. Also where the meeting services are built from the context."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from omnimeet.domain.events import DomainEvent
from omnimeet.domain.meeting_rules import DEFAULT_RULES, MeetingRules
from omnimeet.domain.meetings import MeetingService
from omnimeet.domain.recordings import RecordingService
from omnimeet.domain.store import Tx

if TYPE_CHECKING:
    from omnimeet.platform.context import AppContext

log = logging.getLogger("omnimeet.scheduler")

DUE_WORK_INTERVAL_S = 1.0
"""How often (wall time) the background loop looks for due work."""


class _ContextEvents:
    """The context's current event sink, looked up on each event (the webhook feature installs its sink
    after the services may have been built)."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    def publish(self, tx: Tx, event: DomainEvent) -> None:
        self._ctx.events.publish(tx, event)


def rules_of(ctx: AppContext) -> Callable[[str], MeetingRules]:
    """The meeting rules of a room's API: its vendor plugin's, or the defaults."""

    def rules_for(api: str) -> MeetingRules:
        plugin = ctx.vendors.get(api)
        rules: MeetingRules | None = plugin.rules if plugin is not None else None
        return rules if rules is not None else DEFAULT_RULES

    return rules_for


@dataclass(frozen=True, slots=True)
class MeetingServices:
    meetings: MeetingService
    recordings: RecordingService


def meeting_services(ctx: AppContext) -> MeetingServices:
    """Sessions, participants and recordings wired to the context's clock, ids, event sink, progression
    modes and vendors' rules."""
    events = _ContextEvents(ctx)
    rules_for = rules_of(ctx)
    recordings = RecordingService(ctx.clock, ctx.ids, events, ctx.progression, rules_for)
    return MeetingServices(MeetingService(ctx.clock, ctx.ids, events, recordings, rules_for), recordings)


def run_due_work(ctx: AppContext, services: MeetingServices | None = None) -> None:
    """Runs everything that became due on the virtual clock, in one unit of work: rooms expire (ending
    their sessions), recordings take their scheduled steps. A quick read first, so the background loop
    takes no write lock when nothing is due."""
    services = services or meeting_services(ctx)
    with ctx.db.transaction(write=False) as tx:
        due = services.meetings.anything_due(tx) or services.recordings.anything_due(tx)
    if not due:
        return
    with ctx.db.transaction() as tx:
        services.meetings.expire_due(tx)
        services.recordings.progress_due(tx)


async def due_work_loop(ctx: AppContext, interval_s: float = DUE_WORK_INTERVAL_S) -> None:
    """Runs ``run_due_work`` every ``interval_s`` of wall time, so time passing expires rooms and moves
    recordings in a running server even when nobody moves the clock. Errors are logged, not fatal."""
    services = meeting_services(ctx)
    while True:
        await asyncio.sleep(interval_s)
        try:
            run_due_work(ctx, services)
        except Exception:
            log.exception("due work failed; retrying in %s s", interval_s)
