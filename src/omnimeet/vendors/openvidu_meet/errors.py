"""OpenVidu Meet's error answers, and the handlers that keep every other format out of the sub-app.

- Service errors: ``{"name": "<Kind> Error", "message": ...}`` (``OpenViduError``; ``room_error``,
  ``recording_error``, ``participant_error``).
- Auth: ``401 {"message": "Unauthorized" | "Invalid API key"}``.
- Invalid input: ``422 {"error": "Unprocessable Entity", "message": "Invalid request body", "details":
  [{"field", "message"}]}`` with zod's wording (``validation_details``); a body that is not JSON by its
  Content-Type: 415; JSON that does not parse: 400.
- Unknown route (or a method a path does not serve, as the vendor's router does): ``404 {"error":
  "Not found"}``.

Domain errors reaching the handler are mapped by ``DOMAIN_ERRORS`` (code, entity) -> answer; the recordings
routes may register theirs there, or raise ``OpenViduError`` themselves.
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
from omnimeet.vendors.openvidu_meet.schemas import ZOD

ROOM = "Room Error"
RECORDING = "Recording Error"
PARTICIPANT = "Participant Error"


class OpenViduError(Exception):
    """An answer decided in the vendor layer: a status and the exact JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status)


def service_error(status: int, name: str, message: str) -> OpenViduError:
    return OpenViduError(status, {"name": name, "message": message})


def room_error(status: int, message: str) -> OpenViduError:
    return service_error(status, ROOM, message)


def recording_error(status: int, message: str) -> OpenViduError:
    return service_error(status, RECORDING, message)


def participant_error(status: int, message: str) -> OpenViduError:
    return service_error(status, PARTICIPANT, message)


def room_not_found(room_name: str) -> OpenViduError:
    return room_error(404, f"The room '{room_name}' does not exist")


def participant_not_found(participant: str, room_name: str) -> OpenViduError:
    return participant_error(404, f"'{participant}' not found in room '{room_name}'")


def participant_exists(participant: str, room_name: str) -> OpenViduError:
    return participant_error(409, f"'{participant}' already exists in room '{room_name}'")


def room_full(room_name: str, limit: int) -> OpenViduError:
    return room_error(409, f"The room '{room_name}' is full: it admits at most {limit} participant(s)")


def invalid_secret(room_name: str) -> OpenViduError:
    return participant_error(
        406, f"Unauthorized generating token with received credentials in room '{room_name}'"
    )


def unauthorized() -> OpenViduError:
    return OpenViduError(401, {"message": "Unauthorized"})


def invalid_api_key() -> OpenViduError:
    return OpenViduError(401, {"message": "Invalid API key"})


def invalid_request(details: list[dict[str, str]]) -> OpenViduError:
    return OpenViduError(
        422, {"error": "Unprocessable Entity", "message": "Invalid request body", "details": details}
    )


def field_error(field: str, message: str) -> OpenViduError:
    return invalid_request([{"field": field, "message": message}])


# (domain error code, entity) -> the vendor's answer. Anything else is a 409 (state) or 404 (not found).
DOMAIN_ERRORS: dict[tuple[ErrorCode, str], Callable[[DomainError], OpenViduError]] = {
    (ErrorCode.NOT_FOUND, "room"): lambda exc: room_not_found(str(exc.details.get("id", ""))),
    (ErrorCode.OTHER_TENANT, "room"): lambda exc: room_not_found(str(exc.details.get("id", ""))),
    (ErrorCode.NOT_FOUND, "recording"): lambda exc: recording_error(
        404, f"Recording '{exc.details.get('id', '')}' not found"
    ),
    (ErrorCode.OTHER_TENANT, "recording"): lambda exc: recording_error(
        404, f"Recording '{exc.details.get('id', '')}' not found"
    ),
}


def domain_error(exc: DomainError) -> OpenViduError:
    mapped = DOMAIN_ERRORS.get((exc.code, exc.entity))
    if mapped is not None:
        return mapped(exc)
    if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.OTHER_TENANT):
        return OpenViduError(404, {"error": "Not found"})
    if exc.code is ErrorCode.INVALID:
        return field_error(str(exc.details.get("field", "")), "Invalid input")
    return service_error(409, f"{exc.entity.capitalize()} Error", f"Conflict: {exc.code.value}")


# --- bare statuses ----------------------------------------------------------------------------------------

_MESSAGES = {
    401: "Unauthorized",
    413: "Request entity too large",
    415: "Unsupported Media Type",
    500: "Internal server error",
}


def http_error_body(status: int) -> dict[str, Any]:
    if status == 404:
        return {"error": "Not found"}
    if status == 400:
        return {"error": "Bad Request", "message": "Malformed request body"}
    if status in _MESSAGES:
        return {"message": _MESSAGES[status]}
    try:
        return {"message": HTTPStatus(status).phrase}
    except ValueError:
        return {"message": "Error"}


def http_error_response(status: int) -> JSONResponse:
    return JSONResponse(http_error_body(status), status_code=status)


def too_large_response() -> Response:
    return http_error_response(413)


# --- validation -------------------------------------------------------------------------------------------

_EXPECTED = {
    "float_type": "number",
    "int_type": "number",
    "string_type": "string",
    "bool_type": "boolean",
    "model_type": "object",
    "model_attributes_type": "object",
    "dict_type": "object",
    "list_type": "array",
}


def zod_type(value: Any) -> str:
    """What zod calls a JSON value's type in "received ..." messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "nan" if value != value else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def zod_message(err: Any) -> str:
    kind = err.get("type")
    if kind == "missing":
        return "Required"
    if kind == ZOD:
        return str(err.get("msg", ""))
    if kind in _EXPECTED:
        return f"Expected {_EXPECTED[kind]}, received {zod_type(err.get('input'))}"
    if kind == "finite_number":
        return "Expected number, received nan"
    return str(err.get("msg", "Invalid input"))


def validation_details(
    errors: Any, skip: tuple[str, ...] = ("body", "query", "path", "header", "cookie")
) -> list[dict[str, str]]:
    """zod's ``[{field, message}]`` for pydantic errors (``loc`` parts in ``skip`` dropped)."""
    details = []
    seen: set[tuple[str, str]] = set()
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in skip]
        field = ".".join(loc)
        message = zod_message(err)
        if (field, message) not in seen:
            seen.add((field, message))
            details.append({"field": field, "message": message})
    return details


def _validation_response(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if isinstance(exc.body, bytes | bytearray):
        return http_error_response(415)  # a body whose Content-Type is not JSON
    if any(err.get("type") == "json_invalid" for err in errors):
        return http_error_response(400)
    body_errors = [err for err in errors if tuple(err.get("loc", ())) == ("body",)]
    if body_errors and body_errors[0].get("type") == "missing":
        # No body at all: validate an empty object, as the vendor's JSON parser hands its schema one.
        model = body_model(request)
        if model is not None:
            try:
                model.model_validate({})
            except PydanticValidationError as empty:
                errors = [*empty.errors(), *(err for err in errors if err not in body_errors)]
    return invalid_request(validation_details(errors)).response()


def install_error_handlers(app: FastAPI) -> None:
    async def on_vendor_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, OpenViduError)
        return exc.response()

    async def on_domain_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return domain_error(exc).response()

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _validation_response(request, exc)

    async def on_http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        # The vendor's router answers an unserved method like an unknown path.
        status = 404 if exc.status_code == 405 else exc.status_code
        return http_error_response(status)

    async def on_unexpected(_: Request, exc: Exception) -> Response:
        return http_error_response(500)

    app.add_exception_handler(OpenViduError, on_vendor_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
