"""Telemost's error answers: ``{error, message, description[, details]}``, for domain errors, bad input,
auth failures and unknown routes alike. No FastAPI ``{"detail": ...}`` body ever leaves this sub-app."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.platform.middleware import new_request_id
from omnimeet.platform.routing import allowed_methods

REQUEST_ID_HEADER = "Yandex-Cloud-Request-ID"


class TelemostError(Exception):
    """An error answer decided in the vendor layer (auth, scopes)."""

    def __init__(
        self, status: int, error: str, message: str, description: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.message = message
        self.description = description
        self.details = details


def error_response(
    status: int, error: str, message: str, description: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "message": message, "description": description}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status)


# Domain error code -> (status, error, message, description).
DOMAIN_ERRORS: dict[ErrorCode, tuple[int, str, str, str]] = {
    ErrorCode.NOT_FOUND: (404, "ConferenceNotFound", "Видео встреча не найдена.", "Conference not found."),
    ErrorCode.OTHER_TENANT: (
        403,
        "ConferenceAccessForbidden",
        "Нет доступа к этой видеовстрече.",
        "Conference belongs to another organization.",
    ),
    ErrorCode.NOT_IN_ORGANIZATION: (
        403,
        "ApiRestrictedToOrganizations",
        "API доступен только организациям Яндекс 360 для бизнеса.",
        "Only users of Yandex 360 for business organizations may use this API.",
    ),
    ErrorCode.FEATURE_NOT_IN_PLAN: (
        402,
        "PaymentRequiredToUseLiveStreams",
        "Трансляции недоступны на вашем тарифе.",
        "Live streams are not available in your tariff plan.",
    ),
}

# HTTP status of a framework-level failure -> (error, message, description).
HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("BadRequestError", "Некорректный запрос.", "Bad request."),
    401: ("UnauthorizedError", "Не авторизован.", "Unauthorized."),
    403: ("ForbiddenError", "Доступ запрещён.", "Forbidden."),
    404: ("NotFoundError", "Ресурс не найден.", "Resource not found."),
    405: ("MethodNotAllowedError", "Метод не поддерживается.", "Method not allowed."),
    413: ("RequestEntityTooLargeError", "Слишком большой запрос.", "Request entity too large."),
    415: ("UnsupportedMediaTypeError", "Неподдерживаемый тип данных.", "Unsupported media type."),
    429: ("TooManyRequestsError", "Слишком много запросов.", "Too many requests."),
    500: ("InternalServerError", "Внутренняя ошибка сервера.", "Internal server error."),
    503: ("ServiceUnavailableError", "Сервис временно недоступен.", "Service unavailable."),
}


def http_error_response(
    status: int, description: str | None = None, details: dict[str, Any] | None = None
) -> JSONResponse:
    error, message, default_description = HTTP_ERRORS.get(
        status, ("UndocumentedError", "Ошибка запроса.", "Request failed.")
    )
    return error_response(status, error, message, description or default_description, details)


def too_large_response() -> Response:
    return http_error_response(413)


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    """Bad JSON is a BadRequestError; a body that parses but breaks the schema is a FieldValidationError."""
    errors = exc.errors()
    if isinstance(exc.body, bytes | bytearray):
        # FastAPI hands the raw bytes on when the Content-Type names something other than JSON.
        return http_error_response(415, "Request body must be JSON (Content-Type: application/json).")
    if any(err.get("type") == "json_invalid" for err in errors):
        return http_error_response(400, "Request body is not valid JSON.")
    if any(tuple(err.get("loc", ())) == ("body",) for err in errors):
        return http_error_response(400, "Request body must be a JSON object.")
    fields: dict[str, str] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part != "body"]
        fields[".".join(loc) or "body"] = str(err.get("msg", "invalid value"))
    first = next(iter(fields))
    return error_response(
        400,
        "FieldValidationError",
        f"Ошибка проверки поля «{first}».",
        f'Error validating field "{first}": {fields[first]}',
        {"fields": fields},
    )


def install_error_handlers(app: FastAPI) -> None:
    async def on_domain_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        mapped = DOMAIN_ERRORS.get(exc.code)
        if mapped is None:
            return http_error_response(400, f"{exc.code.value}: {exc.entity}")
        return error_response(*mapped)

    async def on_telemost_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, TelemostError)
        return error_response(exc.status, exc.error, exc.message, exc.description, exc.details)

    async def on_validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _validation_response(exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = http_error_response(exc.status_code)
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    async def on_unexpected(_: Request, exc: Exception) -> Response:
        # Runs outside the request-id middleware (in Starlette's outermost layer), so it sets the header.
        response = http_error_response(500)
        response.headers[REQUEST_ID_HEADER] = new_request_id()
        return response

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(TelemostError, on_telemost_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
