"""A run's way through the law: published for members (notice), approved by the assembly (votes), posted to the
books (vouchers), reversed by a reversing run. Scoped, validated, audited, one transaction each: a refusal
changes nothing.

The vouchers are system vouchers, like the year close's: made, checked and posted by the user who posts the run,
the assembly's approval standing for the check. Per standard (first-level codes, member sub-accounts resolved by
the book):

| | cooperative (农民专业合作社会计制度) | collective (农村集体经济组织会计制度) |
|---|---|---|
| the whole distribution | Dr 332 盈余分配 | Dr 322 收益分配 |
| reserve / 公积公益金 | Cr 322 盈余公积 | Cr 311 公积公益金 |
| patronage return (cash part) | Cr 221 应付盈余返还 (member) | — |
| remainder share, collective's part (cash) | Cr 222 应付剩余盈余 (member) | Cr 113 内部往来 (member) |
| conversion into capital | Cr 301 股金 (member) | — |

A line whose member is another body with books here (a collective in its cooperative, a cooperative in its union,
a union in the platform) is booked in that body's own books too, in the same transaction (`received.py`: Dr 应收款 /
对外投资, Cr 投资收益 on posting; reversed with the run).

What no line takes stays in 盈余分配 as 未分配盈余: the secondary fund (paid by its own step), the management and
welfare parts of the remainder, the collective's part when the collective is not a member, anything unallocated.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongzhou.accounts.services import audit_record
from tongzhou.core.errors import Conflict
from tongzhou.ledger.domain.auto import AutoLine, keeps_books
from tongzhou.ledger.models import Book, Voucher
from tongzhou.ledger.services.auto import AutoOperation, post_operation_vouchers
from tongzhou.ledger.services.periods import check_date_in_book
from tongzhou.regions.scope import require_write

from ..models import BOOKED_STATUSES, DistributionLine, DistributionRun, RunStatus
from .common import (
    ACCOUNTS,
    COLLECTIVE,
    COLLECTIVE_NOTICE,
    COLLECTIVE_VOTES,
    COOP_NOTICE,
    COOP_VOTES,
    ONE_BOOKED_RUN,
    actor,
    check_count,
    check_date,
    field_error,
    lock_body,
    lock_run,
    reverse_system_vouchers,
    wrong_status,
)
from .received import REVERSAL_SUFFIX, RunReceivers, check_receiver_reversals

# Members per voucher: a voucher's line numbers are small integers, and a prefecture platform has many members.
MEMBERS_PER_VOUCHER = 2000


def _notice(run: DistributionRun) -> tuple[int, str]:
    return COLLECTIVE_NOTICE if run.is_collective else COOP_NOTICE


@transaction.atomic
def run_publish(
    *, user, run: DistributionRun, on: dt.date | None = None, via: str = "web"
) -> DistributionRun:
    """Publish a draft to the members (置备/公示): the law's notice starts on `on` (today by default). The sheet is
    frozen from now on; a change needs a new draft."""
    run = lock_run(run)
    require_write(user, run.region_code)
    if run.status != RunStatus.DRAFT:
        raise wrong_status(run, "draft", "公示", "publish")
    on = check_date(on or timezone.localdate(), "on")
    days, article = _notice(run)
    run.status = RunStatus.PUBLISHED
    run.published_on = on
    run.notice_days = days
    run.published_by = actor(user)
    run.save()
    audit_record(
        user=user,
        action="distribution.run_publish",
        obj=run,
        region_code=run.region_code,
        via=via,
        details={"published_on": on.isoformat(), "notice_days": days, "article": article},
    )
    return run


def _check_votes(run: DistributionRun, votes_for: int, votes_against: int, members_entitled: int) -> None:
    for value, field, zh, en in (
        (votes_for, "votes_for", "赞成票数", "number of votes for"),
        (votes_against, "votes_against", "反对票数", "number of votes against"),
        (members_entitled, "members_entitled", "有表决权的成员数", "number of members entitled to vote"),
    ):
        check_count(value, field, zh, en)
    if members_entitled == 0 or votes_for + votes_against > members_entitled:
        raise field_error(
            "members_entitled",
            f"赞成票与反对票之和（{votes_for + votes_against}）超过有表决权的成员数（{members_entitled}）。",
            f"Votes for and against ({votes_for + votes_against}) exceed the members entitled to vote "
            f"({members_entitled}).",
            "votes_exceed_members",
        )
    if run.is_collective:
        # Two thirds of all members, not of those present (全体成员三分之二以上同意).
        if votes_for * 3 < members_entitled * 2:
            raise field_error(
                "votes_for",
                f"收益分配方案须经全体成员三分之二以上同意：{members_entitled} 名成员至少需 "
                f"{-(-members_entitled * 2 // 3)} 票赞成，实得 {votes_for} 票（{COLLECTIVE_VOTES}）。",
                f"The plan needs two thirds of all members: {-(-members_entitled * 2 // 3)} of {members_entitled} "
                f"votes for, got {votes_for} ({COLLECTIVE_VOTES}).",
                "votes_insufficient",
                article=COLLECTIVE_VOTES,
            )
    elif votes_for * 2 <= members_entitled:
        # More than half of all members' votes (表决权总数过半数), not merely of the votes cast.
        raise field_error(
            "votes_for",
            f"盈余分配方案须经成员表决权总数过半数通过：{members_entitled} 票中至少需 "
            f"{members_entitled // 2 + 1} 票赞成，实得 {votes_for} 票（{COOP_VOTES}）。",
            f"The plan needs more than half of all members' votes: {members_entitled // 2 + 1} of "
            f"{members_entitled}, got {votes_for} ({COOP_VOTES}).",
            "votes_insufficient",
            article=COOP_VOTES,
        )


@transaction.atomic
def run_approve(
    *,
    user,
    run: DistributionRun,
    assembly_on: dt.date,
    votes_for: int,
    votes_against: int,
    members_entitled: int,
    via: str = "web",
) -> DistributionRun:
    """Record the assembly's approval: held no earlier than the notice allows, with the votes the law asks for."""
    run = lock_run(run)
    require_write(user, run.region_code)
    if run.status != RunStatus.PUBLISHED:
        raise wrong_status(run, "published", "提交成员大会表决（须先公示）", "approve")
    assembly_on = check_date(assembly_on, "assembly_on")
    days, article = _notice(run)
    earliest = run.published_on + dt.timedelta(days=days)
    if assembly_on < earliest:
        raise field_error(
            "assembly_on",
            f"分配方案须在成员大会召开{days}日前公示：{run.published_on:%Y年%m月%d日}公示，成员大会最早于"
            f"{earliest:%Y年%m月%d日}召开（{article}）。",
            f"The plan must be open to members {days} days before the assembly: published on "
            f"{run.published_on.isoformat()}, the assembly may be held on {earliest.isoformat()} at the "
            f"earliest ({article}).",
            "notice_not_over",
            article=article,
            earliest=earliest.isoformat(),
        )
    _check_votes(run, votes_for, votes_against, members_entitled)
    run.status = RunStatus.APPROVED
    run.assembly_on = assembly_on
    run.votes_for = votes_for
    run.votes_against = votes_against
    run.members_entitled = members_entitled
    run.approved_by = actor(user)
    run.approved_at = timezone.now()
    run.save()
    audit_record(
        user=user,
        action="distribution.run_approve",
        obj=run,
        region_code=run.region_code,
        via=via,
        details={
            "assembly_on": assembly_on.isoformat(),
            "votes_for": votes_for,
            "votes_against": votes_against,
            "members_entitled": members_entitled,
        },
    )
    return run


