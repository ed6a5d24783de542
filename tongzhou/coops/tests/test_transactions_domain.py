"""Member transactions as pure rules: worked examples with their numbers (农民专业合作社法 Art. 41, 43–44)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tongzhou.coops.domain import transactions as domain
from tongzhou.core.errors import InvalidInput


def cocoon_sale(**changes):
    data = {
        "kind": "交售",
        "on": "2024-06-12",
        "product": "鲜茧",
        "grade": "一级",
        "quantity": "42.5",
        "unit": "kg",
        "unit_price": "46.00",
        "amount": "",
    }
    data.update(changes)
    return data


def field_errors(data, closed_through_year=None) -> dict:
    with pytest.raises(InvalidInput) as excinfo:
        domain.parse_transaction(data, closed_through_year=closed_through_year)
    return excinfo.value.details["fields"]


def test_a_cocoon_sale_of_42_5_kg_at_46_yuan_comes_to_1955_yuan():
    checked = domain.parse_transaction(cocoon_sale(), closed_through_year=2023)
    assert checked.kind == "sale_to_coop"
    assert checked.on == dt.date(2024, 6, 12) and checked.year == 2024
    assert checked.quantity == Decimal("42.500")
    assert checked.unit_price_fen == 46_00
    assert checked.amount_fen == 1_955_00  # 42.5 × 46.00 = 1,955.00 yuan


def test_a_given_amount_that_agrees_within_one_fen_is_kept():
    assert (
        domain.parse_transaction(cocoon_sale(amount="1955.00"), closed_through_year=None).amount_fen == 195500
    )
    assert (
        domain.parse_transaction(cocoon_sale(amount="1955.01"), closed_through_year=None).amount_fen == 195501
    )


def test_an_amount_that_disagrees_is_refused_naming_both_amounts():
    errors = field_errors(cocoon_sale(amount="1965.00"))
    assert errors["amount"]["code"] == "amount_mismatch"
    assert "1965.00" in errors["amount"]["message_zh"] and "1955.00" in errors["amount"]["message_zh"]
    assert "1965.00" in errors["amount"]["message_en"] and "1955.00" in errors["amount"]["message_en"]


def test_the_computed_amount_rounds_half_up_to_the_fen():
    # 2.5 jin of mulberry leaves at 0.03 yuan → 7.5 fen → 8 fen; 1.234 kg × 0.05 yuan = 6.17 fen → 6 fen
    assert domain.expected_amount_fen(Decimal("2.5"), 3) == 8
    assert domain.expected_amount_fen(Decimal("1.234"), 5) == 6


def test_negative_quantities_and_prices_are_refused():
    assert field_errors(cocoon_sale(quantity="-1"))["quantity"]["code"] == "negative"
    assert field_errors(cocoon_sale(unit_price="-46"))["unit_price"]["code"] == "negative"
    assert field_errors(cocoon_sale(amount="-1955"))["amount"]["code"] == "negative"


def test_a_quantity_with_more_than_three_decimals_or_a_price_with_more_than_two_is_refused():
    assert field_errors(cocoon_sale(quantity="1.2345"))["quantity"]["code"] == "decimals"
    assert field_errors(cocoon_sale(unit_price="46.001"))["unit_price"]["code"] == "decimals"
    assert field_errors(cocoon_sale(quantity="abc"))["quantity"]["code"] == "number"


def test_a_date_in_a_closed_year_is_refused():
    errors = field_errors(cocoon_sale(on="2023-12-31"), closed_through_year=2023)
    assert errors["on"]["code"] == "closed_year" and "2023" in errors["on"]["message_zh"]
    assert domain.parse_transaction(cocoon_sale(on="2024-01-01"), closed_through_year=2023).year == 2024


def test_every_bad_field_is_reported_at_once():
    errors = field_errors(cocoon_sale(kind="赠送", product="", quantity="-2", unit_price="x"))
    assert set(errors) == {"kind", "product", "quantity", "unit_price"}


def test_kinds_are_read_by_code_or_chinese_label():
    assert domain.parse_kind("sale_to_coop") == "sale_to_coop"
    assert domain.parse_kind("成员向合作社购买农资") == "purchase_from_coop"
    assert domain.parse_kind("务工") == "labour"
    assert domain.parse_kind("土地流转租金") == "land_rent"
    with pytest.raises(InvalidInput):
        domain.parse_kind("赠送")


def test_labour_is_counted_in_labour_days_and_land_rent_in_mu():
    labour = domain.parse_transaction(
        cocoon_sale(kind="务工", product="采桑叶", unit="", quantity="12", unit_price="80"),
        closed_through_year=None,
    )
    assert (labour.unit, labour.amount_fen) == ("工日", 960_00)  # 12 days × 80 yuan
    rent = domain.parse_transaction(
        cocoon_sale(kind="land_rent", product="桑园", unit="亩", quantity="3.5", unit_price="300"),
        closed_through_year=None,
    )
    assert (rent.unit, rent.amount_fen) == ("亩", 1050_00)  # 3.5 mu × 300 yuan
    assert field_errors(cocoon_sale(kind="务工", unit="kg"))["unit"]["code"] == "unit"


def test_spreadsheet_numbers_and_dates_are_read_as_shown():
    checked = domain.parse_transaction(
        cocoon_sale(on=dt.datetime(2024, 6, 12), quantity=42.5, unit_price=46, amount=1955.0),
        closed_through_year=None,
    )
    assert (checked.quantity, checked.unit_price_fen, checked.amount_fen) == (Decimal("42.500"), 4600, 195500)


def key(**changes):
    fields = {
        "cooperative_id": 1,
        "member_key": "m7",
        "kind": "sale_to_coop",
        "on": dt.date(2024, 6, 12),
        "product": "鲜茧",
        "grade": "一级",
        "quantity": Decimal("42.5"),
        "unit_price_fen": 4600,
        "amount_fen": 195500,
    }
    fields.update(changes)
    return domain.source_key(**fields)


def test_the_same_row_written_differently_has_the_same_source_key():
    assert key() == key(quantity=Decimal("42.500"), product=" 鲜茧 ")
    assert len(key()) == 64


def test_any_difference_in_the_row_gives_another_source_key():
    assert key() != key(member_key="m8")
    assert key() != key(on=dt.date(2024, 6, 13))
    assert key() != key(quantity=Decimal("42.6"))
    assert key(member_key=domain.member_key(member_id=None, counterparty_name="贵州丝绸公司")) != key()


def test_the_domain_kinds_are_the_models_kinds():
    from tongzhou.coops.models import TransactionKind

    assert {k: v[0] for k, v in domain.KINDS.items()} == {k.value: str(k.label) for k in TransactionKind}
