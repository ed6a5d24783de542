"""Reads of a user's own account data: their scopes and their API tokens. A user reads only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiToken, Scope


def scope_list(*, user) -> QuerySet[Scope]:
    """The scopes (region + role) the user holds; none for an anonymous visitor."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope.objects.none()
    return Scope.objects.filter(user=user).order_by("region_code", "role")


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first (revoked ones included, marked by revoked_at)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at")
