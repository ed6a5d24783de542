"""The statements as a user asks for them: of one book or rolled up for a region, any period, scoped like every
other read (`require_read`). The web pages, the API and the CLI all come through here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from tongzhou.coops.models import LegalForm
from tongzhou.core.errors import NotFound
from tongzhou.regions import selectors as region_selectors
from tongzhou.regions.scope import require_read

from .. import selectors
from ..domain.vouchers import voucher_error
from ..models import Book, BookAccount, Party
from ..services.charts import chart_in_force
from . import builders
from .builders import KINDS, Entry, Statement
from .data import COLLECTIVE, COOPERATIVE

STANDARDS = (COOPERATIVE, COLLECTIVE)
KIND_ALIASES = {"income": "surplus"}


def _date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise voucher_error(
            field,
            "日期格式应为 YYYY-MM-DD。",
            "A date is written YYYY-MM-DD.",
            "date_invalid",
            value=str(value),
        ) from None


def resolve_period(
    *, period: str | None = None, date_from: object = None, date_to: object = None
) -> tuple[dt.date, dt.date]:
    """The first and last day of a period: `period` is a year (2025), a month (2025-03) or a quarter (2025-Q2);
    otherwise `date_from` and `date_to` (either missing: the year of the other, or this year)."""
    if period:
        text = str(period).strip().upper()
        if m := re.fullmatch(r"(\d{4})", text):
            year = int(m.group(1))
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", text):
            year, q = int(m.group(1)), int(m.group(2))
            start = dt.date(year, 3 * q - 2, 1)
            return start, _month_end(year, 3 * q)
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                return dt.date(year, month, 1), _month_end(year, month)
        raise voucher_error(
            "period",
            "期间应为年（2025）、月（2025-03）或季度（2025-Q2）。",
            "A period is a year (2025), a month (2025-03) or a quarter (2025-Q2).",
            "period_invalid",
            value=str(period),
        )
    start = _date(date_from, "from") if date_from not in (None, "") else None
    end = _date(date_to, "to") if date_to not in (None, "") else None
    if start is None and end is None:
        year = dt.date.today().year
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if start is None:
        assert end is not None
        start = dt.date(end.year, 1, 1)
    if end is None:
        end = dt.date(start.year, 12, 31)
    if start > end:
        raise voucher_error(
            "to", "截止日期早于起始日期。", "The end date is before the start date.", "period_reversed"
        )
    return start, end


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return following - dt.timedelta(days=1)


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _kind(kind: str) -> str:
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise voucher_error(
            "kind",
            f"没有这种报表：{kind}。",
            f"No such statement: {kind}.",
            "statement_unknown",
            value=kind,
            kinds=list(KINDS),
        )
    return kind


def _standard_of(book: Book) -> str:
    if book.chart.standard not in STANDARDS:
        raise voucher_error(
            "book", "该账套的会计制度没有报表格式。", "No statement forms for this chart.", "standard_unknown"
        )
    return book.chart.standard


def statement_for_book(
    *,
    user,
    book: Book,
    kind: str,
    date_from: dt.date,
    date_to: dt.date,
    account: str | None = None,
    member: int | None = None,
) -> Statement:
    """One statement of one book. The balance sheet's 年初数 is the balance on 1 January of `date_to`'s year."""
    require_read(user, book.region_code)
    kind = _kind(kind)
    _standard_of(book)
    if kind == "subsidiary-ledger":
        return _subsidiary(book, account, member, date_from, date_to)
    return statements_for_book(user=user, book=book, kinds=(kind,), date_from=date_from, date_to=date_to)[
        kind
    ]


ROLLED_UP = ("trial-balance", "balance-sheet", "surplus", "equity-changes", "general-ledger")


def _periods(kinds, date_from: dt.date, date_to: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The periods the statements `kinds` read: the period itself, the balance sheet's year to `date_to` (its
    年初数 is the balance on 1 January), the surplus statement's same period a year earlier."""
    periods = [(date_from, date_to)]
    if "balance-sheet" in kinds:
        periods.append((dt.date(date_to.year, 1, 1), date_to))
    if "surplus" in kinds:
        periods.append((_year_earlier(date_from), _year_earlier(date_to)))
    return list(dict.fromkeys(periods))


