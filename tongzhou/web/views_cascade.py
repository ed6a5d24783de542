"""The cascade view (利益链): where a county's year's surplus went, body by body and household by household, for the
region asked for — a county officer sees the county, a township officer their township's part, a village cadre
their village's (issue 5, point 6).

The page shows the latest cascade of the county holding the region: totals (what reached households, by the level
the money was made at, and what the bodies kept), the bodies top-down (own surplus, from above, paid on, kept), the
households paged with a search and a CSV/XLSX download, and one household's paths. Reads go through
`distribution.selectors_cascade`, the computation through `cascade_compute`, which asks for read access to the
whole county: the form is shown only to users who hold it. Household numbers and head names are shown as the
register's lists show them; phones only on a household's own paths and masked per role; no ID numbers.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet, Sum
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tongzhou.coops.models import Level
from tongzhou.coops.selectors.cooperatives import cooperative_list
from tongzhou.core.errors import InvalidInput, NotFound, TongzhouError
from tongzhou.core.money import fen_to_yuan_str, format_yuan
from tongzhou.distribution import selectors_cascade as reads
from tongzhou.distribution.models import CascadeBodyLine, CascadeHouseholdLine, CascadeRun
from tongzhou.distribution.services import cascade_compute
from tongzhou.households.selectors import display_phone, shows_full_identifiers
from tongzhou.regions import selectors as region_selectors
from tongzhou.regions.scope import access_for

from .forms import add_service_error
from .forms_coops import YuanField

PAGE_SIZE = 50
BODY_PAGE_SIZE = 100
FILE_FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BODY_SUMS = (
    "own_surplus_fen",
    "income_from_above_fen",
    "paid_to_bodies_fen",
    "paid_to_households_fen",
    "kept_fen",
)
KINDS = {
    "patronage_return": gettext_lazy("按交易量返还"),
    "remainder_share": gettext_lazy("剩余盈余返还"),
    "collective_share": gettext_lazy("村集体分配"),
    "income_right": gettext_lazy("收益权分配"),
    "secondary": gettext_lazy("二次分配"),
}
SOURCES = {
    "ledger": gettext_lazy("账簿"),
    "run": gettext_lazy("分配方案"),
    "given": gettext_lazy("填写"),
    "none": gettext_lazy("无"),
}


class CascadeComputeForm(forms.Form):
    """(Re)compute the county's cascade; the platform company keeps no books here, so its surplus may be typed."""

    platform = forms.TypedChoiceField(
        label=gettext_lazy("县级平台公司"), choices=[], coerce=int, required=False, empty_value=None
    )
    platform_surplus_fen = YuanField(
        label=gettext_lazy("平台公司本年盈余（元，留空则取其分配方案或为零）"), required=False, max_length=30
    )

    def __init__(self, *args: Any, platforms: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "cascade")
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = [("", "—"), *(platforms or [])]
        self.fields["platform_surplus_fen"].widget.attrs.update(inputmode="decimal", autocomplete="off")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("platform_surplus_fen") is not None and data.get("platform") is None:
            choices = [c for c, _label in self.fields["platform"].choices if c != ""]
            if len(choices) == 1:
                data["platform"] = choices[0]
            else:
                self.add_error("platform", _("填写平台公司盈余时请选择平台公司。"))
        return data


# ---- helpers -------------------------------------------------------------------------------------------------


def _year(year: int | str) -> int:
    year = int(year)  # the URL's four digits
    if not 1990 <= year <= 2100:
        raise NotFound("年度不正确。", "No such year.", details={"year": year})
    return year


def _check_code(code: str) -> str:
    """The cascade is a county's: a province or prefecture has none of its own."""
    if len(code) < 6:
        raise InvalidInput(
            "利益链按县计算：请选择一个县、乡镇或村。",
            "The benefit chain is computed per county: choose a county, township or village.",
            code="region_code_invalid",
            details={"field": "region_code", "value": code},
        )
    return code