def _already_booked(run: DistributionRun) -> Conflict:
    return Conflict(
        f"{run.year} 年度已有记账的分配方案；一个年度只分配一次，更正须先冲销原方案（{ONE_BOOKED_RUN}）。",
        f"A distribution of {run.year} is already in the books; a year is distributed once, and a correction "
        f"reverses the posted run first.",
        code="run_already_posted",
        details={"year": run.year, "article": ONE_BOOKED_RUN},
    )


def book_for_posting(run: DistributionRun, on: dt.date, field: str) -> Book | None:
    """The body's book, the date checked in it (not before the books, not in a closed year or month). None for a
    body that keeps no book in Tongzhou (a platform company)."""
    if not keeps_books(run.body.legal_form):
        return None
    book = Book.objects.filter(cooperative=run.body).select_related("cooperative", "chart").first()
    if book is None:
        raise Conflict(
            "该组织尚未建账，分配方案无法记账。",
            "The organisation has no books to post the distribution to.",
            code="no_book",
        )
    check_date_in_book(book, on, field=field)
    return book


def _distribution_operations(
    run: DistributionRun, on: dt.date, lines: list | None = None
) -> list[AutoOperation]:
    """The run's vouchers: one per MEMBERS_PER_VOUCHER members, each balanced (Dr 盈余分配 its own total); the
    first also takes the reserve. `lines`: the run's (member_id, payable return, payable share, converted) by key,
    when the caller read them already (the region's batch reads every run's at once)."""
    accounts = ACCOUNTS[COLLECTIVE if run.is_collective else "farmers_cooperative"]
    reserve = int(run.steps.get("welfare_fund_fen" if run.is_collective else "reserve_fen", 0))
    if lines is None:
        lines = list(
            DistributionLine.objects.filter(run=run)
            .order_by("key")
            .values_list("member_id", "payable_return_fen", "payable_share_fen", "converted_to_capital_fen")
        )
    summary = f"{run.year}年度{'收益' if run.is_collective else '盈余'}分配（成员大会{run.assembly_on:%Y-%m-%d}通过）"
    operations = []
    chunks = [lines[i : i + MEMBERS_PER_VOUCHER] for i in range(0, len(lines), MEMBERS_PER_VOUCHER)] or [[]]
    for n, chunk in enumerate(chunks):
        credits: list[AutoLine] = []
        if n == 0 and reserve:
            credits.append(AutoLine(accounts["reserve"], 0, reserve))
        for member_id, to_return, to_share, converted in chunk:
            if to_return:
                credits.append(AutoLine(accounts["return"], 0, to_return, member_id=member_id))
            if to_share:
                credits.append(AutoLine(accounts["share"], 0, to_share, member_id=member_id))
            if converted:
                credits.append(AutoLine(accounts["capital"], 0, converted, member_id=member_id))
        total = sum(c.credit_fen for c in credits)
        if total:
            operations.append(
                AutoOperation(
                    on=on,
                    summary=summary,
                    lines=[AutoLine(accounts["distribution"], total, 0), *credits],
                    source=f"distribution.Run:{run.pk}:{n + 1}",
                )
            )
    return operations


