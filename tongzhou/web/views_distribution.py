"""The distribution pages (盈余分配): a body's runs, one year's run with its steps in the law's order, where the money
went, the per-member sheet (paged, as CSV or XLSX) and the forms of the step the user may take now (compute or
recompute a draft, publish, approve, post, pay, reverse); and the distribution list as members read it (成员分配清单:
names and amounts, no personal identifiers).

Reads go through the distribution selectors and writes through its services, which check scope and every rule; a
service's error comes back next to the field it names and changes nothing. Forms are shown only to users who may
write the body's region, and every POST asks for write access before it reads the form (a reader gets 403).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tongzhou.coops.models import Cooperative
from tongzhou.coops.selectors.cooperatives import cooperative_get
from tongzhou.core.errors import NotFound, TongzhouError
from tongzhou.core.money import fen_to_yuan_str, format_yuan
from tongzhou.distribution import selectors as reads
from tongzhou.distribution import services as writes
from tongzhou.distribution.models import DistributionRun, RunStatus
from tongzhou.regions import selectors as region_selectors
from tongzhou.regions.scope import access_for, require_write

from . import forms_distribution as f
from .forms import add_service_error

PAGE_SIZE = 50
FILE_FORMATS = ("csv", "xlsx")
MONEY_SUMS = (
    "patronage_return_fen",
    "remainder_share_fen",
    "collective_share_fen",
    "income_right_fen",
    "converted_to_capital_fen",
    "cash_fen",
    "paid_fen",
    "reserve_quantified_fen",
)
# The runs whose forms the page offers, per status (a reversing run and a paid run offer none).
ACTIONS = {
    RunStatus.DRAFT: ("compute", "publish"),
    RunStatus.PUBLISHED: ("compute", "approve"),
    RunStatus.APPROVED: ("compute", "post"),
    RunStatus.POSTED: ("pay", "reverse"),
}


# ---- helpers -------------------------------------------------------------------------------------------------


def _year(year: int) -> int:
    if not 1990 <= year <= 2100:
        raise NotFound("年度不正确。", "No such year.", details={"year": year})
    return year


def _active(runs: list[DistributionRun]) -> DistributionRun | None:
    """The run the year is about: the newest that is neither reversed nor a reversal."""
    return next((r for r in runs if r.reverses_id is None and r.status != RunStatus.REVERSED), None)


def _shown(request: HttpRequest, runs: list[DistributionRun]) -> DistributionRun | None:
    wanted = request.GET.get("run", "")
    if wanted.isdigit():
        for run in runs:
            if run.pk == int(wanted):
                return run
        raise NotFound("找不到该分配方案。", "No such distribution run.", details={"id": wanted})
    return _active(runs) or (runs[0] if runs else None)


def _pct(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / whole:.1f}" if whole > 0 else "0.0"


def _bp(value: object) -> str:
    try:
        return f"{Decimal(int(value)) / 100:g}%"  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


def _steps(run: DistributionRun) -> list[dict[str, Any]]:
    """The steps in the law's order, each with its amount and where it comes from (the article or the bylaws)."""
    s = {k: int(v) if str(v).lstrip("-").isdigit() else v for k, v in run.steps.items()}
    terms = run.inputs.get("bylaws", {}).get("terms", {})
    source = _("账簿") if run.inputs.get("surplus_source") == "ledger" else _("填写")

    def row(n: int, label: str, fen: int, note: str = "", level: str = "") -> dict[str, Any]:
        return {"n": n, "label": label, "amount": format_yuan(fen), "fen": fen, "note": note, "level": level}

    if run.is_collective:
        return [
            row(1, _("本年收益"), s.get("income_fen", 0), _("来源：%(s)s") % {"s": source}, "total"),
            row(
                2,
                _("弥补以前年度亏损"),
                s.get("losses_made_up_fen", 0),
                _("待弥补 %(a)s，结转下年 %(b)s")
                % {
                    "a": format_yuan(s.get("losses_to_make_up_fen", 0)),
                    "b": format_yuan(s.get("loss_carried_forward_fen", 0)),
                },
            ),
            row(
                3,
                _("提取公积公益金"),
                s.get("welfare_fund_fen", 0),
                _("比例 %(r)s（农村集体经济组织法第四十二条）") % {"r": _bp(terms.get("reserve_rate_bp"))},
            ),
            row(4, _("可分配收益"), s.get("distributable_fen", 0), "", "total"),
            row(
                5,
                _("二次分配基金"),
                s.get("secondary_fund_fen", 0),
                _("比例 %(r)s") % {"r": _bp(terms.get("secondary_distribution_bp"))},
            ),
            row(
                6,
                _("按收益权份额分配给成员"),
                s.get("to_members_fen", 0),
                _("未分配 %(a)s（农村集体经济组织法第四十条）")
                % {"a": format_yuan(s.get("members_unallocated_fen", 0))},
            ),
        ]
    return [
        row(1, _("本年盈余"), s.get("surplus_fen", 0), _("来源：%(s)s") % {"s": source}, "total"),
        row(
            2,
            _("弥补亏损"),
            s.get("losses_made_up_fen", 0),
            _("待弥补 %(a)s，结转下年 %(b)s（第四十四条）")
            % {
                "a": format_yuan(s.get("losses_to_make_up_fen", 0)),
                "b": format_yuan(s.get("loss_carried_forward_fen", 0)),
            },
        ),
        row(
            3,
            _("提取公积金"),
            s.get("reserve_fen", 0),
            _("比例 %(r)s，量化到成员 %(q)s（第四十二条）")
            % {"r": _bp(terms.get("reserve_rate_bp")), "q": format_yuan(s.get("reserve_quantified_fen", 0))},
        ),
        row(4, _("可分配盈余"), s.get("distributable_fen", 0), _("第四十四条"), "total"),
        row(
            5,
            _("按交易量（额）返还"),
            s.get("patronage_fen", 0),
            _("比例 %(r)s，不低于可分配盈余的 60%%（第四十四条）")
            % {"r": _bp(terms.get("patronage_share_bp"))},
        ),
        row(
            6,
            _("剩余盈余"),
            s.get("remainder_fen", 0),
            _("成员 %(m)s（按出资额、公积金份额、补助量化份额），村集体 %(c)s，管理 %(g)s，公益 %(w)s")
            % {
                "m": format_yuan(s.get("remainder_to_members_fen", 0)),
                "c": format_yuan(s.get("remainder_to_collective_fen", 0)),
                "g": format_yuan(s.get("remainder_to_management_fen", 0)),
                "w": format_yuan(s.get("remainder_to_welfare_fen", 0)),
            },
        ),
        row(
            7,
            _("转为成员出资"),
            s.get("converted_to_capital_fen", 0),
            _("比例 %(r)s，经成员大会决定（第四十四条）") % {"r": _bp(run.inputs.get("conversion_bp", 0))},
        ),
        row(
            8,
            _("二次分配基金"),
            s.get("secondary_fund_fen", 0),
            _("比例 %(r)s") % {"r": _bp(terms.get("secondary_distribution_bp"))},
        ),
    ]


