"""Page-style pagination: parameters, offsets and the RFC 5988 Link header."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from omnimeet.vendors.opentalk.pagination import MAX_OFFSET, Page, decode_cursor, encode_cursor, page_links


def _request(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("omnimeet.test", 80),
            "path": "/opentalk/v1/rooms",
            "root_path": "",
            "query_string": query.encode(),
            "headers": [(b"host", b"omnimeet.test")],
        }
    )


def test_middle_page_links_every_relation() -> None:
    links = page_links(_request("per_page=2&page=2"), Page(2, 2), total=7)
    assert links == (
        "<http://omnimeet.test/opentalk/v1/rooms?per_page=2&page=1>; rel='first', "
        "<http://omnimeet.test/opentalk/v1/rooms?per_page=2&page=1>; rel='prev', "
        "<http://omnimeet.test/opentalk/v1/rooms?per_page=2&page=3>; rel='next', "
        "<http://omnimeet.test/opentalk/v1/rooms?per_page=2&page=4>; rel='last'"
    )


def test_only_page_links_first() -> None:
    assert page_links(_request(""), Page(30, 1), total=0) == (
        "<http://omnimeet.test/opentalk/v1/rooms?per_page=30&page=1>; rel='first'"
    )


def test_other_query_parameters_are_kept() -> None:
    links = page_links(_request("q=x&page=1"), Page(1, 1), total=2)
    assert "<http://omnimeet.test/opentalk/v1/rooms?q=x&page=2&per_page=1>; rel='next'" in links


@pytest.mark.parametrize(
    ("page", "offset"), [(Page(30, 1), 0), (Page(30, 3), 60), (Page(100, 2**63 - 1), MAX_OFFSET)]
)
def test_offsets_stop_growing_far_past_any_table(page: Page, offset: int) -> None:
    assert page.offset == offset


def test_cursors_round_trip_and_foreign_ones_are_refused() -> None:
    cursor = encode_cursor({"t": 1_796_115_600_000, "s": 7})
    assert decode_cursor(cursor) == {"t": 1_796_115_600_000, "s": 7}
    assert decode_cursor("not a cursor!") is None
    assert decode_cursor(encode_cursor({"t": 1})[:-2] + "[]") is None
