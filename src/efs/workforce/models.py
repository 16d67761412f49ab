"""Workforce security («кадровая безопасность»): posts, who holds them, demand, the
student pipeline, forecasts and risk.

A ``Post`` is a staffing slot of an organization in ставки (a teacher's ставка is 18
hours a week); an ``Assignment`` is a person holding part or all of it for a period.
A post is vacant for the FTE no open assignment covers. Assignments are never deleted:
ending one keeps the history that the leave rates are estimated from. ``region`` is the
shard key everywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TEACHING_HOURS_PER_FTE = 18  # a teacher's ставка: 18 teaching hours a week
OVERLOAD_FTE = 1.5  # above this load a teacher's hours count as hidden shortage


class Post(models.Model):
    """A staffing slot: an organization's ставки for a subject or a position."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.PROTECT,
        related_name="workforce_posts",
        verbose_name=_("organization"),
    )
    subject = models.ForeignKey(
        "people.Subject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject"),
    )
    position = models.CharField(_("position"), max_length=200)
    fte = models.DecimalField(_("FTE (stavki)"), max_digits=5, decimal_places=2)
    opened_on = models.DateField(_("opened"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["organization_id", "subject_id", "pk"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.CheckConstraint(condition=Q(fte__gt=0, fte__lte=10), name="workforce_post_fte_range"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="workforce_post_dates",
            ),
        ]
        indexes = [models.Index(fields=["region", "organization"])]

    def __str__(self) -> str:
        return f"{self.position} ({self.subject or '—'}), {self.fte}"


class EndReason(models.TextChoices):
    LEFT = "left", _("left the profession")
    RETIRED = "retired", _("retired")
    MOVED = "moved", _("moved to another post")


class Education(models.TextChoices):
    HIGHER_PEDAGOGICAL = "higher_ped", _("higher pedagogical")
    HIGHER_OTHER = "higher_other", _("higher, not pedagogical")
    COLLEGE_PEDAGOGICAL = "college_ped", _("secondary vocational pedagogical")
    OTHER = "other", _("other")


class Assignment(models.Model):
    """A person holding ``fte`` of a post from ``started_on`` to ``ended_on`` (open when null).

    ``out_of_field`` marks teaching outside the subject of the person's education: it
    counts as hidden shortage.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("post"))
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    educator = models.ForeignKey(
        "people.Educator",
        on_delete=models.PROTECT,
        related_name="workforce_assignments",
        verbose_name=_("educator"),
    )
    fte = models.DecimalField(_("FTE (stavki)"), max_digits=5, decimal_places=2)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=8, choices=EndReason.choices, blank=True)
    out_of_field = models.BooleanField(_("outside the subject of education"), default=False)

    class Meta:
        ordering = ["post_id", "started_on", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(condition=Q(fte__gt=0, fte__lte=3), name="workforce_assignment_fte_range"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="workforce_assignment_dates",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="") | Q(ended_on__isnull=False),
                name="workforce_assignment_reason_when_ended",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "ended_on"]),
            models.Index(fields=["educator", "ended_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.educator_id}: {self.fte} ({self.started_on}–{self.ended_on or ''})"


class Profile(models.Model):
    """What the staffing reports add to an educator's record: education."""

    educator = models.OneToOneField("people.Educator", on_delete=models.CASCADE, related_name="workforce_profile")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    education = models.CharField(_("education"), max_length=12, choices=Education.choices)
    education_subject = models.ForeignKey(
        "people.Subject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject of the diploma"),
    )

    class Meta:
        verbose_name = _("educator's education")
        verbose_name_plural = _("educators' education")

    def __str__(self) -> str:
        return self.get_education_display()


class PostEvent(models.Model):
    """Append-only history of a post: opened, filled, vacated, changed, closed."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened")
        FILLED = "filled", _("filled")
        VACATED = "vacated", _("vacated")
        CHANGED = "changed", _("changed")
        CLOSED = "closed", _("closed")
        IMPORTED = "imported", _("imported")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("details"), max_length=500, blank=True)

    class Meta:
        ordering = ["post_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.post_id}: {self.kind}"


class CurriculumHours(models.Model):
    """Weekly hours of a subject in a grade per class. ``region`` null = the federal curriculum."""

    region = models.ForeignKey("people.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    subject = models.ForeignKey("people.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    hours = models.DecimalField(_("hours a week"), max_digits=4, decimal_places=1)

    class Meta:
        ordering = ["subject_id", "grade"]
        verbose_name = _("curriculum hours")
        verbose_name_plural = _("curriculum hours")
        constraints = [
            models.UniqueConstraint(fields=["region", "subject", "grade"], name="workforce_curriculum_unique"),
            models.UniqueConstraint(
                fields=["subject", "grade"],
                condition=Q(region__isnull=True),
                name="workforce_curriculum_unique_federal",
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=11), name="workforce_curriculum_grade"),
            models.CheckConstraint(condition=Q(hours__gte=0, hours__lte=20), name="workforce_curriculum_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}, {self.grade}: {self.hours}"


class ClassCount(models.Model):
    """Pupils and classes of an organization in a grade in a school year (its autumn year)."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    classes = models.PositiveSmallIntegerField(_("classes"))
    pupils = models.PositiveIntegerField(_("pupils"))

    class Meta:
        ordering = ["organization_id", "year", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "grade"], name="workforce_classes_unique"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=11), name="workforce_classes_grade"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}, {self.year}, {self.grade}: {self.classes}/{self.pupils}"


