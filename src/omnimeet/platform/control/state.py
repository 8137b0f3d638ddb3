"""Control API: reset, and state export/import."""

from __future__ import annotations

from fastapi import APIRouter, Response

from omnimeet.platform.context import AppContext


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["State"])

    @router.post("/reset", status_code=204, response_class=Response)
    async def reset() -> Response:
        """Wipes every room, session, recording, invite, event, webhook and principal; rewinds the clock."""
        ctx.reset()
        return Response(status_code=204)

    return router
