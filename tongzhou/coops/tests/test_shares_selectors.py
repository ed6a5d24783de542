"""Reads of the share ledger: holdings at a past date, member accounts (Art. 43) and scoping with the personas."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from tongzhou.coops.domain.shares import Holding
from tongzhou.coops.models import MemberTransaction
from tongzhou.coops.selectors.shares import holdings_at, member_accounts, share_ledger
from tongzhou.coops.services.shares import share_subscribe, share_transfer
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, build_share_class
from tongzhou.coops.tests.test_shares_services import build_baima
from tongzhou.core.errors import ScopeDenied
from tongzhou.core.testing import VILLAGE_B, build_household

D = dt.date
JUNE_2024 = dt.date(2024, 6, 1)


@pytest.fixture
def baima(personas):
    b = build_baima()
    user = personas.cadre_a
    share_subscribe(
        user=user, member=b.wang, share_class=b.land, units="2.5", on=D(2018, 3, 1), reason="入社"
    )
    share_subscribe(
        user=user, member=b.wang, share_class=b.poverty, units="1", on=D(2018, 3, 1), reason="量化"
    )
    share_subscribe(user=user, member=b.li, share_class=b.cash, units="10", on=D(2019, 5, 1), reason="入社")
    share_transfer(
        user=user,
        from_member=b.wang,
        to_member=b.zhao,
        share_class=b.land,
        units="0.5",
        on=D(2020, 7, 1),
        reason="转让半亩",
    )
    return b


def sale(b, member, amount_fen, quantity, on=JUNE_2024, key="", is_member=True):
    return MemberTransaction.objects.create(
        cooperative=b.coop,
        member=member if is_member else None,
        is_member=is_member,
        counterparty_name="" if is_member else "外村散户",
        kind="sale_to_coop",
        on=on,
        year=on.year,
        product="鲜茧",
        grade="一级",
        quantity=Decimal(quantity),
        unit="kg",
        unit_price_fen=40_00,
        amount_fen=amount_fen,
        source_key=key,
        village_code=b.coop.region_code,
        county_code=b.coop.county_code,
    )


@pytest.mark.django_db
def test_holdings_at_a_past_date_ignore_later_entries(personas, baima):
    b = baima
    assert holdings_at(user=personas.cadre_a, cooperative=b.coop, on=D(2018, 2, 28)) == {}
    assert holdings_at(user=personas.cadre_a, cooperative=b.coop, on=D(2019, 12, 31)) == {
        (b.wang.pk, b.land.pk): Holding(250, 3_000_00),
        (b.wang.pk, b.poverty.pk): Holding(100, 5_000_00),
        (b.li.pk, b.cash.pk): Holding(1000, 1_000_00),
    }
    # On the day of the transfer, 0.5 of 2.5 mu (¥600.00 of ¥3,000.00) has moved.
    now = holdings_at(user=personas.cadre_a, cooperative=b.coop, on=D(2020, 7, 1))
    assert now[(b.wang.pk, b.land.pk)] == Holding(200, 2_400_00)
    assert now[(b.zhao.pk, b.land.pk)] == Holding(50, 600_00)


@pytest.mark.django_db
def test_holdings_are_one_aggregate_query(personas, baima, django_assert_num_queries):
    user = personas.cadre_a
    holdings_at(user=user, cooperative=baima.coop, on=D(2020, 1, 1))  # warm the user's scope cache
    with django_assert_num_queries(1):
        holdings_at(user=user, cooperative=baima.coop, on=D(2021, 1, 1))


@pytest.mark.django_db
def test_member_accounts_show_capital_subsidy_share_and_the_years_member_transactions(
    personas, baima, django_assert_num_queries
):
    b = baima
    sale(b, b.wang, 4_000_00, "100.000", key="a1")
    sale(b, b.wang, 2_000_00, "50.500", key="a2")
    sale(b, b.wang, 9_999_00, "250.000", on=D(2023, 6, 1), key="a3")  # another year
    sale(b, None, 7_777_00, "200.000", key="n1", is_member=False)  # a non-member: kept apart (Art. 41)
    sale(b, b.li, 1_000_00, "25.000", key="b1")
    user = personas.cadre_a
    member_accounts(user=user, cooperative=b.coop, year=2024)  # warm the user's scope cache
    with django_assert_num_queries(4):  # members, classes, holdings, transactions: never one per member
        accounts = member_accounts(user=user, cooperative=b.coop, year=2024, reserve_shares={b.li.pk: 12_34})
    by_member = {member.pk: account for member, account in accounts}
    assert set(by_member) == {b.wang.pk, b.li.pk, b.zhao.pk}
    wang = by_member[b.wang.pk]
    assert (wang.capital_fen, wang.subsidy_share_fen, wang.reserve_share_fen) == (2_400_00, 5_000_00, 0)
    assert (wang.transactions_amount_fen, wang.transactions_quantity) == (6_000_00, Decimal("150.500"))
    li = by_member[b.li.pk]
    assert (li.capital_fen, li.subsidy_share_fen, li.reserve_share_fen, li.transactions_amount_fen) == (
        1_000_00,
        0,
        12_34,
        1_000_00,
    )
    zhao = by_member[b.zhao.pk]
    assert (zhao.capital_fen, zhao.transactions_amount_fen, zhao.transactions_quantity) == (
        600_00,
        0,
        Decimal("0"),
    )


@pytest.mark.django_db
def test_share_ledger_lists_entries_oldest_first_and_one_members_on_request(personas, baima):
    b = baima
    ledger = list(share_ledger(user=personas.cadre_a, cooperative=b.coop))
    assert [e.entry_type for e in ledger] == [
        "subscription",
        "subscription",
        "subscription",
        "transfer_out",
        "transfer_in",
    ]
    zhao = list(share_ledger(user=personas.cadre_a, cooperative=b.coop, member=b.zhao))
    assert [(e.entry_type, e.counterparty_id) for e in zhao] == [("transfer_in", b.wang.pk)]


@pytest.mark.django_db
def test_reads_are_scoped_to_the_cooperatives_region(personas, baima):
    coop_b = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社")
    build_bylaws(coop_b)
    cash_b = build_share_class(coop_b)
    member_b = build_member(coop_b, build_household(village_code=VILLAGE_B, number="0001"))
    share_subscribe(
        user=personas.cadre_b, member=member_b, share_class=cash_b, units="3", on=D(2019, 1, 1), reason="入社"
    )

    for user in (personas.cadre_a, personas.township, personas.county, personas.auditor, personas.admin):
        assert share_ledger(user=user, cooperative=baima.coop).count() == 5
        assert len(holdings_at(user=user, cooperative=baima.coop, on=D(2025, 1, 1))) == 4
    for user in (personas.township, personas.auditor):
        assert share_ledger(user=user, cooperative=coop_b).count() == 1
    for user in (personas.cadre_a, personas.outsider, AnonymousUser()):
        with pytest.raises(ScopeDenied):
            share_ledger(user=user, cooperative=coop_b)
        with pytest.raises(ScopeDenied):
            holdings_at(user=user, cooperative=coop_b, on=D(2025, 1, 1))
        with pytest.raises(ScopeDenied):
            member_accounts(user=user, cooperative=coop_b, year=2024)
    with pytest.raises(ScopeDenied):
        share_ledger(user=personas.cadre_b, cooperative=baima.coop)
