"""Tenants and principals through a real database transaction."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.tables import PRINCIPALS, TENANTS, PrincipalRow, TenantRow
from omnimeet.domain.tenancy import (
    ALL,
    Principal,
    PrincipalSpec,
    TenantSpec,
    credential_hash,
    find_principal,
    provision,
    provision_self_service,
)
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, MakePrincipal, count_rows


def _principal(
    scopes: frozenset[str] = frozenset({ALL}),
    features: frozenset[str] = frozenset({ALL}),
    is_organization: bool = True,
) -> Principal:
    return Principal("p", "t", "telemost", "", scopes, is_organization, "plan-x", features)


def test_credential_hash_is_sha256_hex_and_depends_on_the_api() -> None:
    digest = credential_hash("telemost", "secret")
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert digest == credential_hash("telemost", "secret")
    assert digest != credential_hash("zoom", "secret")
    assert digest != credential_hash("telemost", "secret2")
    assert "secret" not in digest


def test_scopes_and_features() -> None:
    limited = _principal(scopes=frozenset({"read"}), features=frozenset({"live_streams"}))
    assert limited.has_scope("read")
    assert not limited.has_scope("write")
    assert limited.has_feature("live_streams")
    assert not limited.has_feature("recordings")
    limited.require_feature("live_streams")
    with pytest.raises(DomainError) as caught:
        limited.require_feature("recordings")
    assert caught.value.code is ErrorCode.FEATURE_NOT_IN_PLAN
    assert caught.value.details == {"feature": "recordings", "plan": "plan-x"}

    everything = _principal()
    assert everything.has_scope("anything")
    assert everything.has_feature("anything")


def test_require_organization() -> None:
    _principal(is_organization=True).require_organization()
    with pytest.raises(DomainError) as caught:
        _principal(is_organization=False).require_organization()
    assert caught.value.code is ErrorCode.NOT_IN_ORGANIZATION


def test_find_principal_of_unknown_credential_is_none(db: Database) -> None:
    with db.transaction(write=False) as tx:
        assert find_principal(tx, "telemost", "nobody") is None


def test_strict_provisioning_writes_tenants_and_principals(db: Database) -> None:
    tenants = [
        TenantSpec("acme", "Acme Ltd", plan="business", features=frozenset({"live_streams"})),
        TenantSpec("solo", "Solo", is_organization=False, plan="personal", features=frozenset()),
    ]
    principals = [
        PrincipalSpec("telemost", "acme-admin", "acme", "Acme admin", frozenset({"read", "write"})),
        PrincipalSpec("telemost", "solo-token", "solo", "Solo"),
    ]
    with db.transaction() as tx:
        provision(tx, tenants, principals, NOW_MS)
    with db.transaction(write=False) as tx:
        acme = find_principal(tx, "telemost", "acme-admin")
        solo = find_principal(tx, "telemost", "solo-token")
        assert find_principal(tx, "zoom", "acme-admin") is None
        assert find_principal(tx, "telemost", "unconfigured") is None
    assert acme == Principal(
        id=f"p_{credential_hash('telemost', 'acme-admin')[:24]}",
        tenant_id="acme",
        api="telemost",
        label="Acme admin",
        scopes=frozenset({"read", "write"}),
        is_organization=True,
        plan="business",
        features=frozenset({"live_streams"}),
    )
    assert solo is not None
    assert (solo.tenant_id, solo.is_organization, solo.plan, solo.features) == (
        "solo",
        False,
        "personal",
        frozenset(),
    )
    assert solo.scopes == frozenset({ALL})
    assert count_rows(db, TenantRow) == 2
    assert count_rows(db, PrincipalRow) == 2


def test_provisioning_is_idempotent_and_converges_on_the_latest_specs(db: Database) -> None:
    with db.transaction() as tx:
        provision(
            tx,
            [TenantSpec("acme", "Acme", plan="basic", features=frozenset())],
            [PrincipalSpec("telemost", "tok", "acme", "old", frozenset({"read"}))],
            NOW_MS,
        )
        provision(
            tx,
            [TenantSpec("acme", "Acme Ltd", plan="business", features=frozenset({"live_streams"}))],
            [PrincipalSpec("telemost", "tok", "acme", "new", frozenset({"read", "write"}))],
            NOW_MS + 1000,
        )
    with db.transaction(write=False) as tx:
        found = find_principal(tx, "telemost", "tok")
        created = tx.fetch_one(select(TENANTS.c.name, TENANTS.c.created_at_ms))
    assert found is not None
    assert (found.label, found.scopes, found.plan, found.features) == (
        "new",
        frozenset({"read", "write"}),
        "business",
        frozenset({"live_streams"}),
    )
    # An update keeps the creation time.
    assert created == ("Acme Ltd", NOW_MS)
    assert count_rows(db, TenantRow) == 1
    assert count_rows(db, PrincipalRow) == 1


def test_a_principal_can_move_to_another_tenant(db: Database, make_principal: MakePrincipal) -> None:
    make_principal("first", "tok")
    moved = make_principal("second", "tok")
    assert moved.tenant_id == "second"
    assert count_rows(db, PrincipalRow) == 1


def test_revoked_principal_is_not_found_until_provisioned_again(
    db: Database, make_principal: MakePrincipal
) -> None:
    principal = make_principal("acme", "tok")
    with db.transaction() as tx:
        assert tx.update(PRINCIPALS, {"id": principal.id}, {"revoked_at_ms": NOW_MS}) == 1
    with db.transaction(write=False) as tx:
        assert find_principal(tx, "telemost", "tok") is None
    # Strict provisioning (startup, reset) restores configured principals.
    assert make_principal("acme", "tok") == principal


def test_provision_self_service_creates_a_personal_organisation_with_everything(db: Database) -> None:
    with db.transaction() as tx:
        principal = provision_self_service(tx, "telemost", "new-token", NOW_MS)
    digest = credential_hash("telemost", "new-token")
    assert principal == Principal(
        id=f"p_{digest[:24]}",
        tenant_id=f"t_{digest[:24]}",
        api="telemost",
        label=f"telemost {digest[:8]}",
        scopes=frozenset({ALL}),
        is_organization=True,
        plan="default",
        features=frozenset({ALL}),
    )
    with db.transaction(write=False) as tx:
        assert find_principal(tx, "telemost", "new-token") == principal
        stored = tx.fetch_one(select(TENANTS.c.features, PRINCIPALS.c.scopes).join(PRINCIPALS))
    assert stored is not None
    assert [json.loads(v) for v in stored] == [[ALL], [ALL]]


def test_provision_self_service_is_idempotent(db: Database) -> None:
    with db.transaction() as tx:
        first = provision_self_service(tx, "telemost", "tok", NOW_MS)
    with db.transaction() as tx:
        second = provision_self_service(tx, "telemost", "tok", NOW_MS + 5)
        other = provision_self_service(tx, "telemost", "another", NOW_MS + 5)
    assert second == first
    assert other.tenant_id != first.tenant_id
    assert other.id != first.id
    assert count_rows(db, TenantRow) == 2
    assert count_rows(db, PrincipalRow) == 2


def test_same_credential_on_two_apis_is_two_principals(db: Database) -> None:
    with db.transaction() as tx:
        a = provision_self_service(tx, "telemost", "shared", NOW_MS)
        b = provision_self_service(tx, "zoom", "shared", NOW_MS)
    assert (a.api, b.api) == ("telemost", "zoom")
    assert a.id != b.id
    assert a.tenant_id != b.tenant_id


def test_concurrent_self_service_provisioning_converges_on_one_principal(db: Database) -> None:
    workers = 6
    barrier = threading.Barrier(workers)

    def provision_once(_: int) -> Principal:
        barrier.wait(timeout=30)
        with db.transaction() as tx:
            return provision_self_service(tx, "telemost", "raced", NOW_MS)

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(provision_once, range(workers)))
    assert len(results) == workers
    assert len(set(results)) == 1
    assert count_rows(db, TenantRow) == 1
    assert count_rows(db, PrincipalRow) == 1
