"""The gate in front of every vendor sub-app: the request journal and fault injection (filled in by them)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp

from omnimeet.platform.context import AppContext
from omnimeet.platform.vendors import VendorPlugin


def vendor_gate(ctx: AppContext, plugin: VendorPlugin, app: ASGIApp) -> ASGIApp:
    """``app`` wrapped so that every request to it is journalled and may meet an injected fault."""
    return app


def note_tenant(request: Request, tenant_id: str) -> None:
    """Called by a vendor's auth once it knows the caller: the journal files the request under the tenant."""
    request.scope.setdefault("state", {})["omnimeet.tenant"] = tenant_id
