"""Vonage Meetings ``PATCH /applications``: the calling application's default theme, which rooms created
afterwards get (the rooms area asks ``ThemeService.default_theme``). ``default_theme_id: null`` removes the
default. An unknown theme is ``400 Failed to update application because theme id <id> not found``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.themes import ThemeService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.vonage.auth import SECURED, Caller, requires
from omnimeet.vendors.vonage.errors import application_theme_not_found, empty_update
from omnimeet.vendors.vonage.schemas import CRASH, OTHER, UNAUTHORIZED, chosen_update, error
from omnimeet.vendors.vonage.theme_schemas import Application, UpdateApplication

BAD_REQUEST = error(
    'Invalid input (`"update_details" must have at least 1 key`) or an unknown theme '
    "(`Failed to update application because theme id <id> not found`)."
)


def build_router(ctx: AppContext) -> APIRouter:
    themes = ThemeService(ctx.clock)
    router = APIRouter(prefix="/applications", tags=["Applications"])
    caller = Depends(requires(ctx))

    @router.patch(
        "",
        operation_id="updateApplication",
        openapi_extra=SECURED,
        response_model=Application,
        summary="Set the application's default theme (`update_details`, or `update_options`)",
        responses={400: BAD_REQUEST, 401: UNAUTHORIZED, "4XX": OTHER, 500: CRASH},
    )
    async def update_application(body: UpdateApplication, who: Caller = caller) -> Response:
        key, details = chosen_update(body.update_details, body.update_options)
        if "default_theme_id" not in details.model_fields_set:
            raise empty_update(key)
        theme_id = details.default_theme_id
        try:
            with ctx.db.transaction() as tx:
                themes.set_default(tx, who.principal, theme_id)
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.OTHER_TENANT) and exc.entity == "theme":
                raise application_theme_not_found(str(theme_id)) from None
            raise
        return JSONResponse(
            {"application_id": who.application_id, "account_id": who.account_id, "default_theme_id": theme_id}
        )

    return router
