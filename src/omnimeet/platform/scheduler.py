"""Due work: what the clock makes happen (rooms expiring, recordings moving on), run when the clock moves
and periodically in the background."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omnimeet.platform.context import AppContext


def run_due_work(ctx: AppContext) -> None:
    """Runs everything that became due on the virtual clock, in one unit of work."""
