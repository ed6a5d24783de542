"""Render a TongzhouError raised anywhere in a page view as the same translated error the API and CLI show."""

from __future__ import annotations

from django.shortcuts import render

from tongzhou.core.errors import TongzhouError


class TongzhouErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, TongzhouError):
            return render(request, "web/error.html", {"error": exception}, status=exception.http_status)
        return None