def _build(kind: str, of: dict, date_from: dt.date, date_to: dt.date, monthly=None) -> Statement:
    """Statement `kind` from the `LedgerData` of each period (`of[(first, last)]`)."""
    if kind == "balance-sheet":
        return builders.balance_sheet(of[(dt.date(date_to.year, 1, 1), date_to)])
    data = of[(date_from, date_to)]
    if kind == "surplus":
        return builders.surplus_statement(data, of[(_year_earlier(date_from), _year_earlier(date_to))])
    if kind == "equity-changes":
        return builders.equity_changes(data)
    if kind == "trial-balance":
        return builders.trial_balance_statement(data)
    return builders.general_ledger(data, monthly() if monthly else {})


def statements_for_book(
    *, user, book: Book, kinds, date_from: dt.date, date_to: dt.date
) -> dict[str, Statement]:
    """Statements `kinds` (not the subsidiary ledger) of one book, from one aggregate over its lines."""
    require_read(user, book.region_code)
    kinds = [_kind(k) for k in kinds]
    _standard_of(book)
    periods = _periods(kinds, date_from, date_to)
    datas = selectors.statement_data_of_books(periods=periods, books=[book])[book.pk]
    of = dict(zip(periods, datas, strict=True))

    def monthly():
        from ..models import VoucherLine

        code_of = dict(BookAccount.objects.filter(book=book).values_list("pk", "code"))
        return selectors.monthly_movements(
            VoucherLine.objects.filter(book=book), "account_id", code_of, date_from, date_to
        )

    return {kind: _build(kind, of, date_from, date_to, monthly) for kind in kinds}


def statements_for_books(
    *, user, region_code: str, kinds, date_from: dt.date, date_to: dt.date
) -> dict[int, dict[str, Statement]]:
    """{book id: {kind: statement}} of every book under a region the user may read, from one aggregate over the
    region's lines grouped by account (and so by book), not one per book. No general ledger here."""
    region = region_selectors.region_get(user=user, code=region_code)
    require_read(user, region.code)
    kinds = [_kind(k) for k in kinds]
    if not set(kinds) <= {"trial-balance", "balance-sheet", "surplus", "equity-changes"}:
        raise voucher_error(
            "kind",
            "批量只出试算平衡表、资产负债表、盈余表和权益变动表。",
            "Every book at once: trial balance, balance sheet, surplus and equity statements only.",
            "statement_not_batched",
        )
    periods = _periods(kinds, date_from, date_to)
    datas = selectors.statement_data_of_books(periods=periods, region_code=region.code)
    return {
        pk: {kind: _build(kind, dict(zip(periods, per, strict=True)), date_from, date_to) for kind in kinds}
        for pk, per in datas.items()
        if per[0].standard in STANDARDS
    }


