"""Vonage Meetings themes: list, create, read, PATCH, DELETE (``force``), plus the logo routes of
``logos.py`` (mounted first, so that ``/themes/logos-upload-urls`` is not taken for a theme id).

- A theme without ``theme_name`` is named by a new UUID (the docs: "If null, a UUID will automatically be
  generated"); ``theme_name`` and ``short_company_url`` are unique in the application (409).
- No themes: ``[]`` (the spec's array; the fixture ``empty_themes.json`` has ``{}``, which the Python SDK
  passes through as it is and the Node SDK cannot map, so the list it is).
- DELETE refuses a theme that rooms use or that is the application's default (400, ``errors`` saying
  why) unless ``force`` (``true``/``True``/``false``/``False``): then its rooms get the application's
  default theme, or none.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BeforeValidator
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.themes import ThemeService
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import mount_url
from omnimeet.vendors.vonage import logos
from omnimeet.vendors.vonage.auth import SECURED, Caller, requires
from omnimeet.vendors.vonage.errors import (
    VonageError,
    bad_request,
    empty_update,
    short_company_url_taken,
    theme_name_taken,
)
from omnimeet.vendors.vonage.schemas import (
    CRASH,
    INVALID,
    OTHER,
    UNAUTHORIZED,
    chosen_update,
    error,
    joi_bool,
)
from omnimeet.vendors.vonage.theme_mapping import UNIQUE_SETTINGS, new_settings, theme_body
from omnimeet.vendors.vonage.theme_schemas import CreateTheme, Theme, UpdateTheme

THEME_NOT_FOUND = error("No such theme (`could not find theme <id>`).")
CONFLICT = error(
    "`theme_name already exists in application` or `short_company_url already exists in application`."
)
IN_USE = error("The theme is used by rooms or is the default (`could not delete theme`, `errors` say why).")
THEME_LINKS = {
    name: {"operationId": operation, "parameters": {"theme_id": "$response.body#/theme_id"}}
    for name, operation in (
        ("GetTheme", "getThemeById"),
        ("UpdateTheme", "updateTheme"),
        ("DeleteTheme", "deleteTheme"),
        ("FinalizeLogos", "finalizeLogosForTheme"),
        ("GetThemeRooms", "getRoomsByThemeId"),
    )
}
"""What a created theme's id leads to (OpenAPI links: clients and fuzzers follow them)."""
ThemeId = Path(alias="theme_id", description="The theme's id.", max_length=128)


Force = Annotated[
    bool | None,
    BeforeValidator(joi_bool),
    Query(description="Delete even when rooms use the theme or it is the default (`true`/`True`)."),
]


def conflict_error(exc: DomainError) -> VonageError | DomainError:
    """The vendor's answer for a theme conflict from the service (anything else is passed on)."""
    if exc.code is not ErrorCode.CONFLICT or exc.entity != "theme":
        return exc
    field = exc.details.get("field")
    if field == "name":
        return theme_name_taken()
    if field == "short_company_url":
        return short_company_url_taken()
    if field == "in_use":
        theme_id = str(exc.details.get("id", ""))
        rooms = int(exc.details.get("rooms", 0))
        reasons = []
        if rooms:
            reasons.append(f"Theme {theme_id} is used by {rooms} {'room' if rooms == 1 else 'rooms'}")
        if exc.details.get("is_default"):
            reasons.append(f"Theme {theme_id} is the default theme of the application")
        return bad_request("could not delete theme", reasons)
    return exc


def build_router(ctx: AppContext) -> APIRouter:
    themes = ThemeService(ctx.clock)
    router = APIRouter(prefix="/themes", tags=["Themes"])
    caller = Depends(requires(ctx))
    router.include_router(logos.build_api_router(ctx))

    @router.get(
        "",
        operation_id="getThemes",
        openapi_extra=SECURED,
        response_model=list[Theme],
        summary="List the application's themes (oldest first; `[]` when none)",
        responses={401: UNAUTHORIZED, "4XX": OTHER, 500: CRASH},
    )
    async def get_themes(request: Request, who: Caller = caller) -> Response:
        with ctx.db.transaction(write=False) as tx:
            found = themes.list_themes(tx, who.principal)
        base = mount_url(request)
        return JSONResponse([theme_body(theme, who, base) for theme in found])

    @router.post(
        "",
        operation_id="createTheme",
        openapi_extra=SECURED,
        response_model=Theme,
        status_code=201,
        summary="Create a theme",
        responses={
            201: {"description": "The new theme.", "links": THEME_LINKS},
            400: INVALID,
            401: UNAUTHORIZED,
            409: CONFLICT,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def create_theme(body: CreateTheme, request: Request, who: Caller = caller) -> Response:
        sent = body.model_dump(exclude_unset=True)
        theme_id = ctx.ids.uuid4()
        name = sent.get("theme_name") or ctx.ids.uuid4()
        try:
            with ctx.db.transaction() as tx:
                theme = themes.create(tx, who.principal, theme_id, name, new_settings(sent), UNIQUE_SETTINGS)
        except DomainError as exc:
            raise conflict_error(exc) from None
        return JSONResponse(theme_body(theme, who, mount_url(request)), status_code=201)

    @router.get(
        "/{theme_id}",
        operation_id="getThemeById",
        openapi_extra=SECURED,
        response_model=Theme,
        summary="Read a theme",
        responses={401: UNAUTHORIZED, 404: THEME_NOT_FOUND, "4XX": OTHER, 500: CRASH},
    )
    async def get_theme(request: Request, theme_id: str = ThemeId, who: Caller = caller) -> Response:
        with ctx.db.transaction(write=False) as tx:
            theme = themes.get(tx, who.principal, theme_id)
        return JSONResponse(theme_body(theme, who, mount_url(request)))

    @router.patch(
        "/{theme_id}",
        operation_id="updateTheme",
        openapi_extra=SECURED,
        response_model=Theme,
        summary="Change a theme (`update_details`, or `update_options` as the Node SDK names it)",
        responses={
            400: INVALID,
            401: UNAUTHORIZED,
            404: THEME_NOT_FOUND,
            409: CONFLICT,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def update_theme(
        body: UpdateTheme, request: Request, theme_id: str = ThemeId, who: Caller = caller
    ) -> Response:
        key, details = chosen_update(body.update_details, body.update_options)
        changes = details.model_dump(exclude_unset=True)
        if not changes:
            raise empty_update(key)
        name = changes.pop("theme_name", None)
        try:
            with ctx.db.transaction() as tx:
                theme = themes.update(tx, who.principal, theme_id, name, changes, UNIQUE_SETTINGS)
        except DomainError as exc:
            raise conflict_error(exc) from None
        return JSONResponse(theme_body(theme, who, mount_url(request)))

    @router.delete(
        "/{theme_id}",
        operation_id="deleteTheme",
        openapi_extra=SECURED,
        status_code=204,
        summary="Delete a theme (`force`: even when in use)",
        responses={
            204: {"description": "Deleted."},
            400: IN_USE,
            401: UNAUTHORIZED,
            404: THEME_NOT_FOUND,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def delete_theme(theme_id: str = ThemeId, force: Force = None, who: Caller = caller) -> Response:
        try:
            with ctx.db.transaction() as tx:
                themes.delete(tx, who.principal, theme_id, force=bool(force))
        except DomainError as exc:
            raise conflict_error(exc) from None
        return Response(status_code=204)

    return router
