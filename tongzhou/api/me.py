"""Who am I: the caller, their scopes and roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from tongzhou.accounts.roles import Role
from tongzhou.regions.models import Region
from tongzhou.regions.scope import access_for

from .schemas import Error, MeOut

router = Router(tags=["当前用户 Me"])


@router.get(
    "/me",
    response={200: MeOut, 401: Error},
    summary="当前用户 / The caller",
    description="当前用户、其权限范围（地区+角色）及可查看、可修改的最上级地区。\n\n"
    "The caller, their scopes (region + role) and the topmost regions they may read and write.",
)
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.auth
    access = access_for(user)
    scopes = list(user.scopes.order_by("region_code", "role").values_list("region_code", "role"))
    names = dict(Region.objects.filter(code__in={code for code, _ in scopes}).values_list("code", "name"))
    labels = dict(Role.choices)
    return {
        "user": {
            "id": user.pk,
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "is_superuser": user.is_superuser,
        },
        "scopes": [
            {
                "region_code": code,
                "region_name": names.get(code, ""),
                "role": role,
                "role_label": str(labels.get(role, role)),
            }
            for code, role in scopes
        ],
        "roles": sorted({role for _, role in scopes}),
        "read_roots": [""] if access.everything else list(access.read_roots()),
        "write_roots": [""] if access.everything else sorted(access.write),
    }
