"""OpenTalk's error answers: the controller's ``{"code", "message"}`` body, sent as ``text/json``.

- Decided in the vendor layer: ``OpenTalkError`` (``not_found()``, ``forbidden()``, ``bad_request(code,
  message)``, ...), each with the controller's default code and text unless a route names its own.
- Invalid input: ``422 validation_failed`` with ``errors: [{field, code, message}]`` (codes such as
  ``value_required``, ``invalid_length``, ``out_of_range``, ``invalid_value``); a body that is not JSON:
  ``400 invalid_json``; a body of another content type: ``400 invalid_content_type``; a bad query value:
  ``400 bad_request``.
- Unknown route: ``404 not_found``; an unserved method: ``405``; anything unexpected: ``500
  internal_server_error``. No FastAPI ``{"detail": ...}`` body ever leaves this sub-app.
- 401s carry ``WWW-Authenticate: Bearer error=..., error_description=...``.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.platform.routing import allowed_methods

MEDIA_TYPE = "text/json; charset=utf-8"
"""The controller's content type for error bodies (not ``application/json``)."""
SPEC_MEDIA_TYPE = "text/json"

DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "Invalid request due to malformed syntax"),
    401: ("unauthorized", "Authentication failed"),
    403: ("forbidden", "Access to the requested resource is forbidden"),
    404: ("not_found", "A requested resource could not be found"),
    405: ("method_not_allowed", "The method is not allowed for the requested resource"),
    409: ("conflict", "The request conflicts with the state of the resource"),
    413: ("payload_overflow", "The request payload is too large"),
    422: ("validation_failed", "Some provided values are invalid"),
    500: ("internal_server_error", "An internal server error occurred"),
    503: ("service_unavailable", "The service is currently unavailable"),
}

INVALID_TOKEN = 'Bearer error="invalid_token", error_description="The provided access token is invalid"'
EXPIRED_TOKEN = 'Bearer error="invalid_token", error_description="The provided access token expired"'
INVALID_ID_TOKEN = 'Bearer error="invalid_token", error_description="The provided id token is invalid"'
SESSION_EXPIRED = 'Bearer error="invalid_request", error_description="The user session expired"'


class ValidationErrorEntry(BaseModel):
    """One invalid value: the field (None for the body as a whole), a machine code, a text."""

    field: str | None = Field(default=None, description="The field the error is about; absent for the body.")
    code: str = Field(description="`invalid_url`, `invalid_email`, `invalid_length`, `out_of_range`, ...")
    message: str | None = Field(default=None, description="A human-readable explanation.")


class ErrorBody(BaseModel):
    """What the controller answers for every error (``errors`` only with ``validation_failed``)."""

    code: str = Field(description="A machine-readable, snake_case error code.")
    message: str = Field(description="A human-readable text.")
    errors: list[ValidationErrorEntry] | None = Field(
        default=None, description="With `validation_failed` only: every invalid value."
    )


class OpenTalkError(Exception):
    """An error answer decided in the vendor layer: a status, a code, a text, and maybe headers."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        default_code, default_message = DEFAULTS.get(status, (_snake_phrase(status), _phrase(status)))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.headers = headers or {}
        self.errors = errors
        super().__init__(f"{status} {self.code}: {self.message}")

    def response(self) -> Response:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return error_response(self.status, body, self.headers)


def error_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def http_error_response(status: int) -> Response:
    """The controller's answer for a bare status (an injected fault, a refused request)."""
    error = OpenTalkError(status)
    if status == 401:
        error.headers["WWW-Authenticate"] = INVALID_TOKEN
    return error.response()


def too_large_response() -> Response:
    return OpenTalkError(413, "payload_overflow", "The request payload is too large").response()


def bad_request(code: str = "bad_request", message: str | None = None) -> OpenTalkError:
    return OpenTalkError(400, code, message)


def unauthorized(www_authenticate: str = INVALID_TOKEN, message: str | None = None) -> OpenTalkError:
    return OpenTalkError(401, None, message, headers={"WWW-Authenticate": www_authenticate})


def forbidden(code: str = "forbidden", message: str | None = None) -> OpenTalkError:
    return OpenTalkError(403, code, message)


def not_found(code: str = "not_found", message: str | None = None) -> OpenTalkError:
    return OpenTalkError(404, code, message)


def conflict(code: str = "conflict", message: str | None = None) -> OpenTalkError:
    return OpenTalkError(409, code, message)


