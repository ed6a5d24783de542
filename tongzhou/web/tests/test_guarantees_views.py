"""The guaranteed payments page (保底收益) through Django's test client: the year's preview with the worked example's
figures, booking and paying through the form (lines, vouchers linked, households' income), a refusal shown next to
its field with nothing changed, the link from the distribution page; readers see no forms and get 403 on POST."""

from __future__ import annotations

import pytest

from tongzhou.distribution.models import GuaranteeBooking, HouseholdIncome
from tongzhou.distribution.tests.runs_builders import YEAR
from tongzhou.distribution.tests.test_guarantees_db import build_example, counts

pytestmark = pytest.mark.django_db


def page_url(coop, year=YEAR) -> str:
    return f"/coops/{coop.pk}/distribution/{year}/guarantees/"


def test_the_page_previews_books_and_pays_the_years_guarantees(client, personas):
    ex = build_example(personas)
    client.force_login(personas.cadre_a)
    year_page = client.get(f"/coops/{ex.cooperative.pk}/distribution/{YEAR}/").content.decode()
    assert f'href="{page_url(ex.cooperative)}"' in year_page

    page = client.get(page_url(ex.cooperative))
    assert page.status_code == 200
    html = page.content.decode()
    assert "1,205.48" in html and "750.00" in html and "18.83" in html and "2.50" in html
    assert 'id="book"' in html and 'id="pay"' not in html

    early = client.post(
        page_url(ex.cooperative) + "book/",
        {"book-on": f"{YEAR}-12-31", "book-pay": "on", "book-paid_on": f"{YEAR}-01-01"},
    )
    assert early.status_code == 400 and "发放日期不能早于" in early.content.decode()
    assert counts()["bookings"] == 0

    done = client.post(page_url(ex.cooperative) + "book/", {"book-on": "", "book-pay": "on"})
    assert done.status_code == 302 and done.url == page_url(ex.cooperative)
    booking = GuaranteeBooking.objects.get()
    assert booking.total_fen == 120_548 and booking.paid_on == booking.booked_on
    assert HouseholdIncome.objects.filter(kind="guaranteed_payment").count() == 5
    after = client.get(page_url(ex.cooperative)).content.decode()
    assert 'data-status="paid"' in after and 'id="book"' not in after
    for voucher in [*booking.vouchers.all(), *booking.payment_vouchers.all()]:
        assert f'/vouchers/{voucher.pk}/"' in after


def test_an_unpaid_booking_is_paid_later_through_its_form(client, personas):
    ex = build_example(personas)
    client.force_login(personas.cadre_a)
    client.post(page_url(ex.cooperative) + "book/", {"book-on": f"{YEAR}-12-30"})
    booking = GuaranteeBooking.objects.get()
    assert booking.paid_on is None
    html = client.get(page_url(ex.cooperative)).content.decode()
    assert 'id="pay"' in html and 'id="reverse"' in html
    paid = client.post(f"/distribution/guarantees/{booking.pk}/pay/", {"pay-on": f"{YEAR + 1}-01-08"})
    assert paid.status_code == 302
    booking.refresh_from_db()
    assert str(booking.paid_on) == f"{YEAR + 1}-01-08"


def test_bylaws_without_guarantees_say_so_and_readers_get_no_forms(client, personas):
    ex = build_example(personas, guarantees=())
    client.force_login(personas.cadre_a)
    html = client.get(page_url(ex.cooperative)).content.decode()
    assert "没有约定保底收益" in html and 'id="book"' not in html
    before = counts()
    refused = client.post(page_url(ex.cooperative) + "book/", {"book-on": ""})
    assert refused.status_code == 400 and "没有约定保底收益" in refused.content.decode()
    assert counts() == before

    client.force_login(personas.auditor)
    read = client.get(page_url(ex.cooperative))
    assert read.status_code == 200 and 'id="book"' not in read.content.decode()
    assert client.post(page_url(ex.cooperative) + "book/", {}).status_code == 403
    assert counts() == before
