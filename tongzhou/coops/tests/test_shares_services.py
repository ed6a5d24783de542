"""Worked examples of the share services: the append-only ledger written through subscription, transfer,
inheritance, conversion of poverty-fund shares and exit settlement (农民专业合作社法 Art. 13, 28, 44)."""

import datetime as dt
from dataclasses import dataclass

import pytest

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.models import Bylaws, Member, MemberStatus, ShareClass, ShareClassKind, ShareEntry
from tongzhou.coops.selectors.shares import holdings_at, poverty_conversion_preview
from tongzhou.coops.services.shares import (
    member_exit_settle,
    poverty_shares_convert,
    share_class_create,
    share_inherit,
    share_redeem,
    share_subscribe,
    share_transfer,
)
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, build_share_class
from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.core.testing import VILLAGE_A, VILLAGE_B, build_household

D = dt.date
MARCH_2018 = dt.date(2018, 3, 1)


@dataclass
class Baima:
    coop: object
    bylaws: object
    land: object
    cash: object
    poverty: object
    wang: object  # out of poverty in 2019
    li: object
    zhao: object


def build_baima() -> Baima:
    """白马村蚕桑专业合作社: land at ¥1,200.00 a mu, cash at ¥100.00 a share, poverty-fund shares at ¥5,000.00."""
    coop = build_cooperative()
    bylaws = build_bylaws(coop, poverty_share_conversion_years=5, transfer_to_non_members=False)
    wang = build_household(
        number="0001", head_name="王大山", poverty_registered_year=2014, poverty_exit_year=2019
    )
    li = build_household(number="0002", head_name="李春花")
    zhao = build_household(number="0003", head_name="赵小河")
    return Baima(
        coop=coop,
        bylaws=bylaws,
        land=build_share_class(coop, kind=ShareClassKind.LAND, unit_value_fen=1_200_00),
        cash=build_share_class(coop, kind=ShareClassKind.CASH, unit_value_fen=100_00),
        poverty=build_share_class(
            coop, kind=ShareClassKind.FISCAL_POVERTY, unit_value_fen=5_000_00, transferable=False
        ),
        wang=build_member(coop, wang),
        li=build_member(coop, li),
        zhao=build_member(coop, zhao),
    )


@pytest.fixture
def baima(personas):
    return build_baima()


def held(coop, member, share_class):
    entries = ShareEntry.objects.filter(cooperative=coop, member=member, share_class=share_class)
    return (
        sum(e.units_centi for e in entries),
        sum(e.amount_fen for e in entries),
    )


def subscribe(user, b, member, share_class, units, on=MARCH_2018):
    return share_subscribe(
        user=user, member=member, share_class=share_class, units=units, on=on, reason="入社认购"
    )


@pytest.mark.django_db
def test_two_and_a_half_mu_of_land_at_1200_yuan_a_mu_subscribe_3000_yuan(personas, baima):
    entry = subscribe(personas.cadre_a, baima, baima.wang, baima.land, "2.5")
    assert (entry.entry_type, entry.units_centi, entry.amount_fen) == ("subscription", 250, 3_000_00)
    assert (entry.village_code, entry.county_code) == (VILLAGE_A, VILLAGE_A[:6])
    assert entry.created_by == personas.cadre_a
    assert AuditEvent.objects.filter(action="share.subscribe", region_code=VILLAGE_A).count() == 1


@pytest.mark.django_db
def test_bad_units_are_refused_naming_the_field_and_nothing_is_written(personas, baima):
    for bad in ("0", "-2", "1.005", "两亩"):
        with pytest.raises(InvalidInput) as excinfo:
            subscribe(personas.cadre_a, baima, baima.wang, baima.land, bad)
        assert "units" in excinfo.value.details["fields"]
    assert not ShareEntry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="share.").exists()


@pytest.mark.django_db
def test_a_member_not_yet_admitted_cannot_subscribe(personas, baima):
    applicant = build_member(baima.coop, build_household(number="0009"), status=MemberStatus.APPLIED)
    with pytest.raises(InvalidInput) as excinfo:
        subscribe(personas.cadre_a, baima, applicant, baima.cash, "10")
    assert excinfo.value.code == "member_not_active"
    assert not ShareEntry.objects.exists()


