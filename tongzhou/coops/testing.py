"""Test builders for cooperatives: rows written directly (no scope checks), for tests of later steps."""

from __future__ import annotations

import datetime as dt

from tongzhou.core.ids import uscc_check_char
from tongzhou.core.testing import VILLAGE_A
from tongzhou.households.models import Household

from .models import Bylaws, Cooperative, Member, MemberKind, MemberStatus, ShareClass, ShareClassKind

_sequence = {"n": 0}


def credit_code(prefix: str = "93520502") -> str:
    """A valid unified social credit code (GB 32100), "93" = farmers' cooperative, unused so far in tests."""
    _sequence["n"] += 1
    first17 = f"{prefix}{_sequence['n']:09d}"[:17]
    return first17 + uscc_check_char(first17)


def build_cooperative(
    *,
    region_code: str = VILLAGE_A,
    name: str = "白马村蚕桑专业合作社",
    level: str = "village",
    legal_form: str = "farmers_cooperative",
    industry: str = "sericulture",
    founded_on: dt.date = dt.date(2017, 4, 1),
) -> Cooperative:
    return Cooperative.objects.create(
        name=name,
        credit_code=credit_code(),
        level=level,
        legal_form=legal_form,
        region_code=region_code,
        county_code=region_code[:6],
        founded_on=founded_on,
        industry=industry,
        chairperson_name="王大山",
    )


def build_bylaws(
    cooperative: Cooperative, *, effective_from: dt.date = dt.date(2017, 4, 1), **fields
) -> Bylaws:
    defaults = {
        "adopted_on": effective_from,
        "reserve_rate_bp": 1000,
        "patronage_share_bp": 6000,
        "patronage_transaction_kinds": ["sale_to_coop"],
        "remainder_split": {"members": 10000},
    }
    defaults.update(fields)
    return Bylaws.objects.create(cooperative=cooperative, effective_from=effective_from, **defaults)


def build_member(
    cooperative: Cooperative,
    household: Household,
    *,
    joined_on: dt.date = dt.date(2017, 4, 1),
    status: str = MemberStatus.ACTIVE,
    is_village_cadre: bool = False,
) -> Member:
    head = household.persons.filter(relation="head").first()
    return Member.objects.create(
        cooperative=cooperative,
        kind=MemberKind.HOUSEHOLD,
        household=household,
        person=head,
        display_name=head.name if head else household.head_name,
        is_farmer=True,
        is_village_cadre=is_village_cadre,
        is_woman=bool(head and head.sex == "F"),
        village_code=household.village_code,
        county_code=household.county_code,
        status=status,
        applied_on=joined_on,
        joined_on=joined_on if status in (MemberStatus.ACTIVE, MemberStatus.EXIT_NOTIFIED) else None,
    )


def build_share_class(
    cooperative: Cooperative, *, kind: str = ShareClassKind.CASH, unit_value_fen: int = 100_00, **fields
) -> ShareClass:
    names = dict(ShareClassKind.choices)
    defaults = {
        "name": str(names[kind]),
        "unit_name": "亩" if kind == ShareClassKind.LAND else "股",
        "is_capital": kind not in (ShareClassKind.FISCAL_POVERTY, ShareClassKind.DONATION),
    }
    defaults.update(fields)
    return ShareClass.objects.create(
        cooperative=cooperative, kind=kind, unit_value_fen=unit_value_fen, **defaults
    )
