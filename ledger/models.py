"""The double-entry books of the fund.

Design
------
* An ``Account`` is a line of the chart (1002 bank, 2201 awards payable, ...). A ``Fund`` is a
  pot of money with its own restriction (relief fund, reward fund, ...). Every journal line names
  both, so each fund keeps its own complete, balancing set of books inside one chart.
* A ``JournalEntry`` is written as a *draft*, its ``JournalLine`` rows are added, and then it is
  flipped to *posted* in one UPDATE. The database checks the whole entry at that flip (see
  ``ledger/dbguards/``), so that ``.update()``, ``bulk_create`` and raw SQL are held to the same
  rules as the service:

  1. for each fund and currency the debits equal the credits, over at least two lines;
  2. each line has a side (D/C) and a positive amount with at most 2 decimal places;
  3. a posted entry or line is never updated or deleted (a correction is a reversing entry,
     ``reverses``, at most one per entry); the entry's date lies in an open period;
  4. the idempotency key is unique, and ``content_hash`` lets the service tell a retry (same
     content: the first entry is returned) from a conflict (different content: refused);
  5. ``Balance`` holds the running balance per account x fund x currency, and every line keeps
     the balance after it. The database refuses a line whose ``balance_after`` does not follow
     from the line before it, and a balance row that does not equal its latest line or whose
     ``line_count`` does not grow by exactly the lines added since its previous ``last_line``;
  6. entries form a hash chain in ``seq`` order: ``hash`` covers the entry's content and the
     previous entry's hash, keyed (HMAC-SHA256) with a secret held outside the database, per
     ``ChainSegment`` (``ledger.chainkeys``), so a database writer cannot recompute it; the
     head is also written outside the database (``ledger.checkpoints``). ``verify_ledger``
     recomputes all of it from the lines.

Amounts are signed in one place only: ``balance_after`` and ``Balance.balance`` are debit-positive
(debits minus credits). Screens show them on the account's normal side.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from djmoney.models.fields import MoneyField
from djmoney.money import Money

CODE_VALIDATOR = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z._-]*$",
    _("Use letters, digits, dot, dash or underscore only, starting with a letter or digit."),
)
GENESIS_HASH = "0" * 64


class BilingualNameMixin(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        lang = translation.get_language() or settings.LANGUAGE_CODE
        return self.name_zh if lang.lower().startswith("zh") else self.name_en


class Side(models.TextChoices):
    DEBIT = "D", _("debit")
    CREDIT = "C", _("credit")


class AccountType(models.TextChoices):
    ASSET = "asset", _("asset")
    LIABILITY = "liability", _("liability")
    NET_ASSETS = "net_assets", _("net assets")
    INCOME = "income", _("income")
    EXPENSE = "expense", _("expense")


DEBIT_NORMAL_TYPES = (AccountType.ASSET, AccountType.EXPENSE)


class Purpose(models.TextChoices):
    RELIEF = "relief", _("one-off relief")
    REWARD = "reward", _("reward and assistance")
    SPECIAL = "special", _("special assistance")
    BUILDING = "building", _("building project")
    OPERATIONS = "operations", _("operations and bank charges")


class AccountRole(models.TextChoices):
    CASH = "cash", _("cash on hand (never below zero)")
    BANK = "bank", _("cash at bank (never below zero)")
    AWARDS_PAYABLE = "awards_payable", _("awards payable (award and payment flows only)")
    DONATION_INCOME = "donation_income", _("donation income (with a donation receipt only)")
    ALLOCATION_INCOME = "allocation_income", _("allocation income (with a settlement receipt only)")
    RECOVERIES_RECEIVABLE = (
        "recoveries_receivable",
        _("recoveries receivable (money paid in error, recovery flow only)"),
    )


class Account(BilingualNameMixin):
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[CODE_VALIDATOR])
    type = models.CharField(_("type"), max_length=12, choices=AccountType.choices)
    normal_side = models.CharField(_("normal side"), max_length=1, choices=Side.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # What a line on this account pays (expense accounts): a restricted fund accepts the line only
    # when the purpose is one of its own (held by the database, ledger/dbguards/).
    purpose = models.CharField(
        _("purpose paid"),
        max_length=20,
        blank=True,
        default="",
        db_default="",
        choices=Purpose.choices,
        help_text=_("For expense accounts: the purpose a line on this account pays."),
    )
    # The part an account plays in the fund's controls (cash and bank never go below zero;
    # income from donations and allocations only with its receipt; awards payable only through
    # the award and payment flows). Set on the default chart; frozen once the account is used.
    role = models.CharField(
        _("role in the controls"),
        max_length=24,
        blank=True,
        default="",
        db_default="",
        choices=AccountRole.choices,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=[AccountType.ASSET, AccountType.EXPENSE], normal_side="D")
                | Q(
                    type__in=[AccountType.LIABILITY, AccountType.NET_ASSETS, AccountType.INCOME],
                    normal_side="C",
                ),
                name="account_normal_side_matches_type",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="account_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        if not self.normal_side:
            self.normal_side = "D" if self.type in DEBIT_NORMAL_TYPES else "C"
        super().save(*args, **kwargs)

    def to_normal(self, signed: Decimal) -> Decimal:
        """A debit-positive figure shown on this account's normal side."""
        return signed if self.normal_side == Side.DEBIT else -signed