@transaction.atomic
def run_post(*, user, run: DistributionRun, on: dt.date | None = None, via: str = "web") -> DistributionRun:
    """Post an approved run: its vouchers dated `on` (the assembly's date by default) in an open month and year.
    A second run in the books for the same body and year is refused, also when two posts race: the body's row is
    locked first, and the database's partial unique constraint stands behind the lock."""
    body = lock_body(run.body)
    run = lock_run(run)
    require_write(user, run.region_code)
    if run.status != RunStatus.APPROVED:
        raise wrong_status(run, "approved", "记账（须经成员大会通过）", "post")
    booked = DistributionRun.objects.filter(
        body=body, year=run.year, status__in=BOOKED_STATUSES, reverses__isnull=True
    ).exclude(pk=run.pk)
    if booked.exists():
        raise _already_booked(run)
    on = check_date(on or run.assembly_on, "on")
    if on < run.assembly_on:
        raise field_error(
            "on",
            "记账日期不能早于成员大会通过分配方案的日期。",
            "The posting date cannot be before the assembly approved the plan.",
            "posted_before_approval",
            value=on.isoformat(),
        )
    if on.year < run.year:
        raise field_error(
            "on",
            f"{run.year} 年度的分配不能记在 {on.year} 年。",
            f"The distribution of {run.year} cannot be posted in {on.year}.",
            "posted_before_year",
            value=on.isoformat(),
        )
    payer_book = book_for_posting(run, on, "on")
    receivers = RunReceivers.for_posting(run, on)  # checked before anything is written
    vouchers: list[Voucher] = []
    if payer_book is not None:
        vouchers = post_operation_vouchers(
            cooperative=body, user=user, operations=_distribution_operations(run, on), via=via
        )
    received = receivers.post_received(user=user, via=via)
    run.status = RunStatus.POSTED
    run.posted_on = on
    run.posted_by = actor(user)
    run.posted_at = timezone.now()
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        raise _already_booked(run) from None
    run.vouchers.set(vouchers)
    run.receiver_vouchers.set(received)
    audit_record(
        user=user,
        action="distribution.run_post",
        obj=run,
        region_code=run.region_code,
        via=via,
        details={
            "posted_on": on.isoformat(),
            "vouchers": [v.pk for v in vouchers],
            "receiver_vouchers": [v.pk for v in received],
        },
    )
    return run


