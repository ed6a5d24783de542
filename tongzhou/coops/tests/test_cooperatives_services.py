"""Registering cooperatives and adopting bylaws; reading them, scoped with the personas."""

import datetime as dt

import pytest

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.models import Bylaws, Cooperative
from tongzhou.coops.selectors.cooperatives import (
    bylaws_for,
    bylaws_terms,
    bylaws_versions,
    cooperative_get,
    cooperative_list,
)
from tongzhou.coops.services.cooperatives import bylaws_adopt, cooperative_create, cooperative_update
from tongzhou.coops.testing import build_bylaws, build_cooperative, credit_code
from tongzhou.core.errors import Conflict, InvalidInput, NotFound, ScopeDenied
from tongzhou.core.testing import COUNTY, TOWNSHIP, VILLAGE_A, VILLAGE_B, build_household

TERMS = {
    "reserve_rate_bp": 1000,
    "patronage_share_bp": 6000,
    "patronage_transaction_kinds": ["sale_to_coop"],
    "remainder_split": {"members": 6000, "collective": 2500, "management": 1500},
}


def create(user, **overrides):
    data = {
        "name": "白马村蚕桑专业合作社",
        "credit_code": credit_code(),
        "level": "village",
        "legal_form": "farmers_cooperative",
        "region_code": VILLAGE_A,
        "founded_on": "2017-04-01",
        "industry": "sericulture",
    }
    data.update(overrides)
    return cooperative_create(user=user, **data)


@pytest.mark.django_db
def test_cadre_registers_the_village_cooperative_with_a_valid_credit_code(personas):
    head = build_household().persons.get()
    coop = create(personas.cadre_a, chairperson=head, board=[{"name": "李四", "position": "监事"}])
    assert (coop.level, coop.region_code, coop.county_code) == ("village", VILLAGE_A, COUNTY)
    assert coop.founded_on == dt.date(2017, 4, 1)
    assert coop.chairperson_name == head.name
    assert AuditEvent.objects.filter(action="cooperative.create", object_id=str(coop.pk)).exists()


@pytest.mark.django_db
def test_township_officer_registers_the_union_and_county_officer_the_platform(personas):
    union = create(personas.township, level="township", region_code=TOWNSHIP, name="同舟镇联合社")
    platform = create(
        personas.county, level="county", legal_form="company", region_code=COUNTY, name="平台公司"
    )
    assert (union.level, platform.level) == ("township", "county")


@pytest.mark.django_db
def test_a_credit_code_with_a_wrong_check_character_is_refused_and_nothing_is_written(personas):
    good = credit_code()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as excinfo:
        create(personas.cadre_a, credit_code=bad)
    assert excinfo.value.code == "uscc_check_char"
    assert "credit_code" in excinfo.value.details["fields"]
    assert not Cooperative.objects.exists()


@pytest.mark.django_db
def test_a_credit_code_already_registered_is_refused(personas):
    code = credit_code()
    create(personas.cadre_a, credit_code=code)
    with pytest.raises(Conflict):
        create(personas.cadre_a, credit_code=code, name="另一个合作社")
    assert Cooperative.objects.count() == 1


@pytest.mark.django_db
def test_a_region_code_that_does_not_fit_the_level_or_does_not_exist_is_refused(personas):
    with pytest.raises(InvalidInput) as excinfo:
        create(personas.county, level="township", region_code=VILLAGE_A)
    assert excinfo.value.code == "region_code_level"
    with pytest.raises(InvalidInput) as excinfo:
        create(personas.township, region_code=TOWNSHIP + "299")
    assert excinfo.value.code == "unknown_region"
    assert not Cooperative.objects.exists()


@pytest.mark.django_db
def test_only_users_who_may_write_the_region_register_a_cooperative(personas):
    for user in (personas.cadre_b, personas.auditor, personas.outsider):
        with pytest.raises(ScopeDenied):
            create(user)
    with pytest.raises(ScopeDenied):
        create(personas.cadre_a, level="township", region_code=TOWNSHIP)
    assert not Cooperative.objects.exists()


@pytest.mark.django_db
def test_update_changes_the_name_and_refuses_the_region_and_other_villages(personas):
    coop = build_cooperative()
    cooperative_update(user=personas.cadre_a, cooperative=coop, name="白马村股份经济合作社", industry="tea")
    coop.refresh_from_db()
    assert (coop.name, coop.industry) == ("白马村股份经济合作社", "tea")
    with pytest.raises(InvalidInput):
        cooperative_update(user=personas.cadre_a, cooperative=coop, region_code=VILLAGE_B)
    with pytest.raises(ScopeDenied):
        cooperative_update(user=personas.cadre_b, cooperative=coop, name="x")
    with pytest.raises(ScopeDenied):
        cooperative_update(user=personas.auditor, cooperative=coop, name="x")
    coop.refresh_from_db()
    assert coop.region_code == VILLAGE_A and coop.name == "白马村股份经济合作社"


