"""OpenTalk users: ``GET /users``, ``GET``/``PATCH /users/me``, ``GET /users/find``, ``GET /users/{user_id}``
(and the auth routes of ``login``).

- Users are those of the caller's deployment (tenant: the token's issuer), created at their first request
  or login. ``/users`` pages them (``per_page``, ``page``, ``Link``) in sign-up order.
- ``PATCH /users/me`` with nothing to change (no field, or only nulls and unknown fields) answers ``204``
  without a body, as the controller does; too long a value is a ``422`` (``invalid_length``).
- ``/users/find?q=`` matches the "first last" name or the e-mail (case-insensitive), closest names first,
  at most 5; a blank ``q`` finds no one; no ``q`` is a ``400``.
- ``/users/{user_id}``: a malformed id is a ``400``, an unknown one (or another deployment's) a ``404``.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import JSONResponse, Response

from omnimeet.domain.assets import AssetService
from omnimeet.domain.users import User, UserService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk import login
from omnimeet.vendors.opentalk.auth import SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import error_responses, not_found
from omnimeet.vendors.opentalk.mapping import public_profile
from omnimeet.vendors.opentalk.pagination import LINK_HEADER, Page, page_params, paged_response
from omnimeet.vendors.opentalk.tariff_rules import tariff_status
from omnimeet.vendors.opentalk.user_schemas import (
    PatchMeBody,
    PrivateUserProfile,
    RegisteredUserFound,
    UnregisteredUserFound,
    UserProfile,
)


def private_profile(user: User, used_storage: int) -> dict[str, Any]:
    """``PrivateUserProfile``: the user's own view of themselves."""
    return {
        **public_profile(user),
        "dashboard_theme": user.dashboard_theme or "",
        "conference_theme": user.conference_theme or "",
        "language": user.language or "",
        "tariff_status": tariff_status(user),
        "used_storage": used_storage,
    }


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["users"])
    users = UserService(ctx.clock, ctx.ids)
    assets = AssetService(ctx.clock)
    auth = Depends(require_user(ctx))

    @router.get(
        "/users",
        operation_id="get_users",
        summary="Get all users",
        description="The users of the caller's deployment, one page at a time, in sign-up order.",
        openapi_extra=SECURED,
        response_model=list[UserProfile],
        responses={200: {"headers": LINK_HEADER}, **error_responses(400, 401)},
    )
    async def get_users(
        request: Request, caller: Caller = auth, page: Page = Depends(page_params)
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            total, found = users.page(tx, caller.principal, page.offset, page.per_page)
        return paged_response(request, page, total, [public_profile(user) for user in found])

    @router.get(
        "/users/me",
        operation_id="get_users_me",
        summary="Get the current users profile",
        openapi_extra=SECURED,
        response_model=PrivateUserProfile,
        responses=error_responses(401),
    )
    async def get_me(caller: Caller = auth) -> Response:
        with ctx.db.transaction(write=False) as tx:
            used = assets.used_storage(tx, caller.principal, caller.user.public_id)
        return JSONResponse(private_profile(caller.user, used))

    @router.patch(
        "/users/me",
        operation_id="patch_users_me",
        summary="Patch the current users settings",
        description="Changes the given settings. Nothing to change: `204` without a body.",
        openapi_extra=SECURED,
        response_model=PrivateUserProfile,
        responses={204: {"description": "Nothing to change."}, **error_responses(400, 401, 422)},
    )
    async def patch_me(body: PatchMeBody, caller: Caller = auth) -> Response:
        changes = body.model_dump(exclude_none=True)
        if not changes:
            return Response(status_code=204)
        with ctx.db.transaction() as tx:
            user = users.update(tx, caller.user, changes)
            used = assets.used_storage(tx, caller.principal, user.public_id)
        return JSONResponse(private_profile(user, used))

    @router.get(
        "/users/find",
        operation_id="find_user",
        summary="Find users",
        description="Users whose name or e-mail contains `q`, closest names first (at most 5).",
        openapi_extra=SECURED,
        response_model=list[RegisteredUserFound | UnregisteredUserFound],
        responses=error_responses(400, 401),
    )
    async def find_users(
        q: str = Query(description="The text to look for in names and e-mail addresses."),
        caller: Caller = auth,
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            found = users.search(tx, caller.principal, q)
        return JSONResponse([{"kind": "registered", **public_profile(user)} for user in found])

    @router.get(
        "/users/{user_id}",
        operation_id="get_user",
        summary="Get user details",
        openapi_extra=SECURED,
        response_model=UserProfile,
        responses=error_responses(400, 401, 404, e404="No such user in the caller's deployment."),
    )
    async def get_user(user_id: uuid.UUID, caller: Caller = auth) -> Response:
        with ctx.db.transaction(write=False) as tx:
            user = users.find(tx, caller.principal, str(user_id))
        if user is None:
            raise not_found()
        return JSONResponse(public_profile(user))

    router.include_router(login.build_router(ctx))
    return router
