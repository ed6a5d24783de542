"""Inheritance, conversion of poverty-fund shares, redemption and exit settlement on the cooperative page, through
Django's test client as each persona: what a writer sees before the click, what each form records, and that every
refusal shows its error next to the field and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tongzhou.coops.models import Member, MemberStatus, ShareEntry
from tongzhou.coops.services.shares import share_subscribe
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, build_share_class
from tongzhou.core.testing import VILLAGE_B, build_household

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
BOUGHT_ON = dt.date(2024, 1, 10)


def as_user(client, user):
    client.force_login(user)
    return client


def snapshot() -> tuple:
    """Every ledger row and every member's status: what these forms may change."""
    return (
        tuple(ShareEntry.objects.order_by("pk").values_list("pk", "units_centi", "amount_fen")),
        tuple(Member.objects.order_by("pk").values_list("pk", "status", "exit_capital_returned_fen")),
    )


@pytest.fixture
def coop(register, personas):
    """Baima's cooperative (conversion after 5 years out of poverty) with cash shares at ¥100.00 and poverty-fund
    shares at ¥100.00. Wang (out of poverty in 2018) holds 10 cash and 5 poverty-fund shares; Li holds 3 cash
    shares; Zhou (out of poverty last year) holds 2 poverty-fund shares. Longjing's cooperative is next door."""
    baima = build_cooperative()
    build_bylaws(baima, poverty_share_conversion_years=5)
    cash = build_share_class(baima)
    poverty = build_share_class(baima, kind="fiscal_poverty", transferable=False)
    register.baima_wang.poverty_exit_year = 2018
    register.baima_wang.save(update_fields=["poverty_exit_year"])
    zhou_household = build_household(
        number="0003", head_name="周小梅", poverty_registered_year=2016, poverty_exit_year=TODAY.year - 1
    )
    wang = build_member(baima, register.baima_wang)
    li = build_member(baima, register.baima_li)
    zhou = build_member(baima, zhou_household)
    for member, share_class, units in (
        (wang, cash, 10),
        (wang, poverty, 5),
        (li, cash, 3),
        (zhou, poverty, 2),
    ):
        share_subscribe(
            user=personas.cadre_a,
            member=member,
            share_class=share_class,
            units=units,
            on=BOUGHT_ON,
            reason="入股",
        )
    longjing = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社", industry="tea")
    return type(
        "Coop",
        (),
        {
            "baima": baima,
            "cash": cash,
            "poverty": poverty,
            "wang": wang,
            "li": li,
            "zhou": zhou,
            "longjing": longjing,
        },
    )


def _url(coop, what: str) -> str:
    return f"/coops/{coop.baima.pk}/shares/{what}/"


def _held(member, share_class) -> tuple[int, int]:
    rows = ShareEntry.objects.filter(member=member, share_class=share_class)
    return sum(r.units_centi for r in rows), sum(r.amount_fen for r in rows)


def _field_error(html: str, form_id: str, field: str, text: str) -> bool:
    """The error text shown inside the block of the named field of the form in the element with `form_id`."""
    start = html.find(f'data-field="{field}"', html.index(f'id="{form_id}"'))
    if start < 0:
        return False
    block = html[start : html.find("</div>", start)]
    return "field-error" in block and text in block


# Inheritance (继承)


def _inherit(coop, **changes) -> dict:
    data = {
        "deceased_member": coop.wang.pk,
        "heir_member": coop.li.pk,
        "on": TODAY.isoformat(),
        "reason": "王大山去世，继承公证书（2025）黔毕证字第 12 号",
    }
    data.update(changes)
    return data


def test_an_heir_inherits_every_holding_of_the_deceased_member(client, personas, coop):
    client = as_user(client, personas.cadre_a)
    response = client.post(_url(coop, "inherit"), _inherit(coop))
    assert response.status_code == 302 and response["Location"].endswith("?tab=shares")
    assert _held(coop.wang, coop.cash) == (0, 0) and _held(coop.wang, coop.poverty) == (0, 0)
    assert _held(coop.li, coop.cash) == (1300, 1300_00) and _held(coop.li, coop.poverty) == (500, 500_00)
    html = client.get(response["Location"]).content.decode()
    assert "已记录继承：王大山 的全部股份（2 类，¥1,500.00）转给 李春花" in html
    assert "继承（转入）" in html and "继承公证书" in html


