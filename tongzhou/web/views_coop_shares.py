"""The share operations that end or change a holding, on the cooperative page: inheritance (继承), conversion of
fiscal poverty-fund shares into ordinary shares (扶贫资金股份转为普通股), redemption (退股) and exit settlement
(退社结算) (农民专业合作社法 Art. 28, 44).

As in views_coops: reads through the coops selectors, writes through the coops services, every POST first asks for
write access to the cooperative's region, and a refusal re-renders the tab with the error next to the field it
names, nothing written. The shares and members tabs take these forms and their previews (who is due for
conversion, what a leaving member gets back) from shares_tab_context and members_tab_context, for writers only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongzhou.coops.domain import shares as share_rules
from tongzhou.coops.models import Cooperative, EntryType, MemberStatus
from tongzhou.coops.selectors import membership as member_reads
from tongzhou.coops.selectors import shares as share_reads
from tongzhou.coops.services import shares as share_writes
from tongzhou.core.errors import TongzhouError
from tongzhou.core.money import format_yuan
from tongzhou.regions.scope import access_for

from . import forms_coops as f
from . import views_coops as base

# Every entry, whatever its date: what the services read when they move a holding.
ALL_ENTRIES = dt.date.max


# ---- what the tabs show --------------------------------------------------------------------------------------


def _writable(request: HttpRequest, cooperative: Cooperative) -> bool:
    return access_for(request.user).can_write(cooperative.region_code)


def _holdings_by_member(request: HttpRequest, cooperative: Cooperative) -> dict[int, dict[int, Any]]:
    held: dict[int, dict[int, Any]] = {}
    for (member_id, class_id), holding in share_reads.holdings_at(
        user=request.user, cooperative=cooperative, on=ALL_ENTRIES
    ).items():
        held.setdefault(member_id, {})[class_id] = holding
    return held


def shares_tab_context(request: HttpRequest, cooperative: Cooperative, forms: dict) -> dict:
    """The inheritance, redemption and conversion forms of the shares tab, and who is due for conversion."""
    if not _writable(request, cooperative):
        return {}
    live = base._member_choices(request, cooperative, base.LIVE)
    active = base._member_choices(request, cooperative, (MemberStatus.ACTIVE,))
    return {
        "inherit_form": forms.get("inherit_form") or f.ShareInheritForm(members=live, heirs=active),
        "redeem_form": forms.get("redeem_form")
        or f.ShareRedeemForm(members=live, share_classes=base._class_choices(cooperative)),
        "convert_form": forms.get("convert_form") or f.PovertyConversionForm(),
        "conversion": _conversion_preview(request, cooperative),
    }


def _conversion_preview(request: HttpRequest, cooperative: Cooperative) -> dict | None:
    """Every holder of fiscal poverty-fund shares, with the year their household left poverty and whether the
    shares convert this year under the bylaws in force today; None when the cooperative has no such class."""
    preview = share_reads.poverty_conversion_preview(
        user=request.user, cooperative=cooperative, on=dt.date.today()
    )
    if preview is None:
        return None
    rows = [
        {
            "member": c.member,
            "exit_year": c.exit_year,
            "converts_on": c.converts_on,
            "units": base._units(c.holding.units_centi),
            "amount": format_yuan(c.holding.amount_fen),
            "cash_units": base._units(c.cash_units_centi) if c.cash_units_centi is not None else "",
            "due": c.due,
        }
        for c in preview.candidates
    ]
    return {
        "poverty_class": preview.poverty_class,
        "cash_class": preview.cash_class,
        "years": preview.years,
        "rows": rows,
        "due_count": preview.due_count,
    }


def members_tab_context(request: HttpRequest, cooperative: Cooperative, forms: dict) -> dict:
    """The members who gave notice of exit, each with what the settlement returns and withdraws and its form."""
    if not _writable(request, cooperative):
        return {}
    user = request.user
    today = dt.date.today()
    leaving = list(
        member_reads.member_list(user=user, cooperative=cooperative, status=MemberStatus.EXIT_NOTIFIED)
    )
    if not leaving:
        return {"settlements": []}
    classes = {c.pk: c for c in share_reads.share_class_list(user=user, cooperative=cooperative)}
    held = _holdings_by_member(request, cooperative)
    failed_form, failed_id = forms.get("settle_form"), forms.get("settle_member_id")
    settlements = []
    for member in leaving:
        mine = held.get(member.pk, {})
        # The member account's split (capital vs subsidy-formed) is the one the settlement pays back by.
        account = share_rules.member_account(
            member_id=member.pk,
            year=today.year,
            held=mine,
            class_kinds={pk: c.kind for pk, c in classes.items()},
            capital_classes={pk for pk, c in classes.items() if c.is_capital},
        )
        effective = member.exit_effective_on
        initial_on = max(today, effective) if effective else today
        settlements.append(
            {
                "member": member,
                "due": effective is not None and effective <= today,
                "holdings": [
                    {
                        "share_class": classes[class_id],
                        "units": base._units(h.units_centi),
                        "amount": format_yuan(h.amount_fen),
                    }
                    for class_id, h in sorted(mine.items())
                ],
                "capital": format_yuan(account.capital_fen),
                "subsidy": format_yuan(account.subsidy_share_fen),
                "has_subsidy": account.subsidy_share_fen != 0,
                "form": failed_form
                if failed_id == member.pk
                else f.ExitSettleForm(member_id=member.pk, initial={"on": initial_on}),
            }
        )
    return {"settlements": settlements}


# ---- writes --------------------------------------------------------------------------------------------------


def _require(**chosen: Any) -> None:
    for name, value in chosen.items():
        if value is None:
            raise base._required(name)


@login_required
@require_POST
def coop_share_inherit(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = base._get_writable(request, cooperative_id)
    form = f.ShareInheritForm(
        request.POST,
        members=base._member_choices(request, cooperative, base.LIVE),
        heirs=base._member_choices(request, cooperative, (MemberStatus.ACTIVE,)),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            deceased = base._member_of(request, cooperative, data["deceased_member"], "deceased_member")
            heir = base._member_of(request, cooperative, data["heir_member"], "heir_member")
            _require(deceased_member=deceased, heir_member=heir)
            entries = share_writes.share_inherit(
                user=request.user,
                deceased_member=deceased,
                heir_member=heir,
                on=data["on"],
                reason=data["reason"],
            )
        except TongzhouError as exc:
            base._service_failed(form, exc)
        else:
            messages.success(
                request,
                _("已记录继承：%(deceased)s 的全部股份（%(classes)s 类，%(amount)s）转给 %(heir)s。")
                % {
                    "deceased": deceased.display_name,
                    "heir": heir.display_name,
                    "classes": len(entries) // 2,
                    "amount": format_yuan(sum(e.amount_fen for e in entries if e.member_id == heir.pk)),
                },
            )
            return redirect(base._coop_url(cooperative, "shares"))
    return base._coop_page(request, cooperative, "shares", status=400, inherit_form=form)


@login_required
@require_POST
def coop_share_convert(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = base._get_writable(request, cooperative_id)
    form = f.PovertyConversionForm(request.POST)
    if form.is_valid():
        try:
            entries = share_writes.poverty_shares_convert(
                user=request.user, cooperative=cooperative, on=form.cleaned_data["on"]
            )
        except TongzhouError as exc:
            base._service_failed(form, exc)
        else:
            converted = [e for e in entries if e.entry_type == EntryType.CONVERSION_IN]
            if converted:
                messages.success(
                    request,
                    _("已将 %(count)s 名成员的财政扶贫资金股转为现金股，合计 %(amount)s。")
                    % {"count": len(converted), "amount": format_yuan(sum(e.amount_fen for e in converted))},
                )
            else:
                messages.info(request, _("没有到期应转换的财政扶贫资金股，未作任何变动。"))
            return redirect(base._coop_url(cooperative, "shares"))
    return base._coop_page(request, cooperative, "shares", status=400, convert_form=form)


@login_required
@require_POST
def coop_share_redeem(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    cooperative = base._get_writable(request, cooperative_id)
    form = f.ShareRedeemForm(
        request.POST,
        members=base._member_choices(request, cooperative, base.LIVE),
        share_classes=base._class_choices(cooperative),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = base._member_of(request, cooperative, data["member"], "member")
            share_class = base._share_class_of(cooperative, data["share_class"])
            _require(member=member, share_class=share_class)
            entry = share_writes.share_redeem(
                user=request.user,
                member=member,
                share_class=share_class,
                units=data["units"],
                on=data["on"],
                reason=data["reason"],
            )
        except TongzhouError as exc:
            base._service_failed(form, exc)
        else:
            messages.success(
                request,
                _("已记录退股：%(name)s %(units)s%(unit)s，退还 %(amount)s。")
                % {
                    "name": member.display_name,
                    "units": base._units(-entry.units_centi),
                    "unit": share_class.unit_name,
                    "amount": format_yuan(-entry.amount_fen),
                },
            )
            return redirect(base._coop_url(cooperative, "shares"))
    return base._coop_page(request, cooperative, "shares", status=400, redeem_form=form)


@login_required
@require_POST
def coop_member_exit_settle(request: HttpRequest, cooperative_id: int, member_id: int) -> HttpResponse:
    cooperative, member = base._member_action(request, cooperative_id, member_id)
    form = f.ExitSettleForm(request.POST, member_id=member.pk)
    failed = {"settle_form": form, "settle_member_id": member.pk}
    if not form.is_valid():
        return base._coop_page(request, cooperative, "members", status=400, **failed)
    try:
        member = share_writes.member_exit_settle(
            user=request.user,
            member=member,
            on=form.cleaned_data["on"],
            reserve_share_fen=form.cleaned_data["reserve_share_fen"],
        )
    except TongzhouError as exc:
        # The member may no longer be listed for settlement: the message above the page says why too.
        return base._refused(request, cooperative, form, exc, "members", **failed)
    messages.success(
        request,
        _("已办理“%(name)s”的退社结算：退还出资 %(capital)s，退还公积金份额 %(reserve)s。")
        % {
            "name": member.display_name,
            "capital": format_yuan(member.exit_capital_returned_fen),
            "reserve": format_yuan(member.exit_reserve_returned_fen),
        },
    )
    return redirect(base._coop_url(cooperative, "members"))
