"""One error format for the whole API: {"error": {"code", "message", "details"}}, in the request's language.

Every failure is rendered as a TongzhouError, whose message is Chinese or English after the language that
Django's LocaleMiddleware activated from Accept-Language (zh → 简体中文, en → English).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from tongzhou.core.errors import ImportRejected, NotFound, ScopeDenied, TongzhouError

logger = logging.getLogger("tongzhou.api")


class Unauthenticated(TongzhouError):
    code = "unauthenticated"
    http_status = 401

    def __init__(self) -> None:
        super().__init__(
            "请先登录，或在 Authorization 请求头中提供有效的 API 令牌（Bearer tz_…）。",
            "Log in, or send a valid API token in the Authorization header (Bearer tz_…).",
        )


SHOWN_IMPORT_ERRORS = 50


class UploadTooLarge(TongzhouError):
    code = "too_large"
    http_status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"文件过大（上限 {limit:,} 字节），未读取。",
            f"The file is too large (the limit is {limit:,} bytes); it was not read.",
            details={"limit_bytes": limit},
        )


def shown_rejection(exc: ImportRejected) -> ImportRejected:
    """A rejected file's error as the API answers it: its first 50 errors, and how many there were in all."""
    errors = exc.details.get("errors", [])
    details = {
        **exc.details,
        "errors": errors[:SHOWN_IMPORT_ERRORS],
        "error_count": exc.details.get("error_count", len(errors)),
    }
    return ImportRejected(exc.message_zh, exc.message_en, code=exc.code, details=details)


class RequestInvalid(TongzhouError):
    """The request does not fit the API's schema (a wrong type, a missing or unknown field)."""

    code = "validation_error"
    http_status = 422

    def __init__(self, details: list[dict[str, Any]]) -> None:
        super().__init__(
            "请求数据不符合接口要求。", "The request does not fit the API's schema.", details=details
        )


class ServerError(TongzhouError):
    code = "server_error"
    http_status = 500

    def __init__(self) -> None:
        super().__init__(
            "服务器内部错误，请稍后再试或联系管理员。",
            "Internal server error; try again later or ask the administrator.",
        )


def no_such_path(path: str) -> NotFound:
    return NotFound("没有这个接口。", "There is no such API path.", details={"path": path})


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep where and what of each pydantic error; drop the echoed input, which may hold an ID number."""
    return [{"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in errors]


def install_error_handlers(api: NinjaAPI) -> None:
    """Render every failure of the API in the one error format."""

    def respond(request: HttpRequest, exc: TongzhouError) -> HttpResponse:
        response = api.create_response(request, exc.as_dict(), status=exc.http_status)
        if exc.http_status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="tongzhou"'
        return response

    @api.exception_handler(TongzhouError)
    def tongzhou_error(request: HttpRequest, exc: TongzhouError) -> HttpResponse:
        return respond(request, exc)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, RequestInvalid(_validation_details(exc.errors)))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, Unauthenticated())

    @api.exception_handler(AuthorizationError)
    def authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return respond(request, ScopeDenied())

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(
            request, TongzhouError(str(exc), str(exc), code="http_error", http_status=exc.status_code)
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, no_such_path(request.path))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API request %s %s failed", request.method, request.path)
        return respond(request, ServerError())
