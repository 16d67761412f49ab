"""The daily job: each step runs and reports on its own, a failure reaches the operators,
and the job keeps rescheduling itself."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from efs.ops import daily
from efs.ops.models import StepRun

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the queue `efs up` uses


@pytest.fixture
def broken_step():
    """A registered step that fails, between the apps' real steps."""
    daily.steps()  # collected from the apps' jobs.py
    saved = dict(daily._STEPS)
    names = list(saved)

    def fail():
        raise RuntimeError("the database of reminders is unreachable")

    daily._STEPS.clear()
    daily._STEPS.update({names[0]: saved[names[0]]})
    daily.register("broken", "Сломанный шаг", fail)
    daily._STEPS.update({n: saved[n] for n in names[1:]})
    yield "broken"
    daily._STEPS.clear()
    daily._STEPS.update(saved)


def test_every_app_registers_its_part(db):
    assert {"reminders", "program_effects", "holds_expire"} <= {s.name for s in daily.steps()}


@override_settings(TASKS=DB_QUEUE)
def test_the_job_is_queued_once_and_reschedules_itself(world):
    from django_tasks_db.models import DBTaskResult

    from efs.ops.tasks import daily_job, daily_job_ensure

    assert daily_job_ensure() is True
    assert daily_job_ensure() is False  # a second `efs up` does not queue another
    queued = DBTaskResult.objects.get(task_path=daily_job.module_path)
    assert queued.status == "READY"
    outcome = daily_job.call()  # what the worker runs
    assert outcome == {
        "attempts_time_up": True,
        "remeasurements": True,
        "reminders": True,
        "program_effects": True,
        "holds_expire": True,
        "monitoring_analytics": True,
        "monitoring_behind": True,
        "support_effects": True,
        "support_reminders": True,
        "practice_effects": True,
        "coordination_overdue": True,
    }
    follow_up = DBTaskResult.objects.filter(task_path=daily_job.module_path).exclude(pk=queued.pk).get()
    assert follow_up.run_after > timezone.now() and timezone.localtime(follow_up.run_after).hour == 7


@override_settings(TASKS=DB_QUEUE)
def test_a_failing_step_neither_stops_the_others_nor_the_schedule(world, broken_step):
    from django_tasks_db.models import DBTaskResult

    from efs.ops.tasks import daily_job

    outcome = daily_job.call()
    assert outcome["broken"] is False and all(ok for name, ok in outcome.items() if name != "broken")
    assert set(StepRun.objects.values_list("step", flat=True)) == set(outcome)
    failed = StepRun.objects.get(step="broken")
    assert not failed.ok and "unreachable" in failed.result and "RuntimeError" in failed.error
    assert DBTaskResult.objects.filter(task_path=daily_job.module_path, status="READY").count() == 1  # tomorrow's run
    for who in ("regional", "federal"):
        assert (
            world.users[who].notifications.filter(title="Ежедневная задача: шаг «Сломанный шаг» не выполнен").count()
            == 1
        )
    assert not world.users["teacher"].notifications.exists()


def test_the_operator_sees_each_steps_outcome(world, broken_step):
    daily.run_steps()
    page = world.client("regional").get("/ops/jobs/")
    text = page.content.decode()
    assert (
        page.status_code == 200
        and "Сломанный шаг" in text
        and "ошибка" in text
        and "Напоминания о сроках мероприятий" in text
    )
    assert "unreachable" in text
    assert world.client("teacher").get("/ops/jobs/").status_code == 403
