"""`{% runs_batch_panel region.code year as batch %}`: what the region's batch card shows — for a user who may write
the region, how many runs of the year wait to be posted (approved) and to be paid (posted); None for a reader."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count

from tongzhou.distribution.models import DistributionRun, RunStatus
from tongzhou.regions.scope import access_for, code_prefix_q

register = template.Library()


@register.simple_tag(takes_context=True)
def runs_batch_panel(context: template.Context, code: str, year: int) -> dict[str, Any] | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not access_for(user).can_write(code):
        return None
    counts = dict.fromkeys(RunStatus.values, 0)
    counts.update(
        DistributionRun.objects.filter(code_prefix_q("region_code", code), year=year, reverses__isnull=True)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return {"approved": counts[RunStatus.APPROVED], "posted": counts[RunStatus.POSTED]}
