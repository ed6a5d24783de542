"""The guaranteed payments API (保底收益) through its real endpoints: the worked example's preview, booking and paying
(exact fen, vouchers, income lines), a second booking refused, a reversal, scoping, and bad input answered in the one
error format with nothing changed."""

from __future__ import annotations

import pytest

from tongzhou.distribution.models import GuaranteedPayment, HouseholdIncome
from tongzhou.distribution.tests.runs_builders import YEAR
from tongzhou.distribution.tests.test_guarantees_db import build_example, counts

from .calling import Caller, error_of

pytestmark = pytest.mark.django_db


def test_preview_book_and_pay_with_the_worked_examples_figures(personas):
    ex = build_example(personas)
    caller = Caller(personas.cadre_a)
    coop_id = ex.cooperative.pk

    preview = caller.get(f"/coops/{coop_id}/guarantees/preview", year=YEAR)
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["total"] == "1205.48" and body["total_fen"] == 120_548
    assert [
        (x["member_id"], x["share_class"], x["units"], x["rate"], x["amount_fen"]) for x in body["lines"]
    ] == [
        (ex.wang.pk, "land", "2.50", "300.00", 75_000),
        (ex.li.pk, "fiscal_poverty", "3.00", "12.55", 3_765),
        (ex.li.pk, "land", "1.00", "300.00", 30_000),
        (ex.zhang.pk, "fiscal_poverty", "1.50", "12.55", 1_883),
        (ex.zhang.pk, "land", "0.33", "300.00", 9_900),
    ]
    assert counts()["bookings"] == 0

    booked = caller.post(f"/coops/{coop_id}/guarantee-bookings", {"year": YEAR})
    assert booked.status_code == 201, booked.content
    booking = booked.json()
    assert booking["status"] == "booked" and booking["booked_on"] == f"{YEAR}-12-31"
    assert booking["total_fen"] == 120_548 and len(booking["voucher_ids"]) == 1 and len(booking["lines"]) == 5

    twice = caller.post(f"/coops/{coop_id}/guarantee-bookings", {"year": YEAR})
    assert twice.status_code == 409 and error_of(twice)["code"] == "guarantees_already_booked"

    early = caller.post(f"/guarantee-bookings/{booking['id']}/pay", {"on": f"{YEAR}-12-01"})
    assert early.status_code == 400 and "on" in error_of(early)["details"]["fields"]
    paid = caller.post(f"/guarantee-bookings/{booking['id']}/pay", {"on": f"{YEAR + 1}-01-10"})
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "paid" and len(paid.json()["payment_voucher_ids"]) == 1
    assert sorted(HouseholdIncome.objects.values_list("amount_fen", flat=True)) == [
        1_883,
        3_765,
        9_900,
        30_000,
        75_000,
    ]

    income = caller.get(f"/households/{ex.li.household_id}/income", year=YEAR).json()
    assert sorted((x["kind"], x["amount_fen"]) for x in income["results"]) == [
        ("guaranteed_payment", 3_765),
        ("guaranteed_payment", 30_000),
    ]
    paid_lines = set(GuaranteedPayment.objects.filter(booking_id=booking["id"]).values_list("pk", flat=True))
    assert all(x["guarantee_id"] in paid_lines and x["payment_id"] is None for x in income["results"])
    listed = caller.get(f"/coops/{coop_id}/guarantee-bookings", year=YEAR).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == booking["id"]
    refused = caller.post(f"/guarantee-bookings/{booking['id']}/reverse", {})
    assert refused.status_code == 409 and error_of(refused)["code"] == "guarantees_paid"


def test_an_unpaid_booking_is_reversed_and_the_year_booked_again(personas):
    ex = build_example(personas)
    caller = Caller(personas.cadre_a)
    first = caller.post(f"/coops/{ex.cooperative.pk}/guarantee-bookings", {"year": YEAR}).json()
    undone = caller.post(f"/guarantee-bookings/{first['id']}/reverse", {})
    assert undone.status_code == 200 and undone.json()["status"] == "reversed"
    assert len(undone.json()["reversal_voucher_ids"]) == 1
    again = caller.post(
        f"/coops/{ex.cooperative.pk}/guarantee-bookings", {"year": YEAR, "pay": True, "on": f"{YEAR}-12-30"}
    )
    assert again.status_code == 201 and again.json()["status"] == "paid"
    assert again.json()["paid_on"] == f"{YEAR}-12-30"


def test_refusals_answer_in_the_one_error_format_and_change_nothing(personas):
    ex = build_example(personas, guarantees=())
    caller = Caller(personas.cadre_a, lang="en")
    coop_id = ex.cooperative.pk
    before = counts()
    none = caller.post(f"/coops/{coop_id}/guarantee-bookings", {"year": YEAR})
    assert none.status_code == 400
    error = error_of(none)
    assert error["code"] == "no_guarantees" and "guaranteed payments" in error["message"]
    assert "article" in error["details"]
    preview = caller.get(f"/coops/{coop_id}/guarantees/preview", year=YEAR)
    assert preview.status_code == 400 and error_of(preview)["code"] == "no_guarantees"
    unknown = caller.post(f"/coops/{coop_id}/guarantee-bookings", {"year": YEAR, "amount": "1"})
    assert unknown.status_code == 422
    error_of(unknown)
    outsider = Caller(personas.cadre_b).post(f"/coops/{coop_id}/guarantee-bookings", {"year": YEAR})
    assert outsider.status_code in (403, 404)
    error_of(outsider)
    anonymous = Caller().get(f"/coops/{coop_id}/guarantees/preview", year=YEAR)
    assert anonymous.status_code == 401
    assert counts() == before
