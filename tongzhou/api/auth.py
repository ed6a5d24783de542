"""Who is calling: a per-user API token (Authorization: Bearer tz_…) or the logged-in web session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from tongzhou.accounts.services import api_token_authenticate
from tongzhou.core.errors import TongzhouError


class CsrfFailed(TongzhouError):
    code = "csrf_failed"
    http_status = 403

    def __init__(self) -> None:
        super().__init__(
            "CSRF 校验失败：网页会话调用接口时须带 X-CSRFToken 请求头。",
            "CSRF check failed: calls made with the web session need the X-CSRFToken header.",
        )


class TokenAuth(HttpBearer):
    """A per-user API token created on the web page /tokens/ or with `tongzhou token create`."""

    openapi_description = "个人 API 令牌 / Personal API token: `Authorization: Bearer tz_…`"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token.strip())
        if user is not None:
            request.user = user
        return user


class WebSessionAuth(APIKeyCookie):
    """The logged-in web session. Unsafe methods need the CSRF token, as for any form of the web."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = (
        "网页登录会话（写操作须带 X-CSRFToken）/ Web session cookie (writes need X-CSRFToken)"
    )

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if not key:
            # No session: leave the CSRF question unasked so the caller gets 401, not 403.
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed()
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if key and user is not None and user.is_authenticated and user.is_active:
            return user
        return None


token_auth = TokenAuth()
session_auth = WebSessionAuth()
