"""The control API's own error envelope: ``{"error": <code>, "message": <text>[, "details": ...]}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.platform.routing import allowed_methods


class ControlErrorBody(BaseModel):
    error: str
    message: str
    details: Any = None


class ControlError(Exception):
    def __init__(self, status: int, error: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = details


def error_json(status: int, error: str, message: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status)


# Domain error code -> (status, error). The control plane sees every tenant, so OTHER_TENANT is a 404 here.
DOMAIN_STATUS: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.NOT_FOUND: (404, "not_found"),
    ErrorCode.OTHER_TENANT: (404, "not_found"),
    ErrorCode.NOT_IN_ORGANIZATION: (403, "not_in_organization"),
    ErrorCode.FEATURE_NOT_IN_PLAN: (402, "feature_not_in_plan"),
    ErrorCode.INVALID_TRANSITION: (409, "invalid_transition"),
    ErrorCode.CONFLICT: (409, "conflict"),
    ErrorCode.LIMIT_REACHED: (409, "limit_reached"),
    ErrorCode.INVALID: (400, "invalid"),
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
}


def domain_error_message(exc: DomainError) -> str:
    facts = ", ".join(f"{key}={value}" for key, value in exc.details.items())
    text = f"{exc.entity or 'object'}: {exc.code.value}"
    return f"{text} ({facts})" if facts else text


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ControlError)
    async def control_error(_: Request, exc: ControlError) -> JSONResponse:
        return error_json(exc.status, exc.error, exc.message, exc.details)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        status, error = DOMAIN_STATUS[exc.code]
        return error_json(status, error, domain_error_message(exc), dict(exc.details) or None)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "location": ".".join(str(part) for part in err.get("loc", ())),
                "message": str(err.get("msg", "invalid value")),
            }
            for err in exc.errors()
        ]
        return error_json(400, "invalid_request", "The request does not match the control API.", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        response = error_json(exc.status_code, code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response
