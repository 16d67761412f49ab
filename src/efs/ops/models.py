"""What the platform's background jobs did: one row per step of each run."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StepRun(models.Model):
    """One step of one run of the daily job: when, whether it worked, what it did or why not."""

    job = models.CharField(_("job"), max_length=40, default="daily")
    step = models.CharField(_("step"), max_length=60)
    started_at = models.DateTimeField(_("started"), db_index=True)
    finished_at = models.DateTimeField(_("finished"))
    ok = models.BooleanField(_("succeeded"))
    result = models.CharField(_("result"), max_length=300, blank=True)
    error = models.TextField(_("error"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("step of a background job")
        verbose_name_plural = _("steps of background jobs")
        indexes = [models.Index(fields=["job", "step", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.job}:{self.step} {self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'failed'}"
