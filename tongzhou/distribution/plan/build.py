"""From located raw cells to the domain's inputs, and the computation, with every refusal naming its place.

`build_plan` parses every parameter and cell, checks the file's own consistency (required parameters and columns,
duplicate members, declared totals against the rows) and the bylaws against the law through the domain's own
checks, and reports all it found at once. `distribute_plan` runs the domain rules; a refusal there (a loss year)
is reported at the cell it concerns. Either way nothing is computed from a plan with an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tongzhou.coops.domain.bylaws import (
    FULL_BP,
    PATRONAGE_FLOOR_BP,
    REMAINDER_KEYS,
    BylawsTerms,
    check_bylaws,
)
from tongzhou.core.errors import InvalidInput
from tongzhou.distribution.domain import (
    CollectiveDistribution,
    CollectiveYear,
    CooperativeDistribution,
    CooperativeYear,
    IncomeRightShare,
    MemberAccount,
    SecondaryHousehold,
    check_rates,
    distribute_collective,
    distribute_cooperative,
)
from tongzhou.distribution.domain.checks import COLLECTIVE_ART_40, COOP_ART_43

from . import cells
from .cells import CellError, Where, entry, is_blank
from .reading import RawCell, RawPlan, RawRow, plan_rejected
from .spec import (
    CHOICE,
    COLLECTIVE,
    COOPERATIVE,
    FLAG,
    MEMBER_BODIES,
    MEMBER_BY_KEY,
    MEMBER_KIND,
    MONEY,
    PARAMETER_BY_KEY,
    PARAMETERS,
    QUANTITY,
    RATE,
    SIGNED_MONEY,
    SUMMED,
    TEXT,
    YEAR,
)

# The domain's field names → the plan's parameter or member column, to put a domain refusal in its cell.
DOMAIN_PARAMETERS = {
    "surplus_fen": "surplus",
    "income_fen": "surplus",
    "losses_to_make_up_fen": "losses_to_make_up",
    "subsidy_property_fen": "subsidy_property",
    "conversion_bp": "conversion_rate",
    "reserve_rate_bp": "reserve_rate",
    "patronage_share_bp": "patronage_share",
    "transaction_basis": "transaction_basis",
    "secondary_distribution_bp": "secondary_rate",
    "secondary_distribution_target": "secondary_target",
    "reserve_quantified_by": "reserve_quantified_by",
}
DOMAIN_COLUMNS = {
    "capital_fen": "capital",
    "reserve_share_fen": "reserve_share",
    "subsidy_share_fen": "subsidy_share",
    "transactions_amount_fen": "transactions_amount",
    "transactions_quantity": "transactions_quantity",
    "shares": "income_right_shares",
}


@dataclass
class MemberLine:
    """One parsed member row; numbers in fen or as quantities, flags as bools."""

    key: str
    name: str
    values: dict[str, Any]


@dataclass
class Plan:
    """A checked plan: the domain's inputs, and for each parameter and member where it came from."""

    body: str
    year: int
    name: str
    terms: BylawsTerms
    parameters: dict[str, Any]  # the effective values: fen, basis points, choices (defaults filled in)
    cooperative: CooperativeYear | None
    collective: CollectiveYear | None
    members: list[MemberLine]
    raw: RawPlan = field(repr=False)
    rows: dict[str, RawRow] = field(repr=False, default_factory=dict)  # member key → its row


Distribution = CooperativeDistribution | CollectiveDistribution


@dataclass
class PlanResult:
    plan: Plan
    distribution: Distribution


_PARSERS: dict[str, Callable[[RawCell, str], Any]] = {
    MONEY: lambda c, _n: cells.money(c.value),
    SIGNED_MONEY: lambda c, _n: cells.money(c.value, signed=True),
    RATE: lambda c, _n: cells.rate_bp(c.value, percent_format=c.percent),
    QUANTITY: lambda c, _n: cells.quantity(c.value),
    TEXT: lambda c, _n: cells.text(c.value),
    YEAR: lambda c, _n: cells.year(c.value),
    FLAG: lambda c, _n: cells.flag(c.value),
    CHOICE: lambda c, name: cells.choice(c.value, name),
}
_EMPTY = {MONEY: 0, QUANTITY: 0, TEXT: "", FLAG: False}


class _Errors(list):
    def add(self, where: Where, value: object, zh: str, en: str, code: str, **kw: Any) -> None:
        self.append(entry(where, value, zh, en, code, **kw))


