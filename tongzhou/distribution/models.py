"""Distribution runs in the database: a body's year-end distribution from draft to paid, its per-member lines, the
payments and the household income lines they become (issue 5, points 3 and 5).

The rules live in `domain/` (pure); `services.py` writes these rows. A run keeps the inputs it was computed from as
a JSON snapshot, so a published or posted sheet can always be explained, whatever the books say later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公示")
    APPROVED = "approved", _("成员大会已通过")
    POSTED = "posted", _("已记账")
    PAID = "paid", _("已发放")
    REVERSED = "reversed", _("已冲销")


# A run whose vouchers stand in the books: at most one per body and year (a reversing run is not counted).
BOOKED_STATUSES = (RunStatus.POSTED, RunStatus.PAID)


class DistributionRun(models.Model):
    """One distribution of one body's (cooperative's or collective's) year. `reverses` is set on a reversing
    run: it carries the reversing vouchers and its status is `posted`; the original becomes `reversed`."""

    body = models.ForeignKey("coops.Cooperative", on_delete=models.PROTECT, related_name="distribution_runs")
    year = models.PositiveSmallIntegerField(_("年度"))
    standard = models.CharField(_("组织形式"), max_length=30)  # coops.LegalForm value at compute time
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT)
    # What the run was computed from: surplus and its source, losses, bylaws terms, member accounts.
    inputs = models.JSONField(_("计算依据"), default=dict)
    # The step totals of the result (CooperativeSteps / CollectiveSteps), in fen.
    steps = models.JSONField(_("分配步骤"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assembly_on = models.DateField(_("成员大会日期"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("赞成票"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("反对票"), null=True, blank=True)
    members_entitled = models.PositiveIntegerField(_("有表决权成员数"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("登记通过时间"), null=True, blank=True)
    posted_on = models.DateField(_("记账日期"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField(_("记账时间"), null=True, blank=True)
    vouchers = models.ManyToManyField("ledger.Voucher", blank=True, related_name="distribution_runs")
    # The vouchers the run books in its receiving member bodies' own books (services/received.py): what it gives
    # them on posting (Dr 应收款 / 对外投资, Cr 投资收益), what they receive on payment (Dr 银行存款 / Cr 应收款), the
    # red-ink reversals on a reversing run.
    receiver_vouchers = models.ManyToManyField(
        "ledger.Voucher", blank=True, related_name="distribution_runs_received"
    )
    paid_at = models.DateTimeField(_("发放完毕时间"), null=True, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    reversed_at = models.DateTimeField(_("冲销时间"), null=True, blank=True)
    region_code = models.CharField(_("所属地区代码"), max_length=12)
    county_code = models.CharField(_("县代码"), max_length=6)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["body_id", "-year", "-id"]
        verbose_name = _("盈余分配方案")
        verbose_name_plural = _("盈余分配方案")
        indexes = [
            models.Index(fields=["region_code"], name="run_region"),
            models.Index(fields=["county_code", "year"], name="run_county_year"),
            models.Index(fields=["body", "year"], name="run_body_year"),
        ]
        constraints = [
            # One run in the books per body and year: a second post is refused by the database too, whatever
            # races past the service's lock.
            models.UniqueConstraint(
                fields=["body", "year"],
                condition=models.Q(status__in=["posted", "paid"], reverses__isnull=True),
                name="distribution_one_booked_run_per_body_year",
            ),
            models.CheckConstraint(
                condition=models.Q(votes_for__isnull=True)
                | models.Q(members_entitled__gte=models.F("votes_for") + models.F("votes_against")),
                name="distribution_votes_within_members",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body_id} · {self.year} · {self.status}"

    @property
    def is_collective(self) -> bool:
        return self.standard == "collective_organisation"


class DistributionLine(models.Model):
    """One member's line of the distribution list (the member sheet), every amount in fen.

    Cash goes to 应付盈余返还 (`payable_return_fen`) and 应付剩余盈余 (`payable_share_fen`) for a cooperative, to the
    member's 内部往来 (`payable_share_fen`) for a collective; `converted_to_capital_fen` to 股金.
    """

    run = models.ForeignKey(DistributionRun, on_delete=models.CASCADE, related_name="lines")
    member = models.ForeignKey("coops.Member", on_delete=models.PROTECT, related_name="distribution_lines")
    household = models.ForeignKey(
        "households.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="distribution_lines",
    )
    key = models.CharField(_("成员标识"), max_length=20)
    display_name = models.CharField(_("成员名称"), max_length=120)
    # The member account the run read (Art. 43).
    capital_fen = models.BigIntegerField(_("出资额（分）"), default=0)
    reserve_share_fen = models.BigIntegerField(_("公积金份额（分）"), default=0)
    subsidy_share_fen = models.BigIntegerField(_("补助量化份额（分）"), default=0)
    transactions = models.DecimalField(_("交易量（额）"), max_digits=20, decimal_places=3, default=0)
    income_right_shares = models.DecimalField(_("收益权份额"), max_digits=20, decimal_places=4, default=0)
    # The sheet.
    reserve_quantified_fen = models.BigIntegerField(_("本年量化公积金（分）"), default=0)
    subsidy_equal_share_fen = models.BigIntegerField(_("平均量化补助（分）"), default=0)
    remainder_weight_fen = models.BigIntegerField(_("剩余盈余分配依据（分）"), default=0)
    patronage_return_fen = models.BigIntegerField(_("按交易量返还（分）"), default=0)
    remainder_share_fen = models.BigIntegerField(_("剩余盈余返还（分）"), default=0)
    collective_share_fen = models.BigIntegerField(_("村集体分配（分）"), default=0)
    income_right_fen = models.BigIntegerField(_("收益权分配（分）"), default=0)
    converted_to_capital_fen = models.BigIntegerField(_("转为出资（分）"), default=0)
    cash_fen = models.BigIntegerField(_("应发现金（分）"), default=0)
    payable_return_fen = models.BigIntegerField(_("应付盈余返还（分）"), default=0)
    payable_share_fen = models.BigIntegerField(_("应付剩余盈余（分）"), default=0)
    paid_fen = models.BigIntegerField(_("已发放（分）"), default=0)
    village_code = models.CharField(max_length=12, blank=True)
    county_code = models.CharField(max_length=6)

    class Meta:
        ordering = ["run_id", "key"]
        verbose_name = _("分配明细")
        verbose_name_plural = _("分配明细")
        constraints = [
            models.UniqueConstraint(fields=["run", "member"], name="distribution_line_once_per_member"),
            models.CheckConstraint(
                condition=models.Q(cash_fen=models.F("payable_return_fen") + models.F("payable_share_fen")),
                name="distribution_line_cash_is_payable",
            ),
            models.CheckConstraint(
                condition=models.Q(paid_fen__gte=0, paid_fen__lte=models.F("cash_fen")),
                name="distribution_line_paid_within_cash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.display_name}"

    @property
    def total_fen(self) -> int:
        return self.cash_fen + self.converted_to_capital_fen

    @property
    def outstanding_fen(self) -> int:
        return self.cash_fen - self.paid_fen


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    CASH = "cash", _("现金")
    OTHER = "other", _("其他")


class Payment(models.Model):
    """Cash paid on one line. `return_fen` settles 应付盈余返还, `share_fen` 应付剩余盈余 (or 内部往来)."""

    run = models.ForeignKey(DistributionRun, on_delete=models.PROTECT, related_name="payments")
    line = models.ForeignKey(DistributionLine, on_delete=models.PROTECT, related_name="payments")
    on = models.DateField(_("发放日期"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    return_fen = models.BigIntegerField(_("其中盈余返还（分）"), default=0)
    share_fen = models.BigIntegerField(_("其中剩余盈余（分）"), default=0)
    method = models.CharField(
        _("发放方式"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    reference = models.CharField(_("凭据号"), max_length=60, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voucher = models.ForeignKey(
        "ledger.Voucher", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=6)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "on", "id"]
        verbose_name = _("分配发放")
        verbose_name_plural = _("分配发放")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(
                    return_fen__gte=0,
                    share_fen__gte=0,
                    amount_fen=models.F("return_fen") + models.F("share_fen"),
                ),
                name="payment_parts_sum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.amount_fen}"


class IncomeKind(models.TextChoices):
    DIVIDEND = "dividend", _("分红")
    PATRONAGE_RETURN = "patronage_return", _("按交易量返还")
    WAGE = "wage", _("务工收入")
    LAND_RENT = "land_rent", _("土地流转租金")
    GUARANTEED_PAYMENT = "guaranteed_payment", _("保底收益")


class HouseholdIncome(models.Model):
    """One income line of a household (issue 5, point 5), for the monitoring of return to poverty. Its source is
    a distribution payment, a member transaction (wages, land rent) or a paid guaranteed payment, never typed in."""

    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="income_lines"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("收入类型"), max_length=20, choices=IncomeKind.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    on = models.DateField(_("日期"))
    body = models.ForeignKey(
        "coops.Cooperative", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(
        DistributionRun, null=True, blank=True, on_delete=models.PROTECT, related_name="income_lines"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="income_lines"
    )
    transaction = models.ForeignKey(
        "coops.MemberTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    guarantee = models.ForeignKey(
        "GuaranteedPayment", null=True, blank=True, on_delete=models.PROTECT, related_name="income_lines"
    )
    village_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=6)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "year", "on", "id"]
        verbose_name = _("农户收入")
        verbose_name_plural = _("农户收入")
        indexes = [
            models.Index(fields=["village_code", "year"], name="income_village_year"),
            models.Index(fields=["household", "year"], name="income_household_year"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="income_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(payment__isnull=False)
                | models.Q(transaction__isnull=False)
                | models.Q(guarantee__isnull=False),
                name="income_has_a_source",
            ),
            models.UniqueConstraint(fields=["payment", "kind"], name="income_once_per_payment_kind"),
            models.UniqueConstraint(fields=["guarantee"], name="income_once_per_guarantee"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.kind} {self.amount_fen}"


class CascadeRun(models.Model):
    """One computation of a county's benefit chain (利益链) for a year: every body's distribution top-down, income
    from above entering each body's surplus, and for every household what reached it along which path (issue 5,
    point 2). A computation, not a decision: each body's own run is still published, approved and posted."""

    county_code = models.CharField(_("县代码"), max_length=6)
    year = models.PositiveSmallIntegerField(_("年度"))
    # Per body (by id): its own surplus and where it came from ("ledger", "run", "given", "none"), losses, bylaws.
    inputs = models.JSONField(_("计算依据"), default=dict)
    bodies_count = models.PositiveIntegerField(_("组织数"), default=0)
    households_count = models.PositiveIntegerField(_("农户数"), default=0)
    own_surplus_fen = models.BigIntegerField(_("各组织本年盈余合计（分）"), default=0)
    to_households_fen = models.BigIntegerField(_("分到农户（分）"), default=0)
    kept_fen = models.BigIntegerField(_("留在组织（分）"), default=0)
    computed_at = models.DateTimeField(_("计算时间"), auto_now_add=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["county_code", "-year", "-id"]
        verbose_name = _("利益链计算")
        verbose_name_plural = _("利益链计算")
        indexes = [models.Index(fields=["county_code", "year"], name="cascade_county_year")]

    def __str__(self) -> str:
        return f"{self.county_code} · {self.year} · {self.pk}"


class CascadeBodyLine(models.Model):
    """One body of a cascade: what it made itself, what came from above, what it paid on and what it kept."""

    cascade = models.ForeignKey(CascadeRun, on_delete=models.CASCADE, related_name="body_lines")
    body = models.ForeignKey("coops.Cooperative", on_delete=models.PROTECT, related_name="+")
    # Top-down: a body comes after every body it is a member of.
    position = models.PositiveIntegerField(_("计算顺序"))
    level = models.CharField(_("层级"), max_length=10)
    standard = models.CharField(_("组织形式"), max_length=30)
    own_surplus_fen = models.BigIntegerField(_("本组织本年盈余（分）"))
    surplus_source = models.CharField(_("盈余来源"), max_length=10)
    income_from_above_fen = models.BigIntegerField(_("上级分配收入（分）"))
    paid_to_bodies_fen = models.BigIntegerField(_("分给成员组织（分）"))
    paid_to_households_fen = models.BigIntegerField(_("分给农户（分）"))
    kept_fen = models.BigIntegerField(_("留在本组织（分）"))
    loss_year = models.BooleanField(_("亏损年度"), default=False)
    steps = models.JSONField(_("分配步骤"), default=dict)
    region_code = models.CharField(_("所属地区代码"), max_length=12)
    county_code = models.CharField(_("县代码"), max_length=6)

    class Meta:
        ordering = ["cascade_id", "position"]
        verbose_name = _("利益链组织明细")
        verbose_name_plural = _("利益链组织明细")
        indexes = [models.Index(fields=["cascade", "region_code"], name="cascade_body_region")]
        constraints = [
            models.UniqueConstraint(fields=["cascade", "body"], name="cascade_body_once"),
            models.CheckConstraint(
                condition=models.Q(
                    kept_fen=models.F("own_surplus_fen")
                    + models.F("income_from_above_fen")
                    - models.F("paid_to_bodies_fen")
                    - models.F("paid_to_households_fen")
                ),
                name="cascade_body_conserves",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cascade_id} · {self.body_id}"


class CascadeHouseholdLine(models.Model):
    """What reached one household (or an organisation member, `household` empty) through the chain, by the level
    the money was made at and, in `by_path`, by path: {"<origin body id>>…><paying body id>|<kind>": fen}."""

    cascade = models.ForeignKey(CascadeRun, on_delete=models.CASCADE, related_name="household_lines")
    household = models.ForeignKey(
        "households.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(_("标识"), max_length=20)  # the cascade's key (the paying member's number)
    total_fen = models.BigIntegerField(_("合计（分）"))
    converted_to_capital_fen = models.BigIntegerField(_("转为出资（分）"), default=0)
    cash_fen = models.BigIntegerField(_("现金（分）"))
    # Of the total, by where the money was made: the county platform, a township union, the village (its
    # cooperative or collective).
    from_county_fen = models.BigIntegerField(_("源自县级平台（分）"), default=0)
    from_township_fen = models.BigIntegerField(_("源自乡镇联合社（分）"), default=0)
    from_village_fen = models.BigIntegerField(_("源自村级组织（分）"), default=0)
    by_path = models.JSONField(_("分配路径"), default=dict)
    village_code = models.CharField(max_length=12, blank=True)
    county_code = models.CharField(max_length=6)

    class Meta:
        ordering = ["cascade_id", "village_code", "key"]
        verbose_name = _("利益链农户明细")
        verbose_name_plural = _("利益链农户明细")
        indexes = [models.Index(fields=["cascade", "village_code"], name="cascade_household_village")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    total_fen=models.F("from_county_fen")
                    + models.F("from_township_fen")
                    + models.F("from_village_fen"),
                    cash_fen=models.F("total_fen") - models.F("converted_to_capital_fen"),
                ),
                name="cascade_household_parts_sum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cascade_id} · {self.key} · {self.total_fen}"


class GuaranteeBooking(models.Model):
    """The guaranteed payments (保底收益) of one body's year, booked as a cost before the surplus is struck: one per
    body and year while it stands (a reversed booking makes room for a new one). Its lines are the members' payments
    per share class; `vouchers` book the cost (Dr 经营支出 / Cr 成员往来 or 内部往来 per member), `payment_vouchers`
    pay it (Dr 成员往来 / Cr 银行存款) and every household's line becomes its income line."""

    body = models.ForeignKey("coops.Cooperative", on_delete=models.PROTECT, related_name="guarantee_bookings")
    year = models.PositiveSmallIntegerField(_("年度"))
    standard = models.CharField(_("组织形式"), max_length=30)
    # What it was computed from: the bylaws in force on 31 December (id, effective date, the guarantees).
    inputs = models.JSONField(_("计算依据"), default=dict)
    total_fen = models.BigIntegerField(_("保底收益合计（分）"))
    booked_on = models.DateField(_("记账日期"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_at = models.DateTimeField(_("记账时间"))
    vouchers = models.ManyToManyField("ledger.Voucher", blank=True, related_name="guarantee_bookings")
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    payment_vouchers = models.ManyToManyField("ledger.Voucher", blank=True, related_name="+")
    reversed_on = models.DateField(_("冲销日期"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversal_vouchers = models.ManyToManyField("ledger.Voucher", blank=True, related_name="+")
    region_code = models.CharField(_("所属地区代码"), max_length=12)
    county_code = models.CharField(_("县代码"), max_length=6)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["body_id", "-year", "-id"]
        verbose_name = _("保底收益")
        verbose_name_plural = _("保底收益")
        indexes = [
            models.Index(fields=["body", "year"], name="guarantee_body_year"),
            models.Index(fields=["county_code", "year"], name="guarantee_county_year"),
        ]
        constraints = [
            # One standing booking per body and year: a second is refused by the database too, whatever races past
            # the service's lock on the body.
            models.UniqueConstraint(
                fields=["body", "year"],
                condition=models.Q(reversed_on__isnull=True),
                name="guarantee_one_booking_per_body_year",
            ),
            models.CheckConstraint(condition=models.Q(total_fen__gt=0), name="guarantee_total_positive"),
            models.CheckConstraint(
                condition=models.Q(paid_on__isnull=True) | models.Q(paid_on__gte=models.F("booked_on")),
                name="guarantee_paid_after_booked",
            ),
            models.CheckConstraint(
                condition=models.Q(reversed_on__isnull=True) | models.Q(paid_on__isnull=True),
                name="guarantee_paid_not_reversed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body_id} · {self.year} · {self.total_fen}"

    @property
    def is_collective(self) -> bool:
        return self.standard == "collective_organisation"


class GuaranteedPayment(models.Model):
    """One member's guaranteed payment for one share class (by its kind: land, fiscal_poverty, …): units held on 31
    December (hundredths of a mu or of a share) × the bylaws' rate, rounded half up to the fen."""

    booking = models.ForeignKey(GuaranteeBooking, on_delete=models.CASCADE, related_name="lines")
    member = models.ForeignKey("coops.Member", on_delete=models.PROTECT, related_name="guaranteed_payments")
    household = models.ForeignKey(
        "households.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    display_name = models.CharField(_("成员名称"), max_length=120)
    share_class = models.CharField(_("股份类别"), max_length=20)  # coops.ShareClassKind value
    basis = models.CharField(_("计算口径"), max_length=10)  # per_mu | per_unit
    units_centi = models.BigIntegerField(_("持有量（百分之一亩或股）"))
    rate_fen = models.BigIntegerField(_("保底标准（分/亩或股）"))
    amount_fen = models.BigIntegerField(_("保底收益（分）"))
    village_code = models.CharField(max_length=12, blank=True)
    county_code = models.CharField(max_length=6)

    class Meta:
        ordering = ["booking_id", "member_id", "share_class"]
        verbose_name = _("保底收益明细")
        verbose_name_plural = _("保底收益明细")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "member", "share_class"], name="guarantee_line_once_per_member_class"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0, units_centi__gt=0, rate_fen__gt=0),
                name="guarantee_line_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} · {self.display_name} · {self.share_class}"
