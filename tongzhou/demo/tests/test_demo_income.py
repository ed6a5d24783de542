"""The demo's wages and land rent paid to household members are their households' income lines (issue 5, point 5),
written by the same set-based statement as the import, and the demo reset deletes them."""

import pytest
from django.db.models import Q

from tongzhou.coops.models import MemberTransaction
from tongzhou.demo.services import demo_build
from tongzhou.distribution.models import HouseholdIncome

pytestmark = pytest.mark.django_db

KIND = {"labour": "wage", "land_rent": "land_rent"}


def _expected() -> list[tuple]:
    """Every member transaction the cooperative pays a household member, as the income line it must become."""
    paid = MemberTransaction.objects.filter(
        is_member=True, kind__in=KIND, amount_fen__gt=0, member__household__isnull=False
    )
    return sorted(
        (t.pk, t.member.household_id, t.year, KIND[t.kind], t.amount_fen, t.on, t.cooperative_id,
         t.member.household.village_code, t.member.household.county_code)
        for t in paid.select_related("member__household")
    )  # fmt: skip


def _written() -> list[tuple]:
    return sorted(
        HouseholdIncome.objects.filter(transaction__isnull=False).values_list(
            "transaction_id", "household_id", "year", "kind", "amount_fen", "on", "body_id", "village_code",
            "county_code",
        )
    )  # fmt: skip


def test_every_demo_wage_and_land_rent_of_a_household_member_is_its_income_line():
    result = demo_build(scale="village", seed=5)
    expected = _expected()
    kinds = {line[3] for line in expected}
    assert kinds == {"wage", "land_rent"} and len(expected) > 100
    assert _written() == expected
    assert result.coops.income_lines == len(expected)
    # Nothing else became an income line from a transaction: sales, purchases, non-members, the collective.
    others = MemberTransaction.objects.filter(
        Q(is_member=False) | ~Q(kind__in=KIND) | Q(member__household__isnull=True)
    )
    assert others.exists()
    assert not HouseholdIncome.objects.filter(transaction__in=others).exists()

    demo_build(scale="village", seed=5, reset=True)
    again = _expected()
    assert len(again) == len(expected) and _written() == again
