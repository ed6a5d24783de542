"""The cascade API (利益链) on the small county of the cascade's database test: computing it with the platform's
surplus given, reading it from the county, a township and a village (each its own part), the households paged and
searched, one household's paths adding up to its total; every refusal in the one error format, nothing written."""

from __future__ import annotations

import pytest

from tongzhou.core.testing import COUNTY, TOWNSHIP, VILLAGE_A, VILLAGE_B
from tongzhou.distribution.models import CascadeHouseholdLine, CascadeRun
from tongzhou.distribution.services import cascade_compute
from tongzhou.distribution.tests.runs_builders import YEAR
from tongzhou.distribution.tests.test_cascade_db import build_county

from .calling import Caller, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(personas):
    return build_county(personas)


@pytest.fixture
def computed(personas, county):
    return cascade_compute(
        user=personas.county, region_code=COUNTY, year=YEAR, surplus_fen={county.platform.pk: 10_000_000}
    ).run


def test_the_county_officer_computes_the_cascade_and_it_conserves_the_surplus(personas, county):
    caller = Caller(personas.county)
    response = caller.post(
        f"/regions/{COUNTY}/cascade/{YEAR}", {"surplus": {str(county.platform.pk): "100000"}}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    run = CascadeRun.objects.get()
    assert body["id"] == run.pk and body["region_code"] == COUNTY and body["households"] == 4
    assert run.inputs["bodies"][str(county.platform.pk)]["surplus_fen"] == 10_000_000
    assert [b["body_id"] for b in body["bodies"]][0] == county.platform.pk  # top-down
    assert len(body["bodies"]) == 5
    # What the bodies made themselves reached households or stayed in a body, to the fen.
    assert body["own_surplus_fen"] == body["to_households_fen"] + body["kept_fen"] == 33_000_000
    assert body["to_households_fen"] == (
        body["from_county_fen"] + body["from_township_fen"] + body["from_village_fen"]
    )
    assert (
        body["to_households"] == f"{body['to_households_fen'] // 100}.{body['to_households_fen'] % 100:02d}"
    )
    assert caller.get(f"/regions/{COUNTY}/cascade/{YEAR}").json() == body


def test_each_reader_sees_their_own_regions_part(personas, county, computed):
    township = Caller(personas.township).get(f"/regions/{TOWNSHIP}/cascade/{YEAR}").json()
    assert {b["body_id"] for b in township["bodies"]} == {
        county.union.pk,
        county.coop_a.pk,
        county.coop_b.pk,
        county.collective.pk,
    }
    village = Caller(personas.cadre_a).get(f"/regions/{VILLAGE_A}/cascade/{YEAR}").json()
    assert {b["body_id"] for b in village["bodies"]} == {county.coop_a.pk, county.collective.pk}
    assert village["households"] == 3
    listed = Caller(personas.cadre_a).get(f"/regions/{VILLAGE_A}/cascade/{YEAR}/households").json()
    assert {r["head_name"] for r in listed["results"]} == {"王大山", "李小花", "孙三"}
    assert listed["cascade_id"] == computed.pk


def test_scopes_deny_by_default(personas, county, computed):
    cadre = Caller(personas.cadre_a)
    for path in (f"/regions/{VILLAGE_B}/cascade/{YEAR}", f"/regions/{TOWNSHIP}/cascade/{YEAR}/households"):
        assert error_of(cadre.get(path))["code"] == "forbidden"
    zhao = county.m["zhao@b"].household_id
    assert cadre.get(f"/regions/{VILLAGE_A}/cascade/{YEAR}/households/{zhao}").status_code == 404
    assert cadre.get(f"/regions/{VILLAGE_B}/cascade/{YEAR}/households/{zhao}").status_code == 403
    # Computing is for whoever reads the whole county.
    township = Caller(personas.township).post(f"/regions/{TOWNSHIP}/cascade/{YEAR}")
    assert township.status_code == 403 and error_of(township)["code"] == "forbidden"
    assert Caller().get(f"/regions/{COUNTY}/cascade/{YEAR}").status_code == 401
    assert Caller(personas.outsider).get(f"/regions/{COUNTY}/cascade/{YEAR}").status_code == 403
    assert CascadeRun.objects.count() == 1


def test_households_are_paged_and_searched(personas, computed):
    caller = Caller(personas.county)
    first = caller.get(f"/regions/{COUNTY}/cascade/{YEAR}/households", page_size=3).json()
    assert first["count"] == 4 and len(first["results"]) == 3 and first["page_size"] == 3
    second = caller.get(f"/regions/{COUNTY}/cascade/{YEAR}/households", page_size=3, page=2).json()
    assert len(second["results"]) == 1
    by_name = caller.get(f"/regions/{COUNTY}/cascade/{YEAR}/households", q="赵").json()
    assert [r["household_number"] for r in by_name["results"]] == ["0201"]
    by_number = caller.get(f"/regions/{COUNTY}/cascade/{YEAR}/households", q="0102").json()
    assert [r["head_name"] for r in by_number["results"]] == ["李小花"]


def test_one_households_paths_add_up_and_the_phone_is_masked_per_role(personas, county, computed):
    wang = county.m["wang@a"].household
    wang.phone = "13812345678"
    wang.save(update_fields=["phone"])
    line = CascadeHouseholdLine.objects.get(cascade=computed, household=wang)
    path = f"/cascade/{YEAR}/households/{wang.pk}"

    full = Caller(personas.cadre_a).get(f"/regions/{VILLAGE_A}{path}").json()
    assert full["phone"] == "13812345678" and full["identifiers_masked"] is False
    assert full["total_fen"] == line.total_fen == sum(p["amount_fen"] for p in full["paths"])
    longest = [[b["body_id"] for b in p["bodies"]] for p in full["paths"] if p["kind"] == "income_right"]
    assert [county.platform.pk, county.union.pk, county.coop_a.pk, county.collective.pk] in longest
    names = {b["body_name"] for p in full["paths"] for b in p["bodies"]}
    assert county.platform.name in names  # a body above the reader's village, named on the path

    masked = Caller(personas.township).get(f"/regions/{TOWNSHIP}{path}").json()
    assert masked["phone"] != "13812345678" and masked["identifiers_masked"] is True


def test_bad_input_is_answered_in_the_one_error_format_and_nothing_is_written(personas, county):
    caller = Caller(personas.county, lang="en")
    never = caller.get(f"/regions/{COUNTY}/cascade/{YEAR}")
    error = error_of(never)
    assert never.status_code == 404 and error["code"] == "cascade_not_computed"
    assert "No benefit chain" in error["message"] and error["details"]["year"] == YEAR
    assert caller.get(f"/regions/{COUNTY}/cascade/1800").status_code == 422
    assert caller.get(f"/regions/5205/cascade/{YEAR}").status_code == 422
    money = caller.post(f"/regions/{COUNTY}/cascade/{YEAR}", {"surplus": {str(county.platform.pk): "1.234"}})
    assert money.status_code == 400 and error_of(money)["details"]["field"] == "surplus"
    unknown = caller.post(f"/regions/{COUNTY}/cascade/{YEAR}", {"surplus_fen": {}})
    assert unknown.status_code == 422
    county.platform.bylaws_versions.all().delete()
    no_bylaws = caller.post(f"/regions/{COUNTY}/cascade/{YEAR}")
    assert no_bylaws.status_code == 400 and error_of(no_bylaws)["code"] == "no_bylaws"
    assert not CascadeRun.objects.exists()
