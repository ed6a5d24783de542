"""Automatic vouchers (issue 4, point 3): every operation of the cooperatives writes its posted voucher in its own
transaction; a refused voucher refuses the operation; the share import writes one voucher per entry, gapless."""

import datetime as dt

import pytest

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.models import Member, MemberStatus, MemberTransaction, ShareClassKind, ShareEntry
from tongzhou.coops.services.shares import (
    member_exit_settle,
    poverty_shares_convert,
    share_inherit,
    share_redeem,
    share_subscribe,
    share_transfer,
)
from tongzhou.coops.services.transactions import transaction_record
from tongzhou.coops.shares_import import shares_import
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, build_share_class
from tongzhou.coops.tests.test_members_import import id_of, write_csv
from tongzhou.core.errors import InvalidInput
from tongzhou.core.testing import COUNTY, build_household
from tongzhou.ledger.domain.auto import AutoLine
from tongzhou.ledger.models import Book, BookAccount, Voucher, VoucherStatus
from tongzhou.ledger.selectors import trial_balance_of
from tongzhou.ledger.services import book_account_add, book_open, period_close
from tongzhou.ledger.services.auto import AutoOperation, post_operation_vouchers
from tongzhou.ledger.services.balances import balances_check
from tongzhou.ledger.testing import post_voucher

D = dt.date
MARCH = D(2025, 3, 1)
SHARE_HEADERS = ["身份证号码", "股份类别", "数量", "日期", "事由"]


@pytest.fixture
def baima(personas):
    """白马村蚕桑专业合作社: cash at ¥100.00 a share, land at ¥1,200.00 a mu, poverty-fund shares at ¥5,000.00;
    王大山 (out of poverty in 2019), 李春花, 赵小河."""
    coop = build_cooperative()
    build_bylaws(coop, poverty_share_conversion_years=5, transfer_to_non_members=False)
    wang = build_household(
        number="0001", head_name="王大山", poverty_registered_year=2014, poverty_exit_year=2019
    )
    return {
        "coop": coop,
        "cash": build_share_class(coop, kind=ShareClassKind.CASH, unit_value_fen=100_00),
        "land": build_share_class(coop, kind=ShareClassKind.LAND, unit_value_fen=1_200_00),
        "poverty": build_share_class(
            coop, kind=ShareClassKind.FISCAL_POVERTY, unit_value_fen=5_000_00, transferable=False
        ),
        "wang": build_member(coop, wang),
        "li": build_member(coop, build_household(number="0002", head_name="李春花")),
        "zhao": build_member(coop, build_household(number="0003", head_name="赵小河")),
    }


def lines_of(voucher):
    """(account, debit, credit, member display name, counterparty) per line."""
    return [
        (x.account.code, x.debit_fen, x.credit_fen, x.member.display_name if x.member else "", x.counterparty)
        for x in voucher.lines.select_related("account", "member").order_by("line_no")
    ]


def subscribe(user, b, who, cls, units, on=MARCH):
    return share_subscribe(
        user=user, member=b[who], share_class=b[cls], units=units, on=on, reason="入社认购"
    )


def voucher_of(source: str) -> Voucher:
    return Voucher.objects.get(source=source)


def test_a_subscription_opens_the_books_from_january_and_posts_its_voucher(personas, baima):
    entry = subscribe(personas.cadre_a, baima, "wang", "cash", "10")
    book = Book.objects.get(cooperative=baima["coop"])
    assert (book.start_year, book.start_month, book.chart.standard) == (2025, 1, "farmers_cooperative")
    voucher = voucher_of(f"coops.ShareEntry:{entry.pk}")
    assert lines_of(voucher) == [("102", 1_000_00, 0, "", ""), ("301", 0, 1_000_00, "王大山", "")]
    assert voucher.summary == "王大山 认购现金股"
    assert (voucher.status, voucher.date, voucher.number, voucher.period.month) == (
        VoucherStatus.POSTED,
        D(2025, 3, 1),
        1,
        3,
    )
    assert voucher.maker == voucher.checker == voucher.poster == personas.cadre_a
    assert AuditEvent.objects.filter(action="ledger.voucher_auto", object_id=str(voucher.pk)).exists()
    land = subscribe(personas.cadre_a, baima, "li", "land", "2.5")
    assert lines_of(voucher_of(f"coops.ShareEntry:{land.pk}")) == [
        ("161", 3_000_00, 0, "", ""),
        ("301", 0, 3_000_00, "李春花", ""),
    ]
    assert voucher_of(f"coops.ShareEntry:{land.pk}").number == 2


