"""The member import format: one row per applicant — a household named by the person who holds the membership, an
organisation (enterprise, public institution or social organisation) or a cooperative named by its credit code."""

from __future__ import annotations

from tongzhou.households.register_import.columns import Column

COLUMNS: tuple[Column, ...] = (
    Column(
        "成员类型",
        "member_kind",
        False,
        False,
        "农户、单位（企业、事业单位或社会组织）、合作社、村集体经济组织；可空：填身份证号码即为农户，填统一社会信用代码"
        "时，系统中已有的合作社或村集体经济组织即为该社，其他为单位。",
        "household, organisation (单位: an enterprise, public institution or social organisation), cooperative or "
        "collective; may be empty: an ID number means a household, a credit code a cooperative or collective "
        "known to the system, else an organisation.",
        "农户",
    ),
    Column(
        "身份证号码",
        "id_number",
        False,
        False,
        "农户成员：以其名义入社的人的身份证号码；须已登记在本社所在地区的农户档案中，其所在户即为成员户。单位、合作社留空。",
        "Household members: ID number of the person who holds the membership; they must be in the register within "
        "the cooperative's region, and their household is the member. Empty for organisations and cooperatives.",
        "520502197003080012",
    ),
    Column(
        "单位名称",
        "organisation_name",
        False,
        False,
        "单位成员必填，最多120字；合作社成员可空，填写时须与系统中的名称一致。",
        "Required for an organisation, 120 characters at most; for a cooperative it may be empty, and when given it "
        "must be its name in the system.",
        "毕节市七星关区某某农业科技有限公司",
    ),
    Column(
        "统一社会信用代码",
        "credit_code",
        False,
        False,
        "单位、合作社成员必填：18位统一社会信用代码（GB 32100）。农户留空。",
        "Required for an organisation or a cooperative: the 18-character unified social credit code (GB 32100). "
        "Empty for households.",
        "91520502MA6DL2AB3L",
    ),
    Column("申请日期", "applied_on", True, False, "入社申请日期（YYYY-MM-DD），不早于合作社成立日期。", "Date of the application (YYYY-MM-DD), not before the cooperative was founded.", "2024-03-01"),
    Column("入社日期", "joined_on", False, False, "批准入社的日期；填写即视为已批准，不早于申请日期；空为仅登记申请。", "Date admitted; when given the member is approved from it (not before the application); empty records the application only.", "2024-03-15"),
    Column("是否村两委干部", "is_village_cadre", False, False, "是/否；空为否；只有农户成员可以填“是”。", "是 (yes) or 否 (no); empty means no; only a household may say yes.", "否"),
    Column("备注", "notes", False, False, "备注，最多200字；可空。", "Notes, at most 200 characters; may be empty.", ""),
)  # fmt: skip

# The membership services' field names → the column they come from.
FIELD_TO_KEY = {
    "applied_on": "applied_on",
    "joined_on": "joined_on",
    "is_village_cadre": "is_village_cadre",
    "notes": "notes",
    "household": "id_number",
    "person": "id_number",
    "kind": "member_kind",
    "is_farmer": "member_kind",
    "member_cooperative": "credit_code",
    "organisation_name": "organisation_name",
    "organisation_credit_code": "credit_code",
}