class Fund(BilingualNameMixin):
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[CODE_VALIDATOR])
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Restricted money pays only the purposes listed below (account 3102)."),
    )
    purposes = models.JSONField(
        _("allowed purposes"),
        default=list,
        blank=True,
        help_text=_("Purpose codes this fund may pay; an unrestricted fund may pay any."),
    )
    currencies = models.JSONField(
        _("currencies held"), default=list, help_text=_('ISO codes, e.g. ["CNY"].')
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def allows_purpose(self, purpose: str) -> bool:
        return not self.restricted or purpose in (self.purposes or [])

    def holds_currency(self, currency: str) -> bool:
        return currency in (self.currencies or [settings.DEFAULT_CURRENCY])


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Period(models.Model):
    """An accounting period (a month by default). Closed periods stay closed."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=6, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["start"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        permissions = [("close_period", _("Can close accounting periods"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lte=models.F("end")), name="period_start_le_end"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]), name="period_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN


class PublishedCheckpoint(models.Model):
    """The chain head when a period closed, published for the public (issue 15, point 4): the
    public checkpoints page lists it and printed reports carry it, so a copy kept by anyone
    outside fundapp can later be compared with the live chain (``/public/checkpoints/``), and
    ``verify_ledger`` checks the chain passes through every one. Append-only (a guard)."""

    period = models.OneToOneField(
        Period,
        verbose_name=_("period"),
        on_delete=models.PROTECT,
        related_name="published_checkpoint",
    )
    seq = models.BigIntegerField(_("entry number"))
    hash = models.CharField(_("hash"), max_length=64)
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["-seq", "-id"]
        verbose_name = _("published checkpoint")
        verbose_name_plural = _("published checkpoints")
        constraints = [
            models.CheckConstraint(condition=Q(seq__gte=0), name="published_checkpoint_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.period} #{self.seq} {self.hash[:12]}"


class ChainHead(models.Model):
    """The single row every posting locks: the end of the hash chain and the posting order."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # The id of the open chain segment's key (``ChainSegment``, ``ledger.chainkeys``); empty
    # until the first segment opens (entries before it are legacy, hashed without a key).
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="chainhead_single_row")]

    def __str__(self) -> str:
        return f"chain head #{self.last_seq}"


class ChainSegment(models.Model):
    """From entry ``first_seq`` on (until the next segment) the chain is keyed with the key whose
    id is ``key_id`` (``ledger.chainkeys``). ``mac`` is the segment's own MAC under that key, so
    only who holds the key can open a segment. Entries before the first segment are legacy
    (unkeyed SHA-256). Rows are only ever added: by the first posting, and by rotation."""

    first_seq = models.BigIntegerField(unique=True)
    key_id = models.CharField(max_length=16)
    mac = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_seq"]
        constraints = [
            models.CheckConstraint(condition=Q(first_seq__gte=1), name="chainsegment_seq_positive")
        ]

    def __str__(self) -> str:
        return f"chain segment from #{self.first_seq} (key {self.key_id})"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    POSTED = "posted", _("posted")


# What a person reads for an entry's ``source`` (the code is what the flows write and filter
# by; it is not a field choice, so a flow added later posts without a migration and is shown by
# its code until it is named here).
JOURNAL_SOURCES = {
    "manual": pgettext_lazy("journal source", "manual entry"),
    "donation": pgettext_lazy("journal source", "donation"),
    "allocation": pgettext_lazy("journal source", "budget allocation"),
    "deposit": pgettext_lazy("journal source", "cash deposit"),
    "approvals": pgettext_lazy("journal source", "relief award"),
    "disbursement": pgettext_lazy("journal source", "payout"),
    "recovery": pgettext_lazy("journal source", "recovery"),
}