def _platforms(user, county: str) -> list[tuple[int, str]]:
    return [(c.pk, c.name) for c in cooperative_list(user=user, region_code=county, level=Level.COUNTY)]


def _compute_form(user, county: str, cascade: CascadeRun | None, bound=None) -> CascadeComputeForm | None:
    """The compute form, for a user who may read the whole county (what `cascade_compute` asks), else None."""
    if not access_for(user).can_read(county):
        return None
    if bound is not None:
        return bound
    platforms = _platforms(user, county)
    initial: dict[str, Any] = {"platform": platforms[0][0] if len(platforms) == 1 else None}
    given = (cascade.inputs.get("bodies", {}) if cascade is not None else {}) or {}
    for body_id, body in given.items():
        if body.get("surplus_source") == "given" and int(body_id) in {p for p, _n in platforms}:
            initial = {"platform": int(body_id), "platform_surplus_fen": fen_to_yuan_str(body["surplus_fen"])}
            break
    return CascadeComputeForm(initial=initial, platforms=platforms)


def _pct(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / whole:.1f}" if whole > 0 else "0.0"


def _households(user, cascade: CascadeRun, code: str, q: str) -> QuerySet[CascadeHouseholdLine]:
    rows = reads.cascade_households(user=user, cascade=cascade, region_code=code)
    if q:
        rows = rows.filter(
            Q(household__number__startswith=q) | Q(household__head_name__contains=q) | Q(key=q)
        )
    return rows


def _village_names(user, code: str) -> dict[str, str]:
    villages = region_selectors.region_list(user=user, level="village")
    villages = villages.filter(code__startswith=code) if len(code) < 12 else villages.filter(code=code)
    return dict(villages.values_list("code", "name"))


def _household_row(line: CascadeHouseholdLine, villages: dict[str, str]) -> dict[str, Any]:
    household = line.household
    return {
        "line": line,
        "village": villages.get(line.village_code, line.village_code),
        "number": household.number if household else "",
        "name": household.head_name if household else _("组织成员 %(key)s") % {"key": line.key},
        "total": format_yuan(line.total_fen),
        "county": format_yuan(line.from_county_fen),
        "township": format_yuan(line.from_township_fen),
        "village_part": format_yuan(line.from_village_fen),
        "converted": format_yuan(line.converted_to_capital_fen),
        "cash": format_yuan(line.cash_fen),
    }


def _body_row(line: CascadeBodyLine) -> dict[str, Any]:
    return {
        "line": line,
        "level": Level(line.level).label if line.level in Level.values else line.level,
        "source": SOURCES.get(line.surplus_source, line.surplus_source),
        **{name[:-4]: format_yuan(getattr(line, name)) for name in BODY_SUMS},
    }


def _origin_bars(totals: reads.CascadeTotals) -> list[dict[str, Any]]:
    """What reached the households by the level the money was made at, as CSS bars (no chart library)."""
    parts = [
        (_("县级平台公司"), totals.from_county_fen, "county"),
        (_("乡镇联合社"), totals.from_township_fen, "township"),
        (_("村级合作社与集体经济组织"), totals.from_village_fen, "village"),
    ]
    return [
        {"label": label, "amount": format_yuan(fen), "pct": _pct(fen, totals.total_fen), "kind": kind}
        for label, fen, kind in parts
    ]


def _download_headers() -> list[str]:
    return [
        _("村代码"),
        _("村"),
        _("户编号"),
        _("户主"),
        _("合计（元）"),
        _("源自县级平台（元）"),
        _("源自乡镇联合社（元）"),
        _("源自村级组织（元）"),
        _("转为出资（元）"),
        _("现金（元）"),
    ]


def _download_cells(line: CascadeHouseholdLine, villages: dict[str, str]) -> list[Any]:
    household = line.household
    return [
        line.village_code,
        villages.get(line.village_code, ""),
        household.number if household else "",
        household.head_name if household else line.key,
        line.total_fen,
        line.from_county_fen,
        line.from_township_fen,
        line.from_village_fen,
        line.converted_to_capital_fen,
        line.cash_fen,
    ]


