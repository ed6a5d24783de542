"""Membership writes: application, approval or rejection, and exit notice (农民专业合作社法 Art. 20, 25).

Exit settlement (capital and reserve share returned, Art. 28) is `member_exit_settle` in services/shares.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from tongzhou.accounts.services import audit_record
from tongzhou.core.errors import Conflict, InvalidInput
from tongzhou.core.ids import validate_uscc
from tongzhou.households.domain import parse_date
from tongzhou.households.models import Household, Person
from tongzhou.regions.scope import require_write
from tongzhou.rollups.coverage import coop_figures_refresh

from ..domain.bylaws import LAW_EXIT_NOTICE_MONTHS, LAW_ORGANISATION_EXIT_NOTICE_MONTHS, bylaws_in_force
from ..domain.membership import Composition, check_admission, exit_effective_date
from ..models import Cooperative, LegalForm, Level, Member, MemberKind, MemberStatus

LIVE_STATUSES = (MemberStatus.APPLIED, MemberStatus.ACTIVE, MemberStatus.EXIT_NOTIFIED)
MEMBER_STATUSES = (MemberStatus.ACTIVE, MemberStatus.EXIT_NOTIFIED)  # members until their exit takes effect


def _invalid(field: str, zh: str, en: str, code: str, **details: Any) -> InvalidInput:
    return InvalidInput(
        zh,
        en,
        code=code,
        details={"fields": {field: {"message_zh": zh, "message_en": en, "code": code}}, **details},
    )


def _parse_day(field: str, value: object) -> dt.date:
    try:
        day = parse_date(value)
    except InvalidInput as exc:
        raise _invalid(field, exc.message_zh, exc.message_en, exc.code) from None
    if day is None:
        raise _invalid(field, "日期必填。", "The date is required.", "required")
    return day


def _follows_art_20(cooperative: Cooperative) -> bool:
    """Art. 20 governs farmers' cooperatives; a township union's members are cooperatives (Ch. 7), not people."""
    return cooperative.legal_form == LegalForm.FARMERS_COOPERATIVE and cooperative.level != Level.TOWNSHIP


def _composition(cooperative: Cooperative) -> Composition:
    live = Member.objects.filter(cooperative=cooperative, status__in=MEMBER_STATUSES)
    return Composition(
        total=live.count(),
        farmers=live.filter(is_farmer=True).count(),
        organisations=live.filter(kind=MemberKind.ORGANISATION).count(),
    )


def _check_composition(cooperative: Cooperative, *, is_farmer: bool, kind: str) -> None:
    if _follows_art_20(cooperative):
        check_admission(
            _composition(cooperative), is_farmer=is_farmer, is_organisation=kind == MemberKind.ORGANISATION
        )


def _outside(cooperative: Cooperative, what_zh: str, what_en: str, field: str) -> InvalidInput:
    return _invalid(
        field,
        f"{what_zh}不在合作社所在地区（{cooperative.region_code}）内，不能入社。",
        f"The {what_en} is not within the cooperative's region ({cooperative.region_code}) and cannot join.",
        "member_outside_region",
        region_code=cooperative.region_code,
    )


def _household_party(cooperative: Cooperative, household: Household, person: Person | None) -> dict[str, Any]:
    if cooperative.level == Level.TOWNSHIP:
        raise _invalid(
            "household",
            "乡镇联合社的成员是村合作社和村集体经济组织，农户应加入本村合作社。",
            "A township union's members are village cooperatives and collectives; a household joins its "
            "village cooperative.",
            "township_takes_cooperatives",
        )
    if not household.village_code.startswith(cooperative.region_code):
        raise _outside(
            cooperative,
            f"农户（{household.village_code}）",
            f"household ({household.village_code})",
            "household",
        )
    if person is None:
        person = household.persons.filter(relation="head").first()
        if person is None:
            raise _invalid(
                "person",
                "该户没有户主，请指定以谁的名义入社。",
                "The household has no head: name the person who holds the membership.",
                "person_required",
            )
    elif person.household_id != household.pk:
        raise _invalid(
            "person",
            "该人员不属于该农户。",
            "This person does not belong to the household.",
            "person_household",
        )
    return {
        "kind": MemberKind.HOUSEHOLD,
        "household": household,
        "person": person,
        "display_name": person.name,
        "is_woman": person.sex == "F",
        "village_code": household.village_code,
        "county_code": household.county_code,
    }


def _cooperative_party(cooperative: Cooperative, other: Cooperative) -> dict[str, Any]:
    if other.pk == cooperative.pk:
        raise _invalid(
            "member_cooperative",
            "合作社不能成为自己的成员。",
            "A cooperative cannot be its own member.",
            "self_member",
        )
    if not other.region_code.startswith(cooperative.region_code):
        raise _outside(
            cooperative,
            f"合作社（{other.region_code}）",
            f"cooperative ({other.region_code})",
            "member_cooperative",
        )
    if cooperative.level == Level.TOWNSHIP and other.level != Level.VILLAGE:
        raise _invalid(
            "member_cooperative",
            "乡镇联合社的成员应为本乡镇的村合作社或村集体经济组织。",
            "A township union's members are the village cooperatives and collectives of its township.",
            "township_takes_cooperatives",
        )
    collective = other.legal_form == LegalForm.COLLECTIVE_ORGANISATION
    return {
        "kind": MemberKind.COLLECTIVE if collective else MemberKind.COOPERATIVE,
        "member_cooperative": other,
        "display_name": other.name,
        "village_code": other.region_code if len(other.region_code) == 12 else "",
        "county_code": other.county_code,
    }


def _organisation_party(cooperative: Cooperative, name: str, credit_code: str) -> dict[str, Any]:
    if cooperative.level == Level.TOWNSHIP:
        raise _invalid(
            "organisation_name",
            "乡镇联合社的成员是村合作社和村集体经济组织。",
            "A township union's members are village cooperatives and collectives.",
            "township_takes_cooperatives",
        )
    name = str(name or "").strip()
    if not name or len(name) > 120:
        raise _invalid(
            "organisation_name",
            "单位名称不能为空，最多120个字。",
            "The organisation's name is required, 120 characters at most.",
            "required",
        )
    try:
        code = validate_uscc(credit_code)
    except InvalidInput as exc:
        raise _invalid("organisation_credit_code", exc.message_zh, exc.message_en, exc.code) from None
    return {
        "kind": MemberKind.ORGANISATION,
        "organisation_name": name,
        "organisation_credit_code": code,
        "display_name": name,
        "village_code": "",
        "county_code": cooperative.county_code,
    }


def _duplicate(cooperative: Cooperative, party: dict[str, Any]) -> Member | None:
    live = Member.objects.filter(cooperative=cooperative, status__in=LIVE_STATUSES)
    if party["kind"] == MemberKind.HOUSEHOLD:
        return live.filter(household=party["household"]).first()
    if party["kind"] == MemberKind.ORGANISATION:
        return live.filter(organisation_credit_code=party["organisation_credit_code"]).first()
    return live.filter(member_cooperative=party["member_cooperative"]).first()


@transaction.atomic
def member_apply(
    *,
    user,
    cooperative: Cooperative,
    applied_on: dt.date | str,
    household: Household | None = None,
    person: Person | None = None,
    member_cooperative: Cooperative | None = None,
    organisation_name: str = "",
    organisation_credit_code: str = "",
    is_farmer: bool | None = None,
    is_village_cadre: bool = False,
    notes: str = "",
    via: str = "web",
) -> Member:
    """Record an application to join: a household (through its head or a named person of it), the village
    collective or another cooperative, or an organisation with its credit code. Exactly one party applies."""
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    require_write(user, cooperative.region_code)
    given = [
        household is not None,
        member_cooperative is not None,
        bool(organisation_name or organisation_credit_code),
    ]
    if sum(given) != 1:
        raise _invalid(
            "kind",
            "请指定一个申请入社的农户、合作社（村集体经济组织）或单位。",
            "Name exactly one applicant: a household, a cooperative (or the village collective), or an "
            "organisation.",
            "one_applicant",
        )
    day = _parse_day("applied_on", applied_on)
    if day < cooperative.founded_on:
        raise _invalid(
            "applied_on",
            "申请日期不能早于合作社成立日期。",
            "An application cannot be dated before the cooperative was founded.",
            "before_founding",
        )
    if household is not None:
        party = _household_party(cooperative, household, person)
    elif member_cooperative is not None:
        party = _cooperative_party(cooperative, member_cooperative)
    else:
        party = _organisation_party(cooperative, organisation_name, organisation_credit_code)
    farmer = party["kind"] == MemberKind.HOUSEHOLD if is_farmer is None else bool(is_farmer)
    if farmer and party["kind"] != MemberKind.HOUSEHOLD:
        raise _invalid(
            "is_farmer",
            "只有农户成员才是农民成员。",
            "Only a household member counts as a farmer member.",
            "farmer_kind",
        )
    existing = _duplicate(cooperative, party)
    if existing is not None:
        raise Conflict(
            f"“{existing.display_name}”已是本社成员或已申请入社（{existing.get_status_display()}）。",
            f"{existing.display_name} is already a member of this cooperative or has applied "
            f"({existing.status}).",
            code="duplicate_membership",
            details={"member_id": existing.pk, "status": existing.status},
        )
    _check_composition(cooperative, is_farmer=farmer, kind=party["kind"])
    try:
        with transaction.atomic():
            member = Member.objects.create(
                cooperative=cooperative,
                is_farmer=farmer,
                is_village_cadre=bool(is_village_cadre),
                status=MemberStatus.APPLIED,
                applied_on=day,
                notes=str(notes or "").strip(),
                **party,
            )
    except IntegrityError:
        raise Conflict(
            "已是本社成员或已申请入社。",
            "Already a member of this cooperative or has applied.",
            code="duplicate_membership",
        ) from None
    audit_record(user=user, action="member.apply", obj=member, region_code=cooperative.region_code, via=via)
    coop_figures_refresh(village_codes=[member.cooperative.region_code])
    return member


def _locked(member: Member, status: str, *, zh: str, en: str) -> Member:
    member = Member.objects.select_for_update().select_related("cooperative").get(pk=member.pk)
    if member.status != status:
        raise Conflict(
            f"{zh}（当前状态：{member.get_status_display()}）。",
            f"{en} (status now: {member.status}).",
            code="member_status",
            details={"status": member.status},
        )
    return member


@transaction.atomic
def member_approve(*, user, member: Member, joined_on: dt.date | str, via: str = "web") -> Member:
    """Admit an applicant from `joined_on`; who approves is a user who may write the cooperative's region."""
    Cooperative.objects.select_for_update().get(pk=member.cooperative_id)
    member = _locked(
        member, MemberStatus.APPLIED, zh="只能批准申请中的入社申请", en="Only an application can be approved"
    )
    cooperative = member.cooperative
    require_write(user, cooperative.region_code)
    day = _parse_day("joined_on", joined_on)
    if day < member.applied_on:
        raise _invalid(
            "joined_on",
            "入社日期不能早于申请日期。",
            "The join date cannot be before the application.",
            "joined_before_applied",
        )
    _check_composition(cooperative, is_farmer=member.is_farmer, kind=member.kind)
    member.status = MemberStatus.ACTIVE
    member.joined_on = day
    member.approved_by = user if getattr(user, "is_authenticated", False) else None
    member.save(update_fields=["status", "joined_on", "approved_by", "updated_at"])
    audit_record(
        user=user,
        action="member.approve",
        obj=member,
        region_code=cooperative.region_code,
        via=via,
        details={"joined_on": day.isoformat()},
    )
    coop_figures_refresh(village_codes=[member.cooperative.region_code])
    return member


