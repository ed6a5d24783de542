"""Guaranteed payments (保底收益) in the books: computed from the share ledger and the bylaws, booked as a cost of the
year before the surplus is struck, paid to the members, and each household's payment written as its income line
(issue 4, point 3; issue 5, points 1 and 5).

- **What.** For each member, each share class kind the bylaws in force on 31 December guarantee (e.g. land at
  ¥300.00 per mu, fiscal poverty-fund shares at ¥12.00 per share): the units held on 31 December (the share
  ledger's hundredths) × the rate, rounded half up per line (`domain.guaranteed_payments`).
- **When.** Booked in the year (31 December by default): it is a cost of that year, so the year's surplus
  statement, and the distribution run computed from it, already has it taken off. Refused once the year's
  distribution is in the books (the surplus was shared without it), in a closed month or year, twice for a year.
- **One booking per body and year**, held by a row lock on the body and, behind it, a partial unique constraint
  (like `run_post`). A booking not yet paid can be reversed (red-ink vouchers); then the year may be booked again.
  A paid booking stands, as a run with payments does.
- **Booking and paying** are two steps, as a run's posting and payment are, and `guarantees_book(pay=True)` does both
  in one transaction, as a cadre usually does at year end. Paying pays every line in full.

The accounts (first-level codes; the book resolves the member's sub-account):

| | cooperative (农民专业合作社会计制度, 财会〔2021〕37号) | collective (农村集体经济组织会计制度, 财会〔2023〕14号) |
|---|---|---|
| booking | Dr 521 经营支出 / Cr 114 成员往来 (member) | Dr 511 经营支出 / Cr 113 内部往来 (member) |
| paying | Dr 114 (member) / Cr 102 银行存款 | Dr 113 (member) / Cr 102 |

经营支出 rather than 401 生产成本 (where a land rent paid during the year goes, `ledger.domain.auto`): a cost of the
production account reaches the surplus only when it is carried to 经营支出, while the guarantee booked at year end
must be in the year's 本年盈余 (盈余及盈余分配表: 经营收入 − 经营支出 − …) before the distribution starts from it
(DOMAIN.md §2: "guaranteed land payments booked as costs before surplus"). The member's current account (成员往来 /
内部往来, one sub-account per member) holds what the body owes the member until it is paid, as the land rent does.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Bylaws, Cooperative, Member, ShareClass
from tongzhou.coops.selectors.cooperatives import bylaws_for, bylaws_terms
from tongzhou.coops.selectors.shares import holdings_at
from tongzhou.core.errors import Conflict, NotFound
from tongzhou.households.models import Household
from tongzhou.ledger.domain.auto import AutoLine, keeps_books
from tongzhou.ledger.models import Book, Voucher
from tongzhou.ledger.services.auto import AutoOperation, post_operation_vouchers
from tongzhou.ledger.services.periods import check_date_in_book
from tongzhou.regions.scope import require_read, require_write

from .. import domain
from ..models import (
    BOOKED_STATUSES,
    DistributionRun,
    GuaranteeBooking,
    GuaranteedPayment,
    HouseholdIncome,
    IncomeKind,
)
from .common import (
    COLLECTIVE,
    actor,
    check_count,
    check_date,
    field_error,
    lock_body,
    reverse_system_vouchers,
    standard_of,
)

# The accounts per standard (see the module's table).
GUARANTEE_ACCOUNTS = {
    "farmers_cooperative": {"cost": "521", "member": "114", "bank": "102"},
    COLLECTIVE: {"cost": "511", "member": "113", "bank": "102"},
}
MEMBERS_PER_VOUCHER = 2000  # as the run's vouchers: a voucher's line numbers are small integers
BYLAWS_TERM = "章程“保底收益”条款 / the bylaws' guaranteed payments"
ONE_BOOKING = "每个年度只记一次保底收益 / guaranteed payments are booked once a year"


@dataclass(frozen=True)
class PreviewLine:
    member: Member
    share_class: str
    basis: str
    units_centi: int
    rate_fen: int
    amount_fen: int


@dataclass(frozen=True)
class GuaranteePreview:
    """The year's guaranteed payments as the books and bylaws give them now (nothing written)."""

    body: Cooperative
    year: int
    bylaws: Bylaws
    guarantees: tuple[dict, ...]  # the bylaws' terms: [{"share_class", "basis", "amount_fen"}]
    lines: tuple[PreviewLine, ...]  # by member, then class; zero amounts left out
    total_fen: int

    @property
    def per_member(self) -> dict[int, int]:
        totals: dict[int, int] = defaultdict(int)
        for line in self.lines:
            totals[line.member.pk] += line.amount_fen
        return dict(totals)


