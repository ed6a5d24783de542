"""The member-transaction import books its rows: one summary voucher per month, in the import's transaction."""

from __future__ import annotations

import pytest

from tongzhou.coops.transactions_import import transactions_import
from tongzhou.core.errors import ImportRejected
from tongzhou.ledger.models import Voucher, VoucherLine, VoucherStatus

from .test_transactions_import import baima, good_rows, write_csv  # noqa: F401 - the fixture and the file

pytestmark = pytest.mark.django_db


def _lines(voucher: Voucher) -> list[tuple[str, int, int, int | None, str]]:
    return sorted(
        (line.account.code[:3], line.debit_fen, line.credit_fen, line.member_id, line.counterparty)
        for line in VoucherLine.objects.filter(voucher=voucher).select_related("account")
    )


def test_a_file_of_three_months_is_booked_as_three_posted_summary_vouchers(personas, baima, tmp_path):  # noqa: F811
    cooperative, wang_member, _li_member, *_ = baima
    transactions_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "交易.csv", good_rows(baima)),
    )
    vouchers = list(Voucher.objects.filter(book__cooperative=cooperative).order_by("date"))
    assert [(v.date.isoformat(), v.status, v.number) for v in vouchers] == [
        ("2024-06-12", VoucherStatus.POSTED, 1),
        ("2024-07-01", VoucherStatus.POSTED, 1),
        ("2024-09-20", VoucherStatus.POSTED, 1),
    ]
    assert all(v.source.startswith("coops.TransactionImport:") and "汇总" in v.summary for v in vouchers)
    june, july, september = vouchers
    # June: 王大山 sold 1,955.00 of cocoons (owed to him on 成员往来), 张三 (no member) 460.00 (应付款).
    assert _lines(june) == [
        ("114", 0, 1955_00, wang_member.pk, ""),
        ("121", 2415_00, 0, None, ""),
        ("211", 0, 460_00, None, "邻村散户张三"),
    ]
    assert sum(d for _, d, _, _, _ in _lines(july)) == sum(c for _, _, c, _, _ in _lines(july)) == 960_00
    assert ("114", 0, 1200_00, wang_member.pk, "") in _lines(september)


def test_a_rejected_file_or_a_dry_run_leaves_no_voucher(personas, baima, tmp_path):  # noqa: F811
    cooperative, *_ = baima
    rows = good_rows(baima)
    transactions_import(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows), dry_run=True
    )
    assert not Voucher.objects.exists()
    bad = [*rows, ["", "", "某人", "交售", "2024-13-01", "鲜茧", "", "1", "kg", "1", "1"]]
    with pytest.raises(ImportRejected):
        transactions_import(
            user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "b.csv", bad)
        )
    assert not Voucher.objects.exists() and not VoucherLine.objects.exists()
