"""The region batch (compute, post, pay) reached from the CLI (distribute --region), the API (/regions/{code}/distribution-runs/…) and the
web (the region's distribution page): the same result, the same refusals, in each surface's shape."""

import datetime as dt

import pytest
from django.core.management import CommandError
from django.test import Client

from tongzhou.api.tests.calling import Caller, error_of
from tongzhou.core.testing import TOWNSHIP, VILLAGE_A, VILLAGE_B
from tongzhou.distribution.models import DistributionRun, HouseholdIncome, Payment, RunStatus

from .runs_builders import YEAR, build_collective_year, build_coop_year, counts
from .test_distribute_command import distribute, refused
from .test_runs_batch import township_runs
from .test_runs_refusals import approved


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


def township_bodies(personas) -> list:
    """Two worked-example cooperatives and the collective, no run yet."""
    return [
        build_coop_year(personas, region_code=VILLAGE_A, number="0001").cooperative,
        build_coop_year(personas, region_code=VILLAGE_A, number="0011").cooperative,
        build_collective_year(personas).cooperative,
    ]


@pytest.mark.django_db
def test_cli_computes_the_townships_drafts(personas):
    bodies = township_bodies(personas)
    assert "forbidden" in refused("--region", TOWNSHIP, "--year", YEAR, "--compute", user=personas.cadre_a)
    assert "action_required" in refused(
        "--region", TOWNSHIP, "--year", YEAR, "--compute", "--post-approved", user=personas.township
    )
    assert DistributionRun.objects.count() == 0
    out = distribute("--region", TOWNSHIP, "--year", YEAR, "--compute", user=personas.township)
    assert "已计算" in out and "3 个分配草稿" in out and "6 行明细" in out
    assert sorted(DistributionRun.objects.values_list("body_id", flat=True)) == [b.pk for b in bodies]
    assert statuses() == [RunStatus.DRAFT] * 3


@pytest.mark.django_db
def test_api_computes_and_lists_the_bodies_left_out(personas):
    bodies = township_bodies(personas)
    approved(personas.township, bodies[1])
    api = Caller(personas.township)
    assert (
        api.post(f"/regions/{TOWNSHIP}/distribution-runs/compute", {"year": YEAR, "on": "x"}).status_code
        == 422
    )
    assert (
        Caller(personas.cadre_a)
        .post(f"/regions/{TOWNSHIP}/distribution-runs/compute", {"year": YEAR})
        .status_code
        == 403
    )
    before = counts()
    response = api.post(f"/regions/{VILLAGE_B}/distribution-runs/compute", {"year": YEAR})
    assert response.status_code == 409 and error_of(response)["code"] == "nothing_to_compute"
    assert counts() == before
    response = api.post(f"/regions/{TOWNSHIP}/distribution-runs/compute", {"year": YEAR})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["body_id"] for r in body["runs"]] == [bodies[0].pk, bodies[2].pk]
    assert body["lines"] == 4 and [r["status"] for r in body["runs"]] == ["draft", "draft"]
    assert [(s["body"], s["code"], s["status"]) for s in body["skipped"]] == [
        (bodies[1].pk, "run_status", "approved")
    ]


@pytest.mark.django_db
def test_web_card_computes_the_drafts(personas):
    township_bodies(personas)
    web = Client()
    web.force_login(personas.township)
    page = web.get(f"/r/{TOWNSHIP}/distribution/{YEAR}/").content.decode()
    assert f"/r/{TOWNSHIP}/distribution/{YEAR}/runs-compute/" in page
    reader = Client()
    reader.force_login(personas.auditor)
    assert reader.post(f"/r/{TOWNSHIP}/distribution/{YEAR}/runs-compute/", {}).status_code == 403
    assert DistributionRun.objects.count() == 0
    response = web.post(f"/r/{TOWNSHIP}/distribution/{YEAR}/runs-compute/", {})
    assert response.status_code == 302
    # The page (no cascade computed yet) shows the message.
    assert "已计算 3 个分配草稿，6 行明细。" in web.get(response["Location"]).content.decode()
    assert statuses() == [RunStatus.DRAFT] * 3
    refused_page = web.post(f"/r/{VILLAGE_B}/distribution/{YEAR}/runs-compute/", {})
    assert refused_page.status_code == 409 and "没有可以计算分配方案的组织" in refused_page.content.decode()
