"""Vonage's meeting rules on their own: session ids, expiry by room type, the hard limit, the file."""

from __future__ import annotations

import base64
import json
from typing import Any

from omnimeet.domain.meeting_records import Recording
from omnimeet.domain.rooms import Room
from omnimeet.platform.ids import RandomIds
from omnimeet.platform.media import mp4_size
from omnimeet.vendors.vonage.auth import account_id_of
from omnimeet.vendors.vonage.rules import RULES, VonageRules, account_of, session_id_for

FIXTURE_SESSION = "1_MX40NjMzOTg5Mn5-MTY3NDYxNDI4NjY5M35WM0xaVXBSc1lpT3hKWE1XQ2diM1B3cXB-fn4"
"""A session id the real service answered (python-sdk-fixtures/get_recording.json)."""


def room(**settings: Any) -> Room:
    return Room(
        1, "t_acme", "vonage", "r1", None, "my room", None, None, None, False, None,
        1_000, 1_000, 601_000, json.dumps(settings), None, None,
    )  # fmt: skip


class Clock:
    def now_ms(self) -> int:
        return 1_674_614_286_693


def test_a_session_id_is_built_like_the_recorded_one() -> None:
    assert session_id_for("46339892", 1_674_614_286_693, "V3LZUpRsYiOxJXMWCgb3Pwqp") == FIXTURE_SESSION


def test_session_ids_carry_the_account_and_the_clock() -> None:
    made = VonageRules(Clock()).session_id(RandomIds(1), room(account_id="46339892"))
    decoded = base64.urlsafe_b64decode(made[2:] + "=" * (-len(made[2:]) % 4)).decode()
    assert decoded.startswith("1~46339892~~1674614286693~")
    assert decoded.endswith("~~~")
    assert account_of(room()) == account_id_of("t_acme")
    assert RULES.session_id(RandomIds(1), room()).startswith("1_MX4")  # without a clock: the room's creation


def test_expiry_after_use_by_room_type() -> None:
    assert RULES.expiry_after_last_leave_ms(room(type="instant")) == 600_000
    assert RULES.expiry_after_last_leave_ms(room()) == 600_000  # instant is the default
    assert RULES.expiry_after_last_leave_ms(room(type="long_term", expire_after_use=True)) == 600_000
    assert RULES.expiry_after_last_leave_ms(room(type="long_term", expire_after_use=False)) is None


def test_the_hard_limit_of_long_term_rooms() -> None:
    assert RULES.expiry_while_in_use_ms(room(type="instant", expires_at_ms=5)) is None
    assert RULES.expiry_while_in_use_ms(room(type="long_term", expires_at_ms=9_000)) == 9_000
    assert RULES.expiry_while_in_use_ms(room(type="long_term")) == 601_000  # the column


def test_ids_and_the_file() -> None:
    ids = RandomIds(3)
    assert len(RULES.recording_id(ids, room())) == 36
    assert len(RULES.participant_id(ids, room())) == 36
    recording = Recording(1, "t", 1, 1, "rec-1", "stopped", 1_000, 43_500, None, None, 0, 0, "{}", None)
    file = RULES.recording_file(room(), recording)
    assert (file.size_bytes, file.filename) == (mp4_size(42_500), "rec-1-archive.mp4")
