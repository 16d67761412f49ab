"""Indicator passports (versioned formulas over data elements), targets, and the analytics
table: facts per unit × month, built aside and published by flipping one build's status."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    ORGANIZATION = "organization", _("organization")
    MUNICIPALITY = "municipality", _("municipality")
    REGION = "region", _("region")
    MACROREGION = "macroregion", _("macroregion")
    FEDERAL = "federal", _("federal")


STORED_LEVELS = (Level.ORGANIZATION, Level.MUNICIPALITY, Level.REGION, Level.FEDERAL)


class Periodicity(models.TextChoices):
    MONTH = "month", _("monthly")
    QUARTER = "quarter", _("quarterly")
    YEAR = "year", _("yearly")


class Direction(models.TextChoices):
    UP = "up", _("higher is better")
    DOWN = "down", _("lower is better")


class Indicator(models.Model):
    """A passport (Tula style): what is measured, how, how often, who answers for it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="%")
    periodicity = models.CharField(
        _("periodicity"), max_length=8, choices=Periodicity.choices, default=Periodicity.YEAR
    )
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices, default=Direction.UP)
    source = models.CharField(_("source"), max_length=200, blank=True)
    region = models.ForeignKey(
        "people.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region (empty: federal passport)"),
    )
    owner_organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible organization"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    order = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class FormulaVersion(models.Model):
    """numerator / denominator × factor, each a sum of data elements. Never changed: a new
    formula is a new version, and every value says which version computed it."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField()
    numerator = models.JSONField(help_text="data element codes, summed")
    denominator = models.JSONField(
        default=list, blank=True, help_text="data element codes, summed; empty: a plain number"
    )
    factor = models.DecimalField(max_digits=12, decimal_places=4, default=100)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["indicator", "version"], name="formula_version_unique")]

    def __str__(self) -> str:
        return f"{self.indicator_id} v{self.version}"


class Target(models.Model):
    """The value an indicator should reach by the end of `year` in one unit."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(max_length=12, choices=Level.choices)
    unit_id = models.PositiveIntegerField(default=0)
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    cascaded = models.BooleanField(default=False, help_text="copied from the level above, not set here")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year", "level", "unit_id"], name="target_one_per_unit_year"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="target_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year} {self.level}:{self.unit_id} = {self.value}"


class BuildStatus(models.TextChoices):
    BUILDING = "building", _("building")
    PUBLISHED = "published", _("published")
    SUPERSEDED = "superseded", _("superseded")
    FAILED = "failed", _("failed")
    DROPPED = "dropped", _("dropped")  # its rows are being dropped: never a base again


class Build(models.Model):
    """One complete build of the analytics table. Readers read the newest published build;
    a new build becomes visible only when its status flips, in one transaction.

    An incremental build holds rows only for the months from `own_from` on; the months before
    are read from its `base`, always a full build (so a chain is one link long). Read its facts
    through `queries.facts`, never `Fact.objects.filter(build=…)`."""

    incremental = models.BooleanField(default=False)
    base = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    own_from = models.DateField(null=True, blank=True, help_text="with a base: the first month of its own rows")
    status = models.CharField(max_length=10, choices=BuildStatus.choices, default=BuildStatus.BUILDING)
    first_month = models.DateField()
    last_month = models.DateField()
    rows = models.PositiveIntegerField(default=0)
    # the data elements the build computed, and its families as "<prefix>:*" (a family's codes
    # come from the data, so none may exist); a build made before an element or a family existed
    # lacks its rows, and a reader says "after the next build" instead of reading that as zero
    elements = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"build {self.pk} ({self.status})"

    def holds(self, code: str) -> bool:
        """Whether the build computed the element `code`, or the family `code` names ("fund:*")."""
        return code in self.elements


class Fact(models.Model):
    """The value of one data element for one unit and month, in one build."""

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="+", db_index=False)
    element = models.CharField(max_length=40)
    level = models.CharField(max_length=12, choices=Level.choices)
    unit_id = models.PositiveIntegerField()
    region_id = models.PositiveIntegerField(null=True)
    municipality_id = models.PositiveIntegerField(null=True)
    month = models.DateField()
    value = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["build", "element", "level", "unit_id", "month"], name="fact_unit"),
            models.Index(fields=["build", "element", "level", "region_id", "month"], name="fact_region_children"),
            models.Index(fields=["build", "element", "level", "municipality_id", "month"], name="fact_muni_children"),
        ]

    def __str__(self) -> str:
        return f"{self.element} {self.level}:{self.unit_id} {self.month:%Y-%m} = {self.value}"


class Release(models.Model):
    """A month's values frozen and signed off by the region's operator, beside the live view.
    Never changed: a correction is a new version of the same month."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    month = models.DateField(_("month"))
    version = models.PositiveSmallIntegerField(default=1)
    build = models.ForeignKey(Build, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    signed_at = models.DateTimeField(_("signed"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "-version"]
        constraints = [models.UniqueConstraint(fields=["region", "month", "version"], name="release_version_unique")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m} v{self.version}"


class ReleaseValue(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    formula_version = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=12, choices=Level.choices)
    unit_id = models.PositiveIntegerField()
    unit_name = models.CharField(max_length=300)
    numerator = models.BigIntegerField()
    denominator = models.BigIntegerField(null=True)
    value = models.FloatField(null=True)
    target = models.FloatField(null=True)
    status = models.CharField(max_length=10)
    suppressed = models.BooleanField(default=False)

    class Meta:
        ordering = ["release_id", "indicator__order", "level", "unit_name"]

    def __str__(self) -> str:
        return f"{self.release_id}: {self.indicator_id} {self.level}:{self.unit_id}"
