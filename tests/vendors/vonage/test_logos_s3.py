"""The S3-style logo bucket: how it refuses forms (S3's XML errors), success_action_status, fields after
the file, and what it serves."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.vonage.rooms_support import advance
from tests.vendors.vonage.test_logos import BUCKET_URL, HOUR_MS, png, upload, upload_urls

pytestmark = pytest.mark.anyio

NO_KEY = (
    "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."
)


def assert_s3_error(response: httpx.Response, status: int, code: str, message: str, **extra: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/xml"
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Error>')
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Error"
    found = {child.tag: child.text or "" for child in root}
    assert list(found) == ["Code", "Message", *extra, "RequestId", "HostId"]
    assert (found["Code"], found["Message"]) == (code, message)
    assert {name: found[name] for name in extra} == extra
    assert re.fullmatch(r"[A-Z0-9]{16}", found["RequestId"])


async def white(client: httpx.AsyncClient) -> dict[str, Any]:
    return (await upload_urls(client))["white"]


def form(entry: dict[str, Any], **changes: str | None) -> dict[str, str]:
    fields = {**entry["fields"], **changes}
    return {name: value for name, value in fields.items() if value is not None}


async def test_not_a_multipart_form(vonage: httpx.AsyncClient) -> None:
    response = await vonage.post(BUCKET_URL, json={"key": "x"})
    assert_s3_error(
        response,
        400,
        "InvalidArgument",
        "Bucket POST must be of the enclosure-type multipart/form-data",
        ArgumentName="Content-Type",
        ArgumentValue="application/json",
    )
    # The Node SDK 1.12.1 posts no body at all (it hands its form's toString() to a JSON-less request).
    response = await vonage.post(BUCKET_URL)
    assert_s3_error(
        response,
        400,
        "InvalidArgument",
        "Bucket POST must be of the enclosure-type multipart/form-data",
        ArgumentName="Content-Type",
        ArgumentValue="",
    )


async def test_a_malformed_form(vonage: httpx.AsyncClient) -> None:
    response = await vonage.post(
        BUCKET_URL, content=b"--b\r\nno headers", headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert_s3_error(
        response,
        400,
        "MalformedPOSTRequest",
        "The body of your POST request is not well-formed multipart/form-data.",
    )


async def test_no_key(vonage: httpx.AsyncClient) -> None:
    entry = await white(vonage)
    response = await vonage.post(BUCKET_URL, data=form(entry, key=None), files={"file": ("l.png", png())})
    assert_s3_error(
        response,
        400,
        "InvalidArgument",
        NO_KEY,
        ArgumentName="key",
        ArgumentValue="",
    )


async def test_fields_after_the_file_are_ignored(vonage: httpx.AsyncClient) -> None:
    entry = await white(vonage)
    fields = form(entry)
    key = fields.pop("key")
    files = [
        *((name, (None, value)) for name, value in fields.items()),
        ("file", ("l.png", png())),
        ("key", (None, key)),
    ]
    response = await vonage.post(BUCKET_URL, files=files)
    assert_s3_error(
        response,
        400,
        "InvalidArgument",
        NO_KEY,
        ArgumentName="key",
        ArgumentValue="",
    )


@pytest.mark.parametrize("count", [0, 2])
async def test_exactly_one_file(vonage: httpx.AsyncClient, count: int) -> None:
    entry = await white(vonage)
    files = [("file", ("l.png", png()))] * count or [("other", ("x", b"x"))]
    response = await vonage.post(BUCKET_URL, data=form(entry), files=files)
    assert_s3_error(
        response,
        400,
        "InvalidArgument",
        "POST requires exactly one file upload per request.",
        ArgumentName="file",
        ArgumentValue=str(count),
    )


async def test_no_policy(vonage: httpx.AsyncClient) -> None:
    entry = await white(vonage)
    response = await vonage.post(BUCKET_URL, data=form(entry, Policy=None), files={"file": ("l.png", png())})
    assert_s3_error(response, 403, "AccessDenied", "Access Denied")


async def test_a_wrong_signature(vonage: httpx.AsyncClient) -> None:
    entry = await white(vonage)
    policy = entry["fields"]["Policy"]
    response = await vonage.post(
        BUCKET_URL, data=form(entry, **{"X-Amz-Signature": "f" * 64}), files={"file": ("l.png", png())}
    )
    assert_s3_error(
        response,
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and "
        "signing method.",
        AWSAccessKeyId="ASIAOMNIMEETLOGOS001",
        StringToSign=policy,
        SignatureProvided="f" * 64,
        StringToSignBytes=" ".join(f"{byte:02x}" for byte in policy.encode()[:256]),
    )


async def test_another_keys_policy(vonage: httpx.AsyncClient) -> None:
    entries = await upload_urls(vonage)
    colored_key = entries["colored"]["fields"]["key"]
    response = await vonage.post(
        BUCKET_URL, data=form(entries["white"], key=colored_key), files={"file": ("l.png", png())}
    )
    assert_s3_error(
        response, 403, "SignatureDoesNotMatch", response_message(response), **signature_extra(response)
    )
    unknown = "auto-expiring-temp/logos/white/00000000-0000-4000-8000-000000000000"
    response = await vonage.post(
        BUCKET_URL, data=form(entries["white"], key=unknown), files={"file": ("l.png", png())}
    )
    failed = json.dumps(["eq", "$key", entries["white"]["fields"]["key"]])
    assert_s3_error(
        response, 403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {failed}"
    )


def response_message(response: httpx.Response) -> str:
    return ElementTree.fromstring(response.content).findtext("Message") or ""


def signature_extra(response: httpx.Response) -> dict[str, str]:
    root = ElementTree.fromstring(response.content)
    names = ("AWSAccessKeyId", "StringToSign", "SignatureProvided", "StringToSignBytes")
    return {name: root.findtext(name) or "" for name in names}


@pytest.mark.parametrize(
    ("field", "value", "condition"),
    [
        ("bucket", "another-bucket", ["eq", "$bucket", "omnimeet-vonage-logos"]),
        ("logoType", "favicon", ["eq", "$logoType", "white"]),
        ("Content-Type", "text/html", ["starts-with", "$Content-Type", "image/"]),
    ],
)
async def test_policy_conditions(
    vonage: httpx.AsyncClient, field: str, value: str, condition: list[str]
) -> None:
    entry = await white(vonage)
    response = await vonage.post(
        BUCKET_URL, data=form(entry, **{field: value}), files={"file": ("l.png", png())}
    )
    message = f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
    assert_s3_error(response, 403, "AccessDenied", message)


async def test_an_expired_policy(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    entry = await white(vonage)
    await advance(app, HOUR_MS + 1)
    response = await upload(vonage, entry, png())
    assert_s3_error(response, 403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    await advance(app, 24 * HOUR_MS)  # the announced key itself is gone by now
    response = await upload(vonage, entry, png())
    assert_s3_error(response, 403, "AccessDenied", "Invalid according to Policy: Policy expired.")


async def test_success_action_status(vonage: httpx.AsyncClient) -> None:
    entry = await white(vonage)
    key = entry["fields"]["key"]
    response = await vonage.post(
        BUCKET_URL, data=form(entry, success_action_status="200"), files={"file": ("l.png", png())}
    )
    assert response.status_code == 200
    assert response.content == b""
    response = await vonage.post(
        BUCKET_URL, data=form(entry, success_action_status="201"), files={"file": ("l.png", png())}
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == "PostResponse"
    assert [child.tag for child in root] == ["Location", "Bucket", "Key", "ETag"]
    assert root.findtext("Location") == f"{BUCKET_URL}/{key}"
    assert root.findtext("Bucket") == "omnimeet-vonage-logos"
    assert root.findtext("Key") == key
    assert root.findtext("ETag") == response.headers["etag"]


async def test_unknown_and_unfinalized_logos_are_not_served(vonage: httpx.AsyncClient) -> None:
    response = await vonage.get(f"{BUCKET_URL}/logos/white/nope")
    assert_s3_error(response, 404, "NoSuchKey", "The specified key does not exist.", Key="logos/white/nope")
    entry = await white(vonage)
    assert (await upload(vonage, entry, png())).status_code == 204
    response = await vonage.get(f"{BUCKET_URL}/{entry['fields']['key']}")
    assert response.status_code == 404
