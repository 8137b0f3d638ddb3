"""The contract checker itself: it must pass what the spec documents and fail everything else."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.contract.openapi import (
    Spec,
    assert_matches_spec,
    assert_undocumented_route_error,
    check_response,
    load_spec,
)

RID = "Yandex-Cloud-Request-ID"
ITEM = "/v1/telemost-api/conferences/{id}"
COLLECTION = "/v1/telemost-api/conferences"
CONFERENCE = {
    "id": "12345678901234",
    "join_url": "https://telemost.yandex.ru/j/12345678901234",
    "access_level": "PUBLIC",
}
ERROR = {"error": "ConferenceNotFound", "message": "m", "description": "d"}


def response(
    status: int,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    method: str = "GET",
    path: str = "/telemost/v1/telemost-api/conferences/12345678901234",
) -> httpx.Response:
    request = httpx.Request(method, f"http://omnimeet.test{path}")
    all_headers = {RID: "abc", **(headers or {})}
    if content is not None:
        return httpx.Response(status, content=content, headers=all_headers, request=request)
    if body is None:
        return httpx.Response(status, headers=all_headers, request=request)
    return httpx.Response(status, json=body, headers=all_headers, request=request)


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec("telemost")


@pytest.fixture(scope="module")
def tiny() -> Spec:
    """A hand-written document exercising what Telemost's does not: 5XX, default, parameters first."""
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "http://example.test/api"}],
        "paths": {
            "/things/{id}": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                            },
                        },
                        "5XX": {
                            "description": "oops",
                            "headers": {"Retry-After": {"schema": {"type": "string"}}},
                        },
                    }
                }
            },
            "/things/special": {"get": {"responses": {"default": {"description": "anything"}}}},
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["size"],
                    "properties": {"size": {"$ref": "#/components/schemas/Size"}},
                },
                "Size": {"type": "integer", "minimum": 0},
            }
        },
    }
    return Spec(document, "urn:test:tiny")


def test_documented_success_passes(spec: Spec) -> None:
    found = assert_matches_spec(spec, "GET", ITEM, response(200, CONFERENCE))
    assert found.key == "200"


def test_url_path_with_and_without_server_prefix(spec: Spec) -> None:
    ok = response(200, CONFERENCE)
    assert_matches_spec(spec, "get", "/telemost/v1/telemost-api/conferences/12345678901234", ok)
    assert_matches_spec(spec, "get", "/v1/telemost-api/conferences/12345678901234", ok)
    assert_matches_spec(spec, "get", "http://omnimeet.test/telemost/v1/telemost-api/conferences/1?x=1", ok)


def test_exact_status_then_range(spec: Spec) -> None:
    assert assert_matches_spec(spec, "GET", ITEM, response(404, ERROR)).key == "404"
    assert assert_matches_spec(spec, "GET", ITEM, response(401, ERROR)).key == "4XX"
    assert assert_matches_spec(spec, "POST", COLLECTION, response(413, ERROR, method="POST")).key == "4XX"


def test_undocumented_status_fails(spec: Spec) -> None:
    with pytest.raises(AssertionError, match="status 500 is not documented"):
        assert_matches_spec(spec, "GET", ITEM, response(500, ERROR))
    with pytest.raises(AssertionError, match="status 302 is not documented"):
        assert_matches_spec(spec, "GET", ITEM, response(302))
    with pytest.raises(AssertionError, match="status 201 is not documented"):
        assert_matches_spec(spec, "GET", ITEM, response(201, CONFERENCE))


def test_unknown_operation_fails(spec: Spec) -> None:
    with pytest.raises(AssertionError, match="no such operation"):
        assert_matches_spec(spec, "PUT", ITEM, response(200, CONFERENCE))
    with pytest.raises(AssertionError, match="no such operation"):
        assert_matches_spec(spec, "GET", "/v1/telemost-api/nope", response(200, CONFERENCE))


@pytest.mark.parametrize(
    "body",
    [
        {"join_url": "x", "access_level": "PUBLIC"},  # id missing
        {**CONFERENCE, "id": 12345678901234},  # id not a string
        {**CONFERENCE, "access_level": "EVERYONE"},  # not in the enum (a $ref'd schema)
        {**CONFERENCE, "live_stream": {"access_level": "PUBLIC"}},  # nested: watch_url missing
        ["not", "an", "object"],
    ],
)
def test_body_against_schema(spec: Spec, body: Any) -> None:
    with pytest.raises(AssertionError, match="does not match the schema"):
        assert_matches_spec(spec, "GET", ITEM, response(200, body))


