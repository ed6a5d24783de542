"""The book pages (账簿): a cooperative's or collective's book with its chart and accounts, the voucher list,
voucher entry (lines added by htmx, account search, member picker, live debit/credit check), a voucher with its
check, posting and reversal (红字冲销), and the months with their close and reopen.

Reads go through the ledger selectors and writes through the ledger services, which check scope and every rule;
a service's error comes back next to the field or voucher line it names. Forms are shown only to users who may
write the book's region, and every POST asks for write access first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongzhou.coops.models import Cooperative
from tongzhou.coops.selectors.cooperatives import cooperative_get
from tongzhou.core.errors import TongzhouError
from tongzhou.core.money import format_yuan
from tongzhou.ledger import selectors_books as reads
from tongzhou.ledger import services as writes
from tongzhou.ledger.models import Book, BookAccount, Party, Voucher, VoucherStatus
from tongzhou.ledger.services.charts import chart_in_force
from tongzhou.regions import selectors as region_selectors
from tongzhou.regions.scope import access_for, require_write

from . import forms_ledger as f
from .forms import add_service_error

PAGE_SIZE = 50
MIN_ROWS = 2


# ---- helpers -------------------------------------------------------------------------------------------------


def _english() -> bool:
    return (translation.get_language() or "").lower().startswith("en")


def _problem_message(problem: dict, fallback: str) -> str:
    return str(problem.get("message_en" if _english() else "message_zh") or fallback)


def _can_write(request: HttpRequest, book_or_coop: Book | Cooperative) -> bool:
    return access_for(request.user).can_write(book_or_coop.region_code)


def _page_context(request: HttpRequest, book: Book, section: str) -> dict[str, Any]:
    region = region_selectors.region_get(user=request.user, code=book.region_code)
    return {
        "book": book,
        "coop": book.cooperative,
        "region": region,
        "ancestors": region_selectors.region_ancestors(region),
        "section": section,
        "can_write": _can_write(request, book),
    }


def _writable_book(request: HttpRequest, book_id: int) -> Book:
    book = reads.book_get(user=request.user, book_id=book_id)
    require_write(request.user, book.region_code)
    return book


def _writable_voucher(request: HttpRequest, voucher_id: int) -> Voucher:
    voucher = reads.voucher_get(user=request.user, voucher_id=voucher_id)
    require_write(request.user, voucher.region_code)
    return voucher


def _member_choices(request: HttpRequest, book: Book) -> list[tuple[int, str]]:
    return [(m.pk, f"{m.pk} · {m.display_name}") for m in reads.book_members(user=request.user, book=book)]


def _describe_rows(book: Book, rows: list[f.LineRow]) -> None:
    """Name each row's account and say whether it needs a member or a counterparty."""
    codes = {r.account for r in rows if r.account}
    accounts = {a.code: a for a in BookAccount.objects.filter(book=book, code__in=codes)}
    for row in rows:
        account = accounts.get(row.account)
        row.account_label = account.name if account else ""
        row.needs_member = bool(account and account.party == Party.MEMBER)
        row.needs_counterparty = bool(account and account.party == Party.COUNTERPARTY)
        if account is not None and account.member_id and not row.member:
            row.member = str(account.member_id)


def _totals_context(book: Book, rows: list[f.LineRow]) -> dict[str, Any]:
    debit, credit, readable = f.line_totals(rows)
    return {
        "totals_url": reverse("web:ledger_voucher_totals", args=[book.pk]),
        "debit_total": format_yuan(debit),
        "credit_total": format_yuan(credit),
        "difference": format_yuan(abs(debit - credit)),
        "balanced": readable and debit == credit and debit > 0,
        "readable": readable,
    }


def _voucher_error(form, kept: list[f.LineRow], exc: TongzhouError) -> str:
    """Put a service's error next to what it names: a head field, a line's field, or the lines as a whole (the
    balance check); the returned message is the one that belongs above the lines."""
    fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
    lines_message = ""
    if not fields:
        form.add_error(None, exc.message)
        return ""
    for name, problem in fields.items():
        message = _problem_message(problem, exc.message)
        if name.startswith("lines."):
            _lines, number, field_name = name.split(".", 2)
            field_name = {"debit_fen": "debit", "credit_fen": "credit"}.get(field_name, field_name)
            if number.isdigit() and 1 <= int(number) <= len(kept):
                kept[int(number) - 1].errors[field_name] = message
                continue
        if name == "lines":
            lines_message = message
        elif name in form.fields:
            form.add_error(name, message)
        else:
            form.add_error(None, exc.message)
    return lines_message


