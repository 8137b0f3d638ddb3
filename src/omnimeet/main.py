"""Composition root: ``create_app(settings)`` builds the context, mounts the control API and each vendor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from fastapi import FastAPI
from starlette.types import ASGIApp

from omnimeet.platform.config import Settings
from omnimeet.platform.context import AppContext
from omnimeet.platform.control import build_control_app
from omnimeet.platform.migrate import upgrade_to_head
from omnimeet.platform.web import PrefixDispatcher


@dataclass(frozen=True)
class VendorMount:
    name: str
    prefix: str
    base_path: str
    """The vendor's own base path inside its mount (what a client's base URL ends with)."""
    build: Callable[[AppContext], FastAPI]


def vendor_mounts() -> list[VendorMount]:
    from omnimeet.vendors import telemost

    return [
        VendorMount("telemost", "/telemost", telemost.BASE_PATH, telemost.build_app),
    ]


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> PrefixDispatcher:
    """The whole emulator as one ASGI app. With ``migrate``, the database is brought to the newest schema.

    ``app.state.ctx`` is the application context (database, clock, ids), for tests and tools.
    """
    ctx = AppContext.from_settings(settings or Settings())
    if migrate:
        upgrade_to_head(ctx.db)
    ctx.provision_credentials()
    mounts: list[tuple[str, ASGIApp]] = [("/_omnimeet", build_control_app(ctx))]
    mounts += [(mount.prefix, mount.build(ctx)) for mount in vendor_mounts()]
    return PrefixDispatcher(mounts, SimpleNamespace(ctx=ctx), on_shutdown=[ctx.db.close])


def app_from_env() -> PrefixDispatcher:
    """Factory for ``uvicorn --factory`` and worker processes: settings from ``OMNIMEET_*`` variables."""
    return create_app(Settings())


def openapi_documents() -> dict[str, dict[str, object]]:
    """Each vendor sub-app's OpenAPI document, keyed by vendor name (no database is touched)."""
    ctx = AppContext.from_settings(Settings(database_url="sqlite://", auth_mode="permissive"))
    try:
        return {mount.name: mount.build(ctx).openapi() for mount in vendor_mounts()}
    finally:
        ctx.db.close()


def openapi_yaml(document: dict[str, object]) -> str:
    """The exported, committed form of an OpenAPI document (``openapi/<vendor>.yaml``)."""
    import yaml

    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
