"""The directory of the system: regions, organizations, educators, roles and scopes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class FederalDistrict(models.TextChoices):
    CENTRAL = "central", _("Central Federal District")
    NORTHWESTERN = "northwestern", _("Northwestern Federal District")
    SOUTHERN = "southern", _("Southern Federal District")
    NORTH_CAUCASIAN = "north_caucasian", _("North Caucasian Federal District")
    VOLGA = "volga", _("Volga Federal District")
    URAL = "ural", _("Ural Federal District")
    SIBERIAN = "siberian", _("Siberian Federal District")
    FAR_EASTERN = "far_eastern", _("Far Eastern Federal District")


class ProcessingBasis(models.TextChoices):
    """The legal basis on which a region processes educators' personal data (152-ФЗ art. 6)."""

    CONSENT = "consent", _("the person's consent (152-ФЗ, art. 6 part 1 item 1)")
    LAW = "law", _("a law or a contract (152-ФЗ, art. 6 part 1 items 2–5)")


class Region(models.Model):
    """A subject of the Russian Federation; `code` is the FNS/ФИАС two-digit code."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    federal_district = models.CharField(_("federal district"), max_length=20, choices=FederalDistrict.choices)
    timezone = models.CharField(_("time zone"), max_length=64)
    capital = models.CharField(_("administrative centre"), max_length=100)
    # Where it is consent, nothing beyond the directory record is processed without it.
    personal_data_basis = models.CharField(
        _("legal basis for processing personal data"),
        max_length=10,
        choices=ProcessingBasis.choices,
        default=ProcessingBasis.CONSENT,
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Macroregion(models.Model):
    """A configurable group of regions that share programs and practices."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    regions = models.ManyToManyField(Region, related_name="macroregions", verbose_name=_("regions"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("macroregion")
        verbose_name_plural = _("macroregions")

    def __str__(self) -> str:
        return self.name


class MunicipalityKind(models.TextChoices):
    CITY_DISTRICT = "city_district", _("urban district")
    MUNICIPAL_DISTRICT = "municipal_district", _("municipal district")
    MUNICIPAL_OKRUG = "municipal_okrug", _("municipal okrug")
    CLOSED_CITY = "closed_city", _("closed administrative-territorial formation")
    CITY_TERRITORY = "city_territory", _("intra-city territory")


class Municipality(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=MunicipalityKind.choices)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="municipality_unique_name_in_region")]

    def __str__(self) -> str:
        return self.name


class OrganizationKind(models.TextChoices):
    SCHOOL = "school", _("school")
    KINDERGARTEN = "kindergarten", _("kindergarten")
    COLLEGE = "college", _("college")
    UNIVERSITY = "university", _("university")
    IPK = "ipk", _("institute of professional development (IRO/IPK)")
    CNPPM = "cnppm", _("centre for continuous professional development (CNPPM)")
    MINISTRY = "ministry", _("regional education authority")
    MUNICIPAL_SERVICE = "municipal_service", _("municipal methodological service")
    OTHER_PROVIDER = "other_provider", _("other licensed provider")
    FEDERAL = "federal", _("federal organization")


PROVIDER_KINDS = (
    OrganizationKind.IPK,
    OrganizationKind.CNPPM,
    OrganizationKind.UNIVERSITY,
    OrganizationKind.OTHER_PROVIDER,
)


_UNKNOWN = object()  # a field a row was loaded without