MONEY_COLUMNS = range(4, 10)


class _Line:
    """A file-like object whose write() hands back the line csv.writer wrote."""

    def write(self, value: str) -> str:
        return value


def _households_file(rows: QuerySet, villages: dict[str, str], fmt: str, filename: str) -> HttpResponse:
    """Every household row of the region (and search) as CSV (UTF-8 with BOM, streamed) or XLSX (write-only)."""
    head = _download_headers()
    lines: Iterable[CascadeHouseholdLine] = rows.iterator(chunk_size=2000)
    if fmt == "csv":
        writer = csv.writer(_Line())

        def out() -> Iterator[str]:
            yield "\ufeff" + writer.writerow(head)
            for line in lines:
                cells = _download_cells(line, villages)
                yield writer.writerow(
                    [fen_to_yuan_str(c) if i in MONEY_COLUMNS else c for i, c in enumerate(cells)]
                )

        response = StreamingHttpResponse(out(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("利益链农户明细"))
    sheet.append(head)
    for line in lines:
        row = []
        for i, c in enumerate(_download_cells(line, villages)):
            if i in MONEY_COLUMNS:
                cell = WriteOnlyCell(sheet, value=Decimal(c) / 100)
                cell.number_format = "#,##0.00"
                row.append(cell)
            else:
                row.append(c)
        sheet.append(row)
    file = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(file)
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX)


def _base(request: HttpRequest, code: str, year: int | str) -> dict[str, Any]:
    year = _year(year)
    region = region_selectors.region_get(user=request.user, code=_check_code(code))
    cascade = reads.cascade_latest(user=request.user, region_code=code, year=year)
    return {
        "region": region,
        "ancestors": region_selectors.region_ancestors(region),
        "year": year,
        "county_code": code[:6],
        "cascade": cascade,
    }


def _page(request: HttpRequest, code: str, year: int | str, *, bound=None, status: int = 200) -> HttpResponse:
    user = request.user
    context = _base(request, code, year)
    year = context["year"]
    cascade: CascadeRun | None = context["cascade"]
    context["form"] = _compute_form(user, code[:6], cascade, bound)
    if cascade is None:
        # An unknown year: a clear answer, and the form for whoever may compute it.
        return render(
            request, "web/distribution/cascade.html", context, status=404 if bound is None else status
        )
    q = (request.GET.get("q") or "").strip()[:30]
    villages = _village_names(user, code)
    rows = _households(user, cascade, code, q)
    fmt = request.GET.get("format", "")
    if fmt in FILE_FORMATS and bound is None:
        return _households_file(rows, villages, fmt, f"cascade-{code}-{year}")
    bodies = reads.cascade_bodies(user=user, cascade=cascade, region_code=code)
    body_sums = bodies.order_by().aggregate(**{name: Sum(name) for name in BODY_SUMS})
    body_page = Paginator(bodies, BODY_PAGE_SIZE).get_page(request.GET.get("bpage"))
    page = reads.cascade_page(rows, page=request.GET.get("page") or 1, per_page=PAGE_SIZE)
    totals = reads.cascade_household_totals(user=user, cascade=cascade, region_code=code)
    context.update(
        q=q,
        totals=totals,
        totals_shown={
            "total": format_yuan(totals.total_fen),
            "converted": format_yuan(totals.converted_to_capital_fen),
            "cash": format_yuan(totals.total_fen - totals.converted_to_capital_fen),
            **{name[:-4]: format_yuan(body_sums[name] or 0) for name in BODY_SUMS},
        },
        bars=_origin_bars(totals),
        bodies=[_body_row(b) for b in body_page.object_list],
        body_page=body_page,
        page_obj=page,
        households=[_household_row(h, villages) for h in page.object_list],
    )
    return render(request, "web/distribution/cascade.html", context, status=status)


