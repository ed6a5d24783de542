"""The worked example of the statements: a small sericulture cooperative through 2025, textbook style (amounts in
yuan in the comments, fen in the code).

  1-05  成员入股：王大山 50,000、李小花 30,000 存入银行         借 102 80,000  贷 301 股金（王 50,000，李 30,000）
  1-06  提取现金                                            借 101 5,000   贷 102 5,000
  2-10  向王大山收购蚕茧，货款暂欠                           借 121 20,000  贷 114 成员往来—王大山 20,000
  3-15  销售蚕茧，款存银行                                   借 102 36,000  贷 501 经营收入 36,000
  3-15  结转销售成本                                         借 521 经营支出 20,000  贷 121 20,000
  4-01  支付王大山部分货款                                   借 114 成员往来—王大山 15,000  贷 102 15,000
  5-20  李小花借支现金                                       借 114 成员往来—李小花 2,000   贷 101 2,000
  6-30  支付办公费                                           借 523 管理费用 3,000  贷 102 3,000
  7-10  收到县农业农村局奖励                                 借 102 1,000   贷 502 其他收入 1,000
  8-01  购入烘茧机                                           借 151 10,000  贷 102 10,000
  12-31 计提折旧                                             借 523 1,000   贷 152 1,000
  12-31 计提税金及附加                                       借 522 200     贷 214 200
  12-31 支付银行手续费                                       借 524 100     贷 102 100
  12-31 盈余分配（成员大会决议）：提取盈余公积 1,270；按交易额返还王大山 7,000；剩余盈余按股分配王 1,500、李 900
        借 332 盈余分配 10,670  贷 322 1,270  贷 221（王）7,000  贷 222（王）1,500  贷 222（李）900
  year close: 本年盈余 = 36,000 + 1,000 − 20,000 − 200 − 4,000 − 100 = 12,700 → 331 → 332
"""

from __future__ import annotations

import datetime as dt

from tongzhou.ledger.services import book_account_add, period_close
from tongzhou.ledger.testing import build_small_coop, post_voucher

Y = 100  # fen per yuan


def build_worked_year(personas, *, region_code=None, number="0001"):
    """The worked year in village A (kept by cadre_a, checked by secretary_a), or in another village of the
    township (kept by cadre_b, checked by the administrator)."""
    kwargs = {"region_code": region_code} if region_code else {}
    maker, checker = (
        (personas.cadre_b, personas.admin) if region_code else (personas.cadre_a, personas.secretary_a)
    )
    small = build_small_coop(maker, number=number, **kwargs)
    book, wang, li = small.book, small.wang, small.li
    parent = book.accounts.get(code="114")
    book_account_add(user=maker, parent=parent, name="王大山", member=wang)
    book_account_add(user=maker, parent=parent, name="李小花", member=li)

    def post(month, day, summary, lines):
        return post_voucher(
            maker=maker,
            checker=checker,
            book=book,
            date=dt.date(2025, month, day),
            summary=summary,
            lines=lines,
        )

    post(
        1,
        5,
        "成员入股",
        [
            {"account": "102", "debit_fen": 80000 * Y},
            {"account": "301", "credit_fen": 50000 * Y, "member": wang},
            {"account": "301", "credit_fen": 30000 * Y, "member": li},
        ],
    )
    post(
        1,
        6,
        "提取现金",
        [{"account": "101", "debit_fen": 5000 * Y}, {"account": "102", "credit_fen": 5000 * Y}],
    )
    post(
        2,
        10,
        "收购王大山蚕茧",
        [
            {"account": "121", "debit_fen": 20000 * Y},
            {"account": "114001", "credit_fen": 20000 * Y, "member": wang},
        ],
    )
    post(
        3,
        15,
        "销售蚕茧",
        [{"account": "102", "debit_fen": 36000 * Y}, {"account": "501", "credit_fen": 36000 * Y}],
    )
    post(
        3,
        15,
        "结转销售成本",
        [{"account": "521", "debit_fen": 20000 * Y}, {"account": "121", "credit_fen": 20000 * Y}],
    )
    post(
        4,
        1,
        "支付王大山货款",
        [
            {"account": "114001", "debit_fen": 15000 * Y, "member": wang},
            {"account": "102", "credit_fen": 15000 * Y},
        ],
    )
    post(
        5,
        20,
        "李小花借支",
        [
            {"account": "114002", "debit_fen": 2000 * Y, "member": li},
            {"account": "101", "credit_fen": 2000 * Y},
        ],
    )
    post(
        6,
        30,
        "支付办公费",
        [{"account": "523", "debit_fen": 3000 * Y}, {"account": "102", "credit_fen": 3000 * Y}],
    )
    post(
        7,
        10,
        "收到奖励",
        [{"account": "102", "debit_fen": 1000 * Y}, {"account": "502", "credit_fen": 1000 * Y}],
    )
    post(
        8,
        1,
        "购入烘茧机",
        [{"account": "151", "debit_fen": 10000 * Y}, {"account": "102", "credit_fen": 10000 * Y}],
    )
    post(
        12,
        31,
        "计提折旧",
        [{"account": "523", "debit_fen": 1000 * Y}, {"account": "152", "credit_fen": 1000 * Y}],
    )
    post(
        12,
        31,
        "计提税金及附加",
        [{"account": "522", "debit_fen": 200 * Y}, {"account": "214", "credit_fen": 200 * Y}],
    )
    post(
        12,
        31,
        "银行手续费",
        [{"account": "524", "debit_fen": 100 * Y}, {"account": "102", "credit_fen": 100 * Y}],
    )
    post(
        12,
        31,
        "盈余分配",
        [
            {"account": "332", "debit_fen": 10670 * Y},
            {"account": "322", "credit_fen": 1270 * Y},
            {"account": "221", "credit_fen": 7000 * Y, "member": wang},
            {"account": "222", "credit_fen": 1500 * Y, "member": wang},
            {"account": "222", "credit_fen": 900 * Y, "member": li},
        ],
    )
    return small


def close_months(personas, book, year=2025, through=11, user=None):
    for month in range(1, through + 1):
        period_close(user=user or personas.cadre_a, book=book, year=year, month=month)
