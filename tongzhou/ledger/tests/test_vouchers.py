"""Vouchers through the services: make, check, post with gapless numbers, reverse; every bad input of the issue
refused with a clear error naming the field or line, and nothing changed."""

import datetime as dt

import pytest
from django.db import transaction

from tongzhou.accounts.models import AuditEvent
from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.core.testing import VILLAGE_B
from tongzhou.ledger.models import Voucher, VoucherLine
from tongzhou.ledger.selectors import trial_balance_of
from tongzhou.ledger.services import (
    book_account_add,
    book_account_set_active,
    period_close,
    voucher_check,
    voucher_create,
    voucher_delete,
    voucher_post,
    voucher_reverse,
    voucher_uncheck,
    voucher_update,
)
from tongzhou.ledger.testing import build_small_coop, post_voucher

pytestmark = pytest.mark.django_db

JAN = dt.date(2025, 1, 10)
CASH_FROM_BANK = [{"account": "101", "debit_fen": 100000}, {"account": "102", "credit_fen": 100000}]


@pytest.fixture
def small(personas):
    return build_small_coop(personas.cadre_a)


def _state():
    return (
        Voucher.objects.count(),
        VoucherLine.objects.count(),
        list(Voucher.objects.order_by("pk").values_list("status", "number", "summary", "checker_id")),
        list(VoucherLine.objects.order_by("pk").values_list("debit_fen", "credit_fen", "account_id")),
        AuditEvent.objects.filter(action__startswith="ledger.voucher").count(),
    )


def _refused(exc_type, fn, **kwargs):
    before = _state()
    with pytest.raises(exc_type) as info, transaction.atomic():  # a savepoint, as a request would have
        fn(**kwargs)
    assert _state() == before, "a refused write changed something"
    return info.value


def test_make_check_post_numbers_vouchers_per_book_and_month(personas, small):
    numbers = []
    for day in (3, 9, 20):
        v = post_voucher(
            maker=personas.cadre_a,
            checker=personas.secretary_a,
            book=small.book,
            date=dt.date(2025, 1, day),
            summary="提取现金",
            lines=CASH_FROM_BANK,
        )
        numbers.append((v.period.month, v.number))
    feb = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=dt.date(2025, 2, 1),
        summary="提取现金",
        lines=CASH_FROM_BANK,
    )
    assert numbers + [(2, feb.number)] == [(1, 1), (1, 2), (1, 3), (2, 1)]
    assert (feb.maker, feb.checker, feb.poster) == (
        personas.cadre_a,
        personas.secretary_a,
        personas.secretary_a,
    )
    assert feb.posted_at and feb.checked_at and feb.made_at
    actions = set(AuditEvent.objects.filter(object_id=str(feb.pk)).values_list("action", flat=True))
    assert {"ledger.voucher_make", "ledger.voucher_check", "ledger.voucher_post"} <= actions


def test_drafts_get_no_number_and_a_deleted_draft_leaves_no_gap(personas, small):
    draft = voucher_create(
        user=personas.cadre_a, book=small.book, date=JAN, summary="草稿", lines=CASH_FROM_BANK
    )
    assert draft.number is None
    voucher_delete(user=personas.cadre_a, voucher=draft)
    v = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=JAN,
        summary="提现",
        lines=CASH_FROM_BANK,
    )
    assert v.number == 1


def test_a_draft_can_change_and_a_change_withdraws_the_check(personas, small):
    v = voucher_create(user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK)
    voucher_check(user=personas.secretary_a, voucher=v)
    v = voucher_update(
        user=personas.cadre_a,
        voucher=v,
        summary="提取备用金",
        lines=[{"account": "101", "debit_fen": 50000}, {"account": "102", "credit_fen": 50000}],
    )
    assert v.checker is None
    assert list(v.lines.values_list("debit_fen", "credit_fen")) == [(50000, 0), (0, 50000)]
    with pytest.raises(Conflict) as info:
        voucher_post(user=personas.secretary_a, voucher=v)
    assert info.value.code == "not_checked"
    voucher_check(user=personas.secretary_a, voucher=v)
    voucher_uncheck(user=personas.secretary_a, voucher=v)
    assert Voucher.objects.get(pk=v.pk).checker is None


def test_the_maker_cannot_check_their_own_voucher(personas, small):
    v = voucher_create(user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK)
    err = _refused(Conflict, voucher_check, user=personas.cadre_a, voucher=v)
    assert err.code == "checker_is_maker"


