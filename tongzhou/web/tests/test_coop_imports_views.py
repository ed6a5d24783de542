"""The member, share and transaction imports on the cooperative page, through Django's test client: the upload,
the dry run, a rejected file's errors and report, the size limit, the templates, and who may do what."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tongzhou.coops.members_import.columns import COLUMNS as MEMBER_COLUMNS
from tongzhou.coops.models import Member, MemberStatus, MemberTransaction, ShareEntry
from tongzhou.coops.testing import build_cooperative, build_member, build_share_class
from tongzhou.coops.transactions_import.columns import COLUMNS as TRANSACTION_COLUMNS
from tongzhou.core.testing import VILLAGE_B

pytestmark = pytest.mark.django_db

MEMBER_HEADERS = ["身份证号码", "申请日期", "入社日期"]


def as_user(client, user):
    client.force_login(user)
    return client


def csv_file(name: str, headers: list[str], rows: list[list]) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8"), content_type="text/csv")


def id_of(household) -> str:
    return household.persons.filter(relation="head").first().id_number


@pytest.fixture
def baima(register):
    """Baima's cooperative with cash shares at ¥100.00 and Wang a member; Li (0002) is not a member yet."""
    coop = build_cooperative()
    build_share_class(coop)
    build_member(coop, register.baima_wang)
    return coop


def members_of(coop) -> int:
    return Member.objects.filter(cooperative=coop).count()


# The panel on the tabs


@pytest.mark.parametrize("tab", ["members", "shares", "transactions"])
def test_each_tab_offers_its_import_with_the_templates(client, personas, baima, tab):
    html = as_user(client, personas.cadre_a).get(f"/coops/{baima.pk}/?tab={tab}").content.decode()
    assert f'id="import-{tab}"' in html
    assert f'action="/coops/{baima.pk}/{tab}/import/"' in html
    assert f"/coops/{baima.pk}/{tab}/import/template.xlsx" in html
    assert f"/coops/{baima.pk}/{tab}/import/template.csv" in html


def test_the_auditor_sees_no_import(client, personas, baima):
    html = as_user(client, personas.auditor).get(f"/coops/{baima.pk}/?tab=members").content.decode()
    assert "import-members" not in html


# Importing


def test_the_cadre_imports_a_members_file_and_sees_the_members(client, personas, baima, register):
    client = as_user(client, personas.cadre_a)
    upload = csv_file("成员.csv", MEMBER_HEADERS, [[id_of(register.baima_li), "2024-03-01", "2024-03-15"]])
    response = client.post(f"/coops/{baima.pk}/members/import/", {"file": upload})
    assert response.status_code == 302 and response["Location"].endswith("?tab=members")
    html = client.get(response["Location"]).content.decode()
    assert "导入成功：批准入社 1 户" in html
    assert Member.objects.get(cooperative=baima, household=register.baima_li).status == MemberStatus.ACTIVE
    assert "李春花" in html


def test_a_dry_run_checks_the_file_and_writes_nothing(client, personas, baima, register):
    client = as_user(client, personas.cadre_a)
    upload = csv_file("成员.csv", MEMBER_HEADERS, [[id_of(register.baima_li), "2024-03-01", ""]])
    response = client.post(f"/coops/{baima.pk}/members/import/", {"file": upload, "dry_run": "on"})
    assert response.status_code == 302
    assert "试运行完成：文件无误（1 行）" in client.get(response["Location"]).content.decode()
    assert members_of(baima) == 1


def test_the_cadre_imports_share_subscriptions(client, personas, baima, register):
    client = as_user(client, personas.cadre_a)
    upload = csv_file(
        "股份.csv",
        ["身份证号码", "股份类别", "数量", "日期", "事由"],
        [[id_of(register.baima_wang), "现金股", "10", "2024-03-20", "首次认购"]],
    )
    response = client.post(f"/coops/{baima.pk}/shares/import/", {"file": upload})
    assert response.status_code == 302 and response["Location"].endswith("?tab=shares")
    assert "导入成功：认购 1 笔，出资合计 ¥1,000.00" in client.get(response["Location"]).content.decode()
    assert ShareEntry.objects.get().amount_fen == 100_000


# Rejected files


def test_a_rejected_file_shows_its_errors_on_the_tab_and_writes_nothing(client, personas, baima, register):
    client = as_user(client, personas.cadre_a)
    upload = csv_file(
        "成员.csv",
        MEMBER_HEADERS,
        [[id_of(register.baima_li), "2024-03-01", ""], [id_of(register.longjing_zhao), "2024-03-01", ""]],
    )
    response = client.post(f"/coops/{baima.pk}/members/import/", {"file": upload})
    assert response.status_code == 422
    html = response.content.decode()
    assert "导入被拒绝：发现 1 处错误" in html and "成员.csv" in html
    table = html[html.index("import-error-table") :]
    assert re.search(r'<td class="num">3</td><td>身份证号码</td>', table)
    assert "农户档案中没有这个身份证号码" in table
    assert 'id="import-members" open' in html
    assert members_of(baima) == 1


