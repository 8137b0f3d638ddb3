"""Settings come from ``OMNIMEET_*`` variables when built, never at import time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from omnimeet.platform.config import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("OMNIMEET_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = Settings()
    assert settings.data_dir == Path(".omnimeet")
    assert settings.database_url is None
    assert settings.auth_mode == "permissive"
    assert settings.credentials_file is None
    assert settings.max_body_bytes == 1_048_576
    assert settings.random_seed is None
    assert settings.resolved_database_url() == "sqlite:///.omnimeet/omnimeet.db"


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.resolved_database_url() == f"sqlite:///{(tmp_path / 'data' / 'omnimeet.db').as_posix()}"


def test_environment_variables_with_the_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OMNIMEET_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OMNIMEET_AUTH_MODE", "strict")
    monkeypatch.setenv("OMNIMEET_CREDENTIALS_FILE", str(tmp_path / "c.yaml"))
    monkeypatch.setenv("OMNIMEET_MAX_BODY_BYTES", "10")
    monkeypatch.setenv("OMNIMEET_RANDOM_SEED", "42")
    monkeypatch.setenv("OMNIMEET_TELEMOST_JOIN_HOST", "http://join.local")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.auth_mode == "strict"
    assert settings.credentials_file == tmp_path / "c.yaml"
    assert settings.max_body_bytes == 10
    assert settings.random_seed == 42
    assert settings.telemost_join_host == "http://join.local"
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path.as_posix()}/omnimeet.db"


def test_database_url_wins_over_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNIMEET_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().resolved_database_url() == "postgresql+psycopg://u@h/db"


def test_variables_without_the_prefix_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_MODE", "strict")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = Settings()
    assert settings.auth_mode == "permissive"
    assert settings.database_url is None


def test_read_when_built_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    first = Settings()
    monkeypatch.setenv("OMNIMEET_AUTH_MODE", "strict")
    assert (first.auth_mode, Settings().auth_mode) == ("permissive", "strict")


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNIMEET_AUTH_MODE", "lenient")
    with pytest.raises(ValidationError):
        Settings()


def test_the_recording_bit_rate_is_a_checked_whole_number(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().recording_bitrate_kbps == 0
    monkeypatch.setenv("OMNIMEET_RECORDING_BITRATE_KBPS", "1000")
    assert Settings().recording_bitrate_kbps == 1000
    for refused in ("-1", "1000001", "fast"):
        monkeypatch.setenv("OMNIMEET_RECORDING_BITRATE_KBPS", refused)
        with pytest.raises(ValidationError):
            Settings()
