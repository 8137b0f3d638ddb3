"""Webhook delivery: the outbox publisher (an ``EventSink``) and the dispatcher that POSTs due rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omnimeet.platform.context import AppContext


class WebhookDispatcher:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