@pytest.mark.django_db
def test_cooperatives_are_listed_within_each_personas_scope(personas):
    a = build_cooperative(region_code=VILLAGE_A, name="A社")
    b = build_cooperative(region_code=VILLAGE_B, name="B社")
    union = build_cooperative(region_code=TOWNSHIP, level="township", name="联合社")
    assert list(cooperative_list(user=personas.cadre_a)) == [a]
    assert list(cooperative_list(user=personas.cadre_b)) == [b]
    assert set(cooperative_list(user=personas.township)) == {a, b, union}
    assert set(cooperative_list(user=personas.auditor)) == {a, b, union}
    assert list(cooperative_list(user=personas.county, level="township")) == [union]
    assert list(cooperative_list(user=personas.county, region_code=VILLAGE_B)) == [b]
    assert list(cooperative_list(user=personas.outsider)) == []
    with pytest.raises(ScopeDenied):
        cooperative_list(user=personas.cadre_a, region_code=VILLAGE_B)
    assert cooperative_get(user=personas.cadre_a, cooperative_id=a.pk) == a
    with pytest.raises(ScopeDenied):
        cooperative_get(user=personas.cadre_a, cooperative_id=b.pk)
    with pytest.raises(ScopeDenied):
        cooperative_get(user=personas.outsider, cooperative_id=a.pk)
    with pytest.raises(NotFound):
        cooperative_get(user=personas.county, cooperative_id=0)


@pytest.mark.django_db
def test_bylaws_are_adopted_and_the_version_in_force_follows_the_date(personas):
    coop = build_cooperative()
    first = bylaws_adopt(
        user=personas.cadre_a, cooperative=coop, effective_from="2017-04-01", adopted_on="2017-03-20", **TERMS
    )
    second = bylaws_adopt(
        user=personas.secretary_a,
        cooperative=coop,
        effective_from=dt.date(2022, 1, 1),
        adopted_on=dt.date(2021, 12, 15),
        **{**TERMS, "patronage_share_bp": 7000},
    )
    assert bylaws_for(user=personas.auditor, cooperative=coop, on_date=dt.date(2021, 12, 31)) == first
    assert bylaws_for(user=personas.cadre_a, cooperative=coop, on_date=dt.date(2022, 1, 1)) == second
    assert bylaws_terms(second).patronage_share_bp == 7000
    assert list(bylaws_versions(user=personas.township, cooperative=coop)) == [second, first]
    with pytest.raises(NotFound):
        bylaws_for(user=personas.cadre_a, cooperative=coop, on_date=dt.date(2017, 3, 31))
    for user in (personas.cadre_b, personas.outsider):
        with pytest.raises(ScopeDenied):
            bylaws_versions(user=user, cooperative=coop)
        with pytest.raises(ScopeDenied):
            bylaws_for(user=user, cooperative=coop, on_date=dt.date(2022, 1, 1))


@pytest.mark.django_db
def test_bylaws_with_59_99_percent_patronage_are_refused_and_nothing_is_written(personas):
    coop = build_cooperative()
    with pytest.raises(InvalidInput) as excinfo:
        bylaws_adopt(
            user=personas.cadre_a,
            cooperative=coop,
            effective_from="2018-01-01",
            adopted_on="2017-12-01",
            **{**TERMS, "patronage_share_bp": 5999},
        )
    assert excinfo.value.details["fields"]["patronage_share_bp"]["article"] == "农民专业合作社法 Art. 44"
    assert not Bylaws.objects.exists()


@pytest.mark.django_db
def test_bylaws_may_not_start_in_a_closed_year_nor_before_the_latest_version(personas):
    coop = build_cooperative()
    build_bylaws(coop, effective_from=dt.date(2017, 4, 1))
    Cooperative.objects.filter(pk=coop.pk).update(closed_through_year=2023)
    with pytest.raises(InvalidInput) as excinfo:
        bylaws_adopt(
            user=personas.cadre_a,
            cooperative=coop,
            effective_from="2023-07-01",
            adopted_on="2023-06-01",
            **TERMS,
        )
    assert excinfo.value.code == "year_closed"
    build_bylaws(coop, effective_from=dt.date(2024, 1, 1))
    with pytest.raises(Conflict) as excinfo:
        bylaws_adopt(
            user=personas.cadre_a,
            cooperative=coop,
            effective_from="2024-01-01",
            adopted_on="2023-12-01",
            **TERMS,
        )
    assert excinfo.value.code == "bylaws_not_latest"
    assert Bylaws.objects.filter(cooperative=coop).count() == 2


@pytest.mark.django_db
def test_only_writers_of_the_village_adopt_its_bylaws(personas):
    coop = build_cooperative()
    for user in (personas.cadre_b, personas.auditor, personas.outsider):
        with pytest.raises(ScopeDenied):
            bylaws_adopt(
                user=user, cooperative=coop, effective_from="2018-01-01", adopted_on="2017-12-01", **TERMS
            )
    bylaws_adopt(
        user=personas.township,
        cooperative=coop,
        effective_from="2018-01-01",
        adopted_on="2017-12-01",
        **TERMS,
    )
    assert Bylaws.objects.count() == 1
