"""Cooperative pages (合作社): the list, creation, and one cooperative's overview and bylaws, members, shares,
transactions and member accounts (农民专业合作社法 Art. 43).

Reads go through the coops selectors, writes through the coops services, which check scope and every rule; a
service's error comes back next to the field it names. Every POST first asks for write access to the
cooperative's region, so a read-only user (an auditor) is refused even a form that would not validate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongzhou.coops.models import Cooperative, Level, MemberKind, MemberStatus
from tongzhou.coops.selectors import cooperatives as coop_reads
from tongzhou.coops.selectors import membership as member_reads
from tongzhou.coops.selectors import shares as share_reads
from tongzhou.coops.selectors import transactions as transaction_reads
from tongzhou.coops.services import cooperatives as coop_writes
from tongzhou.coops.services import membership as member_writes
from tongzhou.coops.services import shares as share_writes
from tongzhou.coops.services import transactions as transaction_writes
from tongzhou.core.errors import InvalidInput, NotFound, TongzhouError
from tongzhou.core.money import format_yuan
from tongzhou.households import selectors as household_selectors
from tongzhou.regions import selectors as region_selectors
from tongzhou.regions.scope import access_for, require_write
from tongzhou.rollups.models import RegionCoopFigures
from tongzhou.rollups.selectors import coop_figures_if_readable

from . import forms_coops as f
from . import views_coop_shares as share_ops
from .forms import add_service_error

PAGE_SIZE = 50
TABS = (
    ("overview", _("概况与章程")),
    ("members", _("成员")),
    ("shares", _("股份")),
    ("transactions", _("成员交易")),
    ("accounts", _("成员账户")),
)
TAB_NAMES = tuple(name for name, _label in TABS)


# ---- helpers -------------------------------------------------------------------------------------------------


def _units(centi: int) -> str:
    """Hundredths of a unit as a number people read: 1050 → 10.5, 1000 → 10."""
    value = Decimal(centi) / 100
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def _quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def _percent(bp: int) -> str:
    """Basis points as a percentage: 6000 → 60%, 1050 → 10.5%."""
    return f"{(Decimal(bp) / 100).normalize():f}%"


def _percents(bylaws) -> dict[str, str]:
    return {
        "reserve": _percent(bylaws.reserve_rate_bp),
        "patronage": _percent(bylaws.patronage_share_bp),
        "secondary": _percent(bylaws.secondary_distribution_bp),
    }


def _year(request: HttpRequest, cooperative: Cooperative | None = None) -> int:
    form = f.YearForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["year"]:
        return form.cleaned_data["year"]
    if cooperative is not None:
        # Without a year asked for, show the latest year with transactions (the demo's and a real book's last year).
        latest = transaction_reads.latest_transaction_year(user=request.user, cooperative=cooperative)
        if latest is not None:
            return latest
    return dt.date.today().year


def _service_failed(form, exc: TongzhouError) -> None:
    """A refusal of scope or a missing row is the page's answer; any other error belongs to the form."""
    if exc.http_status in (403, 404):
        raise exc
    add_service_error(form, exc)


def _coop_url(cooperative: Cooperative, tab: str = "overview", **query: Any) -> str:
    url = reverse("web:coop", args=[cooperative.pk])
    params = {"tab": tab, **{k: v for k, v in query.items() if v not in (None, "")}}
    return url + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _get_writable(request: HttpRequest, cooperative_id: int) -> Cooperative:
    cooperative = coop_reads.cooperative_get(user=request.user, cooperative_id=cooperative_id)
    require_write(request.user, cooperative.region_code)
    return cooperative


def _member_of(request: HttpRequest, cooperative: Cooperative, member_id: Any, field: str):
    """The chosen member of this cooperative, read through the selector; a wrong choice is the field's error."""
    if member_id is None:
        return None
    try:
        member = member_reads.member_get(user=request.user, member_id=member_id)
    except NotFound:
        member = None
    if member is None or member.cooperative_id != cooperative.pk:
        raise _choice_error(field)
    return member


