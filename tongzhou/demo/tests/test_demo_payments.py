"""The demo pays its 2025 distribution in January 2026: every run with cash due is paid in full, each payment is the
line's outstanding cash split as run_pay splits it, a sample of runs paid again by run_pay itself gives the same
payments, voucher and income lines; the payment vouchers balance and clear the payables, the January trial
balances balance, every part paid to a household is its income line and the household page and API list them; the
demo reset deletes all of it."""

import datetime as dt
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F, Q, Sum
from django.test import Client

from tongzhou.api.tests.calling import Caller
from tongzhou.coops.models import Cooperative, LegalForm, Level
from tongzhou.demo.coops import YEAR
from tongzhou.demo.payments import pay_day
from tongzhou.demo.services import demo_build, demo_reset
from tongzhou.distribution.models import (
    DistributionLine,
    DistributionRun,
    HouseholdIncome,
    Payment,
    RunStatus,
)
from tongzhou.distribution.services import run_pay
from tongzhou.distribution.services.cascade import RECEIVED_SOURCE
from tongzhou.ledger.models import Book, Period, Voucher, VoucherLine
from tongzhou.ledger.selectors import trial_balance_of

pytestmark = pytest.mark.django_db

JAN = (dt.date(YEAR + 1, 1, 1), dt.date(YEAR + 1, 1, 31))
PAY_SUMMARY = f"发放{YEAR}年度盈余分配"


@pytest.fixture(scope="module")
def township_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        result = demo_build(scale="township", seed=2026, reset=True)
    yield result
    with django_db_blocker.unblock():
        demo_reset()


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _pay_vouchers():
    return Voucher.objects.filter(source__startswith="distribution.Run:", source__endswith=":pay")


def test_every_run_with_cash_due_is_paid_in_full(township_demo):
    runs = DistributionRun.objects.filter(year=YEAR).select_related("body")
    # A run with cash due is paid; one with nothing due (a body whose members get nothing in cash) would stay
    # posted, as run_pay refuses it (nothing_due).
    due = set(runs.filter(lines__cash_fen__gt=0).values_list("pk", flat=True))
    paid = runs.filter(status=RunStatus.PAID)
    assert set(paid.values_list("pk", flat=True)) == due and paid.count() == township_demo.payments.runs >= 14
    assert township_demo.payments.nothing_due == runs.count() - paid.count()
    for run in runs.exclude(status=RunStatus.PAID):
        assert run.status == RunStatus.POSTED and run.body.legal_form == LegalForm.COLLECTIVE_ORGANISATION
        assert not run.lines.filter(cash_fen__gt=0).exists() and run.paid_at is None
    assert not paid.filter(paid_at__isnull=True).exists()
    assert not DistributionLine.objects.filter(paid_fen__lt=F("cash_fen")).exists()
    assert not DistributionLine.objects.filter(paid_fen__gt=F("cash_fen")).exists()
    due = DistributionLine.objects.filter(cash_fen__gt=0)
    totals = Payment.objects.aggregate(a=Sum("amount_fen"))
    assert Payment.objects.count() == due.count() == township_demo.payments.payments
    assert totals["a"] == due.aggregate(c=Sum("cash_fen"))["c"] == township_demo.payments.total_fen > 0