def _bylaws_label(bylaws: Bylaws) -> str:
    return f"{bylaws.effective_from.isoformat()} 起施行的章程（#{bylaws.pk}）"


def _check_year(year: object) -> int:
    check_count(year, "year", "年度", "year")
    if not 1990 <= year <= 2100:  # type: ignore[operator]
        raise field_error("year", "年度不正确。", "The year is not valid.", "year_invalid", value=year)
    return year  # type: ignore[return-value]


def guarantees_preview(*, user, body: Cooperative, year: int) -> GuaranteePreview:
    """Compute the year's guaranteed payments: the bylaws in force on 31 December, the units each member holds of each
    share class kind they guarantee on that day. Refused when no bylaws are in force or they guarantee nothing."""
    require_read(user, body.region_code)
    year = _check_year(year)
    year_end = dt.date(year, 12, 31)
    try:
        bylaws = bylaws_for(user=user, cooperative=body, on_date=year_end)
    except NotFound:
        raise field_error(
            "year",
            f"{year} 年 12 月 31 日没有生效的章程，无法计算保底收益（{BYLAWS_TERM}）。",
            f"No bylaws were in force on {year_end.isoformat()}: there is nothing to compute guaranteed payments "
            f"from ({BYLAWS_TERM}).",
            "no_bylaws",
            article=BYLAWS_TERM,
        ) from None
    terms = bylaws_terms(bylaws)
    if not terms.guaranteed_payments:
        raise field_error(
            "year",
            f"{_bylaws_label(bylaws)}没有约定保底收益（{BYLAWS_TERM}）。",
            f"The bylaws in force from {bylaws.effective_from.isoformat()} (#{bylaws.pk}) set no guaranteed "
            f"payments ({BYLAWS_TERM}).",
            "no_guarantees",
            article=BYLAWS_TERM,
            bylaws=bylaws.pk,
        )
    kinds = dict(ShareClass.objects.filter(cooperative=body).values_list("pk", "kind"))
    guaranteed = {g["share_class"] for g in terms.guaranteed_payments}
    units: dict[tuple[int, str], int] = defaultdict(int)
    for (member_id, class_id), holding in holdings_at(user=user, cooperative=body, on=year_end).items():
        kind = kinds.get(class_id)
        if kind in guaranteed:
            units[(member_id, kind)] += holding.units_centi
    holdings = [
        domain.GuaranteeHolding(str(member_id), kind, held)
        for (member_id, kind), held in sorted(units.items())
        if held > 0
    ]
    result = domain.guaranteed_payments(terms, holdings)
    members = Member.objects.in_bulk([int(line.member_key) for line in result.lines])
    lines = tuple(
        PreviewLine(
            members[int(line.member_key)],
            line.share_class,
            line.basis,
            line.units_centi,
            line.rate_fen,
            line.amount_fen,
        )
        for line in sorted(result.lines, key=lambda x: (int(x.member_key), x.share_class))
        if line.amount_fen > 0
    )
    return GuaranteePreview(
        body=body,
        year=year,
        bylaws=bylaws,
        guarantees=tuple(dict(g) for g in terms.guaranteed_payments),
        lines=lines,
        total_fen=sum(line.amount_fen for line in lines),
    )


def guarantee_list(*, user, body: Cooperative, year: int | None = None):
    """A body's bookings, newest year and booking first (reversed ones included)."""
    require_read(user, body.region_code)
    bookings = GuaranteeBooking.objects.filter(body=body)
    if year is not None:
        bookings = bookings.filter(year=year)
    return bookings.order_by("-year", "-id")


