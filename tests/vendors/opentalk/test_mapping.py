"""OpenTalk's shared wire mappings: times and user profiles."""

from __future__ import annotations

import pytest

from omnimeet.domain.users import User
from omnimeet.vendors.opentalk.mapping import parse_timestamp, public_profile, timestamp


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (1_500, "1970-01-01T00:00:01.500Z"),
        (1_796_115_600_000, "2026-12-01T09:00:00Z"),
        (-59_074_886_101_000, "0097-12-27T21:24:59Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ],
)
def test_timestamps_are_written_as_the_controller_does(ms: int, text: str) -> None:
    assert timestamp(ms) == text
    assert parse_timestamp(text) == ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2026-12-01T10:00:00+01:00", 1_796_115_600_000),
        ("2026-12-01t09:00:00z", 1_796_115_600_000),
        ("2026-12-01T09:00:00.25Z", 1_796_115_600_250),
        ("2026-12-01T09:00:00", None),  # no offset
        ("yesterday", None),
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC
        ("9999-12-31T23:59:59-01:00", None),  # after year 9999 in UTC
    ],
)
def test_parse_timestamp(text: str, ms: int | None) -> None:
    assert parse_timestamp(text) == ms


def _user(**fields: object) -> User:
    values: dict[str, object] = {
        "seq": 1,
        "tenant_id": "t",
        "api": "opentalk",
        "public_id": "5b0c2f4e-8c1a-4f53-9d2e-7a1b3c4d5e6f",
        "subject": "alice",
        "email": "Alice@Example.com",
        "title": None,
        "firstname": "Alice",
        "lastname": "Adams",
        "display_name": None,
        "avatar_url": None,
        "language": None,
        "dashboard_theme": None,
        "conference_theme": None,
        "tariff_status": None,
        "created_at_ms": 0,
        "updated_at_ms": 0,
        "last_login_at_ms": None,
        "settings": "{}",
    }
    values.update(fields)
    return User(**values)  # type: ignore[arg-type]


def test_public_profile_fills_names_and_a_gravatar_of_the_lowercased_address() -> None:
    assert public_profile(_user()) == {
        "id": "5b0c2f4e-8c1a-4f53-9d2e-7a1b3c4d5e6f",
        "email": "Alice@Example.com",
        "title": "",
        "firstname": "Alice",
        "lastname": "Adams",
        "display_name": "Alice Adams",
        "avatar_url": "https://gravatar.com/avatar/c160f8cc69a4f0bf2b0362752353d060",
    }


def test_public_profile_keeps_what_the_user_set() -> None:
    profile = public_profile(_user(title="Dr.", display_name="Al", avatar_url="https://img.example/a.png"))
    assert (profile["title"], profile["display_name"], profile["avatar_url"]) == (
        "Dr.",
        "Al",
        "https://img.example/a.png",
    )
