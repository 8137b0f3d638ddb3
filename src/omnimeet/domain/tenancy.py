"""Tenants and principals: who is calling, for which organisation, with which scopes and plan features."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.store import Tx
from omnimeet.domain.tables import PRINCIPALS, TENANTS

ALL = "*"
"""In a scope or feature set: everything."""

_P = PRINCIPALS
_T = TENANTS


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    tenant_id: str
    api: str
    label: str
    scopes: frozenset[str]
    is_organization: bool
    plan: str
    features: frozenset[str]

    def has_scope(self, scope: str) -> bool:
        return ALL in self.scopes or scope in self.scopes

    def has_feature(self, feature: str) -> bool:
        return ALL in self.features or feature in self.features

    def require_feature(self, feature: str) -> None:
        if not self.has_feature(feature):
            raise DomainError(ErrorCode.FEATURE_NOT_IN_PLAN, "tenant", feature=feature, plan=self.plan)

    def require_organization(self) -> None:
        if not self.is_organization:
            raise DomainError(ErrorCode.NOT_IN_ORGANIZATION, "tenant")


@dataclass(frozen=True, slots=True)
class TenantSpec:
    id: str
    name: str
    is_organization: bool = True
    plan: str = "default"
    features: frozenset[str] = frozenset({ALL})


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    api: str
    credential: str
    tenant_id: str
    label: str = ""
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({ALL}))
    public_key: str | None = None
    """PEM public key that verifies tokens the principal signs; None keeps a stored one."""


def credential_hash(api: str, credential: str) -> str:
    """What is stored instead of a credential: principals are found by it, secrets are not kept."""
    return hashlib.sha256(f"{api}\x00{credential}".encode()).hexdigest()


_FIND = (
    select(
        _P.c.id,
        _P.c.tenant_id,
        _P.c.api,
        _P.c.label,
        _P.c.scopes,
        _T.c.is_organization,
        _T.c.plan,
        _T.c.features,
    )
    .join(_T, _T.c.id == _P.c.tenant_id)
    .where(
        _P.c.api == bindparam("api"), _P.c.credential_hash == bindparam("hash"), _P.c.revoked_at_ms.is_(None)
    )
)


def find_principal(tx: Tx, api: str, credential: str) -> Principal | None:
    row = tx.fetch_one(_FIND, {"api": api, "hash": credential_hash(api, credential)})
    if row is None:
        return None
    pid, tenant_id, api_, label, scopes, is_org, plan, features = row
    return Principal(
        pid,
        tenant_id,
        api_,
        label,
        frozenset(json.loads(scopes)),
        bool(is_org),
        plan,
        frozenset(json.loads(features)),
    )


def ensure_tenant(tx: Tx, spec: TenantSpec, now_ms: int) -> None:
    """Creates the tenant, or brings an existing one's name, kind, plan and features up to date."""
    values = {
        "name": spec.name,
        "is_organization": spec.is_organization,
        "plan": spec.plan,
        "features": json.dumps(sorted(spec.features)),
    }
    if not tx.insert_ignore(_T, {"id": spec.id, **values, "created_at_ms": now_ms}, ["id"]):
        tx.update(_T, {"id": spec.id}, values)


def principal_id(api: str, credential: str) -> str:
    """A principal's id: derived from its credential's hash, so concurrent creators agree on it."""
    return f"p_{credential_hash(api, credential)[:24]}"


def ensure_principal(tx: Tx, spec: PrincipalSpec, now_ms: int) -> None:
    """Creates the principal, or updates its tenant, label and scopes (and lifts a revocation: the
    configuration says it may call); a given public key replaces the stored one. Concurrent callers
    converge."""
    digest = credential_hash(spec.api, spec.credential)
    values: dict[str, Any] = {
        "tenant_id": spec.tenant_id,
        "label": spec.label,
        "scopes": json.dumps(sorted(spec.scopes)),
    }
    if spec.public_key is not None:
        values["public_key"] = spec.public_key
    row = {
        "id": principal_id(spec.api, spec.credential),
        "api": spec.api,
        "credential_hash": digest,
        **values,
        "created_at_ms": now_ms,
        "revoked_at_ms": None,
    }
    if not tx.insert_ignore(_P, row, ["api", "credential_hash"]):
        tx.update(_P, {"api": spec.api, "credential_hash": digest}, {**values, "revoked_at_ms": None})


def provision_self_service(tx: Tx, api: str, credential: str, now_ms: int) -> Principal | None:
    """Permissive mode: a new credential becomes a principal with every scope, alone in a new organisation.

    Ids derive from the credential, so two workers that see the same new credential at once create one
    tenant and one principal between them. A credential whose principal was revoked stays revoked: None.
    """
    digest = credential_hash(api, credential)
    if tx.fetch_one(_KNOWN, {"api": api, "hash": digest}) is not None:
        return find_principal(tx, api, credential)  # None when revoked
    tenant = TenantSpec(id=f"t_{digest[:24]}", name=f"{api} organisation {digest[:8]}")
    ensure_tenant(tx, tenant, now_ms)
    row = {
        "id": principal_id(api, credential),
        "api": api,
        "credential_hash": digest,
        "tenant_id": tenant.id,
        "label": f"{api} {digest[:8]}",
        "scopes": json.dumps([ALL]),
        "created_at_ms": now_ms,
        "revoked_at_ms": None,
    }
    tx.insert_ignore(_P, row, ["api", "credential_hash"])
    return find_principal(tx, api, credential)


