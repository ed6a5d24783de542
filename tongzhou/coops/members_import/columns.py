"""The member import format: one row per applicant household, named by the person who holds the membership."""

from __future__ import annotations

from tongzhou.households.register_import.columns import Column

COLUMNS: tuple[Column, ...] = (
    Column(
        "身份证号码",
        "id_number",
        True,
        False,
        "以其名义入社的人的身份证号码；须已登记在本社所在地区的农户档案中，其所在户即为成员户。",
        "ID number of the person who holds the membership; they must be in the register within the "
        "cooperative's region, and their household is the member.",
        "520502197003080012",
    ),
    Column("申请日期", "applied_on", True, False, "入社申请日期（YYYY-MM-DD），不早于合作社成立日期。", "Date of the application (YYYY-MM-DD), not before the cooperative was founded.", "2024-03-01"),
    Column("入社日期", "joined_on", False, False, "批准入社的日期；填写即视为已批准，不早于申请日期；空为仅登记申请。", "Date admitted; when given the member is approved from it (not before the application); empty records the application only.", "2024-03-15"),
    Column("是否村两委干部", "is_village_cadre", False, False, "是/否；空为否。", "是 (yes) or 否 (no); empty means no.", "否"),
    Column("备注", "notes", False, False, "备注，最多200字；可空。", "Notes, at most 200 characters; may be empty.", ""),
)  # fmt: skip

# The services' field names → the column they come from.
FIELD_TO_KEY = {
    "applied_on": "applied_on",
    "joined_on": "joined_on",
    "is_village_cadre": "is_village_cadre",
    "notes": "notes",
}
