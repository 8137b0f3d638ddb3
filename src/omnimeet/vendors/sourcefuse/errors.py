"""SourceFuse's error answers: LoopBack 4's ``{"error": {"statusCode", "name", "message"}}`` for everything.

- Decided in the vendor layer: ``LoopBackError`` (``bad_request``, ``not_found``, ...).
- Invalid input: ``422 UnprocessableEntityError`` with ``code: VALIDATION_FAILED`` and ajv-like
  ``details: [{path, code, message, info}]``, as LoopBack's body validation answers; JSON that does not
  parse: 400; a body that is not JSON: 415.
- Unknown route or unserved method: ``404 NotFoundError`` ``Endpoint "<METHOD> <path>" not found.``
- Anything unexpected: ``500 InternalServerError`` ``Internal Server Error``, never FastAPI's ``detail``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError, ErrorCode

NAMES = {
    400: "BadRequestError",
    401: "UnauthorizedError",
    403: "ForbiddenError",
    404: "NotFoundError",
    409: "ConflictError",
    413: "PayloadTooLargeError",
    415: "UnsupportedMediaTypeError",
    422: "UnprocessableEntityError",
    500: "InternalServerError",
}
VALIDATION_MESSAGE = "The request body is invalid. See error object `details` property for more info."


def error_name(status: int) -> str:
    """LoopBack's (http-errors') name of a status: ``BadRequestError``, ``NotFoundError`` ..."""
    if status in NAMES:
        return NAMES[status]
    try:
        return HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "") + "Error"
    except ValueError:
        return "Error"


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"statusCode": status, "name": error_name(status), "message": message, **extra}}


class LoopBackError(Exception):
    """An answer decided in the vendor layer: a status and LoopBack's error body."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.body = error_body(status, message, **extra)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status)


def bad_request(message: str) -> LoopBackError:
    return LoopBackError(400, message)


def not_found(message: str) -> LoopBackError:
    return LoopBackError(404, message)


def unauthorized(message: str) -> LoopBackError:
    return LoopBackError(401, message)


def forbidden() -> LoopBackError:
    return LoopBackError(403, "NotAllowedAccess")


def server_error(message: str) -> LoopBackError:
    return LoopBackError(500, message)


def domain_error(exc: DomainError) -> LoopBackError:
    """A domain error no route translated: not found for missing things, a conflict otherwise."""
    if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.OTHER_TENANT):
        return not_found(f"{exc.entity.capitalize()} Not Found")
    if exc.code is ErrorCode.INVALID:
        return bad_request(f"Invalid {exc.entity}")
    return LoopBackError(409, f"{exc.entity.capitalize()} conflict: {exc.code.value}")


def http_error_response(status: int, message: str | None = None) -> JSONResponse:
    text = message if message is not None else _phrase(status)
    return JSONResponse(error_body(status, text), status_code=status)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def too_large_response() -> Response:
    return http_error_response(413, "request entity too large")


# --- validation -------------------------------------------------------------------------------------------

_AJV_TYPES = {
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "string_type": "string",
    "int_type": "number",
    "int_parsing": "number",
    "float_type": "number",
    "float_parsing": "number",
    "model_type": "object",
    "model_attributes_type": "object",
    "dict_type": "object",
    "list_type": "array",
}


def _detail(err: Any) -> dict[str, Any]:
    loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path", "header")]
    kind = err.get("type")
    if kind == "missing" and loc:
        parent = "/" + "/".join(loc[:-1]) if len(loc) > 1 else ""
        return {
            "path": parent,
            "code": "required",
            "message": f"must have required property '{loc[-1]}'",
            "info": {"missingProperty": loc[-1]},
        }
    path = "/" + "/".join(loc) if loc else ""
    if kind in _AJV_TYPES:
        wanted = _AJV_TYPES[kind]
        return {"path": path, "code": "type", "message": f"must be {wanted}", "info": {"type": wanted}}
    if kind in ("literal_error", "enum"):
        allowed = err.get("ctx", {}).get("expected", "")
        return {
            "path": path,
            "code": "enum",
            "message": "must be equal to one of the allowed values",
            "info": {"allowedValues": [part.strip(" '") for part in str(allowed).split(" or ")]},
        }
    return {"path": path, "code": "invalid", "message": str(err.get("msg", "is invalid")), "info": {}}


def validation_error(errors: Any) -> LoopBackError:
    details = []
    for err in errors:
        detail = _detail(err)
        if detail not in details:
            details.append(detail)
    return LoopBackError(422, VALIDATION_MESSAGE, code="VALIDATION_FAILED", details=details)


def _validation_response(exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if isinstance(exc.body, bytes | bytearray):
        return http_error_response(415, "Content-type is not supported.")
    if any(err.get("type") == "json_invalid" for err in errors):
        return http_error_response(400, "Invalid JSON in request body.")
    missing_body = [err for err in errors if tuple(err.get("loc", ())) == ("body",)]
    if missing_body and missing_body[0].get("type") == "missing":
        return http_error_response(400, "Request body is required")
    return validation_error(errors).response()


def _own_path(request: Request) -> str:
    """The path below the mount, as the vendor sees it."""
    path: str = request.scope.get("path", "")
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def install_error_handlers(app: FastAPI) -> None:
    async def on_vendor_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoopBackError)
        return exc.response()

    async def on_domain_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return domain_error(exc).response()

    async def on_validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _validation_response(exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405):
            return http_error_response(404, f'Endpoint "{request.method} {_own_path(request)}" not found.')
        return http_error_response(exc.status_code)

    async def on_unexpected(_: Request, exc: Exception) -> Response:
        return http_error_response(500, "Internal Server Error")

    app.add_exception_handler(LoopBackError, on_vendor_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
