"""Domain fixtures: a real ``Database`` on the session's migrated database, emptied before each test."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from omnimeet.domain.tables import Base
from omnimeet.domain.tenancy import ALL, Principal, PrincipalSpec, TenantSpec, find_principal, provision
from omnimeet.platform.db import Database

NOW_MS = 1_700_000_000_000


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now_ms: int = NOW_MS) -> None:
        self.now = now_ms

    def now_ms(self) -> int:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def count_rows(db: Database, model: type[Base]) -> int:
    table = model.__table__
    with db.transaction(write=False) as tx:
        row = tx.fetch_one(select(func.count()).select_from(table))
    assert row is not None
    return int(row[0])


MakePrincipal = Callable[..., Principal]


@pytest.fixture
def make_principal(db: Database) -> MakePrincipal:
    """Provisions an organisation (or personal tenant) and one principal in it; returns the principal."""

    def make(
        tenant_id: str = "acme",
        credential: str | None = None,
        *,
        api: str = "telemost",
        features: frozenset[str] = frozenset({ALL}),
        scopes: frozenset[str] = frozenset({ALL}),
        is_organization: bool = True,
        plan: str = "business",
    ) -> Principal:
        credential = credential or f"token-of-{tenant_id}-{api}"
        tenant = TenantSpec(tenant_id, f"{tenant_id} Ltd", is_organization, plan, features)
        spec = PrincipalSpec(api, credential, tenant_id, label=f"{tenant_id} admin", scopes=scopes)
        with db.transaction() as tx:
            provision(tx, [tenant], [spec], NOW_MS)
            found = find_principal(tx, api, credential)
        assert found is not None
        return found

    return make
