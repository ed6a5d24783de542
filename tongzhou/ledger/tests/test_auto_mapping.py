"""Worked examples of the automatic vouchers' mapping (ledger/domain/auto.py), textbook style: for each operation,
which account is debited and which credited, with how much and whose."""

import pytest

from tongzhou.coops.models import EntryType, ShareClassKind, TransactionKind
from tongzhou.ledger.domain import auto
from tongzhou.ledger.domain.auto import AutoLine, share_entry_lines, summary_of, transaction_lines

COOP = "farmers_cooperative"
COLL = "collective_organisation"
WANG, LI = 11, 12


def booked(lines):
    """(account, debit, credit, member, counterparty) per line, and the voucher balances."""
    assert sum(x.debit_fen for x in lines) == sum(x.credit_fen for x in lines)
    return [(x.account_code, x.debit_fen, x.credit_fen, x.member_id, x.counterparty) for x in lines]


def test_the_pure_module_names_the_real_kinds_of_coops():
    assert set(auto.ENTRY_KINDS) == set(EntryType.values)
    assert set(auto.TRANSACTION_KINDS) == set(TransactionKind.values)
    assert {
        auto.CASH,
        auto.LAND,
        auto.LABOUR_CLASS,
        auto.COLLECTIVE_ASSETS,
        auto.FISCAL_POVERTY,
        auto.DONATION,
    } == set(ShareClassKind.values)


@pytest.mark.parametrize(
    ("class_kind", "debit", "credit", "member"),
    [
        ("cash", "102", "301", WANG),  # 王 pays ¥1,000.00 into the bank for 10 cash shares
        ("land", "161", "301", WANG),  # 2.5 mu of land-management right at ¥400.00 a mu
        ("labour", "401", "301", WANG),
        ("collective_assets", "151", "301", WANG),
        ("fiscal_poverty", "235", "311", None),  # quantified subsidy: 专项应付款 → 专项基金, not capital
        ("donation", "102", "311", None),
    ],
)
def test_a_cooperative_subscription_debits_what_came_in_and_credits_capital_or_the_special_fund(
    class_kind, debit, credit, member
):
    lines = share_entry_lines(
        standard=COOP, entry_kind="subscription", class_kind=class_kind, amount_fen=1_000_00, member_id=WANG
    )
    assert booked(lines) == [(debit, 1_000_00, 0, None, ""), (credit, 0, 1_000_00, member, "")]


@pytest.mark.parametrize(
    ("class_kind", "debit", "credit"),
    [
        ("cash", "102", "301"),
        ("land", "161", "301"),
        ("labour", "401", "301"),
        ("collective_assets", "151", "301"),
        ("fiscal_poverty", "241", "311"),
        ("donation", "102", "311"),
    ],
)
def test_a_collective_subscription_uses_its_charts_accounts_and_301_takes_no_member(
    class_kind, debit, credit
):
    lines = share_entry_lines(
        standard=COLL, entry_kind="subscription", class_kind=class_kind, amount_fen=500_00, member_id=WANG
    )
    assert booked(lines) == [(debit, 500_00, 0, None, ""), (credit, 0, 500_00, None, "")]


def test_a_class_that_is_not_capital_credits_the_special_fund():
    lines = share_entry_lines(
        standard=COOP,
        entry_kind="subscription",
        class_kind="labour",
        amount_fen=300_00,
        member_id=WANG,
        is_capital=False,
    )
    assert booked(lines) == [("401", 300_00, 0, None, ""), ("311", 0, 300_00, None, "")]


def test_a_transfer_of_333_33_moves_capital_from_one_members_301_to_the_others_on_the_out_leg_only():
    out = share_entry_lines(
        standard=COOP,
        entry_kind="transfer_out",
        class_kind="land",
        amount_fen=-333_33,  # signed as on the entry
        member_id=WANG,
        counter_member_id=LI,
    )
    assert booked(out) == [("301", 333_33, 0, WANG, ""), ("301", 0, 333_33, LI, "")]
    into = share_entry_lines(
        standard=COOP,
        entry_kind="transfer_in",
        class_kind="land",
        amount_fen=333_33,
        member_id=LI,
        counter_member_id=WANG,
    )
    assert into == []


