"""Control API: the request journal (``/requests``): what clients sent to each vendor API and got back."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from omnimeet.platform.context import AppContext
from omnimeet.platform.control.errors import ControlError, ControlErrorBody
from omnimeet.platform.journal import render

_STATUS_CLASS = re.compile(r"^([1-5])xx$", re.IGNORECASE)


class JournalMessage(BaseModel):
    headers: dict[str, str] = Field(
        description="Header names in lower case; Authorization, X-API-Key and cookies cut to a short prefix."
    )
    body: str = Field(description="The first `OMNIMEET_JOURNAL_BODY_BYTES` bytes of the body, as UTF-8 text.")
    truncated: bool = Field(description="Whether the body was longer than what is kept.")


class JournalEntry(BaseModel):
    id: int = Field(description="Increases with every entry, in the order requests finished.")
    time: str = Field(description="Virtual-clock time the request arrived (ISO-8601 UTC).")
    vendor: str
    tenant: str | None = Field(description="The caller's tenant; null when auth failed or did not run.")
    method: str
    path: str = Field(description="The whole path the client sent, mount prefix included.")
    query: str
    status: int | None = Field(description="The answer's status; null when the connection was dropped.")
    duration_ms: float
    request: JournalMessage
    response: JournalMessage


class JournalPage(BaseModel):
    total: int = Field(description="How many entries match the filters (before `limit`).")
    requests: list[JournalEntry] = Field(description="Oldest first.")


def status_filter(value: str) -> Callable[[int | None], bool]:
    """``404`` (exact) or ``4xx`` (a class)."""
    if value.isascii() and value.isdigit():
        wanted = int(value)
        return lambda status: status == wanted
    found = _STATUS_CLASS.match(value)
    if found is None:
        raise ControlError(
            400, "invalid_request", f"status must be a number (404) or a class (4xx), not {value!r}."
        )
    low = int(found.group(1)) * 100
    return lambda status: status is not None and low <= status < low + 100


def parse_since(value: str) -> tuple[int | None, int | None]:
    """``(after_id, since_ms)`` from ``since``: an entry id, or an ISO-8601 time (UTC when unzoned)."""
    if value.isascii() and value.isdigit():
        return int(value), None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ControlError(
            400, "invalid_request", f"since must be an entry id or an ISO-8601 time, not {value!r}."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return None, int(moment.timestamp() * 1000)


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["Journal"])
    journal = ctx.journal

    @router.get("/requests", response_model=JournalPage)
    async def list_requests(
        vendor: Annotated[str | None, Query(description="Only this vendor's requests.")] = None,
        method: Annotated[str | None, Query(description="HTTP method, any case.")] = None,
        path: Annotated[
            str | None,
            Query(
                description=(
                    "A glob (`*`, `?`, `[...]`; `*` also crosses `/`) matched against the whole path "
                    "(`/telemost/*`) and against the path inside the vendor's mount "
                    "(`/v1/telemost-api/conferences/*`)."
                )
            ),
        ] = None,
        status: Annotated[str | None, Query(description="`404`, or a class such as `4xx`.")] = None,
        since: Annotated[
            str | None,
            Query(description="An entry id (entries after it) or an ISO-8601 time (entries at or after it)."),
        ] = None,
        limit: Annotated[int | None, Query(ge=1, description="Only the newest N matches.")] = None,
    ) -> dict[str, Any]:
        """Journalled vendor requests, oldest first. The journal keeps the newest `OMNIMEET_JOURNAL_SIZE`
        requests of this process (each worker keeps its own; 0 turns it off). A request answered by an
        injected fault is there too, with the injected status (null if its connection was dropped) and
        tenant null (the vendor's auth never ran)."""
        after_id, since_ms = parse_since(since) if since else (None, None)
        found = journal.find(
            vendor=vendor,
            method=method,
            path=path,
            status=status_filter(status) if status else None,
            after_id=after_id,
            since_ms=since_ms,
        )
        shown = found[-limit:] if limit else found
        return {"total": len(found), "requests": [render(entry) for entry in shown]}

    @router.get(
        "/requests/{entry_id}", response_model=JournalEntry, responses={404: {"model": ControlErrorBody}}
    )
    async def get_request(entry_id: str) -> dict[str, Any]:
        """One journal entry; 404 when there is none with this id (never, or no longer, kept)."""
        entry = journal.get(int(entry_id)) if entry_id.isascii() and entry_id.isdigit() else None
        if entry is None:
            raise ControlError(404, "not_found", f"No journal entry {entry_id}.")
        return render(entry)

    @router.delete("/requests", status_code=204, response_class=Response)
    async def clear_requests() -> Response:
        """Empties the journal (entry ids keep increasing)."""
        journal.clear()
        return Response(status_code=204)

    return router
