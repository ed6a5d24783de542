"""The rules of a voucher's lines and of balances, without a database: worked examples, textbook style."""

import pytest

from tongzhou.core.errors import InvalidInput
from tongzhou.ledger.domain.balances import (
    AccountInfo,
    Posting,
    balance_in_direction,
    balance_side,
    trial_balance,
)
from tongzhou.ledger.domain.vouchers import AccountFacts, LineDraft, check_voucher_lines

CASH = AccountFacts("101", "库存现金")
BANK = AccountFacts("102", "银行存款")
MEMBERS = AccountFacts("114", "成员往来", party="member")
PAYABLE = AccountFacts("211", "应付款", party="counterparty")
SHARES = AccountFacts("301", "股金", party="member")


def test_a_balanced_voucher_passes_and_gives_its_totals():
    # 提取现金 1,000.00 元：借 库存现金 100000，贷 银行存款 100000
    totals = check_voucher_lines([LineDraft(CASH, debit_fen=100000), LineDraft(BANK, credit_fen=100000)])
    assert (totals.debit_fen, totals.credit_fen) == (100000, 100000)


def test_several_debits_against_one_credit_balance():
    # 成员王大山、李小花各以现金入股 300 元和 200 元，存入银行 500 元
    lines = [
        LineDraft(BANK, debit_fen=50000),
        LineDraft(SHARES, credit_fen=30000, member_id=1),
        LineDraft(SHARES, credit_fen=20000, member_id=2),
    ]
    assert check_voucher_lines(lines).debit_fen == 50000


def _error(lines, **kw) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        check_voucher_lines(lines, **kw)
    return info.value


def test_unbalanced_voucher_is_refused_with_both_totals():
    err = _error([LineDraft(CASH, debit_fen=100000), LineDraft(BANK, credit_fen=99999)])
    assert err.code == "unbalanced"
    assert (err.details["debit_fen"], err.details["credit_fen"]) == (100000, 99999)
    assert "借贷不平衡" in err.message_zh and "do not equal" in err.message_en


def test_a_line_with_both_sides_is_refused_naming_the_line():
    err = _error([LineDraft(CASH, debit_fen=100, credit_fen=100), LineDraft(BANK, credit_fen=0, debit_fen=0)])
    assert err.code == "line_both_sides"
    assert err.details["line"] == 1
    assert err.message_zh.startswith("第 1 行")


def test_a_line_with_neither_side_is_refused_naming_the_line():
    err = _error([LineDraft(CASH, debit_fen=100), LineDraft(BANK)])
    assert (err.code, err.details["line"]) == ("line_no_amount", 2)


def test_negative_amounts_are_refused_outside_a_reversal():
    err = _error([LineDraft(CASH, debit_fen=-100), LineDraft(BANK, credit_fen=-100)])
    assert err.code == "amount_negative"


def test_a_reversal_has_negative_amounts_and_still_balances():
    totals = check_voucher_lines(
        [LineDraft(CASH, debit_fen=-100000), LineDraft(BANK, credit_fen=-100000)], red_ink=True
    )
    assert totals.debit_fen == -100000
    assert _error([LineDraft(CASH, debit_fen=100), LineDraft(BANK, credit_fen=100)], red_ink=True).code == (
        "red_ink_sign"
    )


def test_an_amount_in_yuan_or_float_is_refused():
    assert _error([LineDraft(CASH, debit_fen=1.5), LineDraft(BANK, credit_fen=1.5)]).code == "amount_invalid"
    assert (
        _error([LineDraft(CASH, debit_fen="100"), LineDraft(BANK, credit_fen=100)]).code == "amount_invalid"
    )


def test_unknown_inactive_and_non_leaf_accounts_are_refused():
    unknown = LineDraft(None, debit_fen=100, account_ref="999")
    assert _error([unknown, LineDraft(BANK, credit_fen=100)]).code == "account_unknown"
    inactive = LineDraft(AccountFacts("109", "其他货币资金", is_active=False), debit_fen=100)
    assert _error([inactive, LineDraft(BANK, credit_fen=100)]).code == "account_inactive"
    parent = LineDraft(AccountFacts("102", "银行存款", is_leaf=False), credit_fen=100)
    err = _error([LineDraft(CASH, debit_fen=100), parent])
    assert (err.code, err.details["line"], err.details["field"]) == ("account_not_leaf", 2, "account")


