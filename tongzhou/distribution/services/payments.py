"""Paying a posted run: payment records, their voucher (Dr the payables / Cr 银行存款), a receipt in the books of each
receiving member body with books (Dr 银行存款 / Cr 应收款, `received.py`), and a household income line for every
payment to a household (issue 5, point 5). One transaction: a refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Member
from tongzhou.core.errors import Conflict
from tongzhou.distribution.domain.checks import COLLECTIVE_ART_40, COOP_ART_43
from tongzhou.households.models import Household
from tongzhou.ledger.domain.auto import AutoLine
from tongzhou.ledger.services.auto import AutoOperation, post_operation_vouchers
from tongzhou.regions.scope import require_write

from ..models import (
    DistributionLine,
    DistributionRun,
    HouseholdIncome,
    IncomeKind,
    Payment,
    PaymentMethod,
    RunStatus,
)
from .common import ACCOUNTS, COLLECTIVE, actor, check_date, field_error, lock_run, wrong_status
from .lifecycle import book_for_posting
from .received import RunReceivers


def _member_id(value: object) -> int:
    if isinstance(value, Member):
        return value.pk
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise field_error("member", "成员无效。", "The member is not valid.", "member_invalid", value=repr(value))


def _planned(run: DistributionRun, lines: dict[int, DistributionLine], payments) -> list[tuple]:
    """(line, amount) per payment asked for; None pays every line's outstanding cash in full."""
    if payments is None:
        return [(line, line.outstanding_fen, {}) for line in lines.values() if line.outstanding_fen > 0]
    planned = []
    asked: dict[int, int] = {}
    article = COLLECTIVE_ART_40 if run.is_collective else COOP_ART_43
    for index, item in enumerate(payments, start=1):
        member_id = _member_id(item.get("member"))
        line = lines.get(member_id)
        if line is None:
            raise field_error(
                "member",
                f"第 {index} 笔：该成员不在本分配方案中（不是本组织的成员，或本年度没有分配）（{article}）。",
                f"Payment {index}: the member is not on this run (a member of another body, or none of this "
                f"year's distribution) ({article}).",
                "member_not_in_run",
                member=member_id,
                article=article,
            )
        amount = item.get("amount_fen", line.outstanding_fen - asked.get(member_id, 0))
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise field_error(
                "amount_fen",
                f"第 {index} 笔：发放金额须为正整数（分）。",
                f"Payment {index}: the amount must be a positive whole number of fen.",
                "amount_invalid",
                member=member_id,
                value=repr(amount),
            )
        asked[member_id] = asked.get(member_id, 0) + amount
        if asked[member_id] > line.outstanding_fen:
            raise field_error(
                "amount_fen",
                f"第 {index} 笔：发放金额超过“{line.display_name}”尚未发放的 {line.outstanding_fen / 100:,.2f} 元。",
                f"Payment {index}: more than the ¥{line.outstanding_fen / 100:,.2f} still due to "
                f"{line.display_name}.",
                "overpaid",
                member=member_id,
                outstanding_fen=line.outstanding_fen,
            )
        planned.append((line, amount, item))
    return planned


def pay_operation(run: DistributionRun, rows: Sequence[Payment], on: dt.date) -> AutoOperation:
    """The payer's voucher of one payment of a run (not split by members): Dr the payables per member and part,
    Cr 银行存款 the total."""
    return pay_operation_of(run, [(p.line.member_id, p.return_fen, p.share_fen) for p in rows], on)


def pay_operation_of(
    run: DistributionRun, parts: Sequence[tuple[int, int, int]], on: dt.date
) -> AutoOperation:
    """`pay_operation` from the payments' (member id, return, share) in their order (the region's batch has no
    Payment objects)."""
    accounts = ACCOUNTS[COLLECTIVE if run.is_collective else "farmers_cooperative"]
    debits = []
    total = 0
    for member_id, return_fen, share_fen in parts:
        if return_fen:
            debits.append(AutoLine(accounts["return"], return_fen, 0, member_id=member_id))
        if share_fen:
            debits.append(AutoLine(accounts["share"], share_fen, 0, member_id=member_id))
        total += return_fen + share_fen
    return AutoOperation(
        on=on,
        summary=f"发放{run.year}年度{'收益' if run.is_collective else '盈余'}分配",
        lines=[*debits, AutoLine(accounts["bank"], 0, total)],
        source=f"distribution.Run:{run.pk}:pay",
    )