def _chart(run: DistributionRun) -> list[dict[str, Any]]:
    """Where the year's surplus went, as bars in percent of it (CSS bars: the page loads no chart library)."""
    s = {k: int(v) if str(v).lstrip("-").isdigit() else 0 for k, v in run.steps.items()}
    if run.is_collective:
        whole = s.get("income_fen", 0)
        parts = [
            (_("弥补亏损"), s.get("losses_made_up_fen", 0), "kept"),
            (_("公积公益金"), s.get("welfare_fund_fen", 0), "kept"),
            (
                _("成员（收益权）"),
                s.get("to_members_fen", 0) - s.get("members_unallocated_fen", 0),
                "members",
            ),
            (_("二次分配基金"), s.get("secondary_fund_fen", 0), "secondary"),
            (_("未分配"), s.get("members_unallocated_fen", 0), "kept"),
        ]
    else:
        whole = s.get("surplus_fen", 0)
        unallocated = s.get("patronage_unallocated_fen", 0) + s.get("remainder_members_unallocated_fen", 0)
        parts = [
            (_("弥补亏损"), s.get("losses_made_up_fen", 0), "kept"),
            (_("公积金"), s.get("reserve_fen", 0), "kept"),
            (
                _("按交易量返还"),
                s.get("patronage_fen", 0) - s.get("patronage_unallocated_fen", 0),
                "members",
            ),
            (
                _("成员剩余盈余返还"),
                s.get("remainder_to_members_fen", 0) - s.get("remainder_members_unallocated_fen", 0),
                "members",
            ),
            (_("村集体"), s.get("remainder_to_collective_fen", 0), "collective"),
            (_("管理费用"), s.get("remainder_to_management_fen", 0), "kept"),
            (_("公益事业"), s.get("remainder_to_welfare_fen", 0), "kept"),
            (_("二次分配基金"), s.get("secondary_fund_fen", 0), "secondary"),
            (_("未分配"), unallocated, "kept"),
        ]
    return [
        {"label": label, "amount": format_yuan(fen), "pct": _pct(fen, whole), "kind": kind}
        for label, fen, kind in parts
        if fen > 0
    ]


