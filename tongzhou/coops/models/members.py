"""Members of a cooperative: households (through a named person), the village collective, other cooperatives and
the few organisations the law allows. Applications, approval, exit notice and exit settlement are states of one row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cooperatives import Cooperative


class MemberKind(models.TextChoices):
    HOUSEHOLD = "household", _("农户")
    COLLECTIVE = "collective", _("村集体经济组织")
    COOPERATIVE = "cooperative", _("合作社")
    ORGANISATION = "organisation", _("企业、事业单位或社会组织")


class MemberStatus(models.TextChoices):
    APPLIED = "applied", _("申请中")
    REJECTED = "rejected", _("未批准")
    ACTIVE = "active", _("在册成员")
    EXIT_NOTIFIED = "exit_notified", _("已申请退社")
    EXITED = "exited", _("已退社")


class Member(models.Model):
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="members")
    kind = models.CharField(_("成员类型"), max_length=14, choices=MemberKind.choices)
    household = models.ForeignKey(
        "households.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    # The person who holds the membership for the household (the head unless named otherwise).
    person = models.ForeignKey(
        "households.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    member_cooperative = models.ForeignKey(
        Cooperative, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    organisation_name = models.CharField(_("单位名称"), max_length=120, blank=True)
    organisation_credit_code = models.CharField(_("单位统一社会信用代码"), max_length=18, blank=True)
    display_name = models.CharField(_("成员名称"), max_length=120)
    is_farmer = models.BooleanField(_("农民成员"), default=True)
    is_village_cadre = models.BooleanField(_("村两委干部"), default=False)
    is_woman = models.BooleanField(_("女性成员"), default=False)
    village_code = models.CharField(_("村代码"), max_length=12, blank=True)
    county_code = models.CharField(_("县代码"), max_length=6)
    status = models.CharField(
        _("状态"), max_length=14, choices=MemberStatus.choices, default=MemberStatus.APPLIED
    )
    applied_on = models.DateField(_("申请日期"))
    joined_on = models.DateField(_("入社日期"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exit_notice_on = models.DateField(_("退社申请日期"), null=True, blank=True)
    exit_effective_on = models.DateField(_("退社生效日期"), null=True, blank=True)
    exit_settled_on = models.DateField(_("退社结算日期"), null=True, blank=True)
    # Capital and reserve share returned at exit (Art. 28), in fen; written by the exit settlement.
    exit_capital_returned_fen = models.BigIntegerField(_("退还出资（分）"), default=0)
    exit_reserve_returned_fen = models.BigIntegerField(_("退还公积金份额（分）"), default=0)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cooperative_id", "id"]
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        indexes = [
            models.Index(fields=["village_code"], name="member_village"),
            models.Index(fields=["cooperative", "status"], name="member_coop_status"),
        ]
        constraints = [
            # A household, a cooperative or an organisation holds at most one live membership per cooperative.
            models.UniqueConstraint(
                fields=["cooperative", "household"],
                condition=models.Q(household__isnull=False) & ~models.Q(status__in=["rejected", "exited"]),
                name="member_household_once_per_coop",
            ),
            models.UniqueConstraint(
                fields=["cooperative", "member_cooperative"],
                condition=models.Q(member_cooperative__isnull=False)
                & ~models.Q(status__in=["rejected", "exited"]),
                name="member_coop_once_per_coop",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="household", household__isnull=False)
                    | models.Q(kind__in=["collective", "cooperative"], member_cooperative__isnull=False)
                    | models.Q(kind="organisation", organisation_name__gt="")
                ),
                name="member_kind_has_its_party",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name
