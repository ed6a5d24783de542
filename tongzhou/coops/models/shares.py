"""Share classes and the append-only share ledger. Holdings at any date are the sum of entries up to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongzhou.core.errors import Conflict

from .cooperatives import Cooperative
from .members import Member


class ShareClassKind(models.TextChoices):
    CASH = "cash", _("现金股")
    LAND = "land", _("土地经营权股")
    LABOUR = "labour", _("劳务股")
    COLLECTIVE_ASSETS = "collective_assets", _("集体资产股")
    FISCAL_POVERTY = "fiscal_poverty", _("财政扶贫资金股")
    DONATION = "donation", _("捐赠股")


class ShareClass(models.Model):
    """A class of shares of one cooperative. Units: shares, or mu for land; `unit_value_fen` values one unit.

    Fiscal poverty funds and donations form subsidy property (Art. 44: quantified equally, not capital), and
    fiscal poverty shares turn into ordinary cash shares once the household has been out of poverty for the
    bylaws' number of years.
    """

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="share_classes")
    kind = models.CharField(_("股份类别"), max_length=20, choices=ShareClassKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    unit_name = models.CharField(_("单位"), max_length=10, default="股")
    unit_value_fen = models.BigIntegerField(_("每单位作价（分）"))
    is_capital = models.BooleanField(_("计入成员出资"), default=True)
    transferable = models.BooleanField(_("可转让"), default=True)

    class Meta:
        ordering = ["cooperative_id", "id"]
        verbose_name = _("股份类别")
        verbose_name_plural = _("股份类别")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "kind"], name="share_class_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(unit_value_fen__gt=0), name="share_class_value_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} · {self.name}"


class EntryType(models.TextChoices):
    SUBSCRIPTION = "subscription", _("认购")
    TRANSFER_OUT = "transfer_out", _("转让（转出）")
    TRANSFER_IN = "transfer_in", _("转让（转入）")
    INHERITANCE_OUT = "inheritance_out", _("继承（转出）")
    INHERITANCE_IN = "inheritance_in", _("继承（转入）")
    CONVERSION_OUT = "conversion_out", _("转换（转出）")
    CONVERSION_IN = "conversion_in", _("转换（转入）")
    REDEMPTION = "redemption", _("退股")


class ShareEntry(models.Model):
    """One movement of shares. Never updated or deleted: a mistake is corrected by a further entry.

    `units_centi` is hundredths of a unit (0.01 share or 0.01 mu), signed: positive in, negative out.
    `amount_fen` is the capital value moved, signed the same way. A transfer, inheritance or conversion is two
    entries sharing `movement`, a UUID drawn before both are inserted (so neither row is ever written twice).
    """

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="share_entries")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="share_entries")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="entries")
    entry_type = models.CharField(_("业务类型"), max_length=16, choices=EntryType.choices)
    on = models.DateField(_("日期"))
    units_centi = models.BigIntegerField(_("数量（百分之一单位）"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    counterparty = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="counterparty_entries"
    )
    movement = models.UUIDField(_("关联业务"), null=True, blank=True, db_index=True)
    reason = models.CharField(_("事由"), max_length=200)
    village_code = models.CharField(max_length=12, blank=True)
    county_code = models.CharField(max_length=6)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cooperative_id", "on", "id"]
        verbose_name = _("股份变动")
        verbose_name_plural = _("股份变动")
        indexes = [models.Index(fields=["member", "share_class", "on"], name="share_entry_holding")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(units_centi=0), name="share_entry_moves_something"),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.get_entry_type_display()} {self.units_centi / 100:g}"

    # A safety net only: the rule that the ledger is append-only lives in coops.services.shares, which only
    # ever inserts. These refuse an accidental update or delete of one row through the model.
    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise _immutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _immutable()


def _immutable() -> Conflict:
    return Conflict(
        "股份变动记录不可修改或删除，更正请另记一笔。",
        "A share ledger entry cannot be changed or deleted; record a correcting entry instead.",
        code="share_entry_immutable",
    )
