"""The collection's models: donors, donations, allocations, receipts and their books, cash
deposits, pledges. They belong to the ledger app (app label "ledger"); ``ledger/models.py``
imports each by name so that Django registers them.

Every recorded donation, allocation and deposit owns exactly one posted journal entry (a
one-to-one link), written in the same transaction as the record itself, and a donation or an
allocation owns exactly one receipt. Income comes only with its document: the receipt is issued
first, the entry names it (``JournalEntry.income_receipt``), the receipt then names the entry, and
the donation or allocation row comes last. What the database holds (see ``collection/dbguards.py``):

* a receipt takes the next number of its book: no gap, no reuse, never past the book's last
  number; a receipt is never deleted and its content never changes; it can only go from valid to
  void (with a reason and an approver), never back;
* a donation receipt is never issued for an allocation, and a settlement receipt never for a
  donation (the receipt's type is checked against what it is for);
* a receipt names, once, the posted entry that carries its income: an entry that names the
  receipt back and credits exactly the receipt's amount to the income of the receipt's type, in
  its fund and currency;
* a donation's (an allocation's) amount, currency, fund and entry are its valid receipt's;
* a pledge paid by a donation is a donation pledge of the same donor, fund and currency; one paid
  by an allocation is a mandated-contribution pledge of the same fund and currency; a pledge's
  kind, donor, fund and currency never change;
* donations, allocations and deposits are never deleted;
* a WeChat Pay, Alipay or POS donation names the channel's transaction reference (and only
  those do); a channel's transaction is settled once: one ``ChannelSettlementLine`` per channel
  and reference and per donation, its net being its gross less its fee, and a line is settled
  (names a settlement) exactly when it names a donation. One payment is one valid donation:
  checked by the recording service under the books lock (a voided donation's reference may be
  recorded again, so it is not a unique constraint).

A pledge is *not* booked (non-profit accounting books it only when paid); its paid amount is the
sum of the valid donations (for a mandated contribution: allocations) linked to it, and "overdue" is derived from its due date, so neither
can drift from the records they come from.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField


class DonorKind(models.TextChoices):
    UNIT = "unit", _("unit (organisation)")
    PERSON = "person", _("person")


class Donor(models.Model):
    kind = models.CharField(_("kind"), max_length=6, choices=DonorKind.choices)
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("18 characters, for units (GB 32100)."),
    )
    anonymous = models.BooleanField(
        _("anonymous on public lists"), default=False, help_text=_("Only for people.")
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="donor_credit_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind="person") | Q(anonymous=False), name="donor_only_people_anonymous"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["unit", "person"]), name="donor_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["name"], name="donor_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def public_name(self) -> str:
        """The name a public list may show: units by name, people masked or anonymous."""
        if self.kind == DonorKind.UNIT:
            return self.name
        if self.anonymous:
            return str(_("Anonymous"))
        return mask_name(self.name)


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小明 -> 张*明, 欧阳小明 -> 欧**明; Latin names keep their first letter."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class ReceiptType(models.TextChoices):
    DONATION = "donation", _("public-welfare donation receipt")
    SETTLEMENT = "settlement", _("inter-unit settlement receipt")


class ReceiptBook(models.Model):
    """A stock of pre-numbered receipts of one type (a series with a number range)."""

    type = models.CharField(_("receipt type"), max_length=10, choices=ReceiptType.choices)
    series = models.CharField(_("series code"), max_length=20)
    first_number = models.PositiveIntegerField(_("first number"))
    last_number = models.PositiveIntegerField(_("last number"))
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["type", "series", "first_number"]
        verbose_name = _("receipt book")
        verbose_name_plural = _("receipt books")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_number__lte=models.F("last_number")) & Q(first_number__gt=0),
                name="receiptbook_range_valid",
            ),
            models.UniqueConstraint(fields=["series", "first_number"], name="receiptbook_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.first_number:08d}-{self.last_number:08d}"

    @property
    def size(self) -> int:
        return self.last_number - self.first_number + 1


class ReceiptStatus(models.TextChoices):
    VALID = "valid", _("valid")
    VOID = "void", _("void")


class Receipt(models.Model):
    book = models.ForeignKey(ReceiptBook, on_delete=models.PROTECT, related_name="receipts")
    number = models.PositiveIntegerField(_("number"))
    type = models.CharField(_("receipt type"), max_length=10, choices=ReceiptType.choices)
    payer_name = models.CharField(_("payer"), max_length=200)
    payer_credit_code = models.CharField(_("payer's credit code"), max_length=18, blank=True)
    payer_is_person = models.BooleanField(default=False)
    payer_anonymous = models.BooleanField(default=False)
    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="receipts")
    project = models.CharField(_("project"), max_length=200, blank=True)
    amount = MoneyField(
        _("amount"), max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY
    )
    amount_in_words = models.CharField(_("amount in words"), max_length=100)
    issued_on = models.DateField(_("date"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    check_code = models.CharField(_("check code"), max_length=16)
    # The entry that carries the receipt's income. The receipt is issued first (the entry names
    # it, ``JournalEntry.income_receipt``), so it is empty for that moment only: the recording
    # service sets it once, in the same transaction, and the database refuses any other change.
    entry = models.OneToOneField(
        "ledger.JournalEntry",
        on_delete=models.PROTECT,
        related_name="receipt",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=5, choices=ReceiptStatus.choices, default=ReceiptStatus.VALID
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        indexes = [
            # The receipt list's date range.
            models.Index(fields=["issued_on"], name="receipt_issued_on"),
            # The short verification address (/r/<check code>) finds a receipt by its code.
            models.Index(fields=["check_code"], name="receipt_check_code"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["book", "number"], name="receipt_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["valid", "void"]), name="receipt_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="valid") | ~Q(void_reason=""), name="receipt_void_has_reason"
            ),
        ]
        permissions = [("approve_receipt_void", _("Can approve voiding a receipt"))]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"{self.book.series}-{self.number:08d}"

    @property
    def is_void(self) -> bool:
        return self.status == ReceiptStatus.VOID

    @property
    def public_payer(self) -> str:
        if not self.payer_is_person:
            return self.payer_name
        if self.payer_anonymous:
            return str(_("Anonymous"))
        return mask_name(self.payer_name)


class VoidRequestStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class ReceiptVoidRequest(models.Model):
    """Maker-checker for voiding: an officer asks with a reason, another person approves."""

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="void_requests")
    reason = models.CharField(_("reason"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=VoidRequestStatus.choices,
        default=VoidRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("void request")
        verbose_name_plural = _("void requests")
        constraints = [
            models.UniqueConstraint(
                fields=["receipt"],
                condition=Q(status="pending"),
                name="one_pending_void_per_receipt",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="void_not_approved_by_asker",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="void_request_has_reason"),
        ]

    def __str__(self) -> str:
        return f"void {self.receipt_id} ({self.status})"


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("bank transfer")
    CASH = "cash", _("cash")
    CHEQUE = "cheque", _("cheque")
    # Payment channels: the money lands in the channel's clearing account (1009 其他货币资金)
    # and reaches the bank when the channel settles (``ChannelSettlementLine``).
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    POS = "pos", _("POS (bank card terminal)")


# The methods that come through a payment channel (each with its transaction reference).
CHANNEL_METHODS = (PaymentMethod.WECHAT, PaymentMethod.ALIPAY, PaymentMethod.POS)
# Budget money (allocations) comes by bank, cash or cheque only.
DIRECT_METHODS = (PaymentMethod.BANK, PaymentMethod.CASH, PaymentMethod.CHEQUE)


class PledgeStatus(models.TextChoices):
    OPEN = "open", _("open")
    PARTLY_PAID = "partly_paid", _("partly paid")
    FULFILLED = "fulfilled", _("fulfilled")
    OVERDUE = "overdue", _("overdue")
    WRITTEN_OFF = "written_off", _("written off")


class PledgeKind(models.TextChoices):
    """What a pledge promises: a voluntary donation (paid by donations, with donation receipts)
    or a mandated contribution (帮扶资金 a department must pay: paid by allocations, with
    settlement receipts; 财综〔2024〕1号 art. 8 forbids donation receipts for 摊派)."""

    DONATION = "donation", _("donation")
    CONTRIBUTION = "contribution", _("mandated contribution")


class Pledge(models.Model):
    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=PledgeKind.choices,
        default=PledgeKind.DONATION,
        db_default=PledgeKind.DONATION,
    )
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="pledges")
    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="pledges")
    amount = MoneyField(
        _("amount"), max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY
    )
    pledged_on = models.DateField(_("pledged on"))
    due_date = models.DateField(_("due date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    written_off = models.BooleanField(_("written off"), default=False)
    write_off_reason = models.CharField(_("reason for writing off"), max_length=300, blank=True)
    written_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    written_off_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The entry screen's hidden key (null from the API and imports): a double submit of the
    # same form records one pledge. Nullable so that adding it needs no table rebuild on SQLite
    # (a rebuild drops the guards' triggers that name this table).
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, editable=False)  # noqa: DJ001 - see above

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        # The pledge list's order and the home page's "pledges due" (by due date).
        indexes = [models.Index(fields=["due_date", "id"], name="pledge_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="pledge_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_amount_positive"),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("pledged_on")), name="pledge_due_after_pledged"
            ),
            models.CheckConstraint(
                condition=Q(written_off=False) | ~Q(write_off_reason=""),
                name="pledge_writeoff_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["donation", "contribution"]), name="pledge_kind_valid"
            ),
        ]
        permissions = [("write_off_pledge", _("Can write off a pledge"))]

    def __str__(self) -> str:
        return f"{self.donor} {self.amount} {self.due_date}"


class Donation(models.Model):
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="donations")
    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="donations")
    amount = MoneyField(
        _("amount"), max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY
    )
    method = models.CharField(_("method"), max_length=6, choices=PaymentMethod.choices)
    # The channel's transaction reference (商户单号/交易参考号) for WeChat Pay, Alipay and POS:
    # the settlement file names it, and a settlement line matches the donation by it.
    channel_ref = models.CharField(
        _("transaction reference"), max_length=64, blank=True, default="", db_default=""
    )
    received_on = models.DateField(_("date received"))
    project = models.CharField(_("project"), max_length=200, blank=True)
    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    entry = models.OneToOneField(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="donation"
    )
    receipt = models.OneToOneField(Receipt, on_delete=models.PROTECT, related_name="donation")
    idempotency_key = models.CharField(max_length=200, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
            models.CheckConstraint(
                condition=Q(method__in=["bank", "cash", "cheque", "wechat", "alipay", "pos"]),
                name="donation_method_valid",
            ),
            # A channel donation names its transaction; a direct one names none.
            models.CheckConstraint(
                condition=(Q(method__in=["wechat", "alipay", "pos"]) & ~Q(channel_ref=""))
                | (Q(method__in=["bank", "cash", "cheque"]) & Q(channel_ref="")),
                name="donation_channel_ref_iff_channel",
            ),
        ]
        indexes = [
            models.Index(
                fields=["method", "channel_ref"],
                condition=~Q(channel_ref=""),
                name="donation_channel_ref",
            ),
            # The donations list's order (newest first): without it every page sorted them all.
            models.Index(fields=["-received_on", "-id"], name="donation_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.donor} {self.amount} {self.received_on}"

    @property
    def is_void(self) -> bool:
        return self.receipt.status == ReceiptStatus.VOID


class AllocationKind(models.TextChoices):
    FISCAL = "fiscal", _("fiscal allocation")
    DEPARTMENTAL = "departmental", _("mandated departmental contribution")


class Allocation(models.Model):
    """Budget money: booked to allocation income; gets a settlement receipt, never a donation one."""

    kind = models.CharField(_("kind"), max_length=12, choices=AllocationKind.choices)
    source_name = models.CharField(_("paying department"), max_length=200)
    source_credit_code = models.CharField(_("credit code"), max_length=18, blank=True)
    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="allocations")
    amount = MoneyField(
        _("amount"), max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY
    )
    method = models.CharField(
        _("method"),
        max_length=6,
        choices=[(m.value, m.label) for m in DIRECT_METHODS],
    )
    received_on = models.DateField(_("date received"))
    document_no = models.CharField(_("document number"), max_length=100, blank=True)
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.PROTECT,
        related_name="allocation_payments",
        null=True,
        blank=True,
        help_text=_("The mandated-contribution pledge this pays, if any."),
    )
    entry = models.OneToOneField(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="allocation"
    )
    receipt = models.OneToOneField(Receipt, on_delete=models.PROTECT, related_name="allocation")
    idempotency_key = models.CharField(max_length=200, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.source_name} {self.amount} {self.received_on}"


class CashDeposit(models.Model):
    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="cash_deposits")
    amount = MoneyField(
        _("amount"), max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY
    )
    deposited_on = models.DateField(_("date deposited"))
    bank_slip = models.CharField(_("bank slip number"), max_length=100, blank=True)
    entry = models.OneToOneField(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="cash_deposit"
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-deposited_on", "-id"]
        verbose_name = _("cash deposit")
        verbose_name_plural = _("cash deposits")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} {self.amount} {self.deposited_on}"


class DonationImport(models.Model):
    """One imported file of donations; the file's hash makes a second import a no-op."""

    file_sha256 = models.CharField(max_length=64, unique=True)
    file_name = models.CharField(max_length=200)
    rows = models.PositiveIntegerField()
    total = models.JSONField(default=dict)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("donation import")
        verbose_name_plural = _("donation imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows})"


class ChannelStatement(models.Model):
    """One imported settlement file of a payment channel (WeChat Pay, Alipay, POS): the lines it
    brought, and the settlements (one per fund) that moved their money to the bank."""

    channel = models.CharField(
        _("channel"), max_length=6, choices=[(m.value, m.label) for m in CHANNEL_METHODS]
    )
    settled_on = models.DateField(_("date settled to the bank"))
    file_name = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("channel statement")
        verbose_name_plural = _("channel statements")
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["wechat", "alipay", "pos"]),
                name="channelstatement_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.settled_on} ({self.file_name})"


