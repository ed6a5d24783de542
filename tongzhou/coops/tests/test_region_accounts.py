"""Every member account of a region (成员账户, Art. 43) in one statement: the same figures as the per-cooperative
`member_accounts`, pages equal to the whole listing, scoped to whoever reads the whole region; reached from the
CLI (`coop accounts --region`), the API (`/regions/{code}/member-accounts`) and the web (page and downloads)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tongzhou.api.tests.test_api_coops import Caller, error_of
from tongzhou.coops.models import Cooperative, Member, MemberKind, MemberStatus, MemberTransaction
from tongzhou.coops.selectors.region_accounts import region_member_accounts
from tongzhou.coops.selectors.shares import member_accounts
from tongzhou.coops.services.membership import member_exit_notify
from tongzhou.coops.services.shares import member_exit_settle, share_subscribe, share_transfer
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, build_share_class
from tongzhou.coops.tests.test_shares_services import build_baima
from tongzhou.core.errors import InvalidInput, ScopeDenied
from tongzhou.core.testing import COUNTY, TOWNSHIP, VILLAGE_A, VILLAGE_B, build_household

pytestmark = pytest.mark.django_db
D = dt.date


def sale(coop, member, amount_fen, quantity, on=None, key="", is_member=True):
    on = on or D(2024, 6, 1)
    MemberTransaction.objects.create(
        cooperative=coop,
        member=member if is_member else None,
        is_member=is_member,
        counterparty_name="" if is_member else "外村散户",
        kind="sale_to_coop",
        on=on,
        year=on.year,
        product="鲜茧",
        quantity=Decimal(quantity),
        unit="kg",
        unit_price_fen=40_00,
        amount_fen=amount_fen,
        source_key=key,
        village_code=coop.region_code,
        county_code=coop.county_code,
    )


@pytest.fixture
def region(personas):
    """白马村 (village A): 王 2.5 mu of land (¥3,000.00) and a poverty-fund share (¥5,000.00), 0.5 mu to 赵 in
    2020; 李 10 cash shares (¥1,000.00); 孙 leaves at the end of 2024, settled in 2025. 龙井村 (village B): 周
    subscribes 5 cash shares in 2025 only. The township union has both village cooperatives as members."""
    b = build_baima()
    user = personas.cadre_a
    share_subscribe(
        user=user, member=b.wang, share_class=b.land, units="2.5", on=D(2018, 3, 1), reason="入社"
    )
    share_subscribe(
        user=user, member=b.wang, share_class=b.poverty, units="1", on=D(2018, 3, 1), reason="量化"
    )
    share_subscribe(user=user, member=b.li, share_class=b.cash, units="10", on=D(2019, 5, 1), reason="入社")
    share_transfer(
        user=user, from_member=b.wang, to_member=b.zhao, share_class=b.land, units="0.5", on=D(2020, 7, 1),
        reason="转让半亩",
    )  # fmt: skip
    sun = build_member(b.coop, build_household(number="0004", head_name="孙立"))
    share_subscribe(user=user, member=sun, share_class=b.cash, units="3", on=D(2019, 5, 1), reason="入社")
    member_exit_notify(user=user, member=sun, notice_on=D(2024, 3, 1))
    member_exit_settle(user=user, member=sun, on=D(2025, 1, 20))
    sale(b.coop, b.wang, 4_000_00, "100.000", key="a1")
    sale(b.coop, b.wang, 2_000_00, "50.500", key="a2")
    sale(b.coop, b.wang, 9_999_00, "250.000", on=D(2023, 6, 1), key="a3")  # another year
    sale(b.coop, None, 7_777_00, "200.000", key="n1", is_member=False)  # a non-member (Art. 41)
    sale(b.coop, b.li, 1_000_00, "25.250", key="b1")
    longjing = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社", industry="tea")
    build_bylaws(longjing)
    cash_b = build_share_class(longjing, unit_value_fen=100_00)
    zhou = build_member(longjing, build_household(village_code=VILLAGE_B, number="0001", head_name="周明"))
    share_subscribe(
        user=personas.cadre_b, member=zhou, share_class=cash_b, units="5", on=D(2025, 2, 1), reason="入社"
    )
    union = build_cooperative(region_code=TOWNSHIP, name="同舟镇合作社联合社", level="township")
    for coop in (b.coop, longjing):
        Member.objects.create(
            cooperative=union, kind=MemberKind.COOPERATIVE, member_cooperative=coop, display_name=coop.name,
            is_farmer=False, village_code=coop.region_code, county_code=coop.county_code,
            status=MemberStatus.ACTIVE, applied_on=D(2020, 1, 1), joined_on=D(2020, 1, 1),
        )  # fmt: skip
    b.sun, b.longjing, b.zhou, b.union = sun, longjing, zhou, union
    return b


def test_the_region_listing_has_the_same_figures_as_each_cooperatives_member_accounts(personas, region):
    listing = list(region_member_accounts(user=personas.township, code=TOWNSHIP, year=2024))
    expected = []
    for coop in Cooperative.objects.filter(region_code__startswith=TOWNSHIP):
        for member, a in member_accounts(user=personas.township, cooperative=coop, year=2024):
            expected.append(
                (coop.pk, coop.name, coop.region_code, member.pk, member.display_name, member.status,
                 a.capital_fen, a.subsidy_share_fen, a.transactions_amount_fen, a.transactions_quantity,
                 a.reserve_share_fen)
            )  # fmt: skip
    assert sorted(tuple(row) for row in listing) == sorted(expected)
    assert len(listing) == 7  # 王 赵 李 孙 of 白马村, 周 of 龙井村, the union's two village cooperatives
    by_member = {row.member_id: row for row in listing}
    wang = by_member[region.wang.pk]
    assert (wang.capital_fen, wang.subsidy_share_fen, wang.reserve_share_fen) == (2_400_00, 5_000_00, 0)
    assert (wang.transactions_amount_fen, wang.transactions_quantity) == (6_000_00, Decimal("150.500"))
    assert (by_member[region.li.pk].transactions_quantity, by_member[region.zhao.pk].capital_fen) == (
        Decimal("25.250"),
        600_00,
    )
    # 孙 left at the end of 2024 and was settled in 2025: his 2024 account still holds his capital.
    sun = by_member[region.sun.pk]
    assert (sun.status, sun.capital_fen) == (MemberStatus.EXITED, 300_00)
    # 周 subscribed in 2025: nothing held at the end of 2024; in 2025 his ¥500.00 and 孙's nothing.
    assert by_member[region.zhou.pk].capital_fen == 0
    in_2025 = {
        r.member_id: r for r in region_member_accounts(user=personas.township, code=TOWNSHIP, year=2025)
    }
    assert (in_2025[region.zhou.pk].capital_fen, in_2025[region.sun.pk].capital_fen) == (500_00, 0)


def test_the_listing_is_ordered_by_place_and_a_page_is_the_same_rows_as_the_whole(personas, region):
    accounts = region_member_accounts(user=personas.county, code=COUNTY, year=2024)
    whole = list(accounts)
    assert accounts.count() == len(whole) == 7
    # The township's union (its code padded) comes before the villages below it; by cooperative, then member.
    assert [r.cooperative_id for r in whole] == [region.union.pk] * 2 + [region.coop.pk] * 4 + [
        region.longjing.pk
    ]
    assert [r.member_id for r in whole[2:6]] == sorted(r.member_id for r in whole[2:6])
    assert accounts[0:3] + accounts[3:6] + accounts[6:50] == whole
    assert accounts[10:20] == []


def test_a_village_accountant_reads_their_village_only(personas, region):
    mine = list(region_member_accounts(user=personas.cadre_a, code=VILLAGE_A, year=2024))
    assert {r.cooperative_id for r in mine} == {region.coop.pk} and len(mine) == 4
    for code in (VILLAGE_B, TOWNSHIP, COUNTY):
        with pytest.raises(ScopeDenied):
            region_member_accounts(user=personas.cadre_a, code=code, year=2024)
    for user in (personas.outsider, AnonymousUser()):
        with pytest.raises(ScopeDenied):
            region_member_accounts(user=user, code=VILLAGE_A, year=2024)
    assert len(list(region_member_accounts(user=personas.auditor, code=COUNTY, year=2024))) == 7


@pytest.mark.parametrize("code", ["5205021", "abc", "", "5205021002011"])
def test_a_code_that_is_no_region_code_is_refused(personas, region, code):
    with pytest.raises(InvalidInput) as excinfo:
        region_member_accounts(user=personas.admin, code=code, year=2024)
    assert excinfo.value.code == "region_code_invalid"


def test_the_listing_is_one_statement_and_a_page_three(personas, region, django_assert_num_queries):
    accounts = region_member_accounts(user=personas.township, code=TOWNSHIP, year=2024)
    with django_assert_num_queries(2):  # the cooperatives' names, then the accounts
        list(accounts)
    with django_assert_num_queries(3):  # the page's members, the cooperatives' names, their accounts
        accounts[0:2]


# ---- CLI ------------------------------------------------------------------------------------------------------


def test_the_cli_writes_a_regions_accounts_to_csv_and_keeps_the_per_cooperative_form(
    personas, region, tmp_path
):
    path = tmp_path / "accounts.csv"
    err = io.StringIO()
    call_command(
        "coop", "accounts", "--region", TOWNSHIP, "--year", "2024", "--output", str(path), "--user", "township",
        stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    assert "7 member accounts (2024 520502100)" in err.getvalue()
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:5] == ["合作社编号", "合作社名称", "地区代码", "成员编号", "成员名称"]
    wang = next(r for r in rows if r[3] == str(region.wang.pk))
    assert wang[5:] == ["在册成员", "2400.00", "0.00", "5000.00", "6000.00", "150.500"]
    out = io.StringIO()
    call_command("coop", "accounts", str(region.coop.pk), "--year", "2024", "--user", "cadre_a", stdout=out,
                 stderr=io.StringIO())  # fmt: skip
    assert len(out.getvalue().splitlines()) == 5  # the header and 4 members


def test_the_cli_writes_xlsx_and_refuses_another_villages_accounts(personas, region, tmp_path):
    path = tmp_path / "accounts.xlsx"
    call_command(
        "coop", "accounts", "--region", VILLAGE_A, "--year", "2024", "--output", str(path), "--user", "cadre_a",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    sheet = load_workbook(path).active
    assert sheet.max_row == 5
    with pytest.raises(CommandError):
        call_command(
            "coop", "accounts", "--region", VILLAGE_A, "--year", "2024", "--user", "cadre_b",
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip


# ---- API ------------------------------------------------------------------------------------------------------


def test_the_api_pages_a_regions_accounts(personas, region):
    response = Caller(personas.township).get(
        f"/regions/{TOWNSHIP}/member-accounts", year=2024, page=1, page_size=3
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (7, 1, 3)
    wang = next(r for r in body["results"] if r["member_id"] == region.wang.pk)
    assert wang["capital"] == "2400.00" and wang["capital_fen"] == 2_400_00
    assert wang["subsidy_share_fen"] == 5_000_00 and wang["transactions_quantity"] == "150.500"
    assert wang["cooperative_name"] == region.coop.name and wang["region_code"] == VILLAGE_A
    assert wang["status"] == "active" and wang["year"] == 2024
    last = Caller(personas.township).get(
        f"/regions/{TOWNSHIP}/member-accounts", year=2024, page=3, page_size=3
    )
    assert [r["member_id"] for r in last.json()["results"]] == [region.zhou.pk]


def test_the_api_refuses_another_villages_accounts_and_asks_for_the_year(personas, region):
    response = Caller(personas.cadre_b).get(f"/regions/{VILLAGE_A}/member-accounts", year=2024)
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert Caller().get(f"/regions/{VILLAGE_A}/member-accounts", year=2024).status_code == 401
    assert Caller(personas.cadre_a).get(f"/regions/{VILLAGE_A}/member-accounts").status_code == 422


# ---- web ------------------------------------------------------------------------------------------------------


def test_a_township_officer_pages_the_accounts_and_downloads_them(client, personas, region):
    client.force_login(personas.township)
    block = client.get(f"/coops/region/{TOWNSHIP}/").content.decode()
    assert f'href="/coops/region/{TOWNSHIP}/accounts/"' in block
    html = client.get(f"/coops/region/{TOWNSHIP}/accounts/", {"year": 2024}).content.decode()
    assert "王大山" in html and "¥2,400.00" in html and "共 7 个成员账户" in html
    response = client.get(f"/coops/region/{TOWNSHIP}/accounts.csv", {"year": 2024})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff合作社编号")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 8
    response = client.get(f"/coops/region/{TOWNSHIP}/accounts.xlsx", {"year": 2024})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 8 and sheet.cell(1, 1).value == "合作社编号"


def test_a_village_accountant_cannot_open_another_villages_accounts(client, personas, region):
    client.force_login(personas.cadre_b)
    assert client.get(f"/coops/region/{VILLAGE_A}/accounts/").status_code == 403
    assert client.get(f"/coops/region/{VILLAGE_A}/accounts.csv").status_code == 403
    assert client.get(f"/coops/region/{TOWNSHIP}/accounts/").status_code == 403
    client.force_login(personas.cadre_a)
    assert client.get(f"/coops/region/{VILLAGE_A}/accounts/", {"year": 2024}).status_code == 200