def test_member_and_counterparty_lines(personas, small):
    v = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=JAN,
        summary="成员入股、赊购化肥",
        lines=[
            {"account": "102", "debit_fen": 5_000_000},
            {"account": "301", "credit_fen": 3_000_000, "member": small.wang},
            {"account": "301", "credit_fen": 2_000_000, "member": small.li.pk},
            {"account": "121", "debit_fen": 500_000},
            {"account": "211", "credit_fen": 500_000, "counterparty": "县农资公司"},
        ],
    )
    lines = list(v.lines.order_by("line_no"))
    assert [line.member_id for line in lines] == [None, small.wang.pk, small.li.pk, None, None]
    assert lines[4].counterparty == "县农资公司"
    assert lines[0].summary == "成员入股、赊购化肥"
    assert {line.region_code for line in lines} == {small.book.region_code}


# ---- the bad input, one by one: refused, named, nothing changed ---------------------------------------


def test_an_unbalanced_voucher_is_refused(personas, small):
    err = _refused(
        InvalidInput,
        voucher_create,
        user=personas.cadre_a,
        book=small.book,
        date=JAN,
        summary="提现",
        lines=[{"account": "101", "debit_fen": 100000}, {"account": "102", "credit_fen": 90000}],
    )
    assert (err.code, err.details["field"]) == ("unbalanced", "lines")


def test_a_line_with_both_debit_and_credit_or_neither_is_refused(personas, small):
    both = [{"account": "101", "debit_fen": 100, "credit_fen": 100}, {"account": "102", "credit_fen": 0}]
    err = _refused(
        InvalidInput,
        voucher_create,
        user=personas.cadre_a,
        book=small.book,
        date=JAN,
        summary="x",
        lines=both,
    )
    assert (err.code, err.details["line"]) == ("line_both_sides", 1)
    neither = [{"account": "101", "debit_fen": 100}, {"account": "102"}]
    err = _refused(
        InvalidInput,
        voucher_create,
        user=personas.cadre_a,
        book=small.book,
        date=JAN,
        summary="x",
        lines=neither,
    )
    assert (err.code, err.details["line"]) == ("line_no_amount", 2)


def test_an_unknown_inactive_or_non_leaf_account_is_refused(personas, small):
    def make(code):
        return _refused(
            InvalidInput,
            voucher_create,
            user=personas.cadre_a,
            book=small.book,
            date=JAN,
            summary="x",
            lines=[{"account": code, "debit_fen": 100}, {"account": "102", "credit_fen": 100}],
        )

    assert make("199").code == "account_unknown"
    assert make("109").code == "account_inactive"  # the standard's optional 其他货币资金, not switched on
    book_account_add(user=personas.cadre_a, parent=small.book.accounts.get(code="121"), name="化肥")
    err = make("121")
    assert (err.code, err.details["line"], err.details["field"]) == ("account_not_leaf", 1, "account")
    assert "末级科目" in err.message_zh and "leaf" in err.message_en


def test_an_account_in_use_by_a_draft_cannot_be_turned_off(personas, small):
    book_account_set_active(user=personas.cadre_a, account=small.book.accounts.get(code="109"), active=True)
    voucher_create(
        user=personas.cadre_a,
        book=small.book,
        date=JAN,
        summary="转入微信收款",
        lines=[{"account": "109", "debit_fen": 100}, {"account": "102", "credit_fen": 100}],
    )
    with pytest.raises(InvalidInput) as info:
        book_account_set_active(
            user=personas.cadre_a, account=small.book.accounts.get(code="109"), active=False
        )
    assert info.value.code == "account_has_drafts"
    assert small.book.accounts.get(code="109").is_active


def test_a_member_line_on_an_account_that_needs_none_and_the_reverse_are_refused(personas, small):
    err = _refused(
        InvalidInput,
        voucher_create,
        user=personas.cadre_a,
        book=small.book,
        date=JAN,
        summary="x",
        lines=[
            {"account": "101", "debit_fen": 100, "member": small.wang},
            {"account": "102", "credit_fen": 100},
        ],
    )
    assert (err.code, err.details["line"], err.details["field"]) == ("member_not_allowed", 1, "member")
    err = _refused(
        InvalidInput,
        voucher_create,
        user=personas.cadre_a,
        book=small.book,
        date=JAN,
        summary="x",
        lines=[{"account": "114", "debit_fen": 100}, {"account": "101", "credit_fen": 100}],
    )
    assert (err.code, err.details["line"]) == ("member_required", 1)


def test_a_member_of_another_organisation_is_refused(personas, small):
    other = build_small_coop(personas.cadre_b, region_code=VILLAGE_B, number="0201")
    err = _refused(
        InvalidInput,
        voucher_create,
        user=personas.cadre_a,
        book=small.book,
        date=JAN,
        summary="x",
        lines=[
            {"account": "114", "debit_fen": 100, "member": other.wang},
            {"account": "101", "credit_fen": 100},
        ],
    )
    assert err.code == "member_of_other_book"


