"""Composition root: ``create_app(settings)`` builds the context, mounts the control API and each vendor."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from starlette.types import ASGIApp

from omnimeet.platform.config import Settings
from omnimeet.platform.context import AppContext
from omnimeet.platform.control import build_control_app
from omnimeet.platform.control.state import start_clock
from omnimeet.platform.gate import vendor_gate
from omnimeet.platform.migrate import upgrade_to_head
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.web import KeepAliveAfterCrash, PrefixDispatcher


def vendor_mounts() -> list[VendorPlugin]:
    """Every vendor omnimeet serves, in the order the CLI lists them."""
    from omnimeet.vendors import opentalk, openvidu_meet, sourcefuse, telemost, vonage

    return [
        telemost.plugin(),
        openvidu_meet.plugin(),
        vonage.plugin(),
        opentalk.plugin(),
        sourcefuse.plugin(),
    ]


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> PrefixDispatcher:
    """The whole emulator as one ASGI app. With ``migrate``, the database is brought to the newest schema.

    ``app.state.ctx`` is the application context (database, clock, ids), for tests and tools.
    """
    ctx = AppContext.from_settings(settings or Settings())
    if migrate:
        upgrade_to_head(ctx.db)
    ctx.provision_credentials()
    plugins = [plugin.bound(ctx) for plugin in vendor_mounts()]
    ctx.vendors.update((plugin.name, plugin) for plugin in plugins)
    start_clock(ctx.clock, ctx.settings)
    # Each app wrapped so that a crash after its (500) answer does not cost the client its connection.
    mounts: list[tuple[str, ASGIApp]] = [("/_omnimeet", KeepAliveAfterCrash(build_control_app(ctx)))]
    gated = {
        plugin.name: KeepAliveAfterCrash(vendor_gate(ctx, plugin, plugin.build(ctx))) for plugin in plugins
    }
    mounts += [(plugin.prefix, gated[plugin.name]) for plugin in plugins]
    # A vendor with a port of its own gets the same (gated) app there, at the root.
    unknown = set(ctx.settings.vendor_ports) - set(gated)
    if unknown:
        raise ValueError(f"vendor_ports: unknown vendor {', '.join(sorted(unknown))}")
    ports = {port: gated[name] for name, port in ctx.settings.vendor_ports.items()}
    return PrefixDispatcher(
        mounts, SimpleNamespace(ctx=ctx), on_shutdown=[ctx.db.close], background=ctx.background, ports=ports
    )


def app_from_env() -> PrefixDispatcher:
    """Factory for ``uvicorn --factory`` and worker processes: settings from ``OMNIMEET_*`` variables."""
    return create_app(Settings())


def openapi_documents() -> dict[str, dict[str, Any]]:
    """The control API's (``omnimeet``) and each vendor sub-app's OpenAPI document, keyed by name (no
    database is touched)."""
    ctx = AppContext.from_settings(Settings(database_url="sqlite://", auth_mode="permissive"))
    try:
        documents = {"omnimeet": build_control_app(ctx).openapi()}
        for plugin in vendor_mounts():
            app: Any = plugin.bound(ctx).build(ctx)
            documents[plugin.name] = app.openapi()
        return documents
    finally:
        ctx.db.close()


def openapi_yaml(document: dict[str, object]) -> str:
    """The exported, committed form of an OpenAPI document (``openapi/<vendor>.yaml``)."""
    import yaml

    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
