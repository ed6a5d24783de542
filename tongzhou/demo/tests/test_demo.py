import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from tongzhou.accounts.models import Scope
from tongzhou.core.ids import parse_resident_id
from tongzhou.demo.generate import (
    BAIMA_NAME,
    COUNTIES,
    P_BIRTH,
    P_DISABILITY,
    P_ETHNICITY,
    P_ID,
    P_MIGRANT,
    P_RELATION,
    P_SEX,
    REFERENCE_DATE,
    REGISTER_CSV_COLUMNS,
    county_plan,
    iter_village_rows,
    plan,
    write_register_csv,
)
from tongzhou.demo.services import DEMO_PASSWORD, demo_build
from tongzhou.households.domain import PHONE_RE
from tongzhou.households.models import Household, Person
from tongzhou.regions.models import Region
from tongzhou.rollups.models import RegionRegisterFigures


def _flatten(seed, scale, county=None):
    households, persons = [], []
    for rows in iter_village_rows(seed, scale, county):
        households.extend(rows.households)
        for members in rows.persons:
            persons.extend(members)
    return households, persons


def _age(person) -> int:
    birth = dt.date.fromisoformat(person[P_BIRTH])
    return (
        REFERENCE_DATE.year
        - birth.year
        - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (birth.month, birth.day))
    )


def test_the_same_seed_gives_the_same_households_and_id_numbers():
    assert _flatten(7, "village") == _flatten(7, "village")


def test_another_seed_gives_other_households():
    assert _flatten(7, "village")[1] != _flatten(8, "village")[1]


def test_every_generated_id_number_is_valid_unique_and_agrees_with_birth_date_and_sex():
    _, persons = _flatten(3, "township")
    ids = [p[P_ID] for p in persons]
    assert len(ids) == len(set(ids))
    for p in persons:
        resident = parse_resident_id(p[P_ID], today=REFERENCE_DATE)
        assert resident.address_code == "520502"
        assert resident.birth_date.isoformat() == p[P_BIRTH]
        assert resident.sex == p[P_SEX]


def test_a_county_has_about_25_townships_and_462_villages_with_baima_first():
    county = county_plan(1, "520524")
    villages = [v for t in county.townships for v in t.villages]
    assert len(county.townships) == 25
    assert len(villages) == 462
    assert len({t.name for t in county.townships}) == 25
    assert county.townships[0].villages[0].name == BAIMA_NAME
    assert len(county.townships[0].villages) == 12
    assert all(t.name.endswith(("镇", "乡", "街道")) for t in county.townships)
    for township in county.townships:
        assert len(township.code) == 9 and township.code.startswith("520524")
        for village in township.villages:
            assert len(village.code) == 12 and village.code.startswith(township.code)
            assert all(len(g) == 15 and g.startswith(village.code) for g, _ in village.groups)
    households = sum(v.households for v in villages)
    assert 280_000 < households < 340_000


def test_the_prefecture_covers_the_eight_real_county_codes():
    assert [c.code for c in plan("prefecture", 1)] == list(COUNTIES)


def test_shares_of_poverty_migrants_elderly_and_ethnicities_are_realistic():
    households, persons = _flatten(5, "township")
    poor = [h for h in households if h[7] is not None]
    assert 0.25 <= len(poor) / len(households) <= 0.30
    exited = [h for h in poor if h[8] is not None]
    assert len(exited) / len(poor) > 0.9
    assert all(2016 <= h[8] <= 2020 and h[8] >= h[7] for h in exited)
    assert 3.3 <= len(persons) / len(households) <= 3.9
    working = [p for p in persons if 16 <= _age(p) < 60]
    assert 0.25 <= sum(p[P_MIGRANT] for p in working) / len(working) <= 0.30
    assert sum(_age(p) >= 60 for p in persons) / len(persons) >= 0.15
    assert sum(_age(p) < 16 for p in persons) / len(persons) >= 0.12
    assert 0.02 <= sum(p[P_DISABILITY] != "none" for p in persons) / len(persons) <= 0.08
    assert all(1 <= float(h[9]) <= 8 for h in households)
    assert all(PHONE_RE.match(h[6]) and len(h[6]) == 11 for h in households)
    ethnicities = Counter(p[P_ETHNICITY] for p in persons)
    assert ethnicities["汉族"] / len(persons) > 0.7
    assert {"彝族", "苗族", "回族", "布依族", "白族"} <= set(ethnicities)


def test_weining_has_more_yi_hui_and_miao_than_qixingguan():
    def minority_share(county):
        _, persons = _flatten(5, "village", county)
        return sum(p[P_ETHNICITY] in ("彝族", "回族", "苗族") for p in persons) / len(persons)

    assert minority_share("520526") > minority_share("520502")


def test_every_household_has_one_head_first_and_families_span_generations():
    _, persons = _flatten(2, "village")
    relations = Counter(p[P_RELATION] for p in persons)
    assert {"head", "spouse", "child", "parent", "grandchild", "child_in_law"} <= set(relations)
    for rows in iter_village_rows(2, "village"):
        for members in rows.persons:
            assert members[0][P_RELATION] == "head"
            assert sum(p[P_RELATION] == "head" for p in members) == 1


