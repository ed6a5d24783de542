"""A township's runs computed at once (issue 5, points 3 and 8): every body's draft is what `run_compute` with its
defaults computes, field by field (inputs, steps, every line); a body whose year is a loss, that keeps no books or
has no bylaws, or whose run is already published is left out and reported; a refusal changes nothing."""

import datetime as dt

import pytest
from django.db import transaction

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.models import Member
from tongzhou.coops.testing import build_bylaws, build_cooperative
from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.core.testing import TOWNSHIP, VILLAGE_A, VILLAGE_B
from tongzhou.distribution.models import DistributionLine, DistributionRun, RunStatus
from tongzhou.distribution.services import batch as batch_services
from tongzhou.distribution.services import (
    run_approve,
    run_compute,
    run_post,
    run_publish,
    runs_compute_batch,
)

from .runs_builders import YEAR, build_collective_year, build_coop_year, counts, post_cost, sale

LINE_FIELDS = [f.attname for f in DistributionLine._meta.concrete_fields if f.attname not in ("id", "run_id")]


class _Rollback(Exception):
    pass


def snapshot(kept: set[int]) -> dict:
    """Every run of the year and its lines, by body: what run_compute writes, without timestamps and without the ids
    of new runs (PostgreSQL's sequences do not roll back); a recomputed draft keeps its id, which is compared."""
    runs = {
        r.body_id: (
            r.pk if r.pk in kept else "new",
            r.status,
            r.standard,
            r.inputs,
            r.steps,
            r.region_code,
            r.county_code,
            r.computed_by_id,
        )
        for r in DistributionRun.objects.filter(year=YEAR)
    }
    lines = sorted(
        (line["run__body_id"], line["key"], tuple(line[f] for f in LINE_FIELDS))
        for line in DistributionLine.objects.values("run__body_id", "key", *LINE_FIELDS)
    )
    return {"runs": runs, "lines": lines}


