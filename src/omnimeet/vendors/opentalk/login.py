"""OpenTalk auth: ``GET /auth/login`` (which OIDC provider to sign in with) and ``POST /auth/login`` (sign in
with the provider's id token: the user is created at their first login, their e-mail and names refreshed at
later ones). Neither needs an access token. Included by ``users``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from omnimeet.domain.users import UserService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk.auth import OPEN, login_with_id_token
from omnimeet.vendors.opentalk.errors import error_responses
from omnimeet.vendors.opentalk.user_schemas import LoginBody, LoginResponse, OidcProviderInfo


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["auth"])
    users = UserService(ctx.clock, ctx.ids)
    provider = {
        "oidc": {
            "name": ctx.settings.opentalk_oidc_provider_name,
            "url": ctx.settings.opentalk_oidc_provider_url,
        }
    }

    @router.get(
        "/auth/login",
        operation_id="get_auth_providers",
        summary="Get the configured OIDC provider.",
        openapi_extra=OPEN,
        response_model=OidcProviderInfo,
    )
    async def get_provider() -> Response:
        return JSONResponse(provider)

    @router.post(
        "/auth/login",
        operation_id="auth_login",
        summary="The login endpoint",
        description=(
            "Signs in with an OIDC id token (claims `sub`, `email`, `given_name`, `family_name`; `name` "
            "becomes the display name of a new user). Answers the user's permissions."
        ),
        openapi_extra=OPEN,
        response_model=LoginResponse,
        responses=error_responses(
            400,
            401,
            422,
            e400="Claims missing or malformed (`invalid_claims`), or a body that is not JSON.",
            e401="An invalid id token, or an expired one (`WWW-Authenticate` says which).",
        ),
    )
    async def post_login(body: LoginBody) -> Response:
        login_with_id_token(ctx, users, body.id_token)
        return JSONResponse({"permissions": []})

    return router
