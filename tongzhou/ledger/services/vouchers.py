"""Vouchers: drafted (制单), checked (审核) by someone other than the maker, posted (记账) with the next gapless
number of the book and month, and reversed (红字冲销) by a new voucher with negated amounts. A posted voucher is
never changed or deleted.

Each line is a dict: {"account": code | BookAccount | id, "debit_fen": int, "credit_fen": int,
"member": Member | id | None, "counterparty": str, "summary": str}.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Member
from tongzhou.core.errors import Conflict
from tongzhou.regions.scope import require_write

from ..domain.vouchers import AccountFacts, LineDraft, check_voucher_lines, line_error, voucher_error
from ..models import Book, BookAccount, Voucher, VoucherLine, VoucherStatus
from .balances import balances_keep
from .periods import check_date_in_book, lock_period, period_closed_error

MAX_SUMMARY = 200
MAX_LINES = 200


def _is_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _facts(account: BookAccount) -> AccountFacts:
    return AccountFacts(
        code=account.code,
        name=account.name,
        is_leaf=account.is_leaf,
        is_active=account.is_active,
        party=account.party,
        member_id=account.member_id,
    )


def _clean_summary(summary: object, field: str = "summary", *, required: bool = True) -> str:
    text = "" if summary is None else str(summary).strip()
    if required and not text:
        raise voucher_error(field, "请填写摘要。", "A summary is required.", "summary_required")
    if len(text) > MAX_SUMMARY:
        raise voucher_error(
            field, "摘要最多 200 字。", "The summary has at most 200 characters.", "summary_too_long"
        )
    return text


def _clean_attachments(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999:
        raise voucher_error(
            "attachments",
            "附单据数须为 0–999 的整数。",
            "The number of attachments is a whole number from 0 to 999.",
            "attachments_invalid",
            value=str(value),
        )
    return value


class _Resolved:
    """A line as entered, its account and member looked up in the book."""

    def __init__(self, raw: dict[str, Any], account: BookAccount | None, member_id: int | None, ref: str):
        self.raw = raw
        self.account = account
        self.member_id = member_id
        self.ref = ref

    def draft(self) -> LineDraft:
        return LineDraft(
            account=_facts(self.account) if self.account else None,
            debit_fen=self.raw.get("debit_fen", 0),
            credit_fen=self.raw.get("credit_fen", 0),
            member_id=self.member_id,
            counterparty=str(self.raw.get("counterparty") or ""),
            account_ref=self.ref,
        )


def _resolve_lines(book: Book, lines: Sequence[dict[str, Any]]) -> list[_Resolved]:
    if not isinstance(lines, (list, tuple)):
        raise voucher_error("lines", "分录格式不正确。", "The lines are not a list.", "lines_invalid")
    if len(lines) > MAX_LINES:
        raise voucher_error(
            "lines", "一张凭证最多 200 行分录。", "A voucher has at most 200 lines.", "too_many_lines"
        )
    accounts = {a.code: a for a in BookAccount.objects.filter(book=book)}
    by_id = {a.pk: a for a in accounts.values()}
    member_ids = {
        m.pk if isinstance(m, Member) else m
        for m in (line.get("member") for line in lines if isinstance(line, dict))
        if m is not None and m != ""
    }
    members = {
        pk: coop
        for pk, coop in Member.objects.filter(
            pk__in=[m for m in member_ids if isinstance(m, int)]
        ).values_list("pk", "cooperative_id")
    }
    resolved = []
    for index, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            raise line_error(index, "account", "分录格式不正确。", "The line is not valid.", "line_invalid")
        ref_value = line.get("account")
        if isinstance(ref_value, BookAccount):
            account = by_id.get(ref_value.pk)
            ref = ref_value.code
        elif isinstance(ref_value, int) and not isinstance(ref_value, bool):
            account = by_id.get(ref_value)
            ref = str(ref_value)
        else:
            ref = str(ref_value or "").strip()
            account = accounts.get(ref)
        member = line.get("member")
        member_id = (
            member.pk if isinstance(member, Member) else (member if member not in ("", None) else None)
        )
        if member_id is not None:
            if not isinstance(member_id, int) or isinstance(member_id, bool) or member_id not in members:
                raise line_error(
                    index,
                    "member",
                    "成员不存在。",
                    "The member does not exist.",
                    "member_unknown",
                    value=str(member),
                )
            if members[member_id] != book.cooperative_id:
                raise line_error(
                    index,
                    "member",
                    "该成员不属于本社。",
                    "The member belongs to another organisation.",
                    "member_of_other_book",
                )
        counterparty = str(line.get("counterparty") or "").strip()
        if len(counterparty) > 120:
            raise line_error(
                index,
                "counterparty",
                "往来单位或个人最多 120 字。",
                "The counterparty has at most 120 characters.",
                "counterparty_too_long",
            )
        _clean_summary(line.get("summary"), f"lines.{index}.summary", required=False)
        resolved.append(_Resolved(line, account, member_id, ref))
    return resolved


def _write_lines(voucher: Voucher, resolved: list[_Resolved], *, red_ink: bool = False) -> None:
    check_voucher_lines([r.draft() for r in resolved], red_ink=red_ink)
    VoucherLine.objects.bulk_create(
        [
            VoucherLine(
                voucher=voucher,
                line_no=index,
                account=r.account,
                summary=str(r.raw.get("summary") or "").strip() or voucher.summary,
                debit_fen=r.raw.get("debit_fen") or 0,
                credit_fen=r.raw.get("credit_fen") or 0,
                member_id=r.member_id,
                counterparty=str(r.raw.get("counterparty") or "").strip(),
                book=voucher.book,
                region_code=voucher.region_code,
                county_code=voucher.county_code,
            )
            for index, r in enumerate(resolved, start=1)
        ]
    )


def _lock_voucher(voucher: Voucher) -> Voucher:
    return (
        Voucher.objects.select_for_update(of=("self",)).select_related("book__cooperative").get(pk=voucher.pk)
    )


def _refuse_posted(voucher: Voucher) -> None:
    if voucher.status == VoucherStatus.POSTED:
        raise Conflict(
            "已记账凭证不可修改或删除，更正请做红字冲销凭证。",
            "A posted voucher cannot be changed or deleted; correct it with a reversing voucher.",
            code="posted_voucher_immutable",
            details={"voucher": voucher.pk},
        )


@transaction.atomic
def voucher_create(
    *,
    user,
    book: Book,
    date: dt.date,
    summary: str,
    lines: Sequence[dict[str, Any]],
    attachments: int = 0,
    source: str = "",
    via: str = "web",
) -> Voucher:
    """Draft a voucher (制单). Every line is checked now; the draft is checked again when it is posted."""
    book = Book.objects.select_related("cooperative").get(pk=book.pk)
    require_write(user, book.region_code)
    date = check_date_in_book(book, date)
    summary = _clean_summary(summary)
    attachments = _clean_attachments(attachments)
    resolved = _resolve_lines(book, lines)
    voucher = Voucher.objects.create(
        book=book,
        date=date,
        summary=summary,
        attachments=attachments,
        source=str(source or "")[:60],
        maker=user if _is_user(user) else None,
        region_code=book.region_code,
        county_code=book.county_code,
    )
    _write_lines(voucher, resolved)
    audit_record(
        user=user,
        action="ledger.voucher_make",
        obj=voucher,
        region_code=book.region_code,
        via=via,
        details={"date": date.isoformat(), "summary": summary, "lines": len(resolved)},
    )
    return voucher


@transaction.atomic
def voucher_update(
    *,
    user,
    voucher: Voucher,
    date: dt.date | None = None,
    summary: str | None = None,
    lines: Sequence[dict[str, Any]] | None = None,
    attachments: int | None = None,
    via: str = "web",
) -> Voucher:
    """Change a draft; given lines replace all its lines. A change withdraws the check (审核)."""
    voucher = _lock_voucher(voucher)
    book = voucher.book
    require_write(user, book.region_code)
    _refuse_posted(voucher)
    if voucher.reverses_id is not None and lines is not None:
        raise voucher_error(
            "lines",
            "红字冲销凭证的分录不能修改。",
            "A reversing voucher's lines repeat the original; they cannot be changed.",
            "reversal_lines_fixed",
        )
    # The month it leaves must be open too: a draft never moves out of a closed month.
    check_date_in_book(book, voucher.date)
    if date is not None:
        voucher.date = check_date_in_book(book, date)
    if summary is not None:
        voucher.summary = _clean_summary(summary)
    if attachments is not None:
        voucher.attachments = _clean_attachments(attachments)
    resolved = _resolve_lines(book, lines) if lines is not None else None
    voucher.checker = None
    voucher.checked_at = None
    voucher.save()
    if resolved is not None:
        VoucherLine.objects.filter(voucher=voucher).delete()
        _write_lines(voucher, resolved)
    audit_record(
        user=user,
        action="ledger.voucher_update",
        obj=voucher,
        region_code=book.region_code,
        via=via,
        details={"date": voucher.date.isoformat(), "lines_replaced": resolved is not None},
    )
    return voucher


@transaction.atomic
def voucher_delete(*, user, voucher: Voucher, via: str = "web") -> None:
    """Delete a draft. A posted voucher is never deleted."""
    voucher = _lock_voucher(voucher)
    require_write(user, voucher.book.region_code)
    _refuse_posted(voucher)
    check_date_in_book(voucher.book, voucher.date)
    audit_record(
        user=user,
        action="ledger.voucher_delete",
        obj=voucher,
        region_code=voucher.region_code,
        via=via,
        details={"date": voucher.date.isoformat(), "summary": voucher.summary},
    )
    voucher.delete()


def _recheck(voucher: Voucher) -> None:
    """The draft's lines against the book's accounts as they are now (an account may have been turned off or
    given sub-accounts since the draft was made)."""
    accounts = {a.pk: a for a in BookAccount.objects.filter(book=voucher.book)}
    drafts = [
        LineDraft(
            account=_facts(accounts[line.account_id]),
            debit_fen=line.debit_fen,
            credit_fen=line.credit_fen,
            member_id=line.member_id,
            counterparty=line.counterparty,
            account_ref=accounts[line.account_id].code,
        )
        for line in voucher.lines.order_by("line_no")
    ]
    check_voucher_lines(drafts, red_ink=voucher.reverses_id is not None)


@transaction.atomic
def voucher_check(*, user, voucher: Voucher, via: str = "web") -> Voucher:
    """Check (审核) a draft. The checker is not the maker (会计基础工作规范: 制单与审核不得为同一人)."""
    voucher = _lock_voucher(voucher)
    require_write(user, voucher.book.region_code)
    _refuse_posted(voucher)
    if voucher.checker_id is not None:
        raise Conflict("凭证已审核。", "The voucher is already checked.", code="already_checked")
    if voucher.maker_id is not None and _is_user(user) and voucher.maker_id == user.pk:
        raise Conflict(
            "审核人不能是制单人。",
            "The checker must not be the maker of the voucher.",
            code="checker_is_maker",
        )
    _recheck(voucher)
    voucher.checker = user if _is_user(user) else None
    voucher.checked_at = timezone.now()
    voucher.save(update_fields=["checker", "checked_at", "updated_at"])
    audit_record(
        user=user, action="ledger.voucher_check", obj=voucher, region_code=voucher.region_code, via=via
    )
    return voucher


@transaction.atomic
def voucher_uncheck(*, user, voucher: Voucher, via: str = "web") -> Voucher:
    """Withdraw the check of a draft (取消审核)."""
    voucher = _lock_voucher(voucher)
    require_write(user, voucher.book.region_code)
    _refuse_posted(voucher)
    if voucher.checker_id is None:
        raise Conflict("凭证尚未审核。", "The voucher is not checked.", code="not_checked")
    voucher.checker = None
    voucher.checked_at = None
    voucher.save(update_fields=["checker", "checked_at", "updated_at"])
    audit_record(
        user=user, action="ledger.voucher_uncheck", obj=voucher, region_code=voucher.region_code, via=via
    )
    return voucher


@transaction.atomic
def voucher_post(*, user, voucher: Voucher, via: str = "web") -> Voucher:
    """Post (记账) a checked draft: lock its month's period row, refuse a closed month, take the month's next
    number. The lock serialises concurrent posts of one book and month, so numbers have no gaps or repeats."""
    voucher = _lock_voucher(voucher)
    book = voucher.book
    require_write(user, book.region_code)
    _refuse_posted(voucher)
    if voucher.checker_id is None:
        raise Conflict(
            "凭证须先审核再记账。", "A voucher is checked before it is posted.", code="not_checked"
        )
    check_date_in_book(book, voucher.date)
    _recheck(voucher)
    period = lock_period(book, voucher.date.year, voucher.date.month)
    if period.status != "open":
        raise period_closed_error(period.year, period.month)
    period.last_number += 1
    period.save(update_fields=["last_number"])
    voucher.status = VoucherStatus.POSTED
    voucher.period = period
    voucher.number = period.last_number
    voucher.poster = user if _is_user(user) else None
    voucher.posted_at = timezone.now()
    voucher.save(update_fields=["status", "period", "number", "poster", "posted_at", "updated_at"])
    balances_keep(voucher_ids=[voucher.pk])
    audit_record(
        user=user,
        action="ledger.voucher_post",
        obj=voucher,
        region_code=book.region_code,
        via=via,
        details={"period": str(period), "number": voucher.number},
    )
    return voucher


@transaction.atomic
def voucher_reverse(
    *, user, voucher: Voucher, date: dt.date | None = None, summary: str | None = None, via: str = "web"
) -> Voucher:
    """Reverse a posted voucher (红字冲销): a new draft, dated `date` (today by default), repeating the original's
    lines with negated amounts and naming it. A voucher is reversed once; a reversal is not itself reversed."""
    original = _lock_voucher(voucher)
    book = original.book
    require_write(user, book.region_code)
    if original.status != VoucherStatus.POSTED:
        raise Conflict(
            "只能冲销已记账凭证；草稿可直接修改或删除。",
            "Only a posted voucher is reversed; a draft is changed or deleted instead.",
            code="reverse_draft",
        )
    if original.reverses_id is not None:
        raise Conflict(
            "红字冲销凭证不能再冲销。",
            "A reversing voucher cannot itself be reversed.",
            code="reverse_reversal",
        )
    existing = Voucher.objects.filter(reverses=original).first()
    if existing is not None:
        raise Conflict(
            "该凭证已被冲销，不能重复冲销。",
            "The voucher has already been reversed.",
            code="already_reversed",
            details={"reversal": existing.pk},
        )
    date = check_date_in_book(book, date or timezone.localdate())
    text = _clean_summary(
        summary or f"冲销{original.date:%Y年%m月}第{original.number}号凭证：{original.summary}"[:200]
    )
    reversal = Voucher.objects.create(
        book=book,
        date=date,
        summary=text,
        attachments=0,
        reverses=original,
        maker=user if _is_user(user) else None,
        region_code=book.region_code,
        county_code=book.county_code,
    )
    VoucherLine.objects.bulk_create(
        [
            VoucherLine(
                voucher=reversal,
                line_no=line.line_no,
                account_id=line.account_id,
                summary=line.summary,
                debit_fen=-line.debit_fen,
                credit_fen=-line.credit_fen,
                member_id=line.member_id,
                counterparty=line.counterparty,
                book=book,
                region_code=book.region_code,
                county_code=book.county_code,
            )
            for line in original.lines.order_by("line_no")
        ]
    )
    audit_record(
        user=user,
        action="ledger.voucher_reverse",
        obj=reversal,
        region_code=book.region_code,
        via=via,
        details={"reverses": original.pk, "number": original.number, "period": str(original.period)},
    )
    return reversal