def build_plan(raw: RawPlan) -> Plan:
    """Parse and check a plan; raise PlanRejected listing every problem found, or return the plan."""
    errors = _Errors(raw.errors)
    values = _parameters(raw, errors)
    body = values.get("body")
    # The law's check needs every given parameter read and every required one given; row errors do not matter.
    params_ok = body is not None and all(
        p.key in values for p in PARAMETERS if p.key in raw.params or body in p.required
    )
    basis = values.get("transaction_basis", "amount")
    members, rows, column_errors = _members(raw, body, basis, errors)
    _totals(raw, members, column_errors, errors)
    terms = None
    if params_ok and body is not None:
        terms = _terms(body, values)
        try:  # the law's and the bylaws' own checks, reported with the rows' errors
            if body == COOPERATIVE:
                check_rates(terms)
            else:
                check_bylaws(terms)
        except InvalidInput as exc:
            errors.extend(domain_entries(exc, raw, rows))
    if errors:
        raise plan_rejected(list(errors))
    assert body is not None and terms is not None
    effective = _effective(body, values, terms)
    cooperative = collective = None
    secondary = tuple(
        SecondaryHousehold(
            m.key, registered_poor=m.values["registered_poor"], monitored=m.values["monitored"]
        )
        for m in members
        if m.values["registered_poor"] or m.values["monitored"]
    )
    if body == COOPERATIVE:
        cooperative = CooperativeYear(
            surplus_fen=values["surplus"],
            members=tuple(
                MemberAccount(
                    m.key,
                    capital_fen=m.values["capital"],
                    reserve_share_fen=m.values["reserve_share"],
                    subsidy_share_fen=m.values["subsidy_share"],
                    transactions_amount_fen=m.values["transactions_amount"],
                    transactions_quantity=m.values["transactions_quantity"],
                )
                for m in members
            ),
            losses_to_make_up_fen=effective["losses_to_make_up"],
            subsidy_property_fen=effective["subsidy_property"],
            conversion_bp=effective["conversion_rate"],
            secondary_households=secondary,
            reserve_quantified_by=effective["reserve_quantified_by"],
        )
    else:
        collective = CollectiveYear(
            income_fen=values["surplus"],
            shares=tuple(IncomeRightShare(m.key, m.values["income_right_shares"]) for m in members),
            losses_to_make_up_fen=effective["losses_to_make_up"],
            secondary_households=secondary,
        )
    return Plan(
        body=body,
        year=values["year"],
        name=values.get("name", ""),
        terms=terms,
        parameters=effective,
        cooperative=cooperative,
        collective=collective,
        members=members,
        raw=raw,
        rows=rows,
    )


def distribute_plan(plan: Plan) -> PlanResult:
    """The domain's distribution of a checked plan; a refusal (a loss year) raises PlanRejected at its cell."""
    try:
        if plan.cooperative is not None:
            distribution: Distribution = distribute_cooperative(plan.cooperative, plan.terms)
        else:
            assert plan.collective is not None
            distribution = distribute_collective(plan.collective, plan.terms)
    except InvalidInput as exc:
        raise plan_rejected(domain_entries(exc, plan.raw, plan.rows)) from None
    return PlanResult(plan, distribution)


def domain_entries(exc: InvalidInput, raw: RawPlan, rows: dict[str, RawRow]) -> list[dict]:
    """A domain refusal as plan errors: each field it names put at its parameter or member cell."""
    details = exc.details or {}
    fields = details.get("fields") or {
        details.get("field", ""): {
            "message_zh": exc.message_zh,
            "message_en": exc.message_en,
            "code": exc.code,
        }
    }
    member = details.get("member")
    found = []
    for name, e in fields.items():
        article = e.get("article") or details.get("article", "")
        where, value = _locate(name, member, raw, rows)  # the place names the parameter or member cell
        code = e.get("code", exc.code)
        found.append(
            entry(where, value, e["message_zh"], e["message_en"], code, article=article, member=member)
        )
    return found


def _locate(name: str, member: object, raw: RawPlan, rows: dict[str, RawRow]) -> tuple[Where, object]:
    """The place and the value a domain field names."""
    if name == "remainder_split":
        given = [f"remainder_{k}" for k in REMAINDER_KEYS if f"remainder_{k}" in raw.params]
        key = given[0] if given else "remainder_members"
    else:
        key = DOMAIN_PARAMETERS.get(name, "")
    if key:
        cell = raw.params.get(key)
        return raw.param_where(key), "" if cell is None else cell.value
    row = rows.get(member) if isinstance(member, str) else None
    if row is not None:
        column = DOMAIN_COLUMNS.get(name, "member_number")
        cell = row.cells.get(column)
        return raw.cell_where(row, column), "" if cell is None else cell.value
    return Where(), ""


