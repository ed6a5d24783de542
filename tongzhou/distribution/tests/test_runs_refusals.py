"""Each bad input of issue 5 for the run steps gets a clear error naming the article or rule it breaks, and nothing
changes: every table a run service writes keeps its row count, the run keeps its state."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from tongzhou.coops.models import Cooperative
from tongzhou.core.errors import Conflict, InvalidInput, TongzhouError
from tongzhou.distribution.models import DistributionLine, DistributionRun, RunStatus
from tongzhou.distribution.services import (
    run_approve,
    run_compute,
    run_pay,
    run_post,
    run_publish,
    run_reverse,
)
from tongzhou.ledger.models import Period
from tongzhou.ledger.services import period_close
from tongzhou.ledger.services.year_close import year_close

from .runs_builders import YEAR, build_collective_year, build_coop_year, counts, run_state
from .test_runs_worked_example import approve_and_post, posted


def published(user, body, *, on=dt.date(2026, 1, 5)):
    return run_publish(user=user, run=run_compute(user=user, body=body, year=YEAR), on=on)


def approved(user, body, *, on=dt.date(2026, 1, 5), assembly=dt.date(2026, 1, 20)):
    run = published(user, body, on=on)
    return run_approve(
        user=user, run=run, assembly_on=assembly, votes_for=2, votes_against=0, members_entitled=2
    )


@pytest.mark.django_db
def test_a_negative_surplus_is_refused_and_no_run_is_written(personas):
    coop = build_coop_year(personas)
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR, surplus_fen=-120_000)
    assert caught.value.code == "loss_not_distributable"
    assert "Art. 44" in caught.value.message_zh and "Art. 44" in caught.value.message_en
    assert counts() == before


@pytest.mark.django_db
def test_a_loss_year_in_the_books_is_refused_too(personas):
    coop = build_coop_year(personas)
    from .runs_builders import post_year

    post_year(personas, coop.book, income_fen=1, cost_fen=20_000_000)  # the year now closes with a loss
    before = counts()
    with pytest.raises(InvalidInput, match="Art. 44"):
        run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    assert counts() == before


@pytest.mark.django_db
def test_approving_before_the_notice_has_run_is_refused(personas):
    coop = build_coop_year(personas)
    run = published(personas.cadre_a, coop.cooperative, on=dt.date(2026, 1, 5))
    before, state = counts(), run_state(run)
    with pytest.raises(InvalidInput) as caught:
        run_approve(
            user=personas.cadre_a,
            run=run,
            assembly_on=dt.date(2026, 1, 19),
            votes_for=2,
            votes_against=0,
            members_entitled=2,
        )
    assert caught.value.code == "notice_not_over"
    assert "Art. 40" in caught.value.message_zh and "2026-01-20" in caught.value.message_en
    assert counts() == before and run_state(run) == state


@pytest.mark.django_db
def test_approving_a_draft_that_was_never_published_is_refused(personas):
    coop = build_coop_year(personas)
    run = run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    with pytest.raises(Conflict, match="须先公示"):
        run_approve(
            user=personas.cadre_a,
            run=run,
            assembly_on=dt.date(2026, 3, 1),
            votes_for=2,
            votes_against=0,
            members_entitled=2,
        )
    assert run_state(run)[0] == RunStatus.DRAFT


@pytest.mark.django_db
def test_a_cooperative_plan_without_more_than_half_of_all_votes_is_refused(personas):
    coop = build_coop_year(personas)
    run = published(personas.cadre_a, coop.cooperative)
    state = run_state(run)
    # One of two members for and nobody against: half of those voting, but not more than half of all members.
    with pytest.raises(InvalidInput) as caught:
        run_approve(
            user=personas.cadre_a,
            run=run,
            assembly_on=dt.date(2026, 1, 20),
            votes_for=1,
            votes_against=0,
            members_entitled=2,
        )
    assert caught.value.code == "votes_insufficient" and "Art. 30" in caught.value.message_zh
    assert run_state(run) == state
    with pytest.raises(InvalidInput, match="exceed"):
        run_approve(
            user=personas.cadre_a,
            run=run,
            assembly_on=dt.date(2026, 1, 20),
            votes_for=2,
            votes_against=1,
            members_entitled=2,
        )
    assert run_state(run) == state


@pytest.mark.django_db
def test_a_collective_plan_needs_two_thirds_of_all_members(personas):
    body = build_collective_year(personas)
    run = published(personas.cadre_a, body.cooperative)
    with pytest.raises(InvalidInput) as caught:
        run_approve(
            user=personas.cadre_a,
            run=run,
            assembly_on=dt.date(2026, 1, 15),
            votes_for=5,
            votes_against=0,
            members_entitled=8,
        )
    assert caught.value.code == "votes_insufficient" and "Art. 27" in caught.value.message_zh
    assert run_state(run)[0] == RunStatus.PUBLISHED


@pytest.mark.django_db
def test_a_second_run_of_the_same_year_is_not_posted(personas):
    coop = build_coop_year(personas)
    first = approve_and_post(
        personas.cadre_a, run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    )
    second = approved(personas.cadre_a, coop.cooperative)
    before, state = counts(), run_state(second)
    with pytest.raises(Conflict) as caught:
        run_post(user=personas.cadre_a, run=second)
    assert caught.value.code == "run_already_posted"
    assert counts() == before and run_state(second) == state
    # Posting the same run again is refused as well.
    with pytest.raises(Conflict):
        run_post(user=personas.cadre_a, run=first)
    assert counts() == before


def _close_year(personas, book, year):
    for month in range(1, 12):
        period_close(user=personas.cadre_a, book=book, year=year, month=month)
    year_close(user=personas.cadre_a, book=book, year=year)


@pytest.mark.django_db
def test_posting_into_a_closed_year_is_refused_and_the_next_open_date_is_accepted(personas):
    coop = build_coop_year(personas)
    run = approved(
        personas.cadre_a, coop.cooperative, on=dt.date(2025, 12, 1), assembly=dt.date(2025, 12, 20)
    )
    # The year is closed, and reading the surplus still gives the same figure (the close vouchers are left out).
    _close_year(personas, coop.book, YEAR)
    before, state = counts(), run_state(run)
    with pytest.raises(InvalidInput) as caught:
        run_post(user=personas.cadre_a, run=run, on=dt.date(2025, 12, 31))
    assert caught.value.code == "year_closed"
    assert counts() == before and run_state(run) == state
    run = run_post(user=personas.cadre_a, run=run, on=dt.date(2026, 1, 8))
    assert run.status == RunStatus.POSTED
    # 332 held the year's surplus after the close; the distribution takes it all out again.
    assert posted(coop.book, "332")[0] == 10_000_000
    recomputed = run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    assert recomputed.inputs["surplus_fen"] == 10_000_000


@pytest.mark.django_db
def test_posting_into_a_closed_month_is_refused(personas):
    coop = build_coop_year(personas)
    run = approved(personas.cadre_a, coop.cooperative)
    for month in range(1, 13):
        period_close(user=personas.cadre_a, book=coop.book, year=YEAR, month=month)
    period_close(user=personas.cadre_a, book=coop.book, year=2026, month=1)
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        run_post(user=personas.cadre_a, run=run)
    assert caught.value.code == "period_closed"
    assert counts() == before and Period.objects.get(book=coop.book, year=2026, month=1).last_number == 0


@pytest.mark.django_db
def test_paying_a_member_of_another_body_is_refused(personas):
    coop = build_coop_year(personas)
    other = build_coop_year(personas, number="0201")
    run = approve_and_post(
        personas.cadre_a, run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    )
    before, state = counts(), run_state(run)
    with pytest.raises(InvalidInput) as caught:
        run_pay(
            user=personas.cadre_a,
            run=run,
            on=dt.date(2026, 2, 1),
            payments=[{"member": coop.wang, "amount_fen": 100}, {"member": other.li, "amount_fen": 100}],
        )
    assert caught.value.code == "member_not_in_run" and caught.value.details["member"] == other.li.pk
    assert "Art. 43" in caught.value.message_zh
    assert counts() == before and run_state(run) == state


@pytest.mark.django_db
def test_paying_more_than_is_due_or_before_posting_is_refused(personas):
    coop = build_coop_year(personas)
    run = approved(personas.cadre_a, coop.cooperative)
    before = counts()
    with pytest.raises(Conflict, match="须先记账"):
        run_pay(user=personas.cadre_a, run=run, on=dt.date(2026, 2, 1))
    run = run_post(user=personas.cadre_a, run=run)
    before = counts()
    due = DistributionLine.objects.get(run=run, member=coop.li).cash_fen
    with pytest.raises(InvalidInput) as caught:
        run_pay(
            user=personas.cadre_a,
            run=run,
            on=dt.date(2026, 2, 1),
            payments=[{"member": coop.li, "amount_fen": due}, {"member": coop.li, "amount_fen": 1}],
        )
    assert caught.value.code == "overpaid"
    assert counts() == before


@pytest.mark.django_db
def test_a_published_run_is_not_recomputed(personas):
    coop = build_coop_year(personas)
    run = published(personas.cadre_a, coop.cooperative)
    with pytest.raises(Conflict) as caught:
        run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR, run=run, surplus_fen=1)
    assert caught.value.code == "run_status"
    assert DistributionRun.objects.get(pk=run.pk).inputs["surplus_fen"] == 10_000_000


@pytest.mark.django_db
def test_a_posted_run_is_undone_by_a_reversing_run_and_the_year_may_then_be_posted_again(personas):
    coop = build_coop_year(personas)
    cadre = personas.cadre_a
    first = approve_and_post(
        cadre, run_compute(user=cadre, body=coop.cooperative, year=YEAR, conversion_bp=1000)
    )
    reversing = run_reverse(user=cadre, run=first, on=dt.date(2026, 1, 25))
    first.refresh_from_db()
    assert first.status == RunStatus.REVERSED and reversing.reverses_id == first.pk
    assert reversing.status == RunStatus.POSTED
    (red,) = reversing.vouchers.all()
    assert red.status == "posted" and red.reverses_id == first.vouchers.get().pk
    for code in ("332", "322", "221", "222", "301"):
        debit, credit = posted(coop.book, code)
        assert debit == 0 and credit == 0, code  # red ink: the amounts cancel on the same side
    with pytest.raises(Conflict):
        run_reverse(user=cadre, run=first, on=dt.date(2026, 1, 26))
    second = approve_and_post(
        cadre,
        run_compute(user=cadre, body=coop.cooperative, year=YEAR),
        published=dt.date(2026, 1, 26),
        assembly=dt.date(2026, 2, 10),
    )
    assert second.status == RunStatus.POSTED
    assert posted(coop.book, "332") == (10_000_000, 0)


@pytest.mark.django_db
def test_a_paid_run_is_not_reversed(personas):
    coop = build_coop_year(personas)
    run = approve_and_post(
        personas.cadre_a, run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    )
    run_pay(user=personas.cadre_a, run=run, on=dt.date(2026, 2, 1), payments=[{"member": coop.li}])
    before = counts()
    with pytest.raises(Conflict) as caught:
        run_reverse(user=personas.cadre_a, run=run, on=dt.date(2026, 2, 2))
    assert caught.value.code == "run_has_payments"
    assert counts() == before


@pytest.mark.django_db
def test_a_village_cadre_of_another_village_can_do_none_of_the_steps(personas):
    coop = build_coop_year(personas)
    run = run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)
    before = counts()
    for step in (
        lambda u: run_publish(user=u, run=run, on=dt.date(2026, 1, 5)),
        lambda u: run_post(user=u, run=run),
        lambda u: run_pay(user=u, run=run, on=dt.date(2026, 2, 1)),
        lambda u: run_reverse(user=u, run=run),
    ):
        with pytest.raises(TongzhouError) as caught:
            step(personas.cadre_b)
        assert caught.value.code == "forbidden"
    assert counts() == before


# ---- PostgreSQL: two posts at once -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_year_leave_exactly_one_run_in_the_books(personas):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions: PostgreSQL")
    coop = build_coop_year(personas)
    runs = [approved(personas.cadre_a, coop.cooperative) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def post(run):
        try:
            barrier.wait()
            run_post(user=personas.cadre_a, run=run)
            outcomes.append("posted")
        except Exception as exc:  # surfaced by the assertions below
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(run,)) for run in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, outcomes))[-1] == "posted"
    refused = [o for o in outcomes if o != "posted"]
    assert len(refused) == 1 and isinstance(refused[0], Conflict) and refused[0].code == "run_already_posted"
    assert DistributionRun.objects.filter(body=coop.cooperative, status=RunStatus.POSTED).count() == 1
    assert posted(coop.book, "332") == (10_000_000, 0)
    assert Cooperative.objects.filter(pk=coop.cooperative.pk).exists()
