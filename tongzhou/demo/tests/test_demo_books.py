"""The demo's books: every cooperative and collective has its book, one posted voucher per operation of the demo
year, numbers gapless per book and month, and every book's trial balance and balance sheet balance."""

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum

from tongzhou.coops.models import Cooperative, LegalForm, MemberTransaction, ShareEntry
from tongzhou.demo.coops import YEAR
from tongzhou.demo.services import demo_build
from tongzhou.ledger import selectors
from tongzhou.ledger.domain import auto
from tongzhou.ledger.models import Book, Period, Voucher, VoucherLine
from tongzhou.ledger.statements import builders
from tongzhou.ledger.statements.read import statement_for_region

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)


@pytest.fixture(scope="module")
def township_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        result = demo_build(scale="township", seed=2026, reset=True)
    yield result
    with django_db_blocker.unblock():
        from tongzhou.demo.services import demo_reset

        demo_reset()


def test_every_organisation_with_a_chart_has_its_book(township_demo):
    keeping = Cooperative.objects.filter(
        legal_form__in=[LegalForm.FARMERS_COOPERATIVE, LegalForm.COLLECTIVE_ORGANISATION]
    )
    assert keeping.count() == Book.objects.count() == township_demo.books.books > 0
    assert not Book.objects.filter(cooperative__legal_form=LegalForm.COMPANY).exists()
    assert set(Book.objects.values_list("start_year", "start_month")) == {(YEAR, 1)}
    assert Voucher.objects.count() == township_demo.books.vouchers
    assert VoucherLine.objects.count() == township_demo.books.lines
    assert not Voucher.objects.exclude(status="posted").exists()
    # 2025 stays open: no year close, no closed month.
    assert not Period.objects.filter(status="closed").exists()
    assert not Cooperative.objects.filter(closed_through_year__isnull=False).exists()


def test_made_by_the_accountant_checked_and_posted_by_the_secretary(township_demo):
    users = dict(get_user_model().objects.values_list("username", "pk"))
    makers = set(Voucher.objects.values_list("maker_id", "checker_id", "poster_id").distinct())
    assert makers == {(users["cunkuaiji"], users["shuji"], users["shuji"])}


def test_each_operation_of_the_year_has_exactly_one_voucher(township_demo):
    sources = Counter(Voucher.objects.filter(source__startswith="coops.").values_list("source", flat=True))
    assert max(sources.values()) == 1
    books = dict(Book.objects.values_list("cooperative_id", "chart__standard"))
    expected = set()
    for pk, coop_id, member, counter, kind, _on, amount, class_kind, capital in ShareEntry.objects.filter(
        on__year=YEAR
    ).values_list(
        "pk", "cooperative_id", "member_id", "counterparty_id", "entry_type", "on", "amount_fen",
        "share_class__kind", "share_class__is_capital",
    ):  # fmt: skip
        if auto.share_entry_lines(
            standard=books[coop_id], entry_kind=kind, class_kind=class_kind, amount_fen=amount,
            member_id=member, counter_member_id=counter, is_capital=capital,
        ):  # fmt: skip
            expected.add(f"coops.ShareEntry:{pk}")
    expected |= {
        f"coops.MemberTransaction:{pk}" for pk in MemberTransaction.objects.values_list("pk", flat=True)
    }
    assert set(sources) == expected
    assert len(expected) > 1000
    # Every entry of the year is in the books: its own voucher, or (in-legs) its out-leg's.
    assert ShareEntry.objects.filter(
        on__year=YEAR, entry_type__in=["transfer_out", "conversion_out"]
    ).exists()


def test_an_operation_voucher_carries_the_mapping(township_demo):
    tx = MemberTransaction.objects.filter(kind="sale_to_coop", member__isnull=False).order_by("pk").first()
    voucher = Voucher.objects.get(source=f"coops.MemberTransaction:{tx.pk}")
    assert voucher.date == tx.on
    lines = list(
        voucher.lines.order_by("line_no").values_list("account__code", "debit_fen", "credit_fen", "member_id")
    )
    assert lines == [("121", tx.amount_fen, 0, None), ("114", 0, tx.amount_fen, tx.member_id)]


def test_numbers_are_gapless_per_book_and_month_in_date_order(township_demo):
    seen = defaultdict(list)
    for book, month, number, date in Voucher.objects.order_by("book_id", "period_id", "number").values_list(
        "book_id", "period__month", "number", "date"
    ):
        assert date.month == month
        seen[(book, month)].append((number, date))
    for key, rows in seen.items():
        assert [n for n, _ in rows] == list(range(1, len(rows) + 1)), key
        assert [d for _, d in rows] == sorted(d for _, d in rows), key
    last = dict(((p.book_id, p.month), p.last_number) for p in Period.objects.all())
    assert {k: len(v) for k, v in seen.items()} == {k: n for k, n in last.items() if n}


def test_every_book_balances(township_demo):
    unbalanced = (
        VoucherLine.objects.values("voucher_id")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"), n=Count("id"))
        .filter(Q(n__lt=2) | ~Q(d=models_f("c")))
    )
    assert not unbalanced.exists()
    books = list(Book.objects.select_related("cooperative", "chart"))
    surplus_seen = 0
    for book in books:
        data = selectors.statement_data_of_book(book=book, date_from=FIRST, date_to=LAST)
        trial = builders.trial_balance_statement(data)
        assert trial.checks["balanced"], book
        sheet = builders.balance_sheet(data)
        assert sheet.checks["balanced"], book
        if (
            book.cooperative.legal_form == LegalForm.FARMERS_COOPERATIVE
            and book.cooperative.level == "village"
        ):
            surplus = builders.surplus_statement(data)
            surplus_seen += 1
            assert _surplus(surplus) > 0, book
    assert surplus_seen > 0


def _surplus(statement) -> int:
    for label, values in statement.figures.items():
        if label.startswith("本年盈余") or label.startswith("三、本年盈余"):
            return values[0] or 0
    raise AssertionError(list(statement.figures))


def test_the_township_roll_up_balances(township_demo):
    admin = get_user_model().objects.get(username="admin")
    township = Book.objects.filter(cooperative__level="township").first().region_code
    for standard in (LegalForm.FARMERS_COOPERATIVE, LegalForm.COLLECTIVE_ORGANISATION):
        sheet = statement_for_region(
            user=admin,
            region_code=township,
            standard=standard,
            kind="balance-sheet",
            date_from=FIRST,
            date_to=LAST,
        )
        assert sheet.checks["balanced"]


def models_f(name):
    from django.db.models import F

    return F(name)
