"""Household and person pages: read through the register selectors, write through the register services.

Identifiers are shown as the selectors decide (masked unless the role sees them in full); an edit form never
carries a full ID number or phone to a user who may not see it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tongzhou.core.errors import InvalidInput, TongzhouError
from tongzhou.core.money import format_yuan
from tongzhou.distribution import selectors as distribution_selectors
from tongzhou.households import selectors as household_selectors
from tongzhou.households import services as household_services
from tongzhou.households.domain import age_on
from tongzhou.regions import selectors as region_selectors
from tongzhou.regions.models import Level
from tongzhou.regions.scope import access_for

from .forms import HouseholdForm, PersonForm, add_service_error
from .forms_coops import YearForm

HOUSEHOLD_FORM_FIELDS = tuple(HouseholdForm.base_fields)
PERSON_FORM_FIELDS = tuple(PersonForm.base_fields)


def _village_groups(user, village_code: str) -> list[tuple[str, str]]:
    return [(g.code, g.name) for g in region_selectors.region_children(user=user, code=village_code)]


def _household_initial(user, household, *, full: bool) -> dict:
    initial = {name: getattr(household, name) for name in HOUSEHOLD_FORM_FIELDS}
    if not full:
        initial["phone"] = ""
    return {k: ("" if v is None else v) for k, v in initial.items()}


def _household_data(form: HouseholdForm, *, full: bool) -> dict:
    """What the household form sends to the service. A masked phone left empty means "unchanged"."""
    data = {name: form.cleaned_data.get(name, "") for name in HOUSEHOLD_FORM_FIELDS}
    if not full and not data.get("phone"):
        data.pop("phone")
    return data


def _person_data(form: PersonForm, *, full: bool, creating: bool) -> dict:
    data = {name: form.cleaned_data.get(name) for name in PERSON_FORM_FIELDS}
    if not creating and not data.get("id_number"):
        data.pop("id_number")  # left empty: keep the registered number
    return data


def _household_income(request: HttpRequest, household) -> dict:
    """The household's income lines of a year (?year=, else the latest year it has any, else this year), with
    their total: dividends, patronage returns, wages, land rent, guaranteed payments (issue 5, point 5)."""
    lines = distribution_selectors.household_income_lines(user=request.user, household=household)
    form = YearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() and form.cleaned_data["year"] else None
    if year is None:
        latest = lines.order_by("-year").values_list("year", flat=True).first()
        year = latest if latest is not None else dt.date.today().year
    rows = [
        {"line": line, "amount": format_yuan(line.amount_fen)}
        for line in lines.filter(year=year).select_related("body")
    ]
    total = sum(row["line"].amount_fen for row in rows)
    return {"income_year": year, "income_lines": rows, "income_total": format_yuan(total)}


def _household_page(request: HttpRequest, household, *, edit_form=None, person_form=None, status: int = 200):
    user = request.user
    access = access_for(user)
    full = household_selectors.shows_full_identifiers(user=user, village_code=household.village_code)
    can_write = access.can_write(household.village_code)
    groups = _village_groups(user, household.village_code)
    today = dt.date.today()
    persons = [
        {
            "person": p,
            "id_display": household_selectors.display_id_number(user=user, person=p),
            "age": age_on(p.birth_date, today),
        }
        for p in household_selectors.person_list(user=user, household_id=household.pk)
    ]
    village = region_selectors.region_get(user=user, code=household.village_code)
    if can_write:
        edit_form = edit_form or HouseholdForm(
            initial=_household_initial(user, household, full=full), groups=groups
        )
        person_form = person_form or PersonForm()
    context = {
        "household": household,
        "village": village,
        "ancestors": region_selectors.region_ancestors(village),
        "group_name": dict(groups).get(household.group_code, ""),
        "phone_display": household_selectors.display_phone(user=user, household=household),
        "full_identifiers": full,
        "persons": persons,
        "can_write": can_write,
        "edit_form": edit_form,
        "person_form": person_form,
        **_household_income(request, household),
    }
    return render(request, "web/household.html", context, status=status)


@login_required
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_selectors.household_get(user=request.user, household_id=household_id)
    return _household_page(request, household)


@login_required
@require_POST
def household_edit(request: HttpRequest, household_id: int) -> HttpResponse:
    user = request.user
    household = household_selectors.household_get(user=user, household_id=household_id)
    full = household_selectors.shows_full_identifiers(user=user, village_code=household.village_code)
    form = HouseholdForm(request.POST, groups=_village_groups(user, household.village_code))
    if form.is_valid():
        try:
            household_services.household_update(
                user=user, household=household, **_household_data(form, full=full)
            )
        except TongzhouError as exc:
            if exc.http_status in (403, 404):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, _("农户信息已保存。"))
            return redirect("web:household", household_id=household.pk)
    return _household_page(request, household, edit_form=form, status=400)


@login_required
@require_POST
def person_add(request: HttpRequest, household_id: int) -> HttpResponse:
    user = request.user
    household = household_selectors.household_get(user=user, household_id=household_id)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            household_services.person_create(
                user=user, household=household, **_person_data(form, full=False, creating=True)
            )
        except TongzhouError as exc:
            if exc.http_status in (403, 404):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, _("已添加家庭成员。"))
            return redirect("web:household", household_id=household.pk)
    return _household_page(request, household, person_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    village = region_selectors.region_get(user=user, code=code)
    if village.level != Level.VILLAGE:
        raise InvalidInput(
            "只能在村（社区）下新建农户。", "Households are created in a village.", code="not_a_village"
        )
    groups = _village_groups(user, code)
    form = HouseholdForm(request.POST or None, groups=groups)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                household = household_services.household_create(
                    user=user, village_code=code, **_household_data(form, full=True)
                )
            except TongzhouError as exc:
                if exc.http_status in (403, 404):
                    raise
                add_service_error(form, exc)
            else:
                messages.success(request, _("农户已登记，请添加户主等家庭成员。"))
                return redirect("web:household", household_id=household.pk)
    context = {
        "village": village,
        "ancestors": region_selectors.region_ancestors(village),
        "form": form,
        "can_write": access_for(user).can_write(code),
    }
    return render(request, "web/household_new.html", context, status=status)


def _person_page(request: HttpRequest, person, *, form=None, status: int = 200) -> HttpResponse:
    user = request.user
    household = person.household
    full = household_selectors.shows_full_identifiers(user=user, village_code=person.village_code)
    can_write = access_for(user).can_write(person.village_code)
    if can_write and form is None:
        initial = {name: getattr(person, name) for name in PERSON_FORM_FIELDS}
        if not full:
            initial["id_number"] = ""
        form = PersonForm(initial=initial)
    village = region_selectors.region_get(user=user, code=person.village_code)
    context = {
        "person": person,
        "household": household,
        "village": village,
        "ancestors": region_selectors.region_ancestors(village),
        "id_display": household_selectors.display_id_number(user=user, person=person),
        "age": age_on(person.birth_date, dt.date.today()),
        "full_identifiers": full,
        "can_write": can_write,
        "form": form,
    }
    return render(request, "web/person.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    user = request.user
    person = household_selectors.person_get(user=user, person_id=person_id)
    if request.method == "GET":
        return _person_page(request, person)
    full = household_selectors.shows_full_identifiers(user=user, village_code=person.village_code)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            household_services.person_update(
                user=user, person=person, **_person_data(form, full=full, creating=False)
            )
        except TongzhouError as exc:
            if exc.http_status in (403, 404):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, _("成员信息已保存。"))
            return redirect("web:person", person_id=person.pk)
    return _person_page(request, person, form=form, status=400)