# ---- the book ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def book_page(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    """The organisation's book: its chart and the accounts tree with balances; the form to open it if none."""
    cooperative = cooperative_get(user=request.user, cooperative_id=cooperative_id)
    book = reads.book_of_cooperative(user=request.user, cooperative=cooperative)
    if book is None:
        return _book_open_page(request, cooperative, f.BookOpenForm())
    return _book_page(request, book)


def _book_open_page(request: HttpRequest, cooperative: Cooperative, form, status: int = 200) -> HttpResponse:
    region = region_selectors.region_get(user=request.user, code=cooperative.region_code)
    try:
        chart = chart_in_force(cooperative.legal_form, dt.date.today())
    except TongzhouError:
        chart = None
    context = {
        "coop": cooperative,
        "region": region,
        "ancestors": region_selectors.region_ancestors(region),
        "can_write": _can_write(request, cooperative),
        "chart": chart,
        "open_form": form,
    }
    return render(request, "web/ledger_open.html", context, status=status)


def _book_page(request: HttpRequest, book: Book, account_form=None, status: int = 200) -> HttpResponse:
    rows = reads.account_rows(user=request.user, book=book)
    accounts = [
        {
            "row": r,
            "a": r.account,
            "balance": format_yuan(abs(r.balance_fen)) if r.balance_fen else "",
            "side": {"debit": _("借"), "credit": _("贷")}.get(r.side, _("平")),
        }
        for r in rows
    ]
    parents = [(r.account.code, f"{r.account.code} {r.account.name}") for r in rows if r.account.is_active]
    context = {
        **_page_context(request, book, "accounts"),
        "accounts": accounts,
        "account_form": account_form
        or f.AccountAddForm(parents=parents, members=_member_choices(request, book)),
    }
    return render(request, "web/ledger_book.html", context, status=status)


@login_required
@require_POST
def book_open(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = cooperative_get(user=request.user, cooperative_id=cooperative_id)
    require_write(request.user, cooperative.region_code)
    form = f.BookOpenForm(request.POST)
    if form.is_valid():
        try:
            writes.book_open(
                user=request.user,
                cooperative=cooperative,
                start_year=form.cleaned_data["start_year"],
                start_month=form.cleaned_data["start_month"],
            )
        except TongzhouError as exc:
            if exc.http_status in (403, 404):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, _("已建账。"))
            return redirect("web:ledger_book", cooperative_id=cooperative.pk)
    return _book_open_page(request, cooperative, form, status=400)


@login_required
@require_POST
def account_add(request: HttpRequest, book_id: int) -> HttpResponse:
    book = _writable_book(request, book_id)
    accounts = {a.code: a for a in BookAccount.objects.filter(book=book, is_active=True)}
    parents = [(code, f"{code} {a.name}") for code, a in sorted(accounts.items())]
    form = f.AccountAddForm(request.POST, parents=parents, members=_member_choices(request, book))
    if form.is_valid():
        data = form.cleaned_data
        member = None
        if data["member"] is not None:
            member = reads.book_members(user=request.user, book=book).filter(pk=data["member"]).first()
        if data["member"] is not None and member is None:
            form.add_error("member", _("请从列表中选择。"))
        else:
            try:
                account = writes.book_account_add(
                    user=request.user,
                    parent=accounts[data["parent"]],
                    name=data["name"],
                    code=data["code"] or None,
                    member=member,
                )
            except TongzhouError as exc:
                if exc.http_status in (403, 404):
                    raise
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("已增设明细科目 %(code)s %(name)s。") % {"code": account.code, "name": account.name},
                )
                return redirect(reverse("web:ledger_book", args=[book.cooperative_id]) + "#accounts")
    return _book_page(request, book, account_form=form, status=400)