def test_the_error_report_of_a_rejected_file_downloads_for_its_uploader_only(
    client, personas, baima, register
):
    client = as_user(client, personas.cadre_a)
    upload = csv_file("成员.csv", MEMBER_HEADERS, [[id_of(register.longjing_zhao), "2024-03-01", ""]])
    html = client.post(f"/coops/{baima.pk}/members/import/", {"file": upload}).content.decode()
    csv_url = re.search(r'href="(/import/report/[^"]+\.csv)"', html).group(1)
    xlsx_url = csv_url.removesuffix(".csv") + ".xlsx"
    assert xlsx_url in html

    report = client.get(csv_url)
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows[1][:3] == ["2", "身份证号码", id_of(register.longjing_zhao)]
    workbook = load_workbook(io.BytesIO(b"".join(client.get(xlsx_url).streaming_content)))
    assert workbook.active.cell(row=2, column=1).value == 2

    assert as_user(client, personas.township).get(csv_url).status_code == 404


def test_only_the_first_fifty_errors_are_shown(client, personas, baima, register):
    rows = [[id_of(register.baima_li), f"2024-13-{n:02d}", ""] for n in range(1, 61)]
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{baima.pk}/members/import/", {"file": csv_file("成员.csv", MEMBER_HEADERS, rows)}
    )
    assert response.status_code == 422
    html = response.content.decode()
    count = int(re.search(r"发现 (\d+) 处错误", html).group(1))
    assert count > 50
    table = html[html.index("import-error-table") : html.index("</table>", html.index("import-error-table"))]
    assert table.count("<tr>") == 51  # the head and fifty errors
    assert f"仅显示前 50 处错误，其余 {count - 50} 处见错误报告" in html


def test_a_transactions_file_with_a_bad_row_is_rejected_on_the_transactions_tab(client, personas, baima):
    wang = Member.objects.get(cooperative=baima)
    upload = csv_file(
        "交易.csv",
        ["成员编号", "交易类型", "日期", "产品", "数量", "单位", "单价（元）"],
        [[wang.pk, "sale_to_coop", "2024-06-01", "鲜茧", "-1", "kg", "46"]],
    )
    response = as_user(client, personas.cadre_a).post(
        f"/coops/{baima.pk}/transactions/import/", {"file": upload}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="import-transactions" open' in html and "数量不能为负数" in html
    assert "/import/report/" in html
    assert not MemberTransaction.objects.exists()


# 40 rows pass the limit within the multipart envelope (the upload handler stops), 700 by the declared length.
@pytest.mark.parametrize("rows", [40, 700])
def test_a_file_over_the_size_limit_is_refused_unread(client, personas, baima, register, settings, rows):
    settings.TONGZHOU_IMPORT_MAX_BYTES = 1024
    rows = [[id_of(register.baima_li), "2024-03-01", "", "x" * 100]] * rows
    upload = csv_file("成员.csv", [*MEMBER_HEADERS, "备注"], rows)
    response = as_user(client, personas.cadre_a).post(f"/coops/{baima.pk}/members/import/", {"file": upload})
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert members_of(baima) == 1


def test_an_import_without_a_file_asks_for_one(client, personas, baima):
    response = as_user(client, personas.cadre_a).post(f"/coops/{baima.pk}/shares/import/", {})
    assert response.status_code == 400
    assert "请选择要导入的文件" in response.content.decode()


@pytest.mark.parametrize("who", ["cadre_b", "auditor"])
@pytest.mark.parametrize("kind", ["members", "shares", "transactions"])
def test_who_may_not_change_the_cooperative_cannot_import(client, personas, baima, register, who, kind):
    upload = csv_file("成员.csv", MEMBER_HEADERS, [[id_of(register.baima_li), "2024-03-01", ""]])
    response = as_user(client, getattr(personas, who)).post(
        f"/coops/{baima.pk}/{kind}/import/", {"file": upload}
    )
    assert response.status_code == 403
    assert members_of(baima) == 1


# Templates


def test_the_templates_download_with_the_headers_of_their_columns(client, personas, baima):
    client = as_user(client, personas.auditor)
    response = client.get(f"/coops/{baima.pk}/members/import/template.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header = next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert header == [c.header for c in MEMBER_COLUMNS]
    response = client.get(f"/coops/{baima.pk}/transactions/import/template.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in workbook.worksheets[0][1]] == [c.header for c in TRANSACTION_COLUMNS]
    assert client.get(f"/coops/{baima.pk}/shares/import/template.xlsx").status_code == 200


def test_the_template_of_a_cooperative_out_of_scope_is_refused(client, personas, baima):
    other = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社", industry="tea")
    assert (
        as_user(client, personas.cadre_a).get(f"/coops/{other.pk}/members/import/template.csv").status_code
        == 403
    )