def _by_amount(run: DistributionRun) -> bool:
    """Whether the counted transactions are an amount in fen (交易额) rather than a quantity (交易量)."""
    return run.inputs.get("bylaws", {}).get("terms", {}).get("transaction_basis", "amount") == "amount"


def _transactions(value: Decimal | None, by_amount: bool) -> str:
    if not value:
        return ""
    return format_yuan(int(value)) if by_amount else str(value.normalize())


def _sheet_rows(lines, by_amount: bool) -> list[dict[str, Any]]:
    return [
        {
            "l": line,
            "transactions": _transactions(line.transactions, by_amount),
            "shares": line.income_right_shares.normalize() if line.income_right_shares else "",
            **{name[:-4]: format_yuan(getattr(line, name)) for name in MONEY_SUMS},
            "outstanding": format_yuan(line.outstanding_fen),
        }
        for line in lines
    ]


def _totals(lines) -> dict[str, str]:
    sums = lines.order_by().aggregate(**{name: Sum(name) for name in MONEY_SUMS})
    return {name[:-4]: format_yuan(sums[name] or 0) for name in MONEY_SUMS}


def _page_base(request: HttpRequest, body: Cooperative) -> dict[str, Any]:
    region = region_selectors.region_get(user=request.user, code=body.region_code)
    return {
        "coop": body,
        "region": region,
        "ancestors": region_selectors.region_ancestors(region),
        "can_write": access_for(request.user).can_write(body.region_code),
    }


def _member_choices(lines) -> list[tuple[int, str]]:
    return [(x.member_id, f"{x.member_id} · {x.display_name}") for x in lines if x.outstanding_fen > 0]


def _forms_for(run: DistributionRun | None, active: DistributionRun | None, lines, bound: dict) -> dict:
    """The forms of the steps the user may take now, bound ones (with errors) kept."""
    forms: dict[str, Any] = {}
    is_active = run is not None and active is not None and run.pk == active.pk
    shown_actions = ACTIONS.get(run.status, ()) if is_active else ()
    if is_active and run.status == RunStatus.POSTED and run.payments.exists():
        shown_actions = ("pay",)  # a run with payments stands; only paying the rest remains
    on_active = run is None or active is None or run.pk == active.pk
    if on_active and (
        active is None or active.status in (RunStatus.DRAFT, RunStatus.PUBLISHED, RunStatus.APPROVED)
    ):
        initial = {}
        if active is not None and active.status == RunStatus.DRAFT:
            inputs = active.inputs
            initial = {
                "surplus_fen": fen_to_yuan_str(inputs["surplus_fen"])
                if inputs.get("surplus_source") == "given"
                else "",
                "losses_to_make_up_fen": fen_to_yuan_str(inputs["losses_to_make_up_fen"])
                if inputs.get("losses_source") == "given"
                else "",
                "subsidy_property_fen": fen_to_yuan_str(inputs.get("subsidy_property_fen", 0))
                if inputs.get("subsidy_property_fen")
                else "",
                "conversion_bp": Decimal(inputs.get("conversion_bp", 0)) / 100
                if inputs.get("conversion_bp")
                else None,
            }
        forms["compute"] = bound.get("compute") or f.ComputeForm(initial=initial)
    today = timezone.localdate()
    if "publish" in shown_actions:
        forms["publish"] = bound.get("publish") or f.PublishForm(initial={"on": today})
    if "approve" in shown_actions:
        forms["approve"] = bound.get("approve") or f.ApproveForm(
            initial={"votes_against": 0, "members_entitled": len(lines)}
        )
    if "post" in shown_actions:
        forms["post"] = bound.get("post") or f.PostForm(initial={"on": run.assembly_on})
    if "pay" in shown_actions:
        forms["pay"] = bound.get("pay") or f.PayForm(initial={"on": today}, members=_member_choices(lines))
    if "reverse" in shown_actions:
        forms["reverse"] = bound.get("reverse") or f.ReverseForm(initial={"on": today})
    # A refused step stays on the page with its error, even when the run's state no longer offers it.
    for name, form in bound.items():
        forms.setdefault(name, form)
    return forms


