"""Principals' public keys (for APIs whose clients sign tokens) and a tenant's plan, as stored."""

from __future__ import annotations

from omnimeet.domain.tenancy import (
    ALL,
    PrincipalSpec,
    TenantSpec,
    create_principal,
    ensure_tenant,
    principal_public_key,
    provision,
    revoke_principal,
    tenant_plan,
)
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS

KEY_A = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
KEY_B = "-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n"


def test_a_key_is_stored_kept_when_none_is_given_replaced_and_gone_with_revocation(db: Database) -> None:
    with db.transaction() as tx:
        ensure_tenant(tx, TenantSpec("acme", "Acme"), NOW_MS)
        info = create_principal(
            tx, PrincipalSpec("opentalk", "https://idp", "acme", public_key=KEY_A), NOW_MS
        )
        first = principal_public_key(tx, "opentalk", "https://idp")
        create_principal(tx, PrincipalSpec("opentalk", "https://idp", "acme", label="again"), NOW_MS)
        kept = principal_public_key(tx, "opentalk", "https://idp")
        create_principal(tx, PrincipalSpec("opentalk", "https://idp", "acme", public_key=KEY_B), NOW_MS)
        replaced = principal_public_key(tx, "opentalk", "https://idp")
        other_api = principal_public_key(tx, "vonage", "https://idp")
        unknown = principal_public_key(tx, "opentalk", "https://elsewhere")
        revoke_principal(tx, info.id, NOW_MS + 1)
        revoked = principal_public_key(tx, "opentalk", "https://idp")
    assert (first, kept, replaced) == (KEY_A, KEY_A, KEY_B)
    assert (other_api, unknown, revoked) == (None, None, None)


def test_provisioned_principals_have_no_key_unless_given(db: Database) -> None:
    with db.transaction() as tx:
        provision(tx, [TenantSpec("acme", "Acme")], [PrincipalSpec("opentalk", "token", "acme")], NOW_MS)
        assert principal_public_key(tx, "opentalk", "token") is None


def test_tenant_plan_is_the_plan_and_its_features(db: Database) -> None:
    with db.transaction() as tx:
        ensure_tenant(tx, TenantSpec("acme", "Acme", plan="starter", features=frozenset({"b", "a"})), NOW_MS)
        ensure_tenant(tx, TenantSpec("solo", "Solo"), NOW_MS)
        assert tenant_plan(tx, "acme") == ("starter", frozenset({"a", "b"}))
        assert tenant_plan(tx, "solo") == ("default", frozenset({ALL}))
        assert tenant_plan(tx, "nobody") is None
