"""The import page through Django's test client: upload, result, errors with their report, limits, templates."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tongzhou.core.testing import PASSWORD
from tongzhou.households.models import Household
from tongzhou.households.tests.test_import import HEADERS, head_row, member_row, two_households, write_csv

pytestmark = pytest.mark.django_db


def _logged_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _upload(client, path, **extra):
    with path.open("rb") as f:
        return client.post("/import/", {"file": SimpleUploadedFile(path.name, f.read()), **extra})


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get("/import/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_cadre_uploads_a_good_file_and_sees_what_it_did(client, personas, tmp_path):
    _logged_in(client, personas.cadre_a)
    response = _upload(client, write_csv(tmp_path / "户籍.csv", two_households()))
    assert response.status_code == 200
    assert response.context["result"].persons_created == 4
    assert "导入成功" in response.content.decode()
    assert Household.objects.filter(village_code=personas.cadre_a.scopes.get().region_code).count() == 2


def test_a_dry_run_from_the_page_writes_nothing(client, personas, tmp_path):
    _logged_in(client, personas.cadre_a)
    response = _upload(client, write_csv(tmp_path / "户籍.csv", two_households()), dry_run="on")
    assert response.context["result"].dry_run and "试运行完成" in response.content.decode()
    assert not Household.objects.exists()


def test_a_rejected_file_shows_its_errors_and_only_its_uploader_downloads_the_report(
    client, personas, tmp_path
):
    rows = [head_row(), member_row(姓名="")]
    _logged_in(client, personas.cadre_a)
    response = _upload(client, write_csv(tmp_path / "户籍.csv", rows))
    page = response.content.decode()
    assert response.context["error_count"] == 1
    assert "必填项为空" in page and '<td class="num">3</td>' in page
    token = response.context["token"]
    report = client.get(f"/import/report/{token}.csv")
    assert report.status_code == 200
    lines = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert lines[1][:2] == ["3", "姓名"]
    xlsx = client.get(f"/import/report/{token}.xlsx")
    assert (
        list(load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.iter_rows(values_only=True))[
            1
        ][0]
        == 3
    )
    client.logout()
    _logged_in(client, personas.cadre_b)
    assert client.get(f"/import/report/{token}.csv").status_code == 404


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, personas, tmp_path, settings):
    settings.TONGZHOU_IMPORT_MAX_BYTES = 1024
    _logged_in(client, personas.cadre_a)
    big = tmp_path / "big.csv"
    big.write_text(",".join(HEADERS) + "\n" + "x" * 200_000, encoding="utf-8")
    response = _upload(client, big)
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()


def test_an_upload_passing_the_limit_while_streaming_is_cut_off_and_refused(
    client, personas, tmp_path, settings
):
    # The declared length passes the early check (it allows for the multipart envelope); the handler stops it.
    settings.TONGZHOU_IMPORT_MAX_BYTES = 100_000
    _logged_in(client, personas.cadre_a)
    big = tmp_path / "big.csv"
    big.write_text(",".join(HEADERS) + "\n" + "x" * 120_000, encoding="utf-8")
    response = _upload(client, big)
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert not Household.objects.exists()


def test_an_auditor_who_may_not_write_is_told_so(client, personas, tmp_path):
    _logged_in(client, personas.auditor)
    response = _upload(client, write_csv(tmp_path / "户籍.csv", two_households()))
    assert response.status_code == 403
    assert "无权" in response.content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_templates_download_from_the_page(client, personas, fmt):
    _logged_in(client, personas.cadre_a)
    page = client.get("/import/").content.decode()
    assert f"/import/template.{fmt}" in page
    response = client.get(f"/import/template.{fmt}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        assert body.decode("utf-8-sig").startswith("村代码,村民组,户编号")
    else:
        assert body[:2] == b"PK"