def _year_page(
    request: HttpRequest,
    body: Cooperative,
    year: int,
    *,
    run: DistributionRun | None = None,
    bound: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    runs = list(reads.run_list(user=request.user, body=body, year=year))
    active = _active(runs)
    # A run given by a refused POST is re-read from the year's list, so the page shows its state after the refusal.
    run = _shown(request, runs) if run is None else next((r for r in runs if r.pk == run.pk), run)
    context = {**_page_base(request, body), "year": year, "runs": runs, "run": run, "active": active}
    if run is not None:
        lines = reads.run_lines(user=request.user, run=run)
        fmt = request.GET.get("format", "")
        if fmt in FILE_FORMATS and status == 200:
            return _sheet_file(body, run, list(lines), fmt)
        page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            steps=_steps(run),
            chart=_chart(run),
            page_obj=page,
            sheet=_sheet_rows(page.object_list, _by_amount(run)),
            totals=_totals(lines),
            line_count=page.paginator.count,
            published=run.status in reads.PUBLISHED_STATUSES and run.reverses_id is None,
            vouchers=list(run.vouchers.order_by("date", "number")),
            receiver_vouchers=[
                {**v, "amount": format_yuan(int(v["amount_fen"] or 0))}
                for v in reads.run_receiver_vouchers(user=request.user, run=run)
            ],
            payments_count=run.payments.count(),
            surplus_change=_surplus_change(request, run),
        )
        all_lines = list(lines) if context["can_write"] else []
    else:
        all_lines = []
    context["forms"] = _forms_for(run, active, all_lines, bound or {}) if context["can_write"] else {}
    return render(request, "web/distribution/run.html", context, status=status)


def _surplus_change(request: HttpRequest, run: DistributionRun) -> dict[str, str] | None:
    """The run's surplus and the books' now, formatted, when they differ (the run is out of date)."""
    now = writes.surplus_in_books_now(user=request.user, run=run)
    if now is None:
        return None
    return {"then": format_yuan(int(run.inputs.get("surplus_fen") or 0)), "now": format_yuan(now)}


