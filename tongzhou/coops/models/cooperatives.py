"""Cooperatives (village 1.0, township 2.0, county 3.0) and their bylaws (章程), versioned by effective date."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    VILLAGE = "village", _("村级合作社（1.0）")
    TOWNSHIP = "township", _("乡镇联合社（2.0）")
    COUNTY = "county", _("县级平台公司（3.0）")


class LegalForm(models.TextChoices):
    FARMERS_COOPERATIVE = "farmers_cooperative", _("农民专业合作社")
    COLLECTIVE_ORGANISATION = "collective_organisation", _("农村集体经济组织")
    COMPANY = "company", _("公司")


class Industry(models.TextChoices):
    SERICULTURE = "sericulture", _("蚕桑")
    TEA = "tea", _("茶叶")
    EDIBLE_FUNGI = "edible_fungi", _("食用菌")
    CHILI = "chili", _("辣椒")
    CATTLE = "cattle", _("肉牛")
    POTATO = "potato", _("马铃薯")
    GASTRODIA = "gastrodia", _("天麻")
    MIXED = "mixed", _("综合")


class Cooperative(models.Model):
    """A Party-led cooperative, a township union or a county platform company.

    `region_code` is the village, township or county it belongs to (its code length follows the level);
    scoping reads it like any other code. The village collective economic organisation (`legal_form` =
    collective organisation) is itself a Cooperative row and a member of its village cooperative.
    """

    name = models.CharField(_("名称"), max_length=120)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    legal_form = models.CharField(_("组织形式"), max_length=30, choices=LegalForm.choices)
    region_code = models.CharField(_("所属地区代码"), max_length=12)
    county_code = models.CharField(_("县代码"), max_length=6)
    founded_on = models.DateField(_("成立日期"))
    industry = models.CharField(
        _("主导产业"), max_length=20, choices=Industry.choices, default=Industry.MIXED
    )
    chairperson = models.ForeignKey(
        "households.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chairperson_name = models.CharField(_("理事长"), max_length=50, blank=True)
    # [{"name": "…", "position": "理事" | "监事" | …, "person_id": 123 | null}]
    board = models.JSONField(_("理事会与监事会"), default=list, blank=True)
    # Filled in by the Party organisation work; until then, the leading organisation's name.
    party_organisation_name = models.CharField(_("领办党组织"), max_length=120, blank=True)
    # The last year whose books are closed: nothing may be recorded on a date in or before it. The ledger's
    # periods take this over once the books exist.
    closed_through_year = models.PositiveSmallIntegerField(_("已结账年度"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("合作社")
        verbose_name_plural = _("合作社")
        indexes = [models.Index(fields=["region_code"], name="coop_region")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(level="village", region_code__regex=r"^[0-9]{12}$")
                    | models.Q(level="township", region_code__regex=r"^[0-9]{9}$")
                    | models.Q(level="county", region_code__regex=r"^[0-9]{6}$")
                ),
                name="coop_region_code_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TransactionBasis(models.TextChoices):
    AMOUNT = "amount", _("按交易额")
    QUANTITY = "quantity", _("按交易量")


class Bylaws(models.Model):
    """One version of a cooperative's bylaws; it holds from `effective_from` until the next version.

    Rates are integer basis points (1 bp = 0.01%). The law's floor holds whatever the bylaws say: the
    patronage return is at least 60% of the distributable surplus (农民专业合作社法 Art. 44).
    """

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="bylaws_versions")
    effective_from = models.DateField(_("生效日期"))
    adopted_on = models.DateField(_("成员大会通过日期"))
    reserve_rate_bp = models.PositiveIntegerField(_("公积金提取比例（基点）"), default=1000)
    patronage_share_bp = models.PositiveIntegerField(_("按交易量返还比例（基点）"), default=6000)
    transaction_basis = models.CharField(
        _("交易量计算口径"), max_length=10, choices=TransactionBasis.choices, default=TransactionBasis.AMOUNT
    )
    # Which member transactions count for the patronage return, e.g. ["sale_to_coop", "purchase_from_coop"].
    patronage_transaction_kinds = models.JSONField(_("计入返还的交易类型"), default=list)
    # [{"share_class": "land", "basis": "per_mu" | "per_unit", "amount_fen": 30000}] — costs before surplus.
    guaranteed_payments = models.JSONField(_("保底收益"), default=list, blank=True)
    # Split of the remainder after the patronage return, basis points summing to 10000:
    # {"members": 6000, "collective": 2500, "management": 1500}; "members" goes by capital + reserve + subsidy share.
    remainder_split = models.JSONField(_("剩余盈余分配"), default=dict)
    secondary_distribution_bp = models.PositiveIntegerField(_("二次分配比例（基点）"), default=0)
    secondary_distribution_target = models.CharField(
        _("二次分配对象"), max_length=20, default="registered_poor"
    )
    join_rules = models.TextField(_("入社条件"), blank=True)
    exit_notice_months = models.PositiveSmallIntegerField(_("退社提前通知（月）"), default=3)
    organisation_exit_notice_months = models.PositiveSmallIntegerField(
        _("单位成员退社提前通知（月）"), default=6
    )
    transfer_to_non_members = models.BooleanField(_("允许向非成员转让股份"), default=False)
    poverty_share_conversion_years = models.PositiveSmallIntegerField(
        _("财政扶贫股转为普通股的脱贫年限"), default=5
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cooperative_id", "-effective_from"]
        verbose_name = _("章程")
        verbose_name_plural = _("章程")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "effective_from"], name="bylaws_one_version_per_date"
            ),
            models.CheckConstraint(
                condition=models.Q(patronage_share_bp__gte=6000, patronage_share_bp__lte=10000),
                name="bylaws_patronage_at_least_60_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(reserve_rate_bp__lte=10000), name="bylaws_reserve_rate_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} · {self.effective_from}"