_KNOWN = select(_P.c.id).where(_P.c.api == bindparam("api"), _P.c.credential_hash == bindparam("hash"))
_PUBLIC_KEY = select(_P.c.public_key).where(
    _P.c.api == bindparam("api"), _P.c.credential_hash == bindparam("hash"), _P.c.revoked_at_ms.is_(None)
)


_PLAN = select(_T.c.plan, _T.c.features).where(_T.c.id == bindparam("id"))


def tenant_plan(tx: Tx, tenant_id: str) -> tuple[str, frozenset[str]] | None:
    """A tenant's plan and its features, or None for an unknown tenant."""
    row = tx.fetch_one(_PLAN, {"id": tenant_id})
    if row is None:
        return None
    return row[0], frozenset(json.loads(row[1]))


def principal_public_key(tx: Tx, api: str, credential: str) -> str | None:
    """The public key registered for a credential (at run time, through the control plane), if any; None
    for an unknown or revoked credential."""
    row = tx.fetch_one(_PUBLIC_KEY, {"api": api, "hash": credential_hash(api, credential)})
    return None if row is None else row[0]


def provision(
    tx: Tx, tenants: Iterable[TenantSpec], principals: Iterable[PrincipalSpec], now_ms: int
) -> None:
    """Strict mode: writes the configured organisations and principals (idempotent)."""
    for tenant in tenants:
        ensure_tenant(tx, tenant, now_ms)
    for principal in principals:
        ensure_principal(tx, principal, now_ms)


# --- principals managed at run time (control API) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrincipalInfo:
    """A principal as the control plane lists it: never its credential."""

    id: str
    api: str
    tenant_id: str
    is_organization: bool
    label: str
    scopes: tuple[str, ...]
    created_at_ms: int
    revoked_at_ms: int | None


_INFO = (
    select(
        _P.c.id,
        _P.c.api,
        _P.c.tenant_id,
        _T.c.is_organization,
        _P.c.label,
        _P.c.scopes,
        _P.c.created_at_ms,
        _P.c.revoked_at_ms,
    )
    .join(_T, _T.c.id == _P.c.tenant_id)
    .order_by(_P.c.created_at_ms, _P.c.id)
)
_LIST_ALL = _INFO
_LIST_API = _INFO.where(_P.c.api == bindparam("api"))
_ONE = _INFO.where(_P.c.id == bindparam("id"))
_REVOKE = (
    update(_P)
    .where(_P.c.id == bindparam("id"), _P.c.revoked_at_ms.is_(None))
    .values(revoked_at_ms=bindparam("now"))
)


def _info(row: tuple[Any, ...]) -> PrincipalInfo:
    pid, api, tenant_id, is_org, label, scopes, created, revoked = row
    return PrincipalInfo(
        pid, api, tenant_id, bool(is_org), label, tuple(sorted(json.loads(scopes))), created, revoked
    )


def list_principals(tx: Tx, api: str | None = None) -> list[PrincipalInfo]:
    """Every principal (of one API when given), revoked ones included, oldest first."""
    rows = tx.fetch_all(_LIST_ALL) if api is None else tx.fetch_all(_LIST_API, {"api": api})
    return [_info(row) for row in rows]


def get_principal(tx: Tx, principal_id_: str) -> PrincipalInfo:
    row = tx.fetch_one(_ONE, {"id": principal_id_})
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "principal", id=principal_id_)
    return _info(row)


def revoke_principal(tx: Tx, principal_id_: str, now_ms: int) -> PrincipalInfo:
    """Its credential stops authenticating (permissive mode does not bring it back); revoking twice keeps
    the first time. NOT_FOUND for an unknown id."""
    tx.execute(_REVOKE, {"id": principal_id_, "now": now_ms})
    return get_principal(tx, principal_id_)


def ensure_organization(tx: Tx, tenant: TenantSpec, now_ms: int, *, update: Iterable[str] = ()) -> None:
    """Creates the tenant when missing. An existing one keeps what it has, except the columns named in
    ``update`` (``plan``, ``features``), which take the spec's values."""
    values = {
        "name": tenant.name,
        "is_organization": tenant.is_organization,
        "plan": tenant.plan,
        "features": json.dumps(sorted(tenant.features)),
    }
    if not tx.insert_ignore(_T, {"id": tenant.id, **values, "created_at_ms": now_ms}, ["id"]):
        changed = {column: values[column] for column in update}
        if changed:
            tx.update(_T, {"id": tenant.id}, changed)


def create_principal(tx: Tx, spec: PrincipalSpec, now_ms: int) -> PrincipalInfo:
    """A principal for ``spec``'s credential in an existing tenant. A credential that already has one is
    moved to the tenant, given the label and scopes, and un-revoked (the id stays, derived from it)."""
    ensure_principal(tx, spec, now_ms)
    return get_principal(tx, principal_id(spec.api, spec.credential))
