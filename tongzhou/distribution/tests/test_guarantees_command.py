"""`tongzhou guarantees` through call_command: the worked example's preview, booking and paying (exact yuan), paying
a booking later, a reversal, and the refusals (a CommandError with the code and both messages, nothing changed)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tongzhou.distribution.models import GuaranteeBooking, HouseholdIncome

from .runs_builders import YEAR
from .test_guarantees_db import build_example, counts


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setenv("TONGZHOU_LANG", "zh-hans")


def guarantees(*args, user) -> str:
    out = StringIO()
    call_command(
        "guarantees", *[str(a) for a in args], "--user", user.username, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def refused(*args, user) -> str:
    with pytest.raises(CommandError) as error:
        guarantees(*args, user=user)
    return str(error.value)


@pytest.mark.django_db
def test_preview_then_book_and_pay_in_one_step(personas):
    ex = build_example(personas)
    coop = ex.cooperative.pk
    shown = guarantees(coop, "--year", YEAR, user=personas.cadre_a)
    assert "试算" in shown and "1,205.48" in shown and "750.00" in shown and "18.83" in shown
    assert GuaranteeBooking.objects.count() == 0

    done = guarantees(
        coop, "--year", YEAR, "--book", "--pay", "--paid-on", f"{YEAR + 1}-01-05", user=personas.cadre_a
    )
    assert "已记账并发放" in done and "1,205.48" in done
    booking = GuaranteeBooking.objects.get()
    assert booking.total_fen == 120_548 and str(booking.paid_on) == f"{YEAR + 1}-01-05"
    assert HouseholdIncome.objects.filter(kind="guaranteed_payment").count() == 5

    before = counts()
    again = refused(coop, "--year", YEAR, "--book", user=personas.cadre_a)
    assert again.startswith("guarantees_already_booked:") and "/ The guaranteed payments" in again
    assert refused("--booking", booking.pk, "--reverse", user=personas.cadre_a).startswith("guarantees_paid:")
    assert counts() == before


@pytest.mark.django_db
def test_a_booking_is_paid_later_or_reversed(personas):
    ex = build_example(personas)
    guarantees(ex.cooperative.pk, "--year", YEAR, "--book", "--on", f"{YEAR}-12-30", user=personas.cadre_a)
    booking = GuaranteeBooking.objects.get()
    assert str(booking.booked_on) == f"{YEAR}-12-30" and booking.paid_on is None
    undone = guarantees("--booking", booking.pk, "--reverse", user=personas.cadre_a)
    assert "已冲销" in undone
    guarantees(ex.cooperative.pk, "--year", YEAR, "--book", user=personas.cadre_a)
    second = GuaranteeBooking.objects.get(reversed_on__isnull=True)
    paid = guarantees("--booking", second.pk, "--pay", "--on", f"{YEAR + 1}-01-10", user=personas.cadre_a)
    assert "已发放" in paid and HouseholdIncome.objects.count() == 5


@pytest.mark.django_db
def test_refusals_change_nothing(personas):
    ex = build_example(personas, guarantees=())
    before = counts()
    assert refused(ex.cooperative.pk, "--year", YEAR, "--book", user=personas.cadre_a).startswith(
        "no_guarantees:"
    )
    assert refused(ex.cooperative.pk, "--year", YEAR, user=personas.cadre_b).startswith("forbidden:")
    assert refused(ex.cooperative.pk, user=personas.cadre_a).startswith("year_required:")
    assert refused(ex.cooperative.pk, "--year", YEAR, "--pay", user=personas.cadre_a).startswith(
        "option_not_for_mode:"
    )
    assert refused(
        ex.cooperative.pk, "--year", YEAR, "--book", "--on", "31/12", user=personas.cadre_a
    ).startswith("date_invalid:")
    assert counts() == before