def test_a_transfer_and_an_inheritance_post_one_voucher_per_movement_and_none_for_subsidy_shares(
    personas, baima
):
    user = personas.cadre_a
    subscribe(user, baima, "wang", "land", "3")  # ¥3,600.00
    subscribe(user, baima, "wang", "poverty", "1")  # ¥5,000.00 into 311
    out, into = share_transfer(
        user=user,
        from_member=baima["wang"],
        to_member=baima["li"],
        share_class=baima["land"],
        units="1",
        on=D(2025, 4, 1),
        reason="转让",
    )
    assert lines_of(voucher_of(f"coops.ShareEntry:{out.pk}")) == [
        ("301", 1_200_00, 0, "王大山", ""),
        ("301", 0, 1_200_00, "李春花", ""),
    ]
    assert not Voucher.objects.filter(source=f"coops.ShareEntry:{into.pk}").exists()

    before = Voucher.objects.count()
    entries = share_inherit(
        user=user, deceased_member=baima["wang"], heir_member=baima["zhao"], on=D(2025, 5, 1), reason="继承"
    )
    assert len(entries) == 4  # land and poverty, out and in
    assert Voucher.objects.count() == before + 1  # only the capital moves between members' 301
    land_out = next(
        e for e in entries if e.entry_type == "inheritance_out" and e.share_class == baima["land"]
    )
    assert lines_of(voucher_of(f"coops.ShareEntry:{land_out.pk}")) == [
        ("301", 2_400_00, 0, "王大山", ""),
        ("301", 0, 2_400_00, "赵小河", ""),
    ]


def test_poverty_fund_shares_convert_out_of_the_special_fund_into_the_members_capital(personas, baima):
    user = personas.cadre_a
    entry = subscribe(user, baima, "wang", "poverty", "1")
    assert lines_of(voucher_of(f"coops.ShareEntry:{entry.pk}")) == [
        ("235", 5_000_00, 0, "", ""),
        ("311", 0, 5_000_00, "", ""),
    ]
    out, into = poverty_shares_convert(user=user, cooperative=baima["coop"], on=D(2025, 6, 30))
    voucher = voucher_of(f"coops.ShareEntry:{out.pk}")
    assert lines_of(voucher) == [("311", 5_000_00, 0, "", ""), ("301", 0, 5_000_00, "王大山", "")]
    assert voucher.summary == "王大山 财政扶贫资金股转为现金股"


def test_redemption_and_exit_settlement_owe_the_member_capital_and_reserve_but_not_subsidy_shares(
    personas, baima
):
    user = personas.cadre_a
    subscribe(user, baima, "wang", "cash", "10")  # ¥1,000.00
    subscribe(user, baima, "wang", "land", "2.5")  # ¥3,000.00
    subscribe(user, baima, "wang", "poverty", "1")  # ¥5,000.00, never paid back
    redeemed = share_redeem(
        user=user, member=baima["wang"], share_class=baima["cash"], units="4", on=D(2025, 4, 1), reason="退股"
    )
    assert lines_of(voucher_of(f"coops.ShareEntry:{redeemed.pk}")) == [
        ("301", 400_00, 0, "王大山", ""),
        ("114", 0, 400_00, "王大山", ""),
    ]
    Member.objects.filter(pk=baima["wang"].pk).update(
        status=MemberStatus.EXIT_NOTIFIED, exit_notice_on=D(2025, 4, 2), exit_effective_on=D(2025, 9, 30)
    )
    before = Voucher.objects.count()
    member_exit_settle(user=user, member=baima["wang"], on=D(2025, 10, 8), reserve_share_fen=123_45)
    made = Voucher.objects.filter(date=D(2025, 10, 8)).order_by("number")
    assert Voucher.objects.count() == before + 3  # cash, land, reserve: nothing for the poverty shares
    assert [lines_of(v) for v in made] == [
        [("301", 600_00, 0, "王大山", ""), ("114", 0, 600_00, "王大山", "")],
        [("301", 3_000_00, 0, "王大山", ""), ("114", 0, 3_000_00, "王大山", "")],
        [("322", 123_45, 0, "", ""), ("114", 0, 123_45, "王大山", "")],
    ]
    assert [v.number for v in made] == [1, 2, 3]
    assert made[2].source == f"coops.Member:{baima['wang'].pk}:exit_reserve"


