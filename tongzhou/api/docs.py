"""The API docs page at /api/v1/docs: django-ninja's Swagger UI, served from its own package files.

Nothing comes from a CDN: ninja would fall back to a CDN page because it is not an installed app, so the page
is our template and the four asset files are read from ninja's package and served here.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from ninja.openapi.docs import DocsBase

NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "css": "swagger-ui.css",
    "bundle": "swagger-ui-bundle.js",
    "init": "swagger-ui-init.js",
    "favicon": "favicon.png",
}


class OfflineSwagger(DocsBase):
    """Swagger UI with vendored assets; no validator badge (it would call validator.swagger.io)."""

    settings: dict[str, Any] = {"layout": "BaseLayout", "deepLinking": True, "validatorUrl": None}

    def render_page(self, request: HttpRequest, api, **kwargs: Any) -> HttpResponse:
        swagger_settings = dict(self.settings, url=self.get_openapi_url(api, kwargs))
        context = {
            "api": api,
            "swagger_settings": swagger_settings,
            "asset": {
                key: reverse(f"{api.urls_namespace}:docs-asset", args=[name]) for key, name in ASSETS.items()
            },
        }
        return render(request, "api/docs.html", context)


@require_GET
@cache_control(public=True, max_age=86400)
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSETS.values():
        raise Http404(name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse((NINJA_STATIC / name).open("rb"), content_type=content_type)