@pytest.mark.django_db
def test_nothing_is_recorded_in_a_closed_year(personas, baima):
    baima.coop.closed_through_year = 2018
    baima.coop.save()
    with pytest.raises(InvalidInput) as excinfo:
        subscribe(personas.cadre_a, baima, baima.wang, baima.cash, "10", on=D(2018, 12, 31))
    assert excinfo.value.code == "year_closed"
    assert (
        subscribe(personas.cadre_a, baima, baima.wang, baima.cash, "10", on=D(2019, 1, 1)).amount_fen
        == 1_000_00
    )


@pytest.mark.django_db
def test_a_third_of_a_1000_yuan_land_holding_moves_333_33_and_666_67_stay(personas, baima):
    # 2 mu valued at ¥300.00 in 2017, 1 mu more at ¥400.00 after the 2018 revaluation: 3 mu worth ¥1,000.00.
    ShareClass.objects.filter(pk=baima.land.pk).update(unit_value_fen=300_00)
    baima.land.refresh_from_db()
    subscribe(personas.cadre_a, baima, baima.wang, baima.land, "2", on=D(2017, 5, 1))
    ShareClass.objects.filter(pk=baima.land.pk).update(unit_value_fen=400_00)
    baima.land.refresh_from_db()
    subscribe(personas.cadre_a, baima, baima.wang, baima.land, "1", on=D(2018, 5, 1))
    assert held(baima.coop, baima.wang, baima.land) == (300, 1_000_00)

    out, into = share_transfer(
        user=personas.cadre_a,
        from_member=baima.wang,
        to_member=baima.li,
        share_class=baima.land,
        units="1",
        on=D(2019, 3, 1),
        reason="转让一亩土地经营权股",
    )
    assert (out.entry_type, out.units_centi, out.amount_fen) == ("transfer_out", -100, -333_33)
    assert (into.entry_type, into.units_centi, into.amount_fen) == ("transfer_in", 100, 333_33)
    assert out.movement == into.movement is not None
    assert (out.counterparty, into.counterparty) == (baima.li, baima.wang)
    assert held(baima.coop, baima.wang, baima.land) == (200, 666_67)
    assert held(baima.coop, baima.li, baima.land) == (100, 333_33)


@pytest.mark.django_db
def test_transfer_of_more_than_held_is_refused_and_nothing_is_written(personas, baima):
    subscribe(personas.cadre_a, baima, baima.wang, baima.cash, "10")
    with pytest.raises(InvalidInput) as excinfo:
        share_transfer(
            user=personas.cadre_a,
            from_member=baima.wang,
            to_member=baima.li,
            share_class=baima.cash,
            units="10.01",
            on=D(2019, 3, 1),
            reason="转让",
        )
    assert excinfo.value.code == "more_than_held"
    assert ShareEntry.objects.count() == 1
    assert held(baima.coop, baima.wang, baima.cash) == (1000, 1_000_00)


@pytest.mark.django_db
def test_transfer_to_a_non_member_is_refused_where_the_bylaws_forbid_it(personas, baima):
    subscribe(personas.cadre_a, baima, baima.wang, baima.cash, "10")
    applicant = build_member(baima.coop, build_household(number="0009"), status=MemberStatus.APPLIED)
    kwargs = {
        "user": personas.cadre_a,
        "from_member": baima.wang,
        "to_member": applicant,
        "share_class": baima.cash,
        "units": "4",
        "reason": "转让",
    }
    with pytest.raises(InvalidInput) as excinfo:
        share_transfer(on=D(2019, 3, 1), **kwargs)
    assert excinfo.value.code == "transfer_to_non_member"
    assert ShareEntry.objects.count() == 1
    # A later version of the bylaws allows it; the transfer dated under it goes through.
    build_bylaws(baima.coop, effective_from=D(2020, 1, 1), transfer_to_non_members=True)
    out, into = share_transfer(on=D(2020, 3, 1), **kwargs)
    assert into.member == applicant and into.amount_fen == 400_00


@pytest.mark.django_db
def test_fiscal_poverty_shares_are_not_transferable_and_transfer_to_oneself_is_refused(personas, baima):
    subscribe(personas.cadre_a, baima, baima.wang, baima.poverty, "1")
    with pytest.raises(InvalidInput) as excinfo:
        share_transfer(
            user=personas.cadre_a,
            from_member=baima.wang,
            to_member=baima.li,
            share_class=baima.poverty,
            units="1",
            on=D(2019, 3, 1),
            reason="转让",
        )
    assert excinfo.value.code == "not_transferable"
    with pytest.raises(InvalidInput) as excinfo:
        share_transfer(
            user=personas.cadre_a,
            from_member=baima.wang,
            to_member=baima.wang,
            share_class=baima.poverty,
            units="1",
            on=D(2019, 3, 1),
            reason="转让",
        )
    assert excinfo.value.code == "transfer_to_self"
    assert ShareEntry.objects.count() == 1


