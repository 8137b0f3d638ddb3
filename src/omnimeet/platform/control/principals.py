"""Control API: principals (credentials of a vendor's API) created, listed and revoked at run time.

In strict mode this is how credentials beyond the credentials file come and go; in permissive mode it puts
a credential into a named organisation, with chosen scopes, or revokes it (a revoked credential is not
provisioned again). Credentials are never stored nor shown: only their hash is kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from omnimeet.domain import tenancy
from omnimeet.domain.tenancy import ALL, PrincipalInfo, PrincipalSpec, TenantSpec, credential_hash
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.context import AppContext
from omnimeet.platform.control.errors import ControlError, ControlErrorBody

ORG_PREFIX = "org_"
"""Tenant ids of named organisations (as the credentials file makes them): ``org_<organization>``."""


class PrincipalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: str = Field(min_length=1, max_length=32, description="The vendor API the credential is for.")
    credential: str = Field(min_length=1, description="Exactly what the client sends (the token, the key).")
    organization: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description=(
            "The organisation (tenant `org_<organization>`, created when missing). Left out: a personal "
            "account outside any organisation."
        ),
    )
    scopes: list[str] = Field(
        default_factory=lambda: [ALL], description='The vendor\'s scope names; ["*"]: all.'
    )
    label: str | None = Field(default=None, max_length=200)
    plan: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Plan of a new organisation (default `default`); given, it also updates an existing one.",
    )
    features: list[str] | None = Field(
        default=None,
        description='Plan features of a new organisation (default ["*"]); given, updates an existing one.',
    )
    public_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=16_384,
        description=(
            "PEM public key (RSA) that verifies the tokens this credential's issuer signs, for APIs whose "
            "clients sign them (OpenTalk in strict mode: the credential is the tokens' `iss`). Left out: a "
            "key registered before is kept."
        ),
    )


class PrincipalOut(BaseModel):
    id: str
    vendor: str
    tenant: str
    organization: str | None
    label: str | None
    scopes: list[str]
    created_at: str
    revoked_at: str | None


class PrincipalList(BaseModel):
    principals: list[PrincipalOut]


def principal_json(info: PrincipalInfo) -> PrincipalOut:
    organization = None
    if info.is_organization:
        organization = (
            info.tenant_id[len(ORG_PREFIX) :] if info.tenant_id.startswith(ORG_PREFIX) else info.tenant_id
        )
    return PrincipalOut(
        id=info.id,
        vendor=info.api,
        tenant=info.tenant_id,
        organization=organization,
        label=info.label or None,
        scopes=list(info.scopes),
        created_at=iso_ms(info.created_at_ms),
        revoked_at=None if info.revoked_at_ms is None else iso_ms(info.revoked_at_ms),
    )


def _tenant_for(body: PrincipalCreate) -> tuple[TenantSpec, list[str]]:
    """The tenant the principal goes into, and which of its columns an existing one takes from the body."""
    features = frozenset(body.features) if body.features is not None else None
    if body.organization is None:
        # As the credentials file does: a personal account of its own, derived from the credential.
        digest = credential_hash(body.vendor, body.credential)
        spec = TenantSpec(
            id=f"personal_{digest[:24]}",
            name=body.label or "personal account",
            is_organization=False,
            plan=body.plan or "personal",
            features=features if features is not None else frozenset(),
        )
    else:
        spec = TenantSpec(
            id=f"{ORG_PREFIX}{body.organization}",
            name=body.organization,
            plan=body.plan or "default",
            features=features if features is not None else frozenset({ALL}),
        )
    update = [
        column for column, given in (("plan", body.plan), ("features", body.features)) if given is not None
    ]
    return spec, update


def _loadable_public_key(pem: str) -> bool:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        return False
    return True


_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ControlErrorBody, "description": "No principal with this id."}
}


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["Principals"])

    @router.post("/principals", status_code=201, response_model=PrincipalOut)
    async def create(body: PrincipalCreate) -> PrincipalOut:
        """Lets a credential call a vendor's API as a principal of an organisation (or of a personal
        account), with the given scopes. Works in both auth modes. A credential that already has a principal
        is moved to this tenant, with these scopes and label, and is no longer revoked."""
        if body.vendor not in ctx.vendors:
            raise ControlError(
                400, "unknown_vendor", f"No vendor {body.vendor!r}; known: {', '.join(sorted(ctx.vendors))}."
            )
        if body.public_key is not None and not _loadable_public_key(body.public_key):
            raise ControlError(400, "invalid_public_key", "public_key is not a PEM public key.")
        tenant, update = _tenant_for(body)
        spec = PrincipalSpec(
            api=body.vendor,
            credential=body.credential,
            tenant_id=tenant.id,
            label=body.label or "",
            scopes=frozenset(body.scopes),
            public_key=body.public_key,
        )
        now_ms = ctx.clock.now_ms()
        with ctx.db.transaction() as tx:
            tenancy.ensure_organization(tx, tenant, now_ms, update=update)
            info = tenancy.create_principal(tx, spec, now_ms)
        return principal_json(info)

    @router.get("/principals", response_model=PrincipalList)
    async def list_all(
        vendor: str | None = Query(default=None, description="Only principals of this vendor's API."),
    ) -> PrincipalList:
        """Every principal, revoked ones included, oldest first (never a credential)."""
        with ctx.db.transaction(write=False) as tx:
            infos = tenancy.list_principals(tx, vendor)
        return PrincipalList(principals=[principal_json(info) for info in infos])

    @router.get("/principals/{principal_id}", response_model=PrincipalOut, responses=_NOT_FOUND)
    async def get_one(principal_id: str) -> PrincipalOut:
        with ctx.db.transaction(write=False) as tx:
            return principal_json(tenancy.get_principal(tx, principal_id))

    @router.delete(
        "/principals/{principal_id}", status_code=204, response_class=Response, responses=_NOT_FOUND
    )
    async def revoke(principal_id: str) -> Response:
        """Revokes the principal: its credential gets 401 from now on, in either auth mode (a reset in
        strict mode brings back the credentials file's principals)."""
        with ctx.db.transaction() as tx:
            tenancy.revoke_principal(tx, principal_id, ctx.clock.now_ms())
        return Response(status_code=204)

    return router
