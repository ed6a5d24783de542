"""Reads of the register, always scoped. Identifiers come back masked unless the user's role allows full view."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from tongzhou.core.errors import NotFound
from tongzhou.regions.scope import access_for, code_prefix_q, readable, require_read

from .models import Household, Person


def household_list(
    *,
    user,
    region_code: str | None = None,
    q: str | None = None,
    poverty: str | None = None,
) -> QuerySet[Household]:
    """Households the user may read, under `region_code`, matching a search text.

    The search text matches the household number, the head's name, any member's name, or the last
    digits (4–6) of a member's ID number. `poverty` is "registered", "exited" or "never".
    """
    qs = readable(Household.objects.all(), user)
    if region_code:
        require_read(user, region_code)
        qs = (
            qs.filter(group_code=region_code)
            if len(region_code) == 15
            else qs.filter(code_prefix_q("village_code", region_code))
        )
    if q:
        q = q.strip()
        cond = Q(number=q) | Q(head_name__startswith=q)
        person_cond = Q(name__startswith=q)
        if re.fullmatch(r"\d{3}[\dXx]", q):
            person_cond |= Q(id_last4=q.upper())
        elif re.fullmatch(r"\d{17}[\dXx]", q):
            person_cond |= Q(id_number=q.upper())
        member_households = readable(Person.objects.filter(person_cond), user).values("household_id")
        cond |= Q(id__in=member_households)
        qs = qs.filter(cond)
    if poverty == "registered":
        qs = qs.filter(poverty_registered_year__isnull=False, poverty_exit_year__isnull=True)
    elif poverty == "exited":
        qs = qs.filter(poverty_exit_year__isnull=False)
    elif poverty == "ever":
        qs = qs.filter(poverty_registered_year__isnull=False)
    elif poverty == "never":
        qs = qs.filter(poverty_registered_year__isnull=True)
    return qs.order_by("village_code", "number")


def household_get(*, user, household_id: int) -> Household:
    try:
        household = Household.objects.get(pk=household_id)
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该农户。", "No such household.", details={"id": household_id}) from None
    require_read(user, household.village_code)
    return household


def person_list(
    *, user, region_code: str | None = None, household_id: int | None = None, q: str | None = None
) -> QuerySet[Person]:
    qs = readable(Person.objects.all(), user)
    if region_code:
        require_read(user, region_code)
        qs = (
            qs.filter(code_prefix_q("village_code", region_code[:12]))
            if len(region_code) <= 12
            else qs.filter(household__group_code=region_code)
        )
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    if q:
        q = q.strip()
        if re.fullmatch(r"\d{3}[\dXx]", q):
            qs = qs.filter(id_last4=q.upper())
        elif re.fullmatch(r"\d{17}[\dXx]", q):
            qs = qs.filter(id_number=q.upper())
        else:
            qs = qs.filter(name__startswith=q)
    return qs.order_by("household_id", "id")


def person_get(*, user, person_id: int) -> Person:
    try:
        person = Person.objects.select_related("household").get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该人员。", "No such person.", details={"id": person_id}) from None
    require_read(user, person.village_code)
    return person


def shows_full_identifiers(*, user, village_code: str) -> bool:
    return access_for(user).sees_full_identifiers(village_code)


def display_id_number(*, user, person: Person) -> str:
    return (
        person.id_number
        if shows_full_identifiers(user=user, village_code=person.village_code)
        else person.masked_id_number
    )


def display_phone(*, user, household: Household) -> str:
    return (
        household.phone
        if shows_full_identifiers(user=user, village_code=household.village_code)
        else household.masked_phone
    )
