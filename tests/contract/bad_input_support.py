"""What each API answers to bad input (``tests/contract/test_bad_input.py``): per vendor, and for the control
API, one body-taking create operation and the exact answer (status, JSON body, content type) to a body that
is not JSON, a body of another content type, an empty JSON body, a body over the size limit, an unknown
route and a method the create path does not serve.

The envelopes are the vendors' own (``src/omnimeet/vendors/<vendor>/errors.py``; the per-vendor tests in
``tests/vendors/<vendor>/`` hold the finer cases): Telemost ``{error, message, description}`` with a request
id on every answer; OpenVidu Meet ``{error, message}`` / ``{message}`` / ``{error}``; Vonage ``{message, name,
status}``; SourceFuse LoopBack's ``{"error": {statusCode, name, message}}``; OpenTalk ``{code, message}`` as
``text/json``; the control API ``{error, message[, details]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from omnimeet.platform.config import Settings
from tests.reliability.live import ROOM_APIS

JSON_TYPE = "application/json"
OPENTALK_TYPE = "text/json; charset=utf-8"
TELEMOST_REQUEST_ID = "Yandex-Cloud-Request-ID"

LIMIT = 4096
"""``max_body_bytes`` of the in-process apps of the tests."""
LIVE_LIMIT: int = Settings.model_fields["max_body_bytes"].default
"""``max_body_bytes`` of a live server started without settings (the default, 1 MiB)."""

URL_LIMIT = 65_535
"""The longest request target (path and query) uvicorn's httptools protocol serves: it splits the target
with ``httptools.parse_url`` (http-parser's ``http_parser_url``, whose offsets and lengths are 16-bit), which
refuses anything longer; uvicorn then answers ``PARSER_ERROR`` itself and closes the connection. The app
never sees such a request, so no vendor envelope is possible there."""
PARSER_ERROR = (400, "text/plain; charset=utf-8", b"Invalid HTTP request received.")
"""uvicorn's own answer to a request its HTTP parser refuses (``send_400_response``): status, content type,
body, with ``Connection: close``."""

INVALID_JSON: dict[bytes, int] = {
    b"{nope": 1,
    b'{"a": 1,}': 8,
    b"[1,": 3,
    b"\xff\xfe": 0,
    b'{"a": 1} trailing': 9,
}
"""Bodies sent as ``application/json`` that do not parse, with the position of the first bad character (the
control API names it in its answer)."""

OTHER_CONTENT_TYPES = (
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
)
"""Content types that are not JSON, sent with a JSON text as the body."""

UNKNOWN_PATHS = ("/no/such/route", "/nope", "/" + "a" * 3000)
"""Paths below an API's base that no route serves."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    content_type: str = JSON_TYPE


@dataclass(frozen=True)
class BadInputApi:
    """One API under test: where it is mounted, how to call its create operation, and its error answers."""

    name: str
    spec: str
    """The OpenAPI document (``openapi/<spec>.yaml``)."""
    base: str
    """Absolute path of the API's base, below which its documented paths start."""
    create_path: str
    """Absolute path of the body-taking create operation (always POST)."""
    created: int
    auth: Callable[[], dict[str, str]]
    body: Callable[[], dict[str, Any]]
    invalid_json: Callable[[bytes], Answer]
    other_content_type: Answer
    empty_json: Answer
    too_large: Answer | None
    """None: the API has no body size limit."""
    unknown_route: Callable[[str, str], Answer]
    """(method, path below the mount) -> the answer."""
    wrong_method: str
    """A method the create path does not serve."""
    wrong_method_answer: Answer
    allow: str | None = None
    """The ``Allow`` header of ``wrong_method_answer``, where the API decides it."""
    headers: tuple[str, ...] = ()
    """Headers every answer carries."""
    error_schema: str = "Error"
    """The spec's schema of error bodies (for answers to undocumented routes)."""
    mount: str = field(default="")

    def own_path(self, path: str) -> str:
        """An absolute path as seen below the mount."""
        return path[len(self.mount) :] if path.startswith(self.mount) else path


def _telemost(description: str, error: str, message: str) -> dict[str, str]:
    return {"error": error, "message": message, "description": description}


TELEMOST_BAD_REQUEST = "Некорректный запрос."


def _vonage(status: int, name: str, message: str) -> dict[str, Any]:
    return {"message": message, "name": name, "status": status}


def _loopback(status: int, name: str, message: str) -> dict[str, Any]:
    return {"error": {"statusCode": status, "name": name, "message": message}}


def _opentalk(code: str, message: str) -> Answer:
    status = {"payload_overflow": 413, "not_found": 404, "method_not_allowed": 405}.get(code, 400)
    return Answer(status, {"code": code, "message": message}, OPENTALK_TYPE)


def _control(details: list[dict[str, str]]) -> Answer:
    return Answer(
        400,
        {
            "error": "invalid_request",
            "message": "The request does not match the control API.",
            "details": details,
        },
    )


def _api(name: str) -> Any:
    return ROOM_APIS[name]


APIS: tuple[BadInputApi, ...] = (
    BadInputApi(
        name="telemost",
        spec="telemost",
        mount="/telemost",
        base="/telemost/v1/telemost-api",
        create_path=_api("telemost").create_path,
        created=_api("telemost").created_status,
        auth=lambda: _api("telemost").auth("bad-input"),
        body=lambda: _api("telemost").body("bad-input"),
        invalid_json=lambda _: Answer(
            400, _telemost("Request body is not valid JSON.", "BadRequestError", TELEMOST_BAD_REQUEST)
        ),
        other_content_type=Answer(
            415,
            _telemost(
                "Request body must be JSON (Content-Type: application/json).",
                "UnsupportedMediaTypeError",
                "Неподдерживаемый тип данных.",
            ),
        ),
        empty_json=Answer(
            400, _telemost("Request body must be a JSON object.", "BadRequestError", TELEMOST_BAD_REQUEST)
        ),
        too_large=Answer(
            413,
            _telemost("Request entity too large.", "RequestEntityTooLargeError", "Слишком большой запрос."),
        ),
        unknown_route=lambda method, path: Answer(
            404, _telemost("Resource not found.", "NotFoundError", "Ресурс не найден.")
        ),
        wrong_method="PUT",
        wrong_method_answer=Answer(
            405, _telemost("Method not allowed.", "MethodNotAllowedError", "Метод не поддерживается.")
        ),
        allow="POST",
        headers=(TELEMOST_REQUEST_ID,),
    ),
    BadInputApi(
        name="openvidu-meet",
        spec="openvidu-meet",
        mount="/openvidu",
        base="/openvidu/meet/api/v1",
        create_path=_api("openvidu-meet").create_path,
        created=_api("openvidu-meet").created_status,
        auth=lambda: _api("openvidu-meet").auth("bad-input"),
        body=lambda: _api("openvidu-meet").body("bad-input"),
        invalid_json=lambda _: Answer(400, {"error": "Bad Request", "message": "Malformed request body"}),
        other_content_type=Answer(415, {"message": "Unsupported Media Type"}),
        # No body is an empty object to the vendor's schema (zod), which requires expirationDate.
        empty_json=Answer(
            422,
            {
                "error": "Unprocessable Entity",
                "message": "Invalid request body",
                "details": [{"field": "expirationDate", "message": "Required"}],
            },
        ),
        too_large=Answer(413, {"message": "Request entity too large"}),
        unknown_route=lambda method, path: Answer(404, {"error": "Not found"}),
        # The vendor's router answers an unserved method like an unknown path.
        wrong_method="PUT",
        wrong_method_answer=Answer(404, {"error": "Not found"}),
    ),
    BadInputApi(
        name="vonage",
        spec="vonage",
        mount="/vonage",
        base="/vonage/v1/meetings",
        create_path=_api("vonage").create_path,
        created=_api("vonage").created_status,
        auth=lambda: _api("vonage").auth("bad-input"),
        body=lambda: _api("vonage").body("bad-input"),
        invalid_json=lambda _: Answer(400, _vonage(400, "BadRequestError", "Unexpected token in JSON body")),
        # Express's JSON parser skips a body of another type; Joi then validates an empty object.
        other_content_type=Answer(400, _vonage(400, "InputValidationError", '"display_name" is required')),
        empty_json=Answer(400, _vonage(400, "InputValidationError", '"display_name" is required')),
        too_large=Answer(413, _vonage(413, "PayloadTooLargeError", "Request Entity Too Large")),
        unknown_route=lambda method, path: Answer(404, _vonage(404, "NotFoundError", "Not Found")),
        wrong_method="PUT",
        wrong_method_answer=Answer(404, _vonage(404, "NotFoundError", "Not Found")),
    ),
    BadInputApi(
        name="sourcefuse",
        spec="sourcefuse",
        mount="/sourcefuse",
        base="/sourcefuse",
        create_path=_api("sourcefuse").create_path,
        created=_api("sourcefuse").created_status,
        auth=lambda: _api("sourcefuse").auth("bad-input"),
        body=lambda: _api("sourcefuse").body("bad-input"),
        invalid_json=lambda _: Answer(
            400, _loopback(400, "BadRequestError", "Invalid JSON in request body.")
        ),
        other_content_type=Answer(
            415, _loopback(415, "UnsupportedMediaTypeError", "Content-type is not supported.")
        ),
        empty_json=Answer(400, _loopback(400, "BadRequestError", "Request body is required")),
        too_large=Answer(413, _loopback(413, "PayloadTooLargeError", "request entity too large")),
        unknown_route=lambda method, path: Answer(
            404, _loopback(404, "NotFoundError", f'Endpoint "{method} {path}" not found.')
        ),
        wrong_method="PUT",
        wrong_method_answer=Answer(
            404, _loopback(404, "NotFoundError", 'Endpoint "PUT /session" not found.')
        ),
    ),
    BadInputApi(
        name="opentalk",
        spec="opentalk",
        mount="/opentalk",
        base="/opentalk/v1",
        create_path=_api("opentalk").create_path,
        created=_api("opentalk").created_status,
        auth=lambda: _api("opentalk").auth("bad-input"),
        body=lambda: _api("opentalk").body("bad-input"),
        invalid_json=lambda _: _opentalk("invalid_json", "Payload is not valid json"),
        other_content_type=_opentalk(
            "invalid_content_type", "Payload must be of content type application/json"
        ),
        empty_json=_opentalk("invalid_json", "Payload is not valid json"),
        too_large=_opentalk("payload_overflow", "The request payload is too large"),
        unknown_route=lambda method, path: _opentalk("not_found", "A requested resource could not be found"),
        wrong_method="PUT",
        wrong_method_answer=_opentalk(
            "method_not_allowed", "The method is not allowed for the requested resource"
        ),
        error_schema="ErrorBody",
    ),
    BadInputApi(
        name="control",
        spec="omnimeet",
        mount="/_omnimeet",
        base="/_omnimeet",
        # Moves the virtual clock on by a second: a body-taking operation with no other effect.
        create_path="/_omnimeet/clock",
        created=200,
        auth=dict,
        body=lambda: {"advance_seconds": 1},
        invalid_json=lambda body: _control(
            [{"location": f"body.{INVALID_JSON[body]}", "message": "JSON decode error"}]
        ),
        other_content_type=_control(
            [
                {
                    "location": "body",
                    "message": "Input should be a valid dictionary or object to extract fields from",
                }
            ]
        ),
        empty_json=_control([{"location": "body", "message": "Field required"}]),
        # No limit: a state document (POST /state) holds the whole database.
        too_large=None,
        unknown_route=lambda method, path: Answer(404, {"error": "not_found", "message": "Not Found"}),
        wrong_method="PUT",
        wrong_method_answer=Answer(405, {"error": "method_not_allowed", "message": "Method Not Allowed"}),
        error_schema="ControlErrorBody",
    ),
)
"""The five vendors and the control API."""

VENDORS = tuple(api for api in APIS if api.name != "control")
BY_NAME: Mapping[str, BadInputApi] = {api.name: api for api in APIS}

MADE_ON_FIRST_USE = ("tenants", "principals", "users")
"""State tables that a refused request may still fill: the caller's organisation, credential and (OpenTalk)
user are made when a credential is first seen, which may be before the body is read."""


def content_rows(state: Mapping[str, Any]) -> dict[str, Any]:
    """The rows of every table of a state document (``GET /_omnimeet/state``) but those of
    ``MADE_ON_FIRST_USE``: what no refused request may change."""
    tables: dict[str, Any] = state["tables"]
    return {name: rows for name, rows in tables.items() if name not in MADE_ON_FIRST_USE}
