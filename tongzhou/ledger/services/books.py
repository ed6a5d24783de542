"""Opening a book and shaping its accounts: the standard's accounts, sub-accounts the book adds, on and off."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Cooperative, Member
from tongzhou.core.errors import Conflict
from tongzhou.regions.scope import require_write

from ..domain.vouchers import voucher_error
from ..models import Book, BookAccount, Party, Period, VoucherLine
from .charts import chart_in_force

MAX_NAME = 60


def book_of(cooperative: Cooperative) -> Book:
    book = Book.objects.filter(cooperative=cooperative).select_related("chart").first()
    if book is None:
        raise voucher_error("book", "该组织尚未建账。", "The organisation has no books yet.", "no_book")
    return book


@transaction.atomic
def book_open(
    *, user, cooperative: Cooperative, start_year: int, start_month: int = 1, via: str = "web"
) -> Book:
    """Open the books of a cooperative or collective from a month on: the chart in force on the month's first
    day, with its accounts (the standard's optional ones created inactive)."""
    require_write(user, cooperative.region_code)
    if Book.objects.filter(cooperative=cooperative).exists():
        raise Conflict("该组织已建账。", "The organisation already has books.", code="book_exists")
    if not (isinstance(start_month, int) and 1 <= start_month <= 12):
        raise voucher_error(
            "start_month", "启用月份须在 1–12 之间。", "The first month is 1 to 12.", "month_invalid"
        )
    if not (isinstance(start_year, int) and 1990 <= start_year <= 2100):
        raise voucher_error("start_year", "启用年度不正确。", "The first year is not valid.", "year_invalid")
    chart = chart_in_force(cooperative.legal_form, dt.date(start_year, start_month, 1))
    book = Book.objects.create(
        cooperative=cooperative,
        chart=chart,
        start_year=start_year,
        start_month=start_month,
        region_code=cooperative.region_code,
        county_code=cooperative.county_code,
        opened_by=user if getattr(user, "is_authenticated", False) else None,
    )
    BookAccount.objects.bulk_create(
        [
            BookAccount(
                book=book,
                chart_account=ca,
                code=ca.code,
                name=ca.name,
                account_class=ca.account_class,
                normal_balance=ca.normal_balance,
                level=ca.level,
                party=ca.party,
                is_leaf=True,
                is_active=not ca.optional,
                region_code=book.region_code,
                county_code=book.county_code,
            )
            for ca in chart.accounts.order_by("order")
        ]
    )
    Period.objects.create(book=book, year=start_year, month=start_month)
    audit_record(
        user=user,
        action="ledger.book_open",
        obj=book,
        region_code=book.region_code,
        via=via,
        details={"chart": chart.key, "start": f"{start_year}-{start_month:02d}"},
    )
    return book


def _clean_name(name: object) -> str:
    text = str(name or "").strip()
    if not text or len(text) > MAX_NAME:
        raise voucher_error(
            "name",
            "科目名称不能为空，最多 60 字。",
            "The account name is required, 60 characters at most.",
            "name",
        )
    return text


def _next_code(parent: BookAccount) -> str:
    taken = set(BookAccount.objects.filter(book=parent.book, parent=parent).values_list("code", flat=True))
    for n in range(1, 1000):
        code = f"{parent.code}{n:03d}"
        if code not in taken:
            return code
    raise voucher_error(
        "code", "下级科目已满，请指定编号。", "No free sub-account code; give one.", "code_exhausted"
    )


@transaction.atomic
def book_account_add(
    *,
    user,
    parent: BookAccount,
    name: str,
    code: str | None = None,
    member: Member | None = None,
    via: str = "web",
) -> BookAccount:
    """Add a sub-account (明细科目) under `parent`: one per member under a member account, or e.g. one per bank
    account under 银行存款. The parent stops taking lines. A parent that already has lines is refused: its
    entries would have to move, which the append-only ledger never does."""
    parent = BookAccount.objects.select_for_update().select_related("book").get(pk=parent.pk)
    book = parent.book
    require_write(user, book.region_code)
    name = _clean_name(name)
    if not parent.is_active:
        raise voucher_error(
            "parent",
            f"科目 {parent.code} 已停用。",
            f"The account {parent.code} is inactive.",
            "account_inactive",
        )
    if parent.is_leaf and VoucherLine.objects.filter(account=parent).exists():
        raise voucher_error(
            "parent",
            f"科目 {parent.code} 已有分录，不能再增设下级科目。",
            f"The account {parent.code} already has lines; it cannot take sub-accounts.",
            "account_has_lines",
        )
    if member is not None:
        if parent.party != Party.MEMBER:
            raise voucher_error(
                "member",
                f"科目 {parent.code} 不按成员核算。",
                f"The account {parent.code} is not kept per member.",
                "member_not_allowed",
            )
        if member.cooperative_id != book.cooperative_id:
            raise voucher_error(
                "member",
                "该成员不属于本社。",
                "The member belongs to another organisation.",
                "member_of_other_book",
            )
        if BookAccount.objects.filter(parent=parent, member=member).exists():
            raise voucher_error(
                "member",
                "该成员已有明细科目。",
                "The member already has a sub-account here.",
                "member_account_exists",
            )
    if code is None or str(code).strip() == "":
        code = _next_code(parent)
    else:
        code = str(code).strip()
        if (
            not code.isdigit()
            or not code.startswith(parent.code)
            or len(code) <= len(parent.code)
            or len(code) > 20
        ):
            raise voucher_error(
                "code",
                f"下级科目编号须以 {parent.code} 开头、全为数字且更长。",
                f"A sub-account code is digits that start with {parent.code} and are longer.",
                "code_invalid",
                value=code,
            )
        if BookAccount.objects.filter(book=book, code=code).exists():
            raise voucher_error(
                "code",
                f"科目编号 {code} 已存在。",
                f"The account code {code} is taken.",
                "code_taken",
                value=code,
            )
    account = BookAccount.objects.create(
        book=book,
        chart_account_id=parent.chart_account_id,
        parent=parent,
        code=code,
        name=name,
        account_class=parent.account_class,
        normal_balance=parent.normal_balance,
        level=parent.level + 1,
        party=parent.party,
        member=member,
        is_leaf=True,
        is_active=True,
        region_code=book.region_code,
        county_code=book.county_code,
    )
    if parent.is_leaf:
        parent.is_leaf = False
        parent.save(update_fields=["is_leaf"])
    audit_record(
        user=user,
        action="ledger.account_add",
        obj=account,
        region_code=book.region_code,
        via=via,
        details={"code": code, "name": name, "parent": parent.code},
    )
    return account


@transaction.atomic
def book_account_set_active(*, user, account: BookAccount, active: bool, via: str = "web") -> BookAccount:
    """Turn an account on or off. An account still carrying a balance or draft lines stays on."""
    from django.db.models import Sum

    account = BookAccount.objects.select_for_update().select_related("book").get(pk=account.pk)
    require_write(user, account.book.region_code)
    if not active and account.is_active:
        subtree = BookAccount.objects.filter(book=account.book, code__startswith=account.code)
        lines = VoucherLine.objects.filter(account__in=subtree)
        if lines.filter(voucher__status="draft").exists():
            raise voucher_error(
                "account",
                f"科目 {account.code} 还有未记账凭证，不能停用。",
                f"The account {account.code} has draft lines; it cannot be turned off.",
                "account_has_drafts",
            )
        totals = lines.aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
        if (totals["d"] or 0) != (totals["c"] or 0):
            raise voucher_error(
                "account",
                f"科目 {account.code} 尚有余额，不能停用。",
                f"The account {account.code} has a balance; it cannot be turned off.",
                "account_has_balance",
            )
    account.is_active = bool(active)
    account.save(update_fields=["is_active"])
    audit_record(
        user=user,
        action="ledger.account_activate" if active else "ledger.account_deactivate",
        obj=account,
        region_code=account.book.region_code,
        via=via,
        details={"code": account.code},
    )
    return account
