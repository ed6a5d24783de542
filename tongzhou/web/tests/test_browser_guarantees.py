"""A village cadre books and pays the year's guaranteed payments (保底收益) in a real browser (Chromium through
Playwright): from the cooperative page to the year's distribution page, clicks 保底收益, reads the preview of the
worked example (land ¥300.00 per mu, fiscal poverty-fund shares ¥12.55 per share: ¥1,205.48), books and pays it,
sees the booked lines and the two vouchers and follows the booking voucher; a second tab still showing the booking
form is refused with the Chinese message and changes nothing; a wage is recorded through the transaction form; the
member households' pages then show the guaranteed payments and the wage in their 收入 section for the year."""

from __future__ import annotations

import os

import pytest

from tongzhou.distribution.models import GuaranteeBooking, HouseholdIncome, IncomeKind
from tongzhou.distribution.tests.runs_builders import YEAR
from tongzhou.distribution.tests.test_guarantees_db import build_example, counts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    """Each browser test flushes the database at its end; put the shipped province-to-county tree back first."""
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()


def submit(page, section: str) -> None:
    page.click(f"#{section} button[type=submit]")
    page.wait_for_load_state("networkidle")


def cells(row) -> list[str]:
    return [x.strip() for x in row.locator("td").all_inner_texts()]


def table_rows(page, selector: str) -> list[list[str]]:
    rows = page.locator(f"{selector} tbody tr")
    return [cells(rows.nth(i)) for i in range(rows.count())]


