"""The cascade view (利益链) through Django's test client, on the small county of the cascade's database test: the
county officer computes it and sees the whole county, a township officer the township's part, a village cadre the
village's; households paged, searched and downloaded; one household's paths; every refusal a clear answer with
nothing written."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tongzhou.core.testing import COUNTY, TOWNSHIP, VILLAGE_A, VILLAGE_B
from tongzhou.distribution.models import CascadeHouseholdLine, CascadeRun
from tongzhou.distribution.services import cascade_compute
from tongzhou.distribution.tests.runs_builders import YEAR
from tongzhou.distribution.tests.test_cascade_db import build_county

pytestmark = pytest.mark.django_db

PLATFORM_SURPLUS = 10_000_000


def url(code: str, year: int = YEAR, tail: str = "") -> str:
    return f"/r/{code}/distribution/{year}/{tail}"


@pytest.fixture
def county(personas):
    return build_county(personas)


@pytest.fixture
def computed(personas, county):
    return cascade_compute(
        user=personas.county,
        region_code=COUNTY,
        year=YEAR,
        surplus_fen={county.platform.pk: PLATFORM_SURPLUS},
    ).run


def test_the_county_officer_computes_the_cascade_from_the_page_with_the_platforms_surplus(
    client, personas, county
):
    client.force_login(personas.county)
    empty = client.get(url(COUNTY))
    page = empty.content.decode()
    assert empty.status_code == 404 and "尚未计算本县的利益链" in page and 'id="compute"' in page
    response = client.post(
        url(COUNTY, tail="compute/"),
        {"cascade-platform": county.platform.pk, "cascade-platform_surplus_fen": "100,000"},
        follow=True,
    )
    assert response.status_code == 200
    run = CascadeRun.objects.get()
    assert run.inputs["bodies"][str(county.platform.pk)] == {
        **run.inputs["bodies"][str(county.platform.pk)],
        "surplus_fen": PLATFORM_SURPLUS,
        "surplus_source": "given",
    }
    page = response.content.decode()
    assert "利益链已计算" in page and f'data-cascade="{run.pk}"' in page
    # Every body of the county, top-down, and every household; the form keeps the surplus typed.
    for body in (county.platform, county.union, county.coop_a, county.coop_b, county.collective):
        assert f'data-body="{body.pk}"' in page
    assert page.index(f'data-body="{county.platform.pk}"') < page.index(f'data-body="{county.coop_a.pk}"')
    for name in ("王大山", "李小花", "孙三", "赵四"):
        assert name in page
    assert 'value="100000.00"' in page


def test_the_totals_add_up_to_what_the_cascade_kept(client, personas, computed):
    client.force_login(personas.county)
    page = client.get(url(COUNTY)).content.decode()
    from tongzhou.core.money import format_yuan

    assert format_yuan(computed.to_households_fen) in page
    assert format_yuan(computed.kept_fen) in page and format_yuan(computed.own_surplus_fen) in page
    assert "县级平台公司" in page and "乡镇联合社" in page


def test_a_township_officer_sees_the_townships_part_and_no_form(client, personas, county, computed):
    client.force_login(personas.township)
    response = client.get(url(TOWNSHIP))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-body="{county.union.pk}"' in page and f'data-body="{county.coop_b.pk}"' in page
    assert f'data-body="{county.platform.pk}"' not in page
    assert 'id="compute"' not in page
    # The county's page and computing are the county's.
    assert client.get(url(COUNTY)).status_code == 403
    assert client.post(url(TOWNSHIP, tail="compute/"), {}).status_code == 403
    assert CascadeRun.objects.count() == 1


def test_a_village_cadre_sees_the_villages_households_only(client, personas, county, computed):
    client.force_login(personas.cadre_a)
    page = client.get(url(VILLAGE_A)).content.decode()
    assert "王大山" in page and "孙三" in page and "赵四" not in page
    assert f'data-body="{county.coop_a.pk}"' in page and f'data-body="{county.union.pk}"' not in page
    assert client.get(url(VILLAGE_B)).status_code == 403
    assert client.get(url(TOWNSHIP)).status_code == 403
    zhao = county.m["zhao@b"].household_id
    assert client.get(url(VILLAGE_A, tail=f"households/{zhao}/")).status_code == 404
    assert client.get(url(VILLAGE_B, tail=f"households/{zhao}/")).status_code == 403


def test_households_are_searched_by_number_or_name_and_paged(client, personas, computed):
    client.force_login(personas.county)
    by_name = client.get(url(COUNTY), {"q": "李小"}).content.decode()
    assert "李小花" in by_name and "王大山" not in by_name
    by_number = client.get(url(COUNTY), {"q": "0201"}).content.decode()
    assert "赵四" in by_number and "李小花" not in by_number
    nobody = client.get(url(COUNTY), {"q": "无此人"}).content.decode()
    assert "没有符合条件的农户" in nobody


def test_the_households_download_as_csv_and_xlsx_in_yuan(client, personas, county, computed):
    client.force_login(personas.cadre_a)
    response = client.get(url(VILLAGE_A), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][3] == "户主" and len(rows) == 1 + 3
    wang = CascadeHouseholdLine.objects.get(cascade=computed, household=county.m["wang@a"].household)
    line = next(r for r in rows if r[3] == "王大山")
    assert line[4] == f"{wang.total_fen // 100}.{wang.total_fen % 100:02d}"

    xlsx = client.get(url(VILLAGE_A), {"format": "xlsx", "q": "王"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2 and values[1][3] == "王大山"
    assert round(float(values[1][4]) * 100) == wang.total_fen


def test_one_households_paths_sum_to_its_total_and_name_the_bodies_above(client, personas, county, computed):
    client.force_login(personas.cadre_a)
    wang = county.m["wang@a"].household
    response = client.get(url(VILLAGE_A, tail=f"households/{wang.pk}/"))
    page = response.content.decode()
    assert response.status_code == 200 and "王大山" in page
    # The longest path: made in the platform, paid on by the union, coop A and the collective.
    assert page.count('class="cascade-path"') == len(
        CascadeHouseholdLine.objects.get(cascade=computed, household=wang).by_path
    )
    for body in (county.platform, county.union, county.coop_a, county.collective):
        assert body.name in page
    assert "收益权分配" in page


def test_phones_are_masked_for_a_role_that_may_not_see_them(client, personas, county, computed):
    wang = county.m["wang@a"].household
    wang.phone = "13812345678"
    wang.save(update_fields=["phone"])
    client.force_login(personas.township)
    masked = client.get(url(TOWNSHIP, tail=f"households/{wang.pk}/")).content.decode()
    assert "13812345678" not in masked and wang.masked_phone in masked
    client.force_login(personas.cadre_a)
    full = client.get(url(VILLAGE_A, tail=f"households/{wang.pk}/")).content.decode()
    assert "13812345678" in full


def test_an_unknown_year_or_region_gets_a_clear_answer_and_nothing_is_written(client, personas, county):
    client.force_login(personas.county)
    assert client.get(url(COUNTY, 1989)).status_code == 404
    never = client.get(url(COUNTY, 2030))
    assert never.status_code == 404 and "2030 年度尚未计算本县的利益链" in never.content.decode()
    assert client.get(url(COUNTY, tail="households/1/")).status_code == 404
    assert client.get(url("520599")).status_code in (403, 404)
    bad = client.post(url(COUNTY, tail="compute/"), {"cascade-platform_surplus_fen": "12.345"})
    assert bad.status_code == 400 and "cascade-platform_surplus_fen" in bad.content.decode()
    county.platform.bylaws_versions.all().delete()
    refused = client.post(url(COUNTY, tail="compute/"), {})
    assert refused.status_code == 400 and "没有生效的章程" in refused.content.decode()
    assert not CascadeRun.objects.exists()


def test_the_region_page_links_to_the_cascade_and_the_year_picker_goes_to_the_year(client, personas):
    client.force_login(personas.county)
    from django.utils import timezone

    last = timezone.localdate().year - 1
    assert f'href="/r/{COUNTY}/distribution/{last}/"' in client.get(f"/r/{COUNTY}/").content.decode()
    client.force_login(personas.cadre_a)  # a village page links to its own part of the chain
    assert f'href="/r/{VILLAGE_A}/distribution/{last}/"' in client.get(f"/r/{VILLAGE_A}/").content.decode()
    picked = client.get(url(COUNTY), {"year": "2024"})
    assert picked.status_code == 302 and picked["Location"] == url(COUNTY, 2024)


def test_an_anonymous_visitor_is_sent_to_log_in(client, computed):
    response = client.get(url(COUNTY))
    assert response.status_code == 302 and "/login/" in response["Location"]
