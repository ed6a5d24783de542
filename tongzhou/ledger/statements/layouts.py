"""The official statement forms as data: per line its 行次 (line number), its label and its formula.

A formula is a sum of signed terms:
- `101`: the balance of account 101 and everything below it, debit positive (on the liability side `-201` reads the
  credit balance);
- `D114` / `C114`: the debit (resp. credit) balances of 114's leaf accounts only, each positive: 成员往来 stands
  with the receivables where a member owes, with the payables where the cooperative owes;
- `PL`: the balance of every profit-and-loss account (debit positive): the year's result not yet carried;
- `L7`: the value of line 7 of the same form.
On the surplus and income forms a plain code is the period's movement in the account's own direction (income
credit, cost debit), the year-close vouchers left out, and
- `O332`: the credit balance of 332 when the period opens;
- `T322`: the credits on 322 in the vouchers that debit the distribution account (提取盈余公积 and the like);
- `IN`: the debits on their other accounts (transfers in, e.g. 盈余公积补亏), the year's result account left out;
- `OUTX`: their credits on accounts that no `T` term of the form names.
A line without a formula is a heading.

Line labels follow the standards' forms (农民专业合作社会计制度 附录二, 农村集体经济组织会计制度 附录二); the
rows come in the forms' order and are numbered 1, 2, … in that order.
"""

from __future__ import annotations

from .data import COLLECTIVE, COOPERATIVE

Line = tuple[int | None, str, str | None]

COOPERATIVE_ASSETS: tuple[Line, ...] = (
    (None, "流动资产：", None),
    (1, "货币资金", "101+102+109"),
    (2, "应收款项", "113+D114"),
    (3, "存货", "121+122+124+125+127+128+401"),
    (4, "消耗性生物资产", "141"),
    (5, "流动资产合计", "L1+L2+L3+L4"),
    (None, "非流动资产：", None),
    (6, "对外投资", "131"),
    (7, "生产性生物资产原值", "142"),
    (8, "减：生产性生物资产累计折旧", "-143"),
    (9, "生产性生物资产净值", "L7-L8"),
    (10, "公益性生物资产", "144"),
    (11, "固定资产原值", "151"),
    (12, "减：累计折旧", "-152"),
    (13, "固定资产净值", "L11-L12"),
    (14, "在建工程", "153"),
    (15, "固定资产清理", "154"),
    (16, "无形资产原值", "161"),
    (17, "减：累计摊销", "-162"),
    (18, "无形资产净值", "L16-L17"),
    (19, "长期待摊费用", "171"),
    (20, "待处理财产损溢", "181"),
    (21, "非流动资产合计", "L6+L9+L10+L13+L14+L15+L18+L19+L20"),
    (22, "资产总计", "L5+L21"),
)

COOPERATIVE_CLAIMS: tuple[Line, ...] = (
    (None, "流动负债：", None),
    (31, "短期借款", "-201"),
    (32, "应付款项", "-211+C114"),
    (33, "应付工资", "-212"),
    (34, "应付劳务费", "-213"),
    (35, "应交税费", "-214"),
    (36, "应付利息", "-215"),
    (37, "应付盈余返还", "-221"),
    (38, "应付剩余盈余", "-222"),
    (39, "流动负债合计", "L31+L32+L33+L34+L35+L36+L37+L38"),
    (None, "非流动负债：", None),
    (40, "长期借款", "-231"),
    (41, "专项应付款", "-235"),
    (42, "非流动负债合计", "L40+L41"),
    (43, "负债合计", "L39+L42"),
    (None, "所有者权益：", None),
    (44, "股金", "-301"),
    (45, "专项基金", "-311"),
    (46, "资本公积", "-321"),
    (47, "盈余公积", "-322"),
    (48, "未分配盈余", "-331-332-PL"),
    (49, "所有者权益合计", "L44+L45+L46+L47+L48"),
    (50, "负债和所有者权益总计", "L43+L49"),
)

COLLECTIVE_ASSETS: tuple[Line, ...] = (
    (None, "流动资产：", None),
    (1, "货币资金", "101+102"),
    (2, "短期投资", "111"),
    (3, "应收款项", "112+D113"),
    (4, "存货", "121+401"),
    (5, "消耗性生物资产", "131"),
    (6, "流动资产合计", "L1+L2+L3+L4+L5"),
    (None, "非流动资产：", None),
    (7, "长期投资", "141"),
    (8, "生产性生物资产原值", "132"),
    (9, "减：生产性生物资产累计折旧", "-133"),
    (10, "生产性生物资产净值", "L8-L9"),
    (11, "公益性生物资产", "134"),
    (12, "固定资产原值", "151"),
    (13, "减：累计折旧", "-152"),
    (14, "固定资产净值", "L12-L13"),
    (15, "在建工程", "153"),
    (16, "固定资产清理", "154"),
    (17, "无形资产原值", "161"),
    (18, "减：累计摊销", "-162"),
    (19, "无形资产净值", "L17-L18"),
    (20, "长期待摊费用", "171"),
    (21, "待处理财产损溢", "181"),
    (22, "非流动资产合计", "L7+L10+L11+L14+L15+L16+L19+L20+L21"),
    (23, "资产总计", "L6+L22"),
)