def test_an_inheritance_moves_capital_like_a_transfer_but_subsidy_shares_stay_in_311():
    capital = share_entry_lines(
        standard=COOP,
        entry_kind="inheritance_out",
        class_kind="cash",
        amount_fen=-1_000_00,
        member_id=WANG,
        counter_member_id=LI,
    )
    assert booked(capital) == [("301", 1_000_00, 0, WANG, ""), ("301", 0, 1_000_00, LI, "")]
    subsidy = share_entry_lines(
        standard=COOP,
        entry_kind="inheritance_out",
        class_kind="fiscal_poverty",
        amount_fen=-5_000_00,
        member_id=WANG,
        counter_member_id=LI,
    )
    assert subsidy == []  # no voucher for a movement within 311
    collective = share_entry_lines(
        standard=COLL,
        entry_kind="transfer_out",
        class_kind="cash",
        amount_fen=-1_000_00,
        member_id=WANG,
        counter_member_id=LI,
    )
    assert collective == []  # 资本 has no member sub-ledger: nothing moves


def test_converting_5000_of_poverty_fund_shares_takes_it_from_the_special_fund_into_the_members_capital():
    out = share_entry_lines(
        standard=COOP,
        entry_kind="conversion_out",
        class_kind="fiscal_poverty",
        amount_fen=-5_000_00,
        member_id=WANG,
    )
    assert booked(out) == [("311", 5_000_00, 0, None, ""), ("301", 0, 5_000_00, WANG, "")]
    assert (
        share_entry_lines(
            standard=COOP, entry_kind="conversion_in", class_kind="cash", amount_fen=5_000_00, member_id=WANG
        )
        == []
    )


def test_a_redemption_owes_the_member_the_capital_until_paid_and_a_withdrawn_subsidy_share_books_nothing():
    capital = share_entry_lines(
        standard=COOP, entry_kind="redemption", class_kind="cash", amount_fen=-400_00, member_id=WANG
    )
    assert booked(capital) == [("301", 400_00, 0, WANG, ""), ("114", 0, 400_00, WANG, "")]
    collective = share_entry_lines(
        standard=COLL, entry_kind="redemption", class_kind="cash", amount_fen=-400_00, member_id=WANG
    )
    assert booked(collective) == [("301", 400_00, 0, None, ""), ("113", 0, 400_00, WANG, "")]
    subsidy = share_entry_lines(
        standard=COOP,
        entry_kind="redemption",
        class_kind="fiscal_poverty",
        amount_fen=-5_000_00,
        member_id=WANG,
    )
    assert subsidy == []


def test_the_reserve_share_returned_at_exit_comes_out_of_the_reserve():
    assert booked(auto.exit_reserve_lines(standard=COOP, amount_fen=123_45, member_id=WANG)) == [
        ("322", 123_45, 0, None, ""),
        ("114", 0, 123_45, WANG, ""),
    ]
    assert booked(auto.exit_reserve_lines(standard=COLL, amount_fen=123_45, member_id=WANG)) == [
        ("311", 123_45, 0, None, ""),
        ("113", 0, 123_45, WANG, ""),
    ]
    assert auto.exit_reserve_lines(standard=COOP, amount_fen=0, member_id=WANG) == []


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        # 王 sells 120 kg of cocoons at ¥50.00: the cooperative has the cocoons and owes him ¥6,000.00
        ("sale_to_coop", [("121", 6_000_00, 0, None, ""), ("114", 0, 6_000_00, WANG, "")]),
        # he buys fertiliser from it: he owes it, and it earns operating income
        ("purchase_from_coop", [("114", 6_000_00, 0, WANG, ""), ("501", 0, 6_000_00, None, "")]),
        ("labour", [("401", 6_000_00, 0, None, ""), ("212", 0, 6_000_00, None, "")]),
        ("land_rent", [("401", 6_000_00, 0, None, ""), ("114", 0, 6_000_00, WANG, "")]),
    ],
)
def test_a_member_transaction_runs_through_the_members_current_account(kind, expected):
    lines = transaction_lines(standard=COOP, kind=kind, amount_fen=6_000_00, member_id=WANG)
    assert booked(lines) == expected


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("sale_to_coop", [("121", 80_00, 0, None, ""), ("211", 0, 80_00, None, "赵老板")]),
        ("purchase_from_coop", [("113", 80_00, 0, None, "赵老板"), ("501", 0, 80_00, None, "")]),
        ("labour", [("401", 80_00, 0, None, ""), ("212", 0, 80_00, None, "")]),
        ("land_rent", [("401", 80_00, 0, None, ""), ("211", 0, 80_00, None, "赵老板")]),
    ],
)
def test_a_non_members_transaction_runs_through_payables_and_receivables_with_the_name(kind, expected):
    lines = transaction_lines(
        standard=COOP, kind=kind, amount_fen=80_00, member_id=None, counterparty="赵老板"
    )
    assert booked(lines) == expected