def test_each_payment_is_the_lines_outstanding_cash_split_as_run_pay_splits_it(township_demo):
    """run_pay: every line's outstanding cash, the patronage return settled first, by bank transfer, on the day."""
    expected = []
    for line in DistributionLine.objects.filter(cash_fen__gt=0).select_related("run__body"):
        to_return = min(line.cash_fen, line.payable_return_fen)
        day = pay_day(2026, line.run.county_code, line.run.body)
        expected.append(
            (
                line.pk,
                line.run_id,
                day,
                line.cash_fen,
                to_return,
                line.cash_fen - to_return,
                "bank_transfer",
                "",
            )
        )
    written = Payment.objects.values_list(
        "line_id", "run_id", "on", "amount_fen", "return_fen", "share_fen", "method", "reference"
    )
    assert sorted(written) == sorted(expected)
    # A cooperative's line settles its return first: the share part only once the return is paid in full.
    assert Payment.objects.filter(share_fen__gt=0, return_fen__lt=F("line__payable_return_fen")).count() == 0
    assert Payment.objects.filter(share_fen__gt=0, return_fen__gt=0).exists()
    # Between bodies too: the platform pays the unions, a union its village cooperatives, a cooperative its
    # collective.
    assert Payment.objects.filter(line__member__member_cooperative__isnull=False).count() == 12 + 1 + 12
    # One day per township, the platform first; all in January after the posting.
    days = defaultdict(set)
    for level, region, on in Payment.objects.values_list("run__body__level", "run__body__region_code", "on"):
        days["platform" if level == Level.COUNTY else region[:9]].add(on)
    assert all(len(d) == 1 for d in days.values()) and len(days) == 2
    assert max(days["platform"]) < min(d for k, v in days.items() if k != "platform" for d in v)
    assert all(JAN[0] <= d <= JAN[1] for v in days.values() for d in v)


def _state(run):
    """What paying the run wrote: payments, the income lines, the voucher (number apart), the run's status."""
    payments = list(
        Payment.objects.filter(run=run)
        .order_by("line__key")
        .values_list("line_id", "on", "amount_fen", "return_fen", "share_fen", "method", "reference")
    )
    incomes = sorted(
        HouseholdIncome.objects.filter(run=run).values_list(
            "household_id", "year", "kind", "amount_fen", "on", "body_id", "payment__line_id", "village_code",
            "county_code",
        )
    )  # fmt: skip
    vouchers = list(_pay_vouchers().filter(source=f"distribution.Run:{run.pk}:pay").order_by("pk"))
    voucher = None
    if vouchers:
        v = vouchers[-1]
        voucher = (
            v.book_id, v.date, v.summary, v.source, v.status, (v.period.year, v.period.month),
            list(v.lines.order_by("line_no").values_list(
                "line_no", "account__code", "member_id", "debit_fen", "credit_fen", "counterparty", "summary"
            )),
        )  # fmt: skip
    assert set(Payment.objects.filter(run=run).values_list("voucher_id", flat=True)) == {
        vouchers[-1].pk if vouchers else None
    }
    # The receipts in the receiving bodies' books: the newest per book (number apart), linked to the run.
    latest = {}
    for v in run.receiver_vouchers.filter(source__endswith=":pay").order_by("pk"):
        latest[v.book_id] = v
    receipts = sorted(
        (
            v.book_id,
            v.date,
            v.summary,
            v.source,
            v.status,
            (v.period.year, v.period.month),
            list(
                v.lines.order_by("line_no").values_list(
                    "line_no",
                    "account__code",
                    "member_id",
                    "debit_fen",
                    "credit_fen",
                    "counterparty",
                    "summary",
                )
            ),
        )  # fmt: skip
        for v in latest.values()
    )
    run.refresh_from_db()
    return payments, incomes, voucher, run.status, receipts


@pytest.mark.parametrize("which", ["baima", "union", "platform"])
def test_run_pay_paying_a_sample_run_again_writes_what_the_demo_wrote(township_demo, which):
    """Rewind the run to posted (its payments and income lines deleted; its posted voucher stays), pay it with the
    service on the demo's day: the same payments, income lines and voucher, numbered next in January."""
    accountant = _user("cunkuaiji")
    body = {
        "baima": Cooperative.objects.filter(
            region_code=accountant.scopes.first().region_code, legal_form=LegalForm.FARMERS_COOPERATIVE
        ),
        "union": Cooperative.objects.filter(level=Level.TOWNSHIP),
        "platform": Cooperative.objects.filter(level=Level.COUNTY),
    }[which].get()
    run = DistributionRun.objects.get(body=body, year=YEAR)
    demo = _state(run)
    assert demo[3] == RunStatus.PAID and demo[0]
    assert demo[4]  # the platform pays its union, the union its village cooperatives, 白马村 its collective
    if which == "platform":
        assert demo[1] == [] and demo[2] is None  # pays the unions; keeps no books here
    elif which == "union":
        assert demo[1] == [] and demo[2] is not None
    else:
        assert demo[1] and demo[2] is not None
    day = demo[0][0][1]

    HouseholdIncome.objects.filter(run=run).delete()
    Payment.objects.filter(run=run).delete()
    DistributionLine.objects.filter(run=run).update(paid_fen=0)
    DistributionRun.objects.filter(pk=run.pk).update(status=RunStatus.POSTED, paid_at=None)
    run.refresh_from_db()
    last = None
    if demo[2] is not None:
        last = Period.objects.get(book_id=demo[2][0], year=day.year, month=day.month).last_number
    rows = run_pay(user=_user("xianji"), run=run, on=day)
    assert len(rows) == len(demo[0])
    again = _state(run)
    assert again == demo
    if last is not None:
        (voucher,) = _pay_vouchers().filter(source=f"distribution.Run:{run.pk}:pay").order_by("-pk")[:1]
        assert voucher.number == last + 1