def test_member_and_non_member_transactions_post_through_114_and_211(personas, baima):
    user, coop = personas.cadre_a, baima["coop"]
    cocoons = {"kind": "交售", "on": D(2025, 6, 12), "product": "鲜茧", "quantity": "42.5", "unit": "kg"}
    row = transaction_record(user=user, cooperative=coop, member=baima["wang"], unit_price="46.00", **cocoons)
    voucher = voucher_of(f"coops.MemberTransaction:{row.pk}")
    assert lines_of(voucher) == [("121", 1_955_00, 0, "", ""), ("114", 0, 1_955_00, "王大山", "")]
    assert voucher.summary == "王大山 交售鲜茧"
    other = transaction_record(
        user=user, cooperative=coop, counterparty_name="毕节某丝绸公司", unit_price="40.00", **cocoons
    )
    assert lines_of(voucher_of(f"coops.MemberTransaction:{other.pk}")) == [
        ("121", 1_700_00, 0, "", ""),
        ("211", 0, 1_700_00, "", "毕节某丝绸公司"),
    ]


def test_a_closed_month_refuses_the_voucher_and_with_it_the_operation(personas, baima):
    user = personas.cadre_a
    subscribe(user, baima, "wang", "cash", "10", on=D(2025, 1, 5))
    book = Book.objects.get(cooperative=baima["coop"])
    period_close(user=user, book=book, year=2025, month=1)
    with pytest.raises(InvalidInput) as excinfo:
        subscribe(user, baima, "li", "cash", "5", on=D(2025, 1, 20))
    assert excinfo.value.code == "period_closed"
    assert ShareEntry.objects.count() == 1 and Voucher.objects.count() == 1
    with pytest.raises(InvalidInput) as excinfo:
        transaction_record(
            user=user,
            cooperative=baima["coop"],
            member=baima["li"],
            kind="交售",
            on=D(2025, 1, 31),
            product="鲜茧",
            quantity="10",
            unit="kg",
            unit_price="46",
        )
    assert excinfo.value.code == "period_closed"
    assert not MemberTransaction.objects.exists()
    # February is open: the operation and its voucher go through.
    subscribe(user, baima, "li", "cash", "5", on=D(2025, 2, 1))
    assert ShareEntry.objects.count() == 2 and Voucher.objects.count() == 2


def test_an_operation_before_the_books_or_of_a_company_gets_no_voucher(personas, baima):
    user = personas.cadre_a
    subscribe(user, baima, "wang", "cash", "10", on=D(2022, 3, 1))  # before the 2021 standard took effect
    assert not Book.objects.exists()
    subscribe(user, baima, "wang", "cash", "10", on=D(2025, 3, 1))
    subscribe(
        user, baima, "li", "cash", "10", on=D(2024, 12, 31)
    )  # before the book's first month: opening balance
    assert ShareEntry.objects.count() == 3 and Voucher.objects.count() == 1
    company = build_cooperative(
        name="七星关区农业发展有限公司", level="county", legal_form="company", region_code=COUNTY
    )
    member = build_member(company, build_household(number="0009", head_name="孙大河"))
    share_subscribe(
        user=personas.county,
        member=member,
        share_class=build_share_class(company),
        units="1",
        on=D(2025, 3, 1),
        reason="认购",
    )
    assert not Book.objects.filter(cooperative=company).exists()


def test_a_collective_books_capital_without_members_and_its_member_account_is_113(personas):
    coop = build_cooperative(name="白马村股份经济合作社", legal_form="collective_organisation")
    build_bylaws(coop)
    member = build_member(coop, build_household(number="0005", head_name="陈桂兰"))
    cash = build_share_class(coop)
    entry = share_subscribe(
        user=personas.cadre_a, member=member, share_class=cash, units="2", on=D(2025, 3, 1), reason="认购"
    )
    assert Book.objects.get(cooperative=coop).chart.standard == "collective_organisation"
    assert lines_of(voucher_of(f"coops.ShareEntry:{entry.pk}")) == [
        ("102", 200_00, 0, "", ""),
        ("301", 0, 200_00, "", ""),
    ]
    redeemed = share_redeem(
        user=personas.cadre_a, member=member, share_class=cash, units="1", on=D(2025, 4, 1), reason="退股"
    )
    assert lines_of(voucher_of(f"coops.ShareEntry:{redeemed.pk}")) == [
        ("301", 100_00, 0, "", ""),
        ("113", 0, 100_00, "陈桂兰", ""),
    ]


