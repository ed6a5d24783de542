"""Books endpoints (账簿): books, accounts with balances and sub-accounts, vouchers (draft, change, delete, check,
post, reverse) and months (close, reopen).

Every read goes through the ledger selectors and every write through the ledger services, with via="api": scope,
the rules of every line, the append-only ledger and the audit live there. Money goes out as a yuan string and as
fen, and comes in as yuan. A line's error names it as details.fields["lines.<n>.<field>"], n counted from 1.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from tongzhou.coops.selectors.cooperatives import cooperative_get
from tongzhou.core.errors import InvalidInput, NotFound, TongzhouError
from tongzhou.ledger import selectors_books as reads
from tongzhou.ledger.domain.vouchers import line_amount_fen
from tongzhou.ledger.models import Book, Voucher
from tongzhou.ledger.selectors import book_list
from tongzhou.ledger.services import (
    book_account_add,
    book_open,
    period_close,
    period_reopen,
    voucher_check,
    voucher_create,
    voucher_delete,
    voucher_post,
    voucher_reverse,
    voucher_uncheck,
    voucher_update,
)
from tongzhou.regions.scope import code_prefix_q, require_read

from .common import COOP_ID, READ_ERRORS, WRITE_ERRORS, money_fields
from .paging import paged
from .schemas_ledger import (
    AccountFilters,
    AccountIn,
    AccountOut,
    BookFilters,
    BookOpenIn,
    BookOut,
    BookPage,
    LineIn,
    PeriodOut,
    ReverseIn,
    VoucherFilters,
    VoucherIn,
    VoucherOut,
    VoucherPage,
    VoucherPatch,
)

router = Router(tags=["账簿 Books"])

WRITE_NOTE = (
    "\n\n违反规则返回 400（details.fields.<字段>，分录为 lines.<行号>.<字段>），冲突（已记账、已结账、已冲销、"
    "审核人即制单人）返回 409，类型或未知字段返回 422；出错时不改动任何数据。"
    "\n\nA broken rule answers 400 (details.fields.<field>, for a line lines.<n>.<field>), a conflict (posted, "
    "closed, already reversed, checker is the maker) 409, a wrong type or unknown field 422; a refused request "
    "changes nothing."
)

BOOK_ID = Path(..., ge=1, description="账套编号 / Book id")
VOUCHER_ID = Path(..., ge=1, description="凭证编号 / Voucher id")
LINE_FIELDS = {"debit_fen": "debit", "credit_fen": "credit", "member": "member_id"}


# ---------------------------------------------------------------- helpers


def _name(user) -> str | None:
    return None if user is None else (user.get_full_name() or user.username)


def _lines(lines: list[LineIn]) -> list[dict[str, Any]]:
    return [
        {
            "account": line.account,
            "debit_fen": line_amount_fen(i, "debit", line.debit),
            "credit_fen": line_amount_fen(i, "credit", line.credit),
            "member": line.member_id,
            "counterparty": line.counterparty,
            "summary": line.summary,
        }
        for i, line in enumerate(lines, start=1)
    ]


def _api_fields(exc: TongzhouError) -> TongzhouError:
    """A service's line error names the API's fields (debit, credit, member_id), not the services' (…_fen)."""
    fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
    if fields:
        renamed = {}
        for key, problem in fields.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "lines":
                parts[2] = LINE_FIELDS.get(parts[2], parts[2])
            renamed[".".join(parts)] = problem
        exc.details["fields"] = renamed
        if exc.details.get("field") in LINE_FIELDS:
            exc.details["field"] = LINE_FIELDS[exc.details["field"]]
    return exc


def _voucher_in_book(user, voucher_id: int) -> Voucher:
    return reads.voucher_get(user=user, voucher_id=voucher_id)


# ---------------------------------------------------------------- output


def book_out(book: Book) -> dict[str, Any]:
    return {
        "id": book.pk,
        "cooperative_id": book.cooperative_id,
        "cooperative_name": book.cooperative.name,
        "chart_key": book.chart.key,
        "chart_name": book.chart.name,
        "chart_document": book.chart.document,
        "start_year": book.start_year,
        "start_month": book.start_month,
        "region_code": book.region_code,
        "closed_through_year": book.cooperative.closed_through_year,
        "created_at": book.created_at,
    }


