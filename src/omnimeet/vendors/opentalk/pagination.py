"""The controller's two pagination styles, and their RFC 5988 ``Link`` headers built from the request URL.

- Page style (rooms, invites, assets, users' lists): ``per_page`` 1-100 (default 30) and ``page`` >= 1
  (default 1); ``Link`` has ``first`` and ``prev`` (page > 1), ``next`` and ``last`` (page < last).
- Cursor style (events, instances): ``per_page`` and ``after=<opaque cursor>``; ``Link`` has ``next`` while
  more follow.
A bad value of either is a ``400 bad_request`` (the handler of invalid query values).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Query, Request
from starlette.responses import JSONResponse

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
MAX_PAGE = 2**63 - 1
"""The controller reads ``page`` as a 64-bit integer: a larger one is a 400."""
MAX_OFFSET = 2**62
"""Where ``Page.offset`` stops growing (far past any table; databases refuse offsets beyond 64 bits)."""

LINK_HEADER: dict[str, Any] = {
    "Link": {
        "description": "RFC 5988 links to the other pages (`first`, `prev`, `next`, `last`; events: `next`).",
        "schema": {"type": "string"},
    }
}


@dataclass(frozen=True, slots=True)
class Page:
    per_page: int
    page: int

    @property
    def offset(self) -> int:
        return min((self.page - 1) * self.per_page, MAX_OFFSET)


def page_params(
    per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Results per page (1-100)."),
    page: int = Query(1, ge=1, le=MAX_PAGE, description="The page to return (from 1)."),
) -> Page:
    """A dependency: the page a list request asks for."""
    return Page(per_page, page)


def _url(request: Request, **params: Any) -> str:
    query = dict(request.query_params)
    query.update({key: str(value) for key, value in params.items()})
    return str(request.url.replace_query_params(**query))


def page_links(request: Request, page: Page, total: int) -> str:
    """The ``Link`` header of one page of ``total`` items (empty when there is nothing to link)."""
    last = max(1, -(-total // page.per_page))
    links = [f"<{_url(request, per_page=page.per_page, page=1)}>; rel='first'"]
    if page.page > 1:
        links.append(f"<{_url(request, per_page=page.per_page, page=min(page.page - 1, last))}>; rel='prev'")
    if page.page < last:
        links.append(f"<{_url(request, per_page=page.per_page, page=page.page + 1)}>; rel='next'")
        links.append(f"<{_url(request, per_page=page.per_page, page=last)}>; rel='last'")
    return ", ".join(links)


def paged_response(request: Request, page: Page, total: int, items: list[Any]) -> JSONResponse:
    """A JSON list answer with the page's ``Link`` header."""
    return JSONResponse(items, headers={"Link": page_links(request, page, total)})


def encode_cursor(position: dict[str, Any]) -> str:
    """An opaque cursor (URL-safe base64 of JSON) for the item after which the next page starts."""
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any] | None:
    """The position a cursor names, or None when it is not one of ours (the caller answers 400)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return position if isinstance(position, dict) else None


def cursor_link(request: Request, per_page: int, cursor: str | None) -> dict[str, str]:
    """The ``Link`` header (as a headers dict) pointing at the page after ``cursor``; empty at the end."""
    if cursor is None:
        return {}
    return {"Link": f"<{_url(request, per_page=per_page, after=cursor)}>; rel='next'"}
