"""Tenants and principals: who is calling, for which organisation, with which scopes and plan features."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select

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


def ensure_principal(tx: Tx, spec: PrincipalSpec, now_ms: int) -> None:
    """Creates the principal, or updates its tenant, label and scopes. Concurrent callers converge."""
    digest = credential_hash(spec.api, spec.credential)
    values = {"tenant_id": spec.tenant_id, "label": spec.label, "scopes": json.dumps(sorted(spec.scopes))}
    row = {
        "id": f"p_{digest[:24]}",
        "api": spec.api,
        "credential_hash": digest,
        **values,
        "created_at_ms": now_ms,
        "revoked_at_ms": None,
    }
    if not tx.insert_ignore(_P, row, ["api", "credential_hash"]):
        tx.update(_P, {"api": spec.api, "credential_hash": digest}, {**values, "revoked_at_ms": None})


def provision_self_service(tx: Tx, api: str, credential: str, now_ms: int) -> Principal:
    """Permissive mode: a new credential becomes a principal with every scope, alone in a new organisation.

    Ids derive from the credential, so two workers that see the same new credential at once create one
    tenant and one principal between them.
    """
    digest = credential_hash(api, credential)
    tenant = TenantSpec(id=f"t_{digest[:24]}", name=f"{api} organisation {digest[:8]}")
    ensure_tenant(tx, tenant, now_ms)
    ensure_principal(tx, PrincipalSpec(api, credential, tenant.id, label=f"{api} {digest[:8]}"), now_ms)
    found = find_principal(tx, api, credential)
    assert found is not None
    return found


def provision(
    tx: Tx, tenants: Iterable[TenantSpec], principals: Iterable[PrincipalSpec], now_ms: int
) -> None:
    """Strict mode: writes the configured organisations and principals (idempotent)."""
    for tenant in tenants:
        ensure_tenant(tx, tenant, now_ms)
    for principal in principals:
        ensure_principal(tx, principal, now_ms)
