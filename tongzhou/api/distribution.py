"""Distribution endpoints (盈余分配): a body's runs, one run with its lines, the steps of its life (compute, recompute,
publish, approve, post, pay, reverse), the published list members read, and a household's income lines.

Every read goes through the distribution selectors and every write through its services, with via="api": scope,
the law's rules (notice, votes, one posted run per year), the vouchers and the audit live there. Money goes out as
a yuan string and as fen, and comes in as yuan. A refused request changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.responses import Status

from tongzhou.coops.selectors.cooperatives import cooperative_get
from tongzhou.core.errors import InvalidInput, TongzhouError
from tongzhou.core.money import yuan_to_fen
from tongzhou.distribution import selectors as reads
from tongzhou.distribution import services as writes
from tongzhou.distribution.models import DistributionLine, DistributionRun, HouseholdIncome, Payment
from tongzhou.households.selectors import household_get

from .common import COOP_ID, READ_ERRORS, WRITE_ERRORS, money_fields
from .paging import PageParams, paged
from .schemas_distribution import (
    ApproveIn,
    ComputeIn,
    IncomeFilters,
    IncomePage,
    LinePage,
    PayIn,
    PayOut,
    PostIn,
    PublishedPage,
    PublishIn,
    RecomputeIn,
    ReverseIn,
    RunDetailOut,
    RunFilters,
    RunOut,
    RunPage,
)

router = Router(tags=["盈余分配 Distribution"])

WRITE_NOTE = (
    "\n\n违反规则返回 400（details.fields.<字段>，details.article 给出法条），状态不对或该年度已有记账方案返回 409，"
    "类型或未知字段返回 422；出错时不改动任何数据。"
    "\n\nA broken rule answers 400 (details.fields.<field>, details.article names the article), a wrong state or a "
    "year already in the books 409, a wrong type or unknown field 422; a refused request changes nothing."
)

RUN_ID = Path(..., ge=1, description="分配方案编号 / Distribution run id")
HOUSEHOLD_ID = Path(..., ge=1, description="农户编号 / Household id")
# The services' field names → the API's.
API_FIELDS = {
    "surplus_fen": "surplus",
    "losses_to_make_up_fen": "losses_to_make_up",
    "subsidy_property_fen": "subsidy_property",
    "amount_fen": "amount",
    "member": "member_id",
}


# ---------------------------------------------------------------- helpers


def _api_fields(exc: TongzhouError) -> TongzhouError:
    """A service's error names the API's fields (surplus, amount, member_id), not the services' (…_fen)."""
    if isinstance(exc.details, dict):
        fields = exc.details.get("fields")
        if fields:
            exc.details["fields"] = {API_FIELDS.get(k, k): v for k, v in fields.items()}
        if exc.details.get("field") in API_FIELDS:
            exc.details["field"] = API_FIELDS[exc.details["field"]]
    return exc


def _fen(field: str, yuan: str | None) -> int | None:
    """A yuan string of the request as fen (None stays None); a bad one is a 400 naming the field."""
    if yuan is None:
        return None
    try:
        return yuan_to_fen(yuan)
    except InvalidInput as exc:
        zh, en = exc.message_zh, exc.message_en
        raise InvalidInput(
            zh,
            en,
            code="money",
            details={
                "field": field,
                "fields": {field: {"message_zh": zh, "message_en": en, "code": "money"}},
            },
        ) from None


def _int(steps: dict, key: str) -> int:
    try:
        return int(steps.get(key, 0))
    except (TypeError, ValueError):
        return 0


