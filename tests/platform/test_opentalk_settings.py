"""OpenTalk settings from the environment: OIDC provider, JWKS file, TURN/STUN servers, tariff quotas."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from omnimeet.platform.config import Settings, TurnServer


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OIDC_PROVIDER_NAME", "OIDC_PROVIDER_URL", "JWKS_FILE", "TURN_SERVERS", "STUN_URIS"):
        monkeypatch.delenv(f"OMNIMEET_OPENTALK_{name}", raising=False)
    for name in ("TURN_LIFETIME_SECONDS", "TARIFF_QUOTAS"):
        monkeypatch.delenv(f"OMNIMEET_OPENTALK_{name}", raising=False)
    settings = Settings()
    assert (settings.opentalk_oidc_provider_name, settings.opentalk_oidc_provider_url) == (
        "default",
        "http://localhost:8080/realms/opentalk",
    )
    assert (settings.opentalk_jwks_file, settings.opentalk_turn_servers, settings.opentalk_stun_uris) == (
        None,
        [],
        [],
    )
    assert (settings.opentalk_turn_lifetime_seconds, settings.opentalk_tariff_quotas) == (86_400, {})


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNIMEET_OPENTALK_OIDC_PROVIDER_URL", "https://idp.example/realms/x")
    monkeypatch.setenv("OMNIMEET_OPENTALK_JWKS_FILE", "/etc/omnimeet/jwks.json")
    monkeypatch.setenv(
        "OMNIMEET_OPENTALK_TURN_SERVERS", '[{"uris": ["turn:t.example.com:3478"], "pre_shared_key": "psk"}]'
    )
    monkeypatch.setenv("OMNIMEET_OPENTALK_STUN_URIS", '["stun:s.example.com"]')
    monkeypatch.setenv("OMNIMEET_OPENTALK_TURN_LIFETIME_SECONDS", "60")
    monkeypatch.setenv("OMNIMEET_OPENTALK_TARIFF_QUOTAS", '{"max_storage": 1000}')
    settings = Settings()
    assert settings.opentalk_oidc_provider_url == "https://idp.example/realms/x"
    assert settings.opentalk_jwks_file == Path("/etc/omnimeet/jwks.json")
    assert settings.opentalk_turn_servers == [
        TurnServer(uris=["turn:t.example.com:3478"], pre_shared_key="psk")
    ]
    assert (settings.opentalk_stun_uris, settings.opentalk_turn_lifetime_seconds) == (
        ["stun:s.example.com"],
        60,
    )
    assert settings.opentalk_tariff_quotas == {"max_storage": 1000}


@pytest.mark.parametrize(
    "servers",
    [
        '[{"uris": [], "pre_shared_key": "psk"}]',
        '[{"uris": ["turn:a"], "pre_shared_key": ""}]',
        '[{"uris": ["turn:a"]}]',
        '[{"uris": ["turn:a"], "pre_shared_key": "k", "extra": 1}]',
    ],
)
def test_a_turn_server_needs_uris_and_a_key(monkeypatch: pytest.MonkeyPatch, servers: str) -> None:
    monkeypatch.setenv("OMNIMEET_OPENTALK_TURN_SERVERS", servers)
    with pytest.raises(ValidationError):
        Settings()
