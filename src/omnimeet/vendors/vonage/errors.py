"""Vonage Meetings' error answers, and the handlers that keep every other format out of the sub-app.

- Service errors: ``{"message", "name", "status"[, "errors"]}`` with the texts the real service sent
  (``VonageError`` and the constructors below).
- Auth: ``401 {"title": "Unauthorized", "detail": "You did not provide correct credentials"}``.
- Invalid input (path, query or body): ``400 InputValidationError`` with Joi's wording (the service
  validated with Joi: ``"display_name" is required``, ``"page_size" must be a number``); a body that is not
  JSON by its Content-Type is validated as an empty object, as Express's JSON parser leaves it; JSON that
  does not parse: ``400 BadRequestError``.
- Unknown route or method: ``404 NotFoundError``; too large: ``413 PayloadTooLargeError``.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.platform.web import body_model

UNAUTHORIZED_BODY = {"title": "Unauthorized", "detail": "You did not provide correct credentials"}
INPUT_VALIDATION = "InputValidationError"
BAD_REQUEST = "BadRequestError"
NOT_FOUND = "NotFoundError"
CONFLICT = "ConflictError"
FORBIDDEN = "ForbiddenError"


class VonageError(Exception):
    """An answer decided in the vendor layer: a status and the exact JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status)


def vonage_error(status: int, name: str, message: str, errors: list[Any] | None = None) -> VonageError:
    body: dict[str, Any] = {"message": message, "name": name}
    if errors is not None:
        body["errors"] = errors
    body["status"] = status
    return VonageError(status, body)


def unauthorized() -> VonageError:
    return VonageError(401, dict(UNAUTHORIZED_BODY))


def input_error(message: str) -> VonageError:
    return vonage_error(400, INPUT_VALIDATION, message)


def bad_request(message: str, errors: list[Any] | None = None) -> VonageError:
    return vonage_error(400, BAD_REQUEST, message, errors)


def not_found(message: str) -> VonageError:
    return vonage_error(404, NOT_FOUND, message)


def conflict(message: str) -> VonageError:
    return vonage_error(409, CONFLICT, message)


def forbidden(message: str) -> VonageError:
    return vonage_error(403, FORBIDDEN, message)


# --- the recorded texts -----------------------------------------------------------------------------------


def room_not_found(room_id: str) -> VonageError:
    return not_found(f"Room {room_id} was not found")


def recording_not_found(recording_id: str) -> VonageError:
    return not_found(f"Recording {recording_id} was not found")


def recording_not_found_for_delete() -> VonageError:
    return not_found("Could not find recording")


def session_recordings_not_found(session_id: str) -> VonageError:
    return not_found(f"Failed to find session recordings by id: {session_id}")


def theme_not_found(theme_id: str) -> VonageError:
    return not_found(f"could not find theme {theme_id}")


def rooms_of_unknown_theme(theme_id: str) -> VonageError:
    return not_found(f"Failed to get rooms because theme id {theme_id} not found")


def application_theme_not_found(theme_id: str) -> VonageError:
    return bad_request(f"Failed to update application because theme id {theme_id} not found")


def empty_update(key: str = "update_details") -> VonageError:
    return input_error(f'"{key}" must have at least 1 key')


def instant_room_not_updatable(room_id: str) -> VonageError:
    return bad_request(f"The room with id: {room_id} could not be updated because of its type: temporary")


def theme_name_taken() -> VonageError:
    return conflict("theme_name already exists in application")


def short_company_url_taken() -> VonageError:
    return conflict("short_company_url already exists in application")


def theme_in_use(theme_id: str, rooms: int) -> VonageError:
    noun = "room" if rooms == 1 else "rooms"
    return bad_request("could not delete theme", [f"Theme {theme_id} is used by {rooms} {noun}"])


def recording_not_deletable() -> VonageError:
    return forbidden("Can only delete recordings in 'uploaded' status")


def logos_not_finalized(errors: list[dict[str, str]]) -> VonageError:
    return bad_request("could not finalize logos", errors)


# (domain error code, entity) -> the vendor's answer.
DOMAIN_ERRORS: dict[tuple[ErrorCode, str], Callable[[DomainError], VonageError]] = {
    (ErrorCode.NOT_FOUND, "room"): lambda exc: room_not_found(str(exc.details.get("id", ""))),
    (ErrorCode.OTHER_TENANT, "room"): lambda exc: room_not_found(str(exc.details.get("id", ""))),
    (ErrorCode.NOT_FOUND, "recording"): lambda exc: recording_not_found(str(exc.details.get("id", ""))),
    (ErrorCode.OTHER_TENANT, "recording"): lambda exc: recording_not_found(str(exc.details.get("id", ""))),
    (ErrorCode.NOT_FOUND, "theme"): lambda exc: theme_not_found(str(exc.details.get("id", ""))),
    (ErrorCode.OTHER_TENANT, "theme"): lambda exc: theme_not_found(str(exc.details.get("id", ""))),
}