def test_a_cadre_books_and_pays_the_guarantees_and_the_households_see_the_income(page, login, personas):
    ex = build_example(personas)
    coop = ex.cooperative
    wang, li, zhang = ex.wang.pk, ex.li.pk, ex.zhang.pk
    guarantees_url = f"{page.base_url}/coops/{coop.pk}/distribution/{YEAR}/guarantees/"

    login(personas.cadre_a)
    page.goto(f"{page.base_url}/coops/{coop.pk}/")
    page.click("a.distribution-link")
    page.fill("form.year-picker input[name=year]", str(YEAR))
    page.click("form.year-picker button[type=submit]")
    page.wait_for_selector("p.no-run")
    page.click("a.guarantees-link")
    page.wait_for_url(guarantees_url)

    # The preview: each member's guarantee from the shares held on 31 December (张三's land bought in January is
    # not counted), rounded half up to the fen per line.
    assert "土地经营权股 ¥300.00/亩；财政扶贫资金股 ¥12.55/股" in page.inner_text("p.guarantee-terms")
    expected = [
        [str(wang), "王大山", "土地经营权股", "2.50", "¥300.00/亩", "¥750.00"],
        [str(li), "李小花", "财政扶贫资金股", "3.00", "¥12.55/股", "¥37.65"],
        [str(li), "李小花", "土地经营权股", "1.00", "¥300.00/亩", "¥300.00"],
        [str(zhang), "张三", "财政扶贫资金股", "1.50", "¥12.55/股", "¥18.83"],
        [str(zhang), "张三", "土地经营权股", "0.33", "¥300.00/亩", "¥99.00"],
    ]
    assert table_rows(page, "table.guarantee-preview") == expected
    assert page.inner_text("table.guarantee-preview .guarantee-total") == "¥1,205.48"
    assert page.locator("#pay").count() == 0 and page.locator("section.guarantee-booking").count() == 0

    # A second tab opened now keeps the booking form after the first books.
    stale = page.context.new_page()
    stale.goto(guarantees_url)
    stale.wait_for_selector("#book")

    # Book on 31 December and pay on 10 January.
    page.fill("#id_book-on", "")
    page.check("#id_book-pay")
    page.fill("#id_book-paid_on", f"{YEAR + 1}-01-10")
    submit(page, "book")
    assert page.inner_text("li.msg-success") == "保底收益已记账并发放。 ¥1,205.48"
    assert page.locator("#book").count() == 0 and page.locator("#pay").count() == 0
    booking = GuaranteeBooking.objects.get()
    assert booking.total_fen == 120_548 and str(booking.paid_on) == f"{YEAR + 1}-01-10"
    card = page.locator("section.guarantee-booking")
    assert card.get_attribute("data-status") == "paid"
    assert page.inner_text("section.guarantee-booking .tag") == "已发放"
    facts = card.locator("dl.facts").inner_text()
    assert f"{YEAR}-12-31" in facts and f"{YEAR + 1}-01-10" in facts and "¥1,205.48" in facts
    assert table_rows(page, "table.guarantee-lines") == expected

    (booked,) = booking.vouchers.all()
    (paying,) = booking.payment_vouchers.all()
    links = card.locator("dl.facts a")
    assert links.all_inner_texts() == [
        f"{YEAR}-12-31 记 {booked.number} 号",
        f"{YEAR + 1}-01-10 记 {paying.number} 号",
    ]
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        f"/vouchers/{booked.pk}/",
        f"/vouchers/{paying.pk}/",
    ]

    # The booking voucher: Dr 经营支出 for the total, Cr 成员往来 per member.
    links.first.click()
    page.wait_for_url(f"**/vouchers/{booked.pk}/")
    lines = page.inner_text("table.voucher-detail-lines")
    assert "¥1,205.48" in lines and "¥750.00" in lines and "¥337.65" in lines and "¥117.83" in lines
    assert "王大山" in lines and "李小花" in lines and "张三" in lines
    assert "已记账" in page.inner_text("section.voucher-card")

    # The stale tab books again: refused with the Chinese message, nothing written.
    before = counts()
    stale.click("#book button[type=submit]")
    stale.wait_for_load_state("networkidle")
    error = stale.inner_text("#book .form-errors")
    assert f"{YEAR} 年度的保底收益已记账；一个年度只记一次，更正须先冲销" in error
    assert counts() == before
    stale.close()

    # A wage through the transaction form: 2 workdays picking mulberry leaves at ¥100.00, paid to 王大山.
    page.goto(f"{page.base_url}/coops/{coop.pk}/?tab=transactions&year={YEAR}")
    page.select_option("#id_member", label=f"{wang} · 王大山")
    page.select_option("#id_kind", value="labour")
    page.fill("#id_on", f"{YEAR}-11-20")
    page.fill("#id_product", "采桑务工")
    page.fill("#id_quantity", "2")
    page.fill("#id_unit", "工日")
    page.fill("#id_unit_price", "100.00")
    page.click("#record-transaction button[type=submit]")
    page.wait_for_selector("li.msg-success")
    assert HouseholdIncome.objects.filter(kind=IncomeKind.WAGE, amount_fen=20_000).count() == 1

    # The households' income of the year: the guaranteed payments (paid on 10 January, income of the year booked)
    # and the wage.
    page.goto(f"{page.base_url}/households/{ex.wang.household_id}/")
    assert page.inner_text("#income h2") == f"{YEAR} 年度收入"
    assert sorted(table_rows(page, "table.income-table")) == [
        [f"{YEAR}-11-20", "务工收入", coop.name, "¥200.00"],
        [f"{YEAR + 1}-01-10", "保底收益", coop.name, "¥750.00"],
    ]
    assert page.inner_text("table.income-table tfoot td") == "¥950.00"

    page.goto(f"{page.base_url}/households/{ex.li.household_id}/")
    assert sorted(table_rows(page, "table.income-table")) == [
        [f"{YEAR + 1}-01-10", "保底收益", coop.name, "¥300.00"],
        [f"{YEAR + 1}-01-10", "保底收益", coop.name, "¥37.65"],
    ]
    assert page.inner_text("table.income-table tfoot td") == "¥337.65"

    # Another year has none.
    page.fill("#id_income_year", str(YEAR + 1))
    page.click("#income button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#income h2") == f"{YEAR + 1} 年度收入"
    assert table_rows(page, "table.income-table") == [["本年度尚无收入记录。"]]

    if os.environ.get("TONGZHOU_SCREENSHOTS"):
        page.goto(guarantees_url)
        page.screenshot(
            path=os.path.join(os.environ["TONGZHOU_SCREENSHOTS"], "guarantees.png"), full_page=True
        )