@transaction.atomic
def member_reject(*, user, member: Member, reason: str = "", via: str = "web") -> Member:
    """Refuse an application; the reason is kept in the member's notes."""
    member = _locked(
        member, MemberStatus.APPLIED, zh="只能拒绝申请中的入社申请", en="Only an application can be rejected"
    )
    require_write(user, member.cooperative.region_code)
    reason = str(reason or "").strip()
    member.status = MemberStatus.REJECTED
    if reason:
        member.notes = f"{member.notes}\n{reason}".strip()
    member.save(update_fields=["status", "notes", "updated_at"])
    audit_record(
        user=user,
        action="member.reject",
        obj=member,
        region_code=member.cooperative.region_code,
        via=via,
        details={"reason": reason},
    )
    coop_figures_refresh(village_codes=[member.cooperative.region_code])
    return member


def exit_notice_months_for(member: Member, on_date: dt.date) -> int:
    """The notice a member owes (Art. 25): the bylaws in force say so, else 3 months, 6 for a unit member."""
    bylaws = bylaws_in_force(member.cooperative.bylaws_versions.all(), on_date)
    household = member.kind == MemberKind.HOUSEHOLD
    if bylaws is None:
        return LAW_EXIT_NOTICE_MONTHS if household else LAW_ORGANISATION_EXIT_NOTICE_MONTHS
    return bylaws.exit_notice_months if household else bylaws.organisation_exit_notice_months


