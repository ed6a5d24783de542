"""The region's runs computed, posted, or paid in full, at once from the region's distribution page (利益链): a
township's agency (村账乡代管) computes every body's draft, posts every run its bodies' assemblies approved, then pays
them. POST only; write access to the
region is asked before the form is read (a reader gets 403); a refusal of any run is rendered as the error page
(naming the body and the run) and nothing changes; success goes back to the page with a message."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongzhou.core.errors import InvalidInput
from tongzhou.core.money import format_yuan
from tongzhou.distribution.services import runs_compute_batch, runs_pay_batch, runs_post_batch
from tongzhou.regions.scope import require_write


class BatchForm(forms.Form):
    on = forms.DateField(required=False, label=gettext_lazy("日期"))


def _year(year: str) -> int:
    value = int(year)
    if not 1990 <= value <= 2100:
        raise InvalidInput(
            "年度不正确。", "The year is not valid.", code="year_invalid", details={"field": "year"}
        )
    return value


@login_required
@require_POST
def distribution_runs_batch(request: HttpRequest, code: str, year: str, action: str) -> HttpResponse:
    require_write(request.user, code)
    year_value = _year(year)
    form = BatchForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(
            "日期无效，应为 YYYY-MM-DD。",
            "The date is not valid (YYYY-MM-DD).",
            code="date_invalid",
            details={"field": "on", "value": request.POST.get("on", "")},
        )
    on = form.cleaned_data["on"]
    if action == "compute":
        result = runs_compute_batch(user=request.user, region_code=code, year=year_value, via="web")
        messages.success(
            request,
            _("已计算 %(runs)s 个分配草稿，%(lines)s 行明细。")
            % {"runs": len(result.runs), "lines": result.lines},
        )
        for entry in result.skipped:
            messages.warning(
                request,
                _("未计算 %(body)s：%(reason)s")
                % {"body": entry["body_name"], "reason": entry["message_zh"]},
            )
    elif action == "post":
        result = runs_post_batch(user=request.user, region_code=code, year=year_value, on=on, via="web")
        messages.success(
            request,
            _("已记账 %(runs)s 个分配方案，凭证 %(vouchers)s 张。")
            % {"runs": len(result.runs), "vouchers": result.vouchers},
        )
    else:
        if on is None:
            raise InvalidInput(
                "请填写发放日期。", "Give the payment date.", code="date_required", details={"field": "on"}
            )
        result = runs_pay_batch(user=request.user, region_code=code, year=year_value, on=on, via="web")
        messages.success(
            request,
            _("已发放 %(runs)s 个分配方案，%(payments)s 笔，共 %(amount)s 元。")
            % {
                "runs": len(result.runs),
                "payments": result.payments,
                "amount": format_yuan(result.amount_fen),
            },
        )
    return redirect("web:cascade", code=code, year=year_value)