def test_the_deceased_cannot_be_their_own_heir(client, personas, coop):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        _url(coop, "inherit"), _inherit(coop, heir_member=coop.wang.pk)
    )
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "inherit", "heir_member", "继承人不能是被继承成员本人")
    assert snapshot() == before


def test_a_deceased_member_without_shares_leaves_nothing_to_inherit(client, personas, coop, register):
    nothing = build_member(coop.baima, build_household(number="0004", head_name="吴空"))
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        _url(coop, "inherit"), _inherit(coop, deceased_member=nothing.pk)
    )
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "inherit", "deceased_member", "被继承成员没有股份")
    assert snapshot() == before


def test_an_heir_who_is_not_yet_a_member_cannot_be_chosen(client, personas, coop):
    applicant = build_member(
        coop.baima, build_household(number="0005", head_name="王小山"), status=MemberStatus.APPLIED
    )
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        _url(coop, "inherit"), _inherit(coop, heir_member=applicant.pk)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert _field_error(html, "inherit", "heir_member", "")
    assert "须先登记入社" in html  # the form says how an heir becomes a member
    assert snapshot() == before


def test_an_inheritance_without_a_reason_asks_for_one(client, personas, coop):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(_url(coop, "inherit"), _inherit(coop, reason=""))
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "inherit", "reason", "请填写事由")
    assert snapshot() == before


def test_an_inheritance_dated_in_a_closed_year_is_refused(client, personas, coop):
    coop.baima.closed_through_year = TODAY.year
    coop.baima.save(update_fields=["closed_through_year"])
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(_url(coop, "inherit"), _inherit(coop))
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "inherit", "on", f"{TODAY.year} 年及以前的账已结")
    assert snapshot() == before


# Poverty-fund shares into ordinary shares (扶贫资金股份转为普通股)


def test_the_shares_tab_shows_who_is_due_for_conversion_before_the_click(client, personas, coop):
    html = as_user(client, personas.cadre_a).get(f"/coops/{coop.baima.pk}/?tab=shares").content.decode()
    table = html[html.index("conversion-table") : html.index("</table>", html.index("conversion-table"))]
    wang = table[table.index("王大山") : table.index("</tr>", table.index("王大山"))]
    zhou = table[table.index("周小梅") : table.index("</tr>", table.index("周小梅"))]
    assert "2018" in wang and "2024-01-01" in wang and "到期" in wang and "转为现金股 5 股" in wang
    assert str(TODAY.year - 1) in zhou and "未到期" in zhou
    assert "1 名成员到期" in html


def test_the_conversion_turns_the_due_members_poverty_shares_into_cash_shares(client, personas, coop):
    client = as_user(client, personas.cadre_a)
    response = client.post(_url(coop, "convert"), {"on": TODAY.isoformat()})
    assert response.status_code == 302
    assert _held(coop.wang, coop.poverty) == (0, 0)
    assert _held(coop.wang, coop.cash) == (1500, 1500_00)
    assert _held(coop.zhou, coop.poverty) == (200, 200_00)  # out of poverty last year: not yet
    html = client.get(response["Location"]).content.decode()
    assert "已将 1 名成员的财政扶贫资金股转为现金股，合计 ¥500.00" in html
    assert "转换（转入）" in html and "转换（转出）" in html


def test_a_second_conversion_converts_nothing_more(client, personas, coop):
    client = as_user(client, personas.cadre_a)
    client.post(_url(coop, "convert"), {"on": TODAY.isoformat()})
    before = snapshot()
    response = client.post(_url(coop, "convert"), {"on": TODAY.isoformat()})
    assert response.status_code == 302
    assert "没有到期应转换的财政扶贫资金股" in client.get(response["Location"]).content.decode()
    assert snapshot() == before


def test_a_conversion_without_a_cash_class_is_refused(client, personas, coop):
    coop.cash.kind = "labour"
    coop.cash.save(update_fields=["kind"])
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(_url(coop, "convert"), {"on": TODAY.isoformat()})
    assert response.status_code == 400
    html = response.content.decode()
    assert "form-errors" in html and "本社没有现金股类别" in html
    assert snapshot() == before


def test_a_conversion_without_a_date_asks_for_one(client, personas, coop):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(_url(coop, "convert"), {"on": ""})
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "convert", "on", "日期无效")
    assert snapshot() == before


# Redemption (退股)