def test_a_book_kept_per_member_gets_the_members_sub_account_added_when_missing(personas, baima):
    user = personas.cadre_a
    book = book_open(user=user, cooperative=baima["coop"], start_year=2025)
    parent = BookAccount.objects.get(book=book, code="301")
    book_account_add(user=user, parent=parent, name="王大山", member=baima["wang"])
    subscribe(user, baima, "wang", "cash", "10")
    subscribe(user, baima, "li", "cash", "3")
    sub = {
        a.member.display_name: a.code
        for a in BookAccount.objects.filter(parent=parent).select_related("member")
    }
    assert sub == {"王大山": "301001", "李春花": "301002"}
    credited = [lines_of(v)[1] for v in Voucher.objects.order_by("number")]
    assert credited == [("301001", 0, 1_000_00, "王大山", ""), ("301002", 0, 300_00, "李春花", "")]


def test_the_share_import_posts_one_voucher_per_entry_numbered_gapless_in_date_order(
    personas, baima, tmp_path
):
    user = personas.cadre_a
    first = subscribe(user, baima, "zhao", "cash", "1", on=D(2025, 3, 2))  # March's voucher 1
    rows = [
        [id_of(baima["wang"].household), "现金股", "10", "2025-03-20", "认购"],
        [id_of(baima["li"].household), "土地经营权股", "2", "2025-03-05", "认购"],
        [id_of(baima["wang"].household), "财政扶贫资金股", "1", "2025-04-01", "认购"],
    ]
    path = write_csv(tmp_path / "shares.csv", rows, SHARE_HEADERS)
    shares_import(user=user, cooperative=baima["coop"], path=path)
    entries = ShareEntry.objects.exclude(pk=first.pk)
    assert entries.count() == 3
    made = list(Voucher.objects.filter(source__in=[f"coops.ShareEntry:{e.pk}" for e in entries]))
    assert len(made) == 3
    numbers = sorted((v.date, v.number) for v in made)
    assert numbers == [(D(2025, 3, 5), 2), (D(2025, 3, 20), 3), (D(2025, 4, 1), 1)]
    assert all(v.status == VoucherStatus.POSTED and v.checker == user for v in made)
    by_date = {v.date: lines_of(v) for v in made}
    assert by_date[D(2025, 3, 5)] == [("161", 2_400_00, 0, "", ""), ("301", 0, 2_400_00, "李春花", "")]
    assert by_date[D(2025, 4, 1)] == [("235", 5_000_00, 0, "", ""), ("311", 0, 5_000_00, "", "")]
    # The counter carries on: the next voucher of March is number 4.
    later = subscribe(user, baima, "zhao", "cash", "1", on=D(2025, 3, 31))
    assert voucher_of(f"coops.ShareEntry:{later.pk}").number == 4


def test_bulk_vouchers_keep_their_date_order_numbers_when_another_voucher_took_ids_between_them(
    personas, baima, monkeypatch
):
    user = personas.cadre_a
    subscribe(user, baima, "zhao", "cash", "1", on=D(2025, 3, 2))  # March's voucher 1
    book = Book.objects.get(cooperative=baima["coop"])
    # A concurrent writer's draft takes an id before each of the batch's vouchers: their ids do not run on.
    insert, others = Voucher.objects.bulk_create, []

    def interleaved(vouchers, batch_size=None):
        made = []
        for voucher in vouchers:
            others.append(
                Voucher.objects.create(
                    book=book, date=D(2025, 3, 3), summary="他人草稿", region_code=book.region_code,
                    county_code=book.county_code,
                )
            )  # fmt: skip
            made += insert([voucher])
        return made

    monkeypatch.setattr(Voucher.objects, "bulk_create", interleaved)
    wang = baima["wang"].pk
    amounts = {D(2025, 3, 20): 300_00, D(2025, 4, 1): 400_00, D(2025, 3, 5): 500_00, D(2025, 3, 31): 600_00}
    made = post_operation_vouchers(
        cooperative=baima["coop"],
        user=user,
        operations=[
            AutoOperation(
                on=on,
                summary=f"入股 {on:%m-%d}",
                lines=[AutoLine("102", fen, 0), AutoLine("301", 0, fen, member_id=wang)],
                source=f"test:{on:%m-%d}",
            )
            for on, fen in amounts.items()
        ],
    )
    assert [made[1].pk - made[0].pk, made[2].pk - made[1].pk] == [2, 2]  # ids 2 apart, numbers 1 apart
    stored = Voucher.objects.filter(pk__in=[v.pk for v in made]).order_by("date")
    assert [(v.date, v.number, v.status, v.period.month, v.poster_id) for v in stored] == [
        (D(2025, 3, 5), 2, VoucherStatus.POSTED, 3, user.pk),
        (D(2025, 3, 20), 3, VoucherStatus.POSTED, 3, user.pk),
        (D(2025, 3, 31), 4, VoucherStatus.POSTED, 3, user.pk),
        (D(2025, 4, 1), 1, VoucherStatus.POSTED, 4, user.pk),
    ]
    assert all(v.checked_at is not None and v.posted_at == v.checked_at for v in stored)
    # The other writer's drafts are left as they were.
    assert set(Voucher.objects.filter(pk__in=[v.pk for v in others]).values_list("status", "number")) == {
        (VoucherStatus.DRAFT, None)
    }
    assert balances_check().agree
    tb = trial_balance_of(user=user, book=book, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31))
    # 102: 100.00 (赵小河's share on 3-02) + 500.00 + 300.00 + 600.00 in March + 400.00 in April = 1,900.00.
    assert tb.balanced and tb.row("102").closing_net_fen == 1_900_00


