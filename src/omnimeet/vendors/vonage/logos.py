"""Vonage Meetings theme logos, with omnimeet standing in for the S3 bucket the real service used.

1. ``GET /themes/logos-upload-urls``: one presigned-POST style entry per logo type (white, colored,
   favicon). Each key ``auto-expiring-temp/logos/<type>/<uuid>`` is announced as an asset of the caller's
   application, kept for a day; its policy may be used for an hour. ``url`` is omnimeet's own bucket
   endpoint, ``<mount>/_s3/logos``, absolute, from the request's base URL.
2. ``POST <mount>/_s3/logos`` (no JWT, as with S3): the form's fields, then ``file``. 204 on success, S3's
   XML errors otherwise (``logo_bucket``, which this module's ``build_public_router`` is).
3. ``PUT /themes/{theme_id}/finalizeLogos {keys}``: every key must be an uploaded logo of the application
   (else ``key_not_found``) that passes ``logo_checks`` (else ``invalid_logo_properties`` with
   ``invalidProperty``); then each becomes permanent (the key without ``auto-expiring-temp/``) and the
   theme's logo field of its type names it. Answers ``200 OK`` as text, as Express's ``sendStatus`` does
   (the Node SDK's tests stub it so; a JSON-less body suits both SDKs).
4. ``GET <mount>/_s3/logos/<key>``: a finalised logo (``logos/<type>/<id>``), which the theme's ``*_url``
   fields link to (uploads not yet finalised are not served; ``logo_bucket``).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from omnimeet.domain.assets import Asset, AssetService
from omnimeet.domain.themes import ThemeService
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import mount_url
from omnimeet.vendors.vonage.auth import API, SECURED, Caller, requires
from omnimeet.vendors.vonage.errors import logos_not_finalized
from omnimeet.vendors.vonage.logo_bucket import BUCKET, DEFAULT_CONTENT_TYPE, NAMESPACE, build_public_router
from omnimeet.vendors.vonage.logo_checks import invalid_property
from omnimeet.vendors.vonage.s3_post import ACCESS_KEY_ID
from omnimeet.vendors.vonage.schemas import CRASH, OTHER, UNAUTHORIZED, error
from omnimeet.vendors.vonage.theme_mapping import LOGO_FIELDS, OBJECTS_PATH
from omnimeet.vendors.vonage.theme_schemas import FinalizeLogos, UploadUrl

TEMP_PREFIX = "auto-expiring-temp/"
UPLOAD_WINDOW_MS = 60 * 60_000
"""How long an announced upload policy may be used."""
TEMP_LIFETIME_MS = 24 * 60 * 60_000
"""How long an announced (or uploaded, not finalised) key lives."""
ALGORITHM = "AWS4-HMAC-SHA256"

THEME_NOT_FOUND = error("No such theme (`could not find theme <id>`).")
NOT_FINALIZED = error(
    "Invalid input, or logos that cannot be finalised (`could not finalize logos`, `errors`: "
    "`{logoKey, code: key_not_found}` or `{logoKey, code: invalid_logo_properties, invalidProperty}`)."
)
ThemeId = Path(alias="theme_id", description="The theme's id.", max_length=128)


def _amz_date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _policy(key: str, logo_type: str, fields: dict[str, str], until_ms: int) -> str:
    document = {
        "expiration": _iso(until_ms),
        "conditions": [
            ["starts-with", "$Content-Type", "image/"],
            {"key": key},
            {"logoType": logo_type},
            {"bucket": BUCKET},
            *({name: value} for name, value in fields.items()),
        ],
    }
    return base64.b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()


def build_api_router(ctx: AppContext) -> APIRouter:
    """The logo routes under ``/themes`` (included by ``themes.build_router`` before its own)."""
    assets = AssetService(ctx.clock)
    themes = ThemeService(ctx.clock)
    router = APIRouter(tags=["Themes"])
    caller = Depends(requires(ctx))

    @router.get(
        "/logos-upload-urls",
        operation_id="getUploadUrlsForTheme",
        openapi_extra=SECURED,
        response_model=list[UploadUrl],
        summary="Presigned-POST style upload forms for a white logo, a colored logo and a favicon",
        responses={401: UNAUTHORIZED, "4XX": OTHER, 500: CRASH},
    )
    async def get_upload_urls(request: Request, who: Caller = caller) -> Response:
        now = ctx.clock.now_ms()
        date = _amz_date(now)
        url = f"{mount_url(request)}{OBJECTS_PATH}"
        answer = []
        with ctx.db.transaction() as tx:
            assets.purge_expired(tx, API)
            for logo_type in LOGO_FIELDS:
                key = f"{TEMP_PREFIX}{NAMESPACE}/{logo_type}/{ctx.ids.uuid4()}"
                amz = {
                    "X-Amz-Algorithm": ALGORITHM,
                    "X-Amz-Credential": f"{ACCESS_KEY_ID}/{date[:8]}/us-east-1/s3/aws4_request",
                    "X-Amz-Date": date,
                    "X-Amz-Security-Token": ctx.ids.alnum(64),
                }
                policy = _policy(key, logo_type, amz, now + UPLOAD_WINDOW_MS)
                signature = ctx.ids.hex(64)
                fields = {
                    "Content-Type": DEFAULT_CONTENT_TYPE,
                    "key": key,
                    "logoType": logo_type,
                    "bucket": BUCKET,
                    **amz,
                    "Policy": policy,
                    "X-Amz-Signature": signature,
                }
                settings = {
                    "policy": policy,
                    "signature": signature,
                    "upload_until_ms": now + UPLOAD_WINDOW_MS,
                }
                assets.announce(
                    tx,
                    who.principal,
                    key,
                    kind=logo_type,
                    namespace=NAMESPACE,
                    content_type=DEFAULT_CONTENT_TYPE,
                    expires_at_ms=now + TEMP_LIFETIME_MS,
                    settings=json.dumps(settings),
                )
                answer.append({"url": url, "fields": fields})
        return JSONResponse(answer)

    @router.put(
        "/{theme_id}/finalizeLogos",
        operation_id="finalizeLogosForTheme",
        openapi_extra=SECURED,
        summary="Attach uploaded logos to a theme, making their keys permanent",
        responses={
            200: {"description": "Done (`OK`).", "content": {"text/plain": {"schema": {"type": "string"}}}},
            400: NOT_FINALIZED,
            401: UNAUTHORIZED,
            404: THEME_NOT_FOUND,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def finalize_logos(body: FinalizeLogos, theme_id: str = ThemeId, who: Caller = caller) -> Response:
        keys = list(dict.fromkeys(body.keys))
        with ctx.db.transaction() as tx:
            theme = themes.get(tx, who.principal, theme_id)
            errors: list[dict[str, str]] = []
            ready: list[Asset] = []
            for key in keys:
                asset = assets.find(tx, API, key)
                if asset is None or not _is_logo(asset, who):
                    errors.append({"logoKey": key, "code": "key_not_found"})
                    continue
                assert asset.data is not None
                assert asset.kind is not None
                problem = invalid_property(asset.data, asset.kind)
                if problem is not None:
                    errors.append(
                        {"logoKey": key, "code": "invalid_logo_properties", "invalidProperty": problem}
                    )
                    continue
                ready.append(asset)
            if errors:
                raise logos_not_finalized(errors)
            changes: dict[str, Any] = {}
            for asset in ready:
                assert asset.kind is not None
                permanent = asset.public_id.removeprefix(TEMP_PREFIX)
                assets.keep(tx, asset, permanent, owner_ref=theme.public_id)
                changes[LOGO_FIELDS[asset.kind]] = permanent
            themes.update(tx, who.principal, theme_id, None, changes)
        return PlainTextResponse("OK")

    return router


def _is_logo(asset: Asset, who: Caller) -> bool:
    return (
        asset.tenant_id == who.principal.tenant_id
        and asset.namespace == NAMESPACE
        and asset.kind in LOGO_FIELDS
        and asset.data is not None
    )


__all__ = ["build_api_router", "build_public_router"]
