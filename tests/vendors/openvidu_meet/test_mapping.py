"""OpenVidu Meet mapping without HTTP: prefix sanitising, the room settings document, secrets to roles."""

from __future__ import annotations

import json

import pytest

from omnimeet.domain.rooms import Room
from omnimeet.platform.ids import RandomIds
from omnimeet.vendors.openvidu_meet import mapping


def room_with(settings: str) -> Room:
    return Room(
        1,
        "t",
        "openvidu-meet",
        "r",
        None,
        None,
        None,
        None,
        None,
        False,
        None,
        0,
        0,
        None,
        settings,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("OpenVidu", "OpenVidu"),
        ("a b\n\tc", "a-b-c"),
        ("ünï cödé", "n-cd"),
        ("--", ""),
        ("x" * 200, "x" * mapping.MAX_PREFIX_LENGTH),
        ("x" * (mapping.MAX_PREFIX_LENGTH - 1) + "-y", "x" * (mapping.MAX_PREFIX_LENGTH - 1)),
    ],
)
def test_sanitise_prefix(prefix: str, expected: str) -> None:
    assert mapping.sanitise_prefix(prefix) == expected


def test_names_are_seeded() -> None:
    assert mapping.new_room_name("a", RandomIds(7)) == mapping.new_room_name("a", RandomIds(7))


def test_settings_round_trip_keeps_other_keys() -> None:
    raw = json.dumps({"prefix": "p", "secrets": {"viewer": "v"}, "webhook": {"x": 1}})
    settings = mapping.RoomSettings.of(room_with(raw))
    assert settings.preferences == dict.fromkeys(mapping.PREFERENCE_KEYS, True)
    settings.deleted_at_ms = 5
    assert json.loads(settings.to_json()) == {
        "webhook": {"x": 1},
        "prefix": "p",
        "preferences": dict.fromkeys(mapping.PREFERENCE_KEYS, True),
        "secrets": {"viewer": "v"},
        "deleted_at_ms": 5,
    }


def test_a_missing_secret_matches_nothing() -> None:
    settings = mapping.RoomSettings.of(room_with(json.dumps({"secrets": {"viewer": "abc"}})))
    assert settings.role_of("") is None
    assert settings.role_of("abc") == "viewer"
    assert settings.role_of("abcd") is None


def test_recording_enabled_reads_the_preferences() -> None:
    off = {"preferences": {"recordingPreferences": False}}
    assert mapping.recording_enabled(room_with(json.dumps(off))) is False
    assert mapping.recording_enabled(room_with("{}")) is True
