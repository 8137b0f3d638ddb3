"""SourceFuse mapping: meeting links, Vonage Video session ids and tokens, JSON dates."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from omnimeet.platform.ids import RandomIds
from omnimeet.vendors.sourcefuse import mapping


def test_links_are_ten_url_safe_characters() -> None:
    ids = RandomIds(1)
    links = {mapping.new_link(ids) for _ in range(500)}
    assert len(links) == 500
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{10}", link) for link in links)
    assert any("_" in link or "-" in link for link in links)


def test_session_id_leads_back_to_its_link() -> None:
    session_id = mapping.vonage_session_id("47000001", "abc_DEF-12", 1_796_115_600_000, RandomIds(2))
    assert session_id.startswith("1_MX4")
    assert mapping.link_of_session(session_id) == "abc_DEF-12"


@pytest.mark.parametrize("session_id", ["", "1_", "1_!!!", "2_MX4xfg", "1_" + "MX4xfjJ-YWJj", "1_/w"])
def test_other_session_ids_lead_nowhere(session_id: str) -> None:
    assert mapping.link_of_session(session_id) is None


def test_token_is_signed_with_the_api_secret() -> None:
    token = mapping.vonage_token(
        "47000001",
        "s3cret",
        "1_MX4x",
        role="subscriber",
        now_ms=1_000_000,
        expire_s=2000,
        data="a&b",
        ids=RandomIds(3),
    )
    inner = base64.b64decode(token.removeprefix("T1==")).decode()
    head, _, payload = inner.partition(":")
    sig = hmac.new(b"s3cret", payload.encode(), hashlib.sha1).hexdigest()
    assert head == f"partner_id=47000001&sig={sig}"
    for field in ("role=subscriber", "connection_data=a%26b", "expire_time=2000"):
        assert field in payload


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-01T09:00:00.000Z", 1_796_115_600_000),
        ("2026-12-01T10:00:00+01:00", 1_796_115_600_000),
        ("2026-12-01T09:00:00", 1_796_115_600_000),
        (1_796_115_600_000, 1_796_115_600_000),
        ("", None),
        ("tomorrow", None),
        (1e300, None),
        (None, None),
    ],
)
def test_dates(value: str | float | None, expected: int | None) -> None:
    assert mapping.parse_date(value) == expected