def test_a_refused_import_voucher_leaves_no_entry_and_no_voucher(personas, baima, tmp_path):
    user = personas.cadre_a
    subscribe(user, baima, "zhao", "cash", "1", on=D(2025, 1, 2))
    period_close(user=user, book=Book.objects.get(cooperative=baima["coop"]), year=2025, month=1)
    rows = [
        [id_of(baima["wang"].household), "现金股", "10", "2025-02-20", "认购"],
        [id_of(baima["li"].household), "现金股", "2", "2025-01-25", "认购"],
    ]
    with pytest.raises(InvalidInput) as excinfo:
        shares_import(
            user=user, cooperative=baima["coop"], path=write_csv(tmp_path / "s.csv", rows, SHARE_HEADERS)
        )
    assert excinfo.value.code == "period_closed"
    assert ShareEntry.objects.count() == 1 and Voucher.objects.count() == 1


def test_the_trial_balance_balances_after_a_mixed_sequence(personas, baima):
    user = personas.cadre_a
    subscribe(user, baima, "wang", "cash", "10", on=D(2025, 1, 10))  # 102 +1,000 / 301 王
    subscribe(user, baima, "li", "land", "2", on=D(2025, 1, 11))  # 161 +2,400 / 301 李
    subscribe(user, baima, "wang", "poverty", "1", on=D(2025, 1, 12))  # 235 5,000 / 311
    share_transfer(
        user=user,
        from_member=baima["li"],
        to_member=baima["zhao"],
        share_class=baima["land"],
        units="1",
        on=D(2025, 2, 1),
        reason="转让",
    )
    poverty_shares_convert(user=user, cooperative=baima["coop"], on=D(2025, 3, 1))  # 311 → 301 王
    share_redeem(
        user=user, member=baima["wang"], share_class=baima["cash"], units="2", on=D(2025, 4, 1), reason="退股"
    )  # 301 王 -200 / 114 王
    transaction_record(
        user=user,
        cooperative=baima["coop"],
        member=baima["li"],
        kind="购买农资",
        on=D(2025, 5, 1),
        product="复合肥",
        quantity="5",
        unit="袋",
        unit_price="120",
    )  # 114 李 600 / 501
    transaction_record(
        user=user,
        cooperative=baima["coop"],
        member=baima["zhao"],
        kind="务工",
        on=D(2025, 6, 1),
        product="采桑",
        quantity="3",
        unit="工日",
        unit_price="150",
    )  # 401 450 / 212
    book = Book.objects.get(cooperative=baima["coop"])
    wang_paid = post_voucher(  # the cooperative pays 王 what it owes him: Dr 114 / Cr 102
        maker=user,
        checker=personas.township,
        book=book,
        date=D(2025, 4, 2),
        summary="支付王大山退股款",
        lines=[
            {"account": "114", "debit_fen": 200_00, "member": baima["wang"].pk},
            {"account": "102", "credit_fen": 200_00},
        ],
    )
    assert wang_paid.number == 2  # after the redemption's voucher of April
    tb = trial_balance_of(user=user, book=book, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31))
    assert tb.balanced
    closing = {r.code: r.closing_net_fen for r in tb.rows if r.closing_net_fen}
    assert closing == {
        "102": 800_00,
        "161": 2_400_00,
        "235": 5_000_00,
        "114": 600_00,
        "401": 450_00,
        "212": -450_00,
        "301": -(1_000_00 + 2_400_00 + 5_000_00 - 200_00),
        "501": -600_00,
    }
    assert tb.totals.period_debit_fen == tb.totals.period_credit_fen
    numbers = {}
    for v in Voucher.objects.filter(book=book).order_by("period__year", "period__month", "number"):
        numbers.setdefault(v.date.month, []).append(v.number)
    assert all(ns == list(range(1, len(ns) + 1)) for ns in numbers.values())