def _share_class_of(cooperative: Cooperative, share_class_id: Any):
    # The cooperative itself was read through the scoped selector; its classes are read through it.
    if share_class_id is None:
        return None
    found = cooperative.share_classes.filter(pk=share_class_id).first()
    if found is None:
        raise _choice_error("share_class")
    return found


def _choice_error(field: str) -> InvalidInput:
    return InvalidInput(
        "请从列表中选择。",
        "Choose one from the list.",
        code="invalid_choice",
        details={
            "fields": {field: {"message_zh": "请从列表中选择。", "message_en": "Choose one from the list."}}
        },
    )


def _required(field: str) -> InvalidInput:
    return InvalidInput(
        "必填项为空。",
        "This field is required.",
        code="required",
        details={"fields": {field: {"message_zh": "必填项为空。", "message_en": "This field is required."}}},
    )


def _member_choices(request: HttpRequest, cooperative: Cooperative, statuses) -> list[tuple[int, str]]:
    members = member_reads.member_list(user=request.user, cooperative=cooperative).filter(status__in=statuses)
    return [(m.pk, f"{m.pk} · {m.display_name}") for m in members]


def _class_choices(cooperative: Cooperative) -> list[tuple[int, str]]:
    # The cooperative was read through the scoped cooperative_get.
    return [(c.pk, f"{c.name}（{c.unit_name}）") for c in cooperative.share_classes.order_by("id")]


def _cooperative_choices(request: HttpRequest, cooperative: Cooperative) -> list[tuple[int, str]]:
    others = coop_reads.cooperative_list(user=request.user, region_code=cooperative.region_code).exclude(
        pk=cooperative.pk
    )
    return [(c.pk, c.name) for c in others]


LIVE = (MemberStatus.ACTIVE, MemberStatus.EXIT_NOTIFIED)


def _coop_figures(user, code: str) -> RegionCoopFigures | None:
    """The kept coverage figures of a region, shown only to a user who may read the whole region."""
    return coop_figures_if_readable(user=user, code=code)


# ---- list and creation ---------------------------------------------------------------------------------------


