"""A village cadre imports the members of a cooperative in a real browser: a file with an error, the error read on
the members tab, then the corrected file, and the new members in the roll."""

from __future__ import annotations

import csv
import pathlib

import pytest

from tongzhou.coops.models import Member
from tongzhou.coops.testing import build_bylaws, build_cooperative

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["身份证号码", "申请日期", "入社日期"]


@pytest.fixture(autouse=True)
def shipped_regions(transactional_db):
    """Each browser test flushes the database at its end; put the shipped province-to-county tree back first."""
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()


def write_csv(path: pathlib.Path, rows: list[list]) -> pathlib.Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def id_of(household) -> str:
    return household.persons.filter(relation="head").first().id_number


def test_a_cadre_reads_the_rejected_row_then_imports_the_corrected_members_file(
    page, login, register, personas, tmp_path
):
    baima = build_cooperative()
    build_bylaws(baima)
    wang, li, zhao = id_of(register.baima_wang), id_of(register.baima_li), id_of(register.longjing_zhao)

    login(personas.cadre_a)
    page.goto(page.base_url + f"/coops/{baima.pk}/?tab=members")
    page.click("#import-members summary")
    # Zhao lives in Longjing, not in Baima: the whole file is refused.
    wrong = write_csv(
        tmp_path / "白马村成员.csv", [[wang, "2024-03-01", "2024-03-15"], [zhao, "2024-03-01", ""]]
    )
    page.set_input_files("#import-members-file", str(wrong))
    page.click("#import-members button[type=submit]")
    errors = page.locator("section.import-errors")
    errors.wait_for()
    assert "1 处错误" in errors.locator("h2").inner_text()
    first = errors.locator("table.import-error-table tbody tr").first.inner_text()
    assert "3" in first and "身份证号码" in first and "农户档案中没有这个身份证号码" in first
    assert errors.locator("a", has_text="下载错误报告（XLSX）").count() == 1
    assert not Member.objects.filter(cooperative=baima).exists()

    # The corrected file: Li instead of Zhao.
    right = write_csv(
        tmp_path / "白马村成员-改正.csv", [[wang, "2024-03-01", "2024-03-15"], [li, "2024-03-01", ""]]
    )
    page.set_input_files("#import-members-file", str(right))
    page.click("#import-members button[type=submit]")
    page.wait_for_selector("li.msg-success")
    assert "导入成功：批准入社 1 户，登记入社申请 1 份" in page.locator("li.msg-success").inner_text()
    assert page.locator("section.import-errors").count() == 0
    members = page.locator("table.members-table tbody")
    assert "在册成员" in members.locator("tr", has_text="王大山").inner_text()
    assert "申请中" in members.locator("tr", has_text="李春花").inner_text()
    assert Member.objects.filter(cooperative=baima).count() == 2
