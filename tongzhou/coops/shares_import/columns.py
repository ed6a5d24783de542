"""The share import format: one row per subscription of shares by a member, named by an ID number of its household
or, for an organisation or cooperative member, by its credit code."""

from __future__ import annotations

from tongzhou.households.register_import.columns import Column

COLUMNS: tuple[Column, ...] = (
    Column(
        "身份证号码",
        "id_number",
        False,
        False,
        "农户成员的身份证号码：持有成员资格的人或该成员户任一家庭成员；须是本社在册成员。与统一社会信用代码只填一个。",
        "ID number of a household member: the person holding the membership or anyone of the member household; "
        "the member must be active. Give this or the credit code.",
        "520502197003080012",
    ),
    Column(
        "统一社会信用代码",
        "credit_code",
        False,
        False,
        "单位或合作社成员的统一社会信用代码；须是本社在册成员。农户成员留空。",
        "Credit code of an organisation or cooperative member, which must be active. Empty for households.",
        "",
    ),
    Column(
        "股份类别",
        "share_class",
        True,
        False,
        "现金股、土地经营权股、劳务股、集体资产股、财政扶贫资金股、捐赠股（或英文代码）；本社须已设该类股份。",
        "现金股, 土地经营权股, … or the codes cash, land, labour, collective_assets, fiscal_poverty, donation; "
        "the cooperative must have that class.",
        "现金股",
    ),
    Column("数量", "units", True, False, "股数或亩数，大于零，最多两位小数。", "Shares or mu, above zero, at most two decimals.", "10"),
    Column("日期", "on", True, False, "认购日期（YYYY-MM-DD），不早于入社日期，不在已结账年度内。", "Date (YYYY-MM-DD), not before the member joined, not in a closed year.", "2024-03-20"),
    Column("事由", "reason", True, False, "事由，最多200字。", "Reason, at most 200 characters.", "首次认购"),
)  # fmt: skip

# The share services' field names → the column they come from.
FIELD_TO_KEY = {
    "units": "units",
    "on": "on",
    "reason": "reason",
    "share_class": "share_class",
    "member": "id_number",
}