def _sheet_columns(run: DistributionRun) -> list[tuple[str, str]]:
    if run.is_collective:
        return [
            ("income_right_shares", _("收益权份额")),
            ("income_right_fen", _("收益权分配（元）")),
            ("cash_fen", _("应发现金（元）")),
            ("paid_fen", _("已发放（元）")),
        ]
    return [
        ("capital_fen", _("出资额（元）")),
        ("reserve_share_fen", _("公积金份额（元）")),
        ("subsidy_share_fen", _("补助量化份额（元）")),
        ("transactions", _("交易量（额）")),
        ("reserve_quantified_fen", _("本年量化公积金（元）")),
        ("subsidy_equal_share_fen", _("平均量化补助（元）")),
        ("remainder_weight_fen", _("剩余盈余分配依据（元）")),
        ("patronage_return_fen", _("按交易量返还（元）")),
        ("remainder_share_fen", _("剩余盈余返还（元）")),
        ("collective_share_fen", _("村集体分配（元）")),
        ("converted_to_capital_fen", _("转为出资（元）")),
        ("cash_fen", _("应发现金（元）")),
        ("paid_fen", _("已发放（元）")),
    ]


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _table_file(title: str, head: list[str], rows: list[list[Any]], money: set[int], fmt: str, name: str):
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([title])
        writer.writerow(head)
        for row in rows:
            writer.writerow([fen_to_yuan_str(c) if i in money else c for i, c in enumerate(row)])
        data = ("\ufeff" + out.getvalue()).encode("utf-8")  # a BOM, so Excel reads the Chinese
        return _download(data, f"{name}.csv", "text/csv; charset=utf-8")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = name[:31]
    ws.append([title])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.append(head)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([Decimal(c) / 100 if i in money else c for i, c in enumerate(row)])
        for i in money:
            ws.cell(ws.max_row, i + 1).number_format = "#,##0.00"
    for i, title_text in enumerate(head, start=1):
        ws.column_dimensions[ws.cell(2, i).column_letter].width = max(10, len(title_text) * 2 + 2)
    out = io.BytesIO()
    wb.save(out)
    return _download(
        out.getvalue(),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _sheet_file(body: Cooperative, run: DistributionRun, lines: list, fmt: str) -> HttpResponse:
    columns = _sheet_columns(run)
    head = [_("成员编号"), _("成员"), *(label for _name, label in columns)]
    by_amount = _by_amount(run)
    money = {
        i + 2
        for i, (name, _label) in enumerate(columns)
        if name.endswith("_fen") or (name == "transactions" and by_amount)
    }
    rows = [
        [
            line.member_id,
            line.display_name,
            *(_cell(getattr(line, name), i + 2 in money) for i, (name, _l) in enumerate(columns)),
        ]
        for line in lines
    ]
    title = _("%(body)s %(year)s 年度分配明细（%(status)s）") % {
        "body": body.name,
        "year": run.year,
        "status": run.get_status_display(),
    }
    return _table_file(title, head, rows, money, fmt, f"{body.name}-{run.year}-分配明细-{run.pk}")


def _cell(value: Any, money: bool = False) -> Any:
    """A file cell: fen stay int (the writer turns them into yuan), other decimals print without trailing zeros."""
    if isinstance(value, Decimal):
        return int(value) if money else format(value.normalize(), "f")
    return value


def _year_url(body: Cooperative, year: int, run: DistributionRun | None = None) -> str:
    url = reverse("web:distribution_year", args=[body.pk, year])
    return f"{url}?run={run.pk}" if run is not None else url


# ---- pages ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def distribution_index(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    """A body's runs by year, newest first, and the year picker."""
    body = cooperative_get(user=request.user, cooperative_id=cooperative_id)
    form = f.YearForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("web:distribution_year", cooperative_id=body.pk, year=form.cleaned_data["year"])
    runs = reads.run_list(user=request.user, body=body)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "r": r,
            "surplus": format_yuan(int(r.steps.get("income_fen" if r.is_collective else "surplus_fen", 0))),
            "distributable": format_yuan(int(r.steps.get("distributable_fen", 0))),
        }
        for r in page.object_list
    ]
    this_year = timezone.localdate().year
    context = {
        **_page_base(request, body),
        "rows": rows,
        "page_obj": page,
        "year_form": form if form.is_bound else f.YearForm(initial={"year": this_year - 1}),
    }
    return render(request, "web/distribution/index.html", context, status=400 if form.is_bound else 200)


@login_required
@require_GET
def distribution_year(request: HttpRequest, cooperative_id: int, year: int) -> HttpResponse:
    """One year's run: steps, chart, sheet (?format=csv|xlsx downloads it), and the forms of the next step."""
    body = cooperative_get(user=request.user, cooperative_id=cooperative_id)
    return _year_page(request, body, _year(year))


