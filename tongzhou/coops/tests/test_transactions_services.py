"""Recording member transactions and reading them, scoped with the personas (农民专业合作社法 Art. 41, 43)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.models import MemberStatus, MemberTransaction
from tongzhou.coops.selectors.transactions import transaction_list, transaction_totals_by_member
from tongzhou.coops.services.transactions import transaction_record
from tongzhou.coops.testing import build_cooperative, build_member
from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.core.testing import VILLAGE_B, build_household, fresh

pytestmark = pytest.mark.django_db

COCOONS = {
    "kind": "交售",
    "on": dt.date(2024, 6, 12),
    "product": "鲜茧",
    "grade": "一级",
    "quantity": "42.5",
    "unit": "kg",
    "unit_price": "46.00",
}


@pytest.fixture
def baima(personas):
    cooperative = build_cooperative()
    member = build_member(cooperative, build_household(number="0001"))
    return cooperative, member


def test_a_members_cocoon_sale_is_recorded_at_1955_yuan_and_audited(personas, baima):
    cooperative, member = baima
    row = transaction_record(user=personas.cadre_a, cooperative=cooperative, member=member, **COCOONS)
    row.refresh_from_db()
    assert (row.is_member, row.kind, row.year) == (True, "sale_to_coop", 2024)
    assert (row.quantity, row.unit_price_fen, row.amount_fen) == (Decimal("42.500"), 4600, 195500)
    assert row.village_code == member.village_code and row.county_code == cooperative.county_code
    assert row.created_by == personas.cadre_a
    assert AuditEvent.objects.filter(action="transaction.record", object_id=str(row.pk)).exists()


def test_an_amount_that_disagrees_with_quantity_times_price_is_refused_and_nothing_is_written(
    personas, baima
):
    cooperative, member = baima
    with pytest.raises(InvalidInput) as excinfo:
        transaction_record(
            user=personas.cadre_a, cooperative=cooperative, member=member, amount="1900", **COCOONS
        )
    assert excinfo.value.details["fields"]["amount"]["code"] == "amount_mismatch"
    assert not MemberTransaction.objects.exists()


def test_negative_quantity_or_price_is_refused_and_nothing_is_written(personas, baima):
    cooperative, member = baima
    for bad in ({"quantity": "-42.5"}, {"unit_price": "-46"}):
        with pytest.raises(InvalidInput):
            transaction_record(
                user=personas.cadre_a, cooperative=cooperative, member=member, **(COCOONS | bad)
            )
    assert not MemberTransaction.objects.exists()


def test_a_transaction_dated_in_a_closed_year_is_refused(personas, baima):
    cooperative, member = baima
    cooperative.closed_through_year = 2024
    cooperative.save()
    with pytest.raises(InvalidInput) as excinfo:
        transaction_record(user=personas.cadre_a, cooperative=cooperative, member=member, **COCOONS)
    assert excinfo.value.details["fields"]["on"]["code"] == "closed_year"
    assert not MemberTransaction.objects.exists()


def test_the_same_transaction_recorded_twice_is_refused_as_a_duplicate(personas, baima):
    cooperative, member = baima
    transaction_record(user=personas.cadre_a, cooperative=cooperative, member=member, **COCOONS)
    with pytest.raises(Conflict) as excinfo:
        transaction_record(
            user=personas.township,
            cooperative=cooperative,
            member=member,
            **(COCOONS | {"quantity": "42.500"}),
        )
    assert excinfo.value.code == "duplicate_transaction"
    assert MemberTransaction.objects.count() == 1


def test_a_non_member_sale_is_kept_apart_from_member_transactions(personas, baima):
    cooperative, member = baima
    transaction_record(user=personas.cadre_a, cooperative=cooperative, member=member, **COCOONS)
    outside = transaction_record(
        user=personas.cadre_a, cooperative=cooperative, counterparty_name="邻村散户张三", **COCOONS
    )
    assert (outside.is_member, outside.member, outside.counterparty_name) == (False, None, "邻村散户张三")
    assert list(transaction_list(user=personas.cadre_a, cooperative=cooperative, is_member=False)) == [
        outside
    ]
    totals = transaction_totals_by_member(user=personas.cadre_a, cooperative=cooperative, year=2024)
    assert list(totals) == [member.pk] and totals[member.pk].amount_fen == 195500


def test_a_transaction_names_a_member_or_a_non_member_never_both_nor_neither(personas, baima):
    cooperative, member = baima
    with pytest.raises(InvalidInput) as excinfo:
        transaction_record(user=personas.cadre_a, cooperative=cooperative, **COCOONS)
    assert "member" in excinfo.value.details["fields"]
    with pytest.raises(InvalidInput):
        transaction_record(
            user=personas.cadre_a, cooperative=cooperative, member=member, counterparty_name="张三", **COCOONS
        )
    assert not MemberTransaction.objects.exists()


def test_only_a_member_active_on_the_date_may_transact_as_a_member(personas, baima):
    cooperative, member = baima
    applicant = build_member(cooperative, build_household(number="0002"), status=MemberStatus.APPLIED)
    late = build_member(cooperative, build_household(number="0003"), joined_on=dt.date(2024, 7, 1))
    leaving = build_member(cooperative, build_household(number="0004"), status=MemberStatus.EXIT_NOTIFIED)
    other = build_member(
        build_cooperative(name="龙井村茶叶合作社", region_code=VILLAGE_B),
        build_household(village_code=VILLAGE_B, number="0001"),
    )
    for who, code in ((applicant, "member_not_active"), (late, "before_joining"), (other, "not_a_member")):
        with pytest.raises(InvalidInput) as excinfo:
            transaction_record(user=personas.township, cooperative=cooperative, member=who, **COCOONS)
        assert excinfo.value.details["fields"]["member"]["code"] == code
    assert not MemberTransaction.objects.exists()
    # A member under exit notice is still a member until the exit takes effect.
    assert transaction_record(
        user=personas.cadre_a, cooperative=cooperative, member=leaving, **COCOONS
    ).is_member


def test_an_exited_member_transacted_as_a_member_before_the_exit_and_not_from_it(personas, baima):
    cooperative, _member = baima
    gone = build_member(cooperative, build_household(number="0005"), status=MemberStatus.EXITED)
    gone.joined_on, gone.exit_effective_on = dt.date(2017, 4, 1), dt.date(2024, 7, 1)
    gone.save(update_fields=["joined_on", "exit_effective_on"])
    before = {**COCOONS, "on": dt.date(2024, 6, 30)}
    assert transaction_record(user=personas.cadre_a, cooperative=cooperative, member=gone, **before).is_member
    with pytest.raises(InvalidInput) as excinfo:
        transaction_record(
            user=personas.cadre_a,
            cooperative=cooperative,
            member=gone,
            **{**COCOONS, "on": dt.date(2024, 7, 1)},
        )
    assert excinfo.value.details["fields"]["member"]["code"] == "after_exit"
    undated = build_member(cooperative, build_household(number="0006"), status=MemberStatus.EXITED)
    undated.joined_on = dt.date(2017, 4, 1)
    undated.save(update_fields=["joined_on"])
    with pytest.raises(InvalidInput) as excinfo:
        transaction_record(user=personas.cadre_a, cooperative=cooperative, member=undated, **before)
    assert excinfo.value.details["fields"]["member"]["code"] == "member_not_active"


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("cadre_a", True),
        ("cadre_b", False),
        ("township", True),
        ("county", True),
        ("auditor", False),
        ("outsider", False),
    ],
)
def test_only_users_who_may_write_the_cooperatives_village_may_record(personas, baima, persona, allowed):
    cooperative, member = baima
    user = fresh(getattr(personas, persona))
    if allowed:
        transaction_record(user=user, cooperative=cooperative, member=member, **COCOONS)
        assert MemberTransaction.objects.count() == 1
    else:
        with pytest.raises(ScopeDenied):
            transaction_record(user=user, cooperative=cooperative, member=member, **COCOONS)
        assert not MemberTransaction.objects.exists()


def test_an_anonymous_visitor_may_not_record(personas, baima):
    cooperative, member = baima
    with pytest.raises(ScopeDenied):
        transaction_record(user=AnonymousUser(), cooperative=cooperative, member=member, **COCOONS)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("cadre_a", True), ("cadre_b", False), ("township", True), ("auditor", True), ("outsider", False)],
)
def test_transactions_are_read_only_within_scope(personas, baima, persona, allowed):
    cooperative, member = baima
    transaction_record(user=personas.cadre_a, cooperative=cooperative, member=member, **COCOONS)
    user = fresh(getattr(personas, persona))
    if allowed:
        assert transaction_list(user=user, cooperative=cooperative, year=2024, member=member).count() == 1
        assert transaction_list(user=user, cooperative=cooperative, year=2023).count() == 0
    else:
        with pytest.raises(ScopeDenied):
            transaction_list(user=user, cooperative=cooperative)
        with pytest.raises(ScopeDenied):
            transaction_totals_by_member(user=user, cooperative=cooperative, year=2024)
    with pytest.raises(ScopeDenied):
        transaction_list(user=AnonymousUser(), cooperative=cooperative)


def test_member_totals_for_a_year_come_from_one_aggregate_query(personas, baima, django_assert_num_queries):
    cooperative, member = baima
    second = build_member(cooperative, build_household(number="0002"))
    for m, quantity, on in (
        (member, "42.5", "2024-06-12"),
        (member, "10", "2024-09-01"),
        (second, "20", "2024-06-12"),
    ):
        transaction_record(
            user=personas.cadre_a,
            cooperative=cooperative,
            member=m,
            **(COCOONS | {"quantity": quantity, "on": on}),
        )
    transaction_record(
        user=personas.cadre_a, cooperative=cooperative, member=member, **(COCOONS | {"on": "2025-06-12"})
    )
    with django_assert_num_queries(1):
        totals = transaction_totals_by_member(user=personas.cadre_a, cooperative=cooperative, year=2024)
    # 42.5 × 46 + 10 × 46 = 1,955 + 460 = 2,415 yuan; 20 × 46 = 920 yuan
    assert (totals[member.pk].transactions, totals[member.pk].quantity, totals[member.pk].amount_fen) == (
        2,
        Decimal("52.5"),
        2415_00,
    )
    assert totals[second.pk].amount_fen == 920_00
    assert (
        transaction_totals_by_member(
            user=personas.cadre_a, cooperative=cooperative, year=2024, kinds=["labour"]
        )
        == {}
    )
