"""The coverage figures the membership and share services keep agree with a rebuild from the source tables."""

import datetime as dt

import pytest

from tongzhou.coops.services.cooperatives import cooperative_create
from tongzhou.coops.services.membership import member_apply, member_approve
from tongzhou.coops.services.shares import share_class_create, share_subscribe
from tongzhou.coops.testing import credit_code
from tongzhou.core.testing import TOWNSHIP, VILLAGE_A, build_household
from tongzhou.rollups.coverage import coop_figures_rebuild
from tongzhou.rollups.models import RegionCoopFigures


def _snapshot():
    fields = [f.name for f in RegionCoopFigures._meta.fields if f.name not in ("region_code", "updated_at")]
    rows = {r.region_code: {f: getattr(r, f) for f in fields} for r in RegionCoopFigures.objects.all()}
    # A region without a row and a row of zeros say the same thing.
    return {code: figures for code, figures in rows.items() if any(figures.values())}


@pytest.mark.django_db
def test_a_cadre_admits_two_households_and_their_shares_show_in_the_kept_figures(personas):
    poor = build_household(
        number="0001", head_name="王大山", poverty_registered_year=2015, poverty_exit_year=2019
    )
    other = build_household(number="0002", head_name="李二")
    coop = cooperative_create(
        user=personas.cadre_a, name="白马村蚕桑专业合作社", credit_code=credit_code(), level="village",
        legal_form="farmers_cooperative", region_code=VILLAGE_A, founded_on=dt.date(2017, 4, 1),
        industry="sericulture",
    )  # fmt: skip
    cash = share_class_create(
        user=personas.cadre_a, cooperative=coop, kind="cash", name="现金股", unit_value_fen=100_00
    )
    for household in (poor, other):
        member = member_apply(
            user=personas.cadre_a, cooperative=coop, household=household, applied_on="2017-04-01"
        )
        member = member_approve(user=personas.cadre_a, member=member, joined_on="2017-04-02")
        share_subscribe(
            user=personas.cadre_a,
            member=member,
            share_class=cash,
            units="12.5",
            on=dt.date(2017, 4, 2),
            reason="入股",
        )

    village = RegionCoopFigures.objects.get(region_code=VILLAGE_A)
    assert (village.cooperatives, village.members, village.registered_poor_members) == (1, 2, 1)
    assert village.share_capital_fen == 2 * 1_250_00
    assert RegionCoopFigures.objects.get(region_code=TOWNSHIP).share_capital_fen == 2 * 1_250_00
    kept = _snapshot()
    coop_figures_rebuild()
    assert _snapshot() == kept