@login_required
@require_GET
def distribution_published(request: HttpRequest, cooperative_id: int, year: int) -> HttpResponse:
    """The distribution list as members read it: names and amounts, no identifiers (?format=csv|xlsx)."""
    body = cooperative_get(user=request.user, cooperative_id=cooperative_id)
    runs = list(reads.run_list(user=request.user, body=body, year=_year(year)))
    run = next(
        (
            r
            for r in runs
            if r.reverses_id is None
            and r.status in reads.PUBLISHED_STATUSES
            and r.status != RunStatus.REVERSED
        ),
        None,
    )
    if run is None:
        raise NotFound(
            f"{year} 年度尚无公示的分配方案。",
            f"No distribution of {year} has been published.",
            details={"year": year},
        )
    rows = reads.published_list(user=request.user, run=run)
    collective = run.is_collective
    fmt = request.GET.get("format", "")
    if fmt in FILE_FORMATS:
        if collective:
            head = [_("序号"), _("成员"), _("收益权份额"), _("收益权分配（元）"), _("应发现金（元）")]
            keys = ("income_right_shares", "income_right_fen", "cash_fen")
        else:
            head = [
                _("序号"),
                _("成员"),
                _("交易量（额）"),
                _("按交易量返还（元）"),
                _("剩余盈余返还（元）"),
                _("转为出资（元）"),
                _("应发现金（元）"),
            ]
            keys = (
                "transactions",
                "patronage_return_fen",
                "remainder_share_fen",
                "converted_to_capital_fen",
                "cash_fen",
            )
        by_amount = _by_amount(run)
        money = {
            i + 2 for i, k in enumerate(keys) if k.endswith("_fen") or (k == "transactions" and by_amount)
        }
        table = [
            [n, row["display_name"], *(_cell(row[k], i + 2 in money) for i, k in enumerate(keys))]
            for n, row in enumerate(rows, start=1)
        ]
        title = _("%(body)s %(year)s 年度成员分配清单") % {"body": body.name, "year": year}
        return _table_file(title, head, table, money, fmt, f"{body.name}-{year}-成员分配清单")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    start = (page.number - 1) * PAGE_SIZE
    by_amount = _by_amount(run)
    shown = [
        {
            "n": start + i,
            "name": row["display_name"],
            "transactions": _transactions(row["transactions"], by_amount),
            "shares": row["income_right_shares"].normalize() if row["income_right_shares"] else "",
            "patronage": format_yuan(row["patronage_return_fen"]),
            "remainder": format_yuan(row["remainder_share_fen"] + row["collective_share_fen"]),
            "income_right": format_yuan(row["income_right_fen"]),
            "converted": format_yuan(row["converted_to_capital_fen"]),
            "cash": format_yuan(row["cash_fen"]),
        }
        for i, row in enumerate(page.object_list, start=1)
    ]
    totals = {
        key: format_yuan(sum(row[key] for row in rows))
        for key in (
            "patronage_return_fen",
            "remainder_share_fen",
            "income_right_fen",
            "converted_to_capital_fen",
            "cash_fen",
        )
    }
    totals["remainder_share_fen"] = format_yuan(
        sum(row["remainder_share_fen"] + row["collective_share_fen"] for row in rows)
    )
    context = {
        **_page_base(request, body),
        "year": year,
        "run": run,
        "steps": _steps(run),
        "rows": shown,
        "page_obj": page,
        "totals": totals,
        "assembly_from": run.published_on + dt.timedelta(days=run.notice_days)
        if run.published_on and run.notice_days is not None
        else None,
    }
    return render(request, "web/distribution/published.html", context)


# ---- writes --------------------------------------------------------------------------------------------------


def _service_error(form, exc: TongzhouError) -> None:
    """A service's error on the form: next to its field (details.fields, or a domain error's details.field)."""
    if exc.http_status in (403, 404):
        raise exc
    details = exc.details if isinstance(exc.details, dict) else {}
    if not details.get("fields") and details.get("field") in form.fields:
        form.add_error(details["field"], exc.message)
    else:
        add_service_error(form, exc)


