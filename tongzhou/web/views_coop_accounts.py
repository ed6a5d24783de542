"""Member accounts of a whole region (成员账户, 农民专业合作社法 Art. 43): a paged table and a CSV/XLSX download for
a township or county officer, read through `coops.selectors.region_accounts` (only for whoever reads the whole
region). The download streams: CSV row by row, XLSX through openpyxl's write-only workbook.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tongzhou.coops.models import MemberStatus
from tongzhou.coops.selectors.region_accounts import EXPORT_HEADERS, export_row, region_member_accounts
from tongzhou.core.money import format_yuan
from tongzhou.regions import selectors as region_selectors

from . import forms_coops as f

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> int:
    """The year asked for, else last year: the accounts of a closed financial year."""
    form = f.YearForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["year"]:
        return form.cleaned_data["year"]
    return dt.date.today().year - 1


def _statuses() -> dict[str, str]:
    return {value: str(label) for value, label in MemberStatus.choices}


@login_required
@require_GET
def coop_region_accounts(request: HttpRequest, code: str) -> HttpResponse:
    """One page of every member account of the region's cooperatives."""
    region = region_selectors.region_get(user=request.user, code=code)
    year = _year(request)
    accounts = region_member_accounts(user=request.user, code=code, year=year)
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses = _statuses()
    rows = [
        {
            "account": a,
            "status": statuses.get(a.status, a.status),
            "capital": format_yuan(a.capital_fen),
            "reserve": format_yuan(a.reserve_share_fen),
            "subsidy": format_yuan(a.subsidy_share_fen),
            "amount": format_yuan(a.transactions_amount_fen),
            "quantity": f"{a.transactions_quantity.normalize():f}" if a.transactions_quantity else "0",
        }
        for a in page.object_list
    ]
    context = {
        "region": region,
        "ancestors": region_selectors.region_ancestors(region),
        "year": year,
        "page_obj": page,
        "rows": rows,
    }
    return render(request, "web/coop_region_accounts.html", context)


class _Line:
    """A file-like object whose write() hands back the line csv.writer wrote."""

    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def coop_region_accounts_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The whole region's accounts as CSV (UTF-8 with BOM, streamed) or XLSX."""
    region_selectors.region_get(user=request.user, code=code)
    year = _year(request)
    accounts = region_member_accounts(user=request.user, code=code, year=year)
    statuses = _statuses()
    filename = f"member-accounts-{code}-{year}.{fmt}"
    if fmt == "csv":
        writer = csv.writer(_Line())

        def lines() -> Iterator[str]:
            yield "\ufeff" + writer.writerow(EXPORT_HEADERS)
            for a in accounts:
                yield writer.writerow(export_row(a, statuses))

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("成员账户") + f" {year}")
    sheet.append(EXPORT_HEADERS)
    for a in accounts:
        sheet.append(export_row(a, statuses))
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)