def _subsidiary(book: Book, account: str | None, member: int | None, date_from, date_to) -> Statement:
    if not account:
        raise voucher_error(
            "account", "明细账须指定科目。", "A subsidiary ledger needs an account.", "account_required"
        )
    accounts = list(BookAccount.objects.filter(book=book).select_related("parent"))
    target = next((a for a in accounts if a.code == str(account).strip()), None)
    if target is None:
        raise voucher_error(
            "account",
            f"本账套没有科目 {account}。",
            f"The books have no account {account}.",
            "account_unknown",
            value=str(account),
        )
    parents = {a.code: (a.parent.code if a.parent else "") for a in accounts}

    def below(code: str) -> bool:
        while code:
            if code == target.code:
                return True
            code = parents.get(code, "")
        return False

    codes = [a.code for a in accounts if below(a.code)]
    member_name = ""
    if member not in (None, ""):
        if target.party != Party.MEMBER:
            raise voucher_error(
                "member",
                f"科目 {target.code} 不按成员核算。",
                f"The account {target.code} is not kept per member.",
                "member_not_allowed",
            )
        from tongzhou.coops.models import Member

        found = Member.objects.filter(pk=member, cooperative_id=book.cooperative_id).first()
        if found is None:
            raise voucher_error(
                "member",
                "该成员不属于本社。",
                "The member belongs to another organisation.",
                "member_unknown",
            )
        member_name = str(found)
    opening, rows = selectors.account_entries(
        book=book,
        codes=codes,
        member_id=int(member) if member not in (None, "") else None,
        date_from=date_from,
        date_to=date_to,
    )
    from .data import StatementAccount

    return builders.subsidiary_ledger(
        standard=_standard_of(book),
        entity=book.cooperative.name,
        account=StatementAccount(target.code, target.name, target.normal_balance, target.account_class),
        date_from=date_from,
        date_to=date_to,
        opening=opening,
        entries=[Entry(d, f"记-{n}", s, debit, credit) for d, n, s, debit, credit in rows],
        member_name=member_name,
    )


def statement_for_region(
    *, user, region_code: str, standard: str, kind: str, date_from: dt.date, date_to: dt.date
) -> Statement:
    """One statement rolled up for a region: the sum of every book below it kept to the chart of `standard` in
    force on `date_to`. Cooperatives and collectives are reported separately."""
    return statements_for_region(
        user=user,
        region_code=region_code,
        standards=(standard,),
        kinds=(kind,),
        date_from=date_from,
        date_to=date_to,
    )[(standard, KIND_ALIASES.get(kind, kind))]


def statements_for_region(
    *, user, region_code: str, standards, kinds, date_from: dt.date, date_to: dt.date
) -> dict[tuple[str, str], Statement]:
    """{(standard, kind): statement} rolled up for a region, every standard and kind from one aggregate over the
    region's lines (the periods they need folded in as date buckets)."""
    region = region_selectors.region_get(user=user, code=region_code)
    require_read(user, region.code)
    kinds = [_kind(k) for k in kinds]
    for standard in standards:
        if standard not in STANDARDS:
            raise voucher_error(
                "standard",
                "汇总须指定组织形式：farmers_cooperative 或 collective_organisation。",
                "A roll-up names the kind of organisation: farmers_cooperative or collective_organisation.",
                "standard_invalid",
                value=str(standard),
            )
    if "subsidiary-ledger" in kinds:
        raise voucher_error(
            "kind",
            "明细账只能按账套查看。",
            "A subsidiary ledger is of one book only.",
            "statement_not_rolled_up",
        )
    charts = {standard: chart_in_force(standard, date_to) for standard in standards}
    periods = _periods(kinds, date_from, date_to)
    datas = selectors.statement_data_of_regions(
        region_code=region.code, charts=list(charts.values()), entity=region.name, periods=periods
    )
    out = {}
    for standard, chart in charts.items():
        label = LegalForm(standard).label
        of = {
            p: dataclasses.replace(d, entity=f"{region.name}（{label}汇总，{d.books} 个账套）")
            for p, d in zip(periods, datas[chart.pk], strict=True)
        }

        def monthly(chart=chart):
            from tongzhou.regions.scope import code_prefix_q

            from ..models import ChartAccount, VoucherLine

            code_of = dict(ChartAccount.objects.filter(chart=chart).values_list("pk", "code"))
            lines = VoucherLine.objects.filter(
                code_prefix_q("region_code", region.code), account__chart_account_id__in=list(code_of)
            )
            return selectors.monthly_movements(
                lines, "account__chart_account_id", code_of, date_from, date_to
            )

        for kind in kinds:
            out[(standard, kind)] = _build(kind, of, date_from, date_to, monthly)
    return out


def book_get(*, user, book_id: int) -> Book:
    book = Book.objects.select_related("cooperative", "chart").filter(pk=book_id).first()
    if book is None:
        raise NotFound("找不到该账套。", "No such book.", details={"book": book_id})
    require_read(user, book.region_code)
    return book
