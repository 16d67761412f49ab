"""Competency frameworks: versioned trees whose leaves are diagnosed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    TEACHER = "teacher", _("teachers")
    MANAGER = "manager", _("managers")
    STUDENT = "student", _("pre-service students")


class Block(models.TextChoices):
    SUBJECT = "subject", _("subject")
    METHODOLOGICAL = "methodological", _("methodological")
    PSYCH_PEDAGOGICAL = "psych_pedagogical", _("psychological and pedagogical")
    COMMUNICATIVE = "communicative", _("communicative")
    LEGAL = "legal", _("normative and legal")
    DIGITAL = "digital", _("digital")
    MANAGERIAL = "managerial", _("managerial")


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")


class Framework(models.Model):
    """One version of a competency framework. A new version is a new row with the same code."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=FrameworkStatus.choices, default=FrameworkStatus.DRAFT
    )
    levels = models.JSONField(_("levels"), help_text=_("ordered list of {code, title}; the first level is the deficit"))
    region = models.ForeignKey(
        "people.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("region"),
        help_text=_("empty for a federal framework"),
    )
    correlation = models.JSONField(
        _("correlation of competencies"),
        null=True,
        blank=True,
        help_text=_("estimated by calibration; leaf codes and matrix"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["audience", "code", "-created_at"]
        verbose_name = _("competency framework")
        verbose_name_plural = _("competency frameworks")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_unique_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="published"), name="framework_one_published_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"

    @property
    def level_titles(self) -> dict[str, str]:
        return {level["code"]: level["title"] for level in self.levels}


class Competency(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="competencies", verbose_name=_("framework")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    block = models.CharField(_("block"), max_length=20, choices=Block.choices, blank=True)
    labour_functions = models.JSONField(_("labour functions"), default=list, blank=True)
    cuts = models.JSONField(_("level cuts on the ability scale"), default=list, blank=True)
    subjects = models.ManyToManyField("people.Subject", blank=True, verbose_name=_("only for teachers of"))
    is_leaf = models.BooleanField(_("diagnosed"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["framework_id", "order", "id"]
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="competency_unique_code"),
            models.CheckConstraint(condition=Q(is_leaf=False) | ~Q(block=""), name="competency_leaf_has_block"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def deficit_cut(self) -> float:
        return float(self.cuts[0])

    def level_for(self, theta: float) -> str:
        """The code of the level that `theta` falls in."""
        levels = self.framework.levels
        index = sum(1 for cut in self.cuts if theta >= cut)
        return levels[min(index, len(levels) - 1)]["code"]
