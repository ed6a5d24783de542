"""Forms of the book pages (账簿). They only collect what a user typed; yuan → fen is a unit conversion at the edge.
Every rule lives in the ledger services, whose errors come back next to the field or voucher line they name.

A voucher's lines are rows of inputs named `lines-<i>-<field>` (account, debit, credit, member, counterparty,
summary), added by htmx; `voucher_lines_read` turns them into the services' line dicts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongzhou.core.errors import InvalidInput
from tongzhou.core.money import fen_to_yuan_str, yuan_to_fen
from tongzhou.ledger.models import VoucherStatus

from .forms_coops import _date_field

LINE_FIELDS = ("account", "summary", "debit", "credit", "member", "counterparty")
LINE_KEY = re.compile(r"^lines-(\d{1,3})-(account|summary|debit|credit|member|counterparty)$")
MONTHS = [(m, f"{m}") for m in range(1, 13)]


class BookOpenForm(forms.Form):
    start_year = forms.IntegerField(label=_("启用年度"), min_value=1990, max_value=2100)
    start_month = forms.TypedChoiceField(label=_("启用月份"), choices=MONTHS, coerce=int, initial=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_year"].initial = dt.date.today().year
        self.fields["start_year"].widget.attrs.update(inputmode="numeric")


class AccountAddForm(forms.Form):
    parent = forms.ChoiceField(label=_("上级科目"), choices=[])
    name = forms.CharField(label=_("科目名称"), max_length=60, required=False)
    code = forms.CharField(label=_("科目编号（留空自动编号）"), max_length=20, required=False)
    member = forms.TypedChoiceField(
        label=_("成员（按成员核算的科目）"), choices=[], coerce=int, required=False, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        parents: list[tuple[str, str]] | None = None,
        members: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", "account")
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = parents or []
        self.fields["member"].choices = [("", "—"), *(members or [])]
        self.fields["code"].widget.attrs.update(inputmode="numeric", autocomplete="off")


class VoucherForm(forms.Form):
    """The head of a voucher; its lines come from the rows (`voucher_lines_read`)."""

    date = _date_field(_("日期"), required=False)
    summary = forms.CharField(label=_("摘要"), max_length=200, required=False)
    attachments = forms.IntegerField(
        label=_("附单据数"), min_value=0, max_value=999, initial=0, required=False
    )


class VoucherFilter(forms.Form):
    month = forms.RegexField(
        label=_("月份"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *VoucherStatus.choices]
    )


class ReverseForm(forms.Form):
    date = _date_field(_("冲销日期（留空为今天）"), required=False)
    summary = forms.CharField(label=_("摘要（留空自动生成）"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "reverse")
        super().__init__(*args, **kwargs)


class PeriodForm(forms.Form):
    year = forms.IntegerField(min_value=1990, max_value=2100)
    month = forms.IntegerField(min_value=1, max_value=12)


@dataclass
class LineRow:
    """One line row as shown: what was typed, and any error per field."""

    index: int
    account: str = ""
    summary: str = ""
    debit: str = ""
    credit: str = ""
    member: str = ""
    counterparty: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    # Filled in by the view from the book's accounts:
    account_label: str = ""
    needs_member: bool = False
    needs_counterparty: bool = False

    @property
    def blank(self) -> bool:
        return not any((self.account, self.summary, self.debit, self.credit, self.member, self.counterparty))


def line_rows_read(data: Any) -> list[LineRow]:
    """The line rows of a POST or GET, in index order."""
    rows: dict[int, LineRow] = {}
    for key in data:
        match = LINE_KEY.match(key)
        if match:
            index = int(match.group(1))
            row = rows.setdefault(index, LineRow(index))
            setattr(row, match.group(2), str(data.get(key) or "").strip()[:200])
    return [rows[i] for i in sorted(rows)]


def line_rows_of(voucher) -> list[LineRow]:
    """A voucher's lines as rows to edit."""
    return [
        LineRow(
            index=i,
            account=line.account.code,
            summary=line.summary,
            debit=fen_to_yuan_str(line.debit_fen) if line.debit_fen else "",
            credit=fen_to_yuan_str(line.credit_fen) if line.credit_fen else "",
            member=str(line.member_id or ""),
            counterparty=line.counterparty,
        )
        for i, line in enumerate(voucher.lines.select_related("account").order_by("line_no"))
    ]


def _fen(row: LineRow, name: str) -> int:
    text = getattr(row, name)
    if not text:
        return 0
    try:
        return yuan_to_fen(text)
    except InvalidInput as exc:
        row.errors[name] = exc.message
        return 0


def voucher_lines_read(rows: list[LineRow]) -> tuple[list[dict[str, Any]], list[LineRow]]:
    """The services' line dicts of the rows that are not blank, and those rows in the same order (line k of the
    service is kept[k-1]). An amount that is not yuan is marked on its row."""
    kept = [r for r in rows if not r.blank]
    lines = []
    for row in kept:
        member: Any = None
        if row.member:
            member = int(row.member) if row.member.isdigit() else row.member
        lines.append(
            {
                "account": row.account,
                "summary": row.summary,
                "debit_fen": _fen(row, "debit"),
                "credit_fen": _fen(row, "credit"),
                "member": member,
                "counterparty": row.counterparty,
            }
        )
    return lines, kept


def line_totals(rows: list[LineRow]) -> tuple[int, int, bool]:
    """Debit and credit totals in fen of what is typed so far; False when an amount cannot be read."""
    debit = credit = 0
    readable = True
    for row in rows:
        for name in ("debit", "credit"):
            text = getattr(row, name)
            if not text:
                continue
            try:
                fen = yuan_to_fen(text)
            except InvalidInput:
                readable = False
                continue
            if name == "debit":
                debit += fen
            else:
                credit += fen
    return debit, credit, readable