def _redeem(coop, **changes) -> dict:
    data = {
        "member": coop.wang.pk,
        "share_class": coop.cash.pk,
        "units": "4",
        "on": TODAY.isoformat(),
        "reason": "家中急用，退股 4 股",
    }
    data.update(changes)
    return data


def test_a_member_redeems_part_of_their_cash_shares(client, personas, coop):
    client = as_user(client, personas.cadre_a)
    response = client.post(_url(coop, "redeem"), _redeem(coop))
    assert response.status_code == 302
    assert _held(coop.wang, coop.cash) == (600, 600_00)
    html = client.get(response["Location"]).content.decode()
    assert "已记录退股：王大山 4股，退还 ¥400.00" in html
    assert "家中急用" in html


def test_redeeming_more_than_held_is_refused_next_to_the_units(client, personas, coop):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(_url(coop, "redeem"), _redeem(coop, units="11"))
    assert response.status_code == 400
    html = response.content.decode()
    assert _field_error(html, "redeem", "units", "持有 10 单位，不足 11 单位")
    assert 'value="11"' in html  # what was typed stays in the form
    assert snapshot() == before


def test_poverty_fund_shares_are_never_redeemed(client, personas, coop):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        _url(coop, "redeem"), _redeem(coop, share_class=coop.poverty.pk, units="1")
    )
    assert response.status_code == 400
    assert _field_error(
        response.content.decode(), "redeem", "share_class", "财政补助和捐赠形成的股份不能退还"
    )
    assert snapshot() == before


def test_a_redemption_of_no_units_is_refused(client, personas, coop):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(_url(coop, "redeem"), _redeem(coop, units="0"))
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "redeem", "units", "数量必须大于零")
    assert snapshot() == before


def test_a_redemption_without_a_member_asks_for_one(client, personas, coop):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(_url(coop, "redeem"), _redeem(coop, member=""))
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "redeem", "member", "必填项为空")
    assert snapshot() == before


def test_a_member_of_another_cooperative_cannot_redeem_here(client, personas, coop, register):
    stranger = build_member(coop.longjing, register.longjing_zhao)
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(_url(coop, "redeem"), _redeem(coop, member=stranger.pk))
    assert response.status_code == 400
    assert snapshot() == before


def test_a_refusal_is_shown_in_english_to_an_english_reader(client, personas, coop, english_catalogue):
    as_user(client, personas.cadre_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(_url(coop, "redeem"), _redeem(coop, units="11"))
    assert response.status_code == 400
    assert _field_error(
        response.content.decode(), "redeem", "units", "Holds 10 units, fewer than the 11 asked for."
    )


# Exit settlement (退社结算)


def _leaving(member, effective: dt.date) -> None:
    Member.objects.filter(pk=member.pk).update(
        status=MemberStatus.EXIT_NOTIFIED,
        exit_notice_on=effective - dt.timedelta(days=120),
        exit_effective_on=effective,
    )


def test_the_members_tab_shows_what_a_leaving_member_gets_back(client, personas, coop):
    _leaving(coop.wang, TODAY - dt.timedelta(days=1))
    html = as_user(client, personas.cadre_a).get(f"/coops/{coop.baima.pk}/?tab=members").content.decode()
    block = html[html.index(f'id="settle-{coop.wang.pk}"') :]
    block = block[: block.index("</form>")]
    assert "将退还出资" in block and "¥1,000.00" in block
    assert "收回补助形成的股份（不退还）" in block and "¥500.00" in block
    assert f'href="#settle-{coop.wang.pk}"' in html  # the member's row leads to the settlement
    assert f'id="settle-{coop.li.pk}"' not in html  # no notice, no settlement


def test_a_leaving_member_is_settled_with_capital_and_reserve_share(client, personas, coop):
    _leaving(coop.wang, TODAY - dt.timedelta(days=1))
    client = as_user(client, personas.cadre_a)
    response = client.post(
        f"/coops/{coop.baima.pk}/members/{coop.wang.pk}/exit-settlement/",
        {"on": TODAY.isoformat(), "reserve_share_fen": "123.45"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?tab=members")
    coop.wang.refresh_from_db()
    assert coop.wang.status == MemberStatus.EXITED and coop.wang.exit_settled_on == TODAY
    assert coop.wang.exit_capital_returned_fen == 1000_00 and coop.wang.exit_reserve_returned_fen == 123_45
    assert _held(coop.wang, coop.cash) == (0, 0) and _held(coop.wang, coop.poverty) == (0, 0)
    html = client.get(response["Location"]).content.decode()
    assert "已办理“王大山”的退社结算：退还出资 ¥1,000.00，退还公积金份额 ¥123.45" in html
    assert f'id="settle-{coop.wang.pk}"' not in html


def test_an_exit_cannot_be_settled_before_it_takes_effect(client, personas, coop):
    effective = TODAY + dt.timedelta(days=30)
    _leaving(coop.wang, effective)
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coop.baima.pk}/members/{coop.wang.pk}/exit-settlement/", {"on": TODAY.isoformat()}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert _field_error(html, f"settle-{coop.wang.pk}", "on", f"退社在 {effective.isoformat()} 才生效")
    assert snapshot() == before


def test_a_member_without_an_exit_notice_is_not_settled(client, personas, coop):
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coop.baima.pk}/members/{coop.li.pk}/exit-settlement/", {"on": TODAY.isoformat()}
    )
    assert response.status_code == 400
    assert "该成员没有申请退社，或已结算" in response.content.decode()
    assert snapshot() == before