def test_a_collectives_transactions_use_internal_accounts_and_112_for_receivables():
    assert booked(
        transaction_lines(standard=COLL, kind="sale_to_coop", amount_fen=10_00, member_id=WANG)
    ) == [
        ("121", 10_00, 0, None, ""),
        ("113", 0, 10_00, WANG, ""),
    ]
    lines = transaction_lines(
        standard=COLL, kind="purchase_from_coop", amount_fen=10_00, member_id=None, counterparty="某公司"
    )
    assert booked(lines) == [("112", 10_00, 0, None, "某公司"), ("501", 0, 10_00, None, "")]


def test_a_company_and_a_zero_amount_book_nothing_and_bad_kinds_are_errors():
    assert (
        share_entry_lines(
            standard="company", entry_kind="subscription", class_kind="cash", amount_fen=1, member_id=1
        )
        == []
    )
    assert transaction_lines(standard="company", kind="labour", amount_fen=1, member_id=1) == []
    assert transaction_lines(standard=COOP, kind="labour", amount_fen=0, member_id=1) == []
    assert not auto.keeps_books("company") and auto.keeps_books(COOP) and auto.keeps_books(COLL)
    with pytest.raises(ValueError):
        share_entry_lines(standard=COOP, entry_kind="gift", class_kind="cash", amount_fen=1, member_id=1)
    with pytest.raises(ValueError):
        transaction_lines(standard=COOP, kind="labour", amount_fen=-1, member_id=1)
    with pytest.raises(ValueError):
        transaction_lines(standard=COOP, kind="labour", amount_fen=1, member_id=None)


def test_summaries_name_the_member_and_the_operation_in_chinese():
    assert summary_of("subscription", member_name="张三", class_name="现金股金") == "张三 认购现金股金"
    assert summary_of(
        "transfer_out", member_name="王大山", counter_name="李小花", class_name="土地经营权股"
    ) == ("王大山 转让土地经营权股给 李小花")
    assert summary_of("sale_to_coop", member_name="王大山", product="鲜茧") == "王大山 交售鲜茧"
    assert summary_of("labour", member_name="王大山", product="采桑") == "王大山 务工工资（采桑）"
    assert len(summary_of("subscription", member_name="名" * 300)) == 200
    assert AutoLine("102", 1, 0) == AutoLine("102", 1, 0, None, "")


def test_a_months_transactions_become_one_summary_voucher_per_month_members_kept_apart():
    """汇总记账凭证: Wang sells cocoons twice in May (¥1,200.00 + ¥800.00) and buys ¥300.00 of mulberry
    fertiliser; Li sells ¥500.00 in May and ¥700.00 in June; a non-member sells ¥100.00 in May. May's voucher debits
    121 产品物资 once for all sales (¥2,600.00), credits each seller's 114 with their own total, debits Wang's 114
    for his purchase without netting it against his sales, and credits 501; June's voucher is Li's sale alone."""
    import datetime as dt

    totals: auto.TransactionTotals = {}
    for on, kind, member, counterparty, fen in [
        (dt.date(2025, 5, 3), "sale_to_coop", WANG, "", 120_000),
        (dt.date(2025, 5, 20), "sale_to_coop", WANG, "", 80_000),
        (dt.date(2025, 5, 9), "purchase_from_coop", WANG, "", 30_000),
        (dt.date(2025, 5, 11), "sale_to_coop", LI, "", 50_000),
        (dt.date(2025, 6, 2), "sale_to_coop", LI, "", 70_000),
        (dt.date(2025, 5, 28), "sale_to_coop", None, "赵六", 10_000),
    ]:
        auto.add_transaction_total(totals, on=on, kind=kind, member_id=member, counterparty=counterparty,
                                   amount_fen=fen)  # fmt: skip
    months = auto.transaction_summary_lines(standard=COOP, totals=totals)
    assert [(y, m, last) for y, m, last, _lines in months] == [
        (2025, 5, dt.date(2025, 5, 28)),
        (2025, 6, dt.date(2025, 6, 2)),
    ]
    may, june = (sorted(booked(lines)) for *_head, lines in months)
    assert may == sorted([
        ("121", 260_000, 0, None, ""),
        ("114", 0, 200_000, WANG, ""),
        ("114", 0, 50_000, LI, ""),
        ("211", 0, 10_000, None, "赵六"),
        ("114", 30_000, 0, WANG, ""),
        ("501", 0, 30_000, None, ""),
    ])  # fmt: skip
    assert june == sorted([("121", 70_000, 0, None, ""), ("114", 0, 70_000, LI, "")])
    assert auto.transaction_summary_lines(standard="company", totals=totals) == []
