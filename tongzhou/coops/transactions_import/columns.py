"""The member-transaction import format: one row per transaction, Chinese headers or English keys."""

from __future__ import annotations

from tongzhou.households.register_import.columns import Column

COLUMNS: tuple[Column, ...] = (
    Column(
        "成员身份证号码",
        "member_id_number",
        False,
        False,
        "持有成员资格的人或该成员户任一家庭成员的身份证号码；与“成员编号”“非成员名称”三者填一。",
        "ID number of the person holding the membership or of anyone in the member household; "
        "give this, the member number or the non-member name.",
        "520502197003080012",
    ),
    Column(
        "成员编号",
        "member_number",
        False,
        False,
        "系统中的成员编号。",
        "The member's number in the system.",
        "",
    ),
    Column(
        "非成员名称",
        "counterparty_name",
        False,
        False,
        "非成员交易对象的名称（与成员交易分别核算，农民专业合作社法第四十一条）。",
        "Name of a non-member counterparty (kept apart from member transactions, Art. 41).",
        "",
    ),
    Column(
        "交易类型",
        "kind",
        True,
        False,
        "成员向合作社交售产品（交售）、成员向合作社购买农资（购买农资）、务工、土地流转租金。",
        "sale_to_coop, purchase_from_coop, labour or land_rent (or the Chinese labels).",
        "交售",
    ),
    Column("日期", "date", True, False, "交易日期（YYYY-MM-DD），不得在已结账年度内。", "Date (YYYY-MM-DD), not in a closed year.", "2024-06-12"),
    Column("产品", "product", True, False, "产品或项目，最多60字。", "Product or item, at most 60 characters.", "鲜茧"),
    Column("等级", "grade", False, False, "等级；可空。", "Grade; may be empty.", "一级"),
    Column(
        "数量",
        "quantity",
        True,
        False,
        "数量，不得为负，最多三位小数；务工为工日数，土地租金为亩数。",
        "Quantity, not negative, at most three decimals; labour days for labour, mu for land rent.",
        "42.5",
    ),
    Column("单位", "unit", False, False, "单位（kg、张…）；务工为工日，土地为亩。", "Unit (kg, 张 …); 工日 for labour, 亩 for land.", "kg"),
    Column("单价（元）", "unit_price", True, False, "单价，元，最多两位小数，不得为负。", "Unit price in yuan, two decimals at most, not negative.", "46.00"),
    Column(
        "金额（元）",
        "amount",
        False,
        False,
        "金额，元；可空（按数量×单价计算）；填写时须与数量×单价相符（误差不超过1分）。",
        "Amount in yuan; empty = quantity × unit price; if given it must agree with it to within one fen.",
        "1955.00",
    ),
)  # fmt: skip

BY_KEY = {c.key: c for c in COLUMNS}
COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)} | {c.key: i for i, c in enumerate(COLUMNS)}
# The domain's field names for the columns that differ.
FIELD_TO_KEY = {"on": "date", "member": "member_id_number"}


def write_template(path, fmt: str = "xlsx") -> None:
    """The empty transaction import file: its headers, and in XLSX a sheet 说明 describing every column."""
    from tongzhou.coops.members_import.sheet import write_columns_template

    write_columns_template(path, fmt, COLUMNS, "成员交易 transactions")
