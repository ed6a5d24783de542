"""The region batch reached from the CLI (distribute --region), the API (/regions/{code}/distribution-runs/…) and the
web (the region's distribution page): the same result, the same refusals, in each surface's shape."""

import datetime as dt

import pytest
from django.core.management import CommandError
from django.test import Client

from tongzhou.api.tests.calling import Caller, error_of
from tongzhou.core.testing import TOWNSHIP
from tongzhou.distribution.models import DistributionRun, HouseholdIncome, Payment, RunStatus

from .runs_builders import YEAR, counts
from .test_distribute_command import distribute, refused
from .test_runs_batch import township_runs


def statuses() -> list[str]:
    return list(DistributionRun.objects.order_by("pk").values_list("status", flat=True))


@pytest.mark.django_db
def test_cli_posts_then_pays_the_township(personas):
    township_runs(personas)
    out = distribute("--region", TOWNSHIP, "--year", YEAR, "--post-approved", "--on", "2026-01-20",
                     user=personas.township)  # fmt: skip
    assert "已记账" in out and "3 个分配方案" in out and statuses() == [RunStatus.POSTED] * 3
    out = distribute(
        "--region", TOWNSHIP, "--year", YEAR, "--pay-posted", "--on", "2026-01-25", user=personas.township
    )
    assert "6 笔" in out and statuses() == [RunStatus.PAID] * 3
    assert Payment.objects.count() == 6 and HouseholdIncome.objects.count() > 0


@pytest.mark.django_db
def test_cli_refusals_name_the_code_and_change_nothing(personas):
    township_runs(personas)
    before = counts()
    message = refused("--region", TOWNSHIP, "--year", YEAR, "--post-approved", "--on", "2026-01-10",
                      user=personas.township)  # fmt: skip
    assert message.startswith("posted_before_approval:") and "分配方案" in message
    assert "forbidden" in refused(
        "--region", TOWNSHIP, "--year", YEAR, "--post-approved", user=personas.cadre_a
    )
    assert "action_required" in refused("--region", TOWNSHIP, "--year", YEAR, user=personas.township)
    assert counts() == before
    with pytest.raises(CommandError):
        distribute("--region", TOWNSHIP, "--post-approved", user=personas.township)


@pytest.mark.django_db
def test_api_posts_and_pays_and_answers_refusals_in_its_shape(personas):
    runs = township_runs(personas)
    api = Caller(personas.township)
    before = counts()
    response = api.post(f"/regions/{TOWNSHIP}/distribution-runs/post", {"year": YEAR, "on": "2026-01-10"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "posted_before_approval" and error["details"]["run"] == runs[0].pk
    assert (
        Caller(personas.cadre_a)
        .post(f"/regions/{TOWNSHIP}/distribution-runs/post", {"year": YEAR})
        .status_code
        == 403
    )
    assert api.post(f"/regions/{TOWNSHIP}/distribution-runs/post", {"year": YEAR, "x": 1}).status_code == 422
    assert counts() == before
    response = api.post(f"/regions/{TOWNSHIP}/distribution-runs/post", {"year": YEAR, "on": "2026-01-20"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["id"] for r in body["runs"]] == [r.pk for r in runs] and body["vouchers"] == 3
    response = api.post(f"/regions/{TOWNSHIP}/distribution-runs/pay", {"year": YEAR, "on": "2026-01-25"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["payments"] == 6 and body["paid_runs"] == 3
    assert body["amount_fen"] == sum(Payment.objects.values_list("amount_fen", flat=True))
    assert body["amount"] == f"{body['amount_fen'] // 100}.{body['amount_fen'] % 100:02d}"
    response = api.post(f"/regions/{TOWNSHIP}/distribution-runs/pay", {"year": YEAR, "on": "2026-01-25"})
    assert response.status_code == 409 and error_of(response)["code"] == "nothing_due"


@pytest.mark.django_db
def test_web_card_posts_and_pays_and_a_reader_gets_403(personas):
    township_runs(personas)
    web = Client()
    web.force_login(personas.township)
    page = web.get(f"/r/{TOWNSHIP}/distribution/{YEAR}/")
    assert "runs-batch" in page.content.decode()
    assert "（3 个）" in page.content.decode()
    reader = Client()
    reader.force_login(personas.auditor)
    assert reader.post(f"/r/{TOWNSHIP}/distribution/{YEAR}/post/", {"on": ""}).status_code == 403
    assert "runs-batch" not in reader.get(f"/r/{TOWNSHIP}/distribution/{YEAR}/").content.decode()
    before = counts()
    refused_page = web.post(f"/r/{TOWNSHIP}/distribution/{YEAR}/post/", {"on": "2026-01-10"})
    assert refused_page.status_code == 400 and "分配方案" in refused_page.content.decode()
    assert counts() == before
    response = web.post(f"/r/{TOWNSHIP}/distribution/{YEAR}/post/", {"on": ""})
    assert response.status_code == 302 and statuses() == [RunStatus.POSTED] * 3
    assert web.post(f"/r/{TOWNSHIP}/distribution/{YEAR}/pay/", {"on": ""}).status_code == 400
    response = web.post(f"/r/{TOWNSHIP}/distribution/{YEAR}/pay/", {"on": "2026-01-25"})
    assert response.status_code == 302 and statuses() == [RunStatus.PAID] * 3
    assert dt.date(2026, 1, 25) == Payment.objects.first().on