class FirstGradeEntry(models.Model):
    """The region's projection of first-graders per municipality and year."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey("people.Municipality", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    pupils = models.PositiveIntegerField(_("first-graders"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "year"], name="workforce_entry_unique")]

    def __str__(self) -> str:
        return f"{self.municipality_id}, {self.year}: {self.pupils}"


class LeaveRate(models.Model):
    """The region's default share of FTE leaving in a year at ages ``from_age…to_age``."""

    region = models.ForeignKey("people.Region", on_delete=models.CASCADE, related_name="+")
    from_age = models.PositiveSmallIntegerField(_("from age"))
    to_age = models.PositiveSmallIntegerField(_("to age"))
    rate = models.DecimalField(_("share leaving a year"), max_digits=5, decimal_places=4)

    class Meta:
        ordering = ["region_id", "from_age"]
        constraints = [
            models.UniqueConstraint(fields=["region", "from_age"], name="workforce_rate_unique"),
            models.CheckConstraint(
                condition=Q(from_age__gte=14, to_age__lte=100, from_age__lte=models.F("to_age")),
                name="workforce_rate_ages",
            ),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=1), name="workforce_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.from_age}–{self.to_age}: {self.rate}"


class EntrantPlan(models.Model):
    """Expected entrants besides targeted contracts: graduates who take posts, returners."""

    class Source(models.TextChoices):
        GRADUATES = "graduates", _("graduates")
        RETURNERS = "returners", _("returners")

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey("people.Municipality", on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey("people.Subject", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    fte = models.DecimalField(_("FTE (stavki)"), max_digits=6, decimal_places=2)
    age = models.PositiveSmallIntegerField(_("age on entry"), default=23)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "subject", "year", "source"],
                name="workforce_entrants_unique",
            ),
            models.CheckConstraint(condition=Q(fte__gte=0), name="workforce_entrants_fte"),
            models.CheckConstraint(condition=Q(age__gte=14, age__lte=100), name="workforce_entrants_age"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}, {self.subject_id}, {self.year}: {self.fte}"


class ContractStatus(models.TextChoices):
    STUDYING = "studying", _("studying")
    PLACED = "placed", _("placed")
    BROKEN = "broken", _("terminated")


