import io

import pytest
from django.core.management import call_command

from tongzhou.core.testing import VILLAGE_A, VILLAGE_B, VILLAGE_C, build_household, build_regions
from tongzhou.rollups.models import RegionRegisterFigures
from tongzhou.rollups.services import FIGURE_FIELDS


def _snapshot():
    return {
        r.region_code: tuple(getattr(r, f) for f in FIGURE_FIELDS)
        for r in RegionRegisterFigures.objects.all()
    }


@pytest.mark.django_db
def test_kept_figures_agree_with_a_rebuild_from_the_register():
    build_regions()
    build_household(
        village_code=VILLAGE_A, number="1", members=3, poverty_registered_year=2015, poverty_exit_year=2019
    )
    build_household(village_code=VILLAGE_B, number="1", members=1, poverty_registered_year=2016)
    build_household(village_code=VILLAGE_C, number="1")
    kept = _snapshot()
    call_command("rebuild_rollups", stdout=io.StringIO())
    rebuilt = _snapshot()
    for code, figures in kept.items():
        assert rebuilt[code] == figures, code
    county = RegionRegisterFigures.objects.get(region_code="520502")
    assert (
        county.households,
        county.persons,
        county.registered_poor_households,
        county.exited_poverty_households,
    ) == (3, 7, 2, 1)
    assert county.villages == 3
    assert county.women == 4
