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


def test_a_draft_computed_before_the_guarantees_were_booked_says_it_is_out_of_date(client, personas):
    """The run read ¥100,000.00 from the books; the guarantees booked since take ¥1,205.48 off the year's surplus, so
    its page says so with both figures until the draft is recomputed."""
    from tongzhou.distribution.services import run_compute, surplus_in_books_now
    from tongzhou.distribution.services.guarantees import guarantees_book
    from tongzhou.distribution.tests.runs_builders import post_year

    ex = build_example(personas)
    post_year(personas, ex.book, income_fen=15_000_000, cost_fen=5_000_000)
    run = run_compute(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    assert run.inputs["surplus_fen"] == 10_000_000
    assert surplus_in_books_now(user=personas.cadre_a, run=run) is None
    client.force_login(personas.cadre_a)
    year_url = f"/coops/{ex.cooperative.pk}/distribution/{YEAR}/"
    assert "stale-surplus" not in client.get(year_url).content.decode()

    guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR, pay=True)
    assert surplus_in_books_now(user=personas.cadre_a, run=run) == 10_000_000 - 120_548
    html = client.get(year_url).content.decode()
    assert "本方案按本年盈余 ¥100,000.00 计算；此后账簿中的本年盈余已变为 ¥98,794.52" in html
    assert "请重新计算草稿。" in html

    run = run_compute(user=personas.cadre_a, body=ex.cooperative, year=YEAR, run=run)
    assert run.inputs["surplus_fen"] == 10_000_000 - 120_548
    assert "stale-surplus" not in client.get(year_url).content.decode()
