"""The distribution pages through Django's test client as each persona: the cooperative page's link, the year's run
from draft to paid (steps in the law's order, where the money went, the member sheet with its downloads), the
published list members read, and every refusal shown next to its field with nothing changed; readers see no forms
and get 403 on POST."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from tongzhou.distribution.models import DistributionLine, DistributionRun, HouseholdIncome, RunStatus
from tongzhou.distribution.services import run_approve, run_compute, run_post, run_publish
from tongzhou.distribution.tests.runs_builders import YEAR, build_collective_year, build_coop_year, counts
from tongzhou.households.models import Person

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def year_url(coop, year=YEAR) -> str:
    return f"/coops/{coop.pk}/distribution/{year}/"


@pytest.fixture
def coop(personas):
    return build_coop_year(personas)


def posted_run(personas, coop):
    cadre = personas.cadre_a
    run = run_compute(user=cadre, body=coop.cooperative, year=YEAR)
    run_publish(user=cadre, run=run, on=dt.date(2026, 1, 5))
    run_approve(
        user=cadre,
        run=run,
        assembly_on=dt.date(2026, 1, 20),
        votes_for=2,
        votes_against=0,
        members_entitled=2,
    )
    return run_post(user=cadre, run=run)


# ---- reading -------------------------------------------------------------------------------------------------


def test_the_cooperative_page_links_to_its_distributions_and_the_index_lists_runs(client, personas, coop):
    as_user(client, personas.cadre_a)
    page = client.get(f"/coops/{coop.cooperative.pk}/").content.decode()
    assert f'href="/coops/{coop.cooperative.pk}/distribution/"' in page
    empty = client.get(f"/coops/{coop.cooperative.pk}/distribution/")
    assert empty.status_code == 200 and "尚无分配方案" in empty.content.decode()
    run = run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    listed = client.get(f"/coops/{coop.cooperative.pk}/distribution/").content.decode()
    assert f'data-run="{run.pk}"' in listed and "¥100,000.00" in listed and "草稿" in listed
    picked = client.get(f"/coops/{coop.cooperative.pk}/distribution/", {"year": YEAR})
    assert picked.status_code == 302 and picked["Location"] == year_url(coop.cooperative)
    assert client.get(f"/coops/{coop.cooperative.pk}/distribution/", {"year": "x"}).status_code == 400


def test_a_writer_computes_a_draft_and_sees_the_steps_in_the_laws_order_the_chart_and_the_sheet(
    client, personas, coop
):
    as_user(client, personas.cadre_a)
    first = client.get(year_url(coop.cooperative))
    assert first.status_code == 200 and 'id="compute"' in first.content.decode()
    response = client.post(
        year_url(coop.cooperative) + "compute/", {"compute-conversion_bp": "10"}, follow=True
    )
    page = response.content.decode()
    run = DistributionRun.objects.get()
    assert run.status == RunStatus.DRAFT and run.inputs["conversion_bp"] == 1000
    assert "分配草稿已计算" in page
    steps = [
        "本年盈余",
        "弥补亏损",
        "提取公积金",
        "可分配盈余",
        "按交易量（额）返还",
        "剩余盈余",
        "转为成员出资",
        "二次分配基金",
    ]
    table = page[page.index('class="data run-steps"') :]
    positions = [table.index(label) for label in steps]
    assert positions == sorted(positions)
    for figure in ("¥100,000.00", "¥10,000.00", "¥90,000.00", "¥54,000.00", "¥36,000.00", "¥9,000.00"):
        assert figure in page
    assert 'class="money-bars"' in page and "width: 54.0%" in page and "width: 10.0%" in page
    assert "王大山" in page and "¥40,500.00" in page and "¥25,000.00" in page
    assert 'id="publish"' in page and 'id="approve"' not in page

    # Recomputing the draft with a surplus typed in changes the same run, not a new one.
    again = client.post(year_url(coop.cooperative) + "compute/", {"compute-surplus_fen": "50,000"})
    assert again.status_code == 302
    assert DistributionRun.objects.get().pk == run.pk
    run.refresh_from_db()
    assert run.inputs["surplus_fen"] == 5_000_000 and run.inputs["surplus_source"] == "given"


def test_a_run_goes_from_draft_to_paid_through_the_forms(client, personas, coop):
    as_user(client, personas.cadre_a)
    client.post(year_url(coop.cooperative) + "compute/", {})
    run = DistributionRun.objects.get()
    assert (
        client.post(f"/distribution/runs/{run.pk}/publish/", {"publish-on": "2026-01-05"}).status_code == 302
    )
    response = client.post(
        f"/distribution/runs/{run.pk}/approve/",
        {
            "approve-assembly_on": "2026-01-20",
            "approve-votes_for": "2",
            "approve-votes_against": "0",
            "approve-members_entitled": "2",
        },
    )
    assert response.status_code == 302
    page = client.get(year_url(coop.cooperative)).content.decode()
    assert 'id="post"' in page and 'value="2026-01-20"' in page
    assert client.post(f"/distribution/runs/{run.pk}/post/", {"post-on": "2026-01-20"}).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.POSTED and run.vouchers.count() == 1

    wang = DistributionLine.objects.get(run=run, member=coop.wang)
    one = client.post(
        f"/distribution/runs/{run.pk}/pay/",
        {
            "pay-on": "2026-02-01",
            "pay-member": str(coop.wang.pk),
            "pay-amount_fen": "1,000",
            "pay-method": "cash",
        },
    )
    assert one.status_code == 302
    wang.refresh_from_db()
    assert wang.paid_fen == 100_000
    page = client.get(year_url(coop.cooperative)).content.decode()
    assert 'id="reverse"' not in page  # a run with payments is not reversed
    rest = client.post(
        f"/distribution/runs/{run.pk}/pay/",
        {"pay-on": "2026-02-02", "pay-method": "bank_transfer"},
        follow=True,
    )
    assert "已发放 2 笔" in rest.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.PAID
    assert HouseholdIncome.objects.filter(run=run).exists()
    assert 'id="pay"' not in rest.content.decode()


def test_refusals_show_next_to_their_field_and_change_nothing(client, personas, coop):
    as_user(client, personas.cadre_a)
    bad = client.post(year_url(coop.cooperative) + "compute/", {"compute-surplus_fen": "十万"})
    assert bad.status_code == 400 and not DistributionRun.objects.exists()
    assert 'data-field="surplus_fen"' in bad.content.decode().split('class="field has-error"')[1][:80]

    loss = client.post(year_url(coop.cooperative) + "compute/", {"compute-surplus_fen": "-100"})
    assert loss.status_code == 400 and not DistributionRun.objects.exists()
    assert "第四十四条" in loss.content.decode() or "Art. 44" in loss.content.decode()

    run = run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    run_publish(user=personas.cadre_a, run=run, on=dt.date(2026, 1, 5))
    before = counts()
    early = client.post(
        f"/distribution/runs/{run.pk}/approve/",
        {
            "approve-assembly_on": "2026-01-10",
            "approve-votes_for": "2",
            "approve-votes_against": "0",
            "approve-members_entitled": "2",
        },
    )
    page = early.content.decode()
    assert early.status_code == 400 and "Art. 40" in page
    assert '<div class="field has-error" data-field="assembly_on">' in page
    few = client.post(
        f"/distribution/runs/{run.pk}/approve/",
        {
            "approve-assembly_on": "2026-01-20",
            "approve-votes_for": "1",
            "approve-votes_against": "1",
            "approve-members_entitled": "2",
        },
    )
    assert (
        few.status_code == 400
        and '<div class="field has-error" data-field="votes_for">' in few.content.decode()
    )
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED and run.assembly_on is None and counts() == before

    wrong_step = client.post(f"/distribution/runs/{run.pk}/post/", {"post-on": "2026-01-20"})
    assert wrong_step.status_code == 409 and "成员大会通过" in wrong_step.content.decode()
    assert counts() == before


def test_a_posted_run_is_reversed_and_the_year_can_be_computed_again(client, personas, coop):
    run = posted_run(personas, coop)
    as_user(client, personas.cadre_a)
    early = client.post(f"/distribution/runs/{run.pk}/reverse/", {"reverse-on": "2026-01-01"})
    assert early.status_code == 400 and 'data-field="on"' in early.content.decode()
    done = client.post(f"/distribution/runs/{run.pk}/reverse/", {"reverse-on": "2026-01-25"}, follow=True)
    page = done.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.REVERSED and DistributionRun.objects.filter(reverses=run).exists()
    assert "已冲销" in page and 'id="compute"' in page


def test_readers_see_no_forms_and_are_refused_on_post(client, personas, coop):
    """The auditor reads the county but writes nothing; a township or county officer may write (and sees forms)."""
    run = run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    before = counts()
    as_user(client, personas.auditor)
    page = client.get(year_url(coop.cooperative))
    assert page.status_code == 200 and "王大山" in page.content.decode()
    assert '<form method="post"' not in page.content.decode().split("<main")[1]
    for url in (
        year_url(coop.cooperative) + "compute/",
        f"/distribution/runs/{run.pk}/publish/",
        f"/distribution/runs/{run.pk}/pay/",
    ):
        assert client.post(url, {"publish-on": "2026-01-05"}).status_code == 403, url
    as_user(client, personas.township)
    assert 'id="publish"' in client.get(year_url(coop.cooperative)).content.decode()
    as_user(client, personas.cadre_b)
    assert client.get(year_url(coop.cooperative)).status_code == 403
    assert client.post(f"/distribution/runs/{run.pk}/publish/", {}).status_code == 403
    client.logout()
    assert client.get(year_url(coop.cooperative)).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT and counts() == before


def test_the_sheet_downloads_as_csv_and_xlsx(client, personas, coop):
    run = run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    as_user(client, personas.cadre_a)
    response = client.get(year_url(coop.cooperative), {"format": "csv", "run": run.pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:2] == ["成员编号", "成员"]
    wang = next(r for r in rows[2:] if r[1] == "王大山")
    assert "40500.00" in wang and "11000.00" in wang
    xlsx = client.get(year_url(coop.cooperative), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_members_read_the_published_list_with_names_and_amounts_and_no_identifiers(client, personas, coop):
    run = run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    as_user(client, personas.township)
    url = year_url(coop.cooperative) + "published/"
    assert client.get(url).status_code == 404  # a draft is not open to members
    run_publish(user=personas.cadre_a, run=run, on=dt.date(2026, 1, 5))
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "王大山" in page and "李小花" in page and "¥40,500.00" in page and "2026-01-20" in page
    for id_number in Person.objects.exclude(id_number="").values_list("id_number", flat=True):
        assert id_number not in page and id_number[-6:] not in page
    download = client.get(url, {"format": "csv"})
    assert download.status_code == 200 and "王大山" in download.content.decode("utf-8-sig")
    page_of_year = client.get(year_url(coop.cooperative)).content.decode()
    assert f'href="{url}"' in page_of_year


def test_a_collectives_page_shows_its_fund_and_the_shares(client, personas):
    body = build_collective_year(personas)
    as_user(client, personas.cadre_a)
    response = client.post(year_url(body.cooperative) + "compute/", {}, follow=True)
    page = response.content.decode()
    assert "提取公积公益金" in page and "按收益权份额分配给成员" in page and "¥10,000.00" in page
    assert "¥30,000.00" in page and "收益权份额" in page


def test_an_unknown_year_or_run_is_404(client, personas, coop):
    as_user(client, personas.cadre_a)
    assert client.get(year_url(coop.cooperative, 1800)).status_code == 404
    assert client.get(year_url(coop.cooperative), {"run": "999999"}).status_code == 404
    assert client.post("/distribution/runs/999999/publish/", {}).status_code == 404


def test_the_page_reads_in_english(client, personas, coop, english_catalogue):
    run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    as_user(client, personas.cadre_a)
    response = client.get(year_url(coop.cooperative), headers={"Accept-Language": "en"})
    assert response.status_code == 200