@login_required
@require_GET
def coop_list(request: HttpRequest) -> HttpResponse:
    filters = f.CooperativeListFilter(request.GET or None)
    level = region = ""
    if filters.is_valid():
        level = filters.cleaned_data["level"]
        region = filters.cleaned_data["region"]
    coops = coop_reads.cooperative_list(user=request.user, region_code=region or None, level=level or None)
    page = Paginator(coops, PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(
        region_selectors.region_list(user=request.user)
        .filter(code__in={c.region_code for c in page.object_list})
        .values_list("code", "name")
    )
    context = {
        "filters": filters if filters.is_bound else f.CooperativeListFilter(),
        "page_obj": page,
        "rows": [(c, names.get(c.region_code, "")) for c in page.object_list],
        "level": level,
        "region": region,
        "can_create": bool(access_for(request.user).write),
    }
    return render(request, "web/coop_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def coop_create(request: HttpRequest) -> HttpResponse:
    initial = {"region_code": request.GET.get("region", "")[:12]}
    form = f.CooperativeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                cooperative = _create(request, data)
            except TongzhouError as exc:
                _service_failed(form, exc)
            else:
                messages.success(request, _("合作社已登记。"))
                return redirect("web:coop", cooperative_id=cooperative.pk)
    return render(request, "web/coop_new.html", {"form": form}, status=status)


def _create(request: HttpRequest, data: dict) -> Cooperative:
    return coop_writes.cooperative_create(
        user=request.user,
        name=data["name"],
        credit_code=data["credit_code"],
        level=data["level"],
        legal_form=data["legal_form"],
        region_code=data["region_code"],
        founded_on=data["founded_on"] or "",
        industry=data["industry"],
        chairperson_name=data["chairperson_name"],
    )


@login_required
@require_GET
def coop_region_block(request: HttpRequest, code: str) -> HttpResponse:
    """The cooperatives of a region and their coverage figures: a block the region and village pages load."""
    region = region_selectors.region_get(user=request.user, code=code)
    # Below a region the user reads only in part (a county officer on the prefecture page), list what they may.
    coops = list(coop_reads.cooperative_list(user=request.user).filter(region_code__startswith=code)[:20])
    figures = _coop_figures(request.user, code)
    context = {
        "region": region,
        "coops": coops,
        "coop_figures": figures,
        "share_capital": format_yuan(figures.share_capital_fen) if figures else "",
        "can_write": access_for(request.user).can_write(code),
    }
    return render(request, "web/_coop_region.html", context)


# ---- the cooperative page ------------------------------------------------------------------------------------


def _overview(request: HttpRequest, cooperative: Cooperative, forms: dict) -> dict:
    user = request.user
    today = dt.date.today()
    try:
        in_force = coop_reads.bylaws_for(user=user, cooperative=cooperative, on_date=today)
    except NotFound:
        in_force = None
    coverage = None
    if cooperative.level == Level.VILLAGE:
        coverage = member_reads.member_coverage(user=user, village_code=cooperative.region_code)
    return {
        "in_force": in_force,
        "in_force_pct": _percents(in_force) if in_force else None,
        "versions": [
            (b, _percents(b)) for b in coop_reads.bylaws_versions(user=user, cooperative=cooperative)
        ],
        "coverage": coverage,
        "bylaws_form": forms.get("bylaws_form") or f.BylawsForm(),
    }


def _members(request: HttpRequest, cooperative: Cooperative, forms: dict) -> dict:
    members = list(member_reads.member_list(user=request.user, cooperative=cooperative))
    return {
        "members": members,
        "applied": sum(1 for m in members if m.status == MemberStatus.APPLIED),
        "apply_form": forms.get("apply_form")
        or f.MemberApplyForm(cooperatives=_cooperative_choices(request, cooperative)),
        "approve_form": f.MemberApproveForm(),
        "exit_form": forms.get("exit_form") or f.MemberExitForm(),
        "takes_households": cooperative.level == Level.VILLAGE,
        "member_kinds": MemberKind,
        **share_ops.members_tab_context(request, cooperative, forms),
    }


def _shares(request: HttpRequest, cooperative: Cooperative, forms: dict) -> dict:
    user = request.user
    today = dt.date.today()
    classes = list(share_reads.share_class_list(user=user, cooperative=cooperative))
    class_by_id = {c.pk: c for c in classes}
    members = {m.pk: m for m in member_reads.member_list(user=user, cooperative=cooperative)}
    holdings = [
        {
            "member": members.get(member_id),
            "share_class": class_by_id.get(class_id),
            "units": _units(h.units_centi),
            "amount": format_yuan(h.amount_fen),
        }
        for (member_id, class_id), h in sorted(
            share_reads.holdings_at(user=user, cooperative=cooperative, on=today).items()
        )
    ]
    ledger = share_reads.share_ledger(user=user, cooperative=cooperative)
    page = Paginator(ledger, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [
        {"entry": e, "units": _units(e.units_centi), "amount": format_yuan(e.amount_fen)}
        for e in page.object_list
    ]
    live = _member_choices(request, cooperative, LIVE)
    active = _member_choices(request, cooperative, (MemberStatus.ACTIVE,))
    class_choices = _class_choices(cooperative)
    return {
        "classes": [{"c": c, "value": format_yuan(c.unit_value_fen)} for c in classes],
        "holdings": holdings,
        "page_obj": page,
        "entries": entries,
        "class_form": forms.get("class_form") or f.ShareClassForm(),
        "subscribe_form": forms.get("subscribe_form")
        or f.ShareSubscribeForm(members=active, share_classes=class_choices),
        "transfer_form": forms.get("transfer_form")
        or f.ShareTransferForm(members=live, share_classes=class_choices),
        **share_ops.shares_tab_context(request, cooperative, forms),
    }


def _transactions(request: HttpRequest, cooperative: Cooperative, forms: dict) -> dict:
    year = _year(request, cooperative)
    rows = transaction_reads.transaction_list(user=request.user, cooperative=cooperative, year=year)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "year": year,
        "page_obj": page,
        "transactions": [
            {
                "t": t,
                "quantity": _quantity(t.quantity),
                "unit_price": format_yuan(t.unit_price_fen),
                "amount": format_yuan(t.amount_fen),
            }
            for t in page.object_list
        ],
        "transaction_form": forms.get("transaction_form")
        or f.TransactionForm(members=_member_choices(request, cooperative, LIVE)),
    }


def _accounts(request: HttpRequest, cooperative: Cooperative, forms: dict) -> dict:
    year = _year(request, cooperative)
    accounts = share_reads.member_accounts(user=request.user, cooperative=cooperative, year=year)
    rows = [
        {
            "member": m,
            "capital": format_yuan(a.capital_fen),
            "reserve": format_yuan(a.reserve_share_fen),
            "subsidy": format_yuan(a.subsidy_share_fen),
            "amount": format_yuan(a.transactions_amount_fen),
            "quantity": _quantity(a.transactions_quantity),
        }
        for m, a in accounts
    ]
    totals = {
        "capital": format_yuan(sum(a.capital_fen for _m, a in accounts)),
        "subsidy": format_yuan(sum(a.subsidy_share_fen for _m, a in accounts)),
        "amount": format_yuan(sum(a.transactions_amount_fen for _m, a in accounts)),
    }
    return {"year": year, "accounts": rows, "totals": totals}


TAB_CONTEXT = {
    "overview": _overview,
    "members": _members,
    "shares": _shares,
    "transactions": _transactions,
    "accounts": _accounts,
}


def _coop_page(
    request: HttpRequest, cooperative: Cooperative, tab: str, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    region = region_selectors.region_get(user=user, code=cooperative.region_code)
    context = {
        "coop": cooperative,
        "region": region,
        "ancestors": region_selectors.region_ancestors(region),
        "tabs": TABS,
        "tab": tab,
        "can_write": access_for(user).can_write(cooperative.region_code),
        "coop_import": forms.get("import", {}),  # an upload's errors for web/_coop_import.html
        **TAB_CONTEXT[tab](request, cooperative, forms),
    }
    return render(request, "web/coop.html", context, status=status)


@login_required
@require_GET
def coop_detail(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = coop_reads.cooperative_get(user=request.user, cooperative_id=cooperative_id)
    tab = request.GET.get("tab") or "overview"
    if tab not in TAB_NAMES:
        tab = "overview"
    return _coop_page(request, cooperative, tab)


# ---- writes --------------------------------------------------------------------------------------------------


@login_required
@require_POST
def coop_bylaws_adopt(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = _get_writable(request, cooperative_id)
    form = f.BylawsForm(request.POST)
    if form.is_valid():
        try:
            bylaws = coop_writes.bylaws_adopt(
                user=request.user, cooperative=cooperative, **_dates_or_blank(form.terms())
            )
        except TongzhouError as exc:
            _service_failed(form, exc)
        else:
            messages.success(
                request, _("新版章程已记录，自 %(day)s 起生效。") % {"day": bylaws.effective_from.isoformat()}
            )
            return redirect(_coop_url(cooperative))
    return _coop_page(request, cooperative, "overview", status=400, bylaws_form=form)


def _dates_or_blank(terms: dict) -> dict:
    return {k: ("" if v is None and k in ("effective_from", "adopted_on") else v) for k, v in terms.items()}


@login_required
@require_POST
def coop_member_apply(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = _get_writable(request, cooperative_id)
    form = f.MemberApplyForm(request.POST, cooperatives=_cooperative_choices(request, cooperative))
    if form.is_valid():
        data = form.cleaned_data
        try:
            party = _applicant(request, cooperative, data)
            member = member_writes.member_apply(
                user=request.user,
                cooperative=cooperative,
                applied_on=data["applied_on"] or "",
                is_village_cadre=data["is_village_cadre"],
                notes=data["notes"],
                **party,
            )
        except TongzhouError as exc:
            _service_failed(form, exc)
        else:
            messages.success(request, _("已登记“%(name)s”的入社申请。") % {"name": member.display_name})
            return redirect(_coop_url(cooperative, "members"))
    return _coop_page(request, cooperative, "members", status=400, apply_form=form)


def _applicant(request: HttpRequest, cooperative: Cooperative, data: dict) -> dict:
    """The applying household (found by its number in the cooperative's village) or cooperative."""
    if data["applicant"] == "cooperative":
        chosen = data["member_cooperative"]
        if chosen is None:
            raise _required("member_cooperative")
        return {"member_cooperative": coop_reads.cooperative_get(user=request.user, cooperative_id=chosen)}
    number = data["household_number"].strip()
    if not number:
        raise _required("household_number")
    if cooperative.level != Level.VILLAGE:
        raise InvalidInput(
            "乡镇联合社和县级平台公司的成员是合作社，不是农户。",
            "A township union or county platform takes cooperatives as members, not households.",
            code="households_join_village_cooperatives",
            details={
                "fields": {
                    "applicant": {"message_zh": "请选择合作社。", "message_en": "Choose a cooperative."}
                }
            },
        )
    household = (
        household_selectors.household_list(user=request.user, region_code=cooperative.region_code)
        .filter(number=number)
        .first()
    )
    if household is None:
        message = ("本村没有这个户编号。", "No household of this village has this number.")
        raise InvalidInput(
            *message,
            code="unknown_household",
            details={"fields": {"household_number": {"message_zh": message[0], "message_en": message[1]}}},
        )
    return {"household": household}


def _member_action(request: HttpRequest, cooperative_id: int, member_id: int):
    cooperative = _get_writable(request, cooperative_id)
    member = member_reads.member_get(user=request.user, member_id=member_id)
    if member.cooperative_id != cooperative.pk:
        raise NotFound("找不到该成员。", "No such member.", details={"id": member_id})
    return cooperative, member


def _refused(request: HttpRequest, cooperative: Cooperative, form, exc: TongzhouError, tab: str, **forms):
    _service_failed(form, exc)
    messages.error(request, exc.message)
    return _coop_page(request, cooperative, tab, status=exc.http_status, **forms)


@login_required
@require_POST
def coop_member_approve(request: HttpRequest, cooperative_id: int, member_id: int) -> HttpResponse:
    cooperative, member = _member_action(request, cooperative_id, member_id)
    form = f.MemberApproveForm(request.POST)
    form.is_valid()
    try:
        member_writes.member_approve(
            user=request.user, member=member, joined_on=form.cleaned_data.get("joined_on") or ""
        )
    except TongzhouError as exc:
        return _refused(request, cooperative, form, exc, "members")
    messages.success(request, _("已批准“%(name)s”入社。") % {"name": member.display_name})
    return redirect(_coop_url(cooperative, "members"))


@login_required
@require_POST
def coop_member_reject(request: HttpRequest, cooperative_id: int, member_id: int) -> HttpResponse:
    cooperative, member = _member_action(request, cooperative_id, member_id)
    form = f.MemberRejectForm(request.POST)
    form.is_valid()
    try:
        member_writes.member_reject(
            user=request.user, member=member, reason=form.cleaned_data.get("reason", "")
        )
    except TongzhouError as exc:
        return _refused(request, cooperative, form, exc, "members")
    messages.success(request, _("已不予批准“%(name)s”的入社申请。") % {"name": member.display_name})
    return redirect(_coop_url(cooperative, "members"))


@login_required
@require_POST
def coop_member_exit(request: HttpRequest, cooperative_id: int, member_id: int) -> HttpResponse:
    cooperative, member = _member_action(request, cooperative_id, member_id)
    form = f.MemberExitForm(request.POST)
    if form.is_valid():
        try:
            member = member_writes.member_exit_notify(
                user=request.user,
                member=member,
                notice_on=form.cleaned_data["notice_on"] or "",
                leave_in_year=form.cleaned_data["leave_in_year"],
            )
        except TongzhouError as exc:
            return _refused(request, cooperative, form, exc, "members", exit_form=form)
        messages.success(
            request,
            _("已记录“%(name)s”的退社申请，%(day)s 起退社。")
            % {"name": member.display_name, "day": member.exit_effective_on.isoformat()},
        )
        return redirect(_coop_url(cooperative, "members"))
    return _coop_page(request, cooperative, "members", status=400, exit_form=form)


@login_required
@require_POST
def coop_share_class_create(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = _get_writable(request, cooperative_id)
    form = f.ShareClassForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            share_writes.share_class_create(
                user=request.user,
                cooperative=cooperative,
                kind=data["kind"],
                name=data["name"],
                unit_name=data["unit_name"] or None,
                unit_value_fen=data["unit_value_fen"] if data["unit_value_fen"] is not None else 0,
            )
        except TongzhouError as exc:
            _service_failed(form, exc)
        else:
            messages.success(request, _("股份类别已设立。"))
            return redirect(_coop_url(cooperative, "shares"))
    return _coop_page(request, cooperative, "shares", status=400, class_form=form)


@login_required
@require_POST
def coop_share_subscribe(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = _get_writable(request, cooperative_id)
    form = f.ShareSubscribeForm(
        request.POST,
        members=_member_choices(request, cooperative, (MemberStatus.ACTIVE,)),
        share_classes=_class_choices(cooperative),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = _member_of(request, cooperative, data["member"], "member")
            share_class = _share_class_of(cooperative, data["share_class"])
            if member is None:
                raise _required("member")
            if share_class is None:
                raise _required("share_class")
            entry = share_writes.share_subscribe(
                user=request.user,
                member=member,
                share_class=share_class,
                units=data["units"],
                on=data["on"],
                reason=data["reason"],
            )
        except TongzhouError as exc:
            _service_failed(form, exc)
        else:
            messages.success(
                request,
                _("已记录认购：%(name)s %(units)s%(unit)s，%(amount)s。")
                % {
                    "name": member.display_name,
                    "units": _units(entry.units_centi),
                    "unit": share_class.unit_name,
                    "amount": format_yuan(entry.amount_fen),
                },
            )
            return redirect(_coop_url(cooperative, "shares"))
    return _coop_page(request, cooperative, "shares", status=400, subscribe_form=form)


@login_required
@require_POST
def coop_share_transfer(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = _get_writable(request, cooperative_id)
    form = f.ShareTransferForm(
        request.POST,
        members=_member_choices(request, cooperative, LIVE),
        share_classes=_class_choices(cooperative),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            from_member = _member_of(request, cooperative, data["from_member"], "from_member")
            to_member = _member_of(request, cooperative, data["to_member"], "to_member")
            share_class = _share_class_of(cooperative, data["share_class"])
            for name, value in (
                ("from_member", from_member),
                ("to_member", to_member),
                ("share_class", share_class),
            ):
                if value is None:
                    raise _required(name)
            share_writes.share_transfer(
                user=request.user,
                from_member=from_member,
                to_member=to_member,
                share_class=share_class,
                units=data["units"],
                on=data["on"],
                reason=data["reason"],
            )
        except TongzhouError as exc:
            _service_failed(form, exc)
        else:
            messages.success(request, _("股份转让已记录。"))
            return redirect(_coop_url(cooperative, "shares"))
    return _coop_page(request, cooperative, "shares", status=400, transfer_form=form)


@login_required
@require_POST
def coop_transaction_record(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = _get_writable(request, cooperative_id)
    form = f.TransactionForm(request.POST, members=_member_choices(request, cooperative, LIVE))
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = _member_of(request, cooperative, data["member"], "member")
            row = transaction_writes.transaction_record(
                user=request.user,
                cooperative=cooperative,
                member=member,
                counterparty_name=data["counterparty_name"],
                **{
                    k: data[k]
                    for k in ("kind", "on", "product", "grade", "quantity", "unit", "unit_price", "amount")
                },
            )
        except TongzhouError as exc:
            _service_failed(form, exc)
        else:
            messages.success(
                request,
                _("交易已记录：%(product)s %(quantity)s%(unit)s，%(amount)s。")
                % {
                    "product": row.product,
                    "quantity": _quantity(row.quantity),
                    "unit": row.unit,
                    "amount": format_yuan(row.amount_fen),
                },
            )
            return redirect(_coop_url(cooperative, "transactions", year=row.year))
    return _coop_page(request, cooperative, "transactions", status=400, transaction_form=form)