class Organization(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("region"))
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("municipality"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=OrganizationKind.choices)
    name = models.CharField(_("full name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=200, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    licensed_for_dpo = models.BooleanField(_("licensed for additional professional education"), default=False)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(fields=["inn"], condition=~Q(inn=""), name="organization_unique_inn"),
            models.CheckConstraint(
                condition=Q(inn="") | Q(inn__regex=r"^([0-9]{10}|[0-9]{12})$"), name="organization_inn_digits"
            ),
        ]
        indexes = [models.Index(fields=["region", "kind"])]

    def __str__(self) -> str:
        return self.short_name or self.name

    def save(self, *args, **kwargs):
        moved = not self._state.adding and getattr(self, "_loaded_municipality", _UNKNOWN) != self.municipality_id
        super().save(*args, **kwargs)
        if moved:  # its educators carry its municipality (Educator.municipality): keep them in step
            self.educators.exclude(municipality_id=self.municipality_id).update(municipality_id=self.municipality_id)
        self._loaded_municipality = self.municipality_id

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_municipality = instance.__dict__.get("municipality_id", _UNKNOWN)
        return instance

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Subject(models.Model):
    """A school subject or area of work (Математика, Дошкольное образование, ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A login. Roles and scopes are in RoleAssignment; the person is in Educator."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def display_name(self) -> str:
        full = f"{self.last_name} {self.first_name}".strip()
        return full or self.username


class EducatorCategory(models.TextChoices):
    STUDENT = "student", _("pre-service student")
    TEACHER = "teacher", _("teacher")
    MANAGER = "manager", _("manager")


class QualificationCategory(models.TextChoices):
    NONE = "none", _("no category")
    COMPLIANCE = "compliance", _("compliance with the position")
    FIRST = "first", _("first category")
    HIGHEST = "highest", _("highest category")
    METHODIST = "methodist", _("teacher-methodologist")
    MENTOR = "mentor", _("teacher-mentor")


class Educator(models.Model):
    """A person who is diagnosed and supported. `region` is the shard key."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="educators", verbose_name=_("region"))
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="educators",
        verbose_name=_("organization"),
    )
    # The organization's municipality, kept here by save() (and by the bulk writers, and by
    # Organization.save when a school moves): the municipal operator's list pages this
    # column's name-ordered index instead of walking the country's to find its schools.
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
        verbose_name=_("municipality"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="educator",
        verbose_name=_("login"),
    )
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    snils = models.CharField(_("SNILS"), max_length=11, blank=True, help_text=_("11 digits without separators"))
    email = models.EmailField(_("email"), blank=True)
    category = models.CharField(_("category"), max_length=10, choices=EducatorCategory.choices)
    position = models.CharField(_("position"), max_length=200)
    subjects = models.ManyToManyField(Subject, blank=True, related_name="educators", verbose_name=_("subjects"))
    experience_years = models.PositiveSmallIntegerField(_("teaching experience, years"), default=0)
    qualification_category = models.CharField(
        _("qualification category"),
        max_length=12,
        choices=QualificationCategory.choices,
        default=QualificationCategory.NONE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    search_text = models.CharField(
        max_length=600,
        blank=True,
        editable=False,
        help_text="lower-cased name and position for search (see search_key)",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "middle_name", "id"]
        verbose_name = _("educator")
        verbose_name_plural = _("educators")
        constraints = [
            models.UniqueConstraint(fields=["snils"], condition=~Q(snils=""), name="educator_unique_snils"),
            models.CheckConstraint(
                condition=Q(snils="") | Q(snils__regex=r"^[0-9]{11}$"), name="educator_snils_digits"
            ),
            models.CheckConstraint(condition=Q(experience_years__lte=70), name="educator_experience_plausible"),
            models.CheckConstraint(condition=~Q(last_name="") & ~Q(first_name=""), name="educator_has_name"),
        ]
        indexes = [
            models.Index(fields=["region", "category"]),
            models.Index(fields=["organization", "last_name"]),
            # The people list pages in name order: the first page of 1.2 M reads 25 index entries.
            models.Index(fields=["last_name", "first_name", "middle_name", "id"], name="educator_name_order"),
            models.Index(
                fields=["region", "last_name", "first_name", "middle_name", "id"], name="educator_region_name_order"
            ),
            models.Index(
                fields=["municipality", "last_name", "first_name", "middle_name", "id"],
                name="educator_muni_name_order",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.search_text = search_key(self.last_name, self.first_name, self.middle_name, self.position)
        self.municipality_id = self._organization_municipality()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text", "municipality"}
        super().save(*args, **kwargs)

    def _organization_municipality(self) -> int | None:
        if self.organization_id is None:
            return None
        if Educator.organization.is_cached(self) and self.organization is not None:
            return self.organization.municipality_id
        return Organization.objects.filter(pk=self.organization_id).values_list("municipality_id", flat=True).first()

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)


def search_key(*parts: str) -> str:
    """Text as the people search compares it: lower case, «ё» as «е».

    SQLite's LIKE and lower() fold only ASCII letters, so a Cyrillic search is made
    case-insensitive by storing and querying this form on both databases."""
    return " ".join(p for p in parts if p).lower().replace("ё", "е")


class Role(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    TUTOR = "tutor", _("Tutor / CNPPM methodologist")
    MENTOR = "mentor", _("Mentor")
    SCHOOL_HEAD = "school_head", _("School head")
    MUNICIPAL_OPERATOR = "municipal_operator", _("Municipal operator")
    PROVIDER = "provider", _("Training provider")
    EXPERT = "expert", _("Expert")
    REGIONAL_OPERATOR = "regional_operator", _("Regional operator")
    FEDERAL_OPERATOR = "federal_operator", _("Federal operator")


class Scope(models.TextChoices):
    SELF = "self", _("self")
    ASSIGNED = "assigned", _("assigned people")
    ORGANIZATION = "organization", _("organization")
    MUNICIPALITY = "municipality", _("municipality")
    REGION = "region", _("region")
    MACROREGION = "macroregion", _("macroregion")
    FEDERAL = "federal", _("federal")


# Which scopes each role may carry (DESIGN.md §2).
ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    Role.TEACHER: (Scope.SELF,),
    Role.TUTOR: (Scope.ASSIGNED,),
    Role.MENTOR: (Scope.ASSIGNED,),
    Role.SCHOOL_HEAD: (Scope.ORGANIZATION,),
    Role.MUNICIPAL_OPERATOR: (Scope.MUNICIPALITY,),
    Role.PROVIDER: (Scope.ORGANIZATION,),
    Role.EXPERT: (Scope.ASSIGNED,),
    Role.REGIONAL_OPERATOR: (Scope.REGION, Scope.MACROREGION),
    Role.FEDERAL_OPERATOR: (Scope.FEDERAL,),
}


class RoleAssignment(models.Model):
    """A role a login holds, with the scope it acts in. `region` is the home region
    (the shard key; for a federal scope, the region the operator sits in or null)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region"))
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("municipality")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("organization")
    )
    macroregion = models.ForeignKey(
        Macroregion, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("macroregion")
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            # Each scope names exactly the unit it needs.
            models.CheckConstraint(
                name="role_scope_has_its_unit",
                condition=(
                    Q(scope__in=["self", "assigned"])
                    | Q(scope="organization", organization__isnull=False)
                    | Q(scope="municipality", municipality__isnull=False)
                    | Q(scope="region", region__isnull=False)
                    | Q(scope="macroregion", macroregion__isnull=False)
                    | Q(scope="federal")
                ),
            ),
            # NULL units compare equal here (SQLite has no NULLS NOT DISTINCT).
            models.UniqueConstraint(
                "user",
                "role",
                "scope",
                Coalesce("region", Value(0)),
                Coalesce("municipality", Value(0)),
                Coalesce("organization", Value(0)),
                Coalesce("macroregion", Value(0)),
                name="role_assignment_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.get_scope_display()})"


class AssignmentKind(models.TextChoices):
    TUTOR = "tutor", _("tutor")
    MENTOR = "mentor", _("mentor")


class SupportAssignment(models.Model):
    """Who supports whom: the people a tutor's or mentor's ASSIGNED scope covers."""

    supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_assignments"
    )
    educator = models.ForeignKey(Educator, on_delete=models.CASCADE, related_name="support_assignments")
    kind = models.CharField(_("kind"), max_length=10, choices=AssignmentKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT)
    active = models.BooleanField(_("active"), default=True)
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    class Meta:
        verbose_name = _("support assignment")
        verbose_name_plural = _("support assignments")
        constraints = [
            models.UniqueConstraint(fields=["supporter", "educator", "kind"], name="support_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.supporter} → {self.educator} ({self.get_kind_display()})"


class ConsentKind(models.TextChoices):
    PERSONAL_DATA = "personal_data", _("processing of personal data")
    DIAGNOSTICS = "diagnostics", _("participation in diagnostics")


class ConsentDocument(models.Model):
    """A published version of a consent text. Consents point to the exact version."""

    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    version = models.CharField(_("version"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"))

    class Meta:
        ordering = ["kind", "-published_at"]
        verbose_name = _("consent document")
        verbose_name_plural = _("consent documents")
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="consent_document_unique_version")]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class Consent(models.Model):
    educator = models.ForeignKey(Educator, on_delete=models.CASCADE, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="consents")
    region = models.ForeignKey(Region, on_delete=models.PROTECT)
    given_at = models.DateTimeField(_("given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
            # At most one active consent per educator and document.
            models.UniqueConstraint(
                fields=["educator", "document"], condition=Q(withdrawn_at__isnull=True), name="consent_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.educator}: {self.document}"


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    EXPORT = "export", _("exported")
    IMPORT = "import", _("imported")
    CONSENT = "consent", _("consent given")
    WITHDRAW = "withdraw", _("consent withdrawn")
    THROTTLED = "throttled", _("logins blocked after failures")


class AuditEvent(models.Model):
    """Who read or changed personal data. Append-only: never updated or deleted."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("who")
    )
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region"))
    fields = models.JSONField(_("fields"), default=list, blank=True)
    count = models.PositiveIntegerField(_("records"), default=1)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["region", "at"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.object_repr or self.object_type}"
        )

    @property
    def object_label(self) -> str:
        """What kind of record, in Russian («педагог», «индивидуальный маршрут»), not «people.educator»."""
        from django.apps import apps

        try:
            model = apps.get_model(self.object_type)
        except (LookupError, ValueError):
            return self.object_type
        return str(model._meta.verbose_name if self.object_id else model._meta.verbose_name_plural)

    @property
    def fields_display(self) -> list[str]:
        """Field names and consent documents as a person reads them («согласие на участие в
        диагностике, редакция 2026-1», not «diagnostics:2026-1»)."""
        if self.action in (AuditAction.CONSENT, AuditAction.WITHDRAW):
            kinds = dict(ConsentKind.choices)
            shown = []
            for item in self.fields:
                kind, _sep, version = str(item).partition(":")
                label = str(kinds.get(kind, kind))
                shown.append(
                    _("%(kind)s, version %(version)s") % {"kind": label, "version": version} if version else label
                )
            return shown
        model_fields = {}
        try:
            from django.apps import apps

            model_fields = {
                f.name: str(f.verbose_name)
                for f in apps.get_model(self.object_type)._meta.get_fields()
                if hasattr(f, "verbose_name")
            }
        except (LookupError, ValueError):
            pass
        return [model_fields.get(str(name)) or _referenced(str(name)) for name in self.fields]


