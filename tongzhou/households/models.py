"""The household register: households (农户) and persons (家庭成员)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongzhou.core.ids import mask_phone, mask_resident_id


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class LabourCapacity(models.TextChoices):
    SKILLED = "skilled", _("技能劳动力")
    ORDINARY = "ordinary", _("普通劳动力")
    WEAK = "weak", _("弱劳动力或半劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


class Disability(models.TextChoices):
    NONE = "none", _("无")
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("患有大病")
    DISABLED = "disabled", _("残疾")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Household(models.Model):
    village_code = models.CharField(_("村代码"), max_length=12)
    # The county code is the future shard key; scoping filters on the village code's prefix.
    county_code = models.CharField(_("县代码"), max_length=6)
    group_code = models.CharField(_("村民组代码"), max_length=15, blank=True)
    number = models.CharField(_("户编号"), max_length=30)
    head_name = models.CharField(_("户主姓名"), max_length=50, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    poverty_registered_year = models.PositiveSmallIntegerField(_("建档立卡年度"), null=True, blank=True)
    poverty_exit_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    contracted_land_mu = models.DecimalField(
        _("承包地面积（亩）"), max_digits=10, decimal_places=2, default=0
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["village_code", "number"]
        verbose_name = _("农户")
        verbose_name_plural = _("农户")
        indexes = [
            # (village_code, number) is unique and so indexed: it serves scoping by village code ranges.
            models.Index(fields=["group_code"], name="household_group"),
            # Name search is a prefix match: a pattern index on PostgreSQL (ignored elsewhere).
            models.Index(fields=["head_name"], name="household_head_name", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["village_code", "number"], name="household_number_unique_in_village"
            ),
            models.CheckConstraint(
                condition=models.Q(poverty_exit_year__isnull=True)
                | models.Q(
                    poverty_registered_year__isnull=False,
                    poverty_exit_year__gte=models.F("poverty_registered_year"),
                ),
                name="household_exit_after_registration",
            ),
            models.CheckConstraint(
                condition=models.Q(contracted_land_mu__gte=0), name="household_land_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}"

    @property
    def is_registered_poor(self) -> bool:
        return self.poverty_registered_year is not None

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Person(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="persons")
    village_code = models.CharField(_("村代码"), max_length=12)
    county_code = models.CharField(_("县代码"), max_length=6)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号码"), max_length=18)
    id_last4 = models.CharField(max_length=4)
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    labour_capacity = models.CharField(
        _("劳动能力"), max_length=10, choices=LabourCapacity.choices, default=LabourCapacity.ORDINARY
    )
    migrant_worker = models.BooleanField(_("外出务工"), default=False)
    migrant_destination = models.CharField(_("务工地点"), max_length=100, blank=True)
    disability = models.CharField(
        _("残疾情况"), max_length=14, choices=Disability.choices, default=Disability.NONE
    )
    health = models.CharField(_("健康状况"), max_length=10, choices=Health.choices, default=Health.HEALTHY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        # Few indexes on the biggest table: each one slows every import. ID numbers are looked up exactly.
        indexes = [
            models.Index(fields=["village_code"], name="person_village"),
            models.Index(fields=["id_last4"], name="person_id_last4"),
            models.Index(fields=["name"], name="person_name", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number"], name="person_id_number_unique"),
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(relation="head"), name="one_head_per_household"
            ),
            models.CheckConstraint(condition=models.Q(sex__in=["M", "F"]), name="person_sex_m_or_f"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_resident_id(self.id_number)