def guarantee_get(*, user, booking_id: int) -> GuaranteeBooking:
    try:
        booking = GuaranteeBooking.objects.select_related("body").get(pk=booking_id)
    except (GuaranteeBooking.DoesNotExist, ValueError, TypeError):
        raise NotFound(
            "找不到该保底收益记录。", "No such guaranteed payments booking.", details={"id": booking_id}
        ) from None
    require_read(user, booking.region_code)
    return booking


def _book_of(body: Cooperative, on: dt.date, field: str) -> Book | None:
    """The body's book with the date checked in it (not before the books, not in a closed month or year); None for a
    body that keeps no book in Tongzhou (a platform company)."""
    if not keeps_books(body.legal_form):
        return None
    book = Book.objects.filter(cooperative=body).select_related("cooperative", "chart").first()
    if book is None:
        raise Conflict(
            "该组织尚未建账，保底收益无法记账。",
            "The organisation has no books to book the guaranteed payments in.",
            code="no_book",
        )
    check_date_in_book(book, on, field=field)
    return book


def _per_member(lines) -> list[tuple[int, int]]:
    totals: dict[int, int] = defaultdict(int)
    for line in lines:
        totals[line.member_id] += line.amount_fen
    return sorted(totals.items())


def _operations(booking: GuaranteeBooking, on: dt.date, *, paying: bool) -> list[AutoOperation]:
    accounts = GUARANTEE_ACCOUNTS[COLLECTIVE if booking.is_collective else "farmers_cooperative"]
    members = _per_member(booking.lines.all())
    chunks = [members[i : i + MEMBERS_PER_VOUCHER] for i in range(0, len(members), MEMBERS_PER_VOUCHER)]
    operations = []
    for n, chunk in enumerate(chunks, start=1):
        total = sum(amount for _m, amount in chunk)
        if paying:
            lines = [
                *(AutoLine(accounts["member"], amount, 0, member_id=m) for m, amount in chunk),
                AutoLine(accounts["bank"], 0, total),
            ]
            summary = f"发放{booking.year}年度保底收益"
        else:
            lines = [
                AutoLine(accounts["cost"], total, 0),
                *(AutoLine(accounts["member"], 0, amount, member_id=m) for m, amount in chunk),
            ]
            summary = f"计提{booking.year}年度保底收益（按章程）"
        step = "pay" if paying else "book"
        operations.append(
            AutoOperation(
                on=on, summary=summary, lines=lines, source=f"distribution.Guarantee:{booking.pk}:{step}:{n}"
            )
        )
    return operations


def _already_booked(year: int) -> Conflict:
    return Conflict(
        f"{year} 年度的保底收益已记账；一个年度只记一次，更正须先冲销（{ONE_BOOKING}）。",
        f"The guaranteed payments of {year} are already booked; a year is booked once, and a correction reverses "
        "the booking first.",
        code="guarantees_already_booked",
        details={"year": year, "article": ONE_BOOKING},
    )


