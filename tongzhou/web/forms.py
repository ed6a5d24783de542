"""Forms that only collect what a user typed. Every rule lives in the services; their errors come back per field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tongzhou.core.errors import TongzhouError
from tongzhou.households.domain import ETHNICITIES
from tongzhou.households.models import Disability, Health, LabourCapacity, Relation

POVERTY_CHOICES = [
    ("", _("全部农户")),
    ("registered", _("建档立卡未脱贫")),
    ("exited", _("已脱贫")),
    ("ever", _("建档立卡户（含已脱贫）")),
    ("never", _("非建档立卡户")),
]


class HouseholdListFilter(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    poverty = forms.ChoiceField(label=_("贫困状况"), required=False, choices=POVERTY_CHOICES)
    group = forms.CharField(required=False, max_length=15, widget=forms.HiddenInput)


class HouseholdForm(forms.Form):
    number = forms.CharField(label=_("户编号"), required=False, max_length=60)
    group_code = forms.ChoiceField(label=_("村民组"), required=False, choices=[])
    address = forms.CharField(label=_("住址"), required=False, max_length=200)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=40)
    poverty_registered_year = forms.CharField(label=_("建档立卡年度"), required=False, max_length=10)
    poverty_exit_year = forms.CharField(label=_("脱贫年度"), required=False, max_length=10)
    contracted_land_mu = forms.CharField(label=_("承包地面积（亩）"), required=False, max_length=20)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, groups: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group_code"].choices = [("", _("（未分组）")), *(groups or [])]
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        for name in ("poverty_registered_year", "poverty_exit_year"):
            self.fields[name].widget.attrs.update(inputmode="numeric", placeholder="2016")
        self.fields["contracted_land_mu"].widget.attrs.update(inputmode="decimal")


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), required=False, max_length=100)
    id_number = forms.CharField(label=_("身份证号码"), required=False, max_length=30)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices, initial=Relation.CHILD)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=[(e, e) for e in ETHNICITIES], initial="汉族")
    labour_capacity = forms.ChoiceField(
        label=_("劳动能力"), choices=LabourCapacity.choices, initial=LabourCapacity.ORDINARY
    )
    migrant_worker = forms.BooleanField(label=_("外出务工"), required=False)
    migrant_destination = forms.CharField(label=_("务工地点"), required=False, max_length=100)
    disability = forms.ChoiceField(label=_("残疾情况"), choices=Disability.choices, initial=Disability.NONE)
    health = forms.ChoiceField(label=_("健康状况"), choices=Health.choices, initial=Health.HEALTHY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update(autocomplete="off", spellcheck="false", maxlength="18")


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100, required=False)


def add_service_error(form: forms.Form, error: TongzhouError) -> None:
    """Show a service's error on the form: per field where it names fields, otherwise above the form."""
    english = (translation.get_language() or "").lower().startswith("en")
    fields = error.details.get("fields") if isinstance(error.details, dict) else None
    if fields:
        for name, problem in fields.items():
            message = problem.get("message_en" if english else "message_zh") or error.message
            form.add_error(name if name in form.fields else None, message)
        if not any(name in form.fields for name in fields):
            form.add_error(None, error.message)
    else:
        form.add_error(None, error.message)
