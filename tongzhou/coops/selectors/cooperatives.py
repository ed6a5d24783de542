"""Reads of cooperatives and their bylaws, scoped on the cooperative's region code."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from tongzhou.core.errors import NotFound
from tongzhou.regions.scope import code_prefix_q, readable, require_read

from ..domain.bylaws import BylawsTerms, bylaws_in_force
from ..models import Bylaws, Cooperative


def cooperative_list(
    *, user, region_code: str | None = None, level: str | None = None
) -> QuerySet[Cooperative]:
    """Cooperatives the user may read, under `region_code` (the region itself and below), of one level."""
    qs = readable(Cooperative.objects.all(), user, field="region_code")
    if region_code:
        require_read(user, region_code)
        qs = qs.filter(code_prefix_q("region_code", region_code))
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("region_code", "name")


def cooperative_get(*, user, cooperative_id: int) -> Cooperative:
    try:
        cooperative = Cooperative.objects.get(pk=cooperative_id)
    except (Cooperative.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该合作社。", "No such cooperative.", details={"id": cooperative_id}) from None
    require_read(user, cooperative.region_code)
    return cooperative


def bylaws_versions(*, user, cooperative: Cooperative) -> QuerySet[Bylaws]:
    """Every bylaws version of the cooperative, newest first."""
    require_read(user, cooperative.region_code)
    return Bylaws.objects.filter(cooperative=cooperative).order_by("-effective_from")


def bylaws_for(*, user, cooperative: Cooperative, on_date: dt.date) -> Bylaws:
    """The bylaws version in force on `on_date`; past years keep the version they ran under."""
    require_read(user, cooperative.region_code)
    found = bylaws_in_force(Bylaws.objects.filter(cooperative=cooperative), on_date)
    if found is None:
        raise NotFound(
            f"合作社在{on_date.isoformat()}没有生效的章程。",
            f"The cooperative had no bylaws in force on {on_date.isoformat()}.",
            code="no_bylaws",
            details={"cooperative_id": cooperative.pk, "on_date": on_date.isoformat()},
        )
    return found


def bylaws_terms(bylaws: Bylaws) -> BylawsTerms:
    """The domain's terms of a bylaws row (the row was read through a scoped selector)."""
    return BylawsTerms.from_mapping({name: getattr(bylaws, name) for name in BylawsTerms.field_names()})
