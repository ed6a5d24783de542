"""The demo year's guaranteed payments (保底收益), booked and paid on 31 December before the distribution.

Most village cooperatives' bylaws guarantee a payment per mu of land shares (`coops.village_guarantees`). For every
body whose bylaws in force on 31 December guarantee something, what `distribution.services.guarantees` would write
if the accountant booked and paid the year in one step (`guarantees_book(pay=True)`), written in bulk:
- the booking (`GuaranteeBooking`, booked and paid on 31 December) and its lines (`GuaranteedPayment`): the units
  of each guaranteed share class kind each member holds on 31 December × the bylaws' rate, rounded half up per line,
  computed by the service's own pure function (`distribution.domain.guaranteed_payments`);
- the booking voucher Dr 经营支出 / Cr 成员往来 per member (a collective's 511 / 113) and the paying voucher Dr 成员往来
  per member / Cr 银行存款, at most `MEMBERS_PER_VOUCHER` members a voucher, with the service's summaries and
  sources (`distribution.Guarantee:<booking>:book:<n>`, `…:pay:<n>`), numbered on after the month's last voucher;
- an income line (保底收益) for every line of a household member.

It runs after the books and before `distribution.demo_distribution_build`: the cost is in the year's 本年盈余, which
the cascade reads from the ledger, so the posted runs distribute the surplus after the guarantees.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from tongzhou.coops.domain.bylaws import bylaws_in_force
from tongzhou.coops.models import Bylaws, Cooperative, Member, ShareEntry
from tongzhou.coops.selectors.cooperatives import bylaws_terms
from tongzhou.distribution import domain
from tongzhou.distribution.models import GuaranteeBooking, GuaranteedPayment, HouseholdIncome, IncomeKind
from tongzhou.distribution.services.common import standard_of
from tongzhou.distribution.services.guarantees import GUARANTEE_ACCOUNTS, MEMBERS_PER_VOUCHER
from tongzhou.ledger.domain.auto import AutoLine
from tongzhou.ledger.models import Book

from .books import MAKER
from .coops import YEAR, _Writer
from .distribution import _VoucherWriter

ON = dt.date(YEAR, 12, 31)
PAYMENT_TABLE = GuaranteedPayment._meta.db_table
PAYMENT_COLUMNS = (
    "booking_id", "member_id", "household_id", "display_name", "share_class", "basis", "units_centi", "rate_fen",
    "amount_fen", "village_code", "county_code",
)  # fmt: skip
INCOME_COLUMNS = (
    "household_id", "year", "kind", "amount_fen", "on", "body_id", "guarantee_id", "village_code", "county_code",
    "created_at",
)  # fmt: skip


@dataclass
class GuaranteeDemoResult:
    bookings: int = 0
    lines: int = 0
    total_fen: int = 0
    income_lines: int = 0
    vouchers: int = 0
    voucher_lines: int = 0


def _bylaws_in_force(county: str) -> dict[int, Bylaws]:
    """Per body of the county, the bylaws in force on 31 December when they guarantee something."""
    versions: dict[int, list[Bylaws]] = defaultdict(list)
    for bylaws in Bylaws.objects.filter(cooperative__county_code=county).order_by("pk"):
        versions[bylaws.cooperative_id].append(bylaws)
    found = {body_id: bylaws_in_force(rows, ON) for body_id, rows in versions.items()}
    return {body_id: b for body_id, b in found.items() if b is not None and b.guaranteed_payments}


def _holdings(body_ids: list[int], kinds: set[str]) -> dict[int, list[domain.GuaranteeHolding]]:
    """What each member holds of each guaranteed kind at the end of 31 December: one SUM … GROUP BY, as
    `holdings_at` sums the share ledger (the service adds up a member's classes of one kind)."""
    held: dict[int, list[domain.GuaranteeHolding]] = defaultdict(list)
    rows = (
        ShareEntry.objects.filter(cooperative_id__in=body_ids, on__lte=ON, share_class__kind__in=kinds)
        .values_list("cooperative_id", "member_id", "share_class__kind")
        .annotate(units=Sum("units_centi"))
        .order_by("cooperative_id", "member_id", "share_class__kind")
    )
    for body_id, member_id, kind, units in rows:
        if units and units > 0:
            held[body_id].append(domain.GuaranteeHolding(str(member_id), kind, int(units)))
    return held


def demo_guarantees_build() -> GuaranteeDemoResult:
    """Book and pay the demo year's guaranteed payments of every body whose bylaws guarantee some (see the module
    docstring), county by county, one transaction each. Expects the books of the year and no booking yet."""
    result = GuaranteeDemoResult()
    writer = _Writer()
    maker = get_user_model().objects.filter(username=MAKER).first()
    for county in sorted(set(Cooperative.objects.values_list("county_code", flat=True))):
        with transaction.atomic():
            _county(county, writer, result, maker)
    return result


def _county(county: str, writer: _Writer, result: GuaranteeDemoResult, maker) -> None:
    in_force = _bylaws_in_force(county)
    if not in_force:
        return
    terms = {body_id: bylaws_terms(b) for body_id, b in in_force.items()}
    kinds = {g["share_class"] for t in terms.values() for g in t.guaranteed_payments}
    held = _holdings(sorted(in_force), kinds)
    bodies = Cooperative.objects.in_bulk(sorted(in_force))
    computed: dict[int, list[domain.GuaranteeLine]] = {}
    for body_id in sorted(in_force):
        lines = domain.guaranteed_payments(terms[body_id], held.get(body_id, [])).lines
        lines = [line for line in lines if line.amount_fen > 0]
        if lines:  # the service refuses a year with nothing to book
            computed[body_id] = sorted(lines, key=lambda x: (int(x.member_key), x.share_class))
    if not computed:
        return
    now = timezone.now()
    bookings = GuaranteeBooking.objects.bulk_create(
        [
            GuaranteeBooking(
                body=bodies[body_id],
                year=YEAR,
                standard=standard_of(bodies[body_id]),
                inputs={
                    "bylaws": {
                        "id": in_force[body_id].pk,
                        "effective_from": in_force[body_id].effective_from.isoformat(),
                        "guaranteed_payments": [dict(g) for g in terms[body_id].guaranteed_payments],
                    },
                    "holdings_on": ON.isoformat(),
                },
                total_fen=sum(line.amount_fen for line in lines),
                booked_on=ON,
                booked_by=maker,
                booked_at=now,
                paid_on=ON,
                paid_by=maker,
                paid_at=now,
                region_code=bodies[body_id].region_code,
                county_code=bodies[body_id].county_code,
            )
            for body_id, lines in computed.items()
        ]
    )
    booking_of = {b.body_id: b for b in bookings}
    members = {
        pk: (household_id, name, village, member_county)
        for pk, household_id, name, village, member_county in Member.objects.filter(
            cooperative_id__in=list(computed)
        ).values_list("pk", "household_id", "display_name", "village_code", "county_code")
    }
    rows = []
    for body_id, lines in computed.items():
        booking = booking_of[body_id]
        for line in lines:
            household_id, name, village, member_county = members[int(line.member_key)]
            rows.append(
                (booking.pk, int(line.member_key), household_id, name[:120], line.share_class, line.basis,
                 line.units_centi, line.rate_fen, line.amount_fen, village, member_county or booking.county_code)
            )  # fmt: skip
    writer.write(PAYMENT_TABLE, PAYMENT_COLUMNS, rows)
    result.bookings += len(bookings)
    result.lines += len(rows)
    result.total_fen += sum(b.total_fen for b in bookings)

    # The vouchers: per body, the booking's, then the payment's (the order `guarantees_book(pay=True)` posts them).
    books = {b.cooperative_id: b for b in Book.objects.filter(cooperative_id__in=list(computed))}
    vouchers = _VoucherWriter(writer, result)
    step_of: dict[str, tuple[GuaranteeBooking, str]] = {}
    for body_id, lines in computed.items():
        book = books.get(body_id)
        if book is None:
            continue  # a body that keeps no book in Tongzhou
        booking = booking_of[body_id]
        accounts = GUARANTEE_ACCOUNTS[booking.standard]
        per_member: dict[int, int] = defaultdict(int)
        for line in lines:
            per_member[int(line.member_key)] += line.amount_fen
        ordered = sorted(per_member.items())
        chunks = [ordered[i : i + MEMBERS_PER_VOUCHER] for i in range(0, len(ordered), MEMBERS_PER_VOUCHER)]
        for step in ("book", "pay"):
            for n, chunk in enumerate(chunks, start=1):
                total = sum(amount for _m, amount in chunk)
                if step == "book":
                    summary = f"计提{YEAR}年度保底收益（按章程）"
                    auto_lines = [
                        AutoLine(accounts["cost"], total, 0),
                        *(AutoLine(accounts["member"], 0, amount, member_id=m) for m, amount in chunk),
                    ]
                else:
                    summary = f"发放{YEAR}年度保底收益"
                    auto_lines = [
                        *(AutoLine(accounts["member"], amount, 0, member_id=m) for m, amount in chunk),
                        AutoLine(accounts["bank"], 0, total),
                    ]
                source = f"distribution.Guarantee:{booking.pk}:{step}:{n}"
                step_of[source] = (booking, step)
                vouchers.add(book, ON, summary, source, auto_lines)
    booked, paid = GuaranteeBooking.vouchers.through, GuaranteeBooking.payment_vouchers.through
    links: dict[str, list] = {"book": [], "pay": []}
    for source, voucher_id in vouchers.write():
        booking, step = step_of[source]
        through = booked if step == "book" else paid
        links[step].append(through(guaranteebooking_id=booking.pk, voucher_id=voucher_id))
    booked.objects.bulk_create(links["book"], batch_size=2000)
    paid.objects.bulk_create(links["pay"], batch_size=2000)

    # Every household member's line is its household's income (paid on 31 December).
    income = [
        (household_id, YEAR, IncomeKind.GUARANTEED_PAYMENT.value, amount, ON.isoformat(), body_id, pk, village,
         household_county, writer.now)
        for pk, household_id, amount, body_id, village, household_county in GuaranteedPayment.objects.filter(
            booking__in=bookings, household__isnull=False
        )
        .order_by("pk")
        .values_list(
            "pk", "household_id", "amount_fen", "booking__body_id", "household__village_code",
            "household__county_code",
        )
    ]  # fmt: skip
    writer.write(HouseholdIncome._meta.db_table, INCOME_COLUMNS, income)
    result.income_lines += len(income)


def demo_guarantees_reset() -> None:
    """Delete every guaranteed payments booking with its lines, their income lines and voucher links: they point at
    books, cooperatives, members and households, which the other resets delete after."""
    tables = (
        HouseholdIncome._meta.db_table,  # the guaranteed payments' (the distribution reset deletes all of them)
        GuaranteeBooking.vouchers.through._meta.db_table,
        GuaranteeBooking.payment_vouchers.through._meta.db_table,
        GuaranteeBooking.reversal_vouchers.through._meta.db_table,
        PAYMENT_TABLE,
        GuaranteeBooking._meta.db_table,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            if table == HouseholdIncome._meta.db_table:
                cursor.execute(f"DELETE FROM {table} WHERE guarantee_id IS NOT NULL")
            else:
                cursor.execute(f"DELETE FROM {table}")
