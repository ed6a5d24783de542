"""Forms of the cooperative pages. They only collect what a user typed (percent → basis points and yuan → fen are
unit conversions at the edge); every rule lives in the coops services, whose errors come back per field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongzhou.coops.models import Industry, LegalForm, Level, ShareClassKind, TransactionKind
from tongzhou.coops.models.cooperatives import TransactionBasis
from tongzhou.core.errors import InvalidInput
from tongzhou.core.money import yuan_to_fen

DATE_WIDGET = {"type": "date"}


def _date_field(label: str, **kwargs: Any) -> forms.DateField:
    # An <input type="date"> shows only an ISO value; the localised "2026/11/29" would leave it blank.
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"), **kwargs
    )


class PercentField(forms.DecimalField):
    """A rate typed in percent (60 or 60.5), handed on as integer basis points (6000, 6050)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=5, decimal_places=2, min_value=0, **kwargs)
        self.widget.attrs.update(inputmode="decimal")

    def clean(self, value: Any) -> int | None:
        number = super().clean(value)
        return None if number is None else int(number * 100)


class YuanField(forms.CharField):
    """An amount typed in yuan ("100", "1,234.50"), handed on as integer fen."""

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return yuan_to_fen(text)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None


class CooperativeListFilter(forms.Form):
    level = forms.ChoiceField(label=_("层级"), required=False, choices=[("", _("全部层级")), *Level.choices])
    region = forms.RegexField(regex=r"^[0-9]{2,12}$", required=False, widget=forms.HiddenInput)


class CooperativeForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120, required=False)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False)
    level = forms.ChoiceField(label=_("层级"), choices=Level.choices, initial=Level.VILLAGE)
    legal_form = forms.ChoiceField(
        label=_("组织形式"), choices=LegalForm.choices, initial=LegalForm.FARMERS_COOPERATIVE
    )
    region_code = forms.CharField(label=_("所属地区代码"), max_length=12, required=False)
    founded_on = _date_field(_("成立日期"), required=False)
    industry = forms.ChoiceField(label=_("主导产业"), choices=Industry.choices, initial=Industry.MIXED)
    chairperson_name = forms.CharField(label=_("理事长"), max_length=50, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credit_code"].widget.attrs.update(autocomplete="off", spellcheck="false", maxlength="18")
        self.fields["region_code"].widget.attrs.update(inputmode="numeric", placeholder="520502100201")


class BylawsForm(forms.Form):
    effective_from = _date_field(_("生效日期"), required=False)
    adopted_on = _date_field(_("成员大会通过日期"), required=False)
    reserve_rate_bp = PercentField(label=_("公积金提取比例（%）"), initial=10)
    patronage_share_bp = PercentField(label=_("按交易量返还比例（%）"), initial=60)
    transaction_basis = forms.ChoiceField(
        label=_("交易量计算口径"), choices=TransactionBasis.choices, initial=TransactionBasis.AMOUNT
    )
    patronage_transaction_kinds = forms.MultipleChoiceField(
        label=_("计入返还的交易类型"),
        choices=TransactionKind.choices,
        initial=[TransactionKind.SALE_TO_COOP],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    remainder_members = PercentField(label=_("剩余盈余：按出资和份额分给成员（%）"), initial=100)
    remainder_collective = PercentField(label=_("剩余盈余：村集体（%）"), initial=0)
    remainder_management = PercentField(label=_("剩余盈余：管理人员奖励（%）"), initial=0)
    remainder_welfare = PercentField(label=_("剩余盈余：公益金（%）"), initial=0)
    secondary_distribution_bp = PercentField(label=_("二次分配比例（%）"), initial=0)
    exit_notice_months = forms.IntegerField(label=_("退社提前通知（月）"), initial=3, min_value=0)
    organisation_exit_notice_months = forms.IntegerField(
        label=_("单位成员退社提前通知（月）"), initial=6, min_value=0
    )
    poverty_share_conversion_years = forms.IntegerField(
        label=_("财政扶贫股转为普通股的脱贫年限"), initial=5, min_value=0
    )
    transfer_to_non_members = forms.BooleanField(label=_("允许向非成员转让股份"), required=False)
    join_rules = forms.CharField(
        label=_("入社条件"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    REMAINDER = {
        "members": "remainder_members",
        "collective": "remainder_collective",
        "management": "remainder_management",
        "welfare": "remainder_welfare",
    }

    def terms(self) -> dict[str, Any]:
        """What the bylaws service takes: the dates, the rules' terms and the joining rules."""
        data = self.cleaned_data
        split = {key: data[name] for key, name in self.REMAINDER.items() if data.get(name)}
        return {
            "effective_from": data.get("effective_from"),
            "adopted_on": data.get("adopted_on"),
            "join_rules": data.get("join_rules", ""),
            "reserve_rate_bp": data["reserve_rate_bp"] or 0,
            "patronage_share_bp": data["patronage_share_bp"] or 0,
            "transaction_basis": data["transaction_basis"],
            "patronage_transaction_kinds": tuple(data.get("patronage_transaction_kinds") or ()),
            "remainder_split": split,
            "secondary_distribution_bp": data["secondary_distribution_bp"] or 0,
            "exit_notice_months": data["exit_notice_months"],
            "organisation_exit_notice_months": data["organisation_exit_notice_months"],
            "poverty_share_conversion_years": data["poverty_share_conversion_years"],
            "transfer_to_non_members": data["transfer_to_non_members"],
        }


APPLICANT_CHOICES = [("household", _("本村农户")), ("cooperative", _("村集体经济组织或其他合作社"))]


class MemberApplyForm(forms.Form):
    applicant = forms.ChoiceField(
        label=_("申请人类型"), choices=APPLICANT_CHOICES, initial="household", widget=forms.RadioSelect
    )
    household_number = forms.CharField(label=_("户编号"), max_length=60, required=False)
    member_cooperative = forms.TypedChoiceField(
        label=_("村集体经济组织或合作社"), coerce=int, required=False, empty_value=None, choices=[]
    )
    applied_on = _date_field(_("申请日期"), required=False, initial=dt.date.today)
    is_village_cadre = forms.BooleanField(label=_("村两委干部"), required=False)
    notes = forms.CharField(label=_("备注"), required=False, max_length=500)

    def __init__(self, *args: Any, cooperatives: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_cooperative"].choices = [("", "—"), *(cooperatives or [])]


class MemberApproveForm(forms.Form):
    joined_on = _date_field(_("入社日期"), required=False, initial=dt.date.today)


class MemberRejectForm(forms.Form):
    reason = forms.CharField(label=_("不予批准的理由"), required=False, max_length=200)


class MemberExitForm(forms.Form):
    notice_on = _date_field(_("退社申请日期"), required=False, initial=dt.date.today)
    leave_in_year = forms.IntegerField(label=_("退社年度（留空为最早可退年度）"), required=False)


class ShareClassForm(forms.Form):
    kind = forms.ChoiceField(label=_("股份类别"), choices=ShareClassKind.choices, initial=ShareClassKind.CASH)
    name = forms.CharField(label=_("名称"), max_length=60, required=False)
    unit_name = forms.CharField(label=_("单位"), max_length=10, required=False)
    unit_value_fen = YuanField(label=_("每单位作价（元）"), required=False, max_length=20)


class _MemberChoiceForm(forms.Form):
    # Two of these forms share a page: their element ids differ by this prefix (their field names do not).
    id_prefix = "id"

    def __init__(
        self,
        *args: Any,
        members: list[tuple[int, str]] | None = None,
        share_classes: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name in ("member", "from_member", "to_member"):
                field.choices = [("", "—"), *(members or [])]
            elif name == "share_class":
                field.choices = [("", "—"), *(share_classes or [])]


def _choice(label: str, required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, required=required, empty_value=None, choices=[])


class ShareSubscribeForm(_MemberChoiceForm):
    id_prefix = "subscribe"
    member = _choice(_("成员"))
    share_class = _choice(_("股份类别"))
    units = forms.CharField(label=_("数量"), max_length=20, required=False)
    on = _date_field(_("日期"), required=False, initial=dt.date.today)
    reason = forms.CharField(label=_("事由"), max_length=200, required=False, initial=_("认购入股"))


class ShareTransferForm(_MemberChoiceForm):
    id_prefix = "transfer"
    from_member = _choice(_("转出成员"))
    to_member = _choice(_("转入成员"))
    share_class = _choice(_("股份类别"))
    units = forms.CharField(label=_("数量"), max_length=20, required=False)
    on = _date_field(_("日期"), required=False, initial=dt.date.today)
    reason = forms.CharField(label=_("事由"), max_length=200, required=False)


class TransactionForm(_MemberChoiceForm):
    member = _choice(_("成员"))
    counterparty_name = forms.CharField(
        label=_("非成员交易对象（非成员交易时填写）"), max_length=120, required=False
    )
    kind = forms.ChoiceField(
        label=_("交易类型"), choices=TransactionKind.choices, initial=TransactionKind.SALE_TO_COOP
    )
    on = forms.CharField(label=_("日期"), required=False, widget=forms.DateInput(attrs=DATE_WIDGET))
    product = forms.CharField(label=_("产品或项目"), max_length=60, required=False)
    grade = forms.CharField(label=_("等级"), max_length=20, required=False)
    quantity = forms.CharField(label=_("数量"), max_length=20, required=False)
    unit = forms.CharField(label=_("单位"), max_length=10, required=False, initial="kg")
    unit_price = forms.CharField(label=_("单价（元）"), max_length=20, required=False)
    amount = forms.CharField(label=_("金额（元，留空则按数量×单价）"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("quantity", "unit_price", "amount"):
            self.fields[name].widget.attrs.update(inputmode="decimal")
        if not self.is_bound:
            self.initial.setdefault("on", dt.date.today().isoformat())


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1990, max_value=2100)


# ---- inheritance, conversion, redemption and exit settlement (views_coop_shares) -----------------------------


class ShareInheritForm(_MemberChoiceForm):
    """继承: every holding of a deceased member passes whole to an heir who is already an active member."""

    id_prefix = "inherit"
    deceased_member = _choice(_("被继承成员（已故）"))
    heir_member = _choice(_("继承人（须为在册成员）"))
    on = _date_field(_("日期"), required=False, initial=dt.date.today)
    reason = forms.CharField(label=_("事由及证明材料"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        members: list[tuple[int, str]] | None = None,
        heirs: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deceased_member"].choices = [("", "—"), *(members or [])]
        self.fields["heir_member"].choices = [("", "—"), *(heirs or [])]
        self.fields["reason"].widget.attrs.update(placeholder=_("如：继承公证书编号"))


class PovertyConversionForm(_MemberChoiceForm):
    """扶贫资金股份转为普通股: one run converts every member whose household is out of poverty long enough."""

    id_prefix = "convert"
    on = _date_field(_("转换日期"), required=False, initial=dt.date.today)


class ShareRedeemForm(_MemberChoiceForm):
    """退股: part of a member's capital in one class is paid back."""

    id_prefix = "redeem"
    member = _choice(_("成员"))
    share_class = _choice(_("股份类别"))
    units = forms.CharField(label=_("数量"), max_length=20, required=False)
    on = _date_field(_("日期"), required=False, initial=dt.date.today)
    reason = forms.CharField(label=_("事由"), max_length=200, required=False, initial=_("退股"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].widget.attrs.update(inputmode="decimal")


class ExitSettleForm(forms.Form):
    """退社结算 of one member: the date and the quantified reserve share returned with the capital (Art. 28)."""

    on = _date_field(_("结算日期"), required=False)
    reserve_share_fen = YuanField(label=_("退还公积金份额（元）"), required=False, max_length=20)

    def __init__(self, *args: Any, member_id: int = 0, **kwargs: Any) -> None:
        # One form per leaving member on the page: their element ids differ by the member.
        kwargs.setdefault("auto_id", f"settle{member_id}_%s")
        super().__init__(*args, **kwargs)
        self.fields["reserve_share_fen"].widget.attrs.update(inputmode="decimal", placeholder="0.00")

    def clean_reserve_share_fen(self) -> int:
        fen = self.cleaned_data.get("reserve_share_fen")
        if fen is not None and fen < 0:
            raise forms.ValidationError(_("公积金份额不能为负。"))
        return fen or 0
