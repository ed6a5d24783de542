"""A village cadre runs the cooperative in a real browser (Chromium through Playwright): admits a household, records
its shares and a cocoon sale, and finds the sale in the transactions and in the member's account."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tongzhou.coops.models import Member
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_share_class

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    """Each browser test flushes the database at its end; put the shipped province-to-county tree back first."""
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()


def test_a_cadre_admits_a_member_records_shares_and_a_cocoon_sale(page, login, register, personas):
    baima = build_cooperative()
    build_bylaws(baima)
    build_share_class(baima)
    today = dt.date.today().isoformat()

    login(personas.cadre_a)
    page.click("nav.nav >> text=合作社")
    page.click("table.coop-table >> text=白马村蚕桑专业合作社")
    page.wait_for_url(f"**/coops/{baima.pk}/")
    assert "现行章程" in page.locator("section.bylaws-card").inner_text()

    # Members: Li Chunhua's household (number 0002) applies and is approved.
    page.click("nav.coop-tabs >> text=成员")
    page.click("#apply-member summary")
    page.fill("#id_household_number", "0002")
    page.fill("#id_applied_on", today)
    page.click("#apply-member button[type=submit]")
    row = page.locator("table.members-table tbody tr", has_text="李春花")
    assert "申请中" in row.inner_text()
    row.locator("button", has_text="批准").first.click()
    page.wait_for_selector("li.msg-success")
    assert "在册成员" in page.locator("table.members-table tbody tr", has_text="李春花").inner_text()
    li = Member.objects.get(cooperative=baima, household=register.baima_li)
    member_label = f"{li.pk} · 李春花"

    # Shares: ten cash shares at 100 yuan.
    page.click("nav.coop-tabs >> text=股份")
    page.select_option("#subscribe_member", label=member_label)
    page.select_option("#subscribe_share_class", index=1)
    page.fill("#subscribe_units", "10")
    page.fill("#subscribe_on", today)
    page.click("#subscribe button[type=submit]")
    page.wait_for_selector("li.msg-success")
    assert "¥1,000.00" in page.locator("table.holdings-table").inner_text()

    # Transactions: 42.5 kg of fresh cocoons at 46.00 yuan.
    page.click("nav.coop-tabs >> text=成员交易")
    page.select_option("#id_member", label=member_label)
    page.fill("#id_on", today)
    page.fill("#id_product", "鲜茧")
    page.fill("#id_grade", "一级")
    page.fill("#id_quantity", "42.5")
    page.fill("#id_unit", "kg")
    page.fill("#id_unit_price", "46.00")
    page.click("#record-transaction button[type=submit]")
    page.wait_for_selector("li.msg-success")
    sale = page.locator("table.transactions-table tbody tr", has_text="鲜茧").inner_text()
    assert "李春花" in sale and "42.5" in sale and "¥1,955.00" in sale

    # The member account of the year: capital and the year's transactions.
    page.click("nav.coop-tabs >> text=成员账户")
    account = page.locator("table.accounts-table tbody tr", has_text="李春花").inner_text()
    assert "¥1,000.00" in account and "¥1,955.00" in account

    if os.environ.get("TONGZHOU_SCREENSHOTS"):
        page.click("nav.coop-tabs >> text=概况与章程")
        page.screenshot(path=os.path.join(os.environ["TONGZHOU_SCREENSHOTS"], "coop.png"), full_page=False)
        page.click("nav.coop-tabs >> text=成员")
        page.screenshot(
            path=os.path.join(os.environ["TONGZHOU_SCREENSHOTS"], "coop-members.png"), full_page=True
        )
        page.click("nav.coop-tabs >> text=成员交易")
        page.screenshot(path=os.path.join(os.environ["TONGZHOU_SCREENSHOTS"], "coop-tx.png"), full_page=True)
