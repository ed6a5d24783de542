"""The demo's books: every cooperative and collective has its book, one posted voucher per share operation of the
demo year and a summary voucher a month for the member transactions (or one each on request), numbers gapless per
book and month, and every book's trial balance and balance sheet balance."""

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


def test_each_share_operation_of_the_year_has_exactly_one_voucher(township_demo):
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
    assert set(sources) == expected
    assert len(expected) > 1000
    # Every entry of the year is in the books: its own voucher, or (in-legs) its out-leg's.
    assert ShareEntry.objects.filter(
        on__year=YEAR, entry_type__in=["transfer_out", "conversion_out"]
    ).exists()


def test_member_transactions_are_one_summary_voucher_a_month(township_demo):
    vouchers = Voucher.objects.filter(source__startswith="demo.transactions:")
    per_book_month = Counter(vouchers.values_list("book__cooperative_id", "source"))
    assert max(per_book_month.values()) == 1
    months = {
        (coop, f"demo.transactions:{YEAR}-{on.month:02d}")
        for coop, on in MemberTransaction.objects.filter(year=YEAR).values_list("cooperative_id", "on")
    }
    assert set(per_book_month) == months
    # Each transaction debits its amount once (121, 401 or the member's 114 / a receivable): the month's voucher
    # debits the month's transactions in full, and is dated the month's last transaction.
    debits = {
        (coop, source): total
        for coop, source, total in VoucherLine.objects.filter(voucher__in=vouchers)
        .values_list("voucher__book__cooperative_id", "voucher__source")
        .annotate(total=Sum("debit_fen"))
        .order_by()
    }
    amounts: dict[tuple, int] = defaultdict(int)
    last: dict[tuple, dt.date] = {}
    for coop, on, amount in MemberTransaction.objects.filter(year=YEAR).values_list(
        "cooperative_id", "on", "amount_fen"
    ):
        key = (coop, f"demo.transactions:{YEAR}-{on.month:02d}")
        amounts[key] += amount
        last[key] = max(last.get(key, on), on)
    assert debits == amounts
    dates = {(c, s): d for c, s, d in vouchers.values_list("book__cooperative_id", "source", "date")}
    assert dates == last


def test_a_summary_voucher_keeps_each_member_apart(township_demo):
    tx = MemberTransaction.objects.filter(kind="sale_to_coop", member__isnull=False).order_by("pk").first()
    month = MemberTransaction.objects.filter(
        cooperative_id=tx.cooperative_id, member_id=tx.member_id, on__year=YEAR, on__month=tx.on.month
    )
    owed = month.filter(kind__in=["sale_to_coop", "land_rent"]).aggregate(s=Sum("amount_fen"))["s"]
    owing = month.filter(kind="purchase_from_coop").aggregate(s=Sum("amount_fen"))["s"] or 0
    voucher = Voucher.objects.get(
        book__cooperative_id=tx.cooperative_id, source=f"demo.transactions:{YEAR}-{tx.on.month:02d}"
    )
    lines = voucher.lines.filter(member_id=tx.member_id)
    assert {(line.account.code, line.debit_fen, line.credit_fen) for line in lines if line.credit_fen} == {
        ("114", 0, owed)
    }
    assert sum(line.debit_fen for line in lines) == owing
    # The product account is one line a month, not one per member.
    assert voucher.lines.filter(account__code="121").count() == 1


def test_numbers_are_gapless_per_book_and_month_in_date_order(township_demo):
    seen = defaultdict(list)
    for book, year, month, number, date in Voucher.objects.order_by(
        "book_id", "period_id", "number"
    ).values_list("book_id", "period__year", "period__month", "number", "date"):
        assert (date.year, date.month) == (year, month)  # January 2026 too: the distribution paid
        seen[(book, year, month)].append((number, date))
    for key, rows in seen.items():
        assert [n for n, _ in rows] == list(range(1, len(rows) + 1)), key
        assert [d for _, d in rows] == sorted(d for _, d in rows), key
    last = dict(((p.book_id, p.year, p.month), p.last_number) for p in Period.objects.all())
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


def test_one_voucher_per_transaction_on_request():
    """`transactions="each"` books every member transaction as a single entry posts it (what the books
    benchmark reads): one voucher each, with the mapping's lines. Rolled back with the test's transaction."""
    demo_build(scale="village", seed=7, reset=True, transaction_vouchers="each")
    sources = Counter(
        Voucher.objects.filter(source__startswith="coops.MemberTransaction:").values_list("source", flat=True)
    )
    transactions = list(MemberTransaction.objects.values_list("pk", flat=True))
    assert len(transactions) > 100
    assert set(sources) == {f"coops.MemberTransaction:{pk}" for pk in transactions}
    assert max(sources.values()) == 1
    assert not Voucher.objects.filter(source__startswith="demo.transactions:").exists()
    tx = MemberTransaction.objects.filter(kind="sale_to_coop", member__isnull=False).order_by("pk").first()
    voucher = Voucher.objects.get(source=f"coops.MemberTransaction:{tx.pk}")
    assert voucher.date == tx.on
    lines = list(
        voucher.lines.order_by("line_no").values_list("account__code", "debit_fen", "credit_fen", "member_id")
    )
    assert lines == [("121", tx.amount_fen, 0, None), ("114", 0, tx.amount_fen, tx.member_id)]


def test_the_kept_balances_agree_with_the_lines_and_the_statements_read_the_same_either_way(
    township_demo, monkeypatch
):
    """The demo writes its vouchers raw and rebuilds the kept balances at the end: they equal a rebuild from the
    lines, and the township's statements of the year (kept rows only) equal those read from the lines alone."""
    from tongzhou.ledger.models import AccountBalance
    from tongzhou.ledger.services.balances import balances_check

    check = balances_check()
    assert check.agree and check.kept == AccountBalance.objects.count() > 0
    assert (
        AccountBalance.objects.aggregate(n=Sum("lines"))["n"]
        == VoucherLine.objects.filter(voucher__status="posted").count()
    )
    township = Book.objects.order_by("region_code").values_list("region_code", flat=True).first()[:9]
    periods = [
        (FIRST, LAST),
        (dt.date(YEAR - 1, 1, 1), dt.date(YEAR - 1, 12, 31)),
        (dt.date(YEAR, 4, 1), dt.date(YEAR, 6, 30)),
    ]
    kept = selectors.statement_data_of_books(periods=periods, region_code=township)
    monkeypatch.setattr(selectors, "KEPT_READS", False)
    assert selectors.statement_data_of_books(periods=periods, region_code=township) == kept