# ---- pages ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def cascade_page(request: HttpRequest, code: str, year: str) -> HttpResponse:
    """The region's part of its county's latest cascade (?q= searches households, ?format=csv|xlsx downloads;
    ?year= from the year picker goes to that year's page)."""
    wanted = request.GET.get("year", "")
    if wanted.isdigit() and len(wanted) == 4 and wanted != str(year):
        return redirect("web:cascade", code=code, year=wanted)
    return _page(request, code, year)


@login_required
@require_GET
def cascade_household(request: HttpRequest, code: str, year: str, household_id: str) -> HttpResponse:
    """One household's receipts in the cascade, path by path: where the money was made and who paid it on."""
    user = request.user
    context = _base(request, code, year)
    year = context["year"]
    cascade: CascadeRun | None = context["cascade"]
    if cascade is None:
        raise NotFound(
            f"{year} 年度尚未计算利益链。",
            f"No benefit chain has been computed for {year}.",
            details={"year": year},
        )
    line = (
        reads.cascade_households(user=user, cascade=cascade, region_code=code)
        .filter(household_id=int(household_id))
        .first()
    )
    if line is None:
        raise NotFound(
            "该农户不在本利益链中。",
            "The household has no line in this benefit chain.",
            details={"household_id": household_id},
        )
    names = _path_bodies(cascade, line.by_path)
    paths = []
    for text, amount in sorted(line.by_path.items(), key=lambda item: (-item[1], item[0])):
        chain, _sep, kind = text.partition("|")
        ids = [int(x) for x in chain.split(">") if x.isdigit()]
        steps = [names.get(i, {"name": f"#{i}", "level": ""}) for i in ids]
        paths.append(
            {
                "steps": steps,
                "origin": steps[0]["level"] if steps else "",
                "kind": KINDS.get(kind, kind),
                "amount": format_yuan(amount),
                "pct": _pct(amount, line.total_fen),
            }
        )
    household = line.household
    context.update(
        line=line,
        household=household,
        phone=display_phone(user=user, household=household) if household else "",
        masked=not shows_full_identifiers(user=user, village_code=line.village_code),
        village=_village_names(user, line.village_code or code).get(line.village_code, line.village_code),
        shown=_household_row(line, {}),
        paths=paths,
    )
    return render(request, "web/distribution/cascade.html", context)


def _path_bodies(cascade: CascadeRun, by_path: dict[str, int]) -> dict[int, dict[str, str]]:
    """Names and levels of the bodies on a household's paths (see `cascade_path_bodies`)."""
    found = reads.cascade_path_bodies(cascade, by_path)
    return {
        pk: {"name": name, "level": str(Level(level).label) if level in Level.values else level}
        for pk, (name, level) in found.items()
    }


@login_required
@require_POST
def cascade_compute_view(request: HttpRequest, code: str, year: str) -> HttpResponse:
    """Compute the county's cascade anew (the service asks for read access to the whole county)."""
    user = request.user
    _check_code(code)
    year = _year(year)
    county = code[:6]
    form = CascadeComputeForm(request.POST, platforms=_platforms(user, county))
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        given = None
        if data["platform_surplus_fen"] is not None:
            given = {data["platform"]: data["platform_surplus_fen"]}
        try:
            computed = cascade_compute(user=user, region_code=county, year=year, surplus_fen=given, via="web")
        except TongzhouError as exc:
            if exc.http_status in (403, 404):
                raise
            details = exc.details if isinstance(exc.details, dict) else {}
            if details.get("field") == "surplus_fen":
                form.add_error("platform_surplus_fen", exc.message)
            else:
                add_service_error(form, exc)
            status = exc.http_status
        else:
            run = computed.run
            messages.success(
                request,
                _("利益链已计算：%(bodies)s 个组织，%(households)s 户，分到农户 %(amount)s。")
                % {
                    "bodies": run.bodies_count,
                    "households": run.households_count,
                    "amount": format_yuan(run.to_households_fen),
                },
            )
            return redirect("web:cascade", code=code, year=year)
    return _page(request, code, year, bound=form, status=status)


__all__ = ["cascade_compute_view", "cascade_household", "cascade_page"]