def test_a_member_account_needs_a_member_and_other_accounts_take_none():
    assert (
        _error([LineDraft(MEMBERS, debit_fen=100), LineDraft(CASH, credit_fen=100)]).code == "member_required"
    )
    err = _error(
        [LineDraft(MEMBERS, debit_fen=100, member_id=1), LineDraft(CASH, credit_fen=100, member_id=1)]
    )
    assert (err.code, err.details["line"]) == ("member_not_allowed", 2)


def test_a_per_member_sub_account_takes_only_its_member():
    wang = AccountFacts("114001", "王大山", party="member", member_id=7)
    err = _error([LineDraft(wang, debit_fen=100, member_id=8), LineDraft(CASH, credit_fen=100)])
    assert err.code == "member_mismatch"


def test_a_counterparty_account_needs_the_counterparty():
    err = _error([LineDraft(CASH, debit_fen=100), LineDraft(PAYABLE, credit_fen=100, counterparty="  ")])
    assert err.code == "counterparty_required"


def test_a_voucher_needs_two_lines():
    assert _error([LineDraft(CASH, debit_fen=100)]).code == "too_few_lines"


def test_normal_balance_arithmetic():
    # 银行存款 (debit-normal): debits 5,000, credits 1,200 → 3,800 on its side
    assert balance_in_direction("debit", 500000, 120000) == 380000
    # 应付款 (credit-normal): credits 2,000, debits 500 → 1,500 on its side
    assert balance_in_direction("credit", 50000, 200000) == 150000
    # 成员往来 can stand on either side: members owe 300 net → debit; the coop owes → credit
    assert balance_side(30000) == ("debit", 30000)
    assert balance_side(-30000) == ("credit", 30000)
    assert balance_side(0) == ("balanced", 0)


def test_trial_balance_of_a_small_cooperatives_first_month():
    """白马村蚕桑合作社, January (农民专业合作社会计制度 accounts):
    1. 王大山 subscribes 30,000 yuan of shares, paid into the bank (借 102 / 贷 301);
    2. fertiliser for 5,000 yuan bought on credit from 县农资公司 (借 121 / 贷 211);
    3. cocoons sold for 8,000 yuan, paid into the bank (借 102 / 贷 501);
    4. 1,000 yuan drawn as cash (借 101 / 贷 102); 5. 300 yuan of office costs paid in cash (借 523 / 贷 101).
    Opening balance: 2,000 yuan in the bank against 2,000 yuan of 股金 from December."""
    accounts = [
        AccountInfo(code, name, normal)
        for code, name, normal in [
            ("101", "库存现金", "debit"),
            ("102", "银行存款", "debit"),
            ("121", "产品物资", "debit"),
            ("211", "应付款", "credit"),
            ("301", "股金", "credit"),
            ("501", "经营收入", "credit"),
            ("523", "管理费用", "debit"),
        ]
    ] + [AccountInfo("102001", "农商行基本户", "debit", parent_code="102")]
    postings = [
        Posting("102001", debit_fen=3_000_000),
        Posting("301", credit_fen=3_000_000),
        Posting("121", debit_fen=500_000),
        Posting("211", credit_fen=500_000),
        Posting("102001", debit_fen=800_000),
        Posting("501", credit_fen=800_000),
        Posting("101", debit_fen=100_000),
        Posting("102001", credit_fen=100_000),
        Posting("523", debit_fen=30_000),
        Posting("101", credit_fen=30_000),
    ]
    tb = trial_balance(accounts, opening={"102001": 200_000, "301": -200_000}, postings=postings)
    bank = tb.row("102")  # the parent carries its sub-account's figures
    assert (bank.opening_debit_fen, bank.period_debit_fen, bank.period_credit_fen) == (
        200_000,
        3_800_000,
        100_000,
    )
    assert bank.closing_debit_fen == 3_900_000
    assert tb.row("102001").closing_debit_fen == 3_900_000
    assert tb.row("101").closing_debit_fen == 70_000
    assert tb.row("301").closing_credit_fen == 3_200_000
    assert tb.row("501").closing_credit_fen == 800_000
    assert tb.row("523").closing_debit_fen == 30_000
    t = tb.totals
    assert (t.opening_debit_fen, t.opening_credit_fen) == (200_000, 200_000)
    assert (t.period_debit_fen, t.period_credit_fen) == (4_430_000, 4_430_000)
    assert (t.closing_debit_fen, t.closing_credit_fen) == (4_500_000, 4_500_000)
    assert tb.balanced


def test_a_posting_to_an_account_not_in_the_chart_is_an_error():
    with pytest.raises(KeyError):
        trial_balance([AccountInfo("101", "库存现金", "debit")], postings=[Posting("999", 1, 0)])
