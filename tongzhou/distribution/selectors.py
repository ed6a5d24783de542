"""Reads of distribution runs and household income lines, always given the user and scoped: a run is read by whoever
may read its body's region code, a household's income by whoever may read its village."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from tongzhou.coops.models import Cooperative
from tongzhou.core.errors import NotFound
from tongzhou.households.models import Household
from tongzhou.regions.scope import code_prefix_q, readable, require_read

from .models import DistributionLine, DistributionRun, HouseholdIncome, RunStatus

# What members see: a run from its publication on (a draft is the committee's working paper).
PUBLISHED_STATUSES = (
    RunStatus.PUBLISHED,
    RunStatus.APPROVED,
    RunStatus.POSTED,
    RunStatus.PAID,
    RunStatus.REVERSED,
)


def run_list(*, user, body: Cooperative, year: int | None = None) -> QuerySet[DistributionRun]:
    """The runs of a body, newest year and run first, optionally of one year."""
    require_read(user, body.region_code)
    runs = DistributionRun.objects.filter(body=body)
    if year is not None:
        runs = runs.filter(year=year)
    return runs.order_by("-year", "-id")


def run_list_in_region(*, user, year: int | None = None) -> QuerySet[DistributionRun]:
    """Every run the user may read (deny by default: nothing outside their scopes)."""
    runs = readable(DistributionRun.objects.select_related("body"), user, field="region_code")
    if year is not None:
        runs = runs.filter(year=year)
    return runs.order_by("region_code", "-year", "-id")


def run_get(*, user, run_id: int) -> DistributionRun:
    """One run with its lines (by member key), its vouchers and what it reverses or is reversed by."""
    try:
        run = (
            DistributionRun.objects.select_related("body", "reverses")
            .prefetch_related("vouchers")
            .get(pk=run_id)
        )
    except (DistributionRun.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该分配方案。", "No such distribution run.", details={"id": run_id}) from None
    require_read(user, run.region_code)
    return run


def run_receiver_vouchers(*, user, run: DistributionRun) -> list[dict]:
    """The vouchers the run booked in its receiving member bodies' own books (what it gives them, what they received,
    a reversal's red ink): receiving body, date, number, summary and amount (the voucher's debits), by body and
    date. Read with the run: they follow from it, whoever may read the run sees them."""
    require_read(user, run.region_code)
    return list(
        run.receiver_vouchers.order_by("book__cooperative_id", "date", "number")
        .annotate(amount_fen=Sum("lines__debit_fen"))
        .values(
            "pk",
            "date",
            "number",
            "summary",
            "amount_fen",
            "book__cooperative_id",
            "book__cooperative__name",
        )
    )


def run_lines(*, user, run: DistributionRun) -> QuerySet[DistributionLine]:
    require_read(user, run.region_code)
    return DistributionLine.objects.filter(run=run).select_related("member").order_by("key")


def published_list(*, user, run: DistributionRun) -> list[dict]:
    """The distribution list as members see it (成员分配清单): name and amounts per member, no personal identifiers.
    Refused for a draft, which is not yet open to members."""
    require_read(user, run.region_code)
    if run.status not in PUBLISHED_STATUSES or run.reverses_id is not None:
        raise NotFound(
            "该分配方案尚未公示。", "The distribution run is not published.", details={"id": run.pk}
        )
    return list(
        DistributionLine.objects.filter(run=run)
        .order_by("key")
        .values(
            "display_name",
            "transactions",
            "income_right_shares",
            "patronage_return_fen",
            "remainder_share_fen",
            "collective_share_fen",
            "income_right_fen",
            "converted_to_capital_fen",
            "cash_fen",
            "paid_fen",
        )
    )


def household_income_lines(
    *, user, household: Household, year: int | None = None
) -> QuerySet[HouseholdIncome]:
    """A household's income lines, oldest first, optionally of one year."""
    require_read(user, household.village_code)
    lines = HouseholdIncome.objects.filter(household=household)
    if year is not None:
        lines = lines.filter(year=year)
    return lines.order_by("year", "on", "id")


def household_income_in_region(*, user, region_code: str, year: int) -> QuerySet[HouseholdIncome]:
    """Every income line of a year under a region (village, township, county…) the user may read."""
    require_read(user, region_code)
    return HouseholdIncome.objects.filter(code_prefix_q("village_code", region_code), year=year).order_by(
        "village_code", "household_id", "on", "id"
    )
