"""Forms of the distribution pages (盈余分配). They only collect what a user typed (yuan → fen, percent → basis points
are unit conversions at the edge); every rule lives in the distribution services, whose errors come back next to
the field they name. The field names are the services' own, so an error's `details.fields` finds its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongzhou.distribution.models import PaymentMethod

from .forms_coops import PercentField, YuanField, _date_field


class ComputeForm(forms.Form):
    """Compute a draft (计算分配草稿): the books give the surplus and the losses unless typed here."""

    surplus_fen = YuanField(label=_("本年盈余（元，留空则取账簿）"), required=False, max_length=30)
    losses_to_make_up_fen = YuanField(
        label=_("待弥补亏损（元，留空则取账簿）"), required=False, max_length=30
    )
    subsidy_property_fen = YuanField(label=_("未量化的补助形成财产（元）"), required=False, max_length=30)
    conversion_bp = PercentField(label=_("转为出资比例（%）"), required=False, max_value=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "compute")
        super().__init__(*args, **kwargs)
        for name in ("surplus_fen", "losses_to_make_up_fen", "subsidy_property_fen"):
            self.fields[name].widget.attrs.update(inputmode="decimal", autocomplete="off")


class PublishForm(forms.Form):
    on = _date_field(_("公示日期"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "publish")
        super().__init__(*args, **kwargs)


class ApproveForm(forms.Form):
    assembly_on = _date_field(_("成员大会日期"), required=False)
    votes_for = forms.IntegerField(label=_("赞成票"), required=False, min_value=0)
    votes_against = forms.IntegerField(label=_("反对票"), required=False, min_value=0, initial=0)
    members_entitled = forms.IntegerField(label=_("有表决权的成员数"), required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "approve")
        super().__init__(*args, **kwargs)
        for name in ("votes_for", "votes_against", "members_entitled"):
            self.fields[name].widget.attrs.update(inputmode="numeric")


class PostForm(forms.Form):
    on = _date_field(_("记账日期"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "post")
        super().__init__(*args, **kwargs)


class PayForm(forms.Form):
    """Pay cash due: every member in full, or one member (all of what is due, or an amount)."""

    on = _date_field(_("发放日期"), required=False)
    member = forms.TypedChoiceField(label=_("成员"), choices=[], coerce=int, required=False, empty_value=None)
    amount_fen = YuanField(label=_("金额（元，留空则发放全部应发）"), required=False, max_length=30)
    method = forms.ChoiceField(
        label=_("发放方式"), choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER
    )
    reference = forms.CharField(label=_("凭据号"), required=False, max_length=60)

    def __init__(self, *args: Any, members: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "pay")
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", _("全部成员（发放全部应发）")), *(members or [])]
        self.fields["amount_fen"].widget.attrs.update(inputmode="decimal", autocomplete="off")


class ReverseForm(forms.Form):
    on = _date_field(_("冲销日期"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reverse")
        super().__init__(*args, **kwargs)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=1990, max_value=2100)
