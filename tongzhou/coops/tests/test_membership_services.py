"""Joining, refusal, and exit notice of members (农民专业合作社法 Art. 20, 25); reads scoped with the personas."""

import datetime as dt

import pytest

from tongzhou.coops.models import Member, MemberStatus
from tongzhou.coops.selectors.membership import member_coverage, member_get, member_list
from tongzhou.coops.services.membership import (
    member_apply,
    member_approve,
    member_exit_notify,
    member_reject,
)
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, credit_code
from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.core.testing import TOWNSHIP, VILLAGE_A, VILLAGE_B, VILLAGE_C, build_household


@pytest.mark.django_db
def test_a_household_applies_through_its_head_and_joins_on_approval(personas):
    coop = build_cooperative()
    household = build_household(number="0007", head_name="张秀英")
    member = member_apply(
        user=personas.cadre_a, cooperative=coop, household=household, applied_on="2024-03-01"
    )
    assert (member.status, member.kind, member.display_name) == ("applied", "household", "张秀英")
    assert member.person.relation == "head" and member.is_farmer and member.village_code == VILLAGE_A
    member = member_approve(user=personas.secretary_a, member=member, joined_on=dt.date(2024, 3, 15))
    assert (member.status, member.joined_on, member.approved_by) == (
        "active",
        dt.date(2024, 3, 15),
        personas.secretary_a,
    )


@pytest.mark.django_db
def test_a_household_may_join_through_a_named_person_of_it_but_not_another_households(personas):
    coop = build_cooperative()
    household = build_household(members=1)
    daughter = household.persons.get(relation="child")
    member = member_apply(
        user=personas.cadre_a, cooperative=coop, household=household, person=daughter, applied_on="2024-03-01"
    )
    assert member.person == daughter and member.is_woman
    stranger = build_household(number="0002", members=1).persons.get(relation="child")
    other = build_household(number="0003")
    with pytest.raises(InvalidInput):
        member_apply(
            user=personas.cadre_a, cooperative=coop, household=other, person=stranger, applied_on="2024-03-01"
        )


@pytest.mark.django_db
def test_a_household_of_another_village_is_refused_and_nothing_is_written(personas):
    coop = build_cooperative(region_code=VILLAGE_A)
    elsewhere = build_household(village_code=VILLAGE_B)
    with pytest.raises(InvalidInput) as excinfo:
        member_apply(user=personas.township, cooperative=coop, household=elsewhere, applied_on="2024-03-01")
    assert excinfo.value.code == "member_outside_region"
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_applying_twice_is_refused(personas):
    coop = build_cooperative()
    household = build_household()
    member_apply(user=personas.cadre_a, cooperative=coop, household=household, applied_on="2024-03-01")
    with pytest.raises(Conflict) as excinfo:
        member_apply(user=personas.cadre_a, cooperative=coop, household=household, applied_on="2024-03-02")
    assert excinfo.value.code == "duplicate_membership"
    assert Member.objects.count() == 1


@pytest.mark.django_db
def test_a_rejected_household_may_apply_again(personas):
    coop = build_cooperative()
    household = build_household()
    first = member_apply(
        user=personas.cadre_a, cooperative=coop, household=household, applied_on="2024-03-01"
    )
    member_reject(user=personas.cadre_a, member=first, reason="材料不全")
    first.refresh_from_db()
    assert first.status == "rejected" and "材料不全" in first.notes
    again = member_apply(
        user=personas.cadre_a, cooperative=coop, household=household, applied_on="2024-04-01"
    )
    assert again.status == "applied"


@pytest.mark.django_db
def test_the_village_collective_joins_once_four_farmers_are_members(personas):
    coop = build_cooperative()
    collective = build_cooperative(name="白马村股份经济合作社", legal_form="collective_organisation")
    for n in range(3):
        build_member(coop, build_household(number=f"000{n + 1}"))
    # 3 farmers + the collective: 75% farmers, under Art. 20's 80%.
    with pytest.raises(InvalidInput) as excinfo:
        member_apply(
            user=personas.cadre_a, cooperative=coop, member_cooperative=collective, applied_on="2024-03-01"
        )
    assert excinfo.value.code == "farmers_share"
    assert excinfo.value.details["farmers_needed"] == 4
    build_member(coop, build_household(number="0004"))
    member = member_apply(
        user=personas.cadre_a, cooperative=coop, member_cooperative=collective, applied_on="2024-03-01"
    )
    member = member_approve(user=personas.cadre_a, member=member, joined_on="2024-03-01")
    assert (member.kind, member.is_farmer, member.status) == ("collective", False, "active")