@transaction.atomic
def run_pay(
    *,
    user,
    run: DistributionRun,
    on: dt.date,
    payments: Sequence[dict] | None = None,
    method: str = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
    via: str = "web",
) -> list[Payment]:
    """Pay cash due on a posted run. `payments`: [{"member": Member or id, "amount_fen": …, "method", "reference"}];
    None pays everything still due. Each payment settles the patronage return first, then the remainder share.
    The run is `paid` once nothing is due."""
    run = lock_run(run)
    require_write(user, run.region_code)
    if run.status != RunStatus.POSTED or run.reverses_id is not None:
        raise wrong_status(run, "posted", "发放（须先记账）", "pay")
    on = check_date(on, "on")
    if on < run.posted_on:
        raise field_error(
            "on",
            "发放日期不能早于分配方案的记账日期。",
            "A payment cannot be dated before the run was posted.",
            "paid_before_post",
            value=on.isoformat(),
        )
    if method not in PaymentMethod.values:
        raise field_error(
            "method", "发放方式无效。", "Unknown payment method.", "method_invalid", value=method
        )
    lines = {
        line.member_id: line
        for line in DistributionLine.objects.select_for_update().filter(run=run).order_by("key")
    }
    planned = _planned(run, lines, payments)
    if not planned:
        raise Conflict("本分配方案没有待发放的金额。", "Nothing is due on this run.", code="nothing_due")
    paid_return = dict(
        Payment.objects.filter(run=run).order_by().values_list("line_id").annotate(total=Sum("return_fen"))
    )
    rows = []
    for line, amount, item in planned:
        # The patronage return is settled first: it is the part the law ranks first (Art. 44).
        return_due = line.payable_return_fen - paid_return.get(line.pk, 0)
        to_return = min(amount, return_due)
        paid_return[line.pk] = paid_return.get(line.pk, 0) + to_return
        item_method = item.get("method", method)
        if item_method not in PaymentMethod.values:
            raise field_error("method", "发放方式无效。", "Unknown payment method.", "method_invalid")
        rows.append(
            Payment(
                run=run,
                line=line,
                on=on,
                amount_fen=amount,
                return_fen=to_return,
                share_fen=amount - to_return,
                method=item_method,
                reference=str(item.get("reference", reference))[:60],
                paid_by=actor(user),
                region_code=run.region_code,
                county_code=run.county_code,
            )
        )
        line.paid_fen += amount
    voucher = None
    payer_book = book_for_posting(run, on, "on")
    # The receiving bodies' books (checked before anything is written) book what they receive.
    receivers = RunReceivers.for_payments(run, on, ((p.line.member_id, p.amount_fen) for p in rows))
    if payer_book is not None:
        vouchers = post_operation_vouchers(
            cooperative=run.body, user=user, operations=[pay_operation(run, rows, on)], via=via
        )
        voucher = vouchers[0] if vouchers else None
    receipts = receivers.post_receipts(user=user, via=via)
    run.receiver_vouchers.add(*receipts)
    for p in rows:
        p.voucher = voucher
    Payment.objects.bulk_create(rows, batch_size=1000)
    DistributionLine.objects.bulk_update([line for line, _a, _i in planned], ["paid_fen"], batch_size=1000)
    codes = dict(
        (pk, (village, county))
        for pk, village, county in Household.objects.filter(
            pk__in={p.line.household_id for p in rows if p.line.household_id}
        ).values_list("pk", "village_code", "county_code")
    )
    incomes = []
    for p in rows:
        line = p.line
        if line.household_id is None:
            continue
        household_codes = codes[line.household_id]
        parts = ((IncomeKind.PATRONAGE_RETURN, p.return_fen), (IncomeKind.DIVIDEND, p.share_fen))
        for kind, amount in parts:
            if amount:
                incomes.append(
                    HouseholdIncome(
                        household_id=line.household_id,
                        year=run.year,
                        kind=kind,
                        amount_fen=amount,
                        on=on,
                        body_id=run.body_id,
                        run=run,
                        payment=p,
                        village_code=household_codes[0],
                        county_code=household_codes[1],
                    )
                )
    HouseholdIncome.objects.bulk_create(incomes, batch_size=1000)
    if not DistributionLine.objects.filter(run=run, paid_fen__lt=F("cash_fen")).exists():
        run.status = RunStatus.PAID
        run.paid_at = timezone.now()
        run.save()
    audit_record(
        user=user,
        action="distribution.run_pay",
        obj=run,
        region_code=run.region_code,
        via=via,
        details={
            "on": on.isoformat(),
            "payments": len(rows),
            "amount_fen": sum(p.amount_fen for p in rows),
            "voucher": voucher.pk if voucher else None,
            "receiver_vouchers": [v.pk for v in receipts],
            "status": run.status,
        },
    )
    return rows
