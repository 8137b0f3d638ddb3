"""SourceFuse errors: LoopBack's ``{"error": {statusCode, name, message}}`` for every failure, validation
included; never FastAPI's ``detail``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.sourcefuse.conftest import MakeClient
from tests.vendors.sourcefuse.support import assert_answer, create_session, loopback

pytestmark = pytest.mark.anyio

MESSAGE = "The request body is invalid. See error object `details` property for more info."


def invalid(*details: dict[str, Any]) -> dict[str, Any]:
    body = loopback(422, "UnprocessableEntityError", MESSAGE)
    body["error"].update(code="VALIDATION_FAILED", details=list(details))
    return body


def wrong_type(path: str, kind: str) -> dict[str, Any]:
    return {"path": path, "code": "type", "message": f"must be {kind}", "info": {"type": kind}}


async def test_missing_property(sf: httpx.AsyncClient) -> None:
    detail = {
        "path": "",
        "code": "required",
        "message": "must have required property 'isScheduled'",
        "info": {"missingProperty": "isScheduled"},
    }
    assert_answer(await sf.post("/session", json={}), 422, invalid(detail))


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"isScheduled": "yes"}, wrong_type("/isScheduled", "boolean")),
        ({"isScheduled": False, "enableArchiving": 1}, wrong_type("/enableArchiving", "boolean")),
    ],
)
async def test_wrong_types(sf: httpx.AsyncClient, body: dict[str, Any], detail: dict[str, Any]) -> None:
    assert_answer(await sf.post("/session", json=body), 422, invalid(detail))


async def test_not_an_object(sf: httpx.AsyncClient) -> None:
    assert_answer(await sf.post("/webhooks/session", json=[]), 422, invalid(wrong_type("", "object")))


async def test_enum(sf: httpx.AsyncClient) -> None:
    detail = {
        "path": "/fallback",
        "code": "enum",
        "message": "must be equal to one of the allowed values",
        "info": {"allowedValues": ["none", "opentok"]},
    }
    response = await sf.put(
        "/archives/storage-target", json={"name": "AWSS3", "bucket": "b", "fallback": "s3"}
    )
    assert_answer(response, 422, invalid(detail))


async def test_token_data_must_be_text(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf)
    response = await sf.post(f"/session/{link}/token", json={"data": 5})
    assert_answer(response, 422, invalid(wrong_type("/data", "string")))


async def test_body_that_does_not_parse(sf: httpx.AsyncClient) -> None:
    response = await sf.post("/session", content=b"{nope", headers={"content-type": "application/json"})
    assert_answer(response, 400, loopback(400, "BadRequestError", "Invalid JSON in request body."))


async def test_body_that_is_not_json(sf: httpx.AsyncClient) -> None:
    response = await sf.post("/session", content=b"a=b", headers={"content-type": "text/plain"})
    message = "Content-type is not supported."
    assert_answer(response, 415, loopback(415, "UnsupportedMediaTypeError", message))


async def test_no_body(sf: httpx.AsyncClient) -> None:
    response = await sf.post("/session")
    assert_answer(response, 400, loopback(400, "BadRequestError", "Request body is required"))


async def test_body_too_large(sf: httpx.AsyncClient) -> None:
    big = b'{"isScheduled": false, "pad": "' + b"x" * 1_100_000 + b'"}'
    response = await sf.post("/session", content=big, headers={"content-type": "application/json"})
    assert_answer(response, 413, loopback(413, "PayloadTooLargeError", "request entity too large"))


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/"), ("DELETE", "/session"), ("GET", "/session/x/y/z")]
)
async def test_unknown_routes(sf: httpx.AsyncClient, method: str, path: str) -> None:
    message = f'Endpoint "{method} {path}" not found.'
    assert_answer(await sf.request(method, path), 404, loopback(404, "NotFoundError", message))


async def test_a_crash_is_a_loopback_500(
    app: PrefixDispatcher, sf_for: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnimeet.vendors.sourcefuse import mapping

    def boom(*_: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(mapping, "new_link", boom)
    sf = sf_for(app, raise_app_exceptions=False)
    response = await sf.post("/session", json={"isScheduled": False})
    assert_answer(response, 500, loopback(500, "InternalServerError", "Internal Server Error"))
