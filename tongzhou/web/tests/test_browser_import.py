"""A village cadre imports the register in a real browser: a file with an error, then the corrected file."""

from __future__ import annotations

import pytest

from tongzhou.core.testing import VILLAGE_A
from tongzhou.households.models import Household
from tongzhou.households.tests.test_import import head_row, member_row, write_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    """Each browser test flushes the database at its end; put the shipped province-to-county tree back first."""
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()


def test_a_cadre_sees_the_rejected_row_then_imports_the_corrected_file(page, login, personas, tmp_path):
    head = head_row("0301", name="杨春生")
    child = member_row("0301", name="杨小梅")
    wrong = dict(
        child, 身份证号码=child["身份证号码"][:-1] + ("0" if child["身份证号码"][-1] != "0" else "1")
    )
    login(personas.cadre_a)
    page.goto(page.base_url + "/import/")
    page.set_input_files("input[name=file]", str(write_csv(tmp_path / "白马村户籍.csv", [head, wrong])))
    page.click("form.import-form button[type=submit]")
    errors = page.locator("section.import-errors")
    errors.wait_for()
    assert "1 处错误" in errors.locator("h2").inner_text()
    first = errors.locator("table.import-error-table tbody tr").first.inner_text()
    assert "3" in first and "身份证号码" in first and "校验码" in first
    assert not Household.objects.filter(number="0301").exists()

    page.set_input_files("input[name=file]", str(write_csv(tmp_path / "白马村户籍-改正.csv", [head, child])))
    page.click("form.import-form button[type=submit]")
    page.locator("section.import-result").wait_for()
    assert "导入成功" in page.locator("section.import-result h2").inner_text()
    household = Household.objects.get(village_code=VILLAGE_A, number="0301")
    assert household.head_name == "杨春生" and household.persons.count() == 2
    page.goto(page.base_url + f"/households/{household.pk}/")
    assert "杨小梅" in page.content()