def test_posting_into_a_closed_period_is_refused(personas, small):
    v = voucher_create(user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK)
    voucher_check(user=personas.secretary_a, voucher=v)
    # The draft blocks the close; once it is gone the month closes, and nothing more may go in.
    with pytest.raises(Conflict):
        period_close(user=personas.cadre_a, book=small.book, year=2025, month=1)
    voucher_delete(user=personas.cadre_a, voucher=v)
    period_close(user=personas.cadre_a, book=small.book, year=2025, month=1)
    err = _refused(
        InvalidInput,
        voucher_create,
        user=personas.cadre_a,
        book=small.book,
        date=JAN,
        summary="提现",
        lines=CASH_FROM_BANK,
    )
    assert (err.code, err.details["field"]) == ("period_closed", "date")


def test_editing_or_deleting_a_posted_voucher_is_refused_through_services_and_the_orm(personas, small):
    v = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=JAN,
        summary="提现",
        lines=CASH_FROM_BANK,
    )
    assert _refused(Conflict, voucher_update, user=personas.cadre_a, voucher=v, summary="改").code == (
        "posted_voucher_immutable"
    )
    _refused(Conflict, voucher_delete, user=personas.cadre_a, voucher=v)
    fetched = Voucher.objects.get(pk=v.pk)
    fetched.summary = "改"
    _refused(Conflict, fetched.save)
    _refused(Conflict, Voucher.objects.get(pk=v.pk).delete)
    _refused(Conflict, Voucher.objects.filter(pk=v.pk).update, summary="改")
    _refused(Conflict, Voucher.objects.filter(book=small.book).delete)
    line = VoucherLine.objects.filter(voucher=v).first()
    line.debit_fen = 1
    _refused(Conflict, line.save)
    _refused(Conflict, VoucherLine.objects.filter(voucher=v).first().delete)
    _refused(Conflict, VoucherLine.objects.filter(voucher=v).update, debit_fen=1)
    _refused(Conflict, VoucherLine.objects.filter(voucher=v).delete)
    extra = VoucherLine(
        voucher=v,
        line_no=3,
        account=line.account,
        debit_fen=5,
        book=small.book,
        region_code="x",
        county_code="x",
    )
    _refused(Conflict, extra.save)
    _refused(Conflict, VoucherLine.objects.bulk_update, objs=[line], fields=["debit_fen"])


def test_reversing_creates_red_ink_lines_and_twice_is_refused(personas, small):
    v = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=JAN,
        summary="提现",
        lines=CASH_FROM_BANK,
    )
    reversal = voucher_reverse(user=personas.cadre_a, voucher=v, date=dt.date(2025, 1, 25))
    assert reversal.reverses == v and reversal.status == "draft"
    assert "冲销2025年01月第1号凭证" in reversal.summary
    assert list(
        reversal.lines.order_by("line_no").values_list("account__code", "debit_fen", "credit_fen")
    ) == [
        ("101", -100000, 0),
        ("102", 0, -100000),
    ]
    err = _refused(Conflict, voucher_reverse, user=personas.cadre_a, voucher=v, date=dt.date(2025, 1, 26))
    assert err.code == "already_reversed"
    voucher_check(user=personas.secretary_a, voucher=reversal)
    posted = voucher_post(user=personas.secretary_a, voucher=reversal)
    assert posted.number == 2
    assert _refused(Conflict, voucher_reverse, user=personas.cadre_a, voucher=v).code == "already_reversed"
    assert (
        _refused(Conflict, voucher_reverse, user=personas.cadre_a, voucher=posted).code == "reverse_reversal"
    )
    assert AuditEvent.objects.filter(action="ledger.voucher_reverse", object_id=str(reversal.pk)).exists()
    # the pair nets to nothing
    tb = trial_balance_of(
        user=personas.cadre_a, book=small.book, date_from=dt.date(2025, 1, 1), date_to=JAN.replace(day=31)
    )
    assert tb.row("101").closing_debit_fen == 0 and tb.row("101").period_debit_fen == 0


def test_reversing_a_draft_is_refused(personas, small):
    v = voucher_create(user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK)
    assert _refused(Conflict, voucher_reverse, user=personas.cadre_a, voucher=v).code == "reverse_draft"


