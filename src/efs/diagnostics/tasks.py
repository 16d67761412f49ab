"""Background tasks of the diagnostics app (django-tasks)."""

from django_tasks import task


@task()
def calibrate_framework(run_id: int) -> None:
    from .bank import calibration_execute

    calibration_execute(run_id)
