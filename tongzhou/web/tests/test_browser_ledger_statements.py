"""A village cadre closes the worked year and exports its balance sheet in a real browser (Chromium through
Playwright)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tongzhou.ledger.tests.worked_example import build_worked_year, close_months

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()


def test_a_cadre_closes_the_year_and_downloads_the_balance_sheet(page, login, personas, live_server):
    small = build_worked_year(personas)
    close_months(personas, small.book)
    login(personas.cadre_a)
    page.goto(
        page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + f"/books/{small.book.pk}/statements/"
    )
    page.fill("#id_close_year", "2025")
    page.click("button:has-text('年终结账')")
    assert "2025 年已年结" in page.content()
    page.fill("#id_from", "2025-01-01")
    page.fill("#id_to", "2025-12-31")
    page.click("form.period-picker button[type=submit]")
    page.click("ul.statement-menu >> text=资产负债表")
    assert "97,900.00" in page.locator("table.statement-table").inner_text()
    assert page.locator("[data-testid=balanced]").inner_text() == "平衡"
    with page.expect_download() as info:
        page.click("text=下载 Excel")
    ws = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    assert ws["A1"].value == "资产负债表"
