"""The books: charts of accounts (data, per standard and version), one book per cooperative or collective, its
accounts, monthly periods, vouchers (记账凭证) and their lines.

The ledger is append-only. A posted voucher and its lines never change or disappear: the services only insert,
the model refuses save/delete of a posted row, the querysets refuse update()/delete() touching one, and on
PostgreSQL triggers refuse it and a deferred constraint trigger refuses a posted voucher whose lines don't balance
(migration 0003).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongzhou.core.errors import Conflict


class AccountClass(models.TextChoices):
    ASSET = "asset", _("资产类")
    LIABILITY = "liability", _("负债类")
    EQUITY = "equity", _("所有者权益类")
    COST = "cost", _("成本类")
    PROFIT_AND_LOSS = "profit_and_loss", _("损益类")


class NormalBalance(models.TextChoices):
    DEBIT = "debit", _("借")
    CREDIT = "credit", _("贷")


class Party(models.TextChoices):
    """What a line on the account must name besides the amount."""

    NONE = "none", _("无")
    MEMBER = "member", _("成员")
    COUNTERPARTY = "counterparty", _("往来单位或个人")


class Chart(models.Model):
    """One version of a national chart of accounts, loaded from `ledger/charts/<key>.json`."""

    key = models.CharField(max_length=60, unique=True)
    standard = models.CharField(_("适用组织形式"), max_length=30)  # coops.LegalForm value
    name = models.CharField(_("会计制度"), max_length=60)
    document = models.CharField(_("文号"), max_length=40)
    version = models.CharField(_("版本"), max_length=20)
    effective_from = models.DateField(_("施行日期"))
    sources = models.JSONField(_("来源"), default=list)

    class Meta:
        ordering = ["standard", "-effective_from"]
        verbose_name = _("会计科目表")
        verbose_name_plural = _("会计科目表")
        constraints = [
            models.UniqueConstraint(fields=["standard", "version"], name="chart_one_per_standard_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.document}）"


class ChartAccount(models.Model):
    """An account the standard defines."""

    chart = models.ForeignKey(Chart, on_delete=models.PROTECT, related_name="accounts")
    order = models.PositiveSmallIntegerField(_("顺序号"))
    code = models.CharField(_("科目编号"), max_length=20)
    name = models.CharField(_("科目名称"), max_length=60)
    account_class = models.CharField(_("类别"), max_length=20, choices=AccountClass.choices)
    normal_balance = models.CharField(_("余额方向"), max_length=6, choices=NormalBalance.choices)
    level = models.PositiveSmallIntegerField(_("级次"), default=1)
    parent_code = models.CharField(_("上级科目"), max_length=20, blank=True)
    party = models.CharField(_("辅助核算"), max_length=12, choices=Party.choices, default=Party.NONE)
    optional = models.BooleanField(_("可选科目"), default=False)
    confirmed = models.BooleanField(_("编号已核实"), default=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["chart_id", "order"]
        verbose_name = _("标准科目")
        verbose_name_plural = _("标准科目")
        constraints = [
            models.UniqueConstraint(fields=["chart", "code"], name="chart_account_code_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Book(models.Model):
    """The books (账套) of one cooperative or collective economic organisation, kept to one chart."""

    cooperative = models.OneToOneField("coops.Cooperative", on_delete=models.PROTECT, related_name="book")
    chart = models.ForeignKey(Chart, on_delete=models.PROTECT, related_name="books")
    # The first month kept in these books (启用期间); nothing may be dated before it.
    start_year = models.PositiveSmallIntegerField(_("启用年度"))
    start_month = models.PositiveSmallIntegerField(_("启用月份"))
    region_code = models.CharField(_("所属地区代码"), max_length=12)
    county_code = models.CharField(_("县代码"), max_length=6)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_code", "id"]
        verbose_name = _("账套")
        verbose_name_plural = _("账套")
        indexes = [models.Index(fields=["region_code"], name="book_region")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_month__gte=1, start_month__lte=12), name="book_start_month_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} · {self.chart.name}"


class BookAccount(models.Model):
    """An account of one book: the standard's first-level accounts and the sub-accounts the book adds
    (e.g. one per member under 成员往来 114, one per bank account under 银行存款 102). Only leaves take lines."""

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="accounts")
    chart_account = models.ForeignKey(ChartAccount, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("科目编号"), max_length=20)
    name = models.CharField(_("科目名称"), max_length=60)
    account_class = models.CharField(_("类别"), max_length=20, choices=AccountClass.choices)
    normal_balance = models.CharField(_("余额方向"), max_length=6, choices=NormalBalance.choices)
    level = models.PositiveSmallIntegerField(_("级次"), default=1)
    party = models.CharField(_("辅助核算"), max_length=12, choices=Party.choices, default=Party.NONE)
    # A per-member sub-account names its member; lines on it are that member's.
    member = models.ForeignKey(
        "coops.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="book_accounts"
    )
    is_leaf = models.BooleanField(_("末级科目"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    region_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=6)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["book_id", "code"]
        verbose_name = _("账套科目")
        verbose_name_plural = _("账套科目")
        constraints = [
            models.UniqueConstraint(fields=["book", "code"], name="book_account_code_once"),
            models.UniqueConstraint(
                fields=["parent", "member"],
                condition=models.Q(member__isnull=False),
                name="book_account_one_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("未结账")
    CLOSED = "closed", _("已结账")


class Period(models.Model):
    """A month of a book. Also the counter row that makes voucher numbers gapless: posting locks it
    (select_for_update), checks it is open and takes `last_number + 1`."""

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="periods")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    status = models.CharField(
        _("状态"), max_length=6, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    last_number = models.PositiveIntegerField(_("已用凭证号"), default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["book_id", "year", "month"]
        verbose_name = _("会计期间")
        verbose_name_plural = _("会计期间")
        constraints = [
            models.UniqueConstraint(fields=["book", "year", "month"], name="period_once_per_month"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="period_month_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class VoucherStatus(models.TextChoices):
    DRAFT = "draft", _("未记账")
    POSTED = "posted", _("已记账")


def _posted_immutable(what_zh: str = "已记账凭证", what_en: str = "A posted voucher") -> Conflict:
    return Conflict(
        f"{what_zh}不可修改或删除，更正请做红字冲销凭证。",
        f"{what_en} cannot be changed or deleted; correct it with a reversing voucher.",
        code="posted_voucher_immutable",
    )


class VoucherQuerySet(models.QuerySet):
    """update()/delete() refuse to touch a posted voucher, whatever path calls them."""

    def update(self, **kwargs):
        if self.filter(status=VoucherStatus.POSTED).exists():
            raise _posted_immutable()
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=VoucherStatus.POSTED).exists():
            raise _posted_immutable()
        return super().delete()


class Voucher(models.Model):
    """A 记账凭证. A draft may change; posting gives it the next number of its book and month and freezes it.
    A reversing voucher (红字冲销) repeats the original's lines with negated amounts and names it in `reverses`."""

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="vouchers")
    date = models.DateField(_("日期"))
    summary = models.CharField(_("摘要"), max_length=200)
    attachments = models.PositiveSmallIntegerField(_("附单据数"), default=0)
    status = models.CharField(
        _("状态"), max_length=6, choices=VoucherStatus.choices, default=VoucherStatus.DRAFT
    )
    period = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers"
    )
    number = models.PositiveIntegerField(_("凭证号"), null=True, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # Where an automatic voucher came from (e.g. "coops.ShareEntry:12"); blank for a voucher keyed in.
    source = models.CharField(_("来源"), max_length=60, blank=True)
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(_("制单时间"), auto_now_add=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    poster = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField(_("记账时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    region_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=6)

    objects = VoucherQuerySet.as_manager()

    class Meta:
        ordering = ["book_id", "date", "number", "id"]
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        indexes = [
            models.Index(fields=["book", "status", "date"], name="voucher_book_status_date"),
            models.Index(fields=["region_code"], name="voucher_region"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "number"],
                condition=models.Q(number__isnull=False),
                name="voucher_number_once",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", number__isnull=True, period__isnull=True)
                | models.Q(status="posted", number__isnull=False, period__isnull=False),
                name="voucher_posted_iff_numbered",
            ),
            models.CheckConstraint(
                condition=models.Q(attachments__lte=999), name="voucher_attachments_bounded"
            ),
        ]

    def __str__(self) -> str:
        if self.number:
            return f"记 {self.date:%Y-%m} 第{self.number}号"
        return f"草稿 {self.date} {self.summary}"

    # A safety net only: the services never change a posted voucher. These refuse it through the model.
    def save(self, *args, **kwargs) -> None:
        if not self._state.adding and getattr(self, "_stored_status", None) == VoucherStatus.POSTED:
            raise _posted_immutable()
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args, **kwargs):
        if getattr(self, "_stored_status", None) == VoucherStatus.POSTED or self.is_posted:
            raise _posted_immutable()
        return super().delete(*args, **kwargs)

    @property
    def is_posted(self) -> bool:
        return self.status == VoucherStatus.POSTED

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.__dict__.get("status")
        return instance


class VoucherLineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(voucher__status=VoucherStatus.POSTED).exists():
            raise _posted_immutable("已记账凭证的分录", "A line of a posted voucher")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(voucher__status=VoucherStatus.POSTED).exists():
            raise _posted_immutable("已记账凭证的分录", "A line of a posted voucher")
        return super().delete()


class VoucherLine(models.Model):
    """One line (分录) of a voucher: an amount on the debit or the credit side of one leaf account.

    Exactly one side is non-zero. Amounts are positive, except on a reversing voucher, whose amounts are the
    original's negated (red ink). A line on a member account names the member; on a counterparty account, the
    counterparty.
    """

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField(_("行号"))
    account = models.ForeignKey(BookAccount, on_delete=models.PROTECT, related_name="lines")
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    debit_fen = models.BigIntegerField(_("借方金额（分）"), default=0)
    credit_fen = models.BigIntegerField(_("贷方金额（分）"), default=0)
    member = models.ForeignKey(
        "coops.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="voucher_lines"
    )
    counterparty = models.CharField(_("往来单位或个人"), max_length=120, blank=True)
    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=6)

    objects = VoucherLineQuerySet.as_manager()

    class Meta:
        ordering = ["voucher_id", "line_no"]
        verbose_name = _("凭证分录")
        verbose_name_plural = _("凭证分录")
        indexes = [
            # (book, account, member): the statements group a region's lines per member of each account in this
            # order (ledger.selectors._account_rows), so SQLite reads them grouped instead of sorting them.
            models.Index(fields=["book", "account", "member"], name="voucher_line_book_acct_member"),
            models.Index(fields=["county_code"], name="voucher_line_county"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "line_no"], name="voucher_line_no_once"),
            models.CheckConstraint(
                condition=(~models.Q(debit_fen=0) & models.Q(credit_fen=0))
                | (models.Q(debit_fen=0) & ~models.Q(credit_fen=0)),
                name="voucher_line_one_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} 借{self.debit_fen} 贷{self.credit_fen}"

    def save(self, *args, **kwargs) -> None:
        if self.voucher_id and self._voucher_posted():
            raise _posted_immutable("已记账凭证的分录", "A line of a posted voucher")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.voucher_id and self._voucher_posted():
            raise _posted_immutable("已记账凭证的分录", "A line of a posted voucher")
        return super().delete(*args, **kwargs)

    def _voucher_posted(self) -> bool:
        return Voucher.objects.filter(pk=self.voucher_id, status=VoucherStatus.POSTED).exists()


NO_MEMBER = 0  # AccountBalance.member_key of the lines that name no member


class AccountBalance(models.Model):
    """Kept figures (ARCHITECTURE decision 5): the posted lines' debits and credits summed per book, account,
    member, year and whether the lines are the year close's. Kept current in the transaction that posts them
    (`services.balances.balances_keep`), rebuilt from the lines by `balances_rebuild`; the statements read whole
    years from here and only the ragged ends of their periods from the lines (selectors._account_rows)."""

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="+", db_index=False)
    account = models.ForeignKey(BookAccount, on_delete=models.PROTECT, related_name="+", db_index=False)
    # The line's member, or NO_MEMBER (0): a NULL would never conflict in the unique key on either database.
    member_key = models.BigIntegerField(_("成员"))
    year = models.PositiveSmallIntegerField(_("年度"))
    year_close = models.BooleanField(_("年结凭证"))
    debit_fen = models.BigIntegerField(_("借方合计（分）"))
    credit_fen = models.BigIntegerField(_("贷方合计（分）"))
    lines = models.BigIntegerField(_("分录数"))
    region_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=6)

    class Meta:
        verbose_name = _("科目余额")
        verbose_name_plural = _("科目余额")
        constraints = [
            # County first: a county's statements read its rows through this index in (book, account, member)
            # order, so SQLite sums each member as it reads; the posting upsert names it as its conflict target.
            models.UniqueConstraint(
                fields=["county_code", "book", "account", "member_key", "year", "year_close"],
                name="account_balance_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.member_key} {self.year} 借{self.debit_fen} 贷{self.credit_fen}"