@pytest.mark.django_db
def test_the_demo_writes_consistent_codes_and_kept_figures():
    result = demo_build(scale="village", seed=11)
    assert result.villages == 1
    assert Household.objects.count() == result.households == 300
    assert Person.objects.count() == result.persons
    village = Region.objects.get(level="village")
    assert village.name == BAIMA_NAME
    for household in Household.objects.all()[:50]:
        assert household.county_code == household.village_code[:6]
        assert household.group_code.startswith(household.village_code)
        assert Region.objects.filter(code=household.group_code, level="group").exists()
        for person in household.persons.all():
            assert person.village_code == household.village_code
            assert person.county_code == household.county_code
            assert person.id_last4 == person.id_number[-4:]
    assert all(parse_resident_id(n) for n in Person.objects.values_list("id_number", flat=True))
    assert Household.objects.filter(persons__relation="head").count() == 300
    figures = RegionRegisterFigures.objects.get(region_code=village.code)
    assert figures.households == 300
    assert figures.persons == result.persons
    assert RegionRegisterFigures.objects.get(region_code="5205").persons == result.persons


@pytest.mark.django_db
def test_the_demo_in_the_database_matches_the_generator_for_the_same_seed():
    demo_build(scale="village", seed=4)
    _, persons = _flatten(4, "village")
    stored = list(Person.objects.order_by("id").values_list("id_number", "name", "relation"))
    assert stored == [(p[P_ID], p[0], p[P_RELATION]) for p in persons]


@pytest.mark.django_db
def test_the_demo_creates_one_login_per_role_with_its_scope():
    result = demo_build(scale="village", seed=1)
    scopes = {(s.user.username, s.role, s.region_code) for s in Scope.objects.select_related("user")}
    baima = result.users[0].region_code
    assert scopes == {
        ("cunkuaiji", "village_accountant", baima),
        ("shuji", "village_secretary", baima),
        ("xiangzhen", "township_officer", baima[:9]),
        ("xianji", "county_officer", baima[:6]),
        ("shenji", "auditor", baima[:6]),
        ("admin", "administrator", "5205"),
    }
    from django.contrib.auth import authenticate

    assert authenticate(username="cunkuaiji", password=DEMO_PASSWORD) is not None


@pytest.mark.django_db
def test_the_demo_refuses_a_database_with_households_unless_reset_is_given():
    call_command("demo", scale="village", seed=1, no_progress=True)
    persons = Person.objects.count()
    with pytest.raises(CommandError, match="demo_database_not_empty"):
        call_command("demo", scale="village", seed=1, no_progress=True)
    assert Person.objects.count() == persons
    call_command("demo", scale="village", seed=2, no_progress=True, reset=True)
    assert Household.objects.count() == 300
    assert Person.objects.count() != persons or Person.objects.first().name


def test_the_register_csv_has_one_row_per_person_and_household_columns_on_the_heads_row(tmp_path):
    path = tmp_path / "register.csv"
    written = write_register_csv(path, "village", 9)
    _, persons = _flatten(9, "village")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert written == len(rows) == len(persons)
    assert tuple(rows[0]) == REGISTER_CSV_COLUMNS
    assert [r["身份证号码"] for r in rows] == [p[P_ID] for p in persons]
    heads = [r for r in rows if r["与户主关系"] == "户主"]
    assert len(heads) == 300
    assert all(len(r["村民组"]) == 3 and r["住址"] and r["联系电话"] for r in heads)
    others = [r for r in rows if r["与户主关系"] != "户主"]
    assert all(r["住址"] == "" and r["联系电话"] == "" and r["承包地面积（亩）"] == "" for r in others)
    assert all(r["村代码"] and r["户编号"] for r in rows)
    assert {r["性别"] for r in rows} == {"男", "女"}
    assert {r["是否外出务工"] for r in rows} == {"是", "否"}


def test_the_register_csv_limit_stops_at_a_household_boundary(tmp_path):
    path = tmp_path / "register.csv"
    written = write_register_csv(path, "village", 9, limit=100)
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert 90 <= written == len(rows) <= 100
    assert rows[-1]["户编号"] != "" and rows[0]["与户主关系"] == "户主"


def test_an_unknown_county_or_a_county_at_prefecture_scale_is_refused():
    from tongzhou.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        plan("county", 1, "520599")
    with pytest.raises(InvalidInput):
        plan("prefecture", 1, "520521")


@pytest.mark.django_db(transaction=True)
def test_make_demo_leaves_an_existing_register_alone():
    out = io.StringIO()
    call_command("demo", "--scale", "village", "--no-progress", stdout=out)
    before = Household.objects.count()
    out = io.StringIO()
    call_command("demo", "--scale", "village", "--no-progress", "--if-empty", "--seed", "7", stdout=out)
    assert Household.objects.count() == before
    assert "cunkuaiji" in out.getvalue() and "skipped" in out.getvalue()
