"""The pages in a real browser (Chromium through Playwright): navigation, search, editing, phone layout, English."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tongzhou.core.ids import make_resident_id
from tongzhou.core.testing import COUNTY, VILLAGE_A
from tongzhou.households.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    """Each browser test flushes the database at its end; put the shipped province-to-county tree back first."""
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()


def test_the_county_officer_clicks_down_to_a_household_and_sees_a_masked_id(page, login, register, personas):
    login(personas.county)
    page.click("section.region-card h2 >> text=七星关区")
    page.wait_for_url(f"**/r/{COUNTY}/")
    page.click("table.children-table >> text=同舟镇")
    page.click("table.children-table >> text=白马村")
    page.wait_for_url(f"**/r/{VILLAGE_A}/")
    page.click("table.households-table >> text=王大山")
    page.wait_for_url(f"**/households/{register.baima_wang.pk}/")
    head = register.baima_wang.persons.get(relation="head")
    id_cell = page.locator("table.persons-table tbody tr").first.locator("td.id-number")
    assert id_cell.inner_text() == head.masked_id_number
    assert head.id_number not in page.content()
    breadcrumb = page.locator("nav.breadcrumb").inner_text()
    for name in ("贵州省", "毕节市", "七星关区", "同舟镇", "白马村"):
        assert name in breadcrumb


def test_searching_by_the_last_four_id_digits_finds_the_household(page, login, register, personas):
    member = register.baima_li.persons.get(relation="child")
    login(personas.township)
    page.click("nav.nav >> text=搜索")
    page.fill("#id_search_q", member.id_number[-4:])
    page.press("#id_search_q", "Enter")
    page.wait_for_selector("table.results-table")
    assert "李春花" in page.locator("table.results-table").inner_text()


def test_the_village_list_refreshes_in_place_when_filtering(page, login, register, personas):
    login(personas.cadre_a)
    page.goto(page.base_url + f"/r/{VILLAGE_A}/")
    page.evaluate("window.__still_here = true")
    page.select_option("#id_poverty", "registered")
    page.wait_for_function("!document.querySelector('#household-list').innerText.includes('李春花')")
    assert "王大山" in page.locator("#household-list").inner_text()
    assert page.evaluate("window.__still_here") is True  # no page reload: htmx swapped the list only
    assert "poverty=registered" in page.url


def test_a_cadre_edits_the_phone_and_adds_a_person_after_a_wrong_check_digit(page, login, register, personas):
    login(personas.cadre_a)
    household = register.baima_li
    page.goto(page.base_url + f"/households/{household.pk}/")
    page.click("#edit-household summary")
    page.fill("#edit-household input[name=phone]", "13698765432")
    page.click("#edit-household button[type=submit]")
    page.wait_for_selector("text=农户信息已保存")
    assert "13698765432" in page.locator("dd.phone").inner_text()

    number = make_resident_id(COUNTY, dt.date(2003, 9, 1), 77, "M")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    page.click("#add-person summary")
    page.fill("#add-person input[name=name]", "李小军")
    page.fill("#add-person input[name=id_number]", wrong)
    page.select_option("#add-person select[name=relation]", "child")
    page.click("#add-person button[type=submit]")
    error = page.locator("#add-person [data-field=id_number] .field-error")
    assert "校验码错误" in error.inner_text()
    assert not Person.objects.filter(name="李小军").exists()

    page.fill("#add-person input[name=id_number]", number)
    page.click("#add-person button[type=submit]")
    page.wait_for_selector("text=已添加家庭成员")
    assert "李小军" in page.locator("table.persons-table").inner_text()
    assert Person.objects.get(name="李小军").id_number == number


def test_on_a_phone_the_household_table_scrolls_inside_the_page(page, login, register, personas):
    login(personas.cadre_a)
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto(page.base_url + f"/households/{register.baima_wang.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("table.persons-table").is_visible()
    assert not page.locator("nav.nav").is_visible()  # the navigation folds behind the menu button
    page.click("label.nav-toggle-label")
    assert page.locator("nav.nav >> text=搜索").is_visible()
    page.goto(page.base_url + f"/r/{VILLAGE_A}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("table.households-table").is_visible()


def test_switching_to_english(page, login, register, personas, english_catalogue):
    login(personas.cadre_a)
    page.goto(page.base_url + f"/r/{VILLAGE_A}/")
    page.click(".lang-switch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert "Household register" in page.content()
    assert page.locator("nav.nav >> text=Search").is_visible()
    page.click(".lang-switch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-Hans]")
    assert "农户名册" in page.content()


@pytest.mark.skipif(
    not os.environ.get("TONGZHOU_SCREENSHOT"), reason="set TONGZHOU_SCREENSHOT=path to take one"
)
def test_screenshot_of_the_village_page(page, login, register, personas):
    login(personas.cadre_a)
    page.goto(page.base_url + f"/r/{VILLAGE_A}/")
    page.screenshot(path=os.environ["TONGZHOU_SCREENSHOT"], full_page=True)
