"""On PostgreSQL the database keeps the ledger's invariants itself (migration 0003), whatever writes to it, and
posting under concurrency keeps voucher numbers gapless and the kept balances whole."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from tongzhou.ledger.models import Period, Voucher, VoucherLine
from tongzhou.ledger.services import voucher_check, voucher_create, voucher_post
from tongzhou.ledger.testing import build_small_coop, post_voucher

LINES = [{"account": "101", "debit_fen": 100000}, {"account": "102", "credit_fen": 100000}]


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL triggers and row locks")


def _insert_posted_voucher(book, lines, number=99):
    """Raw SQL, as a careless script would: a posted voucher and its lines, in one transaction."""
    cash, bank = (book.accounts.get(code=c).pk for c in ("101", "102"))
    period = Period.objects.get(book=book, year=2025, month=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_voucher (book_id, date, summary, attachments, status, period_id, number, source,"
            " made_at, updated_at, region_code, county_code) VALUES (%s, %s, %s, 0, 'draft', NULL, NULL, '',"
            " now(), now(), %s, %s) RETURNING id",
            [book.pk, dt.date(2025, 1, 15), "手工插入", book.region_code, book.county_code],
        )
        voucher_id = cursor.fetchone()[0]
        for line_no, (account, debit, credit) in enumerate(lines, start=1):
            cursor.execute(
                "INSERT INTO ledger_voucherline (voucher_id, line_no, account_id, summary, debit_fen, credit_fen,"
                " counterparty, book_id, region_code, county_code) VALUES (%s, %s, %s, '', %s, %s, '', %s, %s, %s)",
                [
                    voucher_id,
                    line_no,
                    {"cash": cash, "bank": bank}[account],
                    debit,
                    credit,
                    book.pk,
                    book.region_code,
                    book.county_code,
                ],
            )
        cursor.execute(
            "UPDATE ledger_voucher SET status = 'posted', number = %s, period_id = %s WHERE id = %s",
            [number, period.pk, voucher_id],
        )
    return voucher_id


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_posted_voucher_inserted_with_raw_sql_is_refused_at_commit(postgresql_only, personas):
    small = build_small_coop(personas.cadre_a)
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        _insert_posted_voucher(small.book, [("cash", 100000, 0), ("bank", 0, 90000)])
        # inside the transaction nothing has complained yet: the check is deferred to the commit
        assert Voucher.objects.filter(summary="手工插入", status="posted").exists()
    assert not Voucher.objects.filter(summary="手工插入").exists()
    assert not VoucherLine.objects.filter(voucher__summary="手工插入").exists()
    # the same, balanced, commits
    with transaction.atomic():
        voucher_id = _insert_posted_voucher(small.book, [("cash", 100000, 0), ("bank", 0, 100000)])
    assert Voucher.objects.get(pk=voucher_id).status == "posted"


@pytest.mark.django_db(transaction=True)
def test_each_voucher_is_checked_at_commit_even_when_many_are_written_together(postgresql_only, personas):
    """The check runs once per voucher (migration 0004), never skipping a voucher: a balanced voucher of many lines
    followed by an unbalanced one, and the other way round, are refused as a whole."""
    small = build_small_coop(personas.cadre_a)
    many = [("cash", 1000, 0)] * 50 + [("bank", 0, 50000)]
    for first, second in (
        (many, [("cash", 500, 0), ("bank", 0, 400)]),
        ([("cash", 5, 0), ("bank", 0, 4)], many),
    ):
        with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
            _insert_posted_voucher(small.book, first, number=97)
            _insert_posted_voucher(small.book, second, number=98)
        assert not Voucher.objects.filter(summary="手工插入").exists()
    with transaction.atomic():
        ids = [_insert_posted_voucher(small.book, many, number=90 + n) for n in range(3)]
    assert Voucher.objects.filter(pk__in=ids, status="posted").count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_posted_voucher_with_a_single_line_is_refused_at_commit(postgresql_only, personas):
    small = build_small_coop(personas.cadre_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert_posted_voucher(small.book, [("cash", 100000, 0)])


@pytest.mark.django_db(transaction=True)
def test_raw_sql_cannot_change_or_delete_posted_vouchers_or_lines(postgresql_only, personas):
    small = build_small_coop(personas.cadre_a)
    v = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=dt.date(2025, 1, 5),
        summary="提现",
        lines=LINES,
    )
    statements = [
        ("UPDATE ledger_voucherline SET debit_fen = 1 WHERE voucher_id = %s", "cannot be changed"),
        ("DELETE FROM ledger_voucherline WHERE voucher_id = %s", "cannot be changed"),
        ("UPDATE ledger_voucher SET summary = 'x' WHERE id = %s", "cannot be changed"),
        ("DELETE FROM ledger_voucher WHERE id = %s", "cannot be changed"),
        (
            "INSERT INTO ledger_voucherline (voucher_id, line_no, account_id, summary, debit_fen, credit_fen,"
            " counterparty, book_id, region_code, county_code)"
            " SELECT voucher_id, 9, account_id, '', 5, 0, '', book_id, region_code, county_code"
            " FROM ledger_voucherline WHERE voucher_id = %s LIMIT 1",
            "no line may be added",
        ),
    ]
    for sql, message in statements:
        with (
            pytest.raises(IntegrityError, match=message),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [v.pk])
    assert list(VoucherLine.objects.filter(voucher=v).values_list("debit_fen", "credit_fen")) == [
        (100000, 0),
        (0, 100000),
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_posting_keeps_numbers_gapless(postgresql_only, personas):
    small = build_small_coop(personas.cadre_a)
    drafts = []
    for i in range(12):
        v = voucher_create(
            user=personas.cadre_a,
            book=small.book,
            date=dt.date(2025, 3, 1 + i),
            summary=f"提现{i}",
            lines=LINES,
        )
        drafts.append(voucher_check(user=personas.secretary_a, voucher=v))
    assert _post_from_four_writers(drafts, personas.secretary_a) == []
    numbers = sorted(
        Voucher.objects.filter(book=small.book, status="posted").values_list("number", flat=True)
    )
    assert numbers == list(range(1, 13))
    assert Period.objects.get(book=small.book, year=2025, month=3).last_number == 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_posting_in_twelve_months_adds_every_voucher_to_the_shared_kept_balances(
    postgresql_only, personas
):
    """Twelve vouchers of one book, one a month, posted by 4 writers at once: the month locks don't serialise
    them, the kept balances of 101 and 102 for 2025 are shared — their row locks do, and none is lost."""
    from tongzhou.ledger.models import AccountBalance
    from tongzhou.ledger.services.balances import balances_check

    small = build_small_coop(personas.cadre_a)
    drafts = []
    for month in range(1, 13):
        v = voucher_create(
            user=personas.cadre_a, book=small.book, date=dt.date(2025, month, 10), summary="提现", lines=LINES
        )
        drafts.append(voucher_check(user=personas.secretary_a, voucher=v))
    assert _post_from_four_writers(drafts, personas.secretary_a) == []
    kept = dict(
        AccountBalance.objects.filter(book=small.book, year=2025).values_list("account__code", "lines")
    )
    assert kept == {"101": 12, "102": 12}
    cash = AccountBalance.objects.get(book=small.book, account__code="101", year=2025)
    assert (cash.debit_fen, cash.credit_fen) == (12 * 100000, 0)
    assert balances_check().agree


def _post_from_four_writers(drafts, user) -> list[Exception]:
    """Post `drafts` from 4 threads that start together, each every fourth voucher; the errors they met."""
    barrier = threading.Barrier(4)
    errors = []

    def writer(batch):
        try:
            barrier.wait()
            for voucher in batch:
                voucher_post(user=user, voucher=voucher)
        except Exception as exc:  # returned to the test, which asserts there is none
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(drafts[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