@transaction.atomic
def run_reverse(
    *, user, run: DistributionRun, on: dt.date | None = None, via: str = "web"
) -> DistributionRun:
    """Undo a posted run (红字冲销): a reversing run whose vouchers repeat the original's in red ink, dated `on`
    (today by default) in an open month; the original becomes `reversed` and a new run of the year may be posted.
    A run with payments is not reversed here: the payments stand in the books and in households' income."""
    body = lock_body(run.body)
    run = lock_run(run)
    require_write(user, run.region_code)
    if run.status != RunStatus.POSTED or run.reverses_id is not None:
        raise wrong_status(run, "posted", "冲销（只冲销已记账、未冲销过的方案）", "reverse")
    if run.payments.exists():
        raise Conflict(
            "该分配方案已有发放记录，不能冲销。",
            "The run has payments recorded; it cannot be reversed.",
            code="run_has_payments",
        )
    on = check_date(on or timezone.localdate(), "on")
    if on < run.posted_on:
        raise field_error(
            "on",
            "冲销日期不能早于原方案的记账日期。",
            "The reversal cannot be dated before the run was posted.",
            "reversal_before_post",
            value=on.isoformat(),
        )
    originals = list(run.vouchers.order_by("date", "number"))
    if originals:
        book_for_posting(run, on, "on")
    # What the run booked in its receiving bodies' books is reversed there too (red ink, the same date).
    received = list(
        run.receiver_vouchers.select_related("book__cooperative").order_by("book_id", "date", "number")
    )
    check_receiver_reversals(received, on)
    now = timezone.now()
    reversals = reverse_system_vouchers(user=user, vouchers=originals, on=on, via=via)
    received_reversals = reverse_system_vouchers(
        user=user, vouchers=received, on=on, via=via, source_suffix=REVERSAL_SUFFIX
    )
    run.status = RunStatus.REVERSED
    run.reversed_at = now
    run.save()
    reversing = DistributionRun.objects.create(
        body=body,
        year=run.year,
        standard=run.standard,
        status=RunStatus.POSTED,
        inputs=run.inputs,
        steps=run.steps,
        reverses=run,
        posted_on=on,
        posted_by=actor(user),
        posted_at=now,
        region_code=run.region_code,
        county_code=run.county_code,
    )
    reversing.vouchers.set(reversals)
    reversing.receiver_vouchers.set(received_reversals)
    audit_record(
        user=user,
        action="distribution.run_reverse",
        obj=reversing,
        region_code=run.region_code,
        via=via,
        details={
            "reverses": run.pk,
            "on": on.isoformat(),
            "vouchers": [v.pk for v in reversals],
            "receiver_vouchers": [v.pk for v in received_reversals],
        },
    )
    return reversing