@transaction.atomic
def guarantees_book(
    *,
    user,
    body: Cooperative,
    year: int,
    on: dt.date | None = None,
    pay: bool = False,
    paid_on: dt.date | None = None,
    via: str = "web",
) -> GuaranteeBooking:
    """Book the year's guaranteed payments in one transaction: the lines, and the voucher Dr 经营支出 / Cr 成员往来
    (内部往来) per member, dated `on` (31 December by default, in the year). With `pay`, pay them too (dated
    `paid_on`, the booking's date by default). A refusal changes nothing."""
    body = lock_body(body)
    require_write(user, body.region_code)
    year = _check_year(year)
    if GuaranteeBooking.objects.filter(body=body, year=year, reversed_on__isnull=True).exists():
        raise _already_booked(year)
    run = (
        DistributionRun.objects.filter(
            body=body, year=year, status__in=BOOKED_STATUSES, reverses__isnull=True
        )
        .order_by("-id")
        .first()
    )
    if run is not None:
        raise Conflict(
            f"{year} 年度的盈余分配方案（{run.pk}）已记账：保底收益是分配前的成本，须在分配前记账；请先冲销该方案。",
            f"The distribution of {year} (run {run.pk}) is in the books: guaranteed payments are a cost before the "
            "surplus and are booked before the distribution; reverse the run first.",
            code="distribution_already_posted",
            details={"year": year, "run": run.pk, "article": BYLAWS_TERM},
        )
    on = check_date(on or dt.date(year, 12, 31), "on")
    if on.year != year:
        raise field_error(
            "on",
            f"{year} 年度的保底收益是该年度的成本，记账日期须在 {year} 年内。",
            f"The guaranteed payments of {year} are a cost of that year; book them on a date in {year}.",
            "date_outside_year",
            value=on.isoformat(),
        )
    preview = guarantees_preview(user=user, body=body, year=year)
    book = _book_of(body, on, "on")
    if not preview.lines:
        classes = "、".join(g["share_class"] for g in preview.guarantees)
        raise field_error(
            "year",
            f"{year} 年 12 月 31 日没有成员持有章程约定保底收益的股份（{classes}），没有可记的保底收益。",
            f"No member held shares of the classes the bylaws guarantee ({classes}) on 31 December {year}: "
            "there are no guaranteed payments to book.",
            "no_guaranteed_holdings",
            article=BYLAWS_TERM,
        )
    booking = GuaranteeBooking(
        body=body,
        year=year,
        standard=standard_of(body),
        inputs={
            "bylaws": {
                "id": preview.bylaws.pk,
                "effective_from": preview.bylaws.effective_from.isoformat(),
                "guaranteed_payments": list(preview.guarantees),
            },
            "holdings_on": dt.date(year, 12, 31).isoformat(),
        },
        total_fen=preview.total_fen,
        booked_on=on,
        booked_by=actor(user),
        booked_at=timezone.now(),
        region_code=body.region_code,
        county_code=body.county_code,
    )
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:
        raise _already_booked(year) from None
    GuaranteedPayment.objects.bulk_create(
        [
            GuaranteedPayment(
                booking=booking,
                member=line.member,
                household_id=line.member.household_id,
                display_name=line.member.display_name[:120],
                share_class=line.share_class,
                basis=line.basis,
                units_centi=line.units_centi,
                rate_fen=line.rate_fen,
                amount_fen=line.amount_fen,
                village_code=line.member.village_code,
                county_code=line.member.county_code or body.county_code,
            )
            for line in preview.lines
        ],
        batch_size=1000,
    )
    vouchers: list[Voucher] = []
    if book is not None:
        vouchers = post_operation_vouchers(
            cooperative=body, user=user, operations=_operations(booking, on, paying=False), via=via
        )
    booking.vouchers.set(vouchers)
    audit_record(
        user=user,
        action="distribution.guarantees_book",
        obj=booking,
        region_code=body.region_code,
        via=via,
        details={
            "year": year,
            "on": on.isoformat(),
            "total_fen": booking.total_fen,
            "lines": len(preview.lines),
            "vouchers": [v.pk for v in vouchers],
        },
    )
    if pay:
        booking = guarantees_pay(user=user, booking=booking, on=paid_on or on, via=via)
    return booking


def _lock_booking(booking: GuaranteeBooking) -> GuaranteeBooking:
    return GuaranteeBooking.objects.select_for_update(of=("self",)).select_related("body").get(pk=booking.pk)