@pytest.mark.django_db
def test_a_second_organisation_in_a_cooperative_of_20_members_is_refused(personas):
    coop = build_cooperative()
    for n in range(18):
        build_member(coop, build_household(number=f"{n + 1:04d}"))
    first = member_apply(
        user=personas.cadre_a,
        cooperative=coop,
        organisation_name="毕节丝绸有限公司",
        organisation_credit_code=credit_code("91520502"),
        applied_on="2024-03-01",
    )
    member_approve(user=personas.cadre_a, member=first, joined_on="2024-03-01")
    with pytest.raises(InvalidInput) as excinfo:
        member_apply(
            user=personas.cadre_a,
            cooperative=coop,
            organisation_name="贵州蚕种场",
            organisation_credit_code=credit_code("12520502"),
            applied_on="2024-03-01",
        )
    assert excinfo.value.code == "organisation_limit"
    assert Member.objects.filter(kind="organisation").count() == 1


@pytest.mark.django_db
def test_an_organisation_with_a_wrong_credit_code_is_refused(personas):
    coop = build_cooperative()
    good = credit_code("91520502")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as excinfo:
        member_apply(
            user=personas.cadre_a,
            cooperative=coop,
            organisation_name="毕节丝绸有限公司",
            organisation_credit_code=bad,
            applied_on="2024-03-01",
        )
    assert "organisation_credit_code" in excinfo.value.details["fields"]
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_the_township_union_takes_village_cooperatives_of_its_township_only(personas):
    union = build_cooperative(region_code=TOWNSHIP, level="township", name="同舟镇联合社")
    village_coop = build_cooperative(region_code=VILLAGE_B, name="龙井村合作社")
    other_township = build_cooperative(region_code=VILLAGE_C, name="青山村合作社")
    member = member_apply(
        user=personas.township, cooperative=union, member_cooperative=village_coop, applied_on="2024-03-01"
    )
    assert member.kind == "cooperative" and member.village_code == VILLAGE_B
    with pytest.raises(InvalidInput):
        member_apply(
            user=personas.county,
            cooperative=union,
            member_cooperative=other_township,
            applied_on="2024-03-01",
        )
    with pytest.raises(InvalidInput) as excinfo:
        member_apply(
            user=personas.township, cooperative=union, household=build_household(), applied_on="2024-03-01"
        )
    assert excinfo.value.code == "township_takes_cooperatives"


@pytest.mark.django_db
def test_only_writers_of_the_cooperatives_region_apply_approve_reject_and_take_notice(personas):
    coop = build_cooperative()
    household = build_household()
    for user in (personas.cadre_b, personas.auditor, personas.outsider):
        with pytest.raises(ScopeDenied):
            member_apply(user=user, cooperative=coop, household=household, applied_on="2024-03-01")
    member = member_apply(
        user=personas.cadre_a, cooperative=coop, household=household, applied_on="2024-03-01"
    )
    for user in (personas.cadre_b, personas.auditor, personas.outsider):
        with pytest.raises(ScopeDenied):
            member_approve(user=user, member=member, joined_on="2024-03-02")
        with pytest.raises(ScopeDenied):
            member_reject(user=user, member=member)
    member = member_approve(user=personas.township, member=member, joined_on="2024-03-02")
    for user in (personas.cadre_b, personas.auditor, personas.outsider):
        with pytest.raises(ScopeDenied):
            member_exit_notify(user=user, member=member, notice_on="2024-05-01")
    member.refresh_from_db()
    assert member.status == "active"