@pytest.mark.django_db
def test_an_heir_who_is_a_member_inherits_every_class_whole(personas, baima):
    subscribe(personas.cadre_a, baima, baima.wang, baima.land, "2.5")
    subscribe(personas.cadre_a, baima, baima.wang, baima.poverty, "1")
    entries = share_inherit(
        user=personas.cadre_a,
        deceased_member=baima.wang,
        heir_member=baima.li,
        on=D(2021, 6, 1),
        reason="继承",
    )
    assert len(entries) == 4
    assert len({e.movement for e in entries}) == 1
    assert held(baima.coop, baima.li, baima.land) == (250, 3_000_00)
    assert held(baima.coop, baima.li, baima.poverty) == (100, 5_000_00)
    assert held(baima.coop, baima.wang, baima.land) == (0, 0)
    assert held(baima.coop, baima.wang, baima.poverty) == (0, 0)


@pytest.mark.django_db
def test_an_heir_who_is_not_a_member_is_refused_and_nothing_is_written(personas, baima):
    subscribe(personas.cadre_a, baima, baima.wang, baima.land, "2.5")
    applicant = build_member(baima.coop, build_household(number="0009"), status=MemberStatus.APPLIED)
    with pytest.raises(InvalidInput) as excinfo:
        share_inherit(
            user=personas.cadre_a,
            deceased_member=baima.wang,
            heir_member=applicant,
            on=D(2021, 6, 1),
            reason="继承",
        )
    assert excinfo.value.code == "heir_not_member"
    assert ShareEntry.objects.count() == 1


@pytest.mark.django_db
def test_poverty_fund_shares_convert_after_five_full_years_out_of_poverty_and_only_once(personas, baima):
    # 王大山 left poverty in 2019; the bylaws say 5 years: 2020–2024, so the shares convert from 1 January 2025.
    subscribe(personas.cadre_a, baima, baima.wang, baima.poverty, "1", on=D(2017, 5, 1))
    li_poor = build_household(number="0010", poverty_registered_year=2014, poverty_exit_year=2020)
    li_member = build_member(baima.coop, li_poor)
    subscribe(personas.cadre_a, baima, li_member, baima.poverty, "1", on=D(2017, 5, 1))

    assert poverty_shares_convert(user=personas.cadre_a, cooperative=baima.coop, on=D(2024, 12, 31)) == []
    # What the page shows before the click agrees with what the service then converts.
    preview = poverty_conversion_preview(user=personas.auditor, cooperative=baima.coop, on=D(2025, 1, 1))
    assert [
        (c.member.pk, c.exit_year, c.converts_on, c.cash_units_centi, c.due) for c in preview.candidates
    ] == [
        (baima.wang.pk, 2019, D(2025, 1, 1), 5000, True),
        (li_member.pk, 2020, D(2026, 1, 1), None, False),
    ]
    assert preview.due_count == 1 and preview.years == 5
    entries = poverty_shares_convert(user=personas.cadre_a, cooperative=baima.coop, on=D(2025, 1, 1))
    assert [(e.member_id, e.entry_type, e.units_centi, e.amount_fen) for e in entries] == [
        (baima.wang.pk, "conversion_out", -100, -5_000_00),
        (baima.wang.pk, "conversion_in", 5000, 5_000_00),
    ]
    assert entries[0].movement == entries[1].movement
    assert held(baima.coop, baima.wang, baima.poverty) == (0, 0)
    assert held(baima.coop, baima.wang, baima.cash) == (5000, 5_000_00)
    # Run again, even back-dated: nothing more converts. 李's household (out in 2020) waits for 2026.
    assert poverty_shares_convert(user=personas.cadre_a, cooperative=baima.coop, on=D(2025, 6, 1)) == []
    assert poverty_shares_convert(user=personas.cadre_a, cooperative=baima.coop, on=D(2025, 1, 1)) == []
    assert held(baima.coop, li_member, baima.poverty) == (100, 5_000_00)
    assert len(poverty_shares_convert(user=personas.cadre_a, cooperative=baima.coop, on=D(2026, 1, 1))) == 2


