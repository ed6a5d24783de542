"""Transactions between a cooperative and its members (and, kept apart, non-members: Art. 41)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cooperatives import Cooperative
from .members import Member


class TransactionKind(models.TextChoices):
    SALE_TO_COOP = "sale_to_coop", _("成员向合作社交售产品")
    PURCHASE_FROM_COOP = "purchase_from_coop", _("成员向合作社购买农资")
    LABOUR = "labour", _("务工")
    LAND_RENT = "land_rent", _("土地流转租金")


class MemberTransaction(models.Model):
    """One transaction. `member` is empty for a non-member, whose name is kept in `counterparty_name`.

    Quantities are Decimal in the product's unit (kg, 张, 工日, 亩); money is fen. `amount_fen` is what was paid
    or received; for a sale it normally equals quantity × unit price, rounded to the fen.
    """

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="transactions")
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    is_member = models.BooleanField(_("成员交易"), default=True)
    counterparty_name = models.CharField(_("非成员交易对象"), max_length=120, blank=True)
    kind = models.CharField(_("交易类型"), max_length=20, choices=TransactionKind.choices)
    on = models.DateField(_("日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    product = models.CharField(_("产品或项目"), max_length=60)
    grade = models.CharField(_("等级"), max_length=20, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("单位"), max_length=10)
    unit_price_fen = models.BigIntegerField(_("单价（分）"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    # A stable key of the source (file row content) so the same row imported twice is refused.
    source_key = models.CharField(max_length=64, unique=True)
    village_code = models.CharField(max_length=12, blank=True)
    county_code = models.CharField(max_length=6)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cooperative_id", "on", "id"]
        verbose_name = _("成员交易")
        verbose_name_plural = _("成员交易")
        indexes = [
            models.Index(fields=["cooperative", "year", "member"], name="transaction_coop_year_member"),
            models.Index(fields=["village_code"], name="transaction_village"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="transaction_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_fen__gte=0), name="transaction_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gte=0), name="transaction_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(is_member=True, member__isnull=False)
                | models.Q(is_member=False, member__isnull=True, counterparty_name__gt=""),
                name="transaction_member_or_named_non_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.product} {self.quantity}{self.unit}"
