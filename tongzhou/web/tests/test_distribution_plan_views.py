"""分配方案试算 on the web and the API: the example plan computed on the page and through POST /distribution/plan to
the same figures as the command line, downloads, a bad plan's errors naming where, and nothing written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from tongzhou.accounts.models import AuditEvent
from tongzhou.accounts.services import api_token_create
from tongzhou.distribution.plan import compute_plan, result_json

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "distribution-plan.json"
URL = "/distribution/plan/"


def upload(text: str, name: str = "plan.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/json")


def expected() -> dict:
    return result_json(compute_plan(EXAMPLE))


def test_a_cadre_checks_a_plan_on_the_page_and_downloads_the_result(client, personas):
    client.force_login(personas.cadre_a)
    page = client.get(URL)
    assert page.status_code == 200 and "分配方案试算" in page.content.decode()
    events = AuditEvent.objects.count()
    shown = client.post(URL, {"file": upload(EXAMPLE.read_text(encoding="utf-8"))})
    html = shown.content.decode()
    assert shown.status_code == 200, html[:500]
    want = expected()
    first = want["members"][0]
    assert "白马村蚕桑专业合作社" in html and "未写入任何数据" in html
    assert first["name"] in html and f"{first['patronage_return_fen'] // 100:,}." in html
    assert AuditEvent.objects.count() == events  # a dry run writes nothing, not even an audit event

    as_json = client.post(URL, {"file": upload(EXAMPLE.read_text(encoding="utf-8")), "output": "json"})
    assert as_json["Content-Disposition"].startswith("attachment") and json.loads(as_json.content) == want
    as_xlsx = client.post(URL, {"file": upload(EXAMPLE.read_text(encoding="utf-8")), "output": "xlsx"})
    book = load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content)))
    assert any(name.startswith("成员分配") for name in book.sheetnames)


def test_a_bad_plan_is_refused_naming_the_place_and_the_article(client, personas):
    client.force_login(personas.cadre_a)
    plan = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    plan["patronage_share"] = "50%"
    plan["members"][1]["capital"] = "一万"
    refused = client.post(URL, {"file": upload(json.dumps(plan, ensure_ascii=False))})
    html = refused.content.decode()
    assert refused.status_code == 422
    assert "未作计算" in html and "patronage_share" in html and "Art. 44" in html
    assert "members[1].capital" in html or "members.1.capital" in html or "capital" in html
    wrong = client.post(URL, {"file": SimpleUploadedFile("plan.csv", b"a,b\n")})
    assert wrong.status_code == 400 and ".xlsx 或 .json" in wrong.content.decode()
    assert client.post(URL, {}).status_code == 400


def test_the_examples_download_and_a_visitor_must_sign_in(client, personas):
    assert client.get(URL).status_code == 302
    client.force_login(personas.auditor)
    example = client.get("/distribution/plan/example-collective.json")
    assert json.loads(b"".join(example.streaming_content))["body"] == "collective"
    assert client.get("/distribution/plan/example-other.json").status_code == 404


def test_the_api_computes_the_same_plan_and_refuses_a_bad_one(personas):
    api = Client()
    headers = {"Authorization": "Bearer " + api_token_create(user=personas.auditor, name="t")[1]}
    done = api.post(
        "/api/v1/distribution/plan", {"file": upload(EXAMPLE.read_text(encoding="utf-8"))}, headers=headers
    )
    assert done.status_code == 200, done.content[:300]
    assert done.json() == expected()

    plan = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    plan["members"].append(dict(plan["members"][0]))
    refused = api.post(
        "/api/v1/distribution/plan", {"file": upload(json.dumps(plan, ensure_ascii=False))}, headers=headers
    )
    error = refused.json()["error"]
    assert refused.status_code == 422 and error["code"] == "plan_rejected"
    assert error["details"]["error_count"] >= 1 and error["details"]["errors"][0]["reason_en"]
    assert api.post("/api/v1/distribution/plan", {}, headers=headers).status_code == 422
    assert api.post("/api/v1/distribution/plan", {"file": upload("{}")}).status_code == 401
