"""The depository of additional professional programs: cards, cohorts, expert review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MIN_HOURS = {"upgrade": 16, "retraining": 250}


class ProgramKind(models.TextChoices):
    UPGRADE = "upgrade", _("qualification upgrade")
    RETRAINING = "retraining", _("professional retraining")


class StudyForm(models.TextChoices):
    FULL_TIME = "full_time", _("full-time")
    BLENDED = "blended", _("blended")
    PART_TIME = "part_time", _("part-time (correspondence)")


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    IN_REVIEW = "in_review", _("under expert review")
    RETURNED = "returned", _("returned for revision")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")


class Program(models.Model):
    """A card of an additional professional program (the fields of a ФР ДПП card)."""

    provider = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, related_name="programs", verbose_name=_("provider")
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ProgramKind.choices)
    title = models.CharField(_("title"), max_length=500)
    annotation = models.TextField(_("annotation"))
    for_teachers = models.BooleanField(_("for teachers"), default=True)
    for_managers = models.BooleanField(_("for managers"), default=False)
    for_students = models.BooleanField(_("for pre-service students"), default=False)
    positions = models.JSONField(_("for positions"), default=list, blank=True)
    subjects = models.ManyToManyField("people.Subject", blank=True, verbose_name=_("for teachers of"))
    hours = models.PositiveSmallIntegerField(_("hours"))
    form = models.CharField(_("form of study"), max_length=10, choices=StudyForm.choices)
    distance_learning = models.BooleanField(_("distance learning technologies"), default=False)
    e_learning = models.BooleanField(_("e-learning"), default=False)
    final_assessment = models.CharField(_("final assessment"), max_length=300)
    price = models.PositiveIntegerField(_("price, kopecks"), default=0)
    developer = models.CharField(_("developer"), max_length=300, blank=True)
    # Network form (273-ФЗ art. 15): the program is implemented jointly with the resources of
    # other organizations under a network agreement; the card names them. A program with at
    # least one partner is in network form.
    network_partners = models.ManyToManyField(
        "people.Organization",
        blank=True,
        related_name="network_programs",
        verbose_name=_("partner organizations (network form)"),
    )
    status = models.CharField(_("status"), max_length=10, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    search_document = models.TextField(_("search document"), blank=True, editable=False)
    effect = models.JSONField(
        _("measured effect"),
        default=dict,
        blank=True,
        help_text=_("ability gain of completers by competency, filled by routes"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="upgrade", hours__gte=16) | Q(kind="retraining", hours__gte=250),
                name="program_minimum_hours",
            ),
            models.CheckConstraint(condition=Q(hours__lte=4000), name="program_hours_plausible"),
            models.CheckConstraint(
                condition=Q(for_teachers=True) | Q(for_managers=True) | Q(for_students=True),
                name="program_has_audience",
            ),
        ]
        indexes = [models.Index(fields=["status", "region"]), models.Index(fields=["provider", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def price_rub(self) -> float:
        return self.price / 100

    @property
    def network_form(self) -> bool:
        return self.network_partners.exists()


class ProgramOutcome(models.Model):
    """A learning outcome mapped to a competency with the share of it the program covers."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="outcomes")
    competency = models.ForeignKey(
        "competencies.Competency",
        on_delete=models.PROTECT,
        related_name="program_outcomes",
        verbose_name=_("competency"),
    )
    weight = models.FloatField(_("coverage"))
    text = models.TextField(_("planned result"), blank=True)
    measured: dict | None  # not stored: the measured effect the program page shows (catalog.views)

    class Meta:
        ordering = ["program_id", "-weight"]
        verbose_name = _("learning outcome")
        verbose_name_plural = _("learning outcomes")
        constraints = [
            models.UniqueConstraint(fields=["program", "competency"], name="outcome_one_per_competency"),
            models.CheckConstraint(condition=Q(weight__gt=0, weight__lte=1), name="outcome_weight_range"),
        ]
        indexes = [models.Index(fields=["competency", "program"])]

    def __str__(self) -> str:
        return f"{self.program_id}: {self.competency_id} × {self.weight}"