def domain_error(exc: DomainError) -> VonageError:
    mapped = DOMAIN_ERRORS.get((exc.code, exc.entity))
    if mapped is not None:
        return mapped(exc)
    if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.OTHER_TENANT):
        return not_found(f"{exc.entity or 'resource'} was not found")
    if exc.code is ErrorCode.INVALID:
        return input_error(f'"{exc.details.get("field", "value")}" is invalid')
    if exc.code is ErrorCode.LIMIT_REACHED:
        return forbidden(str(exc.details.get("message", "Limit reached")))
    return bad_request(f"could not change {exc.entity or 'resource'}: {exc.code.value}")


# --- bare statuses ----------------------------------------------------------------------------------------

_NAMES = {
    400: BAD_REQUEST,
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: CONFLICT,
    413: "PayloadTooLargeError",
    415: "UnsupportedMediaTypeError",
    429: "TooManyRequestsError",
    500: "InternalServerError",
    503: "ServiceUnavailableError",
}


def http_error_response(status: int) -> JSONResponse:
    """The vendor's answer for a bare HTTP status (an unknown route, an injected fault)."""
    if status == 401:
        return unauthorized().response()
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    name = _NAMES.get(status, phrase.replace(" ", "").replace("-", "") + "Error")
    return vonage_error(status, name, phrase).response()


def too_large_response() -> Response:
    return http_error_response(413)


# --- validation (Joi's wording) ---------------------------------------------------------------------------

_JOI_TYPES = {
    "string_type": "a string",
    "int_type": "a number",
    "int_parsing": "a number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "model_type": "of type object",
    "model_attributes_type": "of type object",
    "dict_type": "of type object",
    "list_type": "an array",
}


def joi_label(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) if parts else "value"


def joi_message(err: dict[str, Any]) -> str:
    """Joi's message for one pydantic error."""
    label = f'"{joi_label(tuple(err.get("loc", ())))}"'
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"{label} is required"
    if kind == "extra_forbidden":
        return f"{label} is not allowed"
    if kind in _JOI_TYPES:
        return f"{label} must be {_JOI_TYPES[kind]}"
    if kind == "string_too_long":
        n = ctx.get("max_length")
        return f"{label} length must be less than or equal to {n} characters long"
    if kind == "string_too_short":
        n = ctx.get("min_length")
        if n == 1:
            return f"{label} is not allowed to be empty"
        return f"{label} length must be at least {n} characters long"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        return f'{label} with value "{err.get("input")}" fails to match the required pattern: /{pattern}/'
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{label} must be one of [{expected.replace(' or ', ', ')}]"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label} must be greater than or equal to {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{label} must be less than or equal to {ctx.get('le', ctx.get('lt'))}"
    if kind in ("too_short",) and ctx.get("min_length") == 1:
        return f"{label} must contain at least 1 items"
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return f"{label} must be a valid date"
    if kind == "uuid_parsing":
        return f"{label} must be a valid GUID"
    if kind == "url_parsing" or kind == "url_scheme":
        return f"{label} must be a valid uri"
    if kind == "value_error":
        return f"{label} {str(err.get('msg', 'is invalid')).removeprefix('Value error, ')}"
    return f"{label} is invalid"


def validation_response(request: Request, exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    if any(err.get("type") == "json_invalid" for err in errors):
        return bad_request("Unexpected token in JSON body").response()
    body_errors = [err for err in errors if tuple(err.get("loc", ())) in (("body",),)]
    if body_errors and (isinstance(exc.body, bytes | bytearray) or body_errors[0].get("type") == "missing"):
        # No JSON body (none at all, or not JSON by its Content-Type): Express hands Joi an empty object.
        model = body_model(request)
        if model is not None:
            try:
                model.model_validate({})
            except PydanticValidationError as empty:
                errors = [*(e for e in errors if e not in body_errors), *empty.errors()]
    # Joi stops at the first error (abortEarly): path and query first, then the body.
    return input_error(joi_message(errors[0])).response()


def install_error_handlers(app: FastAPI) -> None:
    async def on_vendor_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, VonageError)
        return exc.response()

    async def on_domain_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return domain_error(exc).response()

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return validation_response(request, exc)

    async def on_http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = 404 if exc.status_code == 405 else exc.status_code  # Express: an unserved method is a 404
        return http_error_response(status)

    async def on_unexpected(_: Request, exc: Exception) -> Response:
        return http_error_response(500)

    app.add_exception_handler(VonageError, on_vendor_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
