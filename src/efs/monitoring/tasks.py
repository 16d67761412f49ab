"""Monitoring's part of the daily job: the incremental build, then the owners' alerts."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def analytics_daily() -> int:
    """Recompute the current and previous month (a full build when none is published yet);
    returns how many owners were told that an indicator is behind."""
    services.starter_indicators_load()
    services.analytics_build(incremental=True)
    return services.alert_owners_behind()