def test_a_voucher_of_another_villages_book_is_refused(personas, small):
    v = voucher_create(user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK)
    _refused(
        ScopeDenied,
        voucher_create,
        user=personas.cadre_b,
        book=small.book,
        date=JAN,
        summary="x",
        lines=CASH_FROM_BANK,
    )
    _refused(ScopeDenied, voucher_update, user=personas.cadre_b, voucher=v, summary="x")
    _refused(ScopeDenied, voucher_check, user=personas.cadre_b, voucher=v)
    _refused(ScopeDenied, voucher_delete, user=personas.cadre_b, voucher=v)
    _refused(ScopeDenied, voucher_check, user=personas.auditor, voucher=v)
    _refused(
        ScopeDenied,
        voucher_create,
        user=personas.outsider,
        book=small.book,
        date=JAN,
        summary="x",
        lines=CASH_FROM_BANK,
    )
    voucher_check(user=personas.township, voucher=v)  # the township officer over village A may
    _refused(ScopeDenied, voucher_post, user=personas.cadre_b, voucher=v)
    posted = voucher_post(user=personas.county, voucher=v)
    _refused(ScopeDenied, voucher_reverse, user=personas.cadre_b, voucher=posted)
    with pytest.raises(ScopeDenied):
        trial_balance_of(user=personas.cadre_b, book=small.book, date_from=JAN, date_to=JAN)
    assert trial_balance_of(user=personas.auditor, book=small.book, date_from=JAN, date_to=JAN).balanced


def test_other_bad_fields_are_named(personas, small):
    def make(**kw):
        args = {
            "user": personas.cadre_a,
            "book": small.book,
            "date": JAN,
            "summary": "提现",
            "lines": CASH_FROM_BANK,
        }
        args.update(kw)
        return _refused(InvalidInput, voucher_create, **args)

    assert make(summary="  ").details["field"] == "summary"
    assert make(date="2025-01-10").code == "date_invalid"
    assert make(date=dt.date(2024, 12, 31)).code == "date_before_book"
    assert make(attachments=-1).details["field"] == "attachments"
    assert make(lines=CASH_FROM_BANK[:1]).code == "too_few_lines"
    assert make(
        lines=[{"account": "101", "debit_fen": "100"}, {"account": "102", "credit_fen": 100}]
    ).code == ("amount_invalid")
    assert make(lines=[{"account": "101", "debit_fen": 100, "member": 999999}, CASH_FROM_BANK[1]]).code == (
        "member_unknown"
    )
    assert make(lines=[{"account": "101", "debit_fen": 100}, {"account": "211", "credit_fen": 100}]).code == (
        "counterparty_required"
    )


def test_the_trial_balance_of_a_small_cooperatives_january(personas, small):
    """The worked example of test_voucher_rules, now through the services and the database."""
    bank = book_account_add(
        user=personas.cadre_a, parent=small.book.accounts.get(code="102"), name="农商行基本户"
    )

    def post(day, summary, lines):
        post_voucher(
            maker=personas.cadre_a,
            checker=personas.secretary_a,
            book=small.book,
            date=dt.date(2025, 1, day),
            summary=summary,
            lines=lines,
        )

    post(
        5,
        "王大山入股",
        [
            {"account": bank, "debit_fen": 3_000_000},
            {"account": "301", "credit_fen": 3_000_000, "member": small.wang},
        ],
    )
    post(
        10,
        "赊购化肥",
        [
            {"account": "121", "debit_fen": 500_000},
            {"account": "211", "credit_fen": 500_000, "counterparty": "县农资公司"},
        ],
    )
    post(
        15,
        "销售蚕茧",
        [{"account": bank.code, "debit_fen": 800_000}, {"account": "501", "credit_fen": 800_000}],
    )
    post(
        20,
        "提取现金",
        [{"account": "101", "debit_fen": 100_000}, {"account": bank.pk, "credit_fen": 100_000}],
    )
    post(
        25, "支付办公费", [{"account": "523", "debit_fen": 30_000}, {"account": "101", "credit_fen": 30_000}]
    )
    tb = trial_balance_of(
        user=personas.cadre_a, book=small.book, date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31)
    )
    assert tb.row("102").closing_debit_fen == 3_700_000
    assert tb.row("101").closing_debit_fen == 70_000
    assert tb.row("211").closing_credit_fen == 500_000
    assert tb.row("301").closing_credit_fen == 3_000_000
    assert (tb.totals.period_debit_fen, tb.totals.closing_debit_fen, tb.totals.closing_credit_fen) == (
        4_430_000,
        4_300_000,
        4_300_000,
    )
    feb = trial_balance_of(
        user=personas.cadre_a, book=small.book, date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 2, 28)
    )
    assert feb.row("102").opening_debit_fen == 3_700_000 and feb.totals.period_debit_fen == 0
