"""The cooperative pages as each persona, through Django's test client: what a user sees, what they may change, and
that bad input shows its error next to the field and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongzhou.coops.models import Bylaws, Cooperative, Member, MemberTransaction, ShareClass, ShareEntry
from tongzhou.coops.testing import (
    build_bylaws,
    build_cooperative,
    build_member,
    build_share_class,
    credit_code,
)
from tongzhou.core.testing import VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def as_user(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def coops(register):
    """Baima's sericulture cooperative (bylaws, a cash share class, Wang a member) and Longjing's tea cooperative."""
    baima = build_cooperative()
    build_bylaws(baima)
    cash = build_share_class(baima)
    wang = build_member(baima, register.baima_wang)
    longjing = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社", industry="tea")
    return type("Coops", (), {"baima": baima, "cash": cash, "wang": wang, "longjing": longjing})


def snapshot() -> tuple[int, ...]:
    """Row counts of every table the cooperative pages write."""
    return tuple(
        m.objects.count() for m in (Cooperative, Bylaws, Member, ShareClass, ShareEntry, MemberTransaction)
    )


# Who may see what


@pytest.mark.parametrize("path", ["/coops/", "/coops/new/", "/coops/1/", f"/coops/region/{VILLAGE_A}/"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_anonymous_post_is_sent_to_the_login_page_and_changes_nothing(client, coops):
    before = snapshot()
    response = client.post(
        f"/coops/{coops.baima.pk}/members/", {"applicant": "household", "household_number": "0002"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert snapshot() == before


def test_the_cadre_lists_the_cooperatives_of_their_village_only(client, personas, coops):
    html = as_user(client, personas.cadre_a).get("/coops/").content.decode()
    assert "白马村蚕桑专业合作社" in html
    assert "龙井村茶叶专业合作社" not in html
    assert "新建合作社" in html


def test_the_township_officer_lists_both_villages_and_filters_by_level(client, personas, coops):
    client = as_user(client, personas.township)
    html = client.get("/coops/").content.decode()
    assert "白马村蚕桑专业合作社" in html and "龙井村茶叶专业合作社" in html
    html = client.get("/coops/?level=township").content.decode()
    assert "白马村蚕桑专业合作社" not in html


@pytest.mark.parametrize("tab", ["overview", "members", "shares", "transactions", "accounts"])
def test_the_cadre_opens_every_tab_of_their_cooperative(client, personas, coops, tab):
    response = as_user(client, personas.cadre_a).get(f"/coops/{coops.baima.pk}/?tab={tab}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "白马村蚕桑专业合作社" in html
    assert 'aria-current="page"' in html
    if tab == "members":
        assert "王大山" in html and "登记入社申请" in html
    if tab == "overview":
        assert "现行章程" in html and "60%" in html


def test_the_cadre_of_another_village_is_refused_the_cooperative(client, personas, coops):
    response = as_user(client, personas.cadre_b).get(f"/coops/{coops.baima.pk}/")
    assert response.status_code == 403


def test_an_unknown_cooperative_is_not_found(client, personas, coops):
    assert as_user(client, personas.cadre_a).get("/coops/999999/").status_code == 404


def test_the_auditor_reads_the_cooperative_without_any_form(client, personas, coops):
    html = as_user(client, personas.auditor).get(f"/coops/{coops.baima.pk}/?tab=members").content.decode()
    assert "王大山" in html
    assert "登记入社申请" not in html
    assert "批准" not in html


def _posts(coops) -> list[tuple[str, dict]]:
    pk, member = coops.baima.pk, coops.wang.pk
    return [
        (f"/coops/{pk}/bylaws/", {"effective_from": "2030-01-01", "adopted_on": "2029-12-01"}),
        (f"/coops/{pk}/members/", {"applicant": "household", "household_number": "0002"}),
        (f"/coops/{pk}/members/{member}/approve/", {"joined_on": TODAY.isoformat()}),
        (f"/coops/{pk}/members/{member}/reject/", {}),
        (f"/coops/{pk}/members/{member}/exit/", {"notice_on": TODAY.isoformat()}),
        (f"/coops/{pk}/share-classes/", {"kind": "land", "name": "土地股", "unit_value_fen": "300"}),
        (f"/coops/{pk}/shares/subscribe/", {"member": member, "share_class": coops.cash.pk, "units": "5"}),
        (f"/coops/{pk}/shares/transfer/", {"from_member": member, "to_member": member, "units": "1"}),
        (f"/coops/{pk}/transactions/", {"member": member, "kind": "sale_to_coop", "quantity": "1"}),
        (f"/coops/{pk}/transactions/import/", {}),
    ]


def test_every_post_of_the_auditor_is_refused_and_changes_nothing(client, personas, coops):
    client = as_user(client, personas.auditor)
    before = snapshot()
    for path, data in _posts(coops):
        assert client.post(path, data).status_code == 403, path
    assert snapshot() == before


def test_every_post_of_the_other_villages_cadre_is_refused_and_changes_nothing(client, personas, coops):
    client = as_user(client, personas.cadre_b)
    before = snapshot()
    for path, data in _posts(coops):
        assert client.post(path, data).status_code == 403, path
    assert snapshot() == before


# Creating a cooperative


def _coop_data(**changes) -> dict:
    data = {
        "name": "白马村股份经济合作社",
        "credit_code": credit_code("93520502"),
        "level": "village",
        "legal_form": "collective_organisation",
        "region_code": VILLAGE_A,
        "founded_on": "2018-03-01",
        "industry": "mixed",
        "chairperson_name": "王大山",
    }
    data.update(changes)
    return data


def test_the_cadre_registers_a_cooperative_of_their_village(client, personas, register):
    response = as_user(client, personas.cadre_a).post("/coops/new/", _coop_data())
    coop = Cooperative.objects.get(name="白马村股份经济合作社")
    assert response.status_code == 302 and response["Location"] == f"/coops/{coop.pk}/"
    assert "合作社已登记" in client.get(response["Location"]).content.decode()


def test_a_credit_code_with_a_wrong_check_character_is_shown_next_to_the_field(client, personas, register):
    good = credit_code()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = as_user(client, personas.cadre_a).post("/coops/new/", _coop_data(credit_code=bad))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="credit_code"' in html and "field-error" in html
    assert not Cooperative.objects.exists()


def test_a_cooperative_in_another_village_is_refused(client, personas, register):
    response = as_user(client, personas.cadre_a).post("/coops/new/", _coop_data(region_code=VILLAGE_B))
    assert response.status_code == 403
    assert not Cooperative.objects.exists()


def test_the_auditor_cannot_register_a_cooperative(client, personas, register):
    response = as_user(client, personas.auditor).post("/coops/new/", _coop_data())
    assert response.status_code == 403
    assert not Cooperative.objects.exists()


# Bylaws


def _bylaws_data(**changes) -> dict:
    data = {
        "effective_from": "2025-01-01",
        "adopted_on": "2024-12-20",
        "reserve_rate_bp": "10",
        "patronage_share_bp": "70",
        "transaction_basis": "amount",
        "patronage_transaction_kinds": ["sale_to_coop"],
        "remainder_members": "80",
        "remainder_collective": "20",
        "remainder_management": "0",
        "remainder_welfare": "0",
        "secondary_distribution_bp": "0",
        "exit_notice_months": "3",
        "organisation_exit_notice_months": "6",
        "poverty_share_conversion_years": "5",
    }
    data.update(changes)
    return data


def test_the_cadre_adopts_a_new_bylaws_version_which_joins_the_history(client, personas, coops):
    client = as_user(client, personas.cadre_a)
    response = client.post(f"/coops/{coops.baima.pk}/bylaws/", _bylaws_data())
    assert response.status_code == 302
    version = Bylaws.objects.get(cooperative=coops.baima, effective_from=dt.date(2025, 1, 1))
    assert version.patronage_share_bp == 7000
    assert version.remainder_split == {"members": 8000, "collective": 2000}
    html = client.get(f"/coops/{coops.baima.pk}/").content.decode()
    assert "2025-01-01" in html and "2017-04-01" in html


def test_a_patronage_share_under_sixty_percent_is_refused_next_to_the_field(client, personas, coops):
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/bylaws/", _bylaws_data(patronage_share_bp="50")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="patronage_share_bp"' in html and "60%" in html
    assert Bylaws.objects.filter(cooperative=coops.baima).count() == 1


# Members


def test_the_cadre_admits_a_household_by_its_number(client, personas, coops, register):
    client = as_user(client, personas.cadre_a)
    response = client.post(
        f"/coops/{coops.baima.pk}/members/",
        {"applicant": "household", "household_number": "0002", "applied_on": "2024-03-01"},
    )
    assert response.status_code == 302
    member = Member.objects.get(cooperative=coops.baima, household=register.baima_li)
    assert member.status == "applied"
    response = client.post(
        f"/coops/{coops.baima.pk}/members/{member.pk}/approve/", {"joined_on": "2024-03-15"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == "active" and member.joined_on == dt.date(2024, 3, 15)
    html = client.get(response["Location"]).content.decode()
    assert "已批准“李春花”入社" in html


def test_a_household_of_another_village_cannot_apply(client, personas, coops):
    # Longjing's household 0001 has the same number as Baima's Wang: only Baima's households are looked up.
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/members/", {"applicant": "household", "household_number": "0099"}
    )
    assert response.status_code == 400
    assert "本村没有这个户编号" in response.content.decode()
    assert snapshot() == before


def test_applying_twice_shows_the_conflict_and_changes_nothing(client, personas, coops):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/members/",
        {"applicant": "household", "household_number": "0001", "applied_on": "2024-01-02"},
    )
    assert response.status_code == 400
    assert "已是本社成员或已申请入社" in response.content.decode()
    assert snapshot() == before


def test_the_village_collective_cannot_join_while_farmers_would_fall_under_eighty_percent(
    client, personas, coops
):
    collective = build_cooperative(name="白马村股份经济合作社", legal_form="collective_organisation")
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/members/",
        {"applicant": "cooperative", "member_cooperative": collective.pk, "applied_on": "2024-01-02"},
    )
    assert response.status_code == 400
    assert "农民成员至少应当占成员总数的百分之八十" in response.content.decode()
    assert snapshot() == before


def test_the_village_collective_applies_as_a_cooperative(client, personas, coops, register):
    from tongzhou.core.testing import build_household

    build_member(coops.baima, register.baima_li)
    for number in ("0003", "0004"):
        build_member(coops.baima, build_household(number=number, head_name=f"杨{number}"))
    collective = build_cooperative(name="白马村股份经济合作社", legal_form="collective_organisation")
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/members/",
        {"applicant": "cooperative", "member_cooperative": collective.pk, "applied_on": "2024-01-02"},
    )
    assert response.status_code == 302
    assert Member.objects.get(cooperative=coops.baima, member_cooperative=collective).status == "applied"


def test_the_cadre_rejects_an_application(client, personas, coops, register):
    applicant = build_member(coops.baima, register.baima_li, status="applied")
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/members/{applicant.pk}/reject/", {"reason": "材料不全"}
    )
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == "rejected" and "材料不全" in applicant.notes


def test_approving_an_active_member_again_is_refused_and_changes_nothing(client, personas, coops):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/members/{coops.wang.pk}/approve/", {"joined_on": TODAY.isoformat()}
    )
    assert response.status_code == 409
    assert "只能批准申请中的入社申请" in response.content.decode()
    assert snapshot() == before


def test_a_member_gives_notice_to_leave_at_the_end_of_a_year(client, personas, coops):
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/members/{coops.wang.pk}/exit/", {"notice_on": "2024-05-10"}
    )
    assert response.status_code == 302
    coops.wang.refresh_from_db()
    assert coops.wang.status == "exit_notified" and coops.wang.exit_effective_on.month in (12, 1)


# Shares


def test_the_cadre_creates_a_land_share_class(client, personas, coops):
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/share-classes/",
        {"kind": "land", "name": "土地经营权股", "unit_value_fen": "300"},
    )
    assert response.status_code == 302
    land = ShareClass.objects.get(cooperative=coops.baima, kind="land")
    assert land.unit_value_fen == 300_00 and land.unit_name == "亩"


def test_a_share_class_without_a_unit_value_shows_the_field_error(client, personas, coops):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/share-classes/",
        {"kind": "land", "name": "土地经营权股", "unit_value_fen": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="unit_value_fen"' in html and "每单位作价必须是大于零的整数分" in html
    assert snapshot() == before


def test_the_cadre_records_a_subscription_and_sees_the_holding(client, personas, coops):
    client = as_user(client, personas.cadre_a)
    response = client.post(
        f"/coops/{coops.baima.pk}/shares/subscribe/",
        {
            "member": coops.wang.pk,
            "share_class": coops.cash.pk,
            "units": "10",
            "on": TODAY.isoformat(),
            "reason": "认购入股",
        },
    )
    assert response.status_code == 302
    entry = ShareEntry.objects.get(member=coops.wang)
    assert entry.units_centi == 1000 and entry.amount_fen == 1000_00
    html = client.get(f"/coops/{coops.baima.pk}/?tab=shares").content.decode()
    assert "¥1,000.00" in html and "认购入股" in html


def test_transferring_more_shares_than_held_is_refused_and_changes_nothing(client, personas, coops, register):
    li = build_member(coops.baima, register.baima_li)
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/shares/transfer/",
        {
            "from_member": coops.wang.pk,
            "to_member": li.pk,
            "share_class": coops.cash.pk,
            "units": "3",
            "on": TODAY.isoformat(),
            "reason": "转让",
        },
    )
    assert response.status_code == 400
    assert "field-error" in response.content.decode() or "form-errors" in response.content.decode()
    assert snapshot() == before


def test_a_member_of_another_cooperative_cannot_be_chosen(client, personas, coops, register):
    stranger = build_member(coops.longjing, register.longjing_zhao)
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/shares/subscribe/",
        {
            "member": stranger.pk,
            "share_class": coops.cash.pk,
            "units": "1",
            "on": TODAY.isoformat(),
            "reason": "x",
        },
    )
    assert response.status_code == 400
    assert snapshot() == before


# Transactions and member accounts


def _sale(who, **changes) -> dict:
    data = {
        "member": who.pk,
        "kind": "sale_to_coop",
        "on": TODAY.isoformat(),
        "product": "鲜茧",
        "grade": "一级",
        "quantity": "42.5",
        "unit": "kg",
        "unit_price": "46.00",
        "amount": "",
    }
    data.update(changes)
    return data


def test_a_cocoon_sale_appears_in_the_list_and_in_the_member_account(client, personas, coops):
    client = as_user(client, personas.cadre_a)
    response = client.post(f"/coops/{coops.baima.pk}/transactions/", _sale(coops.wang))
    assert response.status_code == 302
    assert MemberTransaction.objects.get().amount_fen == 1955_00
    html = client.get(response["Location"]).content.decode()
    assert "¥1,955.00" in html and "鲜茧" in html and "42.5" in html
    html = client.get(f"/coops/{coops.baima.pk}/?tab=accounts&year={TODAY.year}").content.decode()
    assert "王大山" in html and "¥1,955.00" in html


def test_a_non_member_sale_is_kept_apart(client, personas, coops):
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/transactions/", _sale(coops.wang, member="", counterparty_name="外村张三")
    )
    assert response.status_code == 302
    row = MemberTransaction.objects.get()
    assert row.is_member is False and row.counterparty_name == "外村张三"


def test_a_negative_quantity_is_shown_next_to_the_field_and_nothing_is_recorded(client, personas, coops):
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/transactions/", _sale(coops.wang, quantity="-3")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="quantity"' in html and "数量不能为负数" in html
    assert not MemberTransaction.objects.exists()


def test_the_same_sale_recorded_twice_is_refused(client, personas, coops):
    client = as_user(client, personas.cadre_a)
    assert client.post(f"/coops/{coops.baima.pk}/transactions/", _sale(coops.wang)).status_code == 302
    response = client.post(f"/coops/{coops.baima.pk}/transactions/", _sale(coops.wang))
    assert response.status_code == 400
    assert MemberTransaction.objects.count() == 1


def _csv(rows: list[str]) -> SimpleUploadedFile:
    header = "成员编号,非成员名称,交易类型,日期,产品,等级,数量,单位,单价（元）,金额（元）"
    return SimpleUploadedFile("交易.csv", "\n".join([header, *rows]).encode("utf-8"), content_type="text/csv")


def test_the_cadre_imports_a_file_of_transactions(client, personas, coops):
    day = TODAY.isoformat()
    upload = _csv(
        [
            f"{coops.wang.pk},,sale_to_coop,{day},鲜茧,一级,42.5,kg,46.00,",
            f",外村张三,sale_to_coop,{day},鲜茧,,10,kg,40,",
        ]
    )
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/transactions/import/", {"file": upload}
    )
    assert response.status_code == 302
    assert MemberTransaction.objects.count() == 2
    assert "导入成功" in client.get(response["Location"]).content.decode()


def test_a_file_with_a_bad_row_is_rejected_whole_with_the_error_table(client, personas, coops):
    day = TODAY.isoformat()
    upload = _csv(
        [
            f"{coops.wang.pk},,sale_to_coop,{day},鲜茧,一级,42.5,kg,46.00,",
            f"{coops.wang.pk},,sale_to_coop,{day},鲜茧,,-1,kg,40,",
        ]
    )
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coops.baima.pk}/transactions/import/", {"file": upload}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "import-error-table" in html and "数量不能为负数" in html
    assert not MemberTransaction.objects.exists()


def test_an_import_without_a_file_asks_for_one(client, personas, coops):
    response = as_user(client, personas.cadre_a).post(f"/coops/{coops.baima.pk}/transactions/import/", {})
    assert response.status_code == 400
    assert "请选择要导入的文件" in response.content.decode()


# The block on the region and village pages


def test_the_village_block_lists_the_cooperative_and_its_coverage(client, personas, coops):
    client = as_user(client, personas.cadre_a)
    assert f'hx-get="/coops/region/{VILLAGE_A}/"' in client.get(f"/r/{VILLAGE_A}/").content.decode()
    html = client.get(f"/coops/region/{VILLAGE_A}/").content.decode()
    assert "白马村蚕桑专业合作社" in html
    assert "龙井村茶叶专业合作社" not in html


def test_the_township_block_shows_the_cooperatives_below_it(client, personas, coops):
    from tongzhou.core.testing import TOWNSHIP
    from tongzhou.rollups.coverage import coop_figures_rebuild

    coop_figures_rebuild()
    html = as_user(client, personas.township).get(f"/coops/region/{TOWNSHIP}/").content.decode()
    assert "白马村蚕桑专业合作社" in html and "龙井村茶叶专业合作社" in html
    assert "有合作社的村数" in html


def test_the_cadre_is_refused_the_block_of_another_village(client, personas, coops):
    assert as_user(client, personas.cadre_a).get(f"/coops/region/{VILLAGE_B}/").status_code == 403


def test_accounts_and_transactions_open_on_the_latest_year_with_transactions(client, personas, coops):
    MemberTransaction.objects.create(
        cooperative=coops.baima, member=coops.wang, kind="sale_to_coop", on=dt.date(2025, 6, 3), year=2025,
        product="鲜茧", quantity="42.5", unit="kg", unit_price_fen=4600, amount_fen=195500, source_key="t-2025",
        village_code=VILLAGE_A, county_code=VILLAGE_A[:6],
    )  # fmt: skip
    as_user(client, personas.cadre_a)
    page = client.get(f"/coops/{coops.baima.pk}/?tab=accounts").content.decode()
    assert "2025" in page and "1,955.00" in page
    asked = client.get(f"/coops/{coops.baima.pk}/?tab=accounts&year=2024").content.decode()
    assert "1,955.00" not in asked