def _parameters(raw: RawPlan, errors: _Errors) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for p in PARAMETERS:
        cell = raw.params.get(p.key)
        if cell is None:
            continue
        try:
            values[p.key] = _PARSERS[p.kind](cell, p.key)
        except CellError as exc:
            errors.add(cell.where, cell.value, exc.zh, exc.en, exc.code)
    body = values.get("body")
    if body is None:
        if "body" not in raw.params:
            errors.add(raw.param_where("body"), "", "缺少参数“主体类型”（合作社或集体经济组织）。",
                       "The parameter body (cooperative or collective) is missing.", "missing_parameter")  # fmt: skip
        return values
    for p in PARAMETERS:
        if body in p.required and p.key not in raw.params:
            errors.add(raw.param_where(p.key), "", f"缺少参数“{p.label}”。", f"The parameter {p.key} is missing.",
                       "missing_parameter")  # fmt: skip
        elif p.key in raw.params and body not in p.bodies:
            errors.add(
                raw.param_where(p.key), raw.params[p.key].value,
                f"参数“{p.label}”不适用于{_body_zh(body)}。", f"The parameter {p.key} does not apply to a {body}.",
                "parameter_not_for_body",
            )  # fmt: skip
    return values


def _body_zh(body: str) -> str:
    return "合作社" if body == COOPERATIVE else "集体经济组织"


def _required_columns(body: str | None, basis: str) -> tuple[str, ...]:
    if body == COOPERATIVE:
        return (
            "member_number",
            "capital",
            "transactions_quantity" if basis == "quantity" else "transactions_amount",
        )
    if body == COLLECTIVE:
        return ("member_number", "income_right_shares")
    return ("member_number",)


def _members(
    raw: RawPlan, body: str | None, basis: str, errors: _Errors
) -> tuple[list[MemberLine], dict[str, RawRow], set[str]]:
    required = _required_columns(body, basis)
    if raw.columns is not None:  # XLSX: the header row says which columns the sheet has
        for key in required:
            if key not in raw.columns:
                column = MEMBER_BY_KEY[key]
                errors.add(Where(sheet=_members_sheet(raw), row=1, column=column.header), "",
                           f"缺少必需的列“{column.header}”。", f"The required column {column.header} ({key}) is missing.",
                           "missing_column")  # fmt: skip
        for key, where in raw.columns.items():
            if body is not None and body not in MEMBER_BODIES[key]:
                errors.add(where, where.column, f"“{where.column}”列不适用于{_body_zh(body)}。",
                           f"The column {where.column} does not apply to a {body}.", "column_not_for_body")  # fmt: skip
    members: list[MemberLine] = []
    by_key: dict[str, RawRow] = {}
    column_errors: set[str] = set()
    wrong_body: set[str] = set()
    for row in raw.rows:
        if raw.columns is None:  # JSON: each member object says which keys it has
            for key in required:
                if key not in row.cells:
                    errors.add(raw.cell_where(row, key), "", f"缺少“{key}”（{MEMBER_BY_KEY[key].header}）。",
                               f"The key {key} is missing.", "missing_key")  # fmt: skip
            for key in row.cells:
                if body is not None and body not in MEMBER_BODIES[key] and key not in wrong_body:
                    wrong_body.add(key)
                    errors.add(raw.cell_where(row, key), "", f"“{key}”不适用于{_body_zh(body)}。",
                               f"The key {key} does not apply to a {body}.", "column_not_for_body")  # fmt: skip
        values: dict[str, Any] = {}
        for key, kind in MEMBER_KIND.items():
            cell = row.cells.get(key)
            if cell is None or is_blank(cell.value):
                values[key] = _EMPTY[kind]
                continue
            try:
                values[key] = _PARSERS[kind](cell, key)
            except CellError as exc:
                column_errors.add(key)
                errors.add(cell.where, cell.value, exc.zh, exc.en, exc.code)
        key = values["member_number"]
        if not key:
            if "member_number" not in column_errors:
                errors.add(raw.cell_where(row, "member_number"), "", "成员编号为空。", "The member number is empty.",
                           "required")  # fmt: skip
            continue
        if key in by_key:
            first = by_key[key].where
            errors.add(
                raw.cell_where(row, "member_number"), key,
                f"成员“{key}”重复（{first.text_zh()}已有），同一成员会被分配两次。",
                f"Member {key} appears twice (first at {first.text_en()}); they would be paid twice.",
                "duplicate_member", article=COOP_ART_43 if body != COLLECTIVE else COLLECTIVE_ART_40, member=key,
            )  # fmt: skip
            continue
        by_key[key] = row
        members.append(MemberLine(key, values.pop("name"), values))
    if not raw.rows and not any(e["code"] in ("missing_members", "no_header") for e in errors):
        errors.add(Where(sheet=_members_sheet(raw)) if raw.kind == "xlsx" else Where(path="members"), "",
                   "没有成员行。", "There are no members.", "no_members")  # fmt: skip
    return members, by_key, column_errors