class ProgramModule(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="modules")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=300)
    hours = models.PositiveSmallIntegerField(_("hours"))

    class Meta:
        ordering = ["program_id", "order"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        constraints = [
            models.UniqueConstraint(fields=["program", "order"], name="module_unique_order"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="module_has_hours"),
        ]

    def __str__(self) -> str:
        return self.title


class ProgramVersion(models.Model):
    """The card as it was at each submission: the version history."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    card = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["program_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["program", "version"], name="program_version_unique")]

    def __str__(self) -> str:
        return f"{self.program_id} v{self.version}"


class ProgramTransition(models.Model):
    """Every change of a program's status: who, when, why."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=ProgramStatus.choices)
    to_status = models.CharField(max_length=10, choices=ProgramStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["program_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.program_id}: {self.from_status} → {self.to_status}"


class Availability(models.TextChoices):
    REGION = "region", _("the provider's region")
    MACROREGION = "macroregion", _("the regions of the macroregion")
    COUNTRY = "country", _("the whole country")


class CohortStatus(models.TextChoices):
    OPEN = "open", _("enrollment open")
    CLOSED = "closed", _("enrollment closed")
    RUNNING = "running", _("in progress")
    FINISHED = "finished", _("finished")
    CANCELLED = "cancelled", _("cancelled")


class Cohort(models.Model):
    """A scheduled run of a program (поток)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="cohorts", verbose_name=_("program"))
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    enrollment_deadline = models.DateField(_("enrollment until"))
    seats = models.PositiveIntegerField(_("seats"))
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0)
    online = models.BooleanField(_("online"), default=False)
    municipality = models.ForeignKey(
        "people.Municipality", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("place")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    price = models.PositiveIntegerField(_("price, kopecks"))
    status = models.CharField(_("status"), max_length=10, choices=CohortStatus.choices, default=CohortStatus.OPEN)
    availability = models.CharField(
        _("open to"), max_length=12, choices=Availability.choices, default=Availability.REGION
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="cohort_ends_after_start"),
            models.CheckConstraint(
                condition=Q(enrollment_deadline__lte=models.F("start_date")), name="cohort_deadline_before_start"
            ),
            models.CheckConstraint(condition=Q(seats__gt=0), name="cohort_has_seats"),
            models.CheckConstraint(condition=Q(seats_taken__lte=models.F("seats")), name="cohort_not_overbooked"),
            models.CheckConstraint(
                condition=Q(online=True) | Q(municipality__isnull=False), name="cohort_place_or_online"
            ),
        ]
        # No index leads with status or dates: SQLite would pick it over the program index
        # for «cohorts of these candidate programs» and scan a quarter of the table.
        indexes = [models.Index(fields=["program", "start_date"]), models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.program.title} ({self.start_date:%d.%m.%Y})"

    @property
    def seats_free(self) -> int:
        return self.seats - self.seats_taken


class ReviewCriterion(models.Model):
    """A published criterion of the expert review of programs."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what is assessed"))
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")

    def __str__(self) -> str:
        return self.title


class Verdict(models.TextChoices):
    APPROVE = "approve", _("include in the depository")
    REVISE = "revise", _("return for revision")
    REJECT = "reject", _("reject")


class ReviewStatus(models.TextChoices):
    ASSIGNED = "assigned", _("assigned")
    SUBMITTED = "submitted", _("submitted")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Review(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="reviews")
    program_version = models.PositiveIntegerField(_("version reviewed"))
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="program_reviews", verbose_name=_("expert")
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.ASSIGNED)
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["program_id", "assigned_at"]
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")
        constraints = [
            models.UniqueConstraint(fields=["program", "program_version", "expert"], name="review_once_per_version"),
            models.CheckConstraint(
                condition=Q(status="submitted", verdict__gt="") | ~Q(status="submitted"),
                name="review_submitted_has_verdict",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} v{self.program_version}: {self.expert}"

    @property
    def total(self) -> int:
        return sum(int(v) for v in self.scores.values())


class SearchTerm(models.Model):
    """One term of a published program's search index (catalog/search.py): a derivational
    key of a word, or a thesaurus group, with its weight (3 in the title, 1 elsewhere)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", db_index=False)
    term = models.CharField(max_length=64)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "term"], name="search_term_once_per_program")]
        indexes = [
            models.Index(fields=["term", "program", "weight"], name="search_term_lookup"),
            # the title tier reads only a term's title entries (ADR 0007)
            models.Index(fields=["term", "weight", "program"], name="search_term_by_weight"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}: {self.term} ×{self.weight}"


class SearchSpelling(models.Model):
    """A word of a card (4+ letters) under itself and each of its one-letter deletions:
    the index of typo corrections."""

    variant = models.CharField(max_length=64)
    word = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["variant", "word"], name="search_spelling_once")]

    def __str__(self) -> str:
        return f"{self.variant} → {self.word}"


class SearchVocabulary(models.Model):
    """How many published cards hold each index term (catalog/search.py), kept in step with
    ``SearchTerm`` by ``reindex``; the row ``*`` counts the indexed cards. A query reads its
    terms' frequencies here instead of counting index rows."""

    term = models.CharField(max_length=64, primary_key=True)
    cards = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.term}: {self.cards}"