@pytest.mark.django_db
def test_conversion_needs_a_cash_class_and_writes_nothing_without_one(personas):
    coop = build_cooperative()
    build_bylaws(coop)
    poverty = build_share_class(coop, kind=ShareClassKind.FISCAL_POVERTY, unit_value_fen=5_000_00)
    member = build_member(coop, build_household(poverty_registered_year=2014, poverty_exit_year=2015))
    share_subscribe(
        user=personas.cadre_a, member=member, share_class=poverty, units="1", on=D(2018, 1, 1), reason="量化"
    )
    with pytest.raises(InvalidInput) as excinfo:
        poverty_shares_convert(user=personas.cadre_a, cooperative=coop, on=D(2025, 1, 1))
    assert excinfo.value.code == "no_cash_class"
    assert ShareEntry.objects.count() == 1


def give_exit_notice(member, effective_on):
    Member.objects.filter(pk=member.pk).update(
        status=MemberStatus.EXIT_NOTIFIED, exit_notice_on=D(2024, 9, 1), exit_effective_on=effective_on
    )
    member.refresh_from_db()


@pytest.mark.django_db
def test_exit_settlement_returns_capital_and_reserve_share_and_withdraws_subsidy_shares(personas, baima):
    subscribe(personas.cadre_a, baima, baima.wang, baima.land, "2.5")  # ¥3,000.00
    subscribe(personas.cadre_a, baima, baima.wang, baima.cash, "10")  # ¥1,000.00
    subscribe(personas.cadre_a, baima, baima.wang, baima.poverty, "1")  # ¥5,000.00, not returned
    give_exit_notice(baima.wang, D(2024, 12, 31))

    with pytest.raises(InvalidInput) as excinfo:
        member_exit_settle(user=personas.cadre_a, member=baima.wang, on=D(2024, 12, 30))
    assert excinfo.value.code == "exit_not_effective"
    assert ShareEntry.objects.count() == 3

    member = member_exit_settle(
        user=personas.cadre_a, member=baima.wang, on=D(2025, 1, 10), reserve_share_fen=123_45
    )
    assert (member.exit_capital_returned_fen, member.exit_reserve_returned_fen) == (4_000_00, 123_45)
    assert (member.status, member.exit_settled_on) == (MemberStatus.EXITED, D(2025, 1, 10))
    redemptions = ShareEntry.objects.filter(member=baima.wang, entry_type="redemption")
    assert sorted(e.amount_fen for e in redemptions) == [-5_000_00, -3_000_00, -1_000_00]
    assert holdings_at(user=personas.cadre_a, cooperative=baima.coop, on=D(2025, 1, 10)) == {}
    with pytest.raises(InvalidInput) as excinfo:
        member_exit_settle(user=personas.cadre_a, member=baima.wang, on=D(2025, 1, 11))
    assert excinfo.value.code == "exit_not_notified"


@pytest.mark.django_db
def test_an_active_member_cannot_be_settled_as_leaving(personas, baima):
    with pytest.raises(InvalidInput) as excinfo:
        member_exit_settle(user=personas.cadre_a, member=baima.li, on=D(2025, 1, 10))
    assert excinfo.value.code == "exit_not_notified"
    baima.li.refresh_from_db()
    assert baima.li.status == MemberStatus.ACTIVE


@pytest.mark.django_db
def test_redemption_pays_back_capital_in_proportion_but_never_subsidy_shares(personas, baima):
    subscribe(personas.cadre_a, baima, baima.wang, baima.cash, "10")
    subscribe(personas.cadre_a, baima, baima.wang, baima.poverty, "1")
    entry = share_redeem(
        user=personas.cadre_a,
        member=baima.wang,
        share_class=baima.cash,
        units="2.5",
        on=D(2020, 1, 1),
        reason="退股",
    )
    assert (entry.units_centi, entry.amount_fen) == (-250, -250_00)
    with pytest.raises(InvalidInput) as excinfo:
        share_redeem(
            user=personas.cadre_a,
            member=baima.wang,
            share_class=baima.poverty,
            units="1",
            on=D(2020, 1, 1),
            reason="退股",
        )
    assert excinfo.value.code == "not_redeemable"


@pytest.mark.django_db
def test_an_entry_cannot_be_updated_or_deleted(personas, baima):
    entry = subscribe(personas.cadre_a, baima, baima.wang, baima.cash, "10")
    entry.units_centi = 2000
    with pytest.raises(Conflict) as excinfo:
        entry.save()
    assert excinfo.value.code == "share_entry_immutable"
    with pytest.raises(Conflict):
        entry.delete()
    stored = ShareEntry.objects.get()
    assert (stored.units_centi, stored.amount_fen) == (1000, 1_000_00)