def test_the_payment_vouchers_balance_and_clear_the_payables(township_demo):
    vouchers = _pay_vouchers()
    paid_with_book = DistributionRun.objects.filter(status=RunStatus.PAID).exclude(
        body__legal_form=LegalForm.COMPANY
    )
    receipts = Voucher.objects.filter(source__startswith=RECEIVED_SOURCE, source__endswith=":pay")
    assert receipts.count() == township_demo.payments.receipts > 0
    assert vouchers.count() == paid_with_book.count() == township_demo.payments.vouchers - receipts.count()
    assert not Payment.objects.filter(run__body__legal_form=LegalForm.COMPANY, voucher__isnull=False).exists()
    assert (
        not Payment.objects.filter(voucher__isnull=True)
        .exclude(run__body__legal_form=LegalForm.COMPANY)
        .exists()
    )
    for run in paid_with_book:
        (voucher,) = vouchers.filter(source=f"distribution.Run:{run.pk}:pay")
        assert (voucher.summary, voucher.status, voucher.book.cooperative_id) == (
            PAY_SUMMARY.replace("盈余", "收益") if run.is_collective else PAY_SUMMARY,
            "posted",
            run.body_id,
        )
        assert not run.vouchers.filter(pk=voucher.pk).exists()  # the run's own vouchers are its posting's
        lines = VoucherLine.objects.filter(voucher=voucher)
        paid = Payment.objects.filter(run=run).aggregate(
            a=Sum("amount_fen"), r=Sum("return_fen"), s=Sum("share_fen")
        )
        assert (
            lines.aggregate(d=Sum("debit_fen"))["d"] == lines.aggregate(c=Sum("credit_fen"))["c"] == paid["a"]
        )
        assert lines.get(account__code="102").credit_fen == paid["a"]
        # A collective pays its members from 内部往来 (113), a cooperative from 221 and 222.
        to_return, to_share = ("221", "113") if run.is_collective else ("221", "222")
        assert (lines.filter(account__code=to_return).aggregate(d=Sum("debit_fen"))["d"] or 0) == paid["r"]
        assert (lines.filter(account__code=to_share).aggregate(d=Sum("debit_fen"))["d"] or 0) == paid["s"]
        per_member = defaultdict(int)
        for member_id, amount in Payment.objects.filter(run=run).values_list("line__member_id", "amount_fen"):
            per_member[member_id] += amount
        booked = defaultdict(int)
        for member_id, debit in lines.filter(member__isnull=False).values_list("member_id", "debit_fen"):
            booked[member_id] += debit
        assert booked == per_member
        # Paid in full: 应付盈余返还 and 应付剩余盈余 close at zero, member by member (a collective's 内部往来 holds more).
        for code in () if run.is_collective else ("221", "222"):
            assert not (
                VoucherLine.objects.filter(
                    voucher__book=voucher.book, account__code=code, voucher__status="posted"
                )
                .values("member_id")
                .annotate(net=Sum("credit_fen") - Sum("debit_fen"))
                .exclude(net=0)
                .exists()
            )
    # The January numbers: each book's payment and receipts numbered 1, 2, … in its January period, in date order
    # (a union receives from the platform before it pays its village cooperatives).
    january = Voucher.objects.filter(date__gte=JAN[0], date__lte=JAN[1])
    assert set(january.values_list("period__year", "period__month")) == {(YEAR + 1, 1)}
    numbered = defaultdict(list)
    for book_id, number, on in january.order_by("number").values_list("book_id", "number", "date"):
        numbered[book_id].append((number, on))
    for rows in numbered.values():
        assert [n for n, _on in rows] == list(range(1, len(rows) + 1))
        assert [on for _n, on in rows] == sorted(on for _n, on in rows)
    assert (
        Period.objects.filter(year=YEAR + 1).count()
        == len(numbered)
        == Period.objects.filter(year=YEAR + 1, month=1).count()
    )