def account_out(row: reads.AccountRow, parent_codes: dict[int, str]) -> dict[str, Any]:
    a = row.account
    return {
        "id": a.pk,
        "code": a.code,
        "name": a.name,
        "parent_code": parent_codes.get(a.parent_id) if a.parent_id else None,
        "level": a.level,
        "account_class": a.account_class,
        "normal_balance": a.normal_balance,
        "party": a.party,
        "member_id": a.member_id,
        "is_leaf": a.is_leaf,
        "is_active": a.is_active,
        **money_fields("debit", row.debit_fen),
        **money_fields("credit", row.credit_fen),
        **money_fields("balance", row.balance_fen),
    }


def voucher_out(voucher: Voucher) -> dict[str, Any]:
    lines = list(voucher.lines.select_related("account", "member").order_by("line_no"))
    reversal = Voucher.objects.filter(reverses=voucher).values_list("pk", flat=True).first()
    return {
        "id": voucher.pk,
        "book_id": voucher.book_id,
        "date": voucher.date,
        "summary": voucher.summary,
        "attachments": voucher.attachments,
        "status": voucher.status,
        "number": voucher.number,
        "period": f"{voucher.date:%Y-%m}" if voucher.number else None,
        "reverses_id": voucher.reverses_id,
        "reversed_by_id": reversal,
        "source": voucher.source,
        **money_fields("total", sum(line.debit_fen for line in lines)),
        "maker": _name(voucher.maker),
        "made_at": voucher.made_at,
        "checker": _name(voucher.checker),
        "checked_at": voucher.checked_at,
        "poster": _name(voucher.poster),
        "posted_at": voucher.posted_at,
        "lines": [
            {
                "line_no": line.line_no,
                "account": line.account.code,
                "account_name": line.account.name,
                "summary": line.summary,
                **money_fields("debit", line.debit_fen),
                **money_fields("credit", line.credit_fen),
                "member_id": line.member_id,
                "member_name": line.member.display_name if line.member else None,
                "counterparty": line.counterparty,
            }
            for line in lines
        ],
    }


def _fresh(user, voucher_id: int) -> dict[str, Any]:
    return voucher_out(reads.voucher_get(user=user, voucher_id=voucher_id))


# ---------------------------------------------------------------- books


@router.get(
    "/books",
    response={200: BookPage, **READ_ERRORS},
    summary="账套列表 / List books",
    description="可查看范围内的账套，可按地区（含下级）筛选。\n\nThe books within the caller's scopes, by region "
    "(with descendants).",
)
def books_list(request: HttpRequest, filters: Query[BookFilters]) -> dict[str, Any]:
    qs = book_list(user=request.auth)
    if filters.region:
        require_read(request.auth, filters.region)
        qs = qs.filter(code_prefix_q("region_code", filters.region))
    return paged(qs.order_by("region_code", "id"), filters, book_out)


