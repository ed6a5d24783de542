"""The statements and the year close through the API, the CLI and the web pages, as a user would use them."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook

from tongzhou.accounts.services import api_token_create
from tongzhou.core.testing import PASSWORD, TOWNSHIP
from tongzhou.ledger.models import Voucher

from .worked_example import Y, build_worked_year, close_months

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


@pytest.fixture
def worked(personas):
    small = build_worked_year(personas)
    close_months(personas, small.book)
    return small


def _api(user):
    return {"Authorization": "Bearer " + api_token_create(user=user, name="t")[1]}


# -- API ----------------------------------------------------------------------------------------------------------


def test_api_year_close_then_statements_in_every_format(personas, worked):
    client = Client()
    book = worked.book.pk
    refused = client.post(
        f"{BASE}/books/{book}/year-close",
        {"year": 2025},
        content_type="application/json",
        headers=_api(personas.cadre_b),
    )
    assert (
        refused.status_code == 403
        and not Voucher.objects.filter(source__startswith="ledger.year_close").exists()
    )
    done = client.post(
        f"{BASE}/books/{book}/year-close",
        {"year": 2025},
        content_type="application/json",
        headers=_api(personas.cadre_a),
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["closed_through_year"] == 2025
    assert body["vouchers"][1]["lines"] == [
        {"account": "331", "debit_fen": 12700 * Y, "credit_fen": 0},
        {"account": "332", "debit_fen": 0, "credit_fen": 12700 * Y},
    ]
    again = client.post(
        f"{BASE}/books/{book}/year-close",
        {"year": 2025},
        content_type="application/json",
        headers=_api(personas.cadre_a),
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "year_closed"

    auditor = _api(personas.auditor)
    bs = client.get(f"{BASE}/books/{book}/statements/balance-sheet", {"period": "2025"}, headers=auditor)
    assert bs.status_code == 200, bs.content
    data = bs.json()
    assert data["checks"] == {"balanced": True}
    assert data["figures"]["资产总计"][1] == {"fen": 97900 * Y, "yuan": "97900.00"}
    st = client.get(
        f"{BASE}/books/{book}/statements/surplus", {"from": "2025-01-01", "to": "2025-12-31"}, headers=auditor
    )
    assert st.json()["figures"]["本年盈余"][0]["fen"] == 12700 * Y
    xlsx = client.get(
        f"{BASE}/books/{book}/statements/surplus", {"period": "2025", "format": "xlsx"}, headers=auditor
    )
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["A1"].value == "盈余及盈余分配表"
    pdf = client.get(
        f"{BASE}/books/{book}/statements/trial-balance", {"period": "2025", "format": "pdf"}, headers=auditor
    )
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    sl = client.get(
        f"{BASE}/books/{book}/statements/subsidiary-ledger",
        {"period": "2025", "account": "222", "member": worked.wang.pk},
        headers=auditor,
    )
    assert sl.json()["figures"]["closing"][0]["fen"] == -1500 * Y


def test_api_region_roll_up_and_bad_input(personas, worked):
    client = Client()
    township = _api(personas.township)
    r = client.get(
        f"{BASE}/regions/{TOWNSHIP}/statements/balance-sheet",
        {"period": "2025", "standard": "farmers_cooperative"},
        headers=township,
    )
    assert r.status_code == 200, r.content
    assert r.json()["figures"]["资产总计"][1]["fen"] == 97900 * Y
    assert r.json()["checks"]["balanced"]
    bad = client.get(
        f"{BASE}/books/{worked.book.pk}/statements/balance-sheet", {"period": "2025-13"}, headers=township
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "period_invalid"
    kind = client.get(f"{BASE}/books/{worked.book.pk}/statements/cash-flow", headers=township)
    assert kind.status_code == 422
    other = client.get(
        f"{BASE}/regions/{TOWNSHIP}/statements/balance-sheet",
        {"period": "2025"},
        headers=_api(personas.cadre_a),
    )
    assert other.status_code == 403


# -- CLI ----------------------------------------------------------------------------------------------------------


def test_cli_close_year_and_statement_export(personas, worked, tmp_path):
    with pytest.raises(CommandError):
        call_command("close_year", coop=worked.cooperative.pk, year=2025, user="cadre_b")
    out = io.StringIO()
    call_command("close_year", coop=worked.cooperative.pk, year=2025, user="cadre_a", stdout=out)
    assert "记-5" in out.getvalue() and "记-6" in out.getvalue()
    target = tmp_path / "bs.xlsx"
    out = io.StringIO()
    call_command(
        "statement",
        "balance-sheet",
        book=worked.book.pk,
        period="2025",
        format="xlsx",
        output=str(target),
        user="auditor",
        stdout=out,
    )
    assert "balanced" in out.getvalue()
    ws = load_workbook(target).active
    assert [row for row in ws.iter_rows(values_only=True) if row[0] == "资产总计"][0][3] == 97900
    pdf = tmp_path / "s.pdf"
    call_command(
        "statement",
        "surplus",
        region=TOWNSHIP,
        date_from="2025-01-01",
        date_to="2025-12-31",
        format="pdf",
        output=str(pdf),
        user="township",
        stdout=io.StringIO(),
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    out = io.StringIO()
    call_command(
        "statement",
        "trial-balance",
        book=worked.book.pk,
        period="2025-Q1",
        format="csv",
        output="-",
        user="cadre_a",
        stdout=out,
    )
    assert "102,银行存款,0.00,0.00,116000.00,5000.00,111000.00,0.00" in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "statement",
            "balance-sheet",
            book=worked.book.pk,
            format="json",
            output="-",
            user="cadre_b",
            stdout=io.StringIO(),
        )


# -- web ----------------------------------------------------------------------------------------------------------


def _web(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_web_year_close_button_and_statement_pages(personas, worked):
    client = _web(personas.cadre_a)
    index = client.get(f"/books/{worked.book.pk}/statements/")
    assert index.status_code == 200 and "年终结账" in index.content.decode()
    r = client.post(f"/books/{worked.book.pk}/year-close/", {"year": "2025"}, follow=True)
    assert r.status_code == 200 and "2025 年已年结" in r.content.decode()
    worked.cooperative.refresh_from_db()
    assert worked.cooperative.closed_through_year == 2025
    page = client.get(
        f"/books/{worked.book.pk}/statements/balance-sheet/", {"from": "2025-01-01", "to": "2025-12-31"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "资产负债表" in text and "97,900.00" in text and "平衡" in text
    xlsx = client.get(f"/books/{worked.book.pk}/statements/surplus/", {"period": "2025", "format": "xlsx"})
    assert load_workbook(io.BytesIO(xlsx.content)).active["A1"].value == "盈余及盈余分配表"
    pdf = client.get(
        f"/books/{worked.book.pk}/statements/equity-changes/", {"period": "2025", "format": "pdf"}
    )
    assert pdf.content.startswith(b"%PDF")
    again = client.post(f"/books/{worked.book.pk}/year-close/", {"year": "2025"})
    assert "year_closed" in again.content.decode() or "已年结" in again.content.decode()


def test_web_region_roll_up_page_and_scope(personas, worked):
    page = _web(personas.township).get(
        f"/r/{TOWNSHIP}/statements/surplus/", {"period": "2025", "standard": "farmers_cooperative"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "1 个账套" in text and "12,700.00" in text
    denied = _web(personas.cadre_b).get(f"/books/{worked.book.pk}/statements/balance-sheet/")
    assert denied.status_code == 403
