"""Test builders for the books: a cooperative with members and an open book, written through the services."""

from __future__ import annotations

from dataclasses import dataclass

from tongzhou.coops.models import Cooperative, Member
from tongzhou.coops.testing import build_cooperative, build_member
from tongzhou.core.testing import VILLAGE_A, build_household

from .models import Book
from .services import book_open, charts_load_shipped, voucher_check, voucher_create, voucher_post


@dataclass
class SmallCoop:
    cooperative: Cooperative
    book: Book
    wang: Member  # 王大山
    li: Member  # 李小花


def build_small_coop(
    maker, *, region_code: str = VILLAGE_A, start_year: int = 2025, start_month: int = 1, number: str = "0001"
) -> SmallCoop:
    """白马村蚕桑专业合作社 with two member households and its books opened by `maker` from `start_year`-`start_month`."""
    charts_load_shipped()
    coop = build_cooperative(region_code=region_code, name=f"{region_code[-3:]}村蚕桑专业合作社")
    wang = build_member(coop, build_household(village_code=region_code, number=number, head_name="王大山"))
    li = build_member(
        coop, build_household(village_code=region_code, number=f"{int(number) + 1:04d}", head_name="李小花")
    )
    book = book_open(user=maker, cooperative=coop, start_year=start_year, start_month=start_month)
    return SmallCoop(coop, book, wang, li)


def post_voucher(*, maker, checker, book: Book, date, summary: str, lines: list[dict]):
    """Make, check and post one voucher."""
    voucher = voucher_create(user=maker, book=book, date=date, summary=summary, lines=lines)
    voucher_check(user=checker, voucher=voucher)
    return voucher_post(user=checker, voucher=voucher)
