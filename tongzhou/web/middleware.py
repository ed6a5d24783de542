"""Render a TongzhouError raised anywhere in a page view as the same translated error the API and CLI show."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

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
            referer = request.META.get("HTTP_REFERER", "")
            back_url = (
                referer
                if referer
                and referer != request.build_absolute_uri()
                and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()})
                else ""
            )
            context = {"error": exception, "status": exception.http_status, "back_url": back_url}
            return render(request, "web/error.html", context, status=exception.http_status)
        return None
