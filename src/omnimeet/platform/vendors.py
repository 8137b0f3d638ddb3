"""What a vendor plugs into the platform: its sub-app, its error envelope, its webhook format, its rules.

The platform never imports a vendor (an import-linter contract); the composition root (``omnimeet.main``)
collects each vendor's ``VendorPlugin`` and hands them to the context, so the control plane can answer in a
vendor's own error format (fault injection), render its webhooks and apply its meeting rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.types import ASGIApp

if TYPE_CHECKING:
    from omnimeet.platform.context import AppContext


@dataclass(frozen=True)
class VendorPlugin:
    name: str
    """The vendor's name in URLs and settings, and the ``api`` of its rows and principals."""
    prefix: str
    """Where the sub-app is mounted on the shared port (``/telemost``)."""
    base_path: str
    """The vendor's own base path inside its mount (what a client's base URL ends with)."""
    build: Callable[[AppContext], ASGIApp]
    error_response: Callable[[int], Response]
    """The vendor's own error answer for an HTTP status (an injected fault without a body, say), request id
    header included."""
    webhooks: Any = None
    """The vendor's webhook format (``omnimeet.platform.webhooks.WebhookFormat``), or None: events of its
    rooms then go only to control-plane endpoints, in omnimeet's neutral envelope."""
    rules: Any = None
    """The vendor's meeting rules (``omnimeet.domain.meeting_rules.MeetingRules``); None: the defaults."""
    bind: Callable[[AppContext, VendorPlugin], VendorPlugin] | None = None
    """For a vendor whose webhook format or rules need the app (its settings, clock or database): gives this
    plugin as one app uses it (``dataclasses.replace`` with bound parts). The composition root calls it once
    per app, before anything reads ``ctx.vendors``."""

    def bound(self, ctx: AppContext) -> VendorPlugin:
        return self.bind(ctx, self) if self.bind is not None else self