# ---- vouchers ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def voucher_list(request: HttpRequest, book_id: int) -> HttpResponse:
    book = reads.book_get(user=request.user, book_id=book_id)
    filters = f.VoucherFilter(request.GET or None)
    year = month = None
    status = ""
    if filters.is_valid():
        if filters.cleaned_data["month"]:
            year, month = (int(part) for part in filters.cleaned_data["month"].split("-"))
        status = filters.cleaned_data["status"]
    qs = reads.voucher_rows(user=request.user, book=book, year=year, month=month, status=status or None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    vouchers = list(page.object_list)
    totals = _line_totals(vouchers)
    reversed_by = dict(
        Voucher.objects.filter(reverses__in=[v.pk for v in vouchers]).values_list("reverses_id", "pk")
    )
    rows = [
        {"v": v, "amount": format_yuan(totals.get(v.pk, 0)), "reversed_by": reversed_by.get(v.pk)}
        for v in vouchers
    ]
    context = {
        **_page_context(request, book, "vouchers"),
        "filters": filters if filters.is_bound else f.VoucherFilter(),
        "page_obj": page,
        "rows": rows,
    }
    return render(request, "web/ledger_vouchers.html", context)


def _line_totals(vouchers: list[Voucher]) -> dict[int, int]:
    from django.db.models import Sum

    from tongzhou.ledger.models import VoucherLine

    # The vouchers were read through the scoped voucher_rows.
    return dict(
        VoucherLine.objects.filter(voucher__in=[v.pk for v in vouchers])
        .values("voucher_id")
        .annotate(total=Sum("debit_fen"))
        .values_list("voucher_id", "total")
    )


def _entry_page(
    request: HttpRequest,
    book: Book,
    form,
    rows: list[f.LineRow],
    *,
    voucher: Voucher | None = None,
    lines_error: str = "",
    status: int = 200,
) -> HttpResponse:
    while len(rows) < MIN_ROWS:
        rows.append(f.LineRow(index=max([r.index for r in rows], default=-1) + 1))
    _describe_rows(book, rows)
    context = {
        **_page_context(request, book, "vouchers"),
        "form": form,
        "rows": rows,
        "voucher": voucher,
        "members": _member_choices(request, book),
        "lines_error": lines_error,
        **_totals_context(book, rows),
    }
    return render(request, "web/ledger_voucher_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def voucher_new(request: HttpRequest, book_id: int) -> HttpResponse:
    """Enter a voucher (制单) and save it as a draft."""
    book = _writable_book(request, book_id)
    if request.method == "GET":
        form = f.VoucherForm(initial={"date": dt.date.today(), "attachments": 0})
        return _entry_page(request, book, form, [])
    return _save_voucher(request, book, None)


@login_required
@require_http_methods(["GET", "POST"])
def voucher_edit(request: HttpRequest, voucher_id: int) -> HttpResponse:
    """Change a draft; a posted voucher is corrected by reversal instead."""
    voucher = _writable_voucher(request, voucher_id)
    if voucher.is_posted or voucher.reverses_id:
        messages.error(request, _("已记账凭证和红字冲销凭证不能修改。"))
        return redirect("web:ledger_voucher", voucher_id=voucher.pk)
    if request.method == "GET":
        form = f.VoucherForm(
            initial={"date": voucher.date, "summary": voucher.summary, "attachments": voucher.attachments}
        )
        return _entry_page(request, voucher.book, form, f.line_rows_of(voucher), voucher=voucher)
    return _save_voucher(request, voucher.book, voucher)


def _save_voucher(request: HttpRequest, book: Book, voucher: Voucher | None) -> HttpResponse:
    form = f.VoucherForm(request.POST)
    rows = f.line_rows_read(request.POST)
    lines, kept = f.voucher_lines_read(rows)
    lines_error = ""
    if form.is_valid() and not any(r.errors for r in rows):
        data = form.cleaned_data
        head = {
            "date": data["date"],
            "summary": data["summary"],
            "attachments": data["attachments"] if data["attachments"] is not None else 0,
            "lines": lines,
        }
        try:
            if voucher is None:
                saved = writes.voucher_create(user=request.user, book=book, **head)
            else:
                saved = writes.voucher_update(user=request.user, voucher=voucher, **head)
        except TongzhouError as exc:
            if exc.http_status in (403, 404):
                raise
            lines_error = _voucher_error(form, kept, exc)
        else:
            messages.success(request, _("凭证已保存为草稿，待审核。"))
            return redirect("web:ledger_voucher", voucher_id=saved.pk)
    return _entry_page(
        request,
        book,
        form,
        [r for r in rows if not r.blank] or rows,
        voucher=voucher,
        lines_error=lines_error,
        status=400,
    )


@login_required
@require_GET
def voucher_line(request: HttpRequest, book_id: int) -> HttpResponse:
    """One line row (htmx): a new empty row after the others (`add`), or a row again with the account chosen from
    the search (`account`), which shows the member picker when the account needs a member."""
    book = _writable_book(request, book_id)
    rows = f.line_rows_read(request.GET)
    if request.GET.get("add"):
        row = f.LineRow(index=max([r.index for r in rows], default=-1) + 1)
    else:
        index = request.GET.get("index", "")
        index = int(index) if index.isdigit() and int(index) < 1000 else 0
        row = next((r for r in rows if r.index == index), f.LineRow(index=index))
        chosen = request.GET.get("account")
        if chosen is not None:
            row.account = chosen.strip()[:20]
            row.member = ""
    _describe_rows(book, [row])
    context = {"row": row, "book": book, "members": _member_choices(request, book)}
    return render(request, "web/_ledger_line.html", context)


@login_required
@require_GET
def account_search(request: HttpRequest, book_id: int) -> HttpResponse:
    """The autocomplete of a line's account (htmx): leaf, active accounts by code prefix or name."""
    book = _writable_book(request, book_id)
    index = request.GET.get("index", "")
    index = int(index) if index.isdigit() and int(index) < 1000 else 0
    text = request.GET.get("q")
    if text is None:
        text = request.GET.get(f"lines-{index}-account", "")
    found = reads.account_search(user=request.user, book=book, text=text[:60])
    context = {"accounts": found, "index": index, "book": book, "text": text}
    return render(request, "web/_ledger_account_results.html", context)


@login_required
@require_GET
def voucher_totals(request: HttpRequest, book_id: int) -> HttpResponse:
    """The live debit/credit totals of the lines typed so far (htmx)."""
    book = _writable_book(request, book_id)
    return render(request, "web/_ledger_totals.html", _totals_context(book, f.line_rows_read(request.GET)))


def _voucher_lines(voucher: Voucher) -> tuple[list[dict[str, Any]], int, int]:
    lines = list(voucher.lines.select_related("account", "member").order_by("line_no"))
    rows = [
        {
            "l": line,
            "debit": format_yuan(line.debit_fen) if line.debit_fen else "",
            "credit": format_yuan(line.credit_fen) if line.credit_fen else "",
        }
        for line in lines
    ]
    return rows, sum(x.debit_fen for x in lines), sum(x.credit_fen for x in lines)


@login_required
@require_GET
def voucher_detail(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = reads.voucher_get(user=request.user, voucher_id=voucher_id)
    return _detail_page(request, voucher)


def _detail_page(
    request: HttpRequest, voucher: Voucher, *, action_error: str = "", reverse_form=None, status: int = 200
) -> HttpResponse:
    rows, debit, credit = _voucher_lines(voucher)
    user = request.user
    can_write = _can_write(request, voucher)
    draft = voucher.status == VoucherStatus.DRAFT
    is_maker = voucher.maker_id is not None and voucher.maker_id == user.pk
    reversal = reads.voucher_reversal(voucher)
    context = {
        **_page_context(request, voucher.book, "vouchers"),
        "voucher": voucher,
        "lines": rows,
        "debit_total": format_yuan(debit),
        "credit_total": format_yuan(credit),
        "reversal": reversal,
        "action_error": action_error,
        "is_maker": is_maker,
        "may_edit": can_write and draft and voucher.reverses_id is None,
        "may_delete": can_write and draft,
        "may_check": can_write and draft and voucher.checker_id is None and not is_maker,
        "may_uncheck": can_write and draft and voucher.checker_id is not None,
        "may_post": can_write and draft and voucher.checker_id is not None,
        "may_reverse": can_write and voucher.is_posted and voucher.reverses_id is None and reversal is None,
        "reverse_form": reverse_form or f.ReverseForm(),
    }
    return render(request, "web/ledger_voucher.html", context, status=status)


ACTIONS = {
    "check": (writes.voucher_check, gettext_lazy("凭证已审核。")),
    "uncheck": (writes.voucher_uncheck, gettext_lazy("已取消审核。")),
    "post": (writes.voucher_post, gettext_lazy("凭证已记账。")),
}


@login_required
@require_POST
def voucher_action(request: HttpRequest, voucher_id: int, action: str) -> HttpResponse:
    """Check (审核), withdraw the check, or post (记账) a voucher."""
    voucher = _writable_voucher(request, voucher_id)
    service, done = ACTIONS[action]
    try:
        service(user=request.user, voucher=voucher)
    except TongzhouError as exc:
        if exc.http_status in (403, 404):
            raise
        voucher = reads.voucher_get(user=request.user, voucher_id=voucher_id)
        return _detail_page(request, voucher, action_error=exc.message, status=exc.http_status)
    messages.success(request, done)
    return redirect("web:ledger_voucher", voucher_id=voucher.pk)


@login_required
@require_POST
def voucher_reverse(request: HttpRequest, voucher_id: int) -> HttpResponse:
    """Reverse a posted voucher (红字冲销): a new draft with the amounts negated, to be checked and posted."""
    voucher = _writable_voucher(request, voucher_id)
    form = f.ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = writes.voucher_reverse(
                user=request.user,
                voucher=voucher,
                date=form.cleaned_data["date"],
                summary=form.cleaned_data["summary"] or None,
            )
        except TongzhouError as exc:
            if exc.http_status in (403, 404):
                raise
            if isinstance(exc.details, dict) and exc.details.get("fields"):
                add_service_error(form, exc)
                return _detail_page(request, voucher, reverse_form=form, status=exc.http_status)
            return _detail_page(request, voucher, action_error=exc.message, status=exc.http_status)
        else:
            messages.success(request, _("已生成红字冲销凭证，请审核后记账。"))
            return redirect("web:ledger_voucher", voucher_id=reversal.pk)
    return _detail_page(request, voucher, reverse_form=form, status=400)


@login_required
@require_POST
def voucher_delete(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = _writable_voucher(request, voucher_id)
    book_id = voucher.book_id
    try:
        writes.voucher_delete(user=request.user, voucher=voucher)
    except TongzhouError as exc:
        if exc.http_status in (403, 404):
            raise
        return _detail_page(request, voucher, action_error=exc.message, status=exc.http_status)
    messages.success(request, _("草稿凭证已删除。"))
    return redirect("web:ledger_vouchers", book_id=book_id)


# ---- periods -------------------------------------------------------------------------------------------------


@login_required
@require_GET
def period_list(request: HttpRequest, book_id: int) -> HttpResponse:
    book = reads.book_get(user=request.user, book_id=book_id)
    return _periods_page(request, book)


def _periods_page(request: HttpRequest, book: Book, *, error: str = "", status: int = 200) -> HttpResponse:
    months = reads.month_rows(user=request.user, book=book)
    first_open = next((m for m in months if not m.closed), None)
    last_closed = next((m for m in reversed(months) if m.closed), None)
    context = {
        **_page_context(request, book, "periods"),
        "months": months,
        "first_open": first_open,
        "last_closed": last_closed,
        "period_error": error,
    }
    return render(request, "web/ledger_periods.html", context, status=status)


@login_required
@require_POST
def period_action(request: HttpRequest, book_id: int, action: str) -> HttpResponse:
    """Close a month (结账) or reopen the latest closed one (反结账)."""
    book = _writable_book(request, book_id)
    form = f.PeriodForm(request.POST)
    if not form.is_valid():
        return _periods_page(request, book, error=_("年度或月份不正确。"), status=400)
    year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    service = writes.period_close if action == "close" else writes.period_reopen
    try:
        service(user=request.user, book=book, year=year, month=month)
    except TongzhouError as exc:
        if exc.http_status in (403, 404):
            raise
        return _periods_page(request, book, error=exc.message, status=exc.http_status)
    if action == "close":
        messages.success(request, _("%(year)s 年 %(month)s 月已结账。") % {"year": year, "month": month})
    else:
        messages.success(request, _("%(year)s 年 %(month)s 月已反结账。") % {"year": year, "month": month})
    return redirect("web:ledger_periods", book_id=book.pk)