class TargetedContract(models.Model):
    """A student's targeted-training contract «целевое обучение»: study, then work in a municipality."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(
        "people.Educator",
        on_delete=models.PROTECT,
        related_name="targeted_contracts",
        verbose_name=_("student"),
    )
    university = models.ForeignKey(
        "people.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("university or college"),
    )
    subject = models.ForeignKey("people.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    municipality = models.ForeignKey(
        "people.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality waiting for the graduate"),
    )
    year_of_study = models.PositiveSmallIntegerField(_("year of study"))
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"))
    status = models.CharField(
        _("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.STUDYING
    )
    placed_post = models.ForeignKey(
        Post,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("post taken"),
    )
    placed_on = models.DateField(_("placed on"), null=True, blank=True)

    class Meta:
        ordering = ["graduation_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_of_study__gte=1, year_of_study__lte=6),
                name="workforce_contract_study_year",
            ),
            models.CheckConstraint(
                condition=~Q(status="placed") | Q(placed_on__isnull=False),
                name="workforce_contract_placed_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} → {self.municipality_id} ({self.graduation_year})"


class Scenario(models.Model):
    """A what-if beside the base forecast; every extra at zero gives the base forecast."""

    region = models.ForeignKey("people.Region", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    retention_gain = models.DecimalField(_("fewer leavers, %"), max_digits=4, decimal_places=1, default=0)
    extra_targeted = models.PositiveSmallIntegerField(_("extra targeted places a year"), default=0)
    extra_subject = models.ForeignKey(
        "people.Subject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject of the extra places"),
    )
    new_school_municipality = models.ForeignKey(
        "people.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality of a new school"),
    )
    new_school_pupils = models.PositiveIntegerField(_("pupils of the new school"), default=0)
    new_school_year = models.PositiveSmallIntegerField(_("year the new school opens"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_gain__gte=0, retention_gain__lte=100),
                name="workforce_scenario_retention",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ForecastRun(models.Model):
    """One projection of a region (base or a scenario), stored pre-aggregated for the pages."""

    region = models.ForeignKey("people.Region", on_delete=models.CASCADE, related_name="+")
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, null=True, blank=True, related_name="runs")
    base_year = models.PositiveSmallIntegerField(_("base year"))
    years = models.PositiveSmallIntegerField(_("years ahead"))
    rates = models.JSONField(_("leave rates used"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.region_id}, {self.base_year}+{self.years}"


class ForecastCell(models.Model):
    """Supply, demand and gap of a municipality × subject × year (FTE)."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="cells")
    municipality = models.ForeignKey("people.Municipality", on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey("people.Subject", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    supply = models.FloatField()
    demand = models.FloatField()
    hidden = models.FloatField()
    leavers = models.FloatField()
    entrants = models.FloatField()
    by_age_band = models.JSONField(default=list)  # FTE <30, 30–39, 40–49, 50–59, 60+

    class Meta:
        ordering = ["run_id", "municipality_id", "subject_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["run", "municipality", "subject", "year"], name="workforce_cell_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}, {self.subject_id}, {self.year}"

    @property
    def gap(self) -> float:
        return self.demand - self.supply

    @property
    def total_gap(self) -> float:
        return self.demand - self.supply + self.hidden


class RiskScore(models.Model):
    """The risk index of a municipality × subject at the time of a base run, with its parts (0…1)."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="risks")
    municipality = models.ForeignKey("people.Municipality", on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey("people.Subject", on_delete=models.PROTECT, related_name="+")
    aged_60 = models.FloatField(_("share aged 60+"))
    vacancy = models.FloatField(_("vacancy rate"))
    overload = models.FloatField(_("share overloaded"))
    gap = models.FloatField(_("projected gap share"))
    deficits = models.FloatField(_("share with unclosed deficits"))
    index = models.FloatField(_("risk index"))

    class Meta:
        ordering = ["-index"]
        constraints = [models.UniqueConstraint(fields=["run", "municipality", "subject"], name="workforce_risk_unique")]

    def __str__(self) -> str:
        return f"{self.municipality_id}, {self.subject_id}: {self.index}"


class InputChange(models.Model):
    """Append-only history of a region's forecast inputs: curriculum hours, default leave
    rates, first-grade entry, the entrant plan and a school's classes and pupils (who changed
    what, from what to what)."""

    class Kind(models.TextChoices):
        CURRICULUM = "curriculum", _("curriculum hours")
        LEAVE_RATES = "leave_rates", _("leave rates")
        FIRST_GRADE = "first_grade", _("first-grade entry")
        ENTRANTS = "entrants", _("entrant plan")
        CLASSES = "classes", _("classes and pupils")

    region = models.ForeignKey("people.Region", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(  # the school, for a school's classes and pupils
        "people.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    subject = models.CharField(_("of what"), max_length=300)
    before = models.CharField(_("before"), max_length=500, blank=True)
    after = models.CharField(_("after"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["region", "kind", "-at"])]

    def __str__(self) -> str:
        return f"{self.region_id}, {self.kind}: {self.subject}"
