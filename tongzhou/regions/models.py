"""The region tree, keyed by statistical division codes. Descendants are a prefix match on the code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    PREFECTURE = "prefecture", _("市（州）")
    COUNTY = "county", _("县（市、区）")
    TOWNSHIP = "township", _("乡（镇、街道）")
    VILLAGE = "village", _("村（社区）")
    GROUP = "group", _("村民组")


CODE_LENGTHS = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
    Level.GROUP: 15,
}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTHS.items()}
CHILD_LEVEL = {
    Level.PROVINCE: Level.PREFECTURE,
    Level.PREFECTURE: Level.COUNTY,
    Level.COUNTY: Level.TOWNSHIP,
    Level.TOWNSHIP: Level.VILLAGE,
    Level.VILLAGE: Level.GROUP,
}


def parent_code_of(code: str) -> str | None:
    """The parent's code: the code cut to the previous level's length (None for a province)."""
    lengths = sorted(CODE_LENGTHS.values())
    index = lengths.index(len(code))
    return code[: lengths[index - 1]] if index else None


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=15, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    parent_code = models.CharField(_("上级代码"), max_length=12, null=True, blank=True, db_index=True)
    county_code = models.CharField(_("县级代码"), max_length=6, blank=True, db_index=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    code__regex=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$"
                ),
                name="region_code_is_a_statistical_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