def invalid(field: str | None, code: str, message: str | None = None) -> OpenTalkError:
    """A 422 ``validation_failed`` about one value (rules the body's schema cannot express)."""
    entry: dict[str, Any] = {"field": field, "code": code}
    if message is not None:
        entry["message"] = message
    return OpenTalkError(422, errors=[entry])


def domain_error(exc: DomainError) -> OpenTalkError:
    """A domain error no route translated: missing things are 404, other tenants' too (never a leak)."""
    if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.OTHER_TENANT):
        return not_found()
    if exc.code is ErrorCode.INVALID:
        return invalid(str(exc.details.get("field")) if exc.details.get("field") else None, "invalid_value")
    if exc.code is ErrorCode.FEATURE_NOT_IN_PLAN:
        return forbidden()
    return conflict()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _snake_phrase(status: int) -> str:
    return _phrase(status).lower().replace(" ", "_").replace("-", "_").replace("'", "")


# --- validation -------------------------------------------------------------------------------------------

_LENGTH = {"string_too_long", "string_too_short", "too_long", "too_short"}
_RANGE = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of"}


def _field_of(loc: tuple[Any, ...]) -> str | None:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    # pydantic names the branch of a union it tried (``function-after[...]``, ``str``): not a field.
    parts = [part for part in parts if not part.endswith("]") and part not in ("str", "int", "bool")]
    return ".".join(parts) or None


def validation_entry(err: Any) -> dict[str, Any]:
    """One pydantic error as the controller's ``{field, code, message}``."""
    kind = str(err.get("type", ""))
    field = _field_of(tuple(err.get("loc", ())))
    message = str(err.get("msg", "")) or None
    if kind == "missing":
        code, message = "value_required", "Value is required"
    elif kind in _LENGTH:
        code = "invalid_length"
    elif kind in _RANGE:
        code = "out_of_range"
    elif kind == "extra_forbidden":
        code = "ignored_value"
    elif "url" in kind:
        code = "invalid_url"
    elif "email" in kind or (message or "").lower().find("email") >= 0:
        code = "invalid_email"
    else:
        code = "invalid_value"
    entry: dict[str, Any] = {"field": field, "code": code}
    if message:
        entry["message"] = message
    return entry


def validation_error(errors: Any) -> OpenTalkError:
    entries: list[dict[str, Any]] = []
    for err in errors:
        entry = validation_entry(err)
        if entry not in entries:
            entries.append(entry)
    return OpenTalkError(422, errors=entries)


def _validation_response(exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if isinstance(exc.body, bytes | bytearray):
        return bad_request(
            "invalid_content_type", "Payload must be of content type application/json"
        ).response()
    if any(err.get("type") == "json_invalid" for err in errors):
        return bad_request("invalid_json", "Payload is not valid json").response()
    if any(tuple(err.get("loc", ()))[:1] in (("query",), ("path",)) for err in errors):
        # actix's Query and Path extractors refuse with a plain 400.
        return bad_request().response()
    missing_body = [err for err in errors if tuple(err.get("loc", ())) == ("body",)]
    if missing_body and missing_body[0].get("type") == "missing":
        return bad_request("invalid_json", "Payload is not valid json").response()
    return validation_error(errors).response()


def install_error_handlers(app: FastAPI) -> None:
    async def on_vendor_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, OpenTalkError)
        return exc.response()

    async def on_domain_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return domain_error(exc).response()

    async def on_validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _validation_response(exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = http_error_response(exc.status_code)
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    async def on_unexpected(_: Request, exc: Exception) -> Response:
        return http_error_response(500)

    app.add_exception_handler(OpenTalkError, on_vendor_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


def error_responses(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI response objects for a route's error statuses, with the ``text/json`` error body.

    ``descriptions``: ``e404="No such room."`` overrides a status's description.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description = descriptions.get(f"e{status}") or _DESCRIPTIONS.get(status) or _phrase(status)
        response: dict[str, Any] = {
            "description": description,
            "content": {SPEC_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": "`Bearer error=..., error_description=...`",
                    "schema": {"type": "string"},
                }
            }
        responses[status] = response
    return responses


_DESCRIPTIONS = {
    400: "Malformed request: a bad query value (`bad_request`), a body that is not JSON (`invalid_json`).",
    401: "No, an invalid or an expired access token (`WWW-Authenticate` says which).",
    403: "The user may not do this (`forbidden`).",
    404: "No such resource, or not visible to the user (`not_found`).",
    413: "The body is too large (`payload_overflow`).",
    422: "Invalid values (`validation_failed`, with `errors`).",
    500: "Internal server error.",
}
