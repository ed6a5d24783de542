"""A voucher's lines and the checks they must pass before they may be saved or posted (借贷记账法: 有借必有贷,
借贷必相等). Pure Python: the services hand in what they read from the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tongzhou.core.errors import InvalidInput
from tongzhou.core.money import yuan_to_fen

MEMBER = "member"
COUNTERPARTY = "counterparty"


@dataclass(frozen=True)
class AccountFacts:
    """What the rules need to know of a book account."""

    code: str
    name: str
    is_leaf: bool = True
    is_active: bool = True
    party: str = "none"  # none | member | counterparty
    member_id: int | None = None  # a per-member sub-account's member


@dataclass(frozen=True)
class LineDraft:
    """One line as entered. `account` is None when the entered account was not found in the book."""

    account: AccountFacts | None
    debit_fen: Any = 0
    credit_fen: Any = 0
    member_id: int | None = None
    counterparty: str = ""
    account_ref: str = ""  # what the user entered, to name it in an error


@dataclass(frozen=True)
class Totals:
    debit_fen: int
    credit_fen: int


def line_error(line_no: int, field: str, zh: str, en: str, code: str, **details: Any) -> InvalidInput:
    """An InvalidInput naming the line (1-based) and the field, in the shape forms and the API read."""
    return InvalidInput(
        f"第 {line_no} 行：{zh}",
        f"Line {line_no}: {en}",
        code=code,
        details={
            "line": line_no,
            "field": field,
            "fields": {f"lines.{line_no}.{field}": {"message_zh": zh, "message_en": en, "code": code}},
            **details,
        },
    )


def line_amount_fen(line_no: int, field: str, text: str | None) -> int:
    """A line's debit or credit typed in yuan ("1,200.00"), in fen; blank is 0. A bad amount names the line."""
    if text is None or str(text).strip() == "":
        return 0
    try:
        return yuan_to_fen(text)
    except InvalidInput as exc:
        raise line_error(line_no, field, exc.message_zh, exc.message_en, "money") from None


def voucher_error(field: str, zh: str, en: str, code: str, **details: Any) -> InvalidInput:
    return InvalidInput(
        zh,
        en,
        code=code,
        details={
            "field": field,
            "fields": {field: {"message_zh": zh, "message_en": en, "code": code}},
            **details,
        },
    )


def _amount(value: Any, line_no: int, field: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise line_error(
            line_no,
            field,
            "金额须为整数分。",
            "The amount must be a whole number of fen.",
            "amount_invalid",
            value=str(value),
        )
    return value


def check_line(line: LineDraft, line_no: int, *, red_ink: bool = False) -> tuple[int, int]:
    """Check one line; return its (debit, credit) in fen. `red_ink`: the line of a reversing voucher, whose
    amounts are negative."""
    debit = _amount(line.debit_fen, line_no, "debit_fen")
    credit = _amount(line.credit_fen, line_no, "credit_fen")
    if debit and credit:
        raise line_error(
            line_no,
            "credit_fen",
            "一行只能记借方或贷方，不能两方都有金额。",
            "A line has an amount on the debit or the credit side, not both.",
            "line_both_sides",
        )
    if not debit and not credit:
        raise line_error(
            line_no,
            "debit_fen",
            "请填写借方或贷方金额。",
            "A line needs an amount on the debit or the credit side.",
            "line_no_amount",
        )
    amount = debit or credit
    field = "debit_fen" if debit else "credit_fen"
    if red_ink and amount > 0:
        raise line_error(
            line_no,
            field,
            "红字冲销凭证的金额应为负数。",
            "A reversing voucher's amounts are negative.",
            "red_ink_sign",
        )
    if not red_ink and amount < 0:
        raise line_error(
            line_no,
            field,
            "金额须为正数；冲销请做红字冲销凭证。",
            "Amounts are positive; to undo a posted voucher, reverse it.",
            "amount_negative",
        )
    account = line.account
    if account is None:
        raise line_error(
            line_no,
            "account",
            f"科目 {line.account_ref} 不存在。",
            f"The account {line.account_ref} does not exist in this book.",
            "account_unknown",
            value=line.account_ref,
        )
    if not account.is_active:
        raise line_error(
            line_no,
            "account",
            f"科目 {account.code} {account.name} 已停用。",
            f"The account {account.code} is inactive.",
            "account_inactive",
            value=account.code,
        )
    if not account.is_leaf:
        raise line_error(
            line_no,
            "account",
            f"科目 {account.code} {account.name} 有下级科目，请记到末级科目。",
            f"The account {account.code} has sub-accounts; post to a leaf account.",
            "account_not_leaf",
            value=account.code,
        )
    if account.party == MEMBER:
        if line.member_id is None:
            raise line_error(
                line_no,
                "member",
                f"科目 {account.code} {account.name} 须注明成员。",
                f"The account {account.code} needs the member on the line.",
                "member_required",
            )
        if account.member_id is not None and account.member_id != line.member_id:
            raise line_error(
                line_no,
                "member",
                f"科目 {account.code} 是另一成员的明细科目。",
                f"The account {account.code} is another member's sub-account.",
                "member_mismatch",
            )
    elif line.member_id is not None:
        raise line_error(
            line_no,
            "member",
            f"科目 {account.code} {account.name} 不核算成员，不能注明成员。",
            f"The account {account.code} takes no member.",
            "member_not_allowed",
        )
    if account.party == COUNTERPARTY and not (line.counterparty or "").strip():
        raise line_error(
            line_no,
            "counterparty",
            f"科目 {account.code} {account.name} 须注明往来单位或个人。",
            f"The account {account.code} needs the counterparty on the line.",
            "counterparty_required",
        )
    return debit, credit


def check_voucher_lines(lines: Sequence[LineDraft], *, red_ink: bool = False) -> Totals:
    """Check every line and the whole: at least two lines, debits equal credits, and the total is not zero
    (positive; negative on a reversing voucher). Raises InvalidInput naming the first bad line or field."""
    if len(lines) < 2:
        raise voucher_error(
            "lines",
            "凭证至少要有两行分录（有借必有贷）。",
            "A voucher needs at least two lines: a debit and a credit.",
            "too_few_lines",
        )
    debit_total = credit_total = 0
    for index, line in enumerate(lines, start=1):
        debit, credit = check_line(line, index, red_ink=red_ink)
        debit_total += debit
        credit_total += credit
    if debit_total != credit_total:
        raise voucher_error(
            "lines",
            f"借贷不平衡：借方合计 {debit_total} 分，贷方合计 {credit_total} 分。",
            f"Debits ({debit_total} fen) do not equal credits ({credit_total} fen).",
            "unbalanced",
            debit_fen=debit_total,
            credit_fen=credit_total,
        )
    if debit_total == 0 or (debit_total < 0) != red_ink:
        # Reached only when positive and red-ink lines mix so that the sides still agree.
        raise voucher_error(
            "lines",
            "凭证合计金额不正确。",
            "The voucher's total is not valid.",
            "total_invalid",
            debit_fen=debit_total,
        )
    return Totals(debit_total, credit_total)


def reversed_amounts(debit_fen: int, credit_fen: int) -> tuple[int, int]:
    """The red-ink twin of a line: the same side, the amount negated."""
    return -debit_fen, -credit_fen
