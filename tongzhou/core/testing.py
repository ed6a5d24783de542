"""Shared test builders and personas (after healthchecks' hc/test.py): a small region tree and one user per role.

Personas: a village cadre of village A, one of village B, a township officer over both villages, a county
officer, an auditor of the county, an administrator of the prefecture, an outsider with no scope, and the
anonymous visitor. Every scoped read or write is tested with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from tongzhou.accounts.roles import Role
from tongzhou.accounts.services import scope_grant, user_create
from tongzhou.core.ids import make_resident_id
from tongzhou.households.models import Household, Person
from tongzhou.regions.services import regions_bulk_upsert, regions_load_shipped
from tongzhou.rollups.services import register_figures_refresh

COUNTY = "520502"  # 七星关区
TOWNSHIP = "520502100"
VILLAGE_A = "520502100201"
VILLAGE_B = "520502100202"
OTHER_TOWNSHIP = "520502101"
VILLAGE_C = "520502101201"
GROUP_A1 = VILLAGE_A + "001"
GROUP_A2 = VILLAGE_A + "002"
GROUP_B1 = VILLAGE_B + "001"
PASSWORD = "Tongzhou-test-2026"


def build_regions() -> None:
    """The shipped Guizhou/Bijie regions (a transactional test may have flushed them) and a small tree below."""
    regions_load_shipped()
    regions_bulk_upsert(
        [
            (TOWNSHIP, "同舟镇"),
            (OTHER_TOWNSHIP, "共济乡"),
            (VILLAGE_A, "白马村"),
            (VILLAGE_B, "龙井村"),
            (VILLAGE_C, "青山村"),
            (GROUP_A1, "一组"),
            (GROUP_A2, "二组"),
            (GROUP_B1, "一组"),
        ]
    )


@dataclass
class Personas:
    cadre_a: Any
    cadre_b: Any
    township: Any
    county: Any
    auditor: Any
    admin: Any
    outsider: Any
    secretary_a: Any


def build_personas() -> Personas:
    build_regions()

    def make(username: str, region: str | None, role: str | None):
        user = user_create(username=username, password=PASSWORD, full_name=username)
        if region:
            scope_grant(user=user, region_code=region, role=role)
        return user

    return Personas(
        cadre_a=make("cadre_a", VILLAGE_A, Role.VILLAGE_ACCOUNTANT),
        cadre_b=make("cadre_b", VILLAGE_B, Role.VILLAGE_ACCOUNTANT),
        township=make("township", TOWNSHIP, Role.TOWNSHIP_OFFICER),
        county=make("county", COUNTY, Role.COUNTY_OFFICER),
        auditor=make("auditor", COUNTY, Role.AUDITOR),
        admin=make("admin", "5205", Role.ADMINISTRATOR),
        outsider=make("outsider", None, None),
        secretary_a=make("secretary_a", VILLAGE_A, Role.VILLAGE_SECRETARY),
    )


def fresh(user):
    """The same user re-read, without a cached answer about their scopes."""
    return get_user_model().objects.get(pk=user.pk)


_sequence = {"n": 0}


def person_id(birth: dt.date = dt.date(1980, 5, 17), sex: str = "M", address: str = COUNTY) -> str:
    """A valid, not yet used resident ID number for tests."""
    _sequence["n"] += 1
    return make_resident_id(address, birth, _sequence["n"] % 500, sex)


def build_household(
    *,
    village_code: str = VILLAGE_A,
    number: str = "0001",
    head_name: str = "王大山",
    poverty_registered_year: int | None = None,
    poverty_exit_year: int | None = None,
    members: int = 0,
    group_code: str = "",
) -> Household:
    """A household with a head and `members` more persons, written directly (no scope check), figures kept."""
    household = Household.objects.create(
        village_code=village_code,
        county_code=village_code[:6],
        group_code=group_code,
        number=number,
        head_name=head_name,
        address=f"{village_code} {number}号",
        phone="13800001234",
        poverty_registered_year=poverty_registered_year,
        poverty_exit_year=poverty_exit_year,
    )
    birth = dt.date(1970, 3, 8)
    head_id = person_id(birth, "M")
    Person.objects.create(
        household=household,
        village_code=village_code,
        county_code=village_code[:6],
        name=head_name,
        id_number=head_id,
        id_last4=head_id[-4:],
        birth_date=birth,
        sex="M",
        relation="head",
    )
    for i in range(members):
        birth = dt.date(1995 + i, 1 + i % 12, 10)
        pid = person_id(birth, "F")
        Person.objects.create(
            household=household,
            village_code=village_code,
            county_code=village_code[:6],
            name=f"{head_name[0]}小{i + 1}",
            id_number=pid,
            id_last4=pid[-4:],
            birth_date=birth,
            sex="F",
            relation="child",
        )
    register_figures_refresh(village_codes=[village_code])
    return household


from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with tiny costs, for tests only: same algorithm and format, milliseconds instead of a tenth of a second."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1