def journal_source_label(code: str) -> str:
    return str(JOURNAL_SOURCES.get(code, code))


class JournalEntry(models.Model):
    seq = models.BigIntegerField(_("number"), unique=True)
    date = models.DateField(_("date"))
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="entries"
    )
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    source = models.CharField(
        _("source"),
        max_length=30,
        default="manual",
        help_text=_("Which part of the system posted it."),
    )
    status = models.CharField(
        _("status"), max_length=6, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    # Unique through Meta.constraints, not ``unique=True``: on PostgreSQL a unique CharField also
    # gets a ``varchar_pattern_ops`` index for LIKE searches, which nothing here makes, and every
    # posting would pay for two more index entries.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    content_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"))
    # Four eyes (ledger/dbguards/): a manual entry, and any entry spanning two funds (a
    # reclassification), posts only with its maker and a different approver, and a reason.
    # No database foreign keys on the three below: the flip to posted checks them set-based, as
    # for the lines (a foreign key costs a trigger event per row of a 100,000-entry batch).
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    reason = models.CharField(_("reason"), max_length=1000, blank=True, default="", db_default="")
    # The receipt that documents income on this entry (a donation or allocation): the database
    # refuses a credit to donation or allocation income without it (ledger/dbguards/).
    income_receipt = models.ForeignKey(
        "ledger.Receipt",
        verbose_name=_("receipt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        permissions = [
            ("reverse_journalentry", _("Can reverse journal entries")),
            ("export_ledger", _("Can export ledger lists")),
            ("verify_ledger", _("Can verify the ledger")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gt=0), name="entry_seq_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "posted"]), name="entry_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(reverses=models.F("id")), name="entry_not_own_reversal"
            ),
            models.CheckConstraint(condition=~Q(idempotency_key=""), name="entry_key_not_blank"),
            models.UniqueConstraint(fields=["idempotency_key"], name="entry_key_unique"),
            models.UniqueConstraint(fields=["hash"], name="entry_hash_unique"),
            # One receipt documents one entry (its income); only entries with a receipt are
            # in the index, so postings without one pay nothing for it.
            models.UniqueConstraint(
                fields=["income_receipt"],
                condition=Q(income_receipt__isnull=False),
                name="entry_income_receipt_once",
            ),
        ]
        indexes = [models.Index(fields=["date", "seq"], name="entry_date_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.date} {self.memo}"

    @property
    def is_posted(self) -> bool:
        return self.status == EntryStatus.POSTED

    @property
    def source_label(self) -> str:
        return journal_source_label(self.source)

    @property
    def memo_display(self) -> str:
        """The memo in the reader's language when a flow wrote it (``ledger.memos``)."""
        from .memos import memo_display

        return memo_display(self.memo)


class JournalLine(models.Model):
    # No single-column indexes on entry and account: ``line_no_unique_in_entry`` (entry, line_no)
    # and ``line_account_id`` (account, id) start with them and serve the same look-ups.
    # No database foreign keys (db_constraint=False) on the three: the guards hold the same
    # integrity set-based (a line names an existing entry, account and fund; what a line names
    # is never deleted or renumbered) instead of one check per line per key at commit, which was
    # a fifth of a large batch. See ledger/dbguards/references.py, ledger_line_referenced.
    entry = models.ForeignKey(
        JournalEntry,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    line_no = models.PositiveSmallIntegerField()
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    fund = models.ForeignKey(
        Fund,
        verbose_name=_("fund"),
        on_delete=models.PROTECT,
        related_name="lines",
        db_constraint=False,
    )
    side = models.CharField(_("side"), max_length=1, choices=Side.choices)
    amount = MoneyField(
        _("amount"), max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY
    )
    balance_after = models.DecimalField(
        _("balance after"),
        max_digits=20,
        decimal_places=2,
        help_text=_("Debits minus credits of this account, fund and currency after this line."),
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="line_amount_positive"),
            models.CheckConstraint(condition=Q(side__in=["D", "C"]), name="line_side_valid"),
            models.UniqueConstraint(fields=["entry", "line_no"], name="line_no_unique_in_entry"),
        ]
        indexes = [
            models.Index(fields=["account", "fund", "amount_currency", "id"], name="line_key_id"),
            models.Index(fields=["account", "id"], name="line_account_id"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.line_no} {self.side} {self.account_id} {self.amount}"

    @property
    def signed(self) -> Decimal:
        return self.amount.amount if self.side == Side.DEBIT else -self.amount.amount


class Balance(models.Model):
    """The stored running balance of one account, fund and currency (debit-positive)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="balances")
    currency = models.CharField(max_length=3)
    balance = models.DecimalField(max_digits=20, decimal_places=2)
    # No index: nothing looks balances up by their line, and without it the update of a balance
    # at each posting touches no index (a HOT update on PostgreSQL).
    last_line = models.ForeignKey(
        JournalLine, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # How many lines the key has (the statement's page count without counting them); the
    # database refuses a count that does not move with ``last_line`` (ledger/dbguards/balance.py).
    line_count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "fund", "currency"], name="balance_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.fund_id} {self.money}"

    @property
    def money(self) -> Money:
        return Money(self.balance, self.currency)


class AuditEvent(models.Model):
    """Append-only record of who did what (the database refuses updates and deletes)."""

    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class RequestKind(models.TextChoices):
    ENTRY = "entry", _("manual entry")
    REVERSAL = "reversal", _("reversal")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved and posted")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class EntryRequest(models.Model):
    """A manual journal entry or a reversal asked for by one person, posted only when a second
    person with the right approves it (four eyes); rejected or withdrawn ones stay as a record.

    ``lines`` holds what the maker asked for, as text: a list of
    ``{"account": code, "fund": code, "side": "D"|"C", "amount": "100.00", "currency": "CNY",
    "memo": ""}``; empty for a reversal (its lines are the mirror of ``reverses``).
    """

    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    date = models.DateField(_("date"))
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    reason = models.CharField(_("reason"), max_length=1000)
    lines = models.JSONField(_("lines"), default=list, blank=True)
    reverses = models.ForeignKey(
        JournalEntry,
        verbose_name=_("entry to reverse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal_requests",
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=1000, blank=True)
    entry = models.OneToOneField(
        JournalEntry,
        verbose_name=_("posted entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="request",
    )
    # The maker's submit key: a double click or a retry makes one request.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)

    class Meta:
        ordering = ["-made_at", "-id"]
        verbose_name = _("entry request")
        verbose_name_plural = _("entry requests")
        permissions = [
            ("approve_entryrequest", _("Can approve manual entries and reversals")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "withdrawn"]),
                name="entryrequest_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["entry", "reversal"]), name="entryrequest_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("made_by")),
                name="entryrequest_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(entry__isnull=False),
                name="entryrequest_approved_has_entry",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False),
                name="entryrequest_reversal_names_entry",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="entryrequest_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class EntryRequestAttachment(models.Model):
    """A document backing a manual entry or reversal (a bank slip, the 管委会's minutes)."""

    request = models.ForeignKey(EntryRequest, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to="entry_requests/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    DONATION = "donation", _("donation")
    ALLOCATION = "allocation", _("allocation")
    PLEDGE = "pledge", _("pledge")
    DEPOSIT = "deposit", _("cash deposit")
    MANUAL_ENTRY = "manual_entry", _("manual journal entry")
    AWARD = "award", _("award")


class AmountCeiling(models.Model):
    """The largest amount one document of a kind may carry (``ledger.limits``); without a row,
    the default ceiling applies. The administrator raises or lowers it in the admin."""

    kind = models.CharField(
        _("kind of document"), max_length=20, unique=True, choices=DocumentKind.choices
    )
    ceiling = models.DecimalField(_("ceiling"), max_digits=15, decimal_places=2)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("amount ceiling")
        verbose_name_plural = _("amount ceilings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ceiling__gt=0) & Q(ceiling__lte=Decimal("9999999999999.99")),
                name="amountceiling_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.ceiling}"


# The collection's models (donors, receipts, donations, allocations, deposits, pledges) live in
# ledger/collection/models.py, in the ledger app (app label "ledger", tables "ledger_*"). Django
# registers a model when its module is imported, and it imports only this module of the app.
from .collection.models import (  # noqa: E402, F401
    Allocation,
    CashDeposit,
    ChannelSettlement,
    ChannelSettlementLine,
    ChannelStatement,
    Donation,
    DonationImport,
    Donor,
    Pledge,
    Receipt,
    ReceiptBook,
    ReceiptVoidRequest,
)
