"""A village accountant keeps the books in a real browser (Chromium through Playwright): opens the cooperative's
book, enters a two-line voucher through the account search and sees the balance check turn green; the village
secretary checks and posts it, then reverses it; the voucher list shows both."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tongzhou.coops.testing import build_cooperative
from tongzhou.ledger.models import Voucher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    """Each browser test flushes the database at its end; put the shipped province-to-county tree back first."""
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()


def choose_account(page, index: int, typed: str, label: str) -> None:
    """Type into a line's account box and pick the account from the htmx search results."""
    page.fill(f"input[name='lines-{index}-account']", typed)
    page.click(f"#account-results-{index} button:has-text('{label}')")
    page.wait_for_selector(f"#line-{index} .account-name:has-text('{label.split(' ', 1)[1]}')")


def test_an_accountant_enters_a_voucher_another_checks_posts_and_reverses_it(page, login, personas):
    baima = build_cooperative()
    year = dt.date.today().year

    login(personas.cadre_a)
    page.goto(f"{page.base_url}/coops/{baima.pk}/")
    page.click("a.book-link")
    page.fill("#id_start_year", str(year))
    page.select_option("#id_start_month", "1")
    page.click("#open-book button[type=submit]")
    page.wait_for_selector("li.msg-success")
    assert "库存现金" in page.locator("table.ledger-accounts").inner_text()

    # A two-line voucher: cash drawn from the bank. The check is red until debits equal credits.
    page.click("nav.ledger-tabs >> text=录入凭证")
    page.fill("#id_summary", "从银行提取备用金")
    choose_account(page, 0, "库存", "101 库存现金")
    page.fill("input[name='lines-0-debit']", "1,000")
    choose_account(page, 1, "102", "102 银行存款")
    page.fill("input[name='lines-1-credit']", "900")
    page.wait_for_selector("#voucher-totals:has-text('借贷不平衡')")
    assert "balanced" not in (page.get_attribute("#voucher-totals", "class") or "").split()
    page.fill("input[name='lines-1-credit']", "1000.00")
    page.wait_for_selector("#voucher-totals.balanced")
    assert "借贷平衡" in page.inner_text("#voucher-totals")
    page.click("button.save-draft")
    page.wait_for_selector("li.msg-success")
    original = Voucher.objects.get()
    assert original.status == "draft" and original.maker_id == personas.cadre_a.pk
    assert "审核须由制单人以外的人进行" in page.inner_text("section.voucher-card")

    # The village secretary checks and posts it, then reverses it.
    page.click("nav.nav button:has-text('退出')")
    page.wait_for_load_state("networkidle")
    login(personas.secretary_a)
    page.goto(f"{page.base_url}/vouchers/{original.pk}/")
    page.click(".voucher-actions button:has-text('审核')")
    page.wait_for_selector("li.msg-success")
    page.click(".voucher-actions button:has-text('记账')")
    page.wait_for_selector("li.msg-success")
    card = page.inner_text("section.voucher-card")
    assert "记 1 号" in card and "secretary_a" in card
    page.click("#reverse summary")
    page.click("#reverse button[type=submit]")
    page.wait_for_selector("p.reverses-link")
    reversal = Voucher.objects.get(reverses=original)
    assert "-¥1,000.00" in page.inner_text("table.voucher-detail-lines")

    page.click("nav.ledger-tabs >> text=凭证")
    table = page.locator("table.voucher-table")
    assert table.locator("tbody tr").count() == 2
    first = table.locator(f"tr[data-voucher='{original.pk}']").inner_text()
    second = table.locator(f"tr[data-voucher='{reversal.pk}']").inner_text()
    assert "记 1 号" in first and "已被冲销" in first and "¥1,000.00" in first
    assert "红字冲销" in second and "-¥1,000.00" in second

    if os.environ.get("TONGZHOU_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["TONGZHOU_SCREENSHOTS"], "ledger-vouchers.png"), full_page=True
        )