@transaction.atomic
def member_exit_notify(
    *, user, member: Member, notice_on: dt.date | str, leave_in_year: int | None = None, via: str = "web"
) -> Member:
    """Record a member's written notice to leave; membership ends on 31 December of the year left (Art. 25).

    A notice after that year's deadline is refused with the deadline; `leave_in_year` asks for a later year.
    Settlement of capital and reserve share follows in services/shares.py.
    """
    member = _locked(
        member, MemberStatus.ACTIVE, zh="只有在册成员可以申请退社", en="Only an active member can give notice"
    )
    require_write(user, member.cooperative.region_code)
    day = _parse_day("notice_on", notice_on)
    if member.joined_on and day < member.joined_on:
        raise _invalid(
            "notice_on",
            "退社申请日期不能早于入社日期。",
            "The notice cannot be dated before the member joined.",
            "notice_before_join",
        )
    months = exit_notice_months_for(member, day)
    effective = exit_effective_date(day, months, leave_in_year=leave_in_year)
    member.status = MemberStatus.EXIT_NOTIFIED
    member.exit_notice_on = day
    member.exit_effective_on = effective
    member.save(update_fields=["status", "exit_notice_on", "exit_effective_on", "updated_at"])
    audit_record(
        user=user,
        action="member.exit_notify",
        obj=member,
        region_code=member.cooperative.region_code,
        via=via,
        details={"notice_on": day.isoformat(), "exit_effective_on": effective.isoformat(), "months": months},
    )
    coop_figures_refresh(village_codes=[member.cooperative.region_code])
    return member
