"""Background tasks of the routes app (django-tasks)."""

import datetime as dt

from django.utils import timezone
from django_tasks import task


@task()
def allocate_region_task(run_id: int) -> None:
    from .regional import allocation_execute

    allocation_execute(run_id)


@task()
def daily_reminders() -> int:
    """Attempts whose time is up finished, re-diagnoses taken into routes, reminders of due
    and overdue activities, the measured effects of programs, and the release of expired
    holds on certificates; schedules itself for the next morning, so one
    queued task keeps it going."""
    from efs.diagnostics.public import expire_overdue
    from efs.financing.services import holds_expire

    from .services import program_effects_update, remeasurements_record_all, send_reminders

    expire_overdue()
    remeasurements_record_all()
    sent = send_reminders()
    program_effects_update()
    holds_expire()
    daily_reminders.using(run_after=_next_morning()).enqueue()
    return sent


def _next_morning() -> dt.datetime:
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    return tomorrow.replace(hour=7, minute=0, second=0, microsecond=0)


def daily_reminders_ensure() -> bool:
    """Queue the daily job unless one is already waiting (called by `efs up`); True when queued.

    A fresh installation runs it at once, so reminders and measured effects do not wait a day.
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = [TaskResultStatus.READY, TaskResultStatus.RUNNING]
    if DBTaskResult.objects.filter(task_path=daily_reminders.module_path, status__in=waiting).exists():
        return False
    daily_reminders.enqueue()
    return True
