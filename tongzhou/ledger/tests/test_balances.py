"""The kept account balances (科目余额): every path that posts lines adds them to the kept rows in its transaction,
and the kept rows equal a rebuild from the posted lines after each (ARCHITECTURE decision 5)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tongzhou.coops.models import ShareClassKind
from tongzhou.coops.services.shares import share_subscribe
from tongzhou.coops.shares_import import shares_import
from tongzhou.coops.testing import build_cooperative, build_member, build_share_class
from tongzhou.coops.tests.test_members_import import id_of
from tongzhou.coops.tests.test_transactions_import import baima as tx_baima  # noqa: F401 - a fixture
from tongzhou.coops.tests.test_transactions_import import good_rows
from tongzhou.coops.tests.test_transactions_import import write_csv as write_tx_csv
from tongzhou.coops.transactions_import import transactions_import
from tongzhou.core.testing import build_household
from tongzhou.ledger.models import NO_MEMBER, AccountBalance, BookAccount, Voucher
from tongzhou.ledger.services import voucher_check, voucher_post, voucher_reverse
from tongzhou.ledger.services.balances import balances_check, balances_rebuild
from tongzhou.ledger.services.year_close import year_close

from .worked_example import Y, build_worked_year, close_months

pytestmark = pytest.mark.django_db
D = dt.date


def kept() -> dict[tuple, tuple[int, int, int]]:
    """{(account code, member or 0, year, year close): (debit, credit, lines)} of the kept rows."""
    return {
        (code, member, year, close): (d, c, n)
        for code, member, year, close, d, c, n in AccountBalance.objects.values_list(
            "account__code", "member_key", "year", "year_close", "debit_fen", "credit_fen", "lines"
        )
    }


def assert_kept_equals_a_rebuild() -> dict:
    check = balances_check()
    assert check.agree, check
    assert check.kept == check.rebuilt > 0
    before = kept()
    balances_rebuild()
    assert kept() == before
    return before


def test_posting_keeps_each_accounts_year_summed_per_member(personas):
    worked = build_worked_year(personas)
    rows = assert_kept_equals_a_rebuild()
    # 102 银行存款 in 2025: in 80,000 + 36,000 + 1,000; out 5,000 + 15,000 + 3,000 + 10,000 + 100.
    assert rows[("102", NO_MEMBER, 2025, False)] == (117_000 * Y, 33_100 * Y, 8)
    # 114001 成员往来—王大山: owed 20,000 for cocoons (2-10), paid 15,000 (4-01).
    assert rows[("114001", worked.wang.pk, 2025, False)] == (15_000 * Y, 20_000 * Y, 2)
    # 222 (李小花's share of the surplus): one line of 900.
    assert rows[("222", worked.li.pk, 2025, False)] == (0, 900 * Y, 1)


def test_a_reversal_posted_in_the_next_year_is_kept_in_that_year(personas):
    worked = build_worked_year(personas)
    purchase = Voucher.objects.get(book=worked.book, date=D(2025, 2, 10))
    reversal = voucher_reverse(user=personas.cadre_a, voucher=purchase, date=D(2026, 1, 15))
    assert AccountBalance.objects.filter(year=2026).count() == 0  # a draft moves nothing
    voucher_check(user=personas.secretary_a, voucher=reversal)
    voucher_post(user=personas.secretary_a, voucher=reversal)
    rows = assert_kept_equals_a_rebuild()
    assert rows[("114001", worked.wang.pk, 2026, False)] == (0, -20_000 * Y, 1)
    assert rows[("121", NO_MEMBER, 2026, False)] == (-20_000 * Y, 0, 1)
    assert rows[("114001", worked.wang.pk, 2025, False)] == (15_000 * Y, 20_000 * Y, 2)


def test_the_year_close_is_kept_apart_as_the_year_close(personas):
    worked = build_worked_year(personas)
    close_months(personas, worked.book)
    year_close(user=personas.cadre_a, book=worked.book, year=2025)
    rows = assert_kept_equals_a_rebuild()
    # 本年盈余 12,700: 501 经营收入 36,000 closed by a debit; 331 credited 12,700 then debited into 332.
    assert rows[("501", NO_MEMBER, 2025, True)] == (36_000 * Y, 0, 1)
    assert rows[("331", NO_MEMBER, 2025, True)] == (12_700 * Y, 12_700 * Y, 2)
    assert rows[("501", NO_MEMBER, 2025, False)] == (0, 36_000 * Y, 1)


def test_automatic_vouchers_one_at_a_time_and_in_bulk_are_kept(personas, tmp_path):
    from tongzhou.coops.tests.test_members_import import write_csv

    coop = build_cooperative()
    cash = build_share_class(coop, kind=ShareClassKind.CASH, unit_value_fen=100_00)
    wang = build_member(coop, build_household(number="0001", head_name="王大山"))
    li = build_member(coop, build_household(number="0002", head_name="李春花"))
    share_subscribe(
        user=personas.cadre_a, member=wang, share_class=cash, units=10, on=D(2025, 3, 1), reason="入股"
    )
    assert_kept_equals_a_rebuild()
    rows = [
        [id_of(wang.household), "现金股", "5", "2025-03-20", "认购"],
        [id_of(li.household), "现金股", "3", "2025-04-05", "认购"],
    ]
    path = write_csv(tmp_path / "shares.csv", rows, ["身份证号码", "股份类别", "数量", "日期", "事由"])
    shares_import(user=personas.cadre_a, cooperative=coop, path=path)
    rows = assert_kept_equals_a_rebuild()
    # 102: 1,000 + 500 + 300 in three vouchers, one and then two in bulk.
    assert rows[("102", NO_MEMBER, 2025, False)] == (1_800_00, 0, 3)
    capital = {code for code, member, *_ in rows if member == wang.pk}
    assert BookAccount.objects.filter(code__in=capital, book__cooperative=coop).exists()


def test_the_transactions_import_summary_vouchers_are_kept(personas, tx_baima, tmp_path):  # noqa: F811
    cooperative, wang_member, *_ = tx_baima
    transactions_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_tx_csv(tmp_path / "交易.csv", good_rows(tx_baima)),
    )
    rows = assert_kept_equals_a_rebuild()
    # 王大山 sold 1,955.00 (June) and 1,200.00 (September) of cocoons: owed on 成员往来, one kept row for 2024.
    owed = [
        v
        for (code, member, year, _c), v in rows.items()
        if code.startswith("114") and member == wang_member.pk
    ]
    assert owed == [(0, 3155_00, 2)]


def test_rebuild_rollups_check_finds_a_kept_balance_out_of_step_and_a_rebuild_mends_it(personas):
    build_worked_year(personas)
    out = io.StringIO()
    call_command("rebuild_rollups", "--check", stdout=out)
    assert "balances agree" in out.getvalue()
    AccountBalance.objects.filter(account__code="102").update(debit_fen=1)
    with pytest.raises(CommandError, match="balances_disagree"):
        call_command("rebuild_rollups", "--check", stdout=io.StringIO())
    call_command("rebuild_rollups", stdout=io.StringIO())
    call_command("rebuild_rollups", "--check", stdout=io.StringIO())
    assert balances_check().agree


def test_posted_balances_read_whole_years_kept_and_give_what_the_lines_give(personas, monkeypatch):
    """The trial balance's, the year close's and the distribution's sums per account (`posted_balances`): the same
    from the kept rows (whole years) and the lines (ragged ends) as from the lines alone, for ranges within a year,
    across years and open at either end."""
    from tongzhou.ledger import selectors
    from tongzhou.ledger.models import VoucherLine

    worked = build_worked_year(personas)
    purchase = Voucher.objects.get(book=worked.book, date=D(2025, 2, 10))
    reversal = voucher_reverse(user=personas.cadre_a, voucher=purchase, date=D(2026, 1, 15))
    voucher_check(user=personas.secretary_a, voucher=reversal)
    voucher_post(user=personas.secretary_a, voucher=reversal)
    lines = list(
        VoucherLine.objects.filter(voucher__status="posted").values_list(
            "account_id", "voucher__date", "debit_fen", "credit_fen"
        )
    )
    ranges = [
        {"before": D(2025, 1, 1)},
        {"before": D(2026, 1, 1)},
        {"before": D(2025, 4, 1)},
        {"date_to": D(2025, 12, 31)},
        {"date_to": D(2026, 1, 15)},
        {"date_from": D(2025, 1, 1), "date_to": D(2025, 12, 31)},
        {"date_from": D(2025, 3, 15), "date_to": D(2026, 2, 1)},
        {"date_from": D(2025, 12, 31), "date_to": D(2025, 12, 31)},
        {"date_from": D(2026, 1, 1)},
        {},
    ]
    for kwargs in ranges:
        first = kwargs.get("date_from", D(1900, 1, 1))
        end = min(
            kwargs.get("before", D(2100, 1, 1)), kwargs.get("date_to", D(2099, 12, 30)) + dt.timedelta(1)
        )
        expected: dict[int, tuple[int, int]] = {}
        for account_id, day, debit, credit in lines:
            if first <= day < end:
                had = expected.get(account_id, (0, 0))
                expected[account_id] = (had[0] + debit, had[1] + credit)
        monkeypatch.setattr(selectors, "KEPT_READS", True)
        assert selectors.posted_balances(book=worked.book, **kwargs) == expected, kwargs
        monkeypatch.setattr(selectors, "KEPT_READS", False)
        assert selectors.posted_balances(book=worked.book, **kwargs) == expected, kwargs
    # 102 through 2025: 117,000 in, 33,100 out (the worked year), read from the kept row alone.
    monkeypatch.setattr(selectors, "KEPT_READS", True)
    bank = BookAccount.objects.get(book=worked.book, code="102")
    assert selectors.posted_balances(book=worked.book, date_to=D(2025, 12, 31))[bank.pk] == (
        117_000 * Y,
        33_100 * Y,
    )
