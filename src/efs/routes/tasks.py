"""Background tasks of the routes app (django-tasks)."""

from django_tasks import task


@task()
def allocate_region_task(run_id: int) -> None:
    from .regional import allocation_execute

    allocation_execute(run_id)

