"""Every write to share classes and the share ledger: subscription, transfer, inheritance, conversion of poverty-fund
shares, redemption and exit settlement (农民专业合作社法 Art. 13, 25, 28, 44). Scoped, validated, audited.

The ledger is append-only: these services only ever insert ShareEntry rows; a mistake is corrected by a further
entry. A member's row is locked (select_for_update) before their holding is read, so two concurrent transfers
cannot both spend the same shares.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from tongzhou.accounts.services import audit_record
from tongzhou.core.errors import Conflict, InvalidInput
from tongzhou.ledger.services.auto import exit_reserve_voucher, share_entry_voucher
from tongzhou.regions.scope import require_write
from tongzhou.rollups.coverage import coop_figures_refresh

from ..domain import shares as domain
from ..models import (
    Bylaws,
    Cooperative,
    EntryType,
    Member,
    MemberKind,
    MemberStatus,
    ShareClass,
    ShareClassKind,
    ShareEntry,
)

HOLDING_STATUSES = (MemberStatus.ACTIVE, MemberStatus.EXIT_NOTIFIED)


# ---- helpers -------------------------------------------------------------------------------------------------


def _clean_reason(reason: object) -> str:
    text = "" if reason is None else str(reason).strip()
    if not text:
        raise domain.field_error("reason", "请填写事由。", "A reason is required.", "reason_required")
    if len(text) > 200:
        raise domain.field_error(
            "reason", "事由最多 200 字。", "The reason has at most 200 characters.", "reason_too_long"
        )
    return text


def _check_date(cooperative: Cooperative, on: object) -> dt.date:
    """The entry date must be a date in an open year (not in or before the cooperative's last closed year)."""
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise domain.field_error("on", "日期无效。", "The date is not valid.", "date_invalid", value=str(on))
    closed = cooperative.closed_through_year
    if closed is not None and on.year <= closed:
        raise domain.field_error(
            "on",
            f"{closed} 年及以前的账已结，不能再记。",
            f"The books are closed through {closed}; nothing may be recorded on that date.",
            "year_closed",
            value=on.isoformat(),
        )
    return on


def _lock_member(member: Member) -> Member:
    # of=("self",): PostgreSQL locks no row on the nullable side of the household join.
    return (
        Member.objects.select_for_update(of=("self",))
        .select_related("cooperative", "household")
        .get(pk=member.pk)
    )


def _check_class_of(cooperative: Cooperative, share_class: ShareClass) -> None:
    if share_class.cooperative_id != cooperative.pk:
        raise domain.field_error(
            "share_class",
            "该股份类别不属于本社。",
            "The share class belongs to another cooperative.",
            "class_of_other_cooperative",
        )


def _check_same_cooperative(cooperative: Cooperative, member: Member, field: str) -> None:
    if member.cooperative_id != cooperative.pk:
        raise domain.field_error(
            field,
            "该成员不属于本社。",
            "The member belongs to another cooperative.",
            "member_of_other_cooperative",
        )


def _bylaws_in_force(cooperative: Cooperative, on: dt.date) -> Bylaws:
    bylaws = (
        Bylaws.objects.filter(cooperative=cooperative, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if bylaws is None:
        raise InvalidInput(
            f"{on} 没有生效的章程。",
            f"No bylaws of the cooperative are in force on {on}.",
            code="no_bylaws_in_force",
            details={"on": on.isoformat()},
        )
    return bylaws


def _holding(member: Member, share_class: ShareClass) -> domain.Holding:
    """The member's current holding of the class: every entry, whatever its date, so a back-dated operation can
    never spend shares that a later entry already moved."""
    totals = ShareEntry.objects.filter(member=member, share_class=share_class).aggregate(
        units=Sum("units_centi"), amount=Sum("amount_fen")
    )
    return domain.Holding(totals["units"] or 0, totals["amount"] or 0)


def _holdings_by_class(member: Member) -> dict[int, domain.Holding]:
    rows = (
        ShareEntry.objects.filter(member=member)
        .values("share_class_id")
        .annotate(units=Sum("units_centi"), amount=Sum("amount_fen"))
    )
    held = {r["share_class_id"]: domain.Holding(r["units"], r["amount"]) for r in rows}
    return {cls: h for cls, h in held.items() if not h.is_empty}


def _entry(
    *,
    user,
    member: Member,
    share_class: ShareClass,
    entry_type: str,
    on: dt.date,
    holding: domain.Holding,
    reason: str,
    counterparty: Member | None = None,
    movement: uuid.UUID | None = None,
) -> ShareEntry:
    cooperative = member.cooperative
    return ShareEntry.objects.create(
        cooperative=cooperative,
        member=member,
        share_class=share_class,
        entry_type=entry_type,
        on=on,
        units_centi=holding.units_centi,
        amount_fen=holding.amount_fen,
        counterparty=counterparty,
        movement=movement,
        reason=reason,
        village_code=member.village_code,
        county_code=cooperative.county_code,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def _audit(user, action: str, obj, cooperative: Cooperative, via: str, **details) -> None:
    """Audit a write and keep the coverage figures (share capital by class) current in the same transaction."""
    audit_record(
        user=user, action=action, obj=obj, region_code=cooperative.region_code, via=via, details=details
    )
    coop_figures_refresh(village_codes=[cooperative.region_code])


# ---- share classes -------------------------------------------------------------------------------------------


@transaction.atomic
def share_class_create(
    *,
    user,
    cooperative: Cooperative,
    kind: str,
    name: str,
    unit_value_fen: int,
    unit_name: str | None = None,
    is_capital: bool | None = None,
    transferable: bool | None = None,
    via: str = "web",
) -> ShareClass:
    """Create a class of shares. Fiscal poverty-fund and donation classes are subsidy property, never capital
    (Art. 44); by default they are not transferable either."""
    require_write(user, cooperative.region_code)
    if kind not in ShareClassKind.values:
        raise domain.field_error(
            "kind", "股份类别无效。", "Unknown kind of share class.", "kind_invalid", value=kind
        )
    name = ("" if name is None else str(name)).strip()
    if not name or len(name) > 60:
        raise domain.field_error(
            "name", "名称须为 1–60 字。", "The name must have 1 to 60 characters.", "name_invalid"
        )
    if isinstance(unit_value_fen, bool) or not isinstance(unit_value_fen, int) or unit_value_fen <= 0:
        raise domain.field_error(
            "unit_value_fen",
            "每单位作价必须是大于零的整数分。",
            "The unit value must be a whole number of fen above zero.",
            "unit_value_invalid",
            value=str(unit_value_fen),
        )
    subsidy = kind in domain.SUBSIDY_KINDS
    if is_capital is None:
        is_capital = not subsidy
    if is_capital and subsidy:
        raise domain.field_error(
            "is_capital",
            "财政补助和捐赠形成的股份不计入成员出资。",
            "Shares formed from subsidies or donations are not member capital.",
            "subsidy_is_not_capital",
        )
    if transferable is None:
        transferable = not subsidy
    if ShareClass.objects.filter(cooperative=cooperative, kind=kind).exists():
        raise Conflict(
            "本社已有该类股份。",
            "The cooperative already has a share class of this kind.",
            code="duplicate_share_class",
            details={"field": "kind", "value": kind},
        )
    share_class = ShareClass.objects.create(
        cooperative=cooperative,
        kind=kind,
        name=name,
        unit_name=(unit_name or ("亩" if kind == ShareClassKind.LAND else "股")).strip(),
        unit_value_fen=unit_value_fen,
        is_capital=is_capital,
        transferable=transferable,
    )
    _audit(
        user, "share_class.create", share_class, cooperative, via, kind=kind, unit_value_fen=unit_value_fen
    )
    return share_class


# ---- the ledger ----------------------------------------------------------------------------------------------


@transaction.atomic
def share_subscribe(
    *,
    user,
    member: Member,
    share_class: ShareClass,
    units: str | int | Decimal,
    on: dt.date,
    reason: str,
    via: str = "web",
) -> ShareEntry:
    """An active member subscribes shares: amount = units × unit value, rounded half up to the fen (Art. 13)."""
    member = _lock_member(member)
    cooperative = member.cooperative
    require_write(user, cooperative.region_code)
    _check_class_of(cooperative, share_class)
    units_centi = domain.parse_units(units)
    on = _check_date(cooperative, on)
    reason = _clean_reason(reason)
    if member.status != MemberStatus.ACTIVE:
        raise domain.field_error(
            "member",
            "只有在册成员才能认购股份。",
            "Only an active member may subscribe shares.",
            "member_not_active",
        )
    if member.joined_on and on < member.joined_on:
        raise domain.field_error(
            "on",
            "认购日期早于入社日期。",
            "The subscription is dated before the member joined.",
            "before_joining",
        )
    amount = domain.subscription_amount_fen(units_centi, share_class.unit_value_fen)
    entry = _entry(
        user=user,
        member=member,
        share_class=share_class,
        entry_type=EntryType.SUBSCRIPTION,
        on=on,
        holding=domain.Holding(units_centi, amount),
        reason=reason,
    )
    share_entry_voucher(user=user, entry=entry, via=via)
    _audit(user, "share.subscribe", entry, cooperative, via, units_centi=units_centi, amount_fen=amount)
    return entry


@transaction.atomic
def share_transfer(
    *,
    user,
    from_member: Member,
    to_member: Member,
    share_class: ShareClass,
    units: str | int | Decimal,
    on: dt.date,
    reason: str,
    via: str = "web",
) -> tuple[ShareEntry, ShareEntry]:
    """Move shares between two members: capital moves in proportion to the holding; the bylaws decide whether a
    non-member may receive them. Two entries share one movement."""
    from_member = _lock_member(from_member)
    cooperative = from_member.cooperative
    require_write(user, cooperative.region_code)
    to_member = Member.objects.select_related("cooperative").get(pk=to_member.pk)
    _check_same_cooperative(cooperative, to_member, "to_member")
    _check_class_of(cooperative, share_class)
    units_centi = domain.parse_units(units)
    on = _check_date(cooperative, on)
    reason = _clean_reason(reason)
    if from_member.status not in HOLDING_STATUSES:
        raise domain.field_error(
            "from_member",
            "转出方不是在册成员。",
            "The transferring member is not a member.",
            "member_not_active",
        )
    bylaws = _bylaws_in_force(cooperative, on)
    moved = domain.plan_transfer(
        _holding(from_member, share_class),
        units_centi,
        from_member_id=from_member.pk,
        to_member_id=to_member.pk,
        transferable=share_class.transferable,
        to_is_member=to_member.status == MemberStatus.ACTIVE,
        transfer_to_non_members=bylaws.transfer_to_non_members,
    )
    movement = uuid.uuid4()
    common = {"user": user, "share_class": share_class, "on": on, "reason": reason, "movement": movement}
    out = _entry(
        member=from_member,
        entry_type=EntryType.TRANSFER_OUT,
        holding=moved.out,
        counterparty=to_member,
        **common,
    )
    into = _entry(
        member=to_member,
        entry_type=EntryType.TRANSFER_IN,
        holding=moved.into,
        counterparty=from_member,
        **common,
    )
    share_entry_voucher(user=user, entry=out, via=via)  # the out leg carries the movement's voucher
    _audit(
        user,
        "share.transfer",
        out,
        cooperative,
        via,
        movement=str(movement),
        to_member=to_member.pk,
        units_centi=moved.units_centi,
        amount_fen=moved.amount_fen,
    )
    return out, into


@transaction.atomic
def share_inherit(
    *, user, deceased_member: Member, heir_member: Member, on: dt.date, reason: str, via: str = "web"
) -> list[ShareEntry]:
    """Pass every holding of a deceased member, whole and in every class, to an heir who is a member."""
    deceased = _lock_member(deceased_member)
    cooperative = deceased.cooperative
    require_write(user, cooperative.region_code)
    heir = Member.objects.select_related("cooperative").get(pk=heir_member.pk)
    _check_same_cooperative(cooperative, heir, "heir_member")
    on = _check_date(cooperative, on)
    reason = _clean_reason(reason)
    moves = domain.plan_inheritance(
        _holdings_by_class(deceased),
        deceased_member_id=deceased.pk,
        heir_member_id=heir.pk,
        heir_is_member=heir.status == MemberStatus.ACTIVE,
    )
    classes = ShareClass.objects.in_bulk(list(moves))
    movement = uuid.uuid4()
    entries: list[ShareEntry] = []
    for class_id in sorted(moves):
        moved = moves[class_id]
        common = {
            "user": user,
            "share_class": classes[class_id],
            "on": on,
            "reason": reason,
            "movement": movement,
        }
        entries.append(
            _entry(
                member=deceased,
                entry_type=EntryType.INHERITANCE_OUT,
                holding=moved.out,
                counterparty=heir,
                **common,
            )
        )
        entries.append(
            _entry(
                member=heir,
                entry_type=EntryType.INHERITANCE_IN,
                holding=moved.into,
                counterparty=deceased,
                **common,
            )
        )
    for entry in entries[::2]:  # the out legs carry the movements' vouchers
        share_entry_voucher(user=user, entry=entry, via=via)
    _audit(user, "share.inherit", deceased, cooperative, via, movement=str(movement), heir_member=heir.pk)
    return entries


@transaction.atomic
def poverty_shares_convert(
    *, user, cooperative: Cooperative, on: dt.date, via: str = "web"
) -> list[ShareEntry]:
    """Turn the fiscal poverty-fund shares of every household out of poverty for the bylaws' number of full years
    into cash shares of the same value. Idempotent: a converted holding is empty, so a second run converts
    nothing."""
    require_write(user, cooperative.region_code)
    on = _check_date(cooperative, on)
    bylaws = _bylaws_in_force(cooperative, on)
    poverty_class = ShareClass.objects.filter(
        cooperative=cooperative, kind=ShareClassKind.FISCAL_POVERTY
    ).first()
    if poverty_class is None:
        return []
    cash_class = ShareClass.objects.filter(cooperative=cooperative, kind=ShareClassKind.CASH).first()
    if cash_class is None:
        raise InvalidInput(
            "本社没有现金股类别，扶贫股无法转为普通股。",
            "The cooperative has no cash share class to convert poverty-fund shares into.",
            code="no_cash_class",
        )
    last_exit_year = on.year - bylaws.poverty_share_conversion_years - 1
    candidates = list(
        Member.objects.select_for_update(of=("self",))
        .filter(
            cooperative=cooperative,
            kind=MemberKind.HOUSEHOLD,
            household__poverty_exit_year__lte=last_exit_year,
            pk__in=ShareEntry.objects.filter(share_class=poverty_class).values("member_id"),
        )
        .select_related("cooperative", "household")
        .order_by("pk")
    )
    reason = f"脱贫满 {bylaws.poverty_share_conversion_years} 年，财政扶贫资金股转为现金股"
    entries: list[ShareEntry] = []
    for member in candidates:
        if not domain.poverty_shares_due_for_conversion(
            member.household.poverty_exit_year, on.year, bylaws.poverty_share_conversion_years
        ):
            continue
        holding = _holding(member, poverty_class)
        if holding.units_centi <= 0:
            continue
        out, into = domain.plan_conversion(holding, cash_class.unit_value_fen)
        movement = uuid.uuid4()
        common = {"user": user, "member": member, "on": on, "reason": reason, "movement": movement}
        entries.append(
            _entry(share_class=poverty_class, entry_type=EntryType.CONVERSION_OUT, holding=out.out, **common)
        )
        entries.append(
            _entry(share_class=cash_class, entry_type=EntryType.CONVERSION_IN, holding=into.into, **common)
        )
    for entry in entries[::2]:  # the out legs carry the conversions' vouchers: 311 → 301
        share_entry_voucher(user=user, entry=entry, via=via)
    _audit(
        user,
        "share.poverty_convert",
        cooperative,
        cooperative,
        via,
        on=on.isoformat(),
        members=len(entries) // 2,
    )
    return entries


@transaction.atomic
def share_redeem(
    *,
    user,
    member: Member,
    share_class: ShareClass,
    units: str | int | Decimal,
    on: dt.date,
    reason: str,
    via: str = "web",
) -> ShareEntry:
    """Pay back part of a member's capital in one class; capital in proportion to the holding. Subsidy-formed
    shares are never redeemed (Art. 44, 53)."""
    member = _lock_member(member)
    cooperative = member.cooperative
    require_write(user, cooperative.region_code)
    _check_class_of(cooperative, share_class)
    units_centi = domain.parse_units(units)
    on = _check_date(cooperative, on)
    reason = _clean_reason(reason)
    if member.status not in HOLDING_STATUSES:
        raise domain.field_error(
            "member", "该成员不是在册成员。", "The member is not a member.", "member_not_active"
        )
    if share_class.kind in domain.SUBSIDY_KINDS or not share_class.is_capital:
        raise domain.field_error(
            "share_class",
            "财政补助和捐赠形成的股份不能退还。",
            "Shares formed from subsidies or donations are not paid back.",
            "not_redeemable",
        )
    moved = domain.part_of_holding(_holding(member, share_class), units_centi)
    entry = _entry(
        user=user,
        member=member,
        share_class=share_class,
        entry_type=EntryType.REDEMPTION,
        on=on,
        holding=moved.out,
        reason=reason,
    )
    share_entry_voucher(user=user, entry=entry, via=via)
    _audit(
        user, "share.redeem", entry, cooperative, via, units_centi=units_centi, amount_fen=moved.amount_fen
    )
    return entry


@transaction.atomic
def member_exit_settle(
    *, user, member: Member, on: dt.date, reserve_share_fen: int = 0, via: str = "web"
) -> Member:
    """Settle a member's exit once it has taken effect: capital and the quantified reserve share are returned
    (Art. 28). Every holding leaves the ledger; subsidy-formed shares are withdrawn, not paid out (Art. 53's rule)."""
    member = _lock_member(member)
    cooperative = member.cooperative
    require_write(user, cooperative.region_code)
    on = _check_date(cooperative, on)
    if member.status != MemberStatus.EXIT_NOTIFIED:
        raise domain.field_error(
            "member",
            "该成员没有申请退社，或已结算。",
            "The member has not given notice of exit, or has already been settled.",
            "exit_not_notified",
            status=member.status,
        )
    if member.exit_effective_on is None or on < member.exit_effective_on:
        effective = member.exit_effective_on.isoformat() if member.exit_effective_on else ""
        raise domain.field_error(
            "on",
            f"退社在 {effective} 才生效，不能提前结算。",
            f"The exit takes effect on {effective}; it cannot be settled before.",
            "exit_not_effective",
            exit_effective_on=effective,
        )
    if isinstance(reserve_share_fen, bool) or not isinstance(reserve_share_fen, int):
        raise domain.field_error(
            "reserve_share_fen",
            "公积金份额须为整数分。",
            "The reserve share must be whole fen.",
            "amount_invalid",
        )
    held = _holdings_by_class(member)
    classes = ShareClass.objects.in_bulk(list(held))
    capital_fen = sum(
        h.amount_fen
        for cls, h in held.items()
        if classes[cls].is_capital and classes[cls].kind not in domain.SUBSIDY_KINDS
    )
    settlement = domain.exit_settlement(capital_fen, reserve_share_fen)
    for class_id in sorted(held):
        share_class = classes[class_id]
        subsidy = share_class.kind in domain.SUBSIDY_KINDS or not share_class.is_capital
        reason = "退社收回财政补助形成的股份（不予退还）" if subsidy else "退社退还出资"
        holding = held[class_id]
        if holding.units_centi == 0:
            continue
        entry = _entry(
            user=user,
            member=member,
            share_class=share_class,
            entry_type=EntryType.REDEMPTION,
            on=on,
            holding=domain.Holding(-holding.units_centi, -holding.amount_fen),
            reason=reason,
        )
        share_entry_voucher(user=user, entry=entry, via=via)  # capital: Dr 301 / Cr 114; subsidy: none
    exit_reserve_voucher(user=user, member=member, on=on, amount_fen=settlement.reserve_returned_fen, via=via)
    member.exit_capital_returned_fen = settlement.capital_returned_fen
    member.exit_reserve_returned_fen = settlement.reserve_returned_fen
    member.status = MemberStatus.EXITED
    member.exit_settled_on = on
    member.save(
        update_fields=[
            "exit_capital_returned_fen",
            "exit_reserve_returned_fen",
            "status",
            "exit_settled_on",
            "updated_at",
        ]
    )
    _audit(
        user,
        "member.exit_settle",
        member,
        cooperative,
        via,
        capital_returned_fen=settlement.capital_returned_fen,
        reserve_returned_fen=settlement.reserve_returned_fen,
    )
    return member
