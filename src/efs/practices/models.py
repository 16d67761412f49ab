"""Models of the practices app. The network part keeps its models in `network/models.py`; they are
imported here so that Django registers them under this app."""

# ---------------------------------------------------------------- the bank of practices
# (the imports sit here, below the network's line, so both parts merge without conflict)
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from efs.competencies.models import Competency  # noqa: F401  (for this app's services: competencies has no public module)
from efs.practices.network.models import *  # noqa: F403

TEXT_MAX = 5_000
STEPS_MAX = 30


class PracticeLevel(models.TextChoices):
    SCHOOL = "school", _("school")
    MUNICIPAL = "municipal", _("municipal")
    REGIONAL = "regional", _("regional")
    FEDERAL = "federal", _("federal")


class PracticeStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    IN_REVIEW = "in_review", _("under expert review")
    RETURNED = "returned", _("returned for revision")
    INCLUDED = "included", _("included in the bank")
    RECOMMENDED = "recommended", _("recommended for replication")
    REJECTED = "rejected", _("rejected")
    ARCHIVED = "archived", _("archived")


PUBLIC_STATUSES = (PracticeStatus.INCLUDED, PracticeStatus.RECOMMENDED)


class Contest(models.Model):
    """A region's contest of practices: criteria, a deadline for submissions, a jury of experts."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), max_length=TEXT_MAX)
    criteria = models.JSONField(
        _("criteria"), default=list, help_text=_("code, title, what is assessed, maximum score")
    )
    deadline = models.DateField(_("submissions until"))
    jury = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="practice_juries", verbose_name=_("jury"))
    announced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("announced"), auto_now_add=True)

    class Meta:
        ordering = ["-deadline", "id"]
        verbose_name = _("contest of practices")
        verbose_name_plural = _("contests of practices")

    def __str__(self) -> str:
        return self.title


class Practice(models.Model):
    """A card of an effective practice (the fields of a bank card and of Smarteka's template)."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, related_name="practices", verbose_name=_("organization")
    )
    municipality = models.ForeignKey(
        "people.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    contest = models.ForeignKey(
        Contest, on_delete=models.PROTECT, null=True, blank=True, related_name="practices", verbose_name=_("contest")
    )
    title = models.CharField(_("title"), max_length=300)
    problem = models.TextField(_("problem it solves"), max_length=TEXT_MAX)
    target_group = models.CharField(_("target group"), max_length=500)
    steps = models.JSONField(_("replication steps"), default=list)
    resources = models.TextField(_("resources needed"), max_length=TEXT_MAX)
    results = models.TextField(_("results"), max_length=TEXT_MAX)
    conditions = models.TextField(_("conditions and risks of replication"), max_length=TEXT_MAX)
    competencies = models.ManyToManyField(
        "competencies.Competency", related_name="practices", verbose_name=_("competencies it develops")
    )
    subjects = models.ManyToManyField("people.Subject", blank=True, related_name="+", verbose_name=_("subjects"))
    level = models.CharField(_("level"), max_length=10, choices=PracticeLevel.choices)
    confirmed_level = models.CharField(
        _("level confirmed by the review"), max_length=10, choices=PracticeLevel.choices, blank=True
    )
    hours = models.PositiveSmallIntegerField(_("hours to master"), default=8)
    # The joint research project whose output the practice is (network/models.py).
    project = models.ForeignKey(
        "practices.JointProject",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practices",
        verbose_name=_("joint project"),
    )
    status = models.CharField(_("status"), max_length=12, choices=PracticeStatus.choices, default=PracticeStatus.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    search_document = models.TextField(_("search document"), blank=True, editable=False)
    effect = models.JSONField(
        _("measured effect"), default=dict, blank=True, help_text=_("gain of educators who used it, by competency")
    )
    replication_count = models.PositiveIntegerField(_("replications"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=1, hours__lte=500), name="practice_hours_plausible"),
            models.CheckConstraint(condition=Q(level__in=PracticeLevel.values), name="practice_level_known"),
        ]
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["status", "-replication_count"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES


class PracticeAuthor(models.Model):
    """An author as the card names them; with a login, they get the practice's notifications."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="authors")
    name = models.CharField(_("author"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="practice_authorships"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["practice_id", "order", "id"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self) -> str:
        return self.name


class PracticeEvidence(models.Model):
    """A file that shows the practice's results (checked by its content on upload)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to="practices/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    caption = models.CharField(_("what it shows"), max_length=300)
    size = models.PositiveIntegerField(_("size, bytes"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["practice_id", "uploaded_at", "id"]
        verbose_name = _("evidence of results")
        verbose_name_plural = _("evidence of results")

    def __str__(self) -> str:
        return self.file_name


class PracticeTransition(models.Model):
    """Every change of a practice's status: who, when, why (decisions carry their level)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=PracticeStatus.choices)
    to_status = models.CharField(max_length=12, choices=PracticeStatus.choices)
    level = models.CharField(max_length=10, choices=PracticeLevel.choices, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["practice_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.practice_id}: {self.from_status} → {self.to_status}"


class PracticeVerdict(models.TextChoices):
    RECOMMEND = "recommend", _("recommend for replication")
    INCLUDE = "include", _("include in the bank")
    REVISE = "revise", _("return for revision")
    REJECT = "reject", _("reject")


class PracticeReviewStatus(models.TextChoices):
    ASSIGNED = "assigned", _("assigned")
    SUBMITTED = "submitted", _("submitted")
    WITHDRAWN = "withdrawn", _("withdrawn")


class PracticeReview(models.Model):
    """A blind expert review of one version of a card: criteria scores with comments, a
    verdict and the level the expert finds the practice at."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="reviews")
    practice_version = models.PositiveIntegerField(_("version reviewed"))
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practice_reviews", verbose_name=_("expert")
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PracticeReviewStatus.choices, default=PracticeReviewStatus.ASSIGNED
    )
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    comments = models.JSONField(_("comments on the criteria"), default=dict, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=PracticeVerdict.choices, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=PracticeLevel.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    share = models.FloatField(_("share of the maximum score"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["practice_id", "assigned_at", "id"]
        verbose_name = _("expert review of a practice")
        verbose_name_plural = _("expert reviews of practices")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "practice_version", "expert"], name="practice_review_once_per_version"
            ),
            models.CheckConstraint(
                condition=Q(status="submitted", verdict__gt="", share__isnull=False) | ~Q(status="submitted"),
                name="practice_review_submitted_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} v{self.practice_version}: {self.expert_id}"

    @property
    def total(self) -> int:
        return sum(int(v) for v in self.scores.values())


class Replication(models.Model):
    """A «мы внедрили» report: an organization replicated the practice."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="replications")
    organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.PROTECT,
        related_name="practice_replications",
        verbose_name=_("organization"),
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    municipality = models.ForeignKey(
        "people.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    implemented_on = models.DateField(_("implemented on"))
    adapted = models.TextField(_("what was adapted"), max_length=TEXT_MAX)
    results = models.TextField(_("results"), max_length=TEXT_MAX)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)

    class Meta:
        ordering = ["practice_id", "-implemented_on", "id"]
        verbose_name = _("replication report")
        verbose_name_plural = _("replication reports")
        constraints = [
            models.UniqueConstraint(fields=["practice", "organization"], name="replication_once_per_organization")
        ]
        indexes = [models.Index(fields=["region", "practice"])]

    def __str__(self) -> str:
        return f"{self.practice_id}: {self.organization_id}"


class PracticeRouteItem(models.Model):
    """A route item that is this practice (written when the route builder or a person adds
    it): the link through which the practice's effect is measured."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="route_items")
    route_item = models.OneToOneField("routes.RouteItem", on_delete=models.CASCADE, related_name="practice_link")

    class Meta:
        verbose_name = _("practice in a route")
        verbose_name_plural = _("practices in routes")

    def __str__(self) -> str:
        return f"{self.practice_id} → {self.route_item_id}"


class PracticeSearchTerm(models.Model):
    """One term of a public practice's search index, made by the depository's engine."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+", db_index=False)
    term = models.CharField(max_length=64)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "term"], name="practice_search_term_once")]
        indexes = [models.Index(fields=["term", "practice", "weight"], name="practice_term_lookup")]

    def __str__(self) -> str:
        return f"{self.practice_id}: {self.term} ×{self.weight}"
