"""The import panel of a cooperative tab: `{% coop_import_panel "members" as panel %}`."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def coop_import_panel(kind: str) -> dict[str, Any]:
    from tongzhou.web.views_coop_imports import import_panel

    return import_panel(kind)