def test_error_body_against_error_schema(spec: Spec) -> None:
    with pytest.raises(AssertionError, match="does not match the schema"):
        assert_matches_spec(spec, "GET", ITEM, response(404, {"detail": "Not Found"}))


def test_body_must_be_json(spec: Spec) -> None:
    bad = response(200, content=b"{", headers={"Content-Type": "application/json"})
    with pytest.raises(AssertionError, match="not JSON"):
        assert_matches_spec(spec, "GET", ITEM, bad)
    text = response(200, content=b"hi", headers={"Content-Type": "text/plain"})
    with pytest.raises(AssertionError, match="content type 'text/plain'"):
        assert_matches_spec(spec, "GET", ITEM, text)


def test_declared_header_is_required(spec: Spec) -> None:
    bare = httpx.Response(200, json=CONFERENCE, request=httpx.Request("GET", "http://t/x"))
    with pytest.raises(AssertionError, match="header Yandex-Cloud-Request-ID is missing"):
        assert_matches_spec(spec, "GET", ITEM, bare)


def test_no_content_means_empty_body(spec: Spec) -> None:
    assert_matches_spec(spec, "DELETE", ITEM, response(204, method="DELETE"))
    with pytest.raises(AssertionError, match="declares no body"):
        assert_matches_spec(spec, "DELETE", ITEM, response(204, content=b"{}", method="DELETE"))


def test_five_xx_range_default_and_literal_segments(tiny: Spec) -> None:
    ok = response(200, {"size": 3})
    assert assert_matches_spec(tiny, "GET", "/api/things/7", ok).key == "200"
    with pytest.raises(AssertionError, match="at size"):
        assert_matches_spec(tiny, "GET", "/things/7", response(200, {"size": -1}))
    assert (
        assert_matches_spec(tiny, "GET", "/things/7", response(503, headers={"Retry-After": "1"})).key
        == "5XX"
    )
    with pytest.raises(AssertionError, match="header Retry-After is missing"):
        assert_matches_spec(tiny, "GET", "/things/7", response(502))
    with pytest.raises(AssertionError, match="status 404 is not documented"):
        assert_matches_spec(tiny, "GET", "/things/7", response(404))
    # "/things/special" is a literal path: it wins over "/things/{id}" and documents only "default".
    assert assert_matches_spec(tiny, "GET", "/api/things/special", response(418)).key == "default"


def test_undocumented_route_must_be_an_error_envelope(spec: Spec) -> None:
    not_found = response(404, {**ERROR, "error": "NotFoundError"}, path="/telemost/nope")
    assert_undocumented_route_error(spec, not_found, headers=(RID,))
    with pytest.raises(AssertionError, match="expected a 4XX"):
        assert_undocumented_route_error(spec, response(200, {}, path="/telemost/nope"))
    with pytest.raises(AssertionError, match="does not match the schema"):
        assert_undocumented_route_error(spec, response(404, {"detail": "Not Found"}, path="/telemost/nope"))
    bare = httpx.Response(404, json=ERROR, request=httpx.Request("GET", "http://t/telemost/nope"))
    with pytest.raises(AssertionError, match="header Yandex-Cloud-Request-ID is missing"):
        assert_undocumented_route_error(spec, bare, headers=(RID,))


def test_check_response_dispatches(spec: Spec) -> None:
    check_response(spec, response(200, CONFERENCE), headers=(RID,))
    check_response(spec, response(405, ERROR, method="PUT"), headers=(RID,))
    with pytest.raises(AssertionError, match="status 500"):
        check_response(spec, response(500, ERROR), headers=(RID,))


def test_every_telemost_response_declares_the_request_id(spec: Spec) -> None:
    for template, item in spec.document["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                assert RID in answer.get("headers", {}), f"{method.upper()} {template} {status}"


def test_component_schemas_are_valid_json_schema_2020_12(spec: Spec) -> None:
    for name, schema in spec.document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert spec.schema_pointer(name) == f"/components/schemas/{name}"
