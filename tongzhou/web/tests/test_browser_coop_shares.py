"""A village accountant settles holdings in a real browser (Chromium through Playwright): an heir inherits a
deceased member's shares, the poverty-fund shares of a household out of poverty become cash shares, a member
redeems part of their shares and a leaving member is settled; every step is then found in the share ledger."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tongzhou.coops.models import Member, MemberStatus
from tongzhou.coops.services.shares import share_subscribe
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, build_share_class
from tongzhou.core.testing import build_household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    """Each browser test flushes the database at its end; put the shipped province-to-county tree back first."""
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()


def test_an_accountant_records_an_inheritance_a_conversion_a_redemption_and_an_exit_settlement(
    page, login, register, personas
):
    today = dt.date.today()
    baima = build_cooperative()
    build_bylaws(baima, poverty_share_conversion_years=5)
    cash = build_share_class(baima)
    poverty = build_share_class(baima, kind="fiscal_poverty", transferable=False)
    register.baima_wang.poverty_exit_year = 2018
    register.baima_wang.save(update_fields=["poverty_exit_year"])
    wang = build_member(baima, register.baima_wang)
    li = build_member(baima, register.baima_li)
    zhou = build_member(baima, build_household(number="0003", head_name="周小梅"))
    for member, share_class, units in ((wang, cash, 10), (wang, poverty, 5), (li, cash, 3), (zhou, cash, 2)):
        share_subscribe(
            user=personas.cadre_a,
            member=member,
            share_class=share_class,
            units=units,
            on=dt.date(2024, 1, 10),
            reason="入股",
        )
    # Zhou gave notice last year; the exit took effect yesterday.
    Member.objects.filter(pk=zhou.pk).update(
        status=MemberStatus.EXIT_NOTIFIED,
        exit_notice_on=today - dt.timedelta(days=200),
        exit_effective_on=today - dt.timedelta(days=1),
    )

    login(personas.cadre_a)
    page.goto(f"{page.base_url}/coops/{baima.pk}/?tab=shares")

    # Inheritance: Li Chunhua has died; her heir Wang Dashan, a member, inherits her three cash shares.
    page.click("#inherit summary")
    page.select_option("#inherit_deceased_member", label=f"{li.pk} · 李春花")
    page.select_option("#inherit_heir_member", label=f"{wang.pk} · 王大山")
    page.fill("#inherit_on", today.isoformat())
    page.fill("#inherit_reason", "继承公证书（2025）黔毕证字第 12 号")
    page.click("#inherit button[type=submit]")
    page.locator("li.msg-success", has_text="已记录继承").wait_for()
    holdings = page.locator("table.holdings-table").inner_text()
    assert "李春花" not in holdings

    # Conversion: Wang left poverty in 2018, so after five full years his poverty-fund shares are due.
    due = page.locator("table.conversion-table tbody tr", has_text="王大山").inner_text()
    if os.environ.get("TONGZHOU_SCREENSHOTS"):
        page.locator("#convert").screenshot(
            path=os.path.join(os.environ["TONGZHOU_SCREENSHOTS"], "coop-conversion.png")
        )
    assert "到期" in due and "转为现金股 5 股" in due
    page.fill("#convert_on", today.isoformat())
    page.click("#convert button[type=submit]")
    page.locator("li.msg-success", has_text="已将 1 名成员的财政扶贫资金股转为现金股").wait_for()

    # Redemption: Wang takes back four shares; twenty would be more than he holds and is refused first.
    page.click("#redeem summary")
    page.select_option("#redeem_member", label=f"{wang.pk} · 王大山")
    page.select_option("#redeem_share_class", label="现金股（股）")
    page.fill("#redeem_units", "20")
    page.fill("#redeem_on", today.isoformat())
    page.fill("#redeem_reason", "家中建房，退股")
    page.click("#redeem button[type=submit]")
    error = page.locator("#redeem [data-field=units] .field-error").inner_text()
    assert "持有 18 单位，不足 20 单位" in error
    assert page.input_value("#redeem_reason") == "家中建房，退股"
    page.fill("#redeem_units", "4")
    page.click("#redeem button[type=submit]")
    page.locator("li.msg-success", has_text="已记录退股：王大山 4股，退还 ¥400.00").wait_for()
    wang_cash = page.locator("table.holdings-table tbody tr", has_text="王大山").filter(has_text="现金股")
    assert "¥1,400.00" in wang_cash.inner_text()

    # Exit settlement: Zhou's card shows what she gets back before the click.
    page.click("nav.coop-tabs >> text=成员")
    card = page.locator(f"#settle-{zhou.pk}")
    assert "将退还出资" in card.inner_text() and "¥200.00" in card.inner_text()
    if os.environ.get("TONGZHOU_SCREENSHOTS"):
        card.screenshot(path=os.path.join(os.environ["TONGZHOU_SCREENSHOTS"], "coop-exit-settlement.png"))
    assert page.input_value(f"#settle{zhou.pk}_on") == today.isoformat()  # the picker starts on today
    page.fill(f"#settle{zhou.pk}_reserve_share_fen", "12.34")
    card.locator("button[type=submit]").click()
    page.locator("li.msg-success", has_text="退还出资 ¥200.00，退还公积金份额 ¥12.34").wait_for()
    assert "已退社" in page.locator("table.members-table tbody tr", has_text="周小梅").inner_text()

    # The share ledger keeps every step.
    page.click("nav.coop-tabs >> text=股份")
    ledger = page.locator("table.share-ledger-table tbody")
    passed_on = ledger.locator("tr", has_text="继承（转出）").inner_text()
    assert passed_on.startswith(f"{today.isoformat()}\t李春花") and "-¥300.00" in passed_on
    inherited = ledger.locator("tr", has_text="继承（转入）").inner_text()
    assert "王大山" in inherited and "¥300.00" in inherited
    assert ledger.locator("tr", has_text="转换（转出）").count() == 1
    assert "¥500.00" in ledger.locator("tr", has_text="转换（转入）").inner_text()
    redeemed = ledger.locator("tr", has_text="家中建房").inner_text()
    assert "退股" in redeemed and "-¥400.00" in redeemed
    settled = ledger.locator("tr", has_text="退社退还出资").inner_text()
    assert "周小梅" in settled and "-¥200.00" in settled

    if os.environ.get("TONGZHOU_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["TONGZHOU_SCREENSHOTS"], "coop-share-operations.png"), full_page=True
        )