COLLECTIVE_CLAIMS: tuple[Line, ...] = (
    (None, "流动负债：", None),
    (31, "短期借款", "-201"),
    (32, "应付款项", "-211+C113"),
    (33, "应付工资", "-212"),
    (34, "应付劳务费", "-213"),
    (35, "应交税费", "-214"),
    (36, "流动负债合计", "L31+L32+L33+L34+L35"),
    (None, "非流动负债：", None),
    (37, "长期借款及应付款", "-221"),
    (38, "一事一议资金", "-231"),
    (39, "专项应付款", "-241"),
    (40, "非流动负债合计", "L37+L38+L39"),
    (41, "负债合计", "L36+L40"),
    (None, "所有者权益：", None),
    (42, "资本", "-301"),
    (43, "公积公益金", "-311"),
    (44, "未分配收益", "-321-322-PL"),
    (45, "所有者权益合计", "L42+L43+L44"),
    (46, "负债和所有者权益总计", "L41+L45"),
)

# 盈余及盈余分配表 (DOMAIN.md §3, in that order).
COOPERATIVE_SURPLUS: tuple[Line, ...] = (
    (1, "一、经营收入", "501"),
    (2, "加：投资收益", "511"),
    (3, "减：经营支出", "521"),
    (4, "税金及附加", "522"),
    (5, "管理费用", "523"),
    (6, "财务费用", "524"),
    (7, "二、经营收益", "L1+L2-L3-L4-L5-L6"),
    (8, "加：其他收入", "502"),
    (9, "减：其他支出", "529"),
    (10, "三、盈余总额", "L7+L8-L9"),
    (11, "减：所得税费用", "531"),
    (12, "四、本年盈余", "L10-L11"),
    (13, "加：年初未分配盈余", "O332"),
    (14, "其他转入", "IN-OUTX"),
    (15, "减：提取盈余公积", "T322"),
    (16, "五、可分配盈余", "L12+L13+L14-L15"),
    (17, "减：盈余返还", "T221"),
    (18, "剩余盈余分配", "T222"),
    (19, "转为成员出资", "T301"),
    (20, "六、年末未分配盈余", "L16-L17-L18-L19"),
)

# 收益及收益分配表 (农村集体经济组织会计制度 2023).
COLLECTIVE_INCOME: tuple[Line, ...] = (
    (1, "一、经营收入", "501"),
    (2, "减：经营支出", "511"),
    (3, "税金及附加", "512"),
    (4, "管理费用", "513"),
    (5, "加：投资收益", "502"),
    (6, "二、经营收益", "L1-L2-L3-L4+L5"),
    (7, "加：补助收入", "503"),
    (8, "其他收入", "504"),
    (9, "减：公益支出", "514"),
    (10, "其他支出", "515"),
    (11, "三、收益总额", "L6+L7+L8-L9-L10"),
    (12, "减：所得税费用", "521"),
    (13, "四、净收益", "L11-L12"),
    (14, "加：年初未分配收益", "O322"),
    (15, "其他转入", "IN"),
    (16, "五、可分配收益", "L13+L14+L15"),
    (17, "减：提取公积公益金", "T311"),
    (18, "向成员分配", "T211+T113"),
    (19, "其他", "OUTX"),
    (20, "六、年末未分配收益", "L16-L17-L18-L19"),
)

# 成员权益变动表: the equity columns, each a formula over the equity accounts (credit positive).
COOPERATIVE_EQUITY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("股金", ("301",)),
    ("专项基金", ("311",)),
    ("资本公积", ("321",)),
    ("盈余公积", ("322",)),
    ("未分配盈余", ("331", "332")),
)
COLLECTIVE_EQUITY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("资本", ("301",)),
    ("公积公益金", ("311",)),
    ("未分配收益", ("321", "322")),
)

BALANCE_SHEET = {
    COOPERATIVE: (COOPERATIVE_ASSETS, COOPERATIVE_CLAIMS),
    COLLECTIVE: (COLLECTIVE_ASSETS, COLLECTIVE_CLAIMS),
}
SURPLUS = {COOPERATIVE: COOPERATIVE_SURPLUS, COLLECTIVE: COLLECTIVE_INCOME}
EQUITY = {COOPERATIVE: COOPERATIVE_EQUITY, COLLECTIVE: COLLECTIVE_EQUITY}