def run_out(run: DistributionRun) -> dict[str, Any]:
    steps = run.steps or {}
    reversal = getattr(run, "reversal", None) if run.status == "reversed" else None
    return {
        "id": run.pk,
        "body_id": run.body_id,
        "body_name": run.body.name,
        "year": run.year,
        "standard": run.standard,
        "status": run.status,
        "status_display": str(run.get_status_display()),
        "reverses_id": run.reverses_id,
        "reversed_by_id": reversal.pk if reversal is not None else None,
        "inputs": run.inputs,
        "steps": steps,
        **money_fields("surplus", _int(steps, "income_fen" if run.is_collective else "surplus_fen")),
        **money_fields("distributable", _int(steps, "distributable_fen")),
        "computed_at": run.computed_at,
        "published_on": run.published_on,
        "notice_days": run.notice_days,
        "assembly_on": run.assembly_on,
        "votes_for": run.votes_for,
        "votes_against": run.votes_against,
        "members_entitled": run.members_entitled,
        "posted_on": run.posted_on,
        "voucher_ids": sorted(v.pk for v in run.vouchers.all()),
        "paid_at": run.paid_at,
        "region_code": run.region_code,
    }


def line_out(line: DistributionLine) -> dict[str, Any]:
    return {
        "member_id": line.member_id,
        "member_name": line.display_name,
        "household_id": line.household_id,
        **money_fields("capital", line.capital_fen),
        **money_fields("reserve_share", line.reserve_share_fen),
        **money_fields("subsidy_share", line.subsidy_share_fen),
        "transactions": format(line.transactions.normalize(), "f"),
        "income_right_shares": format(line.income_right_shares.normalize(), "f"),
        **money_fields("reserve_quantified", line.reserve_quantified_fen),
        **money_fields("patronage_return", line.patronage_return_fen),
        **money_fields("remainder_share", line.remainder_share_fen),
        **money_fields("collective_share", line.collective_share_fen),
        **money_fields("income_right", line.income_right_fen),
        **money_fields("converted_to_capital", line.converted_to_capital_fen),
        **money_fields("cash", line.cash_fen),
        **money_fields("paid", line.paid_fen),
    }


def payment_out(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "member_id": payment.line.member_id,
        "member_name": payment.line.display_name,
        "on": payment.on,
        **money_fields("amount", payment.amount_fen),
        **money_fields("return_part", payment.return_fen),
        **money_fields("share_part", payment.share_fen),
        "method": payment.method,
        "reference": payment.reference,
        "voucher_id": payment.voucher_id,
    }


def income_out(line: HouseholdIncome) -> dict[str, Any]:
    return {
        "id": line.pk,
        "year": line.year,
        "kind": line.kind,
        "kind_display": str(line.get_kind_display()),
        **money_fields("amount", line.amount_fen),
        "on": line.on,
        "body_id": line.body_id,
        "body_name": line.body.name if line.body_id else None,
        "run_id": line.run_id,
        "payment_id": line.payment_id,
        "guarantee_id": line.guarantee_id,
        "transaction_id": line.transaction_id,
    }


def _detail(user, run_id: int) -> dict[str, Any]:
    run = reads.run_get(user=user, run_id=run_id)
    return {
        **run_out(run),
        "lines": [line_out(x) for x in reads.run_lines(user=user, run=run)],
        "surplus_in_books_now_fen": writes.surplus_in_books_now(user=user, run=run),
        "receiver_vouchers": [
            {
                "body_id": v["book__cooperative_id"],
                "body_name": v["book__cooperative__name"],
                "voucher_id": v["pk"],
                "date": v["date"],
                "number": v["number"],
                "summary": v["summary"],
                **money_fields("amount", int(v["amount_fen"] or 0)),
            }
            for v in reads.run_receiver_vouchers(user=user, run=run)
        ],
    }


def _summary(user, run_id: int) -> dict[str, Any]:
    return run_out(reads.run_get(user=user, run_id=run_id))


# ---------------------------------------------------------------- runs