def _members_sheet(raw: RawPlan) -> str:
    if raw.columns:
        return next(iter(raw.columns.values())).sheet
    return "成员"


def _totals(raw: RawPlan, members: list[MemberLine], column_errors: set[str], errors: _Errors) -> None:
    """A declared total must equal the sum of the rows: a contradiction means a row was lost or mistyped."""
    if raw.totals is None:
        return
    for key, cell in raw.totals.cells.items():
        if key not in SUMMED:
            continue  # the totals row's label and flags are not totals
        if is_blank(cell.value):
            continue
        kind = MEMBER_KIND[key]
        try:
            declared = _PARSERS[kind](cell, key)
        except CellError as exc:
            errors.add(cell.where, cell.value, exc.zh, exc.en, exc.code)
            continue
        if key in column_errors:
            continue  # the rows' sum is unknown while one of its cells is wrong
        total = sum((m.values[key] for m in members), 0)
        if Decimal(total) != Decimal(declared):
            header = MEMBER_BY_KEY[key].header
            shown = _show(total, kind), _show(declared, kind), _show(abs(total - declared), kind)
            errors.add(
                cell.where, cell.value,
                f"合计与各成员行之和不符：合计为{shown[1]}，各行之和为{shown[0]}，相差{shown[2]}（{header}）。",
                f"The declared total {shown[1]} does not equal the sum of the rows, {shown[0]} (a difference of "
                f"{shown[2]}, {MEMBER_BY_KEY[key].key}).",
                "totals_mismatch",
            )  # fmt: skip


def _show(value: Any, kind: str) -> str:
    if kind == MONEY:
        sign = "-" if value < 0 else ""
        whole, part = divmod(abs(int(value)), 100)
        return f"{sign}{whole:,}.{part:02d}元"
    return f"{Decimal(value):f}"


def _terms(body: str, values: dict[str, Any]) -> BylawsTerms:
    if body != COOPERATIVE:
        # A collective has no patronage return nor remainder split: the law's defaults keep its terms valid.
        values = {k: v for k, v in values.items() if COLLECTIVE in PARAMETER_BY_KEY[k].bodies}
    split = {k: values[f"remainder_{k}"] for k in REMAINDER_KEYS if f"remainder_{k}" in values}
    return BylawsTerms(
        reserve_rate_bp=values["reserve_rate"],
        patronage_share_bp=values.get("patronage_share", PATRONAGE_FLOOR_BP),
        transaction_basis=values.get("transaction_basis", "amount"),
        remainder_split=split or {"members": FULL_BP},
        secondary_distribution_bp=values.get("secondary_rate", 0),
        secondary_distribution_target=values.get("secondary_target", "registered_poor"),
    )


def _effective(body: str, values: dict[str, Any], terms: BylawsTerms) -> dict[str, Any]:
    """Every parameter of the body with the value used, defaults filled in: what the result echoes."""
    found: dict[str, Any] = {
        "body": body,
        "name": values.get("name", ""),
        "year": values["year"],
        "surplus": values["surplus"],
        "losses_to_make_up": values.get("losses_to_make_up", 0),
        "reserve_rate": terms.reserve_rate_bp,
        "secondary_rate": terms.secondary_distribution_bp,
        "secondary_target": terms.secondary_distribution_target,
    }
    if body == COOPERATIVE:
        found |= {
            "patronage_share": terms.patronage_share_bp,
            "transaction_basis": terms.transaction_basis,
            "reserve_quantified_by": values.get("reserve_quantified_by", "transactions"),
            **{f"remainder_{k}": terms.remainder_split.get(k, 0) for k in REMAINDER_KEYS},
            "conversion_rate": values.get("conversion_rate", 0),
            "subsidy_property": values.get("subsidy_property", 0),
        }
    return {p.key: found[p.key] for p in PARAMETERS if p.key in found}  # the template's order
