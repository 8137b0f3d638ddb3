"""The logo bucket: omnimeet standing in for the S3 bucket Vonage Meetings' presigned POSTs pointed at,
at the mount's root (``<mount>/_s3/logos``), without a JWT, as S3 has none.

- ``POST <mount>/_s3/logos``: the announced form's fields, then ``file`` (``s3_post`` reads it as S3 does).
  The key must be an announced one whose policy and signature the form repeats, within the policy's hour,
  with the policy's bucket, logoType and an ``image/`` Content-Type. 204 on success (``success_action_status``
  200 or 201 as S3 answers them), S3's XML errors otherwise. The stored file's type is read from its bytes.
- ``GET <mount>/_s3/logos/logos/<type>/<id>``: a finalised logo (``logos/<type>/<id>`` is its key).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from omnimeet.domain.assets import Asset, AssetService
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import mount_url
from omnimeet.vendors.vonage.auth import API
from omnimeet.vendors.vonage.logo_checks import png_info, svg_info
from omnimeet.vendors.vonage.s3_post import (
    ACCESS_KEY_ID,
    Form,
    boundary_of,
    parse_parts,
    read_form,
    xml_error,
)
from omnimeet.vendors.vonage.schemas import CRASH, OTHER
from omnimeet.vendors.vonage.theme_mapping import LOGO_FIELDS, OBJECTS_PATH, object_url

BUCKET = "omnimeet-vonage-logos"
NAMESPACE = "logos"
"""The asset namespace of logos, and the first segment of a finalised logo's key."""
DEFAULT_CONTENT_TYPE = "image/png"
SERVED_TYPES = ("image/png", "image/svg+xml")
XML = {"application/xml": {"schema": {"type": "string"}}}
JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _policy_document(policy: str) -> dict[str, Any] | None:
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


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
        location = object_url(mount_url(request), key)
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