def _referenced(name: str) -> str:
    """«evidence:12» (a record opened through the person's card) as a person reads it."""
    kind, _sep, number = name.partition(":")
    if kind == "evidence" and number:
        return _("evidence file no. %(number)s") % {"number": number}
    return name


class ImportKind(models.TextChoices):
    ORGANIZATIONS = "organizations", _("organizations")
    EDUCATORS = "educators", _("educators")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("checked, waiting for confirmation")
    IMPORTED = "imported", _("imported")
    DISCARDED = "discarded", _("discarded")


class ImportBatch(models.Model):
    """An uploaded file, its row-level check, and what was finally imported."""

    kind = models.CharField(_("what"), max_length=16, choices=ImportKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(_("content"))
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    errors = models.JSONField(_("errors"), default=list)
    imported_rows = models.PositiveIntegerField(_("imported rows"), default=0)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notification(models.Model):
    """A message in a user's inbox: a reminder, a decision on their route or program."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(
        _("key"), max_length=120, blank=True, help_text=_("one notification per key: reminders are not repeated")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="notification_once_per_key")
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class MailKind(models.TextChoices):
    """What a notification is about, for the e-mail opt-out (people.notify's ``kind``)."""

    REMINDER = "reminder", _("reminders of deadlines and appointments")
    CONSULTATION = "consultation", _("consultations with a tutor")
    MENTORING = "mentoring", _("mentoring")
    CASELOAD = "caseload", _("assignment of a tutor")
    OTHER = "other", _("decisions on routes, programs and other notifications")


class EmailPreference(models.Model):
    """A user's choice of which notifications also come by e-mail. No row: all of them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference")
    enabled = models.BooleanField(_("send notifications by e-mail"), default=True)
    muted = models.JSONField(_("kinds not sent by e-mail"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, kind: str) -> bool:
        return self.enabled and kind not in (self.muted or [])
