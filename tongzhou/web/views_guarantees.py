"""The guaranteed payments page (保底收益) of a body's year: the payments the bylaws and the share ledger give (a
preview), the form to book them (and pay them at once), and the year's bookings with their lines and vouchers, with
the forms to pay or reverse a booking not yet paid.

Reads and writes go through `distribution.services.guarantees`, which check scope and every rule; a service's error
comes back next to the field it names and changes nothing. Forms are shown only to users who may write the body's
region, and every POST asks for write access before it reads the form (a reader gets 403).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tongzhou.coops.models import ShareClassKind
from tongzhou.coops.selectors.cooperatives import cooperative_get
from tongzhou.core.errors import TongzhouError
from tongzhou.core.money import format_yuan
from tongzhou.distribution.models import GuaranteeBooking
from tongzhou.distribution.services import guarantees as service
from tongzhou.regions.scope import require_write

from .forms_coops import _date_field
from .views_distribution import _page_base, _service_error, _year

BASIS = {"per_mu": gettext_lazy("/亩"), "per_unit": gettext_lazy("/股")}


class BookForm(forms.Form):
    on = _date_field(gettext_lazy("记账日期（留空为 12 月 31 日）"), required=False)
    pay = forms.BooleanField(label=gettext_lazy("同时发放"), required=False, initial=True)
    paid_on = _date_field(gettext_lazy("发放日期（留空为记账日期）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "book")
        super().__init__(*args, **kwargs)


class StepForm(forms.Form):
    on = _date_field(gettext_lazy("日期（留空为记账日期）"), required=False)


def _units(centi: int) -> str:
    return f"{centi // 100}.{centi % 100:02d}"


def _row(member_id: int, name: str, kind: str, basis: str, units: int, rate: int, amount: int) -> dict:
    return {
        "member_id": member_id,
        "name": name,
        "kind": kind,
        "units": _units(units),
        "rate": format_yuan(rate),
        "unit": BASIS.get(basis, ""),
        "amount": format_yuan(amount),
    }


def _url(body_id: int, year: int) -> str:
    return reverse("web:distribution_guarantees", args=[body_id, year])


def _page(
    request: HttpRequest, body, year: int, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {**_page_base(request, body), "year": year}
    kinds = dict(ShareClassKind.choices)
    try:
        preview = service.guarantees_preview(user=request.user, body=body, year=year)
    except TongzhouError as exc:
        if exc.http_status in (403, 404):
            raise
        context["preview_error"] = exc.message
        preview = None
    if preview is not None:
        context.update(
            preview=preview,
            preview_rows=[
                _row(
                    x.member.pk,
                    x.member.display_name,
                    str(kinds.get(x.share_class, x.share_class)),
                    x.basis,
                    x.units_centi,
                    x.rate_fen,
                    x.amount_fen,
                )
                for x in preview.lines
            ],
            preview_total=format_yuan(preview.total_fen),
            terms=[
                {
                    "kind": str(kinds.get(g["share_class"], g["share_class"])),
                    "rate": format_yuan(g["amount_fen"]),
                    "unit": BASIS.get(g["basis"], ""),
                }
                for g in preview.guarantees
            ],
        )
    bookings = []
    for booking in service.guarantee_list(user=request.user, body=body, year=year).prefetch_related(
        "vouchers", "payment_vouchers", "reversal_vouchers"
    ):
        bookings.append(
            {
                "b": booking,
                "total": format_yuan(booking.total_fen),
                "rows": [
                    _row(
                        x.member_id,
                        x.display_name,
                        str(kinds.get(x.share_class, x.share_class)),
                        x.basis,
                        x.units_centi,
                        x.rate_fen,
                        x.amount_fen,
                    )
                    for x in booking.lines.order_by("member_id", "share_class")
                ],
                "vouchers": [
                    *booking.vouchers.all(),
                    *booking.payment_vouchers.all(),
                    *booking.reversal_vouchers.all(),
                ],
            }
        )
    standing = next((x["b"] for x in bookings if x["b"].reversed_on is None), None)
    context.update(bookings=bookings, standing=standing)
    bound = bound or {}
    forms_: dict[str, Any] = {}
    if context["can_write"]:
        if standing is None and preview is not None and preview.lines:
            forms_["book"] = bound.get("book") or BookForm()
        if standing is not None and standing.paid_on is None:
            forms_["pay"] = bound.get("pay") or StepForm(prefix="pay")
            forms_["reverse"] = bound.get("reverse") or StepForm(prefix="reverse")
        for name, form in bound.items():
            forms_.setdefault(name, form)
    context["forms"] = forms_
    return render(request, "web/distribution/guarantees.html", context, status=status)


@login_required
@require_GET
def distribution_guarantees(request: HttpRequest, cooperative_id: int, year: int) -> HttpResponse:
    """The year's guaranteed payments: preview, bookings, and the step the user may take now."""
    body = cooperative_get(user=request.user, cooperative_id=cooperative_id)
    return _page(request, body, _year(year))


@login_required
@require_POST
def distribution_guarantees_book(request: HttpRequest, cooperative_id: int, year: int) -> HttpResponse:
    """Book the year's guaranteed payments (and pay them at once when asked)."""
    body = cooperative_get(user=request.user, cooperative_id=cooperative_id)
    require_write(request.user, body.region_code)
    year = _year(year)
    form = BookForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            booking = service.guarantees_book(
                user=request.user,
                body=body,
                year=year,
                on=data["on"],
                pay=data["pay"],
                paid_on=data["paid_on"] if data["pay"] else None,
                via="web",
            )
        except TongzhouError as exc:
            _service_error(form, exc)
            status = exc.http_status
        else:
            done = _("保底收益已记账并发放。") if booking.paid_on else _("保底收益已记账。")
            messages.success(request, f"{done} {format_yuan(booking.total_fen)}")
            return redirect(_url(body.pk, year))
    return _page(request, body, year, bound={"book": form}, status=status)


def _writable(request: HttpRequest, booking_id: int) -> GuaranteeBooking:
    booking = service.guarantee_get(user=request.user, booking_id=booking_id)
    require_write(request.user, booking.region_code)
    return booking


@login_required
@require_POST
def distribution_guarantees_step(request: HttpRequest, booking_id: int, action: str) -> HttpResponse:
    """Pay a booking in full, or reverse it while unpaid."""
    booking = _writable(request, booking_id)
    form = StepForm(request.POST, prefix=action)
    status = 400
    if form.is_valid():
        step = service.guarantees_pay if action == "pay" else service.guarantees_reverse
        try:
            step(user=request.user, booking=booking, on=form.cleaned_data["on"], via="web")
        except TongzhouError as exc:
            _service_error(form, exc)
            status = exc.http_status
        else:
            messages.success(
                request, _("保底收益已发放。") if action == "pay" else _("保底收益已冲销，可重新记账。")
            )
            return redirect(_url(booking.body_id, booking.year))
    return _page(request, booking.body, booking.year, bound={action: form}, status=status)
