"""Worked examples through the database: a cooperative's and a collective's year, from the books' 本年盈余 to the
payments and the households' income lines, every figure computed by hand in the test.

Cooperative (农民专业合作社法 Art. 42–44), 本年盈余 ¥100,000.00 (income 150,000, costs 50,000):
- reserve 10% (Art. 42) = 10,000.00, quantified by counted transactions 3:1 → Wang 7,500.00, Li 2,500.00;
- distributable (Art. 44) = 90,000.00; patronage return 60% = 54,000.00 by sales 30,000 : 10,000 (Wang's ¥5,000
  of inputs bought is not a kind the bylaws count) → Wang 40,500.00, Li 13,500.00;
- remainder 36,000.00 by capital + reserve share: Wang 20,000 + 7,500 = 27,500, Li 60,000 + 2,500 = 62,500
  → Wang 11,000.00, Li 25,000.00;
- 10% converted into capital (Art. 44): Wang 5,150.00 (of it 4,050.00 from the return, 1,100.00 from the
  remainder), Li 3,850.00 (1,350.00 + 2,500.00).
"""

import datetime as dt

import pytest

from tongzhou.core.errors import NotFound, ScopeDenied
from tongzhou.distribution.models import DistributionLine, HouseholdIncome, Payment, RunStatus
from tongzhou.distribution.selectors import household_income_lines, published_list, run_get, run_list
from tongzhou.distribution.services import run_approve, run_compute, run_pay, run_post, run_publish
from tongzhou.ledger.models import VoucherLine

from .runs_builders import YEAR, build_collective_year, build_coop_year


def posted(book, code: str, member=None) -> tuple[int, int]:
    """(debit, credit) posted on an account (and its sub-accounts), of one member when given."""
    lines = VoucherLine.objects.filter(book=book, account__code__startswith=code, voucher__status="posted")
    if member is not None:
        lines = lines.filter(member=member)
    return (sum(x.debit_fen for x in lines), sum(x.credit_fen for x in lines))


def approve_and_post(
    user, run, *, published=dt.date(2026, 1, 5), assembly=dt.date(2026, 1, 20), votes=(2, 0)
):
    run_publish(user=user, run=run, on=published)
    run_approve(
        user=user,
        run=run,
        assembly_on=assembly,
        votes_for=votes[0],
        votes_against=votes[1],
        members_entitled=2,
    )
    return run_post(user=user, run=run)


@pytest.mark.django_db
def test_a_cooperative_year_goes_from_draft_to_paid_with_its_vouchers_and_income_lines(personas):
    coop = build_coop_year(personas)
    cadre = personas.cadre_a

    run = run_compute(user=cadre, body=coop.cooperative, year=YEAR, conversion_bp=1000)
    assert run.status == RunStatus.DRAFT
    assert run.inputs["surplus_fen"] == 10_000_000 and run.inputs["surplus_source"] == "ledger"
    assert run.inputs["losses_to_make_up_fen"] == 0
    steps = run.steps
    assert steps["reserve_fen"] == 1_000_000
    assert steps["distributable_fen"] == 9_000_000
    assert steps["patronage_fen"] == 5_400_000
    assert steps["remainder_to_members_fen"] == 3_600_000
    wang = DistributionLine.objects.get(run=run, member=coop.wang)
    li = DistributionLine.objects.get(run=run, member=coop.li)
    assert (wang.reserve_quantified_fen, li.reserve_quantified_fen) == (750_000, 250_000)
    assert (wang.patronage_return_fen, li.patronage_return_fen) == (4_050_000, 1_350_000)
    assert (wang.remainder_weight_fen, li.remainder_weight_fen) == (2_750_000, 6_250_000)
    assert (wang.remainder_share_fen, li.remainder_share_fen) == (1_100_000, 2_500_000)
    assert (wang.converted_to_capital_fen, li.converted_to_capital_fen) == (515_000, 385_000)
    assert (wang.payable_return_fen, wang.payable_share_fen) == (3_645_000, 990_000)
    assert (li.payable_return_fen, li.payable_share_fen) == (1_215_000, 2_250_000)
    assert wang.household_id == coop.wang.household_id

    # A draft is recomputed as often as wanted: the same figures, the same run, no duplicate lines.
    again = run_compute(user=cadre, body=coop.cooperative, year=YEAR, run=run, conversion_bp=1000)
    assert again.pk == run.pk and DistributionLine.objects.filter(run=run).count() == 2

    run = approve_and_post(cadre, run)
    assert run.status == RunStatus.POSTED and run.posted_on == dt.date(2026, 1, 20)
    (voucher,) = run.vouchers.all()
    assert voucher.status == "posted" and voucher.date == dt.date(2026, 1, 20)
    book = coop.book
    assert posted(book, "332") == (10_000_000, 0)
    assert posted(book, "322") == (0, 1_000_000)
    assert posted(book, "221", coop.wang) == (0, 3_645_000)
    assert posted(book, "221", coop.li) == (0, 1_215_000)
    assert posted(book, "222", coop.wang) == (0, 990_000)
    assert posted(book, "222", coop.li) == (0, 2_250_000)
    assert posted(book, "301") == (0, 900_000)
    assert posted(book, "301", coop.wang) == (0, 515_000)

    payments = run_pay(user=cadre, run=run, on=dt.date(2026, 2, 1), reference="批量代发 2026-02")
    assert len(payments) == 2
    run.refresh_from_db()
    assert run.status == RunStatus.PAID
    assert posted(book, "221") == (4_860_000, 4_860_000)  # settled
    assert posted(book, "222") == (3_240_000, 3_240_000)
    bank_debit, bank_credit = posted(book, "102")
    assert bank_debit - bank_credit == 15_000_000 - 5_000_000 - 8_100_000
    incomes = {(i.household_id, i.kind): i.amount_fen for i in HouseholdIncome.objects.filter(run=run)}
    assert incomes == {
        (coop.wang.household_id, "patronage_return"): 3_645_000,
        (coop.wang.household_id, "dividend"): 990_000,
        (coop.li.household_id, "patronage_return"): 1_215_000,
        (coop.li.household_id, "dividend"): 2_250_000,
    }
    lines = household_income_lines(user=cadre, household=coop.wang.household, year=YEAR)
    assert sum(x.amount_fen for x in lines) == 4_635_000


