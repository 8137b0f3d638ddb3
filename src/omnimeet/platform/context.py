"""The application context: everything a request needs, built once by ``create_app`` and passed down."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from omnimeet.domain import tenancy
from omnimeet.domain.admin import wipe_all
from omnimeet.domain.events import DiscardEvents, EventSink
from omnimeet.domain.progression import Progression
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.clock import VirtualClock
from omnimeet.platform.config import Settings
from omnimeet.platform.credentials import CredentialsFile
from omnimeet.platform.db import Database
from omnimeet.platform.faults import FaultRules
from omnimeet.platform.ids import RandomIds
from omnimeet.platform.journal import Journal
from omnimeet.platform.scheduler import due_work_loop
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.webhooks import WebhookDispatcher, install_webhooks

BackgroundLoop = Callable[[], Coroutine[Any, Any, None]]


@dataclass(eq=False)
class AppContext:
    settings: Settings
    db: Database
    clock: VirtualClock
    ids: RandomIds
    credentials: CredentialsFile | None
    journal: Journal
    faults: FaultRules
    progression: Progression
    vendors: dict[str, VendorPlugin] = field(default_factory=dict)
    """Every mounted vendor by name, registered by the composition root."""
    events: EventSink = field(default_factory=DiscardEvents)
    """Where domain services publish their events (the webhook outbox)."""
    background: list[BackgroundLoop] = field(default_factory=list)
    """Loops the server runs for its lifetime (started and cancelled by the root app's lifespan)."""
    on_reset: list[Callable[[], None]] = field(default_factory=list)
    """In-memory state to clear on reset (journal, faults, progression modes), beside the database."""
    webhooks: WebhookDispatcher = field(init=False, repr=False)
    """Webhook delivery: the outbox publisher (``events``) and the dispatcher (a ``background`` loop)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> AppContext:
        credentials = None
        if settings.auth_mode == "strict":
            if settings.credentials_file is None:
                raise ValueError("OMNIMEET_AUTH_MODE=strict needs OMNIMEET_CREDENTIALS_FILE")
            credentials = CredentialsFile.load(settings.credentials_file)
        db = Database(
            settings.resolved_database_url(),
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            durable_commits=settings.postgres_durable_commits,
        )
        ctx = cls(
            settings,
            db,
            VirtualClock(),
            RandomIds(settings.random_seed),
            credentials,
            journal=Journal(settings.journal_size, settings.journal_body_bytes),
            faults=FaultRules(),
            progression=Progression(),
        )
        ctx.on_reset += [ctx.journal.clear, ctx.faults.clear, ctx.progression.reset]
        ctx.webhooks = install_webhooks(ctx)
        ctx.background.append(partial(due_work_loop, ctx))
        return ctx

    def provision_credentials(self) -> None:
        """Strict mode: writes the credentials file's organisations and principals to the database."""
        if self.credentials is None:
            return
        tenants, principals = self.credentials.specs()
        with self.db.transaction() as tx:
            tenancy.provision(tx, tenants, principals, self.clock.now_ms())

    def authenticate(self, api: str, credential: str) -> Principal | None:
        """The principal behind a well-formed credential, or None when it is not accepted.

        Permissive mode accepts any credential, creating its principal and organisation on first use.
        """
        with self.db.transaction(write=False) as tx:
            principal = tenancy.find_principal(tx, api, credential)
        if principal is None and self.credentials is None:
            with self.db.transaction() as tx:
                principal = tenancy.provision_self_service(tx, api, credential, self.clock.now_ms())
        return principal

    def reset(self) -> None:
        """Back to an empty emulator: no data, the clock at real time, configured credentials restored."""
        with self.db.transaction() as tx:
            wipe_all(tx)
        self.clock.reset()
        for clear in self.on_reset:
            clear()
        self.provision_credentials()
