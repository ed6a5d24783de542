"""Writes for users, scopes, API tokens and the audit trail."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tongzhou.core.errors import InvalidInput, NotFound

from .models import ApiToken, AuditEvent, Scope
from .roles import Role

TOKEN_PREFIX = "tz_"


def audit_record(
    *,
    user,
    action: str,
    obj: Any = None,
    region_code: str = "",
    via: str = "web",
    details: dict | None = None,
) -> None:
    AuditEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or ""),
        region_code=region_code,
        via=via,
        details=details or {},
    )


@transaction.atomic
def user_create(*, username: str, password: str, full_name: str = "", is_superuser: bool = False):
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise InvalidInput(
            f"用户名 {username} 已存在。", f"The username {username} is taken.", code="username_taken"
        )
    user = User(
        username=username, first_name=full_name[:150], is_superuser=is_superuser, is_staff=is_superuser
    )
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def scope_grant(*, user, region_code: str, role: str) -> Scope:
    """Give a user a role over a region and everything under it."""
    from tongzhou.regions.models import Region

    if role not in Role.values:
        raise InvalidInput(
            f"未知角色 {role}。", f"Unknown role {role}.", code="unknown_role", details={"role": role}
        )
    if not Region.objects.filter(code=region_code).exists():
        raise NotFound(
            f"地区 {region_code} 不存在。",
            f"The region {region_code} does not exist.",
            details={"code": region_code},
        )
    scope, _ = Scope.objects.get_or_create(user=user, region_code=region_code, role=role)
    if hasattr(user, "_tongzhou_access"):
        del user._tongzhou_access
    return scope


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plain token is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("令牌名称不能为空。", "The token needs a name.", code="token_name_required")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=plain[:10], key_hash=_hash(plain))
    audit_record(user=user, action="api_token.create", obj=token)
    return token, plain


def api_token_authenticate(plain: str):
    """The active user owning this token, or None."""
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user").filter(key_hash=_hash(plain), revoked_at__isnull=True).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, user, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound("找不到该令牌。", "No such token.", details={"id": token_id})
    audit_record(user=user, action="api_token.revoke", details={"token_id": token_id})
