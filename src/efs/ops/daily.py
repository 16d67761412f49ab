"""The daily job: every app owns its steps, a list `DAILY_STEPS` of (name, label, function)
in its module `jobs.py` (ops sits above the apps, so it collects them; the apps import
nothing from here). The job runs each step on its own, so one failing step neither stops the others nor the
job's rescheduling, and records each outcome for the operators (`StepRun`, the page
`ops:jobs`, a notification when a step fails)."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .models import StepRun

log = logging.getLogger(__name__)
JOB = "daily"


@dataclass(frozen=True)
class Step:
    name: str
    label: str | Promise  # what the operator reads
    run: Callable[[], object]  # returns a count or a short Russian summary


_STEPS: dict[str, Step] = {}


def _collect() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("efs."):
            continue
        try:
            module = import_module(f"{config.name}.jobs")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.jobs":
                raise
            continue
        for name, label, run in getattr(module, "DAILY_STEPS", ()):
            _STEPS.setdefault(name, Step(name, label, run))


def register(name: str, label: str | Promise, run: Callable[[], object]) -> None:
    """A step added outside the apps' `jobs.py` (a plug-in, a test); a name again replaces it."""
    _collect()
    _STEPS[name] = Step(name, label, run)


def steps() -> list[Step]:
    _collect()
    return list(_STEPS.values())


def label_of(name: str) -> str:
    _collect()
    step = _STEPS.get(name)
    return str(step.label) if step else name


def run_steps(now: dt.datetime | None = None) -> list[StepRun]:
    """Run every registered step, each in its own transaction; never raises."""
    runs = []
    for step in steps():
        started = now or timezone.now()
        try:
            with transaction.atomic():
                outcome = step.run()
        except Exception as exc:  # a step's failure is reported, the next steps still run
            log.exception("daily step %s failed", step.name)
            run = StepRun(job=JOB, step=step.name, started_at=started, finished_at=timezone.now(), ok=False,
                          result=str(exc)[:300], error=traceback.format_exc()[-4000:])
        else:
            run = StepRun(
                job=JOB,
                step=step.name,
                started_at=started,
                finished_at=timezone.now(),
                ok=True,
                result=str(outcome if outcome is not None else "")[:300],
            )
        try:
            run.save()
            if not run.ok:
                _tell_operators(run)
        except Exception:  # the record is for people; losing it must not stop the job
            log.exception("could not record the daily step %s", step.name)
        runs.append(run)
    return runs


def _tell_operators(run: StepRun) -> None:
    from efs.people.public import Role, User, notify

    title = _("The daily job: the step «%(step)s» failed") % {"step": label_of(run.step)}
    operators = User.objects.filter(
        is_active=True, role_assignments__role__in=[Role.FEDERAL_OPERATOR, Role.REGIONAL_OPERATOR]
    ).distinct()
    for user in operators:
        notify(
            user=user,
            title=title,
            body=run.result,
            url=reverse("ops:jobs"),
            key=f"daily-failed:{run.step}:{run.started_at:%Y-%m-%d}",
        )


@dataclass(frozen=True)
class StepStatus:
    name: str
    label: str
    last: StepRun | None
    last_success: StepRun | None


def status() -> list[StepStatus]:
    """Each registered step with its latest run and its latest successful run."""
    rows = []
    for step in steps():
        runs = StepRun.objects.filter(job=JOB, step=step.name)
        rows.append(StepStatus(step.name, str(step.label), runs.first(), runs.filter(ok=True).first()))
    return rows