@pytest.mark.django_db
def test_share_class_is_created_once_per_kind_and_subsidy_classes_are_never_capital(personas):
    coop = build_cooperative()
    tea = share_class_create(
        user=personas.cadre_a, cooperative=coop, kind="labour", name="劳务股", unit_value_fen=50_00
    )
    assert (tea.is_capital, tea.transferable, tea.unit_name) == (True, True, "股")
    donation = share_class_create(
        user=personas.cadre_a, cooperative=coop, kind="donation", name="捐赠股", unit_value_fen=100_00
    )
    assert (donation.is_capital, donation.transferable) == (False, False)
    with pytest.raises(Conflict):
        share_class_create(
            user=personas.cadre_a, cooperative=coop, kind="labour", name="劳务股二", unit_value_fen=1
        )
    with pytest.raises(InvalidInput) as excinfo:
        share_class_create(
            user=personas.cadre_a,
            cooperative=coop,
            kind="fiscal_poverty",
            name="扶贫股",
            unit_value_fen=100_00,
            is_capital=True,
        )
    assert excinfo.value.code == "subsidy_is_not_capital"
    with pytest.raises(InvalidInput) as excinfo:
        share_class_create(
            user=personas.cadre_a, cooperative=coop, kind="cash", name="现金股", unit_value_fen=0
        )
    assert "unit_value_fen" in excinfo.value.details["fields"]
    assert ShareClass.objects.filter(cooperative=coop).count() == 2


@pytest.mark.django_db
def test_writes_are_scoped_to_the_cooperatives_region(personas, baima):
    coop_b = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社")
    build_bylaws(coop_b)
    cash_b = build_share_class(coop_b)
    member_b = build_member(coop_b, build_household(village_code=VILLAGE_B, number="0001"))

    for user in (personas.cadre_b, personas.auditor, personas.outsider):
        with pytest.raises(ScopeDenied):
            subscribe(user, baima, baima.wang, baima.cash, "10")
        with pytest.raises(ScopeDenied):
            share_class_create(
                user=user, cooperative=baima.coop, kind="labour", name="劳务股", unit_value_fen=1
            )
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ScopeDenied):
        poverty_shares_convert(user=AnonymousUser(), cooperative=baima.coop, on=D(2025, 1, 1))
    with pytest.raises(ScopeDenied):
        subscribe(personas.cadre_a, baima, member_b, cash_b, "10")
    assert not ShareEntry.objects.exists()

    subscribe(personas.cadre_a, baima, baima.wang, baima.cash, "10")
    subscribe(personas.cadre_b, baima, member_b, cash_b, "10")
    subscribe(personas.township, baima, baima.li, baima.cash, "1")
    subscribe(personas.county, baima, member_b, cash_b, "1")
    assert ShareEntry.objects.count() == 4


@pytest.mark.django_db
def test_a_member_or_class_of_another_cooperative_is_refused(personas, baima):
    coop_b = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社")
    build_bylaws(coop_b)
    cash_b = build_share_class(coop_b)
    member_b = build_member(coop_b, build_household(village_code=VILLAGE_B, number="0001"))
    subscribe(personas.cadre_a, baima, baima.wang, baima.cash, "10")
    with pytest.raises(InvalidInput) as excinfo:
        subscribe(personas.cadre_a, baima, baima.wang, cash_b, "10")
    assert excinfo.value.code == "class_of_other_cooperative"
    with pytest.raises(InvalidInput) as excinfo:
        share_transfer(
            user=personas.township,
            from_member=baima.wang,
            to_member=member_b,
            share_class=baima.cash,
            units="1",
            on=D(2019, 1, 1),
            reason="转让",
        )
    assert excinfo.value.code == "member_of_other_cooperative"
    assert ShareEntry.objects.count() == 1
    assert Bylaws.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transfers_cannot_both_spend_the_same_shares(personas):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises every write")
    import threading

    from django.db import connections

    b = build_baima()
    subscribe(personas.cadre_a, b, b.wang, b.cash, "10")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def transfer_six(to_member):
        try:
            barrier.wait()
            share_transfer(
                user=personas.cadre_a,
                from_member=b.wang,
                to_member=to_member,
                share_class=b.cash,
                units="6",
                on=D(2019, 3, 1),
                reason="转让",
            )
            outcomes.append("done")
        except InvalidInput as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=transfer_six, args=(m,)) for m in (b.li, b.zhao)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["done", "more_than_held"]
    assert held(b.coop, b.wang, b.cash) == (400, 400_00)
