"""The application context: building it from settings, authentication in both modes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from omnimeet.domain.tenancy import ALL
from omnimeet.platform.config import Settings
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import PrefixDispatcher


def _credentials(tmp_path: Path) -> Path:
    path = tmp_path / "credentials.yaml"
    path.write_text(
        "organizations: [{id: acme, features: []}]\n"
        "principals: [{api: telemost, credential: known, organization: acme, scopes: [read]}]\n",
        encoding="utf-8",
    )
    return path


def test_strict_mode_needs_a_credentials_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="OMNIMEET_CREDENTIALS_FILE"):
        AppContext.from_settings(Settings(auth_mode="strict", data_dir=tmp_path))


def test_seeded_settings_give_reproducible_ids(tmp_path: Path) -> None:
    def first_ids() -> list[str]:
        ctx = AppContext.from_settings(Settings(random_seed=3, database_url="sqlite://"))
        ctx.db.close()
        return [ctx.ids.hex(8), ctx.ids.digits(6)]

    assert first_ids() == first_ids()


def test_permissive_mode_accepts_any_credential_once_per_credential(
    make_app: Callable[..., PrefixDispatcher],
) -> None:
    ctx: AppContext = make_app().state.ctx
    first = ctx.authenticate("telemost", "anything")
    assert first is not None
    assert first.scopes == frozenset({ALL})
    assert first.is_organization
    assert ctx.authenticate("telemost", "anything") == first
    other = ctx.authenticate("telemost", "something else")
    assert other is not None
    assert other.tenant_id != first.tenant_id


def test_strict_mode_accepts_only_configured_credentials(
    make_app: Callable[..., PrefixDispatcher], tmp_path: Path
) -> None:
    ctx: AppContext = make_app(auth_mode="strict", credentials_file=_credentials(tmp_path)).state.ctx
    known = ctx.authenticate("telemost", "known")
    assert known is not None
    assert (known.tenant_id, known.scopes, known.features) == ("org_acme", frozenset({"read"}), frozenset())
    assert ctx.authenticate("telemost", "unknown") is None
    assert ctx.authenticate("zoom", "known") is None


def test_create_app_provisions_credentials_on_startup(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    from omnimeet.main import create_app

    settings = make_settings(auth_mode="strict", credentials_file=_credentials(tmp_path))
    permissive = create_app(make_settings(), migrate=False).state.ctx
    permissive.reset()  # an empty database, then a strict app starts on it
    ctx: AppContext = create_app(settings, migrate=False).state.ctx
    try:
        assert ctx.authenticate("telemost", "known") is not None
    finally:
        ctx.db.close()
        permissive.db.close()