def township(personas) -> dict:
    """Two worked-example cooperatives (one with a draft computed from a given surplus), the collective, a
    cooperative whose year is a loss, one without books, one without bylaws, and one whose run is published."""
    a = build_coop_year(personas, region_code=VILLAGE_A, number="0001")
    b = build_coop_year(personas, region_code=VILLAGE_A, number="0011")
    c = build_collective_year(personas)
    loss = build_coop_year(personas, region_code=VILLAGE_A, number="0021")
    post_cost(personas, loss.book, fen=12_000_000, on=dt.date(YEAR, 11, 30))
    no_book = build_cooperative(region_code=VILLAGE_A, name="无账合作社")
    build_bylaws(no_book, reserve_rate_bp=1000, patronage_share_bp=6000)
    no_bylaws = build_cooperative(region_code=VILLAGE_A, name="无章程合作社")
    published = build_coop_year(personas, region_code=VILLAGE_A, number="0031")
    user = personas.township
    draft = run_compute(user=user, body=a.cooperative, year=YEAR, surplus_fen=5_000_000, conversion_bp=1000)
    shown = run_publish(
        user=user, run=run_compute(user=user, body=published.cooperative, year=YEAR), on=dt.date(2026, 1, 5)
    )
    return {
        "a": a.cooperative, "b": b.cooperative, "c": c.cooperative, "loss": loss.cooperative, "no_book": no_book,
        "no_bylaws": no_bylaws, "published": published.cooperative, "draft": draft, "shown": shown,
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [100, 2], ids=["in_one_chunk", "two_bodies_at_a_time"])
def test_the_batch_computes_exactly_what_run_compute_computes_body_by_body(personas, monkeypatch, chunk):
    monkeypatch.setattr(
        batch_services, "COMPUTE_CHUNK", chunk
    )  # a county's bodies are read and written by chunks
    t = township(personas)
    kept = set(DistributionRun.objects.values_list("pk", flat=True))  # runs that exist before
    user = personas.township
    one_by_one = None
    try:
        with transaction.atomic():
            run_compute(user=user, body=t["a"], year=YEAR, run=t["draft"])
            run_compute(user=user, body=t["b"], year=YEAR)
            run_compute(user=user, body=t["c"], year=YEAR)
            with pytest.raises(InvalidInput) as caught:
                run_compute(user=user, body=t["loss"], year=YEAR)
            assert caught.value.code == "loss_not_distributable"
            with pytest.raises(InvalidInput) as caught:
                run_compute(user=user, body=t["no_book"], year=YEAR)
            assert caught.value.code == "no_book"
            one_by_one = snapshot(kept)
            raise _Rollback
    except _Rollback:
        pass
    before = AuditEvent.objects.filter(action="distribution.run_compute").count()

    result = runs_compute_batch(user=user, region_code=TOWNSHIP, year=YEAR, via="cli")

    batch = snapshot(kept)
    assert batch["runs"] == one_by_one["runs"]
    assert batch["lines"] == one_by_one["lines"]
    assert [r.body_id for r in result.runs] == [t["a"].pk, t["b"].pk, t["c"].pk]
    assert result.runs[0].pk == t["draft"].pk  # the draft recomputed, not a second run
    # The result does not hold the members' snapshots (a county's are hundreds of MB); asked for, they are read back.
    assert all("inputs" in r.get_deferred_fields() for r in result.runs)
    assert [r.inputs for r in result.runs] == [batch["runs"][r.body_id][3] for r in result.runs]
    assert result.lines == 6 == DistributionLine.objects.filter(run__status=RunStatus.DRAFT).count()
    assert [(s["body"], s["code"]) for s in result.skipped] == [
        (t["loss"].pk, "loss_not_distributable"),
        (t["no_book"].pk, "no_book"),
        (t["no_bylaws"].pk, "no_bylaws"),
        (t["published"].pk, "run_status"),
    ]
    assert result.skipped[-1]["run"] == t["shown"].pk and result.skipped[-1]["status"] == RunStatus.PUBLISHED
    # Exact figures: the worked examples' surplus from the books (¥100,000 and the collective's ¥50,000), the
    # draft's given surplus and conversion back to the defaults.
    inputs = {body: run[3] for body, run in batch["runs"].items()}
    assert [inputs[t[k].pk]["surplus_fen"] for k in "abc"] == [10_000_000, 10_000_000, 5_000_000]
    assert inputs[t["a"].pk]["surplus_source"] == "ledger" and inputs[t["a"].pk]["conversion_bp"] == 0
    assert (
        sum(DistributionLine.objects.filter(run__body=t["c"]).values_list("cash_fen", flat=True)) == 4_000_000
    )
    # One audit record per run, marked as the batch's, and one for the batch.
    events = AuditEvent.objects.filter(action="distribution.run_compute")
    assert events.count() - before == 3 == events.filter(details__batch=True).count()
    event = AuditEvent.objects.get(action="distribution.runs_compute_batch")
    assert event.details["runs"] == [r.pk for r in result.runs] and event.region_code == TOWNSHIP
    # The published run is left as it was.
    assert DistributionRun.objects.get(pk=t["shown"].pk).status == RunStatus.PUBLISHED
    assert batch["runs"][t["published"].pk] == one_by_one["runs"][t["published"].pk]


@pytest.mark.django_db
def test_a_given_surplus_is_run_computes_surplus_fen(personas):
    t = township(personas)
    kept = set(DistributionRun.objects.values_list("pk", flat=True))  # runs that exist before
    user = personas.township
    expected = None
    try:
        with transaction.atomic():
            run_compute(user=user, body=t["no_book"], year=YEAR, surplus_fen=0)
            run_compute(user=user, body=t["b"], year=YEAR, surplus_fen=2_000_000)
            expected = snapshot(kept)
            raise _Rollback
    except _Rollback:
        pass
    result = runs_compute_batch(
        user=user, region_code=TOWNSHIP, year=YEAR, surplus_fen={t["no_book"].pk: 0, t["b"].pk: 2_000_000}
    )
    got = snapshot(kept)
    for body in (t["no_book"].pk, t["b"].pk):
        assert got["runs"][body][1:] == expected["runs"][body][1:]
        assert [x for x in got["lines"] if x[0] == body] == [x for x in expected["lines"] if x[0] == body]
    assert got["runs"][t["b"].pk][3]["surplus_source"] == "given"
    assert len(result.runs) == 4