@login_required
@require_POST
def distribution_compute(request: HttpRequest, cooperative_id: int, year: int) -> HttpResponse:
    """Compute a draft of the year, or recompute the year's draft when there is one."""
    body = cooperative_get(user=request.user, cooperative_id=cooperative_id)
    require_write(request.user, body.region_code)
    year = _year(year)
    form = f.ComputeForm(request.POST)
    active = _active(list(reads.run_list(user=request.user, body=body, year=year)))
    draft = active if active is not None and active.status == RunStatus.DRAFT else None
    if form.is_valid():
        data = form.cleaned_data
        try:
            run = writes.run_compute(
                user=request.user,
                body=body,
                year=year,
                run=draft,
                surplus_fen=data["surplus_fen"],
                losses_to_make_up_fen=data["losses_to_make_up_fen"],
                subsidy_property_fen=data["subsidy_property_fen"] or 0,
                conversion_bp=data["conversion_bp"] or 0,
                via="web",
            )
        except TongzhouError as exc:
            _service_error(form, exc)
            form._status = exc.http_status
        else:
            messages.success(request, _("分配草稿已计算，可检查后公示。"))
            return redirect(_year_url(body, year, run))
    return _year_page(request, body, year, run=draft, bound={"compute": form}, status=_status(form))


def _status(form) -> int:
    return getattr(form, "_status", 400)


def _writable_run(request: HttpRequest, run_id: int) -> DistributionRun:
    run = reads.run_get(user=request.user, run_id=run_id)
    require_write(request.user, run.region_code)
    return run


DONE = {
    "publish": gettext_lazy("分配方案已公示。"),
    "approve": gettext_lazy("已登记成员大会通过分配方案。"),
    "post": gettext_lazy("分配方案已记账。"),
    "reverse": gettext_lazy("分配方案已冲销，可重新计算本年度分配。"),
}


@login_required
@require_POST
def distribution_action(request: HttpRequest, run_id: int, action: str) -> HttpResponse:
    """Publish, approve, post or reverse a run; a refusal shows the page again with the error at its field."""
    run = _writable_run(request, run_id)
    form_class = {
        "publish": f.PublishForm,
        "approve": f.ApproveForm,
        "post": f.PostForm,
        "reverse": f.ReverseForm,
    }[action]
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "publish":
                result = writes.run_publish(user=request.user, run=run, on=data["on"], via="web")
            elif action == "approve":
                result = writes.run_approve(
                    user=request.user,
                    run=run,
                    assembly_on=data["assembly_on"],
                    votes_for=data["votes_for"],
                    votes_against=data["votes_against"] if data["votes_against"] is not None else 0,
                    members_entitled=data["members_entitled"],
                    via="web",
                )
            elif action == "post":
                result = writes.run_post(user=request.user, run=run, on=data["on"], via="web")
            else:
                result = writes.run_reverse(user=request.user, run=run, on=data["on"], via="web")
        except TongzhouError as exc:
            _service_error(form, exc)
            form._status = exc.http_status
        else:
            messages.success(request, DONE[action])
            shown = None if action == "reverse" else result
            return redirect(_year_url(run.body, run.year, shown))
    return _year_page(request, run.body, run.year, run=run, bound={action: form}, status=_status(form))


@login_required
@require_POST
def distribution_pay(request: HttpRequest, run_id: int) -> HttpResponse:
    """Pay what is due: every member, or one member (all that is due, or an amount)."""
    run = _writable_run(request, run_id)
    lines = list(reads.run_lines(user=request.user, run=run))
    form = f.PayForm(request.POST, members=_member_choices(lines))
    if form.is_valid():
        data = form.cleaned_data
        payments = None
        if data["member"] is not None:
            item: dict[str, Any] = {"member": data["member"]}
            if data["amount_fen"] is not None:
                item["amount_fen"] = data["amount_fen"]
            payments = [item]
        elif data["amount_fen"] is not None:
            form.add_error("amount_fen", _("发放部分金额时请选择成员。"))
        if not form.errors:
            try:
                made = writes.run_pay(
                    user=request.user,
                    run=run,
                    on=data["on"],
                    payments=payments,
                    method=data["method"],
                    reference=data["reference"],
                    via="web",
                )
            except TongzhouError as exc:
                _service_error(form, exc)
                form._status = exc.http_status
            else:
                messages.success(
                    request,
                    _("已发放 %(count)s 笔，共 %(amount)s。")
                    % {"count": len(made), "amount": format_yuan(sum(p.amount_fen for p in made))},
                )
                return redirect(_year_url(run.body, run.year, run))
    return _year_page(request, run.body, run.year, run=run, bound={"pay": form}, status=_status(form))
