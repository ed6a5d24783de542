"""The cooperative imports through the API: a multipart upload of members, subscriptions or transactions answered
with the counts, or with the first errors of a rejected file; nothing written on a refusal or a dry run."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from tongzhou.accounts.models import AuditEvent
from tongzhou.accounts.services import api_token_create
from tongzhou.coops.members_import.columns import COLUMNS as MEMBER_COLUMNS
from tongzhou.coops.models import Cooperative, Member, MemberStatus, MemberTransaction, ShareClass, ShareEntry
from tongzhou.coops.shares_import.columns import COLUMNS as SHARE_COLUMNS
from tongzhou.coops.testing import build_cooperative, build_member, build_share_class
from tongzhou.coops.transactions_import.columns import COLUMNS as TRANSACTION_COLUMNS
from tongzhou.core.testing import VILLAGE_B, build_household

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
MEMBER_HEADERS = ["身份证号码", "申请日期", "入社日期"]
SHARE_HEADERS = ["身份证号码", "股份类别", "数量", "日期", "事由"]
TRANSACTION_HEADERS = [
    "成员编号",
    "非成员名称",
    "交易类型",
    "日期",
    "产品",
    "等级",
    "数量",
    "单位",
    "单价（元）",
]


def csv_file(name: str, headers: list[str], rows: list[list]) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8"), content_type="text/csv")


class Caller:
    """Posts files to the API as one user with a fresh personal token, or anonymously."""

    def __init__(self, user=None, *, lang: str = "zh-hans") -> None:
        self.client = Client()
        self.headers = {"Accept-Language": lang}
        if user is not None:
            self.headers["Authorization"] = "Bearer " + api_token_create(user=user, name="test")[1]

    def upload(self, coop: Cooperative, kind: str, file=None, **form):
        data = dict(form)
        if file is not None:
            data["file"] = file
        return self.client.post(f"{BASE}/coops/{coop.pk}/imports/{kind}", data, headers=self.headers)

    def get(self, path: str):
        return self.client.get(BASE + path, headers=self.headers)


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


def id_of(household, relation: str = "head") -> str:
    return household.persons.filter(relation=relation).first().id_number


@dataclass
class Baima:
    coop: Cooperative
    cash: ShareClass
    wang: Member  # a member since 2017
    li: object  # a household of the village, not a member
    zhang: object  # a household of the village, not a member
    longjing: object  # a household of village B


@pytest.fixture
def baima(personas) -> Baima:
    coop = build_cooperative()
    wang = build_household(number="0001", head_name="王大山", members=1)
    return Baima(
        coop=coop,
        cash=build_share_class(coop),  # ¥100.00 a share
        wang=build_member(coop, wang),
        li=build_household(number="0002", head_name="李春花"),
        zhang=build_household(number="0003", head_name="张国富"),
        longjing=build_household(village_code=VILLAGE_B, number="0001", head_name="赵龙井"),
    )


def members_file(baima: Baima, name: str = "成员.csv") -> SimpleUploadedFile:
    return csv_file(
        name,
        MEMBER_HEADERS,
        [[id_of(baima.li), "2024-03-01", "2024-03-15"], [id_of(baima.zhang), "2024-03-02", ""]],
    )


# Members, shares and transactions


def test_a_members_file_admits_and_records_the_applicants_with_the_counts(personas, baima):
    response = Caller(personas.cadre_a).upload(baima.coop, "members", members_file(baima))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "members" and body["dry_run"] is False
    assert (body["rows"], body["admitted"], body["applied"]) == (2, 1, 1)
    assert "amount" not in body and "subscriptions" not in body
    statuses = {m.household_id: m.status for m in Member.objects.filter(cooperative=baima.coop)}
    assert statuses[baima.li.pk] == MemberStatus.ACTIVE
    assert statuses[baima.zhang.pk] == MemberStatus.APPLIED
    event = AuditEvent.objects.get(action="member.import")
    assert event.via == "api" and event.user_id == personas.cadre_a.pk


def test_a_dry_run_answers_the_counts_and_writes_nothing(personas, baima):
    response = Caller(personas.cadre_a).upload(baima.coop, "members", members_file(baima), dry_run="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True and (body["admitted"], body["applied"]) == (1, 1)
    assert Member.objects.filter(cooperative=baima.coop).count() == 1
    assert not AuditEvent.objects.filter(action="member.import").exists()


def test_a_shares_file_records_the_subscriptions_and_their_amount(personas, baima):
    upload = csv_file(
        "股份.csv",
        SHARE_HEADERS,
        [[id_of(baima.wang.household), "现金股", "10", "2024-03-20", "首次认购"]],
    )
    response = Caller(personas.cadre_a).upload(baima.coop, "shares", upload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["subscriptions"], body["amount"], body["amount_fen"]) == (1, "1000.00", 100_000)
    assert ShareEntry.objects.get().amount_fen == 100_000


def test_a_transactions_file_records_member_and_non_member_sales(personas, baima):
    upload = csv_file(
        "交易.csv",
        TRANSACTION_HEADERS,
        [
            [baima.wang.pk, "", "sale_to_coop", "2024-06-01", "鲜茧", "一级", "42.5", "kg", "46.00"],
            ["", "外村张三", "sale_to_coop", "2024-06-01", "鲜茧", "", "10", "kg", "40"],
        ],
    )
    response = Caller(personas.cadre_a).upload(baima.coop, "transactions", upload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["member_transactions"], body["non_member_transactions"]) == (1, 1)
    assert (body["amount"], body["amount_fen"]) == ("2355.00", 235_500)
    assert MemberTransaction.objects.count() == 2


# Rejected files


def test_a_file_with_a_bad_row_is_rejected_whole_with_its_row_and_column(personas, baima):
    upload = csv_file(
        "成员.csv",
        MEMBER_HEADERS,
        [[id_of(baima.li), "2024-03-01", "2024-03-15"], [id_of(baima.longjing), "2024-03-02", ""]],
    )
    response = Caller(personas.cadre_a, lang="en").upload(baima.coop, "members", upload)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "import_rejected" and "nothing was written" in error["message"]
    assert error["details"]["error_count"] == 1
    [row] = error["details"]["errors"]
    assert (row["row"], row["column"], row["code"]) == (3, "身份证号码", "not_in_register")
    assert row["value"] == id_of(baima.longjing) and row["reason_en"] and row["reason_zh"]
    assert Member.objects.filter(cooperative=baima.coop).count() == 1


def test_only_the_first_fifty_errors_are_listed_with_the_count_of_all(personas, baima):
    upload = csv_file(
        "成员.csv", MEMBER_HEADERS, [[id_of(baima.li), f"2024-13-{n:02d}", ""] for n in range(1, 61)]
    )
    response = Caller(personas.cadre_a).upload(baima.coop, "members", upload)
    assert response.status_code == 422
    details = error_of(response)["details"]
    assert details["error_count"] > 50
    assert len(details["errors"]) == 50
    assert details["errors"][0]["row"] == 2


def test_a_file_of_the_wrong_type_is_rejected(personas, baima):
    upload = SimpleUploadedFile("成员.pdf", b"%PDF-1.4 not a sheet", content_type="application/pdf")
    response = Caller(personas.cadre_a).upload(baima.coop, "members", upload)
    assert response.status_code == 422
    error = error_of(response)
    assert error["details"]["errors"][0]["code"] == "unsupported_type"


def test_a_file_with_the_headers_of_another_import_is_rejected(personas, baima):
    response = Caller(personas.cadre_a).upload(baima.coop, "shares", members_file(baima))
    assert response.status_code == 422
    assert error_of(response)["details"]["error_count"] >= 1
    assert not ShareEntry.objects.exists()


def test_a_file_over_the_size_limit_is_refused_unread(personas, baima, settings):
    settings.TONGZHOU_IMPORT_MAX_BYTES = 1024
    rows = [[id_of(baima.li), "2024-03-01", "", "x" * 100]] * 40
    upload = csv_file("成员.csv", [*MEMBER_HEADERS, "备注"], rows)
    assert upload.size > 1024
    response = Caller(personas.cadre_a).upload(baima.coop, "members", upload)
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "too_large" and error["details"]["limit_bytes"] == 1024
    assert Member.objects.filter(cooperative=baima.coop).count() == 1


def test_a_request_without_a_file_is_a_validation_error(personas, baima):
    response = Caller(personas.cadre_a).upload(baima.coop, "members")
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


def test_an_unknown_kind_of_import_is_a_validation_error(personas, baima):
    response = Caller(personas.cadre_a).upload(baima.coop, "households", members_file(baima))
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


# Scope


@pytest.mark.parametrize("who", ["cadre_b", "auditor", "outsider"])
def test_a_caller_who_may_not_change_the_cooperative_is_refused_and_nothing_is_written(personas, baima, who):
    response = Caller(getattr(personas, who)).upload(baima.coop, "members", members_file(baima))
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert Member.objects.filter(cooperative=baima.coop).count() == 1


def test_the_township_officer_imports_for_a_village_below(personas, baima):
    response = Caller(personas.township).upload(baima.coop, "members", members_file(baima))
    assert response.status_code == 200, response.content


def test_an_unknown_cooperative_is_not_found(personas, baima):
    response = Caller(personas.cadre_a).client.post(
        f"{BASE}/coops/999999/imports/members",
        {"file": members_file(baima)},
        headers=Caller(personas.cadre_a).headers,
    )
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_anonymous_upload_is_unauthenticated(personas, baima):
    response = Caller().upload(baima.coop, "members", members_file(baima))
    assert response.status_code == 401
    assert Member.objects.filter(cooperative=baima.coop).count() == 1


# Templates


@pytest.mark.parametrize(
    ("kind", "columns"),
    [("members", MEMBER_COLUMNS), ("shares", SHARE_COLUMNS), ("transactions", TRANSACTION_COLUMNS)],
)
def test_the_csv_template_of_each_import_has_the_headers_of_its_columns(personas, baima, kind, columns):
    response = Caller(personas.cadre_a).get(f"/coops/{baima.coop.pk}/imports/{kind}/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [c.header for c in columns]


def test_the_xlsx_template_opens_as_a_workbook_and_can_be_read_by_an_auditor(personas, baima):
    response = Caller(personas.auditor).get(f"/coops/{baima.coop.pk}/imports/members/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert "身份证号码" in headers and "申请日期" in headers


def test_the_template_of_a_cooperative_out_of_scope_is_refused(personas, baima):
    other = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社", industry="tea")
    response = Caller(personas.cadre_a).get(f"/coops/{other.pk}/imports/members/template.csv")
    assert response.status_code == 403
    response = Caller(personas.cadre_a).get("/coops/999999/imports/members/template.csv")
    assert response.status_code == 404
