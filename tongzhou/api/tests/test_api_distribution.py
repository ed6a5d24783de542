"""The distribution API through its real endpoints: a cooperative's run from draft to paid (the worked example's
figures), a reversal, the published list without identifiers, a household's income lines; scoping per persona;
every bad input answered in the one error format, naming the field (and the article), with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest

from tongzhou.distribution.models import DistributionRun, RunStatus
from tongzhou.distribution.tests.runs_builders import (
    YEAR,
    build_collective_year,
    build_coop_year,
    counts,
    post_cost,
)
from tongzhou.households.models import Person

from .calling import Caller, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop(personas):
    return build_coop_year(personas)


def approve_body(**changes) -> dict:
    return {"assembly_on": "2026-01-20", "votes_for": 2, "votes_against": 0, "members_entitled": 2, **changes}


def test_a_run_goes_from_draft_to_paid_with_the_worked_examples_figures(personas, coop):
    caller = Caller(personas.cadre_a)
    coop_id = coop.cooperative.pk
    response = caller.post(f"/coops/{coop_id}/distribution-runs", {"year": YEAR, "conversion_bp": 1000})
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["status"] == "draft" and run["surplus"] == "100000.00" and run["surplus_fen"] == 10_000_000
    assert run["steps"]["patronage_fen"] == 5_400_000 and run["distributable"] == "90000.00"
    wang = next(x for x in run["lines"] if x["member_id"] == coop.wang.pk)
    assert wang["patronage_return"] == "40500.00" and wang["converted_to_capital_fen"] == 515_000
    assert wang["cash"] == "46350.00" and wang["transactions"] == "3000000"

    again = caller.post(f"/distribution-runs/{run['id']}/recompute", {"conversion_bp": 0})
    assert again.status_code == 200 and again.json()["id"] == run["id"]
    listed = caller.get(f"/coops/{coop_id}/distribution-runs", year=YEAR).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == run["id"]
    lines = caller.get(f"/distribution-runs/{run['id']}/lines", page_size=1).json()
    assert lines["count"] == 2 and len(lines["results"]) == 1

    published = caller.post(f"/distribution-runs/{run['id']}/publish", {"on": "2026-01-05"})
    assert published.status_code == 200 and published.json()["notice_days"] == 15
    approved = caller.post(f"/distribution-runs/{run['id']}/approve", approve_body())
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    posted = caller.post(f"/distribution-runs/{run['id']}/post", {})
    assert posted.status_code == 200, posted.content
    assert posted.json()["posted_on"] == "2026-01-20" and len(posted.json()["voucher_ids"]) == 1

    one = caller.post(
        f"/distribution-runs/{run['id']}/pay",
        {"on": "2026-02-01", "payments": [{"member_id": coop.wang.pk, "amount": "41,000"}]},
    )
    assert one.status_code == 201, one.content
    (payment,) = one.json()["payments"]
    assert payment["return_part"] == "40500.00" and payment["share_part"] == "500.00"
    rest = caller.post(f"/distribution-runs/{run['id']}/pay", {"on": "2026-02-02", "method": "cash"})
    assert rest.status_code == 201 and rest.json()["run"]["status"] == "paid"

    income = caller.get(f"/households/{coop.wang.household_id}/income", year=YEAR).json()
    assert income["count"] == 3
    assert sum(x["amount_fen"] for x in income["results"]) == 4_050_000 + 1_100_000
    assert {x["kind"] for x in income["results"]} == {"patronage_return", "dividend"}
    assert income["results"][0]["body_name"] == coop.cooperative.name


def test_a_posted_run_is_reversed_and_a_second_post_of_the_year_is_refused(personas, coop):
    caller = Caller(personas.cadre_a)
    coop_id = coop.cooperative.pk
    first = caller.post(f"/coops/{coop_id}/distribution-runs", {"year": YEAR}).json()
    second = caller.post(f"/coops/{coop_id}/distribution-runs", {"year": YEAR}).json()
    for run in (first, second):
        caller.post(f"/distribution-runs/{run['id']}/publish", {"on": "2026-01-05"})
        caller.post(f"/distribution-runs/{run['id']}/approve", approve_body())
    assert caller.post(f"/distribution-runs/{first['id']}/post", {}).status_code == 200
    before = counts()
    twice = caller.post(f"/distribution-runs/{second['id']}/post", {})
    assert twice.status_code == 409 and error_of(twice)["code"] == "run_already_posted"
    assert counts() == before

    reversed_ = caller.post(f"/distribution-runs/{first['id']}/reverse", {"on": "2026-01-25"})
    assert reversed_.status_code == 201 and reversed_.json()["reverses_id"] == first["id"]
    original = caller.get(f"/distribution-runs/{first['id']}").json()
    assert original["status"] == "reversed" and original["reversed_by_id"] == reversed_.json()["id"]
    assert caller.post(f"/distribution-runs/{second['id']}/post", {}).status_code == 200


def test_bad_input_names_the_field_and_the_article_and_changes_nothing(personas, coop):
    caller = Caller(personas.cadre_a)
    coop_id = coop.cooperative.pk
    text = caller.post(f"/coops/{coop_id}/distribution-runs", {"year": YEAR, "surplus": "十万"})
    assert text.status_code == 400 and "surplus" in error_of(text)["details"]["fields"]
    loss = caller.post(f"/coops/{coop_id}/distribution-runs", {"year": YEAR, "surplus": "-100.00"})
    assert loss.status_code == 400 and error_of(loss)["code"] == "loss_not_distributable"
    unknown = caller.post(f"/coops/{coop_id}/distribution-runs", {"year": YEAR, "extra": 1})
    assert unknown.status_code == 422
    assert not DistributionRun.objects.exists()

    run = caller.post(f"/coops/{coop_id}/distribution-runs", {"year": YEAR}).json()
    before = counts()
    too_soon = caller.post(f"/distribution-runs/{run['id']}/approve", approve_body())
    assert too_soon.status_code == 409 and error_of(too_soon)["code"] == "run_status"
    caller.post(f"/distribution-runs/{run['id']}/publish", {"on": "2026-01-05"})
    early = caller.post(f"/distribution-runs/{run['id']}/approve", approve_body(assembly_on="2026-01-10"))
    error = error_of(early)
    assert early.status_code == 400 and error["code"] == "notice_not_over"
    assert error["details"]["fields"]["assembly_on"]["article"].endswith("Art. 40")
    few = caller.post(f"/distribution-runs/{run['id']}/approve", approve_body(votes_for=1, votes_against=1))
    assert (
        few.status_code == 400
        and error_of(few)["details"]["fields"]["votes_for"]["code"] == "votes_insufficient"
    )
    recompute = caller.post(f"/distribution-runs/{run['id']}/recompute", {})
    assert recompute.status_code == 409
    assert DistributionRun.objects.get().status == RunStatus.PUBLISHED

    caller.post(f"/distribution-runs/{run['id']}/approve", approve_body())
    caller.post(f"/distribution-runs/{run['id']}/post", {})
    before = counts()
    over = caller.post(
        f"/distribution-runs/{run['id']}/pay",
        {"on": "2026-02-01", "payments": [{"member_id": coop.wang.pk, "amount": "999999"}]},
    )
    assert over.status_code == 400 and error_of(over)["details"]["fields"]["amount"]["code"] == "overpaid"
    stranger = caller.post(
        f"/distribution-runs/{run['id']}/pay", {"on": "2026-02-01", "payments": [{"member_id": 999999}]}
    )
    assert stranger.status_code == 400 and "member_id" in error_of(stranger)["details"]["fields"]
    assert counts() == before


def test_the_published_list_shows_names_and_amounts_only_once_published(personas, coop):
    writer = Caller(personas.cadre_a)
    run = writer.post(f"/coops/{coop.cooperative.pk}/distribution-runs", {"year": YEAR}).json()
    township = Caller(personas.township)
    draft = township.get(f"/distribution-runs/{run['id']}/published")
    assert draft.status_code == 404 and error_of(draft)["code"] == "not_found"
    writer.post(f"/distribution-runs/{run['id']}/publish", {"on": "2026-01-05"})
    response = township.get(f"/distribution-runs/{run['id']}/published")
    body = response.json()
    assert response.status_code == 200 and body["count"] == 2 and body["notice_days"] == 15
    assert [r["member_name"] for r in body["results"]] == ["王大山", "李小花"]
    assert body["results"][0]["patronage_return"] == "40500.00"
    text = response.content.decode()
    for id_number in Person.objects.exclude(id_number="").values_list("id_number", flat=True):
        assert id_number not in text
    assert "member_id" not in body["results"][0] and "household_id" not in body["results"][0]


def test_scopes_deny_by_default_and_an_auditor_only_reads(personas, coop):
    run = (
        Caller(personas.cadre_a)
        .post(f"/coops/{coop.cooperative.pk}/distribution-runs", {"year": YEAR})
        .json()
    )
    auditor = Caller(personas.auditor)
    assert auditor.get(f"/distribution-runs/{run['id']}").status_code == 200
    refused = auditor.post(f"/distribution-runs/{run['id']}/publish", {})
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    other = Caller(personas.cadre_b)
    assert other.get(f"/distribution-runs/{run['id']}").status_code == 403
    assert other.get(f"/coops/{coop.cooperative.pk}/distribution-runs").status_code in (403, 404)
    assert other.get(f"/households/{coop.wang.household_id}/income").status_code in (403, 404)
    assert Caller().get(f"/distribution-runs/{run['id']}").status_code == 401
    assert Caller(personas.cadre_a).get("/distribution-runs/999999").status_code == 404
    assert DistributionRun.objects.get().status == RunStatus.DRAFT


def test_a_collectives_run_shares_by_income_right_shares_and_needs_two_thirds(personas):
    body = build_collective_year(personas)
    caller = Caller(personas.cadre_a, lang="en")
    run = caller.post(f"/coops/{body.cooperative.pk}/distribution-runs", {"year": YEAR}).json()
    assert run["standard"] == "collective_organisation" and run["steps"]["welfare_fund_fen"] == 1_000_000
    assert {x["income_right"] for x in run["lines"]} == {"30000.00", "10000.00"}
    caller.post(f"/distribution-runs/{run['id']}/publish", {"on": "2026-01-05"})
    short = caller.post(
        f"/distribution-runs/{run['id']}/approve",
        {"assembly_on": "2026-01-15", "votes_for": 1, "votes_against": 0, "members_entitled": 3},
    )
    error = error_of(short)
    assert short.status_code == 400 and "two thirds" in error["message"]


def test_a_run_says_when_the_books_surplus_changed_after_it_was_computed(personas, coop):
    """A late voucher (¥300.00 of December electricity) posted after the draft: the run's detail gives the books'
    surplus now, ¥99,700.00, until the draft is recomputed from it."""
    caller = Caller(personas.cadre_a)
    run = caller.post(f"/coops/{coop.cooperative.pk}/distribution-runs", {"year": YEAR}).json()
    assert run["surplus_fen"] == 10_000_000 and run["surplus_in_books_now_fen"] is None
    post_cost(personas, coop.book, fen=30_000, on=dt.date(YEAR, 12, 30), summary="补记12月电费")
    stale = caller.get(f"/distribution-runs/{run['id']}").json()
    assert stale["surplus_fen"] == 10_000_000 and stale["surplus_in_books_now_fen"] == 9_970_000
    again = caller.post(f"/distribution-runs/{run['id']}/recompute", {}).json()
    assert again["surplus_fen"] == 9_970_000 and again["surplus_in_books_now_fen"] is None
