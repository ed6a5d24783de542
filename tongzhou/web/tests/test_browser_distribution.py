"""A village accountant takes the year's surplus distribution from draft to posted in a real browser (Chromium
through Playwright): from the cooperative page to the year's page, computes the draft, reads the steps and the
chart, publishes it, is refused an assembly with too few votes (the error next to the field), records the
assembly's approval and posts it; the members' list then shows the names and amounts."""

from __future__ import annotations

import os

import pytest

from tongzhou.distribution.models import DistributionRun, RunStatus
from tongzhou.distribution.tests.runs_builders import YEAR, build_coop_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    """Each browser test flushes the database at its end; put the shipped province-to-county tree back first."""
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()


def submit(page, section: str) -> None:
    page.click(f"#{section} button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_an_accountant_takes_a_distribution_from_draft_to_posted(page, login, personas):
    coop = build_coop_year(personas)

    login(personas.cadre_a)
    page.goto(f"{page.base_url}/coops/{coop.cooperative.pk}/")
    page.click("a.distribution-link")
    page.fill("form.year-picker input[name=year]", str(YEAR))
    page.click("form.year-picker button[type=submit]")
    page.wait_for_selector("p.no-run")

    # Draft: the books give the surplus; 10% of each member's amount is proposed for conversion into capital.
    page.fill("#id_compute-conversion_bp", "10")
    submit(page, "compute")
    page.wait_for_selector("li.msg-success")
    steps = page.inner_text("table.run-steps")
    assert "本年盈余" in steps and "¥100,000.00" in steps and "¥54,000.00" in steps
    assert page.locator("ul.money-bars li").count() >= 3
    assert "¥40,500.00" in page.inner_text("table.sheet")
    assert page.inner_text(".run-status") == "草稿"

    page.fill("#id_publish-on", f"{YEAR + 1}-01-05")
    submit(page, "publish")
    page.wait_for_selector("#approve")
    assert page.inner_text(".run-status") == "已公示"

    # Too few votes: the error stands next to the votes, the run stays published.
    page.fill("#id_approve-assembly_on", f"{YEAR + 1}-01-20")
    page.fill("#id_approve-votes_for", "1")
    page.fill("#id_approve-votes_against", "1")
    page.fill("#id_approve-members_entitled", "2")
    submit(page, "approve")
    error = page.inner_text("#approve [data-field=votes_for] .field-error")
    assert "过半数" in error and "Art. 30" in error
    assert DistributionRun.objects.get().status == RunStatus.PUBLISHED

    page.fill("#id_approve-votes_for", "2")
    page.fill("#id_approve-votes_against", "0")
    submit(page, "approve")
    page.wait_for_selector("#post")
    assert page.input_value("#id_post-on") == f"{YEAR + 1}-01-20"
    submit(page, "post")
    page.wait_for_selector("#pay")
    assert page.inner_text(".run-status") == "已记账"
    run = DistributionRun.objects.get()
    assert run.status == RunStatus.POSTED and run.vouchers.count() == 1
    assert "记 1 号" in page.inner_text("dl.run-facts")

    page.click("a.published-link")
    listed = page.inner_text("table.members-list")
    assert "王大山" in listed and "李小花" in listed and "¥40,500.00" in listed

    if os.environ.get("TONGZHOU_SCREENSHOTS"):
        page.goto(f"{page.base_url}/coops/{coop.cooperative.pk}/distribution/{YEAR}/")
        page.screenshot(
            path=os.path.join(os.environ["TONGZHOU_SCREENSHOTS"], "distribution-year.png"), full_page=True
        )
