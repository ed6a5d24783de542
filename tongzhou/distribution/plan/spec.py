"""The distribution plan file format (分配方案): its parameters (sheet 参数) and member columns (sheet 成员).

One spec serves the XLSX and the JSON reader, the template and the docs: a parameter or column is named by its
Chinese label (the XLSX) or its English key (both), and says which body kinds use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongzhou.households.register_import.columns import Column, fold_header

COOPERATIVE = "cooperative"
COLLECTIVE = "collective"
BOTH = (COOPERATIVE, COLLECTIVE)

PARAMETERS_SHEET = "参数"
MEMBERS_SHEET = "成员"
NOTES_SHEET = "说明"
SHEET_ALIASES = {
    PARAMETERS_SHEET: ("参数", "parameters", "参数parameters"),
    MEMBERS_SHEET: ("成员", "members", "成员members"),
}
# The member number cell of a declared totals row at the end of the 成员 sheet.
TOTALS_LABELS = ("合计", "总计", "total", "totals")

JSON_FORMAT = "tongzhou-distribution-plan/1"
RESULT_FORMAT = "tongzhou-distribution-result/1"

# Kinds of value a parameter or a cell holds (see cells.py for what each accepts).
MONEY, SIGNED_MONEY, RATE, QUANTITY, TEXT, YEAR, FLAG, CHOICE = (
    "money", "signed_money", "rate", "quantity", "text", "year", "flag", "choice",
)  # fmt: skip


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str  # Chinese name in the 参数 sheet
    kind: str
    bodies: tuple[str, ...]
    required: tuple[str, ...]  # the body kinds for which it must be given
    description_zh: str
    description_en: str
    example: str = ""
    aliases: tuple[str, ...] = ()


CHOICES: dict[str, dict[str, str]] = {
    "body": {
        "合作社": COOPERATIVE,
        "农民专业合作社": COOPERATIVE,
        "集体经济组织": COLLECTIVE,
        "村集体": COLLECTIVE,
    },
    "transaction_basis": {"交易额": "amount", "交易量": "quantity"},
    "secondary_target": {
        "建档立卡户": "registered_poor",
        "监测对象": "monitored",
        "公益岗位": "public_welfare_jobs",
    },
    "reserve_quantified_by": {"交易量": "transactions", "交易额": "transactions", "出资额": "capital"},
}

PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "body", "主体类型", CHOICE, BOTH, BOTH,
        "合作社（cooperative，农民专业合作社法第四十二至四十四条）或集体经济组织（collective，农村集体经济组织法第四十、四十二条）。",
        "cooperative (Farmers' Cooperatives Law Art. 42–44) or collective (Rural Collective Economic Organisations "
        "Law Art. 40, 42).",
        "合作社",
    ),
    Parameter("name", "主体名称", TEXT, BOTH, (), "合作社或集体经济组织的名称；可空。", "The body's name; optional.",
              "白马村蚕桑专业合作社"),
    Parameter("year", "年度", YEAR, BOTH, BOTH, "分配的会计年度。", "The financial year distributed.", "2025"),
    Parameter(
        "surplus", "本年盈余（元）", SIGNED_MONEY, BOTH, BOTH,
        "本年盈余（集体经济组织为本年收益，含从合作社分得的投资收益），已扣除全部成本（含保底收益）；亏损填负数。元，最多两位小数。",
        "The year's surplus (a collective's income, dividends from cooperatives included), net of every cost "
        "(guaranteed payments included); a loss is negative. Yuan, at most two decimals.",
        "100000.00", ("本年收益（元）", "income"),
    ),
    Parameter("losses_to_make_up", "待弥补亏损（元）", MONEY, BOTH, (),
              "以前年度待弥补的亏损；空为0。", "Losses of earlier years still to make up; empty means 0.", "5000.00"),
    Parameter(
        "reserve_rate", "公积金提取比例", RATE, BOTH, BOTH,
        "合作社：公积金提取比例（第四十二条）；集体经济组织：公积公益金提取比例（第四十二条）。",
        "A cooperative's reserve rate (Art. 42); a collective's 公积公益金 rate (Art. 42).",
        "10%", ("公积公益金提取比例",),
    ),
    Parameter(
        "patronage_share", "按交易量返还比例", RATE, (COOPERATIVE,), (COOPERATIVE,),
        "可分配盈余中按成员交易量（额）返还的比例，不得低于60%（第四十四条）。",
        "The share of the distributable surplus returned by member transactions, at least 60% (Art. 44).",
        "60%",
    ),
    Parameter("transaction_basis", "交易量计算口径", CHOICE, (COOPERATIVE,), (),
              "交易额（amount）或交易量（quantity）；空为交易额。", "amount or quantity; empty means amount.", "交易额"),
    Parameter(
        "reserve_quantified_by", "公积金量化依据", CHOICE, (COOPERATIVE,), (),
        "本年公积金量化到成员的依据：交易量（transactions）或出资额（capital）；空为交易量。",
        "How this year's reserve is quantified to members: transactions or capital; empty means transactions.",
        "交易量",
    ),
    Parameter("remainder_members", "剩余盈余分配给成员的比例", RATE, (COOPERATIVE,), (),
              "剩余盈余按章程分配：给成员的比例；四项都空时成员为100%，填写任一项时四项之和须为100%。",
              "The remainder's split per the bylaws: the members' part. All four empty means 100% to members; "
              "when any is given the four must add up to 100%.", "100%"),
    Parameter("remainder_collective", "剩余盈余分配给村集体的比例", RATE, (COOPERATIVE,), (),
              "剩余盈余给村集体经济组织的比例。", "The village collective's part of the remainder.", ""),
    Parameter("remainder_management", "剩余盈余分配给管理人员的比例", RATE, (COOPERATIVE,), (),
              "剩余盈余给管理人员的比例。", "The management's part of the remainder.", ""),
    Parameter("remainder_welfare", "剩余盈余分配给公益的比例", RATE, (COOPERATIVE,), (),
              "剩余盈余给公益事业的比例。", "The welfare part of the remainder.", ""),
    Parameter(
        "secondary_rate", "二次分配比例", RATE, BOTH, (),
        "可分配盈余（收益）中用于二次分配的比例（章程）；空为0。合作社按交易量返还比例与此比例之和不得超过100%。",
        "The share of the distributable surplus (income) set aside for secondary distribution (bylaws); empty "
        "means 0. With the patronage share it must not exceed 100%.",
        "0%",
    ),
    Parameter(
        "secondary_target", "二次分配对象", CHOICE, BOTH, (),
        "建档立卡户（registered_poor）、监测对象（monitored）或公益岗位（public_welfare_jobs）；空为建档立卡户。",
        "registered_poor, monitored or public_welfare_jobs; empty means registered_poor.",
        "建档立卡户",
    ),
    Parameter(
        "conversion_rate", "转为出资比例", RATE, (COOPERATIVE,), (),
        "成员大会决定将每个成员所得（返还＋剩余盈余）转为出资的比例（第四十四条）；空为0。",
        "The assembly's rate of each member's amount (return + remainder share) converted into capital "
        "(Art. 44); empty means 0.",
        "20%",
    ),
    Parameter(
        "subsidy_property", "未量化的补助形成财产（元）", MONEY, (COOPERATIVE,), (),
        "财政补助和捐赠形成、尚未量化到成员的财产，平均量化给每个成员后参与剩余盈余分配（第四十四条）；空为0。",
        "Subsidy- and donation-formed property not yet quantified: shared equally among the members for the "
        "remainder's split (Art. 44); empty means 0.",
        "0",
    ),
)  # fmt: skip


def member_column(
    header: str, key: str, kind: str, bodies: tuple[str, ...], zh: str, en: str, example: str
) -> tuple[Column, str, tuple[str, ...]]:
    # Required-ness depends on the body kind and the transaction basis (see plan.build), so none is "required" here.
    return Column(header, key, False, False, zh, en, example), kind, bodies


_MEMBER_SPEC = (
    member_column("成员编号", "member_number", TEXT, BOTH,
                  "成员的编号，每个成员一行，不得重复；最多50字。最后一行可为合计行（本列填“合计”）。",
                  "The member's number, one row per member, never twice; 50 characters at most. The last row "
                  "may be a totals row (合计 in this column).", "M001"),
    member_column("成员名称", "name", TEXT, BOTH, "姓名或名称；可空。", "Name; optional.", "张德明"),
    member_column("状态", "status", TEXT, BOTH,
                  "可空，不参与计算（便于直接粘贴 `tongzhou coop accounts` 导出的成员账户）。",
                  "Optional and not used (so that a `tongzhou coop accounts` export can be pasted in).", ""),
    member_column("出资额（元）", "capital", MONEY, (COOPERATIVE,),
                  "成员出资额（第四十三条）；合作社必需的列，空格为0。",
                  "The member's capital (Art. 43); a required column for a cooperative, an empty cell is 0.",
                  "10000.00"),
    member_column("量化公积金份额（元）", "reserve_share", MONEY, (COOPERATIVE,),
                  "以前年度量化到成员的公积金份额；空为0。", "Reserve quantified to the member before this year; "
                  "empty means 0.", "2000.00"),
    member_column("量化财政补助份额（元）", "subsidy_share", MONEY, (COOPERATIVE,),
                  "已量化到成员的财政补助和捐赠形成的财产（如扶贫资金股）；空为0。",
                  "Subsidy- and donation-formed property already quantified to the member (e.g. poverty-fund "
                  "shares); empty means 0.", "0"),
    member_column("交易额（元）", "transactions_amount", MONEY, (COOPERATIVE,),
                  "本年成员与本社的交易额（第四十一条，章程计入返还的交易类型）；按交易额返还时为必需的列，空格为0。",
                  "The member's transactions with the cooperative this year (Art. 41, the kinds the bylaws "
                  "count); a required column when the basis is amount, an empty cell is 0.", "62350.17"),
    member_column("交易量", "transactions_quantity", QUANTITY, (COOPERATIVE,),
                  "本年交易数量；按交易量返还时为必需的列，空格为0。最多六位小数。",
                  "The quantity traded this year; a required column when the basis is quantity, an empty cell "
                  "is 0. Six decimals at most.", ""),
    member_column("收益权份额", "income_right_shares", QUANTITY, (COLLECTIVE,),
                  "集体经济组织成员的收益权份额（农村集体经济组织法第四十条）；集体经济组织必需的列，空格为0。",
                  "The member's income-right shares (Collective Law Art. 40); a required column for a "
                  "collective, an empty cell is 0.", ""),
    member_column("建档立卡户", "registered_poor", FLAG, BOTH,
                  "是/否；二次分配对象为建档立卡户时参与二次分配；空为否。",
                  "Yes/no (是/否): receives the secondary distribution when it targets registered-poor "
                  "households; empty means no.", "否"),
    member_column("监测对象", "monitored", FLAG, BOTH,
                  "是/否；二次分配对象为监测对象时参与二次分配；空为否。",
                  "Yes/no: receives the secondary distribution when it targets monitored households; empty "
                  "means no.", "否"),
)  # fmt: skip

MEMBER_COLUMNS: tuple[Column, ...] = tuple(c for c, _kind, _bodies in _MEMBER_SPEC)
MEMBER_KIND = {c.key: kind for c, kind, _bodies in _MEMBER_SPEC}
MEMBER_BODIES = {c.key: bodies for c, _kind, bodies in _MEMBER_SPEC}
MEMBER_BY_KEY = {c.key: c for c in MEMBER_COLUMNS}
# The columns a declared totals row may sum.
SUMMED = ("capital", "reserve_share", "subsidy_share", "transactions_amount", "transactions_quantity",
          "income_right_shares")  # fmt: skip

PARAMETER_COLUMNS: tuple[Column, ...] = (
    Column(
        "参数", "name", True, False, "参数名称（中文名或英文 key）。", "The parameter (label or key).", ""
    ),
    Column("值", "value", True, False, "参数的值。", "Its value.", ""),
    Column("说明", "note", False, False, "可空，不参与计算。", "Optional and not used.", ""),
)
PARAMETER_BY_KEY = {p.key: p for p in PARAMETERS}


def parameter_lookup() -> dict[str, str]:
    """Folded label, alias or key → the parameter's key."""
    found: dict[str, str] = {}
    for p in PARAMETERS:
        for name in (p.label, p.key, *p.aliases):
            found[fold_header(name)] = p.key
    return found


def sheet_role(title: str) -> str | None:
    folded = fold_header(title)
    for role, names in SHEET_ALIASES.items():
        if folded in names:
            return role
    return None
