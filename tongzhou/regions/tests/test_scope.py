"""Deny by default: each persona reads and writes exactly its subtree."""

import pytest

from tongzhou.core.errors import ScopeDenied
from tongzhou.core.testing import COUNTY, TOWNSHIP, VILLAGE_A, VILLAGE_B, VILLAGE_C, build_household
from tongzhou.households.selectors import household_list
from tongzhou.regions.scope import access_for, require_write
from tongzhou.regions.selectors import region_children, region_get, region_roots


@pytest.mark.django_db
def test_village_cadre_reads_and_writes_only_their_village(personas):
    access = access_for(personas.cadre_a)
    assert access.can_read(VILLAGE_A) and access.can_write(VILLAGE_A)
    assert not access.can_read(VILLAGE_B)
    assert not access.can_read(TOWNSHIP)


@pytest.mark.django_db
def test_township_officer_covers_both_villages_but_not_the_other_township(personas):
    access = access_for(personas.township)
    assert access.can_write(VILLAGE_A) and access.can_write(VILLAGE_B)
    assert not access.can_read(VILLAGE_C)


@pytest.mark.django_db
def test_auditor_reads_the_county_and_writes_nothing(personas):
    access = access_for(personas.auditor)
    assert access.can_read(VILLAGE_C)
    with pytest.raises(ScopeDenied):
        require_write(personas.auditor, VILLAGE_C)


@pytest.mark.django_db
def test_user_without_scope_and_anonymous_see_nothing(personas):
    from django.contrib.auth.models import AnonymousUser

    build_household(village_code=VILLAGE_A)
    assert household_list(user=personas.outsider).count() == 0
    assert household_list(user=AnonymousUser()).count() == 0
    assert access_for(AnonymousUser()).read == ()


@pytest.mark.django_db
def test_household_lists_are_scoped_per_persona(personas):
    build_household(village_code=VILLAGE_A, number="0001")
    build_household(village_code=VILLAGE_B, number="0001")
    build_household(village_code=VILLAGE_C, number="0001")
    assert {h.village_code for h in household_list(user=personas.cadre_a)} == {VILLAGE_A}
    assert {h.village_code for h in household_list(user=personas.township)} == {VILLAGE_A, VILLAGE_B}
    assert household_list(user=personas.county).count() == 3
    assert household_list(user=personas.admin).count() == 3
    with pytest.raises(ScopeDenied):
        list(household_list(user=personas.cadre_a, region_code=VILLAGE_B))


@pytest.mark.django_db
def test_navigation_leads_a_cadre_down_to_their_village_only(personas):
    assert [r.code for r in region_roots(user=personas.cadre_a)] == [VILLAGE_A]
    # From the county page a village cadre sees only the branch that leads to their village.
    assert [r.code for r in region_children(user=personas.cadre_a, code=COUNTY)] == [TOWNSHIP]
    assert [r.code for r in region_children(user=personas.cadre_a, code=TOWNSHIP)] == [VILLAGE_A]
    assert region_get(user=personas.cadre_a, code=COUNTY).name == "七星关区"
    with pytest.raises(ScopeDenied):
        region_get(user=personas.cadre_a, code=VILLAGE_B)


def test_code_prefixes_become_ranges_that_match_exactly_the_descendants():
    from tongzhou.regions.scope import _next_code

    assert _next_code("520502") == "520503"
    assert _next_code("520509") == "520510"
    assert _next_code("5299") == "5300"
    assert _next_code("99") is None  # falls back to a LIKE
    codes = ["52", "5205", "520502", "520502100201", "520503", "5206", "520"]
    lower, upper = "5205", _next_code("5205")
    assert [c for c in codes if lower <= c < upper] == [c for c in codes if c.startswith("5205")]
