"""Answer a wrong HTTP method under /api/ in the API's error format, like every other API error."""

from __future__ import annotations

from django.http import JsonResponse

from tongzhou.core.errors import TongzhouError


class MethodNotAllowed(TongzhouError):
    code = "method_not_allowed"
    http_status = 405


class ApiMethodNotAllowedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            error = MethodNotAllowed(
                f"该地址不接受 {request.method} 请求（可用：{allowed}）。",
                f"This address does not accept {request.method} (allowed: {allowed}).",
                details={
                    "method": request.method,
                    "allowed": [m.strip() for m in allowed.split(",") if m.strip()],
                },
            )
            replaced = JsonResponse(error.as_dict(), status=405, json_dumps_params={"ensure_ascii": False})
            if allowed:
                replaced["Allow"] = allowed
            return replaced
        return response