@router.post(
    "/coops/{coop_id}/book",
    response={201: BookOut, **WRITE_ERRORS},
    summary="建账 / Open the book",
    description="为合作社或集体经济组织建账：按组织形式取启用月份时施行的会计制度及其科目。\n\n"
    "Open the books of a cooperative or collective: the chart of its legal form in force on the first month, "
    "with its accounts." + WRITE_NOTE,
)
def book_create(request: HttpRequest, payload: BookOpenIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    book = book_open(
        user=user,
        cooperative=cooperative,
        start_year=payload.start_year,
        start_month=payload.start_month,
        via="api",
    )
    return Status(201, book_out(reads.book_get(user=user, book_id=book.pk)))


@router.get(
    "/coops/{coop_id}/book",
    response={200: BookOut, **READ_ERRORS},
    summary="组织的账套 / The organisation's book",
    description="合作社或集体经济组织的账套；尚未建账时 404（code no_book）。\n\nThe organisation's book; 404 "
    "(code no_book) if none is open.",
)
def book_of_coop(request: HttpRequest, coop_id: int = COOP_ID) -> dict[str, Any]:
    user = request.auth
    book = reads.book_of_cooperative(
        user=user, cooperative=cooperative_get(user=user, cooperative_id=coop_id)
    )
    if book is None:
        raise NotFound("该组织尚未建账。", "The organisation has no books yet.", code="no_book")
    return book_out(book)


@router.get(
    "/books/{book_id}",
    response={200: BookOut, **READ_ERRORS},
    summary="账套 / A book",
    description="一个账套。\n\nOne book.",
)
def books_get(request: HttpRequest, book_id: int = BOOK_ID) -> dict[str, Any]:
    return book_out(reads.book_get(user=request.auth, book_id=book_id))


# ---------------------------------------------------------------- accounts


@router.get(
    "/books/{book_id}/accounts",
    response={200: list[AccountOut], **READ_ERRORS},
    summary="会计科目与余额 / Accounts with balances",
    description="账套的全部科目（按编号），每个科目给出本级及下级已记账的借贷累计和余额；q 按编号开头或名称"
    "查找，leaf=true 只给可记账的末级启用科目。\n\nEvery account of the book in code order, with the posted debits, "
    "credits and balance of it and its sub-accounts; q finds by code prefix or name, leaf=true keeps only active "
    "leaf accounts (what a line may take).",
)
def accounts_list(request: HttpRequest, filters: Query[AccountFilters], book_id: int = BOOK_ID) -> list[dict]:
    user = request.auth
    book = reads.book_get(user=user, book_id=book_id)
    rows = reads.account_rows(user=user, book=book)
    parent_codes = {r.account.pk: r.account.code for r in rows}
    if filters.leaf or filters.q:
        wanted = {
            a.pk for a in reads.account_search(user=user, book=book, text=filters.q or "", limit=10_000)
        }
        if not filters.leaf:
            text = (filters.q or "").strip()
            wanted = {r.account.pk for r in rows if r.account.code.startswith(text) or text in r.account.name}
        rows = [r for r in rows if r.account.pk in wanted]
    return [account_out(r, parent_codes) for r in rows]


@router.post(
    "/books/{book_id}/accounts",
    response={201: AccountOut, **WRITE_ERRORS},
    summary="增设明细科目 / Add a sub-account",
    description="在上级科目下增设明细科目（按成员核算的科目可给 member_id，每个成员一个）；上级随即不再记账。"
    "已有分录的科目不能增设下级。\n\nAdd a sub-account under a parent (member_id under a member account, one per "
    "member); the parent stops taking lines. A parent that has lines takes none." + WRITE_NOTE,
)
def accounts_add(request: HttpRequest, payload: AccountIn, book_id: int = BOOK_ID) -> Status:
    user = request.auth
    book = reads.book_get(user=user, book_id=book_id)
    parent = reads.account_get(user=user, book=book, code=payload.parent)
    member = None
    if payload.member_id is not None:
        member = reads.book_members(user=user, book=book).filter(pk=payload.member_id).first()
        if member is None:
            raise InvalidInput(
                "该成员不属于本社。",
                "The member belongs to another organisation.",
                code="member_of_other_book",
                details={
                    "fields": {
                        "member_id": {
                            "message_zh": "该成员不属于本社。",
                            "message_en": "The member belongs to another organisation.",
                            "code": "member_of_other_book",
                        }
                    }
                },
            )
    try:
        account = book_account_add(
            user=user, parent=parent, name=payload.name, code=payload.code, member=member, via="api"
        )
    except TongzhouError as exc:
        raise _api_fields(exc) from None
    rows = {r.account.pk: r for r in reads.account_rows(user=user, book=book)}
    return Status(201, account_out(rows[account.pk], {parent.pk: parent.code}))


# ---------------------------------------------------------------- vouchers


@router.get(
    "/books/{book_id}/vouchers",
    response={200: VoucherPage, **READ_ERRORS},
    summary="凭证列表 / List vouchers",
    description="账套的凭证，按日期、凭证号；可按月份（YYYY-MM）和状态筛选。\n\nThe book's vouchers by date and "
    "number, by month (YYYY-MM) and status.",
)
def vouchers_list(request: HttpRequest, filters: Query[VoucherFilters], book_id: int = BOOK_ID) -> dict:
    user = request.auth
    book = reads.book_get(user=user, book_id=book_id)
    year = month = None
    if filters.month:
        year, month = (int(part) for part in filters.month.split("-"))
    qs = reads.voucher_rows(user=user, book=book, year=year, month=month, status=filters.status)
    return paged(qs, filters, voucher_out)


@router.post(
    "/books/{book_id}/vouchers",
    response={201: VoucherOut, **WRITE_ERRORS},
    summary="制单 / Draft a voucher",
    description="录入记账凭证（草稿）。每行只在借方或贷方填金额（元）；成员类科目须给 member_id，往来类科目须给 "
    "counterparty；借贷必须相等。\n\nDraft a voucher. Each line has an amount (yuan) on the debit or the credit "
    "side; a member account needs member_id, a counterparty account the counterparty; debits equal credits."
    + WRITE_NOTE,
)
def vouchers_create(request: HttpRequest, payload: VoucherIn, book_id: int = BOOK_ID) -> Status:
    user = request.auth
    book = reads.book_get(user=user, book_id=book_id)
    try:
        voucher = voucher_create(
            user=user,
            book=book,
            date=payload.date,
            summary=payload.summary,
            attachments=payload.attachments,
            lines=_lines(payload.lines),
            via="api",
        )
    except TongzhouError as exc:
        raise _api_fields(exc) from None
    return Status(201, _fresh(user, voucher.pk))


@router.get(
    "/vouchers/{voucher_id}",
    response={200: VoucherOut, **READ_ERRORS},
    summary="凭证 / A voucher",
    description="一张凭证及其分录、制单、审核、记账人和时间，以及冲销关系。\n\nOne voucher with its lines, who "
    "made, checked and posted it and when, and its reversal links.",
)
def vouchers_get(request: HttpRequest, voucher_id: int = VOUCHER_ID) -> dict[str, Any]:
    return _fresh(request.auth, voucher_id)


@router.patch(
    "/vouchers/{voucher_id}",
    response={200: VoucherOut, **WRITE_ERRORS},
    summary="修改草稿 / Change a draft",
    description="只改给出的字段；给出 lines 则替换全部分录。修改会撤销审核。已记账凭证不能修改（409）。\n\n"
    "Only the fields sent change; lines replace every line. A change withdraws the check. A posted voucher "
    "cannot change (409)." + WRITE_NOTE,
)
def vouchers_update(request: HttpRequest, payload: VoucherPatch, voucher_id: int = VOUCHER_ID) -> dict:
    user = request.auth
    voucher = _voucher_in_book(user, voucher_id)
    data = payload.model_dump(exclude_unset=True)
    if data.get("lines") is not None:
        data["lines"] = _lines(payload.lines or [])
    for key in ("date", "summary", "attachments"):
        if key in data and data[key] is None:
            del data[key]
    try:
        voucher_update(user=user, voucher=voucher, via="api", **data)
    except TongzhouError as exc:
        raise _api_fields(exc) from None
    return _fresh(user, voucher_id)


@router.delete(
    "/vouchers/{voucher_id}",
    response={204: None, **WRITE_ERRORS},
    summary="删除草稿 / Delete a draft",
    description="删除草稿凭证；已记账凭证不能删除（409），更正请冲销。\n\nDelete a draft; a posted voucher is never "
    "deleted (409): reverse it." + WRITE_NOTE,
)
def vouchers_delete(request: HttpRequest, voucher_id: int = VOUCHER_ID) -> Status:
    user = request.auth
    voucher_delete(user=user, voucher=_voucher_in_book(user, voucher_id), via="api")
    return Status(204, None)


def _action(request: HttpRequest, voucher_id: int, service) -> dict[str, Any]:
    user = request.auth
    service(user=user, voucher=_voucher_in_book(user, voucher_id), via="api")
    return _fresh(user, voucher_id)


@router.post(
    "/vouchers/{voucher_id}/check",
    response={200: VoucherOut, **WRITE_ERRORS},
    summary="审核 / Check",
    description="审核草稿凭证；审核人不能是制单人（409 checker_is_maker）。\n\nCheck a draft; the checker is not the "
    "maker (409 checker_is_maker)." + WRITE_NOTE,
)
def vouchers_check(request: HttpRequest, voucher_id: int = VOUCHER_ID) -> dict[str, Any]:
    return _action(request, voucher_id, voucher_check)


@router.post(
    "/vouchers/{voucher_id}/uncheck",
    response={200: VoucherOut, **WRITE_ERRORS},
    summary="取消审核 / Withdraw the check",
    description="取消草稿凭证的审核。\n\nWithdraw the check of a draft." + WRITE_NOTE,
)
def vouchers_uncheck(request: HttpRequest, voucher_id: int = VOUCHER_ID) -> dict[str, Any]:
    return _action(request, voucher_id, voucher_uncheck)


@router.post(
    "/vouchers/{voucher_id}/post",
    response={200: VoucherOut, **WRITE_ERRORS},
    summary="记账 / Post",
    description="记账：取本账套本月下一个连续凭证号；须先审核，已结账月份拒绝。\n\nPost a checked draft: it takes the "
    "next gapless number of its book and month; a closed month refuses it." + WRITE_NOTE,
)
def vouchers_post(request: HttpRequest, voucher_id: int = VOUCHER_ID) -> dict[str, Any]:
    return _action(request, voucher_id, voucher_post)


@router.post(
    "/vouchers/{voucher_id}/reverse",
    response={201: VoucherOut, **WRITE_ERRORS},
    summary="红字冲销 / Reverse",
    description="为已记账凭证生成红字冲销凭证（草稿，金额为负），须再审核、记账。每张凭证只能冲销一次，冲销凭证"
    "不能再冲销。\n\nReverse a posted voucher: a new draft with the amounts negated, to be checked and posted. A "
    "voucher is reversed once; a reversal is not reversed." + WRITE_NOTE,
)
def vouchers_reverse(request: HttpRequest, payload: ReverseIn, voucher_id: int = VOUCHER_ID) -> Status:
    user = request.auth
    reversal = voucher_reverse(
        user=user,
        voucher=_voucher_in_book(user, voucher_id),
        date=payload.date,
        summary=payload.summary,
        via="api",
    )
    return Status(201, _fresh(user, reversal.pk))


# ---------------------------------------------------------------- periods


def period_out(row: reads.MonthRow) -> dict[str, Any]:
    period = row.period
    return {
        "year": row.year,
        "month": row.month,
        "period": row.label,
        "status": "closed" if row.closed else "open",
        "vouchers_posted": period.last_number if period else 0,
        "drafts": row.drafts,
        "closed_by": _name(period.closed_by) if period and row.closed else None,
        "closed_at": period.closed_at if period and row.closed else None,
    }


def _month(user, book: Book, year: int, month: int) -> dict[str, Any]:
    for row in reads.month_rows(user=user, book=book):
        if (row.year, row.month) == (year, month):
            return period_out(row)
    raise NotFound("没有该期间。", "No such period.", details={"period": f"{year}-{month:02d}"})


@router.get(
    "/books/{book_id}/periods",
    response={200: list[PeriodOut], **READ_ERRORS},
    summary="会计期间 / Periods",
    description="从启用期间到本月（或最后一个已有期间）的每个月及其结账状态。\n\nEvery month from the book's first "
    "through this month (or its last period), with its state.",
)
def periods_list(request: HttpRequest, book_id: int = BOOK_ID) -> list[dict[str, Any]]:
    user = request.auth
    book = reads.book_get(user=user, book_id=book_id)
    return [period_out(row) for row in reads.month_rows(user=user, book=book)]


@router.post(
    "/books/{book_id}/periods/{year}/{month}/close",
    response={200: PeriodOut, **WRITE_ERRORS},
    summary="结账 / Close a month",
    description="按月顺序结账；本月有未记账凭证时拒绝（409 period_has_drafts）。\n\nClose a month, in order; a "
    "month with unposted vouchers is refused (409 period_has_drafts)." + WRITE_NOTE,
)
def periods_close(request: HttpRequest, year: int, month: int, book_id: int = BOOK_ID) -> dict[str, Any]:
    user = request.auth
    book = reads.book_get(user=user, book_id=book_id)
    period_close(user=user, book=book, year=year, month=month, via="api")
    return _month(user, book, year, month)


@router.post(
    "/books/{book_id}/periods/{year}/{month}/reopen",
    response={200: PeriodOut, **WRITE_ERRORS},
    summary="反结账 / Reopen a month",
    description="反结账最近一个已结账的月份；已年结的年度不能反结账。\n\nReopen the latest closed month, unless its "
    "year is closed." + WRITE_NOTE,
)
def periods_reopen(request: HttpRequest, year: int, month: int, book_id: int = BOOK_ID) -> dict[str, Any]:
    user = request.auth
    book = reads.book_get(user=user, book_id=book_id)
    period_reopen(user=user, book=book, year=year, month=month, via="api")
    return _month(user, book, year, month)
