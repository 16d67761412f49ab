"""Monitoring's part of the daily job (collected by `efs.ops.daily`): (name, label, step)."""

from django.utils.translation import gettext_lazy as _


def _analytics() -> str:
    from .services import analytics_build, starter_indicators_load

    starter_indicators_load()
    build = analytics_build(incremental=True)
    return str(_("Analytics table rebuilt: %(n)s rows") % {"n": build.rows})


def _behind() -> str:
    from .services import alert_owners_behind

    return str(_("Owners told of indicators behind target: %(n)s") % {"n": alert_owners_behind()})


DAILY_STEPS = [
    ("monitoring_analytics", _("Monitoring: the analytics table (the current and the previous month)"), _analytics),
    ("monitoring_behind", _("Monitoring: indicators behind their targets"), _behind),
]