@router.get(
    "/coops/{coop_id}/distribution-runs",
    response={200: RunPage, **READ_ERRORS},
    summary="分配方案列表 / A body's runs",
    description="合作社或集体经济组织的分配方案，新年度、新方案在前，可按年度筛选（不含成员明细）。\n\nA body's "
    "distribution runs, newest year and run first, by year (without their lines).",
)
def runs_list(request: HttpRequest, filters: Query[RunFilters], coop_id: int = COOP_ID) -> dict[str, Any]:
    user = request.auth
    body = cooperative_get(user=user, cooperative_id=coop_id)
    qs = reads.run_list(user=user, body=body, year=filters.year).select_related("body")
    return paged(qs.prefetch_related("vouchers"), filters, run_out)


@router.post(
    "/coops/{coop_id}/distribution-runs",
    response={201: RunDetailOut, **WRITE_ERRORS},
    summary="计算分配草稿 / Compute a draft",
    description="按法律和章程计算一个年度的分配草稿：本年盈余（收益）和待弥补亏损不给则取账簿，章程取 12 月 31 日"
    "生效的版本，成员账户按 12 月 31 日计。亏损年度拒绝（400 loss_not_distributable，第四十四条）。\n\nCompute a "
    "draft of a year: the surplus and losses come from the books unless given, the bylaws in force on 31 December, "
    "member accounts at 31 December. A loss year is refused (400 loss_not_distributable, Art. 44)."
    + WRITE_NOTE,
)
def runs_compute(request: HttpRequest, payload: ComputeIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    body = cooperative_get(user=user, cooperative_id=coop_id)
    try:
        run = writes.run_compute(
            user=user,
            body=body,
            year=payload.year,
            surplus_fen=_fen("surplus", payload.surplus),
            losses_to_make_up_fen=_fen("losses_to_make_up", payload.losses_to_make_up),
            subsidy_property_fen=_fen("subsidy_property", payload.subsidy_property) or 0,
            conversion_bp=payload.conversion_bp,
            via="api",
        )
    except TongzhouError as exc:
        raise _api_fields(exc) from None
    return Status(201, _detail(user, run.pk))


@router.get(
    "/distribution-runs/{run_id}",
    response={200: RunDetailOut, **READ_ERRORS},
    summary="分配方案 / A run with its lines",
    description="一个分配方案：计算依据、各步骤金额、公示、表决、记账、发放情况及全部成员明细。\n\nOne run: its "
    "inputs, step totals, notice, votes, vouchers, payments state, and every member's line.",
)
def runs_get(request: HttpRequest, run_id: int = RUN_ID) -> dict[str, Any]:
    return _detail(request.auth, run_id)


@router.get(
    "/distribution-runs/{run_id}/lines",
    response={200: LinePage, **READ_ERRORS},
    summary="成员分配明细（分页）/ The lines, paged",
    description="成员分配明细，按成员排序，分页。\n\nThe member lines by member, paged.",
)
def runs_lines(request: HttpRequest, filters: Query[PageParams], run_id: int = RUN_ID) -> dict[str, Any]:
    user = request.auth
    run = reads.run_get(user=user, run_id=run_id)
    return paged(reads.run_lines(user=user, run=run), filters, line_out)


@router.post(
    "/distribution-runs/{run_id}/recompute",
    response={200: RunDetailOut, **WRITE_ERRORS},
    summary="重新计算草稿 / Recompute a draft",
    description="用当前账簿和成员账户（或给出的数字）重新计算草稿；已公示的方案不能再改（409 run_status）。\n\n"
    "Recompute a draft from the books and member accounts as they are now (or the figures given); a published "
    "run does not change (409 run_status)." + WRITE_NOTE,
)
def runs_recompute(request: HttpRequest, payload: RecomputeIn, run_id: int = RUN_ID) -> dict[str, Any]:
    user = request.auth
    run = reads.run_get(user=user, run_id=run_id)
    try:
        writes.run_compute(
            user=user,
            body=run.body,
            year=run.year,
            run=run,
            surplus_fen=_fen("surplus", payload.surplus),
            losses_to_make_up_fen=_fen("losses_to_make_up", payload.losses_to_make_up),
            subsidy_property_fen=_fen("subsidy_property", payload.subsidy_property) or 0,
            conversion_bp=payload.conversion_bp,
            via="api",
        )
    except TongzhouError as exc:
        raise _api_fields(exc) from None
    return _detail(user, run.pk)


@router.post(
    "/distribution-runs/{run_id}/publish",
    response={200: RunOut, **WRITE_ERRORS},
    summary="公示 / Publish",
    description="向成员公示草稿（合作社 15 日，集体经济组织 10 日），此后方案冻结。\n\nPublish a draft to the members "
    "(15 days' notice for a cooperative, 10 for a collective); the run is frozen from then on." + WRITE_NOTE,
)
def runs_publish(request: HttpRequest, payload: PublishIn, run_id: int = RUN_ID) -> dict[str, Any]:
    user = request.auth
    run = reads.run_get(user=user, run_id=run_id)
    writes.run_publish(user=user, run=run, on=payload.on, via="api")
    return _summary(user, run_id)


@router.post(
    "/distribution-runs/{run_id}/approve",
    response={200: RunOut, **WRITE_ERRORS},
    summary="成员大会通过 / Record the assembly's approval",
    description="登记成员大会通过：不早于公示期满（400 notice_not_over），合作社须表决权总数过半数（第三十条），"
    "集体经济组织须全体成员三分之二以上同意（400 votes_insufficient）。\n\nRecord the assembly's approval: not "
    "before the notice is over (400 notice_not_over); more than half of all votes for a cooperative (Art. 30), two "
    "thirds of all members for a collective (400 votes_insufficient)." + WRITE_NOTE,
)
def runs_approve(request: HttpRequest, payload: ApproveIn, run_id: int = RUN_ID) -> dict[str, Any]:
    user = request.auth
    run = reads.run_get(user=user, run_id=run_id)
    writes.run_approve(
        user=user,
        run=run,
        assembly_on=payload.assembly_on,
        votes_for=payload.votes_for,
        votes_against=payload.votes_against,
        members_entitled=payload.members_entitled,
        via="api",
    )
    return _summary(user, run_id)


@router.post(
    "/distribution-runs/{run_id}/post",
    response={200: RunOut, **WRITE_ERRORS},
    summary="记账 / Post",
    description="生成并记账分配凭证（日期默认成员大会日期，须在未结账的月份）。每个组织每年只能有一个记账的方案"
    "（409 run_already_posted）。\n\nPost the run's vouchers (dated the assembly's day unless given, in an open "
    "month). One run per body and year stands in the books (409 run_already_posted)." + WRITE_NOTE,
)
def runs_post(request: HttpRequest, payload: PostIn, run_id: int = RUN_ID) -> dict[str, Any]:
    user = request.auth
    run = reads.run_get(user=user, run_id=run_id)
    writes.run_post(user=user, run=run, on=payload.on, via="api")
    return _summary(user, run_id)


@router.post(
    "/distribution-runs/{run_id}/pay",
    response={201: PayOut, **WRITE_ERRORS},
    summary="发放 / Pay",
    description="发放已记账方案的应发现金：不给 payments 则发放全部应发；每笔先冲应付盈余返还，再冲应付剩余盈余；"
    "发放给农户的金额记为该户收入。超过应发金额 400 overpaid，非本方案成员 400 member_not_in_run。\n\nPay cash due "
    "on a posted run: everything due when payments is absent; each payment settles the patronage return first; "
    "a household's payment becomes its income line. More than due is 400 overpaid, a member not on the run 400 "
    "member_not_in_run." + WRITE_NOTE,
)
def runs_pay(request: HttpRequest, payload: PayIn, run_id: int = RUN_ID) -> Status:
    user = request.auth
    run = reads.run_get(user=user, run_id=run_id)
    payments = None
    if payload.payments is not None:
        payments = []
        for item in payload.payments:
            entry: dict[str, Any] = {"member": item.member_id}
            if item.amount is not None:
                entry["amount_fen"] = _fen("amount", item.amount)
            if item.method is not None:
                entry["method"] = item.method
            if item.reference is not None:
                entry["reference"] = item.reference
            payments.append(entry)
    try:
        made = writes.run_pay(
            user=user,
            run=run,
            on=payload.on,
            payments=payments,
            method=payload.method,
            reference=payload.reference,
            via="api",
        )
    except TongzhouError as exc:
        raise _api_fields(exc) from None
    return Status(201, {"run": _summary(user, run_id), "payments": [payment_out(p) for p in made]})


@router.post(
    "/distribution-runs/{run_id}/reverse",
    response={201: RunOut, **WRITE_ERRORS},
    summary="冲销 / Reverse",
    description="红字冲销已记账的方案：生成冲销方案（返回它），原方案变为“已冲销”，之后可重新计算、记账本年度分配。"
    "已有发放记录的方案不能冲销（409 run_has_payments）。\n\nReverse a posted run in red ink: a reversing run "
    "(answered) and the original becomes reversed; the year may then be distributed again. A run with payments is "
    "not reversed (409 run_has_payments)." + WRITE_NOTE,
)
def runs_reverse(request: HttpRequest, payload: ReverseIn, run_id: int = RUN_ID) -> Status:
    user = request.auth
    run = reads.run_get(user=user, run_id=run_id)
    reversing = writes.run_reverse(user=user, run=run, on=payload.on, via="api")
    return Status(201, _summary(user, reversing.pk))


@router.get(
    "/distribution-runs/{run_id}/published",
    response={200: PublishedPage, **READ_ERRORS},
    summary="成员分配清单 / The published list",
    description="成员看到的分配清单：成员名称和金额，不含身份证号等个人标识；草稿未公示时 404。\n\nThe list as "
    "members read it: names and amounts, no personal identifiers; 404 for a draft.",
)
def runs_published(request: HttpRequest, filters: Query[PageParams], run_id: int = RUN_ID) -> dict[str, Any]:
    user = request.auth
    run = reads.run_get(user=user, run_id=run_id)
    rows = reads.published_list(user=user, run=run)
    start = (filters.page - 1) * filters.page_size
    shown = rows[start : start + filters.page_size]
    return {
        "run_id": run.pk,
        "body_name": run.body.name,
        "year": run.year,
        "status": run.status,
        "published_on": run.published_on,
        "notice_days": run.notice_days,
        "count": len(rows),
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [
            {
                "number": start + i,
                "member_name": row["display_name"],
                "transactions": format(row["transactions"].normalize(), "f"),
                "income_right_shares": format(row["income_right_shares"].normalize(), "f"),
                **money_fields("patronage_return", row["patronage_return_fen"]),
                **money_fields("remainder_share", row["remainder_share_fen"]),
                **money_fields("collective_share", row["collective_share_fen"]),
                **money_fields("income_right", row["income_right_fen"]),
                **money_fields("converted_to_capital", row["converted_to_capital_fen"]),
                **money_fields("cash", row["cash_fen"]),
            }
            for i, row in enumerate(shown, start=1)
        ],
    }


# ---------------------------------------------------------------- household income


@router.get(
    "/households/{household_id}/income",
    response={200: IncomePage, **READ_ERRORS},
    summary="农户收入明细 / A household's income lines",
    description="农户的收入明细（分红、按交易量返还、务工、土地租金、保底收益），每条来自一笔分配发放、保底收益或成员交易（见各来源编号）；"
    "可按年度筛选，分页。\n\nA household's income lines (dividend, patronage return, wage, land rent, guaranteed "
    "payment), each from a distribution payment, a guaranteed payment or a member transaction (its id says which); "
    "by year, paged.",
)
def household_income(
    request: HttpRequest, filters: Query[IncomeFilters], household_id: int = HOUSEHOLD_ID
) -> dict[str, Any]:
    user = request.auth
    household = household_get(user=user, household_id=household_id)
    qs = reads.household_income_lines(user=user, household=household, year=filters.year)
    return paged(qs.select_related("body"), filters, income_out)