def test_the_january_trial_balances_balance(township_demo):
    officer = _user("xianji")
    books = Book.objects.filter(
        Q(pk__in=_pay_vouchers().values("book_id")) | Q(pk__in=_receipts().values("book_id"))
    )
    assert books.count() >= _pay_vouchers().count()
    for book in books:
        tb = trial_balance_of(user=officer, book=book, date_from=JAN[0], date_to=JAN[1])
        assert tb.balanced
        paid = Payment.objects.filter(run__body=book.cooperative_id).aggregate(a=Sum("amount_fen"))["a"] or 0
        # What it received: what its bodies above paid to its memberships in them.
        received = (
            Payment.objects.filter(line__member__member_cooperative=book.cooperative_id).aggregate(
                a=Sum("amount_fen")
            )["a"]
            or 0
        )
        assert tb.totals.period_debit_fen == paid + received > 0
        assert tb.row("102").period_credit_fen == paid
        assert tb.row("102").period_debit_fen == received


def _receipts():
    return Voucher.objects.filter(source__startswith=RECEIVED_SOURCE, source__endswith=":pay")


def test_every_receivable_from_above_is_settled_once_the_body_above_has_paid(township_demo):
    """Posting booked Dr 应收款 / Cr 投资收益 in each receiving body's books; paying booked Dr 银行存款 / Cr 应收款, so
    the receivable of every payer that paid is zero, counterparty by counterparty, and each receipt is linked to the
    paying run."""
    checked = 0
    for run in DistributionRun.objects.filter(year=YEAR, status=RunStatus.PAID).select_related("body"):
        paid_to = defaultdict(int)
        for body_id, amount in Payment.objects.filter(
            run=run, line__member__member_cooperative__isnull=False
        ).values_list("line__member__member_cooperative", "amount_fen"):
            paid_to[body_id] += amount
        for body_id, amount in paid_to.items():
            book = Book.objects.filter(cooperative_id=body_id).select_related("chart").first()
            if book is None:
                continue
            receivable = "112" if book.chart.standard == LegalForm.COLLECTIVE_ORGANISATION else "113"
            lines = VoucherLine.objects.filter(
                book=book,
                voucher__source__startswith=f"{RECEIVED_SOURCE}:{YEAR}:{run.body_id}:{run.pk}",
                account__code=receivable,
            )
            assert set(lines.values_list("counterparty", flat=True)) == {run.body.name[:60]}
            totals = lines.aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
            assert totals["d"] == totals["c"] == amount
            (receipt,) = run.receiver_vouchers.filter(book=book, source__endswith=":pay")
            assert receipt.date == Payment.objects.filter(run=run).first().on
            checked += 1
    assert checked >= 1 + 12  # the platform's union, the union's village cooperatives (and their collectives)