@pytest.mark.django_db
def test_a_notice_by_30_september_ends_membership_on_31_december(personas):
    coop = build_cooperative()
    member = build_member(coop, build_household(), joined_on=dt.date(2020, 1, 1))
    member = member_exit_notify(user=personas.cadre_a, member=member, notice_on="2024-09-30")
    assert member.status == MemberStatus.EXIT_NOTIFIED
    assert (member.exit_notice_on, member.exit_effective_on) == (dt.date(2024, 9, 30), dt.date(2024, 12, 31))


@pytest.mark.django_db
def test_a_notice_on_1_october_is_refused_unless_leaving_next_year(personas):
    coop = build_cooperative()
    member = build_member(coop, build_household(), joined_on=dt.date(2020, 1, 1))
    with pytest.raises(InvalidInput) as excinfo:
        member_exit_notify(user=personas.cadre_a, member=member, notice_on="2024-10-01")
    assert excinfo.value.details["deadline"] == "2024-09-30"
    member.refresh_from_db()
    assert (member.status, member.exit_notice_on) == ("active", None)
    member = member_exit_notify(
        user=personas.cadre_a, member=member, notice_on="2024-10-01", leave_in_year=2025
    )
    assert member.exit_effective_on == dt.date(2025, 12, 31)


@pytest.mark.django_db
def test_an_organisation_owes_six_months_and_bylaws_may_ask_for_more(personas):
    coop = build_cooperative()
    for n in range(4):
        build_member(coop, build_household(number=f"000{n + 1}"))
    org = member_apply(
        user=personas.cadre_a,
        cooperative=coop,
        organisation_name="毕节丝绸有限公司",
        organisation_credit_code=credit_code("91520502"),
        applied_on="2020-03-01",
    )
    org = member_approve(user=personas.cadre_a, member=org, joined_on="2020-03-01")
    with pytest.raises(InvalidInput) as excinfo:
        member_exit_notify(user=personas.cadre_a, member=org, notice_on="2024-07-01")
    assert excinfo.value.details["deadline"] == "2024-06-30"
    build_bylaws(coop, effective_from=dt.date(2017, 4, 1), exit_notice_months=4)
    farmer = Member.objects.filter(kind="household").first()
    with pytest.raises(InvalidInput) as excinfo:
        member_exit_notify(user=personas.cadre_a, member=farmer, notice_on="2024-09-01")
    assert excinfo.value.details["deadline"] == "2024-08-31"


@pytest.mark.django_db
def test_members_are_read_within_scope(personas):
    coop = build_cooperative()
    member = build_member(coop, build_household())
    applicant = build_member(coop, build_household(number="0002"), status=MemberStatus.APPLIED)
    assert list(member_list(user=personas.cadre_a, cooperative=coop)) == [member, applicant]
    assert list(member_list(user=personas.auditor, cooperative=coop, status="applied")) == [applicant]
    assert member_get(user=personas.township, member_id=member.pk) == member
    for user in (personas.cadre_b, personas.outsider):
        with pytest.raises(ScopeDenied):
            member_list(user=user, cooperative=coop)
        with pytest.raises(ScopeDenied):
            member_get(user=user, member_id=member.pk)


@pytest.mark.django_db
def test_coverage_reports_registered_poor_households_that_have_not_joined(personas):
    coop = build_cooperative()
    poor_in = build_household(number="0001", poverty_registered_year=2015, poverty_exit_year=2019)
    poor_out = build_household(number="0002", poverty_registered_year=2016)
    cadre = build_household(number="0003")
    build_member(coop, poor_in)
    build_member(coop, cadre, is_village_cadre=True)
    report = member_coverage(user=personas.cadre_a, village_code=VILLAGE_A)
    assert (report.registered_poor, report.registered_poor_members) == (2, 1)
    assert report.registered_poor_not_members == (poor_out.pk,)
    assert (report.cadres, report.cadres_not_members) == (1, ())
    listed = member_coverage(
        user=personas.auditor, village_code=VILLAGE_A, cadre_household_ids=[cadre.pk, poor_out.pk]
    )
    assert listed.cadres_not_members == (poor_out.pk,)
    for user in (personas.cadre_b, personas.outsider):
        with pytest.raises(ScopeDenied):
            member_coverage(user=user, village_code=VILLAGE_A)
