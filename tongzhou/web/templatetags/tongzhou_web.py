"""Template helpers for the pages: figures with thousand separators, dates, and field errors in the active language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import translation

register = template.Library()


def _english() -> bool:
    return (translation.get_language() or "zh-hans").lower().startswith("en")


@register.filter
def figure(value: Any) -> str:
    """An integer count with thousand separators: 12,345 (the way statistical tables print it in Chinese too)."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def ymd(value: Any) -> str:
    """A date as YYYY-MM-DD whatever the language; datetimes in local time."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


@register.filter
def field_message(error: Any) -> str:
    """One field error from a service's InvalidInput.details["fields"], in the active language."""
    if isinstance(error, dict):
        key = "message_en" if _english() else "message_zh"
        return str(error.get(key) or error.get("message_zh") or error.get("message_en") or "")
    return str(error)


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagination links that keep the filters)."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else None
    if params is None:
        from django.http import QueryDict

        params = QueryDict(mutable=True)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def user_scopes(context: template.Context) -> list[str]:
    """The signed-in user's scopes as "role · region" labels for the top bar."""
    from tongzhou.accounts import selectors as account_selectors
    from tongzhou.accounts.roles import Role
    from tongzhou.regions import selectors as region_selectors

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return [str(translation.gettext("系统管理员（全部地区）"))]
    scopes = list(account_selectors.scope_list(user=user).values_list("region_code", "role"))
    codes = {code for code, _role in scopes}
    names = dict(region_selectors.region_list(user=user).filter(code__in=codes).values_list("code", "name"))
    labels = {value: label for value, label in Role.choices}
    return [f"{labels.get(role, role)} · {names.get(code, code)}" for code, role in scopes]


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template, or "" when absent."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
