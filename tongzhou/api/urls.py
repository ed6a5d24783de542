"""/api/v1/: the NinjaAPI's routes, the docs assets, and a 404 in the API's error format for anything else."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path

from .api import api
from .docs import docs_asset
from .errors import no_such_path


def unknown_path(request: HttpRequest, rest: str = "") -> JsonResponse:
    error = no_such_path(request.path)
    return JsonResponse(error.as_dict(), status=404, json_dumps_params={"ensure_ascii": False})


ninja_patterns, _app_name, namespace = api.urls
app_name = namespace

urlpatterns = [
    *ninja_patterns,
    path("docs/assets/<str:name>", docs_asset, name="docs-asset"),
    re_path(r"^(?P<rest>.*)$", unknown_path),
]
