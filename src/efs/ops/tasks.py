"""The daily job as a background task (django-tasks) that keeps itself scheduled."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from . import daily

log = logging.getLogger(__name__)
MORNING_HOUR = 7


def next_morning(now: dt.datetime | None = None) -> dt.datetime:
    tomorrow = timezone.localtime(now) + dt.timedelta(days=1)
    return tomorrow.replace(hour=MORNING_HOUR, minute=0, second=0, microsecond=0)


@task()
def daily_job() -> dict[str, bool]:
    """Schedule tomorrow's run first (whatever happens below, the job goes on), then run
    every registered step on its own. Returns each step's success."""
    try:
        daily_job.using(run_after=next_morning()).enqueue()
    except Exception:  # the steps still run today; `efs up` queues the job again
        log.exception("could not schedule the next daily job")
    return {run.step: run.ok for run in daily.run_steps()}


def daily_job_ensure() -> bool:
    """Queue the daily job unless one is already waiting (called by `efs up`); True when queued.
    A fresh installation runs it at once, so reminders and measured effects do not wait a day."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = [TaskResultStatus.READY, TaskResultStatus.RUNNING]
    if DBTaskResult.objects.filter(task_path=daily_job.module_path, status__in=waiting).exists():
        return False
    daily_job.enqueue()
    return True