def test_every_part_paid_to_a_household_is_its_income_line(township_demo):
    expected = []
    for p in Payment.objects.filter(line__household__isnull=False).select_related("line__household", "run"):
        h = p.line.household
        for kind, amount in (("patronage_return", p.return_fen), ("dividend", p.share_fen)):
            if amount:
                expected.append(
                    (
                        p.pk,
                        h.pk,
                        YEAR,
                        kind,
                        amount,
                        p.on,
                        p.run.body_id,
                        p.run_id,
                        h.village_code,
                        h.county_code,
                    )
                )
    written = HouseholdIncome.objects.filter(payment__isnull=False).values_list(
        "payment_id", "household_id", "year", "kind", "amount_fen", "on", "body_id", "run_id", "village_code",
        "county_code",
    )  # fmt: skip
    assert sorted(written) == sorted(expected)
    assert len(expected) == township_demo.payments.income_lines > 5000
    total = HouseholdIncome.objects.filter(payment__isnull=False).aggregate(a=Sum("amount_fen"))["a"]
    to_households = Payment.objects.filter(line__household__isnull=False).aggregate(a=Sum("amount_fen"))["a"]
    assert total == to_households == township_demo.payments.to_households_fen
    # Per household: its income from the distribution is what its lines were paid.
    by_household = dict(
        HouseholdIncome.objects.filter(payment__isnull=False)
        .values_list("household_id")
        .annotate(a=Sum("amount_fen"))
        .order_by()
    )
    paid = dict(
        Payment.objects.filter(line__household__isnull=False)
        .values_list("line__household_id")
        .annotate(a=Sum("amount_fen"))
        .order_by()
    )
    assert by_household == paid


def test_the_household_page_and_the_api_list_the_payments(township_demo):
    accountant = _user("cunkuaiji")
    village = accountant.scopes.first().region_code
    baima = Cooperative.objects.get(region_code=village, legal_form=LegalForm.FARMERS_COOPERATIVE)
    payment = (
        Payment.objects.filter(
            run__body=baima, return_fen__gt=0, share_fen__gt=0, line__household__isnull=False
        )
        .select_related("line")
        .order_by("-amount_fen")
        .first()
    )
    household_id = payment.line.household_id
    client = Client()
    client.force_login(accountant)
    page = client.get(f"/households/{household_id}/", {"year": YEAR})
    assert page.status_code == 200
    html = page.content.decode()
    assert baima.name in html and "按交易量返还" in html and "分红" in html
    assert f"{payment.return_fen / 100:,.2f}" in html and f"{payment.share_fen / 100:,.2f}" in html

    income = Caller(accountant).get(f"/households/{household_id}/income", year=YEAR, page_size=100).json()
    from_runs = sorted(
        (r["kind"], r["amount_fen"], r["on"], r["run_id"], r["payment_id"], r["body_name"])
        for r in income["results"]
        if r["payment_id"] is not None and r["run_id"] == payment.run_id  # (its collective pays it too)
    )
    assert from_runs == [
        ("dividend", payment.share_fen, payment.on.isoformat(), payment.run_id, payment.pk, baima.name),
        (
            "patronage_return",
            payment.return_fen,
            payment.on.isoformat(),
            payment.run_id,
            payment.pk,
            baima.name,
        ),
    ]


def test_the_demo_reset_deletes_the_payments_and_their_income_lines():
    result = demo_build(scale="village", seed=5, reset=True)
    # 白马村's cooperative, its township's union and the platform pay; its collective too once it has a roll.
    assert result.payments.runs + result.payments.nothing_due == 4 and result.payments.runs >= 3
    assert result.payments.payments == Payment.objects.count() > 10
    assert HouseholdIncome.objects.filter(payment__isnull=False).count() == result.payments.income_lines > 10
    demo_reset()  # the income lines, then the payments, before the lines, runs and vouchers they point at
    assert not Payment.objects.exists() and not HouseholdIncome.objects.exists()
    assert (
        not DistributionRun.objects.exists() and not Voucher.objects.exists() and not Period.objects.exists()
    )
    # Without paying: the runs stay posted, nothing is paid, no month of the next year is opened.
    demo_build(scale="village", seed=5, pay=False)
    assert not Payment.objects.exists() and not HouseholdIncome.objects.filter(payment__isnull=False).exists()
    assert set(DistributionRun.objects.values_list("status", flat=True)) == {RunStatus.POSTED}
    assert not Period.objects.filter(year=YEAR + 1).exists()
