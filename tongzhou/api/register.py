"""Household and person endpoints: the register, scoped per user, identifiers masked per role."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from tongzhou.households.domain import age_on
from tongzhou.households.models import Household, Person
from tongzhou.households.selectors import (
    display_phone,
    household_get,
    household_list,
    person_get,
    person_list,
    shows_full_identifiers,
)
from tongzhou.households.services import household_create, household_update, person_create, person_update

from .paging import paged
from .schemas import (
    Error,
    HouseholdDetail,
    HouseholdFilters,
    HouseholdIn,
    HouseholdOut,
    HouseholdPage,
    HouseholdPatch,
    PersonFilters,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
)

households = Router(tags=["农户 Households"])
persons = Router(tags=["家庭成员 Persons"])

READ_ERRORS = {401: Error, 403: Error, 404: Error, 422: Error}
WRITE_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
WRITE_NOTE = (
    "\n\n字段校验失败返回 400（details.fields.<字段>），重复返回 409，类型或未知字段返回 422。"
    "\n\nA field that fails the register's rules answers 400 (details.fields.<field>), a duplicate 409, "
    "a wrong type or unknown field 422."
)


def _poverty_status(household: Household) -> str:
    if household.poverty_exit_year is not None:
        return "exited"
    return "registered" if household.poverty_registered_year is not None else "never"


def household_out(user, household: Household) -> dict[str, Any]:
    full = shows_full_identifiers(user=user, village_code=household.village_code)
    return {
        "id": household.pk,
        "village_code": household.village_code,
        "county_code": household.county_code,
        "group_code": household.group_code,
        "number": household.number,
        "head_name": household.head_name,
        "address": household.address,
        "phone": display_phone(user=user, household=household),
        "poverty_registered_year": household.poverty_registered_year,
        "poverty_exit_year": household.poverty_exit_year,
        "poverty_status": _poverty_status(household),
        "contracted_land_mu": f"{household.contracted_land_mu:.2f}",
        "notes": household.notes,
        "identifiers_masked": not full,
        "created_at": household.created_at,
        "updated_at": household.updated_at,
    }


def person_out(user, person: Person, *, today: dt.date | None = None) -> dict[str, Any]:
    full = shows_full_identifiers(user=user, village_code=person.village_code)
    return {
        "id": person.pk,
        "household_id": person.household_id,
        "village_code": person.village_code,
        "county_code": person.county_code,
        "name": person.name,
        # The birth date with the unmasked first and last four characters would give the whole number away.
        "id_number": person.id_number if full else person.masked_id_number,
        "birth_date": person.birth_date if full else None,
        "age": age_on(person.birth_date, today or dt.date.today()),
        "sex": person.sex,
        "relation": person.relation,
        "ethnicity": person.ethnicity,
        "labour_capacity": person.labour_capacity,
        "migrant_worker": person.migrant_worker,
        "migrant_destination": person.migrant_destination,
        "disability": person.disability,
        "health": person.health,
        "identifiers_masked": not full,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def household_detail_out(user, household: Household) -> dict[str, Any]:
    out = household_out(user, household)
    out["persons"] = [person_out(user, p) for p in person_list(user=user, household_id=household.pk)]
    return out


def _written(payload) -> dict[str, Any]:
    """The fields the caller sent, as the register services take them (land as a decimal string)."""
    data = payload.model_dump(exclude_unset=True)
    if data.get("contracted_land_mu") is not None:
        data["contracted_land_mu"] = str(data["contracted_land_mu"])
    return data


HOUSEHOLD_ID = Path(..., ge=1, description="农户编号 / Household id")
PERSON_ID = Path(..., ge=1, description="人员编号 / Person id")


@households.get(
    "/households",
    response={200: HouseholdPage, **READ_ERRORS},
    summary="农户列表 / List households",
    description="可查看范围内的农户，按村代码、户编号排序；电话按角色遮蔽。\n\n"
    "Households within the caller's scopes, ordered by village and number; phones masked per role.",
)
def households_list(request: HttpRequest, filters: Query[HouseholdFilters]) -> dict[str, Any]:
    user = request.auth
    qs = household_list(user=user, region_code=filters.region, q=filters.q, poverty=filters.poverty)
    return paged(qs, filters, lambda h: household_out(user, h))


@households.post(
    "/households",
    response={201: HouseholdOut, **WRITE_ERRORS},
    summary="登记农户 / Register a household",
    description="在可修改的村登记一户（户编号村内唯一）。" + WRITE_NOTE,
)
def households_create(request: HttpRequest, payload: HouseholdIn) -> Status:
    user = request.auth
    household = household_create(user=user, via="api", **_written(payload))
    return Status(201, household_out(user, household))


@households.get(
    "/households/{household_id}",
    response={200: HouseholdDetail, **READ_ERRORS},
    summary="农户详情 / A household with its members",
    description="农户及其家庭成员；身份证号码与电话按角色遮蔽。\n\n"
    "A household and its members; ID numbers and phones masked per role.",
)
def households_get(request: HttpRequest, household_id: int = HOUSEHOLD_ID) -> dict[str, Any]:
    user = request.auth
    return household_detail_out(user, household_get(user=user, household_id=household_id))


@households.patch(
    "/households/{household_id}",
    response={200: HouseholdDetail, **WRITE_ERRORS},
    summary="修改农户 / Change a household",
    description="只修改请求中给出的字段；不能迁往别的村。" + WRITE_NOTE,
)
def households_update(
    request: HttpRequest, payload: HouseholdPatch, household_id: int = HOUSEHOLD_ID
) -> dict[str, Any]:
    user = request.auth
    household = household_get(user=user, household_id=household_id)
    household = household_update(user=user, household=household, via="api", **_written(payload))
    return household_detail_out(user, household)


@persons.get(
    "/persons",
    response={200: PersonPage, **READ_ERRORS},
    summary="人员列表 / List persons",
    description="可查看范围内的家庭成员；身份证号码按角色遮蔽。\n\n"
    "Household members within the caller's scopes; ID numbers masked per role.",
)
def persons_list(request: HttpRequest, filters: Query[PersonFilters]) -> dict[str, Any]:
    user = request.auth
    qs = person_list(user=user, region_code=filters.region, household_id=filters.household, q=filters.q)
    today = dt.date.today()
    return paged(qs, filters, lambda p: person_out(user, p, today=today))


@persons.post(
    "/persons",
    response={201: PersonOut, **WRITE_ERRORS},
    summary="登记家庭成员 / Add a person to a household",
    description="身份证号码按 GB 11643 校验，且不得已登记；出生日期、性别取自号码。" + WRITE_NOTE,
)
def persons_create(request: HttpRequest, payload: PersonIn) -> Status:
    user = request.auth
    data = _written(payload)
    household = household_get(user=user, household_id=data.pop("household_id"))
    person = person_create(user=user, household=household, via="api", **data)
    return Status(201, person_out(user, person))


@persons.get(
    "/persons/{person_id}",
    response={200: PersonOut, **READ_ERRORS},
    summary="人员详情 / A person",
    description="一名家庭成员；身份证号码按角色遮蔽。\n\nOne household member; the ID number masked per role.",
)
def persons_get(request: HttpRequest, person_id: int = PERSON_ID) -> dict[str, Any]:
    user = request.auth
    return person_out(user, person_get(user=user, person_id=person_id))


@persons.patch(
    "/persons/{person_id}",
    response={200: PersonOut, **WRITE_ERRORS},
    summary="修改家庭成员 / Change a person",
    description="只修改请求中给出的字段；不能换户。" + WRITE_NOTE,
)
def persons_update(request: HttpRequest, payload: PersonPatch, person_id: int = PERSON_ID) -> dict[str, Any]:
    user = request.auth
    person = person_get(user=user, person_id=person_id)
    return person_out(user, person_update(user=user, person=person, via="api", **_written(payload)))
