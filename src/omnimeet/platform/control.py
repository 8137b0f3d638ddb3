"""The emulator's back door, mounted at ``/_omnimeet``: health and reset (grown by later issues)."""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from omnimeet.platform.context import AppContext
from omnimeet.platform.migrate import SCHEMA_HEAD, current_revision
from omnimeet.platform.web import new_api


class Health(BaseModel):
    status: str


def build_control_app(ctx: AppContext) -> FastAPI:
    app = new_api(
        title="omnimeet control API",
        version="1",
        description="Drives the emulator itself: health, reset. Not part of any vendor's API.",
    )

    @app.get("/health", response_model=Health, responses={503: {"model": Health}})
    async def health() -> Response:
        """200 when the database answers and its schema is at the newest migration; 503 otherwise."""
        try:
            at = current_revision(ctx.db)
        except Exception:
            at = None
        if at == SCHEMA_HEAD:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    @app.post("/reset", status_code=204, response_class=Response)
    async def reset() -> Response:
        """Wipes every room, session, recording, invite, event, webhook and principal; rewinds the clock."""
        ctx.reset()
        return Response(status_code=204)

    return app