@transaction.atomic
def guarantees_pay(
    *, user, booking: GuaranteeBooking, on: dt.date | None = None, via: str = "web"
) -> GuaranteeBooking:
    """Pay a booking in full: the voucher Dr 成员往来 (内部往来) per member / Cr 银行存款, dated `on` (the booking's
    date by default), and an income line (保底收益) for every line of a household member."""
    booking = _lock_booking(booking)
    require_write(user, booking.region_code)
    if booking.reversed_on is not None:
        raise Conflict(
            "该保底收益已冲销，不能发放。",
            "The booking is reversed; it cannot be paid.",
            code="guarantees_reversed",
        )
    if booking.paid_on is not None:
        raise Conflict(
            f"{booking.year} 年度的保底收益已于 {booking.paid_on.isoformat()} 发放。",
            f"The guaranteed payments of {booking.year} were paid on {booking.paid_on.isoformat()}.",
            code="guarantees_already_paid",
            details={"paid_on": booking.paid_on.isoformat()},
        )
    on = check_date(on or booking.booked_on, "on")
    if on < booking.booked_on:
        raise field_error(
            "on",
            "发放日期不能早于保底收益的记账日期。",
            "The payment cannot be dated before the guaranteed payments were booked.",
            "paid_before_booked",
            value=on.isoformat(),
        )
    book = _book_of(booking.body, on, "on")
    vouchers: list[Voucher] = []
    if book is not None:
        vouchers = post_operation_vouchers(
            cooperative=booking.body, user=user, operations=_operations(booking, on, paying=True), via=via
        )
    lines = list(booking.lines.filter(household__isnull=False))
    codes = dict(
        (pk, (village, county))
        for pk, village, county in Household.objects.filter(
            pk__in={line.household_id for line in lines}
        ).values_list("pk", "village_code", "county_code")
    )
    HouseholdIncome.objects.bulk_create(
        [
            HouseholdIncome(
                household_id=line.household_id,
                year=booking.year,
                kind=IncomeKind.GUARANTEED_PAYMENT,
                amount_fen=line.amount_fen,
                on=on,
                body_id=booking.body_id,
                guarantee=line,
                village_code=codes[line.household_id][0],
                county_code=codes[line.household_id][1],
            )
            for line in lines
        ],
        batch_size=1000,
    )
    booking.paid_on = on
    booking.paid_by = actor(user)
    booking.paid_at = timezone.now()
    booking.save()
    booking.payment_vouchers.set(vouchers)
    audit_record(
        user=user,
        action="distribution.guarantees_pay",
        obj=booking,
        region_code=booking.region_code,
        via=via,
        details={
            "on": on.isoformat(),
            "total_fen": booking.total_fen,
            "income_lines": len(lines),
            "vouchers": [v.pk for v in vouchers],
        },
    )
    return booking


@transaction.atomic
def guarantees_reverse(
    *, user, booking: GuaranteeBooking, on: dt.date | None = None, via: str = "web"
) -> GuaranteeBooking:
    """Undo a booking not yet paid (红字冲销): its vouchers repeated in red ink, dated `on` (the booking's date by
    default) in an open month; the year may then be booked again. A paid booking stands: the payments are in the
    books and in households' income."""
    lock_body(booking.body)
    booking = _lock_booking(booking)
    require_write(user, booking.region_code)
    if booking.reversed_on is not None:
        raise Conflict("该保底收益已冲销。", "The booking is already reversed.", code="guarantees_reversed")
    if booking.paid_on is not None:
        raise Conflict(
            "该保底收益已发放，不能冲销。",
            "The guaranteed payments are paid; the booking cannot be reversed.",
            code="guarantees_paid",
        )
    on = check_date(on or booking.booked_on, "on")
    if on < booking.booked_on:
        raise field_error(
            "on",
            "冲销日期不能早于原记账日期。",
            "The reversal cannot be dated before the booking.",
            "reversal_before_booking",
            value=on.isoformat(),
        )
    originals = list(booking.vouchers.order_by("date", "number"))
    if originals:
        _book_of(booking.body, on, "on")
    reversals = reverse_system_vouchers(user=user, vouchers=originals, on=on, via=via)
    booking.reversed_on = on
    booking.reversed_by = actor(user)
    booking.save()
    booking.reversal_vouchers.set(reversals)
    audit_record(
        user=user,
        action="distribution.guarantees_reverse",
        obj=booking,
        region_code=booking.region_code,
        via=via,
        details={"on": on.isoformat(), "vouchers": [v.pk for v in reversals]},
    )
    return booking