class ChannelSettlement(models.Model):
    """The settlement entry of one statement in one fund (an entry names one fund unless two
    people sign it): Dr bank the net, Dr bank charges the fee, Cr the channel's clearing account
    the gross of the statement's matched lines of that fund. An exception matched later (its
    donation recorded after the file came) gets a settlement of its own under its statement."""

    statement = models.ForeignKey(
        ChannelStatement, on_delete=models.PROTECT, related_name="settlements"
    )
    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3)
    gross = models.DecimalField(_("gross"), max_digits=18, decimal_places=2)
    fee = models.DecimalField(_("fee"), max_digits=18, decimal_places=2)
    net = models.DecimalField(_("net"), max_digits=18, decimal_places=2)
    entry = models.OneToOneField(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="channel_settlement"
    )

    class Meta:
        ordering = ["statement_id", "fund_id"]
        verbose_name = _("channel settlement")
        verbose_name_plural = _("channel settlements")
        constraints = [
            models.CheckConstraint(
                condition=Q(gross__gt=0)
                & Q(fee__gte=0)
                & Q(net=models.F("gross") - models.F("fee")),
                name="channelsettlement_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement} {self.fund_id} {self.net}"


class ChannelSettlementLine(models.Model):
    """One transaction of a channel's settlement file. A channel's transaction is settled once:
    the database holds one line per (channel, reference), one line per donation, and net =
    gross − fee to the cent. A line with no donation is an exception (money the channel paid
    for a transaction the books do not know): it is kept, listed on the reconciliation, never
    posted."""

    statement = models.ForeignKey(ChannelStatement, on_delete=models.PROTECT, related_name="lines")
    channel = models.CharField(
        _("channel"), max_length=6, choices=[(m.value, m.label) for m in CHANNEL_METHODS]
    )
    transaction_ref = models.CharField(_("transaction reference"), max_length=64)
    transacted_on = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    gross = models.DecimalField(_("gross"), max_digits=18, decimal_places=2)
    fee = models.DecimalField(_("fee"), max_digits=18, decimal_places=2)
    net = models.DecimalField(_("net"), max_digits=18, decimal_places=2)
    donation = models.OneToOneField(
        Donation,
        on_delete=models.PROTECT,
        related_name="settlement_line",
        null=True,
        blank=True,
    )
    settlement = models.ForeignKey(
        ChannelSettlement,
        on_delete=models.PROTECT,
        related_name="lines",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["statement_id", "id"]
        verbose_name = _("channel settlement line")
        verbose_name_plural = _("channel settlement lines")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "transaction_ref"], name="channelline_settled_once"
            ),
            models.CheckConstraint(condition=~Q(transaction_ref=""), name="channelline_has_ref"),
            models.CheckConstraint(
                condition=Q(gross__gt=0) & Q(fee__gte=0) & Q(fee__lte=models.F("gross")),
                name="channelline_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(net=models.F("gross") - models.F("fee")),
                name="channelline_net_is_gross_less_fee",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["wechat", "alipay", "pos"]),
                name="channelline_channel_valid",
            ),
            # A line is settled (posted) exactly when it matched a donation.
            models.CheckConstraint(
                condition=Q(donation__isnull=True, settlement__isnull=True)
                | Q(donation__isnull=False, settlement__isnull=False),
                name="channelline_settled_iff_matched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.transaction_ref}"


ZERO = Decimal("0.00")

__all__ = [
    "Allocation",
    "AllocationKind",
    "CHANNEL_METHODS",
    "CashDeposit",
    "ChannelSettlement",
    "ChannelSettlementLine",
    "ChannelStatement",
    "DIRECT_METHODS",
    "Donation",
    "DonationImport",
    "Donor",
    "DonorKind",
    "PaymentMethod",
    "Pledge",
    "PledgeKind",
    "PledgeStatus",
    "Receipt",
    "ReceiptBook",
    "ReceiptStatus",
    "ReceiptType",
    "ReceiptVoidRequest",
    "VoidRequestStatus",
    "mask_name",
]
