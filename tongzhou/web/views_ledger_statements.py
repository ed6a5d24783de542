"""The statements of a book and of a region (账簿报表), on screen with a period picker and as XLSX, CSV or PDF;
the year close button. Reads go through `ledger.statements.read` (scoped), the year close through its service."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tongzhou.ledger.services.year_close import year_close
from tongzhou.ledger.statements import exports
from tongzhou.ledger.statements.builders import KINDS, TITLES
from tongzhou.ledger.statements.read import (
    STANDARDS,
    book_get,
    resolve_period,
    statement_for_book,
    statement_for_region,
)
from tongzhou.regions import selectors as region_selectors
from tongzhou.regions.scope import access_for

FILE_FORMATS = ("xlsx", "pdf", "csv")


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    return resolve_period(
        period=request.GET.get("period"), date_from=request.GET.get("from"), date_to=request.GET.get("to")
    )


def _menu(standard: str) -> list[tuple[str, str]]:
    return [(kind, TITLES[(kind, standard)][0]) for kind in KINDS]


def _file(statement, fmt: str) -> HttpResponse:
    response = HttpResponse(exports.render(statement, fmt), content_type=exports.CONTENT_TYPES[fmt])
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(exports.filename(statement, fmt))}"
    )
    return response


def _page(request, statement, context) -> HttpResponse:
    fmt = request.GET.get("format", "")
    if fmt in FILE_FORMATS:
        return _file(statement, fmt)
    query = request.GET.copy()
    query.pop("format", None)
    context.update(
        statement=statement,
        rows=list(zip(exports.display_rows(statement), statement.styles, strict=True)),
        query=query.urlencode(),
        date_from=statement.date_from if statement.kind != "balance-sheet" else context["date_from"],
    )
    return render(request, "web/ledger_statement.html", context)


@login_required
@require_GET
def book_statements(request: HttpRequest, book_id: int) -> HttpResponse:
    """The statements of one book: the period picker, the list, and the year close."""
    book = book_get(user=request.user, book_id=book_id)
    date_from, date_to = _period(request)
    return render(
        request,
        "web/ledger_statements.html",
        {
            "book": book,
            "menu": _menu(book.chart.standard),
            "date_from": date_from,
            "date_to": date_to,
            "can_write": access_for(request.user).can_write(book.region_code),
            "next_year": (book.cooperative.closed_through_year or book.start_year - 1) + 1,
        },
    )


@login_required
@require_GET
def book_statement(request: HttpRequest, book_id: int, kind: str) -> HttpResponse:
    book = book_get(user=request.user, book_id=book_id)
    date_from, date_to = _period(request)
    statement = statement_for_book(
        user=request.user,
        book=book,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        account=request.GET.get("account") or None,
        member=int(request.GET["member"]) if request.GET.get("member", "").isdigit() else None,
    )
    context = {
        "book": book,
        "menu": _menu(book.chart.standard),
        "kind": kind,
        "date_from": date_from,
        "date_to": date_to,
    }
    return _page(request, statement, context)


@login_required
@require_GET
def region_statement(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    region = region_selectors.region_get(user=request.user, code=code)
    standard = request.GET.get("standard") or STANDARDS[0]
    date_from, date_to = _period(request)
    statement = statement_for_region(
        user=request.user,
        region_code=region.code,
        standard=standard,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
    )
    context = {
        "region": region,
        "standard": standard,
        "standards": STANDARDS,
        "menu": [(k, t) for k, t in _menu(standard) if k != "subsidiary-ledger"],
        "kind": kind,
        "date_from": date_from,
        "date_to": date_to,
    }
    return _page(request, statement, context)


@login_required
@require_POST
def book_year_close(request: HttpRequest, book_id: int) -> HttpResponse:
    book = book_get(user=request.user, book_id=book_id)
    year_text = request.POST.get("year", "")
    year = int(year_text) if year_text.isdigit() else year_text
    vouchers = year_close(user=request.user, book=book, year=year, via="web")
    messages.success(
        request,
        _("%(year)s 年已年结，生成结转凭证 %(count)s 张。") % {"year": year, "count": len(vouchers)},
    )
    return redirect("web:ledger_statements", book_id=book.pk)
