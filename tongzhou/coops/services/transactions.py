"""Recording member transactions (成员交易): scoped, validated, duplicates refused, audited.

Member and non-member transactions are kept apart (农民专业合作社法 Art. 41): only a member transaction earns the
patronage return (Art. 44). Wages and land rent paid to a household member also become an income line of the
household (distribution.services.income), in the same transaction. Transactions change no coverage figure, so no
rollup is touched here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from tongzhou.accounts.services import audit_record
from tongzhou.coops.domain import transactions as domain
from tongzhou.coops.models import Cooperative, Member, MemberStatus, MemberTransaction
from tongzhou.core.errors import Conflict, InvalidInput
from tongzhou.distribution.services.income import income_for_transaction
from tongzhou.ledger.services.auto import transaction_voucher
from tongzhou.regions.scope import require_write

TRANSACTION_FIELDS = ("kind", "on", "product", "grade", "quantity", "unit", "unit_price", "amount")
LIVE_STATUSES = (MemberStatus.ACTIVE, MemberStatus.EXIT_NOTIFIED)


def _exited_with_date(status: str, exit_effective_on: dt.date | None) -> bool:
    """An exited member with a known exit date still transacted as a member before it (the year's patronage)."""
    return status == MemberStatus.EXITED and exit_effective_on is not None


def member_refusal(member: Member, *, cooperative_id: int, on: dt.date) -> tuple[str, str, str] | None:
    """Why `member` cannot transact with the cooperative on `on` as a member: (code, zh, en), or None if it can."""
    if member.cooperative_id != cooperative_id:
        return "not_a_member", "该成员不属于本合作社。", "This member does not belong to this cooperative."
    if member.status not in LIVE_STATUSES and not _exited_with_date(member.status, member.exit_effective_on):
        return (
            "member_not_active",
            f"该成员状态为“{member.get_status_display()}”，不是在册成员。",
            f"This member's status is “{member.status}”, not an active member.",
        )
    if member.joined_on is None or member.joined_on > on:
        return (
            "before_joining",
            f"交易日期 {on} 早于该成员入社日期 {member.joined_on}。",
            f"The date {on} is before the member joined ({member.joined_on}).",
        )
    if member.exit_effective_on is not None and on >= member.exit_effective_on:
        return (
            "after_exit",
            f"交易日期 {on} 不早于该成员退社生效日期 {member.exit_effective_on}。",
            f"The date {on} is on or after the member's exit ({member.exit_effective_on}).",
        )
    return None


def _party_error(name: str, zh: str, en: str, code: str) -> InvalidInput:
    return domain.invalid_fields({name: {"message_zh": zh, "message_en": en, "code": code, "value": ""}})


@transaction.atomic
def transaction_record(
    *,
    user,
    cooperative: Cooperative,
    member: Member | None = None,
    counterparty_name: str = "",
    via: str = "web",
    **fields: Any,
) -> MemberTransaction:
    """Record one transaction with a member (active on that date) or, kept apart, a named non-member (Art. 41).

    `fields`: kind, on, product, grade, quantity, unit, unit_price (yuan) and amount (yuan; empty = computed).
    """
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    require_write(user, cooperative.region_code)
    unknown = sorted(set(fields) - set(TRANSACTION_FIELDS))
    if unknown:
        raise domain.invalid_fields(
            {
                n: {"message_zh": "未知字段。", "message_en": "Unknown field.", "code": "unknown_field"}
                for n in unknown
            }
        )
    checked = domain.parse_transaction(fields, closed_through_year=cooperative.closed_through_year)
    counterparty_name = domain.parse_text(counterparty_name, "counterparty_name")
    if member is not None and counterparty_name:
        raise _party_error(
            "counterparty_name",
            "成员交易不应填写非成员名称。",
            "A member transaction names no non-member counterparty.",
            "member_and_non_member",
        )
    if member is None and not counterparty_name:
        raise _party_error(
            "member",
            "请选择成员，或填写非成员交易对象的名称。",
            "Choose a member, or name the non-member counterparty.",
            "required",
        )
    if member is not None:
        member = Member.objects.get(pk=member.pk)
        refusal = member_refusal(member, cooperative_id=cooperative.pk, on=checked.on)
        if refusal is not None:
            raise _party_error("member", refusal[1], refusal[2], refusal[0])
    key = domain.source_key(
        cooperative_id=cooperative.pk,
        member_key=domain.member_key(
            member_id=member.pk if member else None, counterparty_name=counterparty_name
        ),
        kind=checked.kind,
        on=checked.on,
        product=checked.product,
        grade=checked.grade,
        quantity=checked.quantity,
        unit_price_fen=checked.unit_price_fen,
        amount_fen=checked.amount_fen,
    )
    if MemberTransaction.objects.filter(source_key=key).exists():
        raise _duplicate(key)
    row = MemberTransaction(
        cooperative=cooperative,
        member=member,
        is_member=member is not None,
        counterparty_name=counterparty_name,
        kind=checked.kind,
        on=checked.on,
        year=checked.year,
        product=checked.product,
        grade=checked.grade,
        quantity=checked.quantity,
        unit=checked.unit,
        unit_price_fen=checked.unit_price_fen,
        amount_fen=checked.amount_fen,
        source_key=key,
        village_code=transaction_village_code(cooperative, member),
        county_code=cooperative.county_code,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same row recorded at the same moment by someone else
        raise _duplicate(key) from None
    income_for_transaction(row)  # wages and land rent paid to a household member: its income line
    transaction_voucher(user=user, row=row, via=via)
    audit_record(
        user=user,
        action="transaction.record",
        obj=row,
        region_code=cooperative.region_code,
        via=via,
        details={"kind": row.kind, "is_member": row.is_member, "amount_fen": row.amount_fen},
    )
    return row


def _duplicate(key: str) -> Conflict:
    return Conflict(
        "重复的交易：同一笔交易已经记录过。",
        "Duplicate transaction: the same transaction has already been recorded.",
        code="duplicate_transaction",
        details={"source_key": key},
    )


def transaction_village_code(cooperative: Cooperative, member: Member | None) -> str:
    """The member's village, else the cooperative's village (blank above village level)."""
    if member is not None and member.village_code:
        return member.village_code
    return cooperative.region_code if len(cooperative.region_code) == 12 else ""
