"""Personalised financing: accounts and transfers of a double-entry ledger, certificates,
enrollments with holds, provider contracts and payments (docs/financing.md).

Amounts are integer kopecks. Transfers are append-only: a hold is a pending transfer;
posting or voiding it is a second transfer that points to it (`pending`), and the one-to-one
link makes a second post, or a post after a void, impossible in the database itself.
Account balances are cached counters changed only under a row lock, in the same
transaction as the transfer; `efs financing reconcile` recomputes them from the transfers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from efs.people.models import Educator, EducatorCategory, Organization, Region


class Ledger(models.TextChoices):
    RUB = "rub", _("roubles")
    TRACK = "track", _("tracked only (no money)")


class AccountKind(models.TextChoices):
    SOURCE = "source", _("regional budget (source of the fund)")
    FUND = "fund", _("regional fund")
    CERTIFICATE = "certificate", _("certificate")
    PROVIDER = "provider", _("owed to a provider")
    PAYOUT = "payout", _("paid to providers")
    COPAY = "copay", _("co-payment")


class Account(models.Model):
    """One account of the ledger. `region` is the region whose money it is (for a
    provider's account: the paying region, so cross-region enrollments settle apart)."""

    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind.choices)
    ledger = models.CharField(_("ledger"), max_length=5, choices=Ledger.choices, default=Ledger.RUB)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    educator = models.ForeignKey(
        Educator, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts", verbose_name=_("educator")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("organization"),
    )
    category = models.CharField(_("category"), max_length=10, choices=EducatorCategory.choices, blank=True)
    may_go_negative = models.BooleanField(_("may go below zero"), default=False)
    debits_posted = models.BigIntegerField(default=0)
    credits_posted = models.BigIntegerField(default=0)
    debits_pending = models.BigIntegerField(default=0)
    credits_pending = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(may_go_negative=True) | Q(credits_posted__gte=F("debits_posted") + F("debits_pending")),
                name="account_never_below_zero",
            ),
            models.CheckConstraint(
                condition=Q(debits_posted__gte=0, credits_posted__gte=0, debits_pending__gte=0, credits_pending__gte=0),
                name="account_counters_not_negative",
            ),
            models.UniqueConstraint(
                fields=["kind", "ledger", "region"],
                condition=Q(kind__in=["source", "payout"]),
                name="account_one_source_payout_per_region",
            ),
            models.UniqueConstraint(
                fields=["ledger", "region", "year"], condition=Q(kind="fund"), name="account_one_fund_per_region_year"
            ),
            models.UniqueConstraint(
                fields=["ledger", "educator", "year", "category"],
                condition=Q(kind="certificate"),
                name="account_one_certificate_per_year",
            ),
            models.UniqueConstraint(
                fields=["ledger", "organization", "region"],
                condition=Q(kind="provider"),
                name="account_one_payable_per_provider_region",
            ),
            models.UniqueConstraint(
                fields=["ledger", "region", "organization", "educator"],
                condition=Q(kind="copay"),
                name="account_one_copay_per_payer",
            ),
        ]
        indexes = [models.Index(fields=["region", "kind", "year"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def balance(self) -> int:
        """Posted credits minus posted debits."""
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What can still be held or spent: the balance less the pending holds."""
        return self.credits_posted - self.debits_posted - self.debits_pending

    @property
    def held(self) -> int:
        return self.debits_pending


class TransferKind(models.TextChoices):
    TOP_UP = "top_up", _("fund top-up")
    ISSUE = "issue", _("certificate issued")
    HOLD = "hold", _("hold for an enrollment")
    POST = "post", _("hold posted: services rendered")
    VOID = "void", _("hold released")
    EXPIRE = "expire", _("hold expired")
    COPAY = "copay", _("co-payment")
    PAYMENT = "payment", _("payment to a provider")
    SWEEP = "sweep", _("unused balance returned to the fund")
    CARRY = "carry", _("balance carried over to the next year")


class Transfer(models.Model):
    """An append-only movement of `amount` kopecks from `debit` to `credit`."""

    tid = models.CharField(
        _("transfer id"),
        max_length=64,
        unique=True,
        help_text=_("supplied by the client; a retry with the same id is harmless"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=TransferKind.choices)
    ledger = models.CharField(_("ledger"), max_length=5, choices=Ledger.choices)
    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debits", verbose_name=_("from"))
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credits", verbose_name=_("to"))
    amount = models.BigIntegerField(_("amount, kopecks"))
    is_pending = models.BooleanField(_("pending (a hold)"), default=False)
    pending = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolution",
        verbose_name=_("resolves the hold"),
    )
    expires_at = models.DateTimeField(_("hold expires"), null=True, blank=True)
    enrollment = models.ForeignKey(
        "financing.Enrollment", on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="transfer_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | Q(pending__isnull=False), name="transfer_amount_positive"
            ),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="transfer_two_accounts"),
            models.CheckConstraint(
                condition=Q(is_pending=False) | Q(pending__isnull=True), name="transfer_hold_resolves_nothing"
            ),
        ]
        indexes = [models.Index(fields=["debit", "created_at"]), models.Index(fields=["credit", "created_at"])]

    def __str__(self) -> str:
        return f"{self.tid}: {self.amount}"


class Intent(models.Model):
    """A ledger request queued for the combiner while its account is busy (PostgreSQL only).

    The table is UNLOGGED: nothing in it is money, and nothing in it was acknowledged to
    anyone; a crash empties it, and the clients whose requests were in it retry with their
    transfer ids. See `combiner.py` and docs/decisions/0005-ledger-combiner.md.
    """

    key = models.BigIntegerField(db_index=True, help_text="the account whose requests are combined (the receiving one)")
    waiter = models.IntegerField(help_text="the database backend (process id) whose client waits for the verdict")
    op = models.CharField(max_length=1)  # "t": a transfer or hold, "r": a resolution of a hold
    tid = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=8)
    debit_id = models.BigIntegerField(null=True)
    credit_id = models.BigIntegerField(null=True)
    hold_id = models.BigIntegerField(null=True)
    amount = models.BigIntegerField(null=True)
    is_pending = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True)
    memo = models.CharField(max_length=300, blank=True)
    actor_id = models.BigIntegerField(null=True)
    enrollment_id = models.BigIntegerField(null=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "ledger intent"

    def __str__(self) -> str:
        return f"{self.tid} ({self.key})"


class CertificateRule(models.Model):
    """How a region issues certificates to a category of educators in a year."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=10, choices=EducatorCategory.choices)
    nominal = models.BigIntegerField(_("nominal, kopecks"))
    ledger = models.CharField(
        _("status of certificates"),
        max_length=5,
        choices=Ledger.choices,
        default=Ledger.RUB,
        help_text=_("funded certificates move money from the fund; tracked ones only count entitlement"),
    )
    every_years = models.PositiveSmallIntegerField(
        _("once in, years"), default=1, help_text=_("e.g. 3: an educator gets one at most once in three years")
    )
    prorate = models.BooleanField(_("pro-rate a late issue"), default=True)
    carry_over = models.BooleanField(_("carry unused balance to the next year"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate rule")
        verbose_name_plural = _("certificate rules")
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "category"], name="certificate_rule_once"),
            models.CheckConstraint(condition=Q(nominal__gt=0), name="certificate_rule_nominal_positive"),
            models.CheckConstraint(condition=Q(every_years__gte=1, every_years__lte=5), name="certificate_rule_period"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}: {self.get_category_display()}"


class EnrollmentStatus(models.TextChoices):
    REQUESTED = "requested", _("waiting for the provider")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined by the provider")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("expired")
    COMPLETED = "completed", _("completed")
    NOT_COMPLETED = "not_completed", _("not completed")


OPEN_ENROLLMENT = (EnrollmentStatus.REQUESTED, EnrollmentStatus.ACCEPTED)


class CopayPayer(models.TextChoices):
    NONE = "", _("no co-payment")
    SCHOOL = "school", _("the educator's organization")
    EDUCATOR = "educator", _("the educator")


class Enrollment(models.Model):
    """An educator's place in a cohort, paid from their certificate (a hold until completion)."""

    request_id = models.CharField(_("request id"), max_length=64, unique=True)
    educator = models.ForeignKey(
        Educator, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("educator")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cohort = models.ForeignKey(
        "catalog.Cohort", on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("cohort")
    )
    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="provided_enrollments", verbose_name=_("provider")
    )
    price = models.BigIntegerField(_("price, kopecks"))
    certificate = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("certificate")
    )
    certificate_amount = models.BigIntegerField(_("from the certificate, kopecks"), default=0)
    copay_amount = models.BigIntegerField(_("co-payment, kopecks"), default=0)
    copay_payer = models.CharField(_("co-payment by"), max_length=10, choices=CopayPayer.choices, blank=True)
    hold = models.OneToOneField(Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=14, choices=EnrollmentStatus.choices, default=EnrollmentStatus.REQUESTED
    )
    comment = models.TextField(_("comment"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["educator", "cohort"],
                condition=Q(status__in=["requested", "accepted"]),
                name="enrollment_once_per_cohort",
            ),
            models.CheckConstraint(
                condition=Q(price=F("certificate_amount") + F("copay_amount")), name="enrollment_price_split"
            ),
            models.CheckConstraint(condition=Q(copay_amount=0) | ~Q(copay_payer=""), name="enrollment_copay_has_payer"),
        ]
        indexes = [models.Index(fields=["provider", "status"]), models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.educator} → {self.cohort}"


class Contract(models.Model):
    """The registry of contracts between a region (the payer) and a provider."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("paying region"))
    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("provider")
    )
    number = models.CharField(_("number"), max_length=60)
    signed_on = models.DateField(_("signed on"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    ceiling = models.BigIntegerField(_("ceiling, kopecks"), null=True, blank=True, help_text=_("empty: no ceiling"))
    advances = models.BooleanField(_("advances allowed"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "number"], name="contract_number_unique_in_region"),
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="contract_period"),
            models.CheckConstraint(
                condition=Q(ceiling__isnull=True) | Q(ceiling__gt=0), name="contract_ceiling_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"№ {self.number}"


class Payment(models.Model):
    """A payment order registered against a provider's account (the transfer is in the ledger)."""

    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="payment")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    document = models.CharField(_("payment order"), max_length=60)
    paid_on = models.DateField(_("paid on"))
    is_advance = models.BooleanField(_("advance"), default=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return self.document
