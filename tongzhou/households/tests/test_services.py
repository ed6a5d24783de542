import pytest

from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.core.testing import VILLAGE_A, VILLAGE_B, build_household, person_id
from tongzhou.households.services import household_create, person_create
from tongzhou.rollups.models import RegionRegisterFigures


@pytest.mark.django_db
def test_cadre_registers_a_household_and_its_head_in_their_village(personas):
    household = household_create(
        user=personas.cadre_a,
        village_code=VILLAGE_A,
        number="0100",
        phone="13912345678",
        poverty_registered_year="2015",
        poverty_exit_year="2019",
        contracted_land_mu="3.5",
    )
    person_create(
        user=personas.cadre_a, household=household, name="李四", id_number=person_id(), relation="户主"
    )
    household.refresh_from_db()
    assert household.head_name == "李四"
    figures = RegionRegisterFigures.objects.get(region_code=VILLAGE_A)
    assert (figures.households, figures.persons, figures.registered_poor_households) == (1, 1, 1)
    assert RegionRegisterFigures.objects.get(region_code="5205").persons == 1


@pytest.mark.django_db
def test_cadre_of_another_village_cannot_register_there(personas):
    with pytest.raises(ScopeDenied):
        household_create(user=personas.cadre_b, village_code=VILLAGE_A, number="0100")


@pytest.mark.django_db
def test_auditor_reads_but_cannot_write(personas):
    with pytest.raises(ScopeDenied):
        household_create(user=personas.auditor, village_code=VILLAGE_B, number="0100")


@pytest.mark.django_db
def test_id_number_already_in_another_household_is_refused(personas):
    first = build_household(number="0001")
    second = build_household(number="0002", village_code=VILLAGE_B)
    taken = first.persons.get().id_number
    with pytest.raises(Conflict):
        person_create(user=personas.cadre_b, household=second, name="张三", id_number=taken, relation="子女")


@pytest.mark.django_db
def test_wrong_check_digit_and_mismatched_sex_are_refused_and_nothing_is_written(personas):
    household = build_household()
    good = person_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as excinfo:
        person_create(user=personas.cadre_a, household=household, name="张三", id_number=bad, relation="子女")
    assert "id_number" in excinfo.value.details["fields"]
    female_id = person_id(sex="F")
    with pytest.raises(InvalidInput):
        person_create(
            user=personas.cadre_a,
            household=household,
            name="张三",
            id_number=female_id,
            sex="男",
            relation="子女",
        )
    assert household.persons.count() == 1