def test_a_negative_reserve_share_is_refused_next_to_the_field(client, personas, coop):
    _leaving(coop.wang, TODAY - dt.timedelta(days=1))
    before = snapshot()
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coop.baima.pk}/members/{coop.wang.pk}/exit-settlement/",
        {"on": TODAY.isoformat(), "reserve_share_fen": "-5"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert _field_error(html, f"settle-{coop.wang.pk}", "reserve_share_fen", "公积金份额不能为负")
    assert snapshot() == before


# Who may see and use these forms


def _posts(coop) -> list[tuple[str, dict]]:
    return [
        (_url(coop, "inherit"), _inherit(coop)),
        (_url(coop, "convert"), {"on": TODAY.isoformat()}),
        (_url(coop, "redeem"), _redeem(coop)),
        (f"/coops/{coop.baima.pk}/members/{coop.wang.pk}/exit-settlement/", {"on": TODAY.isoformat()}),
    ]


def test_the_auditor_reads_the_ledger_without_these_forms(client, personas, coop):
    _leaving(coop.wang, TODAY - dt.timedelta(days=1))
    client = as_user(client, personas.auditor)
    shares = client.get(f"/coops/{coop.baima.pk}/?tab=shares").content.decode()
    assert "share-ledger-table" in shares and "入股" in shares
    for form in ("股份继承", "conversion-table", 'id="redeem"', "/shares/inherit/", "/shares/redeem/"):
        assert form not in shares, form
    members = client.get(f"/coops/{coop.baima.pk}/?tab=members").content.decode()
    assert "王大山" in members and "exit-settlement" not in members and "将退还出资" not in members


@pytest.mark.parametrize("persona", ["auditor", "cadre_b"])
def test_every_post_of_a_reader_or_another_village_is_refused_and_changes_nothing(
    client, personas, coop, persona
):
    _leaving(coop.wang, TODAY - dt.timedelta(days=1))
    client = as_user(client, getattr(personas, persona))
    before = snapshot()
    for path, data in _posts(coop):
        assert client.post(path, data).status_code == 403, path
    assert snapshot() == before


def test_the_cadre_is_refused_another_villages_cooperative(client, personas, coop, register):
    zhao = build_member(coop.longjing, register.longjing_zhao)
    pk = coop.longjing.pk
    client = as_user(client, personas.cadre_a)
    before = snapshot()
    for path in (
        f"/coops/{pk}/shares/inherit/",
        f"/coops/{pk}/shares/convert/",
        f"/coops/{pk}/shares/redeem/",
        f"/coops/{pk}/members/{zhao.pk}/exit-settlement/",
    ):
        assert client.post(path, {"on": TODAY.isoformat()}).status_code == 403, path
    assert snapshot() == before


def test_a_member_of_another_cooperative_is_not_settled_through_this_one(client, personas, coop, register):
    zhao = build_member(coop.longjing, register.longjing_zhao)
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{coop.baima.pk}/members/{zhao.pk}/exit-settlement/", {"on": TODAY.isoformat()}
    )
    assert response.status_code in (403, 404)


def test_an_anonymous_post_is_sent_to_the_login_page(client, coop):
    before = snapshot()
    for path, data in _posts(coop):
        response = client.post(path, data)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path
    assert snapshot() == before