@pytest.mark.django_db
def test_refusals_change_nothing(personas):
    t = township(personas)
    before = counts()
    with pytest.raises(ScopeDenied):
        runs_compute_batch(user=personas.cadre_a, region_code=TOWNSHIP, year=YEAR)
    with pytest.raises(InvalidInput) as caught:
        runs_compute_batch(user=personas.township, region_code="52x", year=YEAR)
    assert caught.value.code == "region_code_invalid"
    with pytest.raises(InvalidInput) as caught:
        runs_compute_batch(user=personas.township, region_code=TOWNSHIP, year=1800)
    assert caught.value.code == "year_invalid"
    with pytest.raises(InvalidInput) as caught:
        runs_compute_batch(
            user=personas.township, region_code=TOWNSHIP, year=YEAR, surplus_fen={t["b"].pk: "1"}
        )
    assert caught.value.code == "amount_type"
    # A village with nothing to compute: its only body has no bylaws, and the refusal says so.
    build_cooperative(region_code=VILLAGE_B, name="乙村无章程合作社")
    before = counts()
    with pytest.raises(Conflict) as caught:
        runs_compute_batch(user=personas.township, region_code=VILLAGE_B, year=YEAR)
    assert caught.value.code == "nothing_to_compute"
    assert [s["code"] for s in caught.value.details["skipped"]] == ["no_bylaws"]
    assert counts() == before
    assert DistributionRun.objects.get(pk=t["draft"].pk).inputs["surplus_fen"] == 5_000_000


@pytest.mark.django_db
def test_reserve_shares_of_earlier_runs_less_what_an_exit_returned_are_read_as_run_compute_reads_them(
    personas,
):
    """The cooperative's 2024 run (a given surplus of ¥10,000, posted in 2025) quantified its 10 % reserve, ¥1,000, to
    Wang (¥750) and Li (¥250) by their 2024 sales; ¥1.23 of Wang's was returned at his exit settlement: the 2025 draft of the batch carries the same
    reserve shares (Art. 42) and lines as run_compute's."""
    coop = build_coop_year(personas)
    sale(coop.wang, 300_000, on=dt.date(YEAR - 1, 6, 15))
    sale(coop.li, 100_000, on=dt.date(YEAR - 1, 6, 15))
    user = personas.township
    earlier = run_compute(user=user, body=coop.cooperative, year=YEAR - 1, surplus_fen=1_000_000)
    earlier = run_publish(user=user, run=earlier, on=dt.date(YEAR, 1, 5))
    earlier = run_approve(
        user=user,
        run=earlier,
        assembly_on=dt.date(YEAR, 1, 20),
        votes_for=2,
        votes_against=0,
        members_entitled=2,
    )
    run_post(user=user, run=earlier, on=dt.date(YEAR, 1, 20))
    quantified = dict(
        DistributionLine.objects.filter(run=earlier).values_list("member_id", "reserve_quantified_fen")
    )
    assert quantified == {coop.wang.pk: 75_000, coop.li.pk: 25_000}  # by 2024's sales, ¥3,000 and ¥1,000
    Member.objects.filter(pk=coop.wang.pk).update(exit_reserve_returned_fen=123)
    kept = set(DistributionRun.objects.values_list("pk", flat=True))
    one_by_one = None
    try:
        with transaction.atomic():
            run_compute(user=user, body=coop.cooperative, year=YEAR)
            one_by_one = snapshot(kept)
            raise _Rollback
    except _Rollback:
        pass

    runs_compute_batch(user=user, region_code=TOWNSHIP, year=YEAR)

    batch = snapshot(kept)
    assert batch == one_by_one
    reserve = dict(
        DistributionLine.objects.filter(run__year=YEAR).values_list("member_id", "reserve_share_fen")
    )
    assert reserve == {coop.wang.pk: quantified[coop.wang.pk] - 123, coop.li.pk: quantified[coop.li.pk]}