@pytest.mark.django_db
def test_partial_payments_settle_the_return_first_and_the_run_is_paid_when_nothing_is_due(personas):
    coop = build_coop_year(personas)
    cadre = personas.cadre_a
    run = approve_and_post(cadre, run_compute(user=cadre, body=coop.cooperative, year=YEAR))
    wang = DistributionLine.objects.get(
        run=run, member=coop.wang
    )  # no conversion: return 40,500, share 11,000
    (first,) = run_pay(
        user=cadre, run=run, on=dt.date(2026, 2, 1), payments=[{"member": coop.wang, "amount_fen": 4_100_000}]
    )
    assert (first.return_fen, first.share_fen) == (4_050_000, 50_000)
    run.refresh_from_db()
    assert run.status == RunStatus.POSTED
    run_pay(user=cadre, run=run, on=dt.date(2026, 2, 2))
    run.refresh_from_db()
    wang.refresh_from_db()
    assert run.status == RunStatus.PAID and wang.paid_fen == wang.cash_fen == 5_150_000
    assert Payment.objects.filter(run=run).count() == 3


@pytest.mark.django_db
def test_a_collective_year_sets_aside_its_fund_and_shares_the_rest_by_income_right_shares(personas):
    """农村集体经济组织法 Art. 40, 42: 本年收益 ¥50,000.00; 公积公益金 20% = 10,000.00; 40,000.00 by shares 3:1."""
    body = build_collective_year(personas)
    cadre = personas.cadre_a
    run = run_compute(user=cadre, body=body.cooperative, year=YEAR)
    assert run.standard == "collective_organisation"
    assert run.steps["income_fen"] == 5_000_000 and run.steps["welfare_fund_fen"] == 1_000_000
    wang = DistributionLine.objects.get(run=run, member=body.wang)
    li = DistributionLine.objects.get(run=run, member=body.li)
    assert (wang.income_right_fen, li.income_right_fen) == (3_000_000, 1_000_000)
    run_publish(user=cadre, run=run, on=dt.date(2026, 1, 5))
    # Ten days' notice for a collective: the 15th is the first possible day.
    run_approve(
        user=cadre,
        run=run,
        assembly_on=dt.date(2026, 1, 15),
        votes_for=2,
        votes_against=1,
        members_entitled=3,
    )
    run = run_post(user=cadre, run=run)
    assert posted(body.book, "322") == (5_000_000, 0)
    assert posted(body.book, "311") == (0, 1_000_000)
    assert posted(body.book, "113", body.wang) == (0, 3_000_000)
    assert posted(body.book, "113", body.li) == (0, 1_000_000)
    run_pay(user=cadre, run=run, on=dt.date(2026, 2, 1))
    assert posted(body.book, "113", body.wang) == (3_000_000, 3_000_000)
    assert set(HouseholdIncome.objects.filter(run=run).values_list("kind", "amount_fen")) == {
        ("dividend", 3_000_000),
        ("dividend", 1_000_000),
    }


@pytest.mark.django_db
def test_members_see_a_run_once_published_and_only_people_in_scope_read_it(personas):
    coop = build_coop_year(personas)
    run = run_compute(user=personas.cadre_a, body=coop.cooperative, year=YEAR)

    with pytest.raises(NotFound):
        published_list(user=personas.cadre_a, run=run)
    run = run_publish(user=personas.cadre_a, run=run, on=dt.date(2026, 1, 5))
    rows = published_list(user=personas.township, run=run)
    assert [r["display_name"] for r in rows] == ["王大山", "李小花"]
    assert run_get(user=personas.county, run_id=run.pk).pk == run.pk
    assert list(run_list(user=personas.cadre_a, body=coop.cooperative)) == [run]
    for outsider in (personas.cadre_b, personas.outsider):
        with pytest.raises(ScopeDenied):
            run_get(user=outsider, run_id=run.pk)
        with pytest.raises(ScopeDenied):
            run_compute(user=outsider, body=coop.cooperative, year=YEAR)
