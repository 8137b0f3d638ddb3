"""Vonage Meetings theme logos, with omnimeet standing in for the S3 bucket the real service used.

1. ``GET /themes/logos-upload-urls``: one presigned-POST style entry per logo type (white, colored,
   favicon). Each key ``auto-expiring-temp/logos/<type>/<uuid>`` is announced as an asset of the caller's
   application, kept for a day; its policy may be used for an hour. ``url`` is omnimeet's own bucket
   endpoint, ``<mount>/_s3/logos``, absolute, from the request's base URL.
2. ``POST <mount>/_s3/logos`` (no JWT, as with S3): the form's fields, then ``file``. 204 on success (or
   ``success_action_status`` 200/201), S3's XML errors otherwise (``s3_post``).
3. ``PUT /themes/{theme_id}/finalizeLogos {keys}``: every key must be an uploaded logo of the application
   (else ``key_not_found``) that passes ``logo_checks`` (else ``invalid_logo_properties`` with
   ``invalidProperty``); then each becomes permanent (the key without ``auto-expiring-temp/``) and the
   theme's logo field of its type names it. Answers ``200 OK`` as text, as Express's ``sendStatus`` does
   (the Node SDK's tests stub it so; a JSON-less body suits both SDKs).
4. ``GET <mount>/_s3/logos/<key>``: a finalised logo (``logos/<type>/<id>``), which the theme's ``*_url``
   fields link to (uploads not yet finalised are not served).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from omnimeet.domain.assets import Asset, AssetService
from omnimeet.domain.themes import ThemeService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.vonage.auth import API, SECURED, Caller, requires
from omnimeet.vendors.vonage.errors import logos_not_finalized
from omnimeet.vendors.vonage.logo_checks import invalid_property, png_info, svg_info
from omnimeet.vendors.vonage.s3_post import (
    ACCESS_KEY_ID,
    Form,
    boundary_of,
    parse_parts,
    read_form,
    xml_error,
)
from omnimeet.vendors.vonage.schemas import CRASH, OTHER, UNAUTHORIZED, error
from omnimeet.vendors.vonage.theme_mapping import LOGO_FIELDS, OBJECTS_PATH, object_url, request_base
from omnimeet.vendors.vonage.theme_schemas import FinalizeLogos, UploadUrl

BUCKET = "omnimeet-vonage-logos"
TEMP_PREFIX = "auto-expiring-temp/"
NAMESPACE = "logos"
UPLOAD_WINDOW_MS = 60 * 60_000
"""How long an announced upload policy may be used."""
TEMP_LIFETIME_MS = 24 * 60 * 60_000
"""How long an announced (or uploaded, not finalised) key lives."""
DEFAULT_CONTENT_TYPE = "image/png"
SERVED_TYPES = ("image/png", "image/svg+xml")
ALGORITHM = "AWS4-HMAC-SHA256"

THEME_NOT_FOUND = error("No such theme (`could not find theme <id>`).")
NOT_FINALIZED = error(
    "Invalid input, or logos that cannot be finalised (`could not finalize logos`, `errors`: "
    "`{logoKey, code: key_not_found}` or `{logoKey, code: invalid_logo_properties, invalidProperty}`)."
)
XML = {"application/xml": {"schema": {"type": "string"}}}
JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
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


def _policy_document(policy: str) -> dict[str, Any] | None:
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


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
        url = f"{request_base(request)}{OBJECTS_PATH}"
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


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": (
                        "The announced fields (Content-Type, key, logoType, bucket, X-Amz-*, Policy), then "
                        "the file; parts after the file are ignored."
                    ),
                    "properties": {
                        "key": {"type": "string"},
                        "Policy": {"type": "string"},
                        "X-Amz-Signature": {"type": "string"},
                        "file": {"type": "string", "format": "binary"},
                    },
                    "required": ["key", "file"],
                }
            }
        },
    }
}


def build_public_router(ctx: AppContext) -> APIRouter:
    """The bucket: the form upload and the stored files, at the mount's root, without a JWT."""
    assets = AssetService(ctx.clock)
    router = APIRouter(prefix=OBJECTS_PATH, tags=["Logo storage"])

    def fail(status: int, code: str, message: str, **extra: str) -> Response:
        return xml_error(status, code, message, ctx.ids.alnum(16).upper(), ctx.ids.alnum(56), **extra)

    @router.post(
        "",
        operation_id="uploadLogo",
        summary="Upload a logo with an announced form (S3 browser-POST style)",
        openapi_extra=UPLOAD_BODY,
        status_code=204,
        responses={
            200: {"description": "Stored (`success_action_status=200`)."},
            201: {"description": "Stored (`success_action_status=201`): S3's PostResponse.", "content": XML},
            204: {"description": "Stored."},
            400: {"description": "Not a well-formed upload form (S3's XML error).", "content": XML},
            403: {"description": "Policy or signature not accepted (S3's XML error).", "content": XML},
            "4XX": {
                "description": "Other client errors (too large: JSON).",
                "content": {**XML, **JSON_ERROR},
            },
            500: CRASH,
        },
    )
    async def upload(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        boundary = boundary_of(content_type)
        if boundary is None:
            return fail(
                400,
                "InvalidArgument",
                "Bucket POST must be of the enclosure-type multipart/form-data",
                ArgumentName="Content-Type",
                ArgumentValue=content_type,
            )
        parts = parse_parts(await request.body(), boundary)
        if parts is None:
            return fail(
                400,
                "MalformedPOSTRequest",
                "The body of your POST request is not well-formed multipart/form-data.",
            )
        form = read_form(parts)
        key = form.get("key")
        if not key:
            return fail(
                400,
                "InvalidArgument",
                "Bucket POST must contain a field named 'key'.  If it is specified, please check the order "
                "of the fields.",
                ArgumentName="key",
                ArgumentValue="",
            )
        if form.files != 1 or form.file is None:
            return fail(
                400,
                "InvalidArgument",
                "POST requires exactly one file upload per request.",
                ArgumentName="file",
                ArgumentValue=str(form.files),
            )
        with ctx.db.transaction() as tx:
            asset = assets.find(tx, API, key)
            refused = _refusal(form, key, asset, ctx.clock.now_ms())
            if refused is not None:
                return fail(403, *refused[:2], **refused[2])
            assert asset is not None
            stored_type = _media_type(form.file.data) or form.get("Content-Type") or DEFAULT_CONTENT_TYPE
            assets.store(tx, asset, form.file.data, stored_type, form.file.filename)
        etag = '"' + hashlib.md5(form.file.data, usedforsecurity=False).hexdigest() + '"'
        location = object_url(request_base(request), key)
        headers = {"ETag": etag, "Location": location}
        status = form.get("success_action_status")
        if status == "201":
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>'
                f"<Location>{location}</Location><Bucket>{BUCKET}</Bucket><Key>{key}</Key><ETag>{etag}</ETag>"
                "</PostResponse>"
            )
            return Response(body, status_code=201, media_type="application/xml", headers=headers)
        return Response(status_code=200 if status == "200" else 204, headers=headers)

    @router.get(
        f"/{NAMESPACE}/{{logo_type}}/{{name}}",
        operation_id="getLogo",
        summary="A finalised logo (what the theme's `*_url` fields link to): `<bucket>/<key>`",
        responses={
            200: {
                "description": "The file.",
                "content": {
                    media: {"schema": {"type": "string"}}
                    for media in (*SERVED_TYPES, "application/octet-stream")
                },
            },
            404: {"description": "No such key (S3's `NoSuchKey`).", "content": XML},
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def get_logo(
        logo_type: str = Path(description="white, colored or favicon.", max_length=64),
        name: str = Path(description="The logo's id.", max_length=128),
    ) -> Response:
        key = f"{NAMESPACE}/{logo_type}/{name}"
        with ctx.db.transaction(write=False) as tx:
            asset = assets.find(tx, API, key)
        if asset is None or asset.data is None or asset.namespace != NAMESPACE:
            return fail(404, "NoSuchKey", "The specified key does not exist.", Key=key)
        media = asset.content_type if asset.content_type in SERVED_TYPES else "application/octet-stream"
        etag = '"' + hashlib.md5(asset.data, usedforsecurity=False).hexdigest() + '"'
        return Response(asset.data, media_type=media, headers={"ETag": etag})

    return router


def _media_type(data: bytes) -> str | None:
    """The file's type by its content (the form's Content-Type says image/png whatever the file is)."""
    if png_info(data) is not None:
        return "image/png"
    if svg_info(data) is not None:
        return "image/svg+xml"
    return None


def _refusal(form: Form, key: str, asset: Asset | None, now: int) -> tuple[str, str, dict[str, str]] | None:
    """Why S3 would refuse this form for ``asset`` (code, message, extra XML elements), or None."""
    policy = form.get("Policy")
    signature = form.get("X-Amz-Signature") or ""
    if policy is None:
        return "AccessDenied", "Access Denied", {}
    mismatch = (
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and "
        "signing method.",
        {
            "AWSAccessKeyId": ACCESS_KEY_ID,
            "StringToSign": policy,
            "SignatureProvided": signature,
            "StringToSignBytes": " ".join(f"{byte:02x}" for byte in policy.encode()[:256]),
        },
    )
    document = _policy_document(policy)
    if asset is None or asset.namespace != NAMESPACE or asset.kind not in LOGO_FIELDS:
        if document is None:
            return mismatch
        for condition in document.get("conditions", []):
            if isinstance(condition, dict) and "key" in condition and condition["key"] != key:
                failed = json.dumps(["eq", "$key", condition["key"]])
                return "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {failed}", {}
        return "AccessDenied", "Invalid according to Policy: Policy expired.", {}
    expected = json.loads(asset.settings or "{}")
    if policy != expected.get("policy") or signature != expected.get("signature"):
        return mismatch
    if now > int(expected.get("upload_until_ms", 0)):
        return "AccessDenied", "Invalid according to Policy: Policy expired.", {}
    checks = (
        ("bucket", BUCKET, form.get("bucket") == BUCKET, "eq"),
        ("logoType", asset.kind or "", form.get("logoType") == asset.kind, "eq"),
        ("Content-Type", "image/", (form.get("Content-Type") or "").startswith("image/"), "starts-with"),
    )
    for name, value, ok, operator in checks:
        if not ok:
            failed = json.dumps([operator, f"${name}", value])
            return "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {failed}", {}
    return None
